//! The reasm stage's session engine (`hdl::reasm::engine`: session key, directory, three record
//! ports, step, totals, flow-end record) as Verilator runs the emitted Verilog, with its four
//! memories, against the model's stage without a segment store (`store_slots = 0`, timeouts that
//! do not fire): for every TCP segment the model follows, the engine's answer is the model's
//! output frame's REASM tag (or no tag), and a session a SYN reuses leaves the model's flow-end
//! record. Traffic: the demo's science-DMZ capture (scans, a SYN flood, bulk transfers with
//! resent segments, IPv4 and IPv6) and generated connections with reordering, losses and
//! duplicates (each a fallback or a gap without a store).

use proptest::prelude::*;
use std::collections::BTreeMap;
use vantage_model::reasm::ReasmConfig;
use vantage_proto::reasm::directory::LOOKUP_CYCLES;
use vantage_proto::reasm::record::RECORD_CYCLES;
use vantage_proto::reasm::{End, ReasmInfo, FLOW_END_RECORD_BYTES};
use vantage_sim::axi_mem::MemTiming;
use vantage_sim::engine::{Answer, EngineConfig, EngineSim, Facts};
use vantage_testkit::flows::{Frames, Tcp, PSH_ACK};
use vantage_testkit::reasm::{model_frames, store_less, tagged};

/// What the model gives a followed segment: its facts, its tag (None: passed without one) and
/// the flow-end records it caused.
struct Expected {
    facts: Facts,
    tag: Option<ReasmInfo>,
    ended: Vec<[u8; FLOW_END_RECORD_BYTES]>,
}

fn model(cfg: &ReasmConfig, frames: &[Vec<u8>]) -> Vec<Expected> {
    model_frames(cfg, frames)
        .into_iter()
        .filter_map(|m| {
            let seg = m.seg.ok()?;
            let ended = m
                .ended
                .iter()
                .map(|e| {
                    assert_eq!(e.end, End::Reused as u8, "only a reuse ends a session here");
                    e.to_bytes()
                })
                .collect();
            Some(Expected {
                facts: Facts {
                    key: seg.key,
                    side: seg.side,
                    flags: seg.flags,
                    ack: seg.ack,
                    start: seg.data_seq(),
                    end: seg.end_seq(),
                    len: seg.len,
                    ts_ns: seg.ts_ns,
                },
                tag: m.tag,
                ended,
            })
        })
        .collect()
}

/// Memories within the engine's budget: the directory's, with its two reads per request, is the
/// tighter one.
fn in_budget(seed: u64) -> MemTiming {
    MemTiming::in_budget(LOOKUP_CYCLES, 2, seed)
}

/// What a comparison covered: segments by the status of their tag (0: untagged), sessions
/// reused.
#[derive(Debug, Default)]
struct Tally {
    segments: usize,
    by_status: BTreeMap<u8, usize>,
    reused: usize,
    /// Fallbacks for a full table (flow id 0).
    table_full: usize,
}

/// Every segment through the engine, `gaps[k % len]` idle cycles after segment k (two cycles
/// apart at least); the first disagreement with the model fails, with the segment's number.
fn compare(cfg: &ReasmConfig, frames: &[Vec<u8>], gaps: &[u8], seed: u64) -> Result<Tally, String> {
    let want = model(cfg, frames);
    let mut engine = EngineSim::new(
        EngineConfig {
            session_key: cfg.session_key,
            bucket_bits: cfg.bucket_bits as u8,
            cap: cfg.max_above_hole,
        },
        in_budget(seed),
    );
    let mut got: Vec<(Answer, Option<[u8; FLOW_END_RECORD_BYTES]>)> = Vec::new();
    let mut take = |c: vantage_sim::engine::EngineCycle| -> Result<(), String> {
        if c.dir_refused || c.bad_update || c.mem_error {
            return Err(format!("engine pulse {c:?}"));
        }
        if let Some(a) = c.answer {
            got.push((a, c.flow_end));
        }
        Ok(())
    };
    for (k, w) in want.iter().enumerate() {
        take(engine.step(Some(&w.facts)))?;
        for _ in 0..1 + gaps[k % gaps.len()] {
            take(engine.step(None))?;
        }
    }
    for _ in 0..2 * RECORD_CYCLES + 8 {
        take(engine.step(None))?;
    }
    if got.len() != want.len() {
        return Err(format!("{} answers for {} segments", got.len(), want.len()));
    }
    for (k, (w, (a, fe))) in want.iter().zip(&got).enumerate() {
        let expected = match w.tag {
            Some(t) => Answer::Tagged(t),
            None => Answer::Untagged,
        };
        if *a != expected {
            return Err(format!(
                "segment {k} {:?}: engine {a:?}, model {expected:?}",
                w.facts
            ));
        }
        let engine_ended: Vec<_> = fe.iter().copied().collect();
        if engine_ended != w.ended {
            return Err(format!(
                "segment {k}: engine's flow-end {engine_ended:02x?}, model's {:02x?}",
                w.ended
            ));
        }
    }
    let mut tally = Tally {
        segments: want.len(),
        ..Tally::default()
    };
    for w in &want {
        *tally
            .by_status
            .entry(w.tag.map_or(0, |t| t.status))
            .or_default() += 1;
        tally.reused += w.ended.len();
        tally.table_full += usize::from(w.tag.is_some_and(|t| t.status == 5 && t.flow_id == 0));
    }
    Ok(tally)
}

#[test]
fn the_science_dmz_capture_gets_the_models_tags() {
    let frames = tagged(&vantage_testkit::dmz::science_dmz());
    let t = compare(&store_less(), &frames, &[0, 1, 3, 0, 7], 1).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("science-DMZ capture: every tag the model's: {t:?}");
    // In-order segments, retransmissions and control frames all came through (the capture has
    // no hole, so no fallback without a store).
    for status in [1, 3, 4] {
        assert!(
            t.by_status.contains_key(&status),
            "no segment of status {status}: {t:?}"
        );
    }
}

/// Every real capture (../shared/testdata/real) through the engine, back to back where the
/// capture allows: every tag the model's.
#[test]
fn real_captures_get_the_models_tags() {
    let Some(captures) = vantage_testkit::real_capture_frames() else {
        return;
    };
    let mut all = Tally::default();
    for (f, frames) in captures {
        let t = compare(&store_less(), &tagged(&frames), &[0], 7)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        eprintln!("{}: {t:?}", f.display());
        all.segments += t.segments;
        for (s, n) in t.by_status {
            *all.by_status.entry(s).or_default() += n;
        }
        all.reused += t.reused;
    }
    eprintln!("every real capture: {all:?}");
    assert!(
        all.segments > 0,
        "no TCP segment in ../shared/testdata/real"
    );
}

/// A connection whose data segments are sent in `order` (indices into the segments, repeats
/// and omissions allowed), closed at the end.
fn connection(isn: u32, sizes: &[usize], order: &[usize], t0: u64) -> Vec<(u64, Vec<u8>)> {
    use std::net::{IpAddr, Ipv4Addr};
    let a = (
        IpAddr::V4(Ipv4Addr::new(10, 1, 0, 1)),
        40_000 + (isn % 1000) as u16,
    );
    let b = (IpAddr::V4(Ipv4Addr::new(10, 2, 0, 2)), 443);
    let mut out = Frames::default();
    let mut c = Tcp::new(a, b, isn, isn ^ 0x5555_5555);
    let t = c.open(&mut out, t0, 100);
    let mut frames = out.sorted();
    let segs: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(k, &n)| (0..n).map(|i| (i as u8) ^ (k as u8)).collect())
        .collect();
    let mut sent = Vec::new();
    for s in &segs {
        sent.push(c.send(true, PSH_ACK, s));
    }
    for (k, &i) in order.iter().enumerate() {
        frames.push((t + 10 * (k as u64 + 1), sent[i].clone()));
    }
    let mut tail = Frames::default();
    c.close(&mut tail, t + 100_000, 100);
    frames.extend(tail.sorted());
    frames
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Several connections interleaved, each with its segments reordered, duplicated or lost,
    /// some reusing a closed connection's endpoints with a new SYN; a table of one bucket (full
    /// at the fifth session), of four, or of 2^18.
    #[test]
    fn generated_connections_get_the_models_tags(
        conns in proptest::collection::vec(
            (any::<u32>(), proptest::collection::vec(1..400usize, 1..8),
             proptest::collection::vec(0..8usize, 1..12)),
            1..10),
        reuse in any::<bool>(),
        gaps in proptest::collection::vec(0u8..4, 1..6),
        bits in prop_oneof![Just(0u32), Just(2u32), Just(18u32)],
        seed in any::<u64>(),
    ) {
        let mut frames: Vec<(u64, Vec<u8>)> = Vec::new();
        for (k, (isn, sizes, order)) in conns.iter().enumerate() {
            let order: Vec<usize> = order.iter().map(|i| i % sizes.len()).collect();
            // Interleaved in time: each connection starts 3 µs after the one before; a reusing
            // one takes the endpoints of the one before, after it closed.
            let again = reuse && k % 2 == 1;
            let isn = if again { conns[k - 1].0 } else { *isn };
            let t0 = 1_000_000 + 3_000 * k as u64 + if again { 200_000 } else { 0 };
            frames.extend(connection(isn, sizes, &order, t0));
        }
        frames.sort_by_key(|(t, _)| *t);
        let cfg = ReasmConfig { bucket_bits: bits, ..store_less() };
        let r = compare(&cfg, &tagged(&frames), &gaps, seed);
        prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }
}
