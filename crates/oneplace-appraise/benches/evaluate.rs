//! Deterministic evaluation and Monte Carlo simulation of the largest
//! example.
//!
//! `cargo bench -p oneplace-appraise --bench evaluate [-- FILTER]`
//!
//! * evaluation alone (a validated model in, the whole appraisal out:
//!   totals, agencies, matrix, fair split, year table);
//! * reading + validating + evaluating from TOML text, which is what a user
//!   waits for on every edit;
//! * one draw of the simulation kernel (set the uncertain inputs, evaluate
//!   the headline figures), the fallback for models that do not fold;
//! * `folded`: the folded block evaluation alone, of the draws of a
//!   simulation, on 2 threads and on 1, in blocks of 16,384 draws (the NumPy
//!   peer's best block): the four outputs the NumPy peer computes (NPBI,
//!   NPPV and the two ROIs), and every output (the five headline figures,
//!   each agency's net position and both payback years); the four outputs
//!   of one block per thread evaluated again and again, its draws in cache
//!   (as in a run, where they were just made); and the memory traffic of
//!   the four-output evaluation alone (read the inputs, write four columns);
//! * the parts of a run: sampling each kind of distribution, inducing the
//!   correlation;
//! * `report`: the summary statistics of 1,000,000 draws;
//! * 100,000 draws end to end (sampling, correlation, evaluation), on one
//!   thread and on two.
//!
//! The folded benchmark's draws are those of `oneplace appraise
//! examples/family-support.toml --simulate 1000000 --seed 1`, made here by
//! the same code; `bench/simulate.sh` instead gives it the very draws it
//! exports to the NumPy peer: `ONEPLACE_BENCH_MODEL` (a model file) and
//! `ONEPLACE_BENCH_DRAWS` (its `--export-draws` .npy file). The outputs
//! evaluated here are checked against those exported.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use oneplace_appraise::uncertainty::Distribution;
use oneplace_appraise::uncertainty::correlation::Correlator;
use oneplace_appraise::uncertainty::folded::{self, Folded, Sinks};
use oneplace_appraise::uncertainty::kernel::Kernel;
use oneplace_appraise::uncertainty::simulate::{
    BLOCK, ColumnSampler, Options, Outputs, Run, report, simulate,
};
use oneplace_appraise::{Model, evaluate, read_toml};
use oneplace_refdata::ReferenceData;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rayon::prelude::*;

const FAMILY: &str = include_str!("../../../examples/family-support.toml");

/// Draws of the folded benchmark and the report benchmark, unless given.
const DRAWS: usize = 1_000_000;
/// Draws evaluated at a time by the folded benchmark.
const EVAL_BLOCK: usize = 16_384;

fn run(model: &Model, draws: usize, threads: usize, keep_inputs: bool) -> Outputs {
    let options = Options {
        draws,
        seed: 1,
        threads: Some(threads),
        keep_inputs,
    };
    let data = ReferenceData::embedded();
    simulate(model, data, &options, &|_| {}, &AtomicBool::new(false))
        .expect("runs")
        .outputs
}

/// Output columns for the folded benchmark, written in place as the
/// simulation writes its own.
struct Columns {
    headline: [Vec<f64>; 5],
    nets: Vec<Vec<f64>>,
    payback: [Vec<u16>; 2],
}

impl Columns {
    fn new(draws: usize, agencies: usize) -> Columns {
        Columns {
            headline: std::array::from_fn(|_| vec![0.0; draws]),
            nets: vec![vec![0.0; draws]; agencies],
            payback: [vec![0; draws], vec![0; draws]],
        }
    }
}

/// Evaluates every draw of `inputs` with the folded form in blocks of
/// [`EVAL_BLOCK`] on the current thread pool; `all`: every output, or only
/// the four the NumPy peer computes.
fn evaluate_folded(folded: &Folded, inputs: &[Vec<f64>], out: &mut Columns, all: bool) {
    let [npbi, roi, cashable, nppv, pv_roi] = &mut out.headline;
    let [pay_d, pay_u] = &mut out.payback;
    let mut nets: Vec<_> = out
        .nets
        .iter_mut()
        .map(|c| c.chunks_mut(EVAL_BLOCK))
        .collect();
    let mut blocks = Vec::new();
    for (k, ((((((a, b), c), d), e), f), g)) in npbi
        .chunks_mut(EVAL_BLOCK)
        .zip(roi.chunks_mut(EVAL_BLOCK))
        .zip(cashable.chunks_mut(EVAL_BLOCK))
        .zip(nppv.chunks_mut(EVAL_BLOCK))
        .zip(pv_roi.chunks_mut(EVAL_BLOCK))
        .zip(pay_d.chunks_mut(EVAL_BLOCK))
        .zip(pay_u.chunks_mut(EVAL_BLOCK))
        .enumerate()
    {
        let nets: Vec<&mut [f64]> = nets.iter_mut().map(|c| c.next().unwrap()).collect();
        let sinks = if all {
            Sinks {
                npbi: Some(a),
                financial_roi: Some(b),
                cashable_financial_roi: Some(c),
                nppv: Some(d),
                public_value_roi: Some(e),
                agency_net: nets,
                payback_discounted: Some(f),
                payback_undiscounted: Some(g),
            }
        } else {
            Sinks {
                npbi: Some(a),
                financial_roi: Some(b),
                nppv: Some(d),
                public_value_roi: Some(e),
                ..Sinks::default()
            }
        };
        blocks.push((k, sinks));
    }
    blocks.into_par_iter().for_each_init(
        || folded.scratch(),
        |scratch, (k, mut sinks)| {
            let lo = k * EVAL_BLOCK;
            let hi = (lo + EVAL_BLOCK).min(inputs[0].len());
            let columns: Vec<&[f64]> = inputs.iter().map(|c| &c[lo..hi]).collect();
            folded.evaluate(&columns, &mut sinks, scratch);
        },
    );
}

/// Reads every input column and writes four output columns (the sum of
/// the inputs, four times), in blocks of [`EVAL_BLOCK`]: the memory
/// traffic of the four-output evaluation with almost none of its
/// arithmetic.
fn copy_through(inputs: &[Vec<f64>], out: &mut [Vec<f64>; 5]) {
    let [a, b, _, c, d] = out;
    a.par_chunks_mut(EVAL_BLOCK)
        .zip(b.par_chunks_mut(EVAL_BLOCK))
        .zip(c.par_chunks_mut(EVAL_BLOCK))
        .zip(d.par_chunks_mut(EVAL_BLOCK))
        .enumerate()
        .for_each(|(k, (((a, b), c), d))| {
            let lo = k * EVAL_BLOCK;
            let mut sum = vec![0.0; a.len()];
            for column in inputs {
                for (s, x) in sum.iter_mut().zip(&column[lo..]) {
                    *s += x;
                }
            }
            for out in [a, b, c, d] {
                out.copy_from_slice(&sum);
            }
        });
}

/// The input columns and the four exported outputs (NPBI, NPPV, financial
/// ROI, public value ROI) of an `--export-draws` .npy file: NPY 1.0, one
/// row of little-endian f64s per draw, the inputs then those four.
fn read_npy(path: &str, inputs: usize) -> (Vec<Vec<f64>>, [Vec<f64>; 4]) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00", "{path}: NPY 1.0");
    let header = 10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let text = String::from_utf8_lossy(&bytes[10..header]);
    assert!(
        text.contains("'<f8'") && text.contains("'fortran_order': False"),
        "{text}"
    );
    let width = inputs + 4;
    let values: Vec<f64> = bytes[header..]
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values.len() % width, 0, "{path}: {width} columns");
    let column = |j: usize| values.iter().skip(j).step_by(width).copied().collect();
    (
        (0..inputs).map(column).collect(),
        std::array::from_fn(|k| column(inputs + k)),
    )
}

/// Whether the command line's filter, if any, names `group`.
fn wanted(group: &str) -> bool {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .is_none_or(|f| f.contains(group))
}

fn bench(c: &mut Criterion) {
    let data = ReferenceData::embedded();
    let model = read_toml("family-support.toml", FAMILY, data).expect("the example is valid");
    c.bench_function("evaluate family-support", |b| {
        b.iter(|| evaluate(black_box(&model), data))
    });
    c.bench_function("read, validate and evaluate family-support", |b| {
        b.iter(|| {
            let m = read_toml("family-support.toml", black_box(FAMILY), data).expect("valid");
            evaluate(&m, data)
        })
    });

    let mut kernel = Kernel::new(&model, data);
    let mut nets = vec![0.0; model.agencies.len()];
    let base: Vec<f64> = model
        .uncertain
        .iter()
        .map(|u| u.distribution.central() * u.factor)
        .collect();
    let mut flip = false;
    c.bench_function("kernel: one draw of family-support", |b| {
        b.iter(|| {
            // Change every uncertain input, as a draw does.
            flip = !flip;
            for (u, x) in model.uncertain.iter().zip(&base) {
                kernel.set(&u.target, if flip { x * 1.01 } else { *x });
            }
            kernel.evaluate(black_box(&mut nets))
        })
    });

    folded_evaluation(c);
    parts(c, &model);

    let mut group = c.benchmark_group("simulate family-support 100,000 draws");
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| run(&model, 100_000, threads, false))
        });
    }
    group.finish();
}

/// The folded evaluation alone (see the module documentation).
fn folded_evaluation(c: &mut Criterion) {
    // Nothing to set up (the draws take a while to make) when a filter
    // leaves this out; a filter meant to include it names it.
    if !wanted("folded") {
        return;
    }
    let data = ReferenceData::embedded();
    let (name, model) = match std::env::var("ONEPLACE_BENCH_MODEL") {
        Ok(path) => {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let model = read_toml(&path, &text, data).unwrap_or_else(|e| panic!("{e}"));
            (path, model)
        }
        Err(_) => (
            "family-support".to_string(),
            read_toml("family-support.toml", FAMILY, data).expect("valid"),
        ),
    };
    let folded = folded::compile(&model, data).expect("the model folds");
    let (inputs, exported) = match std::env::var("ONEPLACE_BENCH_DRAWS") {
        Ok(path) => read_npy(&path, model.uncertain.len()),
        Err(_) => {
            let o = run(&model, DRAWS, 2, true);
            (
                o.inputs,
                [o.npbi, o.nppv, o.financial_roi, o.public_value_roi],
            )
        }
    };
    let draws = inputs[0].len();
    let a = folded.arithmetic();
    // For bench/simulate.sh and BENCHMARKS.md.
    println!(
        "folded {name}: {draws} draws; {} products of inputs; {} flops per draw for the four NumPy outputs, {} for every output",
        a.products, a.headline_flops, a.all_flops
    );
    // The outputs evaluated here are those of the run that made the draws
    // (which evaluated them the same way, a block at a time).
    let mut out = Columns::new(draws, model.agencies.len());
    evaluate_folded(&folded, &inputs, &mut out, true);
    let [npbi, roi, _, nppv, pv_roi] = &out.headline;
    for (ours, theirs) in [npbi, nppv, roi, pv_roi].into_iter().zip(&exported) {
        assert!(
            ours.iter()
                .zip(theirs)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "the run's own outputs"
        );
    }

    let mut group = c.benchmark_group("folded");
    group.sample_size(20);
    group.throughput(Throughput::Elements(draws as u64));
    for threads in [2, 1] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        for (what, all) in [("four outputs", false), ("every output", true)] {
            group.bench_function(BenchmarkId::new(what, format!("{threads} threads")), |b| {
                b.iter(|| pool.install(|| evaluate_folded(&folded, &inputs, &mut out, all)))
            });
        }
    }
    // The floor set by memory traffic alone: read every input column and
    // write four output columns, one addition a value, in the same blocks
    // on 2 threads.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool");
    group.bench_function(
        BenchmarkId::new("memory floor, four outputs", "2 threads"),
        |b| b.iter(|| pool.install(|| copy_through(&inputs, &mut out.headline))),
    );
    // Blocks in cache, as in a run, where the draws were just made: one
    // block evaluated again and again by each thread.
    let n = EVAL_BLOCK.min(draws);
    for threads in [1, 2] {
        group.throughput(Throughput::Elements((n * threads) as u64));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        let mut work: Vec<([Vec<f64>; 4], _)> = (0..threads)
            .map(|_| (std::array::from_fn(|_| vec![0.0; n]), folded.scratch()))
            .collect();
        let block: Vec<&[f64]> = inputs.iter().map(|c| &c[..n]).collect();
        group.bench_function(
            BenchmarkId::new("four outputs in cache", format!("{threads} threads")),
            |b| {
                b.iter(|| {
                    pool.install(|| {
                        work.par_iter_mut().for_each(|(four, scratch)| {
                            let [npbi, roi, nppv, pv_roi] = four;
                            let mut sinks = Sinks {
                                npbi: Some(npbi),
                                financial_roi: Some(roi),
                                nppv: Some(nppv),
                                public_value_roi: Some(pv_roi),
                                ..Sinks::default()
                            };
                            folded.evaluate(&block, &mut sinks, scratch);
                        })
                    })
                })
            },
        );
    }
    group.finish();
}

/// The other parts of a run, one at a time.
fn parts(c: &mut Criterion, model: &Model) {
    let mut group = c.benchmark_group("simulation parts");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let mut column = vec![0.0; BLOCK];
    for text in [
        "pert(0.3, 0.45, 0.55)",
        "beta(6, 44)",
        "triangular(1, 1.5, 2.5)",
        "uniform(0.2, 0.4)",
    ] {
        let d = Distribution::parse(text).unwrap().unwrap();
        let (general, column_sampler) = (d.sampler(), ColumnSampler::new(&d));
        // The simulation's generator (each block's seeded from ChaCha8).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        group.bench_function(format!("sample a block, general sampler: {text}"), |b| {
            b.iter(|| {
                for x in column.iter_mut() {
                    *x = general.sample(&mut rng);
                }
            })
        });
        group.bench_function(format!("sample a block, column sampler: {text}"), |b| {
            b.iter(|| column_sampler.fill(&mut column, &mut rng))
        });
    }
    let correlator = Correlator::new(model.uncertain.len(), &model.correlations, BLOCK)
        .unwrap()
        .expect("the example has a correlation");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut columns: Vec<Vec<f64>> = model
        .uncertain
        .iter()
        .map(|u| {
            let mut c = vec![0.0; BLOCK];
            ColumnSampler::new(&u.distribution).fill(&mut c, &mut rng);
            c
        })
        .collect();
    group.bench_function("correlate a block (family-support)", |b| {
        b.iter(|| {
            let mut views: Vec<&mut [f64]> = columns.iter_mut().map(Vec::as_mut_slice).collect();
            correlator.apply(&mut views);
        })
    });
    group.finish();

    if !wanted("report") {
        return;
    }
    let mut group = c.benchmark_group("report family-support 1,000,000 draws");
    group.sample_size(10);
    let outputs = run(model, DRAWS, 2, false);
    for threads in [2, 1] {
        let run = Run {
            requested: DRAWS,
            seed: 1,
            partial: false,
            outputs: outputs.clone(),
            threads: Some(threads),
        };
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| report(model, &run))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
