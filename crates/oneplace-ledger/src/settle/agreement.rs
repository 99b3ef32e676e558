//! The agreement file: parsed with spans, validated against the ledger.

use std::collections::BTreeMap;

use oneplace_core::{Diagnostic, FinancialYear, InputError, LineIndex, Money};
use serde::Deserialize;
use toml::Spanned;

use crate::model::{Id, Ledger};
use crate::toml_input::{Checker, Value, parse_toml};

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    agreement: Option<S<RawHeader>>,
    risk_pool: Option<S<RawRiskPool>>,
    overspend: Option<S<RawOverspend>>,
    underspend: Option<S<RawUnderspend>>,
    protection: Option<S<RawProtection>>,
    #[serde(default)]
    performance: Vec<S<RawPerformance>>,
    #[serde(default)]
    rule: Vec<S<RawRule>>,
    settlement: Option<S<RawSettlement>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<S<String>>,
    year: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRiskPool {
    amount: S<Value>,
    shares: S<BTreeMap<S<String>, S<Value>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverspend {
    waterfall: S<Vec<S<String>>>,
    #[serde(default)]
    uncommitted: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnderspend {
    default: Option<S<String>>,
    #[serde(default)]
    management_action: Vec<S<String>>,
    #[serde(default)]
    ring_fenced_sources: Vec<S<String>>,
    #[serde(default)]
    retained_by: BTreeMap<S<String>, S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtection {
    partner: S<String>,
    after: S<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerformance {
    partner: S<String>,
    pot: S<Value>,
    metric: Option<S<String>>,
    baseline: Option<S<f64>>,
    target: S<f64>,
    actual: S<f64>,
    release: S<String>,
    threshold: Option<S<Value>>,
}

// Untagged enums buffer their content, which loses the spans inside: their
// parts are located at the field's own span.
#[derive(Deserialize)]
#[serde(untagged)]
enum Schemes {
    All(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawShare {
    Named(String),
    Split(BTreeMap<String, Value>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLead {
    partner: S<String>,
    absorbs: S<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    schemes: S<Schemes>,
    share: S<RawShare>,
    cap: Option<S<Value>>,
    caps: Option<S<BTreeMap<S<String>, S<Value>>>>,
    excess: Option<S<String>>,
    lead: Option<S<RawLead>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettlement {
    account: Option<S<String>>,
    bank: Option<S<String>>,
    #[serde(default)]
    sources: BTreeMap<S<String>, S<String>>,
}

/// How a scheme's overspend is shared between partners.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Share {
    ProRata,
    Commissioner,
    Own,
    /// The host absorbs the variance (a fixed line).
    Fixed,
    /// Agreed basis points by partner, summing to 10,000.
    Split(Vec<(Id, u32)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Excess {
    Unfunded,
    ProRata,
}

/// The most a partner pays towards one scheme's overspend (R3), lead
/// absorption included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cap {
    /// Its contribution to the scheme.
    Contribution,
    /// A stated amount.
    Amount(Money),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Rule {
    /// `None`: every scheme not listed by an earlier rule.
    pub schemes: Option<Vec<Id>>,
    pub share: Share,
    /// The cap of every partner not named in `caps` (`cap = ...`).
    pub cap: Option<Cap>,
    /// Partners' own caps (`caps = { partner = ... }`).
    pub caps: Vec<(Id, Cap)>,
    pub excess: Excess,
    /// (partner, amount it absorbs first, across the rule's schemes)
    pub lead: Option<(Id, Money)>,
    pub index: usize,
}

impl Rule {
    /// The cap that applies to a partner, if any.
    pub fn cap_for(&self, partner: Id) -> Option<Cap> {
        self.caps
            .iter()
            .find(|(p, _)| *p == partner)
            .map(|(_, c)| *c)
            .or(self.cap)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Performance,
    Underspends,
    RiskPool,
    Uncommitted,
    Partners,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Performance => "performance",
            Step::Underspends => "underspends",
            Step::RiskPool => "risk-pool",
            Step::Uncommitted => "uncommitted",
            Step::Partners => "partners",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Release {
    AllOrNothing,
    Proportional,
    /// Proportional once achievement reaches the threshold (basis points).
    Threshold(u32),
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Performance {
    pub partner: Id,
    pub pot: Money,
    pub metric: String,
    pub baseline: Option<f64>,
    pub target: f64,
    pub actual: f64,
    pub release: Release,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Agreement {
    pub name: String,
    pub year: FinancialYear,
    pub risk_pool: Money,
    pub risk_pool_shares: Vec<(Id, u32)>,
    pub waterfall: Vec<Step>,
    /// Schemes whose allocations are held uncommitted: what they leave
    /// unspent meets overspends at the `uncommitted` step (R5).
    pub uncommitted: Vec<Id>,
    /// Windfall underspends are returned; management-action ones retained.
    pub management_action: Vec<Id>,
    pub windfall_by_default: bool,
    /// Who retains a management-action underspend, where it is not the
    /// scheme's commissioners (by their split).
    pub retained_by: Vec<(Id, Id)>,
    /// Sources left out of settlement: those the agreement lists and those
    /// the journal marks `ring-fence`.
    pub ring_fenced_sources: Vec<Id>,
    /// (protected partner, basis points the others fall first)
    pub protection: Option<(Id, u32)>,
    pub performance: Vec<Performance>,
    pub rules: Vec<Rule>,
    pub account: String,
    pub bank: String,
    /// The source each partner's settlement is posted against.
    pub sources: Vec<(Id, Id)>,
}

/// Parses and validates an agreement against the ledger it settles.
pub fn parse_agreement(name: &str, text: &str, ledger: &Ledger) -> Result<Agreement, InputError> {
    let index = LineIndex::new(name, text);
    let raw: Raw = parse_toml(&index, text)?;
    let mut v = Checker::new(&index, ledger);
    let Some(header) = &raw.agreement else {
        return Err(InputError::one(Diagnostic::new(
            index.whole(),
            "the agreement has no [agreement] section (name, year)",
        )));
    };
    let year = match FinancialYear::parse(header.get_ref().year.get_ref()) {
        Ok(y) => Some(y),
        Err(e) => {
            v.error_expected(
                header.get_ref().year.span(),
                e.to_string(),
                "a financial year such as 2025/26",
            );
            None
        }
    };
    let (risk_pool, risk_pool_shares) = match &raw.risk_pool {
        Some(rp) => {
            let amount = v.money(&rp.get_ref().amount, "the risk pool");
            let shares = v.shares(&rp.get_ref().shares, "risk pool shares");
            (amount.unwrap_or(Money::ZERO), shares.unwrap_or_default())
        }
        None => (Money::ZERO, Vec::new()),
    };
    let waterfall = match &raw.overspend {
        Some(o) => {
            let mut steps = Vec::new();
            for s in o.get_ref().waterfall.get_ref() {
                let step = match s.get_ref().as_str() {
                    "performance" => Step::Performance,
                    "underspends" => Step::Underspends,
                    "risk-pool" => Step::RiskPool,
                    "uncommitted" => Step::Uncommitted,
                    "partners" => Step::Partners,
                    other => {
                        v.error_expected(
                            s.span(),
                            format!("'{other}' is not a waterfall step"),
                            "performance, underspends, risk-pool, uncommitted or partners",
                        );
                        continue;
                    }
                };
                if steps.contains(&step) {
                    v.error_expected(
                        s.span(),
                        format!(
                            "the step '{}' is named twice: a waterfall cannot return to a step",
                            step.as_str()
                        ),
                        "each step once",
                    );
                    continue;
                }
                steps.push(step);
            }
            if !steps.contains(&Step::Partners) {
                v.error_expected(o.get_ref().waterfall.span(), "the waterfall never reaches the partners: what the other steps leave would be unassigned", "a waterfall ending with \"partners\"");
            }
            steps
        }
        None => vec![
            Step::Performance,
            Step::Underspends,
            Step::RiskPool,
            Step::Uncommitted,
            Step::Partners,
        ],
    };
    let uncommitted: Vec<Id> = match &raw.overspend {
        Some(o) => o
            .get_ref()
            .uncommitted
            .iter()
            .filter_map(|s| v.scheme(s))
            .collect(),
        None => Vec::new(),
    };
    // Money the agreement brings in must have a step that uses it.
    let missing = |step: Step| !waterfall.contains(&step);
    let waterfall_span = raw.overspend.as_ref().map(|o| o.get_ref().waterfall.span());
    if let Some(rp) = &raw.risk_pool
        && risk_pool > Money::ZERO
        && missing(Step::RiskPool)
    {
        v.error_expected(
            waterfall_span.clone().unwrap_or(rp.span()),
            format!(
                "the risk pool of {risk_pool} is not in the waterfall: how it is used would be unassigned"
            ),
            "\"risk-pool\" in the waterfall, or no [risk_pool]",
        );
    }
    if let Some(p) = raw.performance.first()
        && missing(Step::Performance)
    {
        v.error_expected(
            waterfall_span.clone().unwrap_or(p.span()),
            "performance pots are not in the waterfall: the money they release would be unassigned",
            "\"performance\" in the waterfall, or no [[performance]]",
        );
    }
    if let Some(o) = &raw.overspend
        && let Some(first) = o.get_ref().uncommitted.first()
        && missing(Step::Uncommitted)
    {
        v.error_expected(
            waterfall_span.clone().unwrap_or(first.span()),
            "uncommitted allocations are named but not in the waterfall: their use would be unassigned",
            "\"uncommitted\" in the waterfall",
        );
    }
    let (windfall_by_default, management_action, mut ring_fenced_sources, retained_by) = match &raw
        .underspend
    {
        Some(u) => {
            let u = u.get_ref();
            let windfall = match u.default.as_ref().map(|d| d.get_ref().as_str()) {
                None | Some("windfall") => true,
                Some("retain") | Some("management-action") => false,
                Some(other) => {
                    let span = u.default.as_ref().map(|d| d.span()).unwrap_or_default();
                    v.error_expected(
                        span,
                        format!("'{other}' is not an underspend type"),
                        "windfall or management-action",
                    );
                    true
                }
            };
            let ma: Vec<Id> = u
                .management_action
                .iter()
                .filter_map(|s| v.scheme(s))
                .collect();
            let rf: Vec<Id> = u
                .ring_fenced_sources
                .iter()
                .filter_map(|s| v.source(s))
                .collect();
            let mut by = Vec::new();
            for (scheme, partner) in &u.retained_by {
                let (Some(s), Some(p)) = (v.scheme(scheme), v.partner(partner)) else {
                    continue;
                };
                if windfall && !ma.contains(&s) {
                    v.error_expected(
                        scheme.span(),
                        format!(
                            "'{}' is not a management-action scheme: its underspend is not retained",
                            scheme.get_ref()
                        ),
                        "a scheme listed in management_action",
                    );
                }
                by.push((s, p));
            }
            (windfall, ma, rf, by)
        }
        None => (true, Vec::new(), Vec::new(), Vec::new()),
    };
    // The journal's own ring-fences count without being listed again.
    for (i, source) in ledger.sources.iter().enumerate() {
        if !source.ring_fence.is_empty() && !ring_fenced_sources.contains(&(i as Id)) {
            ring_fenced_sources.push(i as Id);
        }
    }
    let protection = raw.protection.as_ref().and_then(|p| {
        let p = p.get_ref();
        Some((v.partner(&p.partner)?, v.percent(&p.after, "after")?))
    });
    let mut performance = Vec::new();
    for p in &raw.performance {
        let r = p.get_ref();
        let release = match r.release.get_ref().as_str() {
            "all-or-nothing" => Some(Release::AllOrNothing),
            "proportional" => Some(Release::Proportional),
            "threshold" => match &r.threshold {
                Some(t) => v.percent(t, "threshold").map(Release::Threshold),
                None => {
                    v.error_expected(
                        r.release.span(),
                        "a threshold release needs `threshold`",
                        "threshold = \"50%\"",
                    );
                    None
                }
            },
            other => {
                v.error_expected(
                    r.release.span(),
                    format!("'{other}' is not a release rule"),
                    "all-or-nothing, proportional or threshold",
                );
                None
            }
        };
        if matches!(release, Some(Release::Proportional | Release::Threshold(_)))
            && r.baseline.is_none()
        {
            v.error_expected(
                r.release.span(),
                "proportional release measures progress from a baseline",
                "baseline = VALUE",
            );
        }
        if let Some(b) = &r.baseline
            && *b.get_ref() == *r.target.get_ref()
        {
            v.error_expected(
                b.span(),
                "the baseline equals the target: progress cannot be measured",
                "a baseline different from the target",
            );
        }
        let (partner, pot) = (v.partner(&r.partner), v.money(&r.pot, "the pot"));
        if let (Some(partner), Some(pot), Some(release)) = (partner, pot, release) {
            performance.push(Performance {
                partner,
                pot,
                metric: r
                    .metric
                    .as_ref()
                    .map_or_else(|| "metric".to_string(), |m| m.get_ref().clone()),
                baseline: r.baseline.as_ref().map(|b| *b.get_ref()),
                target: *r.target.get_ref(),
                actual: *r.actual.get_ref(),
                release,
            });
        }
    }
    let mut rules = Vec::new();
    let mut covered: Vec<Id> = Vec::new();
    let mut every_other = false;
    for (index, r) in raw.rule.iter().enumerate() {
        let rr = r.get_ref();
        let schemes = match rr.schemes.get_ref() {
            Schemes::All(s) if s == "*" => {
                if every_other {
                    v.error_expected(
                        rr.schemes.span(),
                        "a second rule for every other scheme: the first already covers them",
                        "one rule with schemes = \"*\"",
                    );
                }
                every_other = true;
                None
            }
            Schemes::All(other) => {
                v.error_expected(
                    rr.schemes.span(),
                    format!("'{other}' is not a list of schemes"),
                    "a list such as [\"home-first\"] or \"*\" for every other scheme",
                );
                continue;
            }
            Schemes::List(list) => {
                let span = rr.schemes.span();
                let mut ids = Vec::new();
                for name in list {
                    let Some(id) = v.scheme(&Spanned::new(span.clone(), name.clone())) else {
                        continue;
                    };
                    if covered.contains(&id) {
                        v.error_expected(
                            span.clone(),
                            format!("scheme '{name}' is already covered by an earlier rule"),
                            "each scheme in one rule",
                        );
                    }
                    ids.push(id);
                }
                covered.extend(&ids);
                Some(ids)
            }
        };
        let share = match rr.share.get_ref() {
            RawShare::Named(n) => {
                match n.as_str() {
                    "pro-rata" => Some(Share::ProRata),
                    "commissioner" => Some(Share::Commissioner),
                    "own" => Some(Share::Own),
                    "fixed" => {
                        if ledger.host().is_none() {
                            v.error_expected(rr.share.span(), "a fixed line's variance falls to the host, and the ledger has none", "a partner marked `host`");
                        }
                        Some(Share::Fixed)
                    }
                    other => {
                        v.error_expected(
                            rr.share.span(),
                            format!("'{other}' is not a share rule"),
                            "pro-rata, commissioner, own, fixed, or a table of partner percentages",
                        );
                        None
                    }
                }
            }
            RawShare::Split(map) => {
                let span = rr.share.span();
                let located: BTreeMap<S<String>, S<Value>> = map
                    .iter()
                    .map(|(k, x)| {
                        (
                            Spanned::new(span.clone(), k.clone()),
                            Spanned::new(span.clone(), x.clone()),
                        )
                    })
                    .collect();
                v.shares(&Spanned::new(span, located), "shares")
                    .map(Share::Split)
            }
        };
        let cap = rr.cap.as_ref().and_then(|c| parse_cap(&mut v, c));
        let mut caps = Vec::new();
        if let Some(table) = &rr.caps {
            for (p, c) in table.get_ref() {
                if let (Some(p), Some(c)) = (v.partner(p), parse_cap(&mut v, c)) {
                    caps.push((p, c));
                }
            }
        }
        let excess = match rr.excess.as_ref().map(|c| (c.get_ref().as_str(), c.span())) {
            None | Some(("unfunded", _)) => Excess::Unfunded,
            Some(("pro-rata", _)) => Excess::ProRata,
            Some((other, span)) => {
                v.error_expected(
                    span,
                    format!("'{other}' is not an excess rule"),
                    "unfunded or pro-rata",
                );
                Excess::Unfunded
            }
        };
        let lead = rr.lead.as_ref().and_then(|l| {
            let l = l.get_ref();
            Some((
                v.partner(&l.partner)?,
                v.money(&l.absorbs, "what the lead absorbs")?,
            ))
        });
        if let Some(share) = share {
            rules.push(Rule {
                schemes,
                share,
                cap,
                caps,
                excess,
                lead,
                index,
            });
        }
    }
    if !rules.iter().any(|r| r.schemes.is_none()) {
        let uncovered: Vec<&str> = ledger
            .schemes
            .iter()
            .enumerate()
            .filter(|(i, _)| !covered.contains(&(*i as Id)))
            .map(|(_, s)| s.id.as_str())
            .collect();
        if !uncovered.is_empty() {
            v.error_expected(
                0..0,
                format!(
                    "no rule covers {}: their variances would be unassigned",
                    uncovered.join(", ")
                ),
                "a [[rule]] for them, or one with schemes = \"*\"",
            );
        }
    }
    let (account, bank, sources) = match &raw.settlement {
        Some(s) => {
            let s = s.get_ref();
            let mut sources = Vec::new();
            for (p, f) in &s.sources {
                if let (Some(p), Some(f)) = (v.partner(p), v.source(f)) {
                    sources.push((p, f));
                }
            }
            (
                s.account
                    .as_ref()
                    .map_or("income:risk-share".to_string(), |a| a.get_ref().clone()),
                s.bank
                    .as_ref()
                    .map_or("assets:bank".to_string(), |a| a.get_ref().clone()),
                sources,
            )
        }
        None => (
            "income:risk-share".to_string(),
            "assets:bank".to_string(),
            Vec::new(),
        ),
    };
    if !account.starts_with("income:") || !account.split(':').all(|p| !p.is_empty()) {
        let span = raw
            .settlement
            .as_ref()
            .map(|s| s.span())
            .unwrap_or_default();
        v.error_expected(
            span,
            format!("settlement account '{account}' is not under income"),
            "an income account such as income:risk-share",
        );
    }
    v.finish()?;
    Ok(Agreement {
        name: header
            .get_ref()
            .name
            .as_ref()
            .map_or_else(|| "Risk-share agreement".into(), |n| n.get_ref().clone()),
        year: year.expect("no diagnostics"),
        risk_pool,
        risk_pool_shares,
        waterfall,
        uncommitted,
        management_action,
        windfall_by_default,
        retained_by,
        ring_fenced_sources,
        protection,
        performance,
        rules,
        account,
        bank,
        sources,
    })
}

/// A cap: "contribution", or an amount of money.
fn parse_cap(v: &mut Checker, c: &S<Value>) -> Option<Cap> {
    if let Value::Text(t) = c.get_ref()
        && t == "contribution"
    {
        return Some(Cap::Contribution);
    }
    if let Value::Text(t) = c.get_ref()
        && Money::parse(t).is_err()
    {
        v.error_expected(
            c.span(),
            format!("'{t}' is not a cap"),
            "\"contribution\" or an amount such as \"£250,000\"",
        );
        return None;
    }
    v.money(c, "the cap").map(Cap::Amount)
}
