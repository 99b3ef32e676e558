//! The settlement as a document, and a partner's figure explained.

use oneplace_report::{Cell, Document, Section, Table};

use oneplace_core::Money;
use serde::Serialize;

use super::compute::Settlement;

pub fn settlement_document(s: &Settlement) -> Document {
    let mut schemes = Table::new(&[
        ("scheme", "Scheme"),
        ("budget", "Budget"),
        ("outturn", "Outturn"),
        ("variance", "Variance"),
        ("rule", "Rule"),
        ("contributions", "Contributions"),
    ]);
    for r in &s.schemes {
        schemes.push(vec![
            r.scheme.as_str().into(),
            Cell::Money(r.budget),
            Cell::Money(r.outturn),
            Cell::Money(r.variance),
            r.rule.as_str().into(),
            r.contributions
                .iter()
                .map(|(p, m)| format!("{p} {m}"))
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        ]);
    }
    let mut steps = Table::new(&[
        ("n", "#"),
        ("step", "Step"),
        ("amount", "Amount"),
        ("detail", "Detail"),
    ]);
    for (i, st) in s.steps.iter().enumerate() {
        steps.push(vec![
            Cell::Integer(i as i64 + 1),
            st.step.as_str().into(),
            Cell::Money(st.amount),
            st.detail.as_str().into(),
        ]);
    }
    let with_retained = !s.retained.is_zero();
    let mut columns = vec![
        ("partner", "Partner"),
        ("amount", "Pays in (+) / paid back (−)"),
    ];
    if with_retained {
        columns.push(("retained", "Retained (management action)"));
    }
    let mut partners = Table::new(&columns);
    for p in &s.partners {
        let mut row = vec![p.partner.as_str().into(), Cell::Money(p.amount)];
        if with_retained {
            row.push(Cell::Money(p.retained));
        }
        partners.push(row);
    }
    let mut doc = Document::new(format!(
        "{}: settlement {}{}",
        s.agreement,
        s.year,
        s.forecast.as_ref().map_or(String::new(), |p| format!(" (forecast at {p})"))
    ))
    .with_note(format!(
        "Total variance {}; risk pool used {} (left {}, returned to its funders); unfunded {}; retained {}; ring-fenced variance carried forward {}.",
        s.total_variance, s.risk_pool_used, s.risk_pool_left, s.unfunded, s.retained, s.ring_fenced_variance
    ));
    for (scheme, m) in &s.unfunded_detail {
        doc = doc.with_note(format!(
            "Unfunded: {m} of {scheme}'s overspend needs the partners' agreement."
        ));
    }
    doc = doc
        .with_section(Section::new("schemes", "Schemes", schemes))
        .with_section(Section::new("steps", "Steps, in order", steps))
        .with_section(Section::new("partners", "Partners", partners));
    doc
}

/// The settlement transactions with a heading, for reading after the
/// tables: kept as journal text (indentation matters).
pub fn transactions_text(s: &Settlement) -> String {
    if s.already_posted > 0 && s.transactions.is_empty() {
        return format!(
            "\nSettlement transactions: all {} already posted with these amounts.\n",
            s.already_posted
        );
    }
    if s.transactions.is_empty() {
        return String::new();
    }
    format!(
        "\nSettlement transactions, ready to append to the pool's journal:\n\n{}",
        s.transactions
    )
}

/// One line of a partner's trace.
#[derive(Clone, Debug, Serialize)]
pub struct ExplainRow {
    pub n: usize,
    pub step: String,
    pub scheme: Option<String>,
    pub what: String,
    /// The pool's figure on a line about the pool.
    pub pool: Option<Money>,
    /// What the line adds to the partner's figure.
    pub amount: Option<Money>,
    /// The partner's figure so far.
    pub running: Money,
    pub detail: String,
}

/// A partner's figure traced through each step and rule, in the order the
/// settlement was worked; `amount` is the sum of the partner's lines.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub agreement: String,
    pub year: String,
    pub forecast: Option<String>,
    pub partner: String,
    /// Positive: the partner pays in; negative: it is paid back.
    pub amount: Money,
    /// Management-action underspends it keeps, apart from `amount`.
    pub retained: Money,
    pub rows: Vec<ExplainRow>,
}

/// A partner's figure traced through each rule: the pool's lines (each
/// overspend as the steps shrink it) and the partner's own (its share at
/// each step, caps checked, lead absorption), with a running total that
/// ends at its figure. `None` for a partner the settlement does not have.
pub fn explain(s: &Settlement, partner: &str) -> Option<Explanation> {
    let p = s.partners.iter().find(|p| p.partner == partner)?;
    let mut running = Money::ZERO;
    let mut rows = Vec::new();
    for r in &s.trace {
        let mine = match &r.partner {
            Some(q) if q == partner => true,
            Some(_) => continue,
            None => false,
        };
        if mine {
            running += r.amount;
        }
        rows.push(ExplainRow {
            n: rows.len() + 1,
            step: r.step.clone(),
            scheme: r.scheme.clone(),
            what: r.what.clone(),
            pool: (!mine).then_some(r.amount),
            amount: mine.then_some(r.amount),
            running,
            detail: r.detail.clone(),
        });
    }
    debug_assert_eq!(running, p.amount);
    Some(Explanation {
        agreement: s.agreement.clone(),
        year: s.year.clone(),
        forecast: s.forecast.clone(),
        partner: partner.to_string(),
        amount: p.amount,
        retained: p.retained,
        rows,
    })
}

/// The partners a settlement has, for a message naming them.
pub fn partner_names(s: &Settlement) -> Vec<&str> {
    s.partners.iter().map(|p| p.partner.as_str()).collect()
}

pub fn explanation_document(e: &Explanation) -> Document {
    let mut table = Table::new(&[
        ("n", "#"),
        ("step", "Step"),
        ("scheme", "Scheme"),
        ("what", "What"),
        ("pool", "Pool"),
        ("amount", "Partner"),
        ("running", "Running total"),
        ("detail", "Detail"),
    ]);
    let money = |m: Option<Money>| m.map_or(Cell::Empty, Cell::Money);
    for r in &e.rows {
        table.push(vec![
            Cell::Integer(r.n as i64),
            r.step.as_str().into(),
            r.scheme.as_deref().map_or(Cell::Empty, Into::into),
            r.what.as_str().into(),
            money(r.pool),
            money(r.amount),
            if r.amount.is_some() {
                Cell::Money(r.running)
            } else {
                Cell::Empty
            },
            r.detail.as_str().into(),
        ]);
    }
    let mut doc = Document::new(format!(
        "{}: {} ({}), settlement {}{}",
        e.partner,
        e.amount,
        if e.amount.is_negative() {
            "paid back"
        } else {
            "pays in"
        },
        e.year,
        e.forecast
            .as_ref()
            .map_or(String::new(), |p| format!(" (forecast at {p})"))
    ))
    .with_note(format!(
        "{}'s figure is the sum of its lines in the Partner column; Pool lines show each overspend as the steps meet it.",
        e.partner
    ));
    if !e.retained.is_zero() {
        doc = doc.with_note(format!(
            "It also keeps {} of management-action underspends (not paid out).",
            e.retained
        ));
    }
    doc.with_section(Section::new("trace", "Trace, in order", table))
}
