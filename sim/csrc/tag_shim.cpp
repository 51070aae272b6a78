// C ABI over the tag stage behind ingress and parse (vantage_tag_probe, emitted from
// hdl/src/tag/probe_unit.rs): AXI-Stream beats in, the tagged beats out. Stepped one clock cycle
// at a time; the ingress clock stands still (increment 0) and is loaded from `ts_set`. Wide
// values are 32-bit words, least significant first (Verilator's layout). The structs mirror
// sim/src/ffi.rs.
#include <cstdint>
#include "Vtagp.h"
#include "unit.h"

struct VtgIn {
    uint8_t tvalid, tlast, tuser, ts_load, enable;
    uint16_t ethertype;
    uint64_t tkeep, ts_set;
    uint32_t tdata[16];
};

struct VtgOut {
    uint8_t valid, last, user;
    uint64_t keep;
    uint32_t data[16];
    uint32_t counters[10];
};

struct TagHarness : Unit<Vtagp> {};

extern "C" {

// `key`: the parse stage's flow hash key, 10 words (key byte 0 in the top bits of word 9).
TagHarness* vtg_new(const uint32_t* key) {
    auto* h = new TagHarness;
    Vtagp* u = h->unit.get();
    u->ts_inc = 0;
    for (int i = 0; i < 10; i++) u->key[i] = key[i];
    reset(u);
    return h;
}

void vtg_free(TagHarness* h) { delete h; }

// One clock cycle: `in` drives the inputs; `out` gets the outputs as they stand before the edge.
void vtg_cycle(TagHarness* h, const VtgIn* in, VtgOut* out) {
    Vtagp* u = h->unit.get();
    mac_beat_in(u, in);
    u->enable = in->enable;
    u->ethertype = in->ethertype;
    u->eval();
    out->valid = u->m_tvalid;
    out->last = u->m_tlast;
    out->user = u->m_tuser;
    out->keep = u->m_tkeep;
    for (int i = 0; i < 16; i++) out->data[i] = u->m_tdata[i];
    for (int i = 0; i < 10; i++) out->counters[i] = u->counter_words[i];
    edge(u);
}

}
