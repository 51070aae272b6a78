//! The history rule through the whole pipeline: RTL against the model with a history rule
//! loaded. The frames out, every counter, and the connection records (sent as report frames
//! while the traffic runs and at the flush after it) must be the model's; the records are
//! compared as sets, since the device's background sweep may report a connection early.
//! Timestamps here are the device's clock, microseconds apart: the timers of seconds are
//! `conntable_rtl_vs_model.rs`'s.

mod common;

use common::{assert_same_keep, config_for};
use proptest::prelude::*;
use vantage_model::gen::{arb_link, arb_net, build, FrameSpec, Net, Transport};
use vantage_model::Config;
use vantage_proto::axis::{schedule, LaneFrame, Pacing, TimedBeat};
use vantage_proto::conntable::ConnRecord;
use vantage_proto::stats::{DEFAULT_HASH_KEY, HASH_KEY_BYTES};
use vantage_testkit::shared_real;

const RULES_FILE: &str = r#"{"epoch_ms": 1000, "rules": [
  {"name": "per source", "src_ip": "group"},
  {"name": "connections", "history": true}]}"#;

fn config(hash_key: [u8; HASH_KEY_BYTES]) -> Config {
    config_for(RULES_FILE, hash_key)
}

/// RTL and model on `frames`; equal frames, counters and connection records. Returns how many
/// connection records there were.
fn check(frames: &[(u64, LaneFrame)], pacing: Pacing, config: &Config) -> usize {
    let input: Vec<TimedBeat> = schedule(frames, pacing, 0);
    let (rtl, model, _, _) = assert_same_keep(&input, config);
    let mut got: Vec<ConnRecord> = rtl
        .reports
        .iter()
        .filter(|r| r.info.connections)
        .flat_map(|r| r.connections.clone())
        .collect();
    let mut want = model.connections.clone();
    got.sort();
    want.sort();
    assert_eq!(got.len(), want.len(), "connection records");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    assert_eq!(
        rtl.counters.get("stats.conn_lost"),
        Some(&0),
        "no record lost"
    );
    want.len()
}

/// A TCP or UDP frame between client `c` and server `s` over a generated link and network layer.
fn conn_frame(
    c: u8,
    s: u8,
    from_client: bool,
    t: Transport,
    link: vantage_model::gen::Link,
    net: Net,
    payload: usize,
) -> LaneFrame {
    let v6 = matches!(net, Net::V6 { .. });
    let addr = |h: u8| {
        let mut a = [0u8; 16];
        if v6 {
            a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        }
        a[12..].copy_from_slice(&[10, 0, 0, h]);
        a
    };
    let (ca, sa) = (addr(c), addr(100 + s));
    let spec = FrameSpec {
        link,
        net,
        transport: t,
        src: if from_client { ca } else { sa },
        dst: if from_client { sa } else { ca },
        payload,
    };
    LaneFrame::from_bytes(&build(&spec))
}

fn transport(c: u8, s: u8, from_client: bool, udp: bool, flags: u8, seq: u32) -> Transport {
    let (cp, sp) = (40000 + u16::from(c), if s % 2 == 0 { 80 } else { 53 });
    let (sport, dport) = if from_client { (cp, sp) } else { (sp, cp) };
    if udp {
        Transport::Udp { sport, dport }
    } else {
        Transport::Tcp {
            sport,
            dport,
            seq,
            ack: seq.wrapping_add(77),
            flags,
            window: 1024,
            options: if flags & 0x02 != 0 {
                vec![2, 4, 5, 0xb4]
            } else {
                vec![]
            },
        }
    }
}

const FLAGS: [u8; 7] = [0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14];

fn arb_conn_frame() -> impl Strategy<Value = LaneFrame> {
    (
        (0u8..5, 0u8..2, any::<bool>(), prop::bool::weighted(0.2)),
        (0..FLAGS.len(), any::<u32>()),
        arb_link(),
        arb_net(),
        prop_oneof![3 => Just(0usize), 1 => 1usize..600],
    )
        .prop_map(|((c, s, fc, udp), (f, seq), link, net, payload)| {
            conn_frame(
                c,
                s,
                fc,
                transport(c, s, fc, udp, FLAGS[f], seq),
                link,
                net,
                payload,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Connections over every link layer and network variant the generator has (VLANs, MPLS,
    /// IPv4 options and fragments, IPv6 extension headers), back to back or at line rate.
    #[test]
    fn generated_connections_match_the_model(
        frames in prop::collection::vec(arb_conn_frame(), 1..80),
        back_to_back in any::<bool>(),
        zero_key in any::<bool>(),
    ) {
        let frames: Vec<(u64, LaneFrame)> = frames.into_iter().map(|f| (0, f)).collect();
        let pacing = if back_to_back { Pacing::BackToBack } else { Pacing::LineRate { gbps: 100.0 } };
        check(&frames, pacing, &config(if zero_key { [0; HASH_KEY_BYTES] } else { DEFAULT_HASH_KEY }));
    }
}

#[test]
fn one_connection_back_to_back_drops_what_the_queue_cannot_hold() {
    let plain = || {
        (
            vantage_model::gen::Link::Plain,
            Net::V4 {
                options: vec![],
                frag_offset: 0,
                more_fragments: false,
            },
        )
    };
    let mut frames = Vec::new();
    for (i, (fc, f)) in [(true, 0x02), (false, 0x12), (true, 0x10)]
        .into_iter()
        .enumerate()
    {
        let (link, net) = plain();
        frames.push((
            0,
            conn_frame(
                1,
                0,
                fc,
                transport(1, 0, fc, false, f, 100 + i as u32),
                link,
                net,
                0,
            ),
        ));
    }
    for i in 0..200u32 {
        let (link, net) = plain();
        frames.push((
            0,
            conn_frame(
                1,
                0,
                true,
                transport(1, 0, true, false, 0x10, 1000 + i),
                link,
                net,
                0,
            ),
        ));
    }
    let cfg = config(DEFAULT_HASH_KEY);
    let input: Vec<TimedBeat> = schedule(&frames, Pacing::BackToBack, 0);
    let (rtl, _, _, _) = assert_same_keep(&input, &cfg);
    let dropped = rtl.counters["stats.conn_dropped"];
    assert!(
        dropped > 100,
        "one-beat frames every cycle outrun the steps: {dropped} dropped"
    );
    check(&frames, Pacing::BackToBack, &cfg);
}

#[test]
fn real_captures_with_a_history_rule() {
    let Some(real) = shared_real() else {
        eprintln!("SKIP real_captures_with_a_history_rule: ../shared/testdata is absent");
        return;
    };
    for name in [
        "http.pcap",
        "tcp_ipv4_rst.pcap",
        "tfo_data_on_syn.pcap",
        "basic_ipv6_tcp.pcap",
        "real.pcap",
    ] {
        let packets = vantage_capture::read(&real.join(name)).expect("capture");
        let frames: Vec<(u64, LaneFrame)> = packets
            .iter()
            .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
            .collect();
        let n = check(
            &frames,
            Pacing::LineRate { gbps: 40.0 },
            &config(DEFAULT_HASH_KEY),
        );
        eprintln!(
            "{name}: {} frames, {n} connection records equal",
            frames.len()
        );
        assert!(n > 0, "{name}: the history rule saw no connection");
    }
}
