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

/// Many balance assertions (by account, by partner, by source, at dates
/// through the years) agree with the plain definition of a balance: the sum
/// of the postings to the account and its sub-accounts up to the end of
/// the day. One penny off is refused at its line.
#[test]
fn balance_assertions_agree_with_a_plain_scan() {
    use oneplace_ledger::balances::balance_at;
    use oneplace_ledger::model::NONE;

    let text = oneplace_ledger::synth::synthesize(20_000, 11);
    let l = load(&[Journal {
        name: "s.journal",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let mut dates: Vec<_> = l.transactions.iter().map(|t| t.date).collect();
    dates.sort();
    dates.dedup();
    let mut extra = String::new();
    let mut count = 0;
    for (k, date) in dates.iter().enumerate().step_by(3) {
        let partner = (k % (l.partners.len() + 1)) as u32;
        let partner = if partner as usize == l.partners.len() {
            NONE
        } else {
            partner
        };
        for account in ["assets", "expenditure", "income:contributions"] {
            let amount = balance_at(&l, account, *date, partner, NONE, NONE);
            let tag = if partner == NONE {
                String::new()
            } else {
                format!(" partner:{}", l.partners[partner as usize].id)
            };
            extra.push_str(&format!("balance {date} {account} {amount}{tag}\n"));
            count += 1;
        }
    }
    assert!(count > 100, "{count} assertions");
    let with = format!("{text}\n{extra}");
    load(&[Journal {
        name: "s.journal",
        text: &with,
    }])
    .unwrap_or_else(|e| panic!("{e}"));

    // Change the last assertion by a penny.
    let last = extra.lines().last().unwrap();
    let (head, tail) = last.split_once(" income:contributions ").unwrap();
    let (amount, tag) = tail.split_once(' ').map_or((tail, ""), |(a, t)| (a, t));
    let wrong = oneplace_core::Money::parse(amount).unwrap() + oneplace_core::Money::from_pence(1);
    let bad = format!(
        "{text}\n{}{head} income:contributions {wrong} {tag}\n",
        &extra[..extra.len() - last.len() - 1]
    );
    let line = bad.lines().count();
    let e = load(&[Journal {
        name: "s.journal",
        text: &bad,
    }])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(&format!("s.journal:{line}:1: balance assertion failed")),
        "{e}"
    );
    assert_eq!(e.matches("balance assertion failed").count(), 1, "{e}");
}
