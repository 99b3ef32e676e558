//! `oneplace measure claims|contract|earn-back|metrics` as a user runs them
//! on the Northshire examples: the figures worked by hand in
//! `crates/oneplace-results/tests/known_answers.rs` (and in
//! `examples/results/README.md`), bad input refused with its place and
//! exit code 1, nothing written on failure.

mod common;

use common::{oneplace, repo};

fn ok_json(args: &[&str]) -> serde_json::Value {
    let o = oneplace(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON")
}

const EX: &str = "examples/results";

#[test]
fn troubled_families_claims_by_year() {
    let v = ok_json(&[
        "measure",
        "claims",
        &format!("{EX}/troubled-families-scheme.toml"),
        &format!("{EX}/troubled-families-outcomes.csv"),
        "--format",
        "json",
    ]);
    // Worked by hand: £17,750.00, £11,666.67 and £9,166.67 by year,
    // £38,583.34 in all after a one-in-six deduction of £7,716.66.
    let years: Vec<f64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["total"].as_f64().unwrap())
        .collect();
    assert_eq!(years, [17_750.00, 11_666.67, 9_166.67]);
    assert_eq!(v["totals"]["total"].as_f64(), Some(38_583.34));
    assert_eq!(v["totals"]["deduction"].as_f64(), Some(7_716.66));

    // The table names the years; one family explained.
    let o = oneplace(&[
        "measure",
        "claims",
        &format!("{EX}/troubled-families-scheme.toml"),
        &format!("{EX}/troubled-families-outcomes.csv"),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("2012/13") && text.contains("17,750.00"),
        "{text}"
    );
    let first = v["families"][0]["family"].as_str().unwrap().to_string();
    let o = oneplace(&[
        "measure",
        "claims",
        &format!("{EX}/troubled-families-scheme.toml"),
        &format!("{EX}/troubled-families-outcomes.csv"),
        "--explain",
        &first,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = oneplace(&[
        "measure",
        "claims",
        &format!("{EX}/troubled-families-scheme.toml"),
        &format!("{EX}/troubled-families-outcomes.csv"),
        "--explain",
        "no-such-family",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn an_outcome_contract_settled() {
    let v = ok_json(&[
        "measure",
        "contract",
        &format!("{EX}/outcome-contract.toml"),
        &format!("{EX}/outcome-contract-outcomes.csv"),
        "--format",
        "json",
    ]);
    // Worked by hand: £8,000 earned, the per-participant cap removes
    // £1,000 and the total cap another £1,000; a £600 top-up within the
    // £6,000; council £2,700, ICB £1,620, police £1,080.
    assert_eq!(v["before_caps"].as_f64(), Some(8_000.0));
    assert_eq!(v["removed_by_participant_cap"].as_f64(), Some(1_000.0));
    assert_eq!(v["removed_by_total_cap"].as_f64(), Some(1_000.0));
    assert_eq!(v["top_up"].as_f64(), Some(600.0));
    assert_eq!(v["total"].as_f64(), Some(6_000.0));
    let payers: Vec<f64> = v["payers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(payers, [2_700.0, 1_620.0, 1_080.0]);
}

#[test]
fn earn_back_and_metrics_run() {
    for (kind, file) in [
        ("earn-back", "earn-back.toml"),
        ("metrics", "bcf-metrics.toml"),
    ] {
        for format in ["table", "json", "csv"] {
            let o = oneplace(&["measure", kind, &format!("{EX}/{file}"), "--format", format]);
            assert!(
                o.status.success(),
                "{kind} {format}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(!o.stdout.is_empty());
        }
    }
}

#[test]
fn bad_input_is_located_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = dir.path().join("scheme.toml");
    std::fs::write(&scheme, "[scheme]\nname = \"x\"\nphase = 7\n").unwrap();
    let out = dir.path().join("claims.json");
    let o = oneplace(&[
        "measure",
        "claims",
        scheme.to_str().unwrap(),
        &format!("{EX}/troubled-families-outcomes.csv"),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("scheme.toml:3"), "{err}");
    assert!(!out.exists());

    let families = dir.path().join("families.csv");
    std::fs::write(
        &families,
        std::fs::read_to_string(repo().join(EX).join("troubled-families-outcomes.csv")).unwrap()
            + "ZZ,2099/00,,,\n",
    )
    .unwrap();
    let o = oneplace(&[
        "measure",
        "claims",
        &format!("{EX}/troubled-families-scheme.toml"),
        families.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("families.csv") && err.contains("row"), "{err}");
}
