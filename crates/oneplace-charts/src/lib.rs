//! Charts as accessible SVG strings, from plain data.
//!
//! The same functions serve the command line (`--chart DIR` writes the
//! strings to files), web pages (inline SVG) and reports. The crate knows
//! nothing of the appraisal engine: callers fill the plain structs below, in
//! pounds, and get back a complete `<svg>` document.
//!
//! * [`histogram_svg`]: distribution of simulated outcomes, losses and gains
//!   in different colours, with labelled markers (£0, P10, P50, P90);
//! * [`tornado_svg`]: one-way sensitivity, widest swing on top;
//! * [`cash_flow_svg`]: cumulative cash flow, undiscounted and discounted,
//!   with the payback years marked;
//! * [`pays_benefits_svg`]: what each agency pays and what it receives.
//!
//! Every function is total: empty data, single values, all zeros, NaN,
//! infinities and amounts beyond £10^15 (skipped), negative-only data and
//! very long labels all give a well-formed SVG, saying "No data to show"
//! when nothing is left to draw.
//!
//! Every SVG carries `role="img"`, an `aria-label` with the title, a
//! `<title>` and a `<desc>` summarising the data in words (the same text is
//! available from the `*_description` functions for use next to a chart).
//! Bars, points and markers sit in `<g class="…">` groups with `<title>`
//! tooltips, so web pages can style them and screen-reader users can explore
//! them. Colours come from the Okabe–Ito palette ([`palette`]), which stays
//! distinguishable for colour-blind readers.
//!
//! No font is embedded and none is read from the system: plotters is built
//! without its font features, and the SVG names the generic `sans-serif`
//! family for the viewer to render. See the README for why.
//!
//! ```
//! use oneplace_charts::{PaysBenefits, pays_benefits_svg};
//!
//! let svg = pays_benefits_svg(&PaysBenefits {
//!     title: "Who pays, who benefits".into(),
//!     agencies: vec!["Council".into(), "NHS".into()],
//!     cost: vec![120_000.0, 0.0],
//!     benefit: vec![30_000.0, 250_000.0],
//! });
//! assert!(svg.starts_with("<svg"));
//! assert!(svg.contains(r#"role="img""#));
//! assert!(svg.contains("NHS pays £0 and receives £250k"));
//! ```

mod cash_flow;
mod format;
mod frame;
mod histogram;
pub mod palette;
mod pays_benefits;
mod svg;
mod tornado;

pub use cash_flow::{CashFlow, cash_flow_description, cash_flow_svg, cash_flow_svg_with};
pub use format::{
    MINUS, format_count, format_money, format_money_with_resolution, tick_resolution,
};
pub use frame::{ChartOptions, NO_DATA_TEXT};
pub use histogram::{
    Bin, Histogram, Marker, histogram_description, histogram_svg, histogram_svg_with,
};
pub use pays_benefits::{
    PaysBenefits, pays_benefits_description, pays_benefits_svg, pays_benefits_svg_with,
};
pub use tornado::{
    Tornado, TornadoBar, tornado_description, tornado_order, tornado_svg, tornado_svg_with,
};

/// Text of the SVG returned if plotters fails or panics while drawing (it
/// should not; the tests check it does not happen for awkward inputs).
pub const FALLBACK_TEXT: &str = frame::FALLBACK_TEXT;
