//! Cumulative cash flow over the years of an appraisal, undiscounted and
//! discounted, with the payback years marked: the picture behind "when do we
//! get our money back?".

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::format::{
    chars_that_fit, clean_label, estimate_text_width, format_money, format_money_with_resolution,
    tick_resolution, truncate_label,
};
use crate::frame::{
    ChartOptions, LABEL_SIZE, LegendEntry, SMALL_SIZE, Swatch, assign_label_rows, axis_range,
    draw_frame, font_px, no_data_svg, render, text_style, tick_count, title_or, usable,
};
use crate::palette;
use crate::svg::{Group, Groups, Root};

/// Cumulative net cash flow by year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CashFlow {
    /// Chart title, also the accessible name of the SVG.
    pub title: String,
    /// Year labels, e.g. "2025/26". Missing labels read "Year N".
    pub years: Vec<String>,
    /// Cumulative net cash flow in pounds, one value per year.
    pub cumulative: Vec<f64>,
    /// Cumulative discounted (present value) net cash flow in pounds.
    pub cumulative_discounted: Vec<f64>,
    /// Index into `years` of the payback year, if reached.
    pub payback: Option<usize>,
    /// Index into `years` of the discounted payback year, if reached.
    pub payback_discounted: Option<usize>,
}

const CUMULATIVE_COLOR: RGBColor = palette::BLUE;
const DISCOUNTED_COLOR: RGBColor = palette::ORANGE;
const CUMULATIVE_NAME: &str = "Cumulative net cash flow";
const DISCOUNTED_NAME: &str = "Discounted (present value)";

/// Number of years shown: the longest of the three lists, so no value is
/// silently dropped when the caller's lists differ in length.
fn year_count(c: &CashFlow) -> usize {
    c.years
        .len()
        .max(c.cumulative.len())
        .max(c.cumulative_discounted.len())
}

fn year_label(c: &CashFlow, i: usize) -> String {
    c.years
        .get(i)
        .map(|y| clean_label(y))
        .filter(|y| !y.is_empty())
        .unwrap_or_else(|| format!("Year {}", i + 1))
}

/// Consecutive runs of finite values as (year index, value): a NaN breaks
/// the line rather than being drawn as zero.
fn finite_runs(values: &[f64]) -> Vec<Vec<(usize, f64)>> {
    let mut runs = vec![];
    let mut run = vec![];
    for (i, &v) in values.iter().enumerate() {
        if usable(v) {
            run.push((i, v));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

fn last_finite(values: &[f64]) -> Option<(usize, f64)> {
    values
        .iter()
        .copied()
        .enumerate()
        .rev()
        .find(|(_, v)| usable(*v))
}

fn has_data(c: &CashFlow) -> bool {
    c.cumulative
        .iter()
        .chain(&c.cumulative_discounted)
        .any(|v| usable(*v))
}

/// Payback markers to draw: (year index, label). When both paybacks fall in
/// the same year one marker says so, instead of two labels on top of each
/// other. Indices past the last year are ignored.
fn payback_marks(c: &CashFlow) -> Vec<(usize, String)> {
    let n = year_count(c);
    let valid = |p: Option<usize>| p.filter(|&i| i < n);
    match (valid(c.payback), valid(c.payback_discounted)) {
        (Some(a), Some(b)) if a == b => {
            vec![(
                a,
                format!("Payback (also discounted): {}", year_label(c, a)),
            )]
        }
        (a, b) => {
            let mut marks = vec![];
            if let Some(a) = a {
                marks.push((a, format!("Payback: {}", year_label(c, a))));
            }
            if let Some(b) = b {
                marks.push((b, format!("Discounted payback: {}", year_label(c, b))));
            }
            marks.sort_by_key(|m| m.0);
            marks
        }
    }
}

/// The data in words: the period, where each line ends and the paybacks.
pub fn cash_flow_description(c: &CashFlow) -> String {
    if !has_data(c) {
        return crate::frame::NO_DATA_DESC.to_string();
    }
    let n = year_count(c);
    let mut text = format!(
        "Cumulative net cash flow over {} year{}, {} to {}.",
        n,
        if n == 1 { "" } else { "s" },
        year_label(c, 0),
        year_label(c, n - 1)
    );
    for (name, values) in [
        ("Undiscounted", &c.cumulative),
        ("Discounted", &c.cumulative_discounted),
    ] {
        if let Some((i, v)) = last_finite(values) {
            text.push_str(&format!(
                " {name}, it ends at {} in {}.",
                format_money(v),
                year_label(c, i)
            ));
        }
    }
    let year_or_not = |p: Option<usize>| match p.filter(|&i| i < n) {
        Some(i) => format!("in {}", year_label(c, i)),
        None => "not reached in the period shown".to_string(),
    };
    text.push_str(&format!(
        " Payback {}; discounted payback {}.",
        year_or_not(c.payback),
        year_or_not(c.payback_discounted)
    ));
    text
}

/// Render a cumulative cash flow chart as an 800×480 SVG.
pub fn cash_flow_svg(c: &CashFlow) -> String {
    cash_flow_svg_with(c, &ChartOptions::default())
}

/// Render a cumulative cash flow chart as SVG with the given options.
pub fn cash_flow_svg_with(c: &CashFlow, options: &ChartOptions) -> String {
    crate::frame::guarded(options, &c.title, || draw_cash_flow(c, options))
}

fn draw_cash_flow(c: &CashFlow, options: &ChartOptions) -> String {
    let title = title_or(&c.title, "Cumulative cash flow");
    if !has_data(c) {
        return no_data_svg(options, &title);
    }
    let n = year_count(c);
    let desc = cash_flow_description(c);
    let has = |v: &[f64]| v.iter().any(|x| usable(*x));
    let mut legend = vec![];
    if has(&c.cumulative) {
        legend.push(LegendEntry::new(
            CUMULATIVE_NAME,
            CUMULATIVE_COLOR,
            Swatch::Line,
        ));
    }
    if has(&c.cumulative_discounted) {
        legend.push(LegendEntry::new(
            DISCOUNTED_NAME,
            DISCOUNTED_COLOR,
            Swatch::Dashed,
        ));
    }
    let marks = payback_marks(c);

    render(options, &title, &desc, |root, groups| {
        let area = draw_frame(root, groups, &title, &legend)?;
        let values = c.cumulative.iter().chain(&c.cumulative_discounted).copied();
        let (y0, y1) = axis_range(values, Some(0.0), 0.08);
        // Head-room for up to two rows of payback labels.
        let y1 = if marks.is_empty() {
            y1
        } else {
            y1 + (y1 - y0) * 0.14
        };
        let (x0, x1) = (-0.5, n as f64 - 0.5);

        let y_res = tick_resolution(y1 - y0);
        let y_fmt = |v: &f64| format_money_with_resolution(*v, y_res);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(25)
            .margin_bottom(8)
            .margin_top(4)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let (_, plot_h) = chart.plotting_area().dim_in_pixel();
        groups.within(root, Group::class("axes"), |_| {
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(tick_count(f64::from(plot_h), 45.0, 7))
                .max_light_lines(1)
                .y_label_formatter(&y_fmt)
                .x_desc("Year")
                .y_desc("Cumulative (£)")
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
        let (plot_x, plot_y) = plot.get_pixel_range();

        // Year labels under the axis, thinned so they never overlap.
        let label_px = font_px(LABEL_SIZE);
        let labels: Vec<String> = (0..n)
            .map(|i| truncate_label(&year_label(c, i), 12))
            .collect();
        let widest = labels
            .iter()
            .map(|l| estimate_text_width(l, label_px))
            .fold(0.0, f64::max);
        let slot = f64::from((plot_x.end - plot_x.start).max(1)) / n as f64;
        let step = ((widest + 8.0) / slot).ceil().max(1.0) as usize;
        groups.within(root, Group::class("year-labels"), |_| {
            for (i, label) in labels.iter().enumerate().step_by(step) {
                let (px, _) = chart.backend_coord(&(i as f64, y0));
                root.draw(&PathElement::new(
                    vec![(px, plot_y.end), (px, plot_y.end + 4)],
                    palette::MUTED_INK,
                ))?;
                root.draw(&Text::new(
                    label.clone(),
                    (px, plot_y.end + 7),
                    text_style(LABEL_SIZE, palette::INK, HPos::Center, VPos::Top),
                ))?;
            }
            Ok(())
        })?;

        groups.within(root, Group::class("zero-line"), |_| {
            plot.draw(&PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                palette::INK.stroke_width(1),
            ))?;
            Ok(())
        })?;

        let year_of = |i: usize| year_label(c, i);
        draw_series(
            root,
            groups,
            plot,
            "cumulative",
            &c.cumulative,
            CUMULATIVE_COLOR,
            None,
            &year_of,
        )?;
        draw_series(
            root,
            groups,
            plot,
            "discounted",
            &c.cumulative_discounted,
            DISCOUNTED_COLOR,
            Some("8 5"),
            &year_of,
        )?;

        if marks.is_empty() {
            return Ok(());
        }
        let small_px = font_px(SMALL_SIZE);
        let spans: Vec<(f64, f64)> = marks
            .iter()
            .map(|(i, label)| {
                let (px, _) = chart.backend_coord(&(*i as f64, y1));
                (f64::from(px), estimate_text_width(label, small_px))
            })
            .collect();
        let rows = assign_label_rows(&spans, 2);
        let max_chars = chars_that_fit(f64::from(plot_x.end - plot_x.start), small_px);
        groups.within(root, Group::class("paybacks"), |groups| {
            for (k, (i, label)) in marks.iter().enumerate() {
                let (px, top) = chart.backend_coord(&(*i as f64, y1));
                let label_top = top + 2 + 16 * rows[k] as i32;
                groups.within(
                    root,
                    Group::class("payback").titled(label.clone()),
                    |groups| {
                        groups.within(root, Group::class("payback-line").dashed("3 3"), |_| {
                            root.draw(&PathElement::new(
                                vec![(px, label_top + 16), (px, plot_y.end)],
                                palette::INK.stroke_width(1),
                            ))?;
                            Ok(())
                        })?;
                        let half = (spans[k].1 / 2.0) as i32;
                        let text_x = px.clamp(
                            plot_x.start + half,
                            (plot_x.end - half).max(plot_x.start + half),
                        );
                        root.draw(&Text::new(
                            truncate_label(label, max_chars),
                            (text_x, label_top),
                            text_style(SMALL_SIZE, palette::INK, HPos::Center, VPos::Top),
                        ))?;
                        Ok(())
                    },
                )?;
            }
            Ok(())
        })
    })
}

type Plot<'a> = DrawingArea<
    SVGBackend<'a>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// One line with a marker at every point (so single years and colour-blind
/// readers still see the series: circles for undiscounted, triangles for
/// discounted), each point with a tooltip.
#[allow(clippy::too_many_arguments)]
fn draw_series(
    root: &Root,
    groups: &mut Groups,
    plot: &Plot,
    class: &str,
    values: &[f64],
    color: RGBColor,
    dashes: Option<&str>,
    year_of: &dyn Fn(usize) -> String,
) -> crate::frame::DrawResult {
    let runs = finite_runs(values);
    if runs.is_empty() {
        return Ok(());
    }
    let name = if dashes.is_some() {
        DISCOUNTED_NAME
    } else {
        CUMULATIVE_NAME
    };
    groups.within(root, Group::class(&format!("series {class}")), |groups| {
        let line_group = match dashes {
            Some(d) => Group::class("line").dashed(d),
            None => Group::class("line"),
        };
        groups.within(root, line_group, |_| {
            for run in &runs {
                plot.draw(&PathElement::new(
                    run.iter().map(|&(i, v)| (i as f64, v)).collect::<Vec<_>>(),
                    color.stroke_width(3),
                ))?;
            }
            Ok(())
        })?;
        groups.within(root, Group::class("points"), |groups| {
            for &(i, v) in runs.iter().flatten() {
                let tooltip = format!("{}, {}: {}", name, year_of(i), format_money(v));
                groups.within(root, Group::class("point").titled(tooltip), |_| {
                    if dashes.is_some() {
                        plot.draw(&TriangleMarker::new((i as f64, v), 6, color.filled()))?;
                    } else {
                        plot.draw(&Circle::new((i as f64, v), 4, color.filled()))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_non_finite_values() {
        let runs = finite_runs(&[1.0, f64::NAN, 2.0, 3.0, f64::INFINITY]);
        assert_eq!(runs, vec![vec![(0, 1.0)], vec![(2, 2.0), (3, 3.0)]]);
        assert!(finite_runs(&[f64::NAN]).is_empty());
    }

    #[test]
    fn paybacks_in_the_same_year_share_one_marker() {
        let c = CashFlow {
            years: vec!["2025".into(), "2026".into(), "2027".into()],
            payback: Some(1),
            payback_discounted: Some(1),
            ..CashFlow::default()
        };
        assert_eq!(
            payback_marks(&c),
            vec![(1, "Payback (also discounted): 2026".into())]
        );
    }

    #[test]
    fn paybacks_out_of_range_are_ignored() {
        let c = CashFlow {
            years: vec!["2025".into(), "2026".into()],
            payback: Some(1),
            payback_discounted: Some(7),
            ..CashFlow::default()
        };
        assert_eq!(payback_marks(&c), vec![(1, "Payback: 2026".into())]);
    }

    #[test]
    fn description_mentions_ends_and_paybacks() {
        let c = CashFlow {
            years: vec!["2025/26".into(), "2026/27".into(), "2027/28".into()],
            cumulative: vec![-100_000.0, -20_000.0, 60_000.0],
            cumulative_discounted: vec![-100_000.0, -25_000.0, f64::NAN],
            payback: Some(2),
            payback_discounted: None,
            ..CashFlow::default()
        };
        assert_eq!(
            cash_flow_description(&c),
            "Cumulative net cash flow over 3 years, 2025/26 to 2027/28. \
             Undiscounted, it ends at £60k in 2027/28. Discounted, it ends at −£25k in 2026/27. \
             Payback in 2027/28; discounted payback not reached in the period shown."
        );
    }

    #[test]
    fn missing_year_labels_are_numbered() {
        let c = CashFlow {
            years: vec!["2025".into()],
            cumulative: vec![1.0, 2.0],
            ..CashFlow::default()
        };
        assert_eq!(year_count(&c), 2);
        assert_eq!(year_label(&c, 1), "Year 2");
    }
}
