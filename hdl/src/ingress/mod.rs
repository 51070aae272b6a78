//! Ingress: the cycle counter, the ns timestamp counter, and the one-beat lookahead that gives the
//! parse stage a frame's first two beats. Accepts one beat every cycle, never waits.
//!
//! ```text
//!  tdata/tkeep/... ──► input register X ──► held beat H ──(released)──► slot { H, window }
//!                       (+ S(c) >> 32)         ▲                  window = byte-reverse(X ++ H)
//!  H is released when the next beat X arrives, or one cycle after it arrived if it is a last beat.
//! ```
//! The timestamp is 64.32 fixed-point ns, `S += INC` every cycle; `S` loads `SET << 32` on a load
//! strobe. A first beat on the input port in cycle `c` is stamped with `S(c) >> 32` (captured in
//! the input register with the beat). The input register costs a cycle of latency and keeps the
//! shell's wires off every logic path.

use crate::slot::{Slot, WIN_BITS};
use crate::widgets::{ByteReverse, TopLane};
use rust_hdl::prelude::*;
use vantage_proto::datapath::{BEAT_BYTES, MIN_FRAME_BYTES};
use vantage_proto::header::FRAME_HEADER_BYTES;

/// Width of the timestamp increment (8 whole ns, 32 fraction bits).
pub const INC_BITS: usize = 8 + 32;
const _: () = assert!(
    MIN_FRAME_BYTES >= 1 && MIN_FRAME_BYTES <= 64,
    "runt test reads one beat's tkeep"
);

#[derive(LogicBlock)]
pub struct Ingress {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// AXI-Stream input (no tready: one beat per cycle whenever the MAC has one).
    pub tvalid: Signal<In, Bit>,
    pub tdata: Signal<In, Bits<512>>,
    pub tkeep: Signal<In, Bits<64>>,
    pub tlast: Signal<In, Bit>,
    pub tuser: Signal<In, Bit>,
    /// Timestamp increment per cycle (32.32 ns, 40 bits used).
    pub ts_inc: Signal<In, Bits<INC_BITS>>,
    /// Value loaded by `ts_load`, ns.
    pub ts_set: Signal<In, Bits<64>>,
    /// Load strobe.
    pub ts_load: Signal<In, Bit>,
    /// Timestamp counter `S` (64.32 ns).
    pub ts_now: Signal<Out, Bits<96>>,
    /// Cycles since reset.
    pub cycles: Signal<Out, Bits<64>>,
    /// Released beats with their window.
    pub slots: Signal<Out, Slot>,
    /// A last first beat with no kept lane at or above this one is a runt (MIN_FRAME_BYTES - 1).
    runt_lane: Constant<Bits<8>>,
    /// Lanes a last beat may use and still take the header without an extra beat (64 - 24).
    room: Constant<Bits<7>>,
    x_valid: DFF<Bit>,
    x_last: DFF<Bit>,
    x_user: DFF<Bit>,
    x_keep: DFF<Bits<64>>,
    x_data: DFF<Bits<512>>,
    x_ts: DFF<Bits<64>>,
    /// Top kept lane + 1 of the input beat, found as it is registered (off the later paths).
    x_top: DFF<Bits<7>>,
    h_top: DFF<Bits<7>>,
    top: TopLane,
    s: DFF<Bits<96>>,
    cyc: DFF<Bits<64>>,
    in_frame: DFF<Bit>,
    h_valid: DFF<Bit>,
    h_sof: DFF<Bit>,
    h_last: DFF<Bit>,
    h_user: DFF<Bit>,
    h_keep: DFF<Bits<64>>,
    h_data: DFF<Bits<512>>,
    h_ts: DFF<Bits<64>>,
    out: DFF<Slot>,
    reverse: ByteReverse<WIN_BITS>,
    leave: Signal<Local, Bit>,
    la_in: Signal<Local, Bit>,
    la_last: Signal<Local, Bit>,
    la_keep: Signal<Local, Bits<64>>,
    la_data: Signal<Local, Bits<512>>,
    len: Signal<Local, Bits<8>>,
    hole0: Signal<Local, Bit>,
    hole1: Signal<Local, Bit>,
}

impl Default for Ingress {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            tvalid: Default::default(),
            tdata: Default::default(),
            tkeep: Default::default(),
            tlast: Default::default(),
            tuser: Default::default(),
            ts_inc: Default::default(),
            ts_set: Default::default(),
            ts_load: Default::default(),
            ts_now: Default::default(),
            cycles: Default::default(),
            slots: Default::default(),
            runt_lane: Constant::new(((MIN_FRAME_BYTES - 1) as u64).to_bits()),
            room: Constant::new(((BEAT_BYTES - FRAME_HEADER_BYTES) as u64).to_bits()),
            x_valid: Default::default(),
            x_last: Default::default(),
            x_user: Default::default(),
            x_keep: Default::default(),
            x_data: Default::default(),
            x_ts: Default::default(),
            x_top: Default::default(),
            h_top: Default::default(),
            top: Default::default(),
            s: Default::default(),
            cyc: Default::default(),
            in_frame: Default::default(),
            h_valid: Default::default(),
            h_sof: Default::default(),
            h_last: Default::default(),
            h_user: Default::default(),
            h_keep: Default::default(),
            h_data: Default::default(),
            h_ts: Default::default(),
            out: Default::default(),
            reverse: Default::default(),
            leave: Default::default(),
            la_in: Default::default(),
            la_last: Default::default(),
            la_keep: Default::default(),
            la_data: Default::default(),
            len: Default::default(),
            hole0: Default::default(),
            hole1: Default::default(),
        }
    }
}

impl Logic for Ingress {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, s, cyc, in_frame, x_valid, x_last, x_user, x_keep, x_data, x_ts, x_top,
            h_valid, h_sof, h_last, h_user, h_keep, h_data, h_ts, h_top, out
        );
        // Free-running counters.
        self.cyc.d.next = self.cyc.q.val() + 1;
        self.s.d.next = self.s.q.val() + bit_cast::<96, INC_BITS>(self.ts_inc.val());
        if self.ts_load.val() {
            self.s.d.next = bit_cast::<96, 64>(self.ts_set.val()) << 32;
        }
        self.ts_now.next = self.s.q.val();
        self.cycles.next = self.cyc.q.val();
        // Input register: the beat with the time it arrived.
        self.x_valid.d.next = self.tvalid.val();
        self.x_last.d.next = self.tlast.val();
        self.x_user.d.next = self.tuser.val();
        self.x_keep.d.next = self.tkeep.val();
        self.x_data.d.next = self.tdata.val();
        self.x_ts.d.next = self.s.q.val().get_bits::<64>(32);
        self.top.a.next = self.tkeep.val();
        self.x_top.d.next = self.top.y.val();
        if self.x_valid.q.val() {
            self.in_frame.d.next = !self.x_last.q.val();
        }
        // The held beat leaves when the next beat arrives, or right away if it ends its frame.
        self.leave.next = self.h_valid.q.val() & (self.x_valid.q.val() | self.h_last.q.val());
        self.la_in.next = self.x_valid.q.val() & !self.h_last.q.val();
        self.la_data.next = 0.into();
        self.la_keep.next = 0.into();
        self.la_last.next = false;
        if self.la_in.val() {
            self.la_data.next = self.x_data.q.val();
            self.la_keep.next = self.x_keep.q.val();
            self.la_last.next = self.x_last.q.val();
        }
        if self.leave.val() {
            self.h_valid.d.next = false;
        }
        if self.x_valid.q.val() {
            self.h_valid.d.next = true;
            self.h_sof.d.next = !self.in_frame.q.val();
            self.h_last.d.next = self.x_last.q.val();
            self.h_user.d.next = self.x_user.q.val();
            self.h_keep.d.next = self.x_keep.q.val();
            self.h_data.d.next = self.x_data.q.val();
            self.h_top.d.next = self.x_top.q.val();
            if !self.in_frame.q.val() {
                self.h_ts.d.next = self.x_ts.q.val();
            }
        }
        // Window: the held beat then its successor, in network byte order.
        self.reverse.a.next = (bit_cast::<WIN_BITS, 512>(self.la_data.val()) << 512)
            | bit_cast::<WIN_BITS, 512>(self.h_data.q.val());
        // Frame length in lanes when it ends inside the window: index of the top kept lane + 1.
        self.len.next = 255.into();
        if self.la_in.val() & self.la_last.val() {
            self.len.next = bit_cast::<8, 7>(self.x_top.q.val()) + 64;
        }
        if self.h_last.q.val() {
            self.len.next = bit_cast::<8, 7>(self.h_top.q.val());
        }
        // tkeep must be a full beat, or on a last beat a non-empty run from lane 0: no lane kept
        // above an empty one (a wide AND-OR, no carry chain).
        self.hole0.next = self.h_keep.q.val() != 0xFFFF_FFFF_FFFF_FFFF_u64;
        if self.h_last.q.val() {
            self.hole0.next = (self.h_keep.q.val() == 0)
                | (((self.h_keep.q.val() >> 1) & !self.h_keep.q.val()) != 0);
        }
        self.hole1.next = self.la_in.val() & (self.la_keep.val() != 0xFFFF_FFFF_FFFF_FFFF_u64);
        if self.la_in.val() & self.la_last.val() {
            self.hole1.next = (self.la_keep.val() == 0)
                | (((self.la_keep.val() >> 1) & !self.la_keep.val()) != 0);
        }
        // The released slot, its parse fields cleared.
        self.out.d.next.valid = self.leave.val();
        self.out.d.next.sof = self.h_sof.q.val();
        self.out.d.next.last = self.h_last.q.val();
        self.out.d.next.user = self.h_user.q.val();
        self.out.d.next.keep = self.h_keep.q.val();
        self.out.d.next.data = self.h_data.q.val();
        self.out.d.next.win = self.reverse.y.val();
        self.out.d.next.len = self.len.val();
        self.out.d.next.ts = self.h_ts.q.val();
        // No kept lane at or above `room` in the frame's last beat (read straight from tkeep).
        self.out.d.next.fits = (self.h_last.q.val()
            & ((self.h_keep.q.val() >> self.room.val()) == 0))
            | (self.la_in.val()
                & self.la_last.val()
                & ((self.la_keep.val() >> self.room.val()) == 0));
        // Shorter than MIN_FRAME_BYTES: only a frame that ends in its first beat, with no kept lane
        // from MIN_FRAME_BYTES - 1 up (the length itself is a deeper computation).
        self.out.d.next.user_end = (self.h_last.q.val() & self.h_user.q.val())
            | (self.la_in.val() & self.la_last.val() & self.x_user.q.val());
        self.out.d.next.syn = false;
        self.out.d.next.syn_info = 0.into();
        self.out.d.next.f_runt =
            self.h_last.q.val() & ((self.h_keep.q.val() >> self.runt_lane.val()) == 0);
        self.out.d.next.f_hole = self.hole0.val() | self.hole1.val();
        self.out.d.next.f_trunc = false;
        self.out.d.next.f_bad_ihl = false;
        self.out.d.next.f_l3_unknown = false;
        self.out.d.next.f_deep = false;
        self.out.d.next.f_frag = false;
        self.out.d.next.f_l4_unknown = false;
        self.out.d.next.f_mpls_deep = false;
        self.out.d.next.f_ipv4 = false;
        self.out.d.next.f_ipv6 = false;
        self.out.d.next.f_ports = false;
        self.out.d.next.stop = false;
        self.out.d.next.et = 0.into();
        self.out.d.next.eoff = 0.into();
        self.out.d.next.bos = 0.into();
        self.out.d.next.nibs = 0.into();
        self.out.d.next.short = 0.into();
        self.out.d.next.ppp = 0.into();
        self.out.d.next.ip_ok = false;
        self.out.d.next.l3_off = 0.into();
        self.out.d.next.proto = 0.into();
        self.out.d.next.cur = 0.into();
        self.out.d.next.hdr = 0.into();
        self.out.d.next.src = 0.into();
        self.out.d.next.dst = 0.into();
        self.out.d.next.sport = 0.into();
        self.out.d.next.dport = 0.into();
        self.out.d.next.ip_len = 0.into();
        self.out.d.next.tcp_seq = 0.into();
        self.out.d.next.tcp_ack = 0.into();
        self.out.d.next.tcp_flags = 0.into();
        self.out.d.next.tcp_win = 0.into();
        self.out.d.next.tcp_doff = 0.into();
        self.out.d.next.hash_in = 0.into();
        self.out.d.next.hash = 0.into();
        self.slots.next = self.out.q.val();
        if self.reset.val() {
            self.cyc.d.next = 0.into();
            self.s.d.next = 0.into();
            self.x_valid.d.next = false;
            self.in_frame.d.next = false;
            self.h_valid.d.next = false;
            self.out.d.next.valid = false;
        }
    }
}
