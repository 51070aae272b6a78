//! Fixtures the workspace's tests and its demo share (a dev-only crate: nothing ships it).
//!
//! - [`shared_testdata`]: `../shared/testdata` beside the workspace, when it is there.
//! - [`flows`]: TCP and UDP exchanges built frame by frame (handshakes, data, ACKs, closes).
//! - [`dmz`]: the demo capture, `testbench-pcaps/science-dmz.pcap`: what a 100G science-DMZ
//!   link sees in a few milliseconds.

pub mod dmz;
pub mod flows;

use std::path::PathBuf;

/// `../shared/testdata` beside the workspace, if present (tests that need it skip without it).
pub fn shared_testdata() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata");
    p.is_dir().then_some(p)
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
