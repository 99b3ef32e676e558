//! `oneplace pool`: risk-share settlement and next year's contributions.

use std::path::{Path, PathBuf};

use oneplace_core::Period;
use oneplace_ledger::contributions::{self, next_year, parse_plan};
use oneplace_ledger::settle::{document, parse_agreement, settle};

use crate::ledger_cmd::read;
use crate::output::{check_binary_destination, json_bytes, render, write};
use crate::{Failure, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Settle a year by the agreement's risk-share rules: each partner's
    /// amount, every step in order, anything unfunded, and the transactions
    /// that post it.
    Settle {
        /// The agreement's risk-share schedule (TOML).
        agreement: PathBuf,
        #[arg(required = true)]
        journals: Vec<PathBuf>,
        /// Settle the forecast outturn at this period instead of the year's
        /// actuals, so boards see their exposure in-year (2025/26 M07).
        #[arg(long, value_name = "PERIOD")]
        forecast: Option<String>,
        /// Trace one partner's figure through each rule.
        #[arg(long, value_name = "PARTNER")]
        explain: Option<String>,
        /// Also write the settlement transactions to FILE.
        #[arg(long, value_name = "FILE")]
        transactions: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
    /// Next year's contributions from this year's: the base, recurrent
    /// changes, the uplift, planned changes and efficiencies, net of client
    /// income, with each partner's instalments.
    Contributions {
        /// The contribution plan (TOML): year, uplift, changes.
        plan: PathBuf,
        #[arg(required = true)]
        journals: Vec<PathBuf>,
        /// Also write the `contribution` directives for the journal to FILE.
        #[arg(long, value_name = "FILE")]
        directives: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Settle {
            agreement,
            journals,
            forecast,
            explain,
            transactions,
            format,
            out,
            table,
        } => run_settle(
            &agreement,
            &journals,
            forecast.as_deref(),
            explain.as_deref(),
            transactions.as_deref(),
            format,
            out.as_deref(),
            table.as_deref(),
        ),
        Command::Contributions {
            plan,
            journals,
            directives,
            format,
            out,
            table,
        } => run_contributions(
            &plan,
            &journals,
            directives.as_deref(),
            format,
            out.as_deref(),
            table.as_deref(),
        ),
    }
}

fn run_contributions(
    plan: &Path,
    journals: &[PathBuf],
    directives: Option<&Path>,
    format: Format,
    out: Option<&Path>,
    table: Option<&str>,
) -> Result<(), Failure> {
    check_binary_destination(format, out)?;
    let ledger = read(journals)?;
    let text = std::fs::read_to_string(plan)
        .map_err(|e| Failure::Message(format!("{}: {e}", plan.display())))?;
    let p = parse_plan(&plan.display().to_string(), &text, &ledger)?;
    let n = next_year(&p, &ledger)?;
    // Everything is computed before anything is written.
    let bytes = if format == Format::Json {
        json_bytes(&serde_json::to_value(&n).expect("plans serialise"))
    } else {
        let mut bytes = render(
            &contributions::document::next_year_document(&n),
            format,
            table,
        )?;
        if format == Format::Table && table.is_none() {
            bytes.extend(b"\n");
            bytes.extend(contributions::next_year::directives(&n).into_bytes());
        }
        bytes
    };
    if let Some(path) = directives {
        write(
            Some(path),
            contributions::next_year::directives(&n).as_bytes(),
        )?;
    }
    write(out, &bytes)
}

#[allow(clippy::too_many_arguments)]
fn run_settle(
    agreement: &Path,
    journals: &[PathBuf],
    forecast: Option<&str>,
    explain: Option<&str>,
    transactions: Option<&Path>,
    format: Format,
    out: Option<&Path>,
    table: Option<&str>,
) -> Result<(), Failure> {
    check_binary_destination(format, out)?;
    let ledger = read(journals)?;
    let text = std::fs::read_to_string(agreement)
        .map_err(|e| Failure::Message(format!("{}: {e}", agreement.display())))?;
    let a = parse_agreement(&agreement.display().to_string(), &text, &ledger)?;
    let period = match forecast {
        Some(p) => Some(Period::parse(p).map_err(|e| Failure::Usage(format!("--forecast: {e}")))?),
        None => None,
    };
    let s = settle(&ledger, &a, period).map_err(|e| Failure::Message(e.0))?;
    // Everything is computed before anything is written.
    let bytes = if let Some(partner) = explain {
        let e = document::explain(&s, partner).ok_or_else(|| {
            Failure::Message(format!(
                "--explain: no partner '{partner}' in the ledger; its partners are {}",
                document::partner_names(&s).join(", ")
            ))
        })?;
        if format == Format::Json {
            json_bytes(&serde_json::to_value(&e).expect("explanations serialise"))
        } else {
            render(&document::explanation_document(&e), format, table)?
        }
    } else if format == Format::Json {
        json_bytes(&serde_json::to_value(&s).expect("settlements serialise"))
    } else {
        let mut bytes = render(&document::settlement_document(&s), format, table)?;
        if format == Format::Table && table.is_none() {
            bytes.extend(document::transactions_text(&s).into_bytes());
        }
        bytes
    };
    if let Some(path) = transactions {
        write(Some(path), s.transactions.as_bytes())?;
    }
    write(out, &bytes)
}
