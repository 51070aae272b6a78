//! The top: a drop-in for the OpenNIC shell's `box_322mhz` user plugin with one CMAC port.
//! Port names follow `plugin/p2p/p2p_322mhz.sv` of the shell (NUM_CMAC_PORT = 1).
//!
//! ```text
//!                     cmac_clk (322 MHz)
//!  s_axis_cmac_rx_* ─► Ingress ─► Parse ─► Stats ─► Conn ─► Reasm ─► Tag ─► m_axis_adap_rx_322mhz_*
//!                                   └──(first beats)──┘ the conn stage's SYN table looks up beside stats
//!                                                           req ▼ ▲ answer   (no tready either side)
//!                                                          reasm Engine ◄─► reasm_{dir,r0,r1,r2}_m_axi_*
//!                                                                            (session memory, AXI4)
//!  s_axis_adap_tx_322mhz_* ─────────────────────► m_axis_cmac_tx_*            (TX passes through)
//!                     axil_aclk
//!  s_axil_* ─► AxilBridge ══(toggle handshake)══► RegFile ─► configuration, counter snapshots
//! ```

use crate::conn::Conn;
use crate::csr::regfile::{counter_index, COUNTER_BITS};
use crate::csr::{AxilBridge, RegFile};
use crate::ingress::Ingress;
use crate::parse::Parse;
use crate::reasm::engine::Engine;
use crate::reasm::record::{ADDR_BITS, LINE_BITS};
use crate::reasm::stage::{self as reasm_stage, ReasmStage};
use crate::stats::Stats;
use crate::tag::Tag;
use rust_hdl::prelude::*;
use vantage_proto::regs::feature;

/// Features of this bitstream (`id.FEATURES`).
pub const FEATURES: u32 = feature::PARSE
    | feature::TIMESTAMP
    | feature::TAG
    | feature::STATS
    | feature::HISTORY
    | feature::CONN
    | feature::REASM;

#[derive(LogicBlock)]
pub struct Top {
    pub s_axil_awvalid: Signal<In, Bit>,
    pub s_axil_awaddr: Signal<In, Bits<32>>,
    pub s_axil_awready: Signal<Out, Bit>,
    pub s_axil_wvalid: Signal<In, Bit>,
    pub s_axil_wdata: Signal<In, Bits<32>>,
    pub s_axil_wready: Signal<Out, Bit>,
    pub s_axil_bvalid: Signal<Out, Bit>,
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    pub s_axil_bready: Signal<In, Bit>,
    pub s_axil_arvalid: Signal<In, Bit>,
    pub s_axil_araddr: Signal<In, Bits<32>>,
    pub s_axil_arready: Signal<Out, Bit>,
    pub s_axil_rvalid: Signal<Out, Bit>,
    pub s_axil_rdata: Signal<Out, Bits<32>>,
    pub s_axil_rresp: Signal<Out, Bits<2>>,
    pub s_axil_rready: Signal<In, Bit>,

    pub s_axis_adap_tx_322mhz_tvalid: Signal<In, Bit>,
    pub s_axis_adap_tx_322mhz_tdata: Signal<In, Bits<512>>,
    pub s_axis_adap_tx_322mhz_tkeep: Signal<In, Bits<64>>,
    pub s_axis_adap_tx_322mhz_tlast: Signal<In, Bit>,
    pub s_axis_adap_tx_322mhz_tuser_err: Signal<In, Bit>,
    pub s_axis_adap_tx_322mhz_tready: Signal<Out, Bit>,

    pub m_axis_adap_rx_322mhz_tvalid: Signal<Out, Bit>,
    pub m_axis_adap_rx_322mhz_tdata: Signal<Out, Bits<512>>,
    pub m_axis_adap_rx_322mhz_tkeep: Signal<Out, Bits<64>>,
    pub m_axis_adap_rx_322mhz_tlast: Signal<Out, Bit>,
    pub m_axis_adap_rx_322mhz_tuser_err: Signal<Out, Bit>,

    pub m_axis_cmac_tx_tvalid: Signal<Out, Bit>,
    pub m_axis_cmac_tx_tdata: Signal<Out, Bits<512>>,
    pub m_axis_cmac_tx_tkeep: Signal<Out, Bits<64>>,
    pub m_axis_cmac_tx_tlast: Signal<Out, Bit>,
    pub m_axis_cmac_tx_tuser_err: Signal<Out, Bit>,
    pub m_axis_cmac_tx_tready: Signal<In, Bit>,

    pub s_axis_cmac_rx_tvalid: Signal<In, Bit>,
    pub s_axis_cmac_rx_tdata: Signal<In, Bits<512>>,
    pub s_axis_cmac_rx_tkeep: Signal<In, Bits<64>>,
    pub s_axis_cmac_rx_tlast: Signal<In, Bit>,
    pub s_axis_cmac_rx_tuser_err: Signal<In, Bit>,

    /// The reasm stage's session memory, AXI4 masters (one line per beat, one ID): the session
    /// directory's bucket lines (`dir`), then the session record's beats 0, 1 and 2 (`r0`..`r2`).
    /// On the card they are HBM pseudo-channels or one DDR4 controller's ports.
    pub reasm_dir_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_dir_m_axi_arlen: Signal<Out, Bits<8>>,
    pub reasm_dir_m_axi_arsize: Signal<Out, Bits<3>>,
    pub reasm_dir_m_axi_arburst: Signal<Out, Bits<2>>,
    pub reasm_dir_m_axi_arvalid: Signal<Out, Bit>,
    pub reasm_dir_m_axi_arready: Signal<In, Bit>,
    pub reasm_dir_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub reasm_dir_m_axi_rresp: Signal<In, Bits<2>>,
    pub reasm_dir_m_axi_rlast: Signal<In, Bit>,
    pub reasm_dir_m_axi_rvalid: Signal<In, Bit>,
    pub reasm_dir_m_axi_rready: Signal<Out, Bit>,
    pub reasm_dir_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_dir_m_axi_awlen: Signal<Out, Bits<8>>,
    pub reasm_dir_m_axi_awsize: Signal<Out, Bits<3>>,
    pub reasm_dir_m_axi_awburst: Signal<Out, Bits<2>>,
    pub reasm_dir_m_axi_awvalid: Signal<Out, Bit>,
    pub reasm_dir_m_axi_awready: Signal<In, Bit>,
    pub reasm_dir_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub reasm_dir_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub reasm_dir_m_axi_wlast: Signal<Out, Bit>,
    pub reasm_dir_m_axi_wvalid: Signal<Out, Bit>,
    pub reasm_dir_m_axi_wready: Signal<In, Bit>,
    pub reasm_dir_m_axi_bresp: Signal<In, Bits<2>>,
    pub reasm_dir_m_axi_bvalid: Signal<In, Bit>,
    pub reasm_dir_m_axi_bready: Signal<Out, Bit>,
    pub reasm_r0_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_r0_m_axi_arlen: Signal<Out, Bits<8>>,
    pub reasm_r0_m_axi_arsize: Signal<Out, Bits<3>>,
    pub reasm_r0_m_axi_arburst: Signal<Out, Bits<2>>,
    pub reasm_r0_m_axi_arvalid: Signal<Out, Bit>,
    pub reasm_r0_m_axi_arready: Signal<In, Bit>,
    pub reasm_r0_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub reasm_r0_m_axi_rresp: Signal<In, Bits<2>>,
    pub reasm_r0_m_axi_rlast: Signal<In, Bit>,
    pub reasm_r0_m_axi_rvalid: Signal<In, Bit>,
    pub reasm_r0_m_axi_rready: Signal<Out, Bit>,
    pub reasm_r0_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_r0_m_axi_awlen: Signal<Out, Bits<8>>,
    pub reasm_r0_m_axi_awsize: Signal<Out, Bits<3>>,
    pub reasm_r0_m_axi_awburst: Signal<Out, Bits<2>>,
    pub reasm_r0_m_axi_awvalid: Signal<Out, Bit>,
    pub reasm_r0_m_axi_awready: Signal<In, Bit>,
    pub reasm_r0_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub reasm_r0_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub reasm_r0_m_axi_wlast: Signal<Out, Bit>,
    pub reasm_r0_m_axi_wvalid: Signal<Out, Bit>,
    pub reasm_r0_m_axi_wready: Signal<In, Bit>,
    pub reasm_r0_m_axi_bresp: Signal<In, Bits<2>>,
    pub reasm_r0_m_axi_bvalid: Signal<In, Bit>,
    pub reasm_r0_m_axi_bready: Signal<Out, Bit>,
    pub reasm_r1_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_r1_m_axi_arlen: Signal<Out, Bits<8>>,
    pub reasm_r1_m_axi_arsize: Signal<Out, Bits<3>>,
    pub reasm_r1_m_axi_arburst: Signal<Out, Bits<2>>,
    pub reasm_r1_m_axi_arvalid: Signal<Out, Bit>,
    pub reasm_r1_m_axi_arready: Signal<In, Bit>,
    pub reasm_r1_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub reasm_r1_m_axi_rresp: Signal<In, Bits<2>>,
    pub reasm_r1_m_axi_rlast: Signal<In, Bit>,
    pub reasm_r1_m_axi_rvalid: Signal<In, Bit>,
    pub reasm_r1_m_axi_rready: Signal<Out, Bit>,
    pub reasm_r1_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_r1_m_axi_awlen: Signal<Out, Bits<8>>,
    pub reasm_r1_m_axi_awsize: Signal<Out, Bits<3>>,
    pub reasm_r1_m_axi_awburst: Signal<Out, Bits<2>>,
    pub reasm_r1_m_axi_awvalid: Signal<Out, Bit>,
    pub reasm_r1_m_axi_awready: Signal<In, Bit>,
    pub reasm_r1_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub reasm_r1_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub reasm_r1_m_axi_wlast: Signal<Out, Bit>,
    pub reasm_r1_m_axi_wvalid: Signal<Out, Bit>,
    pub reasm_r1_m_axi_wready: Signal<In, Bit>,
    pub reasm_r1_m_axi_bresp: Signal<In, Bits<2>>,
    pub reasm_r1_m_axi_bvalid: Signal<In, Bit>,
    pub reasm_r1_m_axi_bready: Signal<Out, Bit>,
    pub reasm_r2_m_axi_araddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_r2_m_axi_arlen: Signal<Out, Bits<8>>,
    pub reasm_r2_m_axi_arsize: Signal<Out, Bits<3>>,
    pub reasm_r2_m_axi_arburst: Signal<Out, Bits<2>>,
    pub reasm_r2_m_axi_arvalid: Signal<Out, Bit>,
    pub reasm_r2_m_axi_arready: Signal<In, Bit>,
    pub reasm_r2_m_axi_rdata: Signal<In, Bits<LINE_BITS>>,
    pub reasm_r2_m_axi_rresp: Signal<In, Bits<2>>,
    pub reasm_r2_m_axi_rlast: Signal<In, Bit>,
    pub reasm_r2_m_axi_rvalid: Signal<In, Bit>,
    pub reasm_r2_m_axi_rready: Signal<Out, Bit>,
    pub reasm_r2_m_axi_awaddr: Signal<Out, Bits<ADDR_BITS>>,
    pub reasm_r2_m_axi_awlen: Signal<Out, Bits<8>>,
    pub reasm_r2_m_axi_awsize: Signal<Out, Bits<3>>,
    pub reasm_r2_m_axi_awburst: Signal<Out, Bits<2>>,
    pub reasm_r2_m_axi_awvalid: Signal<Out, Bit>,
    pub reasm_r2_m_axi_awready: Signal<In, Bit>,
    pub reasm_r2_m_axi_wdata: Signal<Out, Bits<LINE_BITS>>,
    pub reasm_r2_m_axi_wstrb: Signal<Out, Bits<64>>,
    pub reasm_r2_m_axi_wlast: Signal<Out, Bit>,
    pub reasm_r2_m_axi_wvalid: Signal<Out, Bit>,
    pub reasm_r2_m_axi_wready: Signal<In, Bit>,
    pub reasm_r2_m_axi_bresp: Signal<In, Bits<2>>,
    pub reasm_r2_m_axi_bvalid: Signal<In, Bit>,
    pub reasm_r2_m_axi_bready: Signal<Out, Bit>,

    /// Active-low module reset from the shell (control clock domain).
    pub mod_rstn: Signal<In, Bit>,
    /// High once both clock domains are out of reset.
    pub mod_rst_done: Signal<Out, Bit>,
    /// Control clock.
    pub axil_aclk: Signal<In, Clock>,
    /// Datapath clock of the CMAC port.
    pub cmac_clk: Signal<In, Clock>,

    ctl_reset_sync: BitSynchronizer,
    dp_reset_sync: BitSynchronizer,
    done_sync: BitSynchronizer,
    bridge: AxilBridge,
    regfile: RegFile,
    ingress: Ingress,
    parse: Parse,
    stats: Stats,
    conn: Conn,
    reasm_path: ReasmStage,
    engine: Engine,
    tag: Tag,
    /// Port number of the one CMAC port (the stats rules' ingress_port).
    port_id: Constant<Bits<8>>,
    counters: Signal<Local, Bits<COUNTER_BITS>>,
    /// Shift amounts placing each counter in the packed vector (from `counter_index`).
    at_cycles: Constant<Bits<16>>,
    at_now: Constant<Bits<16>>,
    at_parse: Constant<Bits<16>>,
    at_tag: Constant<Bits<16>>,
    at_stats: Constant<Bits<16>>,
    at_conn: Constant<Bits<16>>,
    at_reasm: Constant<Bits<16>>,
}

impl Top {
    /// The top with a build id stamped into `id.BUILD_ID`.
    pub fn new(build_id: u32) -> Self {
        let at = |block: &str, name: &str| {
            let i = counter_index(block, name)
                .unwrap_or_else(|| panic!("proto has no counter {block}.{name}"));
            Constant::new(((64 * i) as u64).to_bits())
        };
        // The parse and tag counters are packed as contiguous runs in proto's order
        // (`parse::COUNTER_ORDER`, `tag::COUNTER_ORDER` check the order itself).
        for (i, c) in vantage_proto::regs::parse::COUNTERS.iter().enumerate() {
            assert_eq!(
                counter_index("parse", c.name),
                counter_index("parse", "frames").map(|f| f + i)
            );
        }
        for (i, c) in vantage_proto::regs::tag::COUNTERS.iter().enumerate() {
            assert_eq!(
                counter_index("tag", c.name),
                counter_index("tag", "frames").map(|f| f + i)
            );
        }
        for (i, c) in vantage_proto::regs::stats::COUNTERS.iter().enumerate() {
            assert_eq!(
                counter_index("stats", c.name),
                counter_index("stats", "frames").map(|f| f + i)
            );
        }
        for (i, c) in vantage_proto::regs::conn::COUNTERS.iter().enumerate() {
            assert_eq!(
                counter_index("conn", c.name),
                counter_index("conn", "frames").map(|f| f + i)
            );
        }
        let reasm_order = crate::reasm::front::COUNTER_ORDER
            .iter()
            .chain(reasm_stage::ENGINE_COUNTERS.iter());
        for (i, name) in reasm_order.enumerate() {
            assert_eq!(
                vantage_proto::regs::reasm::COUNTERS.get(i).map(|c| c.name),
                Some(*name),
                "proto's reasm counters follow the stage's packing"
            );
        }
        assert_eq!(
            vantage_proto::regs::reasm::COUNTERS.len() * 64,
            reasm_stage::COUNTER_BITS
        );
        Self {
            s_axil_awvalid: Default::default(),
            s_axil_awaddr: Default::default(),
            s_axil_awready: Default::default(),
            s_axil_wvalid: Default::default(),
            s_axil_wdata: Default::default(),
            s_axil_wready: Default::default(),
            s_axil_bvalid: Default::default(),
            s_axil_bresp: Default::default(),
            s_axil_bready: Default::default(),
            s_axil_arvalid: Default::default(),
            s_axil_araddr: Default::default(),
            s_axil_arready: Default::default(),
            s_axil_rvalid: Default::default(),
            s_axil_rdata: Default::default(),
            s_axil_rresp: Default::default(),
            s_axil_rready: Default::default(),
            s_axis_adap_tx_322mhz_tvalid: Default::default(),
            s_axis_adap_tx_322mhz_tdata: Default::default(),
            s_axis_adap_tx_322mhz_tkeep: Default::default(),
            s_axis_adap_tx_322mhz_tlast: Default::default(),
            s_axis_adap_tx_322mhz_tuser_err: Default::default(),
            s_axis_adap_tx_322mhz_tready: Default::default(),
            m_axis_adap_rx_322mhz_tvalid: Default::default(),
            m_axis_adap_rx_322mhz_tdata: Default::default(),
            m_axis_adap_rx_322mhz_tkeep: Default::default(),
            m_axis_adap_rx_322mhz_tlast: Default::default(),
            m_axis_adap_rx_322mhz_tuser_err: Default::default(),
            m_axis_cmac_tx_tvalid: Default::default(),
            m_axis_cmac_tx_tdata: Default::default(),
            m_axis_cmac_tx_tkeep: Default::default(),
            m_axis_cmac_tx_tlast: Default::default(),
            m_axis_cmac_tx_tuser_err: Default::default(),
            m_axis_cmac_tx_tready: Default::default(),
            s_axis_cmac_rx_tvalid: Default::default(),
            s_axis_cmac_rx_tdata: Default::default(),
            s_axis_cmac_rx_tkeep: Default::default(),
            s_axis_cmac_rx_tlast: Default::default(),
            s_axis_cmac_rx_tuser_err: Default::default(),
            reasm_dir_m_axi_araddr: Default::default(),
            reasm_dir_m_axi_arlen: Default::default(),
            reasm_dir_m_axi_arsize: Default::default(),
            reasm_dir_m_axi_arburst: Default::default(),
            reasm_dir_m_axi_arvalid: Default::default(),
            reasm_dir_m_axi_arready: Default::default(),
            reasm_dir_m_axi_rdata: Default::default(),
            reasm_dir_m_axi_rresp: Default::default(),
            reasm_dir_m_axi_rlast: Default::default(),
            reasm_dir_m_axi_rvalid: Default::default(),
            reasm_dir_m_axi_rready: Default::default(),
            reasm_dir_m_axi_awaddr: Default::default(),
            reasm_dir_m_axi_awlen: Default::default(),
            reasm_dir_m_axi_awsize: Default::default(),
            reasm_dir_m_axi_awburst: Default::default(),
            reasm_dir_m_axi_awvalid: Default::default(),
            reasm_dir_m_axi_awready: Default::default(),
            reasm_dir_m_axi_wdata: Default::default(),
            reasm_dir_m_axi_wstrb: Default::default(),
            reasm_dir_m_axi_wlast: Default::default(),
            reasm_dir_m_axi_wvalid: Default::default(),
            reasm_dir_m_axi_wready: Default::default(),
            reasm_dir_m_axi_bresp: Default::default(),
            reasm_dir_m_axi_bvalid: Default::default(),
            reasm_dir_m_axi_bready: Default::default(),
            reasm_r0_m_axi_araddr: Default::default(),
            reasm_r0_m_axi_arlen: Default::default(),
            reasm_r0_m_axi_arsize: Default::default(),
            reasm_r0_m_axi_arburst: Default::default(),
            reasm_r0_m_axi_arvalid: Default::default(),
            reasm_r0_m_axi_arready: Default::default(),
            reasm_r0_m_axi_rdata: Default::default(),
            reasm_r0_m_axi_rresp: Default::default(),
            reasm_r0_m_axi_rlast: Default::default(),
            reasm_r0_m_axi_rvalid: Default::default(),
            reasm_r0_m_axi_rready: Default::default(),
            reasm_r0_m_axi_awaddr: Default::default(),
            reasm_r0_m_axi_awlen: Default::default(),
            reasm_r0_m_axi_awsize: Default::default(),
            reasm_r0_m_axi_awburst: Default::default(),
            reasm_r0_m_axi_awvalid: Default::default(),
            reasm_r0_m_axi_awready: Default::default(),
            reasm_r0_m_axi_wdata: Default::default(),
            reasm_r0_m_axi_wstrb: Default::default(),
            reasm_r0_m_axi_wlast: Default::default(),
            reasm_r0_m_axi_wvalid: Default::default(),
            reasm_r0_m_axi_wready: Default::default(),
            reasm_r0_m_axi_bresp: Default::default(),
            reasm_r0_m_axi_bvalid: Default::default(),
            reasm_r0_m_axi_bready: Default::default(),
            reasm_r1_m_axi_araddr: Default::default(),
            reasm_r1_m_axi_arlen: Default::default(),
            reasm_r1_m_axi_arsize: Default::default(),
            reasm_r1_m_axi_arburst: Default::default(),
            reasm_r1_m_axi_arvalid: Default::default(),
            reasm_r1_m_axi_arready: Default::default(),
            reasm_r1_m_axi_rdata: Default::default(),
            reasm_r1_m_axi_rresp: Default::default(),
            reasm_r1_m_axi_rlast: Default::default(),
            reasm_r1_m_axi_rvalid: Default::default(),
            reasm_r1_m_axi_rready: Default::default(),
            reasm_r1_m_axi_awaddr: Default::default(),
            reasm_r1_m_axi_awlen: Default::default(),
            reasm_r1_m_axi_awsize: Default::default(),
            reasm_r1_m_axi_awburst: Default::default(),
            reasm_r1_m_axi_awvalid: Default::default(),
            reasm_r1_m_axi_awready: Default::default(),
            reasm_r1_m_axi_wdata: Default::default(),
            reasm_r1_m_axi_wstrb: Default::default(),
            reasm_r1_m_axi_wlast: Default::default(),
            reasm_r1_m_axi_wvalid: Default::default(),
            reasm_r1_m_axi_wready: Default::default(),
            reasm_r1_m_axi_bresp: Default::default(),
            reasm_r1_m_axi_bvalid: Default::default(),
            reasm_r1_m_axi_bready: Default::default(),
            reasm_r2_m_axi_araddr: Default::default(),
            reasm_r2_m_axi_arlen: Default::default(),
            reasm_r2_m_axi_arsize: Default::default(),
            reasm_r2_m_axi_arburst: Default::default(),
            reasm_r2_m_axi_arvalid: Default::default(),
            reasm_r2_m_axi_arready: Default::default(),
            reasm_r2_m_axi_rdata: Default::default(),
            reasm_r2_m_axi_rresp: Default::default(),
            reasm_r2_m_axi_rlast: Default::default(),
            reasm_r2_m_axi_rvalid: Default::default(),
            reasm_r2_m_axi_rready: Default::default(),
            reasm_r2_m_axi_awaddr: Default::default(),
            reasm_r2_m_axi_awlen: Default::default(),
            reasm_r2_m_axi_awsize: Default::default(),
            reasm_r2_m_axi_awburst: Default::default(),
            reasm_r2_m_axi_awvalid: Default::default(),
            reasm_r2_m_axi_awready: Default::default(),
            reasm_r2_m_axi_wdata: Default::default(),
            reasm_r2_m_axi_wstrb: Default::default(),
            reasm_r2_m_axi_wlast: Default::default(),
            reasm_r2_m_axi_wvalid: Default::default(),
            reasm_r2_m_axi_wready: Default::default(),
            reasm_r2_m_axi_bresp: Default::default(),
            reasm_r2_m_axi_bvalid: Default::default(),
            reasm_r2_m_axi_bready: Default::default(),
            mod_rstn: Default::default(),
            mod_rst_done: Default::default(),
            axil_aclk: Default::default(),
            cmac_clk: Default::default(),
            ctl_reset_sync: Default::default(),
            dp_reset_sync: Default::default(),
            done_sync: Default::default(),
            bridge: Default::default(),
            regfile: RegFile::new(FEATURES, build_id),
            ingress: Default::default(),
            parse: Default::default(),
            stats: Default::default(),
            conn: Default::default(),
            reasm_path: Default::default(),
            engine: Default::default(),
            tag: Default::default(),
            port_id: Constant::new(0u64.to_bits()),
            counters: Default::default(),
            at_cycles: at("id", "cycles"),
            at_now: at("timestamp", "now_ns"),
            at_parse: at("parse", "frames"),
            at_tag: at("tag", "frames"),
            at_stats: at("stats", "frames"),
            at_conn: at("conn", "frames"),
            at_reasm: at("reasm", "frames"),
        }
    }
}

impl Logic for Top {
    #[hdl_gen]
    fn update(&mut self) {
        // Resets: mod_rstn synchronised into each clock domain.
        self.ctl_reset_sync.clock.next = self.axil_aclk.val();
        self.ctl_reset_sync.sig_in.next = !self.mod_rstn.val();
        self.dp_reset_sync.clock.next = self.cmac_clk.val();
        self.dp_reset_sync.sig_in.next = !self.mod_rstn.val();
        self.done_sync.clock.next = self.axil_aclk.val();
        self.done_sync.sig_in.next = !self.dp_reset_sync.sig_out.val();
        self.mod_rst_done.next = self.done_sync.sig_out.val() & !self.ctl_reset_sync.sig_out.val();
        // TX: the shell's host-to-wire path passes through untouched.
        self.m_axis_cmac_tx_tvalid.next = self.s_axis_adap_tx_322mhz_tvalid.val();
        self.m_axis_cmac_tx_tdata.next = self.s_axis_adap_tx_322mhz_tdata.val();
        self.m_axis_cmac_tx_tkeep.next = self.s_axis_adap_tx_322mhz_tkeep.val();
        self.m_axis_cmac_tx_tlast.next = self.s_axis_adap_tx_322mhz_tlast.val();
        self.m_axis_cmac_tx_tuser_err.next = self.s_axis_adap_tx_322mhz_tuser_err.val();
        self.s_axis_adap_tx_322mhz_tready.next = self.m_axis_cmac_tx_tready.val();
        // Control path.
        self.bridge.axil_clock.next = self.axil_aclk.val();
        self.bridge.axil_reset.next = self.ctl_reset_sync.sig_out.val();
        self.bridge.dp_clock.next = self.cmac_clk.val();
        self.bridge.dp_reset.next = self.dp_reset_sync.sig_out.val();
        self.bridge.awvalid.next = self.s_axil_awvalid.val();
        self.bridge.awaddr.next = self.s_axil_awaddr.val();
        self.s_axil_awready.next = self.bridge.awready.val();
        self.bridge.wvalid.next = self.s_axil_wvalid.val();
        self.bridge.wdata.next = self.s_axil_wdata.val();
        self.s_axil_wready.next = self.bridge.wready.val();
        self.s_axil_bvalid.next = self.bridge.bvalid.val();
        self.s_axil_bresp.next = self.bridge.bresp.val();
        self.bridge.bready.next = self.s_axil_bready.val();
        self.bridge.arvalid.next = self.s_axil_arvalid.val();
        self.bridge.araddr.next = self.s_axil_araddr.val();
        self.s_axil_arready.next = self.bridge.arready.val();
        self.s_axil_rvalid.next = self.bridge.rvalid.val();
        self.s_axil_rdata.next = self.bridge.rdata.val();
        self.s_axil_rresp.next = self.bridge.rresp.val();
        self.bridge.rready.next = self.s_axil_rready.val();
        self.regfile.clock.next = self.cmac_clk.val();
        self.regfile.reset.next = self.dp_reset_sync.sig_out.val();
        self.regfile.req.next = self.bridge.req.val();
        self.regfile.we.next = self.bridge.req_we.val();
        self.regfile.addr.next = self.bridge.req_addr.val();
        self.regfile.wdata.next = self.bridge.req_wdata.val();
        self.bridge.resp_rdata.next = self.regfile.rdata.val();
        // Datapath.
        self.ingress.clock.next = self.cmac_clk.val();
        self.ingress.reset.next = self.dp_reset_sync.sig_out.val();
        self.ingress.tvalid.next = self.s_axis_cmac_rx_tvalid.val();
        self.ingress.tdata.next = self.s_axis_cmac_rx_tdata.val();
        self.ingress.tkeep.next = self.s_axis_cmac_rx_tkeep.val();
        self.ingress.tlast.next = self.s_axis_cmac_rx_tlast.val();
        self.ingress.tuser.next = self.s_axis_cmac_rx_tuser_err.val();
        self.ingress.ts_inc.next = self.regfile.ts_inc.val();
        self.ingress.ts_set.next = self.regfile.ts_set.val();
        self.ingress.ts_load.next = self.regfile.ts_load.val();
        self.parse.clock.next = self.cmac_clk.val();
        self.parse.reset.next = self.dp_reset_sync.sig_out.val();
        self.parse.key.next = self.regfile.hash_key.val();
        self.parse.slot_in.next = self.ingress.slots.val();
        self.tag.clock.next = self.cmac_clk.val();
        self.tag.reset.next = self.dp_reset_sync.sig_out.val();
        self.tag.enable.next = self.regfile.tag_enable.val();
        self.tag.ethertype.next = self.regfile.ethertype.val();
        self.stats.clock.next = self.cmac_clk.val();
        self.stats.reset.next = self.dp_reset_sync.sig_out.val();
        self.stats.enable.next = self.regfile.stats_enable.val();
        self.stats.epochs_on.next = self.regfile.epochs_on.val();
        self.stats.epoch_ns.next = self.regfile.epoch_ns.val();
        self.stats.epoch_start.next = self.regfile.epoch_start.val();
        self.stats.now.next = self.ingress.ts_now.val().get_bits::<64>(32);
        self.stats.ethertype.next = self.regfile.ethertype.val();
        // Report frames go out where neither the conn stage nor the tag stage holds a beat.
        // (The reasm stage, when on, holds beats on their way to the tag stage.)
        self.stats.tag_idle.next =
            self.tag.idle.val() & self.conn.idle.val() & self.reasm_path.empty.val();
        self.regfile.stats_status.next = self.stats.status.val();
        self.stats.lane_bits.next = self.regfile.lane_bits.val();
        self.stats.hash_key.next = self.regfile.stats_key.val();
        self.stats.rules.next = self.regfile.rules.val();
        self.stats.peek_loc.next = self.regfile.peek_loc.val();
        self.stats.peek_go.next = self.regfile.peek_go.val();
        self.stats.ingress_port.next = self.port_id.val();
        self.stats.slot_in.next = self.parse.slot_out.val();
        self.stats.flags_in.next = self.parse.flags.val();
        self.regfile.peek_row.next = self.stats.peek_row.val();
        self.regfile.peek_done.next = self.stats.peek_done.val();
        self.stats.conn_flush.next = self.regfile.conn_flush.val();
        self.regfile.conn_status.next = self.stats.conn_status.val();
        self.conn.clock.next = self.cmac_clk.val();
        self.conn.reset.next = self.dp_reset_sync.sig_out.val();
        self.conn.hold.next = self.regfile.syn_hold.val() & self.regfile.tag_enable.val();
        self.conn.timeout.next = self.regfile.syn_timeout.val();
        self.conn.now.next = self.ingress.ts_now.val().get_bits::<64>(32);
        self.conn.flush.next = self.regfile.syn_flush.val();
        self.conn.probe.next = self.parse.slot_out.val();
        self.conn.probe_flags.next = self.parse.flags.val();
        self.conn.slot_in.next = self.stats.slot_out.val();
        self.conn.flags_in.next = self.stats.flags_out.val();
        // A regenerated SYN goes where the tag stage will be idle when it gets there: the reasm
        // stage, when on, is a fixed delay, so a quiet gap at its input is one at the tag stage's.
        self.conn.tag_idle.next = self.tag.idle.val();
        if !self.reasm_path.bypass.val() {
            self.conn.tag_idle.next = self.reasm_path.quiet.val();
        }
        self.conn.report_busy.next = self.stats.r_busy.val();
        self.regfile.syn_status.next = self.conn.status.val();
        self.regfile.syn_held.next = self.conn.held.val();
        self.regfile.reasm_status.next = self.reasm_path.status.val();
        self.reasm_path.clock.next = self.cmac_clk.val();
        self.reasm_path.reset.next = self.dp_reset_sync.sig_out.val();
        self.reasm_path.enable.next =
            self.regfile.reasm_enable.val() & self.regfile.tag_enable.val();
        self.reasm_path.key.next = self.regfile.hash_key.val();
        self.reasm_path.slot_in.next = self.conn.slot_out.val();
        self.reasm_path.flags_in.next = self.conn.flags_out.val();
        // The engine runs on the stage's gated clock: stopped with the stage, once quiescent.
        self.engine.clock.next = self.reasm_path.work_clock.val();
        self.engine.reset.next = self.dp_reset_sync.sig_out.val();
        self.engine.session_key.next = self.regfile.session_key.val();
        self.engine.bucket_bits.next = self.regfile.bucket_bits.val();
        self.engine.cap.next = self.regfile.max_above_hole.val();
        self.engine.req_valid.next = self.reasm_path.req_valid.val();
        self.engine.req_tuple.next = self.reasm_path.req_tuple.val();
        self.engine.req_v6.next = self.reasm_path.req_v6.val();
        self.engine.req_side.next = self.reasm_path.req_side.val();
        self.engine.req_flags.next = self.reasm_path.req_flags.val();
        self.engine.req_ack.next = self.reasm_path.req_ack.val();
        self.engine.req_start.next = self.reasm_path.req_start.val();
        self.engine.req_end.next = self.reasm_path.req_end.val();
        self.engine.req_len.next = self.reasm_path.req_len.val();
        self.engine.req_ts.next = self.reasm_path.req_ts.val();
        self.reasm_path.ans_valid.next = self.engine.out_valid.val();
        self.reasm_path.ans_kind.next = self.engine.out_kind.val();
        self.reasm_path.ans_flow_id.next = self.engine.out_flow_id.val();
        self.reasm_path.ans_status.next = self.engine.out_status.val();
        self.reasm_path.ans_offset.next = self.engine.out_offset.val();
        self.reasm_path.ans_skip.next = self.engine.out_skip.val();
        self.reasm_path.ans_gap.next = self.engine.out_gap.val();
        self.reasm_path.ans_flags.next = self.engine.out_flags.val();
        self.reasm_path.ans_reason.next = self.engine.out_reason.val();
        self.reasm_path.dir_refused.next = self.engine.dir_refused.val();
        self.reasm_path.bad_update.next = self.engine.bad_update.val();
        self.reasm_path.mem_error.next = self.engine.mem_error.val();
        self.reasm_path.flow_end.next = self.engine.fe_valid.val();
        self.tag.slot.next = self.reasm_path.slot_out.val();
        self.tag.flags.next = self.reasm_path.flags_out.val();
        self.tag.reasm.next = self.reasm_path.reasm.val();
        self.tag.reasm_info.next = self.reasm_path.reasm_info.val();
        // Report frames go out only where the tag stage sends nothing (the stats stage checks).
        self.m_axis_adap_rx_322mhz_tvalid.next = self.tag.tvalid.val() | self.stats.r_valid.val();
        self.m_axis_adap_rx_322mhz_tdata.next = self.tag.tdata.val();
        self.m_axis_adap_rx_322mhz_tkeep.next = self.tag.tkeep.val();
        self.m_axis_adap_rx_322mhz_tlast.next = self.tag.tlast.val();
        self.m_axis_adap_rx_322mhz_tuser_err.next = self.tag.tuser.val();
        if self.stats.r_valid.val() {
            self.m_axis_adap_rx_322mhz_tdata.next = self.stats.r_data.val();
            self.m_axis_adap_rx_322mhz_tkeep.next = 0xFFFF_FFFF_FFFF_FFFF_u64.into();
            self.m_axis_adap_rx_322mhz_tlast.next = self.stats.r_last.val();
            self.m_axis_adap_rx_322mhz_tuser_err.next = false;
        }
        // Counters into the register file, packed in proto's block order.
        self.counters.next = (bit_cast::<COUNTER_BITS, 64>(self.ingress.cycles.val())
            << self.at_cycles.val())
            | (bit_cast::<COUNTER_BITS, 64>(self.ingress.ts_now.val().get_bits::<64>(32))
                << self.at_now.val())
            | (bit_cast::<COUNTER_BITS, 640>(self.parse.counter_words.val())
                << self.at_parse.val())
            | (bit_cast::<COUNTER_BITS, 320>(self.tag.counter_words.val()) << self.at_tag.val())
            | (bit_cast::<COUNTER_BITS, 1216>(self.stats.counter_words.val())
                << self.at_stats.val())
            | (bit_cast::<COUNTER_BITS, { crate::conn::path::COUNTER_BITS }>(
                self.conn.counter_words.val(),
            ) << self.at_conn.val())
            | (bit_cast::<COUNTER_BITS, { reasm_stage::COUNTER_BITS }>(
                self.reasm_path.counter_words.val(),
            ) << self.at_reasm.val());
        self.regfile.counters.next = self.counters.val();
        // The reasm stage's session memory.
        self.reasm_dir_m_axi_araddr.next = self.engine.dir_m_axi_araddr.val();
        self.reasm_dir_m_axi_arlen.next = self.engine.dir_m_axi_arlen.val();
        self.reasm_dir_m_axi_arsize.next = self.engine.dir_m_axi_arsize.val();
        self.reasm_dir_m_axi_arburst.next = self.engine.dir_m_axi_arburst.val();
        self.reasm_dir_m_axi_arvalid.next = self.engine.dir_m_axi_arvalid.val();
        self.engine.dir_m_axi_arready.next = self.reasm_dir_m_axi_arready.val();
        self.engine.dir_m_axi_rdata.next = self.reasm_dir_m_axi_rdata.val();
        self.engine.dir_m_axi_rresp.next = self.reasm_dir_m_axi_rresp.val();
        self.engine.dir_m_axi_rlast.next = self.reasm_dir_m_axi_rlast.val();
        self.engine.dir_m_axi_rvalid.next = self.reasm_dir_m_axi_rvalid.val();
        self.reasm_dir_m_axi_rready.next = self.engine.dir_m_axi_rready.val();
        self.reasm_dir_m_axi_awaddr.next = self.engine.dir_m_axi_awaddr.val();
        self.reasm_dir_m_axi_awlen.next = self.engine.dir_m_axi_awlen.val();
        self.reasm_dir_m_axi_awsize.next = self.engine.dir_m_axi_awsize.val();
        self.reasm_dir_m_axi_awburst.next = self.engine.dir_m_axi_awburst.val();
        self.reasm_dir_m_axi_awvalid.next = self.engine.dir_m_axi_awvalid.val();
        self.engine.dir_m_axi_awready.next = self.reasm_dir_m_axi_awready.val();
        self.reasm_dir_m_axi_wdata.next = self.engine.dir_m_axi_wdata.val();
        self.reasm_dir_m_axi_wstrb.next = self.engine.dir_m_axi_wstrb.val();
        self.reasm_dir_m_axi_wlast.next = self.engine.dir_m_axi_wlast.val();
        self.reasm_dir_m_axi_wvalid.next = self.engine.dir_m_axi_wvalid.val();
        self.engine.dir_m_axi_wready.next = self.reasm_dir_m_axi_wready.val();
        self.engine.dir_m_axi_bresp.next = self.reasm_dir_m_axi_bresp.val();
        self.engine.dir_m_axi_bvalid.next = self.reasm_dir_m_axi_bvalid.val();
        self.reasm_dir_m_axi_bready.next = self.engine.dir_m_axi_bready.val();
        self.reasm_r0_m_axi_araddr.next = self.engine.r0_m_axi_araddr.val();
        self.reasm_r0_m_axi_arlen.next = self.engine.r0_m_axi_arlen.val();
        self.reasm_r0_m_axi_arsize.next = self.engine.r0_m_axi_arsize.val();
        self.reasm_r0_m_axi_arburst.next = self.engine.r0_m_axi_arburst.val();
        self.reasm_r0_m_axi_arvalid.next = self.engine.r0_m_axi_arvalid.val();
        self.engine.r0_m_axi_arready.next = self.reasm_r0_m_axi_arready.val();
        self.engine.r0_m_axi_rdata.next = self.reasm_r0_m_axi_rdata.val();
        self.engine.r0_m_axi_rresp.next = self.reasm_r0_m_axi_rresp.val();
        self.engine.r0_m_axi_rlast.next = self.reasm_r0_m_axi_rlast.val();
        self.engine.r0_m_axi_rvalid.next = self.reasm_r0_m_axi_rvalid.val();
        self.reasm_r0_m_axi_rready.next = self.engine.r0_m_axi_rready.val();
        self.reasm_r0_m_axi_awaddr.next = self.engine.r0_m_axi_awaddr.val();
        self.reasm_r0_m_axi_awlen.next = self.engine.r0_m_axi_awlen.val();
        self.reasm_r0_m_axi_awsize.next = self.engine.r0_m_axi_awsize.val();
        self.reasm_r0_m_axi_awburst.next = self.engine.r0_m_axi_awburst.val();
        self.reasm_r0_m_axi_awvalid.next = self.engine.r0_m_axi_awvalid.val();
        self.engine.r0_m_axi_awready.next = self.reasm_r0_m_axi_awready.val();
        self.reasm_r0_m_axi_wdata.next = self.engine.r0_m_axi_wdata.val();
        self.reasm_r0_m_axi_wstrb.next = self.engine.r0_m_axi_wstrb.val();
        self.reasm_r0_m_axi_wlast.next = self.engine.r0_m_axi_wlast.val();
        self.reasm_r0_m_axi_wvalid.next = self.engine.r0_m_axi_wvalid.val();
        self.engine.r0_m_axi_wready.next = self.reasm_r0_m_axi_wready.val();
        self.engine.r0_m_axi_bresp.next = self.reasm_r0_m_axi_bresp.val();
        self.engine.r0_m_axi_bvalid.next = self.reasm_r0_m_axi_bvalid.val();
        self.reasm_r0_m_axi_bready.next = self.engine.r0_m_axi_bready.val();
        self.reasm_r1_m_axi_araddr.next = self.engine.r1_m_axi_araddr.val();
        self.reasm_r1_m_axi_arlen.next = self.engine.r1_m_axi_arlen.val();
        self.reasm_r1_m_axi_arsize.next = self.engine.r1_m_axi_arsize.val();
        self.reasm_r1_m_axi_arburst.next = self.engine.r1_m_axi_arburst.val();
        self.reasm_r1_m_axi_arvalid.next = self.engine.r1_m_axi_arvalid.val();
        self.engine.r1_m_axi_arready.next = self.reasm_r1_m_axi_arready.val();
        self.engine.r1_m_axi_rdata.next = self.reasm_r1_m_axi_rdata.val();
        self.engine.r1_m_axi_rresp.next = self.reasm_r1_m_axi_rresp.val();
        self.engine.r1_m_axi_rlast.next = self.reasm_r1_m_axi_rlast.val();
        self.engine.r1_m_axi_rvalid.next = self.reasm_r1_m_axi_rvalid.val();
        self.reasm_r1_m_axi_rready.next = self.engine.r1_m_axi_rready.val();
        self.reasm_r1_m_axi_awaddr.next = self.engine.r1_m_axi_awaddr.val();
        self.reasm_r1_m_axi_awlen.next = self.engine.r1_m_axi_awlen.val();
        self.reasm_r1_m_axi_awsize.next = self.engine.r1_m_axi_awsize.val();
        self.reasm_r1_m_axi_awburst.next = self.engine.r1_m_axi_awburst.val();
        self.reasm_r1_m_axi_awvalid.next = self.engine.r1_m_axi_awvalid.val();
        self.engine.r1_m_axi_awready.next = self.reasm_r1_m_axi_awready.val();
        self.reasm_r1_m_axi_wdata.next = self.engine.r1_m_axi_wdata.val();
        self.reasm_r1_m_axi_wstrb.next = self.engine.r1_m_axi_wstrb.val();
        self.reasm_r1_m_axi_wlast.next = self.engine.r1_m_axi_wlast.val();
        self.reasm_r1_m_axi_wvalid.next = self.engine.r1_m_axi_wvalid.val();
        self.engine.r1_m_axi_wready.next = self.reasm_r1_m_axi_wready.val();
        self.engine.r1_m_axi_bresp.next = self.reasm_r1_m_axi_bresp.val();
        self.engine.r1_m_axi_bvalid.next = self.reasm_r1_m_axi_bvalid.val();
        self.reasm_r1_m_axi_bready.next = self.engine.r1_m_axi_bready.val();
        self.reasm_r2_m_axi_araddr.next = self.engine.r2_m_axi_araddr.val();
        self.reasm_r2_m_axi_arlen.next = self.engine.r2_m_axi_arlen.val();
        self.reasm_r2_m_axi_arsize.next = self.engine.r2_m_axi_arsize.val();
        self.reasm_r2_m_axi_arburst.next = self.engine.r2_m_axi_arburst.val();
        self.reasm_r2_m_axi_arvalid.next = self.engine.r2_m_axi_arvalid.val();
        self.engine.r2_m_axi_arready.next = self.reasm_r2_m_axi_arready.val();
        self.engine.r2_m_axi_rdata.next = self.reasm_r2_m_axi_rdata.val();
        self.engine.r2_m_axi_rresp.next = self.reasm_r2_m_axi_rresp.val();
        self.engine.r2_m_axi_rlast.next = self.reasm_r2_m_axi_rlast.val();
        self.engine.r2_m_axi_rvalid.next = self.reasm_r2_m_axi_rvalid.val();
        self.reasm_r2_m_axi_rready.next = self.engine.r2_m_axi_rready.val();
        self.reasm_r2_m_axi_awaddr.next = self.engine.r2_m_axi_awaddr.val();
        self.reasm_r2_m_axi_awlen.next = self.engine.r2_m_axi_awlen.val();
        self.reasm_r2_m_axi_awsize.next = self.engine.r2_m_axi_awsize.val();
        self.reasm_r2_m_axi_awburst.next = self.engine.r2_m_axi_awburst.val();
        self.reasm_r2_m_axi_awvalid.next = self.engine.r2_m_axi_awvalid.val();
        self.engine.r2_m_axi_awready.next = self.reasm_r2_m_axi_awready.val();
        self.reasm_r2_m_axi_wdata.next = self.engine.r2_m_axi_wdata.val();
        self.reasm_r2_m_axi_wstrb.next = self.engine.r2_m_axi_wstrb.val();
        self.reasm_r2_m_axi_wlast.next = self.engine.r2_m_axi_wlast.val();
        self.reasm_r2_m_axi_wvalid.next = self.engine.r2_m_axi_wvalid.val();
        self.engine.r2_m_axi_wready.next = self.reasm_r2_m_axi_wready.val();
        self.engine.r2_m_axi_bresp.next = self.reasm_r2_m_axi_bresp.val();
        self.engine.r2_m_axi_bvalid.next = self.reasm_r2_m_axi_bvalid.val();
        self.reasm_r2_m_axi_bready.next = self.engine.r2_m_axi_bready.val();
        self.regfile.ts_frac.next = self.ingress.ts_now.val().get_bits::<32>(0);
    }
}
