//! Whole real captures through the whole pipeline with every stage on — rules with thresholds, a
//! history rule, SYN offload — at 100 Gb/s line rate (the default pacing of `vantage sim`),
//! against the model with the one comparison (`vantage_sim::compare`): every frame in order,
//! every counter, the regenerated SYNs, the connection records. Connections and SYNs still held
//! at the end are flushed, as the model flushes them at the end of its input.

mod common;

use common::{compare_moved, config_for, run_rtl_with};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::stats::DEFAULT_HASH_KEY;
use vantage_testkit::shared_real;

/// Counting with thresholds per source and per destination port, and Zeek's connection history
/// for every TCP and UDP connection.
const RULES: &str = r#"{"epoch_ms": 60000, "rules": [
  {"name": "per source", "src_ip": "group", "threshold": {"packets": 1000}},
  {"name": "SYNs per port", "tcp_flags": "SYN !ACK", "dst_port": "group", "threshold": {"packets": 50}},
  {"name": "bytes per /24", "dst_ip": {"group": {"v4": 24}}, "threshold": {"bytes": 1000000}},
  {"name": "connections", "history": true}]}"#;

fn every_stage(name: &str) {
    let Some(real) = shared_real() else {
        eprintln!("SKIP every_stage {name}: ../shared/testdata is absent");
        return;
    };
    let path = real.join(name);
    let packets =
        vantage_capture::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let frames: Vec<(u64, LaneFrame)> = packets
        .iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect();
    let input = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 0);
    let mut config = config_for(RULES, DEFAULT_HASH_KEY);
    config.conn.hold = true;
    config.conn.timeout_ns = 1_000_000_000;
    let (rtl, driven, model_config, _) = run_rtl_with(&config, &input, true);
    let model = vantage_model::run(&model_config, &driven);
    let agreed = compare_moved(&rtl, &model, &config);
    let c = &rtl.counters;
    println!(
        "{name}: {} frames in at 100 Gb/s; {} out, {} SYNs given back on their own, {} retransmissions absorbed; \
         {} threshold crossings; {} connection records ({} counted lost); frames to history {} of {} dropped (queue full)",
        frames.len(),
        agreed.frames,
        agreed.regenerated,
        c["conn.retransmissions"],
        c["stats.crossed"],
        agreed.connections,
        agreed.connections_lost,
        c["stats.conn_dropped"],
        c["stats.conn_dropped"] + c["stats.conn_frames"],
    );
    assert!(
        agreed.connections > 0,
        "{name}: the history rule saw no connection"
    );
    assert!(c["conn.held"] > 0, "{name}: no SYN was held");
    assert!(c["stats.crossed"] > 0, "{name}: no threshold was crossed");
    // Frames in: out, given back, or absorbed as retransmissions of a held SYN.
    assert_eq!(
        frames.len() as u64,
        agreed.frames as u64 + agreed.regenerated as u64 + c["conn.retransmissions"],
        "{name}: every frame in is accounted for"
    );
}

#[test]
fn real_pcap_with_every_stage() {
    every_stage("real.pcap");
}

#[test]
fn icmp_ttl_pcap_with_every_stage() {
    every_stage("icmp_ttl.pcap");
}
