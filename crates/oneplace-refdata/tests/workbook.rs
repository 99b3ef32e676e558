//! The shipped Unit Cost Database table against the original workbook.
//!
//! The workbook's cached formula results are an independent oracle: Excel
//! computed them, not oneplace. These tests read the workbook's cells
//! directly (a minimal reader, not the importer) and check every one.

use std::path::PathBuf;

use calamine::{Data, Reader, Xlsx, open_workbook};
use oneplace_core::FinancialYear;
use oneplace_refdata::deflator::write_vintage;
use oneplace_refdata::import_rules::{CORRECTIONS, RELATION_OVERRIDES};
use oneplace_refdata::ucd::hierarchy::parse_overrides;
use oneplace_refdata::ucd::import::{THEME_SHEETS, import_workbook, parse_corrections};
use oneplace_refdata::ucd::write_table;
use oneplace_refdata::{ReferenceData, Relation, Tier, ValueKind};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

const WORKBOOK: &str = "data/unit-costs/gmca-unit-cost-database-v1.4.xlsx";

fn number(d: Option<&Data>) -> Option<f64> {
    match d {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

#[test]
fn uprating_reproduces_every_cached_value_in_the_workbook() {
    let data = ReferenceData::embedded();
    let deflators = data.default_deflators();
    // Lookups!K11, read from the workbook itself.
    let mut wb: Xlsx<_> = open_workbook(repo_file(WORKBOOK)).unwrap();
    let lookups = wb.worksheet_range("Lookups").unwrap();
    let Some(Data::String(current)) = lookups.get_value((10, 10)) else {
        panic!("Lookups!K11 is not the current year");
    };
    let current = FinancialYear::parse(current).unwrap();
    assert_eq!(current, data.unit_cost_price_year);

    let mut checked = 0;
    let mut zeros = 0;
    let mut worst: f64 = 0.0;
    for sheet in THEME_SHEETS {
        let range = wb.worksheet_range(sheet).unwrap();
        let (last, _) = range.end().unwrap();
        for row in 2..=last {
            let Some(entry) = data
                .unit_costs
                .entries()
                .iter()
                .find(|e| e.theme == sheet && e.row == row + 1)
            else {
                // Not an entry row: it must then hold no cached uprated value.
                for col in [9, 12, 15] {
                    let cached = number(range.get_value((row, col)));
                    let label = range.get_value((row, 0));
                    assert!(
                        cached.is_none()
                            || matches!(label, Some(Data::String(s)) if s == "Do not delete rows"),
                        "{sheet} row {} has a cached value but no entry",
                        row + 1
                    );
                }
                continue;
            };
            for (kind, value_col, uprated_col) in [
                (ValueKind::Fiscal, 7, 9),
                (ValueKind::Economic, 10, 12),
                (ValueKind::Social, 13, 15),
            ] {
                let cached = number(range.get_value((row, uprated_col)));
                let original = number(range.get_value((row, value_col)));
                match (cached, entry.value(kind)) {
                    (Some(cached), Some(value)) => {
                        assert_eq!(Some(value.value), original, "{sheet} row {}", row + 1);
                        let ours = entry.uprated(kind, deflators, current).unwrap().unwrap();
                        let diff = (ours - cached).abs();
                        worst = worst.max(diff);
                        assert!(
                            diff <= 0.01,
                            "{} {kind}: ours {ours}, workbook {cached}",
                            entry.code
                        );
                        checked += 1;
                    }
                    (None, None) => {}
                    // The workbook's formula is IF(value > 0, …, ""): a zero
                    // value shows no uprated figure; ours uprates to zero.
                    (None, Some(value)) if value.value == 0.0 => {
                        let ours = entry.uprated(kind, deflators, current).unwrap().unwrap();
                        assert_eq!(ours, 0.0);
                        zeros += 1;
                    }
                    (cached, ours) => panic!(
                        "{} {kind}: workbook caches {cached:?}, table has {:?}",
                        entry.code,
                        ours.map(|v| v.value)
                    ),
                }
            }
        }
    }
    // Counted in the workbook with another reader (Python's openpyxl): cells
    // of columns J, M and P (fiscal, economic, social uprated) holding a
    // cached number on the 684 entry rows.
    assert_eq!(checked, 779, "every cached value was checked");
    assert_eq!(zeros, 1);
    assert!(worst < 1e-6, "largest difference {worst}");
}

#[test]
fn the_shipped_table_is_what_the_importer_makes_of_the_workbook() {
    let corrections = parse_corrections(CORRECTIONS).unwrap();
    let overrides = parse_overrides(RELATION_OVERRIDES).unwrap();
    let imported = import_workbook(&repo_file(WORKBOOK), &corrections, &overrides).unwrap();
    let table = write_table(&imported.entries).unwrap();
    let shipped = std::fs::read_to_string(repo_file("data/unit-costs/ucd-v1.4.csv")).unwrap();
    assert!(
        table == shipped,
        "data/unit-costs/ucd-v1.4.csv is stale: re-run ucd-import"
    );
    let deflators =
        std::fs::read_to_string(repo_file("data/deflators/hmt-march-2015.csv")).unwrap();
    assert_eq!(write_vintage(&imported.deflators), deflators);
    assert_eq!(imported.current_year.to_string(), "2015/16");
}

#[test]
fn every_entry_of_every_theme_is_present() {
    let data = ReferenceData::embedded();
    let count = |theme: &str| {
        data.unit_costs
            .entries()
            .iter()
            .filter(|e| e.theme == theme)
            .count()
    };
    // Counted by hand in the workbook: rows with a cost code (or, once, a
    // blank code cell) above each sheet's "Do not delete rows" marker.
    assert_eq!(count("Crime"), 185);
    assert_eq!(count("Education & Skills"), 35);
    assert_eq!(count("Employment & Economy"), 75);
    assert_eq!(count("Fire"), 15);
    assert_eq!(count("Health"), 201);
    assert_eq!(count("Housing"), 36);
    assert_eq!(count("Social Services"), 137);
    assert_eq!(data.unit_costs.entries().len(), 684);
}

#[test]
fn entries_keep_every_field() {
    let data = ReferenceData::embedded();
    let e = data.unit_costs.get("cr2.0").unwrap();
    assert_eq!(e.code, "CR2.0");
    assert_eq!(e.unit, "Per incident");
    assert_eq!(e.agency_level1.as_deref(), Some("Multiple"));
    let fiscal = e.value(ValueKind::Fiscal).unwrap();
    assert_eq!(
        (fiscal.value, fiscal.price_year.to_string()),
        (2470.0, "2008/09".into())
    );
    assert_eq!(e.value(ValueKind::Economic).unwrap().value, 1473.0);
    assert_eq!(e.value(ValueKind::Social).unwrap().value, 6795.0);
    assert_eq!(e.rag, Some(oneplace_refdata::Rag::Amber));
    assert!(e.source.starts_with("Sylvia Walby"));
    assert!(e.comment.contains("Walby (2009)"));
    assert_eq!(e.revision.as_deref(), Some("Update"));

    // A value the workbook derives by formula keeps the formula.
    let e = data.unit_costs.get("E&S5.0").unwrap();
    let f = e.value(ValueKind::Fiscal).unwrap();
    assert_eq!(f.formula.as_deref(), Some("=3308/40"));
    assert_eq!(f.value, 3308.0 / 40.0);

    // Level 2 agencies are kept as written.
    let e = data.unit_costs.get("CR2.0.4").unwrap();
    assert_eq!(e.agency_level1.as_deref(), Some("Local Authority"));
    assert_eq!(e.agency_level2.as_deref(), Some("Children's Services"));

    // The blank code cell is corrected, and says so.
    let e = data.unit_costs.get("CR8.0.1").unwrap();
    assert_eq!(e.row, 58);
    assert!(
        e.correction
            .as_deref()
            .unwrap()
            .contains("holds only a space")
    );
}

#[test]
fn hierarchy_relations_match_the_figures() {
    let data = ReferenceData::embedded();
    let ucd = &data.unit_costs;
    let rel = |code: &str| {
        let link = ucd.get(code).unwrap().parent.clone().unwrap();
        (link.parent, link.tier, link.relation)
    };
    // Domestic violence: 1,171 + 581 + 415 + 193 + 110 = 2,470 = CR2.0.
    assert_eq!(
        rel("CR2.0.3"),
        ("CR2.0".into(), Tier::Constituent, Relation::Component)
    );
    // JSA into work: 9,234 (DWP) + 566 (NHS) = 9,800 = E&E1.0.
    assert_eq!(
        rel("E&E1.0.1"),
        ("E&E1.0".into(), Tier::Constituent, Relation::Component)
    );
    // Mediation: an average of 105 over cases costing 197, 107, 104 and 46.
    assert_eq!(
        rel("CR1.4.2"),
        ("CR1.4".into(), Tier::Constituent, Relation::Variant)
    );
    // Prisons: the average cost against each category of prison.
    assert_eq!(
        rel("CR3.0.1"),
        ("CR3.0".into(), Tier::Constituent, Relation::Variant)
    );
    // Eviction: 1,900 + 1,119 + 2,787 = 5,806 of 6,680 in the same unit.
    assert_eq!(
        rel("HO1.0.1"),
        ("HO1.0".into(), Tier::Constituent, Relation::Partial)
    );
    // Theft from vehicle: 37+7+8+5+4 = 61 against 60, published rounded to
    // whole pounds: within the rounding allowance, so components.
    assert_eq!(rel("CR8.10.1").2, Relation::Component);
    // Weekly JSA rates are not in the unit of the annual headline.
    assert_eq!(
        rel("E&E1.1"),
        ("E&E1.0".into(), Tier::Subsidiary, Relation::Partial)
    );
    assert_eq!(ucd.children("E&E1.0").len(), 11);
    assert_eq!(
        ucd.ancestors("CR8.1.2")
            .iter()
            .map(|e| e.code.as_str())
            .collect::<Vec<_>>(),
        ["CR8.1", "CR8.0"]
    );
}

#[test]
fn employment_public_value_statements_hold() {
    // The workbook's comments state each employment headline's public value:
    // the non-transfer fiscal constituents (health) plus the economic value,
    // benefits payments to DWP being transfers and excluded.
    let data = ReferenceData::embedded();
    let ucd = &data.unit_costs;
    let vocabulary = oneplace_core::AgencyVocabulary::seeded();
    for (code, stated) in [
        ("E&E1.0", 14_610.0),
        ("E&E2.0", 13_700.0),
        ("E&E3.0", 9_267.0),
    ] {
        let parent = ucd.get(code).unwrap();
        let economic = parent.value(ValueKind::Economic).unwrap().value;
        let non_transfer_fiscal: f64 = ucd
            .children(code)
            .into_iter()
            .filter(|c| c.parent.as_ref().unwrap().tier == Tier::Constituent)
            .filter(|c| {
                let agency = vocabulary
                    .resolve(c.agency_level1.as_deref().unwrap())
                    .unwrap();
                !agency.transfers_by_default
            })
            .map(|c| c.value(ValueKind::Fiscal).unwrap().value)
            .sum();
        assert_eq!(non_transfer_fiscal + economic, stated, "{code}");
        assert!(
            parent.comment.contains(&format!("£{}", group(stated))),
            "{code}"
        );
    }
}

fn group(v: f64) -> String {
    let s = format!("{}", v as i64);
    let (a, b) = s.split_at(s.len() - 3);
    format!("{a},{b}")
}

#[test]
fn search_finds_by_words() {
    let data = ReferenceData::embedded();
    let hits = data.unit_costs.search(&["domestic", "violence", "police"]);
    assert_eq!(hits.first().map(|e| e.code.as_str()), Some("CR2.0.3"));
    assert!(data.unit_costs.search(&["zzzz-no-such-word"]).is_empty());
}

#[test]
fn every_agency_in_the_database_is_in_the_vocabulary() {
    let data = ReferenceData::embedded();
    let vocabulary = oneplace_core::AgencyVocabulary::seeded();
    for e in data.unit_costs.entries() {
        for name in [&e.agency_level1, &e.agency_level2].into_iter().flatten() {
            assert!(
                vocabulary.get(name).is_some(),
                "{}: agency '{name}'",
                e.code
            );
        }
    }
}

#[test]
fn subsidiary_lines_worth_more_than_their_headline_are_separate_lines() {
    let ucd = &ReferenceData::embedded().unit_costs;
    let link = |code: &str| ucd.get(code).unwrap().parent.clone().unwrap();
    // A sergeant's hour (£38.43) heads an inspector's (£58.16) and a PCSO's
    // (£30.41): 88.57 > 38.43, and neither line is a version of the other.
    let inspector = link("CR9.1");
    assert_eq!(inspector.parent, "CR9.0");
    assert_eq!(inspector.tier, Tier::Subsidiary);
    assert_eq!(inspector.relation, Relation::Partial);
    assert!(!inspector.overridden);
    assert!(
        inspector.basis.contains("separate lines"),
        "{}",
        inspector.basis
    );
    // Court events for other offences, listed under violence against the
    // person: separate lines too.
    assert_eq!(link("CR5.2").relation, Relation::Partial);
    // Constituents worth more than their parent stay variants: the parent
    // is derived from them (an average).
    assert_eq!(link("CR1.4.2").relation, Relation::Variant);
    // No subsidiary line is inferred a variant any more: the only ones are
    // the headlines the override file marks as averages of their lines.
    let overridden_parents: Vec<&str> = ucd
        .entries()
        .iter()
        .filter_map(|e| e.parent.as_ref())
        .filter(|p| p.tier == Tier::Subsidiary && p.relation == Relation::Variant)
        .map(|p| {
            assert!(p.overridden, "{p:?}");
            p.parent.as_str()
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        overridden_parents,
        [
            "CR8.0", "HE14.0", "HE4.0", "HE5.0", "HE6.0", "HO7.0", "SS1.0"
        ]
    );
}

#[test]
fn the_shipped_overrides_apply_with_their_reasons() {
    let ucd = &ReferenceData::embedded().unit_costs;
    let homicide = ucd.get("CR8.1").unwrap().parent.clone().unwrap();
    assert_eq!(homicide.relation, Relation::Variant);
    assert!(homicide.overridden);
    assert!(
        homicide.basis.starts_with(
            "override: CR8.0 is the average cost per incident across all types of crime"
        ),
        "{}",
        homicide.basis
    );
    // The figures are kept beside the reason.
    assert!(
        homicide.basis.contains("(figures: fiscal:"),
        "{}",
        homicide.basis
    );
}

#[test]
fn an_override_from_a_file_changes_the_relation_and_a_stale_one_is_refused() {
    let corrections = parse_corrections(CORRECTIONS).unwrap();
    // A test override: call CR9.0's subsidiary lines components.
    let overrides = parse_overrides(
        "parent,tier,relation,reason\n\
         CR9.0,subsidiary,component,\"for the test, say the grades add up\"\n",
    )
    .unwrap();
    let imported = import_workbook(&repo_file(WORKBOOK), &corrections, &overrides).unwrap();
    let pcso = imported
        .entries
        .iter()
        .find(|e| e.code == "CR9.2")
        .and_then(|e| e.parent.clone())
        .unwrap();
    assert_eq!(pcso.relation, Relation::Component);
    assert!(pcso.overridden);
    assert!(
        pcso.basis.starts_with(
            "override: for the test, say the grades add up (figures: fiscal: 2 children sum to"
        ),
        "{}",
        pcso.basis
    );
    // Lines the override does not name keep their inference.
    let cr5 = imported.entries.iter().find(|e| e.code == "CR5.1").unwrap();
    assert!(!cr5.parent.as_ref().unwrap().overridden);

    // An override naming a code that is not in the workbook, or a tier its
    // children are not on, matches nothing: refused, not ignored.
    for (text, parent, tier) in [
        ("CR99.0,subsidiary,variant,gone", "CR99.0", "Subsidiary"),
        (
            "CR9.0,constituent,variant,wrong tier",
            "CR9.0",
            "Constituent",
        ),
    ] {
        let stale = parse_overrides(&format!("parent,tier,relation,reason\n{text}\n")).unwrap();
        let e = import_workbook(&repo_file(WORKBOOK), &corrections, &stale).unwrap_err();
        assert_eq!(
            e,
            format!(
                "relation override for {parent} ({tier} children) matches no group of children"
            )
        );
    }
    // A malformed override file names its row.
    let e = parse_overrides("parent,tier,relation,reason\nCR9.0,sideways,variant,x\n").unwrap_err();
    assert!(e.starts_with("relation overrides row 2:"), "{e}");
}
