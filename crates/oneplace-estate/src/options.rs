//! Asset options — moving services in together, releasing buildings —
//! appraised with the appraisal engine, so they are read with the same
//! measures as a service option: net present budget impact, net present
//! public value, the benefit-cost ratio, payback, who pays and who
//! benefits.
//!
//! An options file (`docs/estate-options.md`) describes each option in the
//! register's terms: the sites it vacates (their running costs stop), the
//! ones it sells (a capital receipt, by default the register's market
//! value), its one-off and recurring costs by partner, other savings, and
//! the jobs created and homes enabled. [`option_model`] turns an option into
//! an appraisal [`Model`]; [`appraise_options`] evaluates it with
//! [`oneplace_appraise::evaluate`] — the engine's discounting, optimism
//! bias and per-agency accounts, not a second implementation.
//!
//! How the option's figures enter the appraisal:
//!
//! * a vacated site's running costs other than business rates are a fiscal
//!   benefit to its owner, cashable, in public value (rent, energy,
//!   cleaning and the like are resources no longer used);
//! * its business rates are a fiscal benefit to its owner but a transfer:
//!   rates are a tax, so the saving is another public body's lost income
//!   and is not public value;
//! * a capital receipt is a fiscal benefit to the seller in its year, cashable,
//!   and a transfer: at market value the buyer pays what the land is worth,
//!   so the sale moves money rather than creating value. The value the
//!   released land creates enters through the homes and jobs on it, when
//!   the option gives a value per home or job (land value uplift, gross
//!   value added) with its source;
//! * jobs and homes with a value are outcomes with an economic value per
//!   unit a year for the years given, net of deadweight, displacement and
//!   leakage; without a value they are counted, reported and not
//!   monetised — the Green Book asks that such effects be shown beside the
//!   ratio, never dropped;
//! * every amount is in the register's prices (the place's `price_year`),
//!   which is the appraisal's price base: nothing is uprated.

use std::collections::{BTreeMap, BTreeSet};

use oneplace_appraise::model::{
    Agency, CostKind, CostLine, FiscalShare, Model, Outcome, Settings, ValueLine, ValueSource,
};
use oneplace_appraise::{Appraisal, evaluate};
use oneplace_core::{FinancialYear, InputError, LineIndex, Location, Money, is_identifier};
use oneplace_refdata::{OptimismBiasTable, ReferenceData, ValueKind};
use serde::{Deserialize, Serialize};

use crate::model::{Place, Register, SiteId};
use oneplace_core::toml_input::{Checker, S, Value, parse_toml};

/// The appraisal settings every option shares.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionSettings {
    /// The financial year of year 0.
    pub first_year: FinancialYear,
    /// Years appraised, year 0 included.
    pub years: usize,
    pub discount_schedule: String,
}

/// An options file, checked against the place and the register.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionsFile {
    pub settings: OptionSettings,
    pub options: Vec<AssetOption>,
}

/// One asset option.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssetOption {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The building services move into, for a co-location.
    pub host: Option<SiteId>,
    /// The optimism-bias grade of its figures unless a line says otherwise.
    pub confidence: u8,
    pub vacate: Vec<Vacate>,
    pub costs: Vec<OptionCost>,
    pub savings: Vec<OptionSaving>,
    pub outcomes: Vec<OptionOutcome>,
    #[serde(skip)]
    pub location: Location,
}

/// A site the option empties.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vacate {
    pub site: SiteId,
    pub name: String,
    /// The first year (index from year 0) without its running costs.
    pub from: usize,
    /// Running costs saved a year, business rates aside.
    pub saving: Money,
    /// Business rates saved a year.
    pub rates_saving: Money,
    /// People based there, who move.
    pub occupants: Option<u32>,
    pub disposal: Option<Disposal>,
    pub confidence: u8,
}

/// A sale.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Disposal {
    pub receipt: Money,
    /// Year index of the receipt.
    pub year: usize,
}

/// A cost of the option, by year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionCost {
    pub name: String,
    pub partner: String,
    pub kind: CostKind,
    /// One amount per year of the appraisal.
    pub amounts: Vec<Money>,
    pub confidence: u8,
}

/// A recurring saving other than a vacated site's running costs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionSaving {
    pub name: String,
    pub partner: String,
    pub annual: Money,
    /// Year indexes, inclusive.
    pub from: usize,
    pub to: usize,
    pub confidence: u8,
}

/// What One Public Estate counts besides money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Jobs created (full-time equivalent).
    Jobs,
    /// Homes enabled on released land.
    Homes,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Jobs => "jobs",
            Measure::Homes => "homes",
        }
    }
}

/// Jobs created or homes enabled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionOutcome {
    pub measure: Measure,
    pub name: String,
    pub count: u64,
    /// Year index in which they come.
    pub year: usize,
    pub value: Option<EconomicValue>,
    pub confidence: u8,
}

/// How a job or home is valued, when it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EconomicValue {
    /// Pounds per job or home a year.
    pub per_unit: f64,
    /// Years the value lasts.
    pub years: usize,
    pub deadweight: f64,
    pub displacement: f64,
    pub leakage: f64,
    /// Where the value per unit comes from.
    pub source: String,
}

// ---------------------------------------------------------------------------
// Reading.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    appraisal: S<RawSettings>,
    #[serde(default)]
    option: Vec<S<RawOption>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    first_year: S<String>,
    years: S<i64>,
    discount_schedule: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: S<String>,
    name: S<String>,
    description: Option<S<String>>,
    host: Option<S<String>>,
    confidence: S<i64>,
    #[serde(default)]
    vacate: Vec<S<RawVacate>>,
    #[serde(default)]
    cost: Vec<S<RawCost>>,
    #[serde(default)]
    saving: Vec<S<RawSaving>>,
    #[serde(default)]
    outcome: Vec<S<RawOutcome>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVacate {
    site: S<String>,
    from: S<String>,
    saving: Option<S<Value>>,
    rates_saving: Option<S<Value>>,
    dispose: Option<S<bool>>,
    receipt: Option<S<Value>>,
    receipt_year: Option<S<String>>,
    confidence: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCost {
    name: S<String>,
    partner: S<String>,
    #[serde(rename = "type")]
    kind: S<String>,
    amounts: Option<S<BTreeMap<S<String>, S<Value>>>>,
    annual: Option<S<Value>>,
    from: Option<S<String>>,
    to: Option<S<String>>,
    confidence: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSaving {
    name: S<String>,
    partner: S<String>,
    annual: S<Value>,
    from: S<String>,
    to: Option<S<String>>,
    confidence: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    measure: S<String>,
    count: S<Value>,
    year: S<String>,
    name: Option<S<String>>,
    economic: Option<S<Value>>,
    years: Option<S<i64>>,
    deadweight: Option<S<Value>>,
    displacement: Option<S<Value>>,
    leakage: Option<S<Value>>,
    value_source: Option<S<String>>,
    confidence: Option<S<i64>>,
}

struct Reader<'a> {
    c: Checker<'a>,
    place: &'a Place,
    register: &'a Register,
    grades: &'a OptimismBiasTable,
    first_year: Option<FinancialYear>,
    years: Option<usize>,
}

impl Reader<'_> {
    /// A year of the appraisal, as an index from year 0.
    fn year(&mut self, s: &S<String>, what: &str) -> Option<usize> {
        let y = self.c.year(s, what)?;
        let (first, years) = (self.first_year?, self.years?);
        let t = y.years_since(first);
        match usize::try_from(t) {
            Ok(t) if t < years => Some(t),
            _ => {
                self.c.error_expected(
                    s.span(),
                    format!("{what} {y} is outside the appraisal"),
                    format!("a year from {first} to {}", first.offset(years as i32 - 1)),
                );
                None
            }
        }
    }

    fn grade(&mut self, s: &S<i64>) -> Option<u8> {
        let g = u8::try_from(*s.get_ref())
            .ok()
            .filter(|g| self.grades.grade(*g).is_some());
        if g.is_none() {
            let known: Vec<String> = self
                .grades
                .grade_numbers()
                .iter()
                .map(u8::to_string)
                .collect();
            self.c.error_expected(
                s.span(),
                format!(
                    "confidence {} is not a grade of the optimism-bias table",
                    s.get_ref()
                ),
                format!(
                    "one of: {} (1 = audited or trial evidence … 6 = expert judgement)",
                    known.join(", ")
                ),
            );
        }
        g
    }

    fn partner(&mut self, s: &S<String>) -> Option<String> {
        if self.place.partner(s.get_ref()).is_some() {
            Some(s.get_ref().clone())
        } else {
            let ids = self.place.partner_ids();
            self.c.error_expected(
                s.span(),
                format!("unknown partner '{}'", s.get_ref()),
                format!("a partner of the place: {ids}"),
            );
            None
        }
    }

    fn site(&mut self, s: &S<String>) -> Option<SiteId> {
        let id = SiteId::parse(s.get_ref());
        match id {
            Some(id) if self.register.get(&id).is_some() => Some(id),
            Some(id) => {
                self.c.error_expected(
                    s.span(),
                    format!("site '{id}' is not in the register"),
                    "a site of the register, written partner/reference",
                );
                None
            }
            None => {
                self.c.error_expected(
                    s.span(),
                    format!("'{}' is not a site id", s.get_ref()),
                    "partner/reference, such as \"police/KM-01\"",
                );
                None
            }
        }
    }
}

/// Reads an options file and checks it against the place, the register and
/// the reference data. `file` names it in messages.
pub fn read_options(
    file: &str,
    text: &str,
    place: &Place,
    register: &Register,
    data: &ReferenceData,
) -> Result<OptionsFile, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut r = Reader {
        c: Checker::new(&index),
        place,
        register,
        grades: data.default_optimism_bias(),
        first_year: None,
        years: None,
    };
    let s = raw.appraisal.get_ref();
    r.first_year = r.c.year(&s.first_year, "first_year");
    r.years = match usize::try_from(*s.years.get_ref()) {
        Ok(y) if (1..=200).contains(&y) => Some(y),
        _ => {
            r.c.error_expected(
                s.years.span(),
                format!("years is {}", s.years.get_ref()),
                "from 1 to 200",
            );
            None
        }
    };
    let schedule = match &s.discount_schedule {
        None => Some("standard".to_string()),
        Some(d) if data.discount_schedule(d.get_ref()).is_some() => Some(d.get_ref().clone()),
        Some(d) => {
            let known: Vec<&str> = data
                .discount_schedules
                .iter()
                .map(|x| x.name.as_str())
                .collect();
            r.c.error_expected(
                d.span(),
                format!("unknown discount schedule '{}'", d.get_ref()),
                format!("one of: {}", known.join(", ")),
            );
            None
        }
    };

    let mut ids = BTreeSet::new();
    let mut options = Vec::new();
    for o in &raw.option {
        if let Some(option) = read_option(&mut r, o, &mut ids) {
            options.push(option);
        }
    }
    if raw.option.is_empty() {
        r.c.whole(
            "the file has no [[option]]",
            "one [[option]] table per option",
        );
    }
    let (first_year, years) = (r.first_year, r.years);
    r.c.finish()?;
    Ok(OptionsFile {
        settings: OptionSettings {
            first_year: first_year.expect("checked"),
            years: years.expect("checked"),
            discount_schedule: schedule.expect("checked"),
        },
        options,
    })
}

fn read_option(
    r: &mut Reader,
    o: &S<RawOption>,
    ids: &mut BTreeSet<String>,
) -> Option<AssetOption> {
    let before = r.c.diags.len();
    let raw = o.get_ref();
    let id = raw.id.get_ref().clone();
    if !is_identifier(&id) {
        r.c.error_expected(
            raw.id.span(),
            format!("option id '{id}' is not lower-case kebab-case"),
            "an id such as \"kingsmere-hub\"",
        );
    } else if !ids.insert(id.clone()) {
        r.c.error_expected(
            raw.id.span(),
            format!("option '{id}' is given twice"),
            "a different id for each option",
        );
    }
    let name = r.c.text(&raw.name, "name");
    let confidence = r.grade(&raw.confidence);
    let years = r.years.unwrap_or(1);

    let mut vacate = Vec::new();
    let mut vacated = BTreeSet::new();
    for v in &raw.vacate {
        let v_raw = v.get_ref();
        let site = r.site(&v_raw.site);
        let from = r.year(&v_raw.from, "from");
        let grade = match &v_raw.confidence {
            Some(g) => r.grade(g),
            None => confidence,
        };
        let Some(site_id) = site else { continue };
        if !vacated.insert(site_id.clone()) {
            r.c.error_expected(
                v_raw.site.span(),
                format!("site '{site_id}' is vacated twice"),
                "each site once",
            );
            continue;
        }
        let record = r.register.get(&site_id).expect("checked").clone();
        let saving = match &v_raw.saving {
            Some(x) => r.c.money(x, "saving"),
            None => Some(record.running_costs.total() - record.running_costs.rates),
        };
        let rates_saving = match &v_raw.rates_saving {
            Some(x) => r.c.money(x, "rates_saving"),
            None => Some(record.running_costs.rates),
        };
        let dispose = v_raw.dispose.as_ref().is_some_and(|d| *d.get_ref());
        if !dispose
            && let Some(x) = v_raw
                .receipt
                .as_ref()
                .map(|x| x.span())
                .or(v_raw.receipt_year.as_ref().map(|y| y.span()))
        {
            r.c.error_expected(
                x,
                "a receipt is given for a site that is not sold",
                "dispose = true, or no receipt",
            );
        }
        let disposal = if dispose {
            let receipt = match (&v_raw.receipt, record.market_value) {
                (Some(x), _) => r.c.money(x, "receipt"),
                (None, Some(m)) => Some(m),
                (None, None) => {
                    r.c.error_expected(
                        v_raw.site.span(),
                        format!(
                            "site '{site_id}' is sold but the register has no market value for it"
                        ),
                        "receipt = \"£…\" (the expected capital receipt)",
                    );
                    None
                }
            };
            let year = match &v_raw.receipt_year {
                Some(y) => r.year(y, "receipt_year"),
                None => from,
            };
            Some(
                receipt
                    .zip(year)
                    .map(|(receipt, year)| Disposal { receipt, year }),
            )
        } else {
            None
        };
        if let (Some(from), Some(saving), Some(rates_saving), Some(grade)) =
            (from, saving, rates_saving, grade)
            && disposal.as_ref().is_none_or(Option::is_some)
        {
            vacate.push(Vacate {
                site: site_id,
                name: record.name.clone(),
                from,
                saving,
                rates_saving,
                occupants: record.occupants,
                disposal: disposal.flatten(),
                confidence: grade,
            });
        }
    }

    let host = raw.host.as_ref().and_then(|h| {
        let id = r.site(h)?;
        if vacated.contains(&id) {
            r.c.error_expected(
                h.span(),
                format!("the host '{id}' is also vacated"),
                "a host that stays in use",
            );
            return None;
        }
        Some(id)
    });

    let mut costs = Vec::new();
    for c in &raw.cost {
        let cr = c.get_ref();
        let name = r.c.text(&cr.name, "cost name");
        let partner = r.partner(&cr.partner);
        let kind = CostKind::parse(cr.kind.get_ref());
        if kind.is_none() {
            r.c.error_expected(
                cr.kind.span(),
                format!("unknown cost type '{}'", cr.kind.get_ref()),
                "capital, revenue or in_kind",
            );
        }
        let grade = match &cr.confidence {
            Some(g) => r.grade(g),
            None => confidence,
        };
        let mut amounts = vec![Money::ZERO; years];
        let mut ok = true;
        match (&cr.amounts, &cr.annual) {
            (Some(map), None) => {
                if cr.from.is_some() || cr.to.is_some() {
                    r.c.error_expected(
                        map.span(),
                        "from and to go with annual, not with amounts by year",
                        "amounts = { \"2026/27\" = \"£…\" }, or annual with from and to",
                    );
                    ok = false;
                }
                for (year, amount) in map.get_ref() {
                    match (r.year(year, "year"), r.c.money(amount, "the amount")) {
                        (Some(t), Some(m)) => amounts[t] += m,
                        _ => ok = false,
                    }
                }
            }
            (None, Some(annual)) => {
                let m = r.c.money(annual, "annual");
                let from = match &cr.from {
                    Some(f) => r.year(f, "from"),
                    None => {
                        r.c.error_expected(
                            annual.span(),
                            "an annual cost needs from",
                            "from = \"2027/28\"",
                        );
                        None
                    }
                };
                let to = match &cr.to {
                    Some(t) => r.year(t, "to"),
                    None => Some(years - 1),
                };
                match (m, from, to) {
                    (Some(m), Some(f), Some(t)) if f <= t => {
                        for a in &mut amounts[f..=t] {
                            *a = m;
                        }
                    }
                    (Some(_), Some(_), Some(_)) => {
                        r.c.error_expected(
                            c.span(),
                            "the cost's to year is before its from year",
                            "from no later than to",
                        );
                        ok = false;
                    }
                    _ => ok = false,
                }
            }
            _ => {
                r.c.error_expected(
                    c.span(),
                    "a cost needs either amounts by year or an annual amount",
                    "amounts = { \"2026/27\" = \"£…\" }, or annual = \"£…\" with from (and to)",
                );
                ok = false;
            }
        }
        if let (Some(name), Some(partner), Some(kind), Some(grade), true) =
            (name, partner, kind, grade, ok)
        {
            costs.push(OptionCost {
                name,
                partner,
                kind,
                amounts,
                confidence: grade,
            });
        }
    }

    let mut savings = Vec::new();
    for s in &raw.saving {
        let sr = s.get_ref();
        let name = r.c.text(&sr.name, "saving name");
        let partner = r.partner(&sr.partner);
        let annual = r.c.money(&sr.annual, "annual");
        let from = r.year(&sr.from, "from");
        let to = match &sr.to {
            Some(t) => r.year(t, "to"),
            None => Some(years - 1),
        };
        let grade = match &sr.confidence {
            Some(g) => r.grade(g),
            None => confidence,
        };
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            r.c.error_expected(
                s.span(),
                "the saving's to year is before its from year",
                "from no later than to",
            );
            continue;
        }
        if let (Some(name), Some(partner), Some(annual), Some(from), Some(to), Some(grade)) =
            (name, partner, annual, from, to, grade)
        {
            savings.push(OptionSaving {
                name,
                partner,
                annual,
                from,
                to,
                confidence: grade,
            });
        }
    }

    let mut outcomes = Vec::new();
    for x in &raw.outcome {
        let xr = x.get_ref();
        let measure = match xr.measure.get_ref().trim() {
            "jobs" => Some(Measure::Jobs),
            "homes" => Some(Measure::Homes),
            other => {
                r.c.error_expected(
                    xr.measure.span(),
                    format!("unknown measure '{other}'"),
                    "jobs or homes",
                );
                None
            }
        };
        let count = r.c.count(&xr.count, "count");
        let year = r.year(&xr.year, "year");
        let name = match &xr.name {
            Some(n) => r.c.text(n, "name"),
            None => measure.map(|m| match m {
                Measure::Jobs => "Jobs created".to_string(),
                Measure::Homes => "Homes enabled".to_string(),
            }),
        };
        let grade = match &xr.confidence {
            Some(g) => r.grade(g),
            None => confidence,
        };
        let rate = |r: &mut Reader, v: &Option<S<Value>>, what: &str| match v {
            Some(v) => r.c.share(v, what),
            None => Some(0.0),
        };
        let value = match &xr.economic {
            None => {
                for (given, key) in [
                    (xr.years.as_ref().map(|s| s.span()), "years"),
                    (xr.deadweight.as_ref().map(|s| s.span()), "deadweight"),
                    (xr.displacement.as_ref().map(|s| s.span()), "displacement"),
                    (xr.leakage.as_ref().map(|s| s.span()), "leakage"),
                    (xr.value_source.as_ref().map(|s| s.span()), "value_source"),
                ] {
                    if let Some(span) = given {
                        r.c.error_expected(
                            span,
                            format!("{key} is given but the outcome has no economic value"),
                            "economic = \"£…\" (a year per unit), or no valuation keys",
                        );
                    }
                }
                Some(None)
            }
            Some(e) => {
                let per_unit = r.c.money(e, "economic").map(Money::to_pounds_f64);
                let value_years = match &xr.years {
                    None => Some(1),
                    Some(y) => match usize::try_from(*y.get_ref()) {
                        Ok(n) if n >= 1 => Some(n),
                        _ => {
                            r.c.error_expected(
                                y.span(),
                                format!("years is {}", y.get_ref()),
                                "1 or more",
                            );
                            None
                        }
                    },
                };
                let deadweight = rate(r, &xr.deadweight, "deadweight");
                let displacement = rate(r, &xr.displacement, "displacement");
                let leakage = rate(r, &xr.leakage, "leakage");
                let source = match &xr.value_source {
                    Some(s) => r.c.text(s, "value_source"),
                    None => {
                        r.c.error_expected(
                            e.span(),
                            "an economic value needs its source",
                            "value_source = \"…\" (where the value per unit comes from)",
                        );
                        None
                    }
                };
                match (
                    per_unit,
                    value_years,
                    deadweight,
                    displacement,
                    leakage,
                    source,
                ) {
                    (
                        Some(per_unit),
                        Some(years),
                        Some(deadweight),
                        Some(displacement),
                        Some(leakage),
                        Some(source),
                    ) => Some(Some(EconomicValue {
                        per_unit,
                        years,
                        deadweight,
                        displacement,
                        leakage,
                        source,
                    })),
                    _ => None,
                }
            }
        };
        if let (Some(measure), Some(count), Some(year), Some(name), Some(value), Some(grade)) =
            (measure, count, year, name, value, grade)
        {
            outcomes.push(OptionOutcome {
                measure,
                name,
                count,
                year,
                value,
                confidence: grade,
            });
        }
    }

    if raw.vacate.is_empty()
        && raw.cost.is_empty()
        && raw.saving.is_empty()
        && raw.outcome.is_empty()
    {
        r.c.error_expected(
            o.span(),
            format!("option '{id}' has nothing to appraise"),
            "[[option.vacate]], [[option.cost]], [[option.saving]] or [[option.outcome]] entries",
        );
    }
    if r.c.diags.len() > before {
        return None;
    }
    Some(AssetOption {
        id,
        name: name?,
        description: raw
            .description
            .as_ref()
            .map(|d| d.get_ref().trim().to_string()),
        host,
        confidence: confidence?,
        vacate,
        costs,
        savings,
        outcomes,
        location: r.c.at.location(o.span().start),
    })
}

// ---------------------------------------------------------------------------
// The appraisal model.

/// What kind of option this is, from what it does.
pub fn option_kind(option: &AssetOption) -> &'static str {
    if option.host.is_some() {
        "co-location"
    } else if option.vacate.iter().any(|v| v.disposal.is_some()) {
        "disposal"
    } else {
        "consolidation"
    }
}

/// Outcome ids in the model, by what they are.
const RUNNING_COSTS: &str = "running-costs";
const RATES: &str = "rates";
const RECEIPT: &str = "receipt";
const SAVING: &str = "saving";

/// The appraisal model of one option (see the module documentation for how
/// each figure enters it).
pub fn option_model(
    place: &Place,
    settings: &OptionSettings,
    option: &AssetOption,
    data: &ReferenceData,
) -> Model {
    let years = settings.years;
    let grades = data.default_optimism_bias();
    let uplift = |g: u8| grades.grade(g).map_or(0.0, |x| x.cost_uplift);
    let reduction = |g: u8| grades.grade(g).map_or(0.0, |x| x.benefit_reduction);

    // The partners the option touches, in the place file's order.
    let mut involved: BTreeSet<&str> = BTreeSet::new();
    involved.extend(option.vacate.iter().map(|v| v.site.partner.as_str()));
    involved.extend(option.costs.iter().map(|c| c.partner.as_str()));
    involved.extend(option.savings.iter().map(|s| s.partner.as_str()));
    let partners: Vec<_> = place
        .partners
        .iter()
        .filter(|p| involved.contains(p.id.as_str()))
        .collect();
    let agency = |id: &str| {
        partners
            .iter()
            .position(|p| p.id == id)
            .expect("an involved partner")
    };
    let agencies: Vec<Agency> = partners
        .iter()
        .map(|p| Agency {
            id: p.id.clone(),
            name: p.name.clone(),
            kind: p.kind.clone(),
            contributes: true,
        })
        .collect();

    let costs = option
        .costs
        .iter()
        .enumerate()
        .map(|(i, c)| CostLine {
            id: format!("cost-{}", i + 1),
            name: c.name.clone(),
            agency: agency(&c.partner),
            kind: c.kind,
            amounts: c.amounts.iter().map(|m| m.to_pounds_f64()).collect(),
            price_year: place.price_year,
            price_factor: 1.0,
            confidence: c.confidence,
            optimism_uplift: uplift(c.confidence),
            scale: 1.0,
            location: option.location.clone(),
        })
        .collect();

    // A fiscal value landing wholly on one partner.
    let fiscal =
        |label: String, amount: Money, partner: &str, transfer: bool, grade: u8| ValueLine {
            label,
            source: ValueSource::Explicit {
                price_year: place.price_year,
            },
            quantity: 1.0,
            scale: 1.0,
            unit_values: {
                let mut v = [None; 3];
                v[ValueKind::Fiscal.index()] = Some(amount.to_pounds_f64());
                v
            },
            shares: vec![FiscalShare {
                agency: agency(partner),
                share: 1.0,
                transfer,
            }],
            confidence: grade,
            optimism_reduction: reduction(grade),
            allow_overlap: None,
            location: option.location.clone(),
        };
    // One outcome: `count` units starting in year `start`, each bringing
    // its values for `duration` years.
    let outcome = |id: String,
                   name: String,
                   count: f64,
                   start: usize,
                   duration: usize,
                   values: Vec<ValueLine>,
                   grade: u8,
                   rates: (f64, f64, f64)| {
        let mut cohort = vec![0.0; years];
        cohort[start] = count;
        Outcome {
            id,
            name,
            cohort,
            cohort_scale: 1.0,
            engagement: 1.0,
            success: 1.0,
            deadweight: rates.0,
            displacement: rates.1,
            leakage: rates.2,
            profile: (0..years)
                .map(|k| if k < duration { 1.0 } else { 0.0 })
                .collect(),
            shape: None,
            confidence: grade,
            health_discounting: false,
            // Savings and receipts are cash in the partner's budget.
            cashable: vec![1.0; agencies.len()],
            values,
            location: option.location.clone(),
        }
    };

    let mut outcomes = Vec::new();
    for (i, v) in option.vacate.iter().enumerate() {
        let owner = v.site.partner.as_str();
        let running = years - v.from;
        if !v.saving.is_zero() {
            outcomes.push(outcome(
                format!("{RUNNING_COSTS}-{}", i + 1),
                format!("Running costs of {} ({}) no longer paid", v.name, v.site),
                1.0,
                v.from,
                running,
                vec![fiscal(
                    "Running costs, business rates aside".into(),
                    v.saving,
                    owner,
                    false,
                    v.confidence,
                )],
                v.confidence,
                (0.0, 0.0, 0.0),
            ));
        }
        if !v.rates_saving.is_zero() {
            outcomes.push(outcome(
                format!("{RATES}-{}", i + 1),
                format!("Business rates of {} ({}) no longer paid", v.name, v.site),
                1.0,
                v.from,
                running,
                vec![fiscal(
                    "Business rates (a transfer: not public value)".into(),
                    v.rates_saving,
                    owner,
                    true,
                    v.confidence,
                )],
                v.confidence,
                (0.0, 0.0, 0.0),
            ));
        }
        if let Some(d) = &v.disposal {
            outcomes.push(outcome(
                format!("{RECEIPT}-{}", i + 1),
                format!("Capital receipt for {} ({})", v.name, v.site),
                1.0,
                d.year,
                1,
                vec![fiscal(
                    "Capital receipt (a transfer: not public value)".into(),
                    d.receipt,
                    owner,
                    true,
                    v.confidence,
                )],
                v.confidence,
                (0.0, 0.0, 0.0),
            ));
        }
    }
    for (i, s) in option.savings.iter().enumerate() {
        outcomes.push(outcome(
            format!("{SAVING}-{}", i + 1),
            s.name.clone(),
            1.0,
            s.from,
            s.to - s.from + 1,
            vec![fiscal(
                s.name.clone(),
                s.annual,
                &s.partner,
                false,
                s.confidence,
            )],
            s.confidence,
            (0.0, 0.0, 0.0),
        ));
    }
    for (i, x) in option.outcomes.iter().enumerate() {
        let Some(value) = &x.value else { continue };
        let mut unit_values = [None; 3];
        unit_values[ValueKind::Economic.index()] = Some(value.per_unit);
        let line = ValueLine {
            label: format!(
                "{} (value per {} a year: {})",
                x.name,
                singular(x.measure),
                value.source
            ),
            source: ValueSource::Explicit {
                price_year: place.price_year,
            },
            quantity: 1.0,
            scale: 1.0,
            unit_values,
            shares: Vec::new(),
            confidence: x.confidence,
            optimism_reduction: reduction(x.confidence),
            allow_overlap: None,
            location: option.location.clone(),
        };
        outcomes.push(outcome(
            format!("{}-{}", x.measure.as_str(), i + 1),
            x.name.clone(),
            x.count as f64,
            x.year,
            value.years,
            vec![line],
            x.confidence,
            (value.deadweight, value.displacement, value.leakage),
        ));
    }

    let mut reference_data = Vec::new();
    for id in ["discount-schedules", "optimism-bias-grades"] {
        if let Some(v) = data.version_of(id) {
            reference_data.push(v);
        }
    }
    Model {
        name: option.name.clone(),
        description: option.description.clone(),
        settings: Settings {
            first_year: settings.first_year,
            years,
            price_base: place.price_year,
            deflators: data.default_deflators().id.clone(),
            discount_schedule: settings.discount_schedule.clone(),
            discount_year_zero: false,
        },
        optimism_bias: grades.clone(),
        optimism_bias_overridden: false,
        agencies,
        costs,
        outcomes,
        uncertain: Vec::new(),
        correlations: Vec::new(),
        scenarios: Vec::new(),
        reference_data,
        warnings: Vec::new(),
    }
}

fn singular(m: Measure) -> &'static str {
    match m {
        Measure::Jobs => "job",
        Measure::Homes => "home",
    }
}

/// An option and its appraisal, with the measures One Public Estate
/// reports.
#[derive(Clone, Debug, Serialize)]
pub struct OptionAppraisal {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub host: Option<SiteId>,
    pub vacated: Vec<SiteId>,
    pub disposed: Vec<SiteId>,
    /// People based at the vacated sites (when the register knows).
    pub moving: Option<u64>,
    /// The host's capacity less its occupants.
    pub host_spare_capacity: Option<i64>,
    /// Undiscounted: the receipts in cash.
    pub capital_receipts: Money,
    /// A full year's running-cost saving once every site is vacated,
    /// rates included, other savings included.
    pub annual_saving: Money,
    /// Undiscounted capital costs, before optimism bias.
    pub capital_costs: Money,
    pub jobs: u64,
    pub homes: u64,
    /// Present values from the appraisal, after optimism bias.
    pub pv_receipts: f64,
    pub pv_running_cost_savings: f64,
    /// Jobs and homes counted but given no value.
    pub unmonetised: Vec<String>,
    pub appraisal: Appraisal,
}

/// Appraises every option of the file with the appraisal engine.
pub fn appraise_options(
    place: &Place,
    register: &Register,
    file: &OptionsFile,
    data: &ReferenceData,
) -> Vec<OptionAppraisal> {
    file.options
        .iter()
        .map(|o| {
            let model = option_model(place, &file.settings, o, data);
            let appraisal = evaluate(&model, data);
            let pv = |prefixes: &[&str]| -> f64 {
                appraisal
                    .outcomes
                    .iter()
                    .filter(|r| prefixes.iter().any(|p| r.id.starts_with(&format!("{p}-"))))
                    .map(|r| r.pv_fiscal)
                    .sum()
            };
            let host = o.host.as_ref().and_then(|h| register.get(h));
            let moving = o
                .vacate
                .iter()
                .map(|v| v.occupants.map(u64::from))
                .sum::<Option<u64>>()
                .filter(|_| !o.vacate.is_empty());
            let count = |m: Measure| {
                o.outcomes
                    .iter()
                    .filter(|x| x.measure == m)
                    .map(|x| x.count)
                    .sum()
            };
            OptionAppraisal {
                id: o.id.clone(),
                name: o.name.clone(),
                kind: option_kind(o),
                host: o.host.clone(),
                vacated: o.vacate.iter().map(|v| v.site.clone()).collect(),
                disposed: o
                    .vacate
                    .iter()
                    .filter(|v| v.disposal.is_some())
                    .map(|v| v.site.clone())
                    .collect(),
                moving,
                host_spare_capacity: host.and_then(|h| match (h.capacity, h.occupants) {
                    (Some(c), Some(n)) => Some(i64::from(c) - i64::from(n)),
                    _ => None,
                }),
                capital_receipts: o
                    .vacate
                    .iter()
                    .filter_map(|v| v.disposal.as_ref())
                    .map(|d| d.receipt)
                    .sum(),
                annual_saving: o
                    .vacate
                    .iter()
                    .map(|v| v.saving + v.rates_saving)
                    .sum::<Money>()
                    + o.savings.iter().map(|s| s.annual).sum::<Money>(),
                capital_costs: o
                    .costs
                    .iter()
                    .filter(|c| c.kind == CostKind::Capital)
                    .flat_map(|c| c.amounts.iter())
                    .sum(),
                jobs: count(Measure::Jobs),
                homes: count(Measure::Homes),
                pv_receipts: pv(&[RECEIPT]),
                pv_running_cost_savings: pv(&[RUNNING_COSTS, RATES, SAVING]),
                unmonetised: o
                    .outcomes
                    .iter()
                    .filter(|x| x.value.is_none() && x.count > 0)
                    .map(|x| format!("{}: {} {}", x.name, x.count, x.measure.as_str()))
                    .collect(),
                appraisal,
            }
        })
        .collect()
}
