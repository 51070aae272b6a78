//! The connection table in RTL (the Verilated `ConnTableUnit`: queue, ways, dead test, the
//! history unit, sweep, flush, record queue) against `model::stats::conntable`, on generated
//! frames at timestamps seconds to minutes apart, which the whole pipeline cannot reach in
//! simulation. The records must be the same set (the RTL's background sweep reports dead
//! connections earlier, so their order may differ) and every counter equal.

use proptest::prelude::*;
use vantage_model::parse::TcpFields;
use vantage_model::stats::conntable::ConnTable;
use vantage_model::stats::history::Segment;
use vantage_proto::conntable::ConnRecord;
use vantage_proto::flags::ParseFlags;
use vantage_proto::stats::{DEFAULT_HASH_KEY, HASH_KEY_BYTES};
use vantage_sim::conntable::{ConnRequest, ConnTableSim};

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

/// One generated frame: (client, server, from client, flags, udp, payload, cycles since the
/// frame before, time since the frame before in ns, malformed).
type Gen = (u8, u8, bool, u8, bool, u16, u64, u64, bool);

/// A frame as the model's segment and as the RTL's request.
fn frame(g: &Gen, ts: u64, seq: u32) -> (Option<Segment>, ConnRequest) {
    let &(client, server, from_client, flags, udp, payload, _, _, malformed) = g;
    let host = |h: u8| {
        let mut a = [0u8; 16];
        a[12..].copy_from_slice(&[10, 0, 0, h]);
        a
    };
    let c = (host(client), 40000 + u16::from(client % 3));
    let s = (host(200 + server), if server % 2 == 0 { 80 } else { 5000 });
    let (src, dst) = if from_client { (c, s) } else { (s, c) };
    let hdr = if udp { 8 } else { 20 };
    let total = 20 + hdr + u32::from(payload);
    let req = ConnRequest {
        rule: 3,
        ts,
        flags: ParseFlags::IPV4
            | ParseFlags::PORTS
            | if malformed { ParseFlags::FRAGMENT } else { 0 },
        l3: 14,
        l4: 34,
        ip_len: total as u16,
        frame_len: (14 + total).max(60),
        proto: if udp { 17 } else { 6 },
        src: src.0,
        dst: dst.0,
        sport: src.1,
        dport: dst.1,
        tcp_flags: flags,
        seq,
        ack: seq.wrapping_add(1000),
        window: if flags & 0x01 != 0 { 0 } else { 512 },
        data_offset: 5,
    };
    let seg = Segment {
        src,
        dst,
        ip_proto: req.proto,
        ip_total_len: total,
        payload_len: u32::from(payload),
        tcp: (!udp).then_some(TcpFields {
            seq,
            ack: req.ack,
            flags,
            window: req.window,
            data_offset: 5,
        }),
    };
    (Some(seg).filter(|_| !malformed), req)
}

/// Run the frames through both; compare the records as sets and the counters.
fn check(frames: &[Gen], hash_key: [u8; HASH_KEY_BYTES]) {
    let mut rtl = ConnTableSim::new(&hash_key);
    let mut model = ConnTable::new(hash_key);
    let mut got: Vec<ConnRecord> = Vec::new();
    let (mut ts, mut now) = (1000 * SEC, 1000 * SEC);
    for (i, g) in frames.iter().enumerate() {
        // Idle cycles before the frame: the clock runs at the last frame's time meanwhile.
        for _ in 1..g.6 {
            got.extend(rtl.step(None, now, false, true));
        }
        ts += g.7;
        now = ts;
        let (seg, req) = frame(g, ts, 1000 * i as u32);
        let cycle = rtl.cycle;
        match seg {
            Some(seg) => model.track(req.rule, ts, false, &seg, cycle),
            None => model.counters.untracked += 1,
        }
        got.extend(rtl.step(Some(&req), now, false, true));
    }
    for _ in 0..64 {
        got.extend(rtl.step(None, now, false, true));
    }
    got.extend(rtl.step(None, now, true, true));
    let mut waited = 0;
    while rtl.status() != (false, false) {
        got.extend(rtl.step(None, now, false, true));
        waited += 1;
        assert!(waited < 2_000_000, "the flush never ended");
    }
    model.flush();
    let mut want = model.ended.clone();
    want.sort();
    got.sort();
    assert_eq!(got.len(), want.len(), "records");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    let c = model.counters;
    eprintln!(
        "{} frames: {} records, {} connections, {} refused (full), {} dropped (queue), {} untracked",
        frames.len(),
        got.len(),
        c.conns,
        c.table_full,
        c.dropped,
        c.untracked
    );
    assert_eq!(
        rtl.counters(),
        [
            c.frames,
            c.untracked,
            c.conns,
            c.table_full,
            c.dropped,
            c.records,
            0
        ],
        "counters (frames, untracked, conns, full, dropped, records, lost)"
    );
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const FIN: u8 = 0x01;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;

/// A handshake, data both ways and a close; idle between frames, times µs apart.
fn handshake(client: u8) -> Vec<Gen> {
    [
        (true, SYN, 0),
        (false, SYN | ACK, 0),
        (true, ACK, 0),
        (true, PSH | ACK, 100),
        (false, PSH | ACK, 1400),
        (true, FIN | ACK, 0),
        (false, FIN | ACK, 0),
        (true, ACK, 0),
    ]
    .iter()
    .map(|&(fc, f, p)| (client, 0, fc, f, false, p, 50, 20_000, false))
    .collect()
}

#[test]
fn handshakes_udp_and_a_malformed_frame() {
    let mut frames = handshake(1);
    frames.extend(handshake(2));
    frames.push((3, 1, true, 0, true, 30, 40, 1000, false));
    frames.push((3, 1, false, 0, true, 60, 40, 1000, false));
    frames.push((4, 1, true, SYN, false, 0, 40, 1000, true));
    check(&frames, DEFAULT_HASH_KEY);
}

#[test]
fn timers_end_connections_and_free_ways_in_a_full_bucket() {
    // A zero hash key: one bucket. Five attempts fill it and refuse one; after the attempt
    // delay the dead ones give their ways, a minute later everything is dead.
    let mut frames: Vec<Gen> = (0..5)
        .map(|c| (c, 0, true, SYN, false, 0, 300, MS, false))
        .collect();
    frames.push((9, 1, true, SYN, false, 0, 300, 6 * SEC, false));
    frames.push((1, 0, false, RST | ACK, false, 0, 300, MS, false));
    frames.push((2, 0, true, SYN, false, 0, 300, 61 * SEC, false));
    frames.push((5, 1, true, SYN, false, 0, 300, 301 * SEC, false));
    check(&frames, [0; HASH_KEY_BYTES]);
}

#[test]
fn one_connection_back_to_back_fills_the_queue() {
    // A frame every cycle of one connection: the table steps it every 10 cycles and drops what
    // the queue cannot hold, as the model says frame for frame.
    let mut frames = handshake(1);
    frames.extend((0..60).map(|_| (1, 0, true, ACK, false, 10, 1, 10, false)));
    check(&frames, DEFAULT_HASH_KEY);
}

fn gen_frame() -> impl Strategy<Value = Gen> {
    let flags = prop::sample::select(vec![
        SYN,
        SYN | ACK,
        ACK,
        PSH | ACK,
        FIN | ACK,
        RST,
        RST | ACK,
    ]);
    // Bursts of frames cycles apart with µs between them, or idle gaps with time jumps up to
    // minutes (the timers' scale); the clock never jumps while frames wait in the queue.
    let timing = prop_oneof![
        6 => (1u64..4, 0u64..2_000),
        2 => (300u64..2000, 0u64..10 * MS),
        2 => (300u64..2000, 4 * SEC..8 * SEC),
        1 => (300u64..2000, 55 * SEC..400 * SEC),
    ];
    (
        0u8..6,
        0u8..2,
        any::<bool>(),
        flags,
        prop::bool::weighted(0.15),
        prop_oneof![3 => Just(0u16), 1 => 1u16..1460],
        timing,
        prop::bool::weighted(0.03),
    )
        .prop_map(|(c, s, fc, f, udp, p, (cy, dt), bad)| (c, s, fc, f, udp, p, cy, dt, bad))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_frames_match_the_model(frames in prop::collection::vec(gen_frame(), 1..120), zero_key in any::<bool>()) {
        check(&frames, if zero_key { [0; HASH_KEY_BYTES] } else { DEFAULT_HASH_KEY });
    }
}
