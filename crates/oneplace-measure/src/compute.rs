//! The plan, run by DataFusion on any `SessionContext`: the events'
//! contributions to the person table's cells (see [`crate::cells`]: each
//! checked event in a member's window, priced, as an amount for its
//! agency's cost cell and for each outcome counting its type) summed per
//! cell, then laid out as cost per member, agency and window and outcome
//! quantities per member, outcome and window. The context is the caller's,
//! so the same plan runs on an embedded engine or a cluster's.
//!
//! An embedded engine reads the contributions from memory. A cluster's
//! executors cannot see this process's memory, so for a cluster they are
//! staged as Parquet files in a folder the executors can read (on one
//! machine, any folder; across machines, a shared file system) and the
//! same SQL runs over them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

use crate::cells::{Cell, contribution_schema};
use crate::inputs::Inputs;
use crate::spec::Spec;

/// Before and after, per cohort member: the plan's output, one row per
/// member (which is small beside the events).
#[derive(Clone, Debug, PartialEq)]
pub struct PersonTable {
    pub agencies: usize,
    pub outcomes: usize,
    /// Cost, indexed `(member × agencies + agency) × 2 + window` (0 before,
    /// 1 after), in pounds of the spec's price year.
    pub cost: Vec<f64>,
    /// Outcome quantities, indexed `(member × outcomes + outcome) × 2 +
    /// window`.
    pub outcome: Vec<f64>,
    /// Events counted in either window, per member.
    pub events: Vec<u64>,
}

impl PersonTable {
    pub fn cost(&self, member: usize, agency: usize, window: usize) -> f64 {
        self.cost[(member * self.agencies + agency) * 2 + window]
    }
    pub fn outcome(&self, member: usize, outcome: usize, window: usize) -> f64 {
        self.outcome[(member * self.outcomes + outcome) * 2 + window]
    }
}

/// The plan: the contributions summed per cell, with how many made each
/// sum (for a cost cell, the events counted in it).
pub const CELL_SQL: &str = "\
SELECT cell, SUM(amount) AS amount, COUNT(*) AS n
FROM contributions
GROUP BY cell";

/// The embedded engine's context. DataFusion's own settings may be given
/// in the environment (`DATAFUSION_EXECUTION_TARGET_PARTITIONS=4`, say);
/// those not given are DataFusion's defaults.
pub fn local_context() -> SessionContext {
    let config = SessionConfig::from_env().unwrap_or_default();
    SessionContext::new_with_config(config)
}

/// Where the plan's input tables are put for the engine to read.
#[derive(Clone, Copy, Debug)]
pub enum Tables<'a> {
    /// In this process's memory (an embedded engine).
    Memory,
    /// As Parquet files under this folder (a cluster's executors).
    Staged(&'a Path),
}

/// Registers `partitions` of `schema` as table `name`.
async fn register(
    ctx: &SessionContext,
    tables: Tables<'_>,
    name: &str,
    schema: SchemaRef,
    partitions: Vec<Vec<RecordBatch>>,
) -> Result<(), DataFusionError> {
    match tables {
        Tables::Memory => {
            ctx.register_table(name, Arc::new(MemTable::try_new(schema, partitions)?))?;
        }
        Tables::Staged(stage) => {
            let dir = stage.join(name);
            std::fs::create_dir_all(&dir)?;
            for (i, part) in partitions.iter().enumerate() {
                // One file per partition (an empty one too, so that every
                // table has a file to take its schema from).
                if part.is_empty() && i > 0 {
                    continue;
                }
                let file = std::fs::File::create(dir.join(format!("part-{i}.parquet")))?;
                let mut writer = ArrowWriter::try_new(file, schema.clone(), None)?;
                for b in part {
                    writer.write(b)?;
                }
                writer.close()?;
            }
            let location: PathBuf = dir;
            ctx.register_parquet(
                name,
                location.to_string_lossy().as_ref(),
                ParquetReadOptions::default(),
            )
            .await?;
        }
    }
    Ok(())
}

/// Registers the inputs' contributions as a table in `ctx`, where
/// `tables` says, and runs the plan.
pub async fn person_table(
    ctx: &SessionContext,
    tables: Tables<'_>,
    spec: &Spec,
    inputs: &Inputs,
) -> Result<PersonTable, DataFusionError> {
    // Split into as many partitions as the context runs in parallel, so
    // the scan and the partial aggregates use every core.
    let parts = ctx.state().config().target_partitions().max(1);
    let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); parts];
    for (i, b) in inputs.contributions.iter().enumerate() {
        partitions[i % parts].push(b.clone());
    }
    register(
        ctx,
        tables,
        "contributions",
        contribution_schema(),
        partitions,
    )
    .await?;

    let members = inputs.members.len();
    let agencies = inputs.agencies.len();
    let outcomes = spec.outcomes.len();
    let cells = inputs.cells;
    let mut table = PersonTable {
        agencies,
        outcomes,
        cost: vec![0.0; members * agencies * 2],
        outcome: vec![0.0; members * outcomes * 2],
        events: vec![0; members],
    };
    let sums = ctx.sql(CELL_SQL).await?.collect().await;
    ctx.deregister_table("contributions")?;
    for b in sums? {
        let cell = u64s(b.column(0))?;
        let amount = f64s(b.column(1))?;
        let n = i64s(b.column(2))?;
        for i in 0..b.num_rows() {
            let sum = if amount.is_valid(i) {
                amount.value(i)
            } else {
                0.0
            };
            match cells.decode(cell.value(i)) {
                Cell::Cost {
                    member,
                    agency,
                    window,
                } => {
                    table.cost[(member * agencies + agency) * 2 + window] += sum;
                    table.events[member] += n.value(i) as u64;
                }
                Cell::Outcome {
                    member,
                    outcome,
                    window,
                } => table.outcome[(member * outcomes + outcome) * 2 + window] += sum,
            }
        }
    }
    Ok(table)
}

fn u64s(a: &ArrayRef) -> Result<UInt64Array, DataFusionError> {
    Ok(cast(a, &DataType::UInt64)?
        .as_any()
        .downcast_ref::<UInt64Array>()
        .expect("UInt64")
        .clone())
}

fn i64s(a: &ArrayRef) -> Result<Int64Array, DataFusionError> {
    Ok(cast(a, &DataType::Int64)?
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("Int64")
        .clone())
}

fn f64s(a: &ArrayRef) -> Result<Float64Array, DataFusionError> {
    Ok(cast(a, &DataType::Float64)?
        .as_any()
        .downcast_ref::<Float64Array>()
        .expect("Float64")
        .clone())
}
