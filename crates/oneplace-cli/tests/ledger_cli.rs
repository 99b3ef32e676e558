//! `oneplace ledger …` as a user runs it: reports in every format, imports
//! that are all or nothing, and bad input that names its file and line.

mod common;

use std::path::{Path, PathBuf};

use common::{ok, oneplace, repo, stderr, stdout};

const EXAMPLE: &str = "examples/ledger/northshire-bcf.journal";

fn example_text() -> String {
    std::fs::read_to_string(repo().join(EXAMPLE)).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// Runs a command that must fail with exit 1 and returns its stderr.
fn fails(args: &[&str]) -> String {
    let o = oneplace(args);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{args:?} wrote {}", stdout(&o));
    stderr(&o)
}

// The example pool's April, by hand (examples/ledger/northshire-bcf.journal):
// income received: ICB NHS minimum 900,000; council grant 300,000 and
// additional contribution 240,000: 1,440,000 of 5,040,000 planned
// (3,600,000 + 1,200,000 + 240,000). Spending: community health (community
// nursing, NHS) 200,000; intermediate care (Home First) NHS 98,000 and
// grant 24,500; social care (home care) grant 71,250 and additional
// 15,000: 408,750 against budgets of 5,040,000 (2,400,000 + 1,200,000 +
// 300,000 + 900,000 + 240,000).

#[test]
fn income_and_expenditure_through_the_command_line() {
    let v = json(&[
        "ledger",
        "report",
        "income-expenditure",
        EXAMPLE,
        "--period",
        "2025/26 M01",
        "--format",
        "json",
    ]);
    assert_eq!(v["total_planned_income"], 5_040_000.0);
    assert_eq!(v["total_income"], 1_440_000.0);
    assert_eq!(v["total_budget"], 5_040_000.0);
    assert_eq!(v["total_spending"], 408_750.0);
    let spend = |kind: &str, source: &str| {
        v["spending"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scheme_type"] == kind && s["source"] == source)
            .unwrap_or_else(|| panic!("{kind} {source}"))
            .clone()
    };
    assert_eq!(
        spend("intermediate-care", "nhs-minimum")["actual"],
        98_000.0
    );
    assert_eq!(spend("intermediate-care", "la-grant")["actual"], 24_500.0);
    assert_eq!(spend("social-care", "la-grant")["budget"], 900_000.0);
    assert_eq!(
        spend("social-care", "council-additional")["actual"],
        15_000.0
    );
    // Every source's planned contributions equal its budgets.
    for check in v["plan_checks"].as_array().unwrap() {
        assert_eq!(check[3], true, "{check}");
    }
    // The table shows the same totals.
    let table = ok(&[
        "ledger",
        "report",
        "income-expenditure",
        EXAMPLE,
        "--period",
        "2025/26 M01",
    ]);
    assert!(table.contains("£1,440,000.00"), "{table}");
    assert!(table.contains("£408,750.00"), "{table}");
}

#[test]
fn annual_return_through_the_command_line() {
    let v = json(&[
        "ledger",
        "report",
        "annual-return",
        EXAMPLE,
        "--period",
        "2025/26",
        "--format",
        "json",
    ]);
    // The pool's first year: nothing brought forward; income 1,440,000,
    // spending 408,750, surplus and balance carried forward 1,031,250 (the
    // bank balance the journal asserts at 30 April).
    assert_eq!(v["opening_balance"], 0.0);
    assert_eq!(v["total_income"], 1_440_000.0);
    assert_eq!(v["total_spending"], 408_750.0);
    assert_eq!(v["surplus"], 1_031_250.0);
    assert_eq!(v["closing_balance"], 1_031_250.0);
    // Spending by scheme: Home First 98,000 + 24,500; home care 71,250 +
    // 15,000; community nursing 200,000.
    let by_scheme: Vec<(String, f64)> =
        serde_json::from_value(v["spending_by_scheme"].clone()).unwrap();
    assert_eq!(
        by_scheme,
        vec![
            ("home-first".to_string(), 122_500.0),
            ("community-nursing".to_string(), 200_000.0),
            ("home-care".to_string(), 86_250.0),
        ]
    );
    let csv = ok(&[
        "ledger",
        "report",
        "annual-return",
        EXAMPLE,
        "--period",
        "2025/26",
        "--format",
        "csv",
        "--table",
        "return",
    ]);
    assert!(csv.contains("Balance carried forward,,1031250.00"), "{csv}");
}

#[test]
fn a_ledger_report_as_xlsx_reads_back_with_the_json_figures() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ie.xlsx");
    ok(&[
        "ledger",
        "report",
        "income-expenditure",
        EXAMPLE,
        "--period",
        "2025/26 M01",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ]);
    let v = json(&[
        "ledger",
        "report",
        "income-expenditure",
        EXAMPLE,
        "--period",
        "2025/26 M01",
        "--format",
        "json",
    ]);
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![
            "Income by funding source".to_string(),
            "Expenditure by scheme type".to_string(),
            "Checks".to_string(),
        ]
    );
    // The "Total" row of a sheet: its two money cells.
    let mut totals = |sheet: &str| -> (f64, f64) {
        let range = book.worksheet_range(sheet).unwrap();
        let row = range
            .rows()
            .find(|r| r.first() == Some(&Data::String("Total".into())))
            .unwrap_or_else(|| panic!("no Total row in {sheet}"));
        match (&row[2], &row[3]) {
            (Data::Float(a), Data::Float(b)) => (*a, *b),
            other => panic!("{other:?}"),
        }
    };
    let income = totals("Income by funding source");
    assert_eq!(income, (5_040_000.0, 1_440_000.0));
    assert_eq!(v["total_planned_income"], income.0);
    assert_eq!(v["total_income"], income.1);
    let spending = totals("Expenditure by scheme type");
    assert_eq!(spending, (5_040_000.0, 408_750.0));
    assert_eq!(v["total_budget"], spending.0);
    assert_eq!(v["total_spending"], spending.1);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A report written with --out from a journal with one problem: exit 1,
/// the problem's file:line:column on stderr, and no output file.
fn refused(dir: &Path, name: &str, text: &str, location: &str, message: &str) {
    let journal = write(dir, name, text);
    let out = dir.join(format!("{name}.xlsx"));
    let err = fails(&[
        "ledger",
        "report",
        "monitoring",
        journal.to_str().unwrap(),
        "--period",
        "2025/26 M01",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ]);
    let at = format!("{}:{location}: {message}", journal.display());
    assert!(err.contains(&at), "expected {at}\nin {err}");
    assert!(!out.exists(), "{name}: {} was written", out.display());
}

#[test]
fn bad_journals_exit_1_name_the_place_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let base = example_text();
    let with = |from: &str, to: &str| {
        assert!(base.contains(from), "{from}");
        base.replacen(from, to, 1)
    };
    // Line 75 is the ICB's Q1 contribution's bank posting: the partner at
    // column 42, the source at column 54.
    refused(
        dir.path(),
        "partner.journal",
        &with(
            "£900,000.00  partner:icb source:nhs-minimum\n  income",
            "£900,000.00  partner:ibc source:nhs-minimum\n  income",
        ),
        "75:42",
        "unknown partner 'ibc'",
    );
    refused(
        dir.path(),
        "source.journal",
        &with(
            "£900,000.00  partner:icb source:nhs-minimum\n  income",
            "£900,000.00  partner:icb source:nhs-minimun\n  income",
        ),
        "75:54",
        "unknown funding source 'nhs-minimun'",
    );
    // Line 85: Home First's April spending, the scheme at column 42.
    refused(
        dir.path(),
        "scheme.journal",
        &with(
            "scheme:home-first source:nhs-minimum\n  assets:bank",
            "scheme:home-frist source:nhs-minimum\n  assets:bank",
        ),
        "85:42",
        "unknown scheme 'home-frist'",
    );
    // A transaction dated in 2026/27, which the journal does not open.
    refused(
        dir.path(),
        "outside.journal",
        &with(
            "2025-04-30 Community nursing April",
            "2026-04-30 Community nursing April",
        ),
        "92:1",
        "2026-04-30 is dated in a year that does not take postings: 2026/27 is not an open financial year",
    );
    // A posting into 2025/26 after `close 2025/26`.
    refused(
        dir.path(),
        "closed.journal",
        &format!(
            "{base}\nclose 2025/26\n\n2025-05-01 Late  ; ref:LATE-1 partner:icb\n  expenditure:services  £1.00  scheme:home-first source:nhs-minimum\n  assets:bank\n"
        ),
        "108:1",
        "2025-05-01 is dated in a year that does not take postings: 2025/26 was closed at",
    );
    // The bank is 1,031,250.00 at the end of April, not a penny more.
    refused(
        dir.path(),
        "assertion.journal",
        &with(
            "balance 2025-04-30 assets:bank £1,031,250.00",
            "balance 2025-04-30 assets:bank £1,031,250.01",
        ),
        "103:1",
        "balance assertion failed: assets:bank is £1,031,250.00 at the end of 2025-04-30, not £1,031,250.01",
    );
    // An unbalanced transaction: the ICB's contribution a penny short on
    // the income side (line 74 is its header).
    refused(
        dir.path(),
        "unbalanced.journal",
        &with(
            "income:contributions     -£900,000.00",
            "income:contributions     -£899,999.99",
        ),
        "74:1",
        "the transaction does not balance: its postings add up to £0.01",
    );
    // A reference used twice: the council's April home care reuses the
    // ICB's Q1 reference.
    refused(
        dir.path(),
        "reference.journal",
        &with("ref:NCC-AP-90001", "ref:ICB-Q1"),
        "96:1",
        "reference 'ICB-Q1' is used twice (first at",
    );
    // Three postings summing past 2^64 pence: refused where written, exit 1
    // (no panic, no wrapped sum).
    refused(
        dir.path(),
        "overflow.journal",
        &with(
            "  assets:bank               £900,000.00  partner:icb source:nhs-minimum\n  income:contributions     -£900,000.00  partner:icb source:nhs-minimum\n",
            "  assets:bank               £61,489,146,912,365,172.06  partner:icb source:nhs-minimum\n  assets:bank               £61,489,146,912,365,172.06  partner:icb source:nhs-minimum\n  income:contributions      £61,489,146,912,365,172.06  partner:icb source:nhs-minimum\n",
        ),
        "75:29",
        "'£61,489,146,912,365,172.06' is too large",
    );
}

fn import(csv: &Path, mapping: &str, journal: &Path) -> std::process::Output {
    oneplace(&[
        "ledger",
        "import",
        csv.to_str().unwrap(),
        "--mapping",
        mapping,
        "--journal",
        journal.to_str().unwrap(),
    ])
}

#[test]
fn an_import_that_would_break_a_later_assertion_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The example journal, with an assertion at its end that holds now
    // (nothing is posted to expenditure:equipment) but not once the May
    // extract, which has equipment rows (GL 5400), is appended.
    let text = format!(
        "{}balance 2025-05-31 expenditure:equipment £0.00\n",
        example_text()
    );
    let journal = write(dir.path(), "pool.journal", &text);
    ok(&["ledger", "check", journal.to_str().unwrap()]);
    let csv = repo().join("examples/ledger/import/icb-2025-05.csv");
    let o = import(&csv, "examples/ledger/import/icb-mapping.toml", &journal);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}:105:1: balance assertion failed: expenditure:equipment is",
            journal.display()
        )),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        text.as_bytes(),
        "the journal is byte for byte as it was"
    );
    // A dry run is refused the same way.
    let o = oneplace(&[
        "ledger",
        "import",
        csv.to_str().unwrap(),
        "--mapping",
        "examples/ledger/import/icb-mapping.toml",
        "--journal",
        journal.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read(&journal).unwrap(), text.as_bytes());
}

#[test]
fn a_malformed_csv_row_names_its_row_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let journal = write(dir.path(), "pool.journal", &example_text());
    let original =
        std::fs::read_to_string(repo().join("examples/ledger/import/icb-2025-05.csv")).unwrap();
    // Row 3 (the header is row 1) gets an amount with three decimals.
    let row3 = original.lines().nth(2).unwrap();
    assert!(row3.ends_with("\"82,500.00\""), "{row3}");
    let bad = original.replacen(row3, &row3.replace("\"82,500.00\"", "\"82,500.001\""), 1);
    let csv = write(dir.path(), "bad.csv", &bad);
    let o = import(&csv, "examples/ledger/import/icb-mapping.toml", &journal);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.csv: row 3"), "{err}");
    assert!(err.contains("Amount"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        example_text(),
        "nothing written"
    );
}

#[test]
fn a_later_years_partner_shares_add_up_after_a_close() {
    // The example's April, then the year closed and 2026/27 opened with
    // £1,000 spent by the ICB and nothing yet contributed.
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\nclose 2025/26\nyear 2026/27 open\n\n2026-04-30 Home First  ; ref:Y2-1 partner:icb\n  expenditure:services  £1,000.00  scheme:home-first source:nhs-minimum\n  assets:bank\n",
        example_text()
    );
    let journal = write(dir.path(), "two.journal", &text);
    let v = json(&[
        "ledger",
        "report",
        "partners",
        journal.to_str().unwrap(),
        "--period",
        "2026/27 M01",
        "--format",
        "json",
    ]);
    // 2025/26: ICB contributed 900,000, council 540,000 (1,440,000);
    // balance 1,031,250 shared 900:540, i.e. 5:3: ICB 644,531.25, council
    // 386,718.75. 2026/27: brought forward those; −1,000 shared 5:3 by the
    // shares brought forward: ICB −625, council −375. Shares 643,906.25 and
    // 386,343.75, adding up to the balance of 1,030,250.
    assert_eq!(v["brought_forward"], 1_031_250.0);
    assert_eq!(v["balance"], 1_030_250.0);
    let partner = |id: &str| {
        v["partners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["partner"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(partner("icb")["brought_forward"], 644_531.25);
    assert_eq!(partner("icb")["share_of_balance"], 643_906.25);
    assert_eq!(partner("county-council")["share_of_balance"], 386_343.75);
    let ar = json(&[
        "ledger",
        "report",
        "annual-return",
        journal.to_str().unwrap(),
        "--period",
        "2026/27",
        "--format",
        "json",
    ]);
    assert_eq!(ar["opening_balance"], 1_031_250.0);
    assert_eq!(ar["total_income"], 0.0);
    assert_eq!(ar["total_spending"], 1_000.0);
    assert_eq!(ar["closing_balance"], 1_030_250.0);
}
