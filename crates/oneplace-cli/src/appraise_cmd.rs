//! `oneplace appraise`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use oneplace_appraise::uncertainty::sensitivity::{self, Sensitivity};
use oneplace_appraise::uncertainty::simulate::{self, Options, Run, SimulationReport};
use oneplace_appraise::{Appraisal, Model, evaluate, explain, read_toml, report, xlsx};
use oneplace_refdata::ReferenceData;

use crate::output::{check_binary_destination, json_bytes, render, write};
use crate::{Failure, Format};

/// The example appraised when no model is given.
const DEMO_NAME: &str = "examples/family-support.toml";
const DEMO: &str = include_str!("../../../examples/family-support.toml");

#[derive(clap::Args)]
pub struct Args {
    /// The model: a .toml file, or an .xlsx workbook made from the template.
    model: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to FILE instead of standard output (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Show only one table: summary, agencies, matrix, fair_split, years,
    /// outcomes, costs, reference_data (and simulation, payback_distribution,
    /// uncertain_inputs, tornado, switching_values, scenarios when asked for).
    #[arg(long, value_name = "ID")]
    table: Option<String>,
    /// Write the Excel input template to FILE.xlsx instead of appraising:
    /// blank, or filled in from MODEL when one is given.
    #[arg(long, value_name = "FILE.xlsx", conflicts_with_all = ["format", "table", "explain", "out", "simulate", "sensitivity", "chart"])]
    template: Option<PathBuf>,
    /// Trace a figure back to its inputs: npbi, financial_roi,
    /// cashable_financial_roi, nppv, public_value_roi, payback, agency:ID,
    /// outcome:ID, cost:ID, matrix:FUNDER:BENEFICIARY (a cell of the funder
    /// × beneficiary matrix), fair_split:AGENCY (its net position now and
    /// under each proposed split) or year:N (a row of the year table, N an
    /// offset from year 0 or a financial year such as 2027/28).
    #[arg(long, value_name = "FIGURE")]
    explain: Option<String>,
    /// Monte Carlo: draw the uncertain inputs N times and report the
    /// distribution of every headline figure.
    #[arg(long, value_name = "N")]
    simulate: Option<usize>,
    /// The random seed: the same seed gives the same results, whatever the
    /// number of threads.
    #[arg(long, value_name = "S", default_value_t = 1, requires = "simulate")]
    seed: u64,
    /// Worker threads for the simulation (default: one per core).
    #[arg(long, value_name = "T", requires = "simulate")]
    threads: Option<usize>,
    /// Add the tornado, switching values for every input, the scenarios
    /// and, for appraisals over 50 years, the no-pure-time-preference test.
    #[arg(long)]
    sensitivity: bool,
    /// Write the charts as SVG files into DIR (created if need be).
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// Write every draw (inputs in model units, then the outputs) to FILE:
    /// .csv, or .npy for NumPy.
    #[arg(long, value_name = "FILE", requires = "simulate")]
    export_draws: Option<PathBuf>,
    /// A GDP deflator vintage from a CSV file (columns year,percent_change
    /// and optionally forecast; one row per consecutive financial year),
    /// used instead of the shipped hmt-march-2015 vintage (which ends in
    /// 2019/20). Its id is the file's name without .csv, for a model's
    /// `deflators` setting.
    #[arg(long, value_name = "FILE.csv")]
    deflators: Option<PathBuf>,
}

/// The shipped reference data, with the vintage in `path` if one is given.
pub fn reference_data(
    path: Option<&Path>,
) -> Result<std::borrow::Cow<'static, ReferenceData>, Failure> {
    let data = ReferenceData::embedded();
    let Some(path) = path else {
        return Ok(std::borrow::Cow::Borrowed(data));
    };
    let bytes = read_file(path)?;
    let name = path.display().to_string();
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::Message(format!("{name}: not UTF-8 text (expected a CSV file)")))?;
    let id = path
        .file_stem()
        .map_or_else(|| "user".to_string(), |s| s.to_string_lossy().into_owned());
    let vintage = oneplace_refdata::deflator::read_vintage_file(&name, &id, &text)?;
    Ok(std::borrow::Cow::Owned(data.with_deflators(vintage, &name)))
}

/// Set by Ctrl-C: the simulation finishes the blocks under way and stops.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: Args) -> Result<(), Failure> {
    let data = &*reference_data(args.deflators.as_deref())?;
    if let Some(template) = &args.template {
        return write_template(args.model.as_deref(), template);
    }
    check_binary_destination(args.format, args.out.as_deref())?;
    let model = load(args.model.as_deref(), data)?;
    let appraisal = evaluate(&model, data);
    let run = match args.simulate {
        Some(draws) => Some(run_simulation(&model, data, draws, &args)?),
        None => None,
    };
    let simulation = run.as_ref().map(|r| simulate::report(&model, r));
    let sensitivity = args
        .sensitivity
        .then(|| sensitivity::sensitivity(&model, data));
    // Automatic for appraisals over 50 years, as the 2026 Green Book asks.
    let npt = sensitivity::no_pure_time_preference(&model, data);
    if let (Some(path), Some(run)) = (&args.export_draws, &run) {
        write(Some(path), &export_draws(&model, run, path))?;
    }
    if let Some(dir) = &args.chart {
        let written = crate::charts::write_charts(
            dir,
            &model,
            data,
            &appraisal,
            simulation.as_ref(),
            sensitivity.as_ref(),
        )?;
        eprintln!(
            "charts written to {}: {}",
            dir.display(),
            written.join(", ")
        );
    }
    let bytes = if let Some(figure) = &args.explain {
        let e = explain::explain(&model, &appraisal, data, figure).map_err(Failure::Usage)?;
        match args.format {
            Format::Json => json_bytes(&serde_json::to_value(&e).expect("explanations serialise")),
            Format::Table => explain::render(&e).into_bytes(),
            other => {
                return Err(Failure::Usage(format!(
                    "--explain writes table or json, not {other:?}"
                )));
            }
        }
    } else if args.format == Format::Json {
        if args.table.is_some() {
            return Err(Failure::Usage(
                "--table selects a table of the table, csv or xlsx output; JSON has every table"
                    .into(),
            ));
        }
        json_bytes(&report::to_json_all(
            &appraisal,
            simulation.as_ref(),
            sensitivity.as_ref(),
            npt.as_ref(),
        ))
    } else {
        let mut doc = document(&appraisal, simulation.as_ref(), sensitivity.as_ref());
        if let Some(t) = &npt {
            doc.sections
                .push(report::no_pure_time_preference_section(t, &appraisal));
        }
        render(&doc, args.format, args.table.as_deref())?
    };
    write(args.out.as_deref(), &bytes)
}

/// The report: the appraisal's tables, then the simulation's and the
/// sensitivity analysis's.
fn document(
    appraisal: &Appraisal,
    simulation: Option<&SimulationReport>,
    sensitivity: Option<&Sensitivity>,
) -> oneplace_report::Document {
    let mut doc = report::document(appraisal);
    if let Some(s) = simulation {
        doc.sections.extend(report::simulation_sections(s));
    }
    if let Some(s) = sensitivity {
        doc.sections
            .extend(report::sensitivity_sections(s, appraisal));
    }
    doc
}

fn run_simulation(
    model: &Model,
    data: &ReferenceData,
    draws: usize,
    args: &Args,
) -> Result<Run, Failure> {
    if draws == 0 {
        return Err(Failure::Usage("--simulate needs at least one draw".into()));
    }
    if model.uncertain.is_empty() {
        return Err(Failure::Message(
            "the model has no uncertain inputs to simulate: give a rate, amount, quantity, unit value or scale as a distribution, such as success = \"pert(0.3, 0.45, 0.6)\"".into(),
        ));
    }
    // Ctrl-C stops the run cleanly. Only one handler can be installed per
    // process; a second attempt changes nothing.
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::Relaxed));
    let bar = crate::progress::bar(draws as u64, "drawing");
    let options = Options {
        draws,
        seed: args.seed,
        threads: args.threads,
        keep_inputs: args.export_draws.is_some(),
    };
    let progress = |done: usize| bar.set_position(done as u64);
    let run =
        simulate::simulate(model, data, &options, &progress, &STOP).map_err(Failure::Internal)?;
    bar.finish_and_clear();
    if run.partial {
        eprintln!(
            "stopped: the figures cover {} of {} draws and are marked partial",
            run.outputs.len(),
            run.requested
        );
    }
    Ok(run)
}

/// Every draw as CSV (a header, one row per draw) or as a NumPy .npy
/// matrix of 64-bit floats (one column per input, then the outputs).
fn export_draws(model: &Model, run: &Run, path: &Path) -> Vec<u8> {
    let o = &run.outputs;
    let mut names: Vec<String> = model.uncertain.iter().map(|u| u.path.clone()).collect();
    names.extend(["npbi", "nppv", "financial_roi", "public_value_roi"].map(String::from));
    let mut columns: Vec<&[f64]> = o.inputs.iter().map(Vec::as_slice).collect();
    columns.extend([
        o.npbi.as_slice(),
        o.nppv.as_slice(),
        o.financial_roi.as_slice(),
        o.public_value_roi.as_slice(),
    ]);
    let n = o.len();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        // NPY version 1.0: magic, header length, a Python dict literal
        // padded so the data starts on a multiple of 64 bytes, then
        // little-endian rows.
        let header = format!(
            "{{'descr': '<f8', 'fortran_order': False, 'shape': ({n}, {}), }}",
            columns.len()
        );
        let unpadded = 10 + header.len() + 1;
        let padding = (64 - unpadded % 64) % 64;
        let mut bytes = Vec::with_capacity(unpadded + padding + n * columns.len() * 8);
        bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
        bytes.extend_from_slice(&((header.len() + padding + 1) as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend(std::iter::repeat_n(b' ', padding));
        bytes.push(b'\n');
        for j in 0..n {
            for c in &columns {
                bytes.extend_from_slice(&c[j].to_le_bytes());
            }
        }
        bytes
    } else {
        let mut text = names.join(",");
        text.push('\n');
        for j in 0..n {
            let row: Vec<String> = columns.iter().map(|c| c[j].to_string()).collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
        text.into_bytes()
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Message(format!("{}: {e}", path.display())))
}

fn is_workbook(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Reads and validates the model, or the bundled demonstration.
fn load(path: Option<&Path>, data: &ReferenceData) -> Result<Model, Failure> {
    let Some(path) = path else {
        return Ok(read_toml(DEMO_NAME, DEMO, data)?);
    };
    let name = path.display().to_string();
    let bytes = read_file(path)?;
    if is_workbook(path) {
        return Ok(xlsx::read_xlsx(&name, &bytes, data)?);
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::Message(format!(
            "{name}: not UTF-8 text (a model is TOML, or an .xlsx workbook)"
        ))
    })?;
    Ok(read_toml(&name, &text, data)?)
}

fn write_template(model: Option<&Path>, out: &Path) -> Result<(), Failure> {
    if !is_workbook(out) {
        return Err(Failure::Usage(format!(
            "the template is an Excel workbook: name it FILE.xlsx, not {}",
            out.display()
        )));
    }
    let raw = match model {
        None => None,
        Some(path) if is_workbook(path) => {
            return Err(Failure::Usage(
                "the model is already a workbook: copy it, or give a TOML model to fill the template from".into(),
            ));
        }
        Some(path) => {
            let bytes = read_file(path)?;
            let name = path.display().to_string();
            let text = String::from_utf8(bytes)
                .map_err(|_| Failure::Message(format!("{name}: not UTF-8 text")))?;
            // A template is only filled from a model that is valid.
            read_toml(&name, &text, ReferenceData::embedded())?;
            Some(oneplace_appraise::parse_raw_toml(&name, &text)?.0)
        }
    };
    let bytes = xlsx::write_template(raw.as_ref()).map_err(Failure::Internal)?;
    write(Some(out), &bytes)
}
