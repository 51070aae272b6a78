//! Datapath geometry shared by the RTL, the model and the simulator harness.

/// Bytes per AXI4-Stream beat (512-bit `tdata`, 64-bit `tkeep`).
pub const BEAT_BYTES: usize = 64;
/// Bits per beat.
pub const BEAT_BITS: usize = BEAT_BYTES * 8;
/// The parse stage looks at the first beat and its successor: headers must end within this window.
pub const PARSE_WINDOW_BYTES: usize = 2 * BEAT_BYTES;
/// Largest frame (without FCS) the pipeline counts as well-formed; longer frames pass, counted.
pub const MAX_FRAME_BYTES: usize = 9216;
/// Ethernet minimum frame without FCS; shorter frames are runts (passed, flagged, counted).
pub const MIN_FRAME_BYTES: usize = 60;
/// Frames shorter than this have no room for the tagged header after the MAC addresses.
pub const MIN_TAGGABLE_BYTES: usize = 14;
/// Byte offset where the tagged header is inserted (after destination and source MAC).
pub const TAG_INSERT_OFFSET: usize = 12;
/// Most link-layer tags (VLAN tags and Cisco VN-tags, in any mix) the parser walks.
pub const MAX_LINK_TAGS: usize = 3;
/// Most MPLS labels the parser walks before giving up (flag `MPLS_DEEP`).
pub const MAX_MPLS_LABELS: usize = 4;
/// Most IPv6 extension headers (hop-by-hop, routing, fragment, destination options) skipped.
pub const MAX_IPV6_EXT_HEADERS: usize = 3;
/// Depth of the tag stage's input FIFO, in beats.
pub const TAG_FIFO_DEPTH: usize = 32;
/// When this many beats or more wait in the tag FIFO at the start of a frame, the frame passes
/// untagged (fail-open, counted) so the FIFO can never overflow.
pub const TAG_BACKLOG_LIMIT: usize = 16;
/// Most overflow beats a tagged frame needs after its last input beat: the longest header
/// (`header::MAX_FRAME_HEADER_BYTES`) behind a full last beat.
pub const TAG_MAX_OVERFLOW_BEATS: usize =
    (BEAT_BYTES + crate::header::MAX_FRAME_HEADER_BYTES).div_ceil(BEAT_BYTES) - 1;
const _: () = assert!(
    TAG_BACKLOG_LIMIT + 1 + TAG_MAX_OVERFLOW_BEATS <= TAG_FIFO_DEPTH,
    "a frame tagged below the backlog limit must not overflow the tag FIFO"
);
/// Cycles from a beat at the stats stage's input to the same beat at its output: its register
/// stages A, B, B2, C, D and E, the delay line (`stats::DELAY`) and the line's two output
/// registers. The conn stage's decisions are timed from it.
pub const STATS_OFFSET: usize = crate::stats::DELAY + 8;
/// Register stages between the stats stage's output and the conn stage's X0 (L3..L1): how far
/// ahead the conn stage's output sequencer sees.
pub const CONN_LOOKAHEAD: usize = 3;
/// Cycles from a beat at the stats stage's output to the same beat at the conn stage's output
/// while its output queue is empty: L3..L1, X0, X1, the queue's write, the sequencer's register.
/// No beat, released SYN included, passes faster; the stats stage's report builder counts on it.
pub const CONN_PASS_LATENCY: usize = CONN_LOOKAHEAD + 4;

/// Cycles from a frame's last beat to its segment facts at the reasm stage's session engine
/// (`hdl/src/reasm/facts.rs`: five register stages).
pub const REASM_FACTS_CYCLES: u32 = 5;
/// Cycles from a request to the reasm stage's session engine to its answer: the directory's
/// lookup, the record's read, one register.
pub const REASM_ENGINE_CYCLES: u32 =
    crate::reasm::directory::LOOKUP_CYCLES + crate::reasm::record::RECORD_CYCLES + 1;
/// Cycles every beat waits in the reasm stage's ring for its frame's answer.
pub const REASM_DELAY_CYCLES: u32 = 500;
/// Cycles without a beat into the reasm stage after which the tag stage is sure to be idle when
/// the next beat reaches it (the stage is a fixed delay: its input's quiet reaches the tag stage
/// intact): the tag FIFO's deepest backlog and overflow beats drained, with margin for the
/// second ingress's lookahead. The conn stage sends a regenerated SYN only into such a gap, so the
/// SYN never delays a frame the tag stage decides on.
pub const REASM_QUIET_CYCLES: u32 = 64;
const _: () = assert!(REASM_QUIET_CYCLES as usize >= TAG_FIFO_DEPTH + TAG_MAX_OVERFLOW_BEATS + 4);
/// Cycles the reasm stage and its session engine keep their clock after the stage last held a
/// beat, was on or was asked to be: its last request's answer, the record's write, the write's
/// response and the forwarding table's window all fall inside, so the clock stops only on a
/// quiescent engine (no transaction outstanding on its memory ports).
pub const REASM_SETTLE_CYCLES: u32 = 1024;
const _: () = assert!(
    REASM_SETTLE_CYCLES
        >= REASM_ENGINE_CYCLES
            + 2 * (crate::reasm::directory::LOOKUP_CYCLES + crate::reasm::directory::WRITE_CYCLES)
);
/// The longest frame, in beats, whose answer is there when its first beat leaves the reasm
/// stage's ring: the answer is written at `F0 + beats - 1 + REASM_FACTS_CYCLES +
/// REASM_ENGINE_CYCLES` and read at `F0 + REASM_DELAY_CYCLES - 1`. A longer frame leaves as late.
pub const REASM_MAX_BEATS: u32 = REASM_DELAY_CYCLES - REASM_FACTS_CYCLES - REASM_ENGINE_CYCLES - 1;
const _: () = assert!(
    REASM_MAX_BEATS as usize >= MAX_FRAME_BYTES.div_ceil(BEAT_BYTES),
    "a frame of the largest well-formed length must get its answer in time"
);

/// Datapath clock of the OpenNIC shell's box_322mhz, in Hz.
pub const DATAPATH_CLOCK_HZ: u64 = 322_265_625;
/// Control (AXI4-Lite) clock of the OpenNIC shell, in Hz.
pub const CONTROL_CLOCK_HZ: u64 = 125_000_000;

/// Timestamp increment per datapath cycle as 32.32 fixed-point nanoseconds, rounded to nearest.
pub const fn default_ts_increment() -> u64 {
    let num: u128 = 1_000_000_000u128 << 32;
    let den = DATAPATH_CLOCK_HZ as u128;
    ((num + den / 2) / den) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increment_is_one_period() {
        let inc = default_ts_increment() as f64 / 4294967296.0;
        let period = 1e9 / DATAPATH_CLOCK_HZ as f64;
        assert!((inc - period).abs() < 1e-9, "{inc} vs {period}");
    }
}
