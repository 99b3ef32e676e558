//! `oneplace ledger …`: check journals, report from them, export them.

use std::path::{Path, PathBuf};

use oneplace_core::{FinancialYear, Period};
use oneplace_ledger::report::{self, document};
use oneplace_ledger::{Journal, Ledger, load};
use oneplace_report::{Cell, Document, Section, Table};

use crate::output::{emit, write};
use crate::{Failure, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Parse and validate journals: balance, dimensions, open years,
    /// references and balance assertions.
    Check {
        #[arg(required = true)]
        journals: Vec<PathBuf>,
    },
    /// Every account's balance, with its sub-accounts.
    Balance {
        #[arg(required = true)]
        journals: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One table only (for CSV): `balances`.
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
    /// Post a partner's general-ledger extract (CSV) into a journal, mapped
    /// by the partner's mapping file. Rows already posted are skipped; a
    /// changed amount for a posted reference is an error. All or nothing.
    Import {
        /// The extract.
        csv: PathBuf,
        /// The partner's mapping (TOML: columns, sign, cost centres).
        #[arg(long, value_name = "MAPPING.toml")]
        mapping: PathBuf,
        /// The journal to append the new transactions to; other journals of
        /// the ledger may follow.
        #[arg(long, value_name = "JOURNAL", required = true, num_args = 1..)]
        journal: Vec<PathBuf>,
        /// Show what would be added without writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the ledger for hledger, ledger-cli or beancount: every amount
    /// written out, references and dimensions (partner, scheme, source) as
    /// their tags or metadata, balance assertions where the tool has them.
    Export {
        #[arg(long, value_enum)]
        to: ExportTarget,
        #[arg(required = true)]
        journals: Vec<PathBuf>,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// A report: monitoring, income-expenditure, partners, annual-return or
    /// accounts.
    Report {
        kind: ReportKind,
        #[arg(required = true)]
        journals: Vec<PathBuf>,
        /// The month reported to (2025/26 M07 or 2025-10); default: the
        /// month of the latest posting. For annual-return, its year.
        #[arg(long, value_name = "PERIOD")]
        period: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One table only (for CSV): its id.
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTarget {
    Hledger,
    /// ledger-cli (dimensions as `; key: value` metadata).
    Ledger,
    Beancount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    Monitoring,
    IncomeExpenditure,
    Partners,
    AnnualReturn,
    /// Partners' accounts: joint-operation and host-controlled views,
    /// memorandum accounts and the disclosure note (for a year).
    Accounts,
}

pub fn read(journals: &[PathBuf]) -> Result<Ledger, Failure> {
    let mut texts = Vec::with_capacity(journals.len());
    for path in journals {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Failure::Message(format!("{}: not UTF-8 text", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    let journals: Vec<Journal> = texts
        .iter()
        .map(|(name, text)| Journal { name, text })
        .collect();
    Ok(load(&journals)?)
}

/// Loads the journals with the first one's text replaced by `first_text`,
/// as `oneplace ledger check` would read them once it is written.
fn check_with(journals: &[PathBuf], first_text: &str) -> Result<(), Failure> {
    let mut texts = Vec::with_capacity(journals.len());
    texts.push((journals[0].display().to_string(), first_text.to_string()));
    for path in &journals[1..] {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    let list: Vec<Journal> = texts
        .iter()
        .map(|(name, text)| Journal { name, text })
        .collect();
    match load(&list) {
        Ok(_) => Ok(()),
        Err(e) => {
            eprintln!(
                "the import was refused and nothing was written: with the new transactions appended to {}, the ledger would not check",
                journals[0].display()
            );
            Err(e.into())
        }
    }
}

fn period_of(ledger: &Ledger, text: Option<&str>) -> Result<Period, Failure> {
    match text {
        Some(t) => Period::parse(t).map_err(|e| Failure::Usage(format!("--period: {e}"))),
        None => report::default_period(ledger).ok_or_else(|| {
            Failure::Message("the ledger has no postings to report on: give --period".into())
        }),
    }
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check { journals } => {
            let ledger = read(&journals)?;
            eprintln!(
                "ok: {} transactions, {} postings, {} partners, {} schemes, {} sources; every transaction balances and every assertion holds",
                ledger.transactions.len(),
                ledger.postings.len(),
                ledger.partners.len(),
                ledger.schemes.len(),
                ledger.sources.len()
            );
            Ok(())
        }
        Command::Export { to, journals, out } => {
            let ledger = read(&journals)?;
            let text = match to {
                ExportTarget::Hledger => oneplace_ledger::export::to_hledger(&ledger),
                ExportTarget::Ledger => oneplace_ledger::export::to_ledger(&ledger),
                ExportTarget::Beancount => oneplace_ledger::export::to_beancount(&ledger),
            };
            write(out.as_deref(), text.as_bytes())
        }
        Command::Import {
            csv,
            mapping,
            journal,
            dry_run,
        } => {
            let ledger = read(&journal)?;
            let text_of = |path: &Path| -> Result<String, Failure> {
                std::fs::read_to_string(path)
                    .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))
            };
            let mapping_text = text_of(&mapping)?;
            let map = oneplace_ledger::import::parse_mapping(
                &mapping.display().to_string(),
                &mapping_text,
                &ledger,
            )?;
            let csv_text = text_of(&csv)?;
            let outcome = oneplace_ledger::import::import(
                &ledger,
                &map,
                &csv.display().to_string(),
                &csv_text,
            )?;
            let target = &journal[0];
            // All or nothing: the journals with the new transactions appended
            // must load and check exactly as `oneplace ledger check` would
            // (balance assertions later in the journal included) before
            // anything is written.
            let combined = if outcome.added > 0 {
                let mut text = text_of(target)?;
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push('\n');
                text.push_str(&outcome.journal_text);
                check_with(&journal, &text)?;
                Some(text)
            } else {
                None
            };
            if dry_run {
                print!("{}", outcome.journal_text);
            } else if let Some(text) = combined {
                // The whole journal is rewritten through a temporary file, so
                // a failure leaves it as it was.
                write(Some(target), text.as_bytes())?;
            }
            eprintln!(
                "{} rows: {} added to {}{}, {} already posted",
                outcome.rows,
                outcome.added,
                target.display(),
                if dry_run {
                    " (dry run: nothing written)"
                } else {
                    ""
                },
                outcome.already_posted
            );
            Ok(())
        }
        Command::Balance {
            journals,
            format,
            out,
            table,
        } => {
            let ledger = read(&journals)?;
            let balances = oneplace_ledger::balances::balance_report(&ledger);
            let mut t = Table::new(&[("account", "Account"), ("balance", "Balance")]);
            for (account, amount) in &balances {
                t.push(vec![account.as_str().into(), Cell::Money(*amount)]);
            }
            let doc =
                Document::new("Balances").with_section(Section::new("balances", "By account", t));
            let json = serde_json::Value::Object(
                balances
                    .iter()
                    .map(|(a, m)| (a.clone(), serde_json::json!(m.to_pounds_f64())))
                    .collect(),
            );
            emit(&doc, json, format, table.as_deref(), out.as_deref())
        }
        Command::Report {
            kind,
            journals,
            period,
            format,
            out,
            table,
        } => {
            let ledger = read(&journals)?;
            match kind {
                ReportKind::Monitoring => {
                    let p = period_of(&ledger, period.as_deref())?;
                    let r = report::monitoring(&ledger, p);
                    emit(
                        &document::monitoring_document(&ledger, &r),
                        json(&r),
                        format,
                        table.as_deref(),
                        out.as_deref(),
                    )
                }
                ReportKind::IncomeExpenditure => {
                    let p = period_of(&ledger, period.as_deref())?;
                    let r = report::income_expenditure(&ledger, p);
                    emit(
                        &document::income_expenditure_document(&ledger, &r),
                        json(&r),
                        format,
                        table.as_deref(),
                        out.as_deref(),
                    )
                }
                ReportKind::Partners => {
                    let p = period_of(&ledger, period.as_deref())?;
                    let r = report::partner_positions(&ledger, p);
                    emit(
                        &document::partners_document(&ledger, &r),
                        json(&r),
                        format,
                        table.as_deref(),
                        out.as_deref(),
                    )
                }
                ReportKind::Accounts => {
                    let year = match period.as_deref() {
                        Some(t) => FinancialYear::parse(t)
                            .or_else(|_| Period::parse(t).map(|p| p.year()))
                            .map_err(|e| Failure::Usage(format!("--period: {e}")))?,
                        None => period_of(&ledger, None)?.year(),
                    };
                    let r = report::partner_accounts(&ledger, year);
                    emit(
                        &document::accounts_document(&ledger, &r),
                        json(&r),
                        format,
                        table.as_deref(),
                        out.as_deref(),
                    )
                }
                ReportKind::AnnualReturn => {
                    let year = match period.as_deref() {
                        Some(t) => FinancialYear::parse(t)
                            .or_else(|_| Period::parse(t).map(|p| p.year()))
                            .map_err(|e| Failure::Usage(format!("--period: {e}")))?,
                        None => period_of(&ledger, None)?.year(),
                    };
                    let r = report::annual_return(&ledger, year);
                    emit(
                        &document::annual_return_document(&ledger, &r),
                        json(&r),
                        format,
                        table.as_deref(),
                        out.as_deref(),
                    )
                }
            }
        }
    }
}

fn json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("reports serialise")
}
