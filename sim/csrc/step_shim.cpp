// C ABI over the Verilated session step of the reasm stage (vantage_reasm_step, emitted by
// rust-hdl from hdl/src/reasm/step.rs): combinational, so one evaluation per call. Inputs and
// outputs are arrays in the order of the unit's port lists (step_ports.h, written by build.rs).
#include <cstdint>
#include "Vstep.h"
#include "step_ports.h"
#include "unit.h"

struct StepHarness : Unit<Vstep> {};

extern "C" {

StepHarness* vstep_new() { return new StepHarness; }

void vstep_free(StepHarness* h) { delete h; }

uint32_t vstep_inputs() { return STEP_INPUTS; }

uint32_t vstep_outputs() { return STEP_OUTPUTS; }

void vstep_eval(StepHarness* h, const uint64_t* in, uint64_t* out) {
    Vstep* u = h->unit.get();
    STEP_SET(u, in);
    u->eval();
    STEP_GET(u, out);
}

}
