//! Importing a partner's property extract into the register.
//!
//! # Rules
//!
//! * **All or nothing.** Any problem in the header or in any row gives an
//!   [`InputError`] listing every problem with its file, row and column
//!   (`sheet 'Property', cell H12` in a workbook, with the column's header
//!   in the message), and no register.
//! * **Idempotent.** A site is identified by its partner and the partner's
//!   reference (`police/KM-01`). A row whose site is in the register with
//!   the same values is counted as unchanged: importing the same extract
//!   twice changes nothing, and the register file is not rewritten.
//! * **Changes are refused unless asked for.** A row for a known site with
//!   different values is an error naming each changed field, old and new,
//!   unless the import is an update (`--update`), which replaces them and
//!   reports each change. Only the fields the mapping reads are compared
//!   and replaced; the register keeps the rest (services added by hand, a
//!   market value from a valuation report).
//! * **Never deletes.** An extract may be partial; a partner's sites not in
//!   it stay in the register and are listed, so a disposal is seen and
//!   removed from the register deliberately.
//! * Two rows for the same site in one extract are an error.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use oneplace_core::{Diagnostic, InputError, Location};
use serde::Serialize;

use crate::extract::Grid;
use crate::mapping::Mapping;
use crate::model::{Place, Register, Site, SiteId};
use crate::record::{CellText, Field, RowCells, area_problem, copy_field, field_text, parse_site};

/// One field an update changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The register column.
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

/// A known site whose values an update replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub site: SiteId,
    /// The extract's row.
    pub row: u64,
    pub fields: Vec<FieldChange>,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportOutcome {
    /// The register after the import.
    #[serde(skip)]
    pub register: Register,
    /// Data rows in the extract.
    pub rows: usize,
    pub added: Vec<SiteId>,
    pub unchanged: usize,
    /// Changes made (only in an update; otherwise a change is an error).
    pub changed: Vec<Change>,
    /// The partners' sites in the register that the extract does not list
    /// (kept).
    pub not_in_extract: Vec<SiteId>,
}

impl ImportOutcome {
    /// Whether the register differs from the one imported into.
    pub fn changes_register(&self) -> bool {
        !self.added.is_empty() || !self.changed.is_empty()
    }
}

/// Header text compared loosely: white space collapsed, case ignored when
/// no header matches exactly.
fn find_column(headers: &[String], name: &str) -> Option<usize> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    headers
        .iter()
        .position(|h| *h == name)
        .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(&name)))
}

/// Imports an extract into the register (see the module documentation for
/// the rules). `update` accepts changed values for known sites.
pub fn import(
    place: &Place,
    register: &Register,
    mapping: &Mapping,
    grid: &Grid,
    update: bool,
) -> Result<ImportOutcome, InputError> {
    let mut diags = Vec::new();
    let mut columns: BTreeMap<Field, Vec<usize>> = BTreeMap::new();
    for (field, names) in &mapping.columns {
        for name in names {
            match find_column(&grid.headers, name) {
                Some(i) => columns.entry(*field).or_default().push(i),
                None => diags.push(
                    Diagnostic::new(
                        grid.row_at(grid.header_row),
                        format!(
                            "the header row (row {}) has no column '{name}' (columns.{} in {})",
                            grid.header_row,
                            field.key(),
                            mapping.name
                        ),
                    )
                    .expected(format!(
                        "one of the header row's columns: {}",
                        grid.headers
                            .iter()
                            .filter(|h| !h.is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ),
            }
        }
    }
    InputError::check(std::mem::take(&mut diags))?;
    let mapped: BTreeSet<Field> = columns.keys().copied().collect();

    let known: HashMap<SiteId, &Site> = register.sites.iter().map(|s| (s.id(), s)).collect();
    let mut seen: HashMap<SiteId, u64> = HashMap::new();
    let mut partners_seen: BTreeSet<String> = mapping.partner.iter().cloned().collect();
    let mut added: Vec<Site> = Vec::new();
    let mut replaced: HashMap<SiteId, Site> = HashMap::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;

    for (row, values) in &grid.rows {
        let row = *row;
        let before = diags.len();
        let mut cells = RowCells::new();
        // A workbook's cell (H12) does not say which column it is: the
        // message does.
        let mut headers_of: HashMap<Location, &str> = HashMap::new();
        for (field, indexes) in &columns {
            for &i in indexes {
                let at = grid.at(row, i);
                if grid.is_workbook() {
                    headers_of.insert(at.clone(), grid.headers[i].as_str());
                }
                match &values[i] {
                    Ok(text) => cells.entry(*field).or_default().push(CellText {
                        text: text.clone(),
                        at,
                    }),
                    Err(e) => diags.push(
                        Diagnostic::new(at, format!("the cell holds the Excel error {e}"))
                            .expected(format!("a value for {}", field.key())),
                    ),
                }
            }
        }
        let site = if diags.len() > before {
            None
        } else {
            parse_site(
                &cells,
                &mapping.reading,
                mapping.partner.as_deref(),
                place,
                &grid.row_at(row),
                &mut diags,
            )
        };
        for d in &mut diags[before..] {
            if let Some(header) = headers_of.get(&d.location) {
                d.message = format!("column '{header}': {}", d.message);
            }
        }
        let Some(site) = site else { continue };
        let id = site.id();
        let reference_at = || {
            let at = cells[&Field::Reference][0].at.clone();
            let prefix = headers_of
                .get(&at)
                .map(|h| format!("column '{h}': "))
                .unwrap_or_default();
            (at, prefix)
        };
        if let Some(first) = seen.insert(id.clone(), row) {
            let (at, prefix) = reference_at();
            diags.push(
                Diagnostic::new(
                    at,
                    format!(
                        "{prefix}site '{id}' appears twice in the extract (first at row {first})"
                    ),
                )
                .expected("one row per site"),
            );
            continue;
        }
        partners_seen.insert(site.partner.clone());
        let Some(old) = known.get(&id) else {
            added.push(site);
            continue;
        };
        let fields: Vec<FieldChange> = mapped
            .iter()
            .filter(|f| **f != Field::Partner && **f != Field::Reference)
            .filter_map(|f| {
                let (old, new) = (field_text(old, *f), field_text(&site, *f));
                (old != new).then_some(FieldChange {
                    field: f.column(),
                    old,
                    new,
                })
            })
            .collect();
        if fields.is_empty() {
            unchanged += 1;
            continue;
        }
        let first_changed = Field::from_column(fields[0].field).expect("a register column");
        let at = cells
            .get(&first_changed)
            .and_then(|c| c.first())
            .map_or_else(|| grid.row_at(row), |c| c.at.clone());
        if !update {
            let list: Vec<String> = fields
                .iter()
                .map(|c| format!("{} {} → {}", c.field, shown(&c.old), shown(&c.new)))
                .collect();
            diags.push(
                Diagnostic::new(
                    at,
                    format!(
                        "site '{id}' is already in the register with other values: {}",
                        list.join("; ")
                    ),
                )
                .expected("the register's values, or an update (--update) to replace them"),
            );
            continue;
        }
        let mut merged = (*old).clone();
        for f in &mapped {
            copy_field(&mut merged, &site, *f);
        }
        if let Some((message, expected)) = area_problem(&merged) {
            diags.push(
                Diagnostic::new(at, format!("site '{id}' after the update: {message}"))
                    .expected(expected),
            );
            continue;
        }
        replaced.insert(id.clone(), merged);
        changed.push(Change {
            site: id,
            row,
            fields,
        });
    }
    InputError::check(diags)?;

    let not_in_extract: Vec<SiteId> = register
        .sites
        .iter()
        .map(Site::id)
        .filter(|id| partners_seen.contains(&id.partner) && !seen.contains_key(id))
        .collect();
    let added_ids: Vec<SiteId> = added.iter().map(Site::id).collect();
    let mut new_register = Register {
        sites: register
            .sites
            .iter()
            .map(|s| replaced.remove(&s.id()).unwrap_or_else(|| s.clone()))
            .chain(added)
            .collect(),
    };
    new_register.sort(place);
    Ok(ImportOutcome {
        register: new_register,
        rows: grid.rows.len(),
        added: added_ids,
        unchanged,
        changed,
        not_in_extract,
    })
}

fn shown(text: &str) -> &str {
    if text.is_empty() { "(blank)" } else { text }
}
