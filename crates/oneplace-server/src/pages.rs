//! The server-rendered pages, and the views of a place that the pages and
//! the API share.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use oneplace_ledger::Ledger;
use oneplace_ledger::report::Monitoring;
use oneplace_refdata::{UnitCost, ValueKind};
use oneplace_report::Cell;
use oneplace_store::{DocumentMeta, Login, Place, StoreError, random_token};
use serde::{Deserialize, Serialize};

use crate::auth::{
    self, Action, Current, LOGIN_CSRF_COOKIE, SESSION_COOKIE, permits, require, same_place,
    set_cookie,
};
use crate::domain;
use crate::{AppState, Routes, error_response, now, render, render_status};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/", get(home))
        .add("GET", "/static/app.css", get(style))
        .add("GET", "/login", get(login_page))
        .add("POST", "/login", post(login_submit))
        .add("POST", "/logout", post(logout))
        .add("GET", "/p/{place}", get(overview))
        .add("GET", "/p/{place}/ledger/{doc}", get(ledger_report))
        .add("GET", "/p/{place}/appraisals", get(appraisals))
        .add("GET", "/p/{place}/appraisals/{doc}", get(appraisal))
        .add("GET", "/p/{place}/documents/{doc}", get(document))
        .add("GET", "/p/{place}/partners/{partner}", get(partner_page))
        .add(
            "POST",
            "/p/{place}/partners/{partner}",
            post(partner_update),
        )
        .add("GET", "/p/{place}/audit", get(audit_page))
        .add("GET", "/ucd", get(ucd))
}

type Page = Result<Response, Response>;

fn internal(state: &AppState, path: &str, e: impl std::fmt::Display) -> Response {
    error_response(
        state,
        path,
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
    )
}

fn not_found(state: &AppState, path: &str) -> Response {
    error_response(state, path, StatusCode::NOT_FOUND, "no such page")
}

/// The place named in the URL, if it is the user's (404 otherwise).
pub(crate) async fn user_place(
    state: &AppState,
    current: &Current,
    place: &str,
    path: &str,
) -> Result<Place, Response> {
    same_place(state, current, place, path)?;
    state
        .store
        .place(place)
        .await
        .map_err(|e| internal(state, path, e))?
        .ok_or_else(|| not_found(state, path))
}

/// A document of a kind in the user's place (404 if it is not there, or
/// is of another kind).
pub(crate) async fn place_document(
    state: &AppState,
    place: &str,
    id: &str,
    kind: &str,
    path: &str,
) -> Result<oneplace_store::StoredDocument, Response> {
    match state.store.document(place, id).await {
        Ok(Some(d)) if d.meta.kind == kind => Ok(d),
        Ok(_) => Err(not_found(state, path)),
        Err(e) => Err(internal(state, path, e)),
    }
}

pub(crate) fn base(current: &Current, place: &Place, nav: &str) -> minijinja::Value {
    let user = current.user();
    context! {
        user => user,
        role_label => user.role.label(),
        csrf => current.session.csrf_token,
        place => place,
        nav => nav,
        can_audit => permits(user, Action::ReadAudit),
        can_manage_users => permits(user, Action::ManageUsers),
        can_edit_documents => permits(user, Action::EditDocuments),
    }
}

async fn home(current: Option<Current>) -> Redirect {
    match current {
        Some(c) => Redirect::to(&format!("/p/{}", c.user().place_id)),
        None => Redirect::to("/login"),
    }
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        crate::templates::STYLE,
    )
}

// ── logging in and out ───────────────────────────────────────────────

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

async fn login_page(State(state): State<AppState>, current: Option<Current>) -> Response {
    if let Some(c) = current {
        return Redirect::to(&format!("/p/{}", c.user().place_id)).into_response();
    }
    let token = random_token(32);
    (
        AppendHeaders([(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.secure_cookies),
        )]),
        render(
            &state,
            "login.html",
            context! { login_csrf => token, username => "" },
        ),
    )
        .into_response()
}

async fn login_submit(State(state): State<AppState>, req: Request) -> Response {
    let client = auth::client(req.extensions());
    let Form(form): Form<LoginForm> = match Form::from_request(req, &state).await {
        Ok(f) => f,
        Err(_) => Form(LoginForm::default()),
    };
    let again = |status: StatusCode, error: &str| {
        render_status(
            &state,
            status,
            "login.html",
            context! { login_csrf => form.csrf, username => form.username, error => error },
        )
    };
    if form.username.trim().is_empty() || form.password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your user name and password.",
        );
    }
    match state
        .store
        .login(&form.username, &form.password, &client, now())
        .await
    {
        Ok(Login::Success { user, token, .. }) => (
            AppendHeaders([
                (
                    header::SET_COOKIE,
                    set_cookie(
                        SESSION_COOKIE,
                        &token,
                        oneplace_store::SESSION_SECS,
                        state.secure_cookies,
                    ),
                ),
                (
                    header::SET_COOKIE,
                    set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.secure_cookies),
                ),
            ]),
            Redirect::to(&format!("/p/{}", user.place_id)),
        )
            .into_response(),
        Ok(Login::Failed) => again(
            StatusCode::UNAUTHORIZED,
            "The user name or password is wrong.",
        ),
        Ok(Login::Throttled) => again(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts to log in as this user from here: try again in 15 minutes.",
        ),
        Err(e) => internal(&state, "/login", e),
    }
}

async fn logout(State(state): State<AppState>, current: Current) -> Response {
    if let Err(e) = state
        .store
        .end_session(&current.token, current.user(), now())
        .await
    {
        return internal(&state, "/logout", e);
    }
    (
        AppendHeaders([(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
        )]),
        Redirect::to("/login"),
    )
        .into_response()
}

// ── the place's overview ─────────────────────────────────────────────

/// A pool (journal document) read and reported on for its latest month.
pub(crate) struct Pool {
    pub meta: DocumentMeta,
    pub report: Result<(Ledger, Monitoring), String>,
}

pub(crate) async fn pools(
    state: &AppState,
    place: &str,
    path: &str,
) -> Result<Vec<Pool>, Response> {
    let metas = state
        .store
        .documents(place, Some("journal"))
        .await
        .map_err(|e| internal(state, path, e))?;
    let mut out = Vec::new();
    for meta in metas {
        let doc = state
            .store
            .document(place, &meta.id)
            .await
            .map_err(|e| internal(state, path, e))?
            .ok_or_else(|| not_found(state, path))?;
        let report = domain::ledger(&meta.id, &doc.content)
            .and_then(|l| domain::monitoring(&l, None).map(|m| (l, m)));
        out.push(Pool { meta, report });
    }
    Ok(out)
}

#[derive(Serialize)]
struct Alert {
    direction: &'static str,
    scheme: String,
    source: String,
    annual_budget: String,
    forecast_outturn: String,
    variance: String,
    variance_percent: String,
}

fn materiality_note(m: &Monitoring) -> String {
    format!(
        "Lines are flagged when the variance exceeds the greater of {} and {} of the line's annual budget; a positive variance is an overspend.",
        m.materiality_amount,
        Cell::Percent(m.materiality_percent)
    )
}

async fn overview(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let pools = pools(&state, &place.id, path).await?;
    let pool_views: Vec<minijinja::Value> = pools
        .iter()
        .map(|p| match &p.report {
            Ok((_, m)) => {
                let t = &m.total;
                context! {
                    id => p.meta.id,
                    title => p.meta.title,
                    period => m.period,
                    total => context! {
                        annual_budget => t.annual_budget.to_string(),
                        profiled_budget => t.profiled_budget.to_string(),
                        actual => t.actual.to_string(),
                        commitments => t.commitments.to_string(),
                        forecast_outturn => t.forecast_outturn.to_string(),
                        variance => t.variance.to_string(),
                    },
                    alerts => m.lines.iter().filter(|l| l.flagged).map(|l| Alert {
                        direction: if l.figures.variance.is_negative() { "Under budget" } else { "Over budget" },
                        scheme: l.scheme.clone(),
                        source: l.source.clone(),
                        annual_budget: l.figures.annual_budget.to_string(),
                        forecast_outturn: l.figures.forecast_outturn.to_string(),
                        variance: l.figures.variance.to_string(),
                        variance_percent: l.variance_percent.map_or_else(String::new, |v| Cell::Percent(v).to_string()),
                    }).collect::<Vec<_>>(),
                    materiality => materiality_note(m),
                    chart => minijinja::Value::from_safe_string(crate::drilldown::monitoring_chart(m, &format!("chart-{}", p.meta.id))),
                    chart_rows => crate::drilldown::chart_rows(m, &place.id, &p.meta.id),
                }
            }
            Err(e) => context! { id => p.meta.id, title => p.meta.title, period => "", error => e },
        })
        .collect();
    let partners = state
        .store
        .partners(&place.id)
        .await
        .map_err(|e| internal(&state, path, e))?;
    let documents = state
        .store
        .documents(&place.id, None)
        .await
        .map_err(|e| internal(&state, path, e))?;
    Ok(render(
        &state,
        "overview.html",
        context! { ..base(&current, &place, "overview"), ..context! { pools => pool_views, partners => partners, documents => documents } },
    ))
}

// ── reports ──────────────────────────────────────────────────────────

/// The XLSX and CSV links of a report download.
pub(crate) fn spreadsheet_links(base: &str, period: Option<&str>) -> minijinja::Value {
    let period = period.map_or_else(String::new, |p| {
        format!("&period={}", p.replace('/', "%2F").replace(' ', "+"))
    });
    context! {
        xlsx => format!("{base}?format=xlsx{period}"),
        csv => format!("{base}?format=csv{period}"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PeriodQuery {
    pub period: Option<String>,
    /// Set after an extract was posted: how many transactions.
    pub imported: Option<usize>,
}

/// A journal document's monitoring report for a period, from the ledger
/// crate; a bad period is a 400 naming it.
pub(crate) async fn monitoring_of(
    state: &AppState,
    place: &str,
    doc: &str,
    period: Option<&str>,
    path: &str,
) -> Result<(Ledger, Monitoring), Response> {
    let d = place_document(state, place, doc, "journal", path).await?;
    let ledger = domain::ledger(&d.meta.id, &d.content)
        .map_err(|e| error_response(state, path, StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    let period = period.map(str::trim).filter(|p| !p.is_empty());
    let m = domain::monitoring(&ledger, period)
        .map_err(|e| error_response(state, path, StatusCode::BAD_REQUEST, &e))?;
    Ok((ledger, m))
}

async fn ledger_report(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let (ledger, m) = monitoring_of(&state, &place.id, &doc, q.period.as_deref(), path).await?;
    let mut html = domain::html_document(&domain::monitoring_document(&ledger, &m));
    crate::drilldown::link_rows(&mut html, &m, &format!("/p/{}/ledger/{doc}", place.id));
    Ok(render(
        &state,
        "report.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            doc => html,
            period_form => true,
            import_link => format!("/p/{}/ledger/{doc}/import", place.id),
            notice => q.imported.map(|n| format!("The extract was posted: {n} new transaction{}.", if n == 1 { "" } else { "s" })),
            period => m.period,
            downloads => format!("/api/places/{}/ledger/{doc}/monitoring?period={}", place.id, m.period.replace(' ', "+")),
            spreadsheet => spreadsheet_links(&format!("/p/{}/download/monitoring/{doc}", place.id), Some(&m.period)),
        } },
    ))
}

/// One row of the appraisals list: the engine's headline figures.
#[derive(Serialize)]
pub(crate) struct AppraisalRow {
    pub id: String,
    pub title: String,
    pub npbi: String,
    pub financial_roi: String,
    pub nppv: String,
    pub public_value_roi: String,
    pub error: Option<String>,
    #[serde(skip)]
    pub json: Option<serde_json::Value>,
}

pub(crate) async fn appraisal_rows(
    state: &AppState,
    place: &str,
    path: &str,
) -> Result<Vec<AppraisalRow>, Response> {
    let docs = state
        .store
        .documents_with_content(place, "appraisal")
        .await
        .map_err(|e| internal(state, path, e))?;
    let mut rows = Vec::new();
    for d in docs {
        let meta = d.meta;
        let ratio =
            |r: Option<f64>| r.map_or_else(|| "n/a".to_string(), |v| Cell::Ratio(v).to_string());
        rows.push(match domain::appraisal(&meta.id, &d.content, state.data) {
            Ok(a) => AppraisalRow {
                id: meta.id,
                title: meta.title,
                npbi: Cell::Pounds(a.npbi).to_string(),
                financial_roi: ratio(a.financial_roi),
                nppv: Cell::Pounds(a.nppv).to_string(),
                public_value_roi: ratio(a.public_value_roi),
                error: None,
                json: Some(domain::appraisal_json(&a)),
            },
            Err(e) => AppraisalRow {
                id: meta.id,
                title: meta.title,
                npbi: String::new(),
                financial_roi: String::new(),
                nppv: String::new(),
                public_value_roi: String::new(),
                error: Some(e),
                json: None,
            },
        });
    }
    Ok(rows)
}

async fn appraisals(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let rows = appraisal_rows(&state, &place.id, path).await?;
    Ok(render(
        &state,
        "appraisals.html",
        context! { ..base(&current, &place, "appraisals"), ..context! { appraisals => rows, can_edit_appraisals => permits(current.user(), Action::EditDocument("appraisal")) } },
    ))
}

async fn appraisal(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = place_document(&state, &place.id, &doc, "appraisal", path).await?;
    let a = domain::appraisal(&d.meta.id, &d.content, state.data)
        .map_err(|e| error_response(&state, path, StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    let (head, sections) = crate::appraisal_edit::report_html(&state, &d.meta.id, &d.content, &a)
        .map_err(|e| internal(&state, path, e))?;
    Ok(render(
        &state,
        "report.html",
        context! { ..base(&current, &place, "appraisals"), ..context! {
            doc => head,
            sections_html => sections,
            downloads => format!("/api/places/{}/appraisals/{doc}", place.id),
            spreadsheet => spreadsheet_links(&format!("/p/{}/download/appraisal/{doc}", place.id), None),
            appraisal_links => context! {
                edit => permits(current.user(), Action::EditDocument("appraisal")).then(|| format!("/p/{}/appraisals/{doc}/edit", place.id)),
                simulation => format!("/p/{}/appraisals/{doc}/simulation", place.id),
                compare => format!("/p/{}/appraisals/{doc}/compare", place.id),
            },
        } },
    ))
}

async fn document(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = state
        .store
        .document(&place.id, &doc)
        .await
        .map_err(|e| internal(&state, path, e))?
        .ok_or_else(|| not_found(&state, path))?;
    Ok(render(
        &state,
        "document.html",
        context! { ..base(&current, &place, "overview"), ..context! { doc => d } },
    ))
}

// ── partners ─────────────────────────────────────────────────────────

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub(crate) struct ContactForm {
    pub contact_name: String,
    pub contact_email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn partner_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, partner)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let p = state
        .store
        .partner(&place.id, &partner)
        .await
        .map_err(|e| internal(&state, path, e))?
        .ok_or_else(|| not_found(&state, path))?;
    let form = ContactForm {
        contact_name: p.contact_name.clone(),
        contact_email: p.contact_email.clone(),
    };
    Ok(render(
        &state,
        "partner.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            partner => p,
            form => form,
            can_edit => permits(current.user(), Action::EditPartner(&partner)),
            saved => q.saved.is_some(),
            field_errors => BTreeMap::<String, String>::new(),
        } },
    ))
}

/// The checks before changing a partner, in the order that keeps other
/// places' ids unprobeable: another place (or an unknown partner) is 404,
/// then the role is checked (403 with an audit entry).
pub(crate) async fn partner_for_edit(
    state: &AppState,
    current: &Current,
    place: &str,
    partner: &str,
    method: &Method,
    path: &str,
) -> Result<(Place, oneplace_store::Partner), Response> {
    let place = user_place(state, current, place, path).await?;
    let p = state
        .store
        .partner(&place.id, partner)
        .await
        .map_err(|e| internal(state, path, e))?
        .ok_or_else(|| not_found(state, path))?;
    require(state, current, Action::EditPartner(partner), method, path).await?;
    Ok((place, p))
}

async fn partner_update(
    State(state): State<AppState>,
    current: Current,
    Path((place, partner)): Path<(String, String)>,
    req: Request,
) -> Page {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let (place, p) = partner_for_edit(&state, &current, &place, &partner, &method, &path).await?;
    let Form(form): Form<ContactForm> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
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
        Ok(_) => Ok(Redirect::to(&format!("{path}?saved=1")).into_response()),
        Err(StoreError::Invalid { field, message }) => {
            let mut field_errors = BTreeMap::new();
            field_errors.insert(field.to_string(), message.clone());
            Ok(render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "partner.html",
                context! { ..base(&current, &place, "overview"), ..context! {
                    partner => p,
                    form => form,
                    can_edit => true,
                    errors => vec![context! { field => field, message => message }],
                    field_errors => field_errors,
                } },
            ))
        }
        Err(e) => Err(internal(&state, &path, e)),
    }
}

// ── the audit log ────────────────────────────────────────────────────

/// `YYYY-MM-DD HH:MM:SS` (UTC) for Unix seconds.
pub(crate) fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn audit_page(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    require(&state, &current, Action::ReadAudit, req.method(), path).await?;
    let entries = state
        .store
        .audit_entries(Some(&place.id), 200)
        .await
        .map_err(|e| internal(&state, path, e))?;
    let verdict = match state
        .store
        .verify_audit()
        .await
        .map_err(|e| internal(&state, path, e))?
    {
        Ok(n) => format!("The audit log is intact: all {n} entries are chained."),
        Err(b) => format!("The audit log has been tampered with: {b}."),
    };
    let entries: Vec<minijinja::Value> = entries
        .iter()
        .map(|e| {
            context! { seq => e.seq, time => utc(e.at), actor => e.actor, action => e.action, target => e.target, detail => e.detail }
        })
        .collect();
    Ok(render(
        &state,
        "audit.html",
        context! { ..base(&current, &place, "audit"), ..context! { entries => entries, verdict => verdict } },
    ))
}

// ── the Unit Cost Database ───────────────────────────────────────────

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SearchQuery {
    pub q: String,
    pub limit: Option<usize>,
}

/// The entries matching every word, and how many there are.
pub(crate) fn ucd_search<'a>(
    state: &'a AppState,
    q: &str,
    limit: usize,
) -> (usize, Vec<&'a UnitCost>) {
    let words: Vec<&str> = q.split_whitespace().collect();
    if words.is_empty() {
        return (0, Vec::new());
    }
    let hits = state.data.unit_costs.search(&words);
    (hits.len(), hits.into_iter().take(limit).collect())
}

/// An entry's value of one kind uprated to the database's price year.
pub(crate) fn uprated(state: &AppState, e: &UnitCost, kind: ValueKind) -> Option<f64> {
    match e.uprated(
        kind,
        state.data.default_deflators(),
        state.data.unit_cost_price_year,
    ) {
        Some(Ok(v)) => Some(v),
        _ => None,
    }
}

async fn ucd(
    State(state): State<AppState>,
    current: Current,
    Query(q): Query<SearchQuery>,
    req: Request,
) -> Page {
    let path = req.uri().path();
    let place_id = current.user().place_id.clone();
    let place = user_place(&state, &current, &place_id, path).await?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let (matches, shown) = ucd_search(&state, &q.q, limit);
    let money = |v: Option<f64>| v.map_or_else(String::new, |v| Cell::Pounds(v).to_string());
    let entries: Vec<minijinja::Value> = shown
        .iter()
        .map(|e| {
            context! {
                code => e.code,
                description => e.title(),
                unit => e.unit,
                agency => e.agency_level1.as_deref().unwrap_or(""),
                fiscal => money(uprated(&state, e, ValueKind::Fiscal)),
                economic => money(uprated(&state, e, ValueKind::Economic)),
                social => money(uprated(&state, e, ValueKind::Social)),
            }
        })
        .collect();
    Ok(render(
        &state,
        "ucd.html",
        context! { ..base(&current, &place, "ucd"), ..context! {
            q => q.q,
            matches => matches,
            shown => entries.len(),
            entries => entries,
            price_year => state.data.unit_cost_price_year.to_string(),
        } },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(super::utc(1_764_374_400 + 3_661), "2025-11-29 01:01:01");
    }
}
