//! A small simple-dual-port memory with synchronous write and asynchronous read, the shape of an
//! UltraScale+ distributed (LUT) RAM. For FIFOs a few dozen entries deep; deep tables belong in
//! block RAM with output registers instead.

use rust_hdl::prelude::*;
use std::collections::BTreeMap;

/// `D` is the entry type, `A` the address width in bits (depth `2^A`, at most 64 for LUT RAM).
#[derive(LogicBlock)]
pub struct LutRam<D: Synth, const A: usize> {
    /// Write clock.
    pub clock: Signal<In, Clock>,
    /// Write address.
    pub write_address: Signal<In, Bits<A>>,
    /// Entry written at the clock edge when `write_enable` is high.
    pub write_data: Signal<In, D>,
    /// Write strobe.
    pub write_enable: Signal<In, Bit>,
    /// Read address (combinational read).
    pub read_address: Signal<In, Bits<A>>,
    /// Entry at `read_address`.
    pub read_data: Signal<Out, D>,
    _mem: Box<BTreeMap<u64, D>>,
}

impl<D: Synth, const A: usize> Default for LutRam<D, A> {
    fn default() -> Self {
        const { assert!(A >= 1 && A <= 6, "LutRam depth must be 2..=64 entries") };
        Self {
            clock: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            _mem: Box::new(BTreeMap::new()),
        }
    }
}

impl<D: Synth, const A: usize> Logic for LutRam<D, A> {
    fn update(&mut self) {
        if self.clock.pos_edge() && self.write_enable.val() {
            self._mem
                .insert(self.write_address.val().to_u64(), self.write_data.val());
        }
        self.read_data.next = self
            ._mem
            .get(&self.read_address.val().to_u64())
            .copied()
            .unwrap_or_default();
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "(* ram_style = \"distributed\" *) reg [{w}:0] storage [0:{d}];\n\
             always @(posedge clock) if (write_enable) storage[write_address] <= write_data;\n\
             always @(*) read_data = storage[read_address];\n",
            w = D::BITS - 1,
            d = (1usize << A) - 1
        ))
    }
}
