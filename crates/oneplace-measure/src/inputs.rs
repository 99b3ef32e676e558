//! The measurement's tabular inputs: the costing map, the cohort and the
//! events. Each row is checked and located (`file: row N, column 'x'`,
//! counting the header as row 1). Values that cannot be read are input
//! errors, all collected; rows that can be read but not counted are kept
//! out of the figures and reported as [`Problem`]s.

use std::collections::{BTreeMap, HashMap};

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::arrow::array::{
    Array, ArrayRef, Date32Array, DictionaryArray, Float64Array, Int32Array, RecordBatch,
    StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int32Type, Schema};
use oneplace_core::{AgencyVocabulary, Date, Diagnostic, InputError, Location};
use oneplace_refdata::{ReferenceData, ValueKind};
use serde::Serialize;

use crate::cells::{Cells, Checked, Contributions, Tally, Windows};
use crate::compute::Deliver;
use crate::days::{add_months, day_number};
use crate::spec::Spec;

/// Problems beyond this many are summarised in one line.
const MAX_DIAGNOSTICS: usize = 100;
/// Locations kept per reported problem.
const MAX_LOCATIONS: usize = 5;

/// Something in the inputs that was not counted, or was counted in a way
/// worth saying (a cohort member with no events, counted at zero cost).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// `unknown_event_type`, `outside_data_period`, `not_in_cohort`,
    /// `in_both_groups`, `window_not_covered`, `no_events`.
    pub kind: String,
    /// Whether the rows are in the figures (true only for `no_events`).
    pub counted: bool,
    pub message: String,
    /// How many rows (events, or cohort members).
    pub rows: u64,
    /// The first few places, as `file: row N`.
    pub locations: Vec<String>,
}

/// How one event type is priced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Costing {
    pub event_type: String,
    /// The unit cost in the spec's price year.
    pub unit_cost: f64,
    pub agency: String,
    /// `ucd CODE` or `local`.
    pub source: String,
    /// The value before uprating and its price year.
    pub original_value: f64,
    pub original_price_year: String,
}

/// A cohort member whose windows the data cover.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: String,
    pub treated: bool,
    pub start: Date,
    /// Day numbers: before window `[before_from, start)`, after window
    /// `[start, after_to)`.
    pub before_from: i32,
    pub start_day: i32,
    pub after_to: i32,
    pub row: u64,
    /// The values of the spec's matching attributes, in its order (empty
    /// without matching).
    pub attributes: Vec<String>,
}

/// Everything read, checked and ready for the plan.
pub struct Inputs {
    pub costing: Vec<Costing>,
    /// Agency ids, in the order the plan's agency numbers refer to.
    pub agencies: Vec<String>,
    pub members: Vec<Member>,
    /// Event types, in the order the plan's type numbers refer to: the
    /// costing map's first, then others seen in the events.
    pub event_types: Vec<String>,
    /// How the cells of the person table, to which the checked events'
    /// contributions were delivered, are numbered.
    pub cells: Cells,
    pub problems: Vec<Problem>,
    /// Whether any unit cost came from the Unit Cost Database.
    pub uses_ucd: bool,
    pub events_read: u64,
}

/// Collects located diagnostics up to a limit, counting the rest.
struct Diags {
    list: Vec<Diagnostic>,
    more: u64,
    file: Arc<str>,
}

impl Diags {
    fn new(file: &Path) -> Diags {
        Diags {
            list: Vec::new(),
            more: 0,
            file: file.display().to_string().into(),
        }
    }
    fn at(&self, row: u64, column: Option<&str>) -> Location {
        Location::Row {
            file: self.file.clone(),
            row,
            column: column.map(str::to_string),
        }
    }
    fn push(&mut self, d: Diagnostic) {
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(d);
        } else {
            self.more += 1;
        }
    }
    fn error(&mut self, row: u64, column: &str, message: String, expected: &str) {
        let d = Diagnostic::new(self.at(row, Some(column)), message).expected(expected);
        self.push(d);
    }
    /// Takes `other`'s diagnostics after these, their rows moved on by
    /// `rows` (`other` numbered a later run of records as if it came first).
    fn append(&mut self, other: Diags, rows: u64) {
        for mut d in other.list {
            if let Location::Row { row, .. } = &mut d.location {
                *row += rows;
            }
            self.push(d);
        }
        self.more += other.more;
    }

    fn finish(mut self, all: &mut Vec<Diagnostic>) {
        if self.more > 0 {
            let loc = Location::File {
                file: self.file.clone(),
            };
            self.list.push(Diagnostic::new(
                loc,
                format!("and {} more problems like those above", self.more),
            ));
        }
        all.extend(self.list);
    }
}

/// A reported problem being gathered.
struct Gather {
    kind: &'static str,
    counted: bool,
    message: String,
    rows: u64,
    locations: Vec<String>,
}

impl Gather {
    fn new(kind: &'static str, counted: bool, message: String) -> Gather {
        Gather {
            kind,
            counted,
            message,
            rows: 0,
            locations: Vec::new(),
        }
    }
    fn add(&mut self, location: impl FnOnce() -> String) {
        self.rows += 1;
        if self.locations.len() < MAX_LOCATIONS {
            self.locations.push(location());
        }
    }
    fn done(self) -> Problem {
        Problem {
            kind: self.kind.to_string(),
            counted: self.counted,
            message: self.message,
            rows: self.rows,
            locations: self.locations,
        }
    }
}

/// The header's columns by lower-cased name.
fn columns(headers: &csv::StringRecord) -> HashMap<String, usize> {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_lowercase(), i))
        .collect()
}

fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| {
        InputError::one(Diagnostic::new(
            Location::File {
                file: path.display().to_string().into(),
            },
            format!("cannot read it: {e}"),
        ))
    })
}

fn missing_column(path: &Path, name: &str, expected: &str) -> Diagnostic {
    Diagnostic::new(
        Location::Row {
            file: path.display().to_string().into(),
            row: 1,
            column: None,
        },
        format!("there is no '{name}' column"),
    )
    .expected(expected)
}

/// A number as written in a CSV cell: `12.5`, `1,250`, `£45.00`.
fn number(text: &str) -> Option<f64> {
    let t = text.trim().trim_start_matches('£').replace(',', "");
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Reads the costing map (CSV: `event_type`, and either `ucd_code` or
/// `unit_cost` with `price_year`; `agency` when the database's entry does
/// not name one agency, or to override it).
pub fn read_costing(
    path: &Path,
    text: &str,
    spec: &Spec,
    vocabulary: &AgencyVocabulary,
) -> Result<Vec<Costing>, InputError> {
    let data = ReferenceData::embedded();
    let deflators = data.default_deflators();
    let mut d = Diags::new(path);
    let mut all = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let cols = match reader.headers() {
        Ok(h) => columns(h),
        Err(e) => {
            return Err(InputError::one(Diagnostic::new(
                d.at(1, None),
                e.to_string(),
            )));
        }
    };
    let Some(&c_type) = cols.get("event_type") else {
        return Err(InputError::one(missing_column(
            path,
            "event_type",
            "columns event_type, ucd_code, unit_cost, price_year, agency",
        )));
    };
    let cell = |r: &csv::StringRecord, name: &str| {
        cols.get(name)
            .and_then(|&i| r.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut out: Vec<Costing> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                d.push(Diagnostic::new(d.at(row, None), e.to_string()));
                continue;
            }
        };
        let event_type = rec.get(c_type).unwrap_or("").trim().to_string();
        if event_type.is_empty() {
            d.error(
                row,
                "event_type",
                "the event type is empty".into(),
                "an event type such as arrest",
            );
            continue;
        }
        if let Some(first) = seen.insert(event_type.clone(), row) {
            d.error(
                row,
                "event_type",
                format!("event type '{event_type}' is priced twice (first in row {first})"),
                "one row per event type",
            );
            continue;
        }
        let agency_given = match cell(&rec, "agency") {
            None => None,
            Some(a) => match vocabulary.get(&a) {
                Some(k) => Some(k.id.clone()),
                None => {
                    d.error(
                        row,
                        "agency",
                        format!("unknown agency '{a}'"),
                        "an agency such as police, nhs, local-authority, dwp",
                    );
                    continue;
                }
            },
        };
        let code = cell(&rec, "ucd_code");
        let local = cell(&rec, "unit_cost");
        let year_text = cell(&rec, "price_year");
        let costing = match (code, local) {
            (Some(_), Some(_)) => {
                d.error(
                    row,
                    "unit_cost",
                    format!("event type '{event_type}' has both a Unit Cost Database code and a local unit cost"),
                    "one of ucd_code or unit_cost",
                );
                continue;
            }
            (None, None) => {
                d.error(
                    row,
                    "ucd_code",
                    format!("event type '{event_type}' has no unit cost: the costing map is missing its code"),
                    "a Unit Cost Database code such as CR7.0, or unit_cost with price_year and agency",
                );
                continue;
            }
            (Some(code), None) => {
                let Some(entry) = data.unit_costs.get(&code) else {
                    let similar = data.unit_costs.similar_codes(&code);
                    d.error(
                        row,
                        "ucd_code",
                        format!("'{code}' is not a code in the Unit Cost Database"),
                        &if similar.is_empty() {
                            "a code such as CR7.0 (see oneplace ucd search)".to_string()
                        } else {
                            format!("one of {}", similar.join(", "))
                        },
                    );
                    continue;
                };
                let Some(v) = entry.value(ValueKind::Fiscal) else {
                    d.error(
                        row,
                        "ucd_code",
                        format!("{} has no fiscal value to price an event with", entry.code),
                        "a code with a fiscal value",
                    );
                    continue;
                };
                let agency = match agency_given.clone().or_else(|| {
                    entry
                        .agency_level1
                        .as_deref()
                        .and_then(|a| vocabulary.get(a))
                        .filter(|k| k.id != "multiple")
                        .map(|k| k.id.clone())
                }) {
                    Some(a) => a,
                    None => {
                        d.error(
                            row,
                            "agency",
                            format!(
                                "{} is borne by '{}': say which agency this event's cost falls on",
                                entry.code,
                                entry.agency_level1.as_deref().unwrap_or("no agency")
                            ),
                            "an agency such as police or nhs",
                        );
                        continue;
                    }
                };
                let unit_cost = match deflators.uprate(v.value, v.price_year, spec.price_year) {
                    Ok(x) => x,
                    Err(e) => {
                        d.error(
                            row,
                            "ucd_code",
                            format!("{}: {e}", entry.code),
                            "a value the deflators cover",
                        );
                        continue;
                    }
                };
                Costing {
                    event_type,
                    unit_cost,
                    agency,
                    source: format!("ucd {}", entry.code),
                    original_value: v.value,
                    original_price_year: v.price_year.to_string(),
                }
            }
            (None, Some(amount)) => {
                let Some(value) = number(&amount).filter(|x| *x >= 0.0) else {
                    d.error(
                        row,
                        "unit_cost",
                        format!("unit cost '{amount}' is not an amount"),
                        "an amount of zero or more, such as 45.50",
                    );
                    continue;
                };
                let Some(year_text) = year_text else {
                    d.error(
                        row,
                        "price_year",
                        format!("the local unit cost of '{event_type}' has no price year"),
                        "a financial year such as 2015/16",
                    );
                    continue;
                };
                let year = match oneplace_core::FinancialYear::parse(&year_text) {
                    Ok(y) => y,
                    Err(e) => {
                        d.error(
                            row,
                            "price_year",
                            format!("price year: {e}"),
                            "a financial year such as 2015/16",
                        );
                        continue;
                    }
                };
                let Some(agency) = agency_given.clone() else {
                    d.error(
                        row,
                        "agency",
                        format!("the local unit cost of '{event_type}' names no agency"),
                        "the agency bearing the cost, such as local-authority",
                    );
                    continue;
                };
                let unit_cost = match deflators.uprate(value, year, spec.price_year) {
                    Ok(x) => x,
                    Err(e) => {
                        d.error(
                            row,
                            "price_year",
                            format!("{e}"),
                            "a year the deflators cover",
                        );
                        continue;
                    }
                };
                Costing {
                    event_type,
                    unit_cost,
                    agency,
                    source: "local".into(),
                    original_value: value,
                    original_price_year: year.to_string(),
                }
            }
        };
        out.push(costing);
    }
    d.finish(&mut all);
    InputError::check(all)?;
    Ok(out)
}

/// A cohort file's row before the windows are checked.
struct CohortRow {
    id: String,
    treated: bool,
    start: Date,
    row: u64,
    attributes: Vec<String>,
}

/// The cohort as read: the members whose windows the data cover, what was
/// counted out and why, and every id with what became of it.
pub struct Cohort {
    pub members: Vec<Member>,
    pub problems: Vec<Problem>,
    pub people: People,
}

/// Every id in the cohort file, found through one hash table of row
/// positions (a county's cohort runs to millions of people, and the ids are
/// held once, here), with the member each row became or `None` for a
/// person counted out (whose events are reported with them).
pub struct People {
    ids: Vec<String>,
    member: Vec<Option<u32>>,
    table: HashTable<u32>,
}

impl People {
    fn hash(id: &str) -> u64 {
        FxBuildHasher.hash_one(id)
    }

    /// The row of the first id equal to `id`.
    fn find(&self, id: &str) -> Option<usize> {
        self.table
            .find(People::hash(id), |&r| self.ids[r as usize] == id)
            .map(|&r| r as usize)
    }

    /// `None` for an id not in the cohort; `Some(None)` for a person
    /// counted out; `Some(Some(m))` for member `m`.
    pub fn get(&self, id: &str) -> Option<Option<u32>> {
        self.find(id).map(|r| self.member[r])
    }
}

/// Reads the cohort (CSV: `id`, `group` treatment or comparison, `start`;
/// other columns are attributes), checks each member's windows against the
/// data's period, and reports people in both groups and windows the data do
/// not cover (both counted out).
pub fn read_cohort(path: &Path, text: &str, spec: &Spec) -> Result<Cohort, InputError> {
    let mut d = Diags::new(path);
    let mut all = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let cols = match reader.headers() {
        Ok(h) => columns(h),
        Err(e) => {
            return Err(InputError::one(Diagnostic::new(
                d.at(1, None),
                e.to_string(),
            )));
        }
    };
    let expected = "columns id, group, start";
    let need = |name: &str| {
        cols.get(name)
            .copied()
            .ok_or_else(|| missing_column(path, name, expected))
    };
    let (c_id, c_group, c_start) = match (need("id"), need("group"), need("start")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (a, b, c) => {
            let diags = [a.err(), b.err(), c.err()].into_iter().flatten().collect();
            return Err(InputError { diagnostics: diags });
        }
    };
    // The matching attributes' columns.
    let mut c_attributes = Vec::new();
    if let Some(m) = &spec.matching {
        for a in &m.attributes {
            match cols.get(&a.name) {
                Some(&c) => c_attributes.push(c),
                None => {
                    return Err(InputError::one(missing_column(
                        path,
                        &a.name,
                        "a column for each attribute the spec matches on",
                    )));
                }
            }
        }
    }
    let c = CohortColumns {
        id: c_id,
        group: c_group,
        start: c_start,
        attributes: c_attributes,
    };
    // The records after the header, read in parallel runs; rows and errors
    // are then numbered on from the runs before.
    let records = &text.as_bytes()[reader.position().byte() as usize..];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let runs = record_runs(records, threads);
    let parsed: Vec<(Vec<CohortRow>, Diags, u64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = runs
            .iter()
            .map(|run| scope.spawn(|| cohort_records(path, run, &c, spec)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a cohort reader does not panic"))
            .collect()
    });
    let mut rows: Vec<CohortRow> = Vec::with_capacity(parsed.iter().map(|p| p.0.len()).sum());
    let mut before = 0;
    for (mut run_rows, run_d, records) in parsed {
        for r in &mut run_rows {
            r.row += before;
        }
        rows.append(&mut run_rows);
        d.append(run_d, before);
        before += records;
    }
    // The same person twice in one group is a mistake in the file; in both
    // groups, a fact about the cohort to report. Ids met more than once are
    // few, so only they get a list of their rows, under the first row's
    // position.
    // The table is the one the events are looked up in (`People`); its
    // ids are the rows' own, taken over once the rows are done with.
    let mut table: HashTable<u32> = HashTable::with_capacity(rows.len());
    let mut member: Vec<Option<u32>> = vec![None; rows.len()];
    let mut first_of: Vec<usize> = Vec::with_capacity(rows.len());
    let mut repeated: FxHashMap<usize, Vec<&CohortRow>> = FxHashMap::default();
    for (i, r) in rows.iter().enumerate() {
        let hash = People::hash(&r.id);
        match table.find(hash, |&f| rows[f as usize].id == r.id) {
            Some(&f) => {
                let f = f as usize;
                repeated.entry(f).or_insert_with(|| vec![&rows[f]]).push(r);
                first_of.push(f);
            }
            None => {
                table.insert_unique(hash, i as u32, |&f| People::hash(&rows[f as usize].id));
                first_of.push(i);
            }
        }
    }
    let mut both = Gather::new(
        "in_both_groups",
        false,
        "people listed in both the treatment and the comparison group: not counted in either"
            .into(),
    );
    let mut uncovered = Gather::new(
        "window_not_covered",
        false,
        format!(
            "people whose {} months before and {} months after their start fall outside the data's period ({} to {}): not counted",
            spec.before_months, spec.after_months, spec.data_from, spec.data_to
        ),
    );
    let file = path.display().to_string();
    let data_from = day_number(spec.data_from);
    let data_to = day_number(spec.data_to);
    let mut members = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        if let Some(same) = repeated.get(&first_of[i]) {
            if same.iter().any(|o| o.treated != r.treated) {
                if std::ptr::eq(same[0], r) {
                    let rows_list: Vec<String> = same.iter().map(|o| o.row.to_string()).collect();
                    both.add(|| format!("{file}: rows {} (id {})", rows_list.join(", "), r.id));
                }
            } else if !std::ptr::eq(same[0], r) {
                d.error(
                    r.row,
                    "id",
                    format!(
                        "'{}' is listed twice in the {} group (first in row {})",
                        r.id,
                        if r.treated { "treatment" } else { "comparison" },
                        same[0].row
                    ),
                    "each person once",
                );
            }
            continue;
        }
        let before_from = day_number(add_months(r.start, -(spec.before_months as i32)));
        let after_to = day_number(add_months(r.start, spec.after_months as i32));
        if before_from < data_from || after_to - 1 > data_to {
            uncovered.add(|| format!("{file}: row {} (id {}, start {})", r.row, r.id, r.start));
            continue;
        }
        member[i] = Some(members.len() as u32);
        members.push(Member {
            id: r.id.clone(),
            treated: r.treated,
            start: r.start,
            before_from,
            start_day: day_number(r.start),
            after_to,
            row: r.row,
            attributes: r.attributes.clone(),
        });
    }
    drop(repeated);
    let people = People {
        ids: rows.into_iter().map(|r| r.id).collect(),
        member,
        table,
    };
    d.finish(&mut all);
    InputError::check(all)?;
    let problems = [both, uncovered]
        .into_iter()
        .filter(|g| g.rows > 0)
        .map(Gather::done)
        .collect();
    Ok(Cohort {
        members,
        problems,
        people,
    })
}

/// Where the cohort's columns are.
struct CohortColumns {
    id: usize,
    group: usize,
    start: usize,
    /// The matching attributes', in the spec's order.
    attributes: Vec<usize>,
}

/// Parses a run of the cohort's records (no header), numbering rows as if
/// the run came straight after the header; returns the rows that could
/// be read, the errors, and how many records the run held.
fn cohort_records(
    path: &Path,
    records: &[u8],
    c: &CohortColumns,
    spec: &Spec,
) -> (Vec<CohortRow>, Diags, u64) {
    let mut d = Diags::new(path);
    let mut rows: Vec<CohortRow> = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(records);
    // One record, read into again and again: a county's cohort runs to
    // millions of rows.
    let mut rec = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        row += 1;
        match reader.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                d.push(Diagnostic::new(d.at(row, None), e.to_string()));
                continue;
            }
        }
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let id = get(c.id);
        if id.is_empty() {
            d.error(row, "id", "the id is empty".into(), "a person or family id");
            continue;
        }
        let group = get(c.group);
        let treated = match group {
            g if g.eq_ignore_ascii_case("treatment") => Some(true),
            g if g.eq_ignore_ascii_case("comparison") => Some(false),
            _ => {
                let other = group.to_lowercase();
                d.error(
                    row,
                    "group",
                    format!("group '{other}' is neither treatment nor comparison"),
                    "treatment or comparison",
                );
                None
            }
        };
        let start = Date::parse(get(c.start));
        if start.is_none() {
            d.error(
                row,
                "start",
                format!("start '{}' is not a date", get(c.start)),
                "an ISO date such as 2024-06-01",
            );
        }
        let attributes: Vec<String> = c.attributes.iter().map(|&c| get(c).to_string()).collect();
        if let Some(m) = &spec.matching {
            for (a, v) in m.attributes.iter().zip(&attributes) {
                if v.is_empty() {
                    d.error(
                        row,
                        &a.name,
                        format!("the {} is empty", a.name),
                        "a value to match on",
                    );
                } else if a.cut_points.is_some() && number(v).is_none() {
                    d.error(
                        row,
                        &a.name,
                        format!("{} '{v}' is not a number", a.name),
                        "a number, to be banded at the spec's cut points",
                    );
                }
            }
        }
        if let (Some(treated), Some(start)) = (treated, start) {
            rows.push(CohortRow {
                id: id.to_string(),
                treated,
                start,
                row,
                attributes,
            });
        }
    }
    (rows, d, row - 2)
}

/// Splits a cohort's records into about `parts` runs of whole records, for
/// reading in parallel: at line ends, so only where no field is quoted (a
/// quoted field may hold a line end); otherwise, and for a small cohort,
/// into one.
fn record_runs(records: &[u8], parts: usize) -> Vec<&[u8]> {
    if parts < 2 || records.len() < 1 << 20 || records.contains(&b'"') {
        return vec![records];
    }
    let mut runs = Vec::with_capacity(parts);
    let mut from = 0;
    for k in 1..parts {
        let target = (records.len() * k / parts).max(from);
        match records[target..].iter().position(|&b| b == b'\n') {
            Some(n) => {
                let to = target + n + 1;
                runs.push(&records[from..to]);
                from = to;
            }
            None => break,
        }
    }
    runs.push(&records[from..]);
    runs
}

/// One event's fields as read, before they are checked.
struct RawEvent<'a> {
    id: &'a str,
    date: Result<Date, String>,
    event_type: &'a str,
    quantity: Option<Result<f64, String>>,
    cost: Option<Result<f64, String>>,
    agency: Option<&'a str>,
}

/// Checks the events row by row, sorting each into the figures (as its
/// contributions to the person table's cells) or a reported problem.
struct EventSink<'a> {
    spec: &'a Spec,
    vocabulary: &'a AgencyVocabulary,
    file: Arc<str>,
    d: Diags,
    /// Shared with the workers that check Parquet row groups.
    people: Arc<People>,
    types: FxHashMap<String, u32>,
    event_types: Vec<String>,
    priced: usize,
    agencies: Vec<String>,
    agency_index: HashMap<String, u32>,
    data_from: i32,
    data_to: i32,
    /// Shared with the workers too.
    tally: Arc<Tally>,
    out: Contributions,
    deliver: &'a dyn Deliver,
    not_in_cohort: Gather,
    excluded_person: Gather,
    outside: Gather,
    unknown: BTreeMap<String, Gather>,
    read: u64,
}

const BATCH: usize = 64 * 1024;

impl<'a> EventSink<'a> {
    fn push(&mut self, row: u64, e: RawEvent) {
        self.read += 1;
        let id = e.id.trim();
        let mut ok = true;
        if id.is_empty() {
            self.d
                .error(row, "id", "the id is empty".into(), "a person or family id");
            ok = false;
        }
        let date = match e.date {
            Ok(d) => Some(d),
            Err(t) => {
                self.d.error(
                    row,
                    "date",
                    format!("date '{t}' is not a date"),
                    "an ISO date such as 2024-06-01",
                );
                ok = false;
                None
            }
        };
        let event_type = e.event_type.trim();
        if event_type.is_empty() {
            self.d.error(
                row,
                "event_type",
                "the event type is empty".into(),
                "an event type such as arrest",
            );
            ok = false;
        }
        let quantity = match e.quantity {
            None => 1.0,
            Some(Ok(q)) if q >= 0.0 => q,
            Some(Ok(q)) => {
                self.d.error(
                    row,
                    "quantity",
                    format!("quantity {q} is negative"),
                    "a quantity of zero or more",
                );
                ok = false;
                0.0
            }
            Some(Err(t)) => {
                self.d.error(
                    row,
                    "quantity",
                    format!("quantity '{t}' is not a number"),
                    "a number such as 1 or 2.5",
                );
                ok = false;
                0.0
            }
        };
        let cost = match e.cost {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(t)) => {
                self.d.error(
                    row,
                    "cost",
                    format!("cost '{t}' is not an amount"),
                    "an amount such as 120.50, or nothing",
                );
                ok = false;
                None
            }
        };
        let agency = match e.agency.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => match self.vocabulary.get(a) {
                Some(k) => Some(k.id.clone()),
                None => {
                    self.d.error(
                        row,
                        "agency",
                        format!("unknown agency '{a}'"),
                        "an agency such as police, nhs, local-authority, dwp",
                    );
                    ok = false;
                    None
                }
            },
        };
        if !ok {
            return;
        }
        let date = date.expect("checked");
        let person = match self.people.get(id) {
            None => {
                self.not_in_cohort
                    .add(|| format!("{}: row {row}", self.file));
                return;
            }
            Some(None) => {
                self.excluded_person
                    .add(|| format!("{}: row {row}", self.file));
                return;
            }
            Some(Some(p)) => p,
        };
        let day = day_number(date);
        if day < self.data_from || day > self.data_to {
            self.outside
                .add(|| format!("{}: row {row} ({date})", self.file));
            return;
        }
        // Looked up before inserting: most rows are of a known type, and
        // an owned key for each would allocate per row.
        let etype = match self.types.get(event_type) {
            Some(&t) => t,
            None => {
                let next = self.event_types.len() as u32;
                self.types.insert(event_type.to_string(), next);
                self.event_types.push(event_type.to_string());
                next
            }
        };
        let agency_no = agency.map(|a| self.agency_number(&a));
        if etype as usize >= self.priced && (cost.is_none() || agency_no.is_none()) {
            let message = format!(
                "events of type '{event_type}', which the costing map does not price (and which carry no cost and agency of their own): not counted"
            );
            self.unknown
                .entry(event_type.to_string())
                .or_insert_with(|| Gather::new("unknown_event_type", false, message))
                .add(|| format!("{}: row {row}", self.file));
            return;
        }
        self.tally.add(
            Checked {
                member: person,
                day,
                etype,
                quantity,
                cost,
                agency: agency_no,
            },
            &mut self.out,
        );
        if self.out.len() >= BATCH {
            self.flush();
        }
    }

    fn agency_number(&mut self, a: &str) -> u32 {
        if let Some(&n) = self.agency_index.get(a) {
            return n;
        }
        let n = self.agencies.len() as u32;
        self.agencies.push(a.to_string());
        self.agency_index.insert(a.to_string(), n);
        n
    }

    fn flush(&mut self) {
        if !self.out.is_empty() {
            self.deliver.deliver(self.out.take());
        }
    }
}

/// Told how reading goes, for a progress bar. Every method has a default
/// that does nothing.
pub trait Watch: Sync {
    /// Reading the events begins: `total` of them in `unit`s (`events` for
    /// Parquet, whose footer counts them; `bytes` for CSV).
    fn reading(&self, _total: u64, _unit: &'static str) {}
    /// So much has been read, in the unit given to [`Watch::reading`].
    fn read(&self, _done: u64) {}
    /// A later step has begun (the plan, the bootstrap).
    fn step(&self, _what: &'static str) {}
}

/// A watcher that is told nothing.
pub struct Quiet;

impl Watch for Quiet {}

/// Reads and checks everything the spec names, handing the checked events'
/// contributions to `deliver` as they are made.
pub fn load(spec: &Spec, deliver: &dyn Deliver) -> Result<Inputs, InputError> {
    load_watched(spec, &Quiet, deliver)
}

/// [`load`], telling `watch` how reading the events goes.
pub fn load_watched(
    spec: &Spec,
    watch: &dyn Watch,
    deliver: &dyn Deliver,
) -> Result<Inputs, InputError> {
    let vocabulary = AgencyVocabulary::seeded();
    let costing = read_costing(&spec.costing, &read_text(&spec.costing)?, spec, &vocabulary);
    let cohort = read_text(&spec.cohort).and_then(|t| read_cohort(&spec.cohort, &t, spec));
    let (
        costing,
        Cohort {
            members,
            mut problems,
            people,
        },
    ) = match (costing, cohort) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut diags = Vec::new();
            if let Err(e) = a {
                diags.extend(e.diagnostics);
            }
            if let Err(e) = b {
                diags.extend(e.diagnostics);
            }
            return Err(InputError { diagnostics: diags });
        }
    };
    // Outcomes must count event types the costing map knows, so a typo in
    // the spec is not a silent zero.
    let mut diags = Vec::new();
    for o in &spec.outcomes {
        for (t, at) in &o.events {
            if !costing.iter().any(|c| &c.event_type == t) {
                diags.push(
                    Diagnostic::new(at.clone(), format!("outcome '{}' counts event type '{t}', which the costing map does not price", o.id))
                        .expected(format!("one of {}", costing.iter().map(|c| c.event_type.as_str()).collect::<Vec<_>>().join(", "))),
                );
            }
        }
    }
    InputError::check(diags)?;
    // Agencies are numbered in the order met: the costing map's first.
    let mut agencies: Vec<String> = Vec::new();
    let mut agency_index: HashMap<String, u32> = HashMap::new();
    for c in &costing {
        if !agency_index.contains_key(&c.agency) {
            agency_index.insert(c.agency.clone(), agencies.len() as u32);
            agencies.push(c.agency.clone());
        }
    }
    let tally = Tally {
        cells: Cells::new(members.len(), vocabulary.kinds().len(), spec.outcomes.len()),
        windows: members
            .iter()
            .map(|m| Windows {
                from: m.before_from,
                start: m.start_day,
                to: m.after_to,
            })
            .collect(),
        unit_cost: costing.iter().map(|c| c.unit_cost).collect(),
        type_agency: costing.iter().map(|c| agency_index[&c.agency]).collect(),
        outcomes_of: costing
            .iter()
            .map(|c| {
                (0..spec.outcomes.len() as u32)
                    .filter(|&o| {
                        spec.outcomes[o as usize]
                            .events
                            .iter()
                            .any(|(t, _)| t == &c.event_type)
                    })
                    .collect()
            })
            .collect(),
    };
    let mut sink = EventSink {
        spec,
        vocabulary: &vocabulary,
        file: spec.events.display().to_string().into(),
        d: Diags::new(&spec.events),
        people: Arc::new(people),
        types: costing
            .iter()
            .enumerate()
            .map(|(i, c)| (c.event_type.clone(), i as u32))
            .collect(),
        event_types: costing.iter().map(|c| c.event_type.clone()).collect(),
        priced: costing.len(),
        agencies,
        agency_index,
        data_from: day_number(spec.data_from),
        data_to: day_number(spec.data_to),
        tally: Arc::new(tally),
        out: Contributions::with_capacity(BATCH),
        deliver,
        not_in_cohort: Gather::new(
            "not_in_cohort",
            false,
            "events of people not in the cohort file: not counted".into(),
        ),
        excluded_person: Gather::new(
            "excluded_person",
            false,
            "events of people counted out of the cohort (see above): not counted".into(),
        ),
        outside: Gather::new(
            "outside_data_period",
            false,
            format!(
                "events dated outside the data's period ({} to {}): not counted",
                spec.data_from, spec.data_to
            ),
        ),
        unknown: BTreeMap::new(),
        read: 0,
    };
    let ext = spec
        .events
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" | "pq" => read_events_parquet(&mut sink, watch)?,
        _ => read_events_csv(&mut sink, watch)?,
    }
    sink.flush();
    let cells = sink.tally.cells;
    let EventSink {
        d,
        agencies,
        event_types,
        not_in_cohort,
        excluded_person,
        outside,
        unknown,
        read,
        ..
    } = sink;
    let mut all = Vec::new();
    d.finish(&mut all);
    InputError::check(all)?;
    for g in [not_in_cohort, excluded_person, outside]
        .into_iter()
        .chain(unknown.into_values())
    {
        if g.rows > 0 {
            problems.push(g.done());
        }
    }
    let uses_ucd = costing.iter().any(|c| c.source.starts_with("ucd"));
    Ok(Inputs {
        costing,
        agencies,
        members,
        event_types,
        cells,
        problems,
        uses_ucd,
        events_read: read,
    })
}

fn read_events_csv(sink: &mut EventSink, watch: &dyn Watch) -> Result<(), InputError> {
    let path = sink.spec.events.clone();
    let file = std::fs::File::open(&path).map_err(|e| {
        InputError::one(Diagnostic::new(
            Location::File {
                file: path.display().to_string().into(),
            },
            format!("cannot read it: {e}"),
        ))
    })?;
    watch.reading(file.metadata().map(|m| m.len()).unwrap_or(0), "bytes");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let cols = match reader.headers() {
        Ok(h) => columns(h),
        Err(e) => {
            return Err(InputError::one(Diagnostic::new(
                sink.d.at(1, None),
                e.to_string(),
            )));
        }
    };
    let expected = "columns id, date, event_type, and optionally quantity, cost, agency";
    let need = |name: &str| {
        cols.get(name)
            .copied()
            .ok_or_else(|| missing_column(&path, name, expected))
    };
    let (c_id, c_date, c_type) = match (need("id"), need("date"), need("event_type")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (a, b, c) => {
            let diags = [a.err(), b.err(), c.err()].into_iter().flatten().collect();
            return Err(InputError { diagnostics: diags });
        }
    };
    let (c_q, c_cost, c_agency) = (
        cols.get("quantity").copied(),
        cols.get("cost").copied(),
        cols.get("agency").copied(),
    );
    let mut rec = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        match reader.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                row += 1;
                let at = sink.d.at(row, None);
                sink.d.push(Diagnostic::new(at, e.to_string()));
                continue;
            }
        }
        row += 1;
        if row.is_multiple_of(BATCH as u64) {
            watch.read(reader.position().byte());
        }
        let get = |c: usize| rec.get(c).unwrap_or("");
        let opt = |c: Option<usize>| c.map(get).map(str::trim).filter(|s| !s.is_empty());
        let date_text = get(c_date).trim();
        let e = RawEvent {
            id: get(c_id),
            date: Date::parse(date_text).ok_or_else(|| date_text.to_string()),
            event_type: get(c_type),
            quantity: opt(c_q).map(|t| number(t).ok_or_else(|| t.to_string())),
            cost: opt(c_cost).map(|t| number(t).ok_or_else(|| t.to_string())),
            agency: opt(c_agency),
        };
        sink.push(row, e);
    }
    watch.read(reader.position().byte());
    Ok(())
}

/// A text column as read. Where the file stores a column as a dictionary
/// (Parquet's usual encoding for repeated ids and types) the dictionary is
/// kept, so each distinct value is looked up once per batch, not per row.
enum Text {
    Plain(StringArray),
    Dictionary {
        keys: Int32Array,
        values: StringArray,
    },
}

impl Text {
    fn read(a: &ArrayRef) -> Result<Text, String> {
        if let DataType::Dictionary(k, v) = a.data_type()
            && **k == DataType::Int32
            && **v == DataType::Utf8
        {
            let d = a
                .as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .expect("a dictionary of Int32 keys");
            let values = d
                .values()
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("Utf8 values")
                .clone();
            return Ok(Text::Dictionary {
                keys: d.keys().clone(),
                values,
            });
        }
        utf8(a).map(Text::Plain)
    }

    /// Row `i`'s text, or `None` where it is null.
    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Text::Plain(a) => a.is_valid(i).then(|| a.value(i)),
            Text::Dictionary { keys, values } => {
                let k = keys.is_valid(i).then(|| keys.value(i) as usize)?;
                values.is_valid(k).then(|| values.value(k))
            }
        }
    }

    /// Each of the first `rows` rows' text looked up by `f` (`None` where
    /// the text is null): once per distinct value met for a dictionary,
    /// and once per run of equal values otherwise (events usually come a
    /// person at a time).
    fn resolve<T: Copy>(
        &self,
        rows: usize,
        mut f: impl FnMut(&str) -> Option<T>,
    ) -> Vec<Option<T>> {
        match self {
            Text::Dictionary { keys, values } => {
                let mut seen: Vec<Option<Option<T>>> = vec![None; values.len()];
                (0..rows)
                    .map(|i| {
                        let k = keys.is_valid(i).then(|| keys.value(i) as usize)?;
                        *seen[k].get_or_insert_with(|| {
                            values.is_valid(k).then(|| f(values.value(k))).flatten()
                        })
                    })
                    .collect()
            }
            Text::Plain(a) => {
                let mut last: Option<(&str, Option<T>)> = None;
                (0..rows)
                    .map(|i| {
                        if !a.is_valid(i) {
                            return None;
                        }
                        let v = a.value(i);
                        if let Some((l, r)) = last
                            && l == v
                        {
                            return r;
                        }
                        let r = f(v);
                        last = Some((v, r));
                        r
                    })
                    .collect()
            }
        }
    }
}

/// A column as text.
fn utf8(a: &ArrayRef) -> Result<StringArray, String> {
    let c = cast(a, &DataType::Utf8).map_err(|e| e.to_string())?;
    Ok(c.as_any()
        .downcast_ref::<StringArray>()
        .expect("cast to Utf8")
        .clone())
}

/// One Parquet batch's columns, in the types the checks read.
struct Columns {
    rows: usize,
    ids: Text,
    types: Text,
    date32: Option<Date32Array>,
    date_text: Option<StringArray>,
    q: Option<Float64Array>,
    cost: Option<Float64Array>,
    agency: Option<Text>,
}

/// What the parallel check may read: the cohort and the costing map's
/// types as they stand, the data's period, and how a checked event is
/// counted.
struct Known {
    people: Arc<People>,
    /// The costing map's types (new types seen later are never plain).
    types: FxHashMap<String, u32>,
    priced: u32,
    data_from: i32,
    data_to: i32,
    tally: Arc<Tally>,
}

/// A batch's plain rows (a cohort member's event of a priced type, dated
/// in the data's period, with a readable quantity and cost and no agency
/// of its own), counted, their contributions delivered; and the indices
/// of the other rows.
struct Plain {
    /// How many rows were plain.
    taken: usize,
    others: Vec<u32>,
}

/// Takes the rows that need no report; everything else is left to the
/// sink, which checks and reports it row by row.
fn plain_rows(k: &Known, c: &Columns, deliver: &dyn Deliver) -> Plain {
    let people = c
        .ids
        .resolve(c.rows, |id| k.people.get(id.trim()).flatten());
    let types = c.types.resolve(c.rows, |t| {
        k.types.get(t.trim()).copied().filter(|&t| t < k.priced)
    });
    // Whether a row's agency is blank (a row with its own agency goes to
    // the sink, which checks it against the vocabulary).
    let blank_agency = c
        .agency
        .as_ref()
        .map(|a| a.resolve(c.rows, |a| Some(a.trim().is_empty())));
    let mut out = Contributions::with_capacity(c.rows + c.rows / 4);
    let mut others = Vec::new();
    let mut taken = 0;
    for i in 0..c.rows {
        let plain = || {
            if blank_agency
                .as_ref()
                .is_some_and(|b| b[i].is_some_and(|blank| !blank))
            {
                return None;
            }
            let d = c.date32.as_ref().filter(|d| d.is_valid(i))?.value(i);
            if d < k.data_from || d > k.data_to {
                return None;
            }
            let member = people[i]?;
            let etype = types[i]?;
            let quantity = match &c.q {
                Some(a) if a.is_valid(i) => Some(a.value(i)).filter(|q| *q >= 0.0)?,
                _ => 1.0,
            };
            let cost = c
                .cost
                .as_ref()
                .filter(|a| a.is_valid(i))
                .map(|a| a.value(i));
            Some(Checked {
                member,
                day: d,
                etype,
                quantity,
                cost,
                agency: None,
            })
        };
        match plain() {
            Some(e) => {
                taken += 1;
                k.tally.add(e, &mut out);
            }
            None => others.push(i as u32),
        }
    }
    if !out.is_empty() {
        deliver.deliver(out.take());
    }
    Plain { taken, others }
}

/// One row group's batches, checked by a worker: the plain rows counted
/// (their contributions delivered as they are made, in any order, which
/// sums do not mind), and a batch's columns kept only when it has rows for
/// the sink.
type CheckedGroup = Result<Vec<(Plain, Option<Columns>)>, String>;

/// Decodes and checks one row group, a batch at a time.
fn check_row_group(
    path: &Path,
    metadata: &datafusion::parquet::arrow::arrow_reader::ArrowReaderMetadata,
    group: usize,
    fields: &ParquetFields,
    known: &Known,
    deliver: &dyn Deliver,
) -> CheckedGroup {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read it: {e}"))?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
        .with_row_groups(vec![group])
        .with_batch_size(BATCH)
        .build()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let columns = fields.columns(&batch)?;
        let plain = plain_rows(known, &columns, deliver);
        let keep = (!plain.others.is_empty()).then_some(columns);
        out.push((plain, keep));
    }
    Ok(out)
}

/// Where the events' columns are in the Parquet file's schema.
struct ParquetFields {
    id: usize,
    date: usize,
    event_type: usize,
    quantity: Option<usize>,
    cost: Option<usize>,
    agency: Option<usize>,
}

impl ParquetFields {
    /// A batch's columns, cast to the types the checks read.
    fn columns(&self, batch: &RecordBatch) -> Result<Columns, String> {
        let float = |a: &ArrayRef, what: &str| -> Result<Float64Array, String> {
            let c = cast(a, &DataType::Float64).map_err(|e| format!("column '{what}': {e}"))?;
            Ok(c.as_any()
                .downcast_ref::<Float64Array>()
                .expect("cast to Float64")
                .clone())
        };
        let dates = batch.column(self.date);
        let date32 = (dates.data_type() == &DataType::Date32).then(|| {
            dates
                .as_any()
                .downcast_ref::<Date32Array>()
                .expect("Date32")
                .clone()
        });
        let date_text = if date32.is_none() {
            Some(utf8(dates)?)
        } else {
            None
        };
        Ok(Columns {
            rows: batch.num_rows(),
            ids: Text::read(batch.column(self.id))?,
            types: Text::read(batch.column(self.event_type))?,
            date32,
            date_text,
            q: self
                .quantity
                .map(|c| float(batch.column(c), "quantity"))
                .transpose()?,
            cost: self
                .cost
                .map(|c| float(batch.column(c), "cost"))
                .transpose()?,
            agency: self
                .agency
                .map(|c| Text::read(batch.column(c)))
                .transpose()?,
        })
    }
}

fn read_events_parquet(sink: &mut EventSink, watch: &dyn Watch) -> Result<(), InputError> {
    use datafusion::parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
    let path = sink.spec.events.clone();
    let whole = |m: String| {
        InputError::one(Diagnostic::new(
            Location::File {
                file: path.display().to_string().into(),
            },
            m,
        ))
    };
    let file = std::fs::File::open(&path).map_err(|e| whole(format!("cannot read it: {e}")))?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
        .map_err(|e| whole(format!("not a Parquet file: {e}")))?;
    let schema = metadata.schema().clone();
    let find = |name: &str| {
        schema
            .fields()
            .iter()
            .position(|f| f.name().eq_ignore_ascii_case(name))
    };
    let expected = "columns id, date, event_type, and optionally quantity, cost, agency";
    let need = |name: &str| find(name).ok_or_else(|| missing_column(&path, name, expected));
    let fields = match (need("id"), need("date"), need("event_type")) {
        (Ok(id), Ok(date), Ok(event_type)) => ParquetFields {
            id,
            date,
            event_type,
            quantity: find("quantity"),
            cost: find("cost"),
            agency: find("agency"),
        },
        (a, b, c) => {
            let diags = [a.err(), b.err(), c.err()].into_iter().flatten().collect();
            return Err(InputError { diagnostics: diags });
        }
    };
    // Text columns are read as dictionaries where the file stores them so
    // (see `Text`); a file whose columns cannot be read that way is read
    // as it is.
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let hinted: Vec<_> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let text = i == fields.id || i == fields.event_type || Some(i) == fields.agency;
            if text && f.data_type() == &DataType::Utf8 {
                Arc::new(f.as_ref().clone().with_data_type(dictionary.clone()))
            } else {
                f.clone()
            }
        })
        .collect();
    let metadata = ArrowReaderMetadata::try_new(
        metadata.metadata().clone(),
        ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(hinted))),
    )
    .unwrap_or(metadata);
    let parquet = metadata.metadata().clone();
    watch.reading(parquet.file_metadata().num_rows().max(0) as u64, "events");
    // The first row of each row group. Row numbers count the first record
    // as row 2, as in a CSV file with its header, so the two formats
    // locate alike.
    let groups = parquet.num_row_groups();
    let mut first_row = Vec::with_capacity(groups);
    let mut row = 2u64;
    for g in parquet.row_groups() {
        first_row.push(row);
        row += g.num_rows().max(0) as u64;
    }
    // Row groups are decoded and checked in parallel, a worker a core:
    // rows that need no report (the great majority) are taken there by
    // `plain_rows`. The results are then taken in row-group order, and the
    // other rows go through the sink one by one, in row order, so every
    // problem is reported exactly as when all rows went that way.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(groups.max(1));
    let known = Known {
        people: sink.people.clone(),
        types: sink.types.clone(),
        priced: sink.priced as u32,
        data_from: sink.data_from,
        data_to: sink.data_to,
        tally: sink.tally.clone(),
    };
    let deliver = sink.deliver;
    let next = AtomicUsize::new(0);
    let (send, receive) = std::sync::mpsc::channel::<(usize, CheckedGroup)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let send = send.clone();
            let (next, known, fields, metadata, path) = (&next, &known, &fields, &metadata, &path);
            scope.spawn(move || {
                loop {
                    let g = next.fetch_add(1, Ordering::Relaxed);
                    if g >= groups {
                        break;
                    }
                    let result = check_row_group(path, metadata, g, fields, known, deliver);
                    let failed = result.is_err();
                    if send.send((g, result)).is_err() || failed {
                        // The reader has stopped, or this group cannot be
                        // read: later groups are not needed.
                        next.store(groups, Ordering::Relaxed);
                        break;
                    }
                }
            });
        }
        drop(send);
        // Groups arrive in any order and are taken in row order.
        let mut waiting: BTreeMap<usize, Vec<(Plain, Option<Columns>)>> = BTreeMap::new();
        let mut wanted = 0;
        let mut failure: Option<(usize, String)> = None;
        for (g, result) in receive {
            match result {
                Ok(batches) => {
                    waiting.insert(g, batches);
                }
                Err(e) => {
                    if failure.as_ref().is_none_or(|(f, _)| g < *f) {
                        failure = Some((g, e));
                    }
                }
            }
            while let Some(batches) = waiting.remove(&wanted) {
                if failure.as_ref().is_some_and(|(f, _)| wanted >= *f) {
                    break;
                }
                take_group(sink, first_row[wanted], batches, watch);
                wanted += 1;
            }
        }
        match failure {
            Some((g, e)) => Err(whole(format!(
                "row group {} (from row {}): {e}",
                g + 1,
                first_row[g]
            ))),
            None => Ok(()),
        }
    })
}

/// Takes a checked row group into the sink: its plain rows as they are,
/// the others row by row. `row` is the group's first row number.
fn take_group(
    sink: &mut EventSink,
    mut row: u64,
    batches: Vec<(Plain, Option<Columns>)>,
    watch: &dyn Watch,
) {
    for (p, columns) in batches {
        // Every row of the batch is either plain or one of the others.
        let rows = p.taken + p.others.len();
        sink.read += p.taken as u64;
        if let Some(c) = &columns {
            for &i in &p.others {
                sink.push(row + u64::from(i), raw_event(c, i as usize));
            }
        }
        row += rows as u64;
        watch.read(row - 2);
    }
}

/// Row `i` of a batch's columns as read, for the sink to check.
fn raw_event(c: &Columns, i: usize) -> RawEvent<'_> {
    let date = match (&c.date32, &c.date_text) {
        (Some(d), _) if d.is_valid(i) => Ok(crate::days::from_day_number(d.value(i))),
        (Some(_), _) => Err(String::new()),
        (None, Some(t)) => {
            let s = if t.is_valid(i) { t.value(i).trim() } else { "" };
            Date::parse(s).ok_or_else(|| s.to_string())
        }
        (None, None) => unreachable!("one of the two"),
    };
    let f = |a: &Option<Float64Array>| a.as_ref().filter(|a| a.is_valid(i)).map(|a| Ok(a.value(i)));
    RawEvent {
        id: c.ids.get(i).unwrap_or(""),
        date,
        event_type: c.types.get(i).unwrap_or(""),
        quantity: f(&c.q),
        cost: f(&c.cost),
        agency: c.agency.as_ref().and_then(|a| a.get(i)),
    }
}
