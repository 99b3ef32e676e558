//! Metrics against plan, as Better Care Fund returns report them: each
//! metric's actual rate for each period beside the planned rate, the
//! variance, and whether it is on track.
//!
//! # The rules
//!
//! * **Rate.** actual rate = numerator ÷ denominator × base, where the base
//!   is 100 for a percentage or N for "per N" (per 100,000 people aged 65+).
//!   The denominator is the metric's population size, or that period's size
//!   when the metric gives sizes by period.
//! * **Variance** = actual rate − planned rate, in the rate's units (so a
//!   positive variance is good when higher is better and bad when lower is).
//! * **Status.** *On track* when the actual rate is no worse than the plan
//!   by more than the tolerance (higher is better: actual ≥ plan −
//!   tolerance; lower is better: actual ≤ plan + tolerance; tolerance 0
//!   when not given), *off track* otherwise; *no data* when the period has
//!   no actual; *no plan* when it has an actual but no plan.
//!
//! # The file
//!
//! ```toml
//! [metrics]
//! name = "Northshire Better Care Fund metrics 2025/26"
//!
//! [[period]]
//! id = "q1"
//! name = "April to June 2025"
//! start = "2025-04-01"
//! end = "2025-06-30"
//!
//! [[metric]]
//! id = "permanent-admissions-65"
//! name = "Permanent admissions to residential and nursing care, 65+"
//! better = "lower"                 # or "higher"
//! rate = "per 100,000"             # or "percentage", "per 1,000"
//! tolerance = 2.5                  # optional, in the rate's units
//! denominator = { population = "people aged 65+", size = 112400 }
//! # or sizes by period: { population = "discharges", sizes = { q1 = 2810 } }
//! plan = { q1 = 140.0 }            # planned rates by period
//! actual = { q1 = 152 }            # actual numerators by period
//! ```

use std::collections::BTreeMap;

use oneplace_core::toml_input::{Checker, S, Value, parse_toml, trim_number};
use oneplace_core::{Date, InputError, LineIndex};
use oneplace_report::{Cell, Document, Section, Table, render_text};
use serde::{Deserialize, Serialize};

pub use crate::outcome_contract::Better;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodDef {
    pub id: String,
    pub name: String,
    pub start: Date,
    pub end: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    pub id: String,
    pub name: String,
    pub better: Better,
    /// 100 for a percentage, N for "per N".
    pub base: f64,
    pub tolerance: f64,
    pub population: String,
    pub size: Option<f64>,
    /// Sizes by period id, overriding `size`.
    pub sizes: BTreeMap<String, f64>,
    pub plan: BTreeMap<String, f64>,
    pub actual: BTreeMap<String, f64>,
}

impl Metric {
    pub fn denominator(&self, period: &str) -> Option<f64> {
        self.sizes.get(period).copied().or(self.size)
    }

    /// How the rate is written: `%` or `per 100,000`.
    pub fn unit(&self) -> String {
        if self.base == 100.0 {
            "%".into()
        } else {
            format!("per {}", group_thousands(self.base))
        }
    }
}

fn group_thousands(x: f64) -> String {
    let s = trim_number(x);
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsPlan {
    pub name: String,
    /// In order of their start.
    pub periods: Vec<PeriodDef>,
    pub metrics: Vec<Metric>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    metrics: S<RawHead>,
    #[serde(default)]
    period: Vec<S<RawPeriod>>,
    #[serde(default)]
    metric: Vec<S<RawMetric>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    name: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    id: S<String>,
    name: S<String>,
    start: S<String>,
    end: S<String>,
}

type ByPeriod = BTreeMap<S<String>, S<Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    id: S<String>,
    name: S<String>,
    better: S<String>,
    rate: S<String>,
    tolerance: Option<S<Value>>,
    denominator: S<RawDenominator>,
    #[serde(default)]
    plan: ByPeriod,
    #[serde(default)]
    actual: ByPeriod,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDenominator {
    population: S<String>,
    size: Option<S<Value>>,
    sizes: Option<ByPeriod>,
}

/// "percentage" → 100; "per 100,000" → 100,000.
fn rate_base(s: &str) -> Option<f64> {
    let s = s.trim();
    if matches!(s, "percentage" | "percent" | "%") {
        return Some(100.0);
    }
    let n: f64 = s
        .strip_prefix("per ")?
        .trim()
        .replace(',', "")
        .parse()
        .ok()?;
    (n.is_finite() && n > 0.0).then_some(n)
}

fn date(c: &mut Checker, s: &S<String>, what: &str) -> Option<Date> {
    let d = Date::parse(s.get_ref().trim());
    if d.is_none() {
        c.error_expected(
            s.span(),
            format!("{what} '{}' is not a date", s.get_ref()),
            "a date such as \"2025-04-01\"",
        );
    }
    d
}

/// Reads a metrics file. `file` names it in messages.
pub fn read_metrics(file: &str, text: &str) -> Result<MetricsPlan, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let name = c
        .text(&raw.metrics.get_ref().name, "the name")
        .unwrap_or_default();
    let mut periods: Vec<PeriodDef> = Vec::new();
    for p in &raw.period {
        let pr = p.get_ref();
        let id = c.identifier(&pr.id, "the period id");
        let name = c.text(&pr.name, "the period's name");
        let start = date(&mut c, &pr.start, "start");
        let end = date(&mut c, &pr.end, "end");
        let (Some(id), Some(name), Some(start), Some(end)) = (id, name, start, end) else {
            continue;
        };
        if end < start {
            c.error_expected(
                pr.end.span(),
                format!("period '{id}' ends ({end}) before it starts ({start})"),
                "an end on or after the start",
            );
            continue;
        }
        if periods.iter().any(|x| x.id == id) {
            c.error_expected(
                pr.id.span(),
                format!("period '{id}' is defined twice"),
                "one [[period]] an id",
            );
            continue;
        }
        periods.push(PeriodDef {
            id,
            name,
            start,
            end,
        });
    }
    periods.sort_by_key(|p| p.start);
    if raw.period.is_empty() {
        c.whole(
            "the file defines no [[period]]",
            "[[period]] with id, name, start and end",
        );
    }
    let period_ids: Vec<String> = periods.iter().map(|p| p.id.clone()).collect();
    let known = |c: &mut Checker, k: &S<String>, what: &str, metric: &str| -> bool {
        if period_ids.iter().any(|p| p == k.get_ref()) {
            true
        } else {
            c.error_expected(
                k.span(),
                format!(
                    "metric '{metric}': {what} for period '{}', which has no definition",
                    k.get_ref()
                ),
                format!("a [[period]] id: {}", period_ids.join(", ")),
            );
            false
        }
    };
    let mut metrics: Vec<Metric> = Vec::new();
    for m in &raw.metric {
        let mr = m.get_ref();
        let id = c.identifier(&mr.id, "the metric id").unwrap_or_default();
        let name = c.text(&mr.name, "the metric's name");
        let better = Better::parse(mr.better.get_ref());
        if better.is_none() {
            c.error_expected(
                mr.better.span(),
                format!(
                    "metric '{id}': direction of good '{}' is not known",
                    mr.better.get_ref()
                ),
                "better = \"higher\" or better = \"lower\"",
            );
        }
        let base = rate_base(mr.rate.get_ref());
        if base.is_none() {
            c.error_expected(
                mr.rate.span(),
                format!("metric '{id}': rate '{}' is not known", mr.rate.get_ref()),
                "\"percentage\" or \"per N\", such as \"per 100,000\"",
            );
        }
        let tolerance = match &mr.tolerance {
            None => Some(0.0),
            Some(v) if crate::table::is_percent_text(v.get_ref()) => {
                c.error_expected(
                    v.span(),
                    format!("metric '{id}': the tolerance is written as a percentage"),
                    "a number in the rate's units, such as 1.5 (percentage points) or 2.5 (per 100,000)",
                );
                None
            }
            Some(v) => c.number(v, "tolerance").and_then(|x| {
                if x < 0.0 {
                    c.error_expected(
                        v.span(),
                        format!("metric '{id}': the tolerance is negative"),
                        "a tolerance of zero or more, in the rate's units",
                    );
                    None
                } else {
                    Some(x)
                }
            }),
        };
        let d = mr.denominator.get_ref();
        let population = c.text(&d.population, "the denominator's population");
        let mut denominator_ok = true;
        let mut size_of = |c: &mut Checker, v: &S<Value>, what: String| -> Option<f64> {
            let x = c.number(v, &what)?;
            if x < 0.0 {
                c.error_expected(
                    v.span(),
                    format!("{what} is negative ({})", trim_number(x)),
                    "a population of more than zero",
                );
                denominator_ok = false;
                None
            } else if x == 0.0 {
                c.error_expected(
                    v.span(),
                    format!("{what} is zero"),
                    "a population of more than zero",
                );
                denominator_ok = false;
                None
            } else {
                Some(x)
            }
        };
        let size = d
            .size
            .as_ref()
            .and_then(|v| size_of(&mut c, v, format!("metric '{id}': the denominator")));
        let mut sizes = BTreeMap::new();
        for (k, v) in d.sizes.iter().flatten() {
            if known(&mut c, k, "a denominator", &id)
                && let Some(x) = size_of(
                    &mut c,
                    v,
                    format!("metric '{id}': the denominator for '{}'", k.get_ref()),
                )
            {
                sizes.insert(k.get_ref().clone(), x);
            }
        }
        if d.size.is_none() && d.sizes.is_none() {
            c.error_expected(
                mr.denominator.span(),
                format!("metric '{id}' has no denominator size"),
                "size = 112400, or sizes by period",
            );
        }
        let mut plan = BTreeMap::new();
        for (k, v) in &mr.plan {
            if known(&mut c, k, "a plan", &id)
                && let Some(x) =
                    c.number(v, &format!("metric '{id}': the plan for '{}'", k.get_ref()))
            {
                plan.insert(k.get_ref().clone(), x);
            }
        }
        let mut actual = BTreeMap::new();
        for (k, v) in &mr.actual {
            if !known(&mut c, k, "an actual", &id) {
                continue;
            }
            let what = format!("metric '{id}': the actual for '{}'", k.get_ref());
            if let Some(x) = c.number(v, &what) {
                if x < 0.0 {
                    c.error_expected(
                        v.span(),
                        format!("{what} is negative"),
                        "a count of zero or more",
                    );
                } else if size.is_none() && !sizes.contains_key(k.get_ref()) && denominator_ok {
                    c.error_expected(
                        v.span(),
                        format!("{what} has no denominator for its period"),
                        "a size, or a size for this period in sizes",
                    );
                } else {
                    actual.insert(k.get_ref().clone(), x);
                }
            }
        }
        if metrics.iter().any(|x| x.id == id) {
            c.error_expected(
                mr.id.span(),
                format!("metric '{id}' is given twice"),
                "one [[metric]] an id",
            );
            continue;
        }
        if let (Some(name), Some(better), Some(base), Some(tolerance), Some(population)) =
            (name, better, base, tolerance, population)
        {
            metrics.push(Metric {
                id,
                name,
                better,
                base,
                tolerance,
                population,
                size,
                sizes,
                plan,
                actual,
            });
        }
    }
    if raw.metric.is_empty() {
        c.whole("the file has no [[metric]]", "[[metric]] tables");
    }
    c.finish()?;
    Ok(MetricsPlan {
        name,
        periods,
        metrics,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTrack,
    OffTrack,
    NoData,
    NoPlan,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on track",
            Status::OffTrack => "off track",
            Status::NoData => "no data",
            Status::NoPlan => "no plan",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodResult {
    pub period: String,
    pub period_name: String,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub actual: Option<f64>,
    pub plan: Option<f64>,
    /// Actual − plan.
    pub variance: Option<f64>,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricResult {
    pub metric: String,
    pub name: String,
    pub better: Better,
    pub unit: String,
    pub population: String,
    pub tolerance: f64,
    pub periods: Vec<PeriodResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsReport {
    pub name: String,
    pub metrics: Vec<MetricResult>,
}

/// Each metric in each period (rules in the module's documentation).
pub fn against_plan(plan: &MetricsPlan) -> MetricsReport {
    const EPS: f64 = 1e-9;
    let metrics = plan
        .metrics
        .iter()
        .map(|m| MetricResult {
            metric: m.id.clone(),
            name: m.name.clone(),
            better: m.better,
            unit: m.unit(),
            population: m.population.clone(),
            tolerance: m.tolerance,
            periods: plan
                .periods
                .iter()
                .map(|p| {
                    let numerator = m.actual.get(&p.id).copied();
                    let denominator = m.denominator(&p.id);
                    let actual = numerator.zip(denominator).map(|(n, d)| n / d * m.base);
                    let target = m.plan.get(&p.id).copied();
                    let variance = actual.zip(target).map(|(a, t)| a - t);
                    let status = match (actual, target) {
                        (None, _) => Status::NoData,
                        (Some(_), None) => Status::NoPlan,
                        (Some(a), Some(t)) => {
                            let ok = match m.better {
                                Better::Higher => a >= t - m.tolerance - EPS,
                                Better::Lower => a <= t + m.tolerance + EPS,
                            };
                            if ok {
                                Status::OnTrack
                            } else {
                                Status::OffTrack
                            }
                        }
                    };
                    PeriodResult {
                        period: p.id.clone(),
                        period_name: p.name.clone(),
                        numerator,
                        denominator,
                        actual,
                        plan: target,
                        variance,
                        status,
                    }
                })
                .collect(),
        })
        .collect();
    MetricsReport {
        name: plan.name.clone(),
        metrics,
    }
}

fn number(x: Option<f64>, decimals: u8) -> Cell {
    x.map_or(Cell::Empty, |value| Cell::Number { value, decimals })
}

/// The report as a document: one row per metric and period.
pub fn report_document(r: &MetricsReport) -> Document {
    let mut t = Table::new(&[
        ("metric", "Metric"),
        ("period", "Period"),
        ("unit", "Unit"),
        ("better", "Better"),
        ("numerator", "Numerator"),
        ("denominator", "Denominator"),
        ("actual", "Actual"),
        ("plan", "Plan"),
        ("variance", "Variance"),
        ("status", "Status"),
    ]);
    for m in &r.metrics {
        for p in &m.periods {
            t.push(vec![
                Cell::Text(m.metric.clone()),
                Cell::Text(p.period.clone()),
                Cell::Text(m.unit.clone()),
                Cell::Text(m.better.as_str().into()),
                number(p.numerator, 0),
                number(p.denominator, 0),
                number(p.actual, 1),
                number(p.plan, 1),
                number(p.variance, 1),
                Cell::Text(p.status.as_str().into()),
            ]);
        }
    }
    let mut defs = Table::new(&[
        ("metric", "Metric"),
        ("name", "Name"),
        ("population", "Denominator"),
        ("tolerance", "Tolerance"),
    ]);
    for m in &r.metrics {
        defs.push(vec![
            Cell::Text(m.metric.clone()),
            Cell::Text(m.name.clone()),
            Cell::Text(m.population.clone()),
            Cell::Number {
                value: m.tolerance,
                decimals: 1,
            },
        ]);
    }
    Document::new(format!("{}: metrics against plan", r.name))
        .with_note("Variance is actual − plan in the metric's unit; on track when no worse than plan by more than the tolerance.")
        .with_section(Section::new("metrics", "Metrics against plan", t))
        .with_section(Section::new("definitions", "Metrics", defs))
}

/// The report as a plain-text table.
pub fn report_text(r: &MetricsReport) -> String {
    render_text(&report_document(r))
}
