//! Writing results: to standard output, or to a file written whole or not
//! at all.

use std::io::{IsTerminal, Write};
use std::path::Path;

use oneplace_report::{Document, render_csv, render_text, render_xlsx};

use crate::{Failure, Format};

/// Writes `bytes` to `out`, or to standard output. A file is written to a
/// temporary name beside it and renamed into place, so a failure never
/// leaves a partial file.
pub fn write(out: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is not an error worth reporting.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Failure::Internal(format!("writing output: {e}"))),
            }
        }
        Some(path) => {
            // A device or a pipe (`--out /dev/null`, `--out /dev/stdout`)
            // is written as it is: renaming a file onto it would replace the
            // device with a plain file.
            let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
            if special {
                return std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|mut f| f.write_all(bytes))
                    .map_err(|e| Failure::Message(format!("{}: {e}", path.display())));
            }
            // A symbolic link is followed: the file it names is replaced,
            // and the link stays.
            let resolved;
            let path = if path.is_symlink() {
                resolved = std::fs::canonicalize(path)
                    .map_err(|e| Failure::Message(format!("{}: {e}", path.display())))?;
                resolved.as_path()
            } else {
                path
            };
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path
                .file_name()
                .ok_or_else(|| Failure::Usage(format!("{} is not a file name", path.display())))?;
            let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
            let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(Failure::Message(format!("{}: {e}", path.display())));
            }
            Ok(())
        }
    }
}

/// Refuses to send a workbook to a terminal.
pub fn check_binary_destination(format: Format, out: Option<&Path>) -> Result<(), Failure> {
    if format == Format::Xlsx && out.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "an xlsx workbook is binary: give --out FILE.xlsx (or redirect standard output)".into(),
        ));
    }
    Ok(())
}

/// Renders a report document in a tabular format.
pub fn render(doc: &Document, format: Format, table: Option<&str>) -> Result<Vec<u8>, Failure> {
    match format {
        Format::Table => match table {
            None => Ok(render_text(doc).into_bytes()),
            Some(id) => {
                let section = doc.section(id).ok_or_else(|| unknown_table(doc, id))?;
                let single = Document {
                    title: doc.title.clone(),
                    notes: doc.notes.clone(),
                    sections: vec![section.clone()],
                };
                Ok(render_text(&single).into_bytes())
            }
        },
        Format::Csv => render_csv(doc, table)
            .map(String::into_bytes)
            .map_err(|e| Failure::Usage(e.to_string())),
        Format::Xlsx => render_xlsx(doc).map_err(|e| Failure::Internal(e.to_string())),
        Format::Json => Err(Failure::Internal("JSON is rendered by the caller".into())),
    }
}

fn unknown_table(doc: &Document, id: &str) -> Failure {
    Failure::Usage(format!(
        "there is no table '{id}' (available: {})",
        doc.section_ids().join(", ")
    ))
}

pub fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    text.push('\n');
    text.into_bytes()
}

/// Writes a report: its JSON, or the document in the other formats (one
/// table with `table`), to `out` or standard output; a binary format is
/// refused for a terminal before anything is computed into it.
pub fn emit(
    doc: &Document,
    json: serde_json::Value,
    format: Format,
    table: Option<&str>,
    out: Option<&Path>,
) -> Result<(), Failure> {
    check_binary_destination(format, out)?;
    let bytes = match format {
        Format::Json => json_bytes(&json),
        other => render(doc, other, table)?,
    };
    write(out, &bytes)
}
