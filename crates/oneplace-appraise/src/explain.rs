//! Tracing a figure back to its inputs.
//!
//! `explain(model, appraisal, "npbi")` returns the figure, the formula that
//! made it with the numbers filled in, and the same for each of its parts,
//! down to the model's inputs and the reference data (a Unit Cost Database
//! entry, its price year, the deflator factor, the optimism-bias grade).

use oneplace_core::Money;
use oneplace_refdata::{ReferenceData, ValueKind};
use serde::Serialize;

use crate::evaluate::{Appraisal, OutcomeResult};
use crate::model::{Model, ValueSource};

/// One figure, how it was made, and its parts.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub figure: String,
    /// The figure as shown (£ or a ratio).
    pub shown: String,
    pub amount: Option<f64>,
    pub how: String,
    pub parts: Vec<Explanation>,
}

impl Explanation {
    fn pounds(figure: impl Into<String>, amount: f64, how: impl Into<String>) -> Explanation {
        Explanation {
            figure: figure.into(),
            shown: Money::from_pounds_rounded(amount).to_string(),
            amount: Some(amount),
            how: how.into(),
            parts: Vec::new(),
        }
    }

    fn ratio(
        figure: impl Into<String>,
        amount: Option<f64>,
        how: impl Into<String>,
    ) -> Explanation {
        Explanation {
            figure: figure.into(),
            shown: amount.map_or("n/a".into(), |r| format!("{r:.4}")),
            amount,
            how: how.into(),
            parts: Vec::new(),
        }
    }

    fn note(figure: impl Into<String>, how: impl Into<String>) -> Explanation {
        Explanation {
            figure: figure.into(),
            shown: String::new(),
            amount: None,
            how: how.into(),
            parts: Vec::new(),
        }
    }

    fn with(mut self, parts: Vec<Explanation>) -> Explanation {
        self.parts = parts;
        self
    }
}

/// The figures that can be explained, for help text and messages.
pub const FIGURES: &str = "npbi, financial_roi, cashable_financial_roi, nppv, public_value_roi, \
     payback, agency:ID, outcome:ID, cost:ID, matrix:FUNDER:BENEFICIARY, fair_split:AGENCY, \
     year:N (an offset or a financial year such as 2027/28)";

fn money(x: f64) -> String {
    Money::from_pounds_rounded(x).to_string()
}

pub fn explain(
    model: &Model,
    a: &Appraisal,
    data: &ReferenceData,
    figure: &str,
) -> Result<Explanation, String> {
    let t = &a.totals;
    let fiscal = || {
        Explanation::pounds(
            "PV of fiscal benefits",
            t.pv_fiscal,
            "the sum over outcomes",
        )
        .with(a.outcomes.iter().map(|o| outcome(model, o, data)).collect())
    };
    let costs = || {
        Explanation::pounds("PV of costs", t.pv_costs, "the sum over cost lines").with(
            model
                .costs
                .iter()
                .map(|c| cost(model, a, &c.id).expect("every cost has a result"))
                .collect(),
        )
    };
    let public = || {
        Explanation::pounds(
            "PV of public value",
            t.pv_public_value,
            format!(
                "fiscal {} − transfers {} + economic {} + social {}; the sum over outcomes",
                money(t.pv_fiscal),
                money(t.pv_transfers),
                money(t.pv_economic),
                money(t.pv_social)
            ),
        )
        .with(
            a.outcomes
                .iter()
                .map(|o| {
                    Explanation::pounds(
                        format!("public value of outcome '{}'", o.id),
                        o.pv_public_value,
                        format!(
                            "fiscal {} − transfers {} + economic {} + social {}",
                            money(o.pv_fiscal),
                            money(o.pv_transfers),
                            money(o.pv_economic),
                            money(o.pv_social)
                        ),
                    )
                    .with(vec![outcome(model, o, data)])
                })
                .collect(),
        )
    };
    let (kind, id) = figure.split_once(':').unwrap_or((figure, ""));
    Ok(match kind.trim() {
        "npbi" => Explanation::pounds(
            "Net present budget impact",
            a.npbi,
            format!(
                "PV fiscal {} − PV costs {}",
                money(t.pv_fiscal),
                money(t.pv_costs)
            ),
        )
        .with(vec![fiscal(), costs()]),
        "financial_roi" => Explanation::ratio(
            "Financial return on investment",
            a.financial_roi,
            format!(
                "PV fiscal {} ÷ PV costs {}",
                money(t.pv_fiscal),
                money(t.pv_costs)
            ),
        )
        .with(vec![fiscal(), costs()]),
        "cashable_financial_roi" => Explanation::ratio(
            "Cashable return on investment",
            a.cashable_financial_roi,
            format!(
                "PV cashable {} ÷ PV costs {}",
                money(t.pv_cashable),
                money(t.pv_costs)
            ),
        )
        .with(vec![
            Explanation::pounds(
                "PV of cashable fiscal benefits",
                t.pv_cashable,
                "each agency's fiscal benefit × the cashable share the outcome gives it",
            )
            .with(
                a.agencies
                    .iter()
                    .map(|r| {
                        Explanation::pounds(
                            format!("cashable to {}", r.agency),
                            r.pv_cashable_benefit,
                            format!("of {} fiscal benefit", money(r.pv_fiscal_benefit)),
                        )
                    })
                    .collect(),
            ),
            costs(),
        ]),
        "nppv" => Explanation::pounds(
            "Net present public value",
            a.nppv,
            format!(
                "PV public value {} − PV costs {}",
                money(t.pv_public_value),
                money(t.pv_costs)
            ),
        )
        .with(vec![public(), costs()]),
        "public_value_roi" | "bcr" => Explanation::ratio(
            "Public value return (benefit-cost ratio)",
            a.public_value_roi,
            format!(
                "PV public value {} ÷ PV costs {}; band: {}",
                money(t.pv_public_value),
                money(t.pv_costs),
                a.value_for_money_band.unwrap_or("n/a")
            ),
        )
        .with(vec![public(), costs()]),
        "payback" => payback(a),
        "agency" => agency(model, a, id.trim())?,
        "outcome" => {
            let o = a
                .outcomes
                .iter()
                .find(|o| o.id == id.trim())
                .ok_or_else(|| unknown("outcome", id, a.outcomes.iter().map(|o| o.id.as_str())))?;
            outcome(model, o, data)
        }
        "cost" => cost(model, a, id.trim())?,
        "matrix" => matrix_cell(a, id.trim())?,
        "fair_split" => fair_split_row(a, id.trim())?,
        "year" => year(model, a, id.trim())?,
        other => {
            if model.agencies.iter().any(|x| x.id == other) {
                return explain(model, a, data, &format!("agency:{other}"));
            }
            return Err(format!(
                "cannot explain '{figure}': choose one of {FIGURES}"
            ));
        }
    })
}

fn unknown<'a>(what: &str, id: &str, ids: impl Iterator<Item = &'a str>) -> String {
    format!(
        "no {what} '{id}' in the model (it has: {})",
        ids.collect::<Vec<_>>().join(", ")
    )
}

fn payback(a: &Appraisal) -> Explanation {
    let describe = |y: Option<usize>| match y {
        Some(t) => format!("year {t} ({})", a.first_year.offset(t as i32)),
        None => "not within the appraisal period".into(),
    };
    Explanation::note(
        "Payback",
        format!(
            "the first year in which cumulative fiscal benefit reaches cumulative cost: discounted {}, undiscounted {}",
            describe(a.payback_year_discounted),
            describe(a.payback_year_undiscounted)
        ),
    )
    .with(
        a.years
            .iter()
            .map(|y| {
                Explanation::pounds(
                    format!("cumulative discounted net fiscal to year {} ({})", y.year, y.financial_year),
                    y.cumulative_discounted_net_fiscal,
                    format!(
                        "undiscounted {}; this year fiscal {} against costs {}",
                        money(y.cumulative_net_fiscal),
                        money(y.fiscal),
                        money(y.costs)
                    ),
                )
            })
            .collect(),
    )
}

fn cost(model: &Model, a: &Appraisal, id: &str) -> Result<Explanation, String> {
    let (c, r) = model
        .costs
        .iter()
        .zip(&a.costs)
        .find(|(c, _)| c.id == id)
        .ok_or_else(|| unknown("cost", id, model.costs.iter().map(|c| c.id.as_str())))?;
    let grade = model
        .optimism_bias
        .grade(c.confidence)
        .map_or(String::new(), |g| format!(" ({})", g.label));
    let by_year: Vec<String> = c
        .amounts
        .iter()
        .enumerate()
        .filter(|(_, x)| **x != 0.0)
        .map(|(t, x)| format!("year {t} {}", money(*x)))
        .collect();
    Ok(Explanation::pounds(
        format!(
            "cost '{}' ({}, {})",
            c.id,
            model.agencies[c.agency].id,
            c.kind.as_str()
        ),
        r.pv,
        format!(
            "Σ amount × (1 + {:.0}% optimism bias, grade {}{grade}) × DF(t)",
            c.optimism_uplift * 100.0,
            c.confidence
        ),
    )
    .with(
        std::iter::once(Explanation::note(
            "amounts in the price base, before optimism bias",
            format!(
                "{}; given in {} prices, × {:.6} to {} prices",
                by_year.join(", "),
                c.price_year,
                c.price_factor,
                model.settings.price_base
            ),
        ))
        .chain(
            c.amounts
                .iter()
                .enumerate()
                .filter(|(_, x)| **x != 0.0)
                .map(|(t, x)| {
                    let df = a.years[t].discount_factor;
                    let after = x * c.scale * (1.0 + c.optimism_uplift);
                    Explanation::pounds(
                        format!("year {t} ({})", a.years[t].financial_year),
                        after * df,
                        format!(
                            "{} × scale {} × (1 + {}) × DF {:.6}",
                            money(*x),
                            c.scale,
                            c.optimism_uplift,
                            df
                        ),
                    )
                }),
        )
        .collect(),
    ))
}

/// `FUNDER:BENEFICIARY`: the funder's share of the cost times the
/// beneficiary's benefit, value line by value line.
fn matrix_cell(a: &Appraisal, ids: &str) -> Result<Explanation, String> {
    let (f, b) = ids
        .split_once(':')
        .ok_or_else(|| format!("matrix:{ids}: give matrix:FUNDER:BENEFICIARY"))?;
    let (f, b) = (f.trim(), b.trim());
    let fi = a
        .matrix
        .funders
        .iter()
        .position(|x| x == f)
        .ok_or_else(|| unknown("funder", f, a.matrix.funders.iter().map(String::as_str)))?;
    let bi = a
        .matrix
        .beneficiaries
        .iter()
        .position(|x| x == b)
        .ok_or_else(|| {
            unknown(
                "beneficiary",
                b,
                a.matrix.beneficiaries.iter().map(String::as_str),
            )
        })?;
    let share = a.matrix.funder_cost[fi] / a.totals.pv_costs;
    let mut parts = Vec::new();
    for o in &a.outcomes {
        for v in &o.values {
            for s in v.fiscal_by_agency.iter().filter(|s| s.agency == b) {
                parts.push(Explanation::pounds(
                    format!("from outcome '{}', value '{}'", o.id, v.label),
                    share * s.pv,
                    format!("{share:.6} × {} to {b}", money(s.pv)),
                ));
            }
        }
    }
    Ok(Explanation::pounds(
        format!("matrix: {b}'s benefit paid for by {f}"),
        a.matrix.values[fi][bi],
        format!(
            "{f}'s share of PV cost ({} of {} = {share:.6}) × {b}'s PV fiscal benefit {}",
            money(a.matrix.funder_cost[fi]),
            money(a.totals.pv_costs),
            money(a.matrix.beneficiary_benefit[bi])
        ),
    )
    .with(parts))
}

/// An agency's row of the fair split: its net position now and under each
/// proposal, each as benefit − contribution.
fn fair_split_row(a: &Appraisal, id: &str) -> Result<Explanation, String> {
    let s = &a.fair_split;
    let r = s
        .agencies
        .iter()
        .find(|r| r.agency == id)
        .ok_or_else(|| unknown("agency", id, s.agencies.iter().map(|r| r.agency.as_str())))?;
    let position = |name: &str, contribution: Option<f64>, net: Option<f64>, how: &str| {
        let Some(c) = contribution else {
            return Explanation::note(name.to_string(), "no proposal can be made");
        };
        Explanation::pounds(
            format!("net position {name}"),
            net.unwrap_or(r.pv_fiscal_benefit - c),
            format!(
                "PV fiscal benefit {} − contribution {}",
                money(r.pv_fiscal_benefit),
                money(c)
            ),
        )
        .with(vec![
            Explanation::pounds("PV fiscal benefit", r.pv_fiscal_benefit, ""),
            Explanation::pounds(
                format!("contribution ({how})"),
                -c,
                format!(
                    "fixed {} (in kind, or all of it for an agency not at the table) + cash {}",
                    money(r.fixed),
                    money(c - r.fixed)
                ),
            ),
        ])
    };
    Ok(Explanation::pounds(
        format!("fair split for '{id}': net position now"),
        r.net_current,
        format!(
            "{}; the proposals below",
            if r.contributes {
                "a contributing agency"
            } else {
                "not at the table: its costs do not move"
            }
        ),
    )
    .with(vec![
        position(
            "now",
            Some(r.current),
            Some(r.net_current),
            "its PV cost as the model has it",
        ),
        position(
            "under (a) benefit share",
            r.benefit_share,
            r.net_benefit_share,
            "the cash to find split in proportion to contributors' benefits",
        ),
        position(
            "under (b) equal return",
            r.equal_roi,
            r.net_equal_roi,
            &format!(
                "its benefit ÷ the common return {}",
                s.equal_roi.map_or("n/a".into(), |x| format!("{x:.6}"))
            ),
        ),
    ]))
}

/// One year's row: net fiscal = fiscal − costs, by outcome and cost line.
fn year(model: &Model, a: &Appraisal, which: &str) -> Result<Explanation, String> {
    let t = match which.parse::<usize>() {
        Ok(t) => Some(t),
        Err(_) => oneplace_core::FinancialYear::parse(which)
            .ok()
            .and_then(|y| usize::try_from(y.years_since(a.first_year)).ok()),
    };
    let Some(row) = t.and_then(|t| a.years.get(t)) else {
        return Err(format!(
            "year:{which}: give a year from 0 to {} or a financial year from {} to {}",
            a.years.len().saturating_sub(1),
            a.first_year,
            a.first_year.offset(a.years.len() as i32 - 1)
        ));
    };
    let t = row.year;
    let fiscal_parts: Vec<Explanation> = model
        .outcomes
        .iter()
        .map(|o| {
            let volume =
                crate::evaluate::outcome_volume(&o.cohort, o.rate() * o.cohort_scale, &o.profile);
            let per_outcome: f64 = o
                .values
                .iter()
                .map(|v| {
                    let share: f64 = v.shares.iter().map(|s| s.share).sum();
                    v.unit_value(ValueKind::Fiscal).unwrap_or(0.0)
                        * v.quantity
                        * v.scale
                        * (1.0 - v.optimism_reduction)
                        * share
                })
                .sum();
            Explanation::pounds(
                format!("outcome '{}'", o.id),
                volume[t] * per_outcome,
                format!(
                    "{:.4} outcomes in benefit × {} fiscal per outcome (after optimism bias)",
                    volume[t],
                    money(per_outcome)
                ),
            )
        })
        .collect();
    let cost_parts: Vec<Explanation> = model
        .costs
        .iter()
        .map(|c| {
            Explanation::pounds(
                format!("cost '{}'", c.id),
                c.amounts[t] * c.scale * (1.0 + c.optimism_uplift),
                format!(
                    "{} × scale {} × (1 + {})",
                    money(c.amounts[t]),
                    c.scale,
                    c.optimism_uplift
                ),
            )
        })
        .collect();
    Ok(Explanation::pounds(
        format!("year {t} ({}) net fiscal", row.financial_year),
        row.net_fiscal,
        format!(
            "fiscal {} − costs {}, undiscounted; × DF {:.6} = {} discounted; cumulative {} ({} discounted)",
            money(row.fiscal),
            money(row.costs),
            row.discount_factor,
            money(row.net_fiscal * row.discount_factor),
            money(row.cumulative_net_fiscal),
            money(row.cumulative_discounted_net_fiscal)
        ),
    )
    .with(vec![
        Explanation::pounds("fiscal benefit", row.fiscal, "the sum over outcomes").with(fiscal_parts),
        Explanation::pounds("costs", row.costs, "the sum over cost lines, after optimism bias")
            .with(cost_parts),
    ]))
}

fn outcome(model: &Model, r: &OutcomeResult, data: &ReferenceData) -> Explanation {
    let o = model
        .outcomes
        .iter()
        .find(|o| o.id == r.id)
        .expect("results follow the model");
    let starters: Vec<String> = o
        .cohort
        .iter()
        .enumerate()
        .filter(|(_, x)| **x != 0.0)
        .map(|(t, x)| format!("{x} in year {t}"))
        .collect();
    let mut parts = vec![Explanation::note(
        "successful outcomes",
        format!(
            "starters ({}) × engagement {} × success {} × (1 − deadweight {}) × (1 − displacement {}) × (1 − leakage {}) = {:.6} per starter; \
             benefit profile by year since starting {:?}; {:.2} outcome-years in all",
            starters.join(", "),
            o.engagement,
            o.success,
            o.deadweight,
            o.displacement,
            o.leakage,
            o.rate(),
            trim_profile(&o.profile),
            r.outcome_years
        ),
    )];
    for (v, vr) in o.values.iter().zip(&r.values) {
        let source = match &v.source {
            ValueSource::UnitCostDatabase { code, original } => {
                let entry = data.unit_costs.get(code);
                let originals: Vec<String> = original
                    .iter()
                    .map(|(k, x, y)| format!("{k} {} in {y} prices", money(*x)))
                    .collect();
                format!(
                    "Unit Cost Database {code}{}: {}; uprated to {} with deflators '{}'",
                    entry.map_or(String::new(), |e| format!(" ({}, {})", e.title(), e.unit)),
                    originals.join(", "),
                    model.settings.price_base,
                    model.settings.deflators
                )
            }
            ValueSource::Explicit { price_year } => {
                format!("given explicitly in {price_year} prices")
            }
        };
        let unit = |k: ValueKind| v.unit_value(k).map(|x| format!("{k} {}", money(x)));
        let units: Vec<String> = ValueKind::ALL.into_iter().filter_map(unit).collect();
        let shares: Vec<Explanation> = vr
            .fiscal_by_agency
            .iter()
            .map(|s| {
                Explanation::pounds(
                    format!("fiscal to {}", s.agency),
                    s.pv,
                    format!(
                        "share {}{}",
                        s.share,
                        if s.transfer {
                            ", a transfer: not public value"
                        } else {
                            ""
                        }
                    ),
                )
            })
            .collect();
        parts.push(
            Explanation::pounds(
                format!("value '{}'", v.label),
                vr.pv_fiscal + vr.pv_economic + vr.pv_social,
                format!(
                    "outcomes × quantity {} × unit value ({}) × (1 − {:.0}% optimism bias, grade {}) × DF(t){}; {source}",
                    v.quantity,
                    units.join(", "),
                    v.optimism_reduction * 100.0,
                    v.confidence,
                    if o.health_discounting {
                        "; social value at the health discount rate"
                    } else {
                        ""
                    }
                ),
            )
            .with(
                shares
                    .into_iter()
                    .chain([
                        Explanation::pounds("economic", vr.pv_economic, ""),
                        Explanation::pounds("social", vr.pv_social, ""),
                    ])
                    .filter(|e| e.amount != Some(0.0) || e.figure.starts_with("fiscal"))
                    .collect(),
            ),
        );
    }
    Explanation::pounds(
        format!("outcome '{}'", o.id),
        r.pv_fiscal,
        format!(
            "PV fiscal; economic {}, social {}, public value {}",
            money(r.pv_economic),
            money(r.pv_social),
            money(r.pv_public_value)
        ),
    )
    .with(parts)
}

fn trim_profile(profile: &[f64]) -> Vec<f64> {
    let end = profile.iter().rposition(|x| *x != 0.0).map_or(0, |i| i + 1);
    profile[..end]
        .iter()
        .map(|x| (x * 1e6).round() / 1e6)
        .collect()
}

fn agency(model: &Model, a: &Appraisal, id: &str) -> Result<Explanation, String> {
    let r = a
        .agencies
        .iter()
        .find(|r| r.agency == id)
        .ok_or_else(|| unknown("agency", id, a.agencies.iter().map(|r| r.agency.as_str())))?;
    let idx = model
        .agencies
        .iter()
        .position(|x| x.id == id)
        .expect("same agencies");
    let costs: Vec<Explanation> = model
        .costs
        .iter()
        .filter(|c| c.agency == idx)
        .map(|c| cost(model, a, &c.id).expect("every cost has a result"))
        .collect();
    let mut benefits = Vec::new();
    for o in &a.outcomes {
        for v in &o.values {
            for s in v.fiscal_by_agency.iter().filter(|s| s.agency == id) {
                benefits.push(Explanation::pounds(
                    format!("from outcome '{}', value '{}'", o.id, v.label),
                    s.pv,
                    format!("share {}", s.share),
                ));
            }
        }
    }
    Ok(Explanation::pounds(
        format!("agency '{}' net position", r.agency),
        r.net,
        format!(
            "PV fiscal benefit {} − PV cost borne {}; ROI {}",
            money(r.pv_fiscal_benefit),
            money(r.pv_cost),
            r.roi.map_or("n/a".into(), |x| format!("{x:.4}"))
        ),
    )
    .with(vec![
        Explanation::pounds("PV fiscal benefit", r.pv_fiscal_benefit, "").with(benefits),
        Explanation::pounds("PV cost borne", r.pv_cost, "").with(costs),
    ]))
}

/// The explanation as an indented tree.
pub fn render(e: &Explanation) -> String {
    let mut out = String::new();
    walk(e, 0, &mut out);
    out
}

fn walk(e: &Explanation, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    out.push_str(&e.figure);
    if !e.shown.is_empty() {
        out.push_str(" = ");
        out.push_str(&e.shown);
    }
    out.push('\n');
    if !e.how.is_empty() {
        out.push_str(&indent);
        out.push_str("    ");
        out.push_str(&e.how);
        out.push('\n');
    }
    for p in &e.parts {
        walk(p, depth + 1, out);
    }
}
