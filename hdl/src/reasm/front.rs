//! The frames' side of the reasm stage: every beat waits `DELAY_CYCLES` in a ring while its
//! frame's facts (`facts.rs`) go to the session engine (`engine.rs`) and its answer comes back;
//! the frame's first beat leaves with the answer. Nothing waits on anything: each ring is
//! indexed by a cycle count, and every latency is fixed.
//!
//! ```text
//!  cycle F0        first beat in ─► beat ring [F0]
//!  cycle L         last beat in  (the frame's length is known)
//!  L + 5           facts out ─► the engine's request (a followed segment); pend ring [R] =
//!                  {F0, why}, R = L + 5
//!  R + 257         the engine's answer; pend ring [R] read back ─► answer ring [F0] =
//!                  {stamp F0, kind, why, REASM fields}
//!  F0 + DELAY      first beat out of the beat ring, its answer out of the answer ring [F0]:
//!                  stamp = F0 ─► the answer; else the frame was too long for its answer to
//!                  arrive in time ─► late
//! ```
//! `out_kind`: 0 untagged (a segment of no session that opens none), 1 tagged, 2 late (the
//! engine refused or memory was late, or the frame is longer than `MAX_BEATS`), 3 not followed
//! (`out_why` says why: 1 not TCP, 2 truncated, 3 malformed, 4 not asked: `ask` was clear at
//! its first beat — the stage off, or a frame the stage must not follow). Frames leave exactly
//! `DELAY_CYCLES` after they came in, beat for beat.

use super::engine::ENGINE_CYCLES;
use super::facts::{SegmentFacts, FACTS_CYCLES};
use super::key::TUPLE_BITS;
use crate::ingress::{Ingress, INC_BITS};
use crate::parse::Parse;
use crate::slot::Slot;
use crate::widgets::toeplitz::KEY_BITS;
use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;

/// Bits of a ring index (rings of 512 entries).
pub const RING_BITS: usize = 9;
/// Cycles a beat waits in the beat ring.
pub const DELAY_CYCLES: u32 = vantage_proto::datapath::REASM_DELAY_CYCLES;
/// Bits of the cycle count that stamps an answer with its frame's first beat: an entry left from
/// a frame 2^32 cycles (13 s) earlier is the only one a late frame could take for its own.
pub const STAMP_BITS: usize = 32;
/// Longest frame, in beats, whose answer is in the answer ring when its first beat leaves: the
/// answer is written at `F0 + beats - 1 + FACTS_CYCLES + ENGINE_CYCLES` and read at
/// `F0 + DELAY_CYCLES - 1`.
pub const MAX_BEATS: u32 = vantage_proto::datapath::REASM_MAX_BEATS;
const _: () = assert!(MAX_BEATS == DELAY_CYCLES - FACTS_CYCLES - ENGINE_CYCLES - 1);
const _: () = assert!(DELAY_CYCLES < 1 << RING_BITS);
const _: () = assert!(FACTS_CYCLES + ENGINE_CYCLES < 1 << RING_BITS);
const _: () = assert!(
    MAX_BEATS >= 160,
    "a 9,600-byte jumbo frame (150 beats) must be followed"
);
const _: () = assert!(
    FACTS_CYCLES == 5,
    "the F0 shift register below has five stages"
);
/// The order of `Front::counter_words`, 64 bits each, first in the low bits: frames that left;
/// of them followed (a segment the engine was asked about), not asked, not TCP, truncated,
/// malformed; of the followed, no session, late (of which too long for the answer), and tagged by
/// status.
pub const COUNTER_ORDER: [&str; 14] = [
    "frames",
    "followed",
    "not_asked",
    "not_tcp",
    "truncated",
    "malformed",
    "no_session",
    "late",
    "too_long",
    "in_order",
    "released",
    "retransmissions",
    "control",
    "fallback",
];
/// Bits of the packed counters.
pub const COUNTER_BITS: usize = 64 * COUNTER_ORDER.len();

/// Bits of a pend entry: valid, why, F0.
pub const PEND_BITS: usize = 1 + 3 + STAMP_BITS;
/// Bits of an answer entry, from bit 0: kind, why, flow id, status, offset, skip, gap, flags,
/// reason, stamp (the positions are literals in `update`).
pub const ANSWER_BITS: usize = 2 + 3 + 64 + 3 + 48 + 16 + 32 + 8 + 2 + STAMP_BITS;
const _: () = assert!(ANSWER_BITS == 210 && STAMP_BITS == 32);
const _: () = assert!(
    COUNTER_BITS == 896,
    "the counters are packed with literal shifts"
);

#[derive(LogicBlock)]
pub struct Front {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// The parse stage's slots (every beat of every frame).
    pub slot: Signal<In, Slot>,
    /// With a first beat: ask the engine about this frame (when it is a segment). Clear, the
    /// frame leaves not followed, why 4.
    pub ask: Signal<In, Bit>,
    /// Flags that travel beside each beat (the pipeline's parse flags of the frame), out with
    /// it as `out_pflags`.
    pub pflags: Signal<In, Bits<16>>,
    /// The engine's request: a followed segment's facts (`engine.rs` names them).
    pub req_valid: Signal<Out, Bit>,
    pub req_tuple: Signal<Out, Bits<TUPLE_BITS>>,
    pub req_v6: Signal<Out, Bit>,
    pub req_side: Signal<Out, Bit>,
    pub req_flags: Signal<Out, Bits<8>>,
    pub req_ack: Signal<Out, Bits<32>>,
    pub req_start: Signal<Out, Bits<32>>,
    pub req_end: Signal<Out, Bits<32>>,
    pub req_len: Signal<Out, Bits<16>>,
    pub req_ts: Signal<Out, Bits<64>>,
    /// The engine's answer, `ENGINE_CYCLES` after each request.
    pub ans_valid: Signal<In, Bit>,
    pub ans_kind: Signal<In, Bits<2>>,
    pub ans_flow_id: Signal<In, Bits<64>>,
    pub ans_status: Signal<In, Bits<3>>,
    pub ans_offset: Signal<In, Bits<48>>,
    pub ans_skip: Signal<In, Bits<16>>,
    pub ans_gap: Signal<In, Bits<32>>,
    pub ans_flags: Signal<In, Bits<8>>,
    pub ans_reason: Signal<In, Bits<2>>,
    /// The slots `DELAY_CYCLES` later; on a first beat, its frame's answer.
    pub out_slot: Signal<Out, Slot>,
    pub out_pflags: Signal<Out, Bits<16>>,
    pub out_kind: Signal<Out, Bits<2>>,
    pub out_why: Signal<Out, Bits<3>>,
    pub out_flow_id: Signal<Out, Bits<64>>,
    pub out_status: Signal<Out, Bits<3>>,
    pub out_offset: Signal<Out, Bits<48>>,
    pub out_skip: Signal<Out, Bits<16>>,
    pub out_gap: Signal<Out, Bits<32>>,
    pub out_flags: Signal<Out, Bits<8>>,
    pub out_reason: Signal<Out, Bits<2>>,
    /// The counters (`COUNTER_ORDER`), counted as first beats leave.
    pub counter_words: Signal<Out, Bits<COUNTER_BITS>>,
    facts: SegmentFacts,
    beats: RAM<Slot, RING_BITS>,
    /// Beside each beat: its flags (`pflags`), and in bit 16 its frame's `ask`, so that a frame
    /// not asked about leaves as such however long it took to arrive.
    pflag_ring: RAM<Bits<17>, RING_BITS>,
    side: Signal<Local, Bits<17>>,
    pend: RAM<Bits<PEND_BITS>, RING_BITS>,
    answers: RAM<Bits<ANSWER_BITS>, RING_BITS>,
    cycle: DFF<Bits<STAMP_BITS>>,
    /// The cycle of the current frame's first beat.
    f0_hold: DFF<Bits<STAMP_BITS>>,
    /// F0 of the frame whose last beat came in 1..=5 cycles ago (aligned with the facts).
    f0_1: DFF<Bits<STAMP_BITS>>,
    f0_2: DFF<Bits<STAMP_BITS>>,
    f0_3: DFF<Bits<STAMP_BITS>>,
    f0_4: DFF<Bits<STAMP_BITS>>,
    f0_5: DFF<Bits<STAMP_BITS>>,
    /// `ask` of the current frame's first beat, then aligned with the facts as F0 is.
    ask_hold: DFF<Bit>,
    ask_1: DFF<Bit>,
    ask_2: DFF<Bit>,
    ask_3: DFF<Bit>,
    ask_4: DFF<Bit>,
    ask_5: DFF<Bit>,
    ask_now: Signal<Local, Bit>,
    /// The frame's why: the facts', or 4 when it was not asked about.
    why_w: Signal<Local, Bits<3>>,
    /// The cycle whose beat is leaving (its answer's expected stamp).
    leaving: DFF<Bits<STAMP_BITS>>,
    /// The leaving first beat's answer, registered for the counters.
    e_valid: DFF<Bit>,
    e_kind: DFF<Bits<2>>,
    e_why: DFF<Bits<3>>,
    e_status: DFF<Bits<3>>,
    e_too_long: DFF<Bit>,
    n_frames: DFF<Bits<64>>,
    n_followed: DFF<Bits<64>>,
    n_not_asked: DFF<Bits<64>>,
    n_not_tcp: DFF<Bits<64>>,
    n_truncated: DFF<Bits<64>>,
    n_malformed: DFF<Bits<64>>,
    n_no_session: DFF<Bits<64>>,
    n_late: DFF<Bits<64>>,
    n_too_long: DFF<Bits<64>>,
    n_in_order: DFF<Bits<64>>,
    n_released: DFF<Bits<64>>,
    n_retransmissions: DFF<Bits<64>>,
    n_control: DFF<Bits<64>>,
    n_fallback: DFF<Bits<64>>,
    too_long: Signal<Local, Bit>,
    k_delay: Constant<Bits<STAMP_BITS>>,
    k_back: Constant<Bits<STAMP_BITS>>,
    f0_now: Signal<Local, Bits<STAMP_BITS>>,
    /// The cycles whose pend entry and beat are read.
    pend_at: Signal<Local, Bits<STAMP_BITS>>,
    out_at: Signal<Local, Bits<STAMP_BITS>>,
    p_valid: Signal<Local, Bit>,
    p_why: Signal<Local, Bits<3>>,
    p_f0: Signal<Local, Bits<STAMP_BITS>>,
    kind_w: Signal<Local, Bits<2>>,
    a: Signal<Local, Bits<ANSWER_BITS>>,
}

impl Default for Front {
    fn default() -> Self {
        Front {
            clock: Default::default(),
            reset: Default::default(),
            slot: Default::default(),
            ask: Default::default(),
            pflags: Default::default(),
            req_valid: Default::default(),
            req_tuple: Default::default(),
            req_v6: Default::default(),
            req_side: Default::default(),
            req_flags: Default::default(),
            req_ack: Default::default(),
            req_start: Default::default(),
            req_end: Default::default(),
            req_len: Default::default(),
            req_ts: Default::default(),
            ans_valid: Default::default(),
            ans_kind: Default::default(),
            ans_flow_id: Default::default(),
            ans_status: Default::default(),
            ans_offset: Default::default(),
            ans_skip: Default::default(),
            ans_gap: Default::default(),
            ans_flags: Default::default(),
            ans_reason: Default::default(),
            out_slot: Default::default(),
            out_pflags: Default::default(),
            out_kind: Default::default(),
            out_why: Default::default(),
            out_flow_id: Default::default(),
            out_status: Default::default(),
            out_offset: Default::default(),
            out_skip: Default::default(),
            out_gap: Default::default(),
            out_flags: Default::default(),
            out_reason: Default::default(),
            counter_words: Default::default(),
            facts: Default::default(),
            beats: Default::default(),
            pflag_ring: Default::default(),
            side: Default::default(),
            pend: Default::default(),
            answers: Default::default(),
            cycle: Default::default(),
            f0_hold: Default::default(),
            ask_hold: Default::default(),
            ask_1: Default::default(),
            ask_2: Default::default(),
            ask_3: Default::default(),
            ask_4: Default::default(),
            ask_5: Default::default(),
            ask_now: Default::default(),
            why_w: Default::default(),
            f0_1: Default::default(),
            f0_2: Default::default(),
            f0_3: Default::default(),
            f0_4: Default::default(),
            f0_5: Default::default(),
            leaving: Default::default(),
            e_valid: Default::default(),
            e_kind: Default::default(),
            e_why: Default::default(),
            e_status: Default::default(),
            e_too_long: Default::default(),
            n_frames: Default::default(),
            n_followed: Default::default(),
            n_not_asked: Default::default(),
            n_not_tcp: Default::default(),
            n_truncated: Default::default(),
            n_malformed: Default::default(),
            n_no_session: Default::default(),
            n_late: Default::default(),
            n_too_long: Default::default(),
            n_in_order: Default::default(),
            n_released: Default::default(),
            n_retransmissions: Default::default(),
            n_control: Default::default(),
            n_fallback: Default::default(),
            too_long: Default::default(),
            // A ring read is issued a cycle before its data is used.
            k_delay: Constant::new(u64::from(DELAY_CYCLES - 1).to_bits()),
            k_back: Constant::new(u64::from(ENGINE_CYCLES - 1).to_bits()),
            f0_now: Default::default(),
            pend_at: Default::default(),
            out_at: Default::default(),
            p_valid: Default::default(),
            p_why: Default::default(),
            p_f0: Default::default(),
            kind_w: Default::default(),
            a: Default::default(),
        }
    }
}

impl Logic for Front {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            cycle,
            f0_hold,
            f0_1,
            f0_2,
            f0_3,
            f0_4,
            f0_5,
            ask_hold,
            ask_1,
            ask_2,
            ask_3,
            ask_4,
            ask_5,
            leaving,
            e_valid,
            e_kind,
            e_why,
            e_status,
            e_too_long,
            n_frames,
            n_followed,
            n_not_asked,
            n_not_tcp,
            n_truncated,
            n_malformed,
            n_no_session,
            n_late,
            n_too_long,
            n_in_order,
            n_released,
            n_retransmissions,
            n_control,
            n_fallback
        );
        self.cycle.d.next = self.cycle.q.val() + 1;
        self.facts.clock.next = self.clock.val();
        self.facts.reset.next = self.reset.val();
        self.facts.slot.next = self.slot.val();
        self.beats.write_clock.next = self.clock.val();
        self.beats.read_clock.next = self.clock.val();
        self.pflag_ring.write_clock.next = self.clock.val();
        self.pflag_ring.read_clock.next = self.clock.val();
        self.pend.write_clock.next = self.clock.val();
        self.pend.read_clock.next = self.clock.val();
        self.answers.write_clock.next = self.clock.val();
        self.answers.read_clock.next = self.clock.val();

        // ---- in: every beat into the beat ring at this cycle; F0 follows the frame's facts.
        self.beats.write_enable.next = true;
        self.beats.write_address.next = self.cycle.q.val().get_bits::<RING_BITS>(0);
        self.beats.write_data.next = self.slot.val();
        self.pflag_ring.write_enable.next = true;
        self.pflag_ring.write_address.next = self.cycle.q.val().get_bits::<RING_BITS>(0);
        self.f0_now.next = self.f0_hold.q.val();
        if self.slot.val().sof {
            self.f0_now.next = self.cycle.q.val();
        }
        if self.slot.val().valid & self.slot.val().sof {
            self.f0_hold.d.next = self.cycle.q.val();
        }
        self.f0_1.d.next = self.f0_now.val();
        self.f0_2.d.next = self.f0_1.q.val();
        self.f0_3.d.next = self.f0_2.q.val();
        self.f0_4.d.next = self.f0_3.q.val();
        self.f0_5.d.next = self.f0_4.q.val();
        self.ask_now.next = self.ask_hold.q.val();
        if self.slot.val().sof {
            self.ask_now.next = self.ask.val();
        }
        if self.slot.val().valid & self.slot.val().sof {
            self.ask_hold.d.next = self.ask.val();
        }
        self.ask_1.d.next = self.ask_now.val();
        self.pflag_ring.write_data.next = bit_cast::<17, 16>(self.pflags.val())
            | (bit_cast::<17, 1>(self.ask_now.val().into()) << 16);
        self.ask_2.d.next = self.ask_1.q.val();
        self.ask_3.d.next = self.ask_2.q.val();
        self.ask_4.d.next = self.ask_3.q.val();
        self.ask_5.d.next = self.ask_4.q.val();

        // ---- facts out: the engine's request; the frame noted in the pend ring.
        self.why_w.next = bit_cast::<3, 2>(self.facts.out_why.val());
        if !self.ask_5.q.val() {
            self.why_w.next = 4.into();
        }
        self.req_valid.next = self.facts.out_valid.val() & (self.why_w.val() == 0);
        self.req_tuple.next = self.facts.out_tuple.val();
        self.req_v6.next = self.facts.out_v6.val();
        self.req_side.next = self.facts.out_side.val();
        self.req_flags.next = self.facts.out_flags.val();
        self.req_ack.next = self.facts.out_ack.val();
        self.req_start.next = self.facts.out_start.val();
        self.req_end.next = self.facts.out_end.val();
        self.req_len.next = self.facts.out_len.val();
        self.req_ts.next = self.facts.out_ts.val();
        self.pend.write_enable.next = true;
        self.pend.write_address.next = self.cycle.q.val().get_bits::<RING_BITS>(0);
        self.pend.write_data.next = bit_cast::<PEND_BITS, 1>(self.facts.out_valid.val().into())
            | (bit_cast::<PEND_BITS, 3>(self.why_w.val()) << 1)
            | (bit_cast::<PEND_BITS, STAMP_BITS>(self.f0_5.q.val()) << 4);

        // ---- the engine's answer: the pend entry of its request read back; the answer ring.
        self.pend_at.next = self.cycle.q.val() - self.k_back.val();
        self.pend.read_address.next = self.pend_at.val().get_bits::<RING_BITS>(0);
        self.p_valid.next = self.pend.read_data.val().get_bit(0);
        self.p_why.next = self.pend.read_data.val().get_bits::<3>(1);
        self.p_f0.next = self.pend.read_data.val().get_bits::<STAMP_BITS>(4);
        // Kind: not followed; else the engine's (late when it has no answer, which cannot
        // happen with a fixed latency but is not taken on trust).
        self.kind_w.next = 3.into();
        if self.p_why.val() == 0 {
            self.kind_w.next = 2.into();
            if self.ans_valid.val() {
                self.kind_w.next = self.ans_kind.val();
            }
        }
        self.answers.write_enable.next = self.p_valid.val();
        self.answers.write_address.next = self.p_f0.val().get_bits::<RING_BITS>(0);
        self.answers.write_data.next = bit_cast::<ANSWER_BITS, 2>(self.kind_w.val())
            | (bit_cast::<ANSWER_BITS, 3>(self.p_why.val()) << 2)
            | (bit_cast::<ANSWER_BITS, 64>(self.ans_flow_id.val()) << 5)
            | (bit_cast::<ANSWER_BITS, 3>(self.ans_status.val()) << 69)
            | (bit_cast::<ANSWER_BITS, 48>(self.ans_offset.val()) << 72)
            | (bit_cast::<ANSWER_BITS, 16>(self.ans_skip.val()) << 120)
            | (bit_cast::<ANSWER_BITS, 32>(self.ans_gap.val()) << 136)
            | (bit_cast::<ANSWER_BITS, 8>(self.ans_flags.val()) << 168)
            | (bit_cast::<ANSWER_BITS, 2>(self.ans_reason.val()) << 176)
            | (bit_cast::<ANSWER_BITS, STAMP_BITS>(self.p_f0.val()) << 178);

        // ---- out: the beat of DELAY_CYCLES ago and, on a first beat, its frame's answer.
        self.out_at.next = self.cycle.q.val() - self.k_delay.val();
        self.beats.read_address.next = self.out_at.val().get_bits::<RING_BITS>(0);
        self.answers.read_address.next = self.out_at.val().get_bits::<RING_BITS>(0);
        self.pflag_ring.read_address.next = self.out_at.val().get_bits::<RING_BITS>(0);
        self.side.next = self.pflag_ring.read_data.val();
        self.out_pflags.next = self.side.val().get_bits::<16>(0);
        self.leaving.d.next = self.out_at.val();
        self.out_slot.next = self.beats.read_data.val();
        self.a.next = self.answers.read_data.val();
        self.out_kind.next = self.a.val().get_bits::<2>(0);
        self.out_why.next = self.a.val().get_bits::<3>(2);
        self.out_flow_id.next = self.a.val().get_bits::<64>(5);
        self.out_status.next = self.a.val().get_bits::<3>(69);
        self.out_offset.next = self.a.val().get_bits::<48>(72);
        self.out_skip.next = self.a.val().get_bits::<16>(120);
        self.out_gap.next = self.a.val().get_bits::<32>(136);
        self.out_flags.next = self.a.val().get_bits::<8>(168);
        self.out_reason.next = self.a.val().get_bits::<2>(176);
        self.too_long.next = self.a.val().get_bits::<STAMP_BITS>(178) != self.leaving.q.val();
        if self.too_long.val() {
            // The answer did not arrive before its frame left: too long a frame.
            self.out_kind.next = 2.into();
            self.out_why.next = 0.into();
        }
        if !self.side.val().get_bit(16) {
            // Not asked about: known from the first beat, whatever the answer ring holds.
            self.too_long.next = false;
            self.out_kind.next = 3.into();
            self.out_why.next = 4.into();
        }

        // ---- counters: the answer of each first beat that left, a cycle later.
        self.e_valid.d.next = self.beats.read_data.val().valid & self.beats.read_data.val().sof;
        self.e_kind.d.next = self.out_kind.val();
        self.e_why.d.next = self.out_why.val();
        self.e_status.d.next = self.out_status.val();
        self.e_too_long.d.next = self.too_long.val();
        if self.e_valid.q.val() {
            self.n_frames.d.next = self.n_frames.q.val() + 1;
            if self.e_why.q.val() == 0 {
                self.n_followed.d.next = self.n_followed.q.val() + 1;
            }
            if self.e_why.q.val() == 4 {
                self.n_not_asked.d.next = self.n_not_asked.q.val() + 1;
            }
            if self.e_why.q.val() == 1 {
                self.n_not_tcp.d.next = self.n_not_tcp.q.val() + 1;
            }
            if self.e_why.q.val() == 2 {
                self.n_truncated.d.next = self.n_truncated.q.val() + 1;
            }
            if self.e_why.q.val() == 3 {
                self.n_malformed.d.next = self.n_malformed.q.val() + 1;
            }
            if self.e_kind.q.val() == 0 {
                self.n_no_session.d.next = self.n_no_session.q.val() + 1;
            }
            if self.e_kind.q.val() == 2 {
                self.n_late.d.next = self.n_late.q.val() + 1;
                if self.e_too_long.q.val() {
                    self.n_too_long.d.next = self.n_too_long.q.val() + 1;
                }
            }
            if self.e_kind.q.val() == 1 {
                if self.e_status.q.val() == 1 {
                    self.n_in_order.d.next = self.n_in_order.q.val() + 1;
                }
                if self.e_status.q.val() == 2 {
                    self.n_released.d.next = self.n_released.q.val() + 1;
                }
                if self.e_status.q.val() == 3 {
                    self.n_retransmissions.d.next = self.n_retransmissions.q.val() + 1;
                }
                if self.e_status.q.val() == 4 {
                    self.n_control.d.next = self.n_control.q.val() + 1;
                }
                if self.e_status.q.val() == 5 {
                    self.n_fallback.d.next = self.n_fallback.q.val() + 1;
                }
            }
        }
        self.counter_words.next = bit_cast::<COUNTER_BITS, 64>(self.n_frames.q.val())
            | (bit_cast::<COUNTER_BITS, 64>(self.n_followed.q.val()) << 64)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_not_asked.q.val()) << 128)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_not_tcp.q.val()) << 192)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_truncated.q.val()) << 256)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_malformed.q.val()) << 320)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_no_session.q.val()) << 384)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_late.q.val()) << 448)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_too_long.q.val()) << 512)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_in_order.q.val()) << 576)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_released.q.val()) << 640)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_retransmissions.q.val()) << 704)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_control.q.val()) << 768)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_fallback.q.val()) << 832);
        if self.reset.val() {
            self.e_valid.d.next = false;
            self.n_frames.d.next = 0.into();
            self.n_followed.d.next = 0.into();
            self.n_not_asked.d.next = 0.into();
            self.ask_hold.d.next = false;
            self.n_not_tcp.d.next = 0.into();
            self.n_truncated.d.next = 0.into();
            self.n_malformed.d.next = 0.into();
            self.n_no_session.d.next = 0.into();
            self.n_late.d.next = 0.into();
            self.n_too_long.d.next = 0.into();
            self.n_in_order.d.next = 0.into();
            self.n_released.d.next = 0.into();
            self.n_retransmissions.d.next = 0.into();
            self.n_control.d.next = 0.into();
            self.n_fallback.d.next = 0.into();
            self.beats.write_enable.next = false;
            self.pflag_ring.write_enable.next = false;
            self.pend.write_enable.next = false;
            self.answers.write_enable.next = false;
        }
    }
}

/// The probe for tests: ingress, parse and the frames' side, module `vantage_reasm_front_probe`;
/// the engine is the harness's (its own Verilated model), joined through the request and answer
/// ports.
pub const PROBE_MODULE: &str = "vantage_reasm_front_probe";

#[derive(LogicBlock, Default)]
pub struct FrontProbe {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The MAC's beats (no backpressure).
    pub tvalid: Signal<In, Bit>,
    pub tdata: Signal<In, Bits<512>>,
    pub tkeep: Signal<In, Bits<64>>,
    pub tlast: Signal<In, Bit>,
    pub tuser: Signal<In, Bit>,
    /// The ingress clock: increment per cycle (32.32 ns), a value and its load strobe.
    pub ts_inc: Signal<In, Bits<INC_BITS>>,
    pub ts_set: Signal<In, Bits<64>>,
    pub ts_load: Signal<In, Bit>,
    /// The flow hash key.
    pub key: Signal<In, Bits<KEY_BITS>>,
    /// The frames' side's `ask`, held for every frame.
    pub ask: Signal<In, Bit>,
    pub req_valid: Signal<Out, Bit>,
    pub req_tuple: Signal<Out, Bits<TUPLE_BITS>>,
    pub req_v6: Signal<Out, Bit>,
    pub req_side: Signal<Out, Bit>,
    pub req_flags: Signal<Out, Bits<8>>,
    pub req_ack: Signal<Out, Bits<32>>,
    pub req_start: Signal<Out, Bits<32>>,
    pub req_end: Signal<Out, Bits<32>>,
    pub req_len: Signal<Out, Bits<16>>,
    pub req_ts: Signal<Out, Bits<64>>,
    pub ans_valid: Signal<In, Bit>,
    pub ans_kind: Signal<In, Bits<2>>,
    pub ans_flow_id: Signal<In, Bits<64>>,
    pub ans_status: Signal<In, Bits<3>>,
    pub ans_offset: Signal<In, Bits<48>>,
    pub ans_skip: Signal<In, Bits<16>>,
    pub ans_gap: Signal<In, Bits<32>>,
    pub ans_flags: Signal<In, Bits<8>>,
    pub ans_reason: Signal<In, Bits<2>>,
    /// The beats out, and on a first beat its frame's answer.
    pub out_valid: Signal<Out, Bit>,
    pub out_sof: Signal<Out, Bit>,
    pub out_last: Signal<Out, Bit>,
    pub out_keep: Signal<Out, Bits<64>>,
    pub out_data: Signal<Out, Bits<512>>,
    pub out_kind: Signal<Out, Bits<2>>,
    pub out_why: Signal<Out, Bits<3>>,
    pub out_flow_id: Signal<Out, Bits<64>>,
    pub out_status: Signal<Out, Bits<3>>,
    pub out_offset: Signal<Out, Bits<48>>,
    pub out_skip: Signal<Out, Bits<16>>,
    pub out_gap: Signal<Out, Bits<32>>,
    pub out_flags: Signal<Out, Bits<8>>,
    pub out_reason: Signal<Out, Bits<2>>,
    pub counter_words: Signal<Out, Bits<COUNTER_BITS>>,
    ingress: Ingress,
    parse: Parse,
    front: Front,
    o: Signal<Local, Slot>,
}

impl Logic for FrontProbe {
    #[hdl_gen]
    fn update(&mut self) {
        self.ingress.clock.next = self.clock.val();
        self.ingress.reset.next = self.reset.val();
        self.ingress.tvalid.next = self.tvalid.val();
        self.ingress.tdata.next = self.tdata.val();
        self.ingress.tkeep.next = self.tkeep.val();
        self.ingress.tlast.next = self.tlast.val();
        self.ingress.tuser.next = self.tuser.val();
        self.ingress.ts_inc.next = self.ts_inc.val();
        self.ingress.ts_set.next = self.ts_set.val();
        self.ingress.ts_load.next = self.ts_load.val();
        self.parse.clock.next = self.clock.val();
        self.parse.reset.next = self.reset.val();
        self.parse.key.next = self.key.val();
        self.parse.slot_in.next = self.ingress.slots.val();
        self.front.clock.next = self.clock.val();
        self.front.reset.next = self.reset.val();
        self.front.slot.next = self.parse.slot_out.val();
        self.front.ask.next = self.ask.val();
        self.front.pflags.next = self.parse.flags.val();
        self.req_valid.next = self.front.req_valid.val();
        self.req_tuple.next = self.front.req_tuple.val();
        self.req_v6.next = self.front.req_v6.val();
        self.req_side.next = self.front.req_side.val();
        self.req_flags.next = self.front.req_flags.val();
        self.req_ack.next = self.front.req_ack.val();
        self.req_start.next = self.front.req_start.val();
        self.req_end.next = self.front.req_end.val();
        self.req_len.next = self.front.req_len.val();
        self.req_ts.next = self.front.req_ts.val();
        self.front.ans_valid.next = self.ans_valid.val();
        self.front.ans_kind.next = self.ans_kind.val();
        self.front.ans_flow_id.next = self.ans_flow_id.val();
        self.front.ans_status.next = self.ans_status.val();
        self.front.ans_offset.next = self.ans_offset.val();
        self.front.ans_skip.next = self.ans_skip.val();
        self.front.ans_gap.next = self.ans_gap.val();
        self.front.ans_flags.next = self.ans_flags.val();
        self.front.ans_reason.next = self.ans_reason.val();
        self.o.next = self.front.out_slot.val();
        self.out_valid.next = self.o.val().valid;
        self.out_sof.next = self.o.val().sof;
        self.out_last.next = self.o.val().last;
        self.out_keep.next = self.o.val().keep;
        self.out_data.next = self.o.val().data;
        self.out_kind.next = self.front.out_kind.val();
        self.out_why.next = self.front.out_why.val();
        self.out_flow_id.next = self.front.out_flow_id.val();
        self.out_status.next = self.front.out_status.val();
        self.out_offset.next = self.front.out_offset.val();
        self.out_skip.next = self.front.out_skip.val();
        self.out_gap.next = self.front.out_gap.val();
        self.out_flags.next = self.front.out_flags.val();
        self.out_reason.next = self.front.out_reason.val();
        self.counter_words.next = self.front.counter_words.val();
    }
}

/// The frames' side alone (slots in and out, the engine's ports), module `STANDALONE_MODULE`.
pub const STANDALONE_MODULE: &str = "vantage_reasm_front";

/// The frames' side alone, for synthesis.
pub fn standalone_verilog() -> String {
    let mut uut = Front::default();
    uut.connect_all();
    verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}

/// The probe alone, module `PROBE_MODULE`.
pub fn probe_verilog() -> String {
    let mut uut = FrontProbe::default();
    uut.connect_all();
    verilog_leaf::standalone(PROBE_MODULE, &generate_verilog(&uut))
}
