//! Green Book discount schedules.

use serde::Deserialize;

/// One band of a schedule: years `from..=to` (open-ended when `to` is None)
/// are discounted at `rate` (a fraction: 0.035).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Band {
    pub from_year: u32,
    pub to_year: Option<u32>,
    pub rate: f64,
}

/// A real discount-rate schedule by year band, as the Green Book gives it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DiscountSchedule {
    /// `standard`, `health` or `no-pure-time-preference-sensitivity`.
    pub name: String,
    /// The edition of the guidance the rates come from.
    pub edition: String,
    pub bands: Vec<Band>,
}

impl DiscountSchedule {
    /// The rate for year `t`: the rate of the band containing `t`.
    pub fn rate(&self, t: u32) -> f64 {
        self.bands
            .iter()
            .find(|b| b.from_year <= t && b.to_year.is_none_or(|to| t <= to))
            .or(self.bands.last())
            .map_or(0.0, |b| b.rate)
    }

    /// Discount factors for years `0..years`.
    ///
    /// `DF(0) = 1` and `DF(t) = DF(t-1) / (1 + r(t))`: the running product, so
    /// the rate changes only for years inside a later band (DF(31) = DF(30) /
    /// 1.03). When `discount_year_zero` is set, year 0 is itself discounted one
    /// year (`DF(0) = 1 / (1 + r(0))`), for appraisals whose year 0 is a future
    /// year rather than the present.
    pub fn factors(&self, years: usize, discount_year_zero: bool) -> Vec<f64> {
        let mut factors = Vec::with_capacity(years);
        let mut df = if discount_year_zero {
            1.0 / (1.0 + self.rate(0))
        } else {
            1.0
        };
        for t in 0..years {
            if t > 0 {
                df /= 1.0 + self.rate(t as u32);
            }
            factors.push(df);
        }
        factors
    }
}

#[derive(Deserialize)]
struct Row {
    schedule: String,
    edition: String,
    from_year: u32,
    to_year: Option<u32>,
    rate_percent: f64,
}

/// Reads schedules from the Green Book CSV (`schedule,edition,from_year,
/// to_year,rate_percent`), checking that each schedule's bands start at 0,
/// run on without gaps and end open.
pub fn parse_schedules(csv_text: &str) -> Result<Vec<DiscountSchedule>, String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut schedules: Vec<DiscountSchedule> = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row = row.map_err(|e| format!("discount schedules row {}: {e}", i + 2))?;
        let band = Band {
            from_year: row.from_year,
            to_year: row.to_year,
            rate: row.rate_percent / 100.0,
        };
        match schedules.iter_mut().find(|s| s.name == row.schedule) {
            Some(s) => s.bands.push(band),
            None => schedules.push(DiscountSchedule {
                name: row.schedule,
                edition: row.edition,
                bands: vec![band],
            }),
        }
    }
    for s in &schedules {
        let mut expected = 0;
        for (i, b) in s.bands.iter().enumerate() {
            if b.from_year != expected {
                return Err(format!(
                    "schedule '{}' band {} starts at year {} (expected {expected})",
                    s.name,
                    i + 1,
                    b.from_year
                ));
            }
            match b.to_year {
                Some(to) if i + 1 < s.bands.len() => expected = to + 1,
                None if i + 1 == s.bands.len() => {}
                _ => return Err(format!("schedule '{}' must end with one open band", s.name)),
            }
        }
    }
    Ok(schedules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard() -> DiscountSchedule {
        let text = include_str!("../../../data/greenbook/discount-schedules.csv");
        parse_schedules(text)
            .unwrap()
            .into_iter()
            .find(|s| s.name == "standard")
            .unwrap()
    }

    #[test]
    fn factors_worked_by_hand() {
        let df = standard().factors(33, false);
        // Year 0 is undiscounted; years 1..=30 at 3.5%.
        assert_eq!(df[0], 1.0);
        assert!((df[1] - 1.0 / 1.035).abs() < 1e-15);
        // 1.035^10 = 1.410598760621… so DF(10) = 1 / 1.410598760621 = 0.708918813710.
        assert!((df[10] - 0.708_918_813_710).abs() < 1e-11);
        // 1.035^30 = 2.806793704703… so DF(30) = 0.356278410602.
        assert!((df[30] - 0.356_278_410_602).abs() < 1e-11);
        // Year 31 falls in the 3.0% band: DF(31) = DF(30) / 1.03 = 0.345901369517,
        // not DF(30) / 1.035.
        assert!((df[31] - 0.345_901_369_517).abs() < 1e-11);
        // DF(32) = 0.345901369517 / 1.03 = 0.335826572347.
        assert!((df[32] - 0.335_826_572_347).abs() < 1e-11);
    }

    #[test]
    fn discounting_year_zero_shifts_every_factor() {
        let s = standard();
        let shifted = s.factors(3, true);
        assert!((shifted[0] - 1.0 / 1.035).abs() < 1e-15);
        assert!((shifted[2] - 1.0 / 1.035f64.powi(3)).abs() < 1e-15);
    }

    #[test]
    fn rates_by_band() {
        let s = standard();
        assert_eq!(s.rate(0), 0.035);
        assert_eq!(s.rate(30), 0.035);
        assert_eq!(s.rate(31), 0.03);
        assert_eq!(s.rate(75), 0.03);
        assert_eq!(s.rate(76), 0.025);
        assert_eq!(s.rate(301), 0.01);
        assert_eq!(s.rate(5000), 0.01);
    }

    #[test]
    fn gaps_in_bands_are_rejected() {
        let text = "schedule,edition,from_year,to_year,rate_percent\nx,e,0,10,3\nx,e,12,,2\n";
        assert!(
            parse_schedules(text)
                .unwrap_err()
                .contains("starts at year 12")
        );
        let text = "schedule,edition,from_year,to_year,rate_percent\nx,e,0,10,3\n";
        assert!(parse_schedules(text).unwrap_err().contains("open band"));
    }
}
