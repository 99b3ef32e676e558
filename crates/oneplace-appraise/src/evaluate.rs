//! Deterministic evaluation: a validated model in, the economic and financial
//! case out.
//!
//! Notation as in HM Treasury's guidance for local partnerships: years
//! `t = 0..T`, agencies `a`, outcomes `o`, value kinds fiscal, economic and
//! social. All amounts are real, in the model's price base; `PV(x) =
//! Σ x_t × DF(t)`.

use oneplace_core::FinancialYear;
use oneplace_refdata::{DatasetVersion, ReferenceData, ValueKind};
use serde::Serialize;

use crate::fair_split::{FairSplit, fair_split};
use crate::model::{CostKind, Model};

/// The result of appraising a model.
#[derive(Clone, Debug, Serialize)]
pub struct Appraisal {
    pub name: String,
    pub first_year: FinancialYear,
    pub years_appraised: usize,
    pub price_base: FinancialYear,
    pub discount_schedule: String,
    pub discount_year_zero: bool,
    /// Net present budget impact: PV(fiscal benefits) − PV(costs).
    pub npbi: f64,
    /// PV(fiscal benefits) / PV(costs); none when there are no costs.
    pub financial_roi: Option<f64>,
    /// PV(cashable fiscal benefits) / PV(costs).
    pub cashable_financial_roi: Option<f64>,
    /// Net present public value: PV(public value) − PV(costs).
    pub nppv: f64,
    /// The benefit-cost ratio: PV(public value) / PV(costs).
    pub public_value_roi: Option<f64>,
    /// The Department for Transport's band for that ratio, shown beside it,
    /// never as a verdict on its own.
    pub value_for_money_band: Option<&'static str>,
    /// First year in which cumulative discounted fiscal benefit reaches
    /// cumulative discounted cost; none if it never does.
    pub payback_year_discounted: Option<usize>,
    pub payback_year_undiscounted: Option<usize>,
    pub totals: Totals,
    pub agencies: Vec<AgencyResult>,
    pub matrix: Matrix,
    pub fair_split: FairSplit,
    pub years: Vec<YearRow>,
    pub costs: Vec<CostResult>,
    pub outcomes: Vec<OutcomeResult>,
    pub warnings: Vec<String>,
    pub reference_data: Vec<DatasetVersion>,
}

/// Present values over the whole appraisal.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub pv_costs: f64,
    pub pv_cash_costs: f64,
    pub pv_in_kind_costs: f64,
    pub pv_fiscal: f64,
    pub pv_cashable: f64,
    /// The part of the fiscal benefit that is transfer payments.
    pub pv_transfers: f64,
    pub pv_economic: f64,
    pub pv_social: f64,
    /// Fiscal (transfers excluded) + economic + social.
    pub pv_public_value: f64,
    /// Successful outcomes in benefit, summed over years.
    pub outcome_years: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgencyResult {
    pub agency: String,
    pub name: String,
    pub pv_cost: f64,
    pub pv_cash_cost: f64,
    pub pv_in_kind_cost: f64,
    pub pv_fiscal_benefit: f64,
    pub pv_cashable_benefit: f64,
    /// PV fiscal benefit − PV cost.
    pub net: f64,
    /// PV fiscal benefit / PV cost; none for an agency that bears no cost.
    pub roi: Option<f64>,
}

/// Who pays and who benefits: each funder's share of the cost times each
/// beneficiary's fiscal benefit, so row `f` is the benefit bought by `f`'s
/// money and the whole matrix sums to PV(fiscal).
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub funders: Vec<String>,
    pub beneficiaries: Vec<String>,
    /// `values[f][b]`.
    pub values: Vec<Vec<f64>>,
    pub funder_cost: Vec<f64>,
    pub beneficiary_benefit: Vec<f64>,
    pub method: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct YearRow {
    pub year: usize,
    pub financial_year: FinancialYear,
    pub discount_factor: f64,
    pub cash_costs: f64,
    pub in_kind_costs: f64,
    pub costs: f64,
    pub fiscal: f64,
    pub cashable: f64,
    pub transfers: f64,
    pub economic: f64,
    pub social: f64,
    pub public_value: f64,
    /// fiscal − costs.
    pub net_fiscal: f64,
    pub discounted_costs: f64,
    pub discounted_fiscal: f64,
    pub discounted_public_value: f64,
    pub cumulative_net_fiscal: f64,
    pub cumulative_discounted_net_fiscal: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostResult {
    pub id: String,
    pub name: String,
    pub agency: String,
    pub kind: CostKind,
    /// Undiscounted, after optimism bias.
    pub total: f64,
    pub pv: f64,
    pub optimism_uplift: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutcomeResult {
    pub id: String,
    pub name: String,
    /// Successful outcomes per starter.
    pub rate: f64,
    pub starters: f64,
    /// Successful outcomes in benefit, summed over years.
    pub outcome_years: f64,
    pub pv_fiscal: f64,
    pub pv_cashable: f64,
    pub pv_transfers: f64,
    pub pv_economic: f64,
    pub pv_social: f64,
    pub pv_public_value: f64,
    /// The same by value line, so every figure traces back to its inputs.
    pub values: Vec<ValueResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ValueResult {
    pub label: String,
    /// The Unit Cost Database code, when the value came from it.
    pub ucd: Option<String>,
    pub quantity: f64,
    /// Per unit, in the price base, before optimism bias.
    pub unit_fiscal: Option<f64>,
    pub unit_economic: Option<f64>,
    pub unit_social: Option<f64>,
    pub optimism_reduction: f64,
    pub pv_fiscal: f64,
    pub pv_transfers: f64,
    pub pv_economic: f64,
    pub pv_social: f64,
    pub fiscal_by_agency: Vec<AgencyAmount>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgencyAmount {
    pub agency: String,
    pub share: f64,
    pub transfer: bool,
    pub pv: f64,
}

/// The DfT's value-for-money band for a benefit-cost ratio.
pub fn value_for_money_band(bcr: f64) -> &'static str {
    if bcr < 1.0 {
        "poor"
    } else if bcr < 1.5 {
        "low"
    } else if bcr < 2.0 {
        "medium"
    } else if bcr <= 4.0 {
        "high"
    } else {
        "very high"
    }
}

/// Successful outcomes in benefit in each year: starters of year `s`, times
/// the success rate, times the profile `t − s` years after starting.
pub fn outcome_volume(cohort: &[f64], rate: f64, profile: &[f64]) -> Vec<f64> {
    let years = cohort.len();
    let mut volume = vec![0.0; years];
    for (s, &starters) in cohort.iter().enumerate() {
        if starters == 0.0 {
            continue;
        }
        let n = starters * rate;
        for (t, v) in volume.iter_mut().enumerate().skip(s) {
            *v += n * profile[t - s];
        }
    }
    volume
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

/// Appraises a validated model.
pub fn evaluate(model: &Model, data: &ReferenceData) -> Appraisal {
    let settings = &model.settings;
    let years = settings.years;
    let schedule = data
        .discount_schedule(&settings.discount_schedule)
        .expect("validated schedule");
    let df = schedule.factors(years, settings.discount_year_zero);
    let df_health = model
        .outcomes
        .iter()
        .any(|o| o.health_discounting)
        .then(|| {
            data.discount_schedule("health")
                .expect("the health schedule is shipped")
                .factors(years, settings.discount_year_zero)
        });
    let n_agencies = model.agencies.len();
    let mut rows: Vec<YearRow> = (0..years)
        .map(|t| YearRow {
            year: t,
            financial_year: settings.financial_year(t),
            discount_factor: df[t],
            cash_costs: 0.0,
            in_kind_costs: 0.0,
            costs: 0.0,
            fiscal: 0.0,
            cashable: 0.0,
            transfers: 0.0,
            economic: 0.0,
            social: 0.0,
            public_value: 0.0,
            net_fiscal: 0.0,
            discounted_costs: 0.0,
            discounted_fiscal: 0.0,
            discounted_public_value: 0.0,
            cumulative_net_fiscal: 0.0,
            cumulative_discounted_net_fiscal: 0.0,
        })
        .collect();
    let mut agency_cash = vec![0.0; n_agencies];
    let mut agency_in_kind = vec![0.0; n_agencies];
    let mut agency_fiscal = vec![0.0; n_agencies];
    let mut agency_cashable = vec![0.0; n_agencies];
    let mut totals = Totals::default();

    let mut costs = Vec::with_capacity(model.costs.len());
    for c in &model.costs {
        let mut total = 0.0;
        let mut pv = 0.0;
        for (t, amount) in c.amounts.iter().enumerate() {
            let x = amount * c.scale * (1.0 + c.optimism_uplift);
            total += x;
            pv += x * df[t];
            if c.kind.is_cash() {
                rows[t].cash_costs += x;
            } else {
                rows[t].in_kind_costs += x;
            }
        }
        if c.kind.is_cash() {
            agency_cash[c.agency] += pv;
        } else {
            agency_in_kind[c.agency] += pv;
        }
        costs.push(CostResult {
            id: c.id.clone(),
            name: c.name.clone(),
            agency: model.agencies[c.agency].id.clone(),
            kind: c.kind,
            total,
            pv,
            optimism_uplift: c.optimism_uplift,
        });
    }

    let mut outcomes = Vec::with_capacity(model.outcomes.len());
    for o in &model.outcomes {
        let rate = o.rate();
        let volume = outcome_volume(&o.cohort, rate * o.cohort_scale, &o.profile);
        let mut r = OutcomeResult {
            id: o.id.clone(),
            name: o.name.clone(),
            rate,
            starters: o.cohort.iter().sum::<f64>() * o.cohort_scale,
            outcome_years: volume.iter().sum(),
            pv_fiscal: 0.0,
            pv_cashable: 0.0,
            pv_transfers: 0.0,
            pv_economic: 0.0,
            pv_social: 0.0,
            pv_public_value: 0.0,
            values: Vec::with_capacity(o.values.len()),
        };
        for v in &o.values {
            let mut vr = ValueResult {
                label: v.label.clone(),
                ucd: v.ucd_code().map(str::to_string),
                quantity: v.quantity,
                unit_fiscal: v.unit_value(ValueKind::Fiscal),
                unit_economic: v.unit_value(ValueKind::Economic),
                unit_social: v.unit_value(ValueKind::Social),
                optimism_reduction: v.optimism_reduction,
                pv_fiscal: 0.0,
                pv_transfers: 0.0,
                pv_economic: 0.0,
                pv_social: 0.0,
                fiscal_by_agency: v
                    .shares
                    .iter()
                    .map(|s| AgencyAmount {
                        agency: model.agencies[s.agency].id.clone(),
                        share: s.share,
                        transfer: s.transfer,
                        pv: 0.0,
                    })
                    .collect(),
            };
            let per_outcome = v.quantity * v.scale * (1.0 - v.optimism_reduction);
            let fiscal = v.unit_value(ValueKind::Fiscal).unwrap_or(0.0) * per_outcome;
            let economic = v.unit_value(ValueKind::Economic).unwrap_or(0.0) * per_outcome;
            let social = v.unit_value(ValueKind::Social).unwrap_or(0.0) * per_outcome;
            for (t, &n) in volume.iter().enumerate() {
                if n == 0.0 {
                    continue;
                }
                let row = &mut rows[t];
                for (share, by_agency) in v.shares.iter().zip(&mut vr.fiscal_by_agency) {
                    let x = n * fiscal * share.share;
                    by_agency.pv += x * df[t];
                    let cashable = x * o.cashable[share.agency];
                    row.fiscal += x;
                    row.cashable += cashable;
                    agency_fiscal[share.agency] += x * df[t];
                    agency_cashable[share.agency] += cashable * df[t];
                    vr.pv_fiscal += x * df[t];
                    r.pv_cashable += cashable * df[t];
                    if share.transfer {
                        row.transfers += x;
                        vr.pv_transfers += x * df[t];
                    } else {
                        row.public_value += x;
                        row.discounted_public_value += x * df[t];
                    }
                }
                let social_df = match (&df_health, o.health_discounting) {
                    (Some(h), true) => h[t],
                    _ => df[t],
                };
                row.economic += n * economic;
                row.social += n * social;
                row.public_value += n * (economic + social);
                row.discounted_public_value += n * economic * df[t] + n * social * social_df;
                vr.pv_economic += n * economic * df[t];
                vr.pv_social += n * social * social_df;
            }
            r.pv_fiscal += vr.pv_fiscal;
            r.pv_transfers += vr.pv_transfers;
            r.pv_economic += vr.pv_economic;
            r.pv_social += vr.pv_social;
            r.values.push(vr);
        }
        r.pv_public_value = r.pv_fiscal - r.pv_transfers + r.pv_economic + r.pv_social;
        totals.pv_fiscal += r.pv_fiscal;
        totals.pv_cashable += r.pv_cashable;
        totals.pv_transfers += r.pv_transfers;
        totals.pv_economic += r.pv_economic;
        totals.pv_social += r.pv_social;
        totals.outcome_years += r.outcome_years;
        outcomes.push(r);
    }

    let mut cumulative = 0.0;
    let mut cumulative_discounted = 0.0;
    let mut cumulative_cost = (0.0, 0.0);
    let mut payback_undiscounted = None;
    let mut payback_discounted = None;
    for row in &mut rows {
        row.costs = row.cash_costs + row.in_kind_costs;
        row.net_fiscal = row.fiscal - row.costs;
        row.discounted_costs = row.costs * row.discount_factor;
        row.discounted_fiscal = row.fiscal * row.discount_factor;
        cumulative += row.net_fiscal;
        cumulative_discounted += row.discounted_fiscal - row.discounted_costs;
        cumulative_cost.0 += row.costs;
        cumulative_cost.1 += row.discounted_costs;
        row.cumulative_net_fiscal = cumulative;
        row.cumulative_discounted_net_fiscal = cumulative_discounted;
        // Payback needs something to pay back: a year before any cost is
        // never a payback year.
        if payback_undiscounted.is_none() && cumulative_cost.0 > 0.0 && cumulative >= 0.0 {
            payback_undiscounted = Some(row.year);
        }
        if payback_discounted.is_none() && cumulative_cost.1 > 0.0 && cumulative_discounted >= 0.0 {
            payback_discounted = Some(row.year);
        }
        totals.pv_cash_costs += row.cash_costs * row.discount_factor;
        totals.pv_in_kind_costs += row.in_kind_costs * row.discount_factor;
    }
    totals.pv_costs = totals.pv_cash_costs + totals.pv_in_kind_costs;
    totals.pv_public_value =
        totals.pv_fiscal - totals.pv_transfers + totals.pv_economic + totals.pv_social;

    let agencies: Vec<AgencyResult> = model
        .agencies
        .iter()
        .enumerate()
        .map(|(a, agency)| {
            let pv_cost = agency_cash[a] + agency_in_kind[a];
            AgencyResult {
                agency: agency.id.clone(),
                name: agency.name.clone(),
                pv_cost,
                pv_cash_cost: agency_cash[a],
                pv_in_kind_cost: agency_in_kind[a],
                pv_fiscal_benefit: agency_fiscal[a],
                pv_cashable_benefit: agency_cashable[a],
                net: agency_fiscal[a] - pv_cost,
                roi: ratio(agency_fiscal[a], pv_cost),
            }
        })
        .collect();
    let matrix = funder_beneficiary_matrix(&agencies, totals.pv_costs);
    let fair_split = fair_split(model, &agencies);
    let public_value_roi = ratio(totals.pv_public_value, totals.pv_costs);
    Appraisal {
        name: model.name.clone(),
        first_year: settings.first_year,
        years_appraised: years,
        price_base: settings.price_base,
        discount_schedule: settings.discount_schedule.clone(),
        discount_year_zero: settings.discount_year_zero,
        npbi: totals.pv_fiscal - totals.pv_costs,
        financial_roi: ratio(totals.pv_fiscal, totals.pv_costs),
        cashable_financial_roi: ratio(totals.pv_cashable, totals.pv_costs),
        nppv: totals.pv_public_value - totals.pv_costs,
        public_value_roi,
        value_for_money_band: public_value_roi.map(value_for_money_band),
        payback_year_discounted: payback_discounted,
        payback_year_undiscounted: payback_undiscounted,
        totals,
        agencies,
        matrix,
        fair_split,
        years: rows,
        costs,
        outcomes,
        warnings: model.warnings.clone(),
        reference_data: model.reference_data.clone(),
    }
}

fn funder_beneficiary_matrix(agencies: &[AgencyResult], total_cost: f64) -> Matrix {
    let funders: Vec<&AgencyResult> = agencies.iter().filter(|a| a.pv_cost != 0.0).collect();
    let beneficiaries: Vec<&AgencyResult> = agencies
        .iter()
        .filter(|a| a.pv_fiscal_benefit != 0.0)
        .collect();
    let values = funders
        .iter()
        .map(|f| {
            beneficiaries
                .iter()
                .map(|b| {
                    if total_cost == 0.0 {
                        0.0
                    } else {
                        f.pv_cost / total_cost * b.pv_fiscal_benefit
                    }
                })
                .collect()
        })
        .collect();
    Matrix {
        funders: funders.iter().map(|a| a.agency.clone()).collect(),
        beneficiaries: beneficiaries.iter().map(|a| a.agency.clone()).collect(),
        values,
        funder_cost: funders.iter().map(|a| a.pv_cost).collect(),
        beneficiary_benefit: beneficiaries.iter().map(|a| a.pv_fiscal_benefit).collect(),
        method: "each funder's share of PV cost × each beneficiary's PV fiscal benefit",
    }
}
