//! The validated appraisal model: typed, complete, and consistent.
//!
//! Every amount is already in the model's price base and every reference is
//! resolved to an index, so evaluation is arithmetic only. Optimism-bias
//! corrections are resolved to factors here too, keeping the grade for the
//! record.

use oneplace_core::{FinancialYear, Location};
use oneplace_refdata::{DatasetVersion, OptimismBiasTable, ValueKind};
use serde::Serialize;

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
    #[serde(skip)]
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub name: String,
    /// Starters by year.
    pub cohort: Vec<f64>,
    pub engagement: f64,
    pub success: f64,
    pub deadweight: f64,
    pub displacement: f64,
    pub leakage: f64,
    /// Benefit by whole years since starting (1 = the full benefit).
    pub profile: Vec<f64>,
    pub confidence: u8,
    pub health_discounting: bool,
    /// Cashable share of the fiscal benefit, by agency index.
    pub cashable: Vec<f64>,
    pub values: Vec<ValueLine>,
    #[serde(skip)]
    pub location: Location,
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
