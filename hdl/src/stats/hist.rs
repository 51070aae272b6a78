//! The history unit: one connection's state and one frame in, the state after the frame out,
//! `HIST_REGS` clock edges later. It is `model::stats::hist` rule for rule; the state vector's
//! layout is `proto::hist::state_layout()`.
//!
//! ```text
//!  s_in, frame fields ─► x_0: every variable (sender's endpoint m_*, peer's q_*, muxed by side)
//!   ─► s0: the held connection's timers, reuse ─► ended                                  ─► reg
//!   ─► s1: a new connection (first frame, or ended); partial, segment length, start,
//!          relative sequence                                                              ─► reg
//!   ─► s2: the history letters (S H A D F R I Q) and the flips they bring                ─► reg
//!   ─► s3: W, the FIN's end, the sender's data (block widened), the acknowledgement of the
//!          peer's stream, the last sequence (T)                                          ─► reg
//!   ─► s4: the state machine, the peer's reassembly on the acknowledgement (G)            ─► reg
//!   ─► s5: the sender's block delivered, the close timers, the counts
//!          ─► s_out (endpoints by side), ended
//! ```
//! Each stage is a module of its own that loads every variable from its input vector, runs its
//! slice of the rules, and hands every variable on. The cuts fall between Zeek's steps, so each
//! slice stays readable as the step it states, in the reference's order but for two changes made
//! for depth: DataSent runs ahead of the state machine and AckReceived (they touch none of the
//! sender's reassembly), its block delivered two stages later; AckReceived makes its compares
//! side by side (`ack_peer`). The connection
//! table (`conns`) feeds a step in one cycle and reads the result `HIST_REGS` cycles later; no
//! step of the same connection is in flight meanwhile (`CONN_OP_CYCLES`), so the stages need no
//! forwarding.
//! Verilator runs it against the model (`sim/tests/hist_rtl_vs_model.rs`); rust-hdl's own
//! simulator sees this leaf as silent.

use rust_hdl::prelude::*;
use std::fmt::Write;
use vantage_proto::hist::{
    code_of, seen, state, state_layout, timer, CODE_BITS, ENDPOINT_FIELDS,
    EXCESSIVE_DATA_WITHOUT_ACKS, HIST_LETTERS, LOWER, MAX_ABOVE_HOLE_WITHOUT_ACKS, SCALED_LAST,
    STATE_BITS, TOO_LARGE_SEQ_DELTA,
};

/// Name of the leaf when emitted alone (`standalone_verilog`).
pub const HIST_MODULE: &str = "vantage_stats_hist";

#[derive(LogicBlock, Default)]
pub struct StatsHist {
    /// The unit's register stages advance on it.
    pub clock: Signal<In, Clock>,
    /// The connection's state before the frame (ignored when `fresh`).
    pub s_in: Signal<In, Bits<STATE_BITS>>,
    /// The table holds no state for the connection: the frame is its first.
    pub fresh: Signal<In, Bit>,
    /// The sender's endpoint (0: its address and port sort first).
    pub side: Signal<In, Bit>,
    /// Ingress timestamp, ns.
    pub ts: Signal<In, Bits<64>>,
    /// TCP (else UDP).
    pub tcp: Signal<In, Bit>,
    /// TCP flags, sequence and acknowledgement numbers, window.
    pub flags: Signal<In, Bits<8>>,
    pub seq: Signal<In, Bits<32>>,
    pub ack: Signal<In, Bits<32>>,
    pub win: Signal<In, Bits<16>>,
    /// Transport payload length from the IP header.
    pub plen: Signal<In, Bits<32>>,
    /// IP total length.
    pub iplen: Signal<In, Bits<32>>,
    /// Source / destination port in `likely_server_ports`; source port below destination port;
    /// destination is the IPv4 broadcast address.
    pub srv_src: Signal<In, Bit>,
    pub srv_dst: Signal<In, Bit>,
    pub sport_lt: Signal<In, Bit>,
    pub dst_bcast: Signal<In, Bit>,
    /// The state after the frame.
    pub s_out: Signal<Out, Bits<STATE_BITS>>,
    /// The connection held ended before this frame (timer or reuse): `s_out` is a new one.
    pub ended: Signal<Out, Bit>,
}

impl Logic for StatsHist {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.s_out.connect();
        self.ended.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: glue(),
            cores: stage_modules(),
        })
    }
}

/// The leaf alone as a Verilog module named `HIST_MODULE` (for its unit test and synthesis).
pub fn standalone_verilog() -> String {
    let mut uut = StatsHist::default();
    uut.connect_all();
    generate_verilog(&uut)
        .replace("module top(", &format!("module {HIST_MODULE}("))
        .replace(
            "endmodule // top\n",
            &format!("endmodule // {HIST_MODULE}\n"),
        )
}

fn code(l: char) -> u8 {
    code_of(l).unwrap_or_else(|| panic!("letter {l} has a code in proto::hist"))
}

fn params() -> String {
    let mut s = String::new();
    let st = [
        ("INACTIVE", state::INACTIVE),
        ("SYN_SENT", state::SYN_SENT),
        ("SYN_ACK_SENT", state::SYN_ACK_SENT),
        ("PARTIAL", state::PARTIAL),
        ("ESTABLISHED", state::ESTABLISHED),
        ("CLOSED", state::CLOSED),
        ("RESET", state::RESET),
    ];
    for (n, v) in st {
        let _ = writeln!(s, "localparam [2:0] ST_{n} = 3'd{v};");
    }
    let bits = [
        ("SYN", seen::SYN),
        ("FIN", seen::FIN),
        ("RST", seen::RST),
        ("FIN_RST", seen::FIN_RST),
        ("DATA", seen::DATA),
        ("ACK", seen::ACK),
        ("MULTI", seen::MULTI_FLAG),
    ];
    for (n, v) in bits {
        let _ = writeln!(s, "localparam [15:0] H_{n} = 16'h{v:04x};");
    }
    for (n, l) in [
        ("S", 'S'),
        ("H", 'H'),
        ("A", 'A'),
        ("D", 'D'),
        ("F", 'F'),
        ("R", 'R'),
        ("I", 'I'),
        ("Q", 'Q'),
        ("T", 'T'),
        ("W", 'W'),
        ("G", 'G'),
        ("CARET", '^'),
    ] {
        let _ = writeln!(s, "localparam [4:0] L_{n} = 5'd{};", code(l));
    }
    let _ = writeln!(s, "localparam [4:0] LOWER = 5'd{LOWER};");
    let _ = writeln!(s, "localparam [4:0] HL = 5'd{HIST_LETTERS};");
    let _ = writeln!(s, "localparam [3:0] PEND = 4'd{PEND_LETTERS};");
    let _ = writeln!(s, "localparam [8:0] RESP_SHIFT = 9'd{};", seen::RESP_SHIFT);
    for (n, v) in [
        ("SYN_TIMEOUT", timer::SYN_TIMEOUT),
        ("SESSION", timer::SESSION_TIMER),
        ("LINGER", timer::LINGER),
        ("ATTEMPT", timer::ATTEMPT_DELAY),
        ("CLOSE_DELAY", timer::CLOSE_DELAY),
        ("TCP_INACT", timer::TCP_INACTIVITY),
        ("UDP_INACT", timer::UDP_INACTIVITY),
    ] {
        let _ = writeln!(s, "localparam [63:0] T_{n} = 64'd{v};");
    }
    let _ = writeln!(s, "localparam integer TOO_LARGE = {TOO_LARGE_SEQ_DELTA};");
    let _ = writeln!(
        s,
        "localparam [31:0] MAXHOLE = 32'd{MAX_ABOVE_HOLE_WITHOUT_ACKS};"
    );
    let _ = writeln!(
        s,
        "localparam [31:0] EXCESS = 32'd{EXCESSIVE_DATA_WITHOUT_ACKS};"
    );
    let _ = writeln!(s, "localparam [31:0] SCALED_LAST = 32'd{SCALED_LAST};");
    // x + 1 is a power of ten: compared on the count before its add, off the carry chain.
    let pows: Vec<String> = (0..10)
        .map(|k| format!("x == 32'd{}", 10u64.pow(k) - 1))
        .collect();
    let _ = writeln!(
        s,
        "function next_is_pow10(input [31:0] x);\n  next_is_pow10 = {};\nendfunction",
        pows.join(" || ")
    );
    s
}

/// Register stages inside the unit: the state after a frame leaves `HIST_REGS` clock edges after
/// the state before it and the frame's fields enter (the inputs held meanwhile, or pipelined).
pub const HIST_REGS: usize = 5;

/// Letters one frame can write: a flip (`^`, s1), the `^h` rewrite and a letter (s2), W and T
/// (s3), a flip and two G (s4); or UDP's one letter (s5).
const PEND_LETTERS: usize = 8;
const _: () = assert!(
    PEND_LETTERS == 8 && HIST_LETTERS == 16,
    "write_letters indexes 8 of 16"
);

/// The frame's fields the unit reads (its inputs but `s_in` and `fresh`), (name, width): the
/// connection table carries them in this order, first in the high bits, and the stages after
/// `fresh`.
pub const FRAME_FIELDS: [(&str, usize); 13] = [
    ("side", 1),
    ("ts", 64),
    ("tcp", 1),
    ("flags", 8),
    ("seq", 32),
    ("ack", 32),
    ("win", 16),
    ("plen", 32),
    ("iplen", 32),
    ("srv_src", 1),
    ("srv_dst", 1),
    ("sport_lt", 1),
    ("dst_bcast", 1),
];

/// The rules' working values that one stage sets and a later one reads (the unit's output
/// `ended` among them).
const LOCAL_VARS: &[(&str, usize)] = &[
    ("ended", 1),
    ("syn", 1),
    ("fin", 1),
    ("rst", 1),
    ("ackf", 1),
    ("seen_before", 1),
    ("do_close", 1),
    ("under", 1),
    ("qunder", 1),
    ("to", 1),
    ("reuse", 1),
    ("cond", 1),
    ("due", 1),
    ("untrusted", 1),
    ("is_orig", 1),
    ("o_is_m", 1),
    ("closed_any", 1),
    ("o_closed", 1),
    ("r_closed", 1),
    ("o_st", 3),
    ("r_st", 3),
    ("co_st", 3),
    ("co_start", 32),
    ("r_start", 32),
    ("seg_len", 32),
    ("one_past", 32),
    ("rel_seq", 32),
    ("rel_ack", 32),
    ("rel_data", 32),
    ("at", 32),
    ("d", 32),
    ("dl", 32),
    ("quiet", 64),
    ("t1", 64),
    ("nbits", 2),
    ("upc", 5),
    ("dm_go", 1),
    ("dm_in", 1),
    ("ack_s", 32),
    ("seq_at_start", 1),
    ("pend", 5 * PEND_LETTERS),
    ("pend_n", 4),
    ("pend_clr", 1),
];

/// One variable of the vector the stages pass on: its Verilog name, low bit and width.
struct Var {
    name: String,
    lo: usize,
    bits: usize,
    /// Where it comes from in the unit's inputs (`None`: a working value, zero on entry).
    source: Source,
}

enum Source {
    /// A connection field of `s_in`, at its low bit.
    Conn(usize),
    /// An endpoint field: the low bits of endpoint 0's and endpoint 1's copy in `s_in`, and
    /// whether this is the sender's (`m_`) or the peer's (`q_`).
    Endpoint(usize, usize, bool),
    /// The input port of the same name.
    Port,
    Local,
}

/// The stage vector: connection fields `c_`, the sender's and the peer's endpoint `m_`/`q_`,
/// the frame's fields, the working values.
fn stage_vars() -> Vec<Var> {
    let layout = state_layout();
    let lo_of = |n: &str| {
        layout
            .iter()
            .find(|f| f.name == n)
            .map(|f| f.lo)
            .unwrap_or_else(|| panic!("proto::hist's layout has no field {n}"))
    };
    let mut named: Vec<(String, usize, Source)> = Vec::new();
    for f in layout.iter().filter(|f| !is_endpoint(&f.name)) {
        named.push((format!("c_{}", f.name), f.bits, Source::Conn(f.lo)));
    }
    for &(n, b) in ENDPOINT_FIELDS {
        let (e0, e1) = (lo_of(&format!("e0_{n}")), lo_of(&format!("e1_{n}")));
        named.push((format!("m_{n}"), b, Source::Endpoint(e0, e1, true)));
        named.push((format!("q_{n}"), b, Source::Endpoint(e0, e1, false)));
    }
    for (n, b) in std::iter::once(("fresh", 1)).chain(FRAME_FIELDS) {
        named.push((n.to_string(), b, Source::Port));
    }
    for &(n, b) in LOCAL_VARS {
        named.push((n.to_string(), b, Source::Local));
    }
    let mut lo = 0;
    named
        .into_iter()
        .map(|(name, bits, source)| {
            let v = Var {
                name,
                lo,
                bits,
                source,
            };
            lo += bits;
            v
        })
        .collect()
}

fn stage_width(vars: &[Var]) -> usize {
    vars.iter().map(|v| v.bits).sum()
}

fn is_endpoint(name: &str) -> bool {
    name.starts_with("e0_") || name.starts_with("e1_")
}

/// Stage `k`'s module name.
fn stage_module(k: usize) -> String {
    format!("{HIST_MODULE}_s{k}")
}

/// The stage modules, one per slice of the rules (`slice`): each loads every variable from
/// its input vector, runs its slice, and hands every variable on.
fn stage_modules() -> String {
    assert_eq!(CODE_BITS, 5, "the letter tasks below write 5-bit codes");
    let vars = stage_vars();
    let w = stage_width(&vars);
    let mut decl = String::new();
    for v in &vars {
        let _ = writeln!(decl, "reg [{}:0] {};", v.bits - 1, v.name);
    }
    let mut v = String::new();
    for k in 0..=HIST_REGS {
        let _ = writeln!(
            v,
            "// history unit, stage {k} of {}: {w}-bit stage vector in and out\nmodule {}(input wire [{}:0] x_in, output reg [{}:0] x_out);",
            HIST_REGS + 1,
            stage_module(k),
            w - 1,
            w - 1
        );
        v += &params();
        v += &decl;
        v += TASKS;
        v += &endpoint_tasks("me", "m", "q");
        v += &endpoint_tasks("peer", "q", "m");
        v += "always @(*) begin\n";
        for var in &vars {
            let _ = writeln!(v, "  {} = x_in[{} +: {}];", var.name, var.lo, var.bits);
        }
        v += &slice(k);
        for var in &vars {
            let _ = writeln!(v, "  x_out[{} +: {}] = {};", var.lo, var.bits, var.name);
        }
        v += "end\nendmodule\n\n";
    }
    v
}

/// Inside the unit's module: the entry vector from the ports (endpoints muxed by side), the
/// stage modules with a register after each but the last, `s_out` and `ended` from the last.
fn glue() -> String {
    let vars = stage_vars();
    let w = stage_width(&vars);
    let last = HIST_REGS;
    let mut v = String::new();
    let _ = writeln!(v, "wire [{}:0] x_0;", w - 1);
    for k in 0..=last {
        let _ = writeln!(v, "wire [{}:0] y_{k};", w - 1);
    }
    for k in 1..=last {
        let _ = writeln!(v, "reg [{}:0] x_{k};", w - 1);
    }
    for var in &vars {
        let (lo, b) = (var.lo, var.bits);
        let src = match var.source {
            Source::Conn(at) => format!("s_in[{at} +: {b}]"),
            Source::Endpoint(e0, e1, me) => {
                let (a, z) = if me { (e1, e0) } else { (e0, e1) };
                format!("side ? s_in[{a} +: {b}] : s_in[{z} +: {b}]")
            }
            Source::Port => var.name.clone(),
            Source::Local => format!("{b}'d0"),
        };
        let _ = writeln!(v, "assign x_0[{lo} +: {b}] = {src};");
    }
    for k in 0..=last {
        let _ = writeln!(
            v,
            "{} u_s{k}(.x_in(x_{k}), .x_out(y_{k}));",
            stage_module(k)
        );
    }
    v += "always @(posedge clock) begin\n";
    for k in 1..=last {
        let _ = writeln!(v, "  x_{k} <= y_{};", k - 1);
    }
    v += "end\n";
    let at = |n: &str| {
        let var = vars
            .iter()
            .find(|x| x.name == n)
            .unwrap_or_else(|| panic!("the stage vector has no {n}"));
        format!("y_{last}[{} +: {}]", var.lo, var.bits)
    };
    let side = at("side");
    for f in state_layout() {
        let (lo, b) = (f.lo, f.bits);
        let src = match f.name.split_once('_') {
            Some(("e0", n)) => format!(
                "{side} ? {} : {}",
                at(&format!("q_{n}")),
                at(&format!("m_{n}"))
            ),
            Some(("e1", n)) => format!(
                "{side} ? {} : {}",
                at(&format!("m_{n}")),
                at(&format!("q_{n}"))
            ),
            _ => at(&format!("c_{}", f.name)),
        };
        let _ = writeln!(v, "assign s_out[{lo} +: {b}] = {src};");
    }
    let _ = writeln!(v, "assign ended = {};", at("ended"));
    v
}

/// A new connection's endpoint registers.
fn fresh() -> String {
    let mut s = String::new();
    for &(n, b) in ENDPOINT_FIELDS {
        let v = if n == "next" || n == "trim" { 1 } else { 0 };
        let _ = writeln!(s, "    m_{n} = {b}'d{v}; q_{n} = {b}'d{v};");
    }
    s
}

/// The rules, cut into one slice per stage. The cuts fall between Zeek's steps (the held
/// connection's timers; a new connection; the endpoint's start and relative sequence; the
/// history letters; the acknowledgement and the last sequence; the state machine and the peer's
/// reassembly; the sender's data, the close, the counts), so each slice is the reference's code
/// in its order and a stage's depth is one step's.
fn slice(k: usize) -> String {
    let tcp_only = |rules: &str| format!("  if (tcp) begin\n{rules}  end\n");
    match k {
        0 => PROLOGUE.to_string(),
        1 => {
            let mut v = String::from("  if (fresh || ended) begin\n");
            v += FRESH_CONN;
            v += &fresh();
            v += "    if (tcp && (!syn || ackf) && srv_src && (!srv_dst || (!syn && sport_lt)) && !dst_bcast) flip;\n  end\n";
            v + START
        }
        2 => tcp_only(LETTER_RULES),
        3 => tcp_only(ACK_LAST),
        4 => tcp_only(MACHINE),
        5 => DATA_CLOSE_COUNT.to_string(),
        _ => panic!("the unit has {} stages, not {}", HIST_REGS + 1, k + 1),
    }
}

/// The task written once per endpoint: `set_<who>`, a state change, which ends the handshake
/// timeout when both sides leave it.
fn endpoint_tasks(who: &str, p: &str, other: &str) -> String {
    format!(
        r#"
task set_{who}(input [2:0] ns);
  begin
    if (ns != {p}_st) begin
      if (!in_hs(ns) && in_hs({p}_st) && in_hs({other}_st)) c_long = 1'b1;
      {p}_prev = {p}_st;
      {p}_st = ns;
    end
  end
endtask

"#
    )
}

/// Locals, helper functions and the tasks the rules are written with (they act on the working
/// registers; `who` 0 is the sender, 1 the peer).
const TASKS: &str = r#"

function in_hs(input [2:0] s);
  in_hs = s == ST_INACTIVE || s == ST_SYN_SENT || s == ST_SYN_ACK_SENT;
endfunction

function clean(input [2:0] s, input [2:0] pv);
  clean = s == ST_ESTABLISHED || (s == ST_CLOSED && pv == ST_ESTABLISHED);
endfunction

// Zeek's get_relative_seq underflow: before the start while no wrap is counted.
function rel_under(input [31:0] start, input [31:0] sq, input [31:0] last, input [1:0] wraps);
  reg [31:0] dlt, r;
  reg [2:0] w;
  begin
    dlt = sq - last;
    w = {1'b0, wraps};
    if (dlt[31]) begin
      if (w != 3'd0 && sq > last) w = w - 3'd1;
    end else if (dlt != 32'd0 && sq < last) w = w + 3'd1;
    r = sq - start;
    rel_under = w == 3'd0 && r[31];
  end
endfunction

function no_data_acked(input [31:0] ak, input [31:0] start, input [1:0] aw);
  no_data_acked = (aw == 2'd0 && (ak == start || (ak == start + 32'd1 && start != 32'hffffffff)))
               || (aw == 2'd1 && ak == 32'd0 && start == 32'hffffffff);
endfunction

// A letter is written to the history string at the end of the last stage (`write_letters`);
// until then it waits, in order, in `pend` (a frame writes at most PEND letters). So no stage's
// path runs through the string's write at a position the letter before left.
task push(input [4:0] c);
  begin
    if (pend_n < PEND) begin
      pend[pend_n * 5 +: 5] = c;
      pend_n = pend_n + 4'd1;
    end
  end
endtask

// The waiting letters written side by side: position p takes letter p - base, base being the
// string's length (0 after the `^h` rewrite). A letter past the end sets `over`.
task write_letters;
  reg [5:0] base, j;
  integer p;
  begin
    base = pend_clr ? 6'd0 : {1'b0, c_len};
    for (p = 0; p < HL; p = p + 1) begin
      j = p[5:0] - base;
      if (base <= p[5:0] && j < {2'd0, pend_n}) c_letters[p * 5 +: 5] = pend[j[2:0] * 5 +: 5];
    end
    if (pend_n != 4'd0 && base + {2'd0, pend_n} > {1'b0, HL}) c_over = 1'b1;
    if (base < {1'b0, HL}) c_len = base + {2'd0, pend_n} > {1'b0, HL} ? HL : base[4:0] + {1'b0, pend_n};
  end
endtask

// The letter of the sender (who 0) or the peer (who 1), lower case for the responder.
task add_letter(input who, input [4:0] c);
  begin
    if ((who ? ~side : side) == c_orig[0]) push(c);
    else push(c | LOWER);
  end
endtask

task check_history(input who, input [15:0] mask, input [4:0] c);
  reg [15:0] mk;
  begin
    mk = ((who ? ~side : side) == c_orig[0]) ? mask : (mask << RESP_SHIFT);
    if ((c_hist_seen & mk) != 16'd0) seen_before = 1'b1;
    else begin
      seen_before = 1'b0;
      c_hist_seen = c_hist_seen | mk;
      add_letter(who, c);
    end
  end
endtask

task flip;
  begin
    c_orig = ~c_orig;
    c_seen = {c_seen[0], c_seen[1]};
    c_partial = 1'b0;
    push(L_CARET);
  end
endtask

// TCP_Endpoint::CheckHistory for the sender: a lone SYN-ACK followed by an A or D flips.
task ep_check(input [15:0] mask, input [4:0] c);
  begin
    if ((c == L_A || c == L_D) && pend_n == 4'd0 && c_len == 5'd1 && c_letters[4:0] == L_H) begin
      flip;
      pend_n = 4'd0;
      pend_clr = 1'b1;
      push(L_CARET);
      push(L_H | LOWER);
      c_seen = c_seen | 2'b01;
    end
    check_history(1'b0, mask, c);
  end
endtask

// A scaled letter's counter: the letter on the 1st, 10th, 100th ... occurrence.
task scaled(inout [31:0] cnt, input who, input [4:0] c);
  reg [31:0] n;
  begin
    if (next_is_pow10(cnt)) add_letter(who, c);
    n = cnt + 32'd1;
    cnt = n == SCALED_LAST ? 32'd0 : n;
  end
endtask

task gap_peer;
  begin
    if (clean(q_st, q_prev) && clean(m_st, m_prev)) scaled(q_gap, 1'b1, L_G);
  end
endtask

task init_me(input [31:0] start, input [31:0] last);
  begin
    m_start = start;
    m_ack = start;
    m_last = last;
  end
endtask

task advance_last(input [31:0] x);
  begin
    if (x < m_last) m_swrap = m_swrap == 2'd3 ? 2'd3 : m_swrap + 2'd1;
    m_last = x;
  end
endtask

// TCP_Reassembler::AckReceived: the sender acknowledged the peer's stream up to s (clamped at
// the FIN's end the stage before, `ack_s`), with
// Undelivered and DeliverBlock inlined. The in-order point only ever takes a value held at the
// start (q_next, the block's ends, s), so every comparison among them is made once, side by
// side (g[{i, j}]: value i > value j; 0 q_next, 1 q_blo, 2 q_bhi, 3 s), and the steps choose
// among the results: nx names the value q_next holds, hv whether the block is still held. The
// steps as written chain five 32-bit compares on values the step before chose.
task ack_peer(input [31:0] s);
  reg [15:0] g;
  reg [1:0] nx;
  reg hv;
  begin
    g = {1'b0, s > q_bhi, s > q_blo, s > q_next,
         q_bhi > s, 1'b0, q_bhi > q_blo, q_bhi > q_next,
         q_blo > s, q_blo > q_bhi, 1'b0, q_blo > q_next,
         q_next > s, q_next > q_bhi, q_next > q_blo, 1'b0};
    nx = 2'd0;
    hv = q_bhi != 32'd0;
    if (s > q_trim) begin
      if (g[{2'd3, 2'd0}] && !(s <= 32'd2 && c_partial)) begin
        if (!q_skip) begin
          if (hv && g[{2'd3, 2'd1}]) begin
            gap_peer;
            nx = 2'd1;
            if (hv && !g[{2'd1, nx}]) begin
            if (g[{2'd2, nx}]) nx = 2'd2;
            hv = 1'b0;
          end
          end
          if (g[{2'd3, nx}]) gap_peer;
        end
        if (g[{2'd3, nx}]) nx = 2'd3;
        if (hv && !g[{2'd1, nx}]) begin
            if (g[{2'd2, nx}]) nx = 2'd2;
            hv = 1'b0;
          end
      end
      if (hv && !g[{2'd2, 2'd3}]) hv = 1'b0;
      if (hv && !g[{2'd1, nx}]) begin
            if (g[{2'd2, nx}]) nx = 2'd2;
            hv = 1'b0;
          end
      q_trim = s;
    end
    q_next = nx == 2'd0 ? q_next : (nx == 2'd1 ? q_blo : (nx == 2'd2 ? q_bhi : s));
    if (!hv) begin
      q_blo = 32'd0;
      q_bhi = 32'd0;
    end
  end
endtask

// DeliverBlock on the sender's stream: the in-order point moves over the block once it reaches
// it (the peer's is inlined in ack_peer).
task deliver_m;
  begin
    if (m_bhi != 32'd0 && m_blo <= m_next) begin
      if (m_bhi > m_next) m_next = m_bhi;
      m_blo = 32'd0;
      m_bhi = 32'd0;
    end
  end
endtask

// TCP_Reassembler::DataSent: the sender's payload [s0, s0 + l0), one block kept. Cut in two
// across stages: here the block is widened (dm_go: the step goes on; dm_in: the payload reaches
// past the trim point); data_me_end delivers it and applies the stop-following limits. No step
// between them reads or writes the sender's reassembly.
task data_me(input [31:0] s0, input [31:0] l0);
  reg [31:0] s, l, ak, hi;
  begin
    if (!m_skip) begin
      s = s0;
      l = l0;
      ak = m_ack - m_start;
      if (!(s < ak && s + l <= ak)) begin
        dm_go = 1'b1;
        if (s < ak) begin
          l = l - (ak - s);
          s = ak;
        end
        hi = s + l;
        if (hi > m_trim) begin
          dm_in = 1'b1;
          if (s < m_trim) s = m_trim;
          if (m_bhi != 32'd0) begin
            if (s < m_blo) m_blo = s;
            if (hi > m_bhi) m_bhi = hi;
          end else begin
            m_blo = s;
            m_bhi = hi;
          end
        end
      end
    end
  end
endtask

task data_me_end;
  begin
    if (dm_in) deliver_m;
    if ((no_data_acked(m_ack, m_start, m_awrap) && m_bhi != 32'd0 && m_bhi - m_next > MAXHOLE)
        || (m_bhi != 32'd0 && m_bhi - m_blo > EXCESS)) begin
      m_blo = 32'd0;
      m_bhi = 32'd0;
      m_skip = 1'b1;
    end
  end
endtask

// ConnectionClosed for the sender, reduced to its timers.
task closed_me;
  begin
    if (!m_closed) begin
      m_closed = 1'b1;
      if (m_st == ST_RESET || q_closed || q_st == ST_INACTIVE) begin
        if (m_prev != ST_INACTIVE || q_st != ST_INACTIVE) c_active = 1'b0;
        c_exp_v = 1'b0;
        c_att_v = 1'b0;
        c_del_v = 1'b1;
        c_del = c_last_ns + T_CLOSE_DELAY;
      end else if (m_prev != ST_INACTIVE) begin
        c_exp_v = 1'b1;
        c_exp = c_last_ns + T_SESSION;
      end
    end
  end
endtask
"#;

/// Frame flags, then the held connection's timers and reuse.
const PROLOGUE: &str = r#"  syn = flags[1]; fin = flags[0]; rst = flags[2]; ackf = flags[4];
  o_is_m = c_orig[0] == side;
  o_st = o_is_m ? m_st : q_st;          r_st = o_is_m ? q_st : m_st;
  o_closed = o_is_m ? m_closed : q_closed; r_closed = o_is_m ? q_closed : m_closed;
  r_start = o_is_m ? q_start : m_start;
  to = 1'b0; reuse = 1'b0; cond = 1'b0; due = 1'b0; quiet = 64'd0; t1 = 64'd0;
  co_st = o_st; co_start = o_is_m ? m_start : q_start; closed_any = 1'b0;
  if (!fresh) begin
    if ((ts > c_last_ns ? ts - c_last_ns : 64'd0) >= (c_long ? T_TCP_INACT : T_UDP_INACT)) to = 1'b1;
    else if (c_tcp) begin
      if (c_del_v && c_del <= ts) to = 1'b1;
      else begin
        if (c_att_v && c_att <= ts) begin
          c_att_v = 1'b0;
          if (c_active && (o_st == ST_SYN_SENT || o_st == ST_SYN_ACK_SENT) && r_st == ST_INACTIVE) to = 1'b1;
        end
        if (!to && c_exp_v && c_exp <= ts) begin
          if (!c_active) c_exp_v = 1'b0;
          else begin
            cond = ((o_closed || r_closed) && ((o_closed && r_closed) || o_st == ST_RESET || r_st == ST_RESET
                    || o_st == ST_INACTIVE || r_st == ST_INACTIVE)) || (o_st == ST_INACTIVE && r_st == ST_INACTIVE);
            quiet = c_last_ns + T_LINGER;
            t1 = c_exp + T_SESSION;
            due = quiet < c_exp || (t1 <= ts && quiet < t1) || (ts >= t1 + T_SESSION && quiet < ts - T_SESSION);
            if (cond && due) to = 1'b1;
            else c_exp = ts < t1 ? t1 : (ts < t1 + T_SESSION ? t1 + T_SESSION : ts + T_SESSION);
          end
        end
      end
    end
    if (!to && tcp && syn && !(ackf && o_st != ST_INACTIVE)) begin
      if (ackf) begin
        co_st = r_st;
        co_start = r_start;
      end
      closed_any = o_closed || r_closed;
      reuse = 1'b1;
      if (!closed_any) begin
        if (seq == co_start) reuse = 1'b0;
        else if (!ackf && co_st == ST_SYN_ACK_SENT && r_st == ST_INACTIVE && seq == r_start) reuse = 1'b0;
      end
    end
  end
  ended = !fresh && (to || reuse);
"#;

/// A new connection's connection-level registers.
const FRESH_CONN: &str = r#"    c_tcp = tcp; c_orig = side; c_partial = 1'b0; c_seen = 2'd0; c_active = 1'b1; c_long = 1'b0;
    c_hist_seen = 16'd0; c_letters = 0; c_len = 5'd0; c_over = 1'b0;
    c_last_ns = ts; c_start_ns = ts; c_exp_v = 1'b1; c_exp = ts + T_SYN_TIMEOUT;
    c_att_v = 1'b0; c_att = 64'd0; c_del_v = 1'b0; c_del = 64'd0;
"#;

/// TCPSessionAdapter::Process, first step: the working values cleared, SetPartialStatus, the
/// segment's length, the sender's start (init_endpoint) and relative sequence.
const START: &str = r#"  seg_len = 32'd0; one_past = 32'd0; rel_seq = 32'd0; rel_ack = 32'd0; rel_data = 32'd0;
  at = 32'd0; d = 32'd0; dl = 32'd0; under = 1'b0; qunder = 1'b0; untrusted = 1'b0;
  do_close = 1'b0; seen_before = 1'b0; nbits = 2'd0; upc = 5'd0; is_orig = 1'b0;
  if (tcp) begin
    // SetPartialStatus
    if (side == c_orig[0]) begin
      if (!c_seen[0]) c_partial = !syn || ackf;
    end else if (!c_seen[1] && !c_partial) c_partial = !syn;
    seg_len = (rst ? 32'd0 : plen) + {31'd0, syn} + {31'd0, fin};
    one_past = seq + seg_len;
    // init_endpoint
    case (m_st)
      ST_INACTIVE: if (syn) init_me(seq, one_past); else init_me(seq - 32'd1, seq);
      ST_SYN_SENT, ST_SYN_ACK_SENT: if (syn && seq != m_start) init_me(seq, one_past);
      ST_ESTABLISHED, ST_PARTIAL: if (syn) init_me(seq, one_past);
      ST_RESET: if (syn && m_prev == ST_INACTIVE) init_me(seq, one_past);
      default: ;
    endcase
    rel_seq = seq - m_start;
    under = rel_under(m_start, seq, m_last, m_swrap);
  end
"#;

/// update_history: the letters S H A D F R I Q and the flips they bring.
const LETTER_RULES: &str = r#"    // update_history
    nbits = {1'b0, syn} + {1'b0, fin} + {1'b0, rst};
    if (nbits == 2'd0) begin
      if (plen != 32'd0) ep_check(H_DATA, L_D);
      else if (ackf) ep_check(H_ACK, L_A);
    end else if (nbits == 2'd1) begin
      if (syn) begin
        upc = ackf ? L_H : L_S;
        ep_check(H_SYN, upc);
        if (seen_before && rel_seq != m_lsyn) add_letter(1'b0, upc);
        m_lsyn = rel_seq;
      end else if (fin) begin
        at = rel_seq + plen;
        ep_check(H_FIN, L_F);
        if (seen_before && at != m_lfin) add_letter(1'b0, L_F);
        m_lfin = at;
      end else begin
        ep_check(H_RST, L_R);
        if (seen_before && rel_seq != m_lrst) add_letter(1'b0, L_R);
        m_lrst = rel_seq;
      end
    end else if (fin && rst) ep_check(H_FIN_RST, L_I);
    else ep_check(H_MULTI, L_Q);
"#;

/// update_window (W), the FIN's end, DataSent's first half, the acknowledgement of the peer's
/// stream, update_last_seq (T).
const ACK_LAST: &str = r#"    // update_window
    if (win == 16'd0 && !rst && q_st != ST_CLOSED && m_st != ST_RESET) scaled(m_win0, 1'b0, L_W);
    if (fin) begin
      m_fin = 1'b1;
      m_finseq = rel_seq + seg_len;
    end
    // DataSent's first half (see data_me)
    rel_data = syn ? rel_seq + 32'd1 : rel_seq;
    if (plen != 32'd0 && !rst && !under) data_me(rel_data, plen);
    // the acknowledgement of the peer's stream
    if (ackf) begin
      if (q_st == ST_INACTIVE) begin
        rel_ack = 32'd1;
        q_start = ack - 32'd1;
        q_ack = ack - 32'd1;
        q_last = ack - 32'd1;
      end else begin
        qunder = rel_under(q_start, ack, q_ack, q_awrap);
        if (!qunder) begin
          rel_ack = ack - q_start;
          d = ack - q_ack;
          if (!rst && !(ack == 32'd0 && $signed(d) > TOO_LARGE) && $signed(d) > 0) begin
            if (ack < q_ack) q_awrap = q_awrap == 2'd3 ? 2'd3 : q_awrap + 2'd1;
            q_ack = ack;
          end
        end
      end
      // AckReceived's clamp at the FIN, ahead of its stage
      ack_s = (q_fin && rel_ack >= q_finseq) ? q_finseq - 32'd1 : rel_ack;
    end
    // the state machine's test of a SYN against the sender's start, ahead of its stage
    seq_at_start = seq == m_start;
    // update_last_seq
    dl = one_past - m_last;
    untrusted = (syn || rst) && ($signed(dl) < -TOO_LARGE || $signed(dl) > TOO_LARGE);
    if (untrusted) ;
    else if (fin && m_last == m_start + 32'd1) advance_last(one_past);
    else if (m_st == ST_RESET) ;
    else if ($signed(dl) > 0) advance_last(one_past);
    else if (plen != 32'd0) scaled(m_rxmt, 1'b0, L_T);
    c_last_ns = ts;
"#;

/// UpdateStateMachine, then the acknowledgement delivers the peer's stream (G).
const MACHINE: &str = r#"    // UpdateStateMachine
    is_orig = side == c_orig[0];
    case (m_st)
      ST_INACTIVE: begin
        if (syn) begin
          if (is_orig) begin
            set_me(ackf ? ST_SYN_ACK_SENT : ST_SYN_SENT);
            c_att_v = 1'b1;
            c_att = ts + T_ATTEMPT;
          end else begin
            if (!ackf && q_st == ST_SYN_ACK_SENT && seq_at_start) begin
              c_partial = 1'b0;
              flip;
              set_peer(ST_ESTABLISHED);
              c_seen = c_seen | 2'b01;
            end
            if (q_st == ST_SYN_SENT) set_peer(ST_ESTABLISHED);
            set_me(ST_ESTABLISHED);
          end
        end
        if (fin) begin
          set_me(ST_CLOSED);
          do_close = 1'b1;
        end
        if (rst) begin
          set_me(ST_RESET);
          do_close = 1'b1;
        end
        if (m_st == ST_INACTIVE) begin
          if (!is_orig && plen == 32'd0 && (c_orig[0] == side ? m_st : q_st) == ST_SYN_SENT) ;
          else if (ackf && q_st == ST_ESTABLISHED) begin
            set_me(ST_ESTABLISHED);
            c_partial = 1'b0;
            c_seen = c_seen | (side == c_orig[0] ? 2'b01 : 2'b10);
          end else set_me(ST_PARTIAL);
        end
      end
      ST_SYN_SENT, ST_SYN_ACK_SENT: begin
        if (fin) begin
          set_me(ST_CLOSED);
          do_close = 1'b1;
        end
        if (rst) begin
          set_me(ST_RESET);
          c_active = 1'b0;
          do_close = 1'b1;
        end
      end
      ST_ESTABLISHED, ST_PARTIAL: begin
        if (syn && m_st == ST_PARTIAL && q_st == ST_INACTIVE && !ackf) set_me(ST_SYN_SENT);
        if (fin && !rst) begin
          set_me(ST_CLOSED);
          if (q_st == ST_RESET && q_prev == ST_CLOSED) set_peer(ST_CLOSED);
          do_close = 1'b1;
        end
        if (rst) begin
          set_me(ST_RESET);
          do_close = 1'b1;
          if (q_st != ST_RESET || q_prev != ST_ESTABLISHED) c_active = 1'b0;
        end
      end
      ST_CLOSED: if (rst && q_st != ST_CLOSED) begin
        set_me(ST_RESET);
        if (!m_closed) do_close = 1'b1;
      end
      default: ;
    endcase
    if (ackf) ack_peer(ack_s);
"#;

/// DataSent's second half, the close (or UDP's one letter), then the counts.
const DATA_CLOSE_COUNT: &str = r#"  if (tcp) begin
    c_seen = c_seen | (side == c_orig[0] ? 2'b01 : 2'b10);
    if (dm_go) data_me_end;
    if (do_close) closed_me;
  end else begin
    check_history(1'b0, H_DATA, L_D);
    c_last_ns = ts;
  end
  m_pkts = m_pkts + 64'd1;
  m_bytes = m_bytes + {32'd0, iplen};
  write_letters;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_loaded_and_packed_once() {
        let v = glue();
        for f in state_layout() {
            let packs = v.matches(&format!("s_out[{} +: {}]", f.lo, f.bits)).count();
            assert_eq!(packs, 1, "{}", f.name);
            let loads = v.matches(&format!("s_in[{} +: {}]", f.lo, f.bits)).count();
            // A connection field is read once; an endpoint field by both the sender and the peer.
            assert_eq!(
                loads,
                if is_endpoint(&f.name) { 2 } else { 1 },
                "{}",
                f.name
            );
        }
    }

    #[test]
    fn every_stage_hands_on_every_variable() {
        let vars = stage_vars();
        let m = stage_modules();
        assert_eq!(m.matches("endmodule").count(), HIST_REGS + 1);
        for v in &vars {
            let hand_on = format!("x_out[{} +: {}] = {};", v.lo, v.bits, v.name);
            assert_eq!(m.matches(&hand_on).count(), HIST_REGS + 1, "{}", v.name);
        }
        let names: std::collections::HashSet<_> = vars.iter().map(|v| &v.name).collect();
        assert_eq!(names.len(), vars.len(), "a variable is named twice");
    }

    #[test]
    fn standalone_module_is_named() {
        let v = standalone_verilog();
        assert!(v.contains(&format!("module {HIST_MODULE}(")));
        assert!(v.contains(&format!("input wire  [{}:0] s_in;", STATE_BITS - 1)));
    }
}
