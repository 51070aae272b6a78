//! Generated inputs of the reasm stage's direction rule (`model::reasm::rule`) and session step
//! (`model::reasm::step`), for the tests that hold their logic (`hdl::reasm::rule`,
//! `hdl::reasm::step`, in rust-hdl's simulator and through Verilator) to the model's; the
//! store-less model the RTL engine and frames' side are held to; captures for readers of the
//! stage's tags.

use proptest::prelude::*;
use vantage_model::reasm::rule::{decide, Action, DirView, GapCause, SegView};
pub use vantage_model::reasm::step::{flow_end, walk, Landing, Room, Walk as WalkState};
use vantage_model::reasm::step::{frame, Facts, Limits, Why};
use vantage_proto::conn::SynKey;
use vantage_proto::reasm::record::{SeqState, SessionRecord};
use vantage_proto::reasm::{DirFigures, End};

/// One evaluation's inputs.
#[derive(Clone, Copy, Debug)]
pub struct RuleCase {
    pub dir: DirView,
    pub seg: SegView,
    /// Bytes a direction may hold above its hole.
    pub cap: u32,
}

/// The unit's outputs, as the model's verdict gives them. Flags that do not go with the action
/// are false (the unit clears them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleOutputs {
    pub release_first: bool,
    /// The release is the cap's (else the ACK's).
    pub first_cap: bool,
    /// The action in the unit's encoding: control 0, retransmission 1, in order 2, after a gap
    /// 3, held retransmission 4, hold 5, second hole 6 (`hdl::reasm::rule::RuleAction`'s order).
    pub action: u8,
    /// In order: the held block follows.
    pub release_after: bool,
    /// After a gap: the cap's gap (else the ACK's).
    pub gap_cap: bool,
    /// Hold: a new block.
    pub hold_new: bool,
}

/// The model's verdict on a case, as the unit's outputs.
pub fn rule_expected(c: &RuleCase) -> RuleOutputs {
    let v = decide(c.dir, c.seg, c.cap);
    let mut out = RuleOutputs {
        release_first: v.release_first.is_some(),
        first_cap: v.release_first == Some(GapCause::Cap),
        action: 0,
        release_after: false,
        gap_cap: false,
        hold_new: false,
    };
    out.action = match v.action {
        Action::Control => 0,
        Action::Retransmission => 1,
        Action::InOrder { release } => {
            out.release_after = release;
            2
        }
        Action::AfterGap(g) => {
            out.gap_cap = g == GapCause::Cap;
            3
        }
        Action::HeldRetransmission => 4,
        Action::Hold { new } => {
            out.hold_new = new;
            5
        }
        Action::SecondHole => 6,
    };
    out
}

/// Sequence numbers within a few dozen of one another around any base (the wrap included), so
/// every relation the rule tells apart is reached, its boundaries too; caps small, zero, at the
/// sign bit and all ones.
pub fn rule_case() -> impl Strategy<Value = RuleCase> {
    let near = || -40i64..40;
    (
        any::<u32>(),
        (near(), proptest::option::of(near())),
        proptest::option::of((near(), 0u32..30)),
        (near(), 0u32..30, any::<bool>()),
        prop_oneof![0u32..60, Just(u32::MAX), Just(0x8000_0000)],
    )
        .prop_map(|(base, (next, acked), block, (start, len, fin), cap)| {
            let at = |o: i64| base.wrapping_add(o as u32);
            let start = at(start);
            RuleCase {
                dir: DirView {
                    next: at(next),
                    acked: acked.map(at),
                    block: block.map(|(s, l)| (at(s), at(s).wrapping_add(l + 1))),
                },
                seg: SegView {
                    start,
                    end: start.wrapping_add(len + u32::from(fin)),
                    data: len > 0 || fin,
                },
                cap,
            }
        })
}

/// One step's inputs: a record, a frame, the store's room and the cap.
#[derive(Clone, Copy, Debug)]
pub struct StepCase {
    pub rec: SessionRecord,
    pub facts: Facts,
    pub room: Room,
    pub cap: u32,
}

/// A direction's beat-0 state as the step unit writes it back; the block's bounds are compared
/// only while the block is held (the unit leaves stale bounds in a cleared block), the highest
/// ACK only while it is valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirOut {
    pub init: bool,
    pub fin: bool,
    pub next: u32,
    pub off: u64,
    pub acked: Option<u32>,
    pub block: Option<(u32, u32)>,
    pub block_fin: bool,
    /// The frame's own direction only: when its block started and the store's list.
    pub since_head_tail: (u32, u32, u32),
}

impl DirOut {
    pub fn of(s: &SeqState, own: bool) -> DirOut {
        DirOut {
            init: s.init,
            fin: s.fin,
            next: s.next,
            off: s.next_off,
            acked: s.acked,
            block: s.block,
            block_fin: s.block_fin,
            since_head_tail: if own {
                (s.block_since, s.held_head, s.held_tail)
            } else {
                (0, 0, 0)
            },
        }
    }
}

/// The step unit's outputs, as the model's step gives them. Outputs that do not go with the
/// others (a release's reason without a release, the offset of a release behind the frame
/// without one, anything but `need_room` when the frame needs room) are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutputs {
    pub own: DirOut,
    pub peer: DirOut,
    pub fallback: u8,
    pub closed: bool,
    pub closed_now: bool,
    pub need_room: bool,
    /// 0 while held, else the status byte.
    pub status: u8,
    pub offset: u64,
    pub skip: u16,
    pub gap: u32,
    pub inconsistent_flag: bool,
    pub reason: u8,
    pub hold: bool,
    pub hold_front: bool,
    pub hold_new: bool,
    /// The release before the frame: 0 none, 1 ACK, 2 cap, 3 RST, 4 fallback (the unit's
    /// `ReleaseWhy` order).
    pub peer_why: u8,
    pub own_why: u8,
    pub peer_first: bool,
    pub release_after: bool,
    pub after_off: u64,
    pub fell_back: bool,
    pub after_gap: bool,
    pub after_gap_cap: bool,
    pub inconsistent_counted: bool,
    pub own_delivered: u32,
    pub own_missed: u32,
    pub own_gaps: u8,
    pub own_retransmission: bool,
    pub peer_delivered: u32,
    pub peer_missed: u32,
    pub peer_gap: bool,
}

impl StepOutputs {
    /// Zero what does not go with the rest (the unit's outputs pass through this too).
    pub fn normalized(mut self) -> StepOutputs {
        if self.need_room {
            return StepOutputs {
                need_room: true,
                ..StepOutputs::default()
            };
        }
        if !self.release_after {
            self.after_off = 0;
        }
        if self.peer_why == 0 || self.own_why == 0 {
            self.peer_first = false;
        }
        self
    }
}

fn why_code(w: Why) -> u8 {
    match w {
        Why::Ack => 1,
        Why::Cap => 2,
        Why::Rst => 3,
        Why::Fallback => 4,
        other => unreachable!("a frame's step gives no {other:?} release before it"),
    }
}

fn fig_delta(new: &DirFigures, old: &DirFigures) -> (u32, u32, u8, bool) {
    (
        new.delivered.wrapping_sub(old.delivered) as u32,
        new.missed.wrapping_sub(old.missed) as u32,
        new.gaps.wrapping_sub(old.gaps) as u8,
        new.retransmissions != old.retransmissions,
    )
}

/// The model's step on a case, as the unit's outputs.
pub fn step_expected(c: &StepCase) -> StepOutputs {
    let limits = Limits {
        max_above_hole: c.cap,
    };
    let Ok(st) = frame(&c.rec, &c.facts, limits, c.room) else {
        return StepOutputs {
            need_room: true,
            ..StepOutputs::default()
        };
    };
    let (d, o) = (c.facts.dir, 1 - c.facts.dir);
    let tag = st.tag.unwrap_or_default();
    let (own_delivered, own_missed, own_gaps, own_retransmission) =
        fig_delta(&st.rec.figures[d], &c.rec.figures[d]);
    let (peer_delivered, peer_missed, peer_gaps, _) =
        fig_delta(&st.rec.figures[o], &c.rec.figures[o]);
    let mut out = StepOutputs {
        own: DirOut::of(&st.rec.dirs[d], true),
        peer: DirOut::of(&st.rec.dirs[o], false),
        fallback: st.rec.fallback,
        closed: st.rec.closed_at.is_some(),
        closed_now: st.rec.closed_at.is_some() && c.rec.closed_at.is_none(),
        status: tag.status,
        offset: tag.offset,
        skip: tag.skip,
        gap: tag.gap,
        inconsistent_flag: tag.flags & vantage_proto::reasm::FLAG_INCONSISTENT != 0,
        reason: tag.reason,
        hold: st.hold.is_some(),
        hold_front: st.hold.is_some_and(|h| h.front),
        hold_new: st.hold.is_some_and(|h| h.new),
        release_after: st.after.is_some(),
        after_off: st.after.map_or(0, |r| r.walk.next_off),
        fell_back: st.fell_back.is_some(),
        after_gap: st.after_gap.is_some(),
        after_gap_cap: st.after_gap == Some(GapCause::Cap),
        inconsistent_counted: st.inconsistent,
        own_delivered,
        own_missed,
        own_gaps,
        own_retransmission,
        peer_delivered,
        peer_missed,
        peer_gap: peer_gaps != 0,
        ..StepOutputs::default()
    };
    for r in &st.before {
        if r.dir == d {
            out.own_why = why_code(r.why);
        } else {
            out.peer_why = why_code(r.why);
        }
    }
    out.peer_first = st.before.len() == 2 && st.before[0].dir == o;
    out.normalized()
}

/// The step unit's input `port` for a case (the unit's port names, `hdl::reasm::step::IN_PORTS`),
/// so rust-hdl's simulator and Verilator are given the same values.
pub fn step_input(c: &StepCase, port: &str) -> u64 {
    let d = c.facts.dir;
    let (own, peer) = (&c.rec.dirs[d], &c.rec.dirs[1 - d]);
    let (side, name) = match port.split_once('_') {
        Some(("own", rest)) => (Some(own), rest),
        Some(("peer", rest)) => (Some(peer), rest),
        _ => (None, port),
    };
    if let Some(s) = side {
        let (bs, be) = s.block.unwrap_or((0, 0));
        return match name {
            "init" => u64::from(s.init),
            "fin" => u64::from(s.fin),
            "next" => u64::from(s.next),
            "off" => s.next_off,
            "acked_valid" => u64::from(s.acked.is_some()),
            "acked" => u64::from(s.acked.unwrap_or(0)),
            "block_valid" => u64::from(s.block.is_some()),
            "block_start" => u64::from(bs),
            "block_end" => u64::from(be),
            "block_since" => u64::from(s.block_since),
            "held_head" => u64::from(s.held_head),
            "held_tail" => u64::from(s.held_tail),
            "block_fin" => u64::from(s.block_fin),
            _ => panic!("no step input {port}"),
        };
    }
    match port {
        "fallback" => u64::from(c.rec.fallback),
        "closed" => u64::from(c.rec.closed_at.is_some()),
        "tcp_flags" => u64::from(c.facts.flags),
        "ack" => u64::from(c.facts.ack),
        "seg_start" => u64::from(c.facts.start()),
        "seg_end" => u64::from(c.facts.end()),
        "len" => u64::from(c.facts.len),
        "tick" => u64::from(vantage_proto::reasm::record::tick(c.facts.ts_ns)),
        "inconsistent" => u64::from(c.facts.inconsistent),
        "responder" => d as u64,
        "slot_ok" => u64::from(matches!(c.room, Room::Slot(_))),
        "slot" => match c.room {
            Room::Slot(s) => u64::from(s),
            _ => 0,
        },
        "room_never" => u64::from(c.room == Room::Never),
        "cap" => u64::from(c.cap),
        _ => panic!("no step input {port}"),
    }
}

/// The step unit's outputs read by port name (`hdl::reasm::step::OUT_PORTS`), normalized as
/// `step_expected`'s. A peer's block bounds are not outputs (the step never moves them): they
/// are the case's.
pub fn step_outputs(c: &StepCase, get: impl Fn(&str) -> u64) -> StepOutputs {
    let b = |p: &str| get(p) != 0;
    let w32 = |p: &str| get(p) as u32;
    let dir = |side: &str| {
        let f = |n: &str| format!("{side}_{n}_w");
        DirOut {
            init: b(&f("init")),
            fin: b(&f("fin")),
            next: w32(&f("next")),
            off: get(&f("off")),
            acked: b(&f("acked_valid")).then(|| w32(&f("acked"))),
            block: b(&f("block_valid")).then(|| {
                if side == "own" {
                    (w32(&f("block_start")), w32(&f("block_end")))
                } else {
                    c.rec.dirs[1 - c.facts.dir].block.unwrap_or((0, 0))
                }
            }),
            block_fin: b(&f("block_fin")),
            since_head_tail: if side == "own" {
                (
                    w32(&f("block_since")),
                    w32(&f("held_head")),
                    w32(&f("held_tail")),
                )
            } else {
                (0, 0, 0)
            },
        }
    };
    StepOutputs {
        own: dir("own"),
        peer: dir("peer"),
        fallback: get("fallback_w") as u8,
        closed: b("closed_w"),
        closed_now: b("closed_now"),
        need_room: b("need_room"),
        status: get("status") as u8,
        offset: get("offset"),
        skip: get("skip") as u16,
        gap: w32("gap"),
        inconsistent_flag: b("inconsistent_flag"),
        reason: get("reason") as u8,
        hold: b("hold"),
        hold_front: b("hold_front"),
        hold_new: b("hold_new"),
        peer_why: get("peer_why") as u8,
        own_why: get("own_why") as u8,
        peer_first: b("peer_first"),
        release_after: b("release_after"),
        after_off: get("after_off"),
        fell_back: b("fell_back"),
        after_gap: b("after_gap"),
        after_gap_cap: b("after_gap_cap"),
        inconsistent_counted: b("inconsistent_counted"),
        own_delivered: w32("own_delivered"),
        own_missed: w32("own_missed"),
        own_gaps: get("own_gaps") as u8,
        own_retransmission: b("own_retransmission"),
        peer_delivered: w32("peer_delivered"),
        peer_missed: w32("peer_missed"),
        peer_gap: b("peer_gap"),
    }
    .normalized()
}

/// The record after the model's step on a case (None when the frame needs room: nothing changes).
pub fn step_record(c: &StepCase) -> Option<SessionRecord> {
    let limits = Limits {
        max_above_hole: c.cap,
    };
    frame(&c.rec, &c.facts, limits, c.room)
        .ok()
        .map(|st| st.rec)
}

/// A walk over a released block and a held frame near it (`model::reasm::step::walk`): sequence
/// numbers within a few dozen of one another around any base, offsets near zero and near the
/// 48-bit wrap, frames with and without a FIN. Gives the walk, the frame's start, end and payload.
pub fn walk_case() -> impl Strategy<Value = (WalkState, u32, u32, u32)> {
    (
        any::<u32>(),
        prop_oneof![0u64..100, (1u64 << 48) - 100..(1u64 << 48)],
        -40i64..40,
        0u32..40,
        any::<bool>(),
    )
        .prop_map(|(next, off, ahead, len, fin)| {
            let start = next.wrapping_add(ahead as u32);
            let end = start.wrapping_add(len + u32::from(fin));
            (
                WalkState {
                    next,
                    next_off: off,
                },
                start,
                end,
                len,
            )
        })
}

/// A session ending: a record (directions as `step_case` makes them, any figures, times, flow
/// id, fallback reason and originator), its endpoints (IPv4 or IPv6) and the end reason.
pub fn flow_end_case() -> impl Strategy<Value = (SessionRecord, SynKey, End)> {
    (
        step_case(),
        (any::<u64>(), any::<u64>(), any::<u64>(), 0u8..4, 0u8..2),
        (
            any::<bool>(),
            any::<([u8; 16], u16)>(),
            any::<([u8; 16], u16)>(),
        ),
        (any::<[u32; 4]>(), 0u32..3),
        prop_oneof![
            Just(End::Closed),
            Just(End::Idle),
            Just(End::Reused),
            Just(End::Flushed)
        ],
    )
        .prop_map(
            |(c, (flow_id, first, last, fallback, side), (v6, a, b), (inc, frames0), why)| {
                let mut rec = c.rec;
                rec.flow_id = flow_id;
                rec.first_ns = first;
                rec.last_ns = last;
                rec.fallback = fallback;
                rec.orig_side = side;
                rec.figures[0].inconsistent = inc[0];
                rec.figures[1].inconsistent = inc[1];
                rec.figures[0].frames = frames0;
                rec.figures[1].frames = inc[2] % 3;
                let v4 = |e: ([u8; 16], u16)| {
                    (
                        vantage_proto::flowhash::ipv4_as_16([e.0[0], e.0[1], e.0[2], e.0[3]]),
                        e.1,
                    )
                };
                let (a, b) = if v6 { (a, b) } else { (v4(a), v4(b)) };
                rec.v6 = v6;
                (rec, SynKey::of(v6, a, b).0, why)
            },
        )
}

/// The model's stage without a segment store (every segment above a hole falls back) and with
/// timeouts out of reach: what the RTL engine, which has no store yet, is held to.
pub fn store_less() -> vantage_model::reasm::ReasmConfig {
    vantage_model::reasm::device::config(&vantage_model::reasm::ReasmConfig::default())
}

/// What the model's stage did with one tagged frame.
#[derive(Clone, Debug)]
pub struct ModelFrame {
    /// The segment the stage read, or why it did not follow the frame.
    pub seg:
        Result<vantage_model::reasm::segment::Segment, vantage_model::reasm::segment::NotFollowed>,
    /// The REASM tag of the frame the stage sent (None: sent without one).
    pub tag: Option<vantage_proto::reasm::ReasmInfo>,
    /// The flow-end records the frame caused (a SYN reusing a closed session's).
    pub ended: Vec<vantage_proto::reasm::FlowEnd>,
}

/// Every tagged frame through the model's stage under `cfg` (a store-less one: each frame is sent
/// at once, so each has exactly one output frame).
pub fn model_frames(
    cfg: &vantage_model::reasm::ReasmConfig,
    tagged: &[Vec<u8>],
) -> Vec<ModelFrame> {
    use vantage_model::reasm::{segment, Stage};
    use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};
    let mut stage = Stage::new(cfg.clone(), DEFAULT_ETHERTYPE);
    tagged
        .iter()
        .map(|f| {
            let seg = strip(f, DEFAULT_ETHERTYPE)
                .map_err(|_| segment::NotFollowed::Untagged)
                .and_then(|(h, o)| segment::read(&h, &o));
            let ended_before = stage.flow_ends().len();
            stage.frame(f);
            let sent = stage.take_frames();
            assert_eq!(sent.len(), 1, "a store-less stage sends each frame at once");
            let tag = strip(&sent[0], DEFAULT_ETHERTYPE)
                .ok()
                .and_then(|(h, _)| h.reasm());
            ModelFrame {
                seg,
                tag,
                ended: stage.flow_ends()[ended_before..].to_vec(),
            }
        })
        .collect()
}

/// Frames tagged as the pipeline tags them for the reasm stage (TIMESTAMP = the frame's time,
/// FLOW from the parse stage, default registers): the stage's input.
pub fn tagged(frames: &[(u64, Vec<u8>)]) -> Vec<Vec<u8>> {
    let cfg = vantage_model::Config::default();
    frames
        .iter()
        .map(|(t, f)| {
            let meta = vantage_model::parse_frame(f, &cfg.hash_key);
            vantage_proto::header::insert(
                f,
                &vantage_model::header_for(&cfg, *t, &meta, None, None, None),
            )
        })
        .collect()
}

/// A capture that makes the reasm stage say everything it can say, for readers of its tags
/// (the dissector's test): four connections, 1 µs between frames.
/// - IPv4, segments sent 0, 2, 3, 1 and 1 again: in order, held then released, a retransmission,
///   control frames, a close;
/// - IPv4, segment 2 held, sent again with other bytes (an inconsistent overlap), then segment 4
///   apart from it: a second hole, so the connection falls back;
/// - IPv4, segment 2 held, then the responder acknowledges past it: delivered after a gap;
/// - IPv6, a transfer each way, then an RST;
/// - 6 s later a UDP datagram, after which the closed sessions have ended.
pub fn every_status() -> Vec<(u64, Vec<u8>)> {
    use crate::flows::{tcp_segment, Flags, Frames, Tcp, ACK, PSH_ACK};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let v4 = |host: u8, port: u16| (IpAddr::V4(Ipv4Addr::new(10, 7, 0, host)), port);
    let seg = |k: u8| vec![b'a' + k; 200];
    // The handshake or the close of `c`, in order.
    let steps = |c: &mut Tcp, close: bool| -> Vec<Vec<u8>> {
        let mut f = Frames::default();
        if close {
            c.close(&mut f, 0, 2);
        } else {
            c.open(&mut f, 0, 2);
        }
        f.sorted().into_iter().map(|(_, frame)| frame).collect()
    };
    let mut list: Vec<Vec<u8>> = Vec::new();

    // Released and retransmitted.
    let mut a = Tcp::new(v4(1, 40001), v4(2, 80), 1_000, 9_000);
    list.extend(steps(&mut a, false));
    let segs: Vec<Vec<u8>> = (0..4).map(|k| a.send(true, PSH_ACK, &seg(k))).collect();
    list.extend([0, 2, 3, 1, 1].map(|i| segs[i].clone()));
    list.push(a.send(false, ACK, &[]));
    list.extend(steps(&mut a, true));

    // Inconsistent overlap, then a second hole.
    let mut b = Tcp::new(v4(3, 40002), v4(4, 80), 0xffff_ff00, 7);
    list.extend(steps(&mut b, false));
    let first = b.o_next;
    let segs: Vec<Vec<u8>> = (0..5).map(|k| b.send(true, PSH_ACK, &seg(k))).collect();
    list.push(segs[0].clone());
    list.push(segs[2].clone());
    let other = [b'X'; 200];
    list.push(tcp_segment(
        b.orig,
        b.resp,
        first.wrapping_add(400),
        b.r_next,
        PSH_ACK,
        &other,
    ));
    list.push(segs[4].clone());
    list.push(segs[1].clone());
    list.extend(steps(&mut b, true));

    // A gap the responder's ACK tells.
    let mut c = Tcp::new(v4(5, 40003), v4(6, 443), 5_000, 6_000);
    list.extend(steps(&mut c, false));
    let first = c.o_next;
    let segs: Vec<Vec<u8>> = (0..3).map(|k| c.send(true, PSH_ACK, &seg(k))).collect();
    list.push(segs[0].clone());
    list.push(segs[2].clone());
    list.push(tcp_segment(
        c.resp,
        c.orig,
        c.r_next,
        first.wrapping_add(600),
        ACK,
        &[],
    ));
    list.extend(steps(&mut c, true));

    // IPv6 both ways, ended by an RST.
    let v6 = |host: u16, port: u16| {
        let a = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, host);
        (IpAddr::V6(a), port)
    };
    let mut d = Tcp::new(v6(1, 40004), v6(2, 22), 77, 88);
    list.extend(steps(&mut d, false));
    for k in 0..3u8 {
        list.push(d.send(k % 2 == 0, PSH_ACK, &seg(k)));
    }
    let rst = Flags {
        rst: true,
        ack: true,
        ..Flags::default()
    };
    list.push(d.send(false, rst, &[]));

    let mut frames: Vec<(u64, Vec<u8>)> = (0u64..)
        .zip(list)
        .map(|(i, f)| (1_000 + 1_000 * i, f))
        .collect();
    // A datagram past the close linger, so the closed sessions end as closed before the run's end.
    let late = frames.last().map_or(0, |f| f.0) + 6_000_000_000;
    frames.push((
        late,
        crate::flows::udp_datagram(v4(9, 53), v4(10, 53), b"later"),
    ));
    frames
}

/// A direction's state near `base` (the wrap included), sometimes not started, sometimes with
/// a held block, its FIN, an ACK.
fn seq_state(base: u32) -> impl Strategy<Value = SeqState> {
    let near = || -40i64..40;
    (
        (any::<bool>(), any::<bool>(), 0u8..8),
        (
            near(),
            prop_oneof![0u64..100, (1u64 << 48) - 100..(1u64 << 48)],
        ),
        proptest::option::of(near()),
        proptest::option::of((near(), 0u32..30)),
        (any::<u32>(), 0u32..1 << 20, 0u32..1 << 20),
    )
        .prop_map(
            move |((started, fin, odd), (next, off), acked, block, (since, head, tail))| {
                let at = |o: i64| base.wrapping_add(o as u32);
                let init = started || odd == 0;
                SeqState {
                    init,
                    fin: fin && odd < 2,
                    next: if init || odd == 1 { at(next) } else { 0 },
                    next_off: if init { off } else { 0 },
                    acked: acked.map(at),
                    block: block.map(|(s, l)| (at(s), at(s).wrapping_add(l + 1))),
                    block_since: since,
                    block_fin: odd == 3 && block.is_some(),
                    held_head: head,
                    held_tail: tail,
                }
            },
        )
}

/// Records and frames whose sequence numbers lie within a few dozen of one another around any
/// base, so every path of the step is reached: ACKs past a hole, RSTs, SYNs, FINs with and
/// without held FINs, fallen-back and closed sessions, a store with and without room.
pub fn step_case() -> impl Strategy<Value = StepCase> {
    any::<u32>().prop_flat_map(|base| {
        let near = || -40i64..40;
        (
            (seq_state(base), seq_state(base)),
            (
                prop_oneof![6 => Just(0u8), 1 => 1u8..4],
                proptest::option::of(any::<u32>()),
            ),
            (
                0usize..2,
                any::<u8>(),
                near(),
                near(),
                0u32..30,
                any::<u64>(),
                any::<bool>(),
            ),
            prop_oneof![
                6 => (0u32..1 << 20).prop_map(Room::Slot),
                1 => Just(Room::NotNow),
                1 => Just(Room::Never)
            ],
            prop_oneof![0u32..60, Just(u32::MAX), Just(0x8000_0000)],
            (any::<[u32; 4]>(), any::<[u64; 4]>()),
        )
            .prop_map(
                move |(
                    dirs,
                    (fallback, closed),
                    (dir, flags, seq, ack, len, ts, inc),
                    room,
                    cap,
                    fig,
                )| {
                    let at = |o: i64| base.wrapping_add(o as u32);
                    let figures = [0, 1].map(|k| DirFigures {
                        delivered: fig.1[k],
                        missed: fig.1[k + 2],
                        gaps: fig.0[k],
                        retransmissions: fig.0[k + 2],
                        inconsistent: 0,
                        frames: 1,
                    });
                    StepCase {
                        rec: SessionRecord {
                            dirs: [dirs.0, dirs.1],
                            fallback,
                            closed_at: closed,
                            flow_id: 1,
                            figures,
                            ..SessionRecord::default()
                        },
                        facts: Facts {
                            dir,
                            // FIN and SYN a quarter of the time each, RST an eighth, ACK
                            // seven eighths, in any mix.
                            flags: u8::from(flags % 4 == 0)
                                | u8::from((flags >> 2) % 4 == 0) << 1
                                | u8::from((flags >> 4) % 8 == 0) << 2
                                | u8::from((flags >> 4) % 8 != 1) << 4,
                            seq: at(seq),
                            ack: at(ack),
                            len,
                            ts_ns: ts,
                            inconsistent: inc,
                        },
                        room,
                        cap,
                    }
                },
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;

    /// The generator reaches every verdict the rule can give (a release for the cap is followed
    /// only by a segment touching the block: a retransmission or in order), or the comparisons
    /// built on it prove less than they say.
    #[test]
    fn the_generator_reaches_every_verdict() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            let c = rule_case().new_tree(&mut runner).expect("a case").current();
            let o = rule_expected(&c);
            seen.insert((
                o.release_first,
                o.first_cap,
                o.action,
                o.release_after,
                o.gap_cap,
                o.hold_new,
            ));
        }
        let f = false;
        let t = true;
        for want in [
            (f, f, 0, f, f, f),
            (f, f, 1, f, f, f),
            (f, f, 2, t, f, f),
            (f, f, 2, f, f, f),
            (f, f, 3, f, f, f),
            (f, f, 3, f, t, f),
            (f, f, 4, f, f, f),
            (f, f, 5, f, f, t),
            (f, f, 5, f, f, f),
            (f, f, 6, f, f, f),
            (t, f, 1, f, f, f),
            (t, f, 2, f, f, f),
            (t, f, 3, f, f, f),
            (t, t, 1, f, f, f),
            (t, t, 2, f, f, f),
        ] {
            assert!(seen.contains(&want), "the generator never gives {want:?}");
        }
        assert_eq!(seen.len(), 15, "a verdict the list does not know: {seen:?}");
    }

    /// The step's generator reaches every path of the step: each status, each release before
    /// the frame and their order, a release behind it, holds in front, behind and new, both
    /// fallbacks, a store without room, gaps of both causes, two gaps in one frame, the
    /// inconsistency counted, a session closing.
    #[test]
    fn the_step_generator_reaches_every_path() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..40_000 {
            let c = step_case().new_tree(&mut runner).expect("a case").current();
            let o = step_expected(&c);
            for (name, hit) in [
                ("held", o.hold && o.status == 0),
                ("in order", o.status == 1),
                ("retransmission", o.status == 3),
                ("control", o.status == 4),
                ("fallback", o.status == 5),
                ("hold new", o.hold_new),
                ("hold front", o.hold_front),
                ("hold behind", o.hold && !o.hold_new && !o.hold_front),
                ("own ack", o.own_why == 1),
                ("own cap", o.own_why == 2),
                ("own rst", o.own_why == 3),
                ("own fallback", o.own_why == 4),
                ("peer ack", o.peer_why == 1),
                ("peer rst", o.peer_why == 3),
                ("peer fallback", o.peer_why == 4),
                ("peer first", o.peer_first),
                (
                    "own first",
                    o.own_why != 0 && o.peer_why != 0 && !o.peer_first,
                ),
                ("behind", o.release_after),
                ("second hole", o.fell_back && o.reason == 2),
                ("no store", o.fell_back && o.reason == 3),
                ("need room", o.need_room),
                ("ack gap", o.after_gap && !o.after_gap_cap),
                ("cap gap", o.after_gap_cap),
                ("two gaps", o.own_gaps == 2),
                ("inconsistent", o.inconsistent_counted),
                ("closes", o.closed_now),
                ("block fin delivered", o.own.fin && o.own_why == 2),
            ] {
                if hit {
                    seen.insert(name);
                }
            }
        }
        assert_eq!(seen.len(), 27, "paths reached: {seen:?}");
    }
}
