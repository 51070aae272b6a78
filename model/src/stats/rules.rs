//! Which rules a frame feeds and in which group: the matching half of the stats stage.
//!
//! A rule that matches or groups on an IP field only counts frames whose IP header was parsed;
//! on a port, frames with TCP or UDP ports; on TCP flags, TCP frames. A field left as a wildcard
//! asks nothing, so a rule of wildcards counts every frame, IP or not.
//!
//! ```text
//!  group key:  | rule | v6 | ingress & m | src & prefix | dst & prefix | sport & m | dport & m | proto & m | flags & m |
//!              non-group fields are 0, so two frames share a group exactly when the rule and
//!              every masked group-by value agree; v6 keeps IPv4 and IPv6 address groups apart
//!              (`proto::stats` has the byte layout)
//! ```

use super::history::Segment;
use crate::parse::Meta;
use std::net::IpAddr;
use vantage_proto::flags::ParseFlags;
use vantage_proto::rules::{AddrField, Field, Rule, RuleSet};
pub use vantage_proto::stats::GroupKey;

/// What the stats stage knows of a frame.
#[derive(Clone, Copy, Debug)]
pub struct FrameFacts<'a> {
    pub meta: &'a Meta,
    /// The IP header was parsed (addresses valid).
    pub ip_ok: bool,
    /// Port the frame came in on.
    pub ingress_port: u8,
    /// Ingress time, ns (what the history rule's timers run on).
    pub ts_ns: u64,
    /// The TCP or UDP segment the history rule reads (`None`: the frame has none, or the
    /// caller runs no history rule).
    pub segment: Option<Segment>,
    /// The cycle the frame's last beat reached the stage (the connection table's queue runs on
    /// it; frames must come in increasing cycles).
    pub end_cycle: u64,
}

impl<'a> FrameFacts<'a> {
    /// A frame on ingress port 0 at time 0 without a segment for the history rule.
    pub fn new(meta: &'a Meta) -> Self {
        FrameFacts {
            meta,
            ip_ok: meta.ip_ok,
            ingress_port: 0,
            ts_ns: 0,
            segment: None,
            end_cycle: 0,
        }
    }
}

/// The groups a frame feeds, in rule order (a `first` rule that counts it ends the list).
pub fn groups_of(set: &RuleSet, f: &FrameFacts) -> Vec<GroupKey> {
    let mut out = Vec::new();
    for (i, rule) in set.rules.iter().enumerate() {
        if let Some(key) = group_in(rule, i as u8, f) {
            // A history rule's groups are connections, in the connection table.
            if !rule.history {
                out.push(key);
            }
            if rule.first {
                break;
            }
        }
    }
    out
}

/// The frame's group in `rule`, or None when the rule does not count it.
pub fn group_in(rule: &Rule, index: u8, f: &FrameFacts) -> Option<GroupKey> {
    let m = f.meta;
    let has_ports = m.flags.has(ParseFlags::PORTS);
    let tcp_flags = m.tcp.map(|t| t.flags);
    if rule.history && !(f.ip_ok && has_ports) {
        return None; // connections are keyed by their ports
    }
    let groups_addr = matches!(rule.src_ip, AddrField::Group { .. })
        || matches!(rule.dst_ip, AddrField::Group { .. });
    Some(GroupKey {
        rule: index,
        v6: groups_addr && m.flags.has(ParseFlags::IPV6),
        ingress_port: numeric(&rule.ingress_port, Some(f.ingress_port))?,
        src: address(&rule.src_ip, f, m.src)?,
        dst: address(&rule.dst_ip, f, m.dst)?,
        sport: numeric(&rule.src_port, has_ports.then_some(m.sport))?,
        dport: numeric(&rule.dst_port, has_ports.then_some(m.dport))?,
        proto: numeric(&rule.ip_proto, f.ip_ok.then_some(m.ip_proto))?,
        tcp_flags: numeric(&rule.tcp_flags, tcp_flags)?,
    })
}

/// A numeric field's contribution to the key: None = the rule does not count the frame.
fn numeric<T>(field: &Field<T>, value: Option<T>) -> Option<T>
where
    T: Copy + Default + PartialEq + std::ops::BitAnd<Output = T>,
{
    match (field, value) {
        (Field::Any, _) => Some(T::default()),
        (Field::Match { value: want, mask }, Some(v)) => {
            (v & *mask == *want & *mask).then(T::default)
        }
        (Field::Group { mask }, Some(v)) => Some(v & *mask),
        (_, None) => None,
    }
}

fn address(field: &AddrField, f: &FrameFacts, addr: [u8; 16]) -> Option<[u8; 16]> {
    let v4 = f.meta.flags.has(ParseFlags::IPV4);
    match field {
        AddrField::Any => Some([0; 16]),
        _ if !f.ip_ok => None,
        AddrField::Match { net, prefix } => {
            let (net16, width) = match net {
                IpAddr::V4(a) if v4 => (vantage_proto::flowhash::ipv4_as_16(a.octets()), 32),
                IpAddr::V6(a) if !v4 => (a.octets(), 128),
                _ => return None,
            };
            let keep = 128 - width + u32::from(*prefix);
            (masked(addr, keep) == masked(net16, keep)).then_some([0; 16])
        }
        AddrField::Group {
            v4_prefix,
            v6_prefix,
        } => {
            let keep = if v4 {
                96 + u32::from(*v4_prefix)
            } else {
                u32::from(*v6_prefix)
            };
            Some(masked(addr, keep))
        }
    }
}

/// The first `keep` bits of a 128-bit address, the rest cleared.
fn masked(addr: [u8; 16], keep: u32) -> [u8; 16] {
    let a = u128::from_be_bytes(addr);
    let m = if keep == 0 {
        0
    } else {
        u128::MAX << (128 - keep.min(128))
    };
    (a & m).to_be_bytes()
}
