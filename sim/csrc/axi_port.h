// One AXI4 master port of a Verilated unit as the Rust harness's memories see it
// (sim/src/axi_mem.rs): the slave side driven into the unit, the master side read out of it.
// The structs mirror VeAxiIn and VeAxiOut in sim/src/ffi.rs; a port is named by its prefix
// (`dir` for dir_m_axi_*).
#pragma once
#include <cstdint>

struct VeAxiIn {
    uint8_t arready, rvalid, rresp, awready, wready, bvalid, bresp;
    uint32_t rdata[16];
};

struct VeAxiOut {
    uint8_t arvalid, awvalid, wvalid;
    uint64_t araddr, awaddr;
    uint32_t wdata[16];
};

// One port's slave side into the unit and master side out of it, by the port's prefix.
#define AXI_IN(u, P, a)                                                     \
    do {                                                                    \
        u->P##_m_axi_arready = (a).arready;                                 \
        u->P##_m_axi_rvalid = (a).rvalid;                                   \
        u->P##_m_axi_rresp = (a).rresp;                                     \
        u->P##_m_axi_rlast = 1;                                             \
        for (int i = 0; i < 16; i++) u->P##_m_axi_rdata[i] = (a).rdata[i];  \
        u->P##_m_axi_awready = (a).awready;                                 \
        u->P##_m_axi_wready = (a).wready;                                   \
        u->P##_m_axi_bvalid = (a).bvalid;                                   \
        u->P##_m_axi_bresp = (a).bresp;                                     \
    } while (0)

#define AXI_OUT(u, P, a)                                                    \
    do {                                                                    \
        (a).arvalid = u->P##_m_axi_arvalid;                                 \
        (a).araddr = u->P##_m_axi_araddr;                                   \
        (a).awvalid = u->P##_m_axi_awvalid;                                 \
        (a).awaddr = u->P##_m_axi_awaddr;                                   \
        (a).wvalid = u->P##_m_axi_wvalid;                                   \
        for (int i = 0; i < 16; i++) (a).wdata[i] = u->P##_m_axi_wdata[i];  \
    } while (0)

