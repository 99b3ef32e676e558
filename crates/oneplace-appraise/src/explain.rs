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
     payback, agency:ID, outcome:ID, cost:ID";

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
                "fiscal {} − transfers {} + economic {} + social {}",
                money(t.pv_fiscal),
                money(t.pv_transfers),
                money(t.pv_economic),
                money(t.pv_social)
            ),
        )
        .with(a.outcomes.iter().map(|o| outcome(model, o, data)).collect())
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
    .with(vec![Explanation::note(
        "amounts in the price base, before optimism bias",
        format!(
            "{}; given in {} prices, × {:.6} to {} prices",
            by_year.join(", "),
            c.price_year,
            c.price_factor,
            model.settings.price_base
        ),
    )]))
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
