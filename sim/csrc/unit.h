// What every shim over one Verilated unit shares: the unit with its own context (finished when
// the harness is deleted), one clock edge, and the reset a clocked unit leaves before its first
// step. A shim's harness is `struct XHarness : Unit<Vx> {};`, handed to Rust as an opaque pointer.
#pragma once
#include <memory>
#include "verilated.h"

template <class V>
struct Unit {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<V> unit;
    Unit() : ctx(std::make_unique<VerilatedContext>()), unit(std::make_unique<V>(ctx.get())) {}
    ~Unit() { unit->final(); }
};

// One clock cycle: a rising edge, then the falling one.
template <class V>
void edge(V* u) {
    u->clock = 1;
    u->eval();
    u->clock = 0;
    u->eval();
}

// Reset held for four edges, then released with the clock low.
template <class V>
void reset(V* u) {
    u->clock = 0;
    u->reset = 1;
    for (int i = 0; i < 4; i++) edge(u);
    u->reset = 0;
    u->eval();
}
