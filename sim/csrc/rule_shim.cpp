// C ABI over the Verilated direction rule of the reasm stage (vantage_reasm_rule, emitted by
// rust-hdl from hdl/src/reasm/rule.rs): combinational, so one evaluation per call. The structs
// mirror sim/src/ffi.rs.
#include <cstdint>
#include "Vrule.h"
#include "unit.h"

struct VrIn {
    uint32_t next_seq, acked, block_start, block_end, seg_start, seg_end, cap;
    uint8_t acked_valid, block_valid, data;
};

struct VrOut {
    uint8_t release_first, first_cap, action, release_after, gap_cap, hold_new;
};

struct RuleHarness : Unit<Vrule> {};

extern "C" {

RuleHarness* vr_new() { return new RuleHarness; }

void vr_free(RuleHarness* h) { delete h; }

void vr_eval(RuleHarness* h, const VrIn* in, VrOut* out) {
    Vrule* u = h->unit.get();
    u->next_seq = in->next_seq;
    u->acked_valid = in->acked_valid;
    u->acked = in->acked;
    u->block_valid = in->block_valid;
    u->block_start = in->block_start;
    u->block_end = in->block_end;
    u->seg_start = in->seg_start;
    u->seg_end = in->seg_end;
    u->data = in->data;
    u->cap = in->cap;
    u->eval();
    out->release_first = u->release_first;
    out->first_cap = u->first_cap;
    out->action = u->action;
    out->release_after = u->release_after;
    out->gap_cap = u->gap_cap;
    out->hold_new = u->hold_new;
}

}
