//! Reading a model from TOML.

use oneplace_core::{Diagnostic, InputError, LineIndex};
use oneplace_refdata::ReferenceData;

use crate::model::Model;
use crate::raw::RawModel;
use crate::validate::validate;

/// Parses and validates a TOML model. `file` names it in messages.
pub fn read_toml(file: &str, text: &str, data: &ReferenceData) -> Result<Model, InputError> {
    let index = LineIndex::new(file, text);
    let raw: RawModel = toml::from_str(text).map_err(|e| {
        let location = match e.span() {
            Some(span) => index.location(span.start),
            None => index.whole(),
        };
        InputError::one(Diagnostic::new(location, tidy_toml_message(e.message())))
    })?;
    validate(&raw, &index, data)
}

/// The TOML parser's own messages, on one line.
fn tidy_toml_message(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
