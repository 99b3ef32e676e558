//! `--chart DIR`: the appraisal's charts as SVG files.

use std::path::Path;

use oneplace_appraise::Appraisal;
use oneplace_appraise::uncertainty::sensitivity::Sensitivity;
use oneplace_appraise::uncertainty::simulate::SimulationReport;

use crate::Failure;

pub fn write_charts(
    dir: &Path,
    appraisal: &Appraisal,
    simulation: Option<&SimulationReport>,
    sensitivity: Option<&Sensitivity>,
) -> Result<(), Failure> {
    let _ = (dir, appraisal, simulation, sensitivity);
    Err(Failure::Internal("charts are not wired yet".into()))
}
