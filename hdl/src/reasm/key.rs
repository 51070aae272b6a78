//! A session's key for the directory: the way key and the two candidate buckets, from the frame's
//! canonical flow tuple (the parse stage's `hash_in`) under the session key register — the
//! device's `proto::reasm::directory::way_key` and `proto::reasm::session_buckets`.
//!
//! ```text
//!  tuple (288 bits, first byte most significant):
//!    bytes 0..16 low address | 16..32 high address | 32..34 low port | 34..36 high port
//!    (an IPv4 address is ::a.b.c.d: its four bytes end each 16-byte field)
//!  hash = Toeplitz(tuple) under the 48-byte key, 96 bits (widgets/toeplitz.v): h1 = hash[95:64]
//!    (key bytes 0..40), h2 = hash[31:0] (key bytes 8..48)
//!  way key (97 bits):  IPv4  0 | low addr | low port | high addr | high port
//!                      IPv6  1 | hash
//!  buckets:            h1 >> (32 - bucket_bits), h2 >> (32 - bucket_bits); 0 when bucket_bits is 0
//! ```

use crate::widgets::verilog_leaf;
use rust_hdl::prelude::*;
use vantage_proto::flowhash::INPUT_BYTES;
use vantage_proto::reasm::directory::KEY_BITS as WAY_KEY_BITS;
use vantage_proto::reasm::{DEFAULT_SESSION_BUCKET_BITS, SESSION_KEY_BYTES};

/// The Toeplitz leaf's module name (`widgets/toeplitz.v`).
pub const TOEPLITZ_MODULE: &str = "vantage_toeplitz";
/// The leaf's source.
pub const TOEPLITZ_SOURCE: &str = include_str!("../widgets/toeplitz.v");
/// Bits of the canonical flow tuple.
pub const TUPLE_BITS: usize = INPUT_BYTES * 8;
/// Bits of the session key register.
pub const SESSION_KEY_BITS: usize = SESSION_KEY_BYTES * 8;
/// Bits of the session hash: two 32-bit bucket hashes 64 bits apart and the 32 between them.
pub const HASH_BITS: usize = 96;
const _: () = assert!(SESSION_KEY_BITS >= TUPLE_BITS + HASH_BITS - 1);
/// Bits of a bucket index (the largest table the registers can ask for).
pub const BUCKET_BITS: usize = DEFAULT_SESSION_BUCKET_BITS as usize;
const _: () = assert!(WAY_KEY_BITS == HASH_BITS + 1);

/// The Toeplitz leaf with the session hash's widths.
#[derive(LogicBlock, Default)]
pub struct SessionHash {
    pub tuple: Signal<In, Bits<TUPLE_BITS>>,
    pub key: Signal<In, Bits<SESSION_KEY_BITS>>,
    pub hash: Signal<Out, Bits<HASH_BITS>>,
}

impl Logic for SessionHash {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.hash.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: verilog_leaf::instance(
                TOEPLITZ_MODULE,
                &[
                    ("INPUT_BITS", TUPLE_BITS as u64),
                    ("OUT_BITS", HASH_BITS as u64),
                    ("KEY_BITS", SESSION_KEY_BITS as u64),
                ],
                &[("tuple", "tuple"), ("key", "key"), ("hash", "hash")],
            ),
            cores: TOEPLITZ_SOURCE.to_string(),
        })
    }
}

#[derive(LogicBlock)]
pub struct SessionKey {
    /// The canonical flow tuple (`proto::flowhash::canonical_input`).
    pub tuple: Signal<In, Bits<TUPLE_BITS>>,
    /// The frame is IPv6.
    pub v6: Signal<In, Bit>,
    /// The session key register, first byte most significant.
    pub key: Signal<In, Bits<SESSION_KEY_BITS>>,
    /// log2 of the buckets per choice (0..=BUCKET_BITS; the register refuses more).
    pub bucket_bits: Signal<In, Bits<5>>,
    /// The key a directory way holds for the session.
    pub way_key: Signal<Out, Bits<WAY_KEY_BITS>>,
    /// The two candidate buckets.
    pub b1: Signal<Out, Bits<BUCKET_BITS>>,
    pub b2: Signal<Out, Bits<BUCKET_BITS>>,
    toeplitz: SessionHash,
    /// The way key's IPv6 bit, and the width of a bucket hash.
    k_v6: Constant<Bits<WAY_KEY_BITS>>,
    k_word: Constant<Bits<6>>,
    shift: Signal<Local, Bits<6>>,
    h1: Signal<Local, Bits<32>>,
    h2: Signal<Local, Bits<32>>,
}

impl Default for SessionKey {
    fn default() -> Self {
        SessionKey {
            tuple: Default::default(),
            v6: Default::default(),
            key: Default::default(),
            bucket_bits: Default::default(),
            way_key: Default::default(),
            b1: Default::default(),
            b2: Default::default(),
            toeplitz: Default::default(),
            k_v6: Constant::new(Bits::<WAY_KEY_BITS>::default().replace_bit(HASH_BITS, true)),
            k_word: Constant::new(32u64.to_bits()),
            shift: Default::default(),
            h1: Default::default(),
            h2: Default::default(),
        }
    }
}

impl Logic for SessionKey {
    #[hdl_gen]
    fn update(&mut self) {
        self.toeplitz.tuple.next = self.tuple.val();
        self.toeplitz.key.next = self.key.val();
        // IPv4: low address, low port, high address, high port (the tuple's bits 191:160,
        // 31:16, 63:32, 15:0).
        self.way_key.next = (bit_cast::<97, 32>(self.tuple.val().get_bits::<32>(160)) << 64)
            | (bit_cast::<97, 16>(self.tuple.val().get_bits::<16>(16)) << 48)
            | (bit_cast::<97, 32>(self.tuple.val().get_bits::<32>(32)) << 16)
            | bit_cast::<97, 16>(self.tuple.val().get_bits::<16>(0));
        if self.v6.val() {
            self.way_key.next = bit_cast::<97, 96>(self.toeplitz.hash.val()) | self.k_v6.val();
        }
        self.shift.next = self.k_word.val() - bit_cast::<6, 5>(self.bucket_bits.val());
        self.h1.next = self.toeplitz.hash.val().get_bits::<32>(64) >> self.shift.val();
        self.h2.next = self.toeplitz.hash.val().get_bits::<32>(0) >> self.shift.val();
        self.b1.next = self.h1.val().get_bits::<BUCKET_BITS>(0);
        self.b2.next = self.h2.val().get_bits::<BUCKET_BITS>(0);
        if self.bucket_bits.val() == 0 {
            self.b1.next = 0.into();
            self.b2.next = 0.into();
        }
    }
}

/// Module name of the unit emitted alone (its Verilator test and synthesis run).
pub const STANDALONE_MODULE: &str = "vantage_reasm_key";

/// The unit alone, module `STANDALONE_MODULE`.
pub fn standalone_verilog() -> String {
    let mut uut = SessionKey::default();
    uut.connect_all();
    verilog_leaf::standalone(STANDALONE_MODULE, &generate_verilog(&uut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::verilog_leaf::{lint_alone, lints_clean};

    /// Verilator elaborates the leaf with the session hash's widths, clean under -Wall, and its
    /// check refuses a key too short for them (skipped without Verilator).
    #[test]
    fn the_leaf_elaborates_and_checks_its_widths() {
        let params = [
            ("INPUT_BITS", TUPLE_BITS as u64),
            ("OUT_BITS", HASH_BITS as u64),
            ("KEY_BITS", SESSION_KEY_BITS as u64),
        ];
        if !lints_clean(TOEPLITZ_SOURCE, TOEPLITZ_MODULE, &params) {
            return;
        }
        let short = [
            ("INPUT_BITS", TUPLE_BITS as u64),
            ("OUT_BITS", HASH_BITS as u64),
            ("KEY_BITS", (TUPLE_BITS + HASH_BITS - 2) as u64),
        ];
        let out = lint_alone(TOEPLITZ_SOURCE, TOEPLITZ_MODULE, &short).expect("verilator");
        assert!(!out.status.success(), "a key one bit short elaborates");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot give"));
    }

    #[test]
    fn the_standalone_module_instantiates_the_file() {
        let v = standalone_verilog();
        assert!(v.contains(&format!("module {STANDALONE_MODULE}(")));
        assert!(v.contains(&format!("module {TOEPLITZ_MODULE} #(")));
        assert!(v.contains(&format!(".OUT_BITS({HASH_BITS})")));
    }
}
