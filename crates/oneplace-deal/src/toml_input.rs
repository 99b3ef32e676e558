//! Reading the deal's TOML files (the deal, the catalogue, readiness
//! responses): every syntax, shape and value problem carries its file, line
//! and column, and all of them are gathered before any is reported.

use std::ops::Range;

use oneplace_core::{Diagnostic, FinancialYear, InputError, LineIndex, Money, is_identifier};
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

/// Numbers or text (`"£100,000"`, `"50%"`): finance users write both.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub(crate) enum Value {
    Int(i64),
    Float(f64),
    Text(String),
}

/// Collects located diagnostics while values are checked.
pub(crate) struct Checker<'a> {
    pub(crate) at: &'a LineIndex,
    pub(crate) diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(at: &'a LineIndex) -> Checker<'a> {
        Checker {
            at,
            diags: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let d = Diagnostic::new(self.at.location(span.start), message);
        self.diags.push(d);
    }

    pub(crate) fn error_expected(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        let d = Diagnostic::new(self.at.location(span.start), message).expected(expected);
        self.diags.push(d);
    }

    /// A kebab-case identifier.
    pub(crate) fn identifier(&mut self, s: &S<String>, what: &str) -> Option<String> {
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

    /// A share from 0% to 100%, written `0.5` or `"50%"`.
    pub(crate) fn share(&mut self, v: &S<Value>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(t) => oneplace_core::parse_rate(t).ok(),
        };
        match r {
            Some(x) if (0.0..=1.0).contains(&x) => Some(x),
            Some(x) => {
                self.error_expected(
                    v.span(),
                    format!("{what} is {}%, outside 0% to 100%", trim_number(x * 100.0)),
                    "a share from 0% to 100%, such as \"50%\" or 0.5",
                );
                None
            }
            None => {
                self.error_expected(
                    v.span(),
                    format!("{what} is not a share"),
                    "a share from 0% to 100%, such as \"50%\" or 0.5",
                );
                None
            }
        }
    }

    /// An amount of money in pounds, zero or more, to the penny.
    pub(crate) fn money(&mut self, v: &S<Value>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Value::Int(i) => Ok(Money::from_pounds(*i)),
            Value::Float(f) if f.is_finite() => Ok(Money::from_pounds_rounded(*f)),
            Value::Float(f) => Err(format!("'{f}' is not an amount of money")),
            Value::Text(t) => Money::parse(t).map_err(|e| e.to_string()),
        };
        match r {
            Ok(m) if !m.is_negative() => Some(m.to_pounds_f64()),
            Ok(m) => {
                self.error_expected(
                    v.span(),
                    format!("{what} is negative ({m})"),
                    "an amount of zero or more, such as \"£500,000\"",
                );
                None
            }
            Err(e) => {
                self.error_expected(
                    v.span(),
                    format!("{what}: {e}"),
                    "an amount such as \"£500,000\"",
                );
                None
            }
        }
    }

    /// Any finite number (a metric's target or threshold).
    pub(crate) fn number(&mut self, v: &S<Value>, what: &str) -> Option<f64> {
        let r = match v.get_ref() {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) if f.is_finite() => Some(*f),
            Value::Float(_) => None,
            Value::Text(t) => {
                let t = t.trim();
                match t.strip_suffix('%') {
                    Some(n) => n.trim().parse::<f64>().ok().map(|x| x / 100.0),
                    None => t.replace(',', "").parse::<f64>().ok(),
                }
                .filter(|x| x.is_finite())
            }
        };
        if r.is_none() {
            self.error_expected(
                v.span(),
                format!("{what} is not a number"),
                "a number such as 12.5 or \"4%\"",
            );
        }
        r
    }

    pub(crate) fn year(&mut self, s: &S<String>, what: &str) -> Option<FinancialYear> {
        match FinancialYear::parse(s.get_ref()) {
            Ok(y) => Some(y),
            Err(e) => {
                self.error_expected(s.span(), format!("{what}: {e}"), "a year such as 2026/27");
                None
            }
        }
    }

    /// Text that must say something.
    pub(crate) fn text(&mut self, s: &S<String>, what: &str) -> Option<String> {
        let t = s.get_ref().trim();
        if t.is_empty() {
            self.error(s.span(), format!("{what} is empty"));
            None
        } else {
            Some(t.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    }

    pub(crate) fn finish(self) -> Result<(), InputError> {
        InputError::check(self.diags)
    }
}

/// `12.5`, `100`, never `100.0000001`.
pub(crate) fn trim_number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}
