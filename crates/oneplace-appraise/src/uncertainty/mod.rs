//! Uncertainty: distributions on inputs, Monte Carlo simulation,
//! sensitivity, switching values and scenarios.

pub mod correlation;
pub mod distribution;
pub mod special;

pub use distribution::{Distribution, Sampler};
