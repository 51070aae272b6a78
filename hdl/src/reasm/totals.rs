//! Beats 1 and 2 of the session record after a frame: the session's last time and close time, and
//! the flow-end figures of both directions with the step's deltas added (`step.rs` gives them).
//! Nothing here changes what a frame does, so the stage asks the record's ports for these beats a
//! few cycles after beat 0 and registers the step's deltas in between. The model's
//! `reasm::step::frame` changes the same fields.
//!
//! ```text
//!  beat 1: last_ns = max(last_ns, ts)        closed_at = tick when the step closed the session
//!  beat 2, own direction:  frames + 1, delivered + Δ, missed + Δ, gaps + Δ (0..2),
//!                          retransmissions + (0|1), inconsistent + (0|1)
//!          the peer:       delivered + Δ, missed + Δ, gaps + (0|1)
//! ```

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct Totals {
    /// The frame's time (ns) and tick, and whether the step closed the session with it.
    pub ts: Signal<In, Bits<64>>,
    pub tick: Signal<In, Bits<32>>,
    pub closed_now: Signal<In, Bit>,
    /// The frame would be held into a full store: the step wrote nothing, nor does this unit.
    pub need_room: Signal<In, Bit>,
    /// Beat 1 as read.
    pub last_ns: Signal<In, Bits<64>>,
    pub closed_at: Signal<In, Bits<32>>,
    /// Beat 2 as read, the frame's direction (`own_`) and the other (`peer_`).
    pub own_delivered: Signal<In, Bits<64>>,
    pub own_missed: Signal<In, Bits<64>>,
    pub own_gaps: Signal<In, Bits<32>>,
    pub own_retransmissions: Signal<In, Bits<32>>,
    pub own_inconsistent: Signal<In, Bits<32>>,
    pub own_frames: Signal<In, Bits<32>>,
    pub peer_delivered: Signal<In, Bits<64>>,
    pub peer_missed: Signal<In, Bits<64>>,
    pub peer_gaps: Signal<In, Bits<32>>,
    /// The step's deltas (`step.rs`, the outputs of the same names).
    pub d_own_delivered: Signal<In, Bits<32>>,
    pub d_own_missed: Signal<In, Bits<32>>,
    pub d_own_gaps: Signal<In, Bits<2>>,
    pub d_own_retransmission: Signal<In, Bit>,
    pub d_inconsistent: Signal<In, Bit>,
    pub d_peer_delivered: Signal<In, Bits<32>>,
    pub d_peer_missed: Signal<In, Bits<32>>,
    pub d_peer_gap: Signal<In, Bit>,
    /// Beats 1 and 2 written back (`_w`).
    pub last_ns_w: Signal<Out, Bits<64>>,
    pub closed_at_w: Signal<Out, Bits<32>>,
    pub own_delivered_w: Signal<Out, Bits<64>>,
    pub own_missed_w: Signal<Out, Bits<64>>,
    pub own_gaps_w: Signal<Out, Bits<32>>,
    pub own_retransmissions_w: Signal<Out, Bits<32>>,
    pub own_inconsistent_w: Signal<Out, Bits<32>>,
    pub own_frames_w: Signal<Out, Bits<32>>,
    pub peer_delivered_w: Signal<Out, Bits<64>>,
    pub peer_missed_w: Signal<Out, Bits<64>>,
    pub peer_gaps_w: Signal<Out, Bits<32>>,
}

impl Logic for Totals {
    #[hdl_gen]
    fn update(&mut self) {
        self.last_ns_w.next = self.last_ns.val();
        self.closed_at_w.next = self.closed_at.val();
        self.own_delivered_w.next = self.own_delivered.val();
        self.own_missed_w.next = self.own_missed.val();
        self.own_gaps_w.next = self.own_gaps.val();
        self.own_retransmissions_w.next = self.own_retransmissions.val();
        self.own_inconsistent_w.next = self.own_inconsistent.val();
        self.own_frames_w.next = self.own_frames.val();
        self.peer_delivered_w.next = self.peer_delivered.val();
        self.peer_missed_w.next = self.peer_missed.val();
        self.peer_gaps_w.next = self.peer_gaps.val();
        if !self.need_room.val() {
            if self.ts.val() > self.last_ns.val() {
                self.last_ns_w.next = self.ts.val();
            }
            if self.closed_now.val() {
                self.closed_at_w.next = self.tick.val();
            }
            self.own_frames_w.next = self.own_frames.val() + 1;
            self.own_delivered_w.next =
                self.own_delivered.val() + bit_cast::<64, 32>(self.d_own_delivered.val());
            self.own_missed_w.next =
                self.own_missed.val() + bit_cast::<64, 32>(self.d_own_missed.val());
            self.own_gaps_w.next = self.own_gaps.val() + bit_cast::<32, 2>(self.d_own_gaps.val());
            if self.d_own_retransmission.val() {
                self.own_retransmissions_w.next = self.own_retransmissions.val() + 1;
            }
            if self.d_inconsistent.val() {
                self.own_inconsistent_w.next = self.own_inconsistent.val() + 1;
            }
            self.peer_delivered_w.next =
                self.peer_delivered.val() + bit_cast::<64, 32>(self.d_peer_delivered.val());
            self.peer_missed_w.next =
                self.peer_missed.val() + bit_cast::<64, 32>(self.d_peer_missed.val());
            if self.d_peer_gap.val() {
                self.peer_gaps_w.next = self.peer_gaps.val() + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use vantage_proto::reasm::record::tick;
    use vantage_testkit::reasm::{step_case, step_expected, step_record, StepCase};

    /// Every case through one simulation: the unit, given the record's beats 1 and 2 and the
    /// model's deltas, writes what the model's step writes.
    fn run(cases: Vec<StepCase>) -> Result<(), String> {
        let mut sim: Simulation<Totals> = Simulation::default();
        sim.add_testbench(move |mut ep: Sim<Totals>| {
            let mut x = ep.init()?;
            for c in &cases {
                let (d, o) = (c.facts.dir, 1 - c.facts.dir);
                let r = &c.rec;
                let e = step_expected(c);
                let b64 = |v: u64| v.to_bits::<64>();
                let b32 = |v: u32| u64::from(v).to_bits::<32>();
                x.ts.next = b64(c.facts.ts_ns);
                x.tick.next = b32(tick(c.facts.ts_ns));
                x.closed_now.next = e.closed_now;
                x.need_room.next = e.need_room;
                x.last_ns.next = b64(r.last_ns);
                x.closed_at.next = b32(r.closed_at.unwrap_or(0));
                x.own_delivered.next = b64(r.figures[d].delivered);
                x.own_missed.next = b64(r.figures[d].missed);
                x.own_gaps.next = b32(r.figures[d].gaps);
                x.own_retransmissions.next = b32(r.figures[d].retransmissions);
                x.own_inconsistent.next = b32(r.figures[d].inconsistent);
                x.own_frames.next = b32(r.figures[d].frames);
                x.peer_delivered.next = b64(r.figures[o].delivered);
                x.peer_missed.next = b64(r.figures[o].missed);
                x.peer_gaps.next = b32(r.figures[o].gaps);
                x.d_own_delivered.next = b32(e.own_delivered);
                x.d_own_missed.next = b32(e.own_missed);
                x.d_own_gaps.next = u64::from(e.own_gaps).to_bits();
                x.d_own_retransmission.next = e.own_retransmission;
                x.d_inconsistent.next = e.inconsistent_counted;
                x.d_peer_delivered.next = b32(e.peer_delivered);
                x.d_peer_missed.next = b32(e.peer_missed);
                x.d_peer_gap.next = e.peer_gap;
                x = ep.wait(1, x)?;
                let want = step_record(c).unwrap_or(*r);
                let (fd, fo) = (want.figures[d], want.figures[o]);
                let got = (
                    x.last_ns_w.val().to_u64(),
                    want.closed_at.map(|_| x.closed_at_w.val().to_u64() as u32),
                    (
                        x.own_delivered_w.val().to_u64(),
                        x.own_missed_w.val().to_u64(),
                        x.own_gaps_w.val().to_u64() as u32,
                        x.own_retransmissions_w.val().to_u64() as u32,
                        x.own_inconsistent_w.val().to_u64() as u32,
                        x.own_frames_w.val().to_u64() as u32,
                    ),
                    (
                        x.peer_delivered_w.val().to_u64(),
                        x.peer_missed_w.val().to_u64(),
                        x.peer_gaps_w.val().to_u64() as u32,
                    ),
                );
                let expected = (
                    want.last_ns,
                    want.closed_at,
                    (
                        fd.delivered,
                        fd.missed,
                        fd.gaps,
                        fd.retransmissions,
                        fd.inconsistent,
                        fd.frames,
                    ),
                    (fo.delivered, fo.missed, fo.gaps),
                );
                if got != expected {
                    eprintln!("CASE {c:?}\nUNIT {got:?}\nMODEL {expected:?}");
                }
                sim_assert!(ep, got == expected, x);
            }
            ep.done(x)
        });
        let mut uut = Totals::default();
        uut.connect_all();
        sim.run(Box::new(uut), 1_000_000)
            .map_err(|e| format!("{e:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        #[test]
        fn the_unit_totals_as_the_model(cases in proptest::collection::vec(step_case(), 200..400)) {
            prop_assert_eq!(run(cases), Ok(()));
        }
    }
}
