//! Fixtures the workspace's tests and its demo share (a dev-only crate: nothing ships it).
//!
//! - [`shared_testdata`], [`shared_real`], [`shared_zeek`]: `../shared/testdata` beside the
//!   workspace and its `real/` and `zeek/` folders, when they are there (tests that need them
//!   print why they skip and pass without them).
//! - [`tshark`]: tshark run as an outside oracle, or why it could not be.
//! - [`flows`]: TCP and UDP exchanges built frame by frame (handshakes, data, ACKs, closes).
//! - [`reasm`]: generated inputs of the reasm stage's direction rule, with the model's verdict.
//! - [`dmz`]: the demo capture, `testbench-pcaps/science-dmz.pcap.gz`: what a 100G
//!   science-DMZ link sees in a little over two seconds.

pub mod dmz;
pub mod flows;
pub mod reasm;
pub mod tshark;

use std::path::PathBuf;

/// `../shared/testdata` beside the workspace, if present (tests that need it skip without it).
pub fn shared_testdata() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata");
    p.is_dir().then_some(p)
}

/// `../shared/testdata/real` (real captures shipped in Debian packages), if present.
pub fn shared_real() -> Option<PathBuf> {
    shared_sub("real")
}

/// Every capture under `../shared/testdata/real` with its frames as (time in ns, bytes); None,
/// after a line saying the test skips, when the folder is absent. A capture that cannot be read
/// fails the test with its path.
pub fn real_capture_frames() -> Option<Vec<(PathBuf, Vec<(u64, Vec<u8>)>)>> {
    let Some(dir) = shared_real() else {
        eprintln!("skipped: ../shared/testdata/real not found");
        return None;
    };
    Some(
        captures_under(&dir)
            .into_iter()
            .map(|f| {
                let packets =
                    vantage_capture::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                let frames = packets.into_iter().map(|p| (p.ts_ns, p.data)).collect();
                (f, frames)
            })
            .collect(),
    )
}

/// `../shared/testdata/zeek` (Zeek's test traces and the `conn.log` baseline Zeek wrote for
/// them), if present.
pub fn shared_zeek() -> Option<PathBuf> {
    shared_sub("zeek")
}

/// A folder of `../shared/testdata`, if present.
fn shared_sub(name: &str) -> Option<PathBuf> {
    let p = shared_testdata()?.join(name);
    p.is_dir().then_some(p)
}

/// The workspace's root folder.
/// Capture files under `dir`, recursively, sorted (`.pcap` and `.pcapng`, compressed or not;
/// the damaged one excluded: it is bad input for the reader, tested in capture/ and host-cli/).
pub fn captures_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.flatten().map(|e| e.path()) {
            let name = p.to_string_lossy().into_owned();
            if p.is_dir() {
                dirs.push(p);
            } else if name.contains(".pcap") && !name.contains("damaged") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
