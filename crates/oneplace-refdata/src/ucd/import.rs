//! Importing the Unit Cost Database from its original workbook, and the CSV
//! table oneplace ships.
//!
//! The importer reads every entry of the seven theme sheets (values are the
//! workbook's cached results, so derived cells such as `=3308/40` come in as
//! numbers, with the formula kept for the record) and the GDP deflator series
//! of the 'Lookups' sheet. It refuses a workbook whose layout differs from
//! the one it knows, naming the cell, rather than guessing.

use std::io::{Read, Seek};
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx};
use oneplace_core::{FinancialYear, Location};
use serde::{Deserialize, Serialize};

use super::hierarchy::{RelationOverride, link_parents};
use super::{ParentLink, Rag, Relation, Tier, UnitCost, UnitValue, ValueKind};
use crate::deflator::DeflatorVintage;

/// A correction oneplace applies to one cell of the workbook, with the reason.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Correction {
    pub sheet: String,
    pub row: u32,
    pub field: String,
    pub value: String,
    pub reason: String,
}

pub fn parse_corrections(csv_text: &str) -> Result<Vec<Correction>, String> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("corrections row {}: {e}", i + 2)))
        .collect()
}

/// What the importer takes from a workbook.
#[derive(Debug)]
pub struct ImportedWorkbook {
    pub entries: Vec<UnitCost>,
    pub deflators: DeflatorVintage,
    /// The workbook's 'current year' (Lookups!K11): its cached uprated values
    /// are in this year's prices.
    pub current_year: FinancialYear,
}

// Theme-sheet columns (zero-based), as in v1.4.
const COL_CATEGORY: u32 = 0;
const COL_DETAIL: u32 = 1;
const COL_CODE: u32 = 2;
const COL_DESCRIPTION: u32 = 3;
const COL_UNIT: u32 = 4;
const COL_AGENCY1: u32 = 5;
const COL_AGENCY2: u32 = 6;
/// (value, year, uprated) columns for fiscal, economic and social.
const VALUE_COLS: [(u32, u32, u32); 3] = [(7, 8, 9), (10, 11, 12), (13, 14, 15)];
const COL_SOURCE: u32 = 16;
const COL_RAG: u32 = 17;
const COL_COMMENT: u32 = 18;
const COL_REVISION: u32 = 19;
const COL_REVISION_NOTE: u32 = 20;
const FIRST_ROW: u32 = 2;

/// The headings the importer expects on each theme sheet (row 1 and row 2),
/// so that a workbook with another layout is refused, not misread.
const EXPECTED_HEADINGS: &[(u32, u32, &str)] = &[
    (0, COL_CATEGORY, "Outcome category"),
    (0, COL_CODE, "Cost code"),
    (0, COL_UNIT, "Unit"),
    (1, COL_AGENCY1, "Level 1"),
    (1, COL_AGENCY2, "Level 2"),
    (1, 7, "Estimated cost/saving"),
    (1, 8, "Year"),
    (1, 10, "Estimated cost/saving"),
    (1, 13, "Estimated cost/saving"),
    (0, COL_SOURCE, "Original source"),
    (0, COL_RAG, "RAG assessment"),
    (0, COL_COMMENT, "Comment"),
];

/// The theme sheets, in workbook order.
pub const THEME_SHEETS: [&str; 7] = [
    "Crime",
    "Education & Skills",
    "Employment & Economy",
    "Fire",
    "Health",
    "Housing",
    "Social Services",
];

/// Reads a workbook file. See [`import_reader`].
pub fn import_workbook(
    path: &Path,
    corrections: &[Correction],
    overrides: &[RelationOverride],
) -> Result<ImportedWorkbook, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    import_reader(
        &path.display().to_string(),
        std::io::BufReader::new(file),
        corrections,
        overrides,
    )
}

/// Reads every entry and the deflator series from a workbook, applies
/// `corrections`, and links the hierarchy (relations inferred in the
/// workbook's current-year prices, or from `overrides`).
pub fn import_reader<R: Read + Seek>(
    name: &str,
    reader: R,
    corrections: &[Correction],
    overrides: &[RelationOverride],
) -> Result<ImportedWorkbook, String> {
    let mut workbook: Xlsx<R> = Xlsx::new(reader).map_err(|e| format!("{name}: {e}"))?;
    let lookups = workbook
        .worksheet_range("Lookups")
        .map_err(|e| format!("{name}: sheet 'Lookups': {e}"))?;
    let (deflators, current_year) = read_lookups(name, &lookups)?;
    let mut entries = Vec::new();
    let mut used = vec![false; corrections.len()];
    for sheet in THEME_SHEETS {
        let values = workbook
            .worksheet_range(sheet)
            .map_err(|e| format!("{name}: sheet '{sheet}': {e}"))?;
        let formulas = workbook
            .worksheet_formula(sheet)
            .map_err(|e| format!("{name}: sheet '{sheet}': {e}"))?;
        read_theme(
            name,
            sheet,
            &values,
            &formulas,
            corrections,
            &mut used,
            &mut entries,
        )?;
    }
    if let Some(i) = used.iter().position(|u| !u) {
        let c = &corrections[i];
        return Err(format!(
            "correction for sheet '{}' row {} ({}) matches no entry",
            c.sheet, c.row, c.field
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for e in &entries {
        if !seen.insert(super::normalise_code(&e.code)) {
            return Err(format!(
                "{name}: sheet '{}' row {}: code {} appears twice",
                e.theme, e.row, e.code
            ));
        }
    }
    link_parents(&mut entries, &deflators, current_year, overrides)?;
    Ok(ImportedWorkbook {
        entries,
        deflators,
        current_year,
    })
}

fn cell_text(range: &Range<Data>, row: u32, col: u32) -> Option<String> {
    match range.get_value((row, col))? {
        Data::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Data::Float(f) => Some(f.to_string()),
        Data::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn cell_number(range: &Range<Data>, row: u32, col: u32) -> Option<f64> {
    match range.get_value((row, col))? {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn place(name: &str, sheet: &str, row: u32, col: u32) -> String {
    Location::Cell {
        file: name.into(),
        sheet: sheet.to_string(),
        cell: Location::cell_name(row, col),
    }
    .to_string()
}

fn read_theme(
    name: &str,
    sheet: &str,
    values: &Range<Data>,
    formulas: &Range<String>,
    corrections: &[Correction],
    used: &mut [bool],
    out: &mut Vec<UnitCost>,
) -> Result<(), String> {
    for &(row, col, heading) in EXPECTED_HEADINGS {
        let found = cell_text(values, row, col).unwrap_or_default();
        if !found.eq_ignore_ascii_case(heading) {
            return Err(format!(
                "{}: expected the heading '{heading}', found '{found}': this importer knows the v1.4 layout",
                place(name, sheet, row, col)
            ));
        }
    }
    let last_row = values.end().map_or(0, |(r, _)| r);
    for row in FIRST_ROW..=last_row {
        if cell_text(values, row, COL_CATEGORY).as_deref() == Some("Do not delete rows") {
            break;
        }
        let description = cell_text(values, row, COL_DESCRIPTION);
        let raw_code = cell_text(values, row, COL_CODE);
        if description.is_none() && raw_code.is_none() {
            continue;
        }
        let excel_row = row + 1;
        let mut correction_note = None;
        let mut code = raw_code;
        for (i, c) in corrections.iter().enumerate() {
            if c.sheet == sheet && c.row == excel_row {
                used[i] = true;
                match c.field.as_str() {
                    "code" => code = Some(c.value.clone()),
                    other => {
                        return Err(format!("correction for an unsupported field '{other}'"));
                    }
                }
                correction_note = Some(format!("{} set to {}: {}", c.field, c.value, c.reason));
            }
        }
        let code = code.ok_or_else(|| {
            format!(
                "{}: the entry has no cost code; add a correction to data/unit-costs/corrections.csv",
                place(name, sheet, row, COL_CODE)
            )
        })?;
        let mut kinds: [Option<UnitValue>; 3] = [None, None, None];
        for (k, &(vc, yc, uc)) in VALUE_COLS.iter().enumerate() {
            let Some(value) = cell_number(values, row, vc) else {
                if let Some(text) = cell_text(values, row, vc) {
                    return Err(format!(
                        "{}: '{text}' is not a number",
                        place(name, sheet, row, vc)
                    ));
                }
                continue;
            };
            let year_text = cell_text(values, row, yc).ok_or_else(|| {
                format!(
                    "{}: a value without a price year",
                    place(name, sheet, row, yc)
                )
            })?;
            let price_year = FinancialYear::parse(&year_text)
                .map_err(|e| format!("{}: {e}", place(name, sheet, row, yc)))?;
            let formula = formulas
                .get_value((row, vc))
                .filter(|f| !f.is_empty())
                .map(|f| format!("={}", f.trim_start_matches('=')));
            kinds[k] = Some(UnitValue {
                value,
                price_year,
                formula,
                workbook_uprated: cell_number(values, row, uc),
            });
        }
        let rag = match cell_text(values, row, COL_RAG) {
            None => None,
            Some(t) => Some(Rag::parse(&t).ok_or_else(|| {
                format!(
                    "{}: RAG rating '{t}' (expected R, A or G)",
                    place(name, sheet, row, COL_RAG)
                )
            })?),
        };
        let agency = |col| cell_text(values, row, col).filter(|s| s != "-");
        out.push(UnitCost {
            code,
            theme: sheet.to_string(),
            row: excel_row,
            category: cell_text(values, row, COL_CATEGORY).unwrap_or_default(),
            detail: cell_text(values, row, COL_DETAIL).unwrap_or_default(),
            description: description.unwrap_or_default(),
            unit: cell_text(values, row, COL_UNIT).unwrap_or_default(),
            agency_level1: agency(COL_AGENCY1),
            agency_level2: agency(COL_AGENCY2),
            values: kinds,
            source: cell_text(values, row, COL_SOURCE).unwrap_or_default(),
            rag,
            comment: cell_text(values, row, COL_COMMENT).unwrap_or_default(),
            revision: cell_text(values, row, COL_REVISION),
            revision_note: cell_text(values, row, COL_REVISION_NOTE),
            correction: correction_note,
            parent: None,
        });
    }
    Ok(())
}

/// Finds the GDP deflator table (headed 'Year' and '% change on previous
/// year') and the 'Current Year' cell on the Lookups sheet.
fn read_lookups(
    name: &str,
    range: &Range<Data>,
) -> Result<(DeflatorVintage, FinancialYear), String> {
    // used_cells() counts from the range's start; get_value() is absolute.
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let find = |text: &str| {
        range.used_cells().find_map(|(r, c, v)| match v {
            Data::String(s) if s.trim().eq_ignore_ascii_case(text) => {
                Some((r as u32 + r0, c as u32 + c0))
            }
            _ => None,
        })
    };
    let (hr, hc) = find("% change on previous year").ok_or_else(|| {
        format!("{name}: sheet 'Lookups': no '% change on previous year' heading")
    })?;
    let year_col = hc - 1;
    let forecast_col = hc.saturating_sub(2);
    let mut first = None;
    let mut changes = Vec::new();
    let mut forecast_from = None;
    let mut row = hr + 1;
    while let Some(year_text) = cell_text(range, row, year_col) {
        let Ok(year) = FinancialYear::parse(&year_text) else {
            break;
        };
        let change = cell_number(range, row, hc).ok_or_else(|| {
            format!(
                "{}: expected a percentage change",
                place(name, "Lookups", row, hc)
            )
        })?;
        if let Some(f) = first {
            let expected = FinancialYear::offset(f, changes.len() as i32);
            if year != expected {
                return Err(format!(
                    "{}: year {year}, expected {expected}",
                    place(name, "Lookups", row, year_col)
                ));
            }
        }
        first.get_or_insert(year);
        if forecast_from.is_none() && cell_text(range, row, forecast_col).as_deref() == Some("f") {
            forecast_from = Some(year);
        }
        changes.push(change);
        row += 1;
    }
    let first =
        first.ok_or_else(|| format!("{name}: sheet 'Lookups': the deflator table is empty"))?;
    let (cr, cc) = find("Current Year")
        .ok_or_else(|| format!("{name}: sheet 'Lookups': no 'Current Year' cell"))?;
    let current_text = cell_text(range, cr + 2, cc)
        .or_else(|| cell_text(range, cr + 1, cc))
        .ok_or_else(|| format!("{}: no current year", place(name, "Lookups", cr + 2, cc)))?;
    let current_year = FinancialYear::parse(&current_text)
        .map_err(|e| format!("{}: {e}", place(name, "Lookups", cr + 2, cc)))?;
    Ok((
        DeflatorVintage::new("hmt-march-2015", first, changes, forecast_from),
        current_year,
    ))
}

/// One row of the shipped CSV table.
#[derive(Serialize, Deserialize)]
struct TableRow {
    code: String,
    theme: String,
    row: u32,
    category: String,
    detail: String,
    description: String,
    unit: String,
    agency_level1: Option<String>,
    agency_level2: Option<String>,
    fiscal_value: Option<f64>,
    fiscal_price_year: Option<FinancialYear>,
    fiscal_formula: Option<String>,
    fiscal_workbook_uprated: Option<f64>,
    economic_value: Option<f64>,
    economic_price_year: Option<FinancialYear>,
    economic_formula: Option<String>,
    economic_workbook_uprated: Option<f64>,
    social_value: Option<f64>,
    social_price_year: Option<FinancialYear>,
    social_formula: Option<String>,
    social_workbook_uprated: Option<f64>,
    source: String,
    rag: Option<Rag>,
    comment: String,
    revision: Option<String>,
    revision_note: Option<String>,
    correction: Option<String>,
    parent: Option<String>,
    tier: Option<Tier>,
    relation: Option<Relation>,
    relation_basis: Option<String>,
    relation_overridden: Option<bool>,
}

/// Writes entries as the shipped CSV table. Floats are written in their
/// shortest exact form, so the table reads back bit for bit.
pub fn write_table(entries: &[UnitCost]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for e in entries {
        let v = |k: ValueKind| e.value(k);
        let row = TableRow {
            code: e.code.clone(),
            theme: e.theme.clone(),
            row: e.row,
            category: e.category.clone(),
            detail: e.detail.clone(),
            description: e.description.clone(),
            unit: e.unit.clone(),
            agency_level1: e.agency_level1.clone(),
            agency_level2: e.agency_level2.clone(),
            fiscal_value: v(ValueKind::Fiscal).map(|x| x.value),
            fiscal_price_year: v(ValueKind::Fiscal).map(|x| x.price_year),
            fiscal_formula: v(ValueKind::Fiscal).and_then(|x| x.formula.clone()),
            fiscal_workbook_uprated: v(ValueKind::Fiscal).and_then(|x| x.workbook_uprated),
            economic_value: v(ValueKind::Economic).map(|x| x.value),
            economic_price_year: v(ValueKind::Economic).map(|x| x.price_year),
            economic_formula: v(ValueKind::Economic).and_then(|x| x.formula.clone()),
            economic_workbook_uprated: v(ValueKind::Economic).and_then(|x| x.workbook_uprated),
            social_value: v(ValueKind::Social).map(|x| x.value),
            social_price_year: v(ValueKind::Social).map(|x| x.price_year),
            social_formula: v(ValueKind::Social).and_then(|x| x.formula.clone()),
            social_workbook_uprated: v(ValueKind::Social).and_then(|x| x.workbook_uprated),
            source: e.source.clone(),
            rag: e.rag,
            comment: e.comment.clone(),
            revision: e.revision.clone(),
            revision_note: e.revision_note.clone(),
            correction: e.correction.clone(),
            parent: e.parent.as_ref().map(|p| p.parent.clone()),
            tier: e.parent.as_ref().map(|p| p.tier),
            relation: e.parent.as_ref().map(|p| p.relation),
            relation_basis: e.parent.as_ref().map(|p| p.basis.clone()),
            relation_overridden: e.parent.as_ref().map(|p| p.overridden),
        };
        w.serialize(row).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Reads the shipped CSV table.
pub fn parse_table(csv_text: &str) -> Result<Vec<UnitCost>, String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<TableRow>().enumerate() {
        let r = row.map_err(|e| format!("unit cost table row {}: {e}", i + 2))?;
        let value = |v: Option<f64>,
                     y: Option<FinancialYear>,
                     f: Option<String>,
                     u: Option<f64>| match (v, y) {
            (Some(value), Some(price_year)) => Ok(Some(UnitValue {
                value,
                price_year,
                formula: f,
                workbook_uprated: u,
            })),
            (None, None) => Ok(None),
            _ => Err(format!(
                "unit cost table row {}: a value needs both an amount and a price year",
                i + 2
            )),
        };
        let parent = match (r.parent, r.tier, r.relation) {
            (Some(parent), Some(tier), Some(relation)) => Some(ParentLink {
                parent,
                tier,
                relation,
                basis: r.relation_basis.unwrap_or_default(),
                overridden: r.relation_overridden.unwrap_or(false),
            }),
            (None, None, None) => None,
            _ => {
                return Err(format!(
                    "unit cost table row {}: parent, tier and relation go together",
                    i + 2
                ));
            }
        };
        out.push(UnitCost {
            code: r.code,
            theme: r.theme,
            row: r.row,
            category: r.category,
            detail: r.detail,
            description: r.description,
            unit: r.unit,
            agency_level1: r.agency_level1,
            agency_level2: r.agency_level2,
            values: [
                value(
                    r.fiscal_value,
                    r.fiscal_price_year,
                    r.fiscal_formula,
                    r.fiscal_workbook_uprated,
                )?,
                value(
                    r.economic_value,
                    r.economic_price_year,
                    r.economic_formula,
                    r.economic_workbook_uprated,
                )?,
                value(
                    r.social_value,
                    r.social_price_year,
                    r.social_formula,
                    r.social_workbook_uprated,
                )?,
            ],
            source: r.source,
            rag: r.rag,
            comment: r.comment,
            revision: r.revision,
            revision_note: r.revision_note,
            correction: r.correction,
            parent,
        });
    }
    Ok(out)
}
