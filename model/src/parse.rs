//! Parse: steps 1–9 of `docs/pipeline.md` on the 128-lane window (a frame's first beat and its
//! lookahead beat).
//!
//! ```text
//!  window lane   0            6           12      14 (+4 per VLAN tag) (+4 per MPLS label)
//!               +------------+------------+-------+------------+------+--------------+-----
//!               |  dst MAC   |  src MAC   | EType | TCI  EType | ...  | MPLS label   | IP ...
//!               +------------+------------+-------+------------+------+--------------+-----
//!                                          EType 0x8100/0x88A8/0x9100: a VLAN tag follows (≤ 2)
//!                                          EType 0x8847/0x8848: MPLS labels follow (≤ 4)
//!
//!  MPLS label (32 bits): label[31:12] | TC[11:9] | S (bottom of stack)[8] | TTL[7:0]
//!
//!  IPv4 at l3:  0 ver|IHL  1 TOS  2-3 total length  4-5 id  6-7 flags|fragment offset (low 13 bits)
//!               8 TTL  9 protocol  10-11 checksum  12-15 source  16-19 destination  20.. options
//!               l4 = l3 + 4*IHL
//!  IPv6 at l3:  0 ver|TC  ...  6 next header  7 hop limit  8-23 source  24-39 destination
//!               extension headers from l3+40, each: 0 next header  1 length
//!               (hop-by-hop 0, routing 43, destination options 60: 8*(length+1) bytes;
//!                fragment 44: 8 bytes, bytes 2-3 = offset<<3 | flags)
//!  TCP at l4:   0-1 sport  2-3 dport  4-7 seq  8-11 ack  12 data offset<<4  13 flags  14-15 window
//!  UDP at l4:   0-1 sport  2-3 dport  4-5 length  6-7 checksum
//!  ICMP/ICMPv6: 0 type  1 code  2-3 checksum
//! ```
//!
//! Every "needs n" in the spec is `Walker::need`: `n > len` sets TRUNCATED, `n > 128` sets
//! DEEP, and either stops the walk. The walk is a chain of `Option`-returning steps; `None` means
//! "stop here", with the reason already recorded in the flags.

use vantage_proto::axis::Beat;
use vantage_proto::datapath::MAX_LINK_TAGS;
use vantage_proto::datapath::{
    BEAT_BYTES, MAX_IPV6_EXT_HEADERS, MAX_MPLS_LABELS, MIN_FRAME_BYTES, PARSE_WINDOW_BYTES,
};
use vantage_proto::flags::ParseFlags;
use vantage_proto::flowhash::{flow_hash, ipv4_as_16, KEY_BYTES};

/// EtherType of IPv4.
const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
const ETHERTYPE_IPV6: u16 = 0x86DD;
/// EtherTypes (TPIDs) that announce a VLAN tag: 802.1Q, 802.1ad, and the old QinQ 0x9100.
const ETHERTYPES_VLAN: [u16; 3] = [0x8100, 0x88A8, 0x9100];
/// EtherTypes of MPLS: unicast and multicast.
const ETHERTYPES_MPLS: [u16; 2] = [0x8847, 0x8848];
/// EtherType of a Cisco VN-tag (802.1Qbh): 4 bytes of tag, then the next EtherType.
const ETHERTYPE_VNTAG: u16 = 0x8926;
/// Bytes of a VN-tag including the next EtherType.
const VNTAG_BYTES: usize = 6;
/// EtherType of an 802.1ah (PBB) I-tag: 4 bytes of tag, the customer MAC addresses (12), then
/// the next EtherType.
const ETHERTYPE_PBB: u16 = 0x88E7;
/// Bytes of a PBB I-tag with the customer MACs and the next EtherType.
const PBB_BYTES: usize = 18;
/// EtherType of a PPPoE session: 6 bytes of PPPoE header, then the 2-byte PPP protocol.
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
/// Bytes from the end of the PPPoE EtherType to the IP header.
const PPPOE_BYTES: usize = 8;
/// PPP protocol numbers of IPv4 and IPv6.
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;
/// EtherType of Cisco FabricPath: 2 bytes (FTag, TTL) and the inner Ethernet header follow.
const ETHERTYPE_FABRICPATH: u16 = 0x8903;
/// Where the inner EtherType of a FabricPath frame starts.
const FABRICPATH_INNER_ETHERTYPE: usize = 28;
/// Bytes of the Ethernet header up to and including the EtherType.
const ETHERNET_BYTES: usize = 14;
/// Offset of the EtherType in the Ethernet header.
const ETHERTYPE_OFFSET: usize = 12;
/// Bytes of one VLAN tag (TCI and the next EtherType) and of one MPLS label.
const TAG_BYTES: usize = 4;
/// Bottom-of-stack bit of an MPLS label.
const MPLS_BOTTOM_OF_STACK: u32 = 1 << 8;
/// Bytes of the fixed IPv4 header (IHL = 5).
const IPV4_MIN_BYTES: usize = 20;
/// Smallest valid IPv4 IHL (in 4-byte words).
const IPV4_MIN_IHL: u8 = 5;
/// Mask of the fragment offset in IPv4 bytes 6..8.
const IPV4_FRAGMENT_OFFSET_MASK: u16 = 0x1FFF;
/// Bytes of the fixed IPv6 header.
const IPV6_BYTES: usize = 40;
/// Bytes of an IPv6 extension header the parser must see to skip it (and all of a fragment header).
const IPV6_EXT_MIN_BYTES: usize = 8;
/// IPv6 next header: hop-by-hop options.
const NH_HOP_BY_HOP: u8 = 0;
/// IPv6 next header: routing.
const NH_ROUTING: u8 = 43;
/// IPv6 next header: fragment.
const NH_FRAGMENT: u8 = 44;
/// IPv6 next header: destination options.
const NH_DEST_OPTIONS: u8 = 60;
/// IP protocol: ICMP.
const PROTO_ICMP: u8 = 1;
/// IP protocol: TCP.
const PROTO_TCP: u8 = 6;
/// IP protocol: UDP.
const PROTO_UDP: u8 = 17;
/// IP protocol: ICMPv6.
const PROTO_ICMPV6: u8 = 58;
/// Bytes of the TCP header without options.
const TCP_BYTES: usize = 20;
/// Bytes of the UDP header.
const UDP_BYTES: usize = 8;
/// Bytes of an ICMP / ICMPv6 header the parser requires (type, code, checksum).
const ICMP_BYTES: usize = 4;
/// `len` of a frame that does not end inside the window ("long"). Such a frame is at least 129
/// lanes long, but how long is unknown: no "needs n" can find it TRUNCATED, only DEEP (n > 128).
const LONG: usize = usize::MAX;

/// What the parse stage learns about a frame: the metadata beside its first beat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    pub flags: ParseFlags,
    /// Offset of the IP header when IPV4 or IPV6 is set, else 0.
    pub l3_offset: u8,
    /// IPv4 protocol, or the IPv6 next header where the extension walk stopped; 0 when the IP
    /// header was not parsed.
    pub ip_proto: u8,
    /// Source address (IPv4 zero-extended, `::a.b.c.d`); zero when the IP header was not parsed.
    pub src: [u8; 16],
    /// Destination address, as `src`.
    pub dst: [u8; 16],
    /// Source port when PORTS is set, else 0.
    pub sport: u16,
    /// Destination port when PORTS is set, else 0.
    pub dport: u16,
    /// TCP header fields when a TCP header was parsed.
    pub tcp: Option<TcpFields>,
    /// Keyed flow hash; 0 when the IP header was not parsed.
    pub hash: u32,
    /// The IP header was parsed: addresses, `ip_proto` and `hash` are meaningful.
    pub ip_ok: bool,
}

/// The TCP header fields the parse stage extracts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFields {
    pub seq: u32,
    pub ack: u32,
    /// The 8 flag bits CWR, ECE, URG, ACK, PSH, RST, SYN, FIN (byte 13).
    pub flags: u8,
    pub window: u16,
    /// Header length in 4-byte words (high nibble of byte 12), as found; not checked.
    pub data_offset: u8,
}

/// Parse a frame from its first beat and lookahead beat (steps 1–9 of the spec).
///
/// `lookahead` is ignored when `first` is a last beat. A non-last `first` without a lookahead is
/// a caller error the pipeline never makes; it is parsed as a frame that goes on past the window
/// with lanes 64..128 reading 0.
pub fn parse(first: &Beat, lookahead: Option<&Beat>, key: &[u8; KEY_BYTES]) -> Meta {
    let lookahead = if first.last { None } else { lookahead };
    let window = Window::new(first, lookahead);
    let mut w = Walker {
        window: &window,
        flags: 0,
    };
    w.check_length_and_keep(first, lookahead);
    let mut found = Found::default();
    let _ = w.walk(&mut found);
    finish(w.flags, &found, key)
}

/// Parse a frame given as bytes (every lane kept): bytes → beats → [`parse`].
pub fn parse_frame(frame: &[u8], key: &[u8; KEY_BYTES]) -> Meta {
    let beats = vantage_proto::axis::LaneFrame::from_bytes(frame).to_beats();
    parse(&beats[0], beats.get(1), key)
}

/// The 128 data bytes of the window and the frame length `len` as the spec defines it.
struct Window {
    data: [u8; PARSE_WINDOW_BYTES],
    /// Frame length in lanes if the frame ends inside the window, else `LONG`.
    len: usize,
}

impl Window {
    fn new(first: &Beat, lookahead: Option<&Beat>) -> Self {
        let mut data = [0u8; PARSE_WINDOW_BYTES];
        data[..BEAT_BYTES].copy_from_slice(&first.data);
        if let Some(la) = lookahead {
            data[BEAT_BYTES..].copy_from_slice(&la.data);
        }
        let len = match (first.last, lookahead) {
            (true, _) => used_lanes(first),
            (false, Some(la)) if la.last => BEAT_BYTES + used_lanes(la),
            _ => LONG,
        };
        Window { data, len }
    }
}

/// Lanes of a last beat that belong to the frame: up to the highest set `tkeep` bit (0 if none).
pub(crate) fn used_lanes(beat: &Beat) -> usize {
    (u64::BITS - beat.keep.leading_zeros()) as usize
}

/// IP version chosen by the EtherType or the MPLS payload nibble.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IpVersion {
    V4,
    V6,
}

/// What the walk found, beside the flags.
#[derive(Default)]
struct Found {
    /// Offset of the IP header (set with IPV4/IPV6).
    l3: usize,
    /// Addresses and protocol, once the IP header was parsed (steps 5/6 passed).
    ip: Option<IpFound>,
    /// Ports, when PORTS is set.
    ports: (u16, u16),
    tcp: Option<TcpFields>,
}

/// The parsed IP header.
struct IpFound {
    src: [u8; 16],
    dst: [u8; 16],
    /// `p`: IPv4 protocol or the IPv6 next header where the walk stopped.
    proto: u8,
}

/// The walk over the window, collecting flags.
struct Walker<'a> {
    window: &'a Window,
    flags: u16,
}

impl Walker<'_> {
    /// Record `flag` and stop the walk.
    fn stop<T>(&mut self, flag: u16) -> Option<T> {
        self.flags |= flag;
        None
    }

    /// "Needs n": the first `n` lanes must be in the frame and in the window.
    fn need(&mut self, n: usize) -> Option<()> {
        if n > self.window.len {
            self.stop(ParseFlags::TRUNCATED)
        } else if n > PARSE_WINDOW_BYTES {
            self.stop(ParseFlags::DEEP)
        } else {
            Some(())
        }
    }

    fn u8(&self, at: usize) -> u8 {
        self.window.data.get(at).copied().unwrap_or(0)
    }

    fn u16(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.u8(at), self.u8(at + 1)])
    }

    fn u32(&self, at: usize) -> u32 {
        u32::from_be_bytes([
            self.u8(at),
            self.u8(at + 1),
            self.u8(at + 2),
            self.u8(at + 3),
        ])
    }

    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        std::array::from_fn(|i| self.u8(at + i))
    }

    /// Step 1: RUNT and KEEP_HOLE (neither stops the walk).
    fn check_length_and_keep(&mut self, first: &Beat, lookahead: Option<&Beat>) {
        if self.window.len < MIN_FRAME_BYTES {
            self.flags |= ParseFlags::RUNT;
        }
        let hole =
            !first.keep_is_contiguous() || lookahead.is_some_and(|la| !la.keep_is_contiguous());
        if hole {
            self.flags |= ParseFlags::KEEP_HOLE;
        }
    }

    /// Steps 2–7.
    fn walk(&mut self, found: &mut Found) -> Option<()> {
        let (ethertype, off) = self.link()?;
        let (version, l3) = self.network(ethertype, off)?;
        found.l3 = l3;
        let (proto, l4) = match version {
            IpVersion::V4 => self.ipv4(l3, found)?,
            IpVersion::V6 => self.ipv6(l3, found)?,
        };
        self.transport(proto, l4, found)
    }

    /// Step 2: Ethernet (inside FabricPath if there is one) and up to `MAX_LINK_TAGS` VLAN tags,
    /// VN-tags or PBB I-tags. Returns the EtherType and the offset after it.
    fn link(&mut self) -> Option<(u16, usize)> {
        self.need(ETHERNET_BYTES)?;
        let mut ethertype = self.u16(ETHERTYPE_OFFSET);
        let mut off = ETHERNET_BYTES;
        if ethertype == ETHERTYPE_FABRICPATH {
            off = FABRICPATH_INNER_ETHERTYPE + 2;
            self.need(off)?;
            ethertype = self.u16(FABRICPATH_INNER_ETHERTYPE);
        }
        for _ in 0..MAX_LINK_TAGS {
            let bytes = match ethertype {
                e if ETHERTYPES_VLAN.contains(&e) => TAG_BYTES,
                ETHERTYPE_VNTAG => VNTAG_BYTES,
                ETHERTYPE_PBB => PBB_BYTES,
                _ => break,
            };
            self.need(off + bytes)?;
            ethertype = self.u16(off + bytes - 2);
            off += bytes;
        }
        Some((ethertype, off))
    }

    /// Steps 3–4: MPLS, then the IP version. Sets IPV4/IPV6; returns the version and `l3`.
    fn network(&mut self, ethertype: u16, off: usize) -> Option<(IpVersion, usize)> {
        let (version, l3) = match ethertype {
            ETHERTYPE_IPV4 => (IpVersion::V4, off),
            ETHERTYPE_IPV6 => (IpVersion::V6, off),
            e if ETHERTYPES_MPLS.contains(&e) => self.mpls(off)?,
            ETHERTYPE_PPPOE_SESSION => self.pppoe(off)?,
            _ => return self.stop(ParseFlags::L3_UNKNOWN),
        };
        self.flags |= match version {
            IpVersion::V4 => ParseFlags::IPV4,
            IpVersion::V6 => ParseFlags::IPV6,
        };
        Some((version, l3))
    }

    /// Step 3: a PPPoE session header and the PPP protocol: IPv4 or IPv6, else unknown.
    fn pppoe(&mut self, off: usize) -> Option<(IpVersion, usize)> {
        self.need(off + PPPOE_BYTES)?;
        match self.u16(off + PPPOE_BYTES - 2) {
            PPP_IPV4 => Some((IpVersion::V4, off + PPPOE_BYTES)),
            PPP_IPV6 => Some((IpVersion::V6, off + PPPOE_BYTES)),
            _ => self.stop(ParseFlags::L3_UNKNOWN),
        }
    }

    /// Step 3: the MPLS label stack and the payload's first nibble.
    fn mpls(&mut self, mut off: usize) -> Option<(IpVersion, usize)> {
        let mut bottom = false;
        for _ in 0..MAX_MPLS_LABELS {
            self.need(off + TAG_BYTES)?;
            let label = self.u32(off);
            off += TAG_BYTES;
            if label & MPLS_BOTTOM_OF_STACK != 0 {
                bottom = true;
                break;
            }
        }
        if !bottom {
            return self.stop(ParseFlags::MPLS_DEEP);
        }
        self.need(off + 1)?;
        match self.u8(off) >> 4 {
            4 => Some((IpVersion::V4, off)),
            6 => Some((IpVersion::V6, off)),
            _ => self.stop(ParseFlags::MPLS_DEEP),
        }
    }

    /// Step 5: IPv4. Returns the protocol and `l4`; `None` also for a fragment (no transport).
    fn ipv4(&mut self, l3: usize, found: &mut Found) -> Option<(u8, usize)> {
        self.need(l3 + IPV4_MIN_BYTES)?;
        let (version, ihl) = (self.u8(l3) >> 4, self.u8(l3) & 0x0F);
        if version != 4 || ihl < IPV4_MIN_IHL {
            return self.stop(ParseFlags::BAD_IHL);
        }
        let l4 = l3 + 4 * ihl as usize;
        self.need(l4)?;
        let proto = self.u8(l3 + 9);
        found.ip = Some(IpFound {
            src: ipv4_as_16(self.bytes(l3 + 12)),
            dst: ipv4_as_16(self.bytes(l3 + 16)),
            proto,
        });
        if self.u16(l3 + 6) & IPV4_FRAGMENT_OFFSET_MASK != 0 {
            return self.stop(ParseFlags::FRAGMENT);
        }
        Some((proto, l4))
    }

    /// Step 6: IPv6 and its extension headers. Returns the protocol and `l4`.
    fn ipv6(&mut self, l3: usize, found: &mut Found) -> Option<(u8, usize)> {
        self.need(l3 + IPV6_BYTES)?;
        if self.u8(l3) >> 4 != 6 {
            return self.stop(ParseFlags::BAD_IHL);
        }
        let ip = found.ip.insert(IpFound {
            src: self.bytes(l3 + 8),
            dst: self.bytes(l3 + 24),
            proto: self.u8(l3 + 6),
        });
        let mut off = l3 + IPV6_BYTES;
        for _ in 0..MAX_IPV6_EXT_HEADERS {
            if !is_ipv6_ext(ip.proto) {
                return Some((ip.proto, off));
            }
            self.need(off + IPV6_EXT_MIN_BYTES)?;
            let (next, len) = (self.u8(off), self.ipv6_ext_len(ip.proto, off));
            let fragment_offset = self.u16(off + 2) >> 3;
            let is_fragment = ip.proto == NH_FRAGMENT;
            ip.proto = next;
            off += len;
            if is_fragment && fragment_offset != 0 {
                return self.stop(ParseFlags::FRAGMENT);
            }
        }
        if is_ipv6_ext(ip.proto) {
            return self.stop(ParseFlags::L4_UNKNOWN);
        }
        Some((ip.proto, off))
    }

    /// Length of the IPv6 extension header of type `nh` at `off`.
    fn ipv6_ext_len(&self, nh: u8, off: usize) -> usize {
        if nh == NH_FRAGMENT {
            IPV6_EXT_MIN_BYTES
        } else {
            8 * (self.u8(off + 1) as usize + 1)
        }
    }

    /// Step 7: the transport header.
    fn transport(&mut self, proto: u8, l4: usize, found: &mut Found) -> Option<()> {
        match proto {
            PROTO_TCP => {
                self.need(l4 + TCP_BYTES)?;
                found.tcp = Some(TcpFields {
                    seq: self.u32(l4 + 4),
                    ack: self.u32(l4 + 8),
                    flags: self.u8(l4 + 13),
                    window: self.u16(l4 + 14),
                    data_offset: self.u8(l4 + 12) >> 4,
                });
                self.ports(l4, found)
            }
            PROTO_UDP => {
                self.need(l4 + UDP_BYTES)?;
                self.ports(l4, found)
            }
            PROTO_ICMP | PROTO_ICMPV6 => self.need(l4 + ICMP_BYTES),
            _ => self.stop(ParseFlags::L4_UNKNOWN),
        }
    }

    fn ports(&mut self, l4: usize, found: &mut Found) -> Option<()> {
        found.ports = (self.u16(l4), self.u16(l4 + 2));
        self.flags |= ParseFlags::PORTS;
        Some(())
    }
}

/// The IPv6 extension headers the parser skips.
fn is_ipv6_ext(nh: u8) -> bool {
    matches!(
        nh,
        NH_HOP_BY_HOP | NH_ROUTING | NH_FRAGMENT | NH_DEST_OPTIONS
    )
}

/// Steps 8–9: flow hash and the FLOW tag fields from what the walk found.
fn finish(flags: u16, found: &Found, key: &[u8; KEY_BYTES]) -> Meta {
    let flags = ParseFlags(flags);
    let has_l3 = flags.has(ParseFlags::IPV4) || flags.has(ParseFlags::IPV6);
    let mut meta = Meta {
        flags,
        l3_offset: if has_l3 { found.l3 as u8 } else { 0 },
        tcp: found.tcp,
        ..Meta::default()
    };
    if flags.has(ParseFlags::PORTS) {
        (meta.sport, meta.dport) = found.ports;
    }
    if let Some(ip) = &found.ip {
        meta.src = ip.src;
        meta.dst = ip.dst;
        meta.ip_proto = ip.proto;
        meta.hash = flow_hash(key, (ip.src, meta.sport), (ip.dst, meta.dport));
        meta.ip_ok = true;
    }
    meta
}
