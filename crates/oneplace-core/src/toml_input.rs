//! Reading the TOML files people write (agreements, plans, deals, estate
//! mappings and options): a syntax or shape error, and every later check of
//! a value, carries the file's line and column, and a [`Checker`] gathers
//! all the problems before any is reported.
//!
//! The value checks here are the conventions every input format shares:
//! money as pounds (`250000`, `"£250,000"`) exact to the penny, shares as
//! fractions or percentages (`0.6`, `"60%"`), financial years as `2026/27`,
//! identifiers in kebab-case. A crate adds checks of its own names (a
//! ledger's partners, a deal's parties) around a `Checker`.

use std::ops::Range;

use serde::Deserialize;
use serde::de::DeserializeOwned;
pub use toml::Spanned;

use crate::{Diagnostic, FinancialYear, InputError, LineIndex, Money, is_identifier, parse_rate};

/// A value with the byte range it was read from.
pub type S<T> = Spanned<T>;

/// Parses `text`, turning a syntax or shape error into a located diagnostic.
pub fn parse_toml<T: DeserializeOwned>(index: &LineIndex, text: &str) -> Result<T, InputError> {
    toml::from_str(text).map_err(|e| {
        let location = e
            .span()
            .map_or_else(|| index.whole(), |s| index.location(s.start));
        InputError::one(Diagnostic::new(
            location,
            e.message().split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    })
}

/// A number or text as people write it (`1.5`, `"£100,000"`, `"60%"`):
/// finance users write both, and the check decides what it means.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Float(f64),
    Text(String),
}

/// Collects located problems while a file's values are checked.
pub struct Checker<'a> {
    pub at: &'a LineIndex,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub fn new(at: &'a LineIndex) -> Checker<'a> {
        Checker {
            at,
            diags: Vec::new(),
        }
    }

    /// A problem at `span`.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(self.at.location(span.start), message));
    }

    /// A problem at `span`, saying what was expected there.
    pub fn error_expected(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::new(self.at.location(span.start), message).expected(expected));
    }

    /// A problem with the file as a whole (something missing).
    pub fn whole(&mut self, message: impl Into<String>, expected: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(self.at.whole(), message).expected(expected));
    }

    /// Every problem found, or none.
    pub fn finish(self) -> Result<(), InputError> {
        InputError::check(self.diags)
    }

    /// A kebab-case identifier.
    pub fn identifier(&mut self, s: &S<String>, what: &str) -> Option<String> {
        if is_identifier(s.get_ref()) {
            Some(s.get_ref().clone())
        } else {
            self.error_expected(
                s.span(),
                format!("{what} '{}' is not an identifier", s.get_ref()),
                "lower-case kebab-case, such as county-council",
            );
            None
        }
    }

    /// A financial year, `2026/27`.
    pub fn year(&mut self, s: &S<String>, what: &str) -> Option<FinancialYear> {
        match FinancialYear::parse(s.get_ref()) {
            Ok(y) => Some(y),
            Err(e) => {
                self.error_expected(
                    s.span(),
                    format!("{what}: {e}"),
                    "a financial year such as \"2026/27\"",
                );
                None
            }
        }
    }

    /// Text that must say something, its runs of white space made single
    /// spaces.
    pub fn text(&mut self, s: &S<String>, what: &str) -> Option<String> {
        let t = s.get_ref().trim();
        if t.is_empty() {
            self.error(s.span(), format!("{what} is empty"));
            None
        } else {
            Some(t.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    }

    /// An amount of money of zero or more, exact to the penny: a whole
    /// number of pounds, a number with at most two decimal places, or text
    /// as [`Money::parse`] reads it.
    pub fn money(&mut self, v: &S<Value>, what: &str) -> Option<Money> {
        let r = match v.get_ref() {
            Value::Int(i) => i
                .checked_mul(100)
                .map(Money::from_pence)
                .ok_or_else(|| format!("{i} is too large")),
            Value::Float(f) if f.is_finite() && ((f * 100.0).round() - f * 100.0).abs() < 1e-6 => {
                Ok(Money::from_pounds_rounded(*f))
            }
            Value::Float(f) => Err(format!("{f} is not an amount to the penny")),
            Value::Text(t) => Money::parse(t).map_err(|e| e.to_string()),
        };
        match r {
            Ok(m) if !m.is_negative() => Some(m),
            Ok(m) => {
                self.error_expected(
                    v.span(),
                    format!("{what} is negative ({m})"),
                    "an amount of zero or more, such as \"£100,000\"",
                );
                None
            }
            Err(e) => {
                self.error_expected(
                    v.span(),
                    format!("{what}: {e}"),
                    "an amount such as \"£100,000\"",
                );
                None
            }
        }
    }

    /// A share from 0% to 100%, written `0.6` or `"60%"`.
    pub fn share(&mut self, v: &S<Value>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(t) => parse_rate(t).ok(),
        };
        match r {
            Some(x) if (0.0..=1.0).contains(&x) => Some(x),
            Some(x) if x.is_finite() => {
                self.error_expected(
                    v.span(),
                    format!("{what} is {}%, outside 0% to 100%", trim_number(x * 100.0)),
                    "a share from 0% to 100%, such as \"60%\" or 0.6",
                );
                None
            }
            _ => {
                self.error_expected(
                    v.span(),
                    format!("{what} is not a share"),
                    "a share from 0% to 100%, such as \"60%\" or 0.6",
                );
                None
            }
        }
    }

    /// Any finite number; text may be a percentage (`"4%"` is 0.04) or
    /// carry thousands commas.
    pub fn number(&mut self, v: &S<Value>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(t) => {
                let t = t.trim();
                match t.strip_suffix('%') {
                    Some(n) => n.trim().parse::<f64>().ok().map(|x| x / 100.0),
                    None => t.replace(',', "").parse::<f64>().ok(),
                }
            }
        }
        .filter(|x| x.is_finite());
        if r.is_none() {
            self.error_expected(
                v.span(),
                format!("{what} is not a number"),
                "a number such as 12.5 or \"4%\"",
            );
        }
        r
    }

    /// A number above zero (a distance, a count of years).
    pub fn positive(&mut self, v: &S<Value>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(t) => t.trim().replace(',', "").parse::<f64>().ok(),
        };
        match r {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            _ => {
                self.error_expected(
                    v.span(),
                    format!("{what} is not a positive number"),
                    "a number above 0",
                );
                None
            }
        }
    }

    /// A whole number of zero or more (jobs, homes).
    pub fn count(&mut self, v: &S<Value>, what: &str) -> Option<u64> {
        let r = match v.get_ref() {
            Value::Int(i) => u64::try_from(*i).ok(),
            Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 2f64.powi(53) => {
                Some(*f as u64)
            }
            Value::Float(_) => None,
            Value::Text(t) => t.trim().replace(',', "").parse::<u64>().ok(),
        };
        if r.is_none() {
            self.error_expected(
                v.span(),
                format!("{what} is not a whole number of zero or more"),
                "a whole number such as 40",
            );
        }
        r
    }
}

/// A number as people write it: `12.5`, `100`, never `100.0000001`.
pub fn trim_number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Doc {
        a: S<Value>,
    }

    fn check<T>(text: &str, f: impl Fn(&mut Checker, &S<Value>) -> Option<T>) -> Result<T, String> {
        let index = LineIndex::new("doc.toml", text);
        let doc: Doc = parse_toml(&index, text).map_err(|e| e.to_string())?;
        let mut c = Checker::new(&index);
        let r = f(&mut c, &doc.a);
        match c.finish() {
            Ok(()) => Ok(r.expect("a value when there is no problem")),
            Err(e) => {
                assert!(r.is_none(), "a value and a problem");
                Err(e.to_string())
            }
        }
    }

    #[test]
    fn money_is_exact_to_the_penny() {
        let m = |t: &str| check(t, |c, v| c.money(v, "the amount"));
        assert_eq!(m("a = 250000"), Ok(Money::from_pence(25_000_000)));
        assert_eq!(m("a = 1234.56"), Ok(Money::from_pence(123_456)));
        assert_eq!(m("a = \"£1,234.5\""), Ok(Money::from_pence(123_450)));
        let e = m("a = 12.345").unwrap_err();
        assert!(
            e.contains("doc.toml:1:5") && e.contains("not an amount to the penny"),
            "{e}"
        );
        let e = m("a = -5").unwrap_err();
        assert!(e.contains("the amount is negative (-£5.00)"), "{e}");
        assert!(
            m("a = 92233720368547759")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn shares_are_fractions_or_percentages_within_0_to_100() {
        let s = |t: &str| check(t, |c, v| c.share(v, "the share"));
        assert_eq!(s("a = 0.6"), Ok(0.6));
        assert_eq!(s("a = \"60%\""), Ok(0.6));
        assert_eq!(s("a = 1"), Ok(1.0));
        assert!(
            s("a = \"120%\"")
                .unwrap_err()
                .contains("is 120%, outside 0% to 100%")
        );
        assert!(
            s("a = \"lots\"")
                .unwrap_err()
                .contains("the share is not a share")
        );
    }

    #[test]
    fn numbers_counts_and_positives() {
        assert_eq!(check("a = \"4%\"", |c, v| c.number(v, "x")), Ok(0.04));
        assert_eq!(check("a = \"1,250\"", |c, v| c.number(v, "x")), Ok(1250.0));
        assert_eq!(check("a = \"1,250\"", |c, v| c.count(v, "x")), Ok(1250));
        assert!(check("a = 2.5", |c, v| c.count(v, "homes")).is_err());
        assert!(check("a = -1", |c, v| c.count(v, "homes")).is_err());
        assert!(check("a = 0", |c, v| c.positive(v, "distance")).is_err());
        assert_eq!(
            check("a = 0.25", |c, v| c.positive(v, "distance")),
            Ok(0.25)
        );
    }

    #[test]
    fn a_syntax_error_is_located() {
        let index = LineIndex::new("doc.toml", "x = 1\na = = 2\n");
        let e = parse_toml::<Doc>(&index, "x = 1\na = = 2\n").unwrap_err();
        assert!(e.to_string().contains("doc.toml:2:5"), "{e}");
    }

    #[test]
    fn numbers_are_written_without_float_noise() {
        assert_eq!(trim_number(100.000_000_1), "100");
        assert_eq!(trim_number(12.5), "12.5");
        assert_eq!(trim_number(-0.000_000_1), "0");
    }
}
