//! Independent oracles for the ledger: hledger (required), ledger-cli and
//! beancount (when installed) read our exports, and their balances must
//! equal ours to the penny.
//!
//! * hledger: `hledger check` (with declared accounts and commodities and
//!   dates in order) accepts the export, including its balance assertions;
//!   `hledger bal` equals [`balance_report`] for every account; for each
//!   partner, `bal tag:partner=^ID$` equals our sums over that partner's
//!   postings; `bal --pivot scheme|source` of expenditure and income equal
//!   our totals per scheme and source; `hledger is`/`bse` see the accounts'
//!   types.
//! * ledger-cli (if installed): `ledger bal` of the ledger-cli export equals
//!   ours, in total and per partner (its metadata).
//! * beancount: if `bean-check` is installed it must accept the export, and
//!   if Python's `beancount` imports, its sums per account and per partner
//!   must equal ours; without it, only the structure of the export is
//!   checked here (every account opened and well-formed, every transaction
//!   balanced, every posting with its partner, totals equal ours).
//!
//! hledger is required: without it these tests fail and say how to install
//! it (`apt-get install -y hledger`; CI installs it).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use oneplace_core::Money;
use oneplace_ledger::balances::balance_report;
use oneplace_ledger::model::{NONE, Posting};
use oneplace_ledger::{Journal, Ledger, export, load, synth};

/// Account (or pivot value) → pence.
type Totals = BTreeMap<String, i64>;

fn example() -> Ledger {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ledger/northshire-bcf.journal"
    ))
    .expect("the example journal");
    load(&[Journal {
        name: "northshire-bcf.journal",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn synthetic(postings: usize, seed: u64) -> Ledger {
    let text = synth::synthesize(postings, seed);
    load(&[Journal {
        name: "synthetic.journal",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("oneplace-oracle-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("write a temporary file");
    path
}

/// A tool's binary, if `TOOL --version` runs.
fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn hledger() -> &'static str {
    if !installed("hledger") {
        panic!(
            "hledger is not installed: these tests use it as an independent oracle for the \
             ledger's balances. Install it with `apt-get install -y hledger` (Debian's \
             package; CI installs it)."
        );
    }
    "hledger"
}

fn spawn(tool: &str, file: &PathBuf, args: &[&str]) -> Child {
    Command::new(tool)
        .arg("-f")
        .arg(file)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// Waits for a run and returns its standard output; panics if it failed.
fn finish(child: Child, what: &str) -> String {
    let out = child.wait_with_output().expect("the tool ran");
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `£1234.56`, `£-5.00`, `0`, `-1234.5` in pence.
fn pence(text: &str) -> i64 {
    let t = text.trim().replace(['£', ','], "");
    let m = Money::parse(&t).unwrap_or_else(|e| panic!("'{text}': {e}"));
    m.pence()
}

/// hledger's `-O csv` balance report: account → pence.
fn hledger_csv(text: &str) -> Totals {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    r.records()
        .map(|row| {
            let row = row.expect("hledger's CSV");
            (row[0].to_string(), pence(&row[1]))
        })
        .collect()
}

/// Totals of the postings `keep` keeps, for each account and its ancestors.
fn ours(ledger: &Ledger, keep: impl Fn(&Posting) -> bool) -> Totals {
    let mut totals = Totals::new();
    for p in ledger.postings.iter().filter(|p| keep(p)) {
        let name = &ledger.accounts[p.account as usize].name;
        let mut end = name.len();
        loop {
            *totals.entry(name[..end].to_string()).or_default() += p.amount.pence();
            match name[..end].rfind(':') {
                Some(i) => end = i,
                None => break,
            }
        }
    }
    totals
}

/// Totals of the postings under `root`, by a dimension's id.
fn by_dimension(ledger: &Ledger, root: &str, id: impl Fn(&Posting) -> Option<String>) -> Totals {
    let mut totals = Totals::new();
    for p in &ledger.postings {
        let name = &ledger.accounts[p.account as usize].name;
        if oneplace_ledger::balances::is_under(name, root) {
            *totals.entry(id(p).unwrap_or_default()).or_default() += p.amount.pence();
        }
    }
    totals
}

/// Equal, reading an absent entry as zero.
fn assert_same(what: &str, expected: &Totals, actual: &Totals) {
    let keys: std::collections::BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    let mut differences = Vec::new();
    for k in keys {
        let (e, a) = (
            expected.get(k).copied().unwrap_or(0),
            actual.get(k).copied().unwrap_or(0),
        );
        if e != a {
            differences.push(format!(
                "  {k}: oneplace {}, oracle {}",
                Money::from_pence(e),
                Money::from_pence(a)
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{what}: the balances differ\n{}",
        differences.join("\n")
    );
}

fn partner_id(l: &Ledger, p: &Posting) -> Option<String> {
    (p.partner != NONE).then(|| l.partners[p.partner as usize].id.clone())
}

fn scheme_id(l: &Ledger, p: &Posting) -> Option<String> {
    (p.scheme != NONE).then(|| l.schemes[p.scheme as usize].id.clone())
}

fn source_id(l: &Ledger, p: &Posting) -> Option<String> {
    (p.source != NONE).then(|| l.sources[p.source as usize].id.clone())
}

/// Every check against hledger, the runs in parallel.
fn against_hledger(name: &str, ledger: &Ledger) {
    let bin = hledger();
    let file = write_temp(&format!("{name}.hledger"), &export::to_hledger(ledger));
    let report = ["bal", "-O", "csv", "-N", "--tree", "--no-elide", "-E"];
    let check = spawn(
        bin,
        &file,
        &["check", "accounts", "commodities", "ordereddates"],
    );
    let total = spawn(bin, &file, &report);
    let partners: Vec<(String, Child)> = ledger
        .partners
        .iter()
        .map(|p| {
            let query = format!("tag:partner=^{}$", p.id);
            let mut args = report.to_vec();
            args.push(&query);
            (p.id.clone(), spawn(bin, &file, &args))
        })
        .collect();
    let pivots: Vec<(&str, &str, Child)> = [
        ("scheme", "expenditure"),
        ("source", "expenditure"),
        ("source", "income"),
        ("partner", "assets"),
        ("partner", "expenditure"),
    ]
    .into_iter()
    .map(|(tag, root)| {
        let child = spawn(
            bin,
            &file,
            &[
                "bal",
                "-O",
                "csv",
                "-N",
                "--pivot",
                tag,
                &format!("^{root}(:|$)"),
            ],
        );
        (tag, root, child)
    })
    .collect();
    let income_statement = spawn(bin, &file, &["is", "-O", "csv", "-N"]);
    let balance_sheet = spawn(bin, &file, &["bse", "-O", "csv", "-N"]);

    finish(check, &format!("{name}: hledger check"));

    let expected: Totals = balance_report(ledger)
        .into_iter()
        .map(|(a, m)| (a, m.pence()))
        .collect();
    let actual = hledger_csv(&finish(total, "hledger bal"));
    assert!(!expected.is_empty() || ledger.postings.is_empty());
    assert_same(&format!("{name}: hledger bal"), &expected, &actual);

    for (id, child) in partners {
        let p = ledger.partner(&id).expect("a partner");
        let actual = hledger_csv(&finish(child, "hledger bal tag:partner"));
        let expected = ours(ledger, |x| x.partner == p);
        assert_same(
            &format!("{name}: hledger bal tag:partner={id}"),
            &expected,
            &actual,
        );
    }
    for (tag, root, child) in pivots {
        let actual = hledger_csv(&finish(child, "hledger bal --pivot"));
        let expected = by_dimension(ledger, root, |p| match tag {
            "scheme" => scheme_id(ledger, p),
            "source" => source_id(ledger, p),
            _ => partner_id(ledger, p),
        });
        assert_same(
            &format!("{name}: hledger bal {root} --pivot {tag}"),
            &expected,
            &actual,
        );
    }

    // The declared types put the accounts in the right statements.
    let is = finish(income_statement, "hledger is");
    let bs = finish(balance_sheet, "hledger bse");
    for a in &ledger.accounts {
        let statement = if a.name.starts_with("income") || a.name.starts_with("expenditure") {
            &is
        } else {
            &bs
        };
        assert!(
            statement.contains(&format!("\"{}\"", a.name)),
            "{name}: {} is missing from hledger's {}:\n{statement}",
            a.name,
            if std::ptr::eq(statement, &is) {
                "is"
            } else {
                "bse"
            }
        );
    }
    let _ = std::fs::remove_file(file);
}

#[test]
fn hledger_agrees_on_the_example() {
    against_hledger("example", &example());
}

#[test]
fn hledger_agrees_on_a_synthetic_ledger() {
    let l = synthetic(20_000, 11);
    assert!(l.postings.len() > 19_900);
    against_hledger("synthetic", &l);
}

#[test]
fn hledger_agrees_on_small_synthetic_ledgers() {
    for (postings, seed) in [(0, 1), (10, 2), (500, 3)] {
        against_hledger(&format!("synthetic-{postings}"), &synthetic(postings, seed));
    }
}

#[test]
fn hledger_rejects_a_broken_export() {
    // The oracle is not vacuous: a penny off fails hledger's own checks.
    let bin = hledger();
    let text = export::to_hledger(&example()).replacen("£900000.00", "£900000.01", 1);
    let file = write_temp("broken.hledger", &text);
    let out = spawn(bin, &file, &["check"]).wait_with_output().unwrap();
    assert!(
        !out.status.success(),
        "hledger accepted an unbalanced export"
    );
    let _ = std::fs::remove_file(file);
}

/// ledger-cli: `ledger bal` of the ledger-cli export, in total and for each
/// partner. Skipped (with a note) when ledger-cli is not installed.
#[test]
fn ledger_cli_agrees_when_installed() {
    if !installed("ledger") {
        eprintln!("ledger-cli is not installed (apt-get install -y ledger): skipped");
        return;
    }
    for (name, l) in [("example", example()), ("synthetic", synthetic(5_000, 5))] {
        let file = write_temp(&format!("{name}.ledger"), &export::to_ledger(&l));
        let format = "%(account)\t%(quantity(scrub(display_total)))\n";
        let args = ["bal", "--flat", "--no-total", "--balance-format", format];
        let parse = |text: String| -> Totals {
            text.lines()
                .filter_map(|line| line.split_once('\t'))
                .map(|(a, q)| (a.to_string(), pence(q)))
                .collect()
        };
        // ledger's flat report lists the accounts with postings, each with
        // its sub-accounts' postings included: compare those.
        let compare = |what: &str, expected: &Totals, actual: &Totals| {
            assert!(!actual.is_empty() || expected.values().all(|v| *v == 0));
            let expected: Totals = actual
                .keys()
                .map(|k| (k.clone(), expected.get(k).copied().unwrap_or(0)))
                .collect();
            assert_same(what, &expected, actual);
        };
        let total = parse(finish(spawn("ledger", &file, &args), "ledger bal"));
        compare(&format!("{name}: ledger bal"), &ours(&l, |_| true), &total);
        for (i, p) in l.partners.iter().enumerate() {
            let limit = format!("tag(\"partner\")==\"{}\"", p.id);
            let mut a = args.to_vec();
            a.extend(["--limit", &limit]);
            let actual = parse(finish(spawn("ledger", &file, &a), "ledger bal --limit"));
            compare(
                &format!("{name}: ledger bal partner {}", p.id),
                &ours(&l, |x| x.partner == i as u32),
                &actual,
            );
        }
        let _ = std::fs::remove_file(file);
    }
}

/// A beancount export read back by a small parser of ours: every account
/// opened and well-formed, every transaction balanced, every posting with
/// its partner. Returns own (not inclusive) totals by account, and by
/// partner and account.
fn beancount_structure(text: &str) -> (Totals, Totals) {
    let valid_account = |a: &str| {
        let mut parts = a.split(':');
        matches!(
            parts.next(),
            Some("Assets" | "Liabilities" | "Equity" | "Income" | "Expenses")
        ) && {
            let rest: Vec<&str> = parts.collect();
            !rest.is_empty()
                && rest.iter().all(|p| {
                    p.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
                        && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }
    };
    let mut opened = std::collections::BTreeSet::new();
    let mut totals = Totals::new();
    let mut by_partner = Totals::new();
    let mut sum = 0i64;
    let mut in_txn = false;
    let mut last: Option<(String, i64, bool)> = None;
    let end_posting = |last: &mut Option<(String, i64, bool)>| {
        if let Some((account, _, has_partner)) = last.take() {
            assert!(has_partner, "a posting to {account} without its partner");
        }
    };
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            end_posting(&mut last);
            if in_txn {
                assert_eq!(sum, 0, "an unbalanced transaction before {line}");
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.get(1) {
                Some(&"open") => {
                    assert!(valid_account(words[2]), "open of '{}'", words[2]);
                    opened.insert(words[2].to_string());
                    in_txn = false;
                }
                Some(&"*") => {
                    in_txn = true;
                    sum = 0;
                }
                Some(&"balance") => {
                    assert!(
                        opened.contains(words[2]),
                        "balance of an unopened {}",
                        words[2]
                    );
                    in_txn = false;
                }
                other => panic!("an unexpected directive {other:?}: {line}"),
            }
        } else if let Some(rest) = line.strip_prefix("    partner: ") {
            let (account, amount, has) = last.as_mut().expect("metadata after a posting");
            assert!(!*has, "two partners");
            *has = true;
            let partner = rest.trim_matches('"');
            *by_partner
                .entry(format!("{partner}\t{account}"))
                .or_default() += *amount;
        } else if line.starts_with("  ")
            && line.as_bytes().get(2).is_some_and(u8::is_ascii_uppercase)
        {
            end_posting(&mut last);
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.len(), 3, "a posting: {line}");
            assert_eq!(words[2], "GBP");
            assert!(
                opened.contains(words[0]),
                "a posting to unopened {}",
                words[0]
            );
            let amount = pence(words[1]);
            sum += amount;
            *totals.entry(words[0].to_string()).or_default() += amount;
            last = Some((words[0].to_string(), amount, false));
        }
    }
    end_posting(&mut last);
    if in_txn {
        assert_eq!(sum, 0, "the last transaction is unbalanced");
    }
    (totals, by_partner)
}

/// Our own totals by beancount account, and by partner and account.
fn beancount_expected(l: &Ledger) -> (Totals, Totals) {
    let names = export::beancount_accounts(l);
    let mut totals = Totals::new();
    let mut by_partner = Totals::new();
    for p in &l.postings {
        let account = &names[p.account as usize];
        *totals.entry(account.clone()).or_default() += p.amount.pence();
        let partner = &l.partners[p.partner as usize].id;
        *by_partner
            .entry(format!("{partner}\t{account}"))
            .or_default() += p.amount.pence();
    }
    (totals, by_partner)
}

const BEANCOUNT_SUMS: &str = r#"
import sys
from collections import defaultdict
from beancount import loader
from beancount.core import data
entries, errors, _ = loader.load_file(sys.argv[1])
for e in errors:
    print(e, file=sys.stderr)
if errors:
    sys.exit(1)
totals = defaultdict(int)
for e in entries:
    if isinstance(e, data.Transaction):
        for p in e.postings:
            pence = int(p.units.number * 100)
            totals[("", p.account)] += pence
            totals[(p.meta.get("partner", "?"), p.account)] += pence
for (partner, account), pence in sorted(totals.items()):
    print(f"{partner}\t{account}\t{pence}")
"#;

#[test]
fn beancount_accepts_the_export() {
    let mut checked = false;
    for (name, l) in [("example", example()), ("synthetic", synthetic(5_000, 9))] {
        let text = export::to_beancount(&l);
        let (expected, expected_by_partner) = beancount_expected(&l);
        let (totals, by_partner) = beancount_structure(&text);
        assert_same(&format!("{name}: beancount structure"), &expected, &totals);
        assert_same(
            &format!("{name}: beancount structure by partner"),
            &expected_by_partner,
            &by_partner,
        );

        let file = write_temp(&format!("{name}.beancount"), &text);
        if installed("bean-check") {
            let out = Command::new("bean-check").arg(&file).output().unwrap();
            assert!(
                out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
                "{name}: bean-check rejected the export:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            checked = true;
        }
        let python = Command::new("python3")
            .args(["-c", BEANCOUNT_SUMS])
            .arg(&file)
            .output();
        match python {
            Ok(out) if out.status.success() => {
                let mut totals = Totals::new();
                let mut by_partner = Totals::new();
                for line in String::from_utf8(out.stdout).unwrap().lines() {
                    let mut f = line.split('\t');
                    let (partner, account, pence) =
                        (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
                    let pence: i64 = pence.parse().unwrap();
                    if partner.is_empty() {
                        totals.insert(account.to_string(), pence);
                    } else {
                        by_partner.insert(format!("{partner}\t{account}"), pence);
                    }
                }
                assert_same(&format!("{name}: beancount sums"), &expected, &totals);
                assert_same(
                    &format!("{name}: beancount sums by partner"),
                    &expected_by_partner,
                    &by_partner,
                );
                checked = true;
            }
            Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") => {}
            Ok(out) => panic!(
                "{name}: beancount could not read the export:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => {}
        }
        let _ = std::fs::remove_file(file);
    }
    if !checked {
        eprintln!(
            "beancount is not installed (pip install beancount): the beancount export's \
             structure and totals were checked, not beancount's own reading of it"
        );
    }
}
