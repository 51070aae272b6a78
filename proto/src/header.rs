//! Version 1 of the Vantage tagged header: encode, decode, strip.
//!
//! The header sits between the MAC addresses and the frame's original EtherType, like an 802.1Q
//! tag, so a monitor that does not know it sees an unknown EtherType and a monitor that does can
//! strip it and recover the original frame byte for byte.
//!
//! ```text
//!  frame byte
//!   0                             6                            12
//!  +-----------------------------+-----------------------------+
//!  |       destination MAC       |         source MAC          |
//!  +-----------------------------+-----------------------------+
//!  12                  14        15        16                      12+4*words
//!  +-------------------+---------+---------+-----------------------+--------------------+----
//!  | EtherType 0x88B5  | version |  words  | TLV | TLV | ...       | original EtherType | rest
//!  |     2 bytes       | 1 byte  | 1 byte  |                       | (the frame's own)  | of frame
//!  +-------------------+---------+---------+-----------------------+--------------------+----
//!  words = length of the Vantage header (EtherType .. last TLV) in 4-byte words. The frame's
//!  original EtherType follows the header untouched, as after an 802.1Q tag, so tagging is a pure
//!  insertion of 4*words bytes at offset 12 and stripping is a pure deletion.
//!
//!  TLV:  +--------+--------+------------------------+
//!        |  type  | length |  value (length bytes)  |    all multi-byte values big-endian
//!        +--------+--------+------------------------+
//!
//!  Version 1 per-frame header as the tag stage writes it (24 bytes, words = 6):
//!  off  0  EtherType 0x88B5        off  4  type 0x01 TIMESTAMP, length 8
//!  off  2  version 1               off  6  u64 ingress time, ns
//!  off  3  words 6                 off 14  type 0x02 FLOW, length 8
//!                                  off 16  u32 flow hash, u16 parse flags,
//!                                          u8 IP header offset in the original frame (0 = none),
//!                                          u8 IP protocol / IPv6 next header of the transport
//!
//!  A frame the stats stage has news about (a threshold crossed, a group it could not count)
//!  carries a third TLV, 36 bytes in all (words = 9):
//!  off 24  type 0x03 STATS, length 8
//!  off 26  u32 crossed: bit r = this frame crossed rule r's threshold (first time this epoch)
//!  off 30  u32 uncounted: bit r = rule r should have counted this frame but could not
//!          (bucket full, or a lane conflict); the frame itself carries the group's key fields
//!  off 34  type 0x00 PAD, length 0
//!
//!  A SYN the conn stage held and now gives back (`crate::conn`) carries a SYN TLV after the
//!  others, and its TIMESTAMP is the SYN's own ingress time: 36 bytes (words = 9) alone,
//!  off 24  type 0x20 SYN, length 10: u8 why, u8 flags, u16 retransmissions, u48 span ns
//!  or 48 bytes (words = 12) after a STATS tag (off 34 SYN, off 46 PAD, length 0).
//!
//!  A TCP frame the reasm stage follows carries a REASM tag last (`crate::reasm`, type 0x30,
//!  length 24: flow id, stream offset, skip, gap, status, flags, fallback reason), 26 bytes more
//!  before the padding to a multiple of 4.
//! ```
//!
//! A reader skips TLVs whose type it does not know (their length says how far) and stops at the
//! end given by `words`. Type 0 is padding.

use crate::flags::ParseFlags;
use thiserror::Error;

/// EtherType the tag stage writes by default (IEEE 802 local experimental EtherType 1).
pub const DEFAULT_ETHERTYPE: u16 = 0x88B5;
/// Header version written and understood by this crate.
pub const VERSION: u8 = 1;
/// Bytes before the first TLV: EtherType, version, words.
pub const FIXED_BYTES: usize = 4;
/// Bytes of a TLV's type and length fields.
pub const TLV_HEAD_BYTES: usize = 2;

/// TLV type: padding, value ignored.
pub const TLV_PAD: u8 = 0x00;
/// TLV type: ingress timestamp, u64 nanoseconds.
pub const TLV_TIMESTAMP: u8 = 0x01;
/// TLV type: flow hash (u32), parse flags (u16), IP header offset (u8), transport protocol (u8).
pub const TLV_FLOW: u8 = 0x02;

/// TLV type: stats news, u32 rules whose threshold this frame crossed, u32 rules that could not
/// count it.
pub const TLV_STATS: u8 = 0x03;

/// TLV type: an epoch report (only in report frames the stats stage makes; see `report`).
pub const TLV_REPORT: u8 = 0x04;
/// Value length of the REPORT tag.
pub const REPORT_LEN: usize = 42;

/// TLV type: a SYN the conn stage held and gives back (`crate::conn::SynInfo`); types 0x20..0x2F
/// are the conn stage's, as docs/header.md reserves them.
pub const TLV_SYN: u8 = 0x20;

/// Value length of the STATS tag.
pub const STATS_LEN: usize = 8;
/// Value length of the TIMESTAMP tag.
pub const TIMESTAMP_LEN: usize = 8;
/// Value length of the FLOW tag.
pub const FLOW_LEN: usize = 8;
/// Length of the per-frame header the tag stage inserts (TIMESTAMP + FLOW).
pub const FRAME_HEADER_BYTES: usize =
    FIXED_BYTES + TLV_HEAD_BYTES + TIMESTAMP_LEN + TLV_HEAD_BYTES + FLOW_LEN;
const _: () = assert!(FRAME_HEADER_BYTES % 4 == 0);
/// Length of the per-frame header with a STATS tag (and a 2-byte PAD).
pub const STATS_HEADER_BYTES: usize =
    FRAME_HEADER_BYTES + TLV_HEAD_BYTES + STATS_LEN + TLV_HEAD_BYTES;
const _: () = assert!(STATS_HEADER_BYTES % 4 == 0);
/// Length of the per-frame header with a SYN tag (a SYN the conn stage gives back).
pub const SYN_HEADER_BYTES: usize = FRAME_HEADER_BYTES + TLV_HEAD_BYTES + crate::conn::SYN_TLV_LEN;
const _: () = assert!(SYN_HEADER_BYTES % 4 == 0 && SYN_HEADER_BYTES == STATS_HEADER_BYTES);
/// Length of the per-frame header with STATS and SYN tags (and a 2-byte PAD).
pub const STATS_SYN_HEADER_BYTES: usize =
    STATS_HEADER_BYTES + TLV_HEAD_BYTES + crate::conn::SYN_TLV_LEN;
const _: () = assert!(STATS_SYN_HEADER_BYTES % 4 == 0);

/// Length of the per-frame header with the optional tags the stages add (STATS, SYN, REASM, in
/// that order after TIMESTAMP and FLOW), padded as [`TaggedHeader::encode`] pads: 24, 36, 48, 52,
/// 60, 64 or 72 bytes.
pub const fn frame_header_bytes(stats: bool, syn: bool, reasm: bool) -> usize {
    let mut n = FRAME_HEADER_BYTES;
    if stats {
        n += TLV_HEAD_BYTES + STATS_LEN;
    }
    if syn {
        n += TLV_HEAD_BYTES + crate::conn::SYN_TLV_LEN;
    }
    if reasm {
        n += TLV_HEAD_BYTES + crate::reasm::REASM_TLV_LEN;
    }
    // A PAD tag (2 bytes) to the next multiple of 4; every tag's length is even.
    if n % 4 != 0 {
        n += 4 - n % 4;
    }
    n
}
/// The longest per-frame header (every optional tag).
pub const MAX_FRAME_HEADER_BYTES: usize = frame_header_bytes(true, true, true);
const _: () = assert!(MAX_FRAME_HEADER_BYTES == 72);
const _: () = assert!(
    STATS_HEADER_BYTES == frame_header_bytes(true, false, false)
        && SYN_HEADER_BYTES == frame_header_bytes(false, true, false)
        && STATS_SYN_HEADER_BYTES == frame_header_bytes(true, true, false)
);

/// What the FLOW tag says about a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowInfo {
    /// Keyed, direction-independent flow hash (0 when the frame has no IP flow).
    pub hash: u32,
    /// What the parse stage noticed.
    pub flags: ParseFlags,
    /// Byte offset of the IP header in the original frame, 0 when there is none.
    pub l3_offset: u8,
    /// IPv4 protocol or IPv6 next header of the transport layer, 0 when there is none.
    pub ip_proto: u8,
}

/// One decoded tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// Ingress timestamp in nanoseconds.
    Timestamp(u64),
    /// Flow hash and parse results.
    Flow(FlowInfo),
    /// What the stats stage says about the frame (bit r = rule r).
    Stats { crossed: u32, uncounted: u32 },
    /// The header of a report frame (`crate::report`).
    Report(crate::report::ReportInfo),
    /// A SYN the conn stage held: why it comes now, what it absorbed.
    Syn(crate::conn::SynInfo),
    /// What the reasm stage did with a TCP frame (`crate::reasm`).
    Reasm(crate::reasm::ReasmInfo),
    /// A tag this reader does not know; kept so it can be shown.
    Unknown { tag_type: u8, value: Vec<u8> },
}

/// A decoded Vantage header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedHeader {
    pub version: u8,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("frame of {0} bytes is too short to carry a Vantage header")]
    TooShort(usize),
    #[error("EtherType 0x{found:04x} is not the Vantage EtherType 0x{expected:04x}")]
    NotTagged { found: u16, expected: u16 },
    #[error("unsupported Vantage header version {0}")]
    Version(u8),
    #[error("header claims {claimed} bytes but the frame has {available} after the MAC addresses")]
    Length { claimed: usize, available: usize },
    #[error("TLV at header offset {offset} runs past the header end")]
    TlvOverrun { offset: usize },
}

impl TaggedHeader {
    /// The per-frame header of version 1: timestamp and flow.
    pub fn for_frame(timestamp_ns: u64, flow: FlowInfo) -> Self {
        TaggedHeader {
            version: VERSION,
            tags: vec![Tag::Timestamp(timestamp_ns), Tag::Flow(flow)],
        }
    }

    /// Serialise, starting with `ethertype`; padded with a PAD tag to a multiple of 4 bytes.
    pub fn encode(&self, ethertype: u16) -> Vec<u8> {
        let mut out = Vec::with_capacity(FRAME_HEADER_BYTES);
        out.extend_from_slice(&ethertype.to_be_bytes());
        out.push(self.version);
        out.push(0); // words, filled in below
        for tag in &self.tags {
            let (tag_type, value) = tag.type_and_value();
            out.push(tag_type);
            out.push(value.len() as u8);
            out.extend_from_slice(&value);
        }
        let rem = out.len() % 4;
        if rem != 0 {
            // A PAD tag needs 2 bytes; pad to the next multiple of 4 that has room for it.
            let mut pad = 4 - rem;
            if pad < TLV_HEAD_BYTES {
                pad += 4;
            }
            out.push(TLV_PAD);
            out.push((pad - TLV_HEAD_BYTES) as u8);
            out.resize(out.len() + pad - TLV_HEAD_BYTES, 0);
        }
        out[3] = (out.len() / 4) as u8;
        out
    }

    /// Decode the header of a tagged frame (the whole Ethernet frame is passed).
    /// Returns the header and its length in bytes.
    pub fn decode(frame: &[u8], ethertype: u16) -> Result<(Self, usize), HeaderError> {
        let body = frame.get(12..).ok_or(HeaderError::TooShort(frame.len()))?;
        if body.len() < FIXED_BYTES {
            return Err(HeaderError::TooShort(frame.len()));
        }
        let found = u16::from_be_bytes([body[0], body[1]]);
        if found != ethertype {
            return Err(HeaderError::NotTagged {
                found,
                expected: ethertype,
            });
        }
        let version = body[2];
        if version != VERSION {
            return Err(HeaderError::Version(version));
        }
        let len = body[3] as usize * 4;
        if len < FIXED_BYTES || len > body.len() {
            return Err(HeaderError::Length {
                claimed: len,
                available: body.len(),
            });
        }
        let tags = decode_tlvs(&body[FIXED_BYTES..len])?;
        Ok((TaggedHeader { version, tags }, len))
    }

    /// The per-frame header with a STATS tag.
    pub fn for_frame_with_stats(
        timestamp_ns: u64,
        flow: FlowInfo,
        crossed: u32,
        uncounted: u32,
    ) -> Self {
        let mut h = Self::for_frame(timestamp_ns, flow);
        h.tags.push(Tag::Stats { crossed, uncounted });
        h
    }

    /// The STATS tag's (crossed, uncounted) masks, if the frame has one.
    pub fn stats(&self) -> Option<(u32, u32)> {
        self.tags.iter().find_map(|t| match t {
            Tag::Stats { crossed, uncounted } => Some((*crossed, *uncounted)),
            _ => None,
        })
    }

    /// The SYN tag, if the frame is a SYN the conn stage held.
    pub fn syn(&self) -> Option<crate::conn::SynInfo> {
        self.tags.iter().find_map(|t| match t {
            Tag::Syn(s) => Some(*s),
            _ => None,
        })
    }

    /// The REASM tag, if the reasm stage followed the frame.
    pub fn reasm(&self) -> Option<crate::reasm::ReasmInfo> {
        self.tags.iter().find_map(|t| match t {
            Tag::Reasm(r) => Some(*r),
            _ => None,
        })
    }

    /// The REPORT tag, if this is a report frame's header.
    pub fn report(&self) -> Option<crate::report::ReportInfo> {
        self.tags.iter().find_map(|t| match t {
            Tag::Report(r) => Some(*r),
            _ => None,
        })
    }

    pub fn timestamp(&self) -> Option<u64> {
        self.tags.iter().find_map(|t| match t {
            Tag::Timestamp(ns) => Some(*ns),
            _ => None,
        })
    }

    pub fn flow(&self) -> Option<FlowInfo> {
        self.tags.iter().find_map(|t| match t {
            Tag::Flow(f) => Some(*f),
            _ => None,
        })
    }
}

impl Tag {
    fn type_and_value(&self) -> (u8, Vec<u8>) {
        match self {
            Tag::Timestamp(ns) => (TLV_TIMESTAMP, ns.to_be_bytes().to_vec()),
            Tag::Flow(f) => {
                let mut v = f.hash.to_be_bytes().to_vec();
                v.extend_from_slice(&f.flags.0.to_be_bytes());
                v.push(f.l3_offset);
                v.push(f.ip_proto);
                (TLV_FLOW, v)
            }
            Tag::Stats { crossed, uncounted } => {
                let mut v = crossed.to_be_bytes().to_vec();
                v.extend_from_slice(&uncounted.to_be_bytes());
                (TLV_STATS, v)
            }
            Tag::Report(info) => (TLV_REPORT, info.to_bytes().to_vec()),
            Tag::Syn(info) => (TLV_SYN, info.to_bytes().to_vec()),
            Tag::Reasm(info) => (crate::reasm::TLV_REASM, info.to_bytes().to_vec()),
            Tag::Unknown { tag_type, value } => (*tag_type, value.clone()),
        }
    }
}

fn decode_tlvs(mut rest: &[u8]) -> Result<Vec<Tag>, HeaderError> {
    let mut tags = Vec::new();
    let mut offset = FIXED_BYTES;
    while !rest.is_empty() {
        if rest.len() < TLV_HEAD_BYTES {
            return Err(HeaderError::TlvOverrun { offset });
        }
        let (tag_type, len) = (rest[0], rest[1] as usize);
        let value = rest
            .get(TLV_HEAD_BYTES..TLV_HEAD_BYTES + len)
            .ok_or(HeaderError::TlvOverrun { offset })?;
        match (tag_type, len) {
            (TLV_PAD, _) => {}
            (TLV_TIMESTAMP, TIMESTAMP_LEN) => {
                let mut ns = [0u8; 8];
                ns.copy_from_slice(value);
                tags.push(Tag::Timestamp(u64::from_be_bytes(ns)))
            }
            (TLV_FLOW, FLOW_LEN) => tags.push(Tag::Flow(FlowInfo {
                hash: u32::from_be_bytes([value[0], value[1], value[2], value[3]]),
                flags: ParseFlags(u16::from_be_bytes([value[4], value[5]])),
                l3_offset: value[6],
                ip_proto: value[7],
            })),
            (TLV_STATS, STATS_LEN) => tags.push(Tag::Stats {
                crossed: u32::from_be_bytes([value[0], value[1], value[2], value[3]]),
                uncounted: u32::from_be_bytes([value[4], value[5], value[6], value[7]]),
            }),
            (TLV_SYN, crate::conn::SYN_TLV_LEN) => {
                let mut b = [0u8; crate::conn::SYN_TLV_LEN];
                b.copy_from_slice(value);
                tags.push(Tag::Syn(crate::conn::SynInfo::from_bytes(&b)))
            }
            (crate::reasm::TLV_REASM, crate::reasm::REASM_TLV_LEN) => {
                let mut b = [0u8; crate::reasm::REASM_TLV_LEN];
                b.copy_from_slice(value);
                tags.push(Tag::Reasm(crate::reasm::ReasmInfo::from_bytes(&b)))
            }
            (TLV_REPORT, REPORT_LEN) => {
                tags.push(Tag::Report(crate::report::ReportInfo::from_bytes(value)))
            }
            _ => tags.push(Tag::Unknown {
                tag_type,
                value: value.to_vec(),
            }),
        }
        rest = &rest[TLV_HEAD_BYTES + len..];
        offset += TLV_HEAD_BYTES + len;
    }
    Ok(tags)
}

/// Insert an encoded header into an untagged frame after the MAC addresses.
pub fn insert(frame: &[u8], encoded: &[u8]) -> Vec<u8> {
    let cut = frame.len().min(12);
    let mut out = Vec::with_capacity(frame.len() + encoded.len());
    out.extend_from_slice(&frame[..cut]);
    out.extend_from_slice(encoded);
    out.extend_from_slice(&frame[cut..]);
    out
}

/// Decode a tagged frame and give back the header and the original frame.
pub fn strip(frame: &[u8], ethertype: u16) -> Result<(TaggedHeader, Vec<u8>), HeaderError> {
    let (header, len) = TaggedHeader::decode(frame, ethertype)?;
    let mut original = Vec::with_capacity(frame.len() - len);
    original.extend_from_slice(&frame[..12]);
    original.extend_from_slice(&frame[12 + len..]);
    Ok((header, original))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frame_header_bytes_is_what_encode_writes() {
        for k in 0..8u8 {
            let (stats, syn, reasm) = (k & 1 != 0, k & 2 != 0, k & 4 != 0);
            let mut h = TaggedHeader::for_frame(1, flow());
            if stats {
                h.tags.push(Tag::Stats {
                    crossed: 1,
                    uncounted: 2,
                });
            }
            if syn {
                h.tags.push(Tag::Syn(crate::conn::SynInfo {
                    why: 1,
                    flags: 0,
                    retransmissions: 0,
                    span_ns: 0,
                }));
            }
            if reasm {
                h.tags.push(Tag::Reasm(crate::reasm::ReasmInfo::default()));
            }
            let encoded = h.encode(DEFAULT_ETHERTYPE);
            assert_eq!(
                encoded.len(),
                frame_header_bytes(stats, syn, reasm),
                "{k:03b}"
            );
            assert_eq!(usize::from(encoded[3]) * 4, encoded.len());
        }
    }

    fn flow() -> FlowInfo {
        FlowInfo {
            hash: 0xAABBCCDD,
            flags: ParseFlags(0x1003),
            l3_offset: 14,
            ip_proto: 6,
        }
    }

    #[test]
    fn frame_header_layout_matches_diagram() {
        let e = TaggedHeader::for_frame(0x0102030405060708, flow()).encode(DEFAULT_ETHERTYPE);
        assert_eq!(e.len(), FRAME_HEADER_BYTES);
        assert_eq!(
            e,
            [
                0x88, 0xB5, 1, 6, 0x01, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 8, 0xAA, 0xBB, 0xCC, 0xDD,
                0x10, 0x03, 14, 6
            ]
        );
    }

    #[test]
    fn stats_header_layout_matches_diagram() {
        let e = TaggedHeader::for_frame_with_stats(0x0102030405060708, flow(), 0x8000_0001, 0x10)
            .encode(DEFAULT_ETHERTYPE);
        assert_eq!(e.len(), STATS_HEADER_BYTES);
        assert_eq!(e[3], 9);
        assert_eq!(
            &e[24..36],
            &[0x03, 8, 0x80, 0, 0, 1, 0, 0, 0, 0x10, 0x00, 0]
        );
        let frame = insert(&[0u8; 60], &e);
        let (h, len) = TaggedHeader::decode(&frame, DEFAULT_ETHERTYPE).unwrap();
        assert_eq!((h.stats(), len), (Some((0x8000_0001, 0x10)), 36));
    }

    #[test]
    fn syn_headers_match_the_diagram() {
        use crate::conn::{SynInfo, Why};
        let syn = SynInfo::new(Why::Released, 2, 7);
        let mut h = TaggedHeader::for_frame(1, flow());
        h.tags.push(Tag::Syn(syn));
        let e = h.encode(DEFAULT_ETHERTYPE);
        assert_eq!((e.len(), e[3]), (SYN_HEADER_BYTES, 9));
        assert_eq!(&e[24..36], &[0x20, 10, 1, 0, 0, 2, 0, 0, 0, 0, 0, 7]);
        let mut h = TaggedHeader::for_frame_with_stats(1, flow(), 1, 0);
        h.tags.push(Tag::Syn(syn));
        let e = h.encode(DEFAULT_ETHERTYPE);
        assert_eq!((e.len(), e[3]), (STATS_SYN_HEADER_BYTES, 12));
        assert_eq!(
            &e[34..48],
            &[0x20, 10, 1, 0, 0, 2, 0, 0, 0, 0, 0, 7, 0x00, 0]
        );
        let frame = insert(&[0u8; 60], &e);
        let (d, len) = TaggedHeader::decode(&frame, DEFAULT_ETHERTYPE).unwrap();
        assert_eq!((d.syn(), d.stats(), len), (Some(syn), Some((1, 0)), 48));
    }

    #[test]
    fn unknown_tags_are_skipped_and_kept() {
        let h = TaggedHeader {
            version: 1,
            tags: vec![
                Tag::Unknown {
                    tag_type: 0x77,
                    value: vec![9, 9, 9],
                },
                Tag::Timestamp(5),
            ],
        };
        let encoded = h.encode(0x88B5);
        assert_eq!(encoded.len() % 4, 0);
        let frame = insert(&[0u8; 20], &encoded);
        let (d, len) = TaggedHeader::decode(&frame, 0x88B5).unwrap();
        assert_eq!(len, encoded.len());
        assert_eq!(d.tags, h.tags);
        assert_eq!(d.timestamp(), Some(5));
    }

    #[test]
    fn errors_are_precise() {
        assert_eq!(
            TaggedHeader::decode(&[0; 10], 0x88B5),
            Err(HeaderError::TooShort(10))
        );
        let mut f = vec![0u8; 40];
        f[12] = 0x08;
        assert!(matches!(
            TaggedHeader::decode(&f, 0x88B5),
            Err(HeaderError::NotTagged { .. })
        ));
        f[12..16].copy_from_slice(&[0x88, 0xB5, 2, 2]);
        assert_eq!(
            TaggedHeader::decode(&f, 0x88B5),
            Err(HeaderError::Version(2))
        );
        f[12..16].copy_from_slice(&[0x88, 0xB5, 1, 200]);
        assert!(matches!(
            TaggedHeader::decode(&f, 0x88B5),
            Err(HeaderError::Length { .. })
        ));
        f[12..20].copy_from_slice(&[0x88, 0xB5, 1, 2, 1, 8, 0, 0]);
        assert_eq!(
            TaggedHeader::decode(&f, 0x88B5),
            Err(HeaderError::TlvOverrun { offset: 4 })
        );
    }

    proptest! {
        #[test]
        fn strip_inverts_insert(frame in proptest::collection::vec(any::<u8>(), 14..200),
                                ts: u64, hash: u32, flags: u16, l3: u8, proto: u8) {
            let f = FlowInfo { hash, flags: ParseFlags(flags), l3_offset: l3, ip_proto: proto };
            let h = TaggedHeader::for_frame(ts, f);
            let tagged = insert(&frame, &h.encode(DEFAULT_ETHERTYPE));
            let (d, orig) = strip(&tagged, DEFAULT_ETHERTYPE).unwrap();
            prop_assert_eq!(d, h);
            prop_assert_eq!(orig, frame);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = TaggedHeader::decode(&bytes, 0x88B5);
        }
    }
}
