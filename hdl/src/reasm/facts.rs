//! The segment's facts: what the session engine (`engine.rs`) asks with, read from a frame's
//! parse results (the slot's first beat) and its end (its length, known at its last beat). The
//! model's `reasm::segment` is the rule, and the parse stage's fields are what it reads:
//!
//! ```text
//!  first beat:  l3_off, proto, cur (the TCP header), ip_len, tcp_seq/ack/flags/doff, hash_in,
//!               src/sport (which side sent), f_ipv4/f_ipv6, f_frag, first_frag, f_ports,
//!               et/eoff and the PPPoE header (pppoe_vc, pppoe_len), ts
//!  IP end       l3 + ip_len (IPv4 total length) or l3 + 40 + ip_len (IPv6 payload length);
//!               in a PPPoE session (EtherType 0x8864, ver/type 0x11, code 0, IP right behind
//!               its header) no further than l3 - 2 + the PPPoE length
//!  payload      [cur + 4*doff, min(IP end, frame end)); cut = the frame ends before IP end
//!  segment      data seq = seq + SYN; end seq = data seq + payload + FIN (a cut frame's FIN is
//!               cleared: its place is after the missing bytes)
//!
//!  why 3 malformed (a MAC error on the last beat, or lanes missing: a beat before the last not
//!  full, or a last beat whose lanes are not a run from lane 0), before anything else;
//!  why 1 not TCP (no IP header, not protocol 6, a fragment: an offset, IPv4's more-fragments
//!  flag or an IPv6 fragment header); why 2 truncated (the TCP header not in the frame or past
//!  the parse window, a data offset under 5, a payload that starts past the IP end or the
//!  frame); else why 0, followed
//! ```
//! One answer per frame, `FACTS_CYCLES` after its last beat; at most one a cycle (a frame is at
//! least a beat). Five register stages keep each cycle's logic shallow: the first beat and the
//! length; the bounds from the headers; a PPPoE length short of the IP length; the end against
//! the frame's and the verdict; the payload and the sequence numbers.

use crate::ingress::{Ingress, INC_BITS};
use crate::parse::Parse;
use crate::slot::Slot;
use crate::widgets::toeplitz::KEY_BITS;
use crate::widgets::top_lane::TopLane;
use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;

/// Cycles from a frame's last beat to its facts.
pub const FACTS_CYCLES: u32 = vantage_proto::datapath::REASM_FACTS_CYCLES;
/// Bits of a frame length (frames up to 128 KiB).
pub const FRAME_LEN_BITS: usize = 17;
/// `why`: followed, not TCP, truncated, malformed (written as literals in `update`).
pub const WHY_FOLLOWED: u64 = 0;
pub const WHY_NOT_TCP: u64 = 1;
pub const WHY_TRUNCATED: u64 = 2;
pub const WHY_MALFORMED: u64 = 3;
/// The probe for tests: ingress, parse and this unit, module `vantage_reasm_facts_probe`.
pub const PROBE_MODULE: &str = "vantage_reasm_facts_probe";
/// The unit alone (a slot in, for synthesis), module `vantage_reasm_facts`.
pub const STANDALONE_MODULE: &str = "vantage_reasm_facts";

#[derive(LogicBlock, Default)]
pub struct SegmentFacts {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// The parse stage's slots (every beat of every frame).
    pub slot: Signal<In, Slot>,
    /// A frame's facts: `why` (above), and when followed the engine's request: canonical flow
    /// tuple, IPv6, the sender is the tuple's high endpoint, TCP flags (a cut frame's FIN
    /// cleared), ACK, data sequence number and end sequence number, payload bytes, a cut
    /// frame, ingress time (ns).
    pub out_valid: Signal<Out, Bit>,
    pub out_why: Signal<Out, Bits<2>>,
    pub out_tuple: Signal<Out, Bits<288>>,
    pub out_v6: Signal<Out, Bit>,
    pub out_side: Signal<Out, Bit>,
    pub out_flags: Signal<Out, Bits<8>>,
    pub out_ack: Signal<Out, Bits<32>>,
    pub out_start: Signal<Out, Bits<32>>,
    pub out_end: Signal<Out, Bits<32>>,
    pub out_len: Signal<Out, Bits<16>>,
    pub out_cut: Signal<Out, Bit>,
    pub out_ts: Signal<Out, Bits<64>>,
    /// Lanes of a last beat: its highest kept lane + 1 (as the model reads beats into frames).
    keep_count: TopLane,
    /// The frame's first beat, kept to its last.
    held: DFF<Slot>,
    /// Bytes of the frame's beats before this one.
    bytes: DFF<Bits<FRAME_LEN_BITS>>,
    /// A beat of the frame before this one had lanes missing.
    holes: DFF<Bit>,
    /// Stage A, at the last beat: the first beat and the frame's length.
    a_valid: DFF<Bit>,
    a_first: DFF<Slot>,
    a_len: DFF<Bits<FRAME_LEN_BITS>>,
    a_bad: DFF<Bit>,
    /// Stage B: the IP end, the PPPoE end, the payload's start, what the headers say.
    b_valid: DFF<Bit>,
    b_len: DFF<Bits<FRAME_LEN_BITS>>,
    b_ip_end: DFF<Bits<FRAME_LEN_BITS>>,
    b_ppp_end: DFF<Bits<FRAME_LEN_BITS>>,
    b_pppoe: DFF<Bit>,
    b_start: DFF<Bits<FRAME_LEN_BITS>>,
    b_not_tcp: DFF<Bit>,
    b_bad_header: DFF<Bit>,
    b_side: DFF<Bit>,
    b_bad: DFF<Bit>,
    b_first: DFF<Slot>,
    /// Stage C: the segment's end in the frame.
    c_valid: DFF<Bit>,
    c_len: DFF<Bits<FRAME_LEN_BITS>>,
    c_end: DFF<Bits<FRAME_LEN_BITS>>,
    c_start: DFF<Bits<FRAME_LEN_BITS>>,
    c_not_tcp: DFF<Bit>,
    c_bad_header: DFF<Bit>,
    c_side: DFF<Bit>,
    c_bad: DFF<Bit>,
    c_first: DFF<Slot>,
    /// Stage D: cut or not, the verdict, the data sequence number.
    d_valid: DFF<Bit>,
    d_why: DFF<Bits<2>>,
    d_cut: DFF<Bit>,
    d_seg_end: DFF<Bits<FRAME_LEN_BITS>>,
    d_start: DFF<Bits<FRAME_LEN_BITS>>,
    d_data_seq: DFF<Bits<32>>,
    d_side: DFF<Bit>,
    d_first: DFF<Slot>,
    /// Stage E: the answer.
    o_valid: DFF<Bit>,
    o_why: DFF<Bits<2>>,
    o_tuple: DFF<Bits<288>>,
    o_v6: DFF<Bit>,
    o_side: DFF<Bit>,
    o_flags: DFF<Bits<8>>,
    o_ack: DFF<Bits<32>>,
    o_start: DFF<Bits<32>>,
    o_end: DFF<Bits<32>>,
    o_len: DFF<Bits<16>>,
    o_cut: DFF<Bit>,
    o_ts: DFF<Bits<64>>,
    first: Signal<Local, Slot>,
    l3: Signal<Local, Bits<FRAME_LEN_BITS>>,
    ip_len: Signal<Local, Bits<FRAME_LEN_BITS>>,
    fin: Signal<Local, Bit>,
    pay: Signal<Local, Bits<FRAME_LEN_BITS>>,
    /// Fields of a stage's slot sliced further (a struct field is copied before it is sliced).
    doff: Signal<Local, Bits<4>>,
    tuple: Signal<Local, Bits<288>>,
    c_flags: Signal<Local, Bits<8>>,
    d_flags: Signal<Local, Bits<8>>,
    /// This beat has lanes missing.
    hole_now: Signal<Local, Bit>,
    keep_next: Signal<Local, Bits<64>>,
}

impl Logic for SegmentFacts {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            held,
            bytes,
            holes,
            a_valid,
            a_first,
            a_len,
            a_bad,
            b_valid,
            b_len,
            b_ip_end,
            b_ppp_end,
            b_pppoe,
            b_start,
            b_not_tcp,
            b_bad_header,
            b_side,
            b_bad,
            b_first,
            c_valid,
            c_len,
            c_end,
            c_start,
            c_not_tcp,
            c_bad_header,
            c_side,
            c_bad,
            c_first,
            d_valid,
            d_why,
            d_cut,
            d_seg_end,
            d_start,
            d_data_seq,
            d_side,
            d_first,
            o_valid,
            o_why,
            o_tuple,
            o_v6,
            o_side,
            o_flags,
            o_ack,
            o_start,
            o_end,
            o_len,
            o_cut,
            o_ts
        );
        // ---- every beat: the first beat kept, the bytes counted.
        self.keep_count.a.next = self.slot.val().keep;
        self.first.next = self.held.q.val();
        if self.slot.val().sof {
            self.first.next = self.slot.val();
        }
        if self.slot.val().valid & self.slot.val().sof {
            self.held.d.next = self.slot.val();
        }
        // Lanes missing: a beat before the last not full, a last beat not a run from lane 0.
        self.keep_next.next = self.slot.val().keep + 1;
        self.hole_now.next = (self.slot.val().keep & self.keep_next.val()) != 0;
        if !self.slot.val().last {
            self.hole_now.next = self.slot.val().keep != 0xFFFF_FFFF_FFFF_FFFF_u64;
        }
        if self.slot.val().valid {
            self.holes.d.next = (self.holes.q.val() & !self.slot.val().sof) | self.hole_now.val();
            self.bytes.d.next = self.bytes.q.val() + 64;
            if self.slot.val().sof {
                self.bytes.d.next = 64.into();
            }
            if self.slot.val().last {
                self.bytes.d.next = 0.into();
            }
        }

        // ---- A, at the last beat: the first beat and the frame's length.
        self.a_valid.d.next = self.slot.val().valid & self.slot.val().last;
        self.a_first.d.next = self.first.val();
        self.a_len.d.next =
            self.bytes.q.val() + bit_cast::<FRAME_LEN_BITS, 7>(self.keep_count.y.val());
        if self.slot.val().sof {
            self.a_len.d.next = bit_cast::<FRAME_LEN_BITS, 7>(self.keep_count.y.val());
        }

        self.a_bad.d.next = (self.holes.q.val() & !self.slot.val().sof)
            | self.hole_now.val()
            | self.slot.val().user;

        // ---- B: the bounds from the headers.
        self.b_valid.d.next = self.a_valid.q.val();
        self.b_len.d.next = self.a_len.q.val();
        self.b_first.d.next = self.a_first.q.val();
        self.b_bad.d.next = self.a_bad.q.val();
        self.b_not_tcp.d.next = (self.a_first.q.val().proto != 6)
            | (self.a_first.q.val().l3_off == 0)
            | self.a_first.q.val().f_frag
            | self.a_first.q.val().first_frag;
        // A data offset of 5 words or more: bit 3, or bit 2 with bit 1 or 0.
        self.doff.next = self.a_first.q.val().tcp_doff;
        self.b_bad_header.d.next = !self.a_first.q.val().f_ports
            | !(self.doff.val().get_bit(3)
                | (self.doff.val().get_bit(2) & (self.doff.val().get_bits::<2>(0) != 0)));
        self.b_start.d.next = bit_cast::<FRAME_LEN_BITS, 12>(self.a_first.q.val().cur)
            + (bit_cast::<FRAME_LEN_BITS, 4>(self.doff.val()) << 2);
        self.l3.next = bit_cast::<FRAME_LEN_BITS, 8>(self.a_first.q.val().l3_off);
        self.ip_len.next = bit_cast::<FRAME_LEN_BITS, 16>(self.a_first.q.val().ip_len);
        self.b_ip_end.d.next = self.l3.val() + self.ip_len.val();
        if self.a_first.q.val().f_ipv6 {
            self.b_ip_end.d.next = self.l3.val() + self.ip_len.val() + 40;
        }
        self.b_pppoe.d.next = (self.a_first.q.val().et == 0x8864)
            & (self.a_first.q.val().l3_off == self.a_first.q.val().eoff + 10)
            & (self.a_first.q.val().pppoe_vc == 0x1100);
        self.b_ppp_end.d.next =
            self.l3.val() - 2 + bit_cast::<FRAME_LEN_BITS, 16>(self.a_first.q.val().pppoe_len);
        // The sender is the high endpoint unless it is the tuple's first (low) one.
        self.tuple.next = self.a_first.q.val().hash_in;
        self.b_side.d.next = (self.tuple.val().get_bits::<128>(160) != self.a_first.q.val().src)
            | (self.tuple.val().get_bits::<16>(16) != self.a_first.q.val().sport);

        // ---- C: the segment's end, a PPPoE length short of the IP length included.
        self.c_valid.d.next = self.b_valid.q.val();
        self.c_len.d.next = self.b_len.q.val();
        self.c_first.d.next = self.b_first.q.val();
        self.c_start.d.next = self.b_start.q.val();
        self.c_not_tcp.d.next = self.b_not_tcp.q.val();
        self.c_bad_header.d.next = self.b_bad_header.q.val();
        self.c_side.d.next = self.b_side.q.val();
        self.c_bad.d.next = self.b_bad.q.val();
        self.c_end.d.next = self.b_ip_end.q.val();
        if self.b_pppoe.q.val() & (self.b_ppp_end.q.val() < self.b_ip_end.q.val()) {
            self.c_end.d.next = self.b_ppp_end.q.val();
        }

        // ---- D: the end against the frame's; the verdict.
        self.d_valid.d.next = self.c_valid.q.val();
        self.d_first.d.next = self.c_first.q.val();
        self.d_start.d.next = self.c_start.q.val();
        self.d_side.d.next = self.c_side.q.val();
        self.d_cut.d.next = self.c_end.q.val() > self.c_len.q.val();
        self.d_seg_end.d.next = self.c_end.q.val();
        if self.c_end.q.val() > self.c_len.q.val() {
            self.d_seg_end.d.next = self.c_len.q.val();
        }
        self.c_flags.next = self.c_first.q.val().tcp_flags;
        self.d_data_seq.d.next =
            self.c_first.q.val().tcp_seq + bit_cast::<32, 1>(self.c_flags.val().get_bit(1).into());
        self.d_why.d.next = 0.into();
        if self.c_bad_header.q.val()
            | (self.c_start.q.val() > self.c_end.q.val())
            | (self.c_start.q.val() > self.c_len.q.val())
        {
            self.d_why.d.next = 2.into();
        }
        if self.c_not_tcp.q.val() {
            self.d_why.d.next = 1.into();
        }
        if self.c_bad.q.val() {
            self.d_why.d.next = 3.into();
        }

        // ---- E: the payload and the sequence numbers; the answer.
        self.d_flags.next = self.d_first.q.val().tcp_flags;
        self.pay.next = self.d_seg_end.q.val() - self.d_start.q.val();
        self.fin.next = self.d_flags.val().get_bit(0) & !self.d_cut.q.val();
        self.o_valid.d.next = self.d_valid.q.val();
        self.o_why.d.next = self.d_why.q.val();
        self.o_tuple.d.next = self.d_first.q.val().hash_in;
        self.o_v6.d.next = self.d_first.q.val().f_ipv6;
        self.o_side.d.next = self.d_side.q.val();
        self.o_flags.d.next = self.d_flags.val() & !bit_cast::<8, 1>(self.d_cut.q.val().into());
        self.o_ack.d.next = self.d_first.q.val().tcp_ack;
        self.o_start.d.next = self.d_data_seq.q.val();
        self.o_end.d.next = self.d_data_seq.q.val()
            + bit_cast::<32, FRAME_LEN_BITS>(self.pay.val())
            + bit_cast::<32, 1>(self.fin.val().into());
        self.o_len.d.next = self.pay.val().get_bits::<16>(0);
        self.o_cut.d.next = self.d_cut.q.val();
        self.o_ts.d.next = self.d_first.q.val().ts;
        self.out_valid.next = self.o_valid.q.val();
        self.out_why.next = self.o_why.q.val();
        self.out_tuple.next = self.o_tuple.q.val();
        self.out_v6.next = self.o_v6.q.val();
        self.out_side.next = self.o_side.q.val();
        self.out_flags.next = self.o_flags.q.val();
        self.out_ack.next = self.o_ack.q.val();
        self.out_start.next = self.o_start.q.val();
        self.out_end.next = self.o_end.q.val();
        self.out_len.next = self.o_len.q.val();
        self.out_cut.next = self.o_cut.q.val();
        self.out_ts.next = self.o_ts.q.val();
        if self.reset.val() {
            self.bytes.d.next = 0.into();
            self.holes.d.next = false;
            self.a_valid.d.next = false;
            self.b_valid.d.next = false;
            self.c_valid.d.next = false;
            self.d_valid.d.next = false;
            self.o_valid.d.next = false;
        }
    }
}

/// Ingress, parse and the facts unit: AXI-Stream beats in, one frame's facts out (for the
/// simulator's test against the model's segment reader).
#[derive(LogicBlock, Default)]
pub struct FactsProbe {
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
    pub out_valid: Signal<Out, Bit>,
    pub out_why: Signal<Out, Bits<2>>,
    pub out_tuple: Signal<Out, Bits<288>>,
    pub out_v6: Signal<Out, Bit>,
    pub out_side: Signal<Out, Bit>,
    pub out_flags: Signal<Out, Bits<8>>,
    pub out_ack: Signal<Out, Bits<32>>,
    pub out_start: Signal<Out, Bits<32>>,
    pub out_end: Signal<Out, Bits<32>>,
    pub out_len: Signal<Out, Bits<16>>,
    pub out_cut: Signal<Out, Bit>,
    pub out_ts: Signal<Out, Bits<64>>,
    ingress: Ingress,
    parse: Parse,
    facts: SegmentFacts,
}

impl Logic for FactsProbe {
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
        self.facts.clock.next = self.clock.val();
        self.facts.reset.next = self.reset.val();
        self.facts.slot.next = self.parse.slot_out.val();
        self.out_valid.next = self.facts.out_valid.val();
        self.out_why.next = self.facts.out_why.val();
        self.out_tuple.next = self.facts.out_tuple.val();
        self.out_v6.next = self.facts.out_v6.val();
        self.out_side.next = self.facts.out_side.val();
        self.out_flags.next = self.facts.out_flags.val();
        self.out_ack.next = self.facts.out_ack.val();
        self.out_start.next = self.facts.out_start.val();
        self.out_end.next = self.facts.out_end.val();
        self.out_len.next = self.facts.out_len.val();
        self.out_cut.next = self.facts.out_cut.val();
        self.out_ts.next = self.facts.out_ts.val();
    }
}

/// The unit alone, module `STANDALONE_MODULE`.
pub fn standalone_verilog() -> String {
    let mut uut = SegmentFacts::default();
    uut.connect_all();
    verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}

/// The probe alone, module `PROBE_MODULE`.
pub fn probe_verilog() -> String {
    let mut uut = FactsProbe::default();
    uut.connect_all();
    verilog_leaf::standalone(PROBE_MODULE, &generate_verilog(&uut))
}
