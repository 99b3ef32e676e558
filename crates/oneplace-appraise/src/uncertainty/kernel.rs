//! The appraisal flattened for repeated evaluation.
//!
//! A Monte Carlo run evaluates the same model a million times with a few
//! inputs changed. [`Kernel`] holds the model's numbers in flat arrays,
//! keeps each outcome's volume of successful outcomes (which depends only
//! on its starters and profile) until one of those changes, and computes
//! only the headline figures, without allocating. It must agree with
//! [`crate::evaluate()`]; a test holds it to that on every example and on
//! random changes of every input.

use oneplace_refdata::{ReferenceData, ValueKind};

use crate::evaluate::outcome_volume;
use crate::model::{Model, RateKind, Shape, Target};

#[derive(Clone, Debug)]
struct KCost {
    agency: usize,
    amounts: Vec<f64>,
    scale: f64,
    uplift: f64,
}

#[derive(Clone, Debug)]
struct KValue {
    quantity: f64,
    scale: f64,
    /// Fiscal, economic, social per unit (0 when absent).
    unit: [f64; 3],
    reduction: f64,
    /// (agency, share, transfer)
    shares: Vec<(usize, f64, bool)>,
}

#[derive(Clone, Debug)]
struct KOutcome {
    cohort: Vec<f64>,
    cohort_scale: f64,
    rates: [f64; 5],
    shape: Option<Shape>,
    profile: Vec<f64>,
    health: bool,
    cashable: Vec<f64>,
    values: Vec<KValue>,
    /// Outcomes in benefit by year per unit success rate, and its present
    /// values; recomputed when `stale`.
    volume: Vec<f64>,
    pv_volume: f64,
    pv_volume_health: f64,
    stale: bool,
}

/// The headline figures of one evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Headline {
    pub npbi: f64,
    pub financial_roi: f64,
    pub cashable_financial_roi: f64,
    pub nppv: f64,
    pub public_value_roi: f64,
    /// Years from year 0; `None`: not within the appraisal.
    pub payback_discounted: Option<u16>,
    pub payback_undiscounted: Option<u16>,
}

#[derive(Clone, Debug)]
pub struct Kernel {
    df: Vec<f64>,
    df_health: Vec<f64>,
    costs: Vec<KCost>,
    outcomes: Vec<KOutcome>,
    // Work space, reused by every evaluation.
    cost_by_year: Vec<f64>,
    fiscal_by_year: Vec<f64>,
    agency_cost: Vec<f64>,
    agency_fiscal: Vec<f64>,
}

fn rate_index(r: RateKind) -> usize {
    match r {
        RateKind::Engagement => 0,
        RateKind::Success => 1,
        RateKind::Deadweight => 2,
        RateKind::Displacement => 3,
        RateKind::Leakage => 4,
    }
}

impl Kernel {
    pub fn new(model: &Model, data: &ReferenceData) -> Kernel {
        let settings = &model.settings;
        let years = settings.years;
        let factors = |name: &str| {
            data.discount_schedule(name)
                .expect("validated schedule")
                .factors(years, settings.discount_year_zero)
        };
        let costs = model
            .costs
            .iter()
            .map(|c| KCost {
                agency: c.agency,
                amounts: c.amounts.clone(),
                scale: c.scale,
                uplift: c.optimism_uplift,
            })
            .collect();
        let outcomes = model
            .outcomes
            .iter()
            .map(|o| KOutcome {
                cohort: o.cohort.clone(),
                cohort_scale: o.cohort_scale,
                rates: [
                    o.engagement,
                    o.success,
                    o.deadweight,
                    o.displacement,
                    o.leakage,
                ],
                shape: o.shape,
                profile: o.profile.clone(),
                health: o.health_discounting,
                cashable: o.cashable.clone(),
                values: o
                    .values
                    .iter()
                    .map(|v| KValue {
                        quantity: v.quantity,
                        scale: v.scale,
                        unit: ValueKind::ALL.map(|k| v.unit_value(k).unwrap_or(0.0)),
                        reduction: v.optimism_reduction,
                        shares: v
                            .shares
                            .iter()
                            .map(|s| (s.agency, s.share, s.transfer))
                            .collect(),
                    })
                    .collect(),
                volume: vec![0.0; years],
                pv_volume: 0.0,
                pv_volume_health: 0.0,
                stale: true,
            })
            .collect();
        let agencies = model.agencies.len();
        Kernel {
            df: factors(&settings.discount_schedule),
            df_health: factors("health"),
            costs,
            outcomes,
            cost_by_year: vec![0.0; years],
            fiscal_by_year: vec![0.0; years],
            agency_cost: vec![0.0; agencies],
            agency_fiscal: vec![0.0; agencies],
        }
    }

    pub fn agencies(&self) -> usize {
        self.agency_cost.len()
    }

    /// Sets one input, in model units: the same meaning as
    /// [`crate::params::apply`].
    pub fn set(&mut self, target: &Target, x: f64) {
        let years = self.df.len();
        match *target {
            Target::CostYears { cost, from, to } => {
                for a in &mut self.costs[cost].amounts[from..=to] {
                    *a = x;
                }
            }
            Target::CostScale { cost } => self.costs[cost].scale = x,
            Target::CohortYear { outcome, year } => {
                let o = &mut self.outcomes[outcome];
                o.cohort[year] = x;
                o.stale = true;
            }
            Target::CohortScale { outcome } => self.outcomes[outcome].cohort_scale = x,
            Target::Rate { outcome, rate } => self.outcomes[outcome].rates[rate_index(rate)] = x,
            Target::DropOff { outcome } => {
                let o = &mut self.outcomes[outcome];
                if let Some(shape) = &mut o.shape {
                    shape.drop_off = x;
                    o.profile = shape.profile(years);
                    o.stale = true;
                }
            }
            Target::ProfileYear { outcome, year } => {
                let o = &mut self.outcomes[outcome];
                o.profile[year] = x;
                o.stale = true;
            }
            Target::Cashable { outcome, agency } => {
                let c = &mut self.outcomes[outcome].cashable;
                match agency {
                    Some(a) => c[a] = x,
                    None => c.iter_mut().for_each(|v| *v = x),
                }
            }
            Target::Quantity { outcome, value } => {
                self.outcomes[outcome].values[value].quantity = x
            }
            Target::UnitValue {
                outcome,
                value,
                kind,
            } => self.outcomes[outcome].values[value].unit[kind.index()] = x,
            Target::UnitScale { outcome, value } => self.outcomes[outcome].values[value].scale = x,
        }
    }

    /// Evaluates, writing each agency's net position (PV fiscal benefit −
    /// PV cost) into `agency_net`.
    pub fn evaluate(&mut self, agency_net: &mut [f64]) -> Headline {
        let years = self.df.len();
        self.cost_by_year.iter_mut().for_each(|x| *x = 0.0);
        self.fiscal_by_year.iter_mut().for_each(|x| *x = 0.0);
        self.agency_cost.iter_mut().for_each(|x| *x = 0.0);
        self.agency_fiscal.iter_mut().for_each(|x| *x = 0.0);

        let mut pv_costs = 0.0;
        for c in &self.costs {
            let k = c.scale * (1.0 + c.uplift);
            let mut pv = 0.0;
            for (t, a) in c.amounts.iter().enumerate() {
                let x = a * k;
                self.cost_by_year[t] += x;
                pv += x * self.df[t];
            }
            self.agency_cost[c.agency] += pv;
            pv_costs += pv;
        }

        let (mut pv_fiscal, mut pv_cashable, mut pv_transfers) = (0.0, 0.0, 0.0);
        let (mut pv_economic, mut pv_social) = (0.0, 0.0);
        for o in &mut self.outcomes {
            if o.stale {
                o.volume = outcome_volume(&o.cohort, 1.0, &o.profile);
                o.pv_volume = o.volume.iter().zip(&self.df).map(|(v, d)| v * d).sum();
                o.pv_volume_health = o
                    .volume
                    .iter()
                    .zip(&self.df_health)
                    .map(|(v, d)| v * d)
                    .sum();
                o.stale = false;
            }
            let r = o.rates;
            let rate = r[0] * r[1] * (1.0 - r[2]) * (1.0 - r[3]) * (1.0 - r[4]) * o.cohort_scale;
            let mut fiscal_per_outcome = 0.0;
            for v in &o.values {
                let per = rate * v.quantity * v.scale * (1.0 - v.reduction);
                let fiscal = v.unit[0] * per;
                fiscal_per_outcome += fiscal;
                let pv_line = fiscal * o.pv_volume;
                for &(a, share, transfer) in &v.shares {
                    let x = pv_line * share;
                    self.agency_fiscal[a] += x;
                    pv_cashable += x * o.cashable[a];
                    if transfer {
                        pv_transfers += x;
                    }
                }
                pv_economic += v.unit[1] * per * o.pv_volume;
                let social_pv = if o.health {
                    o.pv_volume_health
                } else {
                    o.pv_volume
                };
                pv_social += v.unit[2] * per * social_pv;
            }
            if fiscal_per_outcome != 0.0 {
                for t in 0..years {
                    self.fiscal_by_year[t] += fiscal_per_outcome * o.volume[t];
                }
            }
        }
        for (a, net) in agency_net.iter_mut().enumerate() {
            pv_fiscal += self.agency_fiscal[a];
            *net = self.agency_fiscal[a] - self.agency_cost[a];
        }

        // Payback: the first year cumulative fiscal benefit reaches
        // cumulative cost, once some cost has been incurred.
        let (mut cum, mut cum_d, mut cost, mut cost_d) = (0.0, 0.0, 0.0, 0.0);
        let (mut payback_u, mut payback_d) = (None, None);
        for t in 0..years {
            let (c, f) = (self.cost_by_year[t], self.fiscal_by_year[t]);
            cum += f - c;
            cum_d += (f - c) * self.df[t];
            cost += c;
            cost_d += c * self.df[t];
            if payback_u.is_none() && cost > 0.0 && cum >= 0.0 {
                payback_u = Some(t as u16);
            }
            if payback_d.is_none() && cost_d > 0.0 && cum_d >= 0.0 {
                payback_d = Some(t as u16);
            }
        }
        let public = pv_fiscal - pv_transfers + pv_economic + pv_social;
        let ratio = |x: f64| {
            if pv_costs > 0.0 {
                x / pv_costs
            } else {
                f64::NAN
            }
        };
        Headline {
            npbi: pv_fiscal - pv_costs,
            financial_roi: ratio(pv_fiscal),
            cashable_financial_roi: ratio(pv_cashable),
            nppv: public - pv_costs,
            public_value_roi: ratio(public),
            payback_discounted: payback_d,
            payback_undiscounted: payback_u,
        }
    }
}
