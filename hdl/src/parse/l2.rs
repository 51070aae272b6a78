//! Link layer: Ethernet (or FabricPath's inner Ethernet), up to `MAX_LINK_TAGS` VLAN tags or
//! VN-tags, an MPLS label stack. Finds the IP header in register steps: `LinkStart`, one
//! `LinkTag` per tag, `L2Labels` (reads the would-be label stack), `L2` (decides).
//!
//! ```text
//!  0           6           12      14
//!  +-----------+-----------+-------+---------------------------
//!  | dst MAC   | src MAC   | Type  | payload                      Type 0x0800 IPv4, 0x86DD IPv6
//!  +-----------+-----------+-------+---------------------------
//!  FabricPath (Type 0x8903): | FTag/TTL (2) | inner dst MAC | inner src MAC | Type (at 28) | ...
//!  VLAN (Type 0x8100 / 0x88A8 / 0x9100):  | Type | TCI (2) | Type | ...
//!  VN-tag (Type 0x8926):                  | Type | tag (4) | Type | ...    up to three tags
//!  MPLS (Type 0x8847 / 0x8848):  | label 20 | TC 3 | S 1 | TTL 8 |  x up to 4, S = bottom of stack,
//!                                then the IP header, told apart by its version nibble (4 or 6)
//! ```

use crate::slot::{Slot, WIN_BITS};
use rust_hdl::prelude::*;

/// Step 1: Ethernet, or the inner Ethernet header of a Cisco FabricPath frame (EtherType 0x8903:
/// FTag/TTL and the inner MAC addresses follow; the inner EtherType is at 28).
#[derive(LogicBlock, Default)]
pub struct LinkStart {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    w: Signal<Local, Bits<WIN_BITS>>,
    et12: Signal<Local, Bits<16>>,
}

impl Logic for LinkStart {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.w.next = self.slot_in.val().win;
        self.et12.next = self.w.val().get_bits::<16>(1024 - 8 * 14);
        self.stage.d.next.et = self.et12.val();
        self.stage.d.next.eoff = 12.into();
        if self.et12.val() == 0x8903 {
            self.stage.d.next.et = self.w.val().get_bits::<16>(1024 - 8 * 30);
            self.stage.d.next.eoff = 28.into();
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}

/// One link-layer tag: a VLAN tag (0x8100, 0x88A8, 0x9100: the next EtherType 4 bytes on), a
/// Cisco VN-tag (0x8926: 6 bytes on) or an 802.1ah PBB I-tag (0x88E7: tag and customer MACs, 18
/// bytes on). Anything else passes unchanged. The parse stage chains
/// `MAX_LINK_TAGS` of these.
#[derive(LogicBlock)]
pub struct LinkTag {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    /// Bit position in `head` of the EtherType 4, 6 and 18 bytes past offset 0 (768 - 8 * (k + 2)).
    at4: Constant<Bits<11>>,
    at6: Constant<Bits<11>>,
    at18: Constant<Bits<11>>,
    stage: DFF<Slot>,
    /// The first 96 window bytes: every link-layer EtherType lies there (the last one ends by
    /// byte 28 + 3 * 18 + 2 = 84), and a narrower mux is a smaller one.
    head: Signal<Local, Bits<768>>,
    w: Signal<Local, Bits<WIN_BITS>>,
    et: Signal<Local, Bits<16>>,
    eoff8: Signal<Local, Bits<11>>,
    pos4: Signal<Local, Bits<11>>,
    pos6: Signal<Local, Bits<11>>,
    pos18: Signal<Local, Bits<11>>,
}

impl Default for LinkTag {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            slot_in: Default::default(),
            slot_out: Default::default(),
            at4: Constant::new((768u64 - 8 * 6).to_bits()),
            at6: Constant::new((768u64 - 8 * 8).to_bits()),
            at18: Constant::new((768u64 - 8 * 20).to_bits()),
            stage: Default::default(),
            head: Default::default(),
            w: Default::default(),
            et: Default::default(),
            eoff8: Default::default(),
            pos4: Default::default(),
            pos6: Default::default(),
            pos18: Default::default(),
        }
    }
}

impl Logic for LinkTag {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.w.next = self.slot_in.val().win;
        self.head.next = self.w.val().get_bits::<768>(256);
        self.et.next = self.slot_in.val().et;
        self.eoff8.next = bit_cast::<11, 8>(self.slot_in.val().eoff) << 3;
        self.pos4.next = self.at4.val() - self.eoff8.val();
        self.pos6.next = self.at6.val() - self.eoff8.val();
        self.pos18.next = self.at18.val() - self.eoff8.val();
        if (self.et.val() == 0x8100) | (self.et.val() == 0x88A8) | (self.et.val() == 0x9100) {
            self.stage.d.next.et = self.head.val().get_bits::<16>(self.pos4.val().index());
            self.stage.d.next.eoff = self.slot_in.val().eoff + 4;
        }
        if self.et.val() == 0x8926 {
            self.stage.d.next.et = self.head.val().get_bits::<16>(self.pos6.val().index());
            self.stage.d.next.eoff = self.slot_in.val().eoff + 6;
        }
        if self.et.val() == 0x88E7 {
            self.stage.d.next.et = self.head.val().get_bits::<16>(self.pos18.val().index());
            self.stage.d.next.eoff = self.slot_in.val().eoff + 18;
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}

/// Step 3: the S bits and following nibbles of four would-be MPLS labels after the final
/// EtherType, and whether the frame is too short for each possible ending (computed here, a
/// step ahead of the decision).
#[derive(LogicBlock, Default)]
pub struct L2Labels {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    stage: DFF<Slot>,
    /// The window moved so the final EtherType sits at offset 12.
    l2w: Signal<Local, Bits<WIN_BITS>>,
    amount: Signal<Local, Bits<11>>,
    len: Signal<Local, Bits<9>>,
    eoff: Signal<Local, Bits<9>>,
}

impl Logic for L2Labels {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.amount.next = (bit_cast::<11, 8>(self.slot_in.val().eoff) - 12) << 3;
        self.l2w.next = self.slot_in.val().win << self.amount.val();
        // Label k spans l2w bytes 14+4k..18+4k; its S bit is bit 0 of byte 16+4k; the nibble
        // after it is the top of byte 18+4k.
        self.stage.d.next.bos = (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 17)))
            | (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 21)) << 1)
            | (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 25)) << 2)
            | (bit_cast::<4, 1>(self.l2w.val().get_bits::<1>(1024 - 8 * 29)) << 3);
        self.stage.d.next.nibs =
            (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 18 - 4)))
                | (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 22 - 4)) << 4)
                | (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 26 - 4)) << 8)
                | (bit_cast::<16, 4>(self.l2w.val().get_bits::<4>(1024 - 8 * 30 - 4)) << 12);
        // Too short for: no MPLS (eoff+2), bottom of stack at label 0..3 (eoff+7+4k), none (eoff+18).
        self.len.next = bit_cast::<9, 8>(self.slot_in.val().len);
        self.eoff.next = bit_cast::<9, 8>(self.slot_in.val().eoff);
        self.stage.d.next.short = bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 2)).into())
            | (bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 7)).into()) << 1)
            | (bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 11)).into()) << 2)
            | (bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 15)).into()) << 3)
            | (bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 19)).into()) << 4)
            | (bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 18)).into()) << 5)
            | (bit_cast::<7, 1>((self.len.val() < (self.eoff.val() + 10)).into()) << 6);
        // PPPoE session: the PPP protocol 8 bytes past the EtherType's start + 2 (l2w bytes 20..22).
        self.stage.d.next.ppp = self.l2w.val().get_bits::<16>(1024 - 8 * 22);
        // Its version/type and code (l2w bytes 14..16) and length (l2w bytes 18..20).
        self.stage.d.next.pppoe_vc = self.l2w.val().get_bits::<16>(1024 - 8 * 16);
        self.stage.d.next.pppoe_len = self.l2w.val().get_bits::<16>(1024 - 8 * 20);
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
    short: Signal<Local, Bits<7>>,
    pppoe: Signal<Local, Bit>,
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
        self.pppoe.next = self.slot_in.val().et == 0x8864;
        self.v4.next = self.slot_in.val().et == 0x0800;
        self.v6.next = self.slot_in.val().et == 0x86DD;
        self.short.next = self.slot_in.val().short;
        self.too_short.next = self.short.val().get_bit(0);
        self.l3.next = self.slot_in.val().eoff + 2;
        self.nib.next = 0.into();
        if self.pppoe.val() {
            // PPPoE session: 6 bytes of header and the PPP protocol, then IP.
            self.too_short.next = self.short.val().get_bit(6);
            self.l3.next = self.slot_in.val().eoff + 10;
            self.v4.next = self.slot_in.val().ppp == 0x0021;
            self.v6.next = self.slot_in.val().ppp == 0x0057;
        }
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
