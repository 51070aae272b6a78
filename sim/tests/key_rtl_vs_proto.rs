//! The reasm stage's session key unit as Verilator runs the emitted Verilog
//! (build/verilog/vantage_reasm_key.v: hdl/src/reasm/key.rs around hdl/src/widgets/toeplitz.v)
//! against proto's functions: the way key (`reasm::directory::way_key`) and the two candidate
//! buckets (`reasm::session_buckets`) of generated IPv4 and IPv6 endpoints, under any key and
//! every table size.

use proptest::prelude::*;
use vantage_proto::conn::SynKey;
use vantage_proto::flowhash::{canonical_input, ipv4_as_16};
use vantage_proto::reasm::directory::way_key;
use vantage_proto::reasm::{session_buckets, DEFAULT_SESSION_BUCKET_BITS, DEFAULT_SESSION_KEY};
use vantage_sim::key::KeySim;

fn endpoint(v6: bool) -> impl Strategy<Value = ([u8; 16], u16)> {
    (any::<[u8; 16]>(), any::<u16>()).prop_map(move |(a, p)| {
        if v6 {
            (a, p)
        } else {
            (ipv4_as_16([a[0], a[1], a[2], a[3]]), p)
        }
    })
}

fn case() -> impl Strategy<Value = (SynKey, [u8; 48], u8)> {
    any::<bool>().prop_flat_map(|v6| {
        (
            endpoint(v6),
            endpoint(v6),
            prop_oneof![Just(DEFAULT_SESSION_KEY), any::<[u8; 48]>()],
            0..=DEFAULT_SESSION_BUCKET_BITS as u8,
        )
            .prop_map(move |(a, b, key, bits)| (SynKey::of(v6, a, b).0, key, bits))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn the_verilog_keys_sessions_as_proto(cases in proptest::collection::vec(case(), 1..32)) {
        let mut unit = KeySim::default();
        for (k, key, bits) in &cases {
            let tuple = canonical_input(k.low, k.high);
            let (way, b1, b2) = unit.eval(&tuple, key, k.v6, *bits);
            let [e1, e2] = session_buckets(key, k, u32::from(*bits));
            prop_assert_eq!(way, way_key(key, k), "way key of {:?}", k);
            prop_assert_eq!((b1 as usize, b2 as usize), (e1, e2), "buckets of {:?} at {} bits", k, bits);
        }
    }
}
