//! The tag stage: inserts the version 1 tagged header (`proto::header`) after the MAC addresses.
//!
//! ```text
//!  stage before ──► FIFO (TAG_FIFO_DEPTH beats, LUT RAM) ──► engine ──► m_axis (one beat per
//!                                                                       cycle, no tready)
//!  the header of a frame, H bytes, network order (H = 24, 36, 48, 52, 60, 64 or 72):
//!   0 EtherType, version, words = H/4   4 TIMESTAMP   14 FLOW   24 STATS (10 bytes, with news)
//!   then SYN (12 bytes, a SYN the conn stage gives back), then REASM (26 bytes, a segment the
//!   reasm stage followed), then a PAD (2 zero bytes) when STATS or REASM comes alone
//!
//!  tagged frame = input lanes 0..12 ++ header ++ input lanes 12..
//!  first beat:  out lanes 0..12 = input lanes 0..12
//!               out lanes 12..64 = (header ++ input lanes 12..64), its first 52 lanes
//!               carry = the same, its H lanes from 52 on
//!  later beat:  out = (carry ++ input beat), its first 64 lanes; carry = its last H lanes
//!  after the last input beat, while the carry keeps lanes: an overflow beat = the carry's first
//!  64 lanes (one, or two for a 72-byte header behind a last beat of more than 56 lanes)
//!
//!  as a first beat goes into the FIFO: its frame's header (lane order), its length beyond 24
//!  bytes in 4-byte words, and whether tagging costs the frame a beat; as a beat comes out: the
//!  shift by 24 bytes and then by 4 bytes per extra word, one mux stage per bit of the count
//! ```
//! The header adds beats to some frames, so the engine can fall behind a MAC that sends one beat
//! every cycle; beats then wait in the FIFO. A frame that starts while `TAG_BACKLOG_LIMIT` beats or
//! more wait passes untagged (fail-open, counted), unless its header costs no extra beat (it ends
//! in the window with room in its last beat); this bounds the FIFO at `TAG_BACKLOG_LIMIT + 1 +
//! TAG_MAX_OVERFLOW_BEATS`.

pub mod probe_unit;

use crate::slot::Slot;
use crate::widgets::{ByteReverse, LutRam, Popcount64};
use rust_hdl::prelude::*;
use vantage_proto::conn::SYN_TLV_LEN;
use vantage_proto::datapath::{
    MIN_TAGGABLE_BYTES, TAG_BACKLOG_LIMIT, TAG_FIFO_DEPTH, TAG_INSERT_OFFSET,
    TAG_MAX_OVERFLOW_BEATS,
};
use vantage_proto::header::{
    self, frame_header_bytes, FLOW_LEN, FRAME_HEADER_BYTES, MAX_FRAME_HEADER_BYTES, STATS_LEN,
    TIMESTAMP_LEN, TLV_FLOW, TLV_STATS, TLV_SYN, TLV_TIMESTAMP,
};
use vantage_proto::reasm::{REASM_TLV_LEN, TLV_REASM};

/// FIFO address width.
const FIFO_ADDR_BITS: usize = 5;
const _: () = assert!(
    1 << FIFO_ADDR_BITS == TAG_FIFO_DEPTH,
    "FIFO address width must match TAG_FIFO_DEPTH"
);
/// Bits of the longest header (the header vector and the carry are this wide).
const HEADER_BITS: usize = MAX_FRAME_HEADER_BYTES * 8;
/// The header's length as `update` computes it (the lengths and offsets there are literals):
/// 24 bytes, STATS 10, SYN 12, REASM 26, and a 2-byte PAD when STATS or REASM comes alone.
const fn written_len(stats: bool, syn: bool, reasm: bool) -> usize {
    24 + 10 * stats as usize
        + 12 * syn as usize
        + 26 * reasm as usize
        + 2 * (stats ^ reasm) as usize
}
const _: () = {
    let mut k = 0;
    while k < 8 {
        let (s, y, r) = (k & 1 != 0, k & 2 != 0, k & 4 != 0);
        assert!(written_len(s, y, r) == frame_header_bytes(s, y, r));
        k += 1;
    }
    assert!(HEADER_BITS == 576 && TAG_INSERT_OFFSET == 12 && TAG_MAX_OVERFLOW_BEATS == 2);
    assert!(FRAME_HEADER_BYTES == 24 && STATS_LEN == 8 && SYN_TLV_LEN == 10);
    assert!(REASM_TLV_LEN == 24 && TIMESTAMP_LEN == 8 && FLOW_LEN == 8);
};

/// The order of `Tag::counter_words`: the names of `proto::regs::tag::COUNTERS`.
pub const COUNTER_ORDER: [&str; 5] = ["frames", "bytes", "malformed", "flagged", "tagged"];

/// One FIFO entry: a beat and, on a first beat, its frame's header, built as the beat goes in.
#[derive(Clone, Copy, Debug, PartialEq, Default, LogicStruct)]
pub struct TagEntry {
    pub sof: Bit,
    pub last: Bit,
    pub user: Bit,
    pub keep: Bits<64>,
    pub data: Bits<512>,
    /// The frame's length in lanes when it ends in its first two beats, else 255.
    pub len: Bits<8>,
    /// Tagging costs the frame no extra beat.
    pub free: Bit,
    /// The header's length beyond 24 bytes, in 4-byte words (0..=12).
    pub extra: Bits<4>,
    /// The header in lane order (byte 0 in bits 7:0), zero past its length.
    pub hdr: Bits<HEADER_BITS>,
}

#[derive(LogicBlock)]
pub struct Tag {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset.
    pub reset: Signal<In, Bit>,
    /// Tagging on; off passes every frame bit-exact.
    pub enable: Signal<In, Bit>,
    /// EtherType written at the start of the header.
    pub ethertype: Signal<In, Bits<16>>,
    /// Slots from the stage before (every beat of every frame).
    pub slot: Signal<In, Slot>,
    /// Their parse flags.
    pub flags: Signal<In, Bits<16>>,
    /// With a first beat: the frame gets the REASM tag with this value (`proto::reasm::ReasmInfo`
    /// bytes, byte 0 in the high bits).
    pub reasm: Signal<In, Bit>,
    pub reasm_info: Signal<In, Bits<192>>,
    /// AXI-Stream output.
    pub tvalid: Signal<Out, Bit>,
    pub tdata: Signal<Out, Bits<512>>,
    pub tkeep: Signal<Out, Bits<64>>,
    pub tlast: Signal<Out, Bit>,
    pub tuser: Signal<Out, Bit>,
    /// The counters (`proto::regs::tag::COUNTERS`) packed in the order of `COUNTER_ORDER`, first
    /// in the low bits.
    pub counter_words: Signal<Out, Bits<{ 64 * COUNTER_ORDER.len() }>>,
    /// No beat waits in the FIFO and no overflow beat is pending: the output is free next cycle
    /// unless a beat arrives.
    pub idle: Signal<Out, Bit>,
    /// Header version (header byte 2).
    version: Constant<Bits<8>>,
    /// TIMESTAMP type and length (header bytes 4..6).
    fixed_ts: Constant<Bits<16>>,
    /// FLOW type and length (header bytes 14..16).
    fixed_flow: Constant<Bits<16>>,
    /// STATS, SYN and REASM types and lengths.
    fixed_stats: Constant<Bits<16>>,
    fixed_syn: Constant<Bits<16>>,
    fixed_reasm: Constant<Bits<16>>,
    backlog_limit: Constant<Bits<6>>,
    min_taggable: Constant<Bits<8>>,
    mem: LutRam<TagEntry, FIFO_ADDR_BITS>,
    hdr_lanes: ByteReverse<HEADER_BITS>,
    popcount: Popcount64,
    wptr: DFF<Bits<FIFO_ADDR_BITS>>,
    rptr: DFF<Bits<FIFO_ADDR_BITS>>,
    count: DFF<Bits<6>>,
    tagging: DFF<Bit>,
    /// The header words beyond 24 bytes of the frame being sent.
    hext: DFF<Bits<4>>,
    extra_pending: DFF<Bit>,
    extra_user: DFF<Bit>,
    /// Lanes still to send of the frame being tagged: the last (header length) of those it has
    /// taken in.
    carry_data: DFF<Bits<HEADER_BITS>>,
    carry_keep: DFF<Bits<{ HEADER_BITS / 8 }>>,
    o_valid: DFF<Bit>,
    o_data: DFF<Bits<512>>,
    o_keep: DFF<Bits<64>>,
    o_last: DFF<Bit>,
    o_user: DFF<Bit>,
    c_frames: DFF<Bits<64>>,
    c_bytes: DFF<Bits<64>>,
    c_malformed: DFF<Bits<64>>,
    c_flagged: DFF<Bits<64>>,
    c_tagged: DFF<Bits<64>>,
    head: Signal<Local, TagEntry>,
    /// `head.data` and `head.keep` as plain vectors, and their lanes from 12 on, so slicing
    /// them is one part-select.
    hd: Signal<Local, Bits<512>>,
    hk: Signal<Local, Bits<64>>,
    hd_hi: Signal<Local, Bits<416>>,
    hk_hi: Signal<Local, Bits<52>>,
    pop: Signal<Local, Bit>,
    push: Signal<Local, Bit>,
    tag_now: Signal<Local, Bit>,
    /// The incoming frame's header: its length's terms, its length, its words, its bytes
    /// (network order into `hdr_lanes`, lane order out).
    len_stats: Signal<Local, Bits<7>>,
    len_syn: Signal<Local, Bits<7>>,
    len_reasm: Signal<Local, Bits<7>>,
    len_pad: Signal<Local, Bits<7>>,
    h_now: Signal<Local, Bits<7>>,
    words: Signal<Local, Bits<8>>,
    stats_part: Signal<Local, Bits<384>>,
    syn_part: Signal<Local, Bits<384>>,
    reasm_part: Signal<Local, Bits<384>>,
    /// The frame's lanes plus the header's (the header costs no beat when they fit).
    len_plus: Signal<Local, Bits<9>>,
    /// The head's header words beyond 24 bytes, and the bits of the head frame's carried ones.
    x_head: Signal<Local, Bits<4>>,
    x_held: Signal<Local, Bits<4>>,
    /// A first beat: the header, then lanes 12.. of the beat, from lane 12 of the output; its
    /// lanes shifted by 24 bytes, then by 4 bytes per extra word (one stage per bit of it).
    fd0: Signal<Local, Bits<1024>>,
    fd1: Signal<Local, Bits<1024>>,
    fd2: Signal<Local, Bits<1024>>,
    fd3: Signal<Local, Bits<1024>>,
    fd4: Signal<Local, Bits<1024>>,
    fk0: Signal<Local, Bits<128>>,
    fk1: Signal<Local, Bits<128>>,
    fk2: Signal<Local, Bits<128>>,
    fk3: Signal<Local, Bits<128>>,
    fk4: Signal<Local, Bits<128>>,
    /// The header's lanes as keep bits (24 + 4 per extra word).
    hdr_keep: Signal<Local, Bits<128>>,
    first_data: Signal<Local, Bits<1024>>,
    first_keep: Signal<Local, Bits<128>>,
    /// A later beat: the carry, then the beat, shifted as above.
    nd0: Signal<Local, Bits<1088>>,
    nd1: Signal<Local, Bits<1088>>,
    nd2: Signal<Local, Bits<1088>>,
    nd3: Signal<Local, Bits<1088>>,
    nd4: Signal<Local, Bits<1088>>,
    nk0: Signal<Local, Bits<136>>,
    nk1: Signal<Local, Bits<136>>,
    nk2: Signal<Local, Bits<136>>,
    nk3: Signal<Local, Bits<136>>,
    nk4: Signal<Local, Bits<136>>,
    next_data: Signal<Local, Bits<1088>>,
    next_keep: Signal<Local, Bits<136>>,
    /// The carry's keep after this beat.
    new_keep: Signal<Local, Bits<{ HEADER_BITS / 8 }>>,
    ones: Constant<Bits<128>>,
    entry: Signal<Local, TagEntry>,
}

impl Default for Tag {
    fn default() -> Self {
        let k16 =
            |t: u8, l: usize| Constant::new((u16::from_be_bytes([t, l as u8]) as u64).to_bits());
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            ethertype: Default::default(),
            slot: Default::default(),
            flags: Default::default(),
            reasm: Default::default(),
            reasm_info: Default::default(),
            tvalid: Default::default(),
            tdata: Default::default(),
            tkeep: Default::default(),
            tlast: Default::default(),
            tuser: Default::default(),
            counter_words: Default::default(),
            idle: Default::default(),
            version: Constant::new((header::VERSION as u64).to_bits()),
            fixed_ts: k16(TLV_TIMESTAMP, TIMESTAMP_LEN),
            fixed_flow: k16(TLV_FLOW, FLOW_LEN),
            fixed_stats: k16(TLV_STATS, STATS_LEN),
            fixed_syn: k16(TLV_SYN, SYN_TLV_LEN),
            fixed_reasm: k16(TLV_REASM, REASM_TLV_LEN),
            backlog_limit: Constant::new((TAG_BACKLOG_LIMIT as u64).to_bits()),
            min_taggable: Constant::new((MIN_TAGGABLE_BYTES as u64).to_bits()),
            mem: Default::default(),
            hdr_lanes: Default::default(),
            popcount: Default::default(),
            wptr: Default::default(),
            rptr: Default::default(),
            count: Default::default(),
            tagging: Default::default(),
            hext: Default::default(),
            extra_pending: Default::default(),
            extra_user: Default::default(),
            carry_data: Default::default(),
            carry_keep: Default::default(),
            o_valid: Default::default(),
            o_data: Default::default(),
            o_keep: Default::default(),
            o_last: Default::default(),
            o_user: Default::default(),
            c_frames: Default::default(),
            c_bytes: Default::default(),
            c_malformed: Default::default(),
            c_flagged: Default::default(),
            c_tagged: Default::default(),
            head: Default::default(),
            hd: Default::default(),
            hk: Default::default(),
            hd_hi: Default::default(),
            hk_hi: Default::default(),
            pop: Default::default(),
            push: Default::default(),
            tag_now: Default::default(),
            len_stats: Default::default(),
            len_syn: Default::default(),
            len_reasm: Default::default(),
            len_pad: Default::default(),
            h_now: Default::default(),
            words: Default::default(),
            stats_part: Default::default(),
            syn_part: Default::default(),
            reasm_part: Default::default(),
            len_plus: Default::default(),
            x_head: Default::default(),
            x_held: Default::default(),
            fd0: Default::default(),
            fd1: Default::default(),
            fd2: Default::default(),
            fd3: Default::default(),
            fd4: Default::default(),
            fk0: Default::default(),
            fk1: Default::default(),
            fk2: Default::default(),
            fk3: Default::default(),
            fk4: Default::default(),
            hdr_keep: Default::default(),
            first_data: Default::default(),
            first_keep: Default::default(),
            nd0: Default::default(),
            nd1: Default::default(),
            nd2: Default::default(),
            nd3: Default::default(),
            nd4: Default::default(),
            nk0: Default::default(),
            nk1: Default::default(),
            nk2: Default::default(),
            nk3: Default::default(),
            nk4: Default::default(),
            next_data: Default::default(),
            next_keep: Default::default(),
            new_keep: Default::default(),
            ones: Constant::new(Bits::<128>::mask()),
            entry: Default::default(),
        }
    }
}

impl Logic for Tag {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            wptr,
            rptr,
            count,
            tagging,
            hext,
            extra_pending,
            extra_user,
            carry_data,
            carry_keep,
            o_valid,
            o_data,
            o_keep,
            o_last,
            o_user,
            c_frames,
            c_bytes,
            c_malformed,
            c_flagged,
            c_tagged
        );
        clock!(self, clock, mem);
        // FIFO write side: every slot from the stage before, a first beat with its frame's
        // header. Its length: 24 bytes, STATS 10, SYN 12, REASM 26, PAD 2 when the rest is not
        // a multiple of 4 (STATS or REASM alone).
        self.len_stats.next = 0.into();
        if self.slot.val().stats_news {
            self.len_stats.next = 10.into();
        }
        self.len_syn.next = 0.into();
        if self.slot.val().syn {
            self.len_syn.next = 12.into();
        }
        self.len_reasm.next = 0.into();
        if self.reasm.val() {
            self.len_reasm.next = 26.into();
        }
        self.len_pad.next = 0.into();
        if self.slot.val().stats_news ^ self.reasm.val() {
            self.len_pad.next = 2.into();
        }
        self.h_now.next = self.len_stats.val()
            + self.len_syn.val()
            + self.len_reasm.val()
            + self.len_pad.val()
            + 24;
        self.words.next = bit_cast::<8, 7>(self.h_now.val() >> 2);
        // Its bytes in network order, from the top: the 24 bytes every header has, then STATS at
        // byte 24, SYN after it, REASM after both (a PAD's bytes are zero, as is the rest).
        self.stats_part.next = 0.into();
        if self.slot.val().stats_news {
            self.stats_part.next = (bit_cast::<384, 16>(self.fixed_stats.val()) << 368)
                | (bit_cast::<384, 32>(self.slot.val().crossed) << 336)
                | (bit_cast::<384, 32>(self.slot.val().uncounted) << 304);
        }
        self.syn_part.next = 0.into();
        if self.slot.val().syn {
            self.syn_part.next = (bit_cast::<384, 16>(self.fixed_syn.val()) << 368)
                | (bit_cast::<384, 80>(self.slot.val().syn_info) << 288);
            if self.slot.val().stats_news {
                self.syn_part.next = (bit_cast::<384, 16>(self.fixed_syn.val()) << 288)
                    | (bit_cast::<384, 80>(self.slot.val().syn_info) << 208);
            }
        }
        self.reasm_part.next = 0.into();
        if self.reasm.val() {
            self.reasm_part.next = (bit_cast::<384, 16>(self.fixed_reasm.val()) << 368)
                | (bit_cast::<384, 192>(self.reasm_info.val()) << 176);
            if self.slot.val().stats_news & !self.slot.val().syn {
                self.reasm_part.next = (bit_cast::<384, 16>(self.fixed_reasm.val()) << 288)
                    | (bit_cast::<384, 192>(self.reasm_info.val()) << 96);
            }
            if !self.slot.val().stats_news & self.slot.val().syn {
                self.reasm_part.next = (bit_cast::<384, 16>(self.fixed_reasm.val()) << 272)
                    | (bit_cast::<384, 192>(self.reasm_info.val()) << 80);
            }
            if self.slot.val().stats_news & self.slot.val().syn {
                self.reasm_part.next = (bit_cast::<384, 16>(self.fixed_reasm.val()) << 192)
                    | bit_cast::<384, 192>(self.reasm_info.val());
            }
        }
        self.hdr_lanes.a.next = (bit_cast::<576, 16>(self.ethertype.val()) << 560)
            | (bit_cast::<576, 8>(self.version.val()) << 552)
            | (bit_cast::<576, 8>(self.words.val()) << 544)
            | (bit_cast::<576, 16>(self.fixed_ts.val()) << 528)
            | (bit_cast::<576, 64>(self.slot.val().ts) << 464)
            | (bit_cast::<576, 16>(self.fixed_flow.val()) << 448)
            | (bit_cast::<576, 32>(self.slot.val().hash) << 416)
            | (bit_cast::<576, 16>(self.flags.val()) << 400)
            | (bit_cast::<576, 8>(self.slot.val().l3_off) << 392)
            | (bit_cast::<576, 8>(self.slot.val().proto) << 384)
            | bit_cast::<576, 384>(
                self.stats_part.val() | self.syn_part.val() | self.reasm_part.val(),
            );
        // Tagging costs the frame no beat: it ends in its first two beats and its last beat's
        // lanes plus the header fit in 64. A length of 64 is a full single beat (never fits) or
        // two beats with an empty last one (always fits), as `fits` tells.
        self.len_plus.next =
            bit_cast::<9, 8>(self.slot.val().len) + bit_cast::<9, 7>(self.h_now.val());
        self.entry.next.free = ((self.slot.val().len < 64) & (self.len_plus.val() <= 64))
            | ((self.slot.val().len == 64) & self.slot.val().fits)
            | ((self.slot.val().len > 64) & (self.len_plus.val() <= 128));
        self.entry.next.sof = self.slot.val().sof;
        self.entry.next.last = self.slot.val().last;
        self.entry.next.user = self.slot.val().user;
        self.entry.next.keep = self.slot.val().keep;
        self.entry.next.data = self.slot.val().data;
        self.entry.next.len = self.slot.val().len;
        self.entry.next.extra = bit_cast::<4, 7>((self.h_now.val() - 24) >> 2);
        self.entry.next.hdr = self.hdr_lanes.y.val();
        self.push.next = self.slot.val().valid;
        self.mem.write_address.next = self.wptr.q.val();
        self.mem.write_data.next = self.entry.val();
        self.mem.write_enable.next = self.push.val();
        if self.push.val() {
            self.wptr.d.next = self.wptr.q.val() + 1;
        }
        // Read side: the head entry, combinational.
        self.mem.read_address.next = self.rptr.q.val();
        self.head.next = self.mem.read_data.val();
        self.hd.next = self.head.val().data;
        self.hk.next = self.head.val().keep;
        self.hd_hi.next = self.hd.val().get_bits::<416>(96);
        self.hk_hi.next = self.hk.val().get_bits::<52>(12);
        self.x_head.next = self.head.val().extra;
        self.x_held.next = self.hext.q.val();
        // The output lanes of a tagged beat (see the diagram): shifted by the header's length,
        // 24 bytes and then 4 bytes per extra word, a stage per bit of the word count.
        self.fd0.next = bit_cast::<1024, 416>(self.hd_hi.val()) << 192;
        self.fk0.next = bit_cast::<128, 52>(self.hk_hi.val()) << 24;
        self.nd0.next = bit_cast::<1088, 512>(self.hd.val()) << 192;
        self.nk0.next = bit_cast::<136, 64>(self.hk.val()) << 24;
        self.fd1.next = self.fd0.val();
        self.fk1.next = self.fk0.val();
        if self.x_head.val().get_bit(0) {
            self.fd1.next = self.fd0.val() << 32;
            self.fk1.next = self.fk0.val() << 4;
        }
        self.fd2.next = self.fd1.val();
        self.fk2.next = self.fk1.val();
        if self.x_head.val().get_bit(1) {
            self.fd2.next = self.fd1.val() << 64;
            self.fk2.next = self.fk1.val() << 8;
        }
        self.fd3.next = self.fd2.val();
        self.fk3.next = self.fk2.val();
        if self.x_head.val().get_bit(2) {
            self.fd3.next = self.fd2.val() << 128;
            self.fk3.next = self.fk2.val() << 16;
        }
        self.fd4.next = self.fd3.val();
        self.fk4.next = self.fk3.val();
        if self.x_head.val().get_bit(3) {
            self.fd4.next = self.fd3.val() << 256;
            self.fk4.next = self.fk3.val() << 32;
        }
        self.nd1.next = self.nd0.val();
        self.nk1.next = self.nk0.val();
        if self.x_held.val().get_bit(0) {
            self.nd1.next = self.nd0.val() << 32;
            self.nk1.next = self.nk0.val() << 4;
        }
        self.nd2.next = self.nd1.val();
        self.nk2.next = self.nk1.val();
        if self.x_held.val().get_bit(1) {
            self.nd2.next = self.nd1.val() << 64;
            self.nk2.next = self.nk1.val() << 8;
        }
        self.nd3.next = self.nd2.val();
        self.nk3.next = self.nk2.val();
        if self.x_held.val().get_bit(2) {
            self.nd3.next = self.nd2.val() << 128;
            self.nk3.next = self.nk2.val() << 16;
        }
        self.nd4.next = self.nd3.val();
        self.nk4.next = self.nk3.val();
        if self.x_held.val().get_bit(3) {
            self.nd4.next = self.nd3.val() << 256;
            self.nk4.next = self.nk3.val() << 32;
        }
        self.hdr_keep.next =
            (!(self.ones.val() << (bit_cast::<8, 4>(self.x_head.val()) << 2)) << 24) | 0xFF_FFFF;
        self.first_data.next = bit_cast::<1024, 576>(self.head.val().hdr) | self.fd4.val();
        self.first_keep.next = self.hdr_keep.val() | self.fk4.val();
        self.next_data.next = bit_cast::<1088, 576>(self.carry_data.q.val()) | self.nd4.val();
        self.next_keep.next = bit_cast::<136, 72>(self.carry_keep.q.val()) | self.nk4.val();
        self.new_keep.next = self.next_keep.val().get_bits::<72>(64);
        if self.head.val().sof {
            self.new_keep.next = self.first_keep.val().get_bits::<72>(52);
        }
        self.idle.next = (self.count.q.val() == 0) & !self.extra_pending.q.val();
        self.pop.next = false;
        self.tag_now.next = self.tagging.q.val();
        self.o_valid.d.next = false;
        if self.extra_pending.q.val() {
            // An overflow beat of the previous frame: the carried lanes alone.
            self.o_valid.d.next = true;
            self.o_data.d.next = self.carry_data.q.val().get_bits::<512>(0);
            self.o_keep.d.next = self.carry_keep.q.val().get_bits::<64>(0);
            self.carry_data.d.next = self.carry_data.q.val() >> 512;
            self.carry_keep.d.next = self.carry_keep.q.val() >> 64;
            self.o_last.d.next = true;
            self.o_user.d.next = self.extra_user.q.val();
            self.extra_pending.d.next = false;
            if (self.carry_keep.q.val() >> 64) != 0 {
                self.o_last.d.next = false;
                self.o_user.d.next = false;
                self.extra_pending.d.next = true;
            }
        } else if self.count.q.val() != 0 {
            self.pop.next = true;
            if self.head.val().sof {
                self.tag_now.next = self.enable.val()
                    & (self.head.val().len >= self.min_taggable.val())
                    & ((self.count.q.val() < self.backlog_limit.val()) | self.head.val().free);
                self.tagging.d.next = self.tag_now.val();
                self.hext.d.next = self.x_head.val();
                if self.enable.val() {
                    if self.head.val().len < self.min_taggable.val() {
                        self.c_malformed.d.next = self.c_malformed.q.val() + 1;
                    } else if !self.tag_now.val() {
                        self.c_flagged.d.next = self.c_flagged.q.val() + 1;
                    } else {
                        self.c_tagged.d.next = self.c_tagged.q.val() + 1;
                    }
                }
            }
            self.o_valid.d.next = true;
            self.o_data.d.next = self.head.val().data;
            self.o_keep.d.next = self.head.val().keep;
            self.o_last.d.next = self.head.val().last;
            self.o_user.d.next = self.head.val().user;
            if self.tag_now.val() {
                if self.head.val().sof {
                    self.o_data.d.next = bit_cast::<512, 96>(self.hd.val().get_bits::<96>(0))
                        | (bit_cast::<512, 416>(self.first_data.val().get_bits::<416>(0)) << 96);
                    self.o_keep.d.next = bit_cast::<64, 12>(self.hk.val().get_bits::<12>(0))
                        | (bit_cast::<64, 52>(self.first_keep.val().get_bits::<52>(0)) << 12);
                    self.carry_data.d.next = self.first_data.val().get_bits::<576>(416);
                } else {
                    self.o_data.d.next = self.next_data.val().get_bits::<512>(0);
                    self.o_keep.d.next = self.next_keep.val().get_bits::<64>(0);
                    self.carry_data.d.next = self.next_data.val().get_bits::<576>(512);
                }
                self.carry_keep.d.next = self.new_keep.val();
                self.o_user.d.next = false;
                if self.head.val().last {
                    if self.new_keep.val() != 0 {
                        self.o_last.d.next = false;
                        self.extra_pending.d.next = true;
                        self.extra_user.d.next = self.head.val().user;
                    } else {
                        self.o_user.d.next = self.head.val().user;
                    }
                }
            }
        }
        if self.pop.val() {
            self.rptr.d.next = self.rptr.q.val() + 1;
        }
        self.count.d.next = self.count.q.val() + bit_cast::<6, 1>(self.push.val().into())
            - bit_cast::<6, 1>(self.pop.val().into());
        // Output and its counters.
        self.tvalid.next = self.o_valid.q.val();
        self.tdata.next = self.o_data.q.val();
        self.tkeep.next = self.o_keep.q.val();
        self.tlast.next = self.o_last.q.val();
        self.tuser.next = self.o_user.q.val();
        self.popcount.a.next = self.o_keep.q.val();
        if self.o_valid.q.val() {
            self.c_bytes.d.next =
                self.c_bytes.q.val() + bit_cast::<64, 7>(self.popcount.count.val());
            if self.o_last.q.val() {
                self.c_frames.d.next = self.c_frames.q.val() + 1;
            }
        }
        self.counter_words.next = bit_cast::<320, 64>(self.c_frames.q.val())
            | (bit_cast::<320, 64>(self.c_bytes.q.val()) << 64)
            | (bit_cast::<320, 64>(self.c_malformed.q.val()) << 128)
            | (bit_cast::<320, 64>(self.c_flagged.q.val()) << 192)
            | (bit_cast::<320, 64>(self.c_tagged.q.val()) << 256);
        if self.reset.val() {
            self.wptr.d.next = 0.into();
            self.rptr.d.next = 0.into();
            self.count.d.next = 0.into();
            self.tagging.d.next = false;
            self.extra_pending.d.next = false;
            self.o_valid.d.next = false;
            self.c_frames.d.next = 0.into();
            self.c_bytes.d.next = 0.into();
            self.c_malformed.d.next = 0.into();
            self.c_flagged.d.next = 0.into();
            self.c_tagged.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counter_order_is_protos() {
        let names: Vec<&str> = vantage_proto::regs::tag::COUNTERS
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, super::COUNTER_ORDER);
    }
}
