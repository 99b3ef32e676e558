//! Histogram of simulated outcomes (e.g. net present value over Monte Carlo
//! draws), losses in one colour and gains in another, with labelled vertical
//! markers such as "£0", "P10", "P50", "P90".

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::format::{
    clean_label, estimate_text_width, format_count, format_money, format_money_with_resolution,
    format_percent, tick_resolution, truncate_label,
};
use crate::frame::{
    ChartOptions, LABEL_SIZE, LegendEntry, SMALL_SIZE, Swatch, assign_label_rows, axis_range,
    draw_frame, font_px, no_data_svg, render, text_style, tick_count, title_or, usable,
};
use crate::palette;
use crate::svg::Group;

/// A histogram: counts of draws in bins of a money value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    /// Chart title, also the accessible name of the SVG.
    pub title: String,
    /// What the x axis measures, e.g. "Net present value".
    pub x_label: String,
    /// The bins, in any order. Bins with a non-finite (or beyond
    /// £10^15) edge are skipped.
    pub bins: Vec<Bin>,
    /// Vertical reference lines, e.g. break-even and percentiles.
    pub markers: Vec<Marker>,
}

/// One bin: `count` draws fell between `low` and `high` pounds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bin {
    /// Lower edge in pounds.
    pub low: f64,
    /// Upper edge in pounds.
    pub high: f64,
    /// Number of draws in the bin.
    pub count: u64,
}

/// A labelled vertical line at `x` pounds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Marker {
    /// Short label drawn at the top of the line, e.g. "P50".
    pub label: String,
    /// Position in pounds. Non-finite positions are skipped.
    pub x: f64,
}

/// Bins that can be drawn: finite edges, `low <= high`.
fn drawable_bins(bins: &[Bin]) -> Vec<Bin> {
    bins.iter()
        .filter(|b| usable(b.low) && usable(b.high))
        .map(|b| Bin {
            low: b.low.min(b.high),
            high: b.low.max(b.high),
            count: b.count,
        })
        .collect()
}

/// Markers that can be drawn, left to right (stable for equal positions).
fn drawable_markers(markers: &[Marker]) -> Vec<Marker> {
    let mut out: Vec<Marker> = markers
        .iter()
        .filter(|m| usable(m.x))
        .map(|m| Marker {
            label: clean_label(&m.label),
            x: m.x,
        })
        .collect();
    out.sort_by(|a, b| a.x.total_cmp(&b.x));
    out
}

/// A bin counts as a loss when its middle lies below £0. A bin straddling
/// £0 is coloured by where most of its width lies; callers who want a clean
/// split put a bin edge at £0.
fn is_loss(bin: &Bin) -> bool {
    (bin.low + bin.high) / 2.0 < 0.0
}

fn total_draws(bins: &[Bin]) -> u64 {
    bins.iter().map(|b| b.count).fold(0, u64::saturating_add)
}

/// The data in words, for the SVG's `<desc>` and for pages that want a text
/// alternative next to the chart: number of draws and bins, the range, the
/// share of draws in loss bins, and each marker with its value.
pub fn histogram_description(h: &Histogram) -> String {
    let bins = drawable_bins(&h.bins);
    let total = total_draws(&bins);
    if total == 0 {
        return crate::frame::NO_DATA_DESC.to_string();
    }
    let lo = bins.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
    let hi = bins
        .iter()
        .map(|b| b.high)
        .fold(f64::NEG_INFINITY, f64::max);
    let losses = total_draws(&bins.iter().copied().filter(is_loss).collect::<Vec<_>>());
    let mut text = format!(
        "Histogram of {} draws in {} bins from {} to {}; {} draws ({}) in bins below £0.",
        format_count(total),
        bins.len(),
        format_money(lo),
        format_money(hi),
        format_count(losses),
        format_percent(losses as f64 / total as f64),
    );
    let markers = drawable_markers(&h.markers);
    if !markers.is_empty() {
        let parts: Vec<String> = markers
            .iter()
            .map(|m| format!("{} at {}", m.label, format_money(m.x)))
            .collect();
        text.push_str(&format!(" Markers: {}.", parts.join("; ")));
    }
    text
}

/// Render a histogram as an 800×480 SVG.
pub fn histogram_svg(h: &Histogram) -> String {
    histogram_svg_with(h, &ChartOptions::default())
}

/// Render a histogram as SVG with the given options.
pub fn histogram_svg_with(h: &Histogram, options: &ChartOptions) -> String {
    crate::frame::guarded(options, &h.title, || draw_histogram(h, options))
}

fn draw_histogram(h: &Histogram, options: &ChartOptions) -> String {
    let title = title_or(&h.title, "Histogram");
    let bins = drawable_bins(&h.bins);
    if total_draws(&bins) == 0 {
        return no_data_svg(options, &title);
    }
    let markers = drawable_markers(&h.markers);
    let desc = histogram_description(h);

    let mut legend = Vec::new();
    if bins.iter().any(|b| b.count > 0 && is_loss(b)) {
        legend.push(LegendEntry::new(
            "Loss (below £0)",
            palette::LOSS,
            Swatch::Box,
        ));
    }
    if bins.iter().any(|b| b.count > 0 && !is_loss(b)) {
        legend.push(LegendEntry::new(
            "Gain (£0 or above)",
            palette::GAIN,
            Swatch::Box,
        ));
    }

    render(options, &title, &desc, |root, groups| {
        let area = draw_frame(root, groups, &title, &legend)?;

        let edges = bins.iter().flat_map(|b| [b.low, b.high]);
        let (x0, x1) = axis_range(edges.chain(markers.iter().map(|m| m.x)), None, 0.03);
        let max_count = bins.iter().map(|b| b.count).max().unwrap_or(1) as f64;
        // Head-room above the tallest bar for up to three rows of marker labels.
        let label_rows = markers.len().min(3);
        let y1 = max_count * (1.05 + 0.08 * label_rows as f64);

        let x_res = tick_resolution(x1 - x0);
        let x_fmt = |v: &f64| format_money_with_resolution(*v, x_res);
        let y_fmt = |v: &f64| count_tick(*v);
        let x_desc = truncate_label(&clean_label(&h.x_label), 80);

        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(25)
            .margin_bottom(8)
            .margin_top(4)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(x0..x1, 0.0..y1)?;
        let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
        groups.within(root, Group::class("axes"), |_| {
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(tick_count(f64::from(plot_w), 60.0, 8))
                .y_labels(tick_count(f64::from(plot_h), 45.0, 6))
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc(x_desc)
                .y_desc("Number of draws")
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
                .max_light_lines(1)
                .axis_style(palette::MUTED_INK)
                .draw()?;
            Ok(())
        })?;

        let plot = chart.plotting_area();
        let px_per_pound = f64::from(plot_w.max(1)) / (x1 - x0);

        groups.within(root, Group::class("bars"), |groups| {
            for bin in &bins {
                let (l, r) = bar_extent(bin.low, bin.high, px_per_pound);
                let color = if is_loss(bin) {
                    palette::LOSS
                } else {
                    palette::GAIN
                };
                groups.within(root, Group::class("bar").titled(bin_tooltip(bin)), |_| {
                    plot.draw(&Rectangle::new(
                        [(l, 0.0), (r, bin.count as f64)],
                        color.filled(),
                    ))?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;

        if markers.is_empty() {
            return Ok(());
        }
        let label_px = font_px(SMALL_SIZE);
        let (plot_x_range, plot_y_range) = plot.get_pixel_range();
        let bottom = plot_y_range.end;
        let tops: Vec<(i32, i32)> = markers
            .iter()
            .map(|m| chart.backend_coord(&(m.x, y1)))
            .collect();
        let labels: Vec<String> = markers
            .iter()
            .map(|m| truncate_label(&m.label, 24))
            .collect();
        let spans: Vec<(f64, f64)> = tops
            .iter()
            .zip(&labels)
            .map(|(&(x, _), l)| (f64::from(x), estimate_text_width(l, label_px)))
            .collect();
        let rows = assign_label_rows(&spans, 3);

        groups.within(root, Group::class("markers"), |groups| {
            for (i, marker) in markers.iter().enumerate() {
                let tooltip = format!("{}: {}", marker.label, format_money(marker.x));
                groups.within(root, Group::class("marker").titled(tooltip), |groups| {
                    let (x, top) = tops[i];
                    let label_top = top + 2 + ROW_PX * rows[i] as i32;
                    // The line stops below its label so the text stays legible.
                    groups.within(root, Group::class("marker-line").dashed("5 4"), |_| {
                        root.draw(&PathElement::new(
                            vec![(x, label_top + ROW_PX), (x, bottom)],
                            palette::INK.stroke_width(2),
                        ))?;
                        Ok(())
                    })?;
                    let half = (spans[i].1 / 2.0) as i32;
                    let text_x = x.clamp(
                        plot_x_range.start + half,
                        (plot_x_range.end - half).max(plot_x_range.start + half),
                    );
                    root.draw(&Text::new(
                        labels[i].clone(),
                        (text_x, label_top),
                        text_style(SMALL_SIZE, palette::INK, HPos::Center, VPos::Top),
                    ))?;
                    Ok(())
                })?;
            }
            Ok(())
        })
    })
}

/// The narrowest bar drawn, in pixels.
const MIN_BAR_PX: f64 = 6.0;

/// Height of one row of marker labels in pixels.
const ROW_PX: i32 = 16;

/// Where to draw a bar from `low` to `high`: a pixel narrower than the bin
/// so neighbouring bars stay apart, but never under [`MIN_BAR_PX`] wide so
/// that a bin of one value (low == high) is still visible.
fn bar_extent(low: f64, high: f64, px_per_pound: f64) -> (f64, f64) {
    let width_px = (high - low) * px_per_pound;
    if width_px > 4.0 {
        let inset = 0.5 / px_per_pound;
        (low + inset, high - inset)
    } else if width_px < MIN_BAR_PX {
        let mid = (low + high) / 2.0;
        let half = MIN_BAR_PX / 2.0 / px_per_pound;
        (mid - half, mid + half)
    } else {
        (low, high)
    }
}

/// "−£1k to £0: 1,234 draws".
fn bin_tooltip(bin: &Bin) -> String {
    format!(
        "{} to {}: {} draws",
        format_money(bin.low),
        format_money(bin.high),
        format_count(bin.count)
    )
}

/// Tick label for a count axis: whole numbers only (plotters may pick ticks
/// at 0.5 steps for small counts).
fn count_tick(value: f64) -> String {
    if value < 0.0 || (value - value.round()).abs() > 1e-9 {
        String::new()
    } else {
        format_count(value.round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_with_non_finite_edges_are_dropped_and_reversed_edges_fixed() {
        let bins = drawable_bins(&[
            Bin {
                low: f64::NAN,
                high: 1.0,
                count: 3,
            },
            Bin {
                low: 5.0,
                high: 2.0,
                count: 4,
            },
            Bin {
                low: 0.0,
                high: f64::INFINITY,
                count: 1,
            },
        ]);
        assert_eq!(
            bins,
            vec![Bin {
                low: 2.0,
                high: 5.0,
                count: 4
            }]
        );
    }

    #[test]
    fn loss_is_decided_by_bin_middle() {
        assert!(is_loss(&Bin {
            low: -10.0,
            high: 0.0,
            count: 1
        }));
        assert!(!is_loss(&Bin {
            low: 0.0,
            high: 10.0,
            count: 1
        }));
        assert!(is_loss(&Bin {
            low: -10.0,
            high: 2.0,
            count: 1
        }));
    }

    #[test]
    fn count_ticks_are_whole_numbers() {
        assert_eq!(count_tick(0.0), "0");
        assert_eq!(count_tick(2.5), "");
        assert_eq!(count_tick(12000.0), "12,000");
    }

    #[test]
    fn zero_width_bins_get_a_visible_bar() {
        let (l, r) = bar_extent(5.0, 5.0, 10.0);
        assert!(r - l > 0.0);
    }

    #[test]
    fn description_summarises_draws_losses_and_markers() {
        let h = Histogram {
            bins: vec![
                Bin {
                    low: -100.0,
                    high: 0.0,
                    count: 25,
                },
                Bin {
                    low: 0.0,
                    high: 100.0,
                    count: 75,
                },
            ],
            markers: vec![
                Marker {
                    label: "P90".into(),
                    x: 90.0,
                },
                Marker {
                    label: "P10".into(),
                    x: -20.0,
                },
            ],
            ..Histogram::default()
        };
        assert_eq!(
            histogram_description(&h),
            "Histogram of 100 draws in 2 bins from −£100 to £100; 25 draws (25%) in bins below £0. \
             Markers: P10 at −£20; P90 at £90."
        );
    }
}
