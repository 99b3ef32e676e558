//! The estate as typed values: the place and its partners, and the register
//! of their sites.

use std::fmt;

use oneplace_core::{FinancialYear, Money};
use serde::Serialize;

use crate::geo::LatLon;

/// The place: its partners, the prices its register is in, and the
/// thresholds its analysis uses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    pub name: String,
    /// The financial year whose prices the register's money is in (running
    /// costs are a year's costs at that year's prices).
    pub price_year: FinancialYear,
    pub partners: Vec<Partner>,
    /// The register file, as written in the place file (relative to it).
    pub register: Option<String>,
    pub analysis: Thresholds,
}

impl Place {
    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.id == id)
    }

    /// A partner's position in the place file: the order reports and the
    /// map's colours follow.
    pub fn partner_index(&self, id: &str) -> Option<usize> {
        self.partners.iter().position(|p| p.id == id)
    }

    pub fn partner_ids(&self) -> String {
        self.partners
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A public body of the place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Partner {
    /// Kebab-case identifier (`county`, `police`).
    pub id: String,
    pub name: String,
    /// Its kind in the agency vocabulary (`county-council`, `fire-service`).
    pub kind: String,
}

/// The thresholds of the analysis (the place's choices, not standards).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// A building whose utilisation is below this share is under-used.
    pub under_used_below: f64,
    /// Sites of different partners within this distance are co-location
    /// candidates.
    pub co_location_within_km: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            under_used_below: 0.6,
            co_location_within_km: 1.0,
        }
    }
}

/// Every partner's sites, ordered by partner (as in the place file) and
/// then by the partner's own reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Register {
    pub sites: Vec<Site>,
}

impl Register {
    pub fn get(&self, id: &SiteId) -> Option<&Site> {
        self.sites.iter().find(|s| s.id() == *id)
    }

    /// Puts the sites in the register's order.
    pub fn sort(&mut self, place: &Place) {
        self.sites.sort_by(|a, b| {
            let rank = |s: &Site| place.partner_index(&s.partner).unwrap_or(usize::MAX);
            rank(a)
                .cmp(&rank(b))
                .then_with(|| a.partner.cmp(&b.partner))
                .then_with(|| a.reference.cmp(&b.reference))
        });
    }
}

/// A site's identity: its owner and the owner's own reference for it.
/// Written `partner/reference` (`police/KM-01`); partner ids never hold a
/// `/`, so the form cannot be ambiguous.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SiteId {
    pub partner: String,
    pub reference: String,
}

impl SiteId {
    /// Reads `partner/reference`.
    pub fn parse(text: &str) -> Option<SiteId> {
        let (partner, reference) = text.trim().split_once('/')?;
        (!partner.is_empty() && !reference.is_empty()).then(|| SiteId {
            partner: partner.to_string(),
            reference: reference.to_string(),
        })
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.partner, self.reference)
    }
}

impl Serialize for SiteId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One property of one partner: a building with its site, or land.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Site {
    /// The owning (or leasing) partner's id.
    pub partner: String,
    /// The partner's own reference for the property (asset number).
    pub reference: String,
    pub name: String,
    pub postcode: Option<String>,
    pub location: LatLon,
    pub tenure: Tenure,
    #[serde(rename = "use")]
    pub usage: Use,
    /// Gross internal floor area, m²; zero for land.
    pub floor_area_m2: f64,
    /// Site area, hectares.
    pub site_area_ha: Option<f64>,
    /// Workstations, beds or places: the people the building is for.
    pub capacity: Option<u32>,
    /// People based there (headcount).
    pub occupants: Option<u32>,
    /// Measured utilisation: the share of capacity in use (from a survey
    /// or sensors). When absent, occupants ÷ capacity stands in for it.
    pub utilisation: Option<f64>,
    pub condition: Option<Condition>,
    /// A year's running costs.
    pub running_costs: RunningCosts,
    pub backlog_maintenance: Option<Money>,
    pub book_value: Option<Money>,
    pub market_value: Option<Money>,
    /// The services delivered there.
    pub services: Vec<String>,
}

impl Site {
    pub fn id(&self) -> SiteId {
        SiteId {
            partner: self.partner.clone(),
            reference: self.reference.clone(),
        }
    }
}

/// A year's running costs by type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunningCosts {
    pub rent: Money,
    /// Business rates (NNDR).
    pub rates: Money,
    /// Electricity, gas, oil, heat.
    pub energy: Money,
    pub water: Money,
    pub cleaning: Money,
    /// Planned and reactive repairs and maintenance.
    pub maintenance: Money,
    pub security: Money,
    pub other: Money,
}

impl RunningCosts {
    pub fn total(&self) -> Money {
        CostType::ALL.iter().map(|t| self.get(*t)).sum()
    }

    pub fn get(&self, t: CostType) -> Money {
        match t {
            CostType::Rent => self.rent,
            CostType::Rates => self.rates,
            CostType::Energy => self.energy,
            CostType::Water => self.water,
            CostType::Cleaning => self.cleaning,
            CostType::Maintenance => self.maintenance,
            CostType::Security => self.security,
            CostType::Other => self.other,
        }
    }

    pub fn set(&mut self, t: CostType, amount: Money) {
        let slot = match t {
            CostType::Rent => &mut self.rent,
            CostType::Rates => &mut self.rates,
            CostType::Energy => &mut self.energy,
            CostType::Water => &mut self.water,
            CostType::Cleaning => &mut self.cleaning,
            CostType::Maintenance => &mut self.maintenance,
            CostType::Security => &mut self.security,
            CostType::Other => &mut self.other,
        };
        *slot = amount;
    }
}

/// The types of running cost, in the register's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostType {
    Rent,
    Rates,
    Energy,
    Water,
    Cleaning,
    Maintenance,
    Security,
    Other,
}

impl CostType {
    pub const ALL: [CostType; 8] = [
        CostType::Rent,
        CostType::Rates,
        CostType::Energy,
        CostType::Water,
        CostType::Cleaning,
        CostType::Maintenance,
        CostType::Security,
        CostType::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CostType::Rent => "Rent",
            CostType::Rates => "Rates",
            CostType::Energy => "Energy",
            CostType::Water => "Water",
            CostType::Cleaning => "Cleaning",
            CostType::Maintenance => "Maintenance",
            CostType::Security => "Security",
            CostType::Other => "Other",
        }
    }
}

/// How the partner holds the property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tenure {
    Freehold,
    Leasehold,
    /// Occupied under licence (often from another public body).
    Licence,
}

/// What the property is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Use {
    Office,
    /// A front counter or contact centre where the public is seen.
    CustomerService,
    Clinic,
    Hospital,
    PoliceStation,
    FireStation,
    Library,
    CommunityCentre,
    Leisure,
    Depot,
    ResidentialCare,
    School,
    /// Land with no building in use (car parks, cleared sites, fields).
    Land,
    Other,
}

/// The condition grades used across the public estate: A good (performing
/// as intended), B satisfactory (minor deterioration), C poor (major
/// defects, not operating as intended), D bad (life expired or at serious
/// risk of failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Condition {
    A,
    B,
    C,
    D,
}

/// A closed vocabulary whose values are written in kebab-case.
pub trait Vocabulary: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    /// Reads a value as the register writes it (any case, spaces or
    /// underscores for hyphens).
    fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        Self::ALL.iter().copied().find(|v| v.as_str() == t)
    }

    fn list() -> String {
        Self::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Vocabulary for Tenure {
    const ALL: &'static [Tenure] = &[Tenure::Freehold, Tenure::Leasehold, Tenure::Licence];
    fn as_str(self) -> &'static str {
        match self {
            Tenure::Freehold => "freehold",
            Tenure::Leasehold => "leasehold",
            Tenure::Licence => "licence",
        }
    }
}

impl Vocabulary for Use {
    const ALL: &'static [Use] = &[
        Use::Office,
        Use::CustomerService,
        Use::Clinic,
        Use::Hospital,
        Use::PoliceStation,
        Use::FireStation,
        Use::Library,
        Use::CommunityCentre,
        Use::Leisure,
        Use::Depot,
        Use::ResidentialCare,
        Use::School,
        Use::Land,
        Use::Other,
    ];
    fn as_str(self) -> &'static str {
        match self {
            Use::Office => "office",
            Use::CustomerService => "customer-service",
            Use::Clinic => "clinic",
            Use::Hospital => "hospital",
            Use::PoliceStation => "police-station",
            Use::FireStation => "fire-station",
            Use::Library => "library",
            Use::CommunityCentre => "community-centre",
            Use::Leisure => "leisure",
            Use::Depot => "depot",
            Use::ResidentialCare => "residential-care",
            Use::School => "school",
            Use::Land => "land",
            Use::Other => "other",
        }
    }
}

impl Vocabulary for Condition {
    const ALL: &'static [Condition] = &[Condition::A, Condition::B, Condition::C, Condition::D];
    fn as_str(self) -> &'static str {
        match self {
            Condition::A => "A",
            Condition::B => "B",
            Condition::C => "C",
            Condition::D => "D",
        }
    }
    fn parse(text: &str) -> Option<Condition> {
        let t = text.trim().to_ascii_uppercase();
        Self::ALL.iter().copied().find(|v| v.as_str() == t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_ids_read_and_write_as_partner_slash_reference() {
        let id = SiteId::parse("police/KM-01").unwrap();
        assert_eq!(id.partner, "police");
        assert_eq!(id.reference, "KM-01");
        assert_eq!(id.to_string(), "police/KM-01");
        // References may hold a slash of their own; the partner never does.
        assert_eq!(SiteId::parse("county/A/12").unwrap().reference, "A/12");
        assert_eq!(SiteId::parse("police"), None);
        assert_eq!(SiteId::parse("/KM-01"), None);
    }

    #[test]
    fn vocabularies_read_loosely_and_write_kebab_case() {
        assert_eq!(Use::parse("Police Station"), Some(Use::PoliceStation));
        assert_eq!(Use::parse("customer_service"), Some(Use::CustomerService));
        assert_eq!(Use::parse("castle"), None);
        assert_eq!(Tenure::parse(" LEASEHOLD "), Some(Tenure::Leasehold));
        assert_eq!(Condition::parse("c"), Some(Condition::C));
        assert_eq!(Condition::parse("E"), None);
        assert_eq!(Tenure::list(), "freehold, leasehold, licence");
    }

    #[test]
    fn running_costs_total_every_type() {
        let mut c = RunningCosts::default();
        for (i, t) in CostType::ALL.iter().enumerate() {
            c.set(*t, Money::from_pounds(i as i64 + 1));
        }
        // 1 + 2 + … + 8 = 36.
        assert_eq!(c.total(), Money::from_pounds(36));
        assert_eq!(c.get(CostType::Security), Money::from_pounds(7));
    }
}
