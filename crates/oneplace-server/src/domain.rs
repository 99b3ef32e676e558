//! The bridge to the domain crates: documents from the store are read with
//! the same readers the command line uses, and reports come from the same
//! report functions. Nothing here computes a figure of its own.

use oneplace_appraise::{Appraisal, read_toml, report as appraise_report};
use oneplace_ledger::report::{self, Monitoring};
use oneplace_ledger::{Journal, Ledger, load};
use oneplace_refdata::ReferenceData;
use oneplace_report::{Cell, Document};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A journal document read into a ledger. The error is the reader's own
/// message, naming the line.
pub fn ledger(name: &str, text: &str) -> Result<Ledger, String> {
    load(&[Journal { name, text }]).map_err(|e| e.to_string())
}

/// The monitoring report for a period (`None`: the ledger's latest month
/// with postings, as the command line does).
pub fn monitoring(ledger: &Ledger, period: Option<&str>) -> Result<Monitoring, String> {
    let p = match period {
        Some(t) => oneplace_core::Period::parse(t).map_err(|e| format!("period: {e}"))?,
        None => report::default_period(ledger)
            .ok_or_else(|| "the ledger has no postings to report on".to_string())?,
    };
    Ok(report::monitoring(ledger, p))
}

pub fn monitoring_document(ledger: &Ledger, m: &Monitoring) -> Document {
    report::document::monitoring_document(ledger, m)
}

pub fn monitoring_json(m: &Monitoring) -> serde_json::Value {
    serde_json::to_value(m).expect("reports serialise")
}

/// An appraisal model document evaluated.
///
/// Reading and validating a model is most of a page's time (some 0.3 ms
/// each, and the appraisal list reads every model of the place), so the
/// result is remembered for the exact text it was made from: the
/// evaluation is a pure function of the text and the reference data, and
/// a changed document is a different text, read afresh.
pub fn appraisal(name: &str, text: &str, data: &ReferenceData) -> Result<Appraisal, String> {
    type Memo = HashMap<(String, usize), (String, Result<Appraisal, String>)>;
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    /// Models remembered at most (each a few kilobytes).
    const KEPT: usize = 256;
    let key = (name.to_string(), std::ptr::from_ref(data) as usize);
    let memo = MEMO.get_or_init(Mutex::default);
    if let Some((t, r)) = memo.lock().expect("the memo's lock").get(&key)
        && t == text
    {
        return r.clone();
    }
    let result = read_toml(name, text, data)
        .map_err(|e| e.to_string())
        .map(|model| oneplace_appraise::evaluate(&model, data));
    let mut m = memo.lock().expect("the memo's lock");
    if m.len() >= KEPT {
        m.clear();
    }
    m.insert(key, (text.to_string(), result.clone()));
    result
}

pub fn appraisal_document(a: &Appraisal) -> Document {
    appraise_report::document(a)
}

pub fn appraisal_json(a: &Appraisal) -> serde_json::Value {
    appraise_report::to_json(a)
}

/// A report table ready for a template: headings, and cells as the text
/// writer shows them, marked numeric (right-aligned) or not.
#[derive(Serialize)]
pub struct HtmlSection {
    pub id: String,
    pub title: String,
    pub notes: Vec<String>,
    pub headings: Vec<HtmlHeading>,
    pub rows: Vec<Vec<HtmlCell>>,
}

#[derive(Serialize)]
pub struct HtmlHeading {
    pub text: String,
    pub numeric: bool,
}

#[derive(Serialize)]
pub struct HtmlCell {
    pub text: String,
    pub numeric: bool,
    /// Cells holding a flag (`OVER`, `UNDER`) are emphasised.
    pub flag: bool,
    /// A link from the cell (a row's figures to the postings behind them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

#[derive(Serialize)]
pub struct HtmlDocument {
    pub title: String,
    pub notes: Vec<String>,
    pub sections: Vec<HtmlSection>,
}

/// A domain report as the pages show it. The first column of each table
/// is the row's header (`th scope="row"`); numeric columns are those whose
/// cells are numbers.
pub fn html_document(doc: &Document) -> HtmlDocument {
    HtmlDocument {
        title: doc.title.clone(),
        notes: doc.notes.clone(),
        sections: doc
            .sections
            .iter()
            .map(|s| {
                let numeric_column = |c: usize| {
                    s.table
                        .rows
                        .iter()
                        .any(|r| r.get(c).is_some_and(Cell::is_numeric))
                };
                HtmlSection {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    notes: s.notes.clone(),
                    headings: s
                        .table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| HtmlHeading {
                            text: c.heading.clone(),
                            numeric: numeric_column(i),
                        })
                        .collect(),
                    rows: s
                        .table
                        .rows
                        .iter()
                        .map(|r| {
                            (0..s.table.columns.len())
                                .map(|i| {
                                    let cell = r.get(i).unwrap_or(&Cell::Empty);
                                    let text = cell.to_string();
                                    HtmlCell {
                                        flag: s.table.columns[i].key == "flag" && !text.is_empty(),
                                        numeric: cell.is_numeric(),
                                        text,
                                        href: None,
                                    }
                                })
                                .collect()
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}
