//! The ledger's checks of the TOML files that sit beside a journal
//! (agreements, contribution plans): the shared located [`Checker`] of
//! `oneplace_core::toml_input`, plus names checked against the ledger and
//! percentages as basis points.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use oneplace_core::toml_input::{self, S};
pub(crate) use oneplace_core::toml_input::{Value, parse_toml};

use crate::model::{Id, Ledger};

/// Checks names against the ledger and values against their kinds,
/// collecting a diagnostic for each problem.
pub(crate) struct Checker<'a> {
    base: toml_input::Checker<'a>,
    pub(crate) ledger: &'a Ledger,
}

impl<'a> Deref for Checker<'a> {
    type Target = toml_input::Checker<'a>;
    fn deref(&self) -> &Self::Target {
        &self.base
    }
}

impl DerefMut for Checker<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.base
    }
}

impl<'a> Checker<'a> {
    pub(crate) fn new(at: &'a oneplace_core::LineIndex, ledger: &'a Ledger) -> Checker<'a> {
        Checker {
            base: toml_input::Checker::new(at),
            ledger,
        }
    }

    /// Every problem found, or none.
    pub(crate) fn finish(self) -> Result<(), oneplace_core::InputError> {
        self.base.finish()
    }

    pub(crate) fn partner(&mut self, s: &S<String>) -> Option<Id> {
        let found = self.ledger.partner(s.get_ref());
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.partners.iter().map(|p| p.id.as_str()).collect();
            self.error_expected(
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
            self.error_expected(
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
            self.error_expected(
                s.span(),
                format!("unknown funding source '{}'", s.get_ref()),
                format!("a source of the ledger: {}", ids.join(", ")),
            );
        }
        found
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
                self.error_expected(
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
            self.error_expected(
                map.span(),
                format!("the {what} add up to {}%", f64::from(total) / 100.0),
                "shares that add up to 100%",
            );
            return None;
        }
        ok.then_some(out)
    }
}
