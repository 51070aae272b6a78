//! The tag stage behind ingress and parse, for the simulator's test against the model's tag
//! stage: every header length the stage can write, from frames alone. The optional tags come
//! from the flow hash the parse stage computed (any frame with an IP flow has one):
//!
//! ```text
//!  hash bit 0  STATS tag: crossed = hash, uncounted = !hash
//!  hash bit 1  SYN tag:   hash (4 bytes), then the ingress time's low 48 bits (6 bytes)
//!  hash bit 2  REASM tag: ingress time (8 bytes), hash (4), !time (8), !hash's low 24 bits
//!              (3), zero (the tag's last byte is zero)
//! ```
//! So a capture's frames take all eight sets of tags (24 to 72 header bytes) in a mix the test
//! does not choose.

use super::Tag;
use crate::ingress::{Ingress, INC_BITS};
use crate::parse::Parse;
use crate::slot::Slot;
use crate::widgets::toeplitz::KEY_BITS;
use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;

/// The probe's module name.
pub const PROBE_MODULE: &str = "vantage_tag_probe";

#[derive(LogicBlock, Default)]
pub struct TagProbe {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The MAC's beats (no backpressure).
    pub tvalid: Signal<In, Bit>,
    pub tdata: Signal<In, Bits<512>>,
    pub tkeep: Signal<In, Bits<64>>,
    pub tlast: Signal<In, Bit>,
    pub tuser: Signal<In, Bit>,
    /// The ingress clock: increment per cycle (32.32 ns), a value and its load strobe.
    pub ts_inc: Signal<In, Bits<INC_BITS>>,
    pub ts_set: Signal<In, Bits<64>>,
    pub ts_load: Signal<In, Bit>,
    /// The flow hash key.
    pub key: Signal<In, Bits<KEY_BITS>>,
    /// Tagging on, and the header's EtherType.
    pub enable: Signal<In, Bit>,
    pub ethertype: Signal<In, Bits<16>>,
    /// The tag stage's output and counters.
    pub m_tvalid: Signal<Out, Bit>,
    pub m_tdata: Signal<Out, Bits<512>>,
    pub m_tkeep: Signal<Out, Bits<64>>,
    pub m_tlast: Signal<Out, Bit>,
    pub m_tuser: Signal<Out, Bit>,
    pub counter_words: Signal<Out, Bits<320>>,
    ingress: Ingress,
    parse: Parse,
    tag: Tag,
    s: Signal<Local, Slot>,
    hash: Signal<Local, Bits<32>>,
    ts: Signal<Local, Bits<64>>,
    /// The complements as signals of their own width (inverted inside a wider expression,
    /// Verilog would invert the zero extension too).
    not_hash: Signal<Local, Bits<32>>,
    not_ts: Signal<Local, Bits<64>>,
}

impl Logic for TagProbe {
    #[hdl_gen]
    fn update(&mut self) {
        self.ingress.clock.next = self.clock.val();
        self.ingress.reset.next = self.reset.val();
        self.ingress.tvalid.next = self.tvalid.val();
        self.ingress.tdata.next = self.tdata.val();
        self.ingress.tkeep.next = self.tkeep.val();
        self.ingress.tlast.next = self.tlast.val();
        self.ingress.tuser.next = self.tuser.val();
        self.ingress.ts_inc.next = self.ts_inc.val();
        self.ingress.ts_set.next = self.ts_set.val();
        self.ingress.ts_load.next = self.ts_load.val();
        self.parse.clock.next = self.clock.val();
        self.parse.reset.next = self.reset.val();
        self.parse.key.next = self.key.val();
        self.parse.slot_in.next = self.ingress.slots.val();
        self.hash.next = self.parse.slot_out.val().hash;
        self.ts.next = self.parse.slot_out.val().ts;
        self.not_hash.next = !self.hash.val();
        self.not_ts.next = !self.ts.val();
        self.s.next = self.parse.slot_out.val();
        self.s.next.stats_news = self.hash.val().get_bit(0);
        self.s.next.crossed = self.hash.val();
        self.s.next.uncounted = self.not_hash.val();
        self.s.next.syn = self.hash.val().get_bit(1);
        self.s.next.syn_info = (bit_cast::<80, 32>(self.hash.val()) << 48)
            | bit_cast::<80, 48>(self.ts.val().get_bits::<48>(0));
        self.tag.clock.next = self.clock.val();
        self.tag.reset.next = self.reset.val();
        self.tag.enable.next = self.enable.val();
        self.tag.ethertype.next = self.ethertype.val();
        self.tag.slot.next = self.s.val();
        self.tag.flags.next = self.parse.flags.val();
        self.tag.reasm.next = self.hash.val().get_bit(2);
        self.tag.reasm_info.next = (bit_cast::<192, 64>(self.ts.val()) << 128)
            | (bit_cast::<192, 32>(self.hash.val()) << 96)
            | (bit_cast::<192, 64>(self.not_ts.val()) << 32)
            | (bit_cast::<192, 24>(self.not_hash.val().get_bits::<24>(0)) << 8);
        self.m_tvalid.next = self.tag.tvalid.val();
        self.m_tdata.next = self.tag.tdata.val();
        self.m_tkeep.next = self.tag.tkeep.val();
        self.m_tlast.next = self.tag.tlast.val();
        self.m_tuser.next = self.tag.tuser.val();
        self.counter_words.next = self.tag.counter_words.val();
    }
}

/// The probe alone, module `PROBE_MODULE`.
pub fn probe_verilog() -> String {
    let mut uut = TagProbe::default();
    uut.connect_all();
    verilog_leaf::standalone(PROBE_MODULE, &generate_verilog(&uut))
}
