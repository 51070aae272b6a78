// C ABI over the Verilated connection table with its history unit (vantage_stats_conntable):
// a clocked module, stepped one clock cycle at a time. Wide values are 32-bit words, least
// significant first (Verilator's layout).
#include <cstdint>
#include "Vconns.h"
#include "unit.h"

struct ConnsHarness : Unit<Vconns> {};

static void cycle_edge(Vconns* u) {
    u->clock = 0;
    u->eval();
    u->clock = 1;
    u->eval();
    u->clock = 0;
    u->eval();
}

extern "C" {

ConnsHarness* vc_new(const uint32_t* hash_key) {
    auto* h = new ConnsHarness;
    Vconns* u = h->unit.get();
    for (int i = 0; i < 11; i++) u->hash_key[i] = hash_key[i];
    u->reset = 1;
    for (int i = 0; i < 4; i++) cycle_edge(u);
    u->reset = 0;
    u->eval();
    return h;
}

void vc_free(ConnsHarness* h) { delete h; }

// The request inputs for the next edge (valid 0: no frame ends).
void vc_request(ConnsHarness* h, uint8_t valid, uint8_t rule, uint64_t ts, uint16_t flags,
                uint8_t l3, uint16_t l4, uint16_t iplen, uint32_t flen, uint8_t proto,
                const uint32_t* src, const uint32_t* dst, uint16_t sport, uint16_t dport,
                uint8_t tfl, uint32_t seq, uint32_t ack, uint16_t win, uint8_t doff) {
    Vconns* u = h->unit.get();
    u->q_valid = valid;
    u->q_rule = rule;
    u->q_ts = ts;
    u->q_flags = flags;
    u->q_l3 = l3;
    u->q_l4 = l4;
    u->q_iplen = iplen;
    u->q_flen = flen;
    u->q_proto = proto;
    for (int i = 0; i < 4; i++) {
        u->q_src[i] = src[i];
        u->q_dst[i] = dst[i];
    }
    u->q_sport = sport;
    u->q_dport = dport;
    u->q_tfl = tfl;
    u->q_seq = seq;
    u->q_ack = ack;
    u->q_win = win;
    u->q_doff = doff;
}

// One clock cycle with these control inputs. When a record is queued it is taken (popped at the
// edge) and copied to `record` (32 words); returns 1 then, else 0.
uint8_t vc_cycle(ConnsHarness* h, uint64_t now, uint8_t flush, uint8_t enable, uint32_t* record) {
    Vconns* u = h->unit.get();
    u->now = now;
    u->flush = flush;
    u->enable = enable;
    u->eval();
    uint8_t take = u->c_count != 0;
    u->c_pop = take;
    u->eval();
    if (take)
        for (int i = 0; i < 32; i++) record[i] = u->c_data[i];
    cycle_edge(u);
    u->c_pop = 0;
    u->q_valid = 0;
    u->flush = 0;
    u->eval();
    return take;
}

uint8_t vc_ready(ConnsHarness* h) { return h->unit->ready; }
uint8_t vc_status(ConnsHarness* h) { return h->unit->status; }

void vc_counters(ConnsHarness* h, uint64_t* out) {
    for (int i = 0; i < 7; i++)
        out[i] = (uint64_t)h->unit->counters[2 * i] | ((uint64_t)h->unit->counters[2 * i + 1] << 32);
}

}
