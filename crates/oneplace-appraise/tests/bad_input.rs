//! Bad models get messages that name the place and what was expected.

use oneplace_appraise::read_toml;
use oneplace_refdata::ReferenceData;

const BASE: &str = r#"[appraisal]
name = "Bad input"
first_year = "2015/16"
years = 3

[[agency]]
id = "council"
kind = "county-council"

[[agency]]
id = "police"
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
  shares = { council = 0.5, police = 0.5 }
"#;

/// The first error for `BASE` with `from` replaced by `to`.
fn error_for(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    let text = BASE.replacen(from, to, 1);
    match read_toml("m.toml", &text, ReferenceData::embedded()) {
        Ok(_) => panic!("accepted: {to}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_base_model_is_valid() {
    read_toml("m.toml", BASE, ReferenceData::embedded()).unwrap();
}

#[test]
fn unknown_agency_names_line_column_and_the_choices() {
    let e = error_for("agency = \"council\"", "agency = \"counsil\"");
    assert_eq!(
        e,
        "error: m.toml:16:10: unknown agency 'counsil' (expected one of the model's agencies: council, police)"
    );
}

#[test]
fn unknown_unit_cost_code_suggests_neighbours() {
    let e = error_for("fiscal = 100\n  shares", "ucd = \"CR2.9\"\n  shares");
    assert!(
        e.starts_with("error: m.toml:28:9: unknown Unit Cost Database code 'CR2.9'"),
        "{e}"
    );
    assert!(e.contains("CR2.0"), "{e}");
}

#[test]
fn shares_must_sum_to_one() {
    let e = error_for("police = 0.5 }", "police = 0.4 }");
    assert!(
        e.starts_with("error: m.toml:29:12: the shares add up to 0.9"),
        "{e}"
    );
    assert!(e.contains("expected shares that add up to 1"), "{e}");
}

#[test]
fn rates_outside_zero_to_one() {
    let e = error_for("engagement = 0.5", "engagement = 1.5");
    assert_eq!(
        e,
        "error: m.toml:24:14: engagement is 1.5, outside 0–1 (expected a fraction from 0 to 1 (0.35) or a percentage (\"35%\"))"
    );
    let e = error_for("success = 0.5", "success = \"120%\"");
    assert!(
        e.starts_with("error: m.toml:25:11: success is 1.2, outside 0–1"),
        "{e}"
    );
}

#[test]
fn unknown_grade_lists_the_grades() {
    let e = error_for("confidence = 3", "confidence = 9");
    assert_eq!(
        e,
        "error: m.toml:26:14: unknown confidence grade 9 (expected one of 1, 2, 3, 4, 5, 6 (table 'oneplace-default-2026'))"
    );
}

#[test]
fn unknown_agency_kind() {
    let e = error_for("kind = \"police\"", "kind = \"constabulary\"");
    assert!(
        e.starts_with("error: m.toml:12:8: unknown agency kind 'constabulary'"),
        "{e}"
    );
}

#[test]
fn malformed_numbers_and_years() {
    let e = error_for("amounts = [1000, 1000]", "amounts = [1000, \"1,00\"]");
    // The entry itself is named, not the list: column 18 is the second amount.
    assert!(
        e.starts_with("error: m.toml:18:18: the year 1 amount:"),
        "{e}"
    );
    assert!(e.contains("thousands separators"), "{e}");
    let e = error_for("first_year = \"2015/16\"", "first_year = \"2015/17\"");
    assert!(
        e.starts_with("error: m.toml:3:14: first_year: '2015/17'"),
        "{e}"
    );
}

#[test]
fn too_many_years_and_overlapping_phases() {
    let e = error_for("amounts = [1000, 1000]", "amounts = [1, 2, 3, 4]");
    assert!(
        e.starts_with("error: m.toml:18:11: 4 amounts for an appraisal of 3 years"),
        "{e}"
    );
    let phases = "[[cost.phase]]\nfrom = 0\nto = 1\nannual = 5\n[[cost.phase]]\nfrom = \"2016/17\"\nto = 2\nannual = 6";
    let e = error_for(
        "amounts = [1000, 1000]\nconfidence = 2",
        &format!("confidence = 2\n{phases}"),
    );
    assert!(
        e.contains("m.toml:23:1: the phase overlaps another (m.toml:19:1) in year 1 (2016/17)"),
        "{e}"
    );
    let e = error_for(
        "amounts = [1000, 1000]\nconfidence = 2",
        "confidence = 2\n[[cost.phase]]\nfrom = 0\nto = 3\nannual = 5",
    );
    assert!(e.contains("m.toml:21:6: to falls outside the appraisal period (expected a year from 2015/16 (year 0) to 2017/18 (year 2))"), "{e}");
}

#[test]
fn typos_in_field_names_are_caught_by_the_parser() {
    let e = error_for("engagement = 0.5", "engagment = 0.5");
    assert!(
        e.starts_with("error: m.toml:24:1: unknown field `engagment`"),
        "{e}"
    );
}

#[test]
fn several_problems_are_reported_together() {
    let text = BASE
        .replacen("agency = \"council\"", "agency = \"nobody\"", 1)
        .replacen("success = 0.5", "success = 2", 1);
    let e = read_toml("m.toml", &text, ReferenceData::embedded()).unwrap_err();
    assert_eq!(e.diagnostics.len(), 2, "{e}");
}

#[test]
fn price_base_outside_the_deflator_vintage_explains_itself() {
    let e = error_for("first_year = \"2015/16\"", "first_year = \"2026/27\"");
    assert!(e.contains("price base 2026/27: 2026/27 is outside deflator vintage 'hmt-march-2015', which covers 1989/90 to 2019/20"), "{e}");
    assert!(e.contains("set price_base"), "{e}");
}

#[test]
fn double_counting_a_parent_with_its_components_is_refused() {
    let values = "ucd = \"CR2.0\"\n  shares = { council = 0.5, police = 0.5 }\n  [[outcome.value]]\n  ucd = \"CR2.0.3\"";
    let e = error_for(
        "fiscal = 100\n  shares = { council = 0.5, police = 0.5 }",
        values,
    );
    assert!(e.contains("m.toml:30:3: outcome 'fewer-incidents' counts the same fiscal value twice: CR2.0.3 is a component constituent of CR2.0"), "{e}");
    // Said to be intended, it passes.
    let allowed =
        format!("{values}\n  allow_overlap = \"police time valued separately on purpose\"");
    let text = BASE.replacen(
        "fiscal = 100\n  shares = { council = 0.5, police = 0.5 }",
        &allowed,
        1,
    );
    read_toml("m.toml", &text, ReferenceData::embedded()).unwrap();
}

#[test]
fn a_multiple_agency_value_needs_shares() {
    let e = error_for(
        "fiscal = 100\n  shares = { council = 0.5, police = 0.5 }",
        "ucd = \"CR2.0\"",
    );
    assert!(
        e.contains("m.toml:27:3: CR2.0's fiscal value falls to 'Multiple': say how it splits"),
        "{e}"
    );
}

#[test]
fn years_between_phases_are_missing_not_free() {
    // Phases for year 0 and for years 3 to 4 of a five-year appraisal leave
    // years 1 and 2 uncosted.
    let phases = "confidence = 2\n  [[cost.phase]]\n  from = 0\n  to = 0\n  annual = 1000\n  [[cost.phase]]\n  from = 3\n  to = 4\n  annual = 500\n";
    let text = BASE.replacen("years = 3", "years = 5", 1).replacen(
        "amounts = [1000, 1000]\nconfidence = 2\n",
        phases,
        1,
    );
    let e = match read_toml("m.toml", &text, ReferenceData::embedded()) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        e,
        "error: m.toml:23:3: no phase covers years 1 to 2 (2016/17 to 2017/18), between the phase at m.toml:19:3 and this one \
         (expected a [[cost.phase]] from 1 to 2 (annual = 0 if nothing is spent then), or phases that meet)"
    );
    // Said with a phase of 0, it is accepted, and the years are 0.
    let filled = text.replacen(
        "  [[cost.phase]]\n  from = 3",
        "  [[cost.phase]]\n  from = 1\n  to = 2\n  annual = 0\n  [[cost.phase]]\n  from = 3",
        1,
    );
    let model = read_toml("m.toml", &filled, ReferenceData::embedded()).unwrap();
    assert_eq!(model.costs[0].amounts, [1000.0, 0.0, 0.0, 500.0, 500.0]);
}

#[test]
fn a_short_list_is_named_unless_the_model_says_it_stops() {
    // One amount over a five-year appraisal: years 1 to 4 are 0, and the
    // model is told where and why.
    let text = BASE.replacen("years = 3", "years = 5", 1).replacen(
        "amounts = [1000, 1000]",
        "amounts = [5]",
        1,
    );
    let model = read_toml("m.toml", &text, ReferenceData::embedded()).unwrap();
    assert_eq!(model.costs[0].amounts, [5.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(
        model.warnings,
        [
            "m.toml:18:11: cost 'workers' gives amounts for years 0 to 0 of an appraisal of 5 years: \
          years 1 to 4 (2016/17 to 2019/20) are taken as 0; write them (0 for none), or say \
          `stops = true` if the cost ends after year 0 (2015/16)"
        ]
    );
    // `stops = true` is the model's statement: no warning.
    let stated = text.replacen("amounts = [5]", "amounts = [5]\nstops = true", 1);
    let model = read_toml("m.toml", &stated, ReferenceData::embedded()).unwrap();
    assert!(model.warnings.is_empty(), "{:?}", model.warnings);
    // The same for cohorts.
    let cohorts = BASE.replacen("cohort = 10", "cohort = [10, 10]", 1);
    let model = read_toml("m.toml", &cohorts, ReferenceData::embedded()).unwrap();
    assert_eq!(model.warnings.len(), 2, "{:?}", model.warnings);
    assert!(
        model.warnings[1].starts_with(
            "m.toml:23:10: outcome 'fewer-incidents' gives cohorts for years 0 to 1 of an appraisal of 3 years"
        ),
        "{:?}",
        model.warnings
    );
    assert!(model.warnings[1].ends_with("if no one starts after year 1 (2016/17)"));
}
