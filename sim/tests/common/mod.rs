//! Shared by the RTL tests: run one input through the Verilated RTL and through the model and
//! compare what comes out.
#![allow(dead_code)]

use std::collections::BTreeMap;
use vantage_driver::Device;
use vantage_model::stats::stage::StatsConfig;
use vantage_model::{Config, ModelOutput};
use vantage_proto::axis::{LaneFrame, TimedBeat};
use vantage_proto::report::ReportFrame;
use vantage_proto::rules::parse_rules;
use vantage_proto::stats::{encode, HASH_KEY_BYTES, RULES, RULE_WORDS};
use vantage_sim::compare::{Agreement, DeviceOutput, Epochs, Moves};
use vantage_sim::Sim;

/// What the RTL put out: frames, counters read through the registers, and the raw beats.
pub struct RtlOutput {
    /// Every frame out but the report frames.
    pub frames: Vec<LaneFrame>,
    pub counters: BTreeMap<String, u64>,
    pub beats: Vec<TimedBeat>,
    /// The report frames, decoded, in the order they came out.
    pub reports: Vec<ReportFrame>,
    /// SYNs the conn stage gave back on their own (expired, flushed, late), in the order they
    /// came out (sent in gaps: the model states only the set).
    pub regenerated: Vec<LaneFrame>,
}

/// Datapath cycles set aside for arming epochs before the input starts.
const ARMING_CYCLES: u64 = 5000;

/// Split decoded report frames from the rest (a damaged report frame fails the test).
pub fn split_reports(frames: Vec<LaneFrame>, ethertype: u16) -> (Vec<ReportFrame>, Vec<LaneFrame>) {
    let mut reports = Vec::new();
    let mut rest = Vec::new();
    for f in frames {
        match ReportFrame::decode(&f.bytes(), ethertype) {
            Ok(Some(r)) => reports.push(r),
            Ok(None) => rest.push(f),
            Err(e) => panic!("damaged report frame: {e}"),
        }
    }
    (reports, rest)
}

/// Run `input` (cycles counted from 0) through a fresh device configured like `config`. Returns
/// what came out, the input as it was driven (moved to start after configuration) and the model
/// configuration that matches the device (its timebase read through a snapshot).
pub fn run_rtl(config: &Config, input: &[TimedBeat]) -> (RtlOutput, Vec<TimedBeat>, Config) {
    let (out, driven, model_config, _) = run_rtl_keep(config, input);
    (out, driven, model_config)
}

/// `run_rtl`, giving back the simulator too (to read the device after the run).
pub fn run_rtl_keep(
    config: &Config,
    input: &[TimedBeat],
) -> (RtlOutput, Vec<TimedBeat>, Config, Sim) {
    run_rtl_with(config, input, config.conn.hold)
}

/// `input` with every beat `start` cycles later.
pub fn starting_at(input: &[TimedBeat], start: u64) -> Vec<TimedBeat> {
    input
        .iter()
        .map(|b| TimedBeat {
            cycle: b.cycle + start,
            beat: b.beat,
        })
        .collect()
}

/// A simulator (settled: its tables cleared after reset) set up with `config`'s registers (epochs armed), the model's configuration with
/// the device's time base, and the cycle from which input may start.
pub fn prepare(config: &Config) -> (Sim, Config, u64) {
    let mut sim = Sim::settled().expect("simulator");
    let mut dev = Device::new(&mut sim);
    dev.discover().expect("discover");
    dev.set_tagging(config.tag_enabled).expect("tagging");
    dev.set_ethertype(config.ethertype).expect("ethertype");
    dev.set_hash_key(&config.hash_key).expect("key");
    if config.conn != vantage_model::conn::ConnConfig::default() {
        dev.set_conn_timeout(config.conn.timeout_ns)
            .expect("conn timeout");
        dev.set_conn_hold(config.conn.hold).expect("conn hold");
    }
    if config.reasm.enabled && !config.reasm_in_software {
        dev.set_session_key(&config.reasm.session_key)
            .expect("session key");
        dev.set_session_bucket_bits(config.reasm.bucket_bits)
            .expect("session buckets");
        dev.set_max_above_hole(config.reasm.max_above_hole)
            .expect("max above hole");
        dev.set_reasm_enabled(true).expect("reasm on");
    }
    if config.stats.enabled {
        dev.set_stats_hash_key(&config.stats.hash_key)
            .expect("stats key");
        dev.load_rule_words(&config.stats.rules, config.stats.lane_bits)
            .expect("rules");
    }
    let (cycle, value, inc) = dev.timebase().expect("timebase");
    let mut model_config = Config {
        time: vantage_model::TimeBase { cycle, value, inc },
        ..config.clone()
    };
    drop(dev);
    let mut start = sim.cycle() + 4;
    // Epochs: `config.stats.epoch_start` counts from the first input cycle's time.
    if config.stats.epochs {
        start += ARMING_CYCLES;
        let at = model_config.time.ns_at(start) + config.stats.epoch_start;
        let mut dev = Device::new(&mut sim);
        dev.discover().expect("discover");
        dev.arm_epochs(config.stats.epoch_ns, at)
            .expect("arm epochs");
        model_config.stats.epoch_start = at;
        assert!(
            sim.cycle() < start,
            "arming took more than {ARMING_CYCLES} cycles"
        );
    }
    (sim, model_config, start)
}

/// `run_rtl_keep`; `flush_syns`: give back the SYNs still held at the end (a pass over the
/// whole table, 64K cycles: slow in simulation), as the model does at the end of its input.
pub fn run_rtl_with(
    config: &Config,
    input: &[TimedBeat],
    flush_syns: bool,
) -> (RtlOutput, Vec<TimedBeat>, Config, Sim) {
    let (mut sim, model_config, start) = prepare(config);
    let shifted = starting_at(input, start);
    let mut beats = if config.conn.hold {
        sim.run_holding(&shifted)
    } else {
        sim.run(&shifted)
    }
    .expect("rtl run");
    // The history rule's connections still held are reported at a flush, as the model does at
    // the end of its input.
    if config.stats.enabled && config.stats.history_rule().is_some() {
        Device::new(&mut sim)
            .flush_connections()
            .expect("flush connections");
        sim.idle(64);
        beats.extend(sim.take_output());
    }
    // SYNs still held are given back at a flush, as the model does at the end of its input.
    if flush_syns {
        Device::new(&mut sim).flush_syns().expect("flush SYNs");
        sim.idle(64);
        beats.extend(sim.take_output());
    }
    (
        rtl_output(&mut sim, beats, config),
        shifted,
        model_config,
        sim,
    )
}

/// What the RTL put out, from the beats of a run (whole frames) and the counters read now, split
/// as the one comparison splits it.
pub fn rtl_output(sim: &mut Sim, beats: Vec<TimedBeat>, config: &Config) -> RtlOutput {
    let all = LaneFrame::from_beats(beats.iter().map(|b| &b.beat))
        .expect("output ends with a whole frame");
    let counters = Device::new(sim).snapshot().expect("snapshot");
    let out =
        DeviceOutput::split(all, counters, config.ethertype).unwrap_or_else(|e| panic!("{e}"));
    RtlOutput {
        frames: out.frames,
        counters: out.counters,
        beats,
        reports: out.reports,
        regenerated: out.regenerated,
    }
}

/// Compare RTL and model; panics with the first difference.
pub fn assert_same(input: &[TimedBeat], config: &Config) -> (RtlOutput, ModelOutput) {
    let (rtl, model, _, _) = assert_same_keep(input, config);
    (rtl, model)
}

/// `assert_same` with SYNs held and no flush at the end: the SYNs the model flushes at the end
/// of its input must be the records the device still holds (HELD); the rest is compared as
/// `assert_same` does.
pub fn assert_same_unflushed(input: &[TimedBeat], config: &Config) -> (RtlOutput, ModelOutput) {
    use vantage_proto::conn::Why;
    let (rtl, driven, model_config, mut sim) = run_rtl_with(config, input, false);
    let mut model = vantage_model::run(&model_config, &driven);
    let why = |f: &LaneFrame| {
        vantage_proto::header::strip(&f.bytes(), config.ethertype)
            .ok()
            .and_then(|(h, _)| h.syn())
            .and_then(|i| Why::from_u8(i.why))
    };
    let (flushed, kept): (Vec<LaneFrame>, Vec<LaneFrame>) = std::mem::take(&mut model.regenerated)
        .into_iter()
        .partition(|f| why(f) == Some(Why::Flushed));
    model.regenerated = kept;
    // The tag stage counted the flushed SYNs too (each tagged), and the reasm stage before it
    // when on (each passed, not asked about).
    let reasm_on = config.reasm.enabled && config.tag_enabled && !config.reasm_in_software;
    for f in &flushed {
        let through_reasm = u64::from(reasm_on);
        for (name, by) in [
            ("tag.frames", 1),
            ("tag.tagged", 1),
            ("tag.bytes", f.lanes.len() as u64),
            ("reasm.frames", through_reasm),
            ("reasm.not_asked", through_reasm),
        ] {
            if let Some(c) = model.counters.get_mut(name) {
                *c -= by;
            }
        }
    }
    let flushed = flushed.len();
    let held = Device::new(&mut sim).conn_state().expect("conn state").held;
    assert_eq!(
        held as usize, flushed,
        "records held at the end = SYNs the model flushes"
    );
    assert_eq!(
        model.counters.get("conn.flushed").copied(),
        Some(flushed as u64)
    );
    model.counters.insert("conn.flushed".into(), 0);
    compare(&rtl, &model, config);
    (rtl, model)
}

/// `assert_same`, giving back the simulator, the input as driven and the model's configuration.
#[allow(dead_code)]
pub fn assert_same_keep(
    input: &[TimedBeat],
    config: &Config,
) -> (RtlOutput, ModelOutput, Sim, (Vec<TimedBeat>, Config)) {
    let (rtl, driven, model_config, sim) = run_rtl_keep(config, input);
    let model = vantage_model::run(&model_config, &driven);
    compare(&rtl, &model, config);
    (rtl, model, sim, (driven, model_config))
}

/// The one comparison (`vantage_sim::compare`, also `vantage sim --compare-model`'s): frames in
/// order, counters, regenerated SYNs as a set, connection records; no regenerated SYN may have
/// moved frames. Panics with the first difference.
pub fn compare(rtl: &RtlOutput, model: &ModelOutput, config: &Config) -> Agreement {
    compare_with(rtl, model, config, Moves::Refused)
}

/// `compare` where regenerated SYNs sent at once (`regen_inline`) may have moved frames: the
/// model does not follow that, so equality holds only where the moves changed no decision.
pub fn compare_moved(rtl: &RtlOutput, model: &ModelOutput, config: &Config) -> Agreement {
    compare_with(rtl, model, config, Moves::Allowed)
}

fn compare_with(rtl: &RtlOutput, model: &ModelOutput, config: &Config, moves: Moves) -> Agreement {
    let device = DeviceOutput {
        frames: rtl.frames.clone(),
        regenerated: rtl.regenerated.clone(),
        reports: rtl.reports.clone(),
        counters: rtl.counters.clone(),
    };
    // With epochs armed the tests check the reports themselves, after the run.
    let epochs = if config.stats.epochs {
        Epochs::Elsewhere
    } else {
        Epochs::Here
    };
    vantage_sim::compare::compare(&device, model, moves, epochs).unwrap_or_else(|e| panic!("{e}"))
}

/// The default registers with `rules` (a rule file) placed and loaded and this stats hash key.
pub fn config_for(rules: &str, hash_key: [u8; HASH_KEY_BYTES]) -> Config {
    let enc = encode(&parse_rules(rules).expect("rules")).expect("placement");
    let mut words = enc.rules;
    words.resize(RULES, [0; RULE_WORDS]);
    Config {
        stats: StatsConfig {
            enabled: true,
            lane_bits: enc.lane_bits,
            hash_key,
            rules: words,
            ..StatsConfig::default()
        },
        ..Config::default()
    }
}
