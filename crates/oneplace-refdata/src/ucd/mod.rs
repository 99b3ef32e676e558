//! The Unit Cost Database: prices for some 680 outcomes across crime,
//! education, employment, fire, health, housing and social services.
//!
//! The table is imported from the original workbook ([`import`]) and shipped
//! as CSV; [`UnitCostDatabase::parse`] reads it back. The hierarchy is not
//! uniformly additive, so each child records how it relates to its parent
//! ([`Relation`]), inferred from the figures unless an override says
//! otherwise, with the basis kept for the record.

pub mod hierarchy;
pub mod import;

use std::collections::HashMap;
use std::fmt;

use oneplace_core::FinancialYear;
use serde::{Deserialize, Serialize};

use crate::deflator::{DeflatorVintage, YearOutOfRange};

/// The three kinds of value the database (and the appraisal) distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Costs or savings to the public sector.
    Fiscal,
    /// Net increase in earnings or growth in the local economy.
    Economic,
    /// Wider gains to society: health, safety, attainment.
    Social,
}

impl ValueKind {
    pub const ALL: [ValueKind; 3] = [ValueKind::Fiscal, ValueKind::Economic, ValueKind::Social];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Fiscal => "fiscal",
            ValueKind::Economic => "economic",
            ValueKind::Social => "social",
        }
    }

    pub fn parse(s: &str) -> Option<ValueKind> {
        ValueKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The workbook's red/amber/green rating of how robust a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rag {
    #[serde(rename = "R")]
    Red,
    #[serde(rename = "A")]
    Amber,
    #[serde(rename = "G")]
    Green,
}

impl Rag {
    pub fn parse(s: &str) -> Option<Rag> {
        match s.trim() {
            "R" => Some(Rag::Red),
            "A" => Some(Rag::Amber),
            "G" => Some(Rag::Green),
            _ => None,
        }
    }

    pub fn letter(self) -> &'static str {
        match self {
            Rag::Red => "R",
            Rag::Amber => "A",
            Rag::Green => "G",
        }
    }
}

/// One value of an entry: the estimate, the year of its prices, and (for
/// the record) how the workbook derived it and what it cached as uprated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitValue {
    pub value: f64,
    pub price_year: FinancialYear,
    /// The workbook's formula when the value cell was one (`=3308/40`).
    pub formula: Option<String>,
    /// The uprated value the workbook cached, in its current year's prices.
    pub workbook_uprated: Option<f64>,
}

/// Where an entry sits under its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// `X.n` under the headline `X.0`: a related line in the same area.
    Subsidiary,
    /// `X.n.m` under `X.n`: a line the parent is derived from.
    Constituent,
}

/// How a parent's children relate to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The children add up to the parent: each is a part of it.
    Component,
    /// The children are alternatives (the parent is an average or a typical
    /// case): no two of them describe the same event together.
    Variant,
    /// The children cover only part of the parent.
    Partial,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Component => "component",
            Relation::Variant => "variant",
            Relation::Partial => "partial",
        }
    }

    pub fn parse(s: &str) -> Option<Relation> {
        match s.trim() {
            "component" => Some(Relation::Component),
            "variant" => Some(Relation::Variant),
            "partial" => Some(Relation::Partial),
            _ => None,
        }
    }
}

/// An entry's place in the hierarchy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParentLink {
    pub parent: String,
    pub tier: Tier,
    pub relation: Relation,
    /// Why this relation: the sums compared, or the override's reason.
    pub basis: String,
    pub overridden: bool,
}

/// One entry of the database.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitCost {
    pub code: String,
    /// The theme sheet it came from (`Crime`, `Health`, ...).
    pub theme: String,
    /// Its row on that sheet (1-based, as Excel shows it).
    pub row: u32,
    pub category: String,
    pub detail: String,
    pub description: String,
    pub unit: String,
    /// Agency bearing the cost or making the saving, as the workbook writes it.
    pub agency_level1: Option<String>,
    pub agency_level2: Option<String>,
    /// Indexed by [`ValueKind::index`].
    pub values: [Option<UnitValue>; 3],
    pub source: String,
    pub rag: Option<Rag>,
    pub comment: String,
    /// The v1.4 revision marker (`New`, `Update`) and the note on it.
    pub revision: Option<String>,
    pub revision_note: Option<String>,
    /// A correction oneplace made to the workbook's row, if any.
    pub correction: Option<String>,
    pub parent: Option<ParentLink>,
}

impl UnitCost {
    pub fn value(&self, kind: ValueKind) -> Option<&UnitValue> {
        self.values[kind.index()].as_ref()
    }

    /// The description on one line (the workbook's cells hold line breaks).
    pub fn title(&self) -> String {
        self.description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `kind`'s value re-expressed in `to` prices with `deflators`.
    pub fn uprated(
        &self,
        kind: ValueKind,
        deflators: &DeflatorVintage,
        to: FinancialYear,
    ) -> Option<Result<f64, YearOutOfRange>> {
        self.value(kind)
            .map(|v| deflators.uprate(v.value, v.price_year, to))
    }
}

/// The database: entries in workbook order, indexed by code.
#[derive(Clone, Debug)]
pub struct UnitCostDatabase {
    pub edition: String,
    entries: Vec<UnitCost>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
}

impl UnitCostDatabase {
    pub fn new(edition: impl Into<String>, entries: Vec<UnitCost>) -> UnitCostDatabase {
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (normalise_code(&e.code), i))
            .collect();
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(link) = &e.parent {
                children
                    .entry(normalise_code(&link.parent))
                    .or_default()
                    .push(i);
            }
        }
        UnitCostDatabase {
            edition: edition.into(),
            entries,
            by_code,
            children,
        }
    }

    pub fn entries(&self) -> &[UnitCost] {
        &self.entries
    }

    /// Looks an entry up by code, ignoring case and surrounding space.
    pub fn get(&self, code: &str) -> Option<&UnitCost> {
        self.by_code
            .get(&normalise_code(code))
            .map(|&i| &self.entries[i])
    }

    /// The entries directly under `code`, in workbook order.
    pub fn children(&self, code: &str) -> Vec<&UnitCost> {
        self.children
            .get(&normalise_code(code))
            .map(|v| v.iter().map(|&i| &self.entries[i]).collect())
            .unwrap_or_default()
    }

    /// The chain of parents of `code`, nearest first.
    pub fn ancestors(&self, code: &str) -> Vec<&UnitCost> {
        let mut out = Vec::new();
        let mut current = self.get(code);
        while let Some(entry) = current.and_then(|e| e.parent.as_ref()) {
            current = self.get(&entry.parent);
            if let Some(p) = current {
                out.push(p);
            }
        }
        out
    }

    /// Codes that look like `code` (for "did you mean" in messages).
    pub fn similar_codes(&self, code: &str) -> Vec<&str> {
        let wanted = normalise_code(code);
        let stem = wanted.split('.').next().unwrap_or("");
        let mut out: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| {
                let c = normalise_code(&e.code);
                c.split('.').next() == Some(stem)
            })
            .map(|e| e.code.as_str())
            .collect();
        out.truncate(8);
        out
    }

    /// Entries matching every word (case-insensitive) in their code,
    /// description, category, detail, unit or agencies, best matches first:
    /// words in the description count most, then the category and detail.
    pub fn search(&self, words: &[&str]) -> Vec<&UnitCost> {
        let words: Vec<String> = words
            .iter()
            .flat_map(|w| w.split_whitespace())
            .map(str::to_lowercase)
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(u32, usize)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let description = e.description.to_lowercase();
            let heading = format!("{} {}", e.category, e.detail).to_lowercase();
            let other = format!(
                "{} {} {} {}",
                e.code,
                e.unit,
                e.agency_level1.as_deref().unwrap_or(""),
                e.agency_level2.as_deref().unwrap_or("")
            )
            .to_lowercase();
            let mut score = 0;
            let mut all = true;
            for w in &words {
                let s = u32::from(description.contains(w.as_str())) * 3
                    + u32::from(heading.contains(w.as_str())) * 2
                    + u32::from(other.contains(w.as_str()));
                if s == 0 {
                    all = false;
                    break;
                }
                score += s;
            }
            if all {
                scored.push((score, i));
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| &self.entries[i]).collect()
    }
}

pub(crate) fn normalise_code(code: &str) -> String {
    code.trim().to_uppercase()
}

pub use import::{parse_table, write_table};
