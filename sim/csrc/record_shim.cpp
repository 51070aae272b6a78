// C ABI over the Verilated port of one beat of the reasm stage's session record
// (vantage_reasm_record: the leaf hdl/src/widgets/line_rmw.v with the record's parameters): a
// clocked module, stepped one clock cycle at a time. The AXI4 memory behind it is the Rust
// harness's (sim/src/axi_mem.rs). Wide values are 32-bit words, least significant first
// (Verilator's layout). The structs mirror sim/src/ffi.rs.
#include <cstdint>
#include "Vrec.h"
#include "unit.h"

struct VrecIn {
    uint8_t req_valid, req_read, upd_valid;
    uint8_t arready, rvalid, rresp, awready, wready, bvalid, bresp;
    uint32_t req_index, req_tag;
    uint32_t upd_line[16];
    uint32_t rdata[16];
};

struct VrecOut {
    uint8_t refused, ans_valid, ans_late, ans_room, bad_update;
    uint8_t arvalid, awvalid, wvalid, mem_error;
    uint32_t ans_index, ans_tag;
    uint32_t ans_line[16];
    uint64_t araddr, awaddr;
    uint32_t wdata[16];
};

struct RecHarness : Unit<Vrec> {};

extern "C" {

RecHarness* vrec_new() {
    auto* h = new RecHarness;
    reset(h->unit.get());
    return h;
}

void vrec_free(RecHarness* h) { delete h; }

// One clock cycle: `in` drives the inputs; `out` gets the outputs as they stand before the edge.
void vrec_cycle(RecHarness* h, const VrecIn* in, VrecOut* out) {
    Vrec* u = h->unit.get();
    u->req_valid = in->req_valid;
    u->req_read = in->req_read;
    u->req_index = in->req_index;
    u->req_tag = in->req_tag;
    u->upd_valid = in->upd_valid;
    for (int i = 0; i < 16; i++) u->upd_line[i] = in->upd_line[i];
    axi_slave_in(u, in);
    u->eval();
    out->refused = u->refused;
    out->ans_valid = u->ans_valid;
    out->ans_late = u->ans_late;
    out->ans_room = u->ans_room;
    out->ans_index = u->ans_index;
    out->ans_tag = u->ans_tag;
    for (int i = 0; i < 16; i++) out->ans_line[i] = u->ans_line[i];
    out->bad_update = u->bad_update;
    axi_master_out(u, out);
    out->mem_error = u->mem_error;
    edge(u);
}

}
