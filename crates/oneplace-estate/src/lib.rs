//! The shared public estate: every partner's property in one register.
//!
//! A place's public bodies each hold land and buildings. Putting them on
//! one map, in one dataset, shows buildings to share, services that could
//! move in together and surplus land to release for homes and jobs — the
//! work of the national One Public Estate programme. This crate is that
//! dataset and its analysis:
//!
//! * [`place`]: the place file naming the partners;
//! * [`register`]: the register, one canonical CSV of every site;
//! * [`mapping`], [`extract`] and [`import()`]: each partner's CSV or XLSX
//!   extract, read through its mapping file (columns, units, codes),
//!   imported all or nothing and idempotently;
//! * [`analysis`]: cost per m² and per occupant, utilisation and
//!   under-used buildings, co-location candidates by great-circle
//!   distance ([`geo`]);
//! * [`options`]: co-location and disposal options appraised with the
//!   appraisal engine, so asset options read like service options;
//! * [`programme`]: capital receipts, running-cost savings, jobs and homes
//!   against targets by year;
//! * [`map`]: every partner's sites as an accessible SVG map;
//! * [`document`]: the reports as documents for text, CSV and XLSX.
//!
//! Like the other engine crates it reads text and bytes handed to it and
//! returns values; the command line reads and writes files.

pub mod analysis;
pub mod document;
pub mod extract;
pub mod geo;
pub mod import;
pub mod map;
pub mod mapping;
pub mod model;
pub mod options;
pub mod place;
pub mod programme;
pub mod record;
pub mod register;

pub use extract::{ExtractFormat, Grid, read_extract};
pub use import::{ImportOutcome, import};
pub use mapping::{Mapping, read_mapping};
pub use model::{Partner, Place, Register, Site, SiteId};
pub use place::read_place;
pub use register::{read_register, write_register};
