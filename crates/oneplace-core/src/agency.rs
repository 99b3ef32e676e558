//! The vocabulary of agencies: the kinds of public body that bear costs and
//! receive benefits.
//!
//! The seed list is the Unit Cost Database's own (its two "agency bearing the
//! cost" levels), each with the spellings the workbook uses, plus the partner
//! kinds places have that the database does not name (combined authority,
//! district council, ...). A place adds its own kinds on top; nothing here is
//! closed.

use std::collections::BTreeMap;

/// One kind of agency.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AgencyKind {
    /// Kebab-case identifier (`icb`, `local-authority`).
    pub id: String,
    pub name: String,
    /// The broader kind this one belongs to (`icb` → `nhs`), if any.
    pub parent: Option<String>,
    /// Other spellings that mean this kind (the Unit Cost Database's).
    pub aliases: Vec<String>,
    /// Whether a fiscal value landing on this kind is normally a transfer
    /// payment (benefits paid by DWP, tax to HMRC): it counts in the fiscal
    /// case but not in public value. A model may override per value.
    pub transfers_by_default: bool,
}

/// A name that matches no kind in the vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown agency kind '{0}'")]
pub struct UnknownAgency(pub String);

/// The agency kinds known to a place: the seed list plus its own.
#[derive(Clone, Debug)]
pub struct AgencyVocabulary {
    kinds: Vec<AgencyKind>,
    by_key: BTreeMap<String, usize>,
}

// (id, name, parent, aliases as the Unit Cost Database spells them)
const SEED: &[(&str, &str, Option<&str>, &[&str])] = &[
    ("nhs", "NHS", None, &["NHS", "National Health Service"]),
    (
        "icb",
        "Integrated care board (formerly clinical commissioning group)",
        Some("nhs"),
        &[
            "Clinical Commissioning Group",
            "Primary Care Trust / Clinical Commissioning Group",
            "CCG",
            "ICB",
        ],
    ),
    (
        "acute-trust",
        "Acute trust / hospital",
        Some("nhs"),
        &["Acute Trust / Hospital"],
    ),
    ("gp", "General practice", Some("nhs"), &["GP"]),
    (
        "mental-health-trust",
        "Mental health trust",
        Some("nhs"),
        &["Mental Health Trust"],
    ),
    (
        "community-health-provider",
        "Community health provider",
        Some("nhs"),
        &["Community Health Provider"],
    ),
    (
        "local-authority",
        "Local authority",
        None,
        &["Local Authority", "Council"],
    ),
    (
        "social-services",
        "Social services",
        Some("local-authority"),
        &["Social Services"],
    ),
    (
        "adult-services",
        "Adult social care",
        Some("local-authority"),
        &["Adult Services"],
    ),
    (
        "childrens-services",
        "Children's services",
        Some("local-authority"),
        &["Children's Services"],
    ),
    (
        "housing-services",
        "Housing services",
        Some("local-authority"),
        &["Housing Services"],
    ),
    (
        "education-services",
        "Education services",
        Some("local-authority"),
        &["Education Services"],
    ),
    (
        "environmental-services",
        "Environmental services",
        Some("local-authority"),
        &["Environmental Services"],
    ),
    (
        "county-council",
        "County council",
        Some("local-authority"),
        &[],
    ),
    (
        "district-council",
        "District council",
        Some("local-authority"),
        &[],
    ),
    (
        "unitary-council",
        "Unitary council",
        Some("local-authority"),
        &[],
    ),
    (
        "combined-authority",
        "Combined authority",
        Some("local-authority"),
        &[],
    ),
    (
        "dwp",
        "Department for Work and Pensions",
        None,
        &["DWP", "Benefits"],
    ),
    ("jcp", "Jobcentre Plus", Some("dwp"), &["JCP"]),
    (
        "hmrc",
        "HM Revenue and Customs",
        None,
        &["HM Revenue and Customs", "HMRC"],
    ),
    ("hm-treasury", "HM Treasury", None, &["HM Treasury", "HMT"]),
    (
        "police",
        "Police",
        None,
        &["Police", "PCC", "Police and crime commissioner"],
    ),
    (
        "criminal-justice-system",
        "Criminal justice system",
        None,
        &["Criminal Justice System"],
    ),
    (
        "ministry-of-justice",
        "Ministry of Justice",
        None,
        &["Ministry of Justice", "MoJ"],
    ),
    (
        "court",
        "Courts",
        Some("criminal-justice-system"),
        &["Court", "Courts"],
    ),
    (
        "legal-aid",
        "Legal aid",
        Some("criminal-justice-system"),
        &["Legal aid"],
    ),
    (
        "prison",
        "Prison / young offender institution",
        Some("criminal-justice-system"),
        &["Prison", "Prison / Young Offenders Institute"],
    ),
    (
        "young-offender-institution",
        "Young offender institution",
        Some("criminal-justice-system"),
        &["Young Offenders Institute"],
    ),
    (
        "probation",
        "Probation",
        Some("criminal-justice-system"),
        &["Probation"],
    ),
    (
        "youth-offending-team",
        "Youth offending team",
        Some("criminal-justice-system"),
        &["Youth Offending Team"],
    ),
    (
        "cafcass",
        "Cafcass",
        Some("criminal-justice-system"),
        &["CAFCASS"],
    ),
    (
        "community-safety-partnership",
        "Community safety partnership",
        None,
        &["Community Safety Partnership"],
    ),
    (
        "drug-and-alcohol-action-team",
        "Drug and alcohol action team",
        None,
        &["DAAT (Drug & Alcohol Action Teams)"],
    ),
    (
        "department-for-education",
        "Department for Education",
        None,
        &["Department for Education", "DfE"],
    ),
    (
        "schools",
        "Schools",
        Some("department-for-education"),
        &["Schools", "School"],
    ),
    (
        "educational-establishment",
        "Educational establishment",
        Some("department-for-education"),
        &["Educational Establishment"],
    ),
    (
        "college",
        "Further education college",
        Some("department-for-education"),
        &["College"],
    ),
    (
        "connexions",
        "Connexions service",
        None,
        &["Connexions Service"],
    ),
    (
        "fire-service",
        "Fire and rescue service",
        None,
        &["Fire Service", "Fire and rescue"],
    ),
    (
        "rsl",
        "Registered social landlord",
        None,
        &["RSL", "Housing association"],
    ),
    (
        "vcs",
        "Voluntary and community sector",
        None,
        &["VCS", "Voluntary sector"],
    ),
    (
        "private-sector",
        "Private sector",
        None,
        &["Private sector"],
    ),
    (
        "society",
        "Society / the individual (economic and social)",
        None,
        &["Society / Economic"],
    ),
    (
        "victim-services",
        "Victim services",
        None,
        &["Victim services"],
    ),
    // The database's marker for a value shared by several agencies: a model
    // must then say how it splits.
    ("multiple", "Multiple agencies", None, &["Multiple"]),
];

/// Lower-cases and collapses whitespace, so `"Local authority"`,
/// `"Local Authority"` and `"Benefits "` compare equal to their kind.
pub fn normalise_agency_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Default for AgencyVocabulary {
    fn default() -> Self {
        AgencyVocabulary::seeded()
    }
}

impl AgencyVocabulary {
    /// The seed list, from the Unit Cost Database.
    pub fn seeded() -> AgencyVocabulary {
        let mut vocabulary = AgencyVocabulary {
            kinds: Vec::new(),
            by_key: BTreeMap::new(),
        };
        for (id, name, parent, aliases) in SEED {
            vocabulary
                .add(AgencyKind {
                    id: id.to_string(),
                    name: name.to_string(),
                    parent: parent.map(str::to_string),
                    aliases: aliases.iter().map(|a| a.to_string()).collect(),
                    transfers_by_default: matches!(*id, "dwp" | "jcp" | "hmrc" | "hm-treasury"),
                })
                .expect("the seed vocabulary is consistent");
        }
        vocabulary
    }

    /// Adds a kind. Its id, name and aliases must not already mean another
    /// kind, and its parent must exist.
    pub fn add(&mut self, kind: AgencyKind) -> Result<(), String> {
        if !crate::is_identifier(&kind.id) {
            return Err(format!(
                "'{}' is not a valid id (use lower-case kebab-case)",
                kind.id
            ));
        }
        if let Some(parent) = &kind.parent
            && self.get(parent).is_none()
        {
            return Err(format!("parent kind '{parent}' is not known"));
        }
        let index = self.kinds.len();
        let mut keys = vec![kind.id.clone(), normalise_agency_name(&kind.name)];
        keys.extend(kind.aliases.iter().map(|a| normalise_agency_name(a)));
        for key in &keys {
            if let Some(&other) = self.by_key.get(key)
                && self.kinds[other].id != kind.id
            {
                return Err(format!(
                    "'{key}' already means agency kind '{}'",
                    self.kinds[other].id
                ));
            }
        }
        for key in keys {
            self.by_key.insert(key, index);
        }
        self.kinds.push(kind);
        Ok(())
    }

    /// Looks a kind up by id, name or alias, ignoring case and spacing.
    pub fn get(&self, name: &str) -> Option<&AgencyKind> {
        self.by_key
            .get(&normalise_agency_name(name))
            .map(|&i| &self.kinds[i])
    }

    pub fn resolve(&self, name: &str) -> Result<&AgencyKind, UnknownAgency> {
        self.get(name)
            .ok_or_else(|| UnknownAgency(name.to_string()))
    }

    pub fn kinds(&self) -> &[AgencyKind] {
        &self.kinds
    }

    /// Whether `kind` is `ancestor` or falls under it (`icb` is under `nhs`).
    pub fn is_within(&self, kind: &str, ancestor: &str) -> bool {
        let mut current = self.get(kind);
        let target = match self.get(ancestor) {
            Some(t) => t.id.as_str(),
            None => return false,
        };
        while let Some(k) = current {
            if k.id == target {
                return true;
            }
            current = k.parent.as_deref().and_then(|p| self.get(p));
        }
        false
    }

    /// Ids of every kind, for "expected one of" messages.
    pub fn ids(&self) -> Vec<&str> {
        self.kinds.iter().map(|k| k.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_cost_database_spellings_resolve() {
        let v = AgencyVocabulary::seeded();
        assert_eq!(v.resolve("Local authority").unwrap().id, "local-authority");
        assert_eq!(v.resolve("Local Authority").unwrap().id, "local-authority");
        assert_eq!(v.resolve("Benefits ").unwrap().id, "dwp");
        assert_eq!(v.resolve("Clinical Commissioning Group").unwrap().id, "icb");
        assert_eq!(
            v.resolve("Prison / Young Offenders Institute").unwrap().id,
            "prison"
        );
        assert_eq!(v.resolve("Social services").unwrap().id, "social-services");
        assert!(v.resolve("Ministry of Magic").is_err());
    }

    #[test]
    fn hierarchy_answers_within() {
        let v = AgencyVocabulary::seeded();
        assert!(v.is_within("icb", "nhs"));
        assert!(v.is_within("nhs", "nhs"));
        assert!(v.is_within("jcp", "DWP"));
        assert!(!v.is_within("nhs", "icb"));
        assert!(!v.is_within("police", "nhs"));
    }

    #[test]
    fn transfers_default_to_the_benefit_and_tax_departments() {
        let v = AgencyVocabulary::seeded();
        assert!(v.resolve("dwp").unwrap().transfers_by_default);
        assert!(v.resolve("HMRC").unwrap().transfers_by_default);
        assert!(!v.resolve("nhs").unwrap().transfers_by_default);
    }

    #[test]
    fn a_place_can_add_kinds_but_not_clash() {
        let mut v = AgencyVocabulary::seeded();
        v.add(AgencyKind {
            id: "parish-council".into(),
            name: "Parish council".into(),
            parent: Some("local-authority".into()),
            aliases: vec![],
            transfers_by_default: false,
        })
        .unwrap();
        assert!(v.is_within("parish-council", "local-authority"));
        let clash = v.add(AgencyKind {
            id: "health".into(),
            name: "NHS".into(),
            parent: None,
            aliases: vec![],
            transfers_by_default: false,
        });
        assert!(
            clash
                .unwrap_err()
                .contains("already means agency kind 'nhs'")
        );
        let orphan = v.add(AgencyKind {
            id: "x".into(),
            name: "X".into(),
            parent: Some("nowhere".into()),
            aliases: vec![],
            transfers_by_default: false,
        });
        assert!(orphan.is_err());
    }
}
