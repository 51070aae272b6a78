// C ABI over the Verilated history unit (vantage_stats_hist), a pipeline without valid bits:
// set the inputs, hold them for HIST_REGS clock edges (hdl::stats::hist::HIST_REGS, defined by
// build.rs), read the outputs. The state vector is passed as 32-bit words, least
// significant first (Verilator's layout).
#include <cstdint>
#include "Vhist.h"
#include "unit.h"

struct HistHarness : Unit<Vhist> {};

extern "C" {

HistHarness* vh_new() { return new HistHarness; }

void vh_free(HistHarness* h) { delete h; }

uint8_t vh_step(HistHarness* h, const uint32_t* s_in, uint8_t fresh, uint8_t side, uint64_t ts,
                uint8_t tcp, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                uint32_t plen, uint32_t iplen, uint8_t port_bits, uint32_t* s_out) {
    Vhist* u = h->unit.get();
    const int words = sizeof(u->s_in) / 4;
    for (int i = 0; i < words; i++) u->s_in[i] = s_in[i];
    u->fresh = fresh;
    u->side = side;
    u->ts = ts;
    u->tcp = tcp;
    u->flags = flags;
    u->seq = seq;
    u->ack = ack;
    u->win = win;
    u->plen = plen;
    u->iplen = iplen;
    u->srv_src = port_bits & 1;
    u->srv_dst = (port_bits >> 1) & 1;
    u->sport_lt = (port_bits >> 2) & 1;
    u->dst_bcast = (port_bits >> 3) & 1;
    u->eval();
    for (int e = 0; e < HIST_REGS; e++) edge(u);
    for (int i = 0; i < words; i++) s_out[i] = u->s_out[i];
    return u->ended;
}

uint32_t vh_words(HistHarness* h) { return sizeof(h->unit->s_in) / 4; }

}
