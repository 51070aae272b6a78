//! Transport layer: TCP, UDP, ICMP/ICMPv6 headers (from the header view at `cur`).
//!
//! ```text
//!  TCP:  0       2       4         8         12        13     14       16        20
//!        | sport | dport | seq     | ack     |doff|res | flags| window | cksum,urg |
//!  UDP:  | sport | dport | length  | cksum |                          8 bytes
//!  ICMP: | type  | code  | cksum |                                    4 bytes read
//! ```

use crate::slot::{Slot, HDR_BITS, OFF_BITS};
use rust_hdl::prelude::*;
use vantage_proto::datapath::PARSE_WINDOW_BYTES;

#[derive(LogicBlock)]
pub struct L4 {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    pub slot_in: Signal<In, Slot>,
    pub slot_out: Signal<Out, Slot>,
    /// Window length in bytes.
    window: Constant<Bits<OFF_BITS>>,
    stage: DFF<Slot>,
    h: Signal<Local, Bits<HDR_BITS>>,
    tcp: Signal<Local, Bit>,
    udp: Signal<Local, Bit>,
    icmp: Signal<Local, Bit>,
    ext_left: Signal<Local, Bit>,
    /// The header end for each transport (ICMP 4, UDP 8, TCP 20 bytes), compared with the frame
    /// and the window in parallel; the protocol then picks one result (shallower than picking
    /// the sum first).
    short4: Signal<Local, Bit>,
    short8: Signal<Local, Bit>,
    short20: Signal<Local, Bit>,
    deep4: Signal<Local, Bit>,
    deep8: Signal<Local, Bit>,
    deep20: Signal<Local, Bit>,
    too_short: Signal<Local, Bit>,
    too_deep: Signal<Local, Bit>,
    len: Signal<Local, Bits<OFF_BITS>>,
}

impl Default for L4 {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            slot_in: Default::default(),
            slot_out: Default::default(),
            window: Constant::new((PARSE_WINDOW_BYTES as u64).to_bits()),
            stage: Default::default(),
            h: Default::default(),
            tcp: Default::default(),
            udp: Default::default(),
            icmp: Default::default(),
            ext_left: Default::default(),
            short4: Default::default(),
            short8: Default::default(),
            short20: Default::default(),
            deep4: Default::default(),
            deep8: Default::default(),
            deep20: Default::default(),
            too_short: Default::default(),
            too_deep: Default::default(),
            len: Default::default(),
        }
    }
}

impl Logic for L4 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, stage);
        self.stage.d.next = self.slot_in.val();
        self.slot_out.next = self.stage.q.val();
        self.h.next = self.slot_in.val().hdr;
        self.tcp.next = self.slot_in.val().proto == 6;
        self.udp.next = self.slot_in.val().proto == 17;
        self.icmp.next = (self.slot_in.val().proto == 1) | (self.slot_in.val().proto == 58);
        self.ext_left.next = self.slot_in.val().f_ipv6
            & ((self.slot_in.val().proto == 0)
                | (self.slot_in.val().proto == 43)
                | (self.slot_in.val().proto == 44)
                | (self.slot_in.val().proto == 60));
        // A frame that does not end in the window (len 255) is never too short, only too deep.
        self.len.next = bit_cast::<OFF_BITS, 8>(self.slot_in.val().len);
        self.short4.next =
            ((self.slot_in.val().cur + 4) > self.len.val()) & (self.slot_in.val().len != 255);
        self.short8.next =
            ((self.slot_in.val().cur + 8) > self.len.val()) & (self.slot_in.val().len != 255);
        self.short20.next =
            ((self.slot_in.val().cur + 20) > self.len.val()) & (self.slot_in.val().len != 255);
        self.deep4.next = (self.slot_in.val().cur + 4) > self.window.val();
        self.deep8.next = (self.slot_in.val().cur + 8) > self.window.val();
        self.deep20.next = (self.slot_in.val().cur + 20) > self.window.val();
        self.too_short.next = self.short4.val();
        self.too_deep.next = self.deep4.val();
        if self.udp.val() {
            self.too_short.next = self.short8.val();
            self.too_deep.next = self.deep8.val();
        }
        if self.tcp.val() {
            self.too_short.next = self.short20.val();
            self.too_deep.next = self.deep20.val();
        }
        if self.slot_in.val().sof & !self.slot_in.val().stop & self.slot_in.val().ip_ok {
            // The fields are taken whatever the checks say: they matter only with PORTS (the hash
            // ordering step reads the ports through it), so the checks decide just the flags.
            self.stage.d.next.sport = self.h.val().get_bits::<16>(320 - 16);
            self.stage.d.next.dport = self.h.val().get_bits::<16>(320 - 32);
            self.stage.d.next.tcp_seq = self.h.val().get_bits::<32>(320 - 64);
            self.stage.d.next.tcp_ack = self.h.val().get_bits::<32>(320 - 96);
            self.stage.d.next.tcp_doff = self.h.val().get_bits::<4>(320 - 100);
            self.stage.d.next.tcp_flags = self.h.val().get_bits::<8>(320 - 112);
            self.stage.d.next.tcp_win = self.h.val().get_bits::<16>(320 - 128);
            if self.ext_left.val() | !(self.tcp.val() | self.udp.val() | self.icmp.val()) {
                self.stage.d.next.f_l4_unknown = true;
                self.stage.d.next.stop = true;
            } else if self.too_short.val() {
                self.stage.d.next.f_trunc = true;
                self.stage.d.next.stop = true;
            } else if self.too_deep.val() {
                self.stage.d.next.f_deep = true;
                self.stage.d.next.stop = true;
            } else if self.tcp.val() | self.udp.val() {
                self.stage.d.next.f_ports = true;
            }
        }
        if self.reset.val() {
            self.stage.d.next.valid = false;
        }
    }
}
