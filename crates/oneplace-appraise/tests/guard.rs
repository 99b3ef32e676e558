//! The double-count guard: a Unit Cost Database parent with its own parts
//! or versions is refused anywhere in the model; separate lines and
//! alternatives used side by side are not.

use oneplace_appraise::read_toml;
use oneplace_refdata::ReferenceData;

/// A model with two outcomes, `a` and `b`, valued with `a_values` and
/// `b_values` (each a list of `[[outcome.value]]` bodies).
fn model(a_values: &[&str], b_values: &[&str]) -> String {
    let mut text = String::from(
        r#"[appraisal]
name = "Guard"
first_year = "2015/16"
years = 1

[[agency]]
id = "council"
kind = "county-council"

[[cost]]
id = "c"
agency = "council"
type = "revenue"
amounts = [1000]
confidence = 1
"#,
    );
    for (id, values) in [("a", a_values), ("b", b_values)] {
        if values.is_empty() {
            continue;
        }
        text.push_str(&format!(
            "\n[[outcome]]\nid = \"{id}\"\ncohort = 10\nengagement = 1\nsuccess = 1\nconfidence = 1\n"
        ));
        for v in values {
            text.push_str(&format!(
                "  [[outcome.value]]\n  shares = {{ council = 1 }}\n  {v}\n"
            ));
        }
    }
    text
}

fn check(text: &str) -> Result<(), String> {
    read_toml("m.toml", text, ReferenceData::embedded())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn a_sergeants_hour_with_an_inspectors_hour_is_accepted() {
    // CR9.1 is listed under CR9.0, not a part or version of it.
    check(&model(&["ucd = \"CR9.0\"", "ucd = \"CR9.1\""], &[])).unwrap();
}

#[test]
fn court_events_for_two_offences_are_accepted() {
    check(&model(&["ucd = \"CR5.1\"", "ucd = \"CR5.2\""], &[])).unwrap();
    // And with their headline, the court event for violence.
    check(&model(&["ucd = \"CR5.0\"", "ucd = \"CR5.2\""], &[])).unwrap();
}

#[test]
fn two_variants_side_by_side_are_accepted() {
    // Neighbourhood mediation cases of two kinds (CR1.4.1 and CR1.4.2,
    // variants under CR1.4): different cases, not one case twice.
    check(&model(&["ucd = \"CR1.4.1\"", "ucd = \"CR1.4.2\""], &[])).unwrap();
}

#[test]
fn a_parent_with_its_own_component_is_refused_naming_both_places() {
    let e = check(&model(&["ucd = \"CR2.0\"", "ucd = \"CR2.0.3\""], &[])).unwrap_err();
    // The outcome starts on line 17; each value takes three lines from 23.
    assert!(
        e.starts_with(
            "error: m.toml:26:3: outcome 'a' counts the same fiscal value twice: \
             CR2.0.3 is a component constituent of CR2.0"
        ),
        "{e}"
    );
    assert!(e.contains("; CR2.0 is valued at m.toml:23:3"), "{e}");
    assert!(e.contains("allow_overlap_with = [\"CR2.0\"]"), "{e}");
}

#[test]
fn a_parent_averaging_its_subsidiary_lines_is_refused_with_one_of_them() {
    // The override file says CR8.0 is the average crime across the types.
    let e = check(&model(&["ucd = \"CR8.0\"", "ucd = \"CR8.1\""], &[])).unwrap_err();
    assert!(
        e.contains("CR8.1 is a variant subsidiary line of CR8.0 (override: CR8.0 is the average"),
        "{e}"
    );
    // Two types of crime side by side are fine.
    check(&model(&["ucd = \"CR8.1\"", "ucd = \"CR8.2\""], &[])).unwrap();
}

#[test]
fn the_guard_spans_outcomes() {
    let e = check(&model(&["ucd = \"CR2.0\""], &["ucd = \"CR2.0.3\""])).unwrap_err();
    assert!(
        e.starts_with(
            "error: m.toml:33:3: outcome 'a' and outcome 'b' count the same fiscal value twice: \
             CR2.0.3 is a component constituent of CR2.0"
        ),
        "{e}"
    );
    assert!(
        e.contains("CR2.0 is valued in outcome 'a' at m.toml:23:3"),
        "{e}"
    );
    // One entry valuing two outcomes is two events, not one counted twice.
    check(&model(&["ucd = \"CR2.0\""], &["ucd = \"CR2.0\""])).unwrap();
    // Within one outcome, it is.
    let e = check(&model(&["ucd = \"CR2.0\"", "ucd = \"CR2.0\""], &[])).unwrap_err();
    assert!(e.contains("CR2.0 is used twice"), "{e}");
}

#[test]
fn an_allowance_names_the_codes_it_lets_through() {
    let reason = "allow_overlap = \"the police's own figure is used on purpose\"";
    // Named: only the pair with CR2.0 passes.
    let with = format!("ucd = \"CR2.0.3\"\n  {reason}\n  allow_overlap_with = [\"CR2.0\"]");
    check(&model(&["ucd = \"CR2.0\"", &with], &[])).unwrap();
    // Across outcomes too.
    check(&model(&["ucd = \"CR2.0\""], &[&with])).unwrap();
    // It does not let through a pair with another code: CR2.0.2 is another
    // component of CR2.0, and CR2.0 with it is still refused.
    let e = check(&model(
        &["ucd = \"CR2.0\"", &with, "ucd = \"CR2.0.2\""],
        &[],
    ))
    .unwrap_err();
    assert!(
        e.contains("CR2.0.2 is a component constituent of CR2.0"),
        "{e}"
    );
    assert!(!e.contains("CR2.0.3 is a component"), "{e}");
    // A named code this value does not overlap is stale.
    let stale =
        format!("ucd = \"CR2.0.3\"\n  {reason}\n  allow_overlap_with = [\"CR2.0\", \"CR9.0\"]");
    let e = check(&model(&["ucd = \"CR2.0\"", &stale], &[])).unwrap_err();
    assert!(
        e.contains("allow_overlap_with names CR9.0, but CR2.0.3 does not overlap CR9.0 anywhere in the model"),
        "{e}"
    );
    // An unknown code is named as such.
    let unknown = format!("ucd = \"CR2.0.3\"\n  {reason}\n  allow_overlap_with = [\"CR2.7\"]");
    let e = check(&model(&["ucd = \"CR2.0\"", &unknown], &[])).unwrap_err();
    assert!(e.contains("unknown Unit Cost Database code 'CR2.7'"), "{e}");
    // Codes without a reason are refused.
    let bare = "ucd = \"CR2.0.3\"\n  allow_overlap_with = [\"CR2.0\"]";
    let e = check(&model(&["ucd = \"CR2.0\"", bare], &[])).unwrap_err();
    assert!(
        e.contains("allow_overlap_with names codes but gives no reason"),
        "{e}"
    );
    // A reason alone exempts every pair of its value.
    let all = format!("ucd = \"CR2.0\"\n  {reason}");
    check(&model(
        &[&all, "ucd = \"CR2.0.3\"", "ucd = \"CR2.0.2\""],
        &[],
    ))
    .unwrap();
}
