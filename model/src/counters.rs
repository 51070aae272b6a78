//! Counters: the parse and tag blocks' 64-bit counters, keyed `"<block>.<counter>"` with the
//! names of `proto::regs`.

use crate::conn::ConnCounters as ConnStageCounters;
use crate::parse::Meta;
use crate::stats::conntable::ConnCounters;
use crate::stats::stage::StatsCounters;
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
    regs::BLOCKS
        .iter()
        .find(|b| b.base == base)
        .map_or("?", |b| b.name)
}

/// The parse block's counters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ParseCounters {
    frames: u64,
    bytes: u64,
    malformed: u64,
    flagged: u64,
    runt: u64,
    truncated: u64,
    bad_ihl: u64,
    keep_hole: u64,
    oversize: u64,
    mac_error: u64,
}

/// The tag block's counters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TagCounters {
    frames: u64,
    bytes: u64,
    malformed: u64,
    flagged: u64,
    tagged: u64,
}

impl ParseCounters {
    /// Count one frame (its beats as they arrived, and what parse found).
    pub fn count(&mut self, beats: &[Beat], meta: &Meta) {
        let bytes: u64 = beats.iter().map(|b| b.valid_bytes() as u64).sum();
        let hole = beats.iter().any(|b| !b.keep_is_contiguous());
        let oversize = bytes > MAX_FRAME_BYTES as u64;
        let mac_error = beats.last().is_some_and(|b| b.user);
        let f = meta.flags;
        let malformed = f.has(ParseFlags::TRUNCATED)
            || f.has(ParseFlags::BAD_IHL)
            || hole
            || oversize
            || mac_error;
        self.frames += 1;
        self.bytes += bytes;
        self.malformed += malformed as u64;
        self.flagged += f.is_flagged() as u64;
        self.runt += f.has(ParseFlags::RUNT) as u64;
        self.truncated += f.has(ParseFlags::TRUNCATED) as u64;
        self.bad_ihl += f.has(ParseFlags::BAD_IHL) as u64;
        self.keep_hole += hole as u64;
        self.oversize += oversize as u64;
        self.mac_error += mac_error as u64;
    }

    /// The value of the counter `proto::regs::parse::COUNTERS` calls `name`.
    fn get(&self, name: &str) -> Option<u64> {
        Some(match name {
            "frames" => self.frames,
            "bytes" => self.bytes,
            "malformed" => self.malformed,
            "flagged" => self.flagged,
            "runt" => self.runt,
            "truncated" => self.truncated,
            "bad_ihl" => self.bad_ihl,
            "keep_hole" => self.keep_hole,
            "oversize" => self.oversize,
            "mac_error" => self.mac_error,
            _ => return None,
        })
    }
}

impl TagCounters {
    /// Count one frame sent.
    pub fn count(&mut self, out: &LaneFrame, decision: TagDecision) {
        self.frames += 1;
        self.bytes += out.lanes.iter().flatten().count() as u64;
        self.malformed += (decision == TagDecision::TooShort) as u64;
        self.flagged += (decision == TagDecision::Backlog) as u64;
        self.tagged += (decision == TagDecision::Tagged) as u64;
    }

    /// The value of the counter `proto::regs::tag::COUNTERS` calls `name`.
    fn get(&self, name: &str) -> Option<u64> {
        Some(match name {
            "frames" => self.frames,
            "bytes" => self.bytes,
            "malformed" => self.malformed,
            "flagged" => self.flagged,
            "tagged" => self.tagged,
            _ => return None,
        })
    }
}

/// Every counter of the parse and tag blocks by `"<block>.<counter>"` (0 for a name the model
/// does not know, which a test rules out).
pub(crate) fn to_map(
    parse: &ParseCounters,
    tag: &TagCounters,
    stats: &StatsCounters,
    conns: &ConnCounters,
    conn: &ConnStageCounters,
) -> Counters {
    let mut c = Counters::new();
    for counter in regs::parse::COUNTERS {
        let key = format!("{}.{}", block_name(regs::parse::BASE), counter.name);
        c.insert(key, parse.get(counter.name).unwrap_or(0));
    }
    for counter in regs::tag::COUNTERS {
        let key = format!("{}.{}", block_name(regs::tag::BASE), counter.name);
        c.insert(key, tag.get(counter.name).unwrap_or(0));
    }
    for counter in regs::stats::COUNTERS {
        let key = format!("{}.{}", block_name(regs::stats::BASE), counter.name);
        c.insert(key, stats_counter(stats, conns, counter.name).unwrap_or(0));
    }
    // Named directly: the conn block joins `regs::BLOCKS` when the RTL has the stage.
    for counter in regs::conn::COUNTERS {
        c.insert(
            format!("conn.{}", counter.name),
            conn.get(counter.name).unwrap_or(0),
        );
    }
    c
}

fn stats_counter(s: &StatsCounters, c: &ConnCounters, name: &str) -> Option<u64> {
    Some(match name {
        "frames" => s.frames,
        "updates" => s.updates,
        "new_groups" => s.new_groups,
        "table_full" => s.table_full,
        "fanout" => s.fanout,
        "crossed" => s.crossed,
        "late" => s.late,
        "epochs" => s.epochs,
        "reports" => s.reports,
        "records" => s.records,
        "epochs_late" => s.epochs_late,
        "conn_frames" => c.frames,
        "conn_untracked" => c.untracked,
        "conns" => c.conns,
        "conn_full" => c.table_full,
        "conn_dropped" => c.dropped,
        "conn_records" => c.records,
        "conn_lost" => c.lost,
        "conn_reports" => c.reports(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_in_the_register_map_is_known_and_counted() {
        let (mut p, mut t) = (ParseCounters::default(), TagCounters::default());
        for c in regs::parse::COUNTERS {
            assert!(
                p.get(c.name).is_some(),
                "parse counter {} unknown to the model",
                c.name
            );
        }
        for c in regs::tag::COUNTERS {
            assert!(
                t.get(c.name).is_some(),
                "tag counter {} unknown to the model",
                c.name
            );
        }
        // 144 full beats and a last beat with a hole: 9218 bytes, oversize, hole, MAC error.
        let mut beats = vec![
            Beat {
                keep: u64::MAX,
                ..Beat::EMPTY
            };
            144
        ];
        beats.push(Beat {
            keep: 0b101,
            last: true,
            user: true,
            ..Beat::EMPTY
        });
        p.count(
            &beats,
            &Meta {
                flags: ParseFlags(0x3FF),
                ..Meta::default()
            },
        );
        for d in [
            TagDecision::Tagged,
            TagDecision::TooShort,
            TagDecision::Backlog,
        ] {
            t.count(&LaneFrame::from_bytes(&[0]), d);
        }
        for c in regs::stats::COUNTERS {
            assert!(
                stats_counter(&StatsCounters::default(), &ConnCounters::default(), c.name)
                    .is_some(),
                "stats counter {} unknown to the model",
                c.name
            );
        }
        let s = StatsCounters {
            frames: 1,
            updates: 1,
            new_groups: 1,
            table_full: 1,
            fanout: 1,
            crossed: 1,
            late: 1,
            epochs: 1,
            reports: 1,
            records: 1,
            epochs_late: 1,
        };
        let conns = ConnCounters {
            frames: 1,
            untracked: 1,
            conns: 1,
            table_full: 1,
            dropped: 1,
            records: 1,
            lost: 1,
        };
        let conn = ConnStageCounters {
            frames: 1,
            held: 1,
            retransmissions: 1,
            released: 1,
            late: 1,
            expired: 1,
            flushed: 1,
            fail_long: 1,
            fail_full: 1,
            fail_unclean: 1,
            regen_inline: 1,
            regen_lost: 1,
            kept: 1,
        };
        for c in regs::conn::COUNTERS {
            assert!(
                conn.get(c.name).is_some(),
                "conn counter {} unknown to the model",
                c.name
            );
        }
        let c = to_map(&p, &t, &s, &conns, &conn);
        assert_eq!(
            c.len(),
            regs::parse::COUNTERS.len()
                + regs::tag::COUNTERS.len()
                + regs::stats::COUNTERS.len()
                + regs::conn::COUNTERS.len()
        );
        assert!(c.contains_key("parse.frames") && c.contains_key("tag.tagged"));
        assert!(
            c.values().all(|v| *v > 0),
            "some counter is never counted: {c:?}"
        );
    }
}
