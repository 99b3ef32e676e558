//! Amounts too large to add up exactly, the host rule and the fund's legal
//! basis.

use oneplace_ledger::model::Basis;
use oneplace_ledger::{Journal, Ledger, load};

const HEAD: &str = "partner council \"Council\"
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
";

fn load_text(text: &str) -> Result<Ledger, String> {
    load(&[Journal {
        name: "j.journal",
        text,
    }])
    .map_err(|e| e.to_string())
}

#[test]
fn three_postings_summing_past_64_bits_are_refused_at_their_column() {
    // 3 × 6,148,914,691,236,517,206 pence is 2^64 + 2: each is a legal i64,
    // and the sum would wrap. Each is far above the largest amount a journal
    // may state (£1,000,000,000,000.00), so each is refused where it is
    // written, with no panic and no wrapped sum.
    let text = format!(
        "{HEAD}
2025-04-01 Too much  ; ref:X-1 partner:icb source:nhs
  assets:bank            £61,489,146,912,365,172.06
  assets:bank            £61,489,146,912,365,172.06
  income:contributions   £61,489,146,912,365,172.06
"
    );
    let e = load_text(&text).unwrap_err();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "{e}");
    // Line 15, column 26: the amount after the account and its spaces.
    assert!(
        lines[0].starts_with("error: j.journal:15:26: '£61,489,146,912,365,172.06' is too large"),
        "{e}"
    );
    assert!(lines[1].starts_with("error: j.journal:16:26:"), "{e}");
    assert!(lines[2].starts_with("error: j.journal:17:26:"), "{e}");
}

#[test]
fn the_largest_amount_is_accepted_and_a_penny_more_refused() {
    let ok = format!(
        "{HEAD}
2025-04-01 Largest  ; ref:X-1 partner:icb source:nhs
  assets:bank            £1,000,000,000,000.00
  income:contributions  -£1,000,000,000,000.00
"
    );
    let l = load_text(&ok).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.postings[0].amount.pence(), 100_000_000_000_000);
    let bad = ok.replace("-£1,000,000,000,000.00", "-£1,000,000,000,000.01");
    let e = load_text(&bad).unwrap_err();
    assert!(
        e.starts_with("error: j.journal:16:25: '-£1,000,000,000,000.01' is too large"),
        "{e}"
    );
}

#[test]
fn a_ledger_whose_amounts_add_up_past_the_limit_is_refused() {
    // 5,001 transactions of two postings of £1tn each: 10,002 × 10^14
    // pence, past the ledger's limit of 10^18 pence at the 10,001st posting,
    // the first posting of the 5,001st transaction (line 12 + 5,000 × 4 + 2).
    let mut text = HEAD.to_string();
    for i in 0..5_001 {
        text.push_str(&format!(
            "2025-04-01 Big  ; ref:B-{i} partner:icb source:nhs\n  assets:bank  £1,000,000,000,000\n  income:contributions  -£1,000,000,000,000\n\n"
        ));
    }
    let e = load_text(&text).unwrap_err();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.starts_with("error: j.journal:20014:16: the ledger's amounts, added up regardless of sign, exceed £10,000,000,000,000,000.00"),
        "{e}"
    );
}

#[test]
fn a_pooled_fund_needs_a_host_and_an_aligned_budget_does_not() {
    let no_host = HEAD.replace("  host\n", "");
    let pooled = format!("{no_host}fund pool \"Pool\"\n  basis s75-pooled\n");
    let e = load_text(&pooled).unwrap_err();
    assert_eq!(
        e,
        "error: j.journal:12:6: fund 'pool' is pooled but no partner is its host (expected a `host` line under the partner that holds the fund (or `basis aligned`))"
    );
    let aligned = format!("{no_host}fund pool \"Pool\"\n  basis aligned\n");
    let l = load_text(&aligned).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.host(), None);
    // Two hosts are refused at the second.
    let two = HEAD.replace("  kind icb\n", "  kind icb\n  host\n");
    let e = load_text(&two).unwrap_err();
    assert!(
        e.starts_with("error: j.journal:4:9: a second host partner"),
        "{e}"
    );
}

#[test]
fn every_legal_basis_parses_and_s75_is_the_default() {
    for (name, basis) in [
        ("s75-pooled", Basis::S75Pooled),
        ("lead-commissioning", Basis::LeadCommissioning),
        ("aligned", Basis::Aligned),
        ("s256-transfer", Basis::S256Transfer),
        ("s76-transfer", Basis::S76Transfer),
        ("ring-fenced-grant", Basis::RingFencedGrant),
    ] {
        let text = format!("{HEAD}fund pool \"Pool\"\n  basis {name}\n  host council\n");
        let l = load_text(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(l.funds[0].basis, basis, "{name}");
    }
    let text = format!("{HEAD}fund pool \"Pool\"\n  host council\n");
    let l = load_text(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.funds[0].basis, Basis::S75Pooled);
    let text = format!("{HEAD}fund pool \"Pool\"\n  basis s31-pooled\n");
    let e = load_text(&text).unwrap_err();
    assert!(
        e.starts_with("error: j.journal:14:3: unknown basis 's31-pooled'"),
        "{e}"
    );
}
