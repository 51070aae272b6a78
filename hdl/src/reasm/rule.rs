//! The direction rule as logic: where a segment goes, from a direction's record and the segment's
//! sequence numbers. The same rule as `model::reasm::rule::decide` (docs/reasm.md states it);
//! combinational, so the stage decides where its registers go.
//!
//! ```text
//!  sequence space of one direction (every comparison is the sign of a 32-bit difference):
//!        delivered            hole               held block            beyond
//!   ───────────────────┬─────────────────┬──────────────────────┬──────────────
//!                     next           block_start           block_end
//!  segment [start, end)                              acked (the other side's highest ACK)
//!
//!  ten differences, side by side    ──► the first pass: control, retransmission, in order,
//!                                       after a gap, held retransmission, hold, second hole,
//!                                       or a release first (ack or cap) ──► the second pass,
//!                                       against next = block_end and no block
//! ```
//! Both passes are computed from the same differences at once: a released block delivers all its
//! frames, so after it the direction's next byte is the block's end, and the second pass needs
//! no new subtraction. The union of the segment and the block is compared with the cap through
//! the four differences it can be (`end - start`, `end - block_start`, `block_end - start`,
//! `block_end - block_start`), each compared with the cap beside the others, then selected.

use rust_hdl::prelude::*;

/// Where a segment goes (after the release, when `release_first` is set).
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum RuleAction {
    /// No stream byte.
    Control,
    /// Every byte delivered before.
    Retransmission,
    /// Delivered at the next byte; `release_after` when the held block joins right behind it.
    InOrder,
    /// Delivered above the next byte after a gap; `gap_cap` says the cause (else the ACK).
    AfterGap,
    /// Bytes the held block has already.
    HeldRetransmission,
    /// Held: a new block (`hold_new`) or joined to the block.
    Hold,
    /// Above the hole and apart from the block: the connection falls back.
    SecondHole,
}

#[derive(LogicBlock, Default)]
pub struct Rule {
    /// The direction's next byte.
    pub next_seq: Signal<In, Bits<32>>,
    /// The other side has acknowledged something (`acked` holds its highest ACK).
    pub acked_valid: Signal<In, Bit>,
    pub acked: Signal<In, Bits<32>>,
    /// The direction holds bytes above its hole, `[block_start, block_end)`.
    pub block_valid: Signal<In, Bit>,
    pub block_start: Signal<In, Bits<32>>,
    pub block_end: Signal<In, Bits<32>>,
    /// The segment: its first payload byte, the byte after its payload and FIN.
    pub seg_start: Signal<In, Bits<32>>,
    pub seg_end: Signal<In, Bits<32>>,
    /// It carries payload or a FIN.
    pub data: Signal<In, Bit>,
    /// Bytes a direction may hold above its hole (the register).
    pub cap: Signal<In, Bits<32>>,
    /// The held block goes out first, after a gap; `first_cap` says the cause (else the ACK).
    pub release_first: Signal<Out, Bit>,
    pub first_cap: Signal<Out, Bit>,
    pub action: Signal<Out, RuleAction>,
    /// With `InOrder`: the held block follows the segment out.
    pub release_after: Signal<Out, Bit>,
    /// With `AfterGap`: the gap is the cap's (else the ACK's).
    pub gap_cap: Signal<Out, Bit>,
    /// With `Hold`: a new block (else joined).
    pub hold_new: Signal<Out, Bit>,
    // the differences
    d_end_next: Signal<Local, Bits<32>>,
    d_start_next: Signal<Local, Bits<32>>,
    d_acked_start: Signal<Local, Bits<32>>,
    d_end_start: Signal<Local, Bits<32>>,
    d_start_bs: Signal<Local, Bits<32>>,
    d_start_be: Signal<Local, Bits<32>>,
    d_end_bs: Signal<Local, Bits<32>>,
    d_end_be: Signal<Local, Bits<32>>,
    d_be_start: Signal<Local, Bits<32>>,
    d_be_bs: Signal<Local, Bits<32>>,
    // their signs
    old: Signal<Local, Bit>,
    reaches: Signal<Local, Bit>,
    joins: Signal<Local, Bit>,
    acked_beyond: Signal<Local, Bit>,
    span_over: Signal<Local, Bit>,
    touches: Signal<Local, Bit>,
    inside_block: Signal<Local, Bit>,
    union_over: Signal<Local, Bit>,
    old2: Signal<Local, Bit>,
    reaches2: Signal<Local, Bit>,
}

impl Logic for Rule {
    #[hdl_gen]
    fn update(&mut self) {
        self.d_end_next.next = self.seg_end.val() - self.next_seq.val();
        self.d_start_next.next = self.seg_start.val() - self.next_seq.val();
        self.d_acked_start.next = self.acked.val() - self.seg_start.val();
        self.d_end_start.next = self.seg_end.val() - self.seg_start.val();
        self.d_start_bs.next = self.seg_start.val() - self.block_start.val();
        self.d_start_be.next = self.seg_start.val() - self.block_end.val();
        self.d_end_bs.next = self.seg_end.val() - self.block_start.val();
        self.d_end_be.next = self.seg_end.val() - self.block_end.val();
        self.d_be_start.next = self.block_end.val() - self.seg_start.val();
        self.d_be_bs.next = self.block_end.val() - self.block_start.val();

        self.old.next = self.d_end_next.val().get_bit(31) | (self.d_end_next.val() == 0);
        self.reaches.next = self.d_start_next.val().get_bit(31) | (self.d_start_next.val() == 0);
        self.joins.next = self.block_valid.val() & !self.d_end_bs.val().get_bit(31);
        self.acked_beyond.next = self.acked_valid.val() & !self.d_acked_start.val().get_bit(31);
        self.span_over.next =
            !self.d_end_start.val().get_bit(31) & (self.d_end_start.val() > self.cap.val());
        self.touches.next = (self.d_start_be.val().get_bit(31) | (self.d_start_be.val() == 0))
            & !self.d_end_bs.val().get_bit(31);
        self.inside_block.next = !self.d_start_bs.val().get_bit(31)
            & (self.d_end_be.val().get_bit(31) | (self.d_end_be.val() == 0));
        // The union [min(start, block_start), max(end, block_end)) against the cap.
        self.union_over.next =
            !self.d_be_bs.val().get_bit(31) & (self.d_be_bs.val() > self.cap.val());
        if self.d_end_be.val().get_bit(31) | (self.d_end_be.val() == 0) {
            if self.d_start_bs.val().get_bit(31) {
                self.union_over.next =
                    !self.d_be_start.val().get_bit(31) & (self.d_be_start.val() > self.cap.val());
            }
        } else if self.d_start_bs.val().get_bit(31) {
            self.union_over.next = self.span_over.val();
        } else {
            self.union_over.next =
                !self.d_end_bs.val().get_bit(31) & (self.d_end_bs.val() > self.cap.val());
        }
        // The second pass: next = block_end, no block.
        self.old2.next = self.d_end_be.val().get_bit(31) | (self.d_end_be.val() == 0);
        self.reaches2.next = self.d_start_be.val().get_bit(31) | (self.d_start_be.val() == 0);

        self.release_first.next = false;
        self.first_cap.next = false;
        self.release_after.next = false;
        self.gap_cap.next = false;
        self.hold_new.next = false;
        self.action.next = RuleAction::SecondHole;
        if !self.data.val() {
            self.action.next = RuleAction::Control;
        } else if self.old.val() {
            self.action.next = RuleAction::Retransmission;
        } else if self.reaches.val() {
            self.action.next = RuleAction::InOrder;
            self.release_after.next = self.joins.val();
        } else if self.acked_beyond.val() & !self.block_valid.val() {
            self.action.next = RuleAction::AfterGap;
        } else if !self.block_valid.val() {
            if self.span_over.val() {
                self.action.next = RuleAction::AfterGap;
                self.gap_cap.next = true;
            } else {
                self.action.next = RuleAction::Hold;
                self.hold_new.next = true;
            }
        } else if self.acked_beyond.val() | (self.touches.val() & self.union_over.val()) {
            // The block goes out after a gap; the segment is placed behind it.
            self.release_first.next = true;
            self.first_cap.next = !self.acked_beyond.val();
            // A segment that starts past the block's end was released for the ACK (a cap
            // release needs it to touch the block), so the ACK is beyond it still.
            if self.old2.val() {
                self.action.next = RuleAction::Retransmission;
            } else if self.reaches2.val() {
                self.action.next = RuleAction::InOrder;
            } else {
                self.action.next = RuleAction::AfterGap;
            }
        } else if self.touches.val() {
            if self.inside_block.val() {
                self.action.next = RuleAction::HeldRetransmission;
            } else {
                self.action.next = RuleAction::Hold;
            }
        }
    }
}

/// Module name of the unit emitted alone (its Verilator test and synthesis run).
pub const STANDALONE_MODULE: &str = "vantage_reasm_rule";

/// The unit alone, module `STANDALONE_MODULE`.
pub fn standalone_verilog() -> String {
    let mut uut = Rule::default();
    uut.connect_all();
    generate_verilog(&uut)
        .replace("module top(", &format!("module {STANDALONE_MODULE}("))
        .replace(
            "endmodule // top\n",
            &format!("endmodule // {STANDALONE_MODULE}\n"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use vantage_testkit::reasm::{rule_case, rule_expected, RuleCase, RuleOutputs};

    /// Every case through one simulation of the unit; the first disagreement fails.
    fn run(cases: Vec<RuleCase>) -> Result<(), String> {
        let mut sim: Simulation<Rule> = Simulation::default();
        sim.add_testbench(move |mut ep: Sim<Rule>| {
            let mut x = ep.init()?;
            for c in &cases {
                x.next_seq.next = u64::from(c.dir.next).to_bits();
                x.acked_valid.next = c.dir.acked.is_some();
                x.acked.next = u64::from(c.dir.acked.unwrap_or(0)).to_bits();
                x.block_valid.next = c.dir.block.is_some();
                let (bs, be) = c.dir.block.unwrap_or((0, 0));
                x.block_start.next = u64::from(bs).to_bits();
                x.block_end.next = u64::from(be).to_bits();
                x.seg_start.next = u64::from(c.seg.start).to_bits();
                x.seg_end.next = u64::from(c.seg.end).to_bits();
                x.data.next = c.seg.data;
                x.cap.next = u64::from(c.cap).to_bits();
                x = ep.wait(1, x)?;
                let got = RuleOutputs {
                    release_first: x.release_first.val(),
                    first_cap: x.first_cap.val(),
                    action: x.action.val() as u8,
                    release_after: x.release_after.val(),
                    gap_cap: x.gap_cap.val(),
                    hold_new: x.hold_new.val(),
                };
                sim_assert!(ep, got == rule_expected(c), x);
            }
            ep.done(x)
        });
        let mut uut = Rule::default();
        uut.connect_all();
        sim.run(Box::new(uut), 1_000_000)
            .map_err(|e| format!("{e:?}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn the_unit_decides_as_the_model(cases in proptest::collection::vec(rule_case(), 200..400)) {
            prop_assert_eq!(run(cases), Ok(()));
        }
    }
}
