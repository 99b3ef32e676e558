//! "Who pays, who benefits": for each agency in a partnership, what it puts
//! in and what it gets back, side by side. The classic wrong-pocket problem
//! (one agency pays, another saves) is visible at a glance.

use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, VPos};

use crate::format::{
    chars_that_fit, clean_label, estimate_text_width, format_money, format_money_with_resolution,
    tick_resolution, truncate_label, wrap_label,
};
use crate::frame::{
    ChartOptions, LABEL_SIZE, LegendEntry, SMALL_SIZE, Swatch, axis_range, draw_frame, font_px,
    no_data_svg, render, text_style, tick_count, title_or, usable,
};
use crate::palette;
use crate::svg::Group;

/// Costs and benefits by agency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaysBenefits {
    /// Chart title, also the accessible name of the SVG.
    pub title: String,
    /// Agency names, e.g. "Local authority", "NHS", "Police".
    pub agencies: Vec<String>,
    /// What each agency pays, in pounds (same order as `agencies`).
    pub cost: Vec<f64>,
    /// What each agency receives, in pounds (same order as `agencies`).
    pub benefit: Vec<f64>,
}

const COST_COLOR: RGBColor = palette::LOSS;
const BENEFIT_COLOR: RGBColor = palette::GAIN;

/// Number of agencies shown: the longest of the three lists, so no amount is
/// silently dropped when the lists differ in length.
fn agency_count(p: &PaysBenefits) -> usize {
    p.agencies.len().max(p.cost.len()).max(p.benefit.len())
}

fn agency_name(p: &PaysBenefits, i: usize) -> String {
    p.agencies
        .get(i)
        .map(|a| clean_label(a))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| format!("Agency {}", i + 1))
}

fn finite_at(values: &[f64], i: usize) -> Option<f64> {
    values.get(i).copied().filter(|v| usable(*v))
}

fn has_data(p: &PaysBenefits) -> bool {
    p.cost.iter().chain(&p.benefit).any(|v| usable(*v))
}

/// The data in words: each agency's cost, benefit and net position.
pub fn pays_benefits_description(p: &PaysBenefits) -> String {
    if !has_data(p) {
        return crate::frame::NO_DATA_DESC.to_string();
    }
    let parts: Vec<String> = (0..agency_count(p))
        .map(|i| {
            let name = agency_name(p, i);
            match (finite_at(&p.cost, i), finite_at(&p.benefit, i)) {
                (Some(c), Some(b)) => format!(
                    "{name} pays {} and receives {} (net {})",
                    format_money(c),
                    format_money(b),
                    format_money(b - c)
                ),
                (Some(c), None) => format!("{name} pays {}", format_money(c)),
                (None, Some(b)) => format!("{name} receives {}", format_money(b)),
                (None, None) => format!("{name}: no figures"),
            }
        })
        .collect();
    format!("What each agency pays and receives: {}.", parts.join("; "))
}

/// Render a who-pays/who-benefits chart as an 800×480 SVG.
pub fn pays_benefits_svg(p: &PaysBenefits) -> String {
    pays_benefits_svg_with(p, &ChartOptions::default())
}

/// Render a who-pays/who-benefits chart as SVG with the given options.
pub fn pays_benefits_svg_with(p: &PaysBenefits, options: &ChartOptions) -> String {
    crate::frame::guarded(options, &p.title, || draw_pays_benefits(p, options))
}

fn draw_pays_benefits(p: &PaysBenefits, options: &ChartOptions) -> String {
    let title = title_or(&p.title, "Who pays and who benefits");
    if !has_data(p) {
        return no_data_svg(options, &title);
    }
    let n = agency_count(p);
    let desc = pays_benefits_description(p);
    let legend = [
        LegendEntry::new("Pays (cost)", COST_COLOR, Swatch::Box),
        LegendEntry::new("Receives (benefit)", BENEFIT_COLOR, Swatch::Box),
    ];
    let names: Vec<String> = (0..n).map(|i| agency_name(p, i)).collect();

    // Agency labels: up to two wrapped lines under each group of bars; when
    // the groups are too narrow for that, vertical text.
    let (width, _) = options.size();
    let label_px = font_px(LABEL_SIZE);
    let slot = ((f64::from(width) - 72.0 - 35.0) / n as f64).max(1.0);
    let vertical = slot < 48.0;
    let x_label_area: u32 = if vertical {
        let longest = names
            .iter()
            .map(|l| estimate_text_width(l, label_px))
            .fold(0.0, f64::max);
        (longest + 48.0).clamp(78.0, 168.0) as u32
    } else {
        // Two lines of 15px under a 7px gap, then the axis description.
        64
    };

    render(options, &title, &desc, |root, groups| {
        let area = draw_frame(root, groups, &title, &legend)?;
        let values = p.cost.iter().chain(&p.benefit).copied();
        let (y0, y1) = axis_range(values, Some(0.0), 0.1);
        let (x0, x1) = (-0.5, n as f64 - 0.5);
        let y_res = tick_resolution(y1 - y0);
        let y_fmt = |v: &f64| format_money_with_resolution(*v, y_res);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(25)
            .margin_bottom(8)
            .margin_top(4)
            .x_label_area_size(x_label_area)
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
                .x_desc("Agency")
                .y_desc("Pounds (£)")
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
        let slot_px = f64::from((plot_x.end - plot_x.start).max(1)) / n as f64;
        let small_px = font_px(SMALL_SIZE);

        groups.within(root, Group::class("bars"), |groups| {
            for (i, name) in names.iter().enumerate() {
                let centre = i as f64;
                let bars = [
                    (
                        finite_at(&p.cost, i),
                        centre - 0.4,
                        centre - 0.02,
                        COST_COLOR,
                        "pays",
                    ),
                    (
                        finite_at(&p.benefit, i),
                        centre + 0.02,
                        centre + 0.4,
                        BENEFIT_COLOR,
                        "receives",
                    ),
                ];
                for (value, left, right, color, verb) in bars {
                    let Some(value) = value else { continue };
                    let amount = format_money(value);
                    let tooltip = format!("{name} {verb} {amount}");
                    groups.within(root, Group::class("bar").titled(tooltip), |_| {
                        plot.draw(&Rectangle::new(
                            [(left, 0.0), (right, value)],
                            color.filled(),
                        ))?;
                        Ok(())
                    })?;
                    // The amount at the end of the bar, when there is room.
                    if estimate_text_width(&amount, small_px) <= slot_px * 0.38 {
                        let (px, py) = chart.backend_coord(&((left + right) / 2.0, value));
                        let (py, v) = if value < 0.0 {
                            (py + 3, VPos::Top)
                        } else {
                            (py - 3, VPos::Bottom)
                        };
                        groups.within(root, Group::class("value-label"), |_| {
                            root.draw(&Text::new(
                                amount,
                                (px, py),
                                text_style(SMALL_SIZE, palette::MUTED_INK, HPos::Center, v),
                            ))?;
                            Ok(())
                        })?;
                    }
                }
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

        groups.within(root, Group::class("agency-labels"), |_| {
            for (i, name) in names.iter().enumerate() {
                let (px, _) = chart.backend_coord(&(i as f64, y0));
                let top = plot_y.end + 7;
                if vertical {
                    let room = f64::from(x_label_area) - 32.0;
                    let style = text_style(LABEL_SIZE, palette::INK, HPos::Right, VPos::Center)
                        .transform(FontTransform::Rotate270);
                    root.draw(&Text::new(
                        truncate_label(name, chars_that_fit(room, label_px)),
                        (px, top),
                        style,
                    ))?;
                } else {
                    let lines = wrap_label(name, chars_that_fit(slot_px - 6.0, label_px), 2);
                    for (k, line) in lines.into_iter().enumerate() {
                        root.draw(&Text::new(
                            line,
                            (px, top + 15 * k as i32),
                            text_style(LABEL_SIZE, palette::INK, HPos::Center, VPos::Top),
                        ))?;
                    }
                }
            }
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_of_different_lengths_keep_every_amount() {
        let p = PaysBenefits {
            agencies: vec!["Council".into()],
            cost: vec![100.0, 200.0],
            benefit: vec![50.0],
            ..PaysBenefits::default()
        };
        assert_eq!(agency_count(&p), 2);
        assert_eq!(
            pays_benefits_description(&p),
            "What each agency pays and receives: Council pays £100 and receives £50 (net −£50); \
             Agency 2 pays £200."
        );
    }

    #[test]
    fn only_non_finite_amounts_is_no_data() {
        let p = PaysBenefits {
            agencies: vec!["Council".into()],
            cost: vec![f64::NAN],
            benefit: vec![f64::INFINITY],
            ..PaysBenefits::default()
        };
        assert!(!has_data(&p));
    }
}
