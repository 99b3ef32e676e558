//! Administering a place: its users (administrators only) and its
//! documents (journals, appraisal models, agreements, mappings, plans),
//! each checked by its domain reader before it is saved, with the reader's
//! own messages (file, line and column) when it is wrong.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use minijinja::context;
use oneplace_ledger::Ledger;
use oneplace_store::{NewDocument, NewUser, Place, Role, StoreError, random_token};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{Action, Current, require};
use crate::pages::{base, user_place};
use crate::{AppState, Routes, domain, error_response, now, render_status};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/users", get(users_page))
        .add("POST", "/p/{place}/users", post(users_create))
        .add("GET", "/api/places/{place}/users", get(users_api))
        .add("POST", "/api/places/{place}/users", post(users_create_api))
        .add(
            "POST",
            "/p/{place}/users/{username}/access",
            post(user_access),
        )
        .add(
            "POST",
            "/api/places/{place}/users/{username}/access",
            post(user_access_api),
        )
        .add("GET", "/account", get(account_page))
        .add("POST", "/account/password", post(account_password))
        .add("GET", "/p/{place}/documents-new", get(document_form))
        .add("POST", "/p/{place}/documents", post(document_save))
        .add(
            "POST",
            "/api/places/{place}/documents",
            post(document_save_api),
        )
}

fn internal(state: &AppState, path: &str, e: impl std::fmt::Display) -> Response {
    error_response(
        state,
        path,
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
    )
}

// ── users ────────────────────────────────────────────────────────────

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub(crate) struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// Empty: none.
    pub partner: String,
}

/// A new user with a generated password (shown once), or the field that
/// is wrong.
async fn create_user(
    state: &AppState,
    current: &Current,
    place: &Place,
    form: &UserForm,
) -> Result<Result<(oneplace_store::User, String), (String, String)>, StoreError> {
    let role: Role = match form.role.parse() {
        Ok(r) => r,
        Err(e) => return Ok(Err(("role".into(), e))),
    };
    if form.display_name.trim().is_empty() {
        return Ok(Err((
            "display_name".into(),
            "give the person's name".into(),
        )));
    }
    let password = random_token(8);
    let partner = Some(form.partner.trim()).filter(|p| !p.is_empty());
    let new = NewUser {
        username: form.username.trim(),
        display_name: form.display_name.trim(),
        password: &password,
        role,
        place_id: &place.id,
        partner_id: partner,
    };
    match state
        .store
        .create_user(&new, &current.user().username, now())
        .await
    {
        Ok(u) => Ok(Ok((u, password))),
        Err(StoreError::Invalid { field, message }) => Ok(Err((field.to_string(), message))),
        // A taken user name is the only constraint the database checks.
        Err(StoreError::Database(_))
            if state
                .store
                .user_by_name(form.username.trim())
                .await?
                .is_some() =>
        {
            Ok(Err((
                "username".into(),
                format!("'{}' is taken", form.username.trim()),
            )))
        }
        Err(e) => Err(e),
    }
}

fn roles() -> Vec<minijinja::Value> {
    Role::ALL
        .iter()
        .map(|r| context! { id => r.as_str(), label => r.label() })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn users_view(
    state: &AppState,
    current: &Current,
    place: &Place,
    path: &str,
    status: StatusCode,
    form: &UserForm,
    error: Option<(String, String)>,
    created: Option<(String, String)>,
) -> Result<Response, Response> {
    let users = state
        .store
        .users(&place.id)
        .await
        .map_err(|e| internal(state, path, e))?;
    let partners = state
        .store
        .partners(&place.id)
        .await
        .map_err(|e| internal(state, path, e))?;
    let mut field_errors = BTreeMap::new();
    if let Some((f, m)) = &error {
        field_errors.insert(f.clone(), m.clone());
    }
    Ok(render_status(
        state,
        status,
        "users.html",
        context! { ..base(current, place, "users"), ..context! {
            users => users.iter().map(|u| context! {
                username => u.username, display_name => u.display_name,
                role => u.role.label(), partner => u.partner_id, disabled => u.disabled,
                is_me => u.id == current.user().id,
            }).collect::<Vec<_>>(),
            partners => partners,
            roles => roles(),
            form => form,
            errors => error.map(|(field, message)| vec![context! { field => field, message => message }]),
            field_errors => field_errors,
            created => created.map(|(username, password)| context! { username => username, password => password }),
        } },
    ))
}

async fn users_page(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    require(&state, &current, Action::ManageUsers, req.method(), path).await?;
    let form = UserForm {
        role: "viewer".into(),
        ..UserForm::default()
    };
    users_view(
        &state,
        &current,
        &place,
        path,
        StatusCode::OK,
        &form,
        None,
        None,
    )
    .await
}

async fn users_create(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let place = user_place(&state, &current, &place, &path).await?;
    require(&state, &current, Action::ManageUsers, &Method::POST, &path).await?;
    let Form(form): Form<UserForm> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    match create_user(&state, &current, &place, &form)
        .await
        .map_err(|e| internal(&state, &path, e))?
    {
        Ok((user, password)) => {
            let empty = UserForm {
                role: "viewer".into(),
                ..UserForm::default()
            };
            users_view(
                &state,
                &current,
                &place,
                &path,
                StatusCode::OK,
                &empty,
                None,
                Some((user.username, password)),
            )
            .await
        }
        Err(problem) => {
            users_view(
                &state,
                &current,
                &place,
                &path,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                Some(problem),
                None,
            )
            .await
        }
    }
}

async fn users_api(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    require(&state, &current, Action::ManageUsers, req.method(), path).await?;
    let users = state
        .store
        .users(&place.id)
        .await
        .map_err(|e| internal(&state, path, e))?;
    Ok(Json(json!({"users": users})).into_response())
}

async fn users_create_api(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let place = user_place(&state, &current, &place, &path).await?;
    require(&state, &current, Action::ManageUsers, &Method::POST, &path).await?;
    let Json(form): Json<UserForm> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    match create_user(&state, &current, &place, &form)
        .await
        .map_err(|e| internal(&state, &path, e))?
    {
        Ok((user, password)) => Ok((
            StatusCode::CREATED,
            Json(json!({"user": user, "password": password})),
        )
            .into_response()),
        Err((field, message)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": format!("{field}: {message}"), "field": field})),
        )
            .into_response()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AccessForm {
    /// "1" (or true) to disable, "0" to enable.
    disabled: String,
}

#[derive(Deserialize)]
struct AccessJson {
    disabled: bool,
}

/// Disables or enables a user of the place (administrators; not oneself,
/// so a place is never left without its administrator by mistake).
async fn set_access(
    state: &AppState,
    current: &Current,
    place: &str,
    username: &str,
    disabled: bool,
    method: &Method,
    path: &str,
) -> Result<Result<oneplace_store::User, String>, Response> {
    let place = user_place(state, current, place, path).await?;
    match state
        .store
        .user_by_name(username)
        .await
        .map_err(|e| internal(state, path, e))?
    {
        Some(u) if u.place_id == place.id => {}
        _ => {
            return Err(error_response(
                state,
                path,
                StatusCode::NOT_FOUND,
                "no such user",
            ));
        }
    }
    require(state, current, Action::ManageUsers, method, path).await?;
    if username == current.user().username {
        return Ok(Err(
            "you cannot disable yourself: ask another administrator".into(),
        ));
    }
    state
        .store
        .set_disabled(
            &place.id,
            username,
            disabled,
            &current.user().username,
            now(),
        )
        .await
        .map(Ok)
        .map_err(|e| internal(state, path, e))
}

async fn user_access(
    State(state): State<AppState>,
    current: Current,
    Path((place, username)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let Form(form): Form<AccessForm> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let disabled = matches!(form.disabled.as_str(), "1" | "true");
    match set_access(
        &state,
        &current,
        &place,
        &username,
        disabled,
        &Method::POST,
        &path,
    )
    .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/p/{place}/users")).into_response()),
        Err(message) => Err(error_response(
            &state,
            &path,
            StatusCode::UNPROCESSABLE_ENTITY,
            &message,
        )),
    }
}

async fn user_access_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, username)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let Json(j): Json<AccessJson> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    match set_access(
        &state,
        &current,
        &place,
        &username,
        j.disabled,
        &Method::POST,
        &path,
    )
    .await?
    {
        Ok(u) => Ok(Json(json!({"user": u})).into_response()),
        Err(message) => Err(error_response(
            &state,
            &path,
            StatusCode::UNPROCESSABLE_ENTITY,
            &message,
        )),
    }
}

// ── documents ────────────────────────────────────────────────────────

/// The kinds a document may be given here: those with a reader to check
/// them against the place.
pub const CHECKED_KINDS: [&str; 7] = [
    "journal",
    "appraisal",
    "agreement",
    "mapping",
    "plan",
    "estate",
    "register",
];

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub(crate) struct DocumentForm {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub content: String,
}

/// The place's ledger from its journals, leaving out one (the journal
/// being replaced).
async fn ledger_without(
    state: &AppState,
    place: &str,
    except: Option<&str>,
) -> Result<Option<Ledger>, String> {
    let metas = state
        .store
        .documents(place, Some("journal"))
        .await
        .map_err(|e| e.to_string())?;
    let mut texts = Vec::new();
    for m in metas.iter().filter(|m| Some(m.id.as_str()) != except) {
        if let Some(d) = state
            .store
            .document(place, &m.id)
            .await
            .map_err(|e| e.to_string())?
        {
            texts.push((m.id.clone(), d.content));
        }
    }
    if texts.is_empty() {
        return Ok(None);
    }
    let journals: Vec<oneplace_ledger::Journal> = texts
        .iter()
        .map(|(name, text)| oneplace_ledger::Journal { name, text })
        .collect();
    oneplace_ledger::load(&journals)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Checks a document with its reader; `Ok(owner partner)` or the field and
/// the reader's messages. Journals bring their partners with them.
async fn check_document(
    state: &AppState,
    place: &Place,
    form: &DocumentForm,
) -> Result<Result<(Option<String>, Vec<(String, String, String)>), (String, String)>, String> {
    let id = form.id.trim();
    let ledger_needed = |ledger: Option<Ledger>| {
        ledger.ok_or_else(|| {
            (
                "kind".to_string(),
                format!(
                    "a {} is checked against the place's pool: add its journal first",
                    form.kind
                ),
            )
        })
    };
    Ok(match form.kind.as_str() {
        "journal" => match domain::ledger(id, &form.content) {
            Err(e) => Err(("content".into(), e)),
            Ok(l) => match &l.place {
                Some(p) if p.id != place.id => Err((
                    "content".into(),
                    format!(
                        "this journal is for the place '{}', not '{}'",
                        p.id, place.id
                    ),
                )),
                _ => Ok((
                    None,
                    l.partners
                        .iter()
                        .map(|p| (p.id.clone(), p.name.clone(), p.kind.clone()))
                        .collect(),
                )),
            },
        },
        "appraisal" => domain::appraisal(id, &form.content, state.data)
            .map(|_| (None, Vec::new()))
            .map_err(|e| ("content".into(), e)),
        "agreement" => match ledger_needed(ledger_without(state, &place.id, None).await?) {
            Err(e) => Err(e),
            Ok(l) => oneplace_ledger::settle::parse_agreement(id, &form.content, &l)
                .map(|_| (None, Vec::new()))
                .map_err(|e| ("content".into(), e.to_string())),
        },
        "mapping" => match ledger_needed(ledger_without(state, &place.id, None).await?) {
            Err(e) => Err(e),
            Ok(l) => oneplace_ledger::import::parse_mapping(id, &form.content, &l)
                .map(|m| (Some(m.partner), Vec::new()))
                .map_err(|e| ("content".into(), e.to_string())),
        },
        "plan" => match ledger_needed(ledger_without(state, &place.id, None).await?) {
            Err(e) => Err(e),
            Ok(l) => oneplace_ledger::contributions::parse_plan(id, &form.content, &l)
                .map(|_| (None, Vec::new()))
                .map_err(|e| ("content".into(), e.to_string())),
        },
        "estate" => oneplace_estate::read_place(id, &form.content)
            .map(|_| (None, Vec::new()))
            .map_err(|e| ("content".into(), e.to_string())),
        "register" => match crate::estate_pages::estate_file(state, &place.id).await? {
            None => Err((
                "kind".into(),
                "a register is checked against the place's estate file: add it first".into(),
            )),
            Some(p) => oneplace_estate::read_register(&p, id, &form.content)
                .map(|_| (None, Vec::new()))
                .map_err(|e| ("content".into(), e.to_string())),
        },
        other => Err((
            "kind".into(),
            format!(
                "'{other}' cannot be added here: choose one of {}",
                CHECKED_KINDS.join(", ")
            ),
        )),
    })
}

/// Checks, saves (partners of a journal first), and records. `Err` is the
/// field and message to show; nothing is saved then.
async fn save_document(
    state: &AppState,
    current: &Current,
    place: &Place,
    form: &DocumentForm,
    path: &str,
) -> Result<Result<(), (String, String)>, Response> {
    if let Err(e) = oneplace_store::check_id("id", form.id.trim()) {
        return Ok(Err((
            "id".into(),
            e.to_string().trim_start_matches("id: ").to_string(),
        )));
    }
    if form.title.trim().is_empty() {
        return Ok(Err(("title".into(), "give the document a title".into())));
    }
    if let Some(existing) = state
        .store
        .document(&place.id, form.id.trim())
        .await
        .map_err(|e| internal(state, path, e))?
        && existing.meta.kind != form.kind
    {
        return Ok(Err((
            "id".into(),
            format!(
                "'{}' is already a {}: choose another id",
                form.id.trim(),
                existing.meta.kind
            ),
        )));
    }
    let (owner, partners) = match check_document(state, place, form)
        .await
        .map_err(|e| internal(state, path, e))?
    {
        Ok(x) => x,
        Err(problem) => return Ok(Err(problem)),
    };
    let actor = &current.user().username;
    let t = now();
    for (id, name, kind) in partners {
        if state
            .store
            .partner(&place.id, &id)
            .await
            .map_err(|e| internal(state, path, e))?
            .is_none()
        {
            state
                .store
                .create_partner(&place.id, &id, &name, &kind, actor, t)
                .await
                .map_err(|e| internal(state, path, e))?;
        }
    }
    let doc = NewDocument {
        id: form.id.trim(),
        kind: &form.kind,
        title: form.title.trim(),
        owner_partner: owner.as_deref(),
        content: &form.content,
    };
    match state.store.put_document(&place.id, &doc, actor, t).await {
        Ok(()) => Ok(Ok(())),
        Err(StoreError::Invalid { field, message }) => Ok(Err((field.to_string(), message))),
        Err(e) => Err(internal(state, path, e)),
    }
}

fn kinds() -> Vec<&'static str> {
    CHECKED_KINDS.to_vec()
}

fn document_view(
    state: &AppState,
    current: &Current,
    place: &Place,
    status: StatusCode,
    form: &DocumentForm,
    error: Option<(String, String)>,
) -> Response {
    let mut field_errors = BTreeMap::new();
    if let Some((f, m)) = &error {
        field_errors.insert(f.clone(), m.clone());
    }
    render_status(
        state,
        status,
        "document_form.html",
        context! { ..base(current, place, "overview"), ..context! {
            kinds => kinds(),
            form => form,
            errors => error.map(|(field, message)| vec![context! { field => field, message => message }]),
            field_errors => field_errors,
        } },
    )
}

async fn document_form(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    require(&state, &current, Action::EditDocuments, req.method(), path).await?;
    let form = DocumentForm {
        kind: "appraisal".into(),
        ..DocumentForm::default()
    };
    Ok(document_view(
        &state,
        &current,
        &place,
        StatusCode::OK,
        &form,
        None,
    ))
}

async fn document_save(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let place = user_place(&state, &current, &place, &path).await?;
    let Form(form): Form<DocumentForm> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    require(
        &state,
        &current,
        Action::EditDocument(&form.kind),
        &Method::POST,
        &path,
    )
    .await?;
    match save_document(&state, &current, &place, &form, &path).await? {
        Ok(()) => Ok(
            Redirect::to(&format!("/p/{}/documents/{}", place.id, form.id.trim())).into_response(),
        ),
        Err(problem) => Ok(document_view(
            &state,
            &current,
            &place,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            Some(problem),
        )),
    }
}

async fn document_save_api(
    State(state): State<AppState>,
    current: Current,
    Path(place): Path<String>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let place = user_place(&state, &current, &place, &path).await?;
    let Json(form): Json<DocumentForm> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    require(
        &state,
        &current,
        Action::EditDocument(&form.kind),
        &Method::POST,
        &path,
    )
    .await?;
    match save_document(&state, &current, &place, &form, &path).await? {
        Ok(()) => {
            let saved = state
                .store
                .document(&place.id, form.id.trim())
                .await
                .map_err(|e| internal(&state, &path, e))?;
            Ok((
                StatusCode::CREATED,
                Json(json!({"document": saved.map(|d| d.meta)})),
            )
                .into_response())
        }
        Err((field, message)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": format!("{field}: {message}"), "field": field})),
        )
            .into_response()),
    }
}

// ── the user's own account ───────────────────────────────────────────

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn account_view(
    state: &AppState,
    current: &Current,
    status: StatusCode,
    error: Option<(String, String)>,
    saved: bool,
) -> Result<Response, Response> {
    let place_id = current.user().place_id.clone();
    let place = user_place(state, current, &place_id, "/account").await?;
    let mut field_errors = BTreeMap::new();
    if let Some((f, m)) = &error {
        field_errors.insert(f.clone(), m.clone());
    }
    Ok(render_status(
        state,
        status,
        "account.html",
        context! { ..base(current, &place, "account"), ..context! {
            errors => error.map(|(field, message)| vec![context! { field => field, message => message }]),
            field_errors => field_errors,
            saved => saved,
        } },
    ))
}

async fn account_page(
    State(state): State<AppState>,
    current: Current,
) -> Result<Response, Response> {
    account_view(&state, &current, StatusCode::OK, None, false).await
}

async fn account_password(
    State(state): State<AppState>,
    current: Current,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Response> {
    if form.new_password != form.confirm_password {
        return account_view(
            &state,
            &current,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((
                "confirm_password".into(),
                "the two new passwords differ".into(),
            )),
            false,
        )
        .await;
    }
    match state
        .store
        .change_password(
            current.user(),
            &form.current_password,
            &form.new_password,
            &current.token,
            now(),
        )
        .await
    {
        Ok(()) => account_view(&state, &current, StatusCode::OK, None, true).await,
        Err(StoreError::Invalid { field, message }) => {
            account_view(
                &state,
                &current,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((field.to_string(), message)),
                false,
            )
            .await
        }
        Err(e) => Err(internal(&state, "/account/password", e)),
    }
}
