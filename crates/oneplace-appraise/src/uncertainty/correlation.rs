//! Rank correlation between inputs, induced by the Iman–Conover method.
//!
//! Iman and Conover (1982): draw each input independently, then reorder the
//! draws so that their ranks follow a matrix of scores with the wanted rank
//! correlation. The marginal distributions are untouched; only which draw
//! goes with which changes.

// Matrix algebra reads best with the indices of its textbook form.
#![allow(clippy::needless_range_loop)]

use crate::model::Correlation;

/// The target correlation matrix, identity except for the given pairs.
pub fn matrix(n: usize, correlations: &[Correlation]) -> Vec<Vec<f64>> {
    let mut m = vec![vec![0.0; n]; n];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for c in correlations {
        m[c.a][c.b] = c.rank;
        m[c.b][c.a] = c.rank;
    }
    m
}

/// The lower-triangular Cholesky factor `L` with `L Lᵀ = m`, if `m` is
/// positive definite.
pub fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - sum;
                if d <= 1e-12 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

pub fn is_positive_definite(n: usize, correlations: &[Correlation]) -> bool {
    cholesky(&matrix(n, correlations)).is_some()
}

/// Van der Waerden scores for `n` draws, `Φ⁻¹(j / (n + 1))` for `j = 1..=n`:
/// normal scores, in increasing order.
pub fn scores(n: usize) -> Vec<f64> {
    (1..=n)
        .map(|j| super::special::normal_quantile(j as f64 / (n as f64 + 1.0)))
        .collect()
}

/// Reorders each column's draws so that their ranks follow scores with the
/// target correlation (whose Cholesky factor is `target`): Iman–Conover.
///
/// `columns[i]` holds the draws of input `i`. Each column keeps exactly the
/// values it had; only their pairing across columns changes.
pub fn iman_conover<C: AsMut<[f64]>>(columns: &mut [C], target: &[Vec<f64>]) {
    let mut columns: Vec<&mut [f64]> = columns.iter_mut().map(|c| c.as_mut()).collect();
    let Some(n) = columns.first().map(|c| c.len()) else {
        return;
    };
    induce(&mut columns, target, &scores(n));
}

/// The inputs that take part in a correlation, and what Iman–Conover needs
/// for them, worked out once per run.
///
/// Inducing correlation costs sorts and matrix products in the number of
/// columns taking part, so only those inputs are reordered; the others
/// keep their independent draws, which is what they are meant to be.
#[derive(Clone, Debug)]
pub struct Correlator {
    /// Indexes of the inputs taking part, ascending.
    members: Vec<usize>,
    /// The Cholesky factor of their target correlation matrix.
    target: Vec<Vec<f64>>,
    /// Van der Waerden scores for a full block (the same for every block of
    /// that size, and costly: a normal quantile each).
    scores: Vec<f64>,
}

impl Correlator {
    /// `None` when no input is correlated; an error when the correlations
    /// cannot all hold at once. `block`: the usual number of draws.
    pub fn new(
        inputs: usize,
        correlations: &[Correlation],
        block: usize,
    ) -> Result<Option<Correlator>, String> {
        let mut members: Vec<usize> = correlations.iter().flat_map(|c| [c.a, c.b]).collect();
        members.sort_unstable();
        members.dedup();
        if members.is_empty() {
            return Ok(None);
        }
        assert!(
            members.iter().all(|&i| i < inputs),
            "correlations between uncertain inputs"
        );
        let position = |i: usize| members.binary_search(&i).expect("a member");
        let within: Vec<Correlation> = correlations
            .iter()
            .map(|c| Correlation {
                a: position(c.a),
                b: position(c.b),
                rank: c.rank,
            })
            .collect();
        // The whole matrix is this one and the identity, so it is positive
        // definite exactly when this one is.
        let target = cholesky(&matrix(members.len(), &within))
            .ok_or("the correlations are not positive definite")?;
        Ok(Some(Correlator {
            members,
            target,
            scores: scores(block),
        }))
    }

    pub fn members(&self) -> &[usize] {
        &self.members
    }

    /// Induces the correlations among `columns` (one per input, all the
    /// same length), leaving the columns of inputs that take no part as
    /// they are.
    pub fn apply(&self, columns: &mut [&mut [f64]]) {
        let Some(n) = columns.first().map(|c| c.len()) else {
            return;
        };
        let mut next = self.members.iter().peekable();
        let mut taking_part: Vec<&mut [f64]> = Vec::with_capacity(self.members.len());
        for (i, column) in columns.iter_mut().enumerate() {
            if next.next_if_eq(&&i).is_some() {
                taking_part.push(column);
            }
        }
        if n == self.scores.len() {
            induce(&mut taking_part, &self.target, &self.scores);
        } else {
            induce(&mut taking_part, &self.target, &scores(n));
        }
    }
}

/// The draws' indexes in increasing order of `values`.
///
/// Each value becomes an unsigned integer that orders as `f64::total_cmp`
/// does, whose lowest bits are replaced by the draw's index: one `u64` sort
/// (integer comparisons, no indirection; some four times faster than
/// sorting value–index pairs) then gives the order and the indexes at once.
/// Values that agree in all but those lowest bits (within a relative
/// 2^-40 or so, for a block of 4,096 draws) are ordered by index instead,
/// as exact ties are: for this purpose, a change of nothing.
fn ordering(values: &[f64]) -> Vec<u32> {
    let n = values.len();
    let bits = usize::BITS - n.saturating_sub(1).leading_zeros();
    let low = (1u64 << bits) - 1;
    let mut keyed: Vec<u64> = values
        .iter()
        .zip(0u64..)
        .map(|(x, j)| {
            let b = x.to_bits();
            let ordered = if b >> 63 == 1 { !b } else { b | 1 << 63 };
            (ordered & !low) | j
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|k| (k & low) as u32).collect()
}

/// Iman–Conover on `columns` with precomputed `scores` (one per draw,
/// increasing).
///
/// Each column's scores are put in the random order of its own draws: the
/// score of rank `k` goes to the draw of rank `k`. Independent draws are in
/// independent random orders, which is all the method asks of the score
/// permutations, so no shuffle (nor random number) is needed, and one sort
/// of each column gives both its ranks and its sorted values. The first
/// column's target scores are its own scores times a positive constant (the
/// transform below is triangular), so it keeps its order and its values
/// stay where they are.
fn induce(columns: &mut [&mut [f64]], target: &[Vec<f64>], scores: &[f64]) {
    let m = columns.len();
    let n = scores.len();
    if m < 2 || n < m + 2 {
        return;
    }
    let variance: f64 = scores.iter().map(|s| s * s).sum::<f64>() / n as f64;
    let orders: Vec<Vec<u32>> = columns.iter().map(|c| ordering(c)).collect();
    let s: Vec<Vec<f64>> = orders
        .iter()
        .map(|order| {
            let mut s = vec![0.0; n];
            for (&r, &score) in order.iter().zip(scores) {
                s[r as usize] = score;
            }
            s
        })
        .collect();
    // Their actual correlation E, to be replaced by the target: with E = Q
    // Qᵀ and C = P Pᵀ, rows t = P Q⁻¹ s have correlation C.
    let mut e = vec![vec![0.0; m]; m];
    for i in 0..m {
        for j in 0..=i {
            let c = s[i].iter().zip(&s[j]).map(|(a, b)| a * b).sum::<f64>() / (n as f64 * variance);
            e[i][j] = c;
            e[j][i] = c;
        }
    }
    let Some(q) = cholesky(&e) else {
        return;
    };
    let q_inv = lower_inverse(&q);
    let mut transform = vec![vec![0.0; m]; m];
    for i in 0..m {
        for j in 0..m {
            transform[i][j] = (0..m).map(|k| target[i][k] * q_inv[k][j]).sum();
        }
    }
    // Give each column's sorted values the ranks of its target scores.
    let mut t = vec![0.0; n];
    let mut sorted = vec![0.0; n];
    for (i, column) in columns.iter_mut().enumerate().skip(1) {
        t.fill(0.0);
        for (k, &w) in transform[i].iter().enumerate().take(i + 1) {
            if w != 0.0 {
                for (t, s) in t.iter_mut().zip(&s[k]) {
                    *t += w * s;
                }
            }
        }
        for (x, &r) in sorted.iter_mut().zip(&orders[i]) {
            *x = column[r as usize];
        }
        for (&r, &x) in ordering(&t).iter().zip(&sorted) {
            column[r as usize] = x;
        }
    }
}

/// The inverse of a lower-triangular matrix.
fn lower_inverse(l: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = l.len();
    let mut inv = vec![vec![0.0; n]; n];
    for i in 0..n {
        inv[i][i] = 1.0 / l[i][i];
        for j in 0..i {
            let sum: f64 = (j..i).map(|k| l[i][k] * inv[k][j]).sum();
            inv[i][j] = -sum / l[i][i];
        }
    }
    inv
}

/// Spearman's rank correlation of two samples (no ties expected).
pub fn rank_correlation(a: &[f64], b: &[f64]) -> f64 {
    let ranks = |x: &[f64]| {
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let mut r = vec![0.0; x.len()];
        for (rank, &i) in order.iter().enumerate() {
            r[i] = rank as f64;
        }
        r
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let cov: f64 = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| (x - mean) * (y - mean))
        .sum();
    let var: f64 = ra.iter().map(|x| (x - mean).powi(2)).sum();
    cov / var
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn cholesky_and_inverse() {
        let m = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let l = cholesky(&m).unwrap();
        assert_eq!(l[0][0], 2.0);
        assert_eq!(l[1][0], 1.0);
        assert!((l[1][1] - 2f64.sqrt()).abs() < 1e-15);
        let inv = lower_inverse(&l);
        // L × L⁻¹ = I.
        for i in 0..2 {
            for j in 0..2 {
                let x: f64 = (0..2).map(|k| l[i][k] * inv[k][j]).sum();
                assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn impossible_correlations_are_not_positive_definite() {
        let c = |a, b, rank| Correlation { a, b, rank };
        // det [[1, .9, .7], [.9, 1, .9], [.7, .9, 1]] = 0.024 > 0; with .5
        // in the corner it is −0.06: A and C must move together more.
        assert!(is_positive_definite(
            3,
            &[c(0, 1, 0.9), c(1, 2, 0.9), c(0, 2, 0.7)]
        ));
        assert!(!is_positive_definite(
            3,
            &[c(0, 1, 0.9), c(1, 2, 0.9), c(0, 2, 0.5)]
        ));
        assert!(!is_positive_definite(
            3,
            &[c(0, 1, 0.9), c(1, 2, 0.9), c(0, 2, -0.9)]
        ));
        assert!(!is_positive_definite(2, &[c(0, 1, 1.0)]));
    }

    /// Independent uniform draws on 0..i + 1 for column i.
    fn draws(columns: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
        use rand::RngExt;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..columns)
            .map(|i| {
                (0..n)
                    .map(|_| rng.random::<f64>() * (i + 1) as f64)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn ordering_sorts_by_value_then_index() {
        let mut values: Vec<f64> = draws(1, 3000, 9).remove(0);
        // Negative values, both zeros, exact ties, and a tie within the
        // bits given over to the index.
        values.extend([-1.5, 0.0, -0.0, 2.0, 2.0, -1.5, 1.0, 1.0 + 1e-15, -1e300]);
        values.extend(values.clone().iter().map(|x| -x * 3.0));
        let order = ordering(&values);
        let mut expected: Vec<u32> = (0..values.len() as u32).collect();
        expected.sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
        // The same values in the same order (near-ties aside)...
        let by = |o: &[u32]| o.iter().map(|&j| values[j as usize]).collect::<Vec<f64>>();
        let (got, want) = (by(&order), by(&expected));
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| (a - b).abs() <= 1e-12 * a.abs())
        );
        // ...every draw exactly once, and exact ties by index.
        let mut seen = order.clone();
        seen.sort_unstable();
        assert!(seen.iter().copied().eq(0..values.len() as u32));
        for w in order.windows(2) {
            let (a, b) = (values[w[0] as usize], values[w[1] as usize]);
            assert!(a.total_cmp(&b).is_le() || (a - b).abs() <= 1e-12 * a.abs());
            if a.to_bits() == b.to_bits() {
                assert!(w[0] < w[1]);
            }
        }
    }

    #[test]
    fn a_correlator_reorders_only_the_inputs_taking_part() {
        let n = 4096;
        let original = draws(4, n, 5);
        let correlations = [Correlation {
            a: 3,
            b: 1,
            rank: -0.5,
        }];
        let correlator = Correlator::new(4, &correlations, n).unwrap().unwrap();
        assert_eq!(correlator.members(), [1, 3]);
        let mut columns = original.clone();
        let mut views: Vec<&mut [f64]> = columns.iter_mut().map(Vec::as_mut_slice).collect();
        correlator.apply(&mut views);
        // Not taking part: untouched.
        assert!(columns[0] == original[0] && columns[2] == original[2]);
        // The first taking part keeps its order; the other follows it.
        assert!(columns[1] == original[1]);
        assert!(columns[3] != original[3]);
        assert!((rank_correlation(&columns[1], &columns[3]) + 0.5).abs() < 0.03);
        // A part block (fewer draws than the scores were made for) too.
        let mut part: Vec<Vec<f64>> = original.iter().map(|c| c[..1000].to_vec()).collect();
        let mut views: Vec<&mut [f64]> = part.iter_mut().map(Vec::as_mut_slice).collect();
        correlator.apply(&mut views);
        assert!((rank_correlation(&part[1], &part[3]) + 0.5).abs() < 0.06);
        assert!(part[2] == original[2][..1000]);
        // Inconsistent correlations are refused; none, no correlator.
        let c = |a, b, rank| Correlation { a, b, rank };
        let bad = [c(0, 1, 0.9), c(1, 2, 0.9), c(0, 2, -0.9)];
        assert!(Correlator::new(4, &bad, n).is_err());
        assert!(Correlator::new(4, &[], n).unwrap().is_none());
    }

    #[test]
    fn iman_conover_induces_the_rank_correlation_and_keeps_the_values() {
        let n = 20_000;
        let mut columns = draws(3, n, 11);
        let before: Vec<Vec<f64>> = columns
            .iter()
            .map(|c| {
                let mut s = c.clone();
                s.sort_by(f64::total_cmp);
                s
            })
            .collect();
        let target = matrix(
            3,
            &[
                Correlation {
                    a: 0,
                    b: 1,
                    rank: 0.7,
                },
                Correlation {
                    a: 1,
                    b: 2,
                    rank: -0.4,
                },
            ],
        );
        iman_conover(&mut columns, &cholesky(&target).unwrap());
        assert!((rank_correlation(&columns[0], &columns[1]) - 0.7).abs() < 0.02);
        assert!((rank_correlation(&columns[1], &columns[2]) + 0.4).abs() < 0.02);
        assert!(rank_correlation(&columns[0], &columns[2]).abs() < 0.35);
        for (c, b) in columns.iter().zip(&before) {
            let mut s = c.clone();
            s.sort_by(f64::total_cmp);
            assert_eq!(&s, b, "the same values, reordered");
        }
    }
}
