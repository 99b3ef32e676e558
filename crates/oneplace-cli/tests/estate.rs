//! `oneplace estate` as a user runs it: golden reports, imports that can be
//! repeated, bad input refused with its place, exit codes, files written
//! whole or not at all.

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

const PLACE: &str = "examples/estate/place.toml";

/// The five partners' extracts and mappings, as the example imports them.
const EXTRACTS: [(&str, &str); 5] = [
    ("county-property-register.xlsx", "county"),
    ("eastmere-assets.csv", "eastmere"),
    ("police-estate.csv", "police"),
    ("health-eric-estate.xlsx", "health"),
    ("fire-property.csv", "fire"),
];

/// A working copy of the example estate in a temporary directory, with no
/// register yet.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo().join("examples/estate");
    for sub in ["extracts", "mappings"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(from.join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
        }
    }
    for file in ["place.toml", "options.toml", "programme.toml"] {
        std::fs::copy(from.join(file), dir.path().join(file)).unwrap();
    }
    dir
}

fn import(dir: &Path, extract: &str, mapping: &str, more: &[&str]) -> Output {
    let extract = format!("extracts/{extract}");
    let mapping = format!("mappings/{mapping}.toml");
    let mut args = vec![
        "estate",
        "import",
        "place.toml",
        &extract,
        "--mapping",
        &mapping,
    ];
    args.extend(more);
    oneplace_in(dir, &args)
}

#[test]
fn golden_estate_report_with_programme() {
    let out = ok(&[
        "estate",
        "report",
        PLACE,
        "--programme",
        "examples/estate/programme.toml",
    ]);
    insta::assert_snapshot!("estate_report_northshire", out);
}

#[test]
fn golden_asset_options() {
    let out = ok(&["estate", "options", PLACE, "examples/estate/options.toml"]);
    insta::assert_snapshot!("estate_options_northshire", out);
}

#[test]
fn golden_csv_tables() {
    let pairs = ok(&[
        "estate",
        "report",
        PLACE,
        "--format",
        "csv",
        "--table",
        "co_location",
    ]);
    insta::assert_snapshot!("estate_co_location_csv", pairs);
    let options = ok(&[
        "estate",
        "options",
        PLACE,
        "examples/estate/options.toml",
        "--format",
        "csv",
        "--table",
        "options",
    ]);
    insta::assert_snapshot!("estate_options_csv", options);
}

#[test]
fn json_is_rounded_and_carries_the_appraisal() {
    let out = ok(&["estate", "report", PLACE, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hall = &v["analysis"]["sites"][0];
    assert_eq!(hall["site"], "county/C-001");
    // 1,470,000 ÷ 9,800 m² = £150 per m²; 1,470,000 ÷ 610 = £2,409.84.
    assert_eq!(hall["cost_per_m2"], 150.0);
    assert_eq!(hall["cost_per_occupant"], 2409.84);
    assert_eq!(hall["running_cost"], 1_470_000.0);
    assert_eq!(v["place"]["partners"][4]["kind"], "fire-service");
    let km = v["analysis"]["co_location"][0]["distance_km"]
        .as_f64()
        .unwrap();
    assert_eq!((km * 1000.0).round() / 1000.0, km);

    let out = ok(&[
        "estate",
        "options",
        PLACE,
        "examples/estate/options.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let hub = &v["options"][1];
    assert_eq!(hub["id"], "kingsmere-hub");
    assert_eq!(hub["capital_receipts"], 650_000.0);
    // The appraisal is the engine's own JSON, rounded to the penny.
    let npbi = hub["appraisal"]["npbi"].as_f64().unwrap();
    assert_eq!((npbi * 100.0).round() / 100.0, npbi);
    assert_eq!(hub["appraisal"]["price_base"], "2025/26");
    assert!(hub["appraisal"]["agencies"].as_array().unwrap().len() == 3);
}

#[test]
fn importing_the_examples_rebuilds_the_register_and_again_changes_nothing() {
    let dir = workspace();
    for (extract, mapping) in EXTRACTS {
        let o = import(dir.path(), extract, mapping, &[]);
        assert!(o.status.success(), "{extract}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("register.csv written"),
            "{}",
            stderr(&o)
        );
    }
    let built = std::fs::read_to_string(dir.path().join("register.csv")).unwrap();
    let shipped = std::fs::read_to_string(repo().join("examples/estate/register.csv")).unwrap();
    assert_eq!(built, shipped);

    // Every extract again: nothing added, nothing changed, nothing written.
    let modified = std::fs::metadata(dir.path().join("register.csv"))
        .unwrap()
        .modified()
        .unwrap();
    for (extract, mapping) in EXTRACTS {
        let o = import(dir.path(), extract, mapping, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains(" 0 added, "), "{e}");
        assert!(e.contains(" 0 changed; register.csv unchanged"), "{e}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("register.csv")).unwrap(),
        shipped
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("register.csv"))
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );
    let o = import(dir.path(), "police-estate.csv", "police", &[]);
    assert_eq!(
        stderr(&o),
        "extracts/police-estate.csv: 7 rows: 0 added, 7 unchanged, 0 changed; register.csv unchanged\n"
    );
}

#[test]
fn a_bad_extract_is_refused_whole_with_every_problem_located() {
    let dir = workspace();
    assert!(
        import(dir.path(), "fire-property.csv", "fire", &[])
            .status
            .success()
    );
    let before = std::fs::read(dir.path().join("register.csv")).unwrap();
    let good = std::fs::read_to_string(dir.path().join("extracts/fire-property.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    // Row 2: in the North Sea off Norway; row 3: no floor area but costs;
    // row 4: a number no one can read; row 6: the same site as row 2.
    lines[1] = lines[1].replace("52.736852,-0.621087", "59.9,4.9");
    lines[2] = lines[2].replace(",900,20,", ",0,20,");
    lines[3] = lines[3].replace(",24,19,", ",24,nineteen,");
    lines.push(lines[1].replace("59.9,4.9", "52.736852,-0.621087"));
    let mut bad = lines.join("\n");
    bad.push('\n');
    std::fs::write(dir.path().join("extracts/fire-bad.csv"), bad).unwrap();
    let o = import(dir.path(), "fire-bad.csv", "fire", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("estate_bad_extract_errors", stderr(&o));
    // Nothing written.
    assert_eq!(
        std::fs::read(dir.path().join("register.csv")).unwrap(),
        before
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_site_of_an_unknown_partner_and_a_bad_mapping_are_refused() {
    let dir = workspace();
    // A shared list whose Owner column names a body the place file lacks.
    std::fs::write(
        dir.path().join("extracts/shared.csv"),
        "Owner,Ref,Name,Lat,Lon,Tenure,Use,GIA\n\
         police,X1,Annexe,52.74,-0.63,freehold,office,100\n\
         ambulance,A1,Ambulance Station,52.74,-0.62,freehold,other,300\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mappings/shared.toml"),
        "[columns]\npartner = \"Owner\"\nreference = \"Ref\"\nname = \"Name\"\nlatitude = \"Lat\"\nlongitude = \"Lon\"\ntenure = \"Tenure\"\nuse = \"Use\"\nfloor_area = \"GIA\"\n",
    )
    .unwrap();
    let o = import(dir.path(), "shared.csv", "shared", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: extracts/shared.csv: row 3, column 'Owner': unknown partner 'ambulance': the place file does not name it (expected a partner of the place: county, eastmere, police, health, fire)\n"
    );
    assert!(!dir.path().join("register.csv").exists());

    // A mapping naming a partner the place lacks, located in the mapping.
    std::fs::write(
        dir.path().join("mappings/typo.toml"),
        std::fs::read_to_string(dir.path().join("mappings/fire.toml"))
            .unwrap()
            .replace("partner = \"fire\"", "partner = \"fire-service\""),
    )
    .unwrap();
    let o = import(dir.path(), "fire-property.csv", "typo", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: mappings/typo.toml:4:11: unknown partner 'fire-service'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn changed_values_need_update_which_reports_each_field() {
    let dir = workspace();
    assert!(
        import(dir.path(), "police-estate.csv", "police", &[])
            .status
            .success()
    );
    let path = dir.path().join("extracts/police-estate.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // Kingsmere Police Station is resurveyed: 1,210 m², and 20 staff.
    let changed = text.replace(",1150,45,14,31,", ",1210,45,20,31,");
    assert_ne!(changed, text);
    std::fs::write(&path, changed).unwrap();
    let before = std::fs::read(dir.path().join("register.csv")).unwrap();

    let o = import(dir.path(), "police-estate.csv", "police", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: extracts/police-estate.csv: row 4, column 'Floor Area m2': site 'police/P-KM' is already in the register with other values: floor_area_m2 1150 → 1210; occupants 14 → 20 (expected the register's values, or an update (--update) to replace them)\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("register.csv")).unwrap(),
        before
    );

    let o = import(
        dir.path(),
        "police-estate.csv",
        "police",
        &["--dry-run", "--update"],
    );
    assert!(o.status.success());
    assert!(
        stderr(&o).ends_with("dry run: nothing written\n"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(dir.path().join("register.csv")).unwrap(),
        before
    );

    let o = import(dir.path(), "police-estate.csv", "police", &["--update"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "changed police/P-KM (row 4): floor_area_m2 1150 → 1210; occupants 14 → 20\n\
         extracts/police-estate.csv: 7 rows: 0 added, 6 unchanged, 1 changed; register.csv written\n"
    );
    let register = std::fs::read_to_string(dir.path().join("register.csv")).unwrap();
    assert!(register.contains("police,P-KM,Kingsmere Police Station,"));
    assert!(
        register.contains(",police-station,1210,,45,20,31%,"),
        "{register}"
    );
}

#[test]
fn usage_mistakes_exit_2_and_input_mistakes_exit_1() {
    let code = |args: &[&str]| oneplace(args).status.code();
    assert_eq!(
        code(&["estate", "report", PLACE, "--table", "nope"]),
        Some(2)
    );
    assert_eq!(
        code(&["estate", "report", PLACE, "--under-used-below", "150%"]),
        Some(2)
    );
    assert_eq!(
        code(&["estate", "report", PLACE, "--within", "-1"]),
        Some(2)
    );
    assert_eq!(code(&["estate", "import", PLACE]), Some(2));
    let o = oneplace(&["estate", "report", "examples/estate/nowhere.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("examples/estate/nowhere.toml"),
        "{}",
        stderr(&o)
    );

    // A place with no register yet.
    let dir = workspace();
    let o = oneplace_in(dir.path(), &["estate", "report", "place.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: register.csv: there is no register yet: import a partner's extract first (oneplace estate import)\n"
    );

    // An options file with mistakes, every one located.
    std::fs::write(
        dir.path().join("bad-options.toml"),
        "[appraisal]\nfirst_year = \"2026/27\"\nyears = 5\n\n[[option]]\nid = \"x\"\nname = \"X\"\nconfidence = 9\n  [[option.vacate]]\n  site = \"police/NOPE\"\n  from = \"2040/41\"\n",
    )
    .unwrap();
    for (extract, mapping) in EXTRACTS {
        assert!(import(dir.path(), extract, mapping, &[]).status.success());
    }
    let o = oneplace_in(
        dir.path(),
        &["estate", "options", "place.toml", "bad-options.toml"],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("bad-options.toml:8:14: confidence 9 is not a grade"),
        "{e}"
    );
    assert!(
        e.contains("bad-options.toml:10:10: site 'police/NOPE' is not in the register"),
        "{e}"
    );
    assert!(
        e.contains("bad-options.toml:11:10: from 2040/41 is outside the appraisal"),
        "{e}"
    );
}

#[test]
fn the_map_and_the_workbook_are_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("northshire.svg");
    let book = dir.path().join("estate.xlsx");
    let map_arg = map.display().to_string();
    let book_arg = book.display().to_string();
    ok(&[
        "estate",
        "report",
        PLACE,
        "--programme",
        "examples/estate/programme.toml",
        "--map",
        &map_arg,
        "--format",
        "xlsx",
        "--out",
        &book_arg,
    ]);
    let svg = std::fs::read_to_string(&map).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains(r#"role="img""#));
    assert_eq!(svg.matches(r#"<g class="site">"#).count(), 39);
    let bytes = std::fs::read(&book).unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx workbook is a zip file");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}
