//! Settlements worked by hand.

use oneplace_core::Money;
use oneplace_ledger::settle::{parse_agreement, settle};
use oneplace_ledger::{Journal, Ledger, load};

fn pool() -> Ledger {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-year-end.journal"
    );
    let text = std::fs::read_to_string(path).unwrap();
    load(&[Journal {
        name: "westmere-year-end.journal",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

fn amount(s: &oneplace_ledger::settle::Settlement, partner: &str) -> Money {
    s.partners
        .iter()
        .find(|p| p.partner == partner)
        .unwrap()
        .amount
}

/// The example agreement. Variances: rehab +£60,000 (NHS line 660,000
/// against 600,000), nursing +£50,000, home care −£60,000; adaptations
/// −£50,000 on the ring-fenced grant, left out.
///
/// 1. Underspends: the £60,000 meets overspends of 60,000 and 50,000 in
///    proportion: 6,000,000p × 6/11 = 3,272,727.27 and × 5/11 =
///    2,727,272.72; the odd penny to the larger remainder (nursing): rehab
///    −£32,727.27, nursing −£27,272.73, leaving £27,272.73 and £22,727.27.
/// 2. Risk pool £20,000 over 2,727,273 : 2,272,727: 1,090,909.2 and
///    909,090.8 → 1,090,909 and 909,091 (odd penny to .8): leaving rehab
///    £16,363.64 and nursing £13,636.36.
/// 3. Partners. Rehab pro rata to contributions (ICB 600,000, council
///    400,000): 1,636,364p × 0.6 = 981,818.4 and × 0.4 = 654,545.6 →
///    ICB £9,818.18, council £6,545.46. Nursing by commissioner (ICB 100%):
///    £13,636.36, within the cap of its £300,000 contribution.
#[test]
fn example_agreement_worked_by_hand() {
    let ledger = pool();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-agreement.toml"
    ))
    .unwrap();
    let a = parse_agreement("westmere-agreement.toml", &text, &ledger)
        .unwrap_or_else(|e| panic!("{e}"));
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(s.total_variance, pounds("50,000"));
    assert_eq!(s.ring_fenced_variance, pounds("-50,000"));
    let step = |name: &str| s.steps.iter().find(|x| x.step == name).unwrap().amount;
    assert_eq!(step("underspends"), pounds("60,000"));
    assert_eq!(step("risk-pool"), pounds("20,000"));
    assert_eq!(step("partners"), pounds("30,000"));
    assert_eq!(amount(&s, "icb"), pounds("23,454.54"));
    assert_eq!(amount(&s, "council"), pounds("6,545.46"));
    assert_eq!(amount(&s, "district"), Money::ZERO);
    assert_eq!(s.unfunded, Money::ZERO);
    assert_eq!(s.risk_pool_left, Money::ZERO);
    // Money is conserved: partners + risk pool + unfunded − retained = variance.
    let partners: Money = s.partners.iter().map(|p| p.amount).sum();
    assert_eq!(
        partners + s.risk_pool_used + s.unfunded - s.retained,
        s.total_variance
    );
    // The transactions post it, and load.
    assert!(s.transactions.contains("2026-03-31 Risk-share settlement 2025/26: icb  ; ref:settle-2025-26-icb partner:icb source:nhs\n  assets:bank  £23,454.54\n  income:risk-share  -£23,454.54\n"), "{}", s.transactions);
    let journal = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-year-end.journal"
    ))
    .unwrap()
        + "\n"
        + &s.transactions;
    let posted = load(&[Journal {
        name: "posted",
        text: &journal,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    // Settling again after posting changes nothing.
    let again = settle(&posted, &a, None).unwrap();
    assert_eq!(again.transactions, "");
    assert_eq!(again.already_posted, 2);
    assert_eq!(amount(&again, "icb"), pounds("23,454.54"));
}

/// A second agreement combining performance money, a fixed line, a lead
/// body and protected windfall returns.
///
/// * Performance: the ICB's £30,000 pot, baseline 1,000, target 900,
///   actual 950: half the way, so £15,000 released (proportional), met
///   from overspends 60,000 : 50,000 → rehab −£8,181.82 (the odd penny),
///   nursing −£6,818.18, leaving £51,818.18 and £43,181.82.
/// * No underspend offset. Rehab is a fixed line: the host (council) bears
///   £51,818.18. Nursing: the council, as lead, absorbs £10,000 first; the
///   remaining £33,181.82 pro rata to contributions (ICB only).
/// * Windfall: home care's £60,000 returned. Contributions: ICB 900,000,
///   council 900,000. The ICB is protected until the others have had 5%
///   back: the council first, up to 5% × 900,000 = £45,000; the other
///   £15,000 half each.
/// * ICB: 15,000 + 33,181.82 − 7,500 = £40,681.82. Council: 51,818.18 +
///   10,000 − 52,500 = £9,318.18. Total £50,000 = the variance.
#[test]
fn combined_agreement_worked_by_hand() {
    let ledger = pool();
    let text = r#"
[agreement]
year = "2025/26"
[overspend]
waterfall = ["performance", "partners"]
[underspend]
ring_fenced_sources = ["dfg"]
[protection]
partner = "icb"
after = "5%"
[[performance]]
partner = "icb"
pot = "£30,000"
metric = "falls admissions"
baseline = 1000
target = 900
actual = 950
release = "proportional"
[[rule]]
schemes = ["rehab"]
share = "fixed"
[[rule]]
schemes = ["nursing"]
share = "pro-rata"
lead = { partner = "council", absorbs = "£10,000" }
[[rule]]
schemes = "*"
share = "pro-rata"
"#;
    let a = parse_agreement("b.toml", text, &ledger).unwrap_or_else(|e| panic!("{e}"));
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(s.steps[0].amount, pounds("15,000"));
    assert_eq!(amount(&s, "icb"), pounds("40,681.82"));
    assert_eq!(amount(&s, "council"), pounds("9,318.18"));
    let icb = s.partners.iter().find(|p| p.partner == "icb").unwrap();
    let windfall: Money = icb
        .parts
        .iter()
        .filter(|p| p.what.starts_with("windfall"))
        .map(|p| p.amount)
        .sum();
    assert_eq!(windfall, pounds("-7,500"));
    let partners: Money = s.partners.iter().map(|p| p.amount).sum();
    assert_eq!(partners, s.total_variance);
}

#[test]
fn caps_leave_the_excess_unfunded_or_pass_it_on() {
    // Nursing spends £700,000 against £300,000: £400,000 over, the ICB's
    // contribution £300,000. No other step covers it.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-year-end.journal"
    ))
    .unwrap()
    .replace(
        "  expenditure:services  £350,000  scheme:nursing",
        "  expenditure:services  £700,000  scheme:nursing",
    );
    let ledger = load(&[Journal {
        name: "w",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let agreement = |excess: &str| {
        format!(
            "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"partners\"]\n[underspend]\ndefault = \"management-action\"\nring_fenced_sources = [\"dfg\"]\n[[rule]]\nschemes = [\"nursing\"]\nshare = \"commissioner\"\ncap = \"contribution\"\nexcess = \"{excess}\"\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n"
        )
    };
    let a = parse_agreement("c.toml", &agreement("unfunded"), &ledger).unwrap();
    let s = settle(&ledger, &a, None).unwrap();
    let nursing: Money = s
        .partners
        .iter()
        .flat_map(|p| &p.parts)
        .filter(|p| p.scheme.as_deref() == Some("nursing"))
        .map(|p| p.amount)
        .sum();
    assert_eq!(
        nursing,
        pounds("300,000"),
        "capped at the ICB's contribution"
    );
    assert_eq!(s.unfunded, pounds("100,000"));
    assert_eq!(
        s.unfunded_detail,
        vec![("nursing".to_string(), pounds("100,000"))]
    );
    // Home care's underspend is retained (management action), not returned.
    assert_eq!(s.retained, pounds("60,000"));
    let partners: Money = s.partners.iter().map(|p| p.amount).sum();
    assert_eq!(partners + s.unfunded - s.retained, s.total_variance);
}

#[test]
fn a_zero_variance_settles_to_zero() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-year-end.journal"
    ))
    .unwrap()
    .replace(
        "£660,000  partner:icb scheme:rehab",
        "£600,000  partner:icb scheme:rehab",
    )
    .replace("-£1,060,000", "-£1,000,000")
    .replace("£350,000  scheme:nursing", "£300,000  scheme:nursing")
    .replace("£440,000  scheme:care", "£500,000  scheme:care");
    let ledger = load(&[Journal {
        name: "w",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let a = parse_agreement("a.toml", "[agreement]\nyear = \"2025/26\"\n[underspend]\nring_fenced_sources = [\"dfg\"]\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n", &ledger).unwrap();
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(s.total_variance, Money::ZERO);
    assert!(s.partners.iter().all(|p| p.amount.is_zero()));
    assert_eq!(s.transactions, "");
}

#[test]
fn bad_agreements_name_the_place() {
    let ledger = pool();
    let e = |text: &str| {
        parse_agreement("bad.toml", text, &ledger)
            .unwrap_err()
            .to_string()
    };
    assert!(e("[agreement]\nyear = \"2025/26\"\n[risk_pool]\namount = 100\nshares = { icb = \"60%\", council = \"30%\" }\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n")
        .contains("bad.toml:5:10: the risk pool shares add up to 90%"));
    assert!(e("[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = [\"rehab\"]\nshare = { icb = \"50%\", pcc = \"50%\" }\n")
        .contains("bad.toml:5:9: unknown partner 'pcc'"));
    assert!(e("[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"underspends\", \"reserves\"]\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n")
        .contains("bad.toml:4:29: 'reserves' is not a waterfall step"));
    assert!(e("[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = [\"rehab\"]\nshare = \"pro-rata\"\n")
        .contains("no rule covers nursing, care, adapt: their variances would be unassigned"));
    assert!(e("[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"underspends\"]\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n")
        .contains("the waterfall never reaches the partners"));
}
