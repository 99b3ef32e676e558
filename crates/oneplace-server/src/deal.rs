//! The reform deal: loaded by oneplace-deal from the place's documents
//! (the deal's appraisals, journals, measured results and readiness surveys
//! are documents too), shown as the deal document's tables and charts, and
//! downloadable as PDF, HTML or Markdown.
//!
//! A deal names its files by relative path. Documents here are found by
//! the file's stem (`../family-support.toml` is the document
//! `family-support`); a file in a `readiness/` folder is `readiness-STEM`.

use std::collections::HashMap;
use std::path::Path as FsPath;

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use oneplace_deal::document::{deal_document, render_html, render_markdown};
use oneplace_deal::{Files, LoadError, Stale};
use serde::Deserialize;

use crate::auth::Current;
use crate::pages::{base, place_document, user_place};
use crate::{AppState, Routes, domain, error_response, render};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/deals/{doc}", get(deal_page))
        .add("GET", "/api/places/{place}/deals/{doc}", get(deal_api))
        .add("GET", "/p/{place}/deals/{doc}/document", get(deal_download))
}

/// The place's documents as the deal's files.
struct PlaceFiles {
    by_id: HashMap<String, String>,
}

/// The document id a deal's file path stands for.
fn document_id(path: &FsPath) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|f| f.to_str());
    Some(match folder {
        Some("readiness") => format!("readiness-{stem}"),
        _ => stem.to_string(),
    })
}

impl Files for PlaceFiles {
    fn read(&self, path: &FsPath) -> std::io::Result<Vec<u8>> {
        document_id(path)
            .and_then(|id| self.by_id.get(&id))
            .map(|t| t.clone().into_bytes())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no document of this place by that name",
                )
            })
    }
}

pub(crate) async fn load(
    state: &AppState,
    place: &str,
    doc: &str,
    path: &str,
) -> Result<oneplace_deal::LoadedDeal, Response> {
    place_document(state, place, doc, "deal", path).await?;
    let metas = state.store.documents(place, None).await.map_err(|e| {
        error_response(
            state,
            path,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
        )
    })?;
    let mut by_id = HashMap::new();
    for m in metas {
        if let Some(d) = state.store.document(place, &m.id).await.map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            )
        })? {
            by_id.insert(m.id, d.content);
        }
    }
    let files = PlaceFiles { by_id };
    let deal_path = format!("deal/{doc}.toml");
    oneplace_deal::load(FsPath::new(&deal_path), &files, state.data, Stale::Refuse).map_err(|e| {
        match e {
            LoadError::Input(e) => error_response(
                state,
                path,
                StatusCode::UNPROCESSABLE_ENTITY,
                &e.to_string(),
            ),
            LoadError::Internal(m) => {
                error_response(state, path, StatusCode::INTERNAL_SERVER_ERROR, &m)
            }
        }
    })
}

async fn deal_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = load(&state, &place.id, &doc, path).await?;
    let document = deal_document(&d);
    // The charts are SVG made by oneplace-charts from the deal's figures,
    // their text escaped there; each has its description in words.
    let charts: Vec<minijinja::Value> = document
        .parts
        .iter()
        .flat_map(|p| &p.charts)
        .map(|c| {
            context! {
                id => c.id,
                title => c.title,
                description => c.description,
                svg => minijinja::Value::from_safe_string(c.svg.clone()),
            }
        })
        .collect();
    let links = |f: &str| format!("/p/{}/deals/{doc}/document?format={f}", place.id);
    Ok(render(
        &state,
        "report.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            doc => domain::html_document(&document.tables()),
            charts => charts,
            deal_downloads => context! { pdf => links("pdf"), html => links("html"), markdown => links("md") },
            surveys => d.deal.partners.iter().map(|p| context! {
                name => p.name,
                href => format!("/p/{}/deals/{doc}/readiness/{}", place.id, p.id),
                can_answer => crate::auth::permits(current.user(), crate::auth::Action::EditPartner(&p.id)),
            }).collect::<Vec<_>>(),
            downloads => format!("/api/places/{}/deals/{doc}", place.id),
        } },
    ))
}

async fn deal_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = load(&state, &place.id, &doc, path).await?;
    Ok(axum::Json(serde_json::json!({
        "name": d.deal.name,
        "balance": oneplace_deal::balance::to_json(&d.balance),
    }))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FormatQuery {
    format: Option<String>,
}

async fn deal_download(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<FormatQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = load(&state, &place.id, &doc, path).await?;
    let document = deal_document(&d);
    let (bytes, content_type, ext) = match q.format.as_deref().unwrap_or("pdf") {
        "pdf" => (
            oneplace_deal::pdf::render_pdf(&document)
                .map_err(|e| error_response(&state, path, StatusCode::INTERNAL_SERVER_ERROR, &e))?,
            "application/pdf",
            "pdf",
        ),
        "html" => (
            render_html(&document).into_bytes(),
            "text/html; charset=utf-8",
            "html",
        ),
        "md" => (
            render_markdown(&document).into_bytes(),
            "text/markdown; charset=utf-8",
            "md",
        ),
        other => {
            return Err(error_response(
                &state,
                path,
                StatusCode::BAD_REQUEST,
                &format!("format: '{other}' is not a deal document format: use pdf, html or md"),
            ));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{doc}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::document_id;
    use std::path::Path;

    #[test]
    fn files_are_found_by_stem() {
        assert_eq!(
            document_id(Path::new("family-support.toml")).as_deref(),
            Some("family-support")
        );
        assert_eq!(
            document_id(Path::new("ledger/northshire-bcf.journal")).as_deref(),
            Some("northshire-bcf")
        );
        assert_eq!(
            document_id(Path::new("deal/readiness/icb.toml")).as_deref(),
            Some("readiness-icb")
        );
    }
}
