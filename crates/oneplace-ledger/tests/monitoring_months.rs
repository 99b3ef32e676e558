//! Monitoring after April, worked by hand: a virement spread over the
//! remaining months, a commitment that is cleared, the month's movement and
//! the budget to date at M02 and M03, a run-rate line and a manual line.

use oneplace_core::{Money, Period};
use oneplace_ledger::report::monitoring;
use oneplace_ledger::report::monitoring::{Line, Monitoring};
use oneplace_ledger::{Journal, Ledger, load};

const JOURNAL: &str = "partner council \"Council\"
  kind county-council
  host
partner icb \"ICB\"
  kind icb

fund pool \"Pool\"
  basis s75-pooled
  host council
  materiality £25,000 2%

source nhs \"NHS money\"
  from icb
source la \"Council money\"
  from council

scheme home \"Home care\"
  type social-care
  commissioner icb 100%
  sources nhs
scheme rehab \"Rehab\"
  type intermediate-care
  commissioner icb 50% council 50%
  sources nhs, la

year 2025/26 open

budget 2025/26 home nhs £1,000,000
budget 2025/26 rehab nhs £240,000
budget 2025/26 rehab la £60,000

forecast 2025/26 rehab nhs run-rate
forecast 2025/26 rehab la £50,000

virement 2025-05-20 £120,000 home nhs -> rehab nhs \"Board 19 May\"

commitment 2025-05-01 home nhs £9,000 \"PO-1 cleared in June\"
  cleared 2025-06-05
commitment 2025-06-10 home nhs £5,000 \"PO-2 open\"

2025-04-30 Home April  ; ref:H-4 partner:icb
  expenditure:services  £80,000.00  scheme:home source:nhs
  liabilities:creditors
2025-05-31 Home May  ; ref:H-5 partner:icb
  expenditure:services  £70,000.00  scheme:home source:nhs
  liabilities:creditors
2025-06-30 Home June  ; ref:H-6 partner:icb
  expenditure:services  £75,000.00  scheme:home source:nhs
  liabilities:creditors

2025-04-30 Rehab April  ; ref:R-4 partner:icb
  expenditure:services  £18,000.00  scheme:rehab source:nhs
  liabilities:creditors
2025-05-31 Rehab May  ; ref:R-5 partner:icb
  expenditure:services  £30,000.00  scheme:rehab source:nhs
  liabilities:creditors
2025-06-30 Rehab June  ; ref:R-6 partner:icb
  expenditure:services  £33,000.01  scheme:rehab source:nhs
  liabilities:creditors

2025-06-15 Rehab council June  ; ref:L-6 partner:council
  expenditure:services  £4,000.00  scheme:rehab source:la
  liabilities:creditors
";

fn ledger() -> Ledger {
    load(&[Journal {
        name: "months.journal",
        text: JOURNAL,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

fn line<'a>(m: &'a Monitoring, scheme: &str, source: &str) -> &'a Line {
    m.lines
        .iter()
        .find(|l| l.scheme == scheme && l.source == source)
        .unwrap_or_else(|| panic!("{scheme} {source}"))
}

/// Home care's £1,000,000 is profiled evenly: 100,000,000 pence / 12 is
/// 8,333,333 pence and 4 pence over, which go to the first four months by
/// largest remainder (ties to the earlier): April–July £83,333.34,
/// August–March £83,333.33.
///
/// The £120,000 virement of 20 May (M02) is spread evenly over May–March,
/// eleven months: 12,000,000 pence / 11 = 1,090,909 pence and 1 penny over,
/// which goes to May. So May moves £10,909.10 and June–March £10,909.09
/// each. Home care's months after the virement:
///   April  83,333.34 (untouched)
///   May    83,333.34 − 10,909.10 = 72,424.24
///   June   83,333.34 − 10,909.09 = 72,424.25
///   July   83,333.34 − 10,909.09 = 72,424.25
///   Aug–Mar 83,333.33 − 10,909.09 = 72,424.24 each
/// Annual: 1,000,000 − 120,000 = 880,000.00.
#[test]
fn a_virement_in_may_and_a_cleared_commitment_at_m02() {
    let m = monitoring(&ledger(), Period::parse("2025/26 M02").unwrap());
    let l = line(&m, "home", "nhs");
    assert_eq!(l.method, "profile");
    assert_eq!(l.figures.annual_budget, pounds("880,000.00"));
    // April + May: 83,333.34 + 72,424.24.
    assert_eq!(l.figures.profiled_budget, pounds("155,757.58"));
    // April 80,000 + May 70,000; the month's movement is May's 70,000.
    assert_eq!(l.figures.actual, pounds("150,000.00"));
    assert_eq!(l.figures.movement, pounds("70,000.00"));
    // PO-1 (1 May) is not cleared until 5 June, so it counts at the end of
    // May; PO-2 is not yet made.
    assert_eq!(l.figures.commitments, pounds("9,000.00"));
    // Profile: 150,000 + 9,000 + the rest of the year (880,000 −
    // 155,757.58 = 724,242.42) = 883,242.42; 3,242.42 over.
    assert_eq!(l.figures.forecast_outturn, pounds("883,242.42"));
    assert_eq!(l.figures.variance, pounds("3,242.42"));
    // Material above the greater of £25,000 and 2% of 880,000 (17,600).
    assert!(!l.flagged);

    // Rehab, NHS: £240,000 evenly is £20,000 a month; with the virement
    // May is 30,909.10 and June–March 30,909.09: annual 360,000.
    let r = line(&m, "rehab", "nhs");
    assert_eq!(r.figures.annual_budget, pounds("360,000.00"));
    assert_eq!(r.figures.profiled_budget, pounds("50,909.10"));
    assert_eq!(r.figures.actual, pounds("48,000.00"));
    assert_eq!(r.figures.movement, pounds("30,000.00"));
    // Run-rate at M02: 48,000 / 2 = 24,000 a month for ten months.
    assert_eq!(r.method, "run-rate");
    assert_eq!(r.figures.forecast_outturn, pounds("288,000.00"));
    assert_eq!(r.figures.variance, pounds("-72,000.00"));
    assert!(r.flagged);
}

#[test]
fn movement_budget_to_date_and_forecasts_at_m03() {
    let m = monitoring(&ledger(), Period::parse("2025/26 M03").unwrap());
    let l = line(&m, "home", "nhs");
    // April + May + June: 83,333.34 + 72,424.24 + 72,424.25.
    assert_eq!(l.figures.profiled_budget, pounds("228,181.83"));
    assert_eq!(l.figures.actual, pounds("225,000.00"));
    assert_eq!(l.figures.movement, pounds("75,000.00"));
    // PO-1 was cleared on 5 June (its spending is in the actuals now); PO-2
    // of 10 June is open.
    assert_eq!(l.figures.commitments, pounds("5,000.00"));
    // 225,000 + 5,000 + (880,000 − 228,181.83 = 651,818.17) = 881,818.17.
    assert_eq!(l.figures.forecast_outturn, pounds("881,818.17"));
    assert_eq!(l.figures.variance, pounds("1,818.17"));
    assert!(!l.flagged);

    // Rehab, NHS, run-rate at M03: actual 18,000 + 30,000 + 33,000.01 =
    // 81,000.01; the average month 27,000.00333… for nine months:
    // 8,100,001 × 9 / 3 = 24,300,003 pence = 243,000.03. Outturn
    // 81,000.01 + 243,000.03 = 324,000.04; against 360,000: −35,999.96,
    // above £25,000: flagged.
    let r = line(&m, "rehab", "nhs");
    assert_eq!(r.figures.profiled_budget, pounds("81,818.19"));
    assert_eq!(r.figures.actual, pounds("81,000.01"));
    assert_eq!(r.figures.movement, pounds("33,000.01"));
    assert_eq!(r.figures.forecast_outturn, pounds("324,000.04"));
    assert_eq!(r.figures.variance, pounds("-35,999.96"));
    assert!(r.flagged);

    // Rehab, council money: a manual outturn of £50,000 is the outturn,
    // whatever the actuals (4,000 so far): 10,000 under £60,000, below
    // £25,000: not flagged. Budget to date: 3 × 5,000.
    let c = line(&m, "rehab", "la");
    assert_eq!(c.method, "manual");
    assert_eq!(c.figures.profiled_budget, pounds("15,000.00"));
    assert_eq!(c.figures.actual, pounds("4,000.00"));
    assert_eq!(c.figures.movement, pounds("4,000.00"));
    assert_eq!(c.figures.forecast_outturn, pounds("50,000.00"));
    assert_eq!(c.figures.variance, pounds("-10,000.00"));
    assert!(!c.flagged);

    // The total is the sum of the lines: budgets 880,000 + 360,000 +
    // 60,000 = 1,300,000 (the virement moves budget, it adds none);
    // outturn 881,818.17 + 324,000.04 + 50,000 = 1,255,818.21.
    assert_eq!(m.total.annual_budget, pounds("1,300,000.00"));
    assert_eq!(m.total.actual, pounds("310,000.01"));
    assert_eq!(m.total.movement, pounds("112,000.01"));
    assert_eq!(m.total.forecast_outturn, pounds("1,255,818.21"));
    assert_eq!(m.total.variance, pounds("-44,181.79"));
}
