//! The deal document: summary, asks and offers, financial terms, who pays
//! and who benefits, gain-share over time, readiness, and an evidence
//! appendix tracing every ask and offer to its sources.
//!
//! [`deal_document`] builds it as typed tables and charts; the writers
//! here render it as HTML (charts inline as SVG) and Markdown (charts
//! described in words), [`crate::pdf`] as PDF, and oneplace-report's writers
//! render its tables as text, CSV and XLSX.

use oneplace_charts::{
    CashFlow, PaysBenefits, cash_flow_description, cash_flow_svg, pays_benefits_description,
    pays_benefits_svg,
};
use oneplace_core::Money;
use oneplace_report::{Cell, Document, Section, Table};

use crate::LoadedDeal;
use crate::balance::{Balance, Side, WholeShare, percent2};
use crate::deal::{Deal, Direction, placeholders};
use crate::evidence::{Figure, show};

/// A chart: its SVG and the same data in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
    pub description: String,
}

/// One part of the document: paragraphs, a table, charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub section: Section,
    pub paragraphs: Vec<String>,
    pub charts: Vec<Chart>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DealDocument {
    pub title: String,
    pub subtitle: String,
    pub notes: Vec<String>,
    pub parts: Vec<Part>,
}

impl DealDocument {
    /// The tables alone, for the text, CSV and XLSX writers.
    pub fn tables(&self) -> Document {
        let mut doc = Document::new(self.title.clone()).with_note(self.subtitle.clone());
        for n in &self.notes {
            doc = doc.with_note(n.clone());
        }
        for p in &self.parts {
            let mut s = p.section.clone();
            let mut notes = p.paragraphs.clone();
            notes.append(&mut s.notes);
            s.notes = notes;
            doc = doc.with_section(s);
        }
        doc
    }
}

/// A text with each `{link}` replaced by the figure the link pulls.
pub fn fill(text: &str, figures: &[Figure]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (id, at) in placeholders(text) {
        out.push_str(&text[last..at]);
        match figures.iter().find(|f| f.link == id) {
            Some(f) => out.push_str(&f.shown),
            None => out.push_str(&text[at..at + id.len() + 2]),
        }
        last = at + id.len() + 2;
    }
    out.push_str(&text[last..]);
    out
}

fn money(x: f64) -> String {
    Money::from_pounds_rounded(x).to_string()
}

fn names(list: &[String], name: impl Fn(&str) -> String) -> String {
    list.iter().map(|i| name(i)).collect::<Vec<_>>().join("; ")
}

/// The whole deal as a document.
pub fn deal_document(d: &LoadedDeal) -> DealDocument {
    let deal = &d.deal;
    let mut notes = vec![format!(
        "Every figure is pulled from the evidence when the document is made: {} link{} to {} source{}, all current.",
        d.figures.len(),
        if d.figures.len() == 1 { "" } else { "s" },
        deal.appraisals.len() + deal.ledgers.len() + deal.measurements.len(),
        if deal.appraisals.len() + deal.ledgers.len() + deal.measurements.len() == 1 {
            ""
        } else {
            "s"
        },
    )];
    notes.push(format!(
        "Present values are discounted from {} with the Green Book {} schedule (year 0 undiscounted), in each appraisal's price base.",
        d.balance.first_year, d.balance.discount_schedule
    ));
    let mut parts = vec![
        summary(d),
        asks(d),
        offers(d),
        terms(d),
        balance_part(deal, &d.balance),
        flows_part(deal, &d.balance),
    ];
    if let Some(r) = &d.readiness {
        parts.push(readiness_part(d, r));
        parts.push(menu_part(d, r));
    }
    parts.push(evidence_part(d));
    parts.push(trace_part(d));
    if !d.balance.notes.is_empty() {
        notes.extend(d.balance.notes.iter().cloned());
    }
    DealDocument {
        title: format!("Reform deal: {}", deal.name),
        subtitle: match &deal.date {
            Some(date) => format!("{}, {date}", deal.place),
            None => deal.place.clone(),
        },
        notes,
        parts,
    }
}

fn two(columns: &[(&str, &str)], rows: Vec<(String, Cell)>) -> Table {
    let mut t = Table::new(columns);
    for (k, v) in rows {
        t.push(vec![k.into(), v]);
    }
    t
}

fn summary(d: &LoadedDeal) -> Part {
    let deal = &d.deal;
    let b = &d.balance;
    let count = |n: usize, agreed: usize| format!("{n} ({agreed} agreed)");
    let agreed_asks = deal
        .asks
        .iter()
        .filter(|a| a.status == crate::deal::Status::Agreed)
        .count();
    let agreed_offers = deal
        .offers
        .iter()
        .filter(|a| a.status == crate::deal::Status::Agreed)
        .count();
    let mut rows = vec![
        ("Place".to_string(), Cell::Text(deal.place.clone())),
        (
            "Partners".into(),
            Cell::Text(
                deal.partners
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        (
            "Counterparties".into(),
            Cell::Text(
                deal.counterparties
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        (
            "Asks of government".into(),
            Cell::Text(count(deal.asks.len(), agreed_asks)),
        ),
        (
            "Offers from the place".into(),
            Cell::Text(count(deal.offers.len(), agreed_offers)),
        ),
    ];
    let local = |side: Side| -> (f64, f64) {
        b.parties
            .iter()
            .filter(|p| p.side == side)
            .fold((0.0, 0.0), |(g, r), p| (g + p.gives, r + p.gets))
    };
    let (lg, lr) = local(Side::Local);
    let (cg, cr) = local(Side::Central);
    rows.push(("The place gives (PV)".into(), Cell::Pounds(lg)));
    rows.push(("The place gets (PV)".into(), Cell::Pounds(lr)));
    rows.push(("Government gives (PV)".into(), Cell::Pounds(cg)));
    rows.push(("Government gets (PV)".into(), Cell::Pounds(cr)));
    rows.push((
        "Left worse off".into(),
        Cell::Text(if b.worse_off.is_empty() {
            "nobody".into()
        } else {
            names(&b.worse_off, |p| deal.party_name(p))
        }),
    ));
    rows.push((
        "Gain-share leaving everyone whole".into(),
        Cell::Text(whole_text(&b.whole)),
    ));
    if let Some(r) = &d.readiness {
        rows.push((
            "Readiness".into(),
            Cell::Text(format!(
                "tier {} ({}), mean score {}",
                r.tier,
                r.tier_name,
                r.overall.map_or("n/a".into(), |o| format!("{o:.2}"))
            )),
        ));
    }
    let mut part = Part {
        section: Section::new(
            "summary",
            "Summary",
            two(&[("item", "Item"), ("value", "Value")], rows),
        ),
        paragraphs: deal.summary.iter().cloned().collect(),
        charts: Vec::new(),
    };
    if !b.worse_off.is_empty() {
        part.section = part.section.with_note(format!(
            "Under the terms as drafted, {} would be worse off.",
            names(&b.worse_off, |p| deal.party_name(p))
        ));
    }
    part
}

/// The whole-share finding in words.
pub fn whole_text(w: &WholeShare) -> String {
    match w {
        WholeShare::Range { min, max } if (max - 1.0).abs() < 1e-12 => {
            format!(
                "at least {} of the savings (caps and durations as agreed)",
                percent2_up(*min)
            )
        }
        WholeShare::Range { min, max } => format!(
            "from {} to {} of the savings (caps and durations as agreed)",
            percent2_up(*min),
            percent2(*max - 0.00005).replace("-0.00%", "0.00%")
        ),
        WholeShare::Impossible { reason } => format!("none: {reason}"),
        WholeShare::NoGainShare => "the deal has no gain-share term".into(),
    }
}

/// A share rounded up to the hundredth of a percentage point, so that the
/// figure quoted really is enough.
fn percent2_up(x: f64) -> String {
    format!("{:.2}%", (x * 10_000.0 - 1e-6).ceil().max(0.0) / 100.0)
}

fn asks(d: &LoadedDeal) -> Part {
    let deal = &d.deal;
    let mut t = Table::new(&[
        ("ask", "Ask"),
        ("theme", "Theme"),
        ("text", "What the place asks"),
        ("of", "Of"),
        ("barriers", "Barriers tackled"),
        ("terms", "Terms requested"),
        ("evidence", "Evidence"),
        ("status", "Status"),
        ("readiness", "Readiness"),
    ]);
    for a in &deal.asks {
        let mut terms: Vec<String> = a.terms.clone();
        if let Some(r) = &a.request {
            terms.push(fill(r, &d.figures));
        }
        let readiness = match (
            &d.readiness,
            a.catalogue.as_deref().and_then(|c| d.catalogue.ask(c)),
        ) {
            (Some(r), Some(c)) if c.min_tier <= r.tier => format!("credible at tier {}", r.tier),
            (Some(_), Some(c)) => format!("ahead of readiness: needs tier {}", c.min_tier),
            (None, Some(c)) => format!("needs tier {}", c.min_tier),
            (_, None) => String::new(),
        };
        t.push(vec![
            a.id.as_str().into(),
            a.theme.as_str().into(),
            fill(&a.text, &d.figures).into(),
            names(&a.of, |p| deal.party_name(p)).into(),
            names(&a.barriers, |b| {
                d.catalogue
                    .barrier(b)
                    .map_or(b.to_string(), |i| i.name.clone())
            })
            .into(),
            terms.join("; ").into(),
            a.evidence.join(", ").into(),
            a.status.as_str().into(),
            readiness.into(),
        ]);
    }
    Part {
        section: Section::new("asks", "Asks of government", t),
        paragraphs: vec![
            "Each ask tackles barriers from the catalogue and cites the evidence behind it; figures in the text are pulled from that evidence.".into(),
        ],
        charts: Vec::new(),
    }
}

fn offers(d: &LoadedDeal) -> Part {
    let deal = &d.deal;
    let mut t = Table::new(&[
        ("offer", "Offer"),
        ("theme", "Theme"),
        ("commitment", "What the place offers"),
        ("by", "By"),
        ("enablers", "Enablers drawn on"),
        ("target", "Metric and target"),
        ("evidence", "Evidence"),
        ("status", "Status"),
    ]);
    for o in &deal.offers {
        let target = match (&o.metric, o.target) {
            (Some(m), Some(target)) => {
                let metric = deal.metric(m);
                format!(
                    "{}: {}{}{}",
                    metric.map_or(m.as_str(), |x| x.name.as_str()),
                    oneplace_core::toml_input::trim_number(target),
                    metric.map_or(String::new(), |x| if x.unit.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", x.unit)
                    }),
                    o.by.map_or(String::new(), |y| format!(" by {y}"))
                )
            }
            _ => String::new(),
        };
        t.push(vec![
            o.id.as_str().into(),
            o.theme.as_str().into(),
            fill(&o.commitment, &d.figures).into(),
            names(&o.by_partners, |p| deal.party_name(p)).into(),
            names(&o.enablers, |e| {
                d.catalogue
                    .enabler(e)
                    .map_or(e.to_string(), |i| i.name.clone())
            })
            .into(),
            target.into(),
            o.evidence.join(", ").into(),
            o.status.as_str().into(),
        ]);
    }
    Part {
        section: Section::new("offers", "Offers from the place", t),
        paragraphs: vec![
            "Each offer draws on enablers from the catalogue; commitments with a metric are tested at the gateways.".into(),
        ],
        charts: Vec::new(),
    }
}

fn lower_is_met(value: f64, threshold: f64) -> bool {
    value <= threshold
}

fn higher_is_met(value: f64, threshold: f64) -> bool {
    value >= threshold
}

/// A metric's latest value, if a link measures it.
fn metric_value(d: &LoadedDeal, metric: &str) -> Option<f64> {
    let link = d.deal.metric(metric)?.current.as_ref()?;
    d.figures.iter().find(|f| &f.link == link).map(|f| f.value)
}

fn terms(d: &LoadedDeal) -> Part {
    let deal = &d.deal;
    let b = &d.balance;
    let mut t = Table::new(&[
        ("term", "Term"),
        ("kind", "Kind"),
        ("from", "From"),
        ("to", "To"),
        ("what", "Terms"),
        ("when", "When"),
        ("total", "Total (undiscounted)"),
        ("pv", "Present value"),
    ]);
    for r in &b.terms {
        t.push(vec![
            r.id.as_str().into(),
            r.kind.as_str().into(),
            deal.party_name(&r.department).into(),
            "the place".into(),
            format!(
                "{} of its fiscal savings{}",
                crate::evidence::show(r.share, crate::deal::Show::Percent),
                r.annual_cap.map_or(String::new(), |c| format!(
                    ", capped at {} a year",
                    money(c)
                ))
            )
            .into(),
            format!("{} years from {}", r.years, r.from).into(),
            Cell::Pounds(r.total),
            Cell::Pounds(r.pv),
        ]);
    }
    let to = |p: &Option<String>| {
        p.as_ref()
            .map_or("the place".to_string(), |p| deal.party_name(p))
    };
    for i in &deal.terms.investments {
        t.push(vec![
            i.id.as_str().into(),
            "investment".into(),
            deal.party_name(&i.from).into(),
            to(&i.to).into(),
            "up-front investment".into(),
            i.year.to_string().into(),
            Cell::Pounds(i.amount),
            Cell::Pounds(
                i.amount * b.flows[i.year.years_since(b.first_year) as usize].discount_factor,
            ),
        ]);
    }
    for tr in &deal.terms.tranches {
        let metric = deal.metric(&tr.gateway.metric);
        let name = metric.map_or(tr.gateway.metric.as_str(), |m| m.name.as_str());
        let (op, better) = match metric.map(|m| m.direction) {
            Some(Direction::LowerIsBetter) => ("at or below", lower_is_met as fn(f64, f64) -> bool),
            _ => ("at or above", higher_is_met as fn(f64, f64) -> bool),
        };
        let status = match metric_value(d, &tr.gateway.metric) {
            Some(v) if better(v, tr.gateway.threshold) => {
                format!("met now ({})", oneplace_core::toml_input::trim_number(v))
            }
            Some(v) => format!(
                "not yet met (now {})",
                oneplace_core::toml_input::trim_number(v)
            ),
            None => "no measurement yet".to_string(),
        };
        t.push(vec![
            tr.id.as_str().into(),
            "tranche".into(),
            deal.party_name(&tr.from).into(),
            to(&tr.to).into(),
            format!(
                "released when {name} is {op} {}{}: {status}{}",
                oneplace_core::toml_input::trim_number(tr.gateway.threshold),
                tr.gateway
                    .review
                    .map_or(String::new(), |y| format!(" at the {y} gateway review")),
                tr.conditions
                    .as_ref()
                    .map_or(String::new(), |c| format!("; {c}"))
            )
            .into(),
            tr.year.to_string().into(),
            Cell::Pounds(tr.amount),
            Cell::Pounds(
                tr.amount * b.flows[tr.year.years_since(b.first_year) as usize].discount_factor,
            ),
        ]);
    }
    let mut section = Section::new("terms", "Financial terms", t);
    section = section.with_note(format!(
        "Money paid to the place is shared between its partners {}: {}.",
        b.recipients_basis,
        b.recipients
            .iter()
            .map(|(p, s)| format!(
                "{} {}",
                deal.party_name(p),
                show(*s, crate::deal::Show::Percent)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if !deal.terms.tranches.is_empty() {
        section = section.with_note("Tranches count in the balance as if every gateway is passed.");
    }
    Part {
        section,
        paragraphs: Vec::new(),
        charts: Vec::new(),
    }
}

/// Who gives and gets what, per party.
pub fn balance_section(deal: &Deal, b: &Balance) -> Section {
    let mut t = Table::new(&[
        ("party", "Party"),
        ("name", "Name"),
        ("side", "Side"),
        ("pv_cost", "Costs borne"),
        ("pv_benefit", "Fiscal benefits"),
        ("gain_share_paid", "Gain-share paid"),
        ("gain_share_received", "Gain-share received"),
        ("investment_paid", "Investment paid"),
        ("investment_received", "Investment received"),
        ("gives", "Gives"),
        ("gets", "Gets"),
        ("net", "Net"),
        ("worse_off", "Worse off"),
    ]);
    for p in &b.parties {
        t.push(vec![
            p.party.as_str().into(),
            p.name.as_str().into(),
            match p.side {
                Side::Local => "local",
                Side::Central => "central",
            }
            .into(),
            Cell::Pounds(p.pv_cost),
            Cell::Pounds(p.pv_benefit),
            Cell::Pounds(p.gain_share_paid),
            Cell::Pounds(p.gain_share_received),
            Cell::Pounds(p.investment_paid),
            Cell::Pounds(p.investment_received),
            Cell::Pounds(p.gives),
            Cell::Pounds(p.gets),
            Cell::Pounds(p.net),
            if p.worse_off { "yes" } else { "no" }.into(),
        ]);
    }
    let totals = b.parties.iter().fold([0.0; 8], |mut acc, p| {
        for (a, x) in acc.iter_mut().zip([
            p.pv_cost,
            p.pv_benefit,
            p.gain_share_paid,
            p.gain_share_received,
            p.investment_paid,
            p.investment_received,
            p.gives,
            p.gets,
        ]) {
            *a += x;
        }
        acc
    });
    let mut row: Vec<Cell> = vec!["Total".into(), Cell::Empty, Cell::Empty];
    row.extend(totals.iter().map(|x| Cell::Pounds(*x)));
    row.push(Cell::Pounds(totals[7] - totals[6]));
    row.push(Cell::Empty);
    t.push(row);
    Section::new("balance", "Who pays and who benefits under the deal", t)
        .with_note(format!(
            "Present values from {} over {} years; appraisals counted: {}.",
            b.first_year,
            b.years,
            if b.appraisals.is_empty() { "none".to_string() } else { b.appraisals.join(", ") }
        ))
        .with_note("Gives = costs borne + gain-share paid + investment paid; gets = fiscal benefits + gain-share received + investment received; net = gets − gives.")
        .with_note(format!(
            "Worse off: {}. Gain-share leaving every party at least whole: {}.",
            if b.worse_off.is_empty() {
                "nobody".to_string()
            } else {
                names(&b.worse_off, |p| deal.party_name(p))
            },
            whole_text(&b.whole)
        ))
}

fn balance_part(deal: &Deal, b: &Balance) -> Part {
    let chart = PaysBenefits {
        title: format!("{}: what each party gives and gets (PV)", deal.name),
        // Ids: the names are too long for the axis (the table has them).
        agencies: b.parties.iter().map(|p| p.party.clone()).collect(),
        cost: b.parties.iter().map(|p| p.gives).collect(),
        benefit: b.parties.iter().map(|p| p.gets).collect(),
    };
    Part {
        section: balance_section(deal, b),
        paragraphs: Vec::new(),
        charts: vec![Chart {
            id: "who-gives-who-gets".into(),
            title: chart.title.clone(),
            svg: pays_benefits_svg(&chart),
            description: pays_benefits_description(&chart),
        }],
    }
}

/// Money to the place by year.
pub fn flows_section(deal: &Deal, b: &Balance) -> Section {
    let mut columns: Vec<(String, String)> = vec![
        ("financial_year".into(), "Financial year".into()),
        ("discount_factor".into(), "Discount factor".into()),
    ];
    for r in &b.terms {
        columns.push((
            format!("benefit_{}", r.id.replace('-', "_")),
            format!(
                "{} fiscal benefit to {}",
                r.id,
                deal.party_name(&r.department)
            ),
        ));
        columns.push((
            format!("paid_{}", r.id.replace('-', "_")),
            format!("{} paid", r.id),
        ));
    }
    columns.push(("investment".into(), "Investment and tranches".into()));
    columns.push(("cumulative".into(), "Cumulative to the place".into()));
    columns.push(("cumulative_discounted".into(), "Cumulative (PV)".into()));
    let refs: Vec<(&str, &str)> = columns
        .iter()
        .map(|(k, h)| (k.as_str(), h.as_str()))
        .collect();
    let mut t = Table::new(&refs);
    for (i, f) in b.flows.iter().enumerate() {
        let mut row: Vec<Cell> = vec![
            Cell::Year(f.financial_year),
            Cell::Number {
                value: f.discount_factor,
                decimals: 4,
            },
        ];
        for r in &b.terms {
            let y = &r.by_year[i];
            row.push(Cell::Pounds(y.benefit));
            row.push(if y.capped {
                Cell::Text(format!("{} (capped)", money(y.payment)))
            } else {
                Cell::Pounds(y.payment)
            });
        }
        row.push(Cell::Pounds(f.investment));
        row.push(Cell::Pounds(f.cumulative));
        row.push(Cell::Pounds(f.cumulative_discounted));
        t.push(row);
    }
    Section::new("gain_share", "Gain-share and investment over time", t).with_note(
        "Each year: the department's fiscal benefit in the balanced appraisals (undiscounted, price base), what it pays the place under each term (share × benefit, at most the cap, for the term's years), and the investment paid that year.",
    )
}

fn flows_part(deal: &Deal, b: &Balance) -> Part {
    // The chart's title must fit its width, so it does not repeat the deal's name.
    let mut charts = Vec::new();
    if b.flows
        .iter()
        .any(|f| f.gain_share != 0.0 || f.investment != 0.0)
    {
        let chart = CashFlow {
            title: "Gain-share and investment paid to the place, cumulative".to_string(),
            years: b
                .flows
                .iter()
                .map(|f| f.financial_year.to_string())
                .collect(),
            cumulative: b.flows.iter().map(|f| f.cumulative).collect(),
            cumulative_discounted: b.flows.iter().map(|f| f.cumulative_discounted).collect(),
            payback: None,
            payback_discounted: None,
        };
        charts.push(Chart {
            id: "gain-share-over-time".into(),
            title: chart.title.clone(),
            svg: cash_flow_svg(&chart),
            description: cash_flow_description(&chart),
        });
    }
    Part {
        section: flows_section(deal, b),
        paragraphs: Vec::new(),
        charts,
    }
}

fn readiness_part(d: &LoadedDeal, r: &crate::readiness::Readiness) -> Part {
    let deal = &d.deal;
    let mut columns: Vec<(String, String)> = vec![
        ("kind".into(), "Kind".into()),
        ("item".into(), "Enabler or barrier".into()),
    ];
    for resp in &r.responses {
        columns.push((
            resp.partner.replace('-', "_"),
            deal.party_name(&resp.partner),
        ));
    }
    for (k, h) in [
        ("mean", "Mean"),
        ("spread", "Spread"),
        ("disagree", "Partners disagree"),
    ] {
        columns.push((k.into(), h.into()));
    }
    let refs: Vec<(&str, &str)> = columns
        .iter()
        .map(|(k, h)| (k.as_str(), h.as_str()))
        .collect();
    let mut t = Table::new(&refs);
    for i in &r.items {
        let mut row: Vec<Cell> = vec![i.kind.as_str().into(), i.name.as_str().into()];
        for resp in &r.responses {
            row.push(
                i.scores
                    .iter()
                    .find(|(p, _)| *p == resp.partner)
                    .map_or(Cell::Empty, |(_, s)| Cell::Integer(i64::from(*s))),
            );
        }
        row.push(i.mean.map_or(Cell::Empty, |m| Cell::Number {
            value: m,
            decimals: 2,
        }));
        row.push(Cell::Integer(i64::from(i.spread)));
        row.push(if i.disagreement { "yes" } else { "" }.into());
        t.push(row);
    }
    let scale = d
        .catalogue
        .scale
        .iter()
        .map(|s| format!("{} {}", s.score, s.label))
        .collect::<Vec<_>>()
        .join(", ");
    let mut section = Section::new("readiness", "Readiness", t)
        .with_note(format!(
            "Each partner scored every enabler and barrier from 1 to {} ({scale}); higher is readier: an enabler in place, a barrier overcome.",
            d.catalogue.max_score()
        ))
        .with_note(format!(
            "Mean score {} (enablers {}, barriers {}): tier {}, {}.",
            r.overall.map_or("n/a".into(), |o| format!("{o:.2}")),
            r.enablers.map_or("n/a".into(), |o| format!("{o:.2}")),
            r.barriers.map_or("n/a".into(), |o| format!("{o:.2}")),
            r.tier,
            r.tier_name
        ));
    let disagreements: Vec<&str> = r
        .items
        .iter()
        .filter(|i| i.disagreement)
        .map(|i| i.name.as_str())
        .collect();
    section = section.with_note(if disagreements.is_empty() {
        format!(
            "Partners' scores differ by less than {} on every item.",
            oneplace_core::toml_input::trim_number(r.disagreement_threshold)
        )
    } else {
        format!(
            "Partners disagree (scores {} or more apart) on: {}.",
            oneplace_core::toml_input::trim_number(r.disagreement_threshold),
            disagreements.join("; ")
        )
    });
    if let Some(next) = r.tiers.iter().find(|t| t.tier == r.tier + 1) {
        section = section.with_note(format!(
            "Tier {} ({}) needs: {}.",
            next.tier,
            next.name,
            next.shortfalls.join("; ")
        ));
    }
    if !r.missing.is_empty() {
        section = section.with_note(format!(
            "Not yet answered by: {}.",
            names(&r.missing, |p| deal.party_name(p))
        ));
    }
    Part {
        section,
        paragraphs: Vec::new(),
        charts: Vec::new(),
    }
}

fn menu_part(d: &LoadedDeal, r: &crate::readiness::Readiness) -> Part {
    let mut t = Table::new(&[
        ("ask", "Catalogue ask"),
        ("name", "Ask"),
        ("min_tier", "From tier"),
        ("credible", "Credible now"),
        ("taken_up_by", "In this deal"),
    ]);
    for m in &r.menu {
        t.push(vec![
            m.id.as_str().into(),
            m.name.as_str().into(),
            Cell::Integer(i64::from(m.min_tier)),
            if m.credible { "yes" } else { "no" }.into(),
            m.taken_up_by.join(", ").into(),
        ]);
    }
    let mut section =
        Section::new("menu", "The menu of asks at this readiness", t).with_note(format!(
            "At tier {} ({}), asks from tier {} or below are credible.",
            r.tier, r.tier_name, r.tier
        ));
    if !r.ahead_of_readiness.is_empty() {
        section = section.with_note(format!(
            "Ahead of readiness: {}.",
            r.ahead_of_readiness
                .iter()
                .map(|(a, t)| format!("{a} needs tier {t}"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let _ = d;
    Part {
        section,
        paragraphs: Vec::new(),
        charts: Vec::new(),
    }
}

fn evidence_part(d: &LoadedDeal) -> Part {
    let mut t = Table::new(&[
        ("link", "Evidence"),
        ("description", "What it is"),
        ("kind", "Source"),
        ("files", "File"),
        ("figure", "Figure"),
        ("value", "Value now"),
        ("quoted", "Quoted in the deal"),
    ]);
    for f in &d.figures {
        let link = d.deal.link(&f.link);
        t.push(vec![
            f.link.as_str().into(),
            f.description.clone().unwrap_or_default().into(),
            format!("{} '{}'", f.kind.as_str(), f.source).into(),
            f.files.join(", ").into(),
            match &f.report {
                Some(r) => format!("{} ({r})", f.figure),
                None => f.figure.clone(),
            }
            .into(),
            f.shown.as_str().into(),
            match (f.quoted, link) {
                (Some(q), Some(l)) => show(q, l.show),
                _ => "not pinned".into(),
            }
            .into(),
        ]);
    }
    Part {
        section: Section::new("evidence", "Evidence appendix", t).with_note(format!(
            "Catalogue: {} version {} ({}).",
            d.catalogue.id, d.catalogue.version, d.catalogue_file
        )),
        paragraphs: vec![
            "Each figure is pulled, when the document is made, from the file named, by the path given (docs/deal-format.md explains paths). A pinned figure that no longer matches its source stops the document being made.".into(),
        ],
        charts: Vec::new(),
    }
}

fn trace_part(d: &LoadedDeal) -> Part {
    let deal = &d.deal;
    let mut t = Table::new(&[
        ("item", "Ask or offer"),
        ("because", "Barriers or enablers"),
        ("evidence", "Evidence"),
        ("sources", "Sources"),
    ]);
    let sources_of = |evidence: &[String]| -> String {
        let mut files: Vec<String> = evidence
            .iter()
            .filter_map(|e| d.figures.iter().find(|f| &f.link == e))
            .flat_map(|f| f.files.iter().cloned())
            .collect();
        files.sort();
        files.dedup();
        files.join(", ")
    };
    let evidence_of = |evidence: &[String]| -> String {
        evidence
            .iter()
            .map(|e| match d.figures.iter().find(|f| &f.link == e) {
                Some(f) => format!("{e} = {}", f.shown),
                None => e.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    for a in &deal.asks {
        t.push(vec![
            format!("ask {}", a.id).into(),
            names(&a.barriers, |b| {
                d.catalogue
                    .barrier(b)
                    .map_or(b.to_string(), |i| i.name.clone())
            })
            .into(),
            evidence_of(&a.evidence).into(),
            sources_of(&a.evidence).into(),
        ]);
    }
    for o in &deal.offers {
        t.push(vec![
            format!("offer {}", o.id).into(),
            names(&o.enablers, |e| {
                d.catalogue
                    .enabler(e)
                    .map_or(e.to_string(), |i| i.name.clone())
            })
            .into(),
            evidence_of(&o.evidence).into(),
            sources_of(&o.evidence).into(),
        ]);
    }
    Part {
        section: Section::new("trace", "Tracing asks and offers to their evidence", t),
        paragraphs: Vec::new(),
        charts: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Writers.

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;max-width:74rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
h1{font-size:1.8rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #0072B2;padding-bottom:.2rem}\
.subtitle{color:#555;margin-top:0}.note{color:#444;font-size:.92rem}\
table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.9rem}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f6f9}td.num,th.num{text-align:right;white-space:nowrap}tr:last-child td{border-bottom:2px solid #999}\
figure{margin:1.2rem 0}figcaption{font-size:.9rem;color:#444}figure svg{max-width:100%;height:auto}";

/// The document as one self-contained HTML page, charts inline as SVG.
pub fn render_html(doc: &DealDocument) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&doc.title)
    ));
    h.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
        esc(&doc.title),
        esc(&doc.subtitle)
    ));
    for n in &doc.notes {
        h.push_str(&format!("<p class=\"note\">{}</p>\n", esc(n)));
    }
    for p in &doc.parts {
        let s = &p.section;
        h.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            esc(&s.id),
            esc(&s.title)
        ));
        for para in &p.paragraphs {
            h.push_str(&format!("<p>{}</p>\n", esc(para)));
        }
        for n in &s.notes {
            h.push_str(&format!("<p class=\"note\">{}</p>\n", esc(n)));
        }
        let numeric: Vec<bool> = (0..s.table.columns.len())
            .map(|c| {
                let mut cells = s
                    .table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|x| !matches!(x, Cell::Empty))
                    .peekable();
                cells.peek().is_some() && cells.all(Cell::is_numeric)
            })
            .collect();
        h.push_str("<table>\n<thead><tr>");
        for (c, col) in s.table.columns.iter().enumerate() {
            let class = if numeric[c] { " class=\"num\"" } else { "" };
            h.push_str(&format!(
                "<th scope=\"col\"{class}>{}</th>",
                esc(&col.heading)
            ));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for row in &s.table.rows {
            h.push_str("<tr>");
            for c in 0..s.table.columns.len() {
                let cell = row.get(c).unwrap_or(&Cell::Empty);
                let class = if cell.is_numeric() {
                    " class=\"num\""
                } else {
                    ""
                };
                h.push_str(&format!("<td{class}>{}</td>", esc(&cell.to_string())));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table>\n");
        for chart in &p.charts {
            h.push_str(&format!("<figure id=\"{}\">\n", esc(&chart.id)));
            h.push_str(chart.svg.trim());
            h.push_str(&format!(
                "\n<figcaption>{}</figcaption>\n</figure>\n",
                esc(&chart.description)
            ));
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn md_cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
}

/// The document as GitHub-flavoured Markdown; charts are described in
/// words (the HTML and PDF documents draw them).
pub fn render_markdown(doc: &DealDocument) -> String {
    let mut m = format!("# {}\n\n{}\n\n", doc.title, doc.subtitle);
    for n in &doc.notes {
        m.push_str(&format!("{n}\n\n"));
    }
    for p in &doc.parts {
        let s = &p.section;
        m.push_str(&format!("## {}\n\n", s.title));
        for para in p.paragraphs.iter().chain(&s.notes) {
            m.push_str(&format!("{para}\n\n"));
        }
        let numeric: Vec<bool> = (0..s.table.columns.len())
            .map(|c| {
                let mut cells = s
                    .table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|x| !matches!(x, Cell::Empty))
                    .peekable();
                cells.peek().is_some() && cells.all(Cell::is_numeric)
            })
            .collect();
        m.push('|');
        for col in &s.table.columns {
            m.push_str(&format!(" {} |", md_cell(&col.heading)));
        }
        m.push_str("\n|");
        for n in &numeric {
            m.push_str(if *n { "---:|" } else { "---|" });
        }
        m.push('\n');
        for row in &s.table.rows {
            m.push('|');
            for c in 0..s.table.columns.len() {
                let cell = row.get(c).unwrap_or(&Cell::Empty);
                m.push_str(&format!(" {} |", md_cell(&cell.to_string())));
            }
            m.push('\n');
        }
        m.push('\n');
        for chart in &p.charts {
            m.push_str(&format!(
                "*Chart: {}.* {}\n\n",
                chart.title, chart.description
            ));
        }
    }
    m
}
