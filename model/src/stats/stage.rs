//! The stats stage as the hardware has it: the rule table as register words, a bounded group table
//! of `BANKS` banks of `2^BUCKET_BITS` buckets of `WAYS` entries, one update per lane per frame,
//! and the news a frame carries to the tag stage (docs/pipeline.md, "stats").
//!
//! ```text
//!  frame facts ─► every rule's match (register words) ─► feed: matches up to the first `first`
//!             ─► per lane: the first fed rule updates its group; later fed rules of the lane are
//!                uncounted (fanout) ─► bucket = locate(key); hit, else the first empty way,
//!                else uncounted (table_full) ─► packets += 1, bytes += frame bytes,
//!                threshold crossed and not yet this epoch: the frame carries the news
//! ```
//! A frame is counted when its last beat arrives; frames are counted in order. `StatsTable` is
//! the unbounded statement of the same counting, which this one equals while no bucket fills.
//!
//! A rule with the HISTORY bit takes no lane: the frames it is fed go to the connection table
//! (`conntable`), which keeps Zeek's history per connection and reports each when it ends.
//!
//! Epochs (when armed): a frame counts in the epoch of its ingress time (the TIMESTAMP tag).
//! Boundaries are `EPOCH_START + k * EPOCH_NS`; a boundary closes its epoch when the first frame
//! at or past it ends, or `EPOCH_GUARD_NS` after it on a quiet link. Closing hands every held
//! group out as a record, in table order (bucket, bank, way), and starts the next epoch empty.

use super::conntable::ConnTable;
use super::rules::{FrameFacts, GroupKey};
use std::collections::HashMap;
use vantage_proto::flags::ParseFlags;
use vantage_proto::report::{Record, ReportFrame, ReportInfo, EPOCH_GUARD_NS, MAX_RECORDS};
use vantage_proto::stats::{
    control, locate, word, Entry, Location, RuleWords, DEFAULT_HASH_KEY, HASH_KEY_BYTES, LANES,
    RULES, RULE_WORDS, WAYS,
};

/// The stats block's registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsConfig {
    /// CONTROL bit 0.
    pub enabled: bool,
    /// LANE_BITS (2 bits; 3 acts as 2).
    pub lane_bits: u32,
    /// HASH_KEY0..10 as bytes.
    pub hash_key: [u8; HASH_KEY_BYTES],
    /// The rule table, `RULES` rules.
    pub rules: Vec<RuleWords>,
    /// CONTROL bit 1, armed before the first frame.
    pub epochs: bool,
    /// EPOCH_NS (0: no epochs).
    pub epoch_ns: u64,
    /// EPOCH_START.
    pub epoch_start: u64,
}

impl StatsConfig {
    /// The enabled rule that keeps connection history, if any.
    pub fn history_rule(&self) -> Option<usize> {
        let on = control::ENABLED | control::HISTORY;
        self.rules.iter().position(|w| w[word::CONTROL] & on == on)
    }
}

impl Default for StatsConfig {
    /// The registers after reset: counting off, no rules.
    fn default() -> Self {
        StatsConfig {
            enabled: false,
            lane_bits: 2,
            hash_key: DEFAULT_HASH_KEY,
            rules: vec![[0; RULE_WORDS]; RULES],
            epochs: false,
            epoch_ns: 0,
            epoch_start: 0,
        }
    }
}

/// What the stats stage tells the tag stage about a frame (bit r = rule r).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct News {
    /// The frame crossed these rules' thresholds (first time for its group this epoch).
    pub crossed: u32,
    /// These rules should have counted the frame but could not.
    pub uncounted: u32,
}

impl News {
    /// Whether the frame carries a STATS tag.
    pub fn any(&self) -> bool {
        self.crossed | self.uncounted != 0
    }
}

/// The stats counters (`proto::regs::stats::COUNTERS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsCounters {
    pub frames: u64,
    pub updates: u64,
    pub new_groups: u64,
    pub table_full: u64,
    pub fanout: u64,
    pub crossed: u64,
    pub late: u64,
    pub epochs: u64,
    pub reports: u64,
    pub records: u64,
    pub epochs_late: u64,
}

/// What an epoch's report frames say, together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochReport {
    pub epoch: u32,
    /// The boundary that closed it, ns.
    pub end_ns: u64,
    pub epoch_ns: u64,
    /// Updates refused in the epoch (table full, fanout), modulo 2^32.
    pub refused: u32,
    /// Every group held, in table order.
    pub records: Vec<Record>,
    /// How many frames ended before the one that closed the epoch (all of them on a quiet link).
    pub closed_after: usize,
}

impl EpochReport {
    /// As report frames of `MAX_RECORDS` records each (at least one frame). The device may cut
    /// them smaller to fit gaps in the traffic; the records and their order are the same.
    pub fn frames(&self) -> Vec<ReportFrame> {
        let chunks: Vec<&[Record]> = if self.records.is_empty() {
            vec![&[]]
        } else {
            self.records.chunks(MAX_RECORDS).collect()
        };
        let mut sent = 0u32;
        let last = chunks.len() - 1;
        chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                sent += c.len() as u32;
                let info = ReportInfo {
                    epoch: self.epoch,
                    records: c.len() as u16,
                    index: i as u16,
                    last: i == last,
                    epoch_end_ns: self.end_ns,
                    epoch_ns: self.epoch_ns,
                    epoch_records: sent,
                    refused: self.refused,
                    connections: false,
                };
                ReportFrame {
                    info,
                    records: c.to_vec(),
                    connections: Vec::new(),
                }
            })
            .collect()
    }
}

/// The bounded group table and its counters.
#[derive(Clone, Debug)]
pub struct StatsStage {
    config: StatsConfig,
    rows: HashMap<Location, [Entry; WAYS]>,
    pub counters: StatsCounters,
    /// The current epoch and the boundary that will close it.
    epoch: u32,
    bound: u64,
    refused: u32,
    frames_ended: usize,
    /// Reports of the closed epochs, oldest first.
    pub reports: Vec<EpochReport>,
    /// The history rule's connections.
    pub conns: ConnTable,
}

impl StatsStage {
    pub fn new(config: StatsConfig) -> Self {
        let bound = config.epoch_start;
        let conns = ConnTable::new(config.hash_key);
        StatsStage {
            config,
            rows: HashMap::new(),
            counters: StatsCounters::default(),
            epoch: 0,
            bound,
            refused: 0,
            frames_ended: 0,
            reports: Vec::new(),
            conns,
        }
    }

    fn epochs_on(&self) -> bool {
        self.config.epochs && self.config.epoch_ns != 0
    }

    /// A frame with ingress time `ts_ns` ends: close every epoch whose boundary it is past.
    pub fn frame_ends_at(&mut self, ts_ns: u64) {
        while self.epochs_on() && ts_ns >= self.bound {
            self.close_epoch();
        }
        self.frames_ended += 1;
    }

    /// Nothing more arrives before time `now_ns`: close the epochs a quiet link closes.
    pub fn quiet_until(&mut self, now_ns: u64) {
        while self.epochs_on() && now_ns >= self.bound.saturating_add(EPOCH_GUARD_NS) {
            self.close_epoch();
        }
    }

    /// The current epoch number.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    fn close_epoch(&mut self) {
        let mut locs: Vec<Location> = self.rows.keys().copied().collect();
        locs.sort_by_key(|l| (l.bucket, l.bank));
        let records: Vec<Record> = locs
            .iter()
            .flat_map(|l| {
                self.rows[l]
                    .iter()
                    .filter(|e| e.valid)
                    .map(Record::of_entry)
                    .collect::<Vec<_>>()
            })
            .collect();
        self.counters.epochs += 1;
        self.counters.records += records.len() as u64;
        self.counters.reports += records
            .len()
            .div_ceil(vantage_proto::report::MAX_RECORDS)
            .max(1) as u64;
        self.reports.push(EpochReport {
            epoch: self.epoch,
            end_ns: self.bound,
            epoch_ns: self.config.epoch_ns,
            refused: self.refused,
            records,
            closed_after: self.frames_ended,
        });
        self.rows.clear();
        self.epoch = self.epoch.wrapping_add(1);
        self.bound = self.bound.wrapping_add(self.config.epoch_ns);
        self.refused = 0;
    }

    /// Count one frame of `bytes` bytes (kept lanes) and say what its STATS tag holds.
    pub fn count(&mut self, f: &FrameFacts, bytes: u64) -> News {
        let mut news = News::default();
        if !self.config.enabled {
            return news;
        }
        self.counters.frames += 1;
        let mut lane_taken = [false; LANES];
        let mut tracked = false;
        for (r, key) in fed_rules(&self.config.rules, f) {
            let w = &self.config.rules[r];
            if w[word::CONTROL] & control::HISTORY != 0 {
                // One connection-table step per frame: a second history rule (only hand-written
                // registers have one) is refused as a second rule of one lane is.
                if std::mem::replace(&mut tracked, true) {
                    self.counters.fanout += 1;
                    self.refused = self.refused.wrapping_add(1);
                    news.uncounted |= 1 << r;
                } else {
                    self.track(r as u8, f);
                }
                continue;
            }
            // Lane bits beyond the lanes in use are ignored (those rules share a lane).
            let lane_bits = self.config.lane_bits.min(2);
            let lane =
                ((w[word::CONTROL] >> control::LANE_SHIFT) & ((1 << lane_bits) - 1)) as usize;
            if std::mem::replace(&mut lane_taken[lane], true) {
                self.counters.fanout += 1;
                self.refused = self.refused.wrapping_add(1);
                news.uncounted |= 1 << r;
                continue;
            }
            match self.update(lane, key, bytes, thresholds(w)) {
                Updated::Counted { crossed } => {
                    self.counters.updates += 1;
                    if crossed {
                        self.counters.crossed += 1;
                        news.crossed |= 1 << r;
                    }
                }
                Updated::Full => {
                    self.counters.table_full += 1;
                    self.refused = self.refused.wrapping_add(1);
                    news.uncounted |= 1 << r;
                }
            }
        }
        news
    }

    /// A frame fed to history rule `rule`.
    fn track(&mut self, rule: u8, f: &FrameFacts) {
        let v6 = f.meta.flags.has(ParseFlags::IPV6);
        match &f.segment {
            Some(seg) => self.conns.track(rule, f.ts_ns, v6, seg, f.end_cycle),
            None => self.conns.counters.untracked += 1,
        }
    }

    /// A frame whose first beat left before its news was known.
    pub fn count_late(&mut self) {
        self.counters.late += 1;
    }

    fn update(
        &mut self,
        lane: usize,
        key: GroupKey,
        bytes: u64,
        (thr_packets, thr_bytes): (u64, u64),
    ) -> Updated {
        let loc = locate(
            &self.config.hash_key,
            &key,
            lane,
            self.config.lane_bits.min(2),
        );
        let row = self.rows.entry(loc).or_default();
        let way = match row.iter().position(|e| e.valid && e.key == key) {
            Some(w) => w,
            None => match row.iter().position(|e| !e.valid) {
                Some(w) => {
                    row[w] = Entry {
                        valid: true,
                        key,
                        ..Default::default()
                    };
                    self.counters.new_groups += 1;
                    w
                }
                None => return Updated::Full,
            },
        };
        let e = &mut row[way];
        e.packets = e.packets.wrapping_add(1);
        e.bytes = e.bytes.wrapping_add(bytes);
        let over = (thr_packets != 0 && e.packets >= thr_packets)
            || (thr_bytes != 0 && e.bytes >= thr_bytes);
        let crossed = over && !e.crossed;
        e.crossed |= over;
        Updated::Counted { crossed }
    }

    /// The row at a bank and bucket (what PEEK reads).
    pub fn row(&self, loc: Location) -> [Entry; WAYS] {
        self.rows.get(&loc).copied().unwrap_or_default()
    }

    /// Every row holding a group.
    pub fn rows(&self) -> impl Iterator<Item = (&Location, &[Entry; WAYS])> {
        self.rows.iter().filter(|(_, r)| r.iter().any(|e| e.valid))
    }
}

enum Updated {
    Counted { crossed: bool },
    Full,
}

/// The rules a frame feeds with its group in each, in rule order: every matching rule up to and
/// including the first matching rule marked `first`.
pub fn fed_rules(rules: &[RuleWords], f: &FrameFacts) -> Vec<(usize, GroupKey)> {
    let mut out = Vec::new();
    for (r, w) in rules.iter().enumerate() {
        if let Some(key) = group_of(w, r as u8, f) {
            out.push((r, key));
            if w[word::CONTROL] & control::FIRST != 0 {
                break;
            }
        }
    }
    out
}

/// The frame's group in the rule with these register words, or None when the rule does not
/// count it: the register encoding's meaning, stated directly.
pub fn group_of(w: &RuleWords, index: u8, f: &FrameFacts) -> Option<GroupKey> {
    use control::*;
    let ctl = w[word::CONTROL];
    let m = f.meta;
    let (v4, v6) = (m.flags.has(ParseFlags::IPV4), m.flags.has(ParseFlags::IPV6));
    let needs = [
        (NEED_IP, f.ip_ok),
        (NEED_PORTS, m.flags.has(ParseFlags::PORTS)),
        (NEED_TCP, m.tcp.is_some()),
        (NEED_V4, v4),
        (NEED_V6, v6),
    ];
    if ctl & ENABLED == 0 || needs.iter().any(|&(bit, ok)| ctl & bit != 0 && !ok) {
        return None;
    }
    let byte = |shift: u32| (w[word::INGRESS_PROTO] >> shift) as u8;
    let flags = m.tcp.map_or(0, |t| t.flags);
    let key = GroupKey {
        rule: index,
        v6: ctl & (GROUP_SRC | GROUP_DST) != 0 && v6,
        ingress_port: field(f.ingress_port, byte(0), byte(8), ctl & GROUP_INGRESS != 0)?,
        proto: field(m.ip_proto, byte(16), byte(24), ctl & GROUP_PROTO != 0)?,
        tcp_flags: field(
            flags,
            w[word::FLAGS] as u8,
            (w[word::FLAGS] >> 8) as u8,
            ctl & GROUP_FLAGS != 0,
        )?,
        sport: field(
            m.sport,
            (w[word::SPORT] >> 16) as u16,
            w[word::SPORT] as u16,
            ctl & GROUP_SPORT != 0,
        )?,
        dport: field(
            m.dport,
            (w[word::DPORT] >> 16) as u16,
            w[word::DPORT] as u16,
            ctl & GROUP_DPORT != 0,
        )?,
        src: address(
            m.src,
            &w[word::SRC..word::SRC + 9],
            ctl & GROUP_SRC != 0,
            v6,
        )?,
        dst: address(
            m.dst,
            &w[word::DST..word::DST + 9],
            ctl & GROUP_DST != 0,
            v6,
        )?,
    };
    Some(key)
}

/// A numeric field: grouped, `x & mask` goes into the key; else it must equal `value` under the
/// mask and adds 0.
fn field<T>(x: T, value: T, mask: T, group: bool) -> Option<T>
where
    T: Copy + Default + PartialEq + std::ops::BitAnd<Output = T>,
{
    if group {
        Some(x & mask)
    } else {
        (x & mask == value).then(T::default)
    }
}

/// An address field from its 9 words (value, mask, IPv4 group mask).
fn address(a: [u8; 16], w: &[u32], group: bool, v6: bool) -> Option<[u8; 16]> {
    let words = |k: usize| (0..4).fold(0u128, |acc, i| acc << 32 | u128::from(w[k + i]));
    let (value, mask, v4_group) = (
        words(word::ADDR_VALUE),
        words(word::ADDR_MASK),
        u128::from(w[word::ADDR_V4_GROUP]),
    );
    let a = u128::from_be_bytes(a);
    if group {
        Some((a & if v6 { mask } else { v4_group }).to_be_bytes())
    } else {
        (a & mask == value).then_some([0; 16])
    }
}

fn thresholds(w: &RuleWords) -> (u64, u64) {
    let u64_at = |i: usize| u64::from(w[i]) | u64::from(w[i + 1]) << 32;
    (
        u64_at(word::THRESHOLD_PACKETS),
        u64_at(word::THRESHOLD_BYTES),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_frame;
    use crate::stats::rules::groups_of;
    use vantage_proto::flowhash::DEFAULT_KEY;
    use vantage_proto::rules::parse_rules;
    use vantage_proto::stats::encode;

    fn tcp(src: [u8; 4], sport: u16, dport: u16, flags: u8) -> Vec<u8> {
        let mut f = vec![0u8; 60];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[16..18].copy_from_slice(&40u16.to_be_bytes());
        f[23] = 6;
        f[26..30].copy_from_slice(&src);
        f[30..34].copy_from_slice(&[192, 0, 2, 1]);
        f[34..36].copy_from_slice(&sport.to_be_bytes());
        f[36..38].copy_from_slice(&dport.to_be_bytes());
        f[46] = 0x50;
        f[47] = flags;
        f
    }

    fn stage(rules: &str, hash_key: [u8; HASH_KEY_BYTES]) -> StatsStage {
        let enc = encode(&parse_rules(rules).unwrap()).unwrap();
        let mut words = enc.rules.clone();
        words.resize(RULES, [0; RULE_WORDS]);
        StatsStage::new(StatsConfig {
            enabled: true,
            lane_bits: enc.lane_bits,
            hash_key,
            rules: words,
            ..Default::default()
        })
    }

    fn feed(s: &mut StatsStage, frame: &[u8]) -> News {
        let meta = parse_frame(frame, &DEFAULT_KEY);
        s.count(&FrameFacts::new(&meta), frame.len() as u64)
    }

    const FIGURE1: &str = r#"{"epoch_ms": 1000, "rules": [
        {"name": "ssh per source", "dst_port": 22, "src_ip": "group", "threshold": {"packets": 3}},
        {"name": "syn from 10/8", "src_ip": "10.0.0.0/8", "tcp_flags": "SYN", "src_port": "group", "dst_port": "group"}]}"#;

    #[test]
    fn encoded_rules_feed_the_groups_the_rule_file_says() {
        let set = parse_rules(FIGURE1).unwrap();
        let enc = encode(&set).unwrap();
        for frame in [
            tcp([10, 1, 2, 3], 40000, 80, 0x02),
            tcp([10, 1, 2, 3], 40000, 22, 0x02),
            tcp([9, 9, 9, 9], 1, 22, 0x10),
        ] {
            let meta = parse_frame(&frame, &DEFAULT_KEY);
            let f = FrameFacts::new(&meta);
            let from_words: Vec<GroupKey> = fed_rules(&enc.rules, &f)
                .into_iter()
                .map(|(_, k)| k)
                .collect();
            assert_eq!(from_words, groups_of(&set, &f));
        }
    }

    #[test]
    fn threshold_news_once_then_counts_go_on() {
        let mut s = stage(FIGURE1, DEFAULT_HASH_KEY);
        let news: Vec<u32> = (0..5)
            .map(|_| feed(&mut s, &tcp([192, 0, 2, 7], 5, 22, 0x10)).crossed)
            .collect();
        assert_eq!(news, [0, 0, 1, 0, 0]);
        let (_, row) = s.rows().next().unwrap();
        let e = row.iter().find(|e| e.valid).unwrap();
        assert_eq!((e.packets, e.bytes, e.crossed), (5, 300, true));
        assert_eq!(
            (
                s.counters.updates,
                s.counters.new_groups,
                s.counters.crossed
            ),
            (5, 1, 1)
        );
    }

    #[test]
    fn a_zero_hash_key_fills_one_bucket_then_refuses_without_touching_it() {
        let mut s = stage(
            r#"{"epoch_ms": 1, "rules": [{"name": "per source", "src_ip": "group"}]}"#,
            [0; HASH_KEY_BYTES],
        );
        for host in 1..=WAYS as u8 {
            assert_eq!(
                feed(&mut s, &tcp([10, 0, 0, host], 1, 2, 0)),
                News::default()
            );
        }
        let before: Vec<_> = s.rows().map(|(l, r)| (*l, *r)).collect();
        assert_eq!(
            feed(&mut s, &tcp([10, 0, 0, 99], 1, 2, 0)),
            News {
                crossed: 0,
                uncounted: 1
            }
        );
        let after: Vec<_> = s.rows().map(|(l, r)| (*l, *r)).collect();
        assert_eq!(before, after, "a refused group changes no other group");
        assert_eq!(
            (s.counters.table_full, s.counters.new_groups),
            (1, WAYS as u64)
        );
        assert_eq!(
            feed(&mut s, &tcp([10, 0, 0, 2], 1, 2, 0)),
            News::default(),
            "held groups still count"
        );
    }

    #[test]
    fn epochs_close_at_the_first_frame_past_the_boundary_and_on_a_quiet_link() {
        let mut s = stage(FIGURE1, DEFAULT_HASH_KEY);
        s.config.epochs = true;
        s.config.epoch_ns = 1000;
        s.config.epoch_start = 5000;
        s.bound = 5000;
        let ssh = tcp([192, 0, 2, 7], 5, 22, 0x10);
        for ts in [100, 4999] {
            s.frame_ends_at(ts);
            feed(&mut s, &ssh);
        }
        assert!(s.reports.is_empty(), "no boundary passed yet");
        // 5000 closes epoch 0 (two frames); 7500 also closes epoch 1, empty.
        s.frame_ends_at(5000);
        feed(&mut s, &ssh);
        s.frame_ends_at(7500);
        feed(&mut s, &ssh);
        let summary: Vec<(u32, u64, Vec<u64>)> = s
            .reports
            .iter()
            .map(|r| {
                (
                    r.epoch,
                    r.end_ns,
                    r.records.iter().map(|x| x.packets).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [(0, 5000, vec![2]), (1, 6000, vec![1]), (2, 7000, vec![])]
        );
        s.quiet_until(8000 + EPOCH_GUARD_NS - 1);
        assert_eq!(s.reports.len(), 3, "the guard keeps epoch 3 open");
        s.quiet_until(8000 + EPOCH_GUARD_NS);
        assert_eq!(s.reports[3].records.len(), 1);
        assert_eq!(
            (s.counters.epochs, s.counters.records, s.epoch()),
            (4, 3, 4)
        );
    }

    #[test]
    fn a_second_history_rule_on_one_frame_is_fanout() {
        // Hand-written words: rules 2 and 7 both keep history (a rule file cannot say that).
        let mut rules = vec![[0u32; RULE_WORDS]; RULES];
        for r in [2, 7] {
            rules[r][word::CONTROL] =
                control::ENABLED | control::HISTORY | control::NEED_IP | control::NEED_PORTS;
        }
        let mut s = StatsStage::new(StatsConfig {
            enabled: true,
            rules,
            ..Default::default()
        });
        let frame = tcp([1, 2, 3, 4], 1, 2, 0x02);
        let meta = parse_frame(&frame, &DEFAULT_KEY);
        let facts = FrameFacts {
            segment: crate::stats::history::Segment::from_frame(&frame, &DEFAULT_KEY),
            ..FrameFacts::new(&meta)
        };
        let news = s.count(&facts, frame.len() as u64);
        assert_eq!(news.uncounted, 1 << 7);
        assert_eq!(
            (s.conns.counters.frames, s.conns.held(), s.counters.fanout),
            (1, 1, 1)
        );
    }

    #[test]
    fn two_rules_of_one_lane_on_one_frame_is_fanout() {
        // Hand-written words: both rules count everything, both on lane 0 (placement would refuse).
        let mut rules = vec![[0u32; RULE_WORDS]; RULES];
        rules[0][word::CONTROL] = control::ENABLED;
        rules[5][word::CONTROL] = control::ENABLED;
        let mut s = StatsStage::new(StatsConfig {
            enabled: true,
            rules,
            ..Default::default()
        });
        assert_eq!(
            feed(&mut s, &tcp([1, 2, 3, 4], 1, 2, 0)),
            News {
                crossed: 0,
                uncounted: 1 << 5
            }
        );
        assert_eq!((s.counters.updates, s.counters.fanout), (1, 1));
    }
}
