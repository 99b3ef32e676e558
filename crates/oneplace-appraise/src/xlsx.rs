//! The Excel input template: writing it (blank or pre-filled) and reading it.
//!
//! Finance colleagues in a partnership live in Excel, so a model can be
//! written in a workbook as well as in TOML: a Guide sheet, then one sheet
//! per section of the model, each a header row and one row per item. The
//! reader yields the same [`RawModel`] the TOML reader does and the one
//! [`validate()`] checks both, so a workbook and a TOML file that say the same
//! thing give the same appraisal and the same messages; only the places
//! differ, and they are cells. Every leaf's span is an index into the
//! [`CellLocator`]'s table of cells.
//!
//! The reader is strict about the shape (sheet names, headers, unknown
//! columns: a renamed header would otherwise silently drop a column of
//! inputs) and lenient about cell contents (numbers as numbers or as text
//! such as `35%` or `£1,200`, booleans as TRUE/FALSE or yes/no), leaving the
//! meaning of the values to the validator.
//!
//! Distributions (`pert(0.3, 0.45, 0.6)`) are text in a numeric cell, passed
//! through like `£1,200`; inside a list or a pair the commas and colons in
//! their brackets do not split the cell. The optional Correlations sheet
//! holds one `[[correlation]]` per row, and the optional Scenarios sheet the
//! `[[scenario]]`s in long form, one row per input set, the rows grouped by
//! the scenario's name. Input names pass through with their cells for the
//! validator to resolve.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::ops::Range;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx};
use oneplace_core::{
    AgencyVocabulary, Diagnostic, FinancialYear, InputError, Location, parse_pounds,
};
use oneplace_refdata::ReferenceData;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatAlign,
    FormatBorder, Formula, Note, Workbook, Worksheet, XlsxError,
};

use crate::model::Model;
use crate::raw::{
    CashableSpec, Locate, Num, NumOrList, RawAgency, RawAgencyKind, RawAppraisal, RawCorrelation,
    RawCost, RawGrade, RawModel, RawOptimismBias, RawOutcome, RawPhase, RawScenario, RawValue, S,
    Shares, TransferSpec, YearRef,
};
use crate::uncertainty::Distribution;
use crate::uncertainty::distribution::SYNTAX;
use crate::validate::validate;

// ---------------------------------------------------------------------------
// The layout, shared by the writer, the reader and the Guide.
// ---------------------------------------------------------------------------

pub const GUIDE: &str = "Guide";
pub const SETTINGS: &str = "Settings";
pub const OPTIMISM_BIAS: &str = "Optimism bias";
pub const AGENCY_KINDS: &str = "Agency kinds";
pub const AGENCIES: &str = "Agencies";
pub const COSTS: &str = "Costs";
pub const OUTCOMES: &str = "Outcomes";
pub const VALUES: &str = "Values";
pub const CORRELATIONS: &str = "Correlations";
pub const SCENARIOS: &str = "Scenarios";

/// The template's sheets, in order.
pub const SHEETS: [&str; 10] = [
    GUIDE,
    SETTINGS,
    OPTIMISM_BIAS,
    AGENCY_KINDS,
    AGENCIES,
    COSTS,
    OUTCOMES,
    VALUES,
    CORRELATIONS,
    SCENARIOS,
];

/// The attribution the Unit Cost Database's licence asks for.
pub const UCD_ATTRIBUTION: &str = "Unit Cost Database v1.4, New Economy (now Greater Manchester Combined Authority Research Team), CC BY 4.0";

/// Year columns in a blank template: enough for most appraisals, and the
/// Guide says how to add more.
const BLANK_YEARS: usize = 10;

/// The last row data validations and column formats reach (Excel's last).
const LAST_ROW: u32 = 1_048_575;

/// How a column is formatted, validated and documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An identifier or a code.
    Id,
    /// Free text.
    Text,
    /// A financial year, kept as text so Excel cannot turn it into a date.
    Year,
    /// A whole number of years.
    Whole,
    /// A confidence grade.
    Grade,
    /// Pounds, shown without pence.
    Money,
    /// Pounds per unit, shown with pence.
    UnitMoney,
    /// A rate from 0 to 1.
    Rate,
    /// A rate that may exceed 1 (a cost uplift).
    Uplift,
    /// A rate, or rates per agency.
    RateOrPairs,
    /// A plain number.
    Number,
    /// A number, or a comma-separated list of numbers.
    NumberOrList,
    /// A comma-separated list.
    List,
    /// `agency=share; agency=share`.
    Pairs,
    /// An offset or a financial year.
    YearRef,
    Bool,
    /// TRUE/FALSE or a list of agencies.
    BoolOrList,
    /// capital, revenue or in_kind.
    CostType,
    /// The id of an agency on the Agencies sheet.
    AgencyRef,
    /// The id of an outcome on the Outcomes sheet.
    OutcomeRef,
    /// The name of one of the model's inputs (`outcome.ID.success`).
    Input,
    /// A rank correlation, from −1 to 1.
    Rank,
}

/// One column of a sheet, or one row of the Settings sheet.
struct Column {
    name: &'static str,
    kind: Kind,
    doc: &'static str,
}

/// Columns a sheet may lack (added after the first template).
const OPTIONAL_COLUMNS: &[&str] = &["scale"];

const fn col(name: &'static str, kind: Kind, doc: &'static str) -> Column {
    Column { name, kind, doc }
}

struct SheetSpec {
    name: &'static str,
    /// Whether a workbook without the sheet is incomplete (the optional ones
    /// may be left out: no rows means the defaults).
    required: bool,
    /// How to fill the sheet, for the Guide.
    about: &'static str,
    columns: &'static [Column],
    /// Columns kept in view when scrolling right.
    frozen_columns: u16,
}

const SETTINGS_COLUMNS: &[Column] = &[
    col(
        "setting",
        Kind::Id,
        "The setting's name. Keep these as they are.",
    ),
    col(
        "value",
        Kind::Text,
        "Its value. A blank value means the setting is not given (the default applies).",
    ),
];

/// The rows of the Settings sheet.
const SETTING_ROWS: &[Column] = &[
    col(
        "name",
        Kind::Text,
        "The appraisal's name, shown on every report. Required.",
    ),
    col(
        "description",
        Kind::Text,
        "What the investment is and does, in a sentence or two. Optional.",
    ),
    col(
        "first_year",
        Kind::Year,
        "The financial year of year 0, such as 2026/27. Required.",
    ),
    col(
        "years",
        Kind::Whole,
        "How many years the appraisal covers, year 0 included (1 to 1000). Required.",
    ),
    col(
        "price_base",
        Kind::Year,
        "The price year every value is expressed in, such as 2015/16 (the Unit Cost Database's own). Blank: first_year. Amounts in other price years are converted with the GDP deflators.",
    ),
    col(
        "deflators",
        Kind::Id,
        "The GDP deflator vintage that converts prices between years. Blank: the Unit Cost Database's own.",
    ),
    col(
        "discount_schedule",
        Kind::Id,
        "The Green Book discount schedule. Blank: standard (3.5% a year to year 30, then lower).",
    ),
    col(
        "discount_year_zero",
        Kind::Bool,
        "TRUE to discount year 0 as well, by one year of the rate. Blank or FALSE: year 0 is not discounted.",
    ),
    col(
        "optimism_bias_table",
        Kind::Id,
        "A shipped optimism-bias table by id. Blank: the shipped default, unless the Optimism bias sheet gives grades of its own (give one or the other, not both).",
    ),
];

const OPTIMISM_COLUMNS: &[Column] = &[
    col(
        "grade",
        Kind::Whole,
        "The confidence grade's number (1 = the best evidence). Each grade once.",
    ),
    col(
        "label",
        Kind::Text,
        "A short name for the grade. Blank: 'Grade N'.",
    ),
    col(
        "cost_uplift",
        Kind::Uplift,
        "How much costs of this grade are raised: 0.15 or 15% raises them by 15%. It may exceed 100%.",
    ),
    col(
        "benefit_reduction",
        Kind::Rate,
        "How much benefits of this grade are reduced, from 0 to 100%.",
    ),
];

const AGENCY_KIND_COLUMNS: &[Column] = &[
    col(
        "id",
        Kind::Id,
        "The new kind's identifier, in lower-case kebab-case (combined-authority).",
    ),
    col("name", Kind::Text, "Its name in reports. Required."),
    col(
        "parent",
        Kind::Id,
        "A known kind this one falls within (local-authority), so Unit Cost Database values for the parent can land on it. Optional.",
    ),
];

const AGENCY_COLUMNS: &[Column] = &[
    col(
        "id",
        Kind::Id,
        "A short identifier the other sheets use, in lower-case kebab-case (council, police, icb). Required, once each.",
    ),
    col("name", Kind::Text, "Its name in reports. Blank: the id."),
    col(
        "kind",
        Kind::Id,
        "Its kind in the agency vocabulary (listed below) or one added on the Agency kinds sheet: it decides which Unit Cost Database values land on the agency. Required.",
    ),
    col(
        "contributes",
        Kind::Bool,
        "Whether the agency is at the table to contribute in the fair split. Blank: TRUE.",
    ),
    col(
        "cashable",
        Kind::Rate,
        "The default cashable share of the fiscal benefits landing on this agency, 0 to 1 or a percentage. Blank: 0.",
    ),
];

const COST_COLUMNS: &[Column] = &[
    col(
        "id",
        Kind::Id,
        "An identifier for the cost line, in lower-case kebab-case. Required, once each.",
    ),
    col("name", Kind::Text, "Its name in reports. Blank: the id."),
    col(
        "agency",
        Kind::AgencyRef,
        "The id of the agency that bears the cost (Agencies sheet). Required.",
    ),
    col(
        "type",
        Kind::CostType,
        "capital, revenue or in_kind (staff time, buildings or goods given rather than paid for: a real cost, kept apart from cash). Required.",
    ),
    col(
        "price_year",
        Kind::Year,
        "The price year of the amounts, such as 2013/14. Blank: the price base.",
    ),
    col(
        "confidence",
        Kind::Grade,
        "The confidence grade of the estimate (see the grades below): costs are raised by the grade's cost uplift. Required.",
    ),
    col(
        "scale",
        Kind::Number,
        "A multiplier on every amount. Blank: 1. A distribution such as pert(0.95, 1, 1.3) says how far the whole line may overrun or underrun.",
    ),
];

const YEAR_DOC: &str = "The amount in this year (year 0 is first_year), in pounds, as a number or text such as £1,200, or a distribution such as pert(90000, 100000, 130000). Blank cells count as 0: every year has its cell, so a blank is a year with nothing spent. For a longer appraisal add columns Year 10, Year 11 and so on.";

const OUTCOME_COLUMNS: &[Column] = &[
    col(
        "id",
        Kind::Id,
        "An identifier for the outcome, in lower-case kebab-case; the Values sheet refers to it. Required, once each.",
    ),
    col("name", Kind::Text, "Its name in reports. Blank: the id."),
    col(
        "cohort",
        Kind::NumberOrList,
        "People (or families, incidents) starting: one number for a single cohort, or a list such as 10, 20, 20 for the starters in years 0, 1, 2 and so on. No thousands separators inside a list. Any of them may be a distribution such as pert(250, 300, 320). Required.",
    ),
    col(
        "start",
        Kind::YearRef,
        "The year a single cohort starts: an offset (2) or a financial year (2027/28). Blank: year 0. Not with a list of cohorts.",
    ),
    col(
        "engagement",
        Kind::Rate,
        "The share of starters who engage, 0 to 1 or a percentage, or a distribution such as pert(0.7, 0.85, 0.92). Required.",
    ),
    col(
        "success",
        Kind::Rate,
        "The share of those engaging who achieve the outcome, or a distribution such as pert(0.3, 0.45, 0.55). Required.",
    ),
    col(
        "deadweight",
        Kind::Rate,
        "The share of outcomes that would have happened anyway, or a distribution such as uniform(0.2, 0.4). Blank: 0.",
    ),
    col(
        "displacement",
        Kind::Rate,
        "The share of the benefit displaced from elsewhere, or a distribution. Blank: 0.",
    ),
    col(
        "leakage",
        Kind::Rate,
        "The share of the benefit reaching people outside the target group, or a distribution. Blank: 0.",
    ),
    col(
        "lag",
        Kind::Whole,
        "Whole years after starting before the benefit begins. Blank: 0.",
    ),
    col(
        "duration",
        Kind::Whole,
        "Years the benefit lasts. Blank: 1.",
    ),
    col(
        "drop_off",
        Kind::Rate,
        "The fraction of the benefit lost each year after its first year, or a distribution such as triangular(0.2, 0.3, 0.5). Blank: 0.",
    ),
    col(
        "profile",
        Kind::List,
        "Instead of lag, duration and drop_off: the benefit by year since starting, a list such as 0, 1, 0.5 (1 = the full benefit). Entries may be distributions.",
    ),
    col(
        "confidence",
        Kind::Grade,
        "The confidence grade of the outcome's evidence: its values are reduced by the grade's benefit reduction. Required.",
    ),
    col(
        "health_discounting",
        Kind::Bool,
        "TRUE to discount the social (health) value at the Green Book health rate. Blank: FALSE.",
    ),
    col(
        "cashable",
        Kind::RateOrPairs,
        "The cashable share of the fiscal benefit: one rate for every agency (0.5), or per agency (police=0.5; icb=0.2). Any rate may be a distribution: police=pert(0.3, 0.5, 0.6). Blank: each agency's own cashable share.",
    ),
];

const VALUE_COLUMNS: &[Column] = &[
    col(
        "outcome",
        Kind::OutcomeRef,
        "The id of the outcome the value belongs to (Outcomes sheet). Every outcome needs at least one value; rows may come in any order. Required.",
    ),
    col(
        "label",
        Kind::Text,
        "A name for the value. Blank: the Unit Cost Database entry's title.",
    ),
    col(
        "ucd",
        Kind::Id,
        "A Unit Cost Database code such as CR2.0 (find codes with `oneplace ucd search WORDS`). Or give fiscal, economic or social amounts instead.",
    ),
    col(
        "kinds",
        Kind::List,
        "Which of the entry's kinds to take: fiscal, economic, social, comma-separated. Blank: all it has. Only with ucd.",
    ),
    col(
        "quantity",
        Kind::Number,
        "Units of the value per successful outcome per year, or a distribution such as triangular(1, 1.5, 2.5). Blank: 1.",
    ),
    col(
        "fiscal",
        Kind::UnitMoney,
        "An explicit fiscal value per unit, in pounds: a saving to public budgets. A distribution such as pert(800, 1000, 1500) makes it uncertain.",
    ),
    col(
        "economic",
        Kind::UnitMoney,
        "An explicit economic value per unit, in pounds: a gain to the wider economy. It may be a distribution.",
    ),
    col(
        "social",
        Kind::UnitMoney,
        "An explicit social value per unit, in pounds: a gain in wellbeing or health. It may be a distribution.",
    ),
    col(
        "price_year",
        Kind::Year,
        "The price year of explicit values. Blank: the price base. Not with ucd, whose entries carry their own.",
    ),
    col(
        "shares",
        Kind::Pairs,
        "How the fiscal value splits between the model's agencies, adding up to 1: police=0.6; icb=0.4. Blank: the one agency matching the database entry's agency, or the model's only agency.",
    ),
    col(
        "transfer",
        Kind::BoolOrList,
        "TRUE if every fiscal part is a transfer payment (benefits, tax: counted in the fiscal case, not in public value), FALSE if it is a real saving in resources, or the ids of the agencies whose parts are transfers (jobcentre).",
    ),
    col(
        "confidence",
        Kind::Grade,
        "Overrides the outcome's confidence grade for this value. Blank: the outcome's.",
    ),
    col(
        "allow_overlap",
        Kind::Text,
        "The reason a known overlap with another value is intended (the double-counting check refuses it otherwise).",
    ),
    col(
        "scale",
        Kind::Number,
        "A multiplier on the unit values. Blank: 1. A distribution such as triangular(0.8, 1, 1.25) makes a Unit Cost Database value uncertain.",
    ),
];

const CORRELATION_COLUMNS: &[Column] = &[
    col(
        "input_a",
        Kind::Input,
        "The name of an uncertain input (one given as a distribution), such as outcome.less-crime.success. Required.",
    ),
    col(
        "input_b",
        Kind::Input,
        "The name of another uncertain input that moves with the first, such as outcome.less-anti-social-behaviour.success. Required.",
    ),
    col(
        "rank",
        Kind::Rank,
        "Spearman's rank correlation between the two, from -1 to 1: 0.6 when they tend to rise together, -0.6 when one tends to fall as the other rises. Required.",
    ),
];

const SCENARIO_COLUMNS: &[Column] = &[
    col(
        "scenario",
        Kind::Text,
        "The scenario's name, on every row of it: rows with the same name make one scenario, whatever their order. Required.",
    ),
    col(
        "description",
        Kind::Text,
        "What the scenario supposes, in a sentence. Optional, on any one of the scenario's rows.",
    ),
    col(
        "input",
        Kind::Input,
        "The name of an input the scenario changes, such as outcome.less-crime.success, cost.key-workers.scale or cost.key-workers[2028/29] (see the Guide). Each input once per scenario.",
    ),
    col(
        "value",
        Kind::Number,
        "The input's value in the scenario: a number (0.3, 30% or £1,200), not a distribution. Required with an input.",
    ),
];

const SHEET_SPECS: [SheetSpec; 9] = [
    SheetSpec {
        name: SETTINGS,
        required: true,
        about: "One row per setting: fill in the value column. name, first_year and years are required.",
        columns: SETTINGS_COLUMNS,
        frozen_columns: 0,
    },
    SheetSpec {
        name: OPTIMISM_BIAS,
        required: false,
        about: "Optional. Leave it empty to use the shipped grades (the table below); any rows replace them with the model's own.",
        columns: OPTIMISM_COLUMNS,
        frozen_columns: 1,
    },
    SheetSpec {
        name: AGENCY_KINDS,
        required: false,
        about: "Optional. Kinds of agency the vocabulary lacks, one per row.",
        columns: AGENCY_KIND_COLUMNS,
        frozen_columns: 1,
    },
    SheetSpec {
        name: AGENCIES,
        required: true,
        about: "One row per agency in the partnership: those that pay and those that benefit.",
        columns: AGENCY_COLUMNS,
        frozen_columns: 1,
    },
    SheetSpec {
        name: COSTS,
        required: true,
        about: "One row per cost line: who bears it, its type, and its amount in each year (Year 0, Year 1, and so on).",
        columns: COST_COLUMNS,
        frozen_columns: 2,
    },
    SheetSpec {
        name: OUTCOMES,
        required: true,
        about: "One row per outcome: who starts, how many succeed, and how long the benefit lasts.",
        columns: OUTCOME_COLUMNS,
        frozen_columns: 2,
    },
    SheetSpec {
        name: VALUES,
        required: true,
        about: "One row per value of an outcome: a Unit Cost Database code or explicit amounts, and who receives the fiscal part.",
        columns: VALUE_COLUMNS,
        frozen_columns: 2,
    },
    SheetSpec {
        name: CORRELATIONS,
        required: false,
        about: "Optional. Uncertain inputs that move together in a simulation, one pair per row with its rank correlation.",
        columns: CORRELATION_COLUMNS,
        frozen_columns: 0,
    },
    SheetSpec {
        name: SCENARIOS,
        required: false,
        about: "Optional. Named scenarios, one row per input a scenario sets: the scenario's name, the input's name and its value there.",
        columns: SCENARIO_COLUMNS,
        frozen_columns: 1,
    },
];

fn spec(name: &str) -> &'static SheetSpec {
    // Every name passed here is one of the constants above.
    SHEET_SPECS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or(&SHEET_SPECS[0])
}

// ---------------------------------------------------------------------------
// Locating cells.
// ---------------------------------------------------------------------------

/// Turns the spans of a model read from a workbook into cells.
///
/// A span's `start` indexes the table of cells the reader filled as it read,
/// so a message about any value names the sheet and cell it came from.
#[derive(Clone, Debug)]
pub struct CellLocator {
    file: Arc<str>,
    cells: Vec<(&'static str, u32, u32)>,
    /// Each sheet's columns by field, to place a missing value in its row.
    columns: HashMap<&'static str, HashMap<&'static str, u32>>,
    /// The Settings sheet's value cell (row, column) by setting.
    settings: HashMap<&'static str, (u32, u32)>,
}

impl CellLocator {
    fn new(file: &str) -> CellLocator {
        CellLocator {
            file: Arc::from(file),
            cells: Vec::new(),
            columns: HashMap::new(),
            settings: HashMap::new(),
        }
    }

    /// Records a cell (zero-based row and column) and returns its span.
    fn span(&mut self, sheet: &'static str, row: u32, column: u32) -> Range<usize> {
        self.cells.push((sheet, row, column));
        let i = self.cells.len() - 1;
        i..i + 1
    }

    fn cell(&self, sheet: &str, row: u32, column: u32) -> Location {
        Location::Cell {
            file: self.file.clone(),
            sheet: sheet.to_string(),
            cell: Location::cell_name(row, column),
        }
    }
}

impl Locate for CellLocator {
    fn at(&self, span: Range<usize>) -> Location {
        match self.cells.get(span.start) {
            Some(&(sheet, row, column)) => self.cell(sheet, row, column),
            None => self.whole(),
        }
    }

    fn whole(&self) -> Location {
        Location::File {
            file: self.file.clone(),
        }
    }

    fn missing(&self, parent: Range<usize>, field: &str) -> Option<Location> {
        let &(sheet, row, _) = self.cells.get(parent.start)?;
        if sheet == SETTINGS {
            let &(row, column) = self.settings.get(field)?;
            return Some(self.cell(sheet, row, column));
        }
        let column = *self.columns.get(sheet)?.get(field)?;
        Some(self.cell(sheet, row, column))
    }
}

// ---------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------

/// Parses and validates a workbook model. `file` names it in messages.
pub fn read_xlsx(file: &str, bytes: &[u8], data: &ReferenceData) -> Result<Model, InputError> {
    let (raw, locator) = parse_raw_xlsx(file, bytes)?;
    validate(&raw, &locator, data)
}

/// Reads a workbook written by (or shaped like) the template into the model
/// as written, with the locator that turns its spans into cells.
///
/// Problems with the workbook's shape or with cells that cannot mean
/// anything (a header renamed, `yes please` where TRUE/FALSE belongs) are
/// all collected and returned together; the meaning of the values is left
/// to [`validate()`], except that a cost's text amounts are checked here,
/// where each one's own cell is known.
pub fn parse_raw_xlsx(file: &str, bytes: &[u8]) -> Result<(RawModel, CellLocator), InputError> {
    let mut reader = WorkbookReader {
        locator: CellLocator::new(file),
        diags: Vec::new(),
    };
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => {
            return Err(InputError::one(
                Diagnostic::new(
                    reader.locator.whole(),
                    format!("cannot read the file as an Excel workbook: {e}"),
                )
                .expected("an .xlsx workbook, such as the input template, saved from Excel"),
            ));
        }
    };
    let model = reader.model(&mut workbook);
    InputError::check(reader.diags)?;
    Ok((model, reader.locator))
}

/// A cell's content, as the reader sees it.
#[derive(Clone, Copy, Debug)]
enum Cell<'a> {
    Blank,
    Int(i64),
    Float(f64),
    /// Trimmed and not empty.
    Text(&'a str),
    Bool(bool),
    Date,
    Error(&'a calamine::CellErrorType),
}

fn classify(d: Option<&Data>) -> Cell<'_> {
    match d {
        None | Some(Data::Empty) => Cell::Blank,
        Some(Data::String(s)) => match s.trim() {
            "" => Cell::Blank,
            t => Cell::Text(t),
        },
        Some(Data::Int(i)) => Cell::Int(*i),
        Some(Data::Float(f)) => Cell::Float(*f),
        Some(Data::Bool(b)) => Cell::Bool(*b),
        Some(Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_)) => Cell::Date,
        Some(Data::Error(e)) => Cell::Error(e),
    }
}

/// What is wrong with a cell, and what would have been accepted.
struct Problem {
    message: String,
    expected: Option<String>,
}

fn problem(message: impl Into<String>, expected: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        expected: Some(expected.into()),
    }
}

/// A sheet read, with its header checked.
struct Table {
    sheet: &'static str,
    range: calamine::Range<Data>,
    columns: HashMap<&'static str, u32>,
    /// Year columns of the Costs sheet: (year, column), by year.
    years: Vec<(usize, u32)>,
    /// The data rows that are not blank.
    rows: Vec<u32>,
}

impl Table {
    fn cell(&self, row: u32, column: u32) -> Cell<'_> {
        classify(self.range.get_value((row, column)))
    }
}

/// Header text compared loosely: case, spaces, hyphens and underscores do
/// not matter (`Drop off` is `drop_off`).
fn normalise_header(s: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in s.trim().chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `Year 3` (normalised `year_3`), optionally followed by a note in
/// brackets such as `(2027/28)`: year 3.
fn year_header(normalised: &str) -> Option<usize> {
    let rest = normalised.strip_prefix("year")?;
    let rest = rest.strip_prefix('_').unwrap_or(rest);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let tail = rest[digits.len()..].trim_start_matches('_');
    let noted = tail.starts_with('(') && tail.ends_with(')');
    if !(tail.is_empty() || noted) {
        return None;
    }
    digits.parse().ok()
}

fn cell_as_text(c: Cell<'_>) -> String {
    match c {
        Cell::Blank => String::new(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => number_text(f),
        Cell::Text(t) => t.to_string(),
        Cell::Bool(b) => if b { "TRUE" } else { "FALSE" }.to_string(),
        Cell::Date => "a date".to_string(),
        Cell::Error(e) => e.to_string(),
    }
}

/// A number as text, whole numbers without a decimal point.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// The largest magnitude below which every whole f64 is an exact integer.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

fn float_to_num(f: f64) -> Num {
    if f.fract() == 0.0 && f.abs() <= EXACT_INTEGERS {
        Num::Int(f as i64)
    } else {
        Num::Float(f)
    }
}

/// A list entry or share as a number when it plainly is one, otherwise as
/// text for the validator to read (`35%`, `£1,200`).
fn text_to_num(t: &str) -> Num {
    if let Ok(i) = t.parse::<i64>() {
        return Num::Int(i);
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() => Num::Float(f),
        _ => Num::Text(t.to_string()),
    }
}

fn not_usable(c: Cell<'_>, wanted: &str, example: &str) -> Problem {
    match c {
        Cell::Date => problem(
            "the cell holds a date (Excel may have turned what was typed into one)",
            format!("{wanted}: format the cell as Text and type it again, such as {example}"),
        ),
        Cell::Error(e) => problem(
            format!("the cell holds the Excel error {e}"),
            format!("{wanted}, such as {example}"),
        ),
        other => problem(
            format!("'{}' is not {wanted}", cell_as_text(other)),
            format!("{wanted}, such as {example}"),
        ),
    }
}

fn to_text(c: Cell<'_>) -> Result<String, Problem> {
    match c {
        Cell::Text(t) => Ok(t.to_string()),
        Cell::Int(_) | Cell::Float(_) | Cell::Bool(_) => Ok(cell_as_text(c)),
        _ => Err(not_usable(c, "text", "council")),
    }
}

fn to_year_text(c: Cell<'_>) -> Result<String, Problem> {
    match c {
        Cell::Text(t) => Ok(t.to_string()),
        Cell::Int(_) | Cell::Float(_) => Ok(cell_as_text(c)),
        _ => Err(not_usable(c, "a financial year", "2026/27")),
    }
}

fn to_num(c: Cell<'_>) -> Result<Num, Problem> {
    match c {
        Cell::Int(i) => Ok(Num::Int(i)),
        Cell::Float(f) => Ok(float_to_num(f)),
        Cell::Text(t) => Ok(Num::Text(t.to_string())),
        _ => Err(not_usable(c, "a number", "1200, 0.35 or 35%")),
    }
}

/// A number that cannot be uncertain (a rank correlation, a scenario's
/// value): text must read as one, as the validator will read it. `why`
/// says why a distribution will not do.
fn to_plain_number(c: Cell<'_>, example: &str, why: &str) -> Result<Num, Problem> {
    match c {
        Cell::Text(t) if matches!(Distribution::parse(t), Ok(Some(_))) => Err(problem(
            format!("'{t}' is a distribution, but {why}"),
            format!("one number, such as {example}"),
        )),
        Cell::Text(t) => match parse_pounds(t) {
            Ok(x) if x.is_finite() => Ok(Num::Text(t.to_string())),
            _ => Err(not_usable(c, "a number", example)),
        },
        _ => to_num(c).map_err(|_| not_usable(c, "a number", example)),
    }
}

fn to_whole(c: Cell<'_>) -> Result<i64, Problem> {
    let whole = |f: f64| (f.fract() == 0.0 && f.abs() <= EXACT_INTEGERS).then_some(f as i64);
    let found = match c {
        Cell::Int(i) => Some(i),
        Cell::Float(f) => whole(f),
        Cell::Text(t) => t
            .parse::<i64>()
            .ok()
            .or_else(|| t.parse::<f64>().ok().and_then(whole)),
        _ => None,
    };
    found.ok_or_else(|| not_usable(c, "a whole number", "3"))
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.to_lowercase().as_str() {
        "true" | "yes" | "y" => Some(true),
        "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn to_bool(c: Cell<'_>) -> Result<bool, Problem> {
    let found = match c {
        Cell::Bool(b) => Some(b),
        Cell::Int(1) => Some(true),
        Cell::Int(0) => Some(false),
        Cell::Float(1.0) => Some(true),
        Cell::Float(0.0) => Some(false),
        Cell::Text(t) => parse_bool(t),
        _ => None,
    };
    found.ok_or_else(|| not_usable(c, "TRUE or FALSE", "TRUE"))
}

fn to_year_ref(c: Cell<'_>) -> Result<YearRef, Problem> {
    match c {
        Cell::Int(_) | Cell::Float(_) => to_whole(c)
            .map(YearRef::Offset)
            .map_err(|_| not_usable(c, "a year", "2 or 2027/28")),
        Cell::Text(t) => Ok(match t.parse::<i64>() {
            Ok(o) => YearRef::Offset(o),
            Err(_) => YearRef::Year(t.to_string()),
        }),
        _ => Err(not_usable(c, "a year", "2 or 2027/28")),
    }
}

/// What separates the entries of a list cell.
const LIST_SEPARATORS: &[char] = &[',', ';', '\n'];

/// Splits `t` at the separators that are not inside brackets, so a
/// distribution such as `pert(1, 2, 3)` stays one entry.
fn split_outside_brackets<'a>(t: &'a str, separators: &[char]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && separators.contains(&c) => {
                out.push(&t[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&t[start..]);
    out
}

/// Whether `t` has one of `chars` outside brackets.
fn has_outside_brackets(t: &str, chars: &[char]) -> bool {
    split_outside_brackets(t, chars).len() > 1
}

/// Whether a list cell's text has a list separator in it (the commas of a
/// distribution do not count).
fn is_list(t: &str) -> bool {
    has_outside_brackets(t, LIST_SEPARATORS)
}

/// Splits a list cell (`10, 20, 20`). A trailing separator is allowed, so
/// `10,` is a list of one. A distribution is one entry, commas and all.
fn split_list(t: &str) -> Result<Vec<&str>, Problem> {
    let mut items: Vec<&str> = split_outside_brackets(t, LIST_SEPARATORS)
        .into_iter()
        .map(str::trim)
        .collect();
    if items.len() > 1 && items.last() == Some(&"") {
        items.pop();
    }
    if items.iter().any(|i| i.is_empty()) {
        return Err(problem(
            format!("the list '{t}' has an empty entry"),
            "entries separated by commas, such as 10, 20, 20",
        ));
    }
    Ok(items)
}

/// `1,200` could be twelve hundred or the list 1, 200: refuse to guess.
fn looks_like_thousands(t: &str) -> bool {
    let t = t.trim_start_matches(['-', '£']);
    if t.contains(char::is_whitespace) || t.contains(';') || !t.contains(',') {
        return false;
    }
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mut groups = whole.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && digits(g));
    first_ok && groups.all(|g| g.len() == 3 && digits(g)) && digits(fraction)
}

fn number_list(t: &str) -> Result<Vec<Num>, Problem> {
    if looks_like_thousands(t) {
        return Err(problem(
            format!("'{t}' could be one number with thousands separators or a list"),
            format!(
                "one number without separators ({}) or a list with a space after each comma ({})",
                t.replace(',', ""),
                t.replace(',', ", ")
            ),
        ));
    }
    Ok(split_list(t)?.into_iter().map(text_to_num).collect())
}

fn to_cohort(c: Cell<'_>) -> Result<NumOrList, Problem> {
    match c {
        Cell::Text(t) if is_list(t) => number_list(t).map(NumOrList::Many),
        _ => to_num(c).map(NumOrList::One),
    }
}

fn to_number_list(c: Cell<'_>) -> Result<Vec<Num>, Problem> {
    match c {
        Cell::Text(t) => number_list(t),
        _ => to_num(c).map(|n| vec![n]),
    }
}

fn to_words(c: Cell<'_>) -> Result<Vec<String>, Problem> {
    match c {
        Cell::Text(t) => Ok(split_list(t)?.into_iter().map(str::to_string).collect()),
        _ => Err(not_usable(c, "a list of words", "fiscal, economic")),
    }
}

/// `police=0.6; icb=0.4` as (agency, share) pairs.
fn pairs(t: &str) -> Result<Vec<(String, Num)>, Problem> {
    let example = "police=0.6; icb=0.4";
    let mut out: Vec<(String, Num)> = Vec::new();
    for item in split_outside_brackets(t, LIST_SEPARATORS)
        .into_iter()
        .map(str::trim)
    {
        if item.is_empty() {
            continue;
        }
        let Some((agency, value)) = item.split_once(['=', ':']) else {
            return Err(problem(
                format!("'{item}' is not agency=share"),
                format!("agency=share pairs separated by semicolons, such as {example}"),
            ));
        };
        let (agency, value) = (agency.trim(), value.trim());
        if agency.is_empty() || value.is_empty() {
            return Err(problem(
                format!("'{item}' needs both an agency and a share"),
                format!("agency=share pairs separated by semicolons, such as {example}"),
            ));
        }
        if out.iter().any(|(a, _)| a == agency) {
            return Err(problem(
                format!("'{agency}' appears twice"),
                "each agency once",
            ));
        }
        out.push((agency.to_string(), text_to_num(value)));
    }
    if out.is_empty() {
        return Err(problem("no agency=share pairs", example));
    }
    Ok(out)
}

fn to_shares(c: Cell<'_>, span: &Range<usize>) -> Result<Shares, Problem> {
    match c {
        Cell::Text(t) => Ok(pairs(t)?
            .into_iter()
            .map(|(a, n)| (S::new(span.clone(), a), S::new(span.clone(), n)))
            .collect()),
        _ => Err(not_usable(c, "agency=share pairs", "police=0.6; icb=0.4")),
    }
}

fn to_cashable(c: Cell<'_>) -> Result<CashableSpec, Problem> {
    match c {
        // `discrete(0.1: 0.5, 0.2: 0.5)` is one rate, not pairs.
        Cell::Text(t) if has_outside_brackets(t, &['=', ':']) => {
            Ok(CashableSpec::PerAgency(pairs(t)?.into_iter().collect()))
        }
        _ => to_num(c).map(CashableSpec::All),
    }
}

fn to_transfer(c: Cell<'_>) -> Result<TransferSpec, Problem> {
    match c {
        Cell::Text(t) => match parse_bool(t) {
            Some(b) => Ok(TransferSpec::All(b)),
            None => Ok(TransferSpec::Agencies(
                split_list(t)?.into_iter().map(str::to_string).collect(),
            )),
        },
        _ => to_bool(c)
            .map(TransferSpec::All)
            .map_err(|_| not_usable(c, "TRUE, FALSE or agency ids", "TRUE or jobcentre")),
    }
}

struct WorkbookReader {
    locator: CellLocator,
    diags: Vec<Diagnostic>,
}

impl WorkbookReader {
    fn fail_at(&mut self, sheet: &'static str, row: u32, column: u32, p: Problem) {
        let mut d = Diagnostic::new(self.locator.cell(sheet, row, column), p.message);
        d.expected = p.expected;
        self.diags.push(d);
    }

    /// Reads one cell of a row as a field: `None` when blank or unusable
    /// (the problem is recorded).
    fn field<T>(
        &mut self,
        t: &Table,
        row: u32,
        name: &'static str,
        convert: impl FnOnce(Cell<'_>, &Range<usize>) -> Result<T, Problem>,
    ) -> Option<S<T>> {
        let column = *t.columns.get(name)?;
        self.field_at(t, row, column, name, convert)
    }

    /// [`Self::field`] for a column known by position.
    fn field_at<T>(
        &mut self,
        t: &Table,
        row: u32,
        column: u32,
        name: &'static str,
        convert: impl FnOnce(Cell<'_>, &Range<usize>) -> Result<T, Problem>,
    ) -> Option<S<T>> {
        let cell = t.cell(row, column);
        if matches!(cell, Cell::Blank) {
            return None;
        }
        let span = self.locator.span(t.sheet, row, column);
        match convert(cell, &span) {
            Ok(v) => Some(S::new(span, v)),
            Err(p) => {
                let p = Problem {
                    message: format!("{name}: {}", p.message),
                    expected: p.expected,
                };
                self.fail_at(t.sheet, row, column, p);
                None
            }
        }
    }

    fn text(&mut self, t: &Table, row: u32, name: &'static str) -> Option<S<String>> {
        self.field(t, row, name, |c, _| to_text(c))
    }

    fn year(&mut self, t: &Table, row: u32, name: &'static str) -> Option<S<String>> {
        self.field(t, row, name, |c, _| to_year_text(c))
    }

    fn num(&mut self, t: &Table, row: u32, name: &'static str) -> Option<S<Num>> {
        self.field(t, row, name, |c, _| to_num(c))
    }

    fn whole(&mut self, t: &Table, row: u32, name: &'static str) -> Option<S<i64>> {
        self.field(t, row, name, |c, _| to_whole(c))
    }

    fn boolean(&mut self, t: &Table, row: u32, name: &'static str) -> Option<S<bool>> {
        self.field(t, row, name, |c, _| to_bool(c))
    }

    fn model(&mut self, workbook: &mut Xlsx<Cursor<&[u8]>>) -> RawModel {
        let names = workbook.sheet_names();
        let mut tables: HashMap<&'static str, Table> = HashMap::new();
        for spec in &SHEET_SPECS {
            if let Some(t) = self.table(workbook, &names, spec) {
                tables.insert(spec.name, t);
            }
        }
        let mut raw = RawModel::default();
        let mut optimism_table = None;
        if let Some(t) = tables.get(SETTINGS) {
            let (appraisal, table) = self.settings(t);
            raw.appraisal = Some(appraisal);
            optimism_table = table;
        }
        let grades = match tables.get(OPTIMISM_BIAS) {
            Some(t) => t.rows.iter().map(|&r| self.grade(t, r)).collect(),
            None => Vec::new(),
        };
        raw.optimism_bias = match (optimism_table, grades.first()) {
            (None, None) => None,
            (table, first) => {
                let span = match (&table, first) {
                    (Some(t), _) => t.span(),
                    (None, Some(g)) => g.span(),
                    (None, None) => 0..0,
                };
                Some(S::new(
                    span,
                    RawOptimismBias {
                        table,
                        grade: grades,
                    },
                ))
            }
        };
        if let Some(t) = tables.get(AGENCY_KINDS) {
            raw.agency_kind = t.rows.iter().map(|&r| self.agency_kind(t, r)).collect();
        }
        if let Some(t) = tables.get(AGENCIES) {
            raw.agency = t.rows.iter().map(|&r| self.agency(t, r)).collect();
        }
        if let Some(t) = tables.get(COSTS) {
            raw.cost = t.rows.iter().map(|&r| self.cost(t, r)).collect();
        }
        if let Some(t) = tables.get(OUTCOMES) {
            raw.outcome = t.rows.iter().map(|&r| self.outcome(t, r)).collect();
        }
        // Values hang on outcomes: without a readable Outcomes sheet every
        // value row would be reported as belonging to no outcome.
        if let (Some(t), true) = (tables.get(VALUES), tables.contains_key(OUTCOMES)) {
            for &r in &t.rows {
                self.value(t, r, &mut raw.outcome);
            }
        }
        if let Some(t) = tables.get(CORRELATIONS) {
            raw.correlation = t.rows.iter().map(|&r| self.correlation(t, r)).collect();
        }
        if let Some(t) = tables.get(SCENARIOS) {
            raw.scenario = self.scenarios(t);
        }
        raw
    }

    /// Finds a sheet and checks its header row.
    fn table(
        &mut self,
        workbook: &mut Xlsx<Cursor<&[u8]>>,
        names: &[String],
        spec: &'static SheetSpec,
    ) -> Option<Table> {
        if !names.iter().any(|n| n == spec.name) {
            if spec.required {
                let near = names
                    .iter()
                    .find(|n| normalise_header(n) == normalise_header(spec.name));
                let message = match near {
                    Some(n) => format!(
                        "the workbook has no sheet '{}' (there is '{n}': sheet names must be exactly as in the template)",
                        spec.name
                    ),
                    None => format!("the workbook has no sheet '{}'", spec.name),
                };
                self.diags.push(
                    Diagnostic::new(self.locator.whole(), message)
                        .expected(format!("the template's sheets: {}", SHEETS.join(", "))),
                );
            }
            return None;
        }
        let range = match workbook.worksheet_range(spec.name) {
            Ok(r) => r,
            Err(e) => {
                self.diags.push(Diagnostic::new(
                    self.locator.whole(),
                    format!("cannot read sheet '{}': {e}", spec.name),
                ));
                return None;
            }
        };
        // An optional sheet emptied altogether simply has no rows.
        if !spec.required
            && range
                .used_cells()
                .all(|(_, _, d)| matches!(classify(Some(d)), Cell::Blank))
        {
            return Some(Table {
                sheet: spec.name,
                range,
                columns: HashMap::new(),
                years: Vec::new(),
                rows: Vec::new(),
            });
        }
        let (last_row, last_col) = range.end().unwrap_or((0, 0));
        let with_years = spec.name == COSTS;
        let mut columns: HashMap<&'static str, u32> = HashMap::new();
        let mut years: Vec<(usize, u32)> = Vec::new();
        let mut unknown: Vec<(u32, String)> = Vec::new();
        let mut ok = true;
        for c in 0..=last_col {
            let header = classify(range.get_value((0, c)));
            if matches!(header, Cell::Blank) {
                let has_data = (1..=last_row)
                    .any(|r| !matches!(classify(range.get_value((r, c))), Cell::Blank));
                if has_data {
                    self.fail_at(
                        spec.name,
                        0,
                        c,
                        problem(
                            "this column has values but no header",
                            "a header from the template, or no values in the column",
                        ),
                    );
                    ok = false;
                }
                continue;
            }
            let text = cell_as_text(header);
            let norm = normalise_header(&text);
            if let Some(column) = spec.columns.iter().find(|k| k.name == norm) {
                if columns.insert(column.name, c).is_some() {
                    self.fail_at(
                        spec.name,
                        0,
                        c,
                        problem(
                            format!("the column '{text}' appears twice"),
                            "each column once",
                        ),
                    );
                    ok = false;
                }
            } else if let Some(year) = year_header(&norm).filter(|_| with_years) {
                if years.iter().any(|&(y, _)| y == year) {
                    self.fail_at(
                        spec.name,
                        0,
                        c,
                        problem(
                            format!("the column for year {year} appears twice"),
                            "each year once",
                        ),
                    );
                    ok = false;
                }
                years.push((year, c));
            } else {
                unknown.push((c, text));
            }
        }
        // Columns added since the first template may be left out: a workbook
        // made from an older template still reads, as if they were blank.
        let missing: Vec<&str> = spec
            .columns
            .iter()
            .filter(|k| !OPTIONAL_COLUMNS.contains(&k.name))
            .filter(|k| !columns.contains_key(k.name))
            .map(|k| k.name)
            .collect();
        let all: Vec<&str> = spec.columns.iter().map(|k| k.name).collect();
        let mut all_text = all.join(", ");
        if with_years {
            all_text.push_str(", Year 0, Year 1, …");
        }
        for (c, text) in &unknown {
            let expected = if missing.is_empty() {
                format!("one of the sheet's columns: {all_text}")
            } else {
                format!(
                    "'{}', the template's header for this sheet",
                    missing.join("', '")
                )
            };
            self.fail_at(
                spec.name,
                0,
                *c,
                problem(format!("unknown column '{text}'"), expected),
            );
            ok = false;
        }
        if unknown.is_empty() && !missing.is_empty() {
            let (noun, list) = if missing.len() == 1 {
                ("column", format!("'{}'", missing[0]))
            } else {
                ("columns", format!("'{}'", missing.join("', '")))
            };
            self.fail_at(
                spec.name,
                0,
                0,
                problem(
                    format!("the header row has no {noun} {list}"),
                    format!("the template's headers in row 1: {all_text}"),
                ),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        years.sort_unstable();
        let used: Vec<u32> = columns
            .values()
            .copied()
            .chain(years.iter().map(|&(_, c)| c))
            .collect();
        let rows = (1..=last_row)
            .filter(|&r| {
                used.iter()
                    .any(|&c| !matches!(classify(range.get_value((r, c))), Cell::Blank))
            })
            .collect();
        self.locator.columns.insert(spec.name, columns.clone());
        Some(Table {
            sheet: spec.name,
            range,
            columns,
            years,
            rows,
        })
    }

    fn settings(&mut self, t: &Table) -> (S<RawAppraisal>, Option<S<String>>) {
        let mut a = RawAppraisal::default();
        let mut optimism_table = None;
        let mut seen: HashMap<&'static str, u32> = HashMap::new();
        let (Some(&name_col), Some(&value_col)) =
            (t.columns.get("setting"), t.columns.get("value"))
        else {
            return (S::new(self.locator.span(t.sheet, 0, 0), a), None);
        };
        for &r in &t.rows {
            let label = cell_as_text(t.cell(r, name_col));
            let Some(setting) = SETTING_ROWS
                .iter()
                .find(|s| s.name == normalise_header(&label))
            else {
                let names: Vec<&str> = SETTING_ROWS.iter().map(|s| s.name).collect();
                let message = if label.is_empty() {
                    "a value with no setting name".to_string()
                } else {
                    format!("unknown setting '{label}'")
                };
                self.fail_at(
                    t.sheet,
                    r,
                    name_col,
                    problem(message, format!("one of: {}", names.join(", "))),
                );
                continue;
            };
            self.locator
                .settings
                .entry(setting.name)
                .or_insert((r, value_col));
            if let Some(first) = seen.insert(setting.name, r) {
                self.fail_at(
                    t.sheet,
                    r,
                    name_col,
                    problem(
                        format!(
                            "'{}' is set twice (also in row {})",
                            setting.name,
                            first + 1
                        ),
                        "each setting once",
                    ),
                );
                continue;
            }
            match setting.name {
                "name" => a.name = self.field_at(t, r, value_col, setting.name, |c, _| to_text(c)),
                "description" => {
                    a.description = self.field_at(t, r, value_col, setting.name, |c, _| to_text(c))
                }
                "first_year" => {
                    a.first_year =
                        self.field_at(t, r, value_col, setting.name, |c, _| to_year_text(c))
                }
                "years" => {
                    a.years = self.field_at(t, r, value_col, setting.name, |c, _| to_whole(c))
                }
                "price_base" => {
                    a.price_base =
                        self.field_at(t, r, value_col, setting.name, |c, _| to_year_text(c))
                }
                "deflators" => {
                    a.deflators = self.field_at(t, r, value_col, setting.name, |c, _| to_text(c))
                }
                "discount_schedule" => {
                    a.discount_schedule =
                        self.field_at(t, r, value_col, setting.name, |c, _| to_text(c))
                }
                "discount_year_zero" => {
                    a.discount_year_zero =
                        self.field_at(t, r, value_col, setting.name, |c, _| to_bool(c))
                }
                _ => {
                    optimism_table = self.field_at(t, r, value_col, setting.name, |c, _| to_text(c))
                }
            }
        }
        (S::new(self.locator.span(t.sheet, 0, 0), a), optimism_table)
    }

    /// Whether a row's cell in the named column is blank (or the column
    /// is missing).
    fn is_blank(t: &Table, row: u32, name: &str) -> bool {
        t.columns
            .get(name)
            .is_none_or(|&c| matches!(t.cell(row, c), Cell::Blank))
    }

    /// Reports a blank cell where the row needs a value.
    fn missing(&mut self, t: &Table, row: u32, name: &str, message: String, expected: &str) {
        if let Some(&column) = t.columns.get(name)
            && Self::is_blank(t, row, name)
        {
            self.fail_at(t.sheet, row, column, problem(message, expected));
        }
    }

    fn row_span(&mut self, t: &Table, row: u32) -> Range<usize> {
        self.locator.span(t.sheet, row, 0)
    }

    fn grade(&mut self, t: &Table, r: u32) -> S<RawGrade> {
        let span = self.row_span(t, r);
        S::new(
            span,
            RawGrade {
                grade: self.whole(t, r, "grade"),
                label: self.text(t, r, "label"),
                cost_uplift: self.num(t, r, "cost_uplift"),
                benefit_reduction: self.num(t, r, "benefit_reduction"),
            },
        )
    }

    fn agency_kind(&mut self, t: &Table, r: u32) -> S<RawAgencyKind> {
        let span = self.row_span(t, r);
        S::new(
            span,
            RawAgencyKind {
                id: self.text(t, r, "id"),
                name: self.text(t, r, "name"),
                parent: self.text(t, r, "parent"),
            },
        )
    }

    fn agency(&mut self, t: &Table, r: u32) -> S<RawAgency> {
        let span = self.row_span(t, r);
        S::new(
            span,
            RawAgency {
                id: self.text(t, r, "id"),
                name: self.text(t, r, "name"),
                kind: self.text(t, r, "kind"),
                contributes: self.boolean(t, r, "contributes"),
                cashable: self.num(t, r, "cashable"),
            },
        )
    }

    fn cost(&mut self, t: &Table, r: u32) -> S<RawCost> {
        let span = self.row_span(t, r);
        // Every year has its own cell on the sheet: a blank one is a year
        // with nothing spent, in plain view.
        let stops = Some(S::new(span.clone(), true));
        S::new(
            span,
            RawCost {
                id: self.text(t, r, "id"),
                name: self.text(t, r, "name"),
                agency: self.text(t, r, "agency"),
                kind: self.text(t, r, "type"),
                amounts: self.amounts(t, r),
                phase: Vec::new(),
                price_year: self.year(t, r, "price_year"),
                confidence: self.whole(t, r, "confidence"),
                scale: self.num(t, r, "scale"),
                stops,
            },
        )
    }

    /// A cost row's year columns as one list from year 0: trailing blanks
    /// trimmed, blanks between amounts 0. Each amount's place is its own
    /// cell, so the validator reports a bad amount where it is.
    fn amounts(&mut self, t: &Table, r: u32) -> Option<S<Vec<S<Num>>>> {
        let &(last_year, _) = t.years.last()?;
        let mut list: Vec<Option<S<Num>>> = vec![None; last_year + 1];
        for &(year, column) in &t.years {
            let cell = t.cell(r, column);
            if matches!(cell, Cell::Blank) {
                continue;
            }
            match to_num(cell) {
                Ok(n) => list[year] = Some(S::new(self.locator.span(t.sheet, r, column), n)),
                Err(p) => {
                    let p = Problem {
                        message: format!("the year {year} amount: {}", p.message),
                        expected: p.expected,
                    };
                    self.fail_at(t.sheet, r, column, p);
                }
            }
        }
        let end = list.iter().rposition(Option::is_some)? + 1;
        list.truncate(end);
        let span = self.locator.span(t.sheet, r, t.years[0].1);
        let entries = list
            .into_iter()
            .enumerate()
            .map(|(year, n)| {
                n.unwrap_or_else(|| {
                    let column = t
                        .years
                        .iter()
                        .find(|(y, _)| *y == year)
                        .map_or(t.years[0].1, |c| c.1);
                    S::new(self.locator.span(t.sheet, r, column), Num::Int(0))
                })
            })
            .collect();
        Some(S::new(span, entries))
    }

    fn outcome(&mut self, t: &Table, r: u32) -> S<RawOutcome> {
        let span = self.row_span(t, r);
        S::new(
            span,
            RawOutcome {
                id: self.text(t, r, "id"),
                name: self.text(t, r, "name"),
                cohort: self.field(t, r, "cohort", |c, _| to_cohort(c)),
                start: self.field(t, r, "start", |c, _| to_year_ref(c)),
                engagement: self.num(t, r, "engagement"),
                success: self.num(t, r, "success"),
                deadweight: self.num(t, r, "deadweight"),
                displacement: self.num(t, r, "displacement"),
                leakage: self.num(t, r, "leakage"),
                lag: self.whole(t, r, "lag"),
                duration: self.whole(t, r, "duration"),
                drop_off: self.num(t, r, "drop_off"),
                profile: self.field(t, r, "profile", |c, span| {
                    to_number_list(c)
                        .map(|list| list.into_iter().map(|n| S::new(span.clone(), n)).collect())
                }),
                confidence: self.whole(t, r, "confidence"),
                health_discounting: self.boolean(t, r, "health_discounting"),
                cashable: self.field(t, r, "cashable", |c, _| to_cashable(c)),
                stops: None,
                value: Vec::new(),
            },
        )
    }

    /// A Correlations row: two inputs by name and their rank correlation.
    /// The validator checks the names and the range.
    fn correlation(&mut self, t: &Table, r: u32) -> S<RawCorrelation> {
        let span = self.row_span(t, r);
        let input = "the name of an uncertain input (one given as a distribution), such as outcome.less-crime.success";
        for name in ["input_a", "input_b"] {
            self.missing(t, r, name, format!("the correlation has no {name}"), input);
        }
        self.missing(
            t,
            r,
            "rank",
            "the correlation has no rank".to_string(),
            "a rank correlation from -1 to 1, such as 0.6",
        );
        let a = self.text(t, r, "input_a");
        let b = self.text(t, r, "input_b");
        let inputs = match (a, b) {
            (Some(a), Some(b)) => Some(S::new(a.span(), vec![a, b])),
            _ => None,
        };
        let rank = self.field(t, r, "rank", |c, _| {
            to_plain_number(c, "0.6 or -0.3", "a rank correlation is one number")
        });
        S::new(span, RawCorrelation { inputs, rank })
    }

    /// The Scenarios sheet: one row per input a scenario sets, the rows
    /// grouped into scenarios by name, in order of first appearance. A
    /// scenario's description may be on any one of its rows.
    fn scenarios(&mut self, t: &Table) -> Vec<S<RawScenario>> {
        struct Rows {
            span: Range<usize>,
            name: S<String>,
            description: Option<(S<String>, u32)>,
            set: BTreeMap<S<String>, S<Num>>,
            /// The row of each input set, for messages.
            inputs: HashMap<String, u32>,
        }
        let (Some(&name_col), Some(&description_col), Some(&input_col), Some(&value_col)) = (
            t.columns.get("scenario"),
            t.columns.get("description"),
            t.columns.get("input"),
            t.columns.get("value"),
        ) else {
            return Vec::new();
        };
        let mut groups: Vec<Rows> = Vec::new();
        for &r in &t.rows {
            if Self::is_blank(t, r, "scenario") {
                self.fail_at(
                    t.sheet,
                    r,
                    name_col,
                    problem(
                        "the row does not say which scenario it belongs to",
                        "the scenario's name, on every row of the scenario",
                    ),
                );
                continue;
            }
            let span = self.row_span(t, r);
            let Some(name) = self.text(t, r, "scenario") else {
                continue;
            };
            let scenario = name.get_ref().clone();
            let g = match groups.iter().position(|g| *g.name.get_ref() == scenario) {
                Some(g) => g,
                None => {
                    groups.push(Rows {
                        span,
                        name,
                        description: None,
                        set: BTreeMap::new(),
                        inputs: HashMap::new(),
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[g];
            if let Some(d) = self.text(t, r, "description") {
                match &group.description {
                    None => group.description = Some((d, r)),
                    Some((first, _)) if first.get_ref() == d.get_ref() => {}
                    Some((first, row)) => {
                        let message = format!(
                            "scenario '{scenario}' is described differently in row {}: '{}'",
                            row + 1,
                            first.get_ref()
                        );
                        self.fail_at(
                            t.sheet,
                            r,
                            description_col,
                            problem(
                                message,
                                "one description per scenario, on any one of its rows",
                            ),
                        );
                    }
                }
            }
            let (no_input, no_value) =
                (Self::is_blank(t, r, "input"), Self::is_blank(t, r, "value"));
            if no_input && !no_value {
                self.fail_at(
                    t.sheet,
                    r,
                    input_col,
                    problem(
                        "a value with no input name",
                        "the name of the input it sets, such as outcome.less-crime.success or cost.key-workers.scale",
                    ),
                );
                continue;
            }
            let input = self.text(t, r, "input");
            if let Some(input) = &input
                && no_value
            {
                self.fail_at(
                    t.sheet,
                    r,
                    value_col,
                    problem(
                        format!("scenario '{scenario}' gives '{}' no value", input.get_ref()),
                        "the input's value in the scenario, such as 0.3",
                    ),
                );
                continue;
            }
            let value = self.field(t, r, "value", |c, _| {
                to_plain_number(c, "0.3 or 1200", "a scenario sets each input to one value")
            });
            let (Some(input), Some(value)) = (input, value) else {
                continue;
            };
            if let Some(first) = group.inputs.insert(input.get_ref().clone(), r) {
                let message = format!(
                    "scenario '{scenario}' sets '{}' twice (also in row {})",
                    input.get_ref(),
                    first + 1
                );
                self.fail_at(
                    t.sheet,
                    r,
                    input_col,
                    problem(message, "each input once in a scenario"),
                );
                continue;
            }
            group.set.insert(input, value);
        }
        groups
            .into_iter()
            .map(|g| {
                let set = S::new(g.name.span(), g.set);
                S::new(
                    g.span,
                    RawScenario {
                        name: Some(g.name),
                        description: g.description.map(|(d, _)| d),
                        set: Some(set),
                    },
                )
            })
            .collect()
    }

    /// A value row, added to the outcome it names.
    fn value(&mut self, t: &Table, r: u32, outcomes: &mut [S<RawOutcome>]) {
        let Some(&outcome_col) = t.columns.get("outcome") else {
            return;
        };
        let wanted = cell_as_text(t.cell(r, outcome_col));
        let wanted = wanted.trim();
        let ids: Vec<String> = outcomes
            .iter()
            .filter_map(|o| {
                o.get_ref()
                    .id
                    .as_ref()
                    .map(|i| i.get_ref().trim().to_string())
            })
            .collect();
        let found = outcomes.iter().position(|o| {
            o.get_ref()
                .id
                .as_ref()
                .is_some_and(|i| i.get_ref().trim() == wanted)
        });
        let span = self.row_span(t, r);
        let value = RawValue {
            label: self.text(t, r, "label"),
            ucd: self.text(t, r, "ucd"),
            kinds: self.field(t, r, "kinds", |c, _| to_words(c)),
            quantity: self.num(t, r, "quantity"),
            fiscal: self.num(t, r, "fiscal"),
            economic: self.num(t, r, "economic"),
            social: self.num(t, r, "social"),
            price_year: self.year(t, r, "price_year"),
            shares: self.field(t, r, "shares", to_shares),
            transfer: self.field(t, r, "transfer", |c, _| to_transfer(c)),
            confidence: self.whole(t, r, "confidence"),
            allow_overlap: self.text(t, r, "allow_overlap"),
            allow_overlap_with: None,
            scale: self.num(t, r, "scale"),
        };
        let expected = if ids.is_empty() {
            "the id of an outcome on the Outcomes sheet (it has none yet)".to_string()
        } else {
            format!(
                "the id of an outcome on the Outcomes sheet: {}",
                ids.join(", ")
            )
        };
        match found {
            Some(i) => outcomes[i].get_mut().value.push(S::new(span, value)),
            None if wanted.is_empty() => self.fail_at(
                t.sheet,
                r,
                outcome_col,
                problem(
                    "the value does not say which outcome it belongs to",
                    expected,
                ),
            ),
            None => self.fail_at(
                t.sheet,
                r,
                outcome_col,
                problem(format!("unknown outcome '{wanted}'"), expected),
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Writing.
// ---------------------------------------------------------------------------

/// A blank documented input workbook, or one pre-filled from a model as
/// written.
///
/// Pre-filling writes every value as it was written (text stays text, so
/// `"£1,200"` reads back as `"£1,200"`) and cost phases as the amounts they
/// come to in each year, so the workbook appraises exactly as the model
/// does. It refuses only what a workbook row cannot say: phases that cannot
/// be placed in years, a phase's one distribution over several years (the
/// year cells would each be drawn on their own), a cost with both amounts
/// and phases, values of an outcome with no id to hang them on, scenarios
/// without a name or sharing one (the sheet groups rows by name), and a
/// correlation of more than two inputs.
pub fn write_template(model: Option<&RawModel>) -> Result<Vec<u8>, String> {
    let empty = RawModel::default();
    let raw = model.unwrap_or(&empty);
    build(raw, ReferenceData::embedded()).map_err(|e| e.0)
}

struct WriteError(String);

impl From<XlsxError> for WriteError {
    fn from(e: XlsxError) -> WriteError {
        WriteError(format!("cannot write the workbook: {e}"))
    }
}

/// What goes into one cell.
enum Out {
    Blank,
    Text(String),
    Num(Num),
    Whole(i64),
    Bool(bool),
}

fn out_text(v: &Option<S<String>>) -> Out {
    v.as_ref()
        .map_or(Out::Blank, |s| Out::Text(s.get_ref().clone()))
}

fn out_num(v: &Option<S<Num>>) -> Out {
    v.as_ref()
        .map_or(Out::Blank, |n| Out::Num(n.get_ref().clone()))
}

fn out_whole(v: &Option<S<i64>>) -> Out {
    v.as_ref().map_or(Out::Blank, |n| Out::Whole(*n.get_ref()))
}

fn out_bool(v: &Option<S<bool>>) -> Out {
    v.as_ref().map_or(Out::Blank, |b| Out::Bool(*b.get_ref()))
}

/// A number inside a list or a pair, written so the reader splits it back
/// the same way: no separators inside an entry.
fn list_entry(n: &Num) -> String {
    match n {
        Num::Int(i) => i.to_string(),
        Num::Float(f) => format!("{f}"),
        Num::Text(t) if t.contains([',', ';', '\n', '=', ':']) => match parse_pounds(t) {
            Ok(x) => format!("{x}"),
            Err(_) => t.clone(),
        },
        Num::Text(t) => t.clone(),
    }
}

fn out_list(list: &[Num]) -> Out {
    match list {
        [one] => Out::Num(one.clone()),
        _ => Out::Text(list.iter().map(list_entry).collect::<Vec<_>>().join(", ")),
    }
}

fn pairs_text<'a>(pairs: impl Iterator<Item = (&'a str, &'a Num)>) -> String {
    pairs
        .map(|(a, n)| format!("{a}={}", list_entry(n)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The formats of the template.
struct Formats {
    title: Format,
    heading: Format,
    header: Format,
    money: Format,
    unit_money: Format,
    rate: Format,
    text: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(16),
            heading: Format::new().set_bold().set_font_size(12),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            money: Format::new().set_num_format("£#,##0"),
            unit_money: Format::new().set_num_format("£#,##0.00"),
            rate: Format::new().set_num_format("0.0%"),
            text: Format::new().set_num_format("@"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }

    /// The number format of a column of this kind.
    fn of(&self, kind: Kind) -> Option<&Format> {
        match kind {
            Kind::Money => Some(&self.money),
            Kind::UnitMoney => Some(&self.unit_money),
            Kind::Rate | Kind::Uplift | Kind::RateOrPairs => Some(&self.rate),
            // Kept as text so Excel cannot read 2011/12 as December 2011.
            Kind::Year | Kind::YearRef => Some(&self.text),
            _ => None,
        }
    }
}

fn width(kind: Kind) -> f64 {
    match kind {
        Kind::Text => 28.0,
        Kind::Id | Kind::AgencyRef | Kind::OutcomeRef => 18.0,
        Kind::Pairs => 26.0,
        Kind::List | Kind::RateOrPairs => 18.0,
        Kind::NumberOrList | Kind::BoolOrList | Kind::Money => 14.0,
        Kind::Rate | Kind::Uplift | Kind::UnitMoney | Kind::Bool => 12.0,
        Kind::Year | Kind::Grade | Kind::CostType | Kind::YearRef => 11.0,
        Kind::Whole | Kind::Number | Kind::Rank => 10.0,
        Kind::Input => 44.0,
    }
}

fn write_out(
    ws: &mut Worksheet,
    row: u32,
    column: u16,
    out: &Out,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    let plain = Format::new();
    let format = format.unwrap_or(&plain);
    let number = |ws: &mut Worksheet, x: f64| -> Result<(), XlsxError> {
        if x.is_finite() {
            ws.write_number_with_format(row, column, x, format)?;
        } else {
            ws.write_string_with_format(row, column, format!("{x}"), format)?;
        }
        Ok(())
    };
    match out {
        Out::Blank => {}
        Out::Text(t) => {
            ws.write_string_with_format(row, column, t, format)?;
        }
        Out::Num(Num::Int(i)) | Out::Whole(i) => {
            if (*i as f64).abs() <= EXACT_INTEGERS {
                number(ws, *i as f64)?;
            } else {
                ws.write_string_with_format(row, column, i.to_string(), format)?;
            }
        }
        Out::Num(Num::Float(f)) => number(ws, *f)?,
        Out::Num(Num::Text(t)) => {
            ws.write_string_with_format(row, column, t, format)?;
        }
        Out::Bool(b) => {
            ws.write_boolean_with_format(row, column, *b, format)?;
        }
    }
    Ok(())
}

/// A header note: the column's meaning where the user is looking.
fn note(text: &str) -> Note {
    let lines = text.chars().count() / 48 + 1;
    Note::new(text)
        .add_author_prefix(false)
        .set_width(340)
        .set_height(24 + 16 * lines as u32)
}

/// A data validation on a whole column, with a message that says why.
fn validation(kind: Kind, grades: &[String]) -> Result<Option<DataValidation>, XlsxError> {
    let v = match kind {
        Kind::Bool => DataValidation::new()
            .allow_list_strings(&["TRUE", "FALSE"])?
            .set_error_title("TRUE or FALSE")?
            .set_error_message("Choose TRUE or FALSE from the list.")?,
        Kind::CostType => DataValidation::new()
            .allow_list_strings(&["capital", "revenue", "in_kind"])?
            .set_error_title("Cost type")?
            .set_error_message("A cost is capital, revenue or in_kind.")?,
        Kind::Grade => DataValidation::new()
            .allow_list_strings(grades)?
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("Confidence grade")?
            .set_error_message(
                "Not one of the grades of the optimism-bias table (see the Guide). Keep it only if you add the grade on the Optimism bias sheet.",
            )?,
        Kind::Rate => DataValidation::new()
            .allow_decimal_number(DataValidationRule::Between(0.0, 1.0))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("A rate from 0 to 1")?
            .set_error_message(
                "Rates and shares lie from 0 to 1 (0% to 100%). Choose Yes to keep a distribution such as pert(0.3, 0.45, 0.6) where the column's note allows one.",
            )?,
        Kind::Uplift => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("Not negative")?
            .set_error_message("A cost uplift is 0 or more (it may exceed 100%).")?,
        Kind::Whole => DataValidation::new()
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("A whole number")?
            .set_error_message("Whole years: 0, 1, 2 and so on.")?,
        Kind::AgencyRef => DataValidation::new()
            .allow_list_formula(Formula::new(format!("={AGENCIES}!$A$2:$A$1000")))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("Agency")?
            .set_error_message("Not an agency id from the Agencies sheet.")?,
        Kind::Rank => DataValidation::new()
            .allow_decimal_number(DataValidationRule::Between(-1.0, 1.0))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("A rank correlation")?
            .set_error_message("A rank correlation lies from -1 to 1.")?,
        Kind::OutcomeRef => DataValidation::new()
            .allow_list_formula(Formula::new(format!("={OUTCOMES}!$A$2:$A$1000")))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("Outcome")?
            .set_error_message("Not an outcome id from the Outcomes sheet.")?,
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// One column as written: its header, kind and meaning.
struct Header {
    title: String,
    kind: Kind,
    doc: String,
}

/// A data sheet: the header row with its notes, column widths, formats and
/// validations, frozen panes, and the rows.
fn data_sheet(
    wb: &mut Workbook,
    f: &Formats,
    spec: &SheetSpec,
    headers: &[Header],
    rows: &[Vec<Out>],
    grades: &[String],
) -> Result<(), WriteError> {
    let ws = wb.add_worksheet();
    ws.set_name(spec.name)?;
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, &h.title, &f.header)?;
        ws.insert_note(0, c, &note(&h.doc))?;
        let w = width(h.kind).max(h.title.chars().count() as f64 + 4.0);
        ws.set_column_width(c, w)?;
        if let Some(format) = f.of(h.kind) {
            ws.set_column_format(c, format)?;
        }
        if let Some(v) = validation(h.kind, grades)? {
            ws.add_data_validation(1, c, LAST_ROW, c, &v)?;
        }
    }
    ws.set_freeze_panes(1, spec.frozen_columns)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, (out, h)) in row.iter().zip(headers).enumerate() {
            write_out(ws, r as u32 + 1, c as u16, out, f.of(h.kind))?;
        }
    }
    Ok(())
}

fn headers(columns: &[Column]) -> Vec<Header> {
    columns
        .iter()
        .map(|c| Header {
            title: c.name.to_string(),
            kind: c.kind,
            doc: c.doc.to_string(),
        })
        .collect()
}

fn build(raw: &RawModel, data: &ReferenceData) -> Result<Vec<u8>, WriteError> {
    let appraisal = raw.appraisal.as_ref().map(|a| a.get_ref());
    let first_year = appraisal
        .and_then(|a| a.first_year.as_ref())
        .and_then(|y| FinancialYear::parse(y.get_ref()).ok());
    let mut cost_rows = Vec::new();
    let mut year_count = 0;
    for c in &raw.cost {
        let c = c.get_ref();
        let amounts = cost_amounts(c, first_year)?;
        year_count = year_count.max(amounts.len());
        cost_rows.push((c, amounts));
    }
    let years_setting = appraisal
        .and_then(|a| a.years.as_ref())
        .map(|y| *y.get_ref())
        .filter(|y| (1..=1000).contains(y))
        .map_or(0, |y| y as usize);
    year_count = year_count.max(years_setting);
    if year_count == 0 {
        year_count = BLANK_YEARS;
    }
    let values = value_rows(raw)?;
    let correlations = correlation_rows(raw)?;
    let scenarios = scenario_rows(raw)?;
    let grades = grade_numbers(raw, data);
    let f = Formats::new();
    let mut wb = Workbook::new();

    guide(&mut wb, &f, data)?;
    settings_sheet(&mut wb, &f, raw, data)?;

    let grade_rows: Vec<Vec<Out>> = raw
        .optimism_bias
        .iter()
        .flat_map(|o| o.get_ref().grade.iter())
        .map(|g| {
            let g = g.get_ref();
            vec![
                out_whole(&g.grade),
                out_text(&g.label),
                out_num(&g.cost_uplift),
                out_num(&g.benefit_reduction),
            ]
        })
        .collect();
    data_sheet(
        &mut wb,
        &f,
        spec(OPTIMISM_BIAS),
        &headers(OPTIMISM_COLUMNS),
        &grade_rows,
        &grades,
    )?;

    let kind_rows: Vec<Vec<Out>> = raw
        .agency_kind
        .iter()
        .map(|k| {
            let k = k.get_ref();
            vec![out_text(&k.id), out_text(&k.name), out_text(&k.parent)]
        })
        .collect();
    data_sheet(
        &mut wb,
        &f,
        spec(AGENCY_KINDS),
        &headers(AGENCY_KIND_COLUMNS),
        &kind_rows,
        &grades,
    )?;

    let agency_rows: Vec<Vec<Out>> = raw
        .agency
        .iter()
        .map(|a| {
            let a = a.get_ref();
            vec![
                out_text(&a.id),
                out_text(&a.name),
                out_text(&a.kind),
                out_bool(&a.contributes),
                out_num(&a.cashable),
            ]
        })
        .collect();
    data_sheet(
        &mut wb,
        &f,
        spec(AGENCIES),
        &headers(AGENCY_COLUMNS),
        &agency_rows,
        &grades,
    )?;

    let mut cost_headers = headers(COST_COLUMNS);
    for t in 0..year_count {
        let doc = match first_year {
            Some(y) => format!("Year {t} is {}. {YEAR_DOC}", y.offset(t as i32)),
            None => YEAR_DOC.to_string(),
        };
        cost_headers.push(Header {
            title: format!("Year {t}"),
            kind: Kind::Money,
            doc,
        });
    }
    let cost_rows: Vec<Vec<Out>> = cost_rows
        .into_iter()
        .map(|(c, amounts)| {
            let mut row = vec![
                out_text(&c.id),
                out_text(&c.name),
                out_text(&c.agency),
                out_text(&c.kind),
                out_text(&c.price_year),
                out_whole(&c.confidence),
                out_num(&c.scale),
            ];
            row.extend(amounts);
            row
        })
        .collect();
    data_sheet(&mut wb, &f, spec(COSTS), &cost_headers, &cost_rows, &grades)?;

    let outcome_rows: Vec<Vec<Out>> = raw
        .outcome
        .iter()
        .map(|o| outcome_row(o.get_ref()))
        .collect();
    data_sheet(
        &mut wb,
        &f,
        spec(OUTCOMES),
        &headers(OUTCOME_COLUMNS),
        &outcome_rows,
        &grades,
    )?;
    data_sheet(
        &mut wb,
        &f,
        spec(VALUES),
        &headers(VALUE_COLUMNS),
        &values,
        &grades,
    )?;
    data_sheet(
        &mut wb,
        &f,
        spec(CORRELATIONS),
        &headers(CORRELATION_COLUMNS),
        &correlations,
        &grades,
    )?;
    data_sheet(
        &mut wb,
        &f,
        spec(SCENARIOS),
        &headers(SCENARIO_COLUMNS),
        &scenarios,
        &grades,
    )?;
    Ok(wb.save_to_buffer()?)
}

/// A cost's amounts by year from year 0, phases expanded.
fn cost_amounts(c: &RawCost, first_year: Option<FinancialYear>) -> Result<Vec<Out>, WriteError> {
    let id = c.id.as_ref().map_or("(no id)", |i| i.get_ref().as_str());
    match (&c.amounts, c.phase.is_empty()) {
        (Some(_), false) => Err(WriteError(format!(
            "cost '{id}' gives both amounts and phases: a workbook row holds one set of amounts, so choose one"
        ))),
        // An empty list is a cost of nothing in every year, not a missing one.
        (Some(list), true) if list.get_ref().is_empty() => Ok(vec![Out::Num(Num::Int(0))]),
        (Some(list), true) => Ok(list
            .get_ref()
            .iter()
            .map(|n| Out::Num(n.get_ref().clone()))
            .collect()),
        (None, true) => Ok(Vec::new()),
        (None, false) => expand_phases(id, &c.phase, first_year),
    }
}

/// The longest appraisal the validator accepts: phases are not expanded
/// beyond it.
const MAX_YEARS: i64 = 1000;

fn expand_phases(
    id: &str,
    phases: &[S<RawPhase>],
    first_year: Option<FinancialYear>,
) -> Result<Vec<Out>, WriteError> {
    let mut out: Vec<Option<Num>> = Vec::new();
    for (k, p) in phases.iter().enumerate() {
        let p = p.get_ref();
        let what = format!("cost '{id}', phase {}", k + 1);
        let year = |y: &Option<S<YearRef>>, name: &str| -> Result<i64, WriteError> {
            let y = y
                .as_ref()
                .ok_or_else(|| WriteError(format!("{what} has no `{name}`")))?;
            let offset = match y.get_ref() {
                YearRef::Offset(o) => *o,
                YearRef::Year(text) => {
                    let fy = FinancialYear::parse(text)
                        .map_err(|e| WriteError(format!("{what}, `{name}`: {e}")))?;
                    let first = first_year.ok_or_else(|| {
                        WriteError(format!(
                            "{what}: placing `{name}` = {text} in a year needs the model's first_year"
                        ))
                    })?;
                    i64::from(fy.years_since(first))
                }
            };
            if !(0..MAX_YEARS).contains(&offset) {
                return Err(WriteError(format!(
                    "{what}: `{name}` is year {offset}, outside years 0 to {}",
                    MAX_YEARS - 1
                )));
            }
            Ok(offset)
        };
        let from = year(&p.from, "from")?;
        let to = year(&p.to, "to")?;
        let annual = p
            .annual
            .as_ref()
            .ok_or_else(|| WriteError(format!("{what} has no `annual`")))?;
        if from > to {
            return Err(WriteError(format!(
                "{what} runs from year {from} to year {to}, backwards"
            )));
        }
        if from < to
            && let Num::Text(t) = annual.get_ref()
            && matches!(Distribution::parse(t), Ok(Some(_)))
        {
            return Err(WriteError(format!(
                "{what}: its annual amount {t} is one distribution over years {from} to {to}, \
                 drawn once for them all, but a workbook row holds one cell per year, each drawn on its own: \
                 give the amount as a number and its uncertainty as the cost's scale, or give the phase one year"
            )));
        }
        let (from, to) = (from as usize, to as usize);
        if out.len() <= to {
            out.resize(to + 1, None);
        }
        for slot in &mut out[from..=to] {
            if slot.is_some() {
                return Err(WriteError(format!("{what} overlaps an earlier phase")));
            }
            *slot = Some(annual.get_ref().clone());
        }
    }
    Ok(out
        .into_iter()
        .map(|n| n.map_or(Out::Blank, Out::Num))
        .collect())
}

fn outcome_row(o: &RawOutcome) -> Vec<Out> {
    let cohort = match o.cohort.as_ref().map(|c| c.get_ref()) {
        None => Out::Blank,
        Some(NumOrList::One(n)) => Out::Num(n.clone()),
        // A trailing comma keeps a list of one a list.
        Some(NumOrList::Many(list)) if list.len() == 1 => {
            Out::Text(format!("{},", list_entry(&list[0])))
        }
        Some(NumOrList::Many(list)) => out_list(list),
    };
    let start = match o.start.as_ref().map(|s| s.get_ref()) {
        None => Out::Blank,
        Some(YearRef::Offset(i)) => Out::Whole(*i),
        Some(YearRef::Year(t)) => Out::Text(t.clone()),
    };
    let profile = o.profile.as_ref().map_or(Out::Blank, |p| {
        let list: Vec<Num> = p.get_ref().iter().map(|n| n.get_ref().clone()).collect();
        out_list(&list)
    });
    let cashable = match o.cashable.as_ref().map(|c| c.get_ref()) {
        None => Out::Blank,
        Some(CashableSpec::All(n)) => Out::Num(n.clone()),
        Some(CashableSpec::PerAgency(map)) => {
            Out::Text(pairs_text(map.iter().map(|(a, n)| (a.as_str(), n))))
        }
    };
    vec![
        out_text(&o.id),
        out_text(&o.name),
        cohort,
        start,
        out_num(&o.engagement),
        out_num(&o.success),
        out_num(&o.deadweight),
        out_num(&o.displacement),
        out_num(&o.leakage),
        out_whole(&o.lag),
        out_whole(&o.duration),
        out_num(&o.drop_off),
        profile,
        out_whole(&o.confidence),
        out_bool(&o.health_discounting),
        cashable,
    ]
}

/// Every outcome's values, each naming its outcome.
fn value_rows(raw: &RawModel) -> Result<Vec<Vec<Out>>, WriteError> {
    let mut rows = Vec::new();
    for (k, o) in raw.outcome.iter().enumerate() {
        let o = o.get_ref();
        if o.value.is_empty() {
            continue;
        }
        let Some(id) = &o.id else {
            return Err(WriteError(format!(
                "outcome {} has values but no id: the Values sheet links values to their outcome by id",
                k + 1
            )));
        };
        for v in &o.value {
            let v = v.get_ref();
            let kinds = v
                .kinds
                .as_ref()
                .map_or(Out::Blank, |k| Out::Text(k.get_ref().join(", ")));
            let shares = v.shares.as_ref().map_or(Out::Blank, |s| {
                Out::Text(pairs_text(
                    s.get_ref()
                        .iter()
                        .map(|(a, n)| (a.get_ref().as_str(), n.get_ref())),
                ))
            });
            let transfer = match v.transfer.as_ref().map(|t| t.get_ref()) {
                None => Out::Blank,
                Some(TransferSpec::All(b)) => Out::Bool(*b),
                Some(TransferSpec::Agencies(list)) => Out::Text(list.join(", ")),
            };
            rows.push(vec![
                Out::Text(id.get_ref().clone()),
                out_text(&v.label),
                out_text(&v.ucd),
                kinds,
                out_num(&v.quantity),
                out_num(&v.fiscal),
                out_num(&v.economic),
                out_num(&v.social),
                out_text(&v.price_year),
                shares,
                transfer,
                out_whole(&v.confidence),
                out_text(&v.allow_overlap),
                out_num(&v.scale),
            ]);
        }
    }
    Ok(rows)
}

/// Every correlation: its two inputs and its rank.
fn correlation_rows(raw: &RawModel) -> Result<Vec<Vec<Out>>, WriteError> {
    let mut rows = Vec::new();
    for (k, c) in raw.correlation.iter().enumerate() {
        let c = c.get_ref();
        let inputs: Vec<&String> = c
            .inputs
            .as_ref()
            .map(|i| i.get_ref().iter().map(|n| n.get_ref()).collect())
            .unwrap_or_default();
        if inputs.len() > 2 {
            return Err(WriteError(format!(
                "correlation {} names {} inputs: a Correlations row holds two (give each pair its own correlation)",
                k + 1,
                inputs.len()
            )));
        }
        let input = |i: usize| {
            inputs
                .get(i)
                .map_or(Out::Blank, |n| Out::Text((*n).clone()))
        };
        rows.push(vec![input(0), input(1), out_num(&c.rank)]);
    }
    Ok(rows)
}

/// Every scenario, one row per input it sets (in name order, as the model
/// keeps them); the description on its first row. A scenario that sets
/// nothing still gets a row, so its name and description are kept.
fn scenario_rows(raw: &RawModel) -> Result<Vec<Vec<Out>>, WriteError> {
    let mut rows = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (k, sc) in raw.scenario.iter().enumerate() {
        let sc = sc.get_ref();
        let Some(name) = &sc.name else {
            return Err(WriteError(format!(
                "scenario {} has no name: the Scenarios sheet groups its rows into scenarios by name",
                k + 1
            )));
        };
        let name = name.get_ref().as_str();
        if names.contains(&name) {
            return Err(WriteError(format!(
                "two scenarios are named '{name}': the Scenarios sheet would merge them into one, so give each its own name"
            )));
        }
        names.push(name);
        let mut description = out_text(&sc.description);
        let set: Vec<(&String, &Num)> = sc
            .set
            .iter()
            .flat_map(|s| s.get_ref().iter())
            .map(|(i, n)| (i.get_ref(), n.get_ref()))
            .collect();
        if set.is_empty() {
            rows.push(vec![
                Out::Text(name.to_string()),
                description,
                Out::Blank,
                Out::Blank,
            ]);
            continue;
        }
        for (input, n) in set {
            rows.push(vec![
                Out::Text(name.to_string()),
                std::mem::replace(&mut description, Out::Blank),
                Out::Text(input.clone()),
                Out::Num(n.clone()),
            ]);
        }
    }
    Ok(rows)
}

/// The grades a confidence cell may take: the model's own table if it has
/// one, else the shipped default.
fn grade_numbers(raw: &RawModel, data: &ReferenceData) -> Vec<String> {
    let own: Vec<String> = raw
        .optimism_bias
        .iter()
        .flat_map(|o| o.get_ref().grade.iter())
        .filter_map(|g| g.get_ref().grade.as_ref().map(|n| n.get_ref().to_string()))
        .collect();
    if !own.is_empty() {
        return own;
    }
    let table = raw
        .optimism_bias
        .as_ref()
        .and_then(|o| o.get_ref().table.as_ref())
        .and_then(|id| data.optimism_bias_table(id.get_ref()))
        .unwrap_or_else(|| data.default_optimism_bias());
    table.grades.iter().map(|g| g.grade.to_string()).collect()
}

fn settings_sheet(
    wb: &mut Workbook,
    f: &Formats,
    raw: &RawModel,
    data: &ReferenceData,
) -> Result<(), WriteError> {
    let ws = wb.add_worksheet();
    ws.set_name(SETTINGS)?;
    for (c, h) in SETTINGS_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h.name, &f.header)?;
        ws.insert_note(0, c as u16, &note(h.doc))?;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 44)?;
    ws.set_freeze_panes(1, 0)?;
    let a = raw.appraisal.as_ref().map(|a| a.get_ref());
    let table = raw
        .optimism_bias
        .as_ref()
        .and_then(|o| o.get_ref().table.as_ref());
    let known = |ids: Vec<&str>| -> Result<DataValidation, XlsxError> {
        DataValidation::new()
            .allow_list_strings(&ids)?
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("Not a shipped id")?
            .set_error_message(format!("The shipped ones are: {}.", ids.join(", ")))
    };
    for (i, s) in SETTING_ROWS.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, s.name)?;
        ws.insert_note(r, 0, &note(s.doc))?;
        let value = match (s.name, a) {
            ("optimism_bias_table", _) => out_text(&table.cloned()),
            (_, None) => Out::Blank,
            ("name", Some(a)) => out_text(&a.name),
            ("description", Some(a)) => out_text(&a.description),
            ("first_year", Some(a)) => out_text(&a.first_year),
            ("years", Some(a)) => out_whole(&a.years),
            ("price_base", Some(a)) => out_text(&a.price_base),
            ("deflators", Some(a)) => out_text(&a.deflators),
            ("discount_schedule", Some(a)) => out_text(&a.discount_schedule),
            (_, Some(a)) => out_bool(&a.discount_year_zero),
        };
        let format = if s.kind == Kind::Year {
            Some(&f.text)
        } else {
            None
        };
        write_out(ws, r, 1, &value, format)?;
        if let Some(format) = format
            && matches!(value, Out::Blank)
        {
            ws.write_blank(r, 1, format)?;
        }
        let v = match s.name {
            "years" => Some(
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(1, 1000))
                    .set_error_title("Years")?
                    .set_error_message("The appraisal covers 1 to 1000 years, year 0 included.")?,
            ),
            "deflators" => Some(known(
                data.deflators.iter().map(|d| d.id.as_str()).collect(),
            )?),
            "discount_schedule" => Some(known(
                data.discount_schedules
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect(),
            )?),
            "optimism_bias_table" => Some(known(
                data.optimism_bias.iter().map(|t| t.id.as_str()).collect(),
            )?),
            _ => validation(s.kind, &[])?,
        };
        if let Some(v) = v {
            ws.add_data_validation(r, 1, r, 1, &v)?;
        }
    }
    Ok(())
}

/// The Guide: what the workbook is, how to fill it in, what every column
/// means, the confidence grades and the reference data behind them.
fn guide(wb: &mut Workbook, f: &Formats, data: &ReferenceData) -> Result<(), WriteError> {
    let ws = wb.add_worksheet();
    ws.set_name(GUIDE)?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 26)?;
    ws.set_column_width(2, 90)?;
    ws.set_column_width(3, 12)?;
    ws.set_column_width(4, 18)?;
    let mut r: u32 = 0;
    // One line of text in column A, overflowing into the empty cells beside it.
    let line = |ws: &mut Worksheet,
                r: &mut u32,
                text: &str,
                format: Option<&Format>|
     -> Result<(), XlsxError> {
        if !text.is_empty() {
            match format {
                Some(f) => ws.write_string_with_format(*r, 0, text, f)?,
                None => ws.write_string(*r, 0, text)?,
            };
        }
        *r += 1;
        Ok(())
    };
    line(ws, &mut r, "oneplace appraisal workbook", Some(&f.title))?;
    for text in [
        "The input to a cost-benefit appraisal of a joint investment, after HM Treasury's guidance for local partnerships (2014, with New Economy; supplementary to the Green Book).",
        "It costs the investment by agency and year, values its outcomes with unit costs, and attributes the fiscal savings to the agencies that receive them.",
        "Fill in the sheets, save, and run `oneplace appraise WORKBOOK.xlsx`: any problem is reported with its sheet and cell.",
        "",
    ] {
        line(ws, &mut r, text, None)?;
    }
    line(ws, &mut r, "How to fill it in", Some(&f.heading))?;
    for text in [
        "Keep the sheet names and every header row as they are: a renamed, missing or extra column is reported as an error rather than ignored.",
        "Put one item in each row under the header; blank rows are skipped. Sheets of your own working may be added: they are ignored.",
        "Numbers may be typed as numbers or as text: 1200, £1,200, 0.35 or 35%. Rates and shares are fractions from 0 to 1, or percentages.",
        "TRUE/FALSE cells also accept yes and no. Lists are comma-separated (10, 20, 20) with no thousands separators inside them.",
        "Shares and per-agency rates are written agency=share, separated by semicolons: police=0.6; icb=0.4.",
        "Financial years are written 2026/27. Year 0 is first_year; costs and cohorts are given by year from year 0.",
        "Hover over a header to see what its column means. The full list follows.",
        "",
    ] {
        line(ws, &mut r, text, None)?;
    }
    line(
        ws,
        &mut r,
        "Uncertain inputs, correlations and scenarios",
        Some(&f.heading),
    )?;
    for text in [
        "Rates, amounts, cohorts, quantities, unit values and scale may be given as a distribution instead of a number, typed as text: pert(0.3, 0.45, 0.6).".to_string(),
        "The appraisal uses a distribution's most likely value (its mode for triangular and pert, its mean otherwise); `oneplace appraise WORKBOOK.xlsx --simulate 10000` draws every uncertain input 10,000 times.".to_string(),
        format!("The distributions: {SYNTAX}."),
        "Excel may warn that a distribution is not a rate from 0 to 1: choose Yes to keep it. In a list, the commas inside a distribution's brackets do not split the list.".to_string(),
        "The Correlations and Scenarios sheets name inputs as outcome.ID.success (or engagement, deadweight, displacement, leakage, drop_off, cashable), outcome.ID.cohort[2027/28], outcome.ID.cohort.scale,".to_string(),
        "outcome.ID.value[1].quantity (or .fiscal, .economic, .social, .scale; values count from 1 in their order on the Values sheet), cost.ID.scale and cost.ID[2027/28] (the cost in that year).".to_string(),
        "A correlation makes two uncertain inputs move together in a simulation. A scenario sets inputs to other values; `--sensitivity` compares the scenarios side by side.".to_string(),
        String::new(),
    ] {
        line(ws, &mut r, &text, None)?;
    }
    line(ws, &mut r, "The sheets", Some(&f.heading))?;
    for s in &SHEET_SPECS {
        ws.write_string_with_format(r, 0, s.name, &f.heading)?;
        ws.write_string(r, 1, s.about)?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Columns", &f.heading)?;
    r += 1;
    for (c, title) in ["Sheet", "Column", "Meaning"].into_iter().enumerate() {
        ws.write_string_with_format(r, c as u16, title, &f.header)?;
    }
    r += 1;
    let doc_row = |ws: &mut Worksheet,
                   r: &mut u32,
                   sheet: &str,
                   column: &str,
                   doc: &str|
     -> Result<(), XlsxError> {
        ws.write_string(*r, 0, sheet)?;
        ws.write_string(*r, 1, column)?;
        ws.write_string_with_format(*r, 2, doc, &f.wrap)?;
        *r += 1;
        Ok(())
    };
    for s in SETTING_ROWS {
        doc_row(ws, &mut r, SETTINGS, s.name, s.doc)?;
    }
    for s in &SHEET_SPECS[1..] {
        for c in s.columns {
            doc_row(ws, &mut r, s.name, c.name, c.doc)?;
        }
        if s.name == COSTS {
            doc_row(ws, &mut r, s.name, "Year 0, Year 1, …", YEAR_DOC)?;
        }
    }
    r += 1;
    let table = data.default_optimism_bias();
    ws.write_string_with_format(
        r,
        0,
        format!(
            "Confidence grades: the shipped optimism-bias table '{}'",
            table.id
        ),
        &f.heading,
    )?;
    r += 1;
    for (c, title) in [
        "Grade",
        "Label",
        "Evidence",
        "Cost uplift",
        "Benefit reduction",
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(r, c as u16, title, &f.header)?;
    }
    r += 1;
    for g in &table.grades {
        ws.write_number(r, 0, f64::from(g.grade))?;
        ws.write_string(r, 1, &g.label)?;
        ws.write_string_with_format(r, 2, &g.evidence, &f.wrap)?;
        ws.write_number_with_format(r, 3, g.cost_uplift, &f.rate)?;
        ws.write_number_with_format(r, 4, g.benefit_reduction, &f.rate)?;
        r += 1;
    }
    let vocabulary = AgencyVocabulary::seeded();
    let deflators: Vec<&str> = data.deflators.iter().map(|d| d.id.as_str()).collect();
    let schedules: Vec<&str> = data
        .discount_schedules
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let tables: Vec<&str> = data.optimism_bias.iter().map(|t| t.id.as_str()).collect();
    let attribution = data
        .dataset("unit-cost-database")
        .and_then(|d| d.attribution.clone())
        .unwrap_or_else(|| UCD_ATTRIBUTION.to_string());
    let lines = [
        "Costs of a grade are multiplied by 1 + its cost uplift and benefits by 1 − its benefit reduction. The Optimism bias sheet may replace these grades with the model's own.".to_string(),
        String::new(),
        "Reference data".to_string(),
        format!("Agency kinds: {}.", vocabulary.ids().join(", ")),
        format!(
            "Discount schedules: {}. Deflator vintages: {}. Optimism-bias tables: {}.",
            schedules.join(", "),
            deflators.join(", "),
            tables.join(", ")
        ),
        "Unit Cost Database codes: find them with `oneplace ucd search WORDS` (and see one entry with `oneplace ucd show CODE`).".to_string(),
        format!("Unit costs: {attribution}."),
    ];
    for (i, text) in lines.iter().enumerate() {
        let format = (i == 2).then_some(&f.heading);
        line(ws, &mut r, text, format)?;
    }
    Ok(())
}
