//! Fast money parsing for journals: a million amounts must parse in
//! milliseconds, so the common forms are read without allocating, and only
//! malformed input falls back to [`Money::parse`] for its message.

use oneplace_core::{Money, MoneyParseError};

/// The largest amount a journal, mapping or extract may state, in either
/// direction: £1,000,000,000,000.00 (10^14 pence). Larger amounts are
/// refused where they are written.
pub const MAX_AMOUNT: Money = Money::from_pence(100_000_000_000_000);

/// The most that all the amounts of a ledger (postings, budgets,
/// contributions, commitments, virements, forecasts and assertions), added
/// together regardless of sign, may come to: £10,000,000,000,000,000.00
/// (10^18 pence). Below it, every sum a report or check forms is exact in
/// 64-bit pence with room to spare, so no sum can overflow.
pub const MAX_LEDGER_TOTAL: i128 = 1_000_000_000_000_000_000;

/// Parses an amount: `£1,234.56`, `-£5`, `£-5`, `1234.5`. Amounts larger
/// than [`MAX_AMOUNT`] in size are refused as too large.
pub fn parse_money(text: &str) -> Result<Money, MoneyParseError> {
    let m = fast(text.as_bytes()).map_or_else(|| Money::parse(text), Ok)?;
    if m.pence().unsigned_abs() > MAX_AMOUNT.pence().unsigned_abs() {
        return Err(MoneyParseError::Overflow(text.trim().to_string()));
    }
    Ok(m)
}

fn fast(b: &[u8]) -> Option<Money> {
    let mut i = 0;
    let mut negative = false;
    if b.get(i) == Some(&b'-') {
        negative = true;
        i += 1;
    }
    // "£" is two bytes in UTF-8.
    if b.len() >= i + 2 && b[i] == 0xC2 && b[i + 1] == 0xA3 {
        i += 2;
    }
    if !negative && b.get(i) == Some(&b'-') {
        negative = true;
        i += 1;
    }
    let start = i;
    let mut whole: i64 = 0;
    let mut group = 0usize;
    let mut commas = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                whole = whole.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
                group += 1;
            }
            b',' => {
                // Groups of three after the first comma; the first group 1–3.
                if (commas && group != 3) || (!commas && (group == 0 || group > 3)) {
                    return None;
                }
                commas = true;
                group = 0;
            }
            _ => break,
        }
        i += 1;
    }
    if i == start || (commas && group != 3) {
        return None;
    }
    let mut pence = whole.checked_mul(100)?;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let digits = &b[i..];
        match digits {
            [a] if a.is_ascii_digit() => pence += i64::from(a - b'0') * 10,
            [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
                pence += i64::from(a - b'0') * 10 + i64::from(c - b'0');
            }
            _ => return None,
        }
        i = b.len();
    }
    if i != b.len() {
        return None;
    }
    Some(Money::from_pence(if negative { -pence } else { pence }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_money_parse() {
        for text in [
            "£1,234.56",
            "1234.56",
            "-£5",
            "£-5",
            "0.5",
            "12",
            "1,000,000",
            "-0.01",
            "£0",
            "999,999.99",
        ] {
            assert_eq!(fast(text.as_bytes()), Money::parse(text).ok(), "{text}");
        }
        for bad in [
            "1,23", "1.234", "£", "", "-", "12a", "1,2345", ",123", "1.", ".5",
        ] {
            assert!(fast(bad.as_bytes()).is_none(), "{bad}");
        }
        // Errors still get Money::parse's message.
        assert!(matches!(
            parse_money("1.234"),
            Err(MoneyParseError::TooManyDecimals(_))
        ));
        assert_eq!(parse_money(".5"), Ok(Money::from_pence(50)));
        // The largest amount is accepted, a penny more is not.
        assert_eq!(
            parse_money("£1,000,000,000,000.00"),
            Ok(Money::from_pence(100_000_000_000_000))
        );
        assert_eq!(
            parse_money("-1000000000000"),
            Ok(Money::from_pence(-100_000_000_000_000))
        );
        assert!(matches!(
            parse_money("£1,000,000,000,000.01"),
            Err(MoneyParseError::Overflow(_))
        ));
        assert!(matches!(
            parse_money("61489146912365172.16"),
            Err(MoneyParseError::Overflow(_))
        ));
    }
}
