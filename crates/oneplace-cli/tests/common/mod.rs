//! Running the built binary as a user does, for the command tests.
//!
//! Each test binary uses part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root, where the examples are.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn oneplace_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oneplace"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// The binary, run in the repository's root.
pub fn oneplace(args: &[&str]) -> Output {
    oneplace_in(&repo(), args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 errors")
}

/// Standard output of a run that must succeed.
pub fn ok(args: &[&str]) -> String {
    let o = oneplace(args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    stdout(&o)
}
