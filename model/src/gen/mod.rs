//! Test traffic: frame builders and proptest strategies, for the model's tests and for the
//! RTL-vs-model tests.
//!
//! Valid frames are described by a [`FrameSpec`] and built by [`build`]: the IP packet (IPv4
//! header with options, IPv6 header with extension headers, TCP/UDP/ICMP/ICMPv6) by etherparse's
//! `PacketBuilder`, an implementation independent of the parser under test; the link layer from
//! etherparse's header types, and MPLS labels (which etherparse does not build) by hand.
//!
//! ```text
//!  built frame:
//!  +-----------+-----------+-----------------+-----------------+---------------+-----------+-----
//!  | dst MAC 6 | src MAC 6 | EtherType / TPID| VLAN tags 0..2  | MPLS labels   | IP header | L4 ..
//!  |           |           |   (2 bytes)     | (4 bytes each)  | 0..4 (4 each) | (+exts)   |
//!  +-----------+-----------+-----------------+-----------------+---------------+-----------+-----
//!  FrameSpec::l3_offset() = 14 + 4 * (VLAN tags + MPLS labels); frames are padded to 60 bytes.
//! ```
//!
//! Malformed frames are made by hand from valid ones (cut short, IHL or version overwritten,
//! lanes cleared, `tuser` set, made oversize) or are random bytes. [`arb_frame_beats`] adds what
//! a [`LaneFrame`] cannot express (empty last beats, data under holes); [`arb_traffic`] spreads
//! frames over cycles with gaps between frames and inside them.

pub mod tcp;

use etherparse::{
    EtherType, Ethernet2Header, IpFragOffset, IpHeaders, IpNumber, Ipv4Header, Ipv4Options,
    Ipv6Extensions, Ipv6FragmentHeader, Ipv6Header, Ipv6RawExtHeader, Ipv6RoutingExtensions,
    PacketBuilder, SingleVlanHeader, TcpHeader, VlanId,
};
use proptest::collection::vec;
use proptest::prelude::*;
use vantage_proto::axis::{Beat, LaneFrame, TimedBeat};
use vantage_proto::datapath::{BEAT_BYTES, MAX_FRAME_BYTES, MIN_FRAME_BYTES};

/// EtherType of MPLS unicast.
const ETHERTYPE_MPLS: u16 = 0x8847;
/// TPIDs a generated VLAN tag may use (802.1Q, 802.1ad, old QinQ).
const VLAN_TPIDS: [u16; 3] = [0x8100, 0x88A8, 0x9100];
/// Bytes of the Ethernet header with its EtherType.
const ETHERNET_BYTES: usize = 14;
/// Bytes of a VLAN tag or an MPLS label.
const TAG_BYTES: usize = 4;
/// Largest payload a valid generated frame carries, so headers + payload stay within
/// `MAX_FRAME_BYTES` (the largest header stack built here is under 320 bytes).
const MAX_VALID_PAYLOAD: usize = MAX_FRAME_BYTES - 320;

/// The link layer of a generated frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II.
    Plain,
    /// One VLAN tag under this TPID.
    Vlan { tpid: u16, vid: u16 },
    /// Two VLAN tags (outer TPID, inner TPID).
    QinQ { outer: u16, inner: u16, vid: u16 },
    /// `labels` MPLS labels (1..=8; the parser walks at most 4), after an optional VLAN tag.
    Mpls { labels: u8, vlan: bool },
    /// An optional Cisco FabricPath header (outer MACs, 0x8903, FTag/TTL, inner MACs), then
    /// these tags in order: VLAN TPIDs (4 bytes each), 0x8926 VN-tags (6 bytes each) or 0x88E7
    /// PBB I-tags (18 bytes each), then optionally a PPPoE session header (8 bytes).
    Stack {
        fabric_path: bool,
        tags: Vec<u16>,
        pppoe: bool,
    },
}

/// EtherType of an 802.1ah PBB I-tag.
pub const ETHERTYPE_PBB: u16 = 0x88E7;
/// EtherType of a PPPoE session.
pub const ETHERTYPE_PPPOE: u16 = 0x8864;

/// Bytes a link tag takes, its next EtherType included.
fn tag_bytes(tpid: u16) -> usize {
    match tpid {
        ETHERTYPE_VNTAG => 6,
        ETHERTYPE_PBB => 18,
        _ => TAG_BYTES,
    }
}

/// EtherType of a Cisco VN-tag.
pub const ETHERTYPE_VNTAG: u16 = 0x8926;
/// EtherType of Cisco FabricPath.
pub const ETHERTYPE_FABRICPATH: u16 = 0x8903;

/// IPv6 extension headers, in the order RFC 8200 (and etherparse) writes them. The `u8` of an
/// options/routing header is its length field (the header is `8*(n+1)` bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct V6Exts {
    pub hop_by_hop: Option<u8>,
    pub dest_options: Option<u8>,
    pub routing: Option<u8>,
    /// Fragment offset (in 8-byte units) and the more-fragments bit.
    pub fragment: Option<(u16, bool)>,
    /// Destination options after the routing header (only written with `routing`).
    pub final_dest_options: Option<u8>,
}

/// The network layer of a generated frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Net {
    /// IPv4 with `options` (a multiple of 4, at most 40 bytes) and fragment fields.
    V4 {
        options: Vec<u8>,
        frag_offset: u16,
        more_fragments: bool,
    },
    V6 {
        exts: V6Exts,
    },
}

/// The transport layer of a generated frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TCP; `flags` are the 8 bits CWR..FIN; `options` a multiple of 4, at most 40 bytes.
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        options: Vec<u8>,
    },
    Udp {
        sport: u16,
        dport: u16,
    },
    /// ICMP echo request in IPv4, ICMPv6 echo request in IPv6.
    Icmp,
    /// Any other protocol number: the payload follows the IP headers directly.
    Other(u8),
}

/// A valid frame to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameSpec {
    pub link: Link,
    pub net: Net,
    pub transport: Transport,
    /// Source address; IPv4 uses bytes 12..16.
    pub src: [u8; 16],
    /// Destination address; IPv4 uses bytes 12..16.
    pub dst: [u8; 16],
    /// Payload bytes after the transport header.
    pub payload: usize,
}

impl FrameSpec {
    /// Where the IP header starts in the built frame.
    pub fn l3_offset(&self) -> usize {
        let tags = match &self.link {
            Link::Plain => 0,
            Link::Vlan { .. } => 1,
            Link::QinQ { .. } => 2,
            Link::Mpls { labels, vlan } => *labels as usize + *vlan as usize,
            Link::Stack {
                fabric_path,
                tags,
                pppoe,
            } => {
                let fp = if *fabric_path { 16 } else { 0 };
                let bytes: usize = tags.iter().map(|t| tag_bytes(*t)).sum();
                return ETHERNET_BYTES + fp + bytes + if *pppoe { 8 } else { 0 };
            }
        };
        ETHERNET_BYTES + TAG_BYTES * tags
    }
}

/// Build the frame `spec` describes (padded with zeros to 60 bytes).
pub fn build(spec: &FrameSpec) -> Vec<u8> {
    let ip = ip_packet(spec);
    let mut frame = link_bytes(&spec.link, &ip);
    frame.extend_from_slice(&ip);
    if frame.len() < MIN_FRAME_BYTES {
        frame.resize(MIN_FRAME_BYTES, 0);
    }
    frame
}

/// The bytes before the IP header.
fn link_bytes(link: &Link, ip: &[u8]) -> Vec<u8> {
    let ip_type = if ip.first().map(|b| b >> 4) == Some(6) {
        EtherType::IPV6
    } else {
        EtherType::IPV4
    };
    let eth = |ether_type: u16| Ethernet2Header {
        source: [0x02, 0, 0, 0, 0, 0x01],
        destination: [0x02, 0, 0, 0, 0, 0x02],
        ether_type: EtherType(ether_type),
    };
    let vlan = |vid: u16, next: EtherType| SingleVlanHeader {
        vlan_id: VlanId::try_new(vid & 0x0FFF).unwrap_or(VlanId::ZERO),
        ether_type: next,
        ..Default::default()
    };
    let mut out = Vec::new();
    match link {
        Link::Plain => out.extend_from_slice(&eth(ip_type.0).to_bytes()),
        &Link::Vlan { tpid, vid } => {
            out.extend_from_slice(&eth(tpid).to_bytes());
            out.extend_from_slice(&vlan(vid, ip_type).to_bytes());
        }
        &Link::QinQ { outer, inner, vid } => {
            out.extend_from_slice(&eth(outer).to_bytes());
            out.extend_from_slice(&vlan(vid, EtherType(inner)).to_bytes());
            out.extend_from_slice(&vlan(vid.wrapping_add(1), ip_type).to_bytes());
        }
        Link::Stack {
            fabric_path,
            tags,
            pppoe,
        } => {
            let after_tags = if *pppoe { ETHERTYPE_PPPOE } else { ip_type.0 };
            let first = tags.first().copied().unwrap_or(after_tags);
            if *fabric_path {
                out.extend_from_slice(&eth(ETHERTYPE_FABRICPATH).to_bytes());
                out.extend_from_slice(&[0x00, 0x3f]); // FTag, TTL
                out.extend_from_slice(&eth(first).to_bytes());
            } else {
                out.extend_from_slice(&eth(first).to_bytes());
            }
            for (i, t) in tags.iter().enumerate() {
                let next = tags.get(i + 1).copied().unwrap_or(after_tags);
                match *t {
                    ETHERTYPE_VNTAG => out.extend_from_slice(&[0x80, 0x00, 0x00, 0x33]),
                    ETHERTYPE_PBB => {
                        out.extend_from_slice(&[0x00, 0x00, 0x01, 0x00]); // I-tag: I-SID 256
                        out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x12, 0x02, 0, 0, 0, 0, 0x11]);
                    }
                    _ => out.extend_from_slice(&(i as u16 + 1).to_be_bytes()),
                }
                out.extend_from_slice(&next.to_be_bytes());
            }
            if *pppoe {
                let ppp: u16 = if ip_type == EtherType::IPV6 {
                    0x0057
                } else {
                    0x0021
                };
                let len = (ip.len() + 2) as u16;
                out.extend_from_slice(&[0x11, 0x00, 0x0f, 0x07]); // version/type, code, session
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&ppp.to_be_bytes());
            }
        }
        &Link::Mpls {
            labels,
            vlan: with_vlan,
        } => {
            if with_vlan {
                out.extend_from_slice(&eth(VLAN_TPIDS[0]).to_bytes());
                out.extend_from_slice(&vlan(7, EtherType(ETHERTYPE_MPLS)).to_bytes());
            } else {
                out.extend_from_slice(&eth(ETHERTYPE_MPLS).to_bytes());
            }
            for i in 0..labels {
                out.extend_from_slice(&mpls_label(100 + i as u32, i + 1 == labels));
            }
        }
    }
    out
}

/// One MPLS label: label value, TC 0, the bottom-of-stack bit, TTL 64.
fn mpls_label(label: u32, bottom: bool) -> [u8; 4] {
    ((label & 0xF_FFFF) << 12 | (bottom as u32) << 8 | 64).to_be_bytes()
}

/// The IP packet (headers, transport, payload) built by etherparse.
fn ip_packet(spec: &FrameSpec) -> Vec<u8> {
    let payload: Vec<u8> = (0..spec.payload)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(7))
        .collect();
    let builder = PacketBuilder::ip(ip_headers(spec));
    let mut out = Vec::new();
    let written = match &spec.transport {
        Transport::Tcp {
            sport,
            dport,
            seq,
            ack,
            flags,
            window,
            options,
        } => {
            let mut tcp = TcpHeader::new(*sport, *dport, *seq, *window);
            tcp.acknowledgment_number = *ack;
            set_tcp_flags(&mut tcp, *flags);
            if tcp.set_options_raw(options).is_err() {
                tcp.set_options_raw(&[]).ok();
            }
            builder.tcp_header(tcp).write(&mut out, &payload)
        }
        Transport::Udp { sport, dport } => builder.udp(*sport, *dport).write(&mut out, &payload),
        Transport::Icmp if matches!(spec.net, Net::V6 { .. }) => {
            builder.icmpv6_echo_request(1, 2).write(&mut out, &payload)
        }
        Transport::Icmp => builder.icmpv4_echo_request(1, 2).write(&mut out, &payload),
        Transport::Other(p) => builder.write(&mut out, IpNumber(*p), &payload),
    };
    // Every spec the strategies make is writable; a hand-made one that is not gives what was
    // written so far.
    let _ = written;
    out
}

fn set_tcp_flags(tcp: &mut TcpHeader, flags: u8) {
    tcp.cwr = flags & 0x80 != 0;
    tcp.ece = flags & 0x40 != 0;
    tcp.urg = flags & 0x20 != 0;
    tcp.ack = flags & 0x10 != 0;
    tcp.psh = flags & 0x08 != 0;
    tcp.rst = flags & 0x04 != 0;
    tcp.syn = flags & 0x02 != 0;
    tcp.fin = flags & 0x01 != 0;
}

fn ip_headers(spec: &FrameSpec) -> IpHeaders {
    match &spec.net {
        Net::V4 {
            options,
            frag_offset,
            more_fragments,
        } => {
            let src: [u8; 4] = spec.src[12..].try_into().unwrap_or([0; 4]);
            let dst: [u8; 4] = spec.dst[12..].try_into().unwrap_or([0; 4]);
            let mut h = Ipv4Header {
                source: src,
                destination: dst,
                time_to_live: 64,
                ..Default::default()
            };
            h.options = Ipv4Options::try_from(&options[..]).unwrap_or_default();
            h.fragment_offset =
                IpFragOffset::try_new(*frag_offset & 0x1FFF).unwrap_or(IpFragOffset::ZERO);
            h.more_fragments = *more_fragments;
            IpHeaders::Ipv4(h, Default::default())
        }
        Net::V6 { exts } => {
            let h = Ipv6Header {
                source: spec.src,
                destination: spec.dst,
                hop_limit: 64,
                ..Default::default()
            };
            IpHeaders::Ipv6(h, v6_extensions(exts))
        }
    }
}

/// etherparse extension headers (next-header fields are filled in by the builder).
fn v6_extensions(e: &V6Exts) -> Ipv6Extensions {
    let raw = |len8: u8| {
        let body = vec![0u8; 6 + 8 * len8 as usize];
        Ipv6RawExtHeader::new_raw(IpNumber(59), &body).ok()
    };
    let routing = e
        .routing
        .and_then(raw)
        .map(|routing| Ipv6RoutingExtensions {
            routing,
            final_destination_options: e.final_dest_options.and_then(raw),
        });
    Ipv6Extensions {
        hop_by_hop_options: e.hop_by_hop.and_then(raw),
        destination_options: e.dest_options.and_then(raw),
        routing,
        fragment: e.fragment.map(|(off, more)| {
            let off = IpFragOffset::try_new(off & 0x1FFF).unwrap_or(IpFragOffset::ZERO);
            Ipv6FragmentHeader::new(IpNumber(59), off, more, 0x1234_5678)
        }),
        auth: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies: valid frames
// ---------------------------------------------------------------------------------------------

pub fn arb_link() -> impl Strategy<Value = Link> {
    let tpid = prop::sample::select(VLAN_TPIDS.to_vec());
    prop_oneof![
        4 => Just(Link::Plain),
        2 => (tpid.clone(), 0u16..4096).prop_map(|(tpid, vid)| Link::Vlan { tpid, vid }),
        2 => (tpid.clone(), tpid, 0u16..4096).prop_map(|(outer, inner, vid)| Link::QinQ { outer, inner, vid }),
        2 => (1u8..=5, any::<bool>()).prop_map(|(labels, vlan)| Link::Mpls { labels, vlan }),
        2 => (
            any::<bool>(),
            prop::collection::vec(prop::sample::select(vec![0x8100u16, 0x88A8, 0x9100, ETHERTYPE_VNTAG, ETHERTYPE_PBB]), 0..=4),
            any::<bool>(),
        )
            .prop_map(|(fabric_path, tags, pppoe)| Link::Stack { fabric_path, tags, pppoe }),
    ]
}

/// Options of 0..=40 bytes, a multiple of 4 (NOP-padded, so they are well-formed).
fn arb_options() -> impl Strategy<Value = Vec<u8>> {
    (0usize..=10).prop_map(|words| vec![1u8; 4 * words])
}

pub fn arb_net() -> impl Strategy<Value = Net> {
    let frag = prop_oneof![8 => Just(0u16), 2 => 1u16..0x1FFF];
    let len8 = || prop::option::weighted(0.35, 0u8..4);
    let v4 = (arb_options(), frag.clone(), prop::bool::weighted(0.1)).prop_map(
        |(options, frag_offset, more_fragments)| Net::V4 {
            options,
            frag_offset,
            more_fragments,
        },
    );
    let v6 = (
        len8(),
        len8(),
        len8(),
        prop::option::weighted(0.25, (frag, any::<bool>())),
        len8(),
    )
        .prop_map(
            |(hop_by_hop, dest_options, routing, fragment, final_dest_options)| Net::V6 {
                exts: V6Exts {
                    hop_by_hop,
                    dest_options,
                    routing,
                    fragment,
                    final_dest_options,
                },
            },
        );
    prop_oneof![v4, v6]
}

pub fn arb_transport() -> impl Strategy<Value = Transport> {
    let tcp = (
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        any::<u32>(),
        any::<u8>(),
        any::<u16>(),
        arb_options(),
    )
        .prop_map(
            |(sport, dport, seq, ack, flags, window, options)| Transport::Tcp {
                sport,
                dport,
                seq,
                ack,
                flags,
                window,
                options,
            },
        );
    prop_oneof![
        4 => tcp,
        3 => (any::<u16>(), any::<u16>()).prop_map(|(sport, dport)| Transport::Udp { sport, dport }),
        1 => Just(Transport::Icmp),
        1 => prop::sample::select(vec![2u8, 47, 50, 59, 89, 132]).prop_map(Transport::Other),
    ]
}

/// Payload sizes: mostly small (so frames are short and bursts back up the tag FIFO), some up
/// to a jumbo frame.
pub fn arb_payload_len() -> impl Strategy<Value = usize> {
    prop_oneof![5 => 0usize..64, 3 => 0usize..1500, 1 => 0usize..=MAX_VALID_PAYLOAD]
}

pub fn arb_spec() -> impl Strategy<Value = FrameSpec> {
    (
        arb_link(),
        arb_net(),
        arb_transport(),
        any::<[u8; 16]>(),
        any::<[u8; 16]>(),
        arb_payload_len(),
    )
        .prop_map(|(link, net, transport, src, dst, payload)| FrameSpec {
            link,
            net,
            transport,
            src,
            dst,
            payload,
        })
}

/// A valid frame and its spec.
pub fn arb_valid() -> impl Strategy<Value = (FrameSpec, Vec<u8>)> {
    arb_spec().prop_map(|spec| {
        let bytes = build(&spec);
        (spec, bytes)
    })
}

// ---------------------------------------------------------------------------------------------
// Strategies: malformed frames
// ---------------------------------------------------------------------------------------------

/// Shorter than 60 bytes: random bytes, or a valid frame cut short.
fn arb_runt() -> impl Strategy<Value = LaneFrame> {
    prop_oneof![
        vec(any::<u8>(), 0..MIN_FRAME_BYTES).prop_map(|b| LaneFrame::from_bytes(&b)),
        (arb_valid(), 0usize..MIN_FRAME_BYTES)
            .prop_map(|((_, b), n)| LaneFrame::from_bytes(&b[..n.min(b.len())])),
    ]
}

/// A valid frame cut somewhere in its first 140 bytes (inside or just past the headers).
fn arb_truncated() -> impl Strategy<Value = LaneFrame> {
    (arb_valid(), 14usize..140).prop_map(|((_, b), n)| LaneFrame::from_bytes(&b[..n.min(b.len())]))
}

/// A valid IPv4 frame whose IHL is below 5.
fn arb_bad_ihl() -> impl Strategy<Value = LaneFrame> {
    (arb_valid(), 0u8..5).prop_map(|((spec, mut b), ihl)| {
        let l3 = spec.l3_offset();
        if matches!(spec.net, Net::V4 { .. }) && l3 < b.len() {
            b[l3] = (b[l3] & 0xF0) | ihl;
        }
        LaneFrame::from_bytes(&b)
    })
}

/// A valid frame whose IP version nibble is wrong.
fn arb_wrong_version() -> impl Strategy<Value = LaneFrame> {
    (arb_valid(), 0u8..16).prop_map(|((spec, mut b), v)| {
        let l3 = spec.l3_offset();
        let right = if matches!(spec.net, Net::V4 { .. }) {
            4
        } else {
            6
        };
        let v = if v == right { (v + 1) % 16 } else { v };
        if l3 < b.len() {
            b[l3] = (b[l3] & 0x0F) | v << 4;
        }
        LaneFrame::from_bytes(&b)
    })
}

/// A frame with lanes cleared (never the last lane, which a `LaneFrame` cannot leave empty).
fn arb_holes() -> impl Strategy<Value = LaneFrame> {
    (arb_frame_ok(), vec(any::<prop::sample::Index>(), 1..8)).prop_map(|(mut f, holes)| {
        let n = f.lanes.len();
        if n >= 2 {
            for h in holes {
                f.lanes[h.index(n - 1)] = None;
            }
        }
        f
    })
}

/// A frame with the MAC's error bit set.
fn arb_mac_error() -> impl Strategy<Value = LaneFrame> {
    arb_frame_ok().prop_map(|mut f| {
        f.user = true;
        f
    })
}

/// A valid-looking frame longer than `MAX_FRAME_BYTES`.
fn arb_oversize() -> impl Strategy<Value = LaneFrame> {
    (arb_spec(), 1usize..300).prop_map(|(mut spec, extra)| {
        spec.payload = 0;
        let headers = build(&spec).len();
        spec.payload = MAX_FRAME_BYTES.saturating_sub(headers) + extra;
        LaneFrame::from_bytes(&build(&spec))
    })
}

/// Random bytes.
fn arb_garbage() -> impl Strategy<Value = LaneFrame> {
    vec(any::<u8>(), 0..300).prop_map(|b| LaneFrame::from_bytes(&b))
}

fn arb_frame_ok() -> impl Strategy<Value = LaneFrame> {
    arb_valid().prop_map(|(_, b)| LaneFrame::from_bytes(&b))
}

/// A malformed frame of any kind a `LaneFrame` can express.
pub fn arb_malformed_frame() -> impl Strategy<Value = LaneFrame> {
    prop_oneof![
        arb_runt(),
        arb_truncated(),
        arb_bad_ihl(),
        arb_wrong_version(),
        arb_holes(),
        arb_mac_error(),
        arb_oversize(),
        arb_garbage(),
    ]
}

/// Any frame: valid (60%) or malformed.
pub fn arb_frame() -> impl Strategy<Value = LaneFrame> {
    prop_oneof![3 => arb_frame_ok(), 2 => arb_malformed_frame()]
}

// ---------------------------------------------------------------------------------------------
// Strategies: beats and schedules
// ---------------------------------------------------------------------------------------------

/// A frame as beats, with what lanes cannot express: sometimes garbage data under cleared
/// `tkeep` bits and past the last kept lane, sometimes an extra empty last beat.
pub fn arb_frame_beats() -> impl Strategy<Value = Vec<Beat>> {
    (
        arb_frame(),
        any::<bool>(),
        prop::bool::weighted(0.1),
        any::<u8>(),
    )
        .prop_map(|(f, garbage, empty_last, g)| {
            let mut beats = f.to_beats();
            if garbage {
                fill_under_holes(&mut beats, g);
            }
            if empty_last {
                append_empty_last(&mut beats);
            }
            beats
        })
}

/// Put `seed`-derived bytes in every lane whose `tkeep` bit is clear.
pub fn fill_under_holes(beats: &mut [Beat], seed: u8) {
    for b in beats.iter_mut() {
        for lane in 0..BEAT_BYTES {
            if b.keep >> lane & 1 == 0 {
                b.data[lane] = seed.wrapping_add(lane as u8).wrapping_mul(13);
            }
        }
    }
}

/// End the frame with an extra beat whose `tkeep` is 0 (the previous last beat becomes a middle
/// beat, so a partial one becomes a `tkeep` hole).
pub fn append_empty_last(beats: &mut Vec<Beat>) {
    let user = beats.last().is_some_and(|b| b.user);
    if let Some(b) = beats.last_mut() {
        b.last = false;
        b.user = false;
    }
    beats.push(Beat {
        last: true,
        user,
        ..Beat::EMPTY
    });
}

/// Gaps (idle cycles) before a frame: mostly none (bursts), sometimes a few, rarely many.
fn arb_gap() -> impl Strategy<Value = u64> {
    prop_oneof![6 => Just(0u64), 3 => 1u64..4, 1 => 4u64..200]
}

/// Gaps inside a frame (the MAC may drop `tvalid` mid-frame): mostly none.
fn arb_intra_gaps() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![7 => Just(Vec::new()), 3 => vec(0u64..6, 1..6)]
}

/// Lay frames out in cycles from cycle `start`: `gaps[i]` idle cycles before frame `i`, and
/// `intra[i][(k-1) % len]` idle cycles before its beat `k` (none when `intra[i]` is empty).
pub fn lay_out(
    frames: &[Vec<Beat>],
    gaps: &[u64],
    intra: &[Vec<u64>],
    start: u64,
) -> Vec<TimedBeat> {
    let mut out = Vec::new();
    let mut cycle = start;
    for (i, beats) in frames.iter().enumerate() {
        cycle += gaps.get(i).copied().unwrap_or(0);
        for (k, beat) in beats.iter().enumerate() {
            let inner = intra
                .get(i)
                .filter(|g| !g.is_empty() && k > 0)
                .map_or(0, |g| g[(k - 1) % g.len()]);
            cycle += inner;
            out.push(TimedBeat { cycle, beat: *beat });
            cycle += 1;
        }
    }
    out
}

/// Mixed traffic: 1..24 frames of every kind with random gaps between and inside frames.
pub fn arb_mixed_traffic() -> impl Strategy<Value = Vec<TimedBeat>> {
    (
        vec((arb_frame_beats(), arb_gap(), arb_intra_gaps()), 1..24),
        0u64..1000,
    )
        .prop_map(|(fs, start)| {
            let frames: Vec<Vec<Beat>> = fs.iter().map(|f| f.0.clone()).collect();
            let gaps: Vec<u64> = fs.iter().map(|f| f.1).collect();
            let intra: Vec<Vec<u64>> = fs.iter().map(|f| f.2.clone()).collect();
            lay_out(&frames, &gaps, &intra, start)
        })
}

/// A back-to-back burst of 16..64 short frames (enough to hit the tag backlog limit).
pub fn arb_burst() -> impl Strategy<Value = Vec<TimedBeat>> {
    let short = (arb_spec(), 0usize..120).prop_map(|(mut spec, p)| {
        spec.payload = p;
        LaneFrame::from_bytes(&build(&spec)).to_beats()
    });
    let frame = prop_oneof![6 => short, 1 => arb_frame_beats()];
    vec(frame, 16..64).prop_map(|frames| lay_out(&frames, &[], &[], 0))
}

/// Any traffic: mixed, or a burst.
pub fn arb_traffic() -> impl Strategy<Value = Vec<TimedBeat>> {
    prop_oneof![3 => arb_mixed_traffic(), 1 => arb_burst()]
}
