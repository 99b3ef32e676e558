//! `--chart DIR`: the appraisal's charts as SVG files.
//!
//! Always: cumulative cash flow with payback, and who pays / who benefits.
//! With uncertain inputs: the tornado (from `--sensitivity`, or worked out
//! here). With `--simulate`: the distribution of net present public value.

use std::path::Path;

use oneplace_appraise::Appraisal;
use oneplace_appraise::Model;
use oneplace_appraise::uncertainty::sensitivity::{self, Sensitivity, TornadoBar};
use oneplace_appraise::uncertainty::simulate::SimulationReport;
use oneplace_charts::{
    Bin, CashFlow, Histogram, Marker, PaysBenefits, Tornado, cash_flow_svg, histogram_svg,
    pays_benefits_svg, tornado_svg,
};
use oneplace_refdata::ReferenceData;

use crate::Failure;
use crate::output::write;

/// Writes the charts; returns the file names written.
pub fn write_charts(
    dir: &Path,
    model: &Model,
    data: &ReferenceData,
    appraisal: &Appraisal,
    simulation: Option<&SimulationReport>,
    sensitivity: Option<&Sensitivity>,
) -> Result<Vec<String>, Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Message(format!("{}: {e}", dir.display())))?;
    let mut charts = vec![
        ("cash-flow.svg", cash_flow_svg(&cash_flow(appraisal))),
        (
            "who-pays-who-benefits.svg",
            pays_benefits_svg(&pays_benefits(appraisal)),
        ),
    ];
    let tornado_bars = match sensitivity {
        Some(s) => s.tornado.clone(),
        None => sensitivity::tornado(model, data),
    };
    if !tornado_bars.is_empty() {
        charts.push((
            "tornado.svg",
            tornado_svg(&tornado(appraisal, &tornado_bars)),
        ));
    }
    if let Some(s) = simulation {
        charts.push(("npv-distribution.svg", histogram_svg(&npv_histogram(s))));
    }
    let mut written = Vec::new();
    for (name, svg) in charts {
        write(Some(&dir.join(name)), svg.as_bytes())?;
        written.push(name.to_string());
    }
    Ok(written)
}

pub fn cash_flow(a: &Appraisal) -> CashFlow {
    CashFlow {
        title: format!("{}: cumulative net fiscal position", a.name),
        years: a
            .years
            .iter()
            .map(|y| y.financial_year.to_string())
            .collect(),
        cumulative: a.years.iter().map(|y| y.cumulative_net_fiscal).collect(),
        cumulative_discounted: a
            .years
            .iter()
            .map(|y| y.cumulative_discounted_net_fiscal)
            .collect(),
        payback: a.payback_year_undiscounted,
        payback_discounted: a.payback_year_discounted,
    }
}

pub fn pays_benefits(a: &Appraisal) -> PaysBenefits {
    PaysBenefits {
        title: format!("{}: who pays, who benefits", a.name),
        agencies: a.agencies.iter().map(|r| r.agency.clone()).collect(),
        cost: a.agencies.iter().map(|r| r.pv_cost).collect(),
        benefit: a.agencies.iter().map(|r| r.pv_fiscal_benefit).collect(),
    }
}

fn input_text(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// An input's name short enough for a chart axis:
/// `outcome.less-crime.success` → `less-crime success`.
fn short_name(path: &str) -> String {
    let rest = path
        .strip_prefix("outcome.")
        .or_else(|| path.strip_prefix("cost."))
        .unwrap_or(path);
    rest.replace('.', " ")
}

pub fn tornado(a: &Appraisal, bars: &[TornadoBar]) -> Tornado {
    Tornado {
        title: format!("{}: what moves the net present public value", a.name),
        x_label: "Net present public value".into(),
        base: a.nppv,
        bars: bars
            .iter()
            .map(|b| oneplace_charts::TornadoBar {
                label: short_name(&b.input),
                at_low: b.nppv_at_low,
                at_high: b.nppv_at_high,
                low_input: input_text(b.low),
                high_input: input_text(b.high),
            })
            .collect(),
    }
}

pub fn npv_histogram(s: &SimulationReport) -> Histogram {
    let n = &s.nppv;
    Histogram {
        title: format!(
            "Net present public value over {} draws{}",
            oneplace_charts::format_count(s.draws as u64),
            if s.partial { " (partial)" } else { "" }
        ),
        x_label: "Net present public value".into(),
        bins: n
            .histogram
            .iter()
            .map(|b| Bin {
                low: b.low,
                high: b.high,
                count: b.count,
            })
            .collect(),
        markers: vec![
            Marker {
                label: "£0".into(),
                x: 0.0,
            },
            Marker {
                label: "P10".into(),
                x: n.p10,
            },
            Marker {
                label: "P50".into(),
                x: n.p50,
            },
            Marker {
                label: "P90".into(),
                x: n.p90,
            },
        ],
    }
}
