//! Calendar dates, as ISO 8601 writes them.

use std::fmt;

use crate::{FinancialYear, Period};

/// A calendar date. Ordered, compact (four bytes), and validated: there is
/// no 31 April and no 29 February outside leap years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i16,
    month: u8,
    day: u8,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month of a year.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            year: year as i16,
            month: month as u8,
            day: day as u8,
        })
    }

    pub fn year(self) -> i32 {
        i32::from(self.year)
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Parses `2025-04-30` (exactly: four digits, two, two).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        Date::new(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)
    }

    pub fn financial_year(self) -> FinancialYear {
        FinancialYear::containing(self.year(), self.month())
    }

    pub fn period(self) -> Period {
        Period::from_calendar(self.year(), self.month()).expect("a valid date has a valid month")
    }

    /// The last day of this date's month.
    pub fn month_end(self) -> Date {
        Date::new(
            self.year(),
            self.month(),
            days_in_month(self.year(), self.month()),
        )
        .expect("the last day of a month exists")
    }
}

impl Period {
    /// The first and last days of the period.
    pub fn first_day(self) -> Date {
        let (y, m) = self.calendar();
        Date::new(y, m, 1).expect("periods are valid months")
    }

    pub fn last_day(self) -> Date {
        self.first_day().month_end()
    }
}

impl FinancialYear {
    /// 1 April.
    pub fn first_day(self) -> Date {
        Date::new(self.start_calendar_year(), 4, 1).expect("1 April exists")
    }

    /// 31 March.
    pub fn last_day(self) -> Date {
        Date::new(self.start_calendar_year() + 1, 3, 31).expect("31 March exists")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_dates() {
        let d = Date::parse("2025-04-30").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2025, 4, 30));
        assert_eq!(d.to_string(), "2025-04-30");
        assert!(Date::parse("2025-04-31").is_none());
        assert!(Date::parse("2025-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        assert!(Date::parse("2025-4-30").is_none());
        assert!(Date::parse("2025-13-01").is_none());
        assert!(Date::parse("2025-00-10").is_none());
        assert!(Date::parse("abcd-ef-gh").is_none());
    }

    #[test]
    fn dates_fall_in_financial_years_and_periods() {
        let d = Date::parse("2026-03-31").unwrap();
        assert_eq!(d.financial_year().to_string(), "2025/26");
        assert_eq!(d.period().to_string(), "2025/26 M12");
        let fy = FinancialYear::starting(2025);
        assert_eq!(fy.first_day().to_string(), "2025-04-01");
        assert_eq!(fy.last_day().to_string(), "2026-03-31");
        let p = Period::parse("2025/26 M11").unwrap();
        assert_eq!(p.first_day().to_string(), "2026-02-01");
        assert_eq!(p.last_day().to_string(), "2026-02-28");
        assert!(Date::parse("2025-04-01").unwrap() < Date::parse("2025-04-02").unwrap());
    }
}
