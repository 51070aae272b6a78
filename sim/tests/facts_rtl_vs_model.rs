//! The reasm stage's segment facts (`hdl::reasm::facts`) behind the ingress and parse stages, as
//! Verilator runs the emitted Verilog, against the model's segment reader
//! (`vantage_model::reasm::segment::read` on the frame as the pipeline tags it): for every frame,
//! followed or not and why, and for a followed one the session engine's request — canonical
//! tuple, sender's side, flags (a cut frame's FIN cleared), ACK, data and end sequence numbers,
//! payload bytes, cut, ingress time; a frame with lanes missing or a MAC error is not read.
//! Traffic: every real capture, the demo's capture, and
//! generated frames valid and malformed (VLAN, QinQ, MPLS, PPPoE, IPv6 extension headers,
//! fragments, TCP options, runts, truncations, cut frames, garbage), back to back and spaced.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use vantage_model::gen::{arb_frame, arb_valid, Link, Transport};
use vantage_model::reasm::segment::{self, NotFollowed};
use vantage_proto::axis::LaneFrame;
use vantage_proto::flowhash::{canonical_input, DEFAULT_KEY};
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};
use vantage_sim::facts::{FactsSim, FrameFacts};
use vantage_testkit::reasm::tagged;

/// The model's reading of each frame: Ok(facts) or the reason code (1 not TCP, 2 truncated, 3
/// malformed). A frame with lanes missing or a MAC error is passed unread (`reasm::run_lanes`);
/// a frame the tag stage leaves untagged (under 14 bytes) has no IP header: not TCP.
fn model(frames: &[(u64, LaneFrame)]) -> Vec<Result<FrameFacts, u8>> {
    let bytes: Vec<(u64, Vec<u8>)> = frames.iter().map(|(t, f)| (*t, f.bytes())).collect();
    tagged(&bytes)
        .iter()
        .zip(frames)
        .map(|(f, (_, lanes))| {
            if lanes.user || lanes.has_hole() {
                return Err(3);
            }
            let Ok((h, original)) = strip(f, DEFAULT_ETHERTYPE) else {
                return Err(1);
            };
            match segment::read(&h, &original) {
                Ok(s) => Ok(FrameFacts {
                    why: 0,
                    tuple: canonical_input(s.key.low, s.key.high),
                    v6: s.key.v6,
                    side: s.side,
                    flags: s.flags,
                    ack: s.ack,
                    start: s.data_seq(),
                    end: s.end_seq(),
                    len: s.len,
                    cut: s.cut,
                    ts_ns: s.ts_ns,
                }),
                Err(NotFollowed::Untagged | NotFollowed::NotTcp) => Err(1),
                Err(NotFollowed::Truncated) => Err(2),
            }
        })
        .collect()
}

/// What a comparison covered.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    followed: usize,
    cut: usize,
    not_tcp: usize,
    truncated: usize,
    malformed: usize,
}

/// Every frame through the unit with `gaps` idle cycles between frames; the first disagreement
/// with the model fails with the frame's number.
fn compare(frames: &[(u64, Vec<u8>)], gaps: &[u8]) -> Result<Tally, String> {
    let lanes: Vec<(u64, LaneFrame)> = frames
        .iter()
        .map(|(t, f)| (*t, LaneFrame::from_bytes(f)))
        .collect();
    compare_lanes(&lanes, gaps)
}

/// As `compare`, for frames as lanes (lanes missing, MAC errors).
fn compare_lanes(frames: &[(u64, LaneFrame)], gaps: &[u8]) -> Result<Tally, String> {
    let want = model(frames);
    let got = FactsSim::default().run_lanes(frames, gaps);
    if got.len() != want.len() {
        return Err(format!(
            "{} frames in, {} answers out",
            want.len(),
            got.len()
        ));
    }
    let mut t = Tally::default();
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        match w {
            Ok(w) => {
                if g != w {
                    return Err(format!("frame {k}: RTL {g:?}\n  model {w:?}"));
                }
                t.followed += 1;
                t.cut += usize::from(w.cut);
            }
            Err(why) => {
                if g.why != *why {
                    return Err(format!("frame {k}: RTL says why {}, model {why}", g.why));
                }
                match why {
                    1 => t.not_tcp += 1,
                    2 => t.truncated += 1,
                    _ => t.malformed += 1,
                }
            }
        }
    }
    Ok(t)
}

#[test]
fn real_captures_read_as_the_model_reads_them() {
    let Some(captures) = vantage_testkit::real_capture_frames() else {
        return;
    };
    let mut all = Tally::default();
    for (f, frames) in captures {
        let t = compare(&frames, &[0]).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        all.followed += t.followed;
        all.cut += t.cut;
        all.not_tcp += t.not_tcp;
        all.truncated += t.truncated;
        all.malformed += t.malformed;
    }
    eprintln!("every real capture: {all:?}");
    assert!(
        all.followed > 0,
        "no TCP segment in ../shared/testdata/real"
    );
}

#[test]
fn the_demo_capture_reads_as_the_model_reads_it() {
    let path = vantage_testkit::workspace_root().join("testbench-pcaps/science-dmz.pcap.gz");
    let packets = vantage_capture::read(&path).expect("the demo capture");
    let frames: Vec<(u64, Vec<u8>)> = packets.into_iter().map(|p| (p.ts_ns, p.data)).collect();
    let t = compare(&frames, &[0, 1, 3]).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("science-dmz: {t:?}");
    assert!(t.followed > 10_000, "{t:?}");
}

/// A valid TCP frame cut short at `keep` of its bytes (a snap length): cut, truncated or (for
/// a cut inside the MAC header) not TCP.
fn cut_tcp() -> impl Strategy<Value = Vec<u8>> {
    (arb_valid(), any::<prop::sample::Index>())
        .prop_filter("TCP", |((spec, _), _)| {
            matches!(spec.transport, Transport::Tcp { .. })
        })
        .prop_map(|((_, bytes), at)| {
            let keep = 1 + at.index(bytes.len());
            bytes[..keep].to_vec()
        })
}

/// A TCP frame in a PPPoE session whose PPPoE length ends the packet `short` bytes before the
/// IP length does: the PPPoE length bounds the payload.
fn pppoe_short() -> impl Strategy<Value = Vec<u8>> {
    (
        arb_valid().prop_filter("TCP in PPPoE", |(spec, _)| {
            matches!(spec.transport, Transport::Tcp { .. })
                && matches!(spec.link, Link::Stack { pppoe: true, .. })
        }),
        0u16..80,
    )
        .prop_map(|((_, mut bytes), short)| {
            let l3 = usize::from(vantage_model::parse_frame(&bytes, &DEFAULT_KEY).l3_offset);
            if l3 >= 10 && bytes[l3 - 10..l3 - 8] == [0x88, 0x64] {
                let at = l3 - 4;
                let len = u16::from_be_bytes([bytes[at], bytes[at + 1]]).saturating_sub(short);
                bytes[at..at + 2].copy_from_slice(&len.to_be_bytes());
            }
            bytes
        })
}

/// Generated frames (lanes missing and MAC errors among the malformed ones), cut TCP frames and
/// PPPoE lengths short of the IP length.
fn any_frame() -> impl Strategy<Value = LaneFrame> {
    prop_oneof![
        4 => arb_frame(),
        2 => cut_tcp().prop_map(|f| LaneFrame::from_bytes(&f)),
        1 => pppoe_short().prop_map(|f| LaneFrame::from_bytes(&f)),
    ]
}

/// 4,000 generated frames back to back, drawn with a fixed seed: every answer the model's, and
/// the traffic reaches every kind of answer (followed whole and cut, not TCP, truncated), so
/// the comparison covers them.
#[test]
fn generated_traffic_reaches_every_answer() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let frames: Vec<(u64, LaneFrame)> = (0..4_000u64)
        .map(|k| {
            let f = any_frame()
                .new_tree(&mut runner)
                .expect("a frame")
                .current();
            (1_000 * k, f)
        })
        .collect();
    let t = compare_lanes(&frames, &[0, 0, 1]).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("4,000 generated frames: {t:?}");
    assert!(
        t.followed > 0 && t.cut > 0 && t.not_tcp > 0 && t.truncated > 0 && t.malformed > 0,
        "{t:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Generated frames, valid and malformed, and TCP frames cut short, some back to back.
    #[test]
    fn generated_frames_read_as_the_model_reads_them(
        frames in proptest::collection::vec(any_frame(), 1..40),
        gaps in proptest::collection::vec(0u8..3, 1..4),
        t0 in any::<u32>(),
    ) {
        let frames: Vec<(u64, LaneFrame)> = frames
            .into_iter()
            .enumerate()
            .map(|(k, f)| (u64::from(t0) + 1_000 * k as u64, f))
            .collect();
        compare_lanes(&frames, &gaps).map_err(TestCaseError::fail)?;
    }
}
