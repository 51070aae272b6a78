//! Properties of the whole model on generated traffic: it never panics, every complete frame comes
//! out once and in order, untagged frames are unchanged, tagged ones are the input with a header
//! that strips off again, the counters add up, and the tag FIFO never overflows.

use proptest::collection::vec;
use proptest::prelude::*;
use vantage_model::gen::arb_traffic;
use vantage_model::{parse, run, run_traced, Config, TagDecision, TimeBase};
use vantage_proto::axis::{Beat, LaneFrame, TimedBeat};
use vantage_proto::datapath::{TAG_FIFO_DEPTH, TAG_INSERT_OFFSET};
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::header::{strip, FRAME_HEADER_BYTES};

/// The complete input frames, as beats.
fn input_frames(input: &[TimedBeat]) -> Vec<Vec<Beat>> {
    let mut frames = Vec::new();
    let mut cur = Vec::new();
    for tb in input {
        cur.push(tb.beat);
        if tb.beat.last {
            frames.push(std::mem::take(&mut cur));
        }
    }
    frames
}

fn lanes_of(beats: &[Beat]) -> LaneFrame {
    LaneFrame::from_beats(beats).expect("complete").remove(0)
}

fn filled(f: &LaneFrame) -> Vec<u8> {
    f.lanes.iter().map(|l| l.unwrap_or(0)).collect()
}

fn arb_config() -> impl Strategy<Value = Config> {
    (
        prop::bool::weighted(0.9),
        any::<u16>(),
        any::<u64>(),
        any::<u64>(),
        1u64..(1 << 40),
    )
        .prop_map(|(tag_enabled, ethertype, cycle, value, inc)| Config {
            tag_enabled,
            ethertype,
            time: TimeBase {
                cycle: cycle >> 20,
                value: (value as u128) << 20,
                inc,
            },
            ..Config::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn frames_come_out_once_in_order_and_unchanged_or_tagged(input in arb_traffic(), config in arb_config()) {
        let (out, trace) = run_traced(&config, &input);
        let frames = input_frames(&input);
        prop_assert_eq!(out.frames.len(), frames.len());
        prop_assert!(trace.max_backlog <= TAG_FIFO_DEPTH, "backlog {}", trace.max_backlog);
        let mut tagged = 0u64;
        for (i, (beats, o)) in frames.iter().zip(&out.frames).enumerate() {
            let original = lanes_of(beats);
            let t = &trace.frames[i];
            prop_assert_eq!(t.meta, parse(&beats[0], beats.get(1), &config.hash_key));
            if t.decision != TagDecision::Tagged {
                prop_assert_eq!(o, &original, "frame {} untagged but changed", i);
                continue;
            }
            tagged += 1;
            prop_assert!(config.tag_enabled);
            // Lane for lane: the original with 24 kept lanes inserted at lane 12.
            let cut = TAG_INSERT_OFFSET;
            prop_assert_eq!(o.lanes.len(), original.lanes.len() + FRAME_HEADER_BYTES);
            prop_assert_eq!(&o.lanes[..cut], &original.lanes[..cut]);
            prop_assert!(o.lanes[cut..cut + FRAME_HEADER_BYTES].iter().all(|l| l.is_some()));
            prop_assert_eq!(&o.lanes[cut + FRAME_HEADER_BYTES..], &original.lanes[cut..]);
            prop_assert_eq!(o.user, original.user);
            // And the header strips off, giving the input bytes and what parse found.
            let (header, stripped) = strip(&filled(o), config.ethertype).expect("tagged frame decodes");
            prop_assert_eq!(stripped, filled(&original));
            prop_assert_eq!(header.timestamp(), Some(config.time.ns_at(t.arrival[0])));
            let flow = header.flow().expect("flow tag");
            prop_assert_eq!((flow.hash, flow.flags, flow.l3_offset, flow.ip_proto),
                            (t.meta.hash, t.meta.flags, t.meta.l3_offset, t.meta.ip_proto));
        }
        let c = &out.counters;
        let n = frames.len() as u64;
        prop_assert_eq!((c["parse.frames"], c["tag.frames"], c["tag.tagged"]), (n, n, tagged));
        if config.tag_enabled {
            prop_assert_eq!(c["tag.tagged"] + c["tag.malformed"] + c["tag.flagged"], n);
        }
        let in_bytes: u64 = frames.iter().flatten().map(|b| b.valid_bytes() as u64).sum();
        prop_assert_eq!(c["parse.bytes"], in_bytes);
        prop_assert_eq!(c["tag.bytes"], in_bytes + tagged * FRAME_HEADER_BYTES as u64);
        prop_assert!(c["parse.malformed"] >= c["parse.truncated"].max(c["parse.bad_ihl"]).max(c["parse.keep_hole"]));
        prop_assert!(c["parse.flagged"] >= c["parse.runt"].max(c["parse.truncated"]));
    }

    /// Output beats leave in order, one per cycle at most, never before their input was released.
    #[test]
    fn one_output_beat_per_cycle_never_early(input in arb_traffic()) {
        let (_, trace) = run_traced(&Config::default(), &input);
        let sent: Vec<u64> = trace.frames.iter().flat_map(|f| f.sent.iter().copied()).collect();
        prop_assert!(sent.windows(2).all(|w| w[0] < w[1]), "{:?}", sent);
        for f in &trace.frames {
            for (k, r) in f.release.iter().enumerate() {
                prop_assert!(f.sent[k] > *r);
            }
        }
    }

    /// Anything at all, in any order: no panic, one output per beat with `tlast` that is
    /// followed by nothing or ends a frame.
    #[test]
    fn garbage_beats_never_panic(raw in vec((any::<u64>(), vec(any::<u8>(), 64), any::<u64>(), prop::bool::weighted(0.3), any::<bool>()), 0..60)) {
        let input: Vec<TimedBeat> = raw.iter().map(|(cycle, data, keep, last, user)| {
            let mut b = Beat { keep: *keep, last: *last, user: *user, ..Beat::EMPTY };
            b.data.copy_from_slice(data);
            TimedBeat { cycle: *cycle % 1000, beat: b }
        }).collect();
        let out = run(&Config::default(), &input);
        prop_assert_eq!(out.frames.len(), input.iter().filter(|b| b.beat.last).count());
    }

    #[test]
    fn parse_never_panics(data in vec(any::<u8>(), 128), k0: u64, k1: u64, l0: bool, l1: bool, la: bool, key in vec(any::<u8>(), 40)) {
        let mut first = Beat { keep: k0, last: l0, ..Beat::EMPTY };
        first.data.copy_from_slice(&data[..64]);
        let mut second = Beat { keep: k1, last: l1, ..Beat::EMPTY };
        second.data.copy_from_slice(&data[64..]);
        let key: [u8; 40] = key.try_into().unwrap();
        let m = parse(&first, la.then_some(&second), &key);
        prop_assert!(m.l3_offset as usize <= 38);
        let _ = vantage_model::parse_frame(&data[..(k0 % 129) as usize], &DEFAULT_KEY);
    }
}
