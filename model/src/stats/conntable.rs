//! The history rule's connection table as the hardware has it: `2^CONN_BUCKET_BITS` buckets of
//! `CONN_WAYS` entries, each a connection key and the history unit's state
//! (`proto::conntable`), one step of the unit per frame, and a record for every connection that
//! ends.
//!
//! ```text
//!  frame of the history rule ─► TCP/UDP segment ─► canonical key, side ─► bucket
//!    hit:  step the unit; if the held connection had ended, report it (the frame starts anew)
//!    miss: take the first way that is empty or whose connection is dead at the frame's time
//!          (report that one), else refuse the frame (table_full), nothing else touched
//!  flush: report every held connection, in table order (bucket, way)
//! ```
//! A dead connection (`HistState::dead`) would be ended by any later frame, so the hardware may
//! also sweep it out in the background at any time after it died: the records are the same,
//! only their order differs.

use std::collections::{BTreeMap, HashMap, VecDeque};

use vantage_proto::conntable::{
    canonical_key, conn_bucket, ConnRecord, CONN_OP_CYCLES, CONN_QUEUE, CONN_WAYS, MAX_CONN_RECORDS,
};
use vantage_proto::report::{ReportFrame, ReportInfo};
use vantage_proto::stats::{GroupKey, HASH_KEY_BYTES};

use super::hist::{packet_of, HistState};
use super::history::Segment;
use vantage_proto::hist::LIKELY_SERVER_TCP_PORTS;

/// The connection table's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnCounters {
    /// Frames of the history rule stepped through the unit.
    pub frames: u64,
    /// Frames of the history rule that are not TCP or UDP segments the unit can read.
    pub untracked: u64,
    /// Connections begun (a frame's first, or one after an ended connection).
    pub conns: u64,
    /// Frames refused: their bucket held `CONN_WAYS` live connections.
    pub table_full: u64,
    /// Frames dropped: the queue in front of the table was full.
    pub dropped: u64,
    /// Connection records handed out.
    pub records: u64,
    /// Records lost to a full record queue (the device's output decides; the model loses none).
    pub lost: u64,
}

impl ConnCounters {
    /// Connection report frames for the records (the device may send more, smaller ones).
    pub fn reports(&self) -> u64 {
        self.records.div_ceil(MAX_CONN_RECORDS as u64)
    }
}

/// The queue in front of the table, cycle by cycle: a frame pushed at the end of cycle `a`
/// steps the table at the first cycle after `a`, after the frame before it, and at least
/// `CONN_OP_CYCLES` after the last step of its bucket (its row must be written back first). A
/// frame that finds `CONN_QUEUE` frames waiting at the start of its cycle is dropped.
#[derive(Clone, Debug, Default)]
struct StepQueue {
    /// Step cycles of accepted frames that may still wait, oldest first.
    steps: VecDeque<u64>,
    last_step: Option<u64>,
    bucket_step: HashMap<usize, u64>,
}

impl StepQueue {
    /// Whether a frame of `bucket` pushed at the end of cycle `a` is taken.
    fn push(&mut self, a: u64, bucket: usize) -> bool {
        while self.steps.front().is_some_and(|&s| s < a) {
            self.steps.pop_front();
        }
        if self.steps.len() >= CONN_QUEUE {
            return false;
        }
        let mut step = a + 1;
        if let Some(l) = self.last_step {
            step = step.max(l + 1);
        }
        if let Some(&b) = self.bucket_step.get(&bucket) {
            step = step.max(b + CONN_OP_CYCLES as u64);
        }
        self.steps.push_back(step);
        self.last_step = Some(step);
        self.bucket_step.insert(bucket, step);
        true
    }
}

/// One held connection.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Held {
    key: GroupKey,
    state: HistState,
}

/// The bounded connection table.
#[derive(Clone, Debug)]
pub struct ConnTable {
    hash_key: [u8; HASH_KEY_BYTES],
    /// Zeek's `likely_server_ports` (TCP).
    server_ports: Vec<u16>,
    rows: BTreeMap<usize, [Option<Held>; CONN_WAYS]>,
    queue: StepQueue,
    pub counters: ConnCounters,
    /// Records of ended connections, in the order they ended.
    pub ended: Vec<ConnRecord>,
}

impl ConnTable {
    /// A table with Zeek's default `likely_server_ports`.
    pub fn new(hash_key: [u8; HASH_KEY_BYTES]) -> Self {
        Self::with_server_ports(hash_key, LIKELY_SERVER_TCP_PORTS)
    }

    /// A table with another `likely_server_ports` set.
    pub fn with_server_ports(hash_key: [u8; HASH_KEY_BYTES], server_ports: &[u16]) -> Self {
        ConnTable {
            hash_key,
            server_ports: server_ports.to_vec(),
            rows: BTreeMap::new(),
            queue: StepQueue::default(),
            counters: ConnCounters::default(),
            ended: Vec::new(),
        }
    }

    /// One frame of history rule `rule` with ingress time `ts` (`v6`: the frame is IPv6) whose
    /// last beat reached the stage in cycle `end_cycle`.
    pub fn track(&mut self, rule: u8, ts: u64, v6: bool, seg: &Segment, end_cycle: u64) {
        let Some(pkt) = packet_of(ts, seg, &self.server_ports) else {
            self.counters.untracked += 1;
            return;
        };
        let (key, _) = canonical_key(rule, seg.ip_proto, v6, seg.src, seg.dst);
        let bucket = conn_bucket(&self.hash_key, &key);
        if !self.queue.push(end_cycle, bucket) {
            self.counters.dropped += 1;
            return;
        }
        let row = self.rows.entry(bucket).or_default();
        let mut ended = Vec::new();
        if let Some(held) = row.iter_mut().flatten().find(|h| h.key == key) {
            let before = held.state.clone();
            if held.state.step(false, &pkt) {
                ended.push(record(&key, &before));
                self.counters.conns += 1;
            }
        } else {
            let free = row
                .iter()
                .position(|w| w.as_ref().is_none_or(|h| h.state.dead(ts)));
            let Some(way) = free else {
                self.counters.table_full += 1;
                return;
            };
            if let Some(old) = row[way].take() {
                ended.push(record(&old.key, &old.state));
            }
            row[way] = Some(Held {
                key,
                state: HistState::first(&pkt),
            });
            self.counters.conns += 1;
        }
        self.counters.frames += 1;
        self.report(ended);
    }

    /// Report and drop every connection dead at `now` (what the hardware's background sweep
    /// does, bucket by bucket, with `now` behind every frame still to be stepped).
    pub fn sweep(&mut self, now: u64) {
        let mut dead = Vec::new();
        for row in self.rows.values_mut() {
            for way in row.iter_mut() {
                if way.as_ref().is_some_and(|h| h.state.dead(now)) {
                    let h = way.take().expect("checked above");
                    dead.push(record(&h.key, &h.state));
                }
            }
        }
        self.report(dead);
    }

    /// Report and drop every held connection, in table order.
    pub fn flush(&mut self) {
        let rows = std::mem::take(&mut self.rows);
        let all = rows
            .values()
            .flat_map(|row| row.iter().flatten().map(|h| record(&h.key, &h.state)))
            .collect();
        self.report(all);
    }

    /// Connections held now.
    pub fn held(&self) -> usize {
        self.rows.values().flatten().flatten().count()
    }

    fn report(&mut self, records: Vec<ConnRecord>) {
        self.counters.records += records.len() as u64;
        self.ended.extend(records);
    }
}

/// Connection records as report frames of up to `MAX_CONN_RECORDS` each, numbered from 0 (the
/// device may cut them smaller to fit gaps in the traffic; the records and their order within
/// what it sends are the same).
pub fn report_frames(records: &[ConnRecord]) -> Vec<ReportFrame> {
    let mut sent = 0u32;
    records
        .chunks(MAX_CONN_RECORDS)
        .enumerate()
        .map(|(i, c)| {
            sent = sent.wrapping_add(c.len() as u32);
            ReportFrame {
                info: ReportInfo {
                    records: c.len() as u16,
                    index: i as u16,
                    epoch_records: sent,
                    connections: true,
                    ..Default::default()
                },
                records: Vec::new(),
                connections: c.to_vec(),
            }
        })
        .collect()
}

/// The record of a held connection: its key turned to the originator's view, its history and
/// its counts by role.
pub fn record(key: &GroupKey, s: &HistState) -> ConnRecord {
    let mut oriented = *key;
    if s.orig == 1 {
        (oriented.src, oriented.sport, oriented.dst, oriented.dport) =
            (key.dst, key.dport, key.src, key.sport);
    }
    let mut history = s.history();
    if s.over {
        history.pop(); // the '+' is the overflow flag's
    }
    let [orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes] = s.counts();
    ConnRecord {
        key: oriented,
        start_ns: s.start_ns,
        last_ns: s.last_ns,
        history,
        overflow: s.over,
        orig_pkts,
        orig_ip_bytes,
        resp_pkts,
        resp_ip_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::TcpFields;
    use vantage_proto::hist::timer;
    use vantage_proto::stats::DEFAULT_HASH_KEY;

    const SEC: u64 = 1_000_000_000;

    fn seg(src: u8, sport: u16, dst: u8, dport: u16, flags: u8, seq: u32, ack: u32) -> Segment {
        let addr = |b: u8| {
            let mut a = [0u8; 16];
            a[15] = b;
            a
        };
        Segment {
            src: (addr(src), sport),
            dst: (addr(dst), dport),
            ip_proto: 6,
            ip_total_len: 40,
            payload_len: 0,
            tcp: Some(TcpFields {
                seq,
                ack,
                flags,
                window: 1000,
                data_offset: 5,
            }),
        }
    }

    /// Frame end cycles far apart: the queue never fills.
    fn next() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static CYCLE: AtomicU64 = AtomicU64::new(0);
        CYCLE.fetch_add(1000, Ordering::Relaxed)
    }

    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const RST: u8 = 0x04;

    #[test]
    fn a_bucket_stepped_back_to_back_fills_the_queue() {
        let mut t = ConnTable::new(DEFAULT_HASH_KEY);
        // One connection, a frame ending every cycle k (k = 0..40): frame j steps at cycle
        // 1 + 10j, so frame k finds waiting every earlier frame j with 1 + 10j >= k. Frames 0..17
        // are taken (frame 17 finds 15 waiting), 18..21 find 16 and are dropped, then one in ten
        // gets in as a step frees a place (frames 22 and 32).
        for c in 0..40u64 {
            t.track(0, c, false, &seg(9, 4000, 1, 80, ACK, 100, 0), 5000 + c);
        }
        assert_eq!(CONN_QUEUE, 16);
        assert_eq!(CONN_OP_CYCLES, 10);
        assert_eq!((t.counters.frames, t.counters.dropped), (20, 20));
        // Two connections in different buckets interleave without waiting for each other.
        let mut u = ConnTable::new(DEFAULT_HASH_KEY);
        for c in 0..20u64 {
            let host = if c % 2 == 0 { 9 } else { 10 };
            u.track(
                0,
                c,
                false,
                &seg(host, 4000, 1, 80, ACK, 100, 0),
                9000 + 5 * c,
            );
        }
        assert_eq!(u.counters.dropped, 0);
    }

    #[test]
    fn a_handshake_is_one_connection_reported_at_flush() {
        let mut t = ConnTable::new(DEFAULT_HASH_KEY);
        t.track(0, 0, false, &seg(9, 4000, 1, 80, SYN, 100, 0), next());
        t.track(
            0,
            1,
            false,
            &seg(1, 80, 9, 4000, SYN | ACK, 500, 101),
            next(),
        );
        t.track(0, 2, false, &seg(9, 4000, 1, 80, ACK, 101, 501), next());
        assert_eq!((t.held(), t.counters.conns, t.counters.frames), (1, 1, 3));
        assert!(t.ended.is_empty());
        t.flush();
        let r = &t.ended[0];
        assert_eq!(r.history, "ShA");
        assert_eq!(
            (r.key.src[15], r.key.sport, r.key.dst[15], r.key.dport),
            (9, 4000, 1, 80)
        );
        assert_eq!((r.orig_pkts, r.resp_pkts, r.orig_ip_bytes), (2, 1, 80));
        assert_eq!((r.start_ns, r.last_ns), (0, 2));
        assert_eq!(t.held(), 0);
    }

    #[test]
    fn an_inactive_connection_ends_at_its_next_frame() {
        let mut t = ConnTable::new(DEFAULT_HASH_KEY);
        t.track(0, 0, false, &seg(9, 4000, 1, 80, SYN, 100, 0), next());
        let later = timer::UDP_INACTIVITY + 1;
        t.track(0, later, false, &seg(9, 4000, 1, 80, SYN, 100, 0), next());
        assert_eq!(t.ended.len(), 1, "the first attempt is reported");
        assert_eq!(t.ended[0].history, "S");
        assert_eq!((t.counters.conns, t.held()), (2, 1));
    }

    #[test]
    fn a_full_bucket_refuses_until_a_connection_dies() {
        // A zero hash key puts every connection in bucket 0.
        let mut t = ConnTable::new([0; HASH_KEY_BYTES]);
        for host in 0..CONN_WAYS as u8 {
            t.track(0, 0, false, &seg(10 + host, 4000, 1, 80, SYN, 1, 0), next());
        }
        t.track(0, SEC, false, &seg(99, 4000, 1, 80, SYN, 1, 0), next());
        assert_eq!((t.counters.table_full, t.held()), (1, CONN_WAYS));
        // Reset one: its delete timer runs out after tcp_close_delay... and an unanswered attempt
        // is dead after tcp_attempt_delay, so at 6 s every first SYN is dead.
        t.track(
            0,
            2 * SEC,
            false,
            &seg(1, 80, 10, 4000, RST | ACK, 0, 2),
            next(),
        );
        let after = timer::ATTEMPT_DELAY + SEC;
        t.track(0, after, false, &seg(99, 4000, 1, 80, SYN, 1, 0), next());
        assert_eq!(t.counters.table_full, 1, "a dead connection's way is free");
        assert_eq!(t.ended.len(), 1, "the way's old connection is reported");
        assert_eq!(t.held(), CONN_WAYS);
    }
}
