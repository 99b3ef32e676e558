//! The double-count guard.
//!
//! The Unit Cost Database's hierarchy is not uniformly additive, and valuing
//! one event with a parent and its own children counts it twice. Within an
//! outcome (one event, one set of people), and kind by kind, two values
//! overlap when:
//!
//! * they are the same entry;
//! * one is an ancestor of the other through a constituent link (a parent
//!   is derived from its constituents), or through subsidiary links whose
//!   figures show the child is part or a version of the parent (component or
//!   variant);
//! * they are siblings of a variant group: alternatives, of which an event is
//!   one.
//!
//! A value may say why an overlap is intended (`allow_overlap = "reason"`),
//! and the guard then lets that pair through.

use oneplace_core::Diagnostic;
use oneplace_refdata::{Relation, Tier, UnitCostDatabase, ValueKind};

use crate::model::{Outcome, ValueLine};

/// Why two codes overlap, if they do.
fn overlap(a: &str, b: &str, ucd: &UnitCostDatabase) -> Option<String> {
    if a.eq_ignore_ascii_case(b) {
        return Some(format!("{a} is used twice"));
    }
    for (ancestor, descendant) in [(a, b), (b, a)] {
        let mut current = ucd.get(descendant)?;
        let mut overlapping = true;
        while let Some(link) = &current.parent {
            overlapping &= link.tier == Tier::Constituent || link.relation != Relation::Partial;
            if link.parent.eq_ignore_ascii_case(ancestor) {
                return overlapping.then(|| {
                    format!(
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
                    )
                });
            }
            current = ucd.get(&link.parent)?;
        }
    }
    let (pa, pb) = (ucd.get(a)?.parent.as_ref()?, ucd.get(b)?.parent.as_ref()?);
    if pa.parent == pb.parent && pa.tier == pb.tier && pa.relation == Relation::Variant {
        return Some(format!(
            "{a} and {b} are alternative versions under {} ({})",
            pa.parent, pa.basis
        ));
    }
    None
}

/// Diagnostics for every overlapping pair of values in `outcome`.
pub fn check_double_counting(outcome: &Outcome, ucd: &UnitCostDatabase) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let lines: Vec<(&ValueLine, &str)> = outcome
        .values
        .iter()
        .filter_map(|v| v.ucd_code().map(|c| (v, c)))
        .collect();
    for (j, (later, b)) in lines.iter().enumerate() {
        for (earlier, a) in &lines[..j] {
            if earlier.allow_overlap.is_some() || later.allow_overlap.is_some() {
                continue;
            }
            let shared: Vec<&str> = ValueKind::ALL
                .into_iter()
                .filter(|k| earlier.unit_value(*k).is_some() && later.unit_value(*k).is_some())
                .map(ValueKind::as_str)
                .collect();
            if shared.is_empty() {
                continue;
            }
            if let Some(why) = overlap(a, b, ucd) {
                out.push(
                    Diagnostic::new(
                        later.location.clone(),
                        format!(
                            "outcome '{}' counts the same {} value twice: {why}",
                            outcome.id,
                            shared.join(" and ")
                        ),
                    )
                    .expected(format!(
                        "one of {a} and {b} for the {} value (`kinds` picks which kinds a value takes), \
                         or allow_overlap = \"reason\" if both are meant",
                        shared.join(" and ")
                    )),
                );
            }
        }
    }
    out
}
