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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnderspend {
    default: Option<S<String>>,
    #[serde(default)]
    management_action: Vec<S<String>>,
    #[serde(default)]
    ring_fenced_sources: Vec<S<String>>,
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
    cap: Option<S<String>>,
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

#[derive(Clone, Debug, serde::Serialize)]
pub struct Rule {
    /// `None`: every scheme not listed by an earlier rule.
    pub schemes: Option<Vec<Id>>,
    pub share: Share,
    pub cap_at_contribution: bool,
    pub excess: Excess,
    /// (partner, amount it absorbs first, across the rule's schemes)
    pub lead: Option<(Id, Money)>,
    pub index: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Performance,
    Underspends,
    RiskPool,
    Partners,
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
    /// Windfall underspends are returned; management-action ones retained.
    pub management_action: Vec<Id>,
    pub windfall_by_default: bool,
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
                    "partners" => Step::Partners,
                    other => {
                        v.error_expected(
                            s.span(),
                            format!("'{other}' is not a waterfall step"),
                            "performance, underspends, risk-pool or partners",
                        );
                        continue;
                    }
                };
                if steps.contains(&step) {
                    v.error_expected(s.span(), "a step is named twice", "each step once");
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
            Step::Partners,
        ],
    };
    let (windfall_by_default, management_action, ring_fenced_sources) = match &raw.underspend {
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
            (windfall, ma, rf)
        }
        None => (true, Vec::new(), Vec::new()),
    };
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
    for (index, r) in raw.rule.iter().enumerate() {
        let rr = r.get_ref();
        let schemes = match rr.schemes.get_ref() {
            Schemes::All(s) if s == "*" => None,
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
        let cap = match rr.cap.as_ref().map(|c| (c.get_ref().as_str(), c.span())) {
            None => false,
            Some(("contribution", _)) => true,
            Some((other, span)) => {
                v.error_expected(span, format!("'{other}' is not a cap"), "contribution");
                false
            }
        };
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
                cap_at_contribution: cap,
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
        management_action,
        windfall_by_default,
        ring_fenced_sources,
        protection,
        performance,
        rules,
        account,
        bank,
        sources,
    })
}
