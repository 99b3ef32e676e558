//! Reports computed from a loaded ledger: each a typed value (for JSON and
//! tests) and a [`oneplace_report::Document`] (for text, CSV and XLSX).
//!
//! Every report's totals are sums of the same postings it lists, so they
//! reconcile with the ledger by construction; property tests hold them to
//! that.

pub mod accounts;
pub mod document;
pub mod drilldown;
pub mod monitoring;
pub mod position;

use oneplace_core::{Date, FinancialYear, Money, Period};

use crate::model::{Id, Ledger, Root};

pub use accounts::{PartnerAccounts, partner_accounts};
pub use monitoring::{Monitoring, monitoring};
pub use position::{
    AnnualReturn, IncomeExpenditure, PartnerPositions, annual_return, income_expenditure,
    partner_positions,
};

/// The period a report is for: given, or the month of the latest posting.
pub fn default_period(ledger: &Ledger) -> Option<Period> {
    ledger
        .transactions
        .iter()
        .map(|t| t.date)
        .max()
        .map(Date::period)
}

/// Months of the financial year up to and including the period (1–12).
pub fn months_elapsed(period: Period) -> usize {
    usize::from(period.number())
}

/// Sums the amounts of postings matching `keep`, dated within the
/// financial year up to `end` (inclusive).
pub fn sum_postings(
    ledger: &Ledger,
    year: FinancialYear,
    end: Date,
    mut keep: impl FnMut(Root, Id, Id, Id) -> bool,
) -> Money {
    let start = year.first_day();
    let mut total = Money::ZERO;
    for t in &ledger.transactions {
        if t.date < start || t.date > end {
            continue;
        }
        for p in ledger.postings_of(t) {
            let root = ledger.accounts[p.account as usize].root;
            if keep(root, p.partner, p.scheme, p.source) {
                total += p.amount;
            }
        }
    }
    total
}
