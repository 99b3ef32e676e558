//! Behind the monitoring report's figures: the postings that make a line's,
//! a scheme's or a partner's actual to date, and the overview's chart of
//! each line's budget against its forecast outturn.
//!
//! The postings and their totals come from the ledger's drill-down
//! (`oneplace_ledger::report::drilldown`): a line's, a scheme's, a
//! partner's (each commissioned line with the partner's share) or the
//! pool's, with the monitoring report's own figure beside the total, so a
//! reader can see the two agree.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use oneplace_core::Money;
use oneplace_ledger::Ledger;
use oneplace_ledger::report::Monitoring;
use oneplace_ledger::report::drilldown::{Drill, Filter, drilldown};
use serde::{Deserialize, Serialize};

use crate::auth::Current;
use crate::pages::{base, monitoring_of, user_place};
use crate::templates::escape_html;
use crate::{AppState, Routes, error_response, render};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add(
        "GET",
        "/p/{place}/ledger/{doc}/postings",
        get(drilldown_page),
    )
    .add(
        "GET",
        "/api/places/{place}/ledger/{doc}/postings",
        get(drilldown_api),
    )
}

/// Which figure to open: a line (`scheme` and `source`), a scheme, a
/// partner, or (nothing given) the pool's total.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct DrillQuery {
    pub period: Option<String>,
    pub scheme: Option<String>,
    pub source: Option<String>,
    pub partner: Option<String>,
}

impl DrillQuery {
    pub(crate) fn filter(&self) -> Filter<'_> {
        Filter {
            scheme: self.scheme.as_deref(),
            source: self.source.as_deref(),
            partner: self.partner.as_deref(),
        }
    }
}

/// The postings behind a figure, from the ledger's drill-down.
pub(crate) fn drill(ledger: &Ledger, m: &Monitoring, q: &DrillQuery) -> Result<Drill, String> {
    drilldown(ledger, m, &q.filter())
}

/// The query string that opens a figure's postings.
pub(crate) fn drill_query(
    period: &str,
    scheme: Option<&str>,
    source: Option<&str>,
    partner: Option<&str>,
) -> String {
    let enc = |s: &str| {
        s.replace('%', "%25")
            .replace('&', "%26")
            .replace('/', "%2F")
            .replace(' ', "+")
            .replace('#', "%23")
    };
    let mut q = format!("period={}", enc(period));
    for (k, v) in [("scheme", scheme), ("source", source), ("partner", partner)] {
        if let Some(v) = v {
            q.push_str(&format!("&{k}={}", enc(v)));
        }
    }
    q
}

async fn load(
    state: &AppState,
    current: &Current,
    place: &str,
    doc: &str,
    q: &DrillQuery,
    path: &str,
) -> Result<(oneplace_store::Place, Drill), Response> {
    let place = user_place(state, current, place, path).await?;
    let (ledger, m) = monitoring_of(state, &place.id, doc, q.period.as_deref(), path).await?;
    let d = drill(&ledger, &m, q)
        .map_err(|e| error_response(state, path, StatusCode::NOT_FOUND, &e))?;
    Ok((place, d))
}

async fn drilldown_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<DrillQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, d) = load(&state, &current, &place, &doc, &q, path).await?;
    let money = |m: Money| m.to_string();
    let postings: Vec<minijinja::Value> = d
        .postings
        .iter()
        .map(|p| {
            context! {
                date => p.date, description => p.description, reference => p.reference,
                partner => p.partner, scheme => p.scheme, source => p.source,
                account => p.account, amount => money(p.amount),
            }
        })
        .collect();
    let shares: Vec<minijinja::Value> = d
        .shares
        .iter()
        .map(|s| {
            context! {
                scheme => s.scheme, source => s.source, actual => money(s.actual),
                share_percent => format!("{}%", s.share_percent), share => money(s.share),
            }
        })
        .collect();
    let query = drill_query(
        &d.period,
        d.scheme.as_deref(),
        d.source.as_deref(),
        d.partner.as_deref(),
    );
    Ok(render(
        &state,
        "drilldown.html",
        context! { ..base(&current, &place, "overview"), ..context! {
            doc => doc,
            d => context! {
                title => d.title, period => d.period, partner => d.partner,
                postings_total => money(d.postings_total), actual => money(d.actual),
                report_actual => money(d.report_actual), agrees => d.actual == d.report_actual,
            },
            postings => postings,
            shares => shares,
            report_link => format!("/p/{}/ledger/{doc}?period={}", place.id, d.period.replace('/', "%2F").replace(' ', "+")),
            json => format!("/api/places/{}/ledger/{doc}/postings?{query}", place.id),
            spreadsheet => context! {
                xlsx => format!("/p/{}/download/postings/{doc}?format=xlsx&{query}", place.id),
                csv => format!("/p/{}/download/postings/{doc}?format=csv&{query}", place.id),
            },
        } },
    ))
}

async fn drilldown_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<DrillQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (_, d) = load(&state, &current, &place, &doc, &q, path).await?;
    Ok(Json(d).into_response())
}

/// The drill-down's postings as a report table, for the downloads.
pub(crate) fn drill_document(d: &Drill) -> oneplace_report::Document {
    use oneplace_report::{Cell, Document, Section, Table};
    let mut t = Table::new(&[
        ("date", "Date"),
        ("description", "Description"),
        ("partner", "Partner"),
        ("scheme", "Scheme"),
        ("source", "Source"),
        ("account", "Account"),
        ("reference", "Reference"),
        ("amount", "Amount"),
    ]);
    for p in &d.postings {
        t.push(vec![
            p.date.as_str().into(),
            p.description.as_str().into(),
            p.partner.as_str().into(),
            p.scheme.as_str().into(),
            p.source.as_str().into(),
            p.account.as_str().into(),
            p.reference.as_deref().unwrap_or("").into(),
            Cell::Money(p.amount),
        ]);
    }
    t.push(vec![
        "Total".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(d.postings_total),
    ]);
    let mut doc = Document::new(format!("{}, {}", d.title, d.period))
        .with_section(Section::new("postings", "Postings", t));
    if !d.shares.is_empty() {
        let mut s = Table::new(&[
            ("scheme", "Scheme"),
            ("source", "Source"),
            ("actual", "Line's actual to date"),
            ("share_percent", "Commissioning share (%)"),
            ("share", "Partner's share"),
        ]);
        for l in &d.shares {
            s.push(vec![
                l.scheme.as_str().into(),
                l.source.as_str().into(),
                Cell::Money(l.actual),
                Cell::Number {
                    value: l.share_percent,
                    decimals: 2,
                },
                Cell::Money(l.share),
            ]);
        }
        s.push(vec![
            "Total".into(),
            Cell::Empty,
            Cell::Money(d.postings_total),
            Cell::Empty,
            Cell::Money(d.actual),
        ]);
        doc = doc.with_section(Section::new("shares", "Shares by line", s));
    }
    doc
}

// ── the overview's chart ─────────────────────────────────────────────

/// Budget against forecast outturn for each line of a monitoring report,
/// as an inline SVG: two bars a line, the lines over materiality drawn in
/// another colour and marked in words (not by colour alone). The caller
/// shows the same figures as a table beside it.
pub(crate) fn monitoring_chart(m: &Monitoring, id: &str) -> String {
    const LABEL_W: f64 = 280.0;
    const BAR_W: f64 = 380.0;
    const ROW_H: f64 = 46.0;
    const TOP: f64 = 40.0;
    let width = LABEL_W + BAR_W + 30.0;
    let height = TOP + ROW_H * m.lines.len().max(1) as f64 + 40.0;
    let max = m
        .lines
        .iter()
        .flat_map(|l| {
            [
                l.figures.annual_budget.pence(),
                l.figures.forecast_outturn.pence(),
            ]
        })
        .map(i64::abs)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    // Gridlines at a round step (1, 2, 2.5 or 5 × a power of ten), the
    // scale running to the first one past the largest figure.
    let step = nice_step(max / 4.0);
    let ticks = (max / step).ceil().max(1.0) as u32;
    let max = step * f64::from(ticks);
    let x = |pence: i64| (pence.max(0) as f64 / max * BAR_W).max(0.0);
    let flagged = m.lines.iter().filter(|l| l.flagged).count();
    let title = format!("Budget and forecast outturn by line, {}", m.period);
    let desc = format!(
        "{} lines; {} over the materiality threshold. {}",
        m.lines.len(),
        flagged,
        m.lines
            .iter()
            .map(|l| format!(
                "{} ({}): budget {}, forecast outturn {}{}.",
                l.scheme,
                l.source,
                l.figures.annual_budget,
                l.figures.forecast_outturn,
                if l.flagged { ", over materiality" } else { "" }
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" aria-labelledby="{id}-t {id}-d" class="monitoring-chart" font-family="sans-serif" font-size="13"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"##,
        escape_html(&title),
        escape_html(&desc)
    );
    // Legend.
    s.push_str(&format!(
        r##"<g class="legend"><rect x="{LABEL_W}" y="8" width="14" height="14" fill="#0072B2"/><text x="{}" y="20" fill="#222">Annual budget</text><rect x="{}" y="8" width="14" height="14" fill="#8F4A00"/><text x="{}" y="20" fill="#222">Forecast outturn</text><rect x="{}" y="8" width="14" height="14" fill="#C0001A" stroke="#000" stroke-width="1.5"/><text x="{}" y="20" fill="#222">Over materiality</text></g>"##,
        LABEL_W + 20.0,
        LABEL_W + 130.0,
        LABEL_W + 150.0,
        LABEL_W + 270.0,
        LABEL_W + 290.0
    ));
    // Axis at zero, gridlines at quarters.
    for i in 0..=ticks {
        let gx = LABEL_W + BAR_W * f64::from(i) / f64::from(ticks);
        let value = Money::from_pence((step * f64::from(i)).round() as i64);
        s.push_str(&format!(
            r##"<line x1="{gx}" y1="{TOP}" x2="{gx}" y2="{}" stroke="#bbb" stroke-width="1"/><text x="{gx}" y="{}" text-anchor="middle" fill="#222" font-size="11">{}</text>"##,
            height - 30.0,
            height - 14.0,
            escape_html(&short_money(value))
        ));
    }
    for (i, l) in m.lines.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let f = &l.figures;
        let label = format!("{} ({})", l.scheme, l.source);
        let (fill, stroke, mark) = if l.flagged {
            (
                "#C0001A",
                r##" stroke="#000" stroke-width="1.5""##,
                ", variance over materiality",
            )
        } else {
            ("#8F4A00", "", "")
        };
        s.push_str(&format!(
            r##"<g class="line{}"><text x="{}" y="{}" text-anchor="end" fill="#222">{}</text><text x="{}" y="{}" text-anchor="end" fill="#222" font-size="11">{}</text><rect x="{LABEL_W}" y="{}" width="{:.1}" height="14" fill="#0072B2"><title>{}: annual budget {}</title></rect><rect x="{LABEL_W}" y="{}" width="{:.1}" height="14" fill="{fill}"{stroke}><title>{}: forecast outturn {}{}</title></rect></g>"##,
            if l.flagged { " flagged" } else { "" },
            LABEL_W - 8.0,
            y + 16.0,
            escape_html(&label),
            LABEL_W - 8.0,
            y + 31.0,
            if l.flagged { "over materiality" } else { "" },
            y + 4.0,
            x(f.annual_budget.pence()),
            escape_html(&label),
            f.annual_budget,
            y + 20.0,
            x(f.forecast_outturn.pence()),
            escape_html(&label),
            f.forecast_outturn,
            mark
        ));
    }
    s.push_str("</svg>");
    s
}

/// The round step at or above `raw`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

/// `£2.4m`, `£300k`, `£950`: axis labels.
fn short_money(m: Money) -> String {
    let pounds = m.pence() as f64 / 100.0;
    if pounds.abs() >= 1_000_000.0 {
        let m = format!("{:.2}", pounds / 1_000_000.0);
        format!("£{}m", m.trim_end_matches('0').trim_end_matches('.'))
    } else if pounds.abs() >= 1_000.0 {
        format!("£{:.0}k", pounds / 1_000.0)
    } else {
        format!("£{pounds:.0}")
    }
}

/// The chart's figures as rows of a table (the chart's text alternative).
#[derive(Serialize)]
pub(crate) struct ChartRow {
    pub scheme: String,
    pub source: String,
    pub annual_budget: String,
    pub forecast_outturn: String,
    pub variance: String,
    pub flagged: bool,
    pub postings: String,
}

pub(crate) fn chart_rows(m: &Monitoring, place: &str, doc: &str) -> Vec<ChartRow> {
    m.lines
        .iter()
        .map(|l| ChartRow {
            scheme: l.scheme.clone(),
            source: l.source.clone(),
            annual_budget: l.figures.annual_budget.to_string(),
            forecast_outturn: l.figures.forecast_outturn.to_string(),
            variance: l.figures.variance.to_string(),
            flagged: l.flagged,
            postings: format!(
                "/p/{place}/ledger/{doc}/postings?{}",
                drill_query(&m.period, Some(&l.scheme), Some(&l.source), None)
            ),
        })
        .collect()
}

/// Links each row of the monitoring report's tables (lines, schemes,
/// partners, and the lines' total) to the postings behind its actual.
pub(crate) fn link_rows(doc: &mut crate::domain::HtmlDocument, m: &Monitoring, base: &str) {
    let link = |scheme: Option<&str>, source: Option<&str>, partner: Option<&str>| {
        Some(format!(
            "{base}/postings?{}",
            drill_query(&m.period, scheme, source, partner)
        ))
    };
    for section in &mut doc.sections {
        let hrefs: Vec<Option<String>> = match section.id.as_str() {
            "lines" => m
                .lines
                .iter()
                .map(|l| link(Some(&l.scheme), Some(&l.source), None))
                .chain(std::iter::once(link(None, None, None)))
                .collect(),
            "schemes" => m
                .schemes
                .iter()
                .map(|r| link(Some(&r.id), None, None))
                .collect(),
            "partners" => m
                .partners
                .iter()
                .map(|r| link(None, None, Some(&r.id)))
                .collect(),
            _ => continue,
        };
        for (row, href) in section.rows.iter_mut().zip(hrefs) {
            if let Some(first) = row.first_mut() {
                first.href = href;
            }
        }
        section
            .notes
            .push("Each row's first cell links to the postings behind its actual to date.".into());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_steps_are_round() {
        assert_eq!(super::nice_step(61_250_000.0), 100_000_000.0);
        assert_eq!(super::nice_step(21_000.0), 25_000.0);
        assert_eq!(super::nice_step(150.0), 200.0);
        assert_eq!(super::nice_step(0.0), 1.0);
    }

    #[test]
    fn axis_labels_are_short() {
        use oneplace_core::Money;
        assert_eq!(super::short_money(Money::from_pence(250_000_000)), "£2.5m");
        assert_eq!(super::short_money(Money::from_pence(100_000_000)), "£1m");
        assert_eq!(super::short_money(Money::from_pence(50_000_000)), "£500k");
        assert_eq!(super::short_money(Money::ZERO), "£0");
    }
}
