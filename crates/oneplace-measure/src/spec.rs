//! The measurement spec: a TOML file naming the inputs, the period the data
//! cover, the windows, the price year, the outcomes and the bootstrap.
//!
//! Every value is checked through core's located checker, so a problem
//! names the spec's line and column; all problems are collected.

use std::path::{Path, PathBuf};

use oneplace_core::toml_input::{Checker, S, Value, parse_toml};
use oneplace_core::{Date, FinancialYear, InputError, LineIndex, Location};
use oneplace_refdata::ReferenceData;
use serde::Deserialize;

/// A checked measurement spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The spec's file name, as given (for messages).
    pub file: String,
    pub id: String,
    pub name: String,
    pub period: Option<FinancialYear>,
    pub price_year: FinancialYear,
    /// Input files, resolved against the spec's folder.
    pub events: PathBuf,
    pub cohort: PathBuf,
    pub costing: PathBuf,
    /// The first and last days the events data cover.
    pub data_from: Date,
    pub data_to: Date,
    pub before_months: u32,
    pub after_months: u32,
    pub bootstrap: Bootstrap,
    pub outcomes: Vec<Outcome>,
    /// An appraisal model whose expected fiscal benefits are set beside the
    /// realised savings.
    pub appraisal: Option<PathBuf>,
    /// Coarsened exact matching of the comparison group to the treatment
    /// group, when asked for.
    pub matching: Option<Matching>,
}

/// Coarsened exact matching: members are put in strata by the coarsened
/// values of these attributes (cohort file columns); strata without both
/// a treated and a comparison member are left out (and reported), and the
/// comparison members are weighted so that each stratum counts as often
/// as it does among the treated.
#[derive(Clone, Debug, PartialEq)]
pub struct Matching {
    pub attributes: Vec<MatchAttribute>,
}

/// One attribute matched on: exactly (categories), or numerically,
/// coarsened into bands at the cut points.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchAttribute {
    pub name: String,
    /// Ascending; a value `v` falls in band `i` where `i` cut points are
    /// at or below `v`. None: matched exactly as text.
    pub cut_points: Option<Vec<f64>>,
}

/// How the confidence intervals are drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Bootstrap {
    /// Resamples (0 turns the intervals off).
    pub samples: usize,
    pub seed: u64,
    /// The interval's coverage, such as 0.95.
    pub confidence: f64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap {
            samples: 1000,
            seed: 1,
            confidence: 0.95,
        }
    }
}

/// An outcome: the quantity of some event types per person, before and
/// after (arrests, A&E attendances, exclusions).
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// Event types it counts, each with where the spec names it.
    pub events: Vec<(String, Location)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    measurement: S<String>,
    name: Option<S<String>>,
    period: Option<S<String>>,
    price_year: S<String>,
    events: S<String>,
    cohort: S<String>,
    costing: S<String>,
    data: RawData,
    windows: RawWindows,
    bootstrap: Option<RawBootstrap>,
    #[serde(default)]
    outcome: Vec<RawOutcome>,
    appraisal: Option<RawAppraisal>,
    matching: Option<RawMatching>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatching {
    attributes: S<Vec<RawMatchAttribute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatchAttribute {
    name: S<String>,
    cut_points: Option<S<Vec<S<Value>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppraisal {
    model: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    from: S<String>,
    to: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindows {
    before_months: S<Value>,
    after_months: S<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBootstrap {
    samples: Option<S<Value>>,
    seed: Option<S<Value>>,
    confidence: Option<S<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    id: S<String>,
    name: Option<S<String>>,
    unit: Option<S<String>>,
    events: S<Vec<S<String>>>,
}

/// Reads a spec. `file` names it in messages; relative input paths are
/// resolved against `base` (the spec's folder).
pub fn parse_spec(file: &str, text: &str, base: &Path) -> Result<Spec, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawSpec = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let id = c.identifier(&raw.measurement, "the measurement");
    let name = match &raw.name {
        Some(n) => c.text(n, "the name"),
        None => id.clone(),
    };
    let period = raw.period.as_ref().and_then(|p| c.year(p, "the period"));
    let price_year = c.year(&raw.price_year, "the price year");
    if let Some(y) = price_year {
        let deflators = ReferenceData::embedded().default_deflators();
        if let Err(e) = deflators.index(y) {
            c.error_expected(
                raw.price_year.span(),
                format!("the price year {y} is outside the deflators: {e}"),
                format!("a year the deflator vintage '{}' covers", deflators.id),
            );
        }
    }
    let mut path = |s: &S<String>, what: &str| {
        c.text(s, what).map(|p| {
            let p = PathBuf::from(p);
            if p.is_absolute() { p } else { base.join(p) }
        })
    };
    let events = path(&raw.events, "the events file");
    let cohort = path(&raw.cohort, "the cohort file");
    let costing = path(&raw.costing, "the costing map");
    let appraisal = raw
        .appraisal
        .as_ref()
        .map(|a| path(&a.model, "the appraisal model"));
    let data_from = date(&mut c, &raw.data.from, "data.from");
    let data_to = date(&mut c, &raw.data.to, "data.to");
    if let (Some(f), Some(t)) = (data_from, data_to)
        && t < f
    {
        c.error(
            raw.data.to.span(),
            format!("data.to ({t}) is before data.from ({f})"),
        );
    }
    let months = |c: &mut Checker, v: &S<Value>, what: &str| {
        let n = c.count(v, what)?;
        if (1..=120).contains(&n) {
            Some(n as u32)
        } else {
            c.error_expected(
                v.span(),
                format!("{what} is {n}"),
                "a number of months from 1 to 120",
            );
            None
        }
    };
    let before_months = months(&mut c, &raw.windows.before_months, "windows.before_months");
    let after_months = months(&mut c, &raw.windows.after_months, "windows.after_months");
    let mut bootstrap = Bootstrap::default();
    if let Some(b) = &raw.bootstrap {
        if let Some(v) = &b.samples
            && let Some(n) = c.count(v, "bootstrap.samples")
        {
            bootstrap.samples = n as usize;
        }
        if let Some(v) = &b.seed
            && let Some(n) = c.count(v, "bootstrap.seed")
        {
            bootstrap.seed = n;
        }
        if let Some(v) = &b.confidence
            && let Some(x) = c.share(v, "bootstrap.confidence")
        {
            if x <= 0.0 || x >= 1.0 {
                c.error_expected(
                    v.span(),
                    "bootstrap.confidence must be above 0% and below 100%",
                    "a coverage such as \"95%\"",
                );
            } else {
                bootstrap.confidence = x;
            }
        }
    }
    let mut outcomes = Vec::new();
    for o in &raw.outcome {
        let Some(oid) = c.identifier(&o.id, "the outcome") else {
            continue;
        };
        if outcomes.iter().any(|x: &Outcome| x.id == oid) {
            c.error(o.id.span(), format!("outcome '{oid}' is given twice"));
            continue;
        }
        if o.events.get_ref().is_empty() {
            c.error_expected(
                o.events.span(),
                format!("outcome '{oid}' counts no event types"),
                "a list of event types, such as [\"arrest\"]",
            );
        }
        let events = o
            .events
            .get_ref()
            .iter()
            .map(|e| {
                (
                    e.get_ref().trim().to_string(),
                    index.location(e.span().start),
                )
            })
            .collect();
        outcomes.push(Outcome {
            name: o
                .name
                .as_ref()
                .and_then(|n| c.text(n, "the outcome's name"))
                .unwrap_or_else(|| oid.clone()),
            unit: o
                .unit
                .as_ref()
                .and_then(|n| c.text(n, "the outcome's unit"))
                .unwrap_or_else(|| "per person".to_string()),
            id: oid,
            events,
        });
    }
    let matching = raw.matching.as_ref().map(|m| matching(&mut c, m));
    c.finish()?;
    let none = "checked above";
    Ok(Spec {
        file: file.to_string(),
        id: id.expect(none),
        name: name.expect(none),
        period,
        price_year: price_year.expect(none),
        events: events.expect(none),
        cohort: cohort.expect(none),
        costing: costing.expect(none),
        data_from: data_from.expect(none),
        data_to: data_to.expect(none),
        before_months: before_months.expect(none),
        after_months: after_months.expect(none),
        bootstrap,
        outcomes,
        appraisal: appraisal.map(|a| a.expect(none)),
        matching,
    })
}

fn matching(c: &mut Checker, raw: &RawMatching) -> Matching {
    if raw.attributes.get_ref().is_empty() {
        c.error_expected(
            raw.attributes.span(),
            "matching names no attributes",
            "a list such as [{ name = \"area\" }, { name = \"age\", cut_points = [18, 65] }]",
        );
    }
    let mut attributes: Vec<MatchAttribute> = Vec::new();
    for a in raw.attributes.get_ref() {
        let Some(name) = c.text(&a.name, "the attribute's name") else {
            continue;
        };
        if ["id", "group", "start"].contains(&name.as_str()) {
            c.error_expected(
                a.name.span(),
                format!("'{name}' is a cohort column, not an attribute"),
                "another column of the cohort file",
            );
            continue;
        }
        if attributes.iter().any(|x| x.name == name) {
            c.error(a.name.span(), format!("attribute '{name}' is given twice"));
            continue;
        }
        let cut_points = a.cut_points.as_ref().map(|cuts| {
            let values: Vec<f64> = cuts
                .get_ref()
                .iter()
                .filter_map(|v| c.number(v, "a cut point"))
                .collect();
            if values.is_empty() {
                c.error_expected(
                    cuts.span(),
                    format!("attribute '{name}' has no cut points"),
                    "ascending numbers such as [18, 65], or no cut_points to match exactly",
                );
            } else if values.windows(2).any(|w| w[1] <= w[0]) {
                c.error_expected(
                    cuts.span(),
                    format!("the cut points of '{name}' are not ascending"),
                    "ascending numbers such as [18, 65]",
                );
            }
            values
        });
        attributes.push(MatchAttribute { name, cut_points });
    }
    Matching { attributes }
}

fn date(c: &mut Checker, s: &S<String>, what: &str) -> Option<Date> {
    let d = Date::parse(s.get_ref().trim());
    if d.is_none() {
        c.error_expected(
            s.span(),
            format!("{what} '{}' is not a date", s.get_ref()),
            "an ISO date such as \"2024-04-01\"",
        );
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
measurement = "families"
name = "Families first cohort"
period = "2025/26"
price_year = "2015/16"
events = "events.csv"
cohort = "cohort.csv"
costing = "costing.csv"

[data]
from = "2023-04-01"
to = "2026-03-31"

[windows]
before_months = 12
after_months = 12

[bootstrap]
samples = 200
seed = 7
confidence = "90%"

[[outcome]]
id = "arrests"
events = ["arrest"]
unit = "arrests per person"
"#;

    #[test]
    fn a_good_spec_reads() {
        let s = parse_spec("m.toml", GOOD, Path::new("/data")).unwrap();
        assert_eq!(s.id, "families");
        assert_eq!(s.events, PathBuf::from("/data/events.csv"));
        assert_eq!(s.before_months, 12);
        assert_eq!(s.bootstrap.samples, 200);
        assert_eq!(s.bootstrap.confidence, 0.9);
        assert_eq!(s.outcomes[0].events[0].0, "arrest");
        assert_eq!(s.data_from, Date::new(2023, 4, 1).unwrap());
    }

    #[test]
    fn every_bad_value_is_located() {
        let bad = GOOD
            .replace("price_year = \"2015/16\"", "price_year = \"2040/41\"")
            .replace("to = \"2026-03-31\"", "to = \"2026-02-30\"")
            .replace("after_months = 12", "after_months = 0")
            .replace("confidence = \"90%\"", "confidence = 1");
        let e = parse_spec("m.toml", &bad, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.toml:5:14: the price year 2040/41 is outside"),
            "{e}"
        );
        assert!(
            e.contains("m.toml:12:6: data.to '2026-02-30' is not a date"),
            "{e}"
        );
        assert!(e.contains("m.toml:16:16: windows.after_months is 0"), "{e}");
        assert!(
            e.contains("m.toml:21:14: bootstrap.confidence must be above 0%"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_field_is_located() {
        let bad = GOOD.replace("before_months = 12", "before_month = 12");
        let e = parse_spec("m.toml", &bad, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.toml:15:1") && e.contains("before_month"),
            "{e}"
        );
    }
}
