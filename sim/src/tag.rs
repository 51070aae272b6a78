//! The tag stage (`hdl::tag`) behind the ingress and parse stages, in Verilator: frames in as
//! AXI-Stream beats, the tagged frames out, with the optional tags chosen from each frame's flow
//! hash (`hdl::tag::probe_unit` says how) so every header length is written.

use crate::ffi;
use crate::schedule::{self, Schedule};
use vantage_proto::axis::{Beat, LaneFrame, TimedBeat};
use vantage_proto::flowhash::KEY_BYTES;

/// What a run gave.
#[derive(Clone, Debug, Default)]
pub struct TagRun {
    /// The beats that went in, by cycle (the model's input).
    pub input: Vec<TimedBeat>,
    /// The frames that came out, in order.
    pub frames: Vec<LaneFrame>,
    /// The stage's counters at the end (`hdl::tag::COUNTER_ORDER`).
    pub counters: [u64; 5],
}

pub struct TagSim {
    h: *mut ffi::TagHarness,
}

impl TagSim {
    /// The probe out of reset with this flow hash key.
    pub fn new(key: &[u8; KEY_BYTES]) -> TagSim {
        let words: [u32; KEY_BYTES / 4] = ffi::words(key);
        // SAFETY: vtg_new reads the 10 words of `words` and allocates a harness owned by the
        // returned value (freed in Drop).
        TagSim {
            h: unsafe { ffi::vtg_new(words.as_ptr()) },
        }
    }

    /// Every frame (time, lanes) through the probe, `gaps[k % len]` idle cycles before frame k
    /// (0: right behind the frame before), tagging on or off with this EtherType.
    pub fn run_lanes(
        &mut self,
        frames: &[(u64, LaneFrame)],
        gaps: &[u8],
        enable: bool,
        ethertype: u16,
    ) -> TagRun {
        // Room after the input for a full FIFO and the pipeline to drain.
        let plan = Schedule::new(frames, gaps, 256);
        let mut run = TagRun::default();
        let mut beats: Vec<Beat> = Vec::new();
        let mut o = ffi::VtgOut::default();
        for i in 0..plan.len() {
            let (beat, ts_next) = plan.at(i);
            let mut input = ffi::VtgIn {
                ts_load: u8::from(ts_next.is_some()),
                ts_set: ts_next.unwrap_or(0),
                enable: u8::from(enable),
                ethertype,
                ..Default::default()
            };
            if let Some(b) = beat {
                input.tvalid = 1;
                input.tlast = u8::from(b.last);
                input.tuser = u8::from(b.user);
                input.tkeep = b.keep;
                input.tdata = ffi::beat_words(b);
                run.input.push(TimedBeat {
                    cycle: i as u64,
                    beat: *b,
                });
            }
            // SAFETY: h is live; input and o are the shim's structs.
            unsafe { ffi::vtg_cycle(self.h, &input, &mut o) };
            if o.valid != 0 {
                let mut data = [0u8; 64];
                for (w, word) in o.data.iter().enumerate() {
                    data[4 * w..4 * w + 4].copy_from_slice(&word.to_le_bytes());
                }
                beats.push(Beat {
                    data,
                    keep: o.keep,
                    last: o.last != 0,
                    user: o.user != 0,
                });
            }
        }
        run.counters = std::array::from_fn(|k| {
            u64::from(o.counters[2 * k]) | u64::from(o.counters[2 * k + 1]) << 32
        });
        run.frames = LaneFrame::from_beats(&beats).unwrap_or_else(|ended| ended);
        run
    }

    /// As [`TagSim::run_lanes`], for frames as bytes.
    pub fn run(&mut self, frames: &[(u64, Vec<u8>)], gaps: &[u8]) -> TagRun {
        self.run_lanes(
            &schedule::lanes(frames),
            gaps,
            true,
            vantage_proto::header::DEFAULT_ETHERTYPE,
        )
    }
}

impl Drop for TagSim {
    fn drop(&mut self) {
        // SAFETY: h came from vtg_new and is freed once.
        unsafe { ffi::vtg_free(self.h) }
    }
}
