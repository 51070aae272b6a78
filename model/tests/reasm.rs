//! The reasm stage in the model, against expectations stated from the generated traffic alone:
//! the stream each direction sent, the holes the reordering made, the bytes the capture lost.
//! The stream a monitor rebuilds from the tags (`reasm::streams`) must be the stream sent, with
//! exactly the gaps the capture lost, and nothing may be lost or kept.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use vantage_model::reasm::streams::Streams;
use vantage_model::reasm::{run, ReasmConfig, ReasmOutput};
use vantage_proto::header::DEFAULT_ETHERTYPE;
use vantage_proto::reasm::{End, Fallback, RetransmitPolicy, Status};
use vantage_testkit::flows::Endpoint;
use vantage_testkit::flows::{tcp_segment, Flags, Frames, Tcp, ACK, SYN};
use vantage_testkit::reasm::tagged;

fn v4(a: [u8; 4], port: u16) -> Endpoint {
    (IpAddr::V4(Ipv4Addr::from(a)), port)
}

/// An endpoint as the stage's records have it (IPv4 as ::a.b.c.d).
fn rec(e: Endpoint) -> vantage_proto::conn::Endpoint {
    match e.0 {
        IpAddr::V4(a) => (vantage_proto::flowhash::ipv4_as_16(a.octets()), e.1),
        IpAddr::V6(a) => (a.octets(), e.1),
    }
}

fn orig() -> Endpoint {
    v4([10, 0, 0, 1], 40000)
}

fn resp() -> Endpoint {
    v4([10, 0, 0, 2], 80)
}

fn on() -> ReasmConfig {
    ReasmConfig {
        enabled: true,
        ..ReasmConfig::default()
    }
}

fn reasm(cfg: &ReasmConfig, frames: &[(u64, Vec<u8>)]) -> (ReasmOutput, Streams) {
    let out = run(cfg, DEFAULT_ETHERTYPE, &tagged(frames));
    let streams = Streams::of(out.frames.iter().map(Vec::as_slice), DEFAULT_ETHERTYPE);
    assert!(
        streams.errors.is_empty(),
        "tag errors: {:?}",
        streams.errors
    );
    conserved(&out, frames.len());
    (out, streams)
}

/// Nothing lost, nothing kept: every frame in went out or was dropped by policy, every payload
/// byte is new, old or passed.
fn conserved(out: &ReasmOutput, frames_in: usize) {
    let c = &out.counters;
    assert_eq!(c.frames, frames_in as u64);
    assert_eq!(
        c.frames,
        c.malformed + c.untagged + c.not_tcp + c.truncated + c.followed
    );
    assert_eq!(
        out.frames.len() as u64 + c.dropped,
        frames_in as u64,
        "{c:?}"
    );
    assert_eq!(
        c.payload_in,
        c.bytes_new + c.bytes_old + c.bytes_passed,
        "{c:?}"
    );
    assert_eq!(c.sessions, c.ended);
    assert_eq!(out.flow_ends.len() as u64, c.sessions);
}

/// The bytes a direction sends in `n` segments of `mss` (distinct, so a misplaced byte shows).
fn data(n: usize, mss: usize, salt: u8) -> Vec<Vec<u8>> {
    (0..n)
        .map(|k| {
            (0..mss)
                .map(|i| (k as u8).wrapping_mul(31).wrapping_add(i as u8) ^ salt)
                .collect()
        })
        .collect()
}

const PSH_ACK: Flags = Flags {
    psh: true,
    ack: true,
    syn: false,
    fin: false,
    rst: false,
};

/// A connection: handshake, `segs` from the originator (no ACKs back until the end), FIN both
/// ways. Returns the frames in sending order and the index of each data segment's frame.
fn connection(isn: u32, segs: &[Vec<u8>]) -> (Vec<(u64, Vec<u8>)>, std::ops::Range<usize>) {
    let mut out = Frames::default();
    let mut c = Tcp::new(orig(), resp(), isn, 7_000_000);
    let t = c.open(&mut out, 1_000, 100);
    let mut frames = out.sorted();
    let first = frames.len();
    for (k, s) in segs.iter().enumerate() {
        frames.push((t + 10 * (k as u64 + 1), c.send(true, PSH_ACK, s)));
    }
    let last = frames.len();
    let mut tail = Frames::default();
    c.close(&mut tail, t + 10_000, 100);
    frames.extend(tail.sorted());
    (frames, first..last)
}

fn stream(streams: &Streams, dir: u8) -> &vantage_model::reasm::streams::Stream {
    streams
        .streams
        .iter()
        .find(|((_, d), _)| *d == dir)
        .map(|(_, s)| s)
        .expect("a stream in that direction")
}

#[test]
fn in_order_connection_is_one_stream() {
    let segs = data(5, 100, 0);
    let (frames, _) = connection(1000, &segs);
    let (out, streams) = reasm(&on(), &frames);
    let s = stream(&streams, 0);
    assert_eq!(s.bytes, segs.concat());
    assert!(s.gaps.is_empty() && s.fin && s.fallback.is_none());
    assert_eq!(out.counters.held, 0);
    assert_eq!(out.flow_ends.len(), 1);
    let r = out.flow_ends[0];
    assert_eq!((r.originator, r.responder), (rec(orig()), rec(resp())));
    assert_eq!(r.dirs[0].delivered, 500);
    assert_eq!((r.dirs[0].gaps, r.dirs[0].missed, r.fallback), (0, 0, 0));
}

#[test]
fn a_late_segment_is_held_behind_and_released_in_order() {
    let segs = data(4, 100, 1);
    let (mut frames, d) = connection(5000, &segs);
    // Segment 1 arrives after segments 2 and 3.
    let late = frames.remove(d.start + 1);
    frames.insert(d.start + 3, late);
    let (out, streams) = reasm(&on(), &frames);
    assert_eq!(stream(&streams, 0).bytes, segs.concat());
    assert_eq!((out.counters.held, out.counters.released), (2, 2));
    // Output order: 0, 1 (the filler), then 2 and 3 from the store.
    let statuses: Vec<_> = out
        .frames
        .iter()
        .filter_map(|f| vantage_proto::header::strip(f, DEFAULT_ETHERTYPE).ok())
        .filter_map(|(h, _)| h.reasm())
        .filter(|i| i.offset > 0 && i.direction() == 0 && i.status != Status::Control as u8)
        .map(|i| (i.offset, i.status))
        .collect();
    assert_eq!(
        &statuses[..3],
        &[
            (100, Status::InOrder as u8),
            (200, Status::Released as u8),
            (300, Status::Released as u8)
        ]
    );
}

#[test]
fn duplicates_and_overlaps_deliver_each_byte_once() {
    let segs = data(4, 100, 2);
    let (mut frames, d) = connection(u32::MAX - 150, &segs); // wraps 2^32 inside segment 1
    let dup = frames[d.start + 1].clone();
    frames.insert(d.start + 2, dup.clone());
    let (out, streams) = reasm(&on(), &frames);
    assert_eq!(stream(&streams, 0).bytes, segs.concat());
    assert_eq!(out.counters.retransmissions, 1);
    // Dropped by policy instead, and counted in the flow-end record.
    let drop = ReasmConfig {
        retransmit: RetransmitPolicy::Drop,
        ..on()
    };
    let (out, streams) = reasm(&drop, &frames);
    assert_eq!(stream(&streams, 0).bytes, segs.concat());
    assert_eq!(out.counters.dropped, 1);
    assert_eq!(out.flow_ends[0].dirs[0].retransmissions, 1);
}

#[test]
fn an_inconsistent_overlap_is_flagged_and_the_held_bytes_win() {
    let segs = data(3, 100, 3);
    let (mut frames, d) = connection(77, &segs);
    // Segment 2 arrives first (held), then a forged copy of it with other bytes, then segment 1.
    let s2 = frames.remove(d.start + 2);
    frames.insert(d.start + 1, s2.clone());
    let mut forged = s2;
    let n = forged.1.len();
    forged.1[n - 10] ^= 0xFF;
    frames.insert(d.start + 2, forged);
    let (out, streams) = reasm(&on(), &frames);
    let s = stream(&streams, 0);
    assert_eq!(s.bytes, segs.concat());
    assert_eq!(out.counters.inconsistent, 1);
    assert_eq!(s.inconsistent, 1);
    assert_eq!(out.flow_ends[0].dirs[0].inconsistent, 1);
}

#[test]
fn bytes_the_receiver_acknowledged_but_the_capture_lost_are_a_gap() {
    let segs = data(4, 100, 4);
    let (mut frames, d) = connection(9, &segs);
    let lost = frames.remove(d.start + 1);
    drop(lost);
    // The responder acknowledges everything (it got segment 1; the capture did not).
    let t = frames[d.start + 2].0 + 5;
    let ack = tcp_segment(resp(), orig(), 7_000_001, 9 + 1 + 400, ACK, &[]);
    frames.insert(d.start + 3, (t, ack));
    let (out, streams) = reasm(&on(), &frames);
    let s = stream(&streams, 0);
    let mut want = segs.clone();
    want.remove(1);
    assert_eq!(s.bytes, want.concat());
    assert_eq!(s.gaps, vec![(100, 100)]);
    assert_eq!((out.counters.ack_gaps, out.counters.gap_bytes), (1, 100));
    assert_eq!(out.flow_ends[0].dirs[0].missed, 100);
}

#[test]
fn a_hole_gives_up_at_the_cap_above_it() {
    let segs = data(12, 1000, 5);
    let (mut frames, d) = connection(1, &segs);
    frames.remove(d.start); // segment 0 never comes, nobody acknowledges
    let cfg = ReasmConfig {
        max_above_hole: 4000,
        ..on()
    };
    let (out, streams) = reasm(&cfg, &frames);
    let s = stream(&streams, 0);
    assert_eq!(s.bytes, segs[1..].concat());
    assert_eq!(s.gaps, vec![(0, 1000)]);
    assert_eq!(out.counters.cap_gaps, 1);
    assert!(out.counters.peak_held_frames <= 4);
}

#[test]
fn a_hole_gives_up_after_its_timeout() {
    let segs = data(3, 100, 6);
    let (mut frames, d) = connection(1, &segs);
    frames.remove(d.start);
    let cfg = ReasmConfig {
        hole_timeout_ns: 1_000,
        ..on()
    };
    let (out, streams) = reasm(&cfg, &frames);
    assert_eq!(stream(&streams, 0).gaps, vec![(0, 100)]);
    assert_eq!(out.counters.hole_timeouts, 1);
}

#[test]
fn a_second_hole_falls_back_with_the_held_frames_first() {
    let segs = data(5, 100, 7);
    let (mut frames, d) = connection(1, &segs);
    frames.remove(d.start + 3); // holes at 1 and 3
    frames.remove(d.start + 1);
    let (out, streams) = reasm(&on(), &frames);
    let s = stream(&streams, 0);
    assert_eq!(s.fallback, Some(Fallback::SecondHole as u8));
    assert_eq!(s.bytes, segs[0]);
    assert_eq!(out.counters.fallback_second_hole, 1);
    assert_eq!(out.flow_ends[0].fallback, Fallback::SecondHole as u8);
    assert_eq!(out.counters.held, 1);
}

#[test]
fn a_full_table_falls_back_and_counts() {
    // One bucket of 4 ways: the fifth connection has no room.
    let cfg = ReasmConfig {
        bucket_bits: 0,
        ..on()
    };
    let mut all = Vec::new();
    for k in 0..5u16 {
        let mut f = Frames::default();
        let mut c = Tcp::new(v4([10, 0, 1, 1], 1000 + k), resp(), 1, 2);
        c.open(&mut f, 100 * u64::from(k), 10);
        all.extend(f.sorted());
    }
    all.sort_by_key(|(t, _)| *t);
    let (out, _) = reasm(&cfg, &all);
    assert_eq!(out.counters.sessions, 4);
    // The fifth connection's SYN and SYN-ACK fall back; its pure ACK opens nothing.
    assert_eq!(out.counters.fallback_table_full, 2);
}

#[test]
fn midstream_pickup_starts_at_the_first_byte_seen() {
    let segs = data(3, 50, 8);
    let (frames, d) = connection(1, &segs);
    let (out, streams) = reasm(&on(), &frames[d.start..]);
    assert_eq!(stream(&streams, 0).bytes, segs.concat());
    assert_eq!(out.flow_ends[0].originator, rec(orig()));
}

#[test]
fn rst_ends_the_session_after_its_linger_and_a_new_syn_reuses_it() {
    let mut f = Frames::default();
    let mut c = Tcp::new(orig(), resp(), 1, 2);
    let t = c.open(&mut f, 0, 10);
    let rst = Flags {
        rst: true,
        ..Flags::default()
    };
    f.push(t + 10, c.send(true, rst, &[]));
    f.push(t + 20, tcp_segment(orig(), resp(), 999, 0, SYN, &[]));
    let (out, _) = reasm(&on(), &f.sorted());
    assert_eq!(out.counters.sessions, 2);
    assert_eq!(out.flow_ends[0].end, End::Reused as u8);
    assert_eq!(out.flow_ends[1].end, End::Flushed as u8);
}

#[test]
fn a_full_store_evicts_a_random_hole_as_a_gap() {
    // Four connections each hold frames above a hole; the store has room for 3 frames.
    let cfg = ReasmConfig {
        store_slots: 3,
        ..on()
    };
    let mut all = Vec::new();
    for k in 0..4u16 {
        let mut f = Frames::default();
        let mut c = Tcp::new(v4([10, 0, 2, 1], 2000 + k), resp(), 1, 2);
        let t = c.open(&mut f, 10 * u64::from(k), 5);
        let mut frames = f.sorted();
        let _lost = c.send(true, PSH_ACK, &[1; 100]);
        frames.push((t + 100, c.send(true, PSH_ACK, &[2; 100])));
        all.extend(frames);
    }
    all.sort_by_key(|(t, _)| *t);
    let (out, _) = reasm(&cfg, &all);
    assert_eq!(out.counters.evictions, 1);
    assert_eq!(out.counters.held, 4);
    assert_eq!(
        out.counters.gaps, 4,
        "one eviction, three at the end of the input"
    );
}

/// A reordering with one hole at a time: segments [i, i+k) move behind the next m segments.
fn one_hole_reorder(n: usize, i: usize, k: usize, m: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let i = i % n;
    let k = k.min(n - i);
    let moved: Vec<usize> = order.drain(i..i + k).collect();
    let at = (i + m).min(order.len());
    for (j, x) in moved.into_iter().enumerate() {
        order.insert(at + j, x);
    }
    order
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Reordered (one hole at a time), duplicated and resegmented traffic comes out as the stream
    /// sent, with no gap and no fallback, at any ISN (2^32 wraps included).
    #[test]
    fn reordering_with_one_hole_gives_the_stream_sent(
        isn: u32,
        sizes in proptest::collection::vec(1..1400usize, 2..16),
        i in 0..16usize, k in 1..=4usize, m in 0..=4usize,
        dups in proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
    ) {
        let segs: Vec<Vec<u8>> = sizes.iter().enumerate()
            .map(|(k, &n)| (0..n).map(|i| (i as u8) ^ (k as u8).wrapping_mul(97)).collect())
            .collect();
        let (frames, d) = connection(isn, &segs);
        let order = one_hole_reorder(d.len(), i, k, m);
        let mut data: Vec<(u64, Vec<u8>)> = order.iter().map(|&k| frames[d.start + k].clone()).collect();
        for dup in &dups {
            let x = data[dup.index(data.len())].clone();
            data.insert(dup.index(data.len() + 1), x);
        }
        let mut all: Vec<(u64, Vec<u8>)> = frames[..d.start].to_vec();
        all.extend(data);
        all.extend(frames[d.end..].iter().cloned());
        let (out, streams) = reasm(&on(), &all);
        let s = stream(&streams, 0);
        prop_assert_eq!(&s.bytes, &segs.concat());
        prop_assert!(s.gaps.is_empty());
        prop_assert!(s.fallback.is_none());
        prop_assert!(s.fin);
        prop_assert_eq!(out.counters.retransmissions, dups.len() as u64);
    }

    /// Any order, any losses: whatever a stream delivers sits at its offset of the stream sent,
    /// gaps cover exactly the bytes not delivered, and nothing is lost or kept.
    #[test]
    fn any_order_delivers_only_true_bytes_at_their_offsets(
        sizes in proptest::collection::vec(1..600usize, 2..12),
        perm in proptest::collection::vec(any::<u32>(), 12),
        lost in proptest::collection::vec(any::<bool>(), 12),
    ) {
        let segs: Vec<Vec<u8>> = sizes.iter().enumerate()
            .map(|(k, &n)| (0..n).map(|i| (i as u8).wrapping_add(k as u8 * 13)).collect())
            .collect();
        let sent = segs.concat();
        let (frames, d) = connection(123_456, &segs);
        let mut data: Vec<(u64, Vec<u8>)> = (0..d.len())
            .filter(|&k| !lost[k] || k == 0)
            .map(|k| frames[d.start + k].clone())
            .collect();
        // Shuffle by the random words.
        let mut keyed: Vec<(u32, (u64, Vec<u8>))> = data.drain(..).enumerate().map(|(i, f)| (perm[i], f)).collect();
        keyed.sort_by_key(|(k, _)| *k);
        let mut all: Vec<(u64, Vec<u8>)> = frames[..d.start].to_vec();
        all.extend(keyed.into_iter().map(|(_, f)| f));
        all.extend(frames[d.end..].iter().cloned());
        let (out, streams) = reasm(&on(), &all);
        let s = stream(&streams, 0);
        // The flow-end figures (kept in the session record, a released block's added at once)
        // agree with what the tags told the monitor, frame by frame.
        let fig = out.flow_ends[0].dirs[0];
        let told: u64 = s.gaps.iter().map(|(_, n)| n).sum();
        prop_assert!(fig.missed >= told, "missed {} < gaps told {}", fig.missed, told);
        prop_assert!(u64::from(fig.gaps) >= s.gaps.len() as u64);
        if s.fallback.is_none() {
            prop_assert_eq!(fig.delivered, s.bytes.len() as u64);
            prop_assert_eq!(u64::from(fig.retransmissions), out.counters.retransmissions);
            // Rebuild with the gaps: every delivered byte equals the byte sent at that offset.
            let mut at = 0usize;
            let mut gaps: BTreeMap<u64, u64> = s.gaps.iter().copied().collect();
            let mut pos = 0u64;
            while at < s.bytes.len() {
                if let Some(len) = gaps.remove(&pos) { pos += len; continue; }
                prop_assert_eq!(s.bytes[at], sent[pos as usize], "byte at offset {}", pos);
                at += 1; pos += 1;
            }
        } else {
            prop_assert!(s.bytes.len() <= sent.len());
            prop_assert_eq!(&s.bytes[..], &sent[..s.bytes.len()]);
        }
    }
}
