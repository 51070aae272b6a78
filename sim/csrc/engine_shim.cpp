// C ABI over the Verilated session engine of the reasm stage (vantage_reasm_engine, emitted from
// hdl/src/reasm/engine.rs): a clocked module with four AXI4 masters (the directory's memory and
// the three record beats' channels), whose memories are the Rust harness's (sim/src/axi_mem.rs).
// Stepped one clock cycle at a time. Wide values are 32-bit words, least significant first
// (Verilator's layout). The structs mirror sim/src/ffi.rs.
#include <cstdint>
#include "Vengine.h"
#include "unit.h"
#include "axi_port.h"

struct VeIn {
    uint8_t req_valid, v6, side, flags, bucket_bits;
    uint32_t ack, start, end, len, cap;
    uint64_t ts;
    uint32_t tuple[9];
    uint32_t key[12];
    VeAxiIn axi[4];
};

struct VeOut {
    uint8_t valid, kind, status, flags, reason, fe_valid, dir_refused, bad_update, mem_error;
    uint32_t skip, gap;
    uint64_t flow_id, offset;
    uint32_t fe[32];
    VeAxiOut axi[4];
};

struct EngineHarness : Unit<Vengine> {};

extern "C" {

EngineHarness* ve_new() {
    auto* h = new EngineHarness;
    reset(h->unit.get());
    return h;
}

void ve_free(EngineHarness* h) { delete h; }

// One clock cycle: `in` drives the inputs; `out` gets the outputs as they stand before the edge.
void ve_cycle(EngineHarness* h, const VeIn* in, VeOut* out) {
    Vengine* u = h->unit.get();
    u->req_valid = in->req_valid;
    u->req_v6 = in->v6;
    u->req_side = in->side;
    u->req_flags = in->flags;
    u->req_ack = in->ack;
    u->req_start = in->start;
    u->req_end = in->end;
    u->req_len = in->len;
    u->req_ts = in->ts;
    for (int i = 0; i < 9; i++) u->req_tuple[i] = in->tuple[i];
    for (int i = 0; i < 12; i++) u->session_key[i] = in->key[i];
    u->bucket_bits = in->bucket_bits;
    u->cap = in->cap;
    AXI_IN(u, dir, in->axi[0]);
    AXI_IN(u, r0, in->axi[1]);
    AXI_IN(u, r1, in->axi[2]);
    AXI_IN(u, r2, in->axi[3]);
    u->eval();
    out->valid = u->out_valid;
    out->kind = u->out_kind;
    out->status = u->out_status;
    out->flags = u->out_flags;
    out->reason = u->out_reason;
    out->fe_valid = u->fe_valid;
    out->dir_refused = u->dir_refused;
    out->bad_update = u->bad_update;
    out->mem_error = u->mem_error;
    out->skip = u->out_skip;
    out->gap = u->out_gap;
    out->flow_id = u->out_flow_id;
    out->offset = u->out_offset;
    for (int i = 0; i < 32; i++) out->fe[i] = u->fe_record[i];
    AXI_OUT(u, dir, out->axi[0]);
    AXI_OUT(u, r0, out->axi[1]);
    AXI_OUT(u, r1, out->axi[2]);
    AXI_OUT(u, r2, out->axi[3]);
    edge(u);
}

}
