//! What partners put into the pool: instalment schedules, and next year's
//! contributions built up from this year's (the base, recurrent in-year
//! changes, the inflation uplift, planned changes and efficiencies).
//!
//! See `docs/contribution-plan.md` for the plan file.

pub mod document;
pub mod next_year;

pub use next_year::{NextYear, Plan, next_year, parse_plan};

use oneplace_core::{FinancialYear, Money, Period};

use crate::model::Instalment;

/// How a contribution is paid when its instalments are not listed one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// One payment on 1 April.
    Annual,
    /// Four equal payments on 1 April, 1 July, 1 October and 1 January.
    Quarterly,
    /// Twelve equal payments on the first of each month.
    Monthly,
}

impl Schedule {
    pub fn parse(word: &str) -> Option<Schedule> {
        match word {
            "annual" => Some(Schedule::Annual),
            "quarterly" => Some(Schedule::Quarterly),
            "monthly" => Some(Schedule::Monthly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Annual => "annual",
            Schedule::Quarterly => "quarterly",
            Schedule::Monthly => "monthly",
        }
    }

    /// The months of the financial year (1 = April) on whose first day an
    /// instalment falls.
    fn months(self) -> &'static [u8] {
        match self {
            Schedule::Annual => &[1],
            Schedule::Quarterly => &[1, 4, 7, 10],
            Schedule::Monthly => &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        }
    }
}

/// Equal instalments of `amount` on the first of their months; the odd
/// pence that do not divide go on the first instalment or the last.
pub fn schedule_instalments(
    year: FinancialYear,
    amount: Money,
    schedule: Schedule,
    remainder_first: bool,
) -> Vec<Instalment> {
    let months = schedule.months();
    let n = months.len() as i64;
    let each = Money::from_pence(amount.pence() / n);
    let remainder = amount - each * n;
    let odd_one = if remainder_first { 0 } else { months.len() - 1 };
    months
        .iter()
        .enumerate()
        .map(|(i, m)| Instalment {
            date: Period::new(year, *m).expect("months 1–12").first_day(),
            amount: if i == odd_one { each + remainder } else { each },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarterly_remainder_on_the_stated_instalment() {
        // £1,000,000.01 in four: £250,000.00 each, the odd penny last (or first).
        let year = FinancialYear::starting(2026);
        let amount = Money::from_pence(100_000_001);
        let last = schedule_instalments(year, amount, Schedule::Quarterly, false);
        let pence: Vec<i64> = last.iter().map(|i| i.amount.pence()).collect();
        assert_eq!(pence, vec![25_000_000, 25_000_000, 25_000_000, 25_000_001]);
        let dates: Vec<String> = last.iter().map(|i| i.date.to_string()).collect();
        assert_eq!(
            dates,
            vec!["2026-04-01", "2026-07-01", "2026-10-01", "2027-01-01"]
        );
        let first = schedule_instalments(year, amount, Schedule::Quarterly, true);
        assert_eq!(first[0].amount.pence(), 25_000_001);
        // £100 over twelve months: £8.33 × 11 + £8.37.
        let monthly = schedule_instalments(year, Money::from_pounds(100), Schedule::Monthly, false);
        assert_eq!(monthly.len(), 12);
        assert_eq!(monthly[0].amount.pence(), 833);
        assert_eq!(monthly[11].amount.pence(), 837);
        assert_eq!(monthly[11].date.to_string(), "2027-03-01");
    }
}
