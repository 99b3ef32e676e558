//! Settling a year: from the ledger's budgets and outturns, by the
//! agreement's rules, to each partner's amount, exact to the penny.

use oneplace_core::{Money, Period, allocate_weights};
use serde::Serialize;

use super::agreement::{Agreement, Cap, Excess, Release, Share, Step};
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
    /// The step it comes from.
    pub step: String,
    pub what: String,
    pub scheme: Option<String>,
    /// Positive: the partner pays. Zero for what is shown but not paid
    /// (a cap checked, a share of the risk pool used, an underspend
    /// retained).
    pub amount: Money,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartnerRow {
    pub partner: String,
    /// Positive: the partner pays in; negative: it is paid back.
    pub amount: Money,
    /// Management-action underspends it keeps (to reserves or next year):
    /// not part of `amount`, nothing is posted for them.
    pub retained: Money,
    pub parts: Vec<Part>,
}

/// One line of the settlement's trace, in the order it was worked: about
/// the pool (`partner` is `None`) or one partner's figure.
#[derive(Clone, Debug, Serialize)]
pub struct TraceRow {
    pub step: String,
    pub scheme: Option<String>,
    pub partner: Option<String>,
    /// For a partner: what it adds to the partner's figure. For the pool:
    /// the amount the line is about (an overspend met, say).
    pub amount: Money,
    pub what: String,
    pub detail: String,
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
    pub risk_pool: Money,
    pub risk_pool_used: Money,
    /// What was left of the risk pool, returned to its funders.
    pub risk_pool_left: Money,
    /// Ring-fenced sources' variance, left out and carried forward.
    pub ring_fenced_variance: Money,
    /// Every step worked, scheme by scheme and partner by partner.
    pub trace: Vec<TraceRow>,
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

/// Reduces `items` by `total` in proportion to them, to the penny.
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

fn add(list: &mut Vec<(Id, Money)>, p: Id, m: Money) {
    match list.iter_mut().find(|(q, _)| *q == p) {
        Some(e) => e.1 += m,
        None => list.push((p, m)),
    }
}

fn get(list: &[(Id, Money)], p: Id) -> Money {
    list.iter()
        .find(|(q, _)| *q == p)
        .map_or(Money::ZERO, |e| e.1)
}

/// The settlement's trace as it is worked.
struct Trace<'a> {
    ledger: &'a Ledger,
    rows: Vec<TraceRow>,
}

impl Trace<'_> {
    fn scheme(&self, s: Option<usize>) -> Option<String> {
        s.map(|s| self.ledger.schemes[s].id.clone())
    }

    fn pool(&mut self, step: &str, s: Option<usize>, amount: Money, what: &str, detail: String) {
        self.rows.push(TraceRow {
            step: step.into(),
            scheme: self.scheme(s),
            partner: None,
            amount,
            what: what.into(),
            detail,
        });
    }

    fn partner(
        &mut self,
        step: &str,
        p: Id,
        s: Option<usize>,
        amount: Money,
        what: &str,
        detail: String,
    ) {
        self.rows.push(TraceRow {
            step: step.into(),
            scheme: self.scheme(s),
            partner: Some(self.ledger.partners[p as usize].id.clone()),
            amount,
            what: what.into(),
            detail,
        });
    }

    /// A line per scheme whose overspend a step reduced.
    fn shrunk(&mut self, step: &str, before: &[Money], after: &[Money]) {
        self.changed(step, before, after, "overspend reduced");
    }

    /// A line per scheme whose figure a step changed.
    fn changed(&mut self, step: &str, before: &[Money], after: &[Money], what: &str) {
        for (s, (b, a)) in before.iter().zip(after).enumerate() {
            if b != a {
                self.pool(step, Some(s), *b - *a, what, format!("{b} → {a}"));
            }
        }
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
    let name = |p: Id| ledger.partners[p as usize].id.as_str();

    // Budgets, outturns and contributions by scheme, ring-fenced lines out.
    let mut budget = vec![Money::ZERO; n_schemes];
    let mut outturn = vec![Money::ZERO; n_schemes];
    let mut contributions: Vec<Vec<(Id, i64)>> = vec![Vec::new(); n_schemes];
    let mut ring_fenced_variance = Money::ZERO;
    let end = forecast.map_or(year.last_day(), |p| p.last_day());
    let period = forecast.unwrap_or_else(|| Period::new(year, 12).expect("March"));
    let line_figures = crate::report::monitoring(ledger, period);
    for line in &line_figures.lines {
        let s = ledger.scheme(&line.scheme).expect("report names schemes");
        let f = ledger.source(&line.source).expect("report names sources");
        let out = match forecast {
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
    let contribution = |s: usize, p: Id| {
        Money::from_pence(
            contributions[s]
                .iter()
                .find(|(q, _)| *q == p)
                .map_or(0, |c| c.1),
        )
    };
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
    let mut trace = Trace {
        ledger,
        rows: Vec::new(),
    };
    let mut unfunded_detail: Vec<(String, Money)> = Vec::new();
    let mut risk_pool_used = Money::ZERO;
    let mut risk_pool_left = agreement.risk_pool;
    let scheme_id = |s: usize| ledger.schemes[s].id.clone();
    let rule_for = |s: usize| {
        agreement
            .rules
            .iter()
            .find(|r| r.schemes.as_ref().is_some_and(|l| l.contains(&(s as Id))))
            .or_else(|| agreement.rules.iter().find(|r| r.schemes.is_none()))
    };
    let commissioners = |s: usize| -> Vec<(Id, i64)> {
        ledger.schemes[s]
            .commissioners
            .iter()
            .map(|(p, bp)| (*p, i64::from(*bp)))
            .collect()
    };
    let mut lead_left: Vec<Money> = agreement
        .rules
        .iter()
        .map(|r| r.lead.map_or(Money::ZERO, |l| l.1))
        .collect();

    for s in 0..n_schemes {
        if !variance[s].is_zero() {
            trace.pool(
                "variance",
                Some(s),
                variance[s],
                if variance[s].is_negative() {
                    "underspend"
                } else {
                    "overspend"
                },
                format!(
                    "outturn {} against a budget of {}{}",
                    outturn[s],
                    budget[s],
                    rule_for(s).map_or(String::new(), |r| format!("; rule {}", r.index + 1))
                ),
            );
        }
    }
    if !ring_fenced_variance.is_zero() {
        trace.pool(
            "variance",
            None,
            ring_fenced_variance,
            "ring-fenced",
            "ring-fenced sources' variance, left out and carried forward".into(),
        );
    }

    // R10: management-action underspends are retained by whoever made them
    // and never offset other overspends; uncommitted allocations wait for
    // their own step.
    let mut retained = Money::ZERO;
    let mut retained_by: Vec<(Id, Money)> = Vec::new();
    let mut uncommitted = vec![Money::ZERO; n_schemes];
    for s in 0..n_schemes {
        let u = under[s];
        if u.is_zero() {
            continue;
        }
        let listed = agreement.management_action.contains(&(s as Id));
        let is_uncommitted = agreement.uncommitted.contains(&(s as Id));
        if listed || (!agreement.windfall_by_default && !is_uncommitted) {
            under[s] = Money::ZERO;
            retained += u;
            let (keepers, basis) = match agreement.retained_by.iter().find(|(q, _)| *q == s as Id) {
                Some((_, p)) => (vec![(*p, 1)], "named in the agreement"),
                None => (commissioners(s), "by commissioning split"),
            };
            for (p, m) in share_out(u, &keepers, &order) {
                add(&mut retained_by, p, m);
                trace.partner(
                    "retained",
                    p,
                    Some(s),
                    Money::ZERO,
                    "underspend retained (management action)",
                    format!(
                        "keeps {m} of the {u} underspend ({basis}), to reserves or next year: not used for other overspends and not paid out"
                    ),
                );
            }
        } else if is_uncommitted {
            under[s] = Money::ZERO;
            uncommitted[s] = u;
            trace.pool(
                "uncommitted",
                Some(s),
                u,
                "allocation uncommitted",
                "held for the uncommitted step".into(),
            );
        }
    }

    for step in &agreement.waterfall {
        let need: Money = over.iter().sum();
        let before = over.clone();
        match step {
            Step::Performance => {
                for pot in &agreement.performance {
                    let released = released(pot);
                    let drawn = released.min(over.iter().sum());
                    let before = over.clone();
                    reduce(&mut over, drawn);
                    let detail = format!(
                        "{}: actual {} against target {} releases {released} of the {} pot; {drawn} used",
                        pot.metric, pot.actual, pot.target, pot.pot
                    );
                    if !drawn.is_zero() {
                        trace.partner(
                            "performance",
                            pot.partner,
                            None,
                            drawn,
                            "performance money released",
                            detail.clone(),
                        );
                    } else {
                        trace.pool("performance", None, released, "pot", detail.clone());
                    }
                    trace.shrunk("performance", &before, &over);
                    steps.push(StepRow {
                        step: "performance".into(),
                        amount: drawn,
                        detail: format!("{}'s pot: {detail}", name(pot.partner)),
                    });
                }
            }
            Step::Underspends => {
                let offset = need.min(under.iter().sum());
                let under_before = under.clone();
                reduce(&mut over, offset);
                reduce(&mut under, offset);
                trace.changed("underspends", &under_before, &under, "underspend used");
                trace.shrunk("underspends", &before, &over);
                steps.push(StepRow {
                    step: "underspends".into(),
                    amount: offset,
                    detail: "overspends met from windfall underspends elsewhere in the pool".into(),
                });
            }
            Step::RiskPool => {
                let used = need.min(agreement.risk_pool);
                reduce(&mut over, used);
                risk_pool_used = used;
                risk_pool_left = agreement.risk_pool - used;
                trace.shrunk("risk-pool", &before, &over);
                let shares: Vec<(Id, i64)> = agreement
                    .risk_pool_shares
                    .iter()
                    .map(|(p, bp)| (*p, i64::from(*bp)))
                    .collect();
                let bore = share_out(used, &shares, &order);
                for (p, m) in &bore {
                    trace.partner(
                        "risk-pool",
                        *p,
                        None,
                        Money::ZERO,
                        "risk pool used",
                        format!("{m} of the overspend met from its share of the risk pool (already paid in)"),
                    );
                }
                let back = share_out(risk_pool_left, &shares, &order);
                for (p, m) in &back {
                    trace.partner(
                        "risk-pool",
                        *p,
                        None,
                        -*m,
                        "unused risk pool returned",
                        format!("its share of the {risk_pool_left} left in the risk pool"),
                    );
                }
                let list = |v: &[(Id, Money)]| {
                    if v.is_empty() {
                        "nobody".to_string()
                    } else {
                        v.iter()
                            .map(|(p, m)| format!("{} {m}", name(*p)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                steps.push(StepRow {
                    step: "risk-pool".into(),
                    amount: used,
                    detail: format!(
                        "from a risk pool of {}: used {used} (borne by {}), {risk_pool_left} returned ({})",
                        agreement.risk_pool,
                        list(&bore),
                        list(&back)
                    ),
                });
            }
            Step::Uncommitted => {
                let offset = need.min(uncommitted.iter().sum());
                let held = uncommitted.clone();
                reduce(&mut over, offset);
                reduce(&mut uncommitted, offset);
                trace.changed("uncommitted", &held, &uncommitted, "allocation used");
                trace.shrunk("uncommitted", &before, &over);
                steps.push(StepRow {
                    step: "uncommitted".into(),
                    amount: offset,
                    detail: "overspends met from uncommitted scheme allocations".into(),
                });
            }
            Step::Partners => {
                let mut charged = Money::ZERO;
                for s in 0..n_schemes {
                    let x = over[s];
                    if x.is_zero() {
                        continue;
                    }
                    over[s] = Money::ZERO;
                    let Some(rule) = rule_for(s) else {
                        unfunded_detail.push((scheme_id(s), x));
                        trace.pool(
                            "partners",
                            Some(s),
                            x,
                            "unfunded",
                            "no rule covers it".into(),
                        );
                        continue;
                    };
                    let rule_no = rule.index + 1;
                    trace.pool(
                        "partners",
                        Some(s),
                        x,
                        "overspend to share",
                        format!("rule {rule_no}"),
                    );
                    let cap_of = |p: Id| {
                        rule.cap_for(p).map(|c| match c {
                            Cap::Contribution => (contribution(s, p), "its contribution"),
                            Cap::Amount(m) => (m, "the agreed cap"),
                        })
                    };
                    let room = |p: Id, paid: &[(Id, Money)]| {
                        cap_of(p).map(|(c, _)| (c - get(paid, p)).max(Money::ZERO))
                    };
                    let mut paid: Vec<(Id, Money)> = Vec::new();
                    let mut left = x;
                    if let Some((lead, limit)) = rule.lead {
                        let mut absorbed = left.min(lead_left[rule.index]);
                        if let Some(r) = room(lead, &paid) {
                            absorbed = absorbed.min(r);
                        }
                        if !absorbed.is_zero() {
                            lead_left[rule.index] -= absorbed;
                            left -= absorbed;
                            add(&mut paid, lead, absorbed);
                            trace.partner(
                                "partners",
                                lead,
                                Some(s),
                                absorbed,
                                "lead body absorbs first",
                                format!(
                                    "rule {rule_no}: up to {limit} across the rule's schemes{}; {} of that limit left",
                                    cap_of(lead).map_or(String::new(), |(c, w)| format!(", within its cap of {c} ({w})")),
                                    lead_left[rule.index]
                                ),
                            );
                        }
                    }
                    let contrib = &contributions[s];
                    let (weights, basis): (Vec<(Id, i64)>, &str) = match &rule.share {
                        Share::ProRata => (contrib.clone(), "in proportion to contributions"),
                        Share::Commissioner => (commissioners(s), "by commissioning split"),
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
                                    (*p, (spent - contribution(s, *p)).pence().max(0))
                                })
                                .collect();
                            if own.iter().any(|(_, w)| *w > 0) {
                                (own, "each partner its own overspend")
                            } else {
                                (
                                    contrib.clone(),
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
                    let shares = share_out(left, &weights, &order);
                    if shares.is_empty() && !left.is_zero() {
                        unfunded_detail.push((scheme_id(s), left));
                        trace.pool(
                            "partners",
                            Some(s),
                            left,
                            "unfunded",
                            format!("rule {rule_no}: {basis} names nobody with a share"),
                        );
                        charged += x - left;
                        continue;
                    }
                    let mut excess = Money::ZERO;
                    for (p, m) in shares {
                        let mut m = m;
                        if let Some(r) = room(p, &paid) {
                            let (c, what) = cap_of(p).expect("capped");
                            if m > r {
                                excess += m - r;
                                trace.partner(
                                    "partners",
                                    p,
                                    Some(s),
                                    Money::ZERO,
                                    "cap reached",
                                    format!(
                                        "its share {m} (with {} already) would pass its cap of {c} ({what}): {} over",
                                        get(&paid, p),
                                        m - r
                                    ),
                                );
                                m = r;
                            } else {
                                trace.partner(
                                    "partners",
                                    p,
                                    Some(s),
                                    Money::ZERO,
                                    "cap checked",
                                    format!(
                                        "{} in all, within its cap of {c} ({what})",
                                        get(&paid, p) + m
                                    ),
                                );
                            }
                        }
                        if m.is_zero() {
                            continue;
                        }
                        add(&mut paid, p, m);
                        trace.partner(
                            "partners",
                            p,
                            Some(s),
                            m,
                            "overspend",
                            format!("rule {rule_no}: {basis}"),
                        );
                    }
                    // Passed on to those with headroom, in proportion to
                    // contributions, or left unfunded.
                    while !excess.is_zero() && rule.excess == Excess::ProRata {
                        let takers: Vec<(Id, i64)> = order
                            .iter()
                            .filter(|p| room(**p, &paid).is_none_or(|r| !r.is_zero()))
                            .map(|p| (*p, contribution(s, *p).pence()))
                            .filter(|(_, w)| *w > 0)
                            .collect();
                        if takers.is_empty() {
                            break;
                        }
                        let more = share_out(excess, &takers, &order);
                        excess = Money::ZERO;
                        for (p, m) in more {
                            let take = room(p, &paid).map_or(m, |r| m.min(r));
                            excess += m - take;
                            if take.is_zero() {
                                continue;
                            }
                            add(&mut paid, p, take);
                            trace.partner(
                                "partners",
                                p,
                                Some(s),
                                take,
                                "excess over a cap passed on",
                                format!(
                                    "rule {rule_no}: in proportion to contributions, among partners under their caps{}",
                                    cap_of(p).map_or(String::new(), |(c, _)| format!("; {} of its cap of {c}", get(&paid, p)))
                                ),
                            );
                        }
                    }
                    if !excess.is_zero() {
                        unfunded_detail.push((scheme_id(s), excess));
                        trace.pool(
                            "partners",
                            Some(s),
                            excess,
                            "unfunded",
                            format!("rule {rule_no}: over the caps, needs the partners' agreement"),
                        );
                    }
                    charged += x - excess;
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
            trace.pool(
                "unfunded",
                Some(s),
                *x,
                "unfunded",
                "no step of the waterfall covers it".into(),
            );
        }
    }

    // Underspends left, and uncommitted allocations not needed: a fixed
    // line's to the host, a variable line's by its split (R6), the rest
    // returned in proportion to contributions (R10 windfall).
    let mut windfall = Money::ZERO;
    let mut returned_by_line = Money::ZERO;
    for s in 0..n_schemes {
        let u = under[s] + uncommitted[s];
        if u.is_zero() {
            continue;
        }
        let rule = rule_for(s);
        match rule.map(|r| (&r.share, r.index + 1)) {
            Some((Share::Fixed, n)) => {
                let host = ledger.host().expect("validated: a fixed line needs a host");
                returned_by_line += u;
                trace.partner(
                    "windfall",
                    host,
                    Some(s),
                    -u,
                    "underspend on a fixed line",
                    format!("rule {n}: the host absorbs a fixed line's variance; the others' contributions do not move"),
                );
            }
            Some((Share::Split(split), n)) => {
                returned_by_line += u;
                let w: Vec<(Id, i64)> = split.iter().map(|(p, bp)| (*p, i64::from(*bp))).collect();
                for (p, m) in share_out(u, &w, &order) {
                    trace.partner(
                        "windfall",
                        p,
                        Some(s),
                        -m,
                        "underspend on a variable line",
                        format!("rule {n}: by the agreed split"),
                    );
                }
            }
            _ => windfall += u,
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
            add(&mut returns, p, m);
        }
        for (p, m) in &returns {
            trace.partner(
                "windfall",
                *p,
                None,
                -*m,
                "windfall underspend returned",
                if agreement.protection.is_some_and(|(q, _)| q == *p) {
                    "in proportion to contributions, after the others' first reduction".into()
                } else {
                    "in proportion to contributions".into()
                },
            );
        }
    }
    if !windfall.is_zero() || !returned_by_line.is_zero() {
        steps.push(StepRow {
            step: "windfall".into(),
            amount: windfall + returned_by_line,
            detail: if returned_by_line.is_zero() {
                "underspends returned to partners".into()
            } else {
                format!("underspends returned to partners ({returned_by_line} by fixed or variable lines' shares)")
            },
        });
    }
    if !retained.is_zero() {
        steps.push(StepRow {
            step: "retained".into(),
            amount: retained,
            detail: format!(
                "management-action underspends kept by those who achieved them ({})",
                retained_by
                    .iter()
                    .map(|(p, m)| format!("{} {m}", name(*p)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
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
        .map(|p| {
            let me = name(*p);
            let parts: Vec<Part> = trace
                .rows
                .iter()
                .filter(|r| r.partner.as_deref() == Some(me))
                .map(|r| Part {
                    step: r.step.clone(),
                    what: r.what.clone(),
                    scheme: r.scheme.clone(),
                    amount: r.amount,
                    detail: r.detail.clone(),
                })
                .collect();
            PartnerRow {
                partner: me.to_string(),
                amount: parts.iter().map(|x| x.amount).sum(),
                retained: get(&retained_by, *p),
                parts,
            }
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
        risk_pool: agreement.risk_pool,
        risk_pool_used,
        risk_pool_left,
        ring_fenced_variance,
        trace: trace.rows,
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
