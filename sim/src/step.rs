//! The Verilated session step of the reasm stage (`hdl::reasm::step`) alone: a combinational
//! unit, evaluated once per call, for the comparison with `model::reasm::step`. Ports are passed
//! by name, in the unit's port lists' order.

use crate::ffi;

// IN_PORTS and OUT_PORTS, written by build.rs from `hdl::reasm::step`'s lists.
include!(concat!(env!("OUT_DIR"), "/step_ports.rs"));

pub struct StepSim {
    h: *mut ffi::StepHarness,
}

impl Default for StepSim {
    fn default() -> Self {
        // SAFETY: vstep_new allocates a harness owned by the returned value (freed in Drop); the
        // lengths are constants of the shim.
        let (h, ins, outs) =
            unsafe { (ffi::vstep_new(), ffi::vstep_inputs(), ffi::vstep_outputs()) };
        assert_eq!(
            (ins as usize, outs as usize),
            (IN_PORTS.len(), OUT_PORTS.len()),
            "the shim was built from other port lists"
        );
        StepSim { h }
    }
}

impl StepSim {
    /// The unit's outputs (by port name) for its inputs (`input(port)`).
    pub fn eval(&mut self, input: impl Fn(&str) -> u64) -> impl Fn(&str) -> u64 {
        let ins: Vec<u64> = IN_PORTS.iter().map(|p| input(p)).collect();
        let mut outs = vec![0u64; OUT_PORTS.len()];
        // SAFETY: h is live; the arrays have the lengths the shim was built with (checked in
        // `default`).
        unsafe { ffi::vstep_eval(self.h, ins.as_ptr(), outs.as_mut_ptr()) };
        move |port: &str| {
            let k = OUT_PORTS
                .iter()
                .position(|p| *p == port)
                .unwrap_or_else(|| panic!("no step output {port}"));
            outs[k]
        }
    }
}

impl Drop for StepSim {
    fn drop(&mut self) {
        // SAFETY: h came from vstep_new and is freed once.
        unsafe { ffi::vstep_free(self.h) }
    }
}
