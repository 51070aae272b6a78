//! The session record's memory port, one per beat of the record (`proto::reasm::record`): the
//! shared read-modify-write leaf (`widgets/line_rmw.v`) with the record's parameters. The stage
//! asks every beat's port for the same index at once; each answers `RECORD_CYCLES` later with
//! its beat, and takes the changed beat back the cycle after. Each port is its own memory
//! channel, so the beats of a record are read side by side.

use crate::widgets::line_rmw::{MODULE, PORTS, SOURCE};
use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;
use vantage_proto::reasm::directory as dir;
use vantage_proto::reasm::record::{
    BEAT_BYTES, FORWARD_ENTRIES, INDEX_BITS, RECORD_CYCLES, TAG_BITS,
};

/// Name of the standalone build (one beat's port alone, for its tests and synthesis).
pub const STANDALONE_MODULE: &str = "vantage_reasm_record";
/// Bits of a beat.
pub const LINE_BITS: usize = BEAT_BYTES * 8;
/// Bits of an AXI address.
pub const ADDR_BITS: usize = 64;

/// The parameters a beat's port is instantiated with (name, value), all from `proto`.
pub fn parameters(base: u64) -> Vec<(&'static str, u64)> {
    vec![
        ("LINE_W", LINE_BITS as u64),
        ("INDEX_W", INDEX_BITS as u64),
        ("TAG_W", TAG_BITS as u64),
        ("ADDR_W", ADDR_BITS as u64),
        ("BASE", base),
        ("LATENCY", u64::from(RECORD_CYCLES)),
        ("WINDOW", u64::from(RECORD_CYCLES + dir::WRITE_CYCLES)),
        ("FWD", u64::from(FORWARD_ENTRIES)),
        ("QUEUE", u64::from(dir::LOOKUPS_IN_FLIGHT)),
        ("SPACING", u64::from(dir::LOOKUP_SPACING)),
    ]
}

#[derive(LogicBlock, Default)]
pub struct RecordBeat {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// A request: the record's index (bucket, then way), whether to read it (else the caller
    /// starts it afresh), the stage's tag.
    pub req_valid: Signal<In, Bit>,
    pub req_index: Signal<In, Bits<INDEX_BITS>>,
    pub req_read: Signal<In, Bit>,
    pub req_tag: Signal<In, Bits<TAG_BITS>>,
    /// Pulse, the cycle after a request the port could not take.
    pub refused: Signal<Out, Bit>,
    /// The answer, `RECORD_CYCLES` after the request: late (do not update), room for an update.
    pub ans_valid: Signal<Out, Bit>,
    pub ans_late: Signal<Out, Bit>,
    pub ans_room: Signal<Out, Bit>,
    pub ans_index: Signal<Out, Bits<INDEX_BITS>>,
    pub ans_tag: Signal<Out, Bits<TAG_BITS>>,
    pub ans_line: Signal<Out, Bits<LINE_BITS>>,
    /// The changed beat, the cycle after its answer.
    pub upd_valid: Signal<In, Bit>,
    pub upd_line: Signal<In, Bits<LINE_BITS>>,
    /// Pulse: an update the port did not allow (ignored).
    pub bad_update: Signal<Out, Bit>,
    /// AXI4 master to the beat's memory channel.
    pub m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub m_axi_arlen: Signal<Out, Bits<8>>,
    pub m_axi_arsize: Signal<Out, Bits<3>>,
    pub m_axi_arburst: Signal<Out, Bits<2>>,
    pub m_axi_arvalid: Signal<Out, Bit>,
    pub m_axi_arready: Signal<In, Bit>,
    pub m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub m_axi_rresp: Signal<In, Bits<2>>,
    pub m_axi_rlast: Signal<In, Bit>,
    pub m_axi_rvalid: Signal<In, Bit>,
    pub m_axi_rready: Signal<Out, Bit>,
    pub m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub m_axi_awlen: Signal<Out, Bits<8>>,
    pub m_axi_awsize: Signal<Out, Bits<3>>,
    pub m_axi_awburst: Signal<Out, Bits<2>>,
    pub m_axi_awvalid: Signal<Out, Bit>,
    pub m_axi_awready: Signal<In, Bit>,
    pub m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub m_axi_wstrb: Signal<Out, Bits<BEAT_BYTES>>,
    pub m_axi_wlast: Signal<Out, Bit>,
    pub m_axi_wvalid: Signal<Out, Bit>,
    pub m_axi_wready: Signal<In, Bit>,
    pub m_axi_bresp: Signal<In, Bits<2>>,
    pub m_axi_bvalid: Signal<In, Bit>,
    pub m_axi_bready: Signal<Out, Bit>,
    /// Pulse: a read or write response was not OKAY.
    pub mem_error: Signal<Out, Bit>,
}

/// The wrapper's signal for each port of the file: the same name, but for the clock and reset.
fn port_map() -> Vec<(&'static str, &'static str)> {
    PORTS
        .iter()
        .map(|&p| match p {
            "clk" => (p, "clock"),
            "rst" => (p, "reset"),
            _ => (p, p),
        })
        .collect()
}

impl Logic for RecordBeat {
    /// The leaf is Verilog: rust-hdl does not simulate it (Verilator does, `sim::record`).
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.refused.connect();
        self.ans_valid.connect();
        self.ans_late.connect();
        self.ans_room.connect();
        self.ans_index.connect();
        self.ans_tag.connect();
        self.ans_line.connect();
        self.bad_update.connect();
        self.m_axi_araddr.connect();
        self.m_axi_arlen.connect();
        self.m_axi_arsize.connect();
        self.m_axi_arburst.connect();
        self.m_axi_arvalid.connect();
        self.m_axi_rready.connect();
        self.m_axi_awaddr.connect();
        self.m_axi_awlen.connect();
        self.m_axi_awsize.connect();
        self.m_axi_awburst.connect();
        self.m_axi_awvalid.connect();
        self.m_axi_wdata.connect();
        self.m_axi_wstrb.connect();
        self.m_axi_wlast.connect();
        self.m_axi_wvalid.connect();
        self.m_axi_bready.connect();
        self.mem_error.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: verilog_leaf::instance(MODULE, &parameters(0), &port_map()),
            cores: SOURCE.to_string(),
        })
    }
}

/// One beat's port alone, module `STANDALONE_MODULE` (its Verilator test and synthesis run).
pub fn standalone_verilog() -> String {
    let mut uut = RecordBeat::default();
    uut.connect_all();
    verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::verilog_leaf::{lints_clean, parameter_default};

    /// Verilator elaborates the leaf with the record's parameters, clean under -Wall (skipped
    /// without Verilator).
    #[test]
    fn the_leaf_elaborates_with_the_records_parameters() {
        lints_clean(SOURCE, MODULE, &parameters(0));
    }

    /// Every parameter the wrapper sets is one the file declares.
    #[test]
    fn every_parameter_is_the_files() {
        for (name, _) in parameters(0) {
            assert!(parameter_default(SOURCE, name).is_some(), "{name}");
        }
    }

    #[test]
    fn the_standalone_module_instantiates_the_file() {
        let v = standalone_verilog();
        assert!(v.contains(&format!("module {STANDALONE_MODULE}(")));
        assert!(v.contains(&format!("module {MODULE} #(")));
        assert!(v.contains(&format!(".INDEX_W({INDEX_BITS})")));
    }
}
