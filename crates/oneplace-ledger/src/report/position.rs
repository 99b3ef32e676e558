//! Income and expenditure by funding source (the shape of a Better Care
//! Fund return), partners' positions, and the annual return of the pool.

use oneplace_core::{Date, FinancialYear, Money, Period};
use serde::Serialize;

use crate::model::{Id, Ledger, NONE, Root};

/// Income by source and partner: planned and received.
#[derive(Clone, Debug, Serialize)]
pub struct IncomeLine {
    pub source: String,
    pub partner: String,
    pub planned: Money,
    pub received: Money,
}

/// Spending by scheme type: budget and actual.
#[derive(Clone, Debug, Serialize)]
pub struct SpendLine {
    pub scheme_type: String,
    pub source: String,
    pub budget: Money,
    pub actual: Money,
}

/// Whether a source funded only what its ring-fence allows.
#[derive(Clone, Debug, Serialize)]
pub struct RingFenceCheck {
    pub source: String,
    pub allowed: Vec<String>,
    /// Spending on schemes of types outside the ring-fence.
    pub outside: Money,
    pub passed: bool,
    pub detail: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IncomeExpenditure {
    pub period: String,
    pub income: Vec<IncomeLine>,
    pub spending: Vec<SpendLine>,
    pub ring_fences: Vec<RingFenceCheck>,
    pub total_planned_income: Money,
    pub total_income: Money,
    pub total_budget: Money,
    pub total_spending: Money,
    /// Planned income against the total budget, by source: a source whose
    /// planned contributions do not equal its budgets is flagged.
    pub plan_checks: Vec<(String, Money, Money, bool)>,
}

/// Income received: income postings are credits, so negated.
fn received(
    ledger: &Ledger,
    year: FinancialYear,
    end: oneplace_core::Date,
    partner: Id,
    source: Id,
) -> Money {
    -super::sum_postings(ledger, year, end, |root, p, _, f| {
        root == Root::Income && (partner == NONE || p == partner) && f == source
    })
}

pub fn income_expenditure(ledger: &Ledger, period: Period) -> IncomeExpenditure {
    let year = period.year();
    let end = period.last_day();
    let mut income = Vec::new();
    for (f, source) in ledger.sources.iter().enumerate() {
        let f = f as Id;
        for (p, partner) in ledger.partners.iter().enumerate() {
            let p = p as Id;
            let planned: Money = ledger
                .contributions
                .iter()
                .filter(|c| c.year == year && c.partner == p && c.source == f)
                .map(|c| c.amount)
                .sum();
            let got = received(ledger, year, end, p, f);
            if !planned.is_zero() || !got.is_zero() {
                income.push(IncomeLine {
                    source: source.id.clone(),
                    partner: partner.id.clone(),
                    planned,
                    received: got,
                });
            }
        }
    }
    let mut types: Vec<&str> = ledger.schemes.iter().map(|s| s.kind.as_str()).collect();
    types.sort();
    types.dedup();
    let mut spending = Vec::new();
    for kind in &types {
        for (f, source) in ledger.sources.iter().enumerate() {
            let f = f as Id;
            let budget: Money = ledger
                .budgets
                .iter()
                .filter(|b| {
                    b.year == year
                        && b.source == f
                        && ledger.schemes[b.scheme as usize].kind == *kind
                })
                .map(|b| b.annual)
                .sum();
            let actual = super::sum_postings(ledger, year, end, |root, _, s, src| {
                root == Root::Expenditure
                    && src == f
                    && s != NONE
                    && ledger.schemes[s as usize].kind == *kind
            });
            if !budget.is_zero() || !actual.is_zero() {
                spending.push(SpendLine {
                    scheme_type: kind.to_string(),
                    source: source.id.clone(),
                    budget,
                    actual,
                });
            }
        }
    }
    let ring_fences = ledger
        .sources
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.ring_fence.is_empty())
        .map(|(f, s)| {
            let f = f as Id;
            let mut detail = Vec::new();
            let mut outside = Money::ZERO;
            for (i, scheme) in ledger.schemes.iter().enumerate() {
                if s.ring_fence.contains(&scheme.kind) {
                    continue;
                }
                let spent = super::sum_postings(ledger, year, end, |root, _, sc, src| {
                    root == Root::Expenditure && src == f && sc == i as Id
                });
                if !spent.is_zero() {
                    outside += spent;
                    detail.push(format!("{spent} on {} ({})", scheme.id, scheme.kind));
                }
            }
            RingFenceCheck {
                source: s.id.clone(),
                allowed: s.ring_fence.clone(),
                outside,
                passed: outside.is_zero(),
                detail,
            }
        })
        .collect();
    let plan_checks = ledger
        .sources
        .iter()
        .enumerate()
        .map(|(f, s)| {
            let planned: Money = ledger
                .contributions
                .iter()
                .filter(|c| c.year == year && c.source == f as Id)
                .map(|c| c.amount)
                .sum();
            let budgeted: Money = ledger
                .budgets
                .iter()
                .filter(|b| b.year == year && b.source == f as Id)
                .map(|b| b.annual)
                .sum();
            (s.id.clone(), planned, budgeted, planned == budgeted)
        })
        .collect();
    IncomeExpenditure {
        period: period.to_string(),
        total_planned_income: income.iter().map(|i| i.planned).sum(),
        total_income: income.iter().map(|i| i.received).sum(),
        total_budget: spending.iter().map(|s| s.budget).sum(),
        total_spending: spending.iter().map(|s| s.actual).sum(),
        income,
        spending,
        ring_fences,
        plan_checks,
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PartnerPosition {
    pub partner: String,
    pub name: String,
    pub host: bool,
    /// Its share of the pool's balance at the end of the previous year,
    /// brought forward (zero in the pool's first year).
    pub brought_forward: Money,
    /// Instalments of its planned contributions falling due by the end of
    /// the period.
    pub due: Money,
    /// Income it put in this year.
    pub contributed: Money,
    /// Spending on its functions (postings in its name) this year.
    pub spent: Money,
    /// Contributed − spent, this year.
    pub net: Money,
    /// Its share of the pool's balance: what it brought forward, plus the
    /// year's movement in proportion to the year's contributions.
    pub share_of_balance: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartnerPositions {
    pub period: String,
    pub partners: Vec<PartnerPosition>,
    /// The pool's balance brought forward from earlier years.
    pub brought_forward: Money,
    /// Brought forward + this year's income − this year's spending: the sum
    /// of the partners' shares.
    pub balance: Money,
}

/// Income put in and spending made by each partner in `year` up to `end`.
fn movements(ledger: &Ledger, year: FinancialYear, end: Date) -> (Vec<Money>, Vec<Money>) {
    let n = ledger.partners.len();
    let mut contributed = vec![Money::ZERO; n];
    let mut spent = vec![Money::ZERO; n];
    let start = year.first_day();
    for t in &ledger.transactions {
        if t.date < start || t.date > end {
            continue;
        }
        for p in ledger.postings_of(t) {
            match ledger.accounts[p.account as usize].root {
                Root::Income => contributed[p.partner as usize] -= p.amount,
                Root::Expenditure => spent[p.partner as usize] += p.amount,
                _ => {}
            }
        }
    }
    (contributed, spent)
}

/// The partners' shares at the end of a year: what each brought forward,
/// plus the year's movement (income − spending) shared in proportion to the
/// year's contributions. With no contributions in the year, the movement is
/// shared in proportion to the (positive) shares brought forward; with
/// neither, each partner takes its own income less its own spending. The
/// shares always add up to the brought-forward balance plus the movement.
fn shares(brought_forward: &[Money], contributed: &[Money], spent: &[Money]) -> Vec<Money> {
    let movement: Money = contributed.iter().sum::<Money>() - spent.iter().sum::<Money>();
    let positive = |ms: &[Money]| -> Vec<i64> { ms.iter().map(|m| m.pence().max(0)).collect() };
    let split = oneplace_core::allocate_weights(movement, &positive(contributed))
        .or_else(|_| oneplace_core::allocate_weights(movement, &positive(brought_forward)))
        .unwrap_or_else(|_| {
            contributed
                .iter()
                .zip(spent)
                .map(|(c, s)| *c - *s)
                .collect()
        });
    brought_forward
        .iter()
        .zip(split)
        .map(|(b, m)| *b + m)
        .collect()
}

/// Each partner's share of the pool's balance at the end of the year before
/// `year`, carried forward year by year from the pool's first posting.
pub fn brought_forward(ledger: &Ledger, year: FinancialYear) -> Vec<Money> {
    let mut carried = vec![Money::ZERO; ledger.partners.len()];
    if let Some(first) = ledger.transactions.iter().map(|t| t.date).min() {
        let mut y = first.financial_year();
        while y < year {
            let (c, s) = movements(ledger, y, y.last_day());
            carried = shares(&carried, &c, &s);
            y = y.next();
        }
    }
    carried
}

pub fn partner_positions(ledger: &Ledger, period: Period) -> PartnerPositions {
    let year = period.year();
    let end = period.last_day();
    let brought_forward = brought_forward(ledger, year);
    let (contributed, spent) = movements(ledger, year, end);
    let share = shares(&brought_forward, &contributed, &spent);
    let total_bf: Money = brought_forward.iter().sum();
    let balance: Money = total_bf + contributed.iter().sum::<Money>() - spent.iter().sum::<Money>();
    PartnerPositions {
        period: period.to_string(),
        partners: ledger
            .partners
            .iter()
            .enumerate()
            .map(|(i, p)| PartnerPosition {
                partner: p.id.clone(),
                name: p.name.clone(),
                host: p.host,
                brought_forward: brought_forward[i],
                due: ledger
                    .contributions
                    .iter()
                    .filter(|c| c.year == year && c.partner == i as Id)
                    .flat_map(|c| &c.instalments)
                    .filter(|i| i.date <= end)
                    .map(|i| i.amount)
                    .sum(),
                contributed: contributed[i],
                spent: spent[i],
                net: contributed[i] - spent[i],
                share_of_balance: share[i],
            })
            .collect(),
        brought_forward: total_bf,
        balance,
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AnnualReturn {
    pub year: FinancialYear,
    /// The pool's balance (income less spending) brought forward.
    pub opening_balance: Money,
    /// The balance brought forward by funding source: each source's income
    /// less the spending it funded, in earlier years. Adds up to
    /// `opening_balance`.
    pub brought_forward_by_source: Vec<(String, Money)>,
    /// The balance brought forward by partner: each partner's share of the
    /// previous year's closing balance (as in the partners' positions).
    /// Adds up to `opening_balance`.
    pub brought_forward_by_partner: Vec<(String, Money)>,
    pub income_by_source: Vec<(String, Money)>,
    pub income_by_partner: Vec<(String, Money)>,
    pub spending_by_scheme: Vec<(String, Money)>,
    pub total_income: Money,
    pub total_spending: Money,
    pub surplus: Money,
    pub closing_balance: Money,
}

pub fn annual_return(ledger: &Ledger, year: FinancialYear) -> AnnualReturn {
    let end = year.last_day();
    let before = year.first_day();
    let mut opening = Money::ZERO;
    let mut by_source = vec![Money::ZERO; ledger.sources.len()];
    for t in ledger.transactions.iter().filter(|t| t.date < before) {
        for p in ledger.postings_of(t) {
            if matches!(
                ledger.accounts[p.account as usize].root,
                Root::Income | Root::Expenditure
            ) {
                opening -= p.amount;
                // Income and expenditure postings always carry a source.
                by_source[p.source as usize] -= p.amount;
            }
        }
    }
    let by_partner = brought_forward(ledger, year);
    let by = |n: usize, keep: &dyn Fn(Root, Id, Id, Id, Id) -> bool, negate: bool| -> Vec<Money> {
        (0..n)
            .map(|i| {
                let m =
                    super::sum_postings(ledger, year, end, |r, p, s, f| keep(r, p, s, f, i as Id));
                if negate { -m } else { m }
            })
            .collect()
    };
    let income_source = by(
        ledger.sources.len(),
        &|r, _, _, f, i| r == Root::Income && f == i,
        true,
    );
    let income_partner = by(
        ledger.partners.len(),
        &|r, p, _, _, i| r == Root::Income && p == i,
        true,
    );
    let spend_scheme = by(
        ledger.schemes.len(),
        &|r, _, s, _, i| r == Root::Expenditure && s == i,
        false,
    );
    let total_income: Money = income_source.iter().sum();
    let total_spending: Money = spend_scheme.iter().sum();
    let named = |ids: Vec<String>, amounts: Vec<Money>| {
        ids.into_iter()
            .zip(amounts)
            .filter(|(_, m)| !m.is_zero())
            .collect::<Vec<_>>()
    };
    AnnualReturn {
        year,
        opening_balance: opening,
        brought_forward_by_source: named(
            ledger.sources.iter().map(|s| s.id.clone()).collect(),
            by_source,
        ),
        brought_forward_by_partner: named(
            ledger.partners.iter().map(|s| s.id.clone()).collect(),
            by_partner,
        ),
        income_by_source: named(
            ledger.sources.iter().map(|s| s.id.clone()).collect(),
            income_source,
        ),
        income_by_partner: named(
            ledger.partners.iter().map(|s| s.id.clone()).collect(),
            income_partner,
        ),
        spending_by_scheme: named(
            ledger.schemes.iter().map(|s| s.id.clone()).collect(),
            spend_scheme,
        ),
        total_income,
        total_spending,
        surplus: total_income - total_spending,
        closing_balance: opening + total_income - total_spending,
    }
}
