//! General-ledger import: a partner's monthly CSV extract, posted into the
//! pool's journal.
//!
//! Every partner of a pooled fund keeps its own finance system. Each month
//! the fund manager receives an extract of the partner's general ledger for
//! the pool's cost centres and must post it into the pool's ledger. A
//! **mapping** file, written once per partner by its finance officer, says
//! how to read that partner's extracts; [`import`] then turns an extract into
//! new journal transactions, ready to append to the ledger.
//!
//! # The mapping file
//!
//! A mapping is a TOML file:
//!
//! ```toml
//! # How to read Northshire ICB's general-ledger extracts.
//! partner = "icb"                          # every row belongs to this partner
//! balancing_account = "assets:bank"        # the other side of each posting
//! default_account = "expenditure:services" # for GL codes not in [accounts]
//! date_format = "%d/%m/%Y"
//! sign = "expenditure-positive"
//!
//! [columns]                                # the extract's header names
//! date = "Posting Date"
//! reference = "Document No"
//! description = "Narrative"                # optional
//! amount = "Amount"                        # or: debit = "Debit", credit = "Credit"
//! cost_centre = "Cost Centre"
//! account_code = "GL Account"              # optional
//!
//! [cost_centres]                           # cost centre → line of the pool
//! "CC1001" = { scheme = "home-first", source = "nhs-minimum" }
//!
//! [accounts]                               # GL account code → journal account (optional)
//! "5100" = "expenditure:staff"
//! ```
//!
//! | Key | Meaning |
//! |---|---|
//! | `partner` | The partner whose extract this is: a partner declared in the ledger. Every posting gets `partner:` this. |
//! | `balancing_account` | The account on the other side of each row: under `assets`, `liabilities` or `equity` (a bank or creditors account). |
//! | `default_account` | The expenditure account for rows whose GL code is not in `[accounts]` (or when there is no GL code column). Must be under `expenditure`. |
//! | `date_format` | How the date column is written: `%d` day (one or two digits), `%m` month number (one or two digits), `%b` month abbreviation (`Apr`, any case; `Sept` too), `%B` month name (`April`), `%Y` four-digit year, `%%` a percent sign; anything else is matched literally. For example `%d/%m/%Y` (`02/05/2025`), `%Y-%m-%d` (`2025-05-02`), `%d-%b-%Y` (`02-May-2025`). |
//! | `sign` | With a single `amount` column: `expenditure-positive` (spending shown positive, credit notes negative) or `expenditure-negative` (spending shown negative, credits positive). Required with `amount`; not allowed with `debit` and `credit`, where a debit is spending and a credit reduces it. |
//! | `[columns]` | The header names of the extract's columns (matched ignoring case and surrounding spaces). `date`, `reference`, `cost_centre` and either `amount` or both `debit` and `credit` are required; `description` and `account_code` are optional. |
//! | `[cost_centres]` | Every cost centre that may appear in the extract, with the scheme and funding source its spending belongs to. The scheme and source must be declared in the ledger and the scheme must list the source (it must be a line of the pool). A row with a cost centre not listed here is an error: the import never guesses. |
//! | `[accounts]` | Optional: GL account codes and the expenditure account each posts to. Needs `account_code` in `[columns]`. |
//!
//! Unknown keys are errors (a misspelt `cost_center` is reported, not
//! ignored). Every problem is reported with the mapping file's line and
//! column.
//!
//! # The extract
//!
//! A CSV file whose first row is the header. Rows are numbered as a
//! spreadsheet numbers them: the header is row 1. Amounts may be written
//! `1234.56`, `1,234.56`, `£1,234.56`, `-1,234.56` or `(1,234.56)`, with at
//! most two decimal places. A UTF-8 byte-order mark (as Excel writes) is
//! ignored.
//!
//! # What an import writes
//!
//! Each row becomes one transaction, dated from the row, described by its
//! narrative (or its document number when the narrative is empty):
//!
//! ```text
//! 2025-05-02 NCH block contract: Home First reablement, May  ; ref:icb-AP-50211 partner:icb
//!   expenditure:services            £48,000.00  scheme:home-first source:nhs-minimum  ; cost-centre:HF3200 gl:5010
//!   assets:bank                    -£48,000.00
//! ```
//!
//! * The reference is the partner's id, a hyphen and the row's document
//!   number (`icb-AP-50211`), so the same document number from two partners'
//!   systems cannot collide. (Partner ids may themselves hold hyphens, so
//!   `icb` + `north-7` and `icb-north` + `7` would spell the same reference;
//!   the import checks that a known reference belongs to the same partner and
//!   reports it otherwise, so even that case is never a silent skip.) A
//!   document number must be one word: no spaces or commas.
//! * The expenditure posting carries the scheme and source of the row's cost
//!   centre and the account of its GL code; its trailing comment records the
//!   cost centre and GL code for the audit trail. The balancing posting takes
//!   the opposite amount. A negative amount (a credit note) reduces spending.
//! * In the narrative, `;` becomes `,` and runs of white space become one
//!   space, so nothing in it can be read as a comment or a tag.
//!
//! # Rules
//!
//! * **Idempotent.** A row whose reference is already in the ledger, for the
//!   same partner, with the same date, amount and line (scheme and source) is
//!   skipped and counted as already posted: re-importing an extract, or an
//!   extract that overlaps an earlier one, adds only what is new. A known
//!   reference with a different date, amount or line is an error naming both
//!   versions and where the old one is posted: a posted transaction is
//!   corrected in the journal by hand, never duplicated or overwritten by an
//!   import. The account and description are not compared, so they may be
//!   edited in the journal after import.
//! * **All or nothing.** Any problem in any row (or in the header) gives an
//!   [`InputError`] listing every problem with its row and column name, and
//!   no journal text. The journal text is only checked row by row against
//!   the ledger: before writing it, a caller loads the journals with it
//!   appended (as `oneplace ledger import` does) and writes nothing if they
//!   do not check, since a balance assertion later in the journal may fail
//!   once the new rows are in.
//! * New rows must be dated in a financial year the ledger has open. (Rows
//!   already posted are skipped before this check, so an old extract can be
//!   re-imported after its year is closed.)
//! * Two rows with the same document number in one extract are an error.
//! * The journal text lists the new transactions in the extract's row order;
//!   the same inputs always give the same text.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use oneplace_core::{Date, Diagnostic, InputError, LineIndex, Location, Money};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use toml::Spanned;

use crate::model::{Id, Ledger, Root, Transaction, YearState};

/// A partner's mapping: how to read its extracts. Built by
/// [`parse_mapping`], which validates it against a ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The mapping file's name, for messages.
    pub name: String,
    /// The partner id every row belongs to.
    pub partner: String,
    /// The account on the other side of every row.
    pub balancing_account: String,
    /// The expenditure account for GL codes not in [`Mapping::accounts`].
    pub default_account: String,
    pub date_format: DateFormat,
    pub columns: Columns,
    /// Cost centre → line of the pool.
    pub cost_centres: BTreeMap<String, Line>,
    /// GL account code → expenditure account.
    pub accounts: BTreeMap<String, String>,
}

/// The extract's header names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub date: String,
    pub reference: String,
    pub description: Option<String>,
    pub amount: Amounts,
    pub cost_centre: String,
    pub account_code: Option<String>,
}

/// Where a row's amount is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Amounts {
    /// One signed column.
    Signed { column: String, sign: Sign },
    /// A debit (spending) and a credit (reducing it) column.
    DebitCredit { debit: String, credit: String },
}

/// How a single amount column shows spending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// Spending positive, credit notes negative.
    ExpenditurePositive,
    /// Spending negative, credits positive.
    ExpenditureNegative,
}

/// A line of the pool: a scheme and the source funding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub scheme: String,
    pub source: String,
}

/// A date format such as `%d/%m/%Y` (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    parts: Vec<DatePart>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DatePart {
    Day,
    Month,
    MonthAbbr,
    MonthName,
    Year,
    Literal(char),
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl DateFormat {
    /// Reads a format; on failure, the byte offset in `pattern` of the
    /// problem and what is wrong.
    pub fn new(pattern: &str) -> Result<DateFormat, (usize, String)> {
        let mut parts = Vec::new();
        let mut chars = pattern.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '%' {
                parts.push(DatePart::Literal(c));
                continue;
            }
            let part = match chars.next().map(|(_, d)| d) {
                Some('d') => DatePart::Day,
                Some('m') => DatePart::Month,
                Some('b') => DatePart::MonthAbbr,
                Some('B') => DatePart::MonthName,
                Some('Y') => DatePart::Year,
                Some('%') => DatePart::Literal('%'),
                Some(other) => {
                    return Err((i, format!("'%{other}' is not a supported date field")));
                }
                None => return Err((i, "the date format ends with a lone '%'".to_string())),
            };
            parts.push(part);
        }
        let count = |f: &dyn Fn(&DatePart) -> bool| parts.iter().filter(|p| f(p)).count();
        let days = count(&|p| *p == DatePart::Day);
        let months = count(&|p| {
            matches!(
                p,
                DatePart::Month | DatePart::MonthAbbr | DatePart::MonthName
            )
        });
        let years = count(&|p| *p == DatePart::Year);
        if days != 1 || months != 1 || years != 1 {
            return Err((
                0,
                format!(
                    "the date format '{pattern}' needs exactly one day, one month and one year"
                ),
            ));
        }
        Ok(DateFormat {
            pattern: pattern.to_string(),
            parts,
        })
    }

    /// The format as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Reads a date written in this format (surrounding spaces ignored).
    pub fn parse(&self, text: &str) -> Option<Date> {
        let mut rest = text.trim();
        let (mut day, mut month, mut year) = (0u32, 0u32, 0i32);
        // One field of `min` to `max` digits: its value and length.
        let digits = |s: &str, min: usize, max: usize| -> Option<(u32, usize)> {
            let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
            if n < min {
                return None;
            }
            Some((s[..n].parse().ok()?, n))
        };
        for part in &self.parts {
            match part {
                DatePart::Day => {
                    let (v, n) = digits(rest, 1, 2)?;
                    day = v;
                    rest = &rest[n..];
                }
                DatePart::Month => {
                    let (v, n) = digits(rest, 1, 2)?;
                    month = v;
                    rest = &rest[n..];
                }
                DatePart::Year => {
                    let (v, n) = digits(rest, 4, 4)?;
                    year = v as i32;
                    rest = &rest[n..];
                }
                DatePart::MonthAbbr | DatePart::MonthName => {
                    let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
                    let word = rest[..n].to_ascii_lowercase();
                    let found = MONTHS.iter().position(|m| {
                        if *part == DatePart::MonthName {
                            *m == word
                        } else {
                            m[..3] == word || (word == "sept" && *m == "september")
                        }
                    })?;
                    month = found as u32 + 1;
                    rest = &rest[n..];
                }
                DatePart::Literal(c) => rest = rest.strip_prefix(*c)?,
            }
        }
        if !rest.is_empty() {
            return None;
        }
        Date::new(year, month, day)
    }

    /// Writes a date in this format (for examples in messages).
    pub fn format(&self, date: Date) -> String {
        let mut out = String::new();
        for part in &self.parts {
            let name = MONTHS[date.month() as usize - 1];
            let _ = match part {
                DatePart::Day => write!(out, "{:02}", date.day()),
                DatePart::Month => write!(out, "{:02}", date.month()),
                DatePart::Year => write!(out, "{:04}", date.year()),
                DatePart::MonthAbbr => write!(out, "{}{}", name[..1].to_uppercase(), &name[1..3]),
                DatePart::MonthName => write!(out, "{}{}", name[..1].to_uppercase(), &name[1..]),
                DatePart::Literal(c) => write!(out, "{c}"),
            };
        }
        out
    }
}

/// What an import produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The new transactions in journal syntax, ready to append to the
    /// ledger's last file; empty when there is nothing new.
    pub journal_text: String,
    /// Rows that became new transactions.
    pub added: usize,
    /// Rows skipped because the ledger already has them.
    pub already_posted: usize,
    /// Data rows in the extract (not counting the header).
    pub rows: usize,
}

// ---------------------------------------------------------------------------
// Reading the mapping.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    partner: Spanned<String>,
    balancing_account: Spanned<String>,
    default_account: Spanned<String>,
    date_format: Spanned<String>,
    sign: Option<Spanned<String>>,
    columns: Spanned<RawColumns>,
    cost_centres: Option<Spanned<BTreeMap<String, Spanned<RawLine>>>>,
    #[serde(default)]
    accounts: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    date: Spanned<String>,
    reference: Spanned<String>,
    description: Option<Spanned<String>>,
    amount: Option<Spanned<String>>,
    debit: Option<Spanned<String>>,
    credit: Option<Spanned<String>>,
    cost_centre: Spanned<String>,
    account_code: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    scheme: Spanned<String>,
    source: Spanned<String>,
}

struct MappingReader {
    index: LineIndex,
    diags: Vec<Diagnostic>,
}

impl MappingReader {
    fn at<T>(&self, s: &Spanned<T>) -> Location {
        self.index.location(s.span().start)
    }

    fn error(&mut self, location: Location, message: impl Into<String>, expected: Option<String>) {
        let mut d = Diagnostic::new(location, message);
        d.expected = expected;
        self.diags.push(d);
    }

    /// Checks an account name the way the journal reads it, and that it is
    /// under one of `roots`.
    fn account(&mut self, key: &str, s: &Spanned<String>, roots: &[Root], expected: &str) {
        let name = s.get_ref();
        let root = name.split(':').next().and_then(Root::parse);
        let problem = if name.split(':').any(|p| p.trim().is_empty()) {
            Some(format!("{key} '{name}' has an empty part"))
        } else if name.trim() != name
            || name.contains("  ")
            || name.contains(['\t', ';', '#', '\n', '\r'])
        {
            Some(format!(
                "{key} '{name}' cannot be written in a journal (no tabs, double spaces, ';' or '#')"
            ))
        } else if !root.is_some_and(|r| roots.contains(&r)) {
            Some(format!("{key} '{name}' is not under {expected}"))
        } else {
            None
        };
        if let Some(message) = problem {
            let hint = format!("an account under {expected}");
            self.error(self.at(s), message, Some(hint));
        }
    }

    fn column(&mut self, key: &str, s: &Option<Spanned<String>>) -> Option<String> {
        let s = s.as_ref()?;
        let name = s.get_ref().trim();
        if name.is_empty() {
            self.error(
                self.at(s),
                format!("columns.{key} is empty"),
                Some("the column's name in the extract's header row".to_string()),
            );
        }
        Some(name.to_string())
    }
}

fn ids<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// Reads a partner's mapping (TOML; see the module documentation) and
/// checks it against the ledger. `name` names the file in messages.
pub fn parse_mapping(name: &str, text: &str, ledger: &Ledger) -> Result<Mapping, InputError> {
    let index = LineIndex::new(name, text);
    let raw: RawMapping = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let location = match e.span() {
                Some(span) => index.location(span.start),
                None => index.whole(),
            };
            let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(Diagnostic::new(location, message).into());
        }
    };
    let mut r = MappingReader {
        index,
        diags: Vec::new(),
    };

    if ledger.partner(raw.partner.get_ref()).is_none() {
        r.error(
            r.at(&raw.partner),
            format!("unknown partner '{}'", raw.partner.get_ref()),
            Some(format!(
                "a partner declared in the ledger: {}",
                ids(ledger.partners.iter().map(|p| p.id.as_str()))
            )),
        );
    }
    r.account(
        "balancing_account",
        &raw.balancing_account,
        &[Root::Assets, Root::Liabilities, Root::Equity],
        "assets, liabilities or equity",
    );
    r.account(
        "default_account",
        &raw.default_account,
        &[Root::Expenditure],
        "expenditure",
    );

    let date_format = match DateFormat::new(raw.date_format.get_ref()) {
        Ok(f) => Some(f),
        Err((offset, message)) => {
            // Point at the field inside the quoted string.
            let start = raw.date_format.span().start;
            let quoted = matches!(text.as_bytes().get(start), Some(b'"' | b'\''));
            let location = r.index.location(start + usize::from(quoted) + offset);
            r.error(
                location,
                message,
                Some("a format built from %d, %m, %b, %B and %Y, such as %d/%m/%Y, %Y-%m-%d or %d-%b-%Y".to_string()),
            );
            None
        }
    };

    let c = raw.columns.get_ref();
    let date = r.column("date", &Some(c.date.clone())).unwrap_or_default();
    let reference = r
        .column("reference", &Some(c.reference.clone()))
        .unwrap_or_default();
    let cost_centre = r
        .column("cost_centre", &Some(c.cost_centre.clone()))
        .unwrap_or_default();
    let description = r.column("description", &c.description);
    let account_code = r.column("account_code", &c.account_code);
    let amount = r.column("amount", &c.amount);
    let debit = r.column("debit", &c.debit);
    let credit = r.column("credit", &c.credit);
    if let (None, Some(s)) = (&c.amount, &raw.sign) {
        r.error(
            r.at(s),
            "`sign` applies to a single amount column: with debit and credit columns a debit is spending and a credit reduces it",
            Some("no sign line, or a single amount column".to_string()),
        );
    }
    let amounts = match (amount, debit, credit) {
        (Some(column), None, None) => {
            let sign = match &raw.sign {
                None => {
                    r.error(
                        r.at(c.amount.as_ref().expect("given")),
                        "an amount column needs `sign` to say which way round spending is",
                        Some(
                            "sign = \"expenditure-positive\" or sign = \"expenditure-negative\""
                                .to_string(),
                        ),
                    );
                    None
                }
                Some(s) => match s.get_ref().as_str() {
                    "expenditure-positive" => Some(Sign::ExpenditurePositive),
                    "expenditure-negative" => Some(Sign::ExpenditureNegative),
                    other => {
                        r.error(
                            r.at(s),
                            format!("unknown sign '{other}'"),
                            Some("expenditure-positive (credits shown negative) or expenditure-negative (credits shown positive)".to_string()),
                        );
                        None
                    }
                },
            };
            sign.map(|sign| Amounts::Signed { column, sign })
        }
        (None, Some(debit), Some(credit)) => Some(Amounts::DebitCredit { debit, credit }),
        (Some(_), _, _) => {
            let at = c.debit.as_ref().or(c.credit.as_ref()).expect("given");
            r.error(
                r.at(at),
                "columns gives both an amount and debit/credit columns",
                Some("either amount, or debit and credit".to_string()),
            );
            None
        }
        (None, _, _) => {
            let (message, location) = match (&c.debit, &c.credit) {
                (Some(d), None) => ("a debit column needs a credit column", r.at(d)),
                (None, Some(cr)) => ("a credit column needs a debit column", r.at(cr)),
                _ => ("columns has no amount", r.at(&raw.columns)),
            };
            r.error(
                location,
                message,
                Some(
                    "amount = \"HEADER\", or debit = \"HEADER\" and credit = \"HEADER\""
                        .to_string(),
                ),
            );
            None
        }
    };

    let mut cost_centres = BTreeMap::new();
    match &raw.cost_centres {
        None => r.error(
            r.index.whole(),
            "the mapping has no [cost_centres] table",
            Some("[cost_centres] with a line such as \"CC1001\" = { scheme = \"home-first\", source = \"nhs-minimum\" }".to_string()),
        ),
        Some(table) if table.get_ref().is_empty() => r.error(
            r.at(table),
            "[cost_centres] is empty",
            Some("a line such as \"CC1001\" = { scheme = \"home-first\", source = \"nhs-minimum\" }".to_string()),
        ),
        Some(table) => {
            for (key, line) in table.get_ref() {
                let l = line.get_ref();
                let scheme = ledger.scheme(l.scheme.get_ref());
                let source = ledger.source(l.source.get_ref());
                if key.trim().is_empty() {
                    r.error(r.at(line), "an empty cost centre", None);
                }
                if scheme.is_none() {
                    r.error(
                        r.at(&l.scheme),
                        format!("unknown scheme '{}' for cost centre '{key}'", l.scheme.get_ref()),
                        Some(format!(
                            "a scheme declared in the ledger: {}",
                            ids(ledger.schemes.iter().map(|s| s.id.as_str()))
                        )),
                    );
                }
                if source.is_none() {
                    r.error(
                        r.at(&l.source),
                        format!(
                            "unknown funding source '{}' for cost centre '{key}'",
                            l.source.get_ref()
                        ),
                        Some(format!(
                            "a funding source declared in the ledger: {}",
                            ids(ledger.sources.iter().map(|s| s.id.as_str()))
                        )),
                    );
                }
                if let (Some(scheme), Some(source)) = (scheme, source) {
                    let s = &ledger.schemes[scheme as usize];
                    if !s.sources.contains(&source) {
                        r.error(
                            r.at(&l.source),
                            format!(
                                "cost centre '{key}': scheme '{}' is not funded by source '{}', so they are not a line of the pool",
                                s.id,
                                l.source.get_ref()
                            ),
                            Some(format!(
                                "one of the scheme's sources: {}",
                                ids(s.sources.iter().map(|i| ledger.sources[*i as usize].id.as_str()))
                            )),
                        );
                    }
                }
                if cost_centres
                    .insert(
                        key.trim().to_string(),
                        Line {
                            scheme: l.scheme.get_ref().clone(),
                            source: l.source.get_ref().clone(),
                        },
                    )
                    .is_some()
                {
                    r.error(
                        r.at(line),
                        format!("cost centre '{}' is mapped twice", key.trim()),
                        None,
                    );
                }
            }
        }
    }

    let mut accounts = BTreeMap::new();
    if let Some(table) = &raw.accounts {
        if account_code.is_none() && !table.get_ref().is_empty() {
            r.error(
                r.at(table),
                "[accounts] maps GL codes, but columns has no account_code",
                Some("account_code = \"HEADER\" in [columns]".to_string()),
            );
        }
        for (code, account) in table.get_ref() {
            r.account(
                &format!("the account for GL code '{code}'"),
                account,
                &[Root::Expenditure],
                "expenditure",
            );
            accounts.insert(code.trim().to_string(), account.get_ref().clone());
        }
    }

    InputError::check(std::mem::take(&mut r.diags))?;
    Ok(Mapping {
        name: name.to_string(),
        partner: raw.partner.into_inner(),
        balancing_account: raw.balancing_account.into_inner(),
        default_account: raw.default_account.into_inner(),
        date_format: date_format.expect("checked"),
        columns: Columns {
            date,
            reference,
            description,
            amount: amounts.expect("checked"),
            cost_centre,
            account_code,
        },
        cost_centres,
        accounts,
    })
}

// ---------------------------------------------------------------------------
// Importing an extract.

/// One good row, ready to post or skip.
struct Row {
    date: Date,
    reference: String,
    description: String,
    amount: Money,
    cost_centre: String,
    code: Option<String>,
    account: String,
    scheme: Id,
    source: Id,
}

/// Column indexes in the extract.
struct Cols {
    date: usize,
    reference: usize,
    description: Option<usize>,
    amount: usize,
    credit: Option<usize>,
    cost_centre: usize,
    account_code: Option<usize>,
}

/// Imports a partner's extract against the ledger (see the module
/// documentation for the rules). `csv_name` names the file in messages.
pub fn import(
    ledger: &Ledger,
    mapping: &Mapping,
    csv_name: &str,
    csv_text: &str,
) -> Result<ImportOutcome, InputError> {
    let file: Arc<str> = Arc::from(csv_name);
    let whole = |message: String| -> InputError {
        Diagnostic::new(
            Location::File {
                file: Arc::from(mapping.name.as_str()),
            },
            message,
        )
        .into()
    };
    // The mapping was checked against a ledger; make sure it is this one's.
    let partner = ledger.partner(&mapping.partner).ok_or_else(|| {
        whole(format!(
            "the mapping's partner '{}' is not in the ledger",
            mapping.partner
        ))
    })?;
    let mut lines: FxHashMap<&str, (Id, Id)> = FxHashMap::default();
    for (cc, line) in &mapping.cost_centres {
        let scheme = ledger.scheme(&line.scheme);
        let source = ledger.source(&line.source);
        match (scheme, source) {
            (Some(s), Some(f)) if ledger.schemes[s as usize].sources.contains(&f) => {
                lines.insert(cc.as_str(), (s, f));
            }
            _ => {
                return Err(whole(format!(
                    "cost centre '{cc}' maps to {} {}, which is not a line of the ledger",
                    line.scheme, line.source
                )));
            }
        }
    }

    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(Diagnostic::new(
                Location::Row {
                    file,
                    row: 1,
                    column: None,
                },
                format!("the header row cannot be read: {e}"),
            )
            .into());
        }
        None => {
            return Err(Diagnostic::new(
                Location::File { file },
                "the extract is empty: expected a header row",
            )
            .into());
        }
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let mut diags = Vec::new();
    let mut find = |role: &str, name: &str| -> Option<usize> {
        let exact = headers.iter().position(|h| h == name);
        let found = exact.or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)));
        if found.is_none() {
            diags.push(
                Diagnostic::new(
                    Location::Row {
                        file: file.clone(),
                        row: 1,
                        column: None,
                    },
                    format!(
                        "the header row (row 1) has no column '{name}' (columns.{role} in {})",
                        mapping.name
                    ),
                )
                .expected(format!(
                    "one of the header row's columns: {}",
                    headers.join(", ")
                )),
            );
        }
        found
    };
    let c = &mapping.columns;
    let date = find("date", &c.date);
    let reference = find("reference", &c.reference);
    let description = c.description.as_ref().map(|n| find("description", n));
    let (amount, credit) = match &c.amount {
        Amounts::Signed { column, .. } => (find("amount", column), None),
        Amounts::DebitCredit { debit, credit } => {
            (find("debit", debit), Some(find("credit", credit)))
        }
    };
    let cost_centre = find("cost_centre", &c.cost_centre);
    let account_code = c.account_code.as_ref().map(|n| find("account_code", n));
    let cols = match (date, reference, amount, cost_centre) {
        (Some(date), Some(reference), Some(amount), Some(cost_centre))
            if description.is_none_or(|d| d.is_some())
                && credit.is_none_or(|d| d.is_some())
                && account_code.is_none_or(|d| d.is_some()) =>
        {
            Cols {
                date,
                reference,
                description: description.flatten(),
                amount,
                credit: credit.flatten(),
                cost_centre,
                account_code: account_code.flatten(),
            }
        }
        _ => return Err(InputError { diagnostics: diags }),
    };

    let known: FxHashMap<&str, &Transaction> = ledger
        .transactions
        .iter()
        .filter_map(|t| t.reference.as_deref().map(|r| (r, t)))
        .collect();
    let mut seen: FxHashMap<String, u64> = FxHashMap::default();
    let mut new_rows: Vec<Row> = Vec::new();
    let mut rows = 0usize;
    let mut already_posted = 0usize;
    for (i, record) in records.enumerate() {
        let row = i as u64 + 2;
        rows += 1;
        let at = |column: usize| Location::Row {
            file: file.clone(),
            row,
            column: Some(headers[column].clone()),
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                diags.push(Diagnostic::new(
                    Location::Row {
                        file: file.clone(),
                        row,
                        column: None,
                    },
                    format!("the row cannot be read: {e}"),
                ));
                continue;
            }
        };
        if record.len() != headers.len() {
            diags.push(
                Diagnostic::new(
                    Location::Row {
                        file: file.clone(),
                        row,
                        column: None,
                    },
                    format!(
                        "the row has {} fields but the header row has {}",
                        record.len(),
                        headers.len()
                    ),
                )
                .expected(format!("{} comma-separated fields", headers.len())),
            );
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let before = diags.len();

        let date_text = field(cols.date);
        let date = mapping.date_format.parse(date_text);
        if date.is_none() {
            let example = Date::new(2025, 5, 2).expect("a valid date");
            diags.push(
                Diagnostic::new(
                    at(cols.date),
                    format!(
                        "'{date_text}' is not a date in the format {}",
                        mapping.date_format.pattern()
                    ),
                )
                .expected(format!(
                    "a date such as {}",
                    mapping.date_format.format(example)
                )),
            );
        }

        let doc = field(cols.reference);
        let reference = if doc.is_empty() {
            diags.push(Diagnostic::new(
                at(cols.reference),
                "the row has no document number",
            ));
            None
        } else if doc.contains(|c: char| c.is_whitespace() || c.is_control() || c == ',') {
            diags.push(
                Diagnostic::new(
                    at(cols.reference),
                    format!("document number '{doc}' holds a space or a comma"),
                )
                .expected("a document number of one word: the journal's ref: tag cannot hold spaces or commas"),
            );
            None
        } else {
            let r = format!("{}-{doc}", mapping.partner);
            match seen.get(&r) {
                Some(first) => {
                    diags.push(
                        Diagnostic::new(
                            at(cols.reference),
                            format!("document number '{doc}' appears twice in the extract (first at row {first})"),
                        )
                        .expected("one row per document number"),
                    );
                    None
                }
                None => {
                    seen.insert(r.clone(), row);
                    Some(r)
                }
            }
        };

        let amount = read_amount(&field, &cols, mapping, &at, &mut diags);

        let cc = field(cols.cost_centre);
        let line = lines.get(cc).copied();
        if line.is_none() {
            diags.push(unknown_cost_centre(cc, mapping, at(cols.cost_centre)));
        }

        let code = cols
            .account_code
            .map(field)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let account = code
            .as_ref()
            .and_then(|c| mapping.accounts.get(c))
            .unwrap_or(&mapping.default_account)
            .clone();

        let description = cols
            .description
            .map(|d| tidy_description(field(d)))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| doc.to_string());

        if diags.len() > before {
            continue;
        }
        let (Some(date), Some(reference), Some(amount), Some((scheme, source))) =
            (date, reference, amount, line)
        else {
            continue;
        };
        let r = Row {
            date,
            reference,
            description,
            amount,
            cost_centre: cc.to_string(),
            code,
            account,
            scheme,
            source,
        };

        if let Some(t) = known.get(r.reference.as_str()) {
            match compare(ledger, t, partner, &r) {
                None => already_posted += 1,
                Some(difference) => {
                    let column = if difference.amount {
                        cols.amount
                    } else if difference.date {
                        cols.date
                    } else {
                        cols.cost_centre
                    };
                    diags.push(
                        Diagnostic::new(at(column), difference.message)
                            .expected("the version already posted, or a new document number: a posted transaction is corrected in the journal, not by re-importing it"),
                    );
                }
            }
            continue;
        }

        let year = date.financial_year();
        let state = ledger
            .years
            .iter()
            .find(|(y, _)| *y == year)
            .map(|(_, s)| *s);
        if state != Some(YearState::Open) {
            let why = match state {
                Some(YearState::Closed) => format!("{year} is closed"),
                _ => format!("the ledger does not have {year} open"),
            };
            diags.push(
                Diagnostic::new(
                    at(cols.date),
                    format!("{date} is in {year}, which does not take postings: {why}"),
                )
                .expected(format!("a date in an open year: {}", open_years(ledger))),
            );
            continue;
        }
        new_rows.push(r);
    }
    InputError::check(diags)?;

    Ok(ImportOutcome {
        journal_text: write_journal(ledger, mapping, csv_name, &new_rows),
        added: new_rows.len(),
        already_posted,
        rows,
    })
}

fn open_years(ledger: &Ledger) -> String {
    let open: Vec<String> = ledger
        .years
        .iter()
        .filter(|(_, s)| *s == YearState::Open)
        .map(|(y, _)| y.to_string())
        .collect();
    if open.is_empty() {
        "none is open".to_string()
    } else {
        open.join(", ")
    }
}

/// The row's amount as spending (positive) or a credit (negative).
fn read_amount<'r>(
    field: &dyn Fn(usize) -> &'r str,
    cols: &Cols,
    mapping: &Mapping,
    at: &dyn Fn(usize) -> Location,
    diags: &mut Vec<Diagnostic>,
) -> Option<Money> {
    let parse = |i: usize, diags: &mut Vec<Diagnostic>| -> Option<Option<Money>> {
        let text = field(i);
        if text.is_empty() {
            return Some(None);
        }
        match Money::parse(text) {
            Ok(m) if m.pence().unsigned_abs() > crate::money::MAX_AMOUNT.pence().unsigned_abs() => {
                diags.push(
                    Diagnostic::new(at(i), format!("'{text}' is too large"))
                        .expected("an amount of at most £1,000,000,000,000.00 in size"),
                );
                None
            }
            Ok(m) => Some(Some(m)),
            Err(e) => {
                diags
                    .push(Diagnostic::new(at(i), format!("{e}")).expected(
                        "an amount such as 1,234.56, £1,234.56, -1,234.56 or (1,234.56)",
                    ));
                None
            }
        }
    };
    match (&mapping.columns.amount, cols.credit) {
        (Amounts::Signed { sign, .. }, _) => match parse(cols.amount, diags)? {
            None => {
                diags.push(
                    Diagnostic::new(at(cols.amount), "the row has no amount")
                        .expected("an amount such as 1,234.56"),
                );
                None
            }
            Some(m) => Some(match sign {
                Sign::ExpenditurePositive => m,
                Sign::ExpenditureNegative => -m,
            }),
        },
        (Amounts::DebitCredit { .. }, Some(credit)) => {
            let d = parse(cols.amount, diags);
            let c = parse(credit, diags);
            match (d?, c?) {
                (None, None) => {
                    diags.push(
                        Diagnostic::new(
                            at(cols.amount),
                            "the row has neither a debit nor a credit",
                        )
                        .expected("an amount in one of the two columns"),
                    );
                    None
                }
                (Some(d), Some(c)) if !d.is_zero() && !c.is_zero() => {
                    diags.push(
                        Diagnostic::new(
                            at(cols.amount),
                            format!("the row has both a debit ({d}) and a credit ({c})"),
                        )
                        .expected("an amount in only one of the two columns"),
                    );
                    None
                }
                (d, c) => Some(d.unwrap_or(Money::ZERO) - c.unwrap_or(Money::ZERO)),
            }
        }
        (Amounts::DebitCredit { .. }, None) => {
            unreachable!("debit and credit columns are found together")
        }
    }
}

fn unknown_cost_centre(cc: &str, mapping: &Mapping, at: Location) -> Diagnostic {
    if cc.is_empty() {
        return Diagnostic::new(at, "the row has no cost centre").expected(format!(
            "a cost centre in [cost_centres] of {}",
            mapping.name
        ));
    }
    let mut known: Vec<(usize, &str)> = mapping
        .cost_centres
        .keys()
        .map(|k| (distance(&k.to_lowercase(), &cc.to_lowercase()), k.as_str()))
        .collect();
    known.sort();
    let closest = known
        .first()
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .map(|(_, k)| format!("did you mean '{k}'? "))
        .unwrap_or_default();
    let listed: Vec<&str> = known.iter().take(8).map(|(_, k)| *k).collect();
    let more = if known.len() > listed.len() {
        ", …"
    } else {
        ""
    };
    Diagnostic::new(
        at,
        format!("unknown cost centre '{cc}': it is not in [cost_centres] of {}", mapping.name),
    )
    .expected(format!(
        "{closest}a mapped cost centre ({}{more}), or add '{cc}' to the mapping with its scheme and source",
        listed.join(", ")
    ))
}

/// Edit distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A narrative as one journal line: no comment starts, no line breaks, no
/// leading status mark.
fn tidy_description(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ").replace(';', ",");
    joined
        .trim_start_matches(['*', '!', ' '])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

struct Difference {
    amount: bool,
    date: bool,
    message: String,
}

/// `None` if the transaction already posted is this row; otherwise how it
/// differs.
fn compare(ledger: &Ledger, t: &Transaction, partner: Id, row: &Row) -> Option<Difference> {
    let postings = ledger.postings_of(t);
    let place = format!(
        "{}:{}",
        ledger
            .files
            .get(t.file as usize)
            .map_or("?", String::as_str),
        t.line
    );
    let reference = &row.reference;
    if let Some(p) = postings.iter().find(|p| p.partner != partner) {
        let other = &ledger.partners[p.partner as usize].id;
        return Some(Difference {
            amount: false,
            date: false,
            message: format!(
                "reference '{reference}' is already used at {place} by a transaction of partner '{other}', not '{}'",
                ledger.partners[partner as usize].id
            ),
        });
    }
    let spending: Vec<_> = postings
        .iter()
        .filter(|p| ledger.accounts[p.account as usize].root == Root::Expenditure)
        .collect();
    let old_amount: Money = spending.iter().map(|p| p.amount).sum();
    let mut old_lines: Vec<(Id, Id)> = spending.iter().map(|p| (p.scheme, p.source)).collect();
    old_lines.sort_unstable();
    old_lines.dedup();
    let line_name = |(s, f): (Id, Id)| {
        let name = |table: &dyn Fn(usize) -> Option<String>, i: Id| {
            table(i as usize).unwrap_or_else(|| "(none)".to_string())
        };
        format!(
            "{} {}",
            name(&|i| ledger.schemes.get(i).map(|x| x.id.clone()), s),
            name(&|i| ledger.sources.get(i).map(|x| x.id.clone()), f)
        )
    };
    let same_line = old_lines == [(row.scheme, row.source)];
    let same_amount = old_amount == row.amount;
    let same_date = t.date == row.date;
    if same_line && same_amount && same_date {
        return None;
    }
    let old_lines_text = if old_lines.is_empty() {
        "no expenditure line".to_string()
    } else {
        old_lines
            .iter()
            .map(|l| line_name(*l))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let mut changes = Vec::new();
    if !same_amount {
        changes.push("amount");
    }
    if !same_date {
        changes.push("date");
    }
    if !same_line {
        changes.push("line");
    }
    Some(Difference {
        amount: !same_amount,
        date: !same_date,
        message: format!(
            "reference '{reference}' is already posted at {place} as {old_amount} on {} to {old_lines_text}, but this row has {} on {} to {} (cost centre {}): the {} differ{}",
            t.date,
            row.amount,
            row.date,
            line_name((row.scheme, row.source)),
            row.cost_centre,
            changes.join(" and "),
            if changes.len() == 1 { "s" } else { "" },
        ),
    })
}

/// Width of the account column and of the amount column in the journal
/// text written.
const ACCOUNT_WIDTH: usize = 26;
const AMOUNT_WIDTH: usize = 14;

fn write_journal(ledger: &Ledger, mapping: &Mapping, csv_name: &str, rows: &[Row]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n; Imported from {csv_name} with {}: {} new transaction{}.",
        mapping.name,
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    for r in rows {
        let scheme = &ledger.schemes[r.scheme as usize].id;
        let source = &ledger.sources[r.source as usize].id;
        let mut audit = format!(
            "cost-centre:{}",
            r.cost_centre.replace(char::is_whitespace, "_")
        );
        if let Some(code) = &r.code {
            let _ = write!(audit, " gl:{}", code.replace(char::is_whitespace, "_"));
        }
        let _ = writeln!(
            out,
            "\n{} {}  ; ref:{} partner:{}",
            r.date, r.description, r.reference, mapping.partner
        );
        let _ = writeln!(
            out,
            "  {:<ACCOUNT_WIDTH$}  {:>AMOUNT_WIDTH$}  scheme:{scheme} source:{source}  ; {audit}",
            r.account,
            r.amount.to_string(),
        );
        let _ = writeln!(
            out,
            "  {:<ACCOUNT_WIDTH$}  {:>AMOUNT_WIDTH$}",
            mapping.balancing_account,
            (-r.amount).to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_read_and_write() {
        let d = |y, m, day| Date::new(y, m, day);
        let f = DateFormat::new("%d/%m/%Y").unwrap();
        assert_eq!(f.parse("02/05/2025"), d(2025, 5, 2));
        assert_eq!(f.parse(" 2/5/2025 "), d(2025, 5, 2));
        assert_eq!(f.parse("31/04/2025"), None);
        assert_eq!(f.parse("02/05/25"), None);
        assert_eq!(f.parse("02/05/2025 00:00"), None);
        assert_eq!(f.format(d(2025, 5, 2).unwrap()), "02/05/2025");
        let f = DateFormat::new("%Y-%m-%d").unwrap();
        assert_eq!(f.parse("2025-05-02"), d(2025, 5, 2));
        assert_eq!(f.parse("2025/05/02"), None);
        let f = DateFormat::new("%d-%b-%Y").unwrap();
        assert_eq!(f.parse("01-Apr-2025"), d(2025, 4, 1));
        assert_eq!(f.parse("01-APR-2025"), d(2025, 4, 1));
        assert_eq!(f.parse("30-Sept-2025"), d(2025, 9, 30));
        assert_eq!(f.parse("01-April-2025"), None);
        assert_eq!(f.format(d(2025, 4, 1).unwrap()), "01-Apr-2025");
        let f = DateFormat::new("%d %B %Y").unwrap();
        assert_eq!(f.parse("1 April 2025"), d(2025, 4, 1));
        assert_eq!(f.format(d(2025, 4, 1).unwrap()), "01 April 2025");
        assert_eq!(DateFormat::new("%d/%m/%y").unwrap_err().0, 6);
        assert!(DateFormat::new("%d/%m").is_err());
        assert!(DateFormat::new("%d/%m/%Y%").is_err());
        assert!(DateFormat::new("%d/%d/%Y").is_err());
    }

    #[test]
    fn narratives_cannot_become_comments() {
        assert_eq!(
            tidy_description("Beds ;ref:X\n  and\tchairs"),
            "Beds ,ref:X and chairs"
        );
        assert_eq!(tidy_description("* urgent"), "urgent");
    }

    #[test]
    fn suggestions_use_edit_distance() {
        assert_eq!(distance("hf3200", "hf3299"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
