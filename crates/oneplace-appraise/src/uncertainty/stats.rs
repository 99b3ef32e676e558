//! Summary statistics of simulated outputs.

use serde::Serialize;

/// One bar of a histogram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub count: u64,
}

/// What a simulation says about one output.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    /// The Monte Carlo standard error of the mean: sd / √n.
    pub standard_error: f64,
    pub p5: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
    /// The share of draws below the threshold (0 for money, 1 for returns).
    pub probability_below: f64,
    pub threshold: f64,
    /// Draws that gave no value (a return with no cost).
    pub undefined: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub histogram: Vec<Bin>,
}

/// The quantile `p` of sorted-by-selection values, by linear interpolation
/// between order statistics (Hyndman and Fan's type 7, as NumPy and Excel's
/// PERCENTILE.INC compute it).
fn quantile(values: &mut [f64], p: f64) -> f64 {
    let n = values.len();
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let (_, x_lo, upper) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    if lo + 1 >= n {
        return x_lo;
    }
    let x_hi = upper.iter().copied().fold(f64::INFINITY, f64::min);
    x_lo + (h - lo as f64) * (x_hi - x_lo)
}

/// Summarises `values`, ignoring non-finite ones (counted as undefined).
pub fn summarise(values: &[f64], threshold: f64, bins: usize) -> Summary {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let undefined = (values.len() - finite.len()) as u64;
    let n = finite.len();
    if n == 0 {
        let nan = f64::NAN;
        return Summary {
            mean: nan,
            sd: nan,
            standard_error: nan,
            p5: nan,
            p10: nan,
            p50: nan,
            p90: nan,
            p95: nan,
            min: nan,
            max: nan,
            probability_below: nan,
            threshold,
            undefined,
            histogram: Vec::new(),
        };
    }
    // Two passes, in draw order: the same figures whatever the threads.
    let mean = finite.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 {
        (finite.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let below = finite.iter().filter(|x| **x < threshold).count();
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let histogram = histogram(&finite, min, max, bins);
    Summary {
        mean,
        sd,
        standard_error: sd / (n as f64).sqrt(),
        p5: quantile(&mut finite, 0.05),
        p10: quantile(&mut finite, 0.10),
        p50: quantile(&mut finite, 0.50),
        p90: quantile(&mut finite, 0.90),
        p95: quantile(&mut finite, 0.95),
        min,
        max,
        probability_below: below as f64 / n as f64,
        threshold,
        undefined,
        histogram,
    }
}

fn histogram(values: &[f64], min: f64, max: f64, bins: usize) -> Vec<Bin> {
    if bins == 0 {
        return Vec::new();
    }
    let width = (max - min) / bins as f64;
    let mut counts = vec![0u64; bins];
    for v in values {
        let i = if width > 0.0 {
            (((v - min) / width) as usize).min(bins - 1)
        } else {
            0
        };
        counts[i] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| Bin {
            low: min + width * i as f64,
            high: if i + 1 == bins {
                max
            } else {
                min + width * (i + 1) as f64
            },
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [5, 10, 50, 90, 95])
        // = [1.2, 1.4, 3.0, 7.6, 8.8]
        let s = summarise(&[4.0, 1.0, 10.0, 3.0, 2.0], 0.0, 5);
        assert!((s.p5 - 1.2).abs() < 1e-12);
        assert!((s.p10 - 1.4).abs() < 1e-12);
        assert_eq!(s.p50, 3.0);
        assert!((s.p90 - 7.6).abs() < 1e-12);
        assert!((s.p95 - 8.8).abs() < 1e-12);
        assert_eq!(s.mean, 4.0);
        // Sample variance: (9 + 4 + 1 + 0 + 36) / 4 = 12.5.
        assert!((s.sd - 12.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.histogram.iter().map(|b| b.count).sum::<u64>(), 5);
        // Five bins of width 1.8 from 1: 1 and 2 in the first, 3 and 4 in
        // the second, 10 in the last.
        let counts: Vec<u64> = s.histogram.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![2, 2, 0, 0, 1]);
    }

    #[test]
    fn probability_below_and_undefined() {
        let s = summarise(&[-2.0, -1.0, 1.0, 2.0, f64::NAN], 0.0, 4);
        assert_eq!(s.probability_below, 0.5);
        assert_eq!(s.undefined, 1);
        let s = summarise(&[0.5, 1.5, 2.5, 3.5], 1.0, 0);
        assert_eq!(s.probability_below, 0.25);
        assert!(s.histogram.is_empty());
    }
}
