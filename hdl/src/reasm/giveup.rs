//! A held block given up, as logic: what the release of a direction's block does to the
//! direction's record, all at once — the model's `reasm::step::give_up`. The walk over the held
//! frames (their tags) is the segment store's; the record needs only the block's bounds, because
//! the held bytes are contiguous.
//!
//! ```text
//!  next ........ hole ........ block_start ══════ held ══════ block_end
//!        gap = block_start - next (when the block is above next)
//!  after: next = block_end, next_off += block_end - next,
//!         delivered += block_end - next - gap - (1 when a held frame carried the FIN)
//! ```

use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct GiveUp {
    /// The direction's next byte and its stream offset (48 bits).
    pub next_seq: Signal<In, Bits<32>>,
    pub next_off: Signal<In, Bits<48>>,
    /// The held block `[block_start, block_end)`.
    pub block_start: Signal<In, Bits<32>>,
    pub block_end: Signal<In, Bits<32>>,
    /// A frame of the block carries a FIN (its sequence number is not a byte).
    pub block_fin: Signal<In, Bit>,
    /// The direction's next byte and offset after the release.
    pub new_next: Signal<Out, Bits<32>>,
    pub new_off: Signal<Out, Bits<48>>,
    /// Stream bytes the block delivers.
    pub delivered: Signal<Out, Bits<32>>,
    /// Bytes missing before the block (the gap), and whether there are any.
    pub missed: Signal<Out, Bits<32>>,
    pub gap: Signal<Out, Bit>,
    d_bs: Signal<Local, Bits<32>>,
    d_be: Signal<Local, Bits<32>>,
    gap_bytes: Signal<Local, Bits<32>>,
    owed: Signal<Local, Bits<33>>,
}

impl Logic for GiveUp {
    #[hdl_gen]
    fn update(&mut self) {
        self.d_bs.next = self.block_start.val() - self.next_seq.val();
        self.d_be.next = self.block_end.val() - self.next_seq.val();
        self.gap_bytes.next = 0.into();
        self.gap.next = false;
        if !self.d_bs.val().get_bit(31) & (self.d_bs.val() != 0) {
            self.gap_bytes.next = self.d_bs.val();
            self.gap.next = true;
        }
        self.missed.next = self.gap_bytes.val();
        self.owed.next = bit_cast::<33, 32>(self.gap_bytes.val());
        if self.block_fin.val() {
            self.owed.next = bit_cast::<33, 32>(self.gap_bytes.val()) + 1;
        }
        self.new_next.next = self.next_seq.val();
        self.new_off.next = self.next_off.val();
        self.delivered.next = 0.into();
        if !self.d_be.val().get_bit(31) & (self.d_be.val() != 0) {
            self.new_next.next = self.block_end.val();
            self.new_off.next = self.next_off.val() + bit_cast::<48, 32>(self.d_be.val());
            if bit_cast::<33, 32>(self.d_be.val()) > self.owed.val() {
                self.delivered.next = self.d_be.val() - bit_cast::<32, 33>(self.owed.val());
            }
        }
    }
}
