//! Number of set bits of a 64-bit `tkeep`: the bytes a beat carries.

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct Popcount64 {
    /// The vector to count.
    pub a: Signal<In, Bits<64>>,
    /// Number of ones in `a` (0..=64).
    pub count: Signal<Out, Bits<7>>,
}

impl Logic for Popcount64 {
    fn update(&mut self) {
        let a: u64 = self.a.val().to_u64();
        self.count.next = (a.count_ones() as u64).to_bits();
    }

    fn connect(&mut self) {
        self.count.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "integer i;\nalways @(*) begin\n  count = 7'd0;\n  for (i = 0; i < 64; i = i + 1)\n    count = count + {6'd0, a[i]};\nend\n"
                .into(),
        )
    }
}
