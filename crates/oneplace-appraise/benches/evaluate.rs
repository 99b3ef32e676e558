//! Deterministic evaluation and Monte Carlo simulation of the largest
//! example.
//!
//! `cargo bench -p oneplace-appraise --bench evaluate`
//!
//! * evaluation alone (a validated model in, the whole appraisal out:
//!   totals, agencies, matrix, fair split, year table);
//! * reading + validating + evaluating from TOML text, which is what a user
//!   waits for on every edit;
//! * one draw of the simulation kernel (set the uncertain inputs, evaluate
//!   the headline figures);
//! * 100,000 draws end to end (sampling, correlation, evaluation), on one
//!   thread and on all.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use oneplace_appraise::uncertainty::kernel::Kernel;
use oneplace_appraise::uncertainty::simulate::{Options, simulate};
use oneplace_appraise::{evaluate, read_toml};
use oneplace_refdata::ReferenceData;

const FAMILY: &str = include_str!("../../../examples/family-support.toml");

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

    let mut group = c.benchmark_group("simulate family-support 100,000 draws");
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| {
                let options = Options {
                    draws: 100_000,
                    seed: 1,
                    threads: Some(threads),
                    keep_inputs: false,
                };
                simulate(&model, data, &options, &|_| {}, &AtomicBool::new(false)).expect("runs")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
