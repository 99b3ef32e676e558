//! Distributions for uncertain inputs, written in the model as text:
//! `pert(0.3, 0.45, 0.6)`, `normal(1200, 150, 0, 3000)`.
//!
//! The same text works in a TOML model and in a cell of the Excel template.
//! Each distribution can give its central value (used by the deterministic
//! appraisal), its exact mean and variance, its quantiles (for tornado
//! ranges), and samples.

use rand::{Rng, RngExt};

use super::special::{incomplete_beta, invert, normal_cdf, normal_pdf, normal_quantile};

/// A distribution of one input.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum Distribution {
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Beta-PERT with the usual shape 4.
    Pert {
        min: f64,
        mode: f64,
        max: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// Normal, optionally truncated to [min, max].
    Normal {
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// Log-normal given by the mean and standard deviation of the input itself.
    LogNormal {
        mean: f64,
        sd: f64,
    },
    /// Beta(alpha, beta) scaled to [min, max] (default [0, 1]): for rates.
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
    /// Values with their probabilities.
    Discrete {
        values: Vec<f64>,
        probabilities: Vec<f64>,
    },
}

/// The names the text form accepts, for messages.
pub const SYNTAX: &str = "triangular(min, mode, max), pert(min, mode, max), uniform(min, max), \
     normal(mean, sd) or normal(mean, sd, min, max), lognormal(mean, sd), \
     beta(alpha, beta) or beta(alpha, beta, min, max), discrete(value: probability, …)";

fn number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (body, scale) = match t.strip_suffix('%') {
        Some(b) => (b.trim_end(), 0.01),
        None => (t, 1.0),
    };
    let body = body.strip_prefix('£').unwrap_or(body);
    let body = body.replace('£', "");
    body.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(|x| x * scale)
        .ok_or_else(|| format!("'{t}' is not a number"))
}

impl Distribution {
    /// Parses the text form. `Ok(None)` when the text is not a distribution
    /// at all (a plain number, say), so callers can try other readings.
    pub fn parse(text: &str) -> Result<Option<Distribution>, String> {
        let t = text.trim();
        let Some(open) = t.find('(') else {
            return Ok(None);
        };
        let name = t[..open].trim().to_lowercase();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_')
        {
            return Ok(None);
        }
        let Some(inner) = t[open + 1..].strip_suffix(')') else {
            return Err(format!("'{t}' has no closing bracket"));
        };
        let args: Vec<&str> = inner.split(',').map(str::trim).collect();
        let nums = || {
            args.iter()
                .map(|a| number(a))
                .collect::<Result<Vec<f64>, String>>()
        };
        let arity = |n: &[usize], got: usize, usage: &str| -> Result<(), String> {
            if n.contains(&got) {
                Ok(())
            } else {
                Err(format!("{name} takes {usage}"))
            }
        };
        let d = match name.as_str() {
            "triangular" | "tri" => {
                let v = nums()?;
                arity(&[3], v.len(), "(min, mode, max)")?;
                Distribution::Triangular {
                    min: v[0],
                    mode: v[1],
                    max: v[2],
                }
            }
            "pert" | "betapert" | "beta-pert" => {
                let v = nums()?;
                arity(&[3], v.len(), "(min, mode, max)")?;
                Distribution::Pert {
                    min: v[0],
                    mode: v[1],
                    max: v[2],
                }
            }
            "uniform" => {
                let v = nums()?;
                arity(&[2], v.len(), "(min, max)")?;
                Distribution::Uniform {
                    min: v[0],
                    max: v[1],
                }
            }
            "normal" => {
                let v = nums()?;
                arity(&[2, 4], v.len(), "(mean, sd) or (mean, sd, min, max)")?;
                Distribution::Normal {
                    mean: v[0],
                    sd: v[1],
                    min: v.get(2).copied(),
                    max: v.get(3).copied(),
                }
            }
            "lognormal" | "log-normal" => {
                let v = nums()?;
                arity(&[2], v.len(), "(mean, sd)")?;
                Distribution::LogNormal {
                    mean: v[0],
                    sd: v[1],
                }
            }
            "beta" => {
                let v = nums()?;
                arity(&[2, 4], v.len(), "(alpha, beta) or (alpha, beta, min, max)")?;
                Distribution::Beta {
                    alpha: v[0],
                    beta: v[1],
                    min: v.get(2).copied().unwrap_or(0.0),
                    max: v.get(3).copied().unwrap_or(1.0),
                }
            }
            "discrete" => {
                let mut values = Vec::new();
                let mut probabilities = Vec::new();
                for a in &args {
                    let (v, p) = a.split_once(':').ok_or_else(|| {
                        format!("discrete takes value: probability pairs, not '{a}'")
                    })?;
                    values.push(number(v)?);
                    probabilities.push(number(p)?);
                }
                Distribution::Discrete {
                    values,
                    probabilities,
                }
            }
            _ => return Err(format!("unknown distribution '{name}'")),
        };
        d.check()?;
        Ok(Some(d))
    }

    /// Refuses impossible parameters.
    fn check(&self) -> Result<(), String> {
        match *self {
            Distribution::Triangular { min, mode, max } | Distribution::Pert { min, mode, max } => {
                if min >= max {
                    return Err(format!("min {min} is not below max {max}"));
                }
                if !(min..=max).contains(&mode) {
                    return Err(format!("mode {mode} is outside {min} to {max}"));
                }
            }
            Distribution::Uniform { min, max } => {
                if min >= max {
                    return Err(format!("min {min} is not below max {max}"));
                }
            }
            Distribution::Normal { sd, min, max, .. } => {
                if sd <= 0.0 {
                    return Err(format!("standard deviation {sd} is not positive"));
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo >= hi
                {
                    return Err(format!("min {lo} is not below max {hi}"));
                }
            }
            Distribution::LogNormal { mean, sd } => {
                if mean <= 0.0 {
                    return Err(format!("a log-normal's mean must be positive, not {mean}"));
                }
                if sd <= 0.0 {
                    return Err(format!("standard deviation {sd} is not positive"));
                }
            }
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                if alpha <= 0.0 || beta <= 0.0 {
                    return Err(format!(
                        "alpha {alpha} and beta {beta} must both be positive"
                    ));
                }
                if min >= max {
                    return Err(format!("min {min} is not below max {max}"));
                }
            }
            Distribution::Discrete {
                ref values,
                ref probabilities,
            } => {
                if values.is_empty() {
                    return Err("discrete needs at least one value".into());
                }
                if probabilities.iter().any(|p| *p < 0.0) {
                    return Err("probabilities cannot be negative".into());
                }
                let sum: f64 = probabilities.iter().sum();
                if (sum - 1.0).abs() > 1e-9 {
                    return Err(format!("the probabilities add up to {sum}, not 1"));
                }
            }
        }
        Ok(())
    }

    /// The smallest and largest values it can take.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Triangular { min, max, .. }
            | Distribution::Pert { min, max, .. }
            | Distribution::Uniform { min, max }
            | Distribution::Beta { min, max, .. } => (min, max),
            Distribution::Normal { min, max, .. } => (
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            ),
            Distribution::LogNormal { .. } => (0.0, f64::INFINITY),
            Distribution::Discrete { ref values, .. } => (
                values.iter().copied().fold(f64::INFINITY, f64::min),
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
        }
    }

    /// The value the deterministic appraisal uses: the most likely value
    /// for triangular and PERT (the analyst's central estimate), the mean
    /// otherwise.
    pub fn central(&self) -> f64 {
        match *self {
            Distribution::Triangular { mode, .. } | Distribution::Pert { mode, .. } => mode,
            _ => self.mean(),
        }
    }

    fn log_params(mean: f64, sd: f64) -> (f64, f64) {
        let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
        (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
    }

    /// Standardised truncation points and mass of a normal.
    fn truncation(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> (f64, f64, f64) {
        let a = min.map_or(f64::NEG_INFINITY, |m| (m - mean) / sd);
        let b = max.map_or(f64::INFINITY, |m| (m - mean) / sd);
        (a, b, normal_cdf(b) - normal_cdf(a))
    }

    fn beta_shape(&self) -> Option<(f64, f64, f64, f64)> {
        match *self {
            Distribution::Pert { min, mode, max } => Some((
                1.0 + 4.0 * (mode - min) / (max - min),
                1.0 + 4.0 * (max - mode) / (max - min),
                min,
                max,
            )),
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => Some((alpha, beta, min, max)),
            _ => None,
        }
    }

    /// The exact mean.
    pub fn mean(&self) -> f64 {
        if let Some((a, b, lo, hi)) = self.beta_shape() {
            return lo + (hi - lo) * a / (a + b);
        }
        match *self {
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Uniform { min, max } => (min + max) / 2.0,
            Distribution::Normal { mean, sd, min, max } => {
                let (a, b, z) = Self::truncation(mean, sd, min, max);
                let pa = if a.is_finite() { normal_pdf(a) } else { 0.0 };
                let pb = if b.is_finite() { normal_pdf(b) } else { 0.0 };
                mean + sd * (pa - pb) / z
            }
            Distribution::LogNormal { mean, .. } => mean,
            Distribution::Discrete {
                ref values,
                ref probabilities,
            } => values.iter().zip(probabilities).map(|(v, p)| v * p).sum(),
            _ => unreachable!("beta shapes handled above"),
        }
    }

    /// The exact variance.
    pub fn variance(&self) -> f64 {
        if let Some((a, b, lo, hi)) = self.beta_shape() {
            return (hi - lo).powi(2) * a * b / ((a + b).powi(2) * (a + b + 1.0));
        }
        match *self {
            Distribution::Triangular { min, mode, max } => {
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0
            }
            Distribution::Uniform { min, max } => (max - min).powi(2) / 12.0,
            Distribution::Normal { mean, sd, min, max } => {
                let (a, b, z) = Self::truncation(mean, sd, min, max);
                let pa = if a.is_finite() { normal_pdf(a) } else { 0.0 };
                let pb = if b.is_finite() { normal_pdf(b) } else { 0.0 };
                let aa = if a.is_finite() { a * pa } else { 0.0 };
                let bb = if b.is_finite() { b * pb } else { 0.0 };
                sd * sd * (1.0 + (aa - bb) / z - ((pa - pb) / z).powi(2))
            }
            Distribution::LogNormal { sd, .. } => sd * sd,
            Distribution::Discrete {
                ref values,
                ref probabilities,
            } => {
                let m = self.mean();
                values
                    .iter()
                    .zip(probabilities)
                    .map(|(v, p)| p * (v - m).powi(2))
                    .sum()
            }
            _ => unreachable!("beta shapes handled above"),
        }
    }

    /// The value below which a fraction `p` of the distribution lies.
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        if let Some((a, b, lo, hi)) = self.beta_shape() {
            let x = invert(|x| incomplete_beta(x, a, b), p, 0.0, 1.0);
            return lo + (hi - lo) * x;
        }
        match *self {
            Distribution::Triangular { min, mode, max } => {
                let f = (mode - min) / (max - min);
                if p < f {
                    min + (p * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * (max - min) * (max - mode)).sqrt()
                }
            }
            Distribution::Uniform { min, max } => min + p * (max - min),
            Distribution::Normal { mean, sd, min, max } => {
                let (a, b, _) = Self::truncation(mean, sd, min, max);
                let (fa, fb) = (normal_cdf(a), normal_cdf(b));
                mean + sd * normal_quantile(fa + p * (fb - fa))
            }
            Distribution::LogNormal { mean, sd } => {
                let (mu, sigma) = Self::log_params(mean, sd);
                (mu + sigma * normal_quantile(p)).exp()
            }
            Distribution::Discrete {
                ref values,
                ref probabilities,
            } => {
                let mut order: Vec<usize> = (0..values.len()).collect();
                order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
                let mut cumulative = 0.0;
                for &i in &order {
                    cumulative += probabilities[i];
                    if cumulative >= p - 1e-12 {
                        return values[i];
                    }
                }
                values[order[order.len() - 1]]
            }
            _ => unreachable!("beta shapes handled above"),
        }
    }

    /// A sampler with its constants worked out once.
    pub fn sampler(&self) -> Sampler {
        match *self {
            Distribution::Triangular { min, mode, max } => Sampler::Triangular {
                min,
                max,
                f: (mode - min) / (max - min),
                lower: (max - min) * (mode - min),
                upper: (max - min) * (max - mode),
            },
            Distribution::Uniform { min, max } => Sampler::Uniform {
                min,
                width: max - min,
            },
            Distribution::Pert { .. } | Distribution::Beta { .. } => {
                let (a, b, lo, hi) = self.beta_shape().expect("beta shape");
                Sampler::Beta {
                    beta: rand_distr::Beta::new(a, b).expect("checked parameters"),
                    lo,
                    width: hi - lo,
                }
            }
            Distribution::Normal {
                mean,
                sd,
                min: None,
                max: None,
            } => Sampler::Normal {
                normal: rand_distr::Normal::new(mean, sd).expect("checked parameters"),
            },
            Distribution::Normal { mean, sd, min, max } => {
                let (a, b, _) = Self::truncation(mean, sd, min, max);
                let fa = normal_cdf(a);
                Sampler::TruncatedNormal {
                    mean,
                    sd,
                    fa,
                    width: normal_cdf(b) - fa,
                }
            }
            Distribution::LogNormal { mean, sd } => {
                let (mu, sigma) = Self::log_params(mean, sd);
                Sampler::LogNormal {
                    normal: rand_distr::Normal::new(mu, sigma).expect("checked parameters"),
                }
            }
            Distribution::Discrete {
                ref values,
                ref probabilities,
            } => {
                let mut cumulative = Vec::with_capacity(values.len());
                let mut sum = 0.0;
                for p in probabilities {
                    sum += p;
                    cumulative.push(sum);
                }
                Sampler::Discrete {
                    values: values.clone(),
                    cumulative,
                }
            }
        }
    }
}

/// Draws from a [`Distribution`].
#[derive(Clone, Debug)]
pub enum Sampler {
    Triangular {
        min: f64,
        max: f64,
        f: f64,
        lower: f64,
        upper: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Beta {
        beta: rand_distr::Beta<f64>,
        lo: f64,
        width: f64,
    },
    Normal {
        normal: rand_distr::Normal<f64>,
    },
    TruncatedNormal {
        mean: f64,
        sd: f64,
        fa: f64,
        width: f64,
    },
    LogNormal {
        normal: rand_distr::Normal<f64>,
    },
    Discrete {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

impl Sampler {
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        use rand_distr::Distribution as _;
        match self {
            Sampler::Triangular {
                min,
                max,
                f,
                lower,
                upper,
            } => {
                let u: f64 = rng.random();
                if u < *f {
                    min + (u * lower).sqrt()
                } else {
                    max - ((1.0 - u) * upper).sqrt()
                }
            }
            Sampler::Uniform { min, width } => min + width * rng.random::<f64>(),
            Sampler::Beta { beta, lo, width } => lo + width * beta.sample(rng),
            Sampler::Normal { normal } => normal.sample(rng),
            Sampler::TruncatedNormal {
                mean,
                sd,
                fa,
                width,
            } => {
                // Inverse CDF within the truncated range: no rejection, so
                // every draw costs the same.
                let u: f64 = rng.random();
                mean + sd * normal_quantile(fa + u * width)
            }
            Sampler::LogNormal { normal } => normal.sample(rng).exp(),
            Sampler::Discrete { values, cumulative } => {
                let u: f64 = rng.random::<f64>() * cumulative[cumulative.len() - 1];
                let i = cumulative
                    .partition_point(|c| *c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn parse(t: &str) -> Distribution {
        Distribution::parse(t).unwrap().unwrap()
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            parse("PERT(30%, 45%, 60%)"),
            Distribution::Pert {
                min: 0.3,
                mode: 0.45,
                max: 0.6
            }
        );
        assert_eq!(
            parse(" normal(1200, 150, 0, £3000) "),
            Distribution::Normal {
                mean: 1200.0,
                sd: 150.0,
                min: Some(0.0),
                max: Some(3000.0)
            }
        );
        assert_eq!(
            parse("discrete(1: 0.25, 2: 0.75)"),
            Distribution::Discrete {
                values: vec![1.0, 2.0],
                probabilities: vec![0.25, 0.75]
            }
        );
        assert_eq!(Distribution::parse("0.35").unwrap(), None);
        assert_eq!(Distribution::parse("£1,200").unwrap(), None);
    }

    #[test]
    fn impossible_parameters_are_refused() {
        let err = |t: &str| Distribution::parse(t).unwrap_err();
        assert_eq!(err("triangular(3, 2, 1)"), "min 3 is not below max 1");
        assert_eq!(err("pert(0, 2, 1)"), "mode 2 is outside 0 to 1");
        assert_eq!(
            err("normal(1, -2)"),
            "standard deviation -2 is not positive"
        );
        assert_eq!(
            err("beta(0, 2)"),
            "alpha 0 and beta 2 must both be positive"
        );
        assert_eq!(
            err("discrete(1: 0.5, 2: 0.4)"),
            "the probabilities add up to 0.9, not 1"
        );
        assert_eq!(
            err("lognormal(-1, 1)"),
            "a log-normal's mean must be positive, not -1"
        );
        assert_eq!(err("gamma(1, 2)"), "unknown distribution 'gamma'");
        assert_eq!(err("uniform(1, 2, 3)"), "uniform takes (min, max)");
        assert_eq!(err("uniform(1, two)"), "'two' is not a number");
    }

    #[test]
    fn closed_form_moments() {
        // Triangular(0, 1, 2): mean 1, variance (0 + 1 + 4 − 0 − 0 − 2) / 18 = 1/6.
        let t = parse("triangular(0, 1, 2)");
        assert!((t.mean() - 1.0).abs() < 1e-15);
        assert!((t.variance() - 1.0 / 6.0).abs() < 1e-15);
        // PERT(0, 1, 4): alpha = 2, beta = 4 on [0, 4]: mean 4 × 2/6 = 4/3
        // (the PERT rule (0 + 4×1 + 4)/6), variance 16 × 8 / (36 × 7).
        let p = parse("pert(0, 1, 4)");
        assert!((p.mean() - 4.0 / 3.0).abs() < 1e-15);
        assert!((p.variance() - 16.0 * 8.0 / (36.0 * 7.0)).abs() < 1e-15);
        // Standard normal truncated to [0, ∞): mean √(2/π), variance 1 − 2/π.
        let n = parse("normal(0, 1, 0, 1000)");
        assert!((n.mean() - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-12);
        assert!((n.variance() - (1.0 - 2.0 / std::f64::consts::PI)).abs() < 1e-12);
    }

    #[test]
    fn quantiles() {
        let u = parse("uniform(10, 20)");
        assert_eq!(u.quantile(0.1), 11.0);
        // Triangular(0, 1, 2) is symmetric: P50 = 1; P12.5 = √(0.125 × 2) = 0.5.
        let t = parse("triangular(0, 1, 2)");
        assert!((t.quantile(0.5) - 1.0).abs() < 1e-15);
        assert!((t.quantile(0.125) - 0.5).abs() < 1e-15);
        // Normal(100, 15): P97.5 = 100 + 15 × 1.959964 = 129.39946.
        let n = parse("normal(100, 15)");
        assert!((n.quantile(0.975) - 129.399_459_768_1).abs() < 1e-9);
        // PERT(0, 0.5, 1) is Beta(3, 3): symmetric, P50 = 0.5.
        let p = parse("pert(0, 0.5, 1)");
        assert!((p.quantile(0.5) - 0.5).abs() < 1e-12);
        // Beta(2, 1) has CDF x², so P25 = 0.5.
        let b = parse("beta(2, 1)");
        assert!((b.quantile(0.25) - 0.5).abs() < 1e-12);
        let d = parse("discrete(3: 0.2, 1: 0.5, 2: 0.3)");
        assert_eq!(
            (d.quantile(0.4), d.quantile(0.6), d.quantile(0.9)),
            (1.0, 2.0, 3.0)
        );
    }

    #[test]
    fn samples_converge_to_the_closed_form() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for text in [
            "triangular(2, 3, 7)",
            "pert(0.1, 0.3, 0.8)",
            "uniform(-1, 5)",
            "normal(50, 10)",
            "normal(50, 10, 45, 80)",
            "lognormal(100, 40)",
            "beta(2, 5, 0, 1)",
            "discrete(1: 0.2, 4: 0.8)",
        ] {
            let d = parse(text);
            let s = d.sampler();
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| s.sample(&mut rng)).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
            // Five standard errors of the mean; the variance within 3%.
            let se = (d.variance() / n as f64).sqrt();
            assert!(
                (mean - d.mean()).abs() < 5.0 * se,
                "{text}: mean {mean} vs {}",
                d.mean()
            );
            assert!(
                (var / d.variance() - 1.0).abs() < 0.03,
                "{text}: var {var} vs {}",
                d.variance()
            );
            let (lo, hi) = d.support();
            assert!(draws.iter().all(|x| *x >= lo && *x <= hi), "{text}");
        }
    }
}
