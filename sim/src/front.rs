//! The reasm stage's frames' side (`hdl::reasm::front`) behind the ingress and parse stages, in
//! Verilator, joined to the Verilated session engine (`engine::EngineSim`, with its four
//! memories) through its request and answer ports: frames in as AXI-Stream beats, the same
//! frames out `DELAY_CYCLES` later, each first beat with its frame's answer — for the comparison
//! with the model's stage.

use crate::axi_mem::MemTiming;
use crate::engine::{Answer, EngineConfig, EngineSim, Request};
use crate::ffi;
use crate::schedule::{self, Schedule};
use vantage_proto::axis::LaneFrame;
use vantage_proto::reasm::ReasmInfo;

/// What the frames' side says of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontAnswer {
    /// Not a segment the stage follows: 1 not TCP, 2 truncated, 3 malformed, 4 not asked.
    NotFollowed(u8),
    /// A segment of no session that opens none.
    Untagged,
    Tagged(ReasmInfo),
    /// The engine refused or memory was late, or the frame was too long for its answer.
    Late,
}

/// A frame as it left, with the cycle its first beat left in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutFrame {
    pub cycle: u64,
    pub bytes: Vec<u8>,
    pub answer: FrontAnswer,
}

pub struct FrontSim {
    h: *mut ffi::FrontHarness,
    engine: EngineSim,
    /// The frames' side's `ask`, for every frame.
    ask: bool,
}

impl FrontSim {
    /// The frames' side and an engine with these registers in front of memories of this timing.
    pub fn new(cfg: EngineConfig, timing: MemTiming) -> FrontSim {
        // SAFETY: vfr_new allocates a harness owned by the returned value (freed in Drop).
        FrontSim {
            h: unsafe { ffi::vfr_new() },
            engine: EngineSim::new(cfg, timing),
            ask: true,
        }
    }

    /// Ask the engine about the frames from now on (the default), or about none.
    pub fn set_ask(&mut self, ask: bool) {
        self.ask = ask;
    }

    /// Every frame (time, bytes) through, `gaps[k % len]` idle cycles before frame k, then
    /// enough idle cycles for the last frame to leave. Gives the frames that left and the cycle
    /// each frame's first beat went in.
    pub fn run(&mut self, frames: &[(u64, Vec<u8>)], gaps: &[u8]) -> (Vec<OutFrame>, Vec<u64>) {
        self.run_lanes(&schedule::lanes(frames), gaps)
    }

    /// As [`FrontSim::run`], for frames as lanes: lanes missing and a MAC error go in as such
    /// (and come out as the bytes of the lanes that hold one).
    pub fn run_lanes(
        &mut self,
        frames: &[(u64, LaneFrame)],
        gaps: &[u8],
    ) -> (Vec<OutFrame>, Vec<u64>) {
        let plan = Schedule::new(frames, gaps, 1_200);
        let mut out = Vec::new();
        let mut cur: Option<OutFrame> = None;
        for i in 0..plan.len() {
            let mut o = ffi::VfrOut::default();
            // SAFETY: h is live; o is the shim's struct.
            unsafe { ffi::vfr_peek(self.h, &mut o) };
            let req = (o.req_valid != 0).then_some(Request {
                tuple: o.req_tuple,
                v6: o.req_v6 != 0,
                side: o.req_side,
                flags: o.req_flags,
                ack: o.req_ack,
                start: o.req_start,
                end: o.req_end,
                len: o.req_len,
                ts_ns: o.req_ts,
            });
            let e = self.engine.step_raw(req);
            if o.out_valid != 0 {
                if o.out_sof != 0 {
                    let answer = match o.kind {
                        0 => FrontAnswer::Untagged,
                        1 => FrontAnswer::Tagged(ReasmInfo {
                            flow_id: o.flow_id,
                            offset: o.offset,
                            skip: o.skip as u16,
                            gap: o.gap,
                            status: o.status,
                            flags: o.flags,
                            reason: o.reason,
                        }),
                        2 => FrontAnswer::Late,
                        _ => FrontAnswer::NotFollowed(o.why),
                    };
                    cur = Some(OutFrame {
                        cycle: i as u64,
                        bytes: Vec::new(),
                        answer,
                    });
                }
                let lanes = if o.out_last != 0 {
                    64 - o.keep.leading_zeros() as usize
                } else {
                    64
                };
                if let Some(f) = cur.as_mut() {
                    for lane in 0..lanes {
                        f.bytes.push((o.data[lane / 4] >> (8 * (lane % 4))) as u8);
                    }
                }
                if o.out_last != 0 {
                    out.extend(cur.take());
                }
            }
            let (beat, ts_next) = plan.at(i);
            let mut input = ffi::VfrIn {
                ts_load: u8::from(ts_next.is_some()),
                ts_set: ts_next.unwrap_or(0),
                ask: u8::from(self.ask),
                ..Default::default()
            };
            if let Some(b) = beat {
                input.tvalid = 1;
                input.tlast = u8::from(b.last);
                input.tuser = u8::from(b.user);
                input.tkeep = b.keep;
                input.tdata = ffi::beat_words(b);
            }
            if let Some(a) = e.answer {
                input.ans_valid = 1;
                match a {
                    Answer::Untagged => input.ans_kind = 0,
                    Answer::Tagged(t) => {
                        input.ans_kind = 1;
                        input.ans_flow_id = t.flow_id;
                        input.ans_offset = t.offset;
                        input.ans_skip = u32::from(t.skip);
                        input.ans_gap = t.gap;
                        input.ans_status = t.status;
                        input.ans_flags = t.flags;
                        input.ans_reason = t.reason;
                    }
                    Answer::Late => input.ans_kind = 2,
                }
            }
            // SAFETY: h is live; input is the shim's struct.
            unsafe { ffi::vfr_cycle(self.h, &input) };
        }
        (out, plan.first_in)
    }
}

impl FrontSim {
    /// The frames' side's counters in the order of `hdl::reasm::front::COUNTER_ORDER`.
    pub fn counters(&mut self) -> Vec<u64> {
        let mut o = ffi::VfrOut::default();
        // SAFETY: h is live; o is the shim's struct.
        unsafe { ffi::vfr_peek(self.h, &mut o) };
        o.counters
            .chunks(2)
            .map(|w| u64::from(w[0]) | (u64::from(w[1]) << 32))
            .collect()
    }
}

impl Drop for FrontSim {
    fn drop(&mut self) {
        // SAFETY: h came from vfr_new and is freed once.
        unsafe { ffi::vfr_free(self.h) }
    }
}
