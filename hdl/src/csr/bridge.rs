//! AXI4-Lite slave in the control clock, crossing each access into the datapath clock with a
//! toggle handshake, and the answer back the same way.
//!
//! ```text
//!  control clock                                   datapath clock
//!  AW+W or AR ─► latch addr/data/we, flip req_t ─► 2-FF sync ─► edge ─► regfile req (1 cycle)
//!                                                                      next cycle: hold rdata,
//!  B or R  ◄─ edge ◄─ 2-FF sync ◄──────────────────────────────────── flip ack_t
//! ```
//! The address, data and read-back buses are held stable from before their toggle flips until
//! the other side has answered, so only the two toggles cross unsynchronised. One access is in
//! flight at a time; a write wins over a read offered in the same cycle. Responses are OKAY.

use rust_hdl::prelude::*;
use vantage_proto::regs::ADDR_BITS;

#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
enum Phase {
    Idle,
    Busy,
    Respond,
}

#[derive(LogicBlock, Default)]
pub struct AxilBridge {
    /// Control clock (OpenNIC `axil_aclk`).
    pub axil_clock: Signal<In, Clock>,
    /// Reset, synchronous to the control clock.
    pub axil_reset: Signal<In, Bit>,
    pub awvalid: Signal<In, Bit>,
    pub awaddr: Signal<In, Bits<32>>,
    pub awready: Signal<Out, Bit>,
    pub wvalid: Signal<In, Bit>,
    pub wdata: Signal<In, Bits<32>>,
    pub wready: Signal<Out, Bit>,
    pub bvalid: Signal<Out, Bit>,
    pub bresp: Signal<Out, Bits<2>>,
    pub bready: Signal<In, Bit>,
    pub arvalid: Signal<In, Bit>,
    pub araddr: Signal<In, Bits<32>>,
    pub arready: Signal<Out, Bit>,
    pub rvalid: Signal<Out, Bit>,
    pub rdata: Signal<Out, Bits<32>>,
    pub rresp: Signal<Out, Bits<2>>,
    pub rready: Signal<In, Bit>,
    /// Datapath clock.
    pub dp_clock: Signal<In, Clock>,
    /// Reset, synchronous to the datapath clock.
    pub dp_reset: Signal<In, Bit>,
    /// To the register file (datapath clock).
    pub req: Signal<Out, Bit>,
    pub req_we: Signal<Out, Bit>,
    pub req_addr: Signal<Out, Bits<ADDR_BITS>>,
    pub req_wdata: Signal<Out, Bits<32>>,
    /// From the register file, the cycle after `req`.
    pub resp_rdata: Signal<In, Bits<32>>,
    // control side
    phase: DFF<Phase>,
    c_we: DFF<Bit>,
    c_addr: DFF<Bits<ADDR_BITS>>,
    c_wdata: DFF<Bits<32>>,
    c_req_t: DFF<Bit>,
    c_ack_seen: DFF<Bit>,
    c_rdata: DFF<Bits<32>>,
    c_bvalid: DFF<Bit>,
    c_rvalid: DFF<Bit>,
    ack_sync: BitSynchronizer,
    // datapath side
    req_sync: BitSynchronizer,
    d_req_seen: DFF<Bit>,
    d_pending: DFF<Bit>,
    d_ack_t: DFF<Bit>,
    d_rdata: DFF<Bits<32>>,
    take_write: Signal<Local, Bit>,
    take_read: Signal<Local, Bit>,
    strobe: Signal<Local, Bit>,
}

impl Logic for AxilBridge {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, axil_clock, phase, c_we, c_addr, c_wdata, c_req_t, c_ack_seen, c_rdata, c_bvalid,
            c_rvalid
        );
        dff_setup!(self, dp_clock, d_req_seen, d_pending, d_ack_t, d_rdata);
        self.ack_sync.clock.next = self.axil_clock.val();
        self.req_sync.clock.next = self.dp_clock.val();
        // ---- control clock ----
        self.ack_sync.sig_in.next = self.d_ack_t.q.val();
        self.take_write.next = (self.phase.q.val() == Phase::Idle)
            & self.awvalid.val()
            & self.wvalid.val()
            & !self.axil_reset.val();
        self.take_read.next = (self.phase.q.val() == Phase::Idle)
            & self.arvalid.val()
            & !self.take_write.val()
            & !self.axil_reset.val();
        self.awready.next = self.take_write.val();
        self.wready.next = self.take_write.val();
        self.arready.next = self.take_read.val();
        if self.take_write.val() {
            self.c_we.d.next = true;
            self.c_addr.d.next = self.awaddr.val().get_bits::<ADDR_BITS>(0);
            self.c_wdata.d.next = self.wdata.val();
            self.c_req_t.d.next = !self.c_req_t.q.val();
            self.phase.d.next = Phase::Busy;
        }
        if self.take_read.val() {
            self.c_we.d.next = false;
            self.c_addr.d.next = self.araddr.val().get_bits::<ADDR_BITS>(0);
            self.c_req_t.d.next = !self.c_req_t.q.val();
            self.phase.d.next = Phase::Busy;
        }
        if (self.phase.q.val() == Phase::Busy)
            & (self.ack_sync.sig_out.val() != self.c_ack_seen.q.val())
        {
            self.c_ack_seen.d.next = self.ack_sync.sig_out.val();
            self.c_rdata.d.next = self.d_rdata.q.val();
            self.c_bvalid.d.next = self.c_we.q.val();
            self.c_rvalid.d.next = !self.c_we.q.val();
            self.phase.d.next = Phase::Respond;
        }
        if (self.c_bvalid.q.val() & self.bready.val()) | (self.c_rvalid.q.val() & self.rready.val())
        {
            self.c_bvalid.d.next = false;
            self.c_rvalid.d.next = false;
            self.phase.d.next = Phase::Idle;
        }
        self.bvalid.next = self.c_bvalid.q.val();
        self.bresp.next = 0.into();
        self.rvalid.next = self.c_rvalid.q.val();
        self.rdata.next = self.c_rdata.q.val();
        self.rresp.next = 0.into();
        if self.axil_reset.val() {
            self.phase.d.next = Phase::Idle;
            self.c_bvalid.d.next = false;
            self.c_rvalid.d.next = false;
            self.c_req_t.d.next = false;
            self.c_ack_seen.d.next = false;
        }
        // ---- datapath clock ----
        self.req_sync.sig_in.next = self.c_req_t.q.val();
        self.strobe.next = self.req_sync.sig_out.val() != self.d_req_seen.q.val();
        self.d_req_seen.d.next = self.req_sync.sig_out.val();
        self.req.next = self.strobe.val();
        self.req_we.next = self.c_we.q.val();
        self.req_addr.next = self.c_addr.q.val();
        self.req_wdata.next = self.c_wdata.q.val();
        self.d_pending.d.next = self.strobe.val();
        if self.d_pending.q.val() {
            self.d_rdata.d.next = self.resp_rdata.val();
            self.d_ack_t.d.next = !self.d_ack_t.q.val();
        }
        if self.dp_reset.val() {
            self.d_req_seen.d.next = false;
            self.d_pending.d.next = false;
            self.d_ack_t.d.next = false;
        }
    }
}
