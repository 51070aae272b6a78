//! tshark as an outside oracle: [`run`] it with a test's own arguments and get its standard
//! output, or why not. A test skips when tshark is not installed ([`TsharkError::NotInstalled`];
//! `make setup` installs it) and fails when tshark ran and failed.
//!
//! ```text
//!  tshark [-X lua_script:tools/wireshark/vantage.lua] -r CAPTURE [-Y FILTER] -T fields -e ...
//!         └─ vantage_lua(): Vantage's dissector
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};

/// What a test says when it skips for want of tshark.
pub const NOT_INSTALLED: &str = "tshark not installed (make setup installs it)";

/// Why tshark gave no output.
#[derive(Debug)]
pub enum TsharkError {
    /// tshark could not be started (not on PATH, or not runnable): the caller skips.
    NotInstalled(io::Error),
    /// tshark ran and exited unsuccessfully.
    Failed {
        /// Its exit status.
        status: ExitStatus,
        /// What it wrote to standard error.
        stderr: String,
    },
}

impl fmt::Display for TsharkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TsharkError::NotInstalled(e) if e.kind() == io::ErrorKind::NotFound => {
                write!(f, "{NOT_INSTALLED}")
            }
            TsharkError::NotInstalled(e) => {
                write!(
                    f,
                    "tshark could not be started ({e}; make setup installs it)"
                )
            }
            TsharkError::Failed { status, stderr } => {
                write!(f, "tshark failed ({status}): {}", stderr.trim_end())
            }
        }
    }
}

impl std::error::Error for TsharkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TsharkError::NotInstalled(e) => Some(e),
            TsharkError::Failed { .. } => None,
        }
    }
}

/// Run tshark with exactly `args`; its standard output (lossily UTF-8) when it exits with
/// success.
pub fn run<I, S>(args: I) -> Result<String, TsharkError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new("tshark")
        .args(args)
        .output()
        .map_err(TsharkError::NotInstalled)?;
    if !out.status.success() {
        return Err(TsharkError::Failed {
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// [`run`] as a test wants it: tshark's output, or `None` when tshark is not installed (the
/// caller skips, saying [`NOT_INSTALLED`]); a run that fails fails the test.
pub fn output<I, S>(args: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    match run(args) {
        Ok(out) => Some(out),
        Err(TsharkError::NotInstalled(_)) => None,
        Err(e) => panic!("{e}"),
    }
}

/// `tools/wireshark/vantage.lua`, the dissector for tagged frames and report frames.
pub fn vantage_lua() -> PathBuf {
    crate::workspace_root().join("tools/wireshark/vantage.lua")
}

/// The two arguments that load [`vantage_lua`]: `-X lua_script:<path>`.
pub fn vantage_lua_args() -> [OsString; 2] {
    let mut script = OsString::from("lua_script:");
    script.push(vantage_lua());
    [OsString::from("-X"), script]
}
