//! The cost-benefit appraisal engine.
//!
//! HM Treasury's guidance for local partnerships (2014, with New Economy in
//! Greater Manchester, supplementary to the Green Book) appraises a joint
//! investment by costing it by agency and year, valuing its outcomes with
//! unit costs, and attributing the fiscal savings to the agencies that
//! receive them. This crate is that method as code:
//!
//! * [`raw`] and [`read_toml`] / [`xlsx`]: the model as written, in TOML or
//!   in the Excel template, every value with its place in the input;
//! * [`validate()`]: resolves, converts and checks it into a [`Model`];
//! * [`evaluate()`]: a pure function from the model to an [`Appraisal`] (the
//!   financial and economic case, per-agency table, funder × beneficiary
//!   matrix, year-by-year table and the [`fair_split`]);
//! * [`explain`]: traces any headline figure back to its inputs;
//! * [`report`]: the appraisal as a report document for text, CSV and XLSX.

pub mod evaluate;
pub mod explain;
pub mod fair_split;
pub mod guard;
pub mod model;
pub mod params;
pub mod raw;
pub mod read_toml;
pub mod report;
pub mod uncertainty;
pub mod validate;
pub mod xlsx;

pub use evaluate::{Appraisal, evaluate};
pub use model::Model;
pub use read_toml::{parse_raw_toml, read_toml};
pub use validate::validate;
