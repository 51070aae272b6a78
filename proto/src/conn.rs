//! The conn stage (SYN offload, the paper's §2.2): its geometry, the key both directions of a
//! connection share, which frames it may hold, and the SYN tag it puts on every SYN it gives back.
//!
//! ```text
//!  SYN table: 2^SYN_BUCKET_BITS buckets of SYN_WAYS records; bucket = the parse stage's keyed,
//!  direction-independent flow hash >> (32 - SYN_BUCKET_BITS); full keys compared, so two
//!  connections never share a record.
//!
//!  key (SynKey, 37 bytes as the hardware compares them):
//!   | v6 (1) | low address (16) | low port (2) | high address (16) | high port (2) |
//!   (address, port) pairs in canonical order, IPv4 zero-extended; the record keeps which side
//!   sent the SYN (the originator).
//!
//!  record: key, originator side, ISN, ingress time of the SYN, time of its last retransmission,
//!          retransmissions absorbed, the SYN frame itself (at most HOLD_BYTES bytes) and what the
//!          tag stage needs to tag it (flow hash, parse flags, offsets, the stats stage's news).
//!
//!  SYN TLV (type header::TLV_SYN = 0x20, value SYN_TLV_LEN = 10 bytes, big-endian):
//!   +--------+--------+-----------------+-----------------------------------------------+
//!   |  why   | flags  | retransmissions | span: last retransmission - first SYN, ns    |
//!   |  u8    |  u8    |      u16        |                  u48                          |
//!   +--------+--------+-----------------+-----------------------------------------------+
//!   why: 1 released (a frame of the connection came: the SYN goes just before it),
//!        2 expired (no frame of the connection within the timeout: a regenerated SYN),
//!        3 flushed (conn.CONTROL flush, or the end of a model run),
//!        4 late (released, but the stage's output was too far behind to put it first: it went
//!          after the frame that released it, as a regenerated SYN)
//!   flags: 0 (bit 0 is reserved for a compact record, not built)
//!   The frame's TIMESTAMP tag is the SYN's own ingress time, not the time it was given back.
//! ```
//! docs/pipeline.md ("Conn") states the rules; docs/conn-design.md why they are so.

use crate::datapath::BEAT_BYTES;

/// Bucket index width of the SYN table.
pub const SYN_BUCKET_BITS: usize = 14;
/// Records per bucket.
pub const SYN_WAYS: usize = 4;
/// Records the table holds.
pub const SYN_RECORDS: usize = (1 << SYN_BUCKET_BITS) * SYN_WAYS;
/// Longest SYN frame the stage holds (bytes, without FCS); a longer one passes (`fail_long`).
pub const HOLD_BYTES: usize = 128;
/// Beats of the longest held SYN.
pub const HOLD_BEATS: usize = HOLD_BYTES / BEAT_BYTES;
/// Beats the stage's output may be behind its input before a release goes late: each release
/// puts up to HOLD_BEATS beats into the stream, which free input cycles must pay back.
pub const RELEASE_BACKLOG_LIMIT: usize = 256;
/// Records expired or flushed that wait for a gap in the output; a frame that finds an expired
/// record while it is full sends that record at once, ahead of itself (`regen_inline`).
pub const REGEN_QUEUE: usize = 16;
/// Cycles a released record's way stays reserved after the release's lookup, before a new SYN
/// may take it: long enough for the release to reach the stage's output (about 270 cycles after
/// its lookup) and, when it goes late and finds the regen queue full, for the record to be kept
/// in its way (a keep operation, issued in a cycle without a lookup) with its frame still in the
/// payload store. The model applies the same rule to the frames' input cycles.
pub const RELEASE_RESERVE_CYCLES: u64 = 384;
/// The background scan expires a record only once its deadline is this far behind the
/// timestamp counter, so every frame still on its way to the table is later than the scan's time.
pub const EXPIRY_LAG_NS: u64 = 1_000_000;
/// Timeout after reset: Zeek's `tcp_attempt_delay` (5 s), how long Zeek waits for an answer.
pub const DEFAULT_TIMEOUT_NS: u64 = 5_000_000_000;
/// Value length of the SYN TLV.
pub const SYN_TLV_LEN: usize = 10;
/// Largest span the SYN TLV carries (48 bits of ns, 78 hours); longer spans saturate.
pub const MAX_SPAN_NS: u64 = (1 << 48) - 1;

const _: () = assert!(SYN_BUCKET_BITS <= 32 && HOLD_BYTES % BEAT_BYTES == 0);
const _: () = assert!(RELEASE_BACKLOG_LIMIT >= 2 * HOLD_BEATS);

/// What the SYN table did with a looked-up frame, as the RTL table reports it to the stage
/// around it (`model::conn::table::Lookup` by number).
pub mod lookup {
    /// No record, not to be held: the frame passes.
    pub const MISS: u8 = 0;
    /// The frame was stored.
    pub const HELD: u8 = 1;
    /// No record and no free way: the frame passes (`fail_full`).
    pub const FULL: u8 = 2;
    /// A retransmission, absorbed into its record.
    pub const ABSORBED: u8 = 3;
    /// The frame releases its connection's record; the frame passes.
    pub const RELEASE: u8 = 4;
}

/// TCP flag bits (byte 13 of the TCP header).
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const ACK: u8 = 0x10;
}

/// A SYN the stage may hold: SYN set, ACK, RST and FIN clear.
pub fn is_plain_syn(flags: u8) -> bool {
    use tcp_flags::*;
    flags & (SYN | ACK | RST | FIN) == SYN
}

/// One side of a connection: address (IPv4 zero-extended) and port.
pub type Endpoint = ([u8; 16], u16);

/// The key both directions of a connection share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SynKey {
    pub v6: bool,
    /// The endpoint that sorts first.
    pub low: Endpoint,
    pub high: Endpoint,
}

impl SynKey {
    /// The key of a frame from `src` to `dst`, and the sender's side (0: it is `low`).
    pub fn of(v6: bool, src: Endpoint, dst: Endpoint) -> (SynKey, u8) {
        if src <= dst {
            (
                SynKey {
                    v6,
                    low: src,
                    high: dst,
                },
                0,
            )
        } else {
            (
                SynKey {
                    v6,
                    low: dst,
                    high: src,
                },
                1,
            )
        }
    }

    /// (originator, responder) when the SYN came from `side`.
    pub fn oriented(&self, side: u8) -> (Endpoint, Endpoint) {
        if side == 0 {
            (self.low, self.high)
        } else {
            (self.high, self.low)
        }
    }
}

/// The bucket of a frame with flow hash `hash`.
pub fn syn_bucket(hash: u32) -> usize {
    (hash >> (32 - SYN_BUCKET_BITS)) as usize
}

/// Why a held SYN left the stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Why {
    /// A frame of the connection came; the SYN went just before it.
    Released = 1,
    /// No frame of the connection within the timeout.
    Expired = 2,
    /// Flushed by the host (or the end of a model run).
    Flushed = 3,
    /// Released, but sent after the frame that released it (the output was too far behind).
    Late = 4,
}

impl Why {
    pub fn from_u8(v: u8) -> Option<Why> {
        Some(match v {
            1 => Why::Released,
            2 => Why::Expired,
            3 => Why::Flushed,
            4 => Why::Late,
            _ => return None,
        })
    }

    /// Whether the SYN is a regenerated one (sent on its own, not just before a frame of its
    /// connection): the monitor logs it without entering its state machine.
    pub fn regenerated(self) -> bool {
        self != Why::Released
    }

    pub fn name(self) -> &'static str {
        match self {
            Why::Released => "released",
            Why::Expired => "expired",
            Why::Flushed => "flushed",
            Why::Late => "late",
        }
    }
}

/// What the SYN TLV says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SynInfo {
    /// The raw `why` byte (`Why::from_u8` names it; a reader keeps values it does not know).
    pub why: u8,
    pub flags: u8,
    /// Retransmissions of the SYN (same ISN) the stage absorbed, saturating at 65535.
    pub retransmissions: u16,
    /// Time from the SYN to its last retransmission, ns (0 without one), saturating at
    /// `MAX_SPAN_NS`.
    pub span_ns: u64,
}

impl SynInfo {
    pub fn new(why: Why, retransmissions: u16, span_ns: u64) -> Self {
        SynInfo {
            why: why as u8,
            flags: 0,
            retransmissions,
            span_ns: span_ns.min(MAX_SPAN_NS),
        }
    }

    pub fn to_bytes(&self) -> [u8; SYN_TLV_LEN] {
        let mut b = [0u8; SYN_TLV_LEN];
        b[0] = self.why;
        b[1] = self.flags;
        b[2..4].copy_from_slice(&self.retransmissions.to_be_bytes());
        b[4..10].copy_from_slice(&self.span_ns.min(MAX_SPAN_NS).to_be_bytes()[2..]);
        b
    }

    pub fn from_bytes(b: &[u8; SYN_TLV_LEN]) -> Self {
        let mut span = [0u8; 8];
        span[2..].copy_from_slice(&b[4..10]);
        SynInfo {
            why: b[0],
            flags: b[1],
            retransmissions: u16::from_be_bytes([b[2], b[3]]),
            span_ns: u64::from_be_bytes(span),
        }
    }

    pub fn why(&self) -> Option<Why> {
        Why::from_u8(self.why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_directions_share_one_key() {
        let a = ([1; 16], 80);
        let b = ([2; 16], 1234);
        let (k1, s1) = SynKey::of(true, a, b);
        let (k2, s2) = SynKey::of(true, b, a);
        assert_eq!(k1, k2);
        assert_eq!((s1, s2), (0, 1));
        assert_eq!(k1.oriented(s2), (b, a));
    }

    #[test]
    fn plain_syn_is_syn_alone() {
        use tcp_flags::*;
        assert!(is_plain_syn(SYN));
        assert!(is_plain_syn(SYN | 0x80 | 0x40)); // CWR, ECE: ECN setup
        assert!(!is_plain_syn(SYN | ACK));
        assert!(!is_plain_syn(SYN | RST));
        assert!(!is_plain_syn(SYN | FIN));
        assert!(!is_plain_syn(ACK));
    }

    #[test]
    fn tlv_matches_the_diagram() {
        let i = SynInfo::new(Why::Expired, 3, 0x0102_0304_0506);
        assert_eq!(i.to_bytes(), [2, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
        assert_eq!(SynInfo::new(Why::Late, 0, u64::MAX).span_ns, MAX_SPAN_NS);
    }

    proptest! {
        #[test]
        fn tlv_round_trips(why in 1u8..=4, n in any::<u16>(), span in 0..=MAX_SPAN_NS) {
            let i = SynInfo { why, flags: 0, retransmissions: n, span_ns: span };
            prop_assert_eq!(SynInfo::from_bytes(&i.to_bytes()), i);
            prop_assert!(i.why().is_some());
        }
    }
}
