//! The parse stage's counters (see `proto::regs::parse::COUNTERS` for their meaning), counted as
//! frames leave the parse pipeline. Two steps: per-beat facts (byte count, tkeep contiguity),
//! then per-frame accumulation, so the adder trees stay off the datapath's critical path.

use crate::slot::Slot;
use crate::widgets::Popcount64;
use rust_hdl::prelude::*;
use vantage_proto::datapath::MAX_FRAME_BYTES;

#[derive(LogicBlock)]
pub struct ParseCounters {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: counters to 0.
    pub reset: Signal<In, Bit>,
    /// The slots leaving the parse pipeline.
    pub slot: Signal<In, Slot>,
    pub frames: Signal<Out, Bits<64>>,
    pub bytes: Signal<Out, Bits<64>>,
    pub malformed: Signal<Out, Bits<64>>,
    pub flagged: Signal<Out, Bits<64>>,
    pub runt: Signal<Out, Bits<64>>,
    pub truncated: Signal<Out, Bits<64>>,
    pub bad_ihl: Signal<Out, Bits<64>>,
    pub keep_hole: Signal<Out, Bits<64>>,
    pub oversize: Signal<Out, Bits<64>>,
    pub mac_error: Signal<Out, Bits<64>>,
    /// Largest well-formed frame, bytes.
    max_frame: Constant<Bits<16>>,
    popcount: Popcount64,
    // step 1: per beat
    b_valid: DFF<Bit>,
    b_sof: DFF<Bit>,
    b_last: DFF<Bit>,
    b_user: DFF<Bit>,
    b_bytes: DFF<Bits<7>>,
    b_hole: DFF<Bit>,
    b_anomaly: DFF<Bit>,
    b_malformed_flags: DFF<Bit>,
    b_runt: DFF<Bit>,
    b_trunc: DFF<Bit>,
    b_bad_ihl: DFF<Bit>,
    // step 2: per frame
    f_bytes: DFF<Bits<16>>,
    f_hole: DFF<Bit>,
    f_anomaly: DFF<Bit>,
    f_malformed_flags: DFF<Bit>,
    f_runt: DFF<Bit>,
    f_trunc: DFF<Bit>,
    f_bad_ihl: DFF<Bit>,
    c_frames: DFF<Bits<64>>,
    c_bytes: DFF<Bits<64>>,
    c_malformed: DFF<Bits<64>>,
    c_flagged: DFF<Bits<64>>,
    c_runt: DFF<Bits<64>>,
    c_truncated: DFF<Bits<64>>,
    c_bad_ihl: DFF<Bits<64>>,
    c_keep_hole: DFF<Bits<64>>,
    c_oversize: DFF<Bits<64>>,
    c_mac_error: DFF<Bits<64>>,
    contiguous: Signal<Local, Bit>,
    // frame facts including this beat
    t_bytes: Signal<Local, Bits<16>>,
    t_hole: Signal<Local, Bit>,
    t_anomaly: Signal<Local, Bit>,
    t_malformed_flags: Signal<Local, Bit>,
    t_runt: Signal<Local, Bit>,
    t_trunc: Signal<Local, Bit>,
    t_bad_ihl: Signal<Local, Bit>,
    t_over: Signal<Local, Bit>,
}

impl Default for ParseCounters {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            slot: Default::default(),
            frames: Default::default(),
            bytes: Default::default(),
            malformed: Default::default(),
            flagged: Default::default(),
            runt: Default::default(),
            truncated: Default::default(),
            bad_ihl: Default::default(),
            keep_hole: Default::default(),
            oversize: Default::default(),
            mac_error: Default::default(),
            max_frame: Constant::new((MAX_FRAME_BYTES as u64).to_bits()),
            popcount: Default::default(),
            b_valid: Default::default(),
            b_sof: Default::default(),
            b_last: Default::default(),
            b_user: Default::default(),
            b_bytes: Default::default(),
            b_hole: Default::default(),
            b_anomaly: Default::default(),
            b_malformed_flags: Default::default(),
            b_runt: Default::default(),
            b_trunc: Default::default(),
            b_bad_ihl: Default::default(),
            f_bytes: Default::default(),
            f_hole: Default::default(),
            f_anomaly: Default::default(),
            f_malformed_flags: Default::default(),
            f_runt: Default::default(),
            f_trunc: Default::default(),
            f_bad_ihl: Default::default(),
            c_frames: Default::default(),
            c_bytes: Default::default(),
            c_malformed: Default::default(),
            c_flagged: Default::default(),
            c_runt: Default::default(),
            c_truncated: Default::default(),
            c_bad_ihl: Default::default(),
            c_keep_hole: Default::default(),
            c_oversize: Default::default(),
            c_mac_error: Default::default(),
            contiguous: Default::default(),
            t_bytes: Default::default(),
            t_hole: Default::default(),
            t_anomaly: Default::default(),
            t_malformed_flags: Default::default(),
            t_runt: Default::default(),
            t_trunc: Default::default(),
            t_bad_ihl: Default::default(),
            t_over: Default::default(),
        }
    }
}

impl Logic for ParseCounters {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            b_valid,
            b_sof,
            b_last,
            b_user,
            b_bytes,
            b_hole,
            b_anomaly,
            b_malformed_flags,
            b_runt,
            b_trunc,
            b_bad_ihl,
            f_bytes,
            f_hole,
            f_anomaly,
            f_malformed_flags,
            f_runt,
            f_trunc,
            f_bad_ihl,
            c_frames,
            c_bytes,
            c_malformed,
            c_flagged,
            c_runt,
            c_truncated,
            c_bad_ihl,
            c_keep_hole,
            c_oversize,
            c_mac_error
        );
        // Step 1: facts about this beat.
        self.popcount.a.next = self.slot.val().keep;
        self.contiguous.next = self.slot.val().keep == 0xFFFF_FFFF_FFFF_FFFF_u64;
        if self.slot.val().last {
            self.contiguous.next = (self.slot.val().keep != 0)
                & (((self.slot.val().keep >> 1) & !self.slot.val().keep) == 0);
        }
        self.b_valid.d.next = self.slot.val().valid;
        self.b_sof.d.next = self.slot.val().sof;
        self.b_last.d.next = self.slot.val().last;
        self.b_user.d.next = self.slot.val().user;
        self.b_bytes.d.next = self.popcount.count.val();
        self.b_hole.d.next = !self.contiguous.val();
        self.b_anomaly.d.next = self.slot.val().f_runt
            | self.slot.val().f_trunc
            | self.slot.val().f_bad_ihl
            | self.slot.val().f_hole
            | self.slot.val().f_l3_unknown
            | self.slot.val().f_deep
            | self.slot.val().f_frag
            | self.slot.val().f_l4_unknown
            | self.slot.val().f_mpls_deep;
        self.b_malformed_flags.d.next =
            self.slot.val().f_trunc | self.slot.val().f_bad_ihl | self.slot.val().f_hole;
        self.b_runt.d.next = self.slot.val().f_runt;
        self.b_trunc.d.next = self.slot.val().f_trunc;
        self.b_bad_ihl.d.next = self.slot.val().f_bad_ihl;
        // Step 2: the frame so far including this beat (flags come with the first beat).
        self.t_bytes.next = self.f_bytes.q.val() + bit_cast::<16, 7>(self.b_bytes.q.val());
        self.t_hole.next = self.f_hole.q.val() | self.b_hole.q.val();
        self.t_anomaly.next = self.f_anomaly.q.val();
        self.t_malformed_flags.next = self.f_malformed_flags.q.val();
        self.t_runt.next = self.f_runt.q.val();
        self.t_trunc.next = self.f_trunc.q.val();
        self.t_bad_ihl.next = self.f_bad_ihl.q.val();
        if self.b_sof.q.val() {
            self.t_bytes.next = bit_cast::<16, 7>(self.b_bytes.q.val());
            self.t_hole.next = self.b_hole.q.val();
            self.t_anomaly.next = self.b_anomaly.q.val();
            self.t_malformed_flags.next = self.b_malformed_flags.q.val();
            self.t_runt.next = self.b_runt.q.val();
            self.t_trunc.next = self.b_trunc.q.val();
            self.t_bad_ihl.next = self.b_bad_ihl.q.val();
        }
        self.t_over.next = self.t_bytes.val() > self.max_frame.val();
        if self.b_valid.q.val() {
            self.c_bytes.d.next = self.c_bytes.q.val() + bit_cast::<64, 7>(self.b_bytes.q.val());
            self.f_bytes.d.next = self.t_bytes.val();
            if self.t_over.val() {
                // Saturate just above the limit: endless frames cannot wrap the count.
                self.f_bytes.d.next = self.max_frame.val() + 1;
            }
            self.f_hole.d.next = self.t_hole.val();
            self.f_anomaly.d.next = self.t_anomaly.val();
            self.f_malformed_flags.d.next = self.t_malformed_flags.val();
            self.f_runt.d.next = self.t_runt.val();
            self.f_trunc.d.next = self.t_trunc.val();
            self.f_bad_ihl.d.next = self.t_bad_ihl.val();
            if self.b_last.q.val() {
                self.c_frames.d.next = self.c_frames.q.val() + 1;
                if self.t_malformed_flags.val()
                    | self.t_hole.val()
                    | self.t_over.val()
                    | self.b_user.q.val()
                {
                    self.c_malformed.d.next = self.c_malformed.q.val() + 1;
                }
                if self.t_anomaly.val() {
                    self.c_flagged.d.next = self.c_flagged.q.val() + 1;
                }
                if self.t_runt.val() {
                    self.c_runt.d.next = self.c_runt.q.val() + 1;
                }
                if self.t_trunc.val() {
                    self.c_truncated.d.next = self.c_truncated.q.val() + 1;
                }
                if self.t_bad_ihl.val() {
                    self.c_bad_ihl.d.next = self.c_bad_ihl.q.val() + 1;
                }
                if self.t_hole.val() {
                    self.c_keep_hole.d.next = self.c_keep_hole.q.val() + 1;
                }
                if self.t_over.val() {
                    self.c_oversize.d.next = self.c_oversize.q.val() + 1;
                }
                if self.b_user.q.val() {
                    self.c_mac_error.d.next = self.c_mac_error.q.val() + 1;
                }
            }
        }
        self.frames.next = self.c_frames.q.val();
        self.bytes.next = self.c_bytes.q.val();
        self.malformed.next = self.c_malformed.q.val();
        self.flagged.next = self.c_flagged.q.val();
        self.runt.next = self.c_runt.q.val();
        self.truncated.next = self.c_truncated.q.val();
        self.bad_ihl.next = self.c_bad_ihl.q.val();
        self.keep_hole.next = self.c_keep_hole.q.val();
        self.oversize.next = self.c_oversize.q.val();
        self.mac_error.next = self.c_mac_error.q.val();
        if self.reset.val() {
            self.b_valid.d.next = false;
            self.c_frames.d.next = 0.into();
            self.c_bytes.d.next = 0.into();
            self.c_malformed.d.next = 0.into();
            self.c_flagged.d.next = 0.into();
            self.c_runt.d.next = 0.into();
            self.c_truncated.d.next = 0.into();
            self.c_bad_ihl.d.next = 0.into();
            self.c_keep_hole.d.next = 0.into();
            self.c_oversize.d.next = 0.into();
            self.c_mac_error.d.next = 0.into();
        }
    }
}
