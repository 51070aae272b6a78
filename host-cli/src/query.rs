//! `vantage query`: compile a task-oriented query, decide where it runs, run it in software over a
//! capture when the device has no stats stage.

use anyhow::Context;
use std::path::Path;
use vantage_proto::query::{compile, Measure, Query};
use vantage_proto::regs::feature;
use vantage_proto::rules::{AddrField, Field, Rule};

pub fn run(text: &str, device: &str, capture: Option<&Path>, top: usize) -> anyhow::Result<()> {
    let q = compile(text)?;
    let rule = &q.rules.rules[0];
    println!("query:   {}", q.text);
    println!(
        "rule:    src {}  dst {}  sport {}  dport {}  proto {}  flags {}  ingress {}",
        rule.src_ip,
        rule.dst_ip,
        rule.src_port,
        rule.dst_port,
        rule.ip_proto,
        rule.tcp_flags,
        rule.ingress_port
    );
    let mut dev = crate::devices::open(device)?;
    let features = dev
        .features()
        .with_context(|| format!("reading the features of device {device}"))?;
    if features.has(feature::STATS) {
        let enc = dev
            .load_rules(&q.rules)
            .with_context(|| format!("loading the query's rule into device {device}"))?;
        let start = dev
            .arm_aligned_epochs(q.rules.epoch_ms.saturating_mul(1_000_000))
            .with_context(|| format!("arming the query's epochs on device {device}"))?;
        println!(
            "placed:  hardware (device {device}: rule 1 on lane {}, counting on, epochs of {} ms from {start} ns, reports as report frames)",
            lane_of(&enc.rules[0]),
            q.rules.epoch_ms
        );
        if let Some(path) = capture {
            // A capture file does not pass through the device: its per-epoch figures come from
            // the model's stats stage (`vantage sim --rules` runs one through the simulated RTL).
            println!("capture: epochs and reports in software (the capture does not pass through the device)");
            run_in_software(&q, path, top)?;
        }
        return Ok(());
    }
    println!("placed:  software (device {device} has no stats stage; features: {features})");
    if let Some(path) = capture {
        run_in_software(&q, path, top)?;
    }
    Ok(())
}

fn lane_of(words: &vantage_proto::stats::RuleWords) -> u32 {
    use vantage_proto::stats::{control, word};
    (words[word::CONTROL] >> control::LANE_SHIFT) & 3
}

fn run_in_software(q: &Query, path: &Path, top: usize) -> anyhow::Result<()> {
    #[cfg(feature = "model")]
    {
        use vantage_model::stats::rules::FrameFacts;
        use vantage_model::stats::table::StatsTable;
        let packets = vantage_capture::read(path)?;
        let epoch_ns = q.rules.epoch_ms.saturating_mul(1_000_000).max(1);
        let t0 = packets.first().map_or(0, |p| p.ts_ns);
        let mut table = StatsTable::new(q.rules.clone());
        let mut epoch = 0u64;
        let key = vantage_proto::flowhash::DEFAULT_KEY;
        for p in &packets {
            let e = p.ts_ns.saturating_sub(t0) / epoch_ns;
            if e != epoch {
                report(q, epoch, &mut table, top);
                epoch = e;
            }
            let meta = vantage_model::parse_frame(&p.data, &key);
            let facts = FrameFacts::new(&meta);
            for k in table.count(&facts, p.data.len() as u64) {
                println!(
                    "  threshold crossed in epoch {epoch}: {}",
                    describe(&q.rules.rules[0], &k)
                );
            }
        }
        report(q, epoch, &mut table, top);
        Ok(())
    }
    #[cfg(not(feature = "model"))]
    {
        let _ = (q, path, top);
        anyhow::bail!(
            "this vantage was built without the software model: rebuild with `--features model`"
        )
    }
}

#[cfg(feature = "model")]
fn report(q: &Query, epoch: u64, table: &mut vantage_model::stats::table::StatsTable, top: usize) {
    let groups = table.end_epoch();
    let measure = |c: &vantage_model::stats::table::GroupCounts| match q.measure {
        Measure::Packets => c.packets,
        Measure::Bytes => c.bytes,
    };
    let mut ranked: Vec<_> = groups.iter().collect();
    ranked.sort_by_key(|(_, c)| std::cmp::Reverse(measure(c)));
    let unit = if q.measure == Measure::Packets {
        "packets"
    } else {
        "bytes"
    };
    println!("epoch {epoch}: {} groups", groups.len());
    for (k, c) in ranked.iter().take(top) {
        println!(
            "  {:>10} {unit}  {}{}",
            measure(c),
            describe(&q.rules.rules[0], k),
            if c.crossed { "  (over threshold)" } else { "" }
        );
    }
}

/// The group-by values of a group key, as text.
#[cfg(feature = "model")]
fn describe(rule: &Rule, k: &vantage_model::stats::rules::GroupKey) -> String {
    let addr = |a: [u8; 16]| {
        if a[..12].iter().all(|b| *b == 0) {
            std::net::Ipv4Addr::new(a[12], a[13], a[14], a[15]).to_string()
        } else {
            std::net::Ipv6Addr::from(a).to_string()
        }
    };
    let mut parts = Vec::new();
    if let AddrField::Group { .. } = rule.src_ip {
        parts.push(format!("src {}", addr(k.src)));
    }
    if let AddrField::Group { .. } = rule.dst_ip {
        parts.push(format!("dst {}", addr(k.dst)));
    }
    let group = |f: &Field<u16>| matches!(f, Field::Group { .. });
    let group8 = |f: &Field<u8>| matches!(f, Field::Group { .. });
    if group(&rule.src_port) {
        parts.push(format!("sport {}", k.sport));
    }
    if group(&rule.dst_port) {
        parts.push(format!("dport {}", k.dport));
    }
    if group8(&rule.ip_proto) {
        parts.push(format!("proto {}", k.proto));
    }
    if group8(&rule.tcp_flags) {
        parts.push(format!("flags 0x{:02x}", k.tcp_flags));
    }
    if group8(&rule.ingress_port) {
        parts.push(format!("ingress {}", k.ingress_port));
    }
    parts.join(" ")
}
