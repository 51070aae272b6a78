//! What the device's reasm stage says of each frame as it stands today: the session engine
//! without a segment store (a segment above a hole makes its session fall back), at a fixed
//! latency, taking a request every `LOOKUP_SPACING` cycles. The model's stage with
//! `store_slots = 0` follows the sessions; this adds what only the device's timing decides:
//!
//! ```text
//!  frame not asked about (the stage off, or a frame it must not follow)
//!                                            not followed, not asked
//!  frame with lanes missing or a MAC error   not followed, malformed (not read)
//!  no Vantage header, not TCP                not followed, not TCP
//!  TCP header not in the frame               not followed, truncated
//!  followed, its facts less than LOOKUP_SPACING cycles behind the last request the engine
//!  took                                      late: refused, the session not touched
//!  asked, its last beat more than REASM_MAX_BEATS - 1 cycles after its first
//!                                            late, too long: the answer (the session followed a
//!                                            segment) or the reason not to follow it comes after
//!                                            the frame's first beat left
//!  followed                                  the stage's REASM tag, or untagged (a segment of
//!                                            no session that opens none)
//! ```
//! Memory in the engine's budget never makes an answer late; the simulator's harness gives the
//! device such memory when it is compared with this.

use super::segment::{self, NotFollowed};
use super::{ReasmConfig, Stage};
use vantage_proto::axis::LaneFrame;
use vantage_proto::datapath::REASM_MAX_BEATS;
use vantage_proto::header::strip;
use vantage_proto::reasm::directory::LOOKUP_SPACING;
use vantage_proto::reasm::{FlowEnd, ReasmInfo, Status};

/// Why the device does not follow a frame (the codes of its `why`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unread {
    /// No IP header, not TCP, or a fragment (1).
    NotTcp = 1,
    /// The TCP header is not in the frame (2).
    Truncated = 2,
    /// Lanes missing or a MAC error (3).
    Malformed = 3,
    /// Not asked about: the stage is off, or the frame is one it must not follow (4).
    NotAsked = 4,
}

/// The device's answer for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The REASM tag the frame leaves with.
    Tagged(ReasmInfo),
    /// A segment of no session that opens none: it leaves without a REASM tag.
    Untagged,
    /// Not a segment the stage follows.
    NotFollowed(Unread),
    /// The answer is not there when the frame leaves: the engine refused the request (the
    /// session did not see the segment), or the frame's beats came over too many cycles (the
    /// session saw it if it is a segment; the stage cannot say whether it is one), or both.
    Late { too_long: bool, refused: bool },
}

/// One frame as the stage meets it.
#[derive(Clone, Copy, Debug)]
pub struct DeviceFrame<'a> {
    /// The frame's lanes (to know a frame with lanes missing or a MAC error).
    pub lanes: &'a LaneFrame,
    /// The frame as the pipeline tags it (its TIMESTAMP and FLOW): what the stage reads.
    pub tagged: &'a [u8],
    /// The cycle its first beat reaches the stage.
    pub first_cycle: u64,
    /// The cycle its last beat reaches the stage (its facts reach the engine a constant number
    /// of cycles later); only differences between cycles matter.
    pub facts_cycle: u64,
    /// The stage asks the engine about the frame (when it is a segment).
    pub ask: bool,
}

/// The stage's configuration as the device runs it from its registers (`enabled`, the session
/// key, `bucket_bits`, `max_above_hole`): no segment store, retransmissions forwarded, and no
/// timeouts (the engine has none yet, so they are out of reach).
pub fn config(registers: &ReasmConfig) -> ReasmConfig {
    ReasmConfig {
        enabled: true,
        bucket_bits: registers.bucket_bits,
        session_key: registers.session_key,
        max_above_hole: registers.max_above_hole,
        store_slots: 0,
        store_bytes: 0,
        hole_timeout_ns: u64::MAX / 4,
        idle_timeout_ns: u64::MAX / 4,
        close_linger_ns: u64::MAX / 4,
        retransmit: super::RetransmitPolicy::Forward,
    }
}

/// The device stage's counters (`proto::regs::reasm::COUNTERS`, in that order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceCounters {
    pub frames: u64,
    pub followed: u64,
    pub not_asked: u64,
    pub not_tcp: u64,
    pub truncated: u64,
    pub malformed: u64,
    pub no_session: u64,
    pub late: u64,
    pub too_long: u64,
    pub in_order: u64,
    pub released: u64,
    pub retransmissions: u64,
    pub control: u64,
    pub fallback: u64,
    pub dir_refused: u64,
    pub bad_update: u64,
    pub mem_error: u64,
    pub flow_ends: u64,
}

impl DeviceCounters {
    /// The counters after these answers and flow-end records (memory in the engine's budget:
    /// no stale update, no error; every refusal is the directory's).
    pub fn of(answers: &[Answer], flow_ends: usize) -> Self {
        let mut c = DeviceCounters {
            frames: answers.len() as u64,
            flow_ends: flow_ends as u64,
            ..Default::default()
        };
        for a in answers {
            match a {
                Answer::NotFollowed(why) => match why {
                    Unread::NotTcp => c.not_tcp += 1,
                    Unread::Truncated => c.truncated += 1,
                    Unread::Malformed => c.malformed += 1,
                    Unread::NotAsked => c.not_asked += 1,
                },
                Answer::Untagged => {
                    c.followed += 1;
                    c.no_session += 1;
                }
                Answer::Late { too_long, refused } => {
                    c.followed += 1;
                    c.late += 1;
                    c.too_long += u64::from(*too_long);
                    c.dir_refused += u64::from(*refused);
                }
                Answer::Tagged(info) => {
                    c.followed += 1;
                    match Status::from_u8(info.status) {
                        Some(Status::InOrder) => c.in_order += 1,
                        Some(Status::Released) => c.released += 1,
                        Some(Status::Retransmission) => c.retransmissions += 1,
                        Some(Status::Control) => c.control += 1,
                        Some(Status::Fallback) => c.fallback += 1,
                        None => {}
                    }
                }
            }
        }
        c
    }

    /// Each counter with its name, in `proto::regs::reasm::COUNTERS` order.
    pub fn named(&self) -> [(&'static str, u64); 18] {
        [
            ("frames", self.frames),
            ("followed", self.followed),
            ("not_asked", self.not_asked),
            ("not_tcp", self.not_tcp),
            ("truncated", self.truncated),
            ("malformed", self.malformed),
            ("no_session", self.no_session),
            ("late", self.late),
            ("too_long", self.too_long),
            ("in_order", self.in_order),
            ("released", self.released),
            ("retransmissions", self.retransmissions),
            ("control", self.control),
            ("fallback", self.fallback),
            ("dir_refused", self.dir_refused),
            ("bad_update", self.bad_update),
            ("mem_error", self.mem_error),
            ("flow_ends", self.flow_ends),
        ]
    }
}

/// The device's answers, frame by frame, and the flow-end records the frames caused (a SYN
/// reusing a closed session's way), in order. `cfg` must have no segment store and forward
/// retransmissions, as the device does.
pub fn answers(
    cfg: &ReasmConfig,
    ethertype: u16,
    frames: &[DeviceFrame<'_>],
) -> (Vec<Answer>, Vec<FlowEnd>) {
    assert_eq!(cfg.store_slots, 0, "the device has no segment store yet");
    assert_eq!(
        cfg.retransmit,
        super::RetransmitPolicy::Forward,
        "the device forwards retransmissions"
    );
    let mut stage = Stage::new(cfg.clone(), ethertype);
    let mut last_taken: Option<u64> = None;
    let answers = frames
        .iter()
        .map(|f| {
            if !f.ask {
                return Answer::NotFollowed(Unread::NotAsked);
            }
            // The answer is in the answer ring when the first beat leaves only if the frame's
            // last beat came at most REASM_MAX_BEATS - 1 cycles after it; else the stage cannot
            // even say why it would not follow the frame.
            let too_long =
                f.facts_cycle.saturating_sub(f.first_cycle) + 1 > u64::from(REASM_MAX_BEATS);
            let unread = |why| {
                if too_long {
                    Answer::Late {
                        too_long,
                        refused: false,
                    }
                } else {
                    Answer::NotFollowed(why)
                }
            };
            if f.lanes.has_hole() || f.lanes.user {
                return unread(Unread::Malformed);
            }
            let read = strip(f.tagged, ethertype)
                .map_err(|_| NotFollowed::Untagged)
                .and_then(|(h, o)| segment::read(&h, &o));
            match read {
                Err(NotFollowed::Untagged | NotFollowed::NotTcp) => return unread(Unread::NotTcp),
                Err(NotFollowed::Truncated) => return unread(Unread::Truncated),
                Ok(_) => {}
            }
            if last_taken.is_some_and(|t| f.facts_cycle < t + u64::from(LOOKUP_SPACING)) {
                return Answer::Late {
                    too_long,
                    refused: true,
                };
            }
            last_taken = Some(f.facts_cycle);
            stage.frame(f.tagged);
            let sent = stage.take_frames();
            let [out] = sent.as_slice() else {
                unreachable!(
                    "a store-less stage forwarding retransmissions sends each frame at once"
                );
            };
            if too_long {
                return Answer::Late {
                    too_long,
                    refused: false,
                };
            }
            let tag = strip(out, ethertype).ok().and_then(|(h, _)| h.reasm());
            tag.map_or(Answer::Untagged, Answer::Tagged)
        })
        .collect();
    (answers, stage.flow_ends().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_names_are_protos() {
        let names: Vec<&str> = DeviceCounters::default()
            .named()
            .iter()
            .map(|(n, _)| *n)
            .collect();
        let proto: Vec<&str> = vantage_proto::regs::reasm::COUNTERS
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, proto);
    }
}
