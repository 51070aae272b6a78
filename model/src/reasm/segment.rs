//! What the reasm stage reads from a tagged frame: the TIMESTAMP and FLOW tags, and the TCP
//! segment behind the IP header the FLOW tag points at.
//!
//! ```text
//!  tagged frame:  MACs | Vantage header (TIMESTAMP, FLOW: IP offset l3, protocol 6, ...) | frame
//!  original frame (header stripped), from l3:
//!   IPv4:  0 ver|IHL  2-3 total length  6-7 flags|fragment offset  12-15 src  16-19 dst
//!          l4 = l3 + 4*IHL; the segment ends at l3 + total length
//!   IPv6:  4-5 payload length  6 next header  8-23 src  24-39 dst; extension headers from l3+40
//!          (hop-by-hop 0, routing 43, destination options 60: 8*(len+1) bytes) up to TCP;
//!          the segment ends at l3 + 40 + payload length
//!   TCP at l4:  0-1 sport  2-3 dport  4-7 seq  8-11 ack  12 data offset<<4  13 flags
//!          payload = [l4 + 4*data offset, segment end)
//! ```
//! The IP length, not the frame length, bounds the payload (Ethernet padding is not payload).

use vantage_proto::conn::{tcp_flags, Endpoint, SynKey};
use vantage_proto::header::TaggedHeader;

/// IPv6 next headers the walk skips.
const NH_HOP_BY_HOP: u8 = 0;
const NH_ROUTING: u8 = 43;
const NH_FRAGMENT: u8 = 44;
const NH_DEST_OPTIONS: u8 = 60;
/// IP protocol of TCP.
const PROTO_TCP: u8 = 6;
/// Most IPv6 extension headers walked (as the parse stage).
const MAX_EXT: usize = vantage_proto::datapath::MAX_IPV6_EXT_HEADERS;

/// One TCP segment as the stage sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Ingress time, ns (the TIMESTAMP tag).
    pub ts_ns: u64,
    pub key: SynKey,
    /// The sender's side of `key` (0: `key.low`).
    pub side: u8,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    /// Payload bytes: by the IP length (and a PPPoE length around it), or what the frame holds
    /// when it ends before that (`cut`).
    pub len: u32,
    /// The frame ends before the IP length says: `len` is what it holds, the FIN (whose place is
    /// after the missing bytes) is ignored, and the missing bytes become a gap of the stream.
    pub cut: bool,
    /// Byte range of the payload in the original (untagged) frame.
    pub payload: std::ops::Range<usize>,
}

impl Segment {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Sequence number of the first payload byte (after the SYN, which takes one).
    pub fn data_seq(&self) -> u32 {
        self.seq.wrapping_add(u32::from(self.has(tcp_flags::SYN)))
    }

    /// Sequence number just after the segment: its payload and its FIN.
    pub fn end_seq(&self) -> u32 {
        self.data_seq()
            .wrapping_add(self.len)
            .wrapping_add(u32::from(self.has(tcp_flags::FIN)))
    }
}

/// Why a frame is not a segment the stage follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotFollowed {
    /// No Vantage header (tagging off, or the tag stage passed it untagged).
    Untagged,
    /// Not TCP over an IP header the parse stage found (or an IP fragment).
    NotTcp,
    /// The IP or TCP header is inconsistent, or the frame ends inside them, or the TCP header
    /// ends past the parse stage's window (`PARSE_WINDOW_BYTES`: the device reads it there).
    Truncated,
}

/// The segment of a tagged frame whose header was stripped (`original`).
pub fn read(header: &TaggedHeader, original: &[u8]) -> Result<Segment, NotFollowed> {
    let flow = header.flow().ok_or(NotFollowed::Untagged)?;
    let ts_ns = header.timestamp().ok_or(NotFollowed::Untagged)?;
    if flow.ip_proto != PROTO_TCP || flow.l3_offset == 0 {
        return Err(NotFollowed::NotTcp);
    }
    let seg = tcp_segment(original, flow.l3_offset as usize, ts_ns)?;
    // The device reads the TCP header from the parse stage, which stops at its window: a header
    // that ends past it (DEEP) is one the device cannot follow.
    if flow.flags.has(vantage_proto::flags::ParseFlags::DEEP) {
        return Err(NotFollowed::Truncated);
    }
    Ok(seg)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The TCP segment of an untagged frame whose IP header starts at `l3`.
pub fn tcp_segment(f: &[u8], l3: usize, ts_ns: u64) -> Result<Segment, NotFollowed> {
    use NotFollowed::*;
    let ver = f.get(l3).ok_or(Truncated)? >> 4;
    let (v6, src, dst, l4, end) = match ver {
        4 => {
            let ihl = (f[l3] & 0x0F) as usize * 4;
            let total = be16(f, l3 + 2).ok_or(Truncated)? as usize;
            let frag = be16(f, l3 + 6).ok_or(Truncated)?;
            if frag & 0x3FFF != 0 {
                return Err(NotTcp); // a fragment (offset or more-fragments set)
            }
            if *f.get(l3 + 9).ok_or(Truncated)? != PROTO_TCP {
                return Err(NotTcp);
            }
            if ihl < 20 || total < ihl {
                return Err(Truncated);
            }
            let a: [u8; 4] = f
                .get(l3 + 12..l3 + 16)
                .ok_or(Truncated)?
                .try_into()
                .unwrap();
            let b: [u8; 4] = f
                .get(l3 + 16..l3 + 20)
                .ok_or(Truncated)?
                .try_into()
                .unwrap();
            (
                false,
                vantage_proto::flowhash::ipv4_as_16(a),
                vantage_proto::flowhash::ipv4_as_16(b),
                l3 + ihl,
                l3 + total,
            )
        }
        6 => {
            let payload = be16(f, l3 + 4).ok_or(Truncated)? as usize;
            let mut nh = *f.get(l3 + 6).ok_or(Truncated)?;
            let src: [u8; 16] = f.get(l3 + 8..l3 + 24).ok_or(Truncated)?.try_into().unwrap();
            let dst: [u8; 16] = f
                .get(l3 + 24..l3 + 40)
                .ok_or(Truncated)?
                .try_into()
                .unwrap();
            let mut at = l3 + 40;
            let mut walked = 0;
            while nh != PROTO_TCP {
                match nh {
                    NH_HOP_BY_HOP | NH_ROUTING | NH_DEST_OPTIONS if walked < MAX_EXT => {
                        nh = *f.get(at).ok_or(Truncated)?;
                        at += 8 * (*f.get(at + 1).ok_or(Truncated)? as usize + 1);
                        walked += 1;
                    }
                    NH_FRAGMENT => return Err(NotTcp),
                    _ => return Err(NotTcp),
                }
            }
            (true, src, dst, at, l3 + 40 + payload)
        }
        _ => return Err(NotTcp),
    };
    let end = end.min(pppoe_end(f, l3).unwrap_or(usize::MAX));
    let doff = (*f.get(l4 + 12).ok_or(Truncated)? >> 4) as usize * 4;
    let start = l4 + doff;
    if doff < 20 || start > end || start > f.len() {
        return Err(Truncated);
    }
    let cut = end > f.len();
    let end = end.min(f.len());
    let mut flags = f[l4 + 13];
    if cut {
        flags &= !tcp_flags::FIN;
    }
    let sport = be16(f, l4).ok_or(Truncated)?;
    let dport = be16(f, l4 + 2).ok_or(Truncated)?;
    let (key, side) = SynKey::of(v6, (src, sport) as Endpoint, (dst, dport));
    Ok(Segment {
        ts_ns,
        key,
        side,
        seq: be32(f, l4 + 4).ok_or(Truncated)?,
        ack: be32(f, l4 + 8).ok_or(Truncated)?,
        flags,
        len: (end - start) as u32,
        cut,
        payload: start..end,
    })
}

/// EtherType of a PPPoE session.
const ETHERTYPE_PPPOE: u16 = 0x8864;

/// Where the PPPoE payload ends when the IP header at `l3` sits in a PPPoE session:
/// `.. 0x8864 | ver/type 0x11 | code 0 | session (2) | length (2) | PPP protocol (2) | IP`; the
/// length counts from the PPP protocol on. An IP length beyond it is padding's doing.
fn pppoe_end(f: &[u8], l3: usize) -> Option<usize> {
    let h = l3.checked_sub(10)?;
    (be16(f, h)? == ETHERTYPE_PPPOE && f[h + 2] == 0x11 && f[h + 3] == 0)
        .then(|| l3 - 2 + be16(f, h + 6).map_or(0, usize::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4_frame(payload: &[u8], pad: usize) -> Vec<u8> {
        let mut b = etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(1000, 80, 7, 100)
            .ack(9)
            .psh();
        let mut out = Vec::new();
        b = b.options(&[]).unwrap();
        b.write(&mut out, payload).unwrap();
        out.resize(out.len() + pad, 0xEE);
        out
    }

    #[test]
    fn payload_ends_at_the_ip_length_not_the_frame() {
        let f = v4_frame(b"abc", 20);
        let s = tcp_segment(&f, 14, 5).unwrap();
        assert_eq!((s.seq, s.ack, s.len), (7, 9, 3));
        assert_eq!(&f[s.payload.clone()], b"abc");
        assert_eq!(s.end_seq(), 10);
    }

    #[test]
    fn short_frames_are_cut_or_truncated_not_panics() {
        let f = v4_frame(b"abcdef", 0);
        for cut in 0..f.len() {
            let _ = tcp_segment(&f[..cut], 14, 0);
        }
        let s = tcp_segment(&f[..f.len() - 1], 14, 0).unwrap();
        assert_eq!((s.len, s.cut), (5, true));
        assert_eq!(
            tcp_segment(&f[..14 + 20 + 10], 14, 0),
            Err(NotFollowed::Truncated)
        );
    }

    #[test]
    fn a_pppoe_length_bounds_the_payload() {
        // PPPoE session header in front of the IP header; its length leaves 1 payload byte.
        let inner = v4_frame(b"xyz", 0);
        let mut f = inner[..12].to_vec();
        f.extend_from_slice(&[0x88, 0x64, 0x11, 0x00, 0x00, 0x01]);
        let ip_len = inner.len() - 14;
        f.extend_from_slice(&((ip_len - 2 + 2) as u16).to_be_bytes());
        f.extend_from_slice(&[0x00, 0x21]);
        f.extend_from_slice(&inner[14..]);
        let s = tcp_segment(&f, 22, 0).unwrap();
        assert_eq!((s.len, s.cut), (1, false));
    }
}
