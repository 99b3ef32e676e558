//! The readiness survey: each partner's respondent scores every enabler and
//! barrier of the deal's catalogue (the questions and the scale come from
//! `oneplace-deal`). The answers are written as the partner's readiness
//! file (`readiness-PARTNER`, the shape `oneplace deal` reads), checked by
//! `oneplace_deal::readiness::parse_responses` before they are saved, and
//! pooled on the deal page (mean, spread, disagreement, tier and the menu
//! of credible asks) by the deal's own loader.
//!
//! Who may answer for a partner: its finance lead, the pool manager or an
//! administrator. Order of checks: another place, an unknown deal or a
//! partner the deal does not name is 404; then the role (403 and an audit
//! entry); then the answers (422, every problem, nothing saved).

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use minijinja::context;
use oneplace_deal::catalogue::Catalogue;
use oneplace_deal::readiness::parse_responses;
use oneplace_store::{AuditEntry, NewDocument, Place};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Action, Current, require};
use crate::pages::{base, user_place};
use crate::{AppState, Routes, error_response, now, render_status};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(
        "GET",
        "/p/{place}/deals/{doc}/readiness/{partner}",
        get(survey_page),
    )
    .add(
        "POST",
        "/p/{place}/deals/{doc}/readiness/{partner}",
        post(survey_submit),
    )
    .add(
        "GET",
        "/api/places/{place}/deals/{doc}/readiness",
        get(pooled_api),
    )
    .add(
        "POST",
        "/api/places/{place}/deals/{doc}/readiness/{partner}",
        post(survey_api),
    )
}

/// The answers as sent: `respondent`, `date`, and for each item
/// `score-ITEM` and `comment-ITEM`.
type Answers = BTreeMap<String, String>;

#[derive(Deserialize)]
struct AnswersJson {
    respondent: String,
    #[serde(default)]
    date: String,
    scores: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    comments: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<String>,
}

fn document_id(partner: &str) -> String {
    format!("readiness-{partner}")
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The answers checked against the catalogue and written as a readiness
/// file, or every field's problem.
fn readiness_file(
    catalogue: &Catalogue,
    partner: &str,
    a: &Answers,
) -> Result<String, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let get = |k: &str| a.get(k).map(|s| s.trim()).unwrap_or("");
    let respondent = get("respondent");
    if respondent.is_empty() {
        errors.insert(
            "respondent".to_string(),
            "respondent: say who answered (a name or a post)".to_string(),
        );
    }
    let date = get("date");
    if !date.is_empty() && oneplace_core::Date::parse(date).is_none() {
        errors.insert(
            "date".to_string(),
            format!("date: '{date}' is not a date such as 2026-02-12"),
        );
    }
    let max = catalogue.max_score();
    let mut scores = String::new();
    let mut comments = String::new();
    for (_, item) in catalogue.items() {
        let field = format!("score-{}", item.id);
        match get(&field).parse::<u8>() {
            Ok(s) if (1..=max).contains(&s) => {
                scores.push_str(&format!("{} = {s}\n", item.id));
            }
            _ => {
                errors.insert(
                    field,
                    format!("{}: choose a score from 1 to {max}", item.name),
                );
            }
        }
        let comment = get(&format!("comment-{}", item.id));
        if !comment.is_empty() {
            comments.push_str(&format!("{} = {}\n", item.id, toml_string(comment)));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = format!(
        "# Readiness questionnaire: {partner}'s answers.\npartner = {}\nrespondent = {}\n",
        toml_string(partner),
        toml_string(respondent)
    );
    if !date.is_empty() {
        out.push_str(&format!("date = {}\n", toml_string(date)));
    }
    out.push_str("\n[scores]\n");
    out.push_str(&scores);
    if !comments.is_empty() {
        out.push_str("\n[comments]\n");
        out.push_str(&comments);
    }
    Ok(out)
}

/// The checks before showing or saving a partner's survey.
async fn for_survey(
    state: &AppState,
    current: &Current,
    (place, doc, partner): (&str, &str, &str),
    method: &Method,
    path: &str,
) -> Result<(Place, oneplace_deal::LoadedDeal), Response> {
    let place = user_place(state, current, place, path).await?;
    let d = crate::deal::load(state, &place.id, doc, path).await?;
    if !d.deal.partners.iter().any(|p| p.id == partner) {
        return Err(error_response(
            state,
            path,
            StatusCode::NOT_FOUND,
            "the deal names no such partner",
        ));
    }
    require(state, current, Action::EditPartner(partner), method, path).await?;
    Ok((place, d))
}

/// The partner's answers so far (its readiness file, if any).
async fn saved_answers(
    state: &AppState,
    place: &str,
    partner: &str,
    d: &oneplace_deal::LoadedDeal,
) -> Answers {
    let mut a = Answers::new();
    if let Ok(Some(doc)) = state.store.document(place, &document_id(partner)).await
        && let Ok(responses) = parse_responses(&doc.meta.id, &doc.content, &d.deal, &d.catalogue)
        && let Some(r) = responses.into_iter().find(|r| r.partner == partner)
    {
        a.insert("respondent".into(), r.respondent.unwrap_or_default());
        a.insert("date".into(), r.date.unwrap_or_default());
        for (k, v) in r.scores {
            a.insert(format!("score-{k}"), v.to_string());
        }
        for (k, v) in r.comments {
            a.insert(format!("comment-{k}"), v);
        }
    }
    a
}

#[allow(clippy::too_many_arguments)]
fn survey_view(
    state: &AppState,
    current: &Current,
    place: &Place,
    doc: &str,
    partner: &str,
    d: &oneplace_deal::LoadedDeal,
    answers: &Answers,
    errors: &BTreeMap<String, String>,
    saved: bool,
) -> Response {
    let c = &d.catalogue;
    let items: Vec<minijinja::Value> = c
        .items()
        .map(|(kind, item)| {
            context! {
                id => item.id, name => item.name, description => item.description,
                kind => kind.as_str(),
                score => answers.get(&format!("score-{}", item.id)).cloned().unwrap_or_default(),
                comment => answers.get(&format!("comment-{}", item.id)).cloned().unwrap_or_default(),
                error => errors.get(&format!("score-{}", item.id)),
            }
        })
        .collect();
    let partner_name = d
        .deal
        .partners
        .iter()
        .find(|p| p.id == partner)
        .map_or(partner.to_string(), |p| p.name.clone());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        state,
        status,
        "readiness.html",
        context! { ..base(current, place, "overview"), ..context! {
            deal_name => d.deal.name, doc => doc, partner => partner, partner_name => partner_name,
            scale => c.scale, items => items,
            respondent => answers.get("respondent").cloned().unwrap_or_default(),
            date => answers.get("date").cloned().unwrap_or_default(),
            errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
            field_errors => errors, saved => saved,
            action => format!("/p/{}/deals/{doc}/readiness/{partner}", place.id),
            deal_link => format!("/p/{}/deals/{doc}", place.id),
        } },
    )
}

async fn survey_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc, partner)): Path<(String, String, String)>,
    Query(q): Query<SavedQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, d) = for_survey(
        &state,
        &current,
        (&place, &doc, &partner),
        req.method(),
        path,
    )
    .await?;
    let answers = saved_answers(&state, &place.id, &partner, &d).await;
    Ok(survey_view(
        &state,
        &current,
        &place,
        &doc,
        &partner,
        &d,
        &answers,
        &BTreeMap::new(),
        q.saved.is_some(),
    ))
}

/// Checks the answers and saves the partner's readiness file.
async fn save(
    state: &AppState,
    current: &Current,
    place: &Place,
    partner: &str,
    d: &oneplace_deal::LoadedDeal,
    answers: &Answers,
    path: &str,
) -> Result<Result<(), BTreeMap<String, String>>, Response> {
    let text = match readiness_file(&d.catalogue, partner, answers) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let id = document_id(partner);
    // The deal's own reader must accept it.
    if let Err(e) = parse_responses(&id, &text, &d.deal, &d.catalogue) {
        let mut errors = BTreeMap::new();
        errors.insert("respondent".to_string(), e.to_string());
        return Ok(Err(errors));
    }
    let actor = &current.user().username;
    let t = now();
    let internal = |e: oneplace_store::StoreError| {
        error_response(
            state,
            path,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
        )
    };
    let before = state
        .store
        .document(&place.id, &id)
        .await
        .map_err(internal)?;
    let title = format!("Readiness survey: {partner}");
    state
        .store
        .put_document(
            &place.id,
            &NewDocument {
                id: &id,
                kind: "readiness",
                title: before.as_ref().map_or(&title, |b| &b.meta.title),
                owner_partner: Some(partner),
                content: &text,
            },
            actor,
            t,
        )
        .await
        .map_err(internal)?;
    state
        .store
        .audit(
            &AuditEntry::new(
                actor,
                "readiness.update",
                &place.id,
                &format!("document:{id}"),
                json!({
                    "partner": partner,
                    "before": before.map(|b| b.content),
                    "after": text,
                }),
            ),
            t,
        )
        .await
        .map_err(internal)?;
    Ok(Ok(()))
}

async fn survey_submit(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc, partner)): Path<(String, String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let Form(answers): Form<Answers> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let (place, d) = for_survey(&state, &current, (&place, &doc, &partner), &method, &path).await?;
    match save(&state, &current, &place, &partner, &d, &answers, &path).await? {
        Ok(()) => Ok(Redirect::to(&format!("{path}?saved=1")).into_response()),
        Err(errors) => Ok(survey_view(
            &state, &current, &place, &doc, &partner, &d, &answers, &errors, false,
        )),
    }
}

async fn survey_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc, partner)): Path<(String, String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let Json(j): Json<AnswersJson> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let mut answers = Answers::new();
    answers.insert("respondent".into(), j.respondent);
    answers.insert("date".into(), j.date);
    for (k, v) in j.scores {
        let v = match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        answers.insert(format!("score-{k}"), v);
    }
    for (k, v) in j.comments {
        answers.insert(format!("comment-{k}"), v);
    }
    let (place, d) = for_survey(&state, &current, (&place, &doc, &partner), &method, &path).await?;
    match save(&state, &current, &place, &partner, &d, &answers, &path).await? {
        Ok(()) => {
            let d = crate::deal::load(&state, &place.id, &doc, &path).await?;
            Ok(Json(json!({ "readiness": d.readiness })).into_response())
        }
        Err(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "the answers cannot be saved: nothing was saved",
                "field": errors.keys().next(),
                "problems": errors,
            })),
        )
            .into_response()),
    }
}

async fn pooled_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = crate::deal::load(&state, &place.id, &doc, path).await?;
    Ok(Json(json!({
        "partners": d.deal.partners.iter().map(|p| json!({"id": p.id, "name": p.name})).collect::<Vec<_>>(),
        "readiness": d.readiness,
    }))
    .into_response())
}
