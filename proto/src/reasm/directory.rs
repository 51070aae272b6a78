//! The session directory of the reasm stage in external memory: which bucket line holds a
//! session, how a way names its session, and the timing the device's memory must meet.
//!
//! ```text
//!  bucket line b (64 bytes, one AXI beat) at byte address BASE + 64*b:
//!   bytes  0..16  way 0     bytes 16..32  way 1     bytes 32..48  way 2     bytes 48..64  way 3
//!  a way (128 bits, little-endian like the AXI beat: bit 0 = bit 0 of its first byte):
//!   bit 127     valid
//!   bits 126:97 zero
//!   bits 96:0   way key (`way_key`):
//!                 bit 96 = IPv6
//!                 IPv4: bits 95:48 = low endpoint (address 32 | port 16), 47:0 = high endpoint
//!                 IPv6: bits 95:0 = the 96-bit session hash (bits 95:64 choose bucket 1,
//!                       bits 31:0 bucket 2), the full key is compared in the session's record
//! ```
//! A session lives in one of its two candidate buckets (`session_buckets`), the emptier one when
//! it opened, the first on a tie. One line per bucket is one beat, so a lookup reads two beats;
//! an opened or removed session writes its line back.

use super::SESSION_WAYS;
use crate::conn::SynKey;
use crate::flowhash::{canonical_input, toeplitz};

/// Bytes of one bucket line: the AXI data width of the memory port.
pub const LINE_BYTES: usize = 64;
/// Bits of one way in a line.
pub const WAY_BITS: usize = 128;
/// Bits of a way key (`way_key`).
pub const KEY_BITS: usize = 97;
const _: () = assert!(SESSION_WAYS * WAY_BITS == LINE_BYTES * 8);
const _: () = assert!(KEY_BITS < WAY_BITS);

/// Datapath cycles from a lookup to its answer: the frames wait this long in the stage's delay
/// line. 128 cycles = 397 ns at 322 MHz, above DDR4's and HBM's loaded read latency.
pub const LOOKUP_CYCLES: u32 = 128;
/// Datapath cycles a bucket-line write may take from its issue to its write response; a line
/// stays in the on-chip forwarding table `LOOKUP_CYCLES + WRITE_CYCLES` cycles after it changed,
/// so every lookup that may have read the old line from memory sees the new one.
pub const WRITE_CYCLES: u32 = 128;
/// Lookups in flight at most (one every two cycles for `LOOKUP_CYCLES`, with margin).
pub const LOOKUPS_IN_FLIGHT: u32 = 128;
/// Entries of the forwarding table: one per changed line in its window (changes are at least two
/// cycles apart).
pub const FORWARD_ENTRIES: u32 = (LOOKUP_CYCLES + WRITE_CYCLES) / 2;
/// Cycles between two lookups at least: a tagged TCP frame is at least two beats.
pub const LOOKUP_SPACING: u32 = 2;

/// The 96-bit session hash: output bits 0..96 of the Toeplitz hash under the 48-byte session
/// key, first output bit most significant. Its top and bottom 32 bits are the two bucket
/// hashes of `session_buckets`.
pub fn session_hash96(key: &[u8; super::SESSION_KEY_BYTES], k: &SynKey) -> u128 {
    let input = canonical_input(k.low, k.high);
    let h1 = toeplitz(&key[..40], &input);
    let mid = toeplitz(&key[4..44], &input);
    let h2 = toeplitz(&key[8..48], &input);
    (u128::from(h1) << 64) | (u128::from(mid) << 32) | u128::from(h2)
}

/// The key a way holds for a session (the diagram's bits 96:0).
pub fn way_key(key: &[u8; super::SESSION_KEY_BYTES], k: &SynKey) -> u128 {
    if k.v6 {
        (1u128 << 96) | session_hash96(key, k)
    } else {
        let ep = |e: &([u8; 16], u16)| {
            let a = u32::from_be_bytes([e.0[12], e.0[13], e.0[14], e.0[15]]);
            (u64::from(a) << 16) | u64::from(e.1)
        };
        (u128::from(ep(&k.low)) << 48) | u128::from(ep(&k.high))
    }
}

/// Byte address of bucket `b`'s line from the region's base.
pub fn line_address(base: u64, bucket: usize) -> u64 {
    base + (bucket as u64) * LINE_BYTES as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowhash::ipv4_as_16;
    use crate::reasm::{session_buckets, DEFAULT_SESSION_KEY};

    fn v4(a: [u8; 4], pa: u16, b: [u8; 4], pb: u16) -> SynKey {
        SynKey::of(false, (ipv4_as_16(a), pa), (ipv4_as_16(b), pb)).0
    }

    #[test]
    fn an_ipv4_way_key_is_the_endpoints() {
        let k = v4([10, 0, 0, 1], 1234, [192, 168, 1, 2], 80);
        assert_eq!(
            way_key(&DEFAULT_SESSION_KEY, &k),
            0x0a00_0001_04d2_c0a8_0102_0050u128
        );
    }

    #[test]
    fn the_hash_carries_both_bucket_hashes() {
        let mut a = [0u8; 16];
        a[0] = 0x20;
        a[15] = 1;
        let mut b = a;
        b[15] = 2;
        let k = SynKey::of(true, (a, 443), (b, 50000)).0;
        let h = session_hash96(&DEFAULT_SESSION_KEY, &k);
        let [b1, b2] = session_buckets(&DEFAULT_SESSION_KEY, &k, 18);
        assert_eq!((h >> (96 - 18)) as usize, b1);
        assert_eq!(((h >> (32 - 18)) & ((1 << 18) - 1)) as usize, b2);
        assert_eq!(way_key(&DEFAULT_SESSION_KEY, &k) >> 96, 1);
    }

    #[test]
    fn lines_are_consecutive_beats() {
        assert_eq!(line_address(0x1000, 3), 0x1000 + 192);
    }
}
