//! Parse flags: what the parse stage noticed about a frame's headers.
//!
//! They travel in the metadata beside the first beat and, in version 1 of the tagged header, in
//! the FLOW tag, so the monitor sees why a frame has no flow. Bits 0..=9 are anomalies ("flagged");
//! bits 12..=14 describe what was parsed.

/// A set of parse flags (16 bits on the wire).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ParseFlags(pub u16);

impl ParseFlags {
    /// Frame shorter than 60 bytes (Ethernet minimum without FCS).
    pub const RUNT: u16 = 1 << 0;
    /// A header the frame announces ends past the end of the frame.
    pub const TRUNCATED: u16 = 1 << 1;
    /// IPv4 header length (IHL) below 5 words, or IP version field disagrees with the EtherType.
    pub const BAD_IHL: u16 = 1 << 2;
    /// `tkeep` is not contiguous from lane 0 within the parse window (or a non-last beat is partial).
    pub const KEEP_HOLE: u16 = 1 << 3;
    /// Network layer is neither IPv4 nor IPv6 (ARP, LLDP, ...).
    pub const L3_UNKNOWN: u16 = 1 << 5;
    /// Headers continue past the parse window; transport fields are not parsed.
    pub const DEEP: u16 = 1 << 6;
    /// A non-first IP fragment: no transport header.
    pub const FRAGMENT: u16 = 1 << 7;
    /// Transport protocol is none of TCP, UDP, ICMP, ICMPv6 (or an IPv6 extension header beyond
    /// the supported chain).
    pub const L4_UNKNOWN: u16 = 1 << 8;
    /// MPLS label stack deeper than `MAX_MPLS_LABELS`, or an MPLS payload that is not IP.
    pub const MPLS_DEEP: u16 = 1 << 9;
    /// Network layer is IPv4.
    pub const IPV4: u16 = 1 << 12;
    /// Network layer is IPv6.
    pub const IPV6: u16 = 1 << 13;
    /// Transport ports were parsed (TCP or UDP).
    pub const PORTS: u16 = 1 << 14;

    /// Anomaly bits: a frame with any of these set is counted as "flagged".
    pub const ANOMALIES: u16 = 0x03FF;
    /// Anomalies that make the frame malformed (rather than merely unparsed).
    pub const MALFORMED: u16 = Self::TRUNCATED | Self::BAD_IHL | Self::KEEP_HOLE;

    /// Every named flag with its short name, in bit order.
    pub const NAMES: [(u16, &'static str); 12] = [
        (Self::RUNT, "runt"),
        (Self::TRUNCATED, "truncated"),
        (Self::BAD_IHL, "bad-ihl"),
        (Self::KEEP_HOLE, "keep-hole"),
        (Self::L3_UNKNOWN, "l3-unknown"),
        (Self::DEEP, "deep"),
        (Self::FRAGMENT, "fragment"),
        (Self::L4_UNKNOWN, "l4-unknown"),
        (Self::MPLS_DEEP, "mpls-deep"),
        (Self::IPV4, "ipv4"),
        (Self::IPV6, "ipv6"),
        (Self::PORTS, "ports"),
    ];

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    pub fn is_flagged(self) -> bool {
        self.0 & Self::ANOMALIES != 0
    }

    /// Short names of the set flags, comma separated ("-" when none).
    pub fn describe(self) -> String {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, n)| *n)
            .collect();
        if names.is_empty() {
            "-".to_string()
        } else {
            names.join(",")
        }
    }
}
