//! Ingress: the timestamp counter, frames from timed beats, and the lookahead release rule.
//!
//! ```text
//!  arrival   a0        a1              a2 (tlast)
//!  beats     [B0]......[B1]............[B2]
//!  release             a1 (B0+B1)      a2 (B1)    a2+1 (B2)
//!            a beat is released when the next beat arrives; a last beat one cycle after its own
//!            arrival. A released first beat carries its frame's second beat as lookahead.
//! ```

use crate::parse::used_lanes;
use vantage_proto::axis::{Beat, LaneFrame, TimedBeat};
use vantage_proto::datapath::BEAT_BYTES;

/// Bits of the timestamp counter S: 64 integer and 32 fractional bits of nanoseconds.
const S_BITS: u32 = 96;
/// Bits of the per-cycle increment that exist in hardware: 8 of INC_NS and 32 of INC_FRAC.
const INC_BITS: u32 = 40;
/// Fractional bits of S and of the increment.
const FRAC_BITS: u32 = 32;

/// The timestamp counter as software knows it: its value at one cycle, and its increment.
///
/// `S(c) = value + (c - cycle) * inc` (modulo 2^96, the counter's width), for cycles before
/// `cycle` too. This is what a snapshot (`id.SNAPSHOT` latching `S` and the cycle counter) gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeBase {
    /// The datapath cycle at which `S` was `value`.
    pub cycle: u64,
    /// `S` at `cycle`, 64.32 fixed-point ns (only the low 96 bits are used).
    pub value: u128,
    /// Added to `S` every cycle, 32.32 fixed-point ns (only the low 40 bits are used).
    pub inc: u64,
}

impl TimeBase {
    /// The counter as `vantage sim` loads it for a capture: `t0_ns` at cycle 0, one datapath
    /// clock period per cycle, so frames are stamped with capture-like times.
    pub fn from_ns(t0_ns: u64) -> Self {
        TimeBase {
            cycle: 0,
            value: u128::from(t0_ns) << FRAC_BITS,
            inc: vantage_proto::datapath::default_ts_increment(),
        }
    }

    /// `S` at `cycle`.
    pub fn at(&self, cycle: u64) -> u128 {
        let mask = (1u128 << S_BITS) - 1;
        let inc = (self.inc & ((1u64 << INC_BITS) - 1)) as u128;
        let delta = cycle.abs_diff(self.cycle) as u128;
        // delta < 2^64 and inc < 2^40: the product fits in u128.
        let step = (delta * inc) & mask;
        let s = if cycle >= self.cycle {
            self.value.wrapping_add(step)
        } else {
            self.value.wrapping_sub(step)
        };
        s & mask
    }

    /// The ingress time (whole ns) stamped on a frame whose first beat arrives at `cycle`.
    pub fn ns_at(&self, cycle: u64) -> u64 {
        (self.at(cycle) >> FRAC_BITS) as u64
    }
}

/// A complete input frame (the beats up to and including one with `tlast`) with its timing.
#[derive(Clone, Debug)]
pub(crate) struct InFrame {
    pub beats: Vec<Beat>,
    /// Cycle at which each beat arrived.
    pub arrival: Vec<u64>,
    /// Cycle at which each beat is released into the parse pipeline (= pushed into the tag FIFO).
    pub release: Vec<u64>,
}

impl InFrame {
    /// The lookahead beat the first beat carries: the second beat, if the frame has one.
    pub fn lookahead(&self) -> Option<&Beat> {
        self.beats.get(1)
    }

    /// Length in lanes: `64*(beats-1)` + the used lanes of the last beat.
    pub fn len_lanes(&self) -> usize {
        let full = BEAT_BYTES * self.beats.len().saturating_sub(1);
        full + self.beats.last().map_or(0, used_lanes)
    }

    /// The frame as lanes (holes as `None`), `tuser` of the last beat.
    pub fn lane_frame(&self) -> LaneFrame {
        LaneFrame::from_beats(&self.beats)
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }
}

/// Split the input into complete frames and give every beat its release cycle.
///
/// A trailing frame without `tlast` is never released (its last beat waits for a successor that
/// never comes) and is dropped: no output, no counters. Input the MAC cannot produce (cycles not
/// increasing) is taken as arriving in the next free cycle.
pub(crate) fn frames(input: &[TimedBeat]) -> Vec<InFrame> {
    let arrival = arrival_cycles(input);
    let mut out = Vec::new();
    let mut cur = InFrame {
        beats: Vec::new(),
        arrival: Vec::new(),
        release: Vec::new(),
    };
    for (i, tb) in input.iter().enumerate() {
        cur.beats.push(tb.beat);
        cur.arrival.push(arrival[i]);
        cur.release.push(release_cycle(
            &tb.beat,
            arrival[i],
            arrival.get(i + 1).copied(),
        ));
        if tb.beat.last {
            out.push(std::mem::replace(
                &mut cur,
                InFrame {
                    beats: Vec::new(),
                    arrival: Vec::new(),
                    release: Vec::new(),
                },
            ));
        }
    }
    out
}

/// Arrival cycles, forced strictly increasing (at most one beat per cycle).
fn arrival_cycles(input: &[TimedBeat]) -> Vec<u64> {
    let mut prev: Option<u64> = None;
    input
        .iter()
        .map(|tb| {
            let c = prev.map_or(tb.cycle, |p| tb.cycle.max(p.saturating_add(1)));
            prev = Some(c);
            c
        })
        .collect()
}

/// The release rule applied again to a frame whose beats arrive at `cycles` (the reasm stage's
/// second ingress, behind the conn stage): each beat at its successor's arrival, the last one
/// cycle after its own.
pub fn release_again(cycles: &[u64]) -> Vec<u64> {
    cycles
        .iter()
        .enumerate()
        .map(|(k, &c)| cycles.get(k + 1).copied().unwrap_or(c + 1))
        .collect()
}

/// The release rule: the next beat's arrival, or for a last beat its own arrival + 1.
/// (A non-last beat with no successor is never released; `u64::MAX` marks it, unused.)
fn release_cycle(beat: &Beat, arrival: u64, next_arrival: Option<u64>) -> u64 {
    if beat.last {
        arrival.saturating_add(1)
    } else {
        next_arrival.unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tb(cycle: u64, last: bool) -> TimedBeat {
        TimedBeat {
            cycle,
            beat: Beat {
                keep: u64::MAX,
                last,
                ..Beat::EMPTY
            },
        }
    }

    #[test]
    fn release_is_next_arrival_or_one_after_a_last_beat() {
        // Frame A: beats at 0, 5 (gap inside the frame), 6 (last). Frame B: one beat at 20.
        let f = frames(&[tb(0, false), tb(5, false), tb(6, true), tb(20, true)]);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].release, vec![5, 6, 7]);
        assert_eq!(f[1].release, vec![21]);
        assert_eq!(f[0].lookahead().map(|b| b.last), Some(false));
        assert!(f[1].lookahead().is_none());
    }

    #[test]
    fn trailing_frame_without_last_is_dropped() {
        let f = frames(&[tb(0, true), tb(1, false), tb(2, false)]);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn impossible_input_is_serialised() {
        let f = frames(&[tb(3, true), tb(3, true), tb(1, true)]);
        let arrivals: Vec<u64> = f.iter().map(|f| f.arrival[0]).collect();
        assert_eq!(arrivals, vec![3, 4, 5]);
    }

    #[test]
    fn timestamp_follows_the_time_base() {
        // 1.5 ns per cycle, S = 1000 ns at cycle 10.
        let t = TimeBase {
            cycle: 10,
            value: 1000 << 32,
            inc: 3 << 31,
        };
        assert_eq!(t.ns_at(10), 1000);
        assert_eq!(t.ns_at(11), 1001); // 1001.5
        assert_eq!(t.ns_at(12), 1003);
        assert_eq!(t.ns_at(0), 985);
        // Bits above 40 of inc do not exist.
        let t2 = TimeBase {
            inc: (3 << 31) | (1 << 45),
            ..t
        };
        assert_eq!(t2.ns_at(12), 1003);
        // S wraps at 2^96.
        let t3 = TimeBase {
            cycle: 0,
            value: ((1u128 << 64) - 1) << 32,
            inc: 1 << 32,
        };
        assert_eq!(t3.ns_at(1), 0);
    }
}
