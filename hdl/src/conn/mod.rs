//! The conn stage (SYN offload, the paper's §2.2): holds the SYNs nobody has answered yet and
//! gives each back just before the first other frame of its connection, or marked after a
//! timeout. Behaviour: `model::conn`; rules: docs/pipeline.md ("Conn"); design:
//! docs/conn-design.md.
//!
//! ```text
//!  parse ─► (first beats) probe front ─► SynTable ─► decision line ─┐
//!  stats ─► (every beat, STATS_OFFSET cycles after parse) ──────────┴─► path: hold, release,
//!           payload store, output queue, regen queue ─► tag
//! ```
//! The table is looked up beside the stats stage, from the parse stage's first beats; its
//! results wait in the decision line for their frames to leave the stats stage. Two leaves:
//! `table` (the SYN table) and `path` (everything else).

pub mod path;
pub mod table;

use crate::slot::Slot;
use path::{ConnPath, COUNTER_BITS};
use rust_hdl::prelude::*;
use table::SynTable;

#[derive(LogicBlock, Default)]
pub struct Conn {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// conn.CONTROL bit 0 and tag.CONTROL bit 0.
    pub hold: Signal<In, Bit>,
    /// conn.TIMEOUT_NS.
    pub timeout: Signal<In, Bits<64>>,
    /// The timestamp counter, ns.
    pub now: Signal<In, Bits<64>>,
    /// One-cycle pulse on a write of 1 to conn.FLUSH.
    pub flush: Signal<In, Bit>,
    /// The parse stage's slots and packed flags (the probe).
    pub probe: Signal<In, Slot>,
    pub probe_flags: Signal<In, Bits<16>>,
    /// The stats stage's slots and flags (the frames).
    pub slot_in: Signal<In, Slot>,
    pub flags_in: Signal<In, Bits<16>>,
    /// The tag stage will be idle when a beat sent now reaches it (a regenerated SYN may go).
    pub tag_idle: Signal<In, Bit>,
    /// The stats stage is sending a report frame.
    pub report_busy: Signal<In, Bit>,
    /// The stage holds no beat and no regenerated SYN.
    pub idle: Signal<Out, Bit>,
    /// To the tag stage (only the fields it reads are set).
    pub slot_out: Signal<Out, Slot>,
    pub flags_out: Signal<Out, Bits<16>>,
    /// conn.HELD.
    pub held: Signal<Out, Bits<32>>,
    /// conn.STATUS: bit 0 flushing, bit 1 regenerated SYNs pending, bit 2 table ready.
    pub status: Signal<Out, Bits<3>>,
    /// Counters in `path::COUNTER_ORDER`.
    pub counter_words: Signal<Out, Bits<COUNTER_BITS>>,
    syn_table: SynTable,
    path: ConnPath,
}

impl Logic for Conn {
    #[hdl_gen]
    fn update(&mut self) {
        // Probe front and table.
        self.path.clock.next = self.clock.val();
        self.path.reset.next = self.reset.val();
        self.path.hold.next = self.hold.val();
        self.path.q_valid.next = self.probe.val().valid;
        self.path.q_sof.next = self.probe.val().sof;
        self.path.q_ip_ok.next = self.probe.val().ip_ok;
        self.path.q_proto.next = self.probe.val().proto;
        self.path.q_ports.next = self.probe.val().f_ports;
        self.path.q_flags.next = self.probe_flags.val();
        self.path.q_len.next = self.probe.val().len;
        self.path.q_user_end.next = self.probe.val().user_end;
        self.path.q_tcp_flags.next = self.probe.val().tcp_flags;
        self.syn_table.clock.next = self.clock.val();
        self.syn_table.reset.next = self.reset.val();
        self.syn_table.timeout.next = self.timeout.val();
        self.syn_table.now.next = self.now.val();
        self.syn_table.flush.next = self.flush.val();
        self.syn_table.room.next = self.path.room.val();
        self.syn_table.p_valid.next = self.path.p_valid.val();
        self.syn_table.p_holdable.next = self.path.p_holdable.val();
        self.syn_table.p_plain.next = self.path.p_plain.val();
        self.syn_table.p_hash.next = self.probe.val().hash;
        self.syn_table.p_v6.next = self.probe.val().f_ipv6;
        self.syn_table.p_src.next = self.probe.val().src;
        self.syn_table.p_dst.next = self.probe.val().dst;
        self.syn_table.p_sport.next = self.probe.val().sport;
        self.syn_table.p_dport.next = self.probe.val().dport;
        self.syn_table.p_seq.next = self.probe.val().tcp_seq;
        self.syn_table.p_ts.next = self.probe.val().ts;
        self.syn_table.k_valid.next = self.path.k_valid.val();
        self.syn_table.k_loc.next = self.path.k_loc.val();
        self.syn_table.k_retrans.next = self.path.k_retrans.val();
        self.syn_table.k_span.next = self.path.k_span.val();
        self.path.k_take.next = self.syn_table.k_take.val();
        self.path.k_lost.next = self.syn_table.k_lost.val();
        self.path.k_kept.next = self.syn_table.k_kept.val();
        self.path.any_kept.next = self.syn_table.any_kept.val();
        self.path.r_valid.next = self.syn_table.r_valid.val();
        self.path.r_kind.next = self.syn_table.r_kind.val();
        self.path.r_loc.next = self.syn_table.r_loc.val();
        self.path.g_valid.next = self.syn_table.g_valid.val();
        self.path.g_why.next = self.syn_table.g_why.val();
        self.path.g_loc.next = self.syn_table.g_loc.val();
        self.path.g_ts.next = self.syn_table.g_ts.val();
        self.path.g_last.next = self.syn_table.g_last.val();
        self.path.g_retrans.next = self.syn_table.g_retrans.val();
        // The frames from the stats stage.
        self.path.s_valid.next = self.slot_in.val().valid;
        self.path.s_sof.next = self.slot_in.val().sof;
        self.path.s_last.next = self.slot_in.val().last;
        self.path.s_user.next = self.slot_in.val().user;
        self.path.s_keep.next = self.slot_in.val().keep;
        self.path.s_data.next = self.slot_in.val().data;
        self.path.s_len.next = self.slot_in.val().len;
        self.path.s_fits.next = self.slot_in.val().fits;
        self.path.s_ts.next = self.slot_in.val().ts;
        self.path.s_hash.next = self.slot_in.val().hash;
        self.path.s_flags.next = self.flags_in.val();
        self.path.s_l3.next = self.slot_in.val().l3_off;
        self.path.s_proto.next = self.slot_in.val().proto;
        self.path.s_news.next = self.slot_in.val().stats_news;
        self.path.s_crossed.next = self.slot_in.val().crossed;
        self.path.s_uncounted.next = self.slot_in.val().uncounted;
        self.path.tag_idle.next = self.tag_idle.val();
        self.path.report_busy.next = self.report_busy.val();
        self.idle.next = self.path.idle.val();
        // Out to the tag stage: every field defined, the tag stage reads those set below.
        self.slot_out.next = self.slot_in.val();
        self.slot_out.next.valid = self.path.o_valid.val();
        self.slot_out.next.sof = self.path.o_sof.val();
        self.slot_out.next.last = self.path.o_last.val();
        self.slot_out.next.user = self.path.o_user.val();
        self.slot_out.next.keep = self.path.o_keep.val();
        self.slot_out.next.data = self.path.o_data.val();
        self.slot_out.next.len = self.path.o_len.val();
        self.slot_out.next.fits = self.path.o_fits.val();
        self.slot_out.next.ts = self.path.o_ts.val();
        self.slot_out.next.hash = self.path.o_hash.val();
        self.slot_out.next.l3_off = self.path.o_l3.val();
        self.slot_out.next.proto = self.path.o_proto.val();
        self.slot_out.next.stats_news = self.path.o_news.val();
        self.slot_out.next.crossed = self.path.o_crossed.val();
        self.slot_out.next.uncounted = self.path.o_uncounted.val();
        self.slot_out.next.syn = self.path.o_syn.val();
        self.slot_out.next.syn_info = self.path.o_info.val();
        self.flags_out.next = self.path.o_flags.val();
        self.held.next = self.syn_table.held.val();
        self.status.next = bit_cast::<3, 1>(self.syn_table.flushing.val().into())
            | (bit_cast::<3, 1>(self.path.pending.val().into()) << 1)
            | (bit_cast::<3, 1>(self.syn_table.ready.val().into()) << 2);
        self.counter_words.next = self.path.counters.val();
    }
}
