//! The `oneplace` command line: thin wiring of the library crates.
//!
//! Exit codes: 0 success; 1 the input is wrong (the message says where);
//! 2 usage; 3 internal error.

mod appraise_cmd;
mod charts;
mod deal_cmd;
mod estate_cmd;
mod ledger_cmd;
mod measure_cmd;
mod output;
mod pool_cmd;
mod progress;
mod results_cmd;
mod serve_cmd;
mod ucd_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use oneplace_core::InputError;

/// oneplace: make the case, run the pool, measure what happened, strike the deal.
#[derive(Parser)]
#[command(name = "oneplace", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the web application's audit log.
    Audit {
        #[command(subcommand)]
        command: serve_cmd::AuditCommand,
    },
    /// Appraise a model (TOML or the Excel template): the financial and
    /// economic case, who pays and who benefits, and a fair split.
    ///
    /// With no MODEL, appraises the bundled family-support example.
    Appraise(appraise_cmd::Args),
    /// The reform deal: check its evidence, write its document, balance it.
    Deal {
        #[command(subcommand)]
        command: deal_cmd::Command,
    },
    /// The shared public estate: import partners' property extracts into
    /// one register, report on it (costs, utilisation, co-location, the
    /// programme, a map), appraise asset options.
    Estate {
        #[command(subcommand)]
        command: estate_cmd::Command,
    },
    /// The pooled-fund ledger: check journals and report from them.
    Ledger {
        #[command(subcommand)]
        command: ledger_cmd::Command,
    },
    /// Places in the web application's database.
    Place {
        #[command(subcommand)]
        command: serve_cmd::PlaceCommand,
    },
    /// Measure what happened: costed activity before and after an
    /// intervention, gross change, net impact against a comparison group,
    /// realised savings by agency.
    Measure {
        #[command(subcommand)]
        command: measure_cmd::Command,
    },
    /// Risk-share agreements and contributions: settle a year (or forecast
    /// the settlement), plan next year's contributions.
    Pool {
        #[command(subcommand)]
        command: pool_cmd::Command,
    },
    /// Run the partnership's shared workspace: the web application and its
    /// JSON API, on a SQLite file or PostgreSQL.
    Serve(serve_cmd::ServeArgs),
    /// Synthetic data for trying the tools and measuring them.
    Synth {
        #[command(subcommand)]
        command: SynthCommand,
    },
    /// Look up the Unit Cost Database.
    Ucd {
        #[command(subcommand)]
        command: UcdCommand,
    },
}

#[derive(Subcommand)]
enum SynthCommand {
    /// A fictional pooled fund's journal (partners, sources, schemes,
    /// budgets, contributions, a year or more of spending), reproducible
    /// from its seed.
    Ledger {
        /// How many postings (at most; the journal never has more).
        #[arg(long, default_value_t = 100_000)]
        postings: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// A fictional cohort (treatment and comparison), its service events
    /// (CSV and Parquet) with a planted effect, a costing map and a spec
    /// measuring them, reproducible from the seed.
    Activity {
        /// How many people (half treatment, half comparison).
        #[arg(long, default_value_t = 1_000)]
        people: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The folder to write into (created if need be).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Which events files to write: both, parquet or csv (at a hundred
        /// million events the CSV file is several gigabytes).
        #[arg(long, value_enum, default_value_t = measure_cmd::EventFiles::Both)]
        events: measure_cmd::EventFiles,
    },
}

#[derive(Subcommand)]
enum UcdCommand {
    /// Show one entry, its values uprated to a price year, and its place in
    /// the hierarchy.
    Show {
        /// A code such as CR2.0 or E&E1.0.1.
        code: String,
        /// The price year to uprate to (default: the database's own, 2015/16).
        #[arg(long, value_name = "YYYY/YY")]
        price_year: Option<String>,
        /// A GDP deflator vintage from a CSV file (year,percent_change,
        /// forecast), for price years the shipped vintage does not cover.
        #[arg(long, value_name = "FILE.csv")]
        deflators: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Find entries whose code, description, category, unit or agency
    /// contain every word.
    Search {
        #[arg(required = true)]
        words: Vec<String>,
        /// Show at most this many entries.
        #[arg(long, default_value_t = 25)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for reading.
    Table,
    /// JSON for scripts.
    Json,
    /// CSV for spreadsheets.
    Csv,
    /// An Excel workbook (needs --out).
    Xlsx,
}

/// What went wrong, by who must fix it.
#[derive(Debug)]
pub enum Failure {
    /// The input is wrong.
    Input(InputError),
    /// The input is wrong, in a way with no finer location.
    Message(String),
    /// The command was used wrongly.
    Usage(String),
    /// oneplace failed.
    Internal(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Failure {
        Failure::Input(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Appraise(args) => appraise_cmd::run(args),
        Command::Audit { command } => serve_cmd::audit(command),
        Command::Serve(args) => serve_cmd::serve(args),
        Command::Deal { command } => deal_cmd::run(command),
        Command::Estate { command } => estate_cmd::run(command),
        Command::Ledger { command } => ledger_cmd::run(command),
        Command::Place { command } => serve_cmd::place(command),
        Command::Measure { command } => measure_cmd::run(command),
        Command::Pool { command } => pool_cmd::run(command),
        Command::Synth {
            command:
                SynthCommand::Ledger {
                    postings,
                    seed,
                    out,
                },
        } => output::write(
            out.as_deref(),
            oneplace_ledger::synth::synthesize(postings, seed).as_bytes(),
        ),
        Command::Synth {
            command:
                SynthCommand::Activity {
                    people,
                    seed,
                    out,
                    events,
                },
        } => measure_cmd::synth_activity(people, seed, &out, events),
        Command::Ucd { command } => match command {
            UcdCommand::Show {
                code,
                price_year,
                deflators,
                format,
                out,
            } => ucd_cmd::show(
                &code,
                price_year.as_deref(),
                deflators.as_deref(),
                format,
                out.as_deref(),
            ),
            UcdCommand::Search {
                words,
                limit,
                format,
                out,
            } => ucd_cmd::search(&words, limit, format, out.as_deref()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
        Err(Failure::Message(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(m)) => {
            eprintln!("internal error: {m}");
            ExitCode::from(3)
        }
    }
}
