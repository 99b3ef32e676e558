//! The pooled-fund ledger.
//!
//! A pooled fund is held by a host partner, but every pound still belongs to
//! a partner, a scheme and a funding source. This crate reads the journal
//! format (`docs/journal-format.md`) into a [`Ledger`] whose postings carry
//! those three dimensions, checks every rule (balance, dimensions, open
//! years, unique references, assertions), and computes reports from it.

pub mod balances;
pub mod contributions;
pub mod export;
pub mod import;
pub mod load;
pub mod model;
pub mod money;
pub mod report;
pub mod settle;
pub mod synth;
mod toml_input;

pub use load::{Journal, load};
pub use model::Ledger;
