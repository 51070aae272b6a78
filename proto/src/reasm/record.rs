//! The session record of the reasm stage in external memory: what the device keeps per session
//! behind the directory (`directory.rs`), four 64-byte beats at
//! `RECORD_BASE + RECORD_BYTES * (bucket * SESSION_WAYS + way)`.
//!
//! ```text
//!  beat 0  sequence state, both directions (read and written by every frame of the session)
//!          bits   0..256  direction 0 (the originator's)     bits 256..512  direction 1
//!          a direction, from its bit 0:
//!            0..32    next           sequence number of the stream's next byte
//!            32..80   next_off       its stream offset (48 bits, the REASM tag's width)
//!            80..112  acked          the other side's highest ACK (valid: bit 250)
//!            112..144 block_start    the held block [start, end) above the hole (valid: 251)
//!            144..176 block_end
//!            176..208 block_since    when the block was started, in ticks of 1,024 ns
//!            208..228 held_head      the segment store's first and last slot of the block
//!            228..248 held_tail
//!            248 init   249 fin   250 acked valid   251 block valid
//!            252 block_fin  a frame of the held block carries a FIN
//!          the session's bits the frame's decision reads, in the directions' spare bits:
//!            253..255 fallback reason (0: followed)   255 closed   509 originator's side
//!            510..512 zero
//!  beat 1  the session (read and written by every frame, after beat 0: nothing in it changes
//!          what the stage decides for a frame)
//!            0..64    flow_id        64..128  first_ns       128..192 last_ns
//!            192..224 closed_at (ticks, when beat 0's closed bit is set)   224 IPv6
//!            225..256 zero
//!            256..512 the match stage's per-direction state (zero until it is built)
//!  beat 2  figures of the flow-end record, both directions (read and written by every frame)
//!          bits 0..256 direction 0, 256..512 direction 1; a direction, from its bit 0:
//!            0..64 delivered   64..128 missed   128..160 gaps   160..192 retransmissions
//!            192..224 inconsistent   224..256 frames
//!  beat 3  an IPv6 session's endpoints (written when it opens, read by its frames to compare
//!          the full key: the directory holds a 96-bit hash of it)
//!            0..128 low address   128..144 low port   144..272 high address   272..288 high port
//! ```
//! Bits are numbered as in an AXI beat: bit `i` of a beat is bit `i % 8` of its byte `i / 8`;
//! a field's bit 0 is its least significant. docs/decisions/reasm-record.md says why this shape.

use super::DirFigures;
use crate::conn::Endpoint;

/// Bytes of one beat of the memory port.
pub const BEAT_BYTES: usize = 64;
/// Beats of one session record.
pub const RECORD_BEATS: usize = 4;
/// Bytes of one session record.
pub const RECORD_BYTES: usize = BEAT_BYTES * RECORD_BEATS;
/// Beats every frame of a session reads and writes back (sequence state, session, figures).
pub const HOT_BEATS: usize = 3;
/// Bits of a direction's share of beats 0 and 2.
pub const DIR_BITS: usize = 256;
/// A record's times (`block_since`, `closed_at`) are kept in ticks of `1 << TICK_SHIFT` ns.
pub const TICK_SHIFT: u32 = 10;
/// The tick of a time in ns: what a record keeps of it (wrapping every 2^32 ticks, 73 minutes).
pub fn tick(ns: u64) -> u32 {
    (ns >> TICK_SHIFT) as u32
}

/// Ns from tick `then` to the time `now_ns`, in whole ticks (the record's times are compared
/// with a wrapping difference, as the device compares them).
pub fn ns_since(now_ns: u64, then: u32) -> u64 {
    u64::from(tick(now_ns).wrapping_sub(then)) << TICK_SHIFT
}

/// Bits of a segment-store slot index (`held_head`, `held_tail`): at most 1M slots.
pub const SLOT_BITS: usize = 20;
/// Bits of the stream offset.
pub const OFFSET_BITS: usize = 48;

/// Datapath cycles from a record request (made with the directory's answer) to the record: the
/// frame waits `LOOKUP_CYCLES + RECORD_CYCLES` in the stage's delay line. The same memory budget
/// as the directory's; so are the write window, the requests in flight and the forwarding
/// entries (`directory::WRITE_CYCLES`, `LOOKUPS_IN_FLIGHT`, `FORWARD_ENTRIES`).
pub const RECORD_CYCLES: u32 = super::directory::LOOKUP_CYCLES;
/// Entries of a record port's forwarding table. Every frame changes its record, so a port makes a
/// change every `LOOKUP_SPACING` cycles at full load, each kept until its write is acknowledged
/// (`directory::WRITE_CYCLES` at most) and `RECORD_CYCLES` more: 128 entries would be just
/// enough with no time spent in the write queue; 256 leaves room for it.
pub const FORWARD_ENTRIES: u32 = 256;
const _: () = assert!(
    FORWARD_ENTRIES * super::directory::LOOKUP_SPACING
        > RECORD_CYCLES + super::directory::WRITE_CYCLES
);
/// Bits of a record index: a directory way (bucket index, then way).
pub const INDEX_BITS: usize = super::DEFAULT_SESSION_BUCKET_BITS as usize + 2;
const _: () =
    assert!(1 << (INDEX_BITS - super::DEFAULT_SESSION_BUCKET_BITS as usize) == super::SESSION_WAYS);
/// Bits the stage carries with a record request to its answer (the frame's place in the delay
/// line).
pub const TAG_BITS: usize = 16;

/// A field: its first bit in the record and its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub lsb: usize,
    pub width: usize,
}

const fn f(lsb: usize, width: usize) -> Field {
    Field { lsb, width }
}

/// A direction's fields in beat 0 (add `DIR_BITS * d`).
pub mod seq {
    use super::{f, Field, OFFSET_BITS, SLOT_BITS};
    pub const NEXT: Field = f(0, 32);
    pub const NEXT_OFF: Field = f(32, OFFSET_BITS);
    pub const ACKED: Field = f(80, 32);
    pub const BLOCK_START: Field = f(112, 32);
    pub const BLOCK_END: Field = f(144, 32);
    pub const BLOCK_SINCE: Field = f(176, 32);
    pub const HELD_HEAD: Field = f(208, SLOT_BITS);
    pub const HELD_TAIL: Field = f(228, SLOT_BITS);
    pub const INIT: Field = f(248, 1);
    pub const FIN: Field = f(249, 1);
    pub const ACKED_VALID: Field = f(250, 1);
    pub const BLOCK_VALID: Field = f(251, 1);
    pub const BLOCK_FIN: Field = f(252, 1);
    /// Every field, named as the Verilog header will name them.
    pub const ALL: [(&str, Field); 13] = [
        ("NEXT", NEXT),
        ("NEXT_OFF", NEXT_OFF),
        ("ACKED", ACKED),
        ("BLOCK_START", BLOCK_START),
        ("BLOCK_END", BLOCK_END),
        ("BLOCK_SINCE", BLOCK_SINCE),
        ("HELD_HEAD", HELD_HEAD),
        ("HELD_TAIL", HELD_TAIL),
        ("INIT", INIT),
        ("FIN", FIN),
        ("ACKED_VALID", ACKED_VALID),
        ("BLOCK_VALID", BLOCK_VALID),
        ("BLOCK_FIN", BLOCK_FIN),
    ];
}

/// The session's bits in beat 0 (from the beat's bit 0), in the directions' spare bits: what a
/// frame's decision reads besides the sequence state, so that beat 0 alone decides.
pub mod decision {
    use super::{f, Field};
    pub const FALLBACK: Field = f(253, 2);
    pub const CLOSED: Field = f(255, 1);
    pub const ORIG_SIDE: Field = f(509, 1);
    pub const ALL: [(&str, Field); 3] = [
        ("FALLBACK", FALLBACK),
        ("CLOSED", CLOSED),
        ("ORIG_SIDE", ORIG_SIDE),
    ];
}

/// The session's fields in beat 1 (from the beat's bit 0).
pub mod session {
    use super::{f, Field};
    pub const FLOW_ID: Field = f(0, 64);
    pub const FIRST_NS: Field = f(64, 64);
    pub const LAST_NS: Field = f(128, 64);
    pub const CLOSED_AT: Field = f(192, 32);
    pub const V6: Field = f(224, 1);
    /// The match stage's per-direction state (reserved, zero).
    pub const MATCH: Field = f(256, 256);
    pub const ALL: [(&str, Field); 6] = [
        ("FLOW_ID", FLOW_ID),
        ("FIRST_NS", FIRST_NS),
        ("LAST_NS", LAST_NS),
        ("CLOSED_AT", CLOSED_AT),
        ("V6", V6),
        ("MATCH", MATCH),
    ];
}

/// A direction's figures in beat 2 (add `DIR_BITS * d`).
pub mod figures {
    use super::{f, Field};
    pub const DELIVERED: Field = f(0, 64);
    pub const MISSED: Field = f(64, 64);
    pub const GAPS: Field = f(128, 32);
    pub const RETRANSMISSIONS: Field = f(160, 32);
    pub const INCONSISTENT: Field = f(192, 32);
    pub const FRAMES: Field = f(224, 32);
    pub const ALL: [(&str, Field); 6] = [
        ("DELIVERED", DELIVERED),
        ("MISSED", MISSED),
        ("GAPS", GAPS),
        ("RETRANSMISSIONS", RETRANSMISSIONS),
        ("INCONSISTENT", INCONSISTENT),
        ("FRAMES", FRAMES),
    ];
}

/// An IPv6 session's endpoints in beat 3.
pub mod endpoints {
    use super::{f, Field};
    pub const LOW_ADDR: Field = f(0, 128);
    pub const LOW_PORT: Field = f(128, 16);
    pub const HIGH_ADDR: Field = f(144, 128);
    pub const HIGH_PORT: Field = f(272, 16);
}

/// A direction's sequence state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqState {
    pub init: bool,
    pub fin: bool,
    pub next: u32,
    /// Stream offset of `next` (48 bits).
    pub next_off: u64,
    pub acked: Option<u32>,
    /// The held block `[start, end)`.
    pub block: Option<(u32, u32)>,
    /// Ticks (`TICK_SHIFT`) when the block was started.
    pub block_since: u32,
    /// A frame of the held block carries a FIN (the direction's FIN comes with the block).
    pub block_fin: bool,
    pub held_head: u32,
    pub held_tail: u32,
}

/// A session record, unpacked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionRecord {
    /// [originator's, responder's].
    pub dirs: [SeqState; 2],
    pub flow_id: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    /// Ticks when the session closed.
    pub closed_at: Option<u32>,
    pub orig_side: u8,
    /// The raw fallback reason, 0 while followed.
    pub fallback: u8,
    pub v6: bool,
    /// The flow-end figures.
    pub figures: [DirFigures; 2],
    /// An IPv6 session's endpoints (low, high), zero for IPv4.
    pub endpoints: (Endpoint, Endpoint),
}

fn put(rec: &mut [u8; RECORD_BYTES], beat: usize, at: Field, v: u128) {
    debug_assert!(at.width == 128 || v >> at.width == 0, "{v:#x} fits {at:?}");
    for i in 0..at.width {
        let bit = beat * BEAT_BYTES * 8 + at.lsb + i;
        if (v >> i) & 1 == 1 {
            rec[bit / 8] |= 1 << (bit % 8);
        }
    }
}

fn get(rec: &[u8; RECORD_BYTES], beat: usize, at: Field) -> u128 {
    (0..at.width).fold(0u128, |v, i| {
        let bit = beat * BEAT_BYTES * 8 + at.lsb + i;
        v | (u128::from((rec[bit / 8] >> (bit % 8)) & 1) << i)
    })
}

fn shifted(at: Field, d: usize) -> Field {
    f(at.lsb + DIR_BITS * d, at.width)
}

impl SessionRecord {
    /// The record as memory holds it.
    pub fn to_bytes(&self) -> [u8; RECORD_BYTES] {
        let mut r = [0u8; RECORD_BYTES];
        for (d, s) in self.dirs.iter().enumerate() {
            let at = |x: Field| shifted(x, d);
            put(&mut r, 0, at(seq::NEXT), u128::from(s.next));
            put(
                &mut r,
                0,
                at(seq::NEXT_OFF),
                u128::from(s.next_off & ((1 << OFFSET_BITS) - 1)),
            );
            put(&mut r, 0, at(seq::ACKED), u128::from(s.acked.unwrap_or(0)));
            let (bs, be) = s.block.unwrap_or((0, 0));
            put(&mut r, 0, at(seq::BLOCK_START), u128::from(bs));
            put(&mut r, 0, at(seq::BLOCK_END), u128::from(be));
            put(&mut r, 0, at(seq::BLOCK_SINCE), u128::from(s.block_since));
            let slot = |v: u32| u128::from(v & ((1 << SLOT_BITS) - 1));
            put(&mut r, 0, at(seq::HELD_HEAD), slot(s.held_head));
            put(&mut r, 0, at(seq::HELD_TAIL), slot(s.held_tail));
            put(&mut r, 0, at(seq::INIT), u128::from(s.init));
            put(&mut r, 0, at(seq::FIN), u128::from(s.fin));
            put(
                &mut r,
                0,
                at(seq::ACKED_VALID),
                u128::from(s.acked.is_some()),
            );
            put(
                &mut r,
                0,
                at(seq::BLOCK_VALID),
                u128::from(s.block.is_some()),
            );
            put(&mut r, 0, at(seq::BLOCK_FIN), u128::from(s.block_fin));
            let g = &self.figures[d];
            put(&mut r, 2, at(figures::DELIVERED), u128::from(g.delivered));
            put(&mut r, 2, at(figures::MISSED), u128::from(g.missed));
            put(&mut r, 2, at(figures::GAPS), u128::from(g.gaps));
            put(
                &mut r,
                2,
                at(figures::RETRANSMISSIONS),
                u128::from(g.retransmissions),
            );
            put(
                &mut r,
                2,
                at(figures::INCONSISTENT),
                u128::from(g.inconsistent),
            );
            put(&mut r, 2, at(figures::FRAMES), u128::from(g.frames));
        }
        put(&mut r, 1, session::FLOW_ID, u128::from(self.flow_id));
        put(&mut r, 1, session::FIRST_NS, u128::from(self.first_ns));
        put(&mut r, 1, session::LAST_NS, u128::from(self.last_ns));
        put(
            &mut r,
            1,
            session::CLOSED_AT,
            u128::from(self.closed_at.unwrap_or(0)),
        );
        put(
            &mut r,
            0,
            decision::CLOSED,
            u128::from(self.closed_at.is_some()),
        );
        put(
            &mut r,
            0,
            decision::ORIG_SIDE,
            u128::from(self.orig_side & 1),
        );
        put(&mut r, 0, decision::FALLBACK, u128::from(self.fallback & 3));
        put(&mut r, 1, session::V6, u128::from(self.v6));
        let ((la, lp), (ha, hp)) = self.endpoints;
        put(&mut r, 3, endpoints::LOW_ADDR, u128::from_be_bytes(la));
        put(&mut r, 3, endpoints::LOW_PORT, u128::from(lp));
        put(&mut r, 3, endpoints::HIGH_ADDR, u128::from_be_bytes(ha));
        put(&mut r, 3, endpoints::HIGH_PORT, u128::from(hp));
        r
    }

    /// A record read from memory.
    pub fn from_bytes(r: &[u8; RECORD_BYTES]) -> SessionRecord {
        let mut out = SessionRecord::default();
        for d in 0..2 {
            let at = |x: Field| shifted(x, d);
            let g0 = |x: Field| get(r, 0, at(x));
            let g2 = |x: Field| get(r, 2, at(x));
            out.dirs[d] = SeqState {
                init: g0(seq::INIT) == 1,
                fin: g0(seq::FIN) == 1,
                next: g0(seq::NEXT) as u32,
                next_off: g0(seq::NEXT_OFF) as u64,
                acked: (g0(seq::ACKED_VALID) == 1).then_some(g0(seq::ACKED) as u32),
                block: (g0(seq::BLOCK_VALID) == 1)
                    .then_some((g0(seq::BLOCK_START) as u32, g0(seq::BLOCK_END) as u32)),
                block_since: g0(seq::BLOCK_SINCE) as u32,
                block_fin: g0(seq::BLOCK_FIN) == 1,
                held_head: g0(seq::HELD_HEAD) as u32,
                held_tail: g0(seq::HELD_TAIL) as u32,
            };
            out.figures[d] = DirFigures {
                delivered: g2(figures::DELIVERED) as u64,
                missed: g2(figures::MISSED) as u64,
                gaps: g2(figures::GAPS) as u32,
                retransmissions: g2(figures::RETRANSMISSIONS) as u32,
                inconsistent: g2(figures::INCONSISTENT) as u32,
                frames: g2(figures::FRAMES) as u32,
            };
        }
        let g1 = |x: Field| get(r, 1, x);
        out.flow_id = g1(session::FLOW_ID) as u64;
        out.first_ns = g1(session::FIRST_NS) as u64;
        out.last_ns = g1(session::LAST_NS) as u64;
        let g0 = |x: Field| get(r, 0, x);
        out.closed_at = (g0(decision::CLOSED) == 1).then_some(g1(session::CLOSED_AT) as u32);
        out.orig_side = g0(decision::ORIG_SIDE) as u8;
        out.fallback = g0(decision::FALLBACK) as u8;
        out.v6 = g1(session::V6) == 1;
        let g3 = |x: Field| get(r, 3, x);
        out.endpoints = (
            (
                g3(endpoints::LOW_ADDR).to_be_bytes(),
                g3(endpoints::LOW_PORT) as u16,
            ),
            (
                g3(endpoints::HIGH_ADDR).to_be_bytes(),
                g3(endpoints::HIGH_PORT) as u16,
            ),
        );
        out
    }
}

/// Byte address of the record of `bucket`'s `way` from the region's base.
pub fn record_address(base: u64, bucket: usize, way: usize) -> u64 {
    base + ((bucket * super::SESSION_WAYS + way) * RECORD_BYTES) as u64
}

/// Fields of one beat do not overlap and stay in it: `fields` repeated `copies` times `stride`
/// bits apart, and `once` as they are.
const fn disjoint(
    fields: &[(&str, Field)],
    stride: usize,
    copies: usize,
    once: &[(&str, Field)],
) -> bool {
    let mut used = [false; BEAT_BYTES * 8];
    let mut i = 0;
    while i < once.len() {
        let fl = once[i].1;
        let mut b = 0;
        while b < fl.width {
            let bit = fl.lsb + b;
            if bit >= BEAT_BYTES * 8 || used[bit] {
                return false;
            }
            used[bit] = true;
            b += 1;
        }
        i += 1;
    }
    let mut c = 0;
    while c < copies {
        let mut i = 0;
        while i < fields.len() {
            let fl = fields[i].1;
            let mut b = 0;
            while b < fl.width {
                let bit = c * stride + fl.lsb + b;
                if bit >= BEAT_BYTES * 8 || used[bit] {
                    return false;
                }
                used[bit] = true;
                b += 1;
            }
            i += 1;
        }
        c += 1;
    }
    true
}
const _: () = assert!(disjoint(&seq::ALL, DIR_BITS, 2, &decision::ALL));
const _: () = assert!(disjoint(&session::ALL, 0, 1, &[]));
const _: () = assert!(disjoint(&figures::ALL, DIR_BITS, 2, &[]));
const _: () = assert!(endpoints::HIGH_PORT.lsb + endpoints::HIGH_PORT.width <= BEAT_BYTES * 8);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SessionRecord {
        let mut a = [0u8; 16];
        a[0] = 0x20;
        a[1] = 0x01;
        a[15] = 7;
        let mut b = a;
        b[15] = 9;
        SessionRecord {
            dirs: [
                SeqState {
                    init: true,
                    fin: false,
                    next: 0xFFFF_FFF0,
                    next_off: (1 << 48) - 2,
                    acked: Some(0x1234_5678),
                    block: Some((0xFFFF_FFFA, 5)),
                    block_since: 0xDEAD_BEEF,
                    block_fin: true,
                    held_head: (1 << 20) - 1,
                    held_tail: 3,
                },
                SeqState {
                    init: true,
                    fin: true,
                    next: 42,
                    next_off: 41,
                    acked: None,
                    block: None,
                    block_since: 0,
                    block_fin: false,
                    held_head: 0,
                    held_tail: 0,
                },
            ],
            flow_id: u64::MAX - 1,
            first_ns: 1,
            last_ns: u64::MAX,
            closed_at: Some(77),
            orig_side: 1,
            fallback: 3,
            v6: true,
            figures: [
                DirFigures {
                    delivered: u64::MAX,
                    missed: 5,
                    gaps: 1,
                    retransmissions: u32::MAX,
                    inconsistent: 2,
                    frames: 9,
                },
                DirFigures::default(),
            ],
            endpoints: ((a, 443), (b, 65_535)),
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let r = sample();
        assert_eq!(SessionRecord::from_bytes(&r.to_bytes()), r);
        assert_eq!(
            SessionRecord::from_bytes(&SessionRecord::default().to_bytes()),
            SessionRecord::default()
        );
    }

    #[test]
    fn fields_sit_where_the_diagram_says() {
        let mut r = SessionRecord::default();
        r.dirs[1].next = 0x0102_0304;
        r.flow_id = 0xAA;
        r.figures[1].frames = 0xCAFE_BEEF;
        r.dirs[0].block = Some((0, 0));
        let b = r.to_bytes();
        // direction 1's next: beat 0, bit 256 = byte 32, little-endian
        assert_eq!(&b[32..36], &[0x04, 0x03, 0x02, 0x01]);
        // flow id: beat 1's first byte
        assert_eq!(b[64], 0xAA);
        // direction 1's frames: beat 2, bits 256+224 = byte 128 + 32 + 28
        assert_eq!(&b[188..192], &[0xEF, 0xBE, 0xFE, 0xCA]);
        // direction 0's block valid: beat 0 bit 251 = byte 31, bit 3
        assert_eq!(b[31], 1 << 3);
    }

    #[test]
    fn records_follow_each_other_by_bucket_then_way() {
        assert_eq!(record_address(0, 0, 1), 256);
        assert_eq!(record_address(0x1000, 2, 3), 0x1000 + (2 * 4 + 3) * 256);
    }
}
