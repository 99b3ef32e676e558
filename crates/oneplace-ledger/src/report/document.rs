//! The reports as documents for text, CSV and XLSX.

use oneplace_report::{Cell, Document, Section, Table};

use super::monitoring::{Figures, Monitoring};
use super::position::{AnnualReturn, IncomeExpenditure, PartnerPositions};
use crate::model::Ledger;

fn title(ledger: &Ledger, what: &str) -> String {
    match (&ledger.place, ledger.funds.first()) {
        (_, Some(f)) => format!("{}: {what}", f.name),
        (Some(p), None) => format!("{}: {what}", p.name),
        (None, None) => what.to_string(),
    }
}

const FIGURE_COLUMNS: [(&str, &str); 10] = [
    ("annual_budget", "Annual budget"),
    ("profiled_budget", "Budget to date"),
    ("actual", "Actual to date"),
    ("movement", "In the month"),
    ("commitments", "Commitments"),
    ("forecast_outturn", "Forecast outturn"),
    ("variance", "Variance"),
    ("variance_percent", "Variance %"),
    ("flag", "Flag"),
    ("method", "Forecast by"),
];

fn figure_cells(
    f: &Figures,
    percent: Option<f64>,
    flagged: bool,
    method: Option<&str>,
) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Money(f.annual_budget),
        Cell::Money(f.profiled_budget),
        Cell::Money(f.actual),
        Cell::Money(f.movement),
        Cell::Money(f.commitments),
        Cell::Money(f.forecast_outturn),
        Cell::Money(f.variance),
        percent.map_or(Cell::Empty, Cell::Percent),
        if flagged {
            if f.variance.is_negative() {
                "UNDER"
            } else {
                "OVER"
            }
        } else {
            ""
        }
        .into(),
    ];
    if let Some(m) = method {
        cells.push(m.into());
    }
    cells
}

/// A table of figures; the forecast method only on lines, where there is one.
fn table(first: &[(&str, &str)], with_method: bool) -> Table {
    let mut columns: Vec<(&str, &str)> = first.to_vec();
    let n = if with_method {
        FIGURE_COLUMNS.len()
    } else {
        FIGURE_COLUMNS.len() - 1
    };
    columns.extend(&FIGURE_COLUMNS[..n]);
    Table::new(&columns)
}

pub fn monitoring_document(ledger: &Ledger, m: &Monitoring) -> Document {
    let mut lines = table(&[("scheme", "Scheme"), ("source", "Source")], true);
    for l in &m.lines {
        let mut row: Vec<Cell> = vec![l.scheme.as_str().into(), l.source.as_str().into()];
        row.extend(figure_cells(
            &l.figures,
            l.variance_percent,
            l.flagged,
            Some(l.method),
        ));
        lines.push(row);
    }
    let mut total: Vec<Cell> = vec!["Total".into(), Cell::Empty];
    total.extend(figure_cells(
        &m.total,
        m.total.variance_percent(),
        false,
        Some(""),
    ));
    lines.push(total);
    let rows = |items: &[super::monitoring::Row]| {
        let mut t = table(&[("id", "Id"), ("name", "Name")], false);
        for r in items {
            let mut row: Vec<Cell> = vec![r.id.as_str().into(), r.name.as_str().into()];
            row.extend(figure_cells(
                &r.figures,
                r.variance_percent,
                r.flagged,
                None,
            ));
            t.push(row);
        }
        t
    };
    Document::new(title(ledger, &format!("monitoring, {}", m.period)))
        .with_note(format!(
            "Variances are flagged above the greater of {} and {:.1}% of the line's annual budget; positive variance is an overspend.",
            m.materiality_amount,
            m.materiality_percent * 100.0
        ))
        .with_note("Forecast outturn: for a profile or run-rate line, actual to date + open commitments + the rest of the year (at the profiled budget, or at the average month so far); for a manual line, the outturn stated in the journal.")
        .with_section(Section::new("lines", "By line (scheme and funding source)", lines))
        .with_section(Section::new("schemes", "By scheme", rows(&m.schemes)))
        .with_section(
            Section::new("partners", "By partner", rows(&m.partners))
                .with_note("Each line shared between partners by its commissioning split."),
        )
}

pub fn income_expenditure_document(ledger: &Ledger, r: &IncomeExpenditure) -> Document {
    let mut income = Table::new(&[
        ("source", "Funding source"),
        ("partner", "Partner"),
        ("planned", "Planned"),
        ("received", "Received to date"),
    ]);
    for i in &r.income {
        income.push(vec![
            i.source.as_str().into(),
            i.partner.as_str().into(),
            Cell::Money(i.planned),
            Cell::Money(i.received),
        ]);
    }
    income.push(vec![
        "Total".into(),
        Cell::Empty,
        Cell::Money(r.total_planned_income),
        Cell::Money(r.total_income),
    ]);
    let mut spending = Table::new(&[
        ("scheme_type", "Scheme type"),
        ("source", "Funding source"),
        ("budget", "Budget"),
        ("actual", "Actual to date"),
    ]);
    for s in &r.spending {
        spending.push(vec![
            s.scheme_type.as_str().into(),
            s.source.as_str().into(),
            Cell::Money(s.budget),
            Cell::Money(s.actual),
        ]);
    }
    spending.push(vec![
        "Total".into(),
        Cell::Empty,
        Cell::Money(r.total_budget),
        Cell::Money(r.total_spending),
    ]);
    let mut checks = Table::new(&[
        ("check", "Check"),
        ("subject", "Source"),
        ("result", "Result"),
        ("detail", "Detail"),
    ]);
    for c in &r.ring_fences {
        checks.push(vec![
            "Ring-fence".into(),
            c.source.as_str().into(),
            if c.passed { "pass" } else { "FAIL" }.into(),
            if c.passed {
                format!("only {}", c.allowed.join(", "))
            } else {
                format!(
                    "{} outside the ring-fence: {}",
                    c.outside,
                    c.detail.join("; ")
                )
            }
            .into(),
        ]);
    }
    for (source, planned, budgeted, ok) in &r.plan_checks {
        checks.push(vec![
            "Plan".into(),
            source.as_str().into(),
            if *ok { "pass" } else { "FAIL" }.into(),
            format!("planned contributions {planned}, budgets {budgeted}").into(),
        ]);
    }
    Document::new(title(
        ledger,
        &format!("income and expenditure, {}", r.period),
    ))
    .with_section(Section::new("income", "Income by funding source", income))
    .with_section(Section::new(
        "spending",
        "Expenditure by scheme type",
        spending,
    ))
    .with_section(Section::new("checks", "Checks", checks))
}

pub fn partners_document(ledger: &Ledger, r: &PartnerPositions) -> Document {
    let mut t = Table::new(&[
        ("partner", "Partner"),
        ("name", "Name"),
        ("host", "Host"),
        ("brought_forward", "Brought forward"),
        ("due", "Contributions due"),
        ("contributed", "Contributed"),
        ("spent", "Spent on its functions"),
        ("net", "Net"),
        ("share_of_balance", "Share of balance"),
    ]);
    for p in &r.partners {
        t.push(vec![
            p.partner.as_str().into(),
            p.name.as_str().into(),
            if p.host { "host" } else { "" }.into(),
            Cell::Money(p.brought_forward),
            Cell::Money(p.due),
            Cell::Money(p.contributed),
            Cell::Money(p.spent),
            Cell::Money(p.net),
            Cell::Money(p.share_of_balance),
        ]);
    }
    Document::new(title(ledger, &format!("partners' positions, {}", r.period)))
        .with_note(format!(
            "Pool balance {} (brought forward {}); each partner's share is what it brought forward plus the year's income less spending in proportion to the year's contributions.",
            r.balance, r.brought_forward
        ))
        .with_section(Section::new("partners", "Partners", t))
}

pub fn annual_return_document(ledger: &Ledger, r: &AnnualReturn) -> Document {
    let mut t = Table::new(&[("item", "Item"), ("detail", "Detail"), ("amount", "Amount")]);
    let mut row =
        |item: &str, detail: &str, m| t.push(vec![item.into(), detail.into(), Cell::Money(m)]);
    row("Balance brought forward", "", r.opening_balance);
    for (s, m) in &r.brought_forward_by_source {
        row("Brought forward, by source", s, *m);
    }
    for (p, m) in &r.brought_forward_by_partner {
        row("Brought forward, by partner", p, *m);
    }
    for (s, m) in &r.income_by_source {
        row("Income", s, *m);
    }
    row("Total income", "", r.total_income);
    for (s, m) in &r.spending_by_scheme {
        row("Expenditure", s, *m);
    }
    row("Total expenditure", "", r.total_spending);
    row("Surplus (deficit) for the year", "", r.surplus);
    row("Balance carried forward", "", r.closing_balance);
    let mut partners = Table::new(&[("partner", "Partner"), ("income", "Contributions received")]);
    for (p, m) in &r.income_by_partner {
        partners.push(vec![p.as_str().into(), Cell::Money(*m)]);
    }
    Document::new(title(ledger, &format!("annual return, {}", r.year)))
        .with_section(Section::new("return", "Income and expenditure", t))
        .with_section(Section::new(
            "contributions",
            "Contributions by partner",
            partners,
        ))
}

pub fn accounts_document(ledger: &Ledger, r: &super::accounts::PartnerAccounts) -> Document {
    let mut joint = Table::new(&[
        ("partner", "Partner"),
        ("share", "Share"),
        ("income", "Income"),
        ("expenditure", "Expenditure"),
        ("balance", "Balance"),
    ]);
    for j in &r.joint_operation {
        joint.push(vec![
            j.partner.as_str().into(),
            Cell::Percent(j.share),
            Cell::Money(j.income),
            Cell::Money(j.expenditure),
            Cell::Money(j.balance),
        ]);
    }
    let mut host = Table::new(&[
        ("partner", "Partner"),
        ("role", "Role"),
        ("income", "Income (gross)"),
        ("expenditure", "Expenditure (gross)"),
        ("payment", "Payment to the host"),
    ]);
    for h in &r.host_controlled {
        host.push(vec![
            h.partner.as_str().into(),
            if h.host { "host" } else { "partner" }.into(),
            Cell::Money(h.income),
            Cell::Money(h.expenditure),
            Cell::Money(h.payment),
        ]);
    }
    let mut memo = Table::new(&[
        ("partner", "Partner"),
        ("planned_gross", "Planned (gross)"),
        ("client_income", "Client income"),
        ("planned_net", "Planned (net)"),
        ("contributed", "Contributed"),
        ("spending_on_functions", "Spending on its functions"),
        ("share_of_surplus", "Share of surplus"),
    ]);
    for m in &r.memoranda {
        memo.push(vec![
            m.partner.as_str().into(),
            Cell::Money(m.planned_gross),
            Cell::Money(m.client_income),
            Cell::Money(m.planned_net),
            Cell::Money(m.contributed),
            Cell::Money(m.spending_on_functions),
            Cell::Money(m.share_of_surplus),
        ]);
    }
    let mut note = Table::new(&[("note", "Note")]);
    note.push(vec![r.disclosure_note.as_str().into()]);
    Document::new(title(ledger, &format!("partners' accounts, {}", r.year)))
        .with_note(format!(
            "Income {}, expenditure {}, {} {}.",
            r.total_income,
            r.total_expenditure,
            if r.surplus.is_negative() { "deficit" } else { "surplus" },
            r.surplus.abs()
        ))
        .with_section(
            Section::new("joint_operation", "As a joint operation", joint)
                .with_note("Each partner records its share of the pool's income, spending and balance, in proportion to its contributions."),
        )
        .with_section(
            Section::new("host_controlled", "As a host-controlled fund", host)
                .with_note("The host records the pool gross; the other partners record their contributions as payments."),
        )
        .with_section(Section::new("memoranda", "Memorandum accounts", memo))
        .with_section(Section::new("disclosure", "Pooled budgets disclosure note", note))
}
