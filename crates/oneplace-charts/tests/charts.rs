//! The charts as a web page or report sees them: parsed as XML, checked for
//! accessibility, labels and the number of drawn bars.

use oneplace_charts::*;
use roxmltree::{Document, Node};

// ---------------------------------------------------------------- helpers

/// Parse the SVG, failing the test with the document if it is not XML.
fn parse(svg: &str) -> Document<'_> {
    match Document::parse(svg) {
        Ok(doc) => doc,
        Err(e) => panic!("not well-formed XML: {e}\n{svg}"),
    }
}

/// The root is an accessible `<svg>` named `title`, with a non-empty
/// description, and is not the "could not be drawn" fallback.
fn assert_accessible(svg: &str, title: &str) -> String {
    assert!(!svg.contains(FALLBACK_TEXT), "chart fell back:\n{svg}");
    let doc = parse(svg);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("aria-label"), Some(title));
    assert!(root.attribute("viewBox").is_some());
    let child_text = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert_eq!(child_text("title").as_deref(), Some(title));
    let desc = child_text("desc").expect("a <desc> element");
    assert!(!desc.trim().is_empty());
    desc
}

/// Every `<text>` element's content, trimmed.
fn texts(svg: &str) -> Vec<String> {
    let doc = parse(svg);
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn has_text(svg: &str, wanted: &str) -> bool {
    texts(svg).iter().any(|t| t == wanted)
}

fn has_class(node: &Node, class: &str) -> bool {
    node.has_tag_name("g")
        && node
            .attribute("class")
            .is_some_and(|c| c.split_whitespace().any(|part| part == class))
}

/// Number of `<g>` elements with `class`.
fn count_groups(svg: &str, class: &str) -> usize {
    parse(svg)
        .descendants()
        .filter(|n| has_class(n, class))
        .count()
}

/// Number of `tag` elements inside groups of class `class`.
fn count_in(svg: &str, class: &str, tag: &str) -> usize {
    let doc = parse(svg);
    doc.descendants()
        .filter(|n| has_class(n, class))
        .map(|g| g.descendants().filter(|n| n.has_tag_name(tag)).count())
        .sum()
}

/// Fill colours of the rectangles inside `g.bars`, in document order.
fn bar_fills(svg: &str) -> Vec<String> {
    let doc = parse(svg);
    doc.descendants()
        .filter(|n| has_class(n, "bars"))
        .flat_map(|g| {
            g.descendants()
                .filter(|n| n.has_tag_name("rect"))
                .collect::<Vec<_>>()
        })
        .map(|r| r.attribute("fill").unwrap_or("").to_string())
        .collect()
}

fn is_no_data(svg: &str) -> bool {
    has_text(svg, NO_DATA_TEXT)
}

const LOSS: &str = "#D55E00";
const GAIN: &str = "#0072B2";

// -------------------------------------------------------------- histogram

fn five_bins() -> Histogram {
    Histogram {
        title: "Net present value".into(),
        x_label: "NPV (£)".into(),
        bins: (0..5)
            .map(|i| Bin {
                low: -200_000.0 + f64::from(i) * 100_000.0,
                high: -100_000.0 + f64::from(i) * 100_000.0,
                count: 10 + u64::from(i as u8) * 5,
            })
            .collect(),
        markers: vec![
            Marker {
                label: "£0".into(),
                x: 0.0,
            },
            Marker {
                label: "P10".into(),
                x: -150_000.0,
            },
            Marker {
                label: "P50".into(),
                x: 40_000.0,
            },
            Marker {
                label: "P90".into(),
                x: 250_000.0,
            },
        ],
    }
}

#[test]
fn histogram_has_one_bar_per_bin_coloured_by_sign() {
    let svg = histogram_svg(&five_bins());
    let desc = assert_accessible(&svg, "Net present value");
    assert_eq!(count_groups(&svg, "bar"), 5);
    assert_eq!(count_in(&svg, "bars", "rect"), 5);
    // Bins −£200k…−£100k and −£100k…£0 are losses, the other three gains.
    assert_eq!(bar_fills(&svg), vec![LOSS, LOSS, GAIN, GAIN, GAIN]);
    assert!(desc.contains("Histogram of 100 draws in 5 bins"), "{desc}");
    assert!(desc.contains("25 draws (25%) in bins below £0"), "{desc}");
}

#[test]
fn histogram_labels_title_axes_markers_and_money_ticks() {
    let svg = histogram_svg(&five_bins());
    for wanted in [
        "Net present value",
        "NPV (£)",
        "Number of draws",
        "P10",
        "P50",
        "P90",
        "£0",
    ] {
        assert!(
            has_text(&svg, wanted),
            "missing text {wanted:?} in {:?}",
            texts(&svg)
        );
    }
    assert!(has_text(&svg, "−£100k"), "{:?}", texts(&svg));
    assert!(has_text(&svg, "£100k"), "{:?}", texts(&svg));
    assert!(has_text(&svg, "Loss (below £0)"));
    assert!(has_text(&svg, "Gain (£0 or above)"));
    assert_eq!(count_groups(&svg, "marker"), 4);
    let desc = assert_accessible(&svg, "Net present value");
    assert!(
        desc.contains("Markers: P10 at −£150k; £0 at £0; P50 at £40k; P90 at £250k."),
        "{desc}"
    );
}

#[test]
fn histogram_marker_lines_are_dashed() {
    let svg = histogram_svg(&five_bins());
    let doc = parse(&svg);
    let dashed = doc
        .descendants()
        .filter(|n| has_class(n, "marker-line"))
        .filter(|n| n.attribute("stroke-dasharray").is_some())
        .count();
    assert_eq!(dashed, 4);
}

#[test]
fn histogram_with_nothing_to_draw_says_no_data() {
    let empty = Histogram {
        title: "Empty".into(),
        ..Histogram::default()
    };
    let zero_counts = Histogram {
        title: "Zero".into(),
        bins: vec![Bin {
            low: 0.0,
            high: 1.0,
            count: 0,
        }],
        ..Histogram::default()
    };
    let nan_edges = Histogram {
        title: "NaN".into(),
        bins: vec![Bin {
            low: f64::NAN,
            high: f64::INFINITY,
            count: 7,
        }],
        markers: vec![Marker {
            label: "P50".into(),
            x: 3.0,
        }],
        ..Histogram::default()
    };
    for (h, title) in [(empty, "Empty"), (zero_counts, "Zero"), (nan_edges, "NaN")] {
        let svg = histogram_svg(&h);
        let desc = assert_accessible(&svg, title);
        assert!(is_no_data(&svg), "{title}: {svg}");
        assert_eq!(count_groups(&svg, "bars"), 0);
        assert_eq!(desc, "No data to show.");
    }
}

#[test]
fn histogram_skips_non_finite_bins_and_markers() {
    let mut h = five_bins();
    h.bins.push(Bin {
        low: f64::NAN,
        high: 0.0,
        count: 99,
    });
    h.markers.push(Marker {
        label: "Bad".into(),
        x: f64::NAN,
    });
    let svg = histogram_svg(&h);
    assert_accessible(&svg, "Net present value");
    assert_eq!(count_in(&svg, "bars", "rect"), 5);
    assert_eq!(count_groups(&svg, "marker"), 4);
    assert!(!has_text(&svg, "Bad"));
}

#[test]
fn histogram_of_a_single_value_draws_a_visible_bar() {
    let h = Histogram {
        title: "One value".into(),
        bins: vec![Bin {
            low: 5000.0,
            high: 5000.0,
            count: 1000,
        }],
        ..Histogram::default()
    };
    let svg = histogram_svg(&h);
    assert_accessible(&svg, "One value");
    let doc = parse(&svg);
    let bar = doc
        .descendants()
        .filter(|n| has_class(n, "bar"))
        .flat_map(|g| {
            g.descendants()
                .filter(|n| n.has_tag_name("rect"))
                .collect::<Vec<_>>()
        })
        .next()
        .expect("one bar");
    let width: f64 = bar.attribute("width").unwrap().parse().unwrap();
    let height: f64 = bar.attribute("height").unwrap().parse().unwrap();
    assert!(width >= 1.0 && height > 100.0, "{width}×{height}");
}

#[test]
fn histogram_of_losses_only_is_all_loss_coloured_with_minus_ticks() {
    let h = Histogram {
        title: "All losses".into(),
        bins: (1..=4)
            .map(|i| Bin {
                low: -f64::from(i) * 1000.0,
                high: -f64::from(i - 1) * 1000.0,
                count: 3,
            })
            .collect(),
        ..Histogram::default()
    };
    let svg = histogram_svg(&h);
    assert_accessible(&svg, "All losses");
    assert_eq!(bar_fills(&svg), vec![LOSS; 4]);
    assert!(
        texts(&svg).iter().any(|t| t.starts_with("−£")),
        "{:?}",
        texts(&svg)
    );
    assert!(!has_text(&svg, "Gain (£0 or above)"));
}

#[test]
fn long_and_awkward_labels_are_escaped_and_shortened() {
    let long_title = format!("R&D <pilot> {}", "very long title ".repeat(30));
    let h = Histogram {
        title: long_title.clone(),
        x_label: "x\u{0}label\nwith control characters".into(),
        markers: vec![Marker {
            label: "A \"quoted\" marker label ".repeat(10),
            x: 0.0,
        }],
        ..five_bins()
    };
    let svg = histogram_svg(&h);
    let doc = parse(&svg);
    let cleaned: String = long_title.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        doc.root_element().attribute("aria-label"),
        Some(cleaned.as_str())
    );
    let shown_title = texts(&svg)
        .into_iter()
        .find(|t| t.starts_with("R&D <pilot>"))
        .unwrap();
    assert!(
        shown_title.ends_with('…') && shown_title.chars().count() < 100,
        "{shown_title}"
    );
    assert!(has_text(&svg, "x label with control characters"));
    assert!(
        texts(&svg)
            .iter()
            .any(|t| t.starts_with("A \"quoted\"") && t.ends_with('…'))
    );
}

#[test]
fn chart_options_set_the_size() {
    let svg = histogram_svg_with(&five_bins(), &ChartOptions::new(1200, 600));
    let doc = parse(&svg);
    assert_eq!(doc.root_element().attribute("width"), Some("1200"));
    assert_eq!(doc.root_element().attribute("height"), Some("600"));
    // Absurd sizes are clamped rather than breaking the layout.
    let tiny = histogram_svg_with(&five_bins(), &ChartOptions::new(1, 1));
    assert_accessible(&tiny, "Net present value");
}

// ---------------------------------------------------------------- tornado

fn tornado() -> Tornado {
    let bar = |label: &str, at_low: f64, at_high: f64, low: &str, high: &str| TornadoBar {
        label: label.into(),
        at_low,
        at_high,
        low_input: low.into(),
        high_input: high.into(),
    };
    Tornado {
        title: "Sensitivity".into(),
        x_label: "Net present value (£)".into(),
        base: 420_000.0,
        bars: vec![
            bar("Unit cost", 400_000.0, 445_000.0, "£200", "£350"), // swing 45k
            bar("Deadweight", 610_000.0, 150_000.0, "10%", "50%"),  // swing 460k
            bar("Discount rate", 520_000.0, 330_000.0, "1.5%", "5%"), // swing 190k
        ],
    }
}

/// (label, y) of the input names down the left, in document order.
fn bar_label_positions(svg: &str) -> Vec<(String, f64)> {
    let doc = parse(svg);
    doc.descendants()
        .filter(|n| has_class(n, "bar-labels"))
        .flat_map(|g| {
            g.descendants()
                .filter(|n| n.has_tag_name("text"))
                .collect::<Vec<_>>()
        })
        .map(|t| {
            (
                t.text().unwrap_or("").trim().to_string(),
                t.attribute("y").unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn tornado_puts_the_widest_swing_on_top() {
    let svg = tornado_svg(&tornado());
    assert_accessible(&svg, "Sensitivity");
    let mut labels = bar_label_positions(&svg);
    labels.sort_by(|a, b| a.1.total_cmp(&b.1)); // top of the page first
    let order: Vec<&str> = labels.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(order, vec!["Deadweight", "Discount rate", "Unit cost"]);
    assert_eq!(
        tornado_order(&tornado()),
        vec!["Deadweight", "Discount rate", "Unit cost"]
    );
}

#[test]
fn tornado_draws_both_ends_with_input_labels_and_base() {
    let svg = tornado_svg(&tornado());
    assert_eq!(count_groups(&svg, "bar"), 3);
    assert_eq!(count_in(&svg, "bars", "rect"), 6);
    for wanted in [
        "£200",
        "£350",
        "10%",
        "50%",
        "1.5%",
        "5%",
        "Base £420k",
        "Net present value (£)",
    ] {
        assert!(
            has_text(&svg, wanted),
            "missing {wanted:?} in {:?}",
            texts(&svg)
        );
    }
    assert!(has_text(&svg, "Input at its low value"));
    assert!(has_text(&svg, "Input at its high value"));
    let desc = assert_accessible(&svg, "Sensitivity");
    assert!(
        desc.starts_with("Base result £420k. Inputs from widest swing to narrowest: Deadweight: 10% gives £610k, 50% gives £150k (swing £460k);"),
        "{desc}"
    );
}

#[test]
fn tornado_degenerate_inputs() {
    let no_bars = Tornado {
        title: "T".into(),
        base: 1.0,
        ..Tornado::default()
    };
    assert!(is_no_data(&tornado_svg(&no_bars)));

    let mut nan_base = tornado();
    nan_base.base = f64::NAN;
    assert!(is_no_data(&tornado_svg(&nan_base)));

    let mut all_nan = tornado();
    for b in &mut all_nan.bars {
        b.at_low = f64::NAN;
        b.at_high = f64::NEG_INFINITY;
    }
    let svg = tornado_svg(&all_nan);
    assert_accessible(&svg, "Sensitivity");
    assert!(is_no_data(&svg));

    // One end missing: that bar is drawn with one segment.
    let mut one_sided = tornado();
    one_sided.bars[0].at_low = f64::NAN;
    let svg = tornado_svg(&one_sided);
    assert_accessible(&svg, "Sensitivity");
    assert_eq!(count_in(&svg, "bars", "rect"), 5);

    // Everything zero still draws (zero-width bars) without "no data".
    let zeros = Tornado {
        title: "Zeros".into(),
        base: 0.0,
        bars: vec![TornadoBar {
            label: "x".into(),
            ..TornadoBar::default()
        }],
        ..Tornado::default()
    };
    let svg = tornado_svg(&zeros);
    assert_accessible(&svg, "Zeros");
    assert!(!is_no_data(&svg));
    assert!(has_text(&svg, "£0"), "{:?}", texts(&svg));
}

#[test]
fn tornado_long_input_names_are_truncated() {
    let mut t = tornado();
    t.bars[1].label = "Deadweight ".repeat(20);
    let svg = tornado_svg(&t);
    assert_accessible(&svg, "Sensitivity");
    let (top, _) = bar_label_positions(&svg)
        .into_iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(top.starts_with("Deadweight") && top.ends_with('…'), "{top}");
}

// -------------------------------------------------------------- cash flow

fn cash_flow() -> CashFlow {
    CashFlow {
        title: "Cumulative cash flow".into(),
        years: ["2025/26", "2026/27", "2027/28", "2028/29", "2029/30"]
            .map(String::from)
            .to_vec(),
        cumulative: vec![-300_000.0, -150_000.0, 10_000.0, 170_000.0, 330_000.0],
        cumulative_discounted: vec![-300_000.0, -155_000.0, -5_000.0, 135_000.0, 270_000.0],
        payback: Some(2),
        payback_discounted: Some(3),
    }
}

#[test]
fn cash_flow_draws_two_marked_lines_zero_line_and_paybacks() {
    let svg = cash_flow_svg(&cash_flow());
    let desc = assert_accessible(&svg, "Cumulative cash flow");
    assert_eq!(count_in(&svg, "cumulative", "circle"), 5);
    assert_eq!(count_in(&svg, "discounted", "polygon"), 5);
    assert_eq!(count_in(&svg, "cumulative", "polyline"), 1);
    assert_eq!(count_in(&svg, "discounted", "polyline"), 1);
    assert_eq!(count_groups(&svg, "zero-line"), 1);
    assert_eq!(count_groups(&svg, "payback"), 2);
    for wanted in [
        "Payback: 2027/28",
        "Discounted payback: 2028/29",
        "Cumulative net cash flow",
        "Discounted (present value)",
        "2025/26",
        "£0",
        "Year",
    ] {
        assert!(
            has_text(&svg, wanted),
            "missing {wanted:?} in {:?}",
            texts(&svg)
        );
    }
    assert!(
        desc.contains("Payback in 2027/28; discounted payback in 2028/29."),
        "{desc}"
    );
    // The discounted line is dashed, the undiscounted one solid.
    let doc = parse(&svg);
    let dashed_line = |series: &str| {
        doc.descendants()
            .filter(|n| has_class(n, series))
            .flat_map(|s| {
                s.descendants()
                    .filter(|n| has_class(n, "line"))
                    .collect::<Vec<_>>()
            })
            .any(|l| l.attribute("stroke-dasharray").is_some())
    };
    assert!(dashed_line("discounted"));
    assert!(!dashed_line("cumulative"));
}

#[test]
fn cash_flow_breaks_lines_at_nan_and_labels_shared_payback_once() {
    let mut c = cash_flow();
    c.cumulative[2] = f64::NAN;
    c.payback = Some(3);
    let svg = cash_flow_svg(&c);
    assert_accessible(&svg, "Cumulative cash flow");
    assert_eq!(count_in(&svg, "cumulative", "polyline"), 2);
    assert_eq!(count_in(&svg, "cumulative", "circle"), 4);
    assert_eq!(count_groups(&svg, "payback"), 1);
    assert!(has_text(&svg, "Payback (also discounted): 2028/29"));
}

#[test]
fn cash_flow_degenerate_inputs() {
    let empty = CashFlow {
        title: "Empty".into(),
        ..CashFlow::default()
    };
    assert!(is_no_data(&cash_flow_svg(&empty)));

    let nans = CashFlow {
        title: "NaN".into(),
        years: vec!["2025".into()],
        cumulative: vec![f64::NAN],
        cumulative_discounted: vec![f64::INFINITY],
        payback: Some(0),
        payback_discounted: None,
    };
    let svg = cash_flow_svg(&nans);
    assert_accessible(&svg, "NaN");
    assert!(is_no_data(&svg));

    let single = CashFlow {
        title: "Single".into(),
        years: vec!["2025/26".into()],
        cumulative: vec![-5000.0],
        payback: Some(9),
        ..CashFlow::default()
    };
    let svg = cash_flow_svg(&single);
    assert_accessible(&svg, "Single");
    assert_eq!(count_in(&svg, "cumulative", "circle"), 1);
    assert_eq!(count_groups(&svg, "payback"), 0);
    assert!(!has_text(&svg, "Discounted (present value)"));

    let zeros = CashFlow {
        title: "Zeros".into(),
        years: vec!["a".into(), "b".into()],
        cumulative: vec![0.0, 0.0],
        cumulative_discounted: vec![0.0, 0.0],
        ..CashFlow::default()
    };
    let svg = cash_flow_svg(&zeros);
    assert_accessible(&svg, "Zeros");
    assert!(has_text(&svg, "£0"), "{:?}", texts(&svg));
}

#[test]
fn cash_flow_with_many_years_thins_year_labels() {
    let years: Vec<String> = (2000..2060)
        .map(|y| format!("{y}/{:02}", (y + 1) % 100))
        .collect();
    let c = CashFlow {
        title: "Sixty years".into(),
        cumulative: (0..60).map(|i| f64::from(i) * 1000.0 - 20_000.0).collect(),
        years,
        ..CashFlow::default()
    };
    let svg = cash_flow_svg(&c);
    assert_accessible(&svg, "Sixty years");
    let shown = count_in(&svg, "year-labels", "text");
    assert!((2..60).contains(&shown), "{shown} year labels");
}

// ---------------------------------------------------------- pays/benefits

fn pays_benefits() -> PaysBenefits {
    PaysBenefits {
        title: "Who pays, who benefits".into(),
        agencies: vec!["Council".into(), "NHS".into(), "Police".into()],
        cost: vec![650_000.0, 120_000.0, 0.0],
        benefit: vec![210_000.0, 540_000.0, 260_000.0],
    }
}

#[test]
fn pays_benefits_has_two_bars_per_agency_and_a_legend() {
    let svg = pays_benefits_svg(&pays_benefits());
    let desc = assert_accessible(&svg, "Who pays, who benefits");
    assert_eq!(count_in(&svg, "bars", "rect"), 6);
    assert_eq!(bar_fills(&svg), vec![LOSS, GAIN, LOSS, GAIN, LOSS, GAIN]);
    for wanted in [
        "Council",
        "NHS",
        "Police",
        "Pays (cost)",
        "Receives (benefit)",
        "£0",
        "£650k",
    ] {
        assert!(
            has_text(&svg, wanted),
            "missing {wanted:?} in {:?}",
            texts(&svg)
        );
    }
    assert_eq!(count_groups(&svg, "legend-swatch"), 2);
    assert!(
        desc.contains("Council pays £650k and receives £210k (net −£440k)"),
        "{desc}"
    );
}

#[test]
fn pays_benefits_degenerate_inputs() {
    let empty = PaysBenefits {
        title: "Empty".into(),
        ..PaysBenefits::default()
    };
    assert!(is_no_data(&pays_benefits_svg(&empty)));

    let names_only = PaysBenefits {
        title: "Names".into(),
        agencies: vec!["Council".into()],
        ..PaysBenefits::default()
    };
    assert!(is_no_data(&pays_benefits_svg(&names_only)));

    let mut some_nan = pays_benefits();
    some_nan.cost[0] = f64::NAN;
    some_nan.benefit[2] = f64::INFINITY;
    let svg = pays_benefits_svg(&some_nan);
    assert_accessible(&svg, "Who pays, who benefits");
    assert_eq!(count_in(&svg, "bars", "rect"), 4);

    let negative = PaysBenefits {
        title: "Negative".into(),
        agencies: vec!["A".into(), "B".into()],
        cost: vec![-1000.0, -2000.0],
        benefit: vec![-500.0, -1500.0],
    };
    let svg = pays_benefits_svg(&negative);
    assert_accessible(&svg, "Negative");
    assert!(
        texts(&svg).iter().any(|t| t.starts_with("−£")),
        "{:?}",
        texts(&svg)
    );

    let zeros = PaysBenefits {
        title: "Zeros".into(),
        agencies: vec!["A".into()],
        cost: vec![0.0],
        benefit: vec![0.0],
    };
    let svg = pays_benefits_svg(&zeros);
    assert_accessible(&svg, "Zeros");
    assert!(!is_no_data(&svg));
    assert_eq!(count_in(&svg, "bars", "rect"), 2);
}

#[test]
fn pays_benefits_long_names_wrap_and_many_agencies_still_render() {
    let mut p = pays_benefits();
    p.agencies[0] = "Department for Levelling Up, Housing and Communities".into();
    let svg = pays_benefits_svg(&p);
    assert_accessible(&svg, "Who pays, who benefits");
    let agency_texts = count_in(&svg, "agency-labels", "text");
    assert_eq!(agency_texts, 4, "{:?}", texts(&svg)); // two lines + NHS + Police
    assert!(texts(&svg).iter().any(|t| t.starts_with("Department")));

    let many = PaysBenefits {
        title: "Many".into(),
        agencies: (0..40)
            .map(|i| format!("Agency with a long name {i}"))
            .collect(),
        cost: (0..40).map(f64::from).collect(),
        benefit: (0..40).map(|i| f64::from(40 - i)).collect(),
    };
    let svg = pays_benefits_svg(&many);
    assert_accessible(&svg, "Many");
    assert_eq!(count_in(&svg, "bars", "rect"), 80);
}

#[test]
fn untitled_charts_get_a_name() {
    let svg = pays_benefits_svg(&PaysBenefits {
        cost: vec![1.0],
        ..PaysBenefits::default()
    });
    assert_accessible(&svg, "Who pays and who benefits");
    assert_accessible(&histogram_svg(&Histogram::default()), "Histogram");
    assert_accessible(&tornado_svg(&Tornado::default()), "Tornado chart");
    assert_accessible(&cash_flow_svg(&CashFlow::default()), "Cumulative cash flow");
}

#[test]
fn extreme_magnitudes_do_not_break_the_axes() {
    let h = Histogram {
        title: "Extreme".into(),
        bins: vec![
            Bin {
                low: -1e308,
                high: -1e307,
                count: 1,
            },
            Bin {
                low: 1e307,
                high: f64::MAX,
                count: 1,
            },
        ],
        markers: vec![Marker {
            label: "max".into(),
            x: f64::MAX,
        }],
        ..Histogram::default()
    };
    assert_accessible(&histogram_svg(&h), "Extreme");
    let p = PaysBenefits {
        title: "Extreme".into(),
        agencies: vec!["A".into()],
        cost: vec![f64::MAX],
        benefit: vec![-f64::MAX],
    };
    assert_accessible(&pays_benefits_svg(&p), "Extreme");
    let t = Tornado {
        title: "Extreme".into(),
        base: 0.0,
        bars: vec![TornadoBar {
            label: "x".into(),
            at_low: -f64::MAX,
            at_high: f64::MAX,
            ..TornadoBar::default()
        }],
        ..Tornado::default()
    };
    assert_accessible(&tornado_svg(&t), "Extreme");
    let c = CashFlow {
        title: "Extreme".into(),
        cumulative: vec![-f64::MAX, f64::MAX, 1e-300],
        ..CashFlow::default()
    };
    assert_accessible(&cash_flow_svg(&c), "Extreme");
}
