//! Every explanation's parts add up to the figure it explains, as numbers.

use oneplace_appraise::explain::{Explanation, explain};
use oneplace_appraise::{Appraisal, Model, evaluate, read_toml};
use oneplace_refdata::ReferenceData;

/// The hand-worked partnership of `known_answers.rs`, with a fair split
/// (DWP not at the table) and payback within the period.
const MODEL: &str = r#"
[appraisal]
name = "Explained"
first_year = "2015/16"
years = 3
price_base = "2015/16"

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
kind = "county-council"
[[agency]]
id = "police"
kind = "police"
cashable = 0.5
[[agency]]
id = "icb"
kind = "icb"
[[agency]]
id = "dwp"
kind = "dwp"
contributes = false

[[cost]]
id = "workers"
agency = "council"
type = "revenue"
amounts = [100000, 100000, 0]
confidence = 1

[[cost]]
id = "officer-time"
agency = "police"
type = "in_kind"
amounts = [20000, 0, 0]
confidence = 2

[[outcome]]
id = "fewer-incidents"
cohort = 100
engagement = 0.8
success = "50%"
deadweight = 0.25
lag = 1
duration = 2
confidence = 1
  [[outcome.value]]
  label = "incident avoided"
  fiscal = 5000
  economic = 500
  shares = { police = 0.5, icb = 0.3, dwp = 0.2 }
  transfer = ["dwp"]
  [[outcome.value]]
  label = "wellbeing"
  social = 250
  confidence = 2
"#;

fn setup() -> (Model, Appraisal) {
    let data = ReferenceData::embedded();
    let model = read_toml("m.toml", MODEL, data).unwrap_or_else(|e| panic!("{e}"));
    let a = evaluate(&model, data);
    (model, a)
}

fn get(model: &Model, a: &Appraisal, figure: &str) -> Explanation {
    explain(model, a, ReferenceData::embedded(), figure).unwrap_or_else(|e| panic!("{e}"))
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: expected {expected}, got {actual}"
    );
}

fn amount(e: &Explanation) -> f64 {
    e.amount
        .unwrap_or_else(|| panic!("'{}' has no amount", e.figure))
}

/// The parts that carry an amount, summed.
fn sum_of_parts(e: &Explanation) -> f64 {
    e.parts.iter().filter_map(|p| p.amount).sum()
}

fn adds_up(e: &Explanation) {
    close(amount(e), sum_of_parts(e), &e.figure);
}

fn check_cost_lines(costs: &Explanation) {
    adds_up(costs);
    for line in &costs.parts {
        // Year by year: amount × scale × (1 + uplift) × DF(t).
        adds_up(line);
    }
}

#[test]
fn differences_and_ratios_are_their_parts() {
    let (m, a) = setup();
    let npbi = get(&m, &a, "npbi");
    close(
        amount(&npbi),
        amount(&npbi.parts[0]) - amount(&npbi.parts[1]),
        "npbi",
    );
    adds_up(&npbi.parts[0]);
    check_cost_lines(&npbi.parts[1]);

    let roi = get(&m, &a, "financial_roi");
    close(
        amount(&roi),
        amount(&roi.parts[0]) / amount(&roi.parts[1]),
        "financial_roi",
    );
    adds_up(&roi.parts[0]);
    check_cost_lines(&roi.parts[1]);

    let cashable = get(&m, &a, "cashable_financial_roi");
    close(
        amount(&cashable),
        amount(&cashable.parts[0]) / amount(&cashable.parts[1]),
        "cashable_financial_roi",
    );
    adds_up(&cashable.parts[0]);

    let nppv = get(&m, &a, "nppv");
    close(
        amount(&nppv),
        amount(&nppv.parts[0]) - amount(&nppv.parts[1]),
        "nppv",
    );
    adds_up(&nppv.parts[0]);
    check_cost_lines(&nppv.parts[1]);

    let bcr = get(&m, &a, "public_value_roi");
    close(
        amount(&bcr),
        amount(&bcr.parts[0]) / amount(&bcr.parts[1]),
        "public_value_roi",
    );
    adds_up(&bcr.parts[0]);

    // By hand: 100 × 0.8 × 0.5 × 0.75 = 30 outcomes in year 1 and in year 2.
    // Fiscal 30 × 5,000 = 150,000 a year; the DWP's 20% is a transfer.
    // Public value a year: 120,000 fiscal + 15,000 economic + 30 × 200 social.
    let df1 = 1.0 / 1.035;
    let df2 = df1 * df1;
    close(
        amount(&bcr.parts[0]),
        141_000.0 * (df1 + df2),
        "PV public value",
    );
    let costs = 100_000.0 + 100_000.0 * df1 + 22_000.0;
    close(amount(&npbi.parts[1]), costs, "PV costs");
    let cost = get(&m, &a, "cost:workers");
    adds_up(&cost);
    close(amount(&cost), 100_000.0 + 100_000.0 * df1, "cost:workers");
}

#[test]
fn payback_and_year_rows() {
    let (m, a) = setup();
    // Year 1 by hand: fiscal 150,000 against the council's 100,000.
    let y1 = get(&m, &a, "year:1");
    close(amount(&y1), 50_000.0, "year 1 net fiscal");
    close(
        amount(&y1.parts[0]) - amount(&y1.parts[1]),
        50_000.0,
        "year 1 parts",
    );
    adds_up(&y1.parts[0]);
    adds_up(&y1.parts[1]);
    // Year 0: 100,000 + 20,000 × 1.1 of cost, no benefit yet.
    let y0 = get(&m, &a, "year:2015/16");
    close(amount(&y0), -122_000.0, "year 0 net fiscal");
    adds_up(&y0.parts[1]);

    // Payback: the cumulative discounted net fiscal by year, each step the
    // year's net fiscal × DF.
    let payback = get(&m, &a, "payback");
    let mut cumulative = 0.0;
    for (t, part) in payback.parts.iter().enumerate() {
        let year = get(&m, &a, &format!("year:{t}"));
        cumulative += amount(&year) * a.years[t].discount_factor;
        close(amount(part), cumulative, &part.figure);
    }
    // −122,000; then + 50,000 / 1.035 = −73,690.8; then + 150,000 / 1.035²
    // = +66,336.4: discounted payback in year 2.
    assert!(amount(&payback.parts[1]) < 0.0 && amount(&payback.parts[2]) >= 0.0);
    assert_eq!(a.payback_year_discounted, Some(2));
}

#[test]
fn matrix_cells_fair_split_rows_and_agencies() {
    let (m, a) = setup();
    let mut total = 0.0;
    for f in &a.matrix.funders {
        for b in &a.matrix.beneficiaries {
            let cell = get(&m, &a, &format!("matrix:{f}:{b}"));
            adds_up(&cell);
            total += amount(&cell);
        }
    }
    close(total, a.totals.pv_fiscal, "the matrix sums to PV fiscal");
    // The council's share of cost × the ICB's 30% of fiscal benefit.
    let df1 = 1.0 / 1.035;
    let costs = 100_000.0 + 100_000.0 * df1 + 22_000.0;
    let fiscal = 150_000.0 * (df1 + df1 * df1);
    let cell = get(&m, &a, "matrix:council:icb");
    close(
        amount(&cell),
        (100_000.0 + 100_000.0 * df1) / costs * 0.3 * fiscal,
        "cell",
    );

    for agency in ["council", "police", "icb", "dwp"] {
        let row = get(&m, &a, &format!("fair_split:{agency}"));
        for position in row.parts.iter().filter(|p| p.amount.is_some()) {
            adds_up(position);
        }
        close(amount(&row), amount(&row.parts[0]), "now");
        let ag = get(&m, &a, &format!("agency:{agency}"));
        close(
            amount(&ag),
            amount(&ag.parts[0]) - amount(&ag.parts[1]),
            agency,
        );
        adds_up(&ag.parts[0]);
        adds_up(&ag.parts[1]);
    }
    let e = explain(&m, &a, ReferenceData::embedded(), "matrix:council").unwrap_err();
    assert!(e.contains("matrix:FUNDER:BENEFICIARY"), "{e}");
    let e = explain(&m, &a, ReferenceData::embedded(), "year:9").unwrap_err();
    assert!(e.contains("from 0 to 2"), "{e}");
}
