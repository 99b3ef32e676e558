//! The reform deal between a place and central government.

pub mod balance;
pub mod catalogue;
pub mod deal;
pub mod evidence;
pub mod readiness;
mod toml_input;

pub use catalogue::Catalogue;
pub use deal::{Deal, read_deal};
