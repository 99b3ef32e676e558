//! The appraisal folded into sums of products, evaluated a block of draws
//! at a time.
//!
//! Every headline figure of an appraisal is a sum over cost lines, years,
//! outcomes, starting years, value lines and agencies of a product of model
//! numbers: a cost is `amount × scale × (1 + uplift) × DF(t)`; a fiscal
//! benefit is `starters × profile × engagement × success × (1 − deadweight)
//! × … × quantity × unit value × share × DF(t)`. In a Monte Carlo run only a
//! few of those numbers are drawn, so each figure is
//!
//! ```text
//!     constant + Σ_m coefficient_m × Π_{i ∈ m} factor_i(x_i)
//! ```
//!
//! with each factor `x_i` or `1 − x_i` and everything not drawn multiplied
//! into the coefficients once, here, instead of once per draw. Every input
//! but one fits: cost amounts and scales, starters by year (the discounted
//! volume of outcomes is linear in each year's starters, and in each year
//! of a profile given year by year), rates, quantities, unit values and
//! their scales, cashable shares. A drop-off `d` enters as `(1 − d)^k`, a
//! power, so a model that draws one does not compile ([`compile`] returns
//! `None`) and the simulation evaluates it with the [`Kernel`] instead.
//!
//! [`Folded::evaluate`] computes a block of draws column by column: one
//! plain loop over `&[f64]` slices per product of inputs and per group of
//! up to four terms of a sum, which the compiler turns into SIMD code, with
//! nothing allocated per draw. For the family-support example that is 5
//! products and 31 floating-point operations per draw for NPBI, NPPV and the
//! two ROIs ([`Folded::arithmetic`]), where the kernel recomputes the whole
//! model, some 700 operations, one draw at a time.
//!
//! Payback needs each year's cost and fiscal benefit, so each year gets its
//! own folded net flow and cost, and cumulative sums are carried draw by
//! draw. A comparison the ranges of the inputs settle for every draw is not
//! made draw by draw (in family-support, cumulative cost is positive from
//! year 0 whatever the draws), and once every draw of a chunk has paid back
//! the later years are skipped.
//!
//! A payback year is a comparison (`cumulative ≥ 0`), which summing in
//! another order could flip when the cumulative figure is within rounding
//! of zero — as it is exactly, for instance, when a benefit is set equal to
//! a cost. Such a draw is flagged (its cumulative figure is within a
//! billionth of the size of what was summed to reach it) and re-evaluated by
//! the kernel, so the payback years are always the kernel's. Nothing else is
//! compared, so the other outputs agree with the kernel to rounding (a test
//! holds them to 1e-9 of their size).

use std::collections::{BTreeMap, HashMap};

use oneplace_refdata::ReferenceData;

use super::kernel::Kernel;
use super::simulate::NEVER;
use crate::model::{Model, RateKind, Target};

/// Draws computed together: the products, sums and payback state of a chunk
/// (some 20 buffers of `CHUNK` values) stay in the first-level cache.
pub const CHUNK: usize = 256;

/// A cumulative figure closer to zero than this, relative to the sum of the
/// magnitudes of what was added to reach it, sends the draw to the kernel
/// for its payback years. Rounding moves a sum of a few hundred terms by
/// well under 1e-13 of that size, so a draw is only sent when the payback
/// comparison is genuinely close to a tie.
const TIE_TOLERANCE: f64 = 1e-9;

/// One factor of a product of inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Factor {
    /// The input itself (model units).
    X(usize),
    /// One minus the input: a rate that takes a share away (deadweight,
    /// displacement, leakage).
    OneMinus(usize),
}

/// A model number while compiling: known, or the value of an input.
#[derive(Clone, Copy, Debug)]
enum Sym {
    Const(f64),
    Input(usize),
}

/// A product being built: a coefficient and the inputs' factors.
#[derive(Clone, Debug)]
struct Term {
    coefficient: f64,
    factors: Vec<Factor>,
}

impl Term {
    fn one() -> Term {
        Term {
            coefficient: 1.0,
            factors: Vec::new(),
        }
    }

    fn times(mut self, c: f64) -> Term {
        self.coefficient *= c;
        self
    }

    fn by(mut self, s: Sym) -> Term {
        match s {
            Sym::Const(c) => self.coefficient *= c,
            Sym::Input(i) => self.factors.push(Factor::X(i)),
        }
        self
    }

    fn by_complement(mut self, s: Sym) -> Term {
        match s {
            Sym::Const(c) => self.coefficient *= 1.0 - c,
            Sym::Input(i) => self.factors.push(Factor::OneMinus(i)),
        }
        self
    }

    fn product(&self, other: &Term) -> Term {
        let mut factors = self.factors.clone();
        factors.extend_from_slice(&other.factors);
        Term {
            coefficient: self.coefficient * other.coefficient,
            factors,
        }
    }
}

/// A sum being built: its coefficients by product, and beside each the sum
/// of the magnitudes of what went into it (for the payback tie test).
#[derive(Clone, Debug, Default)]
struct Sum {
    constant: f64,
    constant_magnitude: f64,
    terms: BTreeMap<usize, (f64, f64)>,
}

impl Sum {
    fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.constant_magnitude == 0.0
    }

    /// `self += weight × other`, magnitudes included (weight ≥ 0 assumed for
    /// the magnitudes, which are only ever accumulated with discount
    /// factors).
    fn add_scaled(&mut self, other: &Sum, weight: f64) {
        self.constant += weight * other.constant;
        self.constant_magnitude += weight * other.constant_magnitude;
        for (&m, &(c, a)) in &other.terms {
            let e = self.terms.entry(m).or_insert((0.0, 0.0));
            e.0 += weight * c;
            e.1 += weight * a;
        }
    }

    fn form(&self) -> Form {
        Form {
            constant: self.constant,
            terms: self
                .terms
                .iter()
                .filter(|(_, (c, _))| *c != 0.0)
                .map(|(&m, &(c, _))| (m, c))
                .collect(),
        }
    }

    fn magnitude(&self) -> Form {
        Form {
            constant: self.constant_magnitude,
            terms: self.terms.iter().map(|(&m, &(_, a))| (m, a)).collect(),
        }
    }
}

/// Products of inputs, each stored once however many sums use it.
#[derive(Default)]
struct Products {
    index: HashMap<Vec<Factor>, usize>,
    list: Vec<Vec<Factor>>,
}

impl Products {
    fn add(&mut self, sum: &mut Sum, term: &Term, weight: f64) {
        let c = term.coefficient * weight;
        if c == 0.0 {
            // Draws are finite, so the product contributes exactly nothing.
            return;
        }
        if term.factors.is_empty() {
            sum.constant += c;
            sum.constant_magnitude += c.abs();
            return;
        }
        let mut key = term.factors.clone();
        key.sort_unstable();
        let next = self.list.len();
        let m = *self.index.entry(key.clone()).or_insert(next);
        if m == next {
            self.list.push(key);
        }
        let e = sum.terms.entry(m).or_insert((0.0, 0.0));
        e.0 += c;
        e.1 += c.abs();
    }
}

/// `constant + Σ coefficient × product`, compiled.
#[derive(Clone, Debug, Default)]
struct Form {
    constant: f64,
    /// (product, coefficient)
    terms: Vec<(usize, f64)>,
}

impl Form {
    /// The value for given product values (bounds, here).
    fn at(&self, products: &[f64]) -> f64 {
        self.terms
            .iter()
            .fold(self.constant, |acc, &(m, c)| acc + c * products[m])
    }

    /// The smallest and largest values for products within `ranges`.
    fn range(&self, ranges: &[(f64, f64)]) -> (f64, f64) {
        self.terms
            .iter()
            .fold((self.constant, self.constant), |(lo, hi), &(m, c)| {
                let (a, b) = (c * ranges[m].0, c * ranges[m].1);
                (lo + a.min(b), hi + a.max(b))
            })
    }

    /// Writes the form's value for each draw of a chunk into `out`. Terms
    /// go up to four at a time, so each pass over `out` does up to four
    /// multiply-adds per load and store; the first pass also adds the
    /// constant, and stores without loading.
    fn evaluate(&self, products: &[&[f64]], out: &mut [f64]) {
        let n = out.len();
        let p = |m: usize| &products[m][..n];
        let k = self.constant;
        let mut groups = self.terms.chunks(4);
        match groups.next() {
            None => out.fill(k),
            Some(&[(a, ka)]) => {
                for (o, a) in out.iter_mut().zip(p(a)) {
                    *o = k + ka * a;
                }
            }
            Some(&[(a, ka), (b, kb)]) => {
                for ((o, a), b) in out.iter_mut().zip(p(a)).zip(p(b)) {
                    *o = k + ka * a + kb * b;
                }
            }
            Some(&[(a, ka), (b, kb), (c, kc)]) => {
                for (((o, a), b), c) in out.iter_mut().zip(p(a)).zip(p(b)).zip(p(c)) {
                    *o = k + ka * a + kb * b + kc * c;
                }
            }
            Some(&[(a, ka), (b, kb), (c, kc), (d, kd)]) => {
                for ((((o, a), b), c), d) in out.iter_mut().zip(p(a)).zip(p(b)).zip(p(c)).zip(p(d))
                {
                    *o = k + ka * a + kb * b + kc * c + kd * d;
                }
            }
            Some(_) => unreachable!("groups of one to four"),
        }
        for group in groups {
            match *group {
                [(a, ka)] => {
                    for (o, a) in out.iter_mut().zip(p(a)) {
                        *o += ka * a;
                    }
                }
                [(a, ka), (b, kb)] => {
                    for ((o, a), b) in out.iter_mut().zip(p(a)).zip(p(b)) {
                        *o += ka * a + kb * b;
                    }
                }
                [(a, ka), (b, kb), (c, kc)] => {
                    for (((o, a), b), c) in out.iter_mut().zip(p(a)).zip(p(b)).zip(p(c)) {
                        *o += ka * a + kb * b + kc * c;
                    }
                }
                [(a, ka), (b, kb), (c, kc), (d, kd)] => {
                    for ((((o, a), b), c), d) in
                        out.iter_mut().zip(p(a)).zip(p(b)).zip(p(c)).zip(p(d))
                    {
                        *o += ka * a + kb * b + kc * c + kd * d;
                    }
                }
                _ => unreachable!("groups of one to four"),
            }
        }
    }
}

/// Where a product's values come from when evaluating.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A product of one input is the input's own column.
    Input(usize),
    /// Computed into scratch buffer `k`.
    Buffer(usize),
}

/// One year of the payback calculation.
#[derive(Clone, Debug)]
struct Year {
    year: usize,
    df: f64,
    /// Fiscal benefit less cost in the year, undiscounted.
    net: Form,
    /// Cost in the year, undiscounted.
    cost: Form,
    /// By this year: the cumulative net flow, undiscounted and discounted,
    /// then the cumulative cost, undiscounted and discounted (indexed by
    /// [`NET`] and [`SPENT`] plus the measure). Their ranges over every
    /// draw settle many payback tests for a whole chunk at once.
    cumulative: [Form; 4],
    /// Sums of the magnitudes of everything added to reach those four: the
    /// scale of their rounding error.
    magnitude: [Form; 4],
}

/// Where the cumulative net flow and cumulative cost of a measure
/// (0: undiscounted, 1: discounted) are in [`Year::cumulative`] and the
/// running state.
const NET: usize = 0;
const SPENT: usize = 2;

/// What a comparison gives over every draw of a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Test {
    Never,
    Always,
    /// Varies from draw to draw, or is too close to call for some.
    Depends,
}

/// How a year's payback test (cost incurred, and cumulative net flow at
/// least zero) is done for one measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// It fails for every draw.
    Skip,
    /// It holds for every draw: every draw not yet paid back pays back.
    Certain,
    /// Draw by draw, comparing the cumulative cost (`spent`) and the
    /// cumulative net flow (`net`) as flagged.
    Test { spent: bool, net: bool },
}

/// One year's payback tests for a chunk.
#[derive(Clone, Debug)]
struct Step {
    mode: [Mode; 2],
    /// Within these of zero, a cumulative figure (indexed as
    /// [`Year::cumulative`]) is too close to call.
    tolerance: [f64; 4],
}

/// The payback tests for a chunk, year by year.
#[derive(Clone, Debug)]
struct Plan {
    steps: Vec<Step>,
    /// Whether the cumulative cost of each measure is compared draw by draw
    /// in any year (if not, it need not be kept).
    spent: [bool; 2],
}

/// Operation counts per draw, for estimating the arithmetic limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arithmetic {
    /// Products of inputs computed into buffers.
    pub products: usize,
    /// Floating-point operations per draw for NPBI, NPPV and the two ROIs
    /// (what the NumPy peer computes).
    pub headline_flops: usize,
    /// The same for every output: the five headline figures, each agency's
    /// net position and both payback years (counting every year's payback
    /// tests in full, which the chunk-wide shortcuts often spare).
    pub all_flops: usize,
}

/// The model compiled for block evaluation. See the module documentation.
#[derive(Clone, Debug)]
pub struct Folded {
    inputs: usize,
    /// Each product's factors; a product of one input's own value is read
    /// from its column.
    products: Vec<Vec<Factor>>,
    sources: Vec<Source>,
    buffers: usize,
    pv_costs: Form,
    pv_fiscal: Form,
    public: Form,
    pv_cashable: Form,
    agency_net: Vec<Form>,
    /// Only years in which something is spent or gained: in the others
    /// nothing changes, so neither can a payback test.
    years: Vec<Year>,
    /// Each input's range (model units), when its distribution is bounded.
    ranges: Vec<Option<(f64, f64)>>,
    /// The payback tests for every draw, when every input is bounded
    /// (otherwise worked out chunk by chunk, from the chunk's draws).
    plan: Option<Plan>,
    /// For draws whose payback is too close to call.
    kernel: Kernel,
    targets: Vec<Target>,
}

/// Where [`Folded::evaluate`] writes. Outputs left `None` (or an empty
/// `agency_net`) are not computed at all. Every slice given must have the
/// same length, the number of draws.
#[derive(Debug, Default)]
pub struct Sinks<'a> {
    pub npbi: Option<&'a mut [f64]>,
    pub financial_roi: Option<&'a mut [f64]>,
    pub cashable_financial_roi: Option<&'a mut [f64]>,
    pub nppv: Option<&'a mut [f64]>,
    pub public_value_roi: Option<&'a mut [f64]>,
    /// One slice per agency, or none.
    pub agency_net: Vec<&'a mut [f64]>,
    pub payback_discounted: Option<&'a mut [u16]>,
    pub payback_undiscounted: Option<&'a mut [u16]>,
}

impl Sinks<'_> {
    fn len(&self) -> usize {
        let lengths = [
            self.npbi.as_ref().map(|s| s.len()),
            self.financial_roi.as_ref().map(|s| s.len()),
            self.cashable_financial_roi.as_ref().map(|s| s.len()),
            self.nppv.as_ref().map(|s| s.len()),
            self.public_value_roi.as_ref().map(|s| s.len()),
            self.payback_discounted.as_ref().map(|s| s.len()),
            self.payback_undiscounted.as_ref().map(|s| s.len()),
        ];
        let mut all = lengths
            .into_iter()
            .flatten()
            .chain(self.agency_net.iter().map(|s| s.len()));
        let n = all.next().unwrap_or(0);
        assert!(
            all.all(|m| m == n),
            "every output slice has one value per draw"
        );
        n
    }
}

fn part<'s, T>(s: &'s mut Option<&mut [T]>, lo: usize, hi: usize) -> Option<&'s mut [T]> {
    s.as_deref_mut().map(|s| &mut s[lo..hi])
}

/// Working space for [`Folded::evaluate`], reused from block to block.
#[derive(Clone, Debug)]
pub struct Scratch {
    buffers: Vec<Vec<f64>>,
    costs: Vec<f64>,
    fiscal: Vec<f64>,
    public: Vec<f64>,
    cashable: Vec<f64>,
    inverse: Vec<f64>,
    net: Vec<f64>,
    cost: Vec<f64>,
    state: [Vec<f64>; 4],
    payback: [Vec<f64>; 2],
    doubt: Vec<u64>,
    kernel: Option<Kernel>,
    nets: Vec<f64>,
    fallbacks: usize,
}

impl Scratch {
    /// Draws whose payback years were taken from the kernel, so far.
    pub fn fallbacks(&self) -> usize {
        self.fallbacks
    }
}

/// The model's numbers as the simulation sees them: known, or drawn.
struct Symbols {
    cost_amounts: Vec<Vec<Sym>>,
    cost_scale: Vec<Sym>,
    cohort: Vec<Vec<Sym>>,
    cohort_scale: Vec<Sym>,
    rates: Vec<[Sym; 5]>,
    profile: Vec<Vec<Sym>>,
    cashable: Vec<Vec<Sym>>,
    quantity: Vec<Vec<Sym>>,
    unit: Vec<Vec<[Sym; 3]>>,
    unit_scale: Vec<Vec<Sym>>,
}

fn consts(v: &[f64]) -> Vec<Sym> {
    v.iter().map(|&x| Sym::Const(x)).collect()
}

impl Symbols {
    fn new(model: &Model) -> Symbols {
        let o = &model.outcomes;
        Symbols {
            cost_amounts: model.costs.iter().map(|c| consts(&c.amounts)).collect(),
            cost_scale: model.costs.iter().map(|c| Sym::Const(c.scale)).collect(),
            cohort: o.iter().map(|o| consts(&o.cohort)).collect(),
            cohort_scale: o.iter().map(|o| Sym::Const(o.cohort_scale)).collect(),
            rates: o
                .iter()
                .map(|o| {
                    [
                        o.engagement,
                        o.success,
                        o.deadweight,
                        o.displacement,
                        o.leakage,
                    ]
                    .map(Sym::Const)
                })
                .collect(),
            profile: o.iter().map(|o| consts(&o.profile)).collect(),
            cashable: o.iter().map(|o| consts(&o.cashable)).collect(),
            quantity: o
                .iter()
                .map(|o| o.values.iter().map(|v| Sym::Const(v.quantity)).collect())
                .collect(),
            unit: o
                .iter()
                .map(|o| {
                    o.values
                        .iter()
                        .map(|v| v.unit_values.map(|u| Sym::Const(u.unwrap_or(0.0))))
                        .collect()
                })
                .collect(),
            unit_scale: o
                .iter()
                .map(|o| o.values.iter().map(|v| Sym::Const(v.scale)).collect())
                .collect(),
        }
    }

    /// Makes the number an input sets the input's value, with the meaning
    /// of [`Kernel::set`] (a later input setting the same number wins, as
    /// it does there). False when the input cannot be folded.
    fn set(&mut self, model: &Model, target: &Target, input: usize) -> bool {
        let x = Sym::Input(input);
        match *target {
            Target::CostYears { cost, from, to } => {
                self.cost_amounts[cost][from..=to].fill(x);
            }
            Target::CostScale { cost } => self.cost_scale[cost] = x,
            Target::CohortYear { outcome, year } => self.cohort[outcome][year] = x,
            Target::CohortScale { outcome } => self.cohort_scale[outcome] = x,
            Target::Rate { outcome, rate } => {
                let r = match rate {
                    RateKind::Engagement => 0,
                    RateKind::Success => 1,
                    RateKind::Deadweight => 2,
                    RateKind::Displacement => 3,
                    RateKind::Leakage => 4,
                };
                self.rates[outcome][r] = x;
            }
            // A drop-off d enters as (1 − d)^k: a power, not a product of
            // distinct factors. (With a profile given year by year there
            // is no drop-off, and the kernel ignores the input too.)
            Target::DropOff { outcome } => return model.outcomes[outcome].shape.is_none(),
            Target::ProfileYear { outcome, year } => self.profile[outcome][year] = x,
            Target::Cashable { outcome, agency } => match agency {
                Some(a) => self.cashable[outcome][a] = x,
                None => self.cashable[outcome].fill(x),
            },
            Target::Quantity { outcome, value } => self.quantity[outcome][value] = x,
            Target::UnitValue {
                outcome,
                value,
                kind,
            } => self.unit[outcome][value][kind.index()] = x,
            Target::UnitScale { outcome, value } => self.unit_scale[outcome][value] = x,
        }
        true
    }
}

/// Compiles `model` and its uncertain inputs (in the order of
/// `model.uncertain`, one column each) for block evaluation, or `None` when
/// an input does not enter the figures as a product of distinct factors.
pub fn compile(model: &Model, data: &ReferenceData) -> Option<Folded> {
    let settings = &model.settings;
    let years = settings.years;
    let factors = |name: &str| {
        data.discount_schedule(name)
            .expect("validated schedule")
            .factors(years, settings.discount_year_zero)
    };
    let df = factors(&settings.discount_schedule);
    let df_health = factors("health");

    let mut sym = Symbols::new(model);
    for (i, u) in model.uncertain.iter().enumerate() {
        if !sym.set(model, &u.target, i) {
            return None;
        }
    }

    let agencies = model.agencies.len();
    let mut products = Products::default();
    let (mut pv_costs, mut pv_fiscal) = (Sum::default(), Sum::default());
    let (mut public, mut pv_cashable) = (Sum::default(), Sum::default());
    let mut agency_net = vec![Sum::default(); agencies];
    let mut net_by_year = vec![Sum::default(); years];
    let mut cost_by_year = vec![Sum::default(); years];

    for (c, line) in model.costs.iter().enumerate() {
        let k = Term::one()
            .times(1.0 + line.optimism_uplift)
            .by(sym.cost_scale[c]);
        for t in 0..years {
            let x = k.clone().by(sym.cost_amounts[c][t]);
            products.add(&mut cost_by_year[t], &x, 1.0);
            products.add(&mut net_by_year[t], &x, -1.0);
            products.add(&mut pv_costs, &x, df[t]);
            products.add(&mut agency_net[line.agency], &x, -df[t]);
        }
    }

    for (o, outcome) in model.outcomes.iter().enumerate() {
        let r = &sym.rates[o];
        let rate = Term::one()
            .by(r[0])
            .by(r[1])
            .by_complement(r[2])
            .by_complement(r[3])
            .by_complement(r[4])
            .by(sym.cohort_scale[o]);
        // Per successful outcome, per value line (before the unit value).
        let per: Vec<Term> = outcome
            .values
            .iter()
            .enumerate()
            .map(|(v, line)| {
                rate.clone()
                    .by(sym.quantity[o][v])
                    .by(sym.unit_scale[o][v])
                    .times(1.0 - line.optimism_reduction)
            })
            .collect();
        for s in 0..years {
            for t in s..years {
                // Starters of year s still in benefit in year t.
                let volume = Term::one().by(sym.cohort[o][s]).by(sym.profile[o][t - s]);
                if volume.coefficient == 0.0 {
                    continue;
                }
                for (v, line) in outcome.values.iter().enumerate() {
                    let base = per[v].product(&volume);
                    let [fiscal, economic, social] = sym.unit[o][v];
                    let fiscal = base.clone().by(fiscal);
                    // The kernel's fiscal flow by year takes the value's
                    // whole fiscal part (its shares add up to 1).
                    products.add(&mut net_by_year[t], &fiscal, 1.0);
                    for share in &line.shares {
                        let w = df[t] * share.share;
                        products.add(&mut agency_net[share.agency], &fiscal, w);
                        products.add(&mut pv_fiscal, &fiscal, w);
                        if !share.transfer {
                            products.add(&mut public, &fiscal, w);
                        }
                        let cashable = fiscal.clone().by(sym.cashable[o][share.agency]);
                        products.add(&mut pv_cashable, &cashable, w);
                    }
                    products.add(&mut public, &base.clone().by(economic), df[t]);
                    let social_df = if outcome.health_discounting {
                        df_health[t]
                    } else {
                        df[t]
                    };
                    products.add(&mut public, &base.by(social), social_df);
                }
            }
        }
    }

    // Payback: the years in which anything flows, with the cumulative
    // figures so far.
    let mut cumulative: [Sum; 4] = Default::default();
    let mut payback_years = Vec::new();
    for t in 0..years {
        let (net, cost) = (&net_by_year[t], &cost_by_year[t]);
        if net.is_empty() && cost.is_empty() {
            continue;
        }
        cumulative[NET].add_scaled(net, 1.0);
        cumulative[NET + 1].add_scaled(net, df[t]);
        cumulative[SPENT].add_scaled(cost, 1.0);
        cumulative[SPENT + 1].add_scaled(cost, df[t]);
        payback_years.push(Year {
            year: t,
            df: df[t],
            net: net.form(),
            cost: cost.form(),
            cumulative: [0, 1, 2, 3].map(|k| cumulative[k].form()),
            magnitude: [0, 1, 2, 3].map(|k| cumulative[k].magnitude()),
        });
    }

    // Products a product of one input's own value are read from its column.
    let mut buffers = 0;
    let sources = products
        .list
        .iter()
        .map(|f| match f[..] {
            [Factor::X(i)] => Source::Input(i),
            _ => {
                buffers += 1;
                Source::Buffer(buffers - 1)
            }
        })
        .collect();
    let ranges: Vec<Option<(f64, f64)>> = model
        .uncertain
        .iter()
        .map(|u| {
            let (lo, hi) = u.distribution.support();
            let (a, b) = (lo * u.factor, hi * u.factor);
            (a.is_finite() && b.is_finite()).then(|| (a.min(b), a.max(b)))
        })
        .collect();
    let mut folded = Folded {
        inputs: model.uncertain.len(),
        products: products.list,
        sources,
        buffers,
        pv_costs: pv_costs.form(),
        pv_fiscal: pv_fiscal.form(),
        public: public.form(),
        pv_cashable: pv_cashable.form(),
        agency_net: agency_net.iter().map(Sum::form).collect(),
        years: payback_years,
        ranges,
        plan: None,
        kernel: Kernel::new(model, data),
        targets: model.uncertain.iter().map(|u| u.target).collect(),
    };
    if folded.ranges.iter().all(Option::is_some) {
        let ranges: Vec<(f64, f64)> = folded.ranges.iter().flatten().copied().collect();
        folded.plan = Some(folded.plan_for(&ranges));
    }
    Some(folded)
}

/// The range of a factor for inputs within `ranges`.
fn factor_range(f: Factor, ranges: &[(f64, f64)]) -> (f64, f64) {
    match f {
        Factor::X(i) => ranges[i],
        Factor::OneMinus(i) => (1.0 - ranges[i].1, 1.0 - ranges[i].0),
    }
}

/// The range of a product of two ranges.
fn times((a, b): (f64, f64), (c, d): (f64, f64)) -> (f64, f64) {
    let p = [a * c, a * d, b * c, b * d];
    (
        p.into_iter().fold(f64::INFINITY, f64::min),
        p.into_iter().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// `x ≥ 0` over `lo..=hi`, counting within `tolerance` of zero as too
/// close to call. (With no tolerance the figure sums nothing at all and is
/// exactly zero, in the kernel too.)
fn at_least_zero(lo: f64, hi: f64, tolerance: f64) -> Test {
    if lo >= tolerance {
        Test::Always
    } else if hi < -tolerance {
        Test::Never
    } else {
        Test::Depends
    }
}

/// `x > 0` over `lo..=hi`, likewise.
fn above_zero(lo: f64, hi: f64, tolerance: f64) -> Test {
    if lo > tolerance {
        Test::Always
    } else if hi <= -tolerance {
        Test::Never
    } else {
        Test::Depends
    }
}

/// A factor's value: the input, or one minus it.
#[inline(always)]
fn factor<const ONE_MINUS: bool>(x: f64) -> f64 {
    if ONE_MINUS { 1.0 - x } else { x }
}

/// `out = f(x) × g(y)`, each factor the input or one minus it.
fn product2<const F: bool, const G: bool>(x: &[f64], y: &[f64], out: &mut [f64]) {
    for ((o, x), y) in out.iter_mut().zip(x).zip(y) {
        *o = factor::<F>(*x) * factor::<G>(*y);
    }
}

/// `out = f(x) × g(y) × h(z)`, likewise.
fn product3<const F: bool, const G: bool, const H: bool>(
    x: &[f64],
    y: &[f64],
    z: &[f64],
    out: &mut [f64],
) {
    for (((o, x), y), z) in out.iter_mut().zip(x).zip(y).zip(z) {
        *o = factor::<F>(*x) * factor::<G>(*y) * factor::<H>(*z);
    }
}

/// Writes the product of `factors` (of the inputs in `columns`) into
/// `out`: three factors in the first pass, one in each further pass.
fn multiply(factors: &[Factor], columns: &[&[f64]], out: &mut [f64]) {
    use Factor::{OneMinus as M, X};
    let n = out.len();
    let c = |f: Factor| match f {
        X(i) | M(i) => &columns[i][..n],
    };
    let rest = match *factors {
        [f] => {
            for (o, x) in out.iter_mut().zip(c(f)) {
                *o = if matches!(f, M(_)) { 1.0 - x } else { *x };
            }
            &factors[1..]
        }
        [f, g] => {
            let (x, y) = (c(f), c(g));
            match (f, g) {
                (X(_), X(_)) => product2::<false, false>(x, y, out),
                (X(_), M(_)) => product2::<false, true>(x, y, out),
                (M(_), X(_)) => product2::<true, false>(x, y, out),
                (M(_), M(_)) => product2::<true, true>(x, y, out),
            }
            &factors[2..]
        }
        [f, g, h, ..] => {
            let (x, y, z) = (c(f), c(g), c(h));
            match (f, g, h) {
                (X(_), X(_), X(_)) => product3::<false, false, false>(x, y, z, out),
                (X(_), X(_), M(_)) => product3::<false, false, true>(x, y, z, out),
                (X(_), M(_), X(_)) => product3::<false, true, false>(x, y, z, out),
                (X(_), M(_), M(_)) => product3::<false, true, true>(x, y, z, out),
                (M(_), X(_), X(_)) => product3::<true, false, false>(x, y, z, out),
                (M(_), X(_), M(_)) => product3::<true, false, true>(x, y, z, out),
                (M(_), M(_), X(_)) => product3::<true, true, false>(x, y, z, out),
                (M(_), M(_), M(_)) => product3::<true, true, true>(x, y, z, out),
            }
            &factors[3..]
        }
        [] => unreachable!("a product has factors"),
    };
    for &f in rest {
        let x = c(f);
        if matches!(f, M(_)) {
            for (o, x) in out.iter_mut().zip(x) {
                *o *= 1.0 - x;
            }
        } else {
            for (o, x) in out.iter_mut().zip(x) {
                *o *= x;
            }
        }
    }
}

/// Accumulates `flow × weight` into `sum`.
fn accumulate(sum: &mut [f64], flow: &[f64], weight: f64) {
    for (s, f) in sum.iter_mut().zip(flow) {
        *s += f * weight;
    }
}

/// One measure's payback test for one year, draw by draw: accumulates the
/// net flow into `cum` and, for draws not yet paid back, records `year` where
/// the test holds and counts in `doubt` the draws too close to call. `SPENT`
/// and `NET` say which comparisons vary from draw to draw (the others hold
/// for the whole chunk). Every store is unconditional, so the loop
/// vectorises.
#[allow(clippy::too_many_arguments)]
fn test_year<const SPENT: bool, const NET: bool>(
    year: f64,
    weight: f64,
    tolerance_net: f64,
    tolerance_spent: f64,
    net: &[f64],
    cum: &mut [f64],
    spent: &[f64],
    pay: &mut [f64],
    doubt: &mut [u64],
) {
    let never = f64::from(NEVER);
    let n = net.len();
    let (cum, spent, pay, doubt) = (&mut cum[..n], &spent[..n], &mut pay[..n], &mut doubt[..n]);
    for j in 0..n {
        let u = cum[j] + net[j] * weight;
        cum[j] = u;
        let open = pay[j] == never;
        let (mut hit, mut close) = (open, false);
        if NET {
            hit &= u >= 0.0;
            close |= u.abs() < tolerance_net;
        }
        if SPENT {
            let s = spent[j];
            hit &= s > 0.0;
            close |= s.abs() < tolerance_spent;
        }
        pay[j] = if hit { year } else { pay[j] };
        // A count rather than a flag: a sum vectorises, where a
        // conditional store does not.
        doubt[j] += u64::from(open & close);
    }
}

impl Folded {
    /// Uncertain inputs: columns expected by [`Folded::evaluate`].
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn agencies(&self) -> usize {
        self.agency_net.len()
    }

    /// Working space for [`Folded::evaluate`].
    pub fn scratch(&self) -> Scratch {
        let chunk = || vec![0.0; CHUNK];
        Scratch {
            buffers: (0..self.buffers).map(|_| chunk()).collect(),
            costs: chunk(),
            fiscal: chunk(),
            public: chunk(),
            cashable: chunk(),
            inverse: chunk(),
            net: chunk(),
            cost: chunk(),
            state: [chunk(), chunk(), chunk(), chunk()],
            payback: [chunk(), chunk()],
            doubt: vec![0; CHUNK],
            kernel: None,
            nets: vec![0.0; self.agency_net.len()],
            fallbacks: 0,
        }
    }

    /// Operation counts per draw (see [`Arithmetic`]).
    pub fn arithmetic(&self) -> Arithmetic {
        // A product of k factors: k − 1 multiplications, plus one
        // subtraction per `1 − x`.
        let products: usize = self
            .products
            .iter()
            .zip(&self.sources)
            .filter(|(_, s)| matches!(s, Source::Buffer(_)))
            .map(|(f, _)| {
                f.len() - 1
                    + f.iter()
                        .filter(|f| matches!(f, Factor::OneMinus(_)))
                        .count()
            })
            .sum();
        // A term is a multiplication and an addition; a constant, an
        // addition if not zero.
        let form = |f: &Form| 2 * f.terms.len() + usize::from(f.constant != 0.0);
        // Costs, fiscal, public value; NPBI and NPPV are differences; the
        // ROIs one division and two multiplications.
        let headline = form(&self.pv_costs) + form(&self.pv_fiscal) + form(&self.public) + 2 + 3;
        let cashable = form(&self.pv_cashable) + 1;
        let nets: usize = self.agency_net.iter().map(form).sum();
        // Each year: the net flow and cost, four running sums (two with a
        // discount factor), two payback tests and the tie test.
        let payback: usize = self
            .years
            .iter()
            .map(|y| form(&y.net) + form(&y.cost) + 6 + 2 * 3 + 4 * 2)
            .sum();
        Arithmetic {
            products,
            headline_flops: products + headline,
            all_flops: products + headline + cashable + nets + payback,
        }
    }

    /// The payback tests for draws whose inputs lie within `ranges`: for
    /// each year and measure, whether the test is settled for all of them,
    /// and the tolerances of the tie test.
    fn plan_for(&self, ranges: &[(f64, f64)]) -> Plan {
        let products: Vec<(f64, f64)> = self
            .products
            .iter()
            .map(|f| {
                f.iter()
                    .map(|&f| factor_range(f, ranges))
                    .fold((1.0, 1.0), times)
            })
            .collect();
        let sizes: Vec<f64> = products.iter().map(|(a, b)| a.abs().max(b.abs())).collect();
        let mut spent = [false; 2];
        let steps = self
            .years
            .iter()
            .map(|y| {
                let tolerance = [0, 1, 2, 3].map(|k| TIE_TOLERANCE * y.magnitude[k].at(&sizes));
                let test = |k: usize, f: fn(f64, f64, f64) -> Test| {
                    let (lo, hi) = y.cumulative[k].range(&products);
                    f(lo, hi, tolerance[k])
                };
                let mode = [0, 1].map(|m| {
                    match (test(SPENT + m, above_zero), test(NET + m, at_least_zero)) {
                        (Test::Never, _) | (_, Test::Never) => Mode::Skip,
                        (Test::Always, Test::Always) => Mode::Certain,
                        (s, n) => Mode::Test {
                            spent: s == Test::Depends,
                            net: n == Test::Depends,
                        },
                    }
                });
                for m in 0..2 {
                    if let Mode::Test { spent: true, .. } = mode[m] {
                        spent[m] = true;
                    }
                }
                Step { mode, tolerance }
            })
            .collect();
        Plan { steps, spent }
    }

    /// Evaluates the draws given column by column (`inputs[i][j]`: input
    /// `i` of `model.uncertain`, draw `j`, in model units: the draw times the
    /// input's factor, as [`Kernel::set`] takes it) and writes the outputs
    /// asked for.
    pub fn evaluate(&self, inputs: &[&[f64]], sinks: &mut Sinks<'_>, scratch: &mut Scratch) {
        assert_eq!(inputs.len(), self.inputs, "one column per uncertain input");
        let n = sinks.len();
        assert!(
            inputs.iter().all(|c| c.len() == n),
            "every input column has one value per draw"
        );
        assert!(
            sinks.agency_net.is_empty() || sinks.agency_net.len() == self.agency_net.len(),
            "one net position per agency, or none"
        );
        let mut columns: Vec<&[f64]> = Vec::with_capacity(inputs.len());
        for lo in (0..n).step_by(CHUNK) {
            let hi = n.min(lo + CHUNK);
            columns.clear();
            columns.extend(inputs.iter().map(|c| &c[lo..hi]));
            self.chunk(&columns, sinks, lo, hi, scratch);
        }
    }

    fn chunk(
        &self,
        columns: &[&[f64]],
        sinks: &mut Sinks<'_>,
        lo: usize,
        hi: usize,
        scratch: &mut Scratch,
    ) {
        let n = hi - lo;
        let Scratch {
            buffers,
            costs,
            fiscal,
            public,
            cashable,
            inverse,
            net,
            cost,
            state,
            payback,
            doubt,
            kernel,
            nets,
            fallbacks,
        } = scratch;

        // The products of two or more factors, up to three factors a pass.
        for (factors, source) in self.products.iter().zip(&self.sources) {
            let Source::Buffer(k) = *source else {
                continue;
            };
            multiply(factors, columns, &mut buffers[k][..n]);
        }
        let values: Vec<&[f64]> = self
            .sources
            .iter()
            .map(|s| match *s {
                Source::Input(i) => columns[i],
                Source::Buffer(k) => &buffers[k][..n],
            })
            .collect();

        // The headline figures. NPBI and NPPV are differences from PV
        // costs, as in the kernel; a return on no cost is undefined.
        let npbi = part(&mut sinks.npbi, lo, hi);
        let nppv = part(&mut sinks.nppv, lo, hi);
        let financial_roi = part(&mut sinks.financial_roi, lo, hi);
        let cashable_roi = part(&mut sinks.cashable_financial_roi, lo, hi);
        let public_roi = part(&mut sinks.public_value_roi, lo, hi);
        let any_roi = financial_roi.is_some() || cashable_roi.is_some() || public_roi.is_some();
        let (costs, inverse) = (&mut costs[..n], &mut inverse[..n]);
        if npbi.is_some() || nppv.is_some() || any_roi {
            self.pv_costs.evaluate(&values, costs);
        }
        if any_roi {
            for (i, c) in inverse.iter_mut().zip(costs.iter()) {
                *i = if *c > 0.0 { 1.0 / c } else { f64::NAN };
            }
        }
        for (form, buffer, difference, ratio) in [
            (&self.pv_fiscal, &mut fiscal[..n], npbi, financial_roi),
            (&self.public, &mut public[..n], nppv, public_roi),
            (&self.pv_cashable, &mut cashable[..n], None, cashable_roi),
        ] {
            if difference.is_none() && ratio.is_none() {
                continue;
            }
            form.evaluate(&values, buffer);
            match (difference, ratio) {
                (Some(d), Some(r)) => {
                    for ((((d, r), x), c), i) in d
                        .iter_mut()
                        .zip(r.iter_mut())
                        .zip(buffer.iter())
                        .zip(costs.iter())
                        .zip(inverse.iter())
                    {
                        *d = x - c;
                        *r = x * i;
                    }
                }
                (Some(d), None) => {
                    for ((d, x), c) in d.iter_mut().zip(buffer.iter()).zip(costs.iter()) {
                        *d = x - c;
                    }
                }
                (None, Some(r)) => {
                    for ((r, x), i) in r.iter_mut().zip(buffer.iter()).zip(inverse.iter()) {
                        *r = x * i;
                    }
                }
                (None, None) => {}
            }
        }
        for (form, out) in self.agency_net.iter().zip(sinks.agency_net.iter_mut()) {
            form.evaluate(&values, &mut out[lo..hi]);
        }

        // Payback years.
        if sinks.payback_discounted.is_none() && sinks.payback_undiscounted.is_none() {
            return;
        }
        let never = f64::from(NEVER);
        let dynamic;
        let plan = match &self.plan {
            Some(plan) => plan,
            None => {
                // Some input is unbounded: plan for this chunk's draws.
                let ranges: Vec<(f64, f64)> = (0..self.inputs)
                    .map(|i| {
                        self.ranges[i].unwrap_or_else(|| {
                            columns[i]
                                .iter()
                                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                                    (a.min(x), b.max(x))
                                })
                        })
                    })
                    .collect();
                dynamic = self.plan_for(&ranges);
                &dynamic
            }
        };
        // Cumulative net flow and cost, undiscounted and discounted, as
        // indexed by NET and SPENT.
        let [s0, s1, s2, s3] = state;
        let mut state = [&mut s0[..n], &mut s1[..n], &mut s2[..n], &mut s3[..n]];
        let [p0, p1] = payback;
        let mut pay = [&mut p0[..n], &mut p1[..n]];
        let doubt = &mut doubt[..n];
        for s in &mut state {
            s.fill(0.0);
        }
        for p in &mut pay {
            p.fill(never);
        }
        doubt.fill(0);
        let (net, cost) = (&mut net[..n], &mut cost[..n]);
        for (y, step) in self.years.iter().zip(&plan.steps) {
            y.net.evaluate(&values, net);
            if plan.spent[0] || plan.spent[1] {
                y.cost.evaluate(&values, cost);
            }
            let year = y.year as f64;
            for m in 0..2 {
                let weight = if m == 0 { 1.0 } else { y.df };
                let [cum_0, cum_1, spent_0, spent_1] = &mut state;
                let (cum, spent) = if m == 0 {
                    (&mut **cum_0, &mut **spent_0)
                } else {
                    (&mut **cum_1, &mut **spent_1)
                };
                if plan.spent[m] {
                    accumulate(spent, cost, weight);
                }
                let (t_net, t_spent) = (step.tolerance[NET + m], step.tolerance[SPENT + m]);
                let pay = &mut *pay[m];
                match step.mode[m] {
                    Mode::Skip => accumulate(cum, net, weight),
                    Mode::Certain => {
                        accumulate(cum, net, weight);
                        for p in pay.iter_mut() {
                            *p = if *p == never { year } else { *p };
                        }
                    }
                    Mode::Test { spent: s, net: u } => {
                        let test = match (s, u) {
                            (true, true) => test_year::<true, true>,
                            (true, false) => test_year::<true, false>,
                            (false, _) => test_year::<false, true>,
                        };
                        test(year, weight, t_net, t_spent, net, cum, spent, pay, doubt);
                    }
                }
            }
            // Once every draw has paid back on both measures, later years
            // change nothing.
            let open = pay
                .iter()
                .flat_map(|p| p.iter())
                .fold(false, |open, p| open | (*p == never));
            if !open {
                break;
            }
        }
        let [pay, pay_d] = pay;
        let doubtful = doubt.iter().fold(0, |any, d| any | d) != 0;
        for j in (0..n).filter(|&j| doubtful && doubt[j] != 0) {
            let kernel = kernel.get_or_insert_with(|| self.kernel.clone());
            for (target, column) in self.targets.iter().zip(columns) {
                kernel.set(target, column[j]);
            }
            let h = kernel.evaluate(nets);
            pay[j] = h.payback_undiscounted.map_or(never, f64::from);
            pay_d[j] = h.payback_discounted.map_or(never, f64::from);
            *fallbacks += 1;
        }
        for (sink, pay) in [
            (part(&mut sinks.payback_undiscounted, lo, hi), &*pay),
            (part(&mut sinks.payback_discounted, lo, hi), &*pay_d),
        ] {
            if let Some(sink) = sink {
                // Years and NEVER are whole numbers within u16, so the
                // conversion through i32 is exact (and vectorises).
                for (s, p) in sink.iter_mut().zip(pay) {
                    *s = *p as i32 as u16;
                }
            }
        }
    }
}
