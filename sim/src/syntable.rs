//! The Verilated SYN table of the conn stage (`hdl::conn::table::SynTable`) alone, stepped cycle
//! by cycle: probes at any timestamps go in, results and given-back records come out, for the
//! comparison with `model::conn::table`.

use crate::conntable::words;
use crate::ffi;
use vantage_proto::conn::Endpoint;

/// A TCP frame's first beat as the table sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SynProbe {
    /// Flow hash (the bucket is its top bits).
    pub hash: u32,
    pub v6: bool,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub seq: u32,
    /// Ingress time, ns.
    pub ts: u64,
    /// A plain SYN the stage may hold.
    pub holdable: bool,
    /// A plain SYN.
    pub plain: bool,
}

/// A record given back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GivenRecord {
    /// `proto::conn::Why` as a number.
    pub why: u8,
    /// Table location (bucket, way): where its frame was held.
    pub loc: u16,
    pub side: u8,
    pub isn: u32,
    pub ts: u64,
    pub last: u64,
    pub retransmissions: u16,
}

/// What came out in one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SynCycle {
    /// A probe's result: `proto::conn::lookup`, location.
    pub result: Option<(u8, u16)>,
    pub given: Option<GivenRecord>,
    /// Records in the table.
    pub held: u32,
    pub flushing: bool,
    /// The keep operation offered this cycle issued; a keep issued three cycles ago found its
    /// way no longer reserved.
    pub keep_taken: bool,
    pub keep_lost: bool,
}

/// A keep operation (a late release to keep in its reserved way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SynKeep {
    /// Table location the release came from.
    pub loc: u16,
    pub retransmissions: u16,
    /// Span of its retransmissions, ns (48 bits).
    pub span: u64,
}

/// The control inputs of a cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SynControl {
    /// The timestamp counter, ns.
    pub now: u64,
    /// Flush pulse.
    pub flush: bool,
    /// Room for given-back records: scan and flush steps may issue.
    pub room: bool,
    /// The stage's keep queue head, if any.
    pub keep: Option<SynKeep>,
}

/// One instance, out of reset and cleared.
pub struct SynTableSim {
    h: *mut ffi::SynHarness,
    timeout: u64,
}

/// Cycles the table takes to clear after reset, at most.
const CLEAR_CYCLES: u64 = 1 << 15;

impl SynTableSim {
    /// A table with this timeout (ns), stepped until it has cleared itself after reset.
    pub fn new(timeout: u64) -> SynTableSim {
        // SAFETY: vs_new allocates a harness owned by the returned value (freed in Drop).
        let h = unsafe { ffi::vs_new() };
        let t = SynTableSim { h, timeout };
        let mut cleared = 0;
        loop {
            let mut out = ffi::VsOut::default();
            let input = ffi::VsIn {
                timeout,
                ..Default::default()
            };
            // SAFETY: h is live; the structs match the shim's layout.
            unsafe { ffi::vs_cycle(t.h, &input, &mut out) };
            if out.ready != 0 {
                break;
            }
            cleared += 1;
            assert!(
                cleared < CLEAR_CYCLES,
                "the SYN table never finished clearing"
            );
        }
        t
    }

    /// One cycle: a probe (or none) and the control inputs.
    pub fn step(&mut self, probe: Option<&SynProbe>, ctl: SynControl) -> SynCycle {
        let p = probe.copied().unwrap_or_default();
        let k = ctl.keep.unwrap_or_default();
        let input = ffi::VsIn {
            valid: probe.is_some() as u8,
            v6: p.v6 as u8,
            holdable: p.holdable as u8,
            plain: p.plain as u8,
            flush: ctl.flush as u8,
            room: ctl.room as u8,
            sport: p.src.1,
            dport: p.dst.1,
            hash: p.hash,
            seq: p.seq,
            src: words(&p.src.0),
            dst: words(&p.dst.0),
            ts: p.ts,
            now: ctl.now,
            timeout: self.timeout,
            k_valid: ctl.keep.is_some() as u8,
            k_loc: k.loc,
            k_retrans: k.retransmissions,
            k_span: k.span,
        };
        let mut o = ffi::VsOut::default();
        // SAFETY: h is live; the structs match the shim's layout.
        unsafe { ffi::vs_cycle(self.h, &input, &mut o) };
        SynCycle {
            result: (o.r_valid != 0).then_some((o.r_kind, o.r_loc)),
            given: (o.g_valid != 0).then_some(GivenRecord {
                why: o.g_why,
                loc: o.g_loc,
                side: o.g_side,
                isn: o.g_isn,
                ts: o.g_ts,
                last: o.g_last,
                retransmissions: o.g_retrans,
            }),
            held: o.held,
            flushing: o.flushing != 0,
            keep_taken: o.k_take != 0,
            keep_lost: o.k_lost != 0,
        }
    }
}

impl Drop for SynTableSim {
    fn drop(&mut self) {
        // SAFETY: h came from vs_new and is freed once.
        unsafe { ffi::vs_free(self.h) }
    }
}
