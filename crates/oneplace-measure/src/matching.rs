//! Coarsened exact matching (Iacus, King and Porro, 2012): members are put
//! in strata by the coarsened values of chosen attributes; a stratum with
//! no treated or no comparison member cannot be compared and its members
//! are left out (and reported); each comparison member in a matched
//! stratum `s` is weighted `(m_C / m_T) × (m_T,s / m_C,s)`, so that the
//! weighted comparison group has the treated group's mix of strata and
//! its weights still sum to the number of matched comparison members.
//! Treated members keep weight 1.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::inputs::Member;
use crate::spec::{MatchAttribute, Matching};

/// The matching's result, member by member.
#[derive(Clone, Debug, PartialEq)]
pub struct Matched {
    /// Per member, in the members' order: 0 when left out.
    pub weights: Vec<f64>,
    pub summary: MatchingUsed,
}

/// What the matching did, for the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MatchingUsed {
    pub method: String,
    pub attributes: Vec<String>,
    pub strata: usize,
    pub matched_strata: usize,
    pub matched_treatment: usize,
    pub matched_comparison: usize,
    pub unmatched_treatment: usize,
    pub unmatched_comparison: usize,
}

/// The coarsened value of one attribute: its band for a numeric
/// attribute, the text itself otherwise.
fn coarsen(a: &MatchAttribute, value: &str) -> String {
    match &a.cut_points {
        None => value.trim().to_string(),
        Some(cuts) => {
            let v: f64 = value
                .trim()
                .replace(',', "")
                .parse()
                .expect("the cohort reader checked attribute numbers");
            let band = cuts.iter().take_while(|c| **c <= v).count();
            let lower = band.checked_sub(1).map(|i| cuts[i]);
            let upper = cuts.get(band);
            match (lower, upper) {
                (None, Some(u)) => format!("below {u}"),
                (Some(l), Some(u)) => format!("{l} to below {u}"),
                (Some(l), None) => format!("{l} and above"),
                (None, None) => unreachable!("cut points are never empty"),
            }
        }
    }
}

/// Matches `members` on the spec's attributes.
pub fn coarsened_exact(members: &[Member], matching: &Matching) -> Matched {
    // Stratum → (treated members, comparison members).
    let mut strata: BTreeMap<Vec<String>, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        let key = matching
            .attributes
            .iter()
            .zip(&m.attributes)
            .map(|(a, v)| coarsen(a, v))
            .collect();
        let entry = strata.entry(key).or_default();
        if m.treated {
            entry.0.push(i);
        } else {
            entry.1.push(i);
        }
    }
    let matched = |s: &(Vec<usize>, Vec<usize>)| !s.0.is_empty() && !s.1.is_empty();
    let m_t: usize = strata
        .values()
        .filter(|s| matched(s))
        .map(|s| s.0.len())
        .sum();
    let m_c: usize = strata
        .values()
        .filter(|s| matched(s))
        .map(|s| s.1.len())
        .sum();
    let mut weights = vec![0.0; members.len()];
    for s in strata.values().filter(|s| matched(s)) {
        for &i in &s.0 {
            weights[i] = 1.0;
        }
        let w = (m_c as f64 / m_t as f64) * (s.0.len() as f64 / s.1.len() as f64);
        for &i in &s.1 {
            weights[i] = w;
        }
    }
    let treated = members.iter().filter(|m| m.treated).count();
    let summary = MatchingUsed {
        method: "coarsened exact matching".into(),
        attributes: matching
            .attributes
            .iter()
            .map(|a| match &a.cut_points {
                None => a.name.clone(),
                Some(c) => format!(
                    "{} (cut at {})",
                    a.name,
                    c.iter()
                        .map(|x| oneplace_core::toml_input::trim_number(*x))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect(),
        strata: strata.len(),
        matched_strata: strata.values().filter(|s| matched(s)).count(),
        matched_treatment: m_t,
        matched_comparison: m_c,
        unmatched_treatment: treated - m_t,
        unmatched_comparison: members.len() - treated - m_c,
    };
    Matched { weights, summary }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oneplace_core::Date;

    fn member(id: &str, treated: bool, area: &str, age: &str) -> Member {
        Member {
            id: id.into(),
            treated,
            start: Date::new(2024, 1, 1).unwrap(),
            before_from: 0,
            start_day: 0,
            after_to: 0,
            row: 2,
            attributes: vec![area.into(), age.into()],
        }
    }

    #[test]
    fn weights_by_hand() {
        // Strata by area and age band (cut at 40):
        //   north, below 40:  treated t1, t2; comparison c1
        //   north, 40 and up: treated t3;     comparison c2, c3
        //   south, below 40:  treated t4;     no comparison  → t4 left out
        //   south, 40 and up: no treated;     comparison c4  → c4 left out
        // Matched: m_T = 3 (t1, t2, t3), m_C = 3 (c1, c2, c3).
        // c1: (3/3) × (2/1) = 2; c2, c3: (3/3) × (1/2) = 0.5.
        let members = vec![
            member("t1", true, "north", "25"),
            member("t2", true, "north", "39.9"),
            member("t3", true, "north", "40"),
            member("t4", true, "south", "30"),
            member("c1", false, "north", "18"),
            member("c2", false, "north", "41"),
            member("c3", false, "north", "70"),
            member("c4", false, "south", "55"),
        ];
        let spec = Matching {
            attributes: vec![
                MatchAttribute {
                    name: "area".into(),
                    cut_points: None,
                },
                MatchAttribute {
                    name: "age".into(),
                    cut_points: Some(vec![40.0]),
                },
            ],
        };
        let m = coarsened_exact(&members, &spec);
        assert_eq!(m.weights, vec![1.0, 1.0, 1.0, 0.0, 2.0, 0.5, 0.5, 0.0]);
        assert_eq!(m.summary.strata, 4);
        assert_eq!(m.summary.matched_strata, 2);
        assert_eq!(
            (m.summary.matched_treatment, m.summary.matched_comparison),
            (3, 3)
        );
        assert_eq!(
            (
                m.summary.unmatched_treatment,
                m.summary.unmatched_comparison
            ),
            (1, 1)
        );
        assert_eq!(m.summary.attributes, vec!["area", "age (cut at 40)"]);
    }

    #[test]
    fn bands_are_closed_below() {
        let a = MatchAttribute {
            name: "age".into(),
            cut_points: Some(vec![18.0, 65.0]),
        };
        assert_eq!(coarsen(&a, "17.99"), "below 18");
        assert_eq!(coarsen(&a, "18"), "18 to below 65");
        assert_eq!(coarsen(&a, "65"), "65 and above");
    }
}
