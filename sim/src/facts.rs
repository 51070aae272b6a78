//! The reasm stage's segment facts (`hdl::reasm::facts`) behind the ingress and parse stages, in
//! Verilator: frames in as AXI-Stream beats, each frame's facts out — what the session engine
//! would be asked, or why the frame is not followed — for the comparison with the model's
//! segment reader (`vantage_model::reasm::segment`).

use crate::ffi;
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
            for (i, w) in input.tdata.iter_mut().enumerate() {
                *w = u32::from_le_bytes(b.data[4 * i..4 * i + 4].try_into().expect("4 bytes"));
            }
        }
        let mut o = ffi::VfOut::default();
        // SAFETY: h is live; input and o are the shim's structs.
        unsafe { ffi::vf_cycle(self.h, &input, &mut o) };
        if o.valid != 0 {
            let mut tuple = [0u8; 36];
            for (i, byte) in tuple.iter_mut().enumerate() {
                let bit = 8 * (35 - i);
                *byte = (o.tuple[bit / 32] >> (bit % 32)) as u8;
            }
            self.out.push(FrameFacts {
                why: o.why,
                tuple,
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
        let lanes: Vec<(u64, LaneFrame)> = frames
            .iter()
            .map(|(t, f)| (*t, LaneFrame::from_bytes(f)))
            .collect();
        self.run_lanes(&lanes, gaps)
    }

    /// As [`FactsSim::run`], for frames as lanes: lanes missing and a MAC error (`user`) go in as
    /// such.
    pub fn run_lanes(&mut self, frames: &[(u64, LaneFrame)], gaps: &[u8]) -> Vec<FrameFacts> {
        // Each cycle's beat and, for a frame's first beat, its time.
        // One idle cycle first, so the first frame's time is loaded before its first beat.
        let mut plan: Vec<(Option<Beat>, Option<u64>)> = vec![(None, None)];
        for (k, (t, f)) in frames.iter().enumerate() {
            let gap = gaps.get(k % gaps.len().max(1)).copied().unwrap_or(0);
            plan.extend((0..gap).map(|_| (None, None)));
            for (i, b) in f.to_beats().into_iter().enumerate() {
                plan.push((Some(b), (i == 0).then_some(*t)));
            }
        }
        plan.extend((0..64).map(|_| (None, None)));
        self.out.clear();
        for i in 0..plan.len() {
            let next = plan.get(i + 1).and_then(|p| p.1);
            self.cycle(plan[i].0.as_ref(), next);
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
