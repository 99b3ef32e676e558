//! The simulation kernel agrees with the full evaluation, on every example
//! and after changing any input.

use oneplace_appraise::uncertainty::kernel::Kernel;
use oneplace_appraise::{Appraisal, Model, evaluate, params, read_toml};
use oneplace_refdata::ReferenceData;

fn load(name: &str) -> Model {
    let path = format!("{}/../../examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    read_toml(name, &text, ReferenceData::embedded()).unwrap_or_else(|e| panic!("{e}"))
}

fn same(a: f64, b: f64, what: &str) {
    let scale = a.abs().max(b.abs()).max(1.0);
    assert!(
        (a - b).abs() <= 1e-9 * scale,
        "{what}: full {a}, kernel {b}"
    );
}

fn compare(full: &Appraisal, kernel: &mut Kernel, what: &str) {
    let mut nets = vec![0.0; kernel.agencies()];
    let h = kernel.evaluate(&mut nets);
    same(full.npbi, h.npbi, &format!("{what} npbi"));
    same(full.nppv, h.nppv, &format!("{what} nppv"));
    same(
        full.financial_roi.unwrap(),
        h.financial_roi,
        &format!("{what} roi"),
    );
    same(
        full.public_value_roi.unwrap(),
        h.public_value_roi,
        &format!("{what} pv roi"),
    );
    same(
        full.cashable_financial_roi.unwrap(),
        h.cashable_financial_roi,
        &format!("{what} cashable roi"),
    );
    assert_eq!(
        full.payback_year_discounted.map(|y| y as u16),
        h.payback_discounted,
        "{what}"
    );
    assert_eq!(
        full.payback_year_undiscounted.map(|y| y as u16),
        h.payback_undiscounted,
        "{what}"
    );
    for (a, n) in full.agencies.iter().zip(&nets) {
        same(a.net, *n, &format!("{what} {}", a.agency));
    }
}

const EXAMPLES: [&str; 4] = [
    "family-support",
    "employment-skills",
    "integrated-care",
    "domestic-abuse",
];

#[test]
fn kernel_matches_the_full_evaluation_on_every_example() {
    let data = ReferenceData::embedded();
    for name in EXAMPLES {
        let model = load(name);
        let mut kernel = Kernel::new(&model, data);
        compare(&evaluate(&model, data), &mut kernel, name);
    }
}

#[test]
fn kernel_matches_after_changing_any_input() {
    let data = ReferenceData::embedded();
    // A small deterministic generator: the test must not depend on rand's
    // stream.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut uniform = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for name in EXAMPLES {
        let mut model = load(name);
        let mut kernel = Kernel::new(&model, data);
        for target in params::every_target(&model) {
            let (low, high) = params::bounds(&model, &target);
            let value = params::get(&model, &target);
            let x = if high.is_finite() && low.is_finite() {
                low + (high - low) * uniform()
            } else {
                value.abs().max(1.0) * (0.5 + uniform())
            };
            params::apply(&mut model, &target, x);
            kernel.set(&target, x);
            let what = format!("{name} {}", params::path(&model, &target));
            compare(&evaluate(&model, data), &mut kernel, &what);
        }
    }
}
