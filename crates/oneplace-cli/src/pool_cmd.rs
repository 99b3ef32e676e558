//! `oneplace pool settle`: risk-share settlement.

use std::path::PathBuf;

use oneplace_core::Period;
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
}

pub fn run(command: Command) -> Result<(), Failure> {
    let Command::Settle {
        agreement,
        journals,
        forecast,
        explain,
        transactions,
        format,
        out,
        table,
    } = command;
    check_binary_destination(format, out.as_deref())?;
    let ledger = read(&journals)?;
    let text = std::fs::read_to_string(&agreement)
        .map_err(|e| Failure::Message(format!("{}: {e}", agreement.display())))?;
    let a = parse_agreement(&agreement.display().to_string(), &text, &ledger)?;
    let period = match forecast.as_deref() {
        Some(p) => Some(Period::parse(p).map_err(|e| Failure::Usage(format!("--forecast: {e}")))?),
        None => None,
    };
    let s = settle(&ledger, &a, period).map_err(|e| Failure::Message(e.0))?;
    if let Some(path) = &transactions {
        write(Some(path), s.transactions.as_bytes())?;
    }
    let bytes = if let Some(partner) = &explain {
        document::explain(&s, partner)
            .ok_or_else(|| Failure::Usage(format!("no partner '{partner}' in the ledger")))?
            .into_bytes()
    } else if format == Format::Json {
        json_bytes(&serde_json::to_value(&s).expect("settlements serialise"))
    } else {
        let mut bytes = render(&document::settlement_document(&s), format, table.as_deref())?;
        if format == Format::Table && table.is_none() {
            bytes.extend(document::transactions_text(&s).into_bytes());
        }
        bytes
    };
    write(out.as_deref(), &bytes)
}
