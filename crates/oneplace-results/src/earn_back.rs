//! Earn-back and gain-share: government returns to a place a share of the
//! additional tax or savings measured each year, capped per year, over a
//! stated period.
//!
//! # The rule
//!
//! For each financial year: the **eligible** amount is `share` of what was
//! measured that year when the year is within the period and the measure
//! is above zero, and nothing otherwise; the amount **paid** is the
//! eligible amount, at most the annual cap; what the cap removes is
//! **lost** (it does not carry forward). [`share_year`] is the rule, for
//! exact money (`Money`: the share taken to the penny, halves up, in
//! integer arithmetic) and for pounds as `f64` (the reform deal's balance,
//! which works on appraisal values and rounds only for display): one
//! implementation for both.
//!
//! # The file
//!
//! ```toml
//! [earn_back]
//! name = "Northshire earn-back"
//! share = "25%"
//! annual_cap = "£3,000,000"   # optional
//! from = "2026/27"            # the first year of the period
//! years = 5
//!
//! [[year]]                    # what was measured, a year at a time
//! year = "2026/27"
//! measured = "£8,400,000"
//! ```
//!
//! A year of the period with no `[[year]]` is reported as not measured; a
//! measurement outside the period is reported, and earns nothing.

use oneplace_core::toml_input::{Checker, S, Value, parse_toml};
use oneplace_core::{FinancialYear, InputError, LineIndex, Money};
use oneplace_report::{Cell, Document, Section, Table, render_text};
use serde::{Deserialize, Serialize};

use crate::table::{millionths, mul_div_round};

/// An amount the earn-back rule can work on.
pub trait Amount: Copy + PartialOrd + std::ops::Sub<Output = Self> {
    const ZERO: Self;
    /// `share` of the amount.
    fn share_of(self, share: f64) -> Self;
}

impl Amount for Money {
    const ZERO: Money = Money::ZERO;
    /// To the penny, halves up, the share taken in millionths.
    fn share_of(self, share: f64) -> Money {
        Money::from_pence(mul_div_round(self.pence(), millionths(share), 1_000_000))
    }
}

impl Amount for f64 {
    const ZERO: f64 = 0.0;
    fn share_of(self, share: f64) -> f64 {
        self * share
    }
}

/// One year under the rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ShareYear<A> {
    pub eligible: A,
    pub paid: A,
    /// Eligible − paid: what the cap removed.
    pub lost: A,
    /// The cap bit.
    pub capped: bool,
}

/// The rule for one year: `share` of `measured` (nothing when outside the
/// period or not above zero), at most `cap`.
pub fn share_year<A: Amount>(
    measured: A,
    share: f64,
    cap: Option<A>,
    in_period: bool,
) -> ShareYear<A> {
    let eligible = if in_period && measured > A::ZERO {
        measured.share_of(share)
    } else {
        A::ZERO
    };
    let (paid, capped) = match cap {
        Some(cap) if eligible > cap => (cap, true),
        _ => (eligible, false),
    };
    ShareYear {
        eligible,
        paid,
        lost: eligible - paid,
        capped,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EarnBack {
    pub name: String,
    pub share: f64,
    pub annual_cap: Option<Money>,
    pub from: FinancialYear,
    pub years: u32,
    /// What was measured, by year, in year order.
    pub measured: Vec<(FinancialYear, Money)>,
}

impl EarnBack {
    pub fn in_period(&self, y: FinancialYear) -> bool {
        y >= self.from && y.years_since(self.from) < self.years as i32
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    earn_back: S<RawTerms>,
    #[serde(default)]
    year: Vec<S<RawYear>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerms {
    name: S<String>,
    share: S<Value>,
    annual_cap: Option<S<Value>>,
    from: S<String>,
    years: S<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: S<String>,
    measured: S<Value>,
}

/// Reads an earn-back file. `file` names it in messages.
pub fn read_earn_back(file: &str, text: &str) -> Result<EarnBack, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawFile = parse_toml(&index, text)?;
    let mut c = Checker::new(&index);
    let t = raw.earn_back.get_ref();
    let name = c.text(&t.name, "the name").unwrap_or_default();
    let share = c.share(&t.share, "share").unwrap_or(0.0);
    let annual_cap = t.annual_cap.as_ref().and_then(|v| c.money(v, "annual_cap"));
    let from = c.year(&t.from, "from");
    let years = match c.count(&t.years, "years") {
        Some(0) => {
            c.error_expected(t.years.span(), "years is 0", "a period of a year or more");
            0
        }
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
        None => 0,
    };
    let mut measured: Vec<(FinancialYear, Money)> = Vec::new();
    for y in &raw.year {
        let yr = y.get_ref();
        let year = c.year(&yr.year, "year");
        let amount = c.money(&yr.measured, "measured");
        let (Some(year), Some(amount)) = (year, amount) else {
            continue;
        };
        if measured.iter().any(|(x, _)| *x == year) {
            c.error_expected(
                yr.year.span(),
                format!("{year} is measured twice"),
                "one [[year]] a year",
            );
            continue;
        }
        measured.push((year, amount));
    }
    measured.sort_by_key(|(y, _)| *y);
    c.finish()?;
    Ok(EarnBack {
        name,
        share,
        annual_cap,
        from: from.expect("checked"),
        years,
        measured,
    })
}

/// One year of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EarnBackYear {
    pub year: FinancialYear,
    pub in_period: bool,
    /// `None` for a year of the period with nothing measured.
    pub measured: Option<Money>,
    pub eligible: Money,
    pub paid: Money,
    pub lost_to_cap: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EarnBackSchedule {
    pub name: String,
    pub share: f64,
    pub annual_cap: Option<Money>,
    pub from: FinancialYear,
    pub to: FinancialYear,
    /// Every year of the period and every year measured, in order.
    pub years: Vec<EarnBackYear>,
    pub eligible: Money,
    pub paid: Money,
    pub lost_to_cap: Money,
}

/// The schedule by year.
pub fn schedule(e: &EarnBack) -> EarnBackSchedule {
    let mut years: Vec<FinancialYear> = (0..e.years as i32).map(|t| e.from.offset(t)).collect();
    years.extend(e.measured.iter().map(|(y, _)| *y));
    years.sort();
    years.dedup();
    let rows: Vec<EarnBackYear> = years
        .into_iter()
        .map(|year| {
            let measured = e.measured.iter().find(|(y, _)| *y == year).map(|(_, m)| *m);
            let in_period = e.in_period(year);
            let r = share_year(
                measured.unwrap_or(Money::ZERO),
                e.share,
                e.annual_cap,
                in_period,
            );
            EarnBackYear {
                year,
                in_period,
                measured,
                eligible: r.eligible,
                paid: r.paid,
                lost_to_cap: r.lost,
            }
        })
        .collect();
    EarnBackSchedule {
        name: e.name.clone(),
        share: e.share,
        annual_cap: e.annual_cap,
        from: e.from,
        to: e.from.offset(e.years as i32 - 1),
        eligible: rows.iter().map(|r| r.eligible).sum(),
        paid: rows.iter().map(|r| r.paid).sum(),
        lost_to_cap: rows.iter().map(|r| r.lost_to_cap).sum(),
        years: rows,
    }
}

/// The schedule as a document.
pub fn schedule_document(s: &EarnBackSchedule) -> Document {
    let mut t = Table::new(&[
        ("year", "Year"),
        ("measured", "Measured"),
        ("eligible", "Eligible"),
        ("paid", "Paid"),
        ("lost_to_cap", "Lost to the cap"),
        ("note", "Note"),
    ]);
    for y in &s.years {
        t.push(vec![
            Cell::Year(y.year),
            y.measured.map_or(Cell::Empty, Cell::Money),
            Cell::Money(y.eligible),
            Cell::Money(y.paid),
            Cell::Money(y.lost_to_cap),
            match (y.in_period, y.measured) {
                (false, _) => Cell::Text("outside the period".into()),
                (true, None) => Cell::Text("not measured".into()),
                _ => Cell::Empty,
            },
        ]);
    }
    t.push(vec![
        Cell::Text("Total".into()),
        Cell::Empty,
        Cell::Money(s.eligible),
        Cell::Money(s.paid),
        Cell::Money(s.lost_to_cap),
        Cell::Empty,
    ]);
    let cap = s.annual_cap.map_or("no annual cap".to_string(), |c| {
        format!("at most {c} a year")
    });
    Document::new(format!("{}: earn-back by year", s.name))
        .with_note(format!(
            "{}% of what is measured each year from {} to {}, {cap}; what the cap removes is lost.",
            oneplace_core::toml_input::trim_number(s.share * 100.0),
            s.from,
            s.to
        ))
        .with_section(Section::new("years", "Earn-back by year", t))
}

/// The schedule as a plain-text table.
pub fn schedule_text(s: &EarnBackSchedule) -> String {
    render_text(&schedule_document(s))
}
