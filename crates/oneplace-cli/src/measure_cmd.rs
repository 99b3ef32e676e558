//! `oneplace measure` and `oneplace synth activity`: measuring what happened
//! on activity data, and writing synthetic activity to try it on.

use std::fs::File;
use std::path::{Path, PathBuf};

use oneplace_measure::{Engine, MeasureError, Watch, document, parse_spec, synth};

use crate::output::{check_binary_destination, emit, write};
use crate::results_cmd;
use crate::{Failure, Format};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Measure a cohort's costs before and after its intervention: gross
    /// change, net impact against the comparison group (difference in
    /// differences, with bootstrap intervals) and realised savings by
    /// agency. JSON output is what deals cite.
    Run {
        /// The measurement spec (TOML): inputs, data period, windows, price
        /// year, outcomes, bootstrap.
        spec: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Show one table: summary, per_person, savings, outcomes, costing,
        /// problems.
        #[arg(long, value_name = "ID")]
        table: Option<String>,
        /// Where the plan runs: `local` (DataFusion in this process) or
        /// `ballista://HOST:PORT` (an Apache Ballista cluster's scheduler).
        #[arg(long, value_name = "ENGINE", default_value = "local")]
        engine: String,
        /// With a Ballista engine: the folder, readable by every executor,
        /// where the checked tables are staged as Parquet (default: a
        /// temporary folder on this machine, removed afterwards).
        #[arg(long, value_name = "DIR")]
        stage: Option<PathBuf>,
    },
    /// Troubled Families claims by year: attachment fees, results payments
    /// by outcome (continuous employment superseding the others) and the
    /// one-in-six deduction, from a scheme file and per-family outcomes.
    Claims {
        /// The scheme (TOML): phase 1 or 2, with the programme's parameters
        /// as defaults.
        scheme: PathBuf,
        /// Per-family outcomes (CSV): family, attached, then the year each
        /// outcome was achieved.
        families: PathBuf,
        /// Show one family's payments, and why.
        #[arg(long, value_name = "FAMILY")]
        explain: Option<String>,
        #[command(flatten)]
        output: results_cmd::Output,
    },
    /// An outcome contract settled: rates against the comparison group,
    /// thresholds, the rate card, per-participant and total caps, each
    /// co-payer's share and the central top-up.
    Contract {
        /// The contract (TOML).
        contract: PathBuf,
        /// Participants' outcomes (CSV): participant, outcome, group,
        /// achieved.
        outcomes: PathBuf,
        #[command(flatten)]
        output: results_cmd::Output,
    },
    /// Earn-back by year: a share of measured savings or tax, capped each
    /// year, with what the cap withholds.
    EarnBack {
        /// The earn-back terms and measured amounts (TOML).
        file: PathBuf,
        #[command(flatten)]
        output: results_cmd::Output,
    },
    /// Better-Care-Fund-style metrics against plan: rates on their
    /// denominators, variance and on-track status in the direction of good.
    Metrics {
        /// The metrics, periods, plans and actuals (TOML).
        file: PathBuf,
        #[command(flatten)]
        output: results_cmd::Output,
    },
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run {
            spec,
            format,
            out,
            table,
            engine,
            stage,
        } => {
            let mut engine = Engine::parse(&engine).map_err(Failure::Usage)?;
            match (&mut engine, stage) {
                (Engine::Ballista { stage: s, .. }, Some(dir)) => *s = Some(dir),
                (Engine::Local, Some(_)) => {
                    return Err(Failure::Usage(
                        "--stage is for a Ballista engine (--engine ballista://HOST:PORT)".into(),
                    ));
                }
                _ => {}
            }
            run_measure(&spec, &engine, format, out.as_deref(), table.as_deref())
        }
        Command::Claims {
            scheme,
            families,
            explain,
            output,
        } => results_cmd::claims(&scheme, &families, explain.as_deref(), &output),
        Command::Contract {
            contract,
            outcomes,
            output,
        } => results_cmd::contract(&contract, &outcomes, &output),
        Command::EarnBack { file, output } => results_cmd::earn_back(&file, &output),
        Command::Metrics { file, output } => results_cmd::metrics(&file, &output),
    }
}

fn run_measure(
    spec: &Path,
    engine: &Engine,
    format: Format,
    out: Option<&Path>,
    table: Option<&str>,
) -> Result<(), Failure> {
    check_binary_destination(format, out)?;
    let text = std::fs::read_to_string(spec)
        .map_err(|e| Failure::Message(format!("{}: {e}", spec.display())))?;
    let base = spec.parent().unwrap_or(Path::new(""));
    let s = parse_spec(&spec.display().to_string(), &text, base)?;
    let watch = BarWatch::default();
    let m = oneplace_measure::run_watched(&s, engine, &watch);
    watch.finish();
    let m = m.map_err(|e| match e {
        MeasureError::Input(e) => Failure::Input(e),
        MeasureError::Engine(e) => Failure::Internal(e),
    })?;
    let json = serde_json::to_value(&m).expect("measurements serialise");
    emit(&document(&m), json, format, table, out)
}

/// A progress bar on reading the events, then a spinner on the plan; both
/// hidden unless standard error is a terminal.
#[derive(Default)]
struct BarWatch {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl BarWatch {
    fn finish(&self) {
        if let Some(b) = self.bar.lock().expect("not poisoned").take() {
            b.finish_and_clear();
        }
    }
}

impl Watch for BarWatch {
    fn reading(&self, total: u64, unit: &'static str) {
        let bar = crate::progress::reading_bar(total, &format!("reading events ({unit})"));
        *self.bar.lock().expect("not poisoned") = Some(bar);
    }
    fn read(&self, done: u64) {
        if let Some(b) = &*self.bar.lock().expect("not poisoned") {
            b.set_position(done);
        }
    }
    fn step(&self, what: &'static str) {
        self.finish();
        let spinner = crate::progress::spinner(what);
        *self.bar.lock().expect("not poisoned") = Some(spinner);
    }
}

/// Which synthetic events files to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventFiles {
    Both,
    Parquet,
    Csv,
}

/// Writes a fictional cohort, its costing map, its events (CSV, Parquet or
/// both) and a spec measuring them into `dir`. Each file is written to a
/// temporary name and renamed, so none is left partial.
pub fn synth_activity(
    people: usize,
    seed: u64,
    dir: &Path,
    files: EventFiles,
) -> Result<(), Failure> {
    if people == 0 {
        return Err(Failure::Usage("--people must be at least 1".into()));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Message(format!("{}: {e}", dir.display())))?;
    let fail =
        |path: &Path, e: std::io::Error| Failure::Message(format!("{}: {e}", path.display()));
    let tmp = |name: &str| dir.join(format!(".{name}.partial"));
    let (csv_tmp, pq_tmp) = (tmp("events.csv"), tmp("events.parquet"));
    let want_csv = files != EventFiles::Parquet;
    let want_pq = files != EventFiles::Csv;
    let written = (|| {
        let csv = want_csv
            .then(|| File::create(&csv_tmp).map_err(|e| fail(&csv_tmp, e)))
            .transpose()?;
        let pq = want_pq
            .then(|| File::create(&pq_tmp).map_err(|e| fail(&pq_tmp, e)))
            .transpose()?;
        synth::write_events(people, seed, csv, pq).map_err(|e| fail(dir, e))
    })();
    let events = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&csv_tmp);
            let _ = std::fs::remove_file(&pq_tmp);
            return Err(e);
        }
    };
    for (from, to, wanted) in [
        (&csv_tmp, "events.csv", want_csv),
        (&pq_tmp, "events.parquet", want_pq),
    ] {
        if !wanted {
            continue;
        }
        let to = dir.join(to);
        std::fs::rename(from, &to).map_err(|e| fail(&to, e))?;
    }
    write(
        Some(dir.join("cohort.csv").as_path()),
        synth::cohort_csv(people, seed).as_bytes(),
    )?;
    write(
        Some(dir.join("costing.csv").as_path()),
        synth::costing_csv().as_bytes(),
    )?;
    write(
        Some(dir.join("measure.toml").as_path()),
        synth::spec_toml(
            if want_pq {
                "events.parquet"
            } else {
                "events.csv"
            },
            seed,
        )
        .as_bytes(),
    )?;
    eprintln!(
        "wrote {people} people and {events} events to {} (measure them: oneplace measure run {})",
        dir.display(),
        dir.join("measure.toml").display()
    );
    Ok(())
}
