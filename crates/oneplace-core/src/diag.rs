//! Errors that say where in the input something is wrong.
//!
//! Every oneplace input error names the place (file, line and column, or
//! workbook, sheet and cell), says what is wrong and what was expected. The
//! readers collect as many problems as they can before giving up, so a user
//! fixes a file in one pass rather than one error at a time.

use std::fmt;
use std::sync::Arc;

/// A place in an input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A position in a text file; line and column count from 1, columns in
    /// characters.
    Text {
        file: Arc<str>,
        line: u32,
        column: u32,
    },
    /// A cell of a workbook, as Excel names it (`C7`).
    Cell {
        file: Arc<str>,
        sheet: String,
        cell: String,
    },
    /// A row of a tabular file (CSV), counting the header as row 1, with the
    /// column's name when known.
    Row {
        file: Arc<str>,
        row: u64,
        column: Option<String>,
    },
    /// The input as a whole (a missing section, an empty file).
    File { file: Arc<str> },
}

impl Location {
    pub fn file(&self) -> &str {
        match self {
            Location::Text { file, .. }
            | Location::Cell { file, .. }
            | Location::Row { file, .. }
            | Location::File { file } => file,
        }
    }

    /// The Excel name of a zero-based (row, column) cell: (6, 2) → `C7`.
    pub fn cell_name(row: u32, column: u32) -> String {
        let mut letters = Vec::new();
        let mut c = column + 1;
        while c > 0 {
            let rem = (c - 1) % 26;
            letters.push(b'A' + rem as u8);
            c = (c - 1) / 26;
        }
        letters.reverse();
        format!(
            "{}{}",
            String::from_utf8(letters).unwrap_or_default(),
            row + 1
        )
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Text { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Location::Cell { file, sheet, cell } => {
                write!(f, "{file}: sheet '{sheet}', cell {cell}")
            }
            Location::Row {
                file,
                row,
                column: Some(c),
            } => write!(f, "{file}: row {row}, column '{c}'"),
            Location::Row {
                file,
                row,
                column: None,
            } => write!(f, "{file}: row {row}"),
            Location::File { file } => write!(f, "{file}"),
        }
    }
}

/// One problem with an input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub location: Location,
    pub message: String,
    /// What would have been accepted, when that helps ("one of: icb, council").
    pub expected: Option<String>,
}

impl Diagnostic {
    pub fn new(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            location,
            message: message.into(),
            expected: None,
        }
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Diagnostic {
        self.expected = Some(expected.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(expected) = &self.expected {
            write!(f, " (expected {expected})")?;
        }
        Ok(())
    }
}

/// The input is wrong: one or more diagnostics, in input order.
///
/// This is the error every reader and validator returns; the command line
/// prints each diagnostic on its own line and exits with code 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub diagnostics: Vec<Diagnostic>,
}

impl InputError {
    pub fn one(d: Diagnostic) -> InputError {
        InputError {
            diagnostics: vec![d],
        }
    }

    /// `Ok(())` when there is nothing to report.
    pub fn check(diagnostics: Vec<Diagnostic>) -> Result<(), InputError> {
        if diagnostics.is_empty() {
            Ok(())
        } else {
            Err(InputError { diagnostics })
        }
    }
}

impl From<Diagnostic> for InputError {
    fn from(d: Diagnostic) -> InputError {
        InputError::one(d)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Turns byte offsets in a text into line and column numbers.
pub struct LineIndex {
    file: Arc<str>,
    line_starts: Vec<usize>,
    text: Arc<str>,
}

impl LineIndex {
    pub fn new(file: &str, text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            file: Arc::from(file),
            line_starts,
            text: Arc::from(text),
        }
    }

    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// The location of byte `offset` (clamped to the text).
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() + 1;
        Location::Text {
            file: self.file.clone(),
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    pub fn whole(&self) -> Location {
        Location::File {
            file: self.file.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let index = LineIndex::new("m.toml", "a = 1\nbé = 2\n\nc = 3");
        let at = |o| index.location(o).to_string();
        assert_eq!(at(0), "m.toml:1:1");
        assert_eq!(at(4), "m.toml:1:5");
        assert_eq!(at(6), "m.toml:2:1");
        // 'é' is two bytes but one column.
        assert_eq!(at(10), "m.toml:2:4");
        assert_eq!(at(15), "m.toml:4:1");
        assert_eq!(at(999), "m.toml:4:6");
    }

    #[test]
    fn cells_are_named_like_excel() {
        assert_eq!(Location::cell_name(0, 0), "A1");
        assert_eq!(Location::cell_name(6, 2), "C7");
        assert_eq!(Location::cell_name(0, 25), "Z1");
        assert_eq!(Location::cell_name(0, 26), "AA1");
        assert_eq!(Location::cell_name(9, 701), "ZZ10");
        assert_eq!(Location::cell_name(0, 702), "AAA1");
    }

    #[test]
    fn diagnostics_read_as_one_line_each() {
        let file: Arc<str> = Arc::from("x.toml");
        let err = InputError {
            diagnostics: vec![
                Diagnostic::new(
                    Location::Text {
                        file: file.clone(),
                        line: 3,
                        column: 9,
                    },
                    "unknown agency 'nhss'",
                )
                .expected("one of: icb, council"),
                Diagnostic::new(
                    Location::Cell {
                        file,
                        sheet: "Costs".into(),
                        cell: "C7".into(),
                    },
                    "not a number",
                ),
            ],
        };
        assert_eq!(
            err.to_string(),
            "error: x.toml:3:9: unknown agency 'nhss' (expected one of: icb, council)\n\
             error: x.toml: sheet 'Costs', cell C7: not a number"
        );
    }
}
