//! Two years with a close between them, worked by hand: the second year's
//! reports start from what the first left, count only the second year's
//! income and spending, and reconcile.

use oneplace_core::{FinancialYear, Money, Period};
use oneplace_ledger::report::{annual_return, income_expenditure, monitoring, partner_positions};
use oneplace_ledger::{Journal, Ledger, load};

const JOURNAL: &str = "partner council \"Council\"
  kind county-council
  host
partner icb \"ICB\"
  kind icb

fund pool \"Pool\"
  basis s75-pooled
  host council

source nhs \"NHS money\"
  from icb
source la \"Council money\"
  from council

scheme rehab \"Rehab\"
  type intermediate-care
  commissioner icb 50% council 50%
  sources nhs, la

year 2025/26 open
year 2026/27 open

budget 2025/26 rehab nhs £12,000
budget 2026/27 rehab nhs £6,000

2025-04-01 ICB contribution  ; ref:A-1 partner:icb source:nhs
  assets:bank             £3,000.00
  income:contributions   -£3,000.00

2025-04-01 Council contribution  ; ref:A-2 partner:council source:la
  assets:bank             £1,000.00
  income:contributions   -£1,000.00

2025-06-30 Rehab  ; ref:A-3 partner:icb
  expenditure:services    £2,000.00  scheme:rehab source:nhs
  assets:bank

close 2025/26

2026-05-15 Rehab  ; ref:B-1 partner:icb
  expenditure:services    £1,000.00  scheme:rehab source:nhs
  assets:bank

balance 2026-05-31 assets:bank £1,000.00
";

fn ledger(text: &str) -> Ledger {
    load(&[Journal {
        name: "two-years.journal",
        text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> String {
    match load(&[Journal {
        name: "two-years.journal",
        text,
    }]) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

#[test]
fn partner_shares_are_brought_forward_and_add_up_to_the_balance() {
    let l = ledger(JOURNAL);
    // 2025/26: the ICB put in 3,000 and the council 1,000; 2,000 was spent.
    // The balance of 2,000 is shared 3:1 by contributions: ICB 1,500,
    // council 500.
    let first = partner_positions(&l, Period::parse("2025/26 M12").unwrap());
    let p = |r: &oneplace_ledger::report::PartnerPositions, id: &str| {
        r.partners.iter().find(|p| p.partner == id).unwrap().clone()
    };
    assert_eq!(first.brought_forward, Money::ZERO);
    assert_eq!(first.balance, pounds("2,000"));
    assert_eq!(p(&first, "icb").share_of_balance, pounds("1,500"));
    assert_eq!(p(&first, "council").share_of_balance, pounds("500"));

    // 2026/27 M02: nothing contributed, 1,000 spent (by the ICB). Brought
    // forward 1,500 and 500; the year's movement of −1,000 is shared by the
    // shares brought forward (there are no contributions this year), 3:1:
    // ICB −750, council −250. Shares 750 and 250, adding up to the balance
    // 2,000 − 1,000 = 1,000.
    let second = partner_positions(&l, Period::parse("2026/27 M02").unwrap());
    assert_eq!(second.brought_forward, pounds("2,000"));
    assert_eq!(second.balance, pounds("1,000"));
    let icb = p(&second, "icb");
    assert_eq!(icb.brought_forward, pounds("1,500"));
    assert_eq!(icb.contributed, Money::ZERO);
    assert_eq!(icb.spent, pounds("1,000"));
    assert_eq!(icb.net, pounds("-1,000"));
    assert_eq!(icb.share_of_balance, pounds("750"));
    let council = p(&second, "council");
    assert_eq!(council.brought_forward, pounds("500"));
    assert_eq!(council.spent, Money::ZERO);
    assert_eq!(council.share_of_balance, pounds("250"));
    let shares: Money = second.partners.iter().map(|p| p.share_of_balance).sum();
    assert_eq!(shares, second.balance);
}

#[test]
fn the_annual_return_opens_with_the_previous_close() {
    let l = ledger(JOURNAL);
    let y1 = annual_return(&l, FinancialYear::parse("2025/26").unwrap());
    assert_eq!(y1.opening_balance, Money::ZERO);
    assert_eq!(y1.total_income, pounds("4,000"));
    assert_eq!(y1.total_spending, pounds("2,000"));
    assert_eq!(y1.closing_balance, pounds("2,000"));
    let y2 = annual_return(&l, FinancialYear::parse("2026/27").unwrap());
    assert_eq!(y2.opening_balance, y1.closing_balance);
    // Brought forward by source: NHS money 3,000 in less 2,000 spent;
    // council money 1,000 in, none spent. By partner: the shares of
    // 2025/26's balance, 1,500 and 500.
    let named = |list: &[(String, Money)]| -> Vec<(String, Money)> { list.to_vec() };
    assert_eq!(
        named(&y2.brought_forward_by_source),
        vec![
            ("nhs".to_string(), pounds("1,000")),
            ("la".to_string(), pounds("1,000"))
        ]
    );
    assert_eq!(
        named(&y2.brought_forward_by_partner),
        vec![
            ("council".to_string(), pounds("500")),
            ("icb".to_string(), pounds("1,500"))
        ]
    );
    assert!(y1.brought_forward_by_source.is_empty());
    // Only 2026/27's figures: no income, 1,000 spent.
    assert_eq!(y2.total_income, Money::ZERO);
    assert_eq!(y2.total_spending, pounds("1,000"));
    assert_eq!(y2.surplus, pounds("-1,000"));
    assert_eq!(y2.closing_balance, pounds("1,000"));
}

#[test]
fn the_next_years_monitoring_and_income_and_expenditure_leave_the_closed_year_out() {
    let l = ledger(JOURNAL);
    let m = monitoring(&l, Period::parse("2026/27 M02").unwrap());
    assert_eq!(m.lines.len(), 1);
    let f = &m.lines[0].figures;
    // £6,000 evenly is £500 a month; May's 1,000 is the only spending of
    // 2026/27 (2025/26's 2,000 is not carried in).
    assert_eq!(f.annual_budget, pounds("6,000"));
    assert_eq!(f.profiled_budget, pounds("1,000"));
    assert_eq!(f.actual, pounds("1,000"));
    assert_eq!(f.movement, pounds("1,000"));
    // Profile: 1,000 + ten months at 500.
    assert_eq!(f.forecast_outturn, pounds("6,000"));
    assert_eq!(f.variance, Money::ZERO);
    let ie = income_expenditure(&l, Period::parse("2026/27 M02").unwrap());
    assert_eq!(ie.total_income, Money::ZERO);
    assert_eq!(ie.total_spending, pounds("1,000"));
    assert_eq!(ie.total_budget, pounds("6,000"));
}

#[test]
fn nothing_may_be_posted_or_planned_in_a_closed_year_or_an_undeclared_one() {
    // A posting dated in the closed year, after the close.
    let late = JOURNAL.replace(
        "2026-05-15 Rehab",
        "2026-03-15 Late  ; ref:C-1 partner:icb\n  expenditure:services  £1.00  scheme:rehab source:nhs\n  assets:bank\n\n2026-05-15 Rehab",
    );
    let e = errors(&late);
    assert!(
        e.contains("two-years.journal:41:1: 2026-03-15 is dated in a year that does not take postings: 2025/26 was closed at two-years.journal:39:1"),
        "{e}"
    );
    // A budget, a commitment and a virement for the closed year, after the
    // close; a budget for a year not declared.
    let plans = format!(
        "{JOURNAL}\nbudget 2025/26 rehab la £1\ncommitment 2026-01-10 rehab nhs £5 \"PO\"\nvirement 2026-02-01 £1 rehab nhs -> rehab la \"late\"\nbudget 2027/28 rehab nhs £1\n"
    );
    let e = errors(&plans);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 4, "{e}");
    assert!(
        lines[0].starts_with("error: two-years.journal:47:1: a budget for 2025/26, which does not take plans: 2025/26 was closed at two-years.journal:39:1"),
        "{e}"
    );
    assert!(
        lines[1].starts_with("error: two-years.journal:48:1: a commitment for 2025/26"),
        "{e}"
    );
    assert!(
        lines[2].starts_with("error: two-years.journal:49:1: a virement for 2025/26"),
        "{e}"
    );
    assert!(
        lines[3].starts_with("error: two-years.journal:50:1: a budget for 2027/28, which does not take plans: 2027/28 is not an open financial year"),
        "{e}"
    );
}

#[test]
fn the_next_years_joint_operation_view_shares_everything() {
    use oneplace_ledger::report::partner_accounts;
    let l = ledger(JOURNAL);
    let a = partner_accounts(&l, FinancialYear::parse("2026/27").unwrap());
    // No contributions in 2026/27: the year's 1,000 of spending is shared
    // by the balances brought forward, 1,500 : 500 = 3 : 1.
    let share = |id: &str| {
        a.joint_operation
            .iter()
            .find(|s| s.partner == id)
            .unwrap()
            .clone()
    };
    assert_eq!(share("icb").expenditure, pounds("750"));
    assert_eq!(share("council").expenditure, pounds("250"));
    assert_eq!(share("icb").balance, pounds("-750"));
    assert_eq!(share("council").balance, pounds("-250"));
    assert_eq!(share("icb").income, Money::ZERO);
    let spent: Money = a.joint_operation.iter().map(|s| s.expenditure).sum();
    assert_eq!(spent, pounds("1,000"));
}
