//! GDP deflator vintages: the price index used to express values from
//! different years in one price base.

use oneplace_core::FinancialYear;
use serde::Deserialize;

/// One vintage of the GDP deflator series.
///
/// The index is built exactly as the Unit Cost Database's 'Lookups' sheet
/// builds it: the first year is 100 and each later year is the previous
/// year's index times `1 + change / 100`. Values are comparable only within
/// one vintage, so every result records the vintage it used.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DeflatorVintage {
    pub id: String,
    pub first_year: FinancialYear,
    /// Percentage change on the previous year, by year from `first_year`
    /// (the first entry is the first year's own change, kept for the record).
    pub percent_change: Vec<f64>,
    /// The first year whose figure is a forecast rather than outturn.
    pub forecast_from: Option<FinancialYear>,
    #[serde(skip)]
    index: Vec<f64>,
}

/// A year outside the range a vintage covers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{year} is outside deflator vintage '{vintage}', which covers {first} to {last}; \
     use a price year in that range or supply a vintage that covers {year}"
)]
pub struct YearOutOfRange {
    pub year: FinancialYear,
    pub vintage: String,
    pub first: FinancialYear,
    pub last: FinancialYear,
}

impl DeflatorVintage {
    pub fn new(
        id: impl Into<String>,
        first_year: FinancialYear,
        percent_change: Vec<f64>,
        forecast_from: Option<FinancialYear>,
    ) -> DeflatorVintage {
        let mut index = Vec::with_capacity(percent_change.len());
        for (i, change) in percent_change.iter().enumerate() {
            if i == 0 {
                index.push(100.0);
            } else {
                // Same operations, same order as the workbook: O = N/100,
                // P = (1 + O) * P(previous).
                index.push((1.0 + change / 100.0) * index[i - 1]);
            }
        }
        DeflatorVintage {
            id: id.into(),
            first_year,
            percent_change,
            forecast_from,
            index,
        }
    }

    pub fn last_year(&self) -> FinancialYear {
        self.first_year
            .offset(self.percent_change.len().saturating_sub(1) as i32)
    }

    /// The index for `year` (first year = 100).
    pub fn index(&self, year: FinancialYear) -> Result<f64, YearOutOfRange> {
        let i = year.years_since(self.first_year);
        usize::try_from(i)
            .ok()
            .and_then(|i| self.index.get(i).copied())
            .ok_or_else(|| YearOutOfRange {
                year,
                vintage: self.id.clone(),
                first: self.first_year,
                last: self.last_year(),
            })
    }

    /// Re-expresses `value` in `from` prices as `to` prices:
    /// `value × I[to] / I[from]`, evaluated left to right as the workbook does.
    pub fn uprate(
        &self,
        value: f64,
        from: FinancialYear,
        to: FinancialYear,
    ) -> Result<f64, YearOutOfRange> {
        let i_to = self.index(to)?;
        let i_from = self.index(from)?;
        Ok(value * i_to / i_from)
    }

    pub fn is_forecast(&self, year: FinancialYear) -> bool {
        self.forecast_from.is_some_and(|f| year >= f)
    }
}

#[derive(Deserialize)]
struct Row {
    year: FinancialYear,
    percent_change: f64,
    forecast: bool,
}

/// Reads a vintage from CSV (`year,percent_change,forecast`), one row per
/// consecutive financial year.
pub fn parse_vintage(id: &str, csv_text: &str) -> Result<DeflatorVintage, String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut first: Option<FinancialYear> = None;
    let mut changes = Vec::new();
    let mut forecast_from = None;
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row = row.map_err(|e| format!("deflator vintage '{id}' row {}: {e}", i + 2))?;
        let expected = first.map(|f| f.offset(changes.len() as i32));
        if let Some(expected) = expected
            && row.year != expected
        {
            return Err(format!(
                "deflator vintage '{id}' row {}: year {} (expected {expected}: years must be consecutive)",
                i + 2,
                row.year
            ));
        }
        first.get_or_insert(row.year);
        if row.forecast && forecast_from.is_none() {
            forecast_from = Some(row.year);
        }
        changes.push(row.percent_change);
    }
    let first = first.ok_or_else(|| format!("deflator vintage '{id}' has no years"))?;
    Ok(DeflatorVintage::new(id, first, changes, forecast_from))
}

/// Writes a vintage in the CSV form [`parse_vintage`] reads.
pub fn write_vintage(v: &DeflatorVintage) -> String {
    let mut out = String::from("year,percent_change,forecast\n");
    for (i, change) in v.percent_change.iter().enumerate() {
        let year = v.first_year.offset(i as i32);
        out.push_str(&format!("{year},{change},{}\n", v.is_forecast(year)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fy(s: &str) -> FinancialYear {
        FinancialYear::parse(s).unwrap()
    }

    #[test]
    fn index_compounds_from_one_hundred() {
        let v = DeflatorVintage::new("t", fy("2000/01"), vec![9.9, 2.0, 3.0], None);
        assert_eq!(v.index(fy("2000/01")), Ok(100.0));
        assert_eq!(v.index(fy("2001/02")), Ok(102.0));
        assert!((v.index(fy("2002/03")).unwrap() - 105.06).abs() < 1e-12);
        // £100 in 2000/01 prices is £105.06 in 2002/03 prices, and back.
        assert!((v.uprate(100.0, fy("2000/01"), fy("2002/03")).unwrap() - 105.06).abs() < 1e-12);
        assert!((v.uprate(105.06, fy("2002/03"), fy("2000/01")).unwrap() - 100.0).abs() < 1e-12);
    }

    #[test]
    fn years_outside_the_vintage_are_named() {
        let v = DeflatorVintage::new("t", fy("2000/01"), vec![0.0, 2.0], None);
        let err = v.index(fy("2025/26")).unwrap_err();
        assert_eq!(err.first, fy("2000/01"));
        assert_eq!(err.last, fy("2001/02"));
        assert!(
            err.to_string()
                .contains("2025/26 is outside deflator vintage 't'")
        );
    }

    #[test]
    fn csv_round_trips_and_checks_consecutive_years() {
        let v = DeflatorVintage::new("t", fy("2000/01"), vec![1.5, 2.0, 2.5], Some(fy("2002/03")));
        let again = parse_vintage("t", &write_vintage(&v)).unwrap();
        assert_eq!(again, v);
        let gap = "year,percent_change,forecast\n2000/01,1,false\n2002/03,2,false\n";
        assert!(parse_vintage("t", gap).unwrap_err().contains("consecutive"));
    }
}
