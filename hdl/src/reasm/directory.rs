//! The session directory: `directory.v` (the diagram and the rules are at its top), wrapped for
//! rust-hdl with every parameter set from `vantage_proto::reasm::directory`.

use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;
use vantage_proto::reasm::directory as dir;
use vantage_proto::reasm::{DEFAULT_SESSION_BUCKET_BITS, SESSION_WAYS};

/// The module's name in `directory.v`.
pub const MODULE: &str = "vantage_reasm_directory";
/// Name of the standalone build (the leaf wrapped alone, for its tests and synthesis).
pub const STANDALONE_MODULE: &str = "vantage_reasm_dir";
/// The leaf's source.
pub const SOURCE: &str = include_str!("directory.v");

/// Bits of the AXI data bus: one bucket line.
pub const LINE_BITS: usize = dir::LINE_BYTES * 8;
/// Bits of a bucket index (the largest table the registers can ask for).
pub const BUCKET_BITS: usize = DEFAULT_SESSION_BUCKET_BITS as usize;
/// Bits of an AXI address.
pub const ADDR_BITS: usize = 64;
/// Bits of a way index.
pub const WAY_INDEX_BITS: usize = 2;
const _: () = assert!(1 << WAY_INDEX_BITS == SESSION_WAYS);

/// Ops of `req_op`.
pub const OP_FIND: u8 = 0;
pub const OP_OPEN: u8 = 1;
pub const OP_REMOVE: u8 = 2;

/// The parameters the leaf is instantiated with (name, value), all from `proto`.
pub fn parameters(base: u64) -> Vec<(&'static str, u64)> {
    vec![
        ("LINE_W", LINE_BITS as u64),
        ("WAYS", SESSION_WAYS as u64),
        ("WAY_W", dir::WAY_BITS as u64),
        ("KEY_W", dir::KEY_BITS as u64),
        ("BUCKET_W", BUCKET_BITS as u64),
        ("ADDR_W", ADDR_BITS as u64),
        ("BASE", base),
        ("LATENCY", u64::from(dir::LOOKUP_CYCLES)),
        ("WINDOW", u64::from(dir::LOOKUP_CYCLES + dir::WRITE_CYCLES)),
        ("FWD", u64::from(dir::FORWARD_ENTRIES)),
        ("QUEUE", u64::from(dir::LOOKUPS_IN_FLIGHT)),
        ("SPACING", u64::from(dir::LOOKUP_SPACING)),
    ]
}

#[derive(LogicBlock, Default)]
pub struct Directory {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// A request: op (`OP_*`), way key (`proto::reasm::directory::way_key`), candidate buckets.
    pub req_valid: Signal<In, Bit>,
    pub req_op: Signal<In, Bits<2>>,
    pub req_key: Signal<In, Bits<{ dir::KEY_BITS }>>,
    pub req_b1: Signal<In, Bits<BUCKET_BITS>>,
    pub req_b2: Signal<In, Bits<BUCKET_BITS>>,
    /// Pulse, the cycle after a request the leaf could not take (too close to the one before).
    pub refused: Signal<Out, Bit>,
    /// The answer, `LOOKUP_CYCLES` cycles after the request.
    pub res_valid: Signal<Out, Bit>,
    pub res_op: Signal<Out, Bits<2>>,
    pub res_found: Signal<Out, Bit>,
    pub res_placed: Signal<Out, Bit>,
    pub res_full: Signal<Out, Bit>,
    pub res_late: Signal<Out, Bit>,
    pub res_choice: Signal<Out, Bit>,
    pub res_bucket: Signal<Out, Bits<BUCKET_BITS>>,
    pub res_way: Signal<Out, Bits<WAY_INDEX_BITS>>,
    /// AXI4 master to the memory holding the bucket lines.
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
    pub m_axi_wstrb: Signal<Out, Bits<{ dir::LINE_BYTES }>>,
    pub m_axi_wlast: Signal<Out, Bit>,
    pub m_axi_wvalid: Signal<Out, Bit>,
    pub m_axi_wready: Signal<In, Bit>,
    pub m_axi_bresp: Signal<In, Bits<2>>,
    pub m_axi_bvalid: Signal<In, Bit>,
    pub m_axi_bready: Signal<Out, Bit>,
    /// Pulse: a change found no room on chip (write queue or forwarding table full); its
    /// answer is late and nothing changed.
    pub no_room: Signal<Out, Bit>,
    /// Pulse: a read or write response was not OKAY.
    pub mem_error: Signal<Out, Bit>,
}

/// Every port of the leaf, in the order of `directory.v`, with the wrapper's signal for it.
const PORTS: [(&str, &str); 44] = [
    ("clk", "clock"),
    ("rst", "reset"),
    ("req_valid", "req_valid"),
    ("req_op", "req_op"),
    ("req_key", "req_key"),
    ("req_b1", "req_b1"),
    ("req_b2", "req_b2"),
    ("refused", "refused"),
    ("res_valid", "res_valid"),
    ("res_op", "res_op"),
    ("res_found", "res_found"),
    ("res_placed", "res_placed"),
    ("res_full", "res_full"),
    ("res_late", "res_late"),
    ("res_choice", "res_choice"),
    ("res_bucket", "res_bucket"),
    ("res_way", "res_way"),
    ("m_axi_araddr", "m_axi_araddr"),
    ("m_axi_arlen", "m_axi_arlen"),
    ("m_axi_arsize", "m_axi_arsize"),
    ("m_axi_arburst", "m_axi_arburst"),
    ("m_axi_arvalid", "m_axi_arvalid"),
    ("m_axi_arready", "m_axi_arready"),
    ("m_axi_rdata", "m_axi_rdata"),
    ("m_axi_rresp", "m_axi_rresp"),
    ("m_axi_rlast", "m_axi_rlast"),
    ("m_axi_rvalid", "m_axi_rvalid"),
    ("m_axi_rready", "m_axi_rready"),
    ("m_axi_awaddr", "m_axi_awaddr"),
    ("m_axi_awlen", "m_axi_awlen"),
    ("m_axi_awsize", "m_axi_awsize"),
    ("m_axi_awburst", "m_axi_awburst"),
    ("m_axi_awvalid", "m_axi_awvalid"),
    ("m_axi_awready", "m_axi_awready"),
    ("m_axi_wdata", "m_axi_wdata"),
    ("m_axi_wstrb", "m_axi_wstrb"),
    ("m_axi_wlast", "m_axi_wlast"),
    ("m_axi_wvalid", "m_axi_wvalid"),
    ("m_axi_wready", "m_axi_wready"),
    ("m_axi_bresp", "m_axi_bresp"),
    ("m_axi_bvalid", "m_axi_bvalid"),
    ("m_axi_bready", "m_axi_bready"),
    ("no_room", "no_room"),
    ("mem_error", "mem_error"),
];

impl Logic for Directory {
    /// The leaf is Verilog: rust-hdl does not simulate it (Verilator does, `sim::directory`).
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.refused.connect();
        self.res_valid.connect();
        self.res_op.connect();
        self.res_found.connect();
        self.res_placed.connect();
        self.res_full.connect();
        self.res_late.connect();
        self.res_choice.connect();
        self.res_bucket.connect();
        self.res_way.connect();
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
        self.no_room.connect();
        self.mem_error.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: verilog_leaf::instance(MODULE, &parameters(0), &PORTS),
            cores: SOURCE.to_string(),
        })
    }
}

/// The leaf wrapped alone, module `STANDALONE_MODULE` (its Verilator test and synthesis run).
pub fn standalone_verilog() -> String {
    let mut uut = Directory::default();
    uut.connect_all();
    verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::verilog_leaf::{
        declared_ports, lint_alone, lints_clean, parameter_default,
    };

    /// Every port the file declares is connected, and nothing else.
    #[test]
    fn the_wrapper_connects_every_port_of_the_file() {
        let connected: Vec<&str> = PORTS.iter().map(|(p, _)| *p).collect();
        assert_eq!(declared_ports(SOURCE), connected);
    }

    /// The file's defaults are proto's values, so reading it alone says what the device has.
    #[test]
    fn the_files_defaults_are_protos() {
        for (name, value) in parameters(0) {
            let default = parameter_default(SOURCE, name)
                .unwrap_or_else(|| panic!("no parameter {name}, or no default"));
            assert_eq!(default, value.to_string(), "{name}");
        }
    }

    /// Verilator elaborates the file alone with proto's parameters, clean under -Wall without the
    /// waivers rust-hdl's output needs, and refuses a forwarding table too small for its window,
    /// naming it (skipped without Verilator: `make setup` installs it).
    #[test]
    fn elaboration_checks_refuse_bad_parameters() {
        let params = parameters(0);
        if !lints_clean(SOURCE, MODULE, &params) {
            return;
        }
        let mut small = params.clone();
        small.push(("FWD", 16));
        let bad = lint_alone(SOURCE, MODULE, &small).expect("verilator ran before");
        let text = String::from_utf8_lossy(&bad.stderr);
        assert!(
            !bad.status.success() && text.contains("cannot hold WINDOW"),
            "{text}"
        );
    }

    #[test]
    fn the_standalone_module_instantiates_the_file() {
        let v = standalone_verilog();
        assert!(v.contains(&format!("module {STANDALONE_MODULE}(")));
        assert!(v.contains(&format!("module {MODULE} #(")));
        assert!(v.contains(".LATENCY(128)"));
    }
}
