//! Versioned reference data: Green Book discount schedules, GDP deflator
//! vintages, optimism-bias tables and the Unit Cost Database.
//!
//! Every data set is shipped in the repository's `data/` folder, embedded in
//! the binary at build time, and described in `data/MANIFEST.toml` with its
//! version, source and licence. [`ReferenceData::embedded`] loads them once;
//! results record [`DatasetVersion`]s so that any figure can be reproduced
//! with the same data.
//!
//! This crate reads its own formats and the original Unit Cost Database
//! workbook (the importer); it computes nothing beyond the index arithmetic
//! the data sets themselves define (discount factors, uprating).

pub mod deflator;
pub mod discount;
pub mod optimism;
pub mod ucd;

use std::sync::OnceLock;

use oneplace_core::FinancialYear;
use serde::{Deserialize, Serialize};

pub use deflator::{DeflatorVintage, YearOutOfRange};
pub use discount::DiscountSchedule;
pub use optimism::{CapitalBound, ConfidenceGrade, OptimismBiasTable};
pub use ucd::{Rag, Relation, Tier, UnitCost, UnitCostDatabase, UnitValue, ValueKind};

/// A data set's entry in `data/MANIFEST.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub id: String,
    pub version: String,
    pub file: String,
    pub title: String,
    pub source: String,
    pub licence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workbook_current_year: Option<FinancialYear>,
}

/// Which version of a data set a result used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DatasetVersion {
    pub id: String,
    pub version: String,
    pub source: String,
    pub licence: String,
}

#[derive(Deserialize)]
struct Manifest {
    dataset: Vec<Dataset>,
}

/// All the reference data oneplace ships, loaded and checked.
#[derive(Clone, Debug)]
pub struct ReferenceData {
    pub datasets: Vec<Dataset>,
    pub discount_schedules: Vec<DiscountSchedule>,
    pub deflators: Vec<DeflatorVintage>,
    pub optimism_bias: Vec<OptimismBiasTable>,
    pub capital_bounds: Vec<CapitalBound>,
    pub unit_costs: UnitCostDatabase,
    /// The price year of the Unit Cost Database's own uprated values.
    pub unit_cost_price_year: FinancialYear,
}

mod embedded {
    pub const MANIFEST: &str = include_str!("../../../data/MANIFEST.toml");
    pub const DISCOUNT: &str = include_str!("../../../data/greenbook/discount-schedules.csv");
    pub const CAPITAL_BOUNDS: &str =
        include_str!("../../../data/greenbook/optimism-bias-mott-macdonald.csv");
    pub const GRADES: &str = include_str!("../../../data/optimism-bias/oneplace-default-2026.csv");
    pub const DEFLATORS: &str = include_str!("../../../data/deflators/hmt-march-2015.csv");
    pub const UNIT_COSTS: &str = include_str!("../../../data/unit-costs/ucd-v1.4.csv");
}

/// Relation overrides and code corrections for the v1.4 import, as shipped.
pub mod import_rules {
    pub const RELATION_OVERRIDES: &str =
        include_str!("../../../data/unit-costs/relation-overrides.csv");
    pub const CORRECTIONS: &str = include_str!("../../../data/unit-costs/corrections.csv");
}

impl ReferenceData {
    /// The data embedded in this build, loaded on first use.
    ///
    /// Panics only if the shipped data are inconsistent, which the test
    /// suite rules out.
    pub fn embedded() -> &'static ReferenceData {
        static DATA: OnceLock<ReferenceData> = OnceLock::new();
        DATA.get_or_init(|| ReferenceData::load_embedded().expect("embedded reference data"))
    }

    fn load_embedded() -> Result<ReferenceData, String> {
        let manifest: Manifest = toml::from_str(embedded::MANIFEST).map_err(|e| e.to_string())?;
        let dataset = |id: &str| {
            manifest
                .dataset
                .iter()
                .find(|d| d.id == id)
                .ok_or_else(|| format!("MANIFEST.toml has no data set '{id}'"))
        };
        let deflator_set = dataset("gdp-deflators")?;
        let grades_set = dataset("optimism-bias-grades")?;
        let ucd_set = dataset("unit-cost-database")?;
        dataset("discount-schedules")?;
        dataset("optimism-bias-capital-bounds")?;
        let unit_cost_price_year = deflator_set
            .workbook_current_year
            .ok_or("the gdp-deflators data set needs workbook_current_year")?;
        Ok(ReferenceData {
            discount_schedules: discount::parse_schedules(embedded::DISCOUNT)?,
            deflators: vec![deflator::parse_vintage(
                &deflator_set.version,
                embedded::DEFLATORS,
            )?],
            optimism_bias: vec![optimism::parse_grades(
                &grades_set.version,
                embedded::GRADES,
            )?],
            capital_bounds: optimism::parse_capital_bounds(embedded::CAPITAL_BOUNDS)?,
            unit_costs: UnitCostDatabase::new(
                ucd_set.version.clone(),
                ucd::parse_table(embedded::UNIT_COSTS)?,
            ),
            unit_cost_price_year,
            datasets: manifest.dataset,
        })
    }

    /// This data with one more deflator vintage (a user's, read with
    /// [`deflator::read_vintage_file`]), which becomes the default: models
    /// that name no vintage, and `ucd show`, use it. Its source is recorded
    /// as `source` in the `gdp-deflators` data set's version.
    pub fn with_deflators(&self, vintage: DeflatorVintage, source: &str) -> ReferenceData {
        let mut data = self.clone();
        data.deflators.retain(|v| v.id != vintage.id);
        if let Some(d) = data.datasets.iter_mut().find(|d| d.id == "gdp-deflators") {
            d.version = vintage.id.clone();
            d.file = source.to_string();
            d.title = format!(
                "GDP deflator vintage '{}', loaded from {source}",
                vintage.id
            );
            d.source = format!("loaded from {source}");
            d.licence = "as stated by the file's publisher".into();
            d.attribution = None;
        }
        data.deflators.insert(0, vintage);
        data
    }

    pub fn dataset(&self, id: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.id == id)
    }

    /// The version record for data set `id`.
    pub fn version_of(&self, id: &str) -> Option<DatasetVersion> {
        self.dataset(id).map(|d| DatasetVersion {
            id: d.id.clone(),
            version: d.version.clone(),
            source: d.source.clone(),
            licence: d.attribution.clone().unwrap_or_else(|| d.licence.clone()),
        })
    }

    pub fn discount_schedule(&self, name: &str) -> Option<&DiscountSchedule> {
        self.discount_schedules.iter().find(|s| s.name == name)
    }

    pub fn deflator_vintage(&self, id: &str) -> Option<&DeflatorVintage> {
        self.deflators.iter().find(|v| v.id == id)
    }

    /// The default deflator vintage: the Unit Cost Database's own.
    pub fn default_deflators(&self) -> &DeflatorVintage {
        &self.deflators[0]
    }

    pub fn optimism_bias_table(&self, id: &str) -> Option<&OptimismBiasTable> {
        self.optimism_bias.iter().find(|t| t.id == id)
    }

    pub fn default_optimism_bias(&self) -> &OptimismBiasTable {
        &self.optimism_bias[0]
    }
}
