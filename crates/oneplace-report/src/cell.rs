//! How one cell is written in each format.
//!
//! Kept in one place so that the text, CSV and XLSX writers agree on
//! rounding, on what counts as a number, and on how non-finite values are
//! handled.

use std::fmt;

use oneplace_core::Money;

use crate::{Cell, MAX_DECIMALS};

/// What the text writer shows for a non-finite number.
pub(crate) const NOT_AVAILABLE: &str = "n/a";

impl Cell {
    /// Whether this cell holds a quantity (right-aligned in text, written as
    /// a number in XLSX). Years are labels, not quantities.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Pounds(_)
                | Cell::Money(_)
                | Cell::Ratio(_)
                | Cell::Percent(_)
                | Cell::Number { .. }
                | Cell::Integer(_)
        )
    }

    /// The value as a CSV field: plain, unambiguous numbers for machines
    /// and spreadsheets.
    ///
    /// * `Pounds`/`Money`: exactly two decimals, no `£`, no grouping
    ///   (`1234.57`, `-5.00`); pounds are rounded to the penny by the same
    ///   rule as the display ([`Money::from_pounds_rounded`]).
    /// * `Ratio`: four decimals (`1.8534`).
    /// * `Percent`: the fraction (not ×100), rounded to six decimal places
    ///   with trailing zeros removed (`0.355`, `1`, `0.123457`), i.e. a
    ///   precision of 0.0001 percentage points, finer than any published
    ///   rate, without printing float noise.
    /// * `Number`: its own decimals; `Integer` plain; `Year` as `2025/26`.
    /// * `Empty` and non-finite numbers: an empty field.
    pub fn csv_value(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Pounds(v) => {
                finite(*v).map_or_else(String::new, |v| plain_money(Money::from_pounds_rounded(v)))
            }
            Cell::Money(m) => plain_money(*m),
            Cell::Ratio(v) => finite(*v).map_or_else(String::new, |v| fixed(v, 4)),
            Cell::Percent(v) => finite(*v).map_or_else(String::new, |v| trimmed_fraction(v, 6)),
            Cell::Number { value, decimals } => {
                finite(*value).map_or_else(String::new, |v| fixed(v, clamp_decimals(*decimals)))
            }
            Cell::Integer(i) => i.to_string(),
            Cell::Year(y) => y.to_string(),
        }
    }
}

/// What a reader sees: `£1,234.57`, `-£5.00`, `1.85`, `35.5%`, `2025/26`,
/// `n/a` for a non-finite number and nothing for an empty cell. Text is
/// shown as given (the text writer additionally collapses whitespace).
///
/// Ratios have two decimals and percentages one: the precision of published
/// appraisal tables. Numbers and integers are not grouped with commas, to
/// match the `0`/`0.00` Excel formats used for them.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Empty => Ok(()),
            Cell::Text(text) => f.write_str(text),
            Cell::Pounds(v) => match finite(*v) {
                Some(v) => write!(f, "{}", Money::from_pounds_rounded(v)),
                None => f.write_str(NOT_AVAILABLE),
            },
            Cell::Money(m) => write!(f, "{m}"),
            Cell::Ratio(v) => match finite(*v) {
                Some(v) => f.write_str(&fixed(v, 2)),
                None => f.write_str(NOT_AVAILABLE),
            },
            Cell::Percent(v) => match finite(*v) {
                Some(v) => write!(f, "{}%", fixed(v * 100.0, 1)),
                None => f.write_str(NOT_AVAILABLE),
            },
            Cell::Number { value, decimals } => match finite(*value) {
                Some(v) => f.write_str(&fixed(v, clamp_decimals(*decimals))),
                None => f.write_str(NOT_AVAILABLE),
            },
            Cell::Integer(i) => write!(f, "{i}"),
            Cell::Year(y) => write!(f, "{y}"),
        }
    }
}

/// `Some(v)` for a finite number: the single gate through which every writer
/// passes floats, so NaN and infinity are handled identically everywhere.
pub(crate) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

pub(crate) fn clamp_decimals(decimals: u8) -> usize {
    usize::from(decimals.min(MAX_DECIMALS))
}

/// `v` with exactly `decimals` places, never `-0.00`: a tiny negative that
/// rounds to zero is zero to a reader.
pub(crate) fn fixed(v: f64, decimals: usize) -> String {
    without_negative_zero(format!("{v:.decimals$}"))
}

/// `v` rounded to `decimals` places with trailing zeros (and a trailing
/// point) removed.
fn trimmed_fraction(v: f64, decimals: usize) -> String {
    let s = fixed(v, decimals);
    if !s.contains('.') {
        return s;
    }
    let s = s.trim_end_matches('0').trim_end_matches('.');
    without_negative_zero(s.to_string())
}

fn without_negative_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// `1234.57`, `-5.00`: money as a plain decimal for CSV.
fn plain_money(m: Money) -> String {
    let sign = if m.is_negative() { "-" } else { "" };
    let abs = m.pence().unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oneplace_core::FinancialYear;

    fn shown(cell: Cell) -> String {
        cell.to_string()
    }

    #[test]
    fn display_forms() {
        assert_eq!(shown(Cell::Pounds(1234.567)), "£1,234.57");
        assert_eq!(shown(Cell::Pounds(-5.0)), "-£5.00");
        assert_eq!(shown(Cell::Pounds(-0.001)), "£0.00");
        assert_eq!(
            shown(Cell::Money(Money::from_pence(-123_456))),
            "-£1,234.56"
        );
        assert_eq!(shown(Cell::Ratio(1.8534)), "1.85");
        assert_eq!(shown(Cell::Ratio(-0.001)), "0.00");
        assert_eq!(shown(Cell::Percent(0.355)), "35.5%");
        assert_eq!(shown(Cell::Percent(-0.0251)), "-2.5%");
        assert_eq!(
            shown(Cell::Number {
                value: 2.0 / 3.0,
                decimals: 3
            }),
            "0.667"
        );
        assert_eq!(
            shown(Cell::Number {
                value: 12.0,
                decimals: 0
            }),
            "12"
        );
        assert_eq!(shown(Cell::Integer(-42)), "-42");
        assert_eq!(shown(Cell::Year(FinancialYear::starting(2025))), "2025/26");
        assert_eq!(shown(Cell::Empty), "");
    }

    #[test]
    fn non_finite_is_not_available_never_a_panic() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for cell in [
                Cell::Pounds(v),
                Cell::Ratio(v),
                Cell::Percent(v),
                Cell::Number {
                    value: v,
                    decimals: 2,
                },
            ] {
                assert_eq!(cell.to_string(), "n/a", "{cell:?}");
                assert_eq!(cell.csv_value(), "", "{cell:?}");
            }
        }
    }

    #[test]
    fn csv_forms() {
        assert_eq!(Cell::Pounds(1234.567).csv_value(), "1234.57");
        assert_eq!(Cell::Pounds(-5.0).csv_value(), "-5.00");
        assert_eq!(Cell::Pounds(-0.004).csv_value(), "0.00");
        assert_eq!(Cell::Money(Money::from_pence(-7)).csv_value(), "-0.07");
        assert_eq!(
            Cell::Money(Money::from_pence(123_456_789)).csv_value(),
            "1234567.89"
        );
        assert_eq!(Cell::Ratio(1.85344).csv_value(), "1.8534");
        assert_eq!(Cell::Percent(0.355).csv_value(), "0.355");
        assert_eq!(Cell::Percent(1.0).csv_value(), "1");
        assert_eq!(Cell::Percent(0.0).csv_value(), "0");
        assert_eq!(Cell::Percent(-0.000_000_1).csv_value(), "0");
        assert_eq!(Cell::Percent(0.123_456_78).csv_value(), "0.123457");
        assert_eq!(
            Cell::Number {
                value: 1.5,
                decimals: 3
            }
            .csv_value(),
            "1.500"
        );
        assert_eq!(Cell::Integer(7).csv_value(), "7");
        assert_eq!(
            Cell::Year(FinancialYear::starting(2030)).csv_value(),
            "2030/31"
        );
        assert_eq!(Cell::Text("a, \"b\"".into()).csv_value(), "a, \"b\"");
    }

    #[test]
    fn decimals_are_capped() {
        let s = Cell::Number {
            value: 1.0,
            decimals: 255,
        }
        .to_string();
        assert_eq!(s.len(), 2 + usize::from(MAX_DECIMALS));
    }

    #[test]
    fn numeric_kinds() {
        assert!(Cell::Pounds(1.0).is_numeric());
        assert!(Cell::Integer(1).is_numeric());
        assert!(!Cell::Year(FinancialYear::starting(2025)).is_numeric());
        assert!(!Cell::Text("1".into()).is_numeric());
        assert!(!Cell::Empty.is_numeric());
    }
}
