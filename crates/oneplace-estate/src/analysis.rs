//! What the register says: cost per m² and per occupant, utilisation and
//! under-used buildings, and sites of different partners close enough to
//! share.
//!
//! Definitions (the same in every report):
//!
//! * running cost = the year's rent, rates, energy, water, cleaning,
//!   maintenance, security and other costs, added up;
//! * cost per m² = running cost ÷ gross internal floor area (none for land
//!   or a record with no floor area);
//! * cost per occupant = running cost ÷ occupants (none without occupants);
//! * utilisation = the measured utilisation when the register has one,
//!   otherwise occupants ÷ capacity (and none when neither is known); a
//!   building is under-used when its utilisation is below the place's
//!   threshold;
//! * a partner's or the estate's cost per m² divides the running cost of
//!   its buildings with a floor area by that floor area, and its cost per
//!   occupant the running cost of buildings with occupants by their
//!   occupants, so land and empty buildings do not distort either;
//! * co-location candidates are pairs of buildings (not land) of different
//!   partners within the place's distance of each other, by great-circle
//!   distance ([`crate::geo::distance_km`]).

use oneplace_core::Money;
use serde::Serialize;

use crate::geo::{EARTH_MEAN_RADIUS_KM, distance_km};
use crate::model::{CostType, Place, Register, RunningCosts, Site, SiteId, Thresholds, Use};

/// Where a utilisation figure comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UtilisationBasis {
    /// A survey or sensor figure in the register.
    Measured,
    /// Occupants ÷ capacity.
    Occupancy,
}

impl UtilisationBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            UtilisationBasis::Measured => "measured",
            UtilisationBasis::Occupancy => "occupants ÷ capacity",
        }
    }
}

/// A site's utilisation and where it comes from.
pub fn utilisation(site: &Site) -> Option<(f64, UtilisationBasis)> {
    if let Some(u) = site.utilisation {
        return Some((u, UtilisationBasis::Measured));
    }
    match (site.occupants, site.capacity) {
        (Some(o), Some(c)) if c > 0 => {
            Some((f64::from(o) / f64::from(c), UtilisationBasis::Occupancy))
        }
        _ => None,
    }
}

fn per(amount: Money, by: f64) -> Option<f64> {
    (by > 0.0).then(|| amount.to_pounds_f64() / by)
}

/// One site's measures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SiteMetrics {
    pub site: SiteId,
    pub name: String,
    #[serde(rename = "use")]
    pub usage: Use,
    pub floor_area_m2: f64,
    pub running_cost: Money,
    /// Pounds a year per m².
    pub cost_per_m2: Option<f64>,
    /// Pounds a year per occupant.
    pub cost_per_occupant: Option<f64>,
    pub m2_per_occupant: Option<f64>,
    pub utilisation: Option<f64>,
    pub utilisation_basis: Option<UtilisationBasis>,
    /// Capacity less occupants (negative when over capacity).
    pub spare_capacity: Option<i64>,
    pub under_used: bool,
}

/// A site's measures under the place's thresholds.
pub fn site_metrics(site: &Site, thresholds: &Thresholds) -> SiteMetrics {
    let cost = site.running_costs.total();
    let occupants = site.occupants.map_or(0.0, f64::from);
    let u = utilisation(site);
    SiteMetrics {
        site: site.id(),
        name: site.name.clone(),
        usage: site.usage,
        floor_area_m2: site.floor_area_m2,
        running_cost: cost,
        cost_per_m2: per(cost, site.floor_area_m2),
        cost_per_occupant: per(cost, occupants),
        m2_per_occupant: (occupants > 0.0 && site.floor_area_m2 > 0.0)
            .then(|| site.floor_area_m2 / occupants),
        utilisation: u.map(|(x, _)| x),
        utilisation_basis: u.map(|(_, b)| b),
        spare_capacity: match (site.capacity, site.occupants) {
            (Some(c), Some(o)) => Some(i64::from(c) - i64::from(o)),
            _ => None,
        },
        under_used: u.is_some_and(|(x, _)| x < thresholds.under_used_below),
    }
}

/// A partner's estate (or the whole estate's) in figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EstateSummary {
    /// The partner's id; `None` for the whole estate.
    pub partner: Option<String>,
    pub name: String,
    pub sites: usize,
    pub floor_area_m2: f64,
    pub site_area_ha: f64,
    pub running_cost: Money,
    /// The running cost by type.
    pub running_costs: RunningCosts,
    /// Running cost of buildings with a floor area ÷ that floor area.
    pub cost_per_m2: Option<f64>,
    pub occupants: u64,
    /// Running cost of buildings with occupants ÷ those occupants.
    pub cost_per_occupant: Option<f64>,
    pub under_used: usize,
    pub backlog_maintenance: Money,
    pub book_value: Money,
    pub market_value: Money,
}

fn summarise<'a>(
    partner: Option<String>,
    name: String,
    sites: impl Iterator<Item = (&'a Site, &'a SiteMetrics)>,
) -> EstateSummary {
    let mut s = EstateSummary {
        partner,
        name,
        ..EstateSummary::default()
    };
    let (mut costed_area, mut area_cost) = (0.0, Money::ZERO);
    let mut occupied_cost = Money::ZERO;
    for (site, m) in sites {
        s.sites += 1;
        s.floor_area_m2 += site.floor_area_m2;
        s.site_area_ha += site.site_area_ha.unwrap_or(0.0);
        s.running_cost += m.running_cost;
        for t in CostType::ALL {
            s.running_costs
                .set(t, s.running_costs.get(t) + site.running_costs.get(t));
        }
        if site.floor_area_m2 > 0.0 {
            costed_area += site.floor_area_m2;
            area_cost += m.running_cost;
        }
        if let Some(o) = site.occupants.filter(|o| *o > 0) {
            s.occupants += u64::from(o);
            occupied_cost += m.running_cost;
        }
        s.under_used += usize::from(m.under_used);
        s.backlog_maintenance += site.backlog_maintenance.unwrap_or_default();
        s.book_value += site.book_value.unwrap_or_default();
        s.market_value += site.market_value.unwrap_or_default();
    }
    s.cost_per_m2 = per(area_cost, costed_area);
    s.cost_per_occupant = per(occupied_cost, s.occupants as f64);
    s
}

/// Two buildings of different partners near each other.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoLocation {
    pub a: SiteId,
    pub b: SiteId,
    pub distance_km: f64,
    /// Whether the people based at one would fit in the other's spare
    /// capacity: `a → b`, `b → a`, `either way`, or nothing.
    pub fits: Option<&'static str>,
}

/// Pairs of buildings (not land) of different partners within
/// `within_km`, nearest first.
///
/// Sites are sorted by latitude and each is compared only with those less
/// than `within_km` north of it: on a sphere two points are at least
/// `R × Δφ` apart, so no pair within the distance is missed, and a county's
/// estate takes a few thousand distance calculations rather than every pair.
pub fn co_location_candidates(register: &Register, within_km: f64) -> Vec<CoLocation> {
    let mut order: Vec<&Site> = register
        .sites
        .iter()
        .filter(|s| s.usage != Use::Land)
        .collect();
    order.sort_by(|a, b| a.location.lat.total_cmp(&b.location.lat));
    let max_dlat = (within_km / EARTH_MEAN_RADIUS_KM).to_degrees();
    let mut pairs = Vec::new();
    for (i, a) in order.iter().enumerate() {
        for b in &order[i + 1..] {
            if b.location.lat - a.location.lat > max_dlat {
                break;
            }
            if a.partner == b.partner {
                continue;
            }
            let d = distance_km(a.location, b.location);
            if d <= within_km {
                let (a, b) = if a.id() <= b.id() { (*a, *b) } else { (*b, *a) };
                pairs.push(CoLocation {
                    a: a.id(),
                    b: b.id(),
                    distance_km: d,
                    fits: fits(a, b),
                });
            }
        }
    }
    pairs.sort_by(|x, y| {
        x.distance_km
            .total_cmp(&y.distance_km)
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
    });
    pairs
}

fn fits(a: &Site, b: &Site) -> Option<&'static str> {
    let spare = |s: &Site| match (s.capacity, s.occupants) {
        (Some(c), Some(o)) => Some(i64::from(c) - i64::from(o)),
        _ => None,
    };
    let into = |from: &Site, to: &Site| match (from.occupants, spare(to)) {
        (Some(o), Some(room)) => i64::from(o) <= room,
        _ => false,
    };
    match (into(a, b), into(b, a)) {
        (true, true) => Some("either way"),
        (true, false) => Some("a → b"),
        (false, true) => Some("b → a"),
        (false, false) => None,
    }
}

/// The register analysed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    pub place: String,
    pub thresholds: Thresholds,
    /// Every site, in the register's order.
    pub sites: Vec<SiteMetrics>,
    /// By partner, in the place file's order.
    pub partners: Vec<EstateSummary>,
    pub estate: EstateSummary,
    pub co_location: Vec<CoLocation>,
}

impl Analysis {
    pub fn under_used(&self) -> impl Iterator<Item = &SiteMetrics> {
        self.sites.iter().filter(|m| m.under_used)
    }
}

/// Analyses the register under `thresholds` (the place's, or others given
/// for this report).
pub fn analyse(place: &Place, register: &Register, thresholds: Thresholds) -> Analysis {
    let sites: Vec<SiteMetrics> = register
        .sites
        .iter()
        .map(|s| site_metrics(s, &thresholds))
        .collect();
    let pairs = || register.sites.iter().zip(&sites);
    let partners = place
        .partners
        .iter()
        .map(|p| {
            summarise(
                Some(p.id.clone()),
                p.name.clone(),
                pairs().filter(|(s, _)| s.partner == p.id),
            )
        })
        .collect();
    let estate = summarise(None, format!("{} public estate", place.name), pairs());
    Analysis {
        place: place.name.clone(),
        thresholds,
        co_location: co_location_candidates(register, thresholds.co_location_within_km),
        sites,
        partners,
        estate,
    }
}
