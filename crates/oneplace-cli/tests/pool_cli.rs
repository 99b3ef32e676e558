//! `oneplace pool settle` as a user runs it: an in-year forecast settled
//! by hand, a partner's figure explained in each format, and bad
//! agreements refused at their place with nothing written.

use std::path::Path;

mod common;

use common::{ok, oneplace, repo, stderr};

const AGREEMENT: &str = "examples/ledger/westmere-agreement.toml";
const JOURNAL: &str = "examples/ledger/westmere-year-end.journal";

/// Westmere half way through 2025/26: the spending to the end of September
/// is half the year-end figures, every line forecast at its run rate, and
/// a posting in December that a September forecast must not see.
fn mid_year(dir: &Path) -> String {
    let mut text = std::fs::read_to_string(repo().join(JOURNAL)).unwrap();
    for (from, to) in [
        ("2026-03-31", "2025-09-30"),
        (
            "£660,000  partner:icb scheme:rehab",
            "£330,000  partner:icb scheme:rehab",
        ),
        (
            "£400,000  partner:council scheme:rehab",
            "£200,000  partner:council scheme:rehab",
        ),
        ("-£1,060,000", "-£530,000"),
        ("£350,000  scheme:nursing", "£175,000  scheme:nursing"),
        ("£440,000  scheme:care", "£220,000  scheme:care"),
        ("£150,000  scheme:adapt", "£75,000  scheme:adapt"),
    ] {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    text.push_str(
        "\nforecast 2025/26 rehab nhs run-rate\nforecast 2025/26 rehab grant run-rate\n\
         forecast 2025/26 nursing nhs run-rate\nforecast 2025/26 care grant run-rate\n\
         forecast 2025/26 adapt dfg run-rate\n\n\
         2025-12-31 Home care, October to December  ; ref:OUT-5 partner:council\n  \
         expenditure:services  £100,000  scheme:care source:grant\n  assets:bank\n",
    );
    let path = dir.join("mid-year.journal");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// At month 6 each line's run rate doubles its spending so far: rehab
/// (330,000 + 200,000) × 2 = £1,060,000 against £1,000,000 (+£60,000),
/// nursing 175,000 × 2 = £350,000 (+£50,000), home care 220,000 × 2 =
/// £440,000 (−£60,000; December's £100,000 is after September), the
/// adaptations 75,000 × 2 = £150,000 (−£50,000, ring-fenced). These are
/// the year-end figures of the example, so by the example agreement:
///
/// 1. Underspends: £60,000 over rehab 60,000 : nursing 50,000 =
///    3,272,727.27p and 2,727,272.72p, the odd penny to nursing: rehab
///    £27,272.73 and nursing £22,727.27 left.
/// 2. Risk pool £20,000 over 2,727,273 : 2,272,727 = 1,090,909.2p and
///    909,090.8p, the odd penny to nursing: rehab £16,363.64, nursing
///    £13,636.36 left.
/// 3. Rehab pro rata (ICB 60%, council 40%): 981,818.4p and 654,545.6p,
///    the odd penny to the council: ICB £9,818.18, council £6,545.46.
///    Nursing by commissioner: the ICB £13,636.36.
///
/// ICB 9,818.18 + 13,636.36 = £23,454.54; council £6,545.46. A forecast
/// posts nothing.
#[test]
fn forecast_settlement_at_month_six() {
    let dir = tempfile::tempdir().unwrap();
    let journal = mid_year(dir.path());
    let json = ok(&[
        "pool",
        "settle",
        AGREEMENT,
        &journal,
        "--forecast",
        "2025/26 M06",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["forecast"], "2025/26 M06");
    assert_eq!(v["transactions"], "");
    assert_eq!(v["total_variance"], 50000.0);
    let amount = |p: &str| {
        v["partners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["partner"] == p)
            .unwrap()["amount"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(amount("icb"), 23454.54);
    assert_eq!(amount("council"), 6545.46);
    assert_eq!(amount("district"), 0.0);
    let table = ok(&[
        "pool",
        "settle",
        AGREEMENT,
        &journal,
        "--forecast",
        "2025/26 M06",
    ]);
    assert!(
        table.contains("settlement 2025/26 (forecast at 2025/26 M06)"),
        "{table}"
    );
    assert!(!table.contains("Settlement transactions"), "{table}");
}

/// The ICB's £23,454.54 traced: each overspend shrinking, its shares, the
/// cap checked, the running total ending at the figure.
#[test]
fn explain_in_each_format() {
    let table = ok(&["pool", "settle", AGREEMENT, JOURNAL, "--explain", "icb"]);
    assert!(
        table.starts_with("icb: £23,454.54 (pays in), settlement 2025/26"),
        "{table}"
    );
    for line in [
        "overspend reduced",
        "£50,000.00 → £22,727.27",
        "£22,727.27 → £13,636.36",
        "cap checked",
        "within its cap of £300,000.00 (its contribution)",
        "£9,818.18",
        "£23,454.54",
    ] {
        assert!(table.contains(line), "{line}\n{table}");
    }
    let json = ok(&[
        "pool",
        "settle",
        AGREEMENT,
        JOURNAL,
        "--explain",
        "icb",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["partner"], "icb");
    assert_eq!(v["amount"], 23454.54);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.last().unwrap()["running"], 23454.54);
    let sum: f64 = rows.iter().filter_map(|r| r["amount"].as_f64()).sum();
    assert!((sum - 23454.54).abs() < 0.001, "{sum}");
    let csv = ok(&[
        "pool",
        "settle",
        AGREEMENT,
        JOURNAL,
        "--explain",
        "council",
        "--format",
        "csv",
    ]);
    assert!(
        csv.contains("#,Step,Scheme,What,Pool,Partner,Running total,Detail\n"),
        "{csv}"
    );
    // The council's only payment: rehab's £16,363.64 × 40% = 654,545.6p,
    // the odd penny (the larger remainder) to it: £6,545.46.
    assert!(
        csv.contains(
            ",partners,rehab,overspend,,6545.46,6545.46,rule 2: in proportion to contributions\n"
        ),
        "{csv}"
    );
}

/// Runs a settlement that must be refused: exit 1, the message, and no
/// output file.
fn refused(agreement: &str, extra: &[&str], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, agreement).unwrap();
    let out = dir.path().join("out.txt");
    let mut args = vec![
        "pool",
        "settle",
        bad.to_str().unwrap(),
        JOURNAL,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = oneplace(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(expect), "{expect}\n{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
}

const RULE: &str = "[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n";

#[test]
fn bad_agreements_are_refused_at_their_place() {
    // Shares that do not add up to 100%.
    refused(
        &format!(
            "[agreement]\nyear = \"2025/26\"\n[risk_pool]\namount = 100\nshares = {{ icb = \"60%\", council = \"30%\" }}\n[overspend]\nwaterfall = [\"risk-pool\", \"partners\"]\n{RULE}"
        ),
        &[],
        "bad.toml:5:10: the risk pool shares add up to 90%",
    );
    refused(
        "[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = \"*\"\nshare = { icb = \"70%\", council = \"20%\" }\n",
        &[],
        "bad.toml:5:9: the shares add up to 90%",
    );
    // A cap on a partner the ledger does not have.
    refused(
        "[agreement]\nyear = \"2025/26\"\n[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\ncaps = { council = \"contribution\", pcc = \"£250,000\" }\n",
        &[],
        "bad.toml:6:36: unknown partner 'pcc'",
    );
    // A waterfall naming a step that does not exist.
    refused(
        &format!(
            "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"reserves\", \"partners\"]\n{RULE}"
        ),
        &[],
        "bad.toml:4:14: 'reserves' is not a waterfall step",
    );
    // A source that does not exist.
    refused(
        &format!(
            "[agreement]\nyear = \"2025/26\"\n[underspend]\nring_fenced_sources = [\"lottery\"]\n{RULE}"
        ),
        &[],
        "bad.toml:4:24: unknown funding source 'lottery'",
    );
    // Money left unassigned: a risk pool no step uses, and a waterfall
    // that never reaches the partners.
    refused(
        &format!(
            "[agreement]\nyear = \"2025/26\"\n[risk_pool]\namount = \"£20,000\"\nshares = {{ icb = \"100%\" }}\n[overspend]\nwaterfall = [\"underspends\", \"partners\"]\n{RULE}"
        ),
        &[],
        "bad.toml:7:13: the risk pool of £20,000.00 is not in the waterfall",
    );
    refused(
        &format!(
            "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"underspends\"]\n{RULE}"
        ),
        &[],
        "bad.toml:4:13: the waterfall never reaches the partners",
    );
    // A step named twice (the only way to write a circular waterfall).
    refused(
        &format!(
            "[agreement]\nyear = \"2025/26\"\n[overspend]\nwaterfall = [\"partners\", \"partners\"]\n{RULE}"
        ),
        &[],
        "bad.toml:4:26: the step 'partners' is named twice",
    );
}

#[test]
fn an_unknown_partner_to_explain_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let o = oneplace(&[
        "pool",
        "settle",
        AGREEMENT,
        JOURNAL,
        "--explain",
        "pcc",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("no partner 'pcc' in the ledger; its partners are council, district, icb"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
