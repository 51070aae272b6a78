//! The keyed flow hash, in two pipeline steps: put the endpoints in canonical order, then the
//! Toeplitz network. See `proto::flowhash` for the definition.
//!
//! ```text
//!  hash_in (288 bits): | address A (128) | address B (128) | port A (16) | port B (16) |
//!  (A, port A) = the smaller of (src, sport) and (dst, dport) as 144-bit numbers
//! ```

use crate::slot::Slot;
use crate::widgets::toeplitz::{Toeplitz, KEY_BITS};
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct HashOrder {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    a: Signal<Local, Bits<144>>,
    b: Signal<Local, Bits<144>>,
    /// The ports when PORTS is set, else 0 (the L4 step takes them unchecked).
    sport: Signal<Local, Bits<16>>,
    dport: Signal<Local, Bits<16>>,
}

impl Logic for HashOrder {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.sport.next = 0.into();
        self.dport.next = 0.into();
        if self.slot_in.val().f_ports {
            self.sport.next = self.slot_in.val().sport;
            self.dport.next = self.slot_in.val().dport;
        }
        self.stage.d.next.sport = self.sport.val();
        self.stage.d.next.dport = self.dport.val();
        self.a.next = (bit_cast::<144, 128>(self.slot_in.val().src) << 16)
            | bit_cast::<144, 16>(self.sport.val());
        self.b.next = (bit_cast::<144, 128>(self.slot_in.val().dst) << 16)
            | bit_cast::<144, 16>(self.dport.val());
        self.stage.d.next.hash_in = (bit_cast::<288, 128>(self.slot_in.val().src) << 160)
            | (bit_cast::<288, 128>(self.slot_in.val().dst) << 32)
            | (bit_cast::<288, 16>(self.sport.val()) << 16)
            | bit_cast::<288, 16>(self.dport.val());
        if self.a.val() > self.b.val() {
            self.stage.d.next.hash_in = (bit_cast::<288, 128>(self.slot_in.val().dst) << 160)
                | (bit_cast::<288, 128>(self.slot_in.val().src) << 32)
                | (bit_cast::<288, 16>(self.dport.val()) << 16)
                | bit_cast::<288, 16>(self.sport.val());
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}

#[derive(LogicBlock, Default)]
pub struct HashStage {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// The 320-bit key (HASH_KEY0 in the top 32 bits).
    pub key: Signal<In, Bits<KEY_BITS>>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    toeplitz: Toeplitz,
}

impl Logic for HashStage {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.toeplitz.tuple.next = self.slot_in.val().hash_in;
        self.toeplitz.key.next = self.key.val();
        self.stage.d.next.hash = 0.into();
        self.stage.d.next.proto = 0.into();
        if self.slot_in.val().ip_ok {
            self.stage.d.next.hash = self.toeplitz.hash.val();
            self.stage.d.next.proto = self.slot_in.val().proto;
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}
