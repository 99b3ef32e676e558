//! The Unit Cost Database's parent–child hierarchy and how children relate
//! to their parents.
//!
//! The structure comes from the codes, as the workbook's guidance describes
//! it: `X.0` is a headline line, `X.n` (n ≥ 1) a subsidiary line in the same
//! area, and `X.n.m` a constituent of `X.n`, from which the parent is derived.
//! The relation is then inferred from the figures, kind by kind, in one price
//! base: children that add up to the parent (within £1 or 0.5%) are
//! components; children that add up to less are partial; children that add
//! up to more are variants (alternatives, the parent being an average or a
//! typical case).
//!
//! The two tiers differ when the children add up to more. A constituent
//! `X.n.m` is a line its parent is derived from, so constituents worth more
//! than their parent are versions it averages: variants. A subsidiary `X.n`
//! is a related line listed under the headline `X.0`, and the headline is
//! usually just the first line of that list (`CR9.0`, a police sergeant's
//! hour, heads `CR9.1`, an inspector's hour): lines worth more than the
//! headline are separate lines beside it, neither its parts nor its versions,
//! and are classed partial (not additive). Where a headline really is the
//! average of its subsidiary lines (`CR8.0`, the average crime across the
//! types `CR8.1`–`CR8.19`), `data/unit-costs/relation-overrides.csv` says so,
//! with the reason. Wherever the figures mislead, an override says otherwise
//! and why.

use std::collections::BTreeMap;

use oneplace_core::{FinancialYear, Money};
use serde::Deserialize;

use super::{ParentLink, Relation, Tier, UnitCost, ValueKind, normalise_code};
use crate::deflator::DeflatorVintage;

/// The structural parent of a code and the tier of the link, if any.
///
/// `CR2.0.3` → (`CR2.0`, constituent); `CR5.4` → (`CR5.0`, subsidiary);
/// `CR5.0` → none.
pub fn structural_parent(code: &str) -> Option<(String, Tier)> {
    let code = code.trim();
    let digits_start = code.find(|c: char| c.is_ascii_digit())?;
    let (prefix, numbers) = code.split_at(digits_start);
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    match parts.as_slice() {
        [a, b, _] => Some((format!("{prefix}{a}.{b}"), Tier::Constituent)),
        [a, b] if b.parse::<u32>().ok()? != 0 => Some((format!("{prefix}{a}.0"), Tier::Subsidiary)),
        _ => None,
    }
}

/// An explicit relation for one parent's children, overriding the inference.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RelationOverride {
    pub parent: String,
    pub tier: Tier,
    pub relation: Relation,
    pub reason: String,
}

pub fn parse_overrides(csv_text: &str) -> Result<Vec<RelationOverride>, String> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("relation overrides row {}: {e}", i + 2)))
        .collect()
}

/// Sets every entry's [`ParentLink`]: the structural parent, and the
/// relation inferred by comparing values uprated to `price_base` with
/// `deflators`, or taken from `overrides`.
///
/// Fails when an override names a parent that has no such children, so a
/// stale override cannot linger silently.
pub fn link_parents(
    entries: &mut [UnitCost],
    deflators: &DeflatorVintage,
    price_base: FinancialYear,
    overrides: &[RelationOverride],
) -> Result<(), String> {
    let index: BTreeMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (normalise_code(&e.code), i))
        .collect();
    // (parent index, tier) → child indexes, in workbook order.
    let mut groups: BTreeMap<(usize, Tier), Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some((parent, tier)) = structural_parent(&e.code)
            && let Some(&p) = index.get(&normalise_code(&parent))
        {
            groups.entry((p, tier)).or_default().push(i);
        }
    }
    let mut used_overrides = vec![false; overrides.len()];
    for ((p, tier), children) in &groups {
        let parent = &entries[*p];
        let found = overrides.iter().position(|o| {
            normalise_code(&o.parent) == normalise_code(&parent.code) && o.tier == *tier
        });
        let (relation, basis, overridden) = match found {
            Some(o) => {
                used_overrides[o] = true;
                let o = &overrides[o];
                let inferred = infer(
                    parent,
                    *tier,
                    children.iter().map(|&c| &entries[c]),
                    deflators,
                    price_base,
                )
                .1;
                (
                    o.relation,
                    format!("override: {} (figures: {inferred})", o.reason),
                    true,
                )
            }
            None => {
                let (relation, basis) = infer(
                    parent,
                    *tier,
                    children.iter().map(|&c| &entries[c]),
                    deflators,
                    price_base,
                );
                (relation, basis, false)
            }
        };
        let parent_code = parent.code.clone();
        for &c in children {
            entries[c].parent = Some(ParentLink {
                parent: parent_code.clone(),
                tier: *tier,
                relation,
                basis: basis.clone(),
                overridden,
            });
        }
    }
    if let Some(unused) = used_overrides.iter().position(|u| !u) {
        let o = &overrides[unused];
        return Err(format!(
            "relation override for {} ({:?} children) matches no group of children",
            o.parent, o.tier
        ));
    }
    Ok(())
}

/// The relation of `children` to `parent` from their values, with the basis
/// in words.
fn infer<'a>(
    parent: &UnitCost,
    tier: Tier,
    children: impl Iterator<Item = &'a UnitCost> + Clone,
    deflators: &DeflatorVintage,
    price_base: FinancialYear,
) -> (Relation, String) {
    let mut verdicts = Vec::new();
    let mut basis = Vec::new();
    for kind in ValueKind::ALL {
        let Some(Ok(parent_value)) = parent.uprated(kind, deflators, price_base) else {
            continue;
        };
        // Lines priced per different units (per week, per claim) do not add
        // up to one another, so only children in the parent's unit count.
        let child_values: Vec<f64> = children
            .clone()
            .filter(|c| same_unit(&c.unit, &parent.unit))
            .filter_map(|c| c.uprated(kind, deflators, price_base).and_then(Result::ok))
            .collect();
        if child_values.is_empty() {
            continue;
        }
        let sum: f64 = child_values.iter().sum();
        // Published breakdowns are often rounded to whole pounds: allow half a
        // pound for the parent and for each child (in the parent's prices),
        // or 0.5% of the parent, whichever is larger.
        let pound = parent
            .value(kind)
            .and_then(|v| deflators.uprate(1.0, v.price_year, price_base).ok())
            .unwrap_or(1.0);
        let rounding = 0.5 * (child_values.len() as f64 + 1.0) * pound;
        let tolerance = (0.005 * parent_value.abs()).max(rounding);
        let verdict = if (sum - parent_value).abs() <= tolerance {
            Relation::Component
        } else if sum < parent_value {
            Relation::Partial
        } else {
            Relation::Variant
        };
        basis.push(format!(
            "{kind}: {} {} to {} against the parent's {} ({price_base} prices)",
            child_values.len(),
            if child_values.len() == 1 {
                "child comes"
            } else {
                "children sum"
            },
            Money::from_pounds_rounded(sum),
            Money::from_pounds_rounded(parent_value),
        ));
        verdicts.push(verdict);
    }
    if verdicts.is_empty() {
        return (
            Relation::Partial,
            "no value kind is priced on both the parent and a child in the same unit: \
             not additive, treated as partial"
                .into(),
        );
    }
    let relation = if verdicts.contains(&Relation::Variant) {
        Relation::Variant
    } else if verdicts.contains(&Relation::Partial) {
        Relation::Partial
    } else {
        Relation::Component
    };
    let mut basis = basis.join("; ");
    if relation == Relation::Variant && tier == Tier::Subsidiary {
        basis.push_str(
            ": more than the headline, so separate lines listed beside it rather than its \
             parts or versions (not additive, treated as partial)",
        );
        return (Relation::Partial, basis);
    }
    (relation, basis)
}

fn same_unit(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_follow_the_code_structure() {
        assert_eq!(
            structural_parent("CR2.0.3"),
            Some(("CR2.0".into(), Tier::Constituent))
        );
        assert_eq!(
            structural_parent("E&S4.1.2"),
            Some(("E&S4.1".into(), Tier::Constituent))
        );
        assert_eq!(
            structural_parent("CR5.10"),
            Some(("CR5.0".into(), Tier::Subsidiary))
        );
        assert_eq!(structural_parent("CR5.0"), None);
        assert_eq!(structural_parent("junk"), None);
        assert_eq!(structural_parent("CR1..2"), None);
    }
}
