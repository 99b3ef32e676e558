//! Bad journals get a message naming file, line and column.

use oneplace_ledger::{Journal, load};

const BASE: &str = "partner council \"Council\"
  kind county-council
  host
partner icb \"ICB\"
  kind icb
source nhs \"NHS money\"
  from icb
scheme rehab \"Rehab\"
  type intermediate-care
  commissioner icb 100%
  sources nhs
year 2025/26 open

2025-04-01 Contribution  ; ref:A-1
  assets:bank            £100.00  partner:icb source:nhs
  income:contributions  -£100.00  partner:icb source:nhs

2025-04-30 Spend  ; ref:A-2 partner:icb
  expenditure:services    £40.00  scheme:rehab source:nhs
  assets:bank
";

fn errors(text: &str) -> String {
    match load(&[Journal {
        name: "j.journal",
        text,
    }]) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    errors(&BASE.replacen(from, to, 1))
}

#[test]
fn the_base_journal_is_valid() {
    assert_eq!(errors(BASE), "");
}

#[test]
fn unbalanced_transactions() {
    let e = with("-£100.00  partner:icb", "-£99.99  partner:icb");
    assert_eq!(
        e,
        "error: j.journal:14:1: the transaction does not balance: its postings add up to £0.01 (expected postings that add up to £0.00)"
    );
    let e = with(
        "  assets:bank\n",
        "  assets:bank\n  liabilities:creditors\n",
    );
    assert!(
        e.contains("j.journal:21:3: a second posting without an amount"),
        "{e}"
    );
}

#[test]
fn unknown_partner_scheme_and_source_name_their_column() {
    let e = with("£100.00  partner:icb", "£100.00  partner:icc");
    assert_eq!(
        e,
        "error: j.journal:15:35: unknown partner 'icc' (expected a declared partner: council, icb)"
    );
    let e = with("scheme:rehab", "scheme:rehab2");
    assert!(
        e.starts_with(
            "error: j.journal:19:35: unknown scheme 'rehab2' (expected a declared scheme: rehab)"
        ),
        "{e}"
    );
    let e = with("scheme:rehab source:nhs", "scheme:rehab source:la");
    assert!(
        e.starts_with("error: j.journal:19:48: unknown funding source 'la'"),
        "{e}"
    );
}

#[test]
fn missing_dimensions() {
    let e = with(
        "  expenditure:services    £40.00  scheme:rehab source:nhs",
        "  expenditure:services    £40.00  source:nhs",
    );
    assert!(
        e.contains("j.journal:19:3: expenditure postings need a scheme"),
        "{e}"
    );
    let e = with(
        "2025-04-30 Spend  ; ref:A-2 partner:icb",
        "2025-04-30 Spend  ; ref:A-2",
    );
    assert!(
        e.contains("j.journal:19:3: the posting has no partner"),
        "{e}"
    );
}

#[test]
fn postings_outside_open_years() {
    let e = with("2025-04-30 Spend", "2026-04-30 Spend");
    assert!(e.contains("j.journal:18:1: 2026-04-30 is dated in a year that does not take postings: 2026/27 is not an open financial year (declare `year 2026/27 open`)"), "{e}");
    let closed = format!(
        "{BASE}close 2025/26\n2025-05-01 Late  ; ref:A-3 partner:icb\n  expenditure:services  £1.00  scheme:rehab source:nhs\n  assets:bank\n"
    );
    let e = errors(&closed);
    assert!(e.contains("j.journal:22:1: 2025-05-01 is dated in a year that does not take postings: 2025/26 was closed at j.journal:21:1"), "{e}");
}

#[test]
fn failed_balance_assertions_say_what_the_balance_was() {
    let text = format!("{BASE}balance 2025-04-30 assets:bank £61.00 partner:icb\n");
    assert_eq!(
        errors(&text),
        "error: j.journal:21:1: balance assertion failed: assets:bank is £60.00 at the end of 2025-04-30, not £61.00 (a difference of -£1.00) (expected £60.00)"
    );
    let text = format!("{BASE}balance 2025-04-01 assets:bank £100.00\n");
    assert_eq!(
        errors(&text),
        "",
        "at the end of 1 April only the contribution counts"
    );
}

#[test]
fn references_are_unique() {
    let e = with("ref:A-2", "ref:A-1");
    assert_eq!(
        e,
        "error: j.journal:18:1: reference 'A-1' is used twice (first at j.journal:14:1)"
    );
}

#[test]
fn malformed_amounts_dates_and_directives() {
    let e = with("£40.00", "£40.005");
    assert!(
        e.starts_with("error: j.journal:19:27: '£40.005' has more than two decimal places"),
        "{e}"
    );
    let e = with("2025-04-30 Spend", "2025-04-31 Spend");
    assert!(
        e.starts_with("error: j.journal:18:1: '2025-04-31' is not a date"),
        "{e}"
    );
    let e = with("year 2025/26 open", "yaer 2025/26 open");
    assert!(
        e.starts_with("error: j.journal:12:1: 'yaer' is not a directive"),
        "{e}"
    );
    let e = with("  commissioner icb 100%", "  commissioner icb 90%");
    assert!(
        e.contains("j.journal:10:3: the commissioners' shares add up to 90%"),
        "{e}"
    );
    let e = with(
        "  assets:bank            £100.00",
        "  bank            £100.00",
    );
    assert!(
        e.contains("j.journal:15:3: account 'bank' is not under a known root"),
        "{e}"
    );
}

#[test]
fn a_scheme_must_be_funded_by_the_source() {
    let text = BASE
        .replacen(
            "year 2025/26 open",
            "source other \"Other\"\nyear 2025/26 open",
            1,
        )
        .replacen("scheme:rehab source:nhs", "scheme:rehab source:other", 1);
    let e = errors(&text);
    assert!(e.contains("scheme 'rehab' is not funded by source 'other' (expected one of the scheme's sources: nhs)"), "{e}");
}
