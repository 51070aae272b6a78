// What every shim over one Verilated unit shares: the unit with its own context (finished when
// the harness is deleted), one clock edge, and the reset a clocked unit leaves before its first
// step. A shim's harness is `struct XHarness : Unit<Vx> {};`, handed to Rust as an opaque pointer.
#pragma once
#include <memory>
#include "verilated.h"

template <class V>
struct Unit {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<V> unit;
    Unit() : ctx(std::make_unique<VerilatedContext>()), unit(std::make_unique<V>(ctx.get())) {}
    ~Unit() { unit->final(); }
};

// One clock cycle: a rising edge, then the falling one.
template <class V>
void edge(V* u) {
    u->clock = 1;
    u->eval();
    u->clock = 0;
    u->eval();
}

// Reset held for four edges, then released with the clock low.
template <class V>
void reset(V* u) {
    u->clock = 0;
    u->reset = 1;
    for (int i = 0; i < 4; i++) edge(u);
    u->reset = 0;
    u->eval();
}

// A unit's AXI4 master port and the harness's memory (sim/src/axi_mem.rs) on the other side:
// the slave's side into the unit (`In` has arready, rvalid, rresp, rdata[16], awready, wready,
// bvalid, bresp), the master's side out of it (`Out` has arvalid, araddr, awvalid, awaddr,
// wvalid, wdata[16]). Single-beat transfers: rlast is always set.
template <class V, class In>
void axi_slave_in(V* u, const In* in) {
    u->m_axi_arready = in->arready;
    u->m_axi_rvalid = in->rvalid;
    u->m_axi_rresp = in->rresp;
    u->m_axi_rlast = 1;
    for (int i = 0; i < 16; i++) u->m_axi_rdata[i] = in->rdata[i];
    u->m_axi_awready = in->awready;
    u->m_axi_wready = in->wready;
    u->m_axi_bvalid = in->bvalid;
    u->m_axi_bresp = in->bresp;
}

template <class V, class Out>
void axi_master_out(const V* u, Out* out) {
    out->arvalid = u->m_axi_arvalid;
    out->araddr = u->m_axi_araddr;
    out->awvalid = u->m_axi_awvalid;
    out->awaddr = u->m_axi_awaddr;
    out->wvalid = u->m_axi_wvalid;
    for (int i = 0; i < 16; i++) out->wdata[i] = u->m_axi_wdata[i];
}

// A probe that starts at the ingress stage (the reasm stage's facts and frames' side, the tag
// stage): one cycle's MAC beat and the ingress clock's load (`In` has tvalid, tlast, tuser,
// tkeep, tdata[16], ts_set, ts_load).
template <class V, class In>
void mac_beat_in(V* u, const In* in) {
    u->tvalid = in->tvalid;
    u->tlast = in->tlast;
    u->tuser = in->tuser;
    u->tkeep = in->tkeep;
    for (int i = 0; i < 16; i++) u->tdata[i] = in->tdata[i];
    u->ts_set = in->ts_set;
    u->ts_load = in->ts_load;
}
