//! Fixed test vectors for the RTL and the simulator: `testbench-pcaps/model-cases.pcap` (frames
//! made by `vantage_model::gen`, valid and malformed, no holes or MAC errors since a pcap cannot
//! carry them) and `model-cases.expected.tsv` (what the model gives for each, at 100 Gb/s line
//! rate from cycle 0 with the reset configuration).
//!
//! This test checks that the model still gives the recorded output. After a deliberate change
//! of behaviour, rewrite both files with `VANTAGE_BLESS=1 cargo test -p vantage-model --test
//! testbench` and review the diff of the TSV.

use proptest::strategy::{Strategy, ValueTree};
use std::path::PathBuf;
use std::time::Duration;
use vantage_model::gen::{arb_malformed_frame, arb_valid};
use vantage_model::{run_traced, Config};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};

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
        let f = malformed.new_tree(&mut runner).expect("malformed").current();
        if !f.has_hole() && !f.user {
            frames.push(f.bytes());
        }
    }
    frames
}

/// The expected-output table for `frames`.
fn expected(frames: &[Vec<u8>]) -> String {
    let timed: Vec<(u64, LaneFrame)> = frames.iter().map(|f| (0, LaneFrame::from_bytes(f))).collect();
    let input = schedule(&timed, Pacing::LineRate { gbps: 100.0 }, 0);
    let (out, trace) = run_traced(&Config::default(), &input);
    let mut s = String::from("# frame\tlen_in\tfirst_cycle\tflags\tl3\tproto\tsport\tdport\thash\tdecision\tlen_out\tinserted_header_hex\n");
    for (i, (t, o)) in trace.frames.iter().zip(&out.frames).enumerate() {
        let m = &t.meta;
        let inserted = if o.lanes.len() > frames[i].len() {
            o.bytes()[12..12 + o.lanes.len() - frames[i].len()].iter().map(|b| format!("{b:02x}")).collect::<String>()
        } else {
            "-".to_string()
        };
        s += &format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:08x}\t{:?}\t{}\t{}\n",
            i + 1,
            frames[i].len(),
            t.arrival[0],
            m.flags.describe(),
            m.l3_offset,
            m.ip_proto,
            m.sport,
            m.dport,
            m.hash,
            t.decision,
            o.lanes.len(),
            inserted
        );
    }
    for (k, v) in &out.counters {
        s += &format!("# {k}\t{v}\n");
    }
    s
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
        let p = pcap_file::pcap::PcapPacket::new(Duration::from_micros(i as u64), f.len() as u32, f);
        w.write_packet(&p).expect("write packet");
    }
}

#[test]
fn model_still_gives_the_recorded_output() {
    let pcap = dir().join("model-cases.pcap");
    let tsv = dir().join("model-cases.expected.tsv");
    if std::env::var("VANTAGE_BLESS").is_ok() {
        let frames = generate();
        write_pcap(&pcap, &frames);
        std::fs::write(&tsv, expected(&frames)).expect("write tsv");
        println!("wrote {} and {}", pcap.display(), tsv.display());
        return;
    }
    let frames = read_pcap(&pcap);
    assert_eq!(frames.len(), VALID + MALFORMED);
    let want = std::fs::read_to_string(&tsv).expect("expected tsv");
    let got = expected(&frames);
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        assert_eq!(w, g, "line {} of {} differs", i + 1, tsv.display());
    }
    assert_eq!(want.lines().count(), got.lines().count());
}
