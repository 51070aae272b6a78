//! Link layer: Ethernet, up to two VLAN tags, an MPLS label stack. Finds the IP header.
//!
//! ```text
//!  0           6           12      14
//!  +-----------+-----------+-------+---------------------------
//!  | dst MAC   | src MAC   | Type  | payload                      Type 0x0800 IPv4, 0x86DD IPv6
//!  +-----------+-----------+-------+---------------------------
//!  VLAN (Type 0x8100 / 0x88A8 / 0x9100):  | Type | TCI (2) | Type | ...   up to two tags
//!  MPLS (Type 0x8847 / 0x8848):  | label 20 | TC 3 | S 1 | TTL 8 |  x up to 4, S = bottom of stack,
//!                                then the IP header, told apart by its version nibble (4 or 6)
//! ```

use crate::slot::{Slot, WIN_BITS};
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct L2 {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    w: Signal<Local, Bits<WIN_BITS>>,
    /// The window moved so the final EtherType sits at offset 12.
    l2w: Signal<Local, Bits<WIN_BITS>>,
    et12: Signal<Local, Bits<16>>,
    et16: Signal<Local, Bits<16>>,
    et20: Signal<Local, Bits<16>>,
    et: Signal<Local, Bits<16>>,
    vlan1: Signal<Local, Bit>,
    vlan2: Signal<Local, Bit>,
    eoff: Signal<Local, Bits<8>>,
    mpls: Signal<Local, Bit>,
    bos_found: Signal<Local, Bit>,
    nib: Signal<Local, Bits<4>>,
    need: Signal<Local, Bits<8>>,
    l3: Signal<Local, Bits<8>>,
    v4: Signal<Local, Bit>,
    v6: Signal<Local, Bit>,
}

impl Logic for L2 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.w.next = self.slot_in.val().win;
        // EtherType candidates after 0, 1 and 2 VLAN tags (frame offsets 12, 16, 20).
        self.et12.next = self.w.val().get_bits::<16>(1024 - 8 * 14);
        self.et16.next = self.w.val().get_bits::<16>(1024 - 8 * 18);
        self.et20.next = self.w.val().get_bits::<16>(1024 - 8 * 22);
        self.vlan1.next = (self.et12.val() == 0x8100) | (self.et12.val() == 0x88A8) | (self.et12.val() == 0x9100);
        self.vlan2.next = self.vlan1.val()
            & ((self.et16.val() == 0x8100) | (self.et16.val() == 0x88A8) | (self.et16.val() == 0x9100));
        self.et.next = self.et12.val();
        self.eoff.next = 12.into();
        self.l2w.next = self.w.val();
        if self.vlan1.val() {
            self.et.next = self.et16.val();
            self.eoff.next = 16.into();
            self.l2w.next = self.w.val() << 32;
        }
        if self.vlan2.val() {
            self.et.next = self.et20.val();
            self.eoff.next = 20.into();
            self.l2w.next = self.w.val() << 64;
        }
        self.mpls.next = (self.et.val() == 0x8847) | (self.et.val() == 0x8848);
        self.v4.next = self.et.val() == 0x0800;
        self.v6.next = self.et.val() == 0x86DD;
        self.need.next = self.eoff.val() + 2;
        self.l3.next = self.eoff.val() + 2;
        self.nib.next = 0.into();
        self.bos_found.next = false;
        if self.mpls.val() {
            // No bottom of stack in four labels: all four must be there, then MPLS_DEEP.
            self.need.next = self.eoff.val() + 18;
            // Label k spans l2w bytes 14+4k..18+4k; its S bit is bit 0 of byte 16+4k. The first
            // label with S set wins, so test them last to first (label 3 .. label 0).
            if self.l2w.val().get_bit(1024 - 8 * 29) {
                self.bos_found.next = true;
                self.need.next = self.eoff.val() + 19;
                self.l3.next = self.eoff.val() + 18;
                self.nib.next = self.l2w.val().get_bits::<4>(1024 - 8 * 30 - 4);
            }
            if self.l2w.val().get_bit(1024 - 8 * 25) {
                self.bos_found.next = true;
                self.need.next = self.eoff.val() + 15;
                self.l3.next = self.eoff.val() + 14;
                self.nib.next = self.l2w.val().get_bits::<4>(1024 - 8 * 26 - 4);
            }
            if self.l2w.val().get_bit(1024 - 8 * 21) {
                self.bos_found.next = true;
                self.need.next = self.eoff.val() + 11;
                self.l3.next = self.eoff.val() + 10;
                self.nib.next = self.l2w.val().get_bits::<4>(1024 - 8 * 22 - 4);
            }
            if self.l2w.val().get_bit(1024 - 8 * 17) {
                self.bos_found.next = true;
                self.need.next = self.eoff.val() + 7;
                self.l3.next = self.eoff.val() + 6;
                self.nib.next = self.l2w.val().get_bits::<4>(1024 - 8 * 18 - 4);
            }
            self.v4.next = self.bos_found.val() & (self.nib.val() == 4);
            self.v6.next = self.bos_found.val() & (self.nib.val() == 6);
        }
        if self.slot_in.val().sof & !self.slot_in.val().stop {
            if self.need.val() > self.slot_in.val().len {
                self.stage.d.next.f_trunc = true;
                self.stage.d.next.stop = true;
            } else if self.mpls.val() & !(self.v4.val() | self.v6.val()) {
                self.stage.d.next.f_mpls_deep = true;
                self.stage.d.next.stop = true;
            } else if !(self.v4.val() | self.v6.val()) {
                self.stage.d.next.f_l3_unknown = true;
                self.stage.d.next.stop = true;
            } else {
                self.stage.d.next.f_ipv4 = self.v4.val();
                self.stage.d.next.f_ipv6 = self.v6.val();
                self.stage.d.next.l3_off = self.l3.val();
                self.stage.d.next.cur = bit_cast::<12, 8>(self.l3.val());
            }
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}
