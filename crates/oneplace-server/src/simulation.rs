//! Monte Carlo simulation of an appraisal from the web: a run (draws N,
//! seed S) goes on a background thread, its progress is a JSON status the
//! page polls (or a refresh link without JavaScript), and its statistics
//! and histogram are shown when it ends.
//!
//! Runs are held in memory, one per appraisal at a time, the latest kept
//! per appraisal until the server stops; the figures depend only on the
//! model, N and S (the engine's seeded blocks), so a lost run is re-made
//! exactly by running it again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json};
use minijinja::context;
use oneplace_appraise::uncertainty::simulate::{self, Options, SimulationReport};
use oneplace_report::Cell;
use oneplace_store::{AuditEntry, Place, StoredDocument, sha256_hex};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::appraisal_edit::for_edit;
use crate::auth::{Action, Current, permits};
use crate::pages::{base, place_document, user_place};
use crate::{AppState, Routes, error_response, now, render_status};

/// The most draws a run from the web may ask for: a run of this size
/// takes about a second and some 20 MB on one core.
pub const MAX_DRAWS: usize = 200_000;

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/appraisals/{doc}/simulation", get(page))
        .add(
            "POST",
            "/p/{place}/appraisals/{doc}/simulation",
            axum::routing::post(start_page),
        )
        .add(
            "GET",
            "/api/places/{place}/appraisals/{doc}/simulation",
            get(status_api),
        )
        .add(
            "POST",
            "/api/places/{place}/appraisals/{doc}/simulation",
            axum::routing::post(start_api),
        )
        .add("GET", "/static/simulation.js", get(script))
}

/// One run.
pub struct Job {
    pub draws: usize,
    pub seed: u64,
    pub by: String,
    pub started_at: i64,
    /// The SHA-256 of the model text simulated.
    pub version: String,
    pub done: AtomicUsize,
    pub finished: AtomicBool,
    pub result: Mutex<Option<Result<SimulationReport, String>>>,
    stop: AtomicBool,
}

/// The runs, by place and appraisal.
#[derive(Default)]
pub struct Runs {
    jobs: Mutex<HashMap<(String, String), Arc<Job>>>,
}

impl Runs {
    fn get(&self, place: &str, doc: &str) -> Option<Arc<Job>> {
        self.jobs
            .lock()
            .expect("the runs' lock")
            .get(&(place.to_string(), doc.to_string()))
            .cloned()
    }

    /// Registers a run unless one is going for the appraisal.
    fn begin(&self, place: &str, doc: &str, job: Job) -> Result<Arc<Job>, Arc<Job>> {
        let mut jobs = self.jobs.lock().expect("the runs' lock");
        let key = (place.to_string(), doc.to_string());
        if let Some(j) = jobs.get(&key)
            && !j.finished.load(Ordering::Acquire)
        {
            return Err(j.clone());
        }
        let job = Arc::new(job);
        jobs.insert(key, job.clone());
        Ok(job)
    }
}

impl Drop for Runs {
    fn drop(&mut self) {
        if let Ok(jobs) = self.jobs.lock() {
            for j in jobs.values() {
                j.stop.store(true, Ordering::Relaxed);
            }
        }
    }
}

fn internal(state: &AppState, path: &str, e: impl std::fmt::Display) -> Response {
    error_response(
        state,
        path,
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
    )
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct RunForm {
    draws: String,
    seed: String,
}

/// The form read: `Ok((draws, seed))` or problems by field.
fn read_form(f: &RunForm) -> Result<(usize, u64), Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let draws = match f.draws.trim().replace([',', '_'], "").parse::<usize>() {
        Ok(n) if (1..=MAX_DRAWS).contains(&n) => Some(n),
        _ => {
            errors.push((
                "draws",
                format!(
                    "'{}' is not a number of draws from 1 to {}",
                    f.draws.trim(),
                    thousands(MAX_DRAWS)
                ),
            ));
            None
        }
    };
    let seed = match f.seed.trim().parse::<u64>() {
        Ok(s) => Some(s),
        Err(_) => {
            errors.push((
                "seed",
                format!(
                    "'{}' is not a seed: a whole number from 0 to {}",
                    f.seed.trim(),
                    u64::MAX
                ),
            ));
            None
        }
    };
    match (draws, seed) {
        (Some(d), Some(s)) if errors.is_empty() => Ok((d, s)),
        _ => Err(errors),
    }
}

/// Why a run could not start.
enum Refused {
    Form(Vec<(&'static str, String)>),
    Busy(Arc<Job>),
    Model(String),
}

/// Checks and starts a run on a blocking thread (one worker thread, so a
/// run leaves a core for the pages).
async fn start(
    state: &AppState,
    current: &Current,
    place: &Place,
    d: &StoredDocument,
    form: &RunForm,
) -> Result<Result<Arc<Job>, Refused>, String> {
    let (draws, seed) = match read_form(form) {
        Ok(x) => x,
        Err(e) => return Ok(Err(Refused::Form(e))),
    };
    let model = match oneplace_appraise::read_toml(&d.meta.id, &d.content, state.data) {
        Ok(m) => m,
        Err(e) => return Ok(Err(Refused::Model(e.to_string()))),
    };
    let job = Job {
        draws,
        seed,
        by: current.user().username.clone(),
        started_at: now(),
        version: sha256_hex(d.content.as_bytes()),
        done: AtomicUsize::new(0),
        finished: AtomicBool::new(false),
        result: Mutex::new(None),
        stop: AtomicBool::new(false),
    };
    let job = match state.simulations.begin(&place.id, &d.meta.id, job) {
        Ok(j) => j,
        Err(busy) => return Ok(Err(Refused::Busy(busy))),
    };
    state
        .store
        .audit(
            &AuditEntry::new(
                &current.user().username,
                "appraisal.simulate",
                &place.id,
                &format!("document:{}", d.meta.id),
                json!({"draws": draws, "seed": seed}),
            ),
            now(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let data = state.data;
    let worker = job.clone();
    tokio::task::spawn_blocking(move || {
        let options = Options {
            draws,
            seed,
            threads: Some(1),
            keep_inputs: false,
        };
        let progress = |n: usize| worker.done.store(n, Ordering::Relaxed);
        let result = simulate::simulate(&model, data, &options, &progress, &worker.stop)
            .map(|run| simulate::report(&model, &run));
        *worker.result.lock().expect("the run's lock") = Some(result);
        worker.finished.store(true, Ordering::Release);
    });
    Ok(Ok(job))
}

fn status_json(job: Option<&Job>, version: &str) -> Value {
    let Some(j) = job else {
        return json!({"state": "none", "max_draws": MAX_DRAWS});
    };
    let finished = j.finished.load(Ordering::Acquire);
    let result = j.result.lock().expect("the run's lock");
    let (state, report, error) = match (finished, result.as_ref()) {
        (true, Some(Ok(r))) => ("done", Some(r), None),
        (true, Some(Err(e))) => ("failed", None, Some(e.clone())),
        _ => ("running", None, None),
    };
    let done = if finished {
        report.map_or(j.done.load(Ordering::Relaxed), |r| r.draws)
    } else {
        j.done.load(Ordering::Relaxed)
    };
    json!({
        "state": state,
        "draws": j.draws,
        "seed": j.seed,
        "done": done,
        "fraction": if j.draws == 0 { 1.0 } else { done as f64 / j.draws as f64 },
        "started_by": j.by,
        "started_at": crate::pages::utc(j.started_at),
        "model_changed_since": j.version != version,
        "max_draws": MAX_DRAWS,
        "error": error,
        "report": report,
    })
}

/// `200000` as `200,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pounds(x: f64) -> String {
    Cell::Pounds(x).to_string()
}

fn ratio(x: f64) -> String {
    if x.is_finite() {
        Cell::Ratio(x).to_string()
    } else {
        "n/a".into()
    }
}

fn percent(x: f64) -> String {
    Cell::Percent(x).to_string()
}

/// The statistics and the histogram for the page.
fn results(r: &SimulationReport, name: &str) -> minijinja::Value {
    use oneplace_appraise::uncertainty::stats::Summary;
    let row = |label: &str, s: &Summary, f: &dyn Fn(f64) -> String| {
        context! {
            label => label,
            mean => f(s.mean),
            p5 => f(s.p5),
            p50 => f(s.p50),
            p95 => f(s.p95),
            below => percent(s.probability_below),
            threshold => f(s.threshold),
        }
    };
    let mut rows = vec![
        row("Net present budget impact", &r.npbi, &pounds),
        row("Financial return on investment", &r.financial_roi, &ratio),
        row("Net present public value", &r.nppv, &pounds),
        row("Public-value return", &r.public_value_roi, &ratio),
    ];
    for a in &r.agencies {
        rows.push(row(&format!("Net: {}", a.agency), &a.net, &pounds));
    }
    let n = &r.nppv;
    let h = oneplace_charts::Histogram {
        title: format!(
            "{name}: net present public value over {} draws{}",
            oneplace_charts::format_count(r.draws as u64),
            if r.partial { " (partial)" } else { "" }
        ),
        x_label: "Net present public value".into(),
        bins: n
            .histogram
            .iter()
            .map(|b| oneplace_charts::Bin {
                low: b.low,
                high: b.high,
                count: b.count,
            })
            .collect(),
        markers: vec![
            oneplace_charts::Marker {
                label: "£0".into(),
                x: 0.0,
            },
            oneplace_charts::Marker {
                label: "P10".into(),
                x: n.p10,
            },
            oneplace_charts::Marker {
                label: "P50".into(),
                x: n.p50,
            },
            oneplace_charts::Marker {
                label: "P90".into(),
                x: n.p90,
            },
        ],
    };
    context! {
        draws => thousands(r.draws),
        seed => r.seed,
        partial => r.partial,
        inputs => r.inputs.len(),
        rows => rows,
        histogram => context! {
            title => h.title,
            description => oneplace_charts::histogram_description(&h),
            svg => minijinja::Value::from_safe_string(oneplace_charts::histogram_svg(&h)),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn view(
    state: &AppState,
    current: &Current,
    place: &Place,
    d: &StoredDocument,
    status: StatusCode,
    form: &RunForm,
    errors: &[(&'static str, String)],
    notice: Option<String>,
) -> Response {
    let job = state.simulations.get(&place.id, &d.meta.id);
    let version = sha256_hex(d.content.as_bytes());
    let s = status_json(job.as_deref(), &version);
    let result = job.as_ref().and_then(|j| {
        j.result
            .lock()
            .expect("the run's lock")
            .as_ref()
            .and_then(|r| r.as_ref().ok().map(|r| results(r, &d.meta.title)))
    });
    let uncertain = oneplace_appraise::read_toml(&d.meta.id, &d.content, state.data)
        .map(|m| m.uncertain.len())
        .unwrap_or(0);
    let field_errors: std::collections::BTreeMap<&str, &String> =
        errors.iter().map(|(f, m)| (*f, m)).collect();
    render_status(
        state,
        status,
        "simulation.html",
        context! { ..base(current, place, "appraisals"), ..context! {
            doc => d.meta,
            can_run => permits(current.user(), Action::EditDocument("appraisal")),
            form => context! { draws => form.draws, seed => form.seed },
            errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
            field_errors => field_errors,
            notice => notice,
            max_draws => thousands(MAX_DRAWS),
            uncertain => uncertain,
            status => s,
            status_url => format!("/api/places/{}/appraisals/{}/simulation", place.id, d.meta.id),
            result => result,
        } },
    )
}

fn default_form() -> RunForm {
    RunForm {
        draws: "10000".into(),
        seed: "1".into(),
    }
}

async fn page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = place_document(&state, &place.id, &doc, "appraisal", path).await?;
    let form = match state.simulations.get(&place.id, &doc) {
        Some(j) => RunForm {
            draws: j.draws.to_string(),
            seed: j.seed.to_string(),
        },
        None => default_form(),
    };
    Ok(view(
        &state,
        &current,
        &place,
        &d,
        StatusCode::OK,
        &form,
        &[],
        None,
    ))
}

async fn start_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let (place, d) = for_edit(&state, &current, &place, &doc, &method, &path).await?;
    let Form(form): Form<RunForm> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    match start(&state, &current, &place, &d, &form)
        .await
        .map_err(|e| internal(&state, &path, e))?
    {
        Ok(_) => Ok(Redirect::to(&path).into_response()),
        Err(Refused::Form(errors)) => Ok(view(
            &state,
            &current,
            &place,
            &d,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &errors,
            None,
        )),
        Err(Refused::Busy(_)) => Ok(view(
            &state,
            &current,
            &place,
            &d,
            StatusCode::CONFLICT,
            &form,
            &[],
            Some("A simulation of this appraisal is already running: its progress is below. Start another when it has finished.".into()),
        )),
        Err(Refused::Model(e)) => Err(error_response(
            &state,
            &path,
            StatusCode::UNPROCESSABLE_ENTITY,
            &e,
        )),
    }
}

async fn status_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = place_document(&state, &place.id, &doc, "appraisal", path).await?;
    let job = state.simulations.get(&place.id, &doc);
    Ok(Json(status_json(
        job.as_deref(),
        &sha256_hex(d.content.as_bytes()),
    ))
    .into_response())
}

#[derive(Deserialize)]
struct RunRequest {
    draws: serde_json::Number,
    seed: serde_json::Number,
}

async fn start_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let (place, d) = for_edit(&state, &current, &place, &doc, &method, &path).await?;
    let Json(r): Json<RunRequest> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let form = RunForm {
        draws: r.draws.to_string(),
        seed: r.seed.to_string(),
    };
    let version = sha256_hex(d.content.as_bytes());
    match start(&state, &current, &place, &d, &form)
        .await
        .map_err(|e| internal(&state, &path, e))?
    {
        Ok(job) => Ok((
            StatusCode::ACCEPTED,
            Json(status_json(Some(&job), &version)),
        )
            .into_response()),
        Err(Refused::Form(errors)) => {
            let (field, message) = &errors[0];
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": format!("{field}: {message}"), "field": field})),
            )
                .into_response())
        }
        Err(Refused::Busy(job)) => Ok((
            StatusCode::CONFLICT,
            Json(json!({
                "error": "a simulation of this appraisal is already running",
                "status": status_json(Some(&job), &version),
            })),
        )
            .into_response()),
        Err(Refused::Model(e)) => Err(error_response(
            &state,
            &path,
            StatusCode::UNPROCESSABLE_ENTITY,
            &e,
        )),
    }
}

/// Polls the status while a run goes on, moving the progress bar, and
/// reloads the page when it ends. Without it, the page's refresh link
/// does the same.
const SCRIPT: &str = r#"(function () {
  var box = document.getElementById("sim-running");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("sim-progress");
  var text = document.getElementById("sim-progress-text");
  function tick() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.done;
        text.textContent = s.done.toLocaleString("en-GB") + " of " + s.draws.toLocaleString("en-GB") + " draws";
        if (s.state === "running") { setTimeout(tick, 300); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 200);
})();
"#;

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_field_by_field() {
        let f = |d: &str, s: &str| {
            read_form(&RunForm {
                draws: d.into(),
                seed: s.into(),
            })
        };
        assert_eq!(f("10,000", "7").unwrap(), (10_000, 7));
        let e = f("0", "x").unwrap_err();
        assert_eq!(
            e.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["draws", "seed"]
        );
        assert!(f(&(MAX_DRAWS + 1).to_string(), "1").is_err());
        assert!(f(&MAX_DRAWS.to_string(), "1").is_ok());
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
