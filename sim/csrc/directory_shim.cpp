// C ABI over the Verilated session directory of the reasm stage (vantage_reasm_dir, the leaf
// hdl/src/reasm/directory.v wrapped with proto's parameters): a clocked module, stepped one
// clock cycle at a time. The AXI4 memory behind it is the Rust harness's (sim/src/axi_mem.rs).
// Wide values are 32-bit words, least significant first (Verilator's layout). The structs
// mirror sim/src/directory.rs.
#include <cstdint>
#include "Vdir.h"
#include "unit.h"

struct VdIn {
    uint8_t req_valid, req_op;
    uint8_t arready, rvalid, rresp, awready, wready, bvalid, bresp;
    uint32_t req_key[4];
    uint32_t b1, b2;
    uint32_t rdata[16];
};

struct VdOut {
    uint8_t refused, res_valid, res_op, res_found, res_placed, res_full, res_late, res_choice;
    uint8_t res_way, arvalid, awvalid, wvalid, no_room, mem_error;
    uint32_t res_bucket;
    uint64_t araddr, awaddr;
    uint32_t wdata[16];
};

struct DirHarness : Unit<Vdir> {};

extern "C" {

DirHarness* vd_new() {
    auto* h = new DirHarness;
    reset(h->unit.get());
    return h;
}

void vd_free(DirHarness* h) { delete h; }

// One clock cycle: `in` drives the inputs; `out` gets the outputs as they stand before the edge
// (an AXI handshake happens in this cycle when valid and ready are both high).
void vd_cycle(DirHarness* h, const VdIn* in, VdOut* out) {
    Vdir* u = h->unit.get();
    u->req_valid = in->req_valid;
    u->req_op = in->req_op;
    for (int i = 0; i < 4; i++) u->req_key[i] = in->req_key[i];
    u->req_b1 = in->b1;
    u->req_b2 = in->b2;
    axi_slave_in(u, in);
    u->eval();
    out->refused = u->refused;
    out->res_valid = u->res_valid;
    out->res_op = u->res_op;
    out->res_found = u->res_found;
    out->res_placed = u->res_placed;
    out->res_full = u->res_full;
    out->res_late = u->res_late;
    out->res_choice = u->res_choice;
    out->res_way = u->res_way;
    out->res_bucket = u->res_bucket;
    axi_master_out(u, out);
    out->no_room = u->no_room;
    out->mem_error = u->mem_error;
    edge(u);
}

}
