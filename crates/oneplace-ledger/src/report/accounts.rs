//! Partners' accounts: the same postings seen as a joint operation (each
//! partner its share of income, spending and balances) and as a
//! host-controlled fund (the host gross, the others a payment), each
//! partner's memorandum account, and the "pooled budgets" disclosure note
//! for a statement of accounts.

use oneplace_core::{FinancialYear, Money, allocate_weights};
use serde::Serialize;

use crate::model::{Id, Ledger, Root};

#[derive(Clone, Debug, Serialize)]
pub struct JointShare {
    pub partner: String,
    /// Its share of the pool: its contributions over all contributions.
    pub share: f64,
    pub income: Money,
    pub expenditure: Money,
    pub balance: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct HostView {
    pub partner: String,
    pub host: bool,
    /// Gross income and spending of the pool (the host only).
    pub income: Money,
    pub expenditure: Money,
    /// Its contribution, recorded as a payment to the host (the others).
    pub payment: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct Memorandum {
    pub partner: String,
    pub planned_gross: Money,
    pub client_income: Money,
    pub planned_net: Money,
    pub contributed: Money,
    /// Spending on its functions: each scheme's spending by commissioning
    /// split.
    pub spending_on_functions: Money,
    pub share_of_surplus: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartnerAccounts {
    pub year: FinancialYear,
    pub total_income: Money,
    pub total_expenditure: Money,
    pub surplus: Money,
    pub joint_operation: Vec<JointShare>,
    pub host_controlled: Vec<HostView>,
    pub memoranda: Vec<Memorandum>,
    pub disclosure_note: String,
}

fn share_by(amount: Money, weights: &[i64]) -> Vec<Money> {
    if weights.iter().all(|w| *w <= 0) {
        return vec![Money::ZERO; weights.len()];
    }
    allocate_weights(
        amount,
        &weights.iter().map(|w| (*w).max(0)).collect::<Vec<_>>(),
    )
    .expect("non-negative weights, not all zero")
}

pub fn partner_accounts(ledger: &Ledger, year: FinancialYear) -> PartnerAccounts {
    let end = year.last_day();
    let n = ledger.partners.len();
    let contributed: Vec<Money> = (0..n)
        .map(|p| {
            -super::sum_postings(ledger, year, end, |r, q, _, _| {
                r == Root::Income && q == p as Id
            })
        })
        .collect();
    let total_income: Money =
        -super::sum_postings(ledger, year, end, |r, _, _, _| r == Root::Income);
    let total_expenditure =
        super::sum_postings(ledger, year, end, |r, _, _, _| r == Root::Expenditure);
    let surplus = total_income - total_expenditure;
    // Shared by the year's contributions; in a year with none (after a
    // close, before the first instalment), by the shares of the balance
    // brought forward; with neither, each partner keeps its own figures.
    let mut weights: Vec<i64> = contributed.iter().map(|m| m.pence()).collect();
    if weights.iter().all(|w| *w <= 0) {
        weights = super::position::brought_forward(ledger, year)
            .iter()
            .map(|m| m.pence())
            .collect();
    }
    let total_weight: i64 = weights.iter().filter(|w| **w > 0).sum();
    let (income_share, spend_share, balance_share) = if total_weight > 0 {
        (
            share_by(total_income, &weights),
            share_by(total_expenditure, &weights),
            share_by(surplus, &weights),
        )
    } else {
        let spent: Vec<Money> = (0..n)
            .map(|p| {
                super::sum_postings(ledger, year, end, |r, q, _, _| {
                    r == Root::Expenditure && q == p as Id
                })
            })
            .collect();
        (
            contributed.clone(),
            spent.clone(),
            contributed
                .iter()
                .zip(&spent)
                .map(|(c, s)| *c - *s)
                .collect(),
        )
    };
    let joint_operation = (0..n)
        .map(|p| JointShare {
            partner: ledger.partners[p].id.clone(),
            share: if total_weight > 0 {
                weights[p].max(0) as f64 / total_weight as f64
            } else {
                0.0
            },
            income: income_share[p],
            expenditure: spend_share[p],
            balance: balance_share[p],
        })
        .collect();
    let host = ledger.host();
    let host_controlled = (0..n)
        .map(|p| {
            let is_host = host == Some(p as Id);
            HostView {
                partner: ledger.partners[p].id.clone(),
                host: is_host,
                income: if is_host { total_income } else { Money::ZERO },
                expenditure: if is_host {
                    total_expenditure
                } else {
                    Money::ZERO
                },
                payment: if is_host { Money::ZERO } else { contributed[p] },
            }
        })
        .collect();
    // Spending on each partner's functions: scheme spending by commissioning split.
    let mut functions = vec![Money::ZERO; n];
    for (s, scheme) in ledger.schemes.iter().enumerate() {
        let spent = super::sum_postings(ledger, year, end, |r, _, sc, _| {
            r == Root::Expenditure && sc == s as Id
        });
        let w: Vec<i64> = scheme
            .commissioners
            .iter()
            .map(|(_, bp)| i64::from(*bp))
            .collect();
        for ((p, _), m) in scheme.commissioners.iter().zip(share_by(spent, &w)) {
            functions[*p as usize] += m;
        }
    }
    let memoranda = (0..n)
        .map(|p| {
            let plans = ledger
                .contributions
                .iter()
                .filter(|c| c.year == year && c.partner == p as Id);
            let gross: Money = plans.clone().map(|c| c.amount).sum();
            let client: Money = plans.map(|c| c.client_income).sum();
            Memorandum {
                partner: ledger.partners[p].id.clone(),
                planned_gross: gross,
                client_income: client,
                planned_net: gross - client,
                contributed: contributed[p],
                spending_on_functions: functions[p],
                share_of_surplus: balance_share[p],
            }
        })
        .collect();
    let host_name = host.map_or("the host".to_string(), |h| {
        ledger.partners[h as usize].name.clone()
    });
    let fund = ledger
        .funds
        .first()
        .map_or("the pooled fund".to_string(), |f| f.name.clone());
    let basis = ledger.funds.first().map(|f| f.basis);
    let others: Vec<String> = (0..n)
        .filter(|p| host != Some(*p as Id))
        .map(|p| ledger.partners[p].name.clone())
        .collect();
    let mut note = format!(
        "Pooled budgets. {host_name} hosts {fund}{}, with {}. In {year} the partners contributed {total_income} and the fund spent {total_expenditure}{}.",
        match basis {
            Some(crate::model::Basis::S75Pooled) =>
                ", a pooled fund under section 75 of the National Health Service Act 2006",
            _ => "",
        },
        english_list(&others),
        if surplus.is_zero() {
            ", breaking even".to_string()
        } else if surplus.is_negative() {
            format!(", a deficit of {}", surplus.abs())
        } else {
            format!(", a surplus of {surplus}")
        }
    );
    for (p, m) in (0..n).zip(&contributed) {
        note.push_str(&format!(" {} contributed {m}.", ledger.partners[p].name));
    }
    PartnerAccounts {
        year,
        total_income,
        total_expenditure,
        surplus,
        joint_operation,
        host_controlled,
        memoranda,
        disclosure_note: note,
    }
}

/// "A", "A and B", "A, B and C"; "no other partners" when empty.
fn english_list(names: &[String]) -> String {
    match names {
        [] => "no other partners".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
