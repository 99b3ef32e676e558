//! Deterministic evaluation of the largest example.
//!
//! `cargo bench -p oneplace-appraise --bench evaluate`
//!
//! Two measurements: evaluation alone (a validated model in, the whole
//! appraisal out: totals, agencies, matrix, fair split, year table), and
//! reading + validating + evaluating from TOML text, which is what a user
//! waits for on every edit.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
