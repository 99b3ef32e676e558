//! Measured results: a `results` document (the JSON the measurement engine
//! writes, `docs/measurement-spec.md`, or the smaller shape a deal cites,
//! `docs/deal-format.md`) shown as tables and a chart.
//!
//! Gross change (before and after) and net impact (difference in
//! differences against the comparison group) are labelled as such
//! everywhere: gross change is not impact. Figures the document does not
//! give (an interval, a per-person table, the appraisal's expectation) are
//! shown as not given; nothing is worked out here.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use oneplace_report::Cell;
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::Current;
use crate::pages::{base, place_document, user_place};
use crate::templates::escape_html;
use crate::{AppState, Routes, error_response, render};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/results/{doc}", get(results_page))
        .add("GET", "/api/places/{place}/results/{doc}", get(results_api))
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn pounds(x: Option<f64>) -> String {
    x.map_or_else(|| "not given".to_string(), |v| Cell::Pounds(v).to_string())
}

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{} to {}", Cell::Pounds(l), Cell::Pounds(h)),
        _ => "not given".to_string(),
    }
}

/// A saving by agency, with the appraisal's expectation when given.
#[derive(Serialize, Clone)]
pub(crate) struct SavingRow {
    pub agency: String,
    pub gross: Option<f64>,
    pub net: Option<f64>,
    pub net_low: Option<f64>,
    pub net_high: Option<f64>,
    pub expected: Option<f64>,
}

/// The results document's savings by agency (the total excluded), with
/// `ex_ante.rows[].expected` beside them.
pub(crate) fn savings(results: &Value) -> Vec<SavingRow> {
    let expected = |agency: &str| {
        results
            .pointer("/ex_ante/rows")
            .and_then(Value::as_array)
            .and_then(|rows| rows.iter().find(|r| r["agency"] == agency))
            .and_then(|r| num(r, "expected"))
    };
    let mut rows: Vec<SavingRow> = results
        .get("savings")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| {
                    let agency = text(s, "agency");
                    SavingRow {
                        expected: expected(&agency),
                        gross: num(s, "gross"),
                        net: num(s, "net"),
                        net_low: num(s, "net_low"),
                        net_high: num(s, "net_high"),
                        agency,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    // Agencies the appraisal expected a saving for but the measurement
    // did not see.
    if let Some(ex) = results.pointer("/ex_ante/rows").and_then(Value::as_array) {
        for r in ex {
            let agency = text(r, "agency");
            if !rows.iter().any(|s| s.agency == agency) {
                rows.push(SavingRow {
                    agency,
                    gross: num(r, "realised_gross"),
                    net: num(r, "realised_net"),
                    net_low: None,
                    net_high: None,
                    expected: num(r, "expected"),
                });
            }
        }
    }
    rows
}

/// Gross and net savings (with the net's interval as a whisker) and the
/// expectation, by agency, as an inline SVG; the table beside it has the
/// same figures.
pub(crate) fn savings_chart(rows: &[SavingRow], id: &str) -> String {
    const LABEL_W: f64 = 120.0;
    const BAR_W: f64 = 460.0;
    const ROW_H: f64 = 62.0;
    const TOP: f64 = 76.0;
    let width = LABEL_W + BAR_W + 40.0;
    let height = TOP + ROW_H * rows.len().max(1) as f64 + 34.0;
    let values = rows.iter().flat_map(|r| {
        [r.gross, r.net, r.net_low, r.net_high, r.expected]
            .into_iter()
            .flatten()
    });
    let lo = values.clone().fold(0.0_f64, f64::min);
    let hi = values.fold(0.0_f64, f64::max);
    let span = (hi - lo).max(1.0);
    let x = |v: f64| LABEL_W + (v - lo) / span * BAR_W;
    let zero = x(0.0);
    let desc = rows
        .iter()
        .map(|r| {
            format!(
                "{}: gross savings {}, net savings {} (interval {}), expected {}.",
                r.agency,
                pounds(r.gross),
                pounds(r.net),
                interval(r.net_low, r.net_high),
                pounds(r.expected)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" aria-labelledby="{id}-t {id}-d" font-family="sans-serif" font-size="13"><title id="{id}-t">Savings by agency: gross, net (with its interval) and expected</title><desc id="{id}-d">{}</desc>"##,
        escape_html(&desc)
    );
    let legend = [
        ("#767676", "Gross (before and after, not impact)"),
        ("#0072B2", "Net (difference in differences)"),
        ("#8F4A00", "Expected (appraisal)"),
    ];
    for (i, (colour, label)) in legend.iter().enumerate() {
        let ly = 6.0 + 20.0 * i as f64;
        s.push_str(&format!(
            r##"<rect x="{LABEL_W}" y="{ly}" width="14" height="14" fill="{colour}"/><text x="{}" y="{}" fill="#222" font-size="12">{}</text>"##,
            LABEL_W + 20.0,
            ly + 12.0,
            escape_html(label)
        ));
    }
    s.push_str(&format!(
        r##"<line x1="{zero}" y1="{TOP}" x2="{zero}" y2="{}" stroke="#222" stroke-width="1"/><text x="{zero}" y="{}" text-anchor="middle" fill="#222" font-size="11">£0</text><text x="{}" y="{}" text-anchor="end" fill="#222" font-size="11">{}</text>"##,
        height - 28.0,
        height - 14.0,
        LABEL_W + BAR_W,
        height - 14.0,
        escape_html(&Cell::Pounds(hi).to_string())
    ));
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        s.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" fill="#222">{}</text>"##,
            LABEL_W - 8.0,
            y + 30.0,
            escape_html(&r.agency)
        ));
        let bar = |v: Option<f64>, dy: f64, colour: &str, what: &str| match v {
            Some(v) => format!(
                r##"<rect x="{:.1}" y="{}" width="{:.1}" height="14" fill="{colour}"><title>{}: {what} {}</title></rect>"##,
                x(v.min(0.0)),
                y + dy,
                (x(v) - zero).abs(),
                escape_html(&r.agency),
                Cell::Pounds(v)
            ),
            None => String::new(),
        };
        s.push_str(&bar(r.gross, 4.0, "#767676", "gross savings"));
        s.push_str(&bar(r.net, 22.0, "#0072B2", "net savings"));
        if let (Some(l), Some(h)) = (r.net_low, r.net_high) {
            let cy = y + 29.0;
            s.push_str(&format!(
                r##"<g class="interval"><line x1="{:.1}" y1="{cy}" x2="{:.1}" y2="{cy}" stroke="#000" stroke-width="2"/><line x1="{:.1}" y1="{}" x2="{:.1}" y2="{}" stroke="#000" stroke-width="2"/><line x1="{:.1}" y1="{}" x2="{:.1}" y2="{}" stroke="#000" stroke-width="2"/><title>{}: net savings interval {}</title></g>"##,
                x(l),
                x(h),
                x(l),
                cy - 6.0,
                x(l),
                cy + 6.0,
                x(h),
                cy - 6.0,
                x(h),
                cy + 6.0,
                escape_html(&r.agency),
                escape_html(&interval(Some(l), Some(h)))
            ));
        }
        s.push_str(&bar(r.expected, 40.0, "#8F4A00", "expected savings"));
    }
    s.push_str("</svg>");
    s
}

async fn load(
    state: &AppState,
    current: &Current,
    place: &str,
    doc: &str,
    path: &str,
) -> Result<(oneplace_store::Place, oneplace_store::StoredDocument, Value), Response> {
    let place = user_place(state, current, place, path).await?;
    let d = place_document(state, &place.id, doc, "results", path).await?;
    let v: Value = serde_json::from_str(&d.content).map_err(|e| {
        error_response(
            state,
            path,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("{}: not JSON: {e}", d.meta.id),
        )
    })?;
    Ok((place, d, v))
}

async fn results_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, d, v) = load(&state, &current, &place, &doc, path).await?;
    let number = |x: Option<f64>| {
        x.map_or_else(
            || "not given".to_string(),
            |v| {
                Cell::Number {
                    value: v,
                    decimals: 2,
                }
                .to_string()
            },
        )
    };
    let metrics: Vec<minijinja::Value> = v
        .get("metrics")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| {
                    let name = text(m, "name");
                    context! {
                        name => if name.is_empty() { text(m, "id") } else { name },
                        unit => text(m, "unit"),
                        baseline => number(num(m, "baseline")),
                        gross_change => number(num(m, "gross_change")),
                        net => number(num(m, "value")),
                        interval => match (num(m, "low"), num(m, "high")) {
                            (Some(l), Some(h)) => format!("{} to {}", number(Some(l)), number(Some(h))),
                            _ => "not given".to_string(),
                        },
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let per_person: Vec<minijinja::Value> = v
        .get("per_person")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| {
                    context! {
                        agency => text(p, "agency"),
                        treatment_before => pounds(num(p, "treatment_before")),
                        treatment_after => pounds(num(p, "treatment_after")),
                        gross_change => pounds(num(p, "gross_change")),
                        net_impact => pounds(num(p, "net_impact")),
                        interval => interval(num(p, "net_low"), num(p, "net_high")),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let rows = savings(&v);
    let saving_rows: Vec<minijinja::Value> = rows
        .iter()
        .map(|r| {
            context! {
                agency => r.agency,
                gross => pounds(r.gross),
                net => pounds(r.net),
                interval => interval(r.net_low, r.net_high),
                expected => pounds(r.expected),
                realised_share => match (r.net, r.expected) {
                    (Some(n), Some(e)) if e != 0.0 => Cell::Percent(n / e).to_string(),
                    _ => "not given".to_string(),
                },
            }
        })
        .collect();
    Ok(render(
        &state,
        "results.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            doc => d.meta,
            measurement => text(&v, "measurement"),
            period => text(&v, "period"),
            method => text(&v, "method"),
            note => text(&v, "note"),
            metrics => metrics,
            per_person => per_person,
            savings => saving_rows,
            chart => (!rows.is_empty()).then(|| minijinja::Value::from_safe_string(savings_chart(&rows, "savings-chart"))),
            json => format!("/api/places/{}/results/{doc}", place.id),
        } },
    ))
}

async fn results_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (_, d, v) = load(&state, &current, &place, &doc, path).await?;
    Ok(Json(json!({
        "id": d.meta.id,
        "title": d.meta.title,
        "savings": savings(&v),
        "results": v,
    }))
    .into_response())
}
