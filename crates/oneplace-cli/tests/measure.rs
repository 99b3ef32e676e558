//! `oneplace measure` and `oneplace synth activity` as a user runs them:
//! golden reports on the Northshire example, JSON a deal can cite, bad
//! input refused with its place, exit codes, files written whole.

#![cfg(feature = "measure")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn oneplace_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oneplace"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn oneplace(args: &[&str]) -> Output {
    oneplace_in(&repo(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 errors")
}

fn ok(args: &[&str]) -> String {
    let o = oneplace(args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    stdout(&o)
}

const SPEC: &str = "examples/measure/northshire-families.toml";

#[test]
fn golden_measurement_of_the_northshire_example() {
    insta::assert_snapshot!("measure_northshire_table", ok(&["measure", "run", SPEC]));
    insta::assert_snapshot!(
        "measure_northshire_json",
        ok(&["measure", "run", SPEC, "--format", "json"])
    );
    insta::assert_snapshot!(
        "measure_northshire_savings_csv",
        ok(&[
            "measure", "run", SPEC, "--format", "csv", "--table", "savings"
        ])
    );
}

#[test]
fn json_has_the_shape_deals_read() {
    let out = ok(&["measure", "run", SPEC, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["measurement"], "northshire-families");
    assert_eq!(v["period"], "2025/26");
    for s in v["savings"].as_array().unwrap() {
        assert!(s["agency"].is_string() && s["gross"].is_number() && s["net"].is_number());
    }
    assert!(
        v["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "arrests")
    );
}

#[test]
fn xlsx_is_written_whole_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.xlsx");
    let o = oneplace(&[
        "measure",
        "run",
        SPEC,
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], b"PK");
}

#[test]
fn bad_input_exits_1_with_its_place_and_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "northshire-families.toml",
        "cohort.csv",
        "costing.csv",
        "events.csv",
    ] {
        std::fs::copy(repo().join("examples/measure").join(f), dir.path().join(f)).unwrap();
    }
    let costing = std::fs::read_to_string(dir.path().join("costing.csv")).unwrap();
    std::fs::write(
        dir.path().join("costing.csv"),
        costing.replace("arrest,CR7.0", "arrest,CR77.0"),
    )
    .unwrap();
    let o = oneplace_in(dir.path(), &["measure", "run", "northshire-families.toml"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("measure_bad_costing", stderr(&o));

    let o = oneplace(&["measure", "run", SPEC, "--table", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("there is no table 'nonsense'"));
}

#[test]
fn synthetic_activity_is_written_and_measured() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("activity");
    let o = oneplace(&[
        "synth",
        "activity",
        "--people",
        "300",
        "--seed",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "cohort.csv",
        "costing.csv",
        "events.csv",
        "events.parquet",
        "measure.toml",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
    // The same seed writes the same files.
    let again = dir.path().join("again");
    ok(&[
        "synth",
        "activity",
        "--people",
        "300",
        "--seed",
        "5",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(out.join("events.csv")).unwrap(),
        std::fs::read(again.join("events.csv")).unwrap()
    );
    let m = ok(&[
        "measure",
        "run",
        out.join("measure.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&m).unwrap();
    assert_eq!(v["cohort"]["treatment"], 150);
}
