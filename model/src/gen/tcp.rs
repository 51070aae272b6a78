//! Generated TCP connections for the conn stage: scans, handshakes, refusals, retransmitted SYNs,
//! simultaneous opens, a new ISN, SYNs with data, answers that come after the timeout; as
//! (time in ns, frame) lists, built with [`super::build`].
//!
//! ```text
//!  connection k: originator 10.k.k.k (or 2001:db8::k) port 1024+k ─► responder port 22/80/443/..
//!  SYN (seq = isn, 20 bytes of options like Linux's: 74 bytes over IPv4, 94 over IPv6)
//!   └─ then the script: retransmissions `RETRANS_GAP_NS` apart, an answer after `delay_ns`, ...
//! ```

use super::{build, FrameSpec, Link, Net, Transport, V6Exts};
use proptest::collection::vec;
use proptest::prelude::*;
use vantage_proto::axis::LaneFrame;
use vantage_proto::conn::tcp_flags::{ACK, FIN, RST, SYN};

/// Time between two retransmissions of a generated SYN.
pub const RETRANS_GAP_NS: u64 = 20_000;
/// Options a generated SYN carries: MSS, SACK permitted, timestamps, NOP, window scale.
const SYN_OPTIONS: [u8; 20] = [
    2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
];

/// One side of a connection: address (IPv4 in bytes 12..16) and port.
pub type Endpoint = ([u8; 16], u16);

/// What a generated connection does after its first SYN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    /// No answer (a scan).
    Unanswered,
    /// SYN-ACK after `delay_ns`, then ACK, a data segment each way, FIN both ways.
    Handshake { delay_ns: u64 },
    /// RST-ACK after `delay_ns` (a closed port).
    Refused { delay_ns: u64 },
    /// The responder sends its own SYN after `delay_ns`, then both SYN-ACK.
    Simultaneous { delay_ns: u64 },
    /// The originator sends a SYN with a new ISN after `delay_ns`, unanswered.
    NewIsn { delay_ns: u64 },
    /// The originator sends data (no SYN) after `delay_ns`, unanswered.
    DataAfterSyn { delay_ns: u64 },
}

/// A generated connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnSpec {
    pub v6: bool,
    pub orig: Endpoint,
    pub resp: Endpoint,
    pub isn: u32,
    pub start_ns: u64,
    /// Payload on the SYN (TCP Fast Open); over `HOLD_BYTES` in all the stage lets it pass.
    pub syn_payload: usize,
    /// Retransmissions of the first SYN, `RETRANS_GAP_NS` apart; those that would come after
    /// the script's first other frame are not sent (an answered client stops retransmitting).
    pub retrans: u8,
    pub script: Script,
}

/// Connection `k`'s endpoints: distinct for every `k`.
pub fn endpoints(k: u32, v6: bool, resp_port: u16) -> (Endpoint, Endpoint) {
    let mut orig = [0u8; 16];
    let mut resp = [0u8; 16];
    if v6 {
        orig[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        resp[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        resp[15] = 1;
    } else {
        orig[12] = 10;
        resp[12..].copy_from_slice(&[192, 168, 0, 1]);
    }
    orig[13..16].copy_from_slice(&k.to_be_bytes()[1..]);
    ((orig, 1024 + (k % 60_000) as u16), (resp, resp_port))
}

/// One TCP segment from `from` to `to`.
pub fn segment(
    v6: bool,
    from: Endpoint,
    to: Endpoint,
    (seq, ack, flags): (u32, u32, u8),
    payload: usize,
) -> Vec<u8> {
    let options = if flags & SYN != 0 {
        SYN_OPTIONS.to_vec()
    } else {
        Vec::new()
    };
    build(&FrameSpec {
        link: Link::Plain,
        net: if v6 {
            Net::V6 {
                exts: V6Exts::default(),
            }
        } else {
            Net::V4 {
                options: Vec::new(),
                frag_offset: 0,
                more_fragments: false,
            }
        },
        transport: Transport::Tcp {
            sport: from.1,
            dport: to.1,
            seq,
            ack,
            flags,
            window: 64240,
            options,
        },
        src: from.0,
        dst: to.0,
        payload,
    })
}

/// The connection's frames with their times, in time order.
pub fn frames_of(c: &ConnSpec) -> Vec<(u64, Vec<u8>)> {
    let (o, r, v6, isn) = (c.orig, c.resp, c.v6, c.isn);
    let t = c.start_ns;
    let mut out = vec![(t, segment(v6, o, r, (isn, 0, SYN), c.syn_payload))];
    for i in 1..=u64::from(sent_retransmissions(c)) {
        out.push((
            t + i * RETRANS_GAP_NS,
            segment(v6, o, r, (isn, 0, SYN), c.syn_payload),
        ));
    }
    let (risn, data) = (isn ^ 0x5A5A_0000, c.syn_payload as u32);
    let (oseq, rseq) = (isn.wrapping_add(1 + data), risn.wrapping_add(1));
    match c.script {
        Script::Unanswered => {}
        Script::Handshake { delay_ns: d } => {
            let at = |k: u64| t + d + k * 1_000;
            out.push((at(0), segment(v6, r, o, (risn, oseq, SYN | ACK), 0)));
            out.push((at(1), segment(v6, o, r, (oseq, rseq, ACK), 0)));
            out.push((at(2), segment(v6, o, r, (oseq, rseq, ACK), 100)));
            let (o100, o101) = (oseq.wrapping_add(100), oseq.wrapping_add(101));
            let (r300, r301) = (rseq.wrapping_add(300), rseq.wrapping_add(301));
            out.push((at(3), segment(v6, r, o, (rseq, o100, ACK), 300)));
            out.push((at(4), segment(v6, o, r, (o100, r300, FIN | ACK), 0)));
            out.push((at(5), segment(v6, r, o, (r300, o101, FIN | ACK), 0)));
            out.push((at(6), segment(v6, o, r, (o101, r301, ACK), 0)));
        }
        Script::Refused { delay_ns: d } => {
            out.push((t + d, segment(v6, r, o, (0, oseq, RST | ACK), 0)));
        }
        Script::Simultaneous { delay_ns: d } => {
            out.push((t + d, segment(v6, r, o, (risn, 0, SYN), 0)));
            out.push((t + d + 1_000, segment(v6, o, r, (isn, rseq, SYN | ACK), 0)));
            out.push((t + d + 2_000, segment(v6, r, o, (risn, oseq, SYN | ACK), 0)));
        }
        Script::NewIsn { delay_ns: d } => {
            out.push((t + d, segment(v6, o, r, (isn ^ 0xFFFF, 0, SYN), 0)));
        }
        Script::DataAfterSyn { delay_ns: d } => {
            out.push((t + d, segment(v6, o, r, (oseq, 0, ACK), 40)));
        }
    }
    out.sort_by_key(|f| f.0);
    out
}

/// When the script's first frame other than the SYN and its retransmissions comes.
pub fn first_other(c: &ConnSpec) -> Option<u64> {
    match c.script {
        Script::Unanswered => None,
        Script::Handshake { delay_ns: d }
        | Script::Refused { delay_ns: d }
        | Script::Simultaneous { delay_ns: d }
        | Script::NewIsn { delay_ns: d }
        | Script::DataAfterSyn { delay_ns: d } => Some(c.start_ns + d),
    }
}

/// Retransmissions sent: those before the script's first other frame.
pub fn sent_retransmissions(c: &ConnSpec) -> u8 {
    let before =
        |i: u8| first_other(c).is_none_or(|t| c.start_ns + u64::from(i) * RETRANS_GAP_NS < t);
    (1..=c.retrans).take_while(|&i| before(i)).count() as u8
}

/// Every connection's frames merged in time order (ties keep the connections' order).
pub fn merge(conns: &[ConnSpec]) -> Vec<(u64, LaneFrame)> {
    let mut all: Vec<(u64, usize, usize, Vec<u8>)> = Vec::new();
    for (k, c) in conns.iter().enumerate() {
        for (i, (t, f)) in frames_of(c).into_iter().enumerate() {
            all.push((t, k, i, f));
        }
    }
    all.sort_by_key(|f| (f.0, f.1, f.2));
    all.into_iter()
        .map(|(t, _, _, f)| (t, LaneFrame::from_bytes(&f)))
        .collect()
}

/// A script with delays up to `max_delay_ns`.
pub fn arb_script(max_delay_ns: u64) -> impl Strategy<Value = Script> {
    let d = 0..max_delay_ns;
    prop_oneof![
        4 => Just(Script::Unanswered),
        4 => d.clone().prop_map(|delay_ns| Script::Handshake { delay_ns }),
        2 => d.clone().prop_map(|delay_ns| Script::Refused { delay_ns }),
        1 => d.clone().prop_map(|delay_ns| Script::Simultaneous { delay_ns }),
        1 => d.clone().prop_map(|delay_ns| Script::NewIsn { delay_ns }),
        1 => d.prop_map(|delay_ns| Script::DataAfterSyn { delay_ns }),
    ]
}

/// 1..`max_conns` connections starting within `span_ns`, answers within `max_delay_ns`; some
/// retransmit their SYN, some carry data on it, some are IPv6.
pub fn arb_connections(
    max_conns: usize,
    span_ns: u64,
    max_delay_ns: u64,
) -> impl Strategy<Value = Vec<ConnSpec>> {
    let one = (
        any::<bool>(),
        prop_oneof![Just(22u16), Just(80), Just(443), 1u16..1024],
        any::<u32>(),
        0..span_ns,
        prop_oneof![6 => Just(0usize), 1 => 1usize..120],
        prop_oneof![4 => Just(0u8), 1 => 1u8..4],
        arb_script(max_delay_ns),
    );
    vec(one, 1..max_conns).prop_map(|cs| {
        cs.into_iter()
            .enumerate()
            .map(
                |(k, (v6, port, isn, start_ns, syn_payload, retrans, script))| {
                    let (orig, resp) = endpoints(k as u32, v6, port);
                    ConnSpec {
                        v6,
                        orig,
                        resp,
                        isn,
                        start_ns,
                        syn_payload,
                        retrans,
                        script,
                    }
                },
            )
            .collect()
    })
}
