//! The project's own test capture (testbench-pcaps/model-cases.pcap) through the RTL and the model.

mod common;

use common::assert_same;
use std::path::PathBuf;
use vantage_model::Config;
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};

fn testbench_frames() -> Vec<(u64, LaneFrame)> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testbench-pcaps/model-cases.pcap");
    let packets = vantage_capture::read(&path).unwrap_or_else(|e| panic!("{e}"));
    packets
        .iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect()
}

#[test]
fn testbench_at_line_rate() {
    let frames = testbench_frames();
    let input = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 0);
    let (rtl, model) = assert_same(&input, &Config::default());
    assert_eq!(rtl.frames.len(), frames.len());
    for (out, (_, inp)) in rtl.frames.iter().zip(&frames) {
        match strip(&out.bytes(), DEFAULT_ETHERTYPE) {
            Ok((_, orig)) => assert_eq!(orig, inp.bytes()),
            Err(_) => assert_eq!(out, inp, "an untagged frame passes unchanged"),
        }
    }
    assert!(
        model.counters["parse.malformed"] > 0,
        "the capture has malformed frames"
    );
}

#[test]
fn testbench_back_to_back() {
    let input = schedule(&testbench_frames(), Pacing::BackToBack, 0);
    assert_same(&input, &Config::default());
}
