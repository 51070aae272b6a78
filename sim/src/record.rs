//! The Verilated port of one beat of the reasm stage's session record (`hdl::reasm::record`, the
//! leaf `widgets/line_rmw.v`) alone, with its memory channel (`axi_mem`), stepped cycle by
//! cycle: requests go in, answers come out `RECORD_CYCLES` later, and the caller's changed line
//! goes back the cycle after its answer.

use crate::axi_mem::{AxiMemory, Line, MasterDrive, MemCounts, MemTiming};
use crate::ffi;

/// A request: the record's index, whether its line is read (else answered zeros), a tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecRequest {
    pub index: u32,
    pub read: bool,
    pub tag: u32,
}

/// An answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecAnswer {
    pub index: u32,
    pub tag: u32,
    /// The line did not come in time: no update may follow.
    pub late: bool,
    /// There is room on chip for an update next cycle.
    pub room: bool,
    pub line: Line,
}

/// What came out in one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecCycle {
    /// The request of the cycle before was refused.
    pub refused: bool,
    /// The update of the cycle before was not allowed (ignored).
    pub bad_update: bool,
    pub answer: Option<RecAnswer>,
}

pub struct RecordSim {
    h: *mut ffi::RecHarness,
    mem: AxiMemory,
    cycle: u64,
    mem_errors: u64,
}

impl RecordSim {
    /// A port out of reset in front of an empty memory of this timing.
    pub fn new(timing: MemTiming) -> RecordSim {
        // SAFETY: vrec_new allocates a harness owned by the returned value (freed in Drop).
        let h = unsafe { ffi::vrec_new() };
        RecordSim {
            h,
            mem: AxiMemory::new(timing),
            cycle: 0,
            mem_errors: 0,
        }
    }

    /// One cycle, with a request or none and an update (the changed line) or none.
    pub fn step(&mut self, req: Option<&RecRequest>, update: Option<&Line>) -> RecCycle {
        let r = req.copied().unwrap_or_default();
        let d = self.mem.drive();
        let input = ffi::VrecIn {
            req_valid: req.is_some() as u8,
            req_read: r.read as u8,
            upd_valid: update.is_some() as u8,
            arready: d.arready as u8,
            rvalid: d.rvalid as u8,
            rresp: 0,
            awready: d.awready as u8,
            wready: d.wready as u8,
            bvalid: d.bvalid as u8,
            bresp: 0,
            req_index: r.index,
            req_tag: r.tag,
            upd_line: update.copied().unwrap_or_default(),
            rdata: d.rdata,
        };
        let mut o = ffi::VrecOut::default();
        // SAFETY: h is live; the structs match the shim's layout.
        unsafe { ffi::vrec_cycle(self.h, &input, &mut o) };
        self.mem.observe(&MasterDrive {
            arvalid: o.arvalid != 0,
            araddr: o.araddr,
            awvalid: o.awvalid != 0,
            awaddr: o.awaddr,
            wvalid: o.wvalid != 0,
            wdata: o.wdata,
        });
        self.cycle += 1;
        self.mem_errors += u64::from(o.mem_error);
        RecCycle {
            refused: o.refused != 0,
            bad_update: o.bad_update != 0,
            answer: (o.ans_valid != 0).then_some(RecAnswer {
                index: o.ans_index,
                tag: o.ans_tag,
                late: o.ans_late != 0,
                room: o.ans_room != 0,
                line: o.ans_line,
            }),
        }
    }

    /// Cycles stepped.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Responses that were not OKAY.
    pub fn mem_errors(&self) -> u64 {
        self.mem_errors
    }

    pub fn memory_counts(&self) -> MemCounts {
        self.mem.counts
    }

    /// The memory has no read or write in flight.
    pub fn memory_idle(&self) -> bool {
        !self.mem.busy()
    }

    /// Line `index` as memory holds it now.
    pub fn line(&self, index: u32) -> Line {
        self.mem.line(u64::from(index) * crate::axi_mem::LINE_BYTES)
    }
}

impl Drop for RecordSim {
    fn drop(&mut self) {
        // SAFETY: h came from vrec_new and is freed once.
        unsafe { ffi::vrec_free(self.h) }
    }
}
