//! The readiness diagnostic: each partner scores every enabler and barrier
//! of the catalogue on its scale; the scores are pooled (mean, lowest,
//! highest, spread), items where partners disagree are flagged, and the
//! pooled scores place the partnership in a tier that says which asks are
//! credible.
//!
//! A response file holds one partner's answers (`partner = "…"` and a
//! `[scores]` table) or several (`[[response]]` entries of the same shape).

use std::collections::BTreeMap;

use oneplace_core::{InputError, LineIndex};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, ItemKind};
use crate::deal::Deal;
use oneplace_core::toml_input::{Checker, S, parse_toml};

/// One partner's answers.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    pub partner: String,
    pub respondent: Option<String>,
    pub date: Option<String>,
    /// Item id → score.
    pub scores: BTreeMap<String, u8>,
    pub comments: BTreeMap<String, String>,
    /// The file it came from.
    pub file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    partner: Option<S<String>>,
    respondent: Option<S<String>>,
    date: Option<S<String>>,
    scores: Option<S<BTreeMap<S<String>, S<i64>>>>,
    #[serde(default)]
    comments: BTreeMap<S<String>, S<String>>,
    #[serde(default)]
    response: Vec<S<RawResponse>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    partner: S<String>,
    respondent: Option<S<String>>,
    date: Option<S<String>>,
    scores: S<BTreeMap<S<String>, S<i64>>>,
    #[serde(default)]
    comments: BTreeMap<S<String>, S<String>>,
}

/// One response as written, whichever way the file gives it.
struct Answers<'r> {
    partner: &'r S<String>,
    respondent: &'r Option<S<String>>,
    date: &'r Option<S<String>>,
    scores: &'r S<BTreeMap<S<String>, S<i64>>>,
    comments: &'r BTreeMap<S<String>, S<String>>,
}

/// Reads one response file, checking partners against the deal and items
/// and scores against the catalogue.
pub fn parse_responses(
    file: &str,
    text: &str,
    deal: &Deal,
    catalogue: &Catalogue,
) -> Result<Vec<Response>, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let mut out = Vec::new();
    let mut list: Vec<Answers> = Vec::new();
    match (&raw.partner, &raw.scores) {
        (Some(p), Some(s)) => list.push(Answers {
            partner: p,
            respondent: &raw.respondent,
            date: &raw.date,
            scores: s,
            comments: &raw.comments,
        }),
        (None, None) if !raw.response.is_empty() => {}
        (Some(p), None) => c.error_expected(
            p.span(),
            format!("the response of '{}' has no scores", p.get_ref()),
            "a [scores] table: item = score",
        ),
        (None, Some(s)) => c.error_expected(
            s.span(),
            "these scores say no partner",
            "partner = \"PARTNER-ID\" at the top of the file",
        ),
        (None, None) => c.error_expected(
            0..0,
            "the file has no responses",
            "partner = \"…\" and a [scores] table, or [[response]] entries",
        ),
    }
    for r in &raw.response {
        let r = r.get_ref();
        list.push(Answers {
            partner: &r.partner,
            respondent: &r.respondent,
            date: &r.date,
            scores: &r.scores,
            comments: &r.comments,
        });
    }
    let max = catalogue.max_score() as i64;
    for Answers {
        partner,
        respondent,
        date,
        scores,
        comments,
    } in list
    {
        if deal.partner(partner.get_ref()).is_none() {
            c.error_expected(
                partner.span(),
                format!("unknown partner '{}'", partner.get_ref()),
                format!(
                    "a partner of the deal: {}",
                    deal.partners
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        let mut got = BTreeMap::new();
        for (item, score) in scores.get_ref() {
            if catalogue.item(item.get_ref()).is_none() {
                c.error_expected(
                    item.span(),
                    format!("unknown enabler or barrier '{}'", item.get_ref()),
                    format!(
                        "an item of the catalogue: {}, {}",
                        Catalogue::ids(&catalogue.enablers),
                        Catalogue::ids(&catalogue.barriers)
                    ),
                );
                continue;
            }
            let s = *score.get_ref();
            if !(1..=max).contains(&s) {
                c.error_expected(
                    score.span(),
                    format!("'{}' is scored {s}", item.get_ref()),
                    format!("a score from 1 to {max} on the catalogue's scale"),
                );
                continue;
            }
            got.insert(item.get_ref().clone(), s as u8);
        }
        let mut notes = BTreeMap::new();
        for (item, text) in comments {
            if catalogue.item(item.get_ref()).is_none() {
                c.error(
                    item.span(),
                    format!("a comment on unknown item '{}'", item.get_ref()),
                );
            } else if let Some(t) = c.text(text, "the comment") {
                notes.insert(item.get_ref().clone(), t);
            }
        }
        out.push(Response {
            partner: partner.get_ref().clone(),
            respondent: respondent
                .as_ref()
                .and_then(|r| c.text(r, "the respondent")),
            date: date.as_ref().and_then(|d| c.text(d, "the date")),
            scores: got,
            comments: notes,
            file: file.to_string(),
        });
    }
    c.finish()?;
    Ok(out)
}

/// One enabler or barrier, pooled over the partners.
#[derive(Clone, Debug, Serialize)]
pub struct ItemScore {
    pub kind: ItemKind,
    pub id: String,
    pub name: String,
    /// (partner, score), in the order of the deal's partners.
    pub scores: Vec<(String, u8)>,
    pub mean: Option<f64>,
    pub lowest: Option<u8>,
    pub highest: Option<u8>,
    /// Highest − lowest.
    pub spread: u8,
    /// The spread reaches the deal's disagreement threshold.
    pub disagreement: bool,
    /// Partners who responded but did not score this item.
    pub unanswered: Vec<String>,
}

/// Whether the partnership meets a tier, and what falls short.
#[derive(Clone, Debug, Serialize)]
pub struct TierCheck {
    pub tier: u8,
    pub id: String,
    pub name: String,
    pub met: bool,
    pub shortfalls: Vec<String>,
}

/// A catalogue ask, and whether the partnership's tier makes it credible.
#[derive(Clone, Debug, Serialize)]
pub struct MenuAsk {
    pub id: String,
    pub name: String,
    pub min_tier: u8,
    pub credible: bool,
    /// The deal's asks that take it up.
    pub taken_up_by: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    pub responses: Vec<Response>,
    /// Partners of the deal who have not responded.
    pub missing: Vec<String>,
    pub items: Vec<ItemScore>,
    /// The mean of the items' means.
    pub overall: Option<f64>,
    pub enablers: Option<f64>,
    pub barriers: Option<f64>,
    pub disagreement_threshold: f64,
    /// The highest tier met (tiers are cumulative: a tier needs the ones
    /// below it).
    pub tier: u8,
    pub tier_name: String,
    pub tiers: Vec<TierCheck>,
    pub menu: Vec<MenuAsk>,
    /// The deal's asks beyond the partnership's tier: (ask, its catalogue
    /// ask's tier).
    pub ahead_of_readiness: Vec<(String, u8)>,
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Pools the responses and places the partnership in a tier.
pub fn assess(
    deal: &Deal,
    catalogue: &Catalogue,
    responses: Vec<Response>,
    disagreement_threshold: f64,
) -> Readiness {
    let order = |p: &str| {
        deal.partners
            .iter()
            .position(|x| x.id == p)
            .unwrap_or(usize::MAX)
    };
    let mut responses = responses;
    responses.sort_by_key(|r| order(&r.partner));
    let items: Vec<ItemScore> = catalogue
        .items()
        .map(|(kind, item)| {
            let scores: Vec<(String, u8)> = responses
                .iter()
                .filter_map(|r| r.scores.get(&item.id).map(|s| (r.partner.clone(), *s)))
                .collect();
            let lowest = scores.iter().map(|(_, s)| *s).min();
            let highest = scores.iter().map(|(_, s)| *s).max();
            let spread = highest.unwrap_or(0) - lowest.unwrap_or(0);
            ItemScore {
                kind,
                id: item.id.clone(),
                name: item.name.clone(),
                mean: mean(scores.iter().map(|(_, s)| f64::from(*s))),
                lowest,
                highest,
                spread,
                disagreement: scores.len() > 1 && f64::from(spread) >= disagreement_threshold,
                unanswered: responses
                    .iter()
                    .filter(|r| !r.scores.contains_key(&item.id))
                    .map(|r| r.partner.clone())
                    .collect(),
                scores,
            }
        })
        .collect();
    let overall = mean(items.iter().filter_map(|i| i.mean));
    let of_kind = |k: ItemKind| mean(items.iter().filter(|i| i.kind == k).filter_map(|i| i.mean));
    let item_mean = |id: &str| items.iter().find(|i| i.id == id).and_then(|i| i.mean);

    let mut tiers = Vec::new();
    let mut tier = 0u8;
    for t in &catalogue.tiers {
        let mut shortfalls = Vec::new();
        match overall {
            Some(o) if o + 1e-9 >= t.min_score => {}
            Some(o) => shortfalls.push(format!(
                "mean score {o:.2} is below {}",
                oneplace_core::toml_input::trim_number(t.min_score)
            )),
            None => shortfalls.push("no scores".into()),
        }
        for (item, min) in &t.requires {
            let name = catalogue
                .item(item)
                .map_or(item.as_str(), |(_, i)| i.name.as_str());
            match item_mean(item) {
                Some(m) if m + 1e-9 >= *min => {}
                Some(m) => shortfalls.push(format!(
                    "{name} scores {m:.2}, below {}",
                    oneplace_core::toml_input::trim_number(*min)
                )),
                None => shortfalls.push(format!("{name} is not scored")),
            }
        }
        let met = shortfalls.is_empty();
        if met && tier + 1 == t.tier {
            tier = t.tier;
        }
        tiers.push(TierCheck {
            tier: t.tier,
            id: t.id.clone(),
            name: t.name.clone(),
            met,
            shortfalls,
        });
    }
    let menu = catalogue
        .asks
        .iter()
        .map(|a| MenuAsk {
            id: a.id.clone(),
            name: a.name.clone(),
            min_tier: a.min_tier,
            credible: a.min_tier <= tier,
            taken_up_by: deal
                .asks
                .iter()
                .filter(|d| d.catalogue.as_deref() == Some(&a.id))
                .map(|d| d.id.clone())
                .collect(),
        })
        .collect();
    let ahead_of_readiness = deal
        .asks
        .iter()
        .filter_map(|a| {
            let c = catalogue.ask(a.catalogue.as_deref()?)?;
            (c.min_tier > tier).then(|| (a.id.clone(), c.min_tier))
        })
        .collect();
    let missing = deal
        .partners
        .iter()
        .filter(|p| !responses.iter().any(|r| r.partner == p.id))
        .map(|p| p.id.clone())
        .collect();
    Readiness {
        missing,
        overall,
        enablers: of_kind(ItemKind::Enabler),
        barriers: of_kind(ItemKind::Barrier),
        disagreement_threshold,
        tier,
        tier_name: catalogue
            .tier(tier)
            .map_or_else(|| "below the first tier".into(), |t| t.name.clone()),
        tiers,
        menu,
        ahead_of_readiness,
        items,
        responses,
    }
}
