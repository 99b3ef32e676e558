//! A model's numeric inputs: their names, their ranges, and changing them.
//!
//! Distributions, scenarios, tornado diagrams and switching values all talk
//! about inputs. A [`Target`] says where an input lives in a validated
//! [`Model`]; its name (`outcome.less-crime.success`, `cost.key-workers.scale`)
//! is what users write in scenarios and correlations and read in reports.

use oneplace_refdata::ValueKind;
use serde::Serialize;

use crate::model::{Model, RateKind, Target};

/// One input, as sensitivity analysis and scenarios see it.
#[derive(Clone, Debug, Serialize)]
pub struct Parameter {
    pub path: String,
    pub label: String,
    pub target: Target,
    /// Its value in the model (model units: price-base pounds, rates,
    /// multipliers).
    pub value: f64,
    /// The range it can take.
    pub low: f64,
    pub high: f64,
}

/// The name users write for an input.
pub fn path(model: &Model, target: &Target) -> String {
    let fy = |t: usize| model.settings.financial_year(t);
    let cost = |c: usize| &model.costs[c].id;
    let outcome = |o: usize| &model.outcomes[o].id;
    match *target {
        Target::CostYears { cost: c, from, to } if from == to => {
            format!("cost.{}[{}]", cost(c), fy(from))
        }
        Target::CostYears { cost: c, from, to } => {
            format!("cost.{}[{}..{}]", cost(c), fy(from), fy(to))
        }
        Target::CostScale { cost: c } => format!("cost.{}.scale", cost(c)),
        Target::CohortYear { outcome: o, year } => {
            format!("outcome.{}.cohort[{}]", outcome(o), fy(year))
        }
        Target::CohortScale { outcome: o } => format!("outcome.{}.cohort.scale", outcome(o)),
        Target::Rate { outcome: o, rate } => format!("outcome.{}.{}", outcome(o), rate.as_str()),
        Target::DropOff { outcome: o } => format!("outcome.{}.drop_off", outcome(o)),
        Target::ProfileYear { outcome: o, year } => {
            format!("outcome.{}.profile[{year}]", outcome(o))
        }
        Target::Cashable {
            outcome: o,
            agency: None,
        } => format!("outcome.{}.cashable", outcome(o)),
        Target::Cashable {
            outcome: o,
            agency: Some(a),
        } => format!("outcome.{}.cashable.{}", outcome(o), model.agencies[a].id),
        Target::Quantity { outcome: o, value } => {
            format!("outcome.{}.value[{}].quantity", outcome(o), value + 1)
        }
        Target::UnitValue {
            outcome: o,
            value,
            kind,
        } => format!(
            "outcome.{}.value[{}].{}",
            outcome(o),
            value + 1,
            kind.as_str()
        ),
        Target::UnitScale { outcome: o, value } => {
            format!("outcome.{}.value[{}].scale", outcome(o), value + 1)
        }
    }
}

/// A description a reader understands without the model open.
pub fn label(model: &Model, target: &Target) -> String {
    let fy = |t: usize| model.settings.financial_year(t);
    let value_label = |o: usize, v: usize| &model.outcomes[o].values[v].label;
    match *target {
        Target::CostYears { cost, from, to } if from == to => {
            format!("{} in {}", model.costs[cost].name, fy(from))
        }
        Target::CostYears { cost, from, to } => {
            format!(
                "{} a year, {} to {}",
                model.costs[cost].name,
                fy(from),
                fy(to)
            )
        }
        Target::CostScale { cost } => format!("{} (scale)", model.costs[cost].name),
        Target::CohortYear { outcome, year } => {
            format!("{}: starters in {}", model.outcomes[outcome].name, fy(year))
        }
        Target::CohortScale { outcome } => {
            format!("{}: starters (scale)", model.outcomes[outcome].name)
        }
        Target::Rate { outcome, rate } => {
            format!("{}: {}", model.outcomes[outcome].name, rate.as_str())
        }
        Target::DropOff { outcome } => format!("{}: drop-off", model.outcomes[outcome].name),
        Target::ProfileYear { outcome, year } => {
            format!(
                "{}: benefit {year} years after starting",
                model.outcomes[outcome].name
            )
        }
        Target::Cashable {
            outcome,
            agency: None,
        } => format!("{}: cashable share", model.outcomes[outcome].name),
        Target::Cashable {
            outcome,
            agency: Some(a),
        } => format!(
            "{}: cashable share for {}",
            model.outcomes[outcome].name, model.agencies[a].id
        ),
        Target::Quantity { outcome, value } => {
            format!("{}: quantity", value_label(outcome, value))
        }
        Target::UnitValue {
            outcome,
            value,
            kind,
        } => format!("{}: {} value", value_label(outcome, value), kind.as_str()),
        Target::UnitScale { outcome, value } => {
            format!("{}: unit value scale", value_label(outcome, value))
        }
    }
}

/// The input's value in the model.
pub fn get(model: &Model, target: &Target) -> f64 {
    match *target {
        Target::CostYears { cost, from, .. } => model.costs[cost].amounts[from],
        Target::CostScale { cost } => model.costs[cost].scale,
        Target::CohortYear { outcome, year } => model.outcomes[outcome].cohort[year],
        Target::CohortScale { outcome } => model.outcomes[outcome].cohort_scale,
        Target::Rate { outcome, rate } => {
            let o = &model.outcomes[outcome];
            match rate {
                RateKind::Engagement => o.engagement,
                RateKind::Success => o.success,
                RateKind::Deadweight => o.deadweight,
                RateKind::Displacement => o.displacement,
                RateKind::Leakage => o.leakage,
            }
        }
        Target::DropOff { outcome } => model.outcomes[outcome].shape.map_or(0.0, |s| s.drop_off),
        Target::ProfileYear { outcome, year } => model.outcomes[outcome].profile[year],
        Target::Cashable { outcome, agency } => {
            model.outcomes[outcome].cashable[agency.unwrap_or(0)]
        }
        Target::Quantity { outcome, value } => model.outcomes[outcome].values[value].quantity,
        Target::UnitValue {
            outcome,
            value,
            kind,
        } => model.outcomes[outcome].values[value]
            .unit_value(kind)
            .unwrap_or(0.0),
        Target::UnitScale { outcome, value } => model.outcomes[outcome].values[value].scale,
    }
}

/// Sets an input (in model units).
pub fn apply(model: &mut Model, target: &Target, x: f64) {
    let years = model.settings.years;
    match *target {
        Target::CostYears { cost, from, to } => {
            for a in &mut model.costs[cost].amounts[from..=to] {
                *a = x;
            }
        }
        Target::CostScale { cost } => model.costs[cost].scale = x,
        Target::CohortYear { outcome, year } => model.outcomes[outcome].cohort[year] = x,
        Target::CohortScale { outcome } => model.outcomes[outcome].cohort_scale = x,
        Target::Rate { outcome, rate } => {
            let o = &mut model.outcomes[outcome];
            match rate {
                RateKind::Engagement => o.engagement = x,
                RateKind::Success => o.success = x,
                RateKind::Deadweight => o.deadweight = x,
                RateKind::Displacement => o.displacement = x,
                RateKind::Leakage => o.leakage = x,
            }
        }
        Target::DropOff { outcome } => {
            let o = &mut model.outcomes[outcome];
            if let Some(shape) = &mut o.shape {
                shape.drop_off = x;
                o.profile = shape.profile(years);
            }
        }
        Target::ProfileYear { outcome, year } => model.outcomes[outcome].profile[year] = x,
        Target::Cashable { outcome, agency } => {
            let cashable = &mut model.outcomes[outcome].cashable;
            match agency {
                Some(a) => cashable[a] = x,
                None => cashable.iter_mut().for_each(|c| *c = x),
            }
        }
        Target::Quantity { outcome, value } => model.outcomes[outcome].values[value].quantity = x,
        Target::UnitValue {
            outcome,
            value,
            kind,
        } => model.outcomes[outcome].values[value].unit_values[kind.index()] = Some(x),
        Target::UnitScale { outcome, value } => model.outcomes[outcome].values[value].scale = x,
    }
}

/// The range an input can take. Amounts and unit values keep their sign:
/// a saving that would have to become a cost to switch the case does not
/// switch it.
pub fn bounds(model: &Model, target: &Target) -> (f64, f64) {
    match target {
        Target::Rate { .. } | Target::DropOff { .. } | Target::Cashable { .. } => (0.0, 1.0),
        Target::CostYears { .. } | Target::UnitValue { .. } if get(model, target) < 0.0 => {
            (f64::NEG_INFINITY, 0.0)
        }
        _ => (0.0, f64::INFINITY),
    }
}

/// The inputs sensitivity analysis goes through: every scalar input, and a
/// scale for each cost line and each outcome's starters. Year-by-year
/// amounts are reached through the scales.
pub fn parameters(model: &Model) -> Vec<Parameter> {
    let mut targets = Vec::new();
    for cost in 0..model.costs.len() {
        targets.push(Target::CostScale { cost });
    }
    for (o, outcome) in model.outcomes.iter().enumerate() {
        targets.push(Target::CohortScale { outcome: o });
        for rate in RateKind::ALL {
            targets.push(Target::Rate { outcome: o, rate });
        }
        if outcome.shape.is_some() {
            targets.push(Target::DropOff { outcome: o });
        }
        for (v, line) in outcome.values.iter().enumerate() {
            targets.push(Target::Quantity {
                outcome: o,
                value: v,
            });
            targets.push(Target::UnitScale {
                outcome: o,
                value: v,
            });
            for kind in ValueKind::ALL {
                if line.unit_value(kind).is_some() {
                    targets.push(Target::UnitValue {
                        outcome: o,
                        value: v,
                        kind,
                    });
                }
            }
        }
    }
    targets.iter().map(|t| parameter(model, *t)).collect()
}

fn parameter(model: &Model, target: Target) -> Parameter {
    let (low, high) = bounds(model, &target);
    Parameter {
        path: path(model, &target),
        label: label(model, &target),
        value: get(model, &target),
        target,
        low,
        high,
    }
}

/// Every input a name can refer to: [`parameters`] and the year-by-year
/// ones.
pub fn every_target(model: &Model) -> Vec<Target> {
    let mut out: Vec<Target> = parameters(model).into_iter().map(|p| p.target).collect();
    let years = model.settings.years;
    for cost in 0..model.costs.len() {
        for t in 0..years {
            out.push(Target::CostYears {
                cost,
                from: t,
                to: t,
            });
        }
    }
    for o in 0..model.outcomes.len() {
        for year in 0..years {
            out.push(Target::CohortYear { outcome: o, year });
            out.push(Target::ProfileYear { outcome: o, year });
        }
        out.push(Target::Cashable {
            outcome: o,
            agency: None,
        });
        for a in 0..model.agencies.len() {
            out.push(Target::Cashable {
                outcome: o,
                agency: Some(a),
            });
        }
    }
    out
}

/// Finds an input by name.
pub fn find(model: &Model, name: &str) -> Option<Parameter> {
    let name = name.trim();
    every_target(model)
        .into_iter()
        .find(|t| path(model, t) == name)
        .map(|t| parameter(model, t))
}

/// Names like `name`, for "did you mean" in messages.
pub fn similar(model: &Model, name: &str) -> Vec<String> {
    let stem: String = name.trim().chars().take_while(|c| *c != '.').collect();
    let second = name.split('.').nth(1).unwrap_or("");
    let mut out: Vec<String> = parameters(model)
        .into_iter()
        .map(|p| p.path)
        .filter(|p| p.starts_with(&format!("{stem}.{second}")))
        .collect();
    if out.is_empty() {
        out = parameters(model)
            .into_iter()
            .map(|p| p.path)
            .filter(|p| p.starts_with(&stem))
            .collect();
    }
    out.truncate(6);
    out
}
