//! Shared by the integration tests: an oracle built on etherparse (an independent parser) that
//! says what our parse must report for a frame, or why the frame is outside what it can judge.

#![allow(dead_code)]

use etherparse::{Ipv6ExtensionSlice, NetSlice, SlicedPacket, TransportSlice};
use vantage_model::Meta;
use vantage_proto::datapath::{MAX_IPV6_EXT_HEADERS, PARSE_WINDOW_BYTES};
use vantage_proto::flags::ParseFlags;
use vantage_proto::flowhash::{flow_hash, ipv4_as_16, KEY_BYTES};

/// What the comparison found for one frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every field etherparse gives matched.
    Equal,
    /// A first fragment: etherparse stops at IP, so only the IP fields were compared.
    EqualIpOnly,
    Mismatch(String),
    /// Outside what the oracle can judge, with the reason.
    Skip(&'static str),
}

/// The transport header as etherparse sliced it.
enum Transport {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
    },
    Udp {
        sport: u16,
        dport: u16,
    },
    Icmp,
}

/// What etherparse says about a frame.
struct Expect {
    l3: usize,
    v6: bool,
    src: [u8; 16],
    dst: [u8; 16],
    proto: u8,
    /// etherparse: MF set or offset non-zero.
    fragmented: bool,
    /// A non-zero fragment offset (the spec's FRAGMENT).
    later_fragment: bool,
    transport: Option<Transport>,
}

fn offset(base: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize)
}

/// etherparse's view of `frame`, or why it cannot be compared.
fn expect(frame: &[u8]) -> Result<Expect, &'static str> {
    let sp = SlicedPacket::from_ethernet(frame).map_err(|_| "etherparse rejects the frame")?;
    let net = sp
        .net
        .as_ref()
        .ok_or("not IP for etherparse (non-IP EtherType, MPLS, 3+ VLAN tags)")?;
    let mut e = match net {
        NetSlice::Ipv4(s) => {
            if !s.extensions().is_empty() {
                return Err("IPsec AH (outside the spec)");
            }
            let h = s.header();
            Expect {
                l3: offset(frame, h.slice()),
                v6: false,
                src: ipv4_as_16(h.source()),
                dst: ipv4_as_16(h.destination()),
                proto: s.payload().ip_number.0,
                fragmented: s.payload().fragmented,
                later_fragment: h.fragments_offset().value() != 0,
                transport: None,
            }
        }
        NetSlice::Arp(_) => return Err("ARP (not IP)"),
        NetSlice::Ipv6(s) => {
            let exts: Vec<Ipv6ExtensionSlice> = s.extensions().clone().into_iter().collect();
            if exts
                .iter()
                .any(|x| matches!(x, Ipv6ExtensionSlice::Authentication(_)))
            {
                return Err("IPsec AH (outside the spec)");
            }
            if exts.len() > MAX_IPV6_EXT_HEADERS {
                return Err("more IPv6 extension headers than the spec walks");
            }
            let fragment = exts.iter().find_map(|x| match x {
                Ipv6ExtensionSlice::Fragment(f) => {
                    Some((f.fragment_offset().value(), f.next_header().0))
                }
                _ => None,
            });
            // Past a fragment header with a non-zero offset comes fragment data, not headers
            // (RFC 8200 4.5); etherparse walks on regardless. The protocol is the fragment
            // header's next header then.
            let fragment_next = fragment.map(|f| f.1);
            let later_fragment = fragment.is_some_and(|f| f.0 != 0);
            let h = s.header();
            Expect {
                l3: offset(frame, h.slice()),
                v6: true,
                src: h.source(),
                dst: h.destination(),
                proto: if later_fragment {
                    fragment_next.unwrap_or(0)
                } else {
                    s.payload().ip_number.0
                },
                fragmented: s.payload().fragmented,
                later_fragment,
                transport: None,
            }
        }
    };
    let header_end = match &sp.transport {
        Some(TransportSlice::Tcp(t)) => {
            let hs = t.header_slice();
            e.transport = Some(Transport::Tcp {
                sport: t.source_port(),
                dport: t.destination_port(),
                seq: t.sequence_number(),
                ack: t.acknowledgment_number(),
                flags: hs[13],
                window: t.window_size(),
            });
            offset(frame, hs) + hs.len()
        }
        Some(TransportSlice::Udp(u)) => {
            e.transport = Some(Transport::Udp {
                sport: u.source_port(),
                dport: u.destination_port(),
            });
            offset(frame, u.header_slice()) + u.header_slice().len()
        }
        Some(TransportSlice::Icmpv4(i)) => {
            e.transport = Some(Transport::Icmp);
            offset(frame, i.slice()) + i.header_len()
        }
        Some(TransportSlice::Icmpv6(i)) => {
            e.transport = Some(Transport::Icmp);
            offset(frame, i.slice()) + i.header_len()
        }
        // IGMP: ours is an IP protocol without ports, as any other.
        Some(TransportSlice::Igmp(_)) | None => offset(
            frame,
            net.ip_payload_ref()
                .map_or(&frame[frame.len()..], |p| p.payload),
        ),
    };
    if header_end > PARSE_WINDOW_BYTES {
        return Err("headers end past 128 bytes");
    }
    Ok(e)
}

/// Compare our parse of `frame` (`meta`, made with `key`) with etherparse.
pub fn compare(frame: &[u8], meta: &Meta, key: &[u8; KEY_BYTES]) -> Verdict {
    let e = match expect(frame) {
        Ok(e) => e,
        Err(reason) => return Verdict::Skip(reason),
    };
    let mut diffs = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            diffs.push(format!("{what}: {detail}"));
        }
    };
    let f = meta.flags;
    let ip_flag = if e.v6 {
        ParseFlags::IPV6
    } else {
        ParseFlags::IPV4
    };
    check("ip version flag", f.has(ip_flag), f.describe());
    check(
        "l3 offset",
        meta.l3_offset as usize == e.l3,
        format!("ours {} etherparse {}", meta.l3_offset, e.l3),
    );
    check(
        "src",
        meta.src == e.src,
        format!("ours {:?} etherparse {:?}", meta.src, e.src),
    );
    check(
        "dst",
        meta.dst == e.dst,
        format!("ours {:?} etherparse {:?}", meta.dst, e.dst),
    );
    check(
        "protocol",
        meta.ip_proto == e.proto,
        format!("ours {} etherparse {}", meta.ip_proto, e.proto),
    );
    check(
        "fragment flag",
        f.has(ParseFlags::FRAGMENT) == e.later_fragment,
        f.describe(),
    );
    // A first fragment: etherparse stops at IP, we go on into the transport header, which may be
    // cut short or lie past the window; only failures at or before IP are wrong then.
    let ip_only = e.transport.is_none() && e.fragmented && !e.later_fragment;
    let mut hard = ParseFlags::BAD_IHL | ParseFlags::L3_UNKNOWN | ParseFlags::MPLS_DEEP;
    if !ip_only {
        hard |= ParseFlags::TRUNCATED | ParseFlags::DEEP;
    }
    check("no parse failure", f.0 & hard == 0, f.describe());
    let (mut sport, mut dport) = (0, 0);
    match &e.transport {
        Some(Transport::Tcp {
            sport: s,
            dport: d,
            seq,
            ack,
            flags,
            window,
        }) => {
            (sport, dport) = (*s, *d);
            let t = meta.tcp.unwrap_or_default();
            check(
                "tcp parsed",
                meta.tcp.is_some() && f.has(ParseFlags::PORTS),
                f.describe(),
            );
            check(
                "ports",
                (meta.sport, meta.dport) == (*s, *d),
                format!("ours {}:{} etherparse {s}:{d}", meta.sport, meta.dport),
            );
            check(
                "tcp seq/ack",
                (t.seq, t.ack) == (*seq, *ack),
                format!("ours {}/{} etherparse {seq}/{ack}", t.seq, t.ack),
            );
            check(
                "tcp flags",
                t.flags == *flags,
                format!("ours {:#x} etherparse {flags:#x}", t.flags),
            );
            check(
                "tcp window",
                t.window == *window,
                format!("ours {} etherparse {window}", t.window),
            );
        }
        Some(Transport::Udp { sport: s, dport: d }) => {
            (sport, dport) = (*s, *d);
            check(
                "udp ports",
                f.has(ParseFlags::PORTS) && (meta.sport, meta.dport) == (*s, *d),
                format!("ours {}:{} etherparse {s}:{d}", meta.sport, meta.dport),
            );
            check("no tcp", meta.tcp.is_none(), String::new());
        }
        Some(Transport::Icmp) => {
            check(
                "icmp: no ports",
                !f.has(ParseFlags::PORTS) && f.0 & ParseFlags::L4_UNKNOWN == 0,
                f.describe(),
            );
        }
        None if ip_only => {}
        None if e.fragmented => check(
            "later fragment: no ports",
            !f.has(ParseFlags::PORTS),
            f.describe(),
        ),
        None => check(
            "unknown transport",
            f.has(ParseFlags::L4_UNKNOWN) && !f.has(ParseFlags::PORTS),
            f.describe(),
        ),
    }
    if !ip_only {
        let hash = flow_hash(key, (e.src, sport), (e.dst, dport));
        check(
            "flow hash",
            meta.hash == hash,
            format!("ours {:#x} expected {hash:#x}", meta.hash),
        );
    }
    if !diffs.is_empty() {
        Verdict::Mismatch(diffs.join("; "))
    } else if ip_only {
        Verdict::EqualIpOnly
    } else {
        Verdict::Equal
    }
}
