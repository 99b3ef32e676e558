//! The examples in the documentation load and do what the text says, so the
//! documents cannot drift from the code.

use oneplace_core::Money;
use oneplace_ledger::import::{import, parse_mapping};
use oneplace_ledger::{Journal, load};

fn doc(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The code blocks of a Markdown text whose fence is "```" + `info`.
fn blocks(text: &str, info: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Inside a block: whether it is kept, and its text so far.
    let mut current: Option<(bool, String)> = None;
    for line in text.lines() {
        let fence = line.starts_with("```");
        match (&mut current, fence) {
            (Some((keep, block)), true) => {
                if *keep {
                    out.push(std::mem::take(block));
                }
                current = None;
            }
            (Some((_, block)), false) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, true) => current = Some((line[3..].trim() == info, String::new())),
            (None, false) => {}
        }
    }
    out
}

fn example_ledger() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/northshire-bcf.journal"
    ))
    .unwrap()
}

#[test]
fn the_journal_format_example_loads() {
    let text = doc("journal-format.md");
    // The worked example is the first plain block.
    let example = blocks(&text, "").into_iter().next().expect("an example");
    assert!(
        example.starts_with("; Northshire Better Care Fund"),
        "{example}"
    );
    let l = load(&[Journal {
        name: "journal-format.md",
        text: &example,
    }])
    .unwrap_or_else(|e| panic!("the example in docs/journal-format.md: {e}"));
    assert_eq!(l.partners.len(), 2);
    assert_eq!(l.schemes.len(), 2);
    assert_eq!(l.transactions.len(), 2);
    assert_eq!(l.assertions.len(), 2);
    assert_eq!(l.commitments.len(), 1);
    assert_eq!(l.virements.len(), 1);
    assert_eq!(l.virements[0].amount, Money::from_pounds(50_000));
}

#[test]
fn the_import_mapping_example_loads_and_imports_its_extract() {
    let text = doc("import-mapping.md");
    let mapping = blocks(&text, "toml").into_iter().next().expect("a mapping");
    let extract = blocks(&text, "csv").into_iter().next().expect("an extract");
    let ledger_text = example_ledger();
    let ledger = load(&[Journal {
        name: "northshire-bcf.journal",
        text: &ledger_text,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let m = parse_mapping("import-mapping.md", &mapping, &ledger)
        .unwrap_or_else(|e| panic!("the mapping in docs/import-mapping.md: {e}"));
    assert_eq!(m.partner, "county-council");
    let outcome = import(&ledger, &m, "extract.csv", &extract)
        .unwrap_or_else(|e| panic!("the extract in docs/import-mapping.md: {e}"));
    assert_eq!(outcome.rows, 4);
    assert_eq!(outcome.added, 4);
    assert_eq!(outcome.already_posted, 0);
    // The first transaction is written as the document shows it.
    let shown = blocks(&text, "text").into_iter().next().expect("output");
    assert!(
        outcome.journal_text.contains(&shown),
        "the document shows:\n{shown}\nthe import wrote:\n{}",
        outcome.journal_text
    );

    // The journal with the import appended loads, with the four rows'
    // spending: 72,000.00 + 4,500.50 − 1,250.00 + 21,000.00 = 96,250.50.
    let combined = format!("{ledger_text}\n{}", outcome.journal_text);
    let after = load(&[Journal {
        name: "northshire-bcf.journal",
        text: &combined,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let added = &after.transactions[ledger.transactions.len()..];
    assert_eq!(added.len(), 4);
    let spending: Money = added
        .iter()
        .flat_map(|t| after.postings_of(t))
        .filter(|p| after.accounts[p.account as usize].name == "expenditure:services")
        .map(|p| p.amount)
        .sum();
    assert_eq!(spending, Money::parse("96,250.50").unwrap());
    // Re-importing the same extract into the result changes nothing.
    let again = import(&after, &m, "extract.csv", &extract).unwrap();
    assert_eq!((again.added, again.already_posted), (0, 4));
    assert!(again.journal_text.is_empty());
}
