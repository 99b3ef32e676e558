//! Rank correlation between inputs, induced by the Iman–Conover method.
//!
//! Iman and Conover (1982): draw each input independently, then reorder the
//! draws so that their ranks follow a matrix of scores with the wanted rank
//! correlation. The marginal distributions are untouched; only which draw
//! goes with which changes.

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
