//! Control and status: the AXI4-Lite port (control clock), the crossing into the datapath clock,
//! and the register file generated from `proto::regs`.

pub mod bridge;
pub mod regfile;

pub use bridge::AxilBridge;
pub use regfile::RegFile;
