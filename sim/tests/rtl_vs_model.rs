//! The Verilated RTL against the model: same frames out, same counters, on generated traffic.

mod common;

use common::assert_same;
use proptest::prelude::*;
use vantage_model::{gen, Config};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};

fn frames(sizes: &[usize]) -> Vec<(u64, LaneFrame)> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let mut bytes: Vec<u8> = (0..n).map(|j| (i * 31 + j * 7) as u8).collect();
            if n >= 14 {
                bytes[12] = 0x08;
                bytes[13] = 0x00;
            }
            (i as u64, LaneFrame::from_bytes(&bytes))
        })
        .collect()
}

#[test]
fn single_frames_of_every_tail_length() {
    // 60..=130 bytes covers a last beat with kept lanes below, at and above lane 40, one- and
    // two-beat frames, and the overflow beat.
    let sizes: Vec<usize> = (60..=130).collect();
    let input = schedule(&frames(&sizes), Pacing::LineRate { gbps: 100.0 }, 0);
    let (rtl, model) = assert_same(&input, &Config::default());
    assert_eq!(model.counters["tag.tagged"], sizes.len() as u64);
    for (f, n) in rtl.frames.iter().zip(&sizes) {
        let (_, orig) = strip(&f.bytes(), DEFAULT_ETHERTYPE).expect("tagged");
        assert_eq!(orig.len(), *n);
    }
}

#[test]
fn back_to_back_small_frames_fail_open_and_match() {
    let input = schedule(&frames(&[64; 200]), Pacing::BackToBack, 0);
    let (_, model) = assert_same(&input, &Config::default());
    assert!(
        model.counters["tag.flagged"] > 0,
        "back-to-back 64-byte frames must overrun the header budget"
    );
    assert!(model.counters["tag.tagged"] > 0);
}

#[test]
fn tagging_off_is_bit_exact() {
    let input = schedule(
        &frames(&[14, 60, 64, 100, 1500, 9000]),
        Pacing::BackToBack,
        0,
    );
    let config = Config {
        tag_enabled: false,
        ..Config::default()
    };
    let (rtl, _) = assert_same(&input, &config);
    for (out, (_, inp)) in rtl
        .frames
        .iter()
        .zip(frames(&[14, 60, 64, 100, 1500, 9000]))
    {
        assert_eq!(out, &inp);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn generated_traffic_matches_model(input in gen::arb_traffic()) {
        assert_same(&input, &Config::default());
    }

    #[test]
    fn other_key_and_ethertype_match_model(input in gen::arb_traffic(), key in any::<[u8; 40]>(), et in 0x0600u16..0xffff) {
        let config = Config { hash_key: key, ethertype: et, ..Config::default() };
        assert_same(&input, &config);
    }
}

#[test]
fn frames_whose_header_is_free_are_tagged_under_backlog() {
    // 64-byte frames need an extra beat once tagged and build a backlog; 100-byte frames (36 lanes
    // in their last beat) take the header without one and stay tagged while the 64s fail open.
    let sizes: Vec<usize> = (0..300)
        .map(|i| if i % 3 == 2 { 100 } else { 64 })
        .collect();
    let input = schedule(&frames(&sizes), Pacing::BackToBack, 0);
    let (rtl, model) = assert_same(&input, &Config::default());
    assert!(
        model.counters["tag.flagged"] > 0,
        "the 64-byte frames must back up"
    );
    for (f, n) in rtl.frames.iter().zip(&sizes) {
        if *n == 100 {
            assert!(
                strip(&f.bytes(), DEFAULT_ETHERTYPE).is_ok(),
                "a 100-byte frame passed untagged"
            );
        }
    }
}
