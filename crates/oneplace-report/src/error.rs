//! Why a report could not be written.

use std::fmt;

/// Why a report could not be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportError {
    /// A table was asked for by an id the document does not have. Carries the
    /// ids that exist so the message can tell the user what to type instead.
    UnknownSection { id: String, available: Vec<String> },
    /// The XLSX writer refused the workbook (e.g. more rows than Excel allows).
    Xlsx(String),
    /// The CSV writer failed.
    Csv(String),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::UnknownSection { id, available } if available.is_empty() => {
                write!(f, "there is no table '{id}': this report has no tables")
            }
            ReportError::UnknownSection { id, available } => write!(
                f,
                "there is no table '{id}' (available: {})",
                available.join(", ")
            ),
            ReportError::Xlsx(message) => write!(f, "could not write the XLSX workbook: {message}"),
            ReportError::Csv(message) => write!(f, "could not write CSV: {message}"),
        }
    }
}

impl std::error::Error for ReportError {}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> ReportError {
        ReportError::Xlsx(e.to_string())
    }
}

impl From<csv::Error> for ReportError {
    fn from(e: csv::Error) -> ReportError {
        ReportError::Csv(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_section_lists_the_alternatives() {
        let e = ReportError::UnknownSection {
            id: "totals".into(),
            available: vec!["costs".into(), "benefits".into()],
        };
        assert_eq!(
            e.to_string(),
            "there is no table 'totals' (available: costs, benefits)"
        );
        let none = ReportError::UnknownSection {
            id: "x".into(),
            available: vec![],
        };
        assert_eq!(
            none.to_string(),
            "there is no table 'x': this report has no tables"
        );
    }
}
