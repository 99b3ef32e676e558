//! A real Excel workbook: one sheet per section, numbers stored as numbers.
//!
//! Finance officers take these figures into their own models, so every
//! quantity is written as an Excel number with a number format (never as
//! text that looks like a number), and pounds keep their full precision:
//! the `£#,##0.00` format rounds for display only, as in any spreadsheet.

use std::collections::HashSet;

use rust_xlsxwriter::{ColNum, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet};

use crate::cell::finite;
use crate::{Cell, Document, MAX_DECIMALS, ReportError, Section, Table};

/// Excel's limit on a sheet name, in UTF-16 code units.
const SHEET_NAME_MAX: usize = 31;
/// Characters Excel forbids in sheet names.
const SHEET_NAME_FORBIDDEN: [char; 7] = ['[', ']', ':', '*', '?', '/', '\\'];
/// A name Excel reserves for itself; treated as already taken.
const RESERVED_SHEET_NAME: &str = "history";
/// Column width limits, in Excel character units.
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

const MONEY_FORMAT: &str = "£#,##0.00;-£#,##0.00";
const RATIO_FORMAT: &str = "0.00";
const PERCENT_FORMAT: &str = "0.0%";
const INTEGER_FORMAT: &str = "0";

/// Renders the document as an XLSX workbook and returns its bytes.
///
/// Each section becomes one worksheet, in order, named by [`sheet_names`].
/// A sheet holds, from row 1: the section title in bold; the document title,
/// document notes and section notes, one per row; a blank row; the header
/// row of column headings (bold, bottom border); the data. Panes are frozen
/// below the header so it stays visible while scrolling, and columns are
/// sized to their content (8 to 60 characters).
///
/// Cell types: pounds and money are numbers formatted `£#,##0.00`, ratios
/// `0.00`, percentages the fraction formatted `0.0%`, numbers with their
/// decimals, integers `0`; years and text are text; empty cells and
/// non-finite numbers are left empty.
///
/// A document with no sections still produces a valid workbook: one sheet
/// with its title and notes.
pub fn render_xlsx(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    if doc.sections.is_empty() {
        let name = unique_sheet_names([(doc.title.as_str(), "report")])
            .pop()
            .unwrap_or_else(|| "Report".to_string());
        let sheet = workbook.add_worksheet().set_name(name)?;
        write_preamble(sheet, &doc.title, preamble_lines(doc, None), &formats)?;
    }
    for (section, name) in doc.sections.iter().zip(sheet_names(doc)) {
        let sheet = workbook.add_worksheet().set_name(name)?;
        write_section(sheet, doc, section, &formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The worksheet name of each section, in order: the section title made
/// valid for Excel (see [`sanitise_sheet_name`]), falling back to the section
/// id and then `Sheet<n>` when nothing usable is left, and made unique
/// (case-insensitively, as Excel compares them) by appending ` (2)`, ` (3)`…
pub fn sheet_names(doc: &Document) -> Vec<String> {
    unique_sheet_names(
        doc.sections
            .iter()
            .map(|s| (s.title.as_str(), s.id.as_str())),
    )
}

/// Turns a title into a name Excel accepts: forbidden characters
/// `[]:*?/\` become `-` (so `2025/26` reads `2025-26`), control characters
/// and whitespace runs become one space, leading and trailing apostrophes
/// and spaces are removed, and the result is cut to 31 UTF-16 units. May
/// return an empty string, which the caller must replace.
pub fn sanitise_sheet_name(title: &str) -> String {
    let replaced: String = title
        .chars()
        .map(|c| match c {
            c if SHEET_NAME_FORBIDDEN.contains(&c) => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let collapsed = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    tidy_ends(truncate_utf16(tidy_ends(&collapsed), SHEET_NAME_MAX)).to_string()
}

/// Sheet names for `(title, fallback)` pairs, unique case-insensitively and
/// never Excel's reserved "History".
fn unique_sheet_names<'a>(candidates: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::from([RESERVED_SHEET_NAME.to_string()]);
    let mut names = Vec::new();
    for (i, (title, fallback)) in candidates.into_iter().enumerate() {
        let base = [title, fallback]
            .into_iter()
            .map(sanitise_sheet_name)
            .find(|name| !name.is_empty())
            .unwrap_or_else(|| format!("Sheet{}", i + 1));
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = SHEET_NAME_MAX - suffix.len();
            name = format!("{}{suffix}", tidy_ends(truncate_utf16(&base, room)));
            n += 1;
        }
        taken.insert(name.to_lowercase());
        names.push(name);
    }
    names
}

/// The longest prefix of `s` that fits in `max` UTF-16 code units (Excel's
/// unit for name lengths), cut on a character boundary.
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (at, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..at];
        }
    }
    s
}

fn tidy_ends(s: &str) -> &str {
    s.trim_matches(|c: char| c == '\'' || c.is_whitespace())
}

/// Formats shared by every sheet (rust_xlsxwriter de-duplicates them in the
/// file; building them once keeps the per-cell work small).
struct Formats {
    title: Format,
    header_left: Format,
    header_right: Format,
    money: Format,
    ratio: Format,
    percent: Format,
    integer: Format,
    /// Index = decimals, `0..=MAX_DECIMALS`.
    numbers: Vec<Format>,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_border_bottom(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold(),
            header_right: header.clone().set_align(FormatAlign::Right),
            header_left: header,
            money: Format::new().set_num_format(MONEY_FORMAT),
            ratio: Format::new().set_num_format(RATIO_FORMAT),
            percent: Format::new().set_num_format(PERCENT_FORMAT),
            integer: Format::new().set_num_format(INTEGER_FORMAT),
            numbers: (0..=MAX_DECIMALS)
                .map(|d| Format::new().set_num_format(number_format_code(d)))
                .collect(),
        }
    }

    fn number(&self, decimals: u8) -> &Format {
        // `numbers` has an entry for every decimals up to MAX_DECIMALS.
        &self.numbers[usize::from(decimals.min(MAX_DECIMALS))]
    }
}

/// `0`, `0.0`, `0.00`, … for a number with `decimals` places.
fn number_format_code(decimals: u8) -> String {
    if decimals == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(usize::from(decimals)))
    }
}

/// The plain rows under a sheet's bold title: document title, document
/// notes, then the section's notes.
fn preamble_lines<'a>(doc: &'a Document, section: Option<&'a Section>) -> Vec<&'a str> {
    let mut lines = Vec::new();
    if section.is_some() && !doc.title.is_empty() {
        lines.push(doc.title.as_str());
    }
    lines.extend(doc.notes.iter().map(String::as_str));
    if let Some(section) = section {
        lines.extend(section.notes.iter().map(String::as_str));
    }
    lines
}

/// Writes the bold title and the plain lines under it; returns the next
/// free row.
fn write_preamble(
    sheet: &mut Worksheet,
    title: &str,
    lines: Vec<&str>,
    formats: &Formats,
) -> Result<RowNum, ReportError> {
    sheet.write_string_with_format(0, 0, title, &formats.title)?;
    let mut row: RowNum = 1;
    for line in lines {
        sheet.write_string(row, 0, line)?;
        row += 1;
    }
    Ok(row)
}

fn write_section(
    sheet: &mut Worksheet,
    doc: &Document,
    section: &Section,
    formats: &Formats,
) -> Result<(), ReportError> {
    let table = &section.table;
    let after_preamble = write_preamble(
        sheet,
        &section.title,
        preamble_lines(doc, Some(section)),
        formats,
    )?;
    let header_row = after_preamble + 1; // one blank row
    for (c, column) in table.columns.iter().enumerate() {
        let col = col_num(c)?;
        let format = if table.is_numeric_column(c) {
            &formats.header_right
        } else {
            &formats.header_left
        };
        sheet.write_string_with_format(header_row, col, &column.heading, format)?;
        sheet.set_column_width(col, column_width(table, c))?;
    }
    for r in 0..table.rows.len() {
        let row = row_num(header_row, r)?;
        for (c, cell) in table.row_cells(r).enumerate() {
            write_cell(sheet, row, col_num(c)?, cell, formats)?;
        }
    }
    sheet.set_freeze_panes(header_row + 1, 0)?;
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), ReportError> {
    let number = |sheet: &mut Worksheet, v: f64, format: &Format| -> Result<(), ReportError> {
        if let Some(v) = finite(v) {
            sheet.write_number_with_format(row, col, v, format)?;
        }
        Ok(())
    };
    match cell {
        Cell::Empty => Ok(()),
        Cell::Text(text) => {
            sheet.write_string(row, col, text)?;
            Ok(())
        }
        Cell::Year(year) => {
            sheet.write_string(row, col, year.to_string())?;
            Ok(())
        }
        Cell::Pounds(v) => number(sheet, *v, &formats.money),
        Cell::Money(m) => number(sheet, m.to_pounds_f64(), &formats.money),
        Cell::Ratio(v) => number(sheet, *v, &formats.ratio),
        Cell::Percent(v) => number(sheet, *v, &formats.percent),
        Cell::Number { value, decimals } => number(sheet, *value, formats.number(*decimals)),
        // Excel holds every number as an f64; integers beyond 2^53 lose
        // precision there whatever we do.
        Cell::Integer(i) => number(sheet, *i as f64, &formats.integer),
    }
}

/// Width for column `c`: the longest of its heading and its cells as a
/// reader sees them (the text rendering approximates Excel's display), plus
/// a little padding, within 8..=60.
fn column_width(table: &Table, c: usize) -> u16 {
    let longest = (0..table.rows.len())
        .map(|r| table.cell(r, c).to_string().chars().count())
        .fold(
            table
                .columns
                .get(c)
                .map_or(0, |col| col.heading.chars().count()),
            usize::max,
        );
    let width = (longest + 2).clamp(MIN_WIDTH, MAX_WIDTH);
    u16::try_from(width).unwrap_or(u16::MAX)
}

fn col_num(c: usize) -> Result<ColNum, ReportError> {
    ColNum::try_from(c).map_err(|_| ReportError::Xlsx(format!("too many columns for Excel ({c})")))
}

fn row_num(header_row: RowNum, r: usize) -> Result<RowNum, ReportError> {
    RowNum::try_from(r)
        .ok()
        .and_then(|r| r.checked_add(header_row + 1))
        .ok_or_else(|| ReportError::Xlsx(format!("too many rows for Excel ({r})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Section, Table};
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    use oneplace_core::{FinancialYear, Money};
    use std::io::Cursor;

    fn sample() -> Document {
        let mut costs = Table::new(&[
            ("item", "Item"),
            ("year", "Year"),
            ("cost", "Cost"),
            ("share", "Share"),
            ("roi", "ROI"),
            ("people", "People"),
            ("rate", "Rate"),
        ]);
        costs.push(vec![
            "Staff".into(),
            Cell::Year(FinancialYear::starting(2025)),
            Cell::Pounds(1234.567),
            Cell::Percent(0.355),
            Cell::Ratio(1.8534),
            Cell::Integer(12),
            Cell::Number {
                value: 0.25,
                decimals: 3,
            },
        ]);
        costs.push(vec![
            "Refund".into(),
            Cell::Empty,
            Cell::Money(Money::from_pence(-500)),
            Cell::Percent(f64::NAN),
            Cell::Ratio(f64::INFINITY),
            Cell::Empty,
            Cell::Empty,
        ]);
        let mut other = Table::new(&[("a", "A")]);
        other.push(vec!["x".into()]);
        Document::new("Home First appraisal")
            .with_note("Prices 2025/26")
            .with_section(Section::new("costs", "Costs 2025/26", costs).with_note("By year"))
            .with_section(Section::new("costs_again", "costs 2025/26", other))
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn workbook_reads_back_with_typed_cells() {
        let mut book = open(render_xlsx(&sample()).unwrap());
        assert_eq!(book.sheet_names(), ["Costs 2025-26", "costs 2025-26 (2)"]);

        let range = book.worksheet_range("Costs 2025-26").unwrap();
        let at = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        // Title, document title, document note, section note, blank, header.
        assert_eq!(at(0, 0), Data::String("Costs 2025/26".into()));
        assert_eq!(at(1, 0), Data::String("Home First appraisal".into()));
        assert_eq!(at(2, 0), Data::String("Prices 2025/26".into()));
        assert_eq!(at(3, 0), Data::String("By year".into()));
        assert_eq!(at(4, 0), Data::Empty);
        let header: Vec<Data> = (0..7).map(|c| at(5, c)).collect();
        let expected: Vec<Data> = ["Item", "Year", "Cost", "Share", "ROI", "People", "Rate"]
            .into_iter()
            .map(|s| Data::String(s.into()))
            .collect();
        assert_eq!(header, expected);

        assert_eq!(at(6, 0), Data::String("Staff".into()));
        assert_eq!(at(6, 1), Data::String("2025/26".into()));
        // Full precision: the format, not the value, rounds to the penny.
        assert_eq!(at(6, 2), Data::Float(1234.567));
        assert_eq!(at(6, 3), Data::Float(0.355));
        assert_eq!(at(6, 4), Data::Float(1.8534));
        assert_eq!(at(6, 5), Data::Float(12.0));
        assert_eq!(at(6, 6), Data::Float(0.25));
        assert_eq!(at(7, 1), Data::Empty);
        assert_eq!(at(7, 2), Data::Float(-5.0));
        // Non-finite numbers leave the cell empty, not "NAN" text.
        assert_eq!(at(7, 3), Data::Empty);
        assert_eq!(at(7, 4), Data::Empty);
    }

    #[test]
    fn number_formats_and_header_style_are_applied() {
        let mut book = open(render_xlsx(&sample()).unwrap());
        let styles = book.worksheet_style("Costs 2025-26").unwrap();
        let code = |r: u32, c: u32| {
            styles
                .get((r, c))
                .and_then(|s| s.number_format.as_ref())
                .map(|f| f.format_code.clone())
        };
        assert_eq!(code(6, 2).as_deref(), Some(MONEY_FORMAT));
        assert_eq!(code(7, 2).as_deref(), Some(MONEY_FORMAT));
        assert_eq!(code(6, 3).as_deref(), Some(PERCENT_FORMAT));
        assert_eq!(code(6, 4).as_deref(), Some(RATIO_FORMAT));
        assert_eq!(code(6, 5).as_deref(), Some(INTEGER_FORMAT));
        assert_eq!(code(6, 6).as_deref(), Some("0.000"));
        let bold = |r: u32, c: u32| {
            styles
                .get((r, c))
                .and_then(|s| s.font.as_ref())
                .is_some_and(|f| f.is_bold())
        };
        assert!(bold(0, 0), "section title is bold");
        assert!(bold(5, 0), "header is bold");
        assert!(!bold(6, 0), "data is not bold");
        let bordered = styles
            .get((5, 2))
            .and_then(|s| s.borders.as_ref())
            .is_some_and(|b| b.bottom.is_visible());
        assert!(bordered, "header has a bottom border");
    }

    #[test]
    fn empty_document_is_still_a_workbook() {
        let doc = Document::new("Nothing: yet").with_note("No tables");
        let mut book = open(render_xlsx(&doc).unwrap());
        assert_eq!(book.sheet_names(), ["Nothing- yet"]);
        let range = book.worksheet_range("Nothing- yet").unwrap();
        assert_eq!(
            range.get_value((1, 0)),
            Some(&Data::String("No tables".into()))
        );
    }

    #[test]
    fn sanitising_sheet_names() {
        assert_eq!(
            sanitise_sheet_name("Costs [draft]: a/b\\c*?"),
            "Costs -draft-- a-b-c--"
        );
        assert_eq!(sanitise_sheet_name("  'Quoted'  "), "Quoted");
        assert_eq!(sanitise_sheet_name("Line\none\t two"), "Line one two");
        assert_eq!(sanitise_sheet_name("???"), "---");
        assert_eq!(sanitise_sheet_name(" ' "), "");
        let long = "Net present value by agency and financial year";
        let cut = sanitise_sheet_name(long);
        assert_eq!(cut, "Net present value by agency and");
        assert_eq!(cut.encode_utf16().count(), 31);
        // No trailing space left where the cut falls after a word.
        assert_eq!(
            sanitise_sheet_name("Costs and benefits by agency xyz"),
            "Costs and benefits by agency xy"
        );
        assert_eq!(
            sanitise_sheet_name("A very long title with a space  at 31"),
            "A very long title with a space"
        );
        // Multi-unit characters count as Excel counts them (UTF-16).
        let emoji = "😀".repeat(20);
        assert_eq!(sanitise_sheet_name(&emoji).encode_utf16().count(), 30);
        for name in [cut, sanitise_sheet_name("Costs [draft]: a/b\\c*?")] {
            assert!(
                rust_xlsxwriter::utility::check_sheet_name(&name).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn de_duplicating_sheet_names() {
        let names = unique_sheet_names([
            ("Costs", "a"),
            ("COSTS", "b"),
            ("Costs", "c"),
            ("", "fallback_id"),
            ("", ""),
            ("History", "h"),
            ("Net present value by agency and financial year", "x"),
            ("Net present value by agency and financial year", "y"),
        ]);
        assert_eq!(
            names,
            [
                "Costs",
                "COSTS (2)",
                "Costs (3)",
                "fallback_id",
                "Sheet5",
                "History (2)",
                "Net present value by agency and",
                "Net present value by agency (2)",
            ]
        );
        for name in &names {
            assert!(name.encode_utf16().count() <= SHEET_NAME_MAX, "{name}");
        }
    }

    #[test]
    fn colliding_titles_still_save() {
        let doc = Document::new("T")
            .with_section(Section::new("a", "Same", Table::new(&[("x", "X")])))
            .with_section(Section::new("b", "same", Table::new(&[("x", "X")])))
            .with_section(Section::new("c", "Same", Table::new(&[("x", "X")])));
        let book = open(render_xlsx(&doc).unwrap());
        assert_eq!(book.sheet_names(), ["Same", "same (2)", "Same (3)"]);
    }

    #[test]
    fn column_widths_follow_content_within_limits() {
        let mut table = Table::new(&[("a", "A"), ("b", "B"), ("c", "Cost")]);
        table.push(vec![
            "x".into(),
            "y".repeat(100).into(),
            Cell::Pounds(1_000_000.0),
        ]);
        assert_eq!(column_width(&table, 0), 8);
        assert_eq!(column_width(&table, 1), 60);
        // "£1,000,000.00" is 13 characters, plus 2 padding.
        assert_eq!(column_width(&table, 2), 15);
    }

    #[test]
    fn number_format_codes() {
        assert_eq!(number_format_code(0), "0");
        assert_eq!(number_format_code(2), "0.00");
        let formats = Formats::new();
        assert_eq!(formats.numbers.len(), usize::from(MAX_DECIMALS) + 1);
        // Out-of-range decimals use the widest format rather than panicking.
        let _ = formats.number(u8::MAX);
    }
}
