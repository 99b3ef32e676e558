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

/// A finite value as an integer that orders as the values do (the order of
/// `f64::total_cmp`), so selections compare integers. [`value`] undoes it
/// exactly.
type Key = i64;

fn key(v: f64) -> Key {
    let bits = v.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

fn value(k: Key) -> f64 {
    // The sign bit is kept, so the same flip undoes it.
    f64::from_bits((k ^ (((k >> 63) as u64) >> 1) as i64) as u64)
}

/// The percentiles reported, in [`Summary`] order.
const PERCENTILES: [f64; 5] = [0.05, 0.10, 0.50, 0.90, 0.95];

/// Moves the order statistics of `values` at `ranks` (ascending, distinct,
/// each below `values.len()`) to their places, as a sort would, each with
/// no greater value before it and no smaller after.
///
/// One selection splits the values at the rank nearest the middle of the
/// slice; the ranks below are then found among the values below it and
/// those above among the values above, so each further selection works on
/// a fraction of the values: for the five percentiles, about 2.2 passes
/// over them (the whole, two halves, two tenths), where selecting each in
/// the whole array took five.
fn select_ranks(values: &mut [Key], ranks: &[usize]) {
    let Some(i) = (0..ranks.len()).min_by_key(|&i| ranks[i].abs_diff(values.len() / 2)) else {
        return;
    };
    let r = ranks[i];
    let (below, _, above) = values.select_nth_unstable(r);
    select_ranks(below, &ranks[..i]);
    let shifted: Vec<usize> = ranks[i + 1..].iter().map(|q| q - r - 1).collect();
    select_ranks(above, &shifted);
}

/// The percentiles `ps` of `values`, by linear interpolation between order
/// statistics (Hyndman and Fan's type 7, as NumPy and Excel's
/// PERCENTILE.INC compute them). Reorders `values`.
fn percentiles<const N: usize>(values: &mut [Key], ps: [f64; N]) -> [f64; N] {
    let n = values.len();
    let positions = ps.map(|p| (n - 1) as f64 * p);
    let mut ranks: Vec<usize> = positions.iter().map(|h| h.floor() as usize).collect();
    ranks.sort_unstable();
    ranks.dedup();
    select_ranks(values, &ranks);
    positions.map(|h| {
        let lo = h.floor() as usize;
        let x_lo = value(values[lo]);
        if lo + 1 >= n {
            return x_lo;
        }
        // The next order statistic is the least of what lies between this
        // rank and the next one selected (that one included): a scan, not
        // another selection.
        let next = ranks.iter().find(|&&r| r > lo).map_or(n - 1, |&r| r);
        let x_hi = value(*values[lo + 1..=next].iter().min().expect("not empty"));
        x_lo + (h - lo as f64) * (x_hi - x_lo)
    })
}

/// Working space for [`summarise_with`]: room for a copy of the values,
/// which the percentiles reorder. Reusing it from output to output spares
/// the system zeroing fresh pages for each (a millisecond or so per million
/// values).
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    finite: Vec<Key>,
}

/// Summarises `values`, ignoring non-finite ones (counted as undefined).
pub fn summarise(values: &[f64], threshold: f64, bins: usize) -> Summary {
    summarise_with(values, threshold, bins, &mut Workspace::default())
}

/// [`summarise`], in `work`.
pub fn summarise_with(
    values: &[f64],
    threshold: f64,
    bins: usize,
    work: &mut Workspace,
) -> Summary {
    // One pass copies the finite values out (the percentiles reorder them)
    // and takes their sum, extremes and count below the threshold; a second
    // takes the spread and the histogram. Both keep LANES running sums, a
    // value's lane fixed by its place among the draws, so the loops
    // vectorise and the figures are the same whatever the threads.
    let finite = &mut work.finite;
    finite.clear();
    finite.reserve(values.len());
    let mut lanes = [Lane::default(); LANES];
    let mut groups = values.chunks_exact(LANES);
    for group in &mut groups {
        if group.iter().all(|v| v.is_finite()) {
            finite.extend(group.iter().map(|&v| key(v)));
            for (lane, &v) in lanes.iter_mut().zip(group) {
                lane.add(v, threshold);
            }
        } else {
            for (lane, &v) in lanes.iter_mut().zip(group) {
                if v.is_finite() {
                    finite.push(key(v));
                    lane.add(v, threshold);
                }
            }
        }
    }
    for (lane, &v) in lanes.iter_mut().zip(groups.remainder()) {
        if v.is_finite() {
            finite.push(key(v));
            lane.add(v, threshold);
        }
    }
    let sum: f64 = lanes.iter().map(|l| l.sum).sum();
    let min = lanes.iter().fold(f64::INFINITY, |m, l| m.min(l.min));
    let max = lanes.iter().fold(f64::NEG_INFINITY, |m, l| m.max(l.max));
    let below: usize = lanes.iter().map(|l| l.below).sum();
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
    let mean = sum / n as f64;
    let (squares, histogram) = spread_and_histogram(finite, mean, min, max, bins);
    let sd = if n > 1 {
        (squares / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let [p5, p10, p50, p90, p95] = percentiles(finite, PERCENTILES);
    Summary {
        mean,
        sd,
        standard_error: sd / (n as f64).sqrt(),
        p5,
        p10,
        p50,
        p90,
        p95,
        min,
        max,
        probability_below: below as f64 / n as f64,
        threshold,
        undefined,
        histogram,
    }
}

/// The sum of squared deviations from `mean`, and the histogram of `bins`
/// equal bars from `min` to `max`, in one pass.
fn spread_and_histogram(
    values: &[Key],
    mean: f64,
    min: f64,
    max: f64,
    bins: usize,
) -> (f64, Vec<Bin>) {
    let mut squares = [0.0; LANES];
    let mut groups = values.chunks_exact(LANES);
    for group in &mut groups {
        for (s, &k) in squares.iter_mut().zip(group) {
            let d = value(k) - mean;
            *s += d * d;
        }
    }
    for (s, &k) in squares.iter_mut().zip(groups.remainder()) {
        let d = value(k) - mean;
        *s += d * d;
    }
    let squares = squares.iter().sum();
    if bins == 0 {
        return (squares, Vec::new());
    }
    // Bars are for charts: a value within rounding of an edge may land on
    // either side, so a multiplication does for the division.
    let width = (max - min) / bins as f64;
    let per_bar = if width > 0.0 { 1.0 / width } else { 0.0 };
    // Four sets of counts, taken in turn: consecutive draws often fall in
    // the same bar, and one set would make each count wait for the last.
    let mut counts = vec![0u64; 4 * bins];
    // In range for a finite value (0 to `bins`), so through i32, which
    // converts in fewer instructions than usize.
    let last = bins as i32 - 1;
    let bar = |k: Key| (((value(k) - min) * per_bar) as i32).min(last) as usize;
    let mut quads = values.chunks_exact(4);
    for q in &mut quads {
        counts[bar(q[0])] += 1;
        counts[bins + bar(q[1])] += 1;
        counts[2 * bins + bar(q[2])] += 1;
        counts[3 * bins + bar(q[3])] += 1;
    }
    for &k in quads.remainder() {
        counts[bar(k)] += 1;
    }
    let counts: Vec<u64> = (0..bins)
        .map(|i| (0..4).map(|set| counts[set * bins + i]).sum())
        .collect();
    (squares, bars(counts, min, max, width))
}

/// Running sums for one lane of [`summarise`]'s first pass.
#[derive(Clone, Copy, Debug)]
struct Lane {
    sum: f64,
    min: f64,
    max: f64,
    below: usize,
}

impl Default for Lane {
    fn default() -> Lane {
        Lane {
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            below: 0,
        }
    }
}

impl Lane {
    /// Adds a finite value (so plain comparisons do for min and max).
    fn add(&mut self, v: f64, threshold: f64) {
        self.sum += v;
        self.min = if v < self.min { v } else { self.min };
        self.max = if v > self.max { v } else { self.max };
        self.below += usize::from(v < threshold);
    }
}

/// Running sums kept side by side in [`summarise`].
const LANES: usize = 8;

fn bars(counts: Vec<u64>, min: f64, max: f64, width: f64) -> Vec<Bin> {
    let bins = counts.len();
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
    fn percentiles_by_nested_selection_equal_those_of_the_sorted_values() {
        // Type 7 on the sorted values, written out directly.
        let reference = |sorted: &[f64], p: f64| {
            let h = (sorted.len() - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(sorted.len() - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        };
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        // One workspace for every size, largest first: what a summary
        // leaves behind must not reach the next.
        let mut shared = Workspace::default();
        for n in [4097, 1, 2, 3, 4, 10, 19, 20, 21, 101, 1000] {
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Few distinct values, so ties are common.
                    (seed % 97) as f64 - 40.0
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let s = summarise(&values, 0.0, 7);
            let got = [s.p5, s.p10, s.p50, s.p90, s.p95];
            for (p, x) in PERCENTILES.into_iter().zip(got) {
                assert_eq!(x, reference(&sorted, p), "n = {n}, p = {p}");
            }
            assert_eq!(s.min, sorted[0]);
            assert_eq!(s.max, sorted[n - 1]);
            assert_eq!(s.histogram.iter().map(|b| b.count).sum::<u64>(), n as u64);
            let again = summarise_with(&values, 0.0, 7, &mut shared);
            assert_eq!(
                [
                    again.p5, again.p10, again.p50, again.p90, again.p95, again.mean, again.sd
                ],
                [s.p5, s.p10, s.p50, s.p90, s.p95, s.mean, s.sd]
            );
            assert_eq!(again.histogram, s.histogram);
        }
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
