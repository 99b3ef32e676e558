//! Exporting a ledger as a journal other plain-text accounting tools read:
//! hledger, ledger-cli and beancount.
//!
//! Each export has one transaction per oneplace transaction, every amount
//! explicit and exact to the penny, the three dimensions on every posting
//! and the reference on the transaction:
//!
//! | | hledger ([`to_hledger`]) | ledger-cli ([`to_ledger`]) | beancount ([`to_beancount`]) |
//! |---|---|---|---|
//! | amounts | `£1234.56` | `£1234.56` | `1234.56 GBP` |
//! | dimensions | posting tags `; partner:icb, scheme:home-first, source:nhs-minimum` | posting metadata lines `; partner: icb` | posting metadata `partner: "icb"` |
//! | reference | transaction tag `; ref:ICB-Q1` | transaction metadata `; ref: ICB-Q1` | transaction metadata `ref: "ICB-Q1"` |
//! | accounts | as they are, declared with their types (`hledger bs`/`is` work) | as they are, declared | `Assets`, `Liabilities`, `Equity`, `Income`, `Expenses` roots, capitalised parts, an `open` for each |
//! | balance assertions | `=` (`=*` when the account has sub-accounts) | `=` on accounts without sub-accounts | `balance` on the next day |
//!
//! Transactions are written in date order (a stable sort, so the order of a
//! day's transactions is kept), with each balance assertion after the last
//! transaction of its date: that is what a balance "at the end of DATE"
//! means to hledger (which orders by date) and to ledger-cli (which checks
//! assertions in file order). Assertions for one partner, scheme or source
//! have no equivalent in these tools and are written as comments, as are
//! assertions a tool cannot express exactly.
//!
//! A `;` in a description would start a comment in hledger and ledger-cli,
//! so it is written as `,`.

use std::collections::{BTreeSet, HashMap};

use oneplace_core::{Date, days_in_month};

use crate::balances::is_under;
use crate::model::{BalanceAssertion, Id, Ledger, NONE, Posting, Root, Transaction};

/// An hledger journal of the ledger (hledger 1.25 and later).
pub fn to_hledger(ledger: &Ledger) -> String {
    journal(ledger, Flavour::Hledger)
}

/// A ledger-cli journal of the ledger (ledger 3). Like [`to_hledger`], but
/// with ledger-cli's metadata syntax, and without assertions that include
/// sub-accounts (ledger-cli has none).
pub fn to_ledger(ledger: &Ledger) -> String {
    journal(ledger, Flavour::Ledger)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Hledger,
    Ledger,
}

/// Transactions in date order, the original order within a day.
fn in_date_order(ledger: &Ledger) -> Vec<&Transaction> {
    let mut txns: Vec<&Transaction> = ledger.transactions.iter().collect();
    if !txns.is_sorted_by_key(|t| t.date) {
        txns.sort_by_key(|t| t.date);
    }
    txns
}

fn assertions_in_date_order(ledger: &Ledger) -> Vec<&BalanceAssertion> {
    let mut list: Vec<&BalanceAssertion> = ledger.assertions.iter().collect();
    list.sort_by_key(|a| a.date);
    list
}

/// Whether any account of the ledger is strictly under `name`.
fn has_sub_accounts(ledger: &Ledger, name: &str) -> bool {
    ledger
        .accounts
        .iter()
        .any(|a| a.name.len() > name.len() && is_under(&a.name, name))
}

/// Every account of the ledger or of an assertion (under a known root), and
/// every ancestor of one, sorted.
fn accounts_and_ancestors(ledger: &Ledger) -> BTreeSet<&str> {
    let mut all = BTreeSet::new();
    let asserted = ledger
        .assertions
        .iter()
        .map(|a| a.account.as_str())
        .filter(|a| a.split(':').next().and_then(Root::parse).is_some());
    for name in ledger
        .accounts
        .iter()
        .map(|a| a.name.as_str())
        .chain(asserted)
    {
        let mut end = name.len();
        loop {
            all.insert(&name[..end]);
            match name[..end].rfind(':') {
                Some(i) => end = i,
                None => break,
            }
        }
    }
    all
}

fn journal(ledger: &Ledger, flavour: Flavour) -> String {
    let mut out = String::with_capacity(64 * ledger.postings.len() + 4096);
    let tool = match flavour {
        Flavour::Hledger => "hledger",
        Flavour::Ledger => "ledger-cli",
    };
    match &ledger.place {
        Some(p) => line(
            &mut out,
            &["; ", &p.name, ": exported from oneplace for ", tool],
        ),
        None => line(&mut out, &["; Exported from oneplace for ", tool]),
    }
    out.push_str(
        "; Dimensions are posting tags (partner, scheme, source); ref is the\n\
         ; transaction's reference.\n\n",
    );
    match flavour {
        Flavour::Hledger => out.push_str("commodity £1,000.00\n\n"),
        Flavour::Ledger => out.push_str("commodity £\n    format £1,000.00\n\n"),
    }
    for name in accounts_and_ancestors(ledger) {
        out.push_str("account ");
        out.push_str(name);
        if flavour == Flavour::Hledger && !name.contains(':') {
            let code = match Root::parse(name) {
                Some(Root::Assets) => "A",
                Some(Root::Liabilities) => "L",
                Some(Root::Equity) => "E",
                Some(Root::Income) => "R",
                Some(Root::Expenditure) => "X",
                None => "",
            };
            if !code.is_empty() {
                out.push_str("  ; type: ");
                out.push_str(code);
            }
        }
        out.push('\n');
    }

    let assertions = assertions_in_date_order(ledger);
    let mut next = 0;
    for t in in_date_order(ledger) {
        while next < assertions.len() && assertions[next].date < t.date {
            assertion(&mut out, ledger, assertions[next], flavour);
            next += 1;
        }
        out.push('\n');
        push_date(&mut out, t.date);
        if !t.description.is_empty() {
            out.push(' ');
            push_description(&mut out, &t.description);
        }
        if let Some(r) = &t.reference {
            match flavour {
                Flavour::Hledger => line(&mut out, &["  ; ref:", r]),
                Flavour::Ledger => line(&mut out, &["\n    ; ref: ", r]),
            }
        } else {
            out.push('\n');
        }
        for p in ledger.postings_of(t) {
            out.push_str("    ");
            out.push_str(&ledger.accounts[p.account as usize].name);
            out.push_str("  ");
            push_pounds(&mut out, p.amount.pence(), "£", "");
            dimensions(&mut out, ledger, p, flavour);
        }
    }
    for a in &assertions[next..] {
        assertion(&mut out, ledger, a, flavour);
    }
    out
}

/// A posting's dimensions, ending its line.
fn dimensions(out: &mut String, ledger: &Ledger, p: &Posting, flavour: Flavour) {
    let mut first = true;
    for (key, value) in dimension_names(ledger, p.partner, p.scheme, p.source) {
        let Some(value) = value else {
            continue;
        };
        match flavour {
            Flavour::Hledger => {
                out.push_str(if first { "  ; " } else { ", " });
                out.push_str(key);
                out.push(':');
                out.push_str(value);
            }
            Flavour::Ledger => {
                out.push_str("\n    ; ");
                out.push_str(key);
                out.push_str(": ");
                out.push_str(value);
            }
        }
        first = false;
    }
    out.push('\n');
}

/// The ids of a partner, scheme and source ([`NONE`]: not given).
fn dimension_names(
    ledger: &Ledger,
    partner: Id,
    scheme: Id,
    source: Id,
) -> [(&'static str, Option<&str>); 3] {
    [
        (
            "partner",
            (partner != NONE).then(|| ledger.partners[partner as usize].id.as_str()),
        ),
        (
            "scheme",
            (scheme != NONE).then(|| ledger.schemes[scheme as usize].id.as_str()),
        ),
        (
            "source",
            (source != NONE).then(|| ledger.sources[source as usize].id.as_str()),
        ),
    ]
}

/// The dimensions of an assertion, as the journal writes them.
fn assertion_dimensions(ledger: &Ledger, a: &BalanceAssertion) -> String {
    let mut s = String::new();
    for (key, value) in dimension_names(ledger, a.partner, a.scheme, a.source) {
        if let Some(value) = value {
            s.push(' ');
            s.push_str(key);
            s.push(':');
            s.push_str(value);
        }
    }
    s
}

/// The assertion as the oneplace journal writes it, for comments.
fn oneplace_assertion(ledger: &Ledger, a: &BalanceAssertion) -> String {
    format!(
        "balance {} {} {}{}",
        a.date,
        a.account,
        a.amount,
        assertion_dimensions(ledger, a)
    )
}

fn assertion(out: &mut String, ledger: &Ledger, a: &BalanceAssertion, flavour: Flavour) {
    out.push('\n');
    let filtered = a.partner != NONE || a.scheme != NONE || a.source != NONE;
    let inclusive = has_sub_accounts(ledger, &a.account);
    let why_not = if filtered {
        Some("balance assertions for one partner, scheme or source have no equivalent")
    } else if inclusive && flavour == Flavour::Ledger {
        Some("ledger-cli has no balance assertion that includes sub-accounts")
    } else {
        None
    };
    if let Some(why) = why_not {
        let text = oneplace_assertion(ledger, a);
        line(out, &["; Not exported (", why, "): ", &text]);
        return;
    }
    push_date(out, a.date);
    out.push_str(" balance assertion\n    ");
    out.push_str(&a.account);
    out.push_str("  £0.00 ");
    out.push_str(if inclusive { "=* " } else { "= " });
    push_pounds(out, a.amount.pence(), "£", "");
    out.push('\n');
}

/// The beancount name of each account of the ledger, by index: capitalised
/// roots (`expenditure` becomes `Expenses`), each part starting with a
/// capital letter or a digit and holding only letters, digits and dashes
/// (`staff costs` becomes `Staff-costs`); parts that would then clash with a
/// sibling get a numeric suffix. An account that is only a root gets a part
/// `Other`, since beancount has no postings to a bare root.
pub fn beancount_accounts(ledger: &Ledger) -> Vec<String> {
    let mut names = BeancountNames::default();
    ledger
        .accounts
        .iter()
        .map(|a| names.name(&a.name).unwrap_or_default())
        .collect()
}

#[derive(Default)]
struct BeancountNames {
    /// oneplace account (or prefix) → beancount name.
    mapped: HashMap<String, String>,
    /// beancount names handed out.
    used: BTreeSet<String>,
}

impl BeancountNames {
    /// The beancount name of a oneplace account, if it is under a root.
    fn name(&mut self, account: &str) -> Option<String> {
        if let Some(m) = self.mapped.get(account) {
            return Some(m.clone());
        }
        let root = match Root::parse(account.split(':').next().unwrap_or("")) {
            Some(Root::Assets) => "Assets",
            Some(Root::Liabilities) => "Liabilities",
            Some(Root::Equity) => "Equity",
            Some(Root::Income) => "Income",
            Some(Root::Expenditure) => "Expenses",
            None => return None,
        };
        let mapped = match account.rfind(':') {
            None => {
                // A bare root.
                let name = self.unique(root, "Other");
                self.mapped.insert(account.to_string(), name.clone());
                return Some(name);
            }
            Some(i) => {
                let parent = &account[..i];
                let parent_name = if parent.contains(':') {
                    self.name(parent)?
                } else {
                    root.to_string()
                };
                self.unique(&parent_name, &beancount_part(&account[i + 1..]))
            }
        };
        self.mapped.insert(account.to_string(), mapped.clone());
        Some(mapped)
    }

    fn unique(&mut self, parent: &str, part: &str) -> String {
        let mut candidate = format!("{parent}:{part}");
        let mut n = 2;
        while self.used.contains(&candidate) {
            candidate = format!("{parent}:{part}-{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

/// One part of an account name in beancount's rules.
fn beancount_part(part: &str) -> String {
    let mut s: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    match s.chars().next() {
        Some(c) if c.is_ascii_lowercase() => s[..1].make_ascii_uppercase(),
        Some(c) if c.is_ascii_uppercase() || c.is_ascii_digit() => {}
        _ => s.insert(0, 'X'),
    }
    s
}

/// A beancount ledger of the ledger (beancount 2 and 3): an `open` for every
/// account on the earliest date, one `*` transaction per transaction with
/// the reference and each posting's dimensions as metadata, and balance
/// assertions on the next day (beancount checks them at the start of their
/// day). Account names are mapped by [`beancount_accounts`].
pub fn to_beancount(ledger: &Ledger) -> String {
    let mut out = String::with_capacity(96 * ledger.postings.len() + 4096);
    let title = ledger
        .place
        .as_ref()
        .map_or("oneplace ledger", |p| p.name.as_str());
    out.push_str("; Exported from oneplace. Dimensions are posting metadata (partner,\n");
    out.push_str("; scheme, source); ref is the transaction's reference.\n");
    out.push_str("option \"title\" ");
    push_quoted(&mut out, title);
    out.push_str("\noption \"operating_currency\" \"GBP\"\n\n");

    let mut names = BeancountNames::default();
    let accounts: Vec<String> = ledger
        .accounts
        .iter()
        .map(|a| names.name(&a.name).unwrap_or_default())
        .collect();
    let assertions = assertions_in_date_order(ledger);
    let assertion_names: Vec<Option<String>> = assertions
        .iter()
        .map(|a| {
            if a.account.contains(':') {
                names.name(&a.account)
            } else {
                None
            }
        })
        .collect();

    let txns = in_date_order(ledger);
    let opened = txns
        .first()
        .map(|t| t.date)
        .into_iter()
        .chain(assertions.first().map(|a| next_day(a.date)))
        .min()
        .unwrap_or_else(|| Date::new(2000, 1, 1).expect("a valid date"));
    let open: BTreeSet<&String> = accounts
        .iter()
        .chain(assertion_names.iter().flatten())
        .filter(|n| !n.is_empty())
        .collect();
    for name in open {
        push_date(&mut out, opened);
        out.push_str(" open ");
        out.push_str(name);
        out.push_str(" GBP\n");
    }

    for t in txns {
        out.push('\n');
        push_date(&mut out, t.date);
        out.push_str(" * ");
        push_quoted(&mut out, &t.description);
        out.push('\n');
        if let Some(r) = &t.reference {
            out.push_str("  ref: ");
            push_quoted(&mut out, r);
            out.push('\n');
        }
        for p in ledger.postings_of(t) {
            out.push_str("  ");
            out.push_str(&accounts[p.account as usize]);
            out.push_str("  ");
            push_pounds(&mut out, p.amount.pence(), "", " GBP");
            out.push('\n');
            for (key, value) in dimension_names(ledger, p.partner, p.scheme, p.source) {
                if let Some(value) = value {
                    out.push_str("    ");
                    out.push_str(key);
                    out.push_str(": ");
                    push_quoted(&mut out, value);
                    out.push('\n');
                }
            }
        }
    }

    for (a, name) in assertions.iter().zip(&assertion_names) {
        out.push('\n');
        let filtered = a.partner != NONE || a.scheme != NONE || a.source != NONE;
        match name {
            Some(name) if !filtered => {
                push_date(&mut out, next_day(a.date));
                out.push_str(" balance ");
                out.push_str(name);
                out.push_str("  ");
                push_pounds(&mut out, a.amount.pence(), "", " GBP");
                out.push('\n');
            }
            _ => {
                let why = if filtered {
                    "balance assertions for one partner, scheme or source have no equivalent"
                } else {
                    "beancount has no balance assertion on a bare root or an unknown root"
                };
                let text = oneplace_assertion(ledger, a);
                line(&mut out, &["; Not exported (", why, "): ", &text]);
            }
        }
    }
    out
}

fn next_day(d: Date) -> Date {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if day < days_in_month(y, m) {
        Date::new(y, m, day + 1)
    } else if m < 12 {
        Date::new(y, m + 1, 1)
    } else {
        Date::new(y + 1, 1, 1)
    }
    .unwrap_or(d)
}

fn line(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
    out.push('\n');
}

fn push_description(out: &mut String, text: &str) {
    if text.contains(';') {
        out.push_str(&text.replace(';', ","));
    } else {
        out.push_str(text);
    }
}

/// A beancount string: double quotes, with `"` and `\` escaped.
fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// `2025-04-30`.
fn push_date(out: &mut String, d: Date) {
    let mut buf = *b"0000-00-00";
    let y = d.year().clamp(0, 9999) as u32;
    for (i, v) in [y / 1000, y / 100 % 10, y / 10 % 10, y % 10]
        .iter()
        .enumerate()
    {
        buf[i] = b'0' + *v as u8;
    }
    buf[5] = b'0' + (d.month() / 10) as u8;
    buf[6] = b'0' + (d.month() % 10) as u8;
    buf[8] = b'0' + (d.day() / 10) as u8;
    buf[9] = b'0' + (d.day() % 10) as u8;
    out.push_str(std::str::from_utf8(&buf).expect("ASCII"));
}

/// `-£1234.56` (prefix `£`) or `-1234.56 GBP` (suffix ` GBP`): no thousands
/// separators, always two decimals.
fn push_pounds(out: &mut String, pence: i64, prefix: &str, suffix: &str) {
    if pence < 0 {
        out.push('-');
    }
    out.push_str(prefix);
    let abs = pence.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut n = abs / 100;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII"));
    out.push('.');
    let p = (abs % 100) as u8;
    out.push(char::from(b'0' + p / 10));
    out.push(char::from(b'0' + p % 10));
    out.push_str(suffix);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Journal, load};

    fn example() -> Ledger {
        let text = include_str!("../../../examples/ledger/northshire-bcf.journal");
        load(&[Journal {
            name: "northshire-bcf.journal",
            text,
        }])
        .expect("the example loads")
    }

    #[test]
    fn amounts_and_dates() {
        let mut s = String::new();
        push_pounds(&mut s, -123_456, "£", "");
        s.push(' ');
        push_pounds(&mut s, 5, "", " GBP");
        s.push(' ');
        push_pounds(&mut s, 0, "£", "");
        s.push(' ');
        push_date(&mut s, Date::new(2025, 4, 1).unwrap());
        assert_eq!(s, "-£1234.56 0.05 GBP £0.00 2025-04-01");
        assert_eq!(
            next_day(Date::new(2026, 3, 31).unwrap()),
            Date::new(2026, 4, 1).unwrap()
        );
        assert_eq!(
            next_day(Date::new(2025, 12, 31).unwrap()),
            Date::new(2026, 1, 1).unwrap()
        );
    }

    #[test]
    fn beancount_names() {
        assert_eq!(beancount_part("staff costs"), "Staff-costs");
        assert_eq!(beancount_part("2025"), "2025");
        assert_eq!(beancount_part("_x"), "X-x");
        let mut n = BeancountNames::default();
        assert_eq!(
            n.name("expenditure:staff costs").as_deref(),
            Some("Expenses:Staff-costs")
        );
        assert_eq!(
            n.name("expenditure:staff_costs").as_deref(),
            Some("Expenses:Staff-costs-2")
        );
        assert_eq!(
            n.name("expenditure:staff costs:agency").as_deref(),
            Some("Expenses:Staff-costs:Agency")
        );
        assert_eq!(n.name("assets").as_deref(), Some("Assets:Other"));
        assert_eq!(n.name("other:thing"), None);
    }

    #[test]
    fn hledger_export_of_the_example() {
        let l = example();
        let j = to_hledger(&l);
        assert!(j.contains("account expenditure  ; type: X\n"));
        assert!(j.contains(
            "2025-04-01 ICB Q1 contribution  ; ref:ICB-Q1\n    \
             assets:bank  £900000.00  ; partner:icb, source:nhs-minimum\n"
        ));
        // The elided amount is written out.
        assert!(j.contains("    assets:bank  -£98000.00  ; partner:icb\n"));
        // The total assertion after the day's transactions; the partner's as a comment.
        let assertion = j
            .find("2025-04-30 balance assertion\n    assets:bank  £0.00 = £1031250.00\n")
            .expect("the assertion");
        assert!(assertion > j.rfind("ref:NCC-AP-90001").unwrap());
        assert!(j.contains("; Not exported (balance assertions for one partner"));
        assert_eq!(j.matches("\n    ").count(), l.postings.len() + 1);
    }

    #[test]
    fn ledger_export_of_the_example() {
        let j = to_ledger(&example());
        assert!(j.contains(
            "2025-04-01 ICB Q1 contribution\n    ; ref: ICB-Q1\n    \
             assets:bank  £900000.00\n    ; partner: icb\n    ; source: nhs-minimum\n"
        ));
        assert!(!j.contains("type:"));
    }

    #[test]
    fn beancount_export_of_the_example() {
        let l = example();
        let j = to_beancount(&l);
        assert!(j.contains("2025-04-01 open Expenses:Services GBP\n"));
        assert!(j.contains(
            "2025-04-01 * \"ICB Q1 contribution\"\n  ref: \"ICB-Q1\"\n  \
             Assets:Bank  900000.00 GBP\n    partner: \"icb\"\n    source: \"nhs-minimum\"\n"
        ));
        assert!(j.contains("2025-05-01 balance Assets:Bank  1031250.00 GBP\n"));
        assert_eq!(
            beancount_accounts(&l),
            [
                "Assets:Bank",
                "Income:Contributions",
                "Expenses:Services",
                "Expenses:Staff"
            ]
        );
    }
}
