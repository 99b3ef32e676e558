//! The double-count guard.
//!
//! The Unit Cost Database's hierarchy is not uniformly additive, and valuing
//! one event with a parent and its own children counts it twice. Across the
//! whole model (the outcomes of one model usually describe the same people),
//! and kind by kind, two values overlap when:
//!
//! * one is an ancestor of the other and every link between them makes the
//!   child a part or a version of the parent: a component (the children add
//!   up to the parent), a variant (the parent averages its children), or a
//!   constituent the parent is derived from even when the listed
//!   constituents cover only part of it (partial constituents);
//! * within one outcome, they are the same entry.
//!
//! They do not overlap when they are siblings (two variants are different
//! cases: some incidents are burglaries and others robberies), when the
//! child is a partial subsidiary line (a separate line listed under a
//! headline, such as an inspector's hour under a sergeant's), or when the same
//! entry values two different outcomes (two events).
//!
//! A value may say that an overlap is intended: `allow_overlap = "reason"`
//! with `allow_overlap_with = ["CODE", …]` exempts only its pairs with those
//! codes; `allow_overlap = "reason"` alone exempts every pair the value is
//! part of.

use oneplace_core::{Diagnostic, Location};
use oneplace_refdata::{Relation, Tier, UnitCostDatabase, ValueKind};

use crate::model::{Outcome, ValueLine};

/// Why two codes overlap, if they do (`same_outcome`: whether the values
/// describe one event, so that using one entry twice counts it twice).
fn overlap(a: &str, b: &str, same_outcome: bool, ucd: &UnitCostDatabase) -> Option<String> {
    if a.eq_ignore_ascii_case(b) {
        return same_outcome.then(|| format!("{a} is used twice"));
    }
    for (ancestor, descendant) in [(a, b), (b, a)] {
        let Some(mut current) = ucd.get(descendant) else {
            continue;
        };
        let mut overlapping = true;
        while let Some(link) = &current.parent {
            overlapping &= link.tier == Tier::Constituent || link.relation != Relation::Partial;
            if link.parent.eq_ignore_ascii_case(ancestor) {
                if !overlapping {
                    break;
                }
                return Some(format!(
                    "{descendant} is {} {} of {ancestor} ({})",
                    match link.relation {
                        Relation::Component => "a component",
                        Relation::Variant => "a variant",
                        Relation::Partial => "part",
                    },
                    if link.tier == Tier::Constituent {
                        "constituent"
                    } else {
                        "subsidiary line"
                    },
                    link.basis
                ));
            }
            match ucd.get(&link.parent) {
                Some(p) => current = p,
                None => break,
            }
        }
    }
    None
}

/// The codes a value's `allow_overlap` covers: `None` for every code (a
/// reason alone), or the codes it names.
pub type Allowance<'a> = Option<&'a [String]>;

/// Whether `line` (with `allowance`) lets its overlap with `other` through.
fn allows(line: &ValueLine, allowance: Allowance, other: &str) -> bool {
    line.allow_overlap.is_some()
        && allowance.is_none_or(|codes| codes.iter().any(|c| c.trim().eq_ignore_ascii_case(other)))
}

/// What the model-wide check found.
#[derive(Debug, Default)]
pub struct GuardReport {
    pub diagnostics: Vec<Diagnostic>,
    /// (outcome, value, code) of every named allowance that let a pair
    /// through, so that one naming a code the value never overlaps can be
    /// refused as stale.
    pub used: Vec<(usize, usize, String)>,
}

/// Diagnostics for every overlapping pair of values in the model.
/// `allowance(outcome, value)` gives the codes a value's `allow_overlap`
/// is limited to, if any.
pub fn check_model<'a>(
    outcomes: &'a [Outcome],
    allowance: &dyn Fn(usize, usize) -> Allowance<'a>,
    ucd: &UnitCostDatabase,
) -> GuardReport {
    let mut report = GuardReport::default();
    let lines: Vec<(usize, usize, &ValueLine, &str)> = outcomes
        .iter()
        .enumerate()
        .flat_map(|(o, outcome)| {
            outcome
                .values
                .iter()
                .enumerate()
                .filter_map(move |(v, line)| line.ucd_code().map(|c| (o, v, line, c)))
        })
        .collect();
    for (j, &(ob, vb, later, b)) in lines.iter().enumerate() {
        for &(oa, va, earlier, a) in &lines[..j] {
            let shared: Vec<&str> = ValueKind::ALL
                .into_iter()
                .filter(|k| earlier.unit_value(*k).is_some() && later.unit_value(*k).is_some())
                .map(ValueKind::as_str)
                .collect();
            if shared.is_empty() {
                continue;
            }
            let Some(why) = overlap(a, b, oa == ob, ucd) else {
                continue;
            };
            let earlier_allows = allows(earlier, allowance(oa, va), b);
            let later_allows = allows(later, allowance(ob, vb), a);
            if earlier_allows && allowance(oa, va).is_some() {
                report.used.push((oa, va, b.to_uppercase()));
            }
            if later_allows && allowance(ob, vb).is_some() {
                report.used.push((ob, vb, a.to_uppercase()));
            }
            if earlier_allows || later_allows {
                continue;
            }
            let kinds = shared.join(" and ");
            let message = if oa == ob {
                format!(
                    "outcome '{}' counts the same {kinds} value twice: {why}; {a} is valued at {}",
                    outcomes[ob].id,
                    place(&earlier.location)
                )
            } else {
                format!(
                    "outcome '{}' and outcome '{}' count the same {kinds} value twice: {why}; \
                     {a} is valued in outcome '{}' at {}",
                    outcomes[oa].id,
                    outcomes[ob].id,
                    outcomes[oa].id,
                    place(&earlier.location)
                )
            };
            report.diagnostics.push(
                Diagnostic::new(later.location.clone(), message).expected(format!(
                    "one of {a} and {b} for the {kinds} value (`kinds` picks which kinds a value takes), \
                     or, if both are meant, allow_overlap = \"reason\" with allow_overlap_with = [\"{a}\"]"
                )),
            );
        }
    }
    report
}

fn place(location: &Location) -> String {
    location.to_string()
}

/// Diagnostics for every overlapping pair of values within `outcome`
/// alone, every `allow_overlap` exempting all of its value's pairs.
pub fn check_double_counting(outcome: &Outcome, ucd: &UnitCostDatabase) -> Vec<Diagnostic> {
    check_model(std::slice::from_ref(outcome), &|_, _| None, ucd).diagnostics
}
