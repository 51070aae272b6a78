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

pub mod rule;
pub mod segment;
pub mod store;
pub mod streams;
pub mod table;

use rule::{sd, Action, DirView, GapCause, SegView};
use segment::{NotFollowed, Segment};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use store::Store;
use table::Placement;
use vantage_proto::axis::LaneFrame;
use vantage_proto::conn::{tcp_flags, SynKey};
use vantage_proto::header::{insert, Tag, TaggedHeader};
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

/// The bytes held above a direction's one hole: `[start, end)` in sequence space, contiguous.
#[derive(Debug)]
struct Block {
    start: u32,
    end: u32,
    since_ns: u64,
    /// Held frames in release order: each starts at or below the end of those before it.
    frames: VecDeque<Held>,
}

#[derive(Debug, Default)]
struct Dir {
    init: bool,
    /// Sequence number of the stream's next byte.
    next: u32,
    /// Its stream offset.
    next_off: u64,
    fin: bool,
    /// Highest acknowledgement the other side sent.
    acked: Option<u32>,
    block: Option<Block>,
    fig: DirFigures,
}

#[derive(Debug)]
struct Session {
    flow_id: u64,
    orig_side: u8,
    bucket: usize,
    first_ns: u64,
    last_ns: u64,
    closed_ns: Option<u64>,
    fallback: Option<Fallback>,
    dirs: [Dir; 2],
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
        let mut keys: Vec<(u64, SynKey)> =
            self.sessions.iter().map(|(k, s)| (s.flow_id, *k)).collect();
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

    fn emit(&mut self, mut header: TaggedHeader, original: &[u8], info: ReasmInfo) {
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
            let ended = match s.closed_ns {
                Some(c) if due >= c + self.cfg.close_linger_ns => Some(End::Closed),
                _ if due >= s.last_ns + self.cfg.idle_timeout_ns => Some(End::Idle),
                _ => None,
            };
            if let Some(why) = ended {
                self.end_session(key, why);
                continue;
            }
            for d in 0..2 {
                let since = self.sessions[&key].dirs[d]
                    .block
                    .as_ref()
                    .map(|b| b.since_ns);
                if since.is_some_and(|t| due >= t + self.cfg.hole_timeout_ns) {
                    self.out.counters.hole_timeouts += 1;
                    self.release_block(key, d);
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
        let mut due = s.last_ns + cfg.idle_timeout_ns;
        if let Some(c) = s.closed_ns {
            due = due.min(c + cfg.close_linger_ns);
        }
        for d in &s.dirs {
            if let Some(b) = &d.block {
                due = due.min(b.since_ns + cfg.hole_timeout_ns);
            }
        }
        self.deadlines.push(Reverse((due, key, s.gen)));
    }

    /// Find or make the segment's session; None when it has none (passed without a tag).
    fn session_for(&mut self, header: &TaggedHeader, original: &[u8], seg: &Segment) -> Option<()> {
        let plain_syn = seg.has(tcp_flags::SYN) && !seg.has(tcp_flags::ACK);
        if let Some(s) = self.sessions.get(&seg.key) {
            if !(plain_syn && s.closed_ns.is_some()) {
                return Some(());
            }
            self.end_session(seg.key, End::Reused);
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
        let Some(bucket) = self.placement.place(choices) else {
            let c = &mut self.out.counters;
            c.fallback_table_full += 1;
            c.fallback_frames += 1;
            c.bytes_passed += u64::from(seg.len);
            let flags = if seg.side == orig_side {
                0
            } else {
                FLAG_RESPONDER
            };
            let info = ReasmInfo {
                status: Status::Fallback as u8,
                reason: Fallback::TableFull as u8,
                flags,
                ..ReasmInfo::default()
            };
            self.emit(header.clone(), original, info);
            return None;
        };
        let flow_id = self.next_flow_id;
        self.next_flow_id += 1;
        self.out.counters.sessions += 1;
        self.sessions.insert(
            seg.key,
            Session {
                flow_id,
                orig_side,
                bucket,
                first_ns: seg.ts_ns,
                last_ns: seg.ts_ns,
                closed_ns: None,
                fallback: None,
                dirs: [Dir::default(), Dir::default()],
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
        let s = self.sessions.get_mut(&key).expect("session just found");
        s.last_ns = s.last_ns.max(seg.ts_ns);
        let d = usize::from(seg.side != s.orig_side);
        s.dirs[d].fig.frames += 1;
        if let Some(reason) = s.fallback {
            let flow_id = s.flow_id;
            self.fallback_emit(header, &original, &seg, flow_id, d, reason);
            self.schedule(key);
            return;
        }
        let o = 1 - d;
        if seg.has(tcp_flags::ACK) {
            let od = &mut s.dirs[o];
            if od.init {
                if od.acked.map_or(true, |a| sd(seg.ack, a) > 0) {
                    od.acked = Some(seg.ack);
                }
                if od.block.is_some() && sd(seg.ack, od.next) > 0 {
                    self.out.counters.ack_gaps += 1;
                    self.release_block(key, o);
                }
            } else {
                od.init = true;
                od.next = seg.ack;
                od.acked = Some(seg.ack);
            }
        }
        if seg.has(tcp_flags::RST) {
            for dir in [d, o] {
                self.release_block(key, dir);
            }
            let s = self.sessions.get_mut(&key).expect("session");
            s.closed_ns.get_or_insert(seg.ts_ns);
            let info = self.info(key, d, &seg, Status::Control);
            self.out.counters.control += 1;
            self.emit(header, &original, info);
            self.schedule(key);
            return;
        }
        let dir = &mut self.sessions.get_mut(&key).expect("session").dirs[d];
        if !dir.init {
            dir.init = true;
            dir.next = seg.data_seq();
        }
        self.classify(key, d, header, original, seg);
        self.schedule(key);
    }

    /// The REASM tag of `seg` in direction `d` now (offset from the direction's next byte).
    fn info(&self, key: SynKey, d: usize, seg: &Segment, status: Status) -> ReasmInfo {
        let s = &self.sessions[&key];
        let dir = &s.dirs[d];
        let offset = (dir.next_off as i64 + sd(seg.data_seq(), dir.next)) as u64 & OFFSET_MASK;
        ReasmInfo {
            flow_id: s.flow_id,
            offset,
            status: status as u8,
            flags: if d == 1 { FLAG_RESPONDER } else { 0 },
            ..ReasmInfo::default()
        }
    }

    /// Place a segment of an initialised direction, as the direction rule (`rule.rs`) says.
    fn classify(
        &mut self,
        key: SynKey,
        d: usize,
        header: TaggedHeader,
        original: Vec<u8>,
        seg: Segment,
    ) {
        let view = SegView {
            start: seg.data_seq(),
            end: seg.end_seq(),
            data: seg.len > 0 || seg.has(tcp_flags::FIN),
        };
        loop {
            let dir = &self.sessions[&key].dirs[d];
            let state = DirView {
                next: dir.next,
                acked: dir.acked,
                block: dir.block.as_ref().map(|b| (b.start, b.end)),
            };
            let verdict = rule::decide(state, view, self.cfg.max_above_hole);
            if let Some(cause) = verdict.release_first {
                self.count_gap_cause(cause);
                self.release_block(key, d);
            }
            match verdict.action {
                Action::Control => {
                    let info = self.info(key, d, &seg, Status::Control);
                    self.out.counters.control += 1;
                    self.emit(header, &original, info);
                }
                Action::Retransmission => {
                    self.retransmission(key, d, header, &original, &seg, false)
                }
                Action::InOrder { release } => {
                    let inconsistent = self.differs_from_held(key, d, &original, &seg);
                    if inconsistent {
                        self.count_inconsistent(key, d);
                    }
                    self.deliver(
                        key,
                        d,
                        header,
                        &original,
                        &seg,
                        Status::InOrder,
                        inconsistent,
                    );
                    if release {
                        self.release_block(key, d);
                    }
                }
                Action::AfterGap(cause) => {
                    self.count_gap_cause(cause);
                    self.deliver(key, d, header, &original, &seg, Status::InOrder, false);
                }
                Action::HeldRetransmission => {
                    // Bytes the store holds already.
                    let inconsistent = self.differs_from_held(key, d, &original, &seg);
                    if inconsistent {
                        self.count_inconsistent(key, d);
                    }
                    self.retransmission(key, d, header, &original, &seg, inconsistent);
                }
                Action::SecondHole => {
                    self.fall_back(key, d, header, &original, &seg, Fallback::SecondHole)
                }
                Action::Hold { .. } => {
                    // The store may first have to give up some hole, this one included; the
                    // rule is then asked again.
                    let bytes = original.len() as u64;
                    if !self.store.could_hold(bytes) {
                        self.fall_back(key, d, header, &original, &seg, Fallback::BufferExhausted);
                        return;
                    }
                    let Some(slot) = self.store.alloc((key, d as u8), bytes) else {
                        let (vk, vd) = self.store.victim().expect("a full store holds frames");
                        self.out.counters.evictions += 1;
                        self.release_block(vk, vd as usize);
                        continue;
                    };
                    self.hold(key, d, header, original, seg, slot);
                }
            }
            return;
        }
    }

    fn count_gap_cause(&mut self, cause: GapCause) {
        match cause {
            GapCause::Ack => self.out.counters.ack_gaps += 1,
            GapCause::Cap => self.out.counters.cap_gaps += 1,
        }
    }

    /// Put a segment in the store's `slot`, as a new block or joined to the direction's block.
    fn hold(
        &mut self,
        key: SynKey,
        d: usize,
        header: TaggedHeader,
        original: Vec<u8>,
        seg: Segment,
        slot: usize,
    ) {
        let (start, end) = (seg.data_seq(), seg.end_seq());
        let inconsistent = self.differs_from_held(key, d, &original, &seg);
        if inconsistent {
            self.count_inconsistent(key, d);
        }
        self.out.counters.held += 1;
        self.held_payload += u64::from(seg.len);
        let ts = seg.ts_ns;
        let held = Held {
            header,
            original,
            seg,
            slot,
            inconsistent,
        };
        let dir = &mut self.sessions.get_mut(&key).expect("session").dirs[d];
        match &mut dir.block {
            None => {
                dir.block = Some(Block {
                    start,
                    end,
                    since_ns: ts,
                    frames: VecDeque::from([held]),
                })
            }
            Some(b) => {
                if sd(start, b.start) < 0 {
                    b.start = start;
                    b.frames.push_front(held);
                } else {
                    b.frames.push_back(held);
                }
                if sd(end, b.end) > 0 {
                    b.end = end;
                }
            }
        }
    }

    fn count_inconsistent(&mut self, key: SynKey, d: usize) {
        self.out.counters.inconsistent += 1;
        let s = self.sessions.get_mut(&key).expect("session");
        s.dirs[d].fig.inconsistent += 1;
    }

    /// Whether payload bytes of `seg` differ from the held bytes at the same sequence numbers.
    fn differs_from_held(&self, key: SynKey, d: usize, original: &[u8], seg: &Segment) -> bool {
        let Some(b) = &self.sessions[&key].dirs[d].block else {
            return false;
        };
        let start = seg.data_seq();
        let payload = &original[seg.payload.clone()];
        b.frames.iter().any(|h| {
            let hs = h.seg.data_seq();
            let hp = &h.original[h.seg.payload.clone()];
            // Overlap of [start, start+len) and [hs, hs+hlen), as offsets into each payload.
            let from = sd(hs, start).max(0);
            let to = sd(hs.wrapping_add(hp.len() as u32), start).min(payload.len() as i64);
            (from..to).any(|i| payload[i as usize] != hp[(i - sd(hs, start)) as usize])
        })
    }

    fn retransmission(
        &mut self,
        key: SynKey,
        d: usize,
        header: TaggedHeader,
        original: &[u8],
        seg: &Segment,
        inconsistent: bool,
    ) {
        let c = &mut self.out.counters;
        c.retransmissions += 1;
        c.bytes_old += u64::from(seg.len);
        self.sessions.get_mut(&key).expect("session").dirs[d]
            .fig
            .retransmissions += 1;
        if self.cfg.retransmit == RetransmitPolicy::Drop {
            self.out.counters.dropped += 1;
            return;
        }
        let mut info = self.info(key, d, seg, Status::Retransmission);
        info.skip = seg.len.min(u32::from(u16::MAX)) as u16;
        if inconsistent {
            info.flags |= FLAG_INCONSISTENT;
        }
        self.emit(header, original, info);
    }

    /// Send a segment that reaches the next byte (or lies above it after a gap) and move the
    /// direction's next byte past it; `inconsistent` sets the tag's flag (the caller counted it).
    #[allow(clippy::too_many_arguments)]
    fn deliver(
        &mut self,
        key: SynKey,
        d: usize,
        header: TaggedHeader,
        original: &[u8],
        seg: &Segment,
        status: Status,
        inconsistent: bool,
    ) {
        let mut info = self.info(key, d, seg, status);
        let s = self.sessions.get_mut(&key).expect("session");
        let dir = &mut s.dirs[d];
        let (start, end) = (seg.data_seq(), seg.end_seq());
        let ahead = sd(start, dir.next);
        let (gap, skip) = if ahead > 0 {
            (ahead as u64, 0)
        } else {
            (0, (-ahead).min(i64::from(seg.len)) as u32)
        };
        let new = u64::from(seg.len - skip);
        dir.next_off += sd(end, dir.next) as u64;
        dir.next = end;
        dir.fig.delivered += new;
        if gap > 0 {
            dir.fig.gaps += 1;
            dir.fig.missed += gap;
        }
        if seg.has(tcp_flags::FIN) {
            dir.fin = true;
        }
        if s.dirs[0].fin && s.dirs[1].fin {
            s.closed_ns.get_or_insert(seg.ts_ns);
        }
        info.gap = gap.min(u64::from(u32::MAX)) as u32;
        info.skip = skip.min(u32::from(u16::MAX)) as u16;
        if inconsistent {
            info.flags |= FLAG_INCONSISTENT;
        }
        let c = &mut self.out.counters;
        if gap > 0 {
            c.gaps += 1;
            c.gap_bytes += gap;
        }
        c.bytes_new += new;
        c.bytes_old += u64::from(skip);
        match status {
            Status::Released => c.released += 1,
            _ => c.in_order += 1,
        }
        self.emit(header, original, info);
    }

    /// Send a direction's held frames in order (the first after a gap if the hole is still
    /// open), freeing their slots.
    fn release_block(&mut self, key: SynKey, d: usize) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        let Some(block) = s.dirs[d].block.take() else {
            return;
        };
        for h in block.frames {
            self.store.release(h.slot, h.original.len() as u64);
            self.held_payload -= u64::from(h.seg.len);
            let next = self.sessions[&key].dirs[d].next;
            if sd(h.seg.end_seq(), next) <= 0 {
                self.retransmission(key, d, h.header, &h.original, &h.seg, h.inconsistent);
            } else {
                self.deliver(
                    key,
                    d,
                    h.header,
                    &h.original,
                    &h.seg,
                    Status::Released,
                    h.inconsistent,
                );
            }
        }
    }

    fn fallback_emit(
        &mut self,
        header: TaggedHeader,
        original: &[u8],
        seg: &Segment,
        flow_id: u64,
        d: usize,
        reason: Fallback,
    ) {
        let c = &mut self.out.counters;
        c.fallback_frames += 1;
        c.bytes_passed += u64::from(seg.len);
        let info = ReasmInfo {
            flow_id,
            status: Status::Fallback as u8,
            reason: reason as u8,
            flags: if d == 1 { FLAG_RESPONDER } else { 0 },
            ..ReasmInfo::default()
        };
        self.emit(header, original, info);
    }

    /// Stop following the session: its held frames go out first, in order, then this frame.
    fn fall_back(
        &mut self,
        key: SynKey,
        d: usize,
        header: TaggedHeader,
        original: &[u8],
        seg: &Segment,
        reason: Fallback,
    ) {
        let c = &mut self.out.counters;
        match reason {
            Fallback::TableFull => c.fallback_table_full += 1,
            Fallback::SecondHole => c.fallback_second_hole += 1,
            Fallback::BufferExhausted => c.fallback_buffer_exhausted += 1,
        }
        let s = self.sessions.get_mut(&key).expect("session");
        s.fallback = Some(reason);
        let flow_id = s.flow_id;
        let blocks: Vec<(usize, Block)> = (0..2)
            .filter_map(|dir| s.dirs[dir].block.take().map(|b| (dir, b)))
            .collect();
        for (dir, block) in blocks {
            for h in block.frames {
                self.store.release(h.slot, h.original.len() as u64);
                self.held_payload -= u64::from(h.seg.len);
                self.fallback_emit(h.header, &h.original, &h.seg, flow_id, dir, reason);
            }
        }
        self.fallback_emit(header, original, seg, flow_id, d, reason);
    }

    /// End a session: held frames out (after their gaps), then its flow-end record.
    fn end_session(&mut self, key: SynKey, why: End) {
        for d in 0..2 {
            self.release_block(key, d);
        }
        let Some(s) = self.sessions.remove(&key) else {
            return;
        };
        self.placement.remove(s.bucket);
        let mut dirs = [s.dirs[0].fig, s.dirs[1].fig];
        for (fig, dir) in dirs.iter_mut().zip(&s.dirs) {
            // Bytes the other side acknowledged that never came: missed at the end, in a
            // direction the capture holds at all (a half-duplex capture misses nothing).
            if let Some(a) = dir.acked {
                let unseen = sd(a, dir.next);
                if dir.init && !dir.fin && fig.frames > 0 && unseen > 0 {
                    fig.missed += unseen as u64;
                    fig.gaps += 1;
                }
            }
        }
        let (originator, responder) = key.oriented(s.orig_side);
        self.out.counters.ended += 1;
        self.out.flow_ends.push(FlowEnd {
            flow_id: s.flow_id,
            v6: key.v6,
            end: why as u8,
            fallback: s.fallback.map_or(0, |f| f as u8),
            originator,
            responder,
            first_ns: s.first_ns,
            last_ns: s.last_ns,
            dirs,
        });
    }
}
