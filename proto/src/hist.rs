//! The connection-history unit's contract: the state it keeps per bidirectional connection, the
//! letter codes of the history string, and Zeek's timer constants. The RTL generator
//! (`hdl::stats::hist`) slices its state vector by `state_layout()`; the model
//! (`model::stats::hist`) packs its fields by the same table, so the two agree bit for bit.
//!
//! ```text
//!  state vector, STATE_BITS bits, bit 0 = least significant; fields in layout order from bit 0:
//!  +------------------------------ connection ------------------------------+-- endpoint 0 --+-- endpoint 1 --+
//!  | tcp orig partial seen active long | hist_seen | letters len over |      | st prev start  | (same fields)  |
//!  | last_ns start_ns | exp_v exp att_v att del_v del                   |      | last ack ...   |                |
//!  +------------------------------------------------------------------------+----------------+----------------+
//!  endpoint 0 is the side whose address/port sort first (the group key's canonical order);
//!  `orig` names the endpoint that is the originator now. Counts stay with their endpoint, so a
//!  role flip only toggles `orig`.
//!
//!  letters: HIST_LETTERS codes of 5 bits, letter 0 in bits 4..0; `len` letters are valid;
//!  `over` is set when a letter did not fit.
//!  code: 0 none, 1..12 the upper-case letters of LETTERS, | LOWER for the responder's.
//! ```
//!
//! Relative sequence numbers are kept in 32 bits (Zeek: 64 with wrap counts); two positions a
//! multiple of 4 GiB apart compare equal. docs/zeek-history.md lists every such choice.

/// Letters the history string holds in hardware (Zeek's strings in its own test suite are at
/// most 12 long).
pub const HIST_LETTERS: usize = 16;
/// Bits of a letter code.
pub const CODE_BITS: usize = 5;
/// Upper-case letters by code (code = index + 1); `^` has no lower case.
pub const LETTERS: [char; 12] = ['S', 'H', 'A', 'D', 'F', 'R', 'I', 'Q', 'T', 'W', 'G', '^'];
/// Or-ed into a code for the responder's (lower-case) letter.
pub const LOWER: u8 = 16;

/// The code of a letter (upper case: originator, lower case: responder); `None` for a letter
/// the unit never writes.
pub fn code_of(letter: char) -> Option<u8> {
    let up = letter.to_ascii_uppercase();
    let i = LETTERS.iter().position(|&l| l == up)? as u8 + 1;
    Some(if letter.is_ascii_lowercase() {
        i | LOWER
    } else {
        i
    })
}

/// The letter of a code; `None` for 0 and unused codes.
pub fn letter_of(code: u8) -> Option<char> {
    let up = *LETTERS.get(((code & (LOWER - 1)) as usize).checked_sub(1)?)?;
    match (up, code & LOWER != 0) {
        ('^', true) => None,
        (c, true) => Some(c.to_ascii_lowercase()),
        (c, false) => Some(c),
    }
}

/// What the unit reads of one frame (the parse stage's fields and bits from the port table).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistPkt {
    /// The sender's endpoint (0: its address and port sort first).
    pub side: u8,
    /// Ingress timestamp, ns.
    pub ts: u64,
    /// TCP (else UDP).
    pub tcp: bool,
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
    /// Transport payload length from the IP header.
    pub payload_len: u32,
    /// IP total length (what Zeek's `*_ip_bytes` add).
    pub ip_len: u32,
    /// The source / destination port is in `likely_server_ports`.
    pub srv_src: bool,
    pub srv_dst: bool,
    /// The source port is below the destination port.
    pub sport_lt_dport: bool,
    /// The destination is the IPv4 broadcast address.
    pub dst_bcast: bool,
}

/// Zeek's TCP endpoint states (`TCP_ENDPOINT_*`), as 3-bit codes.
pub mod state {
    pub const INACTIVE: u8 = 0;
    pub const SYN_SENT: u8 = 1;
    pub const SYN_ACK_SENT: u8 = 2;
    pub const PARTIAL: u8 = 3;
    pub const ESTABLISHED: u8 = 4;
    pub const CLOSED: u8 = 5;
    pub const RESET: u8 = 6;
}

/// Bits of `hist_seen` (Zeek's `HIST_*`, 8 per role: originator in 7..0, responder in 15..8).
pub mod seen {
    pub const SYN: u16 = 0x1;
    pub const FIN: u16 = 0x2;
    pub const RST: u16 = 0x4;
    pub const FIN_RST: u16 = 0x8;
    pub const DATA: u16 = 0x10;
    pub const ACK: u16 = 0x20;
    pub const MULTI_FLAG: u16 = 0x40;
    /// Shift of the responder's bits.
    pub const RESP_SHIFT: u32 = 8;
}

/// Zeek's timers (`scripts/base/init-bare.zeek`), ns.
pub mod timer {
    const SEC: u64 = 1_000_000_000;
    /// `tcp_SYN_timeout`: the first expire check of a new connection.
    pub const SYN_TIMEOUT: u64 = 5 * SEC;
    /// `tcp_session_timer`: the expire check's period.
    pub const SESSION_TIMER: u64 = 6 * SEC;
    /// `tcp_connection_linger`.
    pub const LINGER: u64 = 5 * SEC;
    /// `tcp_attempt_delay`.
    pub const ATTEMPT_DELAY: u64 = 5 * SEC;
    /// `tcp_close_delay`.
    pub const CLOSE_DELAY: u64 = 5 * SEC;
    /// `tcp_inactivity_timeout`, once the handshake is over.
    pub const TCP_INACTIVITY: u64 = 300 * SEC;
    /// `udp_inactivity_timeout`; also a TCP connection's until its handshake is over.
    pub const UDP_INACTIVITY: u64 = 60 * SEC;
}

/// Ports Zeek's base scripts register for TCP analyzers (`likely_server_ports`, filled by every
/// `Analyzer::register_for_ports` in `scripts/base/protocols/*/main.zeek`). A connection whose
/// first packet is not a plain SYN is flipped when its source port is one of these.
pub const LIKELY_SERVER_TCP_PORTS: &[u16] = &[
    21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 465, 502, 563, 585, 587, 614,
    631, 636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222, 5223,
    5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
];

/// `tcp_max_above_hole_without_any_acks`.
pub const MAX_ABOVE_HOLE_WITHOUT_ACKS: u32 = 16384;
/// `tcp_excessive_data_without_further_acks`.
pub const EXCESSIVE_DATA_WITHOUT_ACKS: u32 = 10 * 1024 * 1024;
/// A SYN or RST whose sequence number moves further than this is not trusted.
pub const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;
/// A scaled letter's counter restarts after this many occurrences (Zeek's threshold would
/// overflow 32 bits at the next power of ten).
pub const SCALED_LAST: u32 = 1_000_000_000;

/// Fields of the connection part, in order from bit 0, with their widths.
pub const CONN_FIELDS: &[(&str, usize)] = &[
    // 1: TCP, 0: UDP.
    ("tcp", 1),
    // The endpoint that is the originator now.
    ("orig", 1),
    // Zeek's is_partial.
    ("partial", 1),
    // First packet seen: bit 0 from the originator, bit 1 from the responder.
    ("seen", 2),
    // Zeek's is_active (cleared by ConnectionFinished).
    ("active", 1),
    // The inactivity timeout is 300 s (the handshake is over), else 60 s.
    ("long", 1),
    // Letters written once (`seen::*`), by role at the time of writing.
    ("hist_seen", 16),
    ("letters", HIST_LETTERS * CODE_BITS),
    ("len", 5),
    ("over", 1),
    // Timestamp of the last and the first frame, ns.
    ("last_ns", 64),
    ("start_ns", 64),
    // Zeek's expire, attempt and delete timers: armed bit and due time, ns.
    ("exp_v", 1),
    ("exp", 64),
    ("att_v", 1),
    ("att", 64),
    ("del_v", 1),
    ("del", 64),
];

/// Fields of one endpoint, in order from bit 0, with their widths.
pub const ENDPOINT_FIELDS: &[(&str, usize)] = &[
    // TCP state and the state before it (`state::*`).
    ("st", 3),
    ("prev", 3),
    // Start (the SYN's sequence number or one before the first), highest end sent, highest
    // acknowledged by the peer.
    ("start", 32),
    ("last", 32),
    ("ack", 32),
    // Wraps of `last` and of `ack`, saturating at 3 (only "none" decides anything).
    ("swrap", 2),
    ("awrap", 2),
    // Relative sequence numbers of the last SYN, the last FIN's end, the last RST.
    ("lsyn", 32),
    ("lfin", 32),
    ("lrst", 32),
    // A FIN was sent, and the relative end of the last one.
    ("fin", 1),
    ("finseq", 32),
    // Zeek's did_close.
    ("closed", 1),
    // Scaled letters' counters: retransmissions, zero windows, content gaps.
    ("rxmt", 32),
    ("win0", 32),
    ("gap", 32),
    // Reassembly, reduced to one block above the in-order point: next byte in order, trim
    // point, the block [blo, bhi) (none when bhi == 0), stopped following.
    ("next", 32),
    ("trim", 32),
    ("blo", 32),
    ("bhi", 32),
    ("skip", 1),
    // Packets and IP bytes this endpoint sent.
    ("pkts", 64),
    ("bytes", 64),
];

const fn sum(fields: &[(&str, usize)]) -> usize {
    let mut i = 0;
    let mut n = 0;
    while i < fields.len() {
        n += fields[i].1;
        i += 1;
    }
    n
}

/// Bits of the connection part.
pub const CONN_BITS: usize = sum(CONN_FIELDS);
/// Bits of one endpoint.
pub const ENDPOINT_BITS: usize = sum(ENDPOINT_FIELDS);
/// Bits of the whole state vector.
pub const STATE_BITS: usize = CONN_BITS + 2 * ENDPOINT_BITS;
/// 32-bit words of the state vector.
pub const STATE_WORDS: usize = STATE_BITS.div_ceil(32);

/// One field of the state vector: its name (`e0_`/`e1_` before an endpoint's), low bit and width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slice {
    pub name: String,
    pub lo: usize,
    pub bits: usize,
}

/// Every field of the state vector, from bit 0 up.
pub fn state_layout() -> Vec<Slice> {
    let mut out = Vec::new();
    let mut lo = 0;
    let mut push = |name: String, bits: usize| {
        out.push(Slice { name, lo, bits });
        lo += bits;
    };
    for &(n, b) in CONN_FIELDS {
        push(n.to_string(), b);
    }
    for e in 0..2 {
        for &(n, b) in ENDPOINT_FIELDS {
            push(format!("e{e}_{n}"), b);
        }
    }
    out
}

/// The state vector as 32-bit words, word 0 holding bits 31..0; fields set by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateBits(pub [u32; STATE_WORDS]);

impl Default for StateBits {
    fn default() -> Self {
        StateBits([0; STATE_WORDS])
    }
}

impl StateBits {
    /// Write `value` (at most 64 bits) at `lo`, `bits` wide.
    pub fn put(&mut self, lo: usize, bits: usize, value: u64) {
        for i in 0..bits {
            let b = lo + i;
            let w = &mut self.0[b / 32];
            let bit = ((value >> i) & 1) as u32;
            *w = (*w & !(1 << (b % 32))) | (bit << (b % 32));
        }
    }

    /// Read `bits` (at most 64) at `lo`.
    pub fn get(&self, lo: usize, bits: usize) -> u64 {
        (0..bits).fold(0, |v, i| {
            let b = lo + i;
            v | ((((self.0[b / 32] >> (b % 32)) & 1) as u64) << i)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_contiguous_and_fits_four_table_entries() {
        let l = state_layout();
        let mut lo = 0;
        for s in &l {
            assert_eq!(s.lo, lo, "{}", s.name);
            assert!(s.bits > 0 && (s.bits <= 64 || s.name == "letters"));
            lo += s.bits;
        }
        assert_eq!(lo, STATE_BITS);
        assert!(STATE_BITS <= 4 * crate::stats::ENTRY_BITS - crate::stats::KEY_BITS - 2);
    }

    #[test]
    fn letter_codes_round_trip() {
        for l in "SHADFRIQTWG^shadfriqtwg".chars() {
            let c = code_of(l).expect("known letter");
            assert_eq!(letter_of(c), Some(l));
            assert!(c != 0 && (c as usize) < (1 << CODE_BITS));
        }
        assert_eq!(code_of('X'), None);
        assert_eq!(letter_of(0), None);
        assert_eq!(letter_of(12 | LOWER), None);
    }
}
