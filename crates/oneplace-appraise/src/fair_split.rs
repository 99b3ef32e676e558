//! The fair contribution split: an answer to the wrong-pocket problem.
//!
//! The body that pays for prevention is rarely the one that saves. From each
//! agency's present-value costs and fiscal benefits this proposes who should
//! contribute what, in present value over the appraisal:
//!
//! * **benefit share** (pay where the benefit lands): the cash to be found is
//!   split between the contributing agencies in proportion to the fiscal
//!   benefit each receives;
//! * **equal return**: contributions set so every contributing agency earns
//!   the same return on what it puts in, counting what it already gives in
//!   kind. An agency whose in-kind contribution alone exceeds that share
//!   pays no cash, and the others equalise among themselves;
//! * **no worse off**: each agency's net position (benefit − contribution)
//!   under the current split and under each proposal, flagging any agency
//!   left worse off, and whether any split could leave every agency whole.
//!
//! What cannot move stays where it is: in-kind contributions (staff, rooms)
//! and the costs of agencies that are not at the table (`contributes =
//! false`, typically central departments). Proposals are also given as
//! shares of the cash to be found, which partners can apply year by year.

use serde::Serialize;

use crate::evaluate::AgencyResult;
use crate::model::Model;

/// Net positions below minus half a penny count as worse off.
const WHOLE: f64 = -0.005;

#[derive(Clone, Debug, Serialize)]
pub struct FairSplit {
    pub basis: &'static str,
    /// PV of all costs.
    pub total_cost: f64,
    /// PV of the cash the contributing agencies must find between them.
    pub cash_to_split: f64,
    /// The return every contributing agency earns under the equal-return split.
    pub equal_roi: Option<f64>,
    pub agencies: Vec<FairSplitRow>,
    pub no_worse_off: NoWorseOff,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FairSplitRow {
    pub agency: String,
    pub contributes: bool,
    pub pv_fiscal_benefit: f64,
    /// What this agency puts in that no split moves: in-kind costs, and all
    /// its costs if it does not contribute.
    pub fixed: f64,
    /// Its PV cost as the model has it.
    pub current: f64,
    pub benefit_share: Option<f64>,
    pub equal_roi: Option<f64>,
    /// The proposals as fractions of the cash to split.
    pub benefit_share_of_cash: Option<f64>,
    pub equal_roi_share_of_cash: Option<f64>,
    pub net_current: f64,
    pub net_benefit_share: Option<f64>,
    pub net_equal_roi: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NoWorseOff {
    /// Agencies worse off under each split.
    pub current: Vec<String>,
    pub benefit_share: Vec<String>,
    pub equal_roi: Vec<String>,
    /// Whether any split of the cash could leave every agency at least whole.
    pub achievable: bool,
}

pub fn fair_split(model: &Model, results: &[AgencyResult]) -> FairSplit {
    let mut notes = Vec::new();
    let total_cost: f64 = results.iter().map(|a| a.pv_cost).sum();
    let contributes: Vec<bool> = model.agencies.iter().map(|a| a.contributes).collect();
    let fixed: Vec<f64> = results
        .iter()
        .zip(&contributes)
        .map(|(a, &c)| if c { a.pv_in_kind_cost } else { a.pv_cost })
        .collect();
    let benefit: Vec<f64> = results.iter().map(|a| a.pv_fiscal_benefit).collect();
    let cash_to_split = total_cost - fixed.iter().sum::<f64>();
    let contributor_benefit: f64 = benefit
        .iter()
        .zip(&contributes)
        .filter(|(_, c)| **c)
        .map(|(b, _)| b.max(0.0))
        .sum();

    // (a) Benefit share of the cash.
    let benefit_share_cash: Option<Vec<f64>> = (contributor_benefit > 0.0).then(|| {
        benefit
            .iter()
            .zip(&contributes)
            .map(|(b, &c)| {
                if c {
                    cash_to_split * b.max(0.0) / contributor_benefit
                } else {
                    0.0
                }
            })
            .collect()
    });
    if benefit_share_cash.is_none() {
        notes.push(
            "No contributing agency receives a fiscal benefit, so neither proposal can be made."
                .into(),
        );
    }

    // (b) Equal return: contribution_a = max(fixed_a, B_a / ρ) for
    // contributors, summing to what contributors must put in.
    let contributor_total = total_cost
        - fixed
            .iter()
            .zip(&contributes)
            .filter(|(_, c)| !**c)
            .map(|(f, _)| f)
            .sum::<f64>();
    let equal = benefit_share_cash
        .as_ref()
        .and_then(|_| equal_return(&benefit, &fixed, &contributes, contributor_total));
    if benefit_share_cash.is_some() && equal.is_none() {
        notes.push(
            "In-kind contributions already exceed the total cost, so there is no cash to share on equal returns."
                .into(),
        );
    }

    let achievable = results
        .iter()
        .zip(&fixed)
        .zip(&contributes)
        .all(|((a, f), c)| {
            if *c {
                *f <= a.pv_fiscal_benefit - WHOLE
            } else {
                a.pv_fiscal_benefit - f >= WHOLE
            }
        })
        && contributor_total <= contributor_benefit - WHOLE;
    if !achievable {
        notes.push(if total_cost > benefit.iter().sum::<f64>() {
            "The fiscal benefits are smaller than the costs: no split leaves every agency whole on the fiscal case alone.".into()
        } else {
            "Some agency's fixed contribution (in kind, or as a non-contributor) exceeds its own benefit, or benefits land mostly on agencies not at the table: no split of the cash leaves every agency whole.".into()
        });
    }
    let money = oneplace_core::Money::from_pounds_rounded;
    let mut absent = 0.0;
    if contributes.iter().any(|c| !c) {
        let takers: Vec<String> = results
            .iter()
            .zip(&contributes)
            .filter(|(a, c)| !**c && a.pv_fiscal_benefit > 0.0)
            .map(|(a, _)| format!("{} {}", a.agency, money(a.pv_fiscal_benefit)))
            .collect();
        absent = benefit
            .iter()
            .zip(&contributes)
            .filter(|(_, c)| !**c)
            .map(|(b, _)| b)
            .sum();
        if absent > 0.0 {
            notes.push(format!(
                "Agencies not at the table receive a PV fiscal benefit of {} and contribute nothing ({}): a candidate for gain-share in a reform deal.",
                money(absent),
                takers.join(", ")
            ));
        }
    }

    let mut rows = Vec::with_capacity(results.len());
    let mut no_worse_off = NoWorseOff {
        current: Vec::new(),
        benefit_share: Vec::new(),
        equal_roi: Vec::new(),
        achievable,
    };
    for (i, a) in results.iter().enumerate() {
        let share = benefit_share_cash.as_ref().map(|cash| fixed[i] + cash[i]);
        let eq = equal.as_ref().map(|(contribution, _)| contribution[i]);
        let of_cash = |c: Option<f64>| {
            c.filter(|_| cash_to_split > 0.0 && contributes[i])
                .map(|c| (c - fixed[i]) / cash_to_split)
        };
        let row = FairSplitRow {
            agency: a.agency.clone(),
            contributes: contributes[i],
            pv_fiscal_benefit: a.pv_fiscal_benefit,
            fixed: fixed[i],
            current: a.pv_cost,
            benefit_share: share,
            equal_roi: eq,
            benefit_share_of_cash: of_cash(share),
            equal_roi_share_of_cash: of_cash(eq),
            net_current: a.pv_fiscal_benefit - a.pv_cost,
            net_benefit_share: share.map(|s| a.pv_fiscal_benefit - s),
            net_equal_roi: eq.map(|e| a.pv_fiscal_benefit - e),
        };
        if row.net_current < WHOLE {
            no_worse_off.current.push(a.agency.clone());
        }
        if row.net_benefit_share.is_some_and(|n| n < WHOLE) {
            no_worse_off.benefit_share.push(a.agency.clone());
        }
        if row.net_equal_roi.is_some_and(|n| n < WHOLE) {
            no_worse_off.equal_roi.push(a.agency.clone());
        }
        rows.push(row);
    }
    // Whose proposed cash goes beyond its own benefit while benefits land
    // on agencies that pay nothing: said plainly, agency by agency.
    if absent > 0.0 {
        let mut beyond = Vec::new();
        for (label, pick) in [
            (
                "benefit share",
                (|r: &FairSplitRow| r.benefit_share) as fn(&FairSplitRow) -> Option<f64>,
            ),
            ("equal return", |r: &FairSplitRow| r.equal_roi),
        ] {
            for r in rows.iter().filter(|r| r.contributes) {
                if let Some(c) = pick(r)
                    && c - r.fixed > 0.005
                    && c > r.pv_fiscal_benefit - WHOLE
                {
                    beyond.push(format!(
                        "{} would pay {} under {label} against its own benefit of {}",
                        r.agency,
                        money(c),
                        money(r.pv_fiscal_benefit)
                    ));
                }
            }
        }
        if !beyond.is_empty() {
            notes.push(format!(
                "Both proposals split the cash between the agencies at the table only, so they also pay for the {} of benefit landing on agencies that contribute nothing: {}.",
                money(absent),
                beyond.join("; ")
            ));
        }
    }
    FairSplit {
        basis: "present value over the appraisal period; fiscal benefits only",
        total_cost,
        cash_to_split,
        equal_roi: equal.map(|(_, roi)| roi),
        agencies: rows,
        no_worse_off,
        notes,
    }
}

/// Contributions giving every contributing agency the same return `ρ`,
/// with nobody paying less than its fixed contribution: `c_a = max(fixed_a,
/// B_a / ρ)` and `Σ c_a = total`. Solved exactly: agencies whose fixed part
/// exceeds `B_a / ρ` are set aside and `ρ` recomputed until no more are.
fn equal_return(
    benefit: &[f64],
    fixed: &[f64],
    contributes: &[bool],
    total: f64,
) -> Option<(Vec<f64>, f64)> {
    let n = benefit.len();
    let mut active: Vec<bool> = (0..n).map(|i| contributes[i] && benefit[i] > 0.0).collect();
    loop {
        let set_aside: f64 = (0..n)
            .filter(|&i| contributes[i] && !active[i])
            .map(|i| fixed[i])
            .sum();
        let active_benefit: f64 = (0..n).filter(|&i| active[i]).map(|i| benefit[i]).sum();
        if active_benefit <= 0.0 {
            return None;
        }
        // k = 1/ρ: each active agency pays k × its benefit.
        let k = (total - set_aside) / active_benefit;
        if k <= 0.0 {
            return None;
        }
        let mut changed = false;
        for i in 0..n {
            if active[i] && k * benefit[i] < fixed[i] {
                active[i] = false;
                changed = true;
            }
        }
        if !changed {
            let contribution = (0..n)
                .map(|i| if active[i] { k * benefit[i] } else { fixed[i] })
                .collect();
            return Some((contribution, 1.0 / k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_return_by_hand() {
        // Benefits 300 and 100, nothing fixed, 200 to find: ρ = 400 / 200 = 2,
        // so the first pays 150 and the second 50.
        let (c, roi) = equal_return(&[300.0, 100.0], &[0.0, 0.0], &[true, true], 200.0).unwrap();
        assert_eq!(c, vec![150.0, 50.0]);
        assert_eq!(roi, 2.0);
    }

    #[test]
    fn equal_return_sets_aside_large_in_kind_givers() {
        // The second gives 80 in kind against a benefit of 100. Equalising
        // all would ask it for 50, below what it already gives, so it is set
        // aside at 80 and the first pays the other 120: ρ = 300 / 120 = 2.5.
        let (c, roi) = equal_return(&[300.0, 100.0], &[0.0, 80.0], &[true, true], 200.0).unwrap();
        assert_eq!(c, vec![120.0, 80.0]);
        assert_eq!(roi, 2.5);
    }
}
