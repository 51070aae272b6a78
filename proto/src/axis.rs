//! AXI4-Stream beats as the 512-bit datapath carries them, and how frames become timed beats.
//!
//! ```text
//!  one beat: tdata[511:0]  byte lane i = tdata[8*i+7 : 8*i], frame byte 64*k+i in beat k
//!            tkeep[63:0]   bit i set = lane i holds a byte of the frame
//!            tlast         last beat of the frame
//!            tuser         MAC error (bad FCS etc.), meaningful on the last beat
//! ```

use crate::datapath::{BEAT_BYTES, DATAPATH_CLOCK_HZ};

/// One AXI4-Stream beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beat {
    pub data: [u8; BEAT_BYTES],
    pub keep: u64,
    pub last: bool,
    pub user: bool,
}

/// A beat presented at a given datapath cycle (cycle 0 is the first cycle after reset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedBeat {
    pub cycle: u64,
    pub beat: Beat,
}

impl Beat {
    pub const EMPTY: Beat = Beat {
        data: [0; BEAT_BYTES],
        keep: 0,
        last: false,
        user: false,
    };

    /// Number of lanes holding a byte.
    pub fn valid_bytes(&self) -> u32 {
        self.keep.count_ones()
    }

    /// `tkeep` is a contiguous run from lane 0 (and, for a beat that is not last, all lanes).
    pub fn keep_is_contiguous(&self) -> bool {
        let prefix = self.keep != 0 && self.keep & self.keep.wrapping_add(1) == 0;
        if self.last {
            prefix
        } else {
            self.keep == u64::MAX
        }
    }
}

/// A frame as lanes: `None` where `tkeep` was clear (a hole), so malformed input survives intact.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LaneFrame {
    pub lanes: Vec<Option<u8>>,
    /// `tuser` of the last beat.
    pub user: bool,
}

impl LaneFrame {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        LaneFrame {
            lanes: bytes.iter().map(|b| Some(*b)).collect(),
            user: false,
        }
    }

    /// The bytes of the lanes that hold one (holes dropped).
    pub fn bytes(&self) -> Vec<u8> {
        self.lanes.iter().flatten().copied().collect()
    }

    /// The frame without lanes after its last kept lane: those do not belong to a frame, so two
    /// frames that differ only there are the same frame.
    pub fn trimmed(&self) -> LaneFrame {
        let end = self
            .lanes
            .iter()
            .rposition(|l| l.is_some())
            .map_or(0, |i| i + 1);
        LaneFrame {
            lanes: self.lanes[..end].to_vec(),
            user: self.user,
        }
    }

    /// Whether some lane before the last one is empty.
    pub fn has_hole(&self) -> bool {
        self.lanes.iter().any(|l| l.is_none())
    }

    /// Collect beats (up to and including a `last` beat) into frames; lanes after the last kept
    /// lane of the last beat are dropped, holes before it kept. A trailing frame without `last`
    /// is returned as `Err` with the frames that did end.
    pub fn from_beats<'a>(
        beats: impl IntoIterator<Item = &'a Beat>,
    ) -> Result<Vec<LaneFrame>, Vec<LaneFrame>> {
        let mut frames = Vec::new();
        let mut cur: Vec<Option<u8>> = Vec::new();
        let mut open = false;
        for b in beats {
            open = true;
            let used = if b.last {
                64 - b.keep.leading_zeros() as usize
            } else {
                BEAT_BYTES
            };
            for lane in 0..used {
                cur.push((b.keep >> lane & 1 == 1).then_some(b.data[lane]));
            }
            if b.last {
                frames.push(LaneFrame {
                    lanes: std::mem::take(&mut cur),
                    user: b.user,
                });
                open = false;
            }
        }
        if open {
            Err(frames)
        } else {
            Ok(frames)
        }
    }

    /// The beats of this frame (at least one beat, even for an empty frame).
    pub fn to_beats(&self) -> Vec<Beat> {
        let mut beats: Vec<Beat> = self
            .lanes
            .chunks(BEAT_BYTES)
            .map(|chunk| {
                let mut b = Beat::EMPTY;
                for (i, lane) in chunk.iter().enumerate() {
                    if let Some(byte) = lane {
                        b.data[i] = *byte;
                        b.keep |= 1 << i;
                    }
                }
                b
            })
            .collect();
        if beats.is_empty() {
            beats.push(Beat::EMPTY);
        }
        let last = beats.len() - 1;
        beats[last].last = true;
        beats[last].user = self.user;
        beats
    }
}

/// How frames are spread over cycles when they are driven into the pipeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pacing {
    /// One beat every cycle, frames back to back: the worst case, faster than any 100G MAC.
    BackToBack,
    /// As fast as an Ethernet line of this many Gb/s delivers them (preamble, FCS and
    /// inter-frame gap counted: 24 bytes per frame besides the frame itself).
    LineRate { gbps: f64 },
    /// At the capture's own timestamps, but never faster than the line rate given.
    CaptureTime { gbps: f64 },
}

/// Per-frame overhead on the wire not seen on the AXI-Stream: preamble+SFD 8, FCS 4, IFG 12.
pub const WIRE_OVERHEAD_BYTES: u64 = 24;

/// Turn frames (with their capture time in ns) into beats at cycles, starting at `first_cycle`.
/// Line rate is kept exactly over the run: the wire time of each frame is carried in fractions of
/// a cycle, so frames of 2.27 cycles on the wire start 2 or 3 cycles apart, 2.27 on average.
pub fn schedule(frames: &[(u64, LaneFrame)], pacing: Pacing, first_cycle: u64) -> Vec<TimedBeat> {
    let mut out = Vec::new();
    let mut next_free = first_cycle;
    // When the wire is free again, in cycles (fractional).
    let mut line_free = first_cycle as f64;
    let t0 = frames.first().map_or(0, |f| f.0);
    for (ts, frame) in frames {
        let beats = frame.to_beats();
        let captured = first_cycle + ns_to_cycles(ts.saturating_sub(t0));
        let start = match pacing {
            Pacing::BackToBack => next_free,
            Pacing::LineRate { gbps } => {
                let on_wire = line_free;
                line_free += wire_cycles(frame.lanes.len(), gbps);
                next_free.max(on_wire.ceil() as u64)
            }
            Pacing::CaptureTime { gbps } => {
                let on_wire = line_free.max(captured as f64);
                line_free = on_wire + wire_cycles(frame.lanes.len(), gbps);
                next_free.max(on_wire.ceil() as u64)
            }
        };
        for (i, beat) in beats.iter().enumerate() {
            out.push(TimedBeat {
                cycle: start + i as u64,
                beat: *beat,
            });
        }
        next_free = start + beats.len() as u64;
    }
    out
}

/// Cycles a frame of `bytes` takes on an Ethernet line of `gbps` (overhead included).
pub fn wire_cycles(bytes: usize, gbps: f64) -> f64 {
    let wire_bits = (bytes as u64 + WIRE_OVERHEAD_BYTES) * 8;
    wire_bits as f64 / gbps * DATAPATH_CLOCK_HZ as f64 / 1e9
}

/// Datapath cycles in `ns` nanoseconds (rounded up).
pub fn ns_to_cycles(ns: u64) -> u64 {
    ((ns as u128 * DATAPATH_CLOCK_HZ as u128).div_ceil(1_000_000_000)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn contiguity() {
        let mut b = Beat {
            keep: 0xFF,
            last: true,
            ..Beat::EMPTY
        };
        assert!(b.keep_is_contiguous());
        b.keep = 0xF7;
        assert!(!b.keep_is_contiguous());
        b.keep = 0;
        assert!(!b.keep_is_contiguous());
        b = Beat {
            keep: u64::MAX,
            last: false,
            ..Beat::EMPTY
        };
        assert!(b.keep_is_contiguous());
        b.keep = 0xFF;
        assert!(!b.keep_is_contiguous());
    }

    #[test]
    fn trimmed_drops_trailing_holes_only() {
        let f = LaneFrame {
            lanes: vec![None, Some(1), None, None],
            user: true,
        };
        assert_eq!(
            f.trimmed(),
            LaneFrame {
                lanes: vec![None, Some(1)],
                user: true
            }
        );
        assert_eq!(
            LaneFrame {
                lanes: vec![None],
                user: false
            }
            .trimmed()
            .lanes
            .len(),
            0
        );
    }

    #[test]
    fn line_rate_keeps_the_average_over_a_run() {
        // 10,000 minimum frames at 100 Gb/s: 148.8 Mframes/s, the line's own rate.
        let frames: Vec<_> = (0..10_000)
            .map(|i| (i, LaneFrame::from_bytes(&[0u8; 60])))
            .collect();
        let s = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 0);
        let last = s.last().map_or(0, |b| b.cycle);
        let ns = last as f64 * 1e9 / DATAPATH_CLOCK_HZ as f64;
        let mpps = 9_999.0 / ns * 1e3;
        assert!((mpps - 148.8).abs() < 0.1, "{mpps} Mframes/s");
    }

    proptest! {
        /// Every frame starts at the first cycle the wire has delivered it by (from the Ethernet
        /// minimum up, at 100 Gb/s the beats never hold a frame back): never faster than the line.
        #[test]
        fn line_rate_start_is_the_wire_time_rounded_up(sizes in proptest::collection::vec(60usize..1600, 1..60)) {
            let frames: Vec<_> = sizes.iter().map(|&n| (0, LaneFrame::from_bytes(&vec![1u8; n]))).collect();
            let s = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 7);
            let starts: Vec<u64> = s.iter().enumerate()
                .filter(|(i, _)| *i == 0 || s[i - 1].beat.last)
                .map(|(_, b)| b.cycle)
                .collect();
            let mut wire: f64 = 7.0;
            for (k, &n) in sizes.iter().enumerate() {
                prop_assert_eq!(starts[k], wire.ceil() as u64);
                wire += wire_cycles(n, 100.0);
            }
        }
    }

    #[test]
    fn line_rate_spaces_small_frames() {
        let frames: Vec<_> = (0..3)
            .map(|i| (i, LaneFrame::from_bytes(&[0u8; 64])))
            .collect();
        let s = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 0);
        // 88 bytes on the wire at 100 Gb/s = 7.04 ns = 2.27 cycles: starts at 0, 2.27, 4.54.
        assert_eq!(s.iter().map(|b| b.cycle).collect::<Vec<_>>(), vec![0, 3, 5]);
        let b2b = schedule(&frames, Pacing::BackToBack, 5);
        assert_eq!(
            b2b.iter().map(|b| b.cycle).collect::<Vec<_>>(),
            vec![5, 6, 7]
        );
    }

    proptest! {
        #[test]
        fn beats_roundtrip(frames in proptest::collection::vec(
            (proptest::collection::vec(proptest::option::weighted(0.9, any::<u8>()), 1..300), any::<bool>()), 1..5)) {
            let frames: Vec<LaneFrame> = frames.into_iter().map(|(mut lanes, user)| {
                if lanes.last() == Some(&None) { *lanes.last_mut().unwrap() = Some(0); }
                LaneFrame { lanes, user }
            }).collect();
            let beats: Vec<Beat> = frames.iter().flat_map(|f| f.to_beats()).collect();
            prop_assert_eq!(LaneFrame::from_beats(&beats), Ok(frames));
        }
    }
}
