//! Balances: sums of postings by account, date and dimension.

use oneplace_core::{Date, Money};

use crate::model::{Id, Ledger, NONE};

/// Whether `name` is `prefix` or an account under it.
pub fn is_under(name: &str, prefix: &str) -> bool {
    name == prefix
        || (name.len() > prefix.len()
            && name.starts_with(prefix)
            && name.as_bytes()[prefix.len()] == b':')
}

/// The balance of `account` and its sub-accounts at the end of `date`,
/// optionally for one partner, scheme or source ([`NONE`] for all).
pub fn balance_at(
    ledger: &Ledger,
    account: &str,
    date: Date,
    partner: Id,
    scheme: Id,
    source: Id,
) -> Money {
    let accounts: Vec<bool> = ledger
        .accounts
        .iter()
        .map(|a| is_under(&a.name, account))
        .collect();
    let mut total = Money::ZERO;
    for t in ledger.transactions.iter().filter(|t| t.date <= date) {
        for p in ledger.postings_of(t) {
            if accounts[p.account as usize]
                && (partner == NONE || p.partner == partner)
                && (scheme == NONE || p.scheme == scheme)
                && (source == NONE || p.source == source)
            {
                total += p.amount;
            }
        }
    }
    total
}

/// Every account's balance over the whole ledger, as `hledger balance`
/// reports it: (account, total of it and its sub-accounts).
pub fn balance_report(ledger: &Ledger) -> Vec<(String, Money)> {
    let mut own = vec![Money::ZERO; ledger.accounts.len()];
    for p in &ledger.postings {
        own[p.account as usize] += p.amount;
    }
    let mut totals: std::collections::BTreeMap<String, Money> = std::collections::BTreeMap::new();
    for (a, amount) in ledger.accounts.iter().zip(own) {
        // Credit every ancestor: assets:bank:pool counts in assets:bank and assets.
        let mut end = a.name.len();
        loop {
            *totals.entry(a.name[..end].to_string()).or_default() += amount;
            match a.name[..end].rfind(':') {
                Some(i) => end = i,
                None => break,
            }
        }
    }
    totals.into_iter().collect()
}
