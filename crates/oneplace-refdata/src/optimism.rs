//! Optimism bias: corrections that raise costs and reduce benefits according
//! to how good the evidence behind them is.

use serde::Deserialize;

/// One confidence grade (1 = best evidence) and its corrections, as fractions.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct ConfidenceGrade {
    pub grade: u8,
    pub label: String,
    pub evidence: String,
    /// Costs are multiplied by `1 + cost_uplift`.
    pub cost_uplift: f64,
    /// Benefits are multiplied by `1 - benefit_reduction`.
    pub benefit_reduction: f64,
}

/// A table of corrections by grade, with the id of its version.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OptimismBiasTable {
    pub id: String,
    pub grades: Vec<ConfidenceGrade>,
}

impl OptimismBiasTable {
    pub fn grade(&self, grade: u8) -> Option<&ConfidenceGrade> {
        self.grades.iter().find(|g| g.grade == grade)
    }

    pub fn grade_numbers(&self) -> Vec<u8> {
        self.grades.iter().map(|g| g.grade).collect()
    }
}

#[derive(Deserialize)]
struct Row {
    grade: u8,
    label: String,
    evidence: String,
    cost_uplift_percent: f64,
    benefit_reduction_percent: f64,
}

/// Reads a grade table (`grade,label,evidence,cost_uplift_percent,
/// benefit_reduction_percent`).
pub fn parse_grades(id: &str, csv_text: &str) -> Result<OptimismBiasTable, String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut grades = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row = row.map_err(|e| format!("optimism-bias table '{id}' row {}: {e}", i + 2))?;
        if !(0.0..=100.0).contains(&row.benefit_reduction_percent) || row.cost_uplift_percent < 0.0
        {
            return Err(format!(
                "optimism-bias table '{id}' row {}: corrections must be 0–100%",
                i + 2
            ));
        }
        grades.push(ConfidenceGrade {
            grade: row.grade,
            label: row.label,
            evidence: row.evidence,
            cost_uplift: row.cost_uplift_percent / 100.0,
            benefit_reduction: row.benefit_reduction_percent / 100.0,
        });
    }
    Ok(OptimismBiasTable {
        id: id.to_string(),
        grades,
    })
}

/// Upper and lower optimism-bias bounds for a capital project type, from the
/// Mott MacDonald study behind the Green Book's supplementary guidance.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct CapitalBound {
    pub project_type: String,
    pub applies_to: String,
    pub works_duration_upper_percent: Option<f64>,
    pub works_duration_lower_percent: Option<f64>,
    pub expenditure_upper_percent: f64,
    pub expenditure_lower_percent: f64,
}

pub fn parse_capital_bounds(csv_text: &str) -> Result<Vec<CapitalBound>, String> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("optimism-bias bounds row {}: {e}", i + 2)))
        .collect()
}
