//! `vantage stats peek`: one row of the stats stage's group table, read through the peek port.

use anyhow::Context;
use std::net::IpAddr;
use vantage_proto::stats::{Entry, GroupKey};

pub fn peek(spec: &str, bank: usize, bucket: usize) -> anyhow::Result<()> {
    let mut dev = crate::devices::open(spec)?;
    let ways = dev
        .peek_row(bank, bucket)
        .with_context(|| format!("peeking into the stats table of device {spec}"))?;
    let valid = ways.iter().filter(|e| e.valid).count();
    println!(
        "bank {bank}, bucket {bucket} (0x{bucket:03x}): {valid} of {} ways valid",
        ways.len()
    );
    for (way, e) in ways.iter().enumerate().filter(|(_, e)| e.valid) {
        println!("way {way}: {}", describe(e));
    }
    Ok(())
}

/// An entry on one line: the rule (numbered from 1, as `rules show` numbers them), every key
/// field (0 where the rule does not group by it), the counts and whether a threshold fired.
fn describe(e: &Entry) -> String {
    let k = &e.key;
    format!(
        "rule {}  src {}  dst {}  sport {}  dport {}  proto {}  flags 0x{:02x}  ingress {}  packets {}  bytes {}  crossed {}",
        u32::from(k.rule) + 1,
        address(k, k.src),
        address(k, k.dst),
        k.sport,
        k.dport,
        k.proto,
        k.tcp_flags,
        k.ingress_port,
        e.packets,
        e.bytes,
        if e.crossed { "yes" } else { "no" }
    )
}

/// IPv4 addresses are zero-extended in the key; the key's v6 bit tells the two apart.
fn address(k: &GroupKey, a: [u8; 16]) -> IpAddr {
    vantage_proto::flowhash::ip_from_16(k.v6, a)
}
