//! Header view: the 40 window bytes at the slot's current offset `cur`, brought to the top of
//! `hdr` with one byte-granular shift by `cur mod 128`: a 128-way byte mux, not a full barrel
//! shifter. For `cur >= 128` the view is meaningless, and unused: every stage that reads it first
//! checks that the header ends inside the window (else DEEP or TRUNCATED, and parsing stops).

use crate::slot::{Slot, HDR_BITS, WIN_BITS};
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct HeaderShift {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    /// `slot_in.cur` as a plain vector, so slicing it is one part-select.
    cur: Signal<Local, Bits<12>>,
    amount: Signal<Local, Bits<10>>,
    moved: Signal<Local, Bits<WIN_BITS>>,
}

impl Logic for HeaderShift {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.cur.next = self.slot_in.val().cur;
        self.amount.next = bit_cast::<10, 7>(self.cur.val().get_bits::<7>(0)) << 3;
        self.moved.next = self.slot_in.val().win << self.amount.val();
        self.stage.d.next.hdr = self.moved.val().get_bits::<HDR_BITS>(1024 - 320);
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}
