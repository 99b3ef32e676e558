//! Settling a year: from the ledger's budgets and outturns, by the
//! agreement's rules, to each partner's amount, exact to the penny.

use oneplace_core::{Money, Period, allocate_weights};
use serde::Serialize;

use super::agreement::{Agreement, Excess, Release, Share, Step};
use crate::model::{Id, Ledger, Root};

/// One scheme's position.
#[derive(Clone, Debug, Serialize)]
pub struct SchemeRow {
    pub scheme: String,
    pub budget: Money,
    pub outturn: Money,
    /// Positive: an overspend.
    pub variance: Money,
    /// What each partner put in: (partner, amount).
    pub contributions: Vec<(String, Money)>,
    pub rule: String,
}

/// One step of the settlement, in order.
#[derive(Clone, Debug, Serialize)]
pub struct StepRow {
    pub step: String,
    pub amount: Money,
    pub detail: String,
}

/// One part of a partner's figure.
#[derive(Clone, Debug, Serialize)]
pub struct Part {
    pub what: String,
    pub scheme: Option<String>,
    /// Positive: the partner pays.
    pub amount: Money,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartnerRow {
    pub partner: String,
    /// Positive: the partner pays in; negative: it is paid back.
    pub amount: Money,
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Settlement {
    pub agreement: String,
    pub year: String,
    /// In-year, on the forecast outturn at this period, or at the year end.
    pub forecast: Option<String>,
    pub schemes: Vec<SchemeRow>,
    pub total_variance: Money,
    pub steps: Vec<StepRow>,
    pub partners: Vec<PartnerRow>,
    /// Overspend no rule assigned: it needs the partners' agreement.
    pub unfunded: Money,
    pub unfunded_detail: Vec<(String, Money)>,
    /// Management-action underspends kept by those who achieved them.
    pub retained: Money,
    pub risk_pool_used: Money,
    pub risk_pool_left: Money,
    /// Ring-fenced sources' variance, left out and carried forward.
    pub ring_fenced_variance: Money,
    /// Journal text that posts the settlement (year end only).
    pub transactions: String,
    /// Settlement transactions already in the ledger with the same amounts.
    pub already_posted: usize,
}

/// What went wrong settling (beyond the agreement's own validation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettleError(pub String);

/// Partners in order of their ids: the order allocations break ties in,
/// so results do not depend on the order partners were declared.
fn canonical(ledger: &Ledger) -> Vec<Id> {
    let mut ids: Vec<Id> = (0..ledger.partners.len() as Id).collect();
    ids.sort_by(|a, b| {
        ledger.partners[*a as usize]
            .id
            .cmp(&ledger.partners[*b as usize].id)
    });
    ids
}

/// Allocates `amount` over (partner, weight) pairs in canonical order.
fn share_out(amount: Money, weights: &[(Id, i64)], order: &[Id]) -> Vec<(Id, Money)> {
    let ordered: Vec<(Id, i64)> = order
        .iter()
        .filter_map(|p| weights.iter().find(|(q, _)| q == p).copied())
        .filter(|(_, w)| *w > 0)
        .collect();
    if ordered.is_empty() || amount.is_zero() {
        return Vec::new();
    }
    let parts = allocate_weights(amount, &ordered.iter().map(|(_, w)| *w).collect::<Vec<_>>())
        .expect("positive weights");
    ordered.iter().map(|(p, _)| *p).zip(parts).collect()
}

/// Reduces `items` (scheme, amount) by `total` in proportion, to the penny.
fn reduce(items: &mut [Money], total: Money) {
    let weights: Vec<i64> = items.iter().map(|m| m.pence()).collect();
    if total.is_zero() || weights.iter().all(|w| *w == 0) {
        return;
    }
    let cuts = allocate_weights(total, &weights).expect("non-negative weights");
    for (m, c) in items.iter_mut().zip(cuts) {
        *m -= c;
    }
}

pub fn settle(
    ledger: &Ledger,
    agreement: &Agreement,
    forecast: Option<Period>,
) -> Result<Settlement, SettleError> {
    let year = agreement.year;
    let order = canonical(ledger);
    let n_schemes = ledger.schemes.len();
    let ring_fenced = |f: Id| agreement.ring_fenced_sources.contains(&f);

    // Budgets, outturns and contributions by scheme, ring-fenced lines out.
    let mut budget = vec![Money::ZERO; n_schemes];
    let mut outturn = vec![Money::ZERO; n_schemes];
    let mut contributions: Vec<Vec<(Id, i64)>> = vec![Vec::new(); n_schemes];
    let mut ring_fenced_variance = Money::ZERO;
    let monitoring = forecast.map(|p| crate::report::monitoring(ledger, p));
    let end = forecast.map_or(year.last_day(), |p| p.last_day());
    let period = forecast.unwrap_or_else(|| Period::new(year, 12).expect("March"));
    let line_figures = crate::report::monitoring(ledger, period);
    for line in &line_figures.lines {
        let s = ledger.scheme(&line.scheme).expect("report names schemes");
        let f = ledger.source(&line.source).expect("report names sources");
        let out = match &monitoring {
            Some(_) => line.figures.forecast_outturn,
            None => line.figures.actual,
        };
        if ring_fenced(f) {
            ring_fenced_variance += out - line.figures.annual_budget;
            continue;
        }
        budget[s as usize] += line.figures.annual_budget;
        outturn[s as usize] += out;
        // The line's budget shared between the source's payers.
        let payers: Vec<(Id, i64)> = ledger.sources[f as usize]
            .from
            .iter()
            .map(|p| (*p, 1))
            .collect();
        for (p, m) in share_out(line.figures.annual_budget, &payers, &order) {
            match contributions[s as usize].iter_mut().find(|(q, _)| *q == p) {
                Some(entry) => entry.1 += m.pence(),
                None => contributions[s as usize].push((p, m.pence())),
            }
        }
    }
    let variance: Vec<Money> = (0..n_schemes).map(|s| outturn[s] - budget[s]).collect();
    let mut over: Vec<Money> = variance
        .iter()
        .map(|v| if v.is_negative() { Money::ZERO } else { *v })
        .collect();
    let mut under: Vec<Money> = variance
        .iter()
        .map(|v| if v.is_negative() { -*v } else { Money::ZERO })
        .collect();
    let total_variance: Money = variance.iter().sum();

    let mut steps = Vec::new();
    let mut parts: Vec<Vec<Part>> = vec![Vec::new(); ledger.partners.len()];
    let mut unfunded_detail: Vec<(String, Money)> = Vec::new();
    let mut risk_pool_used = Money::ZERO;
    let scheme_id = |s: usize| ledger.schemes[s].id.clone();
    let rule_for = |s: usize| {
        agreement
            .rules
            .iter()
            .find(|r| r.schemes.as_ref().is_some_and(|l| l.contains(&(s as Id))))
            .or_else(|| agreement.rules.iter().find(|r| r.schemes.is_none()))
    };
    let mut lead_left: Vec<Money> = agreement
        .rules
        .iter()
        .map(|r| r.lead.map_or(Money::ZERO, |l| l.1))
        .collect();

    for step in &agreement.waterfall {
        let need: Money = over.iter().sum();
        match step {
            Step::Performance => {
                for pot in &agreement.performance {
                    let released = released(pot);
                    let drawn = released.min(over.iter().sum());
                    reduce(&mut over, drawn);
                    if !drawn.is_zero() {
                        parts[pot.partner as usize].push(Part {
                            what: "performance money released".into(),
                            scheme: None,
                            amount: drawn,
                            detail: format!(
                                "{}: actual {} against target {} releases {released} of the {} pot; {drawn} needed",
                                pot.metric, pot.actual, pot.target, pot.pot
                            ),
                        });
                    }
                    steps.push(StepRow {
                        step: "performance".into(),
                        amount: drawn,
                        detail: format!(
                            "{} of {}'s {} pot released on {}; {drawn} used",
                            released, ledger.partners[pot.partner as usize].id, pot.pot, pot.metric
                        ),
                    });
                }
            }
            Step::Underspends => {
                let offset = need.min(under.iter().sum());
                reduce(&mut over, offset);
                reduce(&mut under, offset);
                steps.push(StepRow {
                    step: "underspends".into(),
                    amount: offset,
                    detail: "overspends met from underspends elsewhere in the pool".into(),
                });
            }
            Step::RiskPool => {
                let used = need.min(agreement.risk_pool);
                reduce(&mut over, used);
                risk_pool_used = used;
                steps.push(StepRow {
                    step: "risk-pool".into(),
                    amount: used,
                    detail: format!("from a risk pool of {}", agreement.risk_pool),
                });
            }
            Step::Partners => {
                let mut charged = Money::ZERO;
                for s in 0..n_schemes {
                    let x = over[s];
                    if x.is_zero() {
                        continue;
                    }
                    let Some(rule) = rule_for(s) else {
                        unfunded_detail.push((scheme_id(s), x));
                        continue;
                    };
                    let mut left = x;
                    if let Some((lead, _)) = rule.lead {
                        let absorbed = left.min(lead_left[rule.index]);
                        if !absorbed.is_zero() {
                            lead_left[rule.index] -= absorbed;
                            left -= absorbed;
                            charged += absorbed;
                            parts[lead as usize].push(Part {
                                what: "lead body absorbs first".into(),
                                scheme: Some(scheme_id(s)),
                                amount: absorbed,
                                detail: format!(
                                    "rule {}: up to its limit across the rule's schemes",
                                    rule.index + 1
                                ),
                            });
                        }
                    }
                    let contrib = &contributions[s];
                    let pro_rata = || contrib.clone();
                    let (weights, basis): (Vec<(Id, i64)>, &str) = match &rule.share {
                        Share::ProRata => (pro_rata(), "in proportion to contributions"),
                        Share::Commissioner => (
                            ledger.schemes[s]
                                .commissioners
                                .iter()
                                .map(|(p, bp)| (*p, i64::from(*bp)))
                                .collect(),
                            "by commissioning split",
                        ),
                        Share::Own => {
                            let own: Vec<(Id, i64)> = order
                                .iter()
                                .map(|p| {
                                    let spent = crate::report::sum_postings(
                                        ledger,
                                        year,
                                        end,
                                        |root, q, sc, f| {
                                            root == Root::Expenditure
                                                && q == *p
                                                && sc == s as Id
                                                && !ring_fenced(f)
                                        },
                                    );
                                    let put_in =
                                        contrib.iter().find(|(q, _)| q == p).map_or(0, |c| c.1);
                                    (*p, (spent.pence() - put_in).max(0))
                                })
                                .collect();
                            if own.iter().any(|(_, w)| *w > 0) {
                                (own, "each partner its own overspend")
                            } else {
                                (
                                    pro_rata(),
                                    "in proportion to contributions (no partner overspent its own share)",
                                )
                            }
                        }
                        Share::Fixed => (
                            vec![(
                                ledger.host().expect("validated: a fixed line needs a host"),
                                1,
                            )],
                            "a fixed line: the host absorbs it",
                        ),
                        Share::Split(split) => (
                            split.iter().map(|(p, bp)| (*p, i64::from(*bp))).collect(),
                            "by the agreed split",
                        ),
                    };
                    let mut shares = share_out(left, &weights, &order);
                    if shares.is_empty() && !left.is_zero() {
                        unfunded_detail.push((scheme_id(s), left));
                        continue;
                    }
                    if rule.cap_at_contribution {
                        let cap = |p: Id| {
                            Money::from_pence(
                                contrib.iter().find(|(q, _)| *q == p).map_or(0, |c| c.1),
                            )
                        };
                        let mut excess = Money::ZERO;
                        for (p, m) in shares.iter_mut() {
                            if *m > cap(*p) {
                                excess += *m - cap(*p);
                                *m = cap(*p);
                            }
                        }
                        // Passed on to those with headroom, or left unfunded.
                        while !excess.is_zero() && rule.excess == Excess::ProRata {
                            let headroom: Vec<(Id, i64)> = shares
                                .iter()
                                .map(|(p, m)| (*p, (cap(*p) - *m).pence()))
                                .chain(
                                    contrib
                                        .iter()
                                        .filter(|(p, _)| !shares.iter().any(|(q, _)| q == p))
                                        .map(|(p, w)| (*p, *w)),
                                )
                                .filter(|(_, w)| *w > 0)
                                .collect();
                            if headroom.is_empty() {
                                break;
                            }
                            let weights: Vec<(Id, i64)> = headroom
                                .iter()
                                .map(|(p, _)| {
                                    (*p, contrib.iter().find(|(q, _)| q == p).map_or(0, |c| c.1))
                                })
                                .collect();
                            let more = share_out(excess, &weights, &order);
                            excess = Money::ZERO;
                            for (p, m) in more {
                                let room =
                                    headroom.iter().find(|(q, _)| *q == p).map_or(0, |h| h.1);
                                let take = m.min(Money::from_pence(room));
                                excess += m - take;
                                match shares.iter_mut().find(|(q, _)| *q == p) {
                                    Some(entry) => entry.1 += take,
                                    None => shares.push((p, take)),
                                }
                            }
                        }
                        if !excess.is_zero() {
                            unfunded_detail.push((scheme_id(s), excess));
                        }
                    }
                    for (p, m) in shares {
                        if m.is_zero() {
                            continue;
                        }
                        charged += m;
                        parts[p as usize].push(Part {
                            what: "overspend".into(),
                            scheme: Some(scheme_id(s)),
                            amount: m,
                            detail: format!("rule {}: {basis}", rule.index + 1),
                        });
                    }
                    over[s] = Money::ZERO;
                }
                steps.push(StepRow {
                    step: "partners".into(),
                    amount: charged,
                    detail: "the rest of each overspend by its scheme's rule".into(),
                });
            }
        }
    }
    // Whatever the steps left of an overspend is unfunded too.
    for (s, x) in over.iter().enumerate() {
        if !x.is_zero() {
            unfunded_detail.push((scheme_id(s), *x));
        }
    }

    // Underspends left: retained (management action) or returned (windfall).
    let mut retained = Money::ZERO;
    let mut windfall = Money::ZERO;
    for (s, u) in under.iter().enumerate() {
        if u.is_zero() {
            continue;
        }
        let managed =
            agreement.management_action.contains(&(s as Id)) || !agreement.windfall_by_default;
        if managed {
            retained += *u;
            let shares = share_out(
                *u,
                &ledger.schemes[s]
                    .commissioners
                    .iter()
                    .map(|(p, bp)| (*p, i64::from(*bp)))
                    .collect::<Vec<_>>(),
                &order,
            );
            for (p, m) in shares {
                parts[p as usize].push(Part {
                    what: "underspend retained (management action)".into(),
                    scheme: Some(scheme_id(s)),
                    amount: Money::ZERO,
                    detail: format!("{m} kept in reserve by the commissioner that achieved it"),
                });
            }
        } else {
            windfall += *u;
        }
    }
    if !windfall.is_zero() {
        let total_contrib: Vec<(Id, i64)> = order
            .iter()
            .map(|p| {
                (
                    *p,
                    contributions
                        .iter()
                        .flatten()
                        .filter(|(q, _)| q == p)
                        .map(|c| c.1)
                        .sum::<i64>(),
                )
            })
            .collect();
        let mut returns: Vec<(Id, Money)> = Vec::new();
        let mut rest = windfall;
        if let Some((protected, after_bp)) = agreement.protection {
            // Others first, each up to `after` of its contribution.
            let others: Vec<(Id, i64)> = total_contrib
                .iter()
                .filter(|(p, _)| *p != protected)
                .copied()
                .collect();
            let room: i64 = others
                .iter()
                .map(|(_, c)| c * i64::from(after_bp) / 10_000)
                .sum();
            let first = rest.min(Money::from_pence(room));
            returns.extend(share_out(first, &others, &order));
            rest -= first;
        }
        for (p, m) in share_out(rest, &total_contrib, &order) {
            match returns.iter_mut().find(|(q, _)| *q == p) {
                Some(e) => e.1 += m,
                None => returns.push((p, m)),
            }
        }
        for (p, m) in &returns {
            parts[*p as usize].push(Part {
                what: "windfall underspend returned".into(),
                scheme: None,
                amount: -*m,
                detail: if agreement.protection.is_some_and(|(q, _)| q == *p) {
                    "in proportion to contributions, after the others' first reduction".into()
                } else {
                    "in proportion to contributions".into()
                },
            });
        }
        steps.push(StepRow {
            step: "windfall".into(),
            amount: windfall,
            detail: "underspends returned to partners".into(),
        });
    }
    if !retained.is_zero() {
        steps.push(StepRow {
            step: "retained".into(),
            amount: retained,
            detail: "management-action underspends kept by those who achieved them".into(),
        });
    }
    let unfunded: Money = unfunded_detail.iter().map(|(_, m)| *m).sum();
    if !unfunded.is_zero() {
        steps.push(StepRow {
            step: "unfunded".into(),
            amount: unfunded,
            detail: "overspend the rules do not assign: needs the partners' agreement".into(),
        });
    }

    let partners: Vec<PartnerRow> = order
        .iter()
        .map(|p| PartnerRow {
            partner: ledger.partners[*p as usize].id.clone(),
            amount: parts[*p as usize].iter().map(|x| x.amount).sum(),
            parts: std::mem::take(&mut parts[*p as usize]),
        })
        .collect();

    let (transactions, already_posted) = if forecast.is_none() {
        transactions(ledger, agreement, &partners)?
    } else {
        (String::new(), 0)
    };
    Ok(Settlement {
        agreement: agreement.name.clone(),
        year: year.to_string(),
        forecast: forecast.map(|p| p.to_string()),
        schemes: (0..n_schemes)
            .filter(|s| !budget[*s].is_zero() || !outturn[*s].is_zero())
            .map(|s| SchemeRow {
                scheme: scheme_id(s),
                budget: budget[s],
                outturn: outturn[s],
                variance: variance[s],
                contributions: order
                    .iter()
                    .filter_map(|p| contributions[s].iter().find(|(q, _)| q == p))
                    .map(|(p, c)| {
                        (
                            ledger.partners[*p as usize].id.clone(),
                            Money::from_pence(*c),
                        )
                    })
                    .collect(),
                rule: rule_for(s)
                    .map_or_else(|| "none".into(), |r| format!("rule {}", r.index + 1)),
            })
            .collect(),
        total_variance,
        steps,
        partners,
        unfunded,
        unfunded_detail,
        retained,
        risk_pool_used,
        risk_pool_left: agreement.risk_pool - risk_pool_used,
        ring_fenced_variance,
        transactions,
        already_posted,
    })
}

/// How much of a performance pot is released.
pub fn released(p: &super::agreement::Performance) -> Money {
    let better_lower = p.baseline.is_none_or(|b| p.target < b);
    let met = if better_lower {
        p.actual <= p.target
    } else {
        p.actual >= p.target
    };
    let progress = match p.baseline {
        Some(b) => ((b - p.actual) / (b - p.target)).clamp(0.0, 1.0),
        None => {
            if met {
                1.0
            } else {
                0.0
            }
        }
    };
    let fraction = match p.release {
        Release::AllOrNothing => {
            if met {
                1.0
            } else {
                0.0
            }
        }
        Release::Proportional => progress,
        Release::Threshold(bp) => {
            if progress >= f64::from(bp) / 10_000.0 {
                progress
            } else {
                0.0
            }
        }
    };
    // To the penny, rounding down: never release more than was earned.
    Money::from_pence((p.pot.pence() as f64 * fraction + 1e-9).floor() as i64)
}

/// Journal text posting each partner's amount, and how many are already in
/// the ledger with the same amount.
fn transactions(
    ledger: &Ledger,
    a: &Agreement,
    partners: &[PartnerRow],
) -> Result<(String, usize), SettleError> {
    let mut text = String::new();
    let mut already = 0;
    let date = a.year.last_day();
    let fy = a.year.to_string().replace('/', "-");
    for row in partners.iter().filter(|r| !r.amount.is_zero()) {
        let p = ledger.partner(&row.partner).expect("named partners exist");
        let reference = format!("settle-{fy}-{}", row.partner);
        if let Some(t) = ledger
            .transactions
            .iter()
            .find(|t| t.reference.as_deref() == Some(&reference))
        {
            let bank: Money = ledger
                .postings_of(t)
                .iter()
                .filter(|q| {
                    q.amount.is_negative() == row.amount.is_negative()
                        && ledger.accounts[q.account as usize].root != Root::Income
                })
                .map(|q| q.amount)
                .sum();
            if bank == row.amount {
                already += 1;
                continue;
            }
            return Err(SettleError(format!(
                "{} is already settled at {bank} (reference {reference}); the settlement is now {}: reverse the posted one first",
                row.partner, row.amount
            )));
        }
        let source = a
            .sources
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, f)| *f)
            .or_else(|| ledger.sources.iter().position(|s| s.from.contains(&p)).map(|i| i as Id))
            .ok_or_else(|| {
                SettleError(format!(
                    "no funding source to post {}'s settlement against: name one in [settlement] sources",
                    row.partner
                ))
            })?;
        let source = &ledger.sources[source as usize].id;
        text.push_str(&format!(
            "{date} Risk-share settlement {}: {}  ; ref:{reference} partner:{} source:{source}\n  {}  {}\n  {}  {}\n\n",
            a.year,
            row.partner,
            row.partner,
            a.bank,
            row.amount,
            a.account,
            -row.amount
        ));
    }
    Ok((text, already))
}
