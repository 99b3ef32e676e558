//! A partner's mapping file: how to read its property extract.
//!
//! Each partner keeps its estate in its own system and exports it with its
//! own column names, units and codes. The partner's estates officer writes
//! a mapping once:
//!
//! ```toml
//! partner = "eastmere"              # every row is this partner's
//! sheet = "Assets"                  # XLSX: the sheet (default: the first)
//! header_row = 1                    # the row holding the column names
//! services_separator = ";"
//!
//! [units]
//! floor_area = "ft2"                # m2 (default) or ft2
//! site_area = "acres"               # ha (default), acres or m2
//! money = "thousands"               # pounds (default) or thousands (£000s)
//! utilisation = "percent"           # fraction (0.65 or 65%; default) or percent (65)
//!
//! [columns]                         # register field = the extract's header
//! reference = "Asset No"
//! name = "Site"
//! energy = ["Electricity", "Gas"]   # money columns may add up several
//!
//! [codes.use]                       # the partner's code = the register's value
//! "CIV" = "office"
//! ```
//!
//! `docs/estate-register.md` lists every key.

use std::collections::BTreeMap;

use oneplace_core::{InputError, LineIndex};
use serde::Deserialize;

use crate::model::{Condition, Place, Tenure, Use, Vocabulary};
use crate::record::{Field, FloorUnit, LandUnit, MoneyUnit, Reading, ShareUnit};
use oneplace_core::toml_input::{Checker, S, parse_toml};

/// How to read one partner's extracts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The mapping file's name, for messages.
    pub name: String,
    /// The partner every row belongs to; `None` when the extract has a
    /// partner column.
    pub partner: Option<String>,
    /// The worksheet of an XLSX extract; the first sheet when `None`.
    pub sheet: Option<String>,
    /// The row (from 1) holding the column names; data follow it.
    pub header_row: u32,
    /// The extract's header names for each field mapped.
    pub columns: BTreeMap<Field, Vec<String>>,
    pub reading: Reading,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    partner: Option<S<String>>,
    sheet: Option<S<String>>,
    header_row: Option<S<i64>>,
    services_separator: Option<S<String>>,
    #[serde(default)]
    units: RawUnits,
    columns: S<BTreeMap<S<String>, S<OneOrMany>>>,
    #[serde(default)]
    codes: BTreeMap<S<String>, BTreeMap<S<String>, S<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUnits {
    floor_area: Option<S<String>>,
    site_area: Option<S<String>>,
    money: Option<S<String>>,
    utilisation: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Reads a mapping and checks it against the place. `name` names the file
/// in messages.
pub fn read_mapping(name: &str, text: &str, place: &Place) -> Result<Mapping, InputError> {
    let index = LineIndex::new(name, text);
    let raw: RawMapping = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let mut reading = Reading::register();

    let unit =
        |c: &mut Checker, s: &Option<S<String>>, key: &str, known: &[&str]| -> Option<usize> {
            let s = s.as_ref()?;
            let t = s
                .get_ref()
                .trim()
                .to_lowercase()
                .replace('²', "2")
                .replace(' ', "");
            let found = known.iter().position(|k| *k == t);
            if found.is_none() {
                c.error_expected(
                    s.span(),
                    format!("unknown unit '{}' for {key}", s.get_ref()),
                    format!("one of: {}", known.join(", ")),
                );
            }
            found
        };
    if let Some(i) = unit(&mut c, &raw.units.floor_area, "floor_area", &["m2", "ft2"]) {
        reading.floor_area = [FloorUnit::SquareMetres, FloorUnit::SquareFeet][i];
    }
    if let Some(i) = unit(
        &mut c,
        &raw.units.site_area,
        "site_area",
        &["ha", "acres", "m2"],
    ) {
        reading.site_area = [LandUnit::Hectares, LandUnit::Acres, LandUnit::SquareMetres][i];
    }
    if let Some(i) = unit(&mut c, &raw.units.money, "money", &["pounds", "thousands"]) {
        reading.money = [MoneyUnit::Pounds, MoneyUnit::Thousands][i];
    }
    if let Some(i) = unit(
        &mut c,
        &raw.units.utilisation,
        "utilisation",
        &["fraction", "percent"],
    ) {
        reading.utilisation = [ShareUnit::AsWritten, ShareUnit::Percent][i];
    }
    if let Some(s) = &raw.services_separator {
        let mut chars = s.get_ref().chars();
        match (chars.next(), chars.next()) {
            (Some(ch), None) => reading.services_separator = ch,
            _ => c.error_expected(
                s.span(),
                "services_separator is not one character",
                "a character such as \";\"",
            ),
        }
    }

    let header_row = match &raw.header_row {
        None => 1,
        Some(h) => match u32::try_from(*h.get_ref()) {
            Ok(r) if r >= 1 => r,
            _ => {
                c.error_expected(
                    h.span(),
                    format!("header_row is {}", h.get_ref()),
                    "a row number from 1",
                );
                1
            }
        },
    };

    let mut columns: BTreeMap<Field, Vec<String>> = BTreeMap::new();
    for (key, value) in raw.columns.get_ref() {
        let Some(field) = Field::from_key(key.get_ref()) else {
            let hint = Field::from_column(key.get_ref())
                .map(|f| format!("'{}' (units go in [units]); ", f.key()))
                .unwrap_or_default();
            c.error_expected(
                key.span(),
                format!("unknown field '{}' in [columns]", key.get_ref()),
                format!("{hint}one of: {}", Field::ALL.map(Field::key).join(", ")),
            );
            continue;
        };
        let names = match value.get_ref() {
            OneOrMany::One(n) => vec![n.clone()],
            OneOrMany::Many(ns) if field.is_money() && !ns.is_empty() => ns.clone(),
            OneOrMany::Many(_) if field.is_money() => {
                c.error_expected(
                    value.span(),
                    format!("columns.{} lists no column", key.get_ref()),
                    "one or more header names",
                );
                continue;
            }
            OneOrMany::Many(_) => {
                c.error_expected(
                    value.span(),
                    format!(
                        "columns.{} lists several columns, but only money columns add up",
                        key.get_ref()
                    ),
                    "one header name",
                );
                continue;
            }
        };
        if names.iter().any(|n| n.trim().is_empty()) {
            c.error_expected(
                value.span(),
                format!("columns.{} has an empty header name", key.get_ref()),
                "the column's name in the extract's header row",
            );
        }
        columns.insert(field, names.iter().map(|n| n.trim().to_string()).collect());
    }

    let partner = match (&raw.partner, columns.contains_key(&Field::Partner)) {
        (Some(p), false) => {
            if place.partner(p.get_ref()).is_none() {
                c.error_expected(
                    p.span(),
                    format!(
                        "unknown partner '{}': the place file does not name it",
                        p.get_ref()
                    ),
                    format!("a partner of the place: {}", place.partner_ids()),
                );
            }
            Some(p.get_ref().clone())
        }
        (None, true) => None,
        (Some(p), true) => {
            c.error_expected(
                p.span(),
                "the mapping gives both a partner and a partner column",
                "partner = \"ID\" when every row is one partner's, or columns.partner when the extract says whose each row is",
            );
            None
        }
        (None, false) => {
            c.whole(
                "the mapping does not say whose the sites are",
                "partner = \"ID\", or columns.partner = \"HEADER\"",
            );
            None
        }
    };
    for f in Field::ALL
        .into_iter()
        .filter(|f| f.required() && *f != Field::Partner)
    {
        if !columns.contains_key(&f) {
            c.error_expected(
                raw.columns.span(),
                format!("[columns] does not map {}", f.key()),
                format!("{} = \"HEADER\"", f.key()),
            );
        }
    }

    for (table, entries) in &raw.codes {
        let field = match table.get_ref().as_str() {
            "tenure" => Field::Tenure,
            "use" => Field::Use,
            "condition" => Field::Condition,
            "partner" => Field::Partner,
            other => {
                c.error_expected(
                    table.span(),
                    format!("unknown code table [codes.{other}]"),
                    "codes.tenure, codes.use, codes.condition or codes.partner",
                );
                continue;
            }
        };
        if !columns.contains_key(&field) {
            c.error_expected(
                table.span(),
                format!(
                    "[codes.{}] is given but [columns] does not map {}",
                    field.key(),
                    field.key()
                ),
                format!("{} = \"HEADER\" in [columns]", field.key()),
            );
        }
        let mut lookup = BTreeMap::new();
        for (code, value) in entries {
            let v = value.get_ref();
            let (ok, list) = match field {
                Field::Tenure => (Tenure::parse(v).is_some(), Tenure::list()),
                Field::Use => (Use::parse(v).is_some(), Use::list()),
                Field::Condition => (Condition::parse(v).is_some(), Condition::list()),
                _ => (place.partner(v).is_some(), place.partner_ids()),
            };
            if !ok {
                c.error_expected(
                    value.span(),
                    format!(
                        "code '{}' maps to '{v}', which is not a {} of the register",
                        code.get_ref(),
                        field.key()
                    ),
                    format!("one of: {list}"),
                );
            }
            if lookup
                .keys()
                .any(|k: &String| k.eq_ignore_ascii_case(code.get_ref().trim()))
            {
                c.error_expected(
                    code.span(),
                    format!("code '{}' is listed twice", code.get_ref()),
                    "each code once (codes ignore case)",
                );
            }
            lookup.insert(code.get_ref().trim().to_string(), v.clone());
        }
        reading.codes.insert(field, lookup);
    }

    c.finish()?;
    Ok(Mapping {
        name: name.to_string(),
        partner,
        sheet: raw.sheet.map(|s| s.into_inner()),
        header_row,
        columns,
        reading,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::read_place;

    fn place() -> Place {
        read_place(
            "place.toml",
            r#"[place]
name = "Northshire"
price_year = "2025/26"
[[partner]]
id = "eastmere"
name = "Eastmere District Council"
kind = "district-council"
"#,
        )
        .unwrap()
    }

    #[test]
    fn reads_units_columns_and_codes() {
        let m = read_mapping(
            "eastmere.toml",
            r#"
partner = "eastmere"
[units]
floor_area = "ft²"
money = "thousands"
[columns]
reference = "Asset No"
name = "Site"
latitude = "Lat"
longitude = "Lon"
tenure = "Holding"
use = "Use Class"
floor_area = "Floor Area (sq ft)"
energy = ["Electricity", "Gas"]
[codes.use]
"CIV" = "office"
"#,
            &place(),
        )
        .unwrap();
        assert_eq!(m.reading.floor_area, FloorUnit::SquareFeet);
        assert_eq!(m.reading.money, MoneyUnit::Thousands);
        assert_eq!(
            m.columns[&Field::Cost(crate::model::CostType::Energy)],
            vec!["Electricity", "Gas"]
        );
        assert_eq!(m.reading.codes[&Field::Use]["CIV"], "office");
    }

    #[test]
    fn mistakes_are_located() {
        let err = read_mapping(
            "m.toml",
            r#"partner = "eastmere-dc"
[units]
floor_area = "sq yards"
[columns]
reference = "Asset No"
name = ["Site", "Building"]
floor_area_m2 = "GIA"
[codes.use]
"CIV" = "civic"
"#,
            &place(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("m.toml:1:11: unknown partner 'eastmere-dc'"),
            "{err}"
        );
        assert!(
            err.contains("m.toml:3:14: unknown unit 'sq yards'"),
            "{err}"
        );
        assert!(
            err.contains("m.toml:6:8: columns.name lists several columns"),
            "{err}"
        );
        assert!(
            err.contains("m.toml:7:1: unknown field 'floor_area_m2'"),
            "{err}"
        );
        assert!(err.contains("'floor_area' (units go in [units])"), "{err}");
        assert!(err.contains("[columns] does not map latitude"), "{err}");
        assert!(
            err.contains("m.toml:9:9: code 'CIV' maps to 'civic'"),
            "{err}"
        );
        assert!(
            err.contains("[codes.use] is given but [columns] does not map use"),
            "{err}"
        );
    }
}
