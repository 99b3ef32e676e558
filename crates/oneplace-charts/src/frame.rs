//! What every chart shares: the canvas, title, legend, the "no data" page,
//! axis ranges, text styles and the guard that keeps rendering total.

use std::panic::{AssertUnwindSafe, catch_unwind};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::format::{chars_that_fit, clean_label, estimate_text_width, truncate_label};
use crate::palette;
use crate::svg::{DrawErr, Group, Groups, Root, finish};

/// Size of a chart in pixels. The SVG scales freely on a web page (it has a
/// `viewBox`); the size sets the proportions and the text size relative to
/// the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartOptions {
    /// Width in pixels (clamped to 240–4096).
    pub width: u32,
    /// Height in pixels (clamped to 160–4096).
    pub height: u32,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            width: 800,
            height: 480,
        }
    }
}

impl ChartOptions {
    /// Options for a chart of the given size.
    pub fn new(width: u32, height: u32) -> Self {
        ChartOptions { width, height }
    }

    /// The size actually used: very small canvases leave no room for axes
    /// and labels (plotters would then have negative areas to lay out), and
    /// huge ones are a mistake.
    pub(crate) fn size(&self) -> (u32, u32) {
        (self.width.clamp(240, 4096), self.height.clamp(160, 4096))
    }
}

/// Font family written into the SVG. The viewer's own sans-serif font draws
/// the text; see the crate README for why no font is embedded.
pub(crate) const FONT: &str = "sans-serif";

/// Font sizes in plotters units; plotters writes `size / 1.24` as the SVG
/// `font-size` in pixels (so 22 → 17.7px).
pub(crate) const TITLE_SIZE: f64 = 22.0;
pub(crate) const LABEL_SIZE: f64 = 15.0;
pub(crate) const SMALL_SIZE: f64 = 14.0;

/// The pixel size of text drawn at a plotters size.
pub(crate) fn font_px(size: f64) -> f64 {
    size / 1.24
}

/// A text style anchored at `h`/`v`.
pub(crate) fn text_style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// How a chart's drawing closure reports failure.
pub(crate) type DrawResult = Result<(), DrawErr>;

/// Run a whole chart function so that it is total: if anything in it
/// panics (our code or plotters'), the result is a plain SVG saying the chart
/// could not be drawn. A chart is never worth a crashed web request or report
/// run. Tests check that this fallback does not occur for their inputs, so a
/// bug still shows up there.
pub(crate) fn guarded(
    options: &ChartOptions,
    title: &str,
    chart: impl FnOnce() -> String,
) -> String {
    catch_unwind(AssertUnwindSafe(chart)).unwrap_or_else(|_| fallback_svg(options.size(), title))
}

/// Draw a chart and return the finished, accessible SVG.
///
/// `draw` gets the root area (already filled white) and the group recorder.
/// If plotters reports an error the result is the could-not-draw SVG.
pub(crate) fn render(
    options: &ChartOptions,
    title: &str,
    desc: &str,
    draw: impl FnOnce(&Root, &mut Groups) -> DrawResult,
) -> String {
    let size = options.size();
    draw_to_string(size, title, desc, draw).unwrap_or_else(|_| fallback_svg(size, title))
}

fn draw_to_string(
    size: (u32, u32),
    title: &str,
    desc: &str,
    draw: impl FnOnce(&Root, &mut Groups) -> DrawResult,
) -> Result<String, DrawErr> {
    let mut raw = String::new();
    let mut groups = Groups::default();
    {
        let root = SVGBackend::with_string(&mut raw, size).into_drawing_area();
        root.fill(&palette::BACKGROUND)?;
        draw(&root, &mut groups)?;
        root.present()?;
    }
    Ok(finish(&raw, &groups, title, desc))
}

/// Text shown when plotters failed; deliberately hand-written so it cannot
/// fail in turn.
pub(crate) const FALLBACK_TEXT: &str = "This chart could not be drawn.";

fn fallback_svg((width, height): (u32, u32), title: &str) -> String {
    let title = crate::format::escape_xml(title);
    format!(
        concat!(
            r##"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}">"##,
            "\n<title>{t}</title>\n<desc>{msg}</desc>\n",
            r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#FFFFFF"/>"##,
            "\n",
            r##"<text x="{cx}" y="{cy}" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#222222">{msg}</text>"##,
            "\n</svg>\n"
        ),
        w = width,
        h = height,
        cx = width / 2,
        cy = height / 2,
        t = title,
        msg = FALLBACK_TEXT,
    )
}

/// The chart's title as drawn: cleaned and shortened to fit the width. The
/// full title stays in `<title>` and `aria-label`.
pub(crate) fn display_title(title: &str, width: u32) -> String {
    let room = f64::from(width) - 40.0;
    truncate_label(
        &clean_label(title),
        chars_that_fit(room, font_px(TITLE_SIZE)),
    )
}

/// The name a chart goes by when the caller gave no title.
pub(crate) fn title_or(title: &str, fallback: &str) -> String {
    let title = clean_label(title);
    if title.is_empty() {
        fallback.to_string()
    } else {
        title
    }
}

/// What a legend swatch looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    /// A filled square, for bars.
    Box,
    /// A solid line, for line series.
    Line,
    /// A dashed line.
    Dashed,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: &str, color: RGBColor, swatch: Swatch) -> Self {
        LegendEntry {
            label: label.to_string(),
            color,
            swatch,
        }
    }
}

/// Height of the title band.
const TITLE_BAND: i32 = 36;
/// Height of the legend band.
const LEGEND_BAND: i32 = 24;

/// Draw the title and (if any) the legend; return the area left for the plot.
///
/// The legend sits in its own band between title and plot rather than inside
/// the plot, so it can never hide a bar or a line.
pub(crate) fn draw_frame<'a>(
    root: &Root<'a>,
    groups: &mut Groups,
    title: &str,
    legend: &[LegendEntry],
) -> Result<Root<'a>, DrawErr> {
    let (width, _) = root.dim_in_pixel();
    let shown = display_title(title, width);
    groups.within(root, Group::class("chart-title"), |_| {
        root.draw(&Text::new(
            shown,
            (width as i32 / 2, 10),
            text_style(TITLE_SIZE, palette::INK, HPos::Center, VPos::Top),
        ))?;
        Ok(())
    })?;
    let mut top = TITLE_BAND;
    if !legend.is_empty() {
        draw_legend(root, groups, legend, TITLE_BAND + LEGEND_BAND / 2)?;
        top += LEGEND_BAND;
    }
    Ok(root.margin(top, 0, 0, 0))
}

/// Draw legend entries in one centred row at height `y_mid`.
fn draw_legend(
    root: &Root,
    groups: &mut Groups,
    entries: &[LegendEntry],
    y_mid: i32,
) -> DrawResult {
    let (width, _) = root.dim_in_pixel();
    let px = font_px(SMALL_SIZE);
    let swatch_w = 22.0;
    let gap = 18.0;
    // Shorten labels if the row would not fit.
    let room_each = (f64::from(width) - 40.0) / entries.len() as f64 - swatch_w - gap;
    let labels: Vec<String> = entries
        .iter()
        .map(|e| truncate_label(&clean_label(&e.label), chars_that_fit(room_each, px)))
        .collect();
    let total: f64 = labels
        .iter()
        .map(|l| swatch_w + 6.0 + estimate_text_width(l, px))
        .sum::<f64>()
        + gap * (entries.len().saturating_sub(1)) as f64;
    let mut x = ((f64::from(width) - total) / 2.0).max(10.0);

    groups.within(root, Group::class("legend"), |groups| {
        for (entry, label) in entries.iter().zip(&labels) {
            let x0 = x.round() as i32;
            let swatch_group = match entry.swatch {
                Swatch::Dashed => Group::class("legend-swatch").dashed("6 4"),
                _ => Group::class("legend-swatch"),
            };
            groups.within(root, swatch_group, |_| {
                match entry.swatch {
                    Swatch::Box => root.draw(&Rectangle::new(
                        [(x0 + 4, y_mid - 7), (x0 + 18, y_mid + 7)],
                        entry.color.filled(),
                    ))?,
                    Swatch::Line | Swatch::Dashed => root.draw(&PathElement::new(
                        vec![(x0, y_mid), (x0 + swatch_w as i32, y_mid)],
                        entry.color.stroke_width(3),
                    ))?,
                }
                Ok(())
            })?;
            root.draw(&Text::new(
                label.clone(),
                (x0 + swatch_w as i32 + 6, y_mid),
                text_style(SMALL_SIZE, palette::MUTED_INK, HPos::Left, VPos::Center),
            ))?;
            x += swatch_w + 6.0 + estimate_text_width(label, px) + gap;
        }
        Ok(())
    })
}

/// The SVG for a chart with nothing to draw: the title and the words
/// "No data to show", so a page or report shows an honest empty chart rather
/// than blank space or empty axes.
pub(crate) fn no_data_svg(options: &ChartOptions, title: &str) -> String {
    render(options, title, NO_DATA_DESC, |root, groups| {
        let area = draw_frame(root, groups, title, &[])?;
        let (w, h) = area.dim_in_pixel();
        groups.within(root, Group::class("no-data"), |_| {
            area.draw(&Text::new(
                NO_DATA_TEXT,
                (w as i32 / 2, h as i32 / 2),
                text_style(TITLE_SIZE, palette::MUTED_INK, HPos::Center, VPos::Center),
            ))?;
            Ok(())
        })
    })
}

/// Text drawn in an empty chart.
pub const NO_DATA_TEXT: &str = "No data to show";
/// Description of an empty chart.
pub(crate) const NO_DATA_DESC: &str = "No data to show.";

/// The largest amount a chart draws: £10^15, a thousand trillion pounds.
/// Anything larger is a data error, and skipping it like NaN keeps every
/// sum and span of drawn values far from overflow (plotters' tick search
/// loops forever on an infinite or vanishingly thin axis).
pub(crate) const MAX_MONEY: f64 = 1e15;

/// Whether a value can be drawn: finite and at most [`MAX_MONEY`] in size.
pub(crate) fn usable(value: f64) -> bool {
    value.is_finite() && value.abs() <= MAX_MONEY
}

/// The axis range to show for `values`: from the smallest to the largest,
/// always including `include` (usually £0, so bars and the zero line have a
/// base), with `pad` of the span added at each end. Unusable values are
/// ignored. An axis with no spread, or a spread under a millionth of its
/// magnitude, is widened around the values, so plotters always gets a finite
/// axis it can put ticks on.
pub(crate) fn axis_range(
    values: impl IntoIterator<Item = f64>,
    include: Option<f64>,
    pad: f64,
) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().chain(include).filter(|v| usable(*v)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let min_span = (lo.abs().max(hi.abs()) * 1e-6).max(1e-6);
    if span < min_span {
        let half = (lo.abs().max(hi.abs()) * 0.1).max(1.0);
        return (lo - half, hi + half);
    }
    let pad = span * pad;
    // Do not pad below/above `include` (a bar base at £0 should sit on the axis).
    let lo_out = if include == Some(lo) { lo } else { lo - pad };
    let hi_out = if include == Some(hi) { hi } else { hi + pad };
    (lo_out, hi_out)
}

/// How many ticks an axis of `pixels` length can carry with about
/// `per_tick` pixels each, between 2 and `max`: money tick labels such as
/// "−£1.25m" need ~70px across, so a narrow chart gets fewer of them.
pub(crate) fn tick_count(pixels: f64, per_tick: f64, max: usize) -> usize {
    if !(pixels.is_finite() && per_tick > 0.0) {
        return 2;
    }
    ((pixels / per_tick).floor() as usize).clamp(2, max.max(2))
}

/// Assign each label (given centre and width in pixels, in left-to-right
/// order) to a text row so that labels in the same row do not overlap.
/// Labels go in the first row with room; when all `max_rows` rows are full,
/// in the row whose last label ends soonest (overlap is then unavoidable).
pub(crate) fn assign_label_rows(labels: &[(f64, f64)], max_rows: usize) -> Vec<usize> {
    let max_rows = max_rows.max(1);
    let mut row_ends: Vec<f64> = Vec::new();
    let gap = 6.0;
    labels
        .iter()
        .map(|&(centre, width)| {
            let start = centre - width / 2.0;
            let end = centre + width / 2.0;
            let row = match row_ends.iter().position(|&e| e + gap <= start) {
                Some(row) => row,
                None if row_ends.len() < max_rows => {
                    row_ends.push(f64::NEG_INFINITY);
                    row_ends.len() - 1
                }
                None => row_ends
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| i)
                    .unwrap_or(0),
            };
            row_ends[row] = end;
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_range_includes_zero_without_padding_past_it() {
        assert_eq!(axis_range([10.0, 20.0], Some(0.0), 0.1), (0.0, 22.0));
        assert_eq!(axis_range([-10.0, -20.0], Some(0.0), 0.1), (-22.0, 0.0));
    }

    #[test]
    fn axis_range_skips_non_finite_and_widens_degenerate_ranges() {
        assert_eq!(axis_range([f64::NAN, f64::INFINITY], None, 0.1), (0.0, 1.0));
        assert_eq!(axis_range([5.0], None, 0.1), (4.0, 6.0));
        assert_eq!(axis_range([0.0, 0.0], Some(0.0), 0.1), (-1.0, 1.0));
        assert_eq!(axis_range([1000.0], None, 0.1), (900.0, 1100.0));
        assert_eq!(axis_range([f64::MAX, 1e16, 5.0], None, 0.1), (4.0, 6.0));
        // Spread far below the magnitude: widened like a single value.
        let (lo, hi) = axis_range([1e12, 1e12 + 1e-3], None, 0.1);
        assert!(hi - lo > 1e10, "{lo}..{hi}");
    }

    #[test]
    fn label_rows_avoid_overlap() {
        // Three labels 40px wide: the first two overlap, the third is clear.
        let rows = assign_label_rows(&[(100.0, 40.0), (110.0, 40.0), (300.0, 40.0)], 3);
        assert_eq!(rows, vec![0, 1, 0]);
        // With one row allowed everything shares it.
        let rows = assign_label_rows(&[(100.0, 40.0), (110.0, 40.0)], 1);
        assert_eq!(rows, vec![0, 0]);
    }

    #[test]
    fn tick_count_follows_axis_length() {
        assert_eq!(tick_count(700.0, 75.0, 8), 8);
        assert_eq!(tick_count(230.0, 75.0, 8), 3);
        assert_eq!(tick_count(10.0, 75.0, 8), 2);
        assert_eq!(tick_count(f64::NAN, 75.0, 8), 2);
    }

    #[test]
    fn options_are_clamped() {
        assert_eq!(ChartOptions::new(0, 0).size(), (240, 160));
        assert_eq!(ChartOptions::default().size(), (800, 480));
        assert_eq!(ChartOptions::new(100_000, 500).size(), (4096, 500));
    }

    #[test]
    fn fallback_is_well_formed_xml_with_escaped_title() {
        let svg = fallback_svg((800, 480), "A <b> & c");
        assert!(svg.contains("aria-label=\"A &lt;b&gt; &amp; c\""));
        assert!(svg.contains(FALLBACK_TEXT));
    }
}
