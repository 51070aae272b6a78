//! One IPv6 extension header skipped (the parse stage chains `MAX_IPV6_EXT_HEADERS` of these).
//!
//! ```text
//!  hop-by-hop (0), routing (43), destination options (60):
//!   0        1          2
//!   | next   | hdr len  | ...   length = 8 * (hdr len + 1) bytes
//!  fragment (44):
//!   0        1          2                 4
//!   | next   | reserved | offset 13|res|M | identification (4) |   length 8 bytes
//! ```

use crate::slot::{Slot, HDR_BITS, OFF_BITS};
use rust_hdl::prelude::*;
use vantage_proto::datapath::PARSE_WINDOW_BYTES;

#[derive(LogicBlock)]
pub struct Ext6 {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    /// Window length in bytes.
    window: Constant<Bits<OFF_BITS>>,
    stage: DFF<Slot>,
    h: Signal<Local, Bits<HDR_BITS>>,
    is_ext: Signal<Local, Bit>,
    need: Signal<Local, Bits<OFF_BITS>>,
}

impl Default for Ext6 {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            slot_in: Default::default(),
            slot_out: Default::default(),
            window: Constant::new((PARSE_WINDOW_BYTES as u64).to_bits()),
            stage: Default::default(),
            h: Default::default(),
            is_ext: Default::default(),
            need: Default::default(),
        }
    }
}

impl Logic for Ext6 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.h.next = self.slot_in.val().hdr;
        self.is_ext.next = (self.slot_in.val().proto == 0)
            | (self.slot_in.val().proto == 43)
            | (self.slot_in.val().proto == 44)
            | (self.slot_in.val().proto == 60);
        self.need.next = self.slot_in.val().cur + 8;
        if self.slot_in.val().sof
            & !self.slot_in.val().stop
            & self.slot_in.val().f_ipv6
            & self.is_ext.val()
        {
            if (self.need.val() > bit_cast::<OFF_BITS, 8>(self.slot_in.val().len))
                & (self.slot_in.val().len != 255)
            {
                self.stage.d.next.f_trunc = true;
                self.stage.d.next.stop = true;
            } else if self.need.val() > self.window.val() {
                self.stage.d.next.f_deep = true;
                self.stage.d.next.stop = true;
            } else {
                self.stage.d.next.proto = self.h.val().get_bits::<8>(320 - 8);
                if self.slot_in.val().proto == 44 {
                    self.stage.d.next.cur = self.need.val();
                    self.stage.d.next.first_frag = true;
                    if self.h.val().get_bits::<13>(320 - 8 * 3 - 5) != 0 {
                        self.stage.d.next.f_frag = true;
                        self.stage.d.next.stop = true;
                    }
                } else {
                    self.stage.d.next.cur = self.slot_in.val().cur
                        + (bit_cast::<OFF_BITS, 8>(self.h.val().get_bits::<8>(320 - 16)) << 3)
                        + 8;
                }
            }
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}
