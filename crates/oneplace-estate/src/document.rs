//! The estate's reports as documents: what the text, CSV and XLSX outputs
//! show. JSON is the typed results themselves, serialised.

use oneplace_appraise::report as appraisal_report;
use oneplace_report::{Cell, Document, Section, Table};

use crate::analysis::{Analysis, EstateSummary};
use crate::model::{CostType, Place, Register, Vocabulary};
use crate::options::{OptionAppraisal, OptionSettings};
use crate::programme::{ProgrammeReport, Totals};
use crate::record::trimmed;

fn opt_pounds(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::Pounds)
}

fn area(x: f64) -> Cell {
    Cell::Number {
        value: x,
        decimals: 0,
    }
}

fn count(x: u64) -> Cell {
    Cell::Integer(i64::try_from(x).unwrap_or(i64::MAX))
}

/// The register report: the estate by partner, running costs by type,
/// every site's measures, under-used buildings, co-location candidates,
/// and the programme against its targets when one is given.
pub fn estate_document(
    place: &Place,
    register: &Register,
    analysis: &Analysis,
    programme: Option<&ProgrammeReport>,
) -> Document {
    let t = &analysis.thresholds;
    let mut doc = Document::new(format!("{}: the public estate", place.name))
        .with_note(format!(
            "{} sites of {} partners; money is a year's running costs in {} prices.",
            register.sites.len(),
            place.partners.len(),
            place.price_year
        ))
        .with_note(format!(
            "Under-used: utilisation below {}% (measured, or occupants ÷ capacity). Co-location candidates: buildings of different partners within {} km (great-circle distance).",
            trimmed(t.under_used_below * 100.0, 1),
            trimmed(t.co_location_within_km, 2)
        ))
        .with_section(partners(analysis))
        .with_section(running_costs(analysis))
        .with_section(sites(place, register, analysis))
        .with_section(under_used(analysis))
        .with_section(co_location(register, analysis));
    if let Some(p) = programme {
        doc = doc
            .with_section(programme_years(p))
            .with_section(programme_projects(p));
    }
    doc
}

fn summary_row(s: &EstateSummary) -> Vec<Cell> {
    vec![
        s.partner.clone().unwrap_or_else(|| "Total".into()).into(),
        s.name.as_str().into(),
        Cell::Integer(s.sites as i64),
        area(s.floor_area_m2),
        Cell::Money(s.running_cost),
        opt_pounds(s.cost_per_m2),
        count(s.occupants),
        opt_pounds(s.cost_per_occupant),
        Cell::Integer(s.under_used as i64),
        Cell::Money(s.backlog_maintenance),
        Cell::Money(s.market_value),
    ]
}

fn partners(a: &Analysis) -> Section {
    let mut table = Table::new(&[
        ("partner", "Partner"),
        ("name", "Name"),
        ("sites", "Sites"),
        ("floor_area_m2", "Floor area (m²)"),
        ("running_cost", "Running cost a year"),
        ("cost_per_m2", "Cost per m²"),
        ("occupants", "Occupants"),
        ("cost_per_occupant", "Cost per occupant"),
        ("under_used", "Under-used"),
        ("backlog_maintenance", "Backlog maintenance"),
        ("market_value", "Market value"),
    ]);
    for s in a.partners.iter().chain(std::iter::once(&a.estate)) {
        table.push(summary_row(s));
    }
    Section::new("partners", "The estate by partner", table).with_note(
        "Cost per m²: running cost of buildings with a floor area ÷ that area. Cost per occupant: running cost of buildings with occupants ÷ those occupants.",
    )
}

fn running_costs(a: &Analysis) -> Section {
    let mut columns: Vec<(&str, &str)> = vec![("partner", "Partner")];
    let keys: Vec<String> = CostType::ALL
        .iter()
        .map(|t| crate::record::Field::Cost(*t).key().to_string())
        .collect();
    for (t, k) in CostType::ALL.iter().zip(&keys) {
        columns.push((k.as_str(), t.label()));
    }
    columns.push(("total", "Total"));
    let mut table = Table::new(&columns);
    for s in a.partners.iter().chain(std::iter::once(&a.estate)) {
        let mut row: Vec<Cell> = vec![s.partner.clone().unwrap_or_else(|| "Total".into()).into()];
        row.extend(
            CostType::ALL
                .iter()
                .map(|t| Cell::Money(s.running_costs.get(*t))),
        );
        row.push(Cell::Money(s.running_cost));
        table.push(row);
    }
    Section::new("running_costs", "Running costs by type, a year", table)
}

fn sites(place: &Place, register: &Register, a: &Analysis) -> Section {
    let mut table = Table::new(&[
        ("site", "Site"),
        ("name", "Name"),
        ("use", "Use"),
        ("tenure", "Tenure"),
        ("condition", "Condition"),
        ("floor_area_m2", "Floor area (m²)"),
        ("running_cost", "Running cost"),
        ("cost_per_m2", "Per m²"),
        ("occupants", "Occupants"),
        ("cost_per_occupant", "Per occupant"),
        ("utilisation", "Utilisation"),
        ("basis", "Basis"),
        ("under_used", "Under-used"),
    ]);
    for (s, m) in register.sites.iter().zip(&a.sites) {
        table.push(vec![
            s.id().to_string().into(),
            s.name.as_str().into(),
            s.usage.as_str().into(),
            s.tenure.as_str().into(),
            s.condition.map_or(Cell::Empty, |c| c.as_str().into()),
            area(s.floor_area_m2),
            Cell::Money(m.running_cost),
            opt_pounds(m.cost_per_m2),
            s.occupants
                .map_or(Cell::Empty, |o| Cell::Integer(i64::from(o))),
            opt_pounds(m.cost_per_occupant),
            m.utilisation.map_or(Cell::Empty, Cell::Percent),
            m.utilisation_basis
                .map_or(Cell::Empty, |b| b.as_str().into()),
            if m.under_used {
                "yes".into()
            } else {
                Cell::Empty
            },
        ]);
    }
    Section::new("sites", "Sites", table).with_note(format!(
        "Sites are written partner/reference; partners: {}.",
        place
            .partners
            .iter()
            .map(|p| format!("{} = {}", p.id, p.name))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

fn under_used(a: &Analysis) -> Section {
    let mut rows: Vec<_> = a.under_used().collect();
    rows.sort_by(|x, y| {
        x.utilisation
            .unwrap_or(0.0)
            .total_cmp(&y.utilisation.unwrap_or(0.0))
            .then_with(|| x.site.cmp(&y.site))
    });
    let mut table = Table::new(&[
        ("site", "Site"),
        ("name", "Name"),
        ("use", "Use"),
        ("utilisation", "Utilisation"),
        ("basis", "Basis"),
        ("spare_capacity", "Spare capacity"),
        ("floor_area_m2", "Floor area (m²)"),
        ("running_cost", "Running cost"),
    ]);
    for m in rows {
        table.push(vec![
            m.site.to_string().into(),
            m.name.as_str().into(),
            m.usage.as_str().into(),
            m.utilisation.map_or(Cell::Empty, Cell::Percent),
            m.utilisation_basis
                .map_or(Cell::Empty, |b| b.as_str().into()),
            m.spare_capacity.map_or(Cell::Empty, Cell::Integer),
            area(m.floor_area_m2),
            Cell::Money(m.running_cost),
        ]);
    }
    Section::new(
        "under_used",
        format!(
            "Under-used buildings (utilisation below {}%)",
            trimmed(a.thresholds.under_used_below * 100.0, 1)
        ),
        table,
    )
    .with_note("Least used first. Spare capacity: capacity less occupants.")
}

fn co_location(register: &Register, a: &Analysis) -> Section {
    let mut table = Table::new(&[
        ("site_a", "Site A"),
        ("name_a", "Name A"),
        ("site_b", "Site B"),
        ("name_b", "Name B"),
        ("distance_km", "Distance (km)"),
        ("fits", "People fit"),
    ]);
    let name = |id| register.get(id).map_or(String::new(), |s| s.name.clone());
    for c in &a.co_location {
        table.push(vec![
            c.a.to_string().into(),
            name(&c.a).into(),
            c.b.to_string().into(),
            name(&c.b).into(),
            Cell::Number {
                value: c.distance_km,
                decimals: 2,
            },
            c.fits.map_or(Cell::Empty, |f| match f {
                "a → b" => format!("{} into {}", c.a, c.b).into(),
                "b → a" => format!("{} into {}", c.b, c.a).into(),
                other => other.into(),
            }),
        ]);
    }
    Section::new(
        "co_location",
        format!(
            "Co-location candidates (different partners within {} km)",
            trimmed(a.thresholds.co_location_within_km, 2)
        ),
        table,
    )
    .with_note("Nearest first. People fit: the occupants of one fit in the other's spare capacity (capacity less occupants).")
}

fn totals_cells(t: &Totals) -> [Cell; 4] {
    [
        Cell::Money(t.capital_receipts),
        Cell::Money(t.running_cost_savings),
        count(t.jobs),
        count(t.homes),
    ]
}

fn paired(target: &Totals, actual: Option<&Totals>) -> Vec<Cell> {
    let t = totals_cells(target);
    let a: [Cell; 4] = match actual {
        Some(a) => totals_cells(a),
        None => [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty],
    };
    t.into_iter().zip(a).flat_map(|(t, a)| [t, a]).collect()
}

const MEASURE_COLUMNS: [(&str, &str); 8] = [
    ("receipts_target", "Receipts target"),
    ("receipts_actual", "Receipts actual"),
    ("savings_target", "Savings target"),
    ("savings_actual", "Savings actual"),
    ("jobs_target", "Jobs target"),
    ("jobs_actual", "Jobs actual"),
    ("homes_target", "Homes target"),
    ("homes_actual", "Homes actual"),
];

fn programme_years(p: &ProgrammeReport) -> Section {
    let mut columns = vec![("year", "Year"), ("reported", "Reported")];
    columns.extend(MEASURE_COLUMNS);
    let mut table = Table::new(&columns);
    for y in &p.years {
        let mut row: Vec<Cell> = vec![
            Cell::Year(y.year),
            format!("{} of {}", y.reported, y.projects).into(),
        ];
        row.extend(paired(&y.target, y.actual.as_ref()));
        table.push(row);
    }
    if let Some(to) = p.reported_to {
        let mut row: Vec<Cell> = vec![format!("To {to}").into(), Cell::Empty];
        row.extend(paired(&p.target_to_date, Some(&p.actual_to_date)));
        table.push(row);
    }
    let mut row: Vec<Cell> = vec!["Whole programme".into(), Cell::Empty];
    row.extend(paired(&p.target_total, None));
    table.push(row);
    Section::new(
        "programme_years",
        format!("{}: targets and actuals by year", p.name),
        table,
    )
    .with_note(
        "Capital receipts, running-cost savings (in the year), jobs created and homes enabled. A blank actual has not been reported yet; Reported counts the projects that reported the year.",
    )
}

fn programme_projects(p: &ProgrammeReport) -> Section {
    let mut columns = vec![("project", "Project"), ("name", "Name")];
    columns.extend(MEASURE_COLUMNS);
    columns.push(("not_reported", "Not reported"));
    let mut table = Table::new(&columns);
    for line in &p.projects {
        let mut row: Vec<Cell> = vec![line.id.as_str().into(), line.name.as_str().into()];
        row.extend(paired(&line.target_to_date, Some(&line.actual_to_date)));
        row.push(
            line.unreported_years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        );
        table.push(row);
    }
    let to = p
        .reported_to
        .map_or("no year is reported yet".to_string(), |y| format!("to {y}"));
    Section::new(
        "programme_projects",
        format!("{}: projects to date ({to})", p.name),
        table,
    )
    .with_note("Targets and actuals of the years up to the latest year any project reported.")
}

/// The options report: the options compared in appraisal terms and in One
/// Public Estate's, then each option's appraisal tables (the same tables
/// `oneplace appraise` shows for a service option).
pub fn options_document(
    place: &Place,
    settings: &OptionSettings,
    results: &[OptionAppraisal],
) -> Document {
    let mut doc = Document::new(format!("{}: asset options", place.name))
        .with_note(format!(
            "Appraised with the appraisal engine: {} years from {} (year 0), {} prices (the register's), the Green Book {} discount schedule, year 0 undiscounted.",
            settings.years, settings.first_year, place.price_year, settings.discount_schedule
        ))
        .with_note("Running-cost savings and capital receipts are fiscal benefits to the partner that owned the site. Business rates and receipts are transfers: in the fiscal case, not in public value. Jobs and homes count in public value only when valued.")
        .with_section(compare(results))
        .with_section(compare_ope(results));
    for r in results {
        let key = r.id.replace('-', "_");
        let appraisal = appraisal_report::document(&r.appraisal);
        for id in ["summary", "agencies", "years", "outcomes", "costs"] {
            if let Some(s) = appraisal.section(id) {
                let mut s = s.clone();
                s.id = format!("{key}_{id}");
                s.title = format!("{}: {}", r.id, s.title);
                doc = doc.with_section(s);
            }
        }
    }
    doc
}

fn compare(results: &[OptionAppraisal]) -> Section {
    let mut table = Table::new(&[
        ("option", "Option"),
        ("kind", "Kind"),
        ("pv_costs", "PV costs"),
        ("pv_receipts", "PV receipts"),
        ("pv_savings", "PV savings"),
        ("npbi", "Net present budget impact"),
        ("nppv", "Net present public value"),
        ("bcr", "Benefit-cost ratio"),
        ("band", "Value for money"),
        ("payback", "Payback (discounted)"),
    ]);
    for r in results {
        let a = &r.appraisal;
        table.push(vec![
            r.id.as_str().into(),
            r.kind.into(),
            Cell::Pounds(a.totals.pv_costs),
            Cell::Pounds(r.pv_receipts),
            Cell::Pounds(r.pv_running_cost_savings),
            Cell::Pounds(a.npbi),
            Cell::Pounds(a.nppv),
            a.public_value_roi.map_or(Cell::Empty, Cell::Ratio),
            a.value_for_money_band.map_or(Cell::Empty, Cell::from),
            match a.payback_year_discounted {
                Some(t) => Cell::Year(a.first_year.offset(t as i32)),
                None => "not in the period".into(),
            },
        ]);
    }
    Section::new("options", "Options compared", table).with_note(
        "Present values after optimism bias. PV savings: running costs and rates no longer paid, and other savings. Read the benefit-cost ratio beside the jobs and homes not monetised (next table), never alone.",
    )
}

fn compare_ope(results: &[OptionAppraisal]) -> Section {
    let mut table = Table::new(&[
        ("option", "Option"),
        ("name", "Name"),
        ("vacated", "Sites vacated"),
        ("disposed", "Sold"),
        ("capital_receipts", "Capital receipts"),
        ("annual_saving", "Running-cost saving a year"),
        ("capital_costs", "Capital costs"),
        ("jobs", "Jobs"),
        ("homes", "Homes"),
        ("moving", "People moving"),
        ("host_spare", "Host spare capacity"),
        ("not_monetised", "Not monetised"),
    ]);
    for r in results {
        table.push(vec![
            r.id.as_str().into(),
            r.name.as_str().into(),
            Cell::Integer(r.vacated.len() as i64),
            Cell::Integer(r.disposed.len() as i64),
            Cell::Money(r.capital_receipts),
            Cell::Money(r.annual_saving),
            Cell::Money(r.capital_costs),
            count(r.jobs),
            count(r.homes),
            r.moving.map_or(Cell::Empty, count),
            r.host_spare_capacity.map_or(Cell::Empty, Cell::Integer),
            r.unmonetised.join("; ").into(),
        ]);
    }
    Section::new("options_ope", "Options in One Public Estate's measures", table).with_note(
        "Undiscounted, before optimism bias: receipts in cash, a full year's saving once every site is vacated (rates included), capital costs as given.",
    )
}
