//! The Verilated session engine of the reasm stage (`hdl::reasm::engine`) alone, with its four
//! memories (`axi_mem`: the directory's and the three record beats' channels), stepped cycle by
//! cycle: a frame's facts go in, its REASM tag comes out `ENGINE_CYCLES` later.

use crate::axi_mem::{AxiMemory, MemCounts, MemTiming};
use crate::ffi;
use vantage_proto::flowhash::canonical_input;
use vantage_proto::reasm::ReasmInfo;
use vantage_proto::reasm::{FLOW_END_RECORD_BYTES, SESSION_KEY_BYTES};

/// A frame's facts, as the stage reads them from the frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub key: vantage_proto::conn::SynKey,
    /// The sender is the key's high endpoint.
    pub side: u8,
    pub flags: u8,
    pub ack: u32,
    /// The segment's first payload byte and the byte after its payload and FIN.
    pub start: u32,
    pub end: u32,
    pub len: u32,
    pub ts_ns: u64,
}

/// A request as the engine's ports take it: the canonical tuple as 32-bit words (least
/// significant first), the rest as `Facts`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub tuple: [u32; 9],
    pub v6: bool,
    pub side: u8,
    pub flags: u8,
    pub ack: u32,
    pub start: u32,
    pub end: u32,
    pub len: u32,
    pub ts_ns: u64,
}

/// What the engine answered for a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A segment of no session that does not open one: passed without a tag.
    Untagged,
    Tagged(ReasmInfo),
    /// The directory refused the request or memory did not answer in time.
    Late,
}

/// What came out in one cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EngineCycle {
    pub answer: Option<Answer>,
    /// A session ended with the answer: its flow-end record.
    pub flow_end: Option<[u8; FLOW_END_RECORD_BYTES]>,
    pub dir_refused: bool,
    pub bad_update: bool,
    pub mem_error: bool,
}

/// The engine's registers.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    pub session_key: [u8; SESSION_KEY_BYTES],
    pub bucket_bits: u8,
    pub cap: u32,
}

pub struct EngineSim {
    h: *mut ffi::EngineHarness,
    mems: [AxiMemory; 4],
    cfg: EngineConfig,
    cycle: u64,
}

impl EngineSim {
    /// An engine out of reset in front of four empty memories of this timing.
    pub fn new(cfg: EngineConfig, timing: MemTiming) -> EngineSim {
        // SAFETY: ve_new allocates a harness owned by the returned value (freed in Drop).
        let h = unsafe { ffi::ve_new() };
        EngineSim {
            h,
            mems: std::array::from_fn(|_| AxiMemory::new(timing)),
            cfg,
            cycle: 0,
        }
    }

    /// One cycle, with a frame's facts or none.
    pub fn step(&mut self, req: Option<&Facts>) -> EngineCycle {
        let f = req.copied().unwrap_or_default();
        self.step_raw(req.map(|_| Request {
            tuple: ffi::words(&canonical_input(f.key.low, f.key.high)),
            v6: f.key.v6,
            side: f.side,
            flags: f.flags,
            ack: f.ack,
            start: f.start,
            end: f.end,
            len: f.len,
            ts_ns: f.ts_ns,
        }))
    }

    /// One cycle, with a request as the frames' side sends it (the tuple as the port's words)
    /// or none.
    pub fn step_raw(&mut self, req: Option<Request>) -> EngineCycle {
        let f = req.unwrap_or_default();
        let mut input = ffi::VeIn {
            req_valid: u8::from(req.is_some()),
            v6: u8::from(f.v6),
            side: f.side,
            flags: f.flags,
            bucket_bits: self.cfg.bucket_bits,
            ack: f.ack,
            start: f.start,
            end: f.end,
            len: f.len,
            cap: self.cfg.cap,
            ts: f.ts_ns,
            tuple: f.tuple,
            key: ffi::words(&self.cfg.session_key),
            axi: [ffi::VeAxiIn::default(); 4],
        };
        for (port, mem) in input.axi.iter_mut().zip(self.mems.iter_mut()) {
            *port = mem.drive().into();
        }
        let mut o = ffi::VeOut::default();
        // SAFETY: h is live; the structs match the shim's layout.
        unsafe { ffi::ve_cycle(self.h, &input, &mut o) };
        for (port, mem) in o.axi.iter().zip(self.mems.iter_mut()) {
            mem.observe(&port.into());
        }
        self.cycle += 1;
        let answer = (o.valid != 0).then(|| match o.kind {
            0 => Answer::Untagged,
            1 => Answer::Tagged(ReasmInfo {
                flow_id: o.flow_id,
                offset: o.offset,
                skip: o.skip as u16,
                gap: o.gap,
                status: o.status,
                flags: o.flags,
                reason: o.reason,
            }),
            _ => Answer::Late,
        });
        let flow_end = (o.fe_valid != 0).then(|| ffi::bytes_of_words(&o.fe));
        EngineCycle {
            answer,
            flow_end,
            dir_refused: o.dir_refused != 0,
            bad_update: o.bad_update != 0,
            mem_error: o.mem_error != 0,
        }
    }

    /// Cycles stepped.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Each memory's totals: the directory's, then beats 0, 1 and 2.
    pub fn memory_counts(&self) -> [MemCounts; 4] {
        std::array::from_fn(|k| self.mems[k].counts)
    }
}

impl Drop for EngineSim {
    fn drop(&mut self) {
        // SAFETY: h came from ve_new and is freed once.
        unsafe { ffi::ve_free(self.h) }
    }
}
