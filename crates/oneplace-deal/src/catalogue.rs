//! The catalogue of enablers, barriers, asks and offers a deal draws on, the
//! readiness scale partners score against, and the tiers that scale asks to
//! readiness.
//!
//! It is data: the default ships with the crate (`catalogue/`, versioned by
//! its `[catalogue]` header) and a place may supply its own file in the same
//! format.

use std::collections::{BTreeMap, HashSet};

use oneplace_core::{InputError, LineIndex};
use serde::{Deserialize, Serialize};

use oneplace_core::toml_input::{Checker, S, parse_toml};

/// The shipped catalogue's file name, as messages name it.
pub const DEFAULT_NAME: &str = "catalogue/reform-deal-2015.toml";
const DEFAULT_TEXT: &str = include_str!("../catalogue/reform-deal-2015.toml");

#[derive(Clone, Debug, Serialize)]
pub struct Catalogue {
    pub id: String,
    pub version: String,
    pub name: String,
    pub source: String,
    /// Scores from 1 to `scale.len()`, in order.
    pub scale: Vec<ScalePoint>,
    /// In increasing order of tier.
    pub tiers: Vec<Tier>,
    pub enablers: Vec<Item>,
    pub barriers: Vec<Item>,
    pub asks: Vec<CatalogueAsk>,
    pub offers: Vec<CatalogueOffer>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScalePoint {
    pub score: u8,
    pub label: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Tier {
    pub tier: u8,
    pub id: String,
    pub name: String,
    pub description: String,
    /// The mean readiness score the tier needs.
    pub min_score: f64,
    /// Items (enablers or barriers) that must each score at least this.
    pub requires: Vec<(String, f64)>,
}

/// An enabler or a barrier.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CatalogueAsk {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Barrier ids.
    pub barriers: Vec<String>,
    /// The lowest tier at which the ask is credible.
    pub min_tier: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct CatalogueOffer {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Enabler ids.
    pub enablers: Vec<String>,
}

/// Whether an item is an enabler or a barrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Enabler,
    Barrier,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Enabler => "enabler",
            ItemKind::Barrier => "barrier",
        }
    }
}

impl Catalogue {
    /// The catalogue shipped with oneplace.
    pub fn default_catalogue() -> Catalogue {
        parse_catalogue(DEFAULT_NAME, DEFAULT_TEXT).expect("the shipped catalogue is valid")
    }

    pub fn enabler(&self, id: &str) -> Option<&Item> {
        self.enablers.iter().find(|e| e.id == id)
    }

    pub fn barrier(&self, id: &str) -> Option<&Item> {
        self.barriers.iter().find(|b| b.id == id)
    }

    pub fn ask(&self, id: &str) -> Option<&CatalogueAsk> {
        self.asks.iter().find(|a| a.id == id)
    }

    pub fn offer(&self, id: &str) -> Option<&CatalogueOffer> {
        self.offers.iter().find(|o| o.id == id)
    }

    pub fn tier(&self, tier: u8) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.tier == tier)
    }

    /// Every enabler then every barrier: the questionnaire's items.
    pub fn items(&self) -> impl Iterator<Item = (ItemKind, &Item)> {
        self.enablers
            .iter()
            .map(|e| (ItemKind::Enabler, e))
            .chain(self.barriers.iter().map(|b| (ItemKind::Barrier, b)))
    }

    pub fn item(&self, id: &str) -> Option<(ItemKind, &Item)> {
        self.items().find(|(_, i)| i.id == id)
    }

    pub fn max_score(&self) -> u8 {
        self.scale.len() as u8
    }

    pub fn ids(items: &[Item]) -> String {
        items
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    catalogue: S<RawHeader>,
    #[serde(default)]
    scale: Vec<S<RawScale>>,
    #[serde(default)]
    tier: Vec<S<RawTier>>,
    #[serde(default)]
    enabler: Vec<S<RawItem>>,
    #[serde(default)]
    barrier: Vec<S<RawItem>>,
    #[serde(default)]
    ask: Vec<S<RawAsk>>,
    #[serde(default)]
    offer: Vec<S<RawOffer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: S<String>,
    version: S<String>,
    name: Option<S<String>>,
    source: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    score: S<i64>,
    label: S<String>,
    description: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    tier: S<i64>,
    id: S<String>,
    name: Option<S<String>>,
    description: Option<S<String>>,
    min_score: S<f64>,
    #[serde(default)]
    requires: BTreeMap<S<String>, S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: S<String>,
    name: Option<S<String>>,
    description: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsk {
    id: S<String>,
    name: Option<S<String>>,
    description: Option<S<String>>,
    barriers: S<Vec<S<String>>>,
    min_tier: S<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffer {
    id: S<String>,
    name: Option<S<String>>,
    description: Option<S<String>>,
    enablers: S<Vec<S<String>>>,
}

fn text_or(c: &mut Checker, s: &Option<S<String>>, default: &str, what: &str) -> String {
    match s {
        Some(s) => c.text(s, what).unwrap_or_default(),
        None => default.to_string(),
    }
}

/// Reads and checks a catalogue.
pub fn parse_catalogue(file: &str, text: &str) -> Result<Catalogue, InputError> {
    let index = LineIndex::new(file, text);
    let raw: Raw = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let h = raw.catalogue.get_ref();
    let id = c.identifier(&h.id, "the catalogue id").unwrap_or_default();
    let version = c.text(&h.version, "the version").unwrap_or_default();

    let mut scale = Vec::new();
    for (i, s) in raw.scale.iter().enumerate() {
        let r = s.get_ref();
        if *r.score.get_ref() != i as i64 + 1 {
            c.error_expected(
                r.score.span(),
                format!("scale point {} has score {}", i + 1, r.score.get_ref()),
                format!("scores 1, 2, … in order, so this one {}", i + 1),
            );
        }
        scale.push(ScalePoint {
            score: i as u8 + 1,
            label: c.text(&r.label, "the label").unwrap_or_default(),
            description: text_or(&mut c, &r.description, "", "the description"),
        });
    }
    if !(2..=10).contains(&scale.len()) {
        c.error_expected(
            raw.catalogue.span(),
            format!("the readiness scale has {} points", scale.len()),
            "2 to 10 [[scale]] points (1 to 5 is usual)",
        );
    }

    let mut seen = HashSet::new();
    let mut items = |c: &mut Checker, list: &[S<RawItem>], what: &str| -> Vec<Item> {
        list.iter()
            .filter_map(|s| {
                let r = s.get_ref();
                let id = c.identifier(&r.id, what)?;
                if !seen.insert(id.clone()) {
                    c.error(
                        r.id.span(),
                        format!("'{id}' is already an enabler or a barrier"),
                    );
                }
                Some(Item {
                    name: text_or(c, &r.name, &id, "the name"),
                    description: text_or(c, &r.description, "", "the description"),
                    id,
                })
            })
            .collect()
    };
    let enablers = items(&mut c, &raw.enabler, "the enabler id");
    let barriers = items(&mut c, &raw.barrier, "the barrier id");
    let item_ids: HashSet<&str> = enablers
        .iter()
        .chain(&barriers)
        .map(|i| i.id.as_str())
        .collect();

    let mut tiers: Vec<Tier> = Vec::new();
    for s in &raw.tier {
        let r = s.get_ref();
        let tier = *r.tier.get_ref();
        let expected = tiers.len() as i64 + 1;
        if tier != expected {
            c.error_expected(
                r.tier.span(),
                format!("tier {tier} is out of order"),
                format!("tiers 1, 2, … in order, so this one {expected}"),
            );
        }
        let min_score = *r.min_score.get_ref();
        if let Some(prev) = tiers.last()
            && min_score < prev.min_score
        {
            c.error_expected(
                r.min_score.span(),
                format!(
                    "tier {tier} needs a lower score ({min_score}) than tier {} ({})",
                    prev.tier, prev.min_score
                ),
                "a min_score at least the previous tier's",
            );
        }
        let mut requires = Vec::new();
        for (item, score) in &r.requires {
            if !item_ids.contains(item.get_ref().as_str()) {
                c.error_expected(
                    item.span(),
                    format!("tier {tier} requires an unknown item '{}'", item.get_ref()),
                    "an enabler or barrier of the catalogue",
                );
            }
            requires.push((item.get_ref().clone(), *score.get_ref()));
        }
        let id = c.identifier(&r.id, "the tier id").unwrap_or_default();
        tiers.push(Tier {
            tier: expected as u8,
            name: text_or(&mut c, &r.name, &id, "the name"),
            description: text_or(&mut c, &r.description, "", "the description"),
            id,
            min_score,
            requires,
        });
    }
    if tiers.is_empty() {
        c.error_expected(
            raw.catalogue.span(),
            "the catalogue has no readiness tiers",
            "[[tier]] entries, tier 1 with min_score = 0",
        );
    }

    let barrier_ids: HashSet<&str> = barriers.iter().map(|b| b.id.as_str()).collect();
    let enabler_ids: HashSet<&str> = enablers.iter().map(|e| e.id.as_str()).collect();
    let mut ask_ids = HashSet::new();
    let mut asks = Vec::new();
    for s in &raw.ask {
        let r = s.get_ref();
        let Some(id) = c.identifier(&r.id, "the ask id") else {
            continue;
        };
        if !ask_ids.insert(id.clone()) {
            c.error(r.id.span(), format!("ask '{id}' is listed twice"));
        }
        if r.barriers.get_ref().is_empty() {
            c.error_expected(
                r.barriers.span(),
                format!("ask '{id}' tackles no barrier"),
                "the ids of the barriers it tackles",
            );
        }
        for b in r.barriers.get_ref() {
            if !barrier_ids.contains(b.get_ref().as_str()) {
                c.error_expected(
                    b.span(),
                    format!("unknown barrier '{}'", b.get_ref()),
                    format!("a barrier of the catalogue: {}", Catalogue::ids(&barriers)),
                );
            }
        }
        let min_tier = *r.min_tier.get_ref();
        if !(1..=tiers.len() as i64).contains(&min_tier) {
            c.error_expected(
                r.min_tier.span(),
                format!("ask '{id}' has min_tier {min_tier}"),
                format!("a tier from 1 to {}", tiers.len().max(1)),
            );
        }
        asks.push(CatalogueAsk {
            name: text_or(&mut c, &r.name, &id, "the name"),
            description: text_or(&mut c, &r.description, "", "the description"),
            barriers: r
                .barriers
                .get_ref()
                .iter()
                .map(|b| b.get_ref().clone())
                .collect(),
            min_tier: min_tier.clamp(1, 255) as u8,
            id,
        });
    }
    let mut offer_ids = HashSet::new();
    let mut offers = Vec::new();
    for s in &raw.offer {
        let r = s.get_ref();
        let Some(id) = c.identifier(&r.id, "the offer id") else {
            continue;
        };
        if !offer_ids.insert(id.clone()) {
            c.error(r.id.span(), format!("offer '{id}' is listed twice"));
        }
        for e in r.enablers.get_ref() {
            if !enabler_ids.contains(e.get_ref().as_str()) {
                c.error_expected(
                    e.span(),
                    format!("unknown enabler '{}'", e.get_ref()),
                    format!("an enabler of the catalogue: {}", Catalogue::ids(&enablers)),
                );
            }
        }
        offers.push(CatalogueOffer {
            name: text_or(&mut c, &r.name, &id, "the name"),
            description: text_or(&mut c, &r.description, "", "the description"),
            enablers: r
                .enablers
                .get_ref()
                .iter()
                .map(|e| e.get_ref().clone())
                .collect(),
            id,
        });
    }
    let name = text_or(&mut c, &h.name, &id, "the name");
    let source = text_or(&mut c, &h.source, "", "the source");
    c.finish()?;
    Ok(Catalogue {
        id,
        version,
        name,
        source,
        scale,
        tiers,
        enablers,
        barriers,
        asks,
        offers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_has_the_studys_lists() {
        let c = Catalogue::default_catalogue();
        assert_eq!(c.id, "reform-deal-2015");
        // DOMAIN.md §11: eleven enablers, ten barriers, ten asks, seven offers.
        assert_eq!(c.enablers.len(), 11);
        assert_eq!(c.barriers.len(), 10);
        assert_eq!(c.asks.len(), 10);
        assert_eq!(c.offers.len(), 7);
        assert_eq!(c.max_score(), 5);
        assert_eq!(c.tiers.len(), 4);
        assert!(c.asks.iter().all(|a| !a.barriers.is_empty()));
        assert_eq!(c.ask("gain-share").map(|a| a.min_tier), Some(4));
    }

    #[test]
    fn a_bad_catalogue_is_refused_with_every_problem_located() {
        let text = "[catalogue]\nid = \"mine\"\nversion = \"1\"\n\
                    [[scale]]\nscore = 1\nlabel = \"low\"\n[[scale]]\nscore = 2\nlabel = \"high\"\n\
                    [[tier]]\ntier = 1\nid = \"t\"\nmin_score = 0\n\
                    [[barrier]]\nid = \"silos\"\n\
                    [[ask]]\nid = \"money\"\nbarriers = []\nmin_tier = 1\n\
                    [[ask]]\nid = \"data\"\nbarriers = [\"nope\"]\nmin_tier = 3\n";
        let e = parse_catalogue("c.toml", text).unwrap_err().to_string();
        assert!(
            e.contains("c.toml:18:12: ask 'money' tackles no barrier"),
            "{e}"
        );
        assert!(e.contains("c.toml:22:13: unknown barrier 'nope'"), "{e}");
        assert!(e.contains("c.toml:23:12: ask 'data' has min_tier 3"), "{e}");
    }
}
