//! The appraisal as a report document: what the text, CSV and XLSX outputs
//! show. JSON is the [`Appraisal`] itself, serialised.

use oneplace_report::{Cell, Document, Section, Table};

use crate::evaluate::Appraisal;

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
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            let scale = if key.is_some_and(is_fine_grained) {
                1e6
            } else {
                100.0
            };
            let rounded = (x * scale).round() / scale;
            // -0.0 would print as "-0.0".
            let rounded = if rounded == 0.0 { 0.0 } else { rounded };
            if let Some(r) = serde_json::Number::from_f64(rounded) {
                *n = r;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                round_floats(item, key);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                round_floats(v, Some(k));
            }
        }
        _ => {}
    }
}
