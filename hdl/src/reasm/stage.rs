//! The reasm stage's path in the pipeline, between the conn stage and the tag stage: the conn
//! stage's frames (its own beats and the SYNs it gives back) parsed again, every beat through
//! the frames' side (`front.rs`), and each first beat out with its REASM tag for the tag stage.
//! The session engine (`engine.rs`) is the top's, beside this: its memory ports are the top's.
//!
//! ```text
//!  conn slot ─┬─► AXI-Stream ─► Ingress ─► Parse ─┬─► Front ─────────────► slot out, flags out,
//!             │   (a second ingress: no clock,    │     ▲ │ req    ▲ ans      reasm, reasm_info
//!             │    the same lookahead rule)       │     │ ▼        │          (first beats)
//!             └─► side FIFO (first beats) ────────┘   ask  engine (top)
//!                 ts, STATS news and masks, SYN tag, conn flags: what the pipeline decided
//!                 before and a second parse cannot know, joined back at the re-parsed first beat
//! ```
//! Off, the conn stage's beats bypass all of it (no delay, nothing counted); on, every frame goes
//! through, and is asked about (`ask`) unless it is a SYN the conn stage regenerated (a SYN tag
//! whose why is not RELEASED: a copy for the monitor, not a segment).
//! A frame's REASM tag (`reasm_info`, the `proto::reasm::ReasmInfo` bytes, byte 0 in the high
//! bits) goes with its first beat when the front's answer is TAGGED; late, untagged and not
//! followed frames leave without one, counted. Every beat leaves a fixed number of cycles after it
//! came in; `empty` says the stage holds no beat (report frames wait for it), `quiet` that no beat
//! came in for `REASM_QUIET_CYCLES` (a regenerated SYN may go).
//!
//! The second ingress and parse, the side FIFO and the frames' side run on `work_clock`, a gated
//! copy of the datapath clock (`widgets/clock_gate.v`) that the top gives the engine too. It
//! stops `REASM_SETTLE_CYCLES` after the stage was last on, asked to be or holding a beat: off,
//! the stage and the engine draw no dynamic power (and cost a simulation nothing), and they stop
//! only quiescent — every beat gone, every answer in, every memory transaction complete — so
//! their outputs are idle while stopped. What must see every cycle stays on the free clock: the
//! switch (`on`, `mid`), the beats held, the quiet gap and the engine's event counters.
//!
//! Side FIFO entry, from bit 0: ts (64), news (1), crossed (32), uncounted (32), syn (1),
//! syn_info (80), conn flags (16).

use super::front::{Front, COUNTER_BITS as FRONT_COUNTER_BITS};
use super::key::TUPLE_BITS;
use crate::ingress::Ingress;
use crate::parse::Parse;
use crate::slot::Slot;
use crate::widgets::toeplitz::KEY_BITS;
use crate::widgets::{verilog_leaf, ClockGate};
use rust_hdl::prelude::*;

/// Bits of the side FIFO's index: it holds the first beats between the conn stage's output and
/// the second parse's, at most one per cycle of the second ingress (two cycles: a beat waits
/// for its successor, then a register) and parse (`parse::LATENCY`).
pub const SIDE_INDEX_BITS: usize = 5;
const _: () = assert!(
    crate::parse::LATENCY + 4 <= 1 << SIDE_INDEX_BITS,
    "the side FIFO must hold every first beat in the second ingress and parse"
);
/// Bits of a side FIFO entry (the layout is in the module's doc; positions are literals below).
pub const SIDE_BITS: usize = 64 + 1 + 32 + 32 + 1 + 80 + 16;
const _: () = assert!(SIDE_BITS == 226);
const _: () = assert!(
    vantage_proto::datapath::REASM_QUIET_CYCLES < 256,
    "since_in is 8 bits"
);
/// The engine's events the stage counts, after the front's counters (`front::COUNTER_ORDER`):
/// requests the directory refused, record updates refused as stale, memory error responses, and
/// flow-end records the engine made (no output path for them exists yet: each is counted here).
pub const ENGINE_COUNTERS: [&str; 4] = ["dir_refused", "bad_update", "mem_error", "flow_ends"];
/// Bits of the packed counters: the front's, then `ENGINE_COUNTERS`.
pub const COUNTER_BITS: usize = FRONT_COUNTER_BITS + 64 * ENGINE_COUNTERS.len();
const _: () = assert!(COUNTER_BITS == 1152, "packed with literal shifts below");
/// Bits of the in-flight beat count (the front's ring and the second parse's pipeline).
pub const IN_FLIGHT_BITS: usize = 11;
/// Bits of the settle count (`REASM_SETTLE_CYCLES`).
pub const SETTLE_BITS: usize = 11;
const _: () = assert!((vantage_proto::datapath::REASM_SETTLE_CYCLES as usize) < 1 << SETTLE_BITS);

#[derive(LogicBlock)]
pub struct ReasmStage {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// The stage on: frames go through the second parse and the frames' side, each followed
    /// segment asked about. Off, frames bypass the stage untouched (no delay, not counted). The
    /// stage changes over only while it holds no beat and the conn stage is between frames, so
    /// turning it off takes effect at the first gap of `REASM_DELAY_CYCLES` in the traffic.
    pub enable: Signal<In, Bit>,
    /// The flow hash key (the first parse's, so both parses agree).
    pub key: Signal<In, Bits<KEY_BITS>>,
    /// The conn stage's slots and flags.
    pub slot_in: Signal<In, Slot>,
    pub flags_in: Signal<In, Bits<16>>,
    /// The slots and flags for the tag stage; with a first beat, its REASM tag.
    pub slot_out: Signal<Out, Slot>,
    pub flags_out: Signal<Out, Bits<16>>,
    pub reasm: Signal<Out, Bit>,
    pub reasm_info: Signal<Out, Bits<192>>,
    /// The stage holds no beat.
    pub empty: Signal<Out, Bit>,
    /// Frames bypass the stage (it is off).
    pub bypass: Signal<Out, Bit>,
    /// No beat came in for `REASM_QUIET_CYCLES`: the tag stage will be idle when the next beat
    /// that comes in reaches it (the conn stage's gap for a regenerated SYN).
    pub quiet: Signal<Out, Bit>,
    /// The engine's request and answer (`front.rs` names them).
    pub req_valid: Signal<Out, Bit>,
    pub req_tuple: Signal<Out, Bits<TUPLE_BITS>>,
    pub req_v6: Signal<Out, Bit>,
    pub req_side: Signal<Out, Bit>,
    pub req_flags: Signal<Out, Bits<8>>,
    pub req_ack: Signal<Out, Bits<32>>,
    pub req_start: Signal<Out, Bits<32>>,
    pub req_end: Signal<Out, Bits<32>>,
    pub req_len: Signal<Out, Bits<16>>,
    pub req_ts: Signal<Out, Bits<64>>,
    pub ans_valid: Signal<In, Bit>,
    pub ans_kind: Signal<In, Bits<2>>,
    pub ans_flow_id: Signal<In, Bits<64>>,
    pub ans_status: Signal<In, Bits<3>>,
    pub ans_offset: Signal<In, Bits<48>>,
    pub ans_skip: Signal<In, Bits<16>>,
    pub ans_gap: Signal<In, Bits<32>>,
    pub ans_flags: Signal<In, Bits<8>>,
    pub ans_reason: Signal<In, Bits<2>>,
    /// The engine's events, one cycle each (`ENGINE_COUNTERS`).
    pub dir_refused: Signal<In, Bit>,
    pub bad_update: Signal<In, Bit>,
    pub mem_error: Signal<In, Bit>,
    pub flow_end: Signal<In, Bit>,
    /// The counters: the front's (`front::COUNTER_ORDER`), then `ENGINE_COUNTERS`.
    pub counter_words: Signal<Out, Bits<COUNTER_BITS>>,
    /// reasm.STATUS: bit 0 on, bit 1 empty, bit 2 the work clock runs.
    pub status: Signal<Out, Bits<3>>,
    /// The gated clock of the stage's work, for the engine too (stopped while the stage settles
    /// off; see the module's doc).
    pub work_clock: Signal<Out, Clock>,
    gate: ClockGate,
    /// Cycles the work clock still runs: `REASM_SETTLE_CYCLES` from the last cycle the stage was
    /// on, asked to be, held a beat or was in reset, counted down after it.
    settle: DFF<Bits<SETTLE_BITS>>,
    k_settle: Constant<Bits<SETTLE_BITS>>,
    ingress: Ingress,
    parse: Parse,
    front: Front,
    side: RAM<Bits<SIDE_BITS>, SIDE_INDEX_BITS>,
    side_wr: DFF<Bits<SIDE_INDEX_BITS>>,
    side_rd: DFF<Bits<SIDE_INDEX_BITS>>,
    /// The read pointer after this cycle's pop: the side RAM's read is registered, so it is
    /// addressed one cycle ahead.
    side_rd_next: Signal<Local, Bits<SIDE_INDEX_BITS>>,
    e: Signal<Local, Bits<SIDE_BITS>>,
    s: Signal<Local, Slot>,
    p: Signal<Local, Slot>,
    o: Signal<Local, Slot>,
    in_flight: DFF<Bits<IN_FLIGHT_BITS>>,
    /// The stage is on (frames through the ring), changed over as `enable` says when it may.
    on: DFF<Bit>,
    /// The conn stage is inside a frame (a first beat came, its last has not).
    mid: DFF<Bit>,
    /// A beat of the conn stage that goes through the stage (it is on).
    s_in: Signal<Local, Bit>,
    /// Cycles since a beat came in, saturating at `REASM_QUIET_CYCLES`.
    since_in: DFF<Bits<8>>,
    k_quiet: Constant<Bits<8>>,
    n_dir_refused: DFF<Bits<64>>,
    n_bad_update: DFF<Bits<64>>,
    n_mem_error: DFF<Bits<64>>,
    n_flow_ends: DFF<Bits<64>>,
}

impl Default for ReasmStage {
    fn default() -> Self {
        ReasmStage {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            key: Default::default(),
            slot_in: Default::default(),
            flags_in: Default::default(),
            slot_out: Default::default(),
            flags_out: Default::default(),
            reasm: Default::default(),
            reasm_info: Default::default(),
            empty: Default::default(),
            bypass: Default::default(),
            quiet: Default::default(),
            req_valid: Default::default(),
            req_tuple: Default::default(),
            req_v6: Default::default(),
            req_side: Default::default(),
            req_flags: Default::default(),
            req_ack: Default::default(),
            req_start: Default::default(),
            req_end: Default::default(),
            req_len: Default::default(),
            req_ts: Default::default(),
            ans_valid: Default::default(),
            ans_kind: Default::default(),
            ans_flow_id: Default::default(),
            ans_status: Default::default(),
            ans_offset: Default::default(),
            ans_skip: Default::default(),
            ans_gap: Default::default(),
            ans_flags: Default::default(),
            ans_reason: Default::default(),
            dir_refused: Default::default(),
            bad_update: Default::default(),
            mem_error: Default::default(),
            flow_end: Default::default(),
            counter_words: Default::default(),
            status: Default::default(),
            work_clock: Default::default(),
            gate: Default::default(),
            settle: Default::default(),
            k_settle: Constant::new(
                u64::from(vantage_proto::datapath::REASM_SETTLE_CYCLES).to_bits(),
            ),
            ingress: Default::default(),
            parse: Default::default(),
            front: Default::default(),
            side: Default::default(),
            side_wr: Default::default(),
            side_rd: Default::default(),
            side_rd_next: Default::default(),
            e: Default::default(),
            s: Default::default(),
            p: Default::default(),
            o: Default::default(),
            in_flight: Default::default(),
            on: Default::default(),
            mid: Default::default(),
            s_in: Default::default(),
            since_in: Default::default(),
            k_quiet: Constant::new(
                u64::from(vantage_proto::datapath::REASM_QUIET_CYCLES).to_bits(),
            ),
            n_dir_refused: Default::default(),
            n_bad_update: Default::default(),
            n_mem_error: Default::default(),
            n_flow_ends: Default::default(),
        }
    }
}

impl Logic for ReasmStage {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            settle,
            in_flight,
            on,
            mid,
            since_in,
            n_dir_refused,
            n_bad_update,
            n_mem_error,
            n_flow_ends
        );
        // ---- the conn stage's beats as a MAC's, into a second ingress (its clock unused).
        self.s.next = self.slot_in.val();
        // ---- on or bypassed: changed over only with nothing held and between frames.
        if self.s.val().valid & self.s.val().sof {
            self.mid.d.next = !self.s.val().last;
        } else if self.s.val().valid & self.s.val().last {
            self.mid.d.next = false;
        }
        if (self.in_flight.q.val() == 0) & !self.mid.q.val() & !self.s.val().valid {
            self.on.d.next = self.enable.val();
        }
        self.bypass.next = !self.on.q.val();
        self.s_in.next = self.s.val().valid & self.on.q.val();
        // ---- the work clock: runs while the stage is on, asked to be, holds a beat, is in reset,
        // and for REASM_SETTLE_CYCLES after.
        self.gate.clk.next = self.clock.val();
        self.gate.en.next = self.settle.q.val() != 0;
        if self.reset.val() | self.enable.val() | self.on.q.val() | (self.in_flight.q.val() != 0) {
            self.settle.d.next = self.k_settle.val();
            self.gate.en.next = true;
        } else if self.settle.q.val() != 0 {
            self.settle.d.next = self.settle.q.val() - 1;
        }
        self.work_clock.next = self.gate.gclk.val();
        self.status.next = bit_cast::<3, 1>(self.on.q.val().into())
            | (bit_cast::<3, 1>((self.in_flight.q.val() == 0).into()) << 1)
            | (bit_cast::<3, 1>(self.gate.en.val().into()) << 2);
        self.side_wr.clock.next = self.gate.gclk.val();
        self.side_wr.d.next = self.side_wr.q.val();
        self.side_rd.clock.next = self.gate.gclk.val();
        self.side_rd.d.next = self.side_rd.q.val();
        self.ingress.clock.next = self.gate.gclk.val();
        self.ingress.reset.next = self.reset.val();
        self.ingress.tvalid.next = self.s_in.val();
        self.ingress.tdata.next = self.s.val().data;
        self.ingress.tkeep.next = self.s.val().keep;
        self.ingress.tlast.next = self.s.val().last;
        self.ingress.tuser.next = self.s.val().user;
        self.ingress.ts_inc.next = 0.into();
        self.ingress.ts_set.next = 0.into();
        self.ingress.ts_load.next = false;
        self.parse.clock.next = self.gate.gclk.val();
        self.parse.reset.next = self.reset.val();
        self.parse.key.next = self.key.val();
        self.parse.slot_in.next = self.ingress.slots.val();

        // ---- side FIFO: what the pipeline decided of each frame, pushed at its first beat.
        self.side.write_clock.next = self.gate.gclk.val();
        self.side.read_clock.next = self.gate.gclk.val();
        self.side.write_enable.next = self.s_in.val() & self.s.val().sof;
        self.side.write_address.next = self.side_wr.q.val();
        self.side.write_data.next = bit_cast::<SIDE_BITS, 64>(self.s.val().ts)
            | (bit_cast::<SIDE_BITS, 1>(self.s.val().stats_news.into()) << 64)
            | (bit_cast::<SIDE_BITS, 32>(self.s.val().crossed) << 65)
            | (bit_cast::<SIDE_BITS, 32>(self.s.val().uncounted) << 97)
            | (bit_cast::<SIDE_BITS, 1>(self.s.val().syn.into()) << 129)
            | (bit_cast::<SIDE_BITS, 80>(self.s.val().syn_info) << 130)
            | (bit_cast::<SIDE_BITS, 16>(self.flags_in.val()) << 210);
        if self.s_in.val() & self.s.val().sof {
            self.side_wr.d.next = self.side_wr.q.val() + 1;
        }
        // Popped at the re-parsed first beat, which takes the entry's fields.
        self.p.next = self.parse.slot_out.val();
        self.side_rd_next.next = self.side_rd.q.val();
        if self.p.val().valid & self.p.val().sof {
            self.side_rd_next.next = self.side_rd.q.val() + 1;
        }
        self.side_rd.d.next = self.side_rd_next.val();
        self.side.read_address.next = self.side_rd_next.val();
        self.e.next = self.side.read_data.val();
        if self.p.val().sof {
            self.p.next.ts = self.e.val().get_bits::<64>(0);
            self.p.next.stats_news = self.e.val().get_bit(64);
            self.p.next.crossed = self.e.val().get_bits::<32>(65);
            self.p.next.uncounted = self.e.val().get_bits::<32>(97);
            self.p.next.syn = self.e.val().get_bit(129);
            self.p.next.syn_info = self.e.val().get_bits::<80>(130);
        }

        // ---- the frames' side: asked unless off or a regenerated SYN (why != RELEASED).
        self.front.clock.next = self.gate.gclk.val();
        self.front.reset.next = self.reset.val();
        self.front.slot.next = self.p.val();
        self.front.pflags.next = self.e.val().get_bits::<16>(210);
        self.front.ask.next = !(self.e.val().get_bit(129) & (self.e.val().get_bits::<8>(202) != 1));
        self.req_valid.next = self.front.req_valid.val();
        self.req_tuple.next = self.front.req_tuple.val();
        self.req_v6.next = self.front.req_v6.val();
        self.req_side.next = self.front.req_side.val();
        self.req_flags.next = self.front.req_flags.val();
        self.req_ack.next = self.front.req_ack.val();
        self.req_start.next = self.front.req_start.val();
        self.req_end.next = self.front.req_end.val();
        self.req_len.next = self.front.req_len.val();
        self.req_ts.next = self.front.req_ts.val();
        self.front.ans_valid.next = self.ans_valid.val();
        self.front.ans_kind.next = self.ans_kind.val();
        self.front.ans_flow_id.next = self.ans_flow_id.val();
        self.front.ans_status.next = self.ans_status.val();
        self.front.ans_offset.next = self.ans_offset.val();
        self.front.ans_skip.next = self.ans_skip.val();
        self.front.ans_gap.next = self.ans_gap.val();
        self.front.ans_flags.next = self.ans_flags.val();
        self.front.ans_reason.next = self.ans_reason.val();

        // ---- out: the slot, its flags, and a tagged first beat's REASM tag.
        self.o.next = self.front.out_slot.val();
        self.slot_out.next = self.o.val();
        self.flags_out.next = self.front.out_pflags.val();
        self.reasm.next = self.o.val().valid & self.o.val().sof & (self.front.out_kind.val() == 1);
        if !self.on.q.val() {
            // Bypassed: the conn stage's beats straight through (the ring is empty).
            self.slot_out.next = self.s.val();
            self.flags_out.next = self.flags_in.val();
            self.reasm.next = false;
        }
        self.reasm_info.next = (bit_cast::<192, 64>(self.front.out_flow_id.val()) << 128)
            | (bit_cast::<192, 48>(self.front.out_offset.val()) << 80)
            | (bit_cast::<192, 16>(self.front.out_skip.val()) << 64)
            | (bit_cast::<192, 32>(self.front.out_gap.val()) << 32)
            | (bit_cast::<192, 3>(self.front.out_status.val()) << 24)
            | (bit_cast::<192, 8>(self.front.out_flags.val()) << 16)
            | (bit_cast::<192, 2>(self.front.out_reason.val()) << 8);

        // ---- beats held: in from the conn stage, out of the front.
        if self.s_in.val() & !self.o.val().valid {
            self.in_flight.d.next = self.in_flight.q.val() + 1;
        }
        if !self.s_in.val() & self.o.val().valid {
            self.in_flight.d.next = self.in_flight.q.val() - 1;
        }
        self.empty.next = self.in_flight.q.val() == 0;
        if self.s_in.val() {
            self.since_in.d.next = 0.into();
        } else if self.since_in.q.val() != self.k_quiet.val() {
            self.since_in.d.next = self.since_in.q.val() + 1;
        }
        self.quiet.next = (self.since_in.q.val() == self.k_quiet.val()) & !self.s_in.val();

        // ---- counters.
        if self.dir_refused.val() {
            self.n_dir_refused.d.next = self.n_dir_refused.q.val() + 1;
        }
        if self.bad_update.val() {
            self.n_bad_update.d.next = self.n_bad_update.q.val() + 1;
        }
        if self.mem_error.val() {
            self.n_mem_error.d.next = self.n_mem_error.q.val() + 1;
        }
        if self.flow_end.val() {
            self.n_flow_ends.d.next = self.n_flow_ends.q.val() + 1;
        }
        self.counter_words.next = bit_cast::<COUNTER_BITS, 896>(self.front.counter_words.val())
            | (bit_cast::<COUNTER_BITS, 64>(self.n_dir_refused.q.val()) << 896)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_bad_update.q.val()) << 960)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_mem_error.q.val()) << 1024)
            | (bit_cast::<COUNTER_BITS, 64>(self.n_flow_ends.q.val()) << 1088);
        if self.reset.val() {
            self.side_wr.d.next = 0.into();
            self.side_rd.d.next = 0.into();
            self.in_flight.d.next = 0.into();
            self.on.d.next = false;
            self.mid.d.next = false;
            self.since_in.d.next = self.k_quiet.val();
            self.n_dir_refused.d.next = 0.into();
            self.n_bad_update.d.next = 0.into();
            self.n_mem_error.d.next = 0.into();
            self.n_flow_ends.d.next = 0.into();
            self.side.write_enable.next = false;
        }
    }
}

/// The stage's path alone, module `STANDALONE_MODULE`, for lint and synthesis.
pub const STANDALONE_MODULE: &str = "vantage_reasm_stage";

/// The stage's path alone.
pub fn standalone_verilog() -> String {
    let mut uut = ReasmStage::default();
    uut.connect_all();
    verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}
