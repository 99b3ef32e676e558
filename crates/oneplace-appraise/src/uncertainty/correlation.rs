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

/// Reorders each column's draws so that their ranks follow scores with the
/// target correlation (whose Cholesky factor is `target`): Iman–Conover.
///
/// `columns[i]` holds the draws of input `i`. Each column keeps exactly the
/// values it had; only their pairing across columns changes.
pub fn iman_conover<R: rand::Rng + ?Sized>(
    columns: &mut [Vec<f64>],
    target: &[Vec<f64>],
    rng: &mut R,
) {
    use rand::seq::SliceRandom;

    let m = columns.len();
    let Some(n) = columns.first().map(Vec::len) else {
        return;
    };
    if m < 2 || n < m + 2 {
        return;
    }
    // Van der Waerden scores, one random permutation per column.
    let scores: Vec<f64> = (1..=n)
        .map(|j| super::special::normal_quantile(j as f64 / (n as f64 + 1.0)))
        .collect();
    let variance: f64 = scores.iter().map(|s| s * s).sum::<f64>() / n as f64;
    let mut s: Vec<Vec<f64>> = (0..m)
        .map(|_| {
            let mut c = scores.clone();
            c.shuffle(rng);
            c
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
    let mut t = vec![vec![0.0; n]; m];
    for (i, row) in transform.iter().enumerate() {
        for (k, &w) in row.iter().enumerate() {
            if w != 0.0 {
                for r in 0..n {
                    t[i][r] += w * s[k][r];
                }
            }
        }
    }
    s.clear();
    // Give each column's sorted values the ranks of its scores.
    let mut order: Vec<usize> = (0..n).collect();
    for (column, scores) in columns.iter_mut().zip(&t) {
        let mut sorted = column.clone();
        sorted.sort_by(f64::total_cmp);
        order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
        for (rank, &r) in order.iter().enumerate() {
            column[r] = sorted[rank];
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

    #[test]
    fn iman_conover_induces_the_rank_correlation_and_keeps_the_values() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let n = 20_000;
        let mut columns: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                (0..n)
                    .map(|j| ((j * 7919 + i * 104_729) % n) as f64)
                    .collect()
            })
            .collect();
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
        iman_conover(&mut columns, &cholesky(&target).unwrap(), &mut rng);
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
