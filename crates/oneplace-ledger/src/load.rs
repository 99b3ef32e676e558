//! Reading journals: parse every file, then book the whole ledger.
//!
//! Parsing is line by line and allocation-light (accounts and dimension
//! names are interned once); booking resolves every name, fills an elided
//! amount, and checks every rule of the format — balance, dimensions, open
//! years, unique references, balance assertions — collecting every problem
//! with its file, line and column before giving up.

use std::sync::Arc;

use oneplace_core::{Date, Diagnostic, FinancialYear, InputError, Location, Money, is_identifier};
use rustc_hash::FxHashMap;

use crate::contributions::{Remainder, Schedule, schedule_instalments};
use crate::model::*;
use crate::money::parse_money;

/// A journal to read: its name (for messages) and its text.
pub struct Journal<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Reads and books journals, in order, into one ledger.
pub fn load(journals: &[Journal<'_>]) -> Result<Ledger, InputError> {
    let mut l = Loader::default();
    for (i, j) in journals.iter().enumerate() {
        l.files.push(Arc::from(j.name));
        l.ledger.files.push(j.name.to_string());
        l.parse(i as u16, j.text);
    }
    l.book();
    InputError::check(std::mem::take(&mut l.diags))?;
    Ok(l.ledger)
}

/// What a journal amount should look like, for messages.
const AMOUNT_EXPECTED: &str = "an amount such as £1,234.56, at most £1,000,000,000,000.00 in size";

type Sym = u32;
const NO_SYM: Sym = u32::MAX;

#[derive(Clone, Copy)]
struct RawPosting {
    account: Id,
    amount: Option<Money>,
    partner: Sym,
    scheme: Sym,
    source: Sym,
    line: u32,
    /// Columns (1-based, in characters) of the account, the amount and each
    /// dimension, for messages.
    col_account: u16,
    col_amount: u16,
    col_partner: u16,
    col_scheme: u16,
    col_source: u16,
    /// The amount was written but could not be read (already reported).
    bad_amount: bool,
}

struct RawTxn {
    date: Date,
    description: String,
    reference: Option<String>,
    partner: Sym,
    scheme: Sym,
    source: Sym,
    first: u32,
    count: u32,
    file: u16,
    line: u32,
    /// Position in the ledger's directive order, for `close`.
    seq: u32,
}

/// A place in the input: file, line, column.
#[derive(Clone, Copy, Debug)]
struct At {
    file: u16,
    line: u32,
    column: u32,
}

/// Plans refer to schemes and sources by name; resolved once all
/// declarations are read.
enum RawPlan {
    Budget {
        at: At,
        year: FinancialYear,
        scheme: (String, At),
        source: (String, At),
        amount: Money,
        profile: Option<(Vec<u64>, At)>,
    },
    Contribution {
        at: At,
        year: FinancialYear,
        partner: (String, At),
        source: (String, At),
        amount: Money,
        client_income: Money,
        schedule: Option<Schedule>,
        remainder: Remainder,
        instalments: Vec<(Date, Money, At)>,
    },
    Forecast {
        at: At,
        year: FinancialYear,
        scheme: (String, At),
        source: (String, At),
        method: ForecastMethod,
    },
    Commitment {
        at: At,
        date: Date,
        scheme: (String, At),
        source: (String, At),
        amount: Money,
        text: String,
        cleared: Option<Date>,
    },
    Virement {
        at: At,
        date: Date,
        amount: Money,
        from: ((String, At), (String, At)),
        to: ((String, At), (String, At)),
        reason: String,
    },
    Assertion {
        at: At,
        date: Date,
        account: String,
        amount: Money,
        partner: Option<(String, At)>,
        scheme: Option<(String, At)>,
        source: Option<(String, At)>,
    },
}

/// A declaration's attribute lines, gathered until the next directive.
struct Decl {
    keyword: &'static str,
    id: String,
    name: String,
    at: At,
    lines: Vec<(String, At)>,
}

#[derive(Default)]
struct Loader {
    ledger: Ledger,
    diags: Vec<Diagnostic>,
    files: Vec<Arc<str>>,
    accounts: FxHashMap<String, Id>,
    symbols: FxHashMap<String, Sym>,
    symbol_names: Vec<String>,
    postings: Vec<RawPosting>,
    txns: Vec<RawTxn>,
    decls: Vec<Decl>,
    plans: Vec<RawPlan>,
    /// The sequence number of each plan (in `plans`' order), for the year
    /// rules.
    plan_seqs: Vec<u32>,
    /// (financial year, sequence number of the `close` or `year … closed`).
    closes: Vec<(FinancialYear, u32, At)>,
    opens: Vec<(FinancialYear, At)>,
    seq: u32,
    /// The sizes of the amounts booked so far, added up (see
    /// [`crate::money::MAX_LEDGER_TOTAL`]), and whether going over it has
    /// been reported.
    magnitude: i128,
    too_large: bool,
}

/// What the current indented lines belong to.
enum Current {
    None,
    Txn,
    Decl,
    Plan,
}

const KEYWORDS: &[&str] = &[
    "place",
    "partner",
    "fund",
    "source",
    "scheme",
    "year",
    "budget",
    "contribution",
    "forecast",
    "commitment",
    "virement",
    "balance",
    "close",
];

/// Splits off the next whitespace-separated word, returning it, the rest,
/// and the word's byte offset in `line`.
fn word(line: &str, from: usize) -> Option<(&str, usize, usize)> {
    let bytes = line.as_bytes();
    let mut i = from;
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    if i >= bytes.len() {
        return None;
    }
    let start = i;
    if bytes[i] == b'"' {
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += 1;
        }
        let end = (i + 1).min(bytes.len());
        return Some((&line[start..end], start, end));
    }
    while i < bytes.len() && bytes[i] != b' ' && bytes[i] != b'\t' {
        i += 1;
    }
    Some((&line[start..i], start, i))
}

/// The part of a line before a comment (`;` at the start or after a space),
/// and the comment.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b';' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            return (line[..i].trim_end(), Some(&line[i + 1..]));
        }
    }
    (line.trim_end(), None)
}

fn unquote(s: &str) -> Option<&str> {
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"'))
}

impl Loader {
    fn location(&self, at: At) -> Location {
        Location::Text {
            file: self.files[at.file as usize].clone(),
            line: at.line,
            column: at.column,
        }
    }

    fn error(&mut self, at: At, message: impl Into<String>) {
        let d = Diagnostic::new(self.location(at), message);
        self.diags.push(d);
    }

    fn error_expected(&mut self, at: At, message: impl Into<String>, expected: impl Into<String>) {
        let d = Diagnostic::new(self.location(at), message).expected(expected);
        self.diags.push(d);
    }

    fn symbol(&mut self, name: &str) -> Sym {
        if let Some(&s) = self.symbols.get(name) {
            return s;
        }
        let s = self.symbol_names.len() as Sym;
        self.symbols.insert(name.to_string(), s);
        self.symbol_names.push(name.to_string());
        s
    }

    fn account(&mut self, name: &str, at: At) -> Option<Id> {
        if let Some(&a) = self.accounts.get(name) {
            return Some(a);
        }
        let root = name.split(':').next().and_then(Root::parse);
        let Some(root) = root else {
            self.error_expected(
                at,
                format!("account '{name}' is not under a known root"),
                "an account under assets, liabilities, equity, income or expenditure",
            );
            return None;
        };
        if name.split(':').any(str::is_empty) {
            self.error(at, format!("account '{name}' has an empty part"));
            return None;
        }
        let id = self.ledger.accounts.len() as Id;
        self.ledger.accounts.push(Account {
            name: name.to_string(),
            root,
        });
        self.accounts.insert(name.to_string(), id);
        Some(id)
    }

    fn parse(&mut self, file: u16, text: &str) {
        let mut current = Current::None;
        for (index, line) in text.lines().enumerate() {
            let at = At {
                file,
                line: index as u32 + 1,
                column: 1,
            };
            let first = line.as_bytes().first().copied();
            match first {
                None => continue,
                Some(b' ' | b'\t') => {
                    let trimmed = line.trim_start();
                    if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
                        continue;
                    }
                    let column = (line.len() - trimmed.len()) as u32 + 1;
                    let at = At { column, ..at };
                    match current {
                        Current::Txn => self.posting(line, at),
                        Current::Decl => {
                            let (content, _) = split_comment(trimmed);
                            if let Some(d) = self.decls.last_mut() {
                                d.lines.push((content.to_string(), at));
                            }
                        }
                        Current::Plan => self.plan_line(trimmed, at),
                        Current::None => {
                            self.error(at, "an indented line outside any directive or transaction")
                        }
                    }
                }
                Some(b';' | b'#' | b'*') => continue,
                Some(b'0'..=b'9') => {
                    current = Current::Txn;
                    self.seq += 1;
                    self.transaction(line, at);
                }
                Some(_) => {
                    self.seq += 1;
                    let (content, _) = split_comment(line);
                    let Some((keyword, _, end)) = word(content, 0) else {
                        continue;
                    };
                    current = match KEYWORDS.iter().find(|k| **k == keyword) {
                        Some(k) => self.directive(k, content, end, at),
                        None => {
                            self.error_expected(
                                at,
                                format!("'{keyword}' is not a directive"),
                                format!("a date or one of: {}", KEYWORDS.join(", ")),
                            );
                            Current::None
                        }
                    };
                }
            }
        }
    }

    fn transaction(&mut self, line: &str, at: At) {
        let (content, comment) = split_comment(line);
        let Some((date_text, _, end)) = word(content, 0) else {
            return;
        };
        let Some(date) = Date::parse(date_text) else {
            self.error_expected(
                at,
                format!("'{date_text}' is not a date"),
                "a date such as 2025-04-30",
            );
            // Swallow its postings rather than reporting each.
            self.txns.push(RawTxn {
                date: Date::new(1, 1, 1).expect("a valid date"),
                description: String::new(),
                reference: None,
                partner: NO_SYM,
                scheme: NO_SYM,
                source: NO_SYM,
                first: self.postings.len() as u32,
                count: 0,
                file: at.file,
                line: at.line,
                seq: u32::MAX,
            });
            return;
        };
        let mut description = content[end..].trim();
        if let Some(rest) = description.strip_prefix(['*', '!']) {
            description = rest.trim_start();
        }
        let mut txn = RawTxn {
            date,
            description: description.to_string(),
            reference: None,
            partner: NO_SYM,
            scheme: NO_SYM,
            source: NO_SYM,
            first: self.postings.len() as u32,
            count: 0,
            file: at.file,
            line: at.line,
            seq: self.seq,
        };
        if let Some(comment) = comment {
            for tag in comment.split(|c: char| c.is_whitespace() || c == ',') {
                let Some((key, value)) = tag.split_once(':') else {
                    continue;
                };
                match key {
                    "ref" if value.is_empty() => {
                        self.error_expected(at, "an empty reference", "ref:DOCUMENT-NUMBER")
                    }
                    "ref" => txn.reference = Some(value.to_string()),
                    "partner" => txn.partner = self.symbol(value),
                    "scheme" => txn.scheme = self.symbol(value),
                    "source" => txn.source = self.symbol(value),
                    _ => {}
                }
            }
        }
        self.txns.push(txn);
    }

    fn posting(&mut self, line: &str, at: At) {
        let (content, _) = split_comment(line);
        let start = (at.column - 1) as usize;
        // The account ends at two spaces or a tab: names may hold single spaces.
        let rest = &content[start..];
        let end = rest
            .find("  ")
            .into_iter()
            .chain(rest.find('\t'))
            .min()
            .unwrap_or(rest.len());
        let account_name = rest[..end].trim_end();
        let Some(account) = self.account(account_name, at) else {
            return;
        };
        let mut p = RawPosting {
            account,
            amount: None,
            partner: NO_SYM,
            scheme: NO_SYM,
            source: NO_SYM,
            line: at.line,
            col_account: at.column as u16,
            col_amount: 0,
            col_partner: 0,
            col_scheme: 0,
            col_source: 0,
            bad_amount: false,
        };
        let mut offset = start + end;
        // Columns count characters: "£" is two bytes but one column.
        let ascii = content.is_ascii();
        while let Some((token, s, e)) = word(content, offset) {
            offset = e;
            let column = if ascii {
                (s + 1) as u16
            } else {
                (content[..s].chars().count() + 1) as u16
            };
            if let Some((key, value)) = token
                .split_once(':')
                .filter(|(k, _)| k.bytes().all(|b| b.is_ascii_lowercase()) && !k.is_empty())
            {
                let sym = self.symbol(value);
                match key {
                    "partner" => (p.partner, p.col_partner) = (sym, column),
                    "scheme" => (p.scheme, p.col_scheme) = (sym, column),
                    "source" => (p.source, p.col_source) = (sym, column),
                    _ => self.error_expected(
                        At {
                            column: u32::from(column),
                            ..at
                        },
                        format!("unknown dimension '{key}'"),
                        "partner:, scheme: or source:",
                    ),
                }
            } else if p.amount.is_none() && p.col_partner == 0 {
                match parse_money(token) {
                    Ok(m) => {
                        p.amount = Some(m);
                        p.col_amount = column;
                    }
                    Err(e) => {
                        p.bad_amount = true;
                        self.error_expected(
                            At {
                                column: u32::from(column),
                                ..at
                            },
                            e.to_string(),
                            AMOUNT_EXPECTED,
                        )
                    }
                }
            } else {
                self.error_expected(
                    At {
                        column: u32::from(column),
                        ..at
                    },
                    format!("'{token}' is not a dimension"),
                    "partner:ID, scheme:ID or source:ID after the amount",
                );
            }
        }
        self.postings.push(p);
        if let Some(t) = self.txns.last_mut() {
            t.count += 1;
        }
    }

    /// Reads a keyword directive's first line; returns what its indented
    /// lines belong to.
    fn directive(&mut self, keyword: &'static str, content: &str, end: usize, at: At) -> Current {
        let args: Vec<(&str, usize)> = {
            let mut out = Vec::new();
            let mut offset = end;
            while let Some((w, s, e)) = word(content, offset) {
                out.push((w, s));
                offset = e;
            }
            out
        };
        let arg_at = |i: usize| -> At {
            At {
                column: args.get(i).map_or(at.column, |a| a.1 as u32 + 1),
                ..at
            }
        };
        match keyword {
            "place" | "partner" | "fund" | "source" | "scheme" => {
                let Some(&(id, _)) = args.first() else {
                    self.error_expected(
                        at,
                        format!("{keyword} needs an id"),
                        format!("{keyword} ID \"NAME\""),
                    );
                    return Current::None;
                };
                if !is_identifier(id) {
                    self.error_expected(
                        arg_at(0),
                        format!("'{id}' is not a valid id"),
                        "lower-case kebab-case, such as home-first",
                    );
                }
                let name = args
                    .get(1)
                    .and_then(|(n, _)| unquote(n))
                    .unwrap_or(id)
                    .to_string();
                self.decls.push(Decl {
                    keyword,
                    id: id.to_string(),
                    name,
                    at: arg_at(0),
                    lines: Vec::new(),
                });
                Current::Decl
            }
            "year" | "close" => {
                let Some(year) = args.first().and_then(|(y, _)| FinancialYear::parse(y).ok())
                else {
                    self.error_expected(
                        arg_at(0),
                        format!("{keyword} needs a financial year"),
                        "a year such as 2025/26",
                    );
                    return Current::None;
                };
                let state = if keyword == "close" {
                    "closed"
                } else {
                    args.get(1).map_or("", |a| a.0)
                };
                match state {
                    "open" => self.opens.push((year, at)),
                    "closed" => self.closes.push((year, self.seq, at)),
                    other => self.error_expected(
                        arg_at(1),
                        format!("'{other}' is not a year state"),
                        "open or closed",
                    ),
                }
                Current::None
            }
            _ => {
                self.plan(keyword, &args, at);
                Current::Plan
            }
        }
    }

    fn year_arg(&mut self, args: &[(&str, usize)], i: usize, at: At) -> Option<FinancialYear> {
        let a = args.get(i)?;
        let r = FinancialYear::parse(a.0).ok();
        if r.is_none() {
            self.error_expected(
                col(at, a.1),
                format!("'{}' is not a financial year", a.0),
                "a year such as 2025/26",
            );
        }
        r
    }

    fn date_arg(&mut self, args: &[(&str, usize)], i: usize, at: At) -> Option<Date> {
        let a = args.get(i)?;
        let r = Date::parse(a.0);
        if r.is_none() {
            self.error_expected(
                col(at, a.1),
                format!("'{}' is not a date", a.0),
                "a date such as 2025-04-30",
            );
        }
        r
    }

    fn money_arg(&mut self, args: &[(&str, usize)], i: usize, at: At) -> Option<Money> {
        let a = args.get(i)?;
        match parse_money(a.0) {
            Ok(m) => Some(m),
            Err(e) => {
                self.error_expected(col(at, a.1), e.to_string(), AMOUNT_EXPECTED);
                None
            }
        }
    }

    fn plan(&mut self, keyword: &str, args: &[(&str, usize)], at: At) {
        let name = |i: usize| args.get(i).map(|a| (a.0.to_string(), col(at, a.1)));
        let usage = |k: &str| match k {
            "budget" => "budget FY SCHEME SOURCE AMOUNT",
            "contribution" => "contribution FY PARTNER SOURCE AMOUNT",
            "forecast" => "forecast FY SCHEME SOURCE profile|run-rate|AMOUNT",
            "commitment" => "commitment DATE SCHEME SOURCE AMOUNT \"TEXT\"",
            "virement" => "virement DATE AMOUNT SCHEME SOURCE -> SCHEME SOURCE \"REASON\"",
            _ => "balance DATE ACCOUNT AMOUNT [partner:P] [scheme:S] [source:F]",
        };
        let plan = match keyword {
            "budget" if args.len() >= 4 => {
                let (Some(year), Some(amount)) =
                    (self.year_arg(args, 0, at), self.money_arg(args, 3, at))
                else {
                    return;
                };
                RawPlan::Budget {
                    at,
                    year,
                    scheme: name(1).expect("checked length"),
                    source: name(2).expect("checked length"),
                    amount,
                    profile: None,
                }
            }
            "contribution" if args.len() >= 4 => {
                let (Some(year), Some(amount)) =
                    (self.year_arg(args, 0, at), self.money_arg(args, 3, at))
                else {
                    return;
                };
                RawPlan::Contribution {
                    at,
                    year,
                    partner: name(1).expect("checked length"),
                    source: name(2).expect("checked length"),
                    amount,
                    client_income: Money::ZERO,
                    schedule: None,
                    remainder: Remainder::Last,
                    instalments: Vec::new(),
                }
            }
            "forecast" if args.len() >= 4 => {
                let Some(year) = self.year_arg(args, 0, at) else {
                    return;
                };
                let method = match args[3].0 {
                    "profile" => ForecastMethod::Profile,
                    "run-rate" => ForecastMethod::RunRate,
                    _ => match self.money_arg(args, 3, at) {
                        Some(m) => ForecastMethod::Manual(m),
                        None => return,
                    },
                };
                RawPlan::Forecast {
                    at,
                    year,
                    scheme: name(1).expect("checked length"),
                    source: name(2).expect("checked length"),
                    method,
                }
            }
            "commitment" if args.len() >= 4 => {
                let (Some(date), Some(amount)) =
                    (self.date_arg(args, 0, at), self.money_arg(args, 3, at))
                else {
                    return;
                };
                RawPlan::Commitment {
                    at,
                    date,
                    scheme: name(1).expect("checked length"),
                    source: name(2).expect("checked length"),
                    amount,
                    text: args
                        .get(4)
                        .and_then(|a| unquote(a.0))
                        .unwrap_or("")
                        .to_string(),
                    cleared: None,
                }
            }
            "virement" if args.len() >= 7 && args[4].0 == "->" => {
                let (Some(date), Some(amount)) =
                    (self.date_arg(args, 0, at), self.money_arg(args, 1, at))
                else {
                    return;
                };
                RawPlan::Virement {
                    at,
                    date,
                    amount,
                    from: (name(2).expect("checked"), name(3).expect("checked")),
                    to: (name(5).expect("checked"), name(6).expect("checked")),
                    reason: args
                        .get(7)
                        .and_then(|a| unquote(a.0))
                        .unwrap_or("")
                        .to_string(),
                }
            }
            "balance" if args.len() >= 3 => {
                let (Some(date), Some(amount)) =
                    (self.date_arg(args, 0, at), self.money_arg(args, 2, at))
                else {
                    return;
                };
                let mut dims: [Option<(String, At)>; 3] = [None, None, None];
                for a in &args[3..] {
                    let slot = match a.0.split_once(':') {
                        Some(("partner", v)) => Some((0, v)),
                        Some(("scheme", v)) => Some((1, v)),
                        Some(("source", v)) => Some((2, v)),
                        _ => None,
                    };
                    match slot {
                        Some((i, v)) => dims[i] = Some((v.to_string(), col(at, a.1))),
                        None => self.error_expected(
                            col(at, a.1),
                            format!("'{}' is not a dimension", a.0),
                            "partner:ID, scheme:ID or source:ID",
                        ),
                    }
                }
                let [partner, scheme, source] = dims;
                RawPlan::Assertion {
                    at,
                    date,
                    account: args[1].0.to_string(),
                    amount,
                    partner,
                    scheme,
                    source,
                }
            }
            _ => {
                self.error_expected(at, format!("{keyword} is incomplete"), usage(keyword));
                return;
            }
        };
        self.plans.push(plan);
        self.plan_seqs.push(self.seq);
    }

    /// An indented line under a plan directive.
    fn plan_line(&mut self, line: &str, at: At) {
        let (content, _) = split_comment(line);
        let words: Vec<(&str, usize)> = {
            let mut out = Vec::new();
            let mut offset = 0;
            while let Some((w, s, e)) = word(content, offset) {
                out.push((w, s + at.column as usize - 1));
                offset = e;
            }
            out
        };
        let Some(&(key, _)) = words.first() else {
            return;
        };
        let line_at = At { column: 1, ..at };
        match (self.plans.last_mut(), key) {
            (Some(RawPlan::Budget { profile, .. }), "profile") => {
                if words.len() == 2 && words[1].0 == "even" {
                    *profile = None;
                    return;
                }
                let weights: Option<Vec<u64>> = words[1..]
                    .iter()
                    .map(|w| {
                        let t = w.0.trim_end_matches('%');
                        t.parse::<f64>()
                            .ok()
                            .filter(|x| *x >= 0.0)
                            .map(|x| (x * 1e6).round() as u64)
                    })
                    .collect();
                match weights {
                    Some(w) if w.len() == 12 && w.iter().any(|x| *x > 0) => {
                        *profile = Some((w, col(line_at, words[1].1)))
                    }
                    _ => self.error_expected(
                        col(line_at, words[0].1),
                        "a budget profile needs twelve weights, April first",
                        "profile even, or profile W1 … W12",
                    ),
                }
            }
            (Some(RawPlan::Contribution { schedule, .. }), "instalments") => {
                *schedule = match words.get(1).and_then(|w| Schedule::parse(w.0)) {
                    Some(s) => Some(s),
                    None => {
                        self.error_expected(
                            col(line_at, words[0].1),
                            "unknown instalment schedule",
                            "instalments quarterly, monthly or annual",
                        );
                        return;
                    }
                };
            }
            (Some(RawPlan::Contribution { remainder, .. }), "remainder") => {
                match words.get(1).and_then(|w| Remainder::parse(w.0)) {
                    Some(r) => *remainder = r,
                    None => self.error_expected(
                        col(line_at, words[0].1),
                        "unknown remainder",
                        "remainder first, last or an instalment's number",
                    ),
                }
            }
            (Some(RawPlan::Contribution { client_income, .. }), "client-income") => {
                match words.get(1).map(|w| parse_money(w.0)) {
                    Some(Ok(m)) if !m.is_negative() => *client_income = m,
                    _ => self.error_expected(
                        col(line_at, words[0].1),
                        "client income needs an amount",
                        "client-income £50,000",
                    ),
                }
            }
            (Some(RawPlan::Contribution { .. }), "instalment") => {
                let date = words.get(1).and_then(|w| Date::parse(w.0));
                let amount = words.get(2).map(|w| parse_money(w.0));
                match (date, amount) {
                    (Some(d), Some(Ok(m))) => {
                        if let Some(RawPlan::Contribution { instalments, .. }) =
                            self.plans.last_mut()
                        {
                            instalments.push((d, m, col(line_at, words[0].1)));
                        }
                    }
                    _ => self.error_expected(
                        col(line_at, words[0].1),
                        "an instalment needs a date and an amount",
                        "instalment 2025-04-01 £1,200,000",
                    ),
                }
            }
            (Some(RawPlan::Commitment { cleared, .. }), "cleared") => {
                match words.get(1).and_then(|w| Date::parse(w.0)) {
                    Some(d) => *cleared = Some(d),
                    None => self.error_expected(
                        col(line_at, words[0].1),
                        "cleared needs a date",
                        "cleared 2025-06-30",
                    ),
                }
            }
            _ => self.error(
                col(line_at, words[0].1),
                format!("'{key}' does not belong here"),
            ),
        }
    }
}

fn col(at: At, offset: usize) -> At {
    At {
        column: offset as u32 + 1,
        ..at
    }
}

mod book;
