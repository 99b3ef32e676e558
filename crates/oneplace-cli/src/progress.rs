//! Progress bars for long runs, on standard error, only when it is a
//! terminal (never in pipes, logs or tests).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for a run that Ctrl-C stops with partial results.
pub fn bar(total: u64, what: &str) -> ProgressBar {
    bar_with(total, what, "; Ctrl-C stops with partial results")
}

/// A bar for reading, which Ctrl-C simply stops.
pub fn reading_bar(total: u64, what: &str) -> ProgressBar {
    bar_with(total, what, "")
}

fn bar_with(total: u64, what: &str, tail: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(&format!(
        "{what} {{bar:40}} {{pos}}/{{len}} ({{per_sec}}, {{eta}} left{tail})"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// A spinner for a step whose length is not known.
pub fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner().with_message(what.to_string());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
