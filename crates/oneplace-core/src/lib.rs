//! Domain types shared by every oneplace crate.
//!
//! Everything here is a plain value: no I/O, no global state. The types are
//! deliberately small so that the ledger, the appraisal engine and the
//! measurement engine agree on what a pound, a year and an agency are.
//!
//! * [`Money`]: exact amounts in integer pence, parsed from what finance users
//!   type (`£1,234.56`, `-£5`).
//! * [`FinancialYear`] and [`Period`]: April–March years (`2025/26`) and their
//!   months (`2025/26 M07`, or `2025-10`).
//! * [`allocate`]: splitting an amount over weights to the penny, largest
//!   remainder first.
//! * [`AgencyVocabulary`]: the kinds of public body that pay or benefit,
//!   seeded from the Unit Cost Database and extensible by a place.
//! * [`Diagnostic`] and [`InputError`]: errors that say where in the input
//!   (file, line and column, or sheet and cell) something is wrong.
//! * [`toml_input`]: reading the TOML files people write, every problem
//!   located, with the value conventions all input formats share.

mod agency;
mod allocate;
mod date;
mod diag;
mod money;
mod number;
pub mod toml_input;
mod year;

pub use agency::{AgencyKind, AgencyVocabulary, UnknownAgency, normalise_agency_name};
pub use allocate::{AllocateError, allocate, allocate_weights};
pub use date::{Date, days_in_month};
pub use diag::{Diagnostic, InputError, LineIndex, Location};
pub use money::{Money, MoneyParseError};
pub use number::{parse_pounds, parse_rate};
pub use year::{FinancialYear, Period, YearParseError};

/// Identifiers in every oneplace input are lower-case kebab-case
/// (`county-council`, `home-first`): this checks one.
pub fn is_identifier(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_kebab_case() {
        for ok in ["icb", "county-council", "home-first-2", "a"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in [
            "",
            "ICB",
            "county_council",
            "-x",
            "x-",
            "a--b",
            "2nd",
            "a b",
        ] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
