//! What the `vantage` binary's tests share: running it, and its stdout from a run that must have
//! succeeded.

use std::process::{Command, Output};

/// Run the `vantage` binary under test with `args` (RUST_LOG cleared, so stderr is its own).
pub fn vantage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vantage"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run vantage")
}

/// The stdout of a run that succeeded (else the test fails with its stderr).
#[allow(dead_code)] // not every test file reads stdout
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}
