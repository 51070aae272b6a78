//! A fixed test capture for the RTL and the CLI: `testbench-pcaps/model-cases.pcap`, frames made
//! by `vantage_model::gen` (valid and malformed, no holes or MAC errors since a pcap cannot carry
//! them). Its expected output is not recorded here: the RTL is checked against the model on it
//! (sim/tests/testbench.rs), never the model against its own earlier output.
//!
//! This test checks the capture is what the generator makes; after a change to the generator,
//! rewrite it with `VANTAGE_BLESS=1 cargo test -p vantage-model --test testbench`.

use proptest::strategy::{Strategy, ValueTree};
use std::path::PathBuf;
use std::time::Duration;
use vantage_model::gen::{arb_malformed_frame, arb_valid};

/// Frames in the capture: valid, then malformed.
const VALID: usize = 48;
const MALFORMED: usize = 16;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testbench-pcaps")
}

fn generate() -> Vec<Vec<u8>> {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let valid = arb_valid();
    while frames.len() < VALID {
        frames.push(valid.new_tree(&mut runner).expect("valid").current().1);
    }
    let malformed = arb_malformed_frame();
    while frames.len() < VALID + MALFORMED {
        let f = malformed
            .new_tree(&mut runner)
            .expect("malformed")
            .current();
        if !f.has_hole() && !f.user {
            frames.push(f.bytes());
        }
    }
    frames
}

fn read_pcap(path: &PathBuf) -> Vec<Vec<u8>> {
    let file = std::fs::File::open(path).expect("open pcap");
    let mut r = pcap_file::pcap::PcapReader::new(file).expect("pcap header");
    let mut frames = Vec::new();
    while let Some(p) = r.next_packet() {
        frames.push(p.expect("packet").data.to_vec());
    }
    frames
}

fn write_pcap(path: &PathBuf, frames: &[Vec<u8>]) {
    let file = std::fs::File::create(path).expect("create pcap");
    let mut w = pcap_file::pcap::PcapWriter::new(file).expect("pcap writer");
    for (i, f) in frames.iter().enumerate() {
        let p =
            pcap_file::pcap::PcapPacket::new(Duration::from_micros(i as u64), f.len() as u32, f);
        w.write_packet(&p).expect("write packet");
    }
}

#[test]
fn testbench_capture_is_reproducible() {
    let pcap = dir().join("model-cases.pcap");
    let frames = generate();
    if std::env::var("VANTAGE_BLESS").is_ok() {
        write_pcap(&pcap, &frames);
        println!("wrote {}", pcap.display());
        return;
    }
    assert_eq!(
        read_pcap(&pcap),
        frames,
        "{} is not what the generator makes",
        pcap.display()
    );
}
