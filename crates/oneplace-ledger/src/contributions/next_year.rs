//! Next year's contributions: this year's base, plus recurrent in-year
//! changes, plus the inflation uplift on that adjusted base, plus planned
//! changes, less efficiencies; then net of client income and scheduled in
//! instalments.
//!
//! The order matters and follows how the budgets are set: the uplift applies
//! to the base as it stands at the year end (recurrent changes included),
//! not to the new money or the savings agreed for next year.

use std::collections::BTreeMap;

use oneplace_core::{Diagnostic, FinancialYear, InputError, LineIndex, Location, Money};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Remainder, Schedule, schedule_instalments};
use crate::model::{Id, Instalment, Ledger, Root};
use crate::toml_input::{Checker, Value, parse_toml};

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    plan: Option<S<RawHeader>>,
    #[serde(default)]
    uplift_by_partner: BTreeMap<S<String>, S<Value>>,
    #[serde(default)]
    instalments_by_partner: BTreeMap<S<String>, S<String>>,
    #[serde(default)]
    change: Vec<S<RawChange>>,
    #[serde(default)]
    client_income: Vec<S<RawClientIncome>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<S<String>>,
    year: S<String>,
    base: Option<S<String>>,
    uplift: Option<S<Value>>,
    instalments: Option<S<String>>,
    remainder: Option<S<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChange {
    partner: S<String>,
    source: S<String>,
    kind: S<String>,
    amount: S<Value>,
    reason: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClientIncome {
    partner: S<String>,
    source: S<String>,
    amount: S<Value>,
}

/// What this year's figure for each partner and source is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Base {
    /// The year's `contribution` directives (the agreed pool).
    Planned,
    /// The contributions actually posted to income in the year.
    Received,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An in-year change that carries on (before the uplift).
    Recurrent,
    /// New money agreed for next year (after the uplift).
    Planned,
    /// A saving taken off next year (after the uplift).
    Efficiency,
}

#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub partner: Id,
    pub source: Id,
    pub kind: ChangeKind,
    /// Always zero or more; an efficiency is subtracted.
    pub amount: Money,
    pub reason: String,
    #[serde(skip)]
    pub location: Location,
}

/// A contribution plan, checked against the ledger.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub name: String,
    /// The year being planned; the base is the year before.
    pub year: FinancialYear,
    /// `None`: planned if the base year has contribution directives,
    /// otherwise received.
    pub base: Option<Base>,
    /// The uplift in millionths (25,000 is 2.5%), and any partner's own.
    pub uplift_ppm: i64,
    pub uplift_by_partner: Vec<(Id, i64)>,
    pub schedule: Schedule,
    /// Partners paid on their own schedule (an ICB monthly, say).
    pub schedule_by_partner: Vec<(Id, Schedule)>,
    /// The instalment that takes the odd pence.
    pub remainder: Remainder,
    pub changes: Vec<Change>,
    /// Next year's client income where it is not this year's carried on.
    pub client_income: Vec<(Id, Id, Money, Location)>,
    #[serde(skip)]
    pub location: Location,
}

/// A rate as millionths, from -100% to 100%.
fn rate_ppm(v: &mut Checker, value: &S<Value>, what: &str) -> Option<i64> {
    let rate = match value.get_ref() {
        Value::Int(i) => Some(*i as f64 / 100.0),
        Value::Float(f) => Some(*f),
        Value::Text(t) => oneplace_core::parse_rate(t).ok(),
    };
    match rate {
        Some(r) if (-1.0..=1.0).contains(&r) => Some((r * 1_000_000.0).round() as i64),
        _ => {
            v.error_expected(
                value.span(),
                format!("{what} is not a percentage from -100% to 100%"),
                "a percentage such as \"2.5%\"",
            );
            None
        }
    }
}

/// Parses and checks a contribution plan against the ledger.
pub fn parse_plan(name: &str, text: &str, ledger: &Ledger) -> Result<Plan, InputError> {
    let index = LineIndex::new(name, text);
    let raw: Raw = parse_toml(&index, text)?;
    let Some(header) = &raw.plan else {
        return Err(InputError::one(Diagnostic::new(
            index.whole(),
            "the plan has no [plan] section (year, uplift)",
        )));
    };
    let mut v = Checker::new(&index, ledger);
    let h = header.get_ref();
    let year = match FinancialYear::parse(h.year.get_ref()) {
        Ok(y) => Some(y),
        Err(e) => {
            v.error_expected(
                h.year.span(),
                e.to_string(),
                "the financial year being planned, such as 2026/27",
            );
            None
        }
    };
    let base = match h.base.as_ref().map(|b| (b.get_ref().as_str(), b.span())) {
        None => None,
        Some(("planned", _)) => Some(Base::Planned),
        Some(("received", _)) => Some(Base::Received),
        Some((other, span)) => {
            v.error_expected(
                span,
                format!("'{other}' is not a base"),
                "planned or received",
            );
            None
        }
    };
    let uplift_ppm = match &h.uplift {
        Some(u) => rate_ppm(&mut v, u, "the uplift").unwrap_or(0),
        None => 0,
    };
    let schedule = match &h.instalments {
        None => Schedule::Quarterly,
        Some(s) => Schedule::parse(s.get_ref()).unwrap_or_else(|| {
            v.error_expected(
                s.span(),
                format!("'{}' is not an instalment schedule", s.get_ref()),
                "annual, quarterly or monthly",
            );
            Schedule::Quarterly
        }),
    };
    let remainder = match &h.remainder {
        None => Remainder::Last,
        Some(r) => {
            let parsed = match r.get_ref() {
                Value::Text(t) => Remainder::parse(t),
                Value::Int(i) => u8::try_from(*i)
                    .ok()
                    .and_then(|n| Remainder::parse(&n.to_string())),
                Value::Float(_) => None,
            };
            parsed.unwrap_or_else(|| {
                let shown = match r.get_ref() {
                    Value::Text(t) => t.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => f.to_string(),
                };
                v.error_expected(
                    r.span(),
                    format!("'{shown}' is not an instalment"),
                    "first, last or an instalment's number from 1",
                );
                Remainder::Last
            })
        }
    };
    let mut uplift_by_partner = Vec::new();
    for (p, rate) in &raw.uplift_by_partner {
        let (p, r) = (v.partner(p), rate_ppm(&mut v, rate, "the partner's uplift"));
        if let (Some(p), Some(r)) = (p, r) {
            uplift_by_partner.push((p, r));
        }
    }
    let mut schedule_by_partner = Vec::new();
    for (p, word) in &raw.instalments_by_partner {
        let p = v.partner(p);
        let schedule = Schedule::parse(word.get_ref());
        if schedule.is_none() {
            v.error_expected(
                word.span(),
                format!("'{}' is not an instalment schedule", word.get_ref()),
                "annual, quarterly or monthly",
            );
        }
        if let (Some(p), Some(schedule)) = (p, schedule) {
            schedule_by_partner.push((p, schedule));
        }
    }
    // The stated instalment must be one every schedule in the plan has.
    if let Some(r) = &h.remainder {
        let schedules = std::iter::once((None, schedule))
            .chain(schedule_by_partner.iter().map(|(p, s)| (Some(*p), *s)));
        for (p, s) in schedules {
            if !remainder.fits(s) {
                v.error_expected(
                    r.span(),
                    format!(
                        "the odd pence fall on instalment {}, but {} {} schedule has {}",
                        remainder.word(),
                        p.map_or("the plan's".to_string(), |p| format!(
                            "{}'s",
                            ledger.partners[p as usize].id
                        )),
                        s.as_str(),
                        s.count()
                    ),
                    "first, last or an instalment within every schedule",
                );
            }
        }
    }
    let mut changes = Vec::new();
    for c in &raw.change {
        let c_ref = c.get_ref();
        let kind = match c_ref.kind.get_ref().as_str() {
            "recurrent" => Some(ChangeKind::Recurrent),
            "planned" => Some(ChangeKind::Planned),
            "efficiency" => Some(ChangeKind::Efficiency),
            other => {
                v.error_expected(
                    c_ref.kind.span(),
                    format!("'{other}' is not a kind of change"),
                    "recurrent, planned or efficiency",
                );
                None
            }
        };
        let amount = change_amount(&mut v, &c_ref.amount, kind);
        let (partner, source) = (v.partner(&c_ref.partner), v.source(&c_ref.source));
        if let (Some(partner), Some(source), Some(kind), Some(amount)) =
            (partner, source, kind, amount)
        {
            changes.push(Change {
                partner,
                source,
                kind,
                amount,
                reason: c_ref
                    .reason
                    .as_ref()
                    .map(|r| r.get_ref().clone())
                    .unwrap_or_default(),
                location: index.location(c.span().start),
            });
        }
    }
    let mut client_income = Vec::new();
    for ci in &raw.client_income {
        let r = ci.get_ref();
        let (p, s) = (v.partner(&r.partner), v.source(&r.source));
        let amount = v.money(&r.amount, "client income");
        if let (Some(p), Some(s), Some(amount)) = (p, s, amount) {
            if client_income.iter().any(|(q, t, _, _)| *q == p && *t == s) {
                v.error_expected(
                    ci.span(),
                    "client income for this partner and source is given twice",
                    "one [[client_income]] per partner and source",
                );
            }
            client_income.push((p, s, amount, index.location(ci.span().start)));
        }
    }
    InputError::check(std::mem::take(&mut v.diags))?;
    Ok(Plan {
        name: h
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| "Contribution plan".to_string()),
        year: year.expect("checked above"),
        base,
        uplift_ppm,
        uplift_by_partner,
        schedule,
        schedule_by_partner,
        remainder,
        changes,
        client_income,
        location: index.location(header.span().start),
    })
}

/// A change's amount. Planned changes and efficiencies say their direction
/// by their kind, so their amounts are zero or more; a recurrent change may
/// be a reduction, written negative.
fn change_amount(v: &mut Checker, value: &S<Value>, kind: Option<ChangeKind>) -> Option<Money> {
    if kind != Some(ChangeKind::Recurrent) {
        return v.money(value, "the change");
    }
    let parsed = match value.get_ref() {
        Value::Int(i) => Ok(Money::from_pounds(*i)),
        Value::Float(f) => Ok(Money::from_pounds_rounded(*f)),
        Value::Text(t) => Money::parse(t).map_err(|e| e.to_string()),
    };
    parsed
        .map_err(|e| {
            v.error_expected(
                value.span(),
                format!("the change: {e}"),
                "an amount such as \"£100,000\" or \"-£20,000\"",
            )
        })
        .ok()
}

/// One partner's contribution from one source, this year and next.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub partner: String,
    pub source: String,
    pub base: Money,
    pub recurrent: Money,
    /// Base plus recurrent changes: what the uplift applies to.
    pub adjusted_base: Money,
    /// The uplift rate applied, as a fraction (0.025 for 2.5%).
    pub uplift_rate: f64,
    pub uplift: Money,
    pub planned: Money,
    pub efficiencies: Money,
    /// Next year's gross contribution.
    pub contribution: Money,
    pub client_income: Money,
    /// What the partner pays: the contribution less client income.
    pub net: Money,
    pub schedule: Schedule,
    pub instalments: Vec<Instalment>,
    /// The changes behind the figures, in the plan's order.
    pub changes: Vec<ChangeNote>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChangeNote {
    pub kind: ChangeKind,
    pub amount: Money,
    pub reason: String,
}

/// Next year's contributions, built up line by line.
#[derive(Clone, Debug, Serialize)]
pub struct NextYear {
    pub name: String,
    pub year: FinancialYear,
    pub base_year: FinancialYear,
    pub base: Base,
    pub schedule: Schedule,
    /// The instalment that takes the odd pence.
    pub remainder: Remainder,
    pub lines: Vec<Line>,
    pub total_base: Money,
    pub total_contribution: Money,
    pub total_net: Money,
}

/// `amount × ppm / 1,000,000`, to the nearest penny, halves away from zero.
fn apply_rate(amount: Money, ppm: i64) -> Money {
    let product = i128::from(amount.pence()) * i128::from(ppm);
    let quotient = product / 1_000_000;
    let rest = product % 1_000_000;
    let rounded = if rest.abs() * 2 >= 1_000_000 {
        quotient + product.signum()
    } else {
        quotient
    };
    Money::from_pence(rounded as i64)
}

/// Builds next year's contributions from the ledger's base year and the plan.
///
/// Refuses a line whose contribution would fall below zero, or below its
/// client income, naming the plan entry that takes it there.
pub fn next_year(plan: &Plan, ledger: &Ledger) -> Result<NextYear, InputError> {
    let base_year = plan.year.offset(-1);
    let planned_exists = ledger.contributions.iter().any(|c| c.year == base_year);
    let base = plan.base.unwrap_or(if planned_exists {
        Base::Planned
    } else {
        Base::Received
    });
    if base == Base::Planned && !planned_exists {
        return Err(InputError::one(
            Diagnostic::new(
                plan.location.clone(),
                format!("the ledger plans no contributions for {base_year}, the base year")
                    .to_string(),
            )
            .expected("contribution directives for the base year, or base = \"received\""),
        ));
    }

    // (partner, source) -> (base, client income this year)
    let mut lines: BTreeMap<(Id, Id), (Money, Money)> = BTreeMap::new();
    match base {
        Base::Planned => {
            for c in ledger.contributions.iter().filter(|c| c.year == base_year) {
                let e = lines.entry((c.partner, c.source)).or_default();
                e.0 += c.amount;
                e.1 += c.client_income;
            }
        }
        Base::Received => {
            let end = base_year.last_day();
            for p in 0..ledger.partners.len() as Id {
                for s in 0..ledger.sources.len() as Id {
                    let received =
                        -crate::report::sum_postings(ledger, base_year, end, |r, q, _, src| {
                            r == Root::Income && q == p && src == s
                        });
                    if !received.is_zero() {
                        lines.insert((p, s), (received, Money::ZERO));
                    }
                }
            }
        }
    }
    for c in &plan.changes {
        lines.entry((c.partner, c.source)).or_default();
    }
    for (p, s, _, _) in &plan.client_income {
        lines.entry((*p, *s)).or_default();
    }

    let mut diags = Vec::new();
    let mut out = Vec::new();
    for (&(p, s), &(base_amount, carried_client_income)) in &lines {
        let mine: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.partner == p && c.source == s)
            .collect();
        let sum = |kind| -> Money {
            mine.iter()
                .filter(|c| c.kind == kind)
                .map(|c| c.amount)
                .sum()
        };
        let recurrent = sum(ChangeKind::Recurrent);
        let planned = sum(ChangeKind::Planned);
        let efficiencies = sum(ChangeKind::Efficiency);
        let adjusted_base = base_amount + recurrent;
        let ppm = plan
            .uplift_by_partner
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(plan.uplift_ppm, |(_, r)| *r);
        let uplift = apply_rate(adjusted_base, ppm);
        let contribution = adjusted_base + uplift + planned - efficiencies;
        let stated = plan
            .client_income
            .iter()
            .find(|(q, t, _, _)| *q == p && *t == s);
        let client_income = stated.map_or(carried_client_income, |c| c.2);
        let name = format!(
            "{} {}",
            ledger.partners[p as usize].id, ledger.sources[s as usize].id
        );
        let blame = mine
            .last()
            .map_or_else(|| plan.location.clone(), |c| c.location.clone());
        if contribution.is_negative() {
            diags.push(Diagnostic::new(
                blame,
                format!("{name} would contribute {contribution} in {}: the reductions exceed the base", plan.year),
            ).expected("reductions no larger than the uplifted base"));
            continue;
        }
        if client_income > contribution {
            diags.push(Diagnostic::new(
                stated.map_or(blame, |c| c.3.clone()),
                format!(
                    "{name}: client income {client_income} exceeds the contribution {contribution}"
                ),
            ));
            continue;
        }
        let net = contribution - client_income;
        let schedule = plan
            .schedule_by_partner
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(plan.schedule, |(_, s)| *s);
        out.push(Line {
            partner: ledger.partners[p as usize].id.clone(),
            source: ledger.sources[s as usize].id.clone(),
            base: base_amount,
            recurrent,
            adjusted_base,
            uplift_rate: ppm as f64 / 1_000_000.0,
            uplift,
            planned,
            efficiencies,
            contribution,
            client_income,
            net,
            schedule,
            instalments: schedule_instalments(plan.year, net, schedule, plan.remainder),
            changes: mine
                .iter()
                .map(|c| ChangeNote {
                    kind: c.kind,
                    amount: c.amount,
                    reason: c.reason.clone(),
                })
                .collect(),
        });
    }
    InputError::check(diags)?;
    Ok(NextYear {
        name: plan.name.clone(),
        year: plan.year,
        base_year,
        base,
        schedule: plan.schedule,
        remainder: plan.remainder,
        total_base: out.iter().map(|l| l.base).sum(),
        total_contribution: out.iter().map(|l| l.contribution).sum(),
        total_net: out.iter().map(|l| l.net).sum(),
        lines: out,
    })
}

/// The `contribution` directives that record next year's plan in the
/// journal, ready to append to it.
pub fn directives(n: &NextYear) -> String {
    let mut out = format!(
        "; {}: contributions for {}, built on {}'s {} contributions\n",
        n.name,
        n.year,
        n.base_year,
        match n.base {
            Base::Planned => "planned",
            Base::Received => "received",
        }
    );
    for l in &n.lines {
        out.push_str(&format!(
            "contribution {} {} {} {}\n",
            n.year, l.partner, l.source, l.contribution
        ));
        if !l.client_income.is_zero() {
            out.push_str(&format!("  client-income {}\n", l.client_income));
        }
        out.push_str(&format!("  instalments {}\n", l.schedule.as_str()));
        if n.remainder != Remainder::Last {
            out.push_str(&format!("  remainder {}\n", n.remainder.word()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_away_from_zero() {
        // £1,000.10 × 2.5% = £25.0025 → £25.00; £0.30 × 5% = 1.5p → 2p.
        assert_eq!(
            apply_rate(Money::from_pence(100_010), 25_000).pence(),
            2_500
        );
        assert_eq!(apply_rate(Money::from_pence(30), 50_000).pence(), 2);
        assert_eq!(apply_rate(Money::from_pence(-30), 50_000).pence(), -2);
        assert_eq!(apply_rate(Money::from_pence(29), 50_000).pence(), 1);
    }
}
