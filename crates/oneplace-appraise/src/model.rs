//! The validated appraisal model: typed, complete, and consistent.
//!
//! Every amount is already in the model's price base and every reference is
//! resolved to an index, so evaluation is arithmetic only. Optimism-bias
//! corrections are resolved to factors here too, keeping the grade for the
//! record.

use oneplace_core::{FinancialYear, Location};
use oneplace_refdata::{DatasetVersion, OptimismBiasTable, ValueKind};
use serde::Serialize;

use crate::uncertainty::Distribution;

#[derive(Clone, Debug, Serialize)]
pub struct Model {
    pub name: String,
    pub description: Option<String>,
    pub settings: Settings,
    pub optimism_bias: OptimismBiasTable,
    /// Whether the model replaced the shipped optimism-bias grades.
    pub optimism_bias_overridden: bool,
    pub agencies: Vec<Agency>,
    pub costs: Vec<CostLine>,
    pub outcomes: Vec<Outcome>,
    /// Inputs given as distributions, for simulation and sensitivity.
    pub uncertain: Vec<UncertainInput>,
    /// Rank correlations between uncertain inputs (indexes into `uncertain`).
    pub correlations: Vec<Correlation>,
    /// Named sets of input values to compare with the base case.
    pub scenarios: Vec<Scenario>,
    /// The reference data the model was resolved against.
    pub reference_data: Vec<DatasetVersion>,
    /// Things worth a second look that are not errors.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// The financial year of year 0.
    pub first_year: FinancialYear,
    /// Years in the appraisal, year 0 included.
    pub years: usize,
    /// The price year every amount is expressed in.
    pub price_base: FinancialYear,
    pub deflators: String,
    pub discount_schedule: String,
    pub discount_year_zero: bool,
}

impl Settings {
    pub fn financial_year(&self, t: usize) -> FinancialYear {
        self.first_year.offset(t as i32)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Agency {
    pub id: String,
    pub name: String,
    /// Its kind in the agency vocabulary.
    pub kind: String,
    /// Whether it can be asked to contribute in the fair split.
    pub contributes: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    Capital,
    Revenue,
    /// Staff time, buildings or goods given rather than paid for: a real
    /// cost, kept apart from cash.
    InKind,
}

impl CostKind {
    pub fn parse(s: &str) -> Option<CostKind> {
        match s.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
            "capital" => Some(CostKind::Capital),
            "revenue" => Some(CostKind::Revenue),
            "in_kind" | "inkind" => Some(CostKind::InKind),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CostKind::Capital => "capital",
            CostKind::Revenue => "revenue",
            CostKind::InKind => "in_kind",
        }
    }

    pub fn is_cash(self) -> bool {
        self != CostKind::InKind
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CostLine {
    pub id: String,
    pub name: String,
    /// Index into [`Model::agencies`].
    pub agency: usize,
    pub kind: CostKind,
    /// By year, in the price base, before optimism bias.
    pub amounts: Vec<f64>,
    /// The price year the amounts were given in.
    pub price_year: FinancialYear,
    /// `I[price base] / I[price year]`: 1 when given in the price base.
    pub price_factor: f64,
    pub confidence: u8,
    /// Costs are multiplied by `1 + optimism_uplift`.
    pub optimism_uplift: f64,
    /// A multiplier on every year's amount (1 unless a scenario or a
    /// distribution says otherwise).
    pub scale: f64,
    #[serde(skip)]
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub name: String,
    /// Starters by year.
    pub cohort: Vec<f64>,
    /// A multiplier on every year's starters.
    pub cohort_scale: f64,
    pub engagement: f64,
    pub success: f64,
    pub deadweight: f64,
    pub displacement: f64,
    pub leakage: f64,
    /// Benefit by whole years since starting (1 = the full benefit).
    pub profile: Vec<f64>,
    /// The lag, duration and drop-off the profile was made from, when it
    /// was not given year by year.
    pub shape: Option<Shape>,
    pub confidence: u8,
    pub health_discounting: bool,
    /// Cashable share of the fiscal benefit, by agency index.
    pub cashable: Vec<f64>,
    pub values: Vec<ValueLine>,
    #[serde(skip)]
    pub location: Location,
}

/// A benefit profile's shape: nothing for `lag` years, then the full
/// benefit falling by `drop_off` a year for `duration` years.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Shape {
    pub lag: usize,
    pub duration: usize,
    pub drop_off: f64,
}

impl Shape {
    pub fn profile(&self, years: usize) -> Vec<f64> {
        (0..years)
            .map(|k| {
                if k < self.lag || k >= self.lag + self.duration {
                    0.0
                } else {
                    (1.0 - self.drop_off).powi((k - self.lag) as i32)
                }
            })
            .collect()
    }
}

impl Outcome {
    /// Successful outcomes per starter:
    /// `engagement × success × (1 − deadweight) × (1 − displacement) × (1 − leakage)`.
    pub fn rate(&self) -> f64 {
        self.engagement
            * self.success
            * (1.0 - self.deadweight)
            * (1.0 - self.displacement)
            * (1.0 - self.leakage)
    }
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ValueSource {
    UnitCostDatabase {
        code: String,
        /// The entry's own values and price years, before uprating.
        original: Vec<(ValueKind, f64, FinancialYear)>,
    },
    Explicit {
        price_year: FinancialYear,
    },
}

/// One fiscal component: the share of a value's fiscal part landing on one
/// agency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FiscalShare {
    pub agency: usize,
    pub share: f64,
    /// A transfer payment (benefits, tax): in the fiscal case, not in public
    /// value.
    pub transfer: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ValueLine {
    pub label: String,
    pub source: ValueSource,
    /// Units per successful outcome per year.
    pub quantity: f64,
    /// A multiplier on the unit values (1 unless given).
    pub scale: f64,
    /// Per unit, in the price base, by [`ValueKind::index`].
    pub unit_values: [Option<f64>; 3],
    pub shares: Vec<FiscalShare>,
    pub confidence: u8,
    /// Benefits are multiplied by `1 − optimism_reduction`.
    pub optimism_reduction: f64,
    /// Why an overlap the double-count guard would refuse is intended.
    pub allow_overlap: Option<String>,
    #[serde(skip)]
    pub location: Location,
}

impl ValueLine {
    pub fn unit_value(&self, kind: ValueKind) -> Option<f64> {
        self.unit_values[kind.index()]
    }

    pub fn ucd_code(&self) -> Option<&str> {
        match &self.source {
            ValueSource::UnitCostDatabase { code, .. } => Some(code),
            ValueSource::Explicit { .. } => None,
        }
    }
}

/// Which of an outcome's rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    Engagement,
    Success,
    Deadweight,
    Displacement,
    Leakage,
}

impl RateKind {
    pub const ALL: [RateKind; 5] = [
        RateKind::Engagement,
        RateKind::Success,
        RateKind::Deadweight,
        RateKind::Displacement,
        RateKind::Leakage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Engagement => "engagement",
            RateKind::Success => "success",
            RateKind::Deadweight => "deadweight",
            RateKind::Displacement => "displacement",
            RateKind::Leakage => "leakage",
        }
    }
}

/// One numeric input of a model, addressed by position: what a
/// distribution, a scenario or a switching-value search changes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Target {
    /// A cost line's amounts in years `from..=to` (price base, before
    /// optimism bias).
    CostYears {
        cost: usize,
        from: usize,
        to: usize,
    },
    /// A multiplier on a cost line.
    CostScale {
        cost: usize,
    },
    /// Starters in one year.
    CohortYear {
        outcome: usize,
        year: usize,
    },
    /// A multiplier on an outcome's starters.
    CohortScale {
        outcome: usize,
    },
    Rate {
        outcome: usize,
        rate: RateKind,
    },
    DropOff {
        outcome: usize,
    },
    ProfileYear {
        outcome: usize,
        year: usize,
    },
    /// The cashable share for one agency, or for all.
    Cashable {
        outcome: usize,
        agency: Option<usize>,
    },
    Quantity {
        outcome: usize,
        value: usize,
    },
    /// A value line's unit value of one kind (price base).
    UnitValue {
        outcome: usize,
        value: usize,
        kind: ValueKind,
    },
    /// A multiplier on a value line's unit values.
    UnitScale {
        outcome: usize,
        value: usize,
    },
}

/// An input given as a distribution.
#[derive(Clone, Debug, Serialize)]
pub struct UncertainInput {
    /// The input's name (`outcome.less-crime.success`), as scenarios and
    /// correlations refer to it.
    pub path: String,
    pub target: Target,
    pub distribution: Distribution,
    /// Converts a draw to model units (a price-year conversion; 1 for most).
    pub factor: f64,
    #[serde(skip)]
    pub location: Location,
}

/// A rank correlation between two uncertain inputs.
#[derive(Clone, Debug, Serialize)]
pub struct Correlation {
    pub a: usize,
    pub b: usize,
    pub rank: f64,
}

/// A named set of input values.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// (input name, where it is, the value in model units).
    pub set: Vec<(String, Target, f64)>,
}
