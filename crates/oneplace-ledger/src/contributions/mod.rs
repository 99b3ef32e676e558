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

/// Which instalment takes the odd pence that do not divide equally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Remainder {
    First,
    #[default]
    Last,
    /// The stated instalment, counting from 1.
    On(u8),
}

impl Remainder {
    /// `first`, `last`, or an instalment's number.
    pub fn parse(word: &str) -> Option<Remainder> {
        match word {
            "first" => Some(Remainder::First),
            "last" => Some(Remainder::Last),
            n => n.parse::<u8>().ok().filter(|n| *n >= 1).map(Remainder::On),
        }
    }

    /// The word the journal and the plan use for it.
    pub fn word(self) -> String {
        match self {
            Remainder::First => "first".into(),
            Remainder::Last => "last".into(),
            Remainder::On(n) => n.to_string(),
        }
    }

    /// The index of the instalment, of `count`, that takes the odd pence;
    /// `None` when the stated instalment is not one of them.
    pub fn index(self, count: usize) -> Option<usize> {
        match self {
            Remainder::First => Some(0),
            Remainder::Last => count.checked_sub(1),
            Remainder::On(n) => usize::from(n).checked_sub(1).filter(|i| *i < count),
        }
    }

    /// Whether the schedule has the stated instalment.
    pub fn fits(self, schedule: Schedule) -> bool {
        self.index(schedule.months().len()).is_some()
    }
}

impl serde::Serialize for Remainder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Remainder::On(n) => s.serialize_u8(*n),
            other => s.serialize_str(&other.word()),
        }
    }
}

impl Schedule {
    /// How many instalments the schedule has.
    pub fn count(self) -> usize {
        self.months().len()
    }
}

/// Equal instalments of `amount` on the first of their months; the odd
/// pence that do not divide go on the stated instalment (on the last if the
/// schedule does not have it: callers check that first).
pub fn schedule_instalments(
    year: FinancialYear,
    amount: Money,
    schedule: Schedule,
    remainder: Remainder,
) -> Vec<Instalment> {
    let months = schedule.months();
    let n = months.len() as i64;
    let each = Money::from_pence(amount.pence() / n);
    let odd = amount - each * n;
    let odd_one = remainder.index(months.len()).unwrap_or(months.len() - 1);
    months
        .iter()
        .enumerate()
        .map(|(i, m)| Instalment {
            date: Period::new(year, *m).expect("months 1–12").first_day(),
            amount: if i == odd_one { each + odd } else { each },
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
        let last = schedule_instalments(year, amount, Schedule::Quarterly, Remainder::Last);
        let pence: Vec<i64> = last.iter().map(|i| i.amount.pence()).collect();
        assert_eq!(pence, vec![25_000_000, 25_000_000, 25_000_000, 25_000_001]);
        let dates: Vec<String> = last.iter().map(|i| i.date.to_string()).collect();
        assert_eq!(
            dates,
            vec!["2026-04-01", "2026-07-01", "2026-10-01", "2027-01-01"]
        );
        let first = schedule_instalments(year, amount, Schedule::Quarterly, Remainder::First);
        assert_eq!(first[0].amount.pence(), 25_000_001);
        // £100 over twelve months: £8.33 × 11 + £8.37.
        let monthly = schedule_instalments(
            year,
            Money::from_pounds(100),
            Schedule::Monthly,
            Remainder::Last,
        );
        assert_eq!(monthly.len(), 12);
        assert_eq!(monthly[0].amount.pence(), 833);
        assert_eq!(monthly[11].amount.pence(), 837);
        assert_eq!(monthly[11].date.to_string(), "2027-03-01");
        // £1,000,000.03 in four: 100,000,003p / 4 = 25,000,000 rem 3, so
        // £250,000.00 three times and £250,000.03 on the third (1 October).
        let third = schedule_instalments(
            year,
            Money::from_pence(100_000_003),
            Schedule::Quarterly,
            Remainder::On(3),
        );
        let pence: Vec<i64> = third.iter().map(|i| i.amount.pence()).collect();
        assert_eq!(pence, vec![25_000_000, 25_000_000, 25_000_003, 25_000_000]);
        assert_eq!(third[2].date.to_string(), "2026-10-01");
        // £100 monthly, odd pence on the 7th (October): 833 × 11 + 837.
        let seventh = schedule_instalments(
            year,
            Money::from_pounds(100),
            Schedule::Monthly,
            Remainder::On(7),
        );
        assert_eq!(seventh[6].amount.pence(), 837);
        assert_eq!(seventh[6].date.to_string(), "2026-10-01");
        assert_eq!(seventh[11].amount.pence(), 833);
    }

    #[test]
    fn remainder_words() {
        assert_eq!(Remainder::parse("first"), Some(Remainder::First));
        assert_eq!(Remainder::parse("3"), Some(Remainder::On(3)));
        assert_eq!(Remainder::parse("0"), None);
        assert_eq!(Remainder::parse("third"), None);
        assert!(Remainder::On(4).fits(Schedule::Quarterly));
        assert!(!Remainder::On(5).fits(Schedule::Quarterly));
        assert!(!Remainder::On(2).fits(Schedule::Annual));
        assert!(!Remainder::On(0).fits(Schedule::Monthly));
    }
}
