//! `oneplace appraise`.

use std::path::{Path, PathBuf};

use oneplace_appraise::{Model, evaluate, explain, read_toml, report, xlsx};
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
    /// outcomes, costs, reference_data.
    #[arg(long, value_name = "ID")]
    table: Option<String>,
    /// Write the Excel input template to FILE.xlsx instead of appraising:
    /// blank, or filled in from MODEL when one is given.
    #[arg(long, value_name = "FILE.xlsx", conflicts_with_all = ["format", "table", "explain", "out"])]
    template: Option<PathBuf>,
    /// Trace a figure back to its inputs: npbi, financial_roi,
    /// cashable_financial_roi, nppv, public_value_roi, payback, agency:ID,
    /// outcome:ID or cost:ID.
    #[arg(long, value_name = "FIGURE")]
    explain: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let data = ReferenceData::embedded();
    if let Some(template) = &args.template {
        return write_template(args.model.as_deref(), template);
    }
    check_binary_destination(args.format, args.out.as_deref())?;
    let model = load(args.model.as_deref(), data)?;
    let appraisal = evaluate(&model, data);
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
        json_bytes(&report::to_json(&appraisal))
    } else {
        render(
            &report::document(&appraisal),
            args.format,
            args.table.as_deref(),
        )?
    };
    write(args.out.as_deref(), &bytes)
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
