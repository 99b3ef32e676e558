//! Troubled Families claims: what a council claims each financial year for
//! the families it has worked with, from a scheme file (the programme's
//! parameters) and a per-family outcomes file.
//!
//! # The rules
//!
//! * **Per family.** The scheme pays at most `per_family` for a family
//!   (phase 1: £4,000). Part is an **attachment fee**, paid in the year the
//!   family is attached; the fee depends on the year of attachment, as a
//!   share of `per_family` (phase 1: 80% in 2012/13, 60% in 2013/14, 40% in
//!   2014/15) or as an amount (phase 2: £1,000). The rest is the family's
//!   **results amount** (phase 1: £800, £1,600 or £2,400 by year of
//!   attachment; phase 2: £800), paid on results.
//! * **Outcomes.** Each outcome pays, in the year it is achieved, either
//!   the results amount less a stated sum, or a fixed amount. Phase 1:
//!   crime/anti-social behaviour and education pays the results amount less
//!   £100; progress to work pays £100; continuous employment pays the whole
//!   results amount. Phase 2: significant and sustained progress, and
//!   continuous employment, each pay the results amount (£800).
//! * **Superseding.** One outcome may supersede the others (continuous
//!   employment). A family that achieves it is paid it *instead of* the
//!   others: an outcome achieved in the same year as the superseding one
//!   or later is not paid; outcomes paid in earlier years are netted off,
//!   so the superseding payment is its amount less what the family was
//!   already paid on results, never below zero. A family is therefore
//!   never paid more on results than the larger of the superseding
//!   outcome's amount and the others' sum, and never twice for the same
//!   outcome (each outcome has one year of achievement per family).
//! * **Funded families.** Government funds `funded` of the families (phase
//!   1: 5 in 6, "the one-in-six deduction"; phase 2: all). Each year's
//!   claim is the year's attachment fees and results payments (the gross)
//!   less the deduction, `gross × (6 − 5) ÷ 6` for 5 in 6, rounded to the
//!   nearest penny with halves rounded up, on the year's gross (not family
//!   by family), in integer arithmetic: the same input always gives the
//!   same pence. The totals over years are the sums of the years' figures.
//!
//! # The scheme file
//!
//! ```toml
//! [scheme]
//! name = "Northshire Troubled Families, phase 1"
//! phase = 1            # 1 or 2: the defaults below come from that phase
//! # Everything else is optional and replaces the phase's default.
//! per_family = "£4,000"
//! funded = "5/6"       # or 1 for every family
//!
//! [[attachment]]       # one per year of attachment
//! year = "2012/13"
//! share = "80%"        # of per_family; or fee = "£1,000"
//!
//! [[outcome]]          # columns of the outcomes file, in this order
//! id = "crime-asb-education"
//! name = "Crime, anti-social behaviour and education"
//! pays = "results"     # the results amount, or an amount such as "£100"
//! less = "£100"        # taken off the results amount (optional)
//! supersedes = false   # true for the one outcome that supersedes the rest
//! ```
//!
//! Giving any `[[attachment]]` replaces all the phase's attachment rules;
//! giving any `[[outcome]]` replaces all its outcomes.
//!
//! # The outcomes file
//!
//! CSV with a header: `family` (any text, unique), `attached` (the
//! financial year, `2012/13`), and one column per outcome id holding the
//! financial year it was achieved, blank if not.

use std::collections::BTreeMap;

use oneplace_core::toml_input::{Checker, S, Value, parse_toml};
use oneplace_core::{Diagnostic, FinancialYear, InputError, LineIndex, Money};
use oneplace_report::{Cell, Document, Section, Table, render_text};
use serde::{Deserialize, Serialize};

use crate::table::{CsvTable, mul_div_round, year_cell};

/// What an outcome pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pays {
    /// The family's results amount less `less` (never below zero).
    Results { less: Money },
    /// A fixed amount.
    Amount { amount: Money },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutcomeRule {
    pub id: String,
    pub name: String,
    pub pays: Pays,
    /// Paid instead of the other outcomes (continuous employment).
    pub supersedes: bool,
}

/// The attachment fee for families attached in `year`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttachmentRule {
    pub year: FinancialYear,
    pub fee: Money,
    /// The share of `per_family` it was given as, if it was.
    pub share: Option<f64>,
}

/// Government funds `families` in every `of` families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Funded {
    pub families: u32,
    pub of: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scheme {
    pub name: String,
    pub phase: u8,
    pub per_family: Money,
    pub funded: Funded,
    pub attachment: Vec<AttachmentRule>,
    pub outcomes: Vec<OutcomeRule>,
}

fn rule(id: &str, name: &str, pays: Pays, supersedes: bool) -> OutcomeRule {
    OutcomeRule {
        id: id.into(),
        name: name.into(),
        pays,
        supersedes,
    }
}

impl Scheme {
    /// The programme's first phase (2012–15): up to £4,000 a family, an
    /// attachment fee of 80%, 60% and 40% of it for families attached in
    /// 2012/13, 2013/14 and 2014/15, the rest on results, funding for 5 of
    /// every 6 families.
    pub fn phase_one() -> Scheme {
        let per_family = Money::from_pounds(4_000);
        let attachment = [(2012, 800_000), (2013, 600_000), (2014, 400_000)]
            .into_iter()
            .map(|(y, ppm)| AttachmentRule {
                year: FinancialYear::starting(y),
                fee: Money::from_pence(mul_div_round(per_family.pence(), ppm, 1_000_000)),
                share: Some(ppm as f64 / 1_000_000.0),
            })
            .collect();
        Scheme {
            name: "Troubled Families, phase 1".into(),
            phase: 1,
            per_family,
            funded: Funded { families: 5, of: 6 },
            attachment,
            outcomes: vec![
                rule(
                    "crime-asb-education",
                    "Crime, anti-social behaviour and education",
                    Pays::Results {
                        less: Money::from_pounds(100),
                    },
                    false,
                ),
                rule(
                    "progress-to-work",
                    "Progress to work",
                    Pays::Amount {
                        amount: Money::from_pounds(100),
                    },
                    false,
                ),
                rule(
                    "continuous-employment",
                    "Continuous employment",
                    Pays::Results { less: Money::ZERO },
                    true,
                ),
            ],
        }
    }

    /// The second phase (2015–20): an attachment fee of £1,000 and a
    /// results payment of £800 a family for significant and sustained
    /// progress or continuous employment (so `per_family` is £1,800, and a
    /// family paid for progress is paid nothing more for employment later);
    /// every family funded.
    pub fn phase_two() -> Scheme {
        Scheme {
            name: "Troubled Families, phase 2".into(),
            phase: 2,
            per_family: Money::from_pounds(1_800),
            funded: Funded { families: 1, of: 1 },
            attachment: (2015..2020)
                .map(|y| AttachmentRule {
                    year: FinancialYear::starting(y),
                    fee: Money::from_pounds(1_000),
                    share: None,
                })
                .collect(),
            outcomes: vec![
                rule(
                    "significant-progress",
                    "Significant and sustained progress",
                    Pays::Results { less: Money::ZERO },
                    false,
                ),
                rule(
                    "continuous-employment",
                    "Continuous employment",
                    Pays::Results { less: Money::ZERO },
                    true,
                ),
            ],
        }
    }

    pub fn attachment_fee(&self, year: FinancialYear) -> Option<Money> {
        self.attachment
            .iter()
            .find(|a| a.year == year)
            .map(|a| a.fee)
    }

    /// What outcome `o` pays a family whose results amount is `results`.
    pub fn outcome_amount(&self, o: usize, results: Money) -> Money {
        match self.outcomes[o].pays {
            Pays::Results { less } => (results - less).max(Money::ZERO),
            Pays::Amount { amount } => amount,
        }
    }
}

// ---------------------------------------------------------------------------
// The scheme file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scheme: S<RawScheme>,
    #[serde(default)]
    attachment: Vec<S<RawAttachment>>,
    #[serde(default)]
    outcome: Vec<S<RawOutcome>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScheme {
    name: S<String>,
    phase: S<Value>,
    per_family: Option<S<Value>>,
    funded: Option<S<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttachment {
    year: S<String>,
    share: Option<S<Value>>,
    fee: Option<S<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    id: S<String>,
    name: S<String>,
    pays: S<Value>,
    less: Option<S<Value>>,
    #[serde(default)]
    supersedes: bool,
}

fn funded(c: &mut Checker, v: &S<Value>) -> Option<Funded> {
    let parsed = match v.get_ref() {
        Value::Int(1) => Some((1, 1)),
        Value::Text(t) => t.split_once('/').and_then(|(a, b)| {
            Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?))
        }),
        _ => None,
    };
    match parsed {
        Some((a, b)) if a > 0 && a <= b => Some(Funded { families: a, of: b }),
        _ => {
            c.error_expected(
                v.span(),
                "funded is not a fraction of families from 1/1 down",
                "\"5/6\" (5 in every 6 families funded) or 1 (every family)",
            );
            None
        }
    }
}

/// Reads a scheme file. `file` names it in messages.
pub fn read_scheme(file: &str, text: &str) -> Result<Scheme, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let head = raw.scheme.get_ref();
    let mut scheme = match c.count(&head.phase, "phase") {
        Some(1) => Scheme::phase_one(),
        Some(2) => Scheme::phase_two(),
        Some(n) => {
            c.error_expected(
                head.phase.span(),
                format!("phase {n} is not a phase of the programme"),
                "phase = 1 (2012–15) or phase = 2 (2015–20)",
            );
            Scheme::phase_one()
        }
        None => Scheme::phase_one(),
    };
    if let Some(name) = c.text(&head.name, "the scheme's name") {
        scheme.name = name;
    }
    if let Some(v) = &head.per_family
        && let Some(m) = c.money(v, "per_family")
    {
        scheme.per_family = m;
    }
    if let Some(v) = &head.funded
        && let Some(f) = funded(&mut c, v)
    {
        scheme.funded = f;
    }
    if !raw.attachment.is_empty() {
        scheme.attachment.clear();
        for a in &raw.attachment {
            let ar = a.get_ref();
            let year = c.year(&ar.year, "the attachment year");
            let (fee, share) = match (&ar.share, &ar.fee) {
                (Some(s), None) => {
                    let share = c.share(s, "the attachment share");
                    let fee = share.map(|x| {
                        Money::from_pence(mul_div_round(
                            scheme.per_family.pence(),
                            crate::table::millionths(x),
                            1_000_000,
                        ))
                    });
                    (fee, share)
                }
                (None, Some(f)) => (c.money(f, "the attachment fee"), None),
                _ => {
                    c.error_expected(
                        a.span(),
                        "an attachment needs one of share and fee",
                        "share = \"80%\" (of per_family) or fee = \"£1,000\"",
                    );
                    (None, None)
                }
            };
            let (Some(year), Some(fee)) = (year, fee) else {
                continue;
            };
            if scheme.attachment.iter().any(|x| x.year == year) {
                c.error_expected(
                    ar.year.span(),
                    format!("the attachment fee for {year} is given twice"),
                    "one [[attachment]] a year",
                );
                continue;
            }
            if fee > scheme.per_family {
                c.error_expected(
                    a.span(),
                    format!(
                        "the attachment fee for {year} ({fee}) is more than per_family ({})",
                        scheme.per_family
                    ),
                    "a fee of at most the most paid for a family",
                );
                continue;
            }
            scheme.attachment.push(AttachmentRule { year, fee, share });
        }
        scheme.attachment.sort_by_key(|a| a.year);
    } else if head.per_family.is_some() {
        // The phase's shares apply to the new per-family amount.
        let per_family = scheme.per_family;
        for a in &mut scheme.attachment {
            if let Some(s) = a.share {
                a.fee = Money::from_pence(mul_div_round(
                    per_family.pence(),
                    crate::table::millionths(s),
                    1_000_000,
                ));
            }
        }
        if let Some(a) = scheme.attachment.iter().find(|a| a.fee > per_family) {
            c.error_expected(
                head.per_family.as_ref().map_or(0..0, |v| v.span()),
                format!(
                    "per_family ({per_family}) is less than the phase's attachment fee for {} ({})",
                    a.year, a.fee
                ),
                "[[attachment]] rules for this amount",
            );
        }
    }
    if !raw.outcome.is_empty() {
        scheme.outcomes.clear();
        for o in &raw.outcome {
            let or = o.get_ref();
            let id = c.identifier(&or.id, "the outcome id").filter(|id| {
                let reserved = id == "attachment";
                if reserved {
                    c.error_expected(
                        or.id.span(),
                        "'attachment' names the attachment fee, not an outcome",
                        "another id",
                    );
                }
                !reserved
            });
            let name = c.text(&or.name, "the outcome's name");
            let pays = match or.pays.get_ref() {
                Value::Text(t) if t.trim() == "results" => {
                    let less = match &or.less {
                        Some(l) => c.money(l, "less"),
                        None => Some(Money::ZERO),
                    };
                    less.map(|less| Pays::Results { less })
                }
                _ => {
                    if let Some(l) = &or.less {
                        c.error_expected(
                            l.span(),
                            "less applies only to pays = \"results\"",
                            "a fixed amount without less",
                        );
                    }
                    c.money(&or.pays, "pays")
                        .map(|amount| Pays::Amount { amount })
                }
            };
            let (Some(id), Some(name), Some(pays)) = (id, name, pays) else {
                continue;
            };
            if scheme.outcomes.iter().any(|x| x.id == id) {
                c.error_expected(
                    or.id.span(),
                    format!("outcome '{id}' is given twice"),
                    "a different id for each outcome",
                );
                continue;
            }
            if or.supersedes && scheme.outcomes.iter().any(|x| x.supersedes) {
                c.error_expected(
                    o.span(),
                    format!("outcome '{id}' supersedes the others, and so does another"),
                    "at most one outcome with supersedes = true",
                );
                continue;
            }
            if let Pays::Results { less } = pays {
                for a in &scheme.attachment {
                    let results = scheme.per_family - a.fee;
                    if less > results {
                        c.error_expected(
                            or.less.as_ref().map_or(o.span(), |l| l.span()),
                            format!(
                                "outcome '{id}': less ({less}) is more than the results amount for families attached in {} ({results})",
                                a.year
                            ),
                            "less of at most the results amount",
                        );
                        break;
                    }
                }
            }
            scheme.outcomes.push(OutcomeRule {
                id,
                name,
                pays,
                supersedes: or.supersedes,
            });
        }
    }
    if scheme.attachment.is_empty() {
        c.whole(
            "the scheme has no attachment fee for any year",
            "[[attachment]] with year and share or fee",
        );
    }
    if scheme.outcomes.is_empty() {
        c.whole(
            "the scheme has no outcome",
            "[[outcome]] with id, name and pays",
        );
    }
    c.finish()?;
    Ok(scheme)
}

// ---------------------------------------------------------------------------
// The outcomes file.

/// One family as the outcomes file gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Family {
    pub id: String,
    pub attached: FinancialYear,
    /// For each of the scheme's outcomes, in its order, the year achieved.
    pub achieved: Vec<Option<FinancialYear>>,
}

/// Reads the outcomes file against the scheme: its outcome columns must be
/// the scheme's. Every family is counted or named in an error: a family
/// twice, a year the scheme has no attachment fee for, an outcome achieved
/// before the family was attached, a year that cannot be read.
pub fn read_families(scheme: &Scheme, file: &str, text: &str) -> Result<Vec<Family>, InputError> {
    let t = CsvTable::read(file, text)?;
    let mut diags = Vec::new();
    let mut required = vec!["family", "attached"];
    required.extend(scheme.outcomes.iter().map(|o| o.id.as_str()));
    let cols = t.columns(&required, &[], &mut diags);
    InputError::check(std::mem::take(&mut diags))?;
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut families = Vec::new();
    for r in &t.rows {
        let id = r.get(cols[0]).to_string();
        if id.is_empty() {
            diags.push(
                Diagnostic::new(t.at(r.row, Some("family")), "the family id is empty")
                    .expected("an id for every family"),
            );
            continue;
        }
        if let Some(first) = seen.get(&id) {
            diags.push(
                Diagnostic::new(
                    t.at(r.row, Some("family")),
                    format!("family '{id}' is listed twice (first at row {first})"),
                )
                .expected("one row a family"),
            );
            continue;
        }
        seen.insert(id.clone(), r.row);
        let attached = year_cell(&t, r, "attached", r.get(cols[1]), &mut diags);
        if let Some(a) = attached
            && scheme.attachment_fee(a).is_none()
        {
            diags.push(
                    Diagnostic::new(
                        t.at(r.row, Some("attached")),
                        format!(
                            "family '{id}' is attached in {a}, a year the scheme has no attachment fee for"
                        ),
                    )
                    .expected(format!(
                        "one of {}",
                        scheme
                            .attachment
                            .iter()
                            .map(|a| a.year.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
        }
        let mut achieved = Vec::new();
        for (o, rule) in scheme.outcomes.iter().enumerate() {
            let cell = r.get(cols[2 + o]);
            if cell.is_empty() {
                achieved.push(None);
                continue;
            }
            let y = year_cell(&t, r, &rule.id, cell, &mut diags);
            if let (Some(y), Some(a)) = (y, attached)
                && y < a
            {
                diags.push(
                    Diagnostic::new(
                        t.at(r.row, Some(&rule.id)),
                        format!(
                            "family '{id}' achieves {} in {y}, before it was attached ({a})",
                            rule.id
                        ),
                    )
                    .expected(format!("a year from {a} on, or blank")),
                );
            }
            achieved.push(y);
        }
        if let Some(attached) = attached {
            families.push(Family {
                id,
                attached,
                achieved,
            });
        }
    }
    InputError::check(diags)?;
    Ok(families)
}

// ---------------------------------------------------------------------------
// The claims.

/// One payment to a family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FamilyPayment {
    pub year: FinancialYear,
    /// `attachment` or an outcome id.
    pub item: String,
    pub amount: Money,
    /// Why it is less than the outcome's amount, or not paid at all.
    pub note: Option<String>,
}

/// Everything paid for one family, for explaining a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FamilyDetail {
    pub family: String,
    pub attached: FinancialYear,
    pub attachment_fee: Money,
    pub results_amount: Money,
    /// Payments in year order (attachment first); an outcome achieved but
    /// not paid appears with amount zero and the reason.
    pub payments: Vec<FamilyPayment>,
    pub results_paid: Money,
    /// Before the one-in-six deduction, which applies to a year's claim.
    pub total: Money,
}

/// One outcome's line of a year's claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutcomeClaim {
    pub outcome: String,
    /// Families achieving it this year.
    pub achieved: u64,
    /// Of those, families paid something for it.
    pub paid: u64,
    /// Of those, families not paid because a superseding outcome was.
    pub superseded: u64,
    pub amount: Money,
}

/// A financial year's claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimYear {
    pub year: FinancialYear,
    pub families_attached: u64,
    pub attachment: Money,
    pub outcomes: Vec<OutcomeClaim>,
    pub results: Money,
    /// Attachment fees and results payments.
    pub gross: Money,
    /// The unfunded families' part: `gross × (of − families) ÷ of`, to the
    /// penny, halves up.
    pub deduction: Money,
    pub total: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Claims {
    pub scheme: String,
    pub phase: u8,
    pub funded: Funded,
    pub years: Vec<ClaimYear>,
    /// Sums of the years' figures.
    pub totals: ClaimTotals,
    pub families: Vec<FamilyDetail>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClaimTotals {
    pub families: u64,
    pub attachment: Money,
    pub results: Money,
    pub gross: Money,
    pub deduction: Money,
    pub total: Money,
}

/// One family's payments under the scheme's rules. `None` when the scheme
/// has no attachment fee for the family's year (the reader refuses such a
/// family) or the family's outcomes do not match the scheme's.
pub fn family_payments(scheme: &Scheme, family: &Family) -> Option<FamilyDetail> {
    let fee = scheme.attachment_fee(family.attached)?;
    if family.achieved.len() != scheme.outcomes.len() {
        return None;
    }
    let results = scheme.per_family - fee;
    let mut payments = vec![FamilyPayment {
        year: family.attached,
        item: "attachment".into(),
        amount: fee,
        note: None,
    }];
    let sup = scheme
        .outcomes
        .iter()
        .position(|o| o.supersedes)
        .and_then(|s| family.achieved[s].map(|y| (s, y)));
    // Outcomes in the order they were achieved, the scheme's order within a
    // year; the superseding one last in its year.
    let mut order: Vec<(FinancialYear, bool, usize)> = family
        .achieved
        .iter()
        .enumerate()
        .filter_map(|(o, y)| y.map(|y| (y, Some(o) == sup.map(|s| s.0), o)))
        .collect();
    order.sort();
    let mut paid_so_far = Money::ZERO;
    for (year, is_sup, o) in order {
        let rule = &scheme.outcomes[o];
        let full = scheme.outcome_amount(o, results);
        let (amount, note) = if is_sup {
            let amount = (full - paid_so_far).max(Money::ZERO);
            let note = (!paid_so_far.is_zero()).then(|| {
                format!("{full} less {paid_so_far} already paid on results for this family")
            });
            (amount, note)
        } else {
            match sup {
                Some((s, sy)) if year >= sy => (
                    Money::ZERO,
                    Some(format!(
                        "not paid: superseded by {} ({sy})",
                        scheme.outcomes[s].id
                    )),
                ),
                _ => (full, None),
            }
        };
        paid_so_far += amount;
        payments.push(FamilyPayment {
            year,
            item: rule.id.clone(),
            amount,
            note,
        });
    }
    Some(FamilyDetail {
        family: family.id.clone(),
        attached: family.attached,
        attachment_fee: fee,
        results_amount: results,
        results_paid: paid_so_far,
        total: fee + paid_so_far,
        payments,
    })
}

/// The claim for every year in which a family was attached or paid.
///
/// Fails, naming the family, when a family does not fit the scheme (see
/// [`family_payments`]); [`read_families`] never gives such a family.
pub fn claims(scheme: &Scheme, families: &[Family]) -> Result<Claims, String> {
    let mut details = Vec::with_capacity(families.len());
    for f in families {
        details.push(family_payments(scheme, f).ok_or_else(|| {
            format!(
                "family '{}' does not fit the scheme: no attachment fee for {} or a different list of outcomes",
                f.id, f.attached
            )
        })?);
    }
    let mut years: BTreeMap<FinancialYear, ClaimYear> = BTreeMap::new();
    let new_year = |year| ClaimYear {
        year,
        families_attached: 0,
        attachment: Money::ZERO,
        outcomes: scheme
            .outcomes
            .iter()
            .map(|o| OutcomeClaim {
                outcome: o.id.clone(),
                achieved: 0,
                paid: 0,
                superseded: 0,
                amount: Money::ZERO,
            })
            .collect(),
        results: Money::ZERO,
        gross: Money::ZERO,
        deduction: Money::ZERO,
        total: Money::ZERO,
    };
    for d in &details {
        for p in &d.payments {
            let y = years.entry(p.year).or_insert_with(|| new_year(p.year));
            if p.item == "attachment" {
                y.families_attached += 1;
                y.attachment += p.amount;
            } else if let Some(o) = scheme.outcomes.iter().position(|o| o.id == p.item) {
                let line = &mut y.outcomes[o];
                line.achieved += 1;
                line.amount += p.amount;
                if !p.amount.is_zero() {
                    line.paid += 1;
                } else if p.note.as_deref().is_some_and(|n| n.contains("superseded")) {
                    line.superseded += 1;
                }
                y.results += p.amount;
            }
        }
    }
    let Funded { families: n, of } = scheme.funded;
    let mut totals = ClaimTotals::default();
    let years: Vec<ClaimYear> = years
        .into_values()
        .map(|mut y| {
            y.gross = y.attachment + y.results;
            y.deduction = Money::from_pence(mul_div_round(
                y.gross.pence(),
                i64::from(of - n),
                i64::from(of),
            ));
            y.total = y.gross - y.deduction;
            totals.families += y.families_attached;
            totals.attachment += y.attachment;
            totals.results += y.results;
            totals.gross += y.gross;
            totals.deduction += y.deduction;
            totals.total += y.total;
            y
        })
        .collect();
    Ok(Claims {
        scheme: scheme.name.clone(),
        phase: scheme.phase,
        funded: scheme.funded,
        years,
        totals,
        families: details,
    })
}

// ---------------------------------------------------------------------------
// Reports.

fn count(n: u64) -> Cell {
    Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The claims as a document: a table of the years' claims and, when
/// `explain` is true, every family's payments.
pub fn claims_document(scheme: &Scheme, claims: &Claims, explain: bool) -> Document {
    let mut columns: Vec<(String, String)> = vec![
        ("year".into(), "Year".into()),
        ("families_attached".into(), "Families attached".into()),
        ("attachment".into(), "Attachment fees".into()),
    ];
    for o in &scheme.outcomes {
        columns.push((o.id.replace('-', "_"), o.name.clone()));
    }
    for (k, h) in [
        ("results", "Results"),
        ("gross", "Gross"),
        ("deduction", "Deduction"),
        ("total", "Claim"),
    ] {
        columns.push((k.into(), h.into()));
    }
    let cols: Vec<(&str, &str)> = columns
        .iter()
        .map(|(k, h)| (k.as_str(), h.as_str()))
        .collect();
    let mut table = Table::new(&cols);
    for y in &claims.years {
        let mut row = vec![
            Cell::Year(y.year),
            count(y.families_attached),
            Cell::Money(y.attachment),
        ];
        row.extend(y.outcomes.iter().map(|o| Cell::Money(o.amount)));
        row.extend([
            Cell::Money(y.results),
            Cell::Money(y.gross),
            Cell::Money(y.deduction),
            Cell::Money(y.total),
        ]);
        table.push(row);
    }
    let t = &claims.totals;
    let mut row = vec![
        Cell::Text("Total".into()),
        count(t.families),
        Cell::Money(t.attachment),
    ];
    row.extend(scheme.outcomes.iter().enumerate().map(|(o, _)| {
        Cell::Money(
            claims
                .years
                .iter()
                .map(|y| y.outcomes[o].amount)
                .sum::<Money>(),
        )
    }));
    row.extend([
        Cell::Money(t.results),
        Cell::Money(t.gross),
        Cell::Money(t.deduction),
        Cell::Money(t.total),
    ]);
    table.push(row);
    let funded = claims.funded;
    let mut doc = Document::new(format!("{}: claims by year", claims.scheme))
        .with_note(format!(
            "Funded families: {} in {}; the deduction is the gross × {}/{}, to the penny, halves up, on each year's gross.",
            funded.families,
            funded.of,
            funded.of - funded.families,
            funded.of
        ))
        .with_note(
            "An outcome superseded by continuous employment is not paid; results paid earlier are netted off the superseding payment.",
        )
        .with_section(Section::new("claims", "Claims by year", table));
    if explain {
        let mut table = Table::new(&[
            ("family", "Family"),
            ("year", "Year"),
            ("item", "Item"),
            ("amount", "Amount"),
            ("note", "Note"),
        ]);
        for d in &claims.families {
            for p in &d.payments {
                table.push(vec![
                    Cell::Text(d.family.clone()),
                    Cell::Year(p.year),
                    Cell::Text(p.item.clone()),
                    Cell::Money(p.amount),
                    p.note.clone().map_or(Cell::Empty, Cell::Text),
                ]);
            }
        }
        doc = doc.with_section(Section::new("families", "Payments by family", table));
    }
    doc
}

/// The claims as a plain-text table (with every family's payments when
/// `explain` is true).
pub fn claims_text(scheme: &Scheme, claims: &Claims, explain: bool) -> String {
    render_text(&claims_document(scheme, claims, explain))
}

/// One family's payments, for explaining a claim: every payment with its
/// year and why it is less than the outcome's amount. `None` when no
/// family has that id.
pub fn family_document(claims: &Claims, family: &str) -> Option<Document> {
    let d = claims.families.iter().find(|f| f.family == family)?;
    let mut table = Table::new(&[
        ("year", "Year"),
        ("item", "Item"),
        ("amount", "Amount"),
        ("note", "Note"),
    ]);
    for p in &d.payments {
        table.push(vec![
            Cell::Year(p.year),
            Cell::Text(p.item.clone()),
            Cell::Money(p.amount),
            p.note.clone().map_or(Cell::Empty, Cell::Text),
        ]);
    }
    table.push(vec![
        Cell::Text("Total".into()),
        Cell::Empty,
        Cell::Money(d.total),
        Cell::Empty,
    ]);
    Some(
        Document::new(format!("{}: family {}", claims.scheme, d.family))
            .with_note(format!(
                "Attached in {}: attachment fee {}, results amount {}; paid {} on results.",
                d.attached, d.attachment_fee, d.results_amount, d.results_paid
            ))
            .with_note(
                "Before the deduction for unfunded families, which applies to each year's claim.",
            )
            .with_section(Section::new("payments", "Payments", table)),
    )
}
