//! Measuring what happened: costed activity, gross change, net impact by
//! difference-in-differences against a comparison group, and realised
//! savings by agency, computed with Apache DataFusion.
//!
//! The pipeline: [`spec::parse_spec`] reads the measurement spec;
//! [`inputs::load`] reads and checks the costing map, the cohort and the
//! events, sorting what cannot be counted into reported problems and
//! turning each counted event into its contributions to the person
//! table's [`cells`]; [`compute`] sums them per cell with DataFusion on any
//! `SessionContext` (streamed into an embedded engine as they are made, or
//! staged for a cluster's); [`stats::estimate`] gives means, gross change, net
//! impact and bootstrap intervals; [`Measurement`] is the result, which
//! serialises to the JSON deals cite and renders as a report [`document`].
//!
//! Gross change (before and after, treatment group alone) is never called
//! impact: net impact is the difference in differences.

pub mod cells;
pub mod compute;
pub mod days;
pub mod exante;
pub mod inputs;
pub mod matching;
pub mod spec;
pub mod stats;
pub mod synth;

use std::path::PathBuf;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use oneplace_core::{Date, FinancialYear, InputError};
use oneplace_refdata::{DatasetVersion, ReferenceData};
use oneplace_report::{Cell, Document, Section, Table};
use serde::{Serialize, Serializer};

pub use inputs::{Costing, Problem, Quiet, Watch};
pub use spec::{Bootstrap, Outcome, Spec, parse_spec};
pub use stats::Estimate;

/// Why a measurement could not be made.
#[derive(Debug)]
pub enum MeasureError {
    /// The inputs are wrong (every problem located).
    Input(InputError),
    /// The engine failed.
    Engine(String),
}

impl From<InputError> for MeasureError {
    fn from(e: InputError) -> MeasureError {
        MeasureError::Input(e)
    }
}

impl From<DataFusionError> for MeasureError {
    fn from(e: DataFusionError) -> MeasureError {
        MeasureError::Engine(e.to_string())
    }
}

impl std::fmt::Display for MeasureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MeasureError::Input(e) => write!(f, "{e}"),
            MeasureError::Engine(e) => write!(f, "the query engine failed: {e}"),
        }
    }
}

impl std::error::Error for MeasureError {}

pub(crate) fn pennies<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Adding zero turns a rounded −0.00 into 0.00.
    s.serialize_f64((x * 100.0).round() / 100.0 + 0.0)
}

pub(crate) fn pennies_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => pennies(x, s),
        None => s.serialize_none(),
    }
}

fn fine<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((x * 1e6).round() / 1e6 + 0.0)
}

fn fine_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => fine(x, s),
        None => s.serialize_none(),
    }
}

/// Mean cost per person in one agency (or all), before and after, with
/// gross change and net impact. Pounds in the spec's price year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerPerson {
    pub agency: String,
    #[serde(serialize_with = "pennies")]
    pub treatment_before: f64,
    #[serde(serialize_with = "pennies")]
    pub treatment_after: f64,
    #[serde(serialize_with = "pennies_opt")]
    pub comparison_before: Option<f64>,
    #[serde(serialize_with = "pennies_opt")]
    pub comparison_after: Option<f64>,
    /// Treatment after − before: gross, not impact.
    #[serde(serialize_with = "pennies")]
    pub gross_change: f64,
    /// Difference in differences.
    #[serde(serialize_with = "pennies_opt")]
    pub net_impact: Option<f64>,
    #[serde(serialize_with = "pennies_opt")]
    pub net_low: Option<f64>,
    #[serde(serialize_with = "pennies_opt")]
    pub net_high: Option<f64>,
}

/// Savings realised by one agency (or all) over the treatment group: a
/// fall in cost is a positive saving.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Saving {
    pub agency: String,
    /// −gross change × treatment group size: before-and-after, not impact.
    #[serde(serialize_with = "pennies")]
    pub gross: f64,
    /// −net impact × treatment group size.
    #[serde(serialize_with = "pennies_opt")]
    pub net: Option<f64>,
    #[serde(serialize_with = "pennies_opt")]
    pub net_low: Option<f64>,
    #[serde(serialize_with = "pennies_opt")]
    pub net_high: Option<f64>,
}

/// An outcome's change per person: `value` is the net impact, `baseline`
/// the treatment group's mean before.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    pub id: String,
    pub name: String,
    pub unit: String,
    #[serde(serialize_with = "fine_opt")]
    pub value: Option<f64>,
    #[serde(serialize_with = "fine")]
    pub baseline: f64,
    #[serde(serialize_with = "fine")]
    pub treatment_after: f64,
    #[serde(serialize_with = "fine")]
    pub gross_change: f64,
    #[serde(serialize_with = "fine_opt")]
    pub low: Option<f64>,
    #[serde(serialize_with = "fine_opt")]
    pub high: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Counts {
    pub treatment: usize,
    pub comparison: usize,
    /// Cohort members with no events in their windows (counted at zero).
    pub without_events: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Windows {
    pub before_months: u32,
    pub after_months: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataPeriod {
    pub from: Date,
    pub to: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BootstrapUsed {
    pub samples: usize,
    pub seed: u64,
    pub confidence: f64,
}

/// A measurement's result: the shape `docs/deal-format.md` describes
/// (`measurement`, `period`, `method`, `metrics`, `savings`), with the
/// per-person figures, the costing, the problems and the reference data
/// behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measurement {
    pub measurement: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<FinancialYear>,
    pub method: String,
    pub price_year: FinancialYear,
    pub data: DataPeriod,
    pub windows: Windows,
    pub cohort: Counts,
    pub events_read: u64,
    pub events_counted: u64,
    pub bootstrap: BootstrapUsed,
    pub metrics: Vec<Metric>,
    pub savings: Vec<Saving>,
    pub total: Saving,
    pub per_person: Vec<PerPerson>,
    pub per_person_total: PerPerson,
    pub costing: Vec<Costing>,
    pub problems: Vec<Problem>,
    /// The appraisal's expectations beside the realised savings, when the
    /// spec names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ex_ante: Option<exante::ExAnte>,
    /// How the comparison group was matched, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching: Option<matching::MatchingUsed>,
    pub reference_data: Vec<DatasetVersion>,
}

/// The engine a measurement runs on.
#[derive(Clone, Debug, PartialEq)]
pub enum Engine {
    /// DataFusion embedded in this process.
    Local,
    /// An Apache Ballista cluster, by its scheduler's `host:port`. The
    /// tables are staged as Parquet under `stage` (a shared folder the
    /// executors can read), or under a temporary folder on this machine.
    Ballista {
        scheduler: String,
        stage: Option<PathBuf>,
    },
}

/// Ballista's default scheduler port.
pub const BALLISTA_DEFAULT_PORT: u16 = 50050;

impl Engine {
    /// `local`, or `ballista://HOST[:PORT]`.
    pub fn parse(text: &str) -> Result<Engine, String> {
        if text == "local" {
            return Ok(Engine::Local);
        }
        let Some(rest) = text.strip_prefix("ballista://") else {
            return Err(format!(
                "unknown engine `{text}`: expected `local` or `ballista://HOST:PORT`"
            ));
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("`{p}` in `{text}` is not a port number"))?,
            ),
            None => (rest, BALLISTA_DEFAULT_PORT),
        };
        if host.is_empty() || host.contains('/') {
            return Err(format!("`{text}` names no scheduler host"));
        }
        Ok(Engine::Ballista {
            scheduler: format!("{host}:{port}"),
            stage: None,
        })
    }
}

/// Reads the inputs the spec names and measures on an embedded DataFusion
/// engine.
pub fn run(spec: &Spec) -> Result<Measurement, MeasureError> {
    run_on(spec, &Engine::Local)
}

/// Reads the inputs the spec names and measures on `engine`.
pub fn run_on(spec: &Spec, engine: &Engine) -> Result<Measurement, MeasureError> {
    run_watched(spec, engine, &Quiet)
}

/// [`run_on`], telling `watch` how it goes.
pub fn run_watched(
    spec: &Spec,
    engine: &Engine,
    watch: &dyn Watch,
) -> Result<Measurement, MeasureError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| MeasureError::Engine(e.to_string()))?;
    let (inputs, table) = match engine {
        Engine::Local => measure_locally(&runtime, spec, watch)?,
        Engine::Ballista { scheduler, stage } => {
            let kept = compute::Kept::default();
            let inputs = inputs::load_watched(spec, watch, &kept)?;
            watch.step("aggregating on the cluster");
            let table = runtime.block_on(on_ballista(
                scheduler,
                stage.as_deref(),
                spec,
                &inputs,
                kept.into_batches(),
            ))?;
            (inputs, table)
        }
    };
    let mut m = summarise(spec, inputs, &table);
    if let Some(path) = &spec.appraisal {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::one(oneplace_core::Diagnostic::new(
                oneplace_core::Location::File {
                    file: file.clone().into(),
                },
                format!("cannot read it: {e}"),
            ))
        })?;
        let model = oneplace_appraise::read_toml(&file, &text, ReferenceData::embedded())?;
        m.ex_ante = Some(exante::compare(&model, &m));
    }
    Ok(m)
}

/// Reads the inputs on this thread while an embedded engine, on
/// `runtime`, sums their contributions as they come.
fn measure_locally(
    runtime: &tokio::runtime::Runtime,
    spec: &Spec,
    watch: &dyn Watch,
) -> Result<(inputs::Inputs, compute::PersonTable), MeasureError> {
    let ctx = compute::local_context();
    let feed = compute::feed(&ctx)?;
    let plan = runtime.spawn(async move { compute::sum_cells(&ctx).await });
    let inputs = inputs::load_watched(spec, watch, &feed);
    // The end of the contributions: the plan finishes its sums.
    drop(feed);
    watch.step("aggregating");
    let sums = runtime
        .block_on(plan)
        .map_err(|e| MeasureError::Engine(e.to_string()))?;
    // An input error is the one to report: the plan saw only part of the
    // events.
    let inputs = inputs?;
    let table = compute::person_table(&sums?, spec, &inputs)?;
    Ok((inputs, table))
}

/// Sums the contributions on a Ballista cluster, staged under `stage` or a
/// temporary folder.
async fn on_ballista(
    scheduler: &str,
    stage: Option<&std::path::Path>,
    spec: &Spec,
    inputs: &inputs::Inputs,
    contributions: Vec<datafusion::arrow::array::RecordBatch>,
) -> Result<compute::PersonTable, MeasureError> {
    use ballista::prelude::SessionContextExt;
    let ctx = SessionContext::remote(&format!("df://{scheduler}"))
        .await
        .map_err(|e| {
            MeasureError::Engine(format!(
                "cannot reach the Ballista scheduler at {scheduler}: {e}"
            ))
        })?;
    let (folder, temporary) = match stage {
        Some(dir) => (dir.to_path_buf(), false),
        None => (staging_folder(), true),
    };
    let sums = match compute::stage(&ctx, &folder, contributions).await {
        Ok(()) => compute::sum_cells(&ctx).await,
        Err(e) => Err(e),
    };
    if temporary {
        let _ = std::fs::remove_dir_all(&folder);
    }
    let on_cluster = |e: DataFusionError| {
        MeasureError::Engine(format!("on the Ballista cluster at {scheduler}: {e}"))
    };
    compute::person_table(&sums.map_err(on_cluster)?, spec, inputs).map_err(on_cluster)
}

/// A new folder for staged tables, unique to this run.
fn staging_folder() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("oneplace-stage-{}-{nanos}", std::process::id()))
}

/// The statistics and the result from the per-person table.
pub fn summarise(spec: &Spec, inputs: inputs::Inputs, table: &compute::PersonTable) -> Measurement {
    let members = &inputs.members;
    // With matching, members in strata that cannot be compared are left
    // out and the comparison group is weighted; without, all count once.
    let matched = spec
        .matching
        .as_ref()
        .map(|m| matching::coarsened_exact(members, m));
    let weight = |i: usize| matched.as_ref().map_or(1.0, |m| m.weights[i]);
    let comparison_weights = matched.as_ref().map(|_| {
        members
            .iter()
            .enumerate()
            .filter(|(i, m)| !m.treated && weight(*i) > 0.0)
            .map(|(i, _)| weight(i))
            .collect::<Vec<f64>>()
    });
    let split = |value: &dyn Fn(usize, usize) -> f64| stats::Series {
        treatment: members
            .iter()
            .enumerate()
            .filter(|(i, m)| m.treated && weight(*i) > 0.0)
            .map(|(i, _)| (value(i, 0), value(i, 1)))
            .collect(),
        comparison: members
            .iter()
            .enumerate()
            .filter(|(i, m)| !m.treated && weight(*i) > 0.0)
            .map(|(i, _)| (value(i, 0), value(i, 1)))
            .collect(),
        comparison_weights: comparison_weights.clone(),
    };
    // The measures, numbered: each agency's cost, the total cost, each
    // outcome.
    let a = inputs.agencies.len();
    let count = a + 1 + spec.outcomes.len();
    let of = |k: usize| -> stats::Series {
        if k < a {
            split(&|m, w| table.cost(m, k, w))
        } else if k == a {
            split(&|m, w| (0..a).map(|ag| table.cost(m, ag, w)).sum())
        } else {
            split(&|m, w| table.outcome(m, k - a - 1, w))
        }
    };
    // A county's cohort runs to millions: the measures' series are made
    // on every core, each worker taking every `workers`-th measure.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, count.max(1));
    let mut made: Vec<(usize, stats::Series)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let of = &of;
                scope.spawn(move || {
                    (w..count)
                        .step_by(workers)
                        .map(|k| (k, of(k)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a series worker does not panic"))
            .collect()
    });
    made.sort_by_key(|(k, _)| *k);
    let series: Vec<stats::Series> = made.into_iter().map(|(_, s)| s).collect();
    let estimates = stats::estimate(&series, &spec.bootstrap);
    let nt = members.iter().filter(|m| m.treated).count();
    let nc = members.len() - nt;
    // Savings are over the treated members compared.
    let compared = matched.as_ref().map_or(nt, |m| m.summary.matched_treatment);
    let per_person_of = |agency: &str, e: &Estimate| PerPerson {
        agency: agency.to_string(),
        treatment_before: e.treatment_before,
        treatment_after: e.treatment_after,
        comparison_before: e.comparison_before,
        comparison_after: e.comparison_after,
        gross_change: e.gross_change,
        net_impact: e.net_impact,
        net_low: e.low,
        net_high: e.high,
    };
    let n = compared as f64;
    let saving_of = |agency: &str, e: &Estimate| Saving {
        agency: agency.to_string(),
        gross: -e.gross_change * n,
        net: e.net_impact.map(|x| -x * n),
        net_low: e.high.map(|x| -x * n),
        net_high: e.low.map(|x| -x * n),
    };
    // Agencies in id order, so results do not depend on the input's order.
    let mut order: Vec<usize> = (0..a).collect();
    order.sort_by(|x, y| inputs.agencies[*x].cmp(&inputs.agencies[*y]));
    let per_person = order
        .iter()
        .map(|&i| per_person_of(&inputs.agencies[i], &estimates[i]))
        .collect();
    let savings = order
        .iter()
        .map(|&i| saving_of(&inputs.agencies[i], &estimates[i]))
        .collect();
    let metrics = spec
        .outcomes
        .iter()
        .enumerate()
        .map(|(o, out)| {
            let e = &estimates[a + 1 + o];
            Metric {
                id: out.id.clone(),
                name: out.name.clone(),
                unit: out.unit.clone(),
                value: e.net_impact,
                baseline: e.treatment_before,
                treatment_after: e.treatment_after,
                gross_change: e.gross_change,
                low: e.low,
                high: e.high,
            }
        })
        .collect();
    let mut problems = inputs.problems.clone();
    let cohort_file = spec.cohort.display().to_string();
    let without: Vec<&inputs::Member> = members
        .iter()
        .zip(&table.events)
        .filter(|(_, n)| **n == 0)
        .map(|(m, _)| m)
        .collect();
    if !without.is_empty() {
        problems.push(Problem {
            kind: "no_events".into(),
            counted: true,
            message: "cohort members with no events in their windows: counted at zero cost".into(),
            rows: without.len() as u64,
            locations: without
                .iter()
                .take(5)
                .map(|m| format!("{cohort_file}: row {} (id {})", m.row, m.id))
                .collect(),
        });
    }
    if let Some(m) = &matched {
        let cohort_file = spec.cohort.display().to_string();
        let left_out: Vec<&inputs::Member> = members
            .iter()
            .zip(&m.weights)
            .filter(|(_, w)| **w == 0.0)
            .map(|(p, _)| p)
            .collect();
        if !left_out.is_empty() {
            problems.push(Problem {
                kind: "unmatched".into(),
                counted: false,
                message: "cohort members in strata with no treated or no comparison member: left out of the comparison".into(),
                rows: left_out.len() as u64,
                locations: left_out
                    .iter()
                    .take(5)
                    .map(|p| format!("{cohort_file}: row {} (id {})", p.row, p.id))
                    .collect(),
            });
        }
    }
    let data = ReferenceData::embedded();
    let mut reference_data: Vec<DatasetVersion> = ["gdp-deflators"]
        .iter()
        .filter_map(|id| data.version_of(id))
        .collect();
    if inputs.uses_ucd {
        reference_data.extend(data.version_of("unit-cost-database"));
    }
    let method = if matched.is_some() && nc > 0 {
        "difference-in-differences against a comparison group weighted by coarsened exact matching; gross change is the matched treatment group's before-and-after change alone, and is not impact"
    } else if nc > 0 {
        "difference-in-differences against a comparison group; gross change is the treatment group's before-and-after change alone, and is not impact"
    } else {
        "before-and-after change in the treatment group only (gross): there is no comparison group, so no net impact"
    };
    Measurement {
        measurement: spec.id.clone(),
        name: spec.name.clone(),
        period: spec.period,
        method: method.into(),
        price_year: spec.price_year,
        data: DataPeriod {
            from: spec.data_from,
            to: spec.data_to,
        },
        windows: Windows {
            before_months: spec.before_months,
            after_months: spec.after_months,
        },
        cohort: Counts {
            treatment: nt,
            comparison: nc,
            without_events: without.len(),
        },
        events_read: inputs.events_read,
        events_counted: table.events.iter().sum(),
        bootstrap: BootstrapUsed {
            samples: spec.bootstrap.samples,
            seed: spec.bootstrap.seed,
            confidence: spec.bootstrap.confidence,
        },
        metrics,
        savings,
        total: saving_of("total", &estimates[a]),
        per_person,
        per_person_total: per_person_of("total", &estimates[a]),
        costing: inputs.costing,
        problems,
        ex_ante: None,
        matching: matched.map(|m| m.summary),
        reference_data,
    }
}

fn pounds(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Pounds)
}

fn number(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, |value| Cell::Number { value, decimals: 3 })
}

/// The measurement as a report: summary, cost per person, savings,
/// outcomes, costing and problems.
pub fn document(m: &Measurement) -> Document {
    let pct = (m.bootstrap.confidence * 100.0).round();
    let mut summary = Table::new(&[("item", "Item"), ("value", "Value")]);
    let kv = |t: &mut Table, k: &str, v: Cell| t.push(vec![Cell::Text(k.into()), v]);
    kv(&mut summary, "Method", Cell::Text(m.method.clone()));
    kv(&mut summary, "Price year", Cell::Year(m.price_year));
    kv(
        &mut summary,
        "Data period",
        Cell::Text(format!("{} to {}", m.data.from, m.data.to)),
    );
    kv(
        &mut summary,
        "Windows",
        Cell::Text(format!(
            "{} months before and {} months after each start",
            m.windows.before_months, m.windows.after_months
        )),
    );
    kv(
        &mut summary,
        "Treatment group",
        Cell::Integer(m.cohort.treatment as i64),
    );
    kv(
        &mut summary,
        "Comparison group",
        Cell::Integer(m.cohort.comparison as i64),
    );
    if let Some(x) = &m.matching {
        kv(
            &mut summary,
            "Matching",
            Cell::Text(format!(
                "{} on {}: {} of {} strata matched; {} treated and {} comparison members compared, {} and {} left out",
                x.method,
                x.attributes.join(", "),
                x.matched_strata,
                x.strata,
                x.matched_treatment,
                x.matched_comparison,
                x.unmatched_treatment,
                x.unmatched_comparison
            )),
        );
    }
    kv(
        &mut summary,
        "Members with no events (counted at zero)",
        Cell::Integer(m.cohort.without_events as i64),
    );
    kv(
        &mut summary,
        "Events read",
        Cell::Integer(m.events_read as i64),
    );
    kv(
        &mut summary,
        "Events counted in the windows",
        Cell::Integer(m.events_counted as i64),
    );
    kv(
        &mut summary,
        "Bootstrap",
        Cell::Text(format!(
            "{} resamples of people, seed {}, {pct}% intervals",
            m.bootstrap.samples, m.bootstrap.seed
        )),
    );
    let mut per = Table::new(&[
        ("agency", "Agency"),
        ("treatment_before", "Treatment before"),
        ("treatment_after", "Treatment after"),
        ("gross_change", "Gross change"),
        ("comparison_before", "Comparison before"),
        ("comparison_after", "Comparison after"),
        ("net_impact", "Net impact"),
        ("net_low", "Net low"),
        ("net_high", "Net high"),
    ]);
    for p in m.per_person.iter().chain([&m.per_person_total]) {
        per.push(vec![
            Cell::Text(p.agency.clone()),
            Cell::Pounds(p.treatment_before),
            Cell::Pounds(p.treatment_after),
            Cell::Pounds(p.gross_change),
            pounds(p.comparison_before),
            pounds(p.comparison_after),
            pounds(p.net_impact),
            pounds(p.net_low),
            pounds(p.net_high),
        ]);
    }
    let mut sav = Table::new(&[
        ("agency", "Agency"),
        ("gross", "Gross saving"),
        ("net", "Net saving"),
        ("net_low", "Net low"),
        ("net_high", "Net high"),
    ]);
    for s in m.savings.iter().chain([&m.total]) {
        sav.push(vec![
            Cell::Text(s.agency.clone()),
            Cell::Pounds(s.gross),
            pounds(s.net),
            pounds(s.net_low),
            pounds(s.net_high),
        ]);
    }
    let mut doc = Document::new(format!("Measurement: {}", m.name))
        .with_note(format!("Pounds in {} prices. Gross change is before-and-after in the treatment group alone: it is not impact. Net impact is the difference in differences against the comparison group, with {pct}% bootstrap intervals.", m.price_year))
        .with_section(Section::new("summary", "Summary", summary))
        .with_section(
            Section::new("per_person", "Cost per person by agency", per)
                .with_note("Mean cost per treatment or comparison group member in each window."),
        )
        .with_section(
            Section::new("savings", "Realised savings by agency", sav)
                .with_note("Savings over the treatment group: a fall in cost is a positive saving. Gross is not impact."),
        );
    if !m.metrics.is_empty() {
        let mut t = Table::new(&[
            ("id", "Outcome"),
            ("unit", "Unit"),
            ("baseline", "Before"),
            ("treatment_after", "After"),
            ("gross_change", "Gross change"),
            ("value", "Net impact"),
            ("low", "Low"),
            ("high", "High"),
        ]);
        for o in &m.metrics {
            t.push(vec![
                Cell::Text(o.id.clone()),
                Cell::Text(o.unit.clone()),
                number(Some(o.baseline)),
                number(Some(o.treatment_after)),
                number(Some(o.gross_change)),
                number(o.value),
                number(o.low),
                number(o.high),
            ]);
        }
        doc = doc.with_section(
            Section::new("outcomes", "Outcomes per treatment group member", t)
                .with_note("Quantities of the outcome's events in each window."),
        );
    }
    if let Some(x) = &m.ex_ante {
        let mut t = Table::new(&[
            ("agency", "Agency"),
            ("appraisal_agencies", "Appraisal's agencies"),
            ("expected", "Expected (ex ante)"),
            ("realised_net", "Realised net"),
            ("realised_gross", "Realised gross"),
        ]);
        for r in &x.rows {
            t.push(vec![
                Cell::Text(r.agency.clone()),
                Cell::Text(r.appraisal_agencies.join(", ")),
                Cell::Pounds(r.expected),
                pounds(r.realised_net),
                pounds(r.realised_gross),
            ]);
        }
        doc = doc.with_section(
            Section::new("ex_ante", "Expected and realised savings", t).with_note(format!(
                "Expected: the appraisal '{}' at full effect ({} prices uprated to {}), per starter per year, times the treatment group and the after window.",
                x.appraisal, x.price_base, m.price_year
            )),
        );
    }
    let mut c = Table::new(&[
        ("event_type", "Event type"),
        ("source", "Source"),
        ("original_value", "Value"),
        ("original_price_year", "Price year"),
        ("unit_cost", "Unit cost"),
        ("agency", "Agency"),
    ]);
    for k in &m.costing {
        c.push(vec![
            Cell::Text(k.event_type.clone()),
            Cell::Text(k.source.clone()),
            Cell::Pounds(k.original_value),
            Cell::Text(k.original_price_year.clone()),
            Cell::Pounds(k.unit_cost),
            Cell::Text(k.agency.clone()),
        ]);
    }
    doc = doc.with_section(
        Section::new("costing", "Costing", c)
            .with_note(format!("Unit costs uprated to {} prices.", m.price_year)),
    );
    let mut p = Table::new(&[
        ("kind", "Problem"),
        ("counted", "Counted"),
        ("rows", "Rows"),
        ("message", "What"),
        ("first", "First at"),
    ]);
    for x in &m.problems {
        p.push(vec![
            Cell::Text(x.kind.clone()),
            Cell::Text(if x.counted { "yes" } else { "no" }.into()),
            Cell::Integer(x.rows as i64),
            Cell::Text(x.message.clone()),
            Cell::Text(x.locations.first().cloned().unwrap_or_default()),
        ]);
    }
    doc.with_section(Section::new("problems", "What was not counted, and why", p))
}
