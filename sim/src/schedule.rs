//! Frames laid out cycle by cycle for a probe that starts at the ingress stage (the reasm
//! stage's facts and frames' side): each cycle's beat, and the time the ingress clock is loaded
//! with one cycle ahead of each first beat, so the frame is stamped with its capture time.

use vantage_proto::axis::{Beat, LaneFrame};

/// The cycles of a run.
pub struct Schedule {
    /// Each cycle's beat (or none) and, on a frame's first beat, the frame's time.
    cycles: Vec<(Option<Beat>, Option<u64>)>,
    /// The cycle of each frame's first beat.
    pub first_in: Vec<u64>,
}

impl Schedule {
    /// One idle cycle (so the first frame's time is loaded before its first beat), then frame k
    /// after `gaps[k % len]` idle cycles (0: right behind the frame before), then `tail` idle
    /// cycles.
    pub fn new(frames: &[(u64, LaneFrame)], gaps: &[u8], tail: usize) -> Schedule {
        let mut cycles: Vec<(Option<Beat>, Option<u64>)> = vec![(None, None)];
        let mut first_in = Vec::with_capacity(frames.len());
        for (k, (t, f)) in frames.iter().enumerate() {
            let gap = gaps.get(k % gaps.len().max(1)).copied().unwrap_or(0);
            cycles.extend((0..gap).map(|_| (None, None)));
            first_in.push(cycles.len() as u64);
            for (i, b) in f.to_beats().into_iter().enumerate() {
                cycles.push((Some(b), (i == 0).then_some(*t)));
            }
        }
        cycles.extend((0..tail).map(|_| (None, None)));
        Schedule { cycles, first_in }
    }

    /// Cycles in the run.
    pub fn len(&self) -> usize {
        self.cycles.len()
    }

    /// Whether the run has no cycle (never: it starts with an idle one).
    pub fn is_empty(&self) -> bool {
        self.cycles.is_empty()
    }

    /// Cycle `i`'s beat, and the time to load the ingress clock with in it (the next cycle's
    /// first beat's), if any.
    pub fn at(&self, i: usize) -> (Option<&Beat>, Option<u64>) {
        let next = self.cycles.get(i + 1).and_then(|c| c.1);
        (self.cycles.get(i).and_then(|c| c.0.as_ref()), next)
    }
}

/// Frames as bytes, as lanes that all hold one.
pub fn lanes(frames: &[(u64, Vec<u8>)]) -> Vec<(u64, LaneFrame)> {
    frames
        .iter()
        .map(|(t, f)| (*t, LaneFrame::from_bytes(f)))
        .collect()
}
