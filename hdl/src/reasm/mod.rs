//! The reasm stage (TCP stream reassembly, the paper's §2.3). Behaviour: `model::reasm`; rules:
//! docs/reasm.md. Built so far:
//! - `directory`: finds or places each session's bucket line in external memory behind an AXI4
//!   master, a fixed number of cycles after the frame's first beats, without ever stalling;
//! - `rule`: the direction rule, where a segment goes from a direction's record (next byte,
//!   highest ACK, held block) — the model's `reasm::rule::decide` as logic;
//! - `record`: one memory port per beat of the session record (`proto::reasm::record`), each the
//!   shared read-modify-write leaf (`widgets/line_rmw.v`);
//! - `step`: what one frame does to beat 0 of its record, its tag, the segment store's orders and
//!   the figures' deltas — the model's `reasm::step::frame` as logic, around two copies of the
//!   rule and three `giveup` units (a held block released, from its bounds);
//! - `totals`: beats 1 and 2 after the step (the last time, the close time, the figures);
//! - `key`: the way key and the two candidate buckets of a frame's flow tuple under the session
//!   key (`widgets/toeplitz.v`, the Toeplitz hash as a parametric Verilog leaf);
//! - `walk`: the tag of each held frame of a released block as the segment store reads it back;
//! - `flowend`: the flow-end record of a session from its record, endpoints and end reason;
//! - `engine`: all of the above joined — a frame's facts in, its tag out 257 cycles later, the
//!   session's record in external memory updated in between (no segment store yet);
//! - `facts`: what the engine asks with, from a frame's parse results and its length — the
//!   model's `reasm::segment` as logic;
//! - `front`: the frames' side — every beat waits in a ring while its frame's facts go to the
//!   engine, and the first beat leaves with the answer.
//!
//! The REASM tag in the header (the tag stage), the segment store and the stage in the top are
//! not built yet (issue 18).
//!
//! Leaves rust-hdl cannot express (tables in external memory, wide RAMs) are Verilog files beside
//! their Rust module (`directory.v`, `widgets/line_rmw.v`, `widgets/toeplitz.v`), instantiated with
//! parameters from `proto`; the rest is rust-hdl (`rule.rs`, `step.rs`, `totals.rs`).

pub mod directory;
pub mod engine;
pub mod facts;
pub mod flowend;
pub mod front;
pub mod giveup;
pub mod key;
pub mod record;
pub mod rule;
pub mod stage;
pub mod step;
pub mod totals;
pub mod walk;
