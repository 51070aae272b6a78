//! The Verilated session directory of the reasm stage (`hdl::reasm::directory`) alone, with its
//! external memory (`axi_mem`), stepped cycle by cycle: requests go in, answers come out
//! `LOOKUP_CYCLES` later, for the comparison with `model::reasm::table`.

use crate::axi_mem::{AxiMemory, MasterDrive, MemCounts, MemTiming, LINE_WORDS};
use crate::ffi;
use vantage_proto::reasm::directory::{KEY_BITS, LINE_BYTES, WAY_BITS};
use vantage_proto::reasm::SESSION_WAYS;

/// A request: op (`hdl::reasm::directory::OP_*`), way key, candidate buckets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirRequest {
    pub op: u8,
    pub key: u128,
    pub b1: u32,
    pub b2: u32,
}

/// An answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirAnswer {
    pub op: u8,
    pub found: bool,
    pub placed: bool,
    pub full: bool,
    pub late: bool,
    /// The bucket is the second candidate.
    pub choice: bool,
    pub bucket: u32,
    pub way: u8,
}

/// What came out in one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirCycle {
    /// The request of the cycle before was refused.
    pub refused: bool,
    pub answer: Option<DirAnswer>,
}

/// Pulses counted since the start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirErrors {
    /// Changes that found no room on chip (answered late).
    pub no_room: u64,
    /// Responses that were not OKAY.
    pub mem_error: u64,
}

pub struct DirectorySim {
    h: *mut ffi::DirHarness,
    mem: AxiMemory,
    cycle: u64,
    errors: DirErrors,
}

fn key_words(k: u128) -> [u32; 4] {
    [
        k as u32,
        (k >> 32) as u32,
        (k >> 64) as u32,
        (k >> 96) as u32,
    ]
}

impl DirectorySim {
    /// A directory out of reset in front of an empty memory of this timing.
    pub fn new(timing: MemTiming) -> DirectorySim {
        // SAFETY: vd_new allocates a harness owned by the returned value (freed in Drop).
        let h = unsafe { ffi::vd_new() };
        DirectorySim {
            h,
            mem: AxiMemory::new(timing),
            cycle: 0,
            errors: DirErrors::default(),
        }
    }

    /// One cycle, with a request or none.
    pub fn step(&mut self, req: Option<&DirRequest>) -> DirCycle {
        let r = req.copied().unwrap_or_default();
        debug_assert!(r.key >> KEY_BITS == 0, "a way key has {KEY_BITS} bits");
        let d = self.mem.drive();
        let input = ffi::VdIn {
            req_valid: req.is_some() as u8,
            req_op: r.op,
            arready: d.arready as u8,
            rvalid: d.rvalid as u8,
            rresp: 0,
            awready: d.awready as u8,
            wready: d.wready as u8,
            bvalid: d.bvalid as u8,
            bresp: 0,
            req_key: key_words(r.key),
            b1: r.b1,
            b2: r.b2,
            rdata: d.rdata,
        };
        let mut o = ffi::VdOut::default();
        // SAFETY: h is live; the structs match the shim's layout.
        unsafe { ffi::vd_cycle(self.h, &input, &mut o) };
        self.mem.observe(&MasterDrive {
            arvalid: o.arvalid != 0,
            araddr: o.araddr,
            awvalid: o.awvalid != 0,
            awaddr: o.awaddr,
            wvalid: o.wvalid != 0,
            wdata: o.wdata,
        });
        self.cycle += 1;
        let e = &mut self.errors;
        e.no_room += u64::from(o.no_room);
        e.mem_error += u64::from(o.mem_error);
        DirCycle {
            refused: o.refused != 0,
            answer: (o.res_valid != 0).then_some(DirAnswer {
                op: o.res_op,
                found: o.res_found != 0,
                placed: o.res_placed != 0,
                full: o.res_full != 0,
                late: o.res_late != 0,
                choice: o.res_choice != 0,
                bucket: o.res_bucket,
                way: o.res_way,
            }),
        }
    }

    /// Cycles stepped.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    pub fn errors(&self) -> DirErrors {
        self.errors
    }

    pub fn memory_counts(&self) -> MemCounts {
        self.mem.counts
    }

    /// The memory's queues (`AxiMemory::in_flight`).
    pub fn memory_in_flight(&self) -> (usize, usize, usize, usize, usize) {
        self.mem.in_flight()
    }

    /// The memory has no read or write in flight.
    pub fn memory_idle(&self) -> bool {
        !self.mem.busy()
    }

    /// The ways of bucket `b` as memory holds them now: the way key of each valid way.
    pub fn bucket(&self, b: u32) -> [Option<u128>; SESSION_WAYS] {
        let line = self.mem.line(u64::from(b) * LINE_BYTES as u64);
        let mut out = [None; SESSION_WAYS];
        for (w, slot) in out.iter_mut().enumerate() {
            let word = |i: usize| u128::from(line[w * (WAY_BITS / 32) + i]);
            let way = word(0) | word(1) << 32 | word(2) << 64 | word(3) << 96;
            if way >> (WAY_BITS - 1) == 1 {
                *slot = Some(way & ((1u128 << KEY_BITS) - 1));
            }
        }
        out
    }
}

const _: () = assert!(LINE_WORDS * 32 == SESSION_WAYS * WAY_BITS);

impl Drop for DirectorySim {
    fn drop(&mut self) {
        // SAFETY: h came from vd_new and is freed once.
        unsafe { ffi::vd_free(self.h) }
    }
}
