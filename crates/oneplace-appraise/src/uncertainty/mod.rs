//! Uncertainty: distributions on inputs, Monte Carlo simulation,
//! sensitivity, switching values and scenarios.

pub mod correlation;
pub mod distribution;
pub mod folded;
pub mod kernel;
pub mod sensitivity;
pub mod simulate;
pub mod special;
pub mod stats;

pub use distribution::{Distribution, Sampler};
