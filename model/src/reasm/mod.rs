//! The reasm stage (the paper's §2.3), plainly: every TCP connection reaches the monitor as an
//! in-order stream, each frame tagged with its flow id, direction, stream offset and status;
//! frames above a hole wait in the segment store and go out right behind the frame that fills
//! it; holes that will not fill become counted gaps; what the stage cannot follow falls back to
//! the monitor, its held frames first. docs/reasm.md states the rules this file runs.
//!
//! ```text
//!  tagged frames (the pipeline's output, in order)
//!    ─► deadlines before the frame's time: holes given up, sessions ended (flow-end records)
//!    ─► segment (segment.rs) ─► session table: two bucket choices x SESSION_WAYS
//!    ─► the direction's rule:   old bytes ............ RETRANSMISSION (or dropped, by policy)
//!                               at the next byte ..... IN_ORDER, then the held block if it joins
//!                               above, acked beyond .. IN_ORDER after a gap (capture loss)
//!                               above, beside held ... held (store.rs), joined to the block
//!                               above, apart ......... FALLBACK (second hole): held frames first
//!    ─► output frames: the frame's header with a REASM tag appended
//! ```
//! The stage works on the pipeline's tagged output, so the same code is the model of the RTL
//! stage and the software fallback of a bitstream without it.

pub mod device;
pub mod rule;
pub mod segment;
pub mod step;
pub mod store;
pub mod streams;
pub mod table;

use rule::{sd, GapCause};
use segment::{NotFollowed, Segment};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use step::{Facts, Landing, Limits, NeedRoom, Release, Room, Why};
use store::Store;
use table::Placement;
use vantage_proto::axis::LaneFrame;
use vantage_proto::conn::{tcp_flags, SynKey};
use vantage_proto::header::{insert, Tag, TaggedHeader};
use vantage_proto::reasm::record::{ns_since, SessionRecord, TICK_SHIFT};
use vantage_proto::reasm::*;

/// The reasm block's registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasmConfig {
    /// CONTROL bit 0 (the stage needs tagging on: without a header it cannot say anything).
    pub enabled: bool,
    /// log2 of the session buckets (each of `SESSION_WAYS` ways).
    pub bucket_bits: u32,
    /// The session table's hash key (SESSION_KEY registers).
    pub session_key: [u8; SESSION_KEY_BYTES],
    /// Frames the segment store holds at most.
    pub store_slots: usize,
    /// Frame bytes the segment store holds at most.
    pub store_bytes: u64,
    /// Bytes held above one direction's hole before the hole is given up as a gap.
    pub max_above_hole: u32,
    pub hole_timeout_ns: u64,
    pub idle_timeout_ns: u64,
    pub close_linger_ns: u64,
    pub retransmit: RetransmitPolicy,
}

impl Default for ReasmConfig {
    /// The registers after reset: the stage off.
    fn default() -> Self {
        ReasmConfig {
            enabled: false,
            bucket_bits: DEFAULT_SESSION_BUCKET_BITS,
            session_key: DEFAULT_SESSION_KEY,
            store_slots: DEFAULT_STORE_SLOTS,
            store_bytes: DEFAULT_STORE_BYTES,
            max_above_hole: DEFAULT_MAX_ABOVE_HOLE,
            hole_timeout_ns: DEFAULT_HOLE_TIMEOUT_NS,
            idle_timeout_ns: DEFAULT_IDLE_TIMEOUT_NS,
            close_linger_ns: DEFAULT_CLOSE_LINGER_NS,
            retransmit: RetransmitPolicy::Forward,
        }
    }
}

/// The stage's counters. Identities at every drained point (nothing held):
/// `frames = malformed + untagged + not_tcp + truncated + followed`, `followed = emitted + dropped + held
/// now`, `payload_in = bytes_new + bytes_old + bytes_passed + payload held now`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReasmCounters {
    pub frames: u64,
    /// Frames with lanes missing or a MAC error: passed as they are.
    pub malformed: u64,
    pub untagged: u64,
    pub not_tcp: u64,
    /// Frames whose headers end past the frame (passed without a tag).
    pub truncated: u64,
    /// Segments followed whose frame ends before the IP length says (their missing bytes become
    /// a gap).
    pub cut: u64,
    /// TCP segments the stage read.
    pub followed: u64,
    /// Frames sent on (all statuses, and segments of no session).
    pub emitted: u64,
    pub in_order: u64,
    pub released: u64,
    pub retransmissions: u64,
    /// Retransmissions dropped by policy.
    pub dropped: u64,
    pub control: u64,
    /// Segments of no session that do not open one (a pure ACK or an RST): passed without a tag.
    pub no_session: u64,
    /// Frames put in the store.
    pub held: u64,
    pub fallback_frames: u64,
    pub fallback_table_full: u64,
    pub fallback_second_hole: u64,
    pub fallback_buffer_exhausted: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    /// Holes given up because the other side acknowledged bytes beyond them.
    pub ack_gaps: u64,
    /// Holes given up because the bytes above them passed `max_above_hole`.
    pub cap_gaps: u64,
    pub hole_timeouts: u64,
    /// Holes given up because the store chose their held frames to make room.
    pub evictions: u64,
    pub inconsistent: u64,
    pub sessions: u64,
    pub ended: u64,
    pub payload_in: u64,
    pub bytes_new: u64,
    pub bytes_old: u64,
    /// Payload of fallback frames and frames of no session.
    pub bytes_passed: u64,
    pub peak_held_frames: u64,
    pub peak_held_bytes: u64,
}

impl ReasmCounters {
    /// Every counter with its name (as `reasm.<name>` in the pipeline's counters).
    pub fn named(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("frames", self.frames),
            ("malformed", self.malformed),
            ("untagged", self.untagged),
            ("not_tcp", self.not_tcp),
            ("truncated", self.truncated),
            ("cut", self.cut),
            ("followed", self.followed),
            ("emitted", self.emitted),
            ("in_order", self.in_order),
            ("released", self.released),
            ("retransmissions", self.retransmissions),
            ("dropped", self.dropped),
            ("control", self.control),
            ("no_session", self.no_session),
            ("held", self.held),
            ("fallback_frames", self.fallback_frames),
            ("fallback_table_full", self.fallback_table_full),
            ("fallback_second_hole", self.fallback_second_hole),
            ("fallback_buffer_exhausted", self.fallback_buffer_exhausted),
            ("gaps", self.gaps),
            ("gap_bytes", self.gap_bytes),
            ("ack_gaps", self.ack_gaps),
            ("cap_gaps", self.cap_gaps),
            ("hole_timeouts", self.hole_timeouts),
            ("evictions", self.evictions),
            ("inconsistent", self.inconsistent),
            ("sessions", self.sessions),
            ("ended", self.ended),
            ("payload_in", self.payload_in),
            ("bytes_new", self.bytes_new),
            ("bytes_old", self.bytes_old),
            ("bytes_passed", self.bytes_passed),
            ("peak_held_frames", self.peak_held_frames),
            ("peak_held_bytes", self.peak_held_bytes),
        ]
    }
}

/// What the stage put out for an input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReasmOutput {
    /// The frames, in output order.
    pub frames: Vec<Vec<u8>>,
    /// One record per session, in the order the sessions ended (the device sends them as
    /// flow-end frames in gaps of the output, so only the set is stated).
    pub flow_ends: Vec<FlowEnd>,
    pub counters: ReasmCounters,
}

/// Run the stage over tagged frames (header EtherType `ethertype`); every session ends at the
/// end of the input (`End::Flushed`).
pub fn run(config: &ReasmConfig, ethertype: u16, frames: &[Vec<u8>]) -> ReasmOutput {
    let mut stage = Stage::new(config.clone(), ethertype);
    for f in frames {
        stage.frame(f);
    }
    stage.finish()
}

/// Run the stage over a pipeline's output lanes: frames with lanes missing or a MAC error pass as
/// they are (counted `malformed`), the others as [`run`] has them. The output's `frames` field is
/// empty: the frames are the first value.
pub fn run_lanes(
    config: &ReasmConfig,
    ethertype: u16,
    frames: Vec<LaneFrame>,
) -> (Vec<LaneFrame>, ReasmOutput) {
    let mut stage = Stage::new(config.clone(), ethertype);
    let mut out = Vec::with_capacity(frames.len());
    for f in frames {
        if f.has_hole() || f.user {
            stage.malformed();
            out.push(f);
            continue;
        }
        stage.frame(&f.bytes());
        out.extend(stage.take_frames().iter().map(|b| LaneFrame::from_bytes(b)));
    }
    let mut r = stage.finish();
    out.extend(r.frames.drain(..).map(|b| LaneFrame::from_bytes(&b)));
    (out, r)
}

/// A frame the store holds.
#[derive(Debug)]
struct Held {
    header: TaggedHeader,
    original: Vec<u8>,
    seg: Segment,
    slot: usize,
    /// Its bytes differed from bytes held before it (counted when it was held).
    inconsistent: bool,
}

#[derive(Debug)]
struct Session {
    /// What the device keeps of the session in memory (`vantage_proto::reasm::record`).
    rec: SessionRecord,
    bucket: usize,
    /// Each direction's held frames in release order (each starts at or below the end of those
    /// before it): the segment store's list from `held_head` to `held_tail`.
    held: [VecDeque<Held>; 2],
    /// Bumped at every change, so stale deadline entries are known.
    gen: u64,
}

/// The stage between frames.
pub struct Stage {
    cfg: ReasmConfig,
    ethertype: u16,
    sessions: HashMap<SynKey, Session>,
    placement: Placement,
    store: Store,
    deadlines: BinaryHeap<Reverse<(u64, SynKey, u64)>>,
    next_flow_id: u64,
    held_payload: u64,
    out: ReasmOutput,
}

/// The time in ns of a record's tick `t`, from a later time `reference` (the session's last
/// frame): the start of the latest tick `t` at or before it.
fn tick_ns(reference: u64, t: u32) -> u64 {
    (reference >> TICK_SHIFT << TICK_SHIFT).saturating_sub(ns_since(reference, t))
}

impl Stage {
    pub fn new(cfg: ReasmConfig, ethertype: u16) -> Self {
        Stage {
            placement: Placement::new(cfg.bucket_bits),
            store: Store::new(cfg.store_slots, cfg.store_bytes),
            cfg,
            ethertype,
            sessions: HashMap::new(),
            deadlines: BinaryHeap::new(),
            next_flow_id: 1,
            held_payload: 0,
            out: ReasmOutput::default(),
        }
    }

    /// Frames held now.
    pub fn held_frames(&self) -> usize {
        self.store.used()
    }

    /// Sessions in the table now.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// The flow-end records sent so far, in the order the sessions ended.
    pub fn flow_ends(&self) -> &[FlowEnd] {
        &self.out.flow_ends
    }

    /// The frames put out since the last call.
    pub fn take_frames(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.out.frames)
    }

    /// Count a frame passed without being read (lanes missing, or a MAC error).
    pub fn malformed(&mut self) {
        self.out.counters.frames += 1;
        self.out.counters.malformed += 1;
    }

    /// Take one tagged frame.
    pub fn frame(&mut self, frame: &[u8]) {
        let c = &mut self.out.counters;
        c.frames += 1;
        let Ok((header, original)) = vantage_proto::header::strip(frame, self.ethertype) else {
            c.untagged += 1;
            self.pass(frame.to_vec());
            return;
        };
        if let Some(ts) = header.timestamp() {
            self.expire(ts);
        }
        match segment::read(&header, &original) {
            Ok(seg) => self.segment(header, original, seg),
            Err(why) => {
                let c = &mut self.out.counters;
                match why {
                    NotFollowed::Untagged => c.untagged += 1,
                    NotFollowed::NotTcp => c.not_tcp += 1,
                    NotFollowed::Truncated => c.truncated += 1,
                }
                self.pass(frame.to_vec());
            }
        }
    }

    /// End every session (the end of the input, or the host's flush) and give the output.
    pub fn finish(mut self) -> ReasmOutput {
        let mut keys: Vec<(u64, SynKey)> = self
            .sessions
            .iter()
            .map(|(k, s)| (s.rec.flow_id, *k))
            .collect();
        keys.sort();
        for (_, k) in keys {
            self.end_session(k, End::Flushed);
        }
        let c = &mut self.out.counters;
        c.peak_held_frames = self.store.peak_slots as u64;
        c.peak_held_bytes = self.store.peak_bytes;
        self.out
    }

    fn pass(&mut self, frame: Vec<u8>) {
        self.out.frames.push(frame);
    }

    /// Send a frame with its REASM tag, counted by status (`len`: its payload bytes); a
    /// retransmission is dropped instead when the policy says so.
    fn emit(&mut self, mut header: TaggedHeader, original: &[u8], info: ReasmInfo, len: u32) {
        let c = &mut self.out.counters;
        let len = u64::from(len);
        match Status::from_u8(info.status) {
            Some(Status::Control) => c.control += 1,
            Some(Status::Retransmission) => {
                c.retransmissions += 1;
                c.bytes_old += len;
                if self.cfg.retransmit == RetransmitPolicy::Drop {
                    c.dropped += 1;
                    return;
                }
            }
            Some(s @ (Status::InOrder | Status::Released)) => {
                if s == Status::Released {
                    c.released += 1;
                } else {
                    c.in_order += 1;
                }
                if info.gap > 0 {
                    c.gaps += 1;
                    c.gap_bytes += u64::from(info.gap);
                }
                c.bytes_new += len - u64::from(info.skip);
                c.bytes_old += u64::from(info.skip);
            }
            Some(Status::Fallback) => {
                c.fallback_frames += 1;
                c.bytes_passed += len;
            }
            None => unreachable!("the stage writes only known statuses"),
        }
        header.tags.push(Tag::Reasm(info));
        let encoded = header.encode(self.ethertype);
        self.out.frames.push(insert(original, &encoded));
        self.out.counters.emitted += 1;
    }

    /// Handle every deadline before `now`.
    fn expire(&mut self, now: u64) {
        while let Some(&Reverse((due, key, gen))) = self.deadlines.peek() {
            if due >= now {
                break;
            }
            self.deadlines.pop();
            let Some(s) = self.sessions.get(&key) else {
                continue;
            };
            if s.gen != gen {
                continue;
            }
            let last = s.rec.last_ns;
            let ended = match s.rec.closed_at {
                Some(c) if due >= tick_ns(last, c) + self.cfg.close_linger_ns => Some(End::Closed),
                _ if due >= last + self.cfg.idle_timeout_ns => Some(End::Idle),
                _ => None,
            };
            if let Some(why) = ended {
                self.end_session(key, why);
                continue;
            }
            for d in 0..2 {
                let dir = &self.sessions[&key].rec.dirs[d];
                if dir.block.is_some()
                    && due >= tick_ns(last, dir.block_since) + self.cfg.hole_timeout_ns
                {
                    self.out.counters.hole_timeouts += 1;
                    self.give_up(key, d, Why::Timeout, due);
                }
            }
            self.schedule(key);
        }
    }

    /// Put the session's next deadline in the queue.
    fn schedule(&mut self, key: SynKey) {
        let cfg = &self.cfg;
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        s.gen += 1;
        let last = s.rec.last_ns;
        let mut due = last + cfg.idle_timeout_ns;
        if let Some(c) = s.rec.closed_at {
            due = due.min(tick_ns(last, c) + cfg.close_linger_ns);
        }
        for d in &s.rec.dirs {
            if d.block.is_some() {
                due = due.min(tick_ns(last, d.block_since) + cfg.hole_timeout_ns);
            }
        }
        self.deadlines.push(Reverse((due, key, s.gen)));
    }

    /// Find or make the segment's session; None when it has none (passed without a tag).
    fn session_for(&mut self, header: &TaggedHeader, original: &[u8], seg: &Segment) -> Option<()> {
        // A SYN (not an RST, not an answer) on a closed session ends it and opens a new one in
        // the same directory way, as the device reinitialises the record it has just read.
        let reopens = seg.has(tcp_flags::SYN) && !seg.has(tcp_flags::ACK | tcp_flags::RST);
        let mut reused = None;
        if let Some(s) = self.sessions.get(&seg.key) {
            if !(reopens && s.rec.closed_at.is_some()) {
                return Some(());
            }
            reused = self.retire(seg.key, End::Reused);
        }
        let opens = seg.len > 0 || seg.has(tcp_flags::SYN) || seg.has(tcp_flags::FIN);
        if !opens || seg.has(tcp_flags::RST) {
            self.out.counters.no_session += 1;
            self.out.counters.bytes_passed += u64::from(seg.len);
            self.out.counters.emitted += 1;
            self.pass(insert(original, &header.encode(self.ethertype)));
            return None;
        }
        let synack = seg.has(tcp_flags::SYN) && seg.has(tcp_flags::ACK);
        let orig_side = if synack { 1 - seg.side } else { seg.side };
        let choices = session_buckets(&self.cfg.session_key, &seg.key, self.cfg.bucket_bits);
        let Some(bucket) = reused.or_else(|| self.placement.place(choices)) else {
            self.out.counters.fallback_table_full += 1;
            let d = usize::from(seg.side != orig_side);
            let info = step::fallback_tag(0, d, Fallback::TableFull);
            self.emit(header.clone(), original, info, seg.len);
            return None;
        };
        let flow_id = self.next_flow_id;
        self.next_flow_id += 1;
        self.out.counters.sessions += 1;
        let rec = SessionRecord {
            flow_id,
            orig_side,
            first_ns: seg.ts_ns,
            last_ns: seg.ts_ns,
            v6: seg.key.v6,
            endpoints: if seg.key.v6 {
                (seg.key.low, seg.key.high)
            } else {
                SessionRecord::default().endpoints
            },
            ..SessionRecord::default()
        };
        self.sessions.insert(
            seg.key,
            Session {
                rec,
                bucket,
                held: [VecDeque::new(), VecDeque::new()],
                gen: 0,
            },
        );
        Some(())
    }

    fn segment(&mut self, header: TaggedHeader, original: Vec<u8>, seg: Segment) {
        let c = &mut self.out.counters;
        c.followed += 1;
        c.cut += u64::from(seg.cut);
        c.payload_in += u64::from(seg.len);
        if self.session_for(&header, &original, &seg).is_none() {
            return;
        }
        let key = seg.key;
        let d = usize::from(seg.side != self.sessions[&key].rec.orig_side);
        let facts = Facts {
            dir: d,
            flags: seg.flags,
            seq: seg.seq,
            ack: seg.ack,
            len: seg.len,
            ts_ns: seg.ts_ns,
            inconsistent: self.differs_from_held(key, d, &original, &seg),
        };
        let limits = Limits {
            max_above_hole: self.cfg.max_above_hole,
        };
        let bytes = original.len() as u64;
        // A frame that would be held into a full store waits for a random hole to be given up
        // (the victim may be this session's), then the step is taken again from the record as
        // it is then.
        let st = loop {
            let room = if !self.store.could_hold(bytes) {
                Room::Never
            } else {
                match self.store.peek(bytes) {
                    Some(slot) => Room::Slot(slot as u32),
                    None => Room::NotNow,
                }
            };
            match step::frame(&self.sessions[&key].rec, &facts, limits, room) {
                Ok(st) => break st,
                Err(NeedRoom) => {
                    let (vk, vd) = self.store.victim().expect("a full store holds frames");
                    self.out.counters.evictions += 1;
                    self.give_up(vk, vd as usize, Why::Evicted, seg.ts_ns);
                }
            }
        };
        self.sessions.get_mut(&key).expect("session").rec = st.rec;
        let c = &mut self.out.counters;
        match st.fell_back {
            Some(Fallback::TableFull) => c.fallback_table_full += 1,
            Some(Fallback::SecondHole) => c.fallback_second_hole += 1,
            Some(Fallback::BufferExhausted) => c.fallback_buffer_exhausted += 1,
            None => {}
        }
        match st.after_gap {
            Some(GapCause::Ack) => c.ack_gaps += 1,
            Some(GapCause::Cap) => c.cap_gaps += 1,
            None => {}
        }
        c.inconsistent += u64::from(st.inconsistent);
        for r in st.before {
            self.send_held(key, r);
        }
        match (st.tag, st.hold) {
            (Some(info), _) => self.emit(header, &original, info, seg.len),
            (None, Some(h)) => {
                let slot = self
                    .store
                    .alloc((key, d as u8), bytes)
                    .expect("the slot the step was given");
                debug_assert_eq!(slot as u32, h.slot);
                self.out.counters.held += 1;
                self.held_payload += u64::from(seg.len);
                let held = Held {
                    header,
                    original,
                    seg,
                    slot,
                    inconsistent: facts.inconsistent,
                };
                let list = &mut self.sessions.get_mut(&key).expect("session").held[d];
                if h.front {
                    list.push_front(held);
                } else {
                    list.push_back(held);
                }
            }
            (None, None) => unreachable!("a step tags or holds its frame"),
        }
        if let Some(r) = st.after {
            self.send_held(key, r);
        }
        self.schedule(key);
    }

    /// Give up a direction's hole outside a frame's step (timeout, eviction, end).
    fn give_up(&mut self, key: SynKey, d: usize, why: Why, ts_ns: u64) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        if let Some(r) = step::give_up(&mut s.rec, d, why, ts_ns) {
            self.send_held(key, r);
        }
    }

    /// Send a released block's frames in order, each tagged by the walk (or FALLBACK).
    fn send_held(&mut self, key: SynKey, r: Release) {
        let s = self.sessions.get_mut(&key).expect("session");
        let frames = std::mem::take(&mut s.held[r.dir]);
        let flow_id = s.rec.flow_id;
        let flags = if r.dir == 1 { FLAG_RESPONDER } else { 0 };
        match r.why {
            Why::Ack => self.out.counters.ack_gaps += 1,
            Why::Cap => self.out.counters.cap_gaps += 1,
            _ => {}
        }
        let mut w = r.walk;
        for h in frames {
            self.store.release(h.slot, h.original.len() as u64);
            self.held_payload -= u64::from(h.seg.len);
            let mut info = match r.why {
                Why::Fallback => {
                    let reason = Fallback::from_u8(self.sessions[&key].rec.fallback)
                        .expect("a fallen-back session has its reason");
                    step::fallback_tag(flow_id, r.dir, reason)
                }
                _ => match step::walk(&mut w, h.seg.data_seq(), h.seg.end_seq(), h.seg.len) {
                    Landing::Old { offset } => {
                        let s = self.sessions.get_mut(&key).expect("session");
                        let fig = &mut s.rec.figures[r.dir];
                        fig.retransmissions = fig.retransmissions.wrapping_add(1);
                        ReasmInfo {
                            flow_id,
                            offset,
                            skip: h.seg.len.min(u32::from(u16::MAX)) as u16,
                            status: Status::Retransmission as u8,
                            flags,
                            ..ReasmInfo::default()
                        }
                    }
                    Landing::Delivered { offset, gap, skip } => ReasmInfo {
                        flow_id,
                        offset,
                        gap,
                        skip: skip.min(u32::from(u16::MAX)) as u16,
                        status: Status::Released as u8,
                        flags,
                        ..ReasmInfo::default()
                    },
                },
            };
            if h.inconsistent && r.why != Why::Fallback {
                info.flags |= FLAG_INCONSISTENT;
            }
            self.emit(h.header, &h.original, info, h.seg.len);
        }
    }

    /// Whether payload bytes of `seg` differ from the held bytes at the same sequence numbers.
    fn differs_from_held(&self, key: SynKey, d: usize, original: &[u8], seg: &Segment) -> bool {
        let start = seg.data_seq();
        let payload = &original[seg.payload.clone()];
        self.sessions[&key].held[d].iter().any(|h| {
            let hs = h.seg.data_seq();
            let hp = &h.original[h.seg.payload.clone()];
            // Overlap of [start, start+len) and [hs, hs+hlen), as offsets into each payload.
            let from = sd(hs, start).max(0);
            let to = sd(hs.wrapping_add(hp.len() as u32), start).min(payload.len() as i64);
            (from..to).any(|i| payload[i as usize] != hp[(i - sd(hs, start)) as usize])
        })
    }

    /// End a session: held frames out (after their gaps), then its flow-end record; its
    /// directory way is freed.
    fn end_session(&mut self, key: SynKey, why: End) {
        if let Some(bucket) = self.retire(key, why) {
            self.placement.remove(bucket);
        }
    }

    /// End a session but keep its directory way (its bucket, returned) for a new one.
    fn retire(&mut self, key: SynKey, why: End) -> Option<usize> {
        let last = self.sessions.get(&key).map(|s| s.rec.last_ns)?;
        for d in 0..2 {
            self.give_up(key, d, Why::Ended, last);
        }
        let s = self.sessions.remove(&key).expect("session");
        self.out.counters.ended += 1;
        self.out.flow_ends.push(step::flow_end(&s.rec, &key, why));
        Some(s.bucket)
    }
}
