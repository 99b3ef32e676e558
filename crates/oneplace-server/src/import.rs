//! Posting a partner's general-ledger extract to a pool: upload the CSV
//! file (`multipart/form-data`, at most [`MAX_EXTRACT_BYTES`]) or paste it,
//! choose the partner's mapping, see what it would post (or every row's
//! problem), then confirm. The ledger crate does the reading and checking
//! (`import::parse_mapping`, `import::import`); the journal document grows
//! by the transactions it writes, and the change is on the record.
//!
//! Who may post: the pool manager, an administrator, or the finance lead of
//! the partner the mapping belongs to. Order of checks: another place or
//! an unknown journal or mapping is 404; then the role (403 and an audit
//! entry); then the extract (422 with every problem, nothing saved).

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use minijinja::context;
use oneplace_ledger::import::{ImportOutcome, Mapping, import, parse_mapping};
use oneplace_store::{AuditEntry, DocumentMeta, NewDocument, Place};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Action, Current, require};
use crate::pages::{base, place_document, user_place};
use crate::{AppState, Routes, domain, error_response, now, render_status};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/ledger/{doc}/import", get(import_page))
        .add(
            "POST",
            "/p/{place}/ledger/{doc}/import",
            // The file's own limit is checked as it is read, with a clear
            // message; the request as a whole is bounded by MAX_BODY_BYTES.
            post(import_submit).layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES)),
        )
        .add(
            "POST",
            "/api/places/{place}/ledger/{doc}/import",
            post(import_api),
        )
}

/// The largest extract file accepted: 4 MiB (some 40,000 rows).
pub const MAX_EXTRACT_BYTES: usize = 4 * 1024 * 1024;

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub(crate) struct ImportForm {
    pub mapping: String,
    pub csv: String,
    /// Present (any value) to post; absent to preview.
    pub confirm: Option<String>,
    /// The uploaded file's name, when the extract came as a file.
    #[serde(skip_deserializing)]
    pub file_name: Option<String>,
}

/// Why an uploaded form could not be read.
enum UploadError {
    /// The file is over [`MAX_EXTRACT_BYTES`].
    TooLarge,
    /// Anything else: the message to show.
    Bad(String),
}

/// The import form sent as `multipart/form-data`: the fields, with the
/// file `extract` (when one was chosen) taking the place of pasted text.
async fn read_multipart(mut mp: Multipart) -> Result<ImportForm, UploadError> {
    let mut form = ImportForm::default();
    let too_large = |e: &axum::extract::multipart::MultipartError| {
        e.status() == StatusCode::PAYLOAD_TOO_LARGE || e.body_text().contains("limit")
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
            Err(e) => return Err(UploadError::Bad(e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let mut field = field;
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    bytes.extend_from_slice(&c);
                    if bytes.len() > MAX_EXTRACT_BYTES {
                        return Err(UploadError::TooLarge);
                    }
                }
                Ok(None) => break,
                Err(e) if too_large(&e) => return Err(UploadError::TooLarge),
                Err(e) => return Err(UploadError::Bad(e.body_text())),
            }
        }
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes).map_err(|_| {
                UploadError::Bad(format!(
                    "{name}: the file is not text in UTF-8: save the extract as CSV (UTF-8) and upload it again"
                ))
            })
        };
        match name.as_str() {
            "mapping" => form.mapping = text(bytes)?,
            "csv" if form.file_name.is_none() => form.csv = text(bytes)?,
            "confirm" => form.confirm = Some(text(bytes)?),
            "extract" => {
                // A file input left empty is sent with no name and no bytes.
                let chosen = file_name.as_deref().is_some_and(|n| !n.is_empty());
                if chosen || !bytes.is_empty() {
                    let text = text(bytes)?;
                    // A byte-order mark from a spreadsheet's "CSV UTF-8" is not data.
                    form.csv = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
                    form.file_name = Some(file_name.unwrap_or_else(|| "extract".into()));
                }
            }
            _ => {}
        }
    }
    Ok(form)
}

#[derive(Deserialize)]
struct ImportJson {
    mapping: String,
    csv: String,
    #[serde(default)]
    confirm: bool,
}

/// What a submission came to.
enum Outcome {
    /// The extract is wrong: every problem, by row and column.
    Invalid(Vec<String>),
    /// What would be posted.
    Preview(ImportOutcome),
    /// Posted (and recorded).
    Posted(ImportOutcome),
}

async fn mappings(
    state: &AppState,
    place: &str,
    path: &str,
) -> Result<Vec<DocumentMeta>, Response> {
    state
        .store
        .documents(place, Some("mapping"))
        .await
        .map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            )
        })
}

/// The checks and the work, shared by the page and the API.
async fn submit(
    state: &AppState,
    current: &Current,
    place: &str,
    doc: &str,
    form: &ImportForm,
    path: &str,
) -> Result<(Place, Outcome), Response> {
    let place = user_place(state, current, place, path).await?;
    let journal = place_document(state, &place.id, doc, "journal", path).await?;
    if form.mapping.trim().is_empty() {
        return Ok((
            place,
            Outcome::Invalid(vec!["mapping: choose the partner's mapping".into()]),
        ));
    }
    let mapping_doc =
        place_document(state, &place.id, form.mapping.trim(), "mapping", path).await?;
    let ledger = domain::ledger(&journal.meta.id, &journal.content)
        .map_err(|e| error_response(state, path, StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    let mapping: Mapping = parse_mapping(&mapping_doc.meta.id, &mapping_doc.content, &ledger)
        .map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::UNPROCESSABLE_ENTITY,
                &e.to_string(),
            )
        })?;
    require(
        state,
        current,
        Action::EditPartner(&mapping.partner),
        &axum::http::Method::POST,
        path,
    )
    .await?;
    if form.csv.trim().is_empty() {
        return Ok((
            place,
            Outcome::Invalid(vec![
                "extract: choose the extract's CSV file (or paste it), header row first".into(),
            ]),
        ));
    }
    let outcome = match import(
        &ledger,
        &mapping,
        form.file_name.as_deref().unwrap_or("extract"),
        &form.csv,
    ) {
        Ok(o) => o,
        Err(e) => {
            return Ok((
                place,
                Outcome::Invalid(e.diagnostics.iter().map(|d| d.to_string()).collect()),
            ));
        }
    };
    if form.confirm.is_none() || outcome.added == 0 {
        return Ok((place, Outcome::Preview(outcome)));
    }
    let mut text = journal.content.clone();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&outcome.journal_text);
    // The grown journal must still load before it is saved.
    domain::ledger(&journal.meta.id, &text)
        .map_err(|e| error_response(state, path, StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    let actor = &current.user().username;
    let t = now();
    state
        .store
        .put_document(
            &place.id,
            &NewDocument {
                id: &journal.meta.id,
                kind: "journal",
                title: &journal.meta.title,
                owner_partner: journal.meta.owner_partner.as_deref(),
                content: &text,
            },
            actor,
            t,
        )
        .await
        .map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            )
        })?;
    state
        .store
        .audit(
            &AuditEntry::new(
                actor,
                "ledger.import",
                &place.id,
                &format!("document:{}", journal.meta.id),
                json!({
                    "mapping": mapping_doc.meta.id,
                    "partner": mapping.partner,
                    "rows": outcome.rows,
                    "added": outcome.added,
                    "already_posted": outcome.already_posted,
                }),
            ),
            t,
        )
        .await
        .map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
            )
        })?;
    Ok((place, Outcome::Posted(outcome)))
}

/// What the import page shows besides the form's outcome.
struct View<'a> {
    place: &'a Place,
    journal: &'a DocumentMeta,
    maps: &'a [DocumentMeta],
    form: &'a ImportForm,
}

fn page(
    state: &AppState,
    current: &Current,
    view: &View<'_>,
    errors: &[String],
    preview: Option<&ImportOutcome>,
) -> Response {
    let View {
        place,
        journal,
        maps,
        form,
    } = *view;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        state,
        status,
        "import.html",
        context! { ..base(current, place, "overview"), ..context! {
            journal => journal,
            max_mb => MAX_EXTRACT_BYTES / (1024 * 1024),
            mappings => maps,
            form => form,
            errors => errors,
            preview => preview.map(|o| context! {
                rows => o.rows,
                added => o.added,
                already_posted => o.already_posted,
                journal_text => o.journal_text,
            }),
        } },
    )
}

async fn import_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let journal = place_document(&state, &place.id, &doc, "journal", path).await?;
    let maps = mappings(&state, &place.id, path).await?;
    let form = ImportForm {
        mapping: maps.first().map(|m| m.id.clone()).unwrap_or_default(),
        ..ImportForm::default()
    };
    let view = View {
        place: &place,
        journal: &journal.meta,
        maps: &maps,
        form: &form,
    };
    Ok(page(&state, &current, &view, &[], None))
}

async fn import_submit(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let form = if multipart {
        let mp = Multipart::from_request(req, &state)
            .await
            .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
        match read_multipart(mp).await {
            Ok(f) => f,
            Err(e) => {
                // Nothing is read further and nothing saved: the form again,
                // with the reason.
                let place = user_place(&state, &current, &place, &path).await?;
                let journal = place_document(&state, &place.id, &doc, "journal", &path).await?;
                let maps = mappings(&state, &place.id, &path).await?;
                let form = ImportForm {
                    mapping: maps.first().map(|m| m.id.clone()).unwrap_or_default(),
                    ..ImportForm::default()
                };
                let view = View {
                    place: &place,
                    journal: &journal.meta,
                    maps: &maps,
                    form: &form,
                };
                let (status, message) = match e {
                    UploadError::TooLarge => (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "extract: the file is larger than the {} MB limit: split the extract by month or cost centre and upload each part",
                            MAX_EXTRACT_BYTES / (1024 * 1024)
                        ),
                    ),
                    UploadError::Bad(m) => (StatusCode::BAD_REQUEST, m),
                };
                let mut r = page(&state, &current, &view, &[message], None);
                *r.status_mut() = status;
                return Ok(r);
            }
        }
    } else {
        let Form(form): Form<ImportForm> = Form::from_request(req, &state)
            .await
            .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
        form
    };
    let (place, outcome) = submit(&state, &current, &place, &doc, &form, &path).await?;
    if let Outcome::Posted(o) = &outcome {
        return Ok(Redirect::to(&format!(
            "/p/{}/ledger/{doc}?imported={}",
            place.id, o.added
        ))
        .into_response());
    }
    let journal = place_document(&state, &place.id, &doc, "journal", &path).await?;
    let maps = mappings(&state, &place.id, &path).await?;
    let view = View {
        place: &place,
        journal: &journal.meta,
        maps: &maps,
        form: &form,
    };
    Ok(match &outcome {
        Outcome::Invalid(errors) => page(&state, &current, &view, errors, None),
        Outcome::Preview(o) => page(&state, &current, &view, &[], Some(o)),
        Outcome::Posted(_) => unreachable!("handled above"),
    })
}

async fn import_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let Json(j): Json<ImportJson> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let form = ImportForm {
        mapping: j.mapping,
        csv: j.csv,
        confirm: j.confirm.then(|| "1".to_string()),
        file_name: None,
    };
    let (_, outcome) = submit(&state, &current, &place, &doc, &form, &path).await?;
    let summary = |o: &ImportOutcome, posted: bool| {
        json!({
            "posted": posted,
            "rows": o.rows,
            "added": o.added,
            "already_posted": o.already_posted,
            "journal_text": o.journal_text,
        })
    };
    Ok(match outcome {
        Outcome::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "the extract cannot be posted: nothing was saved", "problems": errors})),
        )
            .into_response(),
        Outcome::Preview(o) => Json(summary(&o, false)).into_response(),
        Outcome::Posted(o) => Json(summary(&o, true)).into_response(),
    })
}
