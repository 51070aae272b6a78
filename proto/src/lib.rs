//! The hardware/software contract of Vantage.
//!
//! Everything the RTL generator (`vantage-hdl`), the software model (`vantage-model`) and the host
//! driver (`vantage-driver`) must agree on is defined here, once: the tagged header (version 1),
//! the register map with its self-describing blocks, the parse flags and the keyed flow hash.

pub mod axis;
pub mod conn;
pub mod conntable;
pub mod datapath;
pub mod flags;
pub mod flowhash;
pub mod header;
pub mod hist;
pub mod query;
pub mod reasm;
pub mod regs;
pub mod report;
pub mod rules;
pub mod stats;

pub use flags::ParseFlags;
pub use header::{FlowInfo, HeaderError, Tag, TaggedHeader};
