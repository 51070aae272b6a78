//! `vantage decode --zeek-conn`: the monitor's side of SYN offload. Every SYN the conn stage gave
//! back on its own (expired or flushed: nobody answered it) becomes the line Zeek's conn.log
//! holds for such an attempt, from the frame and its SYN tag alone: conn_state S0, history S, the
//! originator's packets counting the absorbed retransmissions.
//!
//! ```text
//!  tagged frame ─► SYN tag (why expired|flushed, retransmissions n, span) ─► strip the header
//!    ─► IP header at the FLOW tag's offset: addresses, ports, IP length L, TCP payload P
//!    ─► ts = TIMESTAMP, duration = span (unset when 0), orig_pkts = 1 + n,
//!       orig_ip_bytes = (1 + n) * L (retransmissions have the SYN's length), orig_bytes = 0
//! ```
//! A late SYN (released after its answer) is not logged here: the monitor tracked that
//! connection, having seen the answer.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use anyhow::Context;
use vantage_proto::conn::{SynInfo, Why};
use vantage_proto::header::{strip, TaggedHeader};

/// The columns, in conn.log's order (uid, local_orig/resp and tunnel_parents left out).
pub const FIELDS: [&str; 17] = [
    "ts",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
];

/// One unanswered attempt as conn.log has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub ts_ns: u64,
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
    pub span_ns: u64,
    pub pkts: u64,
    pub ip_bytes: u64,
}

impl Attempt {
    /// The attempt a tagged frame stands for, if it is a SYN given back unanswered.
    pub fn of(frame: &[u8], ethertype: u16) -> Option<Attempt> {
        let (h, original) = strip(frame, ethertype).ok()?;
        let syn: SynInfo = h.syn()?;
        if !matches!(syn.why(), Some(Why::Expired | Why::Flushed)) {
            return None;
        }
        let (orig, resp, ip_len) = endpoints(&h, &original)?;
        let pkts = 1 + u64::from(syn.retransmissions);
        Some(Attempt {
            ts_ns: h.timestamp()?,
            orig,
            resp,
            span_ns: syn.span_ns,
            pkts,
            ip_bytes: pkts * ip_len,
        })
    }

    /// The conn.log line (tab-separated, Zeek's formats: seconds with 6 decimals, '-' unset).
    pub fn line(&self) -> String {
        let secs = |ns: u64| format!("{}.{:06}", ns / 1_000_000_000, ns % 1_000_000_000 / 1_000);
        let duration = if self.span_ns == 0 {
            "-".into()
        } else {
            secs(self.span_ns)
        };
        [
            secs(self.ts_ns),
            self.orig.0.to_string(),
            self.orig.1.to_string(),
            self.resp.0.to_string(),
            self.resp.1.to_string(),
            "tcp".into(),
            "-".into(),
            duration,
            "0".into(),
            "0".into(),
            "S0".into(),
            "0".into(),
            "S".into(),
            self.pkts.to_string(),
            self.ip_bytes.to_string(),
            "0".into(),
            "0".into(),
        ]
        .join("\t")
    }
}

/// (source address, port), (destination address, port) and the IP length of a TCP or UDP frame
/// (`frame` without the Vantage header) whose IP header starts where the FLOW tag says.
pub fn endpoints(h: &TaggedHeader, frame: &[u8]) -> Option<((IpAddr, u16), (IpAddr, u16), u64)> {
    let flow = h.flow()?;
    let l3 = usize::from(flow.l3_offset);
    let ip = frame.get(l3..)?;
    let (src, dst, len, l4): (IpAddr, IpAddr, u64, usize) = match ip.first()? >> 4 {
        4 => {
            let a: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let b: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            let len = u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]);
            let ihl = usize::from(ip[0] & 0x0F) * 4;
            (
                Ipv4Addr::from(a).into(),
                Ipv4Addr::from(b).into(),
                len.into(),
                ihl,
            )
        }
        6 => {
            let a: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let b: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let plen = u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?]);
            (
                Ipv6Addr::from(a).into(),
                Ipv6Addr::from(b).into(),
                u64::from(plen) + 40,
                v6_l4_at(ip)?,
            )
        }
        _ => return None,
    };
    let ports = ip.get(l4..l4 + 4)?;
    let (sport, dport) = (
        u16::from_be_bytes([ports[0], ports[1]]),
        u16::from_be_bytes([ports[2], ports[3]]),
    );
    Some(((src, sport), (dst, dport), len))
}

/// Where the TCP or UDP header starts in an IPv6 packet: after the hop-by-hop, routing, fragment
/// and destination options headers (the chain the parse stage walks).
fn v6_l4_at(ip: &[u8]) -> Option<usize> {
    let (mut next, mut at) = (*ip.get(6)?, 40);
    for _ in 0..8 {
        match next {
            6 | 17 => return Some(at),
            44 => {
                next = *ip.get(at)?;
                at += 8;
            }
            0 | 43 | 60 => {
                next = *ip.get(at)?;
                at += (usize::from(*ip.get(at + 1)?) + 1) * 8;
            }
            _ => return None,
        }
    }
    None
}

/// Print a conn.log line for every unanswered attempt in the capture.
pub fn run(path: &Path, ethertype: u16) -> anyhow::Result<()> {
    let packets = vantage_capture::read(path)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(out, "#fields\t{}", FIELDS.join("\t")).context("writing to stdout")?;
    let mut n = 0;
    for p in &packets {
        if let Some(a) = Attempt::of(&p.data, ethertype) {
            writeln!(out, "{}", a.line()).context("writing to stdout")?;
            n += 1;
        }
    }
    out.flush().context("writing to stdout")?;
    eprintln!(
        "{n} unanswered connection attempts (SYNs given back expired or flushed) in {} frames",
        packets.len()
    );
    Ok(())
}
