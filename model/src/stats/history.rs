//! Zeek's connection history (`conn.log` field `history`) and per-direction packet and IP-byte
//! counts, per bidirectional connection, fed one frame at a time.
//!
//! This is the golden reference for the stats stage's history: it states Zeek's behaviour
//! directly (`docs/zeek-history.md` gives every rule with the Zeek function it comes from) and
//! is deliberately not shaped like hardware. It keeps what Zeek keeps: per endpoint a TCP state,
//! start/last/ack sequence numbers with wrap counts, the relative sequence number of the last
//! SYN, FIN and RST, base-10 scaled counters for T, W and G, and for G the set of byte ranges
//! seen above the reassembly point. Which of these a one-frame-per-cycle stage can hold is
//! discussed in the doc; the hardware will match this model on the letters it claims.
//!
//! Letters (upper case: originator, lower case: responder):
//!
//! | letter | when |
//! |---|---|
//! | `S` / `s` | a SYN without ACK (again only when its relative sequence number changed) |
//! | `H` / `h` | a SYN with ACK (same repeat rule) |
//! | `A` / `a` | first pure ACK (no payload, none of SYN/FIN/RST) |
//! | `D` / `d` | first packet with payload (none of SYN/FIN/RST) |
//! | `F` / `f` | a FIN (again when the sequence number after its payload changed) |
//! | `R` / `r` | a RST (again when its relative sequence number changed) |
//! | `I` / `i` | first packet with both FIN and RST |
//! | `Q` / `q` | first packet with two or more of SYN, FIN, RST other than FIN+RST |
//! | `T` / `t` | retransmitted payload, on the 1, 10, 100, ... th occurrence |
//! | `W` / `w` | zero window, same scale |
//! | `G` / `g` | content gap (acknowledged bytes never seen), same scale |
//! | `^` | the roles of originator and responder were swapped |
//!
//! Not produced: `C`/`c` (bad checksum: the model does not verify checksums, see the doc) and
//! `X` (an analyzer limit inside Zeek, unrelated to the packets' headers).
//!
//! UDP and ICMP: Zeek's UDP history has `D`/`d` for the first packet in each direction (any
//! payload); the model does the same for UDP, and keeps no history for ICMP (Zeek adds none).

use std::collections::{BTreeMap, HashMap};

use vantage_proto::flags::ParseFlags;
use vantage_proto::flowhash::KEY_BYTES;

use crate::parse::parse_frame;

pub use vantage_proto::hist::LIKELY_SERVER_TCP_PORTS;

/// Zeek timer constants (`scripts/base/init-bare.zeek`), in ns.
const SEC: u64 = 1_000_000_000;
const TCP_SYN_TIMEOUT: u64 = 5 * SEC;
const TCP_SESSION_TIMER: u64 = 6 * SEC;
const TCP_CONNECTION_LINGER: u64 = 5 * SEC;
const TCP_ATTEMPT_DELAY: u64 = 5 * SEC;
const TCP_CLOSE_DELAY: u64 = 5 * SEC;
const TCP_INACTIVITY_TIMEOUT: u64 = 300 * SEC;
const UDP_INACTIVITY_TIMEOUT: u64 = 60 * SEC;
/// `tcp_max_above_hole_without_any_acks`.
const MAX_ABOVE_HOLE_WITHOUT_ACKS: u64 = 16384;
/// `tcp_excessive_data_without_further_acks`.
const EXCESSIVE_DATA_WITHOUT_ACKS: u64 = 10 * 1024 * 1024;
/// A SYN or RST whose sequence number moves further than this is not trusted.
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// Bits of the "letter already seen" mask (Zeek's `HIST_*`); the responder's are shifted by 16.
const HIST_SYN: u32 = 0x1;
const HIST_FIN: u32 = 0x2;
const HIST_RST: u32 = 0x4;
const HIST_FIN_RST: u32 = 0x8;
const HIST_DATA: u32 = 0x10;
const HIST_ACK: u32 = 0x20;
const HIST_MULTI_FLAG: u32 = 0x40;

/// One side of a connection: address and port.
pub type Side = ([u8; 16], u16);

/// What the tracker knows about one frame's IP and transport headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub src: Side,
    pub dst: Side,
    pub ip_proto: u8,
    /// IPv4 total length, or IPv6 payload length + 40: what Zeek adds to `*_ip_bytes`.
    pub ip_total_len: u32,
    /// Transport payload length as the IP header announces it (Ethernet padding excluded).
    pub payload_len: u32,
    /// TCP header fields (seq, ack, flags, window) for TCP.
    pub tcp: Option<crate::parse::TcpFields>,
}

impl Segment {
    /// Parse a frame with the model's parser and read the two lengths Zeek needs from the IP
    /// header. `None` for frames that carry no TCP/UDP/ICMP header the parser found (non-IP,
    /// tunnels the parser does not decapsulate, non-first fragments, truncated headers).
    pub fn from_frame(frame: &[u8], key: &[u8; KEY_BYTES]) -> Option<Segment> {
        let meta = parse_frame(frame, key);
        let f = meta.flags;
        if f.has(ParseFlags::TRUNCATED) || f.has(ParseFlags::BAD_IHL) || f.has(ParseFlags::FRAGMENT)
        {
            return None;
        }
        let l3 = meta.l3_offset as usize;
        let (total, l4) = if f.has(ParseFlags::IPV4) {
            let ihl = (*frame.get(l3)? & 0x0F) as usize;
            let total = u16::from_be_bytes([*frame.get(l3 + 2)?, *frame.get(l3 + 3)?]) as usize;
            (total, l3 + 4 * ihl)
        } else if f.has(ParseFlags::IPV6) {
            let plen = u16::from_be_bytes([*frame.get(l3 + 4)?, *frame.get(l3 + 5)?]) as usize;
            (plen + 40, l3 + ipv6_headers_len(frame, l3)?)
        } else {
            return None;
        };
        // Zeek: a zero IP length means segmentation offload; the captured bytes count instead.
        let end = if total == 0 { frame.len() } else { l3 + total };
        let (payload_len, tcp) = match meta.ip_proto {
            6 => {
                let tcp = meta.tcp?;
                let hdr = 4 * tcp.data_offset as usize;
                if hdr < 20 || l4 + hdr > frame.len() || l4 + hdr > end {
                    return None; // Zeek: bad_TCP_header_len / truncated_header, packet not counted
                }
                (end - l4 - hdr, Some(tcp))
            }
            17 => {
                if !f.has(ParseFlags::PORTS) || l4 + 8 > end {
                    return None;
                }
                (end - l4 - 8, None)
            }
            1 | 58 => (end.saturating_sub(l4 + 8), None),
            _ => return None,
        };
        Some(Segment {
            src: (meta.src, meta.sport),
            dst: (meta.dst, meta.dport),
            ip_proto: meta.ip_proto,
            ip_total_len: if total == 0 {
                (frame.len() - l3) as u32
            } else {
                total as u32
            },
            payload_len: payload_len as u32,
            tcp,
        })
    }
}

/// Bytes of the IPv6 header and the extension headers the parser skips (hop-by-hop, routing,
/// destination options, fragment), read from the frame.
fn ipv6_headers_len(frame: &[u8], l3: usize) -> Option<usize> {
    let mut next = *frame.get(l3 + 6)?;
    let mut off = 40;
    loop {
        match next {
            0 | 43 | 60 => {
                next = *frame.get(l3 + off)?;
                off += 8 * (*frame.get(l3 + off + 1)? as usize + 1);
            }
            44 => {
                next = *frame.get(l3 + off)?;
                off += 8;
            }
            _ => return Some(off),
        }
    }
}

/// Zeek's TCP endpoint states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

fn in_handshake(s: St) -> bool {
    matches!(s, St::Inactive | St::SynSent | St::SynAckSent)
}

/// Signed distance between two 32-bit sequence numbers.
fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// A letter counted on Zeek's base-10 scale: it is written on the 1st, 10th, 100th, ...
/// occurrence.
#[derive(Clone, Copy, Debug)]
struct Scaled {
    count: u32,
    threshold: u32,
}

impl Scaled {
    fn new() -> Scaled {
        Scaled {
            count: 0,
            threshold: 1,
        }
    }

    /// Count one occurrence; true when the letter is to be written.
    fn hit(&mut self) -> bool {
        self.count = self.count.wrapping_add(1);
        if self.count != self.threshold {
            return false;
        }
        match self.threshold.checked_mul(10) {
            Some(t) => self.threshold = t,
            None => self.count = 0,
        }
        true
    }
}

/// Zeek's per-direction reassembly state, reduced to what decides content gaps: which byte
/// ranges (relative sequence numbers) arrived above the point delivered so far.
#[derive(Clone, Debug)]
struct Reassembly {
    /// Next byte expected in order (`last_reassem_seq`); starts at 1 (after the SYN).
    delivered: u64,
    /// Below this everything is acknowledged and forgotten (`trim_seq`).
    trimmed: u64,
    /// Ranges seen above `delivered`, start -> end, disjoint and not adjacent.
    blocks: BTreeMap<u64, u64>,
    /// Stopped following the stream (too much unacknowledged data).
    skipping: bool,
}

impl Reassembly {
    fn new() -> Reassembly {
        Reassembly {
            delivered: 1,
            trimmed: 1,
            blocks: BTreeMap::new(),
            skipping: false,
        }
    }

    fn bytes_buffered(&self) -> u64 {
        self.blocks.iter().map(|(s, e)| e - s).sum()
    }

    fn undelivered_bytes(&self) -> u64 {
        self.blocks
            .values()
            .next_back()
            .map_or(0, |&end| end - self.delivered)
    }

    /// Add `[seq, end)` to the seen ranges (merging), then deliver what became contiguous.
    fn insert(&mut self, mut seq: u64, end: u64) {
        if end <= self.trimmed {
            return;
        }
        seq = seq.max(self.trimmed);
        let (mut lo, mut hi) = (seq, end);
        let overlapping: Vec<(u64, u64)> = self
            .blocks
            .range(..=hi)
            .filter(|(&s, &e)| e >= lo && s <= hi)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in overlapping {
            self.blocks.remove(&s);
            lo = lo.min(s);
            hi = hi.max(e);
        }
        self.blocks.insert(lo, hi);
        self.deliver();
    }

    /// Move `delivered` over a range that starts at or below it; forget delivered ranges.
    fn deliver(&mut self) {
        while let Some((&s, &e)) = self.blocks.iter().next() {
            if s > self.delivered {
                break;
            }
            self.delivered = self.delivered.max(e);
            self.blocks.remove(&s);
        }
    }
}

/// One TCP endpoint (Zeek's `TCP_Endpoint`), minus what never changes the history.
#[derive(Clone, Debug)]
struct Endpoint {
    state: St,
    prev_state: St,
    start_seq: i64,
    last_seq: u32,
    ack_seq: u32,
    seq_wraps: u32,
    ack_wraps: u32,
    hist_last_syn: u64,
    hist_last_fin: u64,
    hist_last_rst: u64,
    fin_cnt: u32,
    rst_cnt: u32,
    fin_seq: u64,
    did_close: bool,
    rxmt: Scaled,
    win0: Scaled,
    gap: Scaled,
    reasm: Reassembly,
}

impl Endpoint {
    fn new() -> Endpoint {
        Endpoint {
            state: St::Inactive,
            prev_state: St::Inactive,
            start_seq: 0,
            last_seq: 0,
            ack_seq: 0,
            seq_wraps: 0,
            ack_wraps: 0,
            hist_last_syn: 0,
            hist_last_fin: 0,
            hist_last_rst: 0,
            fin_cnt: 0,
            rst_cnt: 0,
            fin_seq: 0,
            did_close: false,
            rxmt: Scaled::new(),
            win0: Scaled::new(),
            gap: Scaled::new(),
            reasm: Reassembly::new(),
        }
    }

    fn start(&self) -> u32 {
        self.start_seq as u32
    }

    fn init_seqs(&mut self, start: u32, last: u32) {
        self.start_seq = start as i64;
        self.ack_seq = start;
        self.last_seq = last;
    }

    fn relative(&self, seq: u32, wraps: u32) -> u64 {
        (((wraps as u64) << 32) + seq as u64).wrapping_sub(self.start_seq as u64)
    }

    /// Zeek's `get_relative_seq`: `seq` relative to the start, judged against `last` to decide
    /// whether it wrapped. The flag is true when it lies before the start.
    fn relative_seq(&self, seq: u32, last: u32, mut wraps: u32) -> (u64, bool) {
        let delta = seq_delta(seq, last);
        if delta < 0 {
            if wraps > 0 && seq > last {
                wraps -= 1;
            }
        } else if delta > 0 && seq < last {
            wraps += 1;
        }
        if wraps == 0 {
            let d = seq_delta(seq, self.start());
            return (d as i64 as u64, d < 0);
        }
        (self.relative(seq, wraps), false)
    }

    fn update_last_seq(&mut self, seq: u32) {
        if seq < self.last_seq {
            self.seq_wraps += 1;
        }
        self.last_seq = seq;
    }

    fn no_data_acked(&self) -> bool {
        let ack = ((self.ack_wraps as u64) << 32) + self.ack_seq as u64;
        let start = self.start_seq as u64;
        ack == start || ack == start + 1
    }
}

fn is_clean(e: &Endpoint) -> bool {
    e.state == St::Established || (e.state == St::Closed && e.prev_state == St::Established)
}

/// The record the tracker keeps per connection: what `conn.log` shows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnRecord {
    pub proto: u8,
    pub orig: Side,
    pub resp: Side,
    pub history: String,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
    /// Timestamp of the first frame, ns.
    pub start_ns: u64,
}

/// One connection: the record plus Zeek's TCP analyzer state.
#[derive(Clone, Debug)]
struct Conn {
    rec: ConnRecord,
    /// Letters already written once (low 16 bits originator, high 16 responder); not swapped
    /// by a flip, exactly as in Zeek.
    hist_seen: u32,
    /// The two endpoints as objects; `orig_slot` says which one is the originator now.
    ep: [Endpoint; 2],
    orig_slot: usize,
    is_partial: bool,
    /// Bit 0: a packet from the originator seen; bit 1: from the responder.
    first_packet_seen: u8,
    is_active: bool,
    last_ns: u64,
    inactivity_timeout: u64,
    /// Zeek's timers that can remove the connection (network time, ns).
    expire_at: Option<u64>,
    attempt_at: Option<u64>,
    delete_at: Option<u64>,
}

/// Result of feeding one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fed {
    /// Counted in connection number `n` (index into [`HistoryTable::connections`]).
    Conn(usize),
    /// Not IP, or no transport header the parser found.
    Unparsed,
    /// A transport the tracker does not keep (ICMP, others).
    Ignored,
}

/// All connections seen so far, in the order they started.
pub struct HistoryTable {
    key: [u8; KEY_BYTES],
    /// Zeek's `likely_server_ports` for TCP (which ports the loaded scripts registered).
    server_ports: Vec<u16>,
    active: HashMap<(u8, Side, Side), usize>,
    conns: Vec<Conn>,
}

/// Canonical key: both directions of a connection map to one entry.
fn flow_key(proto: u8, a: Side, b: Side) -> (u8, Side, Side) {
    if a <= b {
        (proto, a, b)
    } else {
        (proto, b, a)
    }
}

impl HistoryTable {
    /// A table with Zeek's default `likely_server_ports` (every base protocol script loaded).
    pub fn new(key: [u8; KEY_BYTES]) -> HistoryTable {
        HistoryTable::with_server_ports(key, LIKELY_SERVER_TCP_PORTS)
    }

    /// A table with another `likely_server_ports` set: Zeek's set depends on which protocol
    /// scripts are loaded (`zeek -b` with no protocol script has none).
    pub fn with_server_ports(key: [u8; KEY_BYTES], server_ports: &[u16]) -> HistoryTable {
        HistoryTable {
            key,
            server_ports: server_ports.to_vec(),
            active: HashMap::new(),
            conns: Vec::new(),
        }
    }

    /// Every connection, finished or not, in order of its first frame.
    pub fn connections(&self) -> impl Iterator<Item = &ConnRecord> {
        self.conns.iter().map(|c| &c.rec)
    }

    /// Feed one Ethernet frame captured at `ts_ns`.
    pub fn push(&mut self, ts_ns: u64, frame: &[u8]) -> Fed {
        match Segment::from_frame(frame, &self.key) {
            Some(seg) => self.push_segment(ts_ns, &seg),
            None => Fed::Unparsed,
        }
    }

    /// Feed one segment already parsed.
    pub fn push_segment(&mut self, ts: u64, seg: &Segment) -> Fed {
        match seg.ip_proto {
            6 if seg.tcp.is_some() => Fed::Conn(self.push_tcp(ts, seg)),
            17 => Fed::Conn(self.push_udp(ts, seg)),
            _ => Fed::Ignored,
        }
    }

    fn push_udp(&mut self, ts: u64, seg: &Segment) -> usize {
        let key = flow_key(17, seg.src, seg.dst);
        let idx = match self.active.get(&key) {
            Some(&i) if ts.saturating_sub(self.conns[i].last_ns) < UDP_INACTIVITY_TIMEOUT => i,
            _ => {
                let i = self.new_conn(ts, 17, seg.src, seg.dst);
                self.active.insert(key, i);
                i
            }
        };
        let c = &mut self.conns[idx];
        let is_orig = seg.src == c.rec.orig;
        c.check_history(
            if is_orig { HIST_DATA } else { HIST_DATA << 16 },
            if is_orig { 'D' } else { 'd' },
        );
        c.last_ns = ts;
        c.count(is_orig, seg.ip_total_len);
        idx
    }

    fn new_conn(&mut self, ts: u64, proto: u8, orig: Side, resp: Side) -> usize {
        self.conns.push(Conn {
            rec: ConnRecord {
                proto,
                orig,
                resp,
                history: String::new(),
                orig_pkts: 0,
                orig_ip_bytes: 0,
                resp_pkts: 0,
                resp_ip_bytes: 0,
                start_ns: ts,
            },
            hist_seen: 0,
            ep: [Endpoint::new(), Endpoint::new()],
            orig_slot: 0,
            is_partial: false,
            first_packet_seen: 0,
            is_active: true,
            last_ns: ts,
            // Zeek's TCP analyzer starts with the UDP inactivity timeout until the handshake ends.
            inactivity_timeout: UDP_INACTIVITY_TIMEOUT,
            expire_at: Some(ts + TCP_SYN_TIMEOUT),
            attempt_at: None,
            delete_at: None,
        });
        self.conns.len() - 1
    }

    fn push_tcp(&mut self, ts: u64, seg: &Segment) -> usize {
        let tcp = seg.tcp.expect("TCP segment");
        let key = flow_key(6, seg.src, seg.dst);
        let mut existing = self.active.get(&key).copied();
        if let Some(i) = existing {
            if self.conns[i].timed_out(ts) || self.conns[i].is_reuse(tcp.flags, tcp.seq) {
                existing = None;
            }
        }
        let idx = match existing {
            Some(i) => i,
            None => {
                let i = self.new_conn(ts, 6, seg.src, seg.dst);
                self.active.insert(key, i);
                let flags = tcp.flags;
                let partial = flags & SYN == 0 || flags & ACK != 0;
                let likely_server = |p: u16| self.server_ports.contains(&p);
                if partial && likely_server(seg.src.1) {
                    let flip = if likely_server(seg.dst.1) {
                        flags & SYN == 0 && seg.src.1 < seg.dst.1
                    } else {
                        true
                    };
                    if flip && !is_broadcast(&seg.dst.0) {
                        self.conns[i].flip();
                    }
                }
                i
            }
        };
        let c = &mut self.conns[idx];
        let is_orig = seg.src == c.rec.orig;
        let orig_before = c.orig_slot;
        let slot = if is_orig {
            c.orig_slot
        } else {
            1 - c.orig_slot
        };
        c.process(
            ts,
            slot,
            seg.payload_len,
            tcp.seq,
            tcp.ack,
            tcp.flags,
            tcp.window,
        );
        // A flip inside `process` moves this packet to the other side's counters.
        let is_orig = if c.orig_slot != orig_before {
            !is_orig
        } else {
            is_orig
        };
        c.count(is_orig, seg.ip_total_len);
        idx
    }
}

/// Zeek does not flip towards a broadcast responder (IPv4 255.255.255.255 only).
pub fn is_broadcast(addr: &[u8; 16]) -> bool {
    addr[..12] == [0; 12] && addr[12..] == [255; 4]
}

impl Conn {
    fn count(&mut self, is_orig: bool, ip_len: u32) {
        if is_orig {
            self.rec.orig_pkts += 1;
            self.rec.orig_ip_bytes += ip_len as u64;
        } else {
            self.rec.resp_pkts += 1;
            self.rec.resp_ip_bytes += ip_len as u64;
        }
    }

    fn is_orig(&self, slot: usize) -> bool {
        slot == self.orig_slot
    }

    fn orig(&self) -> &Endpoint {
        &self.ep[self.orig_slot]
    }

    fn resp(&self) -> &Endpoint {
        &self.ep[1 - self.orig_slot]
    }

    /// `Session::CheckHistory`: write `code` the first time `mask` is seen. True when it had
    /// been seen before.
    fn check_history(&mut self, mask: u32, code: char) -> bool {
        if self.hist_seen & mask == 0 {
            self.hist_seen |= mask;
            self.rec.history.push(code);
            return false;
        }
        true
    }

    /// `Connection::FlipRoles` with the TCP adapter's and the size analyzer's parts.
    fn flip(&mut self) {
        std::mem::swap(&mut self.rec.orig, &mut self.rec.resp);
        self.orig_slot = 1 - self.orig_slot;
        let f = self.first_packet_seen;
        self.first_packet_seen = ((f & 1) << 1) | ((f & 2) >> 1);
        self.is_partial = false;
        std::mem::swap(&mut self.rec.orig_pkts, &mut self.rec.resp_pkts);
        std::mem::swap(&mut self.rec.orig_ip_bytes, &mut self.rec.resp_ip_bytes);
        self.rec.history.push('^');
    }

    /// `TCP_Endpoint::CheckHistory` for endpoint `slot` with the originator's mask and letter.
    fn ep_check_history(&mut self, slot: usize, mask: u32, code: char) -> bool {
        if (code == 'A' || code == 'D') && self.rec.history == "H" {
            // A connection that began with a SYN-ACK now sees ordinary traffic: the SYN-ACK's
            // sender was the responder after all.
            self.flip();
            self.rec.history = "^h".to_string();
            self.first_packet_seen |= 1;
        }
        if self.is_orig(slot) {
            self.check_history(mask, code)
        } else {
            self.check_history(mask << 16, code.to_ascii_lowercase())
        }
    }

    fn ep_add_history(&mut self, slot: usize, code: char) {
        let code = if self.is_orig(slot) {
            code
        } else {
            code.to_ascii_lowercase()
        };
        self.rec.history.push(code);
    }

    fn scaled(&mut self, slot: usize, which: char) {
        let orig = self.is_orig(slot);
        let e = &mut self.ep[slot];
        let hit = match which {
            'T' => e.rxmt.hit(),
            'W' => e.win0.hit(),
            _ => e.gap.hit(),
        };
        if hit {
            self.rec.history.push(if orig {
                which
            } else {
                which.to_ascii_lowercase()
            });
        }
    }

    fn set_state(&mut self, slot: usize, new: St) {
        let peer = self.ep[1 - slot].state;
        let e = &mut self.ep[slot];
        if new != e.state {
            if !in_handshake(new) && in_handshake(e.state) && in_handshake(peer) {
                self.inactivity_timeout = TCP_INACTIVITY_TIMEOUT;
            }
            e.prev_state = e.state;
            e.state = new;
        }
    }

    /// Fire Zeek's timers due before `ts`; true when one of them removed the connection.
    fn timed_out(&mut self, ts: u64) -> bool {
        if ts.saturating_sub(self.last_ns) >= self.inactivity_timeout {
            return true;
        }
        if self.delete_at.is_some_and(|t| t <= ts) {
            return true;
        }
        if let Some(t) = self.attempt_at {
            if t <= ts {
                self.attempt_at = None;
                if self.is_active
                    && matches!(self.orig().state, St::SynSent | St::SynAckSent)
                    && self.resp().state == St::Inactive
                {
                    return true;
                }
            }
        }
        while let Some(t) = self.expire_at {
            if t > ts {
                break;
            }
            if !self.is_active {
                self.expire_at = None;
                break;
            }
            if self.last_ns + TCP_CONNECTION_LINGER < t {
                let (o, r) = (self.orig(), self.resp());
                if (o.did_close || r.did_close)
                    && ((o.did_close && r.did_close)
                        || o.state == St::Reset
                        || r.state == St::Reset
                        || o.state == St::Inactive
                        || r.state == St::Inactive)
                {
                    return true;
                }
                if r.state == St::Inactive && o.state == St::Inactive {
                    return true;
                }
            }
            self.expire_at = Some(t + TCP_SESSION_TIMER);
        }
        false
    }

    /// `TCPSessionAdapter::IsReuse`: a SYN that starts a new connection on this 4-tuple.
    fn is_reuse(&self, flags: u8, seq: u32) -> bool {
        if flags & SYN == 0 {
            return false;
        }
        let mut conn_orig = self.orig();
        if flags & ACK != 0 {
            if self.orig().state != St::Inactive {
                return false;
            }
            conn_orig = self.resp();
        }
        let closed = self.orig().did_close || self.resp().did_close;
        if !closed {
            if seq == conn_orig.start() {
                return false;
            }
            if flags & ACK == 0
                && conn_orig.state == St::SynAckSent
                && self.resp().state == St::Inactive
                && seq == self.resp().start()
            {
                return false;
            }
        }
        true
    }

    /// `TCPSessionAdapter::Process` for a packet from endpoint `slot`.
    #[allow(clippy::too_many_arguments)]
    fn process(
        &mut self,
        ts: u64,
        slot: usize,
        len: u32,
        base_seq: u32,
        ack_seq: u32,
        flags: u8,
        window: u16,
    ) {
        let (syn, fin, rst, ackf) = (
            flags & SYN != 0,
            flags & FIN != 0,
            flags & RST != 0,
            flags & ACK != 0,
        );
        let peer = 1 - slot;

        // SetPartialStatus
        if self.is_orig(slot) {
            if self.first_packet_seen & 1 == 0 {
                self.is_partial = !syn || ackf;
            }
        } else if self.first_packet_seen & 2 == 0 && !self.is_partial {
            self.is_partial = !syn;
        }

        let mut seg_len = len as i64;
        if syn {
            seg_len += 1;
        }
        if fin {
            seg_len += 1;
        }
        if rst {
            seg_len -= len as i64;
        }
        let seq_one_past = base_seq.wrapping_add(seg_len as u32);

        // init_endpoint
        {
            let e = &mut self.ep[slot];
            match e.state {
                St::Inactive => {
                    if syn {
                        e.init_seqs(base_seq, seq_one_past);
                    } else {
                        e.init_seqs(base_seq.wrapping_sub(1), base_seq);
                    }
                }
                St::SynSent | St::SynAckSent => {
                    if syn && base_seq != e.start() {
                        e.init_seqs(base_seq, seq_one_past);
                    }
                }
                St::Established | St::Partial => {
                    if syn {
                        e.init_seqs(base_seq, seq_one_past);
                    }
                }
                St::Reset => {
                    if syn && e.prev_state == St::Inactive {
                        e.init_seqs(base_seq, seq_one_past);
                    }
                }
                St::Closed => {}
            }
        }

        let (rel_seq, seq_underflow) = {
            let e = &self.ep[slot];
            e.relative_seq(base_seq, e.last_seq, e.seq_wraps)
        };

        self.update_history(slot, flags, rel_seq, len);

        // update_window: only the zero-window letter matters here (0 << scale is 0).
        if window == 0
            && !rst
            && self.ep[peer].state != St::Closed
            && self.ep[slot].state != St::Reset
        {
            self.scaled(slot, 'W');
        }

        if fin {
            let e = &mut self.ep[slot];
            e.fin_cnt += 1;
            e.fin_seq = rel_seq.wrapping_add(seg_len as u64);
        }
        if rst {
            self.ep[slot].rst_cnt += 1;
        }

        let mut rel_ack = 0u64;
        if ackf {
            if self.ep[peer].state == St::Inactive {
                rel_ack = 1;
                let p = &mut self.ep[peer];
                let s = ack_seq.wrapping_sub(1);
                p.init_seqs(s, s);
            } else {
                let p = &self.ep[peer];
                let (r, underflow) = p.relative_seq(ack_seq, p.ack_seq, p.ack_wraps);
                if underflow {
                    rel_ack = 0;
                } else {
                    rel_ack = r;
                    if !rst {
                        let p = &mut self.ep[peer];
                        let d = seq_delta(ack_seq, p.ack_seq);
                        if !(ack_seq == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
                            if ack_seq < p.ack_seq {
                                p.ack_wraps += 1;
                            }
                            p.ack_seq = ack_seq;
                        }
                    }
                }
            }
        }

        let delta_last = self.update_last_seq(slot, seq_one_past, flags, len);
        self.last_ns = ts;

        let (do_close, gen_event) =
            self.update_state_machine(ts, slot, base_seq, len, delta_last, flags);
        let _ = gen_event;

        // The endpoint may have changed roles above; `slot` and `peer` still name the objects.
        if ackf {
            self.ack_received(peer, rel_ack);
        }

        // CheckPIA_FirstPacket
        if self.is_orig(slot) {
            self.first_packet_seen |= 1;
        } else {
            self.first_packet_seen |= 2;
        }

        let rel_data_seq = if syn {
            rel_seq.wrapping_add(1)
        } else {
            rel_seq
        };
        if len > 0 && !rst && !seq_underflow {
            self.data_sent(slot, rel_data_seq, len as u64);
        }

        if do_close {
            self.connection_closed(slot);
        }
    }

    /// `update_history`: the flag letters.
    fn update_history(&mut self, slot: usize, flags: u8, rel_seq: u64, len: u32) {
        let (syn, fin, rst, ackf) = (
            flags & SYN != 0,
            flags & FIN != 0,
            flags & RST != 0,
            flags & ACK != 0,
        );
        let bits = syn as u32 + fin as u32 + rst as u32;
        if bits > 1 {
            if fin && rst {
                self.ep_check_history(slot, HIST_FIN_RST, 'I');
            } else {
                self.ep_check_history(slot, HIST_MULTI_FLAG, 'Q');
            }
        } else if bits == 1 {
            if syn {
                let code = if ackf { 'H' } else { 'S' };
                if self.ep_check_history(slot, HIST_SYN, code)
                    && rel_seq != self.ep[slot].hist_last_syn
                {
                    self.ep_add_history(slot, code);
                }
                self.ep[slot].hist_last_syn = rel_seq;
            }
            if fin {
                let at = rel_seq.wrapping_add(len as u64);
                if self.ep_check_history(slot, HIST_FIN, 'F') && at != self.ep[slot].hist_last_fin {
                    self.ep_add_history(slot, 'F');
                }
                self.ep[slot].hist_last_fin = at;
            }
            if rst {
                if self.ep_check_history(slot, HIST_RST, 'R')
                    && rel_seq != self.ep[slot].hist_last_rst
                {
                    self.ep_add_history(slot, 'R');
                }
                self.ep[slot].hist_last_rst = rel_seq;
            }
        } else if len > 0 {
            self.ep_check_history(slot, HIST_DATA, 'D');
        } else if ackf {
            self.ep_check_history(slot, HIST_ACK, 'A');
        }
    }

    /// `update_last_seq`: advances the highest sequence number sent; payload that does not
    /// advance it is a retransmission (`T`).
    fn update_last_seq(&mut self, slot: usize, last_seq: u32, flags: u8, len: u32) -> i32 {
        let e = &self.ep[slot];
        let delta = seq_delta(last_seq, e.last_seq);
        if flags & (SYN | RST) != 0
            && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta)
        {
            // untrusted
        } else if flags & FIN != 0 && e.last_seq == e.start().wrapping_add(1) {
            self.ep[slot].update_last_seq(last_seq);
        } else if e.state == St::Reset {
            // nothing after a RST is trusted
        } else if delta > 0 {
            self.ep[slot].update_last_seq(last_seq);
        } else if len > 0 {
            self.scaled(slot, 'T');
        }
        delta
    }

    /// `UpdateStateMachine` and its per-state parts. Returns (do_close, gen_event).
    fn update_state_machine(
        &mut self,
        ts: u64,
        slot: usize,
        base_seq: u32,
        len: u32,
        delta_last: i32,
        flags: u8,
    ) -> (bool, bool) {
        let (syn, fin, rst, ackf) = (
            flags & SYN != 0,
            flags & FIN != 0,
            flags & RST != 0,
            flags & ACK != 0,
        );
        let peer = 1 - slot;
        let is_orig = self.is_orig(slot);
        let (mut do_close, mut gen_event) = (false, false);
        match self.ep[slot].state {
            St::Inactive => {
                if syn {
                    if is_orig {
                        self.set_state(slot, if ackf { St::SynAckSent } else { St::SynSent });
                        self.attempt_at = Some(ts + TCP_ATTEMPT_DELAY);
                    } else {
                        if !ackf
                            && self.ep[peer].state == St::SynAckSent
                            && base_seq == self.ep[slot].start()
                        {
                            // SYN answered by a plain SYN: the roles were the other way round.
                            self.is_partial = false;
                            self.flip();
                            self.set_state(peer, St::Established);
                            self.first_packet_seen |= 1;
                        }
                        if self.ep[peer].state == St::SynSent {
                            self.set_state(peer, St::Established);
                        }
                        self.set_state(slot, St::Established);
                    }
                }
                if fin {
                    self.set_state(slot, St::Closed);
                    do_close = true;
                    gen_event = true;
                }
                if rst {
                    self.set_state(slot, St::Reset);
                    let peer_st = self.ep[peer].state;
                    let is_reject = if is_orig {
                        peer_st == St::Established
                    } else {
                        matches!(peer_st, St::SynSent | St::SynAckSent)
                    };
                    do_close = true;
                    gen_event = !is_reject;
                }
                if self.ep[slot].state == St::Inactive {
                    if !is_orig && len == 0 && self.orig().state == St::SynSent {
                        // an early ACK of the SYN: no partial connection
                    } else if ackf && self.ep[peer].state == St::Established {
                        self.set_state(slot, St::Established);
                        self.is_partial = false;
                        self.first_packet_seen |= if self.is_orig(slot) { 1 } else { 2 };
                    } else {
                        self.set_state(slot, St::Partial);
                    }
                }
            }
            St::SynSent | St::SynAckSent => {
                if fin {
                    self.set_state(slot, St::Closed);
                    do_close = true;
                    gen_event = true;
                }
                if rst {
                    self.set_state(slot, St::Reset);
                    self.is_active = false;
                    do_close = true;
                }
            }
            St::Established | St::Partial => {
                if syn
                    && self.ep[slot].state == St::Partial
                    && self.ep[peer].state == St::Inactive
                    && !ackf
                {
                    self.set_state(slot, St::SynSent);
                }
                if fin && !rst {
                    self.set_state(slot, St::Closed);
                    if self.ep[peer].state == St::Reset && self.ep[peer].prev_state == St::Closed {
                        self.set_state(peer, St::Closed);
                    }
                    do_close = true;
                    gen_event = true;
                }
                if rst {
                    self.set_state(slot, St::Reset);
                    do_close = true;
                    if self.ep[peer].state != St::Reset
                        || self.ep[peer].prev_state != St::Established
                    {
                        self.is_active = false;
                    }
                }
            }
            St::Closed => {
                let _ = delta_last;
                if rst && self.ep[peer].state != St::Closed {
                    self.set_state(slot, St::Reset);
                    if !self.ep[slot].did_close {
                        do_close = true;
                    }
                }
            }
            St::Reset => {}
        }
        (do_close, gen_event)
    }

    /// `ConnectionClosed`, reduced to the timers it sets (pending data is not modelled).
    fn connection_closed(&mut self, slot: usize) {
        let peer = 1 - slot;
        if self.ep[slot].did_close {
            return;
        }
        self.ep[slot].did_close = true;
        let e = &self.ep[slot];
        let p = &self.ep[peer];
        let complete = e.state == St::Reset || p.did_close || p.state == St::Inactive;
        if complete {
            if e.prev_state != St::Inactive || p.state != St::Inactive {
                // ConnectionFinished
                self.is_active = false;
            }
            self.expire_at = None;
            self.attempt_at = None;
            self.delete_at = Some(self.last_ns + TCP_CLOSE_DELAY);
        } else if e.prev_state != St::Inactive {
            self.expire_at = Some(self.last_ns + TCP_SESSION_TIMER);
        }
    }

    /// `TCP_Reassembler::AckReceived` on endpoint `slot` (whose data the peer acknowledged).
    fn ack_received(&mut self, slot: usize, mut seq: u64) {
        let e = &self.ep[slot];
        if e.fin_cnt > 0 && seq >= e.fin_seq {
            seq = e.fin_seq.wrapping_sub(1);
        }
        if seq <= e.reasm.trimmed {
            return;
        }
        self.trim_to(slot, seq);
    }

    /// `Reassembler::TrimToSeq` with `TCP_Reassembler::Undelivered`: acknowledged bytes never
    /// seen are content gaps.
    fn trim_to(&mut self, slot: usize, seq: u64) {
        if seq > self.ep[slot].reasm.delivered {
            self.undelivered(slot, seq);
        }
        let r = &mut self.ep[slot].reasm;
        // Ranges wholly below `seq` are forgotten; a range reaching past it stays.
        let below: Vec<u64> = r
            .blocks
            .iter()
            .filter(|(_, &e)| e <= seq)
            .map(|(&s, _)| s)
            .collect();
        for s in below {
            r.blocks.remove(&s);
        }
        r.deliver();
        r.trimmed = seq;
    }

    fn undelivered(&mut self, slot: usize, up_to: u64) {
        if up_to <= 2 && self.is_partial {
            return;
        }
        if !self.ep[slot].reasm.skipping {
            loop {
                let r = &self.ep[slot].reasm;
                let next = r.blocks.range(r.delivered..).next().map(|(&s, _)| s);
                match next {
                    Some(s) if s < up_to => {
                        self.gap(slot);
                        let r = &mut self.ep[slot].reasm;
                        r.delivered = s;
                        r.deliver();
                    }
                    _ => break,
                }
            }
            if up_to > self.ep[slot].reasm.delivered {
                self.gap(slot);
            }
        }
        let r = &mut self.ep[slot].reasm;
        if up_to > r.delivered {
            r.delivered = up_to;
        }
        r.deliver();
    }

    /// `TCP_Reassembler::Gap`: a letter only while both sides are cleanly established/closing.
    fn gap(&mut self, slot: usize) {
        if is_clean(&self.ep[slot]) && is_clean(&self.ep[1 - slot]) {
            self.scaled(slot, 'G');
        }
    }

    /// `TCP_Reassembler::DataSent`: payload `[seq, seq+len)` from endpoint `slot`.
    fn data_sent(&mut self, slot: usize, mut seq: u64, mut len: u64) {
        let e = &self.ep[slot];
        if e.reasm.skipping {
            return;
        }
        let ack = e.relative(e.ack_seq, e.ack_wraps);
        if seq < ack {
            if seq + len <= ack {
                return;
            }
            len -= ack - seq;
            seq = ack;
        }
        self.ep[slot].reasm.insert(seq, seq + len);
        let e = &self.ep[slot];
        if (e.no_data_acked() && e.reasm.undelivered_bytes() > MAX_ABOVE_HOLE_WITHOUT_ACKS)
            || e.reasm.bytes_buffered() > EXCESSIVE_DATA_WITHOUT_ACKS
        {
            let r = &mut self.ep[slot].reasm;
            r.blocks.clear();
            r.skipping = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Scaled;

    /// Zeek's `ScaledHistoryEntry`: the letter on the 1st, 10th, 100th and 1000th occurrence.
    #[test]
    fn scaled_letters_appear_at_powers_of_ten() {
        let mut s = Scaled::new();
        let hits: Vec<u32> = (1..=1000).filter(|_| s.hit()).collect();
        let expected: Vec<u32> = (1..=1000)
            .filter(|n| [1, 10, 100, 1000].contains(n))
            .collect();
        assert_eq!(hits, expected);
    }
}
