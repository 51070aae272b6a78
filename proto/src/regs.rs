//! The register map: self-describing blocks behind the AXI4-Lite control port.
//!
//! Every block starts with the same three registers, so the driver can walk the chain from
//! address 0 and learn which features this bitstream has (the paper's autodiscovery):
//!
//! ```text
//!  block base + 0x00  TYPE     what the block is (four ASCII characters, e.g. "V-ID")
//!             + 0x04  VERSION  layout version of this block type
//!             + 0x08  NEXT     byte address of the next block, 0 at the end of the chain
//!             + 0x0C  ...      block registers
//! ```
//!
//! Registers are 32 bits wide at 4-byte aligned addresses. 64-bit counters are two registers,
//! low word first; they read the value latched by the last write of 1 to `id::SNAPSHOT`, which
//! latches every counter of every block (and the cycle and time counters) in the same cycle, so
//! a set of counters read after one snapshot is consistent. Unmapped addresses read 0 and ignore
//! writes; AXI4-Lite responses are always OKAY.

/// Width of the register address space in bits (64 KiB).
pub const ADDR_BITS: usize = 16;
/// Offset of TYPE in every block.
pub const BLOCK_TYPE: u16 = 0x00;
/// Offset of VERSION in every block.
pub const BLOCK_VERSION: u16 = 0x04;
/// Offset of NEXT in every block.
pub const BLOCK_NEXT: u16 = 0x08;

/// How software may access a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read-only constant or status.
    Ro,
    /// Read/write configuration; reads return what was written.
    Rw,
    /// Write-only strobe: a write of 1 to a bit triggers an action; reads return 0.
    Strobe,
}

/// One 32-bit register of a block.
#[derive(Clone, Copy, Debug)]
pub struct Reg {
    pub name: &'static str,
    /// Byte offset from the block base.
    pub offset: u16,
    pub access: Access,
    /// Value after reset.
    pub reset: u32,
    pub doc: &'static str,
}

/// One 64-bit snapshot counter (low word at `offset`, high word at `offset + 4`).
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    pub name: &'static str,
    /// Byte offset of the low word from the block base.
    pub offset: u16,
    pub doc: &'static str,
}

/// A table of registers: `count` elements of `words` 32-bit registers each, `stride` bytes apart
/// (word `w` of element `i` at `offset + i * stride + 4 * w`). Read/write tables reset to 0.
#[derive(Clone, Copy, Debug)]
pub struct RegArray {
    pub name: &'static str,
    /// Byte offset of element 0 from the block base.
    pub offset: u16,
    pub count: usize,
    pub stride: u16,
    pub words: usize,
    pub access: Access,
    pub doc: &'static str,
}

impl RegArray {
    /// Byte offset (from the block base) of word `w` of element `i`.
    pub const fn word(&self, i: usize, w: usize) -> u16 {
        self.offset + i as u16 * self.stride + 4 * w as u16
    }

    /// Every (element, word, offset).
    pub fn all(&self) -> impl Iterator<Item = (usize, usize, u16)> + '_ {
        (0..self.count).flat_map(move |i| (0..self.words).map(move |w| (i, w, self.word(i, w))))
    }
}

/// A register block.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub name: &'static str,
    /// Byte address of the block.
    pub base: u16,
    /// Value of the TYPE register.
    pub type_id: u32,
    /// Value of the VERSION register.
    pub version: u32,
    pub regs: &'static [Reg],
    pub counters: &'static [Counter],
    pub arrays: &'static [RegArray],
}

/// Four ASCII characters as a TYPE value.
pub const fn fourcc(s: &[u8; 4]) -> u32 {
    u32::from_be_bytes(*s)
}

/// Feature bits of `id::FEATURES`: one per pipeline stage a bitstream may contain.
pub mod feature {
    pub const PARSE: u32 = 1 << 0;
    pub const TIMESTAMP: u32 = 1 << 1;
    pub const TAG: u32 = 1 << 2;
    pub const STATS: u32 = 1 << 3;
    pub const CONN: u32 = 1 << 4;
    pub const REASM: u32 = 1 << 5;
    pub const MATCH: u32 = 1 << 6;
    /// The stats stage keeps connection history (a history rule loads: `conntable`).
    pub const HISTORY: u32 = 1 << 7;
    /// Every feature bit with its name, in bit order.
    pub const NAMES: [(u32, &str); 8] = [
        (PARSE, "parse"),
        (TIMESTAMP, "timestamp"),
        (TAG, "tag"),
        (STATS, "stats"),
        (CONN, "conn"),
        (REASM, "reasm"),
        (MATCH, "match"),
        (HISTORY, "history"),
    ];
}

/// Design identity, snapshot control and the datapath cycle counter.
pub mod id {
    use super::*;
    pub const BASE: u16 = 0x0000;
    pub const TYPE: u32 = fourcc(b"V-ID");
    pub const VERSION: u32 = 1;
    /// Design version, major << 16 | minor << 8 | patch.
    pub const DESIGN_VERSION: u16 = 0x0C;
    /// Build id stamped by the Verilog generator.
    pub const BUILD_ID: u16 = 0x10;
    /// Feature bits (see `feature`).
    pub const FEATURES: u16 = 0x14;
    /// Datapath width in bits.
    pub const DATAPATH_BITS: u16 = 0x18;
    /// Nominal datapath clock in kHz.
    pub const CLOCK_KHZ: u16 = 0x1C;
    /// Write 1 to bit 0: latch every counter of every block.
    pub const SNAPSHOT: u16 = 0x20;
    /// Free for software (tests the control path).
    pub const SCRATCH: u16 = 0x24;
    /// Datapath cycles since reset, latched by SNAPSHOT.
    pub const CYCLES: u16 = 0x28;

    pub const REGS: &[Reg] = &[
        Reg {
            name: "DESIGN_VERSION",
            offset: DESIGN_VERSION,
            access: Access::Ro,
            reset: super::DESIGN_VERSION,
            doc: "design version: major << 16 + minor << 8 + patch",
        },
        Reg {
            name: "BUILD_ID",
            offset: BUILD_ID,
            access: Access::Ro,
            reset: 0,
            doc: "build id stamped by the generator (reset value: none)",
        },
        Reg {
            name: "FEATURES",
            offset: FEATURES,
            access: Access::Ro,
            reset: 0,
            doc: "feature bits of this bitstream (reset value: none)",
        },
        Reg {
            name: "DATAPATH_BITS",
            offset: DATAPATH_BITS,
            access: Access::Ro,
            reset: crate::datapath::BEAT_BITS as u32,
            doc: "datapath width in bits",
        },
        Reg {
            name: "CLOCK_KHZ",
            offset: CLOCK_KHZ,
            access: Access::Ro,
            reset: ((crate::datapath::DATAPATH_CLOCK_HZ + 500) / 1000) as u32,
            doc: "nominal datapath clock in kHz",
        },
        Reg {
            name: "SNAPSHOT",
            offset: SNAPSHOT,
            access: Access::Strobe,
            reset: 0,
            doc: "write 1: latch all counters",
        },
        Reg {
            name: "SCRATCH",
            offset: SCRATCH,
            access: Access::Rw,
            reset: 0,
            doc: "scratch register",
        },
    ];
    pub const COUNTERS: &[Counter] = &[Counter {
        name: "cycles",
        offset: CYCLES,
        doc: "datapath cycles since reset",
    }];
}

/// The ns timestamp counter stamped on every frame at ingress.
pub mod ts {
    use super::*;
    pub const BASE: u16 = 0x0100;
    pub const TYPE: u32 = fourcc(b"V-TS");
    pub const VERSION: u32 = 1;
    /// Write 1 to bit 0: load SET_HI:SET_LO into the counter (fraction cleared).
    pub const CONTROL: u16 = 0x0C;
    /// Fractional ns added per cycle, in units of 2^-32 ns.
    pub const INC_FRAC: u16 = 0x10;
    /// Whole ns added per cycle.
    pub const INC_NS: u16 = 0x14;
    /// Value to load, low word.
    pub const SET_LO: u16 = 0x18;
    /// Value to load, high word.
    pub const SET_HI: u16 = 0x1C;
    /// Fraction of the counter latched by SNAPSHOT (units of 2^-32 ns).
    pub const NOW_FRAC: u16 = 0x20;
    /// Counter value in ns latched by SNAPSHOT (64 bits, low word first).
    pub const NOW: u16 = 0x28;
    /// Width of the whole-ns increment field.
    pub const INC_NS_BITS: usize = 8;

    pub const REGS: &[Reg] = &[
        Reg {
            name: "CONTROL",
            offset: CONTROL,
            access: Access::Strobe,
            reset: 0,
            doc: "bit 0: load SET into the counter",
        },
        Reg {
            name: "INC_FRAC",
            offset: INC_FRAC,
            access: Access::Rw,
            reset: crate::datapath::default_ts_increment() as u32,
            doc: "fraction of ns per cycle (2^-32 ns)",
        },
        Reg {
            name: "INC_NS",
            offset: INC_NS,
            access: Access::Rw,
            reset: (crate::datapath::default_ts_increment() >> 32) as u32,
            doc: "whole ns per cycle (8 bits)",
        },
        Reg {
            name: "SET_LO",
            offset: SET_LO,
            access: Access::Rw,
            reset: 0,
            doc: "value to load, low word",
        },
        Reg {
            name: "SET_HI",
            offset: SET_HI,
            access: Access::Rw,
            reset: 0,
            doc: "value to load, high word",
        },
        Reg {
            name: "NOW_FRAC",
            offset: NOW_FRAC,
            access: Access::Ro,
            reset: 0,
            doc: "latched fraction",
        },
    ];
    pub const COUNTERS: &[Counter] = &[Counter {
        name: "now_ns",
        offset: NOW,
        doc: "timestamp latched by SNAPSHOT",
    }];
}

/// The parse stage: hash key and per-reason counters.
pub mod parse {
    use super::*;
    pub const BASE: u16 = 0x0200;
    pub const TYPE: u32 = fourcc(b"V-PR");
    pub const VERSION: u32 = 1;
    /// First of the ten HASH_KEY registers (key bytes 0..4, big-endian).
    pub const HASH_KEY: u16 = 0x10;
    /// First counter.
    pub const FRAMES: u16 = 0x40;

    /// Reset value of HASH_KEY register `i`: word `i` of the default key.
    pub const fn key_reset(i: usize) -> u32 {
        let k = &crate::flowhash::DEFAULT_KEY;
        u32::from_be_bytes([k[4 * i], k[4 * i + 1], k[4 * i + 2], k[4 * i + 3]])
    }

    pub const REGS: &[Reg] = &[
        Reg {
            name: "HASH_KEY0",
            offset: HASH_KEY,
            access: Access::Rw,
            reset: key_reset(0),
            doc: "flow hash key bytes 0..4 (big-endian)",
        },
        Reg {
            name: "HASH_KEY1",
            offset: HASH_KEY + 4,
            access: Access::Rw,
            reset: key_reset(1),
            doc: "flow hash key bytes 4..8",
        },
        Reg {
            name: "HASH_KEY2",
            offset: HASH_KEY + 8,
            access: Access::Rw,
            reset: key_reset(2),
            doc: "flow hash key bytes 8..12",
        },
        Reg {
            name: "HASH_KEY3",
            offset: HASH_KEY + 12,
            access: Access::Rw,
            reset: key_reset(3),
            doc: "flow hash key bytes 12..16",
        },
        Reg {
            name: "HASH_KEY4",
            offset: HASH_KEY + 16,
            access: Access::Rw,
            reset: key_reset(4),
            doc: "flow hash key bytes 16..20",
        },
        Reg {
            name: "HASH_KEY5",
            offset: HASH_KEY + 20,
            access: Access::Rw,
            reset: key_reset(5),
            doc: "flow hash key bytes 20..24",
        },
        Reg {
            name: "HASH_KEY6",
            offset: HASH_KEY + 24,
            access: Access::Rw,
            reset: key_reset(6),
            doc: "flow hash key bytes 24..28",
        },
        Reg {
            name: "HASH_KEY7",
            offset: HASH_KEY + 28,
            access: Access::Rw,
            reset: key_reset(7),
            doc: "flow hash key bytes 28..32",
        },
        Reg {
            name: "HASH_KEY8",
            offset: HASH_KEY + 32,
            access: Access::Rw,
            reset: key_reset(8),
            doc: "flow hash key bytes 32..36",
        },
        Reg {
            name: "HASH_KEY9",
            offset: HASH_KEY + 36,
            access: Access::Rw,
            reset: key_reset(9),
            doc: "flow hash key bytes 36..40",
        },
    ];
    pub const COUNTERS: &[Counter] = &[
        Counter {
            name: "frames",
            offset: 0x40,
            doc: "frames seen",
        },
        Counter {
            name: "bytes",
            offset: 0x48,
            doc: "bytes seen (tkeep lanes)",
        },
        Counter {
            name: "malformed",
            offset: 0x50,
            doc: "frames truncated, bad IHL, with a tkeep hole, oversize or MAC error",
        },
        Counter {
            name: "flagged",
            offset: 0x58,
            doc: "frames with any anomaly parse flag",
        },
        Counter {
            name: "runt",
            offset: 0x60,
            doc: "frames shorter than 60 bytes",
        },
        Counter {
            name: "truncated",
            offset: 0x68,
            doc: "frames with a header past their end",
        },
        Counter {
            name: "bad_ihl",
            offset: 0x70,
            doc: "IPv4 frames with IHL < 5 or wrong IP version",
        },
        Counter {
            name: "keep_hole",
            offset: 0x78,
            doc: "frames with a tkeep hole anywhere",
        },
        Counter {
            name: "oversize",
            offset: 0x80,
            doc: "frames longer than 9216 bytes",
        },
        Counter {
            name: "mac_error",
            offset: 0x88,
            doc: "frames with tuser (MAC error) on the last beat",
        },
    ];
}

/// The tag stage: inserts the tagged header.
pub mod tag {
    use super::*;
    pub const BASE: u16 = 0x0300;
    pub const TYPE: u32 = fourcc(b"V-TG");
    pub const VERSION: u32 = 1;
    /// Bit 0: tagging on (1) or frames pass bit-exact (0).
    pub const CONTROL: u16 = 0x0C;
    /// EtherType written at the start of the tagged header.
    pub const ETHERTYPE: u16 = 0x10;
    /// Depth of the input FIFO in beats (read-only).
    pub const FIFO_DEPTH: u16 = 0x14;
    /// Backlog at which frames pass untagged (read-only).
    pub const BACKLOG_LIMIT: u16 = 0x18;
    /// First counter.
    pub const FRAMES: u16 = 0x40;

    pub const REGS: &[Reg] = &[
        Reg {
            name: "CONTROL",
            offset: CONTROL,
            access: Access::Rw,
            reset: 1,
            doc: "bit 0: tagging enabled",
        },
        Reg {
            name: "ETHERTYPE",
            offset: ETHERTYPE,
            access: Access::Rw,
            reset: crate::header::DEFAULT_ETHERTYPE as u32,
            doc: "EtherType of the tagged header",
        },
        Reg {
            name: "FIFO_DEPTH",
            offset: FIFO_DEPTH,
            access: Access::Ro,
            reset: crate::datapath::TAG_FIFO_DEPTH as u32,
            doc: "input FIFO depth, beats",
        },
        Reg {
            name: "BACKLOG_LIMIT",
            offset: BACKLOG_LIMIT,
            access: Access::Ro,
            reset: crate::datapath::TAG_BACKLOG_LIMIT as u32,
            doc: "backlog (beats) at which frames pass untagged",
        },
    ];
    pub const COUNTERS: &[Counter] = &[
        Counter {
            name: "frames",
            offset: 0x40,
            doc: "frames out",
        },
        Counter {
            name: "bytes",
            offset: 0x48,
            doc: "bytes out, headers included",
        },
        Counter {
            name: "malformed",
            offset: 0x50,
            doc: "frames too short (< 14 bytes) to carry a header, passed untagged",
        },
        Counter {
            name: "flagged",
            offset: 0x58,
            doc: "frames passed untagged because the output was backlogged (fail-open)",
        },
        Counter {
            name: "tagged",
            offset: 0x60,
            doc: "frames that got a header",
        },
    ];
}

/// The stats stage: rule table, table geometry, hash key, table peek port and counters
/// (`crate::stats` has the rule encoding and the table layout).
pub mod stats {
    use super::*;
    use crate::stats as st;
    pub const BASE: u16 = 0x1000;
    pub const TYPE: u32 = fourcc(b"V-ST");
    pub const VERSION: u32 = 1;
    /// Bit 0: counting on. Off, frames pass with the same delay, uncounted and without STATS tags.
    /// Bit 1: epochs on; its rising edge arms them (the first boundary at EPOCH_START).
    pub const CONTROL: u16 = 0x0C;
    /// CONTROL bits.
    pub const CONTROL_COUNTING: u32 = 1 << 0;
    pub const CONTROL_EPOCHS: u32 = 1 << 1;
    /// log2 of the table lanes in use (0..=2), from `stats::place`.
    pub const LANE_BITS: u16 = 0x10;
    /// Read-only geometry: rules 7:0, lanes 11:8, ways 15:12, bucket index bits 23:16, banks 31:24.
    pub const GEOMETRY: u16 = 0x14;
    /// Read-only: cycles every beat is delayed.
    pub const DELAY: u16 = 0x18;
    /// Read-only: registers per rule 7:0, bytes between rules 31:16.
    pub const RULE_LAYOUT: u16 = 0x1C;
    /// First of the HASH_KEY registers (stats hash key bytes 0..4, big-endian).
    pub const HASH_KEY: u16 = 0x20;
    /// Peek: bank 17:16, bucket 11:0 of the row to read.
    pub const PEEK_LOC: u16 = 0x50;
    /// Write 1 to bit 0: read the row at PEEK_LOC into PEEK_DATA (taken in a cycle without a
    /// frame update, through the same forwarding as updates, so it sees every earlier frame).
    pub const PEEK_CTL: u16 = 0x54;
    /// Bit 0: the last peek has completed.
    pub const PEEK_STATUS: u16 = 0x58;
    /// First counter.
    pub const FRAMES: u16 = 0x60;
    /// Read-only: bit 0 the table is clear and ready (after the sweep that follows reset), bit 1
    /// an epoch's report is being sent, bits 31:16 the current epoch number's low bits.
    pub const STATUS: u16 = 0xC0;
    pub const STATUS_READY: u32 = 1 << 0;
    pub const STATUS_DRAINING: u32 = 1 << 1;
    /// Epoch length in ns, low and high word (taken when CONTROL bit 1 rises).
    pub const EPOCH_NS: u16 = 0xC4;
    /// Time of the first epoch boundary in ns (the timestamp counter's time), low and high word.
    pub const EPOCH_START: u16 = 0xCC;
    /// The row read by the last peek: `stats::ROW_WORDS` words, way 0 first.
    pub const PEEK_DATA: u16 = 0x100;
    /// First connection-table counter (the history rule, `conntable`).
    pub const CONN_FRAMES: u16 = 0x200;
    /// Write 1 to bit 0: report every held connection and empty the table (FLUSH).
    pub const CONN_CTL: u16 = 0x240;
    pub const CONN_CTL_FLUSH: u32 = 1 << 0;
    /// Read-only: bit 0 a flush is under way, bit 1 connection records are still to be sent
    /// (queued, in the table's pipeline or waiting for a gap in the output).
    pub const CONN_STATUS: u16 = 0x244;
    pub const CONN_STATUS_FLUSHING: u32 = 1 << 0;
    pub const CONN_STATUS_PENDING: u32 = 1 << 1;
    /// Read-only connection-table geometry: bucket index bits 7:0, ways 15:8, queue depth 23:16,
    /// cycles between two steps of one bucket 31:24.
    pub const CONN_GEOMETRY: u16 = 0x248;
    /// Value of CONN_GEOMETRY.
    pub const CONN_GEOMETRY_VALUE: u32 = crate::conntable::CONN_BUCKET_BITS as u32
        | (crate::conntable::CONN_WAYS as u32) << 8
        | (crate::conntable::CONN_QUEUE as u32) << 16
        | (crate::conntable::CONN_OP_CYCLES as u32) << 24;
    /// Rule 0's registers (`stats::RULE_WORDS` words; rule r at RULES + r * RULE_STRIDE).
    pub const RULES: u16 = 0x400;
    /// Value of GEOMETRY.
    pub const GEOMETRY_VALUE: u32 = st::RULES as u32
        | (st::LANES as u32) << 8
        | (st::WAYS as u32) << 12
        | (st::BUCKET_BITS as u32) << 16
        | (st::BANKS as u32) << 24;

    pub const fn key_reset(i: usize) -> u32 {
        let k = &st::DEFAULT_HASH_KEY;
        u32::from_be_bytes([k[4 * i], k[4 * i + 1], k[4 * i + 2], k[4 * i + 3]])
    }

    pub const REGS: &[Reg] = &[
        Reg { name: "CONTROL", offset: CONTROL, access: Access::Rw, reset: 0, doc: "bit 0: counting on; bit 1: epochs on (rising edge arms them)" },
        Reg { name: "LANE_BITS", offset: LANE_BITS, access: Access::Rw, reset: 2, doc: "log2 of the table lanes in use (0..=2)" },
        Reg { name: "GEOMETRY", offset: GEOMETRY, access: Access::Ro, reset: GEOMETRY_VALUE, doc: "rules 7:0, lanes 11:8, ways 15:12, bucket index bits 23:16, banks 31:24" },
        Reg { name: "DELAY", offset: DELAY, access: Access::Ro, reset: st::DELAY as u32, doc: "cycles every beat is delayed (frames longer than this less 16 leave without STATS tags)" },
        Reg { name: "RULE_LAYOUT", offset: RULE_LAYOUT, access: Access::Ro, reset: st::RULE_WORDS as u32 | (st::RULE_STRIDE as u32) << 16, doc: "registers per rule 7:0, bytes between rules 31:16" },
        Reg { name: "HASH_KEY0", offset: HASH_KEY, access: Access::Rw, reset: key_reset(0), doc: "stats hash key bytes 0..4 (big-endian)" },
        Reg { name: "HASH_KEY1", offset: HASH_KEY + 4, access: Access::Rw, reset: key_reset(1), doc: "stats hash key bytes 4..8" },
        Reg { name: "HASH_KEY2", offset: HASH_KEY + 8, access: Access::Rw, reset: key_reset(2), doc: "stats hash key bytes 8..12" },
        Reg { name: "HASH_KEY3", offset: HASH_KEY + 12, access: Access::Rw, reset: key_reset(3), doc: "stats hash key bytes 12..16" },
        Reg { name: "HASH_KEY4", offset: HASH_KEY + 16, access: Access::Rw, reset: key_reset(4), doc: "stats hash key bytes 16..20" },
        Reg { name: "HASH_KEY5", offset: HASH_KEY + 20, access: Access::Rw, reset: key_reset(5), doc: "stats hash key bytes 20..24" },
        Reg { name: "HASH_KEY6", offset: HASH_KEY + 24, access: Access::Rw, reset: key_reset(6), doc: "stats hash key bytes 24..28" },
        Reg { name: "HASH_KEY7", offset: HASH_KEY + 28, access: Access::Rw, reset: key_reset(7), doc: "stats hash key bytes 28..32" },
        Reg { name: "HASH_KEY8", offset: HASH_KEY + 32, access: Access::Rw, reset: key_reset(8), doc: "stats hash key bytes 32..36" },
        Reg { name: "HASH_KEY9", offset: HASH_KEY + 36, access: Access::Rw, reset: key_reset(9), doc: "stats hash key bytes 36..40" },
        Reg { name: "HASH_KEY10", offset: HASH_KEY + 40, access: Access::Rw, reset: key_reset(10), doc: "stats hash key bytes 40..44" },
        Reg { name: "PEEK_LOC", offset: PEEK_LOC, access: Access::Rw, reset: 0, doc: "row to peek: bank 17:16, bucket 11:0" },
        Reg { name: "PEEK_CTL", offset: PEEK_CTL, access: Access::Strobe, reset: 0, doc: "write 1: read the row at PEEK_LOC into PEEK_DATA" },
        Reg { name: "PEEK_STATUS", offset: PEEK_STATUS, access: Access::Ro, reset: 0, doc: "bit 0: the last peek has completed (reset value: live)" },
        Reg { name: "STATUS", offset: STATUS, access: Access::Ro, reset: 0, doc: "bit 0: table cleared and ready; bit 1: a report is being sent; 31:16 epoch number (low bits) (reset value: live)" },
        Reg { name: "EPOCH_NS_LO", offset: EPOCH_NS, access: Access::Rw, reset: 0, doc: "epoch length in ns, bits 31:0" },
        Reg { name: "EPOCH_NS_HI", offset: EPOCH_NS + 4, access: Access::Rw, reset: 0, doc: "epoch length in ns, bits 63:32" },
        Reg { name: "EPOCH_START_LO", offset: EPOCH_START, access: Access::Rw, reset: 0, doc: "first epoch boundary (timestamp ns), bits 31:0" },
        Reg { name: "EPOCH_START_HI", offset: EPOCH_START + 4, access: Access::Rw, reset: 0, doc: "first epoch boundary (timestamp ns), bits 63:32" },
        Reg { name: "CONN_CTL", offset: CONN_CTL, access: Access::Strobe, reset: 0, doc: "write 1 to bit 0: report every held connection of the history rule (flush)" },
        Reg { name: "CONN_STATUS", offset: CONN_STATUS, access: Access::Ro, reset: 0, doc: "bit 0: a flush is under way; bit 1: connection records still to be sent (reset value: live)" },
        Reg { name: "CONN_GEOMETRY", offset: CONN_GEOMETRY, access: Access::Ro, reset: CONN_GEOMETRY_VALUE, doc: "connection table: bucket index bits 7:0, ways 15:8, queue depth 23:16, cycles between two steps of one bucket 31:24" },
    ];
    pub const COUNTERS: &[Counter] = &[
        Counter { name: "frames", offset: 0x60, doc: "frames seen while counting was on" },
        Counter { name: "updates", offset: 0x68, doc: "group updates (a frame feeding three rules makes three)" },
        Counter { name: "new_groups", offset: 0x70, doc: "groups created" },
        Counter { name: "table_full", offset: 0x78, doc: "updates refused: the group's bucket was full (the frame's STATS tag names the rule)" },
        Counter { name: "fanout", offset: 0x80, doc: "updates refused: two rules of one lane fed by one frame (the frame's STATS tag names the rule)" },
        Counter { name: "crossed", offset: 0x88, doc: "threshold crossings (frames tagged, once per group per epoch)" },
        Counter { name: "late", offset: 0x90, doc: "frames whose first beat left before their counts were known (no STATS tag)" },
        Counter { name: "epochs", offset: 0x98, doc: "epochs closed" },
        Counter { name: "reports", offset: 0xA0, doc: "report frames sent" },
        Counter { name: "records", offset: 0xA8, doc: "group records sent in report frames" },
        Counter { name: "epochs_late", offset: 0xB0, doc: "epoch boundaries that waited for the previous epoch's report (frames in between counted in the older epoch)" },
        Counter { name: "conn_frames", offset: 0x200, doc: "frames of the history rule stepped through the connection table" },
        Counter { name: "conn_untracked", offset: 0x208, doc: "frames of the history rule that are no TCP/UDP segment it can read (not stepped)" },
        Counter { name: "conns", offset: 0x210, doc: "connections begun in the connection table" },
        Counter { name: "conn_full", offset: 0x218, doc: "frames of the history rule refused: their bucket held only live connections" },
        Counter { name: "conn_dropped", offset: 0x220, doc: "frames of the history rule dropped: the table's queue was full (frames of one bucket faster than it steps them)" },
        Counter { name: "conn_records", offset: 0x228, doc: "connection records queued for report frames" },
        Counter { name: "conn_lost", offset: 0x230, doc: "connection records lost: the record queue was full" },
        Counter { name: "conn_reports", offset: 0x238, doc: "connection report frames sent" },
    ];
    pub const ARRAYS: &[RegArray] = &[
        RegArray {
            name: "PEEK_DATA",
            offset: PEEK_DATA,
            count: 1,
            stride: 0,
            words: st::ROW_WORDS,
            access: Access::Ro,
            doc: "the peeked row, way 0 first (see `stats` entry layout)",
        },
        RegArray {
            name: "RULE",
            offset: RULES,
            count: st::RULES,
            stride: st::RULE_STRIDE,
            words: st::RULE_WORDS,
            access: Access::Rw,
            doc: "rule table (see `stats` rule layout)",
        },
    ];
}

/// The block chain in address order; NEXT of each block points at the following one.
/// Counters of all blocks together: the width of the snapshot the register file latches.
pub const NUM_COUNTERS: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < BLOCKS.len() {
        n += BLOCKS[i].counters.len();
        i += 1;
    }
    n
};

pub const BLOCKS: &[Block] = &[
    Block {
        name: "id",
        base: id::BASE,
        type_id: id::TYPE,
        version: id::VERSION,
        regs: id::REGS,
        counters: id::COUNTERS,
        arrays: &[],
    },
    Block {
        name: "timestamp",
        base: ts::BASE,
        type_id: ts::TYPE,
        version: ts::VERSION,
        regs: ts::REGS,
        counters: ts::COUNTERS,
        arrays: &[],
    },
    Block {
        name: "parse",
        base: parse::BASE,
        type_id: parse::TYPE,
        version: parse::VERSION,
        regs: parse::REGS,
        counters: parse::COUNTERS,
        arrays: &[],
    },
    Block {
        name: "tag",
        base: tag::BASE,
        type_id: tag::TYPE,
        version: tag::VERSION,
        regs: tag::REGS,
        counters: tag::COUNTERS,
        arrays: &[],
    },
    Block {
        name: "stats",
        base: stats::BASE,
        type_id: stats::TYPE,
        version: stats::VERSION,
        regs: stats::REGS,
        counters: stats::COUNTERS,
        arrays: stats::ARRAYS,
    },
    Block {
        name: "conn",
        base: conn::BASE,
        type_id: conn::TYPE,
        version: conn::VERSION,
        regs: conn::REGS,
        counters: conn::COUNTERS,
        arrays: &[],
    },
    Block {
        name: "reasm",
        base: reasm::BASE,
        type_id: reasm::TYPE,
        version: reasm::VERSION,
        regs: reasm::REGS,
        counters: reasm::COUNTERS,
        arrays: &[],
    },
];

/// The conn stage (SYN offload, `crate::conn`).
pub mod conn {
    use super::*;
    use crate::conn as cn;
    pub const BASE: u16 = 0x3000;
    pub const TYPE: u32 = fourcc(b"V-CN");
    pub const VERSION: u32 = 1;
    /// Bit 0: hold SYNs (only while tagging is on too: a SYN given back must carry its tag).
    /// Off, no new SYN is held; held ones still leave as their connection or the timeout says.
    pub const CONTROL: u16 = 0x0C;
    pub const CONTROL_HOLD: u32 = 1 << 0;
    /// Timeout in ns, low and high word: a record this old (by the timestamps) expires.
    pub const TIMEOUT_NS: u16 = 0x10;
    /// Write 1 to bit 0: give back every held SYN (regenerated, why = flushed or expired).
    pub const FLUSH: u16 = 0x18;
    /// Read-only: bit 0 a flush is under way, bit 1 given-back SYNs wait for a gap in the output,
    /// bit 2 the table has been cleared after reset (no SYN is held before).
    pub const STATUS: u16 = 0x1C;
    pub const STATUS_FLUSHING: u32 = 1 << 0;
    pub const STATUS_PENDING: u32 = 1 << 1;
    pub const STATUS_READY: u32 = 1 << 2;
    /// Read-only: records held now.
    pub const HELD: u16 = 0x20;
    /// Read-only geometry: bucket index bits 7:0, ways 15:8, largest held frame in bytes 31:16.
    pub const GEOMETRY: u16 = 0x24;
    pub const GEOMETRY_VALUE: u32 =
        cn::SYN_BUCKET_BITS as u32 | (cn::SYN_WAYS as u32) << 8 | (cn::HOLD_BYTES as u32) << 16;
    /// Read-only: the release backlog limit 15:0, the regenerated-SYN queue depth 31:16.
    pub const LIMITS: u16 = 0x28;
    pub const LIMITS_VALUE: u32 = cn::RELEASE_BACKLOG_LIMIT as u32 | (cn::REGEN_QUEUE as u32) << 16;
    /// First counter.
    pub const FRAMES: u16 = 0x40;

    pub const REGS: &[Reg] = &[
        Reg {
            name: "CONTROL",
            offset: CONTROL,
            access: Access::Rw,
            reset: 0,
            doc: "bit 0: hold SYNs (while tagging is on)",
        },
        Reg {
            name: "TIMEOUT_NS_LO",
            offset: TIMEOUT_NS,
            access: Access::Rw,
            reset: cn::DEFAULT_TIMEOUT_NS as u32,
            doc: "record timeout in ns, bits 31:0",
        },
        Reg {
            name: "TIMEOUT_NS_HI",
            offset: TIMEOUT_NS + 4,
            access: Access::Rw,
            reset: (cn::DEFAULT_TIMEOUT_NS >> 32) as u32,
            doc: "record timeout in ns, bits 63:32",
        },
        Reg {
            name: "FLUSH",
            offset: FLUSH,
            access: Access::Strobe,
            reset: 0,
            doc: "write 1 to bit 0: give back every held SYN as a regenerated SYN",
        },
        Reg {
            name: "STATUS",
            offset: STATUS,
            access: Access::Ro,
            reset: 0,
            doc:
                "bit 0: flush under way; bit 1: regenerated SYNs wait to go out (queued, or kept in the table); bit 2: table cleared after reset (reset value: live)",
        },
        Reg {
            name: "HELD",
            offset: HELD,
            access: Access::Ro,
            reset: 0,
            doc: "records held now (reset value: live)",
        },
        Reg {
            name: "GEOMETRY",
            offset: GEOMETRY,
            access: Access::Ro,
            reset: GEOMETRY_VALUE,
            doc: "bucket index bits 7:0, ways 15:8, largest held frame in bytes 31:16",
        },
        Reg {
            name: "LIMITS",
            offset: LIMITS,
            access: Access::Ro,
            reset: LIMITS_VALUE,
            doc: "release backlog limit in beats 15:0, regenerated-SYN queue depth 31:16",
        },
    ];
    pub const COUNTERS: &[Counter] = &[
        Counter {
            name: "frames",
            offset: 0x40,
            doc: "TCP frames looked up in the SYN table",
        },
        Counter {
            name: "held",
            offset: 0x48,
            doc: "SYNs held (not forwarded)",
        },
        Counter {
            name: "retransmissions",
            offset: 0x50,
            doc: "retransmitted SYNs (same ISN) absorbed into their record",
        },
        Counter {
            name: "released",
            offset: 0x58,
            doc: "held SYNs sent just before a frame of their connection",
        },
        Counter {
            name: "late",
            offset: 0x60,
            doc: "held SYNs whose release found the output too far behind: sent after the frame that released them, at once or kept in the table until the scan has room",
        },
        Counter {
            name: "expired",
            offset: 0x68,
            doc: "held SYNs regenerated after the timeout",
        },
        Counter {
            name: "flushed",
            offset: 0x70,
            doc: "held SYNs regenerated by FLUSH",
        },
        Counter {
            name: "fail_long",
            offset: 0x78,
            doc: "SYNs forwarded: longer than the largest held frame",
        },
        Counter {
            name: "fail_full",
            offset: 0x80,
            doc: "SYNs forwarded: their bucket held only live records",
        },
        Counter {
            name: "fail_unclean",
            offset: 0x88,
            doc: "SYNs forwarded: a parse anomaly or a MAC error",
        },
        Counter {
            name: "regen_inline",
            offset: 0x90,
            doc: "regenerated SYNs sent at once, moving frames: their queue was half full, or an expired SYN a new SYN took the way of found it without room and went in that SYN's place",
        },
        Counter {
            name: "regen_lost",
            offset: 0x98,
            doc: "given-back SYNs lost: the regen, keep and output queues all without room (SYNs given back faster than the output sends, for longer than the queues last), or a keep starved past its way's reservation (lookups every cycle)",
        },
        Counter {
            name: "kept",
            offset: 0xA0,
            doc: "late SYNs kept in the table (their way) until the scan had room to give them back",
        },
    ];
}

/// The reasm stage (TCP stream reassembly, `crate::reasm`): its session engine keeps the sessions
/// in external memory; the frames' path parses the conn stage's frames again and gives each
/// followed segment its REASM tag.
pub mod reasm {
    use super::*;
    use crate::datapath as dp;
    use crate::reasm as ra;
    pub const BASE: u16 = 0x3400;
    pub const TYPE: u32 = fourcc(b"V-RA");
    pub const VERSION: u32 = 1;
    /// Bit 0: follow TCP segments (only while tagging is on too: the REASM tag needs a header).
    /// Off, frames bypass the stage (no delay, not counted). The stage changes over while it
    /// holds no beat: turning it off takes effect at the first gap of TIMING 15:0 cycles.
    pub const CONTROL: u16 = 0x0C;
    pub const CONTROL_ENABLE: u32 = 1 << 0;
    /// log2 of the session buckets per choice (at most `ra::DEFAULT_SESSION_BUCKET_BITS`, the
    /// memory the bitstream addresses); set it before the stage is enabled.
    pub const BUCKET_BITS: u16 = 0x10;
    /// Bytes one direction may have above its hole before the hole is given up as a gap.
    pub const MAX_ABOVE_HOLE: u16 = 0x14;
    /// Read-only timing: the fixed delay of every beat in cycles 15:0, the longest frame in beats
    /// that is answered before it leaves 31:16.
    pub const TIMING: u16 = 0x18;
    pub const TIMING_VALUE: u32 = dp::REASM_DELAY_CYCLES | dp::REASM_MAX_BEATS << 16;
    /// Read-only geometry: ways per bucket 7:0, largest BUCKET_BITS 15:8.
    pub const GEOMETRY: u16 = 0x1C;
    pub const GEOMETRY_VALUE: u32 = ra::SESSION_WAYS as u32 | ra::DEFAULT_SESSION_BUCKET_BITS << 8;
    /// The session table's hash key, 12 words (word 0 = key bytes 0..4, big-endian).
    pub const SESSION_KEY: u16 = 0x20;
    /// Words of the session key.
    pub const SESSION_KEY_WORDS: usize = ra::SESSION_KEY_BYTES / 4;
    /// Read-only status: bit 0 the stage is on (frames go through it), bit 1 it holds no beat,
    /// bit 2 its clock runs (it stops `REASM_SETTLE_CYCLES` after the stage is off and empty).
    pub const STATUS: u16 = 0x50;
    pub const STATUS_ON: u32 = 1 << 0;
    pub const STATUS_EMPTY: u32 = 1 << 1;
    pub const STATUS_CLOCK: u32 = 1 << 2;
    /// First counter.
    pub const FRAMES: u16 = 0x60;

    const fn key_word(i: usize) -> u32 {
        let k = &ra::DEFAULT_SESSION_KEY;
        u32::from_be_bytes([k[4 * i], k[4 * i + 1], k[4 * i + 2], k[4 * i + 3]])
    }
    const fn key_reg(name: &'static str, i: usize) -> Reg {
        Reg {
            name,
            offset: SESSION_KEY + 4 * i as u16,
            access: Access::Rw,
            reset: key_word(i),
            doc: "session key word (word 0 = key bytes 0..4, big-endian; not secret after reset: set your own)",
        }
    }
    const _: () = assert!(SESSION_KEY_WORDS == 12);

    pub const REGS: &[Reg] = &[
        Reg {
            name: "CONTROL",
            offset: CONTROL,
            access: Access::Rw,
            reset: 0,
            doc: "bit 0: follow TCP segments (while tagging is on)",
        },
        Reg {
            name: "BUCKET_BITS",
            offset: BUCKET_BITS,
            access: Access::Rw,
            reset: ra::DEFAULT_SESSION_BUCKET_BITS,
            doc: "log2 of the session buckets per choice (at most GEOMETRY 15:8)",
        },
        Reg {
            name: "MAX_ABOVE_HOLE",
            offset: MAX_ABOVE_HOLE,
            access: Access::Rw,
            reset: ra::DEFAULT_MAX_ABOVE_HOLE,
            doc: "bytes above a direction's hole before it is given up as a gap",
        },
        Reg {
            name: "TIMING",
            offset: TIMING,
            access: Access::Ro,
            reset: TIMING_VALUE,
            doc:
                "delay of every beat in cycles 15:0, longest frame answered in time in beats 31:16",
        },
        Reg {
            name: "GEOMETRY",
            offset: GEOMETRY,
            access: Access::Ro,
            reset: GEOMETRY_VALUE,
            doc: "ways per bucket 7:0, largest BUCKET_BITS 15:8",
        },
        Reg {
            name: "STATUS",
            offset: STATUS,
            access: Access::Ro,
            reset: 0,
            doc: "bit 0: on (frames go through the stage); bit 1: it holds no beat; bit 2: its clock runs (reset value: live)",
        },
        key_reg("SESSION_KEY0", 0),
        key_reg("SESSION_KEY1", 1),
        key_reg("SESSION_KEY2", 2),
        key_reg("SESSION_KEY3", 3),
        key_reg("SESSION_KEY4", 4),
        key_reg("SESSION_KEY5", 5),
        key_reg("SESSION_KEY6", 6),
        key_reg("SESSION_KEY7", 7),
        key_reg("SESSION_KEY8", 8),
        key_reg("SESSION_KEY9", 9),
        key_reg("SESSION_KEY10", 10),
        key_reg("SESSION_KEY11", 11),
    ];
    const fn counter(name: &'static str, i: u16, doc: &'static str) -> Counter {
        Counter {
            name,
            offset: FRAMES + 8 * i,
            doc,
        }
    }
    /// In the order the stage packs them (the frames' side's, then the engine's).
    pub const COUNTERS: &[Counter] = &[
        counter("frames", 0, "frames that left the stage"),
        counter("followed", 1, "of them, TCP segments the session engine was asked about"),
        counter("not_asked", 2, "frames not followed: the stage off, or a SYN the conn stage regenerated"),
        counter("not_tcp", 3, "frames not followed: no IP header, not TCP, or a fragment"),
        counter("truncated", 4, "frames not followed: the TCP header is not in the frame"),
        counter("malformed", 5, "frames not followed: lanes missing or a MAC error"),
        counter("no_session", 6, "followed segments of no session that open none (no REASM tag)"),
        counter("late", 7, "followed segments without an answer when they left (no REASM tag): refused by the engine, or too long"),
        counter("too_long", 8, "of the late, frames longer than TIMING 31:16 (the session saw them)"),
        counter("in_order", 9, "REASM tags IN_ORDER"),
        counter("released", 10, "REASM tags RELEASED"),
        counter("retransmissions", 11, "REASM tags RETRANSMISSION"),
        counter("control", 12, "REASM tags CONTROL"),
        counter("fallback", 13, "REASM tags FALLBACK"),
        counter("dir_refused", 14, "requests the session directory refused (one lookup in flight per LOOKUP_SPACING cycles)"),
        counter("bad_update", 15, "record updates refused as stale (memory behind its budget)"),
        counter("mem_error", 16, "error responses from the session memory"),
        counter("flow_ends", 17, "flow-end records made (a session's way reused); no output path for them yet: each is only counted"),
    ];
}

/// Design version this crate describes.
pub const DESIGN_VERSION: u32 = 0x00_01_00;

/// NEXT value of block `i` in `BLOCKS`.
pub fn next_of(i: usize) -> u16 {
    BLOCKS.get(i + 1).map_or(0, |b| b.base)
}

/// The block whose TYPE is `type_id`.
pub fn block_by_type(type_id: u32) -> Option<&'static Block> {
    BLOCKS.iter().find(|b| b.type_id == type_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_do_not_overlap_and_are_aligned() {
        for (i, b) in BLOCKS.iter().enumerate() {
            let end = b
                .regs
                .iter()
                .map(|r| r.offset + 4)
                .chain(b.counters.iter().map(|c| c.offset + 8))
                .chain(
                    b.arrays
                        .iter()
                        .flat_map(|a| a.all().map(|(_, _, off)| off + 4)),
                )
                .max()
                .unwrap_or(0x0C);
            if let Some(n) = BLOCKS.get(i + 1) {
                assert!(
                    b.base + end <= n.base,
                    "block {} runs into {}",
                    b.name,
                    n.name
                );
            }
            assert!(b.regs.iter().all(|r| r.offset % 4 == 0 && r.offset >= 0x0C));
            assert!(b.counters.iter().all(|c| c.offset % 8 == 0));
            let mut offsets: Vec<u16> = b.regs.iter().map(|r| r.offset).collect();
            offsets.extend(b.counters.iter().flat_map(|c| [c.offset, c.offset + 4]));
            offsets.extend(b.arrays.iter().flat_map(|a| a.all().map(|(_, _, off)| off)));
            let n = offsets.len();
            offsets.sort_unstable();
            offsets.dedup();
            assert_eq!(
                offsets.len(),
                n,
                "block {} maps two registers to one address",
                b.name
            );
        }
    }

    #[test]
    fn hash_key_registers_cover_the_key() {
        let keys: Vec<&Reg> = parse::REGS
            .iter()
            .filter(|r| r.name.starts_with("HASH_KEY"))
            .collect();
        assert_eq!(keys.len(), crate::flowhash::KEY_WORDS);
        for (i, r) in keys.iter().enumerate() {
            assert_eq!(r.offset, parse::HASH_KEY + 4 * i as u16);
            assert_eq!(
                r.reset,
                crate::flowhash::key_words(&crate::flowhash::DEFAULT_KEY)[i]
            );
        }
    }

    #[test]
    fn type_ids_are_readable() {
        assert_eq!(&id::TYPE.to_be_bytes(), b"V-ID");
        assert!(block_by_type(tag::TYPE).is_some());
        assert_eq!(next_of(BLOCKS.len() - 1), 0);
    }
}

/// The register map as Markdown (docs/registers.md is this text; a test keeps them equal).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Register map\n\nGenerated from `proto/src/regs.rs` by `cargo run -p vantage-proto --example regs_md`; \
         a test fails when this file and the code disagree.\n\n\
         Every block starts with TYPE (+0x00), VERSION (+0x04) and NEXT (+0x08, 0 = end of chain). \
         Registers are 32 bits. Counters are 64 bits (low word first) and read the values latched by \
         the last write of 1 to `id.SNAPSHOT`, which latches every counter of every block in the same \
         cycle. Unmapped addresses read 0; writes to them are ignored.\n",
    );
    for (i, b) in BLOCKS.iter().enumerate() {
        let type_str = String::from_utf8_lossy(&b.type_id.to_be_bytes()).into_owned();
        s += &format!(
            "\n## {} at 0x{:04x}: TYPE 0x{:08x} (\"{}\"), VERSION {}, NEXT 0x{:04x}\n\n",
            b.name,
            b.base,
            b.type_id,
            type_str,
            b.version,
            next_of(i)
        );
        s += "| address | name | access | reset | meaning |\n|---|---|---|---|---|\n";
        for r in b.regs {
            let access = match r.access {
                Access::Ro => "RO",
                Access::Rw => "RW",
                Access::Strobe => "W1 strobe",
            };
            s += &format!(
                "| 0x{:04x} | {} | {} | 0x{:08x} | {} |\n",
                b.base + r.offset,
                r.name,
                access,
                r.reset,
                r.doc
            );
        }
        for c in b.counters {
            s += &format!(
                "| 0x{:04x} | {} (64-bit) | RO snapshot | 0 | {} |\n",
                b.base + c.offset,
                c.name,
                c.doc
            );
        }
        for a in b.arrays {
            let access = if a.access == Access::Rw { "RW" } else { "RO" };
            s += &format!(
                "| 0x{:04x}..0x{:04x} | {}[{}] ({} words each, 0x{:x} apart) | {access} | 0 | {} |\n",
                b.base + a.offset,
                b.base + a.word(a.count - 1, a.words - 1) + 4,
                a.name,
                a.count,
                a.words,
                a.stride,
                a.doc
            );
        }
    }
    s
}
