//! Format-neutral report documents and their writers.
//!
//! Domain crates (the appraisal engine, the ledger) describe *what* a report
//! says as a [`Document`] of typed tables; this crate decides *how* it looks
//! in each place a finance officer meets it:
//!
//! * [`render_text`]: an aligned table for the terminal;
//! * [`render_csv`]: plain CSV of one table for machines, or every table one
//!   after another for people who open CSV in Excel;
//! * [`render_xlsx`]: a real Excel workbook, one sheet per table, with
//!   numbers stored as numbers and shown through Excel number formats.
//!
//! Cells are typed ([`Cell::Pounds`], [`Cell::Percent`], …) rather than
//! pre-formatted strings so that every writer can choose the right
//! representation: `£1,234.57` on screen, `1234.57` in CSV, and the number
//! 1234.567 with a currency format in Excel. All pound amounts are displayed
//! through [`oneplace_core::Money`]'s `Display`, so there is exactly one rule
//! for how money looks.
//!
//! JSON is deliberately not here: domain crates serialise their own result
//! structs, which carry more meaning than a table can.
//!
//! ```
//! use oneplace_report::{Cell, Document, Section, Table, render_text};
//!
//! let mut table = Table::new(&[("item", "Item"), ("cost", "Cost")]);
//! table.push(vec!["Staff".into(), Cell::Pounds(1234.567)]);
//! let doc = Document::new("Example").with_section(Section::new("costs", "Costs", table));
//! assert!(render_text(&doc).contains("Staff  £1,234.57"));
//! ```

mod cell;
mod csv_out;
mod error;
mod text;
mod xlsx;

pub use csv_out::render_csv;
pub use error::ReportError;
pub use text::render_text;
pub use xlsx::{render_xlsx, sanitise_sheet_name, sheet_names};

use oneplace_core::{FinancialYear, Money};

/// A whole report: a title, document-wide notes (assumptions, price base,
/// data sources) and its tables in reading order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    pub title: String,
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
}

/// One titled table of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Stable snake_case key: what `--table` selects and the fallback for
    /// the XLSX sheet name when the title has no usable characters.
    pub id: String,
    /// What people read: the heading in text output, the sheet name source
    /// in XLSX.
    pub title: String,
    pub notes: Vec<String>,
    pub table: Table,
}

/// Columns and rows of typed cells. Each row should have one cell per
/// column; writers treat missing cells as [`Cell::Empty`] and ignore extra
/// ones, so a malformed row never makes a writer fail.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// A table column: a machine key (CSV header of a single table) and a human
/// heading (text, XLSX and the all-tables CSV).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// snake_case key.
    pub key: String,
    pub heading: String,
}

/// One value of a table, typed so that each writer can present it properly.
///
/// Non-finite floats (NaN, ±infinity: e.g. a ratio with a zero denominator)
/// are shown as `n/a` in text, an empty field in CSV and an empty cell in
/// XLSX; they never cause an error.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// Appraisal money in pounds (`f64`), shown rounded to the penny:
    /// `£1,234.57`, `-£5.00`.
    Pounds(f64),
    /// Exact ledger money in integer pence; same display as `Pounds`.
    Money(Money),
    /// A ratio such as a return on investment: `1.8534` is shown `1.85`.
    Ratio(f64),
    /// A fraction shown as a percentage: `0.355` is shown `35.5%`.
    Percent(f64),
    /// A plain number with a fixed number of decimal places (at most
    /// [`MAX_DECIMALS`] are honoured).
    Number {
        value: f64,
        decimals: u8,
    },
    Integer(i64),
    /// A financial year, shown `2025/26`.
    Year(FinancialYear),
}

/// The most decimal places a [`Cell::Number`] is shown with: an `f64` holds
/// about 15 significant digits, so more would only print noise.
pub const MAX_DECIMALS: u8 = 15;

impl Document {
    pub fn new(title: impl Into<String>) -> Document {
        Document {
            title: title.into(),
            notes: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Adds a document-wide note (builder style).
    pub fn with_note(mut self, note: impl Into<String>) -> Document {
        self.notes.push(note.into());
        self
    }

    /// Appends a section (builder style).
    pub fn with_section(mut self, section: Section) -> Document {
        self.sections.push(section);
        self
    }

    /// The section with this id, if any.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// The ids of all sections, in order: what a user may pass to select one.
    pub fn section_ids(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.id.clone()).collect()
    }
}

impl Section {
    pub fn new(id: impl Into<String>, title: impl Into<String>, table: Table) -> Section {
        Section {
            id: id.into(),
            title: title.into(),
            notes: Vec::new(),
            table,
        }
    }

    /// Adds a note shown under the section title (builder style).
    pub fn with_note(mut self, note: impl Into<String>) -> Section {
        self.notes.push(note.into());
        self
    }
}

impl Table {
    /// A table with no rows and these `(key, heading)` columns.
    pub fn new(columns: &[(&str, &str)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|&(key, heading)| Column {
                    key: key.to_string(),
                    heading: heading.to_string(),
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row. A row of the wrong length is a programming error in
    /// the caller, caught in debug builds; release builds keep going and the
    /// writers pad or truncate the row to the columns.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row has {} cells but the table has {} columns",
            row.len(),
            self.columns.len()
        );
        self.rows.push(row);
    }

    /// The cell at `(row, column)` as the writers see it: missing cells of a
    /// short row are empty.
    pub(crate) fn cell(&self, row: usize, column: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.rows
            .get(row)
            .and_then(|r| r.get(column))
            .unwrap_or(&EMPTY)
    }

    /// The cells of one row, padded or truncated to the number of columns.
    pub(crate) fn row_cells(&self, row: usize) -> impl Iterator<Item = &Cell> {
        (0..self.columns.len()).map(move |c| self.cell(row, c))
    }

    /// Whether a column holds numbers, so its heading is right-aligned over
    /// them: it has at least one non-empty cell and every non-empty cell is
    /// of a numeric kind.
    pub(crate) fn is_numeric_column(&self, column: usize) -> bool {
        let mut cells = (0..self.rows.len())
            .map(|r| self.cell(r, column))
            .filter(|c| !matches!(c, Cell::Empty))
            .peekable();
        cells.peek().is_some() && cells.all(Cell::is_numeric)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<Money> for Cell {
    fn from(money: Money) -> Cell {
        Cell::Money(money)
    }
}

impl From<FinancialYear> for Cell {
    fn from(year: FinancialYear) -> Cell {
        Cell::Year(year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_and_lookup() {
        let mut table = Table::new(&[("a", "A"), ("b", "B")]);
        table.push(vec!["x".into(), Cell::Integer(1)]);
        let doc = Document::new("T")
            .with_note("n")
            .with_section(Section::new("one", "One", table.clone()))
            .with_section(Section::new("two", "Two", Table::default()).with_note("m"));
        assert_eq!(
            doc.section("two").map(|s| s.notes.clone()),
            Some(vec!["m".to_string()])
        );
        assert!(doc.section("three").is_none());
        assert_eq!(doc.section_ids(), vec!["one", "two"]);
        assert_eq!(table.columns[1].key, "b");
        assert_eq!(table.columns[1].heading, "B");
        assert_eq!(Cell::from(String::from("s")), Cell::Text("s".into()));
    }

    #[test]
    fn short_rows_read_as_empty_and_long_rows_are_truncated() {
        let table = Table {
            columns: Table::new(&[("a", "A"), ("b", "B")]).columns,
            rows: vec![
                vec![Cell::Integer(1)],
                vec![Cell::Integer(1), Cell::Integer(2), Cell::Integer(3)],
            ],
        };
        let first: Vec<&Cell> = table.row_cells(0).collect();
        assert_eq!(first, vec![&Cell::Integer(1), &Cell::Empty]);
        assert_eq!(table.row_cells(1).count(), 2);
    }

    #[test]
    fn numeric_columns_need_a_number_and_nothing_else() {
        let mut table = Table::new(&[("a", "A"), ("b", "B"), ("c", "C")]);
        table.push(vec![Cell::Empty, Cell::Pounds(1.0), "x".into()]);
        table.push(vec![Cell::Empty, Cell::Empty, Cell::Integer(2)]);
        assert!(!table.is_numeric_column(0));
        assert!(table.is_numeric_column(1));
        assert!(!table.is_numeric_column(2));
    }
}
