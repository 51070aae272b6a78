//! Statistics rules (the paper's §2.1 and its Figure 1): for each header field a rule either
//! ignores it, matches it against a value under a mask, or groups by it. Frames that match a rule
//! are counted per group (packets, bytes, connection history); thresholds mark the frame that
//! crosses them. This module is the rule file format and its validation; the stats stage's
//! register encoding will be built from `RuleSet`.
//!
//! The file is JSON (docs/rules.md has the full reference):
//!
//! ```json
//! { "epoch_ms": 60000,
//!   "rules": [
//!     { "name": "ssh per source", "dst_port": 22, "src_ip": "group", "threshold": { "packets": 100 } },
//!     { "name": "SYNs from 10/8", "src_ip": "10.0.0.0/8", "tcp_flags": "SYN !ACK",
//!       "src_port": "group", "dst_port": "group", "first": true } ] }
//! ```
//! Every error names where it is: serde_json's line and column for anything inside a rule, the
//! rule's position and name for whole-file checks.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt;
use std::net::IpAddr;
use thiserror::Error;

/// Rules the stats stage holds.
pub const MAX_RULES: usize = 32;
/// Longest rule name kept (for reports and `vantage rules show`).
pub const MAX_NAME_BYTES: usize = 64;
/// Figure 1 of the paper as a rule file: SSH packets per source with a threshold of 100, and SYNs
/// from 10/8 per port pair (first match). The two rules overlap, so they take lanes 0 and 1. The
/// tests across the workspace load it.
pub const FIGURE1: &str = r#"{
  "epoch_ms": 60000,
  "rules": [
    { "name": "ssh per source", "dst_port": 22, "src_ip": "group", "threshold": { "packets": 100 } },
    { "name": "SYNs from 10/8", "src_ip": "10.0.0.0/8", "tcp_flags": "SYN !ACK",
      "src_port": "group", "dst_port": "group", "first": true }
  ]
}"#;

/// Shortest epoch (periodic report interval).
pub const MIN_EPOCH_MS: u64 = 1;

/// TCP flag bits by name (the TCP header's flags byte).
pub const TCP_FLAG_NAMES: [(&str, u8); 8] = [
    ("FIN", 0x01),
    ("SYN", 0x02),
    ("RST", 0x04),
    ("PSH", 0x08),
    ("ACK", 0x10),
    ("URG", 0x20),
    ("ECE", 0x40),
    ("CWR", 0x80),
];

/// How a rule uses a numeric field (port, protocol, flags, ingress port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// Any value.
    #[default]
    Any,
    /// Frames whose `field & mask == value & mask`.
    Match { value: T, mask: T },
    /// One group per distinct `field & mask`.
    Group { mask: T },
}

/// How a rule uses an address field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AddrField {
    /// Any address, IPv4 or IPv6.
    #[default]
    Any,
    /// Addresses in this network; the frame's IP version must be the network's.
    Match { net: IpAddr, prefix: u8 },
    /// One group per network of these prefix lengths (IPv4, IPv6).
    Group { v4_prefix: u8, v6_prefix: u8 },
}

/// Per-group, per-epoch limits; the frame that crosses one carries a threshold tag (once per group
/// per epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Packets per group per epoch.
    #[serde(default, deserialize_with = "nonzero")]
    pub packets: Option<u64>,
    /// Frame bytes per group per epoch.
    #[serde(default, deserialize_with = "nonzero")]
    pub bytes: Option<u64>,
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default, deserialize_with = "field_u8")]
    pub ingress_port: Field<u8>,
    #[serde(default, deserialize_with = "addr_field")]
    pub src_ip: AddrField,
    #[serde(default, deserialize_with = "addr_field")]
    pub dst_ip: AddrField,
    #[serde(default, deserialize_with = "field_u16")]
    pub src_port: Field<u16>,
    #[serde(default, deserialize_with = "field_u16")]
    pub dst_port: Field<u16>,
    #[serde(default, deserialize_with = "field_proto")]
    pub ip_proto: Field<u8>,
    #[serde(default, deserialize_with = "field_flags")]
    pub tcp_flags: Field<u8>,
    /// A frame this rule counts feeds no later rule (first match); otherwise it feeds every
    /// matching rule.
    #[serde(default)]
    pub first: bool,
    #[serde(default)]
    pub threshold: Option<Threshold>,
    /// Keep Zeek's connection history: the rule's groups are its TCP and UDP connections, both
    /// directions one group, held in the connection table and reported when they end.
    #[serde(default)]
    pub history: bool,
}

/// A rule file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Report interval: at the end of each epoch the groups are reported and thresholds re-armed.
    pub epoch_ms: u64,
    /// In priority order.
    pub rules: Vec<Rule>,
}

#[derive(Debug, Error)]
pub enum RuleError {
    /// Syntax, type, unknown field or a bad value: serde_json's message carries line and column.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("{count} rules, but the stats stage holds {MAX_RULES}: rule {} ({name:?}) is one too many", MAX_RULES + 1)]
    TooMany { count: usize, name: String },
    #[error("rule {index} ({name:?}): name is empty or longer than {MAX_NAME_BYTES} bytes")]
    BadName { index: usize, name: String },
    #[error("rules {first} and {second} are both named {name:?}")]
    DuplicateName {
        first: usize,
        second: usize,
        name: String,
    },
    #[error("rule {index} ({name:?}): a threshold needs a group-by field (a rule without one has a single group; group by something or drop the threshold)")]
    ThresholdWithoutGroup { index: usize, name: String },
    #[error("epoch_ms {0} is too short (at least {MIN_EPOCH_MS})")]
    Epoch(u64),
    #[error("rule {index} ({name:?}): a history rule's groups are its connections (both directions one group); drop the group-by on {field}")]
    HistoryGroup {
        index: usize,
        name: String,
        field: &'static str,
    },
    #[error("rule {index} ({name:?}): a history rule sees both directions of a connection, and a match on {field} would hide one of them; match on ip_proto or ingress_port only")]
    HistoryDirection {
        index: usize,
        name: String,
        field: &'static str,
    },
    #[error("rule {index} ({name:?}): Zeek's history is kept for TCP and UDP; a history rule's ip_proto must be absent, \"tcp\" or \"udp\"")]
    HistoryProto { index: usize, name: String },
    #[error("rule {index} ({name:?}): a history rule reports each connection when it ends and carries no threshold")]
    HistoryThreshold { index: usize, name: String },
    #[error("rules {first} and {second} both keep history, but the stats stage has one connection table")]
    TwoHistory { first: usize, second: usize },
}

/// Parse and check a rule file.
pub fn parse_rules(text: &str) -> Result<RuleSet, RuleError> {
    let set: RuleSet = serde_json::from_str(text)?;
    set.validate()?;
    Ok(set)
}

impl RuleSet {
    /// Whole-file checks serde cannot make field by field. Rules are numbered from 1.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.epoch_ms < MIN_EPOCH_MS {
            return Err(RuleError::Epoch(self.epoch_ms));
        }
        if self.rules.len() > MAX_RULES {
            return Err(RuleError::TooMany {
                count: self.rules.len(),
                name: self.rules[MAX_RULES].name.clone(),
            });
        }
        for (i, r) in self.rules.iter().enumerate() {
            let index = i + 1;
            if r.name.is_empty() || r.name.len() > MAX_NAME_BYTES {
                return Err(RuleError::BadName {
                    index,
                    name: r.name.clone(),
                });
            }
            if let Some(j) = self.rules[..i].iter().position(|o| o.name == r.name) {
                return Err(RuleError::DuplicateName {
                    first: j + 1,
                    second: index,
                    name: r.name.clone(),
                });
            }
            if r.threshold.is_some() && !r.groups() && !r.history {
                return Err(RuleError::ThresholdWithoutGroup {
                    index,
                    name: r.name.clone(),
                });
            }
            if r.history {
                r.check_history(index)?;
                if let Some(j) = self.rules[..i].iter().position(|o| o.history) {
                    return Err(RuleError::TwoHistory {
                        first: j + 1,
                        second: index,
                    });
                }
            }
        }
        Ok(())
    }

    /// The rule that keeps connection history, by index.
    pub fn history_rule(&self) -> Option<usize> {
        self.rules.iter().position(|r| r.history)
    }
}

impl Rule {
    /// The fields by name, with whether they group and whether they match (not a wildcard).
    fn field_uses(&self) -> [(&'static str, bool, bool); 7] {
        fn num<T>(f: &Field<T>) -> (bool, bool) {
            (
                matches!(f, Field::Group { .. }),
                matches!(f, Field::Match { .. }),
            )
        }
        let addr = |f: &AddrField| {
            (
                matches!(f, AddrField::Group { .. }),
                matches!(f, AddrField::Match { .. }),
            )
        };
        let uses = [
            ("ingress_port", num(&self.ingress_port)),
            ("src_ip", addr(&self.src_ip)),
            ("dst_ip", addr(&self.dst_ip)),
            ("src_port", num(&self.src_port)),
            ("dst_port", num(&self.dst_port)),
            ("ip_proto", num(&self.ip_proto)),
            ("tcp_flags", num(&self.tcp_flags)),
        ];
        uses.map(|(n, (g, m))| (n, g, m))
    }

    /// A history rule groups by nothing (its groups are connections), matches only fields both
    /// directions share, keeps TCP or UDP, and has no threshold.
    fn check_history(&self, index: usize) -> Result<(), RuleError> {
        let name = self.name.clone();
        for (field, group, matched) in self.field_uses() {
            if group {
                return Err(RuleError::HistoryGroup { index, name, field });
            }
            if matched && !matches!(field, "ingress_port" | "ip_proto") {
                return Err(RuleError::HistoryDirection { index, name, field });
            }
        }
        let tcp_or_udp = |v: u8| v == 6 || v == 17;
        match self.ip_proto {
            Field::Any => {}
            Field::Match { value, mask: 0xff } if tcp_or_udp(value) => {}
            _ => return Err(RuleError::HistoryProto { index, name }),
        }
        if self.threshold.is_some() {
            return Err(RuleError::HistoryThreshold { index, name });
        }
        Ok(())
    }

    /// Whether any field groups.
    pub fn groups(&self) -> bool {
        self.field_uses().iter().any(|&(_, group, _)| group)
    }
}

// ---- field syntax -------------------------------------------------------------------------------
//
//  absent or "any"            Any
//  "group"                    Group, whole field
//  {"group": M}               Group under mask M (ports, protocol, flags)
//  N  or "0xNN"               Match exactly
//  {"match": V, "mask": M}    Match under a mask
//  addresses: "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" (a /32 or /128) to match;
//             "group", {"group": {"v4": 24, "v6": 64}} to group by prefix (defaults 32 and 128)
//  ip_proto also takes "tcp", "udp", "icmp", "icmpv6"; tcp_flags also "SYN !ACK" (set / clear)

fn nonzero<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(de::Error::custom(
            "a threshold of 0 would fire on every frame; use at least 1",
        ));
    }
    Ok(Some(v))
}

fn number<T: TryFrom<u64>>(v: &serde_json::Value, what: &str) -> Result<T, String> {
    let n = match v {
        serde_json::Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("{what}: {n} is not a non-negative integer"))?,
        serde_json::Value::String(s) => {
            let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.map_err(|_| format!("{what}: {s:?} is not a number (decimal or 0x hex)"))?
        }
        other => return Err(format!("{what}: expected a number, found {other}")),
    };
    T::try_from(n).map_err(|_| {
        format!(
            "{what}: {n} does not fit the field ({} bits)",
            8 * std::mem::size_of::<T>()
        )
    })
}

fn numeric_field<T: TryFrom<u64> + Copy + std::ops::Not<Output = T> + Default>(
    v: serde_json::Value,
    what: &str,
    named: impl Fn(&str) -> Option<Field<T>>,
) -> Result<Field<T>, String> {
    let all = !T::default();
    match &v {
        serde_json::Value::String(s) if s == "any" => Ok(Field::Any),
        serde_json::Value::String(s) if s == "group" => Ok(Field::Group { mask: all }),
        serde_json::Value::String(s) if named(s).is_some() => Ok(named(s).unwrap_or_default()),
        serde_json::Value::Object(m) => {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            match keys.as_slice() {
                ["group"] => Ok(Field::Group { mask: number(&m["group"], what)? }),
                ["mask", "match"] | ["match", "mask"] => {
                    Ok(Field::Match { value: number(&m["match"], what)?, mask: number(&m["mask"], what)? })
                }
                _ => Err(format!("{what}: expected {{\"match\": V, \"mask\": M}} or {{\"group\": M}}, found keys {keys:?}")),
            }
        }
        _ => Ok(Field::Match {
            value: number(&v, what)?,
            mask: all,
        }),
    }
}

fn field_u8<'de, D: Deserializer<'de>>(d: D) -> Result<Field<u8>, D::Error> {
    numeric_field(serde_json::Value::deserialize(d)?, "ingress_port", |_| None)
        .map_err(de::Error::custom)
}

fn field_u16<'de, D: Deserializer<'de>>(d: D) -> Result<Field<u16>, D::Error> {
    numeric_field(serde_json::Value::deserialize(d)?, "port", |_| None).map_err(de::Error::custom)
}

fn field_proto<'de, D: Deserializer<'de>>(d: D) -> Result<Field<u8>, D::Error> {
    let named = |s: &str| {
        let n = match s {
            "icmp" => 1,
            "tcp" => 6,
            "udp" => 17,
            "icmpv6" => 58,
            _ => return None,
        };
        Some(Field::Match {
            value: n,
            mask: 0xFF,
        })
    };
    numeric_field(serde_json::Value::deserialize(d)?, "ip_proto", named).map_err(de::Error::custom)
}

fn field_flags<'de, D: Deserializer<'de>>(d: D) -> Result<Field<u8>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    if let serde_json::Value::String(s) = &v {
        if s.split_whitespace().next().is_some_and(|w| {
            w.trim_start_matches('!')
                .chars()
                .all(|c| c.is_ascii_alphabetic())
        }) && s != "any"
            && s != "group"
        {
            return flag_words(s).map_err(de::Error::custom);
        }
    }
    numeric_field(v, "tcp_flags", |_| None).map_err(de::Error::custom)
}

/// "SYN !ACK": SYN set, ACK clear, the rest ignored.
fn flag_words(s: &str) -> Result<Field<u8>, String> {
    let (mut value, mut mask) = (0u8, 0u8);
    for word in s.split_whitespace() {
        let (clear, name) = match word.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, word),
        };
        let bit = TCP_FLAG_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, b)| *b)
            .ok_or_else(|| format!("tcp_flags: unknown flag {name:?} (known: FIN SYN RST PSH ACK URG ECE CWR, ! for clear)"))?;
        mask |= bit;
        if !clear {
            value |= bit;
        }
    }
    Ok(Field::Match { value, mask })
}

fn addr_field<'de, D: Deserializer<'de>>(d: D) -> Result<AddrField, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    parse_addr_field(&v).map_err(de::Error::custom)
}

fn parse_addr_field(v: &serde_json::Value) -> Result<AddrField, String> {
    match v {
        serde_json::Value::String(s) if s == "any" => Ok(AddrField::Any),
        serde_json::Value::String(s) if s == "group" => Ok(AddrField::Group { v4_prefix: 32, v6_prefix: 128 }),
        serde_json::Value::String(s) => parse_net(s),
        serde_json::Value::Object(m) if m.len() == 1 && m.contains_key("group") => {
            let g = &m["group"];
            let obj = g.as_object().ok_or_else(|| format!("address group: expected {{\"v4\": N, \"v6\": N}}, found {g}"))?;
            if let Some(k) = obj.keys().find(|k| *k != "v4" && *k != "v6") {
                return Err(format!("address group: unknown key {k:?} (expected \"v4\" and/or \"v6\")"));
            }
            let prefix = |key: &str, max: u8, default: u8| -> Result<u8, String> {
                match obj.get(key) {
                    None => Ok(default),
                    Some(p) => {
                        let n: u8 = number(p, "address group prefix")?;
                        if n > max {
                            return Err(format!("address group: {key} prefix length {n} is longer than {max}"));
                        }
                        Ok(n)
                    }
                }
            };
            Ok(AddrField::Group { v4_prefix: prefix("v4", 32, 32)?, v6_prefix: prefix("v6", 128, 128)? })
        }
        other => Err(format!("address: expected \"any\", \"group\", a network like \"10.0.0.0/8\" or {{\"group\": ...}}, found {other}")),
    }
}

/// "10.0.0.0/8", "2001:db8::/32", or a single address.
fn parse_net(s: &str) -> Result<AddrField, String> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let net: IpAddr = addr
        .parse()
        .map_err(|_| format!("address: {addr:?} is not an IPv4 or IPv6 address"))?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    let prefix = match len {
        None => max,
        Some(l) => {
            let n: u8 = l
                .parse()
                .map_err(|_| format!("address: prefix length {l:?} in {s:?} is not a number"))?;
            if n > max {
                return Err(format!(
                    "address: prefix length {n} in {s:?} is longer than {max}"
                ));
            }
            n
        }
    };
    if host_bits(net, prefix) {
        return Err(format!("address: {s:?} has bits set past its /{prefix} prefix (did you mean the network address?)"));
    }
    Ok(AddrField::Match { net, prefix })
}

fn host_bits(net: IpAddr, prefix: u8) -> bool {
    let (bits, width): (u128, u32) = match net {
        IpAddr::V4(a) => (u32::from(a) as u128, 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    let host = width - u32::from(prefix);
    // A /0 IPv6 network has 128 host bits: the mask is every bit (a plain shift would overflow).
    let mask = 1u128.checked_shl(host).map_or(u128::MAX, |b| b - 1);
    bits & mask != 0
}

impl fmt::Display for AddrField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrField::Any => write!(f, "any"),
            AddrField::Match { net, prefix } => write!(f, "{net}/{prefix}"),
            AddrField::Group {
                v4_prefix,
                v6_prefix,
            } => write!(f, "group /{v4_prefix} (v4) /{v6_prefix} (v6)"),
        }
    }
}

impl<T: fmt::LowerHex> fmt::Display for Field<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Any => write!(f, "any"),
            Field::Match { value, mask } => write!(f, "0x{value:x}/0x{mask:x}"),
            Field::Group { mask } => write!(f, "group 0x{mask:x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_1_of_the_paper() {
        let set = parse_rules(FIGURE1).unwrap();
        assert_eq!(set.rules.len(), 2);
        let r1 = &set.rules[0];
        assert_eq!(
            r1.dst_port,
            Field::Match {
                value: 22,
                mask: 0xFFFF
            }
        );
        assert_eq!(
            r1.src_ip,
            AddrField::Group {
                v4_prefix: 32,
                v6_prefix: 128
            }
        );
        assert_eq!(
            r1.threshold,
            Some(Threshold {
                packets: Some(100),
                bytes: None
            })
        );
        let r2 = &set.rules[1];
        assert_eq!(
            r2.src_ip,
            AddrField::Match {
                net: "10.0.0.0".parse().unwrap(),
                prefix: 8
            }
        );
        assert_eq!(
            r2.tcp_flags,
            Field::Match {
                value: 0x02,
                mask: 0x12
            }
        );
        assert!(r2.first && !r1.first);
    }

    fn err(text: &str) -> String {
        parse_rules(text).unwrap_err().to_string()
    }

    fn one_rule(rule: &str) -> String {
        format!(r#"{{"epoch_ms": 1000, "rules": [{rule}]}}"#)
    }

    #[test]
    fn a_history_rule_keeps_tcp_or_udp_connections_of_both_directions() {
        let ok = parse_rules(&one_rule(
            r#"{"name": "tcp conns", "history": true, "ip_proto": "tcp", "ingress_port": 1}"#,
        ))
        .unwrap();
        assert_eq!(ok.history_rule(), Some(0));
        for (rule, says) in [
            (
                r#"{"name": "h", "history": true, "src_ip": "group"}"#,
                "drop the group-by on src_ip",
            ),
            (
                r#"{"name": "h", "history": true, "dst_port": 22}"#,
                "a match on dst_port would hide one of them",
            ),
            (
                r#"{"name": "h", "history": true, "tcp_flags": "SYN"}"#,
                "a match on tcp_flags",
            ),
            (
                r#"{"name": "h", "history": true, "ip_proto": "icmp"}"#,
                "must be absent, \"tcp\" or \"udp\"",
            ),
            (
                r#"{"name": "h", "history": true, "ip_proto": {"match": 6, "mask": 4}}"#,
                "must be absent",
            ),
            (
                r#"{"name": "h", "history": true, "threshold": {"packets": 5}}"#,
                "carries no threshold",
            ),
        ] {
            let e = err(&one_rule(rule));
            assert!(
                e.contains(says) && e.contains("rule 1 (\"h\")"),
                "{rule}: {e}"
            );
        }
        let two = err(
            r#"{"epoch_ms": 1, "rules": [{"name": "a", "history": true}, {"name": "b", "src_ip": "group"}, {"name": "c", "history": true}]}"#,
        );
        assert_eq!(
            two,
            "rules 1 and 3 both keep history, but the stats stage has one connection table"
        );
    }

    fn one(rule: &str) -> String {
        format!("{{\"epoch_ms\": 1000, \"rules\": [\n  {rule}\n]}}")
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = err(&one(r#"{"name": "a", "src_ip": "10.0.0.0/33"}"#));
        assert!(
            e.contains("prefix length 33") && e.contains("line 2"),
            "{e}"
        );
        let e = err(&one(r#"{"name": "a", "dst_prot": 22}"#));
        assert!(
            e.contains("unknown field `dst_prot`") && e.contains("line 2"),
            "{e}"
        );
        let e = err(&one(
            r#"{"name": "a", "src_ip": "group", "threshold": {"history": 3}}"#,
        ));
        assert!(
            e.contains("unknown field `history`, expected `packets` or `bytes`"),
            "{e}"
        );
        let e = err(&one(r#"{"name": "a", "dst_port": 70000}"#));
        assert!(e.contains("does not fit"), "{e}");
        let e = err(&one(r#"{"name": "a", "tcp_flags": "SYN !AKC"}"#));
        assert!(e.contains("unknown flag \"AKC\""), "{e}");
        let e = err(&one(r#"{"name": "a", "src_ip": "10.1.2.3/8"}"#));
        assert!(e.contains("bits set past its /8"), "{e}");
        let e = err(&one(
            r#"{"name": "a", "dst_port": 22, "threshold": {"packets": 5}}"#,
        ));
        assert!(e.contains("needs a group-by field"), "{e}");
        let e = err(&one(
            r#"{"name": "a", "src_ip": "group", "threshold": {"bytes": 0}}"#,
        ));
        assert!(e.contains("threshold of 0"), "{e}");
    }

    #[test]
    fn too_many_and_duplicates() {
        let rules: Vec<String> = (0..=MAX_RULES)
            .map(|i| format!(r#"{{"name": "r{i}"}}"#))
            .collect();
        let e = err(&format!(
            "{{\"epoch_ms\": 1, \"rules\": [{}]}}",
            rules.join(",")
        ));
        assert!(e.contains("33 rules") && e.contains("\"r32\""), "{e}");
        let e = err(r#"{"epoch_ms": 1, "rules": [{"name": "x"}, {"name": "x"}]}"#);
        assert!(e.contains("rules 1 and 2 are both named \"x\""), "{e}");
    }

    #[test]
    fn forms_of_fields() {
        let set = parse_rules(&one(
            r#"{"name": "a", "ip_proto": "udp", "src_port": {"group": "0xff00"}, "dst_ip": {"group": {"v4": 24, "v6": 64}},
                "tcp_flags": {"match": "0x02", "mask": 18}, "ingress_port": "any"}"#,
        ))
        .unwrap();
        let r = &set.rules[0];
        assert_eq!(
            r.ip_proto,
            Field::Match {
                value: 17,
                mask: 0xFF
            }
        );
        assert_eq!(r.src_port, Field::Group { mask: 0xFF00 });
        assert_eq!(
            r.dst_ip,
            AddrField::Group {
                v4_prefix: 24,
                v6_prefix: 64
            }
        );
        assert_eq!(
            r.tcp_flags,
            Field::Match {
                value: 2,
                mask: 0x12
            }
        );
        assert_eq!(r.ingress_port, Field::Any);
        let v6 = parse_rules(&one(r#"{"name": "b", "src_ip": "2001:db8::/32"}"#)).unwrap();
        assert_eq!(v6.rules[0].src_ip.to_string(), "2001:db8::/32");
    }
}
