//! Every report's totals reconcile with the postings, for any ledger.

use oneplace_core::{FinancialYear, Money, Period};
use oneplace_ledger::report::drilldown::{Filter, drilldown};
use oneplace_ledger::report::{annual_return, income_expenditure, monitoring, partner_positions};
use oneplace_ledger::{Journal, load};
use proptest::prelude::*;

const HEADER: &str = "partner council \"Council\"
  kind county-council
  host
partner icb \"ICB\"
  kind icb
fund pool \"Pool\"
  materiality £1,000 2%
source nhs \"NHS money\"
  from icb
source grant \"Grant\"
  from council
scheme rehab \"Rehab\"
  type intermediate-care
  commissioner icb 70% council 30%
  sources nhs, grant
scheme care \"Care\"
  type social-care
  commissioner council 100%
  sources grant
year 2025/26 open
budget 2025/26 rehab nhs £120,000
budget 2025/26 rehab grant £36,000.07
  profile 1 2 3 4 5 6 7 8 9 10 11 12
budget 2025/26 care grant £50,000
contribution 2025/26 icb nhs £120,000
  instalments quarterly
forecast 2025/26 care grant run-rate
";

/// (month 1–12, day, partner, scheme/source line, pence)
type Spend = (u8, u8, u8, u8, i64);

fn journal(contributions: &[(u8, u8, i64)], spends: &[Spend]) -> String {
    let mut text = HEADER.to_string();
    let partners = ["council", "icb"];
    let lines = [("rehab", "nhs"), ("rehab", "grant"), ("care", "grant")];
    let date = |month: u8, day: u8| {
        let p = Period::new(FinancialYear::starting(2025), month).unwrap();
        let first = p.first_day();
        format!("{}-{:02}-{:02}", first.year(), first.month(), day.min(28))
    };
    for (i, (month, partner, pence)) in contributions.iter().enumerate() {
        let source = if *partner == 1 { "nhs" } else { "grant" };
        let amount = Money::from_pence(*pence);
        text.push_str(&format!(
            "{} In  ; ref:C{i} partner:{} source:{source}\n  assets:bank  {amount}\n  income:contributions\n",
            date(*month, 1),
            partners[*partner as usize],
        ));
    }
    for (i, (month, day, partner, line, pence)) in spends.iter().enumerate() {
        let (scheme, source) = lines[*line as usize];
        let amount = Money::from_pence(*pence);
        text.push_str(&format!(
            "{} Out  ; ref:S{i} partner:{}\n  expenditure:services  {amount}  scheme:{scheme} source:{source}\n  assets:bank\n",
            date(*month, *day),
            partners[*partner as usize],
        ));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reports_reconcile_with_postings(
        contributions in prop::collection::vec((1u8..=12, 0u8..2, 1i64..5_000_000), 0..6),
        spends in prop::collection::vec((1u8..=12, 1u8..=28, 0u8..2, 0u8..3, -200_000i64..2_000_000), 0..40),
        month in 1u8..=12,
    ) {
        let text = journal(&contributions, &spends);
        let ledger = load(&[Journal { name: "p.journal", text: &text }]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let period = Period::new(FinancialYear::starting(2025), month).unwrap();
        let spent_to_date: Money = spends
            .iter()
            .filter(|s| s.0 <= month)
            .map(|s| Money::from_pence(s.4))
            .sum();
        let received_to_date: Money = contributions
            .iter()
            .filter(|c| c.0 <= month)
            .map(|c| Money::from_pence(c.2))
            .sum();

        let m = monitoring(&ledger, period);
        prop_assert_eq!(m.total.actual, spent_to_date);
        let lines: Money = m.lines.iter().map(|l| l.figures.forecast_outturn).sum();
        prop_assert_eq!(lines, m.total.forecast_outturn);
        for field in [
            |f: &oneplace_ledger::report::monitoring::Figures| f.annual_budget,
            |f: &oneplace_ledger::report::monitoring::Figures| f.actual,
            |f: &oneplace_ledger::report::monitoring::Figures| f.forecast_outturn,
            |f: &oneplace_ledger::report::monitoring::Figures| f.commitments,
        ] {
            let by_scheme: Money = m.schemes.iter().map(|r| field(&r.figures)).sum();
            let by_partner: Money = m.partners.iter().map(|r| field(&r.figures)).sum();
            prop_assert_eq!(by_scheme, field(&m.total));
            prop_assert_eq!(by_partner, field(&m.total));
        }
        // Budgets are whole: £120,000 + £36,000.07 + £50,000 whatever the profile.
        prop_assert_eq!(m.total.annual_budget, Money::parse("206,000.07").unwrap());

        let ie = income_expenditure(&ledger, period);
        prop_assert_eq!(ie.total_spending, spent_to_date);
        prop_assert_eq!(ie.total_income, received_to_date);

        let pp = partner_positions(&ledger, period);
        prop_assert_eq!(pp.balance, received_to_date - spent_to_date);
        // The shares add up to the balance whatever was received: with
        // nothing contributed (a balance of spending only), each partner
        // takes its own spending.
        let shares: Money = pp.partners.iter().map(|p| p.share_of_balance).sum();
        prop_assert_eq!(shares, pp.balance);
        let net: Money = pp.partners.iter().map(|p| p.net).sum();
        prop_assert_eq!(net, pp.balance);

        let ar = annual_return(&ledger, FinancialYear::starting(2025));
        let all_spent: Money = spends.iter().map(|s| Money::from_pence(s.4)).sum();
        prop_assert_eq!(ar.total_spending, all_spent);
        prop_assert_eq!(ar.closing_balance, ar.opening_balance + ar.total_income - ar.total_spending);
        let by_source: Money = ar.income_by_source.iter().map(|x| x.1).sum();
        prop_assert_eq!(by_source, ar.total_income);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The postings behind every line, scheme and partner of the
    /// monitoring report add up to its actual to date, and the pool's are
    /// the spending rows dated up to the period.
    #[test]
    fn drill_downs_add_up_to_the_monitoring_figures(
        spends in prop::collection::vec((1u8..=12, 1u8..=28, 0u8..2, 0u8..3, -200_000i64..2_000_000), 0..40),
        month in 1u8..=12,
    ) {
        let text = journal(&[], &spends);
        let ledger = load(&[Journal { name: "p.journal", text: &text }]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let period = Period::new(FinancialYear::starting(2025), month).unwrap();
        let m = monitoring(&ledger, period);
        for l in &m.lines {
            let f = Filter { scheme: Some(&l.scheme), source: Some(&l.source), partner: None };
            let d = drilldown(&ledger, &m, &f).unwrap();
            prop_assert_eq!(d.actual, l.figures.actual);
            prop_assert_eq!(d.report_actual, l.figures.actual);
        }
        for r in &m.schemes {
            let d = drilldown(&ledger, &m, &Filter { scheme: Some(&r.id), ..Filter::default() }).unwrap();
            prop_assert_eq!(d.actual, r.figures.actual);
        }
        for r in &m.partners {
            let d = drilldown(&ledger, &m, &Filter { partner: Some(&r.id), ..Filter::default() }).unwrap();
            prop_assert_eq!(d.actual, r.figures.actual);
            let shares: Money = d.shares.iter().map(|s| s.share).sum();
            prop_assert_eq!(shares, r.figures.actual);
        }
        let all = drilldown(&ledger, &m, &Filter::default()).unwrap();
        prop_assert_eq!(all.postings.len(), spends.iter().filter(|s| s.0 <= month).count());
        let spent: Money = spends.iter().filter(|s| s.0 <= month).map(|s| Money::from_pence(s.4)).sum();
        prop_assert_eq!(all.actual, spent);
        let source_alone = Filter { source: Some("nhs"), ..Filter::default() };
        prop_assert!(drilldown(&ledger, &m, &source_alone).is_err());
        let unknown = Filter { scheme: Some("nowhere"), ..Filter::default() };
        prop_assert!(drilldown(&ledger, &m, &unknown).is_err());
    }
}

/// (month, line, pence, months until cleared: 0 for never)
type Order = (u8, u8, i64, u8);
/// (month, from line, to line, pence)
type Move = (u8, u8, u8, i64);

const LINES: [(&str, &str); 3] = [("rehab", "nhs"), ("rehab", "grant"), ("care", "grant")];

fn date_in(start: i32, month: u8, day: u8) -> String {
    let p = Period::new(FinancialYear::starting(start), month).unwrap();
    let first = p.first_day();
    format!("{}-{:02}-{:02}", first.year(), first.month(), day.min(28))
}

/// Two years: the first with commitments, virements and a manual forecast
/// (on rehab, grant), closed before the second's postings.
fn two_years(
    first: &[Spend],
    contributions: &[(u8, u8, i64)],
    orders: &[Order],
    moves: &[Move],
    manual: Option<i64>,
    second: &[Spend],
) -> String {
    let mut text = journal(contributions, first);
    text.push_str(
        "year 2026/27 open\nbudget 2026/27 rehab nhs £60,000\nbudget 2026/27 care grant £24,000\n",
    );
    if let Some(m) = manual {
        text.push_str(&format!(
            "forecast 2025/26 rehab grant {}\n",
            Money::from_pence(m)
        ));
    }
    for (i, (month, line, pence, clear)) in orders.iter().enumerate() {
        let (scheme, source) = LINES[*line as usize];
        text.push_str(&format!(
            "commitment {} {scheme} {source} {} \"PO-{i}\"\n",
            date_in(2025, *month, 10),
            Money::from_pence(*pence)
        ));
        if *clear > 0 && month + clear <= 12 {
            text.push_str(&format!("  cleared {}\n", date_in(2025, month + clear, 5)));
        }
    }
    for (month, from, to, pence) in moves {
        let (fs, ff) = LINES[*from as usize];
        let (ts, tf) = LINES[*to as usize];
        text.push_str(&format!(
            "virement {} {} {fs} {ff} -> {ts} {tf} \"board\"\n",
            date_in(2025, *month, 15),
            Money::from_pence(*pence)
        ));
    }
    text.push_str("close 2025/26\n");
    let partners = ["council", "icb"];
    for (i, (month, day, partner, line, pence)) in second.iter().enumerate() {
        let (scheme, source) = LINES[*line as usize];
        text.push_str(&format!(
            "{} Out  ; ref:Y{i} partner:{}\n  expenditure:services  {}  scheme:{scheme} source:{source}\n  assets:bank\n",
            date_in(2026, *month, *day),
            partners[*partner as usize],
            Money::from_pence(*pence)
        ));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn two_years_with_plans_and_a_close_reconcile(
        contributions in prop::collection::vec((1u8..=12, 0u8..2, 1i64..5_000_000), 0..4),
        first in prop::collection::vec((1u8..=12, 1u8..=28, 0u8..2, 0u8..3, -200_000i64..2_000_000), 0..20),
        orders in prop::collection::vec((1u8..=12, 0u8..3, 1i64..1_000_000, 0u8..4), 0..5),
        moves in prop::collection::vec((1u8..=12, 0u8..3, 0u8..3, 1i64..1_000_000), 0..4),
        manual in prop::option::of(0i64..10_000_000),
        second in prop::collection::vec((1u8..=12, 1u8..=28, 0u8..2, 0u8..3, -200_000i64..2_000_000), 0..20),
        month in 1u8..=12,
    ) {
        let moves: Vec<Move> = moves.into_iter().filter(|m| m.1 != m.2).collect();
        let text = two_years(&first, &contributions, &orders, &moves, manual, &second);
        let ledger = load(&[Journal { name: "p.journal", text: &text }]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let y1 = FinancialYear::starting(2025);
        let y2 = FinancialYear::starting(2026);
        let p1 = Period::new(y1, month).unwrap();
        let p2 = Period::new(y2, month).unwrap();
        let pence = |v: i64| Money::from_pence(v);

        // The first year's monitoring: virements move budget, never add it;
        // the lines, schemes and partners add up to the total; commitments
        // count from their date until cleared.
        let m = monitoring(&ledger, p1);
        prop_assert_eq!(m.total.annual_budget, Money::parse("206,000.07").unwrap());
        let outturn: Money = m.lines.iter().map(|l| l.figures.forecast_outturn).sum();
        prop_assert_eq!(outturn, m.total.forecast_outturn);
        let profiled: Money = m.lines.iter().map(|l| l.figures.profiled_budget).sum();
        prop_assert_eq!(profiled, m.total.profiled_budget);
        let open: Money = orders
            .iter()
            .filter(|o| o.0 <= month && (o.3 == 0 || o.0 + o.3 > 12 || o.0 + o.3 > month))
            .map(|o| pence(o.2))
            .sum();
        prop_assert_eq!(m.total.commitments, open);
        let by_scheme: Money = m.schemes.iter().map(|r| r.figures.commitments).sum();
        let by_partner: Money = m.partners.iter().map(|r| r.figures.forecast_outturn).sum();
        prop_assert_eq!(by_scheme, open);
        prop_assert_eq!(by_partner, m.total.forecast_outturn);
        // At March the budget to date is the whole (vired) budget.
        if month == 12 {
            prop_assert_eq!(m.total.profiled_budget, m.total.annual_budget);
        }
        if let Some(v) = manual {
            let l = m.lines.iter().find(|l| l.scheme == "rehab" && l.source == "grant").unwrap();
            prop_assert_eq!(l.method, "manual");
            prop_assert_eq!(l.figures.forecast_outturn, pence(v));
        }

        // The second year counts only its own spending.
        let spent2: Money = second.iter().filter(|s| s.0 <= month).map(|s| pence(s.4)).sum();
        let m2 = monitoring(&ledger, p2);
        prop_assert_eq!(m2.total.actual, spent2);
        prop_assert_eq!(m2.total.annual_budget, Money::parse("84,000").unwrap());
        let ie = income_expenditure(&ledger, p2);
        prop_assert_eq!(ie.total_spending, spent2);
        prop_assert_eq!(ie.total_income, Money::ZERO);

        // What the first year left is brought forward, and the shares add
        // up to the balance.
        let received: Money = contributions.iter().map(|c| pence(c.2)).sum();
        let spent1: Money = first.iter().map(|s| pence(s.4)).sum();
        let pp1 = partner_positions(&ledger, Period::new(y1, 12).unwrap());
        let pp = partner_positions(&ledger, p2);
        prop_assert_eq!(pp.brought_forward, received - spent1);
        prop_assert_eq!(pp.balance, received - spent1 - spent2);
        let shares: Money = pp.partners.iter().map(|p| p.share_of_balance).sum();
        prop_assert_eq!(shares, pp.balance);
        for (a, b) in pp1.partners.iter().zip(&pp.partners) {
            prop_assert_eq!(a.share_of_balance, b.brought_forward);
        }

        let ar1 = annual_return(&ledger, y1);
        let ar2 = annual_return(&ledger, y2);
        prop_assert_eq!(ar1.closing_balance, received - spent1);
        prop_assert_eq!(ar2.opening_balance, ar1.closing_balance);
        let by_source: Money = ar2.brought_forward_by_source.iter().map(|x| x.1).sum();
        let by_partner: Money = ar2.brought_forward_by_partner.iter().map(|x| x.1).sum();
        prop_assert_eq!(by_source, ar2.opening_balance);
        prop_assert_eq!(by_partner, ar2.opening_balance);
        let all2: Money = second.iter().map(|s| pence(s.4)).sum();
        prop_assert_eq!(ar2.total_spending, all2);
        prop_assert_eq!(ar2.closing_balance, ar2.opening_balance - all2);

        // The second year's joint-operation view shares all of its spending
        // (with no contributions that year, by the balances brought forward).
        let accounts = oneplace_ledger::report::partner_accounts(&ledger, y2);
        let shared: Money = accounts.joint_operation.iter().map(|s| s.expenditure).sum();
        prop_assert_eq!(shared, all2);
        let kept: Money = accounts.joint_operation.iter().map(|s| s.balance).sum();
        prop_assert_eq!(kept, -all2);
    }
}
