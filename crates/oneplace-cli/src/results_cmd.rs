//! `oneplace measure claims|contract|earn-back|metrics`: paying for results
//! and metrics against plan, from `oneplace-results`.

use std::path::{Path, PathBuf};

use oneplace_report::Document;
use oneplace_results::{earn_back, metrics, outcome_contract, troubled_families};
use serde::Serialize;

use crate::output;
use crate::{Failure, Format};

/// Where and how a result is written (the options every command shares).
#[derive(clap::Args)]
pub struct Output {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Show one table of the report, by its id.
    #[arg(long, value_name = "ID")]
    table: Option<String>,
}

fn read(path: &Path) -> Result<(String, String), Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
    Ok((path.display().to_string(), text))
}

fn emit<T: Serialize>(o: &Output, value: &T, doc: &Document) -> Result<(), Failure> {
    let json = serde_json::to_value(value).expect("results serialise");
    output::emit(doc, json, o.format, o.table.as_deref(), o.out.as_deref())
}

/// Troubled Families claims by year from a scheme file and per-family
/// outcomes; with `explain`, one family's payments.
pub fn claims(
    scheme: &Path,
    families: &Path,
    explain: Option<&str>,
    o: &Output,
) -> Result<(), Failure> {
    let (file, text) = read(scheme)?;
    let scheme = troubled_families::read_scheme(&file, &text)?;
    let (file, text) = read(families)?;
    let families = troubled_families::read_families(&scheme, &file, &text)?;
    let claims = troubled_families::claims(&scheme, &families).map_err(Failure::Message)?;
    match explain {
        None => emit(
            o,
            &claims,
            &troubled_families::claims_document(&scheme, &claims, false),
        ),
        Some(id) => {
            let doc = troubled_families::family_document(&claims, id)
                .ok_or_else(|| Failure::Message(format!("no family '{id}' in {file}")))?;
            let detail = claims.families.iter().find(|f| f.family == id);
            emit(o, &detail, &doc)
        }
    }
}

/// An outcome contract settled on participants' outcomes.
pub fn contract(contract: &Path, outcomes: &Path, o: &Output) -> Result<(), Failure> {
    let (file, text) = read(contract)?;
    let contract = outcome_contract::read_contract(&file, &text)?;
    let (file, text) = read(outcomes)?;
    let participants = outcome_contract::read_outcomes(&contract, &file, &text)?;
    let s = outcome_contract::settle(&contract, &participants);
    emit(o, &s, &outcome_contract::settlement_document(&s))
}

/// Earn-back by year.
pub fn earn_back(path: &Path, o: &Output) -> Result<(), Failure> {
    let (file, text) = read(path)?;
    let e = earn_back::read_earn_back(&file, &text)?;
    let s = earn_back::schedule(&e);
    emit(o, &s, &earn_back::schedule_document(&s))
}

/// Metrics against plan.
pub fn metrics(path: &Path, o: &Output) -> Result<(), Failure> {
    let (file, text) = read(path)?;
    let plan = metrics::read_metrics(&file, &text)?;
    let r = metrics::against_plan(&plan);
    emit(o, &r, &metrics::report_document(&r))
}
