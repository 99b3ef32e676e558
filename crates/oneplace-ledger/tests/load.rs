use oneplace_ledger::{Journal, load};

#[test]
fn example_loads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/northshire-bcf.journal"
    ))
    .unwrap();
    let l = load(&[Journal {
        name: "northshire-bcf.journal",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.partners.len(), 2);
    for (a, m) in oneplace_ledger::balances::balance_report(&l) {
        println!("{a:30} {m}");
    }
}
