//! The Excel template: a model written out and read back appraises exactly
//! as its TOML does; the blank template is laid out as documented; and a
//! wrong workbook is refused with the sheet and cell of the problem.

use calamine::{Data, Reader, Xlsx};
use oneplace_appraise::uncertainty::Distribution;
use oneplace_appraise::uncertainty::distribution::SYNTAX;
use oneplace_appraise::xlsx::{parse_raw_xlsx, read_xlsx, write_template};
use oneplace_appraise::{Appraisal, Model, evaluate, parse_raw_toml, read_toml};
use oneplace_refdata::ReferenceData;
use rust_xlsxwriter::Workbook;
use std::io::Cursor;

const GRADES: &str = r#"
[[optimism_bias.grade]]
grade = 1
cost_uplift = 0
benefit_reduction = 0
[[optimism_bias.grade]]
grade = 2
label = "Monitored data"
cost_uplift = "10%"
benefit_reduction = "20%"
"#;

// ---------------------------------------------------------------------------
// Round trips.
// ---------------------------------------------------------------------------

fn same(toml: f64, xlsx: f64, what: &str) {
    let ok = toml == xlsx || (toml - xlsx).abs() <= 1e-9 * toml.abs().max(xlsx.abs());
    assert!(ok, "{what}: {toml} from TOML, {xlsx} from the workbook");
}

fn same_opt(toml: Option<f64>, xlsx: Option<f64>, what: &str) {
    match (toml, xlsx) {
        (Some(a), Some(b)) => same(a, b, what),
        (None, None) => {}
        _ => panic!("{what}: {toml:?} from TOML, {xlsx:?} from the workbook"),
    }
}

/// TOML → raw → workbook → model → appraisal, against TOML → model →
/// appraisal. Returns the appraisal for checks of its own.
fn round_trip(toml: &str) -> Appraisal {
    round_trip_model(toml).1
}

/// [`round_trip`], returning the model read from the workbook as well.
fn round_trip_model(toml: &str) -> (Model, Appraisal) {
    let data = ReferenceData::embedded();
    let (raw, _) = parse_raw_toml("m.toml", toml).unwrap_or_else(|e| panic!("{e}"));
    let mut from_toml = read_toml("m.toml", toml, data).unwrap_or_else(|e| panic!("{e}"));
    // A list shorter than the appraisal is warned about, naming its place
    // (a line, or a cell), which differs; the sheet shows every year's cost
    // cell, so there a blank cost is a stated 0 and not warned about.
    let short = |w: &String| w.contains("are taken as 0");
    from_toml.warnings.retain(|w| !short(w));
    let bytes = write_template(Some(&raw)).unwrap_or_else(|e| panic!("{e}"));
    let mut from_xlsx = read_xlsx("m.xlsx", &bytes, data).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        from_xlsx
            .warnings
            .iter()
            .filter(|w| short(w))
            .all(|w| w.contains("gives cohorts")),
        "{:?}",
        from_xlsx.warnings
    );
    from_xlsx.warnings.retain(|w| !short(w));

    // The validated models are the same, value for value.
    assert_eq!(
        serde_json::to_value(&from_toml).unwrap(),
        serde_json::to_value(&from_xlsx).unwrap(),
        "the models differ"
    );

    let t = evaluate(&from_toml, data);
    let x = evaluate(&from_xlsx, data);
    same(t.npbi, x.npbi, "npbi");
    same(t.nppv, x.nppv, "nppv");
    same_opt(t.financial_roi, x.financial_roi, "financial_roi");
    same_opt(t.public_value_roi, x.public_value_roi, "public_value_roi");
    same_opt(
        t.cashable_financial_roi,
        x.cashable_financial_roi,
        "cashable_financial_roi",
    );
    same(t.totals.pv_costs, x.totals.pv_costs, "pv_costs");
    same(t.totals.pv_transfers, x.totals.pv_transfers, "pv_transfers");
    same(t.totals.pv_social, x.totals.pv_social, "pv_social");
    assert_eq!(t.agencies.len(), x.agencies.len());
    for (a, b) in t.agencies.iter().zip(&x.agencies) {
        assert_eq!(a.agency, b.agency);
        same(a.pv_cost, b.pv_cost, &format!("{} pv_cost", a.agency));
        same(
            a.pv_fiscal_benefit,
            b.pv_fiscal_benefit,
            &format!("{} pv_fiscal_benefit", a.agency),
        );
        same(
            a.pv_cashable_benefit,
            b.pv_cashable_benefit,
            &format!("{} pv_cashable_benefit", a.agency),
        );
    }
    assert_eq!(t.years.len(), x.years.len());
    for (a, b) in t.years.iter().zip(&x.years) {
        same(a.costs, b.costs, &format!("year {} costs", a.year));
        same(a.fiscal, b.fiscal, &format!("year {} fiscal", a.year));
        same(a.economic, b.economic, &format!("year {} economic", a.year));
        same(a.social, b.social, &format!("year {} social", a.year));
    }
    assert_eq!(t.warnings, x.warnings);
    (from_xlsx, x)
}

#[test]
fn small_partnership_round_trips() {
    let a = round_trip(&format!(
        r#"
[appraisal]
name = "Hand-worked partnership"
first_year = "2015/16"
years = 3
price_base = "2015/16"
{GRADES}
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

[[cost]]
id = "workers"
agency = "council"
type = "revenue"
amounts = [100000, "£100,000"]
confidence = 1

[[cost]]
id = "officer-time"
agency = "police"
type = "in_kind"
amounts = [20000]
confidence = 2

[[outcome]]
id = "fewer-incidents"
cohort = 100
engagement = 0.8
success = "50%"
deadweight = 0.25
lag = 1
duration = 2
drop_off = 0.5
confidence = 1
  [[outcome.value]]
  label = "incident avoided"
  fiscal = 1000
  economic = 500
  shares = {{ police = 0.6, icb = 0.4 }}
  [[outcome.value]]
  label = "wellbeing"
  social = 250
  confidence = 2
"#
    ));
    // The figures worked by hand in known_answers.rs.
    let pv_fiscal = 30_000.0 / 1.035 + 15_000.0 / 1.035f64.powi(2);
    let pv_costs = 100_000.0 + 100_000.0 / 1.035 + 22_000.0;
    same(a.npbi, pv_fiscal - pv_costs, "hand-worked npbi");
}

#[test]
fn jobseeker_round_trips() {
    let a = round_trip(&format!(
        r#"
[appraisal]
name = "One jobseeker"
first_year = "2012/13"
years = 1
price_base = "2012/13"
{GRADES}
[[agency]]
id = "jobcentre"
kind = "dwp"
[[agency]]
id = "icb"
kind = "icb"
[[agency]]
id = "council"
kind = "local-authority"

[[cost]]
id = "employment-support"
agency = "council"
type = "revenue"
amounts = [5000]
confidence = 1

[[outcome]]
id = "into-work"
cohort = 1
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  ucd = "E&E1.0.1"
  transfer = true
  [[outcome.value]]
  ucd = "E&E1.0.2"
  [[outcome.value]]
  ucd = "E&E1.0"
  kinds = ["economic"]
"#
    ));
    same(a.totals.pv_public_value, 14_610.0, "public value");
    same(a.totals.pv_transfers, 9_234.0, "transfers");
}

#[test]
fn long_horizon_with_phases_round_trips() {
    let a = round_trip(&format!(
        r#"
[appraisal]
name = "Long horizon"
first_year = "2015/16"
years = 33
price_base = "2015/16"
{GRADES}
[[agency]]
id = "council"
kind = "local-authority"

[[cost]]
id = "building"
agency = "council"
type = "capital"
amounts = [1000000]
price_year = "2013/14"
confidence = 1

[[cost]]
id = "running"
agency = "council"
type = "revenue"
confidence = 1
  [[cost.phase]]
  from = 1
  to = "2047/48"
  annual = 50000

[[outcome]]
id = "healthier"
cohort = [10, 10]
engagement = 1
success = 1
duration = 40
confidence = 1
health_discounting = true
  [[outcome.value]]
  fiscal = 6000
  social = 1000
"#
    ));
    assert_eq!(a.years.len(), 33);
    same(a.years[32].costs, 50_000.0, "the last year's running cost");
    assert_eq!(a.payback_year_undiscounted, Some(14));
}

#[test]
fn fair_split_round_trips() {
    round_trip(&format!(
        r#"
[appraisal]
name = "Fair split"
first_year = "2015/16"
years = 1
{GRADES}
[[agency]]
id = "council"
kind = "county-council"
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
id = "cash"
agency = "council"
type = "revenue"
amounts = [90000]
confidence = 1
[[cost]]
id = "officers"
agency = "police"
type = "in_kind"
amounts = [30000]
confidence = 1

[[outcome]]
id = "o"
cohort = 100
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  fiscal = 2000
  shares = {{ council = 0.2, police = 0.1, icb = 0.5, dwp = 0.2 }}
  transfer = false
"#
    ));
}

/// A shipped optimism-bias table named in Settings, and year 0 discounted.
#[test]
fn named_table_and_discounted_year_zero_round_trip() {
    let a = round_trip(
        r#"
[appraisal]
name = "Year zero"
first_year = "2015/16"
years = 2
discount_year_zero = true
[optimism_bias]
table = "oneplace-default-2026"
[[agency]]
id = "council"
kind = "local-authority"
[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = [1000, 1000]
confidence = 3
[[outcome]]
id = "o"
cohort = 1
engagement = 1
success = 1
duration = 2
confidence = 1
  [[outcome.value]]
  fiscal = 3000
"#,
    );
    // Grade 3 of the shipped table raises costs by 10%.
    same(
        a.totals.pv_costs,
        1100.0 / 1.035 + 1100.0 / 1.035f64.powi(2),
        "pv_costs",
    );
}

/// Everything a workbook row has to carry: phases given by offsets and by
/// financial years, cashable shares per agency, Unit Cost Database values
/// with `kinds`, `shares` and `transfer` (by agency and for all), the
/// model's own optimism-bias grades, a new agency kind, a single cohort with
/// a start year, a benefit profile, a list of cohorts, text amounts and
/// rates, an explicit value in another price year and an allowed overlap.
#[test]
fn every_feature_round_trips() {
    let a = round_trip(&format!(
        r#"
[appraisal]
name = "Every feature"
description = "A partnership using every field, to check the workbook carries them all"
first_year = "2015/16"
years = 6
price_base = "2015/16"
deflators = "hmt-march-2015"
discount_schedule = "standard"
discount_year_zero = false
{GRADES}
[[agency_kind]]
id = "combined-authority"
name = "Combined authority"
parent = "local-authority"

[[agency]]
id = "ca"
name = "Greater Somewhere Combined Authority"
kind = "combined-authority"
cashable = "25%"
[[agency]]
id = "police"
kind = "police"
cashable = 0.5
[[agency]]
id = "icb"
name = "Integrated care board"
kind = "icb"
[[agency]]
id = "jobcentre"
kind = "dwp"
contributes = false

[[cost]]
id = "programme"
name = "Programme team"
agency = "ca"
type = "revenue"
confidence = 2
  [[cost.phase]]
  from = 0
  to = "2016/17"
  annual = "£120,000"
  [[cost.phase]]
  from = 2
  to = "2017/18"
  annual = 0
  [[cost.phase]]
  from = "2018/19"
  to = 5
  annual = 40000.5

[[cost]]
id = "fit-out"
agency = "ca"
type = "capital"
price_year = "2013/14"
amounts = [250000, 0, 10000]
confidence = 1

[[cost]]
id = "officers"
agency = "police"
type = "in_kind"
amounts = ["£15,000", 15000, 15000.25]
confidence = 2

[[outcome]]
id = "into-work"
name = "Into work"
cohort = [20, 30, 30]
engagement = "80%"
success = 0.45
deadweight = 0.2
displacement = 0.05
leakage = "5%"
lag = 1
duration = 3
drop_off = 0.25
confidence = 2
cashable = {{ icb = 0.2, jobcentre = 0 }}
  [[outcome.value]]
  ucd = "E&E1.0"
  kinds = ["fiscal", "economic"]
  shares = {{ jobcentre = 0.9, icb = 0.1 }}
  transfer = ["jobcentre"]
  confidence = 1

[[outcome]]
id = "safer-homes"
cohort = 40
start = "2016/17"
engagement = 1
success = 0.5
profile = [1, 0.8, 0.6, 0.4]
confidence = 1
health_discounting = true
cashable = 0.1
  [[outcome.value]]
  label = "domestic violence incident avoided"
  ucd = "CR2.0"
  kinds = ["fiscal", "social"]
  quantity = 1.5
  shares = {{ police = "60%", icb = 0.3, ca = 0.1 }}
  transfer = false
  [[outcome.value]]
  label = "wellbeing"
  social = 300
  price_year = "2014/15"
  confidence = 2
  allow_overlap = "wellbeing is measured apart from the incident's social cost"
"#
    ));
    // The features bite: phases cost something in year 4 and nothing in
    // year 2 but the fit-out's 10,000 (uprated) and the officers' time;
    // part of the fiscal benefit is a transfer; the ICB's share is partly
    // cashable.
    assert!(a.years[4].costs > 40_000.0);
    assert!(a.totals.pv_transfers > 0.0);
    let icb = a.agencies.iter().find(|x| x.agency == "icb").unwrap();
    assert!(icb.pv_cashable_benefit > 0.0);
    assert!(a.totals.pv_social > 0.0);
}

/// The shipped example with distributions, scales, a correlation and two
/// scenarios: all of it survives the workbook, and each uncertain input is
/// found at its own cell.
#[test]
fn family_support_example_round_trips() {
    let toml = include_str!("../../../examples/family-support.toml");
    let (model, a) = round_trip_model(toml);
    assert!(a.npbi.is_finite());

    // What the example gives, so an empty round trip cannot pass.
    assert_eq!(model.uncertain.len(), 9, "{:#?}", model.uncertain);
    assert_eq!(model.correlations.len(), 1);
    assert_eq!(model.correlations[0].rank, 0.6);
    let names: Vec<&str> = model.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Pessimistic", "Two intakes only"]);
    assert_eq!(
        model.scenarios[0].description.as_deref(),
        Some("Lower success, a 20% overrun on key workers")
    );
    assert_eq!(model.scenarios[0].set.len(), 4);
    assert_eq!(model.scenarios[1].set.len(), 12);

    let at = |path: &str| {
        let u = model
            .uncertain
            .iter()
            .find(|u| u.path == path)
            .unwrap_or_else(|| panic!("no uncertain input {path}"));
        u.location.to_string()
    };
    // Costs row 2, scale in G; Outcomes row 3 (less-crime), success in F;
    // Values row 3, quantity in E; Values row 5 (foster care), scale in N.
    assert_eq!(
        at("cost.key-workers.scale"),
        "m.xlsx: sheet 'Costs', cell G2"
    );
    assert_eq!(
        at("outcome.less-crime.success"),
        "m.xlsx: sheet 'Outcomes', cell F3"
    );
    assert_eq!(
        at("outcome.less-crime.value[1].quantity"),
        "m.xlsx: sheet 'Values', cell E3"
    );
    assert_eq!(
        at("outcome.fewer-children-in-care.value[1].scale"),
        "m.xlsx: sheet 'Values', cell N5"
    );
}

/// Distributions inside lists and pairs: the commas and colons inside the
/// brackets do not split the cell.
#[test]
fn distributions_in_lists_and_pairs_round_trip() {
    let (model, _) = round_trip_model(&format!(
        r#"
[appraisal]
name = "Distributions in lists"
first_year = "2015/16"
years = 3
{GRADES}
[[agency]]
id = "council"
kind = "local-authority"
[[agency]]
id = "police"
kind = "police"

[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = ["pert(900, 1000, 1300)", 1000]
confidence = 1

[[cost]]
id = "one-year-phase"
agency = "police"
type = "in_kind"
confidence = 1
  [[cost.phase]]
  from = 1
  to = 1
  annual = "uniform(100, 200)"

[[outcome]]
id = "listed"
cohort = ["pert(8, 10, 12)", 10]
engagement = 1
success = "beta(6, 44)"
profile = [1, "uniform(0.4, 0.6)"]
confidence = 1
cashable = {{ police = "discrete(0.1: 0.5, 0.2: 0.5)", council = 0.3 }}
  [[outcome.value]]
  fiscal = "normal(1000, 100, 0, 2000)"
  shares = {{ police = 0.5, council = 0.5 }}

[[outcome]]
id = "one-cohort-in-a-list"
cohort = ["lognormal(10, 2)"]
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  social = 100
"#
    ));
    let paths: Vec<&str> = model.uncertain.iter().map(|u| u.path.as_str()).collect();
    for path in [
        "cost.c[2015/16]",
        "cost.one-year-phase[2016/17]",
        "outcome.listed.cohort[2015/16]",
        "outcome.listed.success",
        "outcome.listed.profile[1]",
        "outcome.listed.cashable.police",
        "outcome.listed.value[1].fiscal",
        "outcome.one-cohort-in-a-list.cohort[2015/16]",
    ] {
        assert!(paths.contains(&path), "{path} is not uncertain: {paths:?}");
    }
    assert_eq!(model.uncertain.len(), 8, "{paths:?}");
    assert_eq!(model.outcomes[0].cohort[..2], [10.0, 10.0]);
}

/// A phase whose annual amount is one distribution over several years
/// cannot be a row of year cells (each would be drawn on its own): refused.
#[test]
fn a_phase_with_a_distribution_over_years_is_refused() {
    let toml = r#"
[appraisal]
name = "Phase"
first_year = "2015/16"
years = 3
[[cost]]
id = "running"
  [[cost.phase]]
  from = 0
  to = 2
  annual = "pert(90, 100, 130)"
"#;
    let (raw, _) = parse_raw_toml("m.toml", toml).unwrap();
    let e = write_template(Some(&raw)).unwrap_err();
    assert!(
        e.contains("cost 'running', phase 1") && e.contains("scale"),
        "{e}"
    );
}

/// Two scenarios with one name would merge into one on the sheet: refused.
#[test]
fn scenarios_sharing_a_name_are_refused() {
    let toml = r#"
[[scenario]]
name = "Low"
set = { "outcome.o.success" = 0.1 }
[[scenario]]
name = "Low"
set = { "outcome.o.engagement" = 0.1 }
"#;
    let (raw, _) = parse_raw_toml("m.toml", toml).unwrap();
    let e = write_template(Some(&raw)).unwrap_err();
    assert!(e.contains("two scenarios are named 'Low'"), "{e}");
}

/// A phase that cannot be placed in a year is refused with a reason, not
/// written wrongly.
#[test]
fn unplaceable_phases_are_refused() {
    let toml = r#"
[appraisal]
name = "No first year"
years = 3
[[cost]]
id = "running"
  [[cost.phase]]
  from = 0
  to = "2047/48"
  annual = 1
"#;
    let (raw, _) = parse_raw_toml("m.toml", toml).unwrap();
    let e = write_template(Some(&raw)).unwrap_err();
    assert!(
        e.contains("cost 'running'") && e.contains("first_year"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// The blank template.
// ---------------------------------------------------------------------------

fn open(bytes: &[u8]) -> Xlsx<Cursor<&[u8]>> {
    Xlsx::new(Cursor::new(bytes)).unwrap()
}

fn row_text(range: &calamine::Range<Data>, row: u32) -> Vec<String> {
    let (_, last) = range.end().unwrap();
    (0..=last)
        .map(|c| match range.get_value((row, c)) {
            Some(Data::String(s)) => s.clone(),
            Some(Data::Empty) | None => String::new(),
            Some(other) => other.to_string(),
        })
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn blank_template_is_laid_out_as_documented() {
    let bytes = write_template(None).unwrap();
    let mut wb = open(&bytes);
    assert_eq!(
        wb.sheet_names(),
        strings(&[
            "Guide",
            "Settings",
            "Optimism bias",
            "Agency kinds",
            "Agencies",
            "Costs",
            "Outcomes",
            "Values",
            "Correlations",
            "Scenarios"
        ])
    );

    let settings = wb.worksheet_range("Settings").unwrap();
    assert_eq!(row_text(&settings, 0), strings(&["setting", "value"]));
    let names: Vec<String> = (1..=9).map(|r| row_text(&settings, r)[0].clone()).collect();
    assert_eq!(
        names,
        strings(&[
            "name",
            "description",
            "first_year",
            "years",
            "price_base",
            "deflators",
            "discount_schedule",
            "discount_year_zero",
            "optimism_bias_table"
        ])
    );
    assert!((1..=9).all(|r| row_text(&settings, r)[1].is_empty()));

    let expect = |wb: &mut Xlsx<Cursor<&[u8]>>, sheet: &str, headers: &[&str]| {
        let range = wb.worksheet_range(sheet).unwrap();
        assert_eq!(row_text(&range, 0), strings(headers), "sheet {sheet}");
        assert_eq!(
            range.end().unwrap().0,
            0,
            "sheet {sheet} has only its header"
        );
    };
    expect(
        &mut wb,
        "Optimism bias",
        &["grade", "label", "cost_uplift", "benefit_reduction"],
    );
    expect(&mut wb, "Agency kinds", &["id", "name", "parent"]);
    expect(
        &mut wb,
        "Agencies",
        &["id", "name", "kind", "contributes", "cashable"],
    );
    let mut costs = vec![
        "id",
        "name",
        "agency",
        "type",
        "price_year",
        "confidence",
        "scale",
    ];
    let years: Vec<String> = (0..10).map(|t| format!("Year {t}")).collect();
    costs.extend(years.iter().map(String::as_str));
    expect(&mut wb, "Costs", &costs);
    expect(
        &mut wb,
        "Outcomes",
        &[
            "id",
            "name",
            "cohort",
            "start",
            "engagement",
            "success",
            "deadweight",
            "displacement",
            "leakage",
            "lag",
            "duration",
            "drop_off",
            "profile",
            "confidence",
            "health_discounting",
            "cashable",
        ],
    );
    expect(
        &mut wb,
        "Values",
        &[
            "outcome",
            "label",
            "ucd",
            "kinds",
            "quantity",
            "fiscal",
            "economic",
            "social",
            "price_year",
            "shares",
            "transfer",
            "confidence",
            "allow_overlap",
            "scale",
        ],
    );
    expect(&mut wb, "Correlations", &["input_a", "input_b", "rank"]);
    expect(
        &mut wb,
        "Scenarios",
        &["scenario", "description", "input", "value"],
    );

    // The Guide documents every column, the grades, and the data's terms.
    let guide = wb.worksheet_range("Guide").unwrap();
    let text: Vec<String> = guide
        .used_cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(has(
        "Unit Cost Database v1.4, New Economy (now Greater Manchester Combined Authority Research Team), CC BY 4.0"
    ));
    assert!(has("oneplace ucd search WORDS"));
    for column in [
        "health_discounting",
        "allow_overlap",
        "discount_year_zero",
        "transfer",
        "input_a",
        "rank",
        "scenario",
        "input",
    ] {
        assert!(text.iter().any(|t| t == column), "the Guide omits {column}");
    }
    for sheet in ["Correlations", "Scenarios"] {
        assert!(text.iter().any(|t| t == sheet), "the Guide omits {sheet}");
    }
    // The distributions, and the columns that take them.
    assert!(has(SYNTAX), "the Guide omits the distributions");
    assert!(has(
        "Rates, amounts, cohorts, quantities, unit values and scale may be given as a distribution"
    ));
    assert!(has("cost.ID.scale") && has("outcome.ID.success"));
    for g in &ReferenceData::embedded().default_optimism_bias().grades {
        assert!(has(&g.label), "the Guide omits grade {}", g.grade);
    }
}

#[test]
fn blank_template_reads_back_and_fails_validation_clearly() {
    let bytes = write_template(None).unwrap();
    let (raw, _) = parse_raw_xlsx("blank.xlsx", &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(raw.agency.is_empty() && raw.cost.is_empty() && raw.outcome.is_empty());
    assert!(raw.correlation.is_empty() && raw.scenario.is_empty());
    assert!(raw.optimism_bias.is_none());
    let e = read_xlsx("blank.xlsx", &bytes, ReferenceData::embedded())
        .unwrap_err()
        .to_string();
    assert!(e.contains("blank.xlsx: the model has no [[agency]]"), "{e}");
    // Each required setting is asked for in the cell where it goes.
    assert!(
        e.contains(
            "blank.xlsx: sheet 'Settings', cell B2: name is required and this cell is blank (expected the name of this appraisal)"
        ),
        "{e}"
    );
    assert!(e.contains("cell B4: first_year is required"), "{e}");
    assert!(!e.contains("cell A1"), "{e}");
}

// ---------------------------------------------------------------------------
// Wrong workbooks.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum V {
    S(&'static str),
    N(f64),
    B(bool),
    E,
}
use V::{B, E, N, S};

type Sheets = Vec<(&'static str, Vec<Vec<V>>)>;

fn header(names: &[&'static str]) -> Vec<V> {
    names.iter().map(|n| S(n)).collect()
}

const OUTCOME_HEADER: [&str; 16] = [
    "id",
    "name",
    "cohort",
    "start",
    "engagement",
    "success",
    "deadweight",
    "displacement",
    "leakage",
    "lag",
    "duration",
    "drop_off",
    "profile",
    "confidence",
    "health_discounting",
    "cashable",
];

const VALUE_HEADER: [&str; 13] = [
    "outcome",
    "label",
    "ucd",
    "kinds",
    "quantity",
    "fiscal",
    "economic",
    "social",
    "price_year",
    "shares",
    "transfer",
    "confidence",
    "allow_overlap",
];

/// A small valid model written cell by cell, as a user would, with text
/// numbers, text booleans and a blank row.
fn valid() -> Sheets {
    vec![
        ("Guide", vec![vec![S("anything")]]),
        (
            "Settings",
            vec![
                header(&["setting", "value"]),
                vec![S("name"), S("Cell by cell")],
                vec![S("first_year"), S("2015/16")],
                vec![S("years"), N(2.0)],
                vec![S("discount_year_zero"), S("no")],
            ],
        ),
        (
            "Agencies",
            vec![
                header(&["id", "name", "kind", "contributes", "cashable"]),
                vec![S("council"), E, S("local-authority"), B(true), E],
                vec![E, E, E, E, E],
                vec![S("police"), S("Police"), S("police"), S("yes"), S("50%")],
            ],
        ),
        (
            "Costs",
            vec![
                header(&[
                    "id",
                    "name",
                    "agency",
                    "type",
                    "price_year",
                    "confidence",
                    "Year 0",
                    "Year 1",
                ]),
                vec![
                    S("workers"),
                    E,
                    S("council"),
                    S("revenue"),
                    E,
                    N(1.0),
                    N(1000.0),
                    S("£1,000"),
                ],
            ],
        ),
        (
            "Outcomes",
            vec![
                header(&OUTCOME_HEADER),
                vec![
                    S("o"),
                    E,
                    S("10, 10"),
                    E,
                    N(0.8),
                    S("50%"),
                    E,
                    E,
                    E,
                    E,
                    N(2.0),
                    E,
                    E,
                    N(1.0),
                    E,
                    S("police=0.5"),
                ],
            ],
        ),
        (
            "Values",
            vec![
                header(&VALUE_HEADER),
                vec![
                    S("o"),
                    E,
                    E,
                    E,
                    E,
                    N(100.0),
                    E,
                    E,
                    E,
                    S("council=0.5; police=0.5"),
                    B(false),
                    E,
                    E,
                ],
            ],
        ),
    ]
}

fn workbook(sheets: &Sheets) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    S(s) => {
                        ws.write_string(r, c, *s).unwrap();
                    }
                    N(x) => {
                        ws.write_number(r, c, *x).unwrap();
                    }
                    B(b) => {
                        ws.write_boolean(r, c, *b).unwrap();
                    }
                    E => {}
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn set(sheets: &mut Sheets, sheet: &str, row: usize, column: usize, v: V) {
    let rows = &mut sheets.iter_mut().find(|(n, _)| *n == sheet).unwrap().1;
    rows[row][column] = v;
}

/// The messages for a workbook that must be refused.
fn refused(sheets: &Sheets) -> String {
    let bytes = workbook(sheets);
    match read_xlsx("bad.xlsx", &bytes, ReferenceData::embedded()) {
        Ok(_) => panic!("the workbook was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_workbook_typed_by_hand_is_read() {
    let data = ReferenceData::embedded();
    let model = read_xlsx("good.xlsx", &workbook(&valid()), data).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.agencies.len(), 2, "the blank row is skipped");
    assert!(model.agencies[1].contributes);
    assert!(!model.settings.discount_year_zero);
    assert_eq!(model.costs[0].amounts, vec![1000.0, 1000.0]);
    assert_eq!(model.outcomes[0].cohort, vec![10.0, 10.0]);
    assert_eq!(model.outcomes[0].success, 0.5);
    assert_eq!(model.outcomes[0].cashable, vec![0.0, 0.5]);
    assert_eq!(model.outcomes[0].values[0].shares.len(), 2);
    let a = evaluate(&model, data);
    // 10 × 0.8 × 0.5 = 4 successes from each cohort, 100 each: 400 in year
    // 0 and 800 in year 1 (the first cohort's second year).
    same(a.years[0].fiscal, 400.0, "year 0 fiscal");
    same(a.years[1].fiscal, 800.0, "year 1 fiscal");
}

#[test]
fn a_rate_out_of_range_is_reported_at_its_cell() {
    let mut sheets = valid();
    set(&mut sheets, "Outcomes", 1, 4, N(1.5));
    let e = refused(&sheets);
    assert!(
        e.contains("bad.xlsx: sheet 'Outcomes', cell E2: engagement is 1.5, outside 0–1"),
        "{e}"
    );
}

#[test]
fn an_unknown_agency_is_reported_at_its_cell() {
    let mut sheets = valid();
    set(&mut sheets, "Costs", 1, 2, S("fire"));
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Costs', cell C2: unknown agency 'fire'"),
        "{e}"
    );
    assert!(e.contains("council, police"), "{e}");
}

#[test]
fn a_renamed_header_is_reported_at_its_cell() {
    let mut sheets = valid();
    set(&mut sheets, "Outcomes", 0, 4, S("engagment"));
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Outcomes', cell E1: unknown column 'engagment' (expected 'engagement'"),
        "{e}"
    );
    // Nothing cascades from the unreadable sheet.
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn a_missing_header_is_reported() {
    let mut sheets = valid();
    let agencies = &mut sheets.iter_mut().find(|(n, _)| *n == "Agencies").unwrap().1;
    for row in agencies.iter_mut() {
        row.pop();
    }
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Agencies', cell A1: the header row has no column 'cashable'"),
        "{e}"
    );
}

#[test]
fn an_extra_column_is_refused() {
    let mut sheets = valid();
    let agencies = &mut sheets.iter_mut().find(|(n, _)| *n == "Agencies").unwrap().1;
    agencies[0].push(S("notes"));
    agencies[1].push(S("lead partner"));
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Agencies', cell F1: unknown column 'notes'"),
        "{e}"
    );
}

#[test]
fn a_value_for_an_unknown_outcome_is_refused() {
    let mut sheets = valid();
    set(&mut sheets, "Values", 1, 0, S("other"));
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Values', cell A2: unknown outcome 'other' (expected the id of an outcome on the Outcomes sheet: o)"),
        "{e}"
    );
}

#[test]
fn a_text_amount_is_reported_at_its_own_year_cell() {
    // Each amount carries its own cell, so the validator names H2 (year 1),
    // not the row's first year cell.
    let mut sheets = valid();
    set(&mut sheets, "Costs", 1, 7, S("lots"));
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Costs', cell H2: the year 1 amount: 'lots' is not"),
        "{e}"
    );
}

#[test]
fn malformed_cells_are_reported_at_their_cells() {
    let mut sheets = valid();
    set(&mut sheets, "Values", 1, 9, S("council 0.5; police=0.5"));
    set(&mut sheets, "Outcomes", 1, 2, S("1,200"));
    set(&mut sheets, "Agencies", 3, 3, S("perhaps"));
    set(&mut sheets, "Outcomes", 1, 10, N(2.5));
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Values', cell J2: shares: 'council 0.5' is not agency=share"),
        "{e}"
    );
    assert!(
        e.contains("sheet 'Outcomes', cell C2: cohort: '1,200' could be one number"),
        "{e}"
    );
    assert!(
        e.contains("sheet 'Agencies', cell D4: contributes: 'perhaps' is not TRUE or FALSE"),
        "{e}"
    );
    assert!(
        e.contains("sheet 'Outcomes', cell K2: duration: '2.5' is not a whole number"),
        "{e}"
    );
}

#[test]
fn a_missing_sheet_is_reported() {
    let mut sheets = valid();
    sheets.retain(|(n, _)| *n != "Values");
    let e = refused(&sheets);
    assert!(
        e.contains("bad.xlsx: the workbook has no sheet 'Values'"),
        "{e}"
    );
}

#[test]
fn a_file_that_is_not_a_workbook_is_refused() {
    let e = parse_raw_xlsx("notes.txt", b"not a zip").unwrap_err();
    assert!(
        e.to_string()
            .contains("notes.txt: cannot read the file as an Excel workbook"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// Distributions, correlations and scenarios typed by hand.
// ---------------------------------------------------------------------------

fn with_sheet(mut sheets: Sheets, name: &'static str, rows: Vec<Vec<V>>) -> Sheets {
    sheets.push((name, rows));
    sheets
}

fn read(sheets: &Sheets) -> Model {
    read_xlsx("good.xlsx", &workbook(sheets), ReferenceData::embedded())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_distribution_typed_in_a_cell_is_uncertain_at_that_cell() {
    let mut sheets = valid();
    set(&mut sheets, "Outcomes", 1, 5, S("pert(0.2, 0.3, 0.5)"));
    // A list of cohorts with a distribution in it, and a per-agency rate.
    set(&mut sheets, "Outcomes", 1, 2, S("pert(8, 10, 12), 10"));
    set(
        &mut sheets,
        "Outcomes",
        1,
        15,
        S("police=triangular(0.4, 0.5, 0.6)"),
    );
    let model = read(&sheets);
    let success = model
        .uncertain
        .iter()
        .find(|u| u.path == "outcome.o.success")
        .expect("success is uncertain");
    assert_eq!(
        success.distribution,
        Distribution::Pert {
            min: 0.2,
            mode: 0.3,
            max: 0.5
        }
    );
    assert_eq!(
        success.location.to_string(),
        "good.xlsx: sheet 'Outcomes', cell F2"
    );
    // The deterministic appraisal takes the most likely value.
    assert_eq!(model.outcomes[0].success, 0.3);
    assert_eq!(model.outcomes[0].cohort, vec![10.0, 10.0]);
    let paths: Vec<&str> = model.uncertain.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "outcome.o.cohort[2015/16]",
            "outcome.o.success",
            "outcome.o.cashable.police"
        ]
    );
    assert!(
        model.uncertain.iter().all(|u| u
            .location
            .to_string()
            .starts_with("good.xlsx: sheet 'Outcomes', cell ")),
        "{paths:?}"
    );
}

#[test]
fn an_impossible_distribution_is_reported_at_its_cell() {
    let mut sheets = valid();
    set(&mut sheets, "Outcomes", 1, 5, S("pert(0.5, 0.2, 0.6)"));
    let e = refused(&sheets);
    assert!(
        e.contains("bad.xlsx: sheet 'Outcomes', cell F2: success: "),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
}

const CORRELATION_HEADER: [&str; 3] = ["input_a", "input_b", "rank"];
const SCENARIO_HEADER: [&str; 4] = ["scenario", "description", "input", "value"];

/// valid() with two uncertain rates to correlate.
fn uncertain() -> Sheets {
    let mut sheets = valid();
    set(&mut sheets, "Outcomes", 1, 4, S("uniform(0.7, 0.9)"));
    set(&mut sheets, "Outcomes", 1, 5, S("pert(0.4, 0.5, 0.6)"));
    sheets
}

#[test]
fn correlations_and_scenarios_typed_by_hand_are_read() {
    let sheets = with_sheet(
        uncertain(),
        "Correlations",
        vec![
            header(&CORRELATION_HEADER),
            vec![S("outcome.o.engagement"), S("outcome.o.success"), N(0.5)],
        ],
    );
    // Rows of one scenario need not be together; the description may be
    // on any of its rows, and repeated as long as it is the same.
    let sheets = with_sheet(
        sheets,
        "Scenarios",
        vec![
            header(&SCENARIO_HEADER),
            vec![S("Low"), E, S("outcome.o.success"), N(0.2)],
            vec![
                S("High"),
                S("More success"),
                S("outcome.o.success"),
                S("0.7"),
            ],
            vec![E, E, E, E],
            vec![
                S("Low"),
                S("Less of everything"),
                S("cost.workers.scale"),
                N(1.2),
            ],
            vec![
                S("Low"),
                S("Less of everything"),
                S("cost.workers[2016/17]"),
                N(0.0),
            ],
            vec![S("Named only"), S("Nothing changes"), E, E],
        ],
    );
    let model = read(&sheets);
    assert_eq!(model.correlations.len(), 1);
    assert_eq!(model.correlations[0].rank, 0.5);
    let names: Vec<&str> = model.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Low", "High", "Named only"]);
    let low = &model.scenarios[0];
    assert_eq!(low.description.as_deref(), Some("Less of everything"));
    let set: Vec<(&str, f64)> = low.set.iter().map(|(p, _, x)| (p.as_str(), *x)).collect();
    assert_eq!(
        set,
        [
            ("cost.workers.scale", 1.2),
            ("cost.workers[2016/17]", 0.0),
            ("outcome.o.success", 0.2)
        ]
    );
    assert_eq!(model.scenarios[1].set[0].2, 0.7);
    assert!(model.scenarios[2].set.is_empty());
}

#[test]
fn empty_correlations_and_scenarios_sheets_are_read() {
    let sheets = with_sheet(valid(), "Correlations", vec![header(&CORRELATION_HEADER)]);
    let sheets = with_sheet(sheets, "Scenarios", vec![vec![E]]);
    let model = read(&sheets);
    assert!(model.correlations.is_empty() && model.scenarios.is_empty());
}

#[test]
fn a_scenario_naming_an_unknown_input_is_reported_at_its_cell() {
    let sheets = with_sheet(
        valid(),
        "Scenarios",
        vec![
            header(&SCENARIO_HEADER),
            vec![S("Low"), E, S("outcome.o.success"), N(0.2)],
            vec![S("Low"), E, S("outcome.o.sucess"), N(0.2)],
        ],
    );
    let e = refused(&sheets);
    assert!(
        e.contains(
            "bad.xlsx: sheet 'Scenarios', cell C3: 'outcome.o.sucess' is not an input of this model"
        ),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn a_scenario_value_out_of_range_is_reported_at_its_cell() {
    let sheets = with_sheet(
        valid(),
        "Scenarios",
        vec![
            header(&SCENARIO_HEADER),
            vec![S("Low"), E, S("outcome.o.success"), N(1.5)],
        ],
    );
    let e = refused(&sheets);
    assert!(
        e.contains("sheet 'Scenarios', cell D2: outcome.o.success is 1.5"),
        "{e}"
    );
}

#[test]
fn inconsistent_scenario_rows_are_reported_at_their_cells() {
    let sheets = with_sheet(
        valid(),
        "Scenarios",
        vec![
            header(&SCENARIO_HEADER),
            vec![S("Low"), S("Less success"), S("outcome.o.success"), N(0.2)],
            vec![
                S("Low"),
                S("Something else"),
                S("outcome.o.engagement"),
                N(0.5),
            ],
            vec![E, E, S("outcome.o.deadweight"), N(0.5)],
            vec![S("Low"), E, S("outcome.o.leakage"), E],
            vec![S("Low"), E, E, N(0.1)],
            vec![S("Low"), E, S("outcome.o.success"), N(0.3)],
            vec![
                S("High"),
                E,
                S("outcome.o.success"),
                S("pert(0.5, 0.6, 0.7)"),
            ],
            vec![S("High"), E, S("outcome.o.engagement"), S("lots")],
        ],
    );
    let e = refused(&sheets);
    for expected in [
        "sheet 'Scenarios', cell B3: scenario 'Low' is described differently in row 2: 'Less success'",
        "sheet 'Scenarios', cell A4: the row does not say which scenario it belongs to",
        "sheet 'Scenarios', cell D5: scenario 'Low' gives 'outcome.o.leakage' no value",
        "sheet 'Scenarios', cell C6: a value with no input name",
        "sheet 'Scenarios', cell C7: scenario 'Low' sets 'outcome.o.success' twice (also in row 2)",
        "sheet 'Scenarios', cell D8: value: 'pert(0.5, 0.6, 0.7)' is a distribution",
        "sheet 'Scenarios', cell D9: value: 'lots' is not a number",
    ] {
        assert!(e.contains(expected), "missing «{expected}» in:\n{e}");
    }
    assert_eq!(e.lines().count(), 7, "{e}");
}

#[test]
fn bad_correlation_rows_are_reported_at_their_cells() {
    let sheets = with_sheet(
        uncertain(),
        "Correlations",
        vec![
            header(&CORRELATION_HEADER),
            vec![S("outcome.o.engagement"), S("outcome.o.success"), E],
            vec![S("outcome.o.engagement"), E, N(0.5)],
            vec![S("outcome.o.engagement"), S("outcome.o.success"), S("high")],
        ],
    );
    let e = refused(&sheets);
    for expected in [
        "sheet 'Correlations', cell C2: the correlation has no rank",
        "sheet 'Correlations', cell B3: the correlation has no input_b",
        "sheet 'Correlations', cell C4: rank: 'high' is not a number",
    ] {
        assert!(e.contains(expected), "missing «{expected}» in:\n{e}");
    }
    assert_eq!(e.lines().count(), 3, "{e}");

    // Names and ranges are the validator's, still at their cells.
    let sheets = with_sheet(
        uncertain(),
        "Correlations",
        vec![
            header(&CORRELATION_HEADER),
            vec![S("outcome.o.engagement"), S("outcome.o.deadweight"), N(0.5)],
            vec![S("outcome.o.engagement"), S("outcome.o.success"), N(1.5)],
        ],
    );
    let e = refused(&sheets);
    assert!(
        e.contains(
            "sheet 'Correlations', cell B2: 'outcome.o.deadweight' is not an uncertain input"
        ),
        "{e}"
    );
    assert!(
        e.contains("sheet 'Correlations', cell C3: rank is 1.5"),
        "{e}"
    );
}

/// A cohort list shorter than the appraisal is named by its cell in a
/// workbook, as by its line in TOML; a year's blank cost cell is a stated 0.
#[test]
fn a_short_cohort_list_is_named_by_its_cell() {
    let toml = format!(
        r#"
[appraisal]
name = "Short"
first_year = "2015/16"
years = 3
{GRADES}
[[agency]]
id = "council"
kind = "local-authority"
[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = [1000]
confidence = 1
[[outcome]]
id = "o"
cohort = [10, 10]
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  fiscal = 100
"#
    );
    let data = ReferenceData::embedded();
    let from_toml = read_toml("m.toml", &toml, data).unwrap();
    assert_eq!(from_toml.warnings.len(), 2, "{:?}", from_toml.warnings);
    let (raw, _) = parse_raw_toml("m.toml", &toml).unwrap();
    let bytes = write_template(Some(&raw)).unwrap();
    let from_xlsx = read_xlsx("m.xlsx", &bytes, data).unwrap();
    assert_eq!(
        from_xlsx.warnings,
        [
            "m.xlsx: sheet 'Outcomes', cell C2: outcome 'o' gives cohorts for years 0 to 1 of an \
          appraisal of 3 years: years 2 to 2 (2017/18 to 2017/18) are taken as 0; write them \
          (0 for none), or say `stops = true` if no one starts after year 1 (2016/17)"
        ]
    );
    assert_eq!(from_xlsx.costs[0].amounts, [1000.0, 0.0, 0.0]);
}
