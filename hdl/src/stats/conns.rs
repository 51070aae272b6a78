//! The history rule's connection table as one generated Verilog leaf: the segment checks, the
//! canonical key and bucket hash, the queue that keeps two steps of one bucket apart, the table
//! (`CONN_WAYS` ways of `2^CONN_BUCKET_BITS` rows), the way choice, the write-back after the
//! history unit (a separate leaf, `hist::StatsHist`, fed from `p3`, its result read into `p9`), the
//! background sweep and the flush, and the record queue the report builder reads. Behaviour:
//! `model::stats::conntable`; contract: `proto::conntable`.
//!
//! ```text
//!  request (frame end) ─► A0: lengths, canonical key ─► A: segment checks, unit fields ─► B: hash
//!    ─► queue (CONN_QUEUE) ─► issue t: row read ─► p1 (t+1): ways compared, dead tests
//!    ─► p2 (t+2): way chosen ─► p3 (t+3): the unit fed ─► p4..p8: the unit's stages
//!    ─► p9 (t+9): the unit's result, row written, record queued
//!  a frame steps when no frame or flush step of its bucket is in p1..p9 (CONN_OP_CYCLES = 10);
//!  sweep and flush steps take cycles no frame takes; a frame step cancels a sweep step of its
//!  bucket still in flight (the sweep would only have freed a dead way the frame treats as free)
//!  a flush is one pass of the pointer: a flush step takes one record, and its bucket is stepped
//!  again (a revisit, before the pointer moves on) until a step finds it empty
//! ```
//! The unit (`hist`) is pipelined by hand into `HIST_REGS` + 1 stages, which p3..p9 span. The ways'
//! compare and dead tests (64-bit time compares) have a cycle of their own: together with the
//! choice they measured 10 LUT levels.
//! Only the Verilog exists: Verilator runs it against the model; rust-hdl's own simulator sees
//! this leaf as silent.

use crate::stats::hist::HIST_REGS;
use crate::widgets::toeplitz;
use rust_hdl::prelude::*;
use std::fmt::Write;
use vantage_proto::conntable::{
    CONN_BUCKET_BITS, CONN_OP_CYCLES, CONN_QUEUE, CONN_RECORD_BYTES, CONN_WAYS, SWEEP_LAG_NS,
};
use vantage_proto::flags::ParseFlags;
use vantage_proto::hist::{
    state_layout, timer, HIST_LETTERS, LETTERS, LIKELY_SERVER_TCP_PORTS, LOWER, STATE_BITS,
};
use vantage_proto::stats::{HASH_KEY_BITS, HASH_KEY_BYTES, KEY_BITS};

/// Bits of the packed connection counters (`CONN_COUNTER_ORDER`, 64 each).
pub const CONN_COUNTER_BITS: usize = CONN_COUNTER_ORDER.len() * 64;
/// The connection table's counters, in `proto::regs::stats::COUNTERS` order (the report builder
/// in `core` counts `conn_reports`).
pub const CONN_COUNTER_ORDER: [&str; 7] = [
    "conn_frames",
    "conn_untracked",
    "conns",
    "conn_full",
    "conn_dropped",
    "conn_records",
    "conn_lost",
];
/// Bits of a connection record.
pub const RECORD_BITS: usize = CONN_RECORD_BYTES * 8;
/// Records the record queue holds.
pub const RECORD_QUEUE: usize = 32;
/// Stages from issue to write-back (p1..p9).
const STAGES: usize = CONN_OP_CYCLES - 1;
/// Buckets the flush may owe a revisit at once (a power of two): more than the steps in flight,
/// which are all that can push one while the pointer waits.
const REVISITS: usize = 16;
/// Bits of a revisit index.
const REVISIT_BITS: usize = 4;
const _: () = assert!(REVISITS == 1 << REVISIT_BITS && REVISITS > STAGES);
/// Bits of one table way: valid, key, state.
const WAY_BITS: usize = 1 + KEY_BITS + STATE_BITS;
/// Bits of the unit's frame fields in the queue (see `PKT_FIELDS`).
const PKT_BITS: usize = 222;
/// The unit's frame fields as they travel, (name, width), first in the high bits.
const PKT_FIELDS: [(&str, usize); 13] = crate::stats::hist::FRAME_FIELDS;
const _: () = assert!(CONN_WAYS == 4 && CONN_QUEUE == 16 && CONN_OP_CYCLES == 10);
const _: () = assert!(KEY_BITS == 320 && RECORD_BITS == 1024 && HIST_LETTERS == 16);
const _: () = assert!(RECORD_QUEUE.is_power_of_two() && RECORD_QUEUE > STAGES + 2);
/// The unit is fed from p3 and its result registered into the last stage, the write-back.
const UNIT_FED: usize = 3;
const _: () = assert!(UNIT_FED + HIST_REGS + 1 == STAGES);

#[derive(LogicBlock, Default)]
pub struct StatsConns {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Stats hash key, byte 0 in the top bits.
    pub hash_key: Signal<In, Bits<{ HASH_KEY_BYTES * 8 }>>,
    /// The timestamp counter now, ns (the sweep's clock).
    pub now: Signal<In, Bits<64>>,
    /// One-cycle pulse: flush the table.
    pub flush: Signal<In, Bit>,
    /// Counting on (sweeps run only then).
    pub enable: Signal<In, Bit>,
    /// A frame fed to the history rule ends (one cycle).
    pub q_valid: Signal<In, Bit>,
    pub q_rule: Signal<In, Bits<5>>,
    /// Its ingress time, parse flags, IP header offset, transport header offset, the IP length
    /// field, its length in bytes.
    pub q_ts: Signal<In, Bits<64>>,
    pub q_flags: Signal<In, Bits<16>>,
    pub q_l3: Signal<In, Bits<8>>,
    pub q_l4: Signal<In, Bits<12>>,
    pub q_iplen: Signal<In, Bits<16>>,
    pub q_flen: Signal<In, Bits<32>>,
    /// Its addresses, ports, protocol and TCP header fields.
    pub q_proto: Signal<In, Bits<8>>,
    pub q_src: Signal<In, Bits<128>>,
    pub q_dst: Signal<In, Bits<128>>,
    pub q_sport: Signal<In, Bits<16>>,
    pub q_dport: Signal<In, Bits<16>>,
    pub q_tfl: Signal<In, Bits<8>>,
    pub q_seq: Signal<In, Bits<32>>,
    pub q_ack: Signal<In, Bits<32>>,
    pub q_win: Signal<In, Bits<16>>,
    pub q_doff: Signal<In, Bits<4>>,
    /// To the history unit (`hist::StatsHist`), from p2.
    pub u_s_in: Signal<Out, Bits<STATE_BITS>>,
    pub u_fresh: Signal<Out, Bit>,
    pub u_side: Signal<Out, Bit>,
    pub u_ts: Signal<Out, Bits<64>>,
    pub u_tcp: Signal<Out, Bit>,
    pub u_flags: Signal<Out, Bits<8>>,
    pub u_seq: Signal<Out, Bits<32>>,
    pub u_ack: Signal<Out, Bits<32>>,
    pub u_win: Signal<Out, Bits<16>>,
    pub u_plen: Signal<Out, Bits<32>>,
    pub u_iplen: Signal<Out, Bits<32>>,
    pub u_srv_src: Signal<Out, Bit>,
    pub u_srv_dst: Signal<Out, Bit>,
    pub u_sport_lt: Signal<Out, Bit>,
    pub u_dst_bcast: Signal<Out, Bit>,
    /// From the history unit.
    pub u_s_out: Signal<In, Bits<STATE_BITS>>,
    pub u_ended: Signal<In, Bit>,
    /// The oldest queued record (byte i at bits 8i+7..8i) and how many are queued.
    pub c_data: Signal<Out, Bits<RECORD_BITS>>,
    pub c_count: Signal<Out, Bits<6>>,
    /// Take the oldest record.
    pub c_pop: Signal<In, Bit>,
    /// The table has been cleared after reset.
    pub ready: Signal<Out, Bit>,
    /// Bit 0 flushing, bit 1 steps or records pending.
    pub status: Signal<Out, Bits<2>>,
    /// Counters in `CONN_COUNTER_ORDER`, first in the low bits.
    pub counters: Signal<Out, Bits<CONN_COUNTER_BITS>>,
}

impl Logic for StatsConns {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.u_s_in.connect();
        self.u_fresh.connect();
        self.u_side.connect();
        self.u_ts.connect();
        self.u_tcp.connect();
        self.u_flags.connect();
        self.u_seq.connect();
        self.u_ack.connect();
        self.u_win.connect();
        self.u_plen.connect();
        self.u_iplen.connect();
        self.u_srv_src.connect();
        self.u_srv_dst.connect();
        self.u_sport_lt.connect();
        self.u_dst_bcast.connect();
        self.c_data.connect();
        self.c_count.connect();
        self.ready.connect();
        self.status.connect();
        self.counters.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(verilog())
    }
}

/// The state field `name` of the state vector `v`.
fn st(v: &str, name: &str) -> String {
    let f = state_layout()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("proto::hist's layout has no field {name}"));
    format!("{v}[{} +: {}]", f.lo, f.bits)
}

/// Field `name` of a packed frame-field vector.
fn pkt_at(vec: &str, name: &str) -> String {
    let mut top = PKT_BITS;
    for (n, w) in PKT_FIELDS {
        top -= w;
        if n == name {
            return format!("{vec}[{top} +: {w}]");
        }
    }
    unreachable!("no frame field {name}")
}

fn verilog() -> String {
    assert_eq!(
        PKT_FIELDS.iter().map(|f| f.1).sum::<usize>(),
        PKT_BITS,
        "PKT_BITS is the sum of PKT_FIELDS"
    );
    let mut v = String::new();
    v += &functions();
    v += &request();
    v += &queue_and_issue();
    v += &table();
    v += &write_back();
    v += &records();
    v
}

/// Dead test, ASCII letters, server ports, the bucket hash, the record layout.
fn functions() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// connection table: {} buckets x {CONN_WAYS} ways, queue {CONN_QUEUE}, {CONN_OP_CYCLES} cycles a step",
        1 << CONN_BUCKET_BITS
    );
    let ports: Vec<String> = LIKELY_SERVER_TCP_PORTS
        .iter()
        .map(|p| format!("(p == 16'd{p})"))
        .collect();
    let _ = writeln!(
        s,
        "function srv_port(input [15:0] p);\n  srv_port = {};\nendfunction",
        ports.join(" | ")
    );
    // HistState::dead: inactive past its limit, or (TCP) its delete timer or an unanswered
    // attempt's timer run out.
    let x = "x";
    let orig = st(x, "orig");
    let _ = writeln!(
        s,
        "function dead(input [{}:0] x, input [63:0] t);",
        STATE_BITS - 1
    );
    s += "  reg [63:0] idle, limit;\n  reg [2:0] ost, rst;\n  begin\n";
    let _ = writeln!(
        s,
        "    idle = (t > {last}) ? t - {last} : 64'd0;\n    limit = {long} ? 64'd{} : 64'd{};",
        timer::TCP_INACTIVITY,
        timer::UDP_INACTIVITY,
        last = st(x, "last_ns"),
        long = st(x, "long")
    );
    let _ = writeln!(
        s,
        "    ost = {orig} ? {e1} : {e0};\n    rst = {orig} ? {e0} : {e1};",
        e0 = st(x, "e0_st"),
        e1 = st(x, "e1_st")
    );
    let _ = writeln!(
        s,
        "    dead = (idle >= limit) | ({tcp} & (({delv} & ({del} <= t)) | ({attv} & ({att} <= t) & {active} & ((ost == 3'd{ss}) | (ost == 3'd{sas})) & (rst == 3'd{ina}))));\n  end\nendfunction",
        tcp = st(x, "tcp"),
        delv = st(x, "del_v"),
        del = st(x, "del"),
        attv = st(x, "att_v"),
        att = st(x, "att"),
        active = st(x, "active"),
        ss = vantage_proto::hist::state::SYN_SENT,
        sas = vantage_proto::hist::state::SYN_ACK_SENT,
        ina = vantage_proto::hist::state::INACTIVE,
    );
    // A letter code as ASCII (codes 1..12 = LETTERS, LOWER set: lower case).
    s += "function [7:0] ascii(input [4:0] c);\n  begin\n    case (c[3:0])\n";
    for (i, l) in LETTERS.iter().enumerate() {
        let lower = if *l == '^' {
            *l
        } else {
            l.to_ascii_lowercase()
        };
        let _ = writeln!(
            s,
            "      4'd{}: ascii = c[{}] ? 8'd{} : 8'd{};",
            i + 1,
            LOWER.trailing_zeros(),
            lower as u8,
            *l as u8
        );
    }
    s += "      default: ascii = 8'd0;\n    endcase\n  end\nendfunction\n";
    // The bucket: the top CONN_BUCKET_BITS bits of the key's Toeplitz hash (proto::conntable).
    s += &toeplitz::verilog_function("bucket_of", CONN_BUCKET_BITS, "hash_key", HASH_KEY_BITS);
    s += &record_function();
    s
}

/// `proto::conntable::ConnRecord` bytes from a canonical key and a state: byte i at 8i.
fn record_function() -> String {
    let x = "x";
    let mut s = String::new();
    let _ = writeln!(
        s,
        "function [1023:0] record(input [319:0] k, input [{}:0] x);",
        STATE_BITS - 1
    );
    s += "  reg [319:0] o;\n  reg [63:0] op, ob, rp, rb, t0, t1;\n  reg [4:0] n;\n  integer i;\n  begin\n";
    let orig = st(x, "orig");
    // Oriented: the originator as source (bytes 2..17 and 34..35).
    let _ = writeln!(
        s,
        "    o = {orig} ? {{k[319:304], k[175:48], k[303:176], k[31:16], k[47:32], k[15:0]}} : k;"
    );
    let _ = writeln!(
        s,
        "    op = {orig} ? {p1} : {p0};\n    ob = {orig} ? {b1} : {b0};\n    rp = {orig} ? {p0} : {p1};\n    rb = {orig} ? {b0} : {b1};",
        p0 = st(x, "e0_pkts"),
        p1 = st(x, "e1_pkts"),
        b0 = st(x, "e0_bytes"),
        b1 = st(x, "e1_bytes")
    );
    let _ = writeln!(
        s,
        "    t0 = {};\n    t1 = {};\n    n = {};",
        st(x, "start_ns"),
        st(x, "last_ns"),
        st(x, "len")
    );
    s += "    record = 1024'd0;\n";
    s += "    for (i = 0; i < 40; i = i + 1) record[8*i +: 8] = o[312 - 8*i +: 8];\n";
    s += "    for (i = 0; i < 8; i = i + 1) begin\n";
    s += "      record[8*(40+i) +: 8] = t0[56 - 8*i +: 8];\n      record[8*(48+i) +: 8] = t1[56 - 8*i +: 8];\n";
    s += "      record[8*(80+i) +: 8] = op[56 - 8*i +: 8];\n      record[8*(88+i) +: 8] = ob[56 - 8*i +: 8];\n";
    s += "      record[8*(96+i) +: 8] = rp[56 - 8*i +: 8];\n      record[8*(104+i) +: 8] = rb[56 - 8*i +: 8];\n    end\n";
    let _ = writeln!(s, "    record[8*56] = {};", st(x, "over"));
    s += "    record[8*57 +: 8] = {3'd0, n};\n";
    let letters = st(x, "letters");
    let lo: usize = letters
        .split('[')
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("letters slice {letters}"));
    let _ = writeln!(
        s,
        "    for (i = 0; i < {HIST_LETTERS}; i = i + 1) record[8*(64+i) +: 8] = (i < n) ? ascii(x[{lo} + 5*i +: 5]) : 8'd0;"
    );
    s += "  end\nendfunction\n";
    s
}

/// A0: the lengths (IP total, frame end, IP length) and the canonical key; A: the segment checks
/// of `history::Segment::from_frame` on them and the unit's fields; B: the hash. The checks are
/// chains of 32-bit adds and compares, so the lengths have a cycle of their own.
fn request() -> String {
    let f = |bit: u16| format!("q_flags[{}]", bit.trailing_zeros());
    let bad = [
        ParseFlags::TRUNCATED,
        ParseFlags::BAD_IHL,
        ParseFlags::FRAGMENT,
        ParseFlags::KEEP_HOLE,
    ]
    .map(f)
    .join(" | ");
    let mut s = String::new();
    s += "reg [16:0] total;\nreg [31:0] fend, ipl, hdr, plen;\nreg tcp, udp, v6, side, seg_ok;\n";
    s += "reg [319:0] key;\n";
    s += "reg a0_v, a0_ok, a0_tcp, a0_side, a0_srv_s, a0_srv_d, a0_lt, a0_bcast;\n";
    s += "reg [31:0] a0_fend, a0_ipl, a0_l4w, a0_hdr, a0_flen, a0_seq, a0_ack;\nreg [63:0] a0_ts;\nreg [7:0] a0_tfl;\nreg [15:0] a0_win;\nreg [319:0] a0_key;\n";
    let _ = writeln!(s, "reg a_v, a_un, b_v;\nreg [319:0] a_key, b_key;\nreg [{}:0] a_pkt, b_pkt;\nreg [{}:0] b_bucket;", PKT_BITS - 1, CONN_BUCKET_BITS - 1);
    s += "always @(*) begin\n";
    let _ = writeln!(s, "  v6 = {};", f(ParseFlags::IPV6));
    let _ = writeln!(
        s,
        "  total = v6 ? {{1'b0, q_iplen}} + 17'd40 : {{1'b0, q_iplen}};"
    );
    s += "  fend = (total == 17'd0) ? q_flen : {24'd0, q_l3} + {15'd0, total};\n";
    s += "  ipl = (total == 17'd0) ? q_flen - {24'd0, q_l3} : {15'd0, total};\n";
    s += "  tcp = q_proto == 8'd6;\n  udp = q_proto == 8'd17;\n";
    s += "  hdr = tcp ? {26'd0, q_doff, 2'b00} : 32'd8;\n";
    s += "  side = {q_src, q_sport} > {q_dst, q_dport};\n";
    s += "  key = {q_rule, v6, 2'b00, 8'd0, side ? q_dst : q_src, side ? q_src : q_dst, side ? q_dport : q_sport, side ? q_sport : q_dport, q_proto, 8'd0};\n";
    s += "  seg_ok = a0_ok & (a0_tcp ? ((a0_hdr >= 32'd20) & (a0_l4w + a0_hdr <= a0_flen) & (a0_l4w + a0_hdr <= a0_fend)) : (a0_l4w + 32'd8 <= a0_fend));\n";
    s += "  plen = a0_fend - a0_l4w - a0_hdr;\nend\n";
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(
        s,
        "  a0_v <= q_valid & ~clearing;\n  a0_ok <= ~({bad}) & ({v4} | {v6}) & {ports} & (tcp | udp);",
        v4 = f(ParseFlags::IPV4),
        v6 = f(ParseFlags::IPV6),
        ports = f(ParseFlags::PORTS)
    );
    s += "  a0_fend <= fend; a0_ipl <= ipl; a0_l4w <= {20'd0, q_l4}; a0_hdr <= hdr; a0_flen <= q_flen; a0_tcp <= tcp; a0_key <= key;\n";
    s += "  a0_side <= side; a0_ts <= q_ts; a0_tfl <= q_tfl; a0_seq <= q_seq; a0_ack <= q_ack; a0_win <= q_win;\n";
    s += "  a0_srv_s <= tcp & srv_port(q_sport); a0_srv_d <= tcp & srv_port(q_dport); a0_lt <= q_sport < q_dport;\n";
    s += "  a0_bcast <= (q_dst[127:32] == 96'd0) & (q_dst[31:0] == 32'hffffffff);\n";
    s += "  a_v <= a0_v & seg_ok & ~clearing;\n  a_un <= a0_v & ~seg_ok & ~clearing;\n  a_key <= a0_key;\n";
    s += "  a_pkt <= {a0_side, a0_ts, a0_tcp, a0_tfl, a0_seq, a0_ack, a0_win, plen, a0_ipl, a0_srv_s, a0_srv_d, a0_lt, a0_bcast};\n";
    s += "  b_v <= a_v;\n  b_key <= a_key;\n  b_pkt <= a_pkt;\n  b_bucket <= bucket_of(a_key);\n";
    s += "  if (reset) begin a0_v <= 1'b0; a_v <= 1'b0; a_un <= 1'b0; b_v <= 1'b0; end\nend\n";
    s
}

/// The queue, the in-flight stages' buckets, and the choice of what steps this cycle: the
/// queue's head, else a flush or sweep step.
fn queue_and_issue() -> String {
    let bb = CONN_BUCKET_BITS;
    let eb = KEY_BITS + bb + PKT_BITS;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reg [{}:0] qm [0:{}];\nreg [3:0] qh, qt;\nreg [4:0] qn;",
        eb - 1,
        CONN_QUEUE - 1
    );
    let _ = writeln!(s, "wire [{}:0] head = qm[qh];", eb - 1);
    let _ = writeln!(
        s,
        "wire [{}:0] head_b = head[{} +: {bb}];",
        bb - 1,
        PKT_BITS
    );
    // Stage k (1..=STAGES) registers: valid, kind (0 frame, 1 sweep, 2 flush), bucket, cancel.
    for k in 1..=STAGES {
        let _ = writeln!(
            s,
            "reg p{k}_v, p{k}_c;\nreg [1:0] p{k}_kind;\nreg [{}:0] p{k}_b;",
            bb - 1
        );
    }
    let _ = writeln!(s, "reg f_busy, s_busy, rv_busy, f_issue, s_issue, s_rv, rv_go, pt_go, clearing, flushing, fl_end;\nreg [{}:0] sw_b, clr_b, s_b;\nreg [63:0] sweep_t;\nreg [3:0] inflight;", bb - 1);
    // The flush's revisits: a bucket whose flush step took a record is stepped again (one record
    // per step) until a step finds it empty, so one pass empties the table.
    let _ = writeln!(
        s,
        "reg [{}:0] rv_m [0:{}];\nreg [{}:0] rv_h, rv_t;\nreg [{}:0] rv_n;",
        bb - 1,
        REVISITS - 1,
        REVISIT_BITS - 1,
        REVISIT_BITS
    );
    let _ = writeln!(s, "wire [{}:0] rv_b = rv_m[rv_h];", bb - 1);
    s += "reg [5:0] rq_n;\nwire w_ok, fl_hit;\n";
    s += "always @(*) begin\n  f_busy = 1'b0; s_busy = 1'b0; rv_busy = 1'b0; inflight = 4'd0;\n";
    for k in 1..=STAGES {
        let _ = writeln!(
            s,
            "  if (p{k}_v & (p{k}_kind != 2'd1) & (p{k}_b == head_b)) f_busy = 1'b1;\n  if (p{k}_v & (p{k}_b == sw_b)) s_busy = 1'b1;\n  if (p{k}_v & (p{k}_b == rv_b)) rv_busy = 1'b1;\n  inflight = inflight + {{3'd0, p{k}_v}};"
        );
    }
    s += "  f_issue = (qn != 5'd0) & ~f_busy & ~clearing;\n";
    // A revisit goes first; the pointer moves on only while every step in flight could still
    // push a revisit without overflowing them.
    let rn = REVISIT_BITS + 1;
    let _ = writeln!(
        s,
        "  rv_go = flushing & (rv_n != {rn}'d0) & ~rv_busy;\n  pt_go = ~fl_end & (flushing | enable) & ~s_busy & (~flushing | ({{{}'d0, rv_n}} + {{4'd0, inflight}} < 8'd{REVISITS}));",
        8 - rn
    );
    s += "  s_issue = ~f_issue & ~clearing & (rv_go | pt_go) & ({1'b0, rq_n} + {3'd0, inflight} < 7'd";
    let _ = writeln!(s, "{});", RECORD_QUEUE - 1);
    s += "  s_rv = rv_go;\n  s_b = rv_go ? rv_b : sw_b;\n";
    let _ = writeln!(
        s,
        "  sweep_t = (now > 64'd{SWEEP_LAG_NS}) ? now - 64'd{SWEEP_LAG_NS} : 64'd0;\nend"
    );
    s += "always @(posedge clock) begin\n";
    let _ = writeln!(s, "  if (b_v & (qn != 5'd{CONN_QUEUE})) begin qm[qt] <= {{b_key, b_bucket, b_pkt}}; qt <= qt + 4'd1; end");
    s += "  if (f_issue) qh <= qh + 4'd1;\n";
    let _ = writeln!(
        s,
        "  qn <= qn + {{4'd0, b_v & (qn != 5'd{CONN_QUEUE})}} - {{4'd0, f_issue}};"
    );
    // The sweep/flush pointer walks the buckets; a flush is one pass of it and the revisits.
    let last = (1u32 << bb) - 1;
    let _ = writeln!(s, "  if (s_issue & ~s_rv) begin sw_b <= sw_b + {bb}'d1; if (flushing & (sw_b == {bb}'d{last})) fl_end <= 1'b1; end");
    let _ = writeln!(
        s,
        "  if (fl_hit) begin rv_m[rv_t] <= p{STAGES}_b; rv_t <= rv_t + 1'b1; end"
    );
    s += "  if (s_issue & s_rv) rv_h <= rv_h + 1'b1;\n";
    let _ = writeln!(
        s,
        "  rv_n <= rv_n + {{{REVISIT_BITS}'d0, fl_hit}} - {{{REVISIT_BITS}'d0, s_issue & s_rv}};"
    );
    let _ = writeln!(
        s,
        "  if (fl_end & (inflight == 4'd0) & (rv_n == {}'d0)) begin fl_end <= 1'b0; flushing <= 1'b0; end",
        REVISIT_BITS + 1
    );
    s += "  if (flush & ~flushing) begin flushing <= 1'b1; fl_end <= 1'b0; sw_b <= 0; end\n";
    let _ = writeln!(s, "  if (clearing) begin clr_b <= clr_b + {bb}'d1; if (clr_b == {bb}'d{last}) clearing <= 1'b0; end");
    s += "  if (reset) begin qh <= 4'd0; qt <= 4'd0; qn <= 5'd0; sw_b <= 0; clr_b <= 0; clearing <= 1'b1; flushing <= 1'b0; fl_end <= 1'b0; rv_h <= 0; rv_t <= 0; rv_n <= 0; end\nend\n";
    s
}

/// The rows: issue reads them; p1 compares the ways and tests them for death; p2 chooses one;
/// p3 feeds the unit.
fn table() -> String {
    let bb = CONN_BUCKET_BITS;
    let eb = KEY_BITS + bb + PKT_BITS;
    let mut s = String::new();
    for w in 0..CONN_WAYS {
        let _ = writeln!(
            s,
            "(* ram_style = \"ultra\" *) reg [{}:0] m{w} [0:{}];\nreg [{}:0] rd{w};",
            WAY_BITS - 1,
            (1 << bb) - 1,
            WAY_BITS - 1
        );
    }
    let _ = writeln!(
        s,
        "reg [319:0] p1_key;\nreg [{}:0] p1_pkt;\nreg [63:0] p1_t;",
        PKT_BITS - 1
    );
    // Issue: read the rows; p1 takes the step.
    s += "always @(posedge clock) begin\n";
    for w in 0..CONN_WAYS {
        let _ = writeln!(s, "  rd{w} <= m{w}[f_issue ? head_b : s_b];");
    }
    s += "  p1_v <= f_issue | s_issue;\n  p1_kind <= f_issue ? 2'd0 : (flushing ? 2'd2 : 2'd1);\n  p1_b <= f_issue ? head_b : s_b;\n";
    let _ = writeln!(
        s,
        "  p1_key <= head[{} +: 320];\n  p1_pkt <= head[{PKT_BITS} - 1:0];",
        eb - 320
    );
    let _ = writeln!(s, "  p1_t <= f_issue ? {} : sweep_t;", pkt_at("head", "ts"));
    s += "  p1_c <= 1'b0;\n  if (reset) p1_v <= 1'b0;\nend\n";
    // p1: the ways compared and tested for death (the deep part: 64-bit time compares).
    s += "reg [3:0] hit, free, gone;\n";
    let _ = writeln!(
        s,
        "reg [{}:0] s_way [0:3];\nreg [319:0] k_way [0:3];\nreg [3:0] v_way;",
        STATE_BITS - 1
    );
    s += "always @(*) begin : compare\n  integer k;\n";
    for w in 0..CONN_WAYS {
        let _ = writeln!(
            s,
            "  v_way[{w}] = rd{w}[{}];\n  k_way[{w}] = rd{w}[{} +: 320];\n  s_way[{w}] = rd{w}[0 +: {STATE_BITS}];",
            WAY_BITS - 1,
            STATE_BITS
        );
    }
    s += "  for (k = 0; k < 4; k = k + 1) begin\n";
    s += "    hit[k] = v_way[k] & (k_way[k] == p1_key);\n";
    s += "    gone[k] = v_way[k] & ((p1_kind == 2'd2) | dead(s_way[k], p1_t));\n";
    s += "    free[k] = ~v_way[k] | gone[k];\n  end\nend\n";
    // p2: the way chosen.
    let _ = writeln!(
        s,
        "reg [319:0] p2_key;\nreg [{}:0] p2_pkt;\nreg [{}:0] p2_rd [0:3];\nreg [3:0] p2_hitv, p2_freev, p2_gonev, p2_vway;",
        PKT_BITS - 1,
        WAY_BITS - 1
    );
    s += "always @(posedge clock) begin : to_p2\n  integer k;\n";
    s += "  p2_v <= p1_v; p2_kind <= p1_kind; p2_b <= p1_b; p2_c <= p1_c | (p1_kind == 2'd1 & f_issue & (head_b == p1_b));\n";
    s += "  p2_key <= p1_key; p2_pkt <= p1_pkt; p2_hitv <= hit; p2_freev <= free; p2_gonev <= gone; p2_vway <= v_way;\n";
    for w in 0..CONN_WAYS {
        let _ = writeln!(s, "  p2_rd[{w}] <= rd{w};");
    }
    s += "  if (reset) p2_v <= 1'b0;\nend\n";
    s += "reg [1:0] way;\nreg any_hit, any_free;\n";
    s += "always @(*) begin : choose\n  integer k;\n";
    s += "  any_hit = |p2_hitv;\n  any_free = (p2_kind == 2'd0) ? |p2_freev : |p2_gonev;\n  way = 2'd0;\n";
    s += "  for (k = 3; k >= 0; k = k - 1) begin\n";
    s += "    if (p2_kind == 2'd0) begin if (any_hit ? p2_hitv[k] : p2_freev[k]) way = k[1:0]; end\n";
    s += "    else if (p2_gonev[k]) way = k[1:0];\n  end\nend\n";
    // p3: what the step does; the unit's inputs.
    let _ = writeln!(s, "reg [319:0] p3_key, p3_rkey;\nreg [{}:0] p3_pkt;\nreg [{}:0] p3_s, p3_rs;\nreg [1:0] p3_way;\nreg p3_hit, p3_full, p3_evict, p3_any;", PKT_BITS - 1, STATE_BITS - 1);
    s += "always @(posedge clock) begin\n";
    s += "  p3_v <= p2_v; p3_kind <= p2_kind; p3_b <= p2_b; p3_c <= p2_c | (p2_kind == 2'd1 & f_issue & (head_b == p2_b));\n";
    s += "  p3_key <= p2_key; p3_pkt <= p2_pkt; p3_way <= way; p3_hit <= any_hit;\n";
    s += "  p3_full <= (p2_kind == 2'd0) & ~any_hit & ~any_free;\n  p3_any <= any_free;\n";
    s += "  p3_evict <= (p2_kind == 2'd0) ? (~any_hit & any_free & p2_vway[way]) : any_free;\n";
    let _ = writeln!(s, "  p3_s <= p2_rd[way][0 +: {STATE_BITS}];\n  p3_rkey <= p2_rd[way][{STATE_BITS} +: 320];\n  p3_rs <= p2_rd[way][0 +: {STATE_BITS}];");
    s += "  if (reset) p3_v <= 1'b0;\nend\n";
    // The unit's inputs.
    s += "always @(*) begin\n  u_s_in = p3_s;\n  u_fresh = ~p3_hit;\n";
    for (n, _) in PKT_FIELDS {
        let _ = writeln!(s, "  u_{n} = {};", pkt_at("p3_pkt", n));
    }
    s += "end\n";
    s
}

/// p4..p9: the step's decisions and its record carried while the unit works (`HIST_REGS`
/// stages); p9 takes the unit's result into the way, writes it and queues the record.
fn write_back() -> String {
    let bb = CONN_BUCKET_BITS;
    let last = STAGES;
    let mut s = String::new();
    for k in 4..=last {
        let _ = writeln!(
            s,
            "reg [{}:0] p{k}_w;\nreg [1:0] p{k}_way;\nreg p{k}_we, p{k}_rv, p{k}_full, p{k}_new, p{k}_frame, p{k}_hit, p{k}_ev;\nreg [1023:0] p{k}_rec;",
            WAY_BITS - 1
        );
    }
    s += "always @(posedge clock) begin\n";
    // p4 from p3: the way's key (its state is the unit's, taken at the last stage).
    s += "  p4_v <= p3_v; p4_kind <= p3_kind; p4_b <= p3_b; p4_c <= p3_c | (p3_kind == 2'd1 & f_issue & (head_b == p3_b));\n";
    s += "  p4_way <= p3_way; p4_full <= p3_full; p4_frame <= p3_kind == 2'd0; p4_hit <= p3_hit; p4_ev <= p3_evict;\n";
    s += "  if (p3_kind == 2'd0) begin\n";
    let _ = writeln!(
        s,
        "    p4_we <= ~p3_full;\n    p4_w <= {{1'b1, p3_key, {STATE_BITS}'d0}};"
    );
    s += "    p4_rv <= 1'b0;\n    p4_new <= 1'b0;\n";
    // The record is built only for a step that may need one (a wide function: simulation time).
    s += "    if (p3_v & (p3_hit | p3_evict)) p4_rec <= record(p3_rkey, p3_rs);\n";
    s += "  end else begin\n";
    s += "    p4_we <= p3_evict;\n";
    let _ = writeln!(s, "    p4_w <= {WAY_BITS}'d0;");
    s += "    p4_rv <= p3_evict;\n    p4_new <= 1'b0;\n    if (p3_v & p3_evict) p4_rec <= record(p3_rkey, p3_rs);\n  end\n";
    for k in 5..=last {
        let j = k - 1;
        let _ = writeln!(
            s,
            "  p{k}_v <= p{j}_v; p{k}_kind <= p{j}_kind; p{k}_b <= p{j}_b; p{k}_c <= p{j}_c | (p{j}_kind == 2'd1 & f_issue & (head_b == p{j}_b));\n  p{k}_way <= p{j}_way; p{k}_we <= p{j}_we; p{k}_w <= p{j}_w; p{k}_rv <= p{j}_rv; p{k}_full <= p{j}_full; p{k}_new <= p{j}_new; p{k}_frame <= p{j}_frame; p{k}_hit <= p{j}_hit; p{k}_ev <= p{j}_ev; p{k}_rec <= p{j}_rec;"
        );
    }
    // The last stage: a frame's way gets the unit's state; the unit says whether the connection
    // held ended (a record) and whether the way now holds a new one.
    let j = last - 1;
    let _ = writeln!(
        s,
        "  if (p{j}_frame) begin\n    p{last}_w <= {{p{j}_w[{} : {STATE_BITS}], u_s_out}};",
        WAY_BITS - 1
    );
    let _ = writeln!(s, "    p{last}_rv <= ~p{j}_full & ((p{j}_hit & u_ended) | p{j}_ev);\n    p{last}_new <= ~p{j}_full & (~p{j}_hit | u_ended);\n  end");
    s += "  if (reset) begin\n";
    for k in 4..=last {
        let _ = writeln!(s, "    p{k}_v <= 1'b0;");
    }
    s += "  end\nend\n";
    // The write and the record, unless a frame step of the bucket cancelled this sweep step.
    let _ = writeln!(
        s,
        "assign fl_hit = w_ok & p{last}_rv & (p{last}_kind == 2'd2);"
    );
    let _ = writeln!(s, "assign w_ok = p{last}_v & ~((p{last}_kind == 2'd1) & (p{last}_c | (f_issue & (head_b == p{last}_b))));");
    s += "always @(posedge clock) begin\n";
    for w in 0..CONN_WAYS {
        let _ = writeln!(
            s,
            "  if (clearing) m{w}[clr_b] <= {WAY_BITS}'d0;\n  else if (w_ok & p{last}_we & (p{last}_way == 2'd{w})) m{w}[p{last}_b] <= p{last}_w;"
        );
    }
    s += "end\n";
    let _ = bb;
    s
}

/// The record queue and the counters.
fn records() -> String {
    let last = STAGES;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reg [1023:0] rq [0:{}];\nreg [4:0] rq_h, rq_t;",
        RECORD_QUEUE - 1
    );
    s += "reg [63:0] n_frames, n_untracked, n_conns, n_full, n_dropped, n_records, n_lost;\n";
    let _ = writeln!(
        s,
        "wire r_push = w_ok & p{last}_rv;\nwire r_room = rq_n != 6'd{RECORD_QUEUE};"
    );
    s += "wire r_pop = c_pop & (rq_n != 6'd0);\n";
    s += "always @(posedge clock) begin\n";
    s += "  if (r_push & r_room) begin rq[rq_t] <= p9_rec; rq_t <= rq_t + 5'd1; end\n";
    s += "  if (r_pop) rq_h <= rq_h + 5'd1;\n";
    s += "  rq_n <= rq_n + {5'd0, r_push & r_room} - {5'd0, r_pop};\n";
    let _ = writeln!(s, "  if (w_ok & p{last}_frame) begin\n    n_frames <= n_frames + {{63'd0, ~p{last}_full}};\n    n_full <= n_full + {{63'd0, p{last}_full}};\n    n_conns <= n_conns + {{63'd0, p{last}_new}};\n  end");
    s += "  n_untracked <= n_untracked + {63'd0, a_un};\n";
    let _ = writeln!(
        s,
        "  n_dropped <= n_dropped + {{63'd0, b_v & (qn == 5'd{CONN_QUEUE})}};"
    );
    s += "  n_records <= n_records + {63'd0, r_push & r_room};\n  n_lost <= n_lost + {63'd0, r_push & ~r_room};\n";
    s += "  if (reset) begin rq_h <= 5'd0; rq_t <= 5'd0; rq_n <= 6'd0; n_frames <= 0; n_untracked <= 0; n_conns <= 0; n_full <= 0; n_dropped <= 0; n_records <= 0; n_lost <= 0; end\nend\n";
    s += "always @(*) begin\n  c_data = rq[rq_h];\n  c_count = rq_n;\n  ready = ~clearing;\n";
    // Background sweep steps are not pending work: after a flush they find nothing.
    let busy: Vec<String> = (1..=STAGES)
        .map(|k| format!("(p{k}_v & (p{k}_kind != 2'd1))"))
        .collect();
    let _ = writeln!(
        s,
        "  status = {{(qn != 5'd0) | a_v | b_v | (rq_n != 6'd0) | ({}), flushing}};",
        busy.join(" | ")
    );
    s += "  counters = {n_lost, n_records, n_dropped, n_full, n_conns, n_untracked, n_frames};\nend\n";
    s
}

/// Name of the connection table with its history unit when emitted alone (`standalone_verilog`).
pub const CONNTABLE_MODULE: &str = "vantage_stats_conntable";

/// The connection table and the history unit together, as the stats stage wires them: emitted
/// alone so a test can drive frames at any timestamps (seconds apart, which the whole pipeline
/// cannot reach in simulation) and compare with `model::stats::conntable`.
#[derive(LogicBlock, Default)]
pub struct ConnTableUnit {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub hash_key: Signal<In, Bits<{ HASH_KEY_BYTES * 8 }>>,
    pub now: Signal<In, Bits<64>>,
    pub flush: Signal<In, Bit>,
    pub enable: Signal<In, Bit>,
    pub q_valid: Signal<In, Bit>,
    pub q_rule: Signal<In, Bits<5>>,
    pub q_ts: Signal<In, Bits<64>>,
    pub q_flags: Signal<In, Bits<16>>,
    pub q_l3: Signal<In, Bits<8>>,
    pub q_l4: Signal<In, Bits<12>>,
    pub q_iplen: Signal<In, Bits<16>>,
    pub q_flen: Signal<In, Bits<32>>,
    pub q_proto: Signal<In, Bits<8>>,
    pub q_src: Signal<In, Bits<128>>,
    pub q_dst: Signal<In, Bits<128>>,
    pub q_sport: Signal<In, Bits<16>>,
    pub q_dport: Signal<In, Bits<16>>,
    pub q_tfl: Signal<In, Bits<8>>,
    pub q_seq: Signal<In, Bits<32>>,
    pub q_ack: Signal<In, Bits<32>>,
    pub q_win: Signal<In, Bits<16>>,
    pub q_doff: Signal<In, Bits<4>>,
    pub c_pop: Signal<In, Bit>,
    pub c_data: Signal<Out, Bits<RECORD_BITS>>,
    pub c_count: Signal<Out, Bits<6>>,
    pub ready: Signal<Out, Bit>,
    pub status: Signal<Out, Bits<2>>,
    pub counters: Signal<Out, Bits<CONN_COUNTER_BITS>>,
    conns: StatsConns,
    hist: crate::stats::hist::StatsHist,
}

impl Logic for ConnTableUnit {
    #[hdl_gen]
    fn update(&mut self) {
        self.conns.clock.next = self.clock.val();
        self.conns.reset.next = self.reset.val();
        self.conns.hash_key.next = self.hash_key.val();
        self.conns.now.next = self.now.val();
        self.conns.flush.next = self.flush.val();
        self.conns.enable.next = self.enable.val();
        self.conns.q_valid.next = self.q_valid.val();
        self.conns.q_rule.next = self.q_rule.val();
        self.conns.q_ts.next = self.q_ts.val();
        self.conns.q_flags.next = self.q_flags.val();
        self.conns.q_l3.next = self.q_l3.val();
        self.conns.q_l4.next = self.q_l4.val();
        self.conns.q_iplen.next = self.q_iplen.val();
        self.conns.q_flen.next = self.q_flen.val();
        self.conns.q_proto.next = self.q_proto.val();
        self.conns.q_src.next = self.q_src.val();
        self.conns.q_dst.next = self.q_dst.val();
        self.conns.q_sport.next = self.q_sport.val();
        self.conns.q_dport.next = self.q_dport.val();
        self.conns.q_tfl.next = self.q_tfl.val();
        self.conns.q_seq.next = self.q_seq.val();
        self.conns.q_ack.next = self.q_ack.val();
        self.conns.q_win.next = self.q_win.val();
        self.conns.q_doff.next = self.q_doff.val();
        self.conns.c_pop.next = self.c_pop.val();
        self.c_data.next = self.conns.c_data.val();
        self.c_count.next = self.conns.c_count.val();
        self.ready.next = self.conns.ready.val();
        self.status.next = self.conns.status.val();
        self.counters.next = self.conns.counters.val();
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
    }
}

/// `ConnTableUnit` as a Verilog module named `CONNTABLE_MODULE`.
pub fn standalone_verilog() -> String {
    let mut uut = ConnTableUnit::default();
    uut.connect_all();
    generate_verilog(&uut)
        .replace("module top(", &format!("module {CONNTABLE_MODULE}("))
        .replace(
            "endmodule // top\n",
            &format!("endmodule // {CONNTABLE_MODULE}\n"),
        )
        .replace("top$", &format!("{CONNTABLE_MODULE}$"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_order_is_protos() {
        let names: Vec<&str> = vantage_proto::regs::stats::COUNTERS
            .iter()
            .map(|c| c.name)
            .filter(|n| n.starts_with("conn") && *n != "conn_reports")
            .collect();
        assert_eq!(names, CONN_COUNTER_ORDER);
    }

    #[test]
    fn the_pending_status_covers_every_stage() {
        let v = verilog();
        for k in 1..=STAGES {
            assert!(v.contains(&format!("p{k}_v")), "stage {k}");
        }
    }
}
