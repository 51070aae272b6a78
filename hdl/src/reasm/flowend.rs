//! The flow-end record of a session, as logic: the 128 bytes the stage sends when a session ends,
//! from its record (beats 0 to 2), its endpoints (the directory's way key for IPv4, beat 3 for
//! IPv6) and the end reason — the model's `reasm::step::flow_end` and
//! `vantage_proto::reasm::FlowEnd::to_bytes`. In a direction the capture holds (it has frames)
//! that did not end with a FIN, the bytes the other side acknowledged past the next byte count as
//! missed, one more gap.
//!
//! ```text
//!  record (bit 1023 = byte 0's top bit; big-endian fields, proto/src/reasm/mod.rs draws them):
//!   0 flow id (8)  8 IPv6  9 end  10 fallback  11 zero  12 originator port  14 responder port
//!  16 originator address (16)  32 responder address (16)  48 first ns (8)  56 last ns (8)
//!  64 originator's direction: delivered (8) missed (8) gaps retransmissions inconsistent frames (4)
//!  96 responder's direction, the same
//! ```

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct FlowEndRecord {
    /// The record's directions: the originator's (`o_`, beat 0 and 2's direction 0) and the
    /// responder's (`r_`).
    pub o_init: Signal<In, Bit>,
    pub o_fin: Signal<In, Bit>,
    pub o_next: Signal<In, Bits<32>>,
    pub o_acked_valid: Signal<In, Bit>,
    pub o_acked: Signal<In, Bits<32>>,
    pub o_delivered: Signal<In, Bits<64>>,
    pub o_missed: Signal<In, Bits<64>>,
    pub o_gaps: Signal<In, Bits<32>>,
    pub o_retransmissions: Signal<In, Bits<32>>,
    pub o_inconsistent: Signal<In, Bits<32>>,
    pub o_frames: Signal<In, Bits<32>>,
    pub r_init: Signal<In, Bit>,
    pub r_fin: Signal<In, Bit>,
    pub r_next: Signal<In, Bits<32>>,
    pub r_acked_valid: Signal<In, Bit>,
    pub r_acked: Signal<In, Bits<32>>,
    pub r_delivered: Signal<In, Bits<64>>,
    pub r_missed: Signal<In, Bits<64>>,
    pub r_gaps: Signal<In, Bits<32>>,
    pub r_retransmissions: Signal<In, Bits<32>>,
    pub r_inconsistent: Signal<In, Bits<32>>,
    pub r_frames: Signal<In, Bits<32>>,
    /// Beat 1 and the decision bits.
    pub flow_id: Signal<In, Bits<64>>,
    pub first_ns: Signal<In, Bits<64>>,
    pub last_ns: Signal<In, Bits<64>>,
    pub fallback: Signal<In, Bits<2>>,
    pub orig_side: Signal<In, Bit>,
    pub v6: Signal<In, Bit>,
    /// The session's endpoints, low and high as the key orders them (IPv4 as ::a.b.c.d).
    pub low_addr: Signal<In, Bits<128>>,
    pub low_port: Signal<In, Bits<16>>,
    pub high_addr: Signal<In, Bits<128>>,
    pub high_port: Signal<In, Bits<16>>,
    /// Why the session ends (`vantage_proto::reasm::End`).
    pub end_reason: Signal<In, Bits<3>>,
    /// The record, byte 0 in the top bits.
    pub record: Signal<Out, Bits<1024>>,
    o_unseen: Signal<Local, Bits<32>>,
    o_owed: Signal<Local, Bit>,
    o_missed_end: Signal<Local, Bits<64>>,
    o_gaps_end: Signal<Local, Bits<32>>,
    r_unseen: Signal<Local, Bits<32>>,
    r_owed: Signal<Local, Bit>,
    r_missed_end: Signal<Local, Bits<64>>,
    r_gaps_end: Signal<Local, Bits<32>>,
    orig_addr: Signal<Local, Bits<128>>,
    orig_port: Signal<Local, Bits<16>>,
    resp_addr: Signal<Local, Bits<128>>,
    resp_port: Signal<Local, Bits<16>>,
}

impl Logic for FlowEndRecord {
    #[hdl_gen]
    fn update(&mut self) {
        self.o_unseen.next = self.o_acked.val() - self.o_next.val();
        self.o_owed.next = self.o_acked_valid.val()
            & self.o_init.val()
            & !self.o_fin.val()
            & (self.o_frames.val() != 0)
            & !self.o_unseen.val().get_bit(31)
            & (self.o_unseen.val() != 0);
        self.o_missed_end.next = self.o_missed.val();
        self.o_gaps_end.next = self.o_gaps.val();
        if self.o_owed.val() {
            self.o_missed_end.next = self.o_missed.val() + bit_cast::<64, 32>(self.o_unseen.val());
            self.o_gaps_end.next = self.o_gaps.val() + 1;
        }
        self.r_unseen.next = self.r_acked.val() - self.r_next.val();
        self.r_owed.next = self.r_acked_valid.val()
            & self.r_init.val()
            & !self.r_fin.val()
            & (self.r_frames.val() != 0)
            & !self.r_unseen.val().get_bit(31)
            & (self.r_unseen.val() != 0);
        self.r_missed_end.next = self.r_missed.val();
        self.r_gaps_end.next = self.r_gaps.val();
        if self.r_owed.val() {
            self.r_missed_end.next = self.r_missed.val() + bit_cast::<64, 32>(self.r_unseen.val());
            self.r_gaps_end.next = self.r_gaps.val() + 1;
        }
        self.orig_addr.next = self.low_addr.val();
        self.orig_port.next = self.low_port.val();
        self.resp_addr.next = self.high_addr.val();
        self.resp_port.next = self.high_port.val();
        if self.orig_side.val() {
            self.orig_addr.next = self.high_addr.val();
            self.orig_port.next = self.high_port.val();
            self.resp_addr.next = self.low_addr.val();
            self.resp_port.next = self.low_port.val();
        }
        self.record.next = (bit_cast::<1024, 64>(self.flow_id.val()) << 960)
            | (bit_cast::<1024, 1>(self.v6.val().into()) << 952)
            | (bit_cast::<1024, 3>(self.end_reason.val()) << 944)
            | (bit_cast::<1024, 2>(self.fallback.val()) << 936)
            | (bit_cast::<1024, 16>(self.orig_port.val()) << 912)
            | (bit_cast::<1024, 16>(self.resp_port.val()) << 896)
            | (bit_cast::<1024, 128>(self.orig_addr.val()) << 768)
            | (bit_cast::<1024, 128>(self.resp_addr.val()) << 640)
            | (bit_cast::<1024, 64>(self.first_ns.val()) << 576)
            | (bit_cast::<1024, 64>(self.last_ns.val()) << 512)
            | (bit_cast::<1024, 64>(self.o_delivered.val()) << 448)
            | (bit_cast::<1024, 64>(self.o_missed_end.val()) << 384)
            | (bit_cast::<1024, 32>(self.o_gaps_end.val()) << 352)
            | (bit_cast::<1024, 32>(self.o_retransmissions.val()) << 320)
            | (bit_cast::<1024, 32>(self.o_inconsistent.val()) << 288)
            | (bit_cast::<1024, 32>(self.o_frames.val()) << 256)
            | (bit_cast::<1024, 64>(self.r_delivered.val()) << 192)
            | (bit_cast::<1024, 64>(self.r_missed_end.val()) << 128)
            | (bit_cast::<1024, 32>(self.r_gaps_end.val()) << 96)
            | (bit_cast::<1024, 32>(self.r_retransmissions.val()) << 64)
            | (bit_cast::<1024, 32>(self.r_inconsistent.val()) << 32)
            | bit_cast::<1024, 32>(self.r_frames.val());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use vantage_proto::conn::SynKey;
    use vantage_proto::reasm::record::SessionRecord;
    use vantage_proto::reasm::End;
    use vantage_testkit::reasm::{flow_end, flow_end_case};

    fn run(cases: Vec<(SessionRecord, SynKey, End)>) -> Result<(), String> {
        let mut sim: Simulation<FlowEndRecord> = Simulation::default();
        sim.add_testbench(move |mut ep: Sim<FlowEndRecord>| {
            let mut x = ep.init()?;
            for (rec, key, why) in &cases {
                let b32 = |v: u32| u64::from(v).to_bits::<32>();
                let addr = |a: &[u8; 16]| {
                    let v = u128::from_be_bytes(*a);
                    (bit_cast::<128, 64>(((v >> 64) as u64).to_bits()) << 64)
                        | bit_cast::<128, 64>((v as u64).to_bits())
                };
                let (o, r) = (&rec.dirs[0], &rec.dirs[1]);
                let (fo, fr) = (&rec.figures[0], &rec.figures[1]);
                x.o_init.next = o.init;
                x.o_fin.next = o.fin;
                x.o_next.next = b32(o.next);
                x.o_acked_valid.next = o.acked.is_some();
                x.o_acked.next = b32(o.acked.unwrap_or(0));
                x.o_delivered.next = fo.delivered.to_bits();
                x.o_missed.next = fo.missed.to_bits();
                x.o_gaps.next = b32(fo.gaps);
                x.o_retransmissions.next = b32(fo.retransmissions);
                x.o_inconsistent.next = b32(fo.inconsistent);
                x.o_frames.next = b32(fo.frames);
                x.r_init.next = r.init;
                x.r_fin.next = r.fin;
                x.r_next.next = b32(r.next);
                x.r_acked_valid.next = r.acked.is_some();
                x.r_acked.next = b32(r.acked.unwrap_or(0));
                x.r_delivered.next = fr.delivered.to_bits();
                x.r_missed.next = fr.missed.to_bits();
                x.r_gaps.next = b32(fr.gaps);
                x.r_retransmissions.next = b32(fr.retransmissions);
                x.r_inconsistent.next = b32(fr.inconsistent);
                x.r_frames.next = b32(fr.frames);
                x.flow_id.next = rec.flow_id.to_bits();
                x.first_ns.next = rec.first_ns.to_bits();
                x.last_ns.next = rec.last_ns.to_bits();
                x.fallback.next = u64::from(rec.fallback).to_bits();
                x.orig_side.next = rec.orig_side == 1;
                x.v6.next = key.v6;
                x.low_addr.next = addr(&key.low.0);
                x.low_port.next = u64::from(key.low.1).to_bits();
                x.high_addr.next = addr(&key.high.0);
                x.high_port.next = u64::from(key.high.1).to_bits();
                x.end_reason.next = (*why as u64).to_bits();
                x = ep.wait(1, x)?;
                let bits = x.record.val();
                let got: Vec<u8> = (0..128)
                    .map(|i| bits.get_bits::<8>(1016 - 8 * i).to_u64() as u8)
                    .collect();
                let want = flow_end(rec, key, *why).to_bytes();
                if got != want {
                    eprintln!("CASE {rec:?} {key:?} {why:?}\nUNIT  {got:02x?}\nMODEL {want:02x?}");
                }
                sim_assert!(ep, got == want, x);
            }
            ep.done(x)
        });
        let mut uut = FlowEndRecord::default();
        uut.connect_all();
        sim.run(Box::new(uut), 1_000_000)
            .map_err(|e| format!("{e:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        #[test]
        fn the_unit_writes_the_models_record(cases in proptest::collection::vec(flow_end_case(), 100..200)) {
            prop_assert_eq!(run(cases), Ok(()));
        }
    }
}
