//! CSV: one table for machines, or every table for people using Excel.

use crate::{Document, ReportError, Table};

/// Renders CSV.
///
/// * `Some(id)`: exactly that section as plain CSV — a header row of column
///   *keys*, then the rows — for scripts and other tools. An unknown id is
///   [`ReportError::UnknownSection`], listing the ids that exist.
/// * `None`: the whole document for someone opening it in Excel. The
///   document title is the first row, followed by one row per document note;
///   then each section as a row holding its title, one row per section note,
///   a header row of column *headings*, and the rows. An empty line separates
///   the document heading from the first section and each section from the
///   next.
///
/// Values are written as described at [`Cell::csv_value`](crate::Cell::csv_value):
/// plain numbers (`1234.57`, fractions for percentages), never `£` or
/// thousands separators, so spreadsheets read them as numbers. Rows are
/// padded or truncated to the number of columns.
pub fn render_csv(doc: &Document, section: Option<&str>) -> Result<String, ReportError> {
    match section {
        Some(id) => {
            let section = doc.section(id).ok_or_else(|| ReportError::UnknownSection {
                id: id.to_string(),
                available: doc.section_ids(),
            })?;
            single_table(&section.table)
        }
        None => whole_document(doc),
    }
}

fn single_table(table: &Table) -> Result<String, ReportError> {
    // A table without columns has nothing to say; the writer would emit `""`.
    if table.columns.is_empty() {
        return Ok(String::new());
    }
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(table.columns.iter().map(|c| c.key.as_str()))?;
    write_rows(&mut writer, table)?;
    finish(writer)
}

fn whole_document(doc: &Document) -> Result<String, ReportError> {
    // Each block (the document heading, then each section) is written on its
    // own and the blocks joined by an empty line. An empty line cannot be
    // written as a CSV record: the writer emits `""` to keep it a record.
    let mut blocks = Vec::with_capacity(doc.sections.len() + 1);
    let mut heading = flexible_writer();
    heading.write_record([doc.title.as_str()])?;
    for note in &doc.notes {
        heading.write_record([note.as_str()])?;
    }
    blocks.push(finish(heading)?);
    for section in &doc.sections {
        let mut writer = flexible_writer();
        writer.write_record([section.title.as_str()])?;
        for note in &section.notes {
            writer.write_record([note.as_str()])?;
        }
        if !section.table.columns.is_empty() {
            writer.write_record(section.table.columns.iter().map(|c| c.heading.as_str()))?;
            write_rows(&mut writer, &section.table)?;
        }
        blocks.push(finish(writer)?);
    }
    Ok(blocks.join("\n"))
}

/// A writer that accepts records of different lengths: titles and notes
/// are one field, tables as many as they have columns.
fn flexible_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new())
}

fn write_rows(writer: &mut csv::Writer<Vec<u8>>, table: &Table) -> Result<(), ReportError> {
    for r in 0..table.rows.len() {
        writer.write_record(table.row_cells(r).map(|cell| cell.csv_value()))?;
    }
    Ok(())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String, ReportError> {
    let bytes = writer
        .into_inner()
        .map_err(|e| ReportError::Csv(e.error().to_string()))?;
    // Every field came from a `String`, so this cannot fail in practice.
    String::from_utf8(bytes).map_err(|e| ReportError::Csv(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cell, Section};
    use oneplace_core::{FinancialYear, Money};

    fn sample() -> Document {
        let mut costs = Table::new(&[("item", "Item"), ("year", "Year"), ("cost", "Cost (£)")]);
        costs.push(vec![
            "Staff, agency".into(),
            Cell::Year(FinancialYear::starting(2025)),
            Cell::Pounds(1234.567),
        ]);
        costs.push(vec![
            "Refund".into(),
            Cell::Empty,
            Cell::Money(Money::from_pence(-500)),
        ]);
        let mut rates = Table::new(&[("measure", "Measure"), ("value", "Value")]);
        rates.push(vec!["share".into(), Cell::Percent(0.355)]);
        rates.push(vec!["roi".into(), Cell::Ratio(f64::INFINITY)]);
        Document::new("Appraisal")
            .with_note("Prices 2025/26")
            .with_section(Section::new("costs", "Costs", costs).with_note("By year"))
            .with_section(Section::new("rates", "Rates", rates))
    }

    #[test]
    fn one_section_parses_back_to_the_records() {
        let out = render_csv(&sample(), Some("costs")).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(headers, ["item", "year", "cost"]);
        let records: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(
            records,
            vec![
                vec!["Staff, agency", "2025/26", "1234.57"],
                vec!["Refund", "", "-5.00"],
            ]
        );
        // The comma inside a field is quoted, not a new column.
        assert!(out.contains("\"Staff, agency\""));
    }

    #[test]
    fn all_sections_layout() {
        let out = render_csv(&sample(), None).unwrap();
        let expected = "\
Appraisal
Prices 2025/26

Costs
By year
Item,Year,Cost (£)
\"Staff, agency\",2025/26,1234.57
Refund,,-5.00

Rates
Measure,Value
share,0.355
roi,
";
        assert_eq!(out, expected);
    }

    #[test]
    fn unknown_section_lists_available_ids() {
        let err = render_csv(&sample(), Some("totals")).unwrap_err();
        assert_eq!(
            err,
            ReportError::UnknownSection {
                id: "totals".into(),
                available: vec!["costs".into(), "rates".into()],
            }
        );
    }

    #[test]
    fn ragged_rows_are_fitted_to_the_columns() {
        let table = Table {
            columns: Table::new(&[("a", "A"), ("b", "B")]).columns,
            rows: vec![
                vec![Cell::Integer(1)],
                vec![Cell::Integer(1), Cell::Integer(2), Cell::Integer(3)],
            ],
        };
        let doc = Document::new("T").with_section(Section::new("t", "T", table));
        assert_eq!(render_csv(&doc, Some("t")).unwrap(), "a,b\n1,\n1,2\n");
        let doc = Document::new("T").with_section(Section::new("e", "E", Table::default()));
        assert_eq!(render_csv(&doc, Some("e")).unwrap(), "");
        assert_eq!(render_csv(&doc, None).unwrap(), "T\n\nE\n");
    }
}
