//! The conn stage around the SYN table, as one generated Verilog leaf: the probe front (which
//! frames the table looks up, which it may hold), the decision line that carries each result to
//! where its frame leaves the stats stage, the payload store, the output queue with released SYNs
//! put in place, the queue of regenerated SYNs sent in gaps, and the counters.
//!
//! ```text
//!  parse slot (first beats) ─► probe front ─► SynTable (t+3) ─► decision line (ENTRY_DELAY) ─┐
//!  stats slot (every beat, STATS_OFFSET after parse) ─► L3 ─► L2 ─► L1 ─► X0 ─────────────────┤
//!                                                                          X0: decision meets its frame
//!   X0: held: the frame's beats dropped, written to the payload store at (bucket, way);
//!       absorbed: dropped; a give (release, expiry, flush): the payload store read
//!   X1: a release: its beats pushed just ahead of the releasing frame's first beat, unless the
//!       output is RELEASE_BACKLOG_LIMIT beats behind (late: to the regen queue, or, when that is
//!       full, to the keep queue, which sends it back to the table: kept in its reserved way
//!       until the scan gives it back); other gives: to the regen queue
//!   output queue (4 banks, up to 3 pushes a cycle, one pop) ─► sequencer ─► tag
//!   regen queue (REGEN_QUEUE) ─► sequencer, only where the queue is empty, no beat is in
//!       L3..X1, the tag stage is idle and no frame is half sent (or, when half full, at once:
//!       regen_inline, but only while the output queue is under REGEN_FORCE_BELOW beats). Gives
//!       the scan did not check room for (a late release, an expired record a new SYN takes the
//!       way of) enter it only while it has room for them and the checked ones on their way;
//!       otherwise a late release goes to the keep queue and an evicted record into the output
//!       in the place of the SYN that took its way (regen_inline). regen_lost counts what finds
//!       no room anywhere, and a keep that comes after its way's reservation
//!
//!  payload store at (bucket, way):  beat 0 {keep, data} | beat 1 {keep, data} | meta (PM_FIELDS)
//!  output entry (ENTRY_FIELDS, first in the high bits), one beat to the tag stage
//! ```
//! Every beat leaves the queue at max(pushed + 1, previous + 1): the model's output clock
//! (`model::conn`) shifted by a constant, so the late test is the model's, on the queue's
//! occupancy less this cycle's pop. Only the Verilog exists: Verilator runs it in the top.

use crate::conn::table::LOC_BITS;
use rust_hdl::prelude::*;
use std::fmt::Write;
use vantage_proto::conn::{lookup, tcp_flags, Why, HOLD_BYTES, REGEN_QUEUE, RELEASE_BACKLOG_LIMIT};
use vantage_proto::datapath::{CONN_LOOKAHEAD as LOOKAHEAD, STATS_OFFSET};
use vantage_proto::flags::ParseFlags;

/// Fields of an output entry (one beat to the tag stage), first in the high bits.
pub const ENTRY_FIELDS: [(&str, usize); 17] = [
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
    ("l3", 8),
    ("proto", 8),
    ("news", 1),
    ("crossed", 32),
    ("uncounted", 32),
    ("syn", 1),
    ("info", 80),
];
/// Fields of a held frame's metadata in the payload store (what tagging it later needs).
const PM_FIELDS: [(&str, usize); 10] = [
    ("len", 8),
    ("fits", 1),
    ("ts", 64),
    ("hash", 32),
    ("flags", 16),
    ("l3", 8),
    ("proto", 8),
    ("news", 1),
    ("crossed", 32),
    ("uncounted", 32),
];
/// Bits of a decision-line entry: result valid, kind, give valid, why, location, retransmissions,
/// span.
const DL_BITS: usize = 1 + 3 + 1 + 3 + LOC_BITS + 16 + 48;
/// Depth of the decision line's RAM (its delay is this plus `DL_REGS` + 1 registers).
const DL_DEPTH: usize = 256;
/// Bank address bits of the output queue (4 banks).
const OQ_BANK_BITS: usize = 7;
/// Entries of the output queue.
pub const OQ_DEPTH: usize = 4 << OQ_BANK_BITS;
/// Entries of the keep queue (late releases on their way back to the table). It drains one a
/// cycle in cycles without a lookup, at least one in two at 100 Gb/s, and fills at most one a frame.
const KEEP_QUEUE: usize = 16;
const _: () = assert!(KEEP_QUEUE.is_power_of_two());
/// Bits of a keep-queue entry: location, retransmissions, span, the cycle it came in (low bits).
const KQ_BITS: usize = LOC_BITS + 16 + 48 + KQ_STAMP_BITS;
/// Cycles a keep may wait in the queue; older ones are dropped and counted lost, so that a keep
/// that issues always finds its own release's way still reserved (and not a later one's: the
/// way of a starved keep could have been taken and released again). Lookups every cycle (faster
/// than any MAC) are what starve it.
const KEEP_MAX_AGE: usize = 4 * KEEP_QUEUE;
/// Bits of an entry's stamp: wider than the longest stay (each head leaves within
/// `KEEP_MAX_AGE + 1` cycles).
const KQ_STAMP_BITS: usize = 12;
const _: () = assert!(KEEP_QUEUE * (KEEP_MAX_AGE + 2) < 1 << KQ_STAMP_BITS);
const _: () = assert!(
    vantage_proto::conn::RELEASE_RESERVE_CYCLES as usize
        >= crate::conn::table::LATENCY + entry_delay() + 3 + KEEP_MAX_AGE,
    "a keep must reach the table within its way's reservation"
);
/// Regen-queue occupancy from which it is sent at once, moving frames (`regen_inline`).
const REGEN_FORCE: usize = REGEN_QUEUE / 2;
/// ... but only while the output queue is under this many beats: a forced SYN sent into a release
/// backlog would push the next releases late, and late ones fill the regen queue again.
const REGEN_FORCE_BELOW: usize = RELEASE_BACKLOG_LIMIT / 4;
/// The scan may issue while the regen queue and the gives on their way to it leave this many.
const REGEN_ROOM: usize = REGEN_FORCE - crate::conn::table::IN_FLIGHT - 1;
const _: () = assert!(
    OQ_DEPTH >= 2 * RELEASE_BACKLOG_LIMIT,
    "the queue must hold the backlog"
);
const _: () = assert!(HOLD_BYTES == 128, "a held frame is one or two beats");
const _: () = assert!(REGEN_QUEUE.is_power_of_two() && REGEN_QUEUE == 16);

/// The order of `ConnPath::counters`: the names of `proto::regs::conn::COUNTERS`.
pub const COUNTER_ORDER: [&str; 13] = [
    "frames",
    "held",
    "retransmissions",
    "released",
    "late",
    "expired",
    "flushed",
    "fail_long",
    "fail_full",
    "fail_unclean",
    "regen_inline",
    "regen_lost",
    "kept",
];
/// Bits of the packed counters.
pub const COUNTER_BITS: usize = 64 * COUNTER_ORDER.len();

#[derive(LogicBlock, Default)]
pub struct ConnPath {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// conn.CONTROL bit 0 and tag.CONTROL bit 0: SYNs may be held.
    pub hold: Signal<In, Bit>,
    /// The parse stage's first beats: valid and first beat, IP addresses parsed, transport
    /// protocol, ports read, packed parse flags, length in lanes (255: longer than the window),
    /// a MAC error on the frame's last beat inside the window, TCP flags.
    pub q_valid: Signal<In, Bit>,
    pub q_sof: Signal<In, Bit>,
    pub q_ip_ok: Signal<In, Bit>,
    pub q_proto: Signal<In, Bits<8>>,
    pub q_ports: Signal<In, Bit>,
    pub q_flags: Signal<In, Bits<16>>,
    pub q_len: Signal<In, Bits<8>>,
    pub q_user_end: Signal<In, Bit>,
    pub q_tcp_flags: Signal<In, Bits<8>>,
    /// To the table: look this frame up; hold it if it is new; it is a plain SYN.
    pub p_valid: Signal<Out, Bit>,
    pub p_holdable: Signal<Out, Bit>,
    pub p_plain: Signal<Out, Bit>,
    /// The scan may issue (room for its record on the way to the regen queue).
    pub room: Signal<Out, Bit>,
    /// To the table: the keep queue's head (`SynTable::k_valid`..`k_span`).
    pub k_valid: Signal<Out, Bit>,
    pub k_loc: Signal<Out, Bits<LOC_BITS>>,
    pub k_retrans: Signal<Out, Bits<16>>,
    pub k_span: Signal<Out, Bits<48>>,
    /// From the table: the head issued; a keep came too late (lost); a keep kept its SYN; some
    /// SYN is kept (still to come back: `pending`).
    pub k_take: Signal<In, Bit>,
    pub k_lost: Signal<In, Bit>,
    pub k_kept: Signal<In, Bit>,
    pub any_kept: Signal<In, Bit>,
    /// From the table (`SynTable`'s outputs).
    pub r_valid: Signal<In, Bit>,
    pub r_kind: Signal<In, Bits<3>>,
    pub r_loc: Signal<In, Bits<LOC_BITS>>,
    pub g_valid: Signal<In, Bit>,
    pub g_why: Signal<In, Bits<3>>,
    pub g_loc: Signal<In, Bits<LOC_BITS>>,
    pub g_ts: Signal<In, Bits<64>>,
    pub g_last: Signal<In, Bits<64>>,
    pub g_retrans: Signal<In, Bits<16>>,
    /// The stats stage's output beats (`stats::Stats::slot_out`, fields the tag stage reads).
    pub s_valid: Signal<In, Bit>,
    pub s_sof: Signal<In, Bit>,
    pub s_last: Signal<In, Bit>,
    pub s_user: Signal<In, Bit>,
    pub s_keep: Signal<In, Bits<64>>,
    pub s_data: Signal<In, Bits<512>>,
    pub s_len: Signal<In, Bits<8>>,
    pub s_fits: Signal<In, Bit>,
    pub s_ts: Signal<In, Bits<64>>,
    pub s_hash: Signal<In, Bits<32>>,
    pub s_flags: Signal<In, Bits<16>>,
    pub s_l3: Signal<In, Bits<8>>,
    pub s_proto: Signal<In, Bits<8>>,
    pub s_news: Signal<In, Bit>,
    pub s_crossed: Signal<In, Bits<32>>,
    pub s_uncounted: Signal<In, Bits<32>>,
    /// The tag stage will be idle when a beat sent now reaches it (a regenerated SYN may go).
    pub tag_idle: Signal<In, Bit>,
    /// The stats stage is sending a report frame (merged after the tag stage): no regenerated
    /// SYN may start.
    pub report_busy: Signal<In, Bit>,
    /// The stage holds no beat and no regenerated SYN (the stats stage's report frames wait for
    /// it, and for the tag stage).
    pub idle: Signal<Out, Bit>,
    /// To the tag stage: one beat a cycle at most; `syn` on the beats of a given-back SYN with
    /// its TLV value (`info`, `proto::conn::SynInfo` bytes, first in the high bits).
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
    pub o_l3: Signal<Out, Bits<8>>,
    pub o_proto: Signal<Out, Bits<8>>,
    pub o_news: Signal<Out, Bit>,
    pub o_crossed: Signal<Out, Bits<32>>,
    pub o_uncounted: Signal<Out, Bits<32>>,
    pub o_syn: Signal<Out, Bit>,
    pub o_info: Signal<Out, Bits<80>>,
    /// Regenerated SYNs wait (or are on their way to the queue).
    pub pending: Signal<Out, Bit>,
    /// Counters in `COUNTER_ORDER`, first in the low bits.
    pub counters: Signal<Out, Bits<COUNTER_BITS>>,
}

impl Logic for ConnPath {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.p_valid.connect();
        self.p_holdable.connect();
        self.p_plain.connect();
        self.room.connect();
        self.k_valid.connect();
        self.k_loc.connect();
        self.k_retrans.connect();
        self.k_span.connect();
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
        self.o_l3.connect();
        self.o_proto.connect();
        self.o_news.connect();
        self.o_crossed.connect();
        self.o_uncounted.connect();
        self.o_syn.connect();
        self.o_info.connect();
        self.pending.connect();
        self.idle.connect();
        self.counters.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(verilog())
    }
}

/// Bits of a packed field list.
fn bits(fields: &[(&str, usize)]) -> usize {
    fields.iter().map(|f| f.1).sum()
}

/// Field `name` of the packed vector `v` laid out by `fields`.
fn at(fields: &[(&str, usize)], v: &str, name: &str) -> String {
    let mut top = bits(fields);
    for (n, w) in fields {
        top -= w;
        if *n == name {
            return format!("{v}[{top} +: {w}]");
        }
    }
    unreachable!("no field {name}")
}

/// `{prefix}field` for every field, concatenated in layout order.
fn concat(fields: &[(&str, usize)], prefix: &str) -> String {
    let parts: Vec<String> = fields.iter().map(|(n, _)| format!("{prefix}{n}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Bit position of field `name` in a packed vector laid out by `fields`.
fn lo(fields: &[(&str, usize)], name: &str) -> usize {
    let mut top = bits(fields);
    for (n, w) in fields {
        top -= w;
        if *n == name {
            return top;
        }
    }
    unreachable!("no field {name}")
}

fn verilog() -> String {
    let mut v = String::new();
    // Signals read before the block that drives them.
    v += "reg pop, late, gq_pop, at_lm1, at_l, at_lp1;\n";
    v += &probe_front();
    v += &decision_line();
    v += &payload_and_x1();
    v += &regen_way();
    v += &queues();
    v += &sequencer();
    v += &counters();
    v
}

/// The frames the table looks up and may hold (`model::conn::step`), and the fail-open reasons
/// carried to the table's result.
fn probe_front() -> String {
    let plain_mask = tcp_flags::SYN | tcp_flags::ACK | tcp_flags::RST | tcp_flags::FIN;
    let lat = crate::conn::table::LATENCY;
    let mut s = String::new();
    s += "reg tcp, plain, clean, short;\n";
    let _ = writeln!(s, "reg [{}:0] f_unclean, f_long;", lat - 1);
    s += "always @(*) begin\n";
    s += "  tcp = q_valid & q_sof & q_ip_ok & (q_proto == 8'd6) & q_ports;\n";
    let _ = writeln!(
        s,
        "  plain = (q_tcp_flags & 8'd{plain_mask}) == 8'd{};\n  clean = ((q_flags & 16'd{}) == 16'd0) & ~q_user_end;\n  short = (q_len != 8'd255) & (q_len <= 8'd{HOLD_BYTES});",
        tcp_flags::SYN,
        ParseFlags::MALFORMED
    );
    s +=
        "  p_valid = tcp;\n  p_plain = plain;\n  p_holdable = hold & plain & clean & short;\nend\n";
    // The reasons a SYN was not held, beside its lookup, to count them with a miss.
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(
        s,
        "  f_unclean <= {{f_unclean[{}:0], tcp & hold & plain & ~clean}};\n  f_long <= {{f_long[{}:0], tcp & hold & plain & clean & ~short}};\nend",
        lat.saturating_sub(2),
        lat.saturating_sub(2)
    );
    s
}

/// The table's results, delayed to meet their frames at X0.
fn decision_line() -> String {
    let delay = entry_delay();
    let regs = delay - DL_DEPTH - 1;
    let lb = LOC_BITS;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// decision line: {delay} cycles (RAM of {DL_DEPTH}, {regs} registers after it)"
    );
    let _ = writeln!(
        s,
        "reg [{}:0] dl [0:{}];\nreg [{}:0] dl_wp;\nreg [{}:0] e_in, dq;",
        DL_BITS - 1,
        DL_DEPTH - 1,
        DL_DEPTH.trailing_zeros() - 1,
        DL_BITS - 1
    );
    for k in 1..=regs {
        let _ = writeln!(s, "reg [{}:0] dq{k};", DL_BITS - 1);
    }
    // The entry meeting its frame at X0.
    let last = if regs == 0 {
        "dq".to_string()
    } else {
        format!("dq{regs}")
    };
    let _ = writeln!(s, "wire [{}:0] d = {last};", DL_BITS - 1);
    // After a reset (the shell's, at any time) the RAM and registers still hold entries from
    // before it: the line says nothing until it has been refilled, `delay` cycles.
    const _: () = assert!(DL_DEPTH + 16 < 1024, "dl_fill is 10 bits");
    let _ = writeln!(
        s,
        "reg [9:0] dl_fill;\nwire dl_ok = dl_fill == 10'd{delay};\nalways @(posedge clock) begin\n  if (~dl_ok) dl_fill <= dl_fill + 10'd1;\n  if (reset) dl_fill <= 10'd0;\nend"
    );
    let _ = writeln!(
        s,
        "wire d_rv = dl_ok & d[{}];\nwire [2:0] d_kind = d[{} +: 3];\nwire d_gv = dl_ok & d[{}];\nwire [2:0] d_why = d[{} +: 3];\nwire [{}:0] d_loc = d[64 +: {lb}];\nwire [15:0] d_retrans = d[48 +: 16];\nwire [47:0] d_span = d[0 +: 48];",
        DL_BITS - 1,
        DL_BITS - 4,
        DL_BITS - 5,
        DL_BITS - 8,
        lb - 1
    );
    // Records on their way to the regen queue: at most one per cycle of the line (9 bits).
    const _: () = assert!(DL_DEPTH + 16 < 512);
    s += "reg [63:0] span;\nreg [8:0] regen_way;\n";
    // A kept record (the table's only late give) carries its span in `g_last` itself.
    let _ = writeln!(
        s,
        "always @(*) begin\n  span = (g_why == 3'd{}) ? g_last : g_last - g_ts;",
        Why::Late as u8
    );
    let _ = writeln!(
        s,
        "  e_in = {{r_valid, r_kind, g_valid, g_why, g_valid ? g_loc : r_loc, g_retrans, (span[63:48] != 16'd0) ? 48'hffffffffffff : span[47:0]}};\nend"
    );
    s += "always @(posedge clock) begin\n  dl[dl_wp] <= e_in;\n  dq <= dl[dl_wp];\n  dl_wp <= dl_wp + 1'b1;\n";
    let mut prev = "dq".to_string();
    for k in 1..=regs {
        let _ = writeln!(s, "  dq{k} <= {prev};");
        prev = format!("dq{k}");
    }
    s += "  if (reset) dl_wp <= 0;\nend\n";
    s
}

/// The count of gives on their way to the regen queue: from the table's result until X1 pushes
/// them, so a give is always in this count or in the queue (`pending`, `room`). Emitted after X1.
fn regen_way() -> String {
    let rel = Why::Released as u8;
    format!(
        "always @(posedge clock) begin\n  regen_way <= regen_way + {{8'd0, g_valid & (g_why != 3'd{rel})}} - {{8'd0, x1_gv & (x1_why != 3'd{rel})}};\n  if (reset) regen_way <= 9'd0;\nend\n"
    )
}

/// Cycles from the table's result of a frame to its first beat at X0 (the stats stage's offset,
/// the look-ahead stages L3..L1 and X0, less the table's latency).
pub const fn entry_delay() -> usize {
    STATS_OFFSET + LOOKAHEAD + 1 - crate::conn::table::LATENCY
}

/// X0: the decision meets its frame (drop, hold, read for a give); X1: the pushes.
fn payload_and_x1() -> String {
    let pm_bits = bits(&PM_FIELDS);
    let lb = LOC_BITS;
    let n = 1usize << lb;
    let mut s = String::new();
    // The look-ahead stages L3..L1 and X0: the stats slot, packed as an output entry.
    let e_bits = bits(&ENTRY_FIELDS);
    s += "reg s_syn;\nreg [79:0] s_info;\n";
    s += "always @(*) begin s_syn = 1'b0; s_info = 80'd0; end\n";
    for k in (0..=LOOKAHEAD).rev() {
        let _ = writeln!(s, "reg la{k}_v;\nreg [{}:0] la{k};", e_bits - 1);
    }
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(
        s,
        "  la{LOOKAHEAD}_v <= s_valid;\n  la{LOOKAHEAD} <= {};",
        concat(&ENTRY_FIELDS, "s_")
    );
    for k in (0..LOOKAHEAD).rev() {
        let _ = writeln!(s, "  la{k}_v <= la{}_v; la{k} <= la{};", k + 1, k + 1);
    }
    s += "  if (reset) begin\n";
    for k in 0..=LOOKAHEAD {
        let _ = writeln!(s, "    la{k}_v <= 1'b0;");
    }
    s += "  end\nend\n";
    let ef = |v: &str, f: &str| at(&ENTRY_FIELDS, v, f);
    // X0 is la0.
    let _ = writeln!(
        s,
        "(* ram_style = \"ultra\" *) reg [575:0] pb0 [0:{}];\n(* ram_style = \"ultra\" *) reg [575:0] pb1 [0:{}];\n(* ram_style = \"ultra\" *) reg [{}:0] pm [0:{}];",
        n - 1,
        n - 1,
        pm_bits - 1,
        n - 1
    );
    let _ = writeln!(
        s,
        "reg drop, x0_drop, hw_on;\nreg [{}:0] hw_loc;\nreg [575:0] rd0, rd1;\nreg [{}:0] rdm;",
        lb - 1,
        pm_bits - 1
    );
    let held = lookup::HELD;
    let absorbed = lookup::ABSORBED;
    let _ = writeln!(
        s,
        "wire x0_sof = la0_v & {sof};\nwire x0_hold = x0_sof & d_rv & (d_kind == 3'd{held});\nwire x0_new_drop = x0_sof & d_rv & ((d_kind == 3'd{held}) | (d_kind == 3'd{absorbed}));",
        sof = ef("la0", "sof")
    );
    s += "always @(*) x0_drop = x0_sof ? x0_new_drop : drop;\n";
    let pm_src: Vec<String> = PM_FIELDS.iter().map(|(f, _)| ef("la0", f)).collect();
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(s, "  if (la0_v) drop <= x0_drop & ~{};", ef("la0", "last"));
    // Reads first (read-first: an overwritten record's frame is read in the cycle the new one is
    // written; beat 1 is written a cycle later still).
    // A scan or flush step may take a SYN held a cycle earlier (its second beat's cycle has no
    // probe): its second beat is the one being written, not the store's.
    let _ = writeln!(
        s,
        "  rd0 <= pb0[d_loc]; rdm <= pm[d_loc];\n  rd1 <= (la0_v & ~{sof} & hw_on & (hw_loc == d_loc)) ? {{{keep}, {data}}} : pb1[d_loc];",
        sof = ef("la0", "sof"),
        keep = ef("la0", "keep"),
        data = ef("la0", "data")
    );
    let _ = writeln!(
        s,
        "  if (x0_hold) begin pb0[d_loc] <= {{{keep}, {data}}}; pm[d_loc] <= {{{pm}}}; hw_loc <= d_loc; end",
        keep = ef("la0", "keep"),
        data = ef("la0", "data"),
        pm = pm_src.join(", ")
    );
    let _ = writeln!(
        s,
        "  if (la0_v & ~{sof} & hw_on) pb1[hw_loc] <= {{{keep}, {data}}};",
        sof = ef("la0", "sof"),
        keep = ef("la0", "keep"),
        data = ef("la0", "data")
    );
    let _ = writeln!(s, "  if (la0_v) hw_on <= x0_hold & ~{};", ef("la0", "last"));
    s += "  if (reset) begin drop <= 1'b0; hw_on <= 1'b0; end\nend\n";
    // X1.
    let _ = writeln!(
        s,
        "reg x1_v, x1_drop, x1_gv, x1_rel, x1_sure;\nreg [2:0] x1_why;\nreg [15:0] x1_retrans;\nreg [47:0] x1_span;\nreg [{}:0] x1;\nreg [{}:0] x1_loc;",
        e_bits - 1,
        lb - 1
    );
    let rel = Why::Released as u8;
    s += "always @(posedge clock) begin\n";
    s += "  x1_v <= la0_v; x1 <= la0; x1_drop <= x0_drop;\n";
    let _ = writeln!(s, "  x1_gv <= d_gv; x1_why <= d_why; x1_retrans <= d_retrans; x1_span <= d_span; x1_loc <= d_loc;\n  x1_rel <= d_gv & (d_why == 3'd{rel});\n  x1_sure <= d_gv & ~d_rv;");
    s += "  if (reset) begin x1_v <= 1'b0; x1_gv <= 1'b0; x1_rel <= 1'b0; x1_sure <= 1'b0; end\nend\n";
    // The given-back SYN as one or two output entries.
    let pf = |f: &str| at(&PM_FIELDS, "rdm", f);
    s += "reg g_two;\n";
    let _ = writeln!(
        s,
        "reg [{}:0] gb0, gb1;\nreg [79:0] g_info;\nreg [2:0] g_why_out;",
        e_bits - 1
    );
    s += "always @(*) begin\n";
    let _ = writeln!(s, "  g_two = {} > 8'd64;", pf("len"));
    // Late: the queue's occupancy less this cycle's pop, plus the SYN's beats, over the limit.
    // Compared with the registered occupancy for each case, so the pop (which waits for the
    // sequencer) only picks: oq_n + beats - pop > LIMIT  <=>  oq_n >= LIMIT + 1 + pop - beats.
    let lim = RELEASE_BACKLOG_LIMIT;
    let _ = writeln!(
        s,
        "  at_lm1 = oq_n >= 10'd{};\n  at_l = oq_n >= 10'd{lim};\n  at_lp1 = oq_n >= 10'd{};",
        lim - 1,
        lim + 1
    );
    s += "  late = x1_rel & (g_two ? (pop ? at_l : at_lm1) : (pop ? at_lp1 : at_l));\n";
    let _ = writeln!(s, "  g_why_out = late ? 3'd{} : x1_why;", Why::Late as u8);
    s += "  g_info = {5'd0, g_why_out, 8'd0, x1_retrans, x1_span};\n";
    // Beat 0 and beat 1 of the given-back frame.
    let fields0: Vec<String> = ENTRY_FIELDS
        .iter()
        .map(|(f, w)| match *f {
            "sof" => "1'b1".into(),
            "last" => "~g_two".into(),
            "user" => "1'b0".into(),
            "keep" => "rd0[575:512]".into(),
            "data" => "rd0[511:0]".into(),
            "syn" => "1'b1".into(),
            "info" => "g_info".into(),
            other => {
                if PM_FIELDS.iter().any(|p| p.0 == other) {
                    pf(other)
                } else {
                    format!("{w}'d0")
                }
            }
        })
        .collect();
    let _ = writeln!(s, "  gb0 = {{{}}};", fields0.join(", "));
    let _ = writeln!(
        s,
        "  gb1 = gb0;\n  {} = 1'b0;\n  {} = 1'b1;\n  {} = rd1[575:512];\n  {} = rd1[511:0];\nend",
        ef("gb1", "sof"),
        ef("gb1", "last"),
        ef("gb1", "keep"),
        ef("gb1", "data")
    );
    s
}

/// The output queue (4 banks, pushes of up to three consecutive entries) and the regen queue.
fn queues() -> String {
    let e_bits = bits(&ENTRY_FIELDS);
    let ab = OQ_BANK_BITS + 2;
    let mut s = String::new();
    for b in 0..4 {
        let _ = writeln!(
            s,
            "reg [{}:0] oq{b} [0:{}];",
            e_bits - 1,
            (1 << OQ_BANK_BITS) - 1
        );
    }
    let _ = writeln!(s, "reg [{}:0] oq_wp, oq_rp;\nreg [{}:0] oq_n;", ab - 1, ab);
    // Pushes this cycle: the release's beats (unless late), then the frame's beat (unless dropped).
    s += "reg push_rel, push_beat, evict_inline;\nreg [1:0] n_push;\n";
    let _ = writeln!(s, "reg [{}:0] in0, in1, in2;", e_bits - 1);
    s += "always @(*) begin\n";
    // A release in place, or an evicted record put where the SYN that took its way was.
    s += "  push_rel = (x1_rel & ~late) | evict_inline;\n  push_beat = x1_v & ~x1_drop;\n";
    s += "  in0 = push_rel ? gb0 : x1;\n  in1 = (push_rel & g_two) ? gb1 : x1;\n  in2 = x1;\n";
    s += "  n_push = (push_rel ? (g_two ? 2'd2 : 2'd1) : 2'd0) + {1'b0, push_beat};\n";
    s += "end\n";
    // Each of the (up to three) entries goes to bank (wp + k) mod 4.
    s += "always @(posedge clock) begin : oq_write\n  integer k;\n  reg [";
    let _ = writeln!(s, "{}:0] a;", ab - 1);
    s += "  for (k = 0; k < 3; k = k + 1) begin\n";
    s += "    a = oq_wp + k[8:0];\n";
    s += "    if (k < n_push) begin\n";
    for b in 0..4 {
        let _ = writeln!(
            s,
            "      if (a[1:0] == 2'd{b}) oq{b}[a[{}:2]] <= (k == 0) ? in0 : ((k == 1) ? in1 : in2);",
            ab - 1
        );
    }
    s += "    end\n  end\n";
    let _ = writeln!(
        s,
        "  oq_wp <= oq_wp + {{{}'d0, n_push}};\n  oq_rp <= oq_rp + {{{}'d0, pop}};\n  oq_n <= oq_n + {{{}'d0, n_push}} - {{{}'d0, pop}};",
        ab - 2,
        ab - 1,
        ab - 1,
        ab
    );
    s += "  if (reset) begin oq_wp <= 0; oq_rp <= 0; oq_n <= 0; end\nend\n";
    let _ = writeln!(s, "reg [{}:0] oq_head;", e_bits - 1);
    s += "always @(*) begin\n  case (oq_rp[1:0])\n";
    for b in 0..4 {
        let _ = writeln!(s, "    2'd{b}: oq_head = oq{b}[oq_rp[{}:2]];", ab - 1);
    }
    s += "  endcase\nend\n";
    // The regen queue: a given-back SYN's two entries side by side.
    let qb = REGEN_QUEUE.trailing_zeros() as usize;
    let _ = writeln!(
        s,
        "reg [{}:0] gq [0:{}];\nreg [{}:0] gq_wp, gq_rp;\nreg [{qb}:0] gq_n;\nreg gq_push;",
        2 * e_bits - 1,
        REGEN_QUEUE - 1,
        qb - 1
    );
    s += &regen_admission();
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(s, "  if (gq_push & (gq_n != {}'d{REGEN_QUEUE})) begin gq[gq_wp] <= {{gb0, gb1}}; gq_wp <= gq_wp + 1'b1; end", qb + 1);
    s += "  if (gq_pop) gq_rp <= gq_rp + 1'b1;\n";
    let _ = writeln!(
        s,
        "  gq_n <= gq_n + {{{qb}'d0, gq_push & (gq_n != {}'d{REGEN_QUEUE})}} - {{{qb}'d0, gq_pop}};",
        qb + 1
    );
    s += "  if (reset) begin gq_wp <= 0; gq_rp <= 0; gq_n <= 0; end\nend\n";
    let _ = writeln!(s, "wire [{}:0] gq_head = gq[gq_rp];", 2 * e_bits - 1);
    s += &keep_queue();
    s
}

/// Which gives enter the regen queue. The scan's and flush's (`sure`, issued only while `room`)
/// always find a place: the others (a late release, a record a new SYN's insert evicted) enter
/// only while the queue and the sure gives on their way leave room for all of them
/// (`gq_room`, registered: the sum grows by at most two a cycle, hence the margin of 4);
/// otherwise a late release goes to the keep queue, and an evicted record into the output queue
/// where the SYN that took its way was dropped (moving the frames behind it: regen_inline) while
/// the output queue has room.
fn regen_admission() -> String {
    let rel = Why::Released as u8;
    let mut s = String::new();
    s += "reg [8:0] sure_way;\nreg gq_room, oq_room, x1_evict;\n";
    let _ = writeln!(
        s,
        "always @(posedge clock) begin\n  sure_way <= sure_way + {{8'd0, g_valid & ~r_valid}} - {{8'd0, x1_gv & x1_sure}};\n  gq_room <= ({{4'd0, gq_n}} + sure_way) <= 9'd{};\n  oq_room <= oq_n <= 10'd{};\n  if (reset) begin sure_way <= 9'd0; gq_room <= 1'b0; oq_room <= 1'b0; end\nend",
        REGEN_QUEUE - 4,
        OQ_DEPTH - 8
    );
    let _ = writeln!(
        s,
        "always @(*) begin\n  x1_evict = x1_gv & (x1_why != 3'd{rel}) & ~x1_sure;\n  evict_inline = x1_evict & ~gq_room & oq_room;\n  gq_push = (x1_gv & x1_sure) | ((x1_evict | late) & gq_room);\nend"
    );
    s
}

/// The keep queue: a late release that finds the regen queue full goes back to the table, to be
/// kept in its reserved way (`SynTable::k_valid`); `kq_fly` covers the table's three stages until
/// the record counts as held again. The head is offered only while younger than `KEEP_MAX_AGE`
/// (`kq_ok`, registered: both possible next heads are aged in parallel); an older head is dropped.
fn keep_queue() -> String {
    let qb = KEEP_QUEUE.trailing_zeros() as usize;
    let sb = KQ_STAMP_BITS;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reg [{}:0] kq [0:{}];\nreg [{}:0] kq_wp, kq_rp;\nreg [{qb}:0] kq_n;\nreg [2:0] kq_fly;\nreg gq_full, kq_full, kq_push, g_lost, kq_ok, kq_stale, kq_pop, ok0, ok1;\nreg [{}:0] kq_now;",
        KQ_BITS - 1,
        KEEP_QUEUE - 1,
        qb - 1,
        sb - 1
    );
    let _ = writeln!(
        s,
        "always @(*) begin\n  gq_full = gq_n == {}'d{REGEN_QUEUE};\n  kq_full = kq_n == {}'d{KEEP_QUEUE};",
        REGEN_QUEUE.trailing_zeros() + 1,
        qb + 1
    );
    s += "  kq_push = late & ~gq_room & ~kq_full;\n";
    // Lost: a late release with neither queue, an evicted record with no room anywhere, and (a
    // guard; the admission rule keeps it from happening) a push into the full regen queue.
    s += "  g_lost = (late & ~gq_room & kq_full) | (x1_evict & ~gq_room & ~oq_room) | (gq_push & gq_full);\n";
    s += "  kq_stale = (kq_n != 0) & ~kq_ok;\n  k_valid = (kq_n != 0) & kq_ok;\n  kq_pop = k_take | kq_stale;\n";
    let _ = writeln!(
        s,
        "  {{k_loc, k_retrans, k_span}} = kq[kq_rp][{}:{sb}];",
        KQ_BITS - 1
    );
    // Next cycle's head is kq_rp, or kq_rp + 1 after a pop; with nothing else queued it can
    // only be this cycle's push (young).
    let age_ok = |idx: &str| {
        format!(
            "((kq_now + {sb}'d1 - kq[{idx}][{}:0]) <= {sb}'d{KEEP_MAX_AGE})",
            sb - 1
        )
    };
    let _ = writeln!(
        s,
        "  ok0 = (kq_n == {}'d0) | {};\n  ok1 = (kq_n == {}'d1) | {};\nend",
        qb + 1,
        age_ok("kq_rp"),
        qb + 1,
        age_ok("kq_rp + 1'b1")
    );
    s += "always @(posedge clock) begin\n";
    s += "  kq_now <= kq_now + 1'b1;\n  kq_ok <= kq_pop ? ok1 : ok0;\n";
    s += "  if (kq_push) begin kq[kq_wp] <= {x1_loc, x1_retrans, x1_span, kq_now}; kq_wp <= kq_wp + 1'b1; end\n";
    s += "  if (kq_pop) kq_rp <= kq_rp + 1'b1;\n";
    let _ = writeln!(
        s,
        "  kq_n <= kq_n + {{{qb}'d0, kq_push}} - {{{qb}'d0, kq_pop}};\n  kq_fly <= {{kq_fly[1:0], k_take}};"
    );
    s += "  if (reset) begin kq_wp <= 0; kq_rp <= 0; kq_n <= 0; kq_fly <= 3'd0; kq_now <= 0; kq_ok <= 1'b1; end\nend\n";
    s
}

/// One beat a cycle to the tag stage: the output queue's head, else a regenerated SYN in a gap.
fn sequencer() -> String {
    let e_bits = bits(&ENTRY_FIELDS);
    let qb = REGEN_QUEUE.trailing_zeros() as usize;
    let ef = |v: &str, f: &str| at(&ENTRY_FIELDS, v, f);
    let mut s = String::new();
    s += "reg g_start, g_second, mid, force_regen, gap, q_ahead;\n";
    let _ = writeln!(s, "reg [{}:0] o_e;\nreg o_v, o_inline;", e_bits - 1);
    s += "always @(*) begin\n";
    let la: Vec<String> = (1..=LOOKAHEAD).map(|k| format!("la{k}_v")).collect();
    let _ = writeln!(s, "  q_ahead = {} | la0_v | x1_v;", la.join(" | "));
    let _ = writeln!(
        s,
        "  force_regen = (gq_n >= {}'d{REGEN_FORCE}) & ~mid & ~g_second & ((oq_n == 0) | {}) & (oq_n < 10'd{REGEN_FORCE_BELOW}) & ~report_busy;",
        qb + 1,
        ef("oq_head", "sof")
    );
    s += "  gap = (oq_n == 0) & ~q_ahead & tag_idle & ~mid & ~report_busy;\n";
    s += "  g_start = ~g_second & (gq_n != 0) & (force_regen | gap);\n";
    s += "  pop = ~g_second & ~g_start & (oq_n != 0);\n";
    // The regen queue's head is {beat 0, beat 1}: beat 0's fields sit e_bits higher.
    let last0 = e_bits + lo(&ENTRY_FIELDS, "last");
    let _ = writeln!(
        s,
        "  gq_pop = g_second | (g_start & gq_head[{last0}]);\nend"
    );
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(
        s,
        "  o_v <= pop | g_start | g_second;\n  o_inline <= g_start & force_regen & ~gap;\n  o_e <= g_second ? gq_head[{}:0] : (g_start ? gq_head[{} +: {e_bits}] : oq_head);",
        e_bits - 1,
        e_bits
    );
    let _ = writeln!(s, "  g_second <= g_start & ~gq_head[{last0}];");
    let _ = writeln!(s, "  if (pop) mid <= ~{};", ef("oq_head", "last"));
    s += "  if (reset) begin o_v <= 1'b0; g_second <= 1'b0; mid <= 1'b0; end\nend\n";
    s += "always @(*) begin\n  o_valid = o_v;\n";
    for (f, _) in ENTRY_FIELDS {
        let _ = writeln!(s, "  o_{f} = {};", ef("o_e", f));
    }
    s += "  room = ({4'd0, gq_n} + regen_way) <= ";
    let _ = writeln!(s, "9'd{REGEN_ROOM};");
    s += "  pending = (gq_n != 0) | (regen_way != 9'd0) | g_second | (kq_n != 0) | (kq_fly != 3'd0) | any_kept;\n";
    s += "  idle = ~q_ahead & (oq_n == 0) & (gq_n == 0) & ~g_second & ~o_v;\nend\n";
    s
}

/// The counters (`COUNTER_ORDER`).
fn counters() -> String {
    let lat = crate::conn::table::LATENCY;
    let mut s = String::new();
    s += "reg [63:0] c_frames, c_held, c_retrans, c_released, c_late, c_expired, c_flushed, c_long, c_full, c_unclean, c_inline, c_lost, c_kept;\n";
    s += "always @(posedge clock) begin\n";
    let k = |x: u8| format!("3'd{x}");
    let _ = writeln!(s, "  if (r_valid) begin\n    c_frames <= c_frames + 64'd1;\n    if (r_kind == {}) c_held <= c_held + 64'd1;\n    if (r_kind == {}) c_retrans <= c_retrans + 64'd1;\n    if (r_kind == {}) c_full <= c_full + 64'd1;", k(lookup::HELD), k(lookup::ABSORBED), k(lookup::FULL));
    let _ = writeln!(
        s,
        "    if ((r_kind == {m}) & f_unclean[{l}]) c_unclean <= c_unclean + 64'd1;\n    if ((r_kind == {m}) & f_long[{l}]) c_long <= c_long + 64'd1;\n  end",
        m = k(lookup::MISS),
        l = lat - 1
    );
    let _ = writeln!(
        s,
        "  if (x1_rel & ~late) c_released <= c_released + 64'd1;\n  if (late) c_late <= c_late + 64'd1;\n  if (x1_gv & (x1_why == 3'd{})) c_expired <= c_expired + 64'd1;\n  if (x1_gv & (x1_why == 3'd{})) c_flushed <= c_flushed + 64'd1;",
        Why::Expired as u8,
        Why::Flushed as u8
    );
    s += "  c_inline <= c_inline + {63'd0, o_v & o_inline} + {63'd0, evict_inline};\n";
    s += "  c_lost <= c_lost + {63'd0, g_lost} + {63'd0, k_lost} + {63'd0, kq_stale};\n  c_kept <= c_kept + {63'd0, k_kept};\n";
    s += "  if (reset) begin c_frames <= 0; c_held <= 0; c_retrans <= 0; c_released <= 0; c_late <= 0; c_expired <= 0; c_flushed <= 0; c_long <= 0; c_full <= 0; c_unclean <= 0; c_inline <= 0; c_lost <= 0; c_kept <= 0; end\nend\n";
    s += "always @(*) counters = {c_kept, c_lost, c_inline, c_unclean, c_full, c_long, c_flushed, c_expired, c_late, c_released, c_retrans, c_held, c_frames};\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_order_is_protos() {
        let names: Vec<&str> = vantage_proto::regs::conn::COUNTERS
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, COUNTER_ORDER);
    }

    #[test]
    fn the_decision_line_reaches_its_frames() {
        assert!(entry_delay() > DL_DEPTH + 1);
    }
}
