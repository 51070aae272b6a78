//! The segment store: the frames the stage holds above holes, one slot each, under two global
//! bounds (slots and bytes), with random eviction when either is reached.
//!
//! ```text
//!  slots 0..N   free list: FIFO of slot numbers, 0..N at reset; a freed slot goes to its back
//!  owner[slot]  the (session, direction) whose hole the frame waits above, or free
//!  eviction     victim = owner of slot (lfsr % N), or of the next used slot above it (wrapping);
//!               lfsr: 32-bit Galois LFSR, mask 0x8020_0003, stepped once per eviction
//! ```
//! An attacker who fills the store cannot choose whose held bytes go out as a gap: the victim
//! is a random held frame's connection, so a connection loses its hole in proportion to the
//! store it takes (Dharmapurikar & Paxson's random eviction).

use std::collections::VecDeque;
use vantage_proto::conn::SynKey;

/// Feedback mask of the eviction LFSR (x^32 + x^22 + x^2 + x + 1).
pub const LFSR_MASK: u32 = 0x8020_0003;
/// The LFSR's value after reset (any value but 0).
pub const LFSR_SEED: u32 = 0xACE1_2468;

/// Who a slot belongs to: a session and a direction.
pub type Owner = (SynKey, u8);

#[derive(Clone, Debug)]
pub struct Store {
    owner: Vec<Option<Owner>>,
    free: VecDeque<usize>,
    bytes_cap: u64,
    pub bytes: u64,
    pub peak_slots: usize,
    pub peak_bytes: u64,
    lfsr: u32,
}

impl Store {
    pub fn new(slots: usize, bytes_cap: u64) -> Self {
        Store {
            owner: vec![None; slots],
            free: (0..slots).collect(),
            bytes_cap,
            bytes: 0,
            peak_slots: 0,
            peak_bytes: 0,
            lfsr: LFSR_SEED,
        }
    }

    pub fn used(&self) -> usize {
        self.owner.len() - self.free.len()
    }

    /// Whether a frame of `bytes` could ever be held (the store is big enough when empty).
    pub fn could_hold(&self, bytes: u64) -> bool {
        !self.owner.is_empty() && bytes <= self.bytes_cap
    }

    /// The slot `alloc` would give a frame of `bytes` now, None when a bound is reached.
    pub fn peek(&self, bytes: u64) -> Option<usize> {
        if self.bytes + bytes > self.bytes_cap {
            return None;
        }
        self.free.front().copied()
    }

    /// A slot for a frame of `bytes`, None when a bound is reached.
    pub fn alloc(&mut self, owner: Owner, bytes: u64) -> Option<usize> {
        if self.bytes + bytes > self.bytes_cap {
            return None;
        }
        let slot = self.free.pop_front()?;
        self.owner[slot] = Some(owner);
        self.bytes += bytes;
        self.peak_slots = self.peak_slots.max(self.used());
        self.peak_bytes = self.peak_bytes.max(self.bytes);
        Some(slot)
    }

    pub fn release(&mut self, slot: usize, bytes: u64) {
        debug_assert!(self.owner[slot].is_some(), "slot {slot} freed twice");
        self.owner[slot] = None;
        self.bytes -= bytes;
        self.free.push_back(slot);
    }

    /// The owner of a random held frame, None when the store holds none.
    pub fn victim(&mut self) -> Option<Owner> {
        if self.used() == 0 {
            return None;
        }
        let lsb = self.lfsr & 1;
        self.lfsr >>= 1;
        if lsb != 0 {
            self.lfsr ^= LFSR_MASK;
        }
        let n = self.owner.len();
        let start = self.lfsr as usize % n;
        (0..n).find_map(|k| self.owner[(start + k) % n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_and_slots_come_back() {
        let owner = (SynKey::default(), 0);
        let mut s = Store::new(2, 100);
        let a = s.alloc(owner, 60).unwrap();
        assert_eq!(s.alloc(owner, 60), None, "byte bound");
        let b = s.alloc(owner, 40).unwrap();
        assert_eq!(s.alloc(owner, 0), None, "slot bound");
        s.release(a, 60);
        assert_eq!(s.alloc(owner, 10), Some(a));
        assert_ne!(a, b);
        assert_eq!((s.peak_slots, s.peak_bytes), (2, 100));
    }

    #[test]
    fn victims_are_spread_over_the_owners() {
        let mut s = Store::new(64, u64::MAX);
        for k in 0..64u16 {
            let key = SynKey {
                low: ([0; 16], k),
                ..SynKey::default()
            };
            s.alloc((key, 0), 1).unwrap();
        }
        let mut seen = std::collections::HashSet::new();
        for _ in 0..512 {
            seen.insert(s.victim().unwrap().0.low.1);
        }
        assert!(
            seen.len() > 48,
            "only {} of 64 owners were ever chosen",
            seen.len()
        );
    }
}
