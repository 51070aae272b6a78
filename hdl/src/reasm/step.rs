//! The session step as logic: what one frame does to beat 0 of its session's record (both
//! directions' sequence state and the session's decision bits), the frame's tag, the segment
//! store's orders and the deltas of the flow-end figures — the model's `reasm::step::frame`.
//! Combinational: the record's port takes the changed line the cycle after its answer, so the
//! next frame of the session, two cycles behind, sees it. Beats 1 and 2 (times, flow id,
//! figures) change nothing the step decides; their ports answer later and take the deltas.
//!
//! ```text
//!  own: the frame's direction, peer: the other (the caller swaps them from the record's
//!  originator and responder halves, and back)
//!
//!  fallen back? ─► FALLBACK tag, nothing else
//!  ACK ─► peer: highest ACK (or its start, midstream); ACK past the peer's hole ─► peer released
//!  RST ─► own and peer released (gaps), closed ─► CONTROL
//!  own start (SYN, or the first segment) ─► rule (rule.rs) ─► release first (own, gap)
//!     ─► control | retransmission | in order / after a gap (+ own released behind it)
//!        | held (new block, front or back) | second hole / no store (fallback: blocks untouched)
//!  three GiveUp units (giveup.rs) compute the releases from the bounds, side by side
//! ```
//! A release's frames are tagged by the store's walk; the step gives where the walk starts (the
//! direction's next byte and offset before the release, or the frame's end and `after_off` for the
//! release behind the frame) and the order (`peer_first` when both directions release before the
//! frame).

use super::giveup::GiveUp;
use super::rule::{Rule, RuleAction};
use rust_hdl::prelude::*;
use vantage_proto::reasm::{Fallback, Status};

/// Why a block goes out before the frame (`own_why`, `peer_why`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum ReleaseWhy {
    /// No release.
    Idle,
    /// After a gap: the ACK passed the hole.
    Ack,
    /// After a gap: the held bytes would pass the cap.
    Cap,
    /// After a gap: an RST.
    Rst,
    /// Untouched: the session fell back.
    Fallback,
}

#[derive(LogicBlock)]
pub struct Step {
    // ---- the frame's direction, as beat 0 holds it
    pub own_init: Signal<In, Bit>,
    pub own_fin: Signal<In, Bit>,
    /// Sequence number of the stream's next byte, and its stream offset.
    pub own_next: Signal<In, Bits<32>>,
    pub own_off: Signal<In, Bits<48>>,
    /// The other side's highest ACK.
    pub own_acked_valid: Signal<In, Bit>,
    pub own_acked: Signal<In, Bits<32>>,
    /// The held block `[own_block_start, own_block_end)`, since (ticks), its store list, its FIN.
    pub own_block_valid: Signal<In, Bit>,
    pub own_block_start: Signal<In, Bits<32>>,
    pub own_block_end: Signal<In, Bits<32>>,
    pub own_block_since: Signal<In, Bits<32>>,
    pub own_held_head: Signal<In, Bits<20>>,
    pub own_held_tail: Signal<In, Bits<20>>,
    pub own_block_fin: Signal<In, Bit>,
    // ---- the other direction (its block's time and list are not the step's to change)
    pub peer_init: Signal<In, Bit>,
    pub peer_fin: Signal<In, Bit>,
    pub peer_next: Signal<In, Bits<32>>,
    pub peer_off: Signal<In, Bits<48>>,
    pub peer_acked_valid: Signal<In, Bit>,
    pub peer_acked: Signal<In, Bits<32>>,
    pub peer_block_valid: Signal<In, Bit>,
    pub peer_block_start: Signal<In, Bits<32>>,
    pub peer_block_end: Signal<In, Bits<32>>,
    pub peer_block_fin: Signal<In, Bit>,
    // ---- the session's decision bits
    /// Fallback reason, 0 while followed.
    pub fallback: Signal<In, Bits<2>>,
    pub closed: Signal<In, Bit>,
    // ---- the frame
    /// TCP flags (a cut frame's FIN cleared), acknowledgement number, payload bytes.
    pub tcp_flags: Signal<In, Bits<8>>,
    pub ack: Signal<In, Bits<32>>,
    /// The segment's first payload byte (after a SYN) and the byte after its payload and FIN:
    /// known from the frame alone, so the stage computes them while the frame waits.
    pub seg_start: Signal<In, Bits<32>>,
    pub seg_end: Signal<In, Bits<32>>,
    pub len: Signal<In, Bits<16>>,
    /// The frame's time in record ticks.
    pub tick: Signal<In, Bits<32>>,
    /// The store says its bytes differ from bytes held at the same sequence numbers.
    pub inconsistent: Signal<In, Bit>,
    /// The frame goes from the responder (the order of two fallback releases is by direction).
    pub responder: Signal<In, Bit>,
    // ---- the store and the registers
    /// A store slot is free for the frame (`slot`); the frame is bigger than the whole store.
    pub slot_ok: Signal<In, Bit>,
    pub slot: Signal<In, Bits<20>>,
    pub room_never: Signal<In, Bit>,
    /// Bytes a direction may hold above its hole.
    pub cap: Signal<In, Bits<32>>,

    // ---- beat 0 written back (`_w`)
    pub own_init_w: Signal<Out, Bit>,
    pub own_fin_w: Signal<Out, Bit>,
    pub own_next_w: Signal<Out, Bits<32>>,
    pub own_off_w: Signal<Out, Bits<48>>,
    pub own_acked_valid_w: Signal<Out, Bit>,
    pub own_acked_w: Signal<Out, Bits<32>>,
    pub own_block_valid_w: Signal<Out, Bit>,
    pub own_block_start_w: Signal<Out, Bits<32>>,
    pub own_block_end_w: Signal<Out, Bits<32>>,
    pub own_block_since_w: Signal<Out, Bits<32>>,
    pub own_held_head_w: Signal<Out, Bits<20>>,
    pub own_held_tail_w: Signal<Out, Bits<20>>,
    pub own_block_fin_w: Signal<Out, Bit>,
    pub peer_init_w: Signal<Out, Bit>,
    pub peer_fin_w: Signal<Out, Bit>,
    pub peer_next_w: Signal<Out, Bits<32>>,
    pub peer_off_w: Signal<Out, Bits<48>>,
    pub peer_acked_valid_w: Signal<Out, Bit>,
    pub peer_acked_w: Signal<Out, Bits<32>>,
    pub peer_block_valid_w: Signal<Out, Bit>,
    pub peer_block_fin_w: Signal<Out, Bit>,
    pub fallback_w: Signal<Out, Bits<2>>,
    pub closed_w: Signal<Out, Bit>,
    /// The session closed with this frame (beat 1 takes `tick` as its close time).
    pub closed_now: Signal<Out, Bit>,
    /// The frame would be held and no slot is free: nothing is written; a hole must be given up
    /// first.
    pub need_room: Signal<Out, Bit>,
    // ---- the frame's tag (flow id and direction are the caller's)
    /// `vantage_proto::reasm::Status`, 0 while the frame is held.
    pub status: Signal<Out, Bits<3>>,
    pub offset: Signal<Out, Bits<48>>,
    pub skip: Signal<Out, Bits<16>>,
    pub gap: Signal<Out, Bits<32>>,
    /// The tag's inconsistency flag.
    pub inconsistent_flag: Signal<Out, Bit>,
    /// Fallback reason of a FALLBACK tag.
    pub reason: Signal<Out, Bits<2>>,
    // ---- the store's orders
    /// Held in `slot`: in front of the block's frames (else behind), a new block.
    pub hold: Signal<Out, Bit>,
    pub hold_front: Signal<Out, Bit>,
    pub hold_new: Signal<Out, Bit>,
    /// The peer's / own block goes out before the frame (`why`); the peer's first when both do.
    pub peer_release: Signal<Out, Bit>,
    pub peer_why: Signal<Out, ReleaseWhy>,
    pub own_release: Signal<Out, Bit>,
    pub own_why: Signal<Out, ReleaseWhy>,
    pub peer_first: Signal<Out, Bit>,
    /// Own block goes out right behind the frame; its walk starts at the frame's end, at offset
    /// `after_off`.
    pub release_after: Signal<Out, Bit>,
    pub after_off: Signal<Out, Bits<48>>,
    // ---- what the stage counts, and the figures' deltas (beat 2)
    pub fell_back: Signal<Out, Bit>,
    pub after_gap: Signal<Out, Bit>,
    pub after_gap_cap: Signal<Out, Bit>,
    pub inconsistent_counted: Signal<Out, Bit>,
    pub own_delivered: Signal<Out, Bits<32>>,
    pub own_missed: Signal<Out, Bits<32>>,
    pub own_gaps: Signal<Out, Bits<2>>,
    pub own_retransmission: Signal<Out, Bit>,
    pub peer_delivered: Signal<Out, Bits<32>>,
    pub peer_missed: Signal<Out, Bits<32>>,
    pub peer_gap: Signal<Out, Bit>,

    /// The rule against the direction's next byte, and against the segment (a direction that
    /// starts with it): both side by side, chosen by `own_init`.
    rule: Rule,
    rule_new: Rule,
    v_release_first: Signal<Local, Bit>,
    v_first_cap: Signal<Local, Bit>,
    v_action: Signal<Local, RuleAction>,
    v_release_after: Signal<Local, Bit>,
    v_gap_cap: Signal<Local, Bit>,
    v_hold_new: Signal<Local, Bit>,
    peer_gu: GiveUp,
    first_gu: GiveUp,
    after_gu: GiveUp,
    /// All ones above bit 31 of an offset: a negative 32-bit difference, sign-extended.
    k_neg: Constant<Bits<48>>,
    /// The statuses and fallback reasons, from `vantage_proto::reasm`.
    k_in_order: Constant<Bits<3>>,
    k_retransmission: Constant<Bits<3>>,
    k_control: Constant<Bits<3>>,
    k_fallback: Constant<Bits<3>>,
    k_second_hole: Constant<Bits<2>>,
    k_no_store: Constant<Bits<2>>,
    f_ack: Signal<Local, Bit>,
    f_fin: Signal<Local, Bit>,
    f_rst: Signal<Local, Bit>,
    n0: Signal<Local, Bits<32>>,
    n_tag: Signal<Local, Bits<32>>,
    d_tag: Signal<Local, Bits<32>>,
    tag_off: Signal<Local, Bits<48>>,
    d_ack_acked: Signal<Local, Bits<32>>,
    d_ack_next: Signal<Local, Bits<32>>,
    peer_by_ack: Signal<Local, Bit>,
    peer_next_eff: Signal<Local, Bits<32>>,
    next_cls: Signal<Local, Bits<32>>,
    off_cls: Signal<Local, Bits<48>>,
    d_start_cls: Signal<Local, Bits<32>>,
    neg_start_cls: Signal<Local, Bits<32>>,
    gap2: Signal<Local, Bits<32>>,
    skip2: Signal<Local, Bits<32>>,
    off_end: Signal<Local, Bits<48>>,
    own_block_left: Signal<Local, Bit>,
    d_start_bs: Signal<Local, Bits<32>>,
    d_end_be: Signal<Local, Bits<32>>,
    fall: Signal<Local, Bit>,
    fall_reason: Signal<Local, Bits<2>>,
}

impl Default for Step {
    fn default() -> Self {
        Step {
            own_init: Default::default(),
            own_fin: Default::default(),
            own_next: Default::default(),
            own_off: Default::default(),
            own_acked_valid: Default::default(),
            own_acked: Default::default(),
            own_block_valid: Default::default(),
            own_block_start: Default::default(),
            own_block_end: Default::default(),
            own_block_since: Default::default(),
            own_held_head: Default::default(),
            own_held_tail: Default::default(),
            own_block_fin: Default::default(),
            peer_init: Default::default(),
            peer_fin: Default::default(),
            peer_next: Default::default(),
            peer_off: Default::default(),
            peer_acked_valid: Default::default(),
            peer_acked: Default::default(),
            peer_block_valid: Default::default(),
            peer_block_start: Default::default(),
            peer_block_end: Default::default(),
            peer_block_fin: Default::default(),
            fallback: Default::default(),
            closed: Default::default(),
            tcp_flags: Default::default(),
            ack: Default::default(),
            seg_start: Default::default(),
            seg_end: Default::default(),
            len: Default::default(),
            tick: Default::default(),
            inconsistent: Default::default(),
            responder: Default::default(),
            slot_ok: Default::default(),
            slot: Default::default(),
            room_never: Default::default(),
            cap: Default::default(),
            own_init_w: Default::default(),
            own_fin_w: Default::default(),
            own_next_w: Default::default(),
            own_off_w: Default::default(),
            own_acked_valid_w: Default::default(),
            own_acked_w: Default::default(),
            own_block_valid_w: Default::default(),
            own_block_start_w: Default::default(),
            own_block_end_w: Default::default(),
            own_block_since_w: Default::default(),
            own_held_head_w: Default::default(),
            own_held_tail_w: Default::default(),
            own_block_fin_w: Default::default(),
            peer_init_w: Default::default(),
            peer_fin_w: Default::default(),
            peer_next_w: Default::default(),
            peer_off_w: Default::default(),
            peer_acked_valid_w: Default::default(),
            peer_acked_w: Default::default(),
            peer_block_valid_w: Default::default(),
            peer_block_fin_w: Default::default(),
            fallback_w: Default::default(),
            closed_w: Default::default(),
            closed_now: Default::default(),
            need_room: Default::default(),
            status: Default::default(),
            offset: Default::default(),
            skip: Default::default(),
            gap: Default::default(),
            inconsistent_flag: Default::default(),
            reason: Default::default(),
            hold: Default::default(),
            hold_front: Default::default(),
            hold_new: Default::default(),
            peer_release: Default::default(),
            peer_why: Default::default(),
            own_release: Default::default(),
            own_why: Default::default(),
            peer_first: Default::default(),
            release_after: Default::default(),
            after_off: Default::default(),
            fell_back: Default::default(),
            after_gap: Default::default(),
            after_gap_cap: Default::default(),
            inconsistent_counted: Default::default(),
            own_delivered: Default::default(),
            own_missed: Default::default(),
            own_gaps: Default::default(),
            own_retransmission: Default::default(),
            peer_delivered: Default::default(),
            peer_missed: Default::default(),
            peer_gap: Default::default(),
            rule: Default::default(),
            rule_new: Default::default(),
            v_release_first: Default::default(),
            v_first_cap: Default::default(),
            v_action: Default::default(),
            v_release_after: Default::default(),
            v_gap_cap: Default::default(),
            v_hold_new: Default::default(),
            peer_gu: Default::default(),
            first_gu: Default::default(),
            after_gu: Default::default(),
            k_neg: Constant::new(0xFFFF_0000_0000u64.to_bits()),
            k_in_order: Constant::new((Status::InOrder as u64).to_bits()),
            k_retransmission: Constant::new((Status::Retransmission as u64).to_bits()),
            k_control: Constant::new((Status::Control as u64).to_bits()),
            k_fallback: Constant::new((Status::Fallback as u64).to_bits()),
            k_second_hole: Constant::new((Fallback::SecondHole as u64).to_bits()),
            k_no_store: Constant::new((Fallback::BufferExhausted as u64).to_bits()),
            f_ack: Default::default(),
            f_fin: Default::default(),
            f_rst: Default::default(),
            n0: Default::default(),
            n_tag: Default::default(),
            d_tag: Default::default(),
            tag_off: Default::default(),
            d_ack_acked: Default::default(),
            d_ack_next: Default::default(),
            peer_by_ack: Default::default(),
            peer_next_eff: Default::default(),
            next_cls: Default::default(),
            off_cls: Default::default(),
            d_start_cls: Default::default(),
            neg_start_cls: Default::default(),
            gap2: Default::default(),
            skip2: Default::default(),
            off_end: Default::default(),
            own_block_left: Default::default(),
            d_start_bs: Default::default(),
            d_end_be: Default::default(),
            fall: Default::default(),
            fall_reason: Default::default(),
        }
    }
}

impl Logic for Step {
    #[hdl_gen]
    fn update(&mut self) {
        // ---- the frame's sequence space
        self.f_fin.next = self.tcp_flags.val().get_bit(0);
        self.f_rst.next = self.tcp_flags.val().get_bit(2);
        self.f_ack.next = self.tcp_flags.val().get_bit(4);
        // The direction's next byte once started (a new direction starts at the segment).
        self.n0.next = self.seg_start.val();
        if self.own_init.val() {
            self.n0.next = self.own_next.val();
        }
        // The tag's offset: the segment against the next byte as the record holds it (releases
        // before the frame move next and its offset by the same amount).
        self.n_tag.next = self.n0.val();
        if self.f_rst.val() {
            self.n_tag.next = self.own_next.val();
        }
        self.d_tag.next = self.seg_start.val() - self.n_tag.val();
        self.tag_off.next = self.own_off.val() + bit_cast::<48, 32>(self.d_tag.val());
        if self.d_tag.val().get_bit(31) {
            self.tag_off.next =
                self.own_off.val() + (bit_cast::<48, 32>(self.d_tag.val()) | self.k_neg.val());
        }

        // ---- the peer: its highest ACK, its hole given up for bytes acknowledged past it
        self.d_ack_acked.next = self.ack.val() - self.peer_acked.val();
        self.d_ack_next.next = self.ack.val() - self.peer_next.val();
        self.peer_by_ack.next = self.f_ack.val()
            & self.peer_init.val()
            & self.peer_block_valid.val()
            & !self.d_ack_next.val().get_bit(31)
            & (self.d_ack_next.val() != 0);
        self.peer_next_eff.next = self.peer_next.val();
        if self.f_ack.val() & !self.peer_init.val() {
            self.peer_next_eff.next = self.ack.val();
        }
        self.peer_gu.next_seq.next = self.peer_next_eff.val();
        self.peer_gu.next_off.next = self.peer_off.val();
        self.peer_gu.block_start.next = self.peer_block_start.val();
        self.peer_gu.block_end.next = self.peer_block_end.val();
        self.peer_gu.block_fin.next = self.peer_block_fin.val();

        // ---- own: the rule, and the releases before and behind the frame
        self.rule.next_seq.next = self.own_next.val();
        self.rule.acked_valid.next = self.own_acked_valid.val();
        self.rule.acked.next = self.own_acked.val();
        self.rule.block_valid.next = self.own_block_valid.val();
        self.rule.block_start.next = self.own_block_start.val();
        self.rule.block_end.next = self.own_block_end.val();
        self.rule.seg_start.next = self.seg_start.val();
        self.rule.seg_end.next = self.seg_end.val();
        self.rule.data.next = (self.len.val() != 0) | self.f_fin.val();
        self.rule.cap.next = self.cap.val();
        self.rule_new.next_seq.next = self.seg_start.val();
        self.rule_new.acked_valid.next = self.own_acked_valid.val();
        self.rule_new.acked.next = self.own_acked.val();
        self.rule_new.block_valid.next = self.own_block_valid.val();
        self.rule_new.block_start.next = self.own_block_start.val();
        self.rule_new.block_end.next = self.own_block_end.val();
        self.rule_new.seg_start.next = self.seg_start.val();
        self.rule_new.seg_end.next = self.seg_end.val();
        self.rule_new.data.next = (self.len.val() != 0) | self.f_fin.val();
        self.rule_new.cap.next = self.cap.val();
        self.v_release_first.next = self.rule_new.release_first.val();
        self.v_first_cap.next = self.rule_new.first_cap.val();
        self.v_action.next = self.rule_new.action.val();
        self.v_release_after.next = self.rule_new.release_after.val();
        self.v_gap_cap.next = self.rule_new.gap_cap.val();
        self.v_hold_new.next = self.rule_new.hold_new.val();
        if self.own_init.val() {
            self.v_release_first.next = self.rule.release_first.val();
            self.v_first_cap.next = self.rule.first_cap.val();
            self.v_action.next = self.rule.action.val();
            self.v_release_after.next = self.rule.release_after.val();
            self.v_gap_cap.next = self.rule.gap_cap.val();
            self.v_hold_new.next = self.rule.hold_new.val();
        }
        self.first_gu.next_seq.next = self.n_tag.val();
        self.first_gu.next_off.next = self.own_off.val();
        self.first_gu.block_start.next = self.own_block_start.val();
        self.first_gu.block_end.next = self.own_block_end.val();
        self.first_gu.block_fin.next = self.own_block_fin.val();
        // The segment is placed against the next byte after a release first.
        self.next_cls.next = self.n0.val();
        self.off_cls.next = self.own_off.val();
        if self.v_release_first.val() {
            self.next_cls.next = self.first_gu.new_next.val();
            self.off_cls.next = self.first_gu.new_off.val();
        }
        self.d_start_cls.next = self.seg_start.val() - self.next_cls.val();
        self.neg_start_cls.next = self.next_cls.val() - self.seg_start.val();
        self.gap2.next = 0.into();
        self.skip2.next = 0.into();
        if !self.d_start_cls.val().get_bit(31) & (self.d_start_cls.val() != 0) {
            self.gap2.next = self.d_start_cls.val();
        } else if self.neg_start_cls.val() > bit_cast::<32, 16>(self.len.val()) {
            self.skip2.next = bit_cast::<32, 16>(self.len.val());
        } else {
            self.skip2.next = self.neg_start_cls.val();
        }
        // Delivered up to its end: the offset moves by end - n0 whatever was released first (a
        // release moves next and the offset alike).
        self.off_end.next =
            self.own_off.val() + bit_cast::<48, 32>(self.seg_end.val() - self.n0.val());
        self.after_gu.next_seq.next = self.seg_end.val();
        self.after_gu.next_off.next = self.off_end.val();
        self.after_gu.block_start.next = self.own_block_start.val();
        self.after_gu.block_end.next = self.own_block_end.val();
        self.after_gu.block_fin.next = self.own_block_fin.val();
        self.own_block_left.next = self.own_block_valid.val() & !self.v_release_first.val();
        self.d_start_bs.next = self.seg_start.val() - self.own_block_start.val();
        self.d_end_be.next = self.seg_end.val() - self.own_block_end.val();

        // ---- defaults: beat 0 as it was, no tag, no order
        self.own_init_w.next = self.own_init.val();
        self.own_fin_w.next = self.own_fin.val();
        self.own_next_w.next = self.own_next.val();
        self.own_off_w.next = self.own_off.val();
        self.own_acked_valid_w.next = self.own_acked_valid.val();
        self.own_acked_w.next = self.own_acked.val();
        self.own_block_valid_w.next = self.own_block_valid.val();
        self.own_block_start_w.next = self.own_block_start.val();
        self.own_block_end_w.next = self.own_block_end.val();
        self.own_block_since_w.next = self.own_block_since.val();
        self.own_held_head_w.next = self.own_held_head.val();
        self.own_held_tail_w.next = self.own_held_tail.val();
        self.own_block_fin_w.next = self.own_block_fin.val();
        self.peer_init_w.next = self.peer_init.val();
        self.peer_fin_w.next = self.peer_fin.val();
        self.peer_next_w.next = self.peer_next.val();
        self.peer_off_w.next = self.peer_off.val();
        self.peer_acked_valid_w.next = self.peer_acked_valid.val();
        self.peer_acked_w.next = self.peer_acked.val();
        self.peer_block_valid_w.next = self.peer_block_valid.val();
        self.peer_block_fin_w.next = self.peer_block_fin.val();
        self.fallback_w.next = self.fallback.val();
        self.closed_w.next = self.closed.val();
        self.need_room.next = false;
        self.status.next = 0.into();
        self.offset.next = 0.into();
        self.skip.next = 0.into();
        self.gap.next = 0.into();
        self.inconsistent_flag.next = false;
        self.reason.next = 0.into();
        self.hold.next = false;
        self.hold_front.next = false;
        self.hold_new.next = false;
        self.peer_release.next = false;
        self.peer_why.next = ReleaseWhy::Idle;
        self.own_release.next = false;
        self.own_why.next = ReleaseWhy::Idle;
        self.release_after.next = false;
        self.after_off.next = self.off_end.val();
        self.fell_back.next = false;
        self.after_gap.next = false;
        self.after_gap_cap.next = false;
        self.inconsistent_counted.next = false;
        self.own_delivered.next = 0.into();
        self.own_missed.next = 0.into();
        self.own_gaps.next = 0.into();
        self.own_retransmission.next = false;
        self.peer_delivered.next = 0.into();
        self.peer_missed.next = 0.into();
        self.peer_gap.next = false;
        self.fall.next = false;
        self.fall_reason.next = 0.into();

        if self.fallback.val() != 0 {
            self.status.next = self.k_fallback.val();
            self.reason.next = self.fallback.val();
        } else {
            // The ACK moves the peer.
            if self.f_ack.val() {
                if self.peer_init.val() {
                    if !self.peer_acked_valid.val()
                        | (!self.d_ack_acked.val().get_bit(31) & (self.d_ack_acked.val() != 0))
                    {
                        self.peer_acked_valid_w.next = true;
                        self.peer_acked_w.next = self.ack.val();
                    }
                } else {
                    self.peer_init_w.next = true;
                    self.peer_next_w.next = self.ack.val();
                    self.peer_acked_valid_w.next = true;
                    self.peer_acked_w.next = self.ack.val();
                }
            }
            if self.peer_by_ack.val() | (self.f_rst.val() & self.peer_block_valid.val()) {
                self.peer_release.next = true;
                self.peer_why.next = ReleaseWhy::Rst;
                if self.peer_by_ack.val() {
                    self.peer_why.next = ReleaseWhy::Ack;
                }
                self.peer_next_w.next = self.peer_gu.new_next.val();
                self.peer_off_w.next = self.peer_gu.new_off.val();
                self.peer_fin_w.next = self.peer_fin.val() | self.peer_block_fin.val();
                self.peer_block_valid_w.next = false;
                self.peer_block_fin_w.next = false;
                self.peer_delivered.next = self.peer_gu.delivered.val();
                self.peer_missed.next = self.peer_gu.missed.val();
                self.peer_gap.next = self.peer_gu.gap.val();
            }
            if self.f_rst.val() {
                if self.own_block_valid.val() {
                    self.own_release.next = true;
                    self.own_why.next = ReleaseWhy::Rst;
                    self.own_next_w.next = self.first_gu.new_next.val();
                    self.own_off_w.next = self.first_gu.new_off.val();
                    self.own_fin_w.next = self.own_fin.val() | self.own_block_fin.val();
                    self.own_block_valid_w.next = false;
                    self.own_block_fin_w.next = false;
                    self.own_delivered.next = self.first_gu.delivered.val();
                    self.own_missed.next = self.first_gu.missed.val();
                    self.own_gaps.next = bit_cast::<2, 1>(self.first_gu.gap.val().into());
                }
                self.closed_w.next = true;
                self.status.next = self.k_control.val();
                self.offset.next = self.tag_off.val();
            } else {
                self.own_init_w.next = true;
                self.own_next_w.next = self.n0.val();
                if self.v_release_first.val() {
                    self.own_release.next = true;
                    self.own_why.next = ReleaseWhy::Ack;
                    if self.v_first_cap.val() {
                        self.own_why.next = ReleaseWhy::Cap;
                    }
                    self.own_next_w.next = self.first_gu.new_next.val();
                    self.own_off_w.next = self.first_gu.new_off.val();
                    self.own_fin_w.next = self.own_fin.val() | self.own_block_fin.val();
                    self.own_block_valid_w.next = false;
                    self.own_block_fin_w.next = false;
                    self.own_delivered.next = self.first_gu.delivered.val();
                    self.own_missed.next = self.first_gu.missed.val();
                    self.own_gaps.next = bit_cast::<2, 1>(self.first_gu.gap.val().into());
                }
                if self.v_action.val() == RuleAction::Control {
                    self.status.next = self.k_control.val();
                    self.offset.next = self.tag_off.val();
                } else if (self.v_action.val() == RuleAction::Retransmission)
                    | (self.v_action.val() == RuleAction::HeldRetransmission)
                {
                    self.status.next = self.k_retransmission.val();
                    self.offset.next = self.tag_off.val();
                    self.skip.next = self.len.val();
                    self.own_retransmission.next = true;
                    if self.inconsistent.val() & self.own_block_left.val() {
                        self.inconsistent_flag.next = true;
                        self.inconsistent_counted.next = true;
                    }
                } else if (self.v_action.val() == RuleAction::InOrder)
                    | (self.v_action.val() == RuleAction::AfterGap)
                {
                    self.status.next = self.k_in_order.val();
                    self.offset.next = self.tag_off.val();
                    self.gap.next = self.gap2.val();
                    self.skip.next = self.skip2.val().get_bits::<16>(0);
                    if self.inconsistent.val() & self.own_block_left.val() {
                        self.inconsistent_flag.next = true;
                        self.inconsistent_counted.next = true;
                    }
                    self.after_gap.next = self.v_action.val() == RuleAction::AfterGap;
                    self.after_gap_cap.next = self.v_gap_cap.val();
                    self.own_next_w.next = self.seg_end.val();
                    self.own_off_w.next = self.off_end.val();
                    self.own_fin_w.next = self.own_fin.val()
                        | self.f_fin.val()
                        | (self.v_release_first.val() & self.own_block_fin.val());
                    self.own_delivered.next = self.first_gu.delivered.val()
                        + bit_cast::<32, 16>(self.len.val())
                        - self.skip2.val();
                    if self.gap2.val() != 0 {
                        self.own_missed.next = self.first_gu.missed.val() + self.gap2.val();
                        self.own_gaps.next = bit_cast::<2, 1>(self.first_gu.gap.val().into()) + 1;
                    }
                    if !self.v_release_first.val() {
                        self.own_delivered.next =
                            bit_cast::<32, 16>(self.len.val()) - self.skip2.val();
                        self.own_missed.next = self.gap2.val();
                        self.own_gaps.next = 0.into();
                        if self.gap2.val() != 0 {
                            self.own_gaps.next = 1.into();
                        }
                    }
                    if self.v_release_after.val() {
                        self.release_after.next = true;
                        // A block reaching past the segment: next and its offset move to the
                        // block's end, as a release first would have moved them.
                        if self.d_end_be.val().get_bit(31) {
                            self.own_next_w.next = self.own_block_end.val();
                            self.own_off_w.next = self.first_gu.new_off.val();
                        }
                        self.own_fin_w.next =
                            self.own_fin.val() | self.f_fin.val() | self.own_block_fin.val();
                        self.own_block_valid_w.next = false;
                        self.own_block_fin_w.next = false;
                        self.own_delivered.next = bit_cast::<32, 16>(self.len.val())
                            - self.skip2.val()
                            + self.after_gu.delivered.val();
                    }
                } else if self.v_action.val() == RuleAction::Hold {
                    if self.room_never.val() {
                        self.fall.next = true;
                        self.fall_reason.next = self.k_no_store.val();
                    } else if !self.slot_ok.val() {
                        self.need_room.next = true;
                    } else {
                        self.hold.next = true;
                        self.hold_new.next = self.v_hold_new.val();
                        if self.inconsistent.val() & self.own_block_left.val() {
                            self.inconsistent_counted.next = true;
                        }
                        self.own_block_valid_w.next = true;
                        self.own_block_fin_w.next = self.f_fin.val();
                        if self.own_block_left.val() {
                            self.own_block_fin_w.next = self.own_block_fin.val() | self.f_fin.val();
                            if self.d_start_bs.val().get_bit(31) {
                                self.hold_front.next = true;
                                self.own_block_start_w.next = self.seg_start.val();
                                self.own_held_head_w.next = self.slot.val();
                            } else {
                                self.own_held_tail_w.next = self.slot.val();
                            }
                            if !self.d_end_be.val().get_bit(31) & (self.d_end_be.val() != 0) {
                                self.own_block_end_w.next = self.seg_end.val();
                            }
                        } else {
                            self.own_block_start_w.next = self.seg_start.val();
                            self.own_block_end_w.next = self.seg_end.val();
                            self.own_block_since_w.next = self.tick.val();
                            self.own_held_head_w.next = self.slot.val();
                            self.own_held_tail_w.next = self.slot.val();
                        }
                    }
                } else if self.v_action.val() == RuleAction::SecondHole {
                    self.fall.next = true;
                    self.fall_reason.next = self.k_second_hole.val();
                }
                if self.fall.val() {
                    // Both blocks go out untouched, then the frame.
                    self.fell_back.next = true;
                    self.fallback_w.next = self.fall_reason.val();
                    self.status.next = self.k_fallback.val();
                    self.reason.next = self.fall_reason.val();
                    if self.own_block_left.val() {
                        self.own_release.next = true;
                        self.own_why.next = ReleaseWhy::Fallback;
                        self.own_block_valid_w.next = false;
                        self.own_block_fin_w.next = false;
                    }
                    if self.peer_block_valid.val() & !self.peer_by_ack.val() {
                        self.peer_release.next = true;
                        self.peer_why.next = ReleaseWhy::Fallback;
                        self.peer_block_valid_w.next = false;
                        self.peer_block_fin_w.next = false;
                    }
                }
            }
            self.closed_w.next = self.closed.val()
                | self.f_rst.val()
                | (self.own_fin_w.val() & self.peer_fin_w.val());
        }
        self.closed_now.next = self.closed_w.val() & !self.closed.val();
        // Two releases before the frame: the peer's first when the ACK gave it up, or when both
        // fall back and the peer is the originator (the model releases direction 0 first).
        self.peer_first.next = self.peer_release.val()
            & self.own_release.val()
            & (self.peer_by_ack.val()
                | ((self.own_why.val() == ReleaseWhy::Fallback)
                    & (self.peer_why.val() == ReleaseWhy::Fallback)
                    & self.responder.val()));
    }
}

/// The unit's inputs in declaration order: the order the simulator's C ABI passes them (sim/build.rs
/// writes the shim's assignments from this list; a test holds it to the emitted Verilog).
pub const IN_PORTS: [&str; 37] = [
    "own_init",
    "own_fin",
    "own_next",
    "own_off",
    "own_acked_valid",
    "own_acked",
    "own_block_valid",
    "own_block_start",
    "own_block_end",
    "own_block_since",
    "own_held_head",
    "own_held_tail",
    "own_block_fin",
    "peer_init",
    "peer_fin",
    "peer_next",
    "peer_off",
    "peer_acked_valid",
    "peer_acked",
    "peer_block_valid",
    "peer_block_start",
    "peer_block_end",
    "peer_block_fin",
    "fallback",
    "closed",
    "tcp_flags",
    "ack",
    "seg_start",
    "seg_end",
    "len",
    "tick",
    "inconsistent",
    "responder",
    "slot_ok",
    "slot",
    "room_never",
    "cap",
];

/// The unit's outputs in declaration order, as `IN_PORTS`.
pub const OUT_PORTS: [&str; 52] = [
    "own_init_w",
    "own_fin_w",
    "own_next_w",
    "own_off_w",
    "own_acked_valid_w",
    "own_acked_w",
    "own_block_valid_w",
    "own_block_start_w",
    "own_block_end_w",
    "own_block_since_w",
    "own_held_head_w",
    "own_held_tail_w",
    "own_block_fin_w",
    "peer_init_w",
    "peer_fin_w",
    "peer_next_w",
    "peer_off_w",
    "peer_acked_valid_w",
    "peer_acked_w",
    "peer_block_valid_w",
    "peer_block_fin_w",
    "fallback_w",
    "closed_w",
    "closed_now",
    "need_room",
    "status",
    "offset",
    "skip",
    "gap",
    "inconsistent_flag",
    "reason",
    "hold",
    "hold_front",
    "hold_new",
    "peer_release",
    "peer_why",
    "own_release",
    "own_why",
    "peer_first",
    "release_after",
    "after_off",
    "fell_back",
    "after_gap",
    "after_gap_cap",
    "inconsistent_counted",
    "own_delivered",
    "own_missed",
    "own_gaps",
    "own_retransmission",
    "peer_delivered",
    "peer_missed",
    "peer_gap",
];

/// Module name of the unit emitted alone (its Verilator test and synthesis run).
pub const STANDALONE_MODULE: &str = "vantage_reasm_step";

/// The unit alone, module `STANDALONE_MODULE`.
pub fn standalone_verilog() -> String {
    let mut uut = Step::default();
    uut.connect_all();
    crate::widgets::verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}

/// The step with only what the record's port takes back the next cycle (beat 0 and whether to
/// write it): the loop a frame closes for the next frame of its session, two cycles behind.
/// The tag, the store's orders and the figures' deltas go with the frame and can take more
/// cycles; synthesis of this wrapper measures the loop alone (`make synth-reasm-step`).
#[derive(LogicBlock, Default)]
pub struct StepLoop {
    pub own_init: Signal<In, Bit>,
    pub own_fin: Signal<In, Bit>,
    pub own_next: Signal<In, Bits<32>>,
    pub own_off: Signal<In, Bits<48>>,
    pub own_acked_valid: Signal<In, Bit>,
    pub own_acked: Signal<In, Bits<32>>,
    pub own_block_valid: Signal<In, Bit>,
    pub own_block_start: Signal<In, Bits<32>>,
    pub own_block_end: Signal<In, Bits<32>>,
    pub own_block_since: Signal<In, Bits<32>>,
    pub own_held_head: Signal<In, Bits<20>>,
    pub own_held_tail: Signal<In, Bits<20>>,
    pub own_block_fin: Signal<In, Bit>,
    pub peer_init: Signal<In, Bit>,
    pub peer_fin: Signal<In, Bit>,
    pub peer_next: Signal<In, Bits<32>>,
    pub peer_off: Signal<In, Bits<48>>,
    pub peer_acked_valid: Signal<In, Bit>,
    pub peer_acked: Signal<In, Bits<32>>,
    pub peer_block_valid: Signal<In, Bit>,
    pub peer_block_start: Signal<In, Bits<32>>,
    pub peer_block_end: Signal<In, Bits<32>>,
    pub peer_block_fin: Signal<In, Bit>,
    pub fallback: Signal<In, Bits<2>>,
    pub closed: Signal<In, Bit>,
    pub tcp_flags: Signal<In, Bits<8>>,
    pub ack: Signal<In, Bits<32>>,
    pub seg_start: Signal<In, Bits<32>>,
    pub seg_end: Signal<In, Bits<32>>,
    pub len: Signal<In, Bits<16>>,
    pub tick: Signal<In, Bits<32>>,
    pub inconsistent: Signal<In, Bit>,
    pub responder: Signal<In, Bit>,
    pub slot_ok: Signal<In, Bit>,
    pub slot: Signal<In, Bits<20>>,
    pub room_never: Signal<In, Bit>,
    pub cap: Signal<In, Bits<32>>,
    pub own_init_w: Signal<Out, Bit>,
    pub own_fin_w: Signal<Out, Bit>,
    pub own_next_w: Signal<Out, Bits<32>>,
    pub own_off_w: Signal<Out, Bits<48>>,
    pub own_acked_valid_w: Signal<Out, Bit>,
    pub own_acked_w: Signal<Out, Bits<32>>,
    pub own_block_valid_w: Signal<Out, Bit>,
    pub own_block_start_w: Signal<Out, Bits<32>>,
    pub own_block_end_w: Signal<Out, Bits<32>>,
    pub own_block_since_w: Signal<Out, Bits<32>>,
    pub own_held_head_w: Signal<Out, Bits<20>>,
    pub own_held_tail_w: Signal<Out, Bits<20>>,
    pub own_block_fin_w: Signal<Out, Bit>,
    pub peer_init_w: Signal<Out, Bit>,
    pub peer_fin_w: Signal<Out, Bit>,
    pub peer_next_w: Signal<Out, Bits<32>>,
    pub peer_off_w: Signal<Out, Bits<48>>,
    pub peer_acked_valid_w: Signal<Out, Bit>,
    pub peer_acked_w: Signal<Out, Bits<32>>,
    pub peer_block_valid_w: Signal<Out, Bit>,
    pub peer_block_fin_w: Signal<Out, Bit>,
    pub fallback_w: Signal<Out, Bits<2>>,
    pub closed_w: Signal<Out, Bit>,
    pub need_room: Signal<Out, Bit>,
    step: Step,
}

impl Logic for StepLoop {
    #[hdl_gen]
    fn update(&mut self) {
        self.step.own_init.next = self.own_init.val();
        self.step.own_fin.next = self.own_fin.val();
        self.step.own_next.next = self.own_next.val();
        self.step.own_off.next = self.own_off.val();
        self.step.own_acked_valid.next = self.own_acked_valid.val();
        self.step.own_acked.next = self.own_acked.val();
        self.step.own_block_valid.next = self.own_block_valid.val();
        self.step.own_block_start.next = self.own_block_start.val();
        self.step.own_block_end.next = self.own_block_end.val();
        self.step.own_block_since.next = self.own_block_since.val();
        self.step.own_held_head.next = self.own_held_head.val();
        self.step.own_held_tail.next = self.own_held_tail.val();
        self.step.own_block_fin.next = self.own_block_fin.val();
        self.step.peer_init.next = self.peer_init.val();
        self.step.peer_fin.next = self.peer_fin.val();
        self.step.peer_next.next = self.peer_next.val();
        self.step.peer_off.next = self.peer_off.val();
        self.step.peer_acked_valid.next = self.peer_acked_valid.val();
        self.step.peer_acked.next = self.peer_acked.val();
        self.step.peer_block_valid.next = self.peer_block_valid.val();
        self.step.peer_block_start.next = self.peer_block_start.val();
        self.step.peer_block_end.next = self.peer_block_end.val();
        self.step.peer_block_fin.next = self.peer_block_fin.val();
        self.step.fallback.next = self.fallback.val();
        self.step.closed.next = self.closed.val();
        self.step.tcp_flags.next = self.tcp_flags.val();
        self.step.ack.next = self.ack.val();
        self.step.seg_start.next = self.seg_start.val();
        self.step.seg_end.next = self.seg_end.val();
        self.step.len.next = self.len.val();
        self.step.tick.next = self.tick.val();
        self.step.inconsistent.next = self.inconsistent.val();
        self.step.responder.next = self.responder.val();
        self.step.slot_ok.next = self.slot_ok.val();
        self.step.slot.next = self.slot.val();
        self.step.room_never.next = self.room_never.val();
        self.step.cap.next = self.cap.val();
        self.own_init_w.next = self.step.own_init_w.val();
        self.own_fin_w.next = self.step.own_fin_w.val();
        self.own_next_w.next = self.step.own_next_w.val();
        self.own_off_w.next = self.step.own_off_w.val();
        self.own_acked_valid_w.next = self.step.own_acked_valid_w.val();
        self.own_acked_w.next = self.step.own_acked_w.val();
        self.own_block_valid_w.next = self.step.own_block_valid_w.val();
        self.own_block_start_w.next = self.step.own_block_start_w.val();
        self.own_block_end_w.next = self.step.own_block_end_w.val();
        self.own_block_since_w.next = self.step.own_block_since_w.val();
        self.own_held_head_w.next = self.step.own_held_head_w.val();
        self.own_held_tail_w.next = self.step.own_held_tail_w.val();
        self.own_block_fin_w.next = self.step.own_block_fin_w.val();
        self.peer_init_w.next = self.step.peer_init_w.val();
        self.peer_fin_w.next = self.step.peer_fin_w.val();
        self.peer_next_w.next = self.step.peer_next_w.val();
        self.peer_off_w.next = self.step.peer_off_w.val();
        self.peer_acked_valid_w.next = self.step.peer_acked_valid_w.val();
        self.peer_acked_w.next = self.step.peer_acked_w.val();
        self.peer_block_valid_w.next = self.step.peer_block_valid_w.val();
        self.peer_block_fin_w.next = self.step.peer_block_fin_w.val();
        self.fallback_w.next = self.step.fallback_w.val();
        self.closed_w.next = self.step.closed_w.val();
        self.need_room.next = self.step.need_room.val();
    }
}

/// Module name of the loop alone (synthesis only).
pub const LOOP_MODULE: &str = "vantage_reasm_step_loop";

/// The loop alone, module `LOOP_MODULE`.
pub fn loop_verilog() -> String {
    let mut uut = StepLoop::default();
    uut.connect_all();
    crate::widgets::verilog_leaf::standalone(LOOP_MODULE, &generate_verilog(&uut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use vantage_testkit::reasm::{step_case, step_expected, step_input, step_outputs, StepCase};

    /// Every case through one simulation of the unit; the first disagreement fails.
    fn run(cases: Vec<StepCase>) -> Result<(), String> {
        let mut sim: Simulation<Step> = Simulation::default();
        sim.add_testbench(move |mut ep: Sim<Step>| {
            let mut x = ep.init()?;
            for c in &cases {
                let v = |port: &str| step_input(c, port);
                x.own_init.next = v("own_init") != 0;
                x.own_fin.next = v("own_fin") != 0;
                x.own_next.next = v("own_next").to_bits();
                x.own_off.next = v("own_off").to_bits();
                x.own_acked_valid.next = v("own_acked_valid") != 0;
                x.own_acked.next = v("own_acked").to_bits();
                x.own_block_valid.next = v("own_block_valid") != 0;
                x.own_block_start.next = v("own_block_start").to_bits();
                x.own_block_end.next = v("own_block_end").to_bits();
                x.own_block_since.next = v("own_block_since").to_bits();
                x.own_held_head.next = v("own_held_head").to_bits();
                x.own_held_tail.next = v("own_held_tail").to_bits();
                x.own_block_fin.next = v("own_block_fin") != 0;
                x.peer_init.next = v("peer_init") != 0;
                x.peer_fin.next = v("peer_fin") != 0;
                x.peer_next.next = v("peer_next").to_bits();
                x.peer_off.next = v("peer_off").to_bits();
                x.peer_acked_valid.next = v("peer_acked_valid") != 0;
                x.peer_acked.next = v("peer_acked").to_bits();
                x.peer_block_valid.next = v("peer_block_valid") != 0;
                x.peer_block_start.next = v("peer_block_start").to_bits();
                x.peer_block_end.next = v("peer_block_end").to_bits();
                x.peer_block_fin.next = v("peer_block_fin") != 0;
                x.fallback.next = v("fallback").to_bits();
                x.closed.next = v("closed") != 0;
                x.tcp_flags.next = v("tcp_flags").to_bits();
                x.ack.next = v("ack").to_bits();
                x.seg_start.next = v("seg_start").to_bits();
                x.seg_end.next = v("seg_end").to_bits();
                x.len.next = v("len").to_bits();
                x.tick.next = v("tick").to_bits();
                x.inconsistent.next = v("inconsistent") != 0;
                x.responder.next = v("responder") != 0;
                x.slot_ok.next = v("slot_ok") != 0;
                x.slot.next = v("slot").to_bits();
                x.room_never.next = v("room_never") != 0;
                x.cap.next = v("cap").to_bits();
                x = ep.wait(1, x)?;
                let got = step_outputs(c, |port| match port {
                    "own_init_w" => u64::from(x.own_init_w.val()),
                    "own_fin_w" => u64::from(x.own_fin_w.val()),
                    "own_next_w" => x.own_next_w.val().to_u64(),
                    "own_off_w" => x.own_off_w.val().to_u64(),
                    "own_acked_valid_w" => u64::from(x.own_acked_valid_w.val()),
                    "own_acked_w" => x.own_acked_w.val().to_u64(),
                    "own_block_valid_w" => u64::from(x.own_block_valid_w.val()),
                    "own_block_start_w" => x.own_block_start_w.val().to_u64(),
                    "own_block_end_w" => x.own_block_end_w.val().to_u64(),
                    "own_block_since_w" => x.own_block_since_w.val().to_u64(),
                    "own_held_head_w" => x.own_held_head_w.val().to_u64(),
                    "own_held_tail_w" => x.own_held_tail_w.val().to_u64(),
                    "own_block_fin_w" => u64::from(x.own_block_fin_w.val()),
                    "peer_init_w" => u64::from(x.peer_init_w.val()),
                    "peer_fin_w" => u64::from(x.peer_fin_w.val()),
                    "peer_next_w" => x.peer_next_w.val().to_u64(),
                    "peer_off_w" => x.peer_off_w.val().to_u64(),
                    "peer_acked_valid_w" => u64::from(x.peer_acked_valid_w.val()),
                    "peer_acked_w" => x.peer_acked_w.val().to_u64(),
                    "peer_block_valid_w" => u64::from(x.peer_block_valid_w.val()),
                    "peer_block_fin_w" => u64::from(x.peer_block_fin_w.val()),
                    "fallback_w" => x.fallback_w.val().to_u64(),
                    "closed_w" => u64::from(x.closed_w.val()),
                    "closed_now" => u64::from(x.closed_now.val()),
                    "need_room" => u64::from(x.need_room.val()),
                    "status" => x.status.val().to_u64(),
                    "offset" => x.offset.val().to_u64(),
                    "skip" => x.skip.val().to_u64(),
                    "gap" => x.gap.val().to_u64(),
                    "inconsistent_flag" => u64::from(x.inconsistent_flag.val()),
                    "reason" => x.reason.val().to_u64(),
                    "hold" => u64::from(x.hold.val()),
                    "hold_front" => u64::from(x.hold_front.val()),
                    "hold_new" => u64::from(x.hold_new.val()),
                    "peer_release" => u64::from(x.peer_release.val()),
                    "peer_why" => x.peer_why.val() as u64,
                    "own_release" => u64::from(x.own_release.val()),
                    "own_why" => x.own_why.val() as u64,
                    "peer_first" => u64::from(x.peer_first.val()),
                    "release_after" => u64::from(x.release_after.val()),
                    "after_off" => x.after_off.val().to_u64(),
                    "fell_back" => u64::from(x.fell_back.val()),
                    "after_gap" => u64::from(x.after_gap.val()),
                    "after_gap_cap" => u64::from(x.after_gap_cap.val()),
                    "inconsistent_counted" => u64::from(x.inconsistent_counted.val()),
                    "own_delivered" => x.own_delivered.val().to_u64(),
                    "own_missed" => x.own_missed.val().to_u64(),
                    "own_gaps" => x.own_gaps.val().to_u64(),
                    "own_retransmission" => u64::from(x.own_retransmission.val()),
                    "peer_delivered" => x.peer_delivered.val().to_u64(),
                    "peer_missed" => x.peer_missed.val().to_u64(),
                    "peer_gap" => u64::from(x.peer_gap.val()),
                    _ => panic!("no step output {port}"),
                });
                let want = step_expected(c);
                if got != want {
                    eprintln!("CASE {c:?}\nUNIT {got:#?}\nMODEL {want:#?}\nEND");
                }
                sim_assert!(ep, got == want, x);
            }
            ep.done(x)
        });
        let mut uut = Step::default();
        uut.connect_all();
        sim.run(Box::new(uut), 1_000_000)
            .map_err(|e| format!("{e:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn the_unit_steps_as_the_model(cases in proptest::collection::vec(step_case(), 200..400)) {
            prop_assert_eq!(run(cases), Ok(()));
        }
    }

    /// The port lists the simulator's C ABI is written from are the emitted module's ports.
    #[test]
    fn the_port_lists_are_the_modules() {
        let v = standalone_verilog();
        let top = &v[..v.find("endmodule").expect("a module")];
        let declared = crate::widgets::verilog_leaf::declared_ports(top);
        let listed: Vec<&str> = IN_PORTS.iter().chain(OUT_PORTS.iter()).copied().collect();
        assert_eq!(declared, listed);
    }
}
