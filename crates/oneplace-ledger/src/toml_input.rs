//! Reading the TOML files that sit beside a ledger (agreements, contribution
//! plans): parse errors and every later check carry the file, line and
//! column, and all problems are gathered before any is reported.

use std::collections::BTreeMap;

use oneplace_core::{Diagnostic, InputError, LineIndex, Money};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::model::{Id, Ledger};

type S<T> = Spanned<T>;

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

/// Numbers or text (`"£100,000"`, `"60%"`).
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(crate) enum Value {
    Int(i64),
    Float(f64),
    Text(String),
}

/// Checks names against the ledger and values against their kinds,
/// collecting a diagnostic for each problem.
pub(crate) struct Checker<'a> {
    pub(crate) at: &'a LineIndex,
    pub(crate) ledger: &'a Ledger,
    pub(crate) diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(at: &'a LineIndex, ledger: &'a Ledger) -> Checker<'a> {
        Checker {
            at,
            ledger,
            diags: Vec::new(),
        }
    }

    pub(crate) fn error(
        &mut self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        let d = Diagnostic::new(self.at.location(span.start), message).expected(expected);
        self.diags.push(d);
    }

    pub(crate) fn partner(&mut self, s: &S<String>) -> Option<Id> {
        let found = self.ledger.partner(s.get_ref());
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.partners.iter().map(|p| p.id.as_str()).collect();
            self.error(
                s.span(),
                format!("unknown partner '{}'", s.get_ref()),
                format!("a partner of the ledger: {}", ids.join(", ")),
            );
        }
        found
    }

    pub(crate) fn scheme(&mut self, s: &S<String>) -> Option<Id> {
        let found = self.ledger.scheme(s.get_ref());
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.schemes.iter().map(|p| p.id.as_str()).collect();
            self.error(
                s.span(),
                format!("unknown scheme '{}'", s.get_ref()),
                format!("a scheme of the ledger: {}", ids.join(", ")),
            );
        }
        found
    }

    pub(crate) fn source(&mut self, s: &S<String>) -> Option<Id> {
        let found = self.ledger.source(s.get_ref());
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.sources.iter().map(|p| p.id.as_str()).collect();
            self.error(
                s.span(),
                format!("unknown funding source '{}'", s.get_ref()),
                format!("a source of the ledger: {}", ids.join(", ")),
            );
        }
        found
    }

    pub(crate) fn money(&mut self, v: &S<Value>, what: &str) -> Option<Money> {
        let r = match v.get_ref() {
            Value::Int(i) => Ok(Money::from_pounds(*i)),
            Value::Float(f) => Ok(Money::from_pounds_rounded(*f)),
            Value::Text(t) => Money::parse(t).map_err(|e| e.to_string()),
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

    /// A percentage as basis points.
    pub(crate) fn percent(&mut self, v: &S<Value>, what: &str) -> Option<u32> {
        let r = match v.get_ref() {
            Value::Int(i) => Some(*i as f64 / 100.0),
            Value::Float(f) => Some(*f),
            Value::Text(t) => oneplace_core::parse_rate(t).ok(),
        };
        match r {
            Some(x) if (0.0..=1.0).contains(&x) => Some((x * 10_000.0).round() as u32),
            _ => {
                self.error(
                    v.span(),
                    format!("{what} is not a percentage from 0% to 100%"),
                    "a percentage such as \"60%\"",
                );
                None
            }
        }
    }

    /// Partner shares that must sum to 100%.
    pub(crate) fn shares(
        &mut self,
        map: &S<BTreeMap<S<String>, S<Value>>>,
        what: &str,
    ) -> Option<Vec<(Id, u32)>> {
        let mut out = Vec::new();
        let mut total = 0;
        let mut ok = true;
        for (p, v) in map.get_ref() {
            match (self.partner(p), self.percent(v, what)) {
                (Some(p), Some(bp)) => {
                    total += bp;
                    out.push((p, bp));
                }
                _ => ok = false,
            }
        }
        if ok && total != 10_000 {
            self.error(
                map.span(),
                format!("the {what} add up to {}%", f64::from(total) / 100.0),
                "shares that add up to 100%",
            );
            return None;
        }
        ok.then_some(out)
    }
}
