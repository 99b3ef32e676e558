//! The example pool's April, worked by hand.

use oneplace_core::{Money, Period};
use oneplace_ledger::report::{annual_return, income_expenditure, monitoring, partner_positions};
use oneplace_ledger::{Journal, Ledger, load};

fn example() -> Ledger {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/northshire-bcf.journal"
    );
    let text = std::fs::read_to_string(path).unwrap();
    load(&[Journal {
        name: "northshire-bcf.journal",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

fn april() -> Period {
    Period::parse("2025/26 M01").unwrap()
}

#[test]
fn monitoring_lines_worked_by_hand() {
    let m = monitoring(&example(), april());
    let line = |scheme: &str, source: &str| {
        m.lines
            .iter()
            .find(|l| l.scheme == scheme && l.source == source)
            .unwrap_or_else(|| panic!("{scheme} {source}"))
    };
    // Home First, NHS money: £1.2m evenly (£100,000 a month); April spend
    // £98,000; a £12,000 order open; forecast by profile: 98,000 + 12,000 +
    // 11 × 100,000 = £1,210,000, £10,000 over. Material above the greater of
    // £10,000 and 2% of £1.2m (£24,000): not flagged.
    let l = line("home-first", "nhs-minimum");
    assert_eq!(l.method, "profile");
    assert_eq!(l.figures.annual_budget, pounds("1,200,000"));
    assert_eq!(l.figures.profiled_budget, pounds("100,000"));
    assert_eq!(l.figures.actual, pounds("98,000"));
    assert_eq!(l.figures.movement, pounds("98,000"));
    assert_eq!(l.figures.commitments, pounds("12,000"));
    assert_eq!(l.figures.forecast_outturn, pounds("1,210,000"));
    assert_eq!(l.figures.variance, pounds("10,000"));
    assert!((l.variance_percent.unwrap() - 10_000.0 / 1_200_000.0).abs() < 1e-12);
    assert!(!l.flagged);
    // Community nursing: a manual forecast of £2,450,000 against £2.4m:
    // £50,000 over, above 2% (£48,000): flagged.
    let l = line("community-nursing", "nhs-minimum");
    assert_eq!(l.method, "manual");
    assert_eq!(l.figures.forecast_outturn, pounds("2,450,000"));
    assert_eq!(l.figures.variance, pounds("50,000"));
    assert!(l.flagged);
    // Home care, grant: £900,000 profiled 1 for nine months and 1.5 for the
    // last three (13.5 parts): April gets 900,000 / 13.5 = £66,666.67 (the
    // six odd pence go to April–September). Spend £71,250; run-rate
    // forecast 71,250 × 12 = £855,000: £45,000 under, above the greater of
    // £10,000 and £18,000: flagged.
    let l = line("home-care", "la-grant");
    assert_eq!(l.method, "run-rate");
    assert_eq!(l.figures.profiled_budget, pounds("66,666.67"));
    assert_eq!(l.figures.forecast_outturn, pounds("855,000"));
    assert_eq!(l.figures.variance, pounds("-45,000"));
    assert!(l.flagged);
    // Home care, additional: 15,000 + 11 × 20,000 = £235,000; £5,000 under
    // the £10,000 floor: not flagged.
    let l = line("home-care", "council-additional");
    assert_eq!(l.figures.forecast_outturn, pounds("235,000"));
    assert!(!l.flagged);
    // Totals: budgets £5.04m; spend £408,750; forecasts 1,210,000 + 299,500
    // + 2,450,000 + 855,000 + 235,000 = £5,049,500.
    assert_eq!(m.total.annual_budget, pounds("5,040,000"));
    assert_eq!(m.total.actual, pounds("408,750"));
    assert_eq!(m.total.forecast_outturn, pounds("5,049,500"));
    assert_eq!(m.total.variance, pounds("9,500"));
}

#[test]
fn monitoring_by_scheme_and_partner() {
    let m = monitoring(&example(), april());
    let scheme = |id: &str| m.schemes.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        scheme("home-first").figures.annual_budget,
        pounds("1,500,000")
    );
    assert_eq!(scheme("home-first").figures.actual, pounds("122,500"));
    assert_eq!(
        scheme("home-first").figures.forecast_outturn,
        pounds("1,509,500")
    );
    // Partners by commissioning split: Home First 60% ICB, 40% council;
    // community nursing all ICB; home care all council.
    let partner = |id: &str| m.partners.iter().find(|r| r.id == id).unwrap();
    // ICB: 60% of £1.5m + £2.4m = £3.3m; spend 60% × 122,500 + 200,000 =
    // £273,500; forecast 60% × (1,210,000 + 299,500) + 2,450,000 = £3,355,700.
    assert_eq!(partner("icb").figures.annual_budget, pounds("3,300,000"));
    assert_eq!(partner("icb").figures.actual, pounds("273,500"));
    assert_eq!(partner("icb").figures.forecast_outturn, pounds("3,355,700"));
    // Council: 40% × 1.5m + 900,000 + 240,000 = £1,740,000; spend 49,000 +
    // 71,250 + 15,000 = £135,250.
    assert_eq!(
        partner("county-council").figures.annual_budget,
        pounds("1,740,000")
    );
    assert_eq!(partner("county-council").figures.actual, pounds("135,250"));
    // The partner view adds up to the whole.
    let sum: Money = m.partners.iter().map(|r| r.figures.forecast_outturn).sum();
    assert_eq!(sum, m.total.forecast_outturn);
}

#[test]
fn income_and_expenditure_by_source() {
    let r = income_expenditure(&example(), april());
    let income = |source: &str, partner: &str| {
        r.income
            .iter()
            .find(|i| i.source == source && i.partner == partner)
            .unwrap()
    };
    assert_eq!(income("nhs-minimum", "icb").planned, pounds("3,600,000"));
    assert_eq!(income("nhs-minimum", "icb").received, pounds("900,000"));
    assert_eq!(
        income("la-grant", "county-council").received,
        pounds("300,000")
    );
    assert_eq!(r.total_income, pounds("1,440,000"));
    assert_eq!(r.total_spending, pounds("408,750"));
    // Every source's planned contributions equal its budgets.
    assert!(r.plan_checks.iter().all(|c| c.3), "{:?}", r.plan_checks);
    assert!(r.ring_fences.iter().all(|c| c.passed));
    let intermediate = r
        .spending
        .iter()
        .find(|s| s.scheme_type == "intermediate-care" && s.source == "nhs-minimum")
        .unwrap();
    assert_eq!(intermediate.actual, pounds("98,000"));
}

#[test]
fn ring_fence_breaches_are_flagged() {
    // The additional council money has no ring-fence, but if the grant paid
    // for community nursing it would breach its ring-fence.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/northshire-bcf.journal"
    );
    let text = std::fs::read_to_string(path).unwrap().replace(
        "  sources nhs-minimum\n\nscheme home-care",
        "  sources nhs-minimum, la-grant\n\nscheme home-care",
    ) + "\n2025-05-01 Nursing paid from the grant  ; ref:X-1 partner:icb\n  expenditure:services  £1,000.00  scheme:community-nursing source:la-grant\n  assets:bank\n";
    let l = load(&[Journal {
        name: "x",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let r = income_expenditure(&l, Period::parse("2025/26 M02").unwrap());
    let grant = r
        .ring_fences
        .iter()
        .find(|c| c.source == "la-grant")
        .unwrap();
    assert!(!grant.passed);
    assert_eq!(grant.outside, pounds("1,000"));
}

#[test]
fn partner_positions_worked_by_hand() {
    let r = partner_positions(&example(), april());
    let p = |id: &str| r.partners.iter().find(|x| x.partner == id).unwrap();
    // ICB: £3.6m in four quarterly instalments, the first (£900,000) due
    // on 1 April and paid; out 98,000 + 200,000.
    assert_eq!(p("icb").due, pounds("900,000"));
    assert_eq!(p("icb").contributed, pounds("900,000"));
    // Council: a quarter of £1.2m (£300,000) and the annual £240,000.
    assert_eq!(p("county-council").due, pounds("540,000"));
    assert_eq!(p("icb").spent, pounds("298,000"));
    assert_eq!(p("icb").net, pounds("602,000"));
    // Council: in £540,000, out 24,500 + 71,250 + 15,000.
    assert_eq!(p("county-council").spent, pounds("110,750"));
    // The balance £1,031,250 shared 900:540: £644,531.25 and £386,718.75.
    assert_eq!(r.balance, pounds("1,031,250"));
    assert_eq!(p("icb").share_of_balance, pounds("644,531.25"));
    assert_eq!(p("county-council").share_of_balance, pounds("386,718.75"));
}

#[test]
fn annual_return_adds_up() {
    let r = annual_return(&example(), oneplace_core::FinancialYear::starting(2025));
    assert_eq!(r.opening_balance, Money::ZERO);
    assert_eq!(r.total_income, pounds("1,440,000"));
    assert_eq!(r.total_spending, pounds("408,750"));
    assert_eq!(r.closing_balance, pounds("1,031,250"));
    let by_scheme: Money = r.spending_by_scheme.iter().map(|x| x.1).sum();
    assert_eq!(by_scheme, r.total_spending);
}
