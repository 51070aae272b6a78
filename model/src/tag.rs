//! Tag: the tag FIFO, the per-frame tagging decision (with the backlog fail-open rule), and
//! header insertion.
//!
//! ```text
//!  input lanes   0           12                                        L
//!               +-------------+-----------------------------------------+
//!               | dst+src MAC | original EtherType, rest of the frame   |
//!               +-------------+-----------------------------------------+
//!  tagged lanes  0           12                     36                            L+24
//!               +-------------+----------------------+-----------------------------------------+
//!               | dst+src MAC | Vantage header (24 B)| original EtherType, rest of the frame   |
//!               +-------------+----------------------+-----------------------------------------+
//!  output beat k = tagged lanes 64k..64k+64. With a header of H bytes (24 to 72: the optional
//!  STATS, SYN and REASM tags lengthen it) the last input beat's lanes from 64 - H on (if any are
//!  used) land in overflow beats, sent in the cycles right after that input beat: one, or two when
//!  H + the last beat's lanes exceed 128 (only the 72-byte header can).
//! ```
//!
//! Timing, the part the spec makes observable: a beat pushed into the FIFO in cycle `c` can be
//! popped from `c+1`; the backlog seen at a frame's first beat in cycle `c` is the number of beats
//! pushed before `c` and not popped before `c` (the head included).

use crate::ingress::InFrame;
use crate::parse::used_lanes;
use std::collections::VecDeque;
use vantage_proto::axis::LaneFrame;
use vantage_proto::datapath::{
    BEAT_BYTES, MIN_TAGGABLE_BYTES, PARSE_WINDOW_BYTES, TAG_BACKLOG_LIMIT, TAG_INSERT_OFFSET,
};

/// What the tag engine decided for a frame at its first beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagDecision {
    /// The header was inserted (`tag.tagged`).
    Tagged,
    /// Tagging is off (`tag.CONTROL` bit 0 clear): the frame passes unchanged, counted nowhere.
    Disabled,
    /// Shorter than `MIN_TAGGABLE_BYTES` lanes: passes unchanged (`tag.malformed`).
    TooShort,
    /// The FIFO held `TAG_BACKLOG_LIMIT` beats or more: passes unchanged (`tag.flagged`).
    Backlog,
}

/// The engine's run over all frames.
pub(crate) struct EngineRun {
    /// Decision per frame.
    pub decisions: Vec<TagDecision>,
    /// Cycles in which each frame's output beats were sent.
    pub sent: Vec<Vec<u64>>,
    /// Most beats ever waiting in the FIFO at the start of a cycle.
    pub max_backlog: usize,
}

/// One beat in the FIFO: which frame, which beat of it.
#[derive(Clone, Copy)]
struct Slot {
    frame: usize,
    beat: usize,
}

/// Run the tag engine cycle by cycle over the released beats of `frames`.
///
/// `frames[f]`: frame `f` and the cycle each of its beats is pushed into the FIFO (its release
/// cycles, later when the conn stage put a released SYN ahead of it). `header[f]`: the bytes of
/// its header (`proto::header::FRAME_HEADER_BYTES`, or longer with the STATS or SYN tag), as
/// `crate::header_for` makes it.
pub(crate) fn run_engine(
    frames: &[(&InFrame, &[u64])],
    header: &[usize],
    enabled: bool,
) -> EngineRun {
    let mut run = EngineRun {
        decisions: vec![TagDecision::Disabled; frames.len()],
        sent: vec![Vec::new(); frames.len()],
        max_backlog: 0,
    };
    // Push cycles increase strictly along the output order, so this is push order.
    let pushes: Vec<(u64, Slot)> = frames
        .iter()
        .enumerate()
        .flat_map(|(f, (_, pushed))| {
            pushed
                .iter()
                .enumerate()
                .map(move |(b, &c)| (c, Slot { frame: f, beat: b }))
        })
        .collect();
    let mut fifo: VecDeque<Slot> = VecDeque::new();
    let mut next_push = 0;
    // The frame whose overflow beats are due, and how many remain.
    let mut overflow: Option<(usize, usize)> = None;
    let Some(&(first, _)) = pushes.first() else {
        return run;
    };
    let mut cycle = first.saturating_add(1);
    loop {
        while next_push < pushes.len() && pushes[next_push].0 < cycle {
            fifo.push_back(pushes[next_push].1);
            next_push += 1;
        }
        run.max_backlog = run.max_backlog.max(fifo.len());
        if let Some((f, n)) = overflow.take() {
            run.sent[f].push(cycle);
            overflow = (n > 1).then_some((f, n - 1));
        } else if let Some(head) = fifo.front().copied() {
            let frame = frames[head.frame].0;
            if head.beat == 0 {
                run.decisions[head.frame] = decide(
                    frame.len_lanes(),
                    enabled,
                    fifo.len(),
                    costs_no_beat(frame, header[head.frame]),
                );
            }
            run.sent[head.frame].push(cycle);
            let is_last = head.beat + 1 == frame.beats.len();
            if is_last && run.decisions[head.frame] == TagDecision::Tagged {
                let n = overflow_beats(frame, header[head.frame]);
                overflow = (n > 0).then_some((head.frame, n));
            }
            fifo.pop_front();
        } else if let Some(&(c, _)) = pushes.get(next_push) {
            cycle = c.saturating_add(1); // idle until the next beat can be popped
            continue;
        } else {
            break;
        }
        cycle = cycle.saturating_add(1);
    }
    run
}

/// The decision at a frame's first beat, with `backlog` beats in the FIFO (head included). A
/// frame whose header costs no output beat is tagged whatever the backlog.
fn decide(len_lanes: usize, enabled: bool, backlog: usize, free: bool) -> TagDecision {
    if !enabled {
        TagDecision::Disabled
    } else if len_lanes < MIN_TAGGABLE_BYTES {
        TagDecision::TooShort
    } else if backlog >= TAG_BACKLOG_LIMIT && !free {
        TagDecision::Backlog
    } else {
        TagDecision::Tagged
    }
}

/// Tagging this frame costs no output beat, as the tag stage can tell at the first beat: the frame
/// ends within its first two beats (the parse window) and needs no overflow beat.
fn costs_no_beat(frame: &InFrame, header: usize) -> bool {
    frame.beats.len() * BEAT_BYTES <= PARSE_WINDOW_BYTES && overflow_beats(frame, header) == 0
}

/// The overflow beats of a frame tagged with a header of `header` bytes: its last input beat's
/// used lanes and the header's bytes beyond the beat's 64 (none when the last beat uses at most
/// `64 - header` lanes: 40 for the plain header, 28 with the STATS or the SYN tag, 16 with both).
fn overflow_beats(frame: &InFrame, header: usize) -> usize {
    let used = frame.beats.last().map_or(0, used_lanes);
    (used + header)
        .saturating_sub(BEAT_BYTES)
        .div_ceil(BEAT_BYTES)
}

/// The tagged frame: `header` inserted at lane 12, holes moving with their lanes.
pub(crate) fn insert_header(frame: &LaneFrame, header: &[u8]) -> LaneFrame {
    let cut = frame.lanes.len().min(TAG_INSERT_OFFSET);
    let mut lanes = Vec::with_capacity(frame.lanes.len() + header.len());
    lanes.extend_from_slice(&frame.lanes[..cut]);
    lanes.extend(header.iter().map(|b| Some(*b)));
    lanes.extend_from_slice(&frame.lanes[cut..]);
    LaneFrame {
        lanes,
        user: frame.user,
    }
}

/// A frame out of the tag stage: `lanes` with `header` inserted when the decision tagged it,
/// else unchanged.
pub(crate) fn apply(lanes: LaneFrame, decision: TagDecision, header: &[u8]) -> LaneFrame {
    match decision {
        TagDecision::Tagged => insert_header(&lanes, header),
        _ => lanes,
    }
}
