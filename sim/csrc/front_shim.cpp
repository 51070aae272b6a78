// C ABI over the reasm stage's frames' side behind ingress and parse
// (vantage_reasm_front_probe, emitted from hdl/src/reasm/front.rs). The session engine is the
// harness's own model (engine_shim.cpp): each cycle the harness reads the probe's request
// (`vfr_peek`: registered outputs, no clock edge), steps the engine with it, then clocks the
// probe with the engine's answer (`vfr_cycle`). The ingress clock stands still (increment 0)
// and is loaded from `ts_set`. Wide values are 32-bit words, least significant first. The
// structs mirror sim/src/ffi.rs.
#include <cstdint>
#include "Vfront.h"
#include "unit.h"

struct VfrIn {
    uint8_t tvalid, tlast, tuser, ts_load;
    uint8_t ans_valid, ans_kind, ans_status, ans_flags, ans_reason, ask;
    uint32_t ans_skip, ans_gap;
    uint64_t tkeep, ts_set, ans_flow_id, ans_offset;
    uint32_t tdata[16];
};

struct VfrOut {
    uint8_t req_valid, req_v6, req_side, req_flags;
    uint32_t req_ack, req_start, req_end, req_len;
    uint64_t req_ts;
    uint32_t req_tuple[9];
    uint8_t out_valid, out_sof, out_last, kind, why, status, flags, reason;
    uint32_t skip, gap;
    uint64_t keep, flow_id, offset;
    uint32_t data[16];
    uint32_t counters[28];
};

struct FrontHarness : Unit<Vfront> {};

extern "C" {

FrontHarness* vfr_new() {
    auto* h = new FrontHarness;
    Vfront* u = h->unit.get();
    u->ts_inc = 0;
    for (int i = 0; i < 10; i++) u->key[i] = 0;
    reset(u);
    return h;
}

void vfr_free(FrontHarness* h) { delete h; }

// The outputs as they stand (every one a register or a ring's registered read).
void vfr_peek(FrontHarness* h, VfrOut* out) {
    Vfront* u = h->unit.get();
    u->eval();
    out->req_valid = u->req_valid;
    out->req_v6 = u->req_v6;
    out->req_side = u->req_side;
    out->req_flags = u->req_flags;
    out->req_ack = u->req_ack;
    out->req_start = u->req_start;
    out->req_end = u->req_end;
    out->req_len = u->req_len;
    out->req_ts = u->req_ts;
    for (int i = 0; i < 9; i++) out->req_tuple[i] = u->req_tuple[i];
    out->out_valid = u->out_valid;
    out->out_sof = u->out_sof;
    out->out_last = u->out_last;
    out->kind = u->out_kind;
    out->why = u->out_why;
    out->status = u->out_status;
    out->flags = u->out_flags;
    out->reason = u->out_reason;
    out->skip = u->out_skip;
    out->gap = u->out_gap;
    out->keep = u->out_keep;
    out->flow_id = u->out_flow_id;
    out->offset = u->out_offset;
    for (int i = 0; i < 16; i++) out->data[i] = u->out_data[i];
    for (int i = 0; i < 28; i++) out->counters[i] = u->counter_words[i];
}

// One clock cycle with these inputs.
void vfr_cycle(FrontHarness* h, const VfrIn* in) {
    Vfront* u = h->unit.get();
    mac_beat_in(u, in);
    u->ans_valid = in->ans_valid;
    u->ans_kind = in->ans_kind;
    u->ans_flow_id = in->ans_flow_id;
    u->ans_status = in->ans_status;
    u->ans_offset = in->ans_offset;
    u->ans_skip = in->ans_skip;
    u->ans_gap = in->ans_gap;
    u->ans_flags = in->ans_flags;
    u->ans_reason = in->ans_reason;
    u->ask = in->ask;
    edge(u);
}

}
