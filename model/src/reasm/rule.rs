//! The direction rule: where a segment goes, from the few numbers a direction's record holds.
//! A pure function, so the stage (`mod.rs`) and the device's rule unit (`hdl/src/reasm/rule.rs`)
//! decide alike; the tests of the unit compare the two over generated records.
//!
//! ```text
//!  sequence space of one direction (a - b compared as a signed 32-bit difference):
//!
//!        delivered            hole               held block            beyond
//!   ───────────────────┬─────────────────┬──────────────────────┬──────────────
//!                     next           block.start            block.end
//!                                                    acked ─► (the other side's highest ACK)
//!
//!  segment [start, end): start = seq (+1 for a SYN), end = start + len (+1 for a FIN)
//! ```
//! One evaluation gives the whole verdict, a release of the held block first included: a block
//! released by a gap delivers all its frames, so the direction's next byte is then the block's
//! end, and the segment is placed against that.

/// `a - b` in sequence space.
pub fn sd(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// What the rule reads of a direction (initialised: its next byte is known).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirView {
    /// Sequence number of the stream's next byte.
    pub next: u32,
    /// Highest acknowledgement the other side sent.
    pub acked: Option<u32>,
    /// The bytes held above the hole, `[start, end)`.
    pub block: Option<(u32, u32)>,
}

/// What the rule reads of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegView {
    /// Sequence number of its first payload byte.
    pub start: u32,
    /// Just after its payload and FIN.
    pub end: u32,
    /// It carries payload or a FIN.
    pub data: bool,
}

/// Why a hole is given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapCause {
    /// The other side acknowledged bytes beyond it.
    Ack,
    /// The held bytes would pass the cap above a hole.
    Cap,
}

/// Where the segment goes (after the release, if the verdict has one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// No stream byte: a control frame.
    Control,
    /// Every byte delivered before.
    Retransmission,
    /// Delivered at the next byte (its old front skipped); `release` when the held block joins
    /// the stream right behind it.
    InOrder { release: bool },
    /// Delivered above the next byte, after a gap of the given cause.
    AfterGap(GapCause),
    /// Bytes the held block has already: a retransmission of held bytes.
    HeldRetransmission,
    /// Held: a new block above the hole (`new`), or joined to the block.
    Hold { new: bool },
    /// Above the hole and apart from the held block: the connection falls back.
    SecondHole,
}

/// The whole verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The held block goes out first, after a gap of this cause.
    pub release_first: Option<GapCause>,
    pub action: Action,
}

/// The rule, with `cap` the bytes a direction may hold above its hole.
pub fn decide(dir: DirView, seg: SegView, cap: u32) -> Verdict {
    if !seg.data {
        return Verdict {
            release_first: None,
            action: Action::Control,
        };
    }
    match place(dir, seg, cap) {
        Step::Done(action) => Verdict {
            release_first: None,
            action,
        },
        Step::Release(cause) => {
            let (_, end) = dir.block.expect("only a block is released");
            let after = DirView {
                next: end,
                block: None,
                ..dir
            };
            match place(after, seg, cap) {
                Step::Done(action) => Verdict {
                    release_first: Some(cause),
                    action,
                },
                Step::Release(_) => unreachable!("no block is left to release"),
            }
        }
    }
}

enum Step {
    Done(Action),
    Release(GapCause),
}

fn place(dir: DirView, seg: SegView, cap: u32) -> Step {
    let (start, end, next) = (seg.start, seg.end, dir.next);
    let cap = i64::from(cap);
    if sd(end, next) <= 0 {
        return Step::Done(Action::Retransmission);
    }
    if sd(start, next) <= 0 {
        let release = dir.block.is_some_and(|(b, _)| sd(end, b) >= 0);
        return Step::Done(Action::InOrder { release });
    }
    if dir.acked.is_some_and(|a| sd(a, start) >= 0) {
        return match dir.block {
            Some(_) => Step::Release(GapCause::Ack),
            None => Step::Done(Action::AfterGap(GapCause::Ack)),
        };
    }
    match dir.block {
        None if sd(end, start) > cap => Step::Done(Action::AfterGap(GapCause::Cap)),
        None => Step::Done(Action::Hold { new: true }),
        Some((bs, be)) if sd(start, be) <= 0 && sd(end, bs) >= 0 => {
            let lo = if sd(start, bs) < 0 { start } else { bs };
            let hi = if sd(end, be) > 0 { end } else { be };
            if sd(hi, lo) > cap {
                Step::Release(GapCause::Cap)
            } else if sd(start, bs) >= 0 && sd(end, be) <= 0 {
                Step::Done(Action::HeldRetransmission)
            } else {
                Step::Done(Action::Hold { new: false })
            }
        }
        Some(_) => Step::Done(Action::SecondHole),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: u32, len: u32) -> SegView {
        SegView {
            start,
            end: start.wrapping_add(len),
            data: len > 0,
        }
    }

    fn dir(next: u32, acked: Option<u32>, block: Option<(u32, u32)>) -> DirView {
        DirView { next, acked, block }
    }

    fn act(v: Verdict) -> (Option<GapCause>, Action) {
        (v.release_first, v.action)
    }

    #[test]
    fn the_cases_of_docs_reasm() {
        use Action::*;
        let d = dir(100, None, None);
        assert_eq!(act(decide(d, seg(100, 0), 50)), (None, Control));
        assert_eq!(act(decide(d, seg(90, 10), 50)), (None, Retransmission));
        assert_eq!(
            act(decide(d, seg(95, 10), 50)),
            (None, InOrder { release: false })
        );
        assert_eq!(act(decide(d, seg(110, 10), 50)), (None, Hold { new: true }));
        assert_eq!(
            act(decide(d, seg(110, 51), 50)),
            (None, AfterGap(GapCause::Cap))
        );
        let held = dir(100, None, Some((110, 120)));
        assert_eq!(
            act(decide(held, seg(100, 10), 50)),
            (None, InOrder { release: true })
        );
        assert_eq!(
            act(decide(held, seg(100, 5), 50)),
            (None, InOrder { release: false })
        );
        assert_eq!(
            act(decide(held, seg(112, 4), 50)),
            (None, HeldRetransmission)
        );
        assert_eq!(
            act(decide(held, seg(120, 5), 50)),
            (None, Hold { new: false })
        );
        assert_eq!(act(decide(held, seg(130, 5), 50)), (None, SecondHole));
        // The union would pass the cap: the block goes out after a gap, and the segment lands
        // behind it, in order.
        assert_eq!(
            act(decide(held, seg(115, 50), 50)),
            (Some(GapCause::Cap), InOrder { release: false })
        );
        // Acknowledged beyond the hole: released, then the segment is old, new or above.
        let acked = dir(100, Some(200), Some((110, 120)));
        assert_eq!(
            act(decide(acked, seg(112, 4), 50)),
            (Some(GapCause::Ack), Retransmission)
        );
        assert_eq!(
            act(decide(acked, seg(130, 4), 50)),
            (Some(GapCause::Ack), AfterGap(GapCause::Ack))
        );
        assert_eq!(
            act(decide(dir(100, Some(200), None), seg(130, 4), 50)),
            (None, AfterGap(GapCause::Ack))
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        let d = dir(u32::MAX - 4, None, None);
        assert_eq!(
            decide(d, seg(u32::MAX - 4, 10), 50).action,
            Action::InOrder { release: false }
        );
        assert_eq!(decide(d, seg(3, 10), 50).action, Action::Hold { new: true });
    }
}
