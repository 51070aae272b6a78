//! The reasm stage's segment facts (`hdl::reasm::facts`) behind the ingress and parse stages, in
//! Verilator: frames in as AXI-Stream beats, each frame's facts out — what the session engine
//! would be asked, or why the frame is not followed — for the comparison with the model's
//! segment reader (`vantage_model::reasm::segment`).

use crate::ffi;
use crate::schedule::{self, Schedule};
use vantage_proto::axis::{Beat, LaneFrame};

/// What the unit says of one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameFacts {
    /// 0 followed, 1 not TCP, 2 truncated, 3 malformed (`hdl::reasm::facts::WHY_*`).
    pub why: u8,
    /// The canonical flow tuple (36 bytes, as `proto::flowhash::canonical_input`).
    pub tuple: [u8; 36],
    pub v6: bool,
    /// The sender is the tuple's high endpoint.
    pub side: u8,
    pub flags: u8,
    pub ack: u32,
    /// Data sequence number (after a SYN) and end sequence number (after the payload and FIN).
    pub start: u32,
    pub end: u32,
    pub len: u32,
    pub cut: bool,
    /// The ingress time the frame was stamped with, ns.
    pub ts_ns: u64,
}

pub struct FactsSim {
    h: *mut ffi::FactsHarness,
    /// Facts in the order the frames ended.
    out: Vec<FrameFacts>,
}

impl Default for FactsSim {
    fn default() -> Self {
        // SAFETY: vf_new allocates a harness owned by the returned value (freed in Drop).
        FactsSim {
            h: unsafe { ffi::vf_new() },
            out: Vec::new(),
        }
    }
}

impl FactsSim {
    /// One cycle: `beat` on the input (or none), the ingress clock loaded with `ts_next` for the
    /// beat of the next cycle.
    fn cycle(&mut self, beat: Option<&Beat>, ts_next: Option<u64>) {
        let mut input = ffi::VfIn {
            ts_load: u8::from(ts_next.is_some()),
            ts_set: ts_next.unwrap_or(0),
            ..Default::default()
        };
        if let Some(b) = beat {
            input.tvalid = 1;
            input.tlast = u8::from(b.last);
            input.tuser = u8::from(b.user);
            input.tkeep = b.keep;
            input.tdata = ffi::beat_words(b);
        }
        let mut o = ffi::VfOut::default();
        // SAFETY: h is live; input and o are the shim's structs.
        unsafe { ffi::vf_cycle(self.h, &input, &mut o) };
        if o.valid != 0 {
            self.out.push(FrameFacts {
                why: o.why,
                tuple: ffi::bytes_of_words(&o.tuple),
                v6: o.v6 != 0,
                side: o.side,
                flags: o.flags,
                ack: o.ack,
                start: o.start,
                end: o.end,
                len: o.len,
                cut: o.cut != 0,
                ts_ns: o.ts,
            });
        }
    }

    /// Every frame (time, bytes) through the unit, `gaps[k % len]` idle cycles before frame k
    /// (0: right behind the frame before), then enough idle cycles for the last facts; gives
    /// the facts of each frame in order.
    pub fn run(&mut self, frames: &[(u64, Vec<u8>)], gaps: &[u8]) -> Vec<FrameFacts> {
        self.run_lanes(&schedule::lanes(frames), gaps)
    }

    /// As [`FactsSim::run`], for frames as lanes: lanes missing and a MAC error (`user`) go in as
    /// such.
    pub fn run_lanes(&mut self, frames: &[(u64, LaneFrame)], gaps: &[u8]) -> Vec<FrameFacts> {
        let plan = Schedule::new(frames, gaps, 64);
        self.out.clear();
        for i in 0..plan.len() {
            let (beat, ts_next) = plan.at(i);
            self.cycle(beat, ts_next);
        }
        std::mem::take(&mut self.out)
    }
}

impl Drop for FactsSim {
    fn drop(&mut self) {
        // SAFETY: h came from vf_new and is freed once.
        unsafe { ffi::vf_free(self.h) }
    }
}
