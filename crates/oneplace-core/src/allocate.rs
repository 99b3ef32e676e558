//! Splitting an amount over weights, exact to the penny.
//!
//! Every settlement and every proposed split must conserve money: the parts
//! add up to the whole, always. The rule is the largest-remainder (Hamilton)
//! method: each part gets the whole pence of its exact quota, and the pence
//! left over go one each to the parts with the largest fractional remainders.
//! Ties go to the earlier part, so callers that want a result independent of
//! input order pass the parts in a canonical order (for example by id).

use crate::Money;

/// Why an allocation could not be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AllocateError {
    #[error("no parts to allocate to")]
    NoParts,
    #[error("weight {index} is {weight}: weights must be finite and not negative")]
    BadWeight { index: usize, weight: f64 },
    #[error("the weights add up to zero")]
    ZeroTotalWeight,
}

/// Allocates `total` over fractional `weights` (shares, percentages, PVs).
///
/// The parts always sum to `total` exactly. A negative total is allocated as
/// its magnitude and negated, so an overspend and an underspend of the same
/// size split the same way.
pub fn allocate(total: Money, weights: &[f64]) -> Result<Vec<Money>, AllocateError> {
    check(weights.len())?;
    for (index, &weight) in weights.iter().enumerate() {
        if !weight.is_finite() || weight < 0.0 {
            return Err(AllocateError::BadWeight { index, weight });
        }
    }
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return Err(AllocateError::ZeroTotalWeight);
    }
    let magnitude = total.pence().unsigned_abs() as f64;
    let quotas: Vec<f64> = weights.iter().map(|w| magnitude * (w / sum)).collect();
    let floors: Vec<i64> = quotas.iter().map(|q| q.floor() as i64).collect();
    let remainders: Vec<f64> = quotas
        .iter()
        .zip(&floors)
        .map(|(q, f)| q - *f as f64)
        .collect();
    Ok(finish(total, floors, &remainders))
}

/// Allocates `total` over integer weights (pence, head counts) with exact
/// integer arithmetic: no rounding error can move a penny.
pub fn allocate_weights(total: Money, weights: &[i64]) -> Result<Vec<Money>, AllocateError> {
    check(weights.len())?;
    for (index, &weight) in weights.iter().enumerate() {
        if weight < 0 {
            return Err(AllocateError::BadWeight {
                index,
                weight: weight as f64,
            });
        }
    }
    let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    if sum == 0 {
        return Err(AllocateError::ZeroTotalWeight);
    }
    let magnitude = i128::from(total.pence().unsigned_abs());
    let mut floors = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for &w in weights {
        let numerator = magnitude * i128::from(w);
        floors.push((numerator / sum) as i64);
        // Remainders compared as fractions of the same denominator: exact.
        remainders.push((numerator % sum) as f64);
    }
    Ok(finish(total, floors, &remainders))
}

fn check(parts: usize) -> Result<(), AllocateError> {
    if parts == 0 {
        Err(AllocateError::NoParts)
    } else {
        Ok(())
    }
}

/// Hands out the leftover pence by largest remainder, earlier part first on
/// ties, then applies the sign of `total`.
fn finish(total: Money, mut floors: Vec<i64>, remainders: &[f64]) -> Vec<Money> {
    let magnitude = total.pence().unsigned_abs() as i64;
    let mut left = magnitude - floors.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..floors.len()).collect();
    order.sort_by(|&a, &b| remainders[b].total_cmp(&remainders[a]).then(a.cmp(&b)));
    // `left` is below the number of parts, except when float quotas drifted
    // by a penny on huge totals; cycling keeps the sum exact either way.
    let mut i = 0;
    while left > 0 {
        floors[order[i % order.len()]] += 1;
        left -= 1;
        i += 1;
    }
    while left < 0 {
        let idx = order[order.len() - 1 - (i % order.len())];
        if floors[idx] > 0 {
            floors[idx] -= 1;
            left += 1;
        }
        i += 1;
    }
    let sign = if total.is_negative() { -1 } else { 1 };
    floors
        .into_iter()
        .map(|p| Money::from_pence(sign * p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pence(v: &[Money]) -> Vec<i64> {
        v.iter().map(|m| m.pence()).collect()
    }

    #[test]
    fn thirds_of_a_pound() {
        // 100p / 3 = 33.33p each: one leftover penny goes to the first part.
        let parts = allocate(Money::from_pounds(1), &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(pence(&parts), vec![34, 33, 33]);
    }

    #[test]
    fn largest_remainder_wins_the_penny() {
        // £10.00 at 0.333/0.333/0.334 → quotas 333.0, 333.0, 334.0: exact.
        let parts = allocate(Money::from_pounds(10), &[0.333, 0.333, 0.334]).unwrap();
        assert_eq!(pence(&parts), vec![333, 333, 334]);
        // 101p over 1:2:2 → quotas 20.2, 40.4, 40.4 → floors 20, 40, 40 (100);
        // the leftover penny goes to the largest remainder .4, the earlier one.
        let parts = allocate_weights(Money::from_pence(101), &[1, 2, 2]).unwrap();
        assert_eq!(pence(&parts), vec![20, 41, 40]);
    }

    #[test]
    fn negative_totals_split_like_positive_ones() {
        let parts = allocate(Money::from_pence(-100), &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(pence(&parts), vec![-34, -33, -33]);
    }

    #[test]
    fn zero_weight_parts_get_nothing() {
        let parts = allocate_weights(Money::from_pence(7), &[0, 3, 0, 4]).unwrap();
        assert_eq!(pence(&parts), vec![0, 3, 0, 4]);
    }

    #[test]
    fn bad_weights_are_refused() {
        assert_eq!(allocate(Money::ZERO, &[]), Err(AllocateError::NoParts));
        assert_eq!(
            allocate(Money::from_pence(1), &[0.0, 0.0]),
            Err(AllocateError::ZeroTotalWeight)
        );
        assert!(matches!(
            allocate(Money::from_pence(1), &[1.0, -1.0]),
            Err(AllocateError::BadWeight { index: 1, .. })
        ));
        assert!(matches!(
            allocate(Money::from_pence(1), &[f64::NAN]),
            Err(AllocateError::BadWeight { index: 0, .. })
        ));
    }

    #[test]
    fn conserves_money_over_many_cases() {
        // A deterministic sweep over awkward totals and weights.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..5_000 {
            let n = (next() % 7 + 1) as usize;
            let total = Money::from_pence((next() % 2_000_000_000) as i64 - 1_000_000_000);
            let weights: Vec<f64> = (0..n).map(|_| (next() % 1000) as f64 / 7.0).collect();
            if weights.iter().sum::<f64>() == 0.0 {
                continue;
            }
            let parts = allocate(total, &weights).unwrap();
            assert_eq!(parts.iter().sum::<Money>(), total);
            let int_weights: Vec<i64> = (0..n).map(|_| (next() % 10_000) as i64).collect();
            if int_weights.iter().sum::<i64>() == 0 {
                continue;
            }
            let parts = allocate_weights(total, &int_weights).unwrap();
            assert_eq!(parts.iter().sum::<Money>(), total);
            // Each part is within a penny of its exact quota.
            let sum: i64 = int_weights.iter().sum();
            for (p, w) in parts.iter().zip(&int_weights) {
                let exact = total.pence() as f64 * *w as f64 / sum as f64;
                assert!((p.pence() as f64 - exact).abs() < 1.0 + 1e-9);
            }
        }
    }
}
