//! The session step: what one frame does to its session's record, in the record's own terms
//! (`vantage_proto::reasm::record`), and the walk that tags the frames of a held block as they go
//! out. Pure functions, so the model's stage (`mod.rs`) and the device's frame logic compute the
//! same record, the same tag and the same orders to the segment store.
//!
//! ```text
//!  record (beats 0..2) + frame facts + room in the store
//!    ─► last frame time, the direction's frame count
//!    ─► fallen back already ............................ FALLBACK tag, nothing else
//!    ─► ACK: the other direction's highest ACK (or its start, midstream); bytes acknowledged
//!            past its hole give the hole up ............ release (ACK) before the frame
//!    ─► RST: both holes given up, the session closes ... CONTROL tag
//!    ─► the direction's start (SYN, or the first segment seen)
//!    ─► the direction rule (rule.rs) ─► release first?  ─► the frame:
//!           control / retransmission / in order (+ release behind it) / after a gap /
//!           held (a slot, at the block's front or back) / second hole (fallback)
//! ```
//! A release changes the record at once, as all the block's frames will: the direction's next
//! byte moves to the block's end, its stream offset with it; the bytes delivered, the gap and the
//! block's FIN are known from the block's bounds and its FIN bit, because the held bytes are
//! contiguous (a block's FIN is its last sequence number, which is not a byte delivered). Only
//! the walk over the held frames (`walk`) tells which of them became retransmissions, and tags
//! each from the next byte the release started at.

use super::rule::{self, sd, Action, DirView, GapCause, SegView};
use vantage_proto::conn::{tcp_flags, SynKey};
use vantage_proto::reasm::record::{tick, SessionRecord};
use vantage_proto::reasm::{
    End, Fallback, FlowEnd, ReasmInfo, Status, FLAG_INCONSISTENT, FLAG_RESPONDER, OFFSET_MASK,
};

/// What the step reads of a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Its direction: 0 from the originator, 1 from the responder.
    pub dir: usize,
    /// TCP flags (a cut frame's FIN already cleared).
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    /// Payload bytes.
    pub len: u32,
    /// Ingress time, ns.
    pub ts_ns: u64,
    /// Its bytes differ from bytes the store holds at the same sequence numbers (the store's
    /// comparison; it counts only when the direction's block is still held when the frame is
    /// placed).
    pub inconsistent: bool,
}

impl Facts {
    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Sequence number of the first payload byte (after a SYN).
    pub fn start(&self) -> u32 {
        self.seq.wrapping_add(u32::from(self.has(tcp_flags::SYN)))
    }

    /// Sequence number just after the payload and a FIN.
    pub fn end(&self) -> u32 {
        self.start()
            .wrapping_add(self.len)
            .wrapping_add(u32::from(self.has(tcp_flags::FIN)))
    }
}

/// Room in the segment store, should the frame be held: known before the step, as the device
/// knows it (slots the step's own releases free come back after it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Room {
    /// This slot takes it.
    Slot(u32),
    /// Full now: some hole must be given up first.
    NotNow,
    /// The frame is bigger than the whole store.
    Never,
}

/// Why a held block goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Right behind the frame that filled the hole.
    Behind,
    /// After a gap: the other side acknowledged bytes past the hole.
    Ack,
    /// After a gap: the held bytes would pass the cap above a hole.
    Cap,
    /// After a gap: an RST.
    Rst,
    /// After a gap: the hole waited the hole timeout.
    Timeout,
    /// After a gap: the store gave the hole up to make room.
    Evicted,
    /// After a gap: the session ended.
    Ended,
    /// The session fell back: the held frames go out untouched, tagged FALLBACK.
    Fallback,
}

impl From<GapCause> for Why {
    fn from(c: GapCause) -> Why {
        match c {
            GapCause::Ack => Why::Ack,
            GapCause::Cap => Why::Cap,
        }
    }
}

/// Where the walk over a block's held frames stands: the direction's next byte and its stream
/// offset, starting from those before the release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    pub next: u32,
    pub next_off: u64,
}

/// A direction's held block going out, its frames in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    pub dir: usize,
    pub why: Why,
    pub walk: Walk,
}

/// A frame put in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    pub slot: u32,
    /// In front of the block's frames (it starts below the block), else behind them.
    pub front: bool,
    /// It starts a new block.
    pub new: bool,
}

/// What a frame does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The record after the frame.
    pub rec: SessionRecord,
    /// Held blocks that go out before the frame, in order.
    pub before: Vec<Release>,
    /// The frame's tag; None when it is held.
    pub tag: Option<ReasmInfo>,
    pub hold: Option<Hold>,
    /// The held block that goes out right behind the frame.
    pub after: Option<Release>,
    /// The session fell back with this frame.
    pub fell_back: Option<Fallback>,
    /// The frame was delivered after a gap of this cause (no block was held).
    pub after_gap: Option<GapCause>,
    /// The frame's inconsistency was counted (in the record's figures).
    pub inconsistent: bool,
}

/// The frame would be held and the store has no slot now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedRoom;

/// What the registers say to the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes a direction may hold above its hole.
    pub max_above_hole: u32,
}

fn flags_of(dir: usize) -> u8 {
    if dir == 1 {
        FLAG_RESPONDER
    } else {
        0
    }
}

/// Set the session closed (at `now`, in ticks) once both directions delivered their FIN.
fn close_if_both_fin(rec: &mut SessionRecord, now: u32) {
    if rec.dirs[0].fin && rec.dirs[1].fin && rec.closed_at.is_none() {
        rec.closed_at = Some(now);
    }
}

/// Give up direction `d`'s held block (if any) at time `ts_ns`: the record changes as all its
/// frames will change it (next byte to the block's end, bytes delivered, the gap before it, its
/// FIN); the walk tags the frames.
pub fn give_up(rec: &mut SessionRecord, d: usize, why: Why, ts_ns: u64) -> Option<Release> {
    let s = &mut rec.dirs[d];
    let (bs, be) = s.block.take()?;
    let walk = Walk {
        next: s.next,
        next_off: s.next_off,
    };
    let fin = std::mem::take(&mut s.block_fin);
    if why == Why::Fallback {
        return Some(Release { dir: d, why, walk });
    }
    let fig = &mut rec.figures[d];
    let gap = sd(bs, s.next).max(0) as u64;
    let ahead = sd(be, s.next);
    if ahead > 0 {
        // The block's bytes past the next byte, less the gap before them and the FIN's sequence
        // number (its last, when a frame of the block carried one).
        let new = (ahead as u64).saturating_sub(gap + u64::from(fin));
        fig.delivered = fig.delivered.wrapping_add(new);
        s.next_off = s.next_off.wrapping_add(ahead as u64) & OFFSET_MASK;
        s.next = be;
    }
    if gap > 0 {
        fig.gaps = fig.gaps.wrapping_add(1);
        fig.missed = fig.missed.wrapping_add(gap);
    }
    if fin {
        s.fin = true;
    }
    close_if_both_fin(rec, tick(ts_ns));
    Some(Release { dir: d, why, walk })
}

/// Where a held frame `[start, end)` of `len` payload bytes lands in its block's walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landing {
    /// It brings new bytes: after `gap` missing ones, its first `skip` bytes old.
    Delivered { offset: u64, gap: u32, skip: u32 },
    /// Every byte went out before it (an earlier frame of the block covered it).
    Old { offset: u64 },
}

/// One held frame of a released block, in order.
pub fn walk(w: &mut Walk, start: u32, end: u32, len: u32) -> Landing {
    let ahead = sd(start, w.next);
    let offset = w.next_off.wrapping_add(ahead as u64) & OFFSET_MASK;
    if sd(end, w.next) <= 0 {
        return Landing::Old { offset };
    }
    let (gap, skip) = if ahead > 0 {
        (ahead as u32, 0)
    } else {
        (0, ((-ahead) as u32).min(len))
    };
    w.next_off = w.next_off.wrapping_add(sd(end, w.next) as u64) & OFFSET_MASK;
    w.next = end;
    Landing::Delivered { offset, gap, skip }
}

/// The frame `f` of a session whose record is `rec`. A followed session closes (at the frame's
/// tick) when the frame leaves both directions' FIN delivered, or is an RST.
pub fn frame(rec: &SessionRecord, f: &Facts, limits: Limits, room: Room) -> Result<Step, NeedRoom> {
    let mut st = placed(rec, f, limits, room)?;
    if rec.fallback == 0 {
        close_if_both_fin(&mut st.rec, tick(f.ts_ns));
    }
    Ok(st)
}

fn placed(rec: &SessionRecord, f: &Facts, limits: Limits, room: Room) -> Result<Step, NeedRoom> {
    let mut st = Step {
        rec: *rec,
        before: Vec::new(),
        tag: None,
        hold: None,
        after: None,
        fell_back: None,
        after_gap: None,
        inconsistent: false,
    };
    let (d, o) = (f.dir, 1 - f.dir);
    let now = tick(f.ts_ns);
    let r = &mut st.rec;
    r.last_ns = r.last_ns.max(f.ts_ns);
    r.figures[d].frames = r.figures[d].frames.wrapping_add(1);
    let tag = |r: &SessionRecord, status: Status| ReasmInfo {
        flow_id: r.flow_id,
        offset: r.dirs[d]
            .next_off
            .wrapping_add(sd(f.start(), r.dirs[d].next) as u64)
            & OFFSET_MASK,
        status: status as u8,
        flags: flags_of(d),
        ..ReasmInfo::default()
    };
    if let Some(reason) = Fallback::from_u8(r.fallback) {
        st.tag = Some(fallback_tag(r.flow_id, d, reason));
        return Ok(st);
    }
    if f.has(tcp_flags::ACK) {
        let od = &mut r.dirs[o];
        if od.init {
            if od.acked.map_or(true, |a| sd(f.ack, a) > 0) {
                od.acked = Some(f.ack);
            }
            if od.block.is_some() && sd(f.ack, od.next) > 0 {
                st.before.extend(give_up(r, o, Why::Ack, f.ts_ns));
            }
        } else {
            od.init = true;
            od.next = f.ack;
            od.acked = Some(f.ack);
        }
    }
    if f.has(tcp_flags::RST) {
        for dir in [d, o] {
            st.before.extend(give_up(r, dir, Why::Rst, f.ts_ns));
        }
        r.closed_at.get_or_insert(now);
        st.tag = Some(tag(r, Status::Control));
        return Ok(st);
    }
    if !r.dirs[d].init {
        r.dirs[d].init = true;
        r.dirs[d].next = f.start();
    }
    let s = &r.dirs[d];
    let verdict = rule::decide(
        DirView {
            next: s.next,
            acked: s.acked,
            block: s.block,
        },
        SegView {
            start: f.start(),
            end: f.end(),
            data: f.len > 0 || f.has(tcp_flags::FIN),
        },
        limits.max_above_hole,
    );
    if let Some(cause) = verdict.release_first {
        st.before.extend(give_up(r, d, cause.into(), f.ts_ns));
    }
    // Bytes compared against a block that is still held.
    let inconsistent = f.inconsistent && r.dirs[d].block.is_some();
    let count_inconsistent = |r: &mut SessionRecord| {
        r.figures[d].inconsistent = r.figures[d].inconsistent.wrapping_add(1);
    };
    match verdict.action {
        Action::Control => st.tag = Some(tag(r, Status::Control)),
        Action::Retransmission | Action::HeldRetransmission => {
            let mut t = tag(r, Status::Retransmission);
            t.skip = f.len.min(u32::from(u16::MAX)) as u16;
            if inconsistent {
                t.flags |= FLAG_INCONSISTENT;
                count_inconsistent(r);
                st.inconsistent = true;
            }
            r.figures[d].retransmissions = r.figures[d].retransmissions.wrapping_add(1);
            st.tag = Some(t);
        }
        Action::InOrder { .. } | Action::AfterGap(_) => {
            let mut t = tag(r, Status::InOrder);
            if inconsistent {
                t.flags |= FLAG_INCONSISTENT;
                count_inconsistent(r);
                st.inconsistent = true;
            }
            if let Action::AfterGap(cause) = verdict.action {
                st.after_gap = Some(cause);
            }
            deliver(r, d, f, &mut t);
            st.tag = Some(t);
            if verdict.action == (Action::InOrder { release: true }) {
                st.after = give_up(r, d, Why::Behind, f.ts_ns);
            }
        }
        Action::Hold { new } => {
            let slot = match room {
                Room::Slot(s) => s,
                Room::NotNow => return Err(NeedRoom),
                Room::Never => {
                    fall_back(&mut st, d, Fallback::BufferExhausted, f.ts_ns);
                    return Ok(st);
                }
            };
            if inconsistent {
                count_inconsistent(r);
                st.inconsistent = true;
            }
            let s = &mut r.dirs[d];
            let (start, end) = (f.start(), f.end());
            let front = match s.block {
                None => {
                    s.block = Some((start, end));
                    s.block_fin = false;
                    s.block_since = now;
                    s.held_head = slot;
                    s.held_tail = slot;
                    false
                }
                Some((bs, be)) => {
                    let front = sd(start, bs) < 0;
                    let lo = if front { start } else { bs };
                    let hi = if sd(end, be) > 0 { end } else { be };
                    s.block = Some((lo, hi));
                    if front {
                        s.held_head = slot;
                    } else {
                        s.held_tail = slot;
                    }
                    front
                }
            };
            s.block_fin |= f.has(tcp_flags::FIN);
            st.hold = Some(Hold { slot, front, new });
        }
        Action::SecondHole => fall_back(&mut st, d, Fallback::SecondHole, f.ts_ns),
    }
    Ok(st)
}

/// Move direction `d`'s next byte past the frame and fill its tag's gap and skip.
fn deliver(r: &mut SessionRecord, d: usize, f: &Facts, t: &mut ReasmInfo) {
    let s = &mut r.dirs[d];
    let ahead = sd(f.start(), s.next);
    let (gap, skip) = if ahead > 0 {
        (ahead as u64, 0)
    } else {
        (0, ((-ahead) as u32).min(f.len))
    };
    s.next_off = s.next_off.wrapping_add(sd(f.end(), s.next) as u64) & OFFSET_MASK;
    s.next = f.end();
    if f.has(tcp_flags::FIN) {
        s.fin = true;
    }
    let fig = &mut r.figures[d];
    fig.delivered = fig.delivered.wrapping_add(u64::from(f.len - skip));
    if gap > 0 {
        fig.gaps = fig.gaps.wrapping_add(1);
        fig.missed = fig.missed.wrapping_add(gap);
    }
    close_if_both_fin(r, tick(f.ts_ns));
    t.gap = gap.min(u64::from(u32::MAX)) as u32;
    t.skip = skip.min(u32::from(u16::MAX)) as u16;
}

/// The session stops being followed: both blocks go out untouched, then the frame.
fn fall_back(st: &mut Step, d: usize, reason: Fallback, ts_ns: u64) {
    let r = &mut st.rec;
    r.fallback = reason as u8;
    for dir in [0, 1] {
        st.before.extend(give_up(r, dir, Why::Fallback, ts_ns));
    }
    st.fell_back = Some(reason);
    st.tag = Some(fallback_tag(r.flow_id, d, reason));
}

/// The tag of a frame the stage does not follow (flow id 0 when it has no session).
pub fn fallback_tag(flow_id: u64, d: usize, reason: Fallback) -> ReasmInfo {
    ReasmInfo {
        flow_id,
        status: Status::Fallback as u8,
        reason: reason as u8,
        flags: flags_of(d),
        ..ReasmInfo::default()
    }
}

/// The flow-end record of a session ending now for `why` (its held blocks already released): the
/// record's figures, and in a direction the capture holds at all (it has frames; a half-duplex
/// capture misses nothing) and that did not end with a FIN, the bytes the other side
/// acknowledged past the next byte counted as missed, one more gap.
pub fn flow_end(rec: &SessionRecord, key: &SynKey, why: End) -> FlowEnd {
    let mut dirs = rec.figures;
    for (fig, dir) in dirs.iter_mut().zip(&rec.dirs) {
        if let Some(a) = dir.acked {
            let unseen = sd(a, dir.next);
            if dir.init && !dir.fin && fig.frames > 0 && unseen > 0 {
                fig.missed = fig.missed.wrapping_add(unseen as u64);
                fig.gaps = fig.gaps.wrapping_add(1);
            }
        }
    }
    let (originator, responder) = key.oriented(rec.orig_side);
    FlowEnd {
        flow_id: rec.flow_id,
        v6: key.v6,
        end: why as u8,
        fallback: rec.fallback,
        originator,
        responder,
        first_ns: rec.first_ns,
        last_ns: rec.last_ns,
        dirs,
    }
}
