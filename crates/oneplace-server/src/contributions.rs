//! Partners' contributions to a pool, edited on the web: the amount, the
//! client income and the instalment schedule of one `contribution`
//! directive of the pool's journal.
//!
//! Who may change one: the pool manager or an administrator (any partner),
//! or the finance lead of the contributing partner (that partner's only).
//! Order of checks: another place, an unknown journal or a contribution the
//! journal does not have is 404; then the role (403 and an audit entry);
//! then the fields (422, every problem, nothing saved). The directive is
//! rewritten in the journal's text and the whole journal read again by the
//! ledger's loader before it is saved, so a schedule the loader refuses
//! (instalments not adding up to the net contribution, say) is refused
//! here with the loader's message. Every change is audited with the
//! directive before and after.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json};
use minijinja::context;
use oneplace_core::{Date, Money};
use oneplace_ledger::Ledger;
use oneplace_store::{AuditEntry, NewDocument, Place, StoredDocument};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{Action, Current, permits, require};
use crate::pages::{base, place_document, user_place};
use crate::{AppState, Routes, domain, error_response, now, render, render_status};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(
        "GET",
        "/p/{place}/ledger/{doc}/contributions",
        get(list_page),
    )
    .add(
        "GET",
        "/p/{place}/ledger/{doc}/contributions/{partner}/{source}",
        get(edit_page),
    )
    .add(
        "POST",
        "/p/{place}/ledger/{doc}/contributions/{partner}/{source}",
        axum::routing::post(edit_submit),
    )
    .add(
        "GET",
        "/api/places/{place}/ledger/{doc}/contributions",
        get(list_api),
    )
    .add(
        "POST",
        "/api/places/{place}/ledger/{doc}/contributions/{partner}/{source}",
        axum::routing::post(edit_api),
    )
}

/// One contribution as the pages and the API show it.
#[derive(Serialize)]
pub(crate) struct ContributionView {
    pub year: String,
    pub partner: String,
    pub source: String,
    pub amount: Money,
    pub client_income: Money,
    pub net: Money,
    pub instalments: Vec<InstalmentView>,
}

#[derive(Serialize, Clone)]
pub(crate) struct InstalmentView {
    pub date: String,
    pub amount: Money,
}

fn views(ledger: &Ledger) -> Vec<ContributionView> {
    ledger
        .contributions
        .iter()
        .map(|c| ContributionView {
            year: c.year.to_string(),
            partner: ledger.partners[c.partner as usize].id.clone(),
            source: ledger.sources[c.source as usize].id.clone(),
            amount: c.amount,
            client_income: c.client_income,
            net: c.amount - c.client_income,
            instalments: c
                .instalments
                .iter()
                .map(|i| InstalmentView {
                    date: i.date.to_string(),
                    amount: i.amount,
                })
                .collect(),
        })
        .collect()
}

/// The form: money as typed, the schedule, and listed instalments one a
/// line (`2025-04-01 £900,000`).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(crate) struct ContributionForm {
    pub year: String,
    pub amount: String,
    pub client_income: String,
    /// `quarterly`, `monthly`, `annual` or `listed`.
    pub schedule: String,
    pub instalments: String,
}

#[derive(Deserialize)]
struct ContributionJson {
    year: String,
    amount: String,
    #[serde(default)]
    client_income: Option<String>,
    schedule: String,
    #[serde(default)]
    instalments: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: Option<String>,
    saved: Option<String>,
}

async fn journal(
    state: &AppState,
    current: &Current,
    place: &str,
    doc: &str,
    path: &str,
) -> Result<(Place, StoredDocument, Ledger), Response> {
    let place = user_place(state, current, place, path).await?;
    let d = place_document(state, &place.id, doc, "journal", path).await?;
    let ledger = domain::ledger(&d.meta.id, &d.content)
        .map_err(|e| error_response(state, path, StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    Ok((place, d, ledger))
}

async fn list_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, d, ledger) = journal(&state, &current, &place, &doc, path).await?;
    let rows: Vec<minijinja::Value> = views(&ledger)
        .into_iter()
        .map(|c| {
            context! {
                can_edit => permits(current.user(), Action::EditPartner(&c.partner)),
                edit => format!("/p/{}/ledger/{doc}/contributions/{}/{}?year={}", place.id, c.partner, c.source, c.year.replace('/', "%2F")),
                year => c.year, partner => c.partner, source => c.source,
                amount => c.amount.to_string(), client_income => c.client_income.to_string(),
                net => c.net.to_string(),
                instalments => c.instalments.iter().map(|i| format!("{} {}", i.date, i.amount)).collect::<Vec<_>>().join("; "),
            }
        })
        .collect();
    Ok(render(
        &state,
        "contributions.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            journal => d.meta, rows => rows,
            spreadsheet => context! {
                xlsx => format!("/p/{}/download/contributions/{doc}?format=xlsx", place.id),
                csv => format!("/p/{}/download/contributions/{doc}?format=csv", place.id),
            },
            json => format!("/api/places/{}/ledger/{doc}/contributions", place.id),
        } },
    ))
}

/// The contributions as a report table, for the downloads.
pub(crate) async fn contributions_document(
    state: &AppState,
    current: &Current,
    place: &str,
    doc: &str,
    path: &str,
) -> Result<oneplace_report::Document, Response> {
    use oneplace_report::{Cell, Document, Section, Table};
    let (_, d, ledger) = journal(state, current, place, doc, path).await?;
    let mut t = Table::new(&[
        ("partner", "Partner"),
        ("year", "Year"),
        ("source", "Source"),
        ("amount", "Contribution"),
        ("client_income", "Client income"),
        ("net", "Net"),
        ("instalments", "Instalments"),
    ]);
    for c in views(&ledger) {
        t.push(vec![
            c.partner.as_str().into(),
            c.year.as_str().into(),
            c.source.as_str().into(),
            Cell::Money(c.amount),
            Cell::Money(c.client_income),
            Cell::Money(c.net),
            c.instalments
                .iter()
                .map(|i| format!("{} {}", i.date, i.amount))
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
        ]);
    }
    Ok(
        Document::new(format!("{}: contributions", d.meta.title)).with_section(Section::new(
            "contributions",
            "Contributions",
            t,
        )),
    )
}

async fn list_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (_, _, ledger) = journal(&state, &current, &place, &doc, path).await?;
    Ok(Json(json!({ "contributions": views(&ledger) })).into_response())
}

/// The contribution named by the URL (and `year`, default the first the
/// journal has for the partner and source), or 404.
fn find<'a>(
    ledger: &'a Ledger,
    partner: &str,
    source: &str,
    year: Option<&str>,
) -> Option<&'a oneplace_ledger::model::Contribution> {
    let p = ledger.partner(partner)?;
    let s = ledger.source(source)?;
    ledger.contributions.iter().find(|c| {
        c.partner == p
            && c.source == s
            && year.is_none_or(|y| y.trim().is_empty() || c.year.to_string() == y.trim())
    })
}

/// The checks before showing or saving the form: 404s first, then the role.
async fn for_edit(
    state: &AppState,
    current: &Current,
    (place, doc, partner, source): (&str, &str, &str, &str),
    year: Option<&str>,
    method: &Method,
    path: &str,
) -> Result<(Place, StoredDocument, Ledger, ContributionForm), Response> {
    let (place, d, ledger) = journal(state, current, place, doc, path).await?;
    let c = find(&ledger, partner, source, year).ok_or_else(|| {
        error_response(
            state,
            path,
            StatusCode::NOT_FOUND,
            "no such contribution in this pool",
        )
    })?;
    require(state, current, Action::EditPartner(partner), method, path).await?;
    let listed = c
        .instalments
        .iter()
        .map(|i| format!("{} {}", i.date, i.amount))
        .collect::<Vec<_>>()
        .join("\n");
    let form = ContributionForm {
        year: c.year.to_string(),
        amount: c.amount.to_string(),
        client_income: c.client_income.to_string(),
        schedule: "listed".into(),
        instalments: listed,
    };
    Ok((place, d, ledger, form))
}

#[allow(clippy::too_many_arguments)]
fn edit_view(
    state: &AppState,
    current: &Current,
    place: &Place,
    doc: &str,
    (partner, source): (&str, &str),
    form: &ContributionForm,
    errors: &BTreeMap<String, String>,
    saved: bool,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        state,
        status,
        "contribution_form.html",
        context! { ..base(current, place, "overview"), ..context! {
            doc => doc, partner => partner, source => source, form => form,
            errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
            field_errors => errors,
            saved => saved,
            action => format!("/p/{}/ledger/{doc}/contributions/{partner}/{source}", place.id),
            list => format!("/p/{}/ledger/{doc}/contributions", place.id),
        } },
    )
}

async fn edit_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc, partner, source)): Path<(String, String, String, String)>,
    Query(q): Query<YearQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, _, _, form) = for_edit(
        &state,
        &current,
        (&place, &doc, &partner, &source),
        q.year.as_deref(),
        req.method(),
        path,
    )
    .await?;
    Ok(edit_view(
        &state,
        &current,
        &place,
        &doc,
        (&partner, &source),
        &form,
        &BTreeMap::new(),
        q.saved.is_some(),
    ))
}

/// The directive the form stands for, or every field's problem.
fn directive(
    form: &ContributionForm,
    partner: &str,
    source: &str,
    keep: &[String],
) -> Result<String, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let money = |field: &str, text: &str, errors: &mut BTreeMap<String, String>| match Money::parse(
        text.trim(),
    ) {
        Ok(m) if !m.is_negative() => Some(m),
        Ok(_) => {
            errors.insert(field.into(), format!("{field}: must not be negative"));
            None
        }
        Err(_) => {
            errors.insert(
                field.into(),
                format!(
                    "{field}: '{}' is not an amount, such as £900,000",
                    text.trim()
                ),
            );
            None
        }
    };
    let amount = money("amount", &form.amount, &mut errors);
    let client_income = if form.client_income.trim().is_empty() {
        Some(Money::ZERO)
    } else {
        money("client_income", &form.client_income, &mut errors)
    };
    let mut lines = Vec::new();
    match form.schedule.trim() {
        s @ ("quarterly" | "monthly" | "annual") => lines.push(format!("  instalments {s}")),
        "listed" => {
            for (i, line) in form
                .instalments
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                let mut words = line.split_whitespace();
                let date = words.next().and_then(Date::parse);
                let amount = words.next().map(Money::parse);
                match (date, amount, words.next()) {
                    (Some(d), Some(Ok(m)), None) if !m.is_negative() => {
                        lines.push(format!("  instalment {d} {m}"));
                    }
                    _ => {
                        errors.insert(
                            "instalments".into(),
                            format!(
                                "instalments: line {}: '{line}' should be a date and an amount, such as 2025-04-01 £900,000",
                                i + 1
                            ),
                        );
                        break;
                    }
                }
            }
            if lines.is_empty() && !errors.contains_key("instalments") {
                errors.insert(
                    "instalments".into(),
                    "instalments: list at least one instalment, or choose a schedule".into(),
                );
            }
        }
        _ => {
            errors.insert(
                "schedule".into(),
                "schedule: choose quarterly, monthly, annual or listed instalments".into(),
            );
        }
    }
    if let (Some(a), Some(c)) = (amount, client_income)
        && c > a
    {
        errors.insert(
            "client_income".into(),
            "client_income: cannot be more than the contribution".into(),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (amount, client_income) = (amount.expect("checked"), client_income.expect("checked"));
    let mut out = format!(
        "contribution {} {partner} {source} {amount}\n",
        form.year.trim()
    );
    if !client_income.is_zero() {
        out.push_str(&format!("  client-income {client_income}\n"));
    }
    for k in keep {
        out.push_str(k);
        out.push('\n');
    }
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    Ok(out)
}

/// The journal's text with one contribution directive (its line and the
/// indented lines under it) replaced; the old block, and the lines of it
/// the form does not cover (`remainder`), returned too.
fn replace_block(
    text: &str,
    year: &str,
    partner: &str,
    source: &str,
    new_block: impl FnOnce(&[String]) -> String,
) -> Option<(String, String)> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.len() >= 4 && w[0] == "contribution" && w[1] == year && w[2] == partner && w[3] == source
    })?;
    let mut end = start + 1;
    while end < lines.len() && lines[end].starts_with([' ', '\t']) && !lines[end].trim().is_empty()
    {
        end += 1;
    }
    let old: String = lines[start..end].concat();
    let keep: Vec<String> = lines[start + 1..end]
        .iter()
        .filter(|l| l.trim_start().starts_with("remainder"))
        .map(|l| l.trim_end().to_string())
        .collect();
    let mut out: String = lines[..start].concat();
    out.push_str(&new_block(&keep));
    out.push_str(&lines[end..].concat());
    Some((out, old))
}

enum Saved {
    Done,
    Invalid(BTreeMap<String, String>),
}

async fn save(
    state: &AppState,
    current: &Current,
    place: &Place,
    d: &StoredDocument,
    (partner, source): (&str, &str),
    form: &ContributionForm,
    path: &str,
) -> Result<Saved, Response> {
    let mut errors = None;
    let Some((text, old)) =
        replace_block(
            &d.content,
            form.year.trim(),
            partner,
            source,
            |keep| match directive(form, partner, source, keep) {
                Ok(t) => t,
                Err(e) => {
                    errors = Some(e);
                    String::new()
                }
            },
        )
    else {
        return Err(error_response(
            state,
            path,
            StatusCode::NOT_FOUND,
            "no such contribution in this pool",
        ));
    };
    if let Some(e) = errors {
        return Ok(Saved::Invalid(e));
    }
    // The whole journal must still load.
    if let Err(e) = domain::ledger(&d.meta.id, &text) {
        let mut errors = BTreeMap::new();
        errors.insert(
            "instalments".to_string(),
            format!("the pool's journal would not load: {e}"),
        );
        return Ok(Saved::Invalid(errors));
    }
    let new = replace_block(&text, form.year.trim(), partner, source, |_| String::new())
        .map(|(_, b)| b)
        .unwrap_or_default();
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
    state
        .store
        .put_document(
            &place.id,
            &NewDocument {
                id: &d.meta.id,
                kind: "journal",
                title: &d.meta.title,
                owner_partner: d.meta.owner_partner.as_deref(),
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
                "contribution.update",
                &place.id,
                &format!("document:{}", d.meta.id),
                json!({
                    "partner": partner,
                    "source": source,
                    "year": form.year.trim(),
                    "before": old.trim_end(),
                    "after": new.trim_end(),
                }),
            ),
            t,
        )
        .await
        .map_err(internal)?;
    Ok(Saved::Done)
}

async fn edit_submit(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc, partner, source)): Path<(String, String, String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let Form(form): Form<ContributionForm> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let (place, d, _, _) = for_edit(
        &state,
        &current,
        (&place, &doc, &partner, &source),
        Some(&form.year),
        &method,
        &path,
    )
    .await?;
    match save(
        &state,
        &current,
        &place,
        &d,
        (&partner, &source),
        &form,
        &path,
    )
    .await?
    {
        Saved::Done => Ok(Redirect::to(&format!(
            "{path}?year={}&saved=1",
            form.year.trim().replace('/', "%2F")
        ))
        .into_response()),
        Saved::Invalid(errors) => Ok(edit_view(
            &state,
            &current,
            &place,
            &doc,
            (&partner, &source),
            &form,
            &errors,
            false,
        )),
    }
}

async fn edit_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc, partner, source)): Path<(String, String, String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let Json(j): Json<ContributionJson> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let form = ContributionForm {
        year: j.year,
        amount: j.amount,
        client_income: j.client_income.unwrap_or_default(),
        schedule: j.schedule,
        instalments: j
            .instalments
            .iter()
            .map(|(d, a)| format!("{d} {a}"))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let (place, d, _, _) = for_edit(
        &state,
        &current,
        (&place, &doc, &partner, &source),
        Some(&form.year),
        &method,
        &path,
    )
    .await?;
    match save(
        &state,
        &current,
        &place,
        &d,
        (&partner, &source),
        &form,
        &path,
    )
    .await?
    {
        Saved::Done => {
            let d = place_document(&state, &place.id, &doc, "journal", &path).await?;
            let ledger = domain::ledger(&d.meta.id, &d.content).map_err(|e| {
                error_response(&state, &path, StatusCode::INTERNAL_SERVER_ERROR, &e)
            })?;
            let c = views(&ledger)
                .into_iter()
                .find(|c| c.partner == partner && c.source == source && c.year == form.year.trim());
            Ok(Json(json!({ "contribution": c })).into_response())
        }
        Saved::Invalid(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "the contribution cannot be saved: nothing was saved",
                "field": errors.keys().next(),
                "problems": errors,
            })),
        )
            .into_response()),
    }
}
