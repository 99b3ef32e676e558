//! Reading the estate's TOML files (place, mapping, options, programme):
//! syntax and shape errors, and every later check, carry the file, line and
//! column.

use std::ops::Range;

use oneplace_core::{Diagnostic, FinancialYear, InputError, LineIndex, Money};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

/// Parses `text`, turning a syntax or shape error into a located diagnostic.
pub(crate) fn parse_toml<T: DeserializeOwned>(
    index: &LineIndex,
    text: &str,
) -> Result<T, InputError> {
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

/// A number or text as people write it (`1.5`, `"£100,000"`, `"60%"`).
#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

/// Collects located problems with a file's values.
pub(crate) struct Checker<'a> {
    pub(crate) index: &'a LineIndex,
    pub(crate) diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(index: &'a LineIndex) -> Checker<'a> {
        Checker {
            index,
            diags: Vec::new(),
        }
    }

    pub(crate) fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::new(self.index.location(span.start), message).expected(expected));
    }

    /// An error about the file as a whole (something missing).
    pub(crate) fn whole(&mut self, message: impl Into<String>, expected: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(self.index.whole(), message).expected(expected));
    }

    pub(crate) fn finish(self) -> Result<(), InputError> {
        InputError::check(self.diags)
    }

    pub(crate) fn year(&mut self, s: &S<String>, what: &str) -> Option<FinancialYear> {
        match FinancialYear::parse(s.get_ref()) {
            Ok(y) => Some(y),
            Err(e) => {
                self.error(
                    s.span(),
                    format!("{what}: {e}"),
                    "a financial year such as \"2026/27\"",
                );
                None
            }
        }
    }

    /// An amount of money of zero or more.
    pub(crate) fn money(&mut self, v: &S<Num>, what: &str) -> Option<Money> {
        let r = match v.get_ref() {
            Num::Int(i) => i
                .checked_mul(100)
                .map(Money::from_pence)
                .ok_or_else(|| "is too large".to_string()),
            Num::Float(f) if f.is_finite() && (f * 100.0).fract().abs() < 1e-6 => {
                Ok(Money::from_pounds_rounded(*f))
            }
            Num::Float(f) => Err(format!("{f} is not an amount to the penny")),
            Num::Text(t) => Money::parse(t).map_err(|e| e.to_string()),
        };
        match r {
            Ok(m) if !m.is_negative() => Some(m),
            Ok(m) => {
                self.error(
                    v.span(),
                    format!("{what} is {m}"),
                    "an amount of zero or more",
                );
                None
            }
            Err(e) => {
                self.error(
                    v.span(),
                    format!("{what}: {e}"),
                    "an amount such as \"£100,000\"",
                );
                None
            }
        }
    }

    /// A share from 0 to 1, written `0.6` or `"60%"`.
    pub(crate) fn share(&mut self, v: &S<Num>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Num::Int(i) => Some(*i as f64),
            Num::Float(f) => Some(*f),
            Num::Text(t) => oneplace_core::parse_rate(t).ok(),
        };
        match r {
            Some(x) if (0.0..=1.0).contains(&x) => Some(x),
            _ => {
                self.error(
                    v.span(),
                    format!("{what} is not a share from 0 to 1"),
                    "a share such as 0.6 or \"60%\"",
                );
                None
            }
        }
    }

    /// A positive number (a distance, a count of years).
    pub(crate) fn positive(&mut self, v: &S<Num>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Num::Int(i) => Some(*i as f64),
            Num::Float(f) => Some(*f),
            Num::Text(t) => t.trim().parse::<f64>().ok(),
        };
        match r {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            _ => {
                self.error(
                    v.span(),
                    format!("{what} is not a positive number"),
                    "a number above 0",
                );
                None
            }
        }
    }

    /// A whole number of zero or more (jobs, homes).
    pub(crate) fn count(&mut self, v: &S<Num>, what: &str) -> Option<u64> {
        let r = match v.get_ref() {
            Num::Int(i) => u64::try_from(*i).ok(),
            Num::Float(f) if f.fract() == 0.0 && *f >= 0.0 => Some(*f as u64),
            Num::Text(t) => t.trim().replace(',', "").parse::<u64>().ok(),
            Num::Float(_) => None,
        };
        if r.is_none() {
            self.error(
                v.span(),
                format!("{what} is not a whole number of zero or more"),
                "a whole number such as 40",
            );
        }
        r
    }
}
