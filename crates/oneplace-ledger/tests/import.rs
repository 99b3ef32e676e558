//! General-ledger import: mappings, extracts, idempotence, all or nothing.

use oneplace_core::{Date, InputError, Location, Money};
use oneplace_ledger::balances::balance_at;
use oneplace_ledger::import::{ImportOutcome, Mapping, import, parse_mapping};
use oneplace_ledger::model::NONE;
use oneplace_ledger::{Journal, Ledger, load};
use proptest::prelude::*;

fn example(path: &str) -> String {
    let full = format!(
        "{}/../../examples/ledger/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn load_one(name: &str, text: &str) -> Ledger {
    load(&[Journal { name, text }]).unwrap_or_else(|e| panic!("{e}\n--- journal ---\n{text}"))
}

/// The example pool, the ICB's mapping and its May extract.
struct Example {
    journal: String,
    ledger: Ledger,
    mapping: Mapping,
    csv: String,
}

fn northshire() -> Example {
    let journal = example("northshire-bcf.journal");
    let ledger = load_one("northshire-bcf.journal", &journal);
    let mapping = parse_mapping(
        "icb-mapping.toml",
        &example("import/icb-mapping.toml"),
        &ledger,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Example {
        journal,
        ledger,
        mapping,
        csv: example("import/icb-2025-05.csv"),
    }
}

fn messages(e: &InputError) -> Vec<String> {
    e.diagnostics.iter().map(ToString::to_string).collect()
}

/// The import's diagnostics, as the command line would print them.
fn import_errors(ledger: &Ledger, mapping: &Mapping, csv: &str) -> Vec<String> {
    match import(ledger, mapping, "extract.csv", csv) {
        Ok(o) => panic!("expected an error, got {o:?}"),
        Err(e) => messages(&e),
    }
}

fn mapping_errors(ledger: &Ledger, toml: &str) -> Vec<String> {
    match parse_mapping("m.toml", toml, ledger) {
        Ok(m) => panic!("expected an error, got {m:?}"),
        Err(e) => messages(&e),
    }
}

fn row(file: &str, row: u64, column: Option<&str>) -> Location {
    Location::Row {
        file: file.into(),
        row,
        column: column.map(str::to_string),
    }
}

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

#[test]
fn the_example_extract_imports_cleanly_and_loads() {
    let ex = northshire();
    let out = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &ex.csv)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (out.rows, out.added, out.already_posted),
        (15, 15, 0),
        "{out:?}"
    );
    let appended = format!("{}{}", ex.journal, out.journal_text);
    let after = load_one("northshire-bcf.journal", &appended);
    assert_eq!(after.transactions.len(), ex.ledger.transactions.len() + 15);
    let icb = after.partner("icb").unwrap();
    let end_may = date("2025-05-31");
    // £602,000.00 at the end of April, less May's net spending of £295,032.00.
    assert_eq!(
        balance_at(&after, "assets:bank", end_may, icb, NONE, NONE),
        Money::from_pence(30_696_800)
    );
    let home_first = after.scheme("home-first").unwrap();
    let may_only = |l: &Ledger, scheme| {
        balance_at(l, "expenditure", end_may, NONE, scheme, NONE)
            - balance_at(l, "expenditure", date("2025-04-30"), NONE, scheme, NONE)
    };
    // Includes the £816.20 credit note.
    assert_eq!(may_only(&after, home_first), Money::from_pence(9_706_615));
    // The credit note reduces equipment spending.
    assert_eq!(
        balance_at(&after, "expenditure:equipment", end_may, NONE, NONE, NONE),
        Money::from_pence(326_480 + 114_825 - 81_620)
    );
    // Unmapped GL code 5990 goes to the default account.
    let mileage = after
        .transactions
        .iter()
        .find(|t| t.reference.as_deref() == Some("icb-EXP-2505-117"))
        .expect("the mileage row");
    let account = after.postings_of(mileage)[0].account;
    assert_eq!(
        after.accounts[account as usize].name,
        "expenditure:services"
    );
    // Deterministic: the same inputs give the same text.
    let again = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    assert_eq!(again, out);
}

#[test]
fn reimporting_after_appending_changes_nothing() {
    let ex = northshire();
    let first = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    let journal = format!("{}{}", ex.journal, first.journal_text);
    let after = load_one("northshire-bcf.journal", &journal);
    let second = import(&after, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    assert_eq!(
        second,
        ImportOutcome {
            journal_text: String::new(),
            added: 0,
            already_posted: 15,
            rows: 15,
        }
    );
}

#[test]
fn rows_already_posted_are_skipped_even_once_their_year_is_closed() {
    let ex = northshire();
    let first = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    let journal = format!("{}{}\nclose 2025/26\n", ex.journal, first.journal_text);
    let closed = load_one("northshire-bcf.journal", &journal);
    let again = import(&closed, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    assert_eq!((again.added, again.already_posted), (0, 15));
    // But a new row in the closed year is refused.
    let new_row = format!(
        "{}31/05/2025,AP-59999,Late invoice,HF3200,5010,100.00\n",
        ex.csv
    );
    let errors = import_errors(&closed, &ex.mapping, &new_row);
    assert_eq!(
        errors,
        [
            "extract.csv: row 17, column 'Posting Date': 2025-05-31 is in 2025/26, which does not take postings: 2025/26 is closed (expected a date in an open year: none is open)"
        ]
    );
}

/// A small pool for hand-worked examples.
const POOL: &str = "\
partner council \"Council\"
  kind county-council
  host

partner icb \"ICB\"
  kind icb

source nhs \"NHS minimum\"
  from icb

source grant \"Council grant\"
  from council

scheme rehab \"Rehabilitation\"
  type intermediate-care
  commissioner icb 100%
  sources nhs

scheme care \"Home care\"
  type social-care
  commissioner council 100%
  sources grant

year 2025/26 open
";

const COUNCIL_MAPPING: &str = r#"
partner = "council"
balancing_account = "liabilities:creditors"
default_account = "expenditure:services"
date_format = "%d-%b-%Y"

[columns]
date = "Date"
reference = "Journal"
description = "Details"
debit = "Debit"
credit = "Credit"
cost_centre = "CC"
account_code = "Subjective"

[cost_centres]
"R100" = { scheme = "care", source = "grant" }

[accounts]
"S1" = "expenditure:staff"
"#;

#[test]
fn a_hand_worked_import_writes_exactly_this_journal() {
    let ledger = load_one("pool.journal", POOL);
    let mapping = parse_mapping("council.toml", COUNCIL_MAPPING, &ledger).unwrap();
    // A UTF-8 byte-order mark, headers in another order and case, a credit,
    // an unmapped subjective, a narrative with a semicolon and a line break,
    // and one with none.
    let csv = "\u{feff}Journal,date,Details,CC,Subjective,Debit,Credit\n\
               J-1,01-Apr-2025,Care packages; April,R100,S9,\"£1,234.50\",\n\
               J-2,15-APR-2025,\"Carers'\nagency\",R100,S1,250,0.00\n\
               J-3,30-Apr-2025,,R100,,,10.05\n";
    let out = import(&ledger, &mapping, "council-apr.csv", csv).unwrap_or_else(|e| panic!("{e}"));
    let expected = "
; Imported from council-apr.csv with council.toml: 3 new transactions.

2025-04-01 Care packages, April  ; ref:council-J-1 partner:council
  expenditure:services             £1,234.50  scheme:care source:grant  ; cost-centre:R100 gl:S9
  liabilities:creditors           -£1,234.50

2025-04-15 Carers' agency  ; ref:council-J-2 partner:council
  expenditure:staff                  £250.00  scheme:care source:grant  ; cost-centre:R100 gl:S1
  liabilities:creditors             -£250.00

2025-04-30 J-3  ; ref:council-J-3 partner:council
  expenditure:services               -£10.05  scheme:care source:grant  ; cost-centre:R100
  liabilities:creditors               £10.05
";
    assert_eq!(out.journal_text, expected);
    assert_eq!((out.rows, out.added, out.already_posted), (3, 3, 0));
    let after = load_one("pool.journal", &format!("{POOL}{}", out.journal_text));
    let council = after.partner("council").unwrap();
    assert_eq!(
        balance_at(
            &after,
            "liabilities:creditors",
            date("2025-04-30"),
            council,
            NONE,
            NONE
        ),
        Money::from_pence(-(123_450 + 25_000 - 1_005))
    );
    let t = &after.transactions[1];
    assert_eq!(t.description, "Carers' agency");
    assert_eq!(t.reference.as_deref(), Some("council-J-2"));
}

#[test]
fn other_date_formats_and_negative_expenditure() {
    let ledger = load_one("pool.journal", POOL);
    let toml = r#"
partner = "icb"
balancing_account = "assets:bank"
default_account = "expenditure:services"
date_format = "%Y-%m-%d"
sign = "expenditure-negative"
[columns]
date = "Date"
reference = "Doc"
amount = "Value"
cost_centre = "CC"
[cost_centres]
"A" = { scheme = "rehab", source = "nhs" }
"#;
    let mapping = parse_mapping("icb.toml", toml, &ledger).unwrap();
    let csv = "Date,Doc,Value,CC\n2025-06-30,7,-100.00,A\n2025-07-01,8,25,A\n";
    let out = import(&ledger, &mapping, "icb.csv", csv).unwrap();
    let expected = "
; Imported from icb.csv with icb.toml: 2 new transactions.

2025-06-30 7  ; ref:icb-7 partner:icb
  expenditure:services               £100.00  scheme:rehab source:nhs  ; cost-centre:A
  assets:bank                       -£100.00

2025-07-01 8  ; ref:icb-8 partner:icb
  expenditure:services               -£25.00  scheme:rehab source:nhs  ; cost-centre:A
  assets:bank                         £25.00
";
    assert_eq!(out.journal_text, expected);
    load_one("pool.journal", &format!("{POOL}{}", out.journal_text));
}

#[test]
fn a_changed_amount_for_a_known_reference_is_an_error_at_that_row() {
    let ex = northshire();
    let first = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    // Appended as a second file, as a user keeping a file per import would.
    let after = load(&[
        Journal {
            name: "northshire-bcf.journal",
            text: &ex.journal,
        },
        Journal {
            name: "icb-2025-05.journal",
            text: &first.journal_text,
        },
    ])
    .unwrap();
    let changed = ex.csv.replace("\"48,000.00\"", "\"48,500.00\"");
    assert_ne!(changed, ex.csv);
    let e = import(&after, &ex.mapping, "icb-2025-05.csv", &changed).unwrap_err();
    assert_eq!(e.diagnostics.len(), 1, "{e}");
    let d = &e.diagnostics[0];
    assert_eq!(d.location, row("icb-2025-05.csv", 2, Some("Amount")));
    assert_eq!(
        d.message,
        "reference 'icb-AP-50211' is already posted at icb-2025-05.journal:4 as £48,000.00 on 2025-05-02 to home-first nhs-minimum, but this row has £48,500.00 on 2025-05-02 to home-first nhs-minimum (cost centre HF3200): the amount differs"
    );
}

#[test]
fn a_changed_date_or_line_for_a_known_reference_is_an_error() {
    let ex = northshire();
    let first = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &ex.csv).unwrap();
    let after = load_one(
        "bcf.journal",
        &format!("{}{}", ex.journal, first.journal_text),
    );
    // Row 2 redated, row 3 moved to a Home First cost centre.
    let changed = ex
        .csv
        .replace("02/05/2025,AP-50211", "03/05/2025,AP-50211")
        .replace("North, May\",NC4101", "North, May\",HF3200");
    let errors = import_errors(&after, &ex.mapping, &changed);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("extract.csv: row 2, column 'Posting Date': reference 'icb-AP-50211' is already posted at bcf.journal:"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("on 2025-05-02") && errors[0].contains("on 2025-05-03"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("the date differs"), "{}", errors[0]);
    assert!(
        errors[1].starts_with("extract.csv: row 3, column 'Cost Centre':"),
        "{}",
        errors[1]
    );
    assert!(
        errors[1].contains("to community-nursing nhs-minimum, but this row has £82,500.00 on 2025-05-02 to home-first nhs-minimum (cost centre HF3200): the line differs"),
        "{}",
        errors[1]
    );
}

#[test]
fn a_reference_used_by_another_partner_is_an_error_not_a_skip() {
    // `icb` + `north-7` and `icb-north` + `7` spell the same reference.
    let pool = POOL.replace(
        "source nhs",
        "partner icb-north \"ICB North\"\n  kind icb\n\nsource nhs",
    ) + "
2025-05-01 Posted from the other partner  ; ref:icb-north-7 partner:icb-north
  expenditure:services  £5.00  scheme:rehab source:nhs
  assets:bank
";
    let ledger = load_one("pool.journal", &pool);
    let toml = r#"
partner = "icb"
balancing_account = "assets:bank"
default_account = "expenditure:services"
date_format = "%Y-%m-%d"
sign = "expenditure-positive"
[columns]
date = "Date"
reference = "Doc"
amount = "Value"
cost_centre = "CC"
[cost_centres]
"A" = { scheme = "rehab", source = "nhs" }
"#;
    let mapping = parse_mapping("icb.toml", toml, &ledger).unwrap();
    let errors = import_errors(
        &ledger,
        &mapping,
        "Date,Doc,Value,CC\n2025-05-01,north-7,5.00,A\n",
    );
    assert_eq!(
        errors,
        [
            "extract.csv: row 2, column 'CC': reference 'icb-north-7' is already used at pool.journal:29 by a transaction of partner 'icb-north', not 'icb' (expected the version already posted, or a new document number: a posted transaction is corrected in the journal, not by re-importing it)"
        ]
    );
}

/// The example extract's header and one good row.
const HEADER: &str = "Posting Date,Document No,Narrative,Cost Centre,GL Account,Amount\n";
const GOOD: &str = "02/05/2025,AP-1,Good row,HF3200,5010,100.00\n";

fn errors_for(rows: &str) -> Vec<String> {
    let ex = northshire();
    import_errors(&ex.ledger, &ex.mapping, &format!("{HEADER}{rows}"))
}

#[test]
fn a_row_with_the_wrong_number_of_fields_is_an_error() {
    assert_eq!(
        errors_for(&format!("{GOOD}02/05/2025,AP-2,Short,HF3200,100.00\n")),
        [
            "extract.csv: row 3: the row has 5 fields but the header row has 6 (expected 6 comma-separated fields)"
        ]
    );
}

#[test]
fn an_unreadable_date_is_an_error_at_the_date_column() {
    assert_eq!(
        errors_for(
            "31/04/2025,AP-2,Bad date,HF3200,5010,100.00\n2025-05-02,AP-3,ISO date,HF3200,5010,1\n"
        ),
        [
            "extract.csv: row 2, column 'Posting Date': '31/04/2025' is not a date in the format %d/%m/%Y (expected a date such as 02/05/2025)",
            "extract.csv: row 3, column 'Posting Date': '2025-05-02' is not a date in the format %d/%m/%Y (expected a date such as 02/05/2025)",
        ]
    );
}

#[test]
fn amounts_in_finance_forms_are_read_and_bad_ones_reported() {
    let ex = northshire();
    let csv = format!(
        "{HEADER}\
         02/05/2025,A1,Pounds,HF3200,5010,\"£1,234.56\"\n\
         02/05/2025,A2,Brackets,HF3200,5010,\"(1,000.00)\"\n\
         02/05/2025,A3,Plain,HF3200,5010,12.5\n\
         02/05/2025,A4,Minus,HF3200,5010,-7\n"
    );
    let out = import(&ex.ledger, &ex.mapping, "x.csv", &csv).unwrap();
    let after = load_one("bcf", &format!("{}{}", ex.journal, out.journal_text));
    let amounts: Vec<Money> = after.transactions[after.transactions.len() - 4..]
        .iter()
        .map(|t| after.postings_of(t)[0].amount)
        .collect();
    assert_eq!(
        amounts,
        [123_456, -100_000, 1_250, -700].map(Money::from_pence)
    );

    assert_eq!(
        errors_for(
            "02/05/2025,B1,Grouping,HF3200,5010,\"12,34.00\"\n\
             02/05/2025,B2,Decimals,HF3200,5010,1.234\n\
             02/05/2025,B3,Words,HF3200,5010,ten pounds\n\
             02/05/2025,B4,Empty,HF3200,5010,\n"
        ),
        [
            "extract.csv: row 2, column 'Amount': '12,34.00' has misplaced thousands separators (write 1,234,567.89 or 1234567.89) (expected an amount such as 1,234.56, £1,234.56, -1,234.56 or (1,234.56))",
            "extract.csv: row 3, column 'Amount': '1.234' has more than two decimal places (expected an amount such as 1,234.56, £1,234.56, -1,234.56 or (1,234.56))",
            "extract.csv: row 4, column 'Amount': 'ten pounds' is not an amount of money (expected an amount such as 1,234.56, £1,234.56, -1,234.56 or (1,234.56))",
            "extract.csv: row 5, column 'Amount': the row has no amount (expected an amount such as 1,234.56)",
        ]
    );
}

#[test]
fn an_unknown_cost_centre_is_an_error_that_suggests_known_ones() {
    assert_eq!(
        errors_for("02/05/2025,AP-2,Typo,HF3299,5010,100.00\n02/05/2025,AP-3,Blank,,5010,1\n"),
        [
            "extract.csv: row 2, column 'Cost Centre': unknown cost centre 'HF3299': it is not in [cost_centres] of icb-mapping.toml (expected did you mean 'HF3200'? a mapped cost centre (HF3200, HF3210, HF3220, NC4101, NC4102, NC4103), or add 'HF3299' to the mapping with its scheme and source)",
            "extract.csv: row 3, column 'Cost Centre': the row has no cost centre (expected a cost centre in [cost_centres] of icb-mapping.toml)",
        ]
    );
}

#[test]
fn a_date_in_a_year_the_ledger_does_not_have_open_is_an_error() {
    assert_eq!(
        errors_for(
            "01/04/2026,AP-2,Next year,HF3200,5010,100.00\n31/03/2025,AP-3,Last year,HF3200,5010,1\n"
        ),
        [
            "extract.csv: row 2, column 'Posting Date': 2026-04-01 is in 2026/27, which does not take postings: the ledger does not have 2026/27 open (expected a date in an open year: 2025/26)",
            "extract.csv: row 3, column 'Posting Date': 2025-03-31 is in 2024/25, which does not take postings: the ledger does not have 2024/25 open (expected a date in an open year: 2025/26)",
        ]
    );
}

#[test]
fn a_missing_header_is_an_error_at_the_header_row() {
    let ex = northshire();
    let csv = format!("Date,Document No,Narrative,Cost centre,Amount\n{GOOD}");
    let e = import(&ex.ledger, &ex.mapping, "extract.csv", &csv).unwrap_err();
    assert!(
        e.diagnostics
            .iter()
            .all(|d| d.location == row("extract.csv", 1, None)),
        "{e}"
    );
    assert_eq!(
        messages(&e),
        [
            "extract.csv: row 1: the header row (row 1) has no column 'Posting Date' (columns.date in icb-mapping.toml) (expected one of the header row's columns: Date, Document No, Narrative, Cost centre, Amount)",
            "extract.csv: row 1: the header row (row 1) has no column 'GL Account' (columns.account_code in icb-mapping.toml) (expected one of the header row's columns: Date, Document No, Narrative, Cost centre, Amount)",
        ]
    );
    let empty = import(&ex.ledger, &ex.mapping, "extract.csv", "").unwrap_err();
    assert_eq!(
        messages(&empty),
        ["extract.csv: the extract is empty: expected a header row"]
    );
}

#[test]
fn document_numbers_are_unique_and_one_word() {
    assert_eq!(
        errors_for(&format!(
            "{GOOD}03/05/2025,AP-1,Same number,HF3210,5010,5.00\n\
             03/05/2025,,No number,HF3210,5010,5.00\n\
             03/05/2025,AP 9,Spaced,HF3210,5010,5.00\n"
        )),
        [
            "extract.csv: row 3, column 'Document No': document number 'AP-1' appears twice in the extract (first at row 2) (expected one row per document number)",
            "extract.csv: row 4, column 'Document No': the row has no document number",
            "extract.csv: row 5, column 'Document No': document number 'AP 9' holds a space or a comma (expected a document number of one word: the journal's ref: tag cannot hold spaces or commas)",
        ]
    );
}

#[test]
fn one_bad_row_among_good_ones_gives_no_journal_text() {
    let ex = northshire();
    // Row 9 of the example, with a mistyped amount.
    let bad = ex.csv.replace("\"1,148.25\"", "\"1,148.2.5\"");
    assert_ne!(bad, ex.csv);
    let e = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &bad).unwrap_err();
    assert_eq!(e.diagnostics.len(), 1, "{e}");
    assert_eq!(
        e.diagnostics[0].location,
        row("icb-2025-05.csv", 9, Some("Amount"))
    );
    // Every problem is listed, not only the first.
    let worse = bad
        .replace("NC4103", "NC4104")
        .replace("22/05/2025", "22/13/2025");
    let e = import(&ex.ledger, &ex.mapping, "icb-2025-05.csv", &worse).unwrap_err();
    let places: Vec<String> = e
        .diagnostics
        .iter()
        .map(|d| d.location.to_string())
        .collect();
    assert_eq!(
        places,
        [
            "icb-2025-05.csv: row 9, column 'Amount'",
            "icb-2025-05.csv: row 12, column 'Posting Date'",
            "icb-2025-05.csv: row 12, column 'Cost Centre'",
        ]
    );
}

// --- The mapping -----------------------------------------------------------

#[test]
fn the_mapping_is_checked_against_the_ledger_with_line_and_column() {
    let ledger = load_one("pool.journal", POOL);
    let toml = r#"partner = "nhs-england"
balancing_account = "expenditure:services"
default_account = "assets:bank"
date_format = "%d/%m/%y"
sign = "expenditure-positive"

[columns]
date = "Date"
reference = "Doc"
amount = "Amount"
cost_centre = "CC"
account_code = "GL"

[cost_centres]
"C1" = { scheme = "rehab", source = "nhs" }
"C2" = { scheme = "rehab", source = "grant" }
"C3" = { scheme = "reablement", source = "nhs" }
"C4" = { scheme = "care", source = "la-grant" }

[accounts]
"5100" = "expenditure:staff"
"5200" = "income:recharges"
"#;
    assert_eq!(
        mapping_errors(&ledger, toml),
        [
            "m.toml:1:11: unknown partner 'nhs-england' (expected a partner declared in the ledger: council, icb)",
            "m.toml:2:21: balancing_account 'expenditure:services' is not under assets, liabilities or equity (expected an account under assets, liabilities or equity)",
            "m.toml:3:19: default_account 'assets:bank' is not under expenditure (expected an account under expenditure)",
            "m.toml:4:22: '%y' is not a supported date field (expected a format built from %d, %m, %b, %B and %Y, such as %d/%m/%Y, %Y-%m-%d or %d-%b-%Y)",
            "m.toml:16:37: cost centre 'C2': scheme 'rehab' is not funded by source 'grant', so they are not a line of the pool (expected one of the scheme's sources: nhs)",
            "m.toml:17:19: unknown scheme 'reablement' for cost centre 'C3' (expected a scheme declared in the ledger: rehab, care)",
            "m.toml:18:36: unknown funding source 'la-grant' for cost centre 'C4' (expected a funding source declared in the ledger: nhs, grant)",
            "m.toml:22:10: the account for GL code '5200' 'income:recharges' is not under expenditure (expected an account under expenditure)",
        ]
    );
}

#[test]
fn the_mapping_reports_toml_mistakes_and_missing_pieces() {
    let ledger = load_one("pool.journal", POOL);
    let base = |extra: &str| {
        format!(
            "partner = \"icb\"\nbalancing_account = \"assets:bank\"\ndefault_account = \"expenditure:services\"\ndate_format = \"%d/%m/%Y\"\n{extra}"
        )
    };
    // A misspelt table is an unknown key, not silently ignored.
    let e = mapping_errors(
        &ledger,
        &base(
            "sign = \"expenditure-positive\"\n[columns]\ndate = \"D\"\nreference = \"R\"\namount = \"A\"\ncost_centre = \"C\"\n[cost_centers]\n\"X\" = { scheme = \"rehab\", source = \"nhs\" }\n",
        ),
    );
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("m.toml:11:2: unknown field `cost_centers`"),
        "{}",
        e[0]
    );
    // No sign with a single amount column; a sign with debit and credit.
    let e = mapping_errors(
        &ledger,
        &base(
            "[columns]\ndate = \"D\"\nreference = \"R\"\namount = \"A\"\ncost_centre = \"C\"\n[cost_centres]\n\"X\" = { scheme = \"rehab\", source = \"nhs\" }\n",
        ),
    );
    assert_eq!(
        e,
        [
            "m.toml:8:10: an amount column needs `sign` to say which way round spending is (expected sign = \"expenditure-positive\" or sign = \"expenditure-negative\")"
        ]
    );
    let e = mapping_errors(
        &ledger,
        &base(
            "sign = \"credits-positive\"\n[columns]\ndate = \"D\"\nreference = \"R\"\ndebit = \"Dr\"\ncost_centre = \"C\"\n[cost_centres]\n",
        ),
    );
    assert_eq!(
        e,
        [
            "m.toml:5:8: `sign` applies to a single amount column: with debit and credit columns a debit is spending and a credit reduces it (expected no sign line, or a single amount column)",
            "m.toml:9:9: a debit column needs a credit column (expected amount = \"HEADER\", or debit = \"HEADER\" and credit = \"HEADER\")",
            "m.toml:11:1: [cost_centres] is empty (expected a line such as \"CC1001\" = { scheme = \"home-first\", source = \"nhs-minimum\" })",
        ]
    );
    // GL codes mapped without a GL column.
    let e = mapping_errors(
        &ledger,
        &base(
            "sign = \"expenditure-negative\"\n[columns]\ndate = \"D\"\nreference = \"R\"\namount = \"A\"\ncost_centre = \"C\"\n[cost_centres]\n\"X\" = { scheme = \"rehab\", source = \"nhs\" }\n[accounts]\n\"51\" = \"expenditure:staff\"\n",
        ),
    );
    assert_eq!(
        e,
        [
            "m.toml:13:1: [accounts] maps GL codes, but columns has no account_code (expected account_code = \"HEADER\" in [columns])"
        ]
    );
}

// --- Idempotence, as a property ---------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Importing any subset of the rows, appending, then importing the whole
    /// extract adds exactly the remaining rows; appending that too gives a
    /// ledger with every row once.
    #[test]
    fn importing_a_subset_then_the_whole_adds_exactly_the_rest(
        keep in proptest::collection::vec(any::<bool>(), 15)
    ) {
        let ex = northshire();
        let mut lines = ex.csv.lines();
        let header = lines.next().unwrap();
        let rows: Vec<&str> = lines.collect();
        prop_assert_eq!(rows.len(), keep.len());
        let subset: String = std::iter::once(header)
            .chain(rows.iter().zip(&keep).filter(|(_, k)| **k).map(|(r, _)| *r))
            .map(|l| format!("{l}\n"))
            .collect();
        let kept = keep.iter().filter(|k| **k).count();

        let first = import(&ex.ledger, &ex.mapping, "part.csv", &subset).unwrap();
        prop_assert_eq!((first.added, first.already_posted, first.rows), (kept, 0, kept));
        let journal = format!("{}{}", ex.journal, first.journal_text);
        let middle = load_one("bcf.journal", &journal);

        let whole = import(&middle, &ex.mapping, "whole.csv", &ex.csv).unwrap();
        prop_assert_eq!(
            (whole.added, whole.already_posted, whole.rows),
            (rows.len() - kept, kept, rows.len())
        );
        let journal = format!("{journal}{}", whole.journal_text);
        let end = load_one("bcf.journal", &journal);
        prop_assert_eq!(end.transactions.len(), ex.ledger.transactions.len() + rows.len());

        // The end state is the same as importing the whole extract at once.
        let at_once = import(&ex.ledger, &ex.mapping, "whole.csv", &ex.csv).unwrap();
        let direct = load_one("bcf.journal", &format!("{}{}", ex.journal, at_once.journal_text));
        prop_assert_eq!(
            oneplace_ledger::balances::balance_report(&end),
            oneplace_ledger::balances::balance_report(&direct)
        );
        let again = import(&end, &ex.mapping, "whole.csv", &ex.csv).unwrap();
        prop_assert_eq!((again.added, again.already_posted), (0, rows.len()));
    }
}
