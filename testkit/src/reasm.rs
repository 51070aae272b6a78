//! Generated inputs of the reasm stage's direction rule (`model::reasm::rule`), for the tests
//! that hold its logic (`hdl::reasm::rule`, in rust-hdl's simulator and through Verilator) to the
//! model's.

use proptest::prelude::*;
use vantage_model::reasm::rule::{decide, Action, DirView, GapCause, SegView};

/// One evaluation's inputs.
#[derive(Clone, Copy, Debug)]
pub struct RuleCase {
    pub dir: DirView,
    pub seg: SegView,
    /// Bytes a direction may hold above its hole.
    pub cap: u32,
}

/// The unit's outputs, as the model's verdict gives them. Flags that do not go with the action
/// are false (the unit clears them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleOutputs {
    pub release_first: bool,
    /// The release is the cap's (else the ACK's).
    pub first_cap: bool,
    /// The action in the unit's encoding: control 0, retransmission 1, in order 2, after a gap
    /// 3, held retransmission 4, hold 5, second hole 6 (`hdl::reasm::rule::RuleAction`'s order).
    pub action: u8,
    /// In order: the held block follows.
    pub release_after: bool,
    /// After a gap: the cap's gap (else the ACK's).
    pub gap_cap: bool,
    /// Hold: a new block.
    pub hold_new: bool,
}

/// The model's verdict on a case, as the unit's outputs.
pub fn rule_expected(c: &RuleCase) -> RuleOutputs {
    let v = decide(c.dir, c.seg, c.cap);
    let mut out = RuleOutputs {
        release_first: v.release_first.is_some(),
        first_cap: v.release_first == Some(GapCause::Cap),
        action: 0,
        release_after: false,
        gap_cap: false,
        hold_new: false,
    };
    out.action = match v.action {
        Action::Control => 0,
        Action::Retransmission => 1,
        Action::InOrder { release } => {
            out.release_after = release;
            2
        }
        Action::AfterGap(g) => {
            out.gap_cap = g == GapCause::Cap;
            3
        }
        Action::HeldRetransmission => 4,
        Action::Hold { new } => {
            out.hold_new = new;
            5
        }
        Action::SecondHole => 6,
    };
    out
}

/// Sequence numbers within a few dozen of one another around any base (the wrap included), so
/// every relation the rule tells apart is reached, its boundaries too; caps small, zero, at the
/// sign bit and all ones.
pub fn rule_case() -> impl Strategy<Value = RuleCase> {
    let near = || -40i64..40;
    (
        any::<u32>(),
        (near(), proptest::option::of(near())),
        proptest::option::of((near(), 0u32..30)),
        (near(), 0u32..30, any::<bool>()),
        prop_oneof![0u32..60, Just(u32::MAX), Just(0x8000_0000)],
    )
        .prop_map(|(base, (next, acked), block, (start, len, fin), cap)| {
            let at = |o: i64| base.wrapping_add(o as u32);
            let start = at(start);
            RuleCase {
                dir: DirView {
                    next: at(next),
                    acked: acked.map(at),
                    block: block.map(|(s, l)| (at(s), at(s).wrapping_add(l + 1))),
                },
                seg: SegView {
                    start,
                    end: start.wrapping_add(len + u32::from(fin)),
                    data: len > 0 || fin,
                },
                cap,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;

    /// The generator reaches every verdict the rule can give (a release for the cap is followed
    /// only by a segment touching the block: a retransmission or in order), or the comparisons
    /// built on it prove less than they say.
    #[test]
    fn the_generator_reaches_every_verdict() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            let c = rule_case().new_tree(&mut runner).expect("a case").current();
            let o = rule_expected(&c);
            seen.insert((
                o.release_first,
                o.first_cap,
                o.action,
                o.release_after,
                o.gap_cap,
                o.hold_new,
            ));
        }
        let f = false;
        let t = true;
        for want in [
            (f, f, 0, f, f, f),
            (f, f, 1, f, f, f),
            (f, f, 2, t, f, f),
            (f, f, 2, f, f, f),
            (f, f, 3, f, f, f),
            (f, f, 3, f, t, f),
            (f, f, 4, f, f, f),
            (f, f, 5, f, f, t),
            (f, f, 5, f, f, f),
            (f, f, 6, f, f, f),
            (t, f, 1, f, f, f),
            (t, f, 2, f, f, f),
            (t, f, 3, f, f, f),
            (t, t, 1, f, f, f),
            (t, t, 2, f, f, f),
        ] {
            assert!(seen.contains(&want), "the generator never gives {want:?}");
        }
        assert_eq!(seen.len(), 15, "a verdict the list does not know: {seen:?}");
    }
}
