//! Reading a model from TOML.

use oneplace_core::{Diagnostic, InputError, LineIndex};
use oneplace_refdata::ReferenceData;

use crate::model::Model;
use crate::raw::RawModel;
use crate::validate::validate;

/// Parses and validates a TOML model. `file` names it in messages.
pub fn read_toml(file: &str, text: &str, data: &ReferenceData) -> Result<Model, InputError> {
    let (raw, index) = parse_raw_toml(file, text)?;
    validate(&raw, &index, data)
}

/// Parses a TOML model as written, without validating it, with the index
/// that locates its spans.
pub fn parse_raw_toml(file: &str, text: &str) -> Result<(RawModel, LineIndex), InputError> {
    let index = LineIndex::new(file, text);
    match toml::from_str::<RawModel>(text) {
        Ok(raw) => Ok((raw, index)),
        Err(e) => {
            let location = match e.span() {
                Some(span) => index.location(span.start),
                None => index.whole(),
            };
            Err(InputError::one(Diagnostic::new(
                location,
                tidy_toml_message(e.message()),
            )))
        }
    }
}

/// The TOML parser's own messages, on one line.
fn tidy_toml_message(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
