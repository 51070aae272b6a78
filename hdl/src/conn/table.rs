//! The conn stage's SYN table as one generated Verilog leaf: `2^SYN_BUCKET_BITS` buckets of
//! `SYN_WAYS` records, one operation a cycle with no stall and no queue, so every TCP frame is
//! looked up in input order as it passes. Behaviour: `model::conn::table`; contract:
//! `proto::conn`.
//!
//! ```text
//!  cycle t    probe in (or, in a cycle without one, a keep operation, else a scan or flush step)
//!             canonical key, side, expiry threshold (ts - timeout); rows read (main + aux, 4 ways)
//!  t+1  S1    per way: key equal, live, same side and ISN -- against the rows read, and against
//!             the probes in S2..S4, whose writes the rows read may lack (precompares)
//!  t+2  S2    per way the newest source (S3, S4, S5 or the row read), then the decision:
//!             miss | held (way) | full | absorbed | release; a scan/flush step: give or not;
//!             a keep: the way still reserved or not
//!  t+3  S3    result and given-back record out; the way written (main row: insert, release,
//!             keep or free; aux row: retransmissions and last time)
//!  S4, S5     copies of S3 for forwarding: a write lands in the memory at the end of S3, one
//!             cycle after which a read sees it, so three younger operations need it forwarded
//!
//!  main row of a way (MAIN_BITS):  | state (2) | key (289) | side | ISN (32) | ts (64) |
//!    state: 0 free, 1 held (ts: SYN time), 2 released (ts: the release's issue cycle; the way
//!           is reserved for RELEASE_RESERVE_CYCLES), 3 kept late (ts: still the release's
//!           cycle; aux last: the span)
//!  key:                            | v6 | low addr (128) | low port (16) | high addr (128) | high port (16) |
//!  aux row of a way (AUX_BITS):    | retransmissions (16) | last ts (64) |
//! ```
//! A record whose time is up stays in its way until something takes it: a probe that needs the
//! way for a new SYN (given back as expired, in the same cycle as the insert), the background
//! scan (one record a step, in cycles without a probe, only while `room` says the stage can take
//! a record, at `now - EXPIRY_LAG_NS`), or a flush. A probe treats it as absent, so the decisions
//! are the model's, which removes such records as it finds them; only when a record leaves
//! differs, and the regenerated SYNs are compared as a set.
//!
//! A release leaves its way reserved (`proto::conn::RELEASE_RESERVE_CYCLES`, counted in issue
//! cycles, as the model counts input cycles): probes see nothing there and no SYN may take it.
//! If the stage finds the release late and its regen queue full, it sends a keep operation
//! (location, retransmissions, span) within the reservation; the way becomes a kept record,
//! invisible to probes, given back (why = late) by the scan or a flush when the stage has room,
//! or, once the reservation is over, by a new SYN that takes the way (the model's way is free
//! by then, so the decisions stay the model's). So the table itself buffers what the output
//! cannot carry.
//! Only the Verilog exists: Verilator runs it against the model.

use rust_hdl::prelude::*;
use std::fmt::Write;
use vantage_proto::conn::{
    lookup as kind, Why, EXPIRY_LAG_NS, RELEASE_RESERVE_CYCLES, SYN_BUCKET_BITS, SYN_WAYS,
};

/// Bits of a table location: bucket, then way (the payload store's address).
pub const LOC_BITS: usize = SYN_BUCKET_BITS + 2;
/// Bits of a canonical key.
pub const KEY_BITS: usize = 1 + 2 * (128 + 16);
/// Bits of a main row way: state, key, side, ISN, ts.
const MAIN_BITS: usize = 2 + KEY_BITS + 1 + 32 + 64;
/// Way states (the main row's top two bits).
const ST_FREE: u8 = 0;
const ST_HELD: u8 = 1;
const ST_RELEASED: u8 = 2;
const ST_KEPT: u8 = 3;
/// Operation kinds in S1..S5.
const OP_PROBE: u8 = 0;
const OP_SCAN: u8 = 1;
const OP_FLUSH: u8 = 2;
const OP_KEEP: u8 = 3;
/// Bits of an aux row way: retransmissions, last ts.
const AUX_BITS: usize = 16 + 64;
/// Cycles from a probe in to its result out.
pub const LATENCY: usize = 3;
/// Operations in flight that the scan and flush must leave room for in the stage's queue of
/// given-back records (S1..S3).
pub const IN_FLIGHT: usize = 3;
const _: () = assert!(SYN_WAYS == 4, "the way choice below is written for 4 ways");

#[derive(LogicBlock, Default)]
pub struct SynTable {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// conn.TIMEOUT_NS.
    pub timeout: Signal<In, Bits<64>>,
    /// The timestamp counter now, ns (the scan's and the flush's clock).
    pub now: Signal<In, Bits<64>>,
    /// One-cycle pulse: give back every record (one pass over the table).
    pub flush: Signal<In, Bit>,
    /// The stage can take `IN_FLIGHT + 1` more given-back records: a scan or flush step may issue.
    pub room: Signal<In, Bit>,
    /// A TCP frame's first beat (one cycle): its flow hash (the bucket is the top bits),
    /// addresses (IPv4 zero-extended), ports, sequence number, ingress time.
    pub p_valid: Signal<In, Bit>,
    pub p_hash: Signal<In, Bits<32>>,
    pub p_v6: Signal<In, Bit>,
    pub p_src: Signal<In, Bits<128>>,
    pub p_dst: Signal<In, Bits<128>>,
    pub p_sport: Signal<In, Bits<16>>,
    pub p_dport: Signal<In, Bits<16>>,
    pub p_seq: Signal<In, Bits<32>>,
    pub p_ts: Signal<In, Bits<64>>,
    /// A plain SYN the stage may hold (clean, short enough, holding on).
    pub p_holdable: Signal<In, Bit>,
    /// A plain SYN, holdable or not (a retransmission of a held one is absorbed).
    pub p_plain: Signal<In, Bit>,
    /// The head of the stage's keep queue: a late release to keep in its reserved way
    /// (location, retransmissions, span of its retransmissions in ns).
    pub k_valid: Signal<In, Bit>,
    pub k_loc: Signal<In, Bits<LOC_BITS>>,
    pub k_retrans: Signal<In, Bits<16>>,
    pub k_span: Signal<In, Bits<48>>,
    /// The keep operation at the head issues this cycle (the stage pops its queue).
    pub k_take: Signal<Out, Bit>,
    /// A keep operation found its way no longer reserved (it came too late): that SYN is lost.
    pub k_lost: Signal<Out, Bit>,
    /// A keep operation kept its SYN (one cycle, with `k_lost`'s timing).
    pub k_kept: Signal<Out, Bit>,
    /// Some late SYN is kept in the table, waiting for the scan to give it back.
    pub any_kept: Signal<Out, Bit>,
    /// A probe's result, `LATENCY` cycles after it came in: `proto::conn::lookup`, and the location it was
    /// held at or released from.
    pub r_valid: Signal<Out, Bit>,
    pub r_kind: Signal<Out, Bits<3>>,
    pub r_loc: Signal<Out, Bits<LOC_BITS>>,
    /// A record given back (released by that probe, expired, flushed): `proto::conn::Why`, its
    /// location, originator side, ISN, SYN time, time of the last retransmission, retransmissions.
    pub g_valid: Signal<Out, Bit>,
    pub g_why: Signal<Out, Bits<3>>,
    pub g_loc: Signal<Out, Bits<LOC_BITS>>,
    pub g_side: Signal<Out, Bit>,
    pub g_isn: Signal<Out, Bits<32>>,
    pub g_ts: Signal<Out, Bits<64>>,
    pub g_last: Signal<Out, Bits<64>>,
    pub g_retrans: Signal<Out, Bits<16>>,
    /// Records in the table, live or past their time (conn.HELD).
    pub held: Signal<Out, Bits<32>>,
    /// The table has been cleared after reset.
    pub ready: Signal<Out, Bit>,
    /// A flush pass is under way (issuing or in flight).
    pub flushing: Signal<Out, Bit>,
}

impl Logic for SynTable {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.r_valid.connect();
        self.r_kind.connect();
        self.r_loc.connect();
        self.g_valid.connect();
        self.g_why.connect();
        self.g_loc.connect();
        self.g_side.connect();
        self.g_isn.connect();
        self.g_ts.connect();
        self.g_last.connect();
        self.g_retrans.connect();
        self.held.connect();
        self.ready.connect();
        self.flushing.connect();
        self.k_take.connect();
        self.k_lost.connect();
        self.k_kept.connect();
        self.any_kept.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(verilog())
    }
}

/// Field slices of a main row (`m`) and an aux row (`a`), as the diagram lays them out.
fn m_state(m: &str) -> String {
    format!("{m}[{} +: 2]", MAIN_BITS - 2)
}
fn m_key(m: &str) -> String {
    format!("{m}[{} +: {KEY_BITS}]", 1 + 32 + 64)
}
fn m_side(m: &str) -> String {
    format!("{m}[96]")
}
fn m_isn(m: &str) -> String {
    format!("{m}[64 +: 32]")
}
fn m_ts(m: &str) -> String {
    format!("{m}[0 +: 64]")
}
fn a_retrans(a: &str) -> String {
    format!("{a}[64 +: 16]")
}
fn a_last(a: &str) -> String {
    format!("{a}[0 +: 64]")
}

fn verilog() -> String {
    let mut v = String::new();
    let _ = writeln!(
        v,
        "// SYN table: {} buckets x {SYN_WAYS} ways, one operation a cycle, result after {LATENCY}",
        1 << SYN_BUCKET_BITS
    );
    v += &issue();
    v += &precompare();
    v += &decide();
    v += &write_and_out();
    v
}

/// Cycle t: the operation for S1 (a probe, else a flush or scan step) and the rows read.
fn issue() -> String {
    let bb = SYN_BUCKET_BITS;
    let lb = LOC_BITS;
    let last_loc = (1u32 << lb) - 1;
    let last_b = (1u32 << bb) - 1;
    let mut s = String::new();
    for w in 0..SYN_WAYS {
        let _ = writeln!(
            s,
            "(* ram_style = \"ultra\" *) reg [{}:0] m{w} [0:{last_b}];\n(* ram_style = \"ultra\" *) reg [{}:0] a{w} [0:{last_b}];\nreg [{}:0] rm{w};\nreg [{}:0] ra{w};",
            MAIN_BITS - 1,
            AUX_BITS - 1,
            MAIN_BITS - 1,
            AUX_BITS - 1
        );
    }
    // S1..S5 registers. kind: 0 probe, 1 scan, 2 flush.
    for k in 1..=5 {
        let _ = writeln!(
            s,
            "reg s{k}_v;\nreg [1:0] s{k}_kind;\nreg [{}:0] s{k}_b;",
            bb - 1
        );
    }
    for k in 1..=4 {
        let _ = writeln!(
            s,
            "reg [{}:0] s{k}_key;\nreg s{k}_side;\nreg [31:0] s{k}_seq;\nreg [63:0] s{k}_ts;",
            KEY_BITS - 1
        );
    }
    let _ = writeln!(
        s,
        "reg [1:0] s1_way;\nreg s1_neg, s1_hold, s1_plain, s1_clr, s1_rneg;\nreg [63:0] s1_thr, s1_rthr, s1_cyc, s2_cyc, cyc;"
    );
    let _ = writeln!(
        s,
        "reg clearing, fl_on, fl_wait;\nreg [{}:0] clr_b;\nreg [{}:0] sc_loc, fl_loc;",
        bb - 1,
        lb - 1
    );
    s += "reg p_side, op_scan, op_flush, op_keep;\nreg [288:0] p_key;\nreg [63:0] lag_t, sc_t, fl_t;\n";
    let _ = writeln!(s, "reg [{}:0] rd_b;", bb - 1);
    s += "always @(*) begin\n";
    s += "  p_side = {p_src, p_sport} > {p_dst, p_dport};\n";
    s += "  p_key = p_side ? {p_v6, p_dst, p_dport, p_src, p_sport} : {p_v6, p_src, p_sport, p_dst, p_dport};\n";
    // A keep goes first: it must land within its way's reservation.
    s += "  op_keep = ~p_valid & ~clearing & k_valid;\n  k_take = op_keep;\n";
    s += "  op_flush = ~p_valid & ~clearing & ~k_valid & fl_on & room;\n";
    s += "  op_scan = ~p_valid & ~clearing & ~k_valid & ~fl_on & room;\n";
    let _ = writeln!(
        s,
        "  lag_t = now - 64'd{EXPIRY_LAG_NS};\n  sc_t = lag_t - timeout;\n  fl_t = now - timeout;"
    );
    let _ = writeln!(
        s,
        "  rd_b = p_valid ? p_hash[31 -: {bb}] : (k_valid ? k_loc[{lb}-1:2] : (fl_on ? fl_loc[{lb}-1:2] : sc_loc[{lb}-1:2]));\nend"
    );
    s += "always @(posedge clock) begin\n";
    for w in 0..SYN_WAYS {
        let _ = writeln!(s, "  rm{w} <= m{w}[rd_b];\n  ra{w} <= a{w}[rd_b];");
    }
    s += "  s1_v <= p_valid | op_keep | op_scan | op_flush;\n";
    let _ = writeln!(s, "  s1_kind <= p_valid ? 2'd{OP_PROBE} : (op_keep ? 2'd{OP_KEEP} : (op_flush ? 2'd{OP_FLUSH} : 2'd{OP_SCAN}));\n  s1_b <= rd_b;");
    s += "  s1_way <= k_valid ? k_loc[1:0] : (fl_on ? fl_loc[1:0] : sc_loc[1:0]);\n";
    // A keep carries what its record's tag needs in the ts field: retransmissions and span.
    s += "  s1_key <= p_key; s1_side <= p_side; s1_seq <= p_seq; s1_ts <= p_valid ? p_ts : {k_retrans, k_span};\n";
    // The issue cycle, and the reservation threshold: a released way is free again once its
    // release cycle is at or below it (none while the count is below the reservation).
    let _ = writeln!(s, "  cyc <= cyc + 64'd1;\n  s1_cyc <= cyc; s2_cyc <= s1_cyc;\n  s1_rthr <= cyc - 64'd{RELEASE_RESERVE_CYCLES};\n  s1_rneg <= cyc < 64'd{RELEASE_RESERVE_CYCLES};");
    s += "  s1_hold <= p_holdable; s1_plain <= p_plain; s1_clr <= clearing;\n";
    // The expiry threshold: a record is live while its ts is above it; none has expired (neg)
    // while the time is below the timeout (and, for the scan, its lag).
    s += "  if (p_valid) begin s1_thr <= p_ts - timeout; s1_neg <= p_ts < timeout; end\n";
    let _ = writeln!(s, "  else if (op_flush) begin s1_thr <= fl_t; s1_neg <= now < timeout; end\n  else begin s1_thr <= sc_t; s1_neg <= (now < 64'd{EXPIRY_LAG_NS}) | (lag_t < timeout); end");
    let _ = writeln!(s, "  if (op_scan) sc_loc <= sc_loc + {lb}'d1;");
    let _ = writeln!(
        s,
        "  if (op_flush) begin fl_loc <= fl_loc + {lb}'d1; if (fl_loc == {lb}'d{last_loc}) fl_on <= 1'b0; end"
    );
    s += "  if (flush & ~fl_on & ~clearing) begin fl_on <= 1'b1; fl_loc <= 0; end\n";
    let _ = writeln!(
        s,
        "  if (clearing) begin clr_b <= clr_b + {bb}'d1; if (clr_b == {bb}'d{last_b}) clearing <= 1'b0; end"
    );
    s += "  if (reset) begin s1_v <= 1'b0; clearing <= 1'b1; clr_b <= 0; fl_on <= 1'b0; sc_loc <= 0; fl_loc <= 0; cyc <= 64'd0; end\nend\n";
    s
}

/// What S1 asks of one record (a way read, or the insert of an operation in flight) about the
/// operation in S1: `{set}_hit[i]` same key, `{set}_live[i]` its SYN time above the expiry
/// threshold, `{set}_same[i]` same originator side and ISN.
fn compares(set: &str, i: usize, key: &str, ts: &str, side: &str, isn: &str) -> String {
    format!(
        "  {set}_hit[{i}] = {key} == s1_key;\n  {set}_live[{i}] = s1_neg | ({ts} > s1_thr);\n  {set}_same[{i}] = ({side} == s1_side) & ({isn} == s1_seq);\n"
    )
}

/// S1: compares against the rows read and against the probes in S2..S4 (which become the
/// forwarding sources S3..S5 when this operation decides).
fn precompare() -> String {
    let mut s = String::new();
    s += "reg [1:0] c_st [0:3];\nreg [3:0] c_hit, c_live, c_same, c_rpass;\nreg [3:1] f_b, f_hit, f_live, f_same;\n";
    s += "always @(*) begin\n";
    for w in 0..SYN_WAYS {
        let rm = format!("rm{w}");
        let _ = writeln!(
            s,
            "  c_st[{w}] = {};\n  c_rpass[{w}] = ~s1_rneg & ({} <= s1_rthr);",
            m_state(&rm),
            m_ts(&rm)
        );
        s += &compares("c", w, &m_key(&rm), &m_ts(&rm), &m_side(&rm), &m_isn(&rm));
    }
    for k in 1..=3 {
        let o = k + 1;
        let _ = writeln!(s, "  f_b[{k}] = s{o}_v & (s{o}_b == s1_b);");
        let src = |f: &str| format!("s{o}_{f}");
        s += &compares("f", k, &src("key"), &src("ts"), &src("side"), &src("seq"));
    }
    s += "end\n";
    let _ = writeln!(
        s,
        "reg [{}:0] s2_rm [0:3];\nreg [{}:0] s2_ra [0:3];\nreg [1:0] s2_cst [0:3];\nreg [3:0] s2_chit, s2_clive, s2_csame, s2_crpass;\nreg [3:1] s2_fb, s2_fhit, s2_flive, s2_fsame;\nreg [1:0] s2_way;\nreg s2_hold, s2_plain, s2_clr;",
        MAIN_BITS - 1,
        AUX_BITS - 1
    );
    s += "always @(posedge clock) begin\n";
    for k in 2..=4 {
        let j = k - 1;
        let _ = writeln!(
            s,
            "  s{k}_v <= s{j}_v; s{k}_kind <= s{j}_kind; s{k}_b <= s{j}_b; s{k}_key <= s{j}_key; s{k}_side <= s{j}_side; s{k}_seq <= s{j}_seq; s{k}_ts <= s{j}_ts;"
        );
    }
    s += "  s5_v <= s4_v; s5_kind <= s4_kind; s5_b <= s4_b;\n";
    for w in 0..SYN_WAYS {
        let _ = writeln!(s, "  s2_rm[{w}] <= rm{w}; s2_ra[{w}] <= ra{w};");
    }
    for w in 0..SYN_WAYS {
        let _ = writeln!(s, "  s2_cst[{w}] <= c_st[{w}];");
    }
    s += "  s2_chit <= c_hit; s2_clive <= c_live; s2_csame <= c_same; s2_crpass <= c_rpass;\n";
    s += "  s2_fb <= f_b; s2_fhit <= f_hit; s2_flive <= f_live; s2_fsame <= f_same;\n";
    s += "  s2_way <= s1_way; s2_hold <= s1_hold; s2_plain <= s1_plain; s2_clr <= s1_clr;\n";
    s += "  if (reset) begin s2_v <= 1'b0; s3_v <= 1'b0; s4_v <= 1'b0; s5_v <= 1'b0; end\nend\n";
    s
}

/// S2: per way the newest source, then the decision and the way written.
fn decide() -> String {
    let mut s = String::new();
    // Forwarding state of S3..S5 (the decisions of the three operations before).
    for k in 3..=5 {
        let _ = writeln!(
            s,
            "reg s{k}_wm, s{k}_wa;\nreg [1:0] s{k}_wway, s{k}_st;\nreg [{}:0] s{k}_na;\nreg [96:0] s{k}_nm;",
            AUX_BITS - 1
        );
    }
    // For each way: valid, hit, live, same; and the record fields a release or give reads
    // (side, ISN, ts from the main source; the aux row from the aux source).
    s += "reg [1:0] e_st [0:3];\nreg [3:0] e_hit, e_live, e_same, e_rpass, e_held, e_free, e_gone, e_kept, e_kpass;\nreg [96:0] e_nm [0:3];\n";
    let _ = writeln!(s, "reg [{}:0] e_a [0:3];", AUX_BITS - 1);
    s += "always @(*) begin : sources\n  integer w;\n";
    s += "  for (w = 0; w < 4; w = w + 1) begin\n";
    // Lowest priority first: the row read, then S5, S4, S3 (newest) override.
    let _ = writeln!(
        s,
        "    e_st[w] = s2_cst[w]; e_rpass[w] = s2_crpass[w]; e_hit[w] = s2_chit[w]; e_live[w] = s2_clive[w]; e_same[w] = s2_csame[w];\n    e_nm[w] = {{{side}, {isn}, {ts}}};\n    e_a[w] = s2_ra[w];",
        side = m_side("s2_rm[w]"),
        isn = m_isn("s2_rm[w]"),
        ts = m_ts("s2_rm[w]")
    );
    for k in [5, 4, 3] {
        let f = k - 2;
        let _ = writeln!(
            s,
            "    if (s2_fb[{f}] & s{k}_wm & (s{k}_wway == w[1:0])) begin e_st[w] = s{k}_st; e_rpass[w] = 1'b0; e_hit[w] = s2_fhit[{f}]; e_live[w] = s2_flive[{f}]; e_same[w] = s2_fsame[{f}]; e_nm[w] = s{k}_nm; end\n    if (s2_fb[{f}] & s{k}_wa & (s{k}_wway == w[1:0])) e_a[w] = s{k}_na;"
        );
    }
    // A way released within the last three operations is still reserved (e_rpass 0).
    let _ = writeln!(s, "    e_held[w] = e_st[w] == 2'd{ST_HELD};\n    e_kept[w] = e_st[w] == 2'd{ST_KEPT};\n    e_free[w] = (e_st[w] == 2'd{ST_FREE}) | ((e_st[w] == 2'd{ST_RELEASED}) & e_rpass[w]);");
    // A kept record past its way's reservation: the model's way is free by now, so a new SYN
    // may take it (the kept SYN leaves then, as late).
    s += "    e_gone[w] = e_held[w] & ~e_live[w];\n    e_kpass[w] = e_kept[w] & e_rpass[w];\n  end\nend\n";
    // The decision.
    s +=
        "reg [3:0] lhit;\nreg any_hit, absorb, rel, want, has_free, has_kpass, has_gone, ins, give, wm, wa, keep_ok, keep_lost;\n";
    s += "reg [1:0] hway, iway, way, st_new;\nreg [2:0] res, why;\nreg [15:0] rt_inc;\nreg [63:0] ts_new;\n";
    s += "always @(*) begin : decision\n  integer w;\n";
    s += "  lhit = e_held & e_hit & e_live;\n  any_hit = |lhit;\n  hway = 2'd0; iway = 2'd0;\n";
    s += "  for (w = 3; w >= 0; w = w - 1) if (lhit[w]) hway = w[1:0];\n";
    s += "  has_free = |e_free;\n  has_kpass = |e_kpass;\n  has_gone = |e_gone;\n";
    // A new SYN takes a free way, else a kept record past its reservation, else an expired one.
    s += "  for (w = 3; w >= 0; w = w - 1) if (has_free ? e_free[w] : (has_kpass ? e_kpass[w] : e_gone[w])) iway = w[1:0];\n";
    s += "  absorb = any_hit & s2_plain & e_same[hway];\n  rel = any_hit & ~absorb;\n";
    s += "  want = ~any_hit & s2_hold;\n";
    s += "  ins = 1'b0; give = 1'b0; wm = 1'b0; wa = 1'b0; way = hway; why = 3'd0;\n";
    let _ = writeln!(
        s,
        "  keep_ok = 1'b0; keep_lost = 1'b0; st_new = 2'd{ST_FREE}; ts_new = s2_ts;"
    );
    let k = |n: u8| format!("3'd{n}");
    let _ = writeln!(s, "  res = {};", k(kind::MISS));
    s += "  if (s2_clr) begin end\n";
    let _ = writeln!(s, "  else if (s2_kind == 2'd{OP_PROBE}) begin");
    let _ = writeln!(
        s,
        "    if (absorb) begin res = {}; wa = 1'b1; end",
        k(kind::ABSORBED)
    );
    let _ = writeln!(
        s,
        "    else if (rel) begin res = {}; give = 1'b1; why = 3'd{}; wm = 1'b1; st_new = 2'd{ST_RELEASED}; ts_new = s2_cyc; end",
        k(kind::RELEASE),
        Why::Released as u8
    );
    let _ = writeln!(
        s,
        "    else if (want & (has_free | has_kpass | has_gone)) begin res = {}; ins = 1'b1; wm = 1'b1; wa = 1'b1; way = iway; give = ~has_free; why = has_kpass ? 3'd{} : 3'd{}; st_new = 2'd{ST_HELD}; end",
        k(kind::HELD),
        Why::Late as u8,
        Why::Expired as u8
    );
    let _ = writeln!(s, "    else if (want) res = {};", k(kind::FULL));
    // A keep: the way must still be reserved (released, reservation not over), else a SYN may
    // have taken it and its frame overwritten the kept one's.
    let _ = writeln!(
        s,
        "  end else if (s2_kind == 2'd{OP_KEEP}) begin\n    way = s2_way;\n    keep_ok = (e_st[s2_way] == 2'd{ST_RELEASED}) & ~e_rpass[s2_way];\n    keep_lost = ~keep_ok;\n    wm = keep_ok; wa = keep_ok; st_new = 2'd{ST_KEPT}; ts_new = e_nm[s2_way][63:0];"
    );
    s += "  end else begin\n    way = s2_way;\n";
    let _ = writeln!(
        s,
        "    give = e_kept[s2_way] | ((s2_kind == 2'd{OP_FLUSH}) ? e_held[s2_way] : e_gone[s2_way]);\n    wm = give;\n    why = e_kept[s2_way] ? 3'd{} : ((s2_kind == 2'd{OP_FLUSH} & e_live[s2_way]) ? 3'd{} : 3'd{});",
        Why::Late as u8,
        Why::Flushed as u8,
        Why::Expired as u8
    );
    s += "  end\n";
    s += "  rt_inc = (e_a[hway][79:64] == 16'hffff) ? 16'hffff : e_a[hway][79:64] + 16'd1;\nend\n";
    s
}

/// S3: the write, the outputs; S4 and S5 keep S3's forwarding state.
fn write_and_out() -> String {
    let bb = SYN_BUCKET_BITS;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reg [{}:0] s3_m;\nreg [2:0] s3_res, s3_why;\nreg s3_give;\nreg [96:0] s3_gnm;\nreg [{}:0] s3_ga;\nreg [31:0] n_held, n_kept;\nreg s3_add, s3_klost, s3_kok, s3_kgive;",
        MAIN_BITS - 1,
        AUX_BITS - 1
    );
    s += "always @(posedge clock) begin\n";
    s += "  s3_wm <= s2_v & wm; s3_wa <= s2_v & wa; s3_st <= st_new; s3_wway <= way;\n";
    s += "  s3_m <= {st_new, s2_key, s2_side, s2_seq, ts_new};\n  s3_nm <= {s2_side, s2_seq, ts_new};\n";
    // Aux: a new record's, a retransmission's, or a kept record's (last = its span; its main row
    // keeps the release's cycle stamp, which still times the reservation).
    s += "  s3_na <= keep_ok ? {s2_ts[63:48], 16'd0, s2_ts[47:0]} : (ins ? {16'd0, s2_ts} : {rt_inc, s2_ts});\n";
    s += "  s3_add <= s2_v & (ins | keep_ok); s3_klost <= s2_v & keep_lost; s3_kok <= s2_v & keep_ok;\n";
    // A kept record given back (by a scan or flush step, or a new SYN taking its way).
    s += "  s3_kgive <= s2_v & give & e_kept[way];\n";
    s += "  s3_res <= res; s3_give <= s2_v & give; s3_why <= why; s3_gnm <= e_nm[way]; s3_ga <= e_a[way];\n";
    s += "  s4_wm <= s3_wm; s4_wa <= s3_wa; s4_st <= s3_st; s4_wway <= s3_wway; s4_na <= s3_na; s4_nm <= s3_nm;\n";
    s += "  s5_wm <= s4_wm; s5_wa <= s4_wa; s5_st <= s4_st; s5_wway <= s4_wway; s5_na <= s4_na; s5_nm <= s4_nm;\n";
    s += "  n_held <= n_held + {31'd0, s3_add} - {31'd0, s3_give};\n";
    s += "  n_kept <= n_kept + {31'd0, s3_kok} - {31'd0, s3_kgive};\n";
    s += "  if (reset) begin s3_wm <= 1'b0; s3_wa <= 1'b0; s3_give <= 1'b0; s3_add <= 1'b0; s3_klost <= 1'b0; s3_kok <= 1'b0; s3_kgive <= 1'b0; n_held <= 32'd0; n_kept <= 32'd0; end\nend\n";
    // The write lands at the end of S3.
    s += "always @(posedge clock) begin\n";
    for w in 0..SYN_WAYS {
        let _ = writeln!(
            s,
            "  if (clearing) m{w}[clr_b] <= {MAIN_BITS}'d0;\n  else if (s3_wm & (s3_wway == 2'd{w})) m{w}[s3_b] <= s3_m;\n  if (~clearing & s3_wa & (s3_wway == 2'd{w})) a{w}[s3_b] <= s3_na;"
        );
    }
    s += "end\n";
    s += "always @(*) begin\n";
    s += "  r_valid = s3_v & (s3_kind == 2'd0);\n  r_kind = s3_res;\n  r_loc = {s3_b, s3_wway};\n";
    s += "  g_valid = s3_give;\n  g_why = s3_why;\n  g_loc = {s3_b, s3_wway};\n";
    let _ = writeln!(
        s,
        "  g_side = s3_gnm[96];\n  g_isn = s3_gnm[64 +: 32];\n  g_ts = s3_gnm[0 +: 64];\n  g_retrans = {};\n  g_last = {};",
        a_retrans("s3_ga"),
        a_last("s3_ga")
    );
    s += "  held = n_held;\n  ready = ~clearing;\n  k_lost = s3_klost;\n  k_kept = s3_kok;\n  any_kept = n_kept != 32'd0;\n";
    s += "  flushing = fl_on | (s1_v & (s1_kind == 2'd2)) | (s2_v & (s2_kind == 2'd2)) | (s3_v & (s3_kind == 2'd2));\nend\n";
    let _ = bb;
    s
}

/// Name of the SYN table when emitted alone (`standalone_verilog`).
pub const SYNTABLE_MODULE: &str = "vantage_conn_syntable";

/// `SynTable` as a Verilog module named `SYNTABLE_MODULE`, for its test at any timestamps
/// against `model::conn::table`.
pub fn standalone_verilog() -> String {
    let mut uut = SynTable::default();
    uut.connect_all();
    generate_verilog(&uut)
        .replace("module top(", &format!("module {SYNTABLE_MODULE}("))
        .replace(
            "endmodule // top\n",
            &format!("endmodule // {SYNTABLE_MODULE}\n"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_widths_add_up() {
        assert_eq!(KEY_BITS, 289);
        assert_eq!(MAIN_BITS, 388);
    }

    #[test]
    fn the_module_names_every_port() {
        let v = standalone_verilog();
        for port in ["p_hash", "r_kind", "g_retrans", "held", "flushing"] {
            assert!(v.contains(port), "{port}");
        }
    }
}
