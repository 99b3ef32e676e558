//! Sensitivity analysis: a one-way tornado over the uncertain inputs,
//! switching values for every input, the Green Book's no-pure-time-
//! preference test for long appraisals, and named scenarios side by side.
//!
//! Each of these changes inputs of a copy of the model and evaluates it in
//! full, so the figures are exactly the deterministic appraisal's.

use oneplace_refdata::ReferenceData;
use serde::Serialize;

use crate::evaluate::{Appraisal, evaluate};
use crate::model::{Model, Target};
use crate::params::{self, Parameter};

/// The quantiles a tornado takes as an input's low and high values.
pub const TORNADO_LOW: f64 = 0.10;
pub const TORNADO_HIGH: f64 = 0.90;

/// The horizon beyond which the 2026 Green Book asks for the
/// no-pure-time-preference test.
pub const NPT_HORIZON: usize = 50;
pub const NPT_SCHEDULE: &str = "no-pure-time-preference-sensitivity";

#[derive(Clone, Debug, Serialize)]
pub struct TornadoBar {
    pub input: String,
    pub label: String,
    pub low: f64,
    pub high: f64,
    /// Net present public value with the input at its low and high value.
    pub nppv_at_low: f64,
    pub nppv_at_high: f64,
    pub npbi_at_low: f64,
    pub npbi_at_high: f64,
    /// |NPPV at high − NPPV at low|: the bars are sorted by it.
    pub swing: f64,
}

/// How a switching value was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The output is linear in the input: solved exactly.
    Exact,
    /// Found by bracketing and bisection.
    Bracketed,
}

/// The value of an input at which a net present value crosses zero.
#[derive(Clone, Debug, Serialize)]
pub struct Switch {
    pub value: Option<f64>,
    /// `value / base − 1`, when the base is not zero.
    pub change: Option<f64>,
    pub method: Option<Method>,
    /// Why there is none, when there is none.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SwitchingValue {
    pub input: String,
    pub label: String,
    pub base: f64,
    pub low: f64,
    pub high: f64,
    /// For the net present public value (the economic case).
    pub nppv: Switch,
    /// For the net present budget impact (the financial case).
    pub npbi: Switch,
}

/// Headline figures of one variant of the model.
#[derive(Clone, Debug, Serialize)]
pub struct Headline {
    pub npbi: f64,
    pub financial_roi: Option<f64>,
    pub nppv: f64,
    pub public_value_roi: Option<f64>,
    pub payback_year_discounted: Option<usize>,
}

impl Headline {
    fn of(a: &Appraisal) -> Headline {
        Headline {
            npbi: a.npbi,
            financial_roi: a.financial_roi,
            nppv: a.nppv,
            public_value_roi: a.public_value_roi,
            payback_year_discounted: a.payback_year_discounted,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub description: Option<String>,
    pub set: Vec<(String, f64)>,
    pub result: Headline,
}

#[derive(Clone, Debug, Serialize)]
pub struct NptTest {
    pub schedule: &'static str,
    pub base: Headline,
    pub without_pure_time_preference: Headline,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sensitivity {
    pub base: Headline,
    pub tornado: Vec<TornadoBar>,
    pub switching_values: Vec<SwitchingValue>,
    pub scenarios: Vec<ScenarioResult>,
}

fn with(model: &Model, target: &Target, x: f64, data: &ReferenceData) -> Appraisal {
    let mut m = model.clone();
    params::apply(&mut m, target, x);
    evaluate(&m, data)
}

pub fn tornado(model: &Model, data: &ReferenceData) -> Vec<TornadoBar> {
    let mut bars: Vec<TornadoBar> = model
        .uncertain
        .iter()
        .map(|u| {
            let low = u.distribution.quantile(TORNADO_LOW) * u.factor;
            let high = u.distribution.quantile(TORNADO_HIGH) * u.factor;
            let at_low = with(model, &u.target, low, data);
            let at_high = with(model, &u.target, high, data);
            TornadoBar {
                input: u.path.clone(),
                label: params::label(model, &u.target),
                low,
                high,
                nppv_at_low: at_low.nppv,
                nppv_at_high: at_high.nppv,
                npbi_at_low: at_low.npbi,
                npbi_at_high: at_high.npbi,
                swing: (at_high.nppv - at_low.nppv).abs(),
            }
        })
        .collect();
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.input.cmp(&b.input)));
    bars
}

/// Where `f` crosses zero for `x` in [low, high], `f` evaluated at the base
/// `x0` as `f0`.
fn solve(f: &dyn Fn(f64) -> f64, x0: f64, f0: f64, low: f64, high: f64) -> Switch {
    let none = |note: &str| Switch {
        value: None,
        change: None,
        method: None,
        note: Some(note.to_string()),
    };
    let found = |x: f64, method: Method| Switch {
        value: Some(x),
        change: (x0 != 0.0).then(|| x / x0 - 1.0),
        method: Some(method),
        note: None,
    };
    if f0 == 0.0 {
        return found(x0, Method::Exact);
    }
    // Two more points: is f linear in x?
    let h = if x0 != 0.0 { x0.abs() * 0.25 } else { 1.0 };
    let (x1, x2) = (x0 + h, x0 - h);
    let (f1, f2) = (f(x1), f(x2));
    let slope = (f1 - f2) / (x1 - x2);
    let scale = f0.abs().max(f1.abs()).max(f2.abs()).max(1.0);
    let linear = ((f1 - f0) - slope * h).abs() <= 1e-9 * scale
        && ((f0 - f2) - slope * h).abs() <= 1e-9 * scale;
    if linear {
        if slope == 0.0 || (slope.abs() * h) <= 1e-12 * scale {
            return none("the net present value does not depend on this input");
        }
        let x = x0 - f0 / slope;
        return if x >= low && x <= high {
            found(x, Method::Exact)
        } else {
            none(&format!("none in range (it would take {})", short(x)))
        };
    }
    // Not linear: look for a sign change on a grid over the range (which
    // must then be finite), nearest the base first, and bisect.
    if !(low.is_finite() && high.is_finite()) {
        return none("none found: not linear, and the range is unbounded");
    }
    let steps = 64;
    let grid: Vec<f64> = (0..=steps)
        .map(|i| low + (high - low) * i as f64 / steps as f64)
        .collect();
    let values: Vec<f64> = grid.iter().map(|&x| f(x)).collect();
    let mut brackets: Vec<(f64, f64, f64, f64)> = grid
        .windows(2)
        .zip(values.windows(2))
        .filter(|(_, v)| v[0] == 0.0 || v[0].signum() != v[1].signum())
        .map(|(x, v)| (x[0], x[1], v[0], v[1]))
        .collect();
    brackets.sort_by(|a, b| (a.0 - x0).abs().total_cmp(&(b.0 - x0).abs()));
    let Some(&(mut a, mut b, mut fa, _)) = brackets.first() else {
        return none("none in range");
    };
    if fa == 0.0 {
        return found(a, Method::Bracketed);
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m <= a || m >= b {
            break;
        }
        let fm = f(m);
        if fm == 0.0 {
            return found(m, Method::Bracketed);
        }
        if fm.signum() == fa.signum() {
            a = m;
            fa = fm;
        } else {
            b = m;
        }
    }
    found(0.5 * (a + b), Method::Bracketed)
}

/// A number short enough for a note.
fn short(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

pub fn switching_value(model: &Model, data: &ReferenceData, p: &Parameter) -> SwitchingValue {
    let base = evaluate(model, data);
    let nppv = |x: f64| with(model, &p.target, x, data).nppv;
    let npbi = |x: f64| with(model, &p.target, x, data).npbi;
    SwitchingValue {
        input: p.path.clone(),
        label: p.label.clone(),
        base: p.value,
        low: p.low,
        high: p.high,
        nppv: solve(&nppv, p.value, base.nppv, p.low, p.high),
        npbi: solve(&npbi, p.value, base.npbi, p.low, p.high),
    }
}

pub fn switching_values(model: &Model, data: &ReferenceData) -> Vec<SwitchingValue> {
    params::parameters(model)
        .iter()
        .map(|p| switching_value(model, data, p))
        .collect()
}

pub fn scenarios(model: &Model, data: &ReferenceData) -> Vec<ScenarioResult> {
    model
        .scenarios
        .iter()
        .map(|s| {
            let mut m = model.clone();
            for (_, target, x) in &s.set {
                params::apply(&mut m, target, *x);
            }
            ScenarioResult {
                name: s.name.clone(),
                description: s.description.clone(),
                set: s.set.iter().map(|(p, _, x)| (p.clone(), *x)).collect(),
                result: Headline::of(&evaluate(&m, data)),
            }
        })
        .collect()
}

pub fn no_pure_time_preference(model: &Model, data: &ReferenceData) -> Option<NptTest> {
    if model.settings.years <= NPT_HORIZON {
        return None;
    }
    let mut m = model.clone();
    m.settings.discount_schedule = NPT_SCHEDULE.to_string();
    Some(NptTest {
        schedule: NPT_SCHEDULE,
        base: Headline::of(&evaluate(model, data)),
        without_pure_time_preference: Headline::of(&evaluate(&m, data)),
    })
}

pub fn sensitivity(model: &Model, data: &ReferenceData) -> Sensitivity {
    Sensitivity {
        base: Headline::of(&evaluate(model, data)),
        tornado: tornado(model, data),
        switching_values: switching_values(model, data),
        scenarios: scenarios(model, data),
    }
}
