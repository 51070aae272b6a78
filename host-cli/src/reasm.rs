//! The reasm stage from the command line: `--reasm` and its registers for `sim` and `model`, the
//! REASM tag and flow-end records in `decode`, and `decode --streams`, which writes the stream a
//! monitor rebuilds from the tags, per connection and direction.

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::Path;
use vantage_proto::reasm::{
    DirFigures, End, Fallback, FlowEnd, ReasmInfo, Status, FLAG_INCONSISTENT,
};

/// What to do with a frame whose payload was all delivered before.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RetransmitArg {
    /// Forward it, tagged RETRANSMISSION with skip = its payload: the monitor's packet counts stay
    /// exact and it reads no byte twice.
    Forward,
    /// Drop it; counted, and in the connection's flow-end record.
    Drop,
}

/// The reasm stage's options of `sim` and `model` (docs/reasm.md).
#[derive(Args, Debug, Clone)]
pub struct ReasmArgs {
    /// Reassemble TCP (the reasm stage): every connection reaches the monitor in order, each
    /// frame tagged with flow id, direction, stream offset and status; frames above a hole wait
    /// for the bytes below it; holes that will not fill go out as gaps; a flow-end record per
    /// connection follows the traffic. The whole stage runs on the host, in software, over the
    /// pipeline's output (`sim`: the device's; `model`: the model's).
    #[arg(long, conflicts_with = "reasm_on_device")]
    pub reasm: bool,
    /// Turn on the device's reasm stage (bitstream feature REASM) instead: the session engine in
    /// the NIC follows every TCP segment and tags it (flow id, offset, status). It has no segment
    /// store yet, so a segment above a hole makes its connection fall back, and frames are not
    /// reordered; flow-end records are counted, not sent. `sim --compare-model` checks it.
    #[arg(long)]
    pub reasm_on_device: bool,
    /// Bytes held above one direction's hole before the hole is given up as a gap (Zeek's
    /// tcp_max_above_hole_without_any_acks).
    #[arg(long, value_name = "BYTES", default_value_t = vantage_proto::reasm::DEFAULT_MAX_ABOVE_HOLE)]
    pub reasm_above_hole: u32,
    /// How long a hole waits for its bytes before it is given up as a gap (e.g. 1s, 200ms).
    #[arg(long, value_name = "DURATION", value_parser = crate::parse_duration_ns, requires = "reasm")]
    pub reasm_hole_timeout: Option<u64>,
    /// What happens to retransmissions of bytes already delivered.
    #[arg(long, value_enum, default_value_t = RetransmitArg::Forward, requires = "reasm")]
    pub reasm_retransmit: RetransmitArg,
    /// Frames the segment store holds at most (the device's store in external memory).
    #[arg(long, value_name = "N", default_value_t = vantage_proto::reasm::DEFAULT_STORE_SLOTS, requires = "reasm")]
    pub reasm_store_frames: usize,
    /// log2 of the session table's buckets (4 sessions each; 18 = 1M sessions).
    #[arg(long, value_name = "BITS", default_value_t = vantage_proto::reasm::DEFAULT_SESSION_BUCKET_BITS,
          value_parser = clap::value_parser!(u32).range(0..=24), requires = "reasm")]
    pub reasm_bucket_bits: u32,
}

#[cfg(feature = "model")]
impl ReasmArgs {
    /// The stage's registers as the options set them (the stage off without `--reasm`).
    pub fn config(&self) -> vantage_model::reasm::ReasmConfig {
        vantage_model::reasm::ReasmConfig {
            enabled: self.reasm || self.reasm_on_device,
            max_above_hole: self.reasm_above_hole,
            hole_timeout_ns: self
                .reasm_hole_timeout
                .unwrap_or(vantage_proto::reasm::DEFAULT_HOLE_TIMEOUT_NS),
            retransmit: match self.reasm_retransmit {
                RetransmitArg::Forward => vantage_proto::reasm::RetransmitPolicy::Forward,
                RetransmitArg::Drop => vantage_proto::reasm::RetransmitPolicy::Drop,
            },
            store_slots: self.reasm_store_frames,
            bucket_bits: self.reasm_bucket_bits,
            ..vantage_model::reasm::ReasmConfig::default()
        }
    }
}

/// Each output frame's time for the output capture: its TIMESTAMP tag, or later when a frame
/// before it was later (a frame released from the store goes out at its filler's time); frames
/// without one at the time before them.
pub fn output_times(
    frames: &[vantage_proto::axis::LaneFrame],
    ethertype: u16,
    first: u64,
) -> Vec<u64> {
    let mut t = first;
    frames
        .iter()
        .map(|f| {
            let lanes: Vec<u8> = f.lanes.iter().take(64).map(|l| l.unwrap_or(0)).collect();
            if let Ok((h, _)) = vantage_proto::header::TaggedHeader::decode(&lanes, ethertype) {
                t = t.max(h.timestamp().unwrap_or(t));
            }
            t
        })
        .collect()
}

/// The stage's figures after a run, on stderr: connections followed, the share without fallback,
/// gaps, fallbacks by reason, the store's peak.
/// `vantage reasm show`: the stage's registers and counters, read from the device.
pub fn show(spec: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut dev = crate::devices::open(spec)?;
    let s = dev
        .reasm_state()
        .with_context(|| format!("reading the reasm stage of device {spec}"))?;
    println!(
        "following TCP segments: {} (CONTROL bit 0; only while tagging is on too)",
        if s.enabled { "on" } else { "off" }
    );
    println!(
        "status: {}, {}, clock {}",
        if s.on {
            "on (frames go through the stage)"
        } else {
            "bypassed"
        },
        if s.empty { "empty" } else { "holding beats" },
        if s.clock_running {
            "running"
        } else {
            "stopped"
        }
    );
    println!(
        "session table: 2^{} buckets per choice (at most 2^{}), {} ways each",
        s.bucket_bits, s.max_bucket_bits, s.ways
    );
    println!(
        "above a hole: {} bytes per direction before the hole is given up as a gap",
        s.max_above_hole
    );
    println!(
        "timing: every beat waits {} cycles; frames of up to {} beats are answered in time",
        s.delay_cycles, s.max_beats
    );
    let counters = dev
        .snapshot()
        .with_context(|| format!("reading the counters of device {spec}"))?;
    let reasm: Vec<(&String, &u64)> = counters
        .iter()
        .filter(|(name, _)| name.starts_with("reasm."))
        .collect();
    if reasm.is_empty() {
        println!("counters: none (the device's counter list has no reasm block)");
    }
    for (name, value) in reasm {
        println!("  {name:<24} {value}");
    }
    Ok(())
}

/// One line on what the device's reasm stage did (its counters, `proto::regs::reasm`).
pub fn device_summary(who: &str, counters: &std::collections::BTreeMap<String, u64>) {
    let c = |n: &str| counters.get(&format!("reasm.{n}")).copied().unwrap_or(0);
    eprintln!(
        "{who}: reasm on the device: {} frames, {} TCP segments followed: {} in order, {} retransmissions, {} control, {} fallback, {} of no session, {} late ({} refused by the engine, {} too long); not followed: {} not TCP, {} truncated, {} malformed, {} not asked; {} flow-end records made (counted only)",
        c("frames"),
        c("followed"),
        c("in_order"),
        c("retransmissions"),
        c("control"),
        c("fallback"),
        c("no_session"),
        c("late"),
        c("dir_refused"),
        c("too_long"),
        c("not_tcp"),
        c("truncated"),
        c("malformed"),
        c("not_asked"),
        c("flow_ends"),
    );
}

pub fn summary(
    who: &str,
    counters: &std::collections::BTreeMap<String, u64>,
    flow_ends: &[FlowEnd],
) {
    let c = |n: &str| counters.get(&format!("reasm.{n}")).copied().unwrap_or(0);
    let followed = flow_ends.iter().filter(|r| r.fallback == 0).count();
    let share = if flow_ends.is_empty() {
        100.0
    } else {
        100.0 * followed as f64 / flow_ends.len() as f64
    };
    eprintln!(
        "{who}: reasm: {} connections, {followed} ({share:.1} %) reassembled without fallback; {} frames in order, {} released from the store, {} retransmissions ({} dropped); {} gaps ({} bytes: {} acknowledged unseen, {} over the cap, {} timed out, {} evicted); fallbacks: {} table full, {} second hole, {} store exhausted; {} inconsistent overlaps; store peak {} frames, {} bytes",
        flow_ends.len(),
        c("in_order"),
        c("released"),
        c("retransmissions"),
        c("dropped"),
        c("gaps"),
        c("gap_bytes"),
        c("ack_gaps"),
        c("cap_gaps"),
        c("hole_timeouts"),
        c("evictions"),
        c("fallback_table_full"),
        c("fallback_second_hole"),
        c("fallback_buffer_exhausted"),
        c("inconsistent"),
        c("peak_held_frames"),
        c("peak_held_bytes"),
    );
}

/// The REASM tag as `decode` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasmRow {
    pub flow_id: u64,
    /// "orig" (originator to responder) or "resp".
    pub direction: &'static str,
    pub offset: u64,
    pub skip: u16,
    pub gap: u32,
    /// "in-order", "released", "retransmission", "control", "fallback", or the number.
    pub status: String,
    /// Bytes of this frame differed from bytes the stage held.
    pub inconsistent: bool,
    /// The fallback reason when the status is fallback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl From<ReasmInfo> for ReasmRow {
    fn from(i: ReasmInfo) -> Self {
        ReasmRow {
            flow_id: i.flow_id,
            direction: if i.direction() == 0 { "orig" } else { "resp" },
            offset: i.offset,
            skip: i.skip,
            gap: i.gap,
            status: i
                .status()
                .map_or_else(|| i.status.to_string(), |s| s.name().to_string()),
            inconsistent: i.flags & FLAG_INCONSISTENT != 0,
            fallback: (i.status == Status::Fallback as u8).then(|| fallback_name(i.reason)),
        }
    }
}

fn fallback_name(r: u8) -> String {
    Fallback::from_u8(r).map_or_else(|| r.to_string(), |f| f.name().to_string())
}

impl ReasmRow {
    /// The tag on one line.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "  flow {} {} {} offset {}",
            self.flow_id, self.direction, self.status, self.offset
        );
        if self.skip > 0 {
            s += &format!(" skip {}", self.skip);
        }
        if self.gap > 0 {
            s += &format!(" gap {}", self.gap);
        }
        if self.inconsistent {
            s += " INCONSISTENT";
        }
        if let Some(f) = &self.fallback {
            s += &format!(" ({f})");
        }
        s
    }
}

/// A flow-end record as `decode` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowEndRow {
    pub flow_id: u64,
    pub orig_h: String,
    pub orig_p: u16,
    pub resp_h: String,
    pub resp_p: u16,
    /// "closed", "idle", "reused", "flushed", or the number.
    pub end: String,
    /// The fallback reason, when the stage stopped following the connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    pub first_ns: u64,
    pub last_ns: u64,
    pub orig: DirFigures,
    pub resp: DirFigures,
}

fn host(v6: bool, a: [u8; 16]) -> String {
    vantage_proto::flowhash::ip_from_16(v6, a).to_string()
}

impl From<&FlowEnd> for FlowEndRow {
    fn from(r: &FlowEnd) -> Self {
        FlowEndRow {
            flow_id: r.flow_id,
            orig_h: host(r.v6, r.originator.0),
            orig_p: r.originator.1,
            resp_h: host(r.v6, r.responder.0),
            resp_p: r.responder.1,
            end: End::from_u8(r.end).map_or_else(|| r.end.to_string(), |e| e.name().to_string()),
            fallback: (r.fallback != 0).then(|| fallback_name(r.fallback)),
            first_ns: r.first_ns,
            last_ns: r.last_ns,
            orig: r.dirs[0],
            resp: r.dirs[1],
        }
    }
}

impl FlowEndRow {
    pub fn describe(&self) -> String {
        format!(
            "flow-end {}  {}:{} -> {}:{}  {}{}  orig {} bytes ({} missed in {} gaps, {} retransmissions, {} inconsistent)  resp {} bytes ({} missed in {} gaps, {} retransmissions, {} inconsistent)",
            self.flow_id,
            self.orig_h,
            self.orig_p,
            self.resp_h,
            self.resp_p,
            self.end,
            self.fallback.as_ref().map_or(String::new(), |f| format!(" fallback {f}")),
            self.orig.delivered,
            self.orig.missed,
            self.orig.gaps,
            self.orig.retransmissions,
            self.orig.inconsistent,
            self.resp.delivered,
            self.resp.missed,
            self.resp.gaps,
            self.resp.retransmissions,
            self.resp.inconsistent,
        )
    }
}

/// `decode --streams DIR`: each connection's stream per direction, as a monitor rebuilds it from
/// the tags, into `DIR/<flow id>-<orig|resp>.bin`, and `DIR/streams.tsv` listing each file with
/// its endpoints, length, gaps and fallback reason. Tag errors (an offset not where the stream
/// is) are printed and make the command fail.
#[cfg(feature = "model")]
pub fn write_streams(input: &Path, ethertype: u16, dir: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    use vantage_model::reasm::streams::Streams;
    let packets = vantage_capture::read(input)?;
    let streams = Streams::of(packets.iter().map(|p| p.data.as_slice()), ethertype);
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let index_path = dir.join("streams.tsv");
    let mut index = std::io::BufWriter::new(
        std::fs::File::create(&index_path)
            .with_context(|| format!("creating {}", index_path.display()))?,
    );
    let res: std::io::Result<()> = (|| {
        writeln!(
            index,
            "file\tflow_id\tdirection\tsrc\tdst\tbytes\tgaps\tgap_bytes\tfin\tfallback"
        )?;
        for ((flow, d), s) in &streams.streams {
            let name = format!("{flow}-{}.bin", if *d == 0 { "orig" } else { "resp" });
            std::fs::write(dir.join(&name), &s.bytes)?;
            let ep = |e: &vantage_proto::conn::Endpoint| format!("{}:{}", host(s.v6, e.0), e.1);
            writeln!(
                index,
                "{name}\t{flow}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                if *d == 0 { "orig" } else { "resp" },
                ep(&s.src),
                ep(&s.dst),
                s.bytes.len(),
                s.gaps.len(),
                s.gaps.iter().map(|g| g.1).sum::<u64>(),
                s.fin,
                s.fallback.map_or("-".to_string(), fallback_name),
            )?;
        }
        index.flush()
    })();
    res.with_context(|| format!("writing streams into {}", dir.display()))?;
    eprintln!(
        "{} streams written to {} ({} frames without a REASM tag)",
        streams.streams.len(),
        dir.display(),
        streams.untagged
    );
    if !streams.errors.is_empty() {
        for e in streams.errors.iter().take(20) {
            eprintln!("tag error: {e}");
        }
        anyhow::bail!(
            "{} frames contradict their stream's tags",
            streams.errors.len()
        );
    }
    Ok(())
}

#[cfg(not(feature = "model"))]
pub fn write_streams(_input: &Path, _ethertype: u16, _dir: &Path) -> anyhow::Result<()> {
    anyhow::bail!("--streams needs a vantage built with the `model` feature")
}
