//! The session table's placement rule: which of a session's two candidate buckets takes it.
//! The stage keeps the sessions themselves; this keeps how full each bucket is, the state the
//! device's bucket lines hold (`vantage_proto::reasm::directory`).

use vantage_proto::reasm::SESSION_WAYS;

/// Sessions per bucket.
#[derive(Clone, Debug)]
pub struct Placement {
    fill: Vec<u8>,
}

impl Placement {
    /// `1 << bucket_bits` empty buckets.
    pub fn new(bucket_bits: u32) -> Self {
        Placement {
            fill: vec![0; 1usize << bucket_bits],
        }
    }

    /// Place a new session: the emptier of its candidate buckets that is not full, the first on
    /// a tie; None when both are full.
    pub fn place(&mut self, choices: [usize; 2]) -> Option<usize> {
        let b = choices
            .into_iter()
            .filter(|&b| usize::from(self.fill[b]) < SESSION_WAYS)
            .min_by_key(|&b| self.fill[b])?;
        self.fill[b] += 1;
        Some(b)
    }

    /// A session of bucket `b` ended.
    pub fn remove(&mut self, b: usize) {
        debug_assert!(self.fill[b] > 0, "bucket {b} has no session to remove");
        self.fill[b] = self.fill[b].saturating_sub(1);
    }

    /// Sessions in bucket `b`.
    pub fn fill(&self, b: usize) -> usize {
        usize::from(self.fill[b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emptier_first_then_the_first_choice_then_full() {
        let mut p = Placement::new(2);
        assert_eq!(p.place([1, 2]), Some(1));
        assert_eq!(p.place([1, 2]), Some(2));
        assert_eq!(p.place([1, 2]), Some(1));
        for _ in 0..5 {
            p.place([1, 2]);
        }
        assert_eq!((p.fill(1), p.fill(2)), (4, 4));
        assert_eq!(p.place([2, 1]), None);
        p.remove(2);
        assert_eq!(p.place([1, 2]), Some(2));
        assert_eq!(p.place([3, 3]), Some(3));
    }
}
