//! The stats stage (the paper's §2.1): per-rule matching, per-group packets and bytes in a banked
//! hash table, thresholds, and the news each frame carries to the tag stage; the history rule's
//! connection table with Zeek's history per connection. The datapath is the generated leaf in
//! `core`, the connection table the leaf in `conns` with the history unit (`hist`) beside it;
//! this module feeds them the parse slot and puts the delayed output back into a slot for the
//! tag stage.
//!
//! ```text
//!  parse ─► Stats ─────────────────── DELAY cycles later ───────────────► tag
//!           rules (regfile bus) ─► match ─► lanes ─► keys ─► hash ─► banks (RMW, forwarding)
//!                                    │                             └─► news on the first beat
//!                                    └─► history rule ─► conns ◄─► hist   records ─► reports
//! ```
//! The behaviour is `model::stats::stage`'s; docs/pipeline.md ("stats") states it.

pub mod conns;
pub mod core;
pub mod hist;

use crate::slot::Slot;
use crate::stats::conns::StatsConns;
use crate::stats::core::{StatsCore, COUNTER_BITS};
use crate::stats::hist::StatsHist;
use rust_hdl::prelude::*;
use vantage_proto::stats::ROW_BITS;
use vantage_proto::stats::{HASH_KEY_BITS, RULE_BUS_BITS};

#[derive(LogicBlock, Default)]
pub struct Stats {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// stats.CONTROL bit 0.
    pub enable: Signal<In, Bit>,
    /// stats.CONTROL bit 1.
    pub epochs_on: Signal<In, Bit>,
    /// stats.EPOCH_NS.
    pub epoch_ns: Signal<In, Bits<64>>,
    /// stats.EPOCH_START.
    pub epoch_start: Signal<In, Bits<64>>,
    /// The timestamp counter, ns.
    pub now: Signal<In, Bits<64>>,
    /// tag.ETHERTYPE.
    pub ethertype: Signal<In, Bits<16>>,
    /// The tag stage holds no beat.
    pub tag_idle: Signal<In, Bit>,
    /// Report frames (merged after the tag stage).
    pub r_valid: Signal<Out, Bit>,
    pub r_data: Signal<Out, Bits<512>>,
    pub r_last: Signal<Out, Bit>,
    /// A report frame is being sent or starts next cycle.
    pub r_busy: Signal<Out, Bit>,
    /// stats.STATUS.
    pub status: Signal<Out, Bits<32>>,
    /// stats.LANE_BITS.
    pub lane_bits: Signal<In, Bits<2>>,
    /// stats.HASH_KEY0..10, byte 0 in the top bits.
    pub hash_key: Signal<In, Bits<HASH_KEY_BITS>>,
    /// The rule table (rule r word w at bits 32*(27r+w)).
    pub rules: Signal<In, Bits<RULE_BUS_BITS>>,
    /// stats.PEEK_LOC (bank 13:12, bucket 11:0).
    pub peek_loc: Signal<In, Bits<14>>,
    /// One-cycle pulse on a write of 1 to stats.PEEK_CTL.
    pub peek_go: Signal<In, Bit>,
    /// Port the frames come in on.
    pub ingress_port: Signal<In, Bits<8>>,
    /// Slots from the parse stage.
    pub slot_in: Signal<In, Slot>,
    /// Their packed parse flags.
    pub flags_in: Signal<In, Bits<16>>,
    /// The slots, delayed, with the news on first beats (only the fields the tag stage reads).
    pub slot_out: Signal<Out, Slot>,
    /// Their parse flags.
    pub flags_out: Signal<Out, Bits<16>>,
    /// The peeked row and whether the last peek completed.
    pub peek_row: Signal<Out, Bits<ROW_BITS>>,
    pub peek_done: Signal<Out, Bit>,
    /// Counters in `core::COUNTER_ORDER`.
    pub counter_words: Signal<Out, Bits<COUNTER_BITS>>,
    /// One-cycle pulse on a write of 1 to stats.CONN_CTL: flush the connection table.
    pub conn_flush: Signal<In, Bit>,
    /// stats.CONN_STATUS (bit 0 flushing, bit 1 records pending).
    pub conn_status: Signal<Out, Bits<2>>,
    core: StatsCore,
    conns: StatsConns,
    hist: StatsHist,
}

impl Logic for Stats {
    #[hdl_gen]
    fn update(&mut self) {
        self.core.clock.next = self.clock.val();
        self.core.reset.next = self.reset.val();
        self.core.enable.next = self.enable.val();
        self.core.epochs_on.next = self.epochs_on.val();
        self.core.epoch_ns.next = self.epoch_ns.val();
        self.core.epoch_start.next = self.epoch_start.val();
        self.core.now.next = self.now.val();
        self.core.ethertype.next = self.ethertype.val();
        self.core.tag_idle.next = self.tag_idle.val();
        self.r_valid.next = self.core.r_valid.val();
        self.r_data.next = self.core.r_data.val();
        self.r_last.next = self.core.r_last.val();
        self.r_busy.next = self.core.r_busy.val();
        self.status.next = self.core.status.val();
        self.core.lane_bits.next = self.lane_bits.val();
        self.core.hash_key.next = self.hash_key.val();
        self.core.rules.next = self.rules.val();
        self.core.peek_loc.next = self.peek_loc.val();
        self.core.peek_go.next = self.peek_go.val();
        self.core.i_ingress.next = self.ingress_port.val();
        self.core.i_valid.next = self.slot_in.val().valid;
        self.core.i_sof.next = self.slot_in.val().sof;
        self.core.i_last.next = self.slot_in.val().last;
        self.core.i_user.next = self.slot_in.val().user;
        self.core.i_keep.next = self.slot_in.val().keep;
        self.core.i_data.next = self.slot_in.val().data;
        self.core.i_len.next = self.slot_in.val().len;
        self.core.i_fits.next = self.slot_in.val().fits;
        self.core.i_ts.next = self.slot_in.val().ts;
        self.core.i_hash.next = self.slot_in.val().hash;
        self.core.i_flags.next = self.flags_in.val();
        self.core.i_l3_off.next = self.slot_in.val().l3_off;
        self.core.i_proto.next = self.slot_in.val().proto;
        self.core.i_ip_ok.next = self.slot_in.val().ip_ok;
        self.core.i_ipv4.next = self.slot_in.val().f_ipv4;
        self.core.i_ipv6.next = self.slot_in.val().f_ipv6;
        self.core.i_ports.next = self.slot_in.val().f_ports;
        self.core.i_src.next = self.slot_in.val().src;
        self.core.i_dst.next = self.slot_in.val().dst;
        self.core.i_sport.next = self.slot_in.val().sport;
        self.core.i_dport.next = self.slot_in.val().dport;
        self.core.i_tcp_flags.next = self.slot_in.val().tcp_flags;
        self.core.i_tcp_seq.next = self.slot_in.val().tcp_seq;
        self.core.i_tcp_ack.next = self.slot_in.val().tcp_ack;
        self.core.i_tcp_win.next = self.slot_in.val().tcp_win;
        self.core.i_tcp_doff.next = self.slot_in.val().tcp_doff;
        self.core.i_ip_len.next = self.slot_in.val().ip_len;
        self.core.i_l4.next = self.slot_in.val().cur;
        // The connection table: requests from the core, the unit beside it, records back.
        self.conns.clock.next = self.clock.val();
        self.conns.reset.next = self.reset.val();
        self.conns.hash_key.next = self.hash_key.val();
        self.conns.now.next = self.now.val();
        self.conns.flush.next = self.conn_flush.val();
        self.conns.enable.next = self.enable.val();
        self.conns.q_valid.next = self.core.q_valid.val();
        self.conns.q_rule.next = self.core.q_rule.val();
        self.conns.q_ts.next = self.core.q_ts.val();
        self.conns.q_flags.next = self.core.q_flags.val();
        self.conns.q_l3.next = self.core.q_l3.val();
        self.conns.q_l4.next = self.core.q_l4.val();
        self.conns.q_iplen.next = self.core.q_iplen.val();
        self.conns.q_flen.next = self.core.q_flen.val();
        self.conns.q_proto.next = self.core.q_proto.val();
        self.conns.q_src.next = self.core.q_src.val();
        self.conns.q_dst.next = self.core.q_dst.val();
        self.conns.q_sport.next = self.core.q_sport.val();
        self.conns.q_dport.next = self.core.q_dport.val();
        self.conns.q_tfl.next = self.core.q_tfl.val();
        self.conns.q_seq.next = self.core.q_seq.val();
        self.conns.q_ack.next = self.core.q_ack.val();
        self.conns.q_win.next = self.core.q_win.val();
        self.conns.q_doff.next = self.core.q_doff.val();
        self.hist.clock.next = self.clock.val();
        self.hist.s_in.next = self.conns.u_s_in.val();
        self.hist.fresh.next = self.conns.u_fresh.val();
        self.hist.side.next = self.conns.u_side.val();
        self.hist.ts.next = self.conns.u_ts.val();
        self.hist.tcp.next = self.conns.u_tcp.val();
        self.hist.flags.next = self.conns.u_flags.val();
        self.hist.seq.next = self.conns.u_seq.val();
        self.hist.ack.next = self.conns.u_ack.val();
        self.hist.win.next = self.conns.u_win.val();
        self.hist.plen.next = self.conns.u_plen.val();
        self.hist.iplen.next = self.conns.u_iplen.val();
        self.hist.srv_src.next = self.conns.u_srv_src.val();
        self.hist.srv_dst.next = self.conns.u_srv_dst.val();
        self.hist.sport_lt.next = self.conns.u_sport_lt.val();
        self.hist.dst_bcast.next = self.conns.u_dst_bcast.val();
        self.conns.u_s_out.next = self.hist.s_out.val();
        self.conns.u_ended.next = self.hist.ended.val();
        self.core.conn_counters.next = self.conns.counters.val();
        self.core.c_data.next = self.conns.c_data.val();
        self.core.c_count.next = self.conns.c_count.val();
        self.core.conn_ready.next = self.conns.ready.val();
        self.conns.c_pop.next = self.core.c_pop.val();
        self.conn_status.next = self.conns.status.val();
        // Every field defined (the tag stage reads only those set below; the rest are pruned).
        self.slot_out.next = self.slot_in.val();
        self.slot_out.next.valid = self.core.o_valid.val();
        self.slot_out.next.sof = self.core.o_sof.val();
        self.slot_out.next.last = self.core.o_last.val();
        self.slot_out.next.user = self.core.o_user.val();
        self.slot_out.next.keep = self.core.o_keep.val();
        self.slot_out.next.data = self.core.o_data.val();
        self.slot_out.next.len = self.core.o_len.val();
        self.slot_out.next.fits = self.core.o_fits.val();
        self.slot_out.next.ts = self.core.o_ts.val();
        self.slot_out.next.hash = self.core.o_hash.val();
        self.slot_out.next.l3_off = self.core.o_l3_off.val();
        self.slot_out.next.proto = self.core.o_proto.val();
        self.slot_out.next.stats_news = self.core.o_news.val();
        self.slot_out.next.crossed = self.core.o_crossed.val();
        self.slot_out.next.uncounted = self.core.o_uncounted.val();
        self.flags_out.next = self.core.o_flags.val();
        self.peek_row.next = self.core.peek_row.val();
        self.peek_done.next = self.core.peek_done.val();
        self.counter_words.next = self.core.counters.val();
    }
}
