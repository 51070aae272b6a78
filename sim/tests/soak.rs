//! The soak: over a million generated frames through the whole pipeline with every stage on —
//! rules with thresholds, a history rule, SYN offload with a short timeout — against the model
//! with the one comparison (`vantage_sim::compare`).
//!
//! The traffic is made of chunks, one after another, drawn from a seeded generator so a failure
//! is replayed by its segment's number:
//!
//! ```text
//!  segment s (SEGMENT_FRAMES frames, one fresh device, one model run, flushed at the end)
//!  ┌────────────────────┬──────────────┬─────────┬──────────────┬────────────────────┬──
//!  │ TCP connections    │ mixed frames │ a burst │ mixed frames │ TCP connections    │ ..
//!  │ (scans, handshakes,│ (valid and   │ (back to│ random gaps  │ at capture times,  │
//!  │ refusals, ... v4/6)│ malformed)   │  back)  │ inside too   │ addresses moved on │
//!  └────────────────────┴──────────────┴─────────┴──────────────┴────────────────────┴──
//! ```
//!
//! Malformed frames are those `vantage_model::gen` makes: runts, frames cut in their headers,
//! IHL below 5, wrong IP versions, `tkeep` holes, the MAC's error bit, oversize frames, random
//! bytes, garbage under cleared `tkeep` bits and empty last beats.

mod common;

use common::{compare_moved, config_for, run_rtl_with};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use std::time::Instant;
use vantage_model::gen::tcp::{arb_connections, endpoints, merge};
use vantage_model::gen::{arb_burst, arb_mixed_traffic, build, FrameSpec, Link, Net, Transport};
use vantage_proto::axis::{schedule, LaneFrame, Pacing, TimedBeat};
use vantage_proto::datapath::DATAPATH_CLOCK_HZ;
use vantage_proto::stats::DEFAULT_HASH_KEY;

/// Segments the soak is cut into (each a test of its own, so the two cores share them).
const SEGMENTS: u64 = 10;
/// Frames in one segment (at least; the last chunk is whole).
const SEGMENT_FRAMES: usize = 100_000;

/// The SYN timeout: short enough that answers come late and SYNs expire inside a chunk (about
/// 3K cycles).
const TIMEOUT_NS: u64 = 10_000;

/// The rules of `every_stage`: thresholds per source, per port and per /24, and the history of
/// every connection.
const RULES: &str = r#"{"epoch_ms": 60000, "rules": [
  {"name": "per source", "src_ip": "group", "threshold": {"packets": 1000}},
  {"name": "SYNs per port", "tcp_flags": "SYN !ACK", "dst_port": "group", "threshold": {"packets": 50}},
  {"name": "bytes per /24", "dst_ip": {"group": {"v4": 24}}, "threshold": {"bytes": 1000000}},
  {"name": "connections", "history": true}]}"#;

/// Draw one value of `s`.
fn draw<S: Strategy>(s: &S, runner: &mut TestRunner) -> S::Value {
    s.new_tree(runner)
        .unwrap_or_else(|e| panic!("generator: {e}"))
        .current()
}

/// The count of frames (last beats) in `beats`.
fn frames_in(beats: &[TimedBeat]) -> usize {
    beats.iter().filter(|b| b.beat.last).count()
}

/// Segment `s`'s traffic, cycles counted from 0.
fn traffic(s: u64) -> Vec<TimedBeat> {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&s.to_le_bytes());
    seed[8..16].copy_from_slice(b"vantage!");
    let mut runner = TestRunner::new_with_rng(
        RunnerConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    // Up to 40 connections over 5 us, answered within 20 us (some after the timeout).
    let conns = arb_connections(40, 5_000, 20_000);
    let mixed = arb_mixed_traffic();
    let burst = arb_burst();
    let mut out: Vec<TimedBeat> = Vec::new();
    let mut frames = 0;
    // Connection k of chunk n is connection n*40+k: new addresses in every chunk.
    let mut chunk = 0u32;
    while frames < SEGMENT_FRAMES {
        let next = out.last().map_or(0, |b| b.cycle + 1);
        let beats = match chunk % 4 {
            0 => {
                let mut cs = draw(&conns, &mut runner);
                for (k, c) in cs.iter_mut().enumerate() {
                    (c.orig, c.resp) = endpoints(chunk * 40 + k as u32, c.v6, c.resp.1);
                }
                schedule(&merge(&cs), Pacing::CaptureTime { gbps: 100.0 }, next)
            }
            1 | 3 => {
                let b = draw(&mixed, &mut runner);
                let from = b.first().map_or(0, |f| f.cycle);
                b.into_iter()
                    .map(|t| TimedBeat {
                        cycle: t.cycle - from + next,
                        beat: t.beat,
                    })
                    .collect()
            }
            _ => draw(&burst, &mut runner)
                .into_iter()
                .map(|t| TimedBeat {
                    cycle: t.cycle + next,
                    beat: t.beat,
                })
                .collect(),
        };
        frames += frames_in(&beats);
        out.extend(beats);
        chunk += 1;
    }
    // The end: a UDP frame twice the timeout after the rest. The model gives back the SYNs still
    // held at its last frame's time, the device at its flush, later: with every deadline behind
    // the last frame, both call them expired.
    let quiet = 2 * TIMEOUT_NS * DATAPATH_CLOCK_HZ / 1_000_000_000;
    let at = out.last().map_or(0, |b| b.cycle) + quiet;
    let udp = FrameSpec {
        link: Link::Plain,
        net: Net::V4 {
            options: Vec::new(),
            frag_offset: 0,
            more_fragments: false,
        },
        transport: Transport::Udp {
            sport: 53,
            dport: 53,
        },
        src: [0; 16],
        dst: [0; 16],
        payload: 20,
    };
    out.extend(schedule(
        &[(0, LaneFrame::from_bytes(&build(&udp)))],
        Pacing::BackToBack,
        at,
    ));
    out
}

fn soak(s: u64) {
    let t0 = Instant::now();
    let input = traffic(s);
    let generated = t0.elapsed();
    let t0 = Instant::now();
    let mut config = config_for(RULES, DEFAULT_HASH_KEY);
    config.conn.hold = true;
    config.conn.timeout_ns = TIMEOUT_NS;
    let (rtl, driven, model_config, _) = run_rtl_with(&config, &input, true);
    let simulated = t0.elapsed();
    let t1 = Instant::now();
    let model = vantage_model::run(&model_config, &driven);
    let agreed = compare_moved(&rtl, &model, &config);
    let checked = t1.elapsed();
    let c = &rtl.counters;
    let cycles = input.last().map_or(0, |b| b.cycle + 1);
    println!(
        "soak segment {s}: {} frames in over {cycles} cycles (generated in {:.1} s, simulated at \
         {:.0} cycles/s, model and comparison {:.1} s); \
         {} out, {} SYNs given back on their own, {} malformed, {} frames failed open (flagged), \
         {} connection records ({} counted lost), {} threshold crossings",
        frames_in(&input),
        generated.as_secs_f64(),
        cycles as f64 / simulated.as_secs_f64(),
        checked.as_secs_f64(),
        agreed.frames,
        agreed.regenerated,
        c["parse.malformed"],
        c["tag.flagged"],
        agreed.connections,
        agreed.connections_lost,
        c["stats.crossed"],
    );
    // The soak must have gone where it is meant to go.
    assert!(c["parse.malformed"] > 0, "segment {s}: no malformed frame");
    assert!(c["conn.held"] > 0, "segment {s}: no SYN held");
    assert!(agreed.regenerated > 0, "segment {s}: no SYN given back");
    assert!(agreed.connections > 0, "segment {s}: no connection record");
}

const _: () = assert!(
    SEGMENTS as usize * SEGMENT_FRAMES >= 1_000_000,
    "a million frames"
);

macro_rules! segments {
    ($($name:ident = $s:expr),*) => {
        $(#[test] fn $name() { soak($s); })*
        const _: () = assert!([$($s),*].len() as u64 == SEGMENTS, "one test per segment");
    };
}

segments!(
    segment_0 = 0,
    segment_1 = 1,
    segment_2 = 2,
    segment_3 = 3,
    segment_4 = 4,
    segment_5 = 5,
    segment_6 = 6,
    segment_7 = 7,
    segment_8 = 8,
    segment_9 = 9
);
