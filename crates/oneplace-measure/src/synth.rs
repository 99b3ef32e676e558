//! Synthetic activity: a fictional cohort (treatment and comparison) and
//! its service events, with a planted effect, reproducible from a seed.
//!
//! Each person has a frailty drawn from a lognormal with mean 1 (the same
//! in both groups). Each event type happens at its monthly rate × frailty
//! before the person's start; after it, demand rises by [`TREND`] for
//! everyone (a common trend, which a before-and-after comparison wrongly
//! puts down to the programme), and the treatment group's rates fall by
//! [`PLANTED_EFFECT`] on top. Events are drawn month by month (Poisson
//! counts, uniform days, thinned to the day's rate) over the whole data
//! period, so some fall outside each person's windows.

use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, Date32Builder, Float64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use oneplace_core::{Date, days_in_month};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::days::day_number;

/// Treatment reduces every event type's rate by this share after start.
pub const PLANTED_EFFECT: f64 = 0.25;
/// Everyone's rates are multiplied by this after their start.
pub const TREND: f64 = 1.10;
/// The data period: 1 April 2023 to 31 March 2026. Starts fall in
/// 2024/25, so 12 months before and after are always covered.
pub const DATA_FROM: (i32, u32, u32) = (2023, 4, 1);
pub const DATA_TO: (i32, u32, u32) = (2026, 3, 31);

/// An event type: name, events per person per month before start, the
/// largest quantity of one event (quantities are 1 to it, evenly, so their
/// mean is (1 + max) / 2), local unit cost (2015/16 prices), agency.
pub struct EventType {
    pub name: &'static str,
    pub monthly_rate: f64,
    pub max_quantity: u32,
    pub unit_cost: f64,
    pub agency: &'static str,
}

/// The event types, with their rates and costs.
pub const TYPES: &[EventType] = &[
    EventType {
        name: "police-call-out",
        monthly_rate: 0.25,
        max_quantity: 1,
        unit_cost: 50.0,
        agency: "police",
    },
    EventType {
        name: "arrest",
        monthly_rate: 0.05,
        max_quantity: 1,
        unit_cost: 700.0,
        agency: "police",
    },
    EventType {
        name: "ae-attendance",
        monthly_rate: 0.15,
        max_quantity: 1,
        unit_cost: 110.0,
        agency: "nhs",
    },
    EventType {
        name: "social-work-visit",
        monthly_rate: 0.40,
        max_quantity: 1,
        unit_cost: 60.0,
        agency: "local-authority",
    },
    // Days excluded from school: 1, 2 or 3 per exclusion (mean 2).
    EventType {
        name: "school-exclusion",
        monthly_rate: 0.10,
        max_quantity: 3,
        unit_cost: 40.0,
        agency: "local-authority",
    },
];

/// One synthetic person.
struct Person {
    id: String,
    treated: bool,
    start: Date,
    frailty: f64,
    rng: ChaCha8Rng,
}

fn person(seed: u64, p: usize) -> Person {
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ p as u64);
    let first = day_number(Date::new(2024, 4, 1).expect("a date"));
    let start = crate::days::from_day_number(first + rng.random_range(0..365));
    // Lognormal with mean 1: exp(σZ − σ²/2), Z standard normal by
    // Box–Muller.
    let sigma: f64 = 0.5;
    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    Person {
        id: format!("p{:07}", p + 1),
        treated: p.is_multiple_of(2),
        start,
        frailty: (sigma * z - sigma * sigma / 2.0).exp(),
        rng,
    }
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    // Knuth's method: the rates here are small.
    let l = (-lambda).exp();
    let (mut k, mut p) = (0u32, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// The cohort file: `id,group,start,area` (the area is an attribute for
/// matching later).
pub fn cohort_csv(people: usize, seed: u64) -> String {
    let mut out = String::from("id,group,start,area\n");
    for p in 0..people {
        let x = person(seed, p);
        let group = if x.treated { "treatment" } else { "comparison" };
        let area = ["north", "south", "east", "west"][p / 2 % 4];
        out.push_str(&format!("{},{group},{},{area}\n", x.id, x.start));
    }
    out
}

/// The costing map: every type at its local unit cost in 2015/16 prices.
pub fn costing_csv() -> String {
    let mut out = String::from("event_type,ucd_code,unit_cost,price_year,agency\n");
    for t in TYPES {
        out.push_str(&format!(
            "{},,{},2015/16,{}\n",
            t.name, t.unit_cost, t.agency
        ));
    }
    out
}

/// A spec measuring the synthetic data (`events` names the events file).
pub fn spec_toml(events: &str, seed: u64) -> String {
    format!(
        r#"# A measurement of synthetic activity (oneplace synth activity).
measurement = "synthetic-activity"
name = "Synthetic activity, seed {seed}"
price_year = "2015/16"
events = "{events}"
cohort = "cohort.csv"
costing = "costing.csv"

[data]
from = "2023-04-01"
to = "2026-03-31"

[windows]
before_months = 12
after_months = 12

[bootstrap]
samples = 500
seed = {seed}
confidence = "95%"

[[outcome]]
id = "arrests"
name = "Arrests"
events = ["arrest"]
unit = "arrests per person"
"#
    )
}

/// The expected net impact on cost per treatment group member over a
/// 12-month after window: −effect × trend × 12 × Σ rate × quantity × cost
/// (frailty has mean 1).
pub fn planted_net_per_person() -> f64 {
    let monthly: f64 = TYPES
        .iter()
        .map(|t| t.monthly_rate * (1.0 + f64::from(t.max_quantity)) / 2.0 * t.unit_cost)
        .sum();
    -PLANTED_EFFECT * TREND * 12.0 * monthly
}

/// Writes the events as CSV to `csv` and as Parquet to `parquet` (either
/// may be left out), in the same order; returns how many. Events are
/// generated person by person and written in batches, so memory does not
/// grow with the number of people.
pub fn write_events<C: Write, P: Write + Send>(
    people: usize,
    seed: u64,
    csv: Option<C>,
    parquet: Option<P>,
) -> std::io::Result<u64> {
    let mut csv = csv.map(|c| std::io::BufWriter::with_capacity(1 << 20, c));
    if let Some(csv) = &mut csv {
        csv.write_all(b"id,date,event_type,quantity,cost,agency\n")?;
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("event_type", DataType::Utf8, false),
        Field::new("quantity", DataType::Float64, false),
        Field::new("cost", DataType::Float64, true),
        Field::new("agency", DataType::Utf8, true),
    ]));
    let io = |e: datafusion::parquet::errors::ParquetError| std::io::Error::other(e.to_string());
    let mut writer = parquet
        .map(|p| ArrowWriter::try_new(p, schema.clone(), None))
        .transpose()
        .map_err(io)?;
    let (mut ids, mut dates, mut types) = (
        StringBuilder::new(),
        Date32Builder::new(),
        StringBuilder::new(),
    );
    let (mut qs, mut costs, mut agencies) = (
        Float64Builder::new(),
        Float64Builder::new(),
        StringBuilder::new(),
    );
    let mut count = 0u64;
    let (fy, fm, _) = DATA_FROM;
    let (ty, tm, _) = DATA_TO;
    let months = (ty * 12 + tm as i32) - (fy * 12 + fm as i32) + 1;
    for p in 0..people {
        let mut x = person(seed, p);
        let start = day_number(x.start);
        for k in 0..months {
            let total = fy * 12 + fm as i32 - 1 + k;
            let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
            let dim = days_in_month(y, m);
            for t in TYPES {
                let max = TREND;
                let n = poisson(&mut x.rng, t.monthly_rate * x.frailty * max);
                for _ in 0..n {
                    let d =
                        Date::new(y, m, x.rng.random_range(1..=dim)).expect("a day of the month");
                    let after = day_number(d) >= start;
                    let factor = match (after, x.treated) {
                        (false, _) => 1.0,
                        (true, false) => TREND,
                        (true, true) => TREND * (1.0 - PLANTED_EFFECT),
                    };
                    if x.rng.random::<f64>() * max >= factor {
                        continue;
                    }
                    let q = f64::from(x.rng.random_range(1..=t.max_quantity));
                    if let Some(csv) = &mut csv {
                        writeln!(csv, "{},{d},{},{q},,", x.id, t.name)?;
                    }
                    if writer.is_some() {
                        ids.append_value(&x.id);
                        dates.append_value(day_number(d));
                        types.append_value(t.name);
                        qs.append_value(q);
                        costs.append_null();
                        agencies.append_null();
                    }
                    count += 1;
                }
            }
        }
        if let Some(writer) = &mut writer
            && (ids.len() >= 64 * 1024 || p + 1 == people)
        {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(ids.finish()),
                Arc::new(dates.finish()),
                Arc::new(types.finish()),
                Arc::new(qs.finish()),
                Arc::new(costs.finish()),
                Arc::new(agencies.finish()),
            ];
            let batch = RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            writer.write(&batch).map_err(io)?;
        }
    }
    if let Some(writer) = writer {
        writer.close().map_err(io)?;
    }
    if let Some(csv) = &mut csv {
        csv.flush()?;
    }
    Ok(count)
}
