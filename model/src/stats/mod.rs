//! The stats stage (issue 3), in plain Rust. So far: Zeek's connection history per bidirectional
//! connection, the golden reference the RTL stage will have to match. Rules: `docs/zeek-history.md`.

pub mod history;
pub mod rules;
pub mod table;
