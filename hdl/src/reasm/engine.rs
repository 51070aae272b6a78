//! The session engine: the reasm stage's per-frame logic without the frames' beats. A frame's
//! facts go in (its flow tuple, flags, ACK, segment bounds, payload, time); exactly
//! `ENGINE_CYCLES` later its REASM tag comes out, the session's record in external memory
//! updated in between. It joins the session key (`key.rs`), the directory (`directory.rs`),
//! three record ports (`record.rs`: beats 0, 1, 2), the step (`step.rs`), the totals
//! (`totals.rs`) and the flow-end record (`flowend.rs`). Without a segment store a segment
//! above a hole makes its session fall back (`buffer-exhausted`): the model with
//! `store_slots = 0` (`vantage_model::reasm`) is its reference.
//!
//! ```text
//!  cycle t        facts in ─► session key ─► directory request (OPEN if the segment opens a
//!                 session, else FIND); facts written to a ring of 2^SLOT_BITS entries (slot t)
//!  t + 128        directory answer ─► record requests on the three ports (found: read;
//!                 placed: afresh), tag = slot; the answer noted in a second ring
//!  t + 256        record answers (beats 0..2), facts and note read back from the rings
//!                 ─► a new or reused session gets a fresh record and the next flow id
//!                 ─► step (beat 0, tag) and totals (beats 1, 2) ─► registered
//!  t + 257        out: the tag (or untagged: no session; or late); the three changed beats
//!                 back to their ports; a reused session's flow-end record
//! ```
//! Outputs `kind`: 0 untagged (a segment of no session that does not open one), 1 tagged,
//! 2 late (the directory refused the request or memory did not answer in time: the stage will
//! pass the frame as a counted fallback).

use super::directory::{Directory, BUCKET_BITS, OP_FIND, OP_OPEN};
use super::flowend::FlowEndRecord;
use super::key::{SessionKey, SESSION_KEY_BITS, TUPLE_BITS};
use super::record::{RecordBeat, ADDR_BITS, LINE_BITS};
use super::step::Step;
use super::totals::Totals;
use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;
use vantage_proto::reasm::directory::LOOKUP_CYCLES;
use vantage_proto::reasm::record::{
    decision, figures, seq, session, DIR_BITS, INDEX_BITS, RECORD_CYCLES, TAG_BITS,
};
use vantage_proto::reasm::{End, Fallback, Status};

/// Bits of a slot of the engine's rings: a request's place, by the cycle it came in.
pub const SLOT_BITS: usize = 9;
/// Cycles from a request to its answer.
pub const ENGINE_CYCLES: u32 = vantage_proto::datapath::REASM_ENGINE_CYCLES;
const _: () = assert!(ENGINE_CYCLES == LOOKUP_CYCLES + RECORD_CYCLES + 1);
const _: () = assert!(ENGINE_CYCLES < 1 << SLOT_BITS && SLOT_BITS <= TAG_BITS);
/// Bits of a ring entry of facts: valid, v6, side, flags, ack, start, end, len, ts, tuple.
pub const FACTS_BITS: usize = 3 + 8 + 32 * 3 + 16 + 64 + TUPLE_BITS;
/// Bits of a ring entry of directory answers: live, found, placed, full, late, bucket, way.
pub const NOTE_BITS: usize = 5 + BUCKET_BITS + 2;
const _: () = assert!(INDEX_BITS == BUCKET_BITS + 2);

// The record's field positions are written as literals below (a Rust constant inside
// `#[hdl_gen]` would be emitted as an undeclared Verilog name); they are proto's:
const _: () = assert!(
    seq::NEXT.lsb == 0
        && seq::NEXT.width == 32
        && seq::NEXT_OFF.lsb == 32
        && seq::NEXT_OFF.width == 48
        && seq::ACKED.lsb == 80
        && seq::ACKED.width == 32
        && seq::BLOCK_START.lsb == 112
        && seq::BLOCK_START.width == 32
        && seq::BLOCK_END.lsb == 144
        && seq::BLOCK_END.width == 32
        && seq::BLOCK_SINCE.lsb == 176
        && seq::BLOCK_SINCE.width == 32
        && seq::HELD_HEAD.lsb == 208
        && seq::HELD_HEAD.width == 20
        && seq::HELD_TAIL.lsb == 228
        && seq::HELD_TAIL.width == 20
        && seq::INIT.lsb == 248
        && seq::INIT.width == 1
        && seq::FIN.lsb == 249
        && seq::FIN.width == 1
        && seq::ACKED_VALID.lsb == 250
        && seq::ACKED_VALID.width == 1
        && seq::BLOCK_VALID.lsb == 251
        && seq::BLOCK_VALID.width == 1
        && seq::BLOCK_FIN.lsb == 252
        && seq::BLOCK_FIN.width == 1
        && figures::DELIVERED.lsb == 0
        && figures::DELIVERED.width == 64
        && figures::MISSED.lsb == 64
        && figures::MISSED.width == 64
        && figures::GAPS.lsb == 128
        && figures::GAPS.width == 32
        && figures::RETRANSMISSIONS.lsb == 160
        && figures::RETRANSMISSIONS.width == 32
        && figures::INCONSISTENT.lsb == 192
        && figures::INCONSISTENT.width == 32
        && figures::FRAMES.lsb == 224
        && figures::FRAMES.width == 32
        && decision::FALLBACK.lsb == 253
        && decision::CLOSED.lsb == 255
        && decision::ORIG_SIDE.lsb == 509
        && session::FLOW_ID.lsb == 0
        && session::FIRST_NS.lsb == 64
        && session::LAST_NS.lsb == 128
        && session::CLOSED_AT.lsb == 192
        && session::V6.lsb == 224
        && session::MATCH.lsb == 256
        && DIR_BITS == 256
);

#[derive(LogicBlock)]
pub struct Engine {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// The session key register, the table's size (log2 of its buckets) and the cap above a
    /// hole.
    pub session_key: Signal<In, Bits<SESSION_KEY_BITS>>,
    pub bucket_bits: Signal<In, Bits<5>>,
    pub cap: Signal<In, Bits<32>>,
    /// A frame's facts (one every two cycles at most): its canonical flow tuple, IPv6, the
    /// sender is the tuple's high endpoint, TCP flags (a cut frame's FIN cleared), ACK number,
    /// the segment's first byte and end, payload bytes, ingress time (ns).
    pub req_valid: Signal<In, Bit>,
    pub req_tuple: Signal<In, Bits<TUPLE_BITS>>,
    pub req_v6: Signal<In, Bit>,
    pub req_side: Signal<In, Bit>,
    pub req_flags: Signal<In, Bits<8>>,
    pub req_ack: Signal<In, Bits<32>>,
    pub req_start: Signal<In, Bits<32>>,
    pub req_end: Signal<In, Bits<32>>,
    pub req_len: Signal<In, Bits<16>>,
    pub req_ts: Signal<In, Bits<64>>,
    /// The answer, `ENGINE_CYCLES` after the request: its kind and the REASM tag's fields.
    pub out_valid: Signal<Out, Bit>,
    pub out_kind: Signal<Out, Bits<2>>,
    pub out_flow_id: Signal<Out, Bits<64>>,
    pub out_status: Signal<Out, Bits<3>>,
    pub out_offset: Signal<Out, Bits<48>>,
    pub out_skip: Signal<Out, Bits<16>>,
    pub out_gap: Signal<Out, Bits<32>>,
    pub out_flags: Signal<Out, Bits<8>>,
    pub out_reason: Signal<Out, Bits<2>>,
    /// A session ended with the answer (a SYN reused its closed session): its flow-end record.
    pub fe_valid: Signal<Out, Bit>,
    pub fe_record: Signal<Out, Bits<1024>>,
    /// Pulses: the directory refused a request; a record port refused an update; a memory
    /// answered with an error.
    pub dir_refused: Signal<Out, Bit>,
    pub bad_update: Signal<Out, Bit>,
    pub mem_error: Signal<Out, Bit>,
    /// AXI4 masters: the directory's memory and the three record beats' channels.
    pub dir_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub dir_m_axi_arlen: Signal<Out, Bits<8>>,
    pub dir_m_axi_arsize: Signal<Out, Bits<3>>,
    pub dir_m_axi_arburst: Signal<Out, Bits<2>>,
    pub dir_m_axi_arvalid: Signal<Out, Bit>,
    pub dir_m_axi_arready: Signal<In, Bit>,
    pub dir_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub dir_m_axi_rresp: Signal<In, Bits<2>>,
    pub dir_m_axi_rlast: Signal<In, Bit>,
    pub dir_m_axi_rvalid: Signal<In, Bit>,
    pub dir_m_axi_rready: Signal<Out, Bit>,
    pub dir_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub dir_m_axi_awlen: Signal<Out, Bits<8>>,
    pub dir_m_axi_awsize: Signal<Out, Bits<3>>,
    pub dir_m_axi_awburst: Signal<Out, Bits<2>>,
    pub dir_m_axi_awvalid: Signal<Out, Bit>,
    pub dir_m_axi_awready: Signal<In, Bit>,
    pub dir_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub dir_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub dir_m_axi_wlast: Signal<Out, Bit>,
    pub dir_m_axi_wvalid: Signal<Out, Bit>,
    pub dir_m_axi_wready: Signal<In, Bit>,
    pub dir_m_axi_bresp: Signal<In, Bits<2>>,
    pub dir_m_axi_bvalid: Signal<In, Bit>,
    pub dir_m_axi_bready: Signal<Out, Bit>,
    pub r0_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub r0_m_axi_arlen: Signal<Out, Bits<8>>,
    pub r0_m_axi_arsize: Signal<Out, Bits<3>>,
    pub r0_m_axi_arburst: Signal<Out, Bits<2>>,
    pub r0_m_axi_arvalid: Signal<Out, Bit>,
    pub r0_m_axi_arready: Signal<In, Bit>,
    pub r0_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub r0_m_axi_rresp: Signal<In, Bits<2>>,
    pub r0_m_axi_rlast: Signal<In, Bit>,
    pub r0_m_axi_rvalid: Signal<In, Bit>,
    pub r0_m_axi_rready: Signal<Out, Bit>,
    pub r0_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub r0_m_axi_awlen: Signal<Out, Bits<8>>,
    pub r0_m_axi_awsize: Signal<Out, Bits<3>>,
    pub r0_m_axi_awburst: Signal<Out, Bits<2>>,
    pub r0_m_axi_awvalid: Signal<Out, Bit>,
    pub r0_m_axi_awready: Signal<In, Bit>,
    pub r0_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub r0_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub r0_m_axi_wlast: Signal<Out, Bit>,
    pub r0_m_axi_wvalid: Signal<Out, Bit>,
    pub r0_m_axi_wready: Signal<In, Bit>,
    pub r0_m_axi_bresp: Signal<In, Bits<2>>,
    pub r0_m_axi_bvalid: Signal<In, Bit>,
    pub r0_m_axi_bready: Signal<Out, Bit>,
    pub r1_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub r1_m_axi_arlen: Signal<Out, Bits<8>>,
    pub r1_m_axi_arsize: Signal<Out, Bits<3>>,
    pub r1_m_axi_arburst: Signal<Out, Bits<2>>,
    pub r1_m_axi_arvalid: Signal<Out, Bit>,
    pub r1_m_axi_arready: Signal<In, Bit>,
    pub r1_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub r1_m_axi_rresp: Signal<In, Bits<2>>,
    pub r1_m_axi_rlast: Signal<In, Bit>,
    pub r1_m_axi_rvalid: Signal<In, Bit>,
    pub r1_m_axi_rready: Signal<Out, Bit>,
    pub r1_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub r1_m_axi_awlen: Signal<Out, Bits<8>>,
    pub r1_m_axi_awsize: Signal<Out, Bits<3>>,
    pub r1_m_axi_awburst: Signal<Out, Bits<2>>,
    pub r1_m_axi_awvalid: Signal<Out, Bit>,
    pub r1_m_axi_awready: Signal<In, Bit>,
    pub r1_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub r1_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub r1_m_axi_wlast: Signal<Out, Bit>,
    pub r1_m_axi_wvalid: Signal<Out, Bit>,
    pub r1_m_axi_wready: Signal<In, Bit>,
    pub r1_m_axi_bresp: Signal<In, Bits<2>>,
    pub r1_m_axi_bvalid: Signal<In, Bit>,
    pub r1_m_axi_bready: Signal<Out, Bit>,
    pub r2_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub r2_m_axi_arlen: Signal<Out, Bits<8>>,
    pub r2_m_axi_arsize: Signal<Out, Bits<3>>,
    pub r2_m_axi_arburst: Signal<Out, Bits<2>>,
    pub r2_m_axi_arvalid: Signal<Out, Bit>,
    pub r2_m_axi_arready: Signal<In, Bit>,
    pub r2_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub r2_m_axi_rresp: Signal<In, Bits<2>>,
    pub r2_m_axi_rlast: Signal<In, Bit>,
    pub r2_m_axi_rvalid: Signal<In, Bit>,
    pub r2_m_axi_rready: Signal<Out, Bit>,
    pub r2_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub r2_m_axi_awlen: Signal<Out, Bits<8>>,
    pub r2_m_axi_awsize: Signal<Out, Bits<3>>,
    pub r2_m_axi_awburst: Signal<Out, Bits<2>>,
    pub r2_m_axi_awvalid: Signal<Out, Bit>,
    pub r2_m_axi_awready: Signal<In, Bit>,
    pub r2_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub r2_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub r2_m_axi_wlast: Signal<Out, Bit>,
    pub r2_m_axi_wvalid: Signal<Out, Bit>,
    pub r2_m_axi_wready: Signal<In, Bit>,
    pub r2_m_axi_bresp: Signal<In, Bits<2>>,
    pub r2_m_axi_bvalid: Signal<In, Bit>,
    pub r2_m_axi_bready: Signal<Out, Bit>,
    sess_key: SessionKey,
    directory: Directory,
    rec0: RecordBeat,
    rec1: RecordBeat,
    rec2: RecordBeat,
    step: Step,
    totals: Totals,
    flowend: FlowEndRecord,
    facts: RAM<Bits<FACTS_BITS>, SLOT_BITS>,
    notes: RAM<Bits<NOTE_BITS>, SLOT_BITS>,
    cycle: DFF<Bits<SLOT_BITS>>,
    /// Flow ids given so far (the next is one more).
    ids: DFF<Bits<64>>,
    o_valid: DFF<Bit>,
    o_kind: DFF<Bits<2>>,
    o_flow_id: DFF<Bits<64>>,
    o_status: DFF<Bits<3>>,
    o_offset: DFF<Bits<48>>,
    o_skip: DFF<Bits<16>>,
    o_gap: DFF<Bits<32>>,
    o_flags: DFF<Bits<8>>,
    o_reason: DFF<Bits<2>>,
    o_fe_valid: DFF<Bit>,
    o_fe: DFF<Bits<1024>>,
    u_valid: DFF<Bit>,
    u_line0: DFF<Bits<LINE_BITS>>,
    u_line1: DFF<Bits<LINE_BITS>>,
    u_line2: DFF<Bits<LINE_BITS>>,
    k_dir: Constant<Bits<SLOT_BITS>>,
    k_back: Constant<Bits<SLOT_BITS>>,
    k_open: Constant<Bits<2>>,
    k_find: Constant<Bits<2>>,
    k_fallback: Constant<Bits<3>>,
    k_table_full: Constant<Bits<2>>,
    k_reused: Constant<Bits<3>>,
    /// Beat 1 but the last time and the close time (which the totals write).
    k_keep1: Constant<Bits<LINE_BITS>>,
    f_valid: Signal<Local, Bit>,
    f_v6: Signal<Local, Bit>,
    f_side: Signal<Local, Bit>,
    f_flags: Signal<Local, Bits<8>>,
    f_ack: Signal<Local, Bits<32>>,
    f_start: Signal<Local, Bits<32>>,
    f_end: Signal<Local, Bits<32>>,
    f_len: Signal<Local, Bits<16>>,
    f_ts: Signal<Local, Bits<64>>,
    f_tuple: Signal<Local, Bits<TUPLE_BITS>>,
    n_live: Signal<Local, Bit>,
    n_found: Signal<Local, Bit>,
    n_placed: Signal<Local, Bit>,
    n_full: Signal<Local, Bit>,
    n_late: Signal<Local, Bit>,
    rec_late: Signal<Local, Bit>,
    reuse: Signal<Local, Bit>,
    fresh: Signal<Local, Bit>,
    stepping: Signal<Local, Bit>,
    synack: Signal<Local, Bit>,
    orig_new: Signal<Local, Bit>,
    dir: Signal<Local, Bit>,
    b0: Signal<Local, Bits<LINE_BITS>>,
    b1: Signal<Local, Bits<LINE_BITS>>,
    b2: Signal<Local, Bits<LINE_BITS>>,
    new0: Signal<Local, Bits<LINE_BITS>>,
    new2: Signal<Local, Bits<LINE_BITS>>,
    rec_go: Signal<Local, Bit>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            clock: Default::default(),
            reset: Default::default(),
            session_key: Default::default(),
            bucket_bits: Default::default(),
            cap: Default::default(),
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
            out_valid: Default::default(),
            out_kind: Default::default(),
            out_flow_id: Default::default(),
            out_status: Default::default(),
            out_offset: Default::default(),
            out_skip: Default::default(),
            out_gap: Default::default(),
            out_flags: Default::default(),
            out_reason: Default::default(),
            fe_valid: Default::default(),
            fe_record: Default::default(),
            dir_refused: Default::default(),
            bad_update: Default::default(),
            mem_error: Default::default(),
            dir_m_axi_araddr: Default::default(),
            dir_m_axi_arlen: Default::default(),
            dir_m_axi_arsize: Default::default(),
            dir_m_axi_arburst: Default::default(),
            dir_m_axi_arvalid: Default::default(),
            dir_m_axi_arready: Default::default(),
            dir_m_axi_rdata: Default::default(),
            dir_m_axi_rresp: Default::default(),
            dir_m_axi_rlast: Default::default(),
            dir_m_axi_rvalid: Default::default(),
            dir_m_axi_rready: Default::default(),
            dir_m_axi_awaddr: Default::default(),
            dir_m_axi_awlen: Default::default(),
            dir_m_axi_awsize: Default::default(),
            dir_m_axi_awburst: Default::default(),
            dir_m_axi_awvalid: Default::default(),
            dir_m_axi_awready: Default::default(),
            dir_m_axi_wdata: Default::default(),
            dir_m_axi_wstrb: Default::default(),
            dir_m_axi_wlast: Default::default(),
            dir_m_axi_wvalid: Default::default(),
            dir_m_axi_wready: Default::default(),
            dir_m_axi_bresp: Default::default(),
            dir_m_axi_bvalid: Default::default(),
            dir_m_axi_bready: Default::default(),
            r0_m_axi_araddr: Default::default(),
            r0_m_axi_arlen: Default::default(),
            r0_m_axi_arsize: Default::default(),
            r0_m_axi_arburst: Default::default(),
            r0_m_axi_arvalid: Default::default(),
            r0_m_axi_arready: Default::default(),
            r0_m_axi_rdata: Default::default(),
            r0_m_axi_rresp: Default::default(),
            r0_m_axi_rlast: Default::default(),
            r0_m_axi_rvalid: Default::default(),
            r0_m_axi_rready: Default::default(),
            r0_m_axi_awaddr: Default::default(),
            r0_m_axi_awlen: Default::default(),
            r0_m_axi_awsize: Default::default(),
            r0_m_axi_awburst: Default::default(),
            r0_m_axi_awvalid: Default::default(),
            r0_m_axi_awready: Default::default(),
            r0_m_axi_wdata: Default::default(),
            r0_m_axi_wstrb: Default::default(),
            r0_m_axi_wlast: Default::default(),
            r0_m_axi_wvalid: Default::default(),
            r0_m_axi_wready: Default::default(),
            r0_m_axi_bresp: Default::default(),
            r0_m_axi_bvalid: Default::default(),
            r0_m_axi_bready: Default::default(),
            r1_m_axi_araddr: Default::default(),
            r1_m_axi_arlen: Default::default(),
            r1_m_axi_arsize: Default::default(),
            r1_m_axi_arburst: Default::default(),
            r1_m_axi_arvalid: Default::default(),
            r1_m_axi_arready: Default::default(),
            r1_m_axi_rdata: Default::default(),
            r1_m_axi_rresp: Default::default(),
            r1_m_axi_rlast: Default::default(),
            r1_m_axi_rvalid: Default::default(),
            r1_m_axi_rready: Default::default(),
            r1_m_axi_awaddr: Default::default(),
            r1_m_axi_awlen: Default::default(),
            r1_m_axi_awsize: Default::default(),
            r1_m_axi_awburst: Default::default(),
            r1_m_axi_awvalid: Default::default(),
            r1_m_axi_awready: Default::default(),
            r1_m_axi_wdata: Default::default(),
            r1_m_axi_wstrb: Default::default(),
            r1_m_axi_wlast: Default::default(),
            r1_m_axi_wvalid: Default::default(),
            r1_m_axi_wready: Default::default(),
            r1_m_axi_bresp: Default::default(),
            r1_m_axi_bvalid: Default::default(),
            r1_m_axi_bready: Default::default(),
            r2_m_axi_araddr: Default::default(),
            r2_m_axi_arlen: Default::default(),
            r2_m_axi_arsize: Default::default(),
            r2_m_axi_arburst: Default::default(),
            r2_m_axi_arvalid: Default::default(),
            r2_m_axi_arready: Default::default(),
            r2_m_axi_rdata: Default::default(),
            r2_m_axi_rresp: Default::default(),
            r2_m_axi_rlast: Default::default(),
            r2_m_axi_rvalid: Default::default(),
            r2_m_axi_rready: Default::default(),
            r2_m_axi_awaddr: Default::default(),
            r2_m_axi_awlen: Default::default(),
            r2_m_axi_awsize: Default::default(),
            r2_m_axi_awburst: Default::default(),
            r2_m_axi_awvalid: Default::default(),
            r2_m_axi_awready: Default::default(),
            r2_m_axi_wdata: Default::default(),
            r2_m_axi_wstrb: Default::default(),
            r2_m_axi_wlast: Default::default(),
            r2_m_axi_wvalid: Default::default(),
            r2_m_axi_wready: Default::default(),
            r2_m_axi_bresp: Default::default(),
            r2_m_axi_bvalid: Default::default(),
            r2_m_axi_bready: Default::default(),
            sess_key: Default::default(),
            directory: Default::default(),
            rec0: Default::default(),
            rec1: Default::default(),
            rec2: Default::default(),
            step: Default::default(),
            totals: Default::default(),
            flowend: Default::default(),
            facts: Default::default(),
            notes: Default::default(),
            cycle: Default::default(),
            ids: Default::default(),
            o_valid: Default::default(),
            o_kind: Default::default(),
            o_flow_id: Default::default(),
            o_status: Default::default(),
            o_offset: Default::default(),
            o_skip: Default::default(),
            o_gap: Default::default(),
            o_flags: Default::default(),
            o_reason: Default::default(),
            o_fe_valid: Default::default(),
            o_fe: Default::default(),
            u_valid: Default::default(),
            u_line0: Default::default(),
            u_line1: Default::default(),
            u_line2: Default::default(),
            k_dir: Constant::new(u64::from(LOOKUP_CYCLES).to_bits()),
            k_back: Constant::new(u64::from(LOOKUP_CYCLES + RECORD_CYCLES - 1).to_bits()),
            k_open: Constant::new(u64::from(OP_OPEN).to_bits()),
            k_find: Constant::new(u64::from(OP_FIND).to_bits()),
            k_fallback: Constant::new((Status::Fallback as u64).to_bits()),
            k_table_full: Constant::new((Fallback::TableFull as u64).to_bits()),
            k_reused: Constant::new((End::Reused as u64).to_bits()),
            k_keep1: Constant::new(keep_beat1()),
            f_valid: Default::default(),
            f_v6: Default::default(),
            f_side: Default::default(),
            f_flags: Default::default(),
            f_ack: Default::default(),
            f_start: Default::default(),
            f_end: Default::default(),
            f_len: Default::default(),
            f_ts: Default::default(),
            f_tuple: Default::default(),
            n_live: Default::default(),
            n_found: Default::default(),
            n_placed: Default::default(),
            n_full: Default::default(),
            n_late: Default::default(),
            rec_late: Default::default(),
            reuse: Default::default(),
            fresh: Default::default(),
            stepping: Default::default(),
            synack: Default::default(),
            orig_new: Default::default(),
            dir: Default::default(),
            b0: Default::default(),
            b1: Default::default(),
            b2: Default::default(),
            new0: Default::default(),
            new2: Default::default(),
            rec_go: Default::default(),
        }
    }
}

/// Beat 1's bits the totals do not write: all but `LAST_NS` and `CLOSED_AT`.
fn keep_beat1() -> Bits<LINE_BITS> {
    let mut b = Bits::<LINE_BITS>::mask();
    for f in [session::LAST_NS, session::CLOSED_AT] {
        for i in f.lsb..f.lsb + f.width {
            b = b.replace_bit(i, false);
        }
    }
    b
}

impl Logic for Engine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, cycle, ids, o_valid, o_kind, o_flow_id, o_status, o_offset, o_skip, o_gap,
            o_flags, o_reason, o_fe_valid, o_fe, u_valid, u_line0, u_line1, u_line2
        );
        self.cycle.d.next = self.cycle.q.val() + 1;
        self.directory.clock.next = self.clock.val();
        self.directory.reset.next = self.reset.val();
        self.rec0.clock.next = self.clock.val();
        self.rec0.reset.next = self.reset.val();
        self.rec1.clock.next = self.clock.val();
        self.rec1.reset.next = self.reset.val();
        self.rec2.clock.next = self.clock.val();
        self.rec2.reset.next = self.reset.val();
        self.facts.write_clock.next = self.clock.val();
        self.facts.read_clock.next = self.clock.val();
        self.notes.write_clock.next = self.clock.val();
        self.notes.read_clock.next = self.clock.val();
        self.dir_m_axi_araddr.next = self.directory.m_axi_araddr.val();
        self.dir_m_axi_arlen.next = self.directory.m_axi_arlen.val();
        self.dir_m_axi_arsize.next = self.directory.m_axi_arsize.val();
        self.dir_m_axi_arburst.next = self.directory.m_axi_arburst.val();
        self.dir_m_axi_arvalid.next = self.directory.m_axi_arvalid.val();
        self.directory.m_axi_arready.next = self.dir_m_axi_arready.val();
        self.directory.m_axi_rdata.next = self.dir_m_axi_rdata.val();
        self.directory.m_axi_rresp.next = self.dir_m_axi_rresp.val();
        self.directory.m_axi_rlast.next = self.dir_m_axi_rlast.val();
        self.directory.m_axi_rvalid.next = self.dir_m_axi_rvalid.val();
        self.dir_m_axi_rready.next = self.directory.m_axi_rready.val();
        self.dir_m_axi_awaddr.next = self.directory.m_axi_awaddr.val();
        self.dir_m_axi_awlen.next = self.directory.m_axi_awlen.val();
        self.dir_m_axi_awsize.next = self.directory.m_axi_awsize.val();
        self.dir_m_axi_awburst.next = self.directory.m_axi_awburst.val();
        self.dir_m_axi_awvalid.next = self.directory.m_axi_awvalid.val();
        self.directory.m_axi_awready.next = self.dir_m_axi_awready.val();
        self.dir_m_axi_wdata.next = self.directory.m_axi_wdata.val();
        self.dir_m_axi_wstrb.next = self.directory.m_axi_wstrb.val();
        self.dir_m_axi_wlast.next = self.directory.m_axi_wlast.val();
        self.dir_m_axi_wvalid.next = self.directory.m_axi_wvalid.val();
        self.directory.m_axi_wready.next = self.dir_m_axi_wready.val();
        self.directory.m_axi_bresp.next = self.dir_m_axi_bresp.val();
        self.directory.m_axi_bvalid.next = self.dir_m_axi_bvalid.val();
        self.dir_m_axi_bready.next = self.directory.m_axi_bready.val();
        self.r0_m_axi_araddr.next = self.rec0.m_axi_araddr.val();
        self.r0_m_axi_arlen.next = self.rec0.m_axi_arlen.val();
        self.r0_m_axi_arsize.next = self.rec0.m_axi_arsize.val();
        self.r0_m_axi_arburst.next = self.rec0.m_axi_arburst.val();
        self.r0_m_axi_arvalid.next = self.rec0.m_axi_arvalid.val();
        self.rec0.m_axi_arready.next = self.r0_m_axi_arready.val();
        self.rec0.m_axi_rdata.next = self.r0_m_axi_rdata.val();
        self.rec0.m_axi_rresp.next = self.r0_m_axi_rresp.val();
        self.rec0.m_axi_rlast.next = self.r0_m_axi_rlast.val();
        self.rec0.m_axi_rvalid.next = self.r0_m_axi_rvalid.val();
        self.r0_m_axi_rready.next = self.rec0.m_axi_rready.val();
        self.r0_m_axi_awaddr.next = self.rec0.m_axi_awaddr.val();
        self.r0_m_axi_awlen.next = self.rec0.m_axi_awlen.val();
        self.r0_m_axi_awsize.next = self.rec0.m_axi_awsize.val();
        self.r0_m_axi_awburst.next = self.rec0.m_axi_awburst.val();
        self.r0_m_axi_awvalid.next = self.rec0.m_axi_awvalid.val();
        self.rec0.m_axi_awready.next = self.r0_m_axi_awready.val();
        self.r0_m_axi_wdata.next = self.rec0.m_axi_wdata.val();
        self.r0_m_axi_wstrb.next = self.rec0.m_axi_wstrb.val();
        self.r0_m_axi_wlast.next = self.rec0.m_axi_wlast.val();
        self.r0_m_axi_wvalid.next = self.rec0.m_axi_wvalid.val();
        self.rec0.m_axi_wready.next = self.r0_m_axi_wready.val();
        self.rec0.m_axi_bresp.next = self.r0_m_axi_bresp.val();
        self.rec0.m_axi_bvalid.next = self.r0_m_axi_bvalid.val();
        self.r0_m_axi_bready.next = self.rec0.m_axi_bready.val();
        self.r1_m_axi_araddr.next = self.rec1.m_axi_araddr.val();
        self.r1_m_axi_arlen.next = self.rec1.m_axi_arlen.val();
        self.r1_m_axi_arsize.next = self.rec1.m_axi_arsize.val();
        self.r1_m_axi_arburst.next = self.rec1.m_axi_arburst.val();
        self.r1_m_axi_arvalid.next = self.rec1.m_axi_arvalid.val();
        self.rec1.m_axi_arready.next = self.r1_m_axi_arready.val();
        self.rec1.m_axi_rdata.next = self.r1_m_axi_rdata.val();
        self.rec1.m_axi_rresp.next = self.r1_m_axi_rresp.val();
        self.rec1.m_axi_rlast.next = self.r1_m_axi_rlast.val();
        self.rec1.m_axi_rvalid.next = self.r1_m_axi_rvalid.val();
        self.r1_m_axi_rready.next = self.rec1.m_axi_rready.val();
        self.r1_m_axi_awaddr.next = self.rec1.m_axi_awaddr.val();
        self.r1_m_axi_awlen.next = self.rec1.m_axi_awlen.val();
        self.r1_m_axi_awsize.next = self.rec1.m_axi_awsize.val();
        self.r1_m_axi_awburst.next = self.rec1.m_axi_awburst.val();
        self.r1_m_axi_awvalid.next = self.rec1.m_axi_awvalid.val();
        self.rec1.m_axi_awready.next = self.r1_m_axi_awready.val();
        self.r1_m_axi_wdata.next = self.rec1.m_axi_wdata.val();
        self.r1_m_axi_wstrb.next = self.rec1.m_axi_wstrb.val();
        self.r1_m_axi_wlast.next = self.rec1.m_axi_wlast.val();
        self.r1_m_axi_wvalid.next = self.rec1.m_axi_wvalid.val();
        self.rec1.m_axi_wready.next = self.r1_m_axi_wready.val();
        self.rec1.m_axi_bresp.next = self.r1_m_axi_bresp.val();
        self.rec1.m_axi_bvalid.next = self.r1_m_axi_bvalid.val();
        self.r1_m_axi_bready.next = self.rec1.m_axi_bready.val();
        self.r2_m_axi_araddr.next = self.rec2.m_axi_araddr.val();
        self.r2_m_axi_arlen.next = self.rec2.m_axi_arlen.val();
        self.r2_m_axi_arsize.next = self.rec2.m_axi_arsize.val();
        self.r2_m_axi_arburst.next = self.rec2.m_axi_arburst.val();
        self.r2_m_axi_arvalid.next = self.rec2.m_axi_arvalid.val();
        self.rec2.m_axi_arready.next = self.r2_m_axi_arready.val();
        self.rec2.m_axi_rdata.next = self.r2_m_axi_rdata.val();
        self.rec2.m_axi_rresp.next = self.r2_m_axi_rresp.val();
        self.rec2.m_axi_rlast.next = self.r2_m_axi_rlast.val();
        self.rec2.m_axi_rvalid.next = self.r2_m_axi_rvalid.val();
        self.r2_m_axi_rready.next = self.rec2.m_axi_rready.val();
        self.r2_m_axi_awaddr.next = self.rec2.m_axi_awaddr.val();
        self.r2_m_axi_awlen.next = self.rec2.m_axi_awlen.val();
        self.r2_m_axi_awsize.next = self.rec2.m_axi_awsize.val();
        self.r2_m_axi_awburst.next = self.rec2.m_axi_awburst.val();
        self.r2_m_axi_awvalid.next = self.rec2.m_axi_awvalid.val();
        self.rec2.m_axi_awready.next = self.r2_m_axi_awready.val();
        self.r2_m_axi_wdata.next = self.rec2.m_axi_wdata.val();
        self.r2_m_axi_wstrb.next = self.rec2.m_axi_wstrb.val();
        self.r2_m_axi_wlast.next = self.rec2.m_axi_wlast.val();
        self.r2_m_axi_wvalid.next = self.rec2.m_axi_wvalid.val();
        self.rec2.m_axi_wready.next = self.r2_m_axi_wready.val();
        self.rec2.m_axi_bresp.next = self.r2_m_axi_bresp.val();
        self.rec2.m_axi_bvalid.next = self.r2_m_axi_bvalid.val();
        self.r2_m_axi_bready.next = self.rec2.m_axi_bready.val();

        // ---- cycle t: the directory request; the facts into the ring at slot t.
        self.sess_key.tuple.next = self.req_tuple.val();
        self.sess_key.v6.next = self.req_v6.val();
        self.sess_key.key.next = self.session_key.val();
        self.sess_key.bucket_bits.next = self.bucket_bits.val();
        self.directory.req_valid.next = self.req_valid.val();
        self.directory.req_key.next = self.sess_key.way_key.val();
        self.directory.req_b1.next = self.sess_key.b1.val();
        self.directory.req_b2.next = self.sess_key.b2.val();
        // A segment with payload, SYN or FIN and no RST opens a session.
        self.directory.req_op.next = self.k_find.val();
        if ((self.req_len.val() != 0)
            | self.req_flags.val().get_bit(1)
            | self.req_flags.val().get_bit(0))
            & !self.req_flags.val().get_bit(2)
        {
            self.directory.req_op.next = self.k_open.val();
        }
        self.facts.write_enable.next = true;
        self.facts.write_address.next = self.cycle.q.val();
        self.facts.write_data.next = bit_cast::<FACTS_BITS, 1>(self.req_valid.val().into())
            | (bit_cast::<FACTS_BITS, 1>(self.req_v6.val().into()) << 1)
            | (bit_cast::<FACTS_BITS, 1>(self.req_side.val().into()) << 2)
            | (bit_cast::<FACTS_BITS, 8>(self.req_flags.val()) << 3)
            | (bit_cast::<FACTS_BITS, 32>(self.req_ack.val()) << 11)
            | (bit_cast::<FACTS_BITS, 32>(self.req_start.val()) << 43)
            | (bit_cast::<FACTS_BITS, 32>(self.req_end.val()) << 75)
            | (bit_cast::<FACTS_BITS, 16>(self.req_len.val()) << 107)
            | (bit_cast::<FACTS_BITS, 64>(self.req_ts.val()) << 123)
            | (bit_cast::<FACTS_BITS, TUPLE_BITS>(self.req_tuple.val()) << 187);

        // ---- t + 128: the directory's answer; the record requests; the answer noted.
        self.rec_go.next = self.directory.res_valid.val()
            & !self.directory.res_late.val()
            & (self.directory.res_found.val() | self.directory.res_placed.val());
        self.rec0.req_valid.next = self.rec_go.val();
        self.rec0.req_index.next =
            (bit_cast::<INDEX_BITS, BUCKET_BITS>(self.directory.res_bucket.val()) << 2)
                | bit_cast::<INDEX_BITS, 2>(self.directory.res_way.val());
        self.rec0.req_read.next = self.directory.res_found.val();
        self.rec0.req_tag.next =
            bit_cast::<TAG_BITS, SLOT_BITS>(self.cycle.q.val() - self.k_dir.val());
        self.rec1.req_valid.next = self.rec_go.val();
        self.rec1.req_index.next = self.rec0.req_index.val();
        self.rec1.req_read.next = self.directory.res_found.val();
        self.rec1.req_tag.next = self.rec0.req_tag.val();
        self.rec2.req_valid.next = self.rec_go.val();
        self.rec2.req_index.next = self.rec0.req_index.val();
        self.rec2.req_read.next = self.directory.res_found.val();
        self.rec2.req_tag.next = self.rec0.req_tag.val();
        self.notes.write_enable.next = true;
        self.notes.write_address.next = self.cycle.q.val() - self.k_dir.val();
        self.notes.write_data.next =
            bit_cast::<NOTE_BITS, 1>(self.directory.res_valid.val().into())
                | (bit_cast::<NOTE_BITS, 1>(self.directory.res_found.val().into()) << 1)
                | (bit_cast::<NOTE_BITS, 1>(self.directory.res_placed.val().into()) << 2)
                | (bit_cast::<NOTE_BITS, 1>(self.directory.res_full.val().into()) << 3)
                | (bit_cast::<NOTE_BITS, 1>(self.directory.res_late.val().into()) << 4)
                | (bit_cast::<NOTE_BITS, BUCKET_BITS>(self.directory.res_bucket.val()) << 5)
                | (bit_cast::<NOTE_BITS, 2>(self.directory.res_way.val()) << 23);

        // ---- t + 256: facts and note of slot t read back as the record's beats arrive.
        self.facts.read_address.next = self.cycle.q.val() - self.k_back.val();
        self.notes.read_address.next = self.cycle.q.val() - self.k_back.val();
        self.f_valid.next = self.facts.read_data.val().get_bit(0);
        self.f_v6.next = self.facts.read_data.val().get_bit(1);
        self.f_side.next = self.facts.read_data.val().get_bit(2);
        self.f_flags.next = self.facts.read_data.val().get_bits::<8>(3);
        self.f_ack.next = self.facts.read_data.val().get_bits::<32>(11);
        self.f_start.next = self.facts.read_data.val().get_bits::<32>(43);
        self.f_end.next = self.facts.read_data.val().get_bits::<32>(75);
        self.f_len.next = self.facts.read_data.val().get_bits::<16>(107);
        self.f_ts.next = self.facts.read_data.val().get_bits::<64>(123);
        self.f_tuple.next = self.facts.read_data.val().get_bits::<TUPLE_BITS>(187);
        self.n_live.next = self.notes.read_data.val().get_bit(0);
        self.n_found.next = self.notes.read_data.val().get_bit(1);
        self.n_placed.next = self.notes.read_data.val().get_bit(2);
        self.n_full.next = self.notes.read_data.val().get_bit(3);
        self.n_late.next = self.notes.read_data.val().get_bit(4);
        self.rec_late.next = !self.rec0.ans_valid.val()
            | self.rec0.ans_late.val()
            | self.rec1.ans_late.val()
            | self.rec2.ans_late.val()
            | !self.rec0.ans_room.val()
            | !self.rec1.ans_room.val()
            | !self.rec2.ans_room.val();
        self.synack.next = self.f_flags.val().get_bit(1) & self.f_flags.val().get_bit(4);
        self.orig_new.next = self.f_side.val() ^ self.synack.val();
        // A SYN (not an answer, not an RST) on a closed session reuses its way.
        self.reuse.next = self.n_found.val()
            & self.f_flags.val().get_bit(1)
            & !self.f_flags.val().get_bit(4)
            & !self.f_flags.val().get_bit(2)
            & self.rec0.ans_line.val().get_bit(255);
        self.fresh.next = self.n_placed.val() | self.reuse.val();
        self.stepping.next = self.f_valid.val()
            & self.n_live.val()
            & !self.n_late.val()
            & (self.n_found.val() | self.n_placed.val())
            & !self.rec_late.val();
        self.b0.next = self.rec0.ans_line.val();
        self.b1.next = self.rec1.ans_line.val();
        self.b2.next = self.rec2.ans_line.val();
        if self.fresh.val() {
            self.b0.next = bit_cast::<LINE_BITS, 1>(self.orig_new.val().into()) << 509;
            self.b1.next = bit_cast::<LINE_BITS, 64>(self.ids.q.val() + 1)
                | (bit_cast::<LINE_BITS, 64>(self.f_ts.val()) << 64)
                | (bit_cast::<LINE_BITS, 64>(self.f_ts.val()) << 128)
                | (bit_cast::<LINE_BITS, 1>(self.f_v6.val().into()) << 224);
            self.b2.next = 0.into();
        }
        // The frame's direction: the sender against the originator's side.
        self.dir.next = self.f_side.val() ^ self.b0.val().get_bit(509);
        self.step.own_next.next = self.b0.val().get_bits::<32>(0);
        self.step.peer_next.next = self.b0.val().get_bits::<32>(256);
        self.step.own_off.next = self.b0.val().get_bits::<48>(32);
        self.step.peer_off.next = self.b0.val().get_bits::<48>(288);
        self.step.own_acked.next = self.b0.val().get_bits::<32>(80);
        self.step.peer_acked.next = self.b0.val().get_bits::<32>(336);
        self.step.own_block_start.next = self.b0.val().get_bits::<32>(112);
        self.step.peer_block_start.next = self.b0.val().get_bits::<32>(368);
        self.step.own_block_end.next = self.b0.val().get_bits::<32>(144);
        self.step.peer_block_end.next = self.b0.val().get_bits::<32>(400);
        self.step.own_block_since.next = self.b0.val().get_bits::<32>(176);
        self.step.own_held_head.next = self.b0.val().get_bits::<20>(208);
        self.step.own_held_tail.next = self.b0.val().get_bits::<20>(228);
        self.step.own_init.next = self.b0.val().get_bit(248);
        self.step.peer_init.next = self.b0.val().get_bit(504);
        self.step.own_fin.next = self.b0.val().get_bit(249);
        self.step.peer_fin.next = self.b0.val().get_bit(505);
        self.step.own_acked_valid.next = self.b0.val().get_bit(250);
        self.step.peer_acked_valid.next = self.b0.val().get_bit(506);
        self.step.own_block_valid.next = self.b0.val().get_bit(251);
        self.step.peer_block_valid.next = self.b0.val().get_bit(507);
        self.step.own_block_fin.next = self.b0.val().get_bit(252);
        self.step.peer_block_fin.next = self.b0.val().get_bit(508);
        if self.dir.val() {
            self.step.own_next.next = self.b0.val().get_bits::<32>(256);
            self.step.peer_next.next = self.b0.val().get_bits::<32>(0);
            self.step.own_off.next = self.b0.val().get_bits::<48>(288);
            self.step.peer_off.next = self.b0.val().get_bits::<48>(32);
            self.step.own_acked.next = self.b0.val().get_bits::<32>(336);
            self.step.peer_acked.next = self.b0.val().get_bits::<32>(80);
            self.step.own_block_start.next = self.b0.val().get_bits::<32>(368);
            self.step.peer_block_start.next = self.b0.val().get_bits::<32>(112);
            self.step.own_block_end.next = self.b0.val().get_bits::<32>(400);
            self.step.peer_block_end.next = self.b0.val().get_bits::<32>(144);
            self.step.own_block_since.next = self.b0.val().get_bits::<32>(432);
            self.step.own_held_head.next = self.b0.val().get_bits::<20>(464);
            self.step.own_held_tail.next = self.b0.val().get_bits::<20>(484);
            self.step.own_init.next = self.b0.val().get_bit(504);
            self.step.peer_init.next = self.b0.val().get_bit(248);
            self.step.own_fin.next = self.b0.val().get_bit(505);
            self.step.peer_fin.next = self.b0.val().get_bit(249);
            self.step.own_acked_valid.next = self.b0.val().get_bit(506);
            self.step.peer_acked_valid.next = self.b0.val().get_bit(250);
            self.step.own_block_valid.next = self.b0.val().get_bit(507);
            self.step.peer_block_valid.next = self.b0.val().get_bit(251);
            self.step.own_block_fin.next = self.b0.val().get_bit(508);
            self.step.peer_block_fin.next = self.b0.val().get_bit(252);
        }
        self.step.fallback.next = self.b0.val().get_bits::<2>(253);
        self.step.closed.next = self.b0.val().get_bit(255);
        self.step.tcp_flags.next = self.f_flags.val();
        self.step.ack.next = self.f_ack.val();
        self.step.seg_start.next = self.f_start.val();
        self.step.seg_end.next = self.f_end.val();
        self.step.len.next = self.f_len.val();
        self.step.tick.next = self.f_ts.val().get_bits::<32>(10);
        self.step.inconsistent.next = false;
        self.step.responder.next = self.dir.val();
        self.step.slot_ok.next = false;
        self.step.slot.next = 0.into();
        self.step.room_never.next = true;
        self.step.cap.next = self.cap.val();
        self.totals.ts.next = self.f_ts.val();
        self.totals.tick.next = self.f_ts.val().get_bits::<32>(10);
        self.totals.closed_now.next = self.step.closed_now.val();
        self.totals.need_room.next = self.step.need_room.val();
        self.totals.last_ns.next = self.b1.val().get_bits::<64>(128);
        self.totals.closed_at.next = self.b1.val().get_bits::<32>(192);
        self.totals.own_delivered.next = self.b2.val().get_bits::<64>(0);
        self.totals.own_missed.next = self.b2.val().get_bits::<64>(64);
        self.totals.own_gaps.next = self.b2.val().get_bits::<32>(128);
        self.totals.own_retransmissions.next = self.b2.val().get_bits::<32>(160);
        self.totals.own_inconsistent.next = self.b2.val().get_bits::<32>(192);
        self.totals.own_frames.next = self.b2.val().get_bits::<32>(224);
        self.totals.peer_delivered.next = self.b2.val().get_bits::<64>(256);
        self.totals.peer_missed.next = self.b2.val().get_bits::<64>(320);
        self.totals.peer_gaps.next = self.b2.val().get_bits::<32>(384);
        if self.dir.val() {
            self.totals.own_delivered.next = self.b2.val().get_bits::<64>(256);
            self.totals.own_missed.next = self.b2.val().get_bits::<64>(320);
            self.totals.own_gaps.next = self.b2.val().get_bits::<32>(384);
            self.totals.own_retransmissions.next = self.b2.val().get_bits::<32>(416);
            self.totals.own_inconsistent.next = self.b2.val().get_bits::<32>(448);
            self.totals.own_frames.next = self.b2.val().get_bits::<32>(480);
            self.totals.peer_delivered.next = self.b2.val().get_bits::<64>(0);
            self.totals.peer_missed.next = self.b2.val().get_bits::<64>(64);
            self.totals.peer_gaps.next = self.b2.val().get_bits::<32>(128);
        }
        self.totals.d_own_delivered.next = self.step.own_delivered.val();
        self.totals.d_own_missed.next = self.step.own_missed.val();
        self.totals.d_own_gaps.next = self.step.own_gaps.val();
        self.totals.d_own_retransmission.next = self.step.own_retransmission.val();
        self.totals.d_inconsistent.next = self.step.inconsistent_counted.val();
        self.totals.d_peer_delivered.next = self.step.peer_delivered.val();
        self.totals.d_peer_missed.next = self.step.peer_missed.val();
        self.totals.d_peer_gap.next = self.step.peer_gap.val();
        self.new0.next = bit_cast::<512, 32>(self.step.own_next_w.val())
            | (bit_cast::<512, 48>(self.step.own_off_w.val()) << 32)
            | (bit_cast::<512, 32>(self.step.own_acked_w.val()) << 80)
            | (bit_cast::<512, 32>(self.step.own_block_start_w.val()) << 112)
            | (bit_cast::<512, 32>(self.step.own_block_end_w.val()) << 144)
            | (bit_cast::<512, 32>(self.step.own_block_since_w.val()) << 176)
            | (bit_cast::<512, 20>(self.step.own_held_head_w.val()) << 208)
            | (bit_cast::<512, 20>(self.step.own_held_tail_w.val()) << 228)
            | (bit_cast::<512, 1>(self.step.own_init_w.val().into()) << 248)
            | (bit_cast::<512, 1>(self.step.own_fin_w.val().into()) << 249)
            | (bit_cast::<512, 1>(self.step.own_acked_valid_w.val().into()) << 250)
            | (bit_cast::<512, 1>(self.step.own_block_valid_w.val().into()) << 251)
            | (bit_cast::<512, 1>(self.step.own_block_fin_w.val().into()) << 252)
            | (bit_cast::<512, 32>(self.step.peer_next_w.val()) << 256)
            | (bit_cast::<512, 48>(self.step.peer_off_w.val()) << 288)
            | (bit_cast::<512, 32>(self.step.peer_acked_w.val()) << 336)
            | (bit_cast::<512, 32>(self.b0.val().get_bits::<32>(368)) << 368)
            | (bit_cast::<512, 32>(self.b0.val().get_bits::<32>(400)) << 400)
            | (bit_cast::<512, 32>(self.b0.val().get_bits::<32>(432)) << 432)
            | (bit_cast::<512, 20>(self.b0.val().get_bits::<20>(464)) << 464)
            | (bit_cast::<512, 20>(self.b0.val().get_bits::<20>(484)) << 484)
            | (bit_cast::<512, 1>(self.step.peer_init_w.val().into()) << 504)
            | (bit_cast::<512, 1>(self.step.peer_fin_w.val().into()) << 505)
            | (bit_cast::<512, 1>(self.step.peer_acked_valid_w.val().into()) << 506)
            | (bit_cast::<512, 1>(self.step.peer_block_valid_w.val().into()) << 507)
            | (bit_cast::<512, 1>(self.step.peer_block_fin_w.val().into()) << 508)
            | (bit_cast::<512, 2>(self.step.fallback_w.val()) << 253)
            | (bit_cast::<512, 1>(self.step.closed_w.val().into()) << 255)
            | (bit_cast::<512, 1>(self.b0.val().get_bit(509).into()) << 509);
        if self.dir.val() {
            self.new0.next = (bit_cast::<512, 32>(self.step.own_next_w.val()) << 256)
                | (bit_cast::<512, 48>(self.step.own_off_w.val()) << 288)
                | (bit_cast::<512, 32>(self.step.own_acked_w.val()) << 336)
                | (bit_cast::<512, 32>(self.step.own_block_start_w.val()) << 368)
                | (bit_cast::<512, 32>(self.step.own_block_end_w.val()) << 400)
                | (bit_cast::<512, 32>(self.step.own_block_since_w.val()) << 432)
                | (bit_cast::<512, 20>(self.step.own_held_head_w.val()) << 464)
                | (bit_cast::<512, 20>(self.step.own_held_tail_w.val()) << 484)
                | (bit_cast::<512, 1>(self.step.own_init_w.val().into()) << 504)
                | (bit_cast::<512, 1>(self.step.own_fin_w.val().into()) << 505)
                | (bit_cast::<512, 1>(self.step.own_acked_valid_w.val().into()) << 506)
                | (bit_cast::<512, 1>(self.step.own_block_valid_w.val().into()) << 507)
                | (bit_cast::<512, 1>(self.step.own_block_fin_w.val().into()) << 508)
                | bit_cast::<512, 32>(self.step.peer_next_w.val())
                | (bit_cast::<512, 48>(self.step.peer_off_w.val()) << 32)
                | (bit_cast::<512, 32>(self.step.peer_acked_w.val()) << 80)
                | (bit_cast::<512, 32>(self.b0.val().get_bits::<32>(112)) << 112)
                | (bit_cast::<512, 32>(self.b0.val().get_bits::<32>(144)) << 144)
                | (bit_cast::<512, 32>(self.b0.val().get_bits::<32>(176)) << 176)
                | (bit_cast::<512, 20>(self.b0.val().get_bits::<20>(208)) << 208)
                | (bit_cast::<512, 20>(self.b0.val().get_bits::<20>(228)) << 228)
                | (bit_cast::<512, 1>(self.step.peer_init_w.val().into()) << 248)
                | (bit_cast::<512, 1>(self.step.peer_fin_w.val().into()) << 249)
                | (bit_cast::<512, 1>(self.step.peer_acked_valid_w.val().into()) << 250)
                | (bit_cast::<512, 1>(self.step.peer_block_valid_w.val().into()) << 251)
                | (bit_cast::<512, 1>(self.step.peer_block_fin_w.val().into()) << 252)
                | (bit_cast::<512, 2>(self.step.fallback_w.val()) << 253)
                | (bit_cast::<512, 1>(self.step.closed_w.val().into()) << 255)
                | (bit_cast::<512, 1>(self.b0.val().get_bit(509).into()) << 509);
        }
        self.new2.next = bit_cast::<512, 64>(self.totals.own_delivered_w.val())
            | (bit_cast::<512, 64>(self.totals.own_missed_w.val()) << 64)
            | (bit_cast::<512, 32>(self.totals.own_gaps_w.val()) << 128)
            | (bit_cast::<512, 32>(self.totals.own_retransmissions_w.val()) << 160)
            | (bit_cast::<512, 32>(self.totals.own_inconsistent_w.val()) << 192)
            | (bit_cast::<512, 32>(self.totals.own_frames_w.val()) << 224)
            | (bit_cast::<512, 64>(self.totals.peer_delivered_w.val()) << 256)
            | (bit_cast::<512, 64>(self.totals.peer_missed_w.val()) << 320)
            | (bit_cast::<512, 32>(self.totals.peer_gaps_w.val()) << 384)
            | (bit_cast::<512, 32>(self.b2.val().get_bits::<32>(416)) << 416)
            | (bit_cast::<512, 32>(self.b2.val().get_bits::<32>(448)) << 448)
            | (bit_cast::<512, 32>(self.b2.val().get_bits::<32>(480)) << 480);
        if self.dir.val() {
            self.new2.next = (bit_cast::<512, 64>(self.totals.own_delivered_w.val()) << 256)
                | (bit_cast::<512, 64>(self.totals.own_missed_w.val()) << 320)
                | (bit_cast::<512, 32>(self.totals.own_gaps_w.val()) << 384)
                | (bit_cast::<512, 32>(self.totals.own_retransmissions_w.val()) << 416)
                | (bit_cast::<512, 32>(self.totals.own_inconsistent_w.val()) << 448)
                | (bit_cast::<512, 32>(self.totals.own_frames_w.val()) << 480)
                | bit_cast::<512, 64>(self.totals.peer_delivered_w.val())
                | (bit_cast::<512, 64>(self.totals.peer_missed_w.val()) << 64)
                | (bit_cast::<512, 32>(self.totals.peer_gaps_w.val()) << 128)
                | (bit_cast::<512, 32>(self.b2.val().get_bits::<32>(160)) << 160)
                | (bit_cast::<512, 32>(self.b2.val().get_bits::<32>(192)) << 192)
                | (bit_cast::<512, 32>(self.b2.val().get_bits::<32>(224)) << 224);
        }
        // The old record's flow-end, when a SYN reuses it.
        self.flowend.o_next.next = self.rec0.ans_line.val().get_bits::<32>(0);
        self.flowend.o_acked.next = self.rec0.ans_line.val().get_bits::<32>(80);
        self.flowend.o_init.next = self.rec0.ans_line.val().get_bit(248);
        self.flowend.o_fin.next = self.rec0.ans_line.val().get_bit(249);
        self.flowend.o_acked_valid.next = self.rec0.ans_line.val().get_bit(250);
        self.flowend.o_delivered.next = self.rec2.ans_line.val().get_bits::<64>(0);
        self.flowend.o_missed.next = self.rec2.ans_line.val().get_bits::<64>(64);
        self.flowend.o_gaps.next = self.rec2.ans_line.val().get_bits::<32>(128);
        self.flowend.o_retransmissions.next = self.rec2.ans_line.val().get_bits::<32>(160);
        self.flowend.o_inconsistent.next = self.rec2.ans_line.val().get_bits::<32>(192);
        self.flowend.o_frames.next = self.rec2.ans_line.val().get_bits::<32>(224);
        self.flowend.r_next.next = self.rec0.ans_line.val().get_bits::<32>(256);
        self.flowend.r_acked.next = self.rec0.ans_line.val().get_bits::<32>(336);
        self.flowend.r_init.next = self.rec0.ans_line.val().get_bit(504);
        self.flowend.r_fin.next = self.rec0.ans_line.val().get_bit(505);
        self.flowend.r_acked_valid.next = self.rec0.ans_line.val().get_bit(506);
        self.flowend.r_delivered.next = self.rec2.ans_line.val().get_bits::<64>(256);
        self.flowend.r_missed.next = self.rec2.ans_line.val().get_bits::<64>(320);
        self.flowend.r_gaps.next = self.rec2.ans_line.val().get_bits::<32>(384);
        self.flowend.r_retransmissions.next = self.rec2.ans_line.val().get_bits::<32>(416);
        self.flowend.r_inconsistent.next = self.rec2.ans_line.val().get_bits::<32>(448);
        self.flowend.r_frames.next = self.rec2.ans_line.val().get_bits::<32>(480);
        self.flowend.flow_id.next = self.rec1.ans_line.val().get_bits::<64>(0);
        self.flowend.first_ns.next = self.rec1.ans_line.val().get_bits::<64>(64);
        self.flowend.last_ns.next = self.rec1.ans_line.val().get_bits::<64>(128);
        self.flowend.fallback.next = self.rec0.ans_line.val().get_bits::<2>(253);
        self.flowend.orig_side.next = self.rec0.ans_line.val().get_bit(509);
        self.flowend.v6.next = self.f_v6.val();
        self.flowend.low_addr.next = self.f_tuple.val().get_bits::<128>(160);
        self.flowend.high_addr.next = self.f_tuple.val().get_bits::<128>(32);
        self.flowend.low_port.next = self.f_tuple.val().get_bits::<16>(16);
        self.flowend.high_port.next = self.f_tuple.val().get_bits::<16>(0);
        self.flowend.end_reason.next = self.k_reused.val();

        // ---- the answer, registered: out at t + 257, the changed beats to the ports.
        self.o_valid.d.next = self.f_valid.val();
        self.o_kind.d.next = 2.into();
        self.o_flow_id.d.next = 0.into();
        self.o_status.d.next = 0.into();
        self.o_offset.d.next = 0.into();
        self.o_skip.d.next = 0.into();
        self.o_gap.d.next = 0.into();
        self.o_flags.d.next = 0.into();
        self.o_reason.d.next = 0.into();
        if self.n_live.val() & !self.n_late.val() {
            if self.n_full.val() {
                self.o_kind.d.next = 1.into();
                self.o_status.d.next = self.k_fallback.val();
                self.o_reason.d.next = self.k_table_full.val();
                self.o_flags.d.next = bit_cast::<8, 1>(self.synack.val().into());
            } else if !self.n_found.val() & !self.n_placed.val() {
                self.o_kind.d.next = 0.into();
            } else if !self.rec_late.val() {
                self.o_kind.d.next = 1.into();
                self.o_flow_id.d.next = self.b1.val().get_bits::<64>(0);
                self.o_status.d.next = self.step.status.val();
                self.o_offset.d.next = self.step.offset.val();
                self.o_skip.d.next = self.step.skip.val();
                self.o_gap.d.next = self.step.gap.val();
                self.o_flags.d.next = bit_cast::<8, 1>(self.dir.val().into())
                    | (bit_cast::<8, 1>(self.step.inconsistent_flag.val().into()) << 1);
                self.o_reason.d.next = self.step.reason.val();
            }
        }
        self.u_valid.d.next = self.stepping.val() & !self.step.need_room.val();
        self.u_line0.d.next = self.new0.val();
        self.u_line1.d.next = (self.b1.val() & self.k_keep1.val())
            | (bit_cast::<LINE_BITS, 64>(self.totals.last_ns_w.val()) << 128)
            | (bit_cast::<LINE_BITS, 32>(self.totals.closed_at_w.val()) << 192);
        self.u_line2.d.next = self.new2.val();
        self.o_fe_valid.d.next = self.stepping.val() & self.reuse.val();
        self.o_fe.d.next = self.flowend.record.val();
        self.ids.d.next = self.ids.q.val();
        if self.stepping.val() & self.fresh.val() {
            self.ids.d.next = self.ids.q.val() + 1;
        }
        if self.reset.val() {
            self.ids.d.next = 0.into();
            self.o_valid.d.next = false;
            self.o_fe_valid.d.next = false;
            self.u_valid.d.next = false;
        }
        self.rec0.upd_valid.next = self.u_valid.q.val();
        self.rec0.upd_line.next = self.u_line0.q.val();
        self.rec1.upd_valid.next = self.u_valid.q.val();
        self.rec1.upd_line.next = self.u_line1.q.val();
        self.rec2.upd_valid.next = self.u_valid.q.val();
        self.rec2.upd_line.next = self.u_line2.q.val();
        self.out_valid.next = self.o_valid.q.val();
        self.out_kind.next = self.o_kind.q.val();
        self.out_flow_id.next = self.o_flow_id.q.val();
        self.out_status.next = self.o_status.q.val();
        self.out_offset.next = self.o_offset.q.val();
        self.out_skip.next = self.o_skip.q.val();
        self.out_gap.next = self.o_gap.q.val();
        self.out_flags.next = self.o_flags.q.val();
        self.out_reason.next = self.o_reason.q.val();
        self.fe_valid.next = self.o_fe_valid.q.val();
        self.fe_record.next = self.o_fe.q.val();
        self.dir_refused.next = self.directory.refused.val();
        self.bad_update.next =
            self.rec0.bad_update.val() | self.rec1.bad_update.val() | self.rec2.bad_update.val();
        self.mem_error.next = self.directory.mem_error.val()
            | self.rec0.mem_error.val()
            | self.rec1.mem_error.val()
            | self.rec2.mem_error.val();
    }
}

/// Module name of the engine emitted alone (its Verilator test).
pub const STANDALONE_MODULE: &str = "vantage_reasm_engine";

/// The engine alone, module `STANDALONE_MODULE`; a leaf file instantiated by several wrappers is
/// defined once.
pub fn standalone_verilog() -> String {
    let mut uut = Engine::default();
    uut.connect_all();
    verilog_leaf::once(
        &verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut)),
        &[crate::widgets::line_rmw::SOURCE],
    )
}
