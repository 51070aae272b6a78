//! The stats block through the typed API: rule loading and read-back on the reset image, the
//! errors, and the peek port against test doubles that answer (or never answer) a peek.
//!
//! Addresses and words written out here are worked out by hand from the layouts documented in
//! `proto::regs::stats` (block at 0x1000, CONTROL +0x0C, LANE_BITS +0x10, GEOMETRY +0x14,
//! PEEK_LOC +0x50, PEEK_CTL +0x54, PEEK_STATUS +0x58, PEEK_DATA +0x100, rule r at
//! +0x400 + 0x80 r) and `proto::stats` (rule words, entry layout).

use vantage_driver::{Device, DriverError, MemBar, RegisterAccess, StatsGeometry, PEEK_POLLS};
use vantage_proto::regs::{self, tag};
use vantage_proto::rules::parse_rules;
use vantage_proto::rules::FIGURE1;
use vantage_proto::stats::{decode_rule, Entry, GroupKey, RULES, RULE_WORDS};

const CONTROL: u32 = 0x100C;
const LANE_BITS: u32 = 0x1010;
const PEEK_LOC: u32 = 0x1050;
const PEEK_CTL: u32 = 0x1054;
const PEEK_STATUS: u32 = 0x1058;
const PEEK_DATA: u32 = 0x1100;

fn rule_addr(r: u32, w: u32) -> u32 {
    0x1400 + 0x80 * r + 4 * w
}

/// 32 rules in eight groups of four on one destination port each: the four of a port all count
/// a frame to that port, so they take lanes 0, 1, 2, 3; ports differ between groups.
fn thirty_two_rules() -> String {
    let rules: Vec<String> = (0..32)
        .map(|i| {
            format!(
                r#"{{"name": "r{i}", "dst_port": {}, "src_ip": "group"}}"#,
                1000 + i / 4
            )
        })
        .collect();
    format!(r#"{{"epoch_ms": 1000, "rules": [{}]}}"#, rules.join(","))
}

/// Every enabled rule read back from the device, decoded, with its lane.
fn read_back<A: RegisterAccess>(dev: &mut Device<A>) -> Vec<(vantage_proto::rules::Rule, usize)> {
    dev.rule_words()
        .unwrap()
        .iter()
        .enumerate()
        .filter_map(|(i, w)| decode_rule(w, i + 1))
        .collect()
}

#[test]
fn figure_1_is_written_where_and_as_the_layout_says() {
    let mut bar = MemBar::like_hardware();
    // Leftovers of an earlier, longer rule set: the load must disable them.
    bar.poke(rule_addr(2, 0), 1);
    bar.poke(rule_addr(31, 0), 0x0000_1811);
    let mut dev = Device::new(bar);
    let set = parse_rules(FIGURE1).unwrap();
    let enc = dev.load_rules(&set).unwrap();
    assert_eq!(enc.lane_bits, 1);

    let bar = dev.access();
    assert_eq!(
        bar.writes.first(),
        Some(&(CONTROL, 0)),
        "counting off first"
    );
    assert_eq!(
        &bar.writes[bar.writes.len() - 2..],
        &[(LANE_BITS, 1), (CONTROL, 1)],
        "lanes, then counting on"
    );
    assert_eq!(
        bar.writes.len(),
        1 + 32 * 27 + 2,
        "every word of every rule"
    );
    assert_eq!(
        bar.peek(rule_addr(0, 0)),
        0x0000_1811,
        "ENABLED, GROUP_SRC, NEED_IP, NEED_PORTS, lane 0"
    );
    assert_eq!(
        bar.peek(rule_addr(0, 4)),
        0x0016_FFFF,
        "dport 22 under 0xFFFF"
    );
    assert_eq!(bar.peek(rule_addr(0, 23)), 100, "packets threshold");
    assert_eq!(
        bar.peek(rule_addr(1, 0)),
        0x0000_78C7,
        "ENABLED, FIRST, lane 1, sport/dport groups, NEEDs IP PORTS TCP V4"
    );
    assert_eq!(
        bar.peek(rule_addr(1, 8)),
        0x0A00_0000,
        "source ::10.0.0.0, low word"
    );
    assert_eq!(
        bar.peek(rule_addr(1, 12)),
        0xFF00_0000,
        "mask /8 after 96 ones, low word"
    );
    assert_eq!(bar.peek(rule_addr(2, 0)), 0);
    assert_eq!(bar.peek(rule_addr(31, 0)), 0);

    let expected: Vec<_> = set
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| vantage_proto::rules::Rule {
            name: format!("rule {}", i + 1),
            ..r.clone()
        })
        .collect();
    let back = read_back(&mut dev);
    assert_eq!(
        back.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(back.iter().map(|(_, l)| *l).collect::<Vec<_>>(), [0, 1]);
    assert!(dev.stats_enabled().unwrap());
    assert_eq!(dev.stats_lane_bits().unwrap(), 1);
}

#[test]
fn thirty_two_rules_fill_the_table_and_read_back() {
    let mut dev = Device::new(MemBar::like_hardware());
    let set = parse_rules(&thirty_two_rules()).unwrap();
    assert_eq!(dev.load_rules(&set).unwrap().lane_bits, 2);
    let back = read_back(&mut dev);
    assert_eq!(back.len(), 32);
    for (i, (rule, lane)) in back.iter().enumerate() {
        assert_eq!(
            *rule,
            vantage_proto::rules::Rule {
                name: format!("rule {}", i + 1),
                ..set.rules[i].clone()
            }
        );
        assert_eq!(*lane, i % 4, "rule {}", i + 1);
    }
    assert_eq!(dev.access().peek(LANE_BITS), 2);

    // A shorter set afterwards leaves only its own rules enabled.
    dev.load_rules(&parse_rules(FIGURE1).unwrap()).unwrap();
    assert_eq!(read_back(&mut dev).len(), 2);
    assert!(dev.rule_words().unwrap()[2..]
        .iter()
        .all(|w| *w == [0; RULE_WORDS]));
}

#[test]
fn a_set_that_cannot_be_placed_is_refused_before_any_write() {
    let rules: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"name": "r{i}", "src_ip": "group"}}"#))
        .collect();
    let set = parse_rules(&format!(
        r#"{{"epoch_ms": 1, "rules": [{}]}}"#,
        rules.join(",")
    ))
    .unwrap();
    let mut dev = Device::new(MemBar::like_hardware());
    let e = dev.load_rules(&set).unwrap_err();
    assert!(matches!(e, DriverError::Placement(_)), "{e:?}");
    assert!(
        e.to_string().contains("updates at most 4 groups per frame"),
        "{e}"
    );
    assert!(e.to_string().contains("5 (\"r4\")"), "{e}");
    assert!(dev.access().writes.is_empty());

    // More rules than the table holds (a set built by hand: parse_rules refuses it earlier).
    let mut set = parse_rules(&thirty_two_rules()).unwrap();
    set.rules.push(set.rules[0].clone());
    let e = dev.load_rules(&set).unwrap_err();
    assert_eq!(e.to_string(), "33 rules, but the stats stage holds 32");
    assert!(dev.access().writes.is_empty());
}

#[test]
fn a_history_rule_needs_the_history_feature() {
    let set = parse_rules(
        r#"{"epoch_ms": 1000, "rules": [{"name": "a", "src_ip": "group"}, {"name": "conns", "history": true}]}"#,
    )
    .unwrap();
    // The reset image lists the features of the blocks it has; none is the connection table.
    let mut dev = Device::new(MemBar::like_hardware());
    let e = dev.load_rules(&set).unwrap_err();
    assert!(matches!(e, DriverError::NoHistory { rule: 2 }), "{e:?}");
    assert!(
        e.to_string()
            .contains("`vantage model --rules` runs the rule in software"),
        "{e}"
    );
    assert!(dev.access().writes.is_empty());
    // A device that lists the feature takes the rule: CONTROL of rule 2 has the HISTORY bit.
    let mut bar = MemBar::like_hardware();
    let features = bar.peek(0x14);
    bar.poke(0x14, features | regs::feature::HISTORY);
    let mut dev = Device::new(bar);
    dev.load_rules(&set).unwrap();
    assert_eq!(dev.access().peek(rule_addr(1, 0)) & (1 << 16), 1 << 16);
}

#[test]
fn a_device_without_the_stats_block_says_so() {
    let mut bar = MemBar::like_hardware();
    bar.poke(u32::from(tag::BASE + regs::BLOCK_NEXT), 0); // the chain ends at the tag block
    let mut dev = Device::new(bar);
    let e = dev.load_rules(&parse_rules(FIGURE1).unwrap()).unwrap_err();
    assert!(matches!(e, DriverError::NoStats), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("this device has no stats stage: its register chain has no V-ST block"),
        "{e}"
    );
    assert!(matches!(dev.rule_words(), Err(DriverError::NoStats)));
    assert!(matches!(dev.peek_row(0, 0), Err(DriverError::NoStats)));
    assert!(matches!(
        dev.set_stats_enabled(true),
        Err(DriverError::NoStats)
    ));
    assert!(dev.access().writes.is_empty());
}

#[test]
fn geometry_is_checked_against_the_driver() {
    let mut dev = Device::new(MemBar::like_hardware());
    // rules 32 (7:0), lanes 4 (11:8), ways 4 (15:12), bucket bits 12 (23:16), banks 4 (31:24).
    assert_eq!(dev.access().peek(0x1014), 0x040C_4420);
    let g = dev.stats_geometry().unwrap();
    let by_hand = StatsGeometry {
        rules: 32,
        lanes: 4,
        ways: 4,
        bucket_bits: 12,
        banks: 4,
        delay: 256,
        rule_words: 27,
        rule_stride: 0x80,
    };
    assert_eq!(g, by_hand);

    dev.access().poke(0x1014, 0x040C_8420); // 8 ways
    let e = dev.stats_geometry().unwrap_err().to_string();
    assert!(
        e.contains("the device has 32 rules, 4 lanes, 8 ways")
            && e.contains("the driver expects 32 rules, 4 lanes, 4 ways"),
        "{e}"
    );
    assert!(dev.load_rules(&parse_rules(FIGURE1).unwrap()).is_err());
    assert!(dev.access().writes.is_empty());

    let mut dev = Device::new(MemBar::like_hardware());
    dev.access().poke(0x1004, 2); // VERSION
    assert_eq!(
        dev.stats_enabled().unwrap_err().to_string(),
        "the stats block (V-ST) is version 2, but this driver knows version 1"
    );
}

#[test]
fn control_and_hash_key_registers() {
    let mut dev = Device::new(MemBar::like_hardware());
    dev.set_stats_enabled(true).unwrap();
    assert!(dev.stats_enabled().unwrap());
    dev.set_stats_enabled(false).unwrap();
    assert!(!dev.stats_enabled().unwrap());
    let key: [u8; 44] = std::array::from_fn(|i| i as u8);
    dev.set_stats_hash_key(&key).unwrap();
    let bar = dev.access();
    assert_eq!(
        bar.peek(0x1020),
        0x0001_0203,
        "key bytes 0..4, big-endian, in HASH_KEY0"
    );
    assert_eq!(
        bar.peek(0x1020 + 40),
        0x2829_2A2B,
        "bytes 40..44 in HASH_KEY10"
    );
    assert_eq!(bar.writes.len(), 2 + 11);
}

/// A register file whose peek port answers after `ready_after` status reads (never when None).
/// The PEEK_CTL strobe clears PEEK_STATUS, fills PEEK_DATA with junk and takes PEEK_LOC as it is
/// then; completing copies the row stored for that location into PEEK_DATA. A driver that strobes
/// before setting the location, or reads the data before the status, gets the wrong row.
struct PeekPort {
    mem: MemBar,
    rows: Vec<(u32, [u32; 64])>,
    ready_after: Option<usize>,
    status_reads: usize,
    taken_loc: u32,
}

impl PeekPort {
    fn new(rows: Vec<(u32, [u32; 64])>, ready_after: Option<usize>) -> Self {
        PeekPort {
            mem: MemBar::like_hardware(),
            rows,
            ready_after,
            status_reads: 0,
            taken_loc: u32::MAX,
        }
    }
}

impl RegisterAccess for PeekPort {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        if addr == PEEK_STATUS {
            self.status_reads += 1;
            if self.ready_after.is_some_and(|n| self.status_reads >= n)
                && self.mem.peek(PEEK_STATUS) == 0
            {
                let loc = self.taken_loc;
                let row = self
                    .rows
                    .iter()
                    .find(|(l, _)| *l == loc)
                    .map_or([0xDEAD_BEEF; 64], |(_, r)| *r);
                for (i, w) in row.iter().enumerate() {
                    self.mem.poke(PEEK_DATA + 4 * i as u32, *w);
                }
                self.mem.poke(PEEK_STATUS, 1);
            }
        }
        self.mem.read32(addr)
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        if addr == PEEK_CTL && value & 1 != 0 {
            self.status_reads = 0;
            self.taken_loc = self.mem.peek(PEEK_LOC);
            self.mem.poke(PEEK_STATUS, 0);
            for i in 0..64 {
                self.mem.poke(PEEK_DATA + 4 * i, 0xBAD0_0000 | i);
            }
        }
        self.mem.write32(addr, value)
    }
}

/// Bank 2, bucket 0x123: way 1 holds rule 3's group for source 192.0.2.1, dport 22, TCP, 0x1_0000_0005
/// packets, 6000 bytes, crossed; way 3 a valid IPv6 group of rule 0 with nothing counted yet. The
/// words follow the entry diagram: packets in words 0-1, bytes 2-3, key bytes 0..40 in words
/// 13 down to 4 (4 bytes each, byte 0 on top), valid and crossed in word 14.
fn sample_row() -> [u32; 64] {
    let mut row = [0u32; 64];
    let way1 = &mut row[16..32];
    way1[0] = 5;
    way1[1] = 1;
    way1[2] = 6000;
    way1[13] = (3 << 3) << 24; // key byte 0: rule 3, IPv4; byte 1 ingress 0; source bytes 0, 1
    way1[10] = 0x0000_C000; // key bytes 12..16: source bytes 10..14 = 0, 0, 192, 0
    way1[9] = 0x0201_0000; // key bytes 16..20: source bytes 14, 15 = 2, 1; destination 0, 1
    way1[4] = 0x0016_0600; // key bytes 36..40: dport 22, proto 6, flags 0
    way1[14] = 0b11; // valid, crossed
    let way3 = &mut row[48..64];
    way3[13] = 0x0400_2001; // rule 0, v6 (bit 2); ingress 0; source 2001:...
    way3[12] = 0x0DB8_0000;
    way3[14] = 0b01;
    row
}

#[test]
fn peek_reads_the_row_it_asked_for() {
    let loc = 2 << 16 | 0x123;
    let mut dev = Device::new(PeekPort::new(
        vec![(loc, sample_row()), (0x123, [0x5555_5555; 64])],
        Some(3),
    ));
    let ways = dev.peek_row(2, 0x123).unwrap();
    let mut src = [0u8; 16];
    src[12..].copy_from_slice(&[192, 0, 2, 1]);
    let group = GroupKey {
        rule: 3,
        src,
        dport: 22,
        proto: 6,
        ..Default::default()
    };
    assert_eq!(
        ways[1],
        Entry {
            valid: true,
            crossed: true,
            key: group,
            packets: 0x1_0000_0005,
            bytes: 6000
        }
    );
    let mut src6 = [0u8; 16];
    src6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    assert_eq!(
        ways[3],
        Entry {
            valid: true,
            key: GroupKey {
                v6: true,
                src: src6,
                ..Default::default()
            },
            ..Default::default()
        }
    );
    assert!(!ways[0].valid && !ways[2].valid);
    assert_eq!(dev.access().status_reads, 3);
}

#[test]
fn a_peek_that_never_completes_is_a_bounded_error() {
    let mut dev = Device::new(PeekPort::new(vec![], None));
    let e = dev.peek_row(1, 7).unwrap_err();
    assert!(
        matches!(
            e,
            DriverError::PeekTimeout {
                bank: 1,
                bucket: 7,
                reads: PEEK_POLLS
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("PEEK_STATUS bit 0 still clear after 1000 reads"),
        "{e}"
    );
    assert_eq!(dev.access().status_reads, PEEK_POLLS);
}

#[test]
fn peek_locations_out_of_range_are_errors_without_access() {
    let mut dev = Device::new(PeekPort::new(vec![], Some(1)));
    for (bank, bucket) in [(4, 0), (0, 4096), (usize::MAX, usize::MAX)] {
        let e = dev.peek_row(bank, bucket).unwrap_err();
        assert!(matches!(e, DriverError::PeekRange { .. }), "{e:?}");
        assert!(
            e.to_string().ends_with("banks are 0..=3, buckets 0..=4095"),
            "{e}"
        );
    }
    assert!(dev.access().mem.writes.is_empty());
    assert!(dev.peek_row(3, 4095).is_ok(), "the last row is in range");
}

#[test]
fn the_reset_table_reads_back_as_32_disabled_rules() {
    let mut dev = Device::new(MemBar::like_hardware());
    assert_eq!(dev.rule_words().unwrap().len(), RULES);
    assert!(
        read_back(&mut dev).is_empty(),
        "the reset table has no enabled rule"
    );
}
