//! The stats stage's contract: table geometry, the group key's bit layout, the bucket hash, the
//! rule table's register encoding and the lane assignment. The RTL generator, the model and the
//! driver all take these from here.
//!
//! ```text
//!  group key, 40 bytes (320 bits), network order; byte 0 is the most significant:
//!   0        1         2                18                34      36      38      39
//!  +--------+---------+----------------+----------------+-------+-------+-------+-------+
//!  |rule|v6 | ingress | source (16 B)  | dest (16 B)    | sport | dport | proto | flags |
//!  +--------+---------+----------------+----------------+-------+-------+-------+-------+
//!  byte 0 = rule index << 3 | v6 << 2 (low two bits 0). Fields the rule does not group by are 0;
//!  grouped fields are masked. v6 is set when the rule groups by an address and the frame is
//!  IPv6, so an IPv4 group and an IPv6 group with the same low bits stay apart. IPv4 addresses
//!  are zero-extended (::a.b.c.d), as in the flow hash.
//!
//!  bucket hash: Toeplitz(STATS_KEY (44 B), group key (40 B)), top LOC_BITS bits:
//!   loc = hash >> (32 - LOC_BITS)     bits 13..12 = bank selector, bits 11..0 = bucket index
//!   bank = (lane << (2 - lane_bits)) | (selector >> lane_bits)
//!  With lane_bits = 2 each lane owns one bank; with fewer lanes in use, a lane spreads over
//!  2 or 4 banks, so a rule set that needs one lane still has every group of the table.
//!
//!  table entry, 512 bits (bit 0 = least significant; PEEK_DATA word k = bits 32k+31..32k):
//!   511      450 449     448   447          128 127        64 63          0
//!  +-----------+-------+-----+--------------+--------------+-------------+
//!  |  zero     |crossed|valid| group key    | bytes (u64)  | packets(u64)|
//!  +-----------+-------+-----+--------------+--------------+-------------+
//!  the key's byte 0 in bits 447..440. crossed: a threshold fired for this group this epoch.
//!
//!  rule r, RULE_WORDS registers at RULE_BASE + r * RULE_STRIDE (word w at + 4*w):
//!   w0        CONTROL  bit 0 enabled, 1 first, 3:2 lane, 10:4 group-by bits (src, dst, sport,
//!                      dport, proto, flags, ingress), 15:11 needs (ip, ports, tcp, v4, v6),
//!                      16 history (the connection table instead of a lane)
//!   w1        ingress value 7:0, ingress mask 15:8, proto value 23:16, proto mask 31:24
//!   w2        flags value 7:0, flags mask 15:8
//!   w3        sport value 31:16, sport mask 15:0
//!   w4        dport value 31:16, dport mask 15:0
//!   w5..w8    source value (bytes 0..16, big-endian words)
//!   w9..w12   source mask (match mask, or the IPv6 group mask)
//!   w13       source IPv4 group mask (for the low 32 bits)
//!   w14..w22  destination, as w5..w13
//!   w23, w24  packets threshold, low and high word (0 = none)
//!   w25, w26  bytes threshold, low and high word (0 = none)
//!  A field the rule matches: the frame's value under the mask must equal the value (written
//!  already masked). A grouped field matches any present value and puts value & mask in the key.
//!  A wildcard has value 0, mask 0 and no group bit, so it always matches.
//! ```

use crate::flowhash::{ipv4_as_16, toeplitz};
use crate::rules::{AddrField, Field, Rule, RuleSet, MAX_RULES};
use std::net::IpAddr;
use thiserror::Error;

/// Rules the rule table holds.
pub const RULES: usize = MAX_RULES;
/// Group-table updates per frame: a frame feeds at most one rule per lane.
pub const LANES: usize = 4;
/// Physical table banks; each takes one read-modify-write per cycle.
pub const BANKS: usize = 4;
/// Bucket index width per bank.
pub const BUCKET_BITS: usize = 12;
/// Entries per bucket (full keys compared in parallel).
pub const WAYS: usize = 4;
/// Groups the table holds in all.
pub const GROUPS: usize = BANKS * (1 << BUCKET_BITS) * WAYS;
/// Hash bits used: the bank selector and the bucket index.
pub const LOC_BITS: usize = 2 + BUCKET_BITS;
/// Group key bytes (see the diagram).
pub const KEY_BYTES: usize = 40;
/// Group key bits.
pub const KEY_BITS: usize = KEY_BYTES * 8;
/// Stats hash key bytes: 32 bits longer than the group key, as Toeplitz needs.
pub const HASH_KEY_BYTES: usize = KEY_BYTES + 4;
/// Stats hash key registers.
pub const HASH_KEY_WORDS: usize = HASH_KEY_BYTES / 4;
/// Stats hash key bits (the register file's output to the stats stage).
pub const HASH_KEY_BITS: usize = HASH_KEY_BYTES * 8;
/// Bits of one table entry (see the entry diagram).
pub const ENTRY_BITS: usize = 512;
/// 32-bit words of one entry.
pub const ENTRY_WORDS: usize = ENTRY_BITS / 32;
/// Bits of one bucket row: its ways side by side, way 0 in the low bits.
pub const ROW_BITS: usize = WAYS * ENTRY_BITS;
/// 32-bit words of a row (the PEEK_DATA registers).
pub const ROW_WORDS: usize = ROW_BITS / 32;
/// Registers per rule.
pub const RULE_WORDS: usize = 27;
/// Width of the packed rule bus from the register file to the stats stage.
pub const RULE_BUS_BITS: usize = RULES * RULE_WORDS * 32;
/// Bytes between two rules' register sets.
pub const RULE_STRIDE: u16 = 0x80;
/// Cycles the stats stage delays every beat, so a frame's counts (known at its last beat) are
/// known when its first beat reaches the tag stage. Frames longer than `DELAY - DELAY_MARGIN`
/// beats (or with idle cycles inside) leave without the STATS tag and are counted as late.
pub const DELAY: usize = 256;
/// Cycles between a frame's last beat entering the stats stage and its result being written,
/// plus the result read ahead of the first beat leaving.
pub const DELAY_MARGIN: usize = 16;
const _: () = assert!(DELAY.is_power_of_two() && DELAY - DELAY_MARGIN >= 9216 / 64 + 8);
const _: () =
    assert!(LANES == 4 && BANKS == 4 && KEY_BYTES == 40 && RULE_WORDS * 4 <= RULE_STRIDE as usize);

/// The default stats hash key (not secret: set your own, or collisions can be forced).
pub const DEFAULT_HASH_KEY: [u8; HASH_KEY_BYTES] = [
    0x3c, 0x8f, 0x21, 0xd4, 0x97, 0x5e, 0x0b, 0xa6, 0x71, 0xe2, 0x4d, 0x18, 0xc5, 0x39, 0xfa, 0x63,
    0x8e, 0x07, 0xb2, 0x5d, 0x2a, 0xf1, 0x94, 0x6c, 0xd3, 0x48, 0x1f, 0xbe, 0x75, 0x0a, 0xe9, 0x32,
    0x56, 0xcb, 0x80, 0x1d, 0xa4, 0x6f, 0xf8, 0x13, 0x9b, 0x44, 0xe7, 0x2e,
];

/// Bits of rule word 0 (CONTROL).
pub mod control {
    pub const ENABLED: u32 = 1 << 0;
    pub const FIRST: u32 = 1 << 1;
    pub const LANE_SHIFT: u32 = 2;
    pub const GROUP_SRC: u32 = 1 << 4;
    pub const GROUP_DST: u32 = 1 << 5;
    pub const GROUP_SPORT: u32 = 1 << 6;
    pub const GROUP_DPORT: u32 = 1 << 7;
    pub const GROUP_PROTO: u32 = 1 << 8;
    pub const GROUP_FLAGS: u32 = 1 << 9;
    pub const GROUP_INGRESS: u32 = 1 << 10;
    pub const NEED_IP: u32 = 1 << 11;
    pub const NEED_PORTS: u32 = 1 << 12;
    pub const NEED_TCP: u32 = 1 << 13;
    pub const NEED_V4: u32 = 1 << 14;
    pub const NEED_V6: u32 = 1 << 15;
    /// The rule keeps connection history: the frames it counts go to the connection table
    /// (`conntable`), not to a lane; its group-by bits are 0 and it has no thresholds.
    pub const HISTORY: u32 = 1 << 16;
}

/// Word indices inside a rule's register set.
pub mod word {
    pub const CONTROL: usize = 0;
    pub const INGRESS_PROTO: usize = 1;
    pub const FLAGS: usize = 2;
    pub const SPORT: usize = 3;
    pub const DPORT: usize = 4;
    pub const SRC: usize = 5;
    pub const DST: usize = 14;
    /// Offsets inside an address block (SRC or DST).
    pub const ADDR_VALUE: usize = 0;
    pub const ADDR_MASK: usize = 4;
    pub const ADDR_V4_GROUP: usize = 8;
    pub const THRESHOLD_PACKETS: usize = 23;
    pub const THRESHOLD_BYTES: usize = 25;
}

/// A group: the rule and the masked values of its group-by fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GroupKey {
    pub rule: u8,
    /// The rule groups by an address and the frame is IPv6.
    pub v6: bool,
    pub ingress_port: u8,
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub sport: u16,
    pub dport: u16,
    pub proto: u8,
    pub tcp_flags: u8,
}

impl GroupKey {
    /// The key's 40 bytes (see the diagram).
    pub fn to_bytes(&self) -> [u8; KEY_BYTES] {
        let mut b = [0u8; KEY_BYTES];
        b[0] = (self.rule << 3) | (u8::from(self.v6) << 2);
        b[1] = self.ingress_port;
        b[2..18].copy_from_slice(&self.src);
        b[18..34].copy_from_slice(&self.dst);
        b[34..36].copy_from_slice(&self.sport.to_be_bytes());
        b[36..38].copy_from_slice(&self.dport.to_be_bytes());
        b[38] = self.proto;
        b[39] = self.tcp_flags;
        b
    }

    /// The key from its 40 bytes.
    pub fn from_bytes(b: &[u8; KEY_BYTES]) -> Self {
        let mut k = GroupKey {
            rule: b[0] >> 3,
            v6: b[0] & 4 != 0,
            ingress_port: b[1],
            ..Default::default()
        };
        k.src.copy_from_slice(&b[2..18]);
        k.dst.copy_from_slice(&b[18..34]);
        k.sport = u16::from_be_bytes([b[34], b[35]]);
        k.dport = u16::from_be_bytes([b[36], b[37]]);
        k.proto = b[38];
        k.tcp_flags = b[39];
        k
    }
}

/// One table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Entry {
    pub valid: bool,
    pub crossed: bool,
    pub key: GroupKey,
    pub packets: u64,
    pub bytes: u64,
}

impl Entry {
    /// The entry's 16 words, bits 31..0 first.
    pub fn to_words(&self) -> [u32; ENTRY_WORDS] {
        let mut w = [0u32; ENTRY_WORDS];
        w[0] = self.packets as u32;
        w[1] = (self.packets >> 32) as u32;
        w[2] = self.bytes as u32;
        w[3] = (self.bytes >> 32) as u32;
        let k = self.key.to_bytes();
        for i in 0..10 {
            // Key word 0 (bytes 0..4) is the most significant: entry word 13.
            let b = &k[4 * i..4 * i + 4];
            w[13 - i] = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        }
        w[14] = u32::from(self.valid) | u32::from(self.crossed) << 1;
        w
    }

    /// The entry from its 16 words.
    pub fn from_words(w: &[u32]) -> Self {
        let mut k = [0u8; KEY_BYTES];
        for i in 0..10 {
            k[4 * i..4 * i + 4].copy_from_slice(&w[13 - i].to_be_bytes());
        }
        Entry {
            valid: w[14] & 1 != 0,
            crossed: w[14] & 2 != 0,
            key: GroupKey::from_bytes(&k),
            packets: u64::from(w[0]) | u64::from(w[1]) << 32,
            bytes: u64::from(w[2]) | u64::from(w[3]) << 32,
        }
    }
}

/// Where a group lives: bank and bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub bank: usize,
    pub bucket: usize,
}

/// The bucket hash's top `LOC_BITS` bits.
pub fn loc_hash(hash_key: &[u8; HASH_KEY_BYTES], key: &GroupKey) -> u32 {
    toeplitz(hash_key, &key.to_bytes()) >> (32 - LOC_BITS)
}

/// The bank and bucket of a group fed through `lane` with `lane_bits` lanes in use.
pub fn locate(
    hash_key: &[u8; HASH_KEY_BYTES],
    key: &GroupKey,
    lane: usize,
    lane_bits: u32,
) -> Location {
    let loc = loc_hash(hash_key, key) as usize;
    let selector = loc >> BUCKET_BITS;
    let bank = ((lane << (2 - lane_bits)) | (selector >> lane_bits)) & (BANKS - 1);
    Location {
        bank,
        bucket: loc & ((1 << BUCKET_BITS) - 1),
    }
}

/// A rule set placed on the table lanes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Lane of each rule, in rule order.
    pub lanes: Vec<usize>,
    /// log2 of the lanes in use (0, 1 or 2): the `LANE_BITS` register.
    pub lane_bits: u32,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlacementError {
    #[error(
        "rules {} can all count one frame, but the stats stage updates at most {LANES} groups per frame; \
         make some of them disjoint (different ports, protocols or networks) or mark an earlier one \"first\"",
        .rules.iter().map(|r| format!("{} ({:?})", r.0, r.1)).collect::<Vec<_>>().join(", ")
    )]
    TooManyOverlapping { rules: Vec<(usize, String)> },
}

/// Give every rule a lane such that no frame can feed two rules of one lane. Two rules conflict
/// when some frame can match both and the earlier one is not `first`. Rules are numbered from 1
/// in errors.
pub fn place(set: &RuleSet) -> Result<Placement, PlacementError> {
    let n = set.rules.len();
    let mut lanes = vec![0usize; n];
    // A history rule updates the connection table, not a lane: it takes none and blocks none.
    let counts = |r: usize| !set.rules[r].history;
    for s in (0..n).filter(|&s| counts(s)) {
        let taken: Vec<usize> = (0..s)
            .filter(|&r| counts(r) && conflict(&set.rules[r], &set.rules[s]))
            .map(|r| lanes[r])
            .collect();
        match (0..LANES).find(|l| !taken.contains(l)) {
            Some(l) => lanes[s] = l,
            None => {
                let mut rules: Vec<(usize, String)> = (0..s)
                    .filter(|&r| counts(r) && conflict(&set.rules[r], &set.rules[s]))
                    .map(|r| (r + 1, set.rules[r].name.clone()))
                    .collect();
                rules.push((s + 1, set.rules[s].name.clone()));
                return Err(PlacementError::TooManyOverlapping { rules });
            }
        }
    }
    let used = lanes.iter().max().map_or(1, |m| m + 1);
    let lane_bits = match used {
        1 => 0,
        2 => 1,
        _ => 2,
    };
    Ok(Placement { lanes, lane_bits })
}

/// Whether one frame can feed both `earlier` and `later`.
fn conflict(earlier: &Rule, later: &Rule) -> bool {
    !earlier.first
        && numeric_overlap(&earlier.ingress_port, &later.ingress_port)
        && numeric_overlap(&earlier.src_port, &later.src_port)
        && numeric_overlap(&earlier.dst_port, &later.dst_port)
        && numeric_overlap(&earlier.ip_proto, &later.ip_proto)
        && numeric_overlap(&earlier.tcp_flags, &later.tcp_flags)
        && addr_overlap(&earlier.src_ip, &later.src_ip)
        && addr_overlap(&earlier.dst_ip, &later.dst_ip)
}

fn numeric_overlap<T>(a: &Field<T>, b: &Field<T>) -> bool
where
    T: Copy + PartialEq + std::ops::BitAnd<Output = T>,
{
    match (a, b) {
        (
            Field::Match {
                value: va,
                mask: ma,
            },
            Field::Match {
                value: vb,
                mask: mb,
            },
        ) => *va & *ma & *mb == *vb & *ma & *mb,
        _ => true,
    }
}

fn addr_overlap(a: &AddrField, b: &AddrField) -> bool {
    match (a, b) {
        (
            AddrField::Match {
                net: na,
                prefix: pa,
            },
            AddrField::Match {
                net: nb,
                prefix: pb,
            },
        ) => {
            let (wa, wb) = (addr_words(*na), addr_words(*nb));
            na.is_ipv4() == nb.is_ipv4() && {
                let keep = (*pa).min(*pb) as u32 + if na.is_ipv4() { 96 } else { 0 };
                prefix_mask(keep) & (wa ^ wb) == 0
            }
        }
        _ => true,
    }
}

/// An address as the 128-bit number the hardware compares (IPv4 zero-extended).
fn addr_words(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v4) => u128::from_be_bytes(ipv4_as_16(v4.octets())),
        IpAddr::V6(v6) => u128::from_be_bytes(v6.octets()),
    }
}

/// The first `keep` bits of 128 set.
fn prefix_mask(keep: u32) -> u128 {
    if keep == 0 {
        0
    } else {
        u128::MAX << (128 - keep.min(128))
    }
}

/// The registers of one rule.
pub type RuleWords = [u32; RULE_WORDS];

/// The register words of `rule` placed on `lane`.
pub fn encode_rule(rule: &Rule, lane: usize) -> RuleWords {
    use control::*;
    let mut w = [0u32; RULE_WORDS];
    let mut ctl = ENABLED | ((lane as u32 & 3) << LANE_SHIFT);
    if rule.first {
        ctl |= FIRST;
    }
    let (ing_v, ing_m, ing_g) = numeric_words(&rule.ingress_port);
    let (pro_v, pro_m, pro_g) = numeric_words(&rule.ip_proto);
    let (flg_v, flg_m, flg_g) = numeric_words(&rule.tcp_flags);
    let (sp_v, sp_m, sp_g) = numeric_words(&rule.src_port);
    let (dp_v, dp_m, dp_g) = numeric_words(&rule.dst_port);
    w[word::INGRESS_PROTO] =
        u32::from(ing_v) | u32::from(ing_m) << 8 | u32::from(pro_v) << 16 | u32::from(pro_m) << 24;
    w[word::FLAGS] = u32::from(flg_v) | u32::from(flg_m) << 8;
    w[word::SPORT] = u32::from(sp_v) << 16 | u32::from(sp_m);
    w[word::DPORT] = u32::from(dp_v) << 16 | u32::from(dp_m);
    for (g, bit) in [
        (ing_g, GROUP_INGRESS),
        (pro_g, GROUP_PROTO),
        (flg_g, GROUP_FLAGS),
        (sp_g, GROUP_SPORT),
        (dp_g, GROUP_DPORT),
    ] {
        if g {
            ctl |= bit;
        }
    }
    for (field, base, group_bit) in [
        (&rule.src_ip, word::SRC, GROUP_SRC),
        (&rule.dst_ip, word::DST, GROUP_DST),
    ] {
        let (value, mask, v4_group, need) = addr_words_of(field);
        put_u128(
            &mut w[base + word::ADDR_VALUE..base + word::ADDR_VALUE + 4],
            value,
        );
        put_u128(
            &mut w[base + word::ADDR_MASK..base + word::ADDR_MASK + 4],
            mask,
        );
        w[base + word::ADDR_V4_GROUP] = v4_group;
        ctl |= need;
        if matches!(field, AddrField::Group { .. }) {
            ctl |= group_bit;
        }
    }
    if !matches!(rule.ip_proto, Field::Any)
        || !matches!(rule.src_ip, AddrField::Any)
        || !matches!(rule.dst_ip, AddrField::Any)
    {
        ctl |= NEED_IP;
    }
    if !matches!(rule.src_port, Field::Any) || !matches!(rule.dst_port, Field::Any) {
        ctl |= NEED_PORTS;
    }
    if !matches!(rule.tcp_flags, Field::Any) {
        ctl |= NEED_TCP;
    }
    if rule.history {
        // Connections are keyed by their ports; a history rule takes no lane.
        ctl = (ctl | HISTORY | NEED_IP | NEED_PORTS) & !(3 << LANE_SHIFT);
    }
    w[word::CONTROL] = ctl;
    let thr = rule.threshold.unwrap_or_default();
    put_u64(&mut w[word::THRESHOLD_PACKETS..], thr.packets.unwrap_or(0));
    put_u64(&mut w[word::THRESHOLD_BYTES..], thr.bytes.unwrap_or(0));
    w
}

/// (value, mask, group) of a numeric field; the value already masked.
fn numeric_words<T>(f: &Field<T>) -> (T, T, bool)
where
    T: Copy + Default + std::ops::BitAnd<Output = T>,
{
    match f {
        Field::Any => (T::default(), T::default(), false),
        Field::Match { value, mask } => (*value & *mask, *mask, false),
        Field::Group { mask } => (T::default(), *mask, true),
    }
}

/// (value, mask, IPv4 group mask, need bits) of an address field.
fn addr_words_of(f: &AddrField) -> (u128, u128, u32, u32) {
    match f {
        AddrField::Any => (0, 0, 0, 0),
        AddrField::Match { net, prefix } => {
            let keep = u32::from(*prefix) + if net.is_ipv4() { 96 } else { 0 };
            let need = if net.is_ipv4() {
                control::NEED_V4
            } else {
                control::NEED_V6
            };
            (
                addr_words(*net) & prefix_mask(keep),
                prefix_mask(keep),
                0,
                need,
            )
        }
        AddrField::Group {
            v4_prefix,
            v6_prefix,
        } => (0, prefix_mask(u32::from(*v6_prefix)), v4_low(*v4_prefix), 0),
    }
}

/// The 32-bit mask of an IPv4 prefix.
fn v4_low(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    }
}

fn put_u128(w: &mut [u32], v: u128) {
    for (i, x) in w.iter_mut().take(4).enumerate() {
        *x = (v >> (96 - 32 * i)) as u32;
    }
}

fn put_u64(w: &mut [u32], v: u64) {
    w[0] = v as u32;
    w[1] = (v >> 32) as u32;
}

/// Every rule's words and the lane setting, for a rule set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    pub rules: Vec<RuleWords>,
    pub lane_bits: u32,
}

/// Place and encode a rule set.
pub fn encode(set: &RuleSet) -> Result<Encoded, PlacementError> {
    let placement = place(set)?;
    let rules = set
        .rules
        .iter()
        .zip(&placement.lanes)
        .map(|(r, &l)| encode_rule(r, l))
        .collect();
    Ok(Encoded {
        rules,
        lane_bits: placement.lane_bits,
    })
}

/// The stats hash key as register words (key byte 0 in the top bits of word 0).
pub fn hash_key_words(key: &[u8; HASH_KEY_BYTES]) -> [u32; HASH_KEY_WORDS] {
    let mut w = [0u32; HASH_KEY_WORDS];
    for (i, x) in w.iter_mut().enumerate() {
        *x = u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
    }
    w
}

// ---- reading rules back from the registers ------------------------------------------------------

/// The rule in the registers `words` and its lane, or `None` when the rule is off (CONTROL's
/// ENABLED bit clear). The hardware holds no names, so the rule is named `"rule N"` with the
/// `number` the caller passes (number rules from 1, as errors and `vantage rules check` do).
///
/// For words `encode_rule` wrote, `encode_rule(&rule, lane)` gives `words` back. The words do not
/// always tell which rule was loaded, so the rule returned is one of those that encode to them:
/// a match under mask 0 comes back as a wildcard unless a NEED bit shows it (then as a match of 0
/// under mask 0 on the first field that could have set it), a match of ::/0 likewise, and an IPv4
/// network as the IPv6 network `::a.b.c.d/(96 + prefix)` when the words cannot say which one it
/// was. Prefix lengths come from the masks' leading ones (an IPv4 match mask has 96 before them).
/// Words no rule encodes to (a mask with a hole, value bits outside the mask) decode to a nearby
/// rule; encoding that rule again shows the difference.
pub fn decode_rule(words: &RuleWords, number: usize) -> Option<(Rule, usize)> {
    use control::*;
    let ctl = words[word::CONTROL];
    if ctl & ENABLED == 0 {
        return None;
    }
    let (ing_pro, flags) = (words[word::INGRESS_PROTO], words[word::FLAGS]);
    let (sport, dport) = (words[word::SPORT], words[word::DPORT]);
    let (src_ip, dst_ip) = decode_addrs(words, ctl);
    let mut rule = Rule {
        name: format!("rule {number}"),
        ingress_port: numeric_field(
            ing_pro as u8,
            (ing_pro >> 8) as u8,
            ctl & GROUP_INGRESS != 0,
        ),
        src_ip,
        dst_ip,
        src_port: numeric_field((sport >> 16) as u16, sport as u16, ctl & GROUP_SPORT != 0),
        dst_port: numeric_field((dport >> 16) as u16, dport as u16, ctl & GROUP_DPORT != 0),
        ip_proto: numeric_field(
            (ing_pro >> 16) as u8,
            (ing_pro >> 24) as u8,
            ctl & GROUP_PROTO != 0,
        ),
        tcp_flags: numeric_field(flags as u8, (flags >> 8) as u8, ctl & GROUP_FLAGS != 0),
        first: ctl & FIRST != 0,
        threshold: decode_threshold(words),
        history: ctl & HISTORY != 0,
    };
    restore_zero_masks(&mut rule, ctl);
    Some((rule, ((ctl >> LANE_SHIFT) & 3) as usize))
}

/// A numeric field from its value, mask and group bit (the inverse of `numeric_words`).
fn numeric_field<T>(value: T, mask: T, group: bool) -> Field<T>
where
    T: Copy + Default + PartialEq,
{
    if group {
        Field::Group { mask }
    } else if mask == T::default() && value == T::default() {
        Field::Any
    } else {
        Field::Match { value, mask }
    }
}

/// A match under mask 0 writes only its NEED bit: where such a bit is set and no decoded field
/// explains it, put back a match of 0 under mask 0, so that encoding sets the bit again.
fn restore_zero_masks(rule: &mut Rule, ctl: u32) {
    let zero_u16 = Field::Match { value: 0, mask: 0 };
    let zero_u8 = Field::Match { value: 0, mask: 0 };
    if rule.history {
        return; // HISTORY explains NEED_IP and NEED_PORTS, and a history rule matches no ports
    }
    if ctl & control::NEED_PORTS != 0 && rule.src_port == Field::Any && rule.dst_port == Field::Any
    {
        rule.src_port = zero_u16;
    }
    if ctl & control::NEED_TCP != 0 && rule.tcp_flags == Field::Any {
        rule.tcp_flags = zero_u8;
    }
    let no_ip = rule.ip_proto == Field::Any
        && rule.src_ip == AddrField::Any
        && rule.dst_ip == AddrField::Any;
    if ctl & control::NEED_IP != 0 && no_ip {
        rule.ip_proto = zero_u8;
    }
}

/// Both address fields. NEED_V4 and NEED_V6 are shared by the two, so each field's readings
/// (see `addr_readings`) are paired and the first pair whose matches set exactly those bits wins.
fn decode_addrs(w: &RuleWords, ctl: u32) -> (AddrField, AddrField) {
    let need = ctl & (control::NEED_V4 | control::NEED_V6);
    let src = addr_readings(w, word::SRC, ctl & control::GROUP_SRC != 0);
    let dst = addr_readings(w, word::DST, ctl & control::GROUP_DST != 0);
    let pairs: Vec<(AddrField, AddrField)> = src
        .iter()
        .flat_map(|s| dst.iter().map(move |d| (*s, *d)))
        .collect();
    let fits = |(s, d): &&(AddrField, AddrField)| need_bits(s) | need_bits(d) == need;
    pairs
        .iter()
        .find(fits)
        .or(pairs.first())
        .copied()
        .unwrap_or_default()
}

/// The fields an address block can be, most likely first (never empty).
fn addr_readings(w: &RuleWords, base: usize, group: bool) -> Vec<AddrField> {
    let value = get_u128(&w[base + word::ADDR_VALUE..base + word::ADDR_VALUE + 4]);
    let mask = get_u128(&w[base + word::ADDR_MASK..base + word::ADDR_MASK + 4]);
    let ones = mask.leading_ones();
    if group {
        let v4_prefix = w[base + word::ADDR_V4_GROUP].leading_ones() as u8;
        return vec![AddrField::Group {
            v4_prefix,
            v6_prefix: ones as u8,
        }];
    }
    let v6 = AddrField::Match {
        net: IpAddr::V6(value.into()),
        prefix: ones as u8,
    };
    if mask == 0 && value == 0 {
        // A wildcard, or ::/0 (an IPv4 /0 still masks the 96 zero-extension bits).
        return vec![AddrField::Any, v6];
    }
    // An IPv4 network is zero-extended and its mask covers the 96 extension bits.
    if ones >= 96 && value >> 32 == 0 {
        let v4 = AddrField::Match {
            net: IpAddr::V4((value as u32).into()),
            prefix: (ones - 96) as u8,
        };
        return vec![v4, v6];
    }
    vec![v6]
}

/// The NEED_V4 / NEED_V6 bit an address field sets.
fn need_bits(f: &AddrField) -> u32 {
    match f {
        AddrField::Match {
            net: IpAddr::V4(_), ..
        } => control::NEED_V4,
        AddrField::Match {
            net: IpAddr::V6(_), ..
        } => control::NEED_V6,
        _ => 0,
    }
}

/// The thresholds; a zero word pair means none.
fn decode_threshold(w: &RuleWords) -> Option<crate::rules::Threshold> {
    let nonzero = |v: u64| (v != 0).then_some(v);
    let packets = nonzero(get_u64(&w[word::THRESHOLD_PACKETS..]));
    let bytes = nonzero(get_u64(&w[word::THRESHOLD_BYTES..]));
    (packets.is_some() || bytes.is_some()).then_some(crate::rules::Threshold { packets, bytes })
}

/// The inverse of `put_u128`: word 0 holds the top bits.
fn get_u128(w: &[u32]) -> u128 {
    w.iter().take(4).fold(0, |v, &x| v << 32 | u128::from(x))
}

/// The inverse of `put_u64`: low word first.
fn get_u64(w: &[u32]) -> u64 {
    u64::from(w[0]) | u64::from(w[1]) << 32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rules;

    #[test]
    fn key_bytes_round_trip() {
        let k = GroupKey {
            rule: 31,
            v6: true,
            ingress_port: 7,
            src: [1; 16],
            dst: [2; 16],
            sport: 0x1234,
            dport: 80,
            proto: 6,
            tcp_flags: 0x12,
        };
        let b = k.to_bytes();
        assert_eq!(b[0], 31 << 3 | 4);
        assert_eq!(GroupKey::from_bytes(&b), k);
    }

    #[test]
    fn entry_words_round_trip() {
        let e = Entry {
            valid: true,
            crossed: true,
            key: GroupKey {
                rule: 5,
                dport: 22,
                src: [7; 16],
                ..Default::default()
            },
            packets: 0x1_0000_0002,
            bytes: 0x3_0000_0004,
        };
        let w = e.to_words();
        assert_eq!(w[13] >> 24, 5 << 3, "key byte 0 in bits 447..440");
        assert_eq!(Entry::from_words(&w), e);
    }

    #[test]
    fn lanes_by_overlap() {
        // Two disjoint port rules share lane 0; a per-source rule overlaps both.
        let set = parse_rules(
            r#"{"epoch_ms": 1000, "rules": [
            {"name": "ssh", "dst_port": 22, "src_ip": "group"},
            {"name": "web", "dst_port": 80, "src_ip": "group"},
            {"name": "all", "src_ip": "group"}]}"#,
        )
        .unwrap();
        assert_eq!(
            place(&set).unwrap(),
            Placement {
                lanes: vec![0, 0, 1],
                lane_bits: 1
            }
        );
    }

    #[test]
    fn first_rules_free_their_lane_and_five_overlapping_rules_are_refused() {
        let mut rules: Vec<String> = (0..5)
            .map(|i| format!(r#"{{"name": "r{i}", "src_ip": "group"}}"#))
            .collect();
        let text =
            |rules: &[String]| format!(r#"{{"epoch_ms": 1000, "rules": [{}]}}"#, rules.join(","));
        let err = place(&parse_rules(&text(&rules)).unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .contains("rules 1 (\"r0\"), 2 (\"r1\"), 3 (\"r2\"), 4 (\"r3\"), 5 (\"r4\")"),
            "{err}"
        );
        rules[0] = r#"{"name": "r0", "src_ip": "group", "first": true}"#.into();
        assert_eq!(
            place(&parse_rules(&text(&rules)).unwrap()).unwrap().lanes,
            [0, 0, 1, 2, 3]
        );
    }

    #[test]
    fn networks_of_different_versions_or_prefixes_are_disjoint() {
        let net = |s: &str| match crate::rules::parse_rules(&format!(
            r#"{{"epoch_ms": 1, "rules": [{{"name": "a", "src_ip": "{s}"}}]}}"#
        )) {
            Ok(set) => set.rules[0].src_ip,
            Err(e) => panic!("{e}"),
        };
        assert!(addr_overlap(&net("10.0.0.0/8"), &net("10.1.0.0/16")));
        assert!(!addr_overlap(&net("10.0.0.0/8"), &net("11.0.0.0/8")));
        assert!(!addr_overlap(&net("10.0.0.0/8"), &net("::/0")));
        assert!(addr_overlap(&net("2001:db8::/32"), &net("2001:db8:1::/48")));
    }

    #[test]
    fn figure_1_encoding() {
        let set = parse_rules(
            r#"{"epoch_ms": 1000, "rules": [
            {"name": "ssh per source", "dst_port": 22, "src_ip": {"group": {"v4": 24}}, "threshold": {"packets": 100}}]}"#,
        )
        .unwrap();
        let w = encode(&set).unwrap().rules[0];
        use control::*;
        assert_eq!(w[word::CONTROL], ENABLED | GROUP_SRC | NEED_IP | NEED_PORTS);
        assert_eq!(w[word::DPORT], 22 << 16 | 0xFFFF);
        assert_eq!(w[word::SPORT], 0);
        assert_eq!(w[word::SRC + word::ADDR_V4_GROUP], 0xFFFF_FF00);
        assert_eq!(
            &w[word::SRC + word::ADDR_MASK..word::SRC + word::ADDR_MASK + 4],
            &[u32::MAX; 4]
        );
        assert_eq!(
            (w[word::THRESHOLD_PACKETS], w[word::THRESHOLD_PACKETS + 1]),
            (100, 0)
        );
    }

    #[test]
    fn a_history_rule_takes_no_lane_and_reads_back() {
        let set = parse_rules(
            r#"{"epoch_ms": 1000, "rules": [
            {"name": "a", "src_ip": "group"},
            {"name": "conns", "history": true, "ip_proto": "tcp"},
            {"name": "b", "dst_ip": "group"}]}"#,
        )
        .unwrap();
        let enc = encode(&set).unwrap();
        use control::*;
        let ctl = enc.rules[1][word::CONTROL];
        assert_eq!(ctl, ENABLED | HISTORY | NEED_IP | NEED_PORTS);
        // Rules 1 and 3 overlap each other only: lanes 0 and 1.
        let lanes: Vec<u32> = enc
            .rules
            .iter()
            .map(|w| (w[word::CONTROL] >> LANE_SHIFT) & 3)
            .collect();
        assert_eq!((lanes, enc.lane_bits), (vec![0, 0, 1], 1));
        let (back, _) = decode_rule(&enc.rules[1], 2).unwrap();
        assert_eq!(
            back,
            Rule {
                name: "rule 2".into(),
                ..set.rules[1].clone()
            }
        );
        assert_eq!(encode_rule(&back, 0), enc.rules[1]);
    }

    #[test]
    fn a_zero_hash_key_puts_every_group_in_bucket_zero() {
        let k = GroupKey {
            rule: 3,
            src: [9; 16],
            ..Default::default()
        };
        assert_eq!(
            locate(&[0; HASH_KEY_BYTES], &k, 2, 2),
            Location { bank: 2, bucket: 0 }
        );
        let spread: std::collections::BTreeSet<Location> = (0..64u16)
            .map(|p| locate(&DEFAULT_HASH_KEY, &GroupKey { sport: p, ..k }, 0, 0))
            .collect();
        assert!(
            spread.len() > 50,
            "the default key spreads groups: {} buckets of 64",
            spread.len()
        );
        assert!(
            spread
                .iter()
                .map(|l| l.bank)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                == 4
        );
    }

    use crate::rules::FIGURE1;

    /// Figure 1's registers, written by hand from the layout in the module documentation. The
    /// second rule overlaps the first (any source, port 22 is in "group"), so it takes lane 1.
    fn figure_1_words() -> [RuleWords; 2] {
        let mut ssh = [0u32; RULE_WORDS];
        ssh[0] = 0x0000_1811; // ENABLED (0), GROUP_SRC (4), NEED_IP (11), NEED_PORTS (12); lane 0
        ssh[4] = 0x0016_FFFF; // dport: value 22 in 31:16, mask 0xFFFF in 15:0
        ssh[9..13].copy_from_slice(&[0xFFFF_FFFF; 4]); // source IPv6 group mask: /128
        ssh[13] = 0xFFFF_FFFF; // source IPv4 group mask: /32
        ssh[23] = 100; // packets threshold, low word
        let mut syn = [0u32; RULE_WORDS];
        // ENABLED (0), FIRST (1), lane 1 (3:2 = 01), GROUP_SPORT (6), GROUP_DPORT (7), NEED_IP (11),
        // NEED_PORTS (12), NEED_TCP (13), NEED_V4 (14).
        syn[0] = 0x0000_78C7;
        syn[2] = 0x0000_1202; // flags: value SYN 0x02 in 7:0, mask SYN|ACK 0x12 in 15:8
        syn[3] = 0x0000_FFFF; // sport grouped: value 0, mask 0xFFFF
        syn[4] = 0x0000_FFFF; // dport likewise
        syn[8] = 0x0A00_0000; // source value ::10.0.0.0, the low word
        syn[9..13].copy_from_slice(&[0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFF00_0000]); // 96 + 8 ones
        [ssh, syn]
    }

    #[test]
    fn figure_1_registers_by_hand() {
        let enc = encode(&parse_rules(FIGURE1).unwrap()).unwrap();
        assert_eq!(enc.rules, figure_1_words());
        assert_eq!(enc.lane_bits, 1, "two lanes in use");
    }

    #[test]
    fn figure_1_decodes_to_its_rules_named_by_number() {
        let set = parse_rules(FIGURE1).unwrap();
        for (i, (words, lane)) in figure_1_words().iter().zip([0, 1]).enumerate() {
            let expected = Rule {
                name: format!("rule {}", i + 1),
                ..set.rules[i].clone()
            };
            assert_eq!(
                decode_rule(words, i + 1),
                Some((expected, lane)),
                "rule {}",
                i + 1
            );
        }
    }

    #[test]
    fn a_rule_without_the_enabled_bit_is_none() {
        assert_eq!(decode_rule(&[0; RULE_WORDS], 1), None);
        let mut w = figure_1_words()[1];
        w[word::CONTROL] &= !control::ENABLED;
        assert_eq!(decode_rule(&w, 2), None);
    }

    #[test]
    fn matches_under_mask_0_come_back_from_their_need_bits() {
        let set = parse_rules(
            r#"{"epoch_ms": 1, "rules": [{"name": "a", "dst_port": {"match": 0, "mask": 0},
                "tcp_flags": {"match": 0, "mask": 0}, "ip_proto": {"match": 6, "mask": 0}, "dst_ip": "::/0"}]}"#,
        )
        .unwrap();
        let w = encode_rule(&set.rules[0], 3);
        use control::*;
        // Only the NEED bits say these fields are there: every value and mask word is 0.
        assert_eq!(
            w[word::CONTROL],
            ENABLED | 3 << LANE_SHIFT | NEED_IP | NEED_PORTS | NEED_TCP | NEED_V6
        );
        assert!(w[1..].iter().all(|&x| x == 0));
        let (r, lane) = decode_rule(&w, 7).unwrap();
        assert_eq!(lane, 3);
        assert_eq!(
            (r.src_port, r.dst_port),
            (Field::Match { value: 0, mask: 0 }, Field::Any),
            "the first port takes it"
        );
        assert_eq!(r.tcp_flags, Field::Match { value: 0, mask: 0 });
        assert_eq!(
            r.dst_ip,
            AddrField::Match {
                net: "::".parse().unwrap(),
                prefix: 0
            }
        );
        assert_eq!(r.ip_proto, Field::Any, "the ::/0 match already needs IP");
        assert_eq!(encode_rule(&r, 3), w);
    }

    #[test]
    fn address_versions_are_paired_through_the_shared_need_bits() {
        // Source IPv6 /48, destination IPv4 /24: NEED_V4 and NEED_V6 both set.
        let set = parse_rules(
            r#"{"epoch_ms": 1, "rules": [{"name": "a", "src_ip": "2001:db8:1::/48", "dst_ip": "192.0.2.0/24"}]}"#,
        )
        .unwrap();
        let (r, _) = decode_rule(&encode_rule(&set.rules[0], 0), 1).unwrap();
        assert_eq!(
            r.src_ip,
            AddrField::Match {
                net: "2001:db8:1::".parse().unwrap(),
                prefix: 48
            }
        );
        assert_eq!(
            r.dst_ip,
            AddrField::Match {
                net: "192.0.2.0".parse().unwrap(),
                prefix: 24
            }
        );
    }

    mod round_trip {
        use super::*;
        use crate::rules::Threshold;
        use proptest::prelude::*;
        use std::net::{Ipv4Addr, Ipv6Addr};

        fn numeric<T: Arbitrary + Copy + 'static>() -> impl Strategy<Value = Field<T>> {
            prop_oneof![
                Just(Field::Any),
                (any::<T>(), any::<T>()).prop_map(|(value, mask)| Field::Match { value, mask }),
                any::<T>().prop_map(|mask| Field::Group { mask }),
            ]
        }

        /// Networks with their host bits clear, as `parse_rules` gives them; IPv6 ones near the
        /// IPv4 range and ::/0 made likely, since those are where the words are ambiguous.
        fn address() -> impl Strategy<Value = AddrField> {
            let v4 = |a: u32, p: u8| {
                Ipv4Addr::from(a & u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0))
            };
            let v6 = |a: u128, p: u8| {
                Ipv6Addr::from(a & u128::MAX.checked_shl(128 - u32::from(p)).unwrap_or(0))
            };
            prop_oneof![
                Just(AddrField::Any),
                (any::<u32>(), 0u8..=32).prop_map(move |(a, p)| AddrField::Match {
                    net: v4(a, p).into(),
                    prefix: p
                }),
                (any::<u128>(), 0u8..=128).prop_map(move |(a, p)| AddrField::Match {
                    net: v6(a, p).into(),
                    prefix: p
                }),
                (0u128..1 << 32, 96u8..=128).prop_map(move |(a, p)| AddrField::Match {
                    net: v6(a, p).into(),
                    prefix: p
                }),
                Just(AddrField::Match {
                    net: Ipv6Addr::UNSPECIFIED.into(),
                    prefix: 0
                }),
                (0u8..=32, 0u8..=128).prop_map(|(v4_prefix, v6_prefix)| AddrField::Group {
                    v4_prefix,
                    v6_prefix
                }),
            ]
        }

        fn rule() -> impl Strategy<Value = Rule> {
            let fields = (
                numeric::<u8>(),
                address(),
                address(),
                numeric::<u16>(),
                numeric::<u16>(),
                numeric::<u8>(),
                numeric::<u8>(),
            );
            let count = proptest::option::of(1u64..=u64::MAX);
            let threshold = proptest::option::of(
                (count.clone(), count).prop_map(|(packets, bytes)| Threshold { packets, bytes }),
            );
            (fields, any::<bool>(), threshold).prop_map(
                |(
                    (ingress_port, src_ip, dst_ip, src_port, dst_port, ip_proto, tcp_flags),
                    first,
                    threshold,
                )| {
                    Rule {
                        name: "generated".into(),
                        ingress_port,
                        src_ip,
                        dst_ip,
                        src_port,
                        dst_port,
                        ip_proto,
                        tcp_flags,
                        first,
                        threshold,
                        history: false,
                    }
                },
            )
        }

        /// A match value inside its mask, no match under mask 0, no IPv6 network the words cannot
        /// tell from an IPv4 one, no empty threshold: rules whose words name them exactly.
        fn distinct(mut r: Rule) -> Rule {
            fn tidy<T: Copy + Default + PartialEq + std::ops::BitAnd<Output = T>>(
                f: Field<T>,
            ) -> Field<T> {
                match f {
                    Field::Match { mask, .. } if mask == T::default() => Field::Any,
                    Field::Match { value, mask } => Field::Match {
                        value: value & mask,
                        mask,
                    },
                    other => other,
                }
            }
            let tidy_addr = |f: AddrField| match f {
                AddrField::Match {
                    net: IpAddr::V6(a),
                    prefix,
                } if prefix == 0 || (prefix >= 96 && u128::from(a) >> 32 == 0) => AddrField::Any,
                other => other,
            };
            (r.ingress_port, r.ip_proto, r.tcp_flags) =
                (tidy(r.ingress_port), tidy(r.ip_proto), tidy(r.tcp_flags));
            (r.src_port, r.dst_port) = (tidy(r.src_port), tidy(r.dst_port));
            (r.src_ip, r.dst_ip) = (tidy_addr(r.src_ip), tidy_addr(r.dst_ip));
            r.threshold = r
                .threshold
                .filter(|t| t.packets.is_some() || t.bytes.is_some());
            r
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn encode_decode_encode_gives_the_same_words(r in rule(), lane in 0..LANES, n in 1..=RULES) {
                let words = encode_rule(&r, lane);
                let decoded = decode_rule(&words, n);
                prop_assert!(decoded.is_some(), "an encoded rule is enabled");
                let (back, back_lane) = decoded.unwrap();
                prop_assert_eq!(back_lane, lane);
                prop_assert_eq!(&back.name, &format!("rule {n}"));
                prop_assert_eq!(encode_rule(&back, lane), words);
            }

            #[test]
            fn rules_the_words_tell_apart_come_back_unchanged(r in rule().prop_map(distinct), lane in 0..LANES) {
                let back = decode_rule(&encode_rule(&r, lane), 5);
                prop_assert_eq!(back, Some((Rule { name: "rule 5".into(), ..r }, lane)));
            }
        }
    }
}
