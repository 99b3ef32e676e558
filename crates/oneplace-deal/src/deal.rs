//! The deal file (`docs/deal-format.md`): read with spans, checked against
//! the catalogue, every problem located.
//!
//! Reading a deal checks what the file alone can tell: identifiers, shares,
//! caps, references between its own parts and to the catalogue. Whether its
//! evidence still says what the deal quotes is [`crate::evidence`]'s job.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use oneplace_core::{FinancialYear, InputError, LineIndex, Location};
use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use oneplace_core::toml_input::{Checker, S, Value, parse_toml};

/// A validated deal.
#[derive(Clone, Debug, Serialize)]
pub struct Deal {
    /// The deal file as named in messages.
    pub file: String,
    pub name: String,
    pub place: String,
    pub date: Option<String>,
    pub summary: Option<String>,
    pub partners: Vec<Party>,
    pub counterparties: Vec<Party>,
    pub appraisals: Vec<AppraisalSource>,
    pub ledgers: Vec<LedgerSource>,
    pub measurements: Vec<MeasurementSource>,
    pub evidence: Vec<EvidenceLink>,
    pub metrics: Vec<Metric>,
    pub asks: Vec<Ask>,
    pub offers: Vec<Offer>,
    pub terms: Terms,
    pub readiness: Option<ReadinessSpec>,
}

/// A party to the deal: a local partner, or a central department or
/// national agency.
#[derive(Clone, Debug, Serialize)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub kind: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AppraisalSource {
    pub id: String,
    /// As written, relative to the deal file's folder.
    pub file: String,
    /// Model agency id → deal party id, where they differ.
    pub parties: BTreeMap<String, String>,
    /// Whether the deal balance counts this appraisal.
    pub in_balance: bool,
    #[serde(skip)]
    pub location: Location,
    #[serde(skip)]
    pub file_location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct LedgerSource {
    pub id: String,
    pub journals: Vec<String>,
    #[serde(skip)]
    pub location: Location,
    #[serde(skip)]
    pub journal_locations: Vec<Location>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MeasurementSource {
    pub id: String,
    pub file: String,
    #[serde(skip)]
    pub location: Location,
    #[serde(skip)]
    pub file_location: Location,
}

/// What kind of source an evidence link reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Appraisal,
    Ledger,
    Measurement,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Appraisal => "appraisal",
            SourceKind::Ledger => "ledger",
            SourceKind::Measurement => "measurement",
        }
    }
}

/// The ledger reports a link can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LedgerReport {
    Monitoring,
    IncomeExpenditure,
    Partners,
    AnnualReturn,
    Accounts,
    Balances,
}

impl LedgerReport {
    pub const ALL: [(&'static str, LedgerReport); 6] = [
        ("monitoring", LedgerReport::Monitoring),
        ("income-expenditure", LedgerReport::IncomeExpenditure),
        ("partners", LedgerReport::Partners),
        ("annual-return", LedgerReport::AnnualReturn),
        ("accounts", LedgerReport::Accounts),
        ("balances", LedgerReport::Balances),
    ];

    pub fn as_str(self) -> &'static str {
        LedgerReport::ALL
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("", |(s, _)| s)
    }
}

/// How a figure reads in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    Pounds,
    Ratio,
    Percent,
    Number,
}

impl Show {
    fn parse(s: &str) -> Option<Show> {
        match s {
            "pounds" => Some(Show::Pounds),
            "ratio" => Some(Show::Ratio),
            "percent" => Some(Show::Percent),
            "number" => Some(Show::Number),
            _ => None,
        }
    }

    /// What a figure most likely is from the last part of its path: a
    /// return is a ratio, a rate or share a percentage, anything else pounds.
    pub fn guess(figure: &str) -> Show {
        let last = figure.rsplit('.').next().unwrap_or(figure);
        if last.ends_with("roi") || last.ends_with("ratio") {
            Show::Ratio
        } else if last.ends_with("share")
            || last.ends_with("rate")
            || last.ends_with("share_of_cash")
        {
            Show::Percent
        } else if last.ends_with("year")
            || last.ends_with("years")
            || last == "starters"
            || last.ends_with("count")
        {
            Show::Number
        } else {
            Show::Pounds
        }
    }
}

/// A figure the deal relies on, and where it comes from.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceLink {
    pub id: String,
    pub description: Option<String>,
    /// The id of an appraisal, ledger or measurement source.
    pub source: String,
    pub kind: SourceKind,
    /// The path of the figure in the source's results.
    pub figure: String,
    pub report: Option<LedgerReport>,
    /// A ledger report's period (`2025/26 M12`) or year (`2025/26`).
    pub period: Option<String>,
    /// The figure as the deal quotes it: when the source now gives another,
    /// the deal is stale.
    pub quoted: Option<f64>,
    pub show: Show,
    #[serde(skip)]
    pub location: Location,
    #[serde(skip)]
    pub figure_location: Location,
    /// Byte spans in the deal text, for rewriting the pin.
    #[serde(skip)]
    pub quoted_span: Option<Range<usize>>,
    #[serde(skip)]
    pub figure_span: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// An outcome the place commits to and gateways test.
#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub baseline: Option<f64>,
    /// An evidence link giving the metric's latest value.
    pub current: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Proposed,
    Agreed,
    Declined,
    Withdrawn,
}

impl Status {
    const ALL: [(&'static str, Status); 5] = [
        ("draft", Status::Draft),
        ("proposed", Status::Proposed),
        ("agreed", Status::Agreed),
        ("declined", Status::Declined),
        ("withdrawn", Status::Withdrawn),
    ];

    pub fn as_str(self) -> &'static str {
        Status::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Ask {
    pub id: String,
    pub theme: String,
    /// The catalogue ask it is an instance of.
    pub catalogue: Option<String>,
    /// May quote evidence as `{link-id}`.
    pub text: String,
    pub barriers: Vec<String>,
    /// Who is asked (counterparty ids).
    pub of: Vec<String>,
    pub evidence: Vec<String>,
    /// Ids of the financial terms it requests.
    pub terms: Vec<String>,
    /// Requested terms in words.
    pub request: Option<String>,
    pub status: Status,
}

#[derive(Clone, Debug, Serialize)]
pub struct Offer {
    pub id: String,
    pub theme: String,
    pub catalogue: Option<String>,
    /// May quote evidence as `{link-id}`.
    pub commitment: String,
    pub enablers: Vec<String>,
    /// Partner ids making the offer.
    pub by_partners: Vec<String>,
    pub metric: Option<String>,
    pub target: Option<f64>,
    /// The year the target is for.
    pub by: Option<FinancialYear>,
    pub evidence: Vec<String>,
    pub status: Status,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShareKind {
    /// A share of the savings landing on a department.
    GainShare,
    /// A share of the extra tax or national savings, earned back by a place
    /// that invested first.
    EarnBack,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::GainShare => "gain-share",
            ShareKind::EarnBack => "earn-back",
        }
    }
}

/// Part of a central party's fiscal benefit returned to the place: `share`
/// of each year's benefit, at most `annual_cap` a year, for `years` years
/// from `from`.
#[derive(Clone, Debug, Serialize)]
pub struct ShareTerm {
    pub id: String,
    pub kind: ShareKind,
    pub department: String,
    pub share: f64,
    pub annual_cap: Option<f64>,
    pub years: usize,
    /// The first year paid (default: the balance's first year).
    pub from: Option<FinancialYear>,
    #[serde(skip)]
    pub location: Location,
}

/// Money paid up front by a central party.
#[derive(Clone, Debug, Serialize)]
pub struct Investment {
    pub id: String,
    pub from: String,
    /// A partner; none means the place, shared as the terms' recipients.
    pub to: Option<String>,
    pub amount: f64,
    pub year: FinancialYear,
}

/// Money released on passing a gateway review.
#[derive(Clone, Debug, Serialize)]
pub struct Tranche {
    pub id: String,
    pub from: String,
    pub to: Option<String>,
    pub amount: f64,
    pub year: FinancialYear,
    pub gateway: Gateway,
    pub conditions: Option<String>,
}

/// A gateway review: the metric must reach the threshold (at or above it
/// when higher is better, at or below when lower is).
#[derive(Clone, Debug, Serialize)]
pub struct Gateway {
    pub metric: String,
    pub threshold: f64,
    pub review: Option<FinancialYear>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Terms {
    /// The discount schedule for the balance (`standard`).
    pub discount_schedule: String,
    /// How money paid to the place is shared between its partners; empty:
    /// in proportion to the costs each bears in the balanced appraisals.
    pub recipients: Vec<(String, f64)>,
    pub shares: Vec<ShareTerm>,
    pub investments: Vec<Investment>,
    pub tranches: Vec<Tranche>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReadinessSpec {
    /// Response files, relative to the deal's folder.
    pub responses: Vec<String>,
    /// Partners disagree on an item when their scores differ by this much.
    pub disagreement: f64,
    #[serde(skip)]
    pub response_locations: Vec<Location>,
}

impl Deal {
    pub fn partner(&self, id: &str) -> Option<&Party> {
        self.partners.iter().find(|p| p.id == id)
    }

    pub fn counterparty(&self, id: &str) -> Option<&Party> {
        self.counterparties.iter().find(|p| p.id == id)
    }

    pub fn party_name(&self, id: &str) -> String {
        self.partner(id)
            .or_else(|| self.counterparty(id))
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    pub fn link(&self, id: &str) -> Option<&EvidenceLink> {
        self.evidence.iter().find(|e| e.id == id)
    }

    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.id == id)
    }
}

// ---------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    deal: S<RawHeader>,
    #[serde(default)]
    partner: Vec<S<RawParty>>,
    #[serde(default)]
    counterparty: Vec<S<RawParty>>,
    #[serde(default)]
    appraisal: Vec<S<RawAppraisal>>,
    #[serde(default)]
    ledger: Vec<S<RawLedger>>,
    #[serde(default)]
    measurement: Vec<S<RawMeasurement>>,
    #[serde(default)]
    evidence: Vec<S<RawEvidence>>,
    #[serde(default)]
    metric: Vec<S<RawMetric>>,
    #[serde(default)]
    ask: Vec<S<RawAsk>>,
    #[serde(default)]
    offer: Vec<S<RawOffer>>,
    terms: Option<S<RawTerms>>,
    readiness: Option<S<RawReadiness>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: S<String>,
    place: S<String>,
    date: Option<S<String>>,
    summary: Option<S<String>>,
    catalogue: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParty {
    id: S<String>,
    name: Option<S<String>>,
    kind: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppraisal {
    id: S<String>,
    file: S<String>,
    #[serde(default)]
    parties: BTreeMap<S<String>, S<String>>,
    balance: Option<S<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLedger {
    id: S<String>,
    journals: S<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasurement {
    id: S<String>,
    file: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    id: S<String>,
    description: Option<S<String>>,
    source: S<String>,
    figure: S<String>,
    report: Option<S<String>>,
    period: Option<S<String>>,
    quoted: Option<S<f64>>,
    show: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    id: S<String>,
    name: Option<S<String>>,
    unit: Option<S<String>>,
    direction: S<String>,
    baseline: Option<S<Value>>,
    current: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsk {
    id: S<String>,
    theme: S<String>,
    catalogue: Option<S<String>>,
    text: S<String>,
    #[serde(default)]
    barriers: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    of: Vec<S<String>>,
    #[serde(default)]
    evidence: Vec<S<String>>,
    #[serde(default)]
    terms: Vec<S<String>>,
    request: Option<S<String>>,
    status: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffer {
    id: S<String>,
    theme: S<String>,
    catalogue: Option<S<String>>,
    commitment: S<String>,
    #[serde(default)]
    enablers: Vec<S<String>>,
    #[serde(default)]
    by_partners: Vec<S<String>>,
    metric: Option<S<String>>,
    target: Option<S<Value>>,
    by: Option<S<String>>,
    #[serde(default)]
    evidence: Vec<S<String>>,
    status: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerms {
    discount_schedule: Option<S<String>>,
    #[serde(default)]
    recipients: BTreeMap<S<String>, S<Value>>,
    #[serde(default)]
    gain_share: Vec<S<RawShareTerm>>,
    #[serde(default)]
    earn_back: Vec<S<RawShareTerm>>,
    #[serde(default)]
    investment: Vec<S<RawInvestment>>,
    #[serde(default)]
    tranche: Vec<S<RawTranche>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShareTerm {
    id: S<String>,
    department: S<String>,
    share: S<Value>,
    annual_cap: Option<S<Value>>,
    years: S<i64>,
    from: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvestment {
    id: S<String>,
    from: S<String>,
    to: Option<S<String>>,
    amount: S<Value>,
    year: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranche {
    id: S<String>,
    from: S<String>,
    to: Option<S<String>>,
    amount: S<Value>,
    year: S<String>,
    conditions: Option<S<String>>,
    gateway: S<RawGateway>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGateway {
    metric: S<String>,
    threshold: S<Value>,
    review: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReadiness {
    responses: S<Vec<S<String>>>,
    disagreement: Option<S<Value>>,
}

/// The catalogue a deal names, if any: its path as written (relative to the
/// deal's folder) and where it is named.
pub fn catalogue_of(file: &str, text: &str) -> Result<Option<(String, Location)>, InputError> {
    let index = LineIndex::new(file, text);
    let raw: Raw = parse_toml(&index, text)?;
    Ok(raw
        .deal
        .get_ref()
        .catalogue
        .as_ref()
        .map(|c| (c.get_ref().clone(), index.location(c.span().start))))
}

/// Reads and checks a deal file against its catalogue.
pub fn read_deal(file: &str, text: &str, catalogue: &Catalogue) -> Result<Deal, InputError> {
    let index = LineIndex::new(file, text);
    let raw: Raw = parse_toml(&index, text)?;
    let mut r = Reader {
        c: Checker::new(&index),
        index: &index,
        catalogue,
        ids: HashMap::new(),
    };
    let deal = r.deal(file, &raw);
    r.c.finish()?;
    Ok(deal)
}

/// Placeholders `{id}` in a text: (id, byte offset of the brace within the
/// text).
pub fn placeholders(text: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push((&after[..close], base + open));
                base += open + 1 + close + 1;
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

struct Reader<'a> {
    c: Checker<'a>,
    index: &'a LineIndex,
    catalogue: &'a Catalogue,
    /// Every id declared, by kind ("partner", "evidence", …), for duplicates.
    ids: HashMap<&'static str, HashSet<String>>,
}

impl Reader<'_> {
    fn loc(&self, span: Range<usize>) -> Location {
        self.index.location(span.start)
    }

    /// A new id of a kind: checked for form and uniqueness.
    fn declare(&mut self, s: &S<String>, kind: &'static str) -> Option<String> {
        let id = self.c.identifier(s, &format!("the {kind} id"))?;
        if !self.ids.entry(kind).or_default().insert(id.clone()) {
            self.c
                .error(s.span(), format!("{kind} '{id}' is declared twice"));
        }
        Some(id)
    }

    fn known(&self, kind: &'static str, id: &str) -> bool {
        self.ids.get(kind).is_some_and(|s| s.contains(id))
    }

    fn list(&self, kind: &'static str) -> String {
        let mut ids: Vec<&String> = self
            .ids
            .get(kind)
            .map_or(Vec::new(), |s| s.iter().collect());
        ids.sort();
        if ids.is_empty() {
            format!("a {kind} declared in the deal (there are none)")
        } else {
            format!(
                "a {kind} of the deal: {}",
                ids.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// A reference to an id declared elsewhere in the deal.
    fn refer(&mut self, s: &S<String>, kind: &'static str) -> Option<String> {
        if self.known(kind, s.get_ref()) {
            Some(s.get_ref().clone())
        } else {
            let expected = self.list(kind);
            self.c.error_expected(
                s.span(),
                format!("unknown {kind} '{}'", s.get_ref()),
                expected,
            );
            None
        }
    }

    /// A reference to a local partner or a central party.
    fn party(&mut self, s: &S<String>, what: &str) -> Option<String> {
        let id = s.get_ref();
        if self.known("partner", id) || self.known("counterparty", id) {
            Some(id.clone())
        } else {
            let mut all: Vec<String> = ["partner", "counterparty"]
                .iter()
                .flat_map(|k| self.ids.get(k).into_iter().flatten().cloned())
                .collect();
            all.sort();
            self.c.error_expected(
                s.span(),
                format!("{what}: unknown party '{id}'"),
                format!("a partner or counterparty of the deal: {}", all.join(", ")),
            );
            None
        }
    }

    fn status(&mut self, s: &Option<S<String>>) -> Status {
        let Some(s) = s else {
            return Status::Draft;
        };
        match Status::ALL.iter().find(|(n, _)| n == s.get_ref()) {
            Some((_, st)) => *st,
            None => {
                self.c.error_expected(
                    s.span(),
                    format!("unknown status '{}'", s.get_ref()),
                    "draft, proposed, agreed, declined or withdrawn",
                );
                Status::Draft
            }
        }
    }

    /// Text that may quote evidence as `{link-id}`.
    fn quoting_text(&mut self, s: &S<String>, what: &str) -> String {
        let text = self.c.text(s, what).unwrap_or_default();
        for (id, _) in placeholders(s.get_ref()) {
            if !self.known("evidence", id) {
                let expected = self.list("evidence");
                self.c.error_expected(
                    s.span(),
                    format!("{what} quotes unknown evidence '{{{id}}}'"),
                    expected,
                );
            }
        }
        text
    }

    fn deal(&mut self, file: &str, raw: &Raw) -> Deal {
        let h = raw.deal.get_ref();
        let name = self.c.text(&h.name, "the deal's name").unwrap_or_default();
        let place = self.c.text(&h.place, "the place").unwrap_or_default();
        let date = h.date.as_ref().and_then(|d| self.c.text(d, "the date"));
        let summary = h
            .summary
            .as_ref()
            .and_then(|s| self.c.text(s, "the summary"));

        let parties = |r: &mut Self, list: &[S<RawParty>], kind: &'static str| {
            list.iter()
                .filter_map(|p| {
                    let p = p.get_ref();
                    let id = r.declare(&p.id, kind)?;
                    Some(Party {
                        name: p
                            .name
                            .as_ref()
                            .and_then(|n| r.c.text(n, "the name"))
                            .unwrap_or_else(|| id.clone()),
                        kind: p.kind.as_ref().and_then(|k| r.c.text(k, "the kind")),
                        id,
                    })
                })
                .collect::<Vec<_>>()
        };
        let partners = parties(self, &raw.partner, "partner");
        let counterparties = parties(self, &raw.counterparty, "counterparty");
        for c in &raw.counterparty {
            let id = c.get_ref().id.get_ref();
            if self.known("partner", id) {
                self.c.error(
                    c.get_ref().id.span(),
                    format!("'{id}' is both a partner and a counterparty"),
                );
            }
        }
        if partners.is_empty() {
            self.c.error_expected(
                raw.deal.span(),
                "the deal has no partners",
                "[[partner]] entries for the place's public bodies",
            );
        }

        let appraisals = raw
            .appraisal
            .iter()
            .filter_map(|a| {
                let loc = self.loc(a.span());
                let a = a.get_ref();
                let id = self.declare(&a.id, "source")?;
                let mut map = BTreeMap::new();
                for (agency, party) in &a.parties {
                    if let Some(p) = self.party(party, "the appraisal's parties") {
                        map.insert(agency.get_ref().clone(), p);
                    }
                }
                Some(AppraisalSource {
                    id,
                    file: a.file.get_ref().clone(),
                    parties: map,
                    in_balance: a.balance.as_ref().is_none_or(|b| *b.get_ref()),
                    location: loc,
                    file_location: self.loc(a.file.span()),
                })
            })
            .collect::<Vec<_>>();
        let ledgers = raw
            .ledger
            .iter()
            .filter_map(|l| {
                let loc = self.loc(l.span());
                let l = l.get_ref();
                let id = self.declare(&l.id, "source")?;
                if l.journals.get_ref().is_empty() {
                    self.c
                        .error(l.journals.span(), "the ledger lists no journals");
                }
                Some(LedgerSource {
                    id,
                    journals: l
                        .journals
                        .get_ref()
                        .iter()
                        .map(|j| j.get_ref().clone())
                        .collect(),
                    journal_locations: l
                        .journals
                        .get_ref()
                        .iter()
                        .map(|j| self.loc(j.span()))
                        .collect(),
                    location: loc,
                })
            })
            .collect::<Vec<_>>();
        let measurements = raw
            .measurement
            .iter()
            .filter_map(|m| {
                let loc = self.loc(m.span());
                let m = m.get_ref();
                let id = self.declare(&m.id, "source")?;
                Some(MeasurementSource {
                    id,
                    file: m.file.get_ref().clone(),
                    location: loc,
                    file_location: self.loc(m.file.span()),
                })
            })
            .collect::<Vec<_>>();
        let kind_of: HashMap<&str, SourceKind> = appraisals
            .iter()
            .map(|a| (a.id.as_str(), SourceKind::Appraisal))
            .chain(ledgers.iter().map(|l| (l.id.as_str(), SourceKind::Ledger)))
            .chain(
                measurements
                    .iter()
                    .map(|m| (m.id.as_str(), SourceKind::Measurement)),
            )
            .collect();

        // Evidence ids first, so texts may quote links declared after them.
        for e in &raw.evidence {
            self.declare(&e.get_ref().id, "evidence");
        }
        let evidence = raw
            .evidence
            .iter()
            .filter_map(|e| self.evidence(e, &kind_of))
            .collect::<Vec<_>>();

        let metrics = raw
            .metric
            .iter()
            .filter_map(|m| {
                let m = m.get_ref();
                let id = self.declare(&m.id, "metric")?;
                let direction = match m.direction.get_ref().as_str() {
                    "higher" | "higher-is-better" => Direction::HigherIsBetter,
                    "lower" | "lower-is-better" => Direction::LowerIsBetter,
                    other => {
                        self.c.error_expected(
                            m.direction.span(),
                            format!("unknown direction '{other}'"),
                            "\"higher\" or \"lower\" (which is better)",
                        );
                        Direction::HigherIsBetter
                    }
                };
                Some(Metric {
                    name: m
                        .name
                        .as_ref()
                        .and_then(|n| self.c.text(n, "the name"))
                        .unwrap_or_else(|| id.clone()),
                    unit: m
                        .unit
                        .as_ref()
                        .and_then(|u| self.c.text(u, "the unit"))
                        .unwrap_or_default(),
                    direction,
                    baseline: m
                        .baseline
                        .as_ref()
                        .and_then(|b| self.c.number(b, "the baseline")),
                    current: m.current.as_ref().and_then(|c| self.refer(c, "evidence")),
                    id,
                })
            })
            .collect::<Vec<_>>();

        let terms = match &raw.terms {
            Some(t) => {
                let mut terms = self.terms(t.get_ref());
                // In the deal's order of partners, not the file's order of keys.
                let at = |p: &str| partners.iter().position(|x| x.id == p);
                terms.recipients.sort_by_key(|(p, _)| at(p));
                terms
            }
            None => Terms {
                discount_schedule: "standard".into(),
                ..Terms::default()
            },
        };

        let asks = raw.ask.iter().filter_map(|a| self.ask(a)).collect();
        let offers = raw.offer.iter().filter_map(|o| self.offer(o)).collect();
        let readiness = raw.readiness.as_ref().map(|r| {
            let r = r.get_ref();
            if r.responses.get_ref().is_empty() {
                self.c
                    .error(r.responses.span(), "readiness lists no response files");
            }
            let disagreement = match &r.disagreement {
                Some(d) => match self.c.number(d, "the disagreement threshold") {
                    Some(x) if x > 0.0 => x,
                    Some(x) => {
                        self.c.error_expected(
                            d.span(),
                            format!("the disagreement threshold is {x}"),
                            "a difference in scores above 0, such as 2",
                        );
                        2.0
                    }
                    None => 2.0,
                },
                None => 2.0,
            };
            ReadinessSpec {
                responses: r
                    .responses
                    .get_ref()
                    .iter()
                    .map(|s| s.get_ref().clone())
                    .collect(),
                response_locations: r
                    .responses
                    .get_ref()
                    .iter()
                    .map(|s| self.loc(s.span()))
                    .collect(),
                disagreement,
            }
        });

        Deal {
            file: file.to_string(),
            name,
            place,
            date,
            summary,
            partners,
            counterparties,
            appraisals,
            ledgers,
            measurements,
            evidence,
            metrics,
            asks,
            offers,
            terms,
            readiness,
        }
    }

    fn evidence(
        &mut self,
        e: &S<RawEvidence>,
        kind_of: &HashMap<&str, SourceKind>,
    ) -> Option<EvidenceLink> {
        let location = self.loc(e.span());
        let r = e.get_ref();
        let id = r.id.get_ref().clone();
        let Some(&kind) = kind_of.get(r.source.get_ref().as_str()) else {
            let mut ids: Vec<&&str> = kind_of.keys().collect();
            ids.sort();
            self.c.error_expected(
                r.source.span(),
                format!("evidence '{id}': unknown source '{}'", r.source.get_ref()),
                format!(
                    "an [[appraisal]], [[ledger]] or [[measurement]] id{}",
                    if ids.is_empty() {
                        " (the deal declares none)".to_string()
                    } else {
                        format!(
                            ": {}",
                            ids.iter().map(|s| **s).collect::<Vec<_>>().join(", ")
                        )
                    }
                ),
            );
            return None;
        };
        let figure = r.figure.get_ref().trim().to_string();
        if figure.is_empty() {
            self.c
                .error(r.figure.span(), format!("evidence '{id}' names no figure"));
        }
        let report = match (&r.report, kind) {
            (Some(s), SourceKind::Ledger) => {
                match LedgerReport::ALL.iter().find(|(n, _)| n == s.get_ref()) {
                    Some((_, rep)) => Some(*rep),
                    None => {
                        self.c.error_expected(
                            s.span(),
                            format!("unknown ledger report '{}'", s.get_ref()),
                            "monitoring, income-expenditure, partners, annual-return, accounts or balances",
                        );
                        None
                    }
                }
            }
            (None, SourceKind::Ledger) => {
                self.c.error_expected(
                    e.span(),
                    format!("evidence '{id}' reads a ledger but names no report"),
                    "report = \"income-expenditure\" (or monitoring, partners, annual-return, accounts, balances)",
                );
                None
            }
            (Some(s), _) => {
                self.c.error(
                    s.span(),
                    format!("evidence '{id}': only ledger links name a report"),
                );
                None
            }
            (None, _) => None,
        };
        if let (Some(p), k) = (&r.period, kind)
            && k != SourceKind::Ledger
        {
            self.c.error(
                p.span(),
                format!("evidence '{id}': only ledger links name a period"),
            );
        }
        let show = match &r.show {
            Some(s) => Show::parse(s.get_ref()).unwrap_or_else(|| {
                self.c.error_expected(
                    s.span(),
                    format!("unknown display '{}'", s.get_ref()),
                    "pounds, ratio, percent or number",
                );
                Show::Pounds
            }),
            None => Show::guess(&figure),
        };
        Some(EvidenceLink {
            id,
            description: r
                .description
                .as_ref()
                .and_then(|d| self.c.text(d, "the description")),
            source: r.source.get_ref().clone(),
            kind,
            figure,
            report,
            period: r.period.as_ref().map(|p| p.get_ref().trim().to_string()),
            quoted: r.quoted.as_ref().map(|q| *q.get_ref()),
            show,
            location,
            figure_location: self.loc(r.figure.span()),
            quoted_span: r.quoted.as_ref().map(|q| q.span()),
            figure_span: r.figure.span(),
        })
    }

    fn evidence_refs(&mut self, list: &[S<String>]) -> Vec<String> {
        list.iter()
            .filter_map(|e| self.refer(e, "evidence"))
            .collect()
    }

    fn ask(&mut self, a: &S<RawAsk>) -> Option<Ask> {
        let span = a.span();
        let a = a.get_ref();
        let id = self.declare(&a.id, "ask")?;
        let catalogue = a.catalogue.as_ref().and_then(|c| {
            if self.catalogue.ask(c.get_ref()).is_some() {
                Some(c.get_ref().clone())
            } else {
                let ids: Vec<&str> = self.catalogue.asks.iter().map(|a| a.id.as_str()).collect();
                self.c.error_expected(
                    c.span(),
                    format!("ask '{id}': unknown catalogue ask '{}'", c.get_ref()),
                    format!("an ask of the catalogue: {}", ids.join(", ")),
                );
                None
            }
        });
        let barriers = match &a.barriers {
            Some(b) if !b.get_ref().is_empty() => b
                .get_ref()
                .iter()
                .filter_map(|b| {
                    if self.catalogue.barrier(b.get_ref()).is_some() {
                        Some(b.get_ref().clone())
                    } else {
                        self.c.error_expected(
                            b.span(),
                            format!("ask '{id}': unknown barrier '{}'", b.get_ref()),
                            format!(
                                "a barrier of the catalogue: {}",
                                Catalogue::ids(&self.catalogue.barriers)
                            ),
                        );
                        None
                    }
                })
                .collect(),
            Some(b) => {
                self.c.error_expected(
                    b.span(),
                    format!("ask '{id}' tackles no barrier"),
                    "barriers = [\"...\"]: every ask tackles at least one barrier of the catalogue",
                );
                Vec::new()
            }
            None => {
                self.c.error_expected(
                    span,
                    format!("ask '{id}' tackles no barrier"),
                    "barriers = [\"...\"]: every ask tackles at least one barrier of the catalogue",
                );
                Vec::new()
            }
        };
        let of =
            a.of.iter()
                .filter_map(|c| self.refer(c, "counterparty"))
                .collect();
        let evidence = self.evidence_refs(&a.evidence);
        let terms = a
            .terms
            .iter()
            .filter_map(|t| self.refer(t, "term"))
            .collect();
        Some(Ask {
            theme: self.c.text(&a.theme, "the theme").unwrap_or_default(),
            catalogue,
            text: self.quoting_text(&a.text, &format!("ask '{id}'")),
            barriers,
            of,
            evidence,
            terms,
            request: a
                .request
                .as_ref()
                .map(|r| self.quoting_text(r, &format!("ask '{id}'"))),
            status: self.status(&a.status),
            id,
        })
    }

    fn offer(&mut self, o: &S<RawOffer>) -> Option<Offer> {
        let o = o.get_ref();
        let id = self.declare(&o.id, "offer")?;
        let catalogue = o.catalogue.as_ref().and_then(|c| {
            if self.catalogue.offer(c.get_ref()).is_some() {
                Some(c.get_ref().clone())
            } else {
                let ids: Vec<&str> = self
                    .catalogue
                    .offers
                    .iter()
                    .map(|o| o.id.as_str())
                    .collect();
                self.c.error_expected(
                    c.span(),
                    format!("offer '{id}': unknown catalogue offer '{}'", c.get_ref()),
                    format!("an offer of the catalogue: {}", ids.join(", ")),
                );
                None
            }
        });
        let mut enablers: Vec<String> = o
            .enablers
            .iter()
            .filter_map(|e| {
                if self.catalogue.enabler(e.get_ref()).is_some() {
                    Some(e.get_ref().clone())
                } else {
                    self.c.error_expected(
                        e.span(),
                        format!("offer '{id}': unknown enabler '{}'", e.get_ref()),
                        format!(
                            "an enabler of the catalogue: {}",
                            Catalogue::ids(&self.catalogue.enablers)
                        ),
                    );
                    None
                }
            })
            .collect();
        // An offer that names only its catalogue entry draws on that entry's
        // enablers.
        if enablers.is_empty()
            && let Some(c) = catalogue.as_deref().and_then(|c| self.catalogue.offer(c))
        {
            enablers = c.enablers.clone();
        }
        let by_partners = o
            .by_partners
            .iter()
            .filter_map(|p| self.refer(p, "partner"))
            .collect();
        let metric = o.metric.as_ref().and_then(|m| self.refer(m, "metric"));
        let target = o
            .target
            .as_ref()
            .and_then(|t| self.c.number(t, "the target"));
        if metric.is_some() != target.is_some() {
            let span = o.metric.as_ref().map_or_else(|| o.id.span(), |m| m.span());
            self.c.error_expected(
                span,
                format!(
                    "offer '{id}' gives a metric without a target, or a target without a metric"
                ),
                "both metric and target, or neither",
            );
        }
        let by = o.by.as_ref().and_then(|b| self.c.year(b, "by"));
        let evidence = self.evidence_refs(&o.evidence);
        Some(Offer {
            theme: self.c.text(&o.theme, "the theme").unwrap_or_default(),
            catalogue,
            commitment: self.quoting_text(&o.commitment, &format!("offer '{id}'")),
            enablers,
            by_partners,
            metric,
            target,
            by,
            evidence,
            status: self.status(&o.status),
            id,
        })
    }

    fn terms(&mut self, t: &RawTerms) -> Terms {
        let discount_schedule = t
            .discount_schedule
            .as_ref()
            .map_or_else(|| "standard".to_string(), |s| s.get_ref().clone());
        if let Some(s) = &t.discount_schedule
            && oneplace_refdata::ReferenceData::embedded()
                .discount_schedule(s.get_ref())
                .is_none()
        {
            self.c.error_expected(
                s.span(),
                format!("unknown discount schedule '{}'", s.get_ref()),
                "standard, health or no-pure-time-preference-sensitivity",
            );
        }
        let mut recipients = Vec::new();
        let mut total = 0.0;
        let mut first_span = None;
        for (p, v) in &t.recipients {
            first_span.get_or_insert(p.span());
            let partner = self.refer(p, "partner");
            let share = self.c.share(v, &format!("{}'s share", p.get_ref()));
            if let (Some(p), Some(s)) = (partner, share) {
                total += s;
                recipients.push((p, s));
            }
        }
        if !recipients.is_empty() && (total - 1.0).abs() > 1e-9 {
            self.c.error_expected(
                first_span.unwrap_or_default(),
                format!(
                    "the recipients' shares add up to {}%",
                    oneplace_core::toml_input::trim_number(total * 100.0)
                ),
                "shares that add up to 100%",
            );
        }
        // Term ids are shared by every kind, so an ask can name any of them.
        let mut shares = Vec::new();
        for (list, kind) in [
            (&t.gain_share, ShareKind::GainShare),
            (&t.earn_back, ShareKind::EarnBack),
        ] {
            for s in list {
                let location = self.loc(s.span());
                let s = s.get_ref();
                let id = self.declare(&s.id, "term");
                let department = self.refer(&s.department, "counterparty");
                let share = self
                    .c
                    .share(&s.share, &format!("the {} share", kind.as_str()));
                let annual_cap = s
                    .annual_cap
                    .as_ref()
                    .and_then(|c| self.c.money(c, "the annual cap").map(|m| m.to_pounds_f64()));
                let years = *s.years.get_ref();
                if !(1..=200).contains(&years) {
                    self.c.error_expected(
                        s.years.span(),
                        format!("the {} lasts {years} years", kind.as_str()),
                        "a number of years from 1 to 200",
                    );
                }
                let from = s.from.as_ref().and_then(|f| self.c.year(f, "from"));
                if let (Some(id), Some(department), Some(share)) = (id, department, share) {
                    shares.push(ShareTerm {
                        id,
                        kind,
                        department,
                        share,
                        annual_cap,
                        years: years.clamp(1, 200) as usize,
                        from,
                        location,
                    });
                }
            }
        }
        let investments = t
            .investment
            .iter()
            .filter_map(|i| {
                let i = i.get_ref();
                let id = self.declare(&i.id, "term");
                let from = self.refer(&i.from, "counterparty");
                let to = i.to.as_ref().map(|p| self.refer(p, "partner"));
                let amount = self
                    .c
                    .money(&i.amount, "the amount")
                    .map(|m| m.to_pounds_f64());
                let year = self.c.year(&i.year, "the year");
                Some(Investment {
                    id: id?,
                    from: from?,
                    to: to.map_or(Some(None), |t| t.map(Some))?,
                    amount: amount?,
                    year: year?,
                })
            })
            .collect();
        let tranches = t
            .tranche
            .iter()
            .filter_map(|tr| {
                let tr = tr.get_ref();
                let id = self.declare(&tr.id, "term");
                let from = self.refer(&tr.from, "counterparty");
                let to = tr.to.as_ref().map(|p| self.refer(p, "partner"));
                let amount = self
                    .c
                    .money(&tr.amount, "the amount")
                    .map(|m| m.to_pounds_f64());
                let year = self.c.year(&tr.year, "the year");
                let g = tr.gateway.get_ref();
                let metric = self.refer(&g.metric, "metric");
                let threshold = self.c.number(&g.threshold, "the gateway's threshold");
                let review = g.review.as_ref().and_then(|r| self.c.year(r, "the review"));
                let conditions = tr
                    .conditions
                    .as_ref()
                    .and_then(|c| self.c.text(c, "the conditions"));
                Some(Tranche {
                    id: id?,
                    from: from?,
                    to: to.map_or(Some(None), |t| t.map(Some))?,
                    amount: amount?,
                    year: year?,
                    gateway: Gateway {
                        metric: metric?,
                        threshold: threshold?,
                        review,
                    },
                    conditions,
                })
            })
            .collect();
        Terms {
            discount_schedule,
            recipients,
            shares,
            investments,
            tranches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_with_their_offsets() {
        assert_eq!(
            placeholders("save {dwp-pv} and {nhs} a year {"),
            vec![("dwp-pv", 5), ("nhs", 18)]
        );
        assert!(placeholders("no figures").is_empty());
    }
}
