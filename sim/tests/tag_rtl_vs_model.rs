//! The tag stage (`hdl::tag`) behind ingress and parse, as Verilator runs the emitted Verilog,
//! against the model's tag stage (`vantage_model::run_tag_alone`): the same frames out, tagged
//! or passed by the same decisions (the backlog rule), with every header length the stage
//! writes — 24 to 72 bytes, the optional STATS, SYN and REASM tags chosen by each frame's flow
//! hash as `hdl::tag::probe_unit` chooses them — and the same counters.
//! Traffic: the demo's capture, every real capture, generated frames valid and malformed, back
//! to back (the backlog fails frames open) and spaced.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use vantage_model::gen::arb_frame;
use vantage_model::parse::Meta;
use vantage_model::stats::stage::News;
use vantage_model::{header_for, run_tag_alone, Config, TagDecision};
use vantage_proto::axis::LaneFrame;
use vantage_proto::conn::SynInfo;
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::header::DEFAULT_ETHERTYPE;
use vantage_proto::reasm::ReasmInfo;
use vantage_sim::tag::TagSim;

/// The header lengths the stage writes: 24, 36 (STATS or SYN), 48, 52, 60, 64, 72.
const LENGTHS: usize = 7;

/// The header the probe gives frame `meta` stamped at `ts` (the probe's rule, from its hash).
fn header(config: &Config, ts: u64, meta: &Meta) -> Vec<u8> {
    let h = meta.hash;
    let news = (h & 1 != 0).then_some(News {
        crossed: h,
        uncounted: !h,
    });
    let syn = (h & 2 != 0).then(|| {
        let mut b = [0u8; 10];
        b[..4].copy_from_slice(&h.to_be_bytes());
        b[4..].copy_from_slice(&ts.to_be_bytes()[2..]);
        SynInfo::from_bytes(&b)
    });
    let reasm = (h & 4 != 0).then(|| {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&ts.to_be_bytes());
        b[8..12].copy_from_slice(&h.to_be_bytes());
        b[12..20].copy_from_slice(&(!ts).to_be_bytes());
        b[20..23].copy_from_slice(&(!h).to_be_bytes()[1..]);
        ReasmInfo::from_bytes(&b)
    });
    header_for(config, ts, meta, news, syn, reasm)
}

/// What a comparison covered: frames tagged by header length, and frames passed untagged.
#[derive(Debug, Default)]
struct Tally {
    by_len: std::collections::BTreeMap<usize, usize>,
    backlog: usize,
    other: usize,
}

/// Every frame through the probe with `gaps` idle cycles between frames, and through the
/// model; the first disagreement fails with the frame's number.
fn compare(frames: &[(u64, LaneFrame)], gaps: &[u8], enable: bool) -> Result<Tally, String> {
    let config = Config {
        tag_enabled: enable,
        ..Config::default()
    };
    let run = TagSim::new(&DEFAULT_KEY).run_lanes(frames, gaps, enable, DEFAULT_ETHERTYPE);
    let times: Vec<u64> = frames.iter().map(|(t, _)| *t).collect();
    let lens = std::cell::RefCell::new(Vec::new());
    let want = run_tag_alone(&config, &run.input, |k, meta| {
        let h = header(&config, times[k], meta);
        lens.borrow_mut().push(h.len());
        h
    });
    if run.frames.len() != want.len() {
        return Err(format!(
            "{} frames out of the RTL, {} of the model",
            run.frames.len(),
            want.len()
        ));
    }
    let mut t = Tally::default();
    let lens = lens.into_inner();
    let mut tagged = 0;
    for (k, (got, (w, d))) in run.frames.iter().zip(&want).enumerate() {
        if got != w {
            return Err(format!(
                "frame {k} ({d:?}, header {} bytes):\n  RTL   {:02x?}\n  model {:02x?}",
                lens[k],
                got.bytes(),
                w.bytes()
            ));
        }
        match d {
            TagDecision::Tagged => {
                tagged += 1;
                *t.by_len.entry(lens[k]).or_default() += 1;
            }
            TagDecision::Backlog => t.backlog += 1,
            _ => t.other += 1,
        }
    }
    let bytes: u64 = want
        .iter()
        .map(|(f, _)| f.lanes.iter().filter(|l| l.is_some()).count() as u64)
        .sum();
    let expect = [
        want.len() as u64,
        bytes,
        t.other as u64 * u64::from(enable),
        t.backlog as u64,
        tagged,
    ];
    if run.counters != expect {
        return Err(format!(
            "counters (frames, bytes, malformed, flagged, tagged): RTL {:?}, model {expect:?}",
            run.counters
        ));
    }
    Ok(t)
}

fn captured(path: &std::path::Path) -> Vec<(u64, LaneFrame)> {
    vantage_capture::read(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect()
}

#[test]
fn the_demo_capture_is_tagged_as_the_model_tags_it() {
    let path = vantage_testkit::workspace_root().join("testbench-pcaps/science-dmz.pcap.gz");
    let frames = captured(&path);
    // Back to back the backlog builds and most frames fail open; spaced, each is tagged.
    let t = compare(&frames, &[0], true).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("science-dmz back to back: {t:?}");
    assert!(t.backlog > 0, "{t:?}");
    let t = compare(&frames, &[1, 3], true).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("science-dmz spaced: {t:?}");
    assert_eq!(t.by_len.len(), LENGTHS, "every header length: {t:?}");
}

#[test]
fn real_captures_are_tagged_as_the_model_tags_them() {
    let Some(captures) = vantage_testkit::real_capture_frames() else {
        return;
    };
    let mut all = Tally::default();
    for (f, frames) in captures {
        let frames: Vec<(u64, LaneFrame)> = frames
            .iter()
            .map(|(t, b)| (*t, LaneFrame::from_bytes(b)))
            .collect();
        let t = compare(&frames, &[0, 2], true).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for (len, n) in t.by_len {
            *all.by_len.entry(len).or_default() += n;
        }
        all.backlog += t.backlog;
        all.other += t.other;
    }
    eprintln!("every real capture: {all:?}");
    assert_eq!(all.by_len.len(), LENGTHS, "every header length: {all:?}");
}

/// 3,000 generated frames (valid and malformed: lanes missing, MAC errors, runts), drawn with a
/// fixed seed, back to back and spaced, tagging on and off.
#[test]
fn generated_traffic_is_tagged_as_the_model_tags_it() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let frames: Vec<(u64, LaneFrame)> = (0..3_000u64)
        .map(|k| {
            let f = arb_frame()
                .new_tree(&mut runner)
                .expect("a frame")
                .current();
            (1_000 * k, f)
        })
        .collect();
    let t = compare(&frames, &[0, 0, 1], true).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("3,000 generated frames: {t:?}");
    assert!(
        t.backlog > 0 && t.other > 0 && t.by_len.len() == LENGTHS,
        "{t:?}"
    );
    let t = compare(&frames, &[0], false).unwrap_or_else(|e| panic!("{e}"));
    assert!(t.by_len.is_empty(), "{t:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Generated frames, some back to back.
    #[test]
    fn generated_frames_are_tagged_as_the_model_tags_them(
        frames in proptest::collection::vec(arb_frame(), 1..60),
        gaps in proptest::collection::vec(0u8..3, 1..4),
        t0 in any::<u32>(),
    ) {
        let frames: Vec<(u64, LaneFrame)> = frames
            .into_iter()
            .enumerate()
            .map(|(k, f)| (u64::from(t0) + 1_000 * k as u64, f))
            .collect();
        compare(&frames, &gaps, true).map_err(TestCaseError::fail)?;
    }
}
