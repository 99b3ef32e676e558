//! `oneplace deal` as a user runs it: golden output for the example deal,
//! stale evidence refused and refreshed, bad deals refused with their
//! places and nothing written, and a PDF that opens and renders.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{ok, oneplace, oneplace_in, repo, stderr, stdout};

const DEAL: &str = "examples/deal/northshire-deal.toml";

/// A copy of the example deal and everything it cites, laid out as in
/// examples/, in a temporary folder.
fn copy_of_example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("deal/readiness")).unwrap();
    std::fs::create_dir_all(root.join("ledger")).unwrap();
    let ex = repo().join("examples");
    for f in [
        "family-support.toml",
        "employment-skills.toml",
        "ledger/northshire-bcf.journal",
        "deal/northshire-deal.toml",
        "deal/families-results.json",
        "deal/readiness/county-council.toml",
        "deal/readiness/icb.toml",
        "deal/readiness/police.toml",
    ] {
        std::fs::copy(ex.join(f), root.join(f)).unwrap();
    }
    tmp
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn golden_check_of_the_example_deal() {
    insta::assert_snapshot!("deal_check", ok(&["deal", "check", DEAL]));
}

#[test]
fn golden_balance_of_the_example_deal() {
    insta::assert_snapshot!("deal_balance_table", ok(&["deal", "balance", DEAL]));
    let json = ok(&["deal", "balance", DEAL, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Every pound given is a pound got: the net positions add up to the
    // public sector's net gain (fiscal benefits less costs).
    let parties = v["parties"].as_array().unwrap();
    let net: f64 = parties.iter().map(|p| p["net"].as_f64().unwrap()).sum();
    let benefit: f64 = parties
        .iter()
        .map(|p| p["pv_benefit"].as_f64().unwrap())
        .sum();
    let cost: f64 = parties.iter().map(|p| p["pv_cost"].as_f64().unwrap()).sum();
    assert!(
        (net - (benefit - cost)).abs() < 0.05,
        "{net} vs {benefit} − {cost}"
    );
    assert_eq!(v["whole"]["outcome"], "range");
    insta::assert_snapshot!(
        "deal_balance_csv",
        ok(&[
            "deal", "balance", DEAL, "--format", "csv", "--table", "balance"
        ])
    );
}

#[test]
fn golden_markdown_document_of_the_example_deal() {
    let md = ok(&["deal", "build", DEAL, "--format", "markdown"]);
    insta::assert_snapshot!("deal_markdown", md);
}

#[test]
fn the_html_document_embeds_the_charts_as_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("deal.html");
    let o = oneplace(&["deal", "build", DEAL, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 2, "two charts inline");
    assert!(html.contains(r#"role="img""#));
    assert!(html.contains("<h2>Who pays and who benefits under the deal</h2>"));
    assert!(html.contains("<h2>Evidence appendix</h2>"));
    // A figure in an ask's text, pulled from the skills appraisal.
    assert!(html.contains("A share of the £2,477,622.63 of benefit savings"));
}

#[test]
fn a_deal_whose_evidence_moved_is_refused_until_refreshed() {
    let tmp = copy_of_example();
    let root = tmp.path();
    // The skills programme now gets more ESA claimants into work.
    edit(
        &root.join("employment-skills.toml"),
        "success = 0.18",
        "success = 0.2",
    );
    let out = root.join("deal.html");
    let o = oneplace_in(
        root,
        &[
            "deal",
            "build",
            "deal/northshire-deal.toml",
            "--out",
            "deal.html",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists(), "nothing written");
    insta::assert_snapshot!("deal_stale", stderr(&o));

    let o = oneplace_in(
        root,
        &["deal", "check", "deal/northshire-deal.toml", "--refresh"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!("deal_refresh", stdout(&o));
    let deal = std::fs::read_to_string(root.join("deal/northshire-deal.toml")).unwrap();
    let original = std::fs::read_to_string(repo().join(DEAL)).unwrap();
    // Only the pins moved: every comment and every other line is kept.
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(deal.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(original.lines().count(), deal.lines().count());
    assert!(!changed.is_empty());
    assert!(
        changed
            .iter()
            .all(|(a, b)| a.starts_with("quoted = ") && b.starts_with("quoted = "))
    );

    let o = oneplace_in(
        root,
        &[
            "deal",
            "build",
            "deal/northshire-deal.toml",
            "--out",
            "deal.html",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    let figure = stdout(&oneplace_in(
        root,
        &["appraise", "employment-skills.toml", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&figure).unwrap();
    let dwp = v["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agency"] == "dwp")
        .unwrap()["pv_fiscal_benefit"]
        .as_f64()
        .unwrap();
    let shown = oneplace_core::Money::from_pounds_rounded(dwp).to_string();
    assert_ne!(shown, "£2,477,622.63");
    assert!(
        html.contains(&format!("A share of the {shown} of benefit savings")),
        "{shown}"
    );
}

/// Runs `deal build` on a broken copy of the example, expecting exit 1,
/// messages with file:line:column, and no document written.
fn refused(change: &dyn Fn(&Path)) -> String {
    let tmp = copy_of_example();
    let root = tmp.path();
    change(root);
    let o = oneplace_in(
        root,
        &[
            "deal",
            "build",
            "deal/northshire-deal.toml",
            "--out",
            "out.pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!root.join("out.pdf").exists(), "nothing written");
    assert!(stdout(&o).is_empty());
    stderr(&o)
}

#[test]
fn bad_deals_are_refused_with_their_places() {
    let deal = |root: &Path| root.join("deal/northshire-deal.toml");
    let missing_file = refused(&|r| {
        edit(
            &deal(r),
            "file = \"../family-support.toml\"",
            "file = \"../families.toml\"",
        )
    });
    let missing_figure = refused(&|r| {
        edit(
            &deal(r),
            "figure = \"npbi\"",
            "figure = \"net_present_budget_impact\"",
        )
    });
    let missing_agency = refused(&|r| {
        edit(
            &deal(r),
            "figure = \"agencies.combined-authority.pv_cost\"",
            "figure = \"agencies.nhs.pv_cost\"",
        )
    });
    let no_barrier = refused(&|r| {
        edit(
            &deal(r),
            "barriers = [\"data-sharing\", \"proving-impact\"]\n",
            "",
        )
    });
    let bad_share = refused(&|r| edit(&deal(r), "share = \"50%\"", "share = \"150%\""));
    let bad_cap = refused(&|r| {
        edit(
            &deal(r),
            "annual_cap = \"£750,000\"",
            "annual_cap = \"-£750,000\"",
        )
    });
    let bad_gateway = refused(&|r| {
        edit(
            &deal(r),
            "gateway = { metric = \"families-turned-around\"",
            "gateway = { metric = \"families-helped\"",
        )
    });
    let missing_result = refused(&|r| {
        edit(
            &r.join("deal/families-results.json"),
            "\"id\": \"families-turned-around\"",
            "\"id\": \"families\"",
        )
    });
    let missing_journal =
        refused(&|r| std::fs::remove_file(r.join("ledger/northshire-bcf.journal")).unwrap());
    insta::assert_snapshot!(
        "deal_bad_input",
        [
            missing_file,
            missing_figure,
            missing_agency,
            no_barrier,
            bad_share,
            bad_cap,
            bad_gateway,
            missing_result,
            missing_journal,
        ]
        .join("---\n")
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = oneplace(&["deal", "build", DEAL, "--out", "deal.docx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("say the format with --format"));
}

#[test]
fn the_pdf_document_opens_and_every_page_renders() {
    let Ok(version) = Command::new("pdftoppm").arg("-v").output() else {
        panic!(
            "pdftoppm is not installed: it renders the PDF deal document to check it. \
             Install it with `apt-get install -y poppler-utils` (Debian) and run the tests again."
        );
    };
    assert!(version.status.success() || !version.stderr.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let pdf = tmp.path().join("deal.pdf");
    let o = oneplace(&["deal", "build", DEAL, "--out", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let prefix = tmp.path().join("page");
    let r = Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let pages: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert!(pages.len() >= 5, "{} pages", pages.len());
    for page in &pages {
        let png = std::fs::read(page).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{}", page.display());
        // A rendered page is more than a blank sheet.
        assert!(
            png.len() > 2_000,
            "{} is {} bytes",
            page.display(),
            png.len()
        );
    }
    // The text is real text: poppler reads it back.
    if let Ok(t) = Command::new("pdftotext").arg(&pdf).arg("-").output() {
        let text = String::from_utf8_lossy(&t.stdout);
        assert!(
            text.contains("Who pays and who benefits under the deal"),
            "{text}"
        );
        assert!(text.contains("Evidence appendix"));
    }
}
