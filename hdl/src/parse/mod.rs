//! The parse stage: a fixed-latency pipeline over the slots from ingress. Each step is one
//! register stage; the header view is re-aimed (`HeaderShift`) before each layer that reads it.
//!
//! ```text
//!  slot ─► LinkStart ─► LinkTag x MAX_LINK_TAGS ─► L2Labels ─► L2 ─► shift ─► L3 ─► (shift ─► Ext6) x MAX_IPV6_EXT_HEADERS ─► shift ─► L4
//!        ─► HashOrder ─► HashStage ─► slot + packed flags          (+ ParseCounters on the side)
//! ```

pub mod counters;
pub mod ext6;
pub mod flag_pack;
pub mod hash;
pub mod l2;
pub mod l3;
pub mod l4;
pub mod shift;

use crate::slot::Slot;
use crate::widgets::toeplitz::KEY_BITS;
use counters::ParseCounters;
use ext6::Ext6;
use flag_pack::FlagPack;
use hash::{HashOrder, HashStage};
use l2::{L2Labels, LinkStart, LinkTag, L2};
use l3::L3;
use l4::L4;
use rust_hdl::prelude::*;
use shift::HeaderShift;
use vantage_proto::datapath::{MAX_IPV6_EXT_HEADERS, MAX_LINK_TAGS};

/// The order of `Parse::counter_words`: the names of `proto::regs::parse::COUNTERS`.
pub const COUNTER_ORDER: [&str; 10] = [
    "frames",
    "bytes",
    "malformed",
    "flagged",
    "runt",
    "truncated",
    "bad_ihl",
    "keep_hole",
    "oversize",
    "mac_error",
];

/// Cycles from a slot entering the parse stage to it leaving.
pub const LATENCY: usize = 1 + MAX_LINK_TAGS + 2 + 2 + 2 * MAX_IPV6_EXT_HEADERS + 2 + 2;
const _: () = assert!(
    MAX_IPV6_EXT_HEADERS == 3,
    "the parse pipeline instantiates three Ext6 steps"
);
const _: () = assert!(
    MAX_LINK_TAGS == 3,
    "the parse pipeline instantiates three LinkTag steps"
);

#[derive(LogicBlock, Default)]
pub struct Parse {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// Flow hash key, HASH_KEY0 in the top word.
    pub key: Signal<In, Bits<KEY_BITS>>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    /// Parse flags of `slot_out` as `proto::flags::ParseFlags`.
    pub flags: Signal<Out, Bits<16>>,
    /// The counters, 64 bits each, in the order of `COUNTER_ORDER`, first in the low bits.
    pub counter_words: Signal<Out, Bits<{ 64 * COUNTER_ORDER.len() }>>,
    counters: ParseCounters,
    start: LinkStart,
    tag0: LinkTag,
    tag1: LinkTag,
    tag2: LinkTag,
    labels: L2Labels,
    l2: L2,
    sh3: HeaderShift,
    l3: L3,
    sh_e0: HeaderShift,
    e0: Ext6,
    sh_e1: HeaderShift,
    e1: Ext6,
    sh_e2: HeaderShift,
    e2: Ext6,
    sh4: HeaderShift,
    l4: L4,
    order: HashOrder,
    hash: HashStage,
    pack: FlagPack,
}

impl Logic for Parse {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(
            self, clock, counters, start, tag0, tag1, tag2, labels, l2, sh3, l3, sh_e0, e0, sh_e1,
            e1, sh_e2, e2, sh4, l4, order, hash
        );
        self.counters.reset.next = self.reset.val();
        self.start.reset.next = self.reset.val();
        self.tag0.reset.next = self.reset.val();
        self.tag1.reset.next = self.reset.val();
        self.tag2.reset.next = self.reset.val();
        self.labels.reset.next = self.reset.val();
        self.l2.reset.next = self.reset.val();
        self.sh3.reset.next = self.reset.val();
        self.l3.reset.next = self.reset.val();
        self.sh_e0.reset.next = self.reset.val();
        self.e0.reset.next = self.reset.val();
        self.sh_e1.reset.next = self.reset.val();
        self.e1.reset.next = self.reset.val();
        self.sh_e2.reset.next = self.reset.val();
        self.e2.reset.next = self.reset.val();
        self.sh4.reset.next = self.reset.val();
        self.l4.reset.next = self.reset.val();
        self.order.reset.next = self.reset.val();
        self.hash.reset.next = self.reset.val();
        self.hash.key.next = self.key.val();
        self.start.slot_in.next = self.slot_in.val();
        self.tag0.slot_in.next = self.start.slot_out.val();
        self.tag1.slot_in.next = self.tag0.slot_out.val();
        self.tag2.slot_in.next = self.tag1.slot_out.val();
        self.labels.slot_in.next = self.tag2.slot_out.val();
        self.l2.slot_in.next = self.labels.slot_out.val();
        self.sh3.slot_in.next = self.l2.slot_out.val();
        self.l3.slot_in.next = self.sh3.slot_out.val();
        self.sh_e0.slot_in.next = self.l3.slot_out.val();
        self.e0.slot_in.next = self.sh_e0.slot_out.val();
        self.sh_e1.slot_in.next = self.e0.slot_out.val();
        self.e1.slot_in.next = self.sh_e1.slot_out.val();
        self.sh_e2.slot_in.next = self.e1.slot_out.val();
        self.e2.slot_in.next = self.sh_e2.slot_out.val();
        self.sh4.slot_in.next = self.e2.slot_out.val();
        self.l4.slot_in.next = self.sh4.slot_out.val();
        self.order.slot_in.next = self.l4.slot_out.val();
        self.hash.slot_in.next = self.order.slot_out.val();
        self.pack.slot.next = self.hash.slot_out.val();
        self.counters.slot.next = self.hash.slot_out.val();
        self.slot_out.next = self.hash.slot_out.val();
        self.flags.next = self.pack.flags.val();
        self.counter_words.next = bit_cast::<640, 64>(self.counters.frames.val())
            | (bit_cast::<640, 64>(self.counters.bytes.val()) << 64)
            | (bit_cast::<640, 64>(self.counters.malformed.val()) << 128)
            | (bit_cast::<640, 64>(self.counters.flagged.val()) << 192)
            | (bit_cast::<640, 64>(self.counters.runt.val()) << 256)
            | (bit_cast::<640, 64>(self.counters.truncated.val()) << 320)
            | (bit_cast::<640, 64>(self.counters.bad_ihl.val()) << 384)
            | (bit_cast::<640, 64>(self.counters.keep_hole.val()) << 448)
            | (bit_cast::<640, 64>(self.counters.oversize.val()) << 512)
            | (bit_cast::<640, 64>(self.counters.mac_error.val()) << 576);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counter_order_is_protos() {
        let names: Vec<&str> = vantage_proto::regs::parse::COUNTERS
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, super::COUNTER_ORDER);
    }
}
