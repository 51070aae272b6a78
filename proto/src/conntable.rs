//! The connection table of the stats stage's history rule: its geometry, the connection key both
//! directions share, and the connection record the stage sends when a connection ends. The
//! history unit's state (`crate::hist`) is what a table entry holds beside its key.
//!
//! ```text
//!  connection key: a 40-byte stats::GroupKey in canonical order
//!   rule = the history rule's index, v6, proto; ingress port and flags 0;
//!   (src, sport) = the endpoint whose (address, port) sorts first, (dst, dport) = the other
//!   (IPv4 zero-extended, as everywhere in the stats stage), so both directions give one key.
//!
//!  bucket = Toeplitz(STATS_KEY, key) >> (32 - CONN_BUCKET_BITS); CONN_WAYS entries per bucket,
//!  full keys compared, so two connections are never merged.
//!
//!  entry: | valid | key (320 bits) | history state (hist::STATE_BITS) |
//!
//!  connection record (CONN_RECORD_BYTES = 128, big-endian):
//!    0  key (40 bytes), oriented: (src, sport) = originator, (dst, dport) = responder
//!   40  u64 first frame, ns (Zeek's ts)
//!   48  u64 last frame, ns (ts + duration)
//!   56  u8  flags: bit 0 = the history overflowed HIST_LETTERS letters (shown with a '+')
//!   57  u8  letters in the history (0..=HIST_LETTERS)
//!   58  6 bytes zero
//!   64  history, HIST_LETTERS ASCII bytes, NUL-padded (Zeek's letters, '^' for a flip)
//!   80  u64 originator packets      88  u64 originator IP bytes
//!   96  u64 responder packets      104  u64 responder IP bytes
//!  112  16 bytes zero
//! ```
//! A connection ends when a frame finds it over (Zeek's timers, or a SYN that reuses the
//! 4-tuple), when its way is taken by a new connection after its timers ran out, or when the
//! table is flushed; docs/zeek-history.md ("In the datapath") states the rules.

use crate::flowhash::toeplitz;
use crate::hist::HIST_LETTERS;
use crate::stats::{GroupKey, HASH_KEY_BYTES, KEY_BYTES};

/// Bucket index width of the connection table.
pub const CONN_BUCKET_BITS: usize = 14;
/// Entries per bucket.
pub const CONN_WAYS: usize = 4;
/// Connections the table holds.
pub const CONNS: usize = (1 << CONN_BUCKET_BITS) * CONN_WAYS;
/// Bytes of one connection record.
pub const CONN_RECORD_BYTES: usize = 128;
/// Frames of the history rule waiting to step the table. A frame that finds it full is
/// dropped (counted, not stepped).
pub const CONN_QUEUE: usize = 16;
/// Cycles from one step of a bucket to the next (read, compare, choose, the history unit's
/// stages, write): a frame waits in the queue while its bucket is this close behind.
pub const CONN_OP_CYCLES: usize = 10;
/// The background sweep reports connections dead this long before the timestamp counter's
/// time, so every frame still on its way to the table is later than the sweep's time.
pub const SWEEP_LAG_NS: u64 = 1_000_000;
/// Most connection records in one report frame (a frame is at most 1 + 16 beats, as an epoch
/// report's).
pub const MAX_CONN_RECORDS: usize = 8;
const _: () = assert!(CONN_BUCKET_BITS <= 32 && HIST_LETTERS == 16 && KEY_BYTES == 40);
const _: () = assert!(MAX_CONN_RECORDS * CONN_RECORD_BYTES == 16 * 64);

/// One side of a connection: address (IPv4 zero-extended) and port.
pub type Endpoint = ([u8; 16], u16);

/// The key both directions of a connection share, and which endpoint the frame's sender is
/// (0: its (address, port) sorts first).
pub fn canonical_key(
    rule: u8,
    proto: u8,
    v6: bool,
    src: Endpoint,
    dst: Endpoint,
) -> (GroupKey, u8) {
    let ((a, b), side) = if src <= dst {
        ((src, dst), 0)
    } else {
        ((dst, src), 1)
    };
    let key = GroupKey {
        rule,
        v6,
        src: a.0,
        sport: a.1,
        dst: b.0,
        dport: b.1,
        proto,
        ..Default::default()
    };
    (key, side)
}

/// The bucket of a connection key.
pub fn conn_bucket(hash_key: &[u8; HASH_KEY_BYTES], key: &GroupKey) -> usize {
    (toeplitz(hash_key, &key.to_bytes()) >> (32 - CONN_BUCKET_BITS)) as usize
}

/// What the stage reports of one ended connection (Zeek's conn.log columns it can know).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnRecord {
    /// Oriented: source = originator.
    pub key: GroupKey,
    pub start_ns: u64,
    pub last_ns: u64,
    /// Zeek's history letters (at most `HIST_LETTERS`).
    pub history: String,
    /// More letters than fit.
    pub overflow: bool,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
}

impl ConnRecord {
    /// The record's bytes (see the diagram). Letters past `HIST_LETTERS` are cut.
    pub fn to_bytes(&self) -> [u8; CONN_RECORD_BYTES] {
        let mut b = [0u8; CONN_RECORD_BYTES];
        b[..KEY_BYTES].copy_from_slice(&self.key.to_bytes());
        b[40..48].copy_from_slice(&self.start_ns.to_be_bytes());
        b[48..56].copy_from_slice(&self.last_ns.to_be_bytes());
        b[56] = u8::from(self.overflow);
        let letters = &self.history.as_bytes()[..self.history.len().min(HIST_LETTERS)];
        b[57] = letters.len() as u8;
        b[64..64 + letters.len()].copy_from_slice(letters);
        for (i, n) in [
            self.orig_pkts,
            self.orig_ip_bytes,
            self.resp_pkts,
            self.resp_ip_bytes,
        ]
        .into_iter()
        .enumerate()
        {
            b[80 + 8 * i..88 + 8 * i].copy_from_slice(&n.to_be_bytes());
        }
        b
    }

    /// A record from its bytes; a letter count above `HIST_LETTERS` is taken as `HIST_LETTERS`
    /// and bytes that are not ASCII letters or '^' show as '?'.
    pub fn from_bytes(b: &[u8; CONN_RECORD_BYTES]) -> Self {
        let mut key = [0u8; KEY_BYTES];
        key.copy_from_slice(&b[..KEY_BYTES]);
        let u64_at = |i: usize| u64::from_be_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let n = usize::from(b[57]).min(HIST_LETTERS);
        let history = b[64..64 + n]
            .iter()
            .map(|&c| {
                if c.is_ascii_alphabetic() || c == b'^' {
                    char::from(c)
                } else {
                    '?'
                }
            })
            .collect();
        ConnRecord {
            key: GroupKey::from_bytes(&key),
            start_ns: u64_at(40),
            last_ns: u64_at(48),
            history,
            overflow: b[56] & 1 != 0,
            orig_pkts: u64_at(80),
            orig_ip_bytes: u64_at(88),
            resp_pkts: u64_at(96),
            resp_ip_bytes: u64_at(104),
        }
    }

    /// The history as Zeek prints it, with a '+' when letters were lost.
    pub fn history_text(&self) -> String {
        let mut h = self.history.clone();
        if self.overflow {
            h.push('+');
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_directions_share_one_key() {
        let a = ([1; 16], 80);
        let b = ([2; 16], 1234);
        let (k1, s1) = canonical_key(3, 6, true, a, b);
        let (k2, s2) = canonical_key(3, 6, true, b, a);
        assert_eq!(k1, k2);
        assert_eq!((s1, s2), (0, 1));
        assert_eq!((k1.src, k1.sport, k1.dport), ([1; 16], 80, 1234));
    }

    #[test]
    fn record_matches_the_diagram() {
        let r = ConnRecord {
            key: GroupKey {
                rule: 2,
                proto: 6,
                ..Default::default()
            },
            start_ns: 1,
            last_ns: 2,
            history: "ShADadFf".into(),
            overflow: true,
            orig_pkts: 5,
            orig_ip_bytes: 6,
            resp_pkts: 7,
            resp_ip_bytes: 8,
        };
        let b = r.to_bytes();
        assert_eq!(b[0], 2 << 3);
        assert_eq!(b[38], 6);
        assert_eq!(&b[40..48], &1u64.to_be_bytes());
        assert_eq!((b[56], b[57]), (1, 8));
        assert_eq!(&b[64..73], b"ShADadFf\0");
        assert_eq!(&b[104..112], &8u64.to_be_bytes());
        assert_eq!(r.history_text(), "ShADadFf+");
    }

    proptest! {
        #[test]
        fn records_round_trip(letters in "[ShADFRIQTWGadfrhiqtwg^]{0,16}", n in any::<[u64; 6]>(), over in any::<bool>(), rule in 0u8..32) {
            let r = ConnRecord {
                key: GroupKey { rule, proto: 17, sport: 53, ..Default::default() },
                start_ns: n[0], last_ns: n[1], history: letters, overflow: over,
                orig_pkts: n[2], orig_ip_bytes: n[3], resp_pkts: n[4], resp_ip_bytes: n[5],
            };
            prop_assert_eq!(ConnRecord::from_bytes(&r.to_bytes()), r);
        }

        #[test]
        fn any_bytes_decode(bytes in proptest::collection::vec(any::<u8>(), CONN_RECORD_BYTES)) {
            let r = ConnRecord::from_bytes(bytes.as_slice().try_into().unwrap());
            prop_assert!(r.history.len() <= HIST_LETTERS);
        }
    }
}
