//! Dates as day numbers (days since 1970-01-01, Arrow's `Date32`), and
//! whole months added to a date.

use oneplace_core::{Date, days_in_month};

/// Days since 1970-01-01 (negative before it).
pub fn day_number(d: Date) -> i32 {
    // Howard Hinnant's days_from_civil.
    let (m, dd) = (d.month() as i32, d.day() as i32);
    let y = d.year() - i32::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number.
pub fn from_day_number(z: i32) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i32::from(m <= 2);
    Date::new(y, m as u32, d as u32).expect("a day number is a date")
}

/// `d` moved by `months` whole months; a day past the end of the new month
/// becomes its last day (31 January + 1 month = 28 or 29 February).
pub fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + d.month() as i32 - 1 + months;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let day = d.day().min(days_in_month(y, m));
    Date::new(y, m, day).expect("a clamped day is a date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn day_numbers_match_the_calendar() {
        assert_eq!(day_number(d("1970-01-01")), 0);
        assert_eq!(day_number(d("2000-03-01")), 11_017);
        assert_eq!(day_number(d("2024-04-01")), 19_814);
        assert_eq!(day_number(d("1969-12-31")), -1);
        for n in [-800, 0, 11_016, 19_813, 19_814, 20_000, 30_000] {
            assert_eq!(day_number(from_day_number(n)), n);
        }
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2024-04-01"), -12), d("2023-04-01"));
        assert_eq!(add_months(d("2024-11-15"), 3), d("2025-02-15"));
    }
}
