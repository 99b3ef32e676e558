//! Ex-ante beside ex-post: what an appraisal expected each agency to save,
//! set beside what the measurement found.
//!
//! The appraisal's expectation per starter per year at full benefit is,
//! for agency `k`, Σ over outcomes of (successful outcomes per starter) ×
//! Σ over its value lines of fiscal unit value × quantity × scale × (1 −
//! optimism reduction) × `k`'s share. Over the measurement it is that ×
//! the treatment group's size × after months / 12, uprated from the
//! appraisal's price base to the measurement's price year. The profile's
//! lag and drop-off are set aside: this is the appraisal at full effect,
//! which is what a first year's measurement is usually held to.

use oneplace_appraise::Model;
use oneplace_core::{AgencyVocabulary, FinancialYear};
use oneplace_refdata::{ReferenceData, ValueKind};
use serde::Serialize;

use crate::Measurement;

/// One agency's expected and realised savings over the treatment group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExAnteRow {
    /// The measurement's agency (or the appraisal's kind, when the
    /// measurement has no agency it falls within).
    pub agency: String,
    /// The appraisal's agencies counted here.
    pub appraisal_agencies: Vec<String>,
    #[serde(serialize_with = "crate::pennies")]
    pub expected: f64,
    #[serde(serialize_with = "crate::pennies_opt")]
    pub realised_net: Option<f64>,
    #[serde(serialize_with = "crate::pennies_opt")]
    pub realised_gross: Option<f64>,
}

/// The comparison with the appraisal it names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExAnte {
    pub appraisal: String,
    pub price_base: FinancialYear,
    pub rows: Vec<ExAnteRow>,
}

/// Sets the appraisal's expected fiscal benefits beside the realised
/// savings, agency by agency.
pub fn compare(model: &Model, m: &Measurement) -> ExAnte {
    let vocabulary = AgencyVocabulary::seeded();
    // Per starter per year at full benefit, by the model's agency index.
    let mut per_starter = vec![0.0; model.agencies.len()];
    for o in &model.outcomes {
        let rate = o.rate();
        for v in &o.values {
            let fiscal = v.unit_value(ValueKind::Fiscal).unwrap_or(0.0)
                * v.quantity
                * v.scale
                * (1.0 - v.optimism_reduction);
            for s in &v.shares {
                per_starter[s.agency] += rate * fiscal * s.share;
            }
        }
    }
    let deflators = ReferenceData::embedded().default_deflators();
    let uprate = deflators
        .uprate(1.0, model.settings.price_base, m.price_year)
        .unwrap_or(1.0);
    let scale = m.cohort.treatment as f64 * f64::from(m.windows.after_months) / 12.0 * uprate;
    let mut rows: Vec<ExAnteRow> = m
        .savings
        .iter()
        .map(|s| ExAnteRow {
            agency: s.agency.clone(),
            appraisal_agencies: Vec::new(),
            expected: 0.0,
            realised_net: s.net,
            realised_gross: Some(s.gross),
        })
        .collect();
    for (i, agency) in model.agencies.iter().enumerate() {
        if per_starter[i] == 0.0 {
            continue;
        }
        let expected = per_starter[i] * scale;
        let at = rows.iter().position(|r| {
            r.realised_gross.is_some() && vocabulary.is_within(&agency.kind, &r.agency)
        });
        let row = match at {
            Some(n) => &mut rows[n],
            None => match rows.iter().position(|r| r.agency == agency.kind) {
                Some(n) => &mut rows[n],
                None => {
                    rows.push(ExAnteRow {
                        agency: agency.kind.clone(),
                        appraisal_agencies: Vec::new(),
                        expected: 0.0,
                        realised_net: None,
                        realised_gross: None,
                    });
                    rows.last_mut().expect("just pushed")
                }
            },
        };
        row.expected += expected;
        row.appraisal_agencies.push(agency.id.clone());
    }
    ExAnte {
        appraisal: model.name.clone(),
        price_base: model.settings.price_base,
        rows,
    }
}
