//! The aligned text table a finance officer reads in a terminal.

use crate::{Cell, Document, Section, Table};

/// Gap between columns.
const GAP: &str = "  ";
/// The rule character under titles and headers.
const RULE: char = '─';

/// Renders the document as aligned plain-text tables.
///
/// Layout: the document title and its notes, a blank line, then each
/// section (title, a rule as wide as the title, its notes, the header row,
/// a rule as wide as the table, the rows), sections separated by a blank
/// line. Quantities are right-aligned so digits line up; text and years are
/// left-aligned. Any run of whitespace (including newlines) in text is
/// collapsed to one space so each row stays on one line; the one exception
/// is a table of a single text column (a note, a paragraph of prose), whose
/// rows are wrapped at word boundaries to [`PROSE_WIDTH`] characters. Lines have no trailing spaces and the output ends with exactly one
/// newline.
///
/// Widths count characters, not bytes (`£` is one column); characters that
/// a terminal draws double-width are not accounted for.
pub fn render_text(doc: &Document) -> String {
    let mut lines: Vec<String> = Vec::new();
    if !doc.title.trim().is_empty() {
        lines.push(one_line(&doc.title));
    }
    lines.extend(doc.notes.iter().map(|n| one_line(n)));
    for section in &doc.sections {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(section_lines(section));
    }
    let mut out = lines
        .iter()
        .map(|line| line.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    // A table whose last rows are entirely empty would otherwise leave blank
    // lines at the end.
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn section_lines(section: &Section) -> Vec<String> {
    let title = one_line(&section.title);
    let underline = rule(width(&title));
    let mut lines = vec![title, underline];
    lines.extend(section.notes.iter().map(|n| one_line(n)));
    lines.extend(table_lines(&section.table));
    lines
}

/// Width at which a single-column prose table is wrapped.
pub const PROSE_WIDTH: usize = 96;

/// Header, rule and rows of one table; nothing for a table with no columns.
fn table_lines(table: &Table) -> Vec<String> {
    if table.columns.is_empty() {
        return Vec::new();
    }
    if table.columns.len() == 1 && !table.is_numeric_column(0) {
        return prose_lines(table);
    }
    let headings: Vec<String> = table.columns.iter().map(|c| one_line(&c.heading)).collect();
    let right: Vec<bool> = (0..table.columns.len())
        .map(|c| table.is_numeric_column(c))
        .collect();
    let body: Vec<Vec<(String, bool)>> = (0..table.rows.len())
        .map(|r| {
            table
                .row_cells(r)
                .map(|cell| (cell_text(cell), cell.is_numeric()))
                .collect()
        })
        .collect();

    let widths: Vec<usize> = headings
        .iter()
        .enumerate()
        .map(|(c, heading)| {
            body.iter()
                .map(|row| width(&row[c].0))
                .fold(width(heading), usize::max)
        })
        .collect();
    let total = widths.iter().sum::<usize>() + GAP.len() * (widths.len() - 1);

    let mut lines = Vec::with_capacity(body.len() + 2);
    lines.push(join_padded(
        headings.iter().zip(&right).map(|(h, &r)| (h.as_str(), r)),
        &widths,
    ));
    lines.push(rule(total));
    for row in &body {
        lines.push(join_padded(
            row.iter().map(|(text, r)| (text.as_str(), *r)),
            &widths,
        ));
    }
    lines
}

/// A single text column read as paragraphs: each row wrapped to
/// [`PROSE_WIDTH`], rows separated by a blank line.
fn prose_lines(table: &Table) -> Vec<String> {
    let mut lines = Vec::new();
    for r in 0..table.rows.len() {
        let Some(cell) = table.row_cells(r).next() else {
            continue;
        };
        if r > 0 {
            lines.push(String::new());
        }
        lines.extend(wrap(&cell_text(cell), PROSE_WIDTH));
    }
    lines
}

/// Greedy word wrap; a word longer than the width stands on its own line.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && width(&line) + 1 + width(word) > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A cell as shown in the terminal: its display form on one line.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => one_line(text),
        other => other.to_string(),
    }
}

/// Pads each `(text, right_aligned)` to its column width and joins them.
fn join_padded<'a>(cells: impl Iterator<Item = (&'a str, bool)>, widths: &[usize]) -> String {
    cells
        .zip(widths)
        .map(|((text, right), &w)| pad(text, w, right))
        .collect::<Vec<_>>()
        .join(GAP)
}

fn pad(text: &str, column_width: usize, right: bool) -> String {
    let fill = " ".repeat(column_width.saturating_sub(width(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

fn rule(width: usize) -> String {
    std::iter::repeat_n(RULE, width).collect()
}

/// Display width in characters.
fn width(text: &str) -> usize {
    text.chars().count()
}

/// Collapses every whitespace run (newlines included) to one space and trims
/// the ends, so a value can never break the table's lines.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, Section, Table};
    use oneplace_core::{FinancialYear, Money};

    fn sample() -> Document {
        let mut costs = Table::new(&[
            ("item", "Item"),
            ("year", "Year"),
            ("cost", "Cost"),
            ("share", "Share"),
            ("roi", "ROI"),
        ]);
        costs.push(vec![
            "Staff".into(),
            Cell::Year(FinancialYear::starting(2025)),
            Cell::Pounds(1234.567),
            Cell::Percent(0.355),
            Cell::Ratio(1.8534),
        ]);
        costs.push(vec![
            "Refund\n  of   grant".into(),
            Cell::Year(FinancialYear::starting(2026)),
            Cell::Money(Money::from_pence(-500)),
            Cell::Percent(-0.02),
            Cell::Ratio(f64::NAN),
        ]);
        costs.push(vec![
            "Total".into(),
            Cell::Empty,
            Cell::Pounds(1_000_000.0),
            Cell::Percent(1.0),
            Cell::Empty,
        ]);
        let mut counts = Table::new(&[("group", "Group"), ("people", "People"), ("rate", "Rate")]);
        counts.push(vec![
            "A".into(),
            Cell::Integer(12),
            Cell::Number {
                value: 0.5,
                decimals: 3,
            },
        ]);
        Document::new("Home First appraisal")
            .with_note("Prices 2025/26; discounted at 3.5%.")
            .with_section(
                Section::new("costs", "Costs by year", costs).with_note("Negative is a saving."),
            )
            .with_section(Section::new("counts", "Counts", counts))
    }

    #[test]
    fn renders_exactly() {
        let expected = "\
Home First appraisal
Prices 2025/26; discounted at 3.5%.

Costs by year
─────────────
Negative is a saving.
Item             Year              Cost   Share   ROI
─────────────────────────────────────────────────────
Staff            2025/26      £1,234.57   35.5%  1.85
Refund of grant  2026/27         -£5.00   -2.0%   n/a
Total                     £1,000,000.00  100.0%

Counts
──────
Group  People   Rate
────────────────────
A          12  0.500
";
        assert_eq!(render_text(&sample()), expected);
    }

    #[test]
    fn no_trailing_spaces_and_one_final_newline() {
        let out = render_text(&sample());
        assert!(out.ends_with('\n') && !out.ends_with("\n\n"));
        for line in out.lines() {
            assert_eq!(line, line.trim_end(), "trailing space in {line:?}");
        }
    }

    #[test]
    fn degenerate_documents_do_not_panic() {
        assert_eq!(render_text(&Document::default()), "\n");
        let doc = Document::new("T").with_section(Section::new("e", "Empty", Table::default()));
        assert_eq!(render_text(&doc), "T\n\nEmpty\n─────\n");
        let ragged = Table {
            columns: Table::new(&[("a", "A"), ("b", "B")]).columns,
            rows: vec![vec![Cell::Integer(1)], vec![]],
        };
        let doc = Document::new("").with_section(Section::new("r", "R", ragged));
        assert_eq!(render_text(&doc), "R\n─\nA  B\n────\n1\n");
    }

    #[test]
    fn a_single_text_column_is_wrapped_as_paragraphs() {
        let mut note = Table::new(&[("note", "Note")]);
        let long = "word ".repeat(40); // 40 five-letter words: 199 characters
        note.push(vec![long.as_str().into()]);
        note.push(vec!["Second paragraph.".into()]);
        let doc = Document::new("").with_section(Section::new("n", "Disclosure", note));
        let text = render_text(&doc);
        let lines: Vec<&str> = text.lines().collect();
        // Title, rule, then 96 // 5 = 19 words ("word" x19 joined = 94 chars)
        // per line: 19 + 19 + 2, a blank line, the second paragraph.
        assert_eq!(lines[0], "Disclosure");
        assert_eq!(lines[2].len(), 19 * 5 - 1);
        assert_eq!(lines[3].len(), 19 * 5 - 1);
        assert_eq!(lines[4], "word word");
        assert_eq!(lines[5], "");
        assert_eq!(lines[6], "Second paragraph.");
        assert!(lines.iter().all(|l| l.chars().count() <= PROSE_WIDTH));
    }
}
