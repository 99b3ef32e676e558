//! Every input error names its place: file and line (TOML) or row and
//! column (CSV), and what is wrong. Nothing is dropped silently.

use oneplace_results::{earn_back, metrics, outcome_contract, troubled_families};

fn err<T: std::fmt::Debug>(r: Result<T, oneplace_core::InputError>) -> String {
    r.unwrap_err().to_string()
}

fn has(e: &str, parts: &[&str]) {
    for p in parts {
        assert!(e.contains(p), "expected '{p}' in:\n{e}");
    }
}

const HEADER: &str = "family,attached,crime-asb-education,progress-to-work,continuous-employment\n";

fn families(rows: &str) -> String {
    let scheme = troubled_families::Scheme::phase_one();
    err(troubled_families::read_families(
        &scheme,
        "families.csv",
        &format!("{HEADER}{rows}"),
    ))
}

#[test]
fn a_family_twice_is_named_with_both_rows() {
    let e = families("F1,2012/13,,,\nF2,2012/13,,,\nF1,2013/14,,,\n");
    has(
        &e,
        &[
            "families.csv: row 4, column 'family'",
            "family 'F1' is listed twice (first at row 2)",
        ],
    );
}

#[test]
fn an_outcome_before_attachment_is_refused() {
    let e = families("F1,2013/14,2012/13,,\n");
    has(
        &e,
        &[
            "families.csv: row 2, column 'crime-asb-education'",
            "achieves crime-asb-education in 2012/13, before it was attached (2013/14)",
        ],
    );
}

#[test]
fn a_year_without_an_attachment_fee_and_unreadable_years() {
    let e = families("F1,2016/17,,,\nF2,2012/13,,2012-14,\nF3,,,,\n");
    has(
        &e,
        &[
            "row 2, column 'attached': family 'F1' is attached in 2016/17, a year the scheme has no attachment fee for",
            "row 3, column 'progress-to-work'",
            "row 4, column 'attached'",
        ],
    );
}

#[test]
fn columns_must_be_the_schemes() {
    let scheme = troubled_families::Scheme::phase_one();
    let e = err(troubled_families::read_families(
        &scheme,
        "families.csv",
        "family,attached,crime,progress-to-work\nF1,2012/13,,\n",
    ));
    has(
        &e,
        &[
            "families.csv: row 1, column 'crime': unknown column 'crime'",
            "the header has no column 'crime-asb-education'",
            "the header has no column 'continuous-employment'",
        ],
    );
}

#[test]
fn scheme_errors_are_located() {
    let e = err(troubled_families::read_scheme(
        "scheme.toml",
        "[scheme]\nname = \"x\"\nphase = 3\nfunded = \"7/6\"\n",
    ));
    has(
        &e,
        &[
            "scheme.toml:3:9: phase 3 is not a phase of the programme",
            "scheme.toml:4:10: funded is not a fraction",
        ],
    );
    let e = err(troubled_families::read_scheme(
        "scheme.toml",
        "[scheme]\nname = \"x\"\nphase = 1\n\n[[outcome]]\nid = \"a\"\nname = \"A\"\npays = \"results\"\nsupersedes = true\n\n[[outcome]]\nid = \"b\"\nname = \"B\"\npays = \"results\"\nsupersedes = true\n",
    ));
    has(
        &e,
        &[
            "scheme.toml:11:1",
            "outcome 'b' supersedes the others, and so does another",
        ],
    );
    let e = err(troubled_families::read_scheme(
        "scheme.toml",
        "[scheme]\nname = \"x\"\nphase = 1\n[[outcome]]\nid = \"a\"\nname = \"A\"\npays = \"results\"\nless = \"£900\"\n",
    ));
    has(
        &e,
        &[
            "scheme.toml:8:8",
            "less (£900.00) is more than the results amount for families attached in 2012/13 (£800.00)",
        ],
    );
    let e = err(troubled_families::read_scheme(
        "scheme.toml",
        "[scheme]\nname = \"x\"\nphase = 1\nrate = 2\n",
    ));
    has(&e, &["scheme.toml:4:1", "unknown field `rate`"]);
}

#[test]
fn contract_file_errors_are_located() {
    let toml = r#"[contract]
name = "C"
[rate_card]
housed = "£1,000"
[[payer]]
id = "council"
share = "60%"
[[payer]]
id = "icb"
share = "30%"
[[threshold]]
outcome = "employed"
better = "higher"
margin_points = 5
[[threshold]]
outcome = "housed"
better = "up"
margin_points = 5
"#;
    let e = err(outcome_contract::read_contract("contract.toml", toml));
    has(
        &e,
        &[
            "contract.toml:12:11: a threshold for 'employed', which is not in the rate card",
            "contract.toml:17:10: direction 'up' is not known",
            "contract.toml:5:1: the payers' shares add up to 90%",
        ],
    );
}

fn contract() -> outcome_contract::Contract {
    outcome_contract::read_contract(
        "c.toml",
        "[contract]\nname = \"C\"\n[rate_card]\nhoused = 100\nemployed = 200\n[[payer]]\nid = \"council\"\nshare = 1\n",
    )
    .unwrap()
}

#[test]
fn outcome_rows_are_checked() {
    let csv = "participant,outcome,group,achieved\n\
               p1,housed,treatment,1\n\
               p1,employed,comparison,1\n\
               p2,rehoused,treatment,1\n\
               p3,housed,control,1\n\
               p4,housed,treatment,yes\n\
               p1,housed,treatment,0\n";
    let e = err(outcome_contract::read_outcomes(
        &contract(),
        "outcomes.csv",
        csv,
    ));
    has(
        &e,
        &[
            "outcomes.csv: row 3, column 'group': participant 'p1' is in both groups (in treatment at row 2)",
            "outcomes.csv: row 4, column 'outcome': outcome 'rehoused' is not in the rate card",
            "outcomes.csv: row 5, column 'group': group 'control' is not known",
            "outcomes.csv: row 6, column 'achieved'",
            "outcomes.csv: row 7, column 'outcome': participant 'p1' has 'housed' twice (first at row 2)",
        ],
    );
}

#[test]
fn earn_back_errors_are_located() {
    let toml = "[earn_back]\nname = \"E\"\nshare = \"125%\"\nfrom = \"2026/28\"\nyears = 0\n\
                [[year]]\nyear = \"2026/27\"\nmeasured = 1\n[[year]]\nyear = \"2026/27\"\nmeasured = 2\n";
    let e = err(earn_back::read_earn_back("eb.toml", toml));
    has(
        &e,
        &[
            "eb.toml:3:9: share is 125%, outside 0% to 100%",
            "eb.toml:4:8: from:",
            "eb.toml:5:9: years is 0",
            "eb.toml:10:8: 2026/27 is measured twice",
        ],
    );
}

#[test]
fn metrics_errors_are_located() {
    let toml = r#"[metrics]
name = "M"
[[period]]
id = "q1"
name = "Q1"
start = "2025-04-01"
end = "2025-06-30"
[[metric]]
id = "admissions"
name = "Admissions"
better = "sideways"
rate = "per fortnight"
denominator = { population = "people aged 65+", size = -112400 }
plan = { q1 = 140, q2 = 140 }
actual = { q1 = 160 }
"#;
    let e = err(metrics::read_metrics("bcf.toml", toml));
    has(
        &e,
        &[
            "bcf.toml:11:10: metric 'admissions': direction of good 'sideways' is not known",
            "bcf.toml:12:8: metric 'admissions': rate 'per fortnight' is not known",
            "bcf.toml:13:56: metric 'admissions': the denominator is negative (-112400)",
            "bcf.toml:14:20: metric 'admissions': a plan for period 'q2', which has no definition",
        ],
    );
}

#[test]
fn a_period_ending_before_it_starts() {
    let toml = "[metrics]\nname = \"M\"\n[[period]]\nid = \"q1\"\nname = \"Q1\"\nstart = \"2025-06-30\"\nend = \"2025-04-01\"\n[[metric]]\nid = \"a\"\nname = \"A\"\nbetter = \"higher\"\nrate = \"percentage\"\ndenominator = { population = \"p\", size = 0 }\n";
    let e = err(metrics::read_metrics("m.toml", toml));
    has(
        &e,
        &[
            "m.toml:7:7: period 'q1' ends (2025-04-01) before it starts (2025-06-30)",
            "m.toml:13:42: metric 'a': the denominator is zero",
        ],
    );
}

#[test]
fn an_empty_or_broken_csv_names_the_file() {
    let scheme = troubled_families::Scheme::phase_one();
    let e = err(troubled_families::read_families(&scheme, "empty.csv", ""));
    has(&e, &["empty.csv: the file is empty"]);
}

#[test]
fn margins_and_tolerances_written_as_percentages_are_refused() {
    let toml = "[contract]\nname = \"C\"\n[rate_card]\nhoused = 1\n[[payer]]\nid = \"a\"\nshare = 1\n\
                [[threshold]]\noutcome = \"housed\"\nbetter = \"higher\"\nmargin_points = \"5%\"\n";
    let e = err(outcome_contract::read_contract("c.toml", toml));
    has(
        &e,
        &["c.toml:11:17: margin_points is written as a percentage"],
    );
    let toml = "[contract]\nname = \"C\"\n[rate_card]\nhoused = 1\n[[payer]]\nid = \"a\"\nshare = 1\n\
                [[threshold]]\noutcome = \"housed\"\nbetter = \"higher\"\nmargin_relative = 10\n";
    let e = err(outcome_contract::read_contract("c.toml", toml));
    has(
        &e,
        &["c.toml:11:19: margin_relative is 1000%, outside 0% to 100%"],
    );
    let toml = "[metrics]\nname = \"M\"\n[[period]]\nid = \"q1\"\nname = \"Q1\"\nstart = \"2025-04-01\"\nend = \"2025-06-30\"\n\
                [[metric]]\nid = \"a\"\nname = \"A\"\nbetter = \"higher\"\nrate = \"percentage\"\ntolerance = \"1%\"\n\
                denominator = { population = \"p\", size = 10 }\n";
    let e = err(metrics::read_metrics("m.toml", toml));
    has(
        &e,
        &["m.toml:13:13: metric 'a': the tolerance is written as a percentage"],
    );
}
