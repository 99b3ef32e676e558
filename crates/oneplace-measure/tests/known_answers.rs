//! Measurements whose answers are worked out by hand below, independently
//! of the code: costs, gross change, difference in differences, savings,
//! and what is reported as not counted.

use std::path::Path;

use oneplace_measure::{Measurement, parse_spec, run};

const SPEC: &str = r#"
measurement = "hand-worked"
price_year = "2015/16"
events = "events.csv"
cohort = "cohort.csv"
costing = "costing.csv"

[data]
from = "2023-04-01"
to = "2026-03-31"

[windows]
before_months = 12
after_months = 12

[bootstrap]
samples = 200
seed = 1
confidence = "90%"

[[outcome]]
id = "arrests"
events = ["arrest"]
"#;

// Local unit costs already in 2015/16 prices, so nothing is uprated.
const COSTING: &str = "\
event_type,ucd_code,unit_cost,price_year,agency
call-out,,50,2015/16,police
arrest,,700,2015/16,police
ae,,100,2015/16,nhs
visit,,60,2015/16,local-authority
";

// Windows: t1 and c1 start 2024-07-01 (before 2023-07-01..2024-06-30,
// after 2024-07-01..2025-06-30); t2 and c2 start 2024-10-01; c3 starts
// 2025-01-01 and has no events.
const COHORT: &str = "\
id,group,start
t1,treatment,2024-07-01
t2,treatment,2024-10-01
c1,comparison,2024-07-01
c2,comparison,2024-10-01
c3,comparison,2025-01-01
";

const EVENTS: &str = "\
id,date,event_type,quantity,cost,agency
t1,2023-08-01,arrest,1,,
t1,2024-06-30,call-out,2,,
t1,2024-07-01,ae,1,,
t1,2025-07-01,arrest,1,,
t1,2023-06-30,visit,1,,
t1,2024-09-01,visit,2,150,
t1,2024-08-01,dog-bite,1,,
t1,2026-06-01,arrest,1,,
t2,2024-01-15,ae,3,,
t2,2024-02-01,visit,1,,
t2,2025-01-01,call-out,1,,
t2,2025-03-01,ae,1,,local-authority
t2,2025-02-01,housing-review,1,300,local-authority
c1,2024-01-01,call-out,2,,
c1,2025-01-01,call-out,3,,
c1,2024-12-01,arrest,1,,
c2,2024-05-05,ae,1,,
c2,2025-05-05,ae,2,,
zz,2024-06-01,arrest,1,,
";

fn measure(dir: &Path) -> Measurement {
    let spec = parse_spec("spec.toml", SPEC, dir).unwrap();
    run(&spec).unwrap_or_else(|e| panic!("{e}"))
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn a_small_cohort_worked_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", COHORT),
            ("events.csv", EVENTS),
        ],
    );
    let m = measure(dir.path());

    // Costed events in the windows:
    // t1 before: arrest 700 + 2 call-outs 100 = police 800. (2023-06-30 is
    //   before the window; 2024-06-30 is its last day.)
    // t1 after: A&E on the start day 100 (nhs); a visit with its own cost
    //   150 (the quantity does not multiply it) (local-authority). The
    //   arrest on 2025-07-01 is the day after the window.
    // t2 before: 3 A&E 300 (nhs), a visit 60 (local-authority).
    // t2 after: a call-out 50 (police); A&E 100 on local-authority, the
    //   event's own agency; a housing review the costing map does not
    //   price, counted at its own cost 300 and agency (local-authority).
    // c1 before: 2 call-outs 100; after: 3 call-outs 150 + an arrest 700.
    // c2 before: A&E 100; after: 2 A&E 200. c3: nothing.
    let row = |a: &str| m.per_person.iter().find(|p| p.agency == a).unwrap().clone();
    let police = row("police");
    // Treatment: before (800 + 0) / 2 = 400, after (0 + 50) / 2 = 25.
    assert!(near(police.treatment_before, 400.0) && near(police.treatment_after, 25.0));
    assert!(near(police.gross_change, -375.0));
    // Comparison: before 100 / 3, after 850 / 3: change 250.
    assert!(near(police.comparison_before.unwrap(), 100.0 / 3.0));
    assert!(near(police.comparison_after.unwrap(), 850.0 / 3.0));
    // Net: −375 − 250 = −625.
    assert!(near(police.net_impact.unwrap(), -625.0));
    // NHS: treatment 150 → 50 (gross −100); comparison 100/3 → 200/3;
    // net −100 − 100/3.
    let nhs = row("nhs");
    assert!(near(nhs.gross_change, -100.0));
    assert!(near(nhs.net_impact.unwrap(), -100.0 - 100.0 / 3.0));
    // Local authority: treatment 30 → 275 (gross +245); comparison 0 → 0.
    let la = row("local-authority");
    assert!(near(la.treatment_before, 30.0) && near(la.treatment_after, 275.0));
    assert!(near(la.net_impact.unwrap(), 245.0));
    // Total: treatment 580 → 350 (gross −230); comparison 200/3 → 1050/3
    // (change 850/3); net −230 − 850/3.
    let t = &m.per_person_total;
    assert!(near(t.treatment_before, 580.0) && near(t.treatment_after, 350.0));
    assert!(near(t.net_impact.unwrap(), -230.0 - 850.0 / 3.0));

    // Savings over the 2 treatment families: minus the change, times 2.
    let saving = |a: &str| m.savings.iter().find(|s| s.agency == a).unwrap().clone();
    assert!(near(saving("police").gross, 750.0) && near(saving("police").net.unwrap(), 1250.0));
    assert!(near(saving("local-authority").net.unwrap(), -490.0));
    assert!(near(m.total.gross, 460.0));
    assert!(near(m.total.net.unwrap(), 2.0 * (230.0 + 850.0 / 3.0)));
    // The interval is around the estimate and the same from run to run.
    assert!(m.total.net_low.unwrap() <= m.total.net.unwrap());
    assert!(m.total.net.unwrap() <= m.total.net_high.unwrap());
    assert_eq!(measure(dir.path()), m);

    // Arrests: treatment 0.5 → 0 (gross −0.5), comparison 0 → 1/3; net
    // −0.5 − 1/3.
    let arrests = &m.metrics[0];
    assert!(near(arrests.baseline, 0.5) && near(arrests.gross_change, -0.5));
    assert!(near(arrests.value.unwrap(), -0.5 - 1.0 / 3.0));

    // Counts: 19 rows read; 4 + 5 + 3 + 2 = 14 counted in the windows.
    assert_eq!(m.events_read, 19);
    assert_eq!(m.events_counted, 14);
    assert_eq!(
        (
            m.cohort.treatment,
            m.cohort.comparison,
            m.cohort.without_events
        ),
        (2, 3, 1)
    );

    // What was not counted, and the member counted at zero, are reported
    // with where they are.
    let problem = |k: &str| {
        m.problems
            .iter()
            .find(|p| p.kind == k)
            .unwrap_or_else(|| panic!("{k}: {:?}", m.problems))
            .clone()
    };
    let unknown = problem("unknown_event_type");
    assert!(unknown.message.contains("'dog-bite'") && !unknown.counted && unknown.rows == 1);
    assert!(
        unknown.locations[0].ends_with("events.csv: row 8"),
        "{:?}",
        unknown.locations
    );
    let outside = problem("outside_data_period");
    assert!(
        outside.locations[0].ends_with("events.csv: row 9 (2026-06-01)"),
        "{:?}",
        outside.locations
    );
    assert!(problem("not_in_cohort").locations[0].ends_with("events.csv: row 20"));
    let none = problem("no_events");
    assert!(
        none.counted && none.locations[0].ends_with("cohort.csv: row 6 (id c3)"),
        "{:?}",
        none.locations
    );
    assert!(
        !m.problems
            .iter()
            .any(|p| p.message.contains("housing-review"))
    );

    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["savings"][2]["agency"], "police");
    assert_eq!(json["savings"][2]["net"], 1250.0);
    assert_eq!(json["total"]["net"], 1026.67);
    assert!(
        json["method"]
            .as_str()
            .unwrap()
            .starts_with("difference-in-differences")
    );
}

#[test]
fn people_in_both_groups_and_uncovered_windows_are_counted_out_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = format!("{COHORT}t1,comparison,2024-07-01\nlate,treatment,2025-06-01\n");
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", &cohort),
            ("events.csv", EVENTS),
        ],
    );
    let m = measure(dir.path());
    let both = m
        .problems
        .iter()
        .find(|p| p.kind == "in_both_groups")
        .unwrap();
    assert!(
        both.locations[0].ends_with("cohort.csv: rows 2, 7 (id t1)"),
        "{:?}",
        both.locations
    );
    let late = m
        .problems
        .iter()
        .find(|p| p.kind == "window_not_covered")
        .unwrap();
    // 2025-06-01 + 12 months runs past the data's end, 2026-03-31.
    assert!(late.locations[0].ends_with("cohort.csv: row 8 (id late, start 2025-06-01)"));
    // t1 is out: its 8 events are reported, not counted.
    let out = m
        .problems
        .iter()
        .find(|p| p.kind == "excluded_person")
        .unwrap();
    assert_eq!(out.rows, 8);
    assert_eq!(m.cohort.treatment, 1);
    // Without t1 the treatment group is t2 alone: police 0 → 50.
    let police = m.per_person.iter().find(|p| p.agency == "police").unwrap();
    assert!(near(police.gross_change, 50.0));
}

#[test]
fn bad_values_are_errors_with_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let costing = format!("{COSTING}fine,,,,\nbogus,CR99.9,,,\nboth,CR7.0,12,2015/16,police\n");
    let cohort = format!("{COHORT}q1,treated,2024-07-01\nq2,comparison,2024-02-30\n");
    write(
        dir.path(),
        &[
            ("costing.csv", &costing),
            ("cohort.csv", &cohort),
            ("events.csv", EVENTS),
        ],
    );
    let spec = parse_spec("spec.toml", SPEC, dir.path()).unwrap();
    let e = run(&spec).unwrap_err().to_string();
    for expected in [
        "costing.csv: row 6, column 'ucd_code': event type 'fine' has no unit cost: the costing map is missing its code",
        "costing.csv: row 7, column 'ucd_code': 'CR99.9' is not a code in the Unit Cost Database",
        "costing.csv: row 8, column 'unit_cost': event type 'both' has both",
        "cohort.csv: row 7, column 'group': group 'treated' is neither treatment nor comparison",
        "cohort.csv: row 8, column 'start': start '2024-02-30' is not a date",
    ] {
        assert!(e.contains(expected), "missing «{expected}» in:\n{e}");
    }

    // Events are checked once the costing map and cohort are sound.
    let events = format!(
        "{EVENTS}t1,2024-13-01,arrest,1,,\nt2,2024-05-01,arrest,-2,,\nt2,2024-05-01,arrest,1,,council-ish\n"
    );
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", COHORT),
            ("events.csv", &events),
        ],
    );
    let e = run(&spec).unwrap_err().to_string();
    for expected in [
        "events.csv: row 21, column 'date': date '2024-13-01' is not a date",
        "events.csv: row 22, column 'quantity': quantity -2 is negative",
        "events.csv: row 23, column 'agency': unknown agency 'council-ish'",
    ] {
        assert!(e.contains(expected), "missing «{expected}» in:\n{e}");
    }

    // An outcome counting a type the costing map does not price is located
    // in the spec.
    write(dir.path(), &[("events.csv", EVENTS)]);
    let bad = SPEC.replace("events = [\"arrest\"]", "events = [\"arest\"]");
    let spec = parse_spec("spec.toml", &bad, dir.path()).unwrap();
    let e = run(&spec).unwrap_err().to_string();
    assert!(
        e.contains("spec.toml:23:11: outcome 'arrests' counts event type 'arest'"),
        "{e}"
    );

    // A missing column is named.
    write(
        dir.path(),
        &[("events.csv", "id,when,event_type\nt1,2024-01-01,arrest\n")],
    );
    let spec = parse_spec("spec.toml", SPEC, dir.path()).unwrap();
    let e = run(&spec).unwrap_err().to_string();
    assert!(
        e.contains("events.csv: row 1: there is no 'date' column"),
        "{e}"
    );
}

const MODEL: &str = r#"[appraisal]
name = "Hand-worked case"
first_year = "2024/25"
price_base = "2015/16"
years = 3

[[agency]]
id = "council"
kind = "county-council"

[[agency]]
id = "constabulary"
kind = "police"

[[cost]]
id = "workers"
agency = "council"
type = "revenue"
amounts = [1000, 1000]
confidence = 2

[[outcome]]
id = "fewer-incidents"
cohort = 10
engagement = 0.5
success = 0.5
confidence = 3
  [[outcome.value]]
  fiscal = 100
  shares = { council = 0.5, constabulary = 0.5 }
"#;

#[test]
fn expected_savings_from_the_appraisal_beside_the_realised() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", COHORT),
            ("events.csv", EVENTS),
            ("model.toml", MODEL),
        ],
    );
    let text = format!("{SPEC}\n[appraisal]\nmodel = \"model.toml\"\n");
    let spec = parse_spec("spec.toml", &text, dir.path()).unwrap();
    let m = run(&spec).unwrap_or_else(|e| panic!("{e}"));
    let x = m.ex_ante.as_ref().unwrap();
    // Successful outcomes per starter: 0.5 × 0.5 = 0.25. Each is worth £100
    // less the grade-3 optimism reduction of 10%: £90, half to each agency.
    // Per starter per year: 0.25 × 90 × 0.5 = £11.25; over 2 treatment
    // families and a 12-month window, £22.50, already in 2015/16 prices.
    let row = |a: &str| x.rows.iter().find(|r| r.agency == a).unwrap().clone();
    let police = row("police");
    assert!(near(police.expected, 22.5), "{police:?}");
    assert_eq!(police.appraisal_agencies, vec!["constabulary".to_string()]);
    assert!(near(police.realised_net.unwrap(), 1250.0));
    // The county council is a local authority, which the measurement has.
    let la = row("local-authority");
    assert!(near(la.expected, 22.5) && la.appraisal_agencies == vec!["council".to_string()]);
    // The NHS was measured but the appraisal expected nothing of it.
    assert!(near(row("nhs").expected, 0.0));
}

#[test]
fn the_northshire_example_measures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/measure");
    let text = std::fs::read_to_string(dir.join("northshire-families.toml")).unwrap();
    let spec = parse_spec("northshire-families.toml", &text, &dir).unwrap();
    let m = run(&spec).unwrap_or_else(|e| panic!("{e}"));
    // Four treatment and four comparison families are measured; fam-200 is
    // in both groups and fam-300's windows run past the data.
    assert_eq!((m.cohort.treatment, m.cohort.comparison), (4, 4));
    let kinds: Vec<&str> = m.problems.iter().map(|p| p.kind.as_str()).collect();
    for k in [
        "in_both_groups",
        "window_not_covered",
        "not_in_cohort",
        "outside_data_period",
        "unknown_event_type",
        "no_events",
    ] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
    assert!(m.ex_ante.is_some());
}

/// The hand-worked cohort with an area for each member, matched on it.
fn matched(areas: [&str; 5]) -> Measurement {
    let dir = tempfile::tempdir().unwrap();
    let ids = ["t1", "t2", "c1", "c2", "c3"];
    let mut cohort = String::from("id,group,start,area\n");
    for (line, area) in COHORT.lines().skip(1).zip(areas) {
        cohort.push_str(&format!("{line},{area}\n"));
    }
    assert_eq!(cohort.lines().count(), ids.len() + 1);
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", &cohort),
            ("events.csv", EVENTS),
        ],
    );
    let spec = format!("{SPEC}\n[matching]\nattributes = [{{ name = \"area\" }}]\n");
    let spec = parse_spec("spec.toml", &spec, dir.path()).unwrap();
    run(&spec).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn coarsened_exact_matching_worked_by_hand() {
    // Areas: t1 north, t2 south; c1 north, c2 north, c3 south. Every
    // stratum has both groups: m_T = 2, m_C = 3. Weights: c1, c2 (north)
    // (3/2) × (1/2) = 0.75; c3 (south) (3/2) × (1/1) = 1.5; sum 3.
    let m = matched(["north", "south", "north", "north", "south"]);
    let x = m.matching.as_ref().unwrap();
    assert_eq!((x.strata, x.matched_strata), (2, 2));
    assert_eq!((x.matched_treatment, x.matched_comparison), (2, 3));
    // Police per person: c1 100 → 850, c2 0 → 0, c3 0 → 0.
    // Weighted comparison before (0.75 × 100) ÷ 3 = 25; after
    // (0.75 × 850) ÷ 3 = 212.5; change 187.5. Treatment 400 → 25 (−375).
    // Net −375 − 187.5 = −562.5.
    let police = m.per_person.iter().find(|p| p.agency == "police").unwrap();
    assert!(near(police.comparison_before.unwrap(), 25.0));
    assert!(near(police.comparison_after.unwrap(), 212.5));
    assert!(near(police.net_impact.unwrap(), -562.5));
    // Total: c1 100 → 850, c2 100 → 200, c3 0 → 0. Weighted before
    // (75 + 75) ÷ 3 = 50; after (637.5 + 150) ÷ 3 = 262.5; change 212.5.
    // Treatment 580 → 350 (−230). Net −230 − 212.5 = −442.5; over the two
    // treated members a net saving of 885.
    let t = &m.per_person_total;
    assert!(near(t.comparison_before.unwrap(), 50.0));
    assert!(near(t.comparison_after.unwrap(), 262.5));
    assert!(near(t.net_impact.unwrap(), -442.5));
    assert!(near(m.total.net.unwrap(), 885.0));
    assert!(m.method.contains("coarsened exact matching"));
}

#[test]
fn members_without_a_match_are_left_out_and_reported() {
    // Areas: t1 north, t2 east; c1 north, c2 north, c3 south. Only north
    // has both groups: t2 and c3 are left out. m_T = 1, m_C = 2: c1 and c2
    // weigh (2/1) × (1/2) = 1.
    let m = matched(["north", "east", "north", "north", "south"]);
    let x = m.matching.as_ref().unwrap();
    assert_eq!((x.strata, x.matched_strata), (3, 1));
    assert_eq!((x.unmatched_treatment, x.unmatched_comparison), (1, 1));
    // Police: t1 800 → 0 (−800); c1, c2 (100 + 0) ÷ 2 = 50 → (850 + 0) ÷ 2
    // = 425 (+375). Net −800 − 375 = −1,175; saving over one member 1,175.
    let police = m.per_person.iter().find(|p| p.agency == "police").unwrap();
    assert!(near(police.treatment_before, 800.0) && near(police.gross_change, -800.0));
    assert!(near(police.net_impact.unwrap(), -1175.0));
    let s = m.savings.iter().find(|s| s.agency == "police").unwrap();
    assert!(near(s.net.unwrap(), 1175.0));
    // The two left out are named, with their rows, and not counted.
    let p = m.problems.iter().find(|p| p.kind == "unmatched").unwrap();
    assert_eq!(p.rows, 2);
    assert!(!p.counted);
    assert!(p.locations.iter().any(|l| l.ends_with("row 3 (id t2)")));
    assert!(p.locations.iter().any(|l| l.ends_with("row 6 (id c3)")));
}

#[test]
fn a_matching_attribute_missing_or_not_a_number_is_located() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", COHORT),
            ("events.csv", EVENTS),
        ],
    );
    let spec =
        format!("{SPEC}\n[matching]\nattributes = [{{ name = \"age\", cut_points = [18, 65] }}]\n");
    let spec = parse_spec("spec.toml", &spec, dir.path()).unwrap();
    let e = run(&spec).expect_err("no age column").to_string();
    assert!(e.contains("cohort.csv") && e.contains("age"), "{e}");

    let cohort = "id,group,start,age\nt1,treatment,2024-07-01,forty\nc1,comparison,2024-07-01,41\n";
    write(dir.path(), &[("cohort.csv", cohort)]);
    let e = run(&spec).expect_err("age not a number").to_string();
    assert!(e.contains("row 2") && e.contains("forty"), "{e}");

    // Cut points out of order are the spec's mistake, at its line.
    let bad =
        format!("{SPEC}\n[matching]\nattributes = [{{ name = \"age\", cut_points = [65, 18] }}]\n");
    let e = parse_spec("spec.toml", &bad, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("spec.toml:") && e.contains("not ascending"),
        "{e}"
    );
}

#[test]
fn parquet_events_give_the_csv_measurement_problems_and_all() {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Date32Builder, Float64Builder, StringBuilder};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", COHORT),
            ("events.csv", EVENTS),
        ],
    );
    // The same events as Parquet, dates as Date32, blanks as nulls.
    let (mut id, mut date, mut ty) = (
        StringBuilder::new(),
        Date32Builder::new(),
        StringBuilder::new(),
    );
    let (mut q, mut cost, mut agency) = (
        Float64Builder::new(),
        Float64Builder::new(),
        StringBuilder::new(),
    );
    for line in EVENTS.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        id.append_value(f[0]);
        // Date32 counts days from 1970-01-01, as the day numbers do.
        date.append_value(oneplace_measure::days::day_number(
            oneplace_core::Date::parse(f[1]).unwrap(),
        ));
        ty.append_value(f[2]);
        q.append_option(f[3].parse::<f64>().ok());
        cost.append_option(f[4].parse::<f64>().ok());
        agency.append_option((!f[5].is_empty()).then_some(f[5]));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("event_type", DataType::Utf8, false),
        Field::new("quantity", DataType::Float64, true),
        Field::new("cost", DataType::Float64, true),
        Field::new("agency", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(date.finish()),
        Arc::new(ty.finish()),
        Arc::new(q.finish()),
        Arc::new(cost.finish()),
        Arc::new(agency.finish()),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let from_csv = measure(dir.path());
    // In one row group, and in row groups of two rows, which are read in
    // parallel and must still be reported in row order; with the text
    // columns stored as dictionaries (the writer's default, which the
    // reader keeps) and stored plain.
    for (rows_per_group, dictionary) in [
        (None, true),
        (Some(2), true),
        (None, false),
        (Some(2), false),
    ] {
        let file = std::fs::File::create(dir.path().join("events.parquet")).unwrap();
        let mut props = datafusion::parquet::file::properties::WriterProperties::builder()
            .set_dictionary_enabled(dictionary);
        if let Some(n) = rows_per_group {
            props = props.set_max_row_group_row_count(Some(n));
        }
        let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props.build())).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let spec = parse_spec(
            "spec.toml",
            &SPEC.replace("events.csv", "events.parquet"),
            dir.path(),
        )
        .unwrap();
        let from_parquet = run(&spec).unwrap_or_else(|e| panic!("{e}"));
        same_as_csv(&from_parquet, &from_csv);
    }
    assert!(from_csv.problems.len() >= 3, "{:?}", from_csv.problems);
}

/// The measurement from Parquet events is the one from the same events as
/// CSV: the figures, and every problem at the same rows.
fn same_as_csv(from_parquet: &Measurement, from_csv: &Measurement) {
    assert_eq!(from_parquet.per_person, from_csv.per_person);
    assert_eq!(from_parquet.savings, from_csv.savings);
    assert_eq!(from_parquet.events_counted, from_csv.events_counted);
    // Every problem the same, at the same rows, the file name aside.
    let strip = |m: &Measurement| -> Vec<(String, u64, Vec<String>)> {
        m.problems
            .iter()
            .map(|p| {
                (
                    p.kind.clone(),
                    p.rows,
                    p.locations
                        .iter()
                        .map(|l| l.replace("events.parquet", "events.csv"))
                        .collect(),
                )
            })
            .collect()
    };
    assert_eq!(strip(from_parquet), strip(from_csv));
}

/// A cohort large enough to be read in parallel runs (over 1 MB) locates
/// its errors and its people listed twice at their true rows, wherever the
/// runs are cut, and counts everyone else: the hand-worked cohort padded
/// with members who have no events.
#[test]
fn a_large_cohort_is_read_in_runs_and_located_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    // The header is row 1 and the hand-worked cohort rows 2–6; padding
    // member k (from 0) is on row 7 + k. 60,000 rows of 31 bytes: 1.9 MB.
    let padding = 60_000;
    let mut cohort = String::from(COHORT);
    for k in 0..padding {
        cohort.push_str(&format!("pad{k:07},comparison,2024-07-01\n"));
    }
    // Row 7 + 60,000 = 60,007: a bad group, in the last run.
    let bad = format!("{cohort}late,treatmnt,2024-07-01\n");
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", &bad),
            ("events.csv", EVENTS),
        ],
    );
    let spec = parse_spec("spec.toml", SPEC, dir.path()).unwrap();
    let e = run(&spec).unwrap_err().to_string();
    let expected = "cohort.csv: row 60007, column 'group': group 'treatmnt' is neither treatment nor comparison";
    assert!(e.contains(expected), "missing «{expected}» in:\n{e}");

    // t1 again at the end (row 60,007), in the other group: both rows are
    // reported and t1 is counted in neither group.
    let both = format!("{cohort}t1,comparison,2024-07-01\n");
    write(dir.path(), &[("cohort.csv", &both)]);
    let m = measure(dir.path());
    let p = m
        .problems
        .iter()
        .find(|p| p.kind == "in_both_groups")
        .expect("t1 reported in both groups");
    assert_eq!(p.rows, 1);
    assert!(
        p.locations[0].ends_with("cohort.csv: rows 2, 60007 (id t1)"),
        "{:?}",
        p.locations
    );
    // t2 alone in the treatment group; c1, c2, c3 and the padding compared.
    assert_eq!(m.cohort.treatment, 1);
    assert_eq!(m.cohort.comparison, 3 + padding);
}

/// An outcome that lists a type twice counts each event once: the
/// hand-worked arrests (baseline 0.5 a treated person, gross change −0.5,
/// net −0.5 − 1/3), not twice them.
#[test]
fn an_outcome_listing_a_type_twice_counts_it_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("costing.csv", COSTING),
            ("cohort.csv", COHORT),
            ("events.csv", EVENTS),
        ],
    );
    let twice = SPEC.replace(r#"events = ["arrest"]"#, r#"events = ["arrest", "arrest"]"#);
    assert_ne!(twice, SPEC);
    let spec = parse_spec("spec.toml", &twice, dir.path()).unwrap();
    let m = run(&spec).unwrap_or_else(|e| panic!("{e}"));
    let arrests = &m.metrics[0];
    assert!(near(arrests.baseline, 0.5) && near(arrests.gross_change, -0.5));
    assert!(near(arrests.value.unwrap(), -0.5 - 1.0 / 3.0));
}
