//! The web application in a real browser: runs the Playwright tests in
//! `crates/oneplace-server/browser/` (Debian's Chromium driven by
//! playwright-core, every page checked with axe-core) against this build's
//! `oneplace serve --demo`, so `cargo test --workspace` covers them too.
//!
//! Needs Node.js 18 or later with npm, and Chromium at /usr/bin/chromium (or
//! where `CHROMIUM` says). The test installs the two npm packages the first
//! time (`npm ci`, from the lock file). Screenshots of each step are kept in
//! `crates/oneplace-server/browser/artifacts/`.

use std::path::PathBuf;
use std::process::Command;

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../oneplace-server/browser")
}

fn require(program: &str, install: &str) {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{program} is needed for the browser tests and was not found. {install}"
    );
}

#[test]
fn the_pages_work_in_chromium_and_pass_the_accessibility_checks() {
    let dir = browser_dir();
    require(
        "node",
        "Install Node.js 18 or later with npm (Debian: `apt-get install -y nodejs npm`).",
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    require(
        &chromium,
        "Install Chromium (Debian: `apt-get install -y chromium`) or set CHROMIUM to its path.",
    );
    if !dir.join("node_modules/playwright-core").exists() {
        require("npm", "Install npm (Debian: `apt-get install -y npm`).");
        let o = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("npm runs");
        assert!(
            o.status.success(),
            "npm ci failed in {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = Command::new("node")
        .args(["--test", "--test-concurrency=1", "browser.test.mjs"])
        .current_dir(&dir)
        .env("ONEPLACE_BIN", env!("CARGO_BIN_EXE_oneplace"))
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "browser tests failed:\n{report}");
    // The runner's summary: every test ran and none failed.
    assert!(report.contains("# fail 0"), "{report}");
    let passed = report
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(passed >= 5, "only {passed} browser tests passed:\n{report}");
}
