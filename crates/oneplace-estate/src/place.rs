//! The place file: the partners whose sites the register holds.
//!
//! ```toml
//! [place]
//! name = "Northshire"
//! price_year = "2025/26"        # the prices the register's money is in
//! register = "register.csv"     # beside this file
//!
//! [analysis]                    # optional
//! under_used_below = "60%"
//! co_location_within_km = 1.0
//!
//! [[partner]]
//! id = "county"
//! name = "Northshire County Council"
//! kind = "county-council"       # the agency vocabulary
//! ```
//!
//! See `docs/estate-register.md` for every key.

use std::collections::BTreeSet;

use oneplace_core::{AgencyVocabulary, FinancialYear, InputError, LineIndex, is_identifier};
use serde::Deserialize;

use crate::model::{Partner, Place, Thresholds};
use oneplace_core::toml_input::{Checker, S, Value, parse_toml};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaceFile {
    place: S<RawPlace>,
    analysis: Option<RawAnalysis>,
    #[serde(default)]
    partner: Vec<S<RawPartner>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlace {
    name: S<String>,
    price_year: S<String>,
    register: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    under_used_below: Option<S<Value>>,
    co_location_within_km: Option<S<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartner {
    id: S<String>,
    name: S<String>,
    kind: S<String>,
}

/// Reads a place file. `file` names it in messages.
pub fn read_place(file: &str, text: &str) -> Result<Place, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawPlaceFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let place = raw.place.get_ref();
    let price_year: Option<FinancialYear> = c.year(&place.price_year, "price_year");
    if place.name.get_ref().trim().is_empty() {
        c.error_expected(
            place.name.span(),
            "the place has no name",
            "a name such as \"Northshire\"",
        );
    }

    let mut analysis = Thresholds::default();
    if let Some(a) = &raw.analysis {
        if let Some(v) = &a.under_used_below
            && let Some(x) = c.share(v, "under_used_below")
        {
            analysis.under_used_below = x;
        }
        if let Some(v) = &a.co_location_within_km
            && let Some(x) = c.positive(v, "co_location_within_km")
        {
            analysis.co_location_within_km = x;
        }
    }

    let vocabulary = AgencyVocabulary::seeded();
    let mut seen = BTreeSet::new();
    let mut partners = Vec::new();
    for p in &raw.partner {
        let r = p.get_ref();
        let id = r.id.get_ref();
        if !is_identifier(id) {
            c.error_expected(
                r.id.span(),
                format!("partner id '{id}' is not lower-case kebab-case"),
                "an id such as \"county\" or \"fire-service\"",
            );
        } else if !seen.insert(id.clone()) {
            c.error_expected(
                r.id.span(),
                format!("partner '{id}' is named twice"),
                "one [[partner]] per partner",
            );
        }
        let kind = match vocabulary.resolve(r.kind.get_ref()) {
            Ok(k) => k.id.clone(),
            Err(e) => {
                c.error_expected(
                    r.kind.span(),
                    e.to_string(),
                    format!("a kind of the agency vocabulary, such as {}", KIND_EXAMPLES),
                );
                String::new()
            }
        };
        partners.push(Partner {
            id: id.clone(),
            name: r.name.get_ref().trim().to_string(),
            kind,
        });
    }
    if raw.partner.is_empty() {
        c.whole(
            "the place file names no partner",
            "[[partner]] tables with id, name and kind",
        );
    }
    c.finish()?;
    Ok(Place {
        name: place.name.get_ref().trim().to_string(),
        price_year: price_year.expect("checked"),
        partners,
        register: place.register.as_ref().map(|r| r.get_ref().clone()),
        analysis,
    })
}

const KIND_EXAMPLES: &str = "county-council, district-council, unitary-council, police, acute-trust, community-health-provider, icb, fire-service, dwp";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_partners_and_thresholds() {
        let place = read_place(
            "place.toml",
            r#"
[place]
name = "Northshire"
price_year = "2025/26"
register = "register.csv"

[analysis]
under_used_below = "50%"
co_location_within_km = 0.5

[[partner]]
id = "fire"
name = "Northshire Fire and Rescue Service"
kind = "Fire and rescue"
"#,
        )
        .unwrap();
        assert_eq!(place.price_year, FinancialYear::starting(2025));
        assert_eq!(place.partners[0].kind, "fire-service");
        assert_eq!(place.analysis.under_used_below, 0.5);
        assert_eq!(place.analysis.co_location_within_km, 0.5);
        assert_eq!(place.register.as_deref(), Some("register.csv"));
    }

    #[test]
    fn every_problem_is_located() {
        let err = read_place(
            "place.toml",
            r#"[place]
name = "Northshire"
price_year = "2025"

[[partner]]
id = "Fire"
name = "Fire"
kind = "dragons"

[[partner]]
id = "police"
name = "Police"
kind = "police"

[[partner]]
id = "police"
name = "Police again"
kind = "police"
"#,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("place.toml:3:14: price_year"), "{text}");
        assert!(text.contains("place.toml:6:6: partner id 'Fire'"), "{text}");
        assert!(
            text.contains("place.toml:8:8: unknown agency kind 'dragons'"),
            "{text}"
        );
        assert!(
            text.contains("place.toml:16:6: partner 'police' is named twice"),
            "{text}"
        );
    }
}
