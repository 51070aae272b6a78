//! `vantage rules check|load|show`: a rule file parsed and checked, loaded into a device's stats
//! stage, and the device's rule table read back.

use anyhow::Context;
use std::path::Path;
use vantage_proto::rules::{parse_rules, Rule, RuleSet};
use vantage_proto::stats::{decode_rule, encode_rule, RuleWords, RULES};

pub fn check(path: &Path) -> anyhow::Result<()> {
    let set = read(path)?;
    println!(
        "{}: {} rules, epoch {} ms",
        path.display(),
        set.rules.len(),
        set.epoch_ms
    );
    for (i, r) in set.rules.iter().enumerate() {
        print_rule(i + 1, r, "");
    }
    Ok(())
}

/// Parse and check, with the errors `rules check` gives.
pub fn read(path: &Path) -> anyhow::Result<RuleSet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading rule file {}", path.display()))?;
    parse_rules(&text).with_context(|| format!("rule file {}", path.display()))
}

/// A rule as `rules check` prints it; `note` goes on its first line.
fn print_rule(number: usize, r: &Rule, note: &str) {
    println!(
        "{number:>2}. {}{note}{}",
        r.name,
        if r.first {
            "  (first match: stops here)"
        } else {
            ""
        }
    );
    println!(
        "    ingress {}  src {}  dst {}  sport {}  dport {}  proto {}  flags {}",
        r.ingress_port, r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.ip_proto, r.tcp_flags
    );
    if r.history {
        println!("    history: Zeek's connection history per TCP/UDP connection, both directions one group, reported when it ends");
    }
    if let Some(t) = r.threshold {
        let show = |v: Option<u64>| v.map_or("-".to_string(), |n| n.to_string());
        println!(
            "    threshold per group per epoch: packets {}, bytes {}",
            show(t.packets),
            show(t.bytes)
        );
    }
}

pub fn load(path: &Path, spec: &str) -> anyhow::Result<()> {
    let set = read(path)?;
    let mut dev = crate::devices::open(spec)?;
    let encoded = dev
        .load_rules(&set)
        .with_context(|| format!("loading {} into device {spec}", path.display()))?;
    println!(
        "{}: {} rules loaded into device {spec}; counting on",
        path.display(),
        set.rules.len()
    );
    println!(
        "lanes in use: {} (LANE_BITS {})",
        1u32 << encoded.lane_bits,
        encoded.lane_bits
    );
    for (i, (r, words)) in set.rules.iter().zip(&encoded.rules).enumerate() {
        let lane = decode_rule(words, i + 1).map_or(0, |(_, lane)| lane);
        let place = if r.history {
            "connection table".to_string()
        } else {
            format!("lane {lane}")
        };
        println!(
            "{:>2}. {}  {place}{}",
            i + 1,
            r.name,
            if r.first {
                "  (first match: stops here)"
            } else {
                ""
            }
        );
    }
    let epoch_ns = set.epoch_ms.saturating_mul(1_000_000);
    let start = dev
        .arm_aligned_epochs(epoch_ns)
        .with_context(|| format!("arming epochs of {} ms on device {spec}", set.epoch_ms))?;
    println!(
        "epochs of {} ms armed: the first boundary at {start} ns of the device's clock; each epoch's groups leave as report frames",
        set.epoch_ms
    );
    Ok(())
}

pub fn show(spec: &str) -> anyhow::Result<()> {
    let mut dev = crate::devices::open(spec)?;
    let context = || format!("reading the rule table of device {spec}");
    let table = dev.rule_words().with_context(context)?;
    let lane_bits = dev.stats_lane_bits().with_context(context)?;
    let on = dev.stats_enabled().with_context(context)?;
    let rules: Vec<(usize, Rule, usize, &RuleWords)> = table
        .iter()
        .enumerate()
        .filter_map(|(i, w)| decode_rule(w, i + 1).map(|(r, lane)| (i + 1, r, lane, w)))
        .collect();
    println!(
        "device {spec}: {} of {RULES} rules enabled, lanes in use {} (LANE_BITS {lane_bits}), counting {}",
        rules.len(),
        1u64 << lane_bits.min(31),
        if on { "on" } else { "off" }
    );
    for (number, rule, lane, words) in &rules {
        let place = if rule.history {
            "  connection table".to_string()
        } else {
            format!("  lane {lane}")
        };
        print_rule(*number, rule, &place);
        if encode_rule(rule, *lane) != **words {
            println!("    note: these registers are not what loading any rule file writes (written by something else?)");
        }
    }
    Ok(())
}
