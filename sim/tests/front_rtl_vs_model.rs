//! The reasm stage's frames' side (`hdl::reasm::front`) behind ingress and parse, joined to the
//! session engine with its four memories, as Verilator runs the emitted Verilog, against the
//! model's stage without a segment store and the device's timing (`vantage_model::reasm::
//! device`): every frame leaves exactly `DELAY_CYCLES` after it came in, byte for byte and in
//! order, and its first beat carries the model's answer — the REASM tag, untagged (no session),
//! not followed and why, or late (a frame too long for its answer; a request the engine
//! refuses, one cycle behind the one it took).

use vantage_hdl::reasm::front::{COUNTER_ORDER, DELAY_CYCLES, MAX_BEATS};
use vantage_model::reasm::device::{answers, Answer, DeviceFrame};
use vantage_proto::axis::LaneFrame;
use vantage_proto::header::DEFAULT_ETHERTYPE;
use vantage_proto::reasm::directory::LOOKUP_CYCLES;
use vantage_sim::axi_mem::MemTiming;
use vantage_sim::engine::EngineConfig;
use vantage_sim::front::{FrontAnswer, FrontSim, OutFrame};
use vantage_testkit::reasm::{store_less, tagged};

/// The model's answer for each frame (`vantage_model::reasm::device`), its facts reaching the
/// engine a fixed time after its last beat (`first_in`: each frame's first beat's cycle).
fn model(frames: &[(u64, Vec<u8>)], first_in: &[u64], ask: bool) -> Vec<FrontAnswer> {
    let lanes: Vec<LaneFrame> = frames
        .iter()
        .map(|(_, f)| LaneFrame::from_bytes(f))
        .collect();
    let tagged = tagged(frames);
    let input: Vec<DeviceFrame> = lanes
        .iter()
        .zip(&tagged)
        .zip(first_in)
        .map(|((l, t), &f0)| DeviceFrame {
            lanes: l,
            tagged: t,
            first_cycle: f0,
            facts_cycle: f0 + l.lanes.len().div_ceil(64).max(1) as u64 - 1,
            ask,
        })
        .collect();
    answers(&store_less(), DEFAULT_ETHERTYPE, &input)
        .0
        .into_iter()
        .map(|a| match a {
            Answer::NotFollowed(why) => FrontAnswer::NotFollowed(why as u8),
            Answer::Untagged => FrontAnswer::Untagged,
            Answer::Tagged(i) => FrontAnswer::Tagged(i),
            Answer::Late { .. } => FrontAnswer::Late,
        })
        .collect()
}

fn sim(seed: u64) -> FrontSim {
    let cfg = store_less();
    FrontSim::new(
        EngineConfig {
            session_key: cfg.session_key,
            bucket_bits: cfg.bucket_bits as u8,
            cap: cfg.max_above_hole,
        },
        MemTiming::in_budget(LOOKUP_CYCLES, 2, seed),
    )
}

/// What a comparison covered.
#[derive(Debug, Default)]
struct Tally {
    frames: usize,
    tagged: usize,
    untagged: usize,
    not_followed: usize,
    late: usize,
}

/// The frames out against the frames in: the same bytes, in order, each `DELAY_CYCLES` plus the
/// parse pipeline's fixed latency after it came in (the same for every frame).
fn same_frames(
    frames: &[(u64, Vec<u8>)],
    out: &[OutFrame],
    first_in: &[u64],
) -> Result<(), String> {
    if out.len() != frames.len() {
        return Err(format!("{} frames in, {} out", frames.len(), out.len()));
    }
    let latency = out[0].cycle - first_in[0];
    for (k, ((_, f), o)) in frames.iter().zip(out).enumerate() {
        if &o.bytes != f {
            return Err(format!("frame {k} left changed"));
        }
        if o.cycle - first_in[k] != latency {
            return Err(format!(
                "frame {k} left {} cycles after it came in, frame 0 {latency}",
                o.cycle - first_in[k]
            ));
        }
    }
    if latency < u64::from(DELAY_CYCLES) {
        return Err(format!("frames left {latency} cycles after they came in"));
    }
    Ok(())
}

/// The frames' side's counters against the model stage's own (`ReasmCounters`): frames, the
/// reasons for not following (the model's untagged are the device's not TCP: no IP header),
/// followed, no session, and tagged frames by status. None are late here.
fn same_counters(frames: &[(u64, Vec<u8>)], got: &[u64]) -> Result<(), String> {
    let tagged_frames = tagged(frames);
    let c = vantage_model::reasm::run(&store_less(), DEFAULT_ETHERTYPE, &tagged_frames).counters;
    let want: [(&str, u64); 13] = [
        ("frames", c.frames),
        ("followed", c.followed),
        ("not_asked", 0),
        ("not_tcp", c.not_tcp + c.untagged),
        ("truncated", c.truncated),
        ("malformed", c.malformed),
        ("no_session", c.no_session),
        ("late", 0),
        ("too_long", 0),
        ("in_order", c.in_order),
        ("released", c.released),
        ("retransmissions", c.retransmissions),
        ("control", c.control),
    ];
    let by_name = |n: &str| {
        COUNTER_ORDER
            .iter()
            .position(|x| *x == n)
            .map(|k| got[k])
            .unwrap_or(u64::MAX)
    };
    for (name, w) in want {
        if by_name(name) != w {
            return Err(format!("counter {name}: RTL {}, model {w}", by_name(name)));
        }
    }
    if by_name("fallback") != c.fallback_frames {
        return Err(format!(
            "counter fallback: RTL {}, model {}",
            by_name("fallback"),
            c.fallback_frames
        ));
    }
    Ok(())
}

/// Every frame through with `gaps`; every answer and every counter the model's.
fn compare(frames: &[(u64, Vec<u8>)], gaps: &[u8], seed: u64) -> Result<Tally, String> {
    let mut front = sim(seed);
    let (out, first_in) = front.run(frames, gaps);
    let want = model(frames, &first_in, true);
    same_frames(frames, &out, &first_in)?;
    same_counters(frames, &front.counters())?;
    let mut t = Tally::default();
    for (k, (o, w)) in out.iter().zip(&want).enumerate() {
        if o.answer != *w {
            return Err(format!("frame {k}: RTL {:?}\n  model {w:?}", o.answer));
        }
        t.frames += 1;
        match w {
            FrontAnswer::Tagged(_) => t.tagged += 1,
            FrontAnswer::Untagged => t.untagged += 1,
            FrontAnswer::NotFollowed(_) => t.not_followed += 1,
            FrontAnswer::Late => t.late += 1,
        }
    }
    Ok(t)
}

fn demo() -> Vec<(u64, Vec<u8>)> {
    let path = vantage_testkit::workspace_root().join("testbench-pcaps/science-dmz.pcap.gz");
    vantage_capture::read(&path)
        .expect("the demo capture")
        .into_iter()
        .map(|p| (p.ts_ns, p.data))
        .collect()
}

/// The demo's capture, 1, 2 or 7 idle cycles between frames (a request every two cycles at
/// most, and memories within the engine's budget for that load): every answer the model's.
#[test]
fn the_demo_capture_gets_the_models_answers() {
    let t = compare(&demo(), &[1, 2, 7], 3).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("science-dmz: {t:?}");
    assert!(t.tagged > 10_000 && t.not_followed > 0, "{t:?}");
}

/// Every real capture, 1, 2 or 7 idle cycles between frames.
#[test]
fn real_captures_get_the_models_answers() {
    let Some(captures) = vantage_testkit::real_capture_frames() else {
        return;
    };
    let mut all = Tally::default();
    for (f, frames) in captures {
        let t = compare(&frames, &[1, 2, 7], 11).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        all.frames += t.frames;
        all.tagged += t.tagged;
        all.untagged += t.untagged;
        all.not_followed += t.not_followed;
    }
    eprintln!("every real capture: {all:?}");
    assert!(
        all.tagged > 0,
        "no followed segment in ../shared/testdata/real"
    );
}

/// A frame of `MAX_BEATS` beats gets its answer in time; one beat more and it leaves whole, as
/// late (its answer comes after its first beat left), counted; the frames around it get the
/// model's answers either way.
#[test]
fn a_frame_too_long_for_its_answer_leaves_late() {
    for (beats, late) in [(MAX_BEATS as usize, false), (MAX_BEATS as usize + 1, true)] {
        let mut frames = demo();
        frames.truncate(200);
        let k = frames
            .iter()
            .position(|(_, f)| f.len() > 200 && f.get(23) == Some(&6))
            .expect("a TCP segment with payload in the demo's first frames");
        // The same segment padded to `beats` beats (padding after the IP length is not
        // payload, so the model's answer does not change).
        frames[k].1.resize(64 * beats, 0);
        let mut front = sim(5);
        let (out, first_in) = front.run(&frames, &[1]);
        let want = model(&frames, &first_in, true);
        assert_eq!(want[k] == FrontAnswer::Late, late, "{beats} beats");
        same_frames(&frames, &out, &first_in).unwrap_or_else(|e| panic!("{e}"));
        for (i, (o, w)) in out.iter().zip(&want).enumerate() {
            assert_eq!(o.answer, *w, "{beats} beats, frame {i}");
        }
        let counters = front.counters();
        let at = |n: &str| {
            counters[COUNTER_ORDER
                .iter()
                .position(|x| *x == n)
                .expect("a counter")]
        };
        let n = u64::from(late);
        assert_eq!((at("late"), at("too_long")), (n, n), "{beats} beats");
    }
}

/// Single-beat frames back to back: requests one cycle apart, of which the engine takes one
/// every two cycles. Every frame leaves intact and in time with the model's answer, the refused
/// ones late (the session never saw them), and the counters count them.
#[test]
fn back_to_back_single_beats_get_the_models_answers_some_late() {
    let frames: Vec<(u64, Vec<u8>)> = demo()
        .into_iter()
        .filter(|(_, f)| f.len() <= 64)
        .take(3_000)
        .collect();
    let mut front = sim(9);
    let (out, first_in) = front.run(&frames, &[0]);
    same_frames(&frames, &out, &first_in).unwrap_or_else(|e| panic!("{e}"));
    let want = model(&frames, &first_in, true);
    for (i, (o, w)) in out.iter().zip(&want).enumerate() {
        assert_eq!(o.answer, *w, "frame {i}");
    }
    let late = out.iter().filter(|o| o.answer == FrontAnswer::Late).count();
    let tagged = out
        .iter()
        .filter(|o| matches!(o.answer, FrontAnswer::Tagged(_)))
        .count();
    eprintln!(
        "{} single-beat frames back to back: {late} late, {tagged} tagged",
        out.len()
    );
    assert!(late > 0 && tagged > 0, "{late} late, {tagged} tagged");
    let counters = front.counters();
    let at = |n: &str| {
        counters[COUNTER_ORDER
            .iter()
            .position(|x| *x == n)
            .expect("a counter")]
    };
    assert_eq!(
        (at("frames"), at("late"), at("too_long")),
        (out.len() as u64, late as u64, 0)
    );
}

/// The stage not asking (off, or frames it must not follow): every frame leaves intact, in time,
/// not followed (why 4), nothing asked of the engine, every frame counted not asked.
#[test]
fn frames_not_asked_about_pass_not_followed() {
    let frames: Vec<(u64, Vec<u8>)> = demo().into_iter().take(2_000).collect();
    let mut front = sim(13);
    front.set_ask(false);
    let (out, first_in) = front.run(&frames, &[0, 1]);
    same_frames(&frames, &out, &first_in).unwrap_or_else(|e| panic!("{e}"));
    let want = model(&frames, &first_in, false);
    for (i, (o, w)) in out.iter().zip(&want).enumerate() {
        assert_eq!(o.answer, *w, "frame {i}");
        assert_eq!(o.answer, FrontAnswer::NotFollowed(4), "frame {i}");
    }
    let counters = front.counters();
    let at = |n: &str| {
        counters[COUNTER_ORDER
            .iter()
            .position(|x| *x == n)
            .expect("a counter")]
    };
    let n = frames.len() as u64;
    assert_eq!(
        (at("frames"), at("not_asked"), at("followed"), at("late")),
        (n, n, 0, 0)
    );
}
