//! Risk-share settlement, and every report as a download (CSV for Excel
//! users, XLSX with real numbers), written by oneplace-report's writers from
//! the domain crates' documents.

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use oneplace_ledger::contributions::{self, NextYear, next_year, parse_plan};
use oneplace_ledger::settle::{Settlement, document as settle_document, parse_agreement, settle};
use oneplace_ledger::{Journal, Ledger, load};
use oneplace_report::Document;
use serde::Deserialize;

use crate::auth::Current;
use crate::pages::{base, monitoring_of, place_document, spreadsheet_links, user_place};
use crate::{AppState, Routes, domain, error_response, render};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/settlement/{doc}", get(settlement_page))
        .add(
            "GET",
            "/api/places/{place}/settlement/{doc}",
            get(settlement_api),
        )
        .add("GET", "/p/{place}/plans/{doc}", get(plan_page))
        .add("GET", "/api/places/{place}/plans/{doc}", get(plan_api))
        .add("GET", "/p/{place}/download/{report}/{doc}", get(download))
}

fn unprocessable(state: &AppState, path: &str, e: impl std::fmt::Display) -> Response {
    error_response(
        state,
        path,
        StatusCode::UNPROCESSABLE_ENTITY,
        &e.to_string(),
    )
}

/// Every journal of the place, read together as one ledger.
async fn place_ledger(state: &AppState, place: &str, path: &str) -> Result<Ledger, Response> {
    let metas = state
        .store
        .documents(place, Some("journal"))
        .await
        .map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            )
        })?;
    let mut texts = Vec::new();
    for m in &metas {
        let d = place_document(state, place, &m.id, "journal", path).await?;
        texts.push((m.id.clone(), d.content));
    }
    let journals: Vec<Journal> = texts
        .iter()
        .map(|(name, text)| Journal { name, text })
        .collect();
    load(&journals).map_err(|e| unprocessable(state, path, e))
}

/// An agreement document settled against the place's ledger for its year.
async fn settlement_of(
    state: &AppState,
    place: &str,
    doc: &str,
    path: &str,
) -> Result<Settlement, Response> {
    let agreement = place_document(state, place, doc, "agreement", path).await?;
    let ledger = place_ledger(state, place, path).await?;
    let a = parse_agreement(&agreement.meta.id, &agreement.content, &ledger)
        .map_err(|e| unprocessable(state, path, e))?;
    settle(&ledger, &a, None).map_err(|e| unprocessable(state, path, e.0))
}

/// A contribution plan worked out against the place's ledger: next year's
/// contributions and their instalments.
async fn plan_of(
    state: &AppState,
    place: &str,
    doc: &str,
    path: &str,
) -> Result<NextYear, Response> {
    let plan = place_document(state, place, doc, "plan", path).await?;
    let ledger = place_ledger(state, place, path).await?;
    let p = parse_plan(&plan.meta.id, &plan.content, &ledger)
        .map_err(|e| unprocessable(state, path, e))?;
    next_year(&p, &ledger).map_err(|e| unprocessable(state, path, e))
}

async fn plan_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let n = plan_of(&state, &place.id, &doc, path).await?;
    Ok(render(
        &state,
        "report.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            doc => domain::html_document(&contributions::document::next_year_document(&n)),
            downloads => format!("/api/places/{}/plans/{doc}", place.id),
            spreadsheet => spreadsheet_links(&format!("/p/{}/download/plan/{doc}", place.id), None),
            directives => contributions::next_year::directives(&n),
        } },
    ))
}

async fn plan_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let n = plan_of(&state, &place.id, &doc, path).await?;
    Ok(axum::Json(serde_json::to_value(&n).expect("plans serialise")).into_response())
}

async fn settlement_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let s = settlement_of(&state, &place.id, &doc, path).await?;
    Ok(render(
        &state,
        "report.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            doc => domain::html_document(&settle_document::settlement_document(&s)),
            downloads => format!("/api/places/{}/settlement/{doc}", place.id),
            spreadsheet => spreadsheet_links(&format!("/p/{}/download/settlement/{doc}", place.id), None),
            transactions => s.transactions,
        } },
    ))
}

async fn settlement_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let s = settlement_of(&state, &place.id, &doc, path).await?;
    Ok(axum::Json(serde_json::to_value(&s).expect("settlements serialise")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DownloadQuery {
    format: Option<String>,
    period: Option<String>,
    scheme: Option<String>,
    source: Option<String>,
    partner: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    current: Current,
    Path((place, report, doc)): Path<(String, String, String)>,
    Query(q): Query<DownloadQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let document: Document = match report.as_str() {
        "monitoring" => {
            let (ledger, m) =
                monitoring_of(&state, &place.id, &doc, q.period.as_deref(), path).await?;
            domain::monitoring_document(&ledger, &m)
        }
        "postings" => {
            let (ledger, m) =
                monitoring_of(&state, &place.id, &doc, q.period.as_deref(), path).await?;
            let query = crate::drilldown::DrillQuery {
                period: None,
                scheme: q.scheme.clone(),
                source: q.source.clone(),
                partner: q.partner.clone(),
            };
            let d = crate::drilldown::drill(&ledger, &m, &query)
                .map_err(|e| error_response(&state, path, StatusCode::NOT_FOUND, &e))?;
            crate::drilldown::drill_document(&d)
        }
        "contributions" => {
            crate::contributions::contributions_document(&state, &current, &place.id, &doc, path)
                .await?
        }
        "estate" => crate::estate_pages::estate_report(&state, &current, &place.id, path).await?,
        "appraisal" => {
            let d = place_document(&state, &place.id, &doc, "appraisal", path).await?;
            let a = domain::appraisal(&d.meta.id, &d.content, state.data)
                .map_err(|e| unprocessable(&state, path, e))?;
            domain::appraisal_document(&a)
        }
        "settlement" => settle_document::settlement_document(
            &settlement_of(&state, &place.id, &doc, path).await?,
        ),
        "plan" => contributions::document::next_year_document(
            &plan_of(&state, &place.id, &doc, path).await?,
        ),
        _ => {
            return Err(error_response(
                &state,
                path,
                StatusCode::NOT_FOUND,
                "no such report",
            ));
        }
    };
    let name = format!("{doc}-{report}");
    let (bytes, content_type, ext) = match q.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => (
            oneplace_report::render_xlsx(&document).map_err(|e| unprocessable(&state, path, e))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (
            oneplace_report::render_csv(&document, None)
                .map_err(|e| unprocessable(&state, path, e))?
                .into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
        other => {
            return Err(error_response(
                &state,
                path,
                StatusCode::BAD_REQUEST,
                &format!("format: '{other}' is not a download format: use csv or xlsx"),
            ));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
