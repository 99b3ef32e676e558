//! Paying for results and measuring against plan.
//!
//! Places that pool money are often paid, or pay others, on results; and
//! pooled funds such as the Better Care Fund report their metrics against
//! plan. This crate computes those figures exactly:
//!
//! * [`troubled_families`]: a council's Troubled Families claims by year
//!   (attachment fees, results payments by outcome with continuous
//!   employment superseding the others, the one-in-six deduction), with
//!   every family's payments for explaining a claim;
//! * [`outcome_contract`]: outcome contracts (social impact bonds): a rate
//!   card, thresholds against a comparison group, per-participant and total
//!   caps, co-payers sharing each payment and a central top-up;
//! * [`earn_back`]: a share of measured additional tax or savings by year,
//!   capped per year, over a period (the rule the reform deal's balance
//!   uses too);
//! * [`metrics`]: Better-Care-Fund-style metrics against plan, with
//!   direction of good, denominators, periods and on-track status.
//!
//! Each module has a reader for its files (TOML read through core's located
//! checker, CSV read row by row), a pure function from the typed input to a
//! result that serialises to JSON, and a document and plain-text table of
//! the result. Money is exact (integer pence) throughout; every split is a
//! largest-remainder allocation, so parts always add up to the whole. Every
//! input error names its file, its line (TOML) or row (CSV) and the field.
//!
//! Like the other engine crates it reads text handed to it and returns
//! values; the command line reads and writes files.

pub mod earn_back;
pub mod metrics;
pub mod outcome_contract;
mod table;
pub mod troubled_families;
