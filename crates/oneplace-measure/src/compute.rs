//! The plan, run by DataFusion on any `SessionContext`: the events'
//! contributions to the person table's cells (see [`crate::cells`]: each
//! checked event in a member's window, priced, as an amount for its
//! agency's cost cell and for each outcome counting its type) summed per
//! cell, then laid out as cost per member, agency and window and outcome
//! quantities per member, outcome and window. The context is the caller's,
//! so the same plan runs on an embedded engine or a cluster's.
//!
//! An embedded engine is fed the contributions as the reader makes them
//! (a streamed table), so the sums proceed while the events are read and
//! the contributions are never all held. A cluster's executors cannot see
//! this process's memory, so for a cluster they are kept until the reading
//! is done and staged as Parquet files in a folder the executors can read
//! (on one machine, any folder; across machines, a shared file system),
//! and the same SQL runs over them.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

use crate::cells::{Cell, contribution_schema};
use crate::inputs::Inputs;
use crate::spec::Spec;
use tokio::sync::mpsc;

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
/// those not given are DataFusion's defaults but one (below).
pub fn local_context() -> SessionContext {
    let mut config = SessionConfig::from_env().unwrap_or_default();
    // Each cell has only a few contributions, so summing each partition's
    // share before the shuffle saves little and holds a second table of
    // every cell: the contributions go to their final partition straight
    // away, unless the environment says otherwise.
    if std::env::var_os(SKIP_PARTIAL_SETTING).is_none() {
        config
            .options_mut()
            .execution
            .skip_partial_aggregation_probe_ratio_threshold = 0.0;
    }
    SessionContext::new_with_config(config)
}

const SKIP_PARTIAL_SETTING: &str =
    "DATAFUSION_EXECUTION_SKIP_PARTIAL_AGGREGATION_PROBE_RATIO_THRESHOLD";

/// Where the reader hands each batch of contributions as it is made.
pub trait Deliver: Sync {
    fn deliver(&self, batch: RecordBatch);
}

/// Contributions kept in memory until the reading is done: for a cluster,
/// whose executors are given them staged as files.
#[derive(Default)]
pub struct Kept(Mutex<Vec<RecordBatch>>);

impl Kept {
    pub fn into_batches(self) -> Vec<RecordBatch> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Deliver for Kept {
    fn deliver(&self, batch: RecordBatch) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(batch);
    }
}

/// Contributions streamed into an embedded engine's plan as they are made,
/// so the sums proceed while the events are read and the contributions
/// are never all held. Dropping the feed ends the table.
pub struct Feed {
    senders: Vec<mpsc::Sender<RecordBatch>>,
    next: AtomicUsize,
}

impl Deliver for Feed {
    fn deliver(&self, batch: RecordBatch) {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.senders.len();
        // A send fails only when the plan has stopped, having failed: its
        // error is what is reported, and the batch is not needed.
        let _ = self.senders[i].blocking_send(batch);
    }
}

/// Batches in flight per partition: enough to keep the plan busy, few
/// enough that memory does not grow with the events.
const IN_FLIGHT: usize = 4;

/// One partition of the streamed table: the batches its channel brings.
#[derive(Debug)]
struct Channel {
    schema: SchemaRef,
    receiver: Mutex<Option<mpsc::Receiver<RecordBatch>>>,
}

impl PartitionStream for Channel {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        // The plan runs once; a second execution would find the channel
        // taken and see no batches.
        let receiver = self
            .receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let batches = futures::stream::unfold(receiver, |receiver| async move {
            let mut receiver = receiver?;
            let batch = receiver.recv().await?;
            Some((Ok(batch), Some(receiver)))
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches))
    }
}

/// Registers the contributions table in `ctx` as streamed from the
/// returned feed, in as many partitions as the context runs in parallel
/// (so the partial sums use every core).
pub fn feed(ctx: &SessionContext) -> Result<Feed, DataFusionError> {
    let parts = ctx.state().config().target_partitions().max(1);
    let schema = contribution_schema();
    let mut senders = Vec::with_capacity(parts);
    let mut partitions: Vec<Arc<dyn PartitionStream>> = Vec::with_capacity(parts);
    for _ in 0..parts {
        let (send, receive) = mpsc::channel(IN_FLIGHT);
        senders.push(send);
        partitions.push(Arc::new(Channel {
            schema: schema.clone(),
            receiver: Mutex::new(Some(receive)),
        }));
    }
    ctx.register_table(
        "contributions",
        Arc::new(StreamingTable::try_new(schema, partitions)?),
    )?;
    Ok(Feed {
        senders,
        next: AtomicUsize::new(0),
    })
}

/// Stages `batches` as Parquet files in a folder under `stage` and
/// registers them in `ctx` as the contributions table.
pub async fn stage(
    ctx: &SessionContext,
    stage: &Path,
    batches: Vec<RecordBatch>,
) -> Result<(), DataFusionError> {
    let dir = stage.join("contributions");
    std::fs::create_dir_all(&dir)?;
    let schema = contribution_schema();
    let parts = ctx.state().config().target_partitions().max(1);
    let mut writers = Vec::with_capacity(parts);
    for i in 0..parts {
        // One file per partition, an empty one too, so that the table has
        // a file to take its schema from.
        let file = std::fs::File::create(dir.join(format!("part-{i}.parquet")))?;
        writers.push(ArrowWriter::try_new(file, schema.clone(), None)?);
    }
    for (i, b) in batches.iter().enumerate() {
        writers[i % parts].write(b)?;
    }
    for w in writers {
        w.close()?;
    }
    ctx.register_parquet(
        "contributions",
        dir.to_string_lossy().as_ref(),
        ParquetReadOptions::default(),
    )
    .await
}

/// Runs the plan on the contributions table registered in `ctx`, and
/// deregisters it.
pub async fn sum_cells(ctx: &SessionContext) -> Result<Vec<RecordBatch>, DataFusionError> {
    let sums = match ctx.sql(CELL_SQL).await {
        Ok(frame) => frame.collect().await,
        Err(e) => Err(e),
    };
    ctx.deregister_table("contributions")?;
    sums
}

/// Lays the plan's sums out as the per-person table.
pub fn person_table(
    sums: &[RecordBatch],
    spec: &Spec,
    inputs: &Inputs,
) -> Result<PersonTable, DataFusionError> {
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
    for b in sums {
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
