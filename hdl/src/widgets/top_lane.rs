//! Index of the highest set bit of a 64-bit `tkeep`, plus one (0 when no bit is set): the length
//! in lanes of a frame's last beat. Built as a two-level tree (highest bit within each byte, then
//! the highest non-empty byte) rather than a 64-step priority chain, for logic depth.

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct TopLane {
    /// The vector.
    pub a: Signal<In, Bits<64>>,
    /// Highest set bit index + 1, 0..=64.
    pub y: Signal<Out, Bits<7>>,
}

impl Logic for TopLane {
    fn update(&mut self) {
        let a = self.a.val().to_u64();
        self.y.next = (u64::from(64 - a.leading_zeros())).to_bits();
    }

    fn connect(&mut self) {
        self.y.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "reg [7:0] any;\nreg [2:0] top_bit [0:7];\ninteger b, i;\n\
             always @(*) begin\n\
             \x20 for (b = 0; b < 8; b = b + 1) begin\n\
             \x20   any[b] = |a[8*b +: 8];\n\
             \x20   top_bit[b] = 3'd0;\n\
             \x20   for (i = 0; i < 8; i = i + 1) if (a[8*b + i]) top_bit[b] = i[2:0];\n\
             \x20 end\n\
             \x20 y = 7'd0;\n\
             \x20 for (b = 0; b < 8; b = b + 1) if (any[b]) y = {1'b0, b[2:0], top_bit[b]} + 7'd1;\n\
             end\n"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_lane_plus_one() {
        for (a, want) in [
            (0u64, 0u64),
            (1, 1),
            (0xFF, 8),
            (0x8000_0000_0000_0000, 64),
            (0x0F0F, 12),
            (u64::MAX, 64),
        ] {
            let mut sim: Simulation<TopLane> = Simulation::default();
            sim.add_testbench(move |mut ep: Sim<TopLane>| {
                let mut x = ep.init()?;
                x.a.next = a.to_bits();
                x = ep.wait(1, x)?;
                sim_assert_eq!(ep, x.y.val(), want, x);
                ep.done(x)
            });
            let mut uut = TopLane::default();
            uut.connect_all();
            sim.run(Box::new(uut), 10).unwrap();
        }
    }
}
