//! Outcome contracts (social impact bonds and other payment-by-results
//! contracts): what commissioners pay a provider for the outcomes its
//! participants achieve.
//!
//! # The rules
//!
//! 1. **Threshold.** An outcome with a threshold is paid only if the treated
//!    cohort's rate improves on the comparison group's by at least the
//!    margin. A rate is what participants of a group achieved, summed, over
//!    the group's participants (every participant listed in the file is in
//!    the denominator of every outcome; one with no row for an outcome
//!    achieved it 0 times): a proportion for 0/1 outcomes. The improvement
//!    is treated − comparison when higher is better and comparison −
//!    treated when lower is. A margin in **points** (`margin_points = 5`, a
//!    plain number: `"5%"` is refused) compares the improvement × 100 with
//!    the margin; a **relative** margin (`margin_relative = "10%"`, a share
//!    from 0% to 100%) compares improvement ÷ comparison rate with it (a
//!    comparison rate of zero passes any improvement above zero). An outcome with no
//!    threshold is paid on what the treated cohort achieves. An outcome
//!    with a threshold fails when either group has no participants.
//!    Only treated participants are ever paid.
//! 2. **Price.** Before caps a treated participant earns, for each outcome
//!    that passed, what they achieved (0/1 or a count) × the outcome's price
//!    from the rate card.
//! 3. **Per-participant cap.** A participant earning more than the cap is
//!    paid the cap, shared over their outcomes in proportion to what each
//!    earned, to the penny by largest remainder (ties to the outcome first
//!    in the rate card).
//! 4. **Total cap.** When the payments after participant caps add up to
//!    more than the total cap, the cap is shared over the outcomes in
//!    proportion to their payments, the same way.
//! 5. **Top-up.** A central top-up of a stated share of each outcome's
//!    payment (after caps), to the penny with halves rounded up. By default
//!    (`top_up_basis = "within"`) the top-up pays that part of each payment
//!    and the co-payers share the rest; with `"added"` it is paid on top of
//!    the payment and the co-payers share the whole payment.
//! 6. **Co-payers** share each outcome's part in their set proportions
//!    (in millionths, summing exactly to 100%), to the penny by largest
//!    remainder over the payers in id order, so the parts always add up to
//!    the payment.
//!
//! # The contract file
//!
//! ```toml
//! [contract]
//! name = "Northshire Positive Futures"
//! participant_cap = "£5,000"      # optional
//! total_cap = "£100,000"          # optional
//! top_up = "20%"                  # optional, default none
//! top_up_basis = "within"         # or "added"
//!
//! [rate_card]                     # outcome → price per unit achieved
//! stable-housing = "£1,500"
//! reduced-offending = "£2,000"
//!
//! [[payer]]
//! id = "county-council"
//! share = "50%"
//!
//! [[threshold]]
//! outcome = "reduced-offending"
//! better = "lower"                # of the rate: "higher" or "lower"
//! margin_points = 5               # or margin_relative = "10%"
//! ```
//!
//! # The outcomes file
//!
//! CSV: `participant`, `outcome` (an outcome of the rate card), `group`
//! (`treatment` or `comparison`), `achieved` (0, 1 or a count). One row
//! per participant and outcome.

use std::collections::BTreeMap;

use oneplace_core::toml_input::{Checker, S, Value, parse_toml};
use oneplace_core::{Diagnostic, InputError, LineIndex, Money, allocate_weights};
use oneplace_report::{Cell, Document, Section, Table, render_text};
use serde::{Deserialize, Serialize};

use crate::table::{CsvTable, millionths, mul_div_round};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

impl Better {
    pub fn parse(s: &str) -> Option<Better> {
        match s.trim() {
            "higher" => Some(Better::Higher),
            "lower" => Some(Better::Lower),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
        }
    }
}

/// How far the cohort must improve on the comparison group.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Margin {
    /// Percentage points (5 is five points).
    Points(f64),
    /// A fraction of the comparison rate (0.1 is 10%).
    Relative(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Threshold {
    pub better: Better,
    pub margin: Margin,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateLine {
    pub outcome: String,
    pub price: Money,
    pub threshold: Option<Threshold>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Payer {
    pub id: String,
    /// The share in millionths (500,000 is 50%).
    pub share_millionths: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopUpBasis {
    /// The top-up pays its share of each payment; co-payers the rest.
    Within,
    /// The top-up is paid on top; co-payers share the whole payment.
    Added,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contract {
    pub name: String,
    pub participant_cap: Option<Money>,
    pub total_cap: Option<Money>,
    /// In millionths of each payment.
    pub top_up_millionths: i64,
    pub top_up_basis: TopUpBasis,
    /// In the order written.
    pub rate_card: Vec<RateLine>,
    /// In id order.
    pub payers: Vec<Payer>,
}

impl Contract {
    pub fn outcome(&self, id: &str) -> Option<usize> {
        self.rate_card.iter().position(|r| r.outcome == id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    contract: S<RawContract>,
    rate_card: Option<S<BTreeMap<S<String>, S<Value>>>>,
    #[serde(default)]
    payer: Vec<S<RawPayer>>,
    #[serde(default)]
    threshold: Vec<S<RawThreshold>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    name: S<String>,
    participant_cap: Option<S<Value>>,
    total_cap: Option<S<Value>>,
    top_up: Option<S<Value>>,
    top_up_basis: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPayer {
    id: S<String>,
    share: S<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    outcome: S<String>,
    better: S<String>,
    margin_points: Option<S<Value>>,
    margin_relative: Option<S<Value>>,
}

/// Reads a contract file. `file` names it in messages.
pub fn read_contract(file: &str, text: &str) -> Result<Contract, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let head = raw.contract.get_ref();
    let name = c
        .text(&head.name, "the contract's name")
        .unwrap_or_default();
    let participant_cap = head
        .participant_cap
        .as_ref()
        .and_then(|v| c.money(v, "participant_cap"));
    let total_cap = head
        .total_cap
        .as_ref()
        .and_then(|v| c.money(v, "total_cap"));
    let top_up = head
        .top_up
        .as_ref()
        .and_then(|v| c.share(v, "top_up"))
        .map_or(0, millionths);
    let top_up_basis = match &head.top_up_basis {
        None => TopUpBasis::Within,
        Some(s) => match s.get_ref().trim() {
            "within" => TopUpBasis::Within,
            "added" => TopUpBasis::Added,
            other => {
                c.error_expected(
                    s.span(),
                    format!("top_up_basis '{other}' is not known"),
                    "\"within\" (the top-up pays part of each payment) or \"added\" (on top)",
                );
                TopUpBasis::Within
            }
        },
    };
    let mut rate_card: Vec<RateLine> = Vec::new();
    match &raw.rate_card {
        None => c.whole(
            "the contract has no [rate_card]",
            "[rate_card] with a price for each outcome",
        ),
        Some(card) => {
            // Written order: by position in the file.
            let mut lines: Vec<(&S<String>, &S<Value>)> = card.get_ref().iter().collect();
            lines.sort_by_key(|(k, _)| k.span().start);
            for (k, v) in lines {
                let id = c.identifier(k, "the outcome");
                let price = c.money(v, &format!("the price of '{}'", k.get_ref()));
                if let (Some(outcome), Some(price)) = (id, price) {
                    rate_card.push(RateLine {
                        outcome,
                        price,
                        threshold: None,
                    });
                }
            }
            if card.get_ref().is_empty() {
                c.error_expected(
                    card.span(),
                    "the rate card is empty",
                    "a price for each outcome, such as stable-housing = \"£1,500\"",
                );
            }
        }
    }
    for t in &raw.threshold {
        let tr = t.get_ref();
        let outcome = tr.outcome.get_ref().trim();
        let better = Better::parse(tr.better.get_ref());
        if better.is_none() {
            c.error_expected(
                tr.better.span(),
                format!("direction '{}' is not known", tr.better.get_ref()),
                "better = \"higher\" or better = \"lower\"",
            );
        }
        let margin = match (&tr.margin_points, &tr.margin_relative) {
            (Some(p), None) => {
                if crate::table::is_percent_text(p.get_ref()) {
                    c.error_expected(
                        p.span(),
                        "margin_points is written as a percentage",
                        "a number of percentage points, such as margin_points = 5",
                    );
                    None
                } else {
                    c.number(p, "margin_points").and_then(|x| {
                        if x < 0.0 {
                            c.error_expected(
                                p.span(),
                                "margin_points is negative",
                                "a margin of zero or more",
                            );
                            None
                        } else {
                            Some(Margin::Points(x))
                        }
                    })
                }
            }
            (None, Some(r)) => c.share(r, "margin_relative").map(Margin::Relative),
            _ => {
                c.error_expected(
                    t.span(),
                    format!("the threshold for '{outcome}' needs one of margin_points and margin_relative"),
                    "margin_points = 5 (percentage points) or margin_relative = \"10%\"",
                );
                None
            }
        };
        let Some(line) = rate_card.iter_mut().find(|r| r.outcome == outcome) else {
            c.error_expected(
                tr.outcome.span(),
                format!("a threshold for '{outcome}', which is not in the rate card"),
                "an outcome of [rate_card]",
            );
            continue;
        };
        if line.threshold.is_some() {
            c.error_expected(
                tr.outcome.span(),
                format!("the threshold for '{outcome}' is given twice"),
                "one [[threshold]] an outcome",
            );
            continue;
        }
        if let (Some(better), Some(margin)) = (better, margin) {
            line.threshold = Some(Threshold { better, margin });
        }
    }
    let mut payers: Vec<Payer> = Vec::new();
    for p in &raw.payer {
        let pr = p.get_ref();
        let id = c.identifier(&pr.id, "the payer");
        let share = c.share(&pr.share, "the payer's share");
        let (Some(id), Some(share)) = (id, share) else {
            continue;
        };
        if payers.iter().any(|x| x.id == id) {
            c.error_expected(
                pr.id.span(),
                format!("payer '{id}' is given twice"),
                "one [[payer]] each",
            );
            continue;
        }
        payers.push(Payer {
            id,
            share_millionths: millionths(share),
        });
    }
    if raw.payer.is_empty() {
        c.whole(
            "the contract has no [[payer]]",
            "[[payer]] with id and share",
        );
    } else {
        let sum: i64 = payers.iter().map(|p| p.share_millionths).sum();
        if payers.len() == raw.payer.len() && sum != 1_000_000 {
            c.error_expected(
                raw.payer[0].span(),
                format!(
                    "the payers' shares add up to {}%",
                    oneplace_core::toml_input::trim_number(sum as f64 / 10_000.0)
                ),
                "shares adding up to 100%",
            );
        }
    }
    payers.sort_by(|a, b| a.id.cmp(&b.id));
    c.finish()?;
    Ok(Contract {
        name,
        participant_cap,
        total_cap,
        top_up_millionths: top_up,
        top_up_basis,
        rate_card,
        payers,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Treatment,
    Comparison,
}

/// One participant: their group and what they achieved of each outcome of
/// the rate card, in its order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub id: String,
    pub group: Group,
    pub achieved: Vec<u64>,
}

/// Reads the outcomes file against the contract. Every row is counted or
/// named in an error: an outcome not in the rate card, a participant in
/// both groups, a participant and outcome given twice, a group or count
/// that cannot be read.
pub fn read_outcomes(
    contract: &Contract,
    file: &str,
    text: &str,
) -> Result<Vec<Participant>, InputError> {
    let t = CsvTable::read(file, text)?;
    let mut diags = Vec::new();
    let cols = t.columns(
        &["participant", "outcome", "group", "achieved"],
        &[],
        &mut diags,
    );
    InputError::check(std::mem::take(&mut diags))?;
    let mut people: Vec<Participant> = Vec::new();
    // participant → (index, row of first appearance)
    let mut at: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    // (participant, outcome) → row
    let mut given: BTreeMap<(String, usize), u64> = BTreeMap::new();
    for r in &t.rows {
        let id = r.get(cols[0]);
        if id.is_empty() {
            diags.push(
                Diagnostic::new(t.at(r.row, Some("participant")), "the participant is empty")
                    .expected("an id for every participant"),
            );
            continue;
        }
        let outcome_text = r.get(cols[1]);
        let outcome = contract.outcome(outcome_text);
        if outcome.is_none() {
            diags.push(
                Diagnostic::new(
                    t.at(r.row, Some("outcome")),
                    format!("outcome '{outcome_text}' is not in the rate card"),
                )
                .expected(format!(
                    "one of {}",
                    contract
                        .rate_card
                        .iter()
                        .map(|r| r.outcome.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        let group = match r.get(cols[2]) {
            "treatment" => Some(Group::Treatment),
            "comparison" => Some(Group::Comparison),
            g => {
                diags.push(
                    Diagnostic::new(
                        t.at(r.row, Some("group")),
                        format!("group '{g}' is not known"),
                    )
                    .expected("treatment or comparison"),
                );
                None
            }
        };
        let achieved_text = r.get(cols[3]);
        let achieved = achieved_text.parse::<u64>().ok();
        if achieved.is_none() {
            diags.push(
                Diagnostic::new(
                    t.at(r.row, Some("achieved")),
                    format!("achieved '{achieved_text}' is not a whole number of zero or more"),
                )
                .expected("0 or 1, or a count"),
            );
        }
        let (Some(outcome), Some(group), Some(achieved)) = (outcome, group, achieved) else {
            continue;
        };
        let index = match at.get(id) {
            Some(&(i, first)) => {
                if people[i].group != group {
                    diags.push(
                        Diagnostic::new(
                            t.at(r.row, Some("group")),
                            format!(
                                "participant '{id}' is in both groups (in {} at row {first})",
                                match people[i].group {
                                    Group::Treatment => "treatment",
                                    Group::Comparison => "comparison",
                                }
                            ),
                        )
                        .expected("each participant in one group"),
                    );
                    continue;
                }
                i
            }
            None => {
                at.insert(id.to_string(), (people.len(), r.row));
                people.push(Participant {
                    id: id.to_string(),
                    group,
                    achieved: vec![0; contract.rate_card.len()],
                });
                people.len() - 1
            }
        };
        if let Some(first) = given.insert((id.to_string(), outcome), r.row) {
            diags.push(
                Diagnostic::new(
                    t.at(r.row, Some("outcome")),
                    format!("participant '{id}' has '{outcome_text}' twice (first at row {first})"),
                )
                .expected("one row per participant and outcome"),
            );
            continue;
        }
        people[index].achieved[outcome] = achieved;
    }
    InputError::check(diags)?;
    Ok(people)
}

/// One outcome's test and payments.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeResult {
    pub outcome: String,
    pub price: Money,
    pub threshold: Option<Threshold>,
    pub treated: u64,
    pub treated_achieved: u64,
    /// Achieved per treated participant.
    pub treated_rate: Option<f64>,
    pub comparison: u64,
    pub comparison_achieved: u64,
    pub comparison_rate: Option<f64>,
    /// Treated rate − comparison rate.
    pub difference: Option<f64>,
    pub passed: bool,
    /// Why it failed, when it did.
    pub reason: Option<String>,
    pub before_caps: Money,
    pub after_participant_cap: Money,
    pub after_caps: Money,
    pub top_up: Money,
    /// Each payer's part, in payer id order.
    pub payers: Vec<PayerAmount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PayerAmount {
    pub payer: String,
    pub amount: Money,
}

/// What a treated participant earned, before and after their cap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParticipantPayment {
    pub participant: String,
    pub before: Money,
    pub after: Money,
    pub capped: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settlement {
    pub contract: String,
    pub outcomes: Vec<OutcomeResult>,
    /// Every treated participant, in the order of the file (before the
    /// total cap, which applies to outcomes, not participants).
    pub participants: Vec<ParticipantPayment>,
    pub before_caps: Money,
    pub removed_by_participant_cap: Money,
    pub removed_by_total_cap: Money,
    pub after_caps: Money,
    pub top_up: Money,
    pub top_up_basis: TopUpBasis,
    pub payers: Vec<PayerAmount>,
    /// What the provider is paid: the payments after caps, plus the top-up
    /// when it is added on top. Always the payers' amounts plus the top-up.
    pub total: Money,
}

fn rate(sum: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum as f64 / n as f64)
}

/// Tests each outcome's threshold: (passed, reason when not).
fn test(t: &Threshold, treated: Option<f64>, comparison: Option<f64>) -> (bool, Option<String>) {
    let (Some(tr), Some(cr)) = (treated, comparison) else {
        return (
            false,
            Some("no participants in one of the groups: the threshold cannot be tested".into()),
        );
    };
    let improvement = match t.better {
        Better::Higher => tr - cr,
        Better::Lower => cr - tr,
    };
    // Rates are ratios of counts; a small allowance keeps a margin met
    // exactly from failing on the last bit of a float.
    const EPS: f64 = 1e-9;
    let passed = match t.margin {
        Margin::Points(m) => improvement * 100.0 >= m - EPS,
        Margin::Relative(m) if cr == 0.0 => improvement > 0.0 && m.is_finite(),
        Margin::Relative(m) => improvement / cr >= m - EPS,
    };
    let reason = (!passed).then(|| match t.margin {
        Margin::Points(m) => format!(
            "improvement of {} points is below the margin of {} points",
            oneplace_core::toml_input::trim_number((improvement * 100.0 * 100.0).round() / 100.0),
            oneplace_core::toml_input::trim_number(m)
        ),
        Margin::Relative(m) => format!(
            "relative improvement of {}% is below the margin of {}%",
            if cr == 0.0 {
                "0".into()
            } else {
                oneplace_core::toml_input::trim_number(
                    (improvement / cr * 100.0 * 100.0).round() / 100.0,
                )
            },
            oneplace_core::toml_input::trim_number(m * 100.0)
        ),
    });
    (passed, reason)
}

/// Settles the contract on the participants' outcomes (rules 1–6 of the
/// module).
pub fn settle(contract: &Contract, participants: &[Participant]) -> Settlement {
    let k = contract.rate_card.len();
    let mut results: Vec<OutcomeResult> = contract
        .rate_card
        .iter()
        .enumerate()
        .map(|(o, line)| {
            let mut n = [0u64; 2];
            let mut s = [0u64; 2];
            for p in participants {
                let g = usize::from(p.group == Group::Comparison);
                n[g] += 1;
                s[g] += p.achieved.get(o).copied().unwrap_or(0);
            }
            let (tr, cr) = (rate(s[0], n[0]), rate(s[1], n[1]));
            let (passed, reason) = match &line.threshold {
                None => (true, None),
                Some(t) => test(t, tr, cr),
            };
            OutcomeResult {
                outcome: line.outcome.clone(),
                price: line.price,
                threshold: line.threshold,
                treated: n[0],
                treated_achieved: s[0],
                treated_rate: tr,
                comparison: n[1],
                comparison_achieved: s[1],
                comparison_rate: cr,
                difference: tr.zip(cr).map(|(a, b)| a - b),
                passed,
                reason,
                before_caps: Money::ZERO,
                after_participant_cap: Money::ZERO,
                after_caps: Money::ZERO,
                top_up: Money::ZERO,
                payers: Vec::new(),
            }
        })
        .collect();

    // Rules 2 and 3: price, then each participant's cap.
    let mut payments = Vec::new();
    for p in participants.iter().filter(|p| p.group == Group::Treatment) {
        let earned: Vec<Money> = (0..k)
            .map(|o| {
                if results[o].passed {
                    contract.rate_card[o].price * p.achieved.get(o).copied().unwrap_or(0) as i64
                } else {
                    Money::ZERO
                }
            })
            .collect();
        let before: Money = earned.iter().copied().sum();
        let after = match contract.participant_cap {
            Some(cap) if before > cap => {
                let weights: Vec<i64> = earned.iter().map(|m| m.pence()).collect();
                allocate_weights(cap, &weights).expect("earned adds up to more than the cap")
            }
            _ => earned.clone(),
        };
        payments.push(ParticipantPayment {
            participant: p.id.clone(),
            before,
            after: after.iter().copied().sum(),
            capped: after != earned,
        });
        for o in 0..k {
            results[o].before_caps += earned[o];
            results[o].after_participant_cap += after[o];
        }
    }
    let after_participant: Money = results.iter().map(|r| r.after_participant_cap).sum();

    // Rule 4: the total cap.
    let after: Vec<Money> = match contract.total_cap {
        Some(cap) if after_participant > cap => {
            let weights: Vec<i64> = results
                .iter()
                .map(|r| r.after_participant_cap.pence())
                .collect();
            allocate_weights(cap, &weights).expect("payments add up to more than the cap")
        }
        _ => results.iter().map(|r| r.after_participant_cap).collect(),
    };

    // Rules 5 and 6: the top-up and the co-payers.
    let weights: Vec<i64> = contract.payers.iter().map(|p| p.share_millionths).collect();
    let mut payer_totals: Vec<Money> = vec![Money::ZERO; contract.payers.len()];
    for (o, r) in results.iter_mut().enumerate() {
        r.after_caps = after[o];
        r.top_up = Money::from_pence(mul_div_round(
            r.after_caps.pence(),
            contract.top_up_millionths,
            1_000_000,
        ));
        let shared = match contract.top_up_basis {
            TopUpBasis::Within => r.after_caps - r.top_up,
            TopUpBasis::Added => r.after_caps,
        };
        let parts = if weights.is_empty() || weights.iter().all(|w| *w == 0) {
            Vec::new()
        } else {
            allocate_weights(shared, &weights).expect("payers' shares are valid")
        };
        r.payers = contract
            .payers
            .iter()
            .zip(&parts)
            .map(|(p, m)| PayerAmount {
                payer: p.id.clone(),
                amount: *m,
            })
            .collect();
        for (t, m) in payer_totals.iter_mut().zip(&parts) {
            *t += *m;
        }
    }
    let before_caps: Money = results.iter().map(|r| r.before_caps).sum();
    let after_caps: Money = results.iter().map(|r| r.after_caps).sum();
    let top_up: Money = results.iter().map(|r| r.top_up).sum();
    Settlement {
        contract: contract.name.clone(),
        participants: payments,
        before_caps,
        removed_by_participant_cap: before_caps - after_participant,
        removed_by_total_cap: after_participant - after_caps,
        after_caps,
        top_up,
        top_up_basis: contract.top_up_basis,
        payers: contract
            .payers
            .iter()
            .zip(payer_totals)
            .map(|(p, amount)| PayerAmount {
                payer: p.id.clone(),
                amount,
            })
            .collect(),
        total: match contract.top_up_basis {
            TopUpBasis::Within => after_caps,
            TopUpBasis::Added => after_caps + top_up,
        },
        outcomes: results,
    }
}

fn opt_percent(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Percent)
}

/// The settlement as a document: the outcomes' tests, the payments
/// through the caps, and who pays.
pub fn settlement_document(s: &Settlement) -> Document {
    let mut tests = Table::new(&[
        ("outcome", "Outcome"),
        ("treated", "Treated"),
        ("treated_rate", "Treated rate"),
        ("comparison", "Comparison"),
        ("comparison_rate", "Comparison rate"),
        ("difference_points", "Difference (points)"),
        ("threshold", "Threshold"),
        ("passed", "Passed"),
    ]);
    for r in &s.outcomes {
        let threshold = r.threshold.map_or("none".to_string(), |t| {
            let m = match t.margin {
                Margin::Points(p) => {
                    format!("{} points", oneplace_core::toml_input::trim_number(p))
                }
                Margin::Relative(x) => {
                    format!("{}%", oneplace_core::toml_input::trim_number(x * 100.0))
                }
            };
            format!("{m}, {} is better", t.better.as_str())
        });
        tests.push(vec![
            Cell::Text(r.outcome.clone()),
            Cell::Integer(r.treated as i64),
            opt_percent(r.treated_rate),
            Cell::Integer(r.comparison as i64),
            opt_percent(r.comparison_rate),
            r.difference.map_or(Cell::Empty, |d| Cell::Number {
                value: d * 100.0,
                decimals: 1,
            }),
            Cell::Text(threshold),
            Cell::Text(match (&r.reason, r.passed) {
                (_, true) => "yes".into(),
                (Some(why), false) => format!("no: {why}"),
                (None, false) => "no".into(),
            }),
        ]);
    }
    let mut cols: Vec<(String, String)> = vec![
        ("outcome".into(), "Outcome".into()),
        ("price".into(), "Price".into()),
        ("before_caps".into(), "Before caps".into()),
        (
            "after_participant_cap".into(),
            "After participant cap".into(),
        ),
        ("after_caps".into(), "After caps".into()),
        ("top_up".into(), "Top-up".into()),
    ];
    for p in &s.payers {
        cols.push((p.payer.replace('-', "_"), p.payer.clone()));
    }
    let c: Vec<(&str, &str)> = cols.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut pay = Table::new(&c);
    for r in &s.outcomes {
        let mut row = vec![
            Cell::Text(r.outcome.clone()),
            Cell::Money(r.price),
            Cell::Money(r.before_caps),
            Cell::Money(r.after_participant_cap),
            Cell::Money(r.after_caps),
            Cell::Money(r.top_up),
        ];
        row.extend(r.payers.iter().map(|p| Cell::Money(p.amount)));
        row.resize(c.len(), Cell::Empty);
        pay.push(row);
    }
    let mut row = vec![
        Cell::Text("Total".into()),
        Cell::Empty,
        Cell::Money(s.before_caps),
        Cell::Money(s.before_caps - s.removed_by_participant_cap),
        Cell::Money(s.after_caps),
        Cell::Money(s.top_up),
    ];
    row.extend(s.payers.iter().map(|p| Cell::Money(p.amount)));
    pay.push(row);
    let mut summary = Table::new(&[("item", "Item"), ("amount", "Amount")]);
    for (item, m) in [
        ("Payments before caps", s.before_caps),
        (
            "Removed by the per-participant cap",
            s.removed_by_participant_cap,
        ),
        ("Removed by the total cap", s.removed_by_total_cap),
        ("Payments after caps", s.after_caps),
        ("Central top-up", s.top_up),
    ] {
        summary.push(vec![Cell::Text(item.into()), Cell::Money(m)]);
    }
    for p in &s.payers {
        summary.push(vec![
            Cell::Text(format!("Paid by {}", p.payer)),
            Cell::Money(p.amount),
        ]);
    }
    summary.push(vec![
        Cell::Text("Total paid to the provider".into()),
        Cell::Money(s.total),
    ]);
    let basis = match s.top_up_basis {
        TopUpBasis::Within => {
            "the top-up pays its share of each payment; the co-payers share the rest"
        }
        TopUpBasis::Added => {
            "the top-up is paid on top of each payment; the co-payers share the payment"
        }
    };
    Document::new(format!("{}: outcome payments", s.contract))
        .with_note(format!(
            "{} participants' payments were cut by the per-participant cap; {basis}.",
            s.participants.iter().filter(|p| p.capped).count()
        ))
        .with_section(Section::new(
            "tests",
            "Outcomes against the comparison group",
            tests,
        ))
        .with_section(Section::new("payments", "Payments by outcome", pay))
        .with_section(Section::new("summary", "Summary", summary))
}

/// The settlement as a plain-text table.
pub fn settlement_text(s: &Settlement) -> String {
    render_text(&settlement_document(s))
}
