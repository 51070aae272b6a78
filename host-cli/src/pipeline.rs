//! `vantage sim`, `vantage model` and `vantage verilog`: captures in, frames through a pipeline,
//! captures out.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::bail;
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
    let packets = vantage_capture::read(path)?;
    tracing::info!(path = %path.display(), frames = packets.len(), "capture loaded");
    Ok(packets
        .into_iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect())
}

/// Write the pipeline's output frames; frame i gets the capture time of input frame i (frames are
/// never dropped or reordered, so the counts match; extra frames get the last time).
#[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
pub fn write_frames(
    path: &Path,
    input: &[(u64, LaneFrame)],
    output: &[LaneFrame],
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
    let packets: Vec<Packet> = output
        .iter()
        .enumerate()
        .map(|(i, f)| Packet {
            ts_ns: input.get(i).map_or(last_ts, |x| x.0),
            data: f.bytes(),
        })
        .collect();
    vantage_capture::write(path, &packets)?;
    Ok(())
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
    use anyhow::Context;
    use vantage_driver::Device;
    use vantage_sim::Sim;

    let input = load_frames(&args.input)?;
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
        dev.set_tagging(!args.no_tag)?;
        dev.set_ethertype(args.ethertype)?;
        // Stamp frames with capture-like times: the counter starts at the first capture time.
        dev.load_time(input.first().map_or(0, |f| f.0))?;
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
    let out = sim
        .run(&beats)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("simulating {} beats", beats.len()))?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let frames = frames_of(&out)?;
    let counters = Device::new(&mut sim)
        .snapshot()
        .context("reading the simulated device's counters")?;
    write_frames(&args.output, &input, &frames)?;
    summary("sim", args, input.len(), &beats, &frames, &counters);
    if args.compare_model {
        compare_with_model(args, timebase, &beats, &frames, &counters)?;
    }
    Ok(())
}

/// Run the model on the beats the simulator got, from the same timebase, and require the same
/// frames (lane by lane, trailing empty lanes aside) and counters.
#[cfg(all(feature = "sim", feature = "model"))]
fn compare_with_model(
    args: &RunArgs,
    (cycle, value, inc): (u64, u128, u64),
    beats: &[TimedBeat],
    frames: &[LaneFrame],
    counters: &BTreeMap<String, u64>,
) -> anyhow::Result<()> {
    let config = vantage_model::Config {
        tag_enabled: !args.no_tag,
        ethertype: args.ethertype,
        time: vantage_model::TimeBase { cycle, value, inc },
        ..vantage_model::Config::default()
    };
    let model = vantage_model::run(&config, beats);
    if model.frames.len() != frames.len() {
        bail!(
            "model gives {} frames, the hardware {}",
            model.frames.len(),
            frames.len()
        );
    }
    if let Some(i) = frames
        .iter()
        .zip(&model.frames)
        .position(|(a, b)| a.trimmed() != b.trimmed())
    {
        bail!("frame {} differs between the hardware and the model", i + 1);
    }
    for (name, value) in &model.counters {
        if counters.get(name) != Some(value) {
            bail!(
                "counter {name}: hardware {:?}, model {value}",
                counters.get(name)
            );
        }
    }
    println!(
        "model: the same {} frames and {} counters as the hardware",
        frames.len(),
        model.counters.len()
    );
    Ok(())
}

#[cfg(all(feature = "sim", not(feature = "model")))]
fn compare_with_model(
    _: &RunArgs,
    _: (u64, u128, u64),
    _: &[TimedBeat],
    _: &[LaneFrame],
    _: &BTreeMap<String, u64>,
) -> anyhow::Result<()> {
    bail!("{}", not_built("model", "the software model"))
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
    // As `sim` does: the timestamp counter holds the first capture time at cycle 0.
    let t0 = input.first().map_or(0, |f| f.0);
    let config = vantage_model::Config {
        tag_enabled: !args.no_tag,
        ethertype: args.ethertype,
        time: vantage_model::TimeBase {
            cycle: 0,
            value: u128::from(t0) << 32,
            inc: vantage_proto::datapath::default_ts_increment(),
        },
        ..vantage_model::Config::default()
    };
    let beats = vantage_proto::axis::schedule(&input, args.pacing(), 0);
    let pb = spinner(beats.len(), "modelling");
    let out = vantage_model::run(&config, &beats);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    write_frames(&args.output, &input, &out.frames)?;
    summary(
        "model",
        args,
        input.len(),
        &beats,
        &out.frames,
        &out.counters,
    );
    Ok(())
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
    use anyhow::Context;
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
