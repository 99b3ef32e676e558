//! Programme tracking: what the estate programme has delivered against its
//! targets, year by year, in the four measures One Public Estate reports —
//! capital receipts, running-cost savings, jobs created and homes enabled.
//!
//! A programme file (`docs/estate-programme.md`) lists projects, each with
//! a target and (once reported) an actual for every year:
//!
//! ```toml
//! [programme]
//! name = "Northshire One Public Estate programme"
//!
//! [[project]]
//! id = "kingsmere-hub"
//! name = "Kingsmere public service hub"
//!   [[project.year]]
//!   year = "2025/26"
//!   target = { capital_receipts = "£450,000", running_cost_savings = "£60,000", jobs = 0, homes = 14 }
//!   actual = { capital_receipts = "£0", running_cost_savings = "£41,500", jobs = 0, homes = 0 }
//! ```
//!
//! A measure left out of a target is a target of zero; a year with no
//! `actual` (or a measure left out of it) has not been reported yet, which
//! is not the same as nothing delivered, and reports say so.

use std::collections::BTreeSet;

use oneplace_core::{FinancialYear, InputError, LineIndex, Money, is_identifier};
use serde::{Deserialize, Serialize};

use oneplace_core::toml_input::{Checker, S, Value, parse_toml};

/// The four measures, each known or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Measures {
    pub capital_receipts: Option<Money>,
    pub running_cost_savings: Option<Money>,
    pub jobs: Option<u64>,
    pub homes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectYear {
    pub year: FinancialYear,
    pub target: Measures,
    /// `None` until the year is reported.
    pub actual: Option<Measures>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    /// The asset option it carries out, for the reader.
    pub option: Option<String>,
    pub years: Vec<ProjectYear>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Programme {
    pub name: String,
    pub projects: Vec<Project>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    programme: S<RawProgramme>,
    #[serde(default)]
    project: Vec<S<RawProject>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    name: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    id: S<String>,
    name: S<String>,
    option: Option<S<String>>,
    #[serde(default)]
    year: Vec<S<RawYear>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: S<String>,
    target: Option<S<RawMeasures>>,
    actual: Option<S<RawMeasures>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasures {
    capital_receipts: Option<S<Value>>,
    running_cost_savings: Option<S<Value>>,
    jobs: Option<S<Value>>,
    homes: Option<S<Value>>,
}

fn measures(c: &mut Checker, m: &RawMeasures) -> Measures {
    Measures {
        capital_receipts: m
            .capital_receipts
            .as_ref()
            .and_then(|v| c.money(v, "capital_receipts")),
        running_cost_savings: m
            .running_cost_savings
            .as_ref()
            .and_then(|v| c.money(v, "running_cost_savings")),
        jobs: m.jobs.as_ref().and_then(|v| c.count(v, "jobs")),
        homes: m.homes.as_ref().and_then(|v| c.count(v, "homes")),
    }
}

/// Reads a programme file. `file` names it in messages.
pub fn read_programme(file: &str, text: &str) -> Result<Programme, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let mut ids = BTreeSet::new();
    let mut projects = Vec::new();
    for p in &raw.project {
        let pr = p.get_ref();
        let id = pr.id.get_ref().clone();
        if !is_identifier(&id) {
            c.error_expected(
                pr.id.span(),
                format!("project id '{id}' is not lower-case kebab-case"),
                "an id such as \"kingsmere-hub\"",
            );
        } else if !ids.insert(id.clone()) {
            c.error_expected(
                pr.id.span(),
                format!("project '{id}' is given twice"),
                "a different id for each project",
            );
        }
        let mut years: Vec<ProjectYear> = Vec::new();
        for y in &pr.year {
            let yr = y.get_ref();
            let Some(year) = c.year(&yr.year, "year") else {
                continue;
            };
            if years.iter().any(|x| x.year == year) {
                c.error_expected(
                    yr.year.span(),
                    format!("project '{id}' gives {year} twice"),
                    "one [[project.year]] per year",
                );
                continue;
            }
            let target = match &yr.target {
                Some(t) => measures(&mut c, t.get_ref()),
                None => {
                    c.error_expected(y.span(), format!("project '{id}' has no target for {year}"), "target = { capital_receipts = …, running_cost_savings = …, jobs = …, homes = … }");
                    Measures::default()
                }
            };
            let actual = yr.actual.as_ref().map(|a| measures(&mut c, a.get_ref()));
            years.push(ProjectYear {
                year,
                target,
                actual,
            });
        }
        years.sort_by_key(|y| y.year);
        projects.push(Project {
            id,
            name: pr.name.get_ref().trim().to_string(),
            option: pr.option.as_ref().map(|o| o.get_ref().clone()),
            years,
        });
    }
    if raw.project.is_empty() {
        c.whole(
            "the programme has no [[project]]",
            "[[project]] tables with id, name and [[project.year]] targets",
        );
    }
    c.finish()?;
    Ok(Programme {
        name: raw.programme.get_ref().name.get_ref().trim().to_string(),
        projects,
    })
}

/// Sums of the four measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub capital_receipts: Money,
    pub running_cost_savings: Money,
    pub jobs: u64,
    pub homes: u64,
}

impl Totals {
    fn add(&mut self, m: &Measures) {
        self.capital_receipts += m.capital_receipts.unwrap_or_default();
        self.running_cost_savings += m.running_cost_savings.unwrap_or_default();
        self.jobs += m.jobs.unwrap_or(0);
        self.homes += m.homes.unwrap_or(0);
    }

    fn plus(mut self, other: &Totals) -> Totals {
        self.capital_receipts += other.capital_receipts;
        self.running_cost_savings += other.running_cost_savings;
        self.jobs += other.jobs;
        self.homes += other.homes;
        self
    }
}

/// One year of the whole programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearLine {
    pub year: FinancialYear,
    pub target: Totals,
    /// What the projects that reported the year delivered; `None` if none
    /// did.
    pub actual: Option<Totals>,
    /// Projects with a target that year, and how many reported it.
    pub projects: usize,
    pub reported: usize,
}

/// One project, to date and in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectLine {
    pub id: String,
    pub name: String,
    /// Targets of the years up to the programme's latest reported year.
    pub target_to_date: Totals,
    pub actual_to_date: Totals,
    /// Years to date the project has not reported.
    pub unreported_years: Vec<FinancialYear>,
    /// Targets over every year.
    pub target_total: Totals,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgrammeReport {
    pub name: String,
    /// The latest year any project reported.
    pub reported_to: Option<FinancialYear>,
    pub years: Vec<YearLine>,
    pub projects: Vec<ProjectLine>,
    pub target_to_date: Totals,
    pub actual_to_date: Totals,
    pub target_total: Totals,
}

/// Targets and actuals by year and by project.
pub fn track(programme: &Programme) -> ProgrammeReport {
    let all_years: BTreeSet<FinancialYear> = programme
        .projects
        .iter()
        .flat_map(|p| p.years.iter().map(|y| y.year))
        .collect();
    let reported_to = programme
        .projects
        .iter()
        .flat_map(|p| {
            p.years
                .iter()
                .filter(|y| y.actual.is_some())
                .map(|y| y.year)
        })
        .max();
    let years: Vec<YearLine> = all_years
        .iter()
        .map(|&year| {
            let mut target = Totals::default();
            let mut actual = Totals::default();
            let (mut projects, mut reported) = (0, 0);
            for y in programme
                .projects
                .iter()
                .flat_map(|p| p.years.iter())
                .filter(|y| y.year == year)
            {
                projects += 1;
                target.add(&y.target);
                if let Some(a) = &y.actual {
                    reported += 1;
                    actual.add(a);
                }
            }
            YearLine {
                year,
                target,
                actual: (reported > 0).then_some(actual),
                projects,
                reported,
            }
        })
        .collect();
    let to_date = |y: FinancialYear| reported_to.is_some_and(|r| y <= r);
    let projects: Vec<ProjectLine> = programme
        .projects
        .iter()
        .map(|p| {
            let mut line = ProjectLine {
                id: p.id.clone(),
                name: p.name.clone(),
                target_to_date: Totals::default(),
                actual_to_date: Totals::default(),
                unreported_years: Vec::new(),
                target_total: Totals::default(),
            };
            for y in &p.years {
                line.target_total.add(&y.target);
                if to_date(y.year) {
                    line.target_to_date.add(&y.target);
                    match &y.actual {
                        Some(a) => line.actual_to_date.add(a),
                        None => line.unreported_years.push(y.year),
                    }
                }
            }
            line
        })
        .collect();
    let sum = |f: fn(&ProjectLine) -> &Totals| {
        projects
            .iter()
            .map(f)
            .fold(Totals::default(), |a, b| a.plus(b))
    };
    ProgrammeReport {
        name: programme.name.clone(),
        reported_to,
        target_to_date: sum(|p| &p.target_to_date),
        actual_to_date: sum(|p| &p.actual_to_date),
        target_total: sum(|p| &p.target_total),
        years,
        projects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[programme]
name = "Test programme"

[[project]]
id = "hub"
name = "Hub"
  [[project.year]]
  year = "2024/25"
  target = { capital_receipts = "£100,000", running_cost_savings = "£20,000", jobs = 5 }
  actual = { capital_receipts = "£80,000", running_cost_savings = "£25,000", jobs = 3, homes = 0 }
  [[project.year]]
  year = "2025/26"
  target = { running_cost_savings = "£40,000", homes = 10 }

[[project]]
id = "depot"
name = "Depot"
  [[project.year]]
  year = "2025/26"
  target = { capital_receipts = "£500,000", homes = 60 }
  actual = { capital_receipts = "£520,000", homes = 12 }
"#;

    #[test]
    fn targets_and_actuals_add_up_by_year_and_project() {
        let r = track(&read_programme("p.toml", FILE).unwrap());
        assert_eq!(r.reported_to, Some(FinancialYear::starting(2025)));
        // 2024/25: only the hub; 2025/26: hub (unreported) and depot.
        assert_eq!(
            r.years[0].actual.unwrap().capital_receipts,
            Money::from_pounds(80_000)
        );
        assert_eq!(r.years[1].target.homes, 70);
        assert_eq!((r.years[1].projects, r.years[1].reported), (2, 1));
        assert_eq!(r.years[1].actual.unwrap().homes, 12);
        // To date: every target through 2025/26.
        // Receipts: 100,000 + 500,000 target; 80,000 + 520,000 actual.
        assert_eq!(
            r.target_to_date.capital_receipts,
            Money::from_pounds(600_000)
        );
        assert_eq!(
            r.actual_to_date.capital_receipts,
            Money::from_pounds(600_000)
        );
        // Savings: 20,000 + 40,000 target; 25,000 actual (2025/26 not reported).
        assert_eq!(
            r.target_to_date.running_cost_savings,
            Money::from_pounds(60_000)
        );
        assert_eq!(
            r.actual_to_date.running_cost_savings,
            Money::from_pounds(25_000)
        );
        assert_eq!(
            r.projects[0].unreported_years,
            vec![FinancialYear::starting(2025)]
        );
        assert_eq!(r.target_total.jobs, 5);
    }

    #[test]
    fn mistakes_are_located() {
        let err = read_programme(
            "p.toml",
            "[programme]\nname = \"P\"\n[[project]]\nid = \"x\"\nname = \"X\"\n[[project.year]]\nyear = \"2025\"\n[[project.year]]\nyear = \"2025/26\"\ntarget = { jobs = -2, homes = \"lots\" }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("p.toml:7:8: year"), "{err}");
        assert!(
            err.contains("p.toml:10:19: jobs is not a whole number"),
            "{err}"
        );
        assert!(
            err.contains("p.toml:10:31: homes is not a whole number"),
            "{err}"
        );
    }
}
