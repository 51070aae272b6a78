//! `vantage rules check`: a rule file, parsed and checked, printed as the stats stage will read it.

use anyhow::Context;
use std::path::Path;
use vantage_proto::rules::parse_rules;

pub fn check(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading rule file {}", path.display()))?;
    let set = parse_rules(&text).with_context(|| format!("rule file {}", path.display()))?;
    println!("{}: {} rules, epoch {} ms", path.display(), set.rules.len(), set.epoch_ms);
    for (i, r) in set.rules.iter().enumerate() {
        println!("{:>2}. {}{}", i + 1, r.name, if r.first { "  (first match: stops here)" } else { "" });
        println!(
            "    ingress {}  src {}  dst {}  sport {}  dport {}  proto {}  flags {}",
            r.ingress_port, r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.ip_proto, r.tcp_flags
        );
        if let Some(t) = r.threshold {
            let show = |v: Option<u64>| v.map_or("-".to_string(), |n| n.to_string());
            println!("    threshold per group per epoch: packets {}, bytes {}", show(t.packets), show(t.bytes));
        }
    }
    Ok(())
}
