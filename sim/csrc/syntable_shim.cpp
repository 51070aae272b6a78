// C ABI over the Verilated SYN table of the conn stage (vantage_conn_syntable): a clocked
// module, stepped one clock cycle at a time. Wide values are 32-bit words, least significant
// first (Verilator's layout). The structs mirror sim/src/syntable.rs.
#include <cstdint>
#include "Vsyn.h"
#include "unit.h"

struct VsIn {
    uint8_t valid, v6, holdable, plain, flush, room;
    uint16_t sport, dport;
    uint32_t hash, seq;
    uint32_t src[4], dst[4];
    uint64_t ts, now, timeout;
    uint8_t k_valid;
    uint16_t k_loc, k_retrans;
    uint64_t k_span;
};

struct VsOut {
    uint8_t r_valid, r_kind, g_valid, g_why, g_side, ready, flushing;
    uint16_t r_loc, g_loc, g_retrans;
    uint32_t g_isn, held;
    uint64_t g_ts, g_last;
    uint8_t k_take, k_lost;
};

struct SynHarness : Unit<Vsyn> {};

extern "C" {

SynHarness* vs_new() {
    auto* h = new SynHarness;
    reset(h->unit.get());
    return h;
}

void vs_free(SynHarness* h) { delete h; }

// One clock cycle: `in` drives the inputs; `out` gets the outputs as they stand before the
// edge (the operation in S3).
void vs_cycle(SynHarness* h, const VsIn* in, VsOut* out) {
    Vsyn* u = h->unit.get();
    u->p_valid = in->valid;
    u->p_v6 = in->v6;
    u->p_holdable = in->holdable;
    u->p_plain = in->plain;
    u->flush = in->flush;
    u->room = in->room;
    u->p_sport = in->sport;
    u->p_dport = in->dport;
    u->p_hash = in->hash;
    u->p_seq = in->seq;
    for (int i = 0; i < 4; i++) {
        u->p_src[i] = in->src[i];
        u->p_dst[i] = in->dst[i];
    }
    u->p_ts = in->ts;
    u->now = in->now;
    u->timeout = in->timeout;
    u->k_valid = in->k_valid;
    u->k_loc = in->k_loc;
    u->k_retrans = in->k_retrans;
    u->k_span = in->k_span;
    u->eval();
    out->r_valid = u->r_valid;
    out->r_kind = u->r_kind;
    out->r_loc = u->r_loc;
    out->g_valid = u->g_valid;
    out->g_why = u->g_why;
    out->g_loc = u->g_loc;
    out->g_side = u->g_side;
    out->g_isn = u->g_isn;
    out->g_ts = u->g_ts;
    out->g_last = u->g_last;
    out->g_retrans = u->g_retrans;
    out->held = u->held;
    out->ready = u->ready;
    out->flushing = u->flushing;
    out->k_take = u->k_take;
    out->k_lost = u->k_lost;
    edge(u);
}

}
