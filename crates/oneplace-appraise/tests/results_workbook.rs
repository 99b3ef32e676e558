//! The results workbook (`appraise --format xlsx`) read back with calamine:
//! its sheets are the report's sections and its key cells hold the figures
//! the JSON report gives.

use calamine::{Data, Range, Reader, Xlsx};
use oneplace_appraise::{evaluate, read_toml, report};
use oneplace_refdata::ReferenceData;
use std::io::Cursor;

fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The cell in the row whose first cell is `label`, in the column headed
/// `column` (the first header row holding it).
fn cell(range: &Range<Data>, label: &str, column: &str) -> f64 {
    let rows: Vec<&[Data]> = range.rows().collect();
    let header = rows
        .iter()
        .position(|r| r.iter().any(|c| text(c) == column))
        .unwrap_or_else(|| panic!("no column '{column}'"));
    let col = rows[header].iter().position(|c| text(c) == column).unwrap();
    let row = rows[header + 1..]
        .iter()
        .find(|r| r.first().is_some_and(|c| text(c) == label))
        .unwrap_or_else(|| panic!("no row '{label}'"));
    number(&row[col]).unwrap_or_else(|| panic!("'{label}', '{column}': {:?}", row[col]))
}

fn same(xlsx: f64, json: &serde_json::Value, what: &str) {
    let json = json.as_f64().unwrap_or_else(|| panic!("{what}: {json}"));
    // The JSON rounds pounds to the penny.
    assert!(
        (xlsx - json).abs() <= 0.005,
        "{what}: workbook {xlsx}, JSON {json}"
    );
}

#[test]
fn the_results_workbook_holds_the_json_figures() {
    let data = ReferenceData::embedded();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/integrated-care.toml"
    );
    let text_in = std::fs::read_to_string(path).unwrap();
    let model = read_toml("integrated-care.toml", &text_in, data).unwrap();
    let a = evaluate(&model, data);
    let json = report::to_json_all(&a, None, None, None);
    let bytes = oneplace_report::render_xlsx(&report::document(&a)).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Who pays and who benefits, by a",
            "Funder × beneficiary matrix",
            "Fair contribution split",
            "Year by year (undiscounted, pri",
            "Outcomes",
            "Costs",
            "Reference data used"
        ]
    );
    let summary = book.worksheet_range("Summary").unwrap();
    same(
        cell(&summary, "Net present budget impact", "Value"),
        &json["npbi"],
        "npbi",
    );
    same(
        cell(&summary, "Net present public value", "Value"),
        &json["nppv"],
        "nppv",
    );
    same(
        cell(&summary, "Financial return on investment", "Value"),
        &json["financial_roi"],
        "financial_roi",
    );
    same(
        cell(
            &summary,
            "Public value return (benefit-cost ratio)",
            "Value",
        ),
        &json["public_value_roi"],
        "public_value_roi",
    );
    same(
        cell(&summary, "PV of costs", "Value"),
        &json["totals"]["pv_costs"],
        "pv_costs",
    );

    let agencies = book
        .worksheet_range("Who pays and who benefits, by a")
        .unwrap();
    for agency in json["agencies"].as_array().unwrap() {
        let id = agency["agency"].as_str().unwrap();
        same(cell(&agencies, id, "PV cost borne"), &agency["pv_cost"], id);
        same(
            cell(&agencies, id, "PV fiscal benefit"),
            &agency["pv_fiscal_benefit"],
            id,
        );
    }

    let years = book
        .worksheet_range("Year by year (undiscounted, pri")
        .unwrap();
    let rows: Vec<&[Data]> = years.rows().collect();
    let header = rows
        .iter()
        .position(|r| r.iter().any(|c| text(c) == "Costs"))
        .unwrap();
    let costs = rows[header]
        .iter()
        .position(|c| text(c) == "Costs")
        .unwrap();
    let fiscal = rows[header]
        .iter()
        .position(|c| text(c) == "Fiscal")
        .unwrap();
    for (t, y) in json["years"].as_array().unwrap().iter().enumerate() {
        let row = rows[header + 1 + t];
        assert_eq!(number(&row[0]), Some(t as f64));
        same(number(&row[costs]).unwrap(), &y["costs"], "year costs");
        same(number(&row[fiscal]).unwrap(), &y["fiscal"], "year fiscal");
    }
}
