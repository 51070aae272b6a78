//! `vantage sim`, `vantage model` and `vantage verilog`: captures in, frames through a pipeline,
//! captures out.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use vantage_capture::Packet;
use vantage_proto::axis::{LaneFrame, TimedBeat};

use crate::RunArgs;

/// Runs with more beats than this get a spinner (when stderr is a terminal).
const LONG_RUN_BEATS: usize = 200_000;
/// Warn before simulating more cycles than this (about 3 s of datapath time).
#[cfg(feature = "sim")]
const LONG_SIM_CYCLES: u64 = 1_000_000_000;

/// The frames of a capture with their capture times.
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
pub fn load_frames(path: &Path) -> anyhow::Result<Vec<(u64, LaneFrame)>> {
    let frames = vantage_capture::read_lanes(path)?;
    tracing::info!(path = %path.display(), frames = frames.len(), "capture loaded");
    Ok(frames)
}

/// Capture times for the device's output when the conn stage held SYNs, so output frames no
/// longer pair with input frames one for one: each frame at the time of the input frame whose
/// bytes it carries (searched forward: held and absorbed inputs are skipped), a released SYN at
/// its releaser's, a regenerated SYN at the last capture time.
#[cfg(feature = "sim")]
fn times_by_content(input: &[(u64, LaneFrame)], output: &[LaneFrame], ethertype: u16) -> Vec<u64> {
    use vantage_proto::conn::Why;
    let last_ts = input.last().map_or(0, |f| f.0);
    let data: Vec<&LaneFrame> = output
        .iter()
        .filter(|f| !vantage_proto::report::looks_like_report(&f.bytes()))
        .collect();
    let mut times = vec![last_ts; data.len()];
    let mut cursor = 0;
    let mut releases = Vec::new();
    for (k, f) in data.iter().enumerate() {
        let bytes = f.bytes();
        let (syn, orig) = match vantage_proto::header::strip(&bytes, ethertype) {
            Ok((h, orig)) => (h.syn().and_then(|i| Why::from_u8(i.why)), orig),
            Err(_) => (None, bytes),
        };
        match syn {
            Some(Why::Released) => releases.push(k),
            Some(_) => {}
            None => {
                if let Some(i) = input[cursor..].iter().position(|(_, x)| x.bytes() == orig) {
                    cursor += i + 1;
                    times[k] = input[cursor - 1].0;
                }
                for r in releases.drain(..) {
                    times[r] = times[k];
                }
            }
        }
    }
    times
}

/// Write the output frames as pcap. Report frames take the time of the data frame before them;
/// data frames the times in `times` (one per data frame, in order) or, without it, the capture
/// time of the input frame at the same position (frames never dropped or reordered).
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
pub fn write_frames(
    path: &Path,
    input: &[(u64, LaneFrame)],
    output: &[LaneFrame],
    times: Option<&[u64]>,
) -> anyhow::Result<()> {
    let holes = output.iter().filter(|f| f.has_hole()).count();
    if holes > 0 {
        tracing::warn!(
            frames = holes,
            "frames with tkeep holes: pcap cannot show holes, their empty lanes are left out"
        );
    }
    let errors = output.iter().filter(|f| f.user).count();
    if errors > 0 {
        tracing::warn!(
            frames = errors,
            "frames carry tuser (MAC error), which pcap cannot record"
        );
    }
    let last_ts = input.last().map_or(0, |f| f.0);
    let (mut data, mut ts) = (0, input.first().map_or(0, |f| f.0));
    let mut packets = Vec::with_capacity(output.len());
    for f in output {
        let bytes = f.bytes();
        if !vantage_proto::report::looks_like_report(&bytes) {
            ts = match times {
                Some(t) => t.get(data).copied().unwrap_or(last_ts),
                None => input.get(data).map_or(last_ts, |x| x.0),
            };
            data += 1;
        }
        packets.push(Packet {
            ts_ns: ts,
            data: bytes,
        });
    }
    vantage_capture::write(path, &packets)?;
    Ok(())
}

/// The `--rules` file, placed on the lanes, and its epoch length in ns (0: no epochs).
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
fn rule_file(
    args: &RunArgs,
) -> anyhow::Result<
    Option<(
        vantage_proto::rules::RuleSet,
        vantage_proto::stats::Encoded,
        u64,
    )>,
> {
    let Some(path) = &args.rules else {
        return Ok(None);
    };
    let set = crate::rules::read(path)?;
    let encoded = vantage_proto::stats::encode(&set)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("placing the rules of {}", path.display()))?;
    let epoch_ns = set.epoch_ms.saturating_mul(1_000_000);
    Ok(Some((set, encoded, epoch_ns)))
}

/// The first epoch boundary after capture time `t0`: a multiple of the epoch length.
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
fn first_boundary(t0: u64, epoch_ns: u64) -> u64 {
    (t0 / epoch_ns + 1).saturating_mul(epoch_ns)
}

/// A spinner on stderr for long runs, only when stderr is a terminal.
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
pub fn spinner(beats: usize, what: &str) -> Option<indicatif::ProgressBar> {
    if beats < LONG_RUN_BEATS || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(format!("{what} {beats} beats"));
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
fn summary(
    what: &str,
    args: &RunArgs,
    frames_in: usize,
    beats: &[TimedBeat],
    output: &[LaneFrame],
    counters: &BTreeMap<String, u64>,
) {
    let tagged = counters.get("tag.tagged").copied();
    let cycles = match (beats.first(), beats.last()) {
        (Some(a), Some(b)) => b.cycle - a.cycle + 1,
        _ => 0,
    };
    let tagged = tagged.map(|t| format!(", {t} tagged")).unwrap_or_default();
    println!(
        "{what}: {frames_in} frames in ({} beats over {cycles} cycles, {}), {} frames out{tagged} -> {}",
        beats.len(),
        args.pacing_text(),
        output.len(),
        args.output.display()
    );
    for (k, v) in counters {
        println!("  {k:<20} {v}");
    }
    if let Some(n) = counters.get("tag.flagged").filter(|n| **n > 0) {
        println!(
            "note: {n} frames passed untagged because the tag stage was backlogged (fail-open, by design); \
             pace the input slower (--pacing line-rate) to see every frame tagged"
        );
    }
}

/// The conn stage's offload figures, from its counters (a SYN given back on its own is counted
/// once, as expired, flushed or late).
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
fn conn_summary(counters: &BTreeMap<String, u64>) {
    let c = |n: &str| counters.get(&format!("conn.{n}")).copied().unwrap_or(0);
    let unanswered = c("expired") + c("flushed");
    let regenerated = unanswered + c("late");
    println!(
        "conn: {} SYNs held, {} released just before their connection's next frame, {} regenerated \
         on their own ({} expired, {} flushed at the end, {} late); {} retransmissions absorbed; \
         {unanswered} connection attempts the monitor never had to track; fail-open: {} too long, \
         {} bucket full, {} malformed",
        c("held"),
        c("released"),
        regenerated,
        c("expired"),
        c("flushed"),
        c("late"),
        c("retransmissions"),
        c("fail_long"),
        c("fail_full"),
        c("fail_unclean"),
    );
}

/// Collect output beats into frames; an unterminated trailing frame is an error.
#[cfg_attr(not(feature = "sim"), allow(dead_code))]
fn frames_of(beats: &[TimedBeat]) -> anyhow::Result<Vec<LaneFrame>> {
    match LaneFrame::from_beats(beats.iter().map(|b| &b.beat)) {
        Ok(f) => Ok(f),
        Err(done) => bail!(
            "the pipeline's output ends inside a frame (after {} complete frames)",
            done.len()
        ),
    }
}

#[cfg(feature = "sim")]
pub fn run_sim(args: &RunArgs) -> anyhow::Result<()> {
    use vantage_driver::Device;
    use vantage_sim::Sim;

    let input = load_frames(&args.input)?;
    let rules = rule_file(args)?;
    let mut sim = match &args.trace {
        Some(p) => Sim::with_trace(p.as_path())
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("starting the simulator with a trace to {}", p.display()))?,
        None => Sim::new()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("starting the simulator")?,
    };
    let timebase = {
        let mut dev = Device::new(&mut sim);
        dev.discover().context("discovering the simulated device")?;
        if let Some(timeout_ns) = args.conn_timeout {
            if !dev.features()?.has(vantage_proto::regs::feature::CONN) {
                bail!(
                    "--conn-timeout: the simulated device has no conn stage (feature CONN absent); \
                     `vantage model --conn-timeout` runs the stage in software"
                );
            }
            dev.set_conn_timeout(timeout_ns)?;
            dev.set_conn_hold(true)
                .context("turning SYN holding on in the simulated device")?;
        }
        dev.set_tagging(!args.no_tag)?;
        dev.set_ethertype(args.ethertype)?;
        if args.reasm.reasm_on_device {
            if !dev.features()?.has(vantage_proto::regs::feature::REASM) {
                bail!(
                    "--reasm-on-device: the simulated device has no reasm stage (feature REASM \
                     absent); `--reasm` runs the stage in software"
                );
            }
            dev.set_max_above_hole(args.reasm.reasm_above_hole)?;
            dev.set_reasm_enabled(true)
                .context("turning the reasm stage on in the simulated device")?;
        }
        // Stamp frames with capture-like times: the counter starts at the first capture time.
        dev.load_time(input.first().map_or(0, |f| f.0))?;
        if let Some((set, _, epoch_ns)) = &rules {
            dev.load_rules(set)
                .context("loading the rules into the simulated device")?;
            if *epoch_ns > 0 {
                dev.arm_epochs(
                    *epoch_ns,
                    first_boundary(input.first().map_or(0, |f| f.0), *epoch_ns),
                )?;
            }
        }
        dev.timebase()
            .context("reading the simulated device's timebase")?
    };
    // Leave a few cycles for the register writes to cross into the datapath clock.
    let start = sim.cycle() + 16;
    let beats = vantage_proto::axis::schedule(&input, args.pacing(), start);
    if let (Some(a), Some(b)) = (beats.first(), beats.last()) {
        let cycles = b.cycle - a.cycle;
        if cycles > LONG_SIM_CYCLES {
            tracing::warn!(
                cycles,
                "the pacing spreads the input over very many cycles; the simulation may take long"
            );
        }
    }
    let pb = spinner(beats.len(), "simulating");
    let holding = args.conn_timeout.is_some();
    let out = if holding {
        sim.run_holding(&beats)
    } else {
        sim.run(&beats)
    }
    .map_err(|e| anyhow::anyhow!("{e}"))
    .with_context(|| format!("simulating {} beats", beats.len()))?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let mut out = out;
    if rules.is_some() {
        out.extend(finish_reports(&mut sim)?);
    }
    // Connections of a history rule still held are reported by a flush, as the model reports
    // them at the end of its input.
    if rules.as_ref().is_some_and(|r| r.0.history_rule().is_some()) {
        vantage_driver::Device::new(&mut sim)
            .flush_connections()
            .context("flushing the connection table")?;
        sim.idle(64);
        out.extend(sim.take_output());
    }
    // SYNs still held are given back by a flush, as the model gives them back at the end.
    if holding {
        Device::new(&mut sim)
            .flush_syns()
            .context("flushing the SYN table")?;
        sim.idle(64);
        out.extend(sim.take_output());
    }
    let frames = frames_of(&out)?;
    let mut counters = Device::new(&mut sim)
        .snapshot()
        .context("reading the simulated device's counters")?;
    let mut times = holding.then(|| times_by_content(&input, &frames, args.ethertype));
    let mut frames = frames;
    let mut flow_ends = Vec::new();
    if args.reasm.reasm {
        // The bitstream has no reasm stage (no REASM feature block): the host runs it in
        // software on the device's output, as the autodiscovery rule says.
        tracing::info!(
            "the simulated device has no reasm stage: running it in software on its output"
        );
        let (out, r) =
            vantage_model::reasm::run_lanes(&args.reasm.config(), args.ethertype, frames);
        let t0 = input.first().map_or(0, |f| f.0);
        times = Some(crate::reasm::output_times(&out, args.ethertype, t0));
        frames = out;
        for (name, v) in r.counters.named() {
            counters.insert(format!("reasm.{name}"), v);
        }
        flow_ends = r.flow_ends;
        let last = times.as_ref().and_then(|t| t.last().copied()).unwrap_or(t0);
        for (k, rec) in flow_ends.iter().enumerate() {
            frames.push(LaneFrame::from_bytes(
                &rec.to_frame(args.ethertype, k as u32 + 1),
            ));
            if let Some(t) = times.as_mut() {
                t.push(last);
            }
        }
    }
    write_frames(&args.output, &input, &frames, times.as_deref())?;
    summary("sim", args, input.len(), &beats, &frames, &counters);
    if holding {
        conn_summary(&counters);
    }
    if args.reasm.reasm {
        crate::reasm::summary("sim (reasm in software)", &counters, &flow_ends);
    }
    if args.reasm.reasm_on_device {
        crate::reasm::device_summary("sim", &counters);
    }
    if args.compare_model {
        compare_with_model(&rules, args, timebase, &beats, &frames, &counters)?;
    }
    Ok(())
}

/// Let the report of an epoch closed during the run go out: idle until STATUS shows no report
/// being sent (at most `REPORT_DRAIN_CYCLES`).
#[cfg(feature = "sim")]
fn finish_reports(sim: &mut vantage_sim::Sim) -> anyhow::Result<Vec<TimedBeat>> {
    use anyhow::Context;
    let mut waited = 0;
    loop {
        let status = vantage_driver::Device::new(&mut *sim)
            .stats_status()
            .context("reading stats STATUS")?;
        if !status.draining {
            return Ok(sim.take_output());
        }
        if waited >= REPORT_DRAIN_CYCLES {
            bail!("the stats stage was still sending an epoch report after {waited} idle cycles");
        }
        sim.idle(10_000);
        waited += 10_000;
    }
}

/// Idle cycles `vantage sim --rules` waits for a report to go out (a full table takes ~70K).
#[cfg(feature = "sim")]
const REPORT_DRAIN_CYCLES: u64 = 1_000_000;

/// Run the model on the beats the simulator got, from the same timebase, and require what the
/// one comparison (`vantage_sim::compare`, the tests' too) requires: the same frames, counters,
/// regenerated SYNs, epoch reports and connection records, but for its list of what may differ.
#[cfg(feature = "sim")]
fn compare_with_model(
    rules: &Option<(
        vantage_proto::rules::RuleSet,
        vantage_proto::stats::Encoded,
        u64,
    )>,
    args: &RunArgs,
    (cycle, value, inc): (u64, u128, u64),
    beats: &[TimedBeat],
    frames: &[LaneFrame],
    counters: &BTreeMap<String, u64>,
) -> anyhow::Result<()> {
    use vantage_sim::compare::{compare, DeviceOutput, Epochs, Moves};
    let t0 = (value >> 32) as u64;
    let config = vantage_model::Config {
        tag_enabled: !args.no_tag,
        ethertype: args.ethertype,
        time: vantage_model::TimeBase { cycle, value, inc },
        stats: model_stats(rules, t0),
        conn: conn_config(args),
        reasm: vantage_model::reasm::ReasmConfig {
            enabled: args.reasm.reasm_on_device,
            max_above_hole: args.reasm.reasm_above_hole,
            ..Default::default()
        },
        ..vantage_model::Config::default()
    };
    let model = vantage_model::run(&config, beats);
    let device = DeviceOutput::split(frames.to_vec(), counters.clone(), config.ethertype)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // A regenerated SYN sent at once may move frames; the frames must still be the model's.
    let a = compare(&device, &model, Moves::Allowed, Epochs::Here)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("the hardware and the model differ")?;
    println!(
        "model: the same {} frames, {} counters, {} regenerated SYNs and {} epoch reports ({} records) as the hardware",
        a.frames, a.counters, a.regenerated, a.epochs, a.epoch_records
    );
    if a.connections > 0 {
        println!("model: the same {} connection records", a.connections);
    }
    if a.connections_lost > 0 {
        println!(
            "  the hardware counted {} connection records lost (its record queue was full): the model's others",
            a.connections_lost
        );
    }
    Ok(())
}

/// The conn stage's registers as `--conn-timeout` sets them: holding on with that timeout.
#[cfg(feature = "model")]
fn conn_config(args: &RunArgs) -> vantage_model::conn::ConnConfig {
    vantage_model::conn::ConnConfig {
        hold: args.conn_timeout.is_some(),
        timeout_ns: args
            .conn_timeout
            .unwrap_or(vantage_proto::conn::DEFAULT_TIMEOUT_NS),
    }
}

/// The stats registers `--rules` gives, with the first epoch boundary after capture time `t0`.
#[cfg(feature = "model")]
fn model_stats(
    rules: &Option<(
        vantage_proto::rules::RuleSet,
        vantage_proto::stats::Encoded,
        u64,
    )>,
    t0: u64,
) -> vantage_model::stats::stage::StatsConfig {
    use vantage_proto::stats::{RULES, RULE_WORDS};
    let Some((_, enc, epoch_ns)) = rules else {
        return Default::default();
    };
    let mut words = enc.rules.clone();
    words.resize(RULES, [0; RULE_WORDS]);
    vantage_model::stats::stage::StatsConfig {
        enabled: true,
        lane_bits: enc.lane_bits,
        rules: words,
        epochs: *epoch_ns > 0,
        epoch_ns: *epoch_ns,
        epoch_start: if *epoch_ns > 0 {
            first_boundary(t0, *epoch_ns)
        } else {
            0
        },
        ..Default::default()
    }
}

#[cfg(not(feature = "sim"))]
pub fn run_sim(_args: &RunArgs) -> anyhow::Result<()> {
    bail!("{}", not_built("sim", "the Verilated hardware"))
}

#[cfg(feature = "model")]
pub fn run_model(args: &RunArgs) -> anyhow::Result<()> {
    if args.trace.is_some() {
        bail!("--trace needs the simulator: use `vantage sim`");
    }
    let input = load_frames(&args.input)?;
    let rules = rule_file(args)?;
    // As `sim` does: the timestamp counter holds the first capture time at cycle 0.
    let t0 = input.first().map_or(0, |f| f.0);
    let config = vantage_model::Config {
        tag_enabled: !args.no_tag,
        ethertype: args.ethertype,
        time: vantage_model::TimeBase::from_ns(t0),
        stats: model_stats(&rules, t0),
        conn: conn_config(args),
        reasm: args.reasm.config(),
        // As `sim` does: the whole stage on the host over the pipeline's output (`--reasm`), or
        // the device's (`--reasm-on-device`).
        reasm_in_software: !args.reasm.reasm_on_device,
        ..vantage_model::Config::default()
    };
    let beats = vantage_proto::axis::schedule(&input, args.pacing(), 0);
    let pb = spinner(beats.len(), "modelling");
    let (out, trace, stage) = vantage_model::run_with_stats(&config, &beats);
    // Each output frame at the capture time of the frame it is, a released SYN at its
    // releaser's; SYNs given back on their own at the end (the model gives them back then).
    let last_ts = input.last().map_or(0, |f| f.0);
    let mut times: Vec<u64> = trace
        .frames
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let from = if f.released {
                trace.frames.get(k + 1).unwrap_or(f)
            } else {
                f
            };
            input.get(from.input).map_or(last_ts, |x| x.0)
        })
        .collect();
    if config.reasm.enabled && config.tag_enabled && config.reasm_in_software {
        // The trace describes the frames before the reasm stage reordered them.
        times = crate::reasm::output_times(&out.frames, config.ethertype, t0);
    }
    times.extend(out.regenerated.iter().map(|_| last_ts));
    let reasm_records = out.flow_ends.len();
    let data: Vec<LaneFrame> = out.frames.into_iter().chain(out.regenerated).collect();
    let mut frames = with_reports(&config, &out.reports, data);
    // Connection records after the traffic: the model reports them when the input ends (the
    // device sends each soon after its connection ends, in gaps of the traffic).
    frames.extend(
        vantage_model::stats::conntable::report_frames(&out.connections)
            .iter()
            .map(|rf| LaneFrame::from_bytes(&rf.encode(config.ethertype))),
    );
    // Flow-end records after the traffic, as the model ends every session at the end (the
    // device's stage only counts the records it makes: they have no way out yet).
    if config.reasm_in_software {
        frames.extend(
            out.flow_ends
                .iter()
                .enumerate()
                .map(|(k, r)| LaneFrame::from_bytes(&r.to_frame(config.ethertype, k as u32 + 1))),
        );
    }
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    write_frames(&args.output, &input, &frames, Some(&times))?;
    summary("model", args, input.len(), &beats, &frames, &out.counters);
    if config.conn.hold {
        conn_summary(&out.counters);
    }
    if config.reasm.enabled {
        if !config.tag_enabled {
            tracing::warn!("--reasm with --no-tag: the stage needs the header to say anything, so it did not run");
        }
        debug_assert_eq!(reasm_records, out.flow_ends.len());
        if args.reasm.reasm_on_device {
            crate::reasm::device_summary("model", &out.counters);
        } else {
            crate::reasm::summary("model", &out.counters, &out.flow_ends);
        }
    }
    if config.stats.history_rule().is_some() {
        let c = stage.conns.counters;
        eprintln!(
            "model: history rule: {} connections reported ({} frames stepped, {} refused with a full bucket, {} not TCP/UDP segments)",
            c.records, c.frames, c.table_full, c.untracked
        );
    }
    Ok(())
}

/// The model's frames with each epoch's report frames put just before the frame that closed it
/// (the first frame of the next epoch); the device puts them later, in gaps of the traffic.
#[cfg(feature = "model")]
fn with_reports(
    config: &vantage_model::Config,
    reports: &[vantage_model::stats::stage::EpochReport],
    frames: Vec<LaneFrame>,
) -> Vec<LaneFrame> {
    let encoded = |r: &vantage_model::stats::stage::EpochReport| -> Vec<LaneFrame> {
        r.frames()
            .iter()
            .map(|rf| LaneFrame::from_bytes(&rf.encode(config.ethertype)))
            .collect()
    };
    let mut reports = reports.iter().peekable();
    let mut out = Vec::with_capacity(frames.len());
    for (i, f) in frames.into_iter().enumerate() {
        while let Some(r) = reports.next_if(|r| r.closed_after <= i) {
            out.extend(encoded(r));
        }
        out.push(f);
    }
    out.extend(reports.flat_map(encoded));
    out
}

#[cfg(not(feature = "model"))]
pub fn run_model(_args: &RunArgs) -> anyhow::Result<()> {
    bail!("{}", not_built("model", "the software model"))
}

/// Build id stamped into `id.BUILD_ID` by `vantage verilog` (the Makefile stamps the git commit).
#[cfg(feature = "hdl")]
const BUILD_ID: u32 = 0;

#[cfg(feature = "hdl")]
pub fn verilog(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = vantage_hdl::emit_verilog(dir, BUILD_ID)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("emitting Verilog into {}", dir.display()))?;
    for f in files {
        println!("{}", f.display());
    }
    Ok(())
}

#[cfg(not(feature = "hdl"))]
pub fn verilog(_dir: &Path) -> anyhow::Result<()> {
    bail!("{}", not_built("hdl", "the Verilog generator"))
}

#[allow(dead_code)]
fn not_built(feature: &str, what: &str) -> String {
    format!("this vantage was built without {what}: rebuild with `cargo build -p vantage --features {feature}`")
}
