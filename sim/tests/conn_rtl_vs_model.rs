//! The conn stage (SYN offload) in the whole RTL pipeline against the model: generated TCP
//! connections (scans, handshakes, refusals, simultaneous opens, new ISNs, retransmitted SYNs,
//! SYNs with data, IPv6) at 100 Gb/s capture times and back to back, holding on. Every frame out
//! in the model's order (held SYNs released just before the frame that released them, tagged with
//! their SYN tag), the SYNs given back on their own as the model's set, every counter equal.
//! The generated runs end without the flush (a pass over the table's 64K locations): the SYNs the
//! model flushes at the end must be the records the device still holds; the hand-made case
//! flushes.

mod common;

use common::{
    assert_same, assert_same_unflushed, compare, compare_moved, prepare, rtl_output, starting_at,
};
use proptest::prelude::*;
use vantage_driver::Device;
use vantage_model::gen::tcp::{
    arb_connections, endpoints, frames_of, merge, segment, ConnSpec, Script,
};
use vantage_model::Config;
use vantage_proto::axis::{schedule, LaneFrame, Pacing};

/// The default registers with SYNs held.
fn holding() -> Config {
    let mut c = Config::default();
    c.conn.hold = true;
    c
}

#[test]
fn a_handshake_releases_and_a_scan_is_flushed() {
    let conn = |k: u32, script: Script, retrans: u8| {
        let (orig, resp) = endpoints(k, false, 80);
        ConnSpec {
            v6: false,
            orig,
            resp,
            isn: 1000 + k,
            start_ns: 1_000 * u64::from(k),
            syn_payload: 0,
            retrans,
            script,
        }
    };
    let conns = [
        conn(1, Script::Handshake { delay_ns: 30_000 }, 1),
        conn(2, Script::Unanswered, 0),
    ];
    let input = schedule(&merge(&conns), Pacing::CaptureTime { gbps: 100.0 }, 0);
    let (rtl, model) = assert_same(&input, &holding());
    let c = &model.counters;
    assert_eq!(
        (
            c["conn.held"],
            c["conn.retransmissions"],
            c["conn.released"],
            c["conn.flushed"]
        ),
        (2, 1, 1, 1),
        "two SYNs held, one retransmission absorbed, one released by its answer, one flushed"
    );
    assert_eq!(rtl.regenerated.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// At 100 Gb/s capture times over 30 us (about 10,000 cycles).
    #[test]
    fn connections_at_capture_time(conns in arb_connections(12, 15_000, 15_000)) {
        let input = schedule(&merge(&conns), Pacing::CaptureTime { gbps: 100.0 }, 0);
        assert_same_unflushed(&input, &holding());
    }

    /// Every beat in the next cycle (faster than any MAC): releases pile up in the output queue.
    #[test]
    fn connections_back_to_back(conns in arb_connections(40, 50_000, 50_000)) {
        let input = schedule(&merge(&conns), Pacing::BackToBack, 0);
        assert_same_unflushed(&input, &holding());
    }
}

/// A capture's frames scheduled at 100 Gb/s line rate, and how many there are.
fn at_line_rate(path: &std::path::Path) -> (usize, Vec<vantage_proto::axis::TimedBeat>) {
    let packets = vantage_capture::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let frames: Vec<(u64, LaneFrame)> = packets
        .iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect();
    (
        frames.len(),
        schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 0),
    )
}

/// A real capture at 100 Gb/s line rate, holding: the frames out in the model's order, every
/// counter, the SYNs the flush gives back at the end as the model's set, and every frame in
/// accounted for (out, given back, or absorbed as a retransmission). The model's own test
/// (`model/tests/conn_vs_tshark.rs`) holds the model to tshark's conversations.
#[test]
fn a_real_capture_at_line_rate() {
    let Some(real) = vantage_testkit::shared_real() else {
        eprintln!("SKIP a_real_capture_at_line_rate: ../shared/testdata not found");
        return;
    };
    let (frames_in, input) = at_line_rate(&real.join("icmp_ttl.pcap"));
    let (rtl, model) = assert_same(&input, &holding());
    let c = &model.counters;
    let given_back = rtl.regenerated.len() as u64;
    println!(
        "icmp_ttl.pcap at 100 Gb/s: {} frames in, {} to the monitor ({} SYNs released in place), {} given back on their own, {} retransmissions absorbed",
        frames_in,
        rtl.frames.len(),
        c["conn.released"],
        given_back,
        c["conn.retransmissions"]
    );
    assert!(c["conn.held"] > 200 && c["conn.released"] > 200 && c["conn.retransmissions"] > 1000);
    assert_eq!(
        given_back,
        c["conn.flushed"] + c["conn.late"] + c["conn.expired"]
    );
    let r = &rtl.counters;
    assert_eq!(
        r["conn.regen_lost"], 0,
        "nothing lost at 100 Gb/s of this capture"
    );
    assert_eq!(
        frames_in as u64,
        rtl.frames.len() as u64 + given_back + r["conn.retransmissions"],
        "frames in = out + given back + absorbed"
    );
}

/// Frames in = frames out + records held + retransmissions absorbed + regenerated SYNs lost
/// (counted), read whenever the pipeline has drained: after each of 24 slices of a scan with
/// answered connections among it, held SYNs retransmitted, at 100 Gb/s line rate. With the zero
/// hash key every connection falls in one bucket: four held, the rest passed (table full).
#[test]
fn frames_in_equal_frames_out_plus_held_at_every_drained_point() {
    for zero_key in [false, true] {
        let conns: Vec<ConnSpec> = (0..1200u32)
            .map(|k| {
                let (orig, resp) = endpoints(k, k % 5 == 0, 1 + (k % 1000) as u16);
                ConnSpec {
                    v6: k % 5 == 0,
                    orig,
                    resp,
                    isn: 7 * k,
                    start_ns: 200 * u64::from(k),
                    syn_payload: 0,
                    retrans: (k % 4 == 1) as u8,
                    script: match k % 3 {
                        0 => Script::Handshake { delay_ns: 30_000 },
                        1 => Script::Refused { delay_ns: 10_000 },
                        _ => Script::Unanswered,
                    },
                }
            })
            .collect();
        let frames = merge(&conns);
        let mut config = holding();
        if zero_key {
            config.hash_key = [0; vantage_proto::flowhash::KEY_BYTES];
        }
        let (mut sim, _, start) = prepare(&config);
        let (mut frames_in, mut frames_out) = (0u64, 0u64);
        let mut held_seen = 0u32;
        for slice in frames.chunks(frames.len().div_ceil(24)) {
            let beats = schedule(slice, Pacing::LineRate { gbps: 100.0 }, 0);
            let beats = starting_at(&beats, start.max(sim.cycle() + 4));
            let out = sim.run_holding(&beats).expect("rtl run");
            frames_in += slice.len() as u64;
            frames_out += out.iter().filter(|b| b.beat.last).count() as u64;
            let mut dev = Device::new(&mut sim);
            let held = dev.conn_state().expect("conn state").held;
            let c = dev.snapshot().expect("snapshot");
            assert_eq!(
                frames_in,
                frames_out + u64::from(held) + c["conn.retransmissions"] + c["conn.regen_lost"],
                "zero key {zero_key}: frames in = out + held + absorbed + lost after {frames_in} frames"
            );
            assert_eq!(c["conn.frames"], frames_in, "the stage saw every frame");
            held_seen = held_seen.max(held);
        }
        println!("zero key {zero_key}: {frames_in} frames, {frames_out} out, at most {held_seen} held at a drained point");
        if zero_key {
            assert_eq!(held_seen, 4, "one bucket of four ways");
        } else {
            assert!(held_seen > 100, "the scan keeps SYNs held across slices");
        }
    }
}

/// Expiry in the whole pipeline, timeout 2 us, at 100 Gb/s capture times: SYNs answered in time
/// (released), answered after their deadline (the answer passes, the SYN comes back expired) and
/// never answered. After the input the timestamp counter steps 2 ms on, past every deadline and
/// the scan's lag (`EXPIRY_LAG_NS`), and one pass of the background scan (64K idle cycles) gives
/// back every record still held, as expired, with no flush: the model's set, every counter.
#[test]
fn the_background_scan_gives_back_what_timed_out() {
    const TIMEOUT_NS: u64 = 2_000;
    let mut config = holding();
    config.conn.timeout_ns = TIMEOUT_NS;
    let conns: Vec<ConnSpec> = (0..24u32)
        .map(|k| {
            let (orig, resp) = endpoints(k, k % 4 == 3, 443);
            ConnSpec {
                v6: k % 4 == 3,
                orig,
                resp,
                isn: 100 + k,
                start_ns: 500 * u64::from(k),
                syn_payload: 0,
                retrans: 0,
                script: match k % 3 {
                    0 => Script::Handshake { delay_ns: 1_000 },
                    1 => Script::Refused { delay_ns: 6_000 },
                    _ => Script::Unanswered,
                },
            }
        })
        .collect();
    let mut frames = merge(&conns);
    // A last frame (an ACK nobody holds) past every deadline: the model's end of input then finds
    // every record still held expired, as the scan does.
    let end = frames.last().map_or(0, |f| f.0) + TIMEOUT_NS + 1_000;
    let (a, b) = endpoints(999, false, 22);
    frames.push((
        end,
        LaneFrame::from_bytes(&segment(false, a, b, (1, 1, 0x10), 0)),
    ));
    let input = schedule(&frames, Pacing::CaptureTime { gbps: 100.0 }, 0);

    let (mut sim, model_config, start) = prepare(&config);
    let driven = starting_at(&input, start);
    let mut beats = sim.run_holding(&driven).expect("rtl run");
    let mut dev = Device::new(&mut sim);
    let held = dev.conn_state().expect("conn state").held;
    assert!(held >= 8, "unanswered SYNs wait for the scan ({held} held)");
    let now = dev.timebase().expect("timebase").1 >> 32;
    dev.load_time(now as u64 + 2_000_000)
        .expect("step the clock");
    drop(dev);
    sim.idle(70_000);
    beats.extend(sim.take_output());
    let after = Device::new(&mut sim).conn_state().expect("conn state");
    assert_eq!(after.held, 0, "one scan pass gives back every record");
    let rtl = rtl_output(&mut sim, beats, &config);
    let model = vantage_model::run(&model_config, &driven);
    let c = &model.counters;
    assert_eq!(c["conn.flushed"], 0, "the model finds every record expired");
    assert!(c["conn.expired"] >= u64::from(held) && c["conn.released"] >= 4);
    compare(&rtl, &model, &config);
}

/// Connections of a release storm: `CONNS` SYNs, each answered by a RST at 10 us, after the last
/// SYN, so that line rate packs the answers back to back.
const STORM_CONNS: u32 = 600;

fn storm_connections() -> Vec<ConnSpec> {
    (0..STORM_CONNS)
        .map(|k| {
            let (orig, resp) = endpoints(k, false, 80);
            ConnSpec {
                v6: false,
                orig,
                resp,
                isn: 3 * k,
                start_ns: u64::from(k),
                syn_payload: 0,
                retrans: 0,
                script: Script::Refused {
                    delay_ns: 10_000 - u64::from(k),
                },
            }
        })
        .collect()
}

/// What a storm run gave: the output, how often each connection's SYN came back, the records
/// still held after one scan pass, and the input as driven.
struct Storm {
    rtl: common::RtlOutput,
    back: Vec<u32>,
    held: u32,
    driven: Vec<vantage_proto::axis::TimedBeat>,
    model_config: vantage_model::Config,
}

/// Run `input` (the storm's frames, scheduled), then one pass of the background scan, and check
/// what holds whatever the pacing: every answer out in input order, byte for byte; a SYN in the
/// stream only as released, just before its own answer; a SYN given back on its own only as
/// late; none twice; and every SYN back or counted lost (`regen_lost`).
fn run_storm(conns: &[ConnSpec], input: &[vantage_proto::axis::TimedBeat]) -> Storm {
    use std::collections::HashMap;
    use vantage_proto::conn::Why;
    // Which connection each input frame belongs to, and whether it is the SYN.
    let mut owner: HashMap<Vec<u8>, (u32, bool)> = HashMap::new();
    for (k, c) in conns.iter().enumerate() {
        for (i, (_, bytes)) in frames_of(c).into_iter().enumerate() {
            owner.insert(bytes, (k as u32, i == 0));
        }
    }
    let answers_in: Vec<u32> = merge(conns)
        .iter()
        .filter_map(|(_, f)| owner.get(&f.bytes()).filter(|o| !o.1).map(|o| o.0))
        .collect();
    let config = holding();
    let (mut sim, model_config, start) = prepare(&config);
    let driven = starting_at(input, start);
    let mut beats = sim.run_holding(&driven).expect("rtl run");
    // One pass of the background scan (64K probe-free cycles) gives back what was kept.
    sim.idle(70_000);
    beats.extend(sim.take_output());
    let held = Device::new(&mut sim).conn_state().expect("conn state").held;
    let rtl = rtl_output(&mut sim, beats, &config);
    let r = &rtl.counters;
    println!(
        "release storm: {} held, {} released in place, {} late ({} kept in the table), {} regen_inline, {} regen_lost",
        r["conn.held"],
        r["conn.released"],
        r["conn.late"],
        r["conn.kept"],
        r["conn.regen_inline"],
        r["conn.regen_lost"]
    );
    // Each frame out, as (connection, is the SYN, why of its SYN tag). Frames without news pass
    // untagged.
    let decode = |f: &LaneFrame| {
        let (why, original) = match vantage_proto::header::strip(&f.bytes(), config.ethertype) {
            Ok((h, original)) => (h.syn().and_then(|i| Why::from_u8(i.why)), original),
            Err(_) => (None, f.bytes()),
        };
        let &(k, syn) = owner.get(&original).expect("an input frame, byte for byte");
        (k, syn, why)
    };
    let out: Vec<_> = rtl.frames.iter().map(decode).collect();
    let mut back = vec![0u32; conns.len()];
    let mut answers_out = Vec::new();
    for (i, &(k, syn, why)) in out.iter().enumerate() {
        if syn {
            assert_eq!(
                why,
                Some(Why::Released),
                "SYN {k} in the stream, tagged released"
            );
            assert_eq!(
                out.get(i + 1).map(|o| (o.0, o.1)),
                Some((k, false)),
                "SYN {k} just before its answer"
            );
            back[k as usize] += 1;
        } else {
            answers_out.push(k);
        }
    }
    assert_eq!(answers_out, answers_in, "every answer out, in input order");
    for f in &rtl.regenerated {
        let (k, syn, why) = decode(f);
        assert!(
            syn && why == Some(Why::Late),
            "given back on its own only as late"
        );
        back[k as usize] += 1;
    }
    assert!(back.iter().all(|&n| n <= 1), "no SYN back twice");
    let missing = back.iter().filter(|&&n| n == 0).count() as u64;
    assert_eq!(
        missing, r["conn.regen_lost"],
        "every SYN back, or counted lost"
    );
    assert_eq!(held, 0, "every kept record given back by the scan");
    assert_eq!(r["conn.held"], conns.len() as u64);
    assert_eq!(r["conn.released"] + r["conn.late"], conns.len() as u64);
    Storm {
        rtl,
        back,
        held,
        driven,
        model_config,
    }
}

/// A release storm at 100 Gb/s line rate: 600 held 2-beat SYNs, then their answers (1-beat RSTs)
/// back to back. Each answer brings 3 beats to the output in 2.0 input cycles, so the output
/// falls behind and, past `RELEASE_BACKLOG_LIMIT`, releases go late; the regen queue cannot take
/// them while the storm leaves no gap, so they are kept in the table until the background scan
/// gives them back. The input is the oracle (`run_storm`), and nothing is lost. And the model:
/// regenerated SYNs sent at once (`regen_inline`) move frames, which the model does not follow,
/// but only while the output queue is short, so the releases and late ones are still the model's.
#[test]
fn a_release_storm_at_line_rate_loses_no_syn() {
    let conns = storm_connections();
    let input = schedule(&merge(&conns), Pacing::LineRate { gbps: 100.0 }, 0);
    let storm = run_storm(&conns, &input);
    let r = &storm.rtl.counters;
    assert!(
        storm.back.iter().all(|&n| n == 1) && storm.held == 0,
        "every SYN back exactly once"
    );
    assert_eq!(r["conn.regen_lost"], 0, "no SYN lost");
    assert_eq!(storm.rtl.regenerated.len() as u64, r["conn.late"]);
    assert!(
        r["conn.late"] > 2 * vantage_proto::conn::REGEN_QUEUE as u64
            && r["conn.kept"] > 0
            && r["conn.kept"] < r["conn.late"],
        "more late releases than the regen queue holds: the table kept some"
    );
    // Forced SYNs go only into a short output queue, where here they turned no release late (no
    // bucket filled up either): the model's frames, counters and late set.
    let model = vantage_model::run(&storm.model_config, &storm.driven);
    compare_moved(&storm.rtl, &model, &holding());
}

/// The same storm with the answers in consecutive cycles, faster than any MAC: every cycle has a
/// lookup, so the keep queue never issues, and a keep that waited `KEEP_MAX_AGE` cycles is dropped
/// and counted lost rather than kept in a way another SYN may have had since. The loss is counted
/// (`regen_lost` = the SYNs that never came back), no SYN comes back twice or out of place.
#[test]
fn answers_in_every_cycle_lose_syns_counted() {
    let conns = storm_connections();
    let frames = merge(&conns);
    let (syns, answers) = frames.split_at(conns.len());
    let mut input = schedule(syns, Pacing::LineRate { gbps: 100.0 }, 0);
    let after = input.last().map_or(0, |b| b.cycle) + 50;
    input.extend(schedule(answers, Pacing::BackToBack, after));
    let storm = run_storm(&conns, &input);
    let r = &storm.rtl.counters;
    assert!(r["conn.regen_lost"] > 0, "keeps starved and dropped");
}

/// Small real captures at 100 Gb/s line rate, holding, with the flush at the end: every frame in
/// the model's order, every counter, the given-back SYNs as the model's set. tfo_data_on_syn.pcap
/// is the SYN with data (TCP Fast Open: passed, `fail_long`, when longer than a held
/// frame); the others bring handshakes, RSTs and IPv6.
#[test]
fn small_real_captures_at_line_rate() {
    let Some(real) = vantage_testkit::shared_real() else {
        eprintln!("SKIP small_real_captures_at_line_rate: ../shared/testdata not found");
        return;
    };
    for name in [
        "tfo_data_on_syn.pcap",
        "tcp_ipv4_rst.pcap",
        "basic_ipv6_tcp.pcap",
        "http.pcap",
    ] {
        let (frames_in, input) = at_line_rate(&real.join(name));
        let (rtl, model) = assert_same(&input, &holding());
        let c = &model.counters;
        println!(
            "{name}: {} frames in, {} out, {} SYNs held, {} released, {} given back, {} passed too long",
            frames_in,
            rtl.frames.len(),
            c["conn.held"],
            c["conn.released"],
            rtl.regenerated.len(),
            c["conn.fail_long"]
        );
        assert_eq!(rtl.counters["conn.regen_lost"], 0, "{name}");
        if name == "tfo_data_on_syn.pcap" {
            // Its SYN carries a Fast Open cookie and data: longer than a held frame.
            assert!(
                c["conn.fail_long"] > 0,
                "the SYN with data passes as too long"
            );
        }
    }
}
