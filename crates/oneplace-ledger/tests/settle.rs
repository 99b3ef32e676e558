//! Settlements worked by hand.

use oneplace_core::Money;
use oneplace_ledger::settle::compute::released;
use oneplace_ledger::settle::document::explain;
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

/// The Westmere journal with some text replaced, loaded.
fn westmere_with(changes: &[(&str, &str)]) -> Ledger {
    let mut text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-year-end.journal"
    ))
    .unwrap();
    for (from, to) in changes {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    load(&[Journal {
        name: "w",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn agreement_for(ledger: &Ledger, text: &str) -> oneplace_ledger::settle::Agreement {
    parse_agreement("a.toml", text, ledger).unwrap_or_else(|e| panic!("{e}"))
}

fn retained(s: &oneplace_ledger::settle::Settlement, partner: &str) -> Money {
    s.partners
        .iter()
        .find(|p| p.partner == partner)
        .unwrap()
        .retained
}

/// Every penny of the variance is paid, returned, met from the risk pool,
/// unfunded or retained.
fn conserved(s: &oneplace_ledger::settle::Settlement) {
    let partners: Money = s.partners.iter().map(|p| p.amount).sum();
    let kept: Money = s.partners.iter().map(|p| p.retained).sum();
    assert_eq!(kept, s.retained);
    assert_eq!(
        partners + s.risk_pool + s.unfunded - s.retained,
        s.total_variance
    );
    for p in &s.partners {
        let parts: Money = p.parts.iter().map(|x| x.amount).sum();
        assert_eq!(parts, p.amount, "{}", p.partner);
    }
}

/// R1, each partner its own overspend. The council's rehabilitation
/// spending raised to £430,000 against its £400,000 contribution.
///
/// * Rehab: +£90,000 (outturn 660,000 + 430,000 against 1,000,000). Own
///   overspends: the ICB spent 660,000 against 600,000 (60,000), the
///   council 430,000 against 400,000 (30,000): ICB £60,000, council
///   £30,000.
/// * Nursing: +£50,000, all the ICB's own (350,000 against 300,000).
/// * Home care: −£60,000, a windfall returned by contributions (ICB
///   600,000 + 300,000, council 400,000 + 500,000: half each), £30,000
///   each.
/// * Adaptations (−£50,000) are on the disabled facilities grant, which
///   the journal ring-fences: left out without the agreement listing it.
/// * ICB 60,000 + 50,000 − 30,000 = £80,000; council 30,000 − 30,000 = £0.
///   Total £80,000 = 90,000 + 50,000 − 60,000.
#[test]
fn r1_own_overspends() {
    let ledger = westmere_with(&[
        (
            "£400,000  partner:council scheme:rehab",
            "£430,000  partner:council scheme:rehab",
        ),
        ("-£1,060,000", "-£1,090,000"),
    ]);
    let a = agreement_for(
        &ledger,
        "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"partners\"]\n[[rule]]\nschemes = \"*\"\nshare = \"own\"\n",
    );
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(s.ring_fenced_variance, pounds("-50,000"));
    assert_eq!(s.total_variance, pounds("80,000"));
    assert_eq!(amount(&s, "icb"), pounds("80,000"));
    assert_eq!(amount(&s, "council"), Money::ZERO);
    assert_eq!(amount(&s, "district"), Money::ZERO);
    conserved(&s);
}

/// R6 for overspends and underspends, on the Westmere year end (rehab
/// +£60,000, nursing +£50,000, home care −£60,000), no other step.
///
/// * Rehab is a fixed line: the host (the council) bears all £60,000.
/// * Nursing is a variable line split ICB 70%, council 30%: £35,000 and
///   £15,000.
/// * Home care is a variable line split ICB 25%, council 75%: its £60,000
///   underspend goes back by the same split, not by contributions: ICB
///   −£15,000, council −£45,000.
/// * ICB 35,000 − 15,000 = £20,000; council 60,000 + 15,000 − 45,000 =
///   £30,000; total £50,000.
#[test]
fn r6_fixed_and_variable_lines_over_and_under() {
    let ledger = pool();
    let a = agreement_for(
        &ledger,
        r#"[agreement]
year = "2025/26"
[overspend]
waterfall = ["partners"]
[[rule]]
schemes = ["rehab"]
share = "fixed"
[[rule]]
schemes = ["nursing"]
share = { icb = "70%", council = "30%" }
[[rule]]
schemes = ["care"]
share = { icb = "25%", council = "75%" }
[[rule]]
schemes = "*"
share = "pro-rata"
"#,
    );
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(amount(&s, "icb"), pounds("20,000"));
    assert_eq!(amount(&s, "council"), pounds("30,000"));
    assert_eq!(amount(&s, "district"), Money::ZERO);
    conserved(&s);

    // The ICB's rehabilitation spending cut to £560,000: rehab −£40,000,
    // nursing +£50,000, home care −£60,000.
    let ledger = westmere_with(&[
        (
            "£660,000  partner:icb scheme:rehab",
            "£560,000  partner:icb scheme:rehab",
        ),
        ("-£1,060,000", "-£960,000"),
    ]);
    let fixed = |rehab: &str| {
        format!(
            "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"partners\"]\n[[rule]]\nschemes = [\"rehab\"]\nshare = {rehab}\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n"
        )
    };
    // Fixed: the host keeps rehab's £40,000 underspend; the ICB's
    // contribution does not move. Nursing £50,000 to the ICB (its only
    // contributor). Home care's £60,000 is a windfall returned by
    // contributions (ICB 900,000, council 900,000): £30,000 each.
    // ICB 50,000 − 30,000 = £20,000; council −40,000 − 30,000 = −£70,000;
    // total −£50,000.
    let s = settle(&ledger, &agreement_for(&ledger, &fixed("\"fixed\"")), None).unwrap();
    assert_eq!(s.total_variance, pounds("-50,000"));
    assert_eq!(amount(&s, "icb"), pounds("20,000"));
    assert_eq!(amount(&s, "council"), pounds("-70,000"));
    conserved(&s);
    // Variable, ICB 10%, council 90%: rehab's £40,000 back as £4,000 and
    // £36,000. ICB 50,000 − 4,000 − 30,000 = £16,000; council −36,000 −
    // 30,000 = −£66,000.
    let s = settle(
        &ledger,
        &agreement_for(&ledger, &fixed("{ icb = \"10%\", council = \"90%\" }")),
        None,
    )
    .unwrap();
    assert_eq!(amount(&s, "icb"), pounds("16,000"));
    assert_eq!(amount(&s, "council"), pounds("-66,000"));
    conserved(&s);
}

/// R10: home care's £60,000 underspend came from management action. It is
/// retained, not used to meet the overspends.
///
/// * Underspends step: nothing to use (home care's is retained, the
///   adaptations' ring-fenced): £0.
/// * Rehab +£60,000 pro rata (ICB 600,000, council 400,000): £36,000 and
///   £24,000. Nursing +£50,000, the ICB's alone.
/// * ICB 36,000 + 50,000 = £86,000; council £24,000, and it retains the
///   £60,000 it saved (its commissioner). 110,000 − 60,000 = 50,000.
#[test]
fn r10_management_action_retained_by_whoever_made_it() {
    let ledger = pool();
    let text = |extra: &str| {
        format!(
            "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"underspends\", \"partners\"]\n[underspend]\ndefault = \"windfall\"\nmanagement_action = [\"care\"]\n{extra}[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n"
        )
    };
    let s = settle(&ledger, &agreement_for(&ledger, &text("")), None).unwrap();
    let step = |name: &str| s.steps.iter().find(|x| x.step == name).unwrap().amount;
    assert_eq!(step("underspends"), Money::ZERO);
    assert_eq!(step("retained"), pounds("60,000"));
    assert_eq!(s.retained, pounds("60,000"));
    assert_eq!(amount(&s, "icb"), pounds("86,000"));
    assert_eq!(amount(&s, "council"), pounds("24,000"));
    assert_eq!(retained(&s, "council"), pounds("60,000"));
    assert_eq!(retained(&s, "icb"), Money::ZERO);
    conserved(&s);
    // The agreement may name who made the saving: the ICB keeps it.
    let s = settle(
        &ledger,
        &agreement_for(&ledger, &text("retained_by = { care = \"icb\" }\n")),
        None,
    )
    .unwrap();
    assert_eq!(retained(&s, "icb"), pounds("60,000"));
    assert_eq!(retained(&s, "council"), Money::ZERO);
    assert_eq!(amount(&s, "icb"), pounds("86,000"));
    conserved(&s);
}

/// R3 with R8: a lead body's absorption counts inside its cap. Nursing
/// spends £700,000 against £300,000: £400,000 over; the ICB commissions it
/// and contributed £300,000.
///
/// * The ICB as lead absorbs £10,000 first (within its cap).
/// * The other £390,000 by commissioner (ICB 100%): room under the cap is
///   300,000 − 10,000 = £290,000, so £290,000, and £100,000 over the cap
///   is unfunded. The ICB pays £300,000 on nursing in all, not £310,000.
/// * Rehab +£60,000 pro rata: ICB £36,000, council £24,000. Home care's
///   underspend is retained (management action by default): council
///   £60,000.
/// * ICB 300,000 + 36,000 = £336,000; council £24,000. 360,000 + 100,000
///   − 60,000 = 400,000, the variance.
#[test]
fn caps_count_what_the_lead_absorbs() {
    let ledger = westmere_with(&[(
        "  expenditure:services  £350,000  scheme:nursing",
        "  expenditure:services  £700,000  scheme:nursing",
    )]);
    let a = agreement_for(
        &ledger,
        r#"[agreement]
year = "2025/26"
[overspend]
waterfall = ["partners"]
[underspend]
default = "management-action"
[[rule]]
schemes = ["nursing"]
share = "commissioner"
cap = "contribution"
excess = "unfunded"
lead = { partner = "icb", absorbs = "£10,000" }
[[rule]]
schemes = "*"
share = "pro-rata"
"#,
    );
    let s = settle(&ledger, &a, None).unwrap();
    let on_nursing: Money = s
        .partners
        .iter()
        .find(|p| p.partner == "icb")
        .unwrap()
        .parts
        .iter()
        .filter(|x| x.scheme.as_deref() == Some("nursing"))
        .map(|x| x.amount)
        .sum();
    assert_eq!(on_nursing, pounds("300,000"));
    assert_eq!(s.unfunded, pounds("100,000"));
    assert_eq!(amount(&s, "icb"), pounds("336,000"));
    assert_eq!(amount(&s, "council"), pounds("24,000"));
    assert_eq!(retained(&s, "council"), pounds("60,000"));
    conserved(&s);
}

/// R3, caps with the excess passed on. The NHS contribution is paid in by
/// the ICB and the district together, so each contributes half of the NHS
/// lines: rehab ICB 300,000, district 300,000, council 400,000 (its grant).
/// Rehab spends £1,560,000 against £1,000,000: £560,000 over.
///
/// * Agreed split ICB 80%, council 10%, district 10%: £448,000, £56,000,
///   £56,000.
/// * Capped at contributions: the ICB at £300,000, so £148,000 over.
/// * Passed on to those under their caps in proportion to contributions,
///   council 400,000 : district 300,000: 14,800,000p × 4/7 =
///   8,457,142.86 and × 3/7 = 6,342,857.14; the odd penny to the larger
///   remainder (the council): £84,571.43 and £63,428.57, both within
///   their caps.
/// * Rehab: ICB £300,000, council £140,571.43, district £119,428.57.
/// * Nursing (+£50,000) by commissioner: the ICB. Home care's underspend
///   retained by the council (£60,000).
/// * ICB £350,000; 350,000 + 140,571.43 + 119,428.57 − 60,000 = 550,000.
#[test]
fn caps_pass_the_excess_on_pro_rata() {
    let ledger = westmere_with(&[
        (
            "source nhs \"NHS minimum contribution\"\n  from icb",
            "source nhs \"NHS minimum contribution\"\n  from icb district",
        ),
        (
            "£660,000  partner:icb scheme:rehab",
            "£1,160,000  partner:icb scheme:rehab",
        ),
        ("-£1,060,000", "-£1,560,000"),
    ]);
    let a = agreement_for(
        &ledger,
        r#"[agreement]
year = "2025/26"
[overspend]
waterfall = ["partners"]
[underspend]
default = "management-action"
[[rule]]
schemes = ["rehab"]
share = { icb = "80%", council = "10%", district = "10%" }
cap = "contribution"
excess = "pro-rata"
[[rule]]
schemes = "*"
share = "commissioner"
"#,
    );
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(s.unfunded, Money::ZERO);
    assert_eq!(amount(&s, "icb"), pounds("350,000"));
    assert_eq!(amount(&s, "council"), pounds("140,571.43"));
    assert_eq!(amount(&s, "district"), pounds("119,428.57"));
    conserved(&s);
    // A named cap: the council's £100,000, the others uncapped. Council
    // £56,000 is within it; nothing to pass on and nothing unfunded: ICB
    // 448,000 + 50,000 = £498,000, district £56,000.
    let a = agreement_for(
        &ledger,
        r#"[agreement]
year = "2025/26"
[overspend]
waterfall = ["partners"]
[underspend]
default = "management-action"
[[rule]]
schemes = ["rehab"]
share = { icb = "80%", council = "10%", district = "10%" }
caps = { council = "£100,000" }
excess = "pro-rata"
[[rule]]
schemes = "*"
share = "commissioner"
"#,
    );
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(amount(&s, "icb"), pounds("498,000"));
    assert_eq!(amount(&s, "council"), pounds("56,000"));
    assert_eq!(amount(&s, "district"), pounds("56,000"));
    conserved(&s);
}

/// R4: a £100,000 risk pool funded ICB 60%, council 40%.
///
/// * Underspends: home care's £60,000 meets rehab's and nursing's
///   overspends (as in the example): £27,272.73 and £22,727.27 left.
/// * Risk pool: meets the remaining £50,000; £50,000 is left and returned
///   to its funders by their shares: ICB −£30,000, council −£20,000. The
///   £50,000 used is theirs too: ICB £30,000, council £20,000.
/// * Nothing left for the partners' step.
/// * Partners −50,000 + the pool's 100,000 = 50,000, the variance.
#[test]
fn r4_risk_pool_used_and_returned_by_its_shares() {
    let ledger = pool();
    let a = agreement_for(
        &ledger,
        r#"[agreement]
year = "2025/26"
[risk_pool]
amount = "£100,000"
shares = { icb = "60%", council = "40%" }
[overspend]
waterfall = ["underspends", "risk-pool", "partners"]
[[rule]]
schemes = "*"
share = "pro-rata"
"#,
    );
    let s = settle(&ledger, &a, None).unwrap();
    assert_eq!(s.risk_pool_used, pounds("50,000"));
    assert_eq!(s.risk_pool_left, pounds("50,000"));
    assert_eq!(amount(&s, "icb"), pounds("-30,000"));
    assert_eq!(amount(&s, "council"), pounds("-20,000"));
    let step = s.steps.iter().find(|x| x.step == "risk-pool").unwrap();
    assert!(
        step.detail
            .contains("borne by council £20,000.00, icb £30,000.00")
            && step
                .detail
                .contains("£50,000.00 returned (council £20,000.00, icb £30,000.00)"),
        "{}",
        step.detail
    );
    conserved(&s);
}

/// R5: home care is an allocation held uncommitted. Its £60,000 is not
/// an underspend elsewhere in the pool but meets overspends at its own
/// step.
///
/// * Underspends: none (home care's is held back; adaptations ring-fenced).
/// * Uncommitted: £60,000 over rehab 60,000 : nursing 50,000, as in the
///   example: £27,272.73 and £22,727.27 left.
/// * Partners, pro rata: rehab 2,727,273p × 0.6 = 1,636,363.8 and × 0.4 =
///   1,090,909.2; the odd penny to .8 (the ICB): ICB £16,363.64, council
///   £10,909.09. Nursing £22,727.27 to the ICB.
/// * ICB 16,363.64 + 22,727.27 = £39,090.91; council £10,909.09.
#[test]
fn r5_uncommitted_allocations_have_their_own_step() {
    let ledger = pool();
    for order in [
        "[\"underspends\", \"uncommitted\", \"partners\"]",
        "[\"uncommitted\", \"underspends\", \"partners\"]",
    ] {
        let a = agreement_for(
            &ledger,
            &format!(
                "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = {order}\nuncommitted = [\"care\"]\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n"
            ),
        );
        let s = settle(&ledger, &a, None).unwrap();
        let step = |name: &str| s.steps.iter().find(|x| x.step == name).unwrap().amount;
        assert_eq!(step("underspends"), Money::ZERO);
        assert_eq!(step("uncommitted"), pounds("60,000"));
        assert_eq!(amount(&s, "icb"), pounds("39,090.91"));
        assert_eq!(amount(&s, "council"), pounds("10,909.09"));
        conserved(&s);
    }
}

/// R9 released all-or-nothing and above a threshold. Emergency admissions
/// from a baseline of 1,000 towards a target of 900; 950 is half the way.
///
/// * The ICB's £30,000 all-or-nothing pot: target missed, nothing.
/// * The council's £20,000 pot with a 40% threshold: 50% reached, so 50%,
///   £10,000, released and used: 1,000,000p over rehab 60,000 : nursing
///   50,000 = 545,454.55 (odd penny, remainder .54 against .45) and
///   454,545.45: rehab £54,545.45 and nursing £45,454.55 left.
/// * Pro rata: rehab 5,454,545p × 0.6 = 3,272,727 and × 0.4 = 2,181,818:
///   ICB £32,727.27, council £21,818.18. Nursing £45,454.55 to the ICB.
/// * Home care's underspend retained (management action).
/// * ICB 32,727.27 + 45,454.55 = £78,181.82; council 10,000 + 21,818.18 =
///   £31,818.18.
#[test]
fn r9_all_or_nothing_and_threshold_pots() {
    let ledger = pool();
    let a = agreement_for(
        &ledger,
        r#"[agreement]
year = "2025/26"
[overspend]
waterfall = ["performance", "partners"]
[underspend]
default = "management-action"
[[performance]]
partner = "icb"
pot = "£30,000"
metric = "admissions"
baseline = 1000
target = 900
actual = 950
release = "all-or-nothing"
[[performance]]
partner = "council"
pot = "£20,000"
metric = "admissions"
baseline = 1000
target = 900
actual = 950
release = "threshold"
threshold = "40%"
[[rule]]
schemes = "*"
share = "pro-rata"
"#,
    );
    let s = settle(&ledger, &a, None).unwrap();
    let pots: Vec<Money> = s
        .steps
        .iter()
        .filter(|x| x.step == "performance")
        .map(|x| x.amount)
        .collect();
    assert_eq!(pots, vec![Money::ZERO, pounds("10,000")]);
    assert_eq!(amount(&s, "icb"), pounds("78,181.82"));
    assert_eq!(amount(&s, "council"), pounds("31,818.18"));
    conserved(&s);

    // The release rules on their own: the target met (880) releases the
    // whole all-or-nothing pot; a 60% threshold at 50% releases nothing;
    // proportional beyond the target stops at the whole pot.
    let mut p = a.performance[0].clone();
    p.actual = 880.0;
    assert_eq!(released(&p), pounds("30,000"));
    p.actual = 950.0;
    assert_eq!(released(&p), Money::ZERO);
    let mut t = a.performance[1].clone();
    t.release = oneplace_ledger::settle::agreement::Release::Threshold(6_000);
    assert_eq!(released(&t), Money::ZERO);
    t.release = oneplace_ledger::settle::agreement::Release::Proportional;
    t.actual = 800.0;
    assert_eq!(released(&t), pounds("20,000"));
}

/// The partner's trace ends at its figure, through each step.
#[test]
fn explain_traces_each_step_to_the_figure() {
    let ledger = pool();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/westmere-agreement.toml"
    ))
    .unwrap();
    let a = agreement_for(&ledger, &text);
    let s = settle(&ledger, &a, None).unwrap();
    let e = explain(&s, "icb").unwrap();
    assert_eq!(e.amount, pounds("23,454.54"));
    assert_eq!(e.rows.last().unwrap().running, pounds("23,454.54"));
    let mine: Money = e.rows.iter().filter_map(|r| r.amount).sum();
    assert_eq!(mine, pounds("23,454.54"));
    // Nursing shrinks by £27,272.73 at the underspends step, then by
    // £909,091 pence at the risk pool (see the example above).
    let shrink = |step: &str| {
        e.rows
            .iter()
            .find(|r| r.step == step && r.scheme.as_deref() == Some("nursing"))
            .unwrap()
            .detail
            .clone()
    };
    assert_eq!(shrink("underspends"), "£50,000.00 → £22,727.27");
    assert_eq!(shrink("risk-pool"), "£22,727.27 → £13,636.36");
    assert!(e.rows.iter().any(|r| r.what == "cap checked"
        && r.detail == "£13,636.36 in all, within its cap of £300,000.00 (its contribution)"));
    assert!(explain(&s, "pcc").is_none());
}

#[test]
fn more_bad_agreements_name_the_place() {
    let ledger = pool();
    let e = |text: &str| {
        parse_agreement("bad.toml", text, &ledger)
            .unwrap_err()
            .to_string()
    };
    let rule = "[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n";
    // Two rules for every other scheme.
    let two = e(&format!("[agreement]\nyear = \"2025/26\"\n{rule}{rule}"));
    assert!(
        two.contains("bad.toml:7:11: a second rule for every other scheme"),
        "{two}"
    );
    // A risk pool the waterfall never uses.
    let pool = e(&format!(
        "[agreement]\nyear = \"2025/26\"\n[risk_pool]\namount = \"£10,000\"\nshares = {{ icb = \"100%\" }}\n[overspend]\nwaterfall = [\"underspends\", \"partners\"]\n{rule}"
    ));
    assert!(
        pool.contains("bad.toml:7:13: the risk pool of £10,000.00 is not in the waterfall"),
        "{pool}"
    );
    // A performance pot the waterfall never uses.
    let pot = e(&format!(
        "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"partners\"]\n[[performance]]\npartner = \"icb\"\npot = 100\ntarget = 1\nactual = 1\nrelease = \"all-or-nothing\"\n{rule}"
    ));
    assert!(
        pot.contains("bad.toml:4:13: performance pots are not in the waterfall"),
        "{pot}"
    );
    // A step named twice: a waterfall cannot come back to a step, so no
    // rule can lead round to itself.
    let twice = e(&format!(
        "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"partners\", \"underspends\", \"partners\"]\n{rule}"
    ));
    assert!(
        twice.contains("bad.toml:4:41: the step 'partners' is named twice"),
        "{twice}"
    );
    // A cap on a partner the ledger does not have, and a cap that is not one.
    let cap = e(
        "[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\ncaps = { icb = \"contribution\", pcc = \"£5,000\" }\ncap = \"half\"\n",
    );
    assert!(
        cap.contains("bad.toml:6:32: unknown partner 'pcc'"),
        "{cap}"
    );
    assert!(cap.contains("bad.toml:7:7: 'half' is not a cap"), "{cap}");
    // A variable line's shares that do not add up.
    let split = e(
        "[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = \"*\"\nshare = { icb = \"50%\", council = \"40%\" }\n",
    );
    assert!(
        split.contains("bad.toml:5:9: the shares add up to 90%"),
        "{split}"
    );
    // A source the ledger does not have.
    let source = e(&format!(
        "[agreement]\nyear = \"2025/26\"\n[underspend]\nring_fenced_sources = [\"lottery\"]\n{rule}"
    ));
    assert!(
        source.contains("bad.toml:4:24: unknown funding source 'lottery'"),
        "{source}"
    );
    // Retained by someone, for a scheme whose underspend is a windfall.
    let kept = e(&format!(
        "[agreement]\nyear = \"2025/26\"\n[underspend]\nretained_by = {{ care = \"council\" }}\n{rule}"
    ));
    assert!(
        kept.contains("bad.toml:4:17: 'care' is not a management-action scheme"),
        "{kept}"
    );
}
