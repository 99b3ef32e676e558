//! The demonstration data: the fictional Northshire (its Better Care Fund
//! pool, next year's contribution plan, four appraisals, the reform deal
//! with its measured results and readiness surveys) and Westmere (a pool
//! at its year end and its risk-share agreement), with a user for each
//! role. The example files are embedded, so the binary needs no checkout.

use oneplace_store::{NewDocument, NewUser, Role, Store, random_token};

use crate::{domain, now};

/// `(place, id, kind, title (None: the appraisal's own name), owner, text)`.
type Demo = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

const DOCUMENTS: &[Demo] = &[
    (
        "northshire",
        "icb-mapping",
        "mapping",
        Some("ICB general-ledger mapping"),
        Some("icb"),
        include_str!("../../../examples/ledger/import/icb-mapping.toml"),
    ),
    (
        "northshire",
        "northshire-bcf",
        "journal",
        Some("Northshire Better Care Fund"),
        None,
        include_str!("../../../examples/ledger/northshire-bcf.journal"),
    ),
    (
        "northshire",
        "northshire-2026-27-plan",
        "plan",
        Some("Contribution plan 2026/27"),
        None,
        include_str!("../../../examples/ledger/northshire-2026-27-plan.toml"),
    ),
    (
        "northshire",
        "family-support",
        "appraisal",
        None,
        None,
        include_str!("../../../examples/family-support.toml"),
    ),
    (
        "northshire",
        "integrated-care",
        "appraisal",
        None,
        None,
        include_str!("../../../examples/integrated-care.toml"),
    ),
    (
        "northshire",
        "employment-skills",
        "appraisal",
        None,
        None,
        include_str!("../../../examples/employment-skills.toml"),
    ),
    (
        "northshire",
        "domestic-abuse",
        "appraisal",
        None,
        None,
        include_str!("../../../examples/domestic-abuse.toml"),
    ),
    (
        "northshire",
        "northshire-deal",
        "deal",
        Some("Northshire reform deal"),
        None,
        include_str!("../../../examples/deal/northshire-deal.toml"),
    ),
    (
        "northshire",
        "families-results",
        "results",
        Some("Families Together: first-year measured results"),
        None,
        include_str!("../../../examples/deal/families-results.json"),
    ),
    (
        "northshire",
        "readiness-county-council",
        "readiness",
        Some("Readiness survey: county council"),
        Some("county-council"),
        include_str!("../../../examples/deal/readiness/county-council.toml"),
    ),
    (
        "northshire",
        "readiness-icb",
        "readiness",
        Some("Readiness survey: integrated care board"),
        Some("icb"),
        include_str!("../../../examples/deal/readiness/icb.toml"),
    ),
    (
        "northshire",
        "readiness-police",
        "readiness",
        Some("Readiness survey: police"),
        None,
        include_str!("../../../examples/deal/readiness/police.toml"),
    ),
    (
        "northshire",
        "estate-place",
        "estate",
        Some("Northshire public estate"),
        None,
        include_str!("../../../examples/estate/place.toml"),
    ),
    (
        "northshire",
        "estate-register",
        "register",
        Some("Northshire estate register"),
        None,
        include_str!("../../../examples/estate/register.csv"),
    ),
    (
        "westmere",
        "westmere-year-end",
        "journal",
        Some("Westmere pooled fund, year end"),
        None,
        include_str!("../../../examples/ledger/westmere-year-end.journal"),
    ),
    (
        "westmere",
        "westmere-agreement",
        "agreement",
        Some("Westmere risk-share agreement"),
        None,
        include_str!("../../../examples/ledger/westmere-agreement.toml"),
    ),
];

/// `(place, user name, display name, role, partner)`.
const USERS: &[(&str, &str, &str, Role, Option<&str>)] = &[
    (
        "northshire",
        "admin",
        "Alex Admin",
        Role::Administrator,
        None,
    ),
    (
        "northshire",
        "pool-manager",
        "Pat Pool (county council, host)",
        Role::PoolManager,
        None,
    ),
    (
        "northshire",
        "icb-lead",
        "Indira ICB (finance lead)",
        Role::PartnerFinanceLead,
        Some("icb"),
    ),
    (
        "northshire",
        "council-lead",
        "Chris Council (finance lead)",
        Role::PartnerFinanceLead,
        Some("county-council"),
    ),
    ("northshire", "analyst", "Ana Analyst", Role::Analyst, None),
    (
        "northshire",
        "viewer",
        "Vic Viewer (auditor)",
        Role::Viewer,
        None,
    ),
    (
        "westmere",
        "westmere-manager",
        "Wes Westmere (pool manager)",
        Role::PoolManager,
        None,
    ),
];

/// A demo user and the password made for it (shown once, never stored).
pub struct DemoUser {
    pub place: &'static str,
    pub username: &'static str,
    pub role: Role,
    pub partner: Option<&'static str>,
    pub password: String,
}

/// What seeding came to.
pub enum Seeded {
    /// The places were created; here are the users' passwords.
    Created(Vec<DemoUser>),
    /// The database already holds the demo places: nothing was changed.
    AlreadyThere,
}

/// Seeds the demo places into `store`, unless they are there already.
/// Every document is checked by its domain reader first, so a bad example
/// stops seeding before anything is written.
pub async fn seed(store: &Store) -> Result<Seeded, String> {
    if store
        .place("northshire")
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(Seeded::AlreadyThere);
    }
    let data = oneplace_refdata::ReferenceData::embedded();
    let mut titles = Vec::new();
    let mut partners: Vec<(&str, String, String, String)> = Vec::new();
    let mut places: Vec<(&str, String)> = Vec::new();
    for &(place, id, kind, title, _, text) in DOCUMENTS {
        let title = match kind {
            "appraisal" => {
                domain::appraisal(id, text, data)
                    .map_err(|e| format!("demo appraisal {id}: {e}"))?
                    .name
            }
            "journal" => {
                let ledger =
                    domain::ledger(id, text).map_err(|e| format!("demo journal {id}: {e}"))?;
                if let Some(p) = &ledger.place {
                    places.push((place, p.name.clone()));
                }
                for p in &ledger.partners {
                    partners.push((place, p.id.clone(), p.name.clone(), p.kind.clone()));
                }
                title.unwrap_or(id).to_string()
            }
            _ => title.unwrap_or(id).to_string(),
        };
        titles.push(title);
    }
    let t = now();
    for (id, name) in &places {
        store
            .create_place(id, name, "system", t)
            .await
            .map_err(|e| e.to_string())?;
    }
    for (place, id, name, kind) in &partners {
        store
            .create_partner(place, id, name, kind, "system", t)
            .await
            .map_err(|e| e.to_string())?;
    }
    for (&(place, id, kind, _, owner, text), title) in DOCUMENTS.iter().zip(&titles) {
        store
            .put_document(
                place,
                &NewDocument {
                    id,
                    kind,
                    title,
                    owner_partner: owner,
                    content: text,
                },
                "system",
                t,
            )
            .await
            .map_err(|e| format!("demo document {id}: {e}"))?;
    }
    let mut users = Vec::new();
    for &(place, username, display_name, role, partner) in USERS {
        let password = random_token(8);
        store
            .create_user(
                &NewUser {
                    username,
                    display_name,
                    password: &password,
                    role,
                    place_id: place,
                    partner_id: partner,
                },
                "system",
                t,
            )
            .await
            .map_err(|e| format!("demo user {username}: {e}"))?;
        users.push(DemoUser {
            place,
            username,
            role,
            partner,
            password,
        });
    }
    Ok(Seeded::Created(users))
}
