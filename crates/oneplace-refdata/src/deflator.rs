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
     use a price year in that range, or load a vintage that covers {year} from a CSV file \
     with `--deflators FILE` (columns year,percent_change,forecast: one row per consecutive \
     financial year, the first year's index being 100)"
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

/// Reads a vintage from a user's CSV file (`year,percent_change,forecast`,
/// one row per consecutive financial year; `forecast` may be left out or
/// blank, meaning outturn), every problem located at its line and column
/// of `file`. The vintage's id is `id`.
pub fn read_vintage_file(
    file: &str,
    id: &str,
    text: &str,
) -> Result<DeflatorVintage, oneplace_core::InputError> {
    use oneplace_core::{Diagnostic, InputError, Location};
    let file: std::sync::Arc<str> = file.into();
    let at = |line: usize, column: usize| Location::Text {
        file: file.clone(),
        line: line as u32,
        column: column as u32,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let header_expected = "the header year,percent_change,forecast (forecast optional)";
    let Some((header_line, header)) = lines.next() else {
        return Err(InputError::one(
            Diagnostic::new(
                Location::File { file: file.clone() },
                "the deflator file is empty",
            )
            .expected(header_expected),
        ));
    };
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_lowercase()).collect();
    let position = |name: &str| columns.iter().position(|c| c == name);
    let (Some(year_col), Some(change_col)) = (position("year"), position("percent_change")) else {
        return Err(InputError::one(
            Diagnostic::new(at(header_line, 1), format!("the header is '{header}'"))
                .expected(header_expected),
        ));
    };
    let forecast_col = position("forecast");
    // The column (in characters, from 1) where field `n` of `line` starts.
    let column_of = |line: &str, n: usize| {
        1 + line
            .split(',')
            .take(n)
            .map(|f| f.chars().count() + 1)
            .sum::<usize>()
    };
    let mut diags = Vec::new();
    let mut first: Option<FinancialYear> = None;
    let mut changes = Vec::new();
    let mut forecast_from = None;
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let year = match FinancialYear::parse(field(year_col)) {
            Ok(y) => y,
            Err(e) => {
                diags.push(
                    Diagnostic::new(at(n, column_of(line, year_col)), format!("year: {e}"))
                        .expected("a financial year such as 2024/25"),
                );
                continue;
            }
        };
        let change = match field(change_col).trim_end_matches('%').parse::<f64>() {
            Ok(x) if x.is_finite() && x > -100.0 => x,
            _ => {
                diags.push(
                    Diagnostic::new(
                        at(n, column_of(line, change_col)),
                        format!(
                            "percent_change '{}' is not a percentage change",
                            field(change_col)
                        ),
                    )
                    .expected("the change on the previous year in percent, such as 2.1 for 2.1%"),
                );
                continue;
            }
        };
        let forecast = match forecast_col.map(field) {
            None | Some("") => false,
            Some(f) if f.eq_ignore_ascii_case("true") => true,
            Some(f) if f.eq_ignore_ascii_case("false") => false,
            Some(f) => {
                diags.push(
                    Diagnostic::new(
                        at(n, column_of(line, forecast_col.unwrap_or(0))),
                        format!("forecast '{f}'"),
                    )
                    .expected("true or false (blank means false)"),
                );
                continue;
            }
        };
        if let Some(f) = first {
            let expected = f.offset(changes.len() as i32);
            if year != expected {
                diags.push(
                    Diagnostic::new(
                        at(n, column_of(line, year_col)),
                        format!("year {year} follows {}", expected.offset(-1)),
                    )
                    .expected(format!(
                        "{expected}: one row per consecutive financial year"
                    )),
                );
                break;
            }
        }
        first.get_or_insert(year);
        if forecast && forecast_from.is_none() {
            forecast_from = Some(year);
        }
        changes.push(change);
    }
    InputError::check(diags)?;
    let Some(first) = first else {
        return Err(InputError::one(
            Diagnostic::new(at(header_line, 1), "the deflator file has no years")
                .expected("one row per financial year after the header"),
        ));
    };
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
    fn a_user_file_is_read_with_located_errors() {
        let text = "year,percent_change\n2022/23,5\n2023/24,2.5\n";
        let v = read_vintage_file("d.csv", "d", text).unwrap();
        // 100, then 100 × 1.025 = 102.5.
        assert!((v.index(fy("2023/24")).unwrap() - 102.5).abs() < 1e-12);
        assert_eq!(v.forecast_from, None);
        let bad =
            "year,percent_change,forecast\n2022/23,5,false\n2023/24,lots,false\n2025/26,1,maybe\n";
        let e = read_vintage_file("d.csv", "d", bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("d.csv:3:9: percent_change 'lots' is not a percentage change"),
            "{e}"
        );
        assert!(e.contains("d.csv:4:11: forecast 'maybe'"), "{e}");
        let gap = "year,percent_change\n2022/23,5\n2024/25,1\n";
        let e = read_vintage_file("d.csv", "d", gap)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("d.csv:3:1: year 2024/25 follows 2022/23 (expected 2023/24"),
            "{e}"
        );
        let e = read_vintage_file("d.csv", "d", "yr,pc\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.csv:1:1: the header is 'yr,pc'"), "{e}");
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
