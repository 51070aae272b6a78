//! The conn stage (SYN offload) in the model, against expectations stated from the generated
//! connections' scripts alone (not from the table code): which SYNs are held, how each comes back
//! and where, and that nothing is lost.

use std::collections::BTreeMap;

use proptest::prelude::*;
use vantage_model::gen::tcp::{
    arb_connections, endpoints, first_other, merge, segment, sent_retransmissions, ConnSpec, Script,
};
use vantage_model::{parse_frame, run, run_traced, Config, ModelOutput, TimeBase};
use vantage_proto::axis::{schedule, LaneFrame, Pacing, TimedBeat};
use vantage_proto::conn::tcp_flags::{ACK, RST, SYN};
use vantage_proto::conn::{syn_bucket, SynInfo, SynKey, Why, HOLD_BYTES, SYN_WAYS};
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};

/// A config with the conn stage holding, `timeout_ns`, the clock at `t0` ns at cycle 0.
fn config(timeout_ns: u64, t0: u64) -> Config {
    let mut c = Config {
        time: TimeBase::from_ns(t0),
        ..Config::default()
    };
    c.conn.hold = true;
    c.conn.timeout_ns = timeout_ns;
    c
}

/// An output frame as the monitor reads it: the frame without the header, and its tags (none
/// when the tag stage let it pass untagged for backlog).
#[derive(Clone, Debug)]
struct Seen {
    bytes: Vec<u8>,
    syn: Option<SynInfo>,
    ts: Option<u64>,
}

fn seen(f: &LaneFrame) -> Seen {
    match strip(&f.bytes(), DEFAULT_ETHERTYPE) {
        Ok((h, bytes)) => Seen {
            bytes,
            syn: h.syn(),
            ts: h.timestamp(),
        },
        Err(_) => Seen {
            bytes: f.bytes(),
            syn: None,
            ts: None,
        },
    }
}

/// The connection key of a frame's bytes.
fn key_of(bytes: &[u8]) -> SynKey {
    let m = parse_frame(bytes, &DEFAULT_KEY);
    SynKey::of(false, (m.src, m.sport), (m.dst, m.dport)).0
}

/// Ingress time (ns) of each input frame: the clock at its first beat.
fn ingress_times(config: &Config, beats: &[TimedBeat]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut first = true;
    for b in beats {
        if first {
            out.push(config.time.ns_at(b.cycle));
        }
        first = b.beat.last;
    }
    out
}

struct Run {
    input: Vec<(u64, LaneFrame)>,
    ingress: Vec<u64>,
    out: ModelOutput,
    /// The input frame each output frame is.
    source: Vec<usize>,
    /// Output positions the model says are released SYNs.
    released: Vec<usize>,
    frames: Vec<Seen>,
    regenerated: Vec<Seen>,
}

fn run_conns(conns: &[ConnSpec], timeout_ns: u64, pacing: Pacing) -> Run {
    let input = merge(conns);
    let t0 = input.first().map_or(0, |f| f.0);
    let cfg = config(timeout_ns, t0);
    let beats = schedule(&input, pacing, 0);
    let (out, trace) = run_traced(&cfg, &beats);
    Run {
        ingress: ingress_times(&cfg, &beats),
        source: trace.frames.iter().map(|f| f.input).collect(),
        released: (0..trace.frames.len())
            .filter(|&k| trace.frames[k].released)
            .collect(),
        frames: out.frames.iter().map(seen).collect(),
        regenerated: out.regenerated.iter().map(seen).collect(),
        input,
        out,
    }
}

/// How the script says connection `c`'s held SYNs come back, (why, retransmissions), sorted.
/// The first SYN is held unless too long; once it has expired (or if it was never held), a SYN
/// the other side sends (simultaneous open) or a SYN with a new ISN is a new attempt, held in its
/// turn. `end`: the last frame's time (the model's end-of-run flush).
fn expected_fates(c: &ConnSpec, timeout_ns: u64, end: u64) -> Vec<(Why, u16)> {
    let syn_len = segment(c.v6, c.orig, c.resp, (c.isn, 0, SYN), c.syn_payload).len();
    let held = syn_len <= HOLD_BYTES;
    let unanswered = |t: u64| {
        if t + timeout_ns <= end {
            Why::Expired
        } else {
            Why::Flushed
        }
    };
    let deadline = c.start_ns + timeout_ns;
    let retrans = u16::from(sent_retransmissions(c));
    let mut fates = vec![];
    match first_other(c) {
        Some(t) if held && t < deadline => fates.push((Why::Released, retrans)),
        Some(t) => {
            // The first SYN is gone (expired, or never held): a later SYN is a new attempt.
            if held {
                fates.push((unanswered(c.start_ns), retrans));
            }
            match c.script {
                Script::Simultaneous { .. } => fates.push((Why::Released, 0)),
                Script::NewIsn { .. } => fates.push((unanswered(t), 0)),
                _ => {}
            }
        }
        None if held => fates.push((unanswered(c.start_ns), retrans)),
        None => {}
    }
    fates.sort();
    fates
}

/// Whether the script's times are too close to a timeout edge for spec times to decide (frames
/// that meet in the same cycles wait for each other, so ingress times differ from spec times by
/// a few ns).
fn near_an_edge(c: &ConnSpec, timeout_ns: u64, end: u64) -> bool {
    let close = |a: u64, b: u64| a.abs_diff(b) < 5_000;
    let deadline = c.start_ns + timeout_ns;
    close(end, deadline)
        || first_other(c).is_some_and(|t| close(t, deadline) || close(t + timeout_ns, end))
}

/// The checks every run must pass, whatever the scripts.
fn check_conservation(r: &Run) {
    let c = &r.out.counters;
    let released = &r.released;
    let given: Vec<&Seen> = released
        .iter()
        .map(|&k| &r.frames[k])
        .chain(&r.regenerated)
        .collect();
    // Frames in = frames out + frames absorbed (the model flushes every record at the end).
    assert_eq!(
        r.input.len(),
        r.frames.len() + r.regenerated.len() + c["conn.retransmissions"] as usize,
        "frames in = frames out + regenerated + absorbed"
    );
    assert_eq!(
        given.len() as u64,
        c["conn.held"],
        "every held SYN comes back once"
    );
    if given.iter().all(|s| s.syn.is_some()) {
        let absorbed: u64 = given
            .iter()
            .map(|s| u64::from(s.syn.unwrap().retransmissions))
            .sum();
        assert_eq!(absorbed, c["conn.retransmissions"]);
    }
    // The bytes: every input frame is an output frame, or a retransmission its SYN counts.
    let mut want: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
    for (_, f) in &r.input {
        *want.entry(f.bytes()).or_default() += 1;
    }
    for s in r.frames.iter().chain(&r.regenerated) {
        *want.entry(s.bytes.clone()).or_default() -= 1;
    }
    let absorbed = want.values().filter(|n| **n > 0).sum::<i64>();
    assert_eq!(
        absorbed as u64, c["conn.retransmissions"],
        "only retransmissions are missing"
    );
    assert!(want.values().all(|n| *n >= 0), "frames made up");
}

/// Frames that were not held keep their order, and a released SYN goes right before a frame of
/// its own connection.
fn check_order(r: &Run) {
    let released = &r.released;
    let mut last = None;
    for (k, s) in r.frames.iter().enumerate() {
        assert_eq!(
            s.bytes,
            r.input[r.source[k]].1.bytes(),
            "output frame {k} is its input"
        );
        if released.contains(&k) {
            if let Some(i) = s.syn {
                assert_eq!(i.why(), Some(Why::Released), "only released SYNs go inline");
            }
            let next = r
                .frames
                .get(k + 1)
                .expect("a released SYN has a frame after it");
            assert!(next.syn.is_none());
            assert_eq!(
                key_of(&next.bytes),
                key_of(&s.bytes),
                "released before its own frame"
            );
            assert!(r.source[k] < r.source[k + 1]);
            continue;
        }
        assert!(
            last < Some(r.source[k]),
            "passed frames keep the input's order"
        );
        last = Some(r.source[k]);
    }
    for s in &r.regenerated {
        assert!(s.syn.and_then(|i| i.why()).is_some_and(Why::regenerated));
    }
}

/// Each connection's SYN comes back as its script says, with its own time and count.
fn check_fates(conns: &[ConnSpec], r: &Run, timeout_ns: u64) {
    let end = r.input.last().map_or(0, |f| f.0);
    let t0 = r.input.first().map_or(0, |f| f.0);
    let given: BTreeMap<SynKey, Vec<&Seen>> = r
        .frames
        .iter()
        .chain(&r.regenerated)
        .filter(|s| s.syn.is_some())
        .fold(BTreeMap::new(), |mut m, s| {
            m.entry(key_of(&s.bytes)).or_default().push(s);
            m
        });
    for c in conns {
        if near_an_edge(c, timeout_ns, end) {
            continue;
        }
        let key = SynKey::of(false, c.orig, c.resp).0;
        let mut got: Vec<(Why, u16)> = given
            .get(&key)
            .map(|v| {
                v.iter()
                    .filter_map(|s| s.syn)
                    .map(|i| (i.why().expect("a known why"), i.retransmissions))
                    .collect()
            })
            .unwrap_or_default();
        got.sort();
        assert_eq!(got, expected_fates(c, timeout_ns, end), "{c:?}");
        if let Some(s) = given.get(&key).and_then(|v| v.first()) {
            // The TIMESTAMP tag is the SYN's own ingress time (spec time + the clock's start).
            let k = r
                .input
                .iter()
                .position(|(_, f)| f.bytes() == s.bytes)
                .expect("the SYN's input");
            assert_eq!(s.ts, Some(r.ingress[k]), "{c:?}");
            assert!(r.input[k].0 >= t0);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Connections at capture times (100 Gb/s at most), timeouts short enough that some answers
    /// come after them.
    #[test]
    fn held_syns_come_back_once_in_their_place(
        conns in arb_connections(40, 400_000, 400_000),
        timeout_ns in prop_oneof![Just(150_000u64), Just(1_000_000)],
    ) {
        let r = run_conns(&conns, timeout_ns, Pacing::CaptureTime { gbps: 100.0 });
        check_conservation(&r);
        check_order(&r);
        check_fates(&conns, &r, timeout_ns);
        prop_assert_eq!(r.out.counters["conn.late"], 0);
    }

    /// The same back to back (every beat in the next cycle: faster than any MAC).
    #[test]
    fn back_to_back_loses_nothing(conns in arb_connections(60, 100_000, 100_000)) {
        let r = run_conns(&conns, 1_000_000, Pacing::BackToBack);
        check_conservation(&r);
        check_order(&r);
    }

    /// Holding off (or tagging off), the stage changes nothing.
    #[test]
    fn off_changes_nothing(conns in arb_connections(20, 100_000, 100_000), tag in any::<bool>()) {
        let input = merge(&conns);
        let beats = schedule(&input, Pacing::LineRate { gbps: 100.0 }, 0);
        let mut on = config(1_000_000, 0);
        on.tag_enabled = tag;
        on.conn.hold = !tag;
        let plain = Config { tag_enabled: tag, ..Config::default() };
        let (a, b) = (run(&on, &beats), run(&plain, &beats));
        prop_assert_eq!(a.frames, b.frames);
        prop_assert!(a.regenerated.is_empty());
        prop_assert_eq!(a.counters["conn.held"], 0);
    }
}

#[test]
fn handshake_order_and_tag() {
    let (o, r) = endpoints(1, false, 80);
    let conns = [ConnSpec {
        v6: false,
        orig: o,
        resp: r,
        isn: 1000,
        start_ns: 1_000_000,
        syn_payload: 0,
        retrans: 2,
        script: Script::Handshake { delay_ns: 100_000 },
    }];
    let r = run_conns(&conns, 1_000_000, Pacing::CaptureTime { gbps: 100.0 });
    check_conservation(&r);
    // SYN (released, 2 retransmissions absorbed), SYN-ACK, ACK, data, data, FIN, FIN, ACK.
    assert_eq!(r.frames.len(), 8);
    let syn = r.frames[0].syn.expect("the SYN carries its tag");
    assert_eq!((syn.why(), syn.retransmissions), (Some(Why::Released), 2));
    // Span: the spec puts retransmissions 20 us apart; the clock's ns differ by a cycle at most.
    assert!(syn.span_ns.abs_diff(40_000) < 4, "span {}", syn.span_ns);
    assert_eq!(r.frames[0].ts, Some(r.ingress[0]));
    assert_eq!(
        r.frames[1].bytes[47],
        SYN | ACK,
        "the SYN-ACK follows its SYN"
    );
    assert!(r.frames[1..].iter().all(|s| s.syn.is_none()));
    assert_eq!(r.out.counters["conn.released"], 1);
}

#[test]
fn a_release_puts_the_syn_beats_in_the_answers_cycles() {
    // SYN (74 bytes: 2 beats) at cycles 0-1, its RST (60 bytes: 1 beat) at 10, another SYN at
    // 11-12, held too, and its RST at 13.
    let (o, r) = endpoints(1, false, 80);
    let (o2, r2) = endpoints(2, false, 80);
    let frames = [
        (0, segment(false, o, r, (1, 0, SYN), 0)),
        (10, segment(false, r, o, (0, 2, RST | ACK), 0)),
        (11, segment(false, o2, r2, (1, 0, SYN), 0)),
        (13, segment(false, r2, o2, (0, 2, RST | ACK), 0)),
    ];
    let mut input = Vec::new();
    for (at, f) in frames {
        for (i, beat) in LaneFrame::from_bytes(&f).to_beats().into_iter().enumerate() {
            input.push(TimedBeat {
                cycle: at + i as u64,
                beat,
            });
        }
    }
    let (out, trace) = run_traced(&config(1_000_000, 0), &input);
    assert_eq!(out.frames.len(), 4);
    let pushed: Vec<(usize, bool, Vec<u64>)> = trace
        .frames
        .iter()
        .map(|f| (f.input, f.released, f.pushed.clone()))
        .collect();
    // Release cycles (the ingress lookahead): a beat goes when its successor arrives, a last beat
    // one cycle after it arrives. SYN 1: 1, 2 (held). RST 1: 11; SYN 1's beats take 11 and 12
    // and the RST follows at 13. SYN 2: 12, 13 (held). RST 2: 14, the output free again: SYN 2
    // at 14, 15, the RST at 16.
    assert_eq!(
        pushed,
        vec![
            (0, true, vec![11, 12]),
            (1, false, vec![13]),
            (2, true, vec![14, 15]),
            (3, false, vec![16]),
        ]
    );
}

#[test]
fn simultaneous_open_releases_and_passes_the_other_syn() {
    let (o, r) = endpoints(2, true, 443);
    let conns = [ConnSpec {
        v6: true,
        orig: o,
        resp: r,
        isn: 7,
        start_ns: 0,
        syn_payload: 0,
        retrans: 0,
        script: Script::Simultaneous { delay_ns: 10_000 },
    }];
    let r = run_conns(&conns, 1_000_000, Pacing::CaptureTime { gbps: 100.0 });
    check_conservation(&r);
    check_order(&r);
    assert_eq!(
        r.frames.len(),
        4,
        "SYN (released), the other SYN, two SYN-ACKs"
    );
    assert_eq!(r.frames[0].syn.and_then(|i| i.why()), Some(Why::Released));
    assert!(
        r.frames[1].syn.is_none(),
        "the answering SYN is not held: it released the first"
    );
    assert_eq!(r.out.counters["conn.held"], 1);
}

#[test]
fn an_answer_after_the_timeout_finds_the_syn_regenerated() {
    let (o, r) = endpoints(3, false, 22);
    let conns = [ConnSpec {
        v6: false,
        orig: o,
        resp: r,
        isn: 5,
        start_ns: 0,
        syn_payload: 0,
        retrans: 1,
        script: Script::Refused { delay_ns: 300_000 },
    }];
    let r = run_conns(&conns, 200_000, Pacing::CaptureTime { gbps: 100.0 });
    check_conservation(&r);
    assert_eq!(r.frames.len(), 1, "the RST passes alone");
    assert_eq!(r.regenerated.len(), 1);
    let i = r.regenerated[0].syn.unwrap();
    assert_eq!((i.why(), i.retransmissions), (Some(Why::Expired), 1));
    assert_eq!(r.out.counters["conn.expired"], 1);
}

#[test]
fn too_long_unclean_and_full_bucket_pass_and_are_counted() {
    // Five SYNs into one bucket (found by the flow hash), one SYN with 100 bytes of data.
    let bucket = |k: u32| {
        let (o, r) = endpoints(k, false, 80);
        syn_bucket(parse_frame(&segment(false, o, r, (1, 0, SYN), 0), &DEFAULT_KEY).hash)
    };
    let target = bucket(0);
    let same: Vec<u32> = (0..2_000_000)
        .filter(|&k| bucket(k) == target)
        .take(SYN_WAYS + 1)
        .collect();
    assert_eq!(
        same.len(),
        SYN_WAYS + 1,
        "a bucket shared by five connections"
    );
    let mut conns: Vec<ConnSpec> = same
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let (orig, resp) = endpoints(k, false, 80);
            ConnSpec {
                v6: false,
                orig,
                resp,
                isn: k,
                start_ns: i as u64 * 1_000,
                syn_payload: 0,
                retrans: 0,
                script: Script::Unanswered,
            }
        })
        .collect();
    let (orig, resp) = endpoints(9_999_999, false, 80);
    conns.push(ConnSpec {
        v6: false,
        orig,
        resp,
        isn: 1,
        start_ns: 10_000,
        syn_payload: 100,
        retrans: 0,
        script: Script::Unanswered,
    });
    let r = run_conns(&conns, 1_000_000, Pacing::CaptureTime { gbps: 100.0 });
    check_conservation(&r);
    let c = &r.out.counters;
    assert_eq!(
        (c["conn.held"], c["conn.fail_full"], c["conn.fail_long"]),
        (4, 1, 1)
    );
    assert_eq!(
        r.frames.len(),
        2,
        "the fifth SYN and the long one pass at once"
    );
    assert_eq!(r.regenerated.len(), 4);

    // A SYN with a MAC error passes too.
    let f = LaneFrame::from_bytes(&segment(false, orig, resp, (1, 0, SYN), 0));
    let mut beats = f.to_beats();
    beats.last_mut().unwrap().user = true;
    let input: Vec<TimedBeat> = beats
        .into_iter()
        .enumerate()
        .map(|(i, beat)| TimedBeat {
            cycle: i as u64,
            beat,
        })
        .collect();
    let out = run(&config(1_000_000, 0), &input);
    assert_eq!(
        (out.frames.len(), out.counters["conn.fail_unclean"]),
        (1, 1)
    );
}

#[test]
fn releases_beyond_the_backlog_limit_go_late() {
    // 400 SYNs held, then their RSTs back to back: each one-beat RST puts a two-beat SYN ahead
    // of itself, so the output falls behind by two beats a release until the limit.
    let n = 400u32;
    let mut input = Vec::new();
    for k in 0..n {
        let (o, r) = endpoints(k, false, 80);
        input.push((
            0,
            LaneFrame::from_bytes(&segment(false, o, r, (k, 0, SYN), 0)),
        ));
    }
    for k in 0..n {
        let (o, r) = endpoints(k, false, 80);
        input.push((
            0,
            LaneFrame::from_bytes(&segment(false, r, o, (0, k + 1, RST | ACK), 0)),
        ));
    }
    let beats = schedule(&input, Pacing::BackToBack, 0);
    let out = run(&config(1_000_000_000, 0), &beats);
    let c = &out.counters;
    assert_eq!(c["conn.held"], u64::from(n));
    // Release k finds the output 2k beats behind (the SYNs left nothing waiting); the rule lets
    // it go while 2k + 2 <= 256: releases 0..=127. From then on the output stays 256 behind and
    // every release goes late.
    assert_eq!((c["conn.released"], c["conn.late"]), (128, 272), "{c:?}");
    assert_eq!(c["conn.released"] + c["conn.late"], u64::from(n));
    assert_eq!(out.regenerated.len() as u64, c["conn.late"]);
    // Held SYNs leave the stream (400 SYNs, 800 beats); each release puts one back. The tag
    // stage behind may let frames pass untagged for its own backlog, never lose one.
    assert_eq!(out.frames.len() as u64, u64::from(n) + c["conn.released"]);
    assert!(out
        .regenerated
        .iter()
        .map(seen)
        .all(|s| s.syn.and_then(|i| i.why()) == Some(Why::Late)));
}
