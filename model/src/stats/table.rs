//! Per-group counting with per-epoch thresholds: the counting half of the stats stage, stated
//! exactly (an unbounded table). The hardware's table is bounded; where it must refuse a group it
//! counts the frame as overflow instead, and this table is what it is checked against for every
//! group it does hold.

use super::rules::{groups_of, FrameFacts, GroupKey};
use std::collections::BTreeMap;
use vantage_proto::rules::RuleSet;

/// One group's counters for the current epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCounts {
    pub packets: u64,
    /// Frame bytes (what the MAC delivered, without FCS).
    pub bytes: u64,
    /// A threshold of the group's rule was crossed in this epoch (reported once).
    pub crossed: bool,
}

/// The rules and their groups.
#[derive(Clone, Debug)]
pub struct StatsTable {
    rules: RuleSet,
    groups: BTreeMap<GroupKey, GroupCounts>,
}

impl StatsTable {
    pub fn new(rules: RuleSet) -> Self {
        StatsTable {
            rules,
            groups: BTreeMap::new(),
        }
    }

    /// Count a frame of `bytes` bytes in every group it feeds. Returns the groups whose threshold
    /// this frame crossed (each group at most once per epoch).
    pub fn count(&mut self, f: &FrameFacts, bytes: u64) -> Vec<GroupKey> {
        let mut crossed = Vec::new();
        for key in groups_of(&self.rules, f) {
            let g = self.groups.entry(key).or_default();
            g.packets += 1;
            g.bytes += bytes;
            let threshold = self.rules.rules[usize::from(key.rule)].threshold;
            let over = threshold.is_some_and(|t| {
                t.packets.is_some_and(|p| g.packets >= p) || t.bytes.is_some_and(|b| g.bytes >= b)
            });
            if over && !g.crossed {
                g.crossed = true;
                crossed.push(key);
            }
        }
        crossed
    }

    /// The groups of the epoch so far, in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&GroupKey, &GroupCounts)> {
        self.groups.iter()
    }

    /// End the epoch: hand out every group's counts and start the next epoch empty.
    pub fn end_epoch(&mut self) -> BTreeMap<GroupKey, GroupCounts> {
        std::mem::take(&mut self.groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_frame;
    use vantage_proto::flowhash::DEFAULT_KEY;
    use vantage_proto::rules::parse_rules;

    /// An Ethernet/IPv4/TCP frame (checksums left zero; the parse does not check them).
    fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, flags: u8) -> Vec<u8> {
        let mut f = vec![0u8; 54];
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        f[14] = 0x45;
        f[16..18].copy_from_slice(&40u16.to_be_bytes());
        f[23] = 6;
        f[26..30].copy_from_slice(&src);
        f[30..34].copy_from_slice(&dst);
        f[34..36].copy_from_slice(&sport.to_be_bytes());
        f[36..38].copy_from_slice(&dport.to_be_bytes());
        f[46] = 0x50;
        f[47] = flags;
        f
    }

    fn feed(t: &mut StatsTable, frame: &[u8]) -> Vec<GroupKey> {
        let meta = parse_frame(frame, &DEFAULT_KEY);
        t.count(&FrameFacts::new(&meta), frame.len() as u64)
    }

    // Figure 1 of the paper: rule 1 counts port-22 packets per source IP, rule 2 SYNs from 10/8 per
    // source and destination port; "the example port 80 packet matches the second rule".
    const FIGURE1: &str = r#"{"epoch_ms": 1000, "rules": [
        {"name": "ssh per source", "dst_port": 22, "src_ip": "group", "threshold": {"packets": 3}},
        {"name": "syn from 10/8", "src_ip": "10.0.0.0/8", "tcp_flags": "SYN", "src_port": "group", "dst_port": "group"}]}"#;

    #[test]
    fn figure_1_port_80_syn_feeds_rule_2_only() {
        let mut t = StatsTable::new(parse_rules(FIGURE1).unwrap());
        feed(&mut t, &tcp([10, 1, 2, 3], [192, 0, 2, 1], 40000, 80, 0x02));
        let groups: Vec<_> = t.groups().collect();
        assert_eq!(groups.len(), 1);
        let (k, c) = groups[0];
        assert_eq!((k.rule, k.sport, k.dport, k.src), (1, 40000, 80, [0; 16]));
        assert_eq!((c.packets, c.bytes), (1, 54));
    }

    #[test]
    fn threshold_fires_once_per_group_per_epoch() {
        let mut t = StatsTable::new(parse_rules(FIGURE1).unwrap());
        let ssh = tcp([192, 0, 2, 7], [192, 0, 2, 1], 50000, 22, 0x10);
        let fired: Vec<usize> = (0..5).map(|_| feed(&mut t, &ssh).len()).collect();
        assert_eq!(fired, [0, 0, 1, 0, 0], "crossing at the 3rd packet, once");
        let other = tcp([192, 0, 2, 8], [192, 0, 2, 1], 50000, 22, 0x10);
        assert_eq!(
            (0..3).map(|_| feed(&mut t, &other).len()).sum::<usize>(),
            1,
            "another source is its own group"
        );
        let report = t.end_epoch();
        assert_eq!(report.len(), 2);
        assert!(report.values().all(|c| c.crossed));
        assert_eq!(
            (0..3).map(|_| feed(&mut t, &ssh).len()).sum::<usize>(),
            1,
            "re-armed after the epoch"
        );
    }

    #[test]
    fn first_match_stops_later_rules() {
        let rules = r#"{"epoch_ms": 1000, "rules": [
            {"name": "all tcp", "ip_proto": "tcp", "first": true},
            {"name": "per source", "src_ip": "group"}]}"#;
        let mut t = StatsTable::new(parse_rules(rules).unwrap());
        feed(&mut t, &tcp([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 0x10));
        let mut udp = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 0);
        udp[23] = 17;
        feed(&mut t, &udp);
        let rules_hit: Vec<u8> = t.groups().map(|(k, _)| k.rule).collect();
        assert_eq!(
            rules_hit,
            [0, 1],
            "TCP stops at rule 0; UDP falls through to rule 1"
        );
    }

    #[test]
    fn ip_rules_skip_non_ip_frames_and_wildcards_count_them() {
        let rules = r#"{"epoch_ms": 1000, "rules": [{"name": "everything"}, {"name": "per source", "src_ip": "group"}]}"#;
        let mut t = StatsTable::new(parse_rules(rules).unwrap());
        let mut arp = vec![0u8; 60];
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        feed(&mut t, &arp);
        let rules_hit: Vec<u8> = t.groups().map(|(k, _)| k.rule).collect();
        assert_eq!(rules_hit, [0]);
    }

    #[test]
    fn prefix_groups() {
        let rules = r#"{"epoch_ms": 1000, "rules": [{"name": "per /24", "src_ip": {"group": {"v4": 24}}}]}"#;
        let mut t = StatsTable::new(parse_rules(rules).unwrap());
        for host in [1, 2, 3] {
            feed(
                &mut t,
                &tcp([198, 51, 100, host], [10, 0, 0, 1], 1, 2, 0x02),
            );
        }
        feed(&mut t, &tcp([198, 51, 101, 1], [10, 0, 0, 1], 1, 2, 0x02));
        let counts: Vec<u64> = t.groups().map(|(_, c)| c.packets).collect();
        assert_eq!(counts, [3, 1]);
    }
}
