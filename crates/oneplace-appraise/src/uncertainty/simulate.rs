//! Monte Carlo simulation.
//!
//! Draws are made in blocks of [`BLOCK`]. Block `k` has its own random
//! stream (see `block_rng`), draws every uncertain input a column at a
//! time ([`ColumnSampler`]), induces the rank correlations within the block
//! among the inputs that take part in one ([`Correlator`]), and evaluates
//! the whole block: with the [`Folded`] form of the model when it compiles,
//! a few products and sums per draw over the block's columns, and otherwise
//! with the [`Kernel`], draw by draw. Each block writes straight into its
//! own stretch of the run's output columns, allocated once at their full
//! length. Blocks run in parallel, so a run's results depend on its seed and
//! size alone, never on the number of threads. A stop request finishes the
//! blocks under way and returns what is done, marked partial.
//!
//! [`report`] then summarises every output, in parallel.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use oneplace_refdata::ReferenceData;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::correlation::Correlator;
use super::folded::{self, Folded, Sinks};
use super::kernel::Kernel;
use super::stats::{Summary, Workspace, summarise_with};
use super::{Distribution, Sampler};
use crate::model::{Model, UncertainInput};

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

/// One block's stretch of every output column.
struct BlockOut<'a> {
    npbi: &'a mut [f64],
    financial_roi: &'a mut [f64],
    cashable_financial_roi: &'a mut [f64],
    nppv: &'a mut [f64],
    public_value_roi: &'a mut [f64],
    agency_net: Vec<&'a mut [f64]>,
    payback_discounted: &'a mut [u16],
    payback_undiscounted: &'a mut [u16],
    /// Empty unless the inputs are kept.
    inputs: Vec<&'a mut [f64]>,
}

/// Moves the values of the blocks done to the front, in order, and drops
/// the rest: a stopped run's blocks may finish out of order.
fn compact<T: Copy>(v: &mut Vec<T>, done: &[bool]) {
    let n = v.len();
    let mut kept = 0;
    for (k, _) in done.iter().enumerate().filter(|(_, d)| **d) {
        let (from, to) = (k * BLOCK, n.min((k + 1) * BLOCK));
        v.copy_within(from..to, kept);
        kept += to - from;
    }
    v.truncate(kept);
    v.shrink_to_fit();
}

impl Outputs {
    /// Every column at its full length, so blocks can write in place.
    fn zeroed(n: usize, agencies: usize, inputs: usize) -> Outputs {
        Outputs {
            npbi: vec![0.0; n],
            financial_roi: vec![0.0; n],
            cashable_financial_roi: vec![0.0; n],
            nppv: vec![0.0; n],
            public_value_roi: vec![0.0; n],
            agency_net: vec![vec![0.0; n]; agencies],
            payback_discounted: vec![0; n],
            payback_undiscounted: vec![0; n],
            inputs: vec![vec![0.0; n]; inputs],
        }
    }

    /// The columns cut into blocks of [`BLOCK`] draws.
    fn blocks(&mut self) -> Vec<BlockOut<'_>> {
        let mut agency_net: Vec<_> = self
            .agency_net
            .iter_mut()
            .map(|c| c.chunks_mut(BLOCK))
            .collect();
        let mut inputs: Vec<_> = self
            .inputs
            .iter_mut()
            .map(|c| c.chunks_mut(BLOCK))
            .collect();
        fn next<'a>(columns: &mut [std::slice::ChunksMut<'a, f64>]) -> Vec<&'a mut [f64]> {
            columns
                .iter_mut()
                .map(|c| c.next().expect("a block of every column"))
                .collect()
        }
        let mut out = Vec::new();
        for (
            ((((npbi, financial_roi), cashable_financial_roi), nppv), public_value_roi),
            (payback_discounted, payback_undiscounted),
        ) in self
            .npbi
            .chunks_mut(BLOCK)
            .zip(self.financial_roi.chunks_mut(BLOCK))
            .zip(self.cashable_financial_roi.chunks_mut(BLOCK))
            .zip(self.nppv.chunks_mut(BLOCK))
            .zip(self.public_value_roi.chunks_mut(BLOCK))
            .zip(
                self.payback_discounted
                    .chunks_mut(BLOCK)
                    .zip(self.payback_undiscounted.chunks_mut(BLOCK)),
            )
        {
            out.push(BlockOut {
                npbi,
                financial_roi,
                cashable_financial_roi,
                nppv,
                public_value_roi,
                agency_net: next(&mut agency_net),
                payback_discounted,
                payback_undiscounted,
                inputs: next(&mut inputs),
            });
        }
        out
    }

    /// Keeps only the blocks done (see [`compact`]).
    fn keep_blocks(&mut self, done: &[bool]) {
        for v in [
            &mut self.npbi,
            &mut self.financial_roi,
            &mut self.cashable_financial_roi,
            &mut self.nppv,
            &mut self.public_value_roi,
        ] {
            compact(v, done);
        }
        for v in self.agency_net.iter_mut().chain(&mut self.inputs) {
            compact(v, done);
        }
        compact(&mut self.payback_discounted, done);
        compact(&mut self.payback_undiscounted, done);
    }

    pub fn len(&self) -> usize {
        self.npbi.len()
    }

    pub fn is_empty(&self) -> bool {
        self.npbi.is_empty()
    }

    /// Bytes held, to report the run's memory. (The columns are allocated
    /// once at their final size and written in place, so this is the whole
    /// of what a run holds beyond a few blocks' working space.)
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
    /// The worker threads it was given (`None`: one per core); its report
    /// uses as many.
    pub threads: Option<usize>,
}

/// How a block is evaluated: the folded form when the model compiles to
/// one, the kernel otherwise.
enum Evaluator {
    Folded(Box<Folded>),
    Kernel(Box<Kernel>),
}

/// A worker's working space, reused from block to block.
struct Work {
    columns: Vec<Vec<f64>>,
    scratch: Option<folded::Scratch>,
    kernel: Option<Kernel>,
    nets: Vec<f64>,
}

/// Draws a column of one input at a time.
///
/// Beta and PERT inputs (most of a typical model's) are drawn as a ratio of
/// gamma variates, `X / (X + Y)` with `X ~ Γ(α)` and `Y ~ Γ(β)`, each by
/// Marsaglia and Tsang's method (2000): a normal draw, a uniform one and a
/// few multiplications, with a logarithm only for the rare draw the cheap
/// test cannot accept. That is exact, like the general-purpose sampler
/// (Cheng's algorithms, a logarithm and an exponential in every draw), and
/// some three times faster, which matters: with it, sampling was most of a
/// run's time. PERT shapes are never below 1, which the method needs; a
/// beta with a shape below 1 keeps the general sampler.
#[derive(Clone, Debug)]
pub enum ColumnSampler {
    GammaRatio {
        alpha: Gamma,
        beta: Gamma,
        lo: f64,
        width: f64,
    },
    Other(Sampler),
}

/// Γ(shape, 1) for a shape of at least 1, by Marsaglia and Tsang's method.
#[derive(Clone, Copy, Debug)]
pub struct Gamma {
    d: f64,
    c: f64,
}

impl Gamma {
    fn new(shape: f64) -> Gamma {
        debug_assert!(shape >= 1.0);
        let d = shape - 1.0 / 3.0;
        Gamma {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
        }
    }

    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        use rand::RngExt;
        use rand_distr::Distribution as _;
        loop {
            let x: f64 = rand_distr::StandardNormal.sample(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u: f64 = rng.random();
            let x2 = x * x;
            // The squeeze accepts some 98% of draws without a logarithm.
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                return self.d * v;
            }
        }
    }
}

impl ColumnSampler {
    pub fn new(distribution: &Distribution) -> ColumnSampler {
        // The beta's shapes and range: PERT's are its usual shape-4 ones.
        let shape = match *distribution {
            Distribution::Pert { min, mode, max } => Some((
                1.0 + 4.0 * (mode - min) / (max - min),
                1.0 + 4.0 * (max - mode) / (max - min),
                min,
                max,
            )),
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => Some((alpha, beta, min, max)),
            _ => None,
        };
        match shape {
            Some((a, b, lo, hi)) if a >= 1.0 && b >= 1.0 => ColumnSampler::GammaRatio {
                alpha: Gamma::new(a),
                beta: Gamma::new(b),
                lo,
                width: hi - lo,
            },
            _ => ColumnSampler::Other(distribution.sampler()),
        }
    }

    /// Fills `column` with independent draws.
    pub fn fill<R: rand::Rng + ?Sized>(&self, column: &mut [f64], rng: &mut R) {
        match self {
            ColumnSampler::GammaRatio {
                alpha,
                beta,
                lo,
                width,
            } => {
                for x in column.iter_mut() {
                    let a = alpha.sample(rng);
                    let b = beta.sample(rng);
                    *x = lo + width * (a / (a + b));
                }
            }
            ColumnSampler::Other(sampler) => {
                for x in column.iter_mut() {
                    *x = sampler.sample(rng);
                }
            }
        }
    }
}

/// What every block of a run shares.
struct Plan<'m> {
    seed: u64,
    inputs: &'m [UncertainInput],
    samplers: Vec<ColumnSampler>,
    correlator: Option<Correlator>,
    evaluator: Evaluator,
}

/// The random numbers of block `k`: xoshiro256++ (Blackman and Vigna),
/// seeded with 256 bits from ChaCha8 keyed by the run's seed, stream `k`.
///
/// ChaCha8 gives every block its own independent, reproducible stream, as
/// before; but at some 8 ns a number on this machine it cost more than all
/// the rest of a draw, and a draw takes twenty-odd numbers. xoshiro256++ is
/// a few times cheaper and passes the standard statistical batteries; its
/// period (2^256 − 1) makes overlap between blocks' streams, each a few
/// hundred thousand numbers long from random starting points, negligible.
/// Both are fixed algorithms, so a seed gives the same draws on every
/// platform.
fn block_rng(seed: u64, k: usize) -> Xoshiro256PlusPlus {
    let mut keyed = ChaCha8Rng::seed_from_u64(seed);
    keyed.set_stream(k as u64);
    let mut state = [0u8; 32];
    keyed.fill_bytes(&mut state);
    Xoshiro256PlusPlus::from_seed(state)
}

/// Draws, correlates and evaluates block `k`, writing into `out`.
fn run_block(plan: &Plan<'_>, k: usize, out: BlockOut<'_>, work: &mut Work) {
    let Plan {
        seed,
        inputs,
        ref samplers,
        ref correlator,
        ref evaluator,
    } = *plan;
    let size = out.npbi.len();
    let mut rng = block_rng(seed, k);
    // The draws go straight into the kept input columns when there are
    // any, and into working space otherwise.
    let mut columns: Vec<&mut [f64]> = if out.inputs.is_empty() {
        work.columns
            .iter_mut()
            .map(|c| {
                c.resize(size, 0.0);
                c.as_mut_slice()
            })
            .collect()
    } else {
        out.inputs
    };
    for ((column, sampler), u) in columns.iter_mut().zip(samplers).zip(inputs) {
        sampler.fill(column, &mut rng);
        // In model units from here on (a positive factor: the ranks, and
        // so the reordering below, are unchanged).
        if u.factor != 1.0 {
            column.iter_mut().for_each(|x| *x *= u.factor);
        }
    }
    if let Some(c) = correlator {
        c.apply(&mut columns);
    }
    let columns: Vec<&[f64]> = columns.into_iter().map(|c| &*c).collect();
    match evaluator {
        Evaluator::Folded(f) => {
            let mut sinks = Sinks {
                npbi: Some(out.npbi),
                financial_roi: Some(out.financial_roi),
                cashable_financial_roi: Some(out.cashable_financial_roi),
                nppv: Some(out.nppv),
                public_value_roi: Some(out.public_value_roi),
                agency_net: out.agency_net,
                payback_discounted: Some(out.payback_discounted),
                payback_undiscounted: Some(out.payback_undiscounted),
            };
            let scratch = work.scratch.get_or_insert_with(|| f.scratch());
            f.evaluate(&columns, &mut sinks, scratch);
        }
        Evaluator::Kernel(base) => {
            let kernel = work.kernel.get_or_insert_with(|| (**base).clone());
            let mut agency_net = out.agency_net;
            for j in 0..size {
                for (u, column) in inputs.iter().zip(&columns) {
                    kernel.set(&u.target, column[j]);
                }
                let h = kernel.evaluate(&mut work.nets);
                out.npbi[j] = h.npbi;
                out.financial_roi[j] = h.financial_roi;
                out.cashable_financial_roi[j] = h.cashable_financial_roi;
                out.nppv[j] = h.nppv;
                out.public_value_roi[j] = h.public_value_roi;
                for (column, net) in agency_net.iter_mut().zip(&work.nets) {
                    column[j] = *net;
                }
                out.payback_discounted[j] = h.payback_discounted.unwrap_or(NEVER);
                out.payback_undiscounted[j] = h.payback_undiscounted.unwrap_or(NEVER);
            }
        }
    }
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
    let inputs = &model.uncertain;
    let plan = Plan {
        seed: options.seed,
        inputs,
        samplers: inputs
            .iter()
            .map(|u| ColumnSampler::new(&u.distribution))
            .collect(),
        correlator: Correlator::new(inputs.len(), &model.correlations, BLOCK)?,
        evaluator: match folded::compile(model, data) {
            Some(f) => Evaluator::Folded(Box::new(f)),
            None => Evaluator::Kernel(Box::new(Kernel::new(model, data))),
        },
    };
    let agencies = model.agencies.len();
    let kept = if options.keep_inputs { inputs.len() } else { 0 };
    let mut outputs = Outputs::zeroed(options.draws, agencies, kept);
    let done = AtomicUsize::new(0);
    let run = |blocks: Vec<BlockOut<'_>>| -> Vec<bool> {
        blocks
            .into_par_iter()
            .enumerate()
            .map_init(
                || Work {
                    columns: vec![Vec::with_capacity(BLOCK); inputs.len()],
                    scratch: None,
                    kernel: None,
                    nets: vec![0.0; agencies],
                },
                |work, (k, out)| {
                    if stop.load(Ordering::Relaxed) {
                        return false;
                    }
                    let size = out.npbi.len();
                    run_block(&plan, k, out, work);
                    progress(done.fetch_add(size, Ordering::Relaxed) + size);
                    true
                },
            )
            .collect()
    };
    let blocks = outputs.blocks();
    let finished = in_pool(options.threads, || run(blocks))?;
    let partial = finished.iter().any(|d| !d);
    if partial {
        outputs.keep_blocks(&finished);
    }
    Ok(Run {
        requested: options.draws,
        seed: options.seed,
        partial,
        outputs,
        threads: options.threads,
    })
}

/// Runs `f` on `threads` worker threads, or on the global pool (one per
/// core) for `None`.
fn in_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T, String> {
    match threads {
        Some(threads) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?
            .install(f)),
        None => Ok(f()),
    }
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
    // Every output's summary, in parallel: each is a few passes and a
    // selection over all the draws.
    let mut columns: Vec<(&[f64], f64)> = vec![
        (&o.npbi, 0.0),
        (&o.financial_roi, 1.0),
        (&o.cashable_financial_roi, 1.0),
        (&o.nppv, 0.0),
        (&o.public_value_roi, 1.0),
    ];
    columns.extend(o.agency_net.iter().map(|v| (v.as_slice(), 0.0)));
    let summarise_all = || -> Vec<Summary> {
        columns
            .par_iter()
            .map_init(Workspace::default, |work, (v, threshold)| {
                summarise_with(v, *threshold, HISTOGRAM_BINS, work)
            })
            .collect()
    };
    let mut summaries = in_pool(run.threads, summarise_all)
        .unwrap_or_else(|_| summarise_all())
        .into_iter();
    let mut next = || summaries.next().expect("one summary per column");
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
        npbi: next(),
        financial_roi: next(),
        cashable_financial_roi: next(),
        nppv: next(),
        public_value_roi: next(),
        agencies: model
            .agencies
            .iter()
            .map(|a| AgencySummary {
                agency: a.id.clone(),
                net: next(),
            })
            .collect(),
        payback_discounted: payback(&o.payback_discounted, model),
        payback_undiscounted: payback(&o.payback_undiscounted, model),
        memory_bytes: o.bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_and_pert_columns_converge_to_the_closed_form() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for text in [
            "pert(0.3, 0.45, 0.55)",
            "pert(0, 0, 1)",
            "pert(10, 40, 40)",
            "beta(6, 44)",
            "beta(2, 5, 10, 20)",
            "beta(1, 1)",
            "beta(0.5, 0.5)",
        ] {
            let d = Distribution::parse(text).unwrap().unwrap();
            let sampler = ColumnSampler::new(&d);
            // Shapes of at least 1 take the gamma ratio; others do not.
            assert_eq!(
                matches!(sampler, ColumnSampler::GammaRatio { .. }),
                text != "beta(0.5, 0.5)",
                "{text}"
            );
            let n = 200_000;
            let mut draws = vec![0.0; n];
            sampler.fill(&mut draws, &mut rng);
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
            let se = (d.variance() / n as f64).sqrt();
            assert!((mean - d.mean()).abs() < 5.0 * se, "{text}: mean {mean}");
            assert!((var / d.variance() - 1.0).abs() < 0.03, "{text}: var {var}");
            let (lo, hi) = d.support();
            assert!(draws.iter().all(|x| *x >= lo && *x <= hi), "{text}");
            // And the shape, not only two moments: the share below the
            // median (by the exact quantile) is one half.
            let median = d.quantile(0.5);
            let below = draws.iter().filter(|x| **x < median).count() as f64 / n as f64;
            assert!(
                (below - 0.5).abs() < 5.0 * (0.25 / n as f64).sqrt(),
                "{text}: {below}"
            );
        }
    }
}
