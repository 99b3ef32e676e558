//! The `oneplace` command as a user runs it: output, exit codes, files.

use std::path::PathBuf;
use std::process::{Command, Output};

fn oneplace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oneplace"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the binary runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
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

const EXAMPLES: [&str; 4] = [
    "family-support",
    "employment-skills",
    "integrated-care",
    "domestic-abuse",
];

#[test]
fn golden_table_output_for_each_example() {
    for name in EXAMPLES {
        let out = ok(&["appraise", &format!("examples/{name}.toml")]);
        insta::assert_snapshot!(format!("appraise_{name}_table"), out);
    }
}

#[test]
fn golden_json_output_for_each_example() {
    for name in EXAMPLES {
        let out = ok(&[
            "appraise",
            &format!("examples/{name}.toml"),
            "--format",
            "json",
        ]);
        insta::assert_snapshot!(format!("appraise_{name}_json"), out);
    }
}

#[test]
fn json_has_the_documented_keys() {
    let out = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "npbi",
        "financial_roi",
        "cashable_financial_roi",
        "nppv",
        "public_value_roi",
        "payback_year_discounted",
        "payback_year_undiscounted",
        "agencies",
        "matrix",
        "fair_split",
        "years",
        "reference_data",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "agency",
        "pv_cost",
        "pv_fiscal_benefit",
        "pv_cashable_benefit",
        "net",
        "roi",
    ] {
        assert!(v["agencies"][0].get(key).is_some(), "agencies lack {key}");
    }
    // Amounts are numbers in pounds, rounded to the penny.
    let npbi = v["npbi"].as_f64().unwrap();
    assert_eq!((npbi * 100.0).round() / 100.0, npbi);
    let versions: Vec<&str> = v["reference_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["version"].as_str().unwrap())
        .collect();
    assert!(versions.contains(&"gmca-v1.4"), "{versions:?}");
}

#[test]
fn no_model_appraises_the_bundled_example() {
    let bundled = ok(&["appraise"]);
    let explicit = ok(&["appraise", "examples/family-support.toml"]);
    assert_eq!(bundled, explicit);
}

#[test]
fn one_table_as_plain_csv() {
    let out = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--format",
        "csv",
        "--table",
        "agencies",
    ]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("agency,name,pv_cost,pv_fiscal_benefit,pv_cashable_benefit,net,roi")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("county-council,Northshire County Council,")
    );
    let o = oneplace(&[
        "appraise",
        "examples/family-support.toml",
        "--format",
        "csv",
        "--table",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("available: summary, agencies"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_traces_a_figure_to_its_inputs() {
    let out = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--explain",
        "npbi",
    ]);
    assert!(out.starts_with("Net present budget impact = £"), "{out}");
    assert!(out.contains("Unit Cost Database CR1.0"), "{out}");
    assert!(
        out.contains("cost 'key-workers' (county-council, revenue)"),
        "{out}"
    );
    let out = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--explain",
        "agency:police",
    ]);
    assert!(out.contains("agency 'police' net position"), "{out}");
    let o = oneplace(&[
        "appraise",
        "examples/family-support.toml",
        "--explain",
        "outcome:nothing",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no outcome 'nothing'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_model_exits_1_naming_the_place_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(repo().join("examples/domestic-abuse.toml"))
        .unwrap()
        .replace("success = 0.35", "success = 3.5");
    std::fs::write(&model, text).unwrap();
    let out = dir.path().join("result.json");
    let o = oneplace(&[
        "appraise",
        model.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("bad.toml:89:11: success is 3.5, outside 0–1"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written on error");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial files"
    );
}

#[test]
fn missing_file_exits_1() {
    let o = oneplace(&["appraise", "examples/no-such-model.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: examples/no-such-model.toml:"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = oneplace(&["appraise", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = oneplace(&["ucd"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn results_workbook_and_template_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.xlsx");
    ok(&[
        "appraise",
        "examples/integrated-care.toml",
        "--format",
        "xlsx",
        "--out",
        results.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&results).unwrap().starts_with(b"PK"));

    // A template filled in from the model appraises to the same figures.
    let template = dir.path().join("model.xlsx");
    ok(&[
        "appraise",
        "examples/integrated-care.toml",
        "--template",
        template.to_str().unwrap(),
    ]);
    let from_toml = ok(&[
        "appraise",
        "examples/integrated-care.toml",
        "--format",
        "json",
    ]);
    let from_xlsx = ok(&["appraise", template.to_str().unwrap(), "--format", "json"]);
    let a: serde_json::Value = serde_json::from_str(&from_toml).unwrap();
    let b: serde_json::Value = serde_json::from_str(&from_xlsx).unwrap();
    for key in [
        "npbi",
        "nppv",
        "financial_roi",
        "public_value_roi",
        "agencies",
        "years",
        "fair_split",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }

    let blank = dir.path().join("blank.xlsx");
    ok(&["appraise", "--template", blank.to_str().unwrap()]);
    assert!(blank.exists());
    let o = oneplace(&[
        "appraise",
        "--template",
        dir.path().join("t.csv").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn ucd_show_json_has_the_documented_fields() {
    let out = ok(&[
        "ucd",
        "show",
        "E&E1.0",
        "--format",
        "json",
        "--price-year",
        "2012/13",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["code"], "E&E1.0");
    assert_eq!(v["unit"], "Per claimant per year");
    assert!(
        v["description"]
            .as_str()
            .unwrap()
            .starts_with("Job Seeker's Allowance")
    );
    assert_eq!(v["fiscal"]["value"], 9800.0);
    assert_eq!(v["fiscal"]["price_year"], "2012/13");
    // Uprated to its own price year it is unchanged.
    assert_eq!(v["fiscal"]["uprated_value"], 9800.0);
    assert_eq!(v["fiscal"]["uprated_to"], "2012/13");
    assert_eq!(v["economic"]["value"], 14044.0);
    assert!(v["social"].is_null());
    assert_eq!(v["children"].as_array().unwrap().len(), 11);
}

#[test]
fn ucd_show_uprates_as_the_workbook_does() {
    // CR1.0: £500 in 2002/03 prices; the workbook caches £673.2312… for 2015/16.
    let out = ok(&["ucd", "show", "cr1.0", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["fiscal"]["uprated_value"], 673.23);
    assert_eq!(v["fiscal"]["uprated_to"], "2015/16");
    let text = ok(&["ucd", "show", "CR1.0"]);
    assert!(text.contains("£673.23"), "{text}");
}

#[test]
fn ucd_errors() {
    let o = oneplace(&["ucd", "show", "CR99.0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no Unit Cost Database entry 'CR99.0'"),
        "{}",
        stderr(&o)
    );
    let o = oneplace(&["ucd", "show", "CR1.0", "--price-year", "2030/31"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("outside deflator vintage"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn ucd_search_lists_matches() {
    let out = ok(&["ucd", "search", "domestic", "violence", "police"]);
    insta::assert_snapshot!("ucd_search_domestic_violence_police", out);
    let out = ok(&["ucd", "search", "A&E", "--format", "json", "--limit", "3"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 3);
    assert!(v["matches"].as_u64().unwrap() > 3);
}

/// An independent implementation of the method (bench/appraise_peer.py,
/// plain Python written from the formulas, reading the same data files)
/// agrees with oneplace on every example.
#[test]
fn an_independent_python_appraisal_agrees() {
    for name in EXAMPLES {
        let model = format!("examples/{name}.toml");
        let peer = Command::new("python3")
            .arg("bench/appraise_peer.py")
            .arg(&model)
            .current_dir(repo())
            .output()
            .expect("python3 runs (CPython 3.11 or later is part of this machine kind)");
        assert!(peer.status.success(), "{}", stderr(&peer));
        let theirs: serde_json::Value = serde_json::from_slice(&peer.stdout).unwrap();
        let ours: serde_json::Value =
            serde_json::from_str(&ok(&["appraise", &model, "--format", "json"])).unwrap();
        let near = |a: &serde_json::Value, b: &serde_json::Value, tolerance: f64, what: &str| {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(
                (a - b).abs() <= tolerance,
                "{name} {what}: oneplace {a}, peer {b}"
            );
        };
        near(&ours["npbi"], &theirs["npbi"], 0.006, "npbi");
        near(&ours["nppv"], &theirs["nppv"], 0.006, "nppv");
        for key in [
            "financial_roi",
            "cashable_financial_roi",
            "public_value_roi",
        ] {
            near(&ours[key], &theirs[key], 1e-6, key);
        }
        assert_eq!(
            ours["payback_year_undiscounted"], theirs["payback_year_undiscounted"],
            "{name}"
        );
        for agency in ours["agencies"].as_array().unwrap() {
            let id = agency["agency"].as_str().unwrap();
            for key in ["pv_cost", "pv_fiscal_benefit"] {
                near(
                    &agency[key],
                    &theirs["agencies"][id][key],
                    0.006,
                    &format!("{id} {key}"),
                );
            }
        }
    }
}

#[test]
fn simulation_reports_distributions_reproducibly() {
    let args = |threads: &str| {
        ok(&[
            "appraise",
            "examples/family-support.toml",
            "--simulate",
            "20000",
            "--seed",
            "5",
            "--threads",
            threads,
            "--format",
            "json",
        ])
    };
    let one = args("1");
    assert_eq!(
        one,
        args("2"),
        "the same seed gives the same figures whatever the threads"
    );
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let sim = &v["simulation"];
    assert_eq!(sim["draws"], 20000);
    assert_eq!(sim["partial"], false);
    for key in [
        "npbi",
        "financial_roi",
        "cashable_financial_roi",
        "nppv",
        "public_value_roi",
    ] {
        for stat in [
            "mean",
            "sd",
            "p5",
            "p10",
            "p50",
            "p90",
            "p95",
            "probability_below",
            "standard_error",
        ] {
            assert!(sim[key][stat].is_number(), "{key}.{stat}");
        }
        let bins = sim[key]["histogram"].as_array().unwrap();
        let total: u64 = bins.iter().map(|b| b["count"].as_u64().unwrap()).sum();
        assert_eq!(total, 20000, "{key} histogram counts every draw");
    }
    let nppv = &sim["nppv"];
    let (p10, p50, p90) = (
        nppv["p10"].as_f64().unwrap(),
        nppv["p50"].as_f64().unwrap(),
        nppv["p90"].as_f64().unwrap(),
    );
    assert!(p10 < p50 && p50 < p90);
    // The deterministic NPPV sits inside the simulated range.
    let base = v["nppv"].as_f64().unwrap();
    assert!(nppv["min"].as_f64().unwrap() < base && base < nppv["max"].as_f64().unwrap());
    assert_eq!(sim["agencies"].as_array().unwrap().len(), 6);
    assert!(sim["payback_discounted"]["by_year"].is_array());
    // key-workers scale; anti-social behaviour engagement and success; crime
    // success and quantity; foster care success, deadweight and scale;
    // adults into work success.
    assert_eq!(sim["inputs"].as_array().unwrap().len(), 9);
    let other_seed = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--simulate",
        "20000",
        "--seed",
        "6",
        "--format",
        "json",
    ]);
    assert_ne!(one, other_seed);
}

#[test]
fn simulating_a_model_without_uncertain_inputs_is_explained() {
    let o = oneplace(&[
        "appraise",
        "examples/integrated-care.toml",
        "--simulate",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the model has no uncertain inputs to simulate"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sensitivity_golden_output() {
    let out = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--sensitivity",
        "--table",
        "scenarios",
    ]);
    insta::assert_snapshot!("family_support_scenarios", out);
    let out = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--sensitivity",
        "--table",
        "tornado",
    ]);
    insta::assert_snapshot!("family_support_tornado", out);
    let json = ok(&[
        "appraise",
        "examples/family-support.toml",
        "--sensitivity",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let switching = v["sensitivity"]["switching_values"].as_array().unwrap();
    let key_workers = switching
        .iter()
        .find(|s| s["input"] == "cost.key-workers.scale")
        .unwrap();
    // NPPV is linear in the cost's scale: NPPV(k) = NPPV(1) − (k − 1) × PV(key workers).
    let pv_key_workers = v["costs"][0]["pv"].as_f64().unwrap();
    let nppv = v["nppv"].as_f64().unwrap();
    let expected = 1.0 + nppv / pv_key_workers;
    let found = key_workers["nppv"]["value"].as_f64().unwrap();
    assert!((found - expected).abs() < 1e-4, "{found} vs {expected}");
    assert_eq!(key_workers["nppv"]["method"], "exact");
}

#[test]
fn charts_are_written_as_accessible_svg() {
    let dir = tempfile::tempdir().unwrap();
    let o = oneplace(&[
        "appraise",
        "examples/family-support.toml",
        "--simulate",
        "5000",
        "--chart",
        dir.path().to_str().unwrap(),
        "--table",
        "summary",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cash-flow.svg",
            "npv-distribution.svg",
            "tornado.svg",
            "who-pays-who-benefits.svg"
        ]
    );
    for name in names {
        let svg = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        assert!(svg.contains("role=\"img\""), "{name}");
        assert!(svg.contains("<title>"), "{name}");
        assert!(!svg.contains("could not be drawn"), "{name}");
    }
    let cash = std::fs::read_to_string(dir.path().join("cash-flow.svg")).unwrap();
    assert!(cash.contains("2027/28"), "the payback year is marked");
}

#[test]
fn draws_export_as_csv_and_npy() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("draws.csv");
    let npy = dir.path().join("draws.npy");
    for path in [&csv, &npy] {
        ok(&[
            "appraise",
            "examples/family-support.toml",
            "--simulate",
            "1000",
            "--seed",
            "3",
            "--export-draws",
            path.to_str().unwrap(),
            "--table",
            "summary",
        ]);
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 13, "9 inputs and 4 outputs");
    assert_eq!(
        header[9..],
        ["npbi", "nppv", "financial_roi", "public_value_roi"]
    );
    assert_eq!(lines.count(), 1000);
    let bytes = std::fs::read(&npy).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + header_len) % 64, 0, "data aligned to 64 bytes");
    assert_eq!(bytes.len(), 10 + header_len + 1000 * 13 * 8);
    // The first row's NPBI in both files is the same number.
    let first_csv: f64 = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(9)
        .unwrap()
        .parse()
        .unwrap();
    let at = 10 + header_len + 9 * 8;
    let first_npy = f64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    assert_eq!(first_csv, first_npy);
}

#[test]
fn appraisals_over_fifty_years_get_the_no_pure_time_preference_test() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("long.toml");
    let text = std::fs::read_to_string(repo().join("examples/integrated-care.toml"))
        .unwrap()
        .replace("years = 10", "years = 60");
    std::fs::write(&model, text).unwrap();
    let out = ok(&[
        "appraise",
        model.to_str().unwrap(),
        "--table",
        "no_pure_time_preference",
    ]);
    assert!(out.contains("No pure time preference (2026 test)"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "appraise",
        model.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    let t = &v["no_pure_time_preference"];
    assert_eq!(t["schedule"], "no-pure-time-preference-sensitivity");
    // Lower rates raise the value of later benefits and costs alike; here
    // benefits come later, so the NPPV rises.
    assert!(t["without_pure_time_preference"]["nppv"].as_f64() > t["base"]["nppv"].as_f64());
    // Ten years: not run.
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "appraise",
        "examples/integrated-care.toml",
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(v.get("no_pure_time_preference").is_none());
}

#[test]
fn ledger_reports_and_bad_journals() {
    let out = ok(&[
        "ledger",
        "report",
        "monitoring",
        "examples/ledger/northshire-bcf.journal",
    ]);
    insta::assert_snapshot!("ledger_monitoring_2025_26_m01", out);
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "ledger",
        "report",
        "partners",
        "examples/ledger/northshire-bcf.journal",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["balance"], 1_031_250.0);
    let csv = ok(&[
        "ledger",
        "report",
        "monitoring",
        "examples/ledger/northshire-bcf.journal",
        "--format",
        "csv",
        "--table",
        "lines",
    ]);
    assert!(csv.starts_with("scheme,source,annual_budget,"), "{csv}");
    assert!(
        csv.contains("community-nursing,nhs-minimum,2400000.00,200000.00,200000.00"),
        "{csv}"
    );

    // Partners' accounts at the Westmere year end; the disclosure note is
    // prose, wrapped rather than drawn as a one-cell table.
    let accounts = ok(&[
        "ledger",
        "report",
        "accounts",
        "examples/ledger/westmere-year-end.journal",
    ]);
    insta::assert_snapshot!("ledger_accounts_westmere_2025_26", accounts);

    // An unbalanced transaction: exit 1, the file and line, nothing else.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.journal");
    let text = std::fs::read_to_string(repo().join("examples/ledger/northshire-bcf.journal"))
        .unwrap()
        .replace("  expenditure:services      £200,000.00  scheme:community-nursing source:nhs-minimum\n  assets:bank\n",
                 "  expenditure:services      £200,000.00  scheme:community-nursing source:nhs-minimum\n  assets:bank              -£199,999.99\n");
    std::fs::write(&bad, text).unwrap();
    let o = oneplace(&["ledger", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "bad.journal:92:1: the transaction does not balance: its postings add up to £0.01"
        ),
        "{err}"
    );
}

#[test]
fn ledger_import_appends_once_and_refuses_changed_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("pool.journal");
    std::fs::copy(
        repo().join("examples/ledger/northshire-bcf.journal"),
        &journal,
    )
    .unwrap();
    let import = |csv: &str| {
        oneplace(&[
            "ledger",
            "import",
            csv,
            "--mapping",
            "examples/ledger/import/icb-mapping.toml",
            "--journal",
            journal.to_str().unwrap(),
        ])
    };
    let o = import("examples/ledger/import/icb-2025-05.csv");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("15 rows: 15 added"), "{}", stderr(&o));
    let after_first = std::fs::read_to_string(&journal).unwrap();
    let o = import("examples/ledger/import/icb-2025-05.csv");
    assert!(stderr(&o).contains("0 added"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        after_first,
        "re-import changes nothing"
    );
    ok(&["ledger", "check", journal.to_str().unwrap()]);

    // The same extract with one amount changed: an error, nothing written.
    let original =
        std::fs::read_to_string(repo().join("examples/ledger/import/icb-2025-05.csv")).unwrap();
    let first_data_line = original.lines().nth(1).unwrap().to_string();
    let amount = first_data_line
        .split(',')
        .find(|f| f.contains('.'))
        .unwrap()
        .to_string();
    let changed = original.replacen(
        &first_data_line,
        &first_data_line.replacen(&amount, "1.23", 1),
        1,
    );
    let csv = dir.path().join("changed.csv");
    std::fs::write(&csv, changed).unwrap();
    let o = import(csv.to_str().unwrap());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("changed.csv: row 2"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        after_first,
        "nothing written"
    );
}

#[test]
fn pool_settle_golden_and_explained() {
    let out = ok(&[
        "pool",
        "settle",
        "examples/ledger/westmere-agreement.toml",
        "examples/ledger/westmere-year-end.journal",
    ]);
    insta::assert_snapshot!("westmere_settlement", out);
    let explained = ok(&[
        "pool",
        "settle",
        "examples/ledger/westmere-agreement.toml",
        "examples/ledger/westmere-year-end.journal",
        "--explain",
        "icb",
    ]);
    assert!(
        explained.starts_with("icb: £23,454.54 (pays in)"),
        "{explained}"
    );
    let forecast = ok(&[
        "pool",
        "settle",
        "examples/ledger/westmere-agreement.toml",
        "examples/ledger/westmere-year-end.journal",
        "--forecast",
        "2025/26 M12",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&forecast).unwrap();
    assert_eq!(v["forecast"], "2025/26 M12");
    assert_eq!(v["transactions"], "", "a forecast posts nothing");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = [\"rehab\", \"dialysis\"]\nshare = \"pro-rata\"\n").unwrap();
    let o = oneplace(&[
        "pool",
        "settle",
        bad.to_str().unwrap(),
        "examples/ledger/westmere-year-end.journal",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bad.toml:4:11: unknown scheme 'dialysis'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn pool_contributions_golden_directives_and_bad_plans() {
    let out = ok(&[
        "pool",
        "contributions",
        "examples/ledger/northshire-2026-27-plan.toml",
        "examples/ledger/northshire-bcf.journal",
    ]);
    insta::assert_snapshot!("northshire_contributions_2026_27", out);

    let dir = tempfile::tempdir().unwrap();
    let directives = dir.path().join("next.journal");
    let json = ok(&[
        "pool",
        "contributions",
        "examples/ledger/northshire-2026-27-plan.toml",
        "examples/ledger/northshire-bcf.journal",
        "--directives",
        directives.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["total_contribution"], 5_420_552.0);
    // The journal and the directives load together.
    ok(&[
        "ledger",
        "check",
        "examples/ledger/northshire-bcf.journal",
        directives.to_str().unwrap(),
    ]);

    // A bad plan: exit 1, the place, and no directives file written.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[plan]\nyear = \"2026/27\"\nuplift = \"2.5%\"\n\n[uplift_by_partner]\nnhs = \"5%\"\n",
    )
    .unwrap();
    let not_written = dir.path().join("never.journal");
    let o = oneplace(&[
        "pool",
        "contributions",
        bad.to_str().unwrap(),
        "examples/ledger/northshire-bcf.journal",
        "--directives",
        not_written.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bad.toml:6:1: unknown partner 'nhs'"),
        "{}",
        stderr(&o)
    );
    assert!(!not_written.exists());
}

#[test]
fn synthetic_ledgers_are_reproducible_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.journal");
    let b = dir.path().join("b.journal");
    for path in [&a, &b] {
        ok(&[
            "synth",
            "ledger",
            "--postings",
            "3000",
            "--seed",
            "7",
            "--out",
            path.to_str().unwrap(),
        ]);
    }
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(&b).unwrap(),
        "same seed, same journal"
    );
    ok(&["ledger", "check", a.to_str().unwrap()]);
    // Never more postings than asked for.
    let postings = text
        .lines()
        .filter(|l| {
            [
                "  assets",
                "  liabilities",
                "  equity",
                "  income",
                "  expenditure",
            ]
            .iter()
            .any(|root| l.starts_with(root))
        })
        .count();
    assert!(postings <= 3000 && postings > 2500, "{postings}");

    // The exports carry the reference and the dimensions of each posting.
    let hledger = ok(&[
        "ledger",
        "export",
        "--to",
        "hledger",
        "examples/ledger/northshire-bcf.journal",
    ]);
    assert!(hledger.contains("; ref:ICB-Q1"), "{hledger}");
    assert!(hledger.contains("partner:icb"), "{hledger}");
    let beancount = ok(&[
        "ledger",
        "export",
        "--to",
        "beancount",
        "examples/ledger/northshire-bcf.journal",
    ]);
    assert!(beancount.contains("open Assets:Bank GBP"), "{beancount}");
    assert!(beancount.contains("partner: \"icb\""), "{beancount}");
}

/// `--out` onto a pipe (or a device such as /dev/null) writes into it; it
/// must not rename a file over it, which would replace the pipe with a plain
/// file.
#[test]
fn output_to_a_pipe_is_written_into_the_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("results.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = oneplace(&[
        "appraise",
        "examples/family-support.toml",
        "--format",
        "json",
        "--out",
        fifo.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Checked before waiting for the reader, which would wait for ever on a
    // pipe that nothing wrote to.
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
    let json: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert!(json["npbi"].is_number(), "{json}");
}

/// `--out` onto a symbolic link replaces the file it names and keeps the
/// link.
#[test]
fn output_through_a_symbolic_link_keeps_the_link() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("results.csv");
    std::fs::write(&target, "old").unwrap();
    let link = tmp.path().join("latest.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = oneplace(&[
        "appraise",
        "examples/family-support.toml",
        "--format",
        "csv",
        "--out",
        link.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.len() > 100 && written != "old", "{written}");
}
