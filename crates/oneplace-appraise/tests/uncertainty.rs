//! Simulation and sensitivity with known answers: models simple enough that
//! the distribution of the result, and every switching value, can be worked
//! out by hand.

use std::sync::atomic::AtomicBool;

use oneplace_appraise::uncertainty::correlation::rank_correlation;
use oneplace_appraise::uncertainty::folded;
use oneplace_appraise::uncertainty::kernel::Kernel;
use oneplace_appraise::uncertainty::sensitivity::{self, Method};
use oneplace_appraise::uncertainty::simulate::{NEVER, Options, Run, report, simulate};
use oneplace_appraise::{Model, params, read_toml};
use oneplace_refdata::ReferenceData;

fn model(success: &str, extra: &str) -> Model {
    // One year; 100 starters, all engaged; each success saves the council
    // £50; the council pays £1,500. No optimism bias. So
    // NPPV = NPBI = 100 × success × 50 − 1,500 = 5,000 × success − 1,500.
    let text = format!(
        r#"
[appraisal]
name = "Linear"
first_year = "2015/16"
years = 1
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
amounts = [1500]
confidence = 1
[[outcome]]
id = "o"
cohort = 100
engagement = 1
success = "{success}"
confidence = 1
  [[outcome.value]]
  fiscal = 50
{extra}
"#
    );
    read_toml("linear.toml", &text, ReferenceData::embedded()).unwrap_or_else(|e| panic!("{e}"))
}

fn run(model: &Model, draws: usize, seed: u64, threads: Option<usize>, keep: bool) -> Run {
    let options = Options {
        draws,
        seed,
        threads,
        keep_inputs: keep,
    };
    simulate(
        model,
        ReferenceData::embedded(),
        &options,
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap()
}

#[test]
fn linear_in_one_uniform_input() {
    // success ~ U(0.2, 0.6), so NPPV = 5,000 s − 1,500 is uniform on
    // [−500, 1,500]: mean 500, sd 2,000/√12 = 577.35, P10 = −300,
    // P50 = 500, P90 = 1,300, P(NPPV < 0) = P(s < 0.3) = 0.25.
    let m = model("uniform(0.2, 0.6)", "");
    let n = 100_000;
    let r = report(&m, &run(&m, n, 42, None, false));
    assert_eq!(r.draws, n);
    let s = &r.nppv;
    let sd = 2000.0 / 12f64.sqrt();
    assert!(
        (s.mean - 500.0).abs() < 4.0 * sd / (n as f64).sqrt(),
        "{}",
        s.mean
    );
    assert!((s.sd / sd - 1.0).abs() < 0.01, "{}", s.sd);
    // A quantile's standard error is √(p(1−p)/n) / density; density 1/2,000.
    let q_se = |p: f64| (p * (1.0 - p) / n as f64).sqrt() * 2000.0;
    assert!((s.p10 + 300.0).abs() < 4.0 * q_se(0.1), "{}", s.p10);
    assert!((s.p50 - 500.0).abs() < 4.0 * q_se(0.5), "{}", s.p50);
    assert!((s.p90 - 1300.0).abs() < 4.0 * q_se(0.9), "{}", s.p90);
    assert!((s.p5 + 400.0).abs() < 4.0 * q_se(0.05), "{}", s.p5);
    assert!((s.p95 - 1400.0).abs() < 4.0 * q_se(0.95), "{}", s.p95);
    assert!((s.probability_below - 0.25).abs() < 4.0 * (0.25f64 * 0.75 / n as f64).sqrt());
    assert!((s.standard_error - s.sd / (n as f64).sqrt()).abs() < 1e-12);
    assert!(s.min >= -500.0 && s.max <= 1500.0);
    // The financial case is the same here, and the ROI is 10 s / 3.
    assert_eq!(r.npbi.mean, s.mean);
    assert!((r.financial_roi.mean - (10.0 * 0.4 / 3.0)).abs() < 0.01);
    // The council's net position is the whole NPPV.
    assert_eq!(r.agencies[0].net.p50, s.p50);
    // Payback: year 0 when 5,000 s ≥ 1,500, so 75% of draws.
    let y0 = r
        .payback_undiscounted
        .by_year
        .iter()
        .find(|y| y.year == 0)
        .unwrap();
    assert!((y0.share - 0.75).abs() < 0.01);
    assert!((r.payback_undiscounted.never - 0.25).abs() < 0.01);
    assert_eq!(
        r.nppv.histogram.iter().map(|b| b.count).sum::<u64>(),
        n as u64
    );
}

#[test]
fn triangular_input_moments_converge_to_the_closed_form() {
    // Triangular(0.2, 0.3, 0.7): mean 0.4, variance (0.04 + 0.09 + 0.49 −
    // 0.06 − 0.14 − 0.21) / 18 = 0.21 / 18.
    let m = model("triangular(0.2, 0.3, 0.7)", "");
    let n = 200_000;
    let run = run(&m, n, 7, None, true);
    let draws = &run.outputs.inputs[0];
    let mean = draws.iter().sum::<f64>() / n as f64;
    let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let true_var = 0.21 / 18.0;
    assert!(
        (mean - 0.4).abs() < 4.0 * (true_var / n as f64).sqrt(),
        "{mean}"
    );
    assert!((var / true_var - 1.0).abs() < 0.02, "{var}");
    // And the output follows: mean NPPV = 5,000 × 0.4 − 1,500 = 500.
    let r = report(&m, &run);
    assert!((r.nppv.mean - 500.0).abs() < 4.0 * 5000.0 * (true_var / n as f64).sqrt());
}

#[test]
fn the_same_seed_gives_the_same_results_whatever_the_threads() {
    let m = model("pert(0.2, 0.3, 0.6)", "");
    // 10,000 draws: two full blocks and a part block.
    let one = run(&m, 10_000, 99, Some(1), true);
    let two = run(&m, 10_000, 99, Some(2), true);
    let many = run(&m, 10_000, 99, Some(5), true);
    assert_eq!(one.outputs.nppv, two.outputs.nppv);
    assert_eq!(one.outputs.nppv, many.outputs.nppv);
    assert_eq!(one.outputs.inputs, many.outputs.inputs);
    assert_eq!(
        one.outputs.payback_discounted,
        two.outputs.payback_discounted
    );
    let other = run(&m, 10_000, 100, Some(2), false);
    assert_ne!(
        one.outputs.nppv, other.outputs.nppv,
        "another seed, other draws"
    );
    // A longer run with the same seed starts with the same draws.
    let longer = run(&m, 12_000, 99, Some(2), false);
    assert_eq!(&longer.outputs.nppv[..8192], &one.outputs.nppv[..8192]);

    // Every output of the largest example (correlated inputs, six
    // agencies, payback), on one thread and on three.
    let m = family_support(|t| t);
    let (a, b) = (
        run(&m, 9_000, 4, Some(1), true),
        run(&m, 9_000, 4, Some(3), true),
    );
    let (a, b) = (&a.outputs, &b.outputs);
    assert_eq!(a.inputs, b.inputs);
    assert_eq!(a.npbi, b.npbi);
    assert_eq!(a.financial_roi, b.financial_roi);
    assert_eq!(a.cashable_financial_roi, b.cashable_financial_roi);
    assert_eq!(a.nppv, b.nppv);
    assert_eq!(a.public_value_roi, b.public_value_roi);
    assert_eq!(a.agency_net, b.agency_net);
    assert_eq!(a.payback_discounted, b.payback_discounted);
    assert_eq!(a.payback_undiscounted, b.payback_undiscounted);
}

#[test]
fn correlated_inputs_move_together() {
    let m = model(
        "uniform(0.2, 0.6)",
        r#"  [[outcome.value]]
  fiscal = 10
  quantity = "uniform(1, 3)"
[[correlation]]
inputs = ["outcome.o.success", "outcome.o.value[2].quantity"]
rank = 0.8
"#,
    );
    let r = run(&m, 40_000, 3, None, true);
    let rho = rank_correlation(&r.outputs.inputs[0], &r.outputs.inputs[1]);
    assert!((rho - 0.8).abs() < 0.02, "{rho}");
}

#[test]
fn stopping_early_returns_partial_results() {
    let m = model("uniform(0.2, 0.6)", "");
    let options = Options {
        draws: 50_000,
        seed: 1,
        threads: Some(1),
        keep_inputs: false,
    };
    let stop = AtomicBool::new(false);
    let progress = |done: usize| {
        if done >= 8192 {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let r = simulate(&m, ReferenceData::embedded(), &options, &progress, &stop).unwrap();
    assert!(r.partial);
    assert!(
        r.outputs.len() >= 8192 && r.outputs.len() < 50_000,
        "{}",
        r.outputs.len()
    );
    assert_eq!(report(&m, &r).draws, r.outputs.len());
    // On one thread the blocks finish in order: what is kept is the start
    // of the full run, and the memory reported is what is held.
    let full = run(&m, 50_000, 1, Some(1), false);
    let n = r.outputs.len();
    assert_eq!(r.outputs.nppv, full.outputs.nppv[..n]);
    assert_eq!(
        r.outputs.payback_discounted,
        full.outputs.payback_discounted[..n]
    );
    assert_eq!(r.outputs.bytes(), n * (8 * 6 + 4));
    assert_eq!(r.outputs.agency_net[0].capacity(), n);
}

fn family_support(edit: impl Fn(String) -> String) -> Model {
    let text = include_str!("../../../examples/family-support.toml").to_string();
    read_toml(
        "family-support.toml",
        &edit(text),
        ReferenceData::embedded(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Re-evaluates every draw of a run from its kept inputs with the kernel,
/// and returns the largest difference in any figure relative to its size
/// (at least 1), after checking the payback years are the same.
fn largest_difference_from_the_kernel(model: &Model, run: &Run) -> f64 {
    let o = &run.outputs;
    let mut kernel = Kernel::new(model, ReferenceData::embedded());
    let mut nets = vec![0.0; model.agencies.len()];
    let mut worst: f64 = 0.0;
    let mut differ = |a: f64, b: f64| {
        if !(a.is_nan() && b.is_nan()) {
            worst = worst.max((a - b).abs() / a.abs().max(b.abs()).max(1.0));
        }
    };
    for j in 0..o.len() {
        for (u, column) in model.uncertain.iter().zip(&o.inputs) {
            kernel.set(&u.target, column[j]);
        }
        let h = kernel.evaluate(&mut nets);
        differ(h.npbi, o.npbi[j]);
        differ(h.financial_roi, o.financial_roi[j]);
        differ(h.cashable_financial_roi, o.cashable_financial_roi[j]);
        differ(h.nppv, o.nppv[j]);
        differ(h.public_value_roi, o.public_value_roi[j]);
        for (net, column) in nets.iter().zip(&o.agency_net) {
            differ(*net, column[j]);
        }
        assert_eq!(
            h.payback_discounted.unwrap_or(NEVER),
            o.payback_discounted[j]
        );
        assert_eq!(
            h.payback_undiscounted.unwrap_or(NEVER),
            o.payback_undiscounted[j]
        );
    }
    worst
}

#[test]
fn every_draw_is_the_evaluation_of_its_own_inputs() {
    // The example folds: its figures agree with the kernel's to rounding.
    let m = family_support(|t| t);
    assert!(folded::compile(&m, ReferenceData::embedded()).is_some());
    let r = run(&m, 10_000, 8, Some(2), true);
    let worst = largest_difference_from_the_kernel(&m, &r);
    assert!(worst < 1e-9, "{worst}");
    // Payback varies between draws, so comparing it means something.
    assert!(
        r.outputs
            .payback_discounted
            .iter()
            .any(|p| *p != r.outputs.payback_discounted[0])
    );

    // A drawn drop-off does not fold: the kernel evaluates every draw, so
    // the figures are the kernel's exactly.
    let m = family_support(|t| t.replacen("drop_off = 0.3", "drop_off = \"uniform(0.2, 0.4)\"", 1));
    assert!(m.uncertain.iter().any(|u| u.path.ends_with("drop_off")));
    assert!(folded::compile(&m, ReferenceData::embedded()).is_none());
    let r = run(&m, 5_000, 8, Some(2), true);
    assert_eq!(largest_difference_from_the_kernel(&m, &r), 0.0);
}

#[test]
fn correlated_inputs_move_together_and_the_others_stay_independent() {
    // The example correlates two successes out of nine inputs: the pair's
    // ranks follow the target, the others' follow neither.
    let m = family_support(|t| t);
    let r = run(&m, 40_000, 21, None, true);
    let index = |path: &str| m.uncertain.iter().position(|u| u.path == path).unwrap();
    let inputs = &r.outputs.inputs;
    let (a, b) = (
        index("outcome.less-anti-social-behaviour.success"),
        index("outcome.less-crime.success"),
    );
    let rho = rank_correlation(&inputs[a], &inputs[b]);
    // Iman–Conover with normal scores sets the scores' correlation to the
    // target; the ranks' then comes out at (6/π) asin(ρ/2), 0.582 for 0.6.
    let expected = 6.0 / std::f64::consts::PI * (0.3f64).asin();
    assert!((rho - expected).abs() < 0.01, "{rho}");
    let c = index("outcome.less-crime.value[1].quantity");
    for other in [a, b] {
        let rho = rank_correlation(&inputs[c], &inputs[other]);
        assert!(rho.abs() < 0.03, "{rho}");
    }
}

#[test]
fn switching_values_match_the_closed_form() {
    // Base: success 0.4 (the uniform's mean), NPPV = 5,000 × 0.4 − 1,500 = 500.
    let m = model("uniform(0.2, 0.6)", "");
    let data = ReferenceData::embedded();
    let sv = |path: &str| {
        let p = params::find(&m, path).unwrap();
        sensitivity::switching_value(&m, data, &p)
    };
    // 5,000 s − 1,500 = 0 at s = 0.3.
    let s = sv("outcome.o.success");
    assert_eq!(s.nppv.method, Some(Method::Exact));
    assert!((s.nppv.value.unwrap() - 0.3).abs() < 1e-12);
    assert!((s.nppv.change.unwrap() + 0.25).abs() < 1e-12);
    // Costs × k: 2,000 − 1,500 k = 0 at k = 4/3.
    assert!((sv("cost.c.scale").nppv.value.unwrap() - 4.0 / 3.0).abs() < 1e-12);
    // Unit value u: 40 u − 1,500 = 0 at u = 37.5.
    assert!((sv("outcome.o.value[1].fiscal").nppv.value.unwrap() - 37.5).abs() < 1e-12);
    // Deadweight d: 2,000 (1 − d) − 1,500 = 0 at d = 0.25.
    assert!((sv("outcome.o.deadweight").nppv.value.unwrap() - 0.25).abs() < 1e-12);
    // Engagement e: 2,000 e − 1,500 = 0 at e = 0.75.
    assert!((sv("outcome.o.engagement").npbi.value.unwrap() - 0.75).abs() < 1e-12);
    // Starters × k: 2,000 k = 1,500.
    assert!((sv("outcome.o.cohort.scale").nppv.value.unwrap() - 0.75).abs() < 1e-12);
}

#[test]
fn switching_value_of_a_nonlinear_input_is_bracketed() {
    // Three years, benefit £2,000 in year 0 falling by drop-off x a year,
    // costs £4,000: 2,000 (1 + y/1.035 + y²/1.035²) = 4,000 with y = 1 − x.
    // With z = y/1.035: z² + z − 1 = 0, z = (√5 − 1)/2, so
    // x = 1 − 1.035 (√5 − 1)/2 = 0.360335…
    let text = r#"
[appraisal]
name = "Drop-off"
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
amounts = [4000]
confidence = 1
[[outcome]]
id = "o"
cohort = 40
engagement = 1
success = 1
duration = 3
drop_off = 0.2
confidence = 1
  [[outcome.value]]
  fiscal = 50
"#;
    let data = ReferenceData::embedded();
    let m = read_toml("d.toml", text, data).unwrap();
    let p = params::find(&m, "outcome.o.drop_off").unwrap();
    let s = sensitivity::switching_value(&m, data, &p);
    let expected = 1.0 - 1.035 * (5f64.sqrt() - 1.0) / 2.0;
    assert_eq!(s.nppv.method, Some(Method::Bracketed));
    assert!(
        (s.nppv.value.unwrap() - expected).abs() < 1e-9,
        "{:?}",
        s.nppv
    );
    // A cashable share changes no net present value.
    let p = params::find(&m, "outcome.o.cashable").unwrap();
    let s = sensitivity::switching_value(&m, data, &p);
    assert_eq!(s.nppv.value, None);
    assert!(s.nppv.note.unwrap().contains("does not depend"));
    // Starters would have to be negative to switch: none in range.
    let text2 = text.replace("amounts = [4000]", "amounts = [-10]");
    let m2 = read_toml("d.toml", &text2, data).unwrap();
    let p = params::find(&m2, "outcome.o.cohort.scale").unwrap();
    let s = sensitivity::switching_value(&m2, data, &p);
    assert_eq!(s.nppv.value, None);
    assert!(
        s.nppv
            .note
            .unwrap()
            .starts_with("none in range (it would take -")
    );
}

#[test]
fn tornado_orders_inputs_by_swing() {
    let m = model(
        "uniform(0.2, 0.6)",
        r#"  [[outcome.value]]
  fiscal = 1
  quantity = "uniform(0, 10)"
"#,
    );
    let bars = sensitivity::tornado(&m, ReferenceData::embedded());
    assert_eq!(bars.len(), 2);
    // Success P10/P90 = 0.24/0.56: NPPV moves by (0.56 − 0.24) × (5,000 +
    // 100 × 1 × 5) = 1,760. Quantity P10/P90 = 1/9: 0.4 × 100 × 8 = 320.
    assert_eq!(bars[0].input, "outcome.o.success");
    assert!((bars[0].swing - 1760.0).abs() < 1e-9, "{}", bars[0].swing);
    assert!((bars[1].swing - 320.0).abs() < 1e-9, "{}", bars[1].swing);
    assert!((bars[0].low - 0.24).abs() < 1e-12 && (bars[0].high - 0.56).abs() < 1e-12);
}

#[test]
fn scenarios_side_by_side() {
    let m = model(
        "uniform(0.2, 0.6)",
        r#"[[scenario]]
name = "Break-even"
[scenario.set]
"outcome.o.success" = "30%"
[[scenario]]
name = "Dearer"
[scenario.set]
"cost.c.scale" = 1.2
"cost.c[2015/16]" = 2000
"#,
    );
    let results = sensitivity::scenarios(&m, ReferenceData::embedded());
    assert_eq!(results[0].name, "Break-even");
    assert!(results[0].result.nppv.abs() < 1e-9);
    // 2,000 × 1.2 = 2,400 of cost against 2,000 of benefit.
    assert!((results[1].result.nppv + 400.0).abs() < 1e-9);
}

#[test]
fn long_appraisals_get_the_no_pure_time_preference_test() {
    // £1,000 of benefit in year 40 only, no cost to speak of: the test's
    // schedule discounts it by 1.03^30 × 1.0257^10 instead of
    // 1.035^30 × 1.03^10.
    let text = r#"
[appraisal]
name = "Long"
first_year = "2015/16"
years = 60
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
amounts = [1]
confidence = 1
[[outcome]]
id = "o"
cohort = 1
engagement = 1
success = 1
lag = 40
confidence = 1
  [[outcome.value]]
  economic = 1000
"#;
    let data = ReferenceData::embedded();
    let m = read_toml("l.toml", text, data).unwrap();
    let t = sensitivity::no_pure_time_preference(&m, data).unwrap();
    let standard = 1000.0 / (1.035f64.powi(30) * 1.03f64.powi(10)) - 1.0;
    let npt = 1000.0 / (1.03f64.powi(30) * 1.0257f64.powi(10)) - 1.0;
    assert!((t.base.nppv - standard).abs() < 1e-9);
    assert!((t.without_pure_time_preference.nppv - npt).abs() < 1e-9);
    // Not run for 50 years or fewer.
    let short = read_toml("s.toml", &text.replace("years = 60", "years = 50"), data).unwrap();
    assert!(sensitivity::no_pure_time_preference(&short, data).is_none());
}

fn error_for(success: &str, extra: &str) -> String {
    let text = format!(
        "[appraisal]\nname = \"x\"\nfirst_year = \"2015/16\"\nyears = 1\n[[agency]]\nid = \"council\"\nkind = \"county-council\"\n[[cost]]\nid = \"c\"\nagency = \"council\"\ntype = \"revenue\"\namounts = [1500]\nconfidence = 1\n[[outcome]]\nid = \"o\"\ncohort = 100\nengagement = 1\nsuccess = \"{success}\"\nconfidence = 1\n  [[outcome.value]]\n  fiscal = 50\n{extra}"
    );
    read_toml("u.toml", &text, ReferenceData::embedded())
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string())
}

#[test]
fn impossible_distributions_are_refused_with_their_place() {
    assert_eq!(
        error_for("triangular(0.6, 0.3, 0.2)", ""),
        "error: u.toml:18:11: success: min 0.6 is not below max 0.2 (expected a number, or a distribution: triangular(min, mode, max), pert(min, mode, max), uniform(min, max), normal(mean, sd) or normal(mean, sd, min, max), lognormal(mean, sd), beta(alpha, beta) or beta(alpha, beta, min, max), discrete(value: probability, …))"
    );
    assert!(
        error_for("pert(0.2, 0.7, 0.6)", "")
            .contains("u.toml:18:11: success: mode 0.7 is outside 0.2 to 0.6")
    );
    assert!(
        error_for("normal(0.5, -0.1, 0, 1)", "")
            .contains("standard deviation -0.1 is not positive")
    );
    assert!(error_for("uniform(0.5, 1.5)", "").contains(
        "u.toml:18:11: success: uniform(0.5, 1.5) ranges from 0.5 to 1.5 (expected a distribution within 0–1"
    ));
    assert!(error_for("normal(0.5, 0.1)", "").contains("ranges from -inf to inf"));
    assert!(
        error_for("beta(2, 5)", "").is_empty(),
        "a beta is a rate's distribution"
    );
}

#[test]
fn inconsistent_correlations_are_refused() {
    let extra = r#"  [[outcome.value]]
  economic = 1
  quantity = "uniform(1, 2)"
  [[outcome.value]]
  economic = 1
  quantity = "uniform(1, 2)"
[[correlation]]
inputs = ["outcome.o.success", "outcome.o.value[2].quantity"]
rank = 0.9
[[correlation]]
inputs = ["outcome.o.value[2].quantity", "outcome.o.value[3].quantity"]
rank = 0.9
[[correlation]]
inputs = ["outcome.o.success", "outcome.o.value[3].quantity"]
rank = -0.9
"#;
    let e = error_for("uniform(0.2, 0.6)", extra);
    assert!(
        e.contains("u.toml:34:1: the correlations cannot all hold at once"),
        "{e}"
    );
    let e = error_for(
        "uniform(0.2, 0.6)",
        "[[correlation]]\ninputs = [\"outcome.o.success\", \"outcome.o.engagement\"]\nrank = 0.5\n",
    );
    assert!(
        e.contains(
            "'outcome.o.engagement' is not an uncertain input (expected one of: outcome.o.success)"
        ),
        "{e}"
    );
    let e = error_for(
        "uniform(0.2, 0.6)",
        "[[scenario]]\nname = \"s\"\n[scenario.set]\n\"outcome.o.sucess\" = 0.5\n",
    );
    assert!(e.contains("'outcome.o.sucess' is not an input of this model (expected one of: outcome.o.cohort.scale"), "{e}");
    let e = error_for(
        "uniform(0.2, 0.6)",
        "[[scenario]]\nname = \"s\"\n[scenario.set]\n\"outcome.o.success\" = 1.5\n",
    );
    assert!(
        e.contains("outcome.o.success is 1.5 (expected from 0 to 1)"),
        "{e}"
    );
}
