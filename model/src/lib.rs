//! The Vantage pipeline in plain Rust: the golden reference the RTL is tested against, and the
//! software fallback for hosts whose bitstream lacks a stage.
//!
//! It states the behaviour of `docs/pipeline.md` directly, stage by stage, and does not copy the
//! RTL's structure:
//!
//! ```text
//!  input beats ──► ingress ──────────► parse ─────────► tag ─────────────► output frames
//!  (TimedBeat)     frames, timestamps,  Meta per frame   FIFO + decision,   (LaneFrame) and
//!                  release cycles       (128-lane        header insertion   counters
//!                                       window)
//! ```
//!
//! Only two things are cycle-faithful, because only they change the output: the lookahead
//! release rule (when beats enter the tag FIFO) and the tag FIFO's backlog decision. Everything
//! else is computed per frame. A constant latency between release and the FIFO (the parse
//! pipeline's depth) shifts every cycle alike and changes nothing, so the model has none.
//!
//! ```
//! use vantage_model::{run, Config};
//! use vantage_proto::axis::{schedule, LaneFrame, Pacing};
//!
//! let frame = LaneFrame::from_bytes(&[0u8; 64]);
//! let input = schedule(&[(0, frame)], Pacing::BackToBack, 0);
//! let out = run(&Config::default(), &input);
//! assert_eq!(out.frames[0].lanes.len(), 64 + 24); // tagged
//! assert_eq!(out.counters["tag.tagged"], 1);
//! ```

pub mod conn;
pub mod counters;
#[cfg(feature = "gen")]
pub mod gen;
pub mod ingress;
pub mod parse;
pub mod reasm;
pub mod stats;
pub mod tag;

pub use counters::Counters;
pub use ingress::TimeBase;
pub use parse::{parse, parse_frame, Meta, TcpFields};
pub use tag::TagDecision;

use vantage_proto::axis::{LaneFrame, TimedBeat};
use vantage_proto::datapath::default_ts_increment;
use vantage_proto::flowhash::{DEFAULT_KEY, KEY_BYTES};
use vantage_proto::header::{FlowInfo, TaggedHeader, DEFAULT_ETHERTYPE};
use vantage_proto::ParseFlags;

/// The registers that change the pipeline's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `tag.CONTROL` bit 0.
    pub tag_enabled: bool,
    /// `tag.ETHERTYPE`.
    pub ethertype: u16,
    /// `parse.HASH_KEY0..9` as bytes.
    pub hash_key: [u8; KEY_BYTES],
    /// The timestamp counter (`ts.*`, known through a snapshot).
    pub time: TimeBase,
    /// The stats block (`stats.*`).
    pub stats: stats::stage::StatsConfig,
    /// The conn block (`conn.*`).
    pub conn: conn::ConnConfig,
    /// The reasm block (`reasm.*`); it runs only while tagging is on.
    pub reasm: reasm::ReasmConfig,
    /// Reassembly runs on the host, in software, over the device's output (the whole stage with
    /// its segment store, `reasm::run_lanes`), and the device's stage stays off. Clear, `reasm`
    /// is the device's stage (`reasm::device`: no segment store yet).
    pub reasm_in_software: bool,
}

impl Default for Config {
    /// The register values after reset.
    fn default() -> Self {
        Config {
            tag_enabled: true,
            ethertype: DEFAULT_ETHERTYPE,
            hash_key: DEFAULT_KEY,
            time: TimeBase {
                cycle: 0,
                value: 0,
                inc: default_ts_increment(),
            },
            stats: stats::stage::StatsConfig::default(),
            conn: conn::ConnConfig::default(),
            reasm: reasm::ReasmConfig::default(),
            reasm_in_software: false,
        }
    }
}

/// What the pipeline puts out for an input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelOutput {
    /// Output frames in order: one per complete input frame, less the SYNs the conn stage holds,
    /// each released SYN just before the frame that released it.
    pub frames: Vec<LaneFrame>,
    /// SYNs the conn stage gives back on their own (expired, flushed at the end of the input,
    /// late), tagged; the device sends them in gaps, so only the set is stated.
    pub regenerated: Vec<LaneFrame>,
    /// Every parse and tag counter (0 if never incremented).
    pub counters: Counters,
    /// The stats stage's reports of the epochs closed by the frames, oldest first.
    pub reports: Vec<stats::stage::EpochReport>,
    /// The history rule's connection records, in the order the connections ended; the table is
    /// flushed at the end of the input.
    pub connections: Vec<vantage_proto::conntable::ConnRecord>,
    /// The reasm stage's flow-end records, in the order the sessions ended: in software
    /// (`Config::reasm_in_software`) every session ends at the end of the input; the device's
    /// stage makes one when a session's way is reused (and only counts it).
    pub flow_ends: Vec<vantage_proto::reasm::FlowEnd>,
}

/// What happened to each frame, for debugging a mismatch with the RTL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub frames: Vec<FrameTrace>,
    /// Most beats that waited in the tag FIFO at the start of a cycle (must stay within
    /// `TAG_FIFO_DEPTH`).
    pub max_backlog: usize,
}

/// One output frame's path through the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameTrace {
    /// The input frame it is (a released SYN: the SYN's index).
    pub input: usize,
    /// A SYN the conn stage held, released just before this frame's successor.
    pub released: bool,
    pub meta: Meta,
    /// Ingress time in ns (the TIMESTAMP tag).
    pub ingress_ns: u64,
    pub decision: TagDecision,
    /// Arrival cycle of each input beat.
    pub arrival: Vec<u64>,
    /// Release cycle of each input beat (into the parse stage).
    pub release: Vec<u64>,
    /// Cycle each beat leaves the conn stage: the release cycle, later when the conn stage put
    /// released SYNs ahead of it. The reasm stage's ingress releases it once more
    /// (`ingress::release_again`), and that, plus a constant, is when it enters the tag FIFO.
    pub pushed: Vec<u64>,
    /// Cycle in which each output beat was sent (the RTL adds its constant latency).
    pub sent: Vec<u64>,
}

/// Run the pipeline over `input` (sorted by cycle, at most one beat per cycle).
///
/// A trailing frame without `tlast` produces no output and is not counted: its last beat is
/// never released into the parse stage (it waits for a successor). Beats given out of order or
/// two in one cycle (which the MAC cannot do) are taken in the next free cycle.
pub fn run(config: &Config, input: &[TimedBeat]) -> ModelOutput {
    run_traced(config, input).0
}

/// [`run`], and what happened to each frame.
pub fn run_traced(config: &Config, input: &[TimedBeat]) -> (ModelOutput, Trace) {
    let (output, trace, _) = run_all(config, input);
    (output, trace)
}

/// [`run`], what happened to each frame, and the stats stage after it (its tables and the
/// history rule's counters).
pub fn run_with_stats(
    config: &Config,
    input: &[TimedBeat],
) -> (ModelOutput, Trace, stats::stage::StatsStage) {
    run_all(config, input)
}

fn run_all(config: &Config, input: &[TimedBeat]) -> (ModelOutput, Trace, stats::stage::StatsStage) {
    let frames = ingress::frames(input);
    let metas = parse_all(config, &frames);
    let (news, mut stage) = stats_run(config, &frames, &metas);
    let ts: Vec<u64> = frames
        .iter()
        .map(|f| f.arrival.first().map_or(0, |&c| config.time.ns_at(c)))
        .collect();
    let conn = conn::run(&config.conn, config.tag_enabled, &frames, &metas, &ts);
    // Each output frame's header, with the REASM tag the device's reasm stage gave it, if any.
    let header_of = |o: &conn::OutFrame, reasm: Option<vantage_proto::reasm::ReasmInfo>| {
        let syn = o.given.as_ref().map(|g| g.info());
        header_for(
            config,
            ts[o.input],
            &metas[o.input],
            news[o.input],
            syn,
            reasm,
        )
    };
    let headers_before: Vec<Vec<u8>> = conn.output.iter().map(|o| header_of(o, None)).collect();
    // The device's reasm stage, when on, parses the conn stage's frames again: its ingress
    // releases each beat by the lookahead rule once more, and the tag stage sees the beats at
    // those cycles (plus a constant). Off, the frames bypass it.
    let reasm_on = config.reasm.enabled && config.tag_enabled && !config.reasm_in_software;
    let relayed: Vec<Vec<u64>> = conn
        .output
        .iter()
        .map(|o| {
            if reasm_on {
                ingress::release_again(&o.cycles)
            } else {
                o.cycles.clone()
            }
        })
        .collect();
    let device = if reasm_on {
        device_reasm(config, &frames, &conn, &relayed, &headers_before)
    } else {
        DeviceReasm {
            tags: vec![None; conn.output.len()],
            counters: Default::default(),
            flow_ends: Vec::new(),
        }
    };
    let headers: Vec<Vec<u8>> = conn
        .output
        .iter()
        .zip(&device.tags)
        .zip(headers_before)
        .map(|((o, tag), before)| match tag {
            Some(info) => header_of(o, Some(*info)),
            None => before,
        })
        .collect();
    let tag_in: Vec<(&ingress::InFrame, &[u64])> = conn
        .output
        .iter()
        .zip(&relayed)
        .map(|(o, c)| (&frames[o.input], c.as_slice()))
        .collect();
    let header_lens: Vec<usize> = headers.iter().map(Vec::len).collect();
    let engine = tag::run_engine(&tag_in, &header_lens, config.tag_enabled);
    let mut output = ModelOutput {
        frames: Vec::with_capacity(frames.len()),
        ..ModelOutput::default()
    };
    let (mut parse_counters, mut tag_counters) = (
        counters::ParseCounters::default(),
        counters::TagCounters::default(),
    );
    for (frame, meta) in frames.iter().zip(&metas) {
        parse_counters.count(&frame.beats, meta);
    }
    let mut trace = Trace {
        frames: Vec::with_capacity(frames.len()),
        max_backlog: engine.max_backlog,
    };
    for (k, o) in conn.output.iter().enumerate() {
        let frame = &frames[o.input];
        let decision = engine.decisions[k];
        let lanes = frame.lane_frame();
        let out = tag::apply(lanes, decision, &headers[k]);
        tag_counters.count(&out, decision);
        output.frames.push(out);
        trace.frames.push(FrameTrace {
            input: o.input,
            released: o.given.is_some(),
            meta: metas[o.input],
            ingress_ns: ts[o.input],
            decision,
            arrival: frame.arrival.clone(),
            release: frame.release.clone(),
            pushed: o.cycles.clone(),
            sent: engine.sent[k].clone(),
        });
    }
    // Given back on their own, each in a gap: the tag FIFO is empty, so each is tagged.
    output.regenerated = conn
        .regenerated
        .iter()
        .map(|g| {
            let i = g.syn.input;
            let header = header_for(config, ts[i], &metas[i], news[i], Some(g.info()), None);
            let out = tag::insert_header(&frames[i].lane_frame(), &header);
            tag_counters.count(&out, TagDecision::Tagged);
            out
        })
        .collect();
    output.counters = counters::to_map(
        &parse_counters,
        &tag_counters,
        &stage.counters,
        &stage.conns.counters,
        &conn.counters,
    );
    // The regenerated SYNs pass the device's reasm stage too (when on), never asked about.
    let mut reasm_counts = device.counters;
    if reasm_on {
        reasm_counts.frames += output.regenerated.len() as u64;
        reasm_counts.not_asked += output.regenerated.len() as u64;
    }
    for (name, v) in reasm_counts.named() {
        output.counters.insert(format!("reasm.{name}"), v);
    }
    output.flow_ends = device.flow_ends;
    if config.reasm.enabled && config.tag_enabled && config.reasm_in_software {
        reasm_pass(config, &mut output);
    }
    output.reports = std::mem::take(&mut stage.reports);
    output.connections = std::mem::take(&mut stage.conns.ended);
    (output, trace, stage)
}

/// What the device's reasm stage did to the conn stage's output frames.
struct DeviceReasm {
    /// Each output frame's REASM tag, if it has one.
    tags: Vec<Option<vantage_proto::reasm::ReasmInfo>>,
    counters: reasm::device::DeviceCounters,
    flow_ends: Vec<vantage_proto::reasm::FlowEnd>,
}

/// The device's reasm stage (`reasm::device`) over the conn stage's output frames, each read
/// with the header the pipeline gave it so far (`headers`), its beats reaching the stage at the
/// cycles `relayed` (its second ingress's release, plus a constant); the stage is on. It never
/// asks about a SYN the conn stage regenerated.
fn device_reasm(
    config: &Config,
    frames: &[ingress::InFrame],
    conn: &conn::ConnRun,
    relayed: &[Vec<u64>],
    headers: &[Vec<u8>],
) -> DeviceReasm {
    let lanes: Vec<LaneFrame> = conn
        .output
        .iter()
        .map(|o| frames[o.input].lane_frame())
        .collect();
    let asked: Vec<bool> = conn
        .output
        .iter()
        .map(|o| {
            let regenerated = o
                .given
                .as_ref()
                .is_some_and(|g| g.info().why != vantage_proto::conn::Why::Released as u8);
            !regenerated
        })
        .collect();
    let tagged: Vec<Vec<u8>> = lanes
        .iter()
        .zip(&asked)
        .zip(headers)
        .map(|((l, &ask), h)| {
            if ask && !l.has_hole() {
                vantage_proto::header::insert(&l.bytes(), h)
            } else {
                Vec::new()
            }
        })
        .collect();
    let input: Vec<reasm::device::DeviceFrame> = relayed
        .iter()
        .zip(&lanes)
        .zip(&tagged)
        .zip(&asked)
        .map(|(((c, l), t), &ask)| reasm::device::DeviceFrame {
            lanes: l,
            tagged: t,
            first_cycle: c.first().copied().unwrap_or(0),
            facts_cycle: c.last().copied().unwrap_or(0),
            ask,
        })
        .collect();
    let cfg = reasm::device::config(&config.reasm);
    let (answers, flow_ends) = reasm::device::answers(&cfg, config.ethertype, &input);
    DeviceReasm {
        tags: answers
            .iter()
            .map(|a| match a {
                reasm::device::Answer::Tagged(info) => Some(*info),
                _ => None,
            })
            .collect(),
        counters: reasm::device::DeviceCounters::of(&answers, flow_ends.len()),
        flow_ends,
    }
}

/// The reasm stage in software over the tagged output frames (`Config::reasm_in_software`):
/// they are replaced by its output, its counters replace the device stage's as `reasm.*`. The
/// trace keeps describing the frames before the stage.
fn reasm_pass(config: &Config, output: &mut ModelOutput) {
    let frames = std::mem::take(&mut output.frames);
    let (frames, r) = reasm::run_lanes(&config.reasm, config.ethertype, frames);
    output.frames = frames;
    output.flow_ends = r.flow_ends;
    for (name, v) in r.counters.named() {
        output.counters.insert(format!("reasm.{name}"), v);
    }
}

/// The tag stage alone behind ingress and parse (which add a fixed latency and nothing else):
/// `input` as the MAC gives it, frame `k` tagged with the header `header(k, its parse
/// results)`; each frame out and the tag stage's decision.
pub fn run_tag_alone(
    config: &Config,
    input: &[TimedBeat],
    header: impl Fn(usize, &Meta) -> Vec<u8>,
) -> Vec<(LaneFrame, TagDecision)> {
    let frames = ingress::frames(input);
    let metas = parse_all(config, &frames);
    let headers: Vec<Vec<u8>> = metas
        .iter()
        .enumerate()
        .map(|(k, m)| header(k, m))
        .collect();
    let tag_in: Vec<(&ingress::InFrame, &[u64])> =
        frames.iter().map(|f| (f, f.release.as_slice())).collect();
    let lens: Vec<usize> = headers.iter().map(Vec::len).collect();
    let engine = tag::run_engine(&tag_in, &lens, config.tag_enabled);
    frames
        .iter()
        .zip(engine.decisions)
        .zip(&headers)
        .map(|((f, d), h)| (tag::apply(f.lane_frame(), d, h), d))
        .collect()
}

/// The stats stage after `input`: its group table and counters (what PEEK and the stats counters
/// of the device read after the same input).
pub fn run_stats(config: &Config, input: &[TimedBeat]) -> stats::stage::StatsStage {
    let frames = ingress::frames(input);
    let metas = parse_all(config, &frames);
    stats_run(config, &frames, &metas).1
}

/// The parse stage's metadata of every frame.
fn parse_all(config: &Config, frames: &[ingress::InFrame]) -> Vec<Meta> {
    frames
        .iter()
        .map(|f| {
            f.beats.first().map_or_else(Meta::default, |first| {
                parse(first, f.lookahead(), &config.hash_key)
            })
        })
        .collect()
}

/// The stats stage over every frame in order: each frame's news for the tag stage (None when the
/// frame is late: its first beat left before its last beat was counted), and the stats counters.
fn stats_run(
    config: &Config,
    frames: &[ingress::InFrame],
    metas: &[Meta],
) -> (Vec<Option<stats::stage::News>>, stats::stage::StatsStage) {
    use vantage_proto::stats::{DELAY, DELAY_MARGIN};
    let mut stage = stats::stage::StatsStage::new(config.stats.clone());
    let history = config.stats.history_rule().is_some();
    let news = frames
        .iter()
        .zip(metas)
        .map(|(frame, meta)| {
            let bytes: u64 = frame.beats.iter().map(|b| b.valid_bytes() as u64).sum();
            let ts_ns = frame.arrival.first().map_or(0, |&c| config.time.ns_at(c));
            let segment = (history && !meta.flags.has(ParseFlags::KEEP_HOLE))
                .then(|| {
                    stats::history::Segment::from_frame(
                        &frame.lane_frame().bytes(),
                        &config.hash_key,
                    )
                })
                .flatten();
            let facts = stats::rules::FrameFacts {
                meta,
                ip_ok: meta.ip_ok,
                ingress_port: 0,
                ts_ns,
                segment,
                // Release cycles are the stats stage's input cycles less a constant.
                end_cycle: frame.release.last().copied().unwrap_or(0),
            };
            if !frame.arrival.is_empty() {
                stage.frame_ends_at(ts_ns);
            }
            let news = stage.count(&facts, bytes);
            // Release cycles are the stats stage's input cycles less a constant.
            let span = frame.release.last().copied().unwrap_or(0)
                - frame.release.first().copied().unwrap_or(0);
            let late = config.stats.enabled && span > (DELAY - DELAY_MARGIN) as u64;
            if late {
                stage.count_late();
            }
            (!late).then_some(news)
        })
        .collect();
    // The end of the input: the table is flushed, as `vantage sim` does through FLUSH.
    stage.conns.flush();
    (news, stage)
}

/// The per-frame header the tag stage inserts: TIMESTAMP and FLOW, then STATS when the stats
/// stage has news, then SYN for a SYN the conn stage held, then REASM for a segment the reasm
/// stage followed.
pub fn header_for(
    config: &Config,
    ingress_ns: u64,
    meta: &Meta,
    news: Option<stats::stage::News>,
    syn: Option<vantage_proto::conn::SynInfo>,
    reasm: Option<vantage_proto::reasm::ReasmInfo>,
) -> Vec<u8> {
    let flow = FlowInfo {
        hash: meta.hash,
        flags: meta.flags,
        l3_offset: meta.l3_offset,
        ip_proto: meta.ip_proto,
    };
    let mut header = match news.filter(|n| n.any()) {
        Some(n) => TaggedHeader::for_frame_with_stats(ingress_ns, flow, n.crossed, n.uncounted),
        None => TaggedHeader::for_frame(ingress_ns, flow),
    };
    header.tags.extend(syn.map(vantage_proto::Tag::Syn));
    header.tags.extend(reasm.map(vantage_proto::Tag::Reasm));
    header.encode(config.ethertype)
}
