//! A synthetic population with a planted effect: the estimate recovers it
//! within its interval, and CSV and Parquet give the same measurement.

use oneplace_measure::{parse_spec, run, synth};

#[test]
fn the_planted_effect_is_recovered_within_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let (people, seed) = (4_000, 42);
    let csv = std::fs::File::create(dir.path().join("events.csv")).unwrap();
    let pq = std::fs::File::create(dir.path().join("events.parquet")).unwrap();
    let events = synth::write_events(people, seed, Some(csv), Some(pq)).unwrap();
    std::fs::write(
        dir.path().join("cohort.csv"),
        synth::cohort_csv(people, seed),
    )
    .unwrap();
    std::fs::write(dir.path().join("costing.csv"), synth::costing_csv()).unwrap();

    let spec_text = synth::spec_toml("events.parquet", seed);
    let spec = parse_spec("measure.toml", &spec_text, dir.path()).unwrap();
    let m = run(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.events_read, events);
    assert_eq!((m.cohort.treatment, m.cohort.comparison), (2_000, 2_000));

    // Worked from the documented rates, by hand: per person-month before
    // start, call-outs 0.25 × £50 = 12.50, arrests 0.05 × £700 = 35, A&E
    // 0.15 × £110 = 16.50, social work 0.40 × £60 = 24, exclusions 0.10 ×
    // 2 days × £40 = 8: £96 a month, £1,152 a year. After start everyone's
    // demand is 10% higher and the treatment group's 25% lower on top, so
    // the net impact is −0.25 × 1.10 × £1,152 = −£316.80 per person, and
    // the gross change is (1.10 × 0.75 − 1) × £1,152 = −£201.60.
    let planted = -316.8;
    assert!((synth::planted_net_per_person() - planted).abs() < 1e-9);
    let total = &m.per_person_total;
    let (low, high) = (total.net_low.unwrap(), total.net_high.unwrap());
    assert!(
        low <= planted && planted <= high,
        "planted {planted} outside [{low}, {high}] (estimate {:?})",
        total.net_impact
    );
    // The interval excludes no effect, and the gross change is told apart
    // from the net impact: it is about −201.60, outside the interval.
    assert!(high < 0.0);
    assert!(
        total.gross_change > high,
        "gross {} inside the net interval",
        total.gross_change
    );
    assert!(
        (total.gross_change - -201.6).abs() < 60.0,
        "gross {}",
        total.gross_change
    );

    // The same events as CSV give the same measurement.
    let csv_spec = parse_spec(
        "measure.toml",
        &synth::spec_toml("events.csv", seed),
        dir.path(),
    )
    .unwrap();
    let from_csv = run(&csv_spec).unwrap();
    assert_eq!(from_csv.per_person, m.per_person);
    assert_eq!(from_csv.savings, m.savings);
    assert_eq!(from_csv.metrics, m.metrics);
}
