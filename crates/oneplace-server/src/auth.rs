//! Sessions, CSRF and permissions.
//!
//! [`guard`] runs before every handler: it finds the session from the
//! cookie (putting a [`Current`] in the request's extensions) and, for
//! every method that can change something, checks the CSRF token, so no
//! handler can forget to. Handlers then take [`Current`] (which turns an
//! anonymous request away) and call [`require`] with the [`Action`] they are
//! about to do.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use oneplace_store::{AuditEntry, Role, Session, User};

use crate::{AppState, MAX_BODY_BYTES, error_response, now};

/// The session cookie: a random token; the store keeps only its hash.
pub const SESSION_COOKIE: &str = "oneplace_session";
/// The login form's CSRF token, before there is a session (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "oneplace_login_csrf";
/// The header API clients send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The logged-in user of a request.
#[derive(Clone, Debug)]
pub struct Current {
    pub session: Session,
    /// The browser's session token (to end the session at logout).
    pub token: String,
}

impl Current {
    pub fn user(&self) -> &User {
        &self.session.user
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path /, `Secure` when
/// asked for; `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The client's address as the server sees it (never a forwarded header,
/// which the client could write itself).
pub fn client(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `csrf` field of a URL-encoded form (tokens are hex, so the raw
/// value needs no decoding).
fn form_field<'a>(body: &'a [u8], name: &str) -> Option<&'a str> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A text field of a `multipart/form-data` body (a file upload's form),
/// found in the body's first 64 KiB: forms put the token first (browsers
/// send fields in the page's order), so the file after it is not read
/// here.
async fn multipart_field(
    state: &AppState,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
    name: &str,
) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !content_type.starts_with("multipart/form-data") {
        return None;
    }
    // Only the start of the body: the token comes before any file, and a
    // large file after it need not be read (nor count against a limit).
    let start = body.slice(..body.len().min(64 * 1024));
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(start))
        .ok()?;
    let mut form = axum::extract::Multipart::from_request(req, state)
        .await
        .ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Finds the session; checks CSRF on every request that can change
/// something.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut actor = None;
    let mut response = check(state, req, next, &mut actor).await;
    if let Some(actor) = actor {
        response.extensions_mut().insert(actor);
    }
    response
}

/// The user name behind a response, for the request log.
#[derive(Clone, Debug)]
pub struct Actor(pub String);

async fn check(
    state: AppState,
    mut req: Request,
    next: Next,
    actor: &mut Option<Actor>,
) -> Response {
    let now = now();
    let token = cookie(req.headers(), SESSION_COOKIE);
    let session = match &token {
        Some(t) => match state.store.session(t, now).await {
            Ok(s) => s,
            Err(e) => {
                return error_response(
                    &state,
                    req.uri().path(),
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                );
            }
        },
        None => None,
    };
    *actor = session.as_ref().map(|s| Actor(s.user.username.clone()));
    if let (Some(session), Some(token)) = (&session, &token) {
        req.extensions_mut().insert(Current {
            session: session.clone(),
            token: token.clone(),
        });
    }
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    // The JSON login has no session and no form: it must be JSON, which a
    // page on another site cannot send without the browser asking first.
    if path == "/api/session" && req.method() == Method::POST {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return error_response(
                &state,
                &path,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send JSON: {\"username\": …, \"password\": …}",
            );
        }
        return next.run(req).await;
    }
    let expected = if path == "/login" {
        cookie(req.headers(), LOGIN_CSRF_COOKIE)
    } else {
        match &session {
            Some(s) => Some(s.csrf_token.clone()),
            None => return not_logged_in(&state, &path),
        }
    };
    let header_token = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                &state,
                &path,
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request is too large",
            );
        }
    };
    let presented = match header_token {
        Some(t) => Some(t),
        None => match multipart_field(&state, &parts.headers, &bytes, "csrf").await {
            Some(t) => Some(t),
            None => form_field(&bytes, "csrf").map(str::to_string),
        },
    };
    let ok =
        matches!((&expected, &presented), (Some(e), Some(p)) if !e.is_empty() && same_token(e, p));
    if !ok {
        let actor = session
            .as_ref()
            .map_or("anonymous".to_string(), |s| s.user.username.clone());
        let place = session
            .as_ref()
            .map_or(String::new(), |s| s.user.place_id.clone());
        let _ = state
            .store
            .audit(
                &AuditEntry::new(
                    &actor,
                    "csrf.rejected",
                    &place,
                    &format!("route:{} {path}", parts.method),
                    serde_json::json!({"client": client(&parts.extensions)}),
                ),
                now,
            )
            .await;
        return error_response(
            &state,
            &path,
            StatusCode::FORBIDDEN,
            "the form's security token is missing or out of date: reload the page and try again",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn not_logged_in(state: &AppState, path: &str) -> Response {
    if is_api(path) {
        error_response(
            state,
            path,
            StatusCode::UNAUTHORIZED,
            "log in first: POST /api/session",
        )
    } else {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for Current {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Current, Response> {
        parts
            .extensions
            .get::<Current>()
            .cloned()
            .ok_or_else(|| not_logged_in(state, parts.uri.path()))
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Current {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Option<Current>, std::convert::Infallible> {
        Ok(parts.extensions.get::<Current>().cloned())
    }
}

/// What a handler is about to do.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    /// Read the place's shared data (every role).
    Read,
    /// Change a partner's details and data.
    EditPartner(&'a str),
    /// Read the audit log.
    ReadAudit,
    /// Add users to the place.
    ManageUsers,
    /// Open the form for adding documents (some kind may be allowed).
    EditDocuments,
    /// Add or replace a document of a kind.
    EditDocument(&'a str),
}

/// The security model's table (ARCHITECTURE.md, "Security model").
pub fn permits(user: &User, action: Action<'_>) -> bool {
    match action {
        Action::Read => true,
        Action::EditPartner(partner) => match user.role {
            Role::Administrator | Role::PoolManager => true,
            Role::PartnerFinanceLead => user.partner_id.as_deref() == Some(partner),
            Role::Analyst | Role::Viewer => false,
        },
        Action::ReadAudit => matches!(
            user.role,
            Role::Administrator | Role::PoolManager | Role::Viewer
        ),
        Action::ManageUsers => user.role == Role::Administrator,
        Action::EditDocuments => matches!(
            user.role,
            Role::Administrator | Role::PoolManager | Role::Analyst
        ),
        Action::EditDocument(kind) => match user.role {
            Role::Administrator | Role::PoolManager => true,
            Role::Analyst => kind == "appraisal",
            Role::PartnerFinanceLead | Role::Viewer => false,
        },
    }
}

/// `Ok` if the user may do `action`; otherwise 403, with an audit entry
/// naming the user, the route and the action.
pub async fn require(
    state: &AppState,
    current: &Current,
    action: Action<'_>,
    method: &Method,
    path: &str,
) -> Result<(), Response> {
    let user = current.user();
    if permits(user, action) {
        return Ok(());
    }
    let _ = state
        .store
        .audit(
            &AuditEntry::new(
                &user.username,
                "access.denied",
                &user.place_id,
                &format!("route:{method} {path}"),
                serde_json::json!({"role": user.role.as_str(), "action": format!("{action:?}")}),
            ),
            now(),
        )
        .await;
    Err(error_response(
        state,
        path,
        StatusCode::FORBIDDEN,
        &format!(
            "your role ({}) does not allow this{}",
            user.role.label(),
            match (action, &user.partner_id) {
                (Action::EditPartner(_), Some(p)) => format!(": you may change {p}'s details only"),
                _ => String::new(),
            }
        ),
    ))
}

/// A place in the URL that is not the user's is not found (never
/// "forbidden", so that other places' ids cannot be probed).
pub fn same_place(
    state: &AppState,
    current: &Current,
    place: &str,
    path: &str,
) -> Result<(), Response> {
    if current.user().place_id == place {
        Ok(())
    } else {
        Err(error_response(
            state,
            path,
            StatusCode::NOT_FOUND,
            "no such page",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; oneplace_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abcd", "abcd"));
        assert!(!same_token("abcd", "abce"));
        assert!(!same_token("abcd", "abc"));
    }

    #[test]
    fn form_fields_are_found() {
        assert_eq!(form_field(b"a=1&csrf=ff00&b=2", "csrf"), Some("ff00"));
        assert_eq!(form_field(b"a=1", "csrf"), None);
    }
}
