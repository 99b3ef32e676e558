//! Re-pinning: writes the figure each source now gives into the deal's
//! `quoted` pins, leaving every other byte of the file as it was (comments,
//! order, layout).

use crate::deal::Deal;
use crate::evidence::Figure;

/// The deal text with every link pinned to its current figure, and how
/// many pins changed (added or rewritten).
pub fn repin(text: &str, deal: &Deal, figures: &[Figure]) -> (String, usize) {
    // Edits as (byte range to replace, replacement), applied from the end
    // so earlier offsets stay valid.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for f in figures {
        let Some(link) = deal.link(&f.link) else {
            continue;
        };
        let pin = pin_text(f.value);
        match &link.quoted_span {
            Some(span) => {
                if link
                    .quoted
                    .is_some_and(|q| q.to_bits() == f.value.to_bits())
                {
                    continue;
                }
                edits.push((span.clone(), pin));
            }
            None => {
                // A new line after the figure's, indented like it.
                let line_start = text[..link.figure_span.start]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let indent: String = text[line_start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let line_end = text[link.figure_span.end..]
                    .find('\n')
                    .map_or(text.len(), |i| link.figure_span.end + i);
                edits.push((line_end..line_end, format!("\n{indent}quoted = {pin}")));
            }
        }
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_string();
    for (range, replacement) in &edits {
        out.replace_range(range.clone(), replacement);
    }
    (out, edits.len())
}

/// A figure as a TOML float that reads back to the same value.
fn pin_text(value: f64) -> String {
    // Debug formatting is the shortest text that round-trips, and always
    // has a point or an exponent, so TOML reads it as a float.
    format!("{value:?}")
}
