//! One site record read from a row of cells: the register's own rows and
//! partners' extracts go through the same parsing and the same checks, so
//! a record means the same whichever file it came from.

use std::collections::BTreeMap;

use oneplace_core::{Diagnostic, Location, Money};

use crate::geo::{LatLon, normalise_postcode, outside_uk};
use crate::model::{Condition, CostType, Place, RunningCosts, Site, Tenure, Use, Vocabulary};

/// A field of a site record: a column of the register, and a key of a
/// mapping file's `[columns]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Partner,
    Reference,
    Name,
    Postcode,
    Latitude,
    Longitude,
    Tenure,
    Use,
    FloorArea,
    SiteArea,
    Capacity,
    Occupants,
    Utilisation,
    Condition,
    Cost(CostType),
    Backlog,
    BookValue,
    MarketValue,
    Services,
}

impl Field {
    /// Every field in the register's column order.
    pub const ALL: [Field; 26] = [
        Field::Partner,
        Field::Reference,
        Field::Name,
        Field::Postcode,
        Field::Latitude,
        Field::Longitude,
        Field::Tenure,
        Field::Use,
        Field::FloorArea,
        Field::SiteArea,
        Field::Capacity,
        Field::Occupants,
        Field::Utilisation,
        Field::Condition,
        Field::Cost(CostType::Rent),
        Field::Cost(CostType::Rates),
        Field::Cost(CostType::Energy),
        Field::Cost(CostType::Water),
        Field::Cost(CostType::Cleaning),
        Field::Cost(CostType::Maintenance),
        Field::Cost(CostType::Security),
        Field::Cost(CostType::Other),
        Field::Backlog,
        Field::BookValue,
        Field::MarketValue,
        Field::Services,
    ];

    /// The register's column name (units in the name where it has them).
    pub fn column(self) -> &'static str {
        match self {
            Field::FloorArea => "floor_area_m2",
            Field::SiteArea => "site_area_ha",
            other => other.key(),
        }
    }

    /// The mapping file's key for the field (`[columns]`); units are given
    /// in `[units]`, so area keys carry none.
    pub fn key(self) -> &'static str {
        match self {
            Field::Partner => "partner",
            Field::Reference => "reference",
            Field::Name => "name",
            Field::Postcode => "postcode",
            Field::Latitude => "latitude",
            Field::Longitude => "longitude",
            Field::Tenure => "tenure",
            Field::Use => "use",
            Field::FloorArea => "floor_area",
            Field::SiteArea => "site_area",
            Field::Capacity => "capacity",
            Field::Occupants => "occupants",
            Field::Utilisation => "utilisation",
            Field::Condition => "condition",
            Field::Cost(CostType::Rent) => "rent",
            Field::Cost(CostType::Rates) => "rates",
            Field::Cost(CostType::Energy) => "energy",
            Field::Cost(CostType::Water) => "water",
            Field::Cost(CostType::Cleaning) => "cleaning",
            Field::Cost(CostType::Maintenance) => "maintenance",
            Field::Cost(CostType::Security) => "security",
            Field::Cost(CostType::Other) => "other_costs",
            Field::Backlog => "backlog_maintenance",
            Field::BookValue => "book_value",
            Field::MarketValue => "market_value",
            Field::Services => "services",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn from_column(column: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.column() == column)
    }

    /// Fields every record must have.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::Partner
                | Field::Reference
                | Field::Name
                | Field::Latitude
                | Field::Longitude
                | Field::Tenure
                | Field::Use
                | Field::FloorArea
        )
    }

    /// Money fields: several extract columns may add up to one of these.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Field::Cost(_) | Field::Backlog | Field::BookValue | Field::MarketValue
        )
    }
}

/// The unit an extract gives floor areas in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloorUnit {
    SquareMetres,
    SquareFeet,
}

impl FloorUnit {
    /// m² per unit: the international foot is exactly 0.3048 m, so a square
    /// foot is exactly 0.09290304 m².
    pub fn to_m2(self) -> f64 {
        match self {
            FloorUnit::SquareMetres => 1.0,
            FloorUnit::SquareFeet => 0.092_903_04,
        }
    }
}

/// The unit an extract gives site areas in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LandUnit {
    Hectares,
    /// The international acre: exactly 4,046.8564224 m².
    Acres,
    SquareMetres,
}

impl LandUnit {
    pub fn to_ha(self) -> f64 {
        match self {
            LandUnit::Hectares => 1.0,
            LandUnit::Acres => 0.404_685_642_24,
            LandUnit::SquareMetres => 0.0001,
        }
    }
}

/// How an extract writes money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyUnit {
    Pounds,
    /// £000s, as many finance extracts are.
    Thousands,
}

/// How an extract writes utilisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareUnit {
    /// `0.65` or `65%`: a bare number must be a fraction from 0 to 1.
    AsWritten,
    /// `65` means 65%.
    Percent,
}

/// How to read a row: the units of its numbers and the lookups of its
/// codes. The register's own rows use [`Reading::register`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub floor_area: FloorUnit,
    pub site_area: LandUnit,
    pub money: MoneyUnit,
    pub utilisation: ShareUnit,
    /// Partner code → register value, by field (tenure, use, condition,
    /// partner); keys compared ignoring case and surrounding spaces.
    pub codes: BTreeMap<Field, BTreeMap<String, String>>,
    /// How the services column separates services.
    pub services_separator: char,
}

impl Reading {
    /// The register's own conventions: m², hectares, pounds, no lookups.
    pub fn register() -> Reading {
        Reading {
            floor_area: FloorUnit::SquareMetres,
            site_area: LandUnit::Hectares,
            money: MoneyUnit::Pounds,
            utilisation: ShareUnit::AsWritten,
            codes: BTreeMap::new(),
            services_separator: ';',
        }
    }

    /// The register value a code stands for: the lookup's, or the code
    /// itself when the lookup does not list it.
    fn decode<'a>(&'a self, field: Field, code: &'a str) -> &'a str {
        self.codes
            .get(&field)
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case(code.trim()))
            })
            .map_or(code, |(_, v)| v.as_str())
    }

    fn codes_of(&self, field: Field) -> Vec<&str> {
        self.codes
            .get(&field)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// One cell of a row: its text (trimmed) and where it is.
#[derive(Clone, Debug)]
pub struct CellText {
    pub text: String,
    pub at: Location,
}

/// The cells of one row by field; a money field may have several cells,
/// which add up. A field with no cells is not given.
pub type RowCells = BTreeMap<Field, Vec<CellText>>;

/// What went wrong with one value.
struct Bad {
    message: String,
    expected: String,
}

fn bad(message: impl Into<String>, expected: impl Into<String>) -> Bad {
    Bad {
        message: message.into(),
        expected: expected.into(),
    }
}

/// `x` rounded to `decimals` places, as the register writes and reads it
/// back: rounding through the decimal text makes writing then reading a
/// value give the same number, bit for bit.
pub fn canonical(x: f64, decimals: usize) -> f64 {
    let text = format!("{x:.decimals$}");
    text.parse().unwrap_or(x)
}

/// `x` with at most `decimals` places and no trailing zeros.
pub fn trimmed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

/// A number as people write it: `1250`, `1,250.5`, `-0.48`.
fn number(text: &str) -> Result<f64, Bad> {
    let expected = "a number such as 1250 or 1,250.5";
    if text.contains('£') || text.contains('%') {
        return Err(bad(format!("'{text}' is not a plain number"), expected));
    }
    let x = oneplace_core::parse_pounds(text)
        .map_err(|_| bad(format!("'{text}' is not a number"), expected))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(bad(format!("'{text}' is not a finite number"), expected))
    }
}

fn non_negative(text: &str, what: &str) -> Result<f64, Bad> {
    let x = number(text)?;
    if x < 0.0 {
        return Err(bad(format!("{what} is {text}"), "zero or more"));
    }
    Ok(x)
}

fn whole(text: &str, what: &str) -> Result<u32, Bad> {
    let x = non_negative(text, what)?;
    if x.fract() != 0.0 || x > f64::from(u32::MAX) {
        return Err(bad(
            format!("{what} is {text}, not a whole number"),
            "a whole number such as 40",
        ));
    }
    Ok(x as u32)
}

/// Money in the extract's unit, exactly: `£1,234.56`, `(500)`, or in £000s
/// `12.5` (£12,500.00).
fn money(text: &str, unit: MoneyUnit) -> Result<Money, Bad> {
    let expected = match unit {
        MoneyUnit::Pounds => "an amount such as 1234.56, £1,234.56 or (1,234.56)",
        MoneyUnit::Thousands => "an amount in £000s such as 12.5 (£12,500) or 1,250",
    };
    let shifted = match unit {
        MoneyUnit::Pounds => text.to_string(),
        MoneyUnit::Thousands => {
            // Check the number as written (grouping, one point), then move
            // the decimal point three places: exact, no floating point.
            oneplace_core::parse_pounds(text)
                .map_err(|_| bad(format!("'{text}' is not an amount"), expected))?;
            shift_thousands(text)
        }
    };
    let m = Money::parse(&shifted).map_err(|e| {
        let message = match unit {
            MoneyUnit::Pounds => e.to_string(),
            MoneyUnit::Thousands => format!("'{text}' (£000s) is not an amount to the penny"),
        };
        bad(message, expected)
    })?;
    if m.is_negative() {
        return Err(bad(
            format!("the amount is {m}"),
            "an amount of zero or more",
        ));
    }
    Ok(m)
}

/// `12.5` → `12500`, `(1,234.5678)` → `(1234567.8)`: the decimal point
/// moved three places right, grouping commas dropped.
fn shift_thousands(text: &str) -> String {
    let t: String = text.chars().filter(|c| *c != ',').collect();
    let start = t
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(t.len());
    let end = t
        .rfind(|c: char| c.is_ascii_digit() || c == '.')
        .map_or(start, |i| i + 1);
    let (head, digits, tail) = (&t[..start], &t[start..end], &t[end..]);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut frac = frac.to_string();
    while frac.len() < 3 {
        frac.push('0');
    }
    let (moved, rest) = frac.split_at(3);
    let int = format!("{int}{moved}");
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if rest.is_empty() {
        format!("{head}{int}{tail}")
    } else {
        format!("{head}{int}.{rest}{tail}")
    }
}

fn share(text: &str, unit: ShareUnit) -> Result<f64, Bad> {
    let expected = match unit {
        ShareUnit::AsWritten => "a share such as 0.65 or 65%",
        ShareUnit::Percent => "a percentage such as 65",
    };
    let x = if text.trim_end().ends_with('%') {
        oneplace_core::parse_rate(text).map_err(|e| bad(e, expected))?
    } else {
        let x = number(text)?;
        match unit {
            ShareUnit::Percent => x / 100.0,
            ShareUnit::AsWritten if x > 1.0 => {
                return Err(bad(
                    format!("utilisation '{text}' is more than 1"),
                    "a fraction from 0 to 1 or a percentage such as 65% (if the column holds percentages without a % sign, set utilisation = \"percent\" in the mapping's [units])",
                ));
            }
            ShareUnit::AsWritten => x,
        }
    };
    if !(0.0..=1.0).contains(&x) {
        return Err(bad(
            format!("utilisation '{text}' is not from 0% to 100%"),
            expected,
        ));
    }
    Ok(x)
}

fn vocabulary<V: Vocabulary>(
    field: Field,
    text: &str,
    reading: &Reading,
    parse: fn(&str) -> Option<V>,
) -> Result<V, Bad> {
    let decoded = reading.decode(field, text);
    parse(decoded).ok_or_else(|| {
        let codes = reading.codes_of(field);
        let expected = if codes.is_empty() {
            format!("one of: {}", V::list())
        } else {
            format!(
                "a code of [codes.{}] ({}) or one of: {}",
                field.key(),
                codes.join(", "),
                V::list()
            )
        };
        bad(format!("unknown {} '{text}'", field.key()), expected)
    })
}

/// Reads a site from a row's cells, collecting a located diagnostic for
/// every problem; `None` if there was any. `partner` is the mapping's
/// fixed partner, when the row has no partner column.
pub fn parse_site(
    cells: &RowCells,
    reading: &Reading,
    partner: Option<&str>,
    place: &Place,
    row: &Location,
    diags: &mut Vec<Diagnostic>,
) -> Option<Site> {
    let before = diags.len();
    let first = |f: Field| cells.get(&f).and_then(|c| c.first());
    let text = |f: Field| first(f).map(|c| c.text.as_str()).filter(|t| !t.is_empty());
    let at = |f: Field| first(f).map_or_else(|| row.clone(), |c| c.at.clone());
    // A value that must be given.
    let mut missing = Vec::new();
    let mut need = |f: Field| -> Option<&str> {
        let t = text(f);
        if t.is_none() {
            missing.push(f);
        }
        t
    };

    let partner_text = match partner {
        Some(p) => Some(p),
        None => need(Field::Partner),
    };
    let reference = need(Field::Reference);
    let name = need(Field::Name);
    let lat = need(Field::Latitude);
    let lon = need(Field::Longitude);
    let tenure = need(Field::Tenure);
    let usage = need(Field::Use);
    let floor = text(Field::FloorArea);
    for f in missing {
        diags.push(
            Diagnostic::new(at(f), format!("the row has no {}", f.key()))
                .expected(format!("a value in the {} column", f.key())),
        );
    }
    let mut report = |f: Field, b: Bad| {
        diags.push(Diagnostic::new(at(f), b.message).expected(b.expected));
    };

    let partner_id = partner_text.and_then(|p| {
        let id = if partner.is_some() {
            p
        } else {
            reading.decode(Field::Partner, p)
        };
        if place.partner(id).is_none() {
            let codes = reading.codes_of(Field::Partner);
            let lookup = if codes.is_empty() {
                String::new()
            } else {
                format!("a code of [codes.partner] ({}) or ", codes.join(", "))
            };
            report(
                Field::Partner,
                bad(
                    format!("unknown partner '{p}': the place file does not name it"),
                    format!("{lookup}a partner of the place: {}", place.partner_ids()),
                ),
            );
            None
        } else {
            Some(id.to_string())
        }
    });
    let reference = reference.and_then(|r| {
        if r.chars().any(|c| c.is_control() || c == ',' || c == '"') {
            report(
                Field::Reference,
                bad(
                    format!("reference '{r}' holds a comma, quote or control character"),
                    "a reference such as KM-01",
                ),
            );
            None
        } else {
            Some(r.to_string())
        }
    });
    let postcode = text(Field::Postcode).and_then(|p| match normalise_postcode(p) {
        Some(pc) => Some(pc),
        None => {
            report(
                Field::Postcode,
                bad(
                    format!("'{p}' is not a UK postcode"),
                    "a postcode such as NS1 4AB",
                ),
            );
            None
        }
    });
    let coordinate = |t: &str, what: &str, report: &mut dyn FnMut(Field, Bad), f: Field| {
        number(t)
            .map_err(|b| {
                report(
                    f,
                    bad(
                        b.message,
                        format!("a {what} in decimal degrees, such as 52.6341"),
                    ),
                )
            })
            .ok()
    };
    let lat = lat.and_then(|t| coordinate(t, "latitude", &mut report, Field::Latitude));
    let lon = lon.and_then(|t| coordinate(t, "longitude", &mut report, Field::Longitude));
    let location = match (lat, lon) {
        (Some(lat), Some(lon)) => {
            let p = LatLon::new(canonical(lat, 6), canonical(lon, 6));
            match outside_uk(p) {
                None => Some(p),
                Some(message) => {
                    report(
                        Field::Latitude,
                        bad(
                            message,
                            "a location in the United Kingdom (WGS84 decimal degrees)",
                        ),
                    );
                    None
                }
            }
        }
        _ => None,
    };
    let tenure = tenure.and_then(|t| {
        vocabulary(Field::Tenure, t, reading, Tenure::parse)
            .map_err(|b| report(Field::Tenure, b))
            .ok()
    });
    let usage = usage.and_then(|t| {
        vocabulary(Field::Use, t, reading, Use::parse)
            .map_err(|b| report(Field::Use, b))
            .ok()
    });
    let condition = text(Field::Condition).and_then(|t| {
        vocabulary(Field::Condition, t, reading, Condition::parse)
            .map_err(|b| report(Field::Condition, b))
            .ok()
    });
    let floor_area = match floor {
        None => Some(0.0),
        Some(t) => non_negative(t, "the floor area")
            .map(|x| canonical(x * reading.floor_area.to_m2(), 2))
            .map_err(|b| report(Field::FloorArea, b))
            .ok(),
    };
    let site_area = text(Field::SiteArea).and_then(|t| {
        non_negative(t, "the site area")
            .map(|x| canonical(x * reading.site_area.to_ha(), 4))
            .map_err(|b| report(Field::SiteArea, b))
            .ok()
    });
    let count = |f: Field, what: &str, report: &mut dyn FnMut(Field, Bad)| {
        text(f).and_then(|t| whole(t, what).map_err(|b| report(f, b)).ok())
    };
    let capacity = count(Field::Capacity, "the capacity", &mut report);
    let occupants = count(Field::Occupants, "the number of occupants", &mut report);
    let utilisation = text(Field::Utilisation).and_then(|t| {
        share(t, reading.utilisation)
            .map(|x| canonical(x, 4))
            .map_err(|b| report(Field::Utilisation, b))
            .ok()
    });

    // Money fields add up their cells; every cell is checked.
    let amount = |f: Field, diags: &mut Vec<Diagnostic>| -> Option<Money> {
        let cells = cells.get(&f)?;
        let mut total = Money::ZERO;
        let mut any = false;
        for c in cells.iter().filter(|c| !c.text.is_empty()) {
            match money(&c.text, reading.money) {
                Ok(m) => {
                    total += m;
                    any = true;
                }
                Err(b) => diags.push(Diagnostic::new(c.at.clone(), b.message).expected(b.expected)),
            }
        }
        any.then_some(total)
    };
    let mut running_costs = RunningCosts::default();
    for t in CostType::ALL {
        if let Some(m) = amount(Field::Cost(t), diags) {
            running_costs.set(t, m);
        }
    }
    let backlog_maintenance = amount(Field::Backlog, diags);
    let book_value = amount(Field::BookValue, diags);
    let market_value = amount(Field::MarketValue, diags);
    let services: Vec<String> = text(Field::Services)
        .map(|t| {
            t.split(reading.services_separator)
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();

    if diags.len() > before {
        return None;
    }
    let site = Site {
        partner: partner_id?,
        reference: reference?,
        name: name?.split_whitespace().collect::<Vec<_>>().join(" "),
        postcode,
        location: location?,
        tenure: tenure?,
        usage: usage?,
        floor_area_m2: floor_area?,
        site_area_ha: site_area,
        capacity,
        occupants,
        utilisation,
        condition,
        running_costs,
        backlog_maintenance,
        book_value,
        market_value,
        services,
    };
    if let Some((message, expected)) = area_problem(&site) {
        diags.push(Diagnostic::new(at(Field::FloorArea), message).expected(expected));
        return None;
    }
    Some(site)
}

/// Money as the register writes it: pounds with two decimals, no symbol or
/// grouping (`12500.00`).
pub fn plain_money(m: Money) -> String {
    let sign = if m.is_negative() { "-" } else { "" };
    let abs = m.pence().unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A field's value as the register writes it; what an import compares.
pub fn field_text(site: &Site, field: Field) -> String {
    let opt_money = |m: Option<Money>| m.map(plain_money).unwrap_or_default();
    let opt_count = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    match field {
        Field::Partner => site.partner.clone(),
        Field::Reference => site.reference.clone(),
        Field::Name => site.name.clone(),
        Field::Postcode => site.postcode.clone().unwrap_or_default(),
        Field::Latitude => format!("{:.6}", site.location.lat),
        Field::Longitude => format!("{:.6}", site.location.lon),
        Field::Tenure => site.tenure.as_str().to_string(),
        Field::Use => site.usage.as_str().to_string(),
        Field::FloorArea => trimmed(site.floor_area_m2, 2),
        Field::SiteArea => site.site_area_ha.map(|a| trimmed(a, 4)).unwrap_or_default(),
        Field::Capacity => opt_count(site.capacity),
        Field::Occupants => opt_count(site.occupants),
        Field::Utilisation => site
            .utilisation
            .map(|u| format!("{}%", trimmed(u * 100.0, 2)))
            .unwrap_or_default(),
        Field::Condition => site
            .condition
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        Field::Cost(t) => plain_money(site.running_costs.get(t)),
        Field::Backlog => opt_money(site.backlog_maintenance),
        Field::BookValue => opt_money(site.book_value),
        Field::MarketValue => opt_money(site.market_value),
        Field::Services => site.services.join("; "),
    }
}

/// Sets one field of `to` from `from`: how an import updates only the
/// fields its mapping reads, keeping the rest of the register's record.
pub fn copy_field(to: &mut Site, from: &Site, field: Field) {
    match field {
        Field::Partner => to.partner.clone_from(&from.partner),
        Field::Reference => to.reference.clone_from(&from.reference),
        Field::Name => to.name.clone_from(&from.name),
        Field::Postcode => to.postcode.clone_from(&from.postcode),
        Field::Latitude => to.location.lat = from.location.lat,
        Field::Longitude => to.location.lon = from.location.lon,
        Field::Tenure => to.tenure = from.tenure,
        Field::Use => to.usage = from.usage,
        Field::FloorArea => to.floor_area_m2 = from.floor_area_m2,
        Field::SiteArea => to.site_area_ha = from.site_area_ha,
        Field::Capacity => to.capacity = from.capacity,
        Field::Occupants => to.occupants = from.occupants,
        Field::Utilisation => to.utilisation = from.utilisation,
        Field::Condition => to.condition = from.condition,
        Field::Cost(t) => to.running_costs.set(t, from.running_costs.get(t)),
        Field::Backlog => to.backlog_maintenance = from.backlog_maintenance,
        Field::BookValue => to.book_value = from.book_value,
        Field::MarketValue => to.market_value = from.market_value,
        Field::Services => to.services.clone_from(&from.services),
    }
}

/// Why a record's floor area and costs cannot both stand: a building with
/// running costs must have its floor area, or its cost per m² means
/// nothing; land has costs (security, grounds) and no floor area.
pub fn area_problem(site: &Site) -> Option<(String, String)> {
    let costs = site.running_costs.total();
    (site.floor_area_m2 == 0.0 && site.usage != Use::Land && !costs.is_zero()).then(|| {
        (
            format!("the floor area is zero but running costs of {costs} are attached"),
            format!(
                "the building's gross internal floor area, or use = land for a site with no building (the row's use is {})",
                site.usage.as_str()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_move_the_point_exactly() {
        let k = |t: &str| money(t, MoneyUnit::Thousands).map_err(|b| b.message);
        assert_eq!(k("12.5"), Ok(Money::from_pounds(12_500)));
        assert_eq!(k("1,250"), Ok(Money::from_pounds(1_250_000)));
        assert_eq!(k("0.12345"), Ok(Money::from_pence(12_345)));
        assert_eq!(k("£3"), Ok(Money::from_pounds(3_000)));
        assert_eq!(k(".5"), Ok(Money::from_pounds(500)));
        assert!(k("0.123456").is_err(), "a fraction of a penny");
        assert!(k("(4)").is_err(), "negative");
        assert!(k("1,25").is_err(), "bad grouping");
        assert!(k("twelve").is_err());
        assert_eq!(
            money("1,234.56", MoneyUnit::Pounds).ok(),
            Some(Money::from_pence(123_456))
        );
    }

    #[test]
    fn shares_accept_fractions_and_percentages() {
        let s = |t: &str, u| share(t, u).map_err(|b| b.message);
        assert_eq!(s("0.65", ShareUnit::AsWritten), Ok(0.65));
        assert_eq!(s("65%", ShareUnit::AsWritten), Ok(0.65));
        assert_eq!(s("65", ShareUnit::Percent), Ok(0.65));
        assert_eq!(s("65%", ShareUnit::Percent), Ok(0.65));
        assert!(
            s("65", ShareUnit::AsWritten)
                .unwrap_err()
                .contains("more than 1")
        );
        assert!(s("120%", ShareUnit::AsWritten).is_err());
        assert!(s("lots", ShareUnit::AsWritten).is_err());
    }

    #[test]
    fn numbers_are_written_back_as_read() {
        assert_eq!(trimmed(1250.0, 2), "1250");
        assert_eq!(trimmed(92.903_04, 2), "92.9");
        assert_eq!(trimmed(-0.0001, 2), "0");
        let x = canonical(1000.0 * 0.092_903_04, 2);
        assert_eq!(x, 92.9);
        assert_eq!(trimmed(x, 2).parse::<f64>().unwrap(), x);
        assert_eq!(plain_money(Money::from_pence(1_250_005)), "12500.05");
    }
}
