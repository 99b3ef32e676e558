//! The register file: every partner's sites in one canonical CSV.
//!
//! One row per site, the columns of [`Field::ALL`] in that order
//! (`docs/estate-register.md` describes each). The register is written
//! only by [`write_register`], in one form: sites ordered by partner (as
//! the place file lists them) and reference, areas in m² and hectares,
//! money in pounds with two decimals, utilisation as a percentage. People
//! may edit it by hand; reading it applies every check an import does.

use std::collections::HashMap;
use std::sync::Arc;

use oneplace_core::{Diagnostic, InputError, Location};

use crate::model::{Place, Register, SiteId};
use crate::record::{CellText, Field, Reading, RowCells, field_text, parse_site};

/// Reads a register. `file` names it in messages. An empty file is an
/// empty register.
pub fn read_register(place: &Place, file: &str, text: &str) -> Result<Register, InputError> {
    let name: Arc<str> = Arc::from(file);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Ok(Register::default());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let row_at = |row: u64, column: Option<String>| Location::Row {
        file: name.clone(),
        row,
        column,
    };
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(Diagnostic::new(
                row_at(1, None),
                format!("the header row cannot be read: {e}"),
            )
            .into());
        }
        None => return Ok(Register::default()),
    };
    let mut diags = Vec::new();
    let mut columns: Vec<(usize, Field)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        match Field::from_column(h) {
            Some(f) if columns.iter().any(|(_, g)| *g == f) => diags.push(
                Diagnostic::new(
                    row_at(1, Some(h.to_string())),
                    format!("column '{h}' appears twice"),
                )
                .expected("each column once"),
            ),
            Some(f) => columns.push((i, f)),
            None => diags.push(
                Diagnostic::new(
                    row_at(1, Some(h.to_string())),
                    format!("unknown column '{h}'"),
                )
                .expected(format!("the register's columns: {}", all_columns())),
            ),
        }
    }
    for f in Field::ALL.into_iter().filter(|f| f.required()) {
        if !columns.iter().any(|(_, g)| *g == f) {
            diags.push(
                Diagnostic::new(
                    row_at(1, None),
                    format!("the header row has no column '{}'", f.column()),
                )
                .expected(format!("the register's columns: {}", all_columns())),
            );
        }
    }
    InputError::check(std::mem::take(&mut diags))?;

    let reading = Reading::register();
    let mut register = Register::default();
    let mut seen: HashMap<SiteId, u64> = HashMap::new();
    for record in records {
        // Rows are the file's lines (the reader skips blank ones).
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line());
                diags.push(Diagnostic::new(
                    row_at(row, None),
                    format!("the row cannot be read: {e}"),
                ));
                continue;
            }
        };
        let row = crate::extract::record_line(text, record.position());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            diags.push(
                Diagnostic::new(
                    row_at(row, None),
                    format!(
                        "the row has {} fields but the header row has {}",
                        record.len(),
                        header.len()
                    ),
                )
                .expected(format!("{} comma-separated fields", header.len())),
            );
            continue;
        }
        let mut cells = RowCells::new();
        for (c, f) in &columns {
            cells.insert(
                *f,
                vec![CellText {
                    text: record.get(*c).unwrap_or("").trim().to_string(),
                    at: row_at(row, Some(f.column().to_string())),
                }],
            );
        }
        let Some(site) = parse_site(
            &cells,
            &reading,
            None,
            place,
            &row_at(row, None),
            &mut diags,
        ) else {
            continue;
        };
        let id = site.id();
        if let Some(first) = seen.get(&id) {
            diags.push(
                Diagnostic::new(
                    row_at(row, Some(Field::Reference.column().to_string())),
                    format!("site '{id}' appears twice (first at row {first})"),
                )
                .expected("one row per site: a partner's references are unique"),
            );
            continue;
        }
        seen.insert(id, row);
        register.sites.push(site);
    }
    InputError::check(diags)?;
    register.sort(place);
    Ok(register)
}

fn all_columns() -> String {
    Field::ALL.map(Field::column).join(", ")
}

/// The register as its canonical CSV: the same register always gives the
/// same bytes.
pub fn write_register(register: &Register) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record(Field::ALL.map(Field::column))
        .expect("writing to memory");
    for site in &register.sites {
        out.write_record(Field::ALL.map(|f| field_text(site, f)))
            .expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("writing to memory")).expect("UTF-8 fields")
}
