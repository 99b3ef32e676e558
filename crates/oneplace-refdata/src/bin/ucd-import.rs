//! Imports the Unit Cost Database workbook into the CSV table oneplace ships.
//!
//! ```text
//! cargo run -p oneplace-refdata --bin ucd-import -- WORKBOOK.xlsx [TABLE.csv] [DEFLATORS.csv]
//! ```
//!
//! Defaults write `data/unit-costs/ucd-v1.4.csv` and
//! `data/deflators/hmt-march-2015.csv`. Corrections and relation overrides
//! come from `data/unit-costs/`. Files are written whole or not at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use oneplace_refdata::deflator::write_vintage;
use oneplace_refdata::import_rules::{CORRECTIONS, RELATION_OVERRIDES};
use oneplace_refdata::ucd::hierarchy::parse_overrides;
use oneplace_refdata::ucd::import::{import_workbook, parse_corrections};
use oneplace_refdata::ucd::write_table;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(workbook) = args.first() else {
        eprintln!("usage: ucd-import WORKBOOK.xlsx [TABLE.csv] [DEFLATORS.csv]");
        return ExitCode::from(2);
    };
    let table = args.get(1).map_or_else(
        || PathBuf::from("data/unit-costs/ucd-v1.4.csv"),
        PathBuf::from,
    );
    let deflators = args.get(2).map_or_else(
        || PathBuf::from("data/deflators/hmt-march-2015.csv"),
        PathBuf::from,
    );
    match run(Path::new(workbook), &table, &deflators) {
        Ok(n) => {
            eprintln!("imported {n} entries into {}", table.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(workbook: &Path, table: &Path, deflators: &Path) -> Result<usize, String> {
    let corrections = parse_corrections(CORRECTIONS)?;
    let overrides = parse_overrides(RELATION_OVERRIDES)?;
    let imported = import_workbook(workbook, &corrections, &overrides)?;
    let table_text = write_table(&imported.entries)?;
    let deflator_text = write_vintage(&imported.deflators);
    write_atomically(table, &table_text)?;
    write_atomically(deflators, &deflator_text)?;
    Ok(imported.entries.len())
}

fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}
