//! The parse rules of `docs/pipeline.md`, one test per rule, on frames built byte by byte here
//! with expectations worked out by hand.

use vantage_model::{parse, parse_frame, Meta};
use vantage_proto::axis::{Beat, LaneFrame};
use vantage_proto::flags::ParseFlags as F;
use vantage_proto::flowhash::{flow_hash, ipv4_as_16, DEFAULT_KEY};

// ----- frame building, by hand ----------------------------------------------------------------

/// Destination and source MAC.
fn macs() -> Vec<u8> {
    vec![0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]
}

fn be16(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}

/// IPv4 header with `ihl` words (options zero), protocol, addresses and bytes 6..8.
fn ipv4(ihl: u8, proto: u8, src: [u8; 4], dst: [u8; 4], frag_field: u16) -> Vec<u8> {
    let mut h = vec![0x40 | ihl, 0, 0, 0, 0, 0];
    h.extend_from_slice(&be16(frag_field));
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.resize(4 * ihl.max(5) as usize, 0);
    h
}

fn v6addr(last: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0] = 0x20;
    a[1] = 0x01;
    a[15] = last;
    a
}

/// IPv6 header with next header `nh`.
fn ipv6(nh: u8, src: [u8; 16], dst: [u8; 16]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0, 0, 0, nh, 64];
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h
}

/// An IPv6 options/routing extension header of `8*(len+1)` bytes.
fn ext(nh: u8, len: u8) -> Vec<u8> {
    let mut h = vec![nh, len];
    h.resize(8 * (len as usize + 1), 0);
    h
}

fn tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u8, window: u16) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&be16(sport));
    h.extend_from_slice(&be16(dport));
    h.extend_from_slice(&seq.to_be_bytes());
    h.extend_from_slice(&ack.to_be_bytes());
    h.extend_from_slice(&[0x50, flags]);
    h.extend_from_slice(&be16(window));
    h.extend_from_slice(&[0, 0, 0, 0]);
    h
}

fn udp(sport: u16, dport: u16) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&be16(sport));
    h.extend_from_slice(&be16(dport));
    h.extend_from_slice(&[0, 8, 0, 0]);
    h
}

/// Concatenate parts and pad with zeros to `min` bytes.
fn frame(parts: &[&[u8]], min: usize) -> Vec<u8> {
    let mut f: Vec<u8> = parts.concat();
    if f.len() < min {
        f.resize(min, 0);
    }
    f
}

fn p(f: &[u8]) -> Meta {
    parse_frame(f, &DEFAULT_KEY)
}

fn flags(bits: &[u16]) -> F {
    F(bits.iter().fold(0, |a, b| a | b))
}

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];

fn hash4(sport: u16, dport: u16) -> u32 {
    flow_hash(&DEFAULT_KEY, (ipv4_as_16(A), sport), (ipv4_as_16(B), dport))
}

// ----- step 2: Ethernet and VLAN --------------------------------------------------------------

#[test]
fn qinq_ipv4_tcp_has_l3_offset_22_and_every_tcp_field() {
    let f = frame(
        &[
            &macs(),
            &be16(0x88A8),
            &be16(100),
            &be16(0x8100),
            &be16(200),
            &be16(0x0800),
            &ipv4(5, 6, A, B, 0),
            &tcp(1234, 80, 0x0102_0304, 0x0506_0708, 0x12, 0xFFFF),
        ],
        64,
    );
    let m = p(&f);
    assert_eq!(
        m.flags,
        flags(&[F::IPV4, F::PORTS]),
        "{}",
        m.flags.describe()
    );
    assert_eq!(m.l3_offset, 22);
    assert_eq!(m.ip_proto, 6);
    assert_eq!((m.sport, m.dport), (1234, 80));
    let t = m.tcp.expect("tcp");
    assert_eq!(
        (t.seq, t.ack, t.flags, t.window, t.data_offset),
        (0x0102_0304, 0x0506_0708, 0x12, 0xFFFF, 5)
    );
    assert_eq!(m.src, ipv4_as_16(A));
    assert_eq!(m.dst, ipv4_as_16(B));
    assert_eq!(m.hash, hash4(1234, 80));
    assert_ne!(m.hash, 0);
}

#[test]
fn single_vlan_under_any_tpid_gives_l3_offset_18() {
    for tpid in [0x8100, 0x88A8, 0x9100] {
        let f = frame(
            &[
                &macs(),
                &be16(tpid),
                &be16(5),
                &be16(0x0800),
                &ipv4(5, 17, A, B, 0),
                &udp(53, 5353),
            ],
            60,
        );
        let m = p(&f);
        assert_eq!(m.l3_offset, 18, "tpid {tpid:#x}");
        assert_eq!(m.flags, flags(&[F::IPV4, F::PORTS]));
    }
}

#[test]
fn a_fourth_link_tag_is_an_unknown_network_layer() {
    let tag = |t: u16| [be16(t), be16(1)].concat();
    let four = [
        &macs()[..],
        &tag(0x88A8),
        &tag(0x8100),
        &tag(0x8100),
        &tag(0x8100),
        &be16(0x0800),
        &ipv4(5, 6, A, B, 0),
    ];
    let m = p(&frame(&four, 90));
    assert_eq!(m.flags, flags(&[F::L3_UNKNOWN]));
    assert_eq!((m.l3_offset, m.ip_proto, m.hash), (0, 0, 0));
    // Three tags are walked: the IP header after them at 14 + 3 * 4 = 26.
    let three = [
        &macs()[..],
        &tag(0x88A8),
        &tag(0x8100),
        &tag(0x8100),
        &be16(0x0800),
        &ipv4(5, 6, A, B, 0),
    ];
    assert_eq!(p(&frame(&three, 90)).l3_offset, 26);
}

#[test]
fn vntag_between_vlan_tags_gives_l3_offset_28() {
    // VLAN (4), VN-tag (4-byte tag + next EtherType: 6), VLAN (4): 14 + 4 + 6 + 4 = 28, the
    // layout of Zeek's vntag_vlan_sandwich trace.
    let vlan = |next: u16| [be16(1), be16(next)].concat();
    let vntag = |next: u16| [vec![0, 0, 0, 0x33], be16(next).to_vec()].concat();
    let f = frame(
        &[
            &macs(),
            &be16(0x8100),
            &vlan(0x8926),
            &vntag(0x8100),
            &vlan(0x0800),
            &ipv4(5, 6, A, B, 0),
        ],
        80,
    );
    let m = p(&f);
    assert_eq!((m.l3_offset, m.ip_proto), (28, 6));
    assert!(!m.flags.is_flagged(), "no anomaly: {:?}", m.flags);
}

#[test]
fn fabricpath_then_inner_ethernet_gives_l3_offset_30() {
    // Outer MACs, 0x8903, FTag/TTL (2), inner MACs (12), inner EtherType at 28: IP at 30.
    let f = frame(
        &[
            &macs(),
            &be16(0x8903),
            &[0x00, 0x3f],
            &macs(),
            &be16(0x0800),
            &ipv4(5, 17, A, B, 0),
        ],
        80,
    );
    let m = p(&f);
    assert_eq!((m.l3_offset, m.ip_proto), (30, 17));
    let short = frame(&[&macs(), &be16(0x8903), &[0x00, 0x3f], &macs()[..6]], 0);
    assert!(
        p(&short).flags.has(F::TRUNCATED),
        "a FabricPath frame cut before its inner EtherType"
    );
}

#[test]
fn arp_is_an_unknown_network_layer() {
    let m = p(&frame(&[&macs(), &be16(0x0806)], 60));
    assert_eq!(m.flags, flags(&[F::L3_UNKNOWN]));
    assert_eq!((m.l3_offset, m.ip_proto, m.hash), (0, 0, 0));
}

#[test]
fn a_frame_shorter_than_the_ethernet_header_is_truncated() {
    let m = p(&[0u8; 13]);
    assert_eq!(m.flags, flags(&[F::RUNT, F::TRUNCATED]));
    let m = p(&[]);
    assert_eq!(m.flags, flags(&[F::RUNT, F::TRUNCATED, F::KEEP_HOLE])); // an empty last beat
}

// ----- step 3: MPLS ---------------------------------------------------------------------------

fn label(bottom: bool) -> Vec<u8> {
    ((1000u32 << 12) | (bottom as u32) << 8 | 64)
        .to_be_bytes()
        .to_vec()
}

#[test]
fn mpls_two_labels_then_ipv4() {
    let f = frame(
        &[
            &macs(),
            &be16(0x8847),
            &label(false),
            &label(true),
            &ipv4(5, 6, A, B, 0),
            &tcp(1, 2, 3, 4, 0x10, 5),
        ],
        60,
    );
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::IPV4, F::PORTS]));
    assert_eq!(m.l3_offset, 22);
    assert_eq!((m.sport, m.dport), (1, 2));
}

#[test]
fn vlan_then_four_mpls_labels_then_ipv6() {
    let labels = [label(false), label(false), label(false), label(true)].concat();
    let f = frame(
        &[
            &macs(),
            &be16(0x8100),
            &be16(9),
            &be16(0x8848),
            &labels,
            &ipv6(17, v6addr(1), v6addr(2)),
            &udp(7, 9),
        ],
        60,
    );
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::IPV6, F::PORTS]));
    assert_eq!(m.l3_offset, 34);
}

#[test]
fn mpls_without_bottom_in_four_labels_is_mpls_deep() {
    let five = [
        label(false),
        label(false),
        label(false),
        label(false),
        label(true),
    ]
    .concat();
    let m = p(&frame(
        &[&macs(), &be16(0x8847), &five, &ipv4(5, 6, A, B, 0)],
        80,
    ));
    assert_eq!(m.flags, flags(&[F::MPLS_DEEP]));
    assert_eq!((m.l3_offset, m.ip_proto, m.hash), (0, 0, 0));
}

#[test]
fn mpls_payload_that_is_not_ip_is_mpls_deep() {
    let mut not_ip = ipv4(5, 6, A, B, 0);
    not_ip[0] = 0x55;
    let m = p(&frame(&[&macs(), &be16(0x8847), &label(true), &not_ip], 60));
    assert_eq!(m.flags, flags(&[F::MPLS_DEEP]));
}

#[test]
fn mpls_label_cut_short_is_truncated() {
    let m = p(&[macs(), be16(0x8847).to_vec(), vec![0, 0]].concat());
    assert_eq!(m.flags, flags(&[F::RUNT, F::TRUNCATED]));
}

// ----- step 5: IPv4 ---------------------------------------------------------------------------

#[test]
fn ipv4_with_a_24_byte_header_finds_udp_after_the_options() {
    let mut ip = ipv4(6, 17, A, B, 0);
    ip[20..24].copy_from_slice(&[0x94, 0x04, 0, 0]); // router alert option
    let m = p(&frame(&[&macs(), &be16(0x0800), &ip, &udp(53, 5353)], 60));
    assert_eq!(m.flags, flags(&[F::IPV4, F::PORTS]));
    assert_eq!((m.sport, m.dport), (53, 5353));
    assert_eq!(m.hash, hash4(53, 5353));
}

#[test]
fn ihl_15_in_a_30_byte_frame_is_truncated() {
    let mut f = frame(&[&macs(), &be16(0x0800), &ipv4(5, 6, A, B, 0)], 0);
    f[14] = 0x4F;
    f.truncate(30);
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::RUNT, F::TRUNCATED, F::IPV4]));
    assert_eq!((m.l3_offset, m.ip_proto, m.hash), (14, 0, 0));
    assert_eq!(m.src, [0; 16]);
}

#[test]
fn ihl_15_in_a_60_byte_frame_is_truncated_without_a_flow() {
    // Needs 14 + 60 = 74 > 60.
    let mut f = frame(&[&macs(), &be16(0x0800), &ipv4(5, 6, A, B, 0)], 60);
    f[14] = 0x4F;
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::TRUNCATED, F::IPV4]));
    assert_eq!((m.l3_offset, m.ip_proto, m.hash), (14, 0, 0));
}

#[test]
fn ihl_below_5_and_wrong_version_are_bad_ihl() {
    let mut f = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 6, A, B, 0),
            &tcp(1, 2, 3, 4, 5, 6),
        ],
        60,
    );
    f[14] = 0x44;
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::BAD_IHL, F::IPV4]));
    assert_eq!((m.l3_offset, m.ip_proto, m.hash), (14, 0, 0));
    f[14] = 0x65;
    assert_eq!(p(&f).flags, flags(&[F::BAD_IHL, F::IPV4]));
    // IPv6 EtherType, version 4 inside.
    let f6 = frame(
        &[&macs(), &be16(0x86DD), &ipv4(5, 6, A, B, 0), &[0u8; 40]],
        60,
    );
    assert_eq!(p(&f6).flags, flags(&[F::BAD_IHL, F::IPV6]));
}

#[test]
fn a_later_ipv4_fragment_has_a_flow_but_no_ports() {
    // Offset 185 (x8 = 1480 bytes), MF clear.
    let f = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 17, A, B, 185),
            &udp(53, 5353),
        ],
        60,
    );
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::FRAGMENT, F::IPV4]));
    assert_eq!((m.ip_proto, m.sport, m.dport), (17, 0, 0));
    assert_eq!(m.hash, hash4(0, 0));
    // A first fragment (MF set, offset 0) is parsed through to its ports.
    let f = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 17, A, B, 0x2000),
            &udp(53, 5353),
        ],
        60,
    );
    assert_eq!(p(&f).flags, flags(&[F::IPV4, F::PORTS]));
}

#[test]
fn icmp_has_a_flow_without_ports_and_gre_is_unknown_transport() {
    let m = p(&frame(
        &[&macs(), &be16(0x0800), &ipv4(5, 1, A, B, 0), &[8, 0, 0, 0]],
        60,
    ));
    assert_eq!(m.flags, flags(&[F::IPV4]));
    assert_eq!((m.ip_proto, m.hash), (1, hash4(0, 0)));
    let m = p(&frame(&[&macs(), &be16(0x0800), &ipv4(5, 47, A, B, 0)], 60));
    assert_eq!(m.flags, flags(&[F::L4_UNKNOWN, F::IPV4]));
    assert_eq!((m.ip_proto, m.hash), (47, hash4(0, 0)));
}

#[test]
fn a_tcp_header_cut_short_keeps_the_ip_flow() {
    let f = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 6, A, B, 0),
            &tcp(1, 2, 3, 4, 5, 6),
        ],
        0,
    );
    let m = p(&f[..44]);
    assert_eq!(m.flags, flags(&[F::RUNT, F::TRUNCATED, F::IPV4]));
    assert_eq!((m.ip_proto, m.sport, m.hash), (6, 0, hash4(0, 0)));
    assert!(m.tcp.is_none());
}

#[test]
fn runt_is_below_60_bytes() {
    let f = frame(
        &[&macs(), &be16(0x0800), &ipv4(5, 17, A, B, 0), &udp(1, 2)],
        60,
    );
    assert_eq!(p(&f).flags, flags(&[F::IPV4, F::PORTS]));
    assert_eq!(p(&f[..59]).flags, flags(&[F::RUNT, F::IPV4, F::PORTS]));
}

// ----- step 6: IPv6 ---------------------------------------------------------------------------

#[test]
fn ipv6_hop_by_hop_of_16_bytes_then_tcp() {
    let f = frame(
        &[
            &macs(),
            &be16(0x86DD),
            &ipv6(0, v6addr(1), v6addr(2)),
            &ext(6, 1),
            &tcp(443, 51000, 9, 10, 0x18, 512),
        ],
        60,
    );
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::IPV6, F::PORTS]));
    assert_eq!(
        (m.l3_offset, m.ip_proto, m.sport, m.dport),
        (14, 6, 443, 51000)
    );
    assert_eq!(
        m.tcp.map(|t| (t.seq, t.ack, t.flags, t.window)),
        Some((9, 10, 0x18, 512))
    );
    assert_eq!((m.src, m.dst), (v6addr(1), v6addr(2)));
    assert_eq!(
        m.hash,
        flow_hash(&DEFAULT_KEY, (v6addr(1), 443), (v6addr(2), 51000))
    );
}

#[test]
fn three_ipv6_extension_headers_are_walked_a_fourth_is_unknown() {
    let three = [ext(60, 0), ext(43, 0), ext(17, 0)].concat();
    let f = frame(
        &[
            &macs(),
            &be16(0x86DD),
            &ipv6(0, v6addr(1), v6addr(2)),
            &three,
            &udp(1, 2),
        ],
        60,
    );
    assert_eq!(p(&f).flags, flags(&[F::IPV6, F::PORTS]));
    let four = [ext(60, 0), ext(43, 0), ext(60, 0), ext(17, 0)].concat();
    let f = frame(
        &[
            &macs(),
            &be16(0x86DD),
            &ipv6(0, v6addr(1), v6addr(2)),
            &four,
            &udp(1, 2),
        ],
        60,
    );
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::IPV6, F::L4_UNKNOWN]));
    assert_eq!(m.ip_proto, 60); // the next header where the walk stopped
    assert_eq!(
        m.hash,
        flow_hash(&DEFAULT_KEY, (v6addr(1), 0), (v6addr(2), 0))
    );
}

#[test]
fn a_later_ipv6_fragment_stops_the_walk_with_the_fragments_next_header() {
    // Fragment header: next header 17, offset 100 (bytes 2..4 = 100 << 3), M set.
    let frag = [17, 0, 0x03, 0x21, 0, 0, 0, 1];
    let f = frame(
        &[
            &macs(),
            &be16(0x86DD),
            &ipv6(44, v6addr(1), v6addr(2)),
            &frag,
            &udp(1, 2),
        ],
        60,
    );
    let m = p(&f);
    assert_eq!(m.flags, flags(&[F::IPV6, F::FRAGMENT]));
    assert_eq!((m.ip_proto, m.sport), (17, 0));
    // Offset 0, M set: the walk goes on to UDP.
    let first = [17, 0, 0x00, 0x01, 0, 0, 0, 1];
    let f = frame(
        &[
            &macs(),
            &be16(0x86DD),
            &ipv6(44, v6addr(1), v6addr(2)),
            &first,
            &udp(1, 2),
        ],
        60,
    );
    assert_eq!(p(&f).flags, flags(&[F::IPV6, F::PORTS]));
}

#[test]
fn headers_past_the_window_are_deep_unless_the_frame_ends_first() {
    // VLAN + IPv6 + 56-byte hop-by-hop: l4 = 18 + 40 + 56 = 114.
    let head = [
        macs(),
        be16(0x8100).to_vec(),
        be16(1).to_vec(),
        be16(0x86DD).to_vec(),
        ipv6(0, v6addr(1), v6addr(2)),
    ]
    .concat();
    let tcp_at_114 = [head.clone(), ext(6, 6), tcp(1, 2, 3, 4, 5, 6)].concat();
    let mut long = tcp_at_114.clone();
    long.resize(200, 0);
    // TCP needs 134 > 128: DEEP; the IP flow is kept, ports 0.
    let m = p(&long);
    assert_eq!(m.flags, flags(&[F::IPV6, F::DEEP]));
    assert_eq!((m.ip_proto, m.sport), (6, 0));
    assert_eq!(
        m.hash,
        flow_hash(&DEFAULT_KEY, (v6addr(1), 0), (v6addr(2), 0))
    );
    // A 129-byte frame does not end in the window: DEEP too.
    assert_eq!(p(&long[..129]).flags, flags(&[F::IPV6, F::DEEP]));
    // A 128-byte frame ends in the window, before lane 134: TRUNCATED.
    assert_eq!(p(&long[..128]).flags, flags(&[F::IPV6, F::TRUNCATED]));
    // UDP at 114 needs 122: parsed.
    let mut udp_at_114 = [head.clone(), ext(17, 6), udp(7, 8)].concat();
    udp_at_114.resize(200, 0);
    assert_eq!(p(&udp_at_114).flags, flags(&[F::IPV6, F::PORTS]));
    // TCP at 106 (48-byte hop-by-hop) ends at 126: parsed.
    let mut tcp_at_106 = [head, ext(6, 5), tcp(1, 2, 3, 4, 5, 6)].concat();
    tcp_at_106.resize(200, 0);
    assert_eq!(p(&tcp_at_106).flags, flags(&[F::IPV6, F::PORTS]));
}

// ----- steps 1 and 8: holes, data under holes, hash symmetry ----------------------------------

fn beats(f: &[u8]) -> Vec<Beat> {
    LaneFrame::from_bytes(f).to_beats()
}

#[test]
fn keep_holes_in_the_window_are_flagged_and_their_data_still_read() {
    let f = frame(
        &[&macs(), &be16(0x0800), &ipv4(5, 17, A, B, 0), &udp(1, 2)],
        100,
    );
    let mut b = beats(&f);
    b[0].keep &= !(1 << 12); // hole over the EtherType's first byte, data 0x08 still there
    let m = parse(&b[0], b.get(1), &DEFAULT_KEY);
    assert_eq!(m.flags, flags(&[F::KEEP_HOLE, F::IPV4, F::PORTS]));
    let mut b = beats(&f);
    b[1].keep = 0b1011; // lookahead (last beat) not a run from lane 0
    assert!(parse(&b[0], b.get(1), &DEFAULT_KEY).flags.has(F::KEEP_HOLE));
    let mut b = beats(&f);
    b[0].keep = u64::MAX >> 1; // a non-last beat missing lane 63
    assert!(parse(&b[0], b.get(1), &DEFAULT_KEY).flags.has(F::KEEP_HOLE));
}

#[test]
fn an_empty_lookahead_beat_is_a_keep_hole_and_ends_the_frame_at_64() {
    let f = frame(
        &[&macs(), &be16(0x0800), &ipv4(5, 17, A, B, 0), &udp(1, 2)],
        64,
    );
    let mut b = beats(&f);
    b[0].last = false;
    let empty = Beat {
        last: true,
        ..Beat::EMPTY
    };
    let m = parse(&b[0], Some(&empty), &DEFAULT_KEY);
    assert_eq!(m.flags, flags(&[F::KEEP_HOLE, F::IPV4, F::PORTS]));
}

#[test]
fn the_flow_hash_is_the_same_both_ways() {
    let ab = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 6, A, B, 0),
            &tcp(40000, 443, 1, 2, 3, 4),
        ],
        60,
    );
    let ba = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 6, B, A, 0),
            &tcp(443, 40000, 5, 6, 7, 8),
        ],
        60,
    );
    assert_eq!(p(&ab).hash, p(&ba).hash);
    assert_ne!(p(&ab).hash, hash4(0, 0));
}

#[test]
fn the_key_changes_the_hash() {
    let f = frame(
        &[
            &macs(),
            &be16(0x0800),
            &ipv4(5, 6, A, B, 0),
            &tcp(40000, 443, 1, 2, 3, 4),
        ],
        60,
    );
    // Key byte 30 (bits 240..248) meets the second IPv4 address (input bits 224..256). (Byte 0
    // would not: IPv4 addresses are zero-extended, so input bits 0..96 are always 0.)
    let mut key = DEFAULT_KEY;
    key[30] ^= 0xFF;
    assert_ne!(parse_frame(&f, &key).hash, p(&f).hash);
}
