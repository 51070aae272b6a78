//! Counters: the parse and tag blocks' 64-bit counters, keyed `"<block>.<counter>"` with the
//! names of `proto::regs`.

use crate::parse::Meta;
use crate::tag::TagDecision;
use std::collections::BTreeMap;
use vantage_proto::axis::{Beat, LaneFrame};
use vantage_proto::datapath::MAX_FRAME_BYTES;
use vantage_proto::flags::ParseFlags;
use vantage_proto::regs;

/// Counter values by `"<block name>.<counter name>"`, e.g. `"parse.frames"`, `"tag.tagged"`.
pub type Counters = BTreeMap<String, u64>;

/// Name of a register block, as `proto::regs::BLOCKS` has it.
fn block_name(base: u16) -> &'static str {
    regs::BLOCKS.iter().find(|b| b.base == base).map_or("?", |b| b.name)
}

/// Every parse and tag counter, at 0.
pub(crate) fn zeroed() -> Counters {
    let mut c = Counters::new();
    for (base, list) in [(regs::parse::BASE, regs::parse::COUNTERS), (regs::tag::BASE, regs::tag::COUNTERS)] {
        for counter in list {
            c.insert(format!("{}.{}", block_name(base), counter.name), 0);
        }
    }
    c
}

fn add(c: &mut Counters, base: u16, name: &str, by: u64) {
    *c.entry(format!("{}.{}", block_name(base), name)).or_default() += by;
}

/// Parse counters for one frame (its beats as they arrived, and what parse found).
pub(crate) fn count_parse(c: &mut Counters, beats: &[Beat], meta: &Meta) {
    let base = regs::parse::BASE;
    let bytes: u64 = beats.iter().map(|b| b.valid_bytes() as u64).sum();
    let hole = beats.iter().any(|b| !b.keep_is_contiguous());
    let oversize = bytes > MAX_FRAME_BYTES as u64;
    let mac_error = beats.last().is_some_and(|b| b.user);
    let f = meta.flags;
    let malformed =
        f.has(ParseFlags::TRUNCATED) || f.has(ParseFlags::BAD_IHL) || hole || oversize || mac_error;
    add(c, base, "frames", 1);
    add(c, base, "bytes", bytes);
    add(c, base, "malformed", malformed as u64);
    add(c, base, "flagged", f.is_flagged() as u64);
    add(c, base, "runt", f.has(ParseFlags::RUNT) as u64);
    add(c, base, "truncated", f.has(ParseFlags::TRUNCATED) as u64);
    add(c, base, "bad_ihl", f.has(ParseFlags::BAD_IHL) as u64);
    add(c, base, "keep_hole", hole as u64);
    add(c, base, "oversize", oversize as u64);
    add(c, base, "mac_error", mac_error as u64);
}

/// Tag counters for one frame sent.
pub(crate) fn count_tag(c: &mut Counters, out: &LaneFrame, decision: TagDecision) {
    let base = regs::tag::BASE;
    add(c, base, "frames", 1);
    add(c, base, "bytes", out.lanes.iter().flatten().count() as u64);
    add(c, base, "malformed", (decision == TagDecision::TooShort) as u64);
    add(c, base, "flagged", (decision == TagDecision::Backlog) as u64);
    add(c, base, "tagged", (decision == TagDecision::Tagged) as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_we_bump_is_in_the_register_map() {
        let mut c = zeroed();
        let keys: Vec<String> = c.keys().cloned().collect();
        assert_eq!(keys.len(), regs::parse::COUNTERS.len() + regs::tag::COUNTERS.len());
        assert!(keys.contains(&"parse.frames".to_string()) && keys.contains(&"tag.tagged".to_string()));
        // 144 full beats and a last beat with a hole: 9218 bytes, oversize, hole, MAC error.
        let mut beats = vec![Beat { keep: u64::MAX, ..Beat::EMPTY }; 144];
        beats.push(Beat { keep: 0b101, last: true, user: true, ..Beat::EMPTY });
        count_parse(&mut c, &beats, &Meta { flags: ParseFlags(0x3FF), ..Meta::default() });
        for d in [TagDecision::Tagged, TagDecision::TooShort, TagDecision::Backlog] {
            count_tag(&mut c, &LaneFrame::from_bytes(&[0]), d);
        }
        let after: Vec<String> = c.keys().cloned().collect();
        assert_eq!(keys, after, "a counter name not in proto::regs was used");
        assert!(c.values().all(|v| *v > 0), "some counter is never bumped: {c:?}");
    }
}
