//! Numbers as people type them in model files and workbooks.

use crate::money::{split_number, split_sign_and_symbol};

/// Parses an appraisal amount in pounds: `£1,234.5678`, `-250`, `12.5`.
///
/// Unlike [`crate::Money::parse`] any number of decimal places is allowed,
/// because unit costs are often fractional (a cost per minute, an average).
pub fn parse_pounds(input: &str) -> Result<f64, String> {
    let s = input.trim();
    let (negative, digits) =
        split_sign_and_symbol(s).ok_or_else(|| format!("'{s}' is not an amount of pounds"))?;
    let (whole, frac) = split_number(digits, input).map_err(|e| e.to_string())?;
    let text = if frac.is_empty() {
        whole
    } else {
        format!("{whole}.{frac}")
    };
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{s}' is not an amount of pounds"))?;
    Ok(if negative { -value } else { value })
}

/// Parses a rate or share written as a fraction (`0.35`) or a percentage
/// (`35%`, `12.5 %`). The range is not checked here: callers know whether
/// the field must lie in 0–1.
pub fn parse_rate(input: &str) -> Result<f64, String> {
    let s = input.trim();
    let (number, scale) = match s.strip_suffix('%') {
        Some(n) => (n.trim_end(), 100.0),
        None => (s, 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{s}' is not a rate (write 0.35 or \"35%\")"))?;
    if !value.is_finite() {
        return Err(format!("'{s}' is not a finite number"));
    }
    Ok(value / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_allow_fractional_pence() {
        assert_eq!(parse_pounds("£1,234.5678"), Ok(1234.5678));
        assert_eq!(parse_pounds("-250"), Ok(-250.0));
        assert_eq!(parse_pounds("-£0.125"), Ok(-0.125));
        assert!(parse_pounds("1,23").is_err());
        assert!(parse_pounds("twelve").is_err());
    }

    #[test]
    fn rates_accept_fractions_and_percentages() {
        assert_eq!(parse_rate("0.35"), Ok(0.35));
        assert_eq!(parse_rate("35%"), Ok(0.35));
        assert_eq!(parse_rate("12.5 %"), Ok(0.125));
        assert_eq!(parse_rate("150%"), Ok(1.5));
        assert!(parse_rate("35 percent").is_err());
        assert!(parse_rate("inf").is_err());
    }
}
