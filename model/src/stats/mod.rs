//! The stats stage (issue 3), in plain Rust: rule matching (`rules`), the bounded group table the
//! hardware has (`stage`), the unbounded statement of the same counting (`table`), and Zeek's
//! connection history per bidirectional connection (`history`, docs/zeek-history.md), the unit
//! that keeps it in hardware (`hist`) and the history rule's bounded connection table
//! (`conntable`).

pub mod conntable;
pub mod hist;
pub mod history;
pub mod rules;
pub mod stage;
pub mod table;
