//! The person table's cells, and how a checked event adds to them.
//!
//! A measurement sums, per cohort member and window (before or after the
//! member's start), the cost borne by each agency and the quantity of each
//! outcome's event types. Each such sum is a *cell*, numbered so that one
//! integer names it: the cost cells first, then the outcome cells. An
//! event in a member's window makes one cost contribution (its cost, to
//! its agency's cell) and one outcome contribution for each outcome that
//! counts its type; an event outside the member's windows makes none.
//!
//! Turning an event into contributions needs its member's windows and its
//! type's unit cost and agency, which are exactly what checking the event
//! looks up; so the reader does it as it checks, and the engine's plan is
//! one aggregation, the sum of the contributions per cell
//! ([`crate::compute::CELL_SQL`]).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// How cells are numbered: a cost cell is `member`, `agency` and `window`
/// side by side in the bits of one integer, an outcome cell likewise
/// after the last cost cell, so that reading a cell back takes shifts, not
/// divisions (there are as many cells as the plan has rows to give back).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cells {
    pub members: usize,
    /// Agency numbers run below `1 << agency_bits` (room for every agency
    /// the vocabulary knows, since an event's own agency is only known
    /// once it is read).
    pub agency_bits: u32,
    /// Outcome numbers run below `1 << outcome_bits`.
    pub outcome_bits: u32,
}

impl Cells {
    /// Room for `members`, `agencies` and `outcomes`.
    pub fn new(members: usize, agencies: usize, outcomes: usize) -> Cells {
        let bits = |n: usize| n.max(1).next_power_of_two().trailing_zeros();
        Cells {
            members,
            agency_bits: bits(agencies),
            outcome_bits: bits(outcomes),
        }
    }

    /// The cell of `member`'s cost to `agency` in `window` (0 before, 1
    /// after).
    pub fn cost(&self, member: u32, agency: u32, window: u32) -> u64 {
        (((u64::from(member) << self.agency_bits) | u64::from(agency)) << 1) | u64::from(window)
    }

    fn cost_cells(&self) -> u64 {
        (self.members as u64) << (self.agency_bits + 1)
    }

    /// The cell of `member`'s quantity of `outcome` in `window`.
    pub fn outcome(&self, member: u32, outcome: u32, window: u32) -> u64 {
        self.cost_cells()
            + ((((u64::from(member) << self.outcome_bits) | u64::from(outcome)) << 1)
                | u64::from(window))
    }

    /// What a cell holds.
    pub fn decode(&self, cell: u64) -> Cell {
        let cost = self.cost_cells();
        let (rest, bits) = if cell < cost {
            (cell, self.agency_bits)
        } else {
            (cell - cost, self.outcome_bits)
        };
        let window = (rest & 1) as usize;
        let member = (rest >> (bits + 1)) as usize;
        let within = ((rest >> 1) & ((1 << bits) - 1)) as usize;
        if cell < cost {
            Cell::Cost {
                member,
                agency: within,
                window,
            }
        } else {
            Cell::Outcome {
                member,
                outcome: within,
                window,
            }
        }
    }
}

/// A decoded cell number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Cost {
        member: usize,
        agency: usize,
        window: usize,
    },
    Outcome {
        member: usize,
        outcome: usize,
        window: usize,
    },
}

/// The schema of the contributions the plan sums.
pub fn contribution_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("cell", DataType::UInt64, false),
        Field::new("amount", DataType::Float64, false),
    ]))
}

/// A member's windows as day numbers: before `[from, start)`, after
/// `[start, to)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Windows {
    pub from: i32,
    pub start: i32,
    pub to: i32,
}

/// Everything that turns a checked event into its contributions.
#[derive(Clone, Debug)]
pub struct Tally {
    pub cells: Cells,
    /// Per member.
    pub windows: Vec<Windows>,
    /// Per priced event type (the costing map's types, in its order).
    pub unit_cost: Vec<f64>,
    pub type_agency: Vec<u32>,
    /// The outcomes that count each priced type (outcomes count only the
    /// costing map's types).
    pub outcomes_of: Vec<Vec<u32>>,
}

/// An event that passed every check: its member, day, type, quantity, and
/// its own cost and agency if it carries them.
#[derive(Clone, Copy, Debug)]
pub struct Checked {
    pub member: u32,
    pub day: i32,
    pub etype: u32,
    pub quantity: f64,
    pub cost: Option<f64>,
    pub agency: Option<u32>,
}

/// Contributions being gathered into a batch.
#[derive(Default)]
pub struct Contributions {
    pub cell: Vec<u64>,
    pub amount: Vec<f64>,
}

impl Contributions {
    pub fn with_capacity(n: usize) -> Contributions {
        Contributions {
            cell: Vec::with_capacity(n),
            amount: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.cell.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cell.is_empty()
    }

    /// The gathered contributions as a batch of [`contribution_schema`],
    /// leaving this empty.
    pub fn take(&mut self) -> RecordBatch {
        let capacity = self.cell.capacity();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(std::mem::replace(
                &mut self.cell,
                Vec::with_capacity(capacity),
            ))),
            Arc::new(Float64Array::from(std::mem::replace(
                &mut self.amount,
                Vec::with_capacity(capacity),
            ))),
        ];
        RecordBatch::try_new(contribution_schema(), columns).expect("columns match the schema")
    }
}

impl Tally {
    /// Adds `e`'s contributions to `out`: none when it falls outside its
    /// member's windows. Returns whether it fell in a window (was
    /// counted).
    ///
    /// The cost is the event's own, or its quantity times its type's unit
    /// cost; the agency its own, or its type's. The caller has checked
    /// that a type the costing map does not price carries both.
    #[inline]
    pub fn add(&self, e: Checked, out: &mut Contributions) -> bool {
        let w = self.windows[e.member as usize];
        if e.day < w.from || e.day >= w.to {
            return false;
        }
        let window = u32::from(e.day >= w.start);
        let t = e.etype as usize;
        let priced = t < self.unit_cost.len();
        let agency = e
            .agency
            .unwrap_or_else(|| self.type_agency.get(t).copied().unwrap_or(0));
        let cost = e.cost.unwrap_or_else(|| {
            if priced {
                e.quantity * self.unit_cost[t]
            } else {
                0.0
            }
        });
        out.cell.push(self.cells.cost(e.member, agency, window));
        out.amount.push(cost);
        if priced {
            for &o in &self.outcomes_of[t] {
                out.cell.push(self.cells.outcome(e.member, o, window));
                out.amount.push(e.quantity);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_decode_to_what_they_were_made_from() {
        // Agencies 0–4 take 3 bits (8 numbers), outcomes 0–1 one bit.
        let c = Cells::new(3, 5, 2);
        let mut seen = std::collections::BTreeSet::new();
        for m in 0..3u32 {
            for w in 0..2u32 {
                for a in 0..5u32 {
                    let cell = c.cost(m, a, w);
                    assert!(seen.insert(cell), "cell {cell} made twice");
                    assert_eq!(
                        c.decode(cell),
                        Cell::Cost {
                            member: m as usize,
                            agency: a as usize,
                            window: w as usize
                        }
                    );
                }
                for o in 0..2u32 {
                    let cell = c.outcome(m, o, w);
                    assert!(seen.insert(cell), "cell {cell} made twice");
                    assert_eq!(
                        c.decode(cell),
                        Cell::Outcome {
                            member: m as usize,
                            outcome: o as usize,
                            window: w as usize
                        }
                    );
                }
            }
        }
        // 3 members × (5 agencies + 2 outcomes) × 2 windows, within
        // 3 × 8 × 2 cost cells and 3 × 2 × 2 outcome cells.
        assert_eq!(seen.len(), 42);
        assert!(seen.last() < Some(&(48 + 12)));
    }

    #[test]
    fn an_event_adds_its_cost_and_its_outcomes_in_its_window() {
        let tally = Tally {
            cells: Cells::new(1, 3, 1),
            windows: vec![Windows {
                from: 100,
                start: 200,
                to: 300,
            }],
            unit_cost: vec![10.0, 4.0],
            type_agency: vec![2, 1],
            outcomes_of: vec![vec![0], vec![]],
        };
        let e = |day, etype, cost, agency| Checked {
            member: 0,
            day,
            etype,
            quantity: 3.0,
            cost,
            agency,
        };
        let mut out = Contributions::default();
        // Outside the windows (the after window ends before day 300).
        assert!(!tally.add(e(99, 0, None, None), &mut out));
        assert!(!tally.add(e(300, 0, None, None), &mut out));
        assert!(out.is_empty());
        // Type 0 before: 3 × £10 to agency 2, and 3 to outcome 0.
        assert!(tally.add(e(100, 0, None, None), &mut out));
        // Type 1 after with its own cost and agency: £7 to agency 0.
        assert!(tally.add(e(200, 1, Some(7.0), Some(0)), &mut out));
        // An unpriced type (2) carrying its own cost and agency.
        assert!(tally.add(e(299, 2, Some(5.0), Some(1)), &mut out));
        let c = tally.cells;
        assert_eq!(
            out.cell,
            vec![
                c.cost(0, 2, 0),
                c.outcome(0, 0, 0),
                c.cost(0, 0, 1),
                c.cost(0, 1, 1)
            ]
        );
        assert_eq!(out.amount, vec![30.0, 3.0, 7.0, 5.0]);
    }
}
