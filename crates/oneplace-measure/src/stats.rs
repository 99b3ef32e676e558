//! Gross change, difference-in-differences and the bootstrap, on the
//! per-person table.

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::spec::Bootstrap;

/// One measure's before and after values per person, split by group.
pub struct Series {
    /// `(before, after)` per treatment group member.
    pub treatment: Vec<(f64, f64)>,
    pub comparison: Vec<(f64, f64)>,
    /// Per comparison member, its weight (from matching); none: all 1.
    pub comparison_weights: Option<Vec<f64>>,
}

/// Means, gross change and net impact of one measure (a cost by agency,
/// the total cost, an outcome), per person.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub treatment_before: f64,
    pub treatment_after: f64,
    pub comparison_before: Option<f64>,
    pub comparison_after: Option<f64>,
    /// Treatment after − before: not impact.
    pub gross_change: f64,
    /// (Treatment after − before) − (comparison after − before); none
    /// without a comparison group.
    pub net_impact: Option<f64>,
    /// The bootstrap interval of the net impact.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The weighted mean, Σwx ÷ Σw (none for no people).
fn weighted_mean(xs: impl Iterator<Item = f64>, weights: Option<&[f64]>) -> Option<f64> {
    match weights {
        None => mean(xs),
        Some(w) => {
            let (mut s, mut n) = (0.0, 0.0);
            for (x, w) in xs.zip(w) {
                s += w * x;
                n += w;
            }
            (n > 0.0).then(|| s / n)
        }
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut s, mut n) = (0.0, 0usize);
    for x in xs {
        s += x;
        n += 1;
    }
    (n > 0).then(|| s / n as f64)
}

/// Estimates every measure at once, sharing the bootstrap's resamples so
/// the intervals of the agencies and the total come from the same draws.
pub fn estimate(measures: &[Series], bootstrap: &Bootstrap) -> Vec<Estimate> {
    let mut out: Vec<Estimate> = measures
        .iter()
        .map(|s| {
            let tb = mean(s.treatment.iter().map(|p| p.0)).unwrap_or(0.0);
            let ta = mean(s.treatment.iter().map(|p| p.1)).unwrap_or(0.0);
            let w = s.comparison_weights.as_deref();
            let cb = weighted_mean(s.comparison.iter().map(|p| p.0), w);
            let ca = weighted_mean(s.comparison.iter().map(|p| p.1), w);
            let gross = ta - tb;
            let net = match (cb, ca) {
                (Some(cb), Some(ca)) if !s.treatment.is_empty() => Some(gross - (ca - cb)),
                _ => None,
            };
            Estimate {
                treatment_before: tb,
                treatment_after: ta,
                comparison_before: cb,
                comparison_after: ca,
                gross_change: gross,
                net_impact: net,
                low: None,
                high: None,
            }
        })
        .collect();
    let Some(first) = measures.first() else {
        return out;
    };
    let (nt, nc) = (first.treatment.len(), first.comparison.len());
    if bootstrap.samples == 0 || nt == 0 || nc == 0 {
        return out;
    }
    // Each person's change, measure by measure, person-major.
    let k = measures.len();
    let diffs = |treated: bool, n: usize| {
        let mut d = vec![0.0; n * k];
        for (j, s) in measures.iter().enumerate() {
            let people = if treated { &s.treatment } else { &s.comparison };
            for (i, (b, a)) in people.iter().enumerate() {
                d[i * k + j] = a - b;
            }
        }
        d
    };
    let dt = diffs(true, nt);
    let dc = diffs(false, nc);
    // Matching weights are the same for every measure.
    let wc: Vec<f64> = first
        .comparison_weights
        .clone()
        .unwrap_or_else(|| vec![1.0; nc]);
    let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(bootstrap.samples); k];
    let (mut st, mut sc) = (vec![0.0; k], vec![0.0; k]);
    for _ in 0..bootstrap.samples {
        st.iter_mut().for_each(|x| *x = 0.0);
        sc.iter_mut().for_each(|x| *x = 0.0);
        for _ in 0..nt {
            let i = rng.random_range(0..nt);
            for (s, d) in st.iter_mut().zip(&dt[i * k..(i + 1) * k]) {
                *s += d;
            }
        }
        let mut wsum = 0.0;
        for _ in 0..nc {
            let i = rng.random_range(0..nc);
            let w = wc[i];
            wsum += w;
            for (s, d) in sc.iter_mut().zip(&dc[i * k..(i + 1) * k]) {
                *s += w * d;
            }
        }
        if wsum <= 0.0 {
            continue;
        }
        for j in 0..k {
            draws[j].push(st[j] / nt as f64 - sc[j] / wsum);
        }
    }
    let tail = (1.0 - bootstrap.confidence) / 2.0;
    for (e, mut d) in out.iter_mut().zip(draws) {
        if d.is_empty() {
            continue;
        }
        d.sort_by(f64::total_cmp);
        e.low = Some(quantile(&d, tail));
        e.high = Some(quantile(&d, 1.0 - tail));
    }
    out
}

/// The `p` quantile of sorted values, interpolating between neighbours
/// (Hyndman and Fan's type 7, the default of R and NumPy).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.25) - 1.75).abs() < 1e-12);
    }

    #[test]
    fn difference_in_differences_by_hand() {
        // Treatment: 100 → 60 and 200 → 140 (means 150 → 100, gross −50).
        // Comparison: 100 → 90 and 100 → 110 (means 100 → 100, change 0).
        // Net impact = −50 − 0 = −50.
        let s = Series {
            treatment: vec![(100.0, 60.0), (200.0, 140.0)],
            comparison: vec![(100.0, 90.0), (100.0, 110.0)],
            comparison_weights: None,
        };
        let e = &estimate(
            &[s],
            &Bootstrap {
                samples: 500,
                seed: 3,
                confidence: 0.9,
            },
        )[0];
        assert_eq!(e.gross_change, -50.0);
        assert_eq!(e.net_impact, Some(-50.0));
        // Every resample's estimate lies between the extremes: treatment
        // changes are −40 or −60, comparison changes −10 or +10.
        let (lo, hi) = (e.low.unwrap(), e.high.unwrap());
        assert!((-70.0..=-30.0).contains(&lo) && (-70.0..=-30.0).contains(&hi) && lo <= hi);
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let s = || Series {
            treatment: (0..50).map(|i| (i as f64, (i * i % 17) as f64)).collect(),
            comparison: (0..40).map(|i| ((i % 7) as f64, (i % 5) as f64)).collect(),
            comparison_weights: None,
        };
        let b = Bootstrap {
            samples: 300,
            seed: 11,
            confidence: 0.95,
        };
        assert_eq!(estimate(&[s()], &b), estimate(&[s()], &b));
        let other = Bootstrap {
            seed: 12,
            ..b.clone()
        };
        assert_ne!(estimate(&[s()], &b)[0].low, estimate(&[s()], &other)[0].low);
    }

    #[test]
    fn weighted_difference_in_differences_by_hand() {
        // Treatment: 100 → 70 (change −30).
        // Comparison: a (weight 2): 50 → 40 (−10); b (weight 0.5): 80 → 100
        // (+20). Weighted means: before (2×50 + 0.5×80) ÷ 2.5 = 140 ÷ 2.5
        // = 56; after (2×40 + 0.5×100) ÷ 2.5 = 130 ÷ 2.5 = 52; change −4.
        // Net impact = −30 − (−4) = −26.
        let s = Series {
            treatment: vec![(100.0, 70.0)],
            comparison: vec![(50.0, 40.0), (80.0, 100.0)],
            comparison_weights: Some(vec![2.0, 0.5]),
        };
        let e = &estimate(
            &[s],
            &Bootstrap {
                samples: 200,
                seed: 5,
                confidence: 0.9,
            },
        )[0];
        assert_eq!(e.comparison_before, Some(56.0));
        assert_eq!(e.comparison_after, Some(52.0));
        assert!((e.net_impact.unwrap() - -26.0).abs() < 1e-12);
        // A resample holds a's and b's changes in some mix: the comparison
        // change lies in [−10, +20], so the net impact in [−50, −20].
        let (lo, hi) = (e.low.unwrap(), e.high.unwrap());
        assert!(-50.0 - 1e-9 <= lo && lo <= hi && hi <= -20.0 + 1e-9);
    }

    #[test]
    fn no_comparison_group_means_no_net_impact() {
        let s = Series {
            treatment: vec![(10.0, 5.0)],
            comparison: vec![],
            comparison_weights: None,
        };
        let e = &estimate(&[s], &Bootstrap::default())[0];
        assert_eq!(e.gross_change, -5.0);
        assert_eq!(e.net_impact, None);
        assert_eq!(e.low, None);
    }
}
