//! Reading the CSV files of this crate: a header row naming the columns,
//! then one record a row. Every problem names the file, the row (the
//! header is row 1, counted in lines of the file) and the column.

use std::sync::Arc;

use oneplace_core::{Diagnostic, FinancialYear, InputError, Location};

/// A CSV file read into rows of trimmed text, with the header's columns.
pub(crate) struct CsvTable {
    pub file: Arc<str>,
    pub header: Vec<String>,
    pub rows: Vec<CsvRow>,
}

/// One record and the line it starts on.
pub(crate) struct CsvRow {
    pub row: u64,
    pub cells: Vec<String>,
}

impl CsvTable {
    /// Reads `text`. A file that cannot be read as CSV at all, or has no
    /// header, is an error here; the callers check the columns.
    pub fn read(file: &str, text: &str) -> Result<CsvTable, InputError> {
        let name: Arc<str> = Arc::from(file);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        let mut header: Option<Vec<String>> = None;
        let mut diags = Vec::new();
        for record in reader.records() {
            match record {
                Ok(r) => {
                    let row = record_line(text, r.position());
                    let cells: Vec<String> = r.iter().map(|c| c.trim().to_string()).collect();
                    if cells.iter().all(String::is_empty) {
                        continue;
                    }
                    if header.is_none() {
                        header = Some(cells);
                    } else {
                        rows.push(CsvRow { row, cells });
                    }
                }
                Err(e) => {
                    let row = e.position().map_or(0, |p| p.line());
                    diags.push(Diagnostic::new(
                        Location::Row {
                            file: name.clone(),
                            row,
                            column: None,
                        },
                        format!("the row cannot be read as CSV: {e}"),
                    ));
                }
            }
        }
        InputError::check(diags)?;
        let Some(header) = header else {
            return Err(Diagnostic::new(
                Location::File { file: name },
                "the file is empty: there is no header row",
            )
            .into());
        };
        Ok(CsvTable {
            file: name,
            header,
            rows,
        })
    }

    /// The location of a row, with a column when one is named.
    pub fn at(&self, row: u64, column: Option<&str>) -> Location {
        Location::Row {
            file: self.file.clone(),
            row,
            column: column.map(str::to_string),
        }
    }

    /// The index of each required column, reporting missing and repeated
    /// columns. `others` lists further columns allowed; any other column is
    /// an error, so a misspelt column is never silently ignored.
    pub fn columns(
        &self,
        required: &[&str],
        optional: &[&str],
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Option<usize>> {
        let all: Vec<&str> = required.iter().chain(optional).copied().collect();
        let mut seen: Vec<&str> = Vec::new();
        for h in &self.header {
            if seen.contains(&h.as_str()) {
                diags.push(
                    Diagnostic::new(self.at(1, Some(h)), format!("column '{h}' appears twice"))
                        .expected("each column once"),
                );
            }
            seen.push(h);
            if !all.contains(&h.as_str()) {
                diags.push(
                    Diagnostic::new(self.at(1, Some(h)), format!("unknown column '{h}'"))
                        .expected(format!("the columns {}", all.join(", "))),
                );
            }
        }
        for r in required {
            if !self.header.iter().any(|h| h == r) {
                diags.push(
                    Diagnostic::new(self.at(1, None), format!("the header has no column '{r}'"))
                        .expected(format!("the columns {}", all.join(", "))),
                );
            }
        }
        all.iter()
            .map(|c| self.header.iter().position(|h| h == c))
            .collect()
    }
}

impl CsvRow {
    /// The trimmed text of column `i` (empty when the row is short).
    pub fn get(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.cells.get(i)).map_or("", String::as_str)
    }
}

/// Reads a financial year from a cell, or reports it.
pub(crate) fn year_cell(
    t: &CsvTable,
    r: &CsvRow,
    column: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<FinancialYear> {
    match FinancialYear::parse(text) {
        Ok(y) => Some(y),
        Err(e) => {
            diags.push(
                Diagnostic::new(t.at(r.row, Some(column)), e.to_string())
                    .expected("a financial year such as 2013/14"),
            );
            None
        }
    }
}

/// The line a CSV record starts on. The reader's position is where it
/// began reading the record, before any blank lines it skipped.
fn record_line(text: &str, position: Option<&csv::Position>) -> u64 {
    let Some(p) = position else { return 0 };
    let skipped = text
        .as_bytes()
        .get(p.byte() as usize..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .filter(|b| **b == b'\n')
        .count();
    p.line() + skipped as u64
}

/// `amount × numerator ÷ denominator` in pence, halves rounded up (away
/// from zero for positive amounts), in exact integer arithmetic.
pub(crate) fn mul_div_round(pence: i64, numerator: i64, denominator: i64) -> i64 {
    debug_assert!(denominator > 0);
    let n = i128::from(pence) * i128::from(numerator);
    let d = i128::from(denominator);
    let q = if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    };
    q as i64
}

/// Text written as a percentage (`"5%"`): refused where a number of
/// percentage points or of a rate's units is meant, since it would read
/// as a fraction (0.05).
pub(crate) fn is_percent_text(v: &oneplace_core::toml_input::Value) -> bool {
    matches!(v, oneplace_core::toml_input::Value::Text(t) if t.trim().ends_with('%'))
}

/// A share as whole millionths (`0.2` is 200,000), the exact form every
/// split here works in.
pub(crate) fn millionths(share: f64) -> i64 {
    (share * 1_000_000.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up_in_pence() {
        assert_eq!(mul_div_round(1, 1, 2), 1);
        assert_eq!(mul_div_round(5, 1, 6), 1);
        assert_eq!(mul_div_round(2, 1, 6), 0);
        assert_eq!(mul_div_round(3, 1, 6), 1);
        assert_eq!(mul_div_round(-3, 1, 6), -1);
        assert_eq!(mul_div_round(120_000, 1, 6), 20_000);
    }

    #[test]
    fn rows_are_counted_in_lines_with_the_header_as_row_1() {
        let t = CsvTable::read("f.csv", "a,b\n1,2\n\n3,4\n").unwrap();
        assert_eq!(t.header, vec!["a", "b"]);
        assert_eq!(t.rows[0].row, 2);
        assert_eq!(t.rows[1].row, 4);
    }
}
