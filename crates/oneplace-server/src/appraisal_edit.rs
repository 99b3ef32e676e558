//! Editing an appraisal model's main inputs in a form, and comparing its
//! named scenarios (or two appraisals) side by side.
//!
//! The model's TOML stays the stored truth. The form is made from it
//! (settings; each cost's amounts and grade; each outcome's cohort, rates,
//! benefit profile and value lines) and a change is written back into the
//! same text with `toml_edit`, field by field, so comments, layout and
//! every input the form does not show are kept. Each field is checked as
//! it is read; the whole model is then validated by the appraisal engine's
//! own reader, and any diagnostic it reports is shown beside the field
//! whose value it points at. Nothing is saved unless the model is valid.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use minijinja::context;
use oneplace_appraise::uncertainty::Distribution;
use oneplace_appraise::{Appraisal, Model};
use oneplace_core::{FinancialYear, Location};
use oneplace_report::Cell;
use oneplace_store::{AuditEntry, NewDocument, Place, StoredDocument, sha256_hex};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json_, json};
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

use crate::auth::{Action, Current, permits, require};
use crate::pages::{base, place_document, user_place};
use crate::{AppState, Routes, domain, error_response, now, render, render_status};

pub(crate) fn routes(r: Routes) -> Routes {
    r.add("GET", "/p/{place}/appraisals/{doc}/edit", get(edit_page))
        .add("POST", "/p/{place}/appraisals/{doc}/edit", post(edit_save))
        .add(
            "GET",
            "/p/{place}/appraisals/{doc}/compare",
            get(compare_page),
        )
        .add(
            "GET",
            "/api/places/{place}/appraisals/{doc}/inputs",
            get(inputs_api),
        )
        .add(
            "POST",
            "/api/places/{place}/appraisals/{doc}/inputs",
            post(inputs_save_api),
        )
        .add(
            "GET",
            "/api/places/{place}/appraisals/{doc}/compare",
            get(compare_api),
        )
}

// ── the fields ───────────────────────────────────────────────────────

/// What a field holds, which decides how its text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// The appraisal's length in years (1 to 100).
    Years,
    /// A shipped discount schedule, by name.
    Schedule,
    /// A financial year such as 2015/16.
    PriceYear,
    /// An evidence grade, 1 (best) to 6.
    Grade,
    /// A whole number of years, 0 or more (a lag).
    Whole,
    /// A whole number of years, 1 or more (a duration).
    Positive,
    /// A share from 0 to 1 (or a percentage), or a distribution.
    Rate,
    /// A number or an amount of pounds, or a distribution.
    Number,
    /// Numbers by year from year 0, separated by commas.
    List,
    /// Agency shares: `police = 0.7, county-council = 0.3`.
    Shares,
}

/// Where a field's table is in the model.
#[derive(Clone, Copy, Debug)]
enum Loc {
    Appraisal,
    Cost(usize),
    Phase(usize, usize),
    Outcome(usize),
    Value(usize, usize),
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Field {
    /// The name the form and the API use: `outcome.less-crime.success`.
    pub name: String,
    /// The HTML id.
    pub id: String,
    pub label: String,
    pub hint: &'static str,
    pub kind: Kind,
    /// The current text (empty: not given, the engine's default applies).
    pub value: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(skip)]
    loc: Loc,
    #[serde(skip)]
    key: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Group {
    pub id: String,
    pub title: String,
    pub fields: Vec<Field>,
}

fn html_id(name: &str) -> String {
    format!("in-{}", name.replace('.', "__"))
}

fn hint(kind: Kind) -> &'static str {
    match kind {
        Kind::Years => "Years appraised, year 0 included: a whole number from 1 to 100.",
        Kind::Schedule => "The Green Book discount schedule.",
        Kind::PriceYear => "The price year every amount is in, such as 2015/16.",
        Kind::Grade => {
            "Evidence grade from 1 (best) to 6 (expert judgement): sets the optimism bias."
        }
        Kind::Whole => "Whole years, 0 or more.",
        Kind::Positive => "Whole years, 1 or more.",
        Kind::Rate => {
            "A share from 0 to 1 (0.45 or 45%), or a distribution such as pert(0.3, 0.45, 0.55)."
        }
        Kind::Number => {
            "A number or amount (2.5, £520,000), or a distribution such as triangular(1, 1.5, 2.5)."
        }
        Kind::List => {
            "One number a year from year 0, separated by commas, without thousands separators."
        }
        Kind::Shares => {
            "How the fiscal value splits between agencies: police = 0.7, county-council = 0.3 (summing to 1)."
        }
    }
}

fn table_mut(doc: &mut DocumentMut, loc: Loc) -> Option<&mut Table> {
    fn nth<'a>(t: &'a mut Table, key: &str, i: usize) -> Option<&'a mut Table> {
        t.get_mut(key)?.as_array_of_tables_mut()?.get_mut(i)
    }
    let root = doc.as_table_mut();
    match loc {
        Loc::Appraisal => root.get_mut("appraisal")?.as_table_mut(),
        Loc::Cost(i) => nth(root, "cost", i),
        Loc::Phase(i, j) => nth(nth(root, "cost", i)?, "phase", j),
        Loc::Outcome(i) => nth(root, "outcome", i),
        Loc::Value(i, j) => nth(nth(root, "outcome", i)?, "value", j),
    }
}

fn table_ref(root: &Table, loc: Loc) -> Option<&Table> {
    fn nth<'a>(t: &'a Table, key: &str, i: usize) -> Option<&'a Table> {
        t.get(key)?.as_array_of_tables()?.get(i)
    }
    match loc {
        Loc::Appraisal => root.get("appraisal")?.as_table(),
        Loc::Cost(i) => nth(root, "cost", i),
        Loc::Phase(i, j) => nth(nth(root, "cost", i)?, "phase", j),
        Loc::Outcome(i) => nth(root, "outcome", i),
        Loc::Value(i, j) => nth(nth(root, "outcome", i)?, "value", j),
    }
}

fn number_text(x: f64) -> String {
    format!("{x}")
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.value().clone(),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(f) => number_text(*f.value()),
        Value::Boolean(b) => b.value().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::InlineTable(t) => t
            .iter()
            .map(|(k, v)| format!("{k} = {}", value_text(v)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn item_text(item: Option<&Item>) -> String {
    match item {
        Some(Item::Value(v)) => value_text(v),
        Some(Item::Table(t)) => t
            .iter()
            .filter_map(|(k, i)| i.as_value().map(|v| format!("{k} = {}", value_text(v))))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

fn str_of<'a>(t: &'a Table, key: &str) -> Option<&'a str> {
    t.get(key).and_then(Item::as_str)
}

/// The form's fields, in groups, with their current values.
pub(crate) fn fields(doc: &mut DocumentMut, data: &oneplace_refdata::ReferenceData) -> Vec<Group> {
    let mut groups = Vec::new();
    let field = |doc: &mut DocumentMut,
                 name: String,
                 label: String,
                 kind: Kind,
                 loc: Loc,
                 key: &'static str| {
        let value = table_mut(doc, loc).map_or_else(String::new, |t| item_text(t.get(key)));
        Field {
            id: html_id(&name),
            name,
            label,
            hint: hint(kind),
            kind,
            value,
            required: matches!(kind, Kind::Years | Kind::PriceYear),
            options: if kind == Kind::Schedule {
                data.discount_schedules
                    .iter()
                    .map(|s| s.name.clone())
                    .collect()
            } else {
                Vec::new()
            },
            loc,
            key,
        }
    };
    if table_mut(doc, Loc::Appraisal).is_some() {
        let mut f = vec![
            field(
                doc,
                "appraisal.years".into(),
                "Horizon (years)".into(),
                Kind::Years,
                Loc::Appraisal,
                "years",
            ),
            field(
                doc,
                "appraisal.discount_schedule".into(),
                "Discount schedule".into(),
                Kind::Schedule,
                Loc::Appraisal,
                "discount_schedule",
            ),
            field(
                doc,
                "appraisal.price_base".into(),
                "Base price year".into(),
                Kind::PriceYear,
                Loc::Appraisal,
                "price_base",
            ),
        ];
        if f[1].value.is_empty() {
            f[1].value = "standard".into();
        }
        groups.push(Group {
            id: "settings".into(),
            title: "Settings".into(),
            fields: f,
        });
    }
    let costs = doc
        .get("cost")
        .and_then(Item::as_array_of_tables)
        .map_or(0, |a| a.len());
    for i in 0..costs {
        let Some(t) = table_mut(doc, Loc::Cost(i)) else {
            continue;
        };
        let id = str_of(t, "id").unwrap_or("").to_string();
        let name = str_of(t, "name").unwrap_or(&id).to_string();
        let has_amounts = t.contains_key("amounts");
        let phases = t
            .get("phase")
            .and_then(Item::as_array_of_tables)
            .map_or(0, |a| a.len());
        let mut f = Vec::new();
        if has_amounts || phases == 0 {
            f.push(field(
                doc,
                format!("cost.{id}.amounts"),
                "Amounts by year".into(),
                Kind::List,
                Loc::Cost(i),
                "amounts",
            ));
        }
        for j in 0..phases {
            let (from, to) = table_mut(doc, Loc::Phase(i, j)).map_or_else(Default::default, |p| {
                (item_text(p.get("from")), item_text(p.get("to")))
            });
            f.push(field(
                doc,
                format!("cost.{id}.phase.{}.annual", j + 1),
                format!("Annual amount, {from} to {to}"),
                Kind::Number,
                Loc::Phase(i, j),
                "annual",
            ));
        }
        f.push(field(
            doc,
            format!("cost.{id}.confidence"),
            "Confidence grade".into(),
            Kind::Grade,
            Loc::Cost(i),
            "confidence",
        ));
        groups.push(Group {
            id: format!("cost-{id}"),
            title: format!("Cost: {name}"),
            fields: f,
        });
    }
    let outcomes = doc
        .get("outcome")
        .and_then(Item::as_array_of_tables)
        .map_or(0, |a| a.len());
    for i in 0..outcomes {
        let Some(t) = table_mut(doc, Loc::Outcome(i)) else {
            continue;
        };
        let id = str_of(t, "id").unwrap_or("").to_string();
        let name = str_of(t, "name").unwrap_or(&id).to_string();
        let profiled = t.contains_key("profile");
        let values = t
            .get("value")
            .and_then(Item::as_array_of_tables)
            .map_or(0, |a| a.len());
        let mut f = Vec::new();
        let o = Loc::Outcome(i);
        f.push(field(
            doc,
            format!("outcome.{id}.cohort"),
            "Cohort (one number, or one a year)".into(),
            Kind::List,
            o,
            "cohort",
        ));
        for (key, label) in [
            ("engagement", "Engagement"),
            ("success", "Success"),
            ("deadweight", "Deadweight"),
        ] {
            f.push(field(
                doc,
                format!("outcome.{id}.{key}"),
                label.into(),
                Kind::Rate,
                o,
                key,
            ));
        }
        if !profiled {
            f.push(field(
                doc,
                format!("outcome.{id}.lag"),
                "Lag (years)".into(),
                Kind::Whole,
                o,
                "lag",
            ));
            f.push(field(
                doc,
                format!("outcome.{id}.duration"),
                "Duration (years)".into(),
                Kind::Positive,
                o,
                "duration",
            ));
            f.push(field(
                doc,
                format!("outcome.{id}.drop_off"),
                "Drop-off a year".into(),
                Kind::Rate,
                o,
                "drop_off",
            ));
        }
        for j in 0..values {
            let v = Loc::Value(i, j);
            let (ucd, label) = table_mut(doc, v).map_or_else(Default::default, |t| {
                (
                    str_of(t, "ucd").map(str::to_string),
                    str_of(t, "label").map(str::to_string),
                )
            });
            let what = match (&ucd, &label) {
                (Some(code), _) => format!("value {} ({code})", j + 1),
                (None, Some(l)) => format!("value {} ({l})", j + 1),
                (None, None) => format!("value {}", j + 1),
            };
            let prefix = format!("outcome.{id}.value.{}", j + 1);
            f.push(field(
                doc,
                format!("{prefix}.quantity"),
                format!("Quantity, {what}"),
                Kind::Number,
                v,
                "quantity",
            ));
            if ucd.is_some() {
                f.push(field(
                    doc,
                    format!("{prefix}.scale"),
                    format!("Scale on the unit values, {what}"),
                    Kind::Number,
                    v,
                    "scale",
                ));
            } else {
                for (key, l) in [
                    ("fiscal", "Fiscal unit value"),
                    ("economic", "Economic unit value"),
                    ("social", "Social unit value"),
                ] {
                    f.push(field(
                        doc,
                        format!("{prefix}.{key}"),
                        format!("{l}, {what}"),
                        Kind::Number,
                        v,
                        key,
                    ));
                }
            }
            f.push(field(
                doc,
                format!("{prefix}.shares"),
                format!("Agency shares, {what}"),
                Kind::Shares,
                v,
                "shares",
            ));
        }
        groups.push(Group {
            id: format!("outcome-{id}"),
            title: format!("Outcome: {name}"),
            fields: f,
        });
    }
    groups
}

// ── reading a field's text ───────────────────────────────────────────

/// Splits at commas outside brackets (a distribution's arguments stay
/// together).
fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out
}

fn distribution(t: &str) -> Result<Option<Value>, String> {
    match Distribution::parse(t) {
        Ok(Some(_)) => Ok(Some(Value::from(t))),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    }
}

fn number(t: &str) -> Result<Value, String> {
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(x) = t.parse::<f64>() {
        if !x.is_finite() {
            return Err(format!("'{t}' is not a finite number"));
        }
        return Ok(Value::from(x));
    }
    if let Some(v) = distribution(t)? {
        return Ok(v);
    }
    if oneplace_core::parse_pounds(t).is_ok() {
        return Ok(Value::from(t));
    }
    Err(format!(
        "'{t}' is not a number (such as 2.5 or £520,000) or a distribution (such as triangular(1, 1.5, 2.5))"
    ))
}

fn whole(t: &str, min: i64, max: i64, what: &str) -> Result<Value, String> {
    match t.parse::<i64>() {
        Ok(i) if (min..=max).contains(&i) => Ok(Value::from(i)),
        _ => Err(format!("'{t}' is not {what}")),
    }
}

/// A field's text read into the value to write (`None`: remove the key,
/// so the engine's default applies), or the message to show beside it.
pub(crate) fn read_field(f: &Field, text: &str) -> Result<Option<Value>, String> {
    let t = text.trim();
    if t.is_empty() {
        return if f.required {
            Err("enter a value: this setting is needed".into())
        } else {
            Ok(None)
        };
    }
    let v = match f.kind {
        Kind::Years => whole(t, 1, 100, "a whole number of years from 1 to 100")?,
        Kind::Grade => whole(t, 1, 6, "a grade from 1 to 6")?,
        Kind::Whole => whole(t, 0, 100, "a whole number of years, 0 or more")?,
        Kind::Positive => whole(t, 1, 100, "a whole number of years, 1 or more")?,
        Kind::Schedule => {
            if f.options.iter().any(|o| o == t) {
                Value::from(t)
            } else {
                return Err(format!(
                    "'{t}' is not a discount schedule: choose one of {}",
                    f.options.join(", ")
                ));
            }
        }
        Kind::PriceYear => match FinancialYear::parse(t) {
            Ok(y) => Value::from(y.to_string()),
            Err(e) => {
                return Err(format!(
                    "'{t}' is not a financial year such as 2015/16 ({e})"
                ));
            }
        },
        Kind::Rate => match oneplace_core::parse_rate(t) {
            Ok(x) if (0.0..=1.0).contains(&x) => Value::from(x),
            Ok(_) => return Err(format!("'{t}' is outside 0 to 1")),
            Err(_) => match distribution(t)? {
                Some(v) => v,
                None => {
                    return Err(format!(
                        "'{t}' is not a share from 0 to 1 (such as 0.45 or 45%) or a distribution (such as pert(0.3, 0.45, 0.55))"
                    ));
                }
            },
        },
        Kind::Number => number(t)?,
        Kind::List => {
            let parts = split_top(t);
            let mut values = Vec::new();
            for (k, p) in parts.iter().enumerate() {
                if p.is_empty() {
                    return Err(format!("year {k} is empty: write a number for every year"));
                }
                values.push(number(p).map_err(|e| format!("year {k}: {e}"))?);
            }
            if f.key == "cohort" && values.len() == 1 {
                values.pop().expect("one value")
            } else {
                Value::Array(values.into_iter().collect())
            }
        }
        Kind::Shares => {
            let mut table = InlineTable::new();
            for part in split_top(t) {
                let Some((k, v)) = part.split_once('=').or_else(|| part.split_once(':')) else {
                    return Err(format!(
                        "'{part}' is not 'agency = share' (such as police = 0.7)"
                    ));
                };
                let (k, v) = (k.trim().trim_matches('"'), v.trim());
                if k.is_empty() {
                    return Err(format!("'{part}' names no agency"));
                }
                match oneplace_core::parse_rate(v) {
                    Ok(x) if (0.0..=1.0).contains(&x) => {
                        table.insert(k, Value::from(x));
                    }
                    _ => return Err(format!("the share of {k}, '{v}', is not from 0 to 1")),
                }
            }
            Value::InlineTable(table)
        }
    };
    Ok(Some(v))
}

/// Writes a value into its table, keeping the old value's surrounding
/// whitespace and comment.
fn write_field(doc: &mut DocumentMut, f: &Field, value: Option<Value>) {
    let Some(t) = table_mut(doc, f.loc) else {
        return;
    };
    match value {
        None => {
            t.remove(f.key);
        }
        Some(mut v) => match t.get_mut(f.key) {
            Some(Item::Value(old)) => {
                *v.decor_mut() = old.decor().clone();
                *old = v;
            }
            Some(Item::Table(old)) => {
                if let Value::InlineTable(it) = v {
                    let mut nt = it.into_table();
                    *nt.decor_mut() = old.decor().clone();
                    *old = nt;
                }
            }
            _ => {
                t.insert(f.key, Item::Value(v));
            }
        },
    }
}

/// Line and column (from 1, columns in characters) as a byte offset.
fn offset(text: &str, line: u32, column: u32) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let rest = &text[start..];
    let col = rest
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(rest.len(), |(i, _)| i);
    Some(start + col)
}

/// A field changed: `(name, before, after)`.
pub(crate) type Change = (String, String, String);

/// The outcome of an edit.
pub(crate) enum Edit {
    /// Saved: the fields changed, `(name, before, after)`.
    Saved(Vec<Change>),
    /// Nothing differed from the stored model.
    Unchanged,
    /// Problems by field (`""`: the model as a whole); nothing saved.
    Invalid(BTreeMap<String, String>),
}

/// Applies the submitted fields to the model text. `Ok(new text, changes)`
/// or the problems by field name.
pub(crate) fn apply(
    name: &str,
    text: &str,
    submitted: &BTreeMap<String, String>,
    data: &oneplace_refdata::ReferenceData,
) -> Result<(String, Vec<Change>), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut doc: DocumentMut = match text.parse() {
        Ok(d) => d,
        Err(e) => {
            errors.insert(String::new(), format!("the model is not valid TOML: {e}"));
            return Err(errors);
        }
    };
    let groups = fields(&mut doc, data);
    let all: Vec<&Field> = groups.iter().flat_map(|g| &g.fields).collect();
    for k in submitted.keys() {
        if !all.iter().any(|f| &f.name == k) {
            errors.insert(k.clone(), format!("'{k}' is not an input of this model"));
        }
    }
    let mut changes = Vec::new();
    for f in &all {
        let Some(new) = submitted.get(&f.name) else {
            continue;
        };
        if new.trim() == f.value.trim() {
            continue;
        }
        match read_field(f, new) {
            Ok(v) => {
                write_field(&mut doc, f, v);
                changes.push((f.name.clone(), f.value.clone(), new.trim().to_string()));
            }
            Err(e) => {
                errors.insert(f.name.clone(), e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let new_text = doc.to_string();
    if changes.is_empty() {
        return Ok((new_text, changes));
    }
    if let Err(e) = oneplace_appraise::read_toml(name, &new_text, data) {
        // Each diagnostic beside the field whose value it points at.
        let parsed = toml_edit::Document::parse(new_text.clone()).ok();
        for d in &e.diagnostics {
            let at = match &d.location {
                Location::Text { line, column, .. } => offset(&new_text, *line, *column),
                _ => None,
            };
            let owner = at.and_then(|at| {
                let root = parsed.as_ref()?.as_table();
                all.iter().find(|f| {
                    table_ref(root, f.loc)
                        .and_then(|t| t.get(f.key))
                        .and_then(Item::span)
                        .is_some_and(|s| s.start <= at && at < s.end.max(s.start + 1))
                })
            });
            let message = match &d.expected {
                Some(x) => format!("{} (expected {x})", d.message),
                None => d.message.clone(),
            };
            let key = owner.map_or_else(String::new, |f| f.name.clone());
            errors
                .entry(key)
                .and_modify(|m: &mut String| {
                    m.push_str("; ");
                    m.push_str(&message)
                })
                .or_insert(message);
        }
        return Err(errors);
    }
    Ok((new_text, changes))
}

// ── handlers ─────────────────────────────────────────────────────────

fn internal(state: &AppState, path: &str, e: impl std::fmt::Display) -> Response {
    error_response(
        state,
        path,
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
    )
}

/// The checks before changing an appraisal or running its simulation:
/// another place or an unknown appraisal is 404, then the role (403 with
/// an audit entry).
pub(crate) async fn for_edit(
    state: &AppState,
    current: &Current,
    place: &str,
    doc: &str,
    method: &Method,
    path: &str,
) -> Result<(Place, StoredDocument), Response> {
    let place = user_place(state, current, place, path).await?;
    let d = place_document(state, &place.id, doc, "appraisal", path).await?;
    require(
        state,
        current,
        Action::EditDocument("appraisal"),
        method,
        path,
    )
    .await?;
    Ok((place, d))
}

/// Saves an edit and records it: the document (audited as every document
/// change is) and the fields changed, before and after.
pub(crate) async fn edit(
    state: &AppState,
    current: &Current,
    place: &Place,
    d: &StoredDocument,
    submitted: &BTreeMap<String, String>,
    path: &str,
) -> Result<Edit, Response> {
    if let Some(v) = submitted.get("version")
        && v != &sha256_hex(d.content.as_bytes())
    {
        let mut e = BTreeMap::new();
        e.insert(
            String::new(),
            "the model was changed by someone else after this form was opened: nothing was saved; the form now shows the model as it is".to_string(),
        );
        return Ok(Edit::Invalid(e));
    }
    let inputs: BTreeMap<String, String> = submitted
        .iter()
        .filter(|(k, _)| k.as_str() != "csrf" && k.as_str() != "version")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (text, changes) = match apply(&d.meta.id, &d.content, &inputs, state.data) {
        Ok(x) => x,
        Err(e) => return Ok(Edit::Invalid(e)),
    };
    if changes.is_empty() {
        return Ok(Edit::Unchanged);
    }
    let actor = &current.user().username;
    let t = now();
    state
        .store
        .put_document(
            &place.id,
            &NewDocument {
                id: &d.meta.id,
                kind: "appraisal",
                title: &d.meta.title,
                owner_partner: d.meta.owner_partner.as_deref(),
                content: &text,
            },
            actor,
            t,
        )
        .await
        .map_err(|e| internal(state, path, e))?;
    let detail: serde_json::Map<String, Json_> = changes
        .iter()
        .map(|(n, b, a)| (n.clone(), json!({"before": b, "after": a})))
        .collect();
    state
        .store
        .audit(
            &AuditEntry::new(
                actor,
                "appraisal.inputs",
                &place.id,
                &format!("document:{}", d.meta.id),
                json!({ "fields": detail }),
            ),
            t,
        )
        .await
        .map_err(|e| internal(state, path, e))?;
    Ok(Edit::Saved(changes))
}

/// The appraisal's charts: cumulative cash flow with payback, and who
/// pays and who benefits, each with its description in words.
pub(crate) fn charts(a: &Appraisal) -> Vec<minijinja::Value> {
    let cash = oneplace_charts::CashFlow {
        title: format!("{}: cumulative net fiscal position", a.name),
        years: a
            .years
            .iter()
            .map(|y| y.financial_year.to_string())
            .collect(),
        cumulative: a.years.iter().map(|y| y.cumulative_net_fiscal).collect(),
        cumulative_discounted: a
            .years
            .iter()
            .map(|y| y.cumulative_discounted_net_fiscal)
            .collect(),
        payback: a.payback_year_undiscounted,
        payback_discounted: a.payback_year_discounted,
    };
    let pays = oneplace_charts::PaysBenefits {
        title: format!("{}: who pays, who benefits", a.name),
        agencies: a.agencies.iter().map(|r| r.agency.clone()).collect(),
        cost: a.agencies.iter().map(|r| r.pv_cost).collect(),
        benefit: a.agencies.iter().map(|r| r.pv_fiscal_benefit).collect(),
    };
    vec![
        context! {
            id => "cash-flow",
            title => cash.title,
            description => oneplace_charts::cash_flow_description(&cash),
            svg => minijinja::Value::from_safe_string(oneplace_charts::cash_flow_svg(&cash)),
        },
        context! {
            id => "who-pays",
            title => pays.title,
            description => oneplace_charts::pays_benefits_description(&pays),
            svg => minijinja::Value::from_safe_string(oneplace_charts::pays_benefits_svg(&pays)),
        },
    ]
}

/// An appraisal's report as the results page shows it: its title and
/// notes, and its tables rendered to HTML. The tables depend on the model
/// text alone (not on the user or the session), so they are rendered once
/// per text and remembered, as the appraisal itself is.
pub(crate) fn report_html(
    state: &AppState,
    name: &str,
    text: &str,
    a: &Appraisal,
) -> Result<(minijinja::Value, minijinja::Value), minijinja::Error> {
    type Memo = std::collections::HashMap<String, (String, String, Vec<String>, String)>;
    static MEMO: std::sync::OnceLock<std::sync::Mutex<Memo>> = std::sync::OnceLock::new();
    const KEPT: usize = 256;
    let memo = MEMO.get_or_init(Default::default);
    let hit = memo
        .lock()
        .expect("the memo's lock")
        .get(name)
        .filter(|(t, ..)| t == text)
        .map(|(_, title, notes, html)| (title.clone(), notes.clone(), html.clone()));
    let (title, notes, html) = match hit {
        Some(x) => x,
        None => {
            let doc = domain::html_document(&domain::appraisal_document(a));
            let html = state
                .templates
                .template_from_named_str(
                    "sections.html",
                    "{% import \"macros.html\" as m %}{% for s in sections %}{{ m.report_section(s) }}{% endfor %}",
                )?
                .render(context! { sections => doc.sections })?;
            let mut m = memo.lock().expect("the memo's lock");
            if m.len() >= KEPT {
                m.clear();
            }
            m.insert(
                name.to_string(),
                (
                    text.to_string(),
                    doc.title.clone(),
                    doc.notes.clone(),
                    html.clone(),
                ),
            );
            (doc.title, doc.notes, html)
        }
    };
    Ok((
        context! { title => title, notes => notes },
        minijinja::Value::from_safe_string(html),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
fn edit_view(
    state: &AppState,
    current: &Current,
    place: &Place,
    d: &StoredDocument,
    status: StatusCode,
    submitted: Option<&BTreeMap<String, String>>,
    errors: &BTreeMap<String, String>,
    notice: Option<String>,
) -> Response {
    let mut doc: DocumentMut = match d.content.parse() {
        Ok(doc) => doc,
        Err(e) => return internal(state, "/", e),
    };
    let mut groups = fields(&mut doc, state.data);
    if let Some(s) = submitted {
        for f in groups.iter_mut().flat_map(|g| &mut g.fields) {
            if let Some(v) = s.get(&f.name) {
                f.value = v.clone();
            }
        }
    }
    let appraisal = domain::appraisal(&d.meta.id, &d.content, state.data);
    let (results, chart_list, model_error) = match &appraisal {
        Ok(a) => {
            let mut document = domain::appraisal_document(a);
            document.sections.truncate(2);
            (Some(domain::html_document(&document)), charts(a), None)
        }
        Err(e) => (None, Vec::new(), Some(e.clone())),
    };
    let summary: Vec<minijinja::Value> = errors
        .iter()
        .map(|(field, message)| {
            let label = groups
                .iter()
                .flat_map(|g| &g.fields)
                .find(|f| &f.name == field)
                .map(|f| f.label.clone());
            context! {
                id => if field.is_empty() { String::new() } else { html_id(field) },
                label => label,
                message => message,
            }
        })
        .collect();
    render_status(
        state,
        status,
        "appraisal_edit.html",
        context! { ..base(current, place, "appraisals"), ..context! {
            doc => d.meta,
            version => sha256_hex(d.content.as_bytes()),
            groups => groups,
            field_errors => errors,
            errors => summary,
            notice => notice,
            results => results,
            charts => chart_list,
            model_error => model_error,
        } },
    )
}

async fn edit_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let (place, d) = for_edit(&state, &current, &place, &doc, req.method(), path).await?;
    let notice = q.saved.map(|n| match n {
        0 => "No input was changed: nothing was saved.".to_string(),
        1 => "Saved: 1 input changed. The results below are the appraisal re-run.".to_string(),
        n => format!("Saved: {n} inputs changed. The results below are the appraisal re-run."),
    });
    Ok(edit_view(
        &state,
        &current,
        &place,
        &d,
        StatusCode::OK,
        None,
        &BTreeMap::new(),
        notice,
    ))
}

async fn edit_save(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let (place, d) = for_edit(&state, &current, &place, &doc, &method, &path).await?;
    let Form(pairs): Form<Vec<(String, String)>> = Form::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    let submitted: BTreeMap<String, String> = pairs.into_iter().collect();
    match edit(&state, &current, &place, &d, &submitted, &path).await? {
        Edit::Saved(changes) => {
            Ok(Redirect::to(&format!("{path}?saved={}", changes.len())).into_response())
        }
        Edit::Unchanged => Ok(Redirect::to(&format!("{path}?saved=0")).into_response()),
        Edit::Invalid(errors) => {
            // A stale form is shown afresh; otherwise what was typed stays.
            let stale = errors.len() == 1
                && submitted
                    .get("version")
                    .is_some_and(|v| v != &sha256_hex(d.content.as_bytes()));
            Ok(edit_view(
                &state,
                &current,
                &place,
                &d,
                StatusCode::UNPROCESSABLE_ENTITY,
                if stale { None } else { Some(&submitted) },
                &errors,
                None,
            ))
        }
    }
}

async fn inputs_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let d = place_document(&state, &place.id, &doc, "appraisal", path).await?;
    let mut parsed: DocumentMut = d.content.parse().map_err(|e| internal(&state, path, e))?;
    Ok(Json(json!({
        "document": d.meta,
        "version": sha256_hex(d.content.as_bytes()),
        "can_edit": permits(current.user(), Action::EditDocument("appraisal")),
        "groups": fields(&mut parsed, state.data),
    }))
    .into_response())
}

async fn inputs_save_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let (place, d) = for_edit(&state, &current, &place, &doc, &method, &path).await?;
    let Json(submitted): Json<BTreeMap<String, String>> = Json::from_request(req, &state)
        .await
        .map_err(|e| error_response(&state, &path, StatusCode::BAD_REQUEST, &e.body_text()))?;
    match edit(&state, &current, &place, &d, &submitted, &path).await? {
        Edit::Invalid(errors) => {
            let (field, message) = errors.iter().next().expect("a problem");
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": if field.is_empty() { message.clone() } else { format!("{field}: {message}") },
                    "field": field,
                    "errors": errors,
                })),
            )
                .into_response())
        }
        outcome => {
            let changed: Vec<Json_> = match &outcome {
                Edit::Saved(c) => c
                    .iter()
                    .map(|(n, b, a)| json!({"field": n, "before": b, "after": a}))
                    .collect(),
                _ => Vec::new(),
            };
            let saved = place_document(&state, &place.id, &doc, "appraisal", &path).await?;
            let a = domain::appraisal(&doc, &saved.content, state.data)
                .map_err(|e| internal(&state, &path, e))?;
            Ok(Json(json!({
                "changed": changed,
                "version": sha256_hex(saved.content.as_bytes()),
                "appraisal": domain::appraisal_json(&a),
            }))
            .into_response())
        }
    }
}

// ── comparing scenarios, or two appraisals ───────────────────────────

/// One variant's headline figures, as the engine gives them.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Variant {
    pub name: String,
    pub description: Option<String>,
    pub npbi: f64,
    pub financial_roi: Option<f64>,
    pub nppv: f64,
    pub public_value_roi: Option<f64>,
    /// The year (from 0) cumulative discounted fiscal benefit reaches cost.
    pub payback_year_discounted: Option<usize>,
    pub payback_discounted: Option<String>,
    /// `(agency id, name, net: PV fiscal benefit − PV cost)`.
    pub agencies: Vec<(String, String, f64)>,
}

impl Variant {
    fn of(name: &str, description: Option<String>, a: &Appraisal) -> Variant {
        Variant {
            name: name.to_string(),
            description,
            npbi: a.npbi,
            financial_roi: a.financial_roi,
            nppv: a.nppv,
            public_value_roi: a.public_value_roi,
            payback_year_discounted: a.payback_year_discounted,
            payback_discounted: a
                .payback_year_discounted
                .map(|y| a.first_year.offset(y as i32).to_string()),
            agencies: a
                .agencies
                .iter()
                .map(|r| (r.agency.clone(), r.name.clone(), r.net))
                .collect(),
        }
    }
}

/// The model as appraised, and under each of its named scenarios (each
/// scenario's inputs set on a copy of the model, evaluated in full).
pub(crate) fn scenario_variants(
    model: &Model,
    data: &oneplace_refdata::ReferenceData,
) -> Vec<Variant> {
    let base = oneplace_appraise::evaluate(model, data);
    let mut out = vec![Variant::of("As appraised", None, &base)];
    for s in &model.scenarios {
        let mut m = model.clone();
        for (_, target, x) in &s.set {
            oneplace_appraise::params::apply(&mut m, target, *x);
        }
        out.push(Variant::of(
            &s.name,
            s.description.clone(),
            &oneplace_appraise::evaluate(&m, data),
        ));
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompareQuery {
    /// Another appraisal of the place to compare with, instead of the
    /// scenarios.
    with: Option<String>,
}

async fn variants(
    state: &AppState,
    place: &Place,
    doc: &str,
    with: Option<&str>,
    path: &str,
) -> Result<(String, Vec<Variant>), Response> {
    let d = place_document(state, &place.id, doc, "appraisal", path).await?;
    let read = |d: &StoredDocument| {
        oneplace_appraise::read_toml(&d.meta.id, &d.content, state.data).map_err(|e| {
            error_response(
                state,
                path,
                StatusCode::UNPROCESSABLE_ENTITY,
                &e.to_string(),
            )
        })
    };
    let model = read(&d)?;
    match with.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok((d.meta.title.clone(), scenario_variants(&model, state.data))),
        Some(other) => {
            let o = place_document(state, &place.id, other, "appraisal", path).await?;
            let other_model = read(&o)?;
            Ok((
                format!("{} and {}", d.meta.title, o.meta.title),
                vec![
                    Variant::of(
                        &d.meta.title,
                        None,
                        &oneplace_appraise::evaluate(&model, state.data),
                    ),
                    Variant::of(
                        &o.meta.title,
                        None,
                        &oneplace_appraise::evaluate(&other_model, state.data),
                    ),
                ],
            ))
        }
    }
}

fn difference_json(base: &Variant, v: &Variant) -> Json_ {
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| b - a);
    let mut agencies = serde_json::Map::new();
    for (id, _, net) in &v.agencies {
        let b = base
            .agencies
            .iter()
            .find(|(i, _, _)| i == id)
            .map_or(0.0, |x| x.2);
        agencies.insert(id.clone(), json!(net - b));
    }
    for (id, _, net) in &base.agencies {
        if !v.agencies.iter().any(|(i, _, _)| i == id) {
            agencies.insert(id.clone(), json!(-net));
        }
    }
    json!({
        "npbi": v.npbi - base.npbi,
        "financial_roi": ratio(base.financial_roi, v.financial_roi),
        "nppv": v.nppv - base.nppv,
        "public_value_roi": ratio(base.public_value_roi, v.public_value_roi),
        "payback_years": v.payback_year_discounted.zip(base.payback_year_discounted).map(|(a, b)| a as i64 - b as i64),
        "agency_net": agencies,
    })
}

fn pounds(x: f64) -> String {
    Cell::Pounds(x).to_string()
}

fn signed_pounds(x: f64) -> String {
    let s = pounds(x);
    if x > 0.0 && !s.starts_with('+') {
        format!("+{s}")
    } else {
        s
    }
}

fn ratio_text(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".into(), |v| Cell::Ratio(v).to_string())
}

fn signed_ratio(d: Option<f64>) -> String {
    match d {
        None => "n/a".into(),
        Some(d) => format!("{}{:.2}", if d >= 0.0 { "+" } else { "−" }, d.abs()),
    }
}

/// The comparison as a table: a row per measure and per agency, a column
/// per variant and, after each but the first, its difference from the
/// first.
fn compare_table(vs: &[Variant]) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let base = &vs[0];
    let mut headings = vec![base.name.clone()];
    for v in &vs[1..] {
        headings.push(v.name.clone());
        headings.push(format!("{} − {}", v.name, base.name));
    }
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row =
        |label: String, f: &dyn Fn(&Variant) -> String, d: &dyn Fn(&Variant) -> String| {
            let mut cells = vec![f(base)];
            for v in &vs[1..] {
                cells.push(f(v));
                cells.push(d(v));
            }
            rows.push((label, cells));
        };
    row(
        "Net present budget impact".into(),
        &|v| pounds(v.npbi),
        &|v| signed_pounds(v.npbi - base.npbi),
    );
    row(
        "Financial return on investment".into(),
        &|v| ratio_text(v.financial_roi),
        &|v| signed_ratio(base.financial_roi.zip(v.financial_roi).map(|(a, b)| b - a)),
    );
    row(
        "Net present public value".into(),
        &|v| pounds(v.nppv),
        &|v| signed_pounds(v.nppv - base.nppv),
    );
    row(
        "Public-value return".into(),
        &|v| ratio_text(v.public_value_roi),
        &|v| {
            signed_ratio(
                base.public_value_roi
                    .zip(v.public_value_roi)
                    .map(|(a, b)| b - a),
            )
        },
    );
    row(
        "Payback (discounted)".into(),
        &|v| {
            v.payback_discounted
                .clone()
                .unwrap_or_else(|| "not within the appraisal".into())
        },
        &|v| match (v.payback_year_discounted, base.payback_year_discounted) {
            (Some(a), Some(b)) => {
                let d = a as i64 - b as i64;
                match d {
                    0 => "same year".into(),
                    d => format!(
                        "{}{} year{}",
                        if d > 0 { "+" } else { "−" },
                        d.abs(),
                        if d.abs() == 1 { "" } else { "s" }
                    ),
                }
            }
            _ => "n/a".into(),
        },
    );
    let mut ids: Vec<(String, String)> = Vec::new();
    for v in vs {
        for (id, name, _) in &v.agencies {
            if !ids.iter().any(|(i, _)| i == id) {
                ids.push((id.clone(), name.clone()));
            }
        }
    }
    for (id, name) in ids {
        let net = |v: &Variant| v.agencies.iter().find(|(i, _, _)| *i == id).map(|x| x.2);
        row(
            format!("Net: {name}"),
            &|v| net(v).map_or_else(|| "—".into(), pounds),
            &|v| signed_pounds(net(v).unwrap_or(0.0) - net(base).unwrap_or(0.0)),
        );
    }
    (headings, rows)
}

async fn compare_page(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<CompareQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let (title, vs) = variants(&state, &place, &doc, q.with.as_deref(), path).await?;
    let (headings, rows) = compare_table(&vs);
    let others = state
        .store
        .documents(&place.id, Some("appraisal"))
        .await
        .map_err(|e| internal(&state, path, e))?
        .into_iter()
        .filter(|m| m.id != doc)
        .collect::<Vec<_>>();
    Ok(render(
        &state,
        "appraisal_compare.html",
        context! { ..base(&current, &place, "appraisals"), ..context! {
            doc => doc,
            title => title,
            with => q.with.unwrap_or_default(),
            others => others,
            variants => vs,
            headings => headings,
            rows => rows.into_iter().map(|(label, cells)| context! { label => label, cells => cells }).collect::<Vec<_>>(),
        } },
    ))
}

async fn compare_api(
    State(state): State<AppState>,
    current: Current,
    Path((place, doc)): Path<(String, String)>,
    Query(q): Query<CompareQuery>,
    req: Request,
) -> Result<Response, Response> {
    let path = req.uri().path();
    let place = user_place(&state, &current, &place, path).await?;
    let (title, vs) = variants(&state, &place, &doc, q.with.as_deref(), path).await?;
    let base = &vs[0];
    let list: Vec<Json_> = vs
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut j = serde_json::to_value(v).expect("variants serialise");
            j["agencies"] = v
                .agencies
                .iter()
                .map(|(id, name, net)| json!({"agency": id, "name": name, "net": net}))
                .collect();
            if i > 0 {
                j["difference"] = difference_json(base, v);
            }
            j
        })
        .collect();
    Ok(Json(json!({"title": title, "variants": list})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = include_str!("../../../examples/family-support.toml");

    fn data() -> &'static oneplace_refdata::ReferenceData {
        oneplace_refdata::ReferenceData::embedded()
    }

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_edit_keeps_comments_and_changes_only_its_field() {
        let (text, changes) = apply(
            "m",
            MODEL,
            &set(&[
                ("outcome.less-crime.deadweight", "0.4"),
                ("appraisal.years", "10"),
            ]),
            data(),
        )
        .unwrap();
        assert_eq!(changes.len(), 1);
        assert!(text.contains("deadweight = 0.4\n"));
        // Every comment is still there, and only one line differs.
        let old: Vec<&str> = MODEL.lines().collect();
        let new: Vec<&str> = text.lines().collect();
        assert_eq!(old.len(), new.len());
        let differing: Vec<_> = old.iter().zip(&new).filter(|(a, b)| a != b).collect();
        assert_eq!(differing.len(), 1, "{differing:?}");
        assert!(text.contains("years = 10                 # years 0 to 9"));
    }

    #[test]
    fn a_trailing_comment_survives_a_change_of_its_value() {
        let (text, _) = apply("m", MODEL, &set(&[("appraisal.years", "12")]), data()).unwrap();
        assert!(
            text.contains("years = 12                 # years 0 to 9"),
            "{text}"
        );
    }

    #[test]
    fn malformed_fields_are_named_and_nothing_changes() {
        let e = apply(
            "m",
            MODEL,
            &set(&[
                ("outcome.less-crime.success", "lots"),
                ("appraisal.years", "0"),
                ("cost.set-up.amounts", "180000, x"),
                (
                    "outcome.less-crime.value.1.shares",
                    "police = 0.55, justice = 1.45",
                ),
            ]),
            data(),
        )
        .unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e["appraisal.years"].contains("1 to 100"));
        assert!(e["cost.set-up.amounts"].starts_with("year 1"));
    }

    #[test]
    fn the_validator_s_message_lands_beside_its_field() {
        // Shares that do not sum to 1 pass the field check and are refused
        // by the engine's validator, which points at them.
        let e = apply(
            "m",
            MODEL,
            &set(&[(
                "outcome.less-crime.value.1.shares",
                "police = 0.5, justice = 0.2",
            )]),
            data(),
        )
        .unwrap_err();
        assert!(e.contains_key("outcome.less-crime.value.1.shares"), "{e:?}");
    }

    #[test]
    fn distributions_and_lists_are_written_as_the_model_writes_them() {
        let (text, _) = apply(
            "m",
            MODEL,
            &set(&[
                ("outcome.less-crime.success", "pert(0.1, 0.2, 0.3)"),
                ("cost.police-officers.amounts", "90000, 90000, 90000, 1000"),
            ]),
            data(),
        )
        .unwrap();
        assert!(text.contains("success = \"pert(0.1, 0.2, 0.3)\""));
        assert!(text.contains("amounts = [90000, 90000, 90000, 1000]"));
        oneplace_appraise::read_toml("m", &text, data()).unwrap();
    }
}
