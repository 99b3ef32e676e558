//! The settlement as a document, and a partner's figure explained.

use oneplace_report::{Cell, Document, Section, Table};

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
    let mut partners = Table::new(&[
        ("partner", "Partner"),
        ("amount", "Pays in (+) / paid back (−)"),
    ]);
    for p in &s.partners {
        partners.push(vec![p.partner.as_str().into(), Cell::Money(p.amount)]);
    }
    let mut doc = Document::new(format!(
        "{}: settlement {}{}",
        s.agreement,
        s.year,
        s.forecast.as_ref().map_or(String::new(), |p| format!(" (forecast at {p})"))
    ))
    .with_note(format!(
        "Total variance {}; risk pool used {} (left {}); unfunded {}; retained {}; ring-fenced variance carried forward {}.",
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

/// A partner's figure traced through each rule.
pub fn explain(s: &Settlement, partner: &str) -> Option<String> {
    let p = s.partners.iter().find(|p| p.partner == partner)?;
    let mut out = format!(
        "{partner}: {} ({})\n",
        p.amount,
        if p.amount.is_negative() {
            "paid back"
        } else {
            "pays in"
        }
    );
    for part in &p.parts {
        out.push_str(&format!(
            "  {} {}{}: {}\n",
            part.amount,
            part.what,
            part.scheme
                .as_ref()
                .map_or(String::new(), |s| format!(" on {s}")),
            part.detail
        ));
    }
    if p.parts.is_empty() {
        out.push_str("  nothing: no rule assigns it any variance\n");
    }
    Some(out)
}
