//! The monitoring report: per line, scheme and partner, the annual budget,
//! the budget profiled to date, actual to date, the month's movement,
//! commitments, the forecast outturn (and how it was forecast), and the
//! variance, flagged when material.

use oneplace_core::{Date, FinancialYear, Money, Period, allocate_weights};
use serde::Serialize;

use crate::model::{ForecastMethod, Id, Ledger, Root};

/// The figures of one line, scheme or partner.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub annual_budget: Money,
    pub profiled_budget: Money,
    pub actual: Money,
    pub movement: Money,
    pub commitments: Money,
    pub forecast_outturn: Money,
    /// Forecast outturn − annual budget: positive is an overspend.
    pub variance: Money,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.annual_budget += o.annual_budget;
        self.profiled_budget += o.profiled_budget;
        self.actual += o.actual;
        self.movement += o.movement;
        self.commitments += o.commitments;
        self.forecast_outturn += o.forecast_outturn;
        self.variance += o.variance;
    }

    /// The variance as a share of the budget.
    pub fn variance_percent(&self) -> Option<f64> {
        (!self.annual_budget.is_zero())
            .then(|| self.variance.pence() as f64 / self.annual_budget.pence() as f64)
    }

    /// Whether the variance exceeds the greater of `amount` and `percent` of
    /// the budget.
    pub fn material(&self, amount: Money, percent: f64) -> bool {
        let threshold =
            (self.annual_budget.abs().pence() as f64 * percent).max(amount.pence() as f64);
        self.variance.abs().pence() as f64 > threshold
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub scheme: String,
    pub source: String,
    /// How the forecast outturn was made: profile, run-rate or manual.
    pub method: &'static str,
    pub figures: Figures,
    pub variance_percent: Option<f64>,
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub figures: Figures,
    pub variance_percent: Option<f64>,
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Monitoring {
    pub period: String,
    pub year: FinancialYear,
    pub lines: Vec<Line>,
    pub schemes: Vec<Row>,
    /// Each line shared between partners by its commissioning split.
    pub partners: Vec<Row>,
    pub total: Figures,
    pub materiality_amount: Money,
    pub materiality_percent: f64,
}

/// The monthly budget of a line after virements dated up to the end of each
/// month: a virement moves its amount evenly over the months from its own.
fn monthly_budget(ledger: &Ledger, year: FinancialYear, scheme: Id, source: Id) -> [Money; 12] {
    let mut months = ledger
        .budgets
        .iter()
        .find(|b| b.year == year && b.scheme == scheme && b.source == source)
        .map_or([Money::ZERO; 12], |b| b.monthly);
    for v in ledger
        .virements
        .iter()
        .filter(|v| v.date.financial_year() == year)
    {
        let sign = if v.from == (scheme, source) {
            -1
        } else if v.to == (scheme, source) {
            1
        } else {
            continue;
        };
        let from = usize::from(v.date.period().number()) - 1;
        let parts = allocate_weights(v.amount, &vec![1; 12 - from]).expect("at least one month");
        for (m, part) in months[from..].iter_mut().zip(parts) {
            *m += part * sign;
        }
    }
    months
}

fn line_figures(
    ledger: &Ledger,
    period: Period,
    scheme: Id,
    source: Id,
) -> (Figures, &'static str) {
    let year = period.year();
    let end = period.last_day();
    let start_of_month = period.first_day();
    let elapsed = usize::from(period.number());
    let months = monthly_budget(ledger, year, scheme, source);
    let annual: Money = months.iter().sum();
    let profiled: Money = months[..elapsed].iter().sum();
    let is_line =
        |root: Root, _: Id, s: Id, f: Id| root == Root::Expenditure && s == scheme && f == source;
    let actual = super::sum_postings(ledger, year, end, is_line);
    let before = super::sum_postings(ledger, year, start_of_month.pred(), is_line);
    let commitments: Money = ledger
        .commitments
        .iter()
        .filter(|c| c.scheme == scheme && c.source == source)
        .filter(|c| c.date.financial_year() == year && c.date <= end)
        .filter(|c| c.cleared.is_none_or(|d| d > end))
        .map(|c| c.amount)
        .sum();
    let method = ledger
        .forecasts
        .iter()
        .find(|f| f.year == year && f.scheme == scheme && f.source == source)
        .map_or(ForecastMethod::Profile, |f| f.method);
    let (forecast, label) = match method {
        ForecastMethod::Profile => (
            actual + commitments + months[elapsed..].iter().sum::<Money>(),
            "profile",
        ),
        ForecastMethod::RunRate => {
            // The average month so far, for each month left, to the penny.
            let remaining = (12 - elapsed) as i64;
            // In 128 bits: the product may exceed 64 even when the result fits.
            let run = Money::from_pence(round_div(
                i128::from(actual.pence()) * i128::from(remaining),
                elapsed as i128,
            ));
            (actual + commitments + run, "run-rate")
        }
        ForecastMethod::Manual(m) => (m, "manual"),
    };
    (
        Figures {
            annual_budget: annual,
            profiled_budget: profiled,
            actual,
            movement: actual - before,
            commitments,
            forecast_outturn: forecast,
            variance: forecast - annual,
        },
        label,
    )
}

/// `a / b` rounded half away from zero. The ledger's limit on its amounts
/// (see [`crate::money::MAX_LEDGER_TOTAL`]) keeps the result within 64 bits.
fn round_div(a: i128, b: i128) -> i64 {
    let q = a / b;
    let r = a % b;
    let rounded = if 2 * r.abs() >= b.abs() {
        q + a.signum() * b.signum()
    } else {
        q
    };
    i64::try_from(rounded).expect("within the ledger's limit on amounts")
}

trait Pred {
    fn pred(self) -> Date;
}

impl Pred for Date {
    /// The day before (only used for the first of a month).
    fn pred(self) -> Date {
        if self.day() > 1 {
            return Date::new(self.year(), self.month(), self.day() - 1).expect("valid");
        }
        let (y, m) = if self.month() == 1 {
            (self.year() - 1, 12)
        } else {
            (self.year(), self.month() - 1)
        };
        Date::new(y, m, oneplace_core::days_in_month(y, m)).expect("valid")
    }
}

pub fn monitoring(ledger: &Ledger, period: Period) -> Monitoring {
    let (amount, percent) = ledger.materiality();
    let year = period.year();
    // Every line with a budget, a posting or a commitment this year, in
    // scheme then source order.
    let mut keys: Vec<(Id, Id)> = ledger
        .budgets
        .iter()
        .filter(|b| b.year == year)
        .map(|b| (b.scheme, b.source))
        .collect();
    for t in ledger
        .transactions
        .iter()
        .filter(|t| t.date.financial_year() == year)
    {
        for p in ledger.postings_of(t) {
            if ledger.accounts[p.account as usize].root == Root::Expenditure {
                keys.push((p.scheme, p.source));
            }
        }
    }
    keys.extend(
        ledger
            .commitments
            .iter()
            .filter(|c| c.date.financial_year() == year)
            .map(|c| (c.scheme, c.source)),
    );
    keys.sort();
    keys.dedup();

    let mut lines = Vec::new();
    let mut schemes: Vec<Figures> = vec![Figures::default(); ledger.schemes.len()];
    let mut partners: Vec<Figures> = vec![Figures::default(); ledger.partners.len()];
    let mut total = Figures::default();
    for (scheme, source) in keys {
        let (f, method) = line_figures(ledger, period, scheme, source);
        schemes[scheme as usize].add(&f);
        total.add(&f);
        // Share each figure between the commissioners, to the penny.
        let split = &ledger.schemes[scheme as usize].commissioners;
        let weights: Vec<i64> = split.iter().map(|(_, bp)| i64::from(*bp)).collect();
        let share =
            |m: Money| allocate_weights(m, &weights).expect("commissioner shares sum to 100%");
        let parts = [
            share(f.annual_budget),
            share(f.profiled_budget),
            share(f.actual),
            share(f.movement),
            share(f.commitments),
            share(f.forecast_outturn),
        ];
        for (i, (partner, _)) in split.iter().enumerate() {
            let p = Figures {
                annual_budget: parts[0][i],
                profiled_budget: parts[1][i],
                actual: parts[2][i],
                movement: parts[3][i],
                commitments: parts[4][i],
                forecast_outturn: parts[5][i],
                variance: parts[5][i] - parts[0][i],
            };
            partners[*partner as usize].add(&p);
        }
        lines.push(Line {
            scheme: ledger.schemes[scheme as usize].id.clone(),
            source: ledger.sources[source as usize].id.clone(),
            method,
            variance_percent: f.variance_percent(),
            flagged: f.material(amount, percent),
            figures: f,
        });
    }
    let row = |id: &str, name: &str, f: Figures| Row {
        id: id.to_string(),
        name: name.to_string(),
        variance_percent: f.variance_percent(),
        flagged: f.material(amount, percent),
        figures: f,
    };
    Monitoring {
        period: period.to_string(),
        year,
        lines,
        schemes: ledger
            .schemes
            .iter()
            .zip(schemes)
            .filter(|(_, f)| *f != Figures::default())
            .map(|(s, f)| row(&s.id, &s.name, f))
            .collect(),
        partners: ledger
            .partners
            .iter()
            .zip(partners)
            .filter(|(_, f)| *f != Figures::default())
            .map(|(p, f)| row(&p.id, &p.name, f))
            .collect(),
        total,
        materiality_amount: amount,
        materiality_percent: percent,
    }
}
