//! Properties of the history rule's connection table (`stats::conntable`) that the hardware
//! relies on: a connection `dead` at some time is ended by any later frame, so sweeping dead
//! connections out at any time changes which records come out in which order, never which
//! records, which frames are refused, or how many connections there were.

use proptest::prelude::*;
use vantage_model::parse::TcpFields;
use vantage_model::stats::conntable::ConnTable;
use vantage_model::stats::hist::HistState;
use vantage_model::stats::history::Segment;
use vantage_proto::hist::{state_layout, HistPkt, StateBits, STATE_BITS, STATE_WORDS};
use vantage_proto::stats::HASH_KEY_BYTES;

const SEC: u64 = 1_000_000_000;

/// A state vector with its timers within 400 s before to 20 s after `ts`, counts below overflow.
fn arbitrary_state(words: &[u32], times: &[i64], ts: u64) -> HistState {
    let mut bits = StateBits::default();
    bits.0.copy_from_slice(words);
    let mut times = times.iter();
    for s in state_layout() {
        if ["last_ns", "start_ns", "exp", "att", "del"].contains(&s.name.as_str()) {
            bits.put(
                s.lo,
                64,
                ts.wrapping_add_signed(*times.next().unwrap_or(&0)),
            );
        } else if s.bits == 64 {
            let v = bits.get(s.lo, 64) & ((1 << 60) - 1);
            bits.put(s.lo, 64, v);
        }
    }
    for b in STATE_BITS..STATE_WORDS * 32 {
        bits.put(b, 1, 0);
    }
    HistState::from_bits(&bits)
}

/// One frame of generated traffic among a few endpoints: (client, server, from client, flags
/// index, udp, gap in ms).
type GenFrame = (u8, u8, bool, usize, bool, u64);

const FLAGS: [u8; 7] = [0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14];

fn segment(f: &GenFrame, seq: u32) -> Segment {
    let (client, server, from_client, flags, udp, _) = *f;
    let host = |h: u8| {
        let mut a = [0u8; 16];
        a[12..].copy_from_slice(&[10, 0, 0, h]);
        a
    };
    let (c, s) = (
        (host(client), 40000 + u16::from(client)),
        (host(100 + server), 80),
    );
    let (src, dst) = if from_client { (c, s) } else { (s, c) };
    Segment {
        src,
        dst,
        ip_proto: if udp { 17 } else { 6 },
        ip_total_len: 60,
        payload_len: if FLAGS[flags] & 0x08 != 0 { 20 } else { 0 },
        tcp: (!udp).then_some(TcpFields {
            seq,
            ack: seq.wrapping_add(7),
            flags: FLAGS[flags],
            window: 512,
            data_offset: 5,
        }),
    }
}

fn gen_frame() -> impl Strategy<Value = GenFrame> {
    (
        0u8..6,
        0u8..2,
        any::<bool>(),
        0..FLAGS.len(),
        prop::bool::weighted(0.15),
        prop_oneof![6 => 0u64..2_000, 2 => 4_000u64..8_000, 1 => 50_000u64..400_000],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// `dead(t)` means every frame at `t` or later ends the connection.
    #[test]
    fn a_dead_connection_is_ended_by_any_later_frame(
        words in prop::collection::vec(any::<u32>(), STATE_WORDS),
        // Half the states silent for up to 400 s, half with every timer within 8 s of `t`.
        times in prop_oneof![
            prop::collection::vec(-400_000_000_000i64..20_000_000_000, 5),
            prop::collection::vec(-8_000_000_000i64..8_000_000_000, 5),
        ],
        t in (1u64 << 40)..(1 << 50),
        later in prop_oneof![Just(0u64), 0u64..10_000_000_000, 0u64..1_000_000_000_000],
        flags in any::<u8>(),
        seq in any::<u32>(),
        udp in prop::bool::weighted(0.2),
        side in 0u8..2,
        attempt in any::<bool>(),
    ) {
        let mut state = arbitrary_state(&words, &times, t);
        if attempt {
            // An unanswered attempt with its timer armed (random bits rarely make one).
            let orig = state.orig as usize;
            (state.tcp, state.att_v, state.active) = (true, true, true);
            state.ep[orig].st = vantage_proto::hist::state::SYN_SENT;
            state.ep[1 - orig].st = vantage_proto::hist::state::INACTIVE;
        }
        if state.dead(t) {
            let p = HistPkt { side, ts: t + later, tcp: !udp, flags, seq, ip_len: 40, ..Default::default() };
            let mut stepped = state.clone();
            prop_assert!(stepped.step(false, &p), "dead at {t}, yet a frame {later} ns later continues it");
        }
    }

    /// Sweeping dead connections at random times between frames gives the same records (in some
    /// order), the same refusals and the same connection count as never sweeping. A zero hash
    /// key puts every connection in one bucket, so the bucket is often full.
    #[test]
    fn sweeping_changes_only_the_order_of_records(
        frames in prop::collection::vec(gen_frame(), 1..80),
        sweeps in prop::collection::vec(any::<bool>(), 80),
        zero_key in any::<bool>(),
    ) {
        let key = if zero_key { [0; HASH_KEY_BYTES] } else { vantage_proto::stats::DEFAULT_HASH_KEY };
        let (mut plain, mut swept) = (ConnTable::new(key), ConnTable::new(key));
        let mut ts = 1000 * SEC;
        for (i, f) in frames.iter().enumerate() {
            ts += f.5 * 1_000_000;
            if sweeps[i] {
                swept.sweep(ts);
            }
            let seg = segment(f, i as u32 * 1000);
            plain.track(0, ts, false, &seg, 1000 * i as u64);
            swept.track(0, ts, false, &seg, 1000 * i as u64);
        }
        plain.flush();
        swept.flush();
        let (mut a, mut b) = (plain.ended.clone(), swept.ended.clone());
        a.sort();
        b.sort();
        prop_assert_eq!(a, b);
        prop_assert_eq!(plain.counters, swept.counters);
    }
}

#[test]
fn the_generated_traffic_fills_and_refuses() {
    // The property above is only worth as much as its traffic: one bucket must fill.
    let mut t = ConnTable::new([0; HASH_KEY_BYTES]);
    for client in 0..6u8 {
        t.track(
            0,
            1000 * SEC,
            false,
            &segment(&(client, 0, true, 0, false, 0), 1),
            1000 * u64::from(client),
        );
    }
    assert!(t.counters.table_full >= 2);
}
