//! `oneplace estate …`: the shared public estate — import partners'
//! property extracts into the register, report on it (with the map and the
//! programme), and appraise asset options.

use std::path::{Path, PathBuf};

use oneplace_estate::analysis::analyse;
use oneplace_estate::document::{estate_document, options_document};
use oneplace_estate::map::map_svg;
use oneplace_estate::options::{appraise_options, read_options};
use oneplace_estate::programme::{read_programme, track};
use oneplace_estate::{
    ExtractFormat, Place, Register, import, read_extract, read_mapping, read_place, read_register,
    write_register,
};
use oneplace_refdata::ReferenceData;

use crate::output::{check_binary_destination, json_bytes, render, write};
use crate::{Failure, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import a partner's property extract (CSV or XLSX) into the register,
    /// read through the partner's mapping file. All or nothing; importing
    /// the same extract again changes nothing; a changed value for a site
    /// already in the register is refused unless --update.
    Import {
        /// The place file (partners, price year, register).
        place: PathBuf,
        /// The partner's extract: a .csv or .xlsx file.
        extract: PathBuf,
        /// The partner's mapping (TOML: columns, units, codes).
        #[arg(long, value_name = "MAPPING.toml")]
        mapping: PathBuf,
        /// The register (default: the place file's `register`).
        #[arg(long, value_name = "FILE")]
        register: Option<PathBuf>,
        /// Replace the values of sites already in the register, reporting
        /// every changed field.
        #[arg(long)]
        update: bool,
        /// Check the extract and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The estate by partner, running costs, every site's cost per m² and
    /// per occupant, under-used buildings, co-location candidates; with
    /// --programme the programme against its targets; with --map an SVG
    /// map of every partner's sites.
    Report {
        /// The place file.
        place: PathBuf,
        /// The register (default: the place file's `register`).
        #[arg(long, value_name = "FILE")]
        register: Option<PathBuf>,
        /// Under-used below this utilisation, such as 60% or 0.6 (default:
        /// the place file's).
        #[arg(long, value_name = "SHARE")]
        under_used_below: Option<String>,
        /// Co-location candidates within this many kilometres (default: the
        /// place file's).
        #[arg(long, value_name = "KM")]
        within: Option<f64>,
        /// A programme file: capital receipts, savings, jobs and homes
        /// against targets by year.
        #[arg(long, value_name = "PROGRAMME.toml")]
        programme: Option<PathBuf>,
        /// Also write the map of every partner's sites (SVG) to FILE.
        #[arg(long, value_name = "FILE.svg")]
        map: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One table only: its id.
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
    /// Appraise asset options (co-locations, disposals) with the appraisal
    /// engine: each option's financial and economic case beside capital
    /// receipts, running-cost savings, jobs and homes.
    Options {
        /// The place file.
        place: PathBuf,
        /// The options file (TOML).
        options: PathBuf,
        /// The register (default: the place file's `register`).
        #[arg(long, value_name = "FILE")]
        register: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One table only: its id.
        #[arg(long, value_name = "ID")]
        table: Option<String>,
    },
}

fn text_of(path: &Path) -> Result<String, Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| Failure::Message(format!("{}: not UTF-8 text", path.display())))
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// The place, and where its register is.
fn place_and_register(
    place_path: &Path,
    register: Option<&Path>,
) -> Result<(Place, PathBuf), Failure> {
    let place = read_place(&name(place_path), &text_of(place_path)?)?;
    let path = match (register, &place.register) {
        (Some(r), _) => r.to_path_buf(),
        (None, Some(r)) => place_path.parent().unwrap_or(Path::new("")).join(r),
        (None, None) => {
            return Err(Failure::Usage(format!(
                "{} names no register: give --register FILE, or register = \"FILE\" in its [place]",
                place_path.display()
            )));
        }
    };
    Ok((place, path))
}

fn existing_register(place: &Place, path: &Path) -> Result<Register, Failure> {
    if !path.exists() {
        return Err(Failure::Message(format!(
            "{}: there is no register yet: import a partner's extract first (oneplace estate import)",
            path.display()
        )));
    }
    Ok(read_register(place, &name(path), &text_of(path)?)?)
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Import {
            place,
            extract,
            mapping,
            register,
            update,
            dry_run,
        } => run_import(
            &place,
            &extract,
            &mapping,
            register.as_deref(),
            update,
            dry_run,
        ),
        Command::Report {
            place,
            register,
            under_used_below,
            within,
            programme,
            map,
            format,
            out,
            table,
        } => {
            check_binary_destination(format, out.as_deref())?;
            let (place, path) = place_and_register(&place, register.as_deref())?;
            let register = existing_register(&place, &path)?;
            let mut thresholds = place.analysis;
            if let Some(u) = under_used_below {
                thresholds.under_used_below = oneplace_core::parse_rate(&u)
                    .ok()
                    .filter(|x| (0.0..=1.0).contains(x))
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "--under-used-below: '{u}' is not a share from 0% to 100% (write 60% or 0.6)"
                        ))
                    })?;
            }
            if let Some(km) = within {
                if !(km.is_finite() && km > 0.0) {
                    return Err(Failure::Usage(format!(
                        "--within: {km} is not a distance above 0 km"
                    )));
                }
                thresholds.co_location_within_km = km;
            }
            let programme = match &programme {
                Some(p) => Some(track(&read_programme(&name(p), &text_of(p)?)?)),
                None => None,
            };
            let analysis = analyse(&place, &register, thresholds);
            // Everything is computed before anything is written.
            let bytes = if format == Format::Json {
                let mut value = serde_json::json!({
                    "place": place,
                    "analysis": analysis,
                });
                if let Some(p) = &programme {
                    value["programme"] = serde_json::to_value(p).expect("programmes serialise");
                }
                round_json(&mut value, None);
                json_bytes(&value)
            } else {
                let doc = estate_document(&place, &register, &analysis, programme.as_ref());
                render(&doc, format, table.as_deref())?
            };
            if let Some(path) = &map {
                let svg = map_svg(
                    &place,
                    &register,
                    &analysis.co_location,
                    thresholds.co_location_within_km,
                );
                write(Some(path), svg.as_bytes())?;
            }
            write(out.as_deref(), &bytes)
        }
        Command::Options {
            place,
            options,
            register,
            format,
            out,
            table,
        } => {
            check_binary_destination(format, out.as_deref())?;
            let (place, path) = place_and_register(&place, register.as_deref())?;
            let register = existing_register(&place, &path)?;
            let data = ReferenceData::embedded();
            let file = read_options(
                &name(&options),
                &text_of(&options)?,
                &place,
                &register,
                data,
            )?;
            let results = appraise_options(&place, &register, &file, data);
            let bytes = if format == Format::Json {
                let options: Vec<serde_json::Value> = results
                    .iter()
                    .map(|r| {
                        let mut v = serde_json::to_value(r).expect("options serialise");
                        round_json(&mut v, None);
                        v["appraisal"] = oneplace_appraise::report::to_json(&r.appraisal);
                        v
                    })
                    .collect();
                json_bytes(&serde_json::json!({
                    "place": place.name,
                    "settings": file.settings,
                    "options": options,
                }))
            } else {
                render(
                    &options_document(&place, &file.settings, &results),
                    format,
                    table.as_deref(),
                )?
            };
            write(out.as_deref(), &bytes)
        }
    }
}

fn run_import(
    place_path: &Path,
    extract: &Path,
    mapping: &Path,
    register: Option<&Path>,
    update: bool,
    dry_run: bool,
) -> Result<(), Failure> {
    let (place, path) = place_and_register(place_path, register)?;
    let current = if path.exists() {
        read_register(&place, &name(&path), &text_of(&path)?)?
    } else {
        Register::default()
    };
    let map = read_mapping(&name(mapping), &text_of(mapping)?, &place)?;
    let bytes = std::fs::read(extract)
        .map_err(|e| Failure::Message(format!("{}: {e}", extract.display())))?;
    let grid = read_extract(
        &name(extract),
        &bytes,
        ExtractFormat::of(&name(extract)),
        map.sheet.as_deref(),
        map.header_row,
    )?;
    let outcome = import(&place, &current, &map, &grid, update)?;
    let written = if dry_run || !outcome.changes_register() {
        false
    } else {
        write(Some(&path), write_register(&outcome.register).as_bytes())?;
        true
    };
    for c in &outcome.changed {
        let fields: Vec<String> = c
            .fields
            .iter()
            .map(|f| format!("{} {} → {}", f.field, blank(&f.old), blank(&f.new)))
            .collect();
        eprintln!("changed {} (row {}): {}", c.site, c.row, fields.join("; "));
    }
    for id in &outcome.added {
        eprintln!("added {id}");
    }
    if !outcome.not_in_extract.is_empty() {
        let ids: Vec<String> = outcome
            .not_in_extract
            .iter()
            .map(ToString::to_string)
            .collect();
        eprintln!(
            "kept, not in this extract: {} (an import never removes a site)",
            ids.join(", ")
        );
    }
    eprintln!(
        "{}: {} rows: {} added, {} unchanged, {} changed; {}",
        extract.display(),
        outcome.rows,
        outcome.added.len(),
        outcome.unchanged,
        outcome.changed.len(),
        if written {
            format!("{} written", path.display())
        } else if dry_run {
            "dry run: nothing written".to_string()
        } else {
            format!("{} unchanged", path.display())
        }
    );
    Ok(())
}

fn blank(text: &str) -> &str {
    if text.is_empty() { "(blank)" } else { text }
}

/// Rounds the estate's figures for export: coordinates to six decimals,
/// shares to four, distances to metres, everything else (pounds, areas) to
/// two.
fn round_json(value: &mut serde_json::Value, key: Option<&str>) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let scale = match key {
                Some("lat" | "lon") => 1e6,
                Some(
                    "utilisation" | "under_used_below" | "deadweight" | "displacement" | "leakage",
                ) => 1e4,
                Some(k) if k.ends_with("km") => 1e3,
                _ => 100.0,
            };
            let x = n.as_f64().unwrap_or_default();
            let rounded = (x * scale).round() / scale;
            let rounded = if rounded == 0.0 { 0.0 } else { rounded };
            if let Some(r) = serde_json::Number::from_f64(rounded) {
                *n = r;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                round_json(item, key);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                round_json(v, Some(k));
            }
        }
        _ => {}
    }
}
