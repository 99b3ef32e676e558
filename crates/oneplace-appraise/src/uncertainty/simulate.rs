//! Monte Carlo simulation.
//!
//! Draws are made in blocks of [`BLOCK`]. Block `k` has its own random
//! stream (ChaCha8 seeded with the run's seed, stream `k`), draws every
//! uncertain input, induces the rank correlations within the block, and
//! evaluates the [`Kernel`] for each draw. Blocks run in parallel and are
//! put back in order, so a run's results depend on its seed and size alone,
//! never on the number of threads. A stop request finishes the blocks under
//! way and returns what is done, marked partial.

use std::sync::atomic::{AtomicBool, Ordering};

use oneplace_refdata::ReferenceData;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::correlation::{cholesky, iman_conover, matrix};
use super::kernel::Kernel;
use super::stats::{Summary, summarise};
use crate::model::Model;

/// Draws per block: the unit of parallel work and of random streams.
pub const BLOCK: usize = 4096;

/// Payback "not within the appraisal", in the payback columns.
pub const NEVER: u16 = u16::MAX;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub draws: usize,
    pub seed: u64,
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    /// Keep every draw of every input (for export and checks).
    pub keep_inputs: bool,
}

/// Every draw's outputs, in draw order.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    pub npbi: Vec<f64>,
    pub financial_roi: Vec<f64>,
    pub cashable_financial_roi: Vec<f64>,
    pub nppv: Vec<f64>,
    pub public_value_roi: Vec<f64>,
    /// `[agency][draw]`.
    pub agency_net: Vec<Vec<f64>>,
    pub payback_discounted: Vec<u16>,
    pub payback_undiscounted: Vec<u16>,
    /// `[input][draw]`, in model units, when kept.
    pub inputs: Vec<Vec<f64>>,
}

impl Outputs {
    fn with_capacity(n: usize, agencies: usize, inputs: usize) -> Outputs {
        Outputs {
            npbi: Vec::with_capacity(n),
            financial_roi: Vec::with_capacity(n),
            cashable_financial_roi: Vec::with_capacity(n),
            nppv: Vec::with_capacity(n),
            public_value_roi: Vec::with_capacity(n),
            agency_net: (0..agencies).map(|_| Vec::with_capacity(n)).collect(),
            payback_discounted: Vec::with_capacity(n),
            payback_undiscounted: Vec::with_capacity(n),
            inputs: (0..inputs).map(|_| Vec::with_capacity(n)).collect(),
        }
    }

    fn append(&mut self, mut other: Outputs) {
        self.npbi.append(&mut other.npbi);
        self.financial_roi.append(&mut other.financial_roi);
        self.cashable_financial_roi
            .append(&mut other.cashable_financial_roi);
        self.nppv.append(&mut other.nppv);
        self.public_value_roi.append(&mut other.public_value_roi);
        for (a, b) in self.agency_net.iter_mut().zip(&mut other.agency_net) {
            a.append(b);
        }
        self.payback_discounted
            .append(&mut other.payback_discounted);
        self.payback_undiscounted
            .append(&mut other.payback_undiscounted);
        for (a, b) in self.inputs.iter_mut().zip(&mut other.inputs) {
            a.append(b);
        }
    }

    pub fn len(&self) -> usize {
        self.npbi.len()
    }

    pub fn is_empty(&self) -> bool {
        self.npbi.is_empty()
    }

    /// Bytes held, to report the run's memory.
    pub fn bytes(&self) -> usize {
        let f = std::mem::size_of::<f64>();
        let n = self.len();
        n * f * (5 + self.agency_net.len() + self.inputs.len()) + n * 2 * 2
    }
}

/// A finished (or stopped) run.
#[derive(Clone, Debug)]
pub struct Run {
    pub requested: usize,
    pub seed: u64,
    pub partial: bool,
    pub outputs: Outputs,
}

/// Runs the simulation. `progress` is called with the number of draws done
/// after each block; setting `stop` ends the run early.
pub fn simulate(
    model: &Model,
    data: &ReferenceData,
    options: &Options,
    progress: &(dyn Fn(usize) + Sync),
    stop: &AtomicBool,
) -> Result<Run, String> {
    let base = Kernel::new(model, data);
    let inputs = &model.uncertain;
    let samplers: Vec<_> = inputs.iter().map(|u| u.distribution.sampler()).collect();
    let target = if model.correlations.is_empty() {
        None
    } else {
        Some(
            cholesky(&matrix(inputs.len(), &model.correlations))
                .ok_or("the correlations are not positive definite")?,
        )
    };
    let agencies = model.agencies.len();
    let blocks = options.draws.div_ceil(BLOCK);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let run_block = |k: usize| -> Option<Outputs> {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let size = BLOCK.min(options.draws - k * BLOCK);
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(k as u64);
        let mut columns: Vec<Vec<f64>> = samplers
            .iter()
            .map(|s| (0..size).map(|_| s.sample(&mut rng)).collect())
            .collect();
        if let Some(target) = &target {
            iman_conover(&mut columns, target, &mut rng);
        }
        let mut kernel = base.clone();
        let kept = if options.keep_inputs { inputs.len() } else { 0 };
        let mut out = Outputs::with_capacity(size, agencies, kept);
        let mut nets = vec![0.0; agencies];
        for j in 0..size {
            for (u, column) in inputs.iter().zip(&columns) {
                kernel.set(&u.target, column[j] * u.factor);
            }
            let h = kernel.evaluate(&mut nets);
            out.npbi.push(h.npbi);
            out.financial_roi.push(h.financial_roi);
            out.cashable_financial_roi.push(h.cashable_financial_roi);
            out.nppv.push(h.nppv);
            out.public_value_roi.push(h.public_value_roi);
            for (column, net) in out.agency_net.iter_mut().zip(&nets) {
                column.push(*net);
            }
            out.payback_discounted
                .push(h.payback_discounted.unwrap_or(NEVER));
            out.payback_undiscounted
                .push(h.payback_undiscounted.unwrap_or(NEVER));
        }
        if options.keep_inputs {
            for ((kept, column), u) in out.inputs.iter_mut().zip(&columns).zip(inputs) {
                kept.extend(column.iter().map(|x| x * u.factor));
            }
        }
        let total = done.fetch_add(size, Ordering::Relaxed) + size;
        progress(total);
        Some(out)
    };
    let parts: Vec<Option<Outputs>> = match options.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?
            .install(|| (0..blocks).into_par_iter().map(run_block).collect()),
        None => (0..blocks).into_par_iter().map(run_block).collect(),
    };
    let partial = parts.iter().any(Option::is_none);
    let kept = if options.keep_inputs { inputs.len() } else { 0 };
    let mut outputs = Outputs::with_capacity(options.draws, agencies, kept);
    for part in parts.into_iter().flatten() {
        outputs.append(part);
    }
    Ok(Run {
        requested: options.draws,
        seed: options.seed,
        partial,
        outputs,
    })
}

/// How often payback falls in each year.
#[derive(Clone, Debug, Serialize)]
pub struct PaybackDistribution {
    /// (year, its financial year, share of draws)
    pub by_year: Vec<PaybackYear>,
    /// Share of draws that never pay back within the appraisal.
    pub never: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PaybackYear {
    pub year: usize,
    pub financial_year: oneplace_core::FinancialYear,
    pub share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgencySummary {
    pub agency: String,
    pub net: Summary,
}

#[derive(Clone, Debug, Serialize)]
pub struct InputSummary {
    pub input: String,
    pub distribution: super::Distribution,
    /// Its value in the deterministic appraisal (model units).
    pub base: f64,
}

/// What a run says.
#[derive(Clone, Debug, Serialize)]
pub struct SimulationReport {
    pub draws: usize,
    pub requested: usize,
    pub seed: u64,
    /// Stopped before all draws were made: the figures cover `draws` only.
    pub partial: bool,
    pub inputs: Vec<InputSummary>,
    pub correlations: Vec<(String, String, f64)>,
    pub npbi: Summary,
    pub financial_roi: Summary,
    pub cashable_financial_roi: Summary,
    pub nppv: Summary,
    pub public_value_roi: Summary,
    pub agencies: Vec<AgencySummary>,
    pub payback_discounted: PaybackDistribution,
    pub payback_undiscounted: PaybackDistribution,
    /// Bytes held by the draws' outputs.
    pub memory_bytes: usize,
}

/// Histogram bars in JSON output.
pub const HISTOGRAM_BINS: usize = 40;

fn payback(values: &[u16], model: &Model) -> PaybackDistribution {
    let n = values.len().max(1) as f64;
    let years = model.settings.years;
    let mut counts = vec![0usize; years];
    let mut never = 0usize;
    for &v in values {
        match counts.get_mut(usize::from(v)) {
            Some(c) if v != NEVER => *c += 1,
            _ => never += 1,
        }
    }
    PaybackDistribution {
        by_year: counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(year, c)| PaybackYear {
                year,
                financial_year: model.settings.financial_year(year),
                share: *c as f64 / n,
            })
            .collect(),
        never: never as f64 / n,
    }
}

pub fn report(model: &Model, run: &Run) -> SimulationReport {
    let o = &run.outputs;
    let money = |v: &[f64]| summarise(v, 0.0, HISTOGRAM_BINS);
    let ratio = |v: &[f64]| summarise(v, 1.0, HISTOGRAM_BINS);
    SimulationReport {
        draws: o.len(),
        requested: run.requested,
        seed: run.seed,
        partial: run.partial,
        inputs: model
            .uncertain
            .iter()
            .map(|u| InputSummary {
                input: u.path.clone(),
                distribution: u.distribution.clone(),
                base: crate::params::get(model, &u.target),
            })
            .collect(),
        correlations: model
            .correlations
            .iter()
            .map(|c| {
                (
                    model.uncertain[c.a].path.clone(),
                    model.uncertain[c.b].path.clone(),
                    c.rank,
                )
            })
            .collect(),
        npbi: money(&o.npbi),
        financial_roi: ratio(&o.financial_roi),
        cashable_financial_roi: ratio(&o.cashable_financial_roi),
        nppv: money(&o.nppv),
        public_value_roi: ratio(&o.public_value_roi),
        agencies: model
            .agencies
            .iter()
            .zip(&o.agency_net)
            .map(|(a, v)| AgencySummary {
                agency: a.id.clone(),
                net: money(v),
            })
            .collect(),
        payback_discounted: payback(&o.payback_discounted, model),
        payback_undiscounted: payback(&o.payback_undiscounted, model),
        memory_bytes: o.bytes(),
    }
}
