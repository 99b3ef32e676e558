//! From the model as written to the model as evaluated.
//!
//! Validation resolves every reference (agencies, Unit Cost Database codes,
//! grades, reference data), converts every amount to the price base, checks
//! every range, and collects all the problems it finds, each with its place
//! in the input, before giving up. Nothing is computed on a model that has
//! not passed.

use std::collections::HashMap;
use std::ops::Range;

use oneplace_core::{
    AgencyKind, AgencyVocabulary, Diagnostic, FinancialYear, InputError, Location, is_identifier,
    parse_pounds, parse_rate,
};
use oneplace_refdata::{
    ConfidenceGrade, DeflatorVintage, OptimismBiasTable, ReferenceData, UnitCost, ValueKind,
};

use crate::guard::check_model;
use crate::model::*;
use crate::params;
use crate::raw::*;
use crate::uncertainty::Distribution;
use crate::uncertainty::distribution::SYNTAX;

/// The tolerance within which shares must sum to 1.
pub const SHARE_TOLERANCE: f64 = 1e-9;

/// Validates a raw model against the reference data.
pub fn validate(
    raw: &RawModel,
    at: &dyn Locate,
    data: &ReferenceData,
) -> Result<Model, InputError> {
    let mut v = Validator {
        at,
        diags: Vec::new(),
        warnings: Vec::new(),
        uncertain: Vec::new(),
        overlap_with: HashMap::new(),
    };
    let model = v.model(raw, data);
    InputError::check(v.diags)?;
    let mut model = model.expect("a model without diagnostics is complete");
    model.warnings.extend(v.warnings);
    model.uncertain = v.uncertain;
    for i in 0..model.uncertain.len() {
        let target = model.uncertain[i].target;
        model.uncertain[i].path = params::path(&model, &target);
    }
    let mut v = Validator {
        at,
        diags: Vec::new(),
        warnings: Vec::new(),
        uncertain: Vec::new(),
        overlap_with: HashMap::new(),
    };
    v.correlations(&raw.correlation, &mut model);
    v.scenarios(&raw.scenario, &mut model);
    InputError::check(v.diags)?;
    Ok(model)
}

/// Where an input may range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Domain {
    Any,
    NonNegative,
    Rate,
}

struct Validator<'a> {
    at: &'a dyn Locate,
    diags: Vec<Diagnostic>,
    warnings: Vec<String>,
    /// Inputs given as distributions, their names filled in once the model
    /// is complete.
    uncertain: Vec<UncertainInput>,
    /// The codes each value's `allow_overlap` is limited to, by (outcome,
    /// value), with their spans.
    overlap_with: HashMap<(usize, usize), Vec<NamedCode>>,
}

/// A code named by `allow_overlap_with`, and where.
type NamedCode = (String, Range<usize>);

/// What validating the `[appraisal]` section yields for the rest.
struct Context<'d> {
    settings: Settings,
    deflators: &'d DeflatorVintage,
    grades: OptimismBiasTable,
}

impl<'a> Validator<'a> {
    fn loc(&self, span: Range<usize>) -> Location {
        self.at.at(span)
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let d = Diagnostic::new(self.loc(span), message);
        self.diags.push(d);
    }

    fn error_expected(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        let d = Diagnostic::new(self.loc(span), message).expected(expected);
        self.diags.push(d);
    }

    /// A field that must be present in the table at `parent`.
    fn required<'r, T>(
        &mut self,
        field: &'r Option<S<T>>,
        parent: Range<usize>,
        what: &str,
        name: &str,
    ) -> Option<&'r S<T>> {
        if field.is_none() {
            match self.at.missing(parent.clone(), name) {
                Some(cell) => self.diags.push(
                    Diagnostic::new(cell, format!("{name} is required and this cell is blank"))
                        .expected(format!(
                            "the {name} of this {}",
                            what.trim_matches(['[', ']'])
                        )),
                ),
                None => self.error(parent, format!("{what} has no `{name}`")),
            }
        }
        field.as_ref()
    }

    /// Refuses a distribution where an input cannot be uncertain.
    fn certain_only(&mut self, n: &S<Num>, what: &str) -> bool {
        if let Num::Text(t) = n.get_ref()
            && matches!(Distribution::parse(t), Ok(Some(_)))
        {
            self.error_expected(
                n.span(),
                format!("{what} cannot be uncertain"),
                "a number: distributions go on rates, cohorts, amounts, quantities, unit values and scales",
            );
            return false;
        }
        true
    }

    /// A number that may be given as a distribution: the distribution is
    /// recorded against `target`, and its central value returned.
    fn uncertain(
        &mut self,
        n: &S<Num>,
        what: &str,
        domain: Domain,
        target: Target,
        factor: f64,
    ) -> Option<f64> {
        if let Num::Text(text) = n.get_ref() {
            match Distribution::parse(text) {
                Ok(Some(d)) => {
                    let (lo, hi) = d.support();
                    let problem = match domain {
                        Domain::Rate if lo < 0.0 || hi > 1.0 => Some(
                            "a distribution within 0–1 (truncate a normal: normal(mean, sd, 0, 1))",
                        ),
                        Domain::NonNegative if lo < 0.0 => {
                            Some("a distribution that does not go below 0")
                        }
                        _ => None,
                    };
                    if let Some(expected) = problem {
                        self.error_expected(
                            n.span(),
                            format!("{what}: {} ranges from {lo} to {hi}", text.trim()),
                            expected,
                        );
                        return None;
                    }
                    let central = d.central();
                    self.uncertain.push(UncertainInput {
                        path: String::new(),
                        target,
                        distribution: d,
                        factor,
                        location: self.loc(n.span()),
                    });
                    return Some(central);
                }
                Ok(None) => {}
                Err(e) => {
                    self.error_expected(
                        n.span(),
                        format!("{what}: {e}"),
                        format!("a number, or a distribution: {SYNTAX}"),
                    );
                    return None;
                }
            }
        }
        match domain {
            Domain::Any => self.number(n, what),
            Domain::NonNegative => self.non_negative(n, what),
            Domain::Rate => self.rate(n, what),
        }
    }

    fn number(&mut self, n: &S<Num>, what: &str) -> Option<f64> {
        if !self.certain_only(n, what) {
            return None;
        }
        let value = match n.get_ref() {
            Num::Int(i) => Ok(*i as f64),
            Num::Float(f) => Ok(*f),
            Num::Text(t) => parse_pounds(t),
        };
        match value {
            Ok(x) if x.is_finite() => Some(x),
            Ok(_) => {
                self.error(n.span(), format!("{what} is not a finite number"));
                None
            }
            Err(e) => {
                self.error_expected(
                    n.span(),
                    format!("{what}: {e}"),
                    "a number such as 1200 or \"£1,200.50\"",
                );
                None
            }
        }
    }

    fn non_negative(&mut self, n: &S<Num>, what: &str) -> Option<f64> {
        let x = self.number(n, what)?;
        if x < 0.0 {
            self.error(n.span(), format!("{what} is {x}, which is negative"));
            return None;
        }
        Some(x)
    }

    /// An uplift on costs: a fraction or percentage, 0 or more (it may
    /// exceed 100%: the Green Book's upper bounds do).
    fn cost_uplift(&mut self, n: &S<Num>) -> Option<f64> {
        let value = match n.get_ref() {
            Num::Int(i) => Ok(*i as f64),
            Num::Float(f) => Ok(*f),
            Num::Text(t) => parse_rate(t),
        };
        match value {
            Ok(x) if x >= 0.0 => Some(x),
            Ok(x) => {
                self.error(n.span(), format!("cost_uplift is {x}, which is negative"));
                None
            }
            Err(e) => {
                self.error_expected(n.span(), format!("cost_uplift: {e}"), "0.15 or \"15%\"");
                None
            }
        }
    }

    /// A fraction or percentage (`0.35`, `"35%"`, `-0.5`), range unchecked.
    fn fraction(&mut self, n: &S<Num>, what: &str) -> Option<f64> {
        if !self.certain_only(n, what) {
            return None;
        }
        let value = match n.get_ref() {
            Num::Int(i) => Ok(*i as f64),
            Num::Float(f) => Ok(*f),
            Num::Text(t) => parse_rate(t),
        };
        match value {
            Ok(x) => Some(x),
            Err(e) => {
                self.error_expected(n.span(), format!("{what}: {e}"), "0.35 or \"35%\"");
                None
            }
        }
    }

    /// A rate or share that must lie in 0–1.
    fn rate(&mut self, n: &S<Num>, what: &str) -> Option<f64> {
        if !self.certain_only(n, what) {
            return None;
        }
        let value = match n.get_ref() {
            Num::Int(i) => Ok(*i as f64),
            Num::Float(f) => Ok(*f),
            Num::Text(t) => parse_rate(t),
        };
        match value {
            Ok(x) if (0.0..=1.0).contains(&x) => Some(x),
            Ok(x) => {
                self.error_expected(
                    n.span(),
                    format!("{what} is {x}, outside 0–1"),
                    "a fraction from 0 to 1 (0.35) or a percentage (\"35%\")",
                );
                None
            }
            Err(e) => {
                self.error_expected(n.span(), format!("{what}: {e}"), "0.35 or \"35%\"");
                None
            }
        }
    }

    fn year(&mut self, s: &S<String>, what: &str) -> Option<FinancialYear> {
        match FinancialYear::parse(s.get_ref()) {
            Ok(y) => Some(y),
            Err(e) => {
                self.error_expected(
                    s.span(),
                    format!("{what}: {e}"),
                    "a financial year such as 2026/27",
                );
                None
            }
        }
    }

    fn identifier(&mut self, s: &S<String>, what: &str) -> Option<String> {
        let id = s.get_ref().trim();
        if is_identifier(id) {
            Some(id.to_string())
        } else {
            self.error_expected(
                s.span(),
                format!("{what} '{id}' is not a valid identifier"),
                "lower-case kebab-case such as county-council",
            );
            None
        }
    }

    fn grade(&mut self, g: &S<i64>, grades: &OptimismBiasTable) -> Option<ConfidenceGrade> {
        let found = u8::try_from(*g.get_ref())
            .ok()
            .and_then(|n| grades.grade(n));
        if found.is_none() {
            let list: Vec<String> = grades.grade_numbers().iter().map(u8::to_string).collect();
            self.error_expected(
                g.span(),
                format!("unknown confidence grade {}", g.get_ref()),
                format!("one of {} (table '{}')", list.join(", "), grades.id),
            );
        }
        found.cloned()
    }

    /// A year given as an offset or a financial year, as an offset in
    /// `0..years`.
    fn year_offset(&mut self, y: &S<YearRef>, settings: &Settings, what: &str) -> Option<usize> {
        let offset = match y.get_ref() {
            YearRef::Offset(o) => *o,
            YearRef::Year(text) => match FinancialYear::parse(text) {
                Ok(fy) => i64::from(fy.years_since(settings.first_year)),
                Err(e) => {
                    self.error(y.span(), format!("{what}: {e}"));
                    return None;
                }
            },
        };
        if offset < 0 || offset as usize >= settings.years {
            self.error_expected(
                y.span(),
                format!("{what} falls outside the appraisal period"),
                format!(
                    "a year from {} (year 0) to {} (year {})",
                    settings.first_year,
                    settings.financial_year(settings.years - 1),
                    settings.years - 1
                ),
            );
            return None;
        }
        Some(offset as usize)
    }

    fn model(&mut self, raw: &RawModel, data: &ReferenceData) -> Option<Model> {
        let Some(appraisal) = &raw.appraisal else {
            self.diags.push(Diagnostic::new(
                self.at.whole(),
                "the model has no [appraisal] section (name, first_year, years, price_base)",
            ));
            return None;
        };
        let context = self.settings(appraisal, raw.optimism_bias.as_ref(), data);
        let mut vocabulary = AgencyVocabulary::seeded();
        for k in &raw.agency_kind {
            self.agency_kind(k, &mut vocabulary);
        }
        let agencies = self.agencies(&raw.agency, &vocabulary);
        let context = context?;
        let costs = self.costs(&raw.cost, &agencies, &context);
        let outcomes = self.outcomes(&raw.outcome, &agencies, &vocabulary, &context, data);
        if raw.cost.is_empty() {
            self.diags.push(Diagnostic::new(
                self.at.whole(),
                "the model has no [[cost]]",
            ));
        }
        if raw.outcome.is_empty() {
            self.diags.push(Diagnostic::new(
                self.at.whole(),
                "the model has no [[outcome]]",
            ));
        }
        let name = appraisal
            .get_ref()
            .name
            .as_ref()
            .map(|n| n.get_ref().clone());
        let mut reference_data = Vec::new();
        for id in [
            "discount-schedules",
            "gdp-deflators",
            "optimism-bias-grades",
            "unit-cost-database",
        ] {
            if let Some(mut version) = data.version_of(id) {
                if id == "optimism-bias-grades" && context.grades.id == "model" {
                    version.version = "model".into();
                    version.source = "the model's own [[optimism_bias.grade]] table".into();
                }
                reference_data.push(version);
            }
        }
        Some(Model {
            name: name?,
            description: appraisal
                .get_ref()
                .description
                .as_ref()
                .map(|d| d.get_ref().clone()),
            optimism_bias_overridden: context.grades.id == "model",
            settings: context.settings,
            optimism_bias: context.grades,
            agencies: agencies?.into_iter().map(|(a, _)| a).collect(),
            costs: costs?,
            outcomes: outcomes?,
            uncertain: Vec::new(),
            correlations: Vec::new(),
            scenarios: Vec::new(),
            reference_data,
            warnings: Vec::new(),
        })
    }

    fn settings<'d>(
        &mut self,
        appraisal: &S<RawAppraisal>,
        optimism: Option<&S<RawOptimismBias>>,
        data: &'d ReferenceData,
    ) -> Option<Context<'d>> {
        let span = appraisal.span();
        let a = appraisal.get_ref();
        self.required(&a.name, span.clone(), "[appraisal]", "name");
        let first_year = self
            .required(&a.first_year, span.clone(), "[appraisal]", "first_year")
            .and_then(|y| self.year(y, "first_year"));
        let years = match self.required(&a.years, span.clone(), "[appraisal]", "years") {
            Some(y) if (1..=1000).contains(y.get_ref()) => Some(*y.get_ref() as usize),
            Some(y) => {
                self.error_expected(
                    y.span(),
                    format!("years is {}", y.get_ref()),
                    "from 1 to 1000",
                );
                None
            }
            None => None,
        };
        let deflators = match &a.deflators {
            None => Some(data.default_deflators()),
            Some(id) => {
                let found = data.deflator_vintage(id.get_ref());
                if found.is_none() {
                    let known: Vec<&str> = data.deflators.iter().map(|d| d.id.as_str()).collect();
                    self.error_expected(
                        id.span(),
                        format!("unknown deflator vintage '{}'", id.get_ref()),
                        format!(
                            "one of: {}, or a vintage loaded from a CSV file with `--deflators {}.csv`",
                            known.join(", "),
                            id.get_ref()
                        ),
                    );
                }
                found
            }
        };
        let schedule = match &a.discount_schedule {
            None => Some("standard".to_string()),
            Some(s) if data.discount_schedule(s.get_ref()).is_some() => Some(s.get_ref().clone()),
            Some(s) => {
                let known: Vec<&str> = data
                    .discount_schedules
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect();
                self.error_expected(
                    s.span(),
                    format!("unknown discount schedule '{}'", s.get_ref()),
                    format!("one of: {}", known.join(", ")),
                );
                None
            }
        };
        let price_base = match &a.price_base {
            Some(p) => self.year(p, "price_base").map(|y| (y, p.span())),
            None => {
                first_year.map(|y| (y, a.first_year.as_ref().map_or(span.clone(), |f| f.span())))
            }
        };
        if let (Some((base, base_span)), Some(vintage)) = (&price_base, deflators)
            && let Err(e) = vintage.index(*base)
        {
            let hint = if a.price_base.is_none() {
                " (price_base defaults to first_year: set price_base to a year the vintage covers, such as the Unit Cost Database's 2015/16)"
            } else {
                ""
            };
            self.error(base_span.clone(), format!("price base {base}: {e}{hint}"));
        }
        let grades = self.optimism_table(optimism, data);
        Some(Context {
            settings: Settings {
                first_year: first_year?,
                years: years?,
                price_base: price_base?.0,
                deflators: deflators?.id.clone(),
                discount_schedule: schedule?,
                discount_year_zero: a.discount_year_zero.as_ref().is_some_and(|b| *b.get_ref()),
            },
            deflators: deflators?,
            grades: grades?,
        })
    }

    fn optimism_table(
        &mut self,
        raw: Option<&S<RawOptimismBias>>,
        data: &ReferenceData,
    ) -> Option<OptimismBiasTable> {
        let Some(raw) = raw else {
            return Some(data.default_optimism_bias().clone());
        };
        let r = raw.get_ref();
        if r.table.is_some() && !r.grade.is_empty() {
            self.error(
                raw.span(),
                "[optimism_bias] names a table and gives its own grades: choose one",
            );
            return None;
        }
        if let Some(id) = &r.table {
            let found = data.optimism_bias_table(id.get_ref()).cloned();
            if found.is_none() {
                let known: Vec<&str> = data.optimism_bias.iter().map(|t| t.id.as_str()).collect();
                self.error_expected(
                    id.span(),
                    format!("unknown optimism-bias table '{}'", id.get_ref()),
                    format!("one of: {}", known.join(", ")),
                );
            }
            return found;
        }
        if r.grade.is_empty() {
            return Some(data.default_optimism_bias().clone());
        }
        let mut grades: Vec<ConfidenceGrade> = Vec::new();
        for g in &r.grade {
            let span = g.span();
            let gr = g.get_ref();
            let number = self
                .required(&gr.grade, span.clone(), "[[optimism_bias.grade]]", "grade")
                .and_then(|n| match u8::try_from(*n.get_ref()) {
                    Ok(n) if grades.iter().all(|x| x.grade != n) => Some(n),
                    _ => {
                        self.error(
                            n.span(),
                            format!("grade {} is repeated or out of range", n.get_ref()),
                        );
                        None
                    }
                });
            let uplift = self
                .required(
                    &gr.cost_uplift,
                    span.clone(),
                    "[[optimism_bias.grade]]",
                    "cost_uplift",
                )
                .and_then(|n| self.cost_uplift(n));
            let reduction = self
                .required(
                    &gr.benefit_reduction,
                    span.clone(),
                    "[[optimism_bias.grade]]",
                    "benefit_reduction",
                )
                .and_then(|n| self.rate(n, "benefit_reduction"));
            if let (Some(grade), Some(cost_uplift), Some(benefit_reduction)) =
                (number, uplift, reduction)
            {
                grades.push(ConfidenceGrade {
                    grade,
                    label: gr
                        .label
                        .as_ref()
                        .map_or_else(|| format!("Grade {grade}"), |l| l.get_ref().clone()),
                    evidence: String::new(),
                    cost_uplift,
                    benefit_reduction,
                });
            }
        }
        Some(OptimismBiasTable {
            id: "model".into(),
            grades,
        })
    }

    fn agency_kind(&mut self, k: &S<RawAgencyKind>, vocabulary: &mut AgencyVocabulary) {
        let span = k.span();
        let r = k.get_ref();
        let id = self
            .required(&r.id, span.clone(), "[[agency_kind]]", "id")
            .and_then(|i| self.identifier(i, "agency kind id"));
        let name = self.required(&r.name, span.clone(), "[[agency_kind]]", "name");
        if let (Some(id), Some(name)) = (id, name) {
            let kind = AgencyKind {
                id,
                name: name.get_ref().clone(),
                parent: r.parent.as_ref().map(|p| p.get_ref().clone()),
                aliases: Vec::new(),
                transfers_by_default: false,
            };
            if let Err(e) = vocabulary.add(kind) {
                self.error(span, format!("agency kind: {e}"));
            }
        }
    }

    fn agencies(
        &mut self,
        raw: &[S<RawAgency>],
        vocabulary: &AgencyVocabulary,
    ) -> Option<Vec<(Agency, f64)>> {
        if raw.is_empty() {
            self.diags.push(Diagnostic::new(
                self.at.whole(),
                "the model has no [[agency]]",
            ));
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        for a in raw {
            let span = a.span();
            let r = a.get_ref();
            let id = self
                .required(&r.id, span.clone(), "[[agency]]", "id")
                .and_then(|i| self.identifier(i, "agency id"));
            if let (Some(id), Some(raw_id)) = (&id, &r.id) {
                if seen.contains_key(id) {
                    self.error(raw_id.span(), format!("agency '{id}' is defined twice"));
                    ok = false;
                }
                seen.insert(id.clone(), raw_id.span());
            }
            let kind = self
                .required(&r.kind, span.clone(), "[[agency]]", "kind")
                .and_then(|k| match vocabulary.get(k.get_ref()) {
                    Some(kind) => Some(kind.id.clone()),
                    None => {
                        self.error_expected(
                            k.span(),
                            format!("unknown agency kind '{}'", k.get_ref()),
                            "a kind from the vocabulary (nhs, icb, local-authority, county-council, police, dwp, …) or one added with [[agency_kind]]",
                        );
                        None
                    }
                });
            let cashable = match &r.cashable {
                Some(c) => self.rate(c, "cashable"),
                None => Some(0.0),
            };
            match (id, kind, cashable) {
                (Some(id), Some(kind), Some(cashable)) => out.push((
                    Agency {
                        name: r
                            .name
                            .as_ref()
                            .map_or_else(|| id.clone(), |n| n.get_ref().clone()),
                        id,
                        kind,
                        contributes: r.contributes.as_ref().is_none_or(|c| *c.get_ref()),
                    },
                    cashable,
                )),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Resolves an agency reference to its index.
    fn agency_ref(&mut self, s: &S<String>, agencies: &[(Agency, f64)]) -> Option<usize> {
        let wanted = s.get_ref().trim();
        let found = agencies.iter().position(|(a, _)| a.id == wanted);
        if found.is_none() {
            let ids: Vec<&str> = agencies.iter().map(|(a, _)| a.id.as_str()).collect();
            self.error_expected(
                s.span(),
                format!("unknown agency '{wanted}'"),
                format!("one of the model's agencies: {}", ids.join(", ")),
            );
        }
        found
    }

    fn costs(
        &mut self,
        raw: &[S<RawCost>],
        agencies: &Option<Vec<(Agency, f64)>>,
        cx: &Context,
    ) -> Option<Vec<CostLine>> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen = HashMap::new();
        for (index, c) in raw.iter().enumerate() {
            match self.cost(index, c, agencies, cx, &mut seen) {
                Some(line) => out.push(line),
                None => ok = false,
            }
        }
        (ok && agencies.is_some()).then_some(out)
    }

    fn cost(
        &mut self,
        index: usize,
        c: &S<RawCost>,
        agencies: &Option<Vec<(Agency, f64)>>,
        cx: &Context,
        seen: &mut HashMap<String, ()>,
    ) -> Option<CostLine> {
        let span = c.span();
        let r = c.get_ref();
        let settings = &cx.settings;
        let id = self
            .required(&r.id, span.clone(), "[[cost]]", "id")
            .and_then(|i| self.identifier(i, "cost id"));
        if let (Some(id), Some(raw_id)) = (&id, &r.id)
            && seen.insert(id.clone(), ()).is_some()
        {
            self.error(raw_id.span(), format!("cost '{id}' is defined twice"));
        }
        let agency = match (
            self.required(&r.agency, span.clone(), "[[cost]]", "agency"),
            agencies,
        ) {
            (Some(a), Some(list)) => self.agency_ref(a, list),
            _ => None,
        };
        let kind = self
            .required(&r.kind, span.clone(), "[[cost]]", "type")
            .and_then(|k| {
                let kind = CostKind::parse(k.get_ref());
                if kind.is_none() {
                    self.error_expected(
                        k.span(),
                        format!("unknown cost type '{}'", k.get_ref()),
                        "capital, revenue or in_kind",
                    );
                }
                kind
            });
        let grade = self
            .required(&r.confidence, span.clone(), "[[cost]]", "confidence")
            .and_then(|g| self.grade(g, &cx.grades));
        let price_year = match &r.price_year {
            Some(p) => self.year(p, "price_year").map(|y| (y, p.span())),
            None => Some((settings.price_base, span.clone())),
        };
        let price_factor = price_year.as_ref().and_then(|(y, s)| {
            match cx.deflators.uprate(1.0, *y, settings.price_base) {
                Ok(f) => Some(f),
                Err(e) => {
                    self.error(s.clone(), format!("price year: {e}"));
                    None
                }
            }
        });
        let amounts = match (&r.amounts, r.phase.is_empty()) {
            (Some(_), false) => {
                self.error(
                    span.clone(),
                    "a cost gives both `amounts` and [[cost.phase]]: choose one",
                );
                None
            }
            (None, true) => {
                self.error_expected(
                    span.clone(),
                    "a cost needs its amounts",
                    "`amounts = [year 0, year 1, …]` or one or more [[cost.phase]] with from, to and annual",
                );
                None
            }
            (Some(list), true) => {
                let stops = r.stops.as_ref().is_some_and(|s| *s.get_ref());
                let what = format!("cost '{}'", id.as_deref().unwrap_or("?"));
                self.short_list(
                    list.span(),
                    list.get_ref().len(),
                    settings,
                    stops,
                    &what,
                    "amounts",
                    "the cost ends",
                );
                self.amount_list(index, list, settings, price_factor?)
            }
            (None, false) => self.phases(index, &r.phase, settings, price_factor?),
        };
        let scale = match &r.scale {
            Some(n) => self.uncertain(
                n,
                "scale",
                Domain::NonNegative,
                Target::CostScale { cost: index },
                1.0,
            ),
            None => Some(1.0),
        };
        let factor = price_factor?;
        let grade = grade?;
        Some(CostLine {
            name: r
                .name
                .as_ref()
                .map_or_else(|| id.clone().unwrap_or_default(), |n| n.get_ref().clone()),
            id: id?,
            agency: agency?,
            kind: kind?,
            amounts: amounts?.into_iter().map(|a| a * factor).collect(),
            price_year: price_year?.0,
            price_factor: factor,
            confidence: grade.grade,
            optimism_uplift: grade.cost_uplift,
            scale: scale?,
            location: self.loc(span),
        })
    }

    /// A list by year shorter than the appraisal leaves the later years at
    /// 0: said with `stops = true`, that is the model's statement; unsaid,
    /// a warning naming the place and the years.
    #[allow(clippy::too_many_arguments)]
    fn short_list(
        &mut self,
        span: Range<usize>,
        len: usize,
        settings: &Settings,
        stops: bool,
        what: &str,
        field: &str,
        meaning: &str,
    ) {
        if stops || len == 0 || len >= settings.years {
            return;
        }
        let (from, to) = (len, settings.years - 1);
        self.warnings.push(format!(
            "{}: {what} gives {field} for years 0 to {} of an appraisal of {} years: years {from} to {to} \
             ({} to {}) are taken as 0; write them (0 for none), or say `stops = true` if {meaning} after year {} ({})",
            self.loc(span),
            len - 1,
            settings.years,
            settings.financial_year(from),
            settings.financial_year(to),
            len - 1,
            settings.financial_year(len - 1),
        ));
    }

    fn amount_list(
        &mut self,
        cost: usize,
        list: &S<Vec<S<Num>>>,
        settings: &Settings,
        factor: f64,
    ) -> Option<Vec<f64>> {
        if list.get_ref().len() > settings.years {
            self.error_expected(
                list.span(),
                format!(
                    "{} amounts for an appraisal of {} years",
                    list.get_ref().len(),
                    settings.years
                ),
                format!(
                    "at most {} (years 0 to {})",
                    settings.years,
                    settings.years - 1
                ),
            );
            return None;
        }
        let mut out = vec![0.0; settings.years];
        let mut ok = true;
        for (t, n) in list.get_ref().iter().enumerate() {
            let target = Target::CostYears {
                cost,
                from: t,
                to: t,
            };
            match self.uncertain(
                n,
                &format!("the year {t} amount"),
                Domain::Any,
                target,
                factor,
            ) {
                Some(x) => out[t] = x,
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn phases(
        &mut self,
        cost: usize,
        phases: &[S<RawPhase>],
        settings: &Settings,
        factor: f64,
    ) -> Option<Vec<f64>> {
        let mut out = vec![0.0; settings.years];
        let mut covered: Vec<Option<Range<usize>>> = vec![None; settings.years];
        let mut ok = true;
        for p in phases {
            let span = p.span();
            let r = p.get_ref();
            let from = self
                .required(&r.from, span.clone(), "[[cost.phase]]", "from")
                .and_then(|y| self.year_offset(y, settings, "from"));
            let to = self
                .required(&r.to, span.clone(), "[[cost.phase]]", "to")
                .and_then(|y| self.year_offset(y, settings, "to"));
            let annual = match (
                from,
                to,
                self.required(&r.annual, span.clone(), "[[cost.phase]]", "annual"),
            ) {
                (Some(from), Some(to), Some(n)) if from <= to => {
                    let target = Target::CostYears { cost, from, to };
                    self.uncertain(n, "annual", Domain::Any, target, factor)
                }
                (_, _, Some(n)) => self.number(n, "annual"),
                _ => None,
            };
            let (Some(from), Some(to), Some(annual)) = (from, to, annual) else {
                ok = false;
                continue;
            };
            if from > to {
                self.error(
                    span,
                    format!("the phase runs from year {from} to year {to}, backwards"),
                );
                ok = false;
                continue;
            }
            for t in from..=to {
                if let Some(other) = &covered[t] {
                    let other_at = self.loc(other.clone());
                    self.error(
                        span.clone(),
                        format!(
                            "the phase overlaps another ({other_at}) in year {t} ({})",
                            settings.financial_year(t)
                        ),
                    );
                    ok = false;
                    break;
                }
                covered[t] = Some(span.clone());
                out[t] = annual;
            }
        }
        if ok {
            // Years between phases are missing, not free: a phase of 0 says
            // that nothing is spent.
            let first = covered.iter().position(Option::is_some);
            let last = covered.iter().rposition(Option::is_some);
            if let (Some(first), Some(last)) = (first, last) {
                let mut t = first;
                while t <= last {
                    if covered[t].is_some() {
                        t += 1;
                        continue;
                    }
                    let gap_end = (t..=last).find(|&u| covered[u].is_some()).unwrap_or(last) - 1;
                    let before =
                        self.loc(covered[t - 1].clone().expect("a phase precedes the gap"));
                    let after = covered[gap_end + 1]
                        .clone()
                        .expect("a phase follows the gap");
                    self.error_expected(
                        after,
                        format!(
                            "no phase covers years {t} to {gap_end} ({} to {}), between the phase at {before} and this one",
                            settings.financial_year(t),
                            settings.financial_year(gap_end),
                        ),
                        format!(
                            "a [[cost.phase]] from {t} to {gap_end} (annual = 0 if nothing is spent then), or phases that meet"
                        ),
                    );
                    ok = false;
                    t = gap_end + 1;
                }
            }
        }
        ok.then_some(out)
    }

    fn outcomes(
        &mut self,
        raw: &[S<RawOutcome>],
        agencies: &Option<Vec<(Agency, f64)>>,
        vocabulary: &AgencyVocabulary,
        cx: &Context,
        data: &ReferenceData,
    ) -> Option<Vec<Outcome>> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen = HashMap::new();
        for (index, o) in raw.iter().enumerate() {
            match self.outcome(index, o, agencies, vocabulary, cx, data, &mut seen) {
                Some(outcome) => out.push(outcome),
                None => ok = false,
            }
        }
        if ok {
            ok = self.double_counting(&out, data);
        }
        (ok && agencies.is_some()).then_some(out)
    }

    /// The double-count guard over the whole model, and allowances naming
    /// codes their value never overlaps.
    fn double_counting(&mut self, outcomes: &[Outcome], data: &ReferenceData) -> bool {
        let named: HashMap<(usize, usize), Vec<String>> = self
            .overlap_with
            .iter()
            .map(|(k, v)| (*k, v.iter().map(|(c, _)| c.clone()).collect()))
            .collect();
        let report = check_model(
            outcomes,
            &|o, v| named.get(&(o, v)).map(Vec::as_slice),
            &data.unit_costs,
        );
        let mut ok = report.diagnostics.is_empty();
        self.diags.extend(report.diagnostics);
        let mut stale: Vec<((usize, usize), String, Range<usize>)> = Vec::new();
        for (key, codes) in &self.overlap_with {
            for (code, span) in codes {
                let used = report
                    .used
                    .iter()
                    .any(|(o, v, c)| (*o, *v) == *key && c.eq_ignore_ascii_case(code));
                if !used {
                    stale.push((*key, code.clone(), span.clone()));
                }
            }
        }
        stale.sort_by_key(|(key, _, span)| (*key, span.start));
        for ((o, v), code, span) in stale {
            let value = &outcomes[o].values[v];
            self.error_expected(
                span,
                format!(
                    "allow_overlap_with names {code}, but {} does not overlap {code} anywhere in the model",
                    value.ucd_code().unwrap_or("this value")
                ),
                "only the codes this value is refused with (a parent, or a component or variant of it)",
            );
            ok = false;
        }
        ok
    }

    #[allow(clippy::too_many_arguments)]
    fn outcome(
        &mut self,
        index: usize,
        o: &S<RawOutcome>,
        agencies: &Option<Vec<(Agency, f64)>>,
        vocabulary: &AgencyVocabulary,
        cx: &Context,
        data: &ReferenceData,
        seen: &mut HashMap<String, ()>,
    ) -> Option<Outcome> {
        let span = o.span();
        let r = o.get_ref();
        let settings = &cx.settings;
        let what = "[[outcome]]";
        let id = self
            .required(&r.id, span.clone(), what, "id")
            .and_then(|i| self.identifier(i, "outcome id"));
        if let (Some(id), Some(raw_id)) = (&id, &r.id)
            && seen.insert(id.clone(), ()).is_some()
        {
            self.error(raw_id.span(), format!("outcome '{id}' is defined twice"));
        }
        let cohort = self
            .required(&r.cohort, span.clone(), what, "cohort")
            .and_then(|c| self.cohort(index, c, r.start.as_ref(), settings));
        if let Some(c) = &r.cohort
            && let NumOrList::Many(list) = c.get_ref()
        {
            let stops = r.stops.as_ref().is_some_and(|s| *s.get_ref());
            let who = format!("outcome '{}'", id.as_deref().unwrap_or("?"));
            self.short_list(
                c.span(),
                list.len(),
                settings,
                stops,
                &who,
                "cohorts",
                "no one starts",
            );
        }
        let rate = |v: &mut Self, n: &S<Num>, kind: RateKind| {
            let target = Target::Rate {
                outcome: index,
                rate: kind,
            };
            v.uncertain(n, kind.as_str(), Domain::Rate, target, 1.0)
        };
        let engagement = self
            .required(&r.engagement, span.clone(), what, "engagement")
            .and_then(|n| rate(self, n, RateKind::Engagement));
        let success = self
            .required(&r.success, span.clone(), what, "success")
            .and_then(|n| rate(self, n, RateKind::Success));
        let optional_rate = |v: &mut Self, n: &Option<S<Num>>, kind: RateKind| match n {
            Some(n) => rate(v, n, kind),
            None => Some(0.0),
        };
        let deadweight = optional_rate(self, &r.deadweight, RateKind::Deadweight);
        let displacement = optional_rate(self, &r.displacement, RateKind::Displacement);
        let leakage = optional_rate(self, &r.leakage, RateKind::Leakage);
        let profile = self.profile(index, r, settings);
        let grade = self
            .required(&r.confidence, span.clone(), what, "confidence")
            .and_then(|g| self.grade(g, &cx.grades));
        let cashable = match agencies {
            Some(list) => self.cashable(index, r.cashable.as_ref(), list),
            None => None,
        };
        if r.value.is_empty() {
            self.error_expected(
                span.clone(),
                "an outcome needs at least one [[outcome.value]]",
                "a value from the Unit Cost Database (ucd = \"CR2.0\") or explicit (fiscal = 1200)",
            );
        }
        let mut values = Vec::new();
        let mut values_ok = true;
        for (value, v) in r.value.iter().enumerate() {
            let line = match (agencies, &grade) {
                (Some(list), Some(g)) => {
                    let at = (index, value);
                    self.value_line(at, v, list, vocabulary, g, cx, data)
                }
                _ => None,
            };
            match line {
                Some(l) => values.push(l),
                None => values_ok = false,
            }
        }
        let grade = grade?;
        let (profile, shape) = profile?;
        Some(Outcome {
            name: r
                .name
                .as_ref()
                .map_or_else(|| id.clone().unwrap_or_default(), |n| n.get_ref().clone()),
            id: id?,
            cohort: cohort?,
            cohort_scale: 1.0,
            engagement: engagement?,
            success: success?,
            deadweight: deadweight?,
            displacement: displacement?,
            leakage: leakage?,
            profile,
            shape,
            confidence: grade.grade,
            health_discounting: r.health_discounting.as_ref().is_some_and(|h| *h.get_ref()),
            cashable: cashable?,
            values: if values_ok && !values.is_empty() {
                values
            } else {
                return None;
            },
            location: self.loc(span),
        })
    }

    fn cohort(
        &mut self,
        outcome: usize,
        c: &S<NumOrList>,
        start: Option<&S<YearRef>>,
        settings: &Settings,
    ) -> Option<Vec<f64>> {
        let mut out = vec![0.0; settings.years];
        match c.get_ref() {
            NumOrList::One(n) => {
                let year = match start {
                    Some(s) => self.year_offset(s, settings, "start")?,
                    None => 0,
                };
                let target = Target::CohortYear { outcome, year };
                let n = S::new(c.span(), n.clone());
                out[year] = self.uncertain(&n, "cohort", Domain::NonNegative, target, 1.0)?;
            }
            NumOrList::Many(list) => {
                if let Some(s) = start {
                    self.error(s.span(), "`start` applies to a single cohort; a list already gives one cohort per year");
                    return None;
                }
                if list.len() > settings.years {
                    self.error_expected(
                        c.span(),
                        format!(
                            "{} cohorts for an appraisal of {} years",
                            list.len(),
                            settings.years
                        ),
                        format!("at most {} (one per year)", settings.years),
                    );
                    return None;
                }
                for (t, n) in list.iter().enumerate() {
                    let target = Target::CohortYear { outcome, year: t };
                    let n = S::new(c.span(), n.clone());
                    let what = format!("the year {t} cohort");
                    out[t] = self.uncertain(&n, &what, Domain::NonNegative, target, 1.0)?;
                }
            }
        }
        Some(out)
    }

    /// The benefit profile, and the shape it was made from if not given
    /// year by year.
    fn profile(
        &mut self,
        outcome: usize,
        r: &RawOutcome,
        settings: &Settings,
    ) -> Option<(Vec<f64>, Option<Shape>)> {
        let shape_given = r.lag.is_some() || r.duration.is_some() || r.drop_off.is_some();
        if let Some(p) = &r.profile {
            if shape_given {
                self.error(
                    p.span(),
                    "give either `profile` or lag/duration/drop_off, not both",
                );
                return None;
            }
            if p.get_ref().is_empty() || p.get_ref().len() > settings.years {
                self.error_expected(
                    p.span(),
                    format!("a profile of {} years", p.get_ref().len()),
                    format!(
                        "from 1 to {} entries, one per year since starting",
                        settings.years
                    ),
                );
                return None;
            }
            let mut out = vec![0.0; settings.years];
            for (k, n) in p.get_ref().iter().enumerate() {
                let target = Target::ProfileYear { outcome, year: k };
                let what = format!("profile year {k}");
                out[k] = self.uncertain(n, &what, Domain::NonNegative, target, 1.0)?;
            }
            return Some((out, None));
        }
        let lag = match &r.lag {
            Some(l) if *l.get_ref() >= 0 => *l.get_ref() as usize,
            Some(l) => {
                self.error(
                    l.span(),
                    format!("lag is {}, which is negative", l.get_ref()),
                );
                return None;
            }
            None => 0,
        };
        let duration = match &r.duration {
            Some(d) if *d.get_ref() >= 1 => *d.get_ref() as usize,
            Some(d) => {
                self.error_expected(
                    d.span(),
                    format!("duration is {}", d.get_ref()),
                    "at least 1 year",
                );
                return None;
            }
            None => 1,
        };
        let drop_off = match &r.drop_off {
            Some(d) => {
                let target = Target::DropOff { outcome };
                self.uncertain(d, "drop_off", Domain::Rate, target, 1.0)?
            }
            None => 0.0,
        };
        let shape = Shape {
            lag,
            duration,
            drop_off,
        };
        Some((shape.profile(settings.years), Some(shape)))
    }

    fn cashable(
        &mut self,
        outcome: usize,
        c: Option<&S<CashableSpec>>,
        agencies: &[(Agency, f64)],
    ) -> Option<Vec<f64>> {
        let mut out: Vec<f64> = agencies.iter().map(|(_, default)| *default).collect();
        match c {
            None => {}
            Some(spec) => match spec.get_ref() {
                CashableSpec::All(n) => {
                    let target = Target::Cashable {
                        outcome,
                        agency: None,
                    };
                    let n = S::new(spec.span(), n.clone());
                    let x = self.uncertain(&n, "cashable", Domain::Rate, target, 1.0)?;
                    out.iter_mut().for_each(|v| *v = x);
                }
                CashableSpec::PerAgency(map) => {
                    for (agency, n) in map {
                        let idx =
                            self.agency_ref(&S::new(spec.span(), agency.clone()), agencies)?;
                        let target = Target::Cashable {
                            outcome,
                            agency: Some(idx),
                        };
                        let n = S::new(spec.span(), n.clone());
                        let what = format!("cashable share for {agency}");
                        out[idx] = self.uncertain(&n, &what, Domain::Rate, target, 1.0)?;
                    }
                }
            },
        }
        Some(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn value_line(
        &mut self,
        (outcome, value): (usize, usize),
        v: &S<RawValue>,
        agencies: &[(Agency, f64)],
        vocabulary: &AgencyVocabulary,
        outcome_grade: &ConfidenceGrade,
        cx: &Context,
        data: &ReferenceData,
    ) -> Option<ValueLine> {
        let span = v.span();
        let r = v.get_ref();
        let settings = &cx.settings;
        let explicit = [&r.fiscal, &r.economic, &r.social];
        let has_explicit = explicit.iter().any(|e| e.is_some());
        let mut unit_values: [Option<f64>; 3] = [None, None, None];
        let mut ucd_entry: Option<&UnitCost> = None;
        let source = match (&r.ucd, has_explicit) {
            (Some(code), true) => {
                self.error(code.span(), "a value gives both `ucd` and explicit fiscal/economic/social amounts: choose one");
                return None;
            }
            (None, false) => {
                self.error_expected(
                    span.clone(),
                    "a value needs an amount",
                    "`ucd = \"CODE\"` or explicit `fiscal`, `economic` or `social` amounts",
                );
                return None;
            }
            (Some(code), false) => {
                let Some(entry) = data.unit_costs.get(code.get_ref()) else {
                    let similar = data.unit_costs.similar_codes(code.get_ref());
                    let expected = if similar.is_empty() {
                        "a code from the Unit Cost Database (see `oneplace ucd search WORDS`)"
                            .to_string()
                    } else {
                        format!("a Unit Cost Database code, such as {}", similar.join(", "))
                    };
                    self.error_expected(
                        code.span(),
                        format!("unknown Unit Cost Database code '{}'", code.get_ref()),
                        expected,
                    );
                    return None;
                };
                ucd_entry = Some(entry);
                let wanted: Vec<ValueKind> = match &r.kinds {
                    None => ValueKind::ALL
                        .into_iter()
                        .filter(|k| entry.value(*k).is_some())
                        .collect(),
                    Some(list) => {
                        let mut kinds = Vec::new();
                        for name in list.get_ref() {
                            match ValueKind::parse(name) {
                                Some(k) if entry.value(k).is_some() => kinds.push(k),
                                Some(k) => {
                                    self.error(
                                        list.span(),
                                        format!("{} has no {k} value", entry.code),
                                    );
                                    return None;
                                }
                                None => {
                                    self.error_expected(
                                        list.span(),
                                        format!("unknown value kind '{name}'"),
                                        "fiscal, economic or social",
                                    );
                                    return None;
                                }
                            }
                        }
                        kinds
                    }
                };
                let mut original = Vec::new();
                for k in wanted {
                    let uv = entry.value(k).expect("kind filtered to priced ones");
                    match cx
                        .deflators
                        .uprate(uv.value, uv.price_year, settings.price_base)
                    {
                        Ok(x) => unit_values[k.index()] = Some(x),
                        Err(e) => {
                            self.error(code.span(), format!("{} {k} value: {e}", entry.code));
                            return None;
                        }
                    }
                    original.push((k, uv.value, uv.price_year));
                }
                ValueSource::UnitCostDatabase {
                    code: entry.code.clone(),
                    original,
                }
            }
            (None, true) => {
                if let Some(k) = &r.kinds {
                    self.error(k.span(), "`kinds` selects from a Unit Cost Database entry; explicit values are taken as given");
                    return None;
                }
                let price_year = match &r.price_year {
                    Some(p) => self.year(p, "price_year")?,
                    None => settings.price_base,
                };
                let factor = match cx.deflators.uprate(1.0, price_year, settings.price_base) {
                    Ok(f) => f,
                    Err(e) => {
                        let at = r.price_year.as_ref().map_or(span.clone(), |p| p.span());
                        self.error(at, format!("price year: {e}"));
                        return None;
                    }
                };
                for (k, n) in ValueKind::ALL.into_iter().zip(explicit) {
                    if let Some(n) = n {
                        let target = Target::UnitValue {
                            outcome,
                            value,
                            kind: k,
                        };
                        let x = self.uncertain(n, k.as_str(), Domain::Any, target, factor)?;
                        unit_values[k.index()] = Some(x * factor);
                    }
                }
                ValueSource::Explicit { price_year }
            }
        };
        if ucd_entry.is_some()
            && let Some(p) = &r.price_year
        {
            self.error(p.span(), "a Unit Cost Database value carries its own price year; `price_year` is for explicit values");
            return None;
        }
        let quantity = match &r.quantity {
            Some(q) => {
                let target = Target::Quantity { outcome, value };
                self.uncertain(q, "quantity", Domain::NonNegative, target, 1.0)?
            }
            None => 1.0,
        };
        let scale = match &r.scale {
            Some(q) => {
                let target = Target::UnitScale { outcome, value };
                self.uncertain(q, "scale", Domain::NonNegative, target, 1.0)?
            }
            None => 1.0,
        };
        let has_fiscal = unit_values[ValueKind::Fiscal.index()].is_some();
        let mut shares = Vec::new();
        if has_fiscal {
            shares = self.shares(r, span.clone(), ucd_entry, agencies, vocabulary)?;
            self.transfers(r, &mut shares, agencies, vocabulary)?;
        } else if let Some(s) = &r.shares {
            self.error(
                s.span(),
                "`shares` split a fiscal value, and this value has none",
            );
            return None;
        }
        let grade = match &r.confidence {
            Some(g) => self.grade(g, &cx.grades)?,
            None => outcome_grade.clone(),
        };
        if let Some(with) = &r.allow_overlap_with {
            if r.allow_overlap.is_none() {
                self.error_expected(
                    with.span(),
                    "allow_overlap_with names codes but gives no reason",
                    "allow_overlap = \"why both values are meant\" beside allow_overlap_with",
                );
                return None;
            }
            if ucd_entry.is_none() {
                self.error(
                    with.span(),
                    "allow_overlap_with applies to a Unit Cost Database value (`ucd = \"CODE\"`)",
                );
                return None;
            }
            let mut codes = Vec::new();
            for code in with.get_ref() {
                match data.unit_costs.get(code.get_ref()) {
                    Some(e) => codes.push((e.code.clone(), code.span())),
                    None => {
                        let similar = data.unit_costs.similar_codes(code.get_ref());
                        self.error_expected(
                            code.span(),
                            format!("unknown Unit Cost Database code '{}'", code.get_ref()),
                            if similar.is_empty() {
                                "a code from the Unit Cost Database".to_string()
                            } else {
                                format!("a Unit Cost Database code, such as {}", similar.join(", "))
                            },
                        );
                        return None;
                    }
                }
            }
            self.overlap_with.insert((outcome, value), codes);
        }
        let label = match (&r.label, ucd_entry) {
            (Some(l), _) => l.get_ref().clone(),
            (None, Some(e)) => format!("{} {}", e.code, e.title()),
            (None, None) => "explicit value".to_string(),
        };
        Some(ValueLine {
            label,
            source,
            quantity,
            scale,
            unit_values,
            shares,
            confidence: grade.grade,
            optimism_reduction: grade.benefit_reduction,
            allow_overlap: r.allow_overlap.as_ref().map(|a| a.get_ref().clone()),
            location: self.loc(span),
        })
    }

    /// The fiscal split: as given, or the one agency of the model that
    /// matches the Unit Cost Database entry's agency.
    fn shares(
        &mut self,
        r: &RawValue,
        span: Range<usize>,
        entry: Option<&UnitCost>,
        agencies: &[(Agency, f64)],
        vocabulary: &AgencyVocabulary,
    ) -> Option<Vec<FiscalShare>> {
        if let Some(given) = &r.shares {
            let mut out: Vec<FiscalShare> = Vec::new();
            let mut sum = 0.0;
            for (agency, share) in given.get_ref() {
                let idx = self.agency_ref(agency, agencies)?;
                let x = self.rate(share, &format!("the share for {}", agency.get_ref()))?;
                sum += x;
                out.push(FiscalShare {
                    agency: idx,
                    share: x,
                    transfer: false,
                });
            }
            if (sum - 1.0).abs() > SHARE_TOLERANCE {
                self.error_expected(
                    given.span(),
                    format!("the shares add up to {sum}"),
                    "shares that add up to 1 (100%)",
                );
                return None;
            }
            out.sort_by_key(|s| s.agency);
            return Some(out);
        }
        let ids = || {
            agencies
                .iter()
                .map(|(a, _)| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(entry) = entry else {
            if agencies.len() == 1 {
                return Some(vec![FiscalShare {
                    agency: 0,
                    share: 1.0,
                    transfer: false,
                }]);
            }
            self.error_expected(
                span,
                "say which agencies receive this fiscal value",
                format!("shares = {{ agency = share, … }} over: {}", ids()),
            );
            return None;
        };
        let ucd_kind = entry
            .agency_level1
            .as_deref()
            .and_then(|name| vocabulary.get(name))
            .filter(|k| k.id != "multiple");
        let Some(ucd_kind) = ucd_kind else {
            self.error_expected(
                span,
                format!(
                    "{}'s fiscal value falls to '{}': say how it splits between the model's agencies",
                    entry.code,
                    entry.agency_level1.as_deref().unwrap_or("no agency named")
                ),
                format!("shares = {{ agency = share, … }} over: {}", ids()),
            );
            return None;
        };
        let matches: Vec<usize> = agencies
            .iter()
            .enumerate()
            .filter(|(_, (a, _))| {
                vocabulary.is_within(&a.kind, &ucd_kind.id)
                    || vocabulary.is_within(&ucd_kind.id, &a.kind)
            })
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [one] => Some(vec![FiscalShare {
                agency: *one,
                share: 1.0,
                transfer: false,
            }]),
            [] => {
                self.error_expected(
                    span,
                    format!(
                        "{}'s fiscal value falls to {} ({}), and no agency in the model is of that kind",
                        entry.code, ucd_kind.name, ucd_kind.id
                    ),
                    format!("an [[agency]] of kind {} or shares over: {}", ucd_kind.id, ids()),
                );
                None
            }
            several => {
                let names: Vec<&str> = several.iter().map(|&i| agencies[i].0.id.as_str()).collect();
                self.error_expected(
                    span,
                    format!(
                        "{}'s fiscal value falls to {}, which matches several agencies ({})",
                        entry.code,
                        ucd_kind.name,
                        names.join(", ")
                    ),
                    "shares = { agency = share, … } saying how it splits",
                );
                None
            }
        }
    }

    fn transfers(
        &mut self,
        r: &RawValue,
        shares: &mut [FiscalShare],
        agencies: &[(Agency, f64)],
        vocabulary: &AgencyVocabulary,
    ) -> Option<()> {
        match &r.transfer {
            Some(t) => match t.get_ref() {
                TransferSpec::All(flag) => shares.iter_mut().for_each(|s| s.transfer = *flag),
                TransferSpec::Agencies(list) => {
                    for name in list {
                        let idx = self.agency_ref(&S::new(t.span(), name.clone()), agencies)?;
                        match shares.iter_mut().find(|s| s.agency == idx) {
                            Some(s) => s.transfer = true,
                            None => {
                                self.error(t.span(), format!("'{name}' receives no share of this value, so it cannot be a transfer"));
                                return None;
                            }
                        }
                    }
                }
            },
            None => {
                for s in shares.iter() {
                    let agency = &agencies[s.agency].0;
                    if vocabulary
                        .get(&agency.kind)
                        .is_some_and(|k| k.transfers_by_default)
                    {
                        let label = r
                            .ucd
                            .as_ref()
                            .or(r.label.as_ref())
                            .map_or("a value", |l| l.get_ref().as_str());
                        self.warnings.push(format!(
                            "{} lands partly on {} ({}), which is usually a transfer payment (benefits, tax): \
                             say `transfer = true` if it is, `transfer = false` if it is a real saving in resources",
                            label, agency.name, agency.kind
                        ));
                    }
                }
            }
        }
        Some(())
    }
}

impl Validator<'_> {
    /// Rank correlations between uncertain inputs, named by path. The
    /// correlations together must be possible: the matrix they make must be
    /// positive definite.
    fn correlations(&mut self, raw: &[S<RawCorrelation>], model: &mut Model) {
        let mut seen: Vec<(usize, usize)> = Vec::new();
        let mut last_span = None;
        for c in raw {
            let span = c.span();
            let r = c.get_ref();
            let inputs = self.required(&r.inputs, span.clone(), "[[correlation]]", "inputs");
            let rank = self
                .required(&r.rank, span.clone(), "[[correlation]]", "rank")
                .and_then(|n| {
                    let x = self.fraction(n, "rank")?;
                    if (-1.0..=1.0).contains(&x) {
                        Some(x)
                    } else {
                        self.error_expected(n.span(), format!("rank is {x}"), "from -1 to 1");
                        None
                    }
                });
            let Some(inputs) = inputs else { continue };
            if inputs.get_ref().len() != 2 {
                self.error_expected(
                    inputs.span(),
                    format!("{} inputs", inputs.get_ref().len()),
                    "two input names, such as [\"outcome.a.success\", \"outcome.b.success\"]",
                );
                continue;
            }
            let mut index = Vec::new();
            for name in inputs.get_ref() {
                match model
                    .uncertain
                    .iter()
                    .position(|u| u.path == name.get_ref().trim())
                {
                    Some(i) => index.push(i),
                    None => {
                        let known: Vec<&str> =
                            model.uncertain.iter().map(|u| u.path.as_str()).collect();
                        self.error_expected(
                            name.span(),
                            format!("'{}' is not an uncertain input", name.get_ref()),
                            if known.is_empty() {
                                "an input given as a distribution; this model has none".to_string()
                            } else {
                                format!("one of: {}", known.join(", "))
                            },
                        );
                    }
                }
            }
            let (Some(rank), [a, b]) = (rank, index.as_slice()) else {
                continue;
            };
            let pair = ((*a).min(*b), (*a).max(*b));
            if a == b {
                self.error(inputs.span(), "an input is correlated with itself");
                continue;
            }
            if seen.contains(&pair) {
                self.error(inputs.span(), "these two inputs are already correlated");
                continue;
            }
            seen.push(pair);
            last_span = Some(span);
            model.correlations.push(Correlation { a: *a, b: *b, rank });
        }
        if let Some(span) = last_span
            && !crate::uncertainty::correlation::is_positive_definite(
                model.uncertain.len(),
                &model.correlations,
            )
        {
            self.error_expected(
                span,
                "the correlations cannot all hold at once (their matrix is not positive definite)",
                "weaker or consistent correlations: if A moves with B and B with C, A cannot move against C",
            );
        }
    }

    /// Named scenarios: inputs, by name, set to other values.
    fn scenarios(&mut self, raw: &[S<RawScenario>], model: &mut Model) {
        let mut names: Vec<String> = Vec::new();
        for sc in raw {
            let span = sc.span();
            let r = sc.get_ref();
            let name = self.required(&r.name, span.clone(), "[[scenario]]", "name");
            let set = self.required(&r.set, span.clone(), "[[scenario]]", "set");
            let (Some(name), Some(set)) = (name, set) else {
                continue;
            };
            if names.contains(name.get_ref()) {
                self.error(
                    name.span(),
                    format!("scenario '{}' is defined twice", name.get_ref()),
                );
                continue;
            }
            names.push(name.get_ref().clone());
            let mut values = Vec::new();
            for (input, n) in set.get_ref() {
                let Some(p) = params::find(model, input.get_ref()) else {
                    let similar = params::similar(model, input.get_ref());
                    self.error_expected(
                        input.span(),
                        format!("'{}' is not an input of this model", input.get_ref()),
                        if similar.is_empty() {
                            "an input name such as outcome.ID.success or cost.ID.scale".to_string()
                        } else {
                            format!("one of: {}", similar.join(", "))
                        },
                    );
                    continue;
                };
                // Rates may be written as percentages, as everywhere else.
                let x = if p.high == 1.0 {
                    self.fraction(n, &p.path)
                } else {
                    self.number(n, &p.path)
                };
                let Some(x) = x else { continue };
                if x < p.low || x > p.high {
                    self.error_expected(
                        n.span(),
                        format!("{} is {x}", p.path),
                        format!("from {} to {}", p.low, p.high),
                    );
                    continue;
                }
                values.push((p.path, p.target, x));
            }
            model.scenarios.push(Scenario {
                name: name.get_ref().clone(),
                description: r.description.as_ref().map(|d| d.get_ref().clone()),
                set: values,
            });
        }
    }
}
