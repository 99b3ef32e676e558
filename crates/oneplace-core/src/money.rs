//! Exact money in integer pence.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};
use std::str::FromStr;

/// An exact amount of money in pence.
///
/// Ledger arithmetic must be exact to the penny, so amounts are integers and
/// never floats. Appraisal values (discounted economics) are `f64` instead and
/// become `Money` only when rounded for display or export
/// ([`Money::from_pounds_rounded`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a money string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    #[error("empty amount")]
    Empty,
    #[error("'{0}' is not an amount of money")]
    Malformed(String),
    #[error("'{0}' has misplaced thousands separators (write 1,234,567.89 or 1234567.89)")]
    BadGrouping(String),
    #[error("'{0}' has more than two decimal places")]
    TooManyDecimals(String),
    #[error("'{0}' is too large")]
    Overflow(String),
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_pence(pence: i64) -> Money {
        Money(pence)
    }

    pub const fn pence(self) -> i64 {
        self.0
    }

    /// Whole pounds, for tests and literals.
    pub const fn from_pounds(pounds: i64) -> Money {
        Money(pounds * 100)
    }

    /// Rounds a float amount of pounds to the nearest penny, halves away from
    /// zero (the convention of published financial tables and of Excel's ROUND).
    pub fn from_pounds_rounded(pounds: f64) -> Money {
        Money((pounds * 100.0).round() as i64)
    }

    pub fn to_pounds_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `self − other`, or `None` if the result does not fit.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `−self`, or `None` for the one amount whose negation does not fit.
    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    /// The sum of `amounts`, or `None` if any partial sum does not fit.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |total, m| total.checked_add(m))
    }

    /// Parses what a finance user writes: `£1,234.56`, `1234.56`, `-£5`,
    /// `£-5`, `(1,234.56)` (accounting negative). At most two decimal places;
    /// thousands separators must group by three.
    pub fn parse(input: &str) -> Result<Money, MoneyParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MoneyParseError::Empty);
        }
        let (negative, digits) = split_sign_and_symbol(s)
            .ok_or_else(|| MoneyParseError::Malformed(input.trim().to_string()))?;
        let (whole, frac) = split_number(digits, input)?;
        if frac.len() > 2 {
            return Err(MoneyParseError::TooManyDecimals(input.trim().to_string()));
        }
        let overflow = || MoneyParseError::Overflow(input.trim().to_string());
        let mut pence: i64 = 0;
        for b in whole.bytes() {
            pence = pence
                .checked_mul(10)
                .and_then(|p| p.checked_add(i64::from(b - b'0')))
                .ok_or_else(overflow)?;
        }
        pence = pence.checked_mul(100).ok_or_else(overflow)?;
        let mut frac_pence = 0i64;
        for (i, b) in frac.bytes().enumerate() {
            frac_pence += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        pence = pence.checked_add(frac_pence).ok_or_else(overflow)?;
        Ok(Money(if negative { -pence } else { pence }))
    }
}

/// Strips an optional sign, `£` and accounting brackets, in any of the orders
/// people write them. Returns the sign and the bare number.
pub(crate) fn split_sign_and_symbol(s: &str) -> Option<(bool, &str)> {
    let mut rest = s;
    let mut negative = false;
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        rest = inner.trim();
    }
    let mut signs = 0;
    loop {
        if let Some(r) = rest
            .strip_prefix('-')
            .or_else(|| rest.strip_prefix('\u{2212}'))
        {
            negative = !negative;
            signs += 1;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('+') {
            signs += 1;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('£') {
            rest = r;
        } else {
            break;
        }
    }
    if signs > 1 || rest.is_empty() {
        return None;
    }
    Some((negative, rest.trim_start()))
}

/// Splits `1,234.5678` into `("1234", "5678")`, checking digits and grouping.
pub(crate) fn split_number<'a>(
    digits: &'a str,
    input: &str,
) -> Result<(String, &'a str), MoneyParseError> {
    let malformed = || MoneyParseError::Malformed(input.trim().to_string());
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(malformed());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (digits.contains('.') && frac.is_empty()) {
        return Err(malformed());
    }
    if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return Err(MoneyParseError::BadGrouping(input.trim().to_string()));
        }
    }
    let bare: String = whole.chars().filter(|c| *c != ',').collect();
    if !bare.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let bare = if bare.is_empty() {
        "0".to_string()
    } else {
        bare
    };
    Ok((bare, frac))
}

impl FromStr for Money {
    type Err = MoneyParseError;
    fn from_str(s: &str) -> Result<Money, MoneyParseError> {
        Money::parse(s)
    }
}

/// `£1,234.56`, `-£5.00`: the form finance users read.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}£{}.{:02}", group_thousands(abs / 100), abs % 100)
    }
}

/// `1234567` → `1,234,567`.
pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Mul<i64> for Money {
    type Output = Money;
    fn mul(self, rhs: i64) -> Money {
        Money(self.0 * rhs)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

impl serde::Serialize for Money {
    /// Amounts in JSON are numbers in pounds with two decimals, never strings.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_pounds_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_operations_refuse_what_does_not_fit() {
        let max = Money::from_pence(i64::MAX);
        let min = Money::from_pence(i64::MIN);
        assert_eq!(max.checked_add(Money::from_pence(1)), None);
        assert_eq!(
            max.checked_add(Money::from_pence(-1)),
            Some(Money::from_pence(i64::MAX - 1))
        );
        assert_eq!(min.checked_sub(Money::from_pence(1)), None);
        assert_eq!(
            Money::from_pence(5).checked_sub(Money::from_pence(7)),
            Some(Money::from_pence(-2))
        );
        assert_eq!(min.checked_neg(), None);
        assert_eq!(max.checked_neg(), Some(Money::from_pence(-i64::MAX)));
        // Three amounts of 6,148,914,691,236,517,206 pence add up to 2^64 + 2;
        // two already overflow, so the order of the terms matters.
        let third = Money::from_pence(6_148_914_691_236_517_206);
        assert_eq!(Money::checked_sum([third, third, third]), None);
        assert_eq!(Money::checked_sum([third, -third, third]), Some(third));
        assert_eq!(Money::checked_sum([]), Some(Money::ZERO));
    }

    #[test]
    fn parses_what_finance_users_write() {
        let cases = [
            ("£1,234.56", 123_456),
            ("1234.56", 123_456),
            ("-£5", -500),
            ("£-5", -500),
            ("(1,234.50)", -123_450),
            ("0.5", 50),
            (".05", 5),
            ("  £12  ", 1_200),
            ("1,000,000", 100_000_000),
            ("+3.1", 310),
            ("-0.01", -1),
        ];
        for (text, pence) in cases {
            assert_eq!(Money::parse(text), Ok(Money::from_pence(pence)), "{text}");
        }
    }

    #[test]
    fn rejects_malformed_amounts_with_reasons() {
        assert_eq!(Money::parse(""), Err(MoneyParseError::Empty));
        assert!(matches!(
            Money::parse("1.234"),
            Err(MoneyParseError::TooManyDecimals(_))
        ));
        assert!(matches!(
            Money::parse("1,23"),
            Err(MoneyParseError::BadGrouping(_))
        ));
        assert!(matches!(
            Money::parse("12,3456"),
            Err(MoneyParseError::BadGrouping(_))
        ));
        for bad in ["abc", "£", "1.", "--5", "1e3", "12a", "1.2.3", "£ -"] {
            assert!(
                matches!(Money::parse(bad), Err(MoneyParseError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Money::parse("99999999999999999999"),
            Err(MoneyParseError::Overflow(_))
        ));
    }

    #[test]
    fn displays_with_pound_sign_and_grouping() {
        assert_eq!(Money::from_pence(123_456).to_string(), "£1,234.56");
        assert_eq!(Money::from_pence(-500).to_string(), "-£5.00");
        assert_eq!(Money::from_pence(5).to_string(), "£0.05");
        assert_eq!(Money::from_pence(100_000_000).to_string(), "£1,000,000.00");
    }

    #[test]
    fn display_round_trips_through_parse() {
        for pence in [0, 1, -1, 99, 100, 123_456_789, -987_654_321] {
            let m = Money::from_pence(pence);
            assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }
    }

    #[test]
    fn rounds_floats_half_away_from_zero() {
        assert_eq!(
            Money::from_pounds_rounded(1.005_000_1),
            Money::from_pence(101)
        );
        assert_eq!(
            Money::from_pounds_rounded(-2.5 / 100.0),
            Money::from_pence(-3)
        );
        assert_eq!(Money::from_pounds_rounded(0.125), Money::from_pence(13));
    }

    #[test]
    fn arithmetic_is_exact() {
        let total: Money = (0..10).map(|_| Money::from_pence(10)).sum();
        assert_eq!(total, Money::from_pounds(1));
        assert_eq!(
            Money::from_pounds(3) - Money::from_pence(1),
            Money::from_pence(299)
        );
        assert_eq!(-Money::from_pence(7) * 3, Money::from_pence(-21));
    }
}
