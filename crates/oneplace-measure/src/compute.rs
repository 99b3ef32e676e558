//! The plan: checked events, the cohort's windows and the costing map as
//! tables in a DataFusion `SessionContext`; SQL prices each event and sums
//! cost per person, agency and window, and outcome quantities per person,
//! outcome and window. The context is the caller's, so the same plan runs
//! on an embedded engine or a cluster's.
//!
//! An embedded engine reads the tables from memory. A cluster's executors
//! cannot see this process's memory, so for a cluster the tables are
//! staged as Parquet files in a folder the executors can read (on one
//! machine, any folder; across machines, a shared file system) and the
//! same SQL runs over them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Float64Builder, Int32Builder, Int64Array, RecordBatch,
    UInt32Array, UInt32Builder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

use crate::inputs::{Inputs, events_schema};
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

/// The cost query: each event in a member's windows priced by its own cost,
/// or its quantity times its type's unit cost; its own agency, or its
/// type's.
pub const COST_SQL: &str = "\
SELECT e.person, COALESCE(e.agency, k.agency) AS agency,
       CAST(CASE WHEN e.day_no < c.start_day THEN 0 ELSE 1 END AS BIGINT) AS win,
       SUM(COALESCE(e.cost, e.quantity * k.unit_cost)) AS cost,
       COUNT(*) AS events
FROM events e
JOIN cohort c ON e.person = c.person
LEFT JOIN costing k ON e.etype = k.etype
WHERE e.day_no >= c.before_from AND e.day_no < c.after_to
GROUP BY 1, 2, 3";

/// The outcome query: the quantity of each outcome's event types in each
/// member's windows.
pub const OUTCOME_SQL: &str = "\
SELECT e.person, o.outcome,
       CAST(CASE WHEN e.day_no < c.start_day THEN 0 ELSE 1 END AS BIGINT) AS win,
       SUM(e.quantity) AS n
FROM events e
JOIN cohort c ON e.person = c.person
JOIN outcome_types o ON e.etype = o.etype
WHERE e.day_no >= c.before_from AND e.day_no < c.after_to
GROUP BY 1, 2, 3";

fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>) -> Result<RecordBatch, DataFusionError> {
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

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

async fn register_one(
    ctx: &SessionContext,
    tables: Tables<'_>,
    name: &str,
    b: RecordBatch,
) -> Result<(), DataFusionError> {
    register(ctx, tables, name, b.schema(), vec![vec![b]]).await
}

/// Registers the inputs as tables in `ctx`, where `tables` says, and runs
/// the plan.
pub async fn person_table(
    ctx: &SessionContext,
    tables: Tables<'_>,
    spec: &Spec,
    inputs: &Inputs,
) -> Result<PersonTable, DataFusionError> {
    // Events: split into as many partitions as the context runs in
    // parallel, so the scan and the partial aggregates use every core.
    let parts = ctx.state().config().target_partitions().max(1);
    let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); parts];
    for (i, b) in inputs.events.iter().enumerate() {
        partitions[i % parts].push(b.clone());
    }
    let schema = events_schema();
    let renamed = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| {
                let name = if f.name() == "day" {
                    "day_no"
                } else {
                    f.name().as_str()
                };
                Field::new(name, f.data_type().clone(), f.is_nullable())
            })
            .collect::<Vec<_>>(),
    ));
    let partitions: Vec<Vec<RecordBatch>> = partitions
        .into_iter()
        .map(|p| {
            p.into_iter()
                .map(|b| RecordBatch::try_new(renamed.clone(), b.columns().to_vec()))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    register(ctx, tables, "events", renamed, partitions).await?;

    let mut person = UInt32Builder::new();
    let (mut from, mut start, mut to) = (
        Int32Builder::new(),
        Int32Builder::new(),
        Int32Builder::new(),
    );
    for (i, m) in inputs.members.iter().enumerate() {
        person.append_value(i as u32);
        from.append_value(m.before_from);
        start.append_value(m.start_day);
        to.append_value(m.after_to);
    }
    register_one(
        ctx,
        tables,
        "cohort",
        batch(
            vec![
                Field::new("person", DataType::UInt32, false),
                Field::new("before_from", DataType::Int32, false),
                Field::new("start_day", DataType::Int32, false),
                Field::new("after_to", DataType::Int32, false),
            ],
            vec![
                Arc::new(person.finish()),
                Arc::new(from.finish()),
                Arc::new(start.finish()),
                Arc::new(to.finish()),
            ],
        )?,
    )
    .await?;

    let (mut etype, mut unit, mut agency) = (
        UInt32Builder::new(),
        Float64Builder::new(),
        UInt32Builder::new(),
    );
    for (i, c) in inputs.costing.iter().enumerate() {
        etype.append_value(i as u32);
        unit.append_value(c.unit_cost);
        let a = inputs
            .agencies
            .iter()
            .position(|x| x == &c.agency)
            .expect("costing agencies are numbered");
        agency.append_value(a as u32);
    }
    register_one(
        ctx,
        tables,
        "costing",
        batch(
            vec![
                Field::new("etype", DataType::UInt32, false),
                Field::new("unit_cost", DataType::Float64, false),
                Field::new("agency", DataType::UInt32, false),
            ],
            vec![
                Arc::new(etype.finish()),
                Arc::new(unit.finish()),
                Arc::new(agency.finish()),
            ],
        )?,
    )
    .await?;

    let (mut outcome, mut otype) = (UInt32Builder::new(), UInt32Builder::new());
    for (i, o) in spec.outcomes.iter().enumerate() {
        for (t, _) in &o.events {
            if let Some(n) = inputs.event_types.iter().position(|x| x == t) {
                outcome.append_value(i as u32);
                otype.append_value(n as u32);
            }
        }
    }
    register_one(
        ctx,
        tables,
        "outcome_types",
        batch(
            vec![
                Field::new("outcome", DataType::UInt32, false),
                Field::new("etype", DataType::UInt32, false),
            ],
            vec![Arc::new(outcome.finish()), Arc::new(otype.finish())],
        )?,
    )
    .await?;

    let members = inputs.members.len();
    let agencies = inputs.agencies.len();
    let outcomes = spec.outcomes.len();
    let mut table = PersonTable {
        agencies,
        outcomes,
        cost: vec![0.0; members * agencies * 2],
        outcome: vec![0.0; members * outcomes * 2],
        events: vec![0; members],
    };
    for b in ctx.sql(COST_SQL).await?.collect().await? {
        let p = u32s(b.column(0))?;
        let a = u32s(b.column(1))?;
        let w = i64s(b.column(2))?;
        let c = f64s(b.column(3))?;
        let n = i64s(b.column(4))?;
        for i in 0..b.num_rows() {
            let (m, ag, win) = (
                p.value(i) as usize,
                a.value(i) as usize,
                w.value(i) as usize,
            );
            table.cost[(m * agencies + ag) * 2 + win] +=
                if c.is_valid(i) { c.value(i) } else { 0.0 };
            table.events[m] += n.value(i) as u64;
        }
    }
    if outcomes > 0 {
        for b in ctx.sql(OUTCOME_SQL).await?.collect().await? {
            let p = u32s(b.column(0))?;
            let o = u32s(b.column(1))?;
            let w = i64s(b.column(2))?;
            let q = f64s(b.column(3))?;
            for i in 0..b.num_rows() {
                let (m, oc, win) = (
                    p.value(i) as usize,
                    o.value(i) as usize,
                    w.value(i) as usize,
                );
                table.outcome[(m * outcomes + oc) * 2 + win] +=
                    if q.is_valid(i) { q.value(i) } else { 0.0 };
            }
        }
    }
    for name in ["events", "cohort", "costing", "outcome_types"] {
        ctx.deregister_table(name)?;
    }
    Ok(table)
}

fn u32s(a: &ArrayRef) -> Result<UInt32Array, DataFusionError> {
    Ok(cast(a, &DataType::UInt32)?
        .as_any()
        .downcast_ref::<UInt32Array>()
        .expect("UInt32")
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
