//! The reasm stage in the whole pipeline (`hdl::reasm::stage` and the session engine in the
//! top, the harness's memories behind its four AXI4 ports), as Verilator runs the emitted top,
//! against the model's pipeline with the device's reasm stage (`vantage_model::reasm::device`):
//! the same frames out with the same REASM tags, the same counters (`reasm.*` among them).
//! Traffic: the capture that makes the stage say everything it can say, every real capture at
//! line rate and back to back, the same with SYNs held by the conn stage (their regenerated
//! copies are never followed), and generated traffic; off, the stage is bypassed.

mod common;

use common::assert_same;
use proptest::prelude::*;
use vantage_model::{gen, Config};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};
use vantage_testkit::{real_capture_frames, reasm::every_status};

/// The pipeline's registers with the reasm stage on.
fn reasm_on() -> Config {
    let mut config = Config::default();
    config.reasm.enabled = true;
    config
}

/// What the stage said of the frames of one run, from the counters both sides agree on.
#[derive(Debug, Default)]
struct Tally {
    frames: u64,
    tagged: u64,
    in_order: u64,
    no_session: u64,
    late: u64,
    not_followed: u64,
    /// Frames out with a REASM tag.
    out_tagged: u64,
}

impl Tally {
    fn add(&mut self, c: &std::collections::BTreeMap<String, u64>) {
        let n = |k: &str| c.get(&format!("reasm.{k}")).copied().unwrap_or(0);
        self.frames += n("frames");
        self.tagged += [
            "in_order",
            "released",
            "retransmissions",
            "control",
            "fallback",
        ]
        .iter()
        .map(|k| n(k))
        .sum::<u64>();
        self.in_order += n("in_order");
        self.no_session += n("no_session");
        self.late += n("late");
        self.not_followed += n("not_asked") + n("not_tcp") + n("truncated") + n("malformed");
    }
}

/// Frames of the output that carry a REASM tag.
fn with_reasm_tag(frames: &[LaneFrame]) -> usize {
    frames
        .iter()
        .filter(|f| {
            strip(&f.bytes(), DEFAULT_ETHERTYPE)
                .ok()
                .and_then(|(h, _)| h.reasm())
                .is_some()
        })
        .count()
}

fn run(frames: &[(u64, Vec<u8>)], pacing: Pacing, config: &Config, tally: &mut Tally) {
    let lanes: Vec<(u64, LaneFrame)> = frames
        .iter()
        .map(|(t, f)| (*t, LaneFrame::from_bytes(f)))
        .collect();
    let input = schedule(&lanes, pacing, 0);
    let (rtl, model) = assert_same(&input, config);
    // A tagged answer reaches the monitor unless the tag stage passed the frame untagged (its
    // backlog: a frame the header would make too long for the output).
    tally.out_tagged += with_reasm_tag(&rtl.frames) as u64;
    tally.add(&model.counters);
}

#[test]
fn every_status_matches_model() {
    let mut t = Tally::default();
    run(
        &every_status(),
        Pacing::LineRate { gbps: 100.0 },
        &reasm_on(),
        &mut t,
    );
    eprintln!("every status: {t:?}");
    assert!(t.in_order > 0 && t.tagged > t.in_order, "{t:?}");
    assert_eq!(
        t.out_tagged, t.tagged,
        "spaced frames leave with their tags: {t:?}"
    );
}

/// Turned off between two halves of the traffic until its clock stops (STATUS says so), then on
/// again: the second half meets the sessions of the first as if the stage had stayed on, which is
/// what the model, on all along, says of the same input.
#[test]
fn off_until_its_clock_stops_then_on_again_keeps_its_sessions() {
    use vantage_driver::Device;
    use vantage_proto::datapath::{REASM_DELAY_CYCLES, REASM_SETTLE_CYCLES};
    let config = reasm_on();
    let lanes: Vec<(u64, LaneFrame)> = every_status()
        .iter()
        .map(|(t, f)| (*t, LaneFrame::from_bytes(f)))
        .collect();
    let (first, second) = lanes.split_at(lanes.len() / 2);
    let pacing = Pacing::LineRate { gbps: 100.0 };
    let (mut sim, model_config, start) = common::prepare(&config);
    let a = schedule(first, pacing, start);
    let mut beats = sim.run(&a).expect("first half");
    let state = Device::new(&mut sim).reasm_state().expect("state");
    assert!(state.on && state.empty && state.clock_running, "{state:?}");
    Device::new(&mut sim).set_reasm_enabled(false).expect("off");
    sim.idle(u64::from(REASM_DELAY_CYCLES + 2 * REASM_SETTLE_CYCLES));
    let state = Device::new(&mut sim).reasm_state().expect("state");
    assert!(
        !state.on && state.empty && !state.clock_running,
        "off and settled, the clock stops: {state:?}"
    );
    Device::new(&mut sim).set_reasm_enabled(true).expect("on");
    let state = Device::new(&mut sim).reasm_state().expect("state");
    assert!(state.on && state.clock_running, "{state:?}");
    let b = schedule(second, pacing, sim.cycle() + 10);
    let second_beats = sim.run(&b).expect("second half");
    let second_out =
        LaneFrame::from_beats(second_beats.iter().map(|b| &b.beat)).expect("whole frames");
    assert!(
        with_reasm_tag(&second_out) > 0,
        "the second half is followed"
    );
    beats.extend(second_beats);
    let driven: Vec<_> = a.iter().chain(&b).copied().collect();
    let rtl = common::rtl_output(&mut sim, beats, &config);
    let model = vantage_model::run(&model_config, &driven);
    common::compare(&rtl, &model, &config);
}

#[test]
fn stage_off_is_bypassed() {
    let mut t = Tally::default();
    run(
        &every_status(),
        Pacing::LineRate { gbps: 100.0 },
        &Config::default(),
        &mut t,
    );
    assert_eq!(t.frames + t.out_tagged, 0, "{t:?}");
}

#[test]
fn real_captures_match_model() {
    let Some(captures) = real_capture_frames() else {
        return;
    };
    let mut line = Tally::default();
    let mut b2b = Tally::default();
    let mut held = Tally::default();
    let mut hold = reasm_on();
    hold.conn.hold = true;
    for (path, frames) in &captures {
        eprintln!("{}", path.display());
        run(
            frames,
            Pacing::LineRate { gbps: 100.0 },
            &reasm_on(),
            &mut line,
        );
        run(frames, Pacing::BackToBack, &reasm_on(), &mut b2b);
        run(frames, Pacing::LineRate { gbps: 100.0 }, &hold, &mut held);
    }
    eprintln!("| pacing | frames | tagged | of them in order | out with the tag | no session | late | not followed |");
    eprintln!("|---|---|---|---|---|---|---|---|");
    for (name, t) in [
        ("line rate", &line),
        ("back to back", &b2b),
        ("line rate, SYNs held", &held),
    ] {
        eprintln!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            t.frames, t.tagged, t.in_order, t.out_tagged, t.no_session, t.late, t.not_followed
        );
    }
    assert!(line.in_order > 0 && line.out_tagged > 0, "{line:?}");
    assert!(held.tagged > 0, "{held:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn generated_traffic_matches_model(input in gen::arb_traffic()) {
        assert_same(&input, &reasm_on());
    }
}
