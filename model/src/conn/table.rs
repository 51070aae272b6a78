//! The SYN table: `2^SYN_BUCKET_BITS` buckets of `SYN_WAYS` records, looked up by every TCP frame
//! in order, all decisions taken from the frames' ingress timestamps.
//!
//! ```text
//!  frame ─► bucket(flow hash) ─► records of the bucket that have expired by the frame's time
//!           leave as expired (whoever finds them first: this frame, or the background scan)
//!    hit (same key):  originator's plain SYN with the record's ISN ─► absorbed (count + 1)
//!                     anything else ─► the record is released ahead of the frame; the frame passes
//!    miss:            a plain, clean SYN of at most HOLD_BYTES ─► held in the first free way
//!                     (none free: passes, fail_full); any other frame passes
//!  a released record's way stays reserved for RELEASE_RESERVE_CYCLES after the releasing
//!  frame's input cycle (the hardware may still need it for that SYN, docs/conn-design.md)
//! ```

use std::collections::HashMap;

use vantage_proto::conn::{syn_bucket, SynInfo, SynKey, Why, RELEASE_RESERVE_CYCLES, SYN_WAYS};

/// One held SYN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSyn {
    /// Index of the SYN in the stage's input frames.
    pub input: usize,
    pub key: SynKey,
    /// The originator's side of `key` (`SynKey::of`).
    pub side: u8,
    pub isn: u32,
    /// Ingress time of the SYN, ns.
    pub ts_ns: u64,
    /// Ingress time of its last absorbed retransmission, ns (`ts_ns` without one).
    pub last_ns: u64,
    /// Retransmissions absorbed, saturating.
    pub retransmissions: u16,
}

impl HeldSyn {
    /// The time the record expires, ns.
    pub fn deadline(&self, timeout_ns: u64) -> u64 {
        self.ts_ns.saturating_add(timeout_ns)
    }
}

/// A held SYN on its way out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub syn: HeldSyn,
    pub why: Why,
}

impl Given {
    /// The SYN TLV it carries.
    pub fn info(&self) -> SynInfo {
        SynInfo::new(
            self.why,
            self.syn.retransmissions,
            self.syn.last_ns - self.syn.ts_ns,
        )
    }
}

/// What the table did with a looked-up frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No record and not to be held: the frame passes.
    Miss,
    /// The frame was stored.
    Held,
    /// No record, but no free way: the frame passes.
    Full,
    /// A retransmission: absorbed into its record.
    Absorbed,
    /// The frame releases its connection's record (given back); the frame passes.
    Release(HeldSyn),
}

/// The frame as the table sees it.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    pub input: usize,
    pub hash: u32,
    pub key: SynKey,
    pub side: u8,
    pub seq: u32,
    pub ts_ns: u64,
    /// Input cycle of the frame's first beat (the reservation of released ways counts cycles).
    pub cycle: u64,
    /// A plain SYN the stage may hold (clean, short enough, holding on).
    pub holdable: bool,
    /// A plain SYN (SYN without ACK, RST, FIN), holdable or not.
    pub plain_syn: bool,
}

/// One way of a bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Way {
    #[default]
    Free,
    Held(HeldSyn),
    /// Released by a frame at this input cycle: no new SYN until the reservation has passed.
    Released(u64),
}

impl Way {
    /// The held record, if any.
    fn held(&self) -> Option<&HeldSyn> {
        match self {
            Way::Held(r) => Some(r),
            _ => None,
        }
    }

    /// A new SYN arriving at `cycle` may take this way.
    fn takeable(&self, cycle: u64) -> bool {
        match self {
            Way::Free => true,
            Way::Held(_) => false,
            Way::Released(at) => cycle >= at.saturating_add(RELEASE_RESERVE_CYCLES),
        }
    }

    /// The held record, taken out; the way becomes `then`.
    fn take(&mut self, then: Way) -> Option<HeldSyn> {
        match std::mem::replace(self, then) {
            Way::Held(r) => Some(r),
            other => {
                *self = other;
                None
            }
        }
    }
}

/// The table.
#[derive(Clone, Debug, Default)]
pub struct SynTable {
    buckets: HashMap<usize, [Way; SYN_WAYS]>,
    timeout_ns: u64,
}

impl SynTable {
    pub fn new(timeout_ns: u64) -> Self {
        SynTable {
            buckets: HashMap::new(),
            timeout_ns,
        }
    }

    /// Look `p` up; records of its bucket expired at its time are handed to `expired`.
    pub fn lookup(&mut self, p: &Probe, expired: &mut Vec<HeldSyn>) -> Lookup {
        let timeout = self.timeout_ns;
        let row = self.buckets.entry(syn_bucket(p.hash)).or_default();
        for way in row.iter_mut() {
            if way.held().is_some_and(|r| r.deadline(timeout) <= p.ts_ns) {
                expired.extend(way.take(Way::Free));
            }
        }
        if let Some(way) = row
            .iter_mut()
            .find(|w| w.held().is_some_and(|r| r.key == p.key))
        {
            if let Way::Held(rec) = way {
                if p.plain_syn && p.side == rec.side && p.seq == rec.isn {
                    rec.retransmissions = rec.retransmissions.saturating_add(1);
                    rec.last_ns = p.ts_ns;
                    return Lookup::Absorbed;
                }
            }
            if let Some(rec) = way.take(Way::Released(p.cycle)) {
                return Lookup::Release(rec);
            }
        }
        if !p.holdable {
            return Lookup::Miss;
        }
        match row.iter_mut().find(|w| w.takeable(p.cycle)) {
            Some(way) => {
                *way = Way::Held(HeldSyn {
                    input: p.input,
                    key: p.key,
                    side: p.side,
                    isn: p.seq,
                    ts_ns: p.ts_ns,
                    last_ns: p.ts_ns,
                    retransmissions: 0,
                });
                Lookup::Held
            }
            None => Lookup::Full,
        }
    }

    /// Records held now.
    pub fn held(&self) -> usize {
        self.buckets
            .values()
            .flatten()
            .filter(|w| w.held().is_some())
            .count()
    }

    /// Empty the table: every record, in table order (bucket, way), with why = expired for those
    /// whose deadline is at or before `now_ns`, flushed for the rest.
    pub fn flush(&mut self, now_ns: u64) -> Vec<Given> {
        let mut buckets: Vec<_> = self.buckets.drain().collect();
        buckets.sort_by_key(|(b, _)| *b);
        buckets
            .into_iter()
            .flat_map(|(_, row)| {
                row.into_iter().filter_map(|w| match w {
                    Way::Held(r) => Some(r),
                    _ => None,
                })
            })
            .map(|syn| {
                let why = if syn.deadline(self.timeout_ns) <= now_ns {
                    Why::Expired
                } else {
                    Why::Flushed
                };
                Given { syn, why }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(input: usize, from: u16, to: u16, seq: u32, ts_ns: u64, syn: bool) -> Probe {
        let (key, side) = SynKey::of(false, ([0; 16], from), ([0; 16], to));
        Probe {
            input,
            hash: 0x1234_5678,
            key,
            side,
            seq,
            ts_ns,
            cycle: ts_ns,
            holdable: syn,
            plain_syn: syn,
        }
    }

    #[test]
    fn hold_absorb_release() {
        let mut t = SynTable::new(1000);
        let mut gone = Vec::new();
        assert_eq!(
            t.lookup(&probe(0, 1, 80, 7, 0, true), &mut gone),
            Lookup::Held
        );
        assert_eq!(
            t.lookup(&probe(1, 1, 80, 7, 10, true), &mut gone),
            Lookup::Absorbed
        );
        let Lookup::Release(r) = t.lookup(&probe(2, 80, 1, 99, 20, false), &mut gone) else {
            panic!("the answer releases the SYN");
        };
        assert_eq!((r.input, r.retransmissions, r.last_ns), (0, 1, 10));
        assert!(gone.is_empty() && t.held() == 0);
    }

    #[test]
    fn a_new_isn_releases_and_passes() {
        let mut t = SynTable::new(1000);
        let mut gone = Vec::new();
        t.lookup(&probe(0, 1, 80, 7, 0, true), &mut gone);
        assert!(matches!(
            t.lookup(&probe(1, 1, 80, 8, 5, true), &mut gone),
            Lookup::Release(_)
        ));
        assert_eq!(
            t.held(),
            0,
            "the new SYN is not held: the monitor tracks the connection now"
        );
    }

    #[test]
    fn expiry_is_by_the_frames_time() {
        let mut t = SynTable::new(1000);
        let mut gone = Vec::new();
        t.lookup(&probe(0, 1, 80, 7, 0, true), &mut gone);
        // 999 ns later the record is live; at 1000 ns it has expired and the SYN is held anew.
        assert_eq!(
            t.lookup(&probe(1, 1, 80, 7, 999, true), &mut gone),
            Lookup::Absorbed
        );
        assert_eq!(
            t.lookup(&probe(2, 1, 80, 7, 1000, true), &mut gone),
            Lookup::Held
        );
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].retransmissions, 1);
    }

    #[test]
    fn a_full_bucket_refuses_and_flush_says_why() {
        let mut t = SynTable::new(1000);
        let mut gone = Vec::new();
        for i in 0..SYN_WAYS {
            assert_eq!(
                t.lookup(&probe(i, i as u16, 80, 1, i as u64, true), &mut gone),
                Lookup::Held
            );
        }
        assert_eq!(
            t.lookup(&probe(9, 9, 80, 1, 500, true), &mut gone),
            Lookup::Full
        );
        let out = t.flush(1001);
        assert_eq!(out.len(), SYN_WAYS);
        assert_eq!(out.iter().filter(|g| g.why == Why::Expired).count(), 2);
    }

    #[test]
    fn a_released_way_is_reserved_for_its_cycles() {
        let mut t = SynTable::new(u64::MAX);
        let mut gone = Vec::new();
        for i in 0..SYN_WAYS {
            t.lookup(&probe(i, i as u16, 80, 1, 0, true), &mut gone);
        }
        let mut answer = probe(9, 80, 0, 5, 0, false);
        answer.cycle = 100;
        assert!(matches!(t.lookup(&answer, &mut gone), Lookup::Release(_)));
        let mut new = probe(10, 50, 80, 1, 0, true);
        new.cycle = 100 + RELEASE_RESERVE_CYCLES - 1;
        assert_eq!(t.lookup(&new, &mut gone), Lookup::Full, "still reserved");
        new.cycle += 1;
        assert_eq!(t.lookup(&new, &mut gone), Lookup::Held, "reservation over");
    }
}
