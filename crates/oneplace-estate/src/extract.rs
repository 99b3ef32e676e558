//! A partner's extract, CSV or XLSX, as a grid of cell texts that know
//! where they are: `row 12, column 'GIA (m2)'` in a CSV file, `sheet
//! 'Property', cell H12` in a workbook.

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx};
use oneplace_core::{Diagnostic, InputError, Location};

/// The file's kind, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractFormat {
    Csv,
    Xlsx,
}

impl ExtractFormat {
    /// `.xlsx` (any case) is a workbook; anything else is read as CSV.
    pub fn of(file_name: &str) -> ExtractFormat {
        if file_name.to_ascii_lowercase().ends_with(".xlsx") {
            ExtractFormat::Xlsx
        } else {
            ExtractFormat::Csv
        }
    }
}

/// One cell: its text (trimmed, white space collapsed), or the Excel error
/// it holds (`#N/A`).
pub type CellValue = Result<String, String>;

/// The extract's header and data rows.
#[derive(Clone, Debug)]
pub struct Grid {
    file: Arc<str>,
    /// The worksheet, for a workbook.
    sheet: Option<String>,
    /// The header row's number (from 1).
    pub header_row: u64,
    pub headers: Vec<String>,
    /// Data rows that are not blank, with their row numbers (from 1).
    pub rows: Vec<(u64, Vec<CellValue>)>,
}

impl Grid {
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where a cell is. `column` counts from 0.
    pub fn at(&self, row: u64, column: usize) -> Location {
        match &self.sheet {
            Some(sheet) => Location::Cell {
                file: self.file.clone(),
                sheet: sheet.clone(),
                cell: Location::cell_name(row.saturating_sub(1) as u32, column as u32),
            },
            None => Location::Row {
                file: self.file.clone(),
                row,
                column: self.headers.get(column).cloned(),
            },
        }
    }

    /// Where a row is, as a whole.
    pub fn row_at(&self, row: u64) -> Location {
        match &self.sheet {
            Some(sheet) => Location::Cell {
                file: self.file.clone(),
                sheet: sheet.clone(),
                cell: format!("row {row}"),
            },
            None => Location::Row {
                file: self.file.clone(),
                row,
                column: None,
            },
        }
    }

    /// Whether cell locations name the column already (CSV) or need the
    /// header named in the message (a workbook's `H12`).
    pub fn is_workbook(&self) -> bool {
        self.sheet.is_some()
    }
}

/// The line a CSV record starts on. The reader's position is where it
/// began reading the record, before any blank lines it skipped.
pub(crate) fn record_line(text: &str, position: Option<&csv::Position>) -> u64 {
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

fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads an extract. `file` names it in messages; `header_row` counts from
/// 1; `sheet` picks a workbook's sheet (the first when `None`).
pub fn read_extract(
    file: &str,
    bytes: &[u8],
    format: ExtractFormat,
    sheet: Option<&str>,
    header_row: u32,
) -> Result<Grid, InputError> {
    let name: Arc<str> = Arc::from(file);
    match format {
        ExtractFormat::Csv => read_csv(name, bytes, header_row),
        ExtractFormat::Xlsx => read_xlsx(name, bytes, sheet, header_row),
    }
}

fn read_csv(file: Arc<str>, bytes: &[u8], header_row: u32) -> Result<Grid, InputError> {
    let whole = |message: String| -> InputError {
        Diagnostic::new(Location::File { file: file.clone() }, message).into()
    };
    let text = std::str::from_utf8(bytes).map_err(|_| {
        whole(
            "the extract is not UTF-8 text: save it from Excel as \"CSV UTF-8\", or give the .xlsx"
                .into(),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Grid {
        file: file.clone(),
        sheet: None,
        header_row: u64::from(header_row),
        headers: Vec::new(),
        rows: Vec::new(),
    };
    let mut diags = Vec::new();
    let mut found_header = false;
    // Rows are the file's lines, as a spreadsheet numbers them (the csv
    // reader skips blank lines, so records are not counted).
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line());
                diags.push(Diagnostic::new(
                    grid.row_at(row),
                    format!("the row cannot be read: {e}"),
                ));
                continue;
            }
        };
        let row = record_line(text, record.position());
        if row < grid.header_row {
            continue;
        }
        if !found_header {
            grid.headers = record.iter().map(tidy).collect();
            grid.header_row = row;
            found_header = true;
            continue;
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != grid.headers.len() {
            diags.push(
                Diagnostic::new(
                    grid.row_at(row),
                    format!(
                        "the row has {} fields but the header row has {}",
                        record.len(),
                        grid.headers.len()
                    ),
                )
                .expected(format!("{} comma-separated fields", grid.headers.len())),
            );
            continue;
        }
        grid.rows
            .push((row, record.iter().map(|f| Ok(tidy(f))).collect()));
    }
    if !found_header {
        return Err(whole(format!(
            "the extract has nothing from row {} on: expected its header row there",
            grid.header_row
        )));
    }
    InputError::check(diags)?;
    Ok(grid)
}

/// A number as its shortest faithful text: whole numbers without a point,
/// others to nine decimal places at most, so that `0.1 + 0.2` computed in a
/// sheet reads `0.3`.
fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        crate::record::trimmed(x, 9)
    }
}

fn cell_value(d: Option<&Data>) -> CellValue {
    match d {
        None | Some(Data::Empty) => Ok(String::new()),
        Some(Data::String(s)) => Ok(tidy(s)),
        Some(Data::Int(i)) => Ok(i.to_string()),
        Some(Data::Float(f)) => Ok(number_text(*f)),
        Some(Data::Bool(b)) => Ok(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Some(Data::DateTime(d)) => Ok(d.to_string()),
        Some(Data::DateTimeIso(s) | Data::DurationIso(s)) => Ok(s.clone()),
        Some(Data::Error(e)) => Err(e.to_string()),
    }
}

fn read_xlsx(
    file: Arc<str>,
    bytes: &[u8],
    sheet: Option<&str>,
    header_row: u32,
) -> Result<Grid, InputError> {
    let whole = |message: String, expected: &str| -> InputError {
        Diagnostic::new(Location::File { file: file.clone() }, message)
            .expected(expected)
            .into()
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        whole(
            format!("cannot read the file as an Excel workbook: {e}"),
            "an .xlsx workbook saved from Excel",
        )
    })?;
    let names = workbook.sheet_names();
    let sheet_name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(s.trim()))
            })
            .cloned()
            .ok_or_else(|| {
                whole(
                    format!("the workbook has no sheet '{s}'"),
                    &format!("one of its sheets: {}", names.join(", ")),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| whole("the workbook has no sheets".into(), "a sheet of sites"))?,
    };
    let range = workbook.worksheet_range(&sheet_name).map_err(|e| {
        whole(
            format!("cannot read sheet '{sheet_name}': {e}"),
            "a readable worksheet",
        )
    })?;
    let mut grid = Grid {
        file: file.clone(),
        sheet: Some(sheet_name.clone()),
        header_row: u64::from(header_row),
        headers: Vec::new(),
        rows: Vec::new(),
    };
    let Some((last_row, last_column)) = range.end() else {
        return Err(whole(
            format!("sheet '{sheet_name}' is empty"),
            "a header row and a row per site",
        ));
    };
    let header = header_row - 1;
    if header > last_row {
        return Err(whole(
            format!("sheet '{sheet_name}' has no row {header_row}: expected its header row there"),
            "header_row in the mapping set to the row holding the column names",
        ));
    }
    let mut diags = Vec::new();
    for c in 0..=last_column {
        match cell_value(range.get_value((header, c))) {
            Ok(t) => grid.headers.push(t),
            Err(e) => {
                diags.push(Diagnostic::new(
                    grid.at(u64::from(header_row), c as usize),
                    format!("the header cell holds the Excel error {e}"),
                ));
                grid.headers.push(String::new());
            }
        }
    }
    // Trailing columns with no header and no data are not columns.
    while grid.headers.last().is_some_and(String::is_empty) {
        grid.headers.pop();
    }
    InputError::check(diags)?;
    for r in header + 1..=last_row {
        let cells: Vec<CellValue> = (0..grid.headers.len() as u32)
            .map(|c| cell_value(range.get_value((r, c))))
            .collect();
        if cells.iter().all(|c| matches!(c, Ok(t) if t.is_empty())) {
            continue;
        }
        grid.rows.push((u64::from(r) + 1, cells));
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_sheets_read_as_written() {
        assert_eq!(number_text(1250.0), "1250");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-0.485_123), "-0.485123");
        assert_eq!(number_text(52.634_120_000_1), "52.63412");
    }

    #[test]
    fn csv_rows_are_numbered_like_a_spreadsheet() {
        let text = "Title line\n\nRef,Name\nA1,One\n,\nA2,\"Two,  with comma\"\n";
        let g = read_extract("x.csv", text.as_bytes(), ExtractFormat::Csv, None, 3).unwrap();
        assert_eq!(g.headers, vec!["Ref", "Name"]);
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[1].0, 6);
        assert_eq!(g.rows[1].1[1], Ok("Two, with comma".to_string()));
        assert_eq!(g.at(6, 1).to_string(), "x.csv: row 6, column 'Name'");
    }

    #[test]
    fn workbooks_are_read_by_cell() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Estate").unwrap();
        sheet.write_string(0, 0, "Property register").unwrap();
        sheet.write_string(2, 0, "Ref").unwrap();
        sheet.write_string(2, 1, "GIA").unwrap();
        sheet.write_string(3, 0, "C-01").unwrap();
        sheet.write_number(3, 1, 1250.5).unwrap();
        sheet.write_string(5, 0, "C-02").unwrap();
        sheet.write_number(5, 1, 300.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let g = read_extract("c.xlsx", &bytes, ExtractFormat::Xlsx, Some("estate"), 3).unwrap();
        assert_eq!(g.headers, vec!["Ref", "GIA"]);
        assert_eq!(g.rows.len(), 2);
        assert_eq!(
            g.rows[0].1,
            vec![Ok("C-01".to_string()), Ok("1250.5".to_string())]
        );
        assert_eq!(g.rows[1].0, 6);
        assert_eq!(g.at(6, 1).to_string(), "c.xlsx: sheet 'Estate', cell B6");
        let missing =
            read_extract("c.xlsx", &bytes, ExtractFormat::Xlsx, Some("Assets"), 1).unwrap_err();
        assert!(
            missing.to_string().contains("no sheet 'Assets'"),
            "{missing}"
        );
    }
}
