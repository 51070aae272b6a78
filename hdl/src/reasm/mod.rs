//! The reasm stage (TCP stream reassembly, the paper's §2.3). Behaviour: `model::reasm`; rules:
//! docs/reasm.md. Built so far: the session directory (`directory`), which finds or places each
//! session's bucket line in external memory behind an AXI4 master, a fixed number of cycles after
//! the frame's first beats, without ever stalling. The sequence logic and the segment store are
//! not built yet (issue 18).
//!
//! Leaves rust-hdl cannot express (tables in external memory, wide RAMs) are Verilog files beside
//! their Rust module (`directory.v`), instantiated with parameters from `proto`.

pub mod directory;
