//! The reform deal between a place and central government.
//!
//! A deal is a living object: every figure in it is pulled from the
//! appraisal, ledger or measurement that supports it, and its document is
//! regenerated from them. The pipeline:
//!
//! * [`catalogue`]: the enablers, barriers, asks and offers a deal draws on,
//!   the readiness scale and tiers (data; the default ships with the crate);
//! * [`deal`]: the deal file read and checked, every problem located;
//! * [`evidence`]: the sources loaded with their own engines and each link's
//!   figure pulled by its path; a figure that no longer matches the one the
//!   deal quotes is stale, and an error;
//! * [`readiness`]: partners' questionnaires pooled into a tier and a menu
//!   of credible asks;
//! * [`balance`]: what every party gives and gets under the terms, in
//!   present values, and the gain-share that leaves everyone whole;
//! * [`document`]: the deal as a document (HTML, Markdown, PDF, text), with
//!   charts from oneplace-charts;
//! * [`refresh`]: re-pinning quoted figures after a source moved.
//!
//! [`load`] runs the reading stages in order and gathers their problems.

pub mod balance;
pub mod catalogue;
pub mod deal;
pub mod document;
pub mod evidence;
pub mod pdf;
pub mod readiness;
pub mod refresh;

use std::path::Path;

use oneplace_core::{Diagnostic, InputError, Location};
use oneplace_refdata::ReferenceData;

pub use balance::Balance;
pub use catalogue::Catalogue;
pub use deal::{Deal, read_deal};
pub use evidence::{Figure, FileSystem, Files, Sources};
pub use readiness::Readiness;

/// A deal with everything it cites loaded and computed.
#[derive(Clone, Debug)]
pub struct LoadedDeal {
    pub deal: Deal,
    /// The deal file's text, for refreshing pins.
    pub text: String,
    pub catalogue: Catalogue,
    /// Where the catalogue came from: a file, or the shipped default.
    pub catalogue_file: String,
    pub sources: Sources,
    pub figures: Vec<Figure>,
    pub readiness: Option<Readiness>,
    pub balance: Balance,
    /// Stale links, when loading allowed them (for refreshing).
    pub stale: Vec<Diagnostic>,
}

/// Whether stale evidence stops loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// A stale link is an error (checking, building, balancing).
    Refuse,
    /// Load anyway, keeping the stale links in [`LoadedDeal::stale`]
    /// (refreshing the pins).
    Allow,
}

/// Why a deal did not load.
#[derive(Debug)]
pub enum LoadError {
    /// The input is wrong; every diagnostic names its place.
    Input(InputError),
    /// oneplace itself failed.
    Internal(String),
}

impl From<InputError> for LoadError {
    fn from(e: InputError) -> LoadError {
        LoadError::Input(e)
    }
}

fn whole_file(path: &Path) -> Location {
    Location::File {
        file: path.display().to_string().as_str().into(),
    }
}

fn read_text(
    files: &dyn Files,
    path: &Path,
    at: Location,
    what: &str,
) -> Result<String, InputError> {
    let bytes = files.read(path).map_err(|e| {
        InputError::one(Diagnostic::new(
            at.clone(),
            format!(
                "cannot read {what} {}: {}",
                path.display(),
                if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file".to_string()
                } else {
                    e.to_string()
                }
            ),
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        InputError::one(Diagnostic::new(
            at,
            format!("{what} {} is not UTF-8 text", path.display()),
        ))
    })
}

/// Reads a deal and everything it cites, pulls every figure, pools the
/// readiness responses and computes the balance.
pub fn load(
    path: &Path,
    files: &dyn Files,
    data: &ReferenceData,
    stale: Stale,
) -> Result<LoadedDeal, LoadError> {
    let name = path.display().to_string();
    let text = read_text(files, path, whole_file(path), "deal")?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let (catalogue, catalogue_file) = match deal::catalogue_of(&name, &text)? {
        Some((file, at)) => {
            let cpath = evidence::beside(dir, &file);
            let ctext = read_text(files, &cpath, at, "catalogue")?;
            let cname = cpath.display().to_string();
            (catalogue::parse_catalogue(&cname, &ctext)?, cname)
        }
        None => (
            Catalogue::default_catalogue(),
            format!("{} (shipped)", catalogue::DEFAULT_NAME),
        ),
    };
    let deal = read_deal(&name, &text, &catalogue)?;

    // Sources and readiness are independent: report both sets of problems.
    let mut diags = Vec::new();
    let sources = match evidence::load_sources(&deal, dir, files, data) {
        Ok(s) => Some(s),
        Err(e) => {
            diags.extend(e.diagnostics);
            None
        }
    };
    let mut responses = Vec::new();
    if let Some(spec) = &deal.readiness {
        let mut seen: Vec<(String, String)> = Vec::new();
        for (file, at) in spec.responses.iter().zip(&spec.response_locations) {
            let rpath = evidence::beside(dir, file);
            let rname = rpath.display().to_string();
            let parsed = read_text(files, &rpath, at.clone(), "readiness responses")
                .and_then(|t| readiness::parse_responses(&rname, &t, &deal, &catalogue));
            match parsed {
                Ok(rs) => {
                    for r in rs {
                        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == r.partner) {
                            diags.push(Diagnostic::new(
                                at.clone(),
                                format!(
                                    "{rname} answers for '{}', who already answered in {other}",
                                    r.partner
                                ),
                            ));
                        }
                        seen.push((r.partner.clone(), rname.clone()));
                        responses.push(r);
                    }
                }
                Err(e) => diags.extend(e.diagnostics),
            }
        }
    }
    InputError::check(diags)?;
    let sources = sources.expect("sources loaded when there are no diagnostics");
    let figures = evidence::resolve(&deal, &sources)?;
    let stale_links = evidence::stale(&deal, &figures);
    if stale == Stale::Refuse {
        InputError::check(stale_links.clone())?;
    }
    let readiness = deal
        .readiness
        .as_ref()
        .map(|spec| readiness::assess(&deal, &catalogue, responses, spec.disagreement));
    let balance = balance::balance(&deal, &sources, data).map_err(LoadError::Internal)?;
    Ok(LoadedDeal {
        deal,
        text,
        catalogue,
        catalogue_file,
        sources,
        figures,
        readiness,
        balance,
        stale: stale_links,
    })
}
