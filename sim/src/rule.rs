//! The Verilated direction rule of the reasm stage (`hdl::reasm::rule`) alone: a combinational
//! unit, evaluated once per call, for the comparison with `model::reasm::rule`.

use crate::ffi;
use vantage_model::reasm::rule::{DirView, SegView};

pub struct RuleSim {
    h: *mut ffi::RuleHarness,
}

impl Default for RuleSim {
    fn default() -> Self {
        // SAFETY: vr_new allocates a harness owned by the returned value (freed in Drop).
        RuleSim {
            h: unsafe { ffi::vr_new() },
        }
    }
}

impl RuleSim {
    /// The unit's outputs for a direction, a segment and the cap.
    pub fn eval(&mut self, dir: DirView, seg: SegView, cap: u32) -> ffi::VrOut {
        let (block_start, block_end) = dir.block.unwrap_or((0, 0));
        let input = ffi::VrIn {
            next_seq: dir.next,
            acked: dir.acked.unwrap_or(0),
            block_start,
            block_end,
            seg_start: seg.start,
            seg_end: seg.end,
            cap,
            acked_valid: dir.acked.is_some() as u8,
            block_valid: dir.block.is_some() as u8,
            data: seg.data as u8,
        };
        let mut out = ffi::VrOut::default();
        // SAFETY: h is live; the structs match the shim's layout.
        unsafe { ffi::vr_eval(self.h, &input, &mut out) };
        out
    }
}

impl Drop for RuleSim {
    fn drop(&mut self) {
        // SAFETY: h came from vr_new and is freed once.
        unsafe { ffi::vr_free(self.h) }
    }
}
