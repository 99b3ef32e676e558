//! Tornado chart: one-way sensitivity of a result to each input. Each bar
//! runs from the base result to the result with the input at its low value
//! and at its high value; the widest swing goes on top, so the inputs that
//! matter most are read first.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::format::{
    chars_that_fit, clean_label, estimate_text_width, format_money, format_money_with_resolution,
    tick_resolution, truncate_label,
};
use crate::frame::{
    ChartOptions, LABEL_SIZE, LegendEntry, SMALL_SIZE, Swatch, axis_range, draw_frame, font_px,
    no_data_svg, render, text_style, tick_count, title_or, usable,
};
use crate::palette;
use crate::svg::Group;

/// A tornado chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tornado {
    /// Chart title, also the accessible name of the SVG.
    pub title: String,
    /// What the x axis measures, e.g. "Net present value".
    pub x_label: String,
    /// The result with every input at its central value, in pounds.
    pub base: f64,
    /// One bar per input, in any order: the chart sorts them.
    pub bars: Vec<TornadoBar>,
}

/// The result with one input moved to its low and to its high value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TornadoBar {
    /// The input's name, e.g. "Discount rate".
    pub label: String,
    /// Result in pounds with the input at its low value.
    pub at_low: f64,
    /// Result in pounds with the input at its high value.
    pub at_high: f64,
    /// The low input value as text, e.g. "1.5%".
    pub low_input: String,
    /// The high input value as text, e.g. "5%".
    pub high_input: String,
}

/// Colour of the segment for the input's low value.
const LOW_COLOR: RGBColor = palette::ORANGE;
/// Colour of the segment for the input's high value.
const HIGH_COLOR: RGBColor = palette::SKY_BLUE;

/// A bar ready to draw: non-finite results are `None` (that end is not
/// drawn), labels cleaned.
#[derive(Debug, Clone, PartialEq)]
struct Prepared {
    label: String,
    at_low: Option<f64>,
    at_high: Option<f64>,
    low_input: String,
    high_input: String,
    swing: f64,
}

/// The swing of a bar: the distance between its two results, or between
/// the one finite result and the base when the other is missing.
fn swing(base: f64, at_low: Option<f64>, at_high: Option<f64>) -> Option<f64> {
    match (at_low, at_high) {
        (Some(l), Some(h)) => Some((h - l).abs()),
        (Some(v), None) | (None, Some(v)) => Some((v - base).abs()),
        (None, None) => None,
    }
}

/// Bars that can be drawn, widest swing first; equal swings keep the
/// caller's order. Bars with no finite result are dropped.
fn prepare(t: &Tornado) -> Vec<Prepared> {
    let finite = |v: f64| usable(v).then_some(v);
    let mut bars: Vec<Prepared> = t
        .bars
        .iter()
        .filter_map(|b| {
            let (at_low, at_high) = (finite(b.at_low), finite(b.at_high));
            Some(Prepared {
                label: clean_label(&b.label),
                at_low,
                at_high,
                low_input: clean_label(&b.low_input),
                high_input: clean_label(&b.high_input),
                swing: swing(t.base, at_low, at_high)?,
            })
        })
        .collect();
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    bars
}

/// The labels of the bars in the order they are drawn, top to bottom.
pub fn tornado_order(t: &Tornado) -> Vec<String> {
    prepare(t).into_iter().map(|b| b.label).collect()
}

fn money_or_missing(v: Option<f64>) -> String {
    v.map(format_money)
        .unwrap_or_else(|| "not available".to_string())
}

/// The data in words: the base and each input, widest swing first, with
/// the result at each of its values.
pub fn tornado_description(t: &Tornado) -> String {
    let bars = prepare(t);
    if !usable(t.base) || bars.is_empty() {
        return crate::frame::NO_DATA_DESC.to_string();
    }
    let parts: Vec<String> = bars
        .iter()
        .map(|b| {
            format!(
                "{}: {} gives {}, {} gives {} (swing {})",
                b.label,
                or_low(&b.low_input),
                money_or_missing(b.at_low),
                or_high(&b.high_input),
                money_or_missing(b.at_high),
                format_money(b.swing),
            )
        })
        .collect();
    format!(
        "Base result {}. Inputs from widest swing to narrowest: {}.",
        format_money(t.base),
        parts.join("; ")
    )
}

fn or_low(s: &str) -> &str {
    if s.is_empty() { "low value" } else { s }
}

fn or_high(s: &str) -> &str {
    if s.is_empty() { "high value" } else { s }
}

/// Render a tornado chart as an 800×480 SVG.
pub fn tornado_svg(t: &Tornado) -> String {
    tornado_svg_with(t, &ChartOptions::default())
}

/// Render a tornado chart as SVG with the given options.
pub fn tornado_svg_with(t: &Tornado, options: &ChartOptions) -> String {
    crate::frame::guarded(options, &t.title, || draw_tornado(t, options))
}

fn draw_tornado(t: &Tornado, options: &ChartOptions) -> String {
    let title = title_or(&t.title, "Tornado chart");
    let bars = prepare(t);
    if !usable(t.base) || bars.is_empty() {
        return no_data_svg(options, &title);
    }
    let base = t.base;
    let desc = tornado_description(t);
    let legend = [
        LegendEntry::new("Input at its low value", LOW_COLOR, Swatch::Box),
        LegendEntry::new("Input at its high value", HIGH_COLOR, Swatch::Box),
    ];
    let (width, _) = options.size();
    let width = f64::from(width);

    // Left label area: as wide as the longest input name, within reason.
    let label_px = font_px(LABEL_SIZE);
    let longest = bars
        .iter()
        .map(|b| estimate_text_width(&b.label, label_px))
        .fold(0.0, f64::max);
    let label_area = (longest + 16.0).clamp(60.0, width * 0.3);
    let max_label_chars = chars_that_fit(label_area - 16.0, label_px);

    // Pad the value range so the input labels at the bar ends fit inside.
    let small_px = font_px(SMALL_SIZE);
    let end_labels: Vec<(String, String)> = bars
        .iter()
        .map(|b| {
            (
                truncate_label(&b.low_input, 20),
                truncate_label(&b.high_input, 20),
            )
        })
        .collect();
    let widest_end = end_labels
        .iter()
        .flat_map(|(l, h)| {
            [
                estimate_text_width(l, small_px),
                estimate_text_width(h, small_px),
            ]
        })
        .fold(0.0, f64::max);
    let plot_estimate = (width - label_area - 40.0).max(100.0);
    let pad = ((widest_end + 12.0) / plot_estimate).clamp(0.05, 0.4);

    render(options, &title, &desc, |root, groups| {
        let area = draw_frame(root, groups, &title, &legend)?;
        let values = bars.iter().flat_map(|b| [b.at_low, b.at_high]).flatten();
        let (x0, x1) = axis_range(values, Some(base), 0.0);
        let span = x1 - x0;
        let (x0, x1) = (x0 - span * pad, x1 + span * pad);
        let n = bars.len() as f64;
        // Half a band of head-room above the top bar for the base label.
        let y1 = n + 0.5;

        let x_res = tick_resolution(x1 - x0);
        let x_fmt = |v: &f64| format_money_with_resolution(*v, x_res);
        let x_desc = truncate_label(&clean_label(&t.x_label), 80);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(25)
            .margin_bottom(8)
            .margin_top(4)
            .x_label_area_size(48)
            .y_label_area_size(label_area as u32)
            .build_cartesian_2d(x0..x1, 0.0..y1)?;
        let (plot_w, _) = chart.plotting_area().dim_in_pixel();
        groups.within(root, Group::class("axes"), |_| {
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(tick_count(f64::from(plot_w), 60.0, 8))
                .max_light_lines(1)
                .x_label_formatter(&x_fmt)
                .x_desc(x_desc)
                .label_style(text_style(
                    LABEL_SIZE,
                    palette::INK,
                    HPos::Center,
                    VPos::Top,
                ))
                .axis_desc_style(
                    (crate::frame::FONT, LABEL_SIZE)
                        .into_font()
                        .color(&palette::INK),
                )
                .bold_line_style(palette::GRID)
                .light_line_style(palette::GRID_LIGHT)
                .axis_style(palette::MUTED_INK)
                .draw()?;
            Ok(())
        })?;
        let plot = chart.plotting_area();
        let (plot_x, _) = plot.get_pixel_range();

        groups.within(root, Group::class("bars"), |groups| {
            for (rank, (bar, (low_text, high_text))) in bars.iter().zip(&end_labels).enumerate() {
                // Rank 0 (widest) at the top: plotters' y axis points up.
                let centre = n - rank as f64 - 0.5;
                let (y_lo, y_hi) = (centre - 0.35, centre + 0.35);
                let tooltip = format!(
                    "{}: {} gives {}, {} gives {}",
                    bar.label,
                    or_low(&bar.low_input),
                    money_or_missing(bar.at_low),
                    or_high(&bar.high_input),
                    money_or_missing(bar.at_high)
                );
                groups.within(root, Group::class("bar").titled(tooltip), |_| {
                    let mut ends = vec![];
                    if let Some(v) = bar.at_low {
                        ends.push((v, LOW_COLOR, low_text));
                    }
                    if let Some(v) = bar.at_high {
                        ends.push((v, HIGH_COLOR, high_text));
                    }
                    // Longer segment first, so a shorter one on the same side
                    // of the base is drawn on top of it and stays visible.
                    ends.sort_by(|a, b| (b.0 - base).abs().total_cmp(&(a.0 - base).abs()));
                    let same_side = ends.len() == 2
                        && (ends[0].0 - base).signum() == (ends[1].0 - base).signum();
                    for (i, &(v, color, text)) in ends.iter().enumerate() {
                        plot.draw(&Rectangle::new([(base, y_lo), (v, y_hi)], color.filled()))?;
                        let (px, py) = chart.backend_coord(&(v, centre));
                        // Two labels on one side: one above the other.
                        let py = if same_side {
                            py - 7 + 14 * i as i32
                        } else {
                            py
                        };
                        let (anchor, px) = if v < base {
                            (HPos::Right, px - 5)
                        } else {
                            (HPos::Left, px + 5)
                        };
                        root.draw(&Text::new(
                            text.clone(),
                            (px, py),
                            text_style(SMALL_SIZE, palette::MUTED_INK, anchor, VPos::Center),
                        ))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;

        groups.within(root, Group::class("bar-labels"), |_| {
            for (rank, bar) in bars.iter().enumerate() {
                let centre = n - rank as f64 - 0.5;
                let (_, py) = chart.backend_coord(&(x0, centre));
                root.draw(&Text::new(
                    truncate_label(&bar.label, max_label_chars),
                    (plot_x.start - 8, py),
                    text_style(LABEL_SIZE, palette::INK, HPos::Right, VPos::Center),
                ))?;
            }
            Ok(())
        })?;

        let base_label = format!("Base {}", format_money(base));
        groups.within(
            root,
            Group::class("base").titled(base_label.clone()),
            |_| {
                plot.draw(&PathElement::new(
                    vec![(base, 0.0), (base, n)],
                    palette::INK.stroke_width(2),
                ))?;
                let (px, py) = chart.backend_coord(&(base, n));
                root.draw(&Text::new(
                    base_label,
                    (px, py - 3),
                    text_style(SMALL_SIZE, palette::INK, HPos::Center, VPos::Bottom),
                ))?;
                Ok(())
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, at_low: f64, at_high: f64) -> TornadoBar {
        TornadoBar {
            label: label.into(),
            at_low,
            at_high,
            low_input: "low".into(),
            high_input: "high".into(),
        }
    }

    #[test]
    fn swing_uses_both_ends_or_the_base() {
        assert_eq!(swing(0.0, Some(-5.0), Some(10.0)), Some(15.0));
        assert_eq!(swing(100.0, Some(150.0), Some(160.0)), Some(10.0));
        assert_eq!(swing(100.0, None, Some(160.0)), Some(60.0));
        assert_eq!(swing(100.0, None, None), None);
    }

    #[test]
    fn bars_sorted_by_swing_stably_and_unusable_bars_dropped() {
        let t = Tornado {
            base: 0.0,
            bars: vec![
                bar("small", -1.0, 1.0),
                bar("nan", f64::NAN, f64::INFINITY),
                bar("big", -10.0, 10.0),
                bar("small too", -2.0, 0.0),
                bar("one sided", f64::NAN, 5.0),
            ],
            ..Tornado::default()
        };
        assert_eq!(
            tornado_order(&t),
            vec!["big", "one sided", "small", "small too"]
        );
    }
}
