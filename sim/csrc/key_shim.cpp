// C ABI over the Verilated session key unit of the reasm stage (vantage_reasm_key, emitted from
// hdl/src/reasm/key.rs around hdl/src/widgets/toeplitz.v): combinational, so one evaluation per
// call. Wide values travel as 32-bit words, word 0 the least significant (Verilator's order).
#include <cstdint>
#include "Vkey.h"
#include "unit.h"

struct KeyHarness : Unit<Vkey> {};

extern "C" {

KeyHarness* vk_new() { return new KeyHarness; }

void vk_free(KeyHarness* h) { delete h; }

// tuple: 9 words (288 bits), key: 12 words (384 bits); way_key: 4 words (97 bits).
void vk_eval(KeyHarness* h, const uint32_t* tuple, const uint32_t* key, uint8_t v6,
             uint8_t bucket_bits, uint32_t* way_key, uint32_t* b1, uint32_t* b2) {
    Vkey* u = h->unit.get();
    for (int k = 0; k < 9; k++) u->tuple[k] = tuple[k];
    for (int k = 0; k < 12; k++) u->key[k] = key[k];
    u->v6 = v6;
    u->bucket_bits = bucket_bits;
    u->eval();
    for (int k = 0; k < 4; k++) way_key[k] = u->way_key[k];
    *b1 = u->b1;
    *b2 = u->b2;
}

}
