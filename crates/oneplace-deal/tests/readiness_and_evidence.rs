//! Readiness pooled by hand, evidence pulled and pinned, and bad deals
//! refused with their places.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

/// A small catalogue: two enablers, one barrier, a 1–5 scale, two tiers.
const CATALOGUE: &str = r#"
[catalogue]
id = "test"
version = "1"

[[scale]]
score = 1
label = "Absent"
[[scale]]
score = 2
label = "Emerging"
[[scale]]
score = 3
label = "Developing"
[[scale]]
score = 4
label = "Established"
[[scale]]
score = 5
label = "Proven"

[[tier]]
tier = 1
id = "exploring"
min_score = 0

[[tier]]
tier = 2
id = "pooled"
min_score = 3
requires = { governance = 3.5 }

[[enabler]]
id = "governance"
[[enabler]]
id = "trust"
[[barrier]]
id = "silos"

[[ask]]
id = "advice"
barriers = ["silos"]
min_tier = 1

[[ask]]
id = "money"
barriers = ["silos"]
min_tier = 2
"#;

const MODEL: &str = r#"
[appraisal]
name = "Tiny"
first_year = "2026/27"
years = 2
price_base = "2015/16"

[[agency]]
id = "council"
kind = "county-council"

[[agency]]
id = "dwp"
kind = "dwp"

[[cost]]
id = "staff"
agency = "council"
type = "revenue"
amounts = [1000, 0]
confidence = 1

[[outcome]]
id = "jobs"
cohort = 10
engagement = 1
success = 1
duration = 2
confidence = 1
  [[outcome.value]]
  label = "Saving"
  fiscal = 100
  shares = { dwp = 1 }
"#;

const DEAL: &str = r#"
[deal]
name = "Tiny deal"
place = "Tinyshire"
catalogue = "catalogue.toml"

[[partner]]
id = "council"
[[partner]]
id = "police"
[[partner]]
id = "icb"

[[counterparty]]
id = "dwp"

[[appraisal]]
id = "jobs"
file = "model.toml"

[[measurement]]
id = "results"
file = "results.json"

[[evidence]]
id = "dwp-saving"
source = "jobs"
figure = "agencies.dwp.pv_fiscal_benefit"
quoted = 1966.18

[[evidence]]
id = "measured"
source = "results"
figure = "metrics.placements.value"
show = "number"

[[metric]]
id = "placements"
direction = "higher"
current = "measured"

[[ask]]
id = "ask-money"
theme = "Funding"
catalogue = "money"
text = "Share the {dwp-saving} saved."
barriers = ["silos"]
evidence = ["dwp-saving"]

[[terms.tranche]]
id = "t1"
from = "dwp"
amount = 500
year = "2027/28"
gateway = { metric = "placements", threshold = 8 }

[readiness]
responses = ["council.toml", "others.toml"]
disagreement = 2
"#;

/// Scores (governance, trust, silos): council 4, 3, 2; police 2, 4, 2;
/// icb 5, 4, 3.
const COUNCIL: &str = r#"
partner = "council"
[scores]
governance = 4
trust = 3
silos = 2
"#;

const OTHERS: &str = r#"
[[response]]
partner = "police"
scores = { governance = 2, trust = 4, silos = 2 }

[[response]]
partner = "icb"
scores = { governance = 5, trust = 4, silos = 3 }
"#;

const RESULTS: &str =
    r#"{"measurement": "placements", "metrics": [{"id": "placements", "value": 9}]}"#;

fn files(edit: &dyn Fn(&mut HashMap<PathBuf, String>)) -> Memory {
    let mut m = HashMap::from([
        (PathBuf::from("d/catalogue.toml"), CATALOGUE.to_string()),
        (PathBuf::from("d/model.toml"), MODEL.to_string()),
        (PathBuf::from("d/deal.toml"), DEAL.to_string()),
        (PathBuf::from("d/council.toml"), COUNCIL.to_string()),
        (PathBuf::from("d/others.toml"), OTHERS.to_string()),
        (PathBuf::from("d/results.json"), RESULTS.to_string()),
    ]);
    edit(&mut m);
    Memory(m)
}

fn run(edit: &dyn Fn(&mut HashMap<PathBuf, String>), stale: Stale) -> Result<LoadedDeal, String> {
    load(
        Path::new("d/deal.toml"),
        &files(edit),
        ReferenceData::embedded(),
        stale,
    )
    .map_err(|e| match e {
        LoadError::Input(e) => e.to_string(),
        LoadError::Internal(e) => format!("internal: {e}"),
    })
}

fn edit_deal(from: &'static str, to: &'static str) -> impl Fn(&mut HashMap<PathBuf, String>) {
    move |m| {
        let deal = m.get_mut(Path::new("d/deal.toml")).unwrap();
        assert!(deal.contains(from), "{from}");
        *deal = deal.replacen(from, to, 1);
    }
}

#[test]
fn readiness_is_pooled_and_tiered_by_hand() {
    let d = run(&|_| {}, Stale::Refuse).unwrap();
    let r = d.readiness.as_ref().unwrap();
    // Responses in the order of the deal's partners.
    let partners: Vec<&str> = r.responses.iter().map(|x| x.partner.as_str()).collect();
    assert_eq!(partners, vec!["council", "police", "icb"]);
    let gov = &r.items[0];
    assert_eq!(gov.id, "governance");
    // (4 + 2 + 5) / 3 = 3.667; spread 5 − 2 = 3 ≥ 2: disagreement.
    assert!((gov.mean.unwrap() - 11.0 / 3.0).abs() < 1e-12);
    assert_eq!((gov.lowest, gov.highest, gov.spread), (Some(2), Some(5), 3));
    assert!(gov.disagreement);
    let trust = &r.items[1];
    assert!((trust.mean.unwrap() - 11.0 / 3.0).abs() < 1e-12);
    assert_eq!(trust.spread, 1);
    assert!(!trust.disagreement);
    let silos = &r.items[2];
    assert!((silos.mean.unwrap() - 7.0 / 3.0).abs() < 1e-12);
    // Overall: (11/3 + 11/3 + 7/3) / 3 = 29/9 = 3.222 ≥ 3, and governance
    // 3.667 ≥ 3.5: tier 2.
    assert!((r.overall.unwrap() - 29.0 / 9.0).abs() < 1e-12);
    assert_eq!(r.tier, 2);
    assert!(r.menu.iter().all(|m| m.credible));
    assert_eq!(r.menu[1].taken_up_by, vec!["ask-money".to_string()]);
    assert!(r.ahead_of_readiness.is_empty());
    assert!(r.missing.is_empty());
}

#[test]
fn a_lower_governance_score_drops_a_tier_and_puts_the_ask_ahead_of_readiness() {
    let d = run(
        &|m| {
            let c = m.get_mut(Path::new("d/council.toml")).unwrap();
            *c = c.replace("governance = 4", "governance = 3");
        },
        Stale::Refuse,
    )
    .unwrap();
    let r = d.readiness.unwrap();
    // Governance (3 + 2 + 5) / 3 = 3.333 < 3.5.
    assert_eq!(r.tier, 1);
    assert_eq!(
        r.tiers[1].shortfalls,
        vec!["governance scores 3.33, below 3.5"]
    );
    assert_eq!(r.ahead_of_readiness, vec![("ask-money".to_string(), 2)]);
}

#[test]
fn figures_are_pulled_from_appraisals_and_measurement_results() {
    let d = run(&|_| {}, Stale::Refuse).unwrap();
    // 10 people × £100 in years 0 and 1: £1,000 + £1,000 / 1.035.
    let dwp = &d.figures[0];
    assert_eq!(dwp.value, 1966.18);
    assert_eq!(dwp.shown, "£1,966.18");
    assert_eq!(dwp.files, vec!["d/model.toml".to_string()]);
    let measured = &d.figures[1];
    assert_eq!((measured.value, measured.shown.as_str()), (9.0, "9"));
    let doc = oneplace_deal::document::deal_document(&d);
    let md = oneplace_deal::document::render_markdown(&doc);
    assert!(md.contains("Share the £1,966.18 saved."), "{md}");
    // The gateway reads the metric from the measurement: 9 ≥ 8.
    assert!(
        md.contains("released when placements is at or above 8: met now (9)"),
        "{md}"
    );
}

#[test]
fn a_moved_source_makes_the_deal_stale_until_it_is_re_pinned() {
    let moved = |m: &mut HashMap<PathBuf, String>| {
        let model = m.get_mut(Path::new("d/model.toml")).unwrap();
        *model = model.replace("fiscal = 100", "fiscal = 120");
    };
    let e = run(&moved, Stale::Refuse).unwrap_err();
    // 10 × £120 × (1 + 1/1.035) = £2,359.42.
    assert_eq!(
        e,
        "error: d/deal.toml:25:1: evidence 'dwp-saving' is stale: the deal quotes £1,966.18 but d/model.toml now gives £2,359.42 for agencies.dwp.pv_fiscal_benefit (expected the figure the source gives: check the deal still stands, then run `oneplace deal check DEAL --refresh` to re-pin it)"
    );
    let d = run(&moved, Stale::Allow).unwrap();
    assert_eq!(d.stale.len(), 1);
    let (text, changed) = oneplace_deal::refresh::repin(&d.text, &d.deal, &d.figures);
    // One pin rewritten, one added; nothing else in the file changes.
    assert_eq!(changed, 2);
    assert!(text.contains("figure = \"agencies.dwp.pv_fiscal_benefit\"\nquoted = 2359.42\n"));
    assert!(text.contains("show = \"number\"\n"));
    assert!(text.contains("figure = \"metrics.placements.value\"\nquoted = 9.0\n"));
    assert_eq!(
        text.lines().count(),
        DEAL.lines().count() + 1,
        "only the new pin's line is added"
    );
    let repinned = move |m: &mut HashMap<PathBuf, String>| {
        moved(m);
        m.insert(PathBuf::from("d/deal.toml"), text.clone());
    };
    let d = run(&repinned, Stale::Refuse).unwrap();
    assert_eq!(d.figures[0].shown, "£2,359.42");
}

#[test]
fn broken_links_name_the_link_and_what_the_source_has() {
    let e = run(
        &edit_deal("file = \"model.toml\"", "file = \"nowhere.toml\""),
        Stale::Refuse,
    )
    .unwrap_err();
    assert_eq!(
        e,
        "error: d/deal.toml:19:8: cannot read appraisal d/nowhere.toml: no such file"
    );
    let e = run(
        &edit_deal(
            "agencies.dwp.pv_fiscal_benefit",
            "agencies.nhs.pv_fiscal_benefit",
        ),
        Stale::Refuse,
    )
    .unwrap_err();
    assert_eq!(
        e,
        "error: d/deal.toml:28:10: evidence 'dwp-saving': d/model.toml has no figure 'agencies.nhs.pv_fiscal_benefit': no 'nhs' in 'agencies' (it has council, dwp)"
    );
    let e = run(
        &edit_deal("metrics.placements.value", "metrics.placements"),
        Stale::Refuse,
    )
    .unwrap_err();
    assert!(
        e.contains("'metrics.placements' is a table, not a number"),
        "{e}"
    );
}

#[test]
fn bad_terms_and_references_are_refused_together_with_their_places() {
    let e = run(
        &|m| {
            edit_deal("barriers = [\"silos\"]\nevidence", "evidence")(m);
            edit_deal("metric = \"placements\", threshold", "metric = \"jobs\", threshold")(m);
            let deal = m.get_mut(Path::new("d/deal.toml")).unwrap();
            deal.push_str(
                "\n[[terms.gain_share]]\nid = \"g\"\ndepartment = \"dwp\"\nshare = \"150%\"\nannual_cap = \"-£5\"\nyears = 3\n",
            );
        },
        Stale::Refuse,
    )
    .unwrap_err();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(
        lines,
        vec![
            "error: d/deal.toml:63:9: the gain-share share is 150%, outside 0% to 100% (expected a share from 0% to 100%, such as \"60%\" or 0.6)",
            "error: d/deal.toml:64:14: the annual cap is negative (-£5.00) (expected an amount of zero or more, such as \"£100,000\")",
            "error: d/deal.toml:54:22: unknown metric 'jobs' (expected a metric of the deal: placements)",
            "error: d/deal.toml:42:1: ask 'ask-money' tackles no barrier (expected barriers = [\"...\"]: every ask tackles at least one barrier of the catalogue)",
        ]
    );
}

#[test]
fn bad_readiness_answers_are_located_in_their_own_files() {
    let e = run(
        &|m| {
            m.insert(
                PathBuf::from("d/council.toml"),
                "partner = \"council\"\n[scores]\ngovernance = 7\nvision = 3\n".into(),
            );
        },
        Stale::Refuse,
    )
    .unwrap_err();
    assert!(
        e.contains("error: d/council.toml:3:14: 'governance' is scored 7 (expected a score from 1 to 5 on the catalogue's scale)"),
        "{e}"
    );
    assert!(
        e.contains("error: d/council.toml:4:1: unknown enabler or barrier 'vision'"),
        "{e}"
    );
}
