//! The Verilated history unit (`hdl::stats::hist`) alone: one connection state and one frame
//! in, the next state out the unit's `HIST_REGS` clock edges later (the shim clocks them), for the frame-by-frame comparison with
//! `model::stats::hist`.

use crate::ffi;
use vantage_proto::hist::{HistPkt, StateBits, STATE_WORDS};

/// One instance of the unit.
pub struct HistUnit {
    h: *mut ffi::HistHarness,
}

impl HistUnit {
    /// A new instance. Panics if the Verilated unit's state width is not `proto::hist`'s: the
    /// build and the contract would disagree.
    pub fn new() -> HistUnit {
        // SAFETY: vh_new allocates a harness owned by the returned value (freed in Drop).
        let h = unsafe { ffi::vh_new() };
        // SAFETY: h is live.
        let words = unsafe { ffi::vh_words(h) } as usize;
        assert_eq!(
            words, STATE_WORDS,
            "Verilated state width differs from proto::hist"
        );
        HistUnit { h }
    }

    /// The state after frame `p` from `state` (ignored when `fresh`), and whether the connection
    /// held ended before the frame.
    pub fn step(&mut self, state: &StateBits, fresh: bool, p: &HistPkt) -> (StateBits, bool) {
        let mut out = StateBits::default();
        let port_bits = p.srv_src as u8
            | (p.srv_dst as u8) << 1
            | (p.sport_lt_dport as u8) << 2
            | (p.dst_bcast as u8) << 3;
        // SAFETY: both buffers hold STATE_WORDS words, the width checked in `new`.
        let ended = unsafe {
            ffi::vh_step(
                self.h,
                state.0.as_ptr(),
                fresh as u8,
                p.side,
                p.ts,
                p.tcp as u8,
                p.flags,
                p.seq,
                p.ack,
                p.window,
                p.payload_len,
                p.ip_len,
                port_bits,
                out.0.as_mut_ptr(),
            )
        };
        (out, ended != 0)
    }
}

impl Default for HistUnit {
    fn default() -> Self {
        HistUnit::new()
    }
}

impl Drop for HistUnit {
    fn drop(&mut self) {
        // SAFETY: h came from vh_new and is freed once.
        unsafe { ffi::vh_free(self.h) }
    }
}
