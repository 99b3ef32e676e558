//! Next year's contributions as a document: the build-up of each line and
//! the instalments each partner pays.

use oneplace_report::{Cell, Document, Section, Table};

use super::next_year::{Base, ChangeKind, NextYear};

pub fn next_year_document(n: &NextYear) -> Document {
    let mut build_up = Table::new(&[
        ("partner", "Partner"),
        ("source", "Source"),
        ("base", "Base"),
        ("recurrent", "Recurrent changes"),
        ("adjusted_base", "Adjusted base"),
        ("uplift_percent", "Uplift %"),
        ("uplift", "Uplift"),
        ("planned", "Planned changes"),
        ("efficiencies", "Efficiencies"),
        ("contribution", "Contribution"),
        ("client_income", "Client income"),
        ("net", "Net"),
    ]);
    for l in &n.lines {
        build_up.push(vec![
            l.partner.as_str().into(),
            l.source.as_str().into(),
            Cell::Money(l.base),
            Cell::Money(l.recurrent),
            Cell::Money(l.adjusted_base),
            Cell::Number {
                value: l.uplift_rate * 100.0,
                decimals: 2,
            },
            Cell::Money(l.uplift),
            Cell::Money(l.planned),
            Cell::Money(l.efficiencies),
            Cell::Money(l.contribution),
            Cell::Money(l.client_income),
            Cell::Money(l.net),
        ]);
    }
    let sum = |f: fn(&super::next_year::Line) -> oneplace_core::Money| -> Cell {
        Cell::Money(n.lines.iter().map(f).sum())
    };
    build_up.push(vec![
        "Total".into(),
        Cell::Empty,
        sum(|l| l.base),
        sum(|l| l.recurrent),
        sum(|l| l.adjusted_base),
        Cell::Empty,
        sum(|l| l.uplift),
        sum(|l| l.planned),
        sum(|l| l.efficiencies),
        sum(|l| l.contribution),
        sum(|l| l.client_income),
        sum(|l| l.net),
    ]);

    let mut changes = Table::new(&[
        ("partner", "Partner"),
        ("source", "Source"),
        ("kind", "Kind"),
        ("amount", "Amount"),
        ("reason", "Reason"),
    ]);
    for l in &n.lines {
        for c in &l.changes {
            changes.push(vec![
                l.partner.as_str().into(),
                l.source.as_str().into(),
                match c.kind {
                    ChangeKind::Recurrent => "recurrent",
                    ChangeKind::Planned => "planned",
                    ChangeKind::Efficiency => "efficiency",
                }
                .into(),
                Cell::Money(c.amount),
                c.reason.as_str().into(),
            ]);
        }
    }

    let mut instalments = Table::new(&[
        ("partner", "Partner"),
        ("source", "Source"),
        ("date", "Date"),
        ("amount", "Amount"),
    ]);
    for l in &n.lines {
        for i in &l.instalments {
            instalments.push(vec![
                l.partner.as_str().into(),
                l.source.as_str().into(),
                i.date.to_string().into(),
                Cell::Money(i.amount),
            ]);
        }
    }

    Document::new(format!("{}: contributions for {}", n.name, n.year))
        .with_note(format!(
            "Built on {}'s {} contributions ({}): base plus recurrent changes, plus the uplift on that adjusted base, plus planned changes, less efficiencies. Partners pay the contribution net of client income, in the instalments listed; any odd pence fall on the {} instalment.",
            n.base_year,
            match n.base {
                Base::Planned => "planned",
                Base::Received => "received",
            },
            n.total_base,
            match n.remainder {
                super::Remainder::First => "first".to_string(),
                super::Remainder::Last => "last".to_string(),
                super::Remainder::On(k) => format!("number {k}"),
            }
        ))
        .with_note(format!(
            "Next year's contributions {}; payable by partners {}.",
            n.total_contribution, n.total_net
        ))
        .with_section(Section::new("build_up", "Build-up", build_up))
        .with_section(Section::new("changes", "Changes", changes))
        .with_section(Section::new("instalments", "Instalments", instalments))
}
