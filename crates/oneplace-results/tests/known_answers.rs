//! Known answers worked by hand, the arithmetic written out beside each
//! figure. The inputs are the shipped examples in `examples/results/`.

use oneplace_core::{FinancialYear, Money};
use oneplace_results::{earn_back, metrics, outcome_contract, troubled_families};

fn example(name: &str) -> String {
    let path = format!(
        "{}/../../examples/results/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pounds(p: &str) -> Money {
    Money::parse(p).unwrap()
}

fn fy(y: i32) -> FinancialYear {
    FinancialYear::starting(y)
}

// ---------------------------------------------------------------------------
// Troubled Families, phase 1: 12 families over three years.
//
// Per family £4,000. Attachment fee and results amount R by year attached:
//   2012/13: 80% = £3,200, R = £800  → crime/ASB/education £700, progress
//            to work £100, continuous employment £800
//   2013/14: 60% = £2,400, R = £1,600 → £1,500, £100, £1,600
//   2014/15: 40% = £1,600, R = £2,400 → £2,300, £100, £2,400
//
// Families (attached; outcomes and years) and what each is paid:
//   0001 12/13; nothing                     → fee only
//   0002 12/13; crime 12/13                 → £700 in 12/13
//   0003 12/13; work 13/14                  → £100 in 13/14
//   0004 12/13; crime 12/13, work 13/14     → £700 12/13, £100 13/14
//   0005 12/13; employment 13/14            → £800 13/14
//   0006 12/13; crime 12/13, employment 14/15
//                                           → £700 12/13; employment
//                                             £800 − £700 = £100 in 14/15
//   0007 13/14; crime and employment 13/14  → crime superseded (£0);
//                                             employment £1,600 13/14
//   0008 13/14; work 13/14, crime 14/15     → £100 13/14, £1,500 14/15
//   0009 13/14; employment 13/14, crime 14/15
//                                           → £1,600 13/14; crime later
//                                             is superseded (£0)
//   0010 13/14; work 13/14, employment 14/15
//                                           → £100 13/14; employment
//                                             £1,600 − £100 = £1,500 14/15
//   0011 14/15; crime 14/15                 → £2,300 14/15
//   0012 14/15; all three in 14/15          → crime and work superseded;
//                                             employment £2,400
//
// 2012/13: fees 6 × £3,200 = £19,200; crime 0002, 0004, 0006 = 3 × £700 =
//   £2,100; gross £21,300; deduction £21,300 / 6 = £3,550.00; claim
//   £17,750.00.
// 2013/14: fees 4 × £2,400 = £9,600; crime £0 (0007 superseded); work 0003,
//   0004, 0008, 0010 = 4 × £100 = £400; employment 0005 £800 + 0007 £1,600
//   + 0009 £1,600 = £4,000; results £4,400; gross £14,000; deduction
//   1,400,000p / 6 = 233,333.33p → £2,333.33; claim £11,666.67.
// 2014/15: fees 2 × £1,600 = £3,200; crime 0008 £1,500 + 0011 £2,300 =
//   £3,800 (0009 and 0012 superseded); work £0 (0012 superseded);
//   employment 0006 £100 + 0010 £1,500 + 0012 £2,400 = £4,000; results
//   £7,800; gross £11,000; deduction 1,100,000p / 6 = 183,333.33p →
//   £1,833.33; claim £9,166.67.
// Totals: 12 families, fees £32,000, results £14,300, gross £46,300,
//   deduction £7,716.66, claims £38,583.34.

#[test]
fn troubled_families_phase_one_twelve_families() {
    let scheme = troubled_families::read_scheme(
        "troubled-families-scheme.toml",
        &example("troubled-families-scheme.toml"),
    )
    .unwrap();
    // The file writes out the phase's defaults: it reads as the defaults.
    assert_eq!(
        troubled_families::Scheme {
            name: "Troubled Families, phase 1".into(),
            ..scheme.clone()
        },
        troubled_families::Scheme::phase_one()
    );
    let families = troubled_families::read_families(
        &scheme,
        "troubled-families-outcomes.csv",
        &example("troubled-families-outcomes.csv"),
    )
    .unwrap();
    assert_eq!(families.len(), 12);
    let c = troubled_families::claims(&scheme, &families).unwrap();
    assert_eq!(c.years.len(), 3);
    let [y1, y2, y3] = [&c.years[0], &c.years[1], &c.years[2]];
    let amounts = |y: &troubled_families::ClaimYear| -> Vec<Money> {
        y.outcomes.iter().map(|o| o.amount).collect()
    };

    assert_eq!(y1.year, fy(2012));
    assert_eq!(y1.families_attached, 6);
    assert_eq!(y1.attachment, pounds("19200"));
    assert_eq!(amounts(y1), [pounds("2100"), Money::ZERO, Money::ZERO]);
    assert_eq!(y1.gross, pounds("21300"));
    assert_eq!(y1.deduction, pounds("3550"));
    assert_eq!(y1.total, pounds("17750"));

    assert_eq!(y2.families_attached, 4);
    assert_eq!(y2.attachment, pounds("9600"));
    assert_eq!(amounts(y2), [Money::ZERO, pounds("400"), pounds("4000")]);
    assert_eq!(
        (
            y2.outcomes[0].achieved,
            y2.outcomes[0].paid,
            y2.outcomes[0].superseded
        ),
        (1, 0, 1)
    );
    assert_eq!(y2.results, pounds("4400"));
    assert_eq!(y2.gross, pounds("14000"));
    assert_eq!(y2.deduction, pounds("2333.33"));
    assert_eq!(y2.total, pounds("11666.67"));

    assert_eq!(y3.families_attached, 2);
    assert_eq!(y3.attachment, pounds("3200"));
    assert_eq!(amounts(y3), [pounds("3800"), Money::ZERO, pounds("4000")]);
    assert_eq!(
        (
            y3.outcomes[0].achieved,
            y3.outcomes[0].paid,
            y3.outcomes[0].superseded
        ),
        (4, 2, 2)
    );
    assert_eq!(y3.outcomes[1].superseded, 1);
    assert_eq!(y3.results, pounds("7800"));
    assert_eq!(y3.gross, pounds("11000"));
    assert_eq!(y3.deduction, pounds("1833.33"));
    assert_eq!(y3.total, pounds("9166.67"));

    let t = &c.totals;
    assert_eq!(t.families, 12);
    assert_eq!(t.attachment, pounds("32000"));
    assert_eq!(t.results, pounds("14300"));
    assert_eq!(t.gross, pounds("46300"));
    assert_eq!(t.deduction, pounds("7716.66"));
    assert_eq!(t.total, pounds("38583.34"));

    // Family 0006: £3,200 fee, £700 crime, then employment netted to £100.
    let f6 = c.families.iter().find(|f| f.family == "NS-0006").unwrap();
    let paid: Vec<(FinancialYear, &str, Money)> = f6
        .payments
        .iter()
        .map(|p| (p.year, p.item.as_str(), p.amount))
        .collect();
    assert_eq!(
        paid,
        [
            (fy(2012), "attachment", pounds("3200")),
            (fy(2012), "crime-asb-education", pounds("700")),
            (fy(2014), "continuous-employment", pounds("100")),
        ]
    );
    assert_eq!(
        f6.payments[2].note.as_deref(),
        Some("£800.00 less £700.00 already paid on results for this family")
    );
    assert_eq!(f6.total, pounds("4000"));
    // Family 0009: employment first, crime later superseded.
    let f9 = c.families.iter().find(|f| f.family == "NS-0009").unwrap();
    assert_eq!(f9.results_paid, pounds("1600"));
    assert!(
        f9.payments[2]
            .note
            .as_deref()
            .unwrap()
            .contains("superseded by continuous-employment (2013/14)")
    );

    let one =
        oneplace_report::render_text(&troubled_families::family_document(&c, "NS-0006").unwrap());
    assert!(one.contains("£800.00 less £700.00"), "{one}");
    assert!(troubled_families::family_document(&c, "NS-9999").is_none());

    let text = troubled_families::claims_text(&scheme, &c, true);
    assert!(text.contains("£38,583.34"), "{text}");
    assert!(text.contains("NS-0012"), "{text}");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["totals"]["total"], serde_json::json!(38583.34));
}

// Phase 2: fee £1,000, results £800 for progress or employment, no
// deduction.
//   A 2015/16: progress 2016/17               → £1,000 + £800
//   B 2015/16: progress 2015/16, employment 2017/18
//                                             → £800 in 15/16; employment
//                                               £800 − £800 = £0 in 17/18
//   C 2016/17: employment 2016/17             → £1,000 + £800 in 16/17
// 2015/16: fees £2,000, results £800, claim £2,800.
// 2016/17: fees £1,000, results £800 (A) + £800 (C) = £1,600, claim £2,600.
// 2017/18: £0.
#[test]
fn troubled_families_phase_two() {
    let scheme = troubled_families::read_scheme(
        "troubled-families-phase-2.toml",
        &example("troubled-families-phase-2.toml"),
    )
    .unwrap();
    let csv = "family,attached,significant-progress,continuous-employment\n\
               A,2015/16,2016/17,\n\
               B,2015/16,2015/16,2017/18\n\
               C,2016/17,,2016/17\n";
    let families = troubled_families::read_families(&scheme, "p2.csv", csv).unwrap();
    let c = troubled_families::claims(&scheme, &families).unwrap();
    let totals: Vec<(FinancialYear, Money, Money, Money)> = c
        .years
        .iter()
        .map(|y| (y.year, y.attachment, y.results, y.total))
        .collect();
    assert_eq!(
        totals,
        [
            (fy(2015), pounds("2000"), pounds("800"), pounds("2800")),
            (fy(2016), pounds("1000"), pounds("1600"), pounds("2600")),
            (fy(2017), Money::ZERO, Money::ZERO, Money::ZERO),
        ]
    );
    assert!(c.years.iter().all(|y| y.deduction.is_zero()));
    let b = c.families.iter().find(|f| f.family == "B").unwrap();
    assert_eq!(b.total, pounds("1800"));
}

// ---------------------------------------------------------------------------
// The outcome contract of examples/results/outcome-contract.toml.
//
// Tests (4 treated, 4 comparison):
//   stable-housing: no threshold, treated T1–T3 → paid as achieved.
//   sustained-employment: treated 2/4 = 50%, comparison 1/4 = 25%,
//     difference 25 points ≥ 10 → passes.
//   no-reoffending: treated 2/4 = 50%, comparison 2/4 = 50%, relative
//     improvement 0% < 20% → fails, nothing paid.
// Before caps: T1 £1,000 + £2,500 = £3,500; T2 the same; T3 £1,000; T4 £0.
//   Housing £3,000, employment £5,000, total £8,000.
// Per-participant cap £3,000: T1 and T2 each get £3,000 shared 1,000 :
//   2,500 → housing 300,000 × 100,000 / 350,000 = 85,714.29p → 85,714,
//   employment 214,285.71p → 214,285, one penny left, to the larger
//   remainder (employment) → 214,286. So £857.14 and £2,142.86.
//   Housing £857.14 × 2 + £1,000 = £2,714.28; employment £4,285.72;
//   total £7,000.00; the cap removed £1,000.00.
// Total cap £6,000 over (271,428p, 428,572p): housing 271,428 × 6/7 =
//   232,652.57p → 232,652, employment 428,572 × 6/7 = 367,347.43p →
//   367,347, one penny left to housing (remainder .57) → £2,326.53 and
//   £3,673.47; the cap removed £1,000.00.
// Top-up 10% (within): housing 23,265.3p → £232.65; employment 36,734.7p →
//   £367.35; total £600.00.
// Co-payers 50/30/20 of the rest:
//   housing 209,388p → 104,694 / 62,816.4 / 41,877.6 → floors 104,694 /
//     62,816 / 41,877 = 209,387, the penny to police (.6) → £1,046.94,
//     £628.16, £418.78.
//   employment 330,612p → 165,306 / 99,183.6 / 66,122.4 → the penny to the
//     ICB (.6) → £1,653.06, £991.84, £661.22.
//   council £2,700.00, ICB £1,620.00, police £1,080.00; with the top-up
//   £6,000.00, the total paid.

#[test]
fn outcome_contract_thresholds_caps_and_co_payers() {
    let contract =
        outcome_contract::read_contract("oc.toml", &example("outcome-contract.toml")).unwrap();
    let people = outcome_contract::read_outcomes(
        &contract,
        "oc.csv",
        &example("outcome-contract-outcomes.csv"),
    )
    .unwrap();
    let s = outcome_contract::settle(&contract, &people);
    let [housing, employment, offending] = [&s.outcomes[0], &s.outcomes[1], &s.outcomes[2]];

    assert!(housing.passed && housing.threshold.is_none());
    assert_eq!(employment.treated_rate, Some(0.5));
    assert_eq!(employment.comparison_rate, Some(0.25));
    assert_eq!(employment.difference, Some(0.25));
    assert!(employment.passed);
    assert!(!offending.passed);
    assert_eq!(
        offending.reason.as_deref(),
        Some("relative improvement of 0% is below the margin of 20%")
    );
    assert_eq!(offending.before_caps, Money::ZERO);

    assert_eq!(housing.before_caps, pounds("3000"));
    assert_eq!(employment.before_caps, pounds("5000"));
    assert_eq!(s.before_caps, pounds("8000"));
    let t1 = &s.participants[0];
    assert_eq!(
        (t1.participant.as_str(), t1.before, t1.after, t1.capped),
        ("T1", pounds("3500"), pounds("3000"), true)
    );
    assert_eq!(housing.after_participant_cap, pounds("2714.28"));
    assert_eq!(employment.after_participant_cap, pounds("4285.72"));
    assert_eq!(s.removed_by_participant_cap, pounds("1000"));

    assert_eq!(housing.after_caps, pounds("2326.53"));
    assert_eq!(employment.after_caps, pounds("3673.47"));
    assert_eq!(s.removed_by_total_cap, pounds("1000"));
    assert_eq!(s.after_caps, pounds("6000"));

    assert_eq!(housing.top_up, pounds("232.65"));
    assert_eq!(employment.top_up, pounds("367.35"));
    assert_eq!(s.top_up, pounds("600"));

    let split = |r: &outcome_contract::OutcomeResult| -> Vec<(String, Money)> {
        r.payers
            .iter()
            .map(|p| (p.payer.clone(), p.amount))
            .collect()
    };
    assert_eq!(
        split(housing),
        [
            ("council".to_string(), pounds("1046.94")),
            ("icb".to_string(), pounds("628.16")),
            ("police".to_string(), pounds("418.78")),
        ]
    );
    assert_eq!(
        split(employment),
        [
            ("council".to_string(), pounds("1653.06")),
            ("icb".to_string(), pounds("991.84")),
            ("police".to_string(), pounds("661.22")),
        ]
    );
    let payers: Vec<Money> = s.payers.iter().map(|p| p.amount).collect();
    assert_eq!(payers, [pounds("2700"), pounds("1620"), pounds("1080")]);
    assert_eq!(s.total, pounds("6000"));

    let text = outcome_contract::settlement_text(&s);
    assert!(
        text.contains("£2,326.53") && text.contains("no: relative"),
        "{text}"
    );
}

// The top-up added on top: the co-payers share the whole payment.
//   One participant, one outcome at £100, top-up 25% added: top-up £25, the
//   payers (one, 100%) pay £100, the provider is paid £125.
#[test]
fn a_top_up_added_on_top() {
    let toml = r#"
[contract]
name = "Added"
top_up = "25%"
top_up_basis = "added"
[rate_card]
housed = 100
[[payer]]
id = "council"
share = 1
"#;
    let contract = outcome_contract::read_contract("a.toml", toml).unwrap();
    let people = outcome_contract::read_outcomes(
        &contract,
        "a.csv",
        "participant,outcome,group,achieved\np1,housed,treatment,1\n",
    )
    .unwrap();
    let s = outcome_contract::settle(&contract, &people);
    assert_eq!(s.top_up, pounds("25"));
    assert_eq!(s.payers[0].amount, pounds("100"));
    assert_eq!(s.total, pounds("125"));
}

// A lower-is-better threshold in points: treated 1/4 = 25% reoffend,
// comparison 3/4 = 75%: improvement 75 − 25 = 50 points ≥ 40 → passes; a
// margin of 60 points fails.
#[test]
fn a_lower_is_better_threshold() {
    let make = |margin: u32| {
        let toml = format!(
            "[contract]\nname = \"L\"\n[rate_card]\nreoffended = 10\n[[payer]]\nid = \"pcc\"\nshare = \"100%\"\n\
             [[threshold]]\noutcome = \"reoffended\"\nbetter = \"lower\"\nmargin_points = {margin}\n"
        );
        outcome_contract::read_contract("l.toml", &toml).unwrap()
    };
    let mut csv = String::from("participant,outcome,group,achieved\n");
    for (p, g, a) in [
        ("t1", "treatment", 1),
        ("t2", "treatment", 0),
        ("t3", "treatment", 0),
        ("t4", "treatment", 0),
        ("c1", "comparison", 1),
        ("c2", "comparison", 1),
        ("c3", "comparison", 1),
        ("c4", "comparison", 0),
    ] {
        csv.push_str(&format!("{p},reoffended,{g},{a}\n"));
    }
    let c40 = make(40);
    let s = outcome_contract::settle(
        &c40,
        &outcome_contract::read_outcomes(&c40, "l.csv", &csv).unwrap(),
    );
    assert!(s.outcomes[0].passed);
    assert_eq!(s.outcomes[0].difference, Some(-0.5));
    let c60 = make(60);
    let s = outcome_contract::settle(
        &c60,
        &outcome_contract::read_outcomes(&c60, "l.csv", &csv).unwrap(),
    );
    assert!(!s.outcomes[0].passed);
    assert_eq!(
        s.outcomes[0].reason.as_deref(),
        Some("improvement of 50 points is below the margin of 60 points")
    );
}

// ---------------------------------------------------------------------------
// Earn-back: 25%, cap £3m, 2026/27 to 2029/30.
//   2026/27 £8,000,000   → eligible £2,000,000, paid £2,000,000
//   2027/28 £14,000,000  → eligible £3,500,000, paid £3,000,000, lost
//                          £500,000
//   2028/29 not measured → £0
//   2029/30 £10,000,000.02 → 1,000,000,002p × 25% = 250,000,000.5p →
//                          halves up → £2,500,000.01
//   2030/31 £20,000,000, after the period → £0
//   Totals: eligible £8,000,000.01, paid £7,500,000.01, lost £500,000.

#[test]
fn earn_back_by_year() {
    let e = earn_back::read_earn_back("eb.toml", &example("earn-back.toml")).unwrap();
    let s = earn_back::schedule(&e);
    let rows: Vec<(FinancialYear, bool, Option<Money>, Money, Money, Money)> = s
        .years
        .iter()
        .map(|y| {
            (
                y.year,
                y.in_period,
                y.measured,
                y.eligible,
                y.paid,
                y.lost_to_cap,
            )
        })
        .collect();
    let z = Money::ZERO;
    assert_eq!(
        rows,
        [
            (
                fy(2026),
                true,
                Some(pounds("8000000")),
                pounds("2000000"),
                pounds("2000000"),
                z
            ),
            (
                fy(2027),
                true,
                Some(pounds("14000000")),
                pounds("3500000"),
                pounds("3000000"),
                pounds("500000")
            ),
            (fy(2028), true, None, z, z, z),
            (
                fy(2029),
                true,
                Some(pounds("10000000.02")),
                pounds("2500000.01"),
                pounds("2500000.01"),
                z
            ),
            (fy(2030), false, Some(pounds("20000000")), z, z, z),
        ]
    );
    assert_eq!(s.eligible, pounds("8000000.01"));
    assert_eq!(s.paid, pounds("7500000.01"));
    assert_eq!(s.lost_to_cap, pounds("500000"));
    let text = earn_back::schedule_text(&s);
    assert!(
        text.contains("outside the period") && text.contains("not measured"),
        "{text}"
    );
}

#[test]
fn the_earn_back_rule_reads_the_same_in_pounds() {
    let r = earn_back::share_year(14_000_000.0_f64, 0.25, Some(3_000_000.0), true);
    assert_eq!(
        (r.eligible, r.paid, r.lost, r.capped),
        (3_500_000.0, 3_000_000.0, 500_000.0, true)
    );
    let r = earn_back::share_year(-5.0_f64, 0.25, None, true);
    assert_eq!(r.eligible, 0.0);
    let r = earn_back::share_year(8.0_f64, 0.25, None, false);
    assert_eq!(r.paid, 0.0);
}

// ---------------------------------------------------------------------------
// Metrics against plan.
//   Permanent admissions 65+ (lower is better, per 100,000 of 112,400,
//   tolerance 2.5):
//     q1: 160 / 112,400 × 100,000 = 142.3488; variance +2.3488 ≤ 2.5 → on
//         track
//     q2: 170 / 112,400 × 100,000 = 151.2456; variance +11.2456 → off track
//     q3: no actual → no data
//   Discharge to usual residence (higher is better, percentage):
//     q1: 2,590 / 2,800 = 92.5%; variance +0.5 → on track
//     q2: 2,650 / 2,900 = 91.3793%; variance −0.6207 → off track
//     q3: no data

#[test]
fn metrics_against_plan() {
    let plan = metrics::read_metrics("m.toml", &example("bcf-metrics.toml")).unwrap();
    let r = metrics::against_plan(&plan);
    use metrics::Status::*;
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-4;
    let adm = &r.metrics[0];
    assert_eq!(adm.unit, "per 100,000");
    assert!(close(adm.periods[0].actual, 142.3488));
    assert!(close(adm.periods[0].variance, 2.3488));
    assert_eq!(adm.periods[0].status, OnTrack);
    assert!(close(adm.periods[1].actual, 151.2456));
    assert_eq!(adm.periods[1].status, OffTrack);
    assert_eq!(adm.periods[2].status, NoData);
    assert_eq!(adm.periods[2].actual, None);
    let dis = &r.metrics[1];
    assert_eq!(dis.unit, "%");
    assert!(close(dis.periods[0].actual, 92.5));
    assert!(close(dis.periods[0].variance, 0.5));
    assert_eq!(dis.periods[0].status, OnTrack);
    assert!(close(dis.periods[1].actual, 91.3793));
    assert!(close(dis.periods[1].variance, -0.6207));
    assert_eq!(dis.periods[1].status, OffTrack);
    assert_eq!(dis.periods[2].status, NoData);
    let text = metrics::report_text(&r);
    assert!(
        text.contains("off track") && text.contains("no data"),
        "{text}"
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["metrics"][0]["periods"][1]["status"], "off_track");
}

// A period with an actual and no plan is "no plan", not a pass.
#[test]
fn an_actual_without_a_plan() {
    let toml = r#"
[metrics]
name = "x"
[[period]]
id = "q1"
name = "Q1"
start = "2025-04-01"
end = "2025-06-30"
[[metric]]
id = "falls"
name = "Emergency admissions due to falls"
better = "lower"
rate = "per 100,000"
denominator = { population = "people aged 65+", size = 50000 }
actual = { q1 = 100 }
"#;
    let r = metrics::against_plan(&metrics::read_metrics("x.toml", toml).unwrap());
    assert_eq!(r.metrics[0].periods[0].status, metrics::Status::NoPlan);
    assert_eq!(r.metrics[0].periods[0].actual, Some(200.0));
}

// The one-in-six deduction rounds half a penny up. One family, attachment
// fee 3p and nothing on results: gross 3p, deduction 3 / 6 = 0.5p → 1p,
// claim 2p. Two such families: gross 6p, deduction exactly 1p, claim 5p.
#[test]
fn the_deduction_rounds_half_a_penny_up() {
    let toml = r#"
[scheme]
name = "Pennies"
phase = 1
per_family = "£0.03"
[[attachment]]
year = "2012/13"
fee = "£0.03"
[[outcome]]
id = "employment"
name = "Employment"
pays = "results"
supersedes = true
"#;
    let scheme = troubled_families::read_scheme("p.toml", toml).unwrap();
    let one = troubled_families::read_families(
        &scheme,
        "p.csv",
        "family,attached,employment\na,2012/13,\n",
    )
    .unwrap();
    let c = troubled_families::claims(&scheme, &one).unwrap();
    assert_eq!(
        (c.years[0].gross, c.years[0].deduction, c.years[0].total),
        (
            Money::from_pence(3),
            Money::from_pence(1),
            Money::from_pence(2)
        )
    );
    let two = troubled_families::read_families(
        &scheme,
        "p.csv",
        "family,attached,employment\na,2012/13,\nb,2012/13,\n",
    )
    .unwrap();
    let c = troubled_families::claims(&scheme, &two).unwrap();
    assert_eq!(
        (c.years[0].gross, c.years[0].deduction, c.years[0].total),
        (
            Money::from_pence(6),
            Money::from_pence(1),
            Money::from_pence(5)
        )
    );
}

// Giving only `per_family` keeps the phase's attachment shares: £6,000 a
// family attached in 2013/14 is a 60% fee of £3,600 and results of £2,400,
// of which crime/ASB/education pays £2,300.
#[test]
fn a_new_per_family_amount_keeps_the_phase_shares() {
    let scheme = troubled_families::read_scheme(
        "s.toml",
        "[scheme]\nname = \"S\"\nphase = 1\nper_family = 6000\n",
    )
    .unwrap();
    let f = troubled_families::read_families(
        &scheme,
        "f.csv",
        "family,attached,crime-asb-education,progress-to-work,continuous-employment\nx,2013/14,2013/14,,\n",
    )
    .unwrap();
    let d = troubled_families::family_payments(&scheme, &f[0]).unwrap();
    assert_eq!(d.attachment_fee, pounds("3600"));
    assert_eq!(d.results_amount, pounds("2400"));
    assert_eq!(d.results_paid, pounds("2300"));
}

// Listing the payers in another order changes nothing: the remainder
// pennies go by payer id, not by the order written.
#[test]
fn payer_order_does_not_move_a_penny() {
    let text = example("outcome-contract.toml");
    let start = text.find("[[payer]]").unwrap();
    let end = text.find("# An outcome with a threshold").unwrap();
    let blocks: Vec<&str> = text[start..end]
        .split("[[payer]]")
        .filter(|b| !b.trim().is_empty())
        .collect();
    let reversed: String = blocks
        .iter()
        .rev()
        .map(|b| format!("[[payer]]{b}\n"))
        .collect();
    let other = format!("{}{}{}", &text[..start], reversed, &text[end..]);
    assert_ne!(other, text);
    let csv = example("outcome-contract-outcomes.csv");
    let settle = |t: &str| {
        let c = outcome_contract::read_contract("oc.toml", t).unwrap();
        let p = outcome_contract::read_outcomes(&c, "oc.csv", &csv).unwrap();
        outcome_contract::settle(&c, &p)
    };
    assert_eq!(settle(&text), settle(&other));
}
