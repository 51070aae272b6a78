//! The conn stage (SYN offload) in the whole RTL pipeline against the model: generated TCP
//! connections (scans, handshakes, refusals, simultaneous opens, new ISNs, retransmitted SYNs,
//! SYNs with data, IPv6) at 100 Gb/s capture times and back to back, holding on. Every frame out
//! in the model's order (held SYNs released just before the frame that released them, tagged with
//! their SYN tag), the SYNs given back on their own as the model's set, every counter equal.
//! The whole pipeline simulates at a few thousand cycles a second, so the generated runs are
//! short and end without the flush (a pass over the table's 64K locations): the SYNs the model
//! flushes at the end must be the records the device still holds; the hand-made case flushes.

mod common;

use common::{assert_same, assert_same_unflushed};
use proptest::prelude::*;
use vantage_model::gen::tcp::{arb_connections, endpoints, merge, ConnSpec, Script};
use vantage_model::Config;
use vantage_proto::axis::{schedule, Pacing};

/// The default registers with SYNs held.
fn holding() -> Config {
    let mut c = Config::default();
    c.conn.hold = true;
    c
}

#[test]
fn a_handshake_releases_and_a_scan_is_flushed() {
    let conn = |k: u32, script: Script, retrans: u8| {
        let (orig, resp) = endpoints(k, false, 80);
        ConnSpec {
            v6: false,
            orig,
            resp,
            isn: 1000 + k,
            start_ns: 1_000 * u64::from(k),
            syn_payload: 0,
            retrans,
            script,
        }
    };
    let conns = [
        conn(1, Script::Handshake { delay_ns: 30_000 }, 1),
        conn(2, Script::Unanswered, 0),
    ];
    let input = schedule(&merge(&conns), Pacing::CaptureTime { gbps: 100.0 }, 0);
    let (rtl, model) = assert_same(&input, &holding());
    let c = &model.counters;
    assert_eq!(
        (
            c["conn.held"],
            c["conn.retransmissions"],
            c["conn.released"],
            c["conn.flushed"]
        ),
        (2, 1, 1, 1),
        "two SYNs held, one retransmission absorbed, one released by its answer, one flushed"
    );
    assert_eq!(rtl.regenerated.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// At 100 Gb/s capture times over 30 us (about 10,000 cycles).
    #[test]
    fn connections_at_capture_time(conns in arb_connections(12, 15_000, 15_000)) {
        let input = schedule(&merge(&conns), Pacing::CaptureTime { gbps: 100.0 }, 0);
        assert_same_unflushed(&input, &holding());
    }

    /// Every beat in the next cycle (faster than any MAC): releases pile up in the output queue.
    #[test]
    fn connections_back_to_back(conns in arb_connections(40, 50_000, 50_000)) {
        let input = schedule(&merge(&conns), Pacing::BackToBack, 0);
        assert_same_unflushed(&input, &holding());
    }
}
