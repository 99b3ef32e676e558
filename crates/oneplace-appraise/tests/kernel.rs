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

// ---------------------------------------------------------------------------
// The folded block evaluation agrees with the kernel, draw by draw.

use oneplace_appraise::uncertainty::folded::{self, Folded, Sinks};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` draws of every uncertain input, in model units: the first half from
/// the inputs' own distributions, the second anywhere in a wide range (a
/// rate anywhere in 0–1, anything else from 0 to twice its base value), so
/// payback years and signs vary far more than the model's ranges allow.
fn draws(model: &Model, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    model
        .uncertain
        .iter()
        .map(|u| {
            let sampler = u.distribution.sampler();
            let base = params::get(model, &u.target);
            let (low, high) = params::bounds(model, &u.target);
            (0..n)
                .map(|j| {
                    if j < n / 2 {
                        sampler.sample(&mut rng) * u.factor
                    } else if low.is_finite() && high.is_finite() {
                        low + (high - low) * rng.random::<f64>()
                    } else {
                        base * 2.0 * rng.random::<f64>()
                    }
                })
                .collect()
        })
        .collect()
}

/// Evaluates `columns` with the folded form (into every output) and with
/// the kernel draw by draw, and holds them to the same figures; returns the
/// draws whose payback the folded form handed to the kernel.
fn folded_matches_kernel(
    model: &Model,
    folded: &Folded,
    columns: &[Vec<f64>],
    what: &str,
) -> usize {
    let data = ReferenceData::embedded();
    let n = columns[0].len();
    let agencies = model.agencies.len();
    let mut headline = vec![vec![0.0; n]; 5];
    let mut nets = vec![vec![0.0; n]; agencies];
    let (mut pay_d, mut pay_u) = (vec![0u16; n], vec![0u16; n]);
    let mut scratch = folded.scratch();
    {
        let [npbi, roi, cashable, nppv, pv_roi] = &mut headline[..] else {
            unreachable!()
        };
        let mut sinks = Sinks {
            npbi: Some(npbi),
            financial_roi: Some(roi),
            cashable_financial_roi: Some(cashable),
            nppv: Some(nppv),
            public_value_roi: Some(pv_roi),
            agency_net: nets.iter_mut().map(Vec::as_mut_slice).collect(),
            payback_discounted: Some(&mut pay_d),
            payback_undiscounted: Some(&mut pay_u),
        };
        let inputs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        folded.evaluate(&inputs, &mut sinks, &mut scratch);
    }
    let mut kernel = Kernel::new(model, data);
    let mut kernel_nets = vec![0.0; agencies];
    let close = |a: f64, b: f64, what: &str| {
        if !(a.is_nan() && b.is_nan()) {
            same(a, b, what);
        }
    };
    for j in 0..n {
        for (u, column) in model.uncertain.iter().zip(columns) {
            kernel.set(&u.target, column[j]);
        }
        let h = kernel.evaluate(&mut kernel_nets);
        let at = |name: &str| format!("{what}, draw {j}: {name}");
        close(h.npbi, headline[0][j], &at("npbi"));
        close(h.financial_roi, headline[1][j], &at("financial roi"));
        close(
            h.cashable_financial_roi,
            headline[2][j],
            &at("cashable roi"),
        );
        close(h.nppv, headline[3][j], &at("nppv"));
        close(h.public_value_roi, headline[4][j], &at("public value roi"));
        for (a, net) in kernel_nets.iter().enumerate() {
            close(*net, nets[a][j], &at(&model.agencies[a].id));
        }
        let never = |p: Option<u16>| p.unwrap_or(u16::MAX);
        assert_eq!(never(h.payback_discounted), pay_d[j], "{}", at("payback"));
        assert_eq!(never(h.payback_undiscounted), pay_u[j], "{}", at("payback"));
    }
    scratch.fallbacks()
}

#[test]
fn folded_matches_the_kernel_on_every_example_with_uncertain_inputs() {
    let data = ReferenceData::embedded();
    let mut compiled = Vec::new();
    for name in EXAMPLES {
        let model = load(name);
        if model.uncertain.is_empty() {
            continue;
        }
        let folded = folded::compile(&model, data)
            .unwrap_or_else(|| panic!("{name}: every input of the examples folds"));
        // 5,000 draws: several chunks and a part chunk.
        folded_matches_kernel(&model, &folded, &draws(&model, 5000, 17), name);
        compiled.push(name);
    }
    assert!(compiled.contains(&"family-support"), "{compiled:?}");
}

/// Every kind of input that folds, drawn: cost years one by one and over
/// a phase (in another price year, so with a conversion factor), a cost
/// scale, starters by year and in a start year, every rate, a profile
/// year, cashable shares by agency and for all, a quantity, a unit value in
/// another price year and a unit-value scale; with transfers, health
/// discounting and several agencies.
const FOLDING: &str = r#"
[appraisal]
name = "Folding"
first_year = "2015/16"
years = 6
[[optimism_bias.grade]]
grade = 1
cost_uplift = 0
benefit_reduction = 0
[[optimism_bias.grade]]
grade = 2
cost_uplift = "10%"
benefit_reduction = "20%"
[[agency]]
id = "council"
kind = "local-authority"
[[agency]]
id = "police"
kind = "police"
[[agency]]
id = "icb"
kind = "icb"
[[agency]]
id = "dwp"
kind = "dwp"
contributes = false

[[cost]]
id = "team"
agency = "council"
type = "revenue"
confidence = 2
scale = "pert(0.9, 1, 1.3)"
price_year = "2013/14"
  [[cost.phase]]
  from = 0
  to = 2
  annual = "uniform(90000, 110000)"
  [[cost.phase]]
  from = 3
  to = 5
  annual = 20000

[[cost]]
id = "fit-out"
agency = "council"
type = "capital"
price_year = "2013/14"
amounts = ["triangular(40000, 50000, 70000)", 0, "uniform(0, 5000)"]
confidence = 1

[[cost]]
id = "officers"
agency = "police"
type = "in_kind"
amounts = [15000, "pert(10000, 15000, 20000)"]
confidence = 2

[[outcome]]
id = "work"
cohort = ["pert(40, 50, 60)", 50, "uniform(20, 60)"]
engagement = "pert(0.6, 0.8, 0.9)"
success = 0.4
deadweight = "uniform(0.1, 0.3)"
displacement = "uniform(0, 0.1)"
leakage = "triangular(0, 0.05, 0.1)"
profile = [1, "uniform(0.5, 0.9)", 0.5]
confidence = 2
cashable = { icb = "uniform(0, 0.5)", dwp = 0 }
  [[outcome.value]]
  ucd = "E&E1.0"
  kinds = ["fiscal", "economic"]
  quantity = "triangular(0.8, 1, 1.5)"
  shares = { dwp = 0.9, icb = 0.1 }
  transfer = ["dwp"]

[[outcome]]
id = "safer"
cohort = "pert(30, 40, 45)"
start = "2016/17"
engagement = 1
success = "beta(4, 6)"
lag = 1
duration = 3
confidence = 1
health_discounting = true
cashable = "uniform(0.05, 0.2)"
  [[outcome.value]]
  ucd = "CR2.0"
  kinds = ["fiscal", "social"]
  quantity = 1.5
  shares = { police = 0.6, icb = 0.3, council = 0.1 }
  [[outcome.value]]
  label = "wellbeing"
  social = "normal(300, 50, 100, 500)"
  scale = "uniform(0.8, 1.2)"
  price_year = "2014/15"
  confidence = 2
  allow_overlap = "wellbeing is measured apart from the incident's social cost"
"#;

#[test]
fn folded_matches_the_kernel_on_every_kind_of_foldable_input() {
    let data = ReferenceData::embedded();
    let model = read_toml("folding.toml", FOLDING, data).unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<String> = model.uncertain.iter().map(|u| u.path.clone()).collect();
    for wanted in [
        "cost.team[2015/16..2017/18]",
        "cost.fit-out[2015/16]",
        "cost.team.scale",
        "outcome.work.cohort[2017/18]",
        "outcome.safer.cohort[2016/17]",
        "outcome.work.profile[1]",
        "outcome.work.cashable.icb",
        "outcome.safer.cashable",
        "outcome.work.value[1].quantity",
        "outcome.safer.value[2].social",
        "outcome.safer.value[2].scale",
    ] {
        assert!(kinds.iter().any(|k| k == wanted), "{wanted} in {kinds:?}");
    }
    assert!(
        model.uncertain.iter().any(|u| u.factor != 1.0),
        "a draw converted from another price year"
    );
    let folded = folded::compile(&model, data).expect("every input folds");
    folded_matches_kernel(&model, &folded, &draws(&model, 3000, 5), "folding");
}

#[test]
fn a_drawn_drop_off_does_not_fold() {
    let data = ReferenceData::embedded();
    let text = FOLDING.replace("lag = 1\n", "lag = 1\ndrop_off = \"uniform(0.1, 0.3)\"\n");
    let model = read_toml("drop.toml", &text, data).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        model
            .uncertain
            .iter()
            .any(|u| u.path == "outcome.safer.drop_off")
    );
    assert!(folded::compile(&model, data).is_none());
    // Without it, the same model folds.
    let model = read_toml("folding.toml", FOLDING, data).unwrap();
    assert!(folded::compile(&model, data).is_some());
}

#[test]
fn a_payback_tie_is_settled_by_the_kernel() {
    // £1,000 of cost and exactly £1,000 of fiscal benefit in year 0 (10
    // starters × £100), whatever the drawn economic value: the cumulative
    // net flow is exactly zero, so payback is year 0 by the kernel's test
    // (≥ 0), and the folded form must not decide it by its own rounding.
    let text = r#"
[appraisal]
name = "Tie"
first_year = "2015/16"
years = 3
[[optimism_bias.grade]]
grade = 1
cost_uplift = 0
benefit_reduction = 0
[[agency]]
id = "council"
kind = "county-council"
[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = [1000]
confidence = 1
[[outcome]]
id = "o"
cohort = 10
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  fiscal = 100
  economic = "uniform(0, 50)"
"#;
    let data = ReferenceData::embedded();
    let model = read_toml("tie.toml", text, data).unwrap();
    let folded = folded::compile(&model, data).unwrap();
    let columns = draws(&model, 600, 3);
    let fallbacks = folded_matches_kernel(&model, &folded, &columns, "tie");
    assert_eq!(fallbacks, 600, "every draw is a tie");
    // And away from a tie the folded form decides alone.
    let text = text.replace("amounts = [1000]", "amounts = [1200]");
    let model = read_toml("no-tie.toml", &text, data).unwrap();
    let folded = folded::compile(&model, data).unwrap();
    assert_eq!(
        folded_matches_kernel(&model, &folded, &columns, "no tie"),
        0
    );
    // A benefit before any cost is no payback: year 0 gains £1,000, year 1
    // spends £1,200, so the programme never pays back.
    let text = text.replace("amounts = [1200]", "amounts = [0, 1200]");
    let model = read_toml("late-cost.toml", &text, data).unwrap();
    let folded = folded::compile(&model, data).unwrap();
    folded_matches_kernel(&model, &folded, &columns, "late cost");
}
