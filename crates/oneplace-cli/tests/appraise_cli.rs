//! `oneplace appraise` and `oneplace ucd` as a user runs them: loaded
//! deflator vintages, bad input and its exit code, the results workbook.

mod common;

use common::{oneplace, oneplace_in, repo, stderr, stdout};

/// A hand-made vintage: flat from 2013/14 except +10% in 2020/21 and +5%
/// in 2024/25. Index: 100 to 2019/20, 110 from 2020/21, 115.5 in 2024/25.
const VINTAGE: &str = "year,percent_change,forecast
2013/14,0,false
2014/15,0,false
2015/16,0,false
2016/17,0,false
2017/18,0,false
2018/19,0,false
2019/20,0,false
2020/21,10,false
2021/22,0,false
2022/23,0,false
2023/24,0,false
2024/25,5,true
";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn ucd_show_uprates_with_a_loaded_vintage() {
    // Without one, 2024/25 is beyond the shipped vintage, and the message
    // says how to supply one.
    let o = oneplace(&["ucd", "show", "CR9.0", "--price-year", "2024/25"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("outside deflator vintage 'hmt-march-2015'"),
        "{err}"
    );
    assert!(err.contains("--deflators FILE"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "test-vintage.csv", VINTAGE);
    let o = oneplace(&[
        "ucd",
        "show",
        "CR9.0",
        "--price-year",
        "2024/25",
        "--deflators",
        &file,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // A sergeant's hour, £38.43 in 2013/14 prices: × 115.5 / 100 = £44.38665.
    assert_eq!(v["fiscal"]["price_year"], "2013/14");
    assert_eq!(v["fiscal"]["uprated_value"].as_f64(), Some(44.39));
    assert_eq!(v["deflators"], "test-vintage");
}

const MODEL: &str = r#"[appraisal]
name = "Loaded vintage"
first_year = "2024/25"
years = 1
price_base = "2024/25"
DEFLATORS

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
cohort = 1
engagement = 1
success = 1
confidence = 1
  [[outcome.value]]
  fiscal = 1000
  price_year = "2020/21"
"#;

#[test]
fn appraise_uses_a_loaded_vintage_by_default_or_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "test-vintage.csv", VINTAGE);
    for setting in ["", "deflators = \"test-vintage\""] {
        let model = write(dir.path(), "m.toml", &MODEL.replace("DEFLATORS", setting));
        // The shipped vintage ends in 2019/20: the price base is beyond it.
        let o = oneplace(&["appraise", &model, "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "{setting}");
        assert!(stderr(&o).contains("--deflators"), "{}", stderr(&o));
        let o = oneplace(&["appraise", &model, "--format", "json", "--deflators", &file]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        // £1,000 of benefit in 2020/21 prices is 1,000 × 115.5 / 110 =
        // £1,050 in 2024/25 prices, against £1,000 of cost, undiscounted in
        // year 0.
        assert!(
            (v["npbi"].as_f64().unwrap() - 50.0).abs() < 0.005,
            "{}",
            v["npbi"]
        );
        assert!((v["financial_roi"].as_f64().unwrap() - 1.05).abs() < 1e-9);
        let versions: Vec<&str> = v["reference_data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["version"].as_str().unwrap())
            .collect();
        assert!(versions.contains(&"test-vintage"), "{versions:?}");
    }
}

#[test]
fn a_bad_deflator_file_exits_1_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.csv",
        "year,percent_change,forecast\n2013/14,0,false\n2014/15,lots,false\n",
    );
    let o = oneplace(&["ucd", "show", "CR9.0", "--deflators", &bad]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("bad.csv:3:9: percent_change 'lots' is not a percentage change (expected the change on the previous year in percent"),
        "{err}"
    );
    let o = oneplace(&[
        "appraise",
        "examples/family-support.toml",
        "--deflators",
        &bad,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.csv:3:9:"), "{}", stderr(&o));
}

/// The integrated-care example with `from` replaced by `to`, appraised.
fn appraise_changed(dir: &std::path::Path, from: &str, to: &str) -> std::process::Output {
    let text = std::fs::read_to_string(repo().join("examples/integrated-care.toml")).unwrap();
    assert!(text.contains(from), "{from}");
    let model = write(dir, "bad.toml", &text.replacen(from, to, 1));
    oneplace_in(dir, &["appraise", &model])
}

#[test]
fn unknown_agency_kind_and_grade_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let o = appraise_changed(dir.path(), "kind = \"icb\"", "kind = \"health-board\"");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("unknown agency kind 'health-board'"), "{err}");
    assert!(err.contains("bad.toml:"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = appraise_changed(dir.path(), "confidence = 2", "confidence = 9");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("unknown confidence grade 9 (expected one of 1, 2, 3, 4, 5, 6"),
        "{err}"
    );
}

#[test]
fn a_blank_template_exits_1_pointing_at_the_cells_to_fill_in() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.xlsx");
    let o = oneplace(&["appraise", "--template", blank.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = oneplace(&["appraise", blank.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "blank.xlsx: sheet 'Settings', cell B2: name is required and this cell is blank"
        ),
        "{err}"
    );
    assert!(err.contains("cell B4: first_year is required"), "{err}");
    assert!(!err.contains("cell A1"), "{err}");
    assert!(err.contains("the model has no [[agency]]"), "{err}");
}

#[test]
fn a_malformed_workbook_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let fake = write(dir.path(), "model.xlsx", "not a workbook");
    let o = oneplace(&["appraise", &fake]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("model.xlsx"), "{}", stderr(&o));
}

#[test]
fn explain_reaches_matrix_cells_fair_split_rows_and_years() {
    let figures = common::ok(&[
        "appraise",
        "examples/family-support.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&figures).unwrap();
    let funder = v["matrix"]["funders"][0].as_str().unwrap();
    let beneficiary = v["matrix"]["beneficiaries"][0].as_str().unwrap();
    let cell = v["matrix"]["values"][0][0].as_f64().unwrap();
    let explain = |figure: &str| -> serde_json::Value {
        let out = common::ok(&[
            "appraise",
            "examples/family-support.toml",
            "--explain",
            figure,
            "--format",
            "json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let e = explain(&format!("matrix:{funder}:{beneficiary}"));
    assert!((e["amount"].as_f64().unwrap() - cell).abs() < 0.005);
    let year = explain("year:2027/28");
    let row = &v["years"][1];
    assert!((year["amount"].as_f64().unwrap() - row["net_fiscal"].as_f64().unwrap()).abs() < 0.005);
    let split = explain("fair_split:icb");
    let icb = v["fair_split"]["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == "icb")
        .unwrap();
    assert!(
        (split["amount"].as_f64().unwrap() - icb["net_current"].as_f64().unwrap()).abs() < 0.005
    );
    let o = oneplace(&["appraise", "--explain", "matrix:nobody:icb"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no funder 'nobody'"), "{}", stderr(&o));
}
