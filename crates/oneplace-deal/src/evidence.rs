//! Evidence: the appraisals, ledgers and measurements a deal cites, loaded
//! with the engines that made them, and each link's figure pulled from the
//! results by its path.
//!
//! A figure is always pulled afresh. When the deal pins the figure it quotes
//! (`quoted`) and the source now gives another, the link is stale: an
//! error naming both figures, never a silently old number.
//!
//! # Figure paths
//!
//! A path walks the JSON the source's own command writes (`oneplace
//! appraise --format json`, `oneplace ledger report KIND --format json`, or
//! a measurement's results file), one dot-separated step at a time: a key of
//! an object, or in a list either a position from 0 or the element whose
//! `id`, `agency`, `partner`, `scheme`, `source`, `account`, `name`, `code`
//! or `financial_year` is the step (`agencies.dwp.pv_fiscal_benefit`,
//! `years.2027/28.fiscal`, `income.0.received`).

use std::path::{Component, Path, PathBuf};

use oneplace_appraise::{Appraisal, Model, evaluate, read_toml};
use oneplace_core::{Diagnostic, FinancialYear, InputError, Location, Period};
use oneplace_ledger::{Journal, Ledger};
use oneplace_refdata::ReferenceData;
use oneplace_report::Cell;
use serde::Serialize;
use serde_json::Value as Json;

use crate::deal::{Deal, EvidenceLink, LedgerReport, Show, SourceKind};

/// Where the deal's files come from: the file system for the command line,
/// memory for tests and the web application.
pub trait Files {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}

/// Reads files from disk.
pub struct FileSystem;

impl Files for FileSystem {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// `dir/relative`, with `.` and `..` worked out by hand (no symlinks are
/// followed), so messages name `examples/family-support.toml`, not
/// `examples/deal/../family-support.toml`.
pub fn beside(dir: &Path, relative: &str) -> PathBuf {
    let joined = dir.join(relative);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// An appraisal the deal cites, evaluated by the appraisal engine.
#[derive(Clone, Debug)]
pub struct LoadedAppraisal {
    pub id: String,
    pub path: String,
    pub model: Model,
    pub appraisal: Appraisal,
    /// What `oneplace appraise --format json` writes, rounded the same way.
    pub json: Json,
}

#[derive(Clone, Debug)]
pub struct LoadedLedger {
    pub id: String,
    pub paths: Vec<String>,
    pub ledger: Ledger,
}

#[derive(Clone, Debug)]
pub struct LoadedMeasurement {
    pub id: String,
    pub path: String,
    pub json: Json,
}

/// Every source the deal cites, loaded.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub appraisals: Vec<LoadedAppraisal>,
    pub ledgers: Vec<LoadedLedger>,
    pub measurements: Vec<LoadedMeasurement>,
}

impl Sources {
    pub fn appraisal(&self, id: &str) -> Option<&LoadedAppraisal> {
        self.appraisals.iter().find(|a| a.id == id)
    }
}

fn read_text(
    files: &dyn Files,
    path: &Path,
    at: &Location,
    what: &str,
) -> Result<String, Diagnostic> {
    let bytes = files.read(path).map_err(|e| {
        Diagnostic::new(
            at.clone(),
            format!("cannot read {what} {}: {}", path.display(), io_reason(&e)),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::new(
            at.clone(),
            format!("{what} {} is not UTF-8 text", path.display()),
        )
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        _ => e.to_string(),
    }
}

/// Loads every appraisal, ledger and measurement the deal cites. Files are
/// relative to `dir`, the deal file's folder. A source that cannot be read
/// or is itself invalid is an error at the deal's line naming it, followed
/// by the source's own diagnostics.
pub fn load_sources(
    deal: &Deal,
    dir: &Path,
    files: &dyn Files,
    data: &ReferenceData,
) -> Result<Sources, InputError> {
    let mut diags = Vec::new();
    let mut sources = Sources::default();
    for a in &deal.appraisals {
        let path = beside(dir, &a.file);
        let name = path.display().to_string();
        let model = if name.ends_with(".xlsx") {
            files
                .read(&path)
                .map_err(|e| {
                    InputError::one(Diagnostic::new(
                        a.file_location.clone(),
                        format!("cannot read appraisal {name}: {}", io_reason(&e)),
                    ))
                })
                .and_then(|bytes| oneplace_appraise::xlsx::read_xlsx(&name, &bytes, data))
        } else {
            read_text(files, &path, &a.file_location, "appraisal")
                .map_err(InputError::one)
                .and_then(|text| read_toml(&name, &text, data))
        };
        match model {
            Ok(model) => {
                let appraisal = evaluate(&model, data);
                let json = oneplace_appraise::report::to_json(&appraisal);
                for agency in &model.agencies {
                    let party = a.parties.get(&agency.id).unwrap_or(&agency.id);
                    if deal.partner(party).is_none() && deal.counterparty(party).is_none() {
                        diags.push(
                            Diagnostic::new(
                                a.location.clone(),
                                format!(
                                    "appraisal '{}': agency '{}' of {name} is not a party to the deal",
                                    a.id, agency.id
                                ),
                            )
                            .expected(format!(
                                "a [[partner]] or [[counterparty]] with id '{}', or parties = {{ {} = \"PARTY\" }}",
                                agency.id, agency.id
                            )),
                        );
                    }
                }
                for agency in a.parties.keys() {
                    if !model.agencies.iter().any(|m| &m.id == agency) {
                        diags.push(Diagnostic::new(
                            a.location.clone(),
                            format!(
                                "appraisal '{}': parties maps '{agency}', which is not an agency of {name}",
                                a.id
                            ),
                        ));
                    }
                }
                sources.appraisals.push(LoadedAppraisal {
                    id: a.id.clone(),
                    path: name,
                    model,
                    appraisal,
                    json,
                });
            }
            Err(e) => {
                let first = e.diagnostics.first().map(|d| d.location.file() == name);
                if first == Some(true) {
                    diags.push(Diagnostic::new(
                        a.file_location.clone(),
                        format!("appraisal '{}': {name} is not a valid model", a.id),
                    ));
                }
                diags.extend(e.diagnostics);
            }
        }
    }
    for l in &deal.ledgers {
        let mut texts = Vec::new();
        let mut ok = true;
        for (j, at) in l.journals.iter().zip(&l.journal_locations) {
            let path = beside(dir, j);
            match read_text(files, &path, at, "journal") {
                Ok(t) => texts.push((path.display().to_string(), t)),
                Err(d) => {
                    diags.push(d);
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let journals: Vec<Journal> = texts
            .iter()
            .map(|(name, text)| Journal { name, text })
            .collect();
        match oneplace_ledger::load(&journals) {
            Ok(ledger) => sources.ledgers.push(LoadedLedger {
                id: l.id.clone(),
                paths: texts.iter().map(|(n, _)| n.clone()).collect(),
                ledger,
            }),
            Err(e) => {
                diags.push(Diagnostic::new(
                    l.location.clone(),
                    format!("ledger '{}' does not load", l.id),
                ));
                diags.extend(e.diagnostics);
            }
        }
    }
    for m in &deal.measurements {
        let path = beside(dir, &m.file);
        let name = path.display().to_string();
        match read_text(files, &path, &m.file_location, "measurement results") {
            Ok(text) => match serde_json::from_str::<Json>(&text) {
                Ok(json) => sources.measurements.push(LoadedMeasurement {
                    id: m.id.clone(),
                    path: name,
                    json,
                }),
                Err(e) => diags.push(Diagnostic::new(
                    Location::Text {
                        file: name.as_str().into(),
                        line: e.line() as u32,
                        column: e.column() as u32,
                    },
                    format!("not a JSON results file: {e}"),
                )),
            },
            Err(d) => diags.push(d),
        }
    }
    InputError::check(diags)?;
    Ok(sources)
}

/// A link's figure, pulled from its source.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub link: String,
    pub description: Option<String>,
    pub kind: SourceKind,
    pub source: String,
    /// The files the figure was read from.
    pub files: Vec<String>,
    pub figure: String,
    /// For ledger links: the report and period.
    pub report: Option<String>,
    pub value: f64,
    /// As the document shows it (`£1,234.57`, `1.85`, `35.5%`).
    pub shown: String,
    pub quoted: Option<f64>,
}

impl Figure {
    pub fn is_stale(&self) -> bool {
        self.quoted.is_some_and(|q| !same(q, self.value))
    }
}

/// Two figures are the same to within float noise: pulled figures are
/// already rounded (money to the penny), so a pin either matches or the
/// source has moved.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

pub fn show(value: f64, how: Show) -> String {
    match how {
        Show::Pounds => Cell::Pounds(value).to_string(),
        Show::Ratio => Cell::Ratio(value).to_string(),
        Show::Percent => Cell::Percent(value).to_string(),
        Show::Number => oneplace_core::toml_input::trim_number(value),
    }
}

/// Pulls every link's figure. Broken links (an unknown path, a figure that
/// is not a number, a ledger period that makes no sense) are errors at the
/// link; stale links are not reported here (see [`stale`]).
pub fn resolve(deal: &Deal, sources: &Sources) -> Result<Vec<Figure>, InputError> {
    let mut diags = Vec::new();
    let mut figures = Vec::new();
    for link in &deal.evidence {
        match resolve_one(link, sources) {
            Ok(f) => figures.push(f),
            Err(d) => diags.push(d),
        }
    }
    InputError::check(diags)?;
    Ok(figures)
}

/// The stale links: one error each, naming the figure the deal quotes and
/// the figure its source now gives.
pub fn stale(deal: &Deal, figures: &[Figure]) -> Vec<Diagnostic> {
    figures
        .iter()
        .filter(|f| f.is_stale())
        .filter_map(|f| {
            let link = deal.link(&f.link)?;
            let quoted = f.quoted?;
            Some(
                Diagnostic::new(
                    link.location.clone(),
                    format!(
                        "evidence '{}' is stale: the deal quotes {} but {} now gives {} for {}",
                        f.link,
                        show(quoted, link.show),
                        f.files.join(", "),
                        f.shown,
                        f.figure
                    ),
                )
                .expected(
                    "the figure the source gives: check the deal still stands, then run `oneplace deal check DEAL --refresh` to re-pin it",
                ),
            )
        })
        .collect()
}

fn resolve_one(link: &EvidenceLink, sources: &Sources) -> Result<Figure, Diagnostic> {
    let broken = |message: String| Diagnostic::new(link.figure_location.clone(), message);
    let (files, report, json): (Vec<String>, Option<String>, std::borrow::Cow<Json>) = match link
        .kind
    {
        SourceKind::Appraisal => {
            let a = sources
                .appraisals
                .iter()
                .find(|a| a.id == link.source)
                .ok_or_else(|| broken(format!("appraisal '{}' was not loaded", link.source)))?;
            (
                vec![a.path.clone()],
                None,
                std::borrow::Cow::Borrowed(&a.json),
            )
        }
        SourceKind::Measurement => {
            let m = sources
                .measurements
                .iter()
                .find(|m| m.id == link.source)
                .ok_or_else(|| broken(format!("measurement '{}' was not loaded", link.source)))?;
            (
                vec![m.path.clone()],
                None,
                std::borrow::Cow::Borrowed(&m.json),
            )
        }
        SourceKind::Ledger => {
            let l = sources
                .ledgers
                .iter()
                .find(|l| l.id == link.source)
                .ok_or_else(|| broken(format!("ledger '{}' was not loaded", link.source)))?;
            let report = link.report.unwrap_or(LedgerReport::Balances);
            let (json, period) =
                ledger_json(&l.ledger, report, link.period.as_deref()).map_err(|e| {
                    Diagnostic::new(
                        link.location.clone(),
                        format!("evidence '{}': {e}", link.id),
                    )
                })?;
            (
                l.paths.clone(),
                Some(format!("{} {period}", report.as_str())),
                std::borrow::Cow::Owned(json),
            )
        }
    };
    let value = lookup(&json, &link.figure).map_err(|e| {
        broken(format!(
            "evidence '{}': {} has no figure '{}': {e}",
            link.id,
            files.join(", "),
            link.figure
        ))
    })?;
    Ok(Figure {
        link: link.id.clone(),
        description: link.description.clone(),
        kind: link.kind,
        source: link.source.clone(),
        files,
        figure: link.figure.clone(),
        report,
        value,
        shown: show(value, link.show),
        quoted: link.quoted,
    })
}

/// A ledger report as its command's JSON, and the period it is for.
fn ledger_json(
    ledger: &Ledger,
    report: LedgerReport,
    period: Option<&str>,
) -> Result<(Json, String), String> {
    use oneplace_ledger::report as r;
    let month = |text: Option<&str>| -> Result<Period, String> {
        match text {
            Some(t) => Period::parse(t).map_err(|e| format!("period: {e}")),
            None => {
                r::default_period(ledger).ok_or_else(|| "the ledger has no postings".to_string())
            }
        }
    };
    let year = |text: Option<&str>| -> Result<FinancialYear, String> {
        match text {
            Some(t) => FinancialYear::parse(t)
                .or_else(|_| Period::parse(t).map(|p| p.year()))
                .map_err(|e| format!("period: {e}")),
            None => month(None).map(|p| p.year()),
        }
    };
    fn json<T: Serialize>(v: &T) -> Json {
        serde_json::to_value(v).expect("reports serialise")
    }
    Ok(match report {
        LedgerReport::Monitoring => {
            let p = month(period)?;
            (json(&r::monitoring(ledger, p)), p.to_string())
        }
        LedgerReport::IncomeExpenditure => {
            let p = month(period)?;
            (json(&r::income_expenditure(ledger, p)), p.to_string())
        }
        LedgerReport::Partners => {
            let p = month(period)?;
            (json(&r::partner_positions(ledger, p)), p.to_string())
        }
        LedgerReport::AnnualReturn => {
            let y = year(period)?;
            (json(&r::annual_return(ledger, y)), y.to_string())
        }
        LedgerReport::Accounts => {
            let y = year(period)?;
            (json(&r::partner_accounts(ledger, y)), y.to_string())
        }
        LedgerReport::Balances => {
            if period.is_some() {
                return Err("balances are for the whole ledger: give no period".into());
            }
            let balances = oneplace_ledger::balances::balance_report(ledger);
            (
                Json::Object(
                    balances
                        .iter()
                        .map(|(a, m)| (a.clone(), serde_json::json!(m.to_pounds_f64())))
                        .collect(),
                ),
                "(all postings)".to_string(),
            )
        }
    })
}

/// The keys that name an element of a list.
const NAMING_KEYS: [&str; 9] = [
    "id",
    "agency",
    "partner",
    "scheme",
    "source",
    "account",
    "name",
    "code",
    "financial_year",
];

/// Follows a figure path through JSON to a number; the error says where the
/// path stopped and what was there instead.
pub fn lookup(root: &Json, path: &str) -> Result<f64, String> {
    let mut here = root;
    let mut walked = String::new();
    for step in path.split('.') {
        let at = if walked.is_empty() {
            "the top level".to_string()
        } else {
            format!("'{walked}'")
        };
        here = match here {
            Json::Object(map) => map.get(step).ok_or_else(|| {
                let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
                keys.sort_unstable();
                keys.truncate(40);
                format!("no '{step}' in {at} (it has {})", keys.join(", "))
            })?,
            Json::Array(items) => {
                let by_name = items.iter().find(|item| {
                    NAMING_KEYS
                        .iter()
                        .any(|k| item.get(k).and_then(Json::as_str) == Some(step))
                });
                match (by_name, step.parse::<usize>()) {
                    (Some(item), _) => item,
                    (None, Ok(i)) if i < items.len() => &items[i],
                    _ => {
                        let names: Vec<&str> = items
                            .iter()
                            .filter_map(|item| {
                                NAMING_KEYS
                                    .iter()
                                    .find_map(|k| item.get(k).and_then(Json::as_str))
                            })
                            .take(40)
                            .collect();
                        return Err(if names.is_empty() {
                            format!(
                                "no '{step}' in {at} (a list of {}: give a position from 0)",
                                items.len()
                            )
                        } else {
                            format!("no '{step}' in {at} (it has {})", names.join(", "))
                        });
                    }
                }
            }
            other => {
                return Err(format!("{at} is {}, which has no '{step}'", kind_of(other)));
            }
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(step);
    }
    match here {
        Json::Number(n) => n.as_f64().ok_or_else(|| "not a number".to_string()),
        other => Err(format!("'{walked}' is {}, not a number", kind_of(other))),
    }
}

fn kind_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "empty (null)",
        Json::Bool(_) => "true or false",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_walk_keys_names_and_positions() {
        let j = serde_json::json!({
            "npbi": 12.5,
            "agencies": [{"agency": "dwp", "pv": 3.0}, {"agency": "icb", "pv": 4.0}],
            "years": [{"year": 0, "financial_year": "2026/27", "fiscal": 7.0}],
            "roi": null
        });
        assert_eq!(lookup(&j, "npbi"), Ok(12.5));
        assert_eq!(lookup(&j, "agencies.icb.pv"), Ok(4.0));
        assert_eq!(lookup(&j, "agencies.0.pv"), Ok(3.0));
        assert_eq!(lookup(&j, "years.2026/27.fiscal"), Ok(7.0));
        assert_eq!(
            lookup(&j, "agencies.police.pv"),
            Err("no 'police' in 'agencies' (it has dwp, icb)".into())
        );
        assert_eq!(
            lookup(&j, "nppv"),
            Err("no 'nppv' in the top level (it has agencies, npbi, roi, years)".into())
        );
        assert_eq!(
            lookup(&j, "roi"),
            Err("'roi' is empty (null), not a number".into())
        );
        assert_eq!(
            lookup(&j, "npbi.x"),
            Err("'npbi' is a number, which has no 'x'".into())
        );
    }

    #[test]
    fn relative_paths_are_tidied() {
        assert_eq!(
            beside(Path::new("examples/deal"), "../family-support.toml"),
            PathBuf::from("examples/family-support.toml")
        );
        assert_eq!(
            beside(Path::new(""), "../x.toml"),
            PathBuf::from("../x.toml")
        );
        assert_eq!(
            beside(Path::new("/tmp/d"), "./r/a.json"),
            PathBuf::from("/tmp/d/r/a.json")
        );
    }
}
