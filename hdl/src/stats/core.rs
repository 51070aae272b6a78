//! The stats stage's datapath as one generated Verilog leaf: rule matching, lane selection, group
//! keys, the bucket hash, the banked group table with its read-modify-write and forwarding, the
//! fixed delay line and the news merge. Widths and layouts come from `proto::stats`.
//!
//! ```text
//!  cycle  P1 input reg ─ P2 rule match ─ P2b feed (first-match prefix) ─ P3 history pick, lane
//!         select ─ P4 key, thresholds ─ P5 hash
//!         F  frame context; at tlast: one request per lane ─► bank crossbar
//!         G  bank request, row read ─ H  forward, compare ways ─ I  update, row write ─ J  news
//!  every beat: F ─► delay line (DELAY cycles, block RAM) ─► out, with the news read beside the
//!  frame's first beat from a result RAM indexed by that beat's delay-line address
//!
//!  forwarding (per bank): a request at G in cycle t reads the row at the end of t; the requests
//!  one and two before it are still in I and J then, so H takes its keys from the newest of the
//!  I request's base row with its insertion, the J row and the RAM row, and I its counts from the
//!  J row when that request is the same bucket (see `bank`).
//! ```
//!
//! The rule table is the register file's packed bus: rule r word w at bits `32*(27r+w) +: 32`.
//! Only the Verilog exists: Verilator runs it against the model (`sim/tests`); rust-hdl's own
//! simulator sees this leaf as silent (`update` drives nothing).

use crate::stats::conns::{CONN_COUNTER_BITS, RECORD_BITS};
use crate::widgets::toeplitz;
use rust_hdl::prelude::*;
use std::fmt::Write;
use vantage_proto::datapath::CONN_PASS_LATENCY;
use vantage_proto::report::EPOCH_GUARD_NS;
use vantage_proto::stats::{
    self, BANKS, BUCKET_BITS, DELAY, DELAY_MARGIN, ENTRY_BITS, HASH_KEY_BITS, KEY_BITS, LANES,
    LOC_BITS, ROW_BITS, RULES, RULE_BUS_BITS, RULE_WORDS, WAYS,
};

/// Width of the packed counters (`proto::regs::stats::COUNTERS`, 64 bits each).
pub const COUNTER_BITS: usize = COUNTER_ORDER.len() * 64;
/// The order of the packed counters: the group table's, then the connection table's
/// (`conns::CONN_COUNTER_ORDER`, passed through) and the connection report frames.
pub const COUNTER_ORDER: [&str; 19] = [
    "frames",
    "updates",
    "new_groups",
    "table_full",
    "fanout",
    "crossed",
    "late",
    "epochs",
    "reports",
    "records",
    "epochs_late",
    "conn_frames",
    "conn_untracked",
    "conns",
    "conn_full",
    "conn_dropped",
    "conn_records",
    "conn_lost",
    "conn_reports",
];
/// The history rule's frame fields beside the beats (P1..P5), (name, width), first high.
const HIST_FIELDS: [(&str, usize); 11] = [
    ("src", 128),
    ("dst", 128),
    ("sport", 16),
    ("dport", 16),
    ("tcp_flags", 8),
    ("tcp_seq", 32),
    ("tcp_ack", 32),
    ("tcp_win", 16),
    ("tcp_doff", 4),
    ("ip_len", 16),
    ("l4", 12),
];

fn hist_bits() -> usize {
    HIST_FIELDS.iter().map(|f| f.1).sum()
}

/// Field `name` of a packed history-field vector.
fn hist_at(vec: &str, name: &str) -> String {
    let mut top = hist_bits();
    for (n, w) in HIST_FIELDS {
        top -= w;
        if n == name {
            return format!("{vec}[{top} +: {w}]");
        }
    }
    unreachable!("no history field {name}")
}
/// Bits of a delay-line address.
const DL_BITS: usize = DELAY.trailing_zeros() as usize;
const _: () = assert!(
    LANES == 4 && BANKS == 4 && WAYS == 4 && KEY_BITS == 320 && ENTRY_BITS == 512 && LOC_BITS == 14
);
const _: () = assert!(
    DELAY - DELAY_MARGIN + 3 < DELAY,
    "a frame on time must have its news written before it leaves"
);

#[derive(LogicBlock, Default)]
pub struct StatsCore {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Counting on.
    pub enable: Signal<In, Bit>,
    /// Epochs on (CONTROL bit 1); the rising edge arms them.
    pub epochs_on: Signal<In, Bit>,
    /// EPOCH_NS.
    pub epoch_ns: Signal<In, Bits<64>>,
    /// EPOCH_START.
    pub epoch_start: Signal<In, Bits<64>>,
    /// The timestamp counter now, ns.
    pub now: Signal<In, Bits<64>>,
    /// tag.ETHERTYPE (report frames carry a Vantage header of their own).
    pub ethertype: Signal<In, Bits<16>>,
    /// The tag stage holds no beat (its FIFO and overflow beat are empty).
    pub tag_idle: Signal<In, Bit>,
    /// Report frames, to be merged after the tag stage (never valid while it sends).
    pub r_valid: Signal<Out, Bit>,
    pub r_data: Signal<Out, Bits<512>>,
    /// A report frame is being sent or starts next cycle (the conn stage keeps its regenerated
    /// SYNs off the output meanwhile).
    pub r_busy: Signal<Out, Bit>,
    pub r_last: Signal<Out, Bit>,
    /// STATUS: bit 0 ready, bit 1 draining, 31:16 epoch number.
    pub status: Signal<Out, Bits<32>>,
    /// log2 of the lanes in use.
    pub lane_bits: Signal<In, Bits<2>>,
    /// Stats hash key, byte 0 in the top bits.
    pub hash_key: Signal<In, Bits<HASH_KEY_BITS>>,
    /// The rule table.
    pub rules: Signal<In, Bits<RULE_BUS_BITS>>,
    /// Peek: bank 13:12, bucket 11:0.
    pub peek_loc: Signal<In, Bits<14>>,
    /// One-cycle pulse: start a peek.
    pub peek_go: Signal<In, Bit>,
    /// The peeked row.
    pub peek_row: Signal<Out, Bits<ROW_BITS>>,
    /// The last peek has completed.
    pub peek_done: Signal<Out, Bit>,
    /// Counters, `COUNTER_ORDER`, first in the low bits.
    pub counters: Signal<Out, Bits<COUNTER_BITS>>,
    /// Port the frames came in on.
    pub i_ingress: Signal<In, Bits<8>>,
    pub i_valid: Signal<In, Bit>,
    pub i_sof: Signal<In, Bit>,
    pub i_last: Signal<In, Bit>,
    pub i_user: Signal<In, Bit>,
    pub i_keep: Signal<In, Bits<64>>,
    pub i_data: Signal<In, Bits<512>>,
    pub i_len: Signal<In, Bits<8>>,
    pub i_fits: Signal<In, Bit>,
    pub i_ts: Signal<In, Bits<64>>,
    pub i_hash: Signal<In, Bits<32>>,
    pub i_flags: Signal<In, Bits<16>>,
    pub i_l3_off: Signal<In, Bits<8>>,
    pub i_proto: Signal<In, Bits<8>>,
    pub i_ip_ok: Signal<In, Bit>,
    pub i_ipv4: Signal<In, Bit>,
    pub i_ipv6: Signal<In, Bit>,
    pub i_ports: Signal<In, Bit>,
    pub i_src: Signal<In, Bits<128>>,
    pub i_dst: Signal<In, Bits<128>>,
    pub i_sport: Signal<In, Bits<16>>,
    pub i_dport: Signal<In, Bits<16>>,
    pub i_tcp_flags: Signal<In, Bits<8>>,
    /// TCP sequence, acknowledgement, window and header length; the IP length field; the
    /// transport header's offset (the history rule's segment).
    pub i_tcp_seq: Signal<In, Bits<32>>,
    pub i_tcp_ack: Signal<In, Bits<32>>,
    pub i_tcp_win: Signal<In, Bits<16>>,
    pub i_tcp_doff: Signal<In, Bits<4>>,
    pub i_ip_len: Signal<In, Bits<16>>,
    pub i_l4: Signal<In, Bits<12>>,
    /// To the connection table (`conns::StatsConns`): a frame fed to the history rule ends.
    pub q_valid: Signal<Out, Bit>,
    pub q_rule: Signal<Out, Bits<5>>,
    pub q_ts: Signal<Out, Bits<64>>,
    pub q_flags: Signal<Out, Bits<16>>,
    pub q_l3: Signal<Out, Bits<8>>,
    pub q_l4: Signal<Out, Bits<12>>,
    pub q_iplen: Signal<Out, Bits<16>>,
    pub q_flen: Signal<Out, Bits<32>>,
    pub q_proto: Signal<Out, Bits<8>>,
    pub q_src: Signal<Out, Bits<128>>,
    pub q_dst: Signal<Out, Bits<128>>,
    pub q_sport: Signal<Out, Bits<16>>,
    pub q_dport: Signal<Out, Bits<16>>,
    pub q_tfl: Signal<Out, Bits<8>>,
    pub q_seq: Signal<Out, Bits<32>>,
    pub q_ack: Signal<Out, Bits<32>>,
    pub q_win: Signal<Out, Bits<16>>,
    pub q_doff: Signal<Out, Bits<4>>,
    /// From the connection table: its counters, its oldest record and the records queued, its
    /// clearing done; take the oldest record.
    pub conn_counters: Signal<In, Bits<CONN_COUNTER_BITS>>,
    pub c_data: Signal<In, Bits<RECORD_BITS>>,
    pub c_count: Signal<In, Bits<6>>,
    pub conn_ready: Signal<In, Bit>,
    pub c_pop: Signal<Out, Bit>,
    pub o_valid: Signal<Out, Bit>,
    pub o_sof: Signal<Out, Bit>,
    pub o_last: Signal<Out, Bit>,
    pub o_user: Signal<Out, Bit>,
    pub o_keep: Signal<Out, Bits<64>>,
    pub o_data: Signal<Out, Bits<512>>,
    pub o_len: Signal<Out, Bits<8>>,
    pub o_fits: Signal<Out, Bit>,
    pub o_ts: Signal<Out, Bits<64>>,
    pub o_hash: Signal<Out, Bits<32>>,
    pub o_flags: Signal<Out, Bits<16>>,
    pub o_l3_off: Signal<Out, Bits<8>>,
    pub o_proto: Signal<Out, Bits<8>>,
    /// On a first beat: the frame carries the STATS tag.
    pub o_news: Signal<Out, Bit>,
    pub o_crossed: Signal<Out, Bits<32>>,
    pub o_uncounted: Signal<Out, Bits<32>>,
}

impl Logic for StatsCore {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.peek_row.connect();
        self.r_valid.connect();
        self.r_data.connect();
        self.r_last.connect();
        self.r_busy.connect();
        self.status.connect();
        self.peek_done.connect();
        self.counters.connect();
        self.o_valid.connect();
        self.o_sof.connect();
        self.o_last.connect();
        self.o_user.connect();
        self.o_keep.connect();
        self.o_data.connect();
        self.o_len.connect();
        self.o_fits.connect();
        self.o_ts.connect();
        self.o_hash.connect();
        self.o_flags.connect();
        self.o_l3_off.connect();
        self.o_proto.connect();
        self.o_news.connect();
        self.o_crossed.connect();
        self.o_uncounted.connect();
        self.q_valid.connect();
        self.q_rule.connect();
        self.q_ts.connect();
        self.q_flags.connect();
        self.q_l3.connect();
        self.q_l4.connect();
        self.q_iplen.connect();
        self.q_flen.connect();
        self.q_proto.connect();
        self.q_src.connect();
        self.q_dst.connect();
        self.q_sport.connect();
        self.q_dport.connect();
        self.q_tfl.connect();
        self.q_seq.connect();
        self.q_ack.connect();
        self.q_win.connect();
        self.q_doff.connect();
        self.c_pop.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(verilog())
    }
}

/// The beat fields that travel through the delay line, (name, width), packed first-high.
const BEAT_FIELDS: [(&str, usize); 13] = [
    ("valid", 1),
    ("sof", 1),
    ("last", 1),
    ("user", 1),
    ("keep", 64),
    ("data", 512),
    ("len", 8),
    ("fits", 1),
    ("ts", 64),
    ("hash", 32),
    ("flags", 16),
    ("l3_off", 8),
    ("proto", 8),
];

fn beat_bits() -> usize {
    BEAT_FIELDS.iter().map(|f| f.1).sum()
}

/// `{prefix}field` for every beat field, as a Verilog concatenation.
fn beat_concat(prefix: &str) -> String {
    let parts: Vec<String> = BEAT_FIELDS
        .iter()
        .map(|(n, _)| format!("{prefix}{n}"))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Assignments unpacking a packed beat vector into `{prefix}field` outputs.
fn beat_unpack(vec: &str, prefix: &str) -> String {
    let mut s = String::new();
    let mut top = beat_bits();
    for (n, w) in BEAT_FIELDS {
        top -= w;
        let _ = writeln!(s, "  {prefix}{n} = {vec}[{} +: {w}];", top);
    }
    s
}

/// Rule `r` word `w` on the bus.
fn rw(r: usize, w: usize) -> String {
    format!("rules[{} +: 32]", 32 * (RULE_WORDS * r + w))
}

/// `rules[B +: 32][i]` and `rules[B +: 32][h:l]` (nested selects, which Verilog forbids) as one
/// select of the bus.
fn flatten_rule_selects(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(at) = rest.find("rules[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 6..];
        let parsed = after.split_once(" +: 32][").and_then(|(base, tail)| {
            let base: usize = base.parse().ok()?;
            let (sel, tail) = tail.split_once(']')?;
            let text = match sel.split_once(':') {
                Some((h, l)) => format!(
                    "rules[{}:{}]",
                    base + h.parse::<usize>().ok()?,
                    base + l.parse::<usize>().ok()?
                ),
                None => format!("rules[{}]", base + sel.parse::<usize>().ok()?),
            };
            Some((text, tail))
        });
        match parsed {
            Some((text, tail)) => {
                out.push_str(&text);
                rest = tail;
            }
            None => {
                out.push_str("rules[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rule `r`'s 128-bit address value or mask starting at word `w`.
fn rw128(r: usize, w: usize) -> String {
    format!(
        "{{{}, {}, {}, {}}}",
        rw(r, w),
        rw(r, w + 1),
        rw(r, w + 2),
        rw(r, w + 3)
    )
}

fn verilog() -> String {
    let mut v = String::new();
    let mut n = 0;
    v += &declarations();
    v += &input_and_match();
    v += &feed_and_select();
    v += &keys_and_hash();
    v += &frame_context();
    for b in 0..BANKS {
        v += &bank(b);
    }
    v += &merge_and_delay();
    v += &epochs();
    v += &scanner();
    v += &reports();
    let v = flatten_rule_selects(&v);
    // Every always block gets its own loop variables (shared ones would couple the blocks).
    let mut out = String::new();
    for line in v.lines() {
        if let Some(head) = line
            .strip_suffix(" begin")
            .filter(|h| h.starts_with("always @("))
        {
            let _ = writeln!(out, "{head} begin : blk{n}\n  integer l, r, k;");
            n += 1;
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

fn declarations() -> String {
    let bb = beat_bits();
    let mut s = String::new();
    let _ = writeln!(s, "// stats core: {RULES} rules, {LANES} lanes, {BANKS} banks x {} buckets x {WAYS} ways, delay {DELAY}", 1 << BUCKET_BITS);
    // P1..P5 beat bundles.
    for p in ["a", "b", "b2", "c", "d", "e"] {
        let _ = writeln!(s, "reg [{}:0] {p}_x;", bb - 1);
    }
    let _ = writeln!(s, "reg a_ip_ok, a_ipv4, a_ipv6, a_ports, a_tcp;");
    let _ = writeln!(
        s,
        "reg [7:0] a_ing, a_proto, a_tfl;\nreg [15:0] a_sport, a_dport;\nreg [127:0] a_src, a_dst;"
    );
    for p in ["b", "b2", "c", "d"] {
        let _ = writeln!(s, "reg {p}_ipv6;\nreg [7:0] {p}_ing, {p}_proto, {p}_tfl;\nreg [15:0] {p}_sport, {p}_dport;\nreg [127:0] {p}_src, {p}_dst;");
    }
    for p in ["b", "b2", "c", "d", "e"] {
        let _ = writeln!(s, "reg [6:0] {p}_pc;");
    }
    for p in ["a", "b", "b2", "c", "d", "e"] {
        let _ = writeln!(s, "reg [{}:0] {p}_h;", hist_bits() - 1);
    }
    s += "reg c_hv, d_hv, e_hv;\nreg [4:0] c_hrule, d_hrule, e_hrule;\n";
    let _ = writeln!(
        s,
        "reg [31:0] b_match, b2_feed, c_fan, d_fan, e_fan;\nreg [31:0] c_sel [0:3];"
    );
    let _ = writeln!(s, "reg [319:0] d_key [0:3], e_key [0:3];\nreg [63:0] d_thp [0:3], d_thb [0:3], e_thp [0:3], e_thb [0:3];");
    let _ = writeln!(
        s,
        "reg [4:0] d_rule [0:3], e_rule [0:3];\nreg [3:0] d_lv, e_lv;\nreg [13:0] e_loc [0:3];"
    );
    // Epochs, the scanner and the report builder (declared here: the banks use them).
    s += "reg cur, cur_next, sh, arm_q, clearing, draining, late_mark, ep_on, arm, want_flip, flip;\n";
    s += "reg [11:0] clr_b, scan_b, s_addr;\nreg s_scan, s_rd, s_all, s_issue, s_done;\nreg [2:0] s_wait;\n";
    s += "reg [63:0] bound, d_end, d_len;\nreg [31:0] epoch_no, d_epoch, refused0, refused1;\n";
    s += "reg [63:0] c_epochs, c_reports, c_records, c_elate;\nreg rp_on, rp_last;\nreg [4:0] rp_j, rp_n;\n";
    s
}

/// P1: input register. P2: every rule's match.
fn input_and_match() -> String {
    let mut s = String::from("always @(posedge clock) begin\n");
    let _ = writeln!(s, "  a_x <= {};", beat_concat("i_"));
    s += "  a_ip_ok <= i_ip_ok; a_ipv4 <= i_ipv4; a_ipv6 <= i_ipv6; a_ports <= i_ports;\n";
    s += "  a_tcp <= i_ports & (i_proto == 8'd6);\n";
    s += "  a_ing <= i_ingress; a_proto <= i_proto; a_tfl <= i_tcp_flags; a_sport <= i_sport; a_dport <= i_dport;\n";
    s += "  a_src <= i_src; a_dst <= i_dst;\n";
    let fields: Vec<String> = HIST_FIELDS.iter().map(|(n, _)| format!("i_{n}")).collect();
    let _ = writeln!(s, "  a_h <= {{{}}};\n  b_h <= a_h;", fields.join(", "));
    s += "  b_x <= a_x; b_ipv6 <= a_ipv6; b_ing <= a_ing; b_proto <= a_proto; b_tfl <= a_tfl;\n";
    s += "  b_sport <= a_sport; b_dport <= a_dport; b_src <= a_src; b_dst <= a_dst;\n";
    let _ = writeln!(s, "  b_pc <= popcount64(a_x[{} +: 64]);", keep_at());
    for r in 0..RULES {
        let c = rw(r, 0);
        let need = format!(
            "~(({c}[11] & ~a_ip_ok) | ({c}[12] & ~a_ports) | ({c}[13] & ~a_tcp) | ({c}[14] & ~a_ipv4) | ({c}[15] & ~a_ipv6))"
        );
        let w1 = rw(r, 1);
        let w2 = rw(r, 2);
        let w3 = rw(r, 3);
        let w4 = rw(r, 4);
        let fields = [
            format!("({c}[10] | ((a_ing & {w1}[15:8]) == {w1}[7:0]))"),
            format!("({c}[8] | ((a_proto & {w1}[31:24]) == {w1}[23:16]))"),
            format!("({c}[9] | ((a_tfl & {w2}[15:8]) == {w2}[7:0]))"),
            format!("({c}[6] | ((a_sport & {w3}[15:0]) == {w3}[31:16]))"),
            format!("({c}[7] | ((a_dport & {w4}[15:0]) == {w4}[31:16]))"),
            format!(
                "({c}[4] | ((a_src & {}) == {}))",
                rw128(r, stats::word::SRC + 4),
                rw128(r, stats::word::SRC)
            ),
            format!(
                "({c}[5] | ((a_dst & {}) == {}))",
                rw128(r, stats::word::DST + 4),
                rw128(r, stats::word::DST)
            ),
        ];
        let _ = writeln!(
            s,
            "  b_match[{r}] <= {c}[0] & {need} & {};",
            fields.join(" & ")
        );
    }
    s += "end\n";
    s += "function [6:0] popcount64(input [63:0] x);\n  integer n;\n  begin\n    popcount64 = 7'd0;\n";
    s += "    for (n = 0; n < 64; n = n + 1) popcount64 = popcount64 + {6'd0, x[n]};\n  end\nendfunction\n";
    s
}

/// Bit offset of `keep` in a packed beat.
fn keep_at() -> usize {
    field_at("keep")
}

fn field_at(name: &str) -> usize {
    let mut top = beat_bits();
    for (n, w) in BEAT_FIELDS {
        top -= w;
        if n == name {
            return top;
        }
    }
    unreachable!("no beat field {name}")
}

/// P2b: the rules each frame feeds (up to the first `first` rule), registered; P3: the first fed
/// history rule, and per lane the first fed rule of that lane; fed rules beyond it are fanout.
fn feed_and_select() -> String {
    let mut s = String::from("reg [31:0] feed, stop_before, first_bits, hist_bits, hfed, hpick;\nreg [1:0] lane_of [0:31];\nreg [1:0] lane_mask;\n");
    s += "reg [31:0] in_lane, pick;\nreg [31:0] fan_acc;\nreg [4:0] hrule;\n";
    s += "always @(*) begin\n  lane_mask = lane_bits[1] ? 2'd3 : {1'b0, lane_bits[0]};\n";
    for r in 0..RULES {
        let _ = writeln!(
            s,
            "  first_bits[{r}] = {}[1];\n  lane_of[{r}] = {}[3:2] & lane_mask;\n  hist_bits[{r}] = {}[{}];",
            rw(r, 0),
            rw(r, 0),
            rw(r, 0),
            stats::control::HISTORY.trailing_zeros()
        );
    }
    s += "  stop_before[0] = 1'b0;\n";
    s += "  for (r = 1; r < 32; r = r + 1) stop_before[r] = stop_before[r-1] | (b_match[r-1] & first_bits[r-1]);\n";
    s += "  feed = b_match & ~stop_before;\n";
    // P2b (feed registered): the first fed history rule steps the connection table; another fed
    // one is fanout.
    s += "  hfed = b2_feed & hist_bits;\n  hpick = hfed & (~hfed + 32'd1);\n  hrule = 5'd0;\n";
    s += "  for (r = 0; r < 32; r = r + 1) if (hpick[r]) hrule = r[4:0];\nend\n";
    s += "reg [31:0] sel_next [0:3];\nalways @(*) begin\n  fan_acc = hfed & ~hpick;\n";
    s += "  for (l = 0; l < 4; l = l + 1) begin\n";
    s += "    for (r = 0; r < 32; r = r + 1) in_lane[r] = b2_feed[r] & ~hist_bits[r] & (lane_of[r] == l[1:0]);\n";
    s += "    pick = in_lane & (~in_lane + 32'd1);\n";
    s += "    sel_next[l] = pick;\n    fan_acc = fan_acc | (in_lane & ~pick);\n  end\nend\n";
    s += "always @(posedge clock) begin\n";
    s += "  b2_feed <= feed; b2_x <= b_x; b2_pc <= b_pc; b2_ipv6 <= b_ipv6; b2_ing <= b_ing; b2_proto <= b_proto; b2_tfl <= b_tfl;\n";
    s += "  b2_sport <= b_sport; b2_dport <= b_dport; b2_src <= b_src; b2_dst <= b_dst; b2_h <= b_h;\n";
    s += "  c_x <= b2_x; c_pc <= b2_pc; c_ipv6 <= b2_ipv6; c_ing <= b2_ing; c_proto <= b2_proto; c_tfl <= b2_tfl;\n";
    s += "  c_sport <= b2_sport; c_dport <= b2_dport; c_src <= b2_src; c_dst <= b2_dst;\n";
    s += "  for (l = 0; l < 4; l = l + 1) c_sel[l] <= sel_next[l];\n";
    s += "  c_fan <= fan_acc;\n  c_h <= b2_h; c_hv <= |hpick; c_hrule <= hrule;\nend\n";
    s
}

/// P4: per lane, the selected rule's masks applied to the frame's fields (the group key), its
/// thresholds and index. P5: the bucket hash of each key.
fn keys_and_hash() -> String {
    let mut s = String::new();
    s += "reg [31:0] m_ctl [0:3];\nreg [31:0] m_w1 [0:3], m_w2 [0:3], m_w3 [0:3], m_w4 [0:3], m_s4 [0:3], m_d4 [0:3];\n";
    s += "reg [127:0] m_sm [0:3], m_dm [0:3];\nreg [63:0] m_thp [0:3], m_thb [0:3];\nreg [4:0] m_rule [0:3];\n";
    s += "always @(*) begin\n  for (l = 0; l < 4; l = l + 1) begin\n";
    s += "    m_ctl[l] = 32'd0; m_w1[l] = 32'd0; m_w2[l] = 32'd0; m_w3[l] = 32'd0; m_w4[l] = 32'd0;\n";
    s += "    m_s4[l] = 32'd0; m_d4[l] = 32'd0; m_sm[l] = 128'd0; m_dm[l] = 128'd0; m_thp[l] = 64'd0; m_thb[l] = 64'd0; m_rule[l] = 5'd0;\n";
    for r in 0..RULES {
        use stats::word::*;
        let _ = writeln!(s, "    if (c_sel[l][{r}]) begin");
        let _ = writeln!(
            s,
            "      m_ctl[l] = m_ctl[l] | {}; m_w1[l] = m_w1[l] | {}; m_w2[l] = m_w2[l] | {}; m_w3[l] = m_w3[l] | {}; m_w4[l] = m_w4[l] | {};",
            rw(r, CONTROL),
            rw(r, INGRESS_PROTO),
            rw(r, FLAGS),
            rw(r, SPORT),
            rw(r, DPORT)
        );
        let _ = writeln!(
            s,
            "      m_s4[l] = m_s4[l] | {}; m_d4[l] = m_d4[l] | {}; m_sm[l] = m_sm[l] | {}; m_dm[l] = m_dm[l] | {};",
            rw(r, SRC + ADDR_V4_GROUP),
            rw(r, DST + ADDR_V4_GROUP),
            rw128(r, SRC + ADDR_MASK),
            rw128(r, DST + ADDR_MASK)
        );
        let _ = writeln!(
            s,
            "      m_thp[l] = m_thp[l] | {{{}, {}}}; m_thb[l] = m_thb[l] | {{{}, {}}}; m_rule[l] = m_rule[l] | 5'd{r};\n    end",
            rw(r, THRESHOLD_PACKETS + 1),
            rw(r, THRESHOLD_PACKETS),
            rw(r, THRESHOLD_BYTES + 1),
            rw(r, THRESHOLD_BYTES)
        );
    }
    s += "  end\nend\n";
    s += "always @(posedge clock) begin\n";
    s += "  d_x <= c_x; d_pc <= c_pc; d_fan <= c_fan; d_ipv6 <= c_ipv6; d_ing <= c_ing; d_proto <= c_proto; d_tfl <= c_tfl;\n";
    s += "  d_sport <= c_sport; d_dport <= c_dport; d_src <= c_src; d_dst <= c_dst;\n";
    s += "  for (l = 0; l < 4; l = l + 1) begin\n";
    s += "    d_lv[l] <= |c_sel[l];\n    d_rule[l] <= m_rule[l];\n    d_thp[l] <= m_thp[l];\n    d_thb[l] <= m_thb[l];\n";
    s += "    d_key[l] <= {m_rule[l], (m_ctl[l][4] | m_ctl[l][5]) & c_ipv6, 2'b00,\n";
    s += "      m_ctl[l][10] ? (c_ing & m_w1[l][15:8]) : 8'd0,\n";
    s += "      m_ctl[l][4] ? (c_ipv6 ? (c_src & m_sm[l]) : {96'd0, c_src[31:0] & m_s4[l]}) : 128'd0,\n";
    s += "      m_ctl[l][5] ? (c_ipv6 ? (c_dst & m_dm[l]) : {96'd0, c_dst[31:0] & m_d4[l]}) : 128'd0,\n";
    s += "      m_ctl[l][6] ? (c_sport & m_w3[l][15:0]) : 16'd0,\n";
    s += "      m_ctl[l][7] ? (c_dport & m_w4[l][15:0]) : 16'd0,\n";
    s += "      m_ctl[l][8] ? (c_proto & m_w1[l][31:24]) : 8'd0,\n";
    s += "      m_ctl[l][9] ? (c_tfl & m_w2[l][15:8]) : 8'd0};\n";
    s += "  end\n";
    s += "  d_h <= c_h; d_hv <= c_hv; d_hrule <= c_hrule;\n  e_h <= d_h; e_hv <= d_hv; e_hrule <= d_hrule;\n";
    s += "  e_x <= d_x; e_pc <= d_pc; e_fan <= d_fan; e_lv <= d_lv;\n";
    s += "  for (l = 0; l < 4; l = l + 1) begin\n";
    s += "    e_key[l] <= d_key[l]; e_thp[l] <= d_thp[l]; e_thb[l] <= d_thb[l]; e_rule[l] <= d_rule[l];\n";
    s += "    e_loc[l] <= loc_hash(d_key[l]);\n  end\nend\n";
    s += &toeplitz::verilog_function("loc_hash", LOC_BITS, "hash_key", HASH_KEY_BITS);
    s
}

/// F: the frame context (captured at the first beat) and the requests at the last beat, routed
/// to the banks; the per-frame record that travels beside the bank pipeline; the delay-line write.
fn frame_context() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "reg [{}:0] wp;\nreg [31:0] fseq;", DL_BITS - 1);
    s += "reg [319:0] x_key [0:3];\nreg [63:0] x_thp [0:3], x_thb [0:3];\nreg [4:0] x_rule [0:3];\nreg [13:0] x_loc [0:3];\n";
    let _ = writeln!(s, "reg [3:0] x_lv;\nreg [31:0] x_fan, x_seq;\nreg [{}:0] x_addr;\nreg [8:0] x_age;\nreg [31:0] x_bytes;", DL_BITS - 1);
    // The values of the frame ending now: from this beat if it is also the first.
    s += "reg [319:0] n_key [0:3];\nreg [63:0] n_thp [0:3], n_thb [0:3];\nreg [4:0] n_rule [0:3];\nreg [13:0] n_loc [0:3];\n";
    let _ = writeln!(s, "reg [3:0] n_lv;\nreg [31:0] n_fan, n_seq, n_bytes;\nreg [{}:0] n_addr;\nreg [8:0] n_age;\nreg n_end, n_late;", DL_BITS - 1);
    s += "reg [1:0] n_bank [0:3];\nreg [1:0] lane_sel;\n";
    // The history rule's request: the frame's fields from its first beat.
    let hb = hist_bits();
    let _ = writeln!(
        s,
        "reg [{}:0] x_h, n_h;\nreg x_hv, n_hv;\nreg [4:0] x_hrule, n_hrule;",
        hb - 1
    );
    s +=
        "reg [63:0] x_ts, n_ts;\nreg [15:0] x_flags, n_flags;\nreg [7:0] x_l3, n_l3, x_pr, n_pr;\n";
    let sof = field_at("sof");
    let last = field_at("last");
    let valid = field_at("valid");
    let _ = writeln!(
        s,
        "wire e_valid = e_x[{valid}];\nwire e_sof = e_x[{sof}];\nwire e_last = e_x[{last}];"
    );
    s += "always @(*) begin\n";
    s += "  for (l = 0; l < 4; l = l + 1) begin\n";
    s += "    n_key[l] = e_sof ? e_key[l] : x_key[l]; n_thp[l] = e_sof ? e_thp[l] : x_thp[l];\n";
    s += "    n_thb[l] = e_sof ? e_thb[l] : x_thb[l]; n_rule[l] = e_sof ? e_rule[l] : x_rule[l];\n";
    s += "    n_loc[l] = e_sof ? e_loc[l] : x_loc[l];\n";
    s += "    lane_sel = l[1:0];\n";
    s += "    n_bank[l] = lane_bits[1] ? lane_sel : lane_bits[0] ? {lane_sel[0], n_loc[l][13]} : n_loc[l][13:12];\n";
    s += "  end\n";
    s += "  n_lv = e_sof ? e_lv : x_lv;\n  n_fan = e_sof ? e_fan : x_fan;\n  n_seq = e_sof ? fseq : x_seq;\n";
    s += "  n_addr = e_sof ? wp : x_addr;\n  n_age = e_sof ? 9'd0 : x_age;\n";
    s += "  n_bytes = (e_sof ? 32'd0 : x_bytes) + {25'd0, e_pc};\n";
    s += "  n_end = e_valid & e_last & enable & ~clearing;\n";
    let _ = writeln!(s, "  n_late = n_age > 9'd{};", DELAY - DELAY_MARGIN);
    let _ = writeln!(
        s,
        "  n_h = e_sof ? e_h : x_h; n_hv = e_sof ? e_hv : x_hv; n_hrule = e_sof ? e_hrule : x_hrule;\n  n_ts = e_sof ? e_x[{ts} +: 64] : x_ts; n_flags = e_sof ? e_x[{fl} +: 16] : x_flags;\n  n_l3 = e_sof ? e_x[{l3} +: 8] : x_l3; n_pr = e_sof ? e_x[{pr} +: 8] : x_pr;",
        ts = field_at("ts"),
        fl = field_at("flags"),
        l3 = field_at("l3_off"),
        pr = field_at("proto")
    );
    s += "  q_valid = n_end & n_hv;\n  q_rule = n_hrule;\n  q_ts = n_ts;\n  q_flags = n_flags;\n  q_l3 = n_l3;\n  q_proto = n_pr;\n  q_flen = n_bytes;\n";
    for (port, field) in [
        ("q_src", "src"),
        ("q_dst", "dst"),
        ("q_sport", "sport"),
        ("q_dport", "dport"),
        ("q_tfl", "tcp_flags"),
        ("q_seq", "tcp_seq"),
        ("q_ack", "tcp_ack"),
        ("q_win", "tcp_win"),
        ("q_doff", "tcp_doff"),
        ("q_iplen", "ip_len"),
        ("q_l4", "l4"),
    ] {
        let _ = writeln!(s, "  {port} = {};", hist_at("n_h", field));
    }
    s += "end\n";
    s += "always @(posedge clock) begin\n";
    s += "  wp <= wp + 1'b1;\n";
    s += "  if (e_valid & e_sof) begin\n    fseq <= fseq + 32'd1;\n";
    s += "    for (l = 0; l < 4; l = l + 1) begin\n";
    s += "      x_key[l] <= e_key[l]; x_thp[l] <= e_thp[l]; x_thb[l] <= e_thb[l]; x_rule[l] <= e_rule[l]; x_loc[l] <= e_loc[l];\n";
    s += "    end\n    x_lv <= e_lv; x_fan <= e_fan; x_seq <= fseq; x_addr <= wp;\n";
    s += "    x_h <= e_h; x_hv <= e_hv; x_hrule <= e_hrule; x_ts <= n_ts; x_flags <= n_flags; x_l3 <= n_l3; x_pr <= n_pr;\n  end\n";
    s += "  x_age <= (e_valid & e_sof) ? 9'd1 : (x_age == 9'h1ff) ? x_age : x_age + 9'd1;\n";
    s += "  if (e_valid) x_bytes <= n_bytes;\n";
    s += "  if (reset) begin\n    wp <= 0;\n    fseq <= 32'd0;\n  end\nend\n";
    s
}

/// One bank: G request and row read; H the way (keys compared against every source of the row in
/// parallel); I the entry updated and the row written; J the written row kept for forwarding.
/// Peeks take idle G slots and read the row I completes.
///
/// ```text
///  request at G in cycle t: the RAM row read at the end of t misses the requests of t-1 (in I,
///  its new row not yet made) and t-2 (in J, written at the same edge as the read). H takes the
///  keys from the newest source of its bucket: the I request's base row with its insertion laid
///  over it, else the J row, else the RAM row; I takes the counts from the J row (its request was
///  in I during this one's H) when it is the same bucket, else the base H chose.
/// ```
fn bank(b: usize) -> String {
    let mut s = String::new();
    let p = format!("k{b}_");
    let _ = writeln!(s, "// ---- bank {b} ----");
    for h in 0..2 {
        let _ = writeln!(
            s,
            "(* ram_style = \"ultra\" *) reg [{}:0] {p}m{h} [0:{}];",
            ROW_BITS - 1,
            (1 << BUCKET_BITS) - 1
        );
    }
    let _ = writeln!(s, "reg {p}gv, {p}gpeek, {p}hv, {p}hpeek, {p}iv, {p}ipeek, {p}jv;\nreg {p}ghalf, {p}hhalf, {p}ihalf, {p}jhalf;");
    let _ = writeln!(s, "reg [11:0] {p}gb, {p}hb, {p}ib, {p}jb;\nreg [319:0] {p}gk, {p}hk, {p}ik;\nreg [63:0] {p}gtp, {p}gtb, {p}htp, {p}htb, {p}itp, {p}itb;");
    let _ = writeln!(
        s,
        "reg [31:0] {p}gbytes, {p}hbytes, {p}ibytes;\nreg [4:0] {p}grule, {p}hrule, {p}irule;"
    );
    let _ = writeln!(
        s,
        "reg [{}:0] {p}q0, {p}q1, {p}q, {p}hbase, {p}ibase, {p}base, {p}jrow, {p}nrow;",
        ROW_BITS - 1
    );
    let _ = writeln!(s, "reg [3:0] {p}hit, {p}empty, {p}vi, {p}eqi, {p}eqj, {p}eqq, {p}over_i;\nreg [1:0] {p}way, {p}iway;\nreg {p}mi, {p}mj, {p}mji, {p}ikeq, {p}iins;");
    // Which source is newest, compared a stage early (G against H and I, which H sees in I and J).
    let _ = writeln!(s, "reg {p}hmi, {p}hmj, {p}imi;");
    let _ = writeln!(
        s,
        "reg {p}found, {p}full, {p}ifound, {p}ifull, {p}over, {p}was_crossed;"
    );
    let _ = writeln!(s, "reg [511:0] {p}old;\nreg [63:0] {p}np, {p}nb;");
    // Results after I.
    let _ = writeln!(
        s,
        "reg {p}rv, {p}rcross, {p}rfull, {p}rnew;\nreg [4:0] {p}rrule;"
    );
    // Which lane requests this bank (the placement guarantees at most one).
    let _ = writeln!(s, "reg {p}req;\nreg [1:0] {p}lane;");
    s += "always @(*) begin\n";
    let _ = writeln!(s, "  {p}req = 1'b0; {p}lane = 2'd0;");
    s += "  for (l = 3; l >= 0; l = l - 1)\n";
    let _ = writeln!(s, "    if (n_end & n_lv[l] & (n_bank[l] == 2'd{b})) begin {p}req = 1'b1; {p}lane = l[1:0]; end");
    // H: which source is newest, every source's ways compared at once, then chosen.
    let _ = writeln!(s, "  {p}q = {p}hhalf ? {p}q1 : {p}q0;");
    let _ = writeln!(s, "  {p}mi = {p}hmi;\n  {p}mj = {p}hmj;");
    let _ = writeln!(s, "  {p}ikeq = ({p}ik == {p}hk);");
    s += "  for (k = 0; k < 4; k = k + 1) begin\n";
    let _ = writeln!(
        s,
        "    {p}vi[k] = {p}ibase[512*k + 448] | ({p}iins & ({p}iway == k[1:0]));"
    );
    let _ = writeln!(
        s,
        "    {p}eqi[k] = ({p}iins & ({p}iway == k[1:0])) ? {p}ikeq : ({p}ibase[512*k + 448] & ({p}ibase[512*k + 128 +: 320] == {p}hk));"
    );
    let _ = writeln!(
        s,
        "    {p}eqj[k] = {p}jrow[512*k + 448] & ({p}jrow[512*k + 128 +: 320] == {p}hk);"
    );
    let _ = writeln!(
        s,
        "    {p}eqq[k] = {p}q[512*k + 448] & ({p}q[512*k + 128 +: 320] == {p}hk);"
    );
    let _ = writeln!(
        s,
        "    {p}hit[k] = {p}mi ? {p}eqi[k] : {p}mj ? {p}eqj[k] : {p}eqq[k];"
    );
    let _ = writeln!(
        s,
        "    {p}empty[k] = {p}mi ? ~{p}vi[k] : {p}mj ? ~{p}jrow[512*k + 448] : ~{p}q[512*k + 448];\n  end"
    );
    let _ = writeln!(
        s,
        "  {p}found = |{p}hit;\n  {p}full = ~{p}found & ~|{p}empty;"
    );
    let _ = writeln!(
        s,
        "  {p}way = {p}hit[0] ? 2'd0 : {p}hit[1] ? 2'd1 : {p}hit[2] ? 2'd2 : {p}hit[3] ? 2'd3 :\n         {p}empty[0] ? 2'd0 : {p}empty[1] ? 2'd1 : {p}empty[2] ? 2'd2 : 2'd3;"
    );
    // The base row for I: the newest source, the I request's insertion laid over its base.
    let _ = writeln!(s, "  {p}hbase = {p}mi ? {p}ibase : {p}mj ? {p}jrow : {p}q;");
    let _ = writeln!(
        s,
        "  if ({p}mi & {p}iins) {p}hbase[512*{p}iway + 128 +: 321] = {{1'b1, {p}ik}};"
    );
    // I: the counts from the J row when its request (in I during this one's H) is the same bucket.
    let _ = writeln!(s, "  {p}mji = {p}imi;");
    let _ = writeln!(s, "  {p}base = {p}mji ? {p}jrow : {p}ibase;");
    let _ = writeln!(s, "  {p}old = {p}base[512*{p}iway +: 512];");
    let _ = writeln!(s, "  {p}np = ({p}ifound ? {p}old[63:0] : 64'd0) + 64'd1;");
    let _ = writeln!(
        s,
        "  {p}nb = ({p}ifound ? {p}old[127:64] : 64'd0) + {{32'd0, {p}ibytes}};"
    );
    let _ = writeln!(s, "  {p}was_crossed = {p}ifound & {p}old[449];");
    let _ = writeln!(s, "  {p}over = (({p}itp != 64'd0) & ({p}np >= {p}itp)) | (({p}itb != 64'd0) & ({p}nb >= {p}itb));");
    let _ = writeln!(s, "  {p}nrow = {p}base;");
    let _ = writeln!(s, "  if (~{p}ifull) {p}nrow[512*{p}iway +: 512] = {{62'd0, {p}was_crossed | {p}over, 1'b1, {p}ik, {p}nb, {p}np}};");
    s += "end\n";
    s += "always @(posedge clock) begin\n";
    // G: a frame's request, else a pending peek of this bank.
    let _ = writeln!(
        s,
        "  {p}gv <= {p}req;\n  {p}gpeek <= ~{p}req & peek_pend & (peek_bank == 2'd{b});"
    );
    let _ = writeln!(s, "  {p}gb <= {p}req ? n_loc[{p}lane][11:0] : peek_bucket;");
    let _ = writeln!(
        s,
        "  {p}gk <= n_key[{p}lane]; {p}gtp <= n_thp[{p}lane]; {p}gtb <= n_thb[{p}lane];"
    );
    let _ = writeln!(s, "  {p}grule <= n_rule[{p}lane]; {p}gbytes <= n_bytes;");
    // Each half's read port: the update path's when its requests are for that half, else the scanner's.
    let _ = writeln!(s, "  {p}ghalf <= cur_next;");
    let _ = writeln!(s, "  {p}q0 <= {p}m0[{p}ghalf ? scan_b : {p}gb];\n  {p}q1 <= {p}m1[{p}ghalf ? {p}gb : scan_b];");
    let _ = writeln!(s, "  {p}hv <= {p}gv; {p}hpeek <= {p}gpeek; {p}hb <= {p}gb; {p}hk <= {p}gk; {p}htp <= {p}gtp; {p}htb <= {p}gtb;");
    let _ = writeln!(
        s,
        "  {p}hhalf <= {p}ghalf; {p}ihalf <= {p}hhalf; {p}jhalf <= {p}ihalf;"
    );
    let _ = writeln!(s, "  {p}hrule <= {p}grule; {p}hbytes <= {p}gbytes;");
    let _ = writeln!(
        s,
        "  {p}hmi <= {p}hv & ({p}hb == {p}gb) & ({p}hhalf == {p}ghalf);\n  {p}hmj <= {p}iv & ({p}ib == {p}gb) & ({p}ihalf == {p}ghalf);"
    );
    // H -> I: the way chosen and the base row (the I request's source test: H's own, as it is the
    // J request then).
    let _ = writeln!(
        s,
        "  {p}iv <= {p}hv; {p}ipeek <= {p}hpeek; {p}ib <= {p}hb; {p}ik <= {p}hk; {p}iway <= {p}way; {p}ifound <= {p}found; {p}ifull <= {p}full; {p}imi <= {p}mi;"
    );
    let _ = writeln!(
        s,
        "  {p}iins <= {p}hv & ~{p}found & ~{p}full; {p}ibase <= {p}hbase; {p}itp <= {p}htp; {p}itb <= {p}htb; {p}ibytes <= {p}hbytes; {p}irule <= {p}hrule;"
    );
    // I: the write and the results; J keeps the row one cycle more for forwarding.
    let _ = writeln!(
        s,
        "  {p}rv <= {p}iv; {p}rcross <= {p}iv & ~{p}ifull & {p}over & ~{p}was_crossed;"
    );
    let _ = writeln!(s, "  {p}rfull <= {p}iv & {p}ifull; {p}rnew <= {p}iv & ~{p}ifound & ~{p}ifull; {p}rrule <= {p}irule;");
    // Writes: the sweep after reset, else the update, else the scanner's clear (never one half both).
    for h in 0..2 {
        let sel = if h == 0 { "~" } else { "" };
        let _ = writeln!(
            s,
            "  if (clearing) {p}m{h}[clr_b] <= {{{ROW_BITS}{{1'b0}}}};\n  else if ({p}iv & ~{p}ifull & {sel}{p}ihalf) {p}m{h}[{p}ib] <= {p}nrow;\n  else if (s_rd & {sel}sh) {p}m{h}[s_addr] <= {{{ROW_BITS}{{1'b0}}}};"
        );
    }
    let _ = writeln!(s, "  {p}jv <= {p}iv; {p}jb <= {p}ib; {p}jrow <= {p}nrow;");
    let _ = writeln!(s, "  if (reset) begin {p}gv <= 1'b0; {p}gpeek <= 1'b0; {p}hv <= 1'b0; {p}hpeek <= 1'b0; {p}iv <= 1'b0; {p}ipeek <= 1'b0; {p}iins <= 1'b0; {p}jv <= 1'b0; {p}hmi <= 1'b0; {p}hmj <= 1'b0; {p}imi <= 1'b0; {p}rv <= 1'b0; {p}rcross <= 1'b0; {p}rfull <= 1'b0; {p}rnew <= 1'b0; end");
    s += "end\n";
    s
}

/// The per-frame record beside the bank pipeline, the news merge into the result RAM, the
/// counters, the peek control and the delay line.
fn merge_and_delay() -> String {
    let bb = beat_bits();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reg peek_pend;\nreg [1:0] peek_bank;\nreg [11:0] peek_bucket;"
    );
    let _ = writeln!(s, "reg g_f, h_f, i_f, j_f;\nreg [31:0] g_seq, h_seq, i_seq, j_seq, g_fan, h_fan, i_fan, j_fan;\nreg [{0}:0] g_addr, h_addr, i_addr, j_addr;", DL_BITS - 1);
    let _ = writeln!(
        s,
        "(* ram_style = \"block\" *) reg [{}:0] dl [0:{}];\nreg [31:0] dl_seq [0:{}];",
        bb - 1,
        DELAY - 1,
        DELAY - 1
    );
    let _ = writeln!(s, "reg [95:0] res [0:{}];", DELAY - 1);
    let _ = writeln!(
        s,
        "reg [{}:0] dl_q;\nreg [31:0] dl_seq_q;\nreg [95:0] res_q;\nreg en_q;",
        bb - 1
    );
    let _ = writeln!(s, "reg [{}:0] o_x;\nreg o_n;\nreg [31:0] o_c, o_u;", bb - 1);
    s += "reg [31:0] crossed_m, full_m;\nreg [2:0] n_upd, n_new, n_full, n_cross;\n";
    s += "reg [63:0] c_frames, c_updates, c_new, c_full, c_fanout, c_crossed, c_late;\n";
    s += "always @(*) begin\n  crossed_m = 32'd0; full_m = 32'd0;\n";
    for b in 0..BANKS {
        let p = format!("k{b}_");
        let _ = writeln!(
            s,
            "  if ({p}rcross) crossed_m = crossed_m | (32'd1 << {p}rrule);"
        );
        let _ = writeln!(s, "  if ({p}rfull) full_m = full_m | (32'd1 << {p}rrule);");
    }
    let sum = |f: &str| {
        (0..BANKS)
            .map(|b| format!("{{2'd0, k{b}_{f}}}"))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let _ = writeln!(
        s,
        "  n_upd = {};",
        (0..BANKS)
            .map(|b| format!("{{2'd0, k{b}_rv & ~k{b}_rfull}}"))
            .collect::<Vec<_>>()
            .join(" + ")
    );
    let _ = writeln!(
        s,
        "  n_new = {};\n  n_full = {};\n  n_cross = {};",
        sum("rnew"),
        sum("rfull"),
        sum("rcross")
    );
    s += "end\n";
    s += "always @(posedge clock) begin\n";
    // Peek control.
    s += "  if (peek_go) begin peek_pend <= 1'b1; peek_bank <= peek_loc[13:12]; peek_bucket <= peek_loc[11:0]; peek_done <= 1'b0; end\n";
    for b in 0..BANKS {
        let _ = writeln!(s, "  else if (k{b}_gpeek) peek_pend <= 1'b0;");
    }
    for b in 0..BANKS {
        let _ = writeln!(
            s,
            "  if (k{b}_ipeek) begin peek_row <= k{b}_base; peek_done <= 1'b1; end"
        );
    }
    // The frame record: G, H, I, J (the banks' results are registered at the end of I).
    s += "  g_f <= n_end & ~n_late; g_seq <= n_seq; g_fan <= n_fan; g_addr <= n_addr;\n";
    s += "  h_f <= g_f; h_seq <= g_seq; h_fan <= g_fan; h_addr <= g_addr;\n";
    s += "  i_f <= h_f; i_seq <= h_seq; i_fan <= h_fan; i_addr <= h_addr;\n";
    s += "  j_f <= i_f; j_seq <= i_seq; j_fan <= i_fan; j_addr <= i_addr;\n";
    // Counters.
    s += "  if (n_end) begin\n    c_frames <= c_frames + 64'd1;\n    c_fanout <= c_fanout + {57'd0, popcount32(n_fan)};\n";
    s += "    if (n_late) c_late <= c_late + 64'd1;\n  end\n";
    s += "  c_updates <= c_updates + {61'd0, n_upd}; c_new <= c_new + {61'd0, n_new};\n";
    s += "  c_full <= c_full + {61'd0, n_full}; c_crossed <= c_crossed + {61'd0, n_cross};\n";
    // News into the result RAM at the first beat's delay-line address.
    s += "  if (j_f) res[j_addr] <= {j_seq, crossed_m, j_fan | full_m};\n";
    // Delay line: written every cycle, read DELAY cycles later with the news beside it.
    let _ = writeln!(s, "  dl[wp] <= e_x;\n  dl_seq[wp] <= n_seq;\n  dl_q <= dl[wp];\n  dl_seq_q <= dl_seq[wp];\n  res_q <= res[wp];\n  en_q <= enable;");
    let _ = writeln!(
        s,
        "  o_x <= dl_q;\n  o_n <= en_q & dl_q[{sof}] & (res_q[95:64] == dl_seq_q) & (|res_q[63:0]);",
        sof = field_at("sof")
    );
    s += "  o_c <= res_q[63:32];\n  o_u <= res_q[31:0];\n";
    s += "  if (reset) begin\n    peek_pend <= 1'b0; peek_done <= 1'b0; g_f <= 1'b0; h_f <= 1'b0; i_f <= 1'b0; j_f <= 1'b0;\n";
    s += "    c_frames <= 64'd0; c_updates <= 64'd0; c_new <= 64'd0; c_full <= 64'd0; c_fanout <= 64'd0; c_crossed <= 64'd0; c_late <= 64'd0;\n";
    let _ = writeln!(s, "    o_x[{}] <= 1'b0;\n  end\nend", field_at("valid"));
    s += "function [6:0] popcount32(input [31:0] x);\n  integer n;\n  begin\n    popcount32 = 7'd0;\n";
    s += "    for (n = 0; n < 32; n = n + 1) popcount32 = popcount32 + {6'd0, x[n]};\n  end\nendfunction\n";
    s += "always @(*) begin\n";
    s += &beat_unpack("o_x", "o_");
    s += "  o_news = o_n;\n  o_crossed = o_n ? o_c : 32'd0;\n  o_uncounted = o_n ? o_u : 32'd0;\n";
    s += "  counters = {c_creports, conn_counters, c_elate, c_records, c_reports, c_epochs, c_late, c_crossed, c_fanout, c_full, c_new, c_updates, c_frames};\nend\n";
    s
}

/// Epochs: arming, the boundary, the flip of the table halves, the refused count per half, the
/// sweep that clears both halves after reset.
fn epochs() -> String {
    let ts = field_at("ts");
    let mut s = String::new();
    s += "always @(*) begin\n";
    s += "  ep_on = epochs_on & (epoch_ns != 64'd0);\n  arm = ep_on & ~arm_q;\n";
    let _ = writeln!(
        s,
        "  want_flip = ep_on & ~arm & ((e_valid & e_last & (e_x[{ts} +: 64] >= bound)) | (now >= bound + 64'd{EPOCH_GUARD_NS}));"
    );
    s += "  flip = want_flip & ~draining & ~clearing;\n  cur_next = cur ^ flip;\n  sh = ~cur;\nend\n";
    s += "always @(posedge clock) begin\n";
    s += "  arm_q <= ep_on;\n";
    s += "  if (arm) begin bound <= epoch_start; epoch_no <= 32'd0; end\n";
    s += "  if (flip) begin\n    cur <= ~cur; bound <= bound + epoch_ns; epoch_no <= epoch_no + 32'd1;\n";
    s += "    d_epoch <= epoch_no; d_end <= bound; d_len <= epoch_ns; draining <= 1'b1; late_mark <= 1'b0;\n";
    s += "    c_epochs <= c_epochs + 64'd1;\n  end\n";
    s += "  if (want_flip & ~flip & ~late_mark) begin c_elate <= c_elate + 64'd1; late_mark <= 1'b1; end\n";
    s += "  if (rp_on & (rp_j == rp_n) & rp_last) draining <= 1'b0;\n";
    // Refused updates per half: fanout at the frame's end, bucket-full at I (of its own half).
    s += "  refused0 <= ((flip & ~cur_next) ? 32'd0 : refused0) + ((n_end & ~cur_next) ? {25'd0, popcount32(n_fan)} : 32'd0) + (~k0_ihalf ? {29'd0, n_full} : 32'd0);\n";
    s += "  refused1 <= ((flip & cur_next) ? 32'd0 : refused1) + ((n_end & cur_next) ? {25'd0, popcount32(n_fan)} : 32'd0) + (k0_ihalf ? {29'd0, n_full} : 32'd0);\n";
    let _ = writeln!(
        s,
        "  if (clearing) begin clr_b <= clr_b + 12'd1; if (clr_b == 12'd{}) clearing <= 1'b0; end",
        (1 << BUCKET_BITS) - 1
    );
    s += "  if (reset) begin\n    cur <= 1'b0; arm_q <= 1'b0; clearing <= 1'b1; clr_b <= 12'd0; draining <= 1'b0; late_mark <= 1'b0;\n";
    s += "    bound <= 64'd0; epoch_no <= 32'd0; refused0 <= 32'd0; refused1 <= 32'd0; c_epochs <= 64'd0; c_elate <= 64'd0;\n  end\nend\n";
    s += "always @(*) status = {epoch_no[15:0], 14'd0, draining, ~clearing & conn_ready};\n";
    s
}

/// The scanner: after a flip, reads bucket by bucket the half just closed (all banks at once),
/// clears each row it read, and hands the held entries one per cycle to the record FIFO.
fn scanner() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reg [{}:0] rb [0:{}];\nreg [15:0] rmask, rpick;\nreg [3:0] rk;",
        ROW_BITS - 1,
        BANKS - 1
    );
    s += "reg [511:0] rf [0:31];\nreg [4:0] rf_w, rf_r;\nreg [5:0] rf_n;\nreg push, pop;\nreg [511:0] rentry;\nreg [15:0] s_valid;\n";
    let valid: Vec<String> = (0..BANKS)
        .rev()
        .flat_map(|b| {
            (0..WAYS)
                .rev()
                .map(move |w| format!("(sh ? k{b}_q1[{0}] : k{b}_q0[{0}])", 512 * w + 448))
        })
        .collect();
    s += "always @(*) begin\n";
    let _ = writeln!(s, "  s_valid = {{{}}};", valid.join(", "));
    s += "  rpick = rmask & (~rmask + 16'd1);\n  rk = 4'd0;\n";
    s += "  for (k = 0; k < 16; k = k + 1) if (rpick[k]) rk = k[3:0];\n";
    s += "  rentry = rb[rk[3:2]][512*rk[1:0] +: 512];\n";
    s += "  push = (rmask != 16'd0) & (rf_n != 6'd32);\n";
    // One bucket a cycle while the rows read are empty; a row with entries waits for the last
    // of its entries to be handed on.
    s += "  s_issue = s_scan & (s_wait == 3'd0) & ~s_all & (~s_rd | (s_valid == 16'd0)) & ((rmask & ~(push ? rpick : 16'd0)) == 16'd0);\n";
    s += "  s_done = s_scan & (s_wait == 3'd0) & s_all & ~s_rd & (rmask == 16'd0);\nend\n";
    s += "always @(posedge clock) begin\n";
    // Start four cycles after the flip: requests for the closed half have left the banks by then.
    s += "  if (flip) begin s_scan <= 1'b1; s_wait <= 3'd4; scan_b <= 12'd0; s_all <= 1'b0; end\n";
    s += "  else if (s_wait != 3'd0) s_wait <= s_wait - 3'd1;\n";
    s += "  s_rd <= s_issue;\n";
    let _ = writeln!(s, "  if (s_issue) begin s_addr <= scan_b; scan_b <= scan_b + 12'd1; if (scan_b == 12'd{}) s_all <= 1'b1; end", (1 << BUCKET_BITS) - 1);
    s += "  if (s_rd) begin\n";
    for b in 0..BANKS {
        let _ = writeln!(s, "    rb[{b}] <= sh ? k{b}_q1 : k{b}_q0;");
    }
    s += "    rmask <= s_valid;\n  end else if (push) rmask <= rmask & ~rpick;\n";
    s += "  if (push) begin rf[rf_w] <= record(rentry); rf_w <= rf_w + 5'd1; end\n";
    s += "  if (pop) rf_r <= rf_r + 5'd1;\n";
    s += "  rf_n <= rf_n + {5'd0, push} - {5'd0, pop};\n";
    s += "  if (rp_on & (rp_j == rp_n) & rp_last) s_scan <= 1'b0;\n";
    s += "  if (reset) begin s_scan <= 1'b0; s_rd <= 1'b0; s_wait <= 3'd0; rmask <= 16'd0; rf_w <= 5'd0; rf_r <= 5'd0; rf_n <= 6'd0; end\nend\n";
    // An entry as a report record (proto::report): key, packets, bytes big-endian, then flags.
    s += "function [511:0] record(input [511:0] e);\n  integer i;\n  begin\n    record = 512'd0;\n";
    s += "    for (i = 0; i < 40; i = i + 1) record[8*i +: 8] = e[440 - 8*i +: 8];\n";
    s += "    for (i = 0; i < 8; i = i + 1) begin\n      record[320 + 8*i +: 8] = e[56 - 8*i +: 8];\n      record[384 + 8*i +: 8] = e[120 - 8*i +: 8];\n    end\n";
    s += "    record[448] = e[449];\n  end\nendfunction\n";
    s
}

/// The report builder: frames of up to MAX_RECORDS records placed where the output stream has
/// room. It starts a frame only while the conn and tag stages are empty and nothing is on its way
/// to them, and the delay line shows the next `n + 2 - CONN_PASS_LATENCY` beats free: a beat
/// leaving this stage then needs the conn stage's `CONN_PASS_LATENCY` cycles and at least one in
/// the tag stage to reach the output, which the report frame has left by then. No data frame
/// waits for a report.
fn reports() -> String {
    use vantage_proto::conntable::{CONN_RECORD_BYTES, MAX_CONN_RECORDS};
    use vantage_proto::header::{REPORT_LEN, TLV_REPORT, VERSION};
    use vantage_proto::report::{
        report_flags, MAX_RECORDS, RECORD_BYTES, REPORT_DST_MAC, REPORT_ETHERTYPE,
        REPORT_HEADER_BYTES, REPORT_SRC_MAC,
    };
    let mut s = String::new();
    let window = MAX_RECORDS + 2;
    let mac = |m: [u8; 6]| {
        format!(
            "48'h{}",
            m.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    let _ = writeln!(
        s,
        "localparam [47:0] RPT_DST = {};\nlocalparam [47:0] RPT_SRC = {};",
        mac(REPORT_DST_MAC),
        mac(REPORT_SRC_MAC)
    );
    let _ = writeln!(
        s,
        "localparam [15:0] RPT_VER_WORDS = 16'h{:02x}{:02x};",
        VERSION,
        REPORT_HEADER_BYTES / 4
    );
    let _ = writeln!(s, "localparam [15:0] RPT_TLV = 16'h{TLV_REPORT:02x}{REPORT_LEN:02x};\nlocalparam [15:0] RPT_ET = 16'h{REPORT_ETHERTYPE:04x};");
    let _ = writeln!(
        s,
        "reg [{}:0] vsr;\nreg [7:0] hist;\nreg [4:0] fr, room, nrec;\nreg go, go_last;",
        DELAY - 1
    );
    s += "reg [15:0] rp_idx, h_n, h_flags;\nreg [31:0] rp_total, rp_refused, rp_sum;\nreg [511:0] hbeat;\n";
    // Connection report frames: records of two beats each, sent when no epoch frame goes.
    s += "reg rp_conn, cgo;\nreg [4:0] croom, cnrec;\nreg [15:0] cidx, ch_n, ch_flags;\nreg [31:0] csent, csum, zero32, c_lost;\nreg [63:0] c_creports, zero64;\nreg [511:0] chbeat;\n";
    s += "reg r_valid_q, r_last_q;\nreg [511:0] r_data_q;\n";
    s += "always @(*) begin\n";
    // fr: how many reads from now on meet only empty delay-line slots (up to the window).
    let _ = writeln!(s, "  fr = 5'd{window};");
    let _ = writeln!(
        s,
        "  for (k = {}; k >= 0; k = k - 1) if (vsr[{} - k]) fr = k[4:0];",
        window - 1,
        DELAY - 1
    );
    // The frames behind a report reach the output CONN_PASS_LATENCY cycles later than the delay
    // line shows: that much more room.
    let credit = CONN_PASS_LATENCY;
    const _: () = assert!(
        MAX_RECORDS + 2 + CONN_PASS_LATENCY < 32,
        "fr and room are 5 bits"
    );
    let _ = writeln!(
        s,
        "  room = (fr + 5'd{credit} >= 5'd2) ? fr + 5'd{credit} - 5'd2 : 5'd0;"
    );
    let _ = writeln!(
        s,
        "  nrec = (rf_n >= 6'd{MAX_RECORDS}) ? 5'd{MAX_RECORDS} : rf_n[4:0];"
    );
    s += "  if (room < nrec) nrec = room;\n";
    s += "  go_last = s_done & ({1'b0, nrec} == rf_n);\n";
    // A frame goes when it is full, when the epoch's last records are in the FIFO, or when the
    // FIFO is full (the scanner waits): then whatever fits the gap.
    let _ = writeln!(
        s,
        "  go = draining & ~rp_on & tag_idle & (hist == 8'd0) & (fr >= 5'd2) & s_scan & (s_wait == 3'd0) &\n       (((nrec != 5'd0) & ((nrec == 5'd{MAX_RECORDS}) | (rf_n == 6'd32) | s_done)) | ((rf_n == 6'd0) & s_done));"
    );
    s += "  pop = rp_on & ~rp_conn & (rp_j != 5'd0);\n";
    let _ = writeln!(
        s,
        "  croom = room >> 1;\n  cnrec = (c_count >= 6'd{MAX_CONN_RECORDS}) ? 5'd{MAX_CONN_RECORDS} : c_count[4:0];\n  if (croom < cnrec) cnrec = croom;"
    );
    // A frame goes when it is full or takes every queued record, or (the record queue three
    // quarters full) with whatever fits the gap, as epoch frames do when their FIFO fills.
    let _ = writeln!(
        s,
        "  cgo = ~go & ~rp_on & tag_idle & (hist == 8'd0) & (fr >= 5'd2) & (cnrec != 5'd0) & ((cnrec == 5'd{MAX_CONN_RECORDS}) | ({{1'b0, cnrec}} == c_count) | (c_count >= 6'd{}));",
        crate::stats::conns::RECORD_QUEUE * 3 / 4
    );
    s += "  c_pop = rp_on & rp_conn & (rp_j != 5'd0) & ~rp_j[0];\n";
    s += "  csum = csent + {28'd0, rp_n[4:1]};\n  zero32 = 32'd0;\n  zero64 = 64'd0;\n  c_lost = conn_counters[384 +: 32];\n";
    let _ = writeln!(
        s,
        "  ch_n = {{12'd0, rp_n[4:1]}};\n  ch_flags = {{8'd{}, 8'd{}}};",
        report_flags::CONNECTIONS,
        CONN_RECORD_BYTES / 4
    );
    s += "  rp_refused = sh ? refused1 : refused0;\n  rp_sum = rp_total + {27'd0, rp_n};\n";
    let _ = writeln!(
        s,
        "  h_n = {{11'd0, rp_n}};\n  h_flags = {{7'd0, rp_last, 8'd{}}};",
        RECORD_BYTES / 4
    );
    // Beat 0, byte i at bits 8i+7..8i (proto::report's diagram): an epoch's and a connection
    // frame's.
    let beats = [
        (
            "hbeat",
            [
                "d_epoch",
                "h_n",
                "rp_idx",
                "h_flags",
                "d_end",
                "d_len",
                "rp_sum",
                "rp_refused",
            ],
        ),
        (
            "chbeat",
            [
                "zero32", "ch_n", "cidx", "ch_flags", "zero64", "zero64", "csum", "c_lost",
            ],
        ),
    ];
    for (beat, [epoch, n, idx, flags, end, len, sum, refused]) in beats {
        let _ = writeln!(s, "  {beat} = 512'd0;");
        let mut put = |off: usize, bytes: usize, expr: &str| {
            for i in 0..bytes {
                let _ = writeln!(
                    s,
                    "  {beat}[{} +: 8] = {expr}[{} +: 8];",
                    8 * (off + i),
                    8 * (bytes - 1 - i)
                );
            }
        };
        put(0, 6, "RPT_DST");
        put(6, 6, "RPT_SRC");
        put(12, 2, "ethertype");
        put(14, 2, "RPT_VER_WORDS");
        put(16, 2, "RPT_TLV");
        put(18, 4, epoch);
        put(22, 2, n);
        put(24, 2, idx);
        put(26, 2, flags);
        put(28, 8, end);
        put(36, 8, len);
        put(44, 4, sum);
        put(48, 4, refused);
        put(60, 2, "RPT_ET");
    }
    s += "end\n";
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(
        s,
        "  vsr <= {{vsr[{}:0], e_valid}};\n  hist <= {{hist[6:0], vsr[{}]}};",
        DELAY - 2,
        DELAY - 1
    );
    s += "  if (go) begin rp_on <= 1'b1; rp_j <= 5'd0; rp_n <= nrec; rp_last <= go_last; rp_conn <= 1'b0; end\n";
    s += "  if (cgo) begin rp_on <= 1'b1; rp_j <= 5'd0; rp_n <= {cnrec[3:0], 1'b0}; rp_last <= 1'b0; rp_conn <= 1'b1; end\n";
    s += "  if (rp_on) begin\n    rp_j <= rp_j + 5'd1;\n";
    s += "    if (rp_j == rp_n) begin\n      rp_on <= 1'b0;\n";
    s += "      if (rp_conn) begin c_creports <= c_creports + 64'd1; cidx <= cidx + 16'd1; csent <= csum; end\n";
    s += "      else begin\n        c_reports <= c_reports + 64'd1;\n";
    s += "        rp_idx <= rp_last ? 16'd0 : rp_idx + 16'd1; rp_total <= rp_last ? 32'd0 : rp_sum;\n      end\n    end\n  end\n";
    s += "  if (pop) c_records <= c_records + 64'd1;\n";
    s += "  r_valid_q <= rp_on;\n  r_last_q <= rp_on & (rp_j == rp_n);\n";
    s += "  r_data_q <= (rp_j == 5'd0) ? (rp_conn ? chbeat : hbeat) : ~rp_conn ? rf[rf_r] : rp_j[0] ? c_data[511:0] : c_data[1023:512];\n";
    s += "  if (reset) begin\n    vsr <= 0; hist <= 8'd0; rp_on <= 1'b0; rp_idx <= 16'd0; rp_total <= 32'd0; r_valid_q <= 1'b0;\n";
    s += "    c_reports <= 64'd0; c_records <= 64'd0; rp_conn <= 1'b0; cidx <= 16'd0; csent <= 32'd0; c_creports <= 64'd0;\n  end\nend\n";
    s += "always @(*) begin\n  r_valid = r_valid_q;\n  r_last = r_last_q;\n  r_data = r_data_q;\n  r_busy = rp_on | r_valid_q;\nend\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_order_is_protos() {
        let names: Vec<&str> = vantage_proto::regs::stats::COUNTERS
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, COUNTER_ORDER);
    }

    #[test]
    fn rule_selects_are_flat() {
        assert_eq!(
            flatten_rule_selects(
                "a = rules[864 +: 32][15:8] & rules[0 +: 32][11] | rules[32 +: 32];"
            ),
            "a = rules[879:872] & rules[11] | rules[32 +: 32];"
        );
        assert!(!verilog().contains("+: 32]["));
    }

    #[test]
    fn every_beat_field_is_unpacked_once() {
        let v = verilog();
        for (n, _) in BEAT_FIELDS {
            assert_eq!(v.matches(&format!("  o_{n} = o_x[")).count(), 1, "o_{n}");
        }
    }
}
