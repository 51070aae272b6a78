//! What one pipeline slot carries through the parse stage: a beat, and beside a frame's first
//! beat its 128-byte window and the metadata parsed so far. Non-first beats use only the beat
//! fields; the rest is don't-care for them.
//!
//! ```text
//!  window `win` (network byte order, 1024 bits):
//!   bit 1023                                                              bit 0
//!   +--------+--------+-----   ...   -----+----------+----------+
//!   | byte 0 | byte 1 |                   | byte 126 | byte 127 |   frame bytes 0..128
//!   +--------+--------+-----   ...   -----+----------+----------+
//!   a field of w bytes at frame offset k is win[1024 - 8*(k+w) +: 8*w], big-endian as on the wire
//!
//!  header view `hdr` (320 bits): the 40 window bytes starting at offset `cur`, same order.
//! ```

use rust_hdl::prelude::*;

/// Bits of the parse window.
pub const WIN_BITS: usize = 1024;
/// Bits of the header view (the longest fixed header parsed is IPv6's 40 bytes).
pub const HDR_BITS: usize = 320;
/// Bits of a window offset (extension headers can point far past the window; see `stop`).
pub const OFF_BITS: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Default, LogicStruct)]
pub struct Slot {
    /// The slot holds a beat.
    pub valid: Bit,
    /// First beat of a frame: the parse fields below are meaningful.
    pub sof: Bit,
    /// AXI-Stream tlast.
    pub last: Bit,
    /// AXI-Stream tuser (MAC error).
    pub user: Bit,
    /// AXI-Stream tkeep.
    pub keep: Bits<64>,
    /// AXI-Stream tdata, lane order.
    pub data: Bits<512>,
    /// First two beats of the frame, network order (see the diagram).
    pub win: Bits<WIN_BITS>,
    /// Frame length in lanes when the frame ends inside the window (0..=128), else 255: a long
    /// frame is never TRUNCATED by a header read, only DEEP.
    pub len: Bits<8>,
    /// Ingress timestamp, ns.
    pub ts: Bits<64>,
    /// The frame ends inside the window with its last beat using at most 40 lanes: the 24-byte
    /// header costs it no extra output beat (the tag stage tells a full single beat from two
    /// beats with an empty second by it; its length tells the rest).
    pub fits: Bit,
    /// A MAC error (tuser) on the frame's last beat, when that beat is inside the window.
    pub user_end: Bit,
    /// Set by the conn stage on the beats of a SYN it gives back, with the SYN TLV's value
    /// (`proto::conn::SynInfo` bytes, byte 0 in the high bits).
    pub syn: Bit,
    pub syn_info: Bits<80>,
    /// Set by the stats stage on a first beat: the frame carries the STATS tag with these masks.
    pub stats_news: Bit,
    pub crossed: Bits<32>,
    pub uncounted: Bits<32>,
    /// Parse flags, one bit each; `FlagPack` packs them as `proto::flags::ParseFlags`.
    pub f_runt: Bit,
    pub f_trunc: Bit,
    pub f_bad_ihl: Bit,
    pub f_hole: Bit,
    pub f_l3_unknown: Bit,
    pub f_deep: Bit,
    pub f_frag: Bit,
    pub f_l4_unknown: Bit,
    pub f_mpls_deep: Bit,
    pub f_ipv4: Bit,
    pub f_ipv6: Bit,
    pub f_ports: Bit,
    /// Parsing stopped (an anomaly or nothing more to parse).
    pub stop: Bit,
    /// Link layer, first step: the EtherType after up to two VLAN tags and its offset.
    pub et: Bits<16>,
    pub eoff: Bits<8>,
    /// Bottom-of-stack bit of the four would-be MPLS labels after `eoff` (bit k = label k).
    pub bos: Bits<4>,
    /// First nibble after each would-be label (bits 4k..4k+4 = after label k).
    pub nibs: Bits<16>,
    /// Whether the frame is too short for each link-layer ending, computed ahead: bit 0 no MPLS
    /// (needs eoff+2), bits 1..=4 bottom of stack at label 0..=3 (eoff+7+4k), bit 5 no bottom of
    /// stack in four labels (eoff+18).
    /// Bit 6: too short for a PPPoE session's IP header (eoff+10).
    pub short: Bits<7>,
    /// The PPP protocol of a PPPoE session (2 bytes at eoff+8).
    pub ppp: Bits<16>,
    /// A PPPoE session header's version/type and code (2 bytes at eoff+2) and its length (2 bytes
    /// at eoff+6, counting from the PPP protocol on): the reasm stage bounds a segment by it.
    pub pppoe_vc: Bits<16>,
    pub pppoe_len: Bits<16>,
    /// IP addresses were parsed: the flow hash is meaningful.
    pub ip_ok: Bit,
    /// Offset of the IP header.
    pub l3_off: Bits<8>,
    /// Current protocol: IPv4 protocol or IPv6 next header.
    pub proto: Bits<8>,
    /// Current header offset (IP header, extension header, transport header).
    pub cur: Bits<OFF_BITS>,
    /// The 40 window bytes at `cur`.
    pub hdr: Bits<HDR_BITS>,
    /// Source address (IPv4 zero-extended).
    pub src: Bits<128>,
    /// Destination address (IPv4 zero-extended).
    pub dst: Bits<128>,
    /// Transport source port (the L4 step takes it unchecked; 0 unless PORTS from HashOrder on).
    pub sport: Bits<16>,
    /// Transport destination port (as `sport`).
    pub dport: Bits<16>,
    /// A first (or atomic) fragment, which the parse stage parses as a whole frame: an IPv4
    /// header's more-fragments flag, or an IPv6 fragment header of offset 0 walked. The reasm
    /// stage does not follow it.
    pub first_frag: Bit,
    /// The IP header's length field: IPv4 total length, IPv6 payload length (the stats stage's
    /// history rule reads it).
    pub ip_len: Bits<16>,
    /// TCP sequence number.
    pub tcp_seq: Bits<32>,
    /// TCP acknowledgment number.
    pub tcp_ack: Bits<32>,
    /// TCP flags (CWR..FIN).
    pub tcp_flags: Bits<8>,
    /// TCP window.
    pub tcp_win: Bits<16>,
    /// TCP data offset in 32-bit words.
    pub tcp_doff: Bits<4>,
    /// Canonical flow-hash input (see `proto::flowhash`).
    pub hash_in: Bits<288>,
    /// Flow hash (0 when `ip_ok` is clear).
    pub hash: Bits<32>,
}

// The stages write window and header offsets as literals inside `#[hdl_gen]` bodies (a Rust
// constant there would be emitted as an undeclared Verilog identifier): keep them in step.
const _: () = assert!(
    WIN_BITS == 1024 && HDR_BITS == 320,
    "update the literal offsets in parse/"
);
