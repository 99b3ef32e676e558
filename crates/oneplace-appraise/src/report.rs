//! The appraisal as a report document: what the text, CSV and XLSX outputs
//! show. JSON is the [`Appraisal`] itself, serialised.

use oneplace_report::{Cell, Document, Section, Table};

use crate::evaluate::Appraisal;
use crate::uncertainty::Distribution;
use crate::uncertainty::sensitivity::{Headline, Method, NptTest, Sensitivity, Switch};
use crate::uncertainty::simulate::{PaybackDistribution, SimulationReport};
use crate::uncertainty::stats::Summary;

fn pounds(x: f64) -> Cell {
    Cell::Pounds(x)
}

fn opt_ratio(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Ratio)
}

fn opt_pounds(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Pounds)
}

fn opt_percent(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Percent)
}

fn year_label(a: &Appraisal, year: Option<usize>) -> Cell {
    match year {
        Some(t) => Cell::Text(format!("year {t} ({})", a.first_year.offset(t as i32))),
        None => Cell::Text("not within the appraisal period".into()),
    }
}

/// Every table of the appraisal.
pub fn document(a: &Appraisal) -> Document {
    let mut doc = Document::new(format!("Appraisal: {}", a.name))
        .with_note(format!(
            "{} years from {} (year 0); values in {} prices; discounted with the Green Book {} schedule{}.",
            a.years_appraised,
            a.first_year,
            a.price_base,
            a.discount_schedule,
            if a.discount_year_zero { ", year 0 discounted" } else { ", year 0 undiscounted" }
        ))
        .with_note("Amounts are present values in pounds unless a table says otherwise.");
    for w in &a.warnings {
        doc = doc.with_note(format!("Warning: {w}"));
    }
    doc.with_section(summary(a))
        .with_section(agencies(a))
        .with_section(matrix(a))
        .with_section(fair_split(a))
        .with_section(years(a))
        .with_section(outcomes(a))
        .with_section(costs(a))
        .with_section(reference_data(a))
}

fn summary(a: &Appraisal) -> Section {
    let t = &a.totals;
    let mut table = Table::new(&[("measure", "Measure"), ("value", "Value"), ("note", "Note")]);
    let mut row = |m: &str, v: Cell, n: &str| table.push(vec![m.into(), v, n.into()]);
    row("PV of costs", pounds(t.pv_costs), "after optimism bias");
    row(
        "PV of cash costs",
        pounds(t.pv_cash_costs),
        "capital and revenue",
    );
    row(
        "PV of in-kind costs",
        pounds(t.pv_in_kind_costs),
        "staff, premises, goods given",
    );
    row(
        "PV of fiscal benefits",
        pounds(t.pv_fiscal),
        "savings to public bodies, after optimism bias",
    );
    row(
        "PV of cashable fiscal benefits",
        pounds(t.pv_cashable),
        "can be taken out of budgets",
    );
    row(
        "PV of transfer payments",
        pounds(t.pv_transfers),
        "part of the fiscal benefits: benefits and tax, not public value",
    );
    row("PV of economic benefits", pounds(t.pv_economic), "");
    row("PV of social benefits", pounds(t.pv_social), "");
    row(
        "PV of public value",
        pounds(t.pv_public_value),
        "fiscal (less transfers) + economic + social",
    );
    row(
        "Net present budget impact",
        pounds(a.npbi),
        "PV fiscal − PV costs",
    );
    row(
        "Financial return on investment",
        opt_ratio(a.financial_roi),
        "PV fiscal ÷ PV costs",
    );
    row(
        "Cashable return on investment",
        opt_ratio(a.cashable_financial_roi),
        "PV cashable ÷ PV costs",
    );
    row(
        "Net present public value",
        pounds(a.nppv),
        "PV public value − PV costs",
    );
    row(
        "Public value return (benefit-cost ratio)",
        opt_ratio(a.public_value_roi),
        &format!(
            "value for money band: {} (DfT); read it beside the unmonetised effects, never alone",
            a.value_for_money_band.unwrap_or("n/a")
        ),
    );
    row(
        "Payback (discounted)",
        year_label(a, a.payback_year_discounted),
        "cumulative fiscal benefit reaches cumulative cost",
    );
    row(
        "Payback (undiscounted)",
        year_label(a, a.payback_year_undiscounted),
        "",
    );
    Section::new("summary", "Summary", table)
}

fn agencies(a: &Appraisal) -> Section {
    let mut table = Table::new(&[
        ("agency", "Agency"),
        ("name", "Name"),
        ("pv_cost", "PV cost borne"),
        ("pv_fiscal_benefit", "PV fiscal benefit"),
        ("pv_cashable_benefit", "PV cashable benefit"),
        ("net", "Net"),
        ("roi", "ROI"),
    ]);
    for r in &a.agencies {
        table.push(vec![
            r.agency.as_str().into(),
            r.name.as_str().into(),
            pounds(r.pv_cost),
            pounds(r.pv_fiscal_benefit),
            pounds(r.pv_cashable_benefit),
            pounds(r.net),
            opt_ratio(r.roi),
        ]);
    }
    Section::new("agencies", "Who pays and who benefits, by agency", table).with_note(
        "Net = PV fiscal benefit − PV cost borne; ROI = PV fiscal benefit ÷ PV cost borne.",
    )
}

fn matrix(a: &Appraisal) -> Section {
    let m = &a.matrix;
    let mut columns: Vec<(String, String)> =
        vec![("funder".into(), "Funder \\ beneficiary".into())];
    for b in &m.beneficiaries {
        columns.push((b.replace('-', "_"), b.clone()));
    }
    columns.push(("total".into(), "Total".into()));
    let refs: Vec<(&str, &str)> = columns
        .iter()
        .map(|(k, h)| (k.as_str(), h.as_str()))
        .collect();
    let mut table = Table::new(&refs);
    for (f, funder) in m.funders.iter().enumerate() {
        let mut row: Vec<Cell> = vec![funder.as_str().into()];
        row.extend(m.values[f].iter().map(|&v| pounds(v)));
        row.push(pounds(m.values[f].iter().sum()));
        table.push(row);
    }
    let mut total: Vec<Cell> = vec!["Total".into()];
    total.extend(m.beneficiary_benefit.iter().map(|&v| pounds(v)));
    total.push(pounds(m.beneficiary_benefit.iter().sum()));
    table.push(total);
    Section::new("matrix", "Funder × beneficiary matrix", table).with_note(format!(
        "Each cell: the PV fiscal benefit to the column's agency bought by the row's funding ({}).",
        m.method
    ))
}

fn fair_split(a: &Appraisal) -> Section {
    let s = &a.fair_split;
    let mut table = Table::new(&[
        ("agency", "Agency"),
        ("contributes", "Contributes"),
        ("pv_fiscal_benefit", "PV fiscal benefit"),
        ("current", "Current contribution"),
        ("net_current", "Net (current)"),
        ("benefit_share", "Benefit share"),
        ("benefit_share_of_cash", "Share of cash"),
        ("net_benefit_share", "Net (benefit share)"),
        ("equal_roi", "Equal return"),
        ("equal_roi_share_of_cash", "Share of cash"),
        ("net_equal_roi", "Net (equal return)"),
    ]);
    for r in &s.agencies {
        table.push(vec![
            r.agency.as_str().into(),
            if r.contributes { "yes" } else { "no" }.into(),
            pounds(r.pv_fiscal_benefit),
            pounds(r.current),
            pounds(r.net_current),
            opt_pounds(r.benefit_share),
            opt_percent(r.benefit_share_of_cash),
            opt_pounds(r.net_benefit_share),
            opt_pounds(r.equal_roi),
            opt_percent(r.equal_roi_share_of_cash),
            opt_pounds(r.net_equal_roi),
        ]);
    }
    let worse = |list: &[String]| {
        if list.is_empty() {
            "nobody".to_string()
        } else {
            list.join(", ")
        }
    };
    let mut section = Section::new("fair_split", "Fair contribution split", table)
        .with_note(format!(
            "Cash to find between contributing agencies: {} of {} total PV cost (in-kind and non-contributors' costs stay where they are).",
            oneplace_core::Money::from_pounds_rounded(s.cash_to_split),
            oneplace_core::Money::from_pounds_rounded(s.total_cost)
        ))
        .with_note(format!(
            "Worse off: currently {}; under benefit share {}; under equal return {}.{}",
            worse(&s.no_worse_off.current),
            worse(&s.no_worse_off.benefit_share),
            worse(&s.no_worse_off.equal_roi),
            match s.equal_roi {
                Some(r) => format!(" Equal return: every contributing agency earns {r:.2} per £1."),
                None => String::new(),
            }
        ));
    for n in &s.notes {
        section = section.with_note(n.clone());
    }
    section
}

fn years(a: &Appraisal) -> Section {
    let mut table = Table::new(&[
        ("year", "Year"),
        ("financial_year", "Financial year"),
        ("discount_factor", "Discount factor"),
        ("costs", "Costs"),
        ("in_kind_costs", "of which in kind"),
        ("fiscal", "Fiscal"),
        ("cashable", "Cashable"),
        ("economic", "Economic"),
        ("social", "Social"),
        ("public_value", "Public value"),
        ("net_fiscal", "Net fiscal"),
        ("cumulative_net_fiscal", "Cumulative net fiscal"),
        ("cumulative_discounted_net_fiscal", "Cumulative discounted"),
    ]);
    for y in &a.years {
        table.push(vec![
            Cell::Integer(y.year as i64),
            Cell::Year(y.financial_year),
            Cell::Number {
                value: y.discount_factor,
                decimals: 4,
            },
            pounds(y.costs),
            pounds(y.in_kind_costs),
            pounds(y.fiscal),
            pounds(y.cashable),
            pounds(y.economic),
            pounds(y.social),
            pounds(y.public_value),
            pounds(y.net_fiscal),
            pounds(y.cumulative_net_fiscal),
            pounds(y.cumulative_discounted_net_fiscal),
        ]);
    }
    Section::new("years", "Year by year (undiscounted, price base)", table)
}

fn outcomes(a: &Appraisal) -> Section {
    let mut table = Table::new(&[
        ("outcome", "Outcome"),
        ("name", "Name"),
        ("rate", "Success per starter"),
        ("starters", "Starters"),
        ("outcome_years", "Outcome-years"),
        ("pv_fiscal", "PV fiscal"),
        ("pv_economic", "PV economic"),
        ("pv_social", "PV social"),
        ("pv_public_value", "PV public value"),
    ]);
    for o in &a.outcomes {
        table.push(vec![
            o.id.as_str().into(),
            o.name.as_str().into(),
            Cell::Percent(o.rate),
            Cell::Number {
                value: o.starters,
                decimals: 0,
            },
            Cell::Number {
                value: o.outcome_years,
                decimals: 1,
            },
            pounds(o.pv_fiscal),
            pounds(o.pv_economic),
            pounds(o.pv_social),
            pounds(o.pv_public_value),
        ]);
    }
    Section::new("outcomes", "Outcomes", table)
}

fn costs(a: &Appraisal) -> Section {
    let mut table = Table::new(&[
        ("cost", "Cost"),
        ("name", "Name"),
        ("agency", "Agency"),
        ("type", "Type"),
        ("optimism_uplift", "Optimism bias"),
        ("total", "Total (undiscounted)"),
        ("pv", "PV"),
    ]);
    for c in &a.costs {
        table.push(vec![
            c.id.as_str().into(),
            c.name.as_str().into(),
            c.agency.as_str().into(),
            c.kind.as_str().into(),
            Cell::Percent(c.optimism_uplift),
            pounds(c.total),
            pounds(c.pv),
        ]);
    }
    Section::new("costs", "Costs", table)
}

fn reference_data(a: &Appraisal) -> Section {
    let mut table = Table::new(&[
        ("id", "Data set"),
        ("version", "Version"),
        ("source", "Source"),
        ("licence", "Licence"),
    ]);
    for r in &a.reference_data {
        table.push(vec![
            r.id.as_str().into(),
            r.version.as_str().into(),
            r.source.as_str().into(),
            r.licence.as_str().into(),
        ]);
    }
    Section::new("reference_data", "Reference data used", table)
}

/// The appraisal as JSON, rounded for export: amounts in pounds to the
/// penny, ratios, rates, shares and discount factors to six decimals.
pub fn to_json(a: &Appraisal) -> serde_json::Value {
    let mut value = serde_json::to_value(a).expect("an appraisal serialises");
    round_floats(&mut value, None);
    value
}

/// Keys whose numbers are not pounds.
fn is_fine_grained(key: &str) -> bool {
    key.ends_with("roi")
        || key.ends_with("share_of_cash")
        || key.ends_with("uplift")
        || key.ends_with("reduction")
        || matches!(
            key,
            "discount_factor" | "rate" | "share" | "quantity" | "outcome_years" | "starters"
        )
}

fn round_floats(value: &mut serde_json::Value, key: Option<&str>) {
    round_with(value, key, &|key| {
        if key.is_some_and(is_fine_grained) {
            1e6
        } else {
            100.0
        }
    });
}

/// Simulation and sensitivity figures mix money, rates and ratios under the
/// same keys: six decimals for all.
fn round_fine(value: &mut serde_json::Value) {
    round_with(value, None, &|_| 1e6);
}

fn round_with(
    value: &mut serde_json::Value,
    key: Option<&str>,
    scale_of: &dyn Fn(Option<&str>) -> f64,
) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            let scale = scale_of(key);
            let rounded = (x * scale).round() / scale;
            // -0.0 would print as "-0.0".
            let rounded = if rounded == 0.0 { 0.0 } else { rounded };
            if let Some(r) = serde_json::Number::from_f64(rounded) {
                *n = r;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                round_with(item, key, scale_of);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                round_with(v, Some(k), scale_of);
            }
        }
        _ => {}
    }
}

fn input_value(x: f64) -> Cell {
    Cell::Number {
        value: x,
        decimals: 4,
    }
}

/// The simulation's tables.
pub fn simulation_sections(r: &SimulationReport) -> Vec<Section> {
    let mut table = Table::new(&[
        ("output", "Output"),
        ("mean", "Mean"),
        ("sd", "SD"),
        ("p5", "P5"),
        ("p10", "P10"),
        ("p50", "P50"),
        ("p90", "P90"),
        ("p95", "P95"),
        ("probability_below", "P(below)"),
        ("standard_error", "MC s.e. of mean"),
    ]);
    let mut row = |name: &str, s: &Summary, money: bool| {
        let v = |x: f64| {
            if money {
                Cell::Pounds(x)
            } else {
                Cell::Ratio(x)
            }
        };
        table.push(vec![
            name.into(),
            v(s.mean),
            v(s.sd),
            v(s.p5),
            v(s.p10),
            v(s.p50),
            v(s.p90),
            v(s.p95),
            Cell::Percent(s.probability_below),
            if money {
                Cell::Pounds(s.standard_error)
            } else {
                Cell::Number {
                    value: s.standard_error,
                    decimals: 4,
                }
            },
        ]);
    };
    row("Net present budget impact", &r.npbi, true);
    row("Financial return on investment", &r.financial_roi, false);
    row(
        "Cashable return on investment",
        &r.cashable_financial_roi,
        false,
    );
    row("Net present public value", &r.nppv, true);
    row("Public value return", &r.public_value_roi, false);
    for a in &r.agencies {
        row(&format!("Net position: {}", a.agency), &a.net, true);
    }
    let mut summary = Section::new("simulation", "Monte Carlo simulation", table)
        .with_note(format!(
            "{} draws{} with seed {}; P(below) is the chance a net present value is below £0, or a return below 1.",
            group_digits(r.draws),
            if r.partial {
                format!(
                    " (PARTIAL: stopped after {} of {})",
                    group_digits(r.draws),
                    group_digits(r.requested)
                )
            } else {
                String::new()
            },
            r.seed
        ))
        .with_note(format!(
            "Outputs held in memory: {:.1} MB.",
            r.memory_bytes as f64 / 1e6
        ));
    for (a, b, rank) in &r.correlations {
        summary = summary.with_note(format!("{a} and {b}: rank correlation {rank}."));
    }

    let mut payback = Table::new(&[
        ("year", "Year"),
        ("financial_year", "Financial year"),
        ("discounted", "Pays back (discounted)"),
        ("undiscounted", "Pays back (undiscounted)"),
    ]);
    let mut years: Vec<(usize, oneplace_core::FinancialYear)> = r
        .payback_discounted
        .by_year
        .iter()
        .chain(&r.payback_undiscounted.by_year)
        .map(|y| (y.year, y.financial_year))
        .collect();
    years.sort();
    years.dedup();
    let share = |d: &PaybackDistribution, year: usize| {
        Cell::Percent(
            d.by_year
                .iter()
                .find(|y| y.year == year)
                .map_or(0.0, |y| y.share),
        )
    };
    for (year, fy) in years {
        payback.push(vec![
            Cell::Integer(year as i64),
            Cell::Year(fy),
            share(&r.payback_discounted, year),
            share(&r.payback_undiscounted, year),
        ]);
    }
    payback.push(vec![
        "never".into(),
        Cell::Empty,
        Cell::Percent(r.payback_discounted.never),
        Cell::Percent(r.payback_undiscounted.never),
    ]);

    let mut inputs = Table::new(&[
        ("input", "Input"),
        ("distribution", "Distribution"),
        ("base", "Base value"),
    ]);
    for i in &r.inputs {
        inputs.push(vec![
            i.input.as_str().into(),
            describe(&i.distribution).into(),
            input_value(i.base),
        ]);
    }
    vec![
        summary,
        Section::new("payback_distribution", "When it pays back", payback),
        Section::new("uncertain_inputs", "Uncertain inputs", inputs),
    ]
}

/// A distribution as the model writes it.
pub fn describe(d: &Distribution) -> String {
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d {
        Distribution::Triangular { min, mode, max } => {
            format!("triangular({})", list(&[*min, *mode, *max]))
        }
        Distribution::Pert { min, mode, max } => format!("pert({})", list(&[*min, *mode, *max])),
        Distribution::Uniform { min, max } => format!("uniform({})", list(&[*min, *max])),
        Distribution::Normal {
            mean,
            sd,
            min: Some(lo),
            max: Some(hi),
        } => format!("normal({})", list(&[*mean, *sd, *lo, *hi])),
        Distribution::Normal { mean, sd, .. } => format!("normal({})", list(&[*mean, *sd])),
        Distribution::LogNormal { mean, sd } => format!("lognormal({})", list(&[*mean, *sd])),
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            format!("beta({})", list(&[*alpha, *beta, *min, *max]))
        }
        Distribution::Discrete {
            values,
            probabilities,
        } => format!(
            "discrete({})",
            values
                .iter()
                .zip(probabilities)
                .map(|(v, p)| format!("{v}: {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn switch_cells(s: &Switch) -> [Cell; 3] {
    match s.value {
        Some(v) => [
            input_value(v),
            s.change.map_or(Cell::Empty, Cell::Percent),
            match s.method {
                Some(Method::Exact) => "exact (linear)".into(),
                _ => "bracketed".into(),
            },
        ],
        None => [
            Cell::Empty,
            Cell::Empty,
            s.note.clone().unwrap_or_default().into(),
        ],
    }
}

fn headline_row(name: &str, h: &Headline, first_year: oneplace_core::FinancialYear) -> Vec<Cell> {
    vec![
        name.into(),
        Cell::Pounds(h.npbi),
        opt_ratio(h.financial_roi),
        Cell::Pounds(h.nppv),
        opt_ratio(h.public_value_roi),
        h.payback_year_discounted.map_or("never".into(), |t| {
            format!("{}", first_year.offset(t as i32)).into()
        }),
    ]
}

const HEADLINE_COLUMNS: [(&str, &str); 6] = [
    ("case", "Case"),
    ("npbi", "NPBI"),
    ("financial_roi", "Financial ROI"),
    ("nppv", "NPPV"),
    ("public_value_roi", "Public value ROI"),
    ("payback", "Payback (discounted)"),
];

/// The sensitivity analysis's tables.
pub fn sensitivity_sections(s: &Sensitivity, a: &Appraisal) -> Vec<Section> {
    let mut tornado = Table::new(&[
        ("input", "Input"),
        ("low", "Low (P10)"),
        ("high", "High (P90)"),
        ("nppv_at_low", "NPPV at low"),
        ("nppv_at_high", "NPPV at high"),
        ("swing", "Swing"),
    ]);
    for b in &s.tornado {
        tornado.push(vec![
            b.input.as_str().into(),
            input_value(b.low),
            input_value(b.high),
            Cell::Pounds(b.nppv_at_low),
            Cell::Pounds(b.nppv_at_high),
            Cell::Pounds(b.swing),
        ]);
    }
    let mut switching = Table::new(&[
        ("input", "Input"),
        ("base", "Base"),
        ("nppv_switch", "NPPV = 0 at"),
        ("nppv_change", "Change"),
        ("nppv_how", "How"),
        ("npbi_switch", "NPBI = 0 at"),
        ("npbi_change", "Change"),
        ("npbi_how", "How"),
    ]);
    for v in &s.switching_values {
        let mut row: Vec<Cell> = vec![v.input.as_str().into(), input_value(v.base)];
        row.extend(switch_cells(&v.nppv));
        row.extend(switch_cells(&v.npbi));
        switching.push(row);
    }
    let mut scenarios = Table::new(&HEADLINE_COLUMNS);
    scenarios.push(headline_row("Base case", &s.base, a.first_year));
    for sc in &s.scenarios {
        scenarios.push(headline_row(&sc.name, &sc.result, a.first_year));
    }
    let mut scenario_section = Section::new("scenarios", "Scenarios", scenarios);
    for sc in &s.scenarios {
        let set: Vec<String> = sc.set.iter().map(|(p, x)| format!("{p} = {x}")).collect();
        scenario_section = scenario_section.with_note(format!(
            "{}{}: {}.",
            sc.name,
            sc.description
                .as_ref()
                .map_or(String::new(), |d| format!(" ({d})")),
            set.join("; ")
        ));
    }
    vec![
        Section::new("tornado", "One-way sensitivity (tornado)", tornado).with_note(
            "Each uncertain input at its 10th and 90th percentile, the others at their base values.",
        ),
        Section::new("switching_values", "Switching values", switching).with_note(
            "The value of each input at which the net present value crosses zero, others unchanged.",
        ),
        scenario_section,
    ]
}

/// The 2026 Green Book's test for appraisals over 50 years: the same
/// appraisal discounted without pure time preference.
pub fn no_pure_time_preference_section(t: &NptTest, a: &Appraisal) -> Section {
    let mut table = Table::new(&HEADLINE_COLUMNS);
    table.push(headline_row(
        "Green Book discounting",
        &t.base,
        a.first_year,
    ));
    table.push(headline_row(
        "No pure time preference (2026 test)",
        &t.without_pure_time_preference,
        a.first_year,
    ));
    Section::new(
        "no_pure_time_preference",
        "Discounting without pure time preference",
        table,
    )
    .with_note("Run because the appraisal is longer than 50 years, as the 2026 Green Book asks.")
}

/// The appraisal, with any simulation and sensitivity, as JSON.
pub fn to_json_all(
    a: &Appraisal,
    simulation: Option<&SimulationReport>,
    sensitivity: Option<&Sensitivity>,
    npt: Option<&NptTest>,
) -> serde_json::Value {
    let mut value = to_json(a);
    if let Some(t) = npt {
        let mut v = serde_json::to_value(t).expect("a report serialises");
        round_fine(&mut v);
        value["no_pure_time_preference"] = v;
    }
    if let Some(s) = simulation {
        let mut v = serde_json::to_value(s).expect("a report serialises");
        round_fine(&mut v);
        value["simulation"] = v;
    }
    if let Some(s) = sensitivity {
        let mut v = serde_json::to_value(s).expect("a report serialises");
        round_fine(&mut v);
        value["sensitivity"] = v;
    }
    value
}

/// 1000000 → "1,000,000".
fn group_digits(n: usize) -> String {
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
