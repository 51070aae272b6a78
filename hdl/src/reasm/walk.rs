//! The walk over a released block's held frames, as logic: the tag of each frame as the segment
//! store reads it back, from where the walk stands — the model's `reasm::step::walk`. The record
//! already moved when the block was released (`giveup.rs`); the walk only tags.
//!
//! ```text
//!  walk: next (sequence number), next_off (its stream offset, 48 bits)
//!  held frame [start, end), len payload bytes:
//!    end <= next ............ OLD (a retransmission): offset = next_off + (start - next)
//!    else ................... DELIVERED: gap = start - next when above, else skip the old front
//!                             min(next - start, len); next = end, next_off += end - next
//! ```

use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct Walk {
    /// Where the walk stands.
    pub next_seq: Signal<In, Bits<32>>,
    pub next_off: Signal<In, Bits<48>>,
    /// The held frame: its first payload byte, the byte after its payload and FIN, its payload.
    pub seg_start: Signal<In, Bits<32>>,
    pub seg_end: Signal<In, Bits<32>>,
    pub len: Signal<In, Bits<16>>,
    /// Every byte went out before it: its tag is a retransmission's.
    pub old: Signal<Out, Bit>,
    /// The tag's offset, gap and skip.
    pub offset: Signal<Out, Bits<48>>,
    pub gap: Signal<Out, Bits<32>>,
    pub skip: Signal<Out, Bits<16>>,
    /// Where the walk stands after the frame.
    pub next_seq_w: Signal<Out, Bits<32>>,
    pub next_off_w: Signal<Out, Bits<48>>,
    d_start: Signal<Local, Bits<32>>,
    d_end: Signal<Local, Bits<32>>,
    behind: Signal<Local, Bits<32>>,
    /// All ones above bit 31: a negative difference, sign-extended to an offset.
    k_neg: Constant<Bits<48>>,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            next_seq: Default::default(),
            next_off: Default::default(),
            seg_start: Default::default(),
            seg_end: Default::default(),
            len: Default::default(),
            old: Default::default(),
            offset: Default::default(),
            gap: Default::default(),
            skip: Default::default(),
            next_seq_w: Default::default(),
            next_off_w: Default::default(),
            d_start: Default::default(),
            d_end: Default::default(),
            behind: Default::default(),
            k_neg: Constant::new(0xFFFF_0000_0000u64.to_bits()),
        }
    }
}

impl Logic for Walk {
    #[hdl_gen]
    fn update(&mut self) {
        self.d_start.next = self.seg_start.val() - self.next_seq.val();
        self.d_end.next = self.seg_end.val() - self.next_seq.val();
        self.behind.next = self.next_seq.val() - self.seg_start.val();
        self.offset.next = self.next_off.val() + bit_cast::<48, 32>(self.d_start.val());
        if self.d_start.val().get_bit(31) {
            self.offset.next =
                self.next_off.val() + (bit_cast::<48, 32>(self.d_start.val()) | self.k_neg.val());
        }
        self.old.next = self.d_end.val().get_bit(31) | (self.d_end.val() == 0);
        self.gap.next = 0.into();
        self.skip.next = 0.into();
        self.next_seq_w.next = self.next_seq.val();
        self.next_off_w.next = self.next_off.val();
        if !self.old.val() {
            if !self.d_start.val().get_bit(31) & (self.d_start.val() != 0) {
                self.gap.next = self.d_start.val();
            } else if self.behind.val() > bit_cast::<32, 16>(self.len.val()) {
                self.skip.next = self.len.val();
            } else {
                self.skip.next = self.behind.val().get_bits::<16>(0);
            }
            self.next_seq_w.next = self.seg_end.val();
            self.next_off_w.next = self.next_off.val() + bit_cast::<48, 32>(self.d_end.val());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use vantage_testkit::reasm::{walk, walk_case, Landing, WalkState};

    fn run(cases: Vec<(WalkState, u32, u32, u32)>) -> Result<(), String> {
        let mut sim: Simulation<Walk> = Simulation::default();
        sim.add_testbench(move |mut ep: Sim<Walk>| {
            let mut x = ep.init()?;
            for (w, start, end, len) in &cases {
                x.next_seq.next = u64::from(w.next).to_bits();
                x.next_off.next = w.next_off.to_bits();
                x.seg_start.next = u64::from(*start).to_bits();
                x.seg_end.next = u64::from(*end).to_bits();
                x.len.next = u64::from(*len).to_bits();
                x = ep.wait(1, x)?;
                let mut after = *w;
                let want = walk(&mut after, *start, *end, *len);
                let got = if x.old.val() {
                    Landing::Old {
                        offset: x.offset.val().to_u64(),
                    }
                } else {
                    Landing::Delivered {
                        offset: x.offset.val().to_u64(),
                        gap: x.gap.val().to_u64() as u32,
                        skip: x.skip.val().to_u64() as u32,
                    }
                };
                let moved = (
                    x.next_seq_w.val().to_u64() as u32,
                    x.next_off_w.val().to_u64(),
                );
                sim_assert!(ep, got == want && moved == (after.next, after.next_off), x);
            }
            ep.done(x)
        });
        let mut uut = Walk::default();
        uut.connect_all();
        sim.run(Box::new(uut), 1_000_000)
            .map_err(|e| format!("{e:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn the_unit_walks_as_the_model(cases in proptest::collection::vec(walk_case(), 200..400)) {
            prop_assert_eq!(run(cases), Ok(()));
        }
    }
}
