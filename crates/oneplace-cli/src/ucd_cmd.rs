//! `oneplace ucd show` and `oneplace ucd search`.

use std::path::Path;

use oneplace_core::FinancialYear;
use oneplace_refdata::{ReferenceData, UnitCost, ValueKind};
use oneplace_report::{Cell, Document, Section, Table};
use serde_json::{Value, json};

use crate::output::{check_binary_destination, json_bytes, render, write};
use crate::{Failure, Format};

fn price_year(text: Option<&str>, data: &ReferenceData) -> Result<FinancialYear, Failure> {
    let year = match text {
        None => return Ok(data.unit_cost_price_year),
        Some(t) => {
            FinancialYear::parse(t).map_err(|e| Failure::Message(format!("--price-year: {e}")))?
        }
    };
    data.default_deflators()
        .index(year)
        .map_err(|e| Failure::Message(format!("--price-year: {e}")))?;
    Ok(year)
}

fn value_json(e: &UnitCost, kind: ValueKind, to: FinancialYear, data: &ReferenceData) -> Value {
    let Some(v) = e.value(kind) else {
        return Value::Null;
    };
    let Ok(uprated) = data.default_deflators().uprate(v.value, v.price_year, to) else {
        return json!({
            "value": v.value,
            "price_year": v.price_year.to_string(),
            "uprated_value": Value::Null,
            "uprated_to": to.to_string(),
            "workbook_formula": v.formula,
            "workbook_uprated_value": v.workbook_uprated,
        });
    };
    json!({
        "value": v.value,
        "price_year": v.price_year.to_string(),
        "uprated_value": (uprated * 100.0).round() / 100.0,
        "uprated_to": to.to_string(),
        "workbook_formula": v.formula,
        "workbook_uprated_value": v.workbook_uprated,
    })
}

fn entry_json(e: &UnitCost, to: FinancialYear, data: &ReferenceData) -> Value {
    let ucd = &data.unit_costs;
    let mut object = json!({
        "code": e.code,
        "description": e.title(),
        "unit": e.unit,
        "theme": e.theme,
        "category": e.category,
        "detail": e.detail,
        "agency_level1": e.agency_level1,
        "agency_level2": e.agency_level2,
        "rag": e.rag.map(|r| r.letter()),
        "source": e.source,
        "comment": e.comment,
        "revision": e.revision,
        "revision_note": e.revision_note,
        "correction": e.correction,
        "parent": e.parent.as_ref().map(|p| json!({
            "code": p.parent,
            "tier": p.tier,
            "relation": p.relation,
            "basis": p.basis,
            "overridden": p.overridden,
        })),
        "children": ucd.children(&e.code).iter().map(|c| json!({
            "code": c.code,
            "description": c.title(),
            "relation": c.parent.as_ref().map(|p| p.relation),
            "tier": c.parent.as_ref().map(|p| p.tier),
        })).collect::<Vec<_>>(),
        "deflators": data.default_deflators().id,
        "edition": ucd.edition,
    });
    for kind in ValueKind::ALL {
        object[kind.as_str()] = value_json(e, kind, to, data);
    }
    object
}

fn show_document(e: &UnitCost, to: FinancialYear, data: &ReferenceData) -> Document {
    let mut values = Table::new(&[
        ("kind", "Kind"),
        ("value", "Value"),
        ("price_year", "Price year"),
        ("uprated_value", "Uprated"),
        ("uprated_to", "Uprated to"),
    ]);
    for kind in ValueKind::ALL {
        if let Some(v) = e.value(kind) {
            // A loaded vintage may not reach back to the entry's price year.
            let uprated = data
                .default_deflators()
                .uprate(v.value, v.price_year, to)
                .map_or(Cell::Empty, Cell::Pounds);
            values.push(vec![
                kind.as_str().into(),
                Cell::Pounds(v.value),
                Cell::Year(v.price_year),
                uprated,
                Cell::Year(to),
            ]);
        }
    }
    // Long prose (the comment runs to paragraphs) reads better as notes
    // than as a table cell.
    let agency = [e.agency_level1.as_deref(), e.agency_level2.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
    let parent = e.parent.as_ref().map_or(String::new(), |p| {
        format!(
            "{} ({} line, {}: {})",
            p.parent,
            match p.tier {
                oneplace_refdata::Tier::Constituent => "constituent",
                oneplace_refdata::Tier::Subsidiary => "subsidiary",
            },
            p.relation.as_str(),
            p.basis
        )
    });
    let mut about = Vec::new();
    for (field, value) in [
        ("Unit", e.unit.clone()),
        (
            "Theme",
            format!("{} / {} / {}", e.theme, e.category, e.detail),
        ),
        ("Agency bearing the cost", agency),
        (
            "RAG rating",
            e.rag.map_or(String::new(), |r| r.letter().to_string()),
        ),
        ("Parent", parent),
        ("Source", e.source.clone()),
        (
            "Comment",
            e.comment.split_whitespace().collect::<Vec<_>>().join(" "),
        ),
        ("Correction", e.correction.clone().unwrap_or_default()),
    ] {
        if !value.is_empty() {
            about.push(format!("{field}: {value}"));
        }
    }
    let mut children = Table::new(&[
        ("code", "Code"),
        ("relation", "Relation"),
        ("description", "Description"),
    ]);
    for c in data.unit_costs.children(&e.code) {
        children.push(vec![
            c.code.as_str().into(),
            c.parent.as_ref().map_or("", |p| p.relation.as_str()).into(),
            c.title().into(),
        ]);
    }
    let mut doc = Document::new(format!("{} {}", e.code, e.title()));
    for line in about {
        doc = doc.with_note(line);
    }
    doc = doc
        .with_note(format!(
            "Unit Cost Database {} (CC BY 4.0, New Economy / GMCA Research Team); uprated with GDP deflators '{}'.",
            data.unit_costs.edition,
            data.default_deflators().id
        ))
        .with_section(Section::new("values", "Values", values));
    if !children.rows.is_empty() {
        doc = doc.with_section(Section::new("children", "Children", children));
    }
    doc
}

pub fn show(
    code: &str,
    year: Option<&str>,
    deflators: Option<&Path>,
    format: Format,
    out: Option<&Path>,
) -> Result<(), Failure> {
    let data = &*crate::appraise_cmd::reference_data(deflators)?;
    check_binary_destination(format, out)?;
    let to = price_year(year, data)?;
    let Some(entry) = data.unit_costs.get(code) else {
        let similar = data.unit_costs.similar_codes(code);
        let hint = if similar.is_empty() {
            "; try `oneplace ucd search WORDS`".to_string()
        } else {
            format!("; codes like it: {}", similar.join(", "))
        };
        return Err(Failure::Message(format!(
            "no Unit Cost Database entry '{code}'{hint}"
        )));
    };
    let bytes = match format {
        Format::Json => json_bytes(&entry_json(entry, to, data)),
        other => render(&show_document(entry, to, data), other, None)?,
    };
    write(out, &bytes)
}

pub fn search(
    words: &[String],
    limit: usize,
    format: Format,
    out: Option<&Path>,
) -> Result<(), Failure> {
    let data = ReferenceData::embedded();
    check_binary_destination(format, out)?;
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let hits = data.unit_costs.search(&refs);
    let to = data.unit_cost_price_year;
    let shown: Vec<&UnitCost> = hits.iter().take(limit).copied().collect();
    let bytes = match format {
        Format::Json => json_bytes(&json!({
            "query": words,
            "matches": hits.len(),
            "entries": shown.iter().map(|e| entry_json(e, to, data)).collect::<Vec<_>>(),
        })),
        other => {
            let mut table = Table::new(&[
                ("code", "Code"),
                ("description", "Description"),
                ("unit", "Unit"),
                ("agency", "Agency"),
                ("fiscal", "Fiscal"),
                ("economic", "Economic"),
                ("social", "Social"),
            ]);
            for e in &shown {
                let uprated = |k: ValueKind| match e.uprated(k, data.default_deflators(), to) {
                    Some(Ok(x)) => Cell::Pounds(x),
                    _ => Cell::Empty,
                };
                table.push(vec![
                    e.code.as_str().into(),
                    e.title().into(),
                    e.unit.as_str().into(),
                    e.agency_level1.as_deref().unwrap_or("").into(),
                    uprated(ValueKind::Fiscal),
                    uprated(ValueKind::Economic),
                    uprated(ValueKind::Social),
                ]);
            }
            let doc = Document::new(format!("Unit Cost Database: {}", words.join(" ")))
                .with_note(format!(
                    "{} entries match; showing {}. Values uprated to {to} prices.",
                    hits.len(),
                    shown.len()
                ))
                .with_section(Section::new("matches", "Matches", table));
            render(&doc, other, None)?
        }
    };
    write(out, &bytes)
}
