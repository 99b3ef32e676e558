//! Deal balances, gain-share and readiness worked by hand.
//!
//! The appraisal is as small as can be: a council spends £100,000 in year
//! 0; 100 people enter work in year 0 and stay for three years, each saving
//! DWP £1,000 a year (evidence grade 1: no optimism bias). So DWP's fiscal
//! benefit is £100,000 in each of 2026/27, 2027/28 and 2028/29, and nothing
//! else moves. Discounting is the Green Book's 3.5%, year 0 undiscounted:
//! DF = 1, 1/1.035, 1/1.035².

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use oneplace_deal::balance::{Side, WholeShare};
use oneplace_deal::{Files, LoadError, LoadedDeal, Stale, load};
use oneplace_refdata::ReferenceData;

struct Memory(HashMap<PathBuf, String>);

impl Files for Memory {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.0
            .get(path)
            .map(|t| t.as_bytes().to_vec())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

const MODEL: &str = r#"
[appraisal]
name = "Into work"
first_year = "2026/27"
years = 3
price_base = "2015/16"

[[agency]]
id = "council"
name = "Council"
kind = "county-council"

[[agency]]
id = "dwp"
name = "Department for Work and Pensions"
kind = "dwp"
contributes = false

[[cost]]
id = "workers"
agency = "council"
type = "revenue"
amounts = [100000, 0, 0]
confidence = 1

[[outcome]]
id = "into-work"
cohort = 100
engagement = 1
success = 1
duration = 3
confidence = 1
  [[outcome.value]]
  label = "Benefits no longer paid"
  fiscal = 1000
  shares = { dwp = 1 }
  transfer = true
"#;

fn deal(terms: &str) -> String {
    format!(
        r#"
[deal]
name = "Test deal"
place = "Testshire"

[[partner]]
id = "council"
name = "Council"

[[counterparty]]
id = "dwp"
name = "Department for Work and Pensions"

[[appraisal]]
id = "work"
file = "model.toml"

{terms}
"#
    )
}

fn run(terms: &str) -> Result<LoadedDeal, LoadError> {
    let files = Memory(HashMap::from([
        (PathBuf::from("d/model.toml"), MODEL.to_string()),
        (PathBuf::from("d/deal.toml"), deal(terms)),
    ]));
    load(
        Path::new("d/deal.toml"),
        &files,
        ReferenceData::embedded(),
        Stale::Refuse,
    )
}

fn loaded(terms: &str) -> LoadedDeal {
    match run(terms) {
        Ok(d) => d,
        Err(LoadError::Input(e)) => panic!("{e}"),
        Err(LoadError::Internal(e)) => panic!("internal: {e}"),
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

/// DF(1) and DF(2) at 3.5%.
const DF1: f64 = 1.0 / 1.035;
const DF2: f64 = 1.0 / (1.035 * 1.035);

#[test]
fn gain_share_capped_for_two_years_leaves_the_council_short_and_no_share_fixes_it() {
    let d = loaded(
        r#"
[[terms.gain_share]]
id = "dwp-share"
department = "dwp"
share = "50%"
annual_cap = "£40,000"
years = 2
"#,
    );
    let b = &d.balance;
    assert_eq!(b.first_year.to_string(), "2026/27");
    // 50% of £100,000 is £50,000, capped at £40,000, in years 0 and 1 only.
    let t = &b.terms[0];
    let payments: Vec<f64> = t.by_year.iter().map(|y| y.payment).collect();
    assert_eq!(payments, vec![40_000.0, 40_000.0, 0.0]);
    assert!(t.by_year[0].capped && t.by_year[1].capped && !t.by_year[2].capped);
    let pv = 40_000.0 + 40_000.0 * DF1; // £78,647.34
    close(t.pv, pv);
    close(t.total, 80_000.0);

    let council = &b.parties[0];
    assert_eq!(council.side, Side::Local);
    close(council.pv_cost, 100_000.0);
    close(council.gain_share_received, pv);
    close(council.net, pv - 100_000.0); // −£21,352.66
    assert!(council.worse_off);

    let dwp = &b.parties[1];
    assert_eq!(dwp.side, Side::Central);
    let benefit = 100_000.0 * (1.0 + DF1 + DF2); // £289,969.43
    close(dwp.pv_benefit, benefit);
    close(dwp.gain_share_paid, pv);
    close(dwp.net, benefit - pv);
    assert!(!dwp.worse_off);
    assert_eq!(b.worse_off, vec!["council".to_string()]);

    // Even 100% pays at most the cap for two years: £78,647.34 < £100,000.
    match &b.whole {
        WholeShare::Impossible { reason } => assert_eq!(
            reason,
            "Council is still £21,352.66 short with every gain-share at 100% (caps and durations as agreed)"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_longer_higher_cap_makes_everyone_whole_from_the_hand_worked_share() {
    let d = loaded(
        r#"
[[terms.gain_share]]
id = "dwp-share"
department = "dwp"
share = 0.5
annual_cap = 60000
years = 3
"#,
    );
    let b = &d.balance;
    // Under the cap every year: 50% × £100,000 = £50,000 a year.
    let pv = 50_000.0 * (1.0 + DF1 + DF2); // £144,984.71
    close(b.terms[0].pv, pv);
    close(b.parties[0].net, pv - 100_000.0);
    close(b.parties[1].net, 100_000.0 * (1.0 + DF1 + DF2) - pv);
    assert!(b.worse_off.is_empty());
    // The council is whole when s × £100,000 × (1 + DF1 + DF2) ≥ £100,000,
    // i.e. s ≥ 1 / 2.8996943 = 34.4864%; DWP stays whole up to 100% (it
    // then pays £60,000 × 2.8996943 = £173,981.66 of £289,969.43).
    match b.whole {
        WholeShare::Range { min, max } => {
            assert!((min - 1.0 / (1.0 + DF1 + DF2)).abs() < 1e-9, "{min}");
            assert_eq!(max, 1.0);
        }
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn up_front_investment_limits_what_the_department_can_also_share() {
    let d = loaded(
        r#"
[[terms.gain_share]]
id = "dwp-share"
department = "dwp"
share = "10%"
annual_cap = "£60,000"
years = 3

[[terms.investment]]
id = "fund"
from = "dwp"
to = "council"
amount = "£250,000"
year = "2026/27"
"#,
    );
    let b = &d.balance;
    let benefit = 100_000.0 * (1.0 + DF1 + DF2);
    let gain = 10_000.0 * (1.0 + DF1 + DF2);
    close(b.parties[0].investment_received, 250_000.0);
    close(b.parties[1].investment_paid, 250_000.0);
    close(b.parties[0].net, 250_000.0 + gain - 100_000.0);
    close(b.parties[1].net, benefit - 250_000.0 - gain);
    // The council is whole with no gain-share at all; DWP stays whole
    // while s × £289,969.43 ≤ £289,969.43 − £250,000, s ≤ 13.784%.
    match b.whole {
        WholeShare::Range { min, max } => {
            assert_eq!(min, 0.0);
            assert!(
                (max - (benefit - 250_000.0) / benefit).abs() < 1e-9,
                "{max}"
            );
        }
        ref other => panic!("{other:?}"),
    }
    // The money flows to the place by year: £250,000 + £10,000, then
    // £10,000 twice.
    let cumulative: Vec<f64> = b.flows.iter().map(|f| f.cumulative).collect();
    assert_eq!(cumulative, vec![260_000.0, 270_000.0, 280_000.0]);
}

#[test]
fn a_department_out_of_pocket_whatever_the_share_is_named() {
    let d = loaded(
        r#"
[[terms.gain_share]]
id = "dwp-share"
department = "dwp"
share = "10%"
years = 3

[[terms.investment]]
id = "fund"
from = "dwp"
amount = "£300,000"
year = "2026/27"
"#,
    );
    // DWP gives £300,000 against £289,969.43 of benefit before any
    // gain-share: £10,030.57 short.
    match &d.balance.whole {
        WholeShare::Impossible { reason } => assert_eq!(
            reason,
            "Department for Work and Pensions is £10,030.57 short whatever the gain-share"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_share_starting_later_is_discounted_from_its_own_year() {
    let d = loaded(
        r#"
[[terms.earn_back]]
id = "later"
department = "dwp"
share = "25%"
years = 1
from = "2027/28"
"#,
    );
    let t = &d.balance.terms[0];
    let payments: Vec<f64> = t.by_year.iter().map(|y| y.payment).collect();
    assert_eq!(payments, vec![0.0, 25_000.0, 0.0]);
    close(t.pv, 25_000.0 * DF1);
    // Earn-back is fixed; with no gain-share term there is nothing to vary.
    assert!(matches!(d.balance.whole, WholeShare::NoGainShare));
}

#[test]
fn the_year_by_year_streams_agree_with_the_appraisal_engine_on_every_example() {
    let data = ReferenceData::embedded();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for name in [
        "family-support",
        "employment-skills",
        "integrated-care",
        "domestic-abuse",
    ] {
        let path = dir.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let model = oneplace_appraise::read_toml(name, &text, data).unwrap();
        let appraisal = oneplace_appraise::evaluate(&model, data);
        let streams = oneplace_deal::balance::agency_streams(&model);
        oneplace_deal::balance::check_streams(&streams, &appraisal, data)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
