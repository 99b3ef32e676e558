//! Pure text helpers: money for axis ticks and descriptions, label clean-up
//! and truncation, XML escaping.
//!
//! They are kept free of plotters so that the rules for how numbers read on a
//! chart can be unit-tested on their own.

/// The typographic minus sign (U+2212). Finance readers expect "−£1.2m"; the
/// ASCII hyphen is shorter than a plus sign and easy to miss on a chart.
pub const MINUS: char = '\u{2212}';

/// Units used for amounts, largest first: billions, millions, thousands.
const UNITS: [(f64, &str); 3] = [(1e9, "bn"), (1e6, "m"), (1e3, "k")];

/// Format pounds compactly to three significant figures:
/// `0 → "£0"`, `1500 → "£1.5k"`, `250000 → "£250k"`, `-1200000 → "−£1.2m"`.
///
/// Non-finite values give `"n/a"` so that a caller's stray NaN can never
/// turn into a misleading number.
pub fn format_money(value: f64) -> String {
    format_money_with_resolution(value, 0.0)
}

/// Format pounds as [`format_money`] does, but with enough decimals to tell
/// apart values `resolution` pounds apart.
///
/// Axis ticks need this: on an axis from £100,000 to £101,000 the ticks
/// £100.25k and £100.5k must not both read "£100k". `resolution` should be
/// a power of ten (see [`tick_resolution`]); other positive values are rounded
/// down to one, and zero or non-finite values mean "three significant
/// figures only".
pub fn format_money_with_resolution(value: f64, resolution: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let magnitude = value.abs();
    let sign = if value < 0.0 {
        MINUS.to_string()
    } else {
        String::new()
    };
    if magnitude >= 1e15 {
        // A thousand trillion pounds is a data error, not a budget; say it
        // compactly rather than with a screenful of digits.
        return format!("{sign}£{magnitude:.2e}");
    }
    let resolution = power_of_ten_at_most(resolution);
    let rounded = round_significant(magnitude, 3);

    let (mut divisor, mut suffix) = UNITS
        .iter()
        .find(|(unit, _)| rounded >= *unit)
        .copied()
        .unwrap_or((1.0, ""));
    // A unit so large that the resolution falls below a thousandth of it would
    // need more than three decimals: use the next smaller unit instead.
    if let Some(res) = resolution {
        while divisor > 1.0 && res / divisor < 1e-3 {
            (divisor, suffix) = UNITS
                .iter()
                .find(|(unit, _)| *unit < divisor)
                .copied()
                .unwrap_or((1.0, ""));
        }
    }

    let scaled = magnitude / divisor;
    let significant_decimals = if rounded == 0.0 {
        0
    } else {
        let digits = ((rounded / divisor).log10().floor() as i32).saturating_add(1);
        (3 - digits).max(0)
    };
    let resolution_decimals = resolution
        .map(|res| (-(res / divisor).log10() - 1e-9).ceil().max(0.0) as i32)
        .unwrap_or(0);
    // Whole pounds get at most pence; larger units at most three decimals.
    let max_decimals = if divisor == 1.0 { 2 } else { 3 };
    let decimals = significant_decimals
        .max(resolution_decimals)
        .clamp(0, max_decimals) as usize;

    let number = trim_decimal_zeros(&format!("{scaled:.decimals$}"));
    if number == "0" {
        // Never "−£0": a rounding artefact must not read as a loss.
        return "£0".to_string();
    }
    format!("{sign}£{number}{suffix}")
}

/// The power of ten at or below a tenth of the typical tick step for an axis
/// spanning `span` pounds: fine enough that neighbouring ticks never print the
/// same, coarse enough that ticks do not sprout needless decimals (trailing
/// zeros are trimmed anyway).
pub fn tick_resolution(span: f64) -> f64 {
    if !span.is_finite() || span <= 0.0 {
        return 0.0;
    }
    10f64.powf((span / 50.0).log10().floor())
}

/// Round a non-negative number to `digits` significant figures.
fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let exponent = value.log10().floor() as i32;
    let factor = 10f64.powi(exponent - digits + 1);
    (value / factor).round() * factor
}

/// The largest power of ten not above `value`, or `None` for zero, negative
/// or non-finite input.
fn power_of_ten_at_most(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then(|| 10f64.powf(value.log10().floor()))
}

/// "1.50" → "1.5", "2.000" → "2", "250" → "250".
fn trim_decimal_zeros(number: &str) -> String {
    if number.contains('.') {
        number
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        number.to_string()
    }
}

/// A whole number with thousands separators: `12345 → "12,345"`.
pub fn format_count(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a percentage with at most one decimal: `0.125 → "12.5%"`.
pub fn format_percent(share: f64) -> String {
    if !share.is_finite() {
        return "n/a".to_string();
    }
    format!("{}%", trim_decimal_zeros(&format!("{:.1}", share * 100.0)))
}

/// Make caller text safe to put in an SVG: control characters (newlines,
/// tabs, NUL, …) are not allowed or not rendered in XML text, so they become
/// spaces, and runs of whitespace collapse to one space.
pub fn clean_label(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Shorten `text` to at most `max_chars` characters, ending in "…" when cut.
/// The full text stays available in the SVG's tooltip and description.
pub fn truncate_label(text: &str, max_chars: usize) -> String {
    let max_chars = max_chars.max(1);
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars - 1).collect();
    format!("{}…", kept.trim_end())
}

/// Word-wrap `text` into at most `max_lines` lines of at most `max_chars`
/// characters; what does not fit is cut with "…". Used for category labels
/// under an axis, where two short lines read better than one cut-off line.
pub fn wrap_label(text: &str, max_chars: usize, max_lines: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let max_lines = max_lines.max(1);
    let mut lines: Vec<String> = vec![];
    let mut current = String::new();
    for word in text.split_whitespace() {
        let fits =
            current.is_empty() || current.chars().count() + 1 + word.chars().count() <= max_chars;
        if !fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        // The rest is longer than one line (greedy wrapping moved a word
        // down only because it did not fit), so truncation adds the "…".
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines
        .iter()
        .map(|line| truncate_label(line, max_chars))
        .collect()
}

/// A rough width in pixels of `text` in a proportional sans-serif font of
/// `font_px` pixels. Browsers render the SVG text with their own fonts, so
/// only an estimate is possible; 0.6 em per character errs on the wide side
/// for typical labels.
pub fn estimate_text_width(text: &str, font_px: f64) -> f64 {
    text.chars().count() as f64 * font_px * 0.6
}

/// How many characters fit in `width_px` at `font_px` (at least one).
pub fn chars_that_fit(width_px: f64, font_px: f64) -> usize {
    if !(width_px.is_finite() && font_px > 0.0) {
        return 1;
    }
    ((width_px / (font_px * 0.6)).floor() as usize).max(1)
}

/// Escape text for XML element content or a double-quoted attribute.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean_label(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_examples_from_the_brief() {
        assert_eq!(format_money(0.0), "£0");
        assert_eq!(format_money(1500.0), "£1.5k");
        assert_eq!(format_money(250_000.0), "£250k");
        assert_eq!(format_money(-1_200_000.0), "−£1.2m");
    }

    #[test]
    fn money_small_large_and_rounding_boundaries() {
        assert_eq!(format_money(999.0), "£999");
        assert_eq!(format_money(12.345), "£12.3");
        assert_eq!(format_money(0.5), "£0.5");
        assert_eq!(format_money(999.6), "£1k");
        assert_eq!(format_money(999_950.0), "£1m");
        assert_eq!(format_money(123_456.0), "£123k");
        assert_eq!(format_money(12_345.0), "£12.3k");
        assert_eq!(format_money(2_500_000_000.0), "£2.5bn");
        assert_eq!(format_money(-250.0), "−£250");
        assert_eq!(format_money(f64::MAX), "£1.80e308");
        assert_eq!(format_money(-2e15), "−£2.00e15");
        assert_eq!(format_money(999e12), "£999000bn");
    }

    #[test]
    fn money_never_shows_negative_zero() {
        assert_eq!(format_money(-0.0), "£0");
        assert_eq!(format_money(-0.001), "£0");
    }

    #[test]
    fn money_non_finite_is_not_a_number() {
        assert_eq!(format_money(f64::NAN), "n/a");
        assert_eq!(format_money(f64::INFINITY), "n/a");
        assert_eq!(format_money(f64::NEG_INFINITY), "n/a");
    }

    #[test]
    fn money_with_resolution_keeps_neighbouring_ticks_apart() {
        let res = tick_resolution(1000.0); // ticks every £100 or so
        assert_eq!(res, 10.0);
        assert_eq!(format_money_with_resolution(100_250.0, res), "£100.25k");
        assert_eq!(format_money_with_resolution(100_500.0, res), "£100.5k");
        assert_eq!(format_money_with_resolution(100_000.0, res), "£100k");
        // Plain three significant figures would merge them:
        assert_eq!(format_money(100_250.0), "£100k");
    }

    #[test]
    fn money_with_fine_resolution_drops_to_a_smaller_unit() {
        // Ticks a pound apart around a million: millions with 3 decimals are
        // not enough, thousands with 3 decimals are.
        let s = format_money_with_resolution(1_000_002.0, 1.0);
        assert_eq!(s, "£1000.002k");
    }

    #[test]
    fn tick_resolution_of_degenerate_spans_is_zero() {
        assert_eq!(tick_resolution(0.0), 0.0);
        assert_eq!(tick_resolution(f64::NAN), 0.0);
        assert_eq!(tick_resolution(-5.0), 0.0);
    }

    #[test]
    fn counts_and_percentages() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_percent(0.125), "12.5%");
        assert_eq!(format_percent(0.3), "30%");
    }

    #[test]
    fn labels_are_cleaned_and_truncated() {
        assert_eq!(clean_label("  a\nb\t\u{0}c  "), "a b c");
        assert_eq!(truncate_label("Police", 10), "Police");
        assert_eq!(truncate_label("Department for Work", 8), "Departm…");
        assert_eq!(truncate_label("abc", 0), "…");
        assert_eq!(truncate_label("Local Authority", 7), "Local…");
    }

    #[test]
    fn wrapping_labels() {
        assert_eq!(
            wrap_label("Department for Work and Pensions", 20, 2),
            vec!["Department for Work", "and Pensions"]
        );
        assert_eq!(wrap_label("Police", 20, 2), vec!["Police"]);
        assert_eq!(
            wrap_label("Supercalifragilistic expialidocious", 8, 2),
            vec!["Superca…", "expiali…"]
        );
        assert_eq!(wrap_label("a b c d e f", 3, 2), vec!["a b", "c…"]);
        assert!(wrap_label("", 5, 2).is_empty());
    }

    #[test]
    fn xml_escaping() {
        assert_eq!(
            escape_xml("A & B <c> \"d\" 'e'"),
            "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
    }
}
