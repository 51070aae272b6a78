//! Packs the slot's one-bit parse flags into the 16-bit `proto::flags::ParseFlags` word. The bit
//! positions come from proto, as constants.

use crate::slot::Slot;
use rust_hdl::prelude::*;
use vantage_proto::flags::ParseFlags;

#[derive(LogicBlock)]
pub struct FlagPack {
    pub slot: Signal<In, Slot>,
    /// The flags as `ParseFlags`.
    pub flags: Signal<Out, Bits<16>>,
    runt: Constant<Bits<16>>,
    trunc: Constant<Bits<16>>,
    bad_ihl: Constant<Bits<16>>,
    hole: Constant<Bits<16>>,
    l3_unknown: Constant<Bits<16>>,
    deep: Constant<Bits<16>>,
    frag: Constant<Bits<16>>,
    l4_unknown: Constant<Bits<16>>,
    mpls_deep: Constant<Bits<16>>,
    ipv4: Constant<Bits<16>>,
    ipv6: Constant<Bits<16>>,
    ports: Constant<Bits<16>>,
}

/// Bit position of a one-bit flag mask.
fn pos(mask: u16) -> Constant<Bits<16>> {
    Constant::new((mask.trailing_zeros() as u64).to_bits())
}

impl Default for FlagPack {
    fn default() -> Self {
        Self {
            slot: Default::default(),
            flags: Default::default(),
            runt: pos(ParseFlags::RUNT),
            trunc: pos(ParseFlags::TRUNCATED),
            bad_ihl: pos(ParseFlags::BAD_IHL),
            hole: pos(ParseFlags::KEEP_HOLE),
            l3_unknown: pos(ParseFlags::L3_UNKNOWN),
            deep: pos(ParseFlags::DEEP),
            frag: pos(ParseFlags::FRAGMENT),
            l4_unknown: pos(ParseFlags::L4_UNKNOWN),
            mpls_deep: pos(ParseFlags::MPLS_DEEP),
            ipv4: pos(ParseFlags::IPV4),
            ipv6: pos(ParseFlags::IPV6),
            ports: pos(ParseFlags::PORTS),
        }
    }
}

impl Logic for FlagPack {
    #[hdl_gen]
    fn update(&mut self) {
        self.flags.next = (bit_cast::<16, 1>(self.slot.val().f_runt.into()) << self.runt.val())
            | (bit_cast::<16, 1>(self.slot.val().f_trunc.into()) << self.trunc.val())
            | (bit_cast::<16, 1>(self.slot.val().f_bad_ihl.into()) << self.bad_ihl.val())
            | (bit_cast::<16, 1>(self.slot.val().f_hole.into()) << self.hole.val())
            | (bit_cast::<16, 1>(self.slot.val().f_l3_unknown.into()) << self.l3_unknown.val())
            | (bit_cast::<16, 1>(self.slot.val().f_deep.into()) << self.deep.val())
            | (bit_cast::<16, 1>(self.slot.val().f_frag.into()) << self.frag.val())
            | (bit_cast::<16, 1>(self.slot.val().f_l4_unknown.into()) << self.l4_unknown.val())
            | (bit_cast::<16, 1>(self.slot.val().f_mpls_deep.into()) << self.mpls_deep.val())
            | (bit_cast::<16, 1>(self.slot.val().f_ipv4.into()) << self.ipv4.val())
            | (bit_cast::<16, 1>(self.slot.val().f_ipv6.into()) << self.ipv6.val())
            | (bit_cast::<16, 1>(self.slot.val().f_ports.into()) << self.ports.val());
    }
}
