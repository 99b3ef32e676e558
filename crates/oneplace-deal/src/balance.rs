//! The deal balance: for every party, the present value of what it gives
//! and what it gets under the deal's terms.
//!
//! * From the appraisals: each agency's costs (it gives) and fiscal
//!   benefits (it gets), year by year, as the appraisal engine computes them
//!   (checked against the engine's own present values).
//! * Gain-share and earn-back: a department pays the place `share` of its
//!   fiscal benefit each year, at most `annual_cap`, for `years` years (the
//!   rule of `oneplace_results::earn_back::share_year`, the one
//!   implementation for projected and measured earn-back).
//! * Up-front investment and tranches: paid by a department to a partner,
//!   or to the place as a whole. Tranches count as if every gateway is
//!   passed.
//!
//! Money paid to the place is shared between its partners by the terms'
//! `recipients`, or else in proportion to the costs each bears. Everything
//! is discounted from the balance's first year (year 0 undiscounted) with
//! the Green Book schedule of oneplace-refdata the terms name.
//!
//! The balance flags every party left worse off, and finds the gain-share
//! (one share for every gain-share term, caps and durations as agreed) that
//! leaves every party at least whole, or says why none does.

use oneplace_appraise::evaluate::outcome_volume;
use oneplace_appraise::{Appraisal, Model};
use oneplace_core::FinancialYear;
use oneplace_refdata::{ReferenceData, ValueKind};
use oneplace_results::earn_back::share_year;
use serde::Serialize;

use crate::deal::{Deal, ShareKind, ShareTerm};
use crate::evidence::Sources;

/// One agency's costs and fiscal benefits by year of its appraisal,
/// undiscounted, in the appraisal's price base, after optimism bias.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgencyStreams {
    pub agency: String,
    pub cost: Vec<f64>,
    pub benefit: Vec<f64>,
}

/// Each agency's costs and fiscal benefits year by year: the arithmetic of
/// `oneplace_appraise::evaluate`, kept by agency and year rather than
/// summed, so that terms capped per year can be applied.
pub fn agency_streams(model: &Model) -> Vec<AgencyStreams> {
    let years = model.settings.years;
    let mut out: Vec<AgencyStreams> = model
        .agencies
        .iter()
        .map(|a| AgencyStreams {
            agency: a.id.clone(),
            cost: vec![0.0; years],
            benefit: vec![0.0; years],
        })
        .collect();
    for c in &model.costs {
        for (t, amount) in c.amounts.iter().enumerate().take(years) {
            out[c.agency].cost[t] += amount * c.scale * (1.0 + c.optimism_uplift);
        }
    }
    for o in &model.outcomes {
        let volume = outcome_volume(&o.cohort, o.rate() * o.cohort_scale, &o.profile);
        for v in &o.values {
            let fiscal = v.unit_value(ValueKind::Fiscal).unwrap_or(0.0)
                * v.quantity
                * v.scale
                * (1.0 - v.optimism_reduction);
            for (t, &n) in volume.iter().enumerate() {
                for s in &v.shares {
                    out[s.agency].benefit[t] += n * fiscal * s.share;
                }
            }
        }
    }
    out
}

/// Holds [`agency_streams`] to the engine: discounted as the appraisal
/// was, they must give its per-agency present values.
pub fn check_streams(
    streams: &[AgencyStreams],
    appraisal: &Appraisal,
    data: &ReferenceData,
) -> Result<(), String> {
    let schedule = data
        .discount_schedule(&appraisal.discount_schedule)
        .ok_or("the appraisal's schedule is not shipped")?;
    let df = schedule.factors(appraisal.years_appraised, appraisal.discount_year_zero);
    let pv = |xs: &[f64]| xs.iter().zip(&df).map(|(x, d)| x * d).sum::<f64>();
    for (s, a) in streams.iter().zip(&appraisal.agencies) {
        for (mine, engine, what) in [
            (pv(&s.cost), a.pv_cost, "cost"),
            (pv(&s.benefit), a.pv_fiscal_benefit, "fiscal benefit"),
        ] {
            if (mine - engine).abs() > 1e-6 * engine.abs().max(1.0) {
                return Err(format!(
                    "{}'s PV {what} by year ({mine}) differs from the appraisal's ({engine})",
                    s.agency
                ));
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A public body of the place.
    Local,
    /// A government department or national agency.
    Central,
}

/// What one party gives and gets, in present values.
#[derive(Clone, Debug, Serialize)]
pub struct PartyBalance {
    pub party: String,
    pub name: String,
    pub side: Side,
    /// Its costs in the appraisals.
    pub pv_cost: f64,
    /// Its fiscal benefits in the appraisals.
    pub pv_benefit: f64,
    pub gain_share_paid: f64,
    pub gain_share_received: f64,
    pub investment_paid: f64,
    pub investment_received: f64,
    /// Costs + gain-share paid + investment paid.
    pub gives: f64,
    /// Benefits + gain-share received + investment received.
    pub gets: f64,
    /// Gets − gives.
    pub net: f64,
    pub worse_off: bool,
}

/// One year of a gain-share or earn-back term.
#[derive(Clone, Debug, Serialize)]
pub struct TermYear {
    pub financial_year: FinancialYear,
    /// The department's fiscal benefit that year.
    pub benefit: f64,
    /// What it pays the place.
    pub payment: f64,
    /// The cap bit.
    pub capped: bool,
    pub discount_factor: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TermResult {
    pub id: String,
    pub kind: ShareKind,
    pub department: String,
    pub share: f64,
    pub annual_cap: Option<f64>,
    pub years: usize,
    pub from: FinancialYear,
    pub by_year: Vec<TermYear>,
    pub total: f64,
    pub pv: f64,
}

/// The gain-share that leaves every party at least whole.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum WholeShare {
    /// Any share from `min` to `max` (fractions), caps and durations as
    /// agreed, leaves nobody worse off.
    Range { min: f64, max: f64 },
    /// No share does.
    Impossible { reason: String },
    /// The deal has no gain-share term to vary.
    NoGainShare,
}

/// A year of money flowing to the place under the share terms, for the
/// chart.
#[derive(Clone, Debug, Serialize)]
pub struct FlowYear {
    pub financial_year: FinancialYear,
    pub discount_factor: f64,
    pub gain_share: f64,
    pub investment: f64,
    pub cumulative: f64,
    pub cumulative_discounted: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Balance {
    /// Year 0 of the balance.
    pub first_year: FinancialYear,
    pub years: usize,
    pub discount_schedule: String,
    /// The appraisals counted.
    pub appraisals: Vec<String>,
    pub parties: Vec<PartyBalance>,
    pub terms: Vec<TermResult>,
    /// How money paid to the place is shared: (partner, share).
    pub recipients: Vec<(String, f64)>,
    pub recipients_basis: String,
    pub flows: Vec<FlowYear>,
    pub worse_off: Vec<String>,
    pub whole: WholeShare,
    pub notes: Vec<String>,
}

/// A party's PV streams from the appraisals, by balance year.
struct PartyStreams {
    cost: Vec<f64>,
    benefit: Vec<f64>,
}

/// Computes the balance. Fails only if the year-by-year streams disagree
/// with the appraisal engine, which would be a fault in oneplace.
pub fn balance(deal: &Deal, sources: &Sources, data: &ReferenceData) -> Result<Balance, String> {
    let counted: Vec<&crate::evidence::LoadedAppraisal> = deal
        .appraisals
        .iter()
        .filter(|a| a.in_balance)
        .filter_map(|a| sources.appraisal(&a.id))
        .collect();
    // The balance runs from the earliest year anything happens to the last.
    fn span(range: &mut Option<(FinancialYear, FinancialYear)>, from: FinancialYear, years: usize) {
        let last = from.offset(years as i32 - 1);
        *range = Some(match *range {
            Some((f, e)) => (f.min(from), e.max(last)),
            None => (from, last),
        });
    }
    let mut range = None;
    for a in &counted {
        span(
            &mut range,
            a.appraisal.first_year,
            a.appraisal.years_appraised,
        );
    }
    for i in &deal.terms.investments {
        span(&mut range, i.year, 1);
    }
    for t in &deal.terms.tranches {
        span(&mut range, t.year, 1);
    }
    let base = range.map_or(FinancialYear::starting(2026), |(f, _)| f);
    for s in &deal.terms.shares {
        span(&mut range, s.from.unwrap_or(base), s.years);
    }
    let (first, end) = (range.map(|(f, _)| f), range.map(|(_, e)| e));
    let first_year = first.unwrap_or(base);
    let years = end.map_or(1, |e| (e.years_since(first_year) + 1).max(1) as usize);
    let schedule = data
        .discount_schedule(&deal.terms.discount_schedule)
        .ok_or("the terms' discount schedule is not shipped")?;
    let df = schedule.factors(years, false);
    let pv = |xs: &[f64]| xs.iter().zip(&df).map(|(x, d)| x * d).sum::<f64>();
    let index = |y: FinancialYear| y.years_since(first_year) as usize;

    let ids: Vec<(&str, Side)> = deal
        .partners
        .iter()
        .map(|p| (p.id.as_str(), Side::Local))
        .chain(
            deal.counterparties
                .iter()
                .map(|p| (p.id.as_str(), Side::Central)),
        )
        .collect();
    let at = |id: &str| ids.iter().position(|(p, _)| *p == id);
    let mut streams: Vec<PartyStreams> = ids
        .iter()
        .map(|_| PartyStreams {
            cost: vec![0.0; years],
            benefit: vec![0.0; years],
        })
        .collect();
    let mut notes = Vec::new();
    for a in &counted {
        let src = deal
            .appraisals
            .iter()
            .find(|s| s.id == a.id)
            .expect("counted appraisals are the deal's");
        let agency = agency_streams(&a.model);
        check_streams(&agency, &a.appraisal, data)?;
        if a.appraisal.discount_schedule != deal.terms.discount_schedule
            || a.appraisal.discount_year_zero
            || a.appraisal.first_year != first_year
        {
            notes.push(format!(
                "Appraisal '{}' is discounted here from {first_year} with the {} schedule, year 0 undiscounted, so its present values differ from the appraisal's own.",
                a.id, deal.terms.discount_schedule
            ));
        }
        let offset = index(a.appraisal.first_year);
        for s in agency {
            let party = src.parties.get(&s.agency).unwrap_or(&s.agency);
            let Some(p) = at(party) else { continue };
            for (t, (c, b)) in s.cost.iter().zip(&s.benefit).enumerate() {
                streams[p].cost[offset + t] += c;
                streams[p].benefit[offset + t] += b;
            }
        }
    }

    // How money paid to the place is shared between partners.
    let local: Vec<usize> = (0..ids.len())
        .filter(|&i| ids[i].1 == Side::Local)
        .collect();
    let (recipients, recipients_basis): (Vec<(String, f64)>, String) =
        if !deal.terms.recipients.is_empty() {
            (
                deal.terms.recipients.clone(),
                "as the terms set out".to_string(),
            )
        } else {
            let costs: Vec<f64> = local
                .iter()
                .map(|&i| pv(&streams[i].cost).max(0.0))
                .collect();
            let total: f64 = costs.iter().sum();
            if total > 0.0 {
                (
                    local
                        .iter()
                        .zip(&costs)
                        .filter(|(_, c)| **c > 0.0)
                        .map(|(&i, c)| (ids[i].0.to_string(), c / total))
                        .collect(),
                    "in proportion to the PV of the costs each partner bears".to_string(),
                )
            } else {
                (
                    local
                        .iter()
                        .map(|&i| (ids[i].0.to_string(), 1.0 / local.len() as f64))
                        .collect(),
                    "in equal shares (no partner bears a cost)".to_string(),
                )
            }
        };
    let share_of = |p: &str| {
        recipients
            .iter()
            .find(|(r, _)| r == p)
            .map_or(0.0, |(_, s)| *s)
    };

    let term_results = |shares: &dyn Fn(&ShareTerm) -> f64| -> Vec<TermResult> {
        deal.terms
            .shares
            .iter()
            .map(|term| share_term(term, shares(term), &streams, &at, first_year, years, &df))
            .collect()
    };
    let terms = term_results(&|t| t.share);

    let mut parties: Vec<PartyBalance> = ids
        .iter()
        .enumerate()
        .map(|(i, (id, side))| PartyBalance {
            party: id.to_string(),
            name: deal.party_name(id),
            side: *side,
            pv_cost: pv(&streams[i].cost),
            pv_benefit: pv(&streams[i].benefit),
            gain_share_paid: 0.0,
            gain_share_received: 0.0,
            investment_paid: 0.0,
            investment_received: 0.0,
            gives: 0.0,
            gets: 0.0,
            net: 0.0,
            worse_off: false,
        })
        .collect();
    let mut flows: Vec<FlowYear> = (0..years)
        .map(|t| FlowYear {
            financial_year: first_year.offset(t as i32),
            discount_factor: df[t],
            gain_share: 0.0,
            investment: 0.0,
            cumulative: 0.0,
            cumulative_discounted: 0.0,
        })
        .collect();
    for r in &terms {
        if let Some(d) = at(&r.department) {
            parties[d].gain_share_paid += r.pv;
        }
        for p in &mut parties {
            p.gain_share_received += r.pv * share_of(&p.party);
        }
        for (t, y) in r.by_year.iter().enumerate() {
            flows[t].gain_share += y.payment;
        }
    }
    let payments = deal
        .terms
        .investments
        .iter()
        .map(|i| (&i.from, &i.to, i.amount, i.year))
        .chain(
            deal.terms
                .tranches
                .iter()
                .map(|t| (&t.from, &t.to, t.amount, t.year)),
        );
    for (from, to, amount, year) in payments {
        let t = index(year);
        let value = amount * df[t];
        flows[t].investment += amount;
        if let Some(d) = at(from) {
            parties[d].investment_paid += value;
        }
        match to {
            Some(p) => {
                if let Some(p) = at(p) {
                    parties[p].investment_received += value;
                }
            }
            None => {
                for p in &mut parties {
                    p.investment_received += value * share_of(&p.party);
                }
            }
        }
    }
    let (mut cumulative, mut discounted) = (0.0, 0.0);
    for f in &mut flows {
        cumulative += f.gain_share + f.investment;
        discounted += (f.gain_share + f.investment) * f.discount_factor;
        f.cumulative = cumulative;
        f.cumulative_discounted = discounted;
    }
    for p in &mut parties {
        p.gives = p.pv_cost + p.gain_share_paid + p.investment_paid;
        p.gets = p.pv_benefit + p.gain_share_received + p.investment_received;
        p.net = p.gets - p.gives;
        // Half a penny: anything smaller is rounding, not a loss.
        p.worse_off = p.net < -0.005;
    }
    let worse_off = parties
        .iter()
        .filter(|p| p.worse_off)
        .map(|p| p.party.clone())
        .collect();

    let whole = whole_share(
        deal,
        &parties,
        &terms,
        &|s| {
            term_results(&|t| {
                if t.kind == ShareKind::GainShare {
                    s
                } else {
                    t.share
                }
            })
        },
        &share_of,
    );

    Ok(Balance {
        first_year,
        years,
        discount_schedule: deal.terms.discount_schedule.clone(),
        appraisals: counted.iter().map(|a| a.id.clone()).collect(),
        parties,
        terms,
        recipients,
        recipients_basis,
        flows,
        worse_off,
        whole,
        notes,
    })
}

fn share_term(
    term: &ShareTerm,
    share: f64,
    streams: &[PartyStreams],
    at: &dyn Fn(&str) -> Option<usize>,
    first_year: FinancialYear,
    years: usize,
    df: &[f64],
) -> TermResult {
    let from = term.from.unwrap_or(first_year);
    let start = from.years_since(first_year).max(0) as usize;
    let benefit = at(&term.department).map(|d| &streams[d].benefit);
    let by_year: Vec<TermYear> = (0..years)
        .map(|t| {
            let b = benefit.map_or(0.0, |b| b[t]);
            let paid = t >= start && t < start + term.years;
            // The earn-back rule, shared with measured earn-back schedules.
            let year = share_year(b, share, term.annual_cap, paid);
            let (payment, capped) = (year.paid, year.capped);
            TermYear {
                financial_year: first_year.offset(t as i32),
                benefit: b,
                payment,
                capped,
                discount_factor: df[t],
            }
        })
        .collect();
    TermResult {
        id: term.id.clone(),
        kind: term.kind,
        department: term.department.clone(),
        share,
        annual_cap: term.annual_cap,
        years: term.years,
        from,
        total: by_year.iter().map(|y| y.payment).sum(),
        pv: by_year.iter().map(|y| y.payment * y.discount_factor).sum(),
        by_year,
    }
}

/// Bisection to well below a hundredth of a percentage point: the
/// functions are monotone and piecewise linear in the share.
fn bisect(mut lo: f64, mut hi: f64, mut ok_at_hi: impl FnMut(f64) -> bool) -> f64 {
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if ok_at_hi(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

fn whole_share(
    deal: &Deal,
    parties: &[PartyBalance],
    terms: &[TermResult],
    with_share: &dyn Fn(f64) -> Vec<TermResult>,
    share_of: &dyn Fn(&str) -> f64,
) -> WholeShare {
    if !terms.iter().any(|t| t.kind == ShareKind::GainShare) {
        return WholeShare::NoGainShare;
    }
    // Each party's net position as a function of the gain-share.
    let net_at = |s: f64| -> Vec<f64> {
        let now: f64 = terms
            .iter()
            .filter(|t| t.kind == ShareKind::GainShare)
            .map(|t| t.pv)
            .sum();
        let results = with_share(s);
        let total: f64 = results
            .iter()
            .filter(|t| t.kind == ShareKind::GainShare)
            .map(|t| t.pv)
            .sum();
        parties
            .iter()
            .map(|p| {
                let paid_now: f64 = terms
                    .iter()
                    .filter(|t| t.kind == ShareKind::GainShare && t.department == p.party)
                    .map(|t| t.pv)
                    .sum();
                let paid: f64 = results
                    .iter()
                    .filter(|t| t.kind == ShareKind::GainShare && t.department == p.party)
                    .map(|t| t.pv)
                    .sum();
                p.net + (paid_now - paid) + (total - now) * share_of(&p.party)
            })
            .collect()
    };
    // Whole means not a penny short; the boundary is found to within a
    // millionth of a pound, so the share quoted really is enough.
    let whole = |nets: &[f64], i: usize| nets[i] >= -1e-6;
    let at_zero = net_at(0.0);
    let at_one = net_at(1.0);
    let mut reasons = Vec::new();
    // Partners a gain-share cannot help, and departments it can only hurt.
    for (i, p) in parties.iter().enumerate() {
        if !whole(&at_zero, i) && !whole(&at_one, i) {
            let helped = at_one[i] > at_zero[i] + 1e-9;
            reasons.push(if helped {
                format!(
                    "{} is still {} short with every gain-share at 100% (caps and durations as agreed)",
                    deal.party_name(&p.party),
                    oneplace_core::Money::from_pounds_rounded(-at_one[i])
                )
            } else {
                format!(
                    "{} is {} short whatever the gain-share",
                    deal.party_name(&p.party),
                    oneplace_core::Money::from_pounds_rounded(-at_zero[i])
                )
            });
        }
    }
    if !reasons.is_empty() {
        return WholeShare::Impossible {
            reason: reasons.join("; "),
        };
    }
    // Partners gain with the share, departments lose: each party whole at
    // one end is whole over an interval reaching that end.
    let mut min: f64 = 0.0;
    let mut max: f64 = 1.0;
    for i in 0..parties.len() {
        if whole(&at_zero, i) && whole(&at_one, i) {
            continue;
        }
        if whole(&at_one, i) {
            min = min.max(bisect(0.0, 1.0, |s| whole(&net_at(s), i)));
        } else {
            // Whole at zero only: the largest share keeping it whole.
            let first_not = bisect(0.0, 1.0, |s| !whole(&net_at(s), i));
            max = max.min(first_not);
        }
    }
    if min <= max + 1e-12 {
        WholeShare::Range { min, max }
    } else {
        WholeShare::Impossible {
            reason: format!(
                "the partners need a gain-share of at least {} but the departments can pay at most {} and stay whole",
                percent2(min),
                percent2(max)
            ),
        }
    }
}

/// A share as a percentage with two decimals.
pub fn percent2(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// The balance as JSON: pounds to the penny; shares, the whole-share range
/// and discount factors to six decimals.
pub fn to_json(b: &Balance) -> serde_json::Value {
    let mut value = serde_json::to_value(b).expect("a balance serialises");
    round(&mut value, None);
    value
}

fn round(value: &mut serde_json::Value, key: Option<&str>) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            // Money is to the penny; shares and factors to six decimals.
            let fine = key.is_some_and(|k| {
                matches!(
                    k,
                    "share" | "discount_factor" | "min" | "max" | "recipients"
                )
            });
            let scale = if fine { 1e6 } else { 100.0 };
            let x = n.as_f64().unwrap_or_default();
            let r = (x * scale).round() / scale;
            if let Some(r) = serde_json::Number::from_f64(if r == 0.0 { 0.0 } else { r }) {
                *n = r;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                round(item, key);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                round(v, Some(k));
            }
        }
        _ => {}
    }
}
