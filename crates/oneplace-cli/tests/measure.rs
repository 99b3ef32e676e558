//! `oneplace measure` and `oneplace synth activity` as a user runs them:
//! golden reports on the Northshire example, JSON a deal can cite, bad
//! input refused with its place, exit codes, files written whole; the same
//! measurement on an Apache Ballista cluster started on localhost.

mod common;

use common::{ok, oneplace, oneplace_in, repo, stderr};

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

/// Numbers equal to within a millionth (a sum may be added up in a
/// different order on a cluster), everything else exactly.
fn same(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{at}: {x} != {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths differ");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}: keys differ"
            );
            for (k, v) in x {
                same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn a_ballista_cluster_on_localhost_gives_the_embedded_engines_result() {
    use ballista_core::serde::BallistaCodec;
    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;

    // A scheduler and an executor, on localhost ports of their choosing,
    // served by this runtime while the binary runs as a client.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let port = runtime.block_on(async {
        let addr = ballista_scheduler::standalone::new_standalone_scheduler()
            .await
            .expect("the scheduler starts");
        let url = format!("http://localhost:{}", addr.port());
        let mut tries = 0;
        let client = loop {
            match SchedulerGrpcClient::connect(url.clone()).await {
                Ok(c) => break c,
                Err(e) => {
                    tries += 1;
                    assert!(tries < 100, "the scheduler does not answer: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };
        ballista_executor::new_standalone_executor(client, 2, BallistaCodec::default())
            .await
            .expect("the executor starts");
        addr.port()
    });

    let local = ok(&["measure", "run", SPEC, "--format", "json"]);
    let engine = format!("ballista://localhost:{port}");
    let cluster = ok(&[
        "measure", "run", SPEC, "--format", "json", "--engine", &engine,
    ]);
    let (local, cluster): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&local).unwrap(),
        serde_json::from_str(&cluster).unwrap(),
    );
    same(&local, &cluster, "measurement");
    // The figures are real ones, not two empty results alike.
    assert!(local["events_counted"].as_u64().unwrap() > 0);

    // A shared staging folder is used, and left to its owner.
    let stage = tempfile::tempdir().unwrap();
    let staged = ok(&[
        "measure",
        "run",
        SPEC,
        "--format",
        "json",
        "--engine",
        &engine,
        "--stage",
        stage.path().to_str().unwrap(),
    ]);
    same(
        &local,
        &serde_json::from_str(&staged).unwrap(),
        "staged measurement",
    );
    // What the executors summed: the events' contributions, as Parquet.
    let staged_files: Vec<_> = std::fs::read_dir(stage.path().join("contributions"))
        .expect("the contributions are staged in the folder given")
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        !staged_files.is_empty()
            && staged_files
                .iter()
                .all(|f| f.extension().is_some_and(|x| x == "parquet")),
        "{staged_files:?}"
    );

    // No scheduler there: a clear engine failure, not a panic.
    let o = oneplace(&["measure", "run", SPEC, "--engine", "ballista://127.0.0.1:1"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("Ballista"), "{}", stderr(&o));
    drop(runtime);
}

#[test]
fn engine_and_stage_are_checked() {
    let o = oneplace(&["measure", "run", SPEC, "--engine", "spark://x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("ballista://HOST:PORT"),
        "{}",
        stderr(&o)
    );
    let o = oneplace(&["measure", "run", SPEC, "--stage", "/tmp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Ballista"), "{}", stderr(&o));
}
