//! The reasm stage's contract (the paper's §2.3): the REASM tag every followed TCP frame carries,
//! the flow-end record of each connection, the session table's geometry and hashes, and the
//! registers' defaults. docs/reasm.md states the rules; `vantage_model::reasm` runs them.
//!
//! ```text
//!  REASM tag, type 0x30, length 24 (after the TIMESTAMP and FLOW tags, and after STATS and SYN
//!  when the frame has them):
//!   0  u64 flow id: the session's serial number, 1 for the first session the stage created;
//!          0 when the frame has no session (fallback "table full")
//!   8  u48 stream offset of the payload's first byte in its direction (byte 0 = the byte after
//!          the SYN, or the first byte seen when the stage picked the connection up midstream)
//!  14  u16 skip: payload bytes at the front already delivered (a retransmission's old part);
//!          the monitor reads the frame's new bytes from payload byte `skip` on
//!  16  u32 gap: bytes of this direction's stream missing right before the first new byte
//!          (bytes the capture lost: the monitor's missed_bytes); 0 when none
//!  20  u8  status (`Status`)
//!  21  u8  flags: bit 0 = direction (0 originator -> responder, 1 responder -> originator),
//!              bit 1 = bytes of this frame differ from bytes of the stream the stage holds
//!              (an inconsistent overlap: the held bytes are the ones delivered)
//!  22  u8  fallback reason (`Fallback`) when status is FALLBACK, else 0
//!  23  u8  zero
//!
//!  flow-end frame: a standalone frame the stage sends when a session ends
//!   0  ff ff ff ff ff ff   destination MAC (as report frames)
//!   6  02 00 00 00 00 00   source MAC (as report frames)
//!  12  EtherType (tag.ETHERTYPE), version 1, words 3: a Vantage header of 12 bytes
//!  16  type 0x31 FLOW_END, length 6: u16 records in this frame (1), u32 flow-end records sent,
//!      this one included (wrapping)
//!  24  REPORT_ETHERTYPE 0x88B6, u16 zero
//!  28  the record (128 bytes, big-endian):
//!       0  u64 flow id
//!       8  u8 bit 0 = IPv6; u8 end reason (`End`); u8 fallback reason (0 = followed to the end);
//!          u8 zero
//!      12  u16 originator port, u16 responder port
//!      16  originator address (16 bytes, IPv4 as ::a.b.c.d)
//!      32  responder address
//!      48  u64 first frame, ns; 56 u64 last frame, ns
//!      64  originator -> responder direction, 32 bytes:
//!             u64 bytes delivered (new stream bytes)   u64 bytes missed (the gaps' sum)
//!             u32 gaps   u32 retransmitted frames   u32 inconsistent overlaps   u32 frames
//!      96  responder -> originator direction, the same
//! ```

pub mod directory;
pub mod record;

use crate::conn::{Endpoint, SynKey};
use crate::flowhash::{canonical_input, toeplitz};
use crate::report::{REPORT_DST_MAC, REPORT_ETHERTYPE, REPORT_SRC_MAC};

/// TLV type of the per-frame REASM tag; types 0x30..0x3F are the reasm stage's.
pub const TLV_REASM: u8 = 0x30;
/// Value length of the REASM tag.
pub const REASM_TLV_LEN: usize = 24;
/// TLV type of the flow-end header of a flow-end frame.
pub const TLV_FLOW_END: u8 = 0x31;
/// Value length of the FLOW_END tag.
pub const FLOW_END_TLV_LEN: usize = 6;
/// Bytes of one flow-end record.
pub const FLOW_END_RECORD_BYTES: usize = 128;
/// Where the record starts in a flow-end frame.
pub const FLOW_END_RECORD_OFFSET: usize = 12 + 4 + 2 + FLOW_END_TLV_LEN + 4;
/// Bytes of a flow-end frame.
pub const FLOW_END_FRAME_BYTES: usize = FLOW_END_RECORD_OFFSET + FLOW_END_RECORD_BYTES;
const _: () = assert!((4 + 2 + FLOW_END_TLV_LEN) % 4 == 0);
/// Largest stream offset the tag carries (48 bits); offsets wrap above it.
pub const OFFSET_MASK: u64 = (1 << 48) - 1;

/// Direction bit of the tag's flags: the frame goes from the responder to the originator.
pub const FLAG_RESPONDER: u8 = 0x01;
/// Inconsistency bit of the tag's flags.
pub const FLAG_INCONSISTENT: u8 = 0x02;

/// What the stage did with a followed frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Its new bytes continue the stream: they start at the stream's next byte (after `skip` old
    /// bytes, and after `gap` missing ones).
    InOrder = 1,
    /// Held above a hole and sent now, in order, right behind the frame that filled the hole (or
    /// behind a gap, when the hole will not fill).
    Released = 2,
    /// Every payload byte was delivered before: the monitor skips the frame's payload.
    Retransmission = 3,
    /// No stream bytes (a SYN, a pure ACK, an RST, a FIN delivered in order): passes at once.
    Control = 4,
    /// The stage does not follow this connection (`Fallback` says why); frames pass untouched and
    /// the monitor reassembles them itself. The frames the stage held go out first, in order.
    Fallback = 5,
}

impl Status {
    pub fn from_u8(v: u8) -> Option<Status> {
        Some(match v {
            1 => Status::InOrder,
            2 => Status::Released,
            3 => Status::Retransmission,
            4 => Status::Control,
            5 => Status::Fallback,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::InOrder => "in-order",
            Status::Released => "released",
            Status::Retransmission => "retransmission",
            Status::Control => "control",
            Status::Fallback => "fallback",
        }
    }

    /// Whether frames of this status carry new stream bytes (from payload byte `skip`).
    pub fn delivers(self) -> bool {
        matches!(self, Status::InOrder | Status::Released)
    }
}

/// Why the stage stopped following a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fallback {
    /// No room for a new session in either of its two buckets.
    TableFull = 1,
    /// A segment landed above the stream's next byte, apart from the bytes held above the
    /// direction's one hole: a second hole.
    SecondHole = 2,
    /// The segment store had no slot left and no other session to take one from.
    BufferExhausted = 3,
}

impl Fallback {
    pub fn from_u8(v: u8) -> Option<Fallback> {
        Some(match v {
            1 => Fallback::TableFull,
            2 => Fallback::SecondHole,
            3 => Fallback::BufferExhausted,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Fallback::TableFull => "table-full",
            Fallback::SecondHole => "second-hole",
            Fallback::BufferExhausted => "buffer-exhausted",
        }
    }

    /// Every reason, in register order.
    pub const ALL: [Fallback; 3] = [
        Fallback::TableFull,
        Fallback::SecondHole,
        Fallback::BufferExhausted,
    ];
}

/// Why a session ended (the flow-end record's end reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum End {
    /// Both directions closed with a FIN, or an RST, and the close linger passed.
    Closed = 1,
    /// No frame of the connection within the idle timeout.
    Idle = 2,
    /// A new SYN reused the closed session's endpoints.
    Reused = 3,
    /// Flushed by the host (or the end of a model run).
    Flushed = 4,
}

impl End {
    pub fn from_u8(v: u8) -> Option<End> {
        Some(match v {
            1 => End::Closed,
            2 => End::Idle,
            3 => End::Reused,
            4 => End::Flushed,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            End::Closed => "closed",
            End::Idle => "idle",
            End::Reused => "reused",
            End::Flushed => "flushed",
        }
    }
}

/// What to do with a frame whose payload was all delivered before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetransmitPolicy {
    /// Forward it with status RETRANSMISSION (the monitor's packet counts stay exact).
    #[default]
    Forward,
    /// Drop it, counted (`reasm.dropped`) and in the flow-end record.
    Drop,
}

/// What the REASM tag says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReasmInfo {
    pub flow_id: u64,
    /// Stream offset of the payload's first byte (48 bits).
    pub offset: u64,
    pub skip: u16,
    pub gap: u32,
    /// The raw status byte (`Status::from_u8` names it).
    pub status: u8,
    pub flags: u8,
    /// The raw fallback reason (`Fallback::from_u8`), 0 unless the status is FALLBACK.
    pub reason: u8,
}

impl ReasmInfo {
    pub fn to_bytes(&self) -> [u8; REASM_TLV_LEN] {
        let mut b = [0u8; REASM_TLV_LEN];
        b[0..8].copy_from_slice(&self.flow_id.to_be_bytes());
        b[8..14].copy_from_slice(&(self.offset & OFFSET_MASK).to_be_bytes()[2..]);
        b[14..16].copy_from_slice(&self.skip.to_be_bytes());
        b[16..20].copy_from_slice(&self.gap.to_be_bytes());
        b[20] = self.status;
        b[21] = self.flags;
        b[22] = self.reason;
        b
    }

    pub fn from_bytes(b: &[u8; REASM_TLV_LEN]) -> Self {
        let mut off = [0u8; 8];
        off[2..].copy_from_slice(&b[8..14]);
        ReasmInfo {
            flow_id: u64::from_be_bytes(b[0..8].try_into().expect("8 bytes")),
            offset: u64::from_be_bytes(off),
            skip: u16::from_be_bytes([b[14], b[15]]),
            gap: u32::from_be_bytes(b[16..20].try_into().expect("4 bytes")),
            status: b[20],
            flags: b[21],
            reason: b[22],
        }
    }

    pub fn status(&self) -> Option<Status> {
        Status::from_u8(self.status)
    }

    pub fn fallback(&self) -> Option<Fallback> {
        Fallback::from_u8(self.reason)
    }

    /// 0 for originator -> responder, 1 for the reverse.
    pub fn direction(&self) -> u8 {
        self.flags & FLAG_RESPONDER
    }
}

/// Per-direction figures of a flow-end record (serialised as `vantage decode --json` shows them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DirFigures {
    /// New stream bytes delivered.
    pub delivered: u64,
    /// Bytes of the stream that never came (the gaps' sum).
    pub missed: u64,
    pub gaps: u32,
    /// Frames whose payload was all delivered before (dropped or forwarded, by policy).
    pub retransmissions: u32,
    /// Frames whose bytes differed from the bytes the stage held.
    pub inconsistent: u32,
    /// Frames of the direction the stage saw.
    pub frames: u32,
}

/// A flow-end record: one per session, when it ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlowEnd {
    pub flow_id: u64,
    pub v6: bool,
    /// The raw end reason (`End::from_u8`).
    pub end: u8,
    /// The raw fallback reason, 0 when the stage followed the connection to its end.
    pub fallback: u8,
    pub originator: Endpoint,
    pub responder: Endpoint,
    pub first_ns: u64,
    pub last_ns: u64,
    /// [originator -> responder, responder -> originator].
    pub dirs: [DirFigures; 2],
}

impl FlowEnd {
    pub fn to_bytes(&self) -> [u8; FLOW_END_RECORD_BYTES] {
        let mut b = [0u8; FLOW_END_RECORD_BYTES];
        b[0..8].copy_from_slice(&self.flow_id.to_be_bytes());
        b[8] = u8::from(self.v6);
        b[9] = self.end;
        b[10] = self.fallback;
        b[12..14].copy_from_slice(&self.originator.1.to_be_bytes());
        b[14..16].copy_from_slice(&self.responder.1.to_be_bytes());
        b[16..32].copy_from_slice(&self.originator.0);
        b[32..48].copy_from_slice(&self.responder.0);
        b[48..56].copy_from_slice(&self.first_ns.to_be_bytes());
        b[56..64].copy_from_slice(&self.last_ns.to_be_bytes());
        for (d, f) in self.dirs.iter().enumerate() {
            let o = 64 + 32 * d;
            b[o..o + 8].copy_from_slice(&f.delivered.to_be_bytes());
            b[o + 8..o + 16].copy_from_slice(&f.missed.to_be_bytes());
            b[o + 16..o + 20].copy_from_slice(&f.gaps.to_be_bytes());
            b[o + 20..o + 24].copy_from_slice(&f.retransmissions.to_be_bytes());
            b[o + 24..o + 28].copy_from_slice(&f.inconsistent.to_be_bytes());
            b[o + 28..o + 32].copy_from_slice(&f.frames.to_be_bytes());
        }
        b
    }

    pub fn from_bytes(b: &[u8; FLOW_END_RECORD_BYTES]) -> Self {
        let u64_at = |o: usize| u64::from_be_bytes(b[o..o + 8].try_into().expect("8 bytes"));
        let u32_at = |o: usize| u32::from_be_bytes(b[o..o + 4].try_into().expect("4 bytes"));
        let addr = |o: usize| -> [u8; 16] { b[o..o + 16].try_into().expect("16 bytes") };
        let dir = |o: usize| DirFigures {
            delivered: u64_at(o),
            missed: u64_at(o + 8),
            gaps: u32_at(o + 16),
            retransmissions: u32_at(o + 20),
            inconsistent: u32_at(o + 24),
            frames: u32_at(o + 28),
        };
        FlowEnd {
            flow_id: u64_at(0),
            v6: b[8] & 1 != 0,
            end: b[9],
            fallback: b[10],
            originator: (addr(16), u16::from_be_bytes([b[12], b[13]])),
            responder: (addr(32), u16::from_be_bytes([b[14], b[15]])),
            first_ns: u64_at(48),
            last_ns: u64_at(56),
            dirs: [dir(64), dir(96)],
        }
    }

    /// The flow-end frame carrying this record; `sent` counts flow-end records, this one included.
    pub fn to_frame(&self, ethertype: u16, sent: u32) -> Vec<u8> {
        let mut f = Vec::with_capacity(FLOW_END_FRAME_BYTES);
        f.extend_from_slice(&REPORT_DST_MAC);
        f.extend_from_slice(&REPORT_SRC_MAC);
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.push(crate::header::VERSION);
        f.push(((4 + 2 + FLOW_END_TLV_LEN) / 4) as u8);
        f.push(TLV_FLOW_END);
        f.push(FLOW_END_TLV_LEN as u8);
        f.extend_from_slice(&1u16.to_be_bytes());
        f.extend_from_slice(&sent.to_be_bytes());
        f.extend_from_slice(&REPORT_ETHERTYPE.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(&self.to_bytes());
        f
    }

    /// The record of a flow-end frame, None when `frame` is not one.
    pub fn from_frame(frame: &[u8]) -> Option<FlowEnd> {
        if !looks_like_flow_end(frame) || frame.len() < FLOW_END_FRAME_BYTES {
            return None;
        }
        let rec = frame[FLOW_END_RECORD_OFFSET..FLOW_END_FRAME_BYTES]
            .try_into()
            .ok()?;
        Some(FlowEnd::from_bytes(rec))
    }
}

/// Whether `frame` starts like a flow-end frame: the report MACs, the FLOW_END tag and the
/// report EtherType after the header, whatever EtherType the header itself has.
pub fn looks_like_flow_end(frame: &[u8]) -> bool {
    frame.len() >= FLOW_END_RECORD_OFFSET
        && frame[..6] == REPORT_DST_MAC
        && frame[6..12] == REPORT_SRC_MAC
        && frame[16] == TLV_FLOW_END
        && frame[17] as usize == FLOW_END_TLV_LEN
        && frame[24..26] == REPORT_ETHERTYPE.to_be_bytes()
}

/// Bytes of the session table's hash key: the two bucket choices are two 32-bit windows of one
/// Toeplitz hash over the canonical endpoints, 64 key bits apart.
pub const SESSION_KEY_BYTES: usize = 48;
/// The session key after reset: not secret (set your own), chosen apart from the flow hash's.
pub const DEFAULT_SESSION_KEY: [u8; SESSION_KEY_BYTES] = [
    0x3c, 0x1e, 0x9a, 0x57, 0xd2, 0x08, 0x6b, 0xe4, 0x71, 0xaf, 0x25, 0xc9, 0x0d, 0x94, 0x5b, 0x36,
    0xe8, 0x42, 0x17, 0xbd, 0x60, 0xf3, 0x8e, 0x2a, 0xc5, 0x59, 0x03, 0x7e, 0xb1, 0x4d, 0x96, 0x28,
    0xfa, 0x13, 0x6e, 0xd7, 0x44, 0x8b, 0x21, 0xc0, 0x5f, 0x9d, 0x32, 0xe6, 0x0b, 0x78, 0xa4, 0x1f,
];
/// Ways per session bucket (a bucket is one burst of external memory in the device).
pub const SESSION_WAYS: usize = 4;
/// log2 of the session buckets per choice after reset: 2^18 buckets x 4 ways = 1M sessions.
pub const DEFAULT_SESSION_BUCKET_BITS: u32 = 18;

/// The two candidate buckets of a session (each below `1 << bucket_bits`).
pub fn session_buckets(key: &[u8; SESSION_KEY_BYTES], k: &SynKey, bucket_bits: u32) -> [usize; 2] {
    let input = canonical_input(k.low, k.high);
    let h1 = toeplitz(&key[..40], &input);
    let h2 = toeplitz(&key[8..48], &input);
    let pick = |h: u32| {
        if bucket_bits == 0 {
            0
        } else {
            (h >> (32 - bucket_bits)) as usize
        }
    };
    [pick(h1), pick(h2)]
}

/// Bytes the stage holds above one direction's hole before it gives the hole up as a gap
/// (Zeek's tcp_max_above_hole_without_any_acks).
pub const DEFAULT_MAX_ABOVE_HOLE: u32 = 16 * 1024;
/// How long a hole may wait for its bytes before it is given up as a gap.
pub const DEFAULT_HOLE_TIMEOUT_NS: u64 = 1_000_000_000;
/// A session with no frame for this long ends (Zeek's tcp_inactivity_timeout).
pub const DEFAULT_IDLE_TIMEOUT_NS: u64 = 300_000_000_000;
/// A closed session (FIN both ways, or RST) stays this long for late frames (Zeek's
/// tcp_close_delay).
pub const DEFAULT_CLOSE_LINGER_NS: u64 = 5_000_000_000;
/// Segment slots of the store after reset (one held frame each).
pub const DEFAULT_STORE_SLOTS: usize = 65_536;
/// Payload bytes the store holds at most after reset.
pub const DEFAULT_STORE_BYTES: u64 = 64 << 20;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tag_matches_the_diagram() {
        let i = ReasmInfo {
            flow_id: 0x0102_0304_0506_0708,
            offset: 0x0000_A1A2_A3A4_A5A6,
            skip: 0x0B0C,
            gap: 0x1112_1314,
            status: Status::Released as u8,
            flags: FLAG_RESPONDER | FLAG_INCONSISTENT,
            reason: 0,
        };
        assert_eq!(
            i.to_bytes(),
            [
                1, 2, 3, 4, 5, 6, 7, 8, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0x0B, 0x0C, 0x11, 0x12,
                0x13, 0x14, 2, 3, 0, 0
            ]
        );
    }

    #[test]
    fn flow_end_frame_matches_the_diagram() {
        let r = FlowEnd {
            flow_id: 7,
            v6: true,
            end: End::Idle as u8,
            fallback: Fallback::SecondHole as u8,
            originator: ([1; 16], 1234),
            responder: ([2; 16], 80),
            first_ns: 10,
            last_ns: 20,
            dirs: [
                DirFigures {
                    delivered: 100,
                    missed: 5,
                    gaps: 1,
                    retransmissions: 2,
                    inconsistent: 3,
                    frames: 4,
                },
                DirFigures::default(),
            ],
        };
        let f = r.to_frame(0x88B5, 9);
        assert_eq!(f.len(), FLOW_END_FRAME_BYTES);
        assert_eq!(
            &f[12..28],
            &[0x88, 0xB5, 1, 3, 0x31, 6, 0, 1, 0, 0, 0, 9, 0x88, 0xB6, 0, 0]
        );
        assert_eq!(&f[28..40], &[0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 2, 0]);
        assert_eq!(&f[40..44], &[0x04, 0xD2, 0, 80]);
        assert_eq!(&f[28 + 64..28 + 72], &100u64.to_be_bytes());
        assert_eq!(FlowEnd::from_frame(&f), Some(r));
        // The generic header reader sees a 12-byte header with one tag it may not know.
        let (h, len) = crate::header::TaggedHeader::decode(&f, 0x88B5).unwrap();
        assert_eq!((len, h.tags.len()), (12, 1));
    }

    #[test]
    fn bucket_choices_differ_and_stay_in_range() {
        let (k, _) = SynKey::of(false, ([9; 16], 1), ([8; 16], 2));
        let b = session_buckets(&DEFAULT_SESSION_KEY, &k, 18);
        assert!(b[0] < 1 << 18 && b[1] < 1 << 18);
        assert_ne!(b[0], b[1]);
        assert_eq!(session_buckets(&DEFAULT_SESSION_KEY, &k, 0), [0, 0]);
    }

    proptest! {
        #[test]
        fn tag_round_trips(id: u64, off in 0..=OFFSET_MASK, skip: u16, gap: u32, st: u8, fl: u8, r: u8) {
            let i = ReasmInfo { flow_id: id, offset: off, skip, gap, status: st, flags: fl, reason: r };
            prop_assert_eq!(ReasmInfo::from_bytes(&i.to_bytes()), i);
        }

        #[test]
        fn any_record_bytes_decode(b in proptest::collection::vec(any::<u8>(), FLOW_END_RECORD_BYTES)) {
            let rec = FlowEnd::from_bytes(b.as_slice().try_into().unwrap());
            let again = FlowEnd::from_bytes(&rec.to_bytes());
            prop_assert_eq!(rec, again);
        }

        #[test]
        fn from_frame_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = FlowEnd::from_frame(&b);
        }
    }
}
