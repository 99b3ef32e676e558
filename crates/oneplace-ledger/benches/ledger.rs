//! Loading synthetic ledgers: parse, book and check every rule, then the
//! balance report (what `hledger bal` computes).
//!
//! `cargo bench -p oneplace-ledger --bench ledger` measures 100,000
//! postings; with `ONEPLACE_BENCH_BIG=1`, 1,000,000 too. Each size is
//! measured three ways: load alone, the balance report of a loaded ledger,
//! and load + balance report together (the figure `bench/ledger.sh`
//! compares with hledger and ledger-cli, which also read and check their
//! journal and print the balances).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use oneplace_ledger::balances::balance_report;
use oneplace_ledger::{Journal, load, synth};

fn bench(c: &mut Criterion) {
    let mut sizes = vec![100_000];
    if std::env::var("ONEPLACE_BENCH_BIG").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    let mut group = c.benchmark_group("ledger");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for postings in sizes {
        let text = synth::synthesize(postings, 1);
        let journal = [Journal {
            name: "synthetic.journal",
            text: &text,
        }];
        let ledger = load(&journal).expect("a synthetic ledger loads");
        group.throughput(Throughput::Elements(ledger.postings.len() as u64));
        group.bench_with_input(BenchmarkId::new("load", postings), &journal, |b, j| {
            b.iter(|| load(black_box(j)).expect("loads"))
        });
        group.bench_with_input(BenchmarkId::new("balance", postings), &ledger, |b, l| {
            b.iter(|| balance_report(black_box(l)))
        });
        group.bench_with_input(
            BenchmarkId::new("load+balance", postings),
            &journal,
            |b, j| b.iter(|| balance_report(&load(black_box(j)).expect("loads"))),
        );
        group.bench_with_input(
            BenchmarkId::new("synthesize", postings),
            &postings,
            |b, &n| b.iter(|| synth::synthesize(black_box(n), 1)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
