//! Reverse the byte order of a vector: AXI-Stream lane order (byte 0 in bits 7:0) to network
//! order (byte 0 most significant) and back. Pure wiring.
//!
//! ```text
//!   a:  [ byte B-1 | ... | byte 1 | byte 0 ]   (byte 0 in bits 7:0)
//!   y:  [ byte 0   | ... | byte B-2 | byte B-1 ]
//! ```

use rust_hdl::prelude::*;

/// `N` is the width in bits; it must be a multiple of 8 (checked at elaboration).
#[derive(LogicBlock)]
pub struct ByteReverse<const N: usize> {
    /// Input vector.
    pub a: Signal<In, Bits<N>>,
    /// `a` with its bytes in reverse order.
    pub y: Signal<Out, Bits<N>>,
}

impl<const N: usize> Default for ByteReverse<N> {
    fn default() -> Self {
        const {
            assert!(
                N % 8 == 0 && N > 0,
                "ByteReverse width must be a whole number of bytes"
            )
        };
        Self {
            a: Default::default(),
            y: Default::default(),
        }
    }
}

impl<const N: usize> Logic for ByteReverse<N> {
    fn update(&mut self) {
        let a = self.a.val();
        let mut y = Bits::<N>::default();
        for i in 0..N / 8 {
            let byte: Bits<N> = bit_cast::<N, 8>(a.get_bits::<8>(8 * i));
            y = y | (byte << ((N - 8 - 8 * i) as u64));
        }
        self.y.next = y;
    }

    fn connect(&mut self) {
        self.y.connect();
    }

    fn hdl(&self) -> Verilog {
        let bytes = N / 8;
        Verilog::Custom(format!(
            "integer i;\nalways @(*) begin\n  for (i = 0; i < {bytes}; i = i + 1)\n    y[8*i +: 8] = a[8*({last} - i) +: 8];\nend\n",
            last = bytes - 1
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverses_bytes() {
        let mut sim: Simulation<ByteReverse<32>> = Simulation::default();
        sim.add_testbench(|mut ep: Sim<ByteReverse<32>>| {
            let mut x = ep.init()?;
            x.a.next = 0x11223344u64.to_bits();
            x = ep.wait(1, x)?;
            sim_assert_eq!(ep, x.y.val(), 0x44332211u64, x);
            ep.done(x)
        });
        let mut uut = ByteReverse::<32>::default();
        uut.connect_all();
        sim.run(Box::new(uut), 10).unwrap();
    }
}
