// C ABI over the reasm stage's segment facts behind ingress and parse
// (vantage_reasm_facts_probe, emitted from hdl/src/reasm/facts.rs): AXI-Stream beats in, one
// frame's facts out a fixed number of cycles after its last beat. Stepped one clock cycle at a
// time; the ingress clock stands still (increment 0) and is loaded from `ts_set`. Wide values
// are 32-bit words, least significant first (Verilator's layout). The structs mirror
// sim/src/ffi.rs.
#include <cstdint>
#include "Vfacts.h"
#include "unit.h"

struct VfIn {
    uint8_t tvalid, tlast, tuser, ts_load;
    uint64_t tkeep, ts_set;
    uint32_t tdata[16];
};

struct VfOut {
    uint8_t valid, why, v6, side, flags, cut;
    uint32_t ack, start, end, len;
    uint64_t ts;
    uint32_t tuple[9];
};

struct FactsHarness : Unit<Vfacts> {};

extern "C" {

FactsHarness* vf_new() {
    auto* h = new FactsHarness;
    Vfacts* u = h->unit.get();
    u->ts_inc = 0;
    for (int i = 0; i < 10; i++) u->key[i] = 0;
    reset(u);
    return h;
}

void vf_free(FactsHarness* h) { delete h; }

// One clock cycle: `in` drives the inputs; `out` gets the outputs as they stand before the edge.
void vf_cycle(FactsHarness* h, const VfIn* in, VfOut* out) {
    Vfacts* u = h->unit.get();
    mac_beat_in(u, in);
    u->eval();
    out->valid = u->out_valid;
    out->why = u->out_why;
    out->v6 = u->out_v6;
    out->side = u->out_side;
    out->flags = u->out_flags;
    out->cut = u->out_cut;
    out->ack = u->out_ack;
    out->start = u->out_start;
    out->end = u->out_end;
    out->len = u->out_len;
    out->ts = u->out_ts;
    for (int i = 0; i < 9; i++) out->tuple[i] = u->out_tuple[i];
    edge(u);
}

}
