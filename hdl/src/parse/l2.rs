//! Link layer: Ethernet, up to two VLAN tags, an MPLS label stack. Finds the IP header, in two
//! register steps: `L2Tags` walks the VLAN tags and reads the would-be label stack, `L2` decides.
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

/// Step 1: the EtherType after the VLAN tags, its offset, and the S bits and following nibbles of
/// four would-be MPLS labels after it (meaningful only if the EtherType is MPLS).
#[derive(LogicBlock, Default)]
pub struct L2Tags {
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
    vlan1: Signal<Local, Bit>,
    vlan2: Signal<Local, Bit>,
    len: Signal<Local, Bits<8>>,
    short12: Signal<Local, Bits<6>>,
    short16: Signal<Local, Bits<6>>,
    short20: Signal<Local, Bits<6>>,
}

impl Logic for L2Tags {
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
        // Too short for each possible ending, for each EtherType offset, against constants.
        self.len.next = self.slot_in.val().len;
        self.short12.next = bit_cast::<6, 1>((self.len.val() < 14).into())
            | (bit_cast::<6, 1>((self.len.val() < 19).into()) << 1)
            | (bit_cast::<6, 1>((self.len.val() < 23).into()) << 2)
            | (bit_cast::<6, 1>((self.len.val() < 27).into()) << 3)
            | (bit_cast::<6, 1>((self.len.val() < 31).into()) << 4)
            | (bit_cast::<6, 1>((self.len.val() < 30).into()) << 5);
        self.short16.next = bit_cast::<6, 1>((self.len.val() < 18).into())
            | (bit_cast::<6, 1>((self.len.val() < 23).into()) << 1)
            | (bit_cast::<6, 1>((self.len.val() < 27).into()) << 2)
            | (bit_cast::<6, 1>((self.len.val() < 31).into()) << 3)
            | (bit_cast::<6, 1>((self.len.val() < 35).into()) << 4)
            | (bit_cast::<6, 1>((self.len.val() < 34).into()) << 5);
        self.short20.next = bit_cast::<6, 1>((self.len.val() < 22).into())
            | (bit_cast::<6, 1>((self.len.val() < 27).into()) << 1)
            | (bit_cast::<6, 1>((self.len.val() < 31).into()) << 2)
            | (bit_cast::<6, 1>((self.len.val() < 35).into()) << 3)
            | (bit_cast::<6, 1>((self.len.val() < 39).into()) << 4)
            | (bit_cast::<6, 1>((self.len.val() < 38).into()) << 5);
        self.stage.d.next.et = self.et12.val();
        self.stage.d.next.eoff = 12.into();
        self.stage.d.next.short = self.short12.val();
        self.l2w.next = self.w.val();
        if self.vlan1.val() {
            self.stage.d.next.et = self.et16.val();
            self.stage.d.next.eoff = 16.into();
            self.stage.d.next.short = self.short16.val();
            self.l2w.next = self.w.val() << 32;
        }
        if self.vlan2.val() {
            self.stage.d.next.et = self.et20.val();
            self.stage.d.next.eoff = 20.into();
            self.stage.d.next.short = self.short20.val();
            self.l2w.next = self.w.val() << 64;
        }
        // Label k spans l2w bytes 14+4k..18+4k; its S bit is bit 0 of byte 16+4k; the nibble
        // after it is the top of byte 18+4k.
        self.stage.d.next.bos = (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 17)))
            | (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 21)) << 1)
            | (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 25)) << 2)
            | (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 29)) << 3);
        self.stage.d.next.nibs = (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 18 - 4)))
            | (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 22 - 4)) << 4)
            | (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 26 - 4)) << 8)
            | (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 30 - 4)) << 12);
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}

/// Step 2: MPLS bottom of stack, the IP header's offset and kind, and the link-layer flags.
#[derive(LogicBlock, Default)]
pub struct L2 {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    mpls: Signal<Local, Bit>,
    bos: Signal<Local, Bits<4>>,
    nibs: Signal<Local, Bits<16>>,
    nib: Signal<Local, Bits<4>>,
    short: Signal<Local, Bits<6>>,
    too_short: Signal<Local, Bit>,
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
        self.bos.next = self.slot_in.val().bos;
        self.nibs.next = self.slot_in.val().nibs;
        self.mpls.next = (self.slot_in.val().et == 0x8847) | (self.slot_in.val().et == 0x8848);
        self.v4.next = self.slot_in.val().et == 0x0800;
        self.v6.next = self.slot_in.val().et == 0x86DD;
        self.short.next = self.slot_in.val().short;
        self.too_short.next = self.short.val().get_bit(0);
        self.l3.next = self.slot_in.val().eoff + 2;
        self.nib.next = 0.into();
        if self.mpls.val() {
            // No bottom of stack in four labels: all four must be there, then MPLS_DEEP. The first
            // label with S set wins, so test them last to first (label 3 .. label 0).
            self.too_short.next = self.short.val().get_bit(5);
            if self.bos.val().get_bit(3) {
                self.too_short.next = self.short.val().get_bit(4);
                self.l3.next = self.slot_in.val().eoff + 18;
                self.nib.next = self.nibs.val().get_bits::<4>(12);
            }
            if self.bos.val().get_bit(2) {
                self.too_short.next = self.short.val().get_bit(3);
                self.l3.next = self.slot_in.val().eoff + 14;
                self.nib.next = self.nibs.val().get_bits::<4>(8);
            }
            if self.bos.val().get_bit(1) {
                self.too_short.next = self.short.val().get_bit(2);
                self.l3.next = self.slot_in.val().eoff + 10;
                self.nib.next = self.nibs.val().get_bits::<4>(4);
            }
            if self.bos.val().get_bit(0) {
                self.too_short.next = self.short.val().get_bit(1);
                self.l3.next = self.slot_in.val().eoff + 6;
                self.nib.next = self.nibs.val().get_bits::<4>(0);
            }
            self.v4.next = self.bos.val().any() & (self.nib.val() == 4);
            self.v6.next = self.bos.val().any() & (self.nib.val() == 6);
        }
        if self.slot_in.val().sof & !self.slot_in.val().stop {
            if self.too_short.val() {
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
