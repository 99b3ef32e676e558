//! The JSON API under `/api`: what the pages show, as data. Authentication
//! is the same session cookie (from `POST /api/session` or the login
//! page); every request that changes something sends the session's CSRF
//! token in `X-CSRF-Token`. Errors are `{"error": …}` (and `"field"` when
//! one field is wrong).

use axum::Json;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{delete, get, post};
use oneplace_refdata::ValueKind;
use oneplace_store::{Login, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, Action, Current, SESSION_COOKIE, require, set_cookie};
use crate::pages::{self, ContactForm, PeriodQuery, SearchQuery, user_place};
use crate::{AppState, Routes, domain, error_response, now};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("POST", "/api/session", post(login))
        .add("DELETE", "/api/session", delete(logout))
        .add("GET", "/api/me", get(me))
        .add("GET", "/api/places/{place}", get(overview))
        .add("GET", "/api/places/{place}/documents", get(documents))
        .add("GET", "/api/places/{place}/documents/{doc}", get(document))
        .add(
            "GET",
            "/api/places/{place}/ledger/{doc}/monitoring",
            get(monitoring),
        )
        .add("GET", "/api/places/{place}/appraisals", get(appraisals))
        .add(
            "GET",
            "/api/places/{place}/appraisals/{doc}",
            get(appraisal),
        )
        .add("GET", "/api/places/{place}/partners", get(partners))
        .add(
            "POST",
            "/api/places/{place}/partners/{partner}",
            post(update_partner),
        )
        .add("GET", "/api/places/{place}/audit", get(audit))
        .add("GET", "/api/ucd", get(ucd))
        .add("GET", "/api/openapi.json", get(openapi))
}

type ApiResult = Result<Response, Response>;

fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

fn fail(state: &AppState, path: &str, status: StatusCode, message: &str) -> Response {
    error_response(state, path, status, message)
}

fn internal(state: &AppState, path: &str, e: impl std::fmt::Display) -> Response {
    fail(
        state,
        path,
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
    )
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(State(state): State<AppState>, req: Request) -> ApiResult {
    let client = auth::client(req.extensions());
    let Json(c): Json<Credentials> = Json::from_request(req, &state).await.map_err(|e| {
        fail(
            &state,
            "/api/session",
            StatusCode::BAD_REQUEST,
            &e.body_text(),
        )
    })?;
    match state
        .store
        .login(&c.username, &c.password, &client, now())
        .await
    {
        Ok(Login::Success {
            user,
            token,
            csrf_token,
        }) => Ok((
            AppendHeaders([(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &token,
                    oneplace_store::SESSION_SECS,
                    state.secure_cookies,
                ),
            )]),
            Json(json!({"user": user, "csrf_token": csrf_token})),
        )
            .into_response()),
        Ok(Login::Failed) => Err(fail(
            &state,
            "/api/session",
            StatusCode::UNAUTHORIZED,
            "the user name or password is wrong",
        )),
        Ok(Login::Throttled) => Err(fail(
            &state,
            "/api/session",
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed attempts for this user from here: try again in 15 minutes",
        )),
        Err(e) => Err(internal(&state, "/api/session", e)),
    }
}

async fn logout(State(state): State<AppState>, current: Current) -> ApiResult {
    state
        .store
        .end_session(&current.token, current.user(), now())
        .await
        .map_err(|e| internal(&state, "/api/session", e))?;
    Ok((
        AppendHeaders([(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
        )]),
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

async fn me(current: Current) -> ApiResult {
    ok(json!({"user": current.user(), "csrf_token": current.session.csrf_token}))
}

async fn overview(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let pools = pages::pools(&state, &place.id, path).await?;
    let partners = state
        .store
        .partners(&place.id)
        .await
        .map_err(|e| internal(&state, path, e))?;
    ok(json!({
        "place": place,
        "partners": partners,
        "pools": pools.iter().map(|p| match &p.report {
            Ok((_, m)) => json!({
                "id": p.meta.id,
                "title": p.meta.title,
                "period": m.period,
                "total": m.total,
                "materiality_amount": m.materiality_amount,
                "materiality_percent": m.materiality_percent,
                "flagged_lines": m.lines.iter().filter(|l| l.flagged).collect::<Vec<_>>(),
            }),
            Err(e) => json!({"id": p.meta.id, "title": p.meta.title, "error": e}),
        }).collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KindQuery {
    kind: Option<String>,
}

async fn documents(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    Query(q): Query<KindQuery>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let docs = state
        .store
        .documents(&place.id, q.kind.as_deref())
        .await
        .map_err(|e| internal(&state, path, e))?;
    ok(json!({"documents": docs}))
}

async fn document(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    match state.store.document(&place.id, &doc).await {
        Ok(Some(d)) => ok(json!(d)),
        Ok(None) => Err(fail(
            &state,
            path,
            StatusCode::NOT_FOUND,
            "no such document",
        )),
        Err(e) => Err(internal(&state, path, e)),
    }
}

async fn monitoring(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let (_, m) = pages::monitoring_of(&state, &place.id, &doc, q.period.as_deref(), path).await?;
    ok(domain::monitoring_json(&m))
}

async fn appraisals(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let rows = pages::appraisal_rows(&state, &place.id, path).await?;
    ok(json!({
        "appraisals": rows.iter().map(|r| match &r.json {
            Some(a) => json!({
                "id": r.id,
                "title": r.title,
                "npbi": a["npbi"],
                "financial_roi": a["financial_roi"],
                "nppv": a["nppv"],
                "public_value_roi": a["public_value_roi"],
            }),
            None => json!({"id": r.id, "title": r.title, "error": r.error}),
        }).collect::<Vec<_>>(),
    }))
}

async fn appraisal(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = pages::place_document(&state, &place.id, &doc, "appraisal", path).await?;
    let a = domain::appraisal(&d.meta.id, &d.content, state.data)
        .map_err(|e| fail(&state, path, StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    ok(domain::appraisal_json(&a))
}

async fn partners(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let partners = state
        .store
        .partners(&place.id)
        .await
        .map_err(|e| internal(&state, path, e))?;
    ok(json!({"partners": partners}))
}

async fn update_partner(
    State(state): State<AppState>,
    current: Current,
    Path((place, partner)): Path<(String, String)>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let (place, p) =
        pages::partner_for_edit(&state, &current, &place, &partner, &method, &path).await?;
    let Json(form): Json<ContactForm> = Json::from_request(req, &state)
        .await
        .map_err(|e| fail(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    match state
        .store
        .update_partner_contact(
            &place.id,
            &p.id,
            &form.contact_name,
            &form.contact_email,
            &current.user().username,
            now(),
        )
        .await
    {
        Ok(p) => ok(json!({"partner": p})),
        Err(StoreError::Invalid { field, message }) => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": format!("{field}: {message}"), "field": field})),
        )
            .into_response()),
        Err(e) => Err(internal(&state, &path, e)),
    }
}

async fn audit(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> ApiResult {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    require(&state, &current, Action::ReadAudit, req.method(), path).await?;
    let entries = state
        .store
        .audit_entries(Some(&place.id), 200)
        .await
        .map_err(|e| internal(&state, path, e))?;
    let verdict = state
        .store
        .verify_audit()
        .await
        .map_err(|e| internal(&state, path, e))?;
    ok(json!({
        "intact": verdict.is_ok(),
        "entries_verified": verdict.as_ref().ok(),
        "first_bad_entry": verdict.as_ref().err().map(|b| json!({"seq": b.seq, "reason": b.reason})),
        "entries": entries,
    }))
}

async fn ucd(
    State(state): State<AppState>,
    _current: Current,
    Query(q): Query<SearchQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let (matches, shown) = pages::ucd_search(&state, &q.q, limit);
    let round = |v: Option<f64>| v.map(|v| (v * 100.0).round() / 100.0);
    ok(json!({
        "query": q.q,
        "matches": matches,
        "price_year": state.data.unit_cost_price_year.to_string(),
        "entries": shown.iter().map(|e| json!({
            "code": e.code,
            "description": e.title(),
            "unit": e.unit,
            "agency": e.agency_level1,
            "fiscal": round(pages::uprated(&state, e, ValueKind::Fiscal)),
            "economic": round(pages::uprated(&state, e, ValueKind::Economic)),
            "social": round(pages::uprated(&state, e, ValueKind::Social)),
        })).collect::<Vec<_>>(),
    }))
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}
