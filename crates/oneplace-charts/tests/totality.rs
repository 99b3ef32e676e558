//! Every chart function is total: whatever numbers and strings arrive
//! (NaN, infinities, huge or tiny values, empty or mismatched lists, control
//! characters), the result is well-formed, accessible XML drawn by plotters
//! rather than the could-not-draw fallback.

use oneplace_charts::*;
use proptest::prelude::*;

fn check(svg: &str) -> Result<(), TestCaseError> {
    prop_assert!(!svg.contains(FALLBACK_TEXT), "fell back:\n{}", svg);
    let doc =
        roxmltree::Document::parse(svg).map_err(|e| TestCaseError::fail(format!("{e}\n{svg}")))?;
    let root = doc.root_element();
    prop_assert_eq!(root.attribute("role"), Some("img"));
    prop_assert!(root.attribute("aria-label").is_some());
    prop_assert!(root.children().any(|n| n.has_tag_name("title")));
    prop_assert!(root.children().any(|n| n.has_tag_name("desc")));
    Ok(())
}

/// Money values with the awkward cases over-represented.
fn money() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -1e7..1e7f64,
        1 => Just(0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => prop::num::f64::NORMAL,
        1 => -1e-3..1e-3f64,
        1 => prop_oneof![Just(1e15), Just(-1e15), Just(1e15 + 1.0), 9e14..1e15f64],
    ]
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z £%&<>\"']{0,12}",
        "\\PC{0,200}",
        "[\\x00-\\x1f]{0,5}",
    ]
}

fn options() -> impl Strategy<Value = ChartOptions> {
    (0u32..2000, 0u32..1500).prop_map(|(w, h)| ChartOptions::new(w, h))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn histogram_is_total(
        title in label(),
        bins in prop::collection::vec((money(), money(), 0u64..1_000_000), 0..30),
        markers in prop::collection::vec((label(), money()), 0..8),
        opts in options(),
    ) {
        let h = Histogram {
            title,
            x_label: "x".into(),
            bins: bins.into_iter().map(|(low, high, count)| Bin { low, high, count }).collect(),
            markers: markers.into_iter().map(|(label, x)| Marker { label, x }).collect(),
        };
        check(&histogram_svg_with(&h, &opts))?;
    }

    #[test]
    fn tornado_is_total(
        title in label(),
        base in money(),
        bars in prop::collection::vec((label(), money(), money(), label(), label()), 0..12),
        opts in options(),
    ) {
        let t = Tornado {
            title,
            x_label: "x".into(),
            base,
            bars: bars
                .into_iter()
                .map(|(label, at_low, at_high, low_input, high_input)| TornadoBar {
                    label, at_low, at_high, low_input, high_input,
                })
                .collect(),
        };
        check(&tornado_svg_with(&t, &opts))?;
    }

    #[test]
    fn cash_flow_is_total(
        title in label(),
        years in prop::collection::vec(label(), 0..40),
        cumulative in prop::collection::vec(money(), 0..40),
        cumulative_discounted in prop::collection::vec(money(), 0..40),
        payback in prop::option::of(0usize..50),
        payback_discounted in prop::option::of(0usize..50),
        opts in options(),
    ) {
        let c = CashFlow { title, years, cumulative, cumulative_discounted, payback, payback_discounted };
        check(&cash_flow_svg_with(&c, &opts))?;
    }

    #[test]
    fn pays_benefits_is_total(
        title in label(),
        agencies in prop::collection::vec(label(), 0..25),
        cost in prop::collection::vec(money(), 0..25),
        benefit in prop::collection::vec(money(), 0..25),
        opts in options(),
    ) {
        let p = PaysBenefits { title, agencies, cost, benefit };
        check(&pays_benefits_svg_with(&p, &opts))?;
    }
}
