//! Read-modify-write of one line per request in external memory: `line_rmw.v` (the diagram and
//! the rules are at its top). A wrapper sets its parameters from `proto` and names its signals
//! after the file's ports (`PORTS`); `reasm::record` is one.

/// The module's name in `line_rmw.v`.
pub const MODULE: &str = "vantage_line_rmw";
/// The leaf's source.
pub const SOURCE: &str = include_str!("line_rmw.v");

/// Every port of the leaf, in the order of `line_rmw.v` (a wrapper's signals carry these names).
pub const PORTS: [&str; 42] = [
    "clk",
    "rst",
    "req_valid",
    "req_index",
    "req_read",
    "req_tag",
    "refused",
    "ans_valid",
    "ans_late",
    "ans_room",
    "ans_index",
    "ans_tag",
    "ans_line",
    "upd_valid",
    "upd_line",
    "bad_update",
    "m_axi_araddr",
    "m_axi_arlen",
    "m_axi_arsize",
    "m_axi_arburst",
    "m_axi_arvalid",
    "m_axi_arready",
    "m_axi_rdata",
    "m_axi_rresp",
    "m_axi_rlast",
    "m_axi_rvalid",
    "m_axi_rready",
    "m_axi_awaddr",
    "m_axi_awlen",
    "m_axi_awsize",
    "m_axi_awburst",
    "m_axi_awvalid",
    "m_axi_awready",
    "m_axi_wdata",
    "m_axi_wstrb",
    "m_axi_wlast",
    "m_axi_wvalid",
    "m_axi_wready",
    "m_axi_bresp",
    "m_axi_bvalid",
    "m_axi_bready",
    "mem_error",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::verilog_leaf::{declared_ports, lint_alone, lints_clean};

    #[test]
    fn ports_lists_every_port_of_the_file() {
        assert_eq!(declared_ports(SOURCE), PORTS.to_vec());
    }

    /// Clean under -Wall alone at its defaults and at other widths; refuses a forwarding table
    /// too small for its window and a line that is not a power of two, naming them (skipped
    /// without Verilator: `make setup` installs it).
    #[test]
    fn elaboration_checks_refuse_bad_parameters() {
        if !lints_clean(SOURCE, MODULE, &[]) {
            return;
        }
        let narrow = [
            ("LINE_W", 256),
            ("INDEX_W", 12),
            ("TAG_W", 1),
            ("QUEUE", 64),
            ("LATENCY", 100),
        ];
        let out = lint_alone(SOURCE, MODULE, &narrow).expect("verilator ran before");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (bad, says) in [
            (("FWD", 16), "cannot hold WINDOW"),
            (("LINE_W", 500), "power of two"),
        ] {
            let out = lint_alone(SOURCE, MODULE, &[bad]).expect("verilator ran before");
            let text = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success() && text.contains(says),
                "{bad:?}: {text}"
            );
        }
    }
}
