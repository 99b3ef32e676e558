//! `oneplace deal …`: check a reform deal, write its document, balance it.

use std::path::{Path, PathBuf};

use oneplace_deal::document::{deal_document, render_html, render_markdown};
use oneplace_deal::{FileSystem, LoadError, LoadedDeal, Stale, balance as deal_balance, document};
use oneplace_refdata::ReferenceData;
use oneplace_report::{Document, render_text};

use crate::output::{check_binary_destination, json_bytes, render, write};
use crate::{Failure, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read a deal, load every appraisal, ledger and measurement it cites,
    /// pull every figure (a broken or stale link is an error), pool the
    /// readiness responses and balance it.
    Check {
        deal: PathBuf,
        /// Re-pin every quoted figure to what its source gives now: the
        /// deal file is rewritten whole or not at all, every other line kept.
        #[arg(long)]
        refresh: bool,
    },
    /// Write the deal document: summary, asks and offers, terms, who pays
    /// and who benefits, gain-share over time, readiness and the evidence
    /// appendix.
    Build {
        deal: PathBuf,
        /// The document: .html, .md or .pdf (written whole or not at all).
        /// Without it, Markdown goes to standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The format, when the file name does not say.
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
    },
    /// What every party gives and gets under the deal, in present values;
    /// who is worse off; the gain-share that leaves everyone whole.
    Balance {
        deal: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One table only (for CSV): balance or gain_share.
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DocFormat {
    Html,
    Markdown,
    Pdf,
    /// Aligned text tables.
    Text,
}

fn load(deal: &Path, stale: Stale) -> Result<LoadedDeal, Failure> {
    oneplace_deal::load(deal, &FileSystem, ReferenceData::embedded(), stale).map_err(|e| match e {
        LoadError::Input(e) => Failure::Input(e),
        LoadError::Internal(m) => Failure::Internal(m),
    })
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check { deal, refresh } => check(&deal, refresh),
        Command::Build { deal, out, format } => build(&deal, out.as_deref(), format),
        Command::Balance {
            deal,
            format,
            out,
            table,
        } => balance(&deal, format, out.as_deref(), table.as_deref()),
    }
}

fn check(path: &Path, refresh: bool) -> Result<(), Failure> {
    let d = if refresh {
        let d = load(path, Stale::Allow)?;
        let (text, changed) = oneplace_deal::refresh::repin(&d.text, &d.deal, &d.figures);
        if changed > 0 {
            write(Some(path), text.as_bytes())?;
        }
        for f in &d.figures {
            let was = f.quoted.map_or("not pinned".to_string(), |q| {
                d.deal
                    .link(&f.link)
                    .map_or(q.to_string(), |l| oneplace_deal::evidence::show(q, l.show))
            });
            if f.quoted.is_none() || f.is_stale() {
                println!("re-pinned {}: {was} → {}", f.link, f.shown);
            }
        }
        println!(
            "{changed} pin{} rewritten in {}",
            if changed == 1 { "" } else { "s" },
            path.display()
        );
        // The rewritten deal must now load as it stands.
        load(path, Stale::Refuse)?
    } else {
        load(path, Stale::Refuse)?
    };
    print!("{}", summary(&d));
    Ok(())
}

/// `1 ledger`, `2 ledgers`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// What `deal check` says of a sound deal.
fn summary(d: &LoadedDeal) -> String {
    let deal = &d.deal;
    let pinned = d.figures.iter().filter(|f| f.quoted.is_some()).count();
    let mut out = format!(
        "ok: {}: {} partners, {} counterparties, {} asks, {} offers\n",
        deal.name,
        deal.partners.len(),
        deal.counterparties.len(),
        deal.asks.len(),
        deal.offers.len()
    );
    out.push_str(&format!(
        "evidence: {} to {}, {} and {}, {pinned} pinned, none stale\n",
        count(d.figures.len(), "link"),
        count(deal.appraisals.len(), "appraisal"),
        count(deal.ledgers.len(), "ledger"),
        count(deal.measurements.len(), "measurement"),
    ));
    for f in &d.figures {
        out.push_str(&format!(
            "  {} = {} ({} {})\n",
            f.link,
            f.shown,
            f.files.join(", "),
            f.figure
        ));
    }
    if let Some(r) = &d.readiness {
        out.push_str(&format!(
            "readiness: {} responses, mean score {}, tier {} ({}){}\n",
            r.responses.len(),
            r.overall.map_or("n/a".into(), |o| format!("{o:.2}")),
            r.tier,
            r.tier_name,
            if r.ahead_of_readiness.is_empty() {
                String::new()
            } else {
                format!(
                    "; ahead of readiness: {}",
                    r.ahead_of_readiness
                        .iter()
                        .map(|(a, t)| format!("{a} (tier {t})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
    let b = &d.balance;
    out.push_str(&format!(
        "balance: worse off: {}; gain-share leaving everyone whole: {}\n",
        if b.worse_off.is_empty() {
            "nobody".to_string()
        } else {
            b.worse_off.join(", ")
        },
        document::whole_text(&b.whole)
    ));
    out
}

fn doc_format(out: Option<&Path>, format: Option<DocFormat>) -> Result<DocFormat, Failure> {
    if let Some(f) = format {
        return Ok(f);
    }
    let Some(out) = out else {
        return Ok(DocFormat::Markdown);
    };
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => Ok(DocFormat::Html),
        Some("md" | "markdown") => Ok(DocFormat::Markdown),
        Some("pdf") => Ok(DocFormat::Pdf),
        Some("txt") => Ok(DocFormat::Text),
        _ => Err(Failure::Usage(format!(
            "{}: say the format with --format html|markdown|pdf|text, or name the file .html, .md, .pdf or .txt",
            out.display()
        ))),
    }
}

fn build(path: &Path, out: Option<&Path>, format: Option<DocFormat>) -> Result<(), Failure> {
    let format = doc_format(out, format)?;
    if format == DocFormat::Pdf
        && out.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(Failure::Usage(
            "a PDF is binary: give --out FILE.pdf (or redirect standard output)".into(),
        ));
    }
    let d = load(path, Stale::Refuse)?;
    let doc = deal_document(&d);
    // Everything is rendered before anything is written.
    let bytes = match format {
        DocFormat::Html => render_html(&doc).into_bytes(),
        DocFormat::Markdown => render_markdown(&doc).into_bytes(),
        DocFormat::Text => render_text(&doc.tables()).into_bytes(),
        DocFormat::Pdf => oneplace_deal::pdf::render_pdf(&doc).map_err(Failure::Internal)?,
    };
    write(out, &bytes)?;
    if let Some(out) = out {
        eprintln!(
            "deal document written to {} ({} asks, {} offers, {} evidence links)",
            out.display(),
            d.deal.asks.len(),
            d.deal.offers.len(),
            d.figures.len()
        );
    }
    Ok(())
}

fn balance(
    path: &Path,
    format: Format,
    out: Option<&Path>,
    table: Option<&str>,
) -> Result<(), Failure> {
    check_binary_destination(format, out)?;
    let d = load(path, Stale::Refuse)?;
    let b: &deal_balance::Balance = &d.balance;
    let bytes = if format == Format::Json {
        if table.is_some() {
            return Err(Failure::Usage(
                "--table selects a table of the table, csv or xlsx output; JSON has every table"
                    .into(),
            ));
        }
        json_bytes(&oneplace_deal::balance::to_json(b))
    } else {
        let doc = Document::new(format!("Deal balance: {}", d.deal.name))
            .with_note(format!(
                "Present values from {}, Green Book {} schedule, year 0 undiscounted.",
                b.first_year, b.discount_schedule
            ))
            .with_section(document::balance_section(&d.deal, b))
            .with_section(document::flows_section(&d.deal, b));
        render(&doc, format, table)?
    };
    write(out, &bytes)
}
