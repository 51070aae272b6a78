//! Network layer: the IPv4 or IPv6 fixed header (from the header view at `cur`).
//!
//! ```text
//!  IPv4:  0       1       2       4       6           8     9      10      12      16      20
//!         |ver|IHL| TOS   | total | ident | flags|frag| TTL | proto| cksum | src   | dst   | options
//!  IPv6:  0             4         6      7       8                24                40
//!         |ver|TC|flow  | payload | next | hop   | src (16)        | dst (16)        |
//! ```

use crate::slot::{Slot, HDR_BITS};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct L3 {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    h: Signal<Local, Bits<HDR_BITS>>,
    version: Signal<Local, Bits<4>>,
    ihl: Signal<Local, Bits<4>>,
    v4_end: Signal<Local, Bits<12>>,
    frag: Signal<Local, Bits<13>>,
    len: Signal<Local, Bits<12>>,
    /// The frame does not end in the window: never TRUNCATED, only DEEP.
    long: Signal<Local, Bit>,
    /// Window length in bytes.
    window: Constant<Bits<12>>,
}

impl Default for L3 {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            slot_in: Default::default(),
            slot_out: Default::default(),
            stage: Default::default(),
            h: Default::default(),
            version: Default::default(),
            ihl: Default::default(),
            v4_end: Default::default(),
            frag: Default::default(),
            len: Default::default(),
            long: Default::default(),
            window: Constant::new((vantage_proto::datapath::PARSE_WINDOW_BYTES as u64).to_bits()),
        }
    }
}

impl Logic for L3 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.h.next = self.slot_in.val().hdr;
        // Field of w bytes at header offset j: h[HDR_BITS - 8*(j+w) +: 8*w].
        self.version.next = self.h.val().get_bits::<4>(320 - 4);
        self.ihl.next = self.h.val().get_bits::<4>(320 - 8);
        self.v4_end.next = self.slot_in.val().cur + (bit_cast::<12, 4>(self.ihl.val()) << 2);
        self.frag.next = self.h.val().get_bits::<13>(320 - 8 * 8);
        self.len.next = bit_cast::<12, 8>(self.slot_in.val().len);
        self.long.next = self.slot_in.val().len == 255;
        if self.slot_in.val().sof & !self.slot_in.val().stop {
            // The fields are taken whatever the checks say: they matter only with `ip_ok` (the
            // hash stage clears `proto` without it), and the checks then decide just a few bits.
            self.stage.d.next.first_frag = false;
            if self.slot_in.val().f_ipv4 {
                self.stage.d.next.proto = self.h.val().get_bits::<8>(320 - 8 * 10);
                self.stage.d.next.src =
                    bit_cast::<128, 32>(self.h.val().get_bits::<32>(320 - 8 * 16));
                self.stage.d.next.dst =
                    bit_cast::<128, 32>(self.h.val().get_bits::<32>(320 - 8 * 20));
                self.stage.d.next.cur = self.v4_end.val();
                self.stage.d.next.ip_len = self.h.val().get_bits::<16>(320 - 8 * 4);
                // Byte 6's bit 5 (0x20): more fragments.
                self.stage.d.next.first_frag = self.h.val().get_bit(320 - 8 * 7 + 5);
            } else {
                self.stage.d.next.proto = self.h.val().get_bits::<8>(320 - 8 * 7);
                self.stage.d.next.src = self.h.val().get_bits::<128>(320 - 8 * 24);
                self.stage.d.next.dst = self.h.val().get_bits::<128>(320 - 8 * 40);
                self.stage.d.next.cur = self.slot_in.val().cur + 40;
                self.stage.d.next.ip_len = self.h.val().get_bits::<16>(320 - 8 * 6);
            }
            if self.slot_in.val().f_ipv4 {
                if ((self.slot_in.val().cur + 20) > self.len.val()) & !self.long.val() {
                    self.stage.d.next.f_trunc = true;
                    self.stage.d.next.stop = true;
                } else if (self.slot_in.val().cur + 20) > self.window.val() {
                    self.stage.d.next.f_deep = true;
                    self.stage.d.next.stop = true;
                } else if (self.version.val() != 4) | (self.ihl.val() < 5) {
                    self.stage.d.next.f_bad_ihl = true;
                    self.stage.d.next.stop = true;
                } else if (self.v4_end.val() > self.len.val()) & !self.long.val() {
                    self.stage.d.next.f_trunc = true;
                    self.stage.d.next.stop = true;
                } else if self.v4_end.val() > self.window.val() {
                    self.stage.d.next.f_deep = true;
                    self.stage.d.next.stop = true;
                } else {
                    self.stage.d.next.ip_ok = true;
                    if self.frag.val() != 0 {
                        self.stage.d.next.f_frag = true;
                        self.stage.d.next.stop = true;
                    }
                }
            } else {
                if ((self.slot_in.val().cur + 40) > self.len.val()) & !self.long.val() {
                    self.stage.d.next.f_trunc = true;
                    self.stage.d.next.stop = true;
                } else if (self.slot_in.val().cur + 40) > self.window.val() {
                    self.stage.d.next.f_deep = true;
                    self.stage.d.next.stop = true;
                } else if self.version.val() != 6 {
                    self.stage.d.next.f_bad_ihl = true;
                    self.stage.d.next.stop = true;
                } else {
                    self.stage.d.next.ip_ok = true;
                }
            }
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}
