//! The oneplace web application: server-rendered pages and a JSON API over
//! the domain crates, on an [`oneplace_store::Store`].
//!
//! * [`router`] builds the whole application (pages, `/api`, security
//!   headers, the session and CSRF guard); [`serve`] binds and runs it.
//! * Pages are minijinja templates embedded in the binary; a domain
//!   report's `Document` is shown as accessible HTML tables.
//! * Figures come from the domain crates' reports (see [`domain`]); the
//!   server never computes one itself.
//! * [`demo`] seeds the fictional Northshire (and Westmere) from the
//!   examples, which are embedded so the binary works anywhere.

// Handlers and their helpers return `Result<_, Response>`: the error is the
// response to send (axum's idiom), built once per request, so its size
// does not matter.
#![allow(clippy::result_large_err)]

mod admin;
pub mod api;
mod appraisal_edit;
pub mod auth;
mod contributions;
mod deal;
pub mod demo;
pub mod domain;
mod drilldown;
mod estate_pages;
mod import;
mod measure_pages;
pub mod openapi;
pub mod pages;
mod readiness_pages;
mod reports;
pub mod run;
pub mod simulation;
mod templates;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::MethodRouter;
use oneplace_refdata::ReferenceData;
use oneplace_store::Store;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// The largest request body accepted (uploads included).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub data: &'static ReferenceData,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Simulations running or run, by appraisal.
    pub simulations: Arc<simulation::Runs>,
}

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState {
            store,
            data: ReferenceData::embedded(),
            templates: Arc::new(templates::environment()),
            secure_cookies,
            simulations: Arc::default(),
        }
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Renders a template, or a plain 500 if the template fails (a bug).
pub fn render(state: &AppState, name: &str, ctx: minijinja::Value) -> Response {
    render_status(state, StatusCode::OK, name, ctx)
}

pub fn render_status(
    state: &AppState,
    status: StatusCode,
    name: &str,
    ctx: minijinja::Value,
) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: template {name}: {e}"),
        )
            .into_response(),
    }
}

/// An error as the client expects it: JSON `{"error": …}` under `/api`,
/// a page otherwise.
pub fn error_response(state: &AppState, path: &str, status: StatusCode, message: &str) -> Response {
    if auth::is_api(path) {
        (status, axum::Json(serde_json::json!({"error": message}))).into_response()
    } else {
        render_status(
            state,
            status,
            "error.html",
            minijinja::context! {
                status => status.as_u16(),
                reason => status.canonical_reason().unwrap_or(""),
                message => message,
            },
        )
    }
}

/// Every route of the application, built and listed together so that the
/// list (which the OpenAPI document is checked against) cannot drift from
/// what is served.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.list.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }
}

fn routes() -> Routes {
    let r = pages::routes(Routes::new());
    let r = reports::routes(import::routes(api::routes(r)));
    let r = measure_pages::routes(contributions::routes(drilldown::routes(r)));
    let r = estate_pages::routes(readiness_pages::routes(r));
    let r = deal::routes(admin::routes(r));
    simulation::routes(appraisal_edit::routes(r))
}

/// `(method, path)` of every route, pages and API.
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    routes().list
}

/// The application.
pub fn router(state: AppState) -> Router {
    let header = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    routes()
        .router
        .fallback(|axum::extract::State(state): axum::extract::State<AppState>, uri: axum::http::Uri| async move {
            error_response(&state, uri.path(), StatusCode::NOT_FOUND, "no such page")
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::guard))
        .layer(axum::middleware::from_fn(log_request))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::CACHE_CONTROL, "no-store"))
        .with_state(state)
}

/// Logs each request once it is answered: method, path (never the query
/// string or body), status, time taken and the user. Cookies, tokens and
/// passwords never reach the log.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let user = response
        .extensions()
        .get::<auth::Actor>()
        .map_or("-", |a| a.0.as_str());
    tracing::info!(
        "{method} {path} {} {:.1}ms {user}",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// Serves the application on a bound listener until Ctrl-C.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
