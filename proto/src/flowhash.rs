//! The keyed, direction-independent flow hash.
//!
//! A Toeplitz hash (the one NICs use for receive-side scaling) over the flow's two endpoints in a
//! canonical order, so both directions of a connection get the same value. The 320-bit key lives
//! in the parse block's HASH_KEY registers and should be a host secret (collision attacks).
//!
//! ```text
//!  hash input, 36 bytes (the RSS IPv6 layout):
//!  +------------------+------------------+---------+---------+
//!  | address A (16 B) | address B (16 B) | port A  | port B  |
//!  +------------------+------------------+---------+---------+
//!  (A, port A) is the smaller of the two endpoints compared as 144-bit big-endian numbers
//!  address || port. IPv4 addresses are zero-extended to 16 bytes (::a.b.c.d). Frames without
//!  ports (ICMP, fragments, other protocols) hash with both ports 0; non-IP frames get hash 0.
//! ```

/// Key length in bytes (as for RSS).
pub const KEY_BYTES: usize = 40;
/// Hash input length in bytes.
pub const INPUT_BYTES: usize = 36;
/// Number of 32-bit key registers.
pub const KEY_WORDS: usize = KEY_BYTES / 4;

/// The default key: the well-known RSS verification key. Not secret: set your own.
pub const DEFAULT_KEY: [u8; KEY_BYTES] = [
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
];

/// Toeplitz hash of `input` under `key`: for every set input bit i (most significant bit of byte
/// 0 first), XOR in the 32 key bits starting at key bit i. The key must be at least 32 bits
/// longer than the input (the flow hash's 40-byte key, or the stats stage's 44-byte key).
pub fn toeplitz(key: &[u8], input: &[u8]) -> u32 {
    assert!(
        input.len() * 8 + 32 <= key.len() * 8,
        "input longer than the key allows"
    );
    let mut hash = 0u32;
    for (i, byte) in input.iter().enumerate() {
        for b in 0..8 {
            if byte & (0x80 >> b) != 0 {
                hash ^= key_window(key, i * 8 + b);
            }
        }
    }
    hash
}

/// The 32 key bits starting at key bit `start` (bit 0 = most significant bit of key byte 0).
fn key_window(key: &[u8], start: usize) -> u32 {
    let first = start / 8;
    // Five bytes hold the 32 bits wherever they start within the first byte.
    let bits40 = (0..5).fold(0u64, |acc, k| {
        (acc << 8) | u64::from(key.get(first + k).copied().unwrap_or(0))
    });
    (bits40 >> (8 - start % 8)) as u32
}

/// The canonical hash input for two endpoints.
pub fn canonical_input(a: ([u8; 16], u16), b: ([u8; 16], u16)) -> [u8; INPUT_BYTES] {
    let (lo, hi) = if (a.0, a.1) <= (b.0, b.1) {
        (a, b)
    } else {
        (b, a)
    };
    let mut input = [0u8; INPUT_BYTES];
    input[0..16].copy_from_slice(&lo.0);
    input[16..32].copy_from_slice(&hi.0);
    input[32..34].copy_from_slice(&lo.1.to_be_bytes());
    input[34..36].copy_from_slice(&hi.1.to_be_bytes());
    input
}

/// The flow hash of a frame between two endpoints.
pub fn flow_hash(key: &[u8; KEY_BYTES], a: ([u8; 16], u16), b: ([u8; 16], u16)) -> u32 {
    toeplitz(key, &canonical_input(a, b))
}

/// An IPv4 address in the 16-byte form the hash uses.
pub fn ipv4_as_16(addr: [u8; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[12..].copy_from_slice(&addr);
    out
}

/// An address from the 16-byte form: IPv4 when `v6` is clear and the first 12 bytes are zero
/// (the inverse of [`ipv4_as_16`]), else IPv6.
pub fn ip_from_16(v6: bool, a: [u8; 16]) -> std::net::IpAddr {
    if !v6 && a[..12].iter().all(|b| *b == 0) {
        std::net::IpAddr::from([a[12], a[13], a[14], a[15]])
    } else {
        std::net::IpAddr::from(a)
    }
}

/// The key as the ten 32-bit register values (word 0 holds key bytes 0..4, big-endian).
pub fn key_words(key: &[u8; KEY_BYTES]) -> [u32; KEY_WORDS] {
    let mut w = [0u32; KEY_WORDS];
    for (i, chunk) in key.chunks(4).enumerate() {
        w[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    w
}

/// The key from the ten register values.
pub fn key_from_words(words: &[u32; KEY_WORDS]) -> [u8; KEY_BYTES] {
    let mut key = [0u8; KEY_BYTES];
    for (i, w) in words.iter().enumerate() {
        key[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published RSS verification values (Microsoft's "Verifying the RSS Hash Calculation"),
    // an outside oracle for the Toeplitz core: IPv4 with ports, src 66.9.149.187:2794,
    // dst 161.142.100.80:1766 -> 0x51ccc178 (IPv4 only 0x323e8fc2); src 199.92.111.2:14230,
    // dst 65.69.140.83:4739 -> 0xc626b0ea.
    #[test]
    fn toeplitz_matches_published_rss_vectors() {
        let ip_ports = [66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6];
        assert_eq!(toeplitz(&DEFAULT_KEY, &ip_ports), 0x51ccc178);
        assert_eq!(toeplitz(&DEFAULT_KEY, &ip_ports[..8]), 0x323e8fc2);
        let ip2 = [199, 92, 111, 2, 65, 69, 140, 83, 0x37, 0x96, 0x12, 0x83];
        assert_eq!(toeplitz(&DEFAULT_KEY, &ip2), 0xc626b0ea);
    }

    #[test]
    fn direction_independent() {
        let a = (ipv4_as_16([10, 0, 0, 1]), 1234);
        let b = (ipv4_as_16([10, 0, 0, 2]), 80);
        assert_eq!(flow_hash(&DEFAULT_KEY, a, b), flow_hash(&DEFAULT_KEY, b, a));
        assert_ne!(flow_hash(&DEFAULT_KEY, a, b), 0);
    }

    #[test]
    fn ip_from_16_inverts_ipv4_as_16() {
        let v4 = ipv4_as_16([192, 0, 2, 7]);
        assert_eq!(ip_from_16(false, v4).to_string(), "192.0.2.7");
        assert_eq!(ip_from_16(true, v4).to_string(), "::c000:207");
        let mut v6 = [0u8; 16];
        v6[0] = 0x20;
        assert_eq!(ip_from_16(false, v6).to_string(), "2000::");
    }

    #[test]
    fn key_words_roundtrip() {
        assert_eq!(key_from_words(&key_words(&DEFAULT_KEY)), DEFAULT_KEY);
        assert_eq!(key_words(&DEFAULT_KEY)[0], 0x6d5a56da);
    }
}
