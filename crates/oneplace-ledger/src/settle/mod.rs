//! Risk-share settlement: the agreement's rules (R1–R10 of the domain
//! primer) applied to a year's variances, exact to the penny.
//!
//! See `docs/agreement-format.md` for the agreement file.

pub mod agreement;
pub mod compute;
pub mod document;

pub use agreement::{Agreement, parse_agreement};
pub use compute::{Settlement, settle};
