//! The conn stage (SYN offload, the paper's §2.2), between stats and tag: holds the SYNs of
//! connections nobody has answered yet, gives each back just before the first other frame of its
//! connection, and regenerates the unanswered ones, marked, after a timeout (docs/pipeline.md,
//! "Conn").
//!
//! ```text
//!  input frames (in order) ─► SYN table lookup (table.rs) ─► hold / absorb / release / pass
//!        ─► output order: passed frames, each released SYN just before the frame that released it
//!        ─► output cycles (one beat a cycle; a release adds the SYN's beats, which the stage
//!           pays back from free input cycles) ─► the tag stage's FIFO
//!  expired, flushed and late SYNs ─► `regenerated`: sent in gaps of the output, never moving a
//!        frame, so only their content is stated here, not their time
//! ```
//! Cycle-faithful, because it changes the output: the release backlog (a release that would put
//! the output more than `RELEASE_BACKLOG_LIMIT` beats behind the input goes late) and the cycles
//! beats enter the tag FIFO. The timing of regenerated SYNs is not stated (it depends on gaps);
//! while `regen_inline` is 0 it moves nothing.

pub mod table;

use crate::ingress::InFrame;
use crate::parse::Meta;
use table::{Given, HeldSyn, Lookup, Probe, SynTable};
use vantage_proto::conn::{
    is_plain_syn, SynKey, Why, DEFAULT_TIMEOUT_NS, HOLD_BYTES, RELEASE_BACKLOG_LIMIT,
};
use vantage_proto::datapath::{BEAT_BYTES, PARSE_WINDOW_BYTES};
use vantage_proto::flags::ParseFlags;

/// The conn block's registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnConfig {
    /// CONTROL bit 0 (SYNs are held only while tagging is on too).
    pub hold: bool,
    /// TIMEOUT_NS.
    pub timeout_ns: u64,
}

impl Default for ConnConfig {
    /// The registers after reset: holding off.
    fn default() -> Self {
        ConnConfig {
            hold: false,
            timeout_ns: DEFAULT_TIMEOUT_NS,
        }
    }
}

/// The conn counters (`proto::regs::conn::COUNTERS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnCounters {
    pub frames: u64,
    pub held: u64,
    pub retransmissions: u64,
    pub released: u64,
    pub late: u64,
    pub expired: u64,
    pub flushed: u64,
    pub fail_long: u64,
    pub fail_full: u64,
    pub fail_unclean: u64,
    /// Always 0 in the model (it does not follow the gaps the regenerated-SYN queue drains in).
    pub regen_inline: u64,
    /// Always 0 in the model (its queues have no bound; the RTL's lose only above line rate).
    pub regen_lost: u64,
    /// Always 0 in the model (the RTL keeps a late SYN only when its gaps leave no room).
    pub kept: u64,
}

impl ConnCounters {
    /// The counter named as in `proto::regs::conn::COUNTERS`.
    pub fn get(&self, name: &str) -> Option<u64> {
        Some(match name {
            "frames" => self.frames,
            "held" => self.held,
            "retransmissions" => self.retransmissions,
            "released" => self.released,
            "late" => self.late,
            "expired" => self.expired,
            "flushed" => self.flushed,
            "fail_long" => self.fail_long,
            "fail_full" => self.fail_full,
            "fail_unclean" => self.fail_unclean,
            "regen_inline" => self.regen_inline,
            "regen_lost" => self.regen_lost,
            "kept" => self.kept,
            _ => return None,
        })
    }

    fn count_given(&mut self, why: Why) {
        match why {
            Why::Released => self.released += 1,
            Why::Expired => self.expired += 1,
            Why::Flushed => self.flushed += 1,
            Why::Late => self.late += 1,
        }
    }
}

/// One frame of the stage's output, in output order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFrame {
    /// The input frame whose bytes it is.
    pub input: usize,
    /// The held SYN's record, when this is a released SYN.
    pub given: Option<Given>,
    /// Cycle each beat enters the tag FIFO (the input's release cycles when nothing was released
    /// before it).
    pub cycles: Vec<u64>,
}

/// The stage's run over the input.
#[derive(Clone, Debug, Default)]
pub struct ConnRun {
    pub output: Vec<OutFrame>,
    /// SYNs given back on their own (expired, flushed, late), in the order the model found them.
    pub regenerated: Vec<Given>,
    pub counters: ConnCounters,
}

/// Run the stage over `frames` (their metadata `metas`, ingress times `ts_ns`); the table is
/// flushed at the end, at the last frame's time. `tagging`: `tag.CONTROL` bit 0.
pub(crate) fn run(
    config: &ConnConfig,
    tagging: bool,
    frames: &[InFrame],
    metas: &[Meta],
    ts_ns: &[u64],
) -> ConnRun {
    let mut run = ConnRun::default();
    let mut table = SynTable::new(config.timeout_ns);
    let mut clock = OutputClock::default();
    let hold = config.hold && tagging;
    for (i, frame) in frames.iter().enumerate() {
        let (passes, released) = step(&mut run, &mut table, hold, i, frame, &metas[i], ts_ns[i]);
        if let Some(syn) = released {
            place_release(&mut run, &mut clock, syn, frames, frame);
        }
        if passes {
            let cycles = clock.place(&frame.release);
            run.output.push(OutFrame {
                input: i,
                given: None,
                cycles,
            });
        }
    }
    let end_ns = ts_ns.last().copied().unwrap_or(0);
    for g in table.flush(end_ns) {
        give(&mut run, g.syn, g.why);
    }
    run
}

/// One frame through the table, counted: whether it passes (it is neither held nor absorbed as a
/// retransmission), and the record it releases, if any.
fn step(
    run: &mut ConnRun,
    table: &mut SynTable,
    hold: bool,
    i: usize,
    frame: &InFrame,
    meta: &Meta,
    ts_ns: u64,
) -> (bool, Option<HeldSyn>) {
    let Some(tcp) = meta
        .tcp
        .filter(|_| meta.ip_ok && meta.ip_proto == 6 && meta.flags.has(ParseFlags::PORTS))
    else {
        return (true, None);
    };
    run.counters.frames += 1;
    let plain_syn = is_plain_syn(tcp.flags);
    // The decision is made from the parse window (the first two beats): a frame that ends in it
    // is short enough to hold, and only there is its MAC error bit (tuser on the last beat)
    // known. A longer frame passes as too long, whatever its last beat says.
    let in_window = frame.beats.len() * BEAT_BYTES <= PARSE_WINDOW_BYTES;
    // A runt is fine (captures without padding); a malformed header or a MAC error is not.
    let clean = meta.flags.0 & ParseFlags::MALFORMED == 0
        && !(in_window && frame.beats.last().is_some_and(|b| b.user));
    let short = in_window && frame.len_lanes() <= HOLD_BYTES;
    let (key, side) = SynKey::of(
        meta.flags.has(ParseFlags::IPV6),
        (meta.src, meta.sport),
        (meta.dst, meta.dport),
    );
    let probe = Probe {
        input: i,
        hash: meta.hash,
        key,
        side,
        seq: tcp.seq,
        ts_ns,
        cycle: frame.release.first().copied().unwrap_or(0),
        holdable: hold && plain_syn && clean && short,
        plain_syn,
    };
    let mut expired = Vec::new();
    let found = table.lookup(&probe, &mut expired);
    for syn in expired {
        give(run, syn, Why::Expired);
    }
    match found {
        Lookup::Held => {
            run.counters.held += 1;
            (false, None)
        }
        Lookup::Absorbed => {
            run.counters.retransmissions += 1;
            (false, None)
        }
        Lookup::Release(syn) => (true, Some(syn)),
        Lookup::Full => {
            run.counters.fail_full += 1;
            (true, None)
        }
        Lookup::Miss if hold && plain_syn && !clean => {
            run.counters.fail_unclean += 1;
            (true, None)
        }
        Lookup::Miss if hold && plain_syn && !short => {
            run.counters.fail_long += 1;
            (true, None)
        }
        Lookup::Miss => (true, None),
    }
}

/// A SYN given back on its own.
fn give(run: &mut ConnRun, syn: HeldSyn, why: Why) {
    run.counters.count_given(why);
    run.regenerated.push(Given { syn, why });
}

/// Put a released SYN ahead of `by` (the frame that released it), or hand it out late when that
/// would put the output more than `RELEASE_BACKLOG_LIMIT` beats behind.
fn place_release(
    run: &mut ConnRun,
    clock: &mut OutputClock,
    syn: HeldSyn,
    frames: &[InFrame],
    by: &InFrame,
) {
    let at = by.release.first().copied().unwrap_or(0);
    let beats = frames[syn.input].beats.len();
    if clock.backlog_at(at) + beats > RELEASE_BACKLOG_LIMIT {
        give(run, syn, Why::Late);
        return;
    }
    run.counters.count_given(Why::Released);
    let cycles = clock.place(&vec![at; beats]);
    run.output.push(OutFrame {
        input: syn.input,
        given: Some(Given {
            syn,
            why: Why::Released,
        }),
        cycles,
    });
}

/// The stage's output, cycle by cycle: one beat a cycle, each no earlier than it is available.
#[derive(Clone, Debug, Default)]
struct OutputClock {
    /// Cycle of the last beat placed.
    last: Option<u64>,
}

impl OutputClock {
    /// Beats placed and not yet sent at the start of cycle `c`.
    fn backlog_at(&self, c: u64) -> usize {
        self.last.map_or(0, |l| (l + 1).saturating_sub(c) as usize)
    }

    /// Place beats available at `avail` (non-decreasing); returns their output cycles.
    fn place(&mut self, avail: &[u64]) -> Vec<u64> {
        avail
            .iter()
            .map(|&a| {
                let c = self.last.map_or(a, |l| a.max(l + 1));
                self.last = Some(c);
                c
            })
            .collect()
    }
}
