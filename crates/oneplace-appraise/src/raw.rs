//! The appraisal model as written, before validation.
//!
//! Both readers (TOML and the Excel template) produce these structs; one
//! validator turns them into a [`crate::Model`]. Every leaf carries a span:
//! for TOML it is the byte range in the file, for a workbook it is an index
//! into the reader's table of cells. A [`Locate`] turns spans back into
//! places a user can find, so validation messages read the same whichever
//! format the model came in.

use std::collections::BTreeMap;
use std::ops::Range;

use oneplace_core::{LineIndex, Location};
use serde::Deserialize;
pub use toml::Spanned;

/// A value with its span in the input.
pub type S<T> = Spanned<T>;

/// Turns spans into locations.
pub trait Locate {
    fn at(&self, span: Range<usize>) -> Location;
    /// The input as a whole (for things missing altogether).
    fn whole(&self) -> Location;
    /// Where the missing `field` of the table at `parent` would be written,
    /// when the input has a place for it (a workbook's blank cell); `None`
    /// where the field would simply be added to the table (TOML).
    fn missing(&self, parent: Range<usize>, field: &str) -> Option<Location> {
        let _ = (parent, field);
        None
    }
}

impl Locate for LineIndex {
    fn at(&self, span: Range<usize>) -> Location {
        self.location(span.start)
    }

    fn whole(&self) -> Location {
        LineIndex::whole(self)
    }
}

/// A number as people write it: `12`, `0.35`, `"35%"`, `"£1,200"`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

/// A year given as an offset from year 0 (`2`) or a financial year
/// (`"2027/28"`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum YearRef {
    Offset(i64),
    Year(String),
}

/// One number for a single cohort in one year, or a list with one entry per
/// year from year 0.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum NumOrList {
    One(Num),
    Many(Vec<Num>),
}

/// `true`/`false` for every fiscal component of a value, or the agencies
/// whose components are transfers.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum TransferSpec {
    All(bool),
    Agencies(Vec<String>),
}

/// One cashable share for every agency, or a share per agency.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum CashableSpec {
    All(Num),
    PerAgency(BTreeMap<String, Num>),
}

pub type Shares = BTreeMap<S<String>, S<Num>>;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub appraisal: Option<S<RawAppraisal>>,
    pub optimism_bias: Option<S<RawOptimismBias>>,
    #[serde(default)]
    pub agency_kind: Vec<S<RawAgencyKind>>,
    #[serde(default)]
    pub agency: Vec<S<RawAgency>>,
    #[serde(default)]
    pub cost: Vec<S<RawCost>>,
    #[serde(default)]
    pub outcome: Vec<S<RawOutcome>>,
    #[serde(default)]
    pub correlation: Vec<S<RawCorrelation>>,
    #[serde(default)]
    pub scenario: Vec<S<RawScenario>>,
}

/// A rank correlation between two uncertain inputs, by name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub inputs: Option<S<Vec<S<String>>>>,
    /// Spearman rank correlation, from −1 to 1.
    pub rank: Option<S<Num>>,
}

/// A named scenario: inputs, by name, set to other values.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    pub set: Option<S<BTreeMap<S<String>, S<Num>>>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAppraisal {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    /// The financial year of year 0.
    pub first_year: Option<S<String>>,
    /// How many years the appraisal covers, year 0 included.
    pub years: Option<S<i64>>,
    /// The price year every value is expressed in.
    pub price_base: Option<S<String>>,
    pub deflators: Option<S<String>>,
    pub discount_schedule: Option<S<String>>,
    pub discount_year_zero: Option<S<bool>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptimismBias {
    /// A shipped table by id.
    pub table: Option<S<String>>,
    /// Or the model's own grades, replacing the table's.
    #[serde(default)]
    pub grade: Vec<S<RawGrade>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub grade: Option<S<i64>>,
    pub label: Option<S<String>>,
    pub cost_uplift: Option<S<Num>>,
    pub benefit_reduction: Option<S<Num>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgencyKind {
    pub id: Option<S<String>>,
    pub name: Option<S<String>>,
    pub parent: Option<S<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgency {
    pub id: Option<S<String>>,
    pub name: Option<S<String>>,
    pub kind: Option<S<String>>,
    /// Whether the agency is at the table to contribute (default true).
    pub contributes: Option<S<bool>>,
    /// The default cashable share of benefits landing on this agency.
    pub cashable: Option<S<Num>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCost {
    pub id: Option<S<String>>,
    pub name: Option<S<String>>,
    pub agency: Option<S<String>>,
    /// `capital`, `revenue` or `in_kind`.
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    /// One amount per year from year 0, each with its own place.
    pub amounts: Option<S<Vec<S<Num>>>>,
    /// Or flat annual amounts over ranges of years.
    #[serde(default)]
    pub phase: Vec<S<RawPhase>>,
    pub price_year: Option<S<String>>,
    pub confidence: Option<S<i64>>,
    /// A multiplier on every amount (default 1): a distribution here says
    /// how far the whole cost line may overrun or underrun.
    pub scale: Option<S<Num>>,
    /// Says that the cost stops after the last year `amounts` gives, when
    /// the list is shorter than the appraisal.
    pub stops: Option<S<bool>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub from: Option<S<YearRef>>,
    pub to: Option<S<YearRef>>,
    pub annual: Option<S<Num>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcome {
    pub id: Option<S<String>>,
    pub name: Option<S<String>>,
    /// People (or families, incidents) starting: one number, or one per year.
    pub cohort: Option<S<NumOrList>>,
    /// The year a single cohort starts (default year 0).
    pub start: Option<S<YearRef>>,
    pub engagement: Option<S<Num>>,
    pub success: Option<S<Num>>,
    pub deadweight: Option<S<Num>>,
    pub displacement: Option<S<Num>>,
    pub leakage: Option<S<Num>>,
    /// Whole years after starting before the benefit begins.
    pub lag: Option<S<i64>>,
    /// Years the benefit lasts.
    pub duration: Option<S<i64>>,
    /// Fraction lost each year after the first year of benefit.
    pub drop_off: Option<S<Num>>,
    /// Or the benefit profile by year since starting (1 = full benefit).
    pub profile: Option<S<Vec<S<Num>>>>,
    pub confidence: Option<S<i64>>,
    /// Discount the social (health) value at the Green Book health rate.
    pub health_discounting: Option<S<bool>>,
    pub cashable: Option<S<CashableSpec>>,
    /// Says that no one starts after the last year a cohort list gives,
    /// when the list is shorter than the appraisal.
    pub stops: Option<S<bool>>,
    #[serde(default)]
    pub value: Vec<S<RawValue>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawValue {
    pub label: Option<S<String>>,
    /// A Unit Cost Database code.
    pub ucd: Option<S<String>>,
    /// Which of the entry's kinds to take (default: all it has).
    pub kinds: Option<S<Vec<String>>>,
    /// Units of the value per successful outcome per year (default 1).
    pub quantity: Option<S<Num>>,
    /// A multiplier on the unit values (default 1): a distribution here
    /// makes a Unit Cost Database value uncertain.
    pub scale: Option<S<Num>>,
    pub fiscal: Option<S<Num>>,
    pub economic: Option<S<Num>>,
    pub social: Option<S<Num>>,
    /// Price year of explicit values (default: the model's price base).
    pub price_year: Option<S<String>>,
    /// How the fiscal value splits between the model's agencies.
    pub shares: Option<S<Shares>>,
    pub transfer: Option<S<TransferSpec>>,
    /// Overrides the outcome's confidence grade for this value.
    pub confidence: Option<S<i64>>,
    /// The reason a known overlap with another value is intended.
    pub allow_overlap: Option<S<String>>,
    /// The Unit Cost Database codes `allow_overlap` is limited to (without
    /// it, the reason covers every overlap of this value).
    pub allow_overlap_with: Option<S<Vec<S<String>>>>,
}
