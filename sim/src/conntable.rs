//! The Verilated connection table with its history unit (`hdl::stats::conns::ConnTableUnit`)
//! alone, stepped cycle by cycle: frames at any timestamps go in, connection records come out,
//! for the comparison with `model::stats::conntable`.

use crate::ffi;
use vantage_proto::conntable::{ConnRecord, CONN_RECORD_BYTES};
use vantage_proto::stats::HASH_KEY_BYTES;

/// What the table reads of a frame fed to the history rule (the stats core's request).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnRequest {
    pub rule: u8,
    /// Ingress time, ns.
    pub ts: u64,
    /// Packed parse flags (`proto::flags::ParseFlags`).
    pub flags: u16,
    /// Offsets of the IP and the transport header.
    pub l3: u8,
    pub l4: u16,
    /// The IP header's length field, and the frame's length in bytes.
    pub ip_len: u16,
    pub frame_len: u32,
    pub proto: u8,
    /// Addresses as in the parse slot (IPv4 zero-extended), network order.
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub sport: u16,
    pub dport: u16,
    pub tcp_flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
    pub data_offset: u8,
}

/// One instance, out of reset and cleared.
pub struct ConnTableSim {
    h: *mut ffi::ConnsHarness,
    /// Cycles stepped since the clearing ended.
    pub cycle: u64,
}

/// Cycles the table takes to clear after reset, at most.
const CLEAR_CYCLES: u64 = 1 << 15;

/// An address (network order) as the Verilated model's 32-bit words, least significant first.
pub(crate) fn words(a: &[u8; 16]) -> [u32; 4] {
    std::array::from_fn(|k| {
        let at = 12 - 4 * k;
        u32::from_be_bytes([a[at], a[at + 1], a[at + 2], a[at + 3]])
    })
}

impl ConnTableSim {
    /// A table with this stats hash key, stepped until it has cleared itself after reset.
    pub fn new(hash_key: &[u8; HASH_KEY_BYTES]) -> ConnTableSim {
        // Key byte 0 in the top bits: word 10 holds bytes 0..4.
        let key: [u32; HASH_KEY_BYTES / 4] = std::array::from_fn(|i| {
            let at = HASH_KEY_BYTES - 4 - 4 * i;
            u32::from_be_bytes([
                hash_key[at],
                hash_key[at + 1],
                hash_key[at + 2],
                hash_key[at + 3],
            ])
        });
        // SAFETY: vc_new allocates a harness owned by the returned value (freed in Drop); the
        // key buffer holds the 11 words it reads.
        let h = unsafe { ffi::vc_new(key.as_ptr()) };
        let mut t = ConnTableSim { h, cycle: 0 };
        let mut cleared = 0;
        // SAFETY: h is live.
        while unsafe { ffi::vc_ready(t.h) } == 0 {
            t.step(None, 0, false, false);
            cleared += 1;
            assert!(cleared < CLEAR_CYCLES, "the table never finished clearing");
        }
        t.cycle = 0;
        t
    }

    /// One cycle: a frame ending (or none), the timestamp counter, a flush pulse, counting on.
    /// Returns the record taken from the record queue this cycle, if one was queued.
    pub fn step(
        &mut self,
        req: Option<&ConnRequest>,
        now: u64,
        flush: bool,
        enable: bool,
    ) -> Option<ConnRecord> {
        let r = req.copied().unwrap_or_default();
        let (src, dst) = (words(&r.src), words(&r.dst));
        let mut rec = [0u32; CONN_RECORD_BYTES / 4];
        // SAFETY: h is live; the address buffers hold 4 words and `rec` 32, as the shim reads
        // and writes.
        let took = unsafe {
            ffi::vc_request(
                self.h,
                req.is_some() as u8,
                r.rule,
                r.ts,
                r.flags,
                r.l3,
                r.l4,
                r.ip_len,
                r.frame_len,
                r.proto,
                src.as_ptr(),
                dst.as_ptr(),
                r.sport,
                r.dport,
                r.tcp_flags,
                r.seq,
                r.ack,
                r.window,
                r.data_offset,
            );
            ffi::vc_cycle(self.h, now, flush as u8, enable as u8, rec.as_mut_ptr())
        };
        self.cycle += 1;
        (took != 0).then(|| {
            let bytes: Vec<u8> = rec.iter().flat_map(|w| w.to_le_bytes()).collect();
            let arr: &[u8; CONN_RECORD_BYTES] =
                bytes.as_slice().try_into().expect("32 words are a record");
            ConnRecord::from_bytes(arr)
        })
    }

    /// (flushing, steps or records pending).
    pub fn status(&self) -> (bool, bool) {
        // SAFETY: h is live.
        let s = unsafe { ffi::vc_status(self.h) };
        (s & 1 != 0, s & 2 != 0)
    }

    /// The counters in `hdl::stats::conns::CONN_COUNTER_ORDER`.
    pub fn counters(&self) -> [u64; 7] {
        let mut out = [0u64; 7];
        // SAFETY: h is live; `out` holds the 7 counters the shim writes.
        unsafe { ffi::vc_counters(self.h, out.as_mut_ptr()) };
        out
    }
}

impl Drop for ConnTableSim {
    fn drop(&mut self) {
        // SAFETY: h came from vc_new and is freed once.
        unsafe { ffi::vc_free(self.h) }
    }
}
