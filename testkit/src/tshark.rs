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

/// One TCP stream as tshark's `-z follow,tcp,raw` gives it: its two nodes (node 0 sent the
/// stream's first frame) and the bytes each sent, in tshark's reassembled order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Followed {
    /// tshark's `tcp.stream` number.
    pub stream: u32,
    /// "address:port" of node 0 and node 1 (IPv6 addresses in brackets, as tshark prints them).
    pub nodes: [String; 2],
    /// The bytes node 0 and node 1 sent.
    pub data: [Vec<u8>; 2],
}

/// tshark's reassembly of every TCP stream of `capture` that carries payload, by stream number;
/// `None` when tshark is not installed.
pub fn follow_tcp(capture: &std::path::Path) -> Option<Vec<Followed>> {
    let streams = output([
        OsStr::new("-r"),
        capture.as_os_str(),
        OsStr::new("-Y"),
        OsStr::new("tcp.len > 0"),
        OsStr::new("-T"),
        OsStr::new("fields"),
        OsStr::new("-e"),
        OsStr::new("tcp.stream"),
    ])?;
    let mut numbers: Vec<u32> = streams
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut all = Vec::new();
    // Many streams per tshark run (each -z is one more pass over nothing but the taps).
    for chunk in numbers.chunks(500) {
        let mut args: Vec<OsString> = vec!["-q".into(), "-r".into(), capture.into()];
        for n in chunk {
            args.push("-z".into());
            args.push(format!("follow,tcp,raw,{n}").into());
        }
        all.extend(parse_follow(&output(args)?));
    }
    all.sort_by_key(|f| f.stream);
    Some(all)
}

/// The sections of `-z follow,tcp,raw` output.
fn parse_follow(text: &str) -> Vec<Followed> {
    let mut out = Vec::new();
    let mut cur: Option<Followed> = None;
    for line in text.lines() {
        if line.starts_with("=====") {
            out.extend(cur.take().filter(|f| !f.nodes[0].is_empty()));
            cur = Some(Followed::default());
            continue;
        }
        let Some(f) = cur.as_mut() else { continue };
        if let Some(n) = line.strip_prefix("Filter: tcp.stream eq ") {
            f.stream = n.trim().parse().unwrap_or(u32::MAX);
        } else if let Some(n) = line.strip_prefix("Node 0: ") {
            f.nodes[0] = n.trim().to_string();
        } else if let Some(n) = line.strip_prefix("Node 1: ") {
            f.nodes[1] = n.trim().to_string();
        } else if line.starts_with("Follow:") || line.trim().is_empty() {
        } else {
            let (node, hex) = match line.strip_prefix('\t') {
                Some(h) => (1, h),
                None => (0, line),
            };
            let hex = hex.trim();
            let bytes = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok());
            f.data[node].extend(bytes);
        }
    }
    out.extend(cur.filter(|f| !f.nodes[0].is_empty()));
    out
}

#[cfg(test)]
mod follow_tests {
    #[test]
    fn sections_parse_into_nodes_and_bytes() {
        let text = "\n=====\nFollow: tcp,raw\nFilter: tcp.stream eq 3\nNode 0: 1.2.3.4:5\nNode 1: [::1]:80\n4142\n\t43\n4445\n=====\n";
        let f = super::parse_follow(text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].stream, 3);
        assert_eq!(
            f[0].nodes,
            ["1.2.3.4:5".to_string(), "[::1]:80".to_string()]
        );
        assert_eq!(f[0].data, [b"ABDE".to_vec(), b"C".to_vec()]);
    }
}
