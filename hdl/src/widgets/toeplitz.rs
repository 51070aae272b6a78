//! The Toeplitz hash of `proto::flowhash`, as an AND/XOR network: output bit `j` (counting from
//! the most significant) is the parity of the input ANDed with the key window that starts at key
//! bit `j`. One XOR tree of `INPUT_BITS` terms per output bit; the key is a register value, not a
//! constant, so nothing folds away.
//!
//! ```text
//!   input  [INPUT_BITS-1:0]   bit INPUT_BITS-1 = first input bit (MSB of byte 0)
//!   key    [KEY_BITS-1:0]     bit KEY_BITS-1   = first key bit
//!   hash[31-j] = ^( input & key[KEY_BITS-1-j -: INPUT_BITS] )
//! ```

use rust_hdl::prelude::*;
use std::fmt::Write;
use vantage_proto::flowhash::{self, INPUT_BYTES, KEY_BYTES};

/// Input width in bits (the canonical 36-byte flow tuple).
pub const INPUT_BITS: usize = INPUT_BYTES * 8;
/// Key width in bits.
pub const KEY_BITS: usize = KEY_BYTES * 8;
const _: () = assert!(
    INPUT_BITS + 32 <= KEY_BITS,
    "Toeplitz needs 32 key bits beyond the input"
);

#[derive(LogicBlock, Default)]
pub struct Toeplitz {
    /// Hash input, first byte most significant.
    pub tuple: Signal<In, Bits<INPUT_BITS>>,
    /// Key, first byte most significant.
    pub key: Signal<In, Bits<KEY_BITS>>,
    /// The hash.
    pub hash: Signal<Out, Bits<32>>,
}

/// The same hash as a Verilog function `name(key)` for the leaves written as Verilog: it gives the
/// top `bits` bits of the hash of a 320-bit key (a flow key of the stats stage) under the
/// module's `key_reg` of `key_bits` bits (as `proto::flowhash::toeplitz`): output bit `bits-1-j`
/// is the parity of the key under the key window that starts at key bit `j`.
pub fn verilog_function(name: &str, bits: usize, key_reg: &str, key_bits: usize) -> String {
    const FN_INPUT_BITS: usize = 320;
    assert!(
        bits <= 32 && FN_INPUT_BITS + bits <= key_bits,
        "{name}: {bits} hash bits need {} key bits, {key_reg} has {key_bits}",
        FN_INPUT_BITS + bits
    );
    let mut s = String::new();
    let _ = writeln!(
        s,
        "function [{}:0] {name}(input [{}:0] key);\n  begin",
        bits - 1,
        FN_INPUT_BITS - 1
    );
    for j in 0..bits {
        let _ = writeln!(
            s,
            "    {name}[{}] = ^(key & {key_reg}[{} -: {FN_INPUT_BITS}]);",
            bits - 1 - j,
            key_bits - 1 - j
        );
    }
    s += "  end\nendfunction\n";
    s
}

fn to_bytes<const N: usize>(v: Bits<N>) -> Vec<u8> {
    (0..N / 8)
        .rev()
        .map(|i| v.get_bits::<8>(8 * i).to_u64() as u8)
        .collect()
}

impl Logic for Toeplitz {
    fn update(&mut self) {
        let mut key = [0u8; KEY_BYTES];
        key.copy_from_slice(&to_bytes(self.key.val()));
        let h = flowhash::toeplitz(&key, &to_bytes(self.tuple.val()));
        self.hash.next = (h as u64).to_bits();
    }

    fn connect(&mut self) {
        self.hash.connect();
    }

    fn hdl(&self) -> Verilog {
        let mut body = String::from("always @(*) begin\n");
        for j in 0..32 {
            body += &format!(
                "  hash[{bit}] = ^(tuple & key[{top} -: {w}]);\n",
                bit = 31 - j,
                top = KEY_BITS - 1 - j,
                w = INPUT_BITS
            );
        }
        body += "end\n";
        Verilog::Custom(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_side_matches_proto() {
        let mut input = Bits::<INPUT_BITS>::default();
        for (i, b) in [66u8, 9, 149, 187].iter().enumerate() {
            input = input
                | (bit_cast::<INPUT_BITS, 8>((*b as u64).to_bits())
                    << ((INPUT_BITS - 8 - 8 * i) as u64));
        }
        let mut key = Bits::<KEY_BITS>::default();
        for (i, b) in flowhash::DEFAULT_KEY.iter().enumerate() {
            key = key
                | (bit_cast::<KEY_BITS, 8>((*b as u64).to_bits())
                    << ((KEY_BITS - 8 - 8 * i) as u64));
        }
        let mut bytes = [0u8; INPUT_BYTES];
        bytes[..4].copy_from_slice(&[66, 9, 149, 187]);
        let expected = flowhash::toeplitz(&flowhash::DEFAULT_KEY, &bytes) as u64;
        assert_ne!(expected, 0);
        let mut sim: Simulation<Toeplitz> = Simulation::default();
        sim.add_testbench(move |mut ep: Sim<Toeplitz>| {
            let mut x = ep.init()?;
            x.tuple.next = input;
            x.key.next = key;
            x = ep.wait(1, x)?;
            sim_assert_eq!(ep, x.hash.val(), expected, x);
            ep.done(x)
        });
        let mut uut = Toeplitz::default();
        uut.connect_all();
        sim.run(Box::new(uut), 10).unwrap();
    }
}
