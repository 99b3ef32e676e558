//! Write sample charts to a directory so a person can look at them:
//! `cargo run -p oneplace-charts --example render_samples -- /tmp/charts`.

use oneplace_charts::*;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "charts".to_string());
    std::fs::create_dir_all(&dir)?;
    let h = Histogram {
        title: "Net present value over 10,000 draws".into(),
        x_label: "Net present value (£)".into(),
        bins: (0..20)
            .map(|i| {
                let low = -400_000.0 + f64::from(i) * 100_000.0;
                let z = (f64::from(i) - 8.0) / 4.0;
                Bin {
                    low,
                    high: low + 100_000.0,
                    count: (1000.0 * (-z * z / 2.0).exp()) as u64,
                }
            })
            .collect(),
        markers: vec![
            Marker {
                label: "£0".into(),
                x: 0.0,
            },
            Marker {
                label: "P10".into(),
                x: -120_000.0,
            },
            Marker {
                label: "P50".into(),
                x: 420_000.0,
            },
            Marker {
                label: "P90".into(),
                x: 950_000.0,
            },
        ],
    };
    std::fs::write(format!("{dir}/histogram.svg"), histogram_svg(&h))?;

    let t = Tornado {
        title: "Sensitivity of net present value".into(),
        x_label: "Net present value (£)".into(),
        base: 420_000.0,
        bars: vec![
            bar("Discount rate", 520_000.0, 330_000.0, "1.5%", "5%"),
            bar("Deadweight", 610_000.0, 150_000.0, "10%", "50%"),
            bar(
                "Unit cost of a police call-out",
                400_000.0,
                445_000.0,
                "£200",
                "£350",
            ),
            bar(
                "Optimism bias on costs (capital and revenue)",
                480_000.0,
                300_000.0,
                "0%",
                "40%",
            ),
            bar("Attribution", 260_000.0, 560_000.0, "20%", "60%"),
        ],
    };
    std::fs::write(format!("{dir}/tornado.svg"), tornado_svg(&t))?;

    let years: Vec<String> = (2025..2040)
        .map(|y| format!("{y}/{:02}", (y + 1) % 100))
        .collect();
    let mut cum = vec![];
    let mut disc = vec![];
    let (mut a, mut b) = (0.0, 0.0);
    for i in 0..years.len() {
        let flow = if i == 0 { -900_000.0 } else { 130_000.0 };
        a += flow;
        b += flow / 1.035f64.powi(i as i32);
        cum.push(a);
        disc.push(b);
    }
    let payback = cum.iter().position(|v| *v >= 0.0);
    let payback_discounted = disc.iter().position(|v| *v >= 0.0);
    let c = CashFlow {
        title: "Cumulative cash flow".into(),
        years,
        cumulative: cum,
        cumulative_discounted: disc,
        payback,
        payback_discounted,
    };
    std::fs::write(format!("{dir}/cash_flow.svg"), cash_flow_svg(&c))?;

    let p = PaysBenefits {
        title: "Who pays and who benefits".into(),
        agencies: vec![
            "Local authority".into(),
            "NHS".into(),
            "Police".into(),
            "Department for Work and Pensions".into(),
            "Voluntary sector".into(),
        ],
        cost: vec![650_000.0, 120_000.0, 80_000.0, 0.0, 40_000.0],
        benefit: vec![210_000.0, 540_000.0, 260_000.0, 380_000.0, -20_000.0],
    };
    std::fs::write(format!("{dir}/pays_benefits.svg"), pays_benefits_svg(&p))?;

    let many = PaysBenefits {
        title: "Many agencies".into(),
        agencies: (1..=18)
            .map(|i| format!("Agency number {i} with a long name"))
            .collect(),
        cost: (1..=18).map(|i| f64::from(i) * 1000.0).collect(),
        benefit: (1..=18).map(|i| f64::from(19 - i) * 900.0).collect(),
    };
    std::fs::write(
        format!("{dir}/pays_benefits_many.svg"),
        pays_benefits_svg(&many),
    )?;
    std::fs::write(
        format!("{dir}/empty.svg"),
        histogram_svg(&Histogram::default()),
    )?;
    let small = ChartOptions::new(360, 240);
    std::fs::write(
        format!("{dir}/histogram_small.svg"),
        histogram_svg_with(&h, &small),
    )?;
    std::fs::write(
        format!("{dir}/tornado_small.svg"),
        tornado_svg_with(&t, &small),
    )?;
    let single = Histogram {
        title: "Every draw the same".into(),
        x_label: "Net present value (£)".into(),
        bins: vec![Bin {
            low: -5000.0,
            high: -5000.0,
            count: 10_000,
        }],
        markers: vec![Marker {
            label: "P50".into(),
            x: -5000.0,
        }],
    };
    std::fs::write(
        format!("{dir}/histogram_single.svg"),
        histogram_svg(&single),
    )?;
    Ok(())
}

fn bar(label: &str, at_low: f64, at_high: f64, low: &str, high: &str) -> TornadoBar {
    TornadoBar {
        label: label.into(),
        at_low,
        at_high,
        low_input: low.into(),
        high_input: high.into(),
    }
}
