//! The ingress, tag and counter rules of `docs/pipeline.md`, with expectations worked out by hand.

use vantage_model::{parse_frame, run, run_traced, Config, TagDecision, TimeBase};
use vantage_proto::axis::{Beat, LaneFrame, TimedBeat};
use vantage_proto::datapath::TAG_BACKLOG_LIMIT;
use vantage_proto::flags::ParseFlags;
use vantage_proto::header::{strip, TaggedHeader, DEFAULT_ETHERTYPE};

/// A valid 64-byte IPv4/UDP frame (the minimum frame plus 4, as a MAC delivers it without FCS).
fn udp_frame(len: usize, tag: u8) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, tag, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0]);
    f.resize(len.max(f.len()), 0xAB);
    f.truncate(len);
    f
}

/// Beats of `frames` back to back from cycle `start`.
fn back_to_back(frames: &[Vec<u8>], start: u64) -> Vec<TimedBeat> {
    let beats: Vec<Beat> = frames
        .iter()
        .flat_map(|f| LaneFrame::from_bytes(f).to_beats())
        .collect();
    at_cycles(&beats, start..)
}

fn at_cycles(beats: &[Beat], cycles: impl IntoIterator<Item = u64>) -> Vec<TimedBeat> {
    beats
        .iter()
        .zip(cycles)
        .map(|(b, c)| TimedBeat { cycle: c, beat: *b })
        .collect()
}

#[test]
fn a_tagged_64_byte_frame_is_88_lanes_with_the_header_at_lane_12() {
    let f = udp_frame(64, 1);
    // 1 ns per cycle, S = 1_000_000 ns at cycle 0; the frame's first beat arrives in cycle 7.
    let config = Config {
        time: TimeBase {
            cycle: 0,
            value: 1_000_000 << 32,
            inc: 1 << 32,
        },
        ..Config::default()
    };
    let out = run(&config, &back_to_back(std::slice::from_ref(&f), 7));
    assert_eq!(out.frames.len(), 1);
    let o = &out.frames[0];
    assert_eq!(o.lanes.len(), 88);
    assert!(!o.has_hole());
    let bytes = o.bytes();
    assert_eq!(&bytes[..12], &f[..12]);
    assert_eq!(&bytes[12..14], &DEFAULT_ETHERTYPE.to_be_bytes());
    let (header, len) = TaggedHeader::decode(&bytes, DEFAULT_ETHERTYPE).expect("decodes");
    assert_eq!(len, 24);
    assert_eq!(header.timestamp(), Some(1_000_007));
    let flow = header.flow().expect("flow tag");
    let meta = parse_frame(&f, &config.hash_key);
    assert_eq!(flow.flags, ParseFlags(ParseFlags::IPV4 | ParseFlags::PORTS));
    assert_eq!(
        (flow.hash, flow.l3_offset, flow.ip_proto),
        (meta.hash, 14, 17)
    );
    assert_eq!(&bytes[36..], &f[12..]);
    let c = &out.counters;
    assert_eq!(
        (
            c["parse.frames"],
            c["parse.bytes"],
            c["parse.flagged"],
            c["parse.malformed"]
        ),
        (1, 64, 0, 0)
    );
    assert_eq!(
        (
            c["tag.frames"],
            c["tag.bytes"],
            c["tag.tagged"],
            c["tag.malformed"],
            c["tag.flagged"]
        ),
        (1, 88, 1, 0, 0)
    );
}

#[test]
fn the_timestamp_follows_a_snapshot_taken_later() {
    // Snapshot at cycle 1000 read S = 5000.5 ns; 3 ns per cycle. First beat at cycle 990.
    let time = TimeBase {
        cycle: 1000,
        value: (5000 << 32) | (1 << 31),
        inc: 3 << 32,
    };
    let config = Config {
        time,
        ..Config::default()
    };
    let out = run(&config, &back_to_back(&[udp_frame(64, 1)], 990));
    let (h, _) = strip(&out.frames[0].bytes(), DEFAULT_ETHERTYPE).unwrap();
    assert_eq!(h.timestamp(), Some(4970));
}

#[test]
fn the_overflow_beat_is_needed_from_lane_40_of_the_last_beat() {
    // 104 lanes: last beat uses lanes 0..40 (highest 39): 128 lanes tagged, 2 beats, no overflow.
    // 105 lanes: highest lane 40: 129 lanes tagged, 3 beats.
    for (len, out_beats) in [
        (104, 2),
        (105, 3),
        (40, 1),
        (41, 2),
        (64, 2),
        (80, 2),
        (128, 3),
    ] {
        let (out, trace) = run_traced(&Config::default(), &back_to_back(&[udp_frame(len, 1)], 0));
        assert_eq!(out.frames[0].lanes.len(), len + 24);
        assert_eq!(trace.frames[0].sent.len(), out_beats, "{len} lanes");
    }
}

#[test]
fn the_overflow_beat_goes_out_first_and_delays_the_next_frame() {
    // Frame A (105 lanes) arrives in cycles 0, 1; frame B (64) in cycle 2.
    // Releases: A0 at 1 (B1 arrives), A1 at 2 (last: 1 + 1), B at 3. FIFO pops from the cycle
    // after the push: A0 at 2, A1 at 3, A's overflow beat at 4, B at 5, B's overflow at 6. (The
    // reasm stage is off: frames bypass it.)
    let (_, trace) = run_traced(
        &Config::default(),
        &back_to_back(&[udp_frame(105, 1), udp_frame(64, 2)], 0),
    );
    assert_eq!(trace.frames[0].release, vec![1, 2]);
    assert_eq!(trace.frames[0].sent, vec![2, 3, 4]);
    assert_eq!(trace.frames[1].release, vec![3]);
    assert_eq!(trace.frames[1].sent, vec![5, 6]);
}

#[test]
fn a_gap_inside_a_frame_holds_its_beat_until_the_next_one_arrives() {
    let beats = LaneFrame::from_bytes(&udp_frame(100, 1)).to_beats();
    let (out, trace) = run_traced(&Config::default(), &at_cycles(&beats, [0, 50]));
    assert_eq!(trace.frames[0].arrival, vec![0, 50]);
    assert_eq!(trace.frames[0].release, vec![50, 51]);
    // 100 lanes: last beat uses lanes 0..36, so no overflow beat.
    assert_eq!(trace.frames[0].sent, vec![51, 52]);
    assert_eq!(out.frames[0].lanes.len(), 124);
}

/// 40 back-to-back 64-byte frames. Frame k arrives in cycle k and is pushed in cycle k+1 (a
/// last beat is released one cycle after it arrives). A tagged 64-byte frame takes two output
/// cycles, so while frames are tagged frame k is popped in cycle 2+2k; pushed before then are
/// frames 0..=2k, popped 0..k-1: a backlog of k+1. Frames 0..=14 see 1..=15 (< 16): tagged.
/// Frame 15 (cycle 32) sees 16: untagged, one cycle. From then frame j is popped in cycle j+17
/// with min(j+16, 40) frames pushed and j popped before it: a backlog of min(16, 40-j), so
/// frames 15..=24 pass untagged and 25..=39 (backlog 15 down to 1) are tagged again.
#[test]
fn backlog_fails_open_under_back_to_back_64_byte_frames() {
    assert_eq!(
        TAG_BACKLOG_LIMIT, 16,
        "the hand-derived numbers below assume a limit of 16"
    );
    let frames: Vec<Vec<u8>> = (0..40).map(|i| udp_frame(64, i as u8)).collect();
    let input = back_to_back(&frames, 0);
    let (out, trace) = run_traced(&Config::default(), &input);
    let untagged: Vec<usize> = trace
        .frames
        .iter()
        .enumerate()
        .filter(|(_, f)| f.decision == TagDecision::Backlog)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(untagged, (15..=24).collect::<Vec<_>>());
    assert!(trace
        .frames
        .iter()
        .all(|f| matches!(f.decision, TagDecision::Tagged | TagDecision::Backlog)));
    assert_eq!(trace.max_backlog, 16);
    for (i, o) in out.frames.iter().enumerate() {
        if untagged.contains(&i) {
            assert_eq!(
                o,
                &LaneFrame::from_bytes(&frames[i]),
                "frame {i} passes unchanged"
            );
        } else {
            assert_eq!(strip(&o.bytes(), DEFAULT_ETHERTYPE).unwrap().1, frames[i]);
        }
    }
    let c = &out.counters;
    assert_eq!(
        (
            c["tag.frames"],
            c["tag.tagged"],
            c["tag.flagged"],
            c["tag.malformed"]
        ),
        (40, 30, 10, 0)
    );
    assert_eq!(c["tag.bytes"], 30 * 88 + 10 * 64);
    assert_eq!(
        (c["parse.frames"], c["parse.bytes"], c["parse.flagged"]),
        (40, 40 * 64, 0)
    );
}

#[test]
fn spaced_frames_are_all_tagged() {
    // One 64-byte frame every 2 cycles: the engine keeps up (2 output beats per frame).
    let beats: Vec<Beat> = (0..40)
        .flat_map(|i| LaneFrame::from_bytes(&udp_frame(64, i)).to_beats())
        .collect();
    let out = run(&Config::default(), &at_cycles(&beats, (0..).step_by(2)));
    assert_eq!(out.counters["tag.tagged"], 40);
}

#[test]
fn with_tagging_off_every_frame_passes_unchanged_and_uncounted_by_tag() {
    let frames = vec![udp_frame(64, 1), vec![1, 2, 3], udp_frame(200, 2)];
    let config = Config {
        tag_enabled: false,
        ..Config::default()
    };
    let out = run(&config, &back_to_back(&frames, 0));
    let expected: Vec<LaneFrame> = frames.iter().map(|f| LaneFrame::from_bytes(f)).collect();
    assert_eq!(out.frames, expected);
    let c = &out.counters;
    assert_eq!(
        (
            c["tag.frames"],
            c["tag.tagged"],
            c["tag.malformed"],
            c["tag.flagged"]
        ),
        (3, 0, 0, 0)
    );
    assert_eq!(c["tag.bytes"], 64 + 3 + 200);
}

#[test]
fn frames_shorter_than_14_lanes_pass_untagged_as_malformed() {
    let out = run(
        &Config::default(),
        &back_to_back(&[vec![7u8; 13], vec![7u8; 14]], 0),
    );
    assert_eq!(out.frames[0], LaneFrame::from_bytes(&[7u8; 13]));
    assert_eq!(out.frames[1].lanes.len(), 38);
    let c = &out.counters;
    assert_eq!((c["tag.malformed"], c["tag.tagged"]), (1, 1));
    // 13 lanes: RUNT and TRUNCATED (Ethernet needs 14); 14 lanes of 0x07: RUNT, L3_UNKNOWN.
    assert_eq!(
        (
            c["parse.runt"],
            c["parse.truncated"],
            c["parse.malformed"],
            c["parse.flagged"]
        ),
        (2, 1, 1, 2)
    );
}

#[test]
fn tuser_goes_out_on_the_last_beat_and_counts_as_a_mac_error() {
    let mut f = LaneFrame::from_bytes(&udp_frame(105, 1));
    f.user = true;
    let (out, _) = run_traced(&Config::default(), &at_cycles(&f.to_beats(), 0..));
    assert!(out.frames[0].user);
    let out_beats = out.frames[0].to_beats();
    assert_eq!(out_beats.len(), 3);
    assert!(out_beats[2].user && !out_beats[0].user);
    let c = &out.counters;
    assert_eq!(
        (
            c["parse.mac_error"],
            c["parse.malformed"],
            c["parse.flagged"],
            c["tag.tagged"]
        ),
        (1, 1, 0, 1)
    );
}

#[test]
fn holes_move_with_their_lanes() {
    let mut f = LaneFrame::from_bytes(&udp_frame(70, 1));
    f.lanes[5] = None;
    f.lanes[40] = None;
    f.lanes[66] = None;
    let out = run(&Config::default(), &at_cycles(&f.to_beats(), 0..));
    let o = &out.frames[0];
    let holes: Vec<usize> = (0..o.lanes.len())
        .filter(|&i| o.lanes[i].is_none())
        .collect();
    assert_eq!(holes, vec![5, 64, 90]);
    let c = &out.counters;
    assert_eq!(
        (
            c["parse.keep_hole"],
            c["parse.malformed"],
            c["parse.bytes"],
            c["tag.bytes"]
        ),
        (1, 1, 67, 91)
    );
}

#[test]
fn a_hole_past_the_window_is_counted_but_not_flagged() {
    let mut f = LaneFrame::from_bytes(&udp_frame(300, 1));
    f.lanes[200] = None;
    let out = run(&Config::default(), &at_cycles(&f.to_beats(), 0..));
    let c = &out.counters;
    assert_eq!(
        (
            c["parse.keep_hole"],
            c["parse.malformed"],
            c["parse.flagged"]
        ),
        (1, 1, 0)
    );
}

#[test]
fn an_empty_last_beat_ends_the_frame_at_64_lanes() {
    let mut beats = LaneFrame::from_bytes(&udp_frame(64, 1)).to_beats();
    beats[0].last = false;
    beats.push(Beat {
        last: true,
        ..Beat::EMPTY
    });
    let (out, trace) = run_traced(&Config::default(), &at_cycles(&beats, 0..));
    assert_eq!(out.frames[0].lanes.len(), 88);
    // Two input beats, two output beats: the empty last beat has no lane at or above 40.
    assert_eq!(trace.frames[0].sent.len(), 2);
    assert!(trace.frames[0].meta.flags.has(ParseFlags::KEEP_HOLE));
    let c = &out.counters;
    assert_eq!(
        (
            c["parse.keep_hole"],
            c["parse.malformed"],
            c["parse.flagged"],
            c["parse.bytes"]
        ),
        (1, 1, 1, 64)
    );
}

#[test]
fn a_trailing_frame_without_tlast_is_neither_output_nor_counted() {
    let mut input = back_to_back(&[udp_frame(64, 1), udp_frame(64, 2)], 0);
    let mut open = LaneFrame::from_bytes(&udp_frame(64, 3)).to_beats()[0];
    open.last = false;
    input.push(TimedBeat {
        cycle: 2,
        beat: open,
    });
    let out = run(&Config::default(), &input);
    assert_eq!(out.frames.len(), 2);
    assert_eq!(
        (out.counters["parse.frames"], out.counters["tag.frames"]),
        (2, 2)
    );
}

#[test]
fn oversize_is_above_9216_kept_lanes() {
    let out = run(
        &Config::default(),
        &back_to_back(&[udp_frame(9216, 1), udp_frame(9217, 2)], 0),
    );
    let c = &out.counters;
    assert_eq!(
        (
            c["parse.oversize"],
            c["parse.malformed"],
            c["parse.flagged"]
        ),
        (1, 1, 0)
    );
}

#[test]
fn the_configured_ethertype_is_written() {
    let config = Config {
        ethertype: 0x1234,
        ..Config::default()
    };
    let out = run(&config, &back_to_back(&[udp_frame(64, 1)], 0));
    assert_eq!(&out.frames[0].bytes()[12..16], &[0x12, 0x34, 1, 6]);
}

#[test]
fn no_input_gives_every_counter_at_zero() {
    let out = run(&Config::default(), &[]);
    assert!(out.frames.is_empty());
    let names: Vec<String> = vantage_proto::regs::parse::COUNTERS
        .iter()
        .map(|c| format!("parse.{}", c.name))
        .chain(
            vantage_proto::regs::tag::COUNTERS
                .iter()
                .map(|c| format!("tag.{}", c.name)),
        )
        .chain(
            vantage_proto::regs::stats::COUNTERS
                .iter()
                .map(|c| format!("stats.{}", c.name)),
        )
        .chain(
            vantage_proto::regs::conn::COUNTERS
                .iter()
                .map(|c| format!("conn.{}", c.name)),
        )
        .chain(
            vantage_proto::regs::reasm::COUNTERS
                .iter()
                .map(|c| format!("reasm.{}", c.name)),
        )
        .collect();
    assert_eq!(
        out.counters.keys().cloned().collect::<Vec<_>>().len(),
        names.len()
    );
    assert!(
        names.iter().all(|n| out.counters.get(n) == Some(&0)),
        "{:?}",
        out.counters
    );
}

#[test]
fn default_config_is_the_reset_state() {
    let c = Config::default();
    assert!(c.tag_enabled);
    assert_eq!(c.ethertype, 0x88B5);
    assert_eq!(c.hash_key, vantage_proto::flowhash::DEFAULT_KEY);
    assert_eq!(
        c.time,
        TimeBase {
            cycle: 0,
            value: 0,
            inc: vantage_proto::datapath::default_ts_increment()
        }
    );
    // And S wraps the way the register does: 3.103 ns per cycle at 322 MHz.
    assert_eq!(c.time.ns_at(1000), 3103);
}
