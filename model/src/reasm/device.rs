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
//!  followed, longer than REASM_MAX_BEATS     late: the session followed, the answer after the
//!                                            frame's first beat left
//!  followed                                  the stage's REASM tag, or untagged (a segment of
//!                                            no session that opens none)
//! ```
//! Memory in the engine's budget never makes an answer late; the simulator's harness gives the
//! device such memory when it is compared with this.

use super::segment::{self, NotFollowed};
use super::{ReasmConfig, Stage};
use vantage_proto::axis::LaneFrame;
use vantage_proto::datapath::{BEAT_BYTES, REASM_MAX_BEATS};
use vantage_proto::header::strip;
use vantage_proto::reasm::directory::LOOKUP_SPACING;
use vantage_proto::reasm::{FlowEnd, ReasmInfo};

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
    /// Followed, but the answer is not there when the frame leaves: refused (the session did
    /// not see the segment) or the frame is too long (it did).
    Late { too_long: bool },
}

/// One frame as the stage meets it.
#[derive(Clone, Copy, Debug)]
pub struct DeviceFrame<'a> {
    /// The frame's lanes (to know a frame with lanes missing or a MAC error).
    pub lanes: &'a LaneFrame,
    /// The frame as the pipeline tags it (its TIMESTAMP and FLOW): what the stage reads.
    pub tagged: &'a [u8],
    /// The cycle its facts reach the engine: its last beat's plus a constant (only differences
    /// between frames matter).
    pub facts_cycle: u64,
    /// The stage asks the engine about the frame (when it is a segment).
    pub ask: bool,
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
            if f.lanes.has_hole() || f.lanes.user {
                return Answer::NotFollowed(Unread::Malformed);
            }
            let read = strip(f.tagged, ethertype)
                .map_err(|_| NotFollowed::Untagged)
                .and_then(|(h, o)| segment::read(&h, &o));
            match read {
                Err(NotFollowed::Untagged | NotFollowed::NotTcp) => {
                    return Answer::NotFollowed(Unread::NotTcp)
                }
                Err(NotFollowed::Truncated) => return Answer::NotFollowed(Unread::Truncated),
                Ok(_) => {}
            }
            if last_taken.is_some_and(|t| f.facts_cycle < t + u64::from(LOOKUP_SPACING)) {
                return Answer::Late { too_long: false };
            }
            last_taken = Some(f.facts_cycle);
            stage.frame(f.tagged);
            let sent = stage.take_frames();
            let [out] = sent.as_slice() else {
                unreachable!(
                    "a store-less stage forwarding retransmissions sends each frame at once"
                );
            };
            let tag = strip(out, ethertype).ok().and_then(|(h, _)| h.reasm());
            let beats = f.lanes.lanes.len().div_ceil(BEAT_BYTES).max(1);
            if beats > REASM_MAX_BEATS as usize {
                return Answer::Late { too_long: true };
            }
            tag.map_or(Answer::Untagged, Answer::Tagged)
        })
        .collect();
    (answers, stage.flow_ends().to_vec())
}
