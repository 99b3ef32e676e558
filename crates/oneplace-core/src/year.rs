//! Financial years (1 April to 31 March) and their months.

use std::fmt;
use std::str::FromStr;

/// A UK public-sector financial year, 1 April to 31 March, written `2025/26`.
///
/// Stored as the calendar year in which it starts. Never assume calendar
/// years: every oneplace report runs April to March.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(i32);

/// Why a year or period string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not {expected}")]
pub struct YearParseError {
    pub text: String,
    pub expected: &'static str,
}

const YEAR_EXPECTED: &str = "a financial year (write 2025/26)";
const PERIOD_EXPECTED: &str = "a month of a financial year (write 2025/26 M07 or 2025-10)";

impl FinancialYear {
    /// The financial year starting on 1 April of `start_calendar_year`.
    pub const fn starting(start_calendar_year: i32) -> FinancialYear {
        FinancialYear(start_calendar_year)
    }

    /// The calendar year of 1 April.
    pub const fn start_calendar_year(self) -> i32 {
        self.0
    }

    /// The financial year `years` after this one (negative goes back).
    pub const fn offset(self, years: i32) -> FinancialYear {
        FinancialYear(self.0 + years)
    }

    /// Whole years from `earlier` to `self`.
    pub const fn years_since(self, earlier: FinancialYear) -> i32 {
        self.0 - earlier.0
    }

    pub const fn next(self) -> FinancialYear {
        self.offset(1)
    }

    /// The financial year containing a calendar month (1 = January).
    pub const fn containing(calendar_year: i32, calendar_month: u32) -> FinancialYear {
        if calendar_month >= 4 {
            FinancialYear(calendar_year)
        } else {
            FinancialYear(calendar_year - 1)
        }
    }

    /// Parses `2025/26`; also accepts `2025-26`, `2025/2026` and `2025-2026`,
    /// which people write too. The second year must follow the first.
    pub fn parse(input: &str) -> Result<FinancialYear, YearParseError> {
        let s = input.trim();
        let err = || YearParseError {
            text: s.to_string(),
            expected: YEAR_EXPECTED,
        };
        let (first, second) = s.split_once(['/', '-']).ok_or_else(err)?;
        if first.len() != 4 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        if !(second.len() == 2 || second.len() == 4) || !second.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        let start: i32 = first.parse().map_err(|_| err())?;
        let end: i32 = second.parse().map_err(|_| err())?;
        let follows = if second.len() == 2 {
            end == (start + 1) % 100
        } else {
            end == start + 1
        };
        if !follows {
            return Err(YearParseError {
                text: s.to_string(),
                expected: "a financial year whose second year follows the first (2025/26)",
            });
        }
        Ok(FinancialYear(start))
    }

    /// The months of this year, April first.
    pub fn periods(self) -> impl Iterator<Item = Period> {
        (1..=12).map(move |m| Period {
            year: self,
            month: m,
        })
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1).rem_euclid(100))
    }
}

impl FromStr for FinancialYear {
    type Err = YearParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FinancialYear::parse(s)
    }
}

impl serde::Serialize for FinancialYear {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for FinancialYear {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FinancialYear::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One month of a financial year: period 1 is April, period 12 is March.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: FinancialYear,
    month: u8,
}

impl Period {
    /// Period `month` (1 = April … 12 = March) of `year`.
    pub fn new(year: FinancialYear, month: u8) -> Option<Period> {
        (1..=12).contains(&month).then_some(Period { year, month })
    }

    /// The period holding a calendar month (1 = January).
    pub fn from_calendar(calendar_year: i32, calendar_month: u32) -> Option<Period> {
        if !(1..=12).contains(&calendar_month) {
            return None;
        }
        let year = FinancialYear::containing(calendar_year, calendar_month);
        let month = ((calendar_month + 8) % 12 + 1) as u8;
        Some(Period { year, month })
    }

    pub fn year(self) -> FinancialYear {
        self.year
    }

    /// 1 = April … 12 = March.
    pub fn number(self) -> u8 {
        self.month
    }

    /// The calendar year and month (1 = January) of this period.
    pub fn calendar(self) -> (i32, u32) {
        let m = u32::from(self.month);
        if m <= 9 {
            (self.year.start_calendar_year(), m + 3)
        } else {
            (self.year.start_calendar_year() + 1, m - 9)
        }
    }

    /// Parses the canonical `2025/26 M07`, or a calendar month `2025-10`.
    pub fn parse(input: &str) -> Result<Period, YearParseError> {
        let s = input.trim();
        let err = || YearParseError {
            text: s.to_string(),
            expected: PERIOD_EXPECTED,
        };
        if let Some((year, month)) = s.split_once(char::is_whitespace) {
            let year = FinancialYear::parse(year).map_err(|_| err())?;
            let month = month.trim();
            let digits = month.strip_prefix(['M', 'm', 'P', 'p']).ok_or_else(err)?;
            let n: u8 = digits.parse().map_err(|_| err())?;
            return Period::new(year, n).ok_or_else(err);
        }
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let y: i32 = y.parse().map_err(|_| err())?;
        let m: u32 = m.parse().map_err(|_| err())?;
        Period::from_calendar(y, m).ok_or_else(err)
    }
}

/// Canonical output form: `2025/26 M07`.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} M{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = YearParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years_parse_and_display() {
        let y = FinancialYear::parse("2025/26").unwrap();
        assert_eq!(y.start_calendar_year(), 2025);
        assert_eq!(y.to_string(), "2025/26");
        assert_eq!(
            FinancialYear::parse("1999/00").unwrap().to_string(),
            "1999/00"
        );
        assert_eq!(FinancialYear::parse("2025-2026"), Ok(y));
        assert_eq!(FinancialYear::parse("2025-26"), Ok(y));
        for bad in ["2025/27", "2025", "25/26", "2025/2027", "abcd/ef", "2025/6"] {
            assert!(FinancialYear::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn financial_year_runs_april_to_march() {
        assert_eq!(
            FinancialYear::containing(2026, 3),
            FinancialYear::starting(2025)
        );
        assert_eq!(
            FinancialYear::containing(2026, 4),
            FinancialYear::starting(2026)
        );
        assert_eq!(
            FinancialYear::starting(2025).offset(30).to_string(),
            "2055/56"
        );
    }

    #[test]
    fn periods_number_from_april() {
        let p = Period::parse("2025-10").unwrap();
        assert_eq!(p.to_string(), "2025/26 M07");
        assert_eq!(Period::parse("2025/26 M07"), Ok(p));
        assert_eq!(Period::parse("2026-03").unwrap().to_string(), "2025/26 M12");
        assert_eq!(Period::parse("2025-04").unwrap().to_string(), "2025/26 M01");
        assert_eq!(Period::parse("2026-01").unwrap().calendar(), (2026, 1));
        assert!(Period::parse("2025/26 M13").is_err());
        assert!(Period::parse("2025-13").is_err());
        let months: Vec<_> = FinancialYear::starting(2025)
            .periods()
            .map(|p| p.calendar())
            .collect();
        assert_eq!(months.first(), Some(&(2025, 4)));
        assert_eq!(months.last(), Some(&(2026, 3)));
    }
}
