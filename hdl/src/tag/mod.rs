//! The tag stage: inserts the version 1 tagged header (`proto::header`) after the MAC addresses.
//!
//! ```text
//!  conn ──► FIFO (TAG_FIFO_DEPTH beats, LUT RAM) ──► engine ──► m_axis (one beat per cycle, no tready)
//!
//!  tagged frame, output beat 0:   lanes 0..12  = input lanes 0..12        (MAC addresses)
//!                                 lanes 12..36 = the 24-byte header
//!                                 lanes 36..64 = input lanes 12..40
//!  output beat k >= 1:            lanes 0..24  = input beat k-1, lanes 40..64 (carried)
//!                                 lanes 24..64 = input beat k, lanes 0..40
//!  a last input beat with kept lanes at or above 40 leaves one overflow beat (the carry alone).
//!
//!  a frame with stats news gets the 36-byte header (STATS tag), a SYN the conn stage gives back
//!  the 36-byte header with the SYN tag in the same bytes: the same with 36 for 24 and 28 for 40:
//!  beat 0 = lanes 0..12, header 12..48, input lanes 12..28; beat k = carry of 36 lanes (input beat
//!  k-1, lanes 28..64), then input beat k, lanes 0..28.
//!  a given-back SYN with stats news: the 48-byte header (STATS, SYN, PAD): beat 0 = lanes 0..12,
//!  header 12..60, input lanes 12..16; beat k = carry of 48 lanes (input beat k-1, lanes 16..64),
//!  then input beat k, lanes 0..16.
//! ```
//! The header adds a beat to some frames, so the engine can fall behind a MAC that sends one beat
//! every cycle; beats then wait in the FIFO. A frame that starts while `TAG_BACKLOG_LIMIT` beats or
//! more wait passes untagged (fail-open, counted), unless its header costs no extra beat (it ends
//! in the window with room in its last beat); this bounds the FIFO at `TAG_BACKLOG_LIMIT + 1`.

use crate::slot::Slot;
use crate::widgets::{ByteReverse, LutRam, Popcount64};
use rust_hdl::prelude::*;
use vantage_proto::conn::SYN_TLV_LEN;
use vantage_proto::datapath::{MIN_TAGGABLE_BYTES, TAG_BACKLOG_LIMIT, TAG_FIFO_DEPTH};
use vantage_proto::header::{
    self, FLOW_LEN, FRAME_HEADER_BYTES, STATS_HEADER_BYTES, STATS_LEN, STATS_SYN_HEADER_BYTES,
    SYN_HEADER_BYTES, TIMESTAMP_LEN, TLV_FLOW, TLV_STATS, TLV_SYN, TLV_TIMESTAMP,
};

/// FIFO address width.
const FIFO_ADDR_BITS: usize = 5;
const _: () = assert!(
    1 << FIFO_ADDR_BITS == TAG_FIFO_DEPTH,
    "FIFO address width must match TAG_FIFO_DEPTH"
);
const _: () = assert!(
    TAG_BACKLOG_LIMIT + 2 <= TAG_FIFO_DEPTH,
    "backlog limit must leave room in the FIFO"
);
/// Header bits.
const HEADER_BITS: usize = FRAME_HEADER_BYTES * 8;
const _: () = assert!(
    HEADER_BITS == 192,
    "the lane arithmetic below is written for a 24-byte header"
);
/// Header bits with the STATS tag or the SYN tag (the same length).
const LONG_HEADER_BITS: usize = STATS_HEADER_BYTES * 8;
const _: () = assert!(
    LONG_HEADER_BITS == 288 && SYN_HEADER_BYTES == STATS_HEADER_BYTES,
    "the lane arithmetic below is written for a 36-byte header"
);
/// Header bits with both the STATS and the SYN tag.
const BOTH_HEADER_BITS: usize = STATS_SYN_HEADER_BYTES * 8;
const _: () = assert!(
    BOTH_HEADER_BITS == 384 && SYN_TLV_LEN == 10,
    "the lane arithmetic below is written for a 48-byte header"
);

/// The order of `Tag::counter_words`: the names of `proto::regs::tag::COUNTERS`.
pub const COUNTER_ORDER: [&str; 5] = ["frames", "bytes", "malformed", "flagged", "tagged"];

/// One FIFO entry: a beat and, on a first beat, what the header needs.
#[derive(Clone, Copy, Debug, PartialEq, Default, LogicStruct)]
pub struct TagEntry {
    pub sof: Bit,
    pub last: Bit,
    pub user: Bit,
    pub keep: Bits<64>,
    pub data: Bits<512>,
    pub len: Bits<8>,
    /// Tagging costs this frame no extra beat (see `Slot::fits`).
    pub fits: Bit,
    /// As `fits`, for the 36-byte header.
    pub fits_stats: Bit,
    /// The frame carries the STATS tag with these masks.
    pub news: Bit,
    pub crossed: Bits<32>,
    pub uncounted: Bits<32>,
    /// A SYN the conn stage gives back: the SYN tag with this value.
    pub syn: Bit,
    pub info: Bits<80>,
    /// As `fits`, for the 48-byte header (STATS and SYN).
    pub fits_both: Bit,
    pub ts: Bits<64>,
    pub hash: Bits<32>,
    pub flags: Bits<16>,
    pub l3_off: Bits<8>,
    pub proto: Bits<8>,
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
    /// Slots from the parse stage.
    pub slot: Signal<In, Slot>,
    /// Their parse flags.
    pub flags: Signal<In, Bits<16>>,
    /// AXI-Stream output.
    pub tvalid: Signal<Out, Bit>,
    pub tdata: Signal<Out, Bits<512>>,
    pub tkeep: Signal<Out, Bits<64>>,
    pub tlast: Signal<Out, Bit>,
    pub tuser: Signal<Out, Bit>,
    /// Counters (`proto::regs::tag::COUNTERS`).
    pub frames: Signal<Out, Bits<64>>,
    pub bytes: Signal<Out, Bits<64>>,
    pub malformed: Signal<Out, Bits<64>>,
    pub flagged: Signal<Out, Bits<64>>,
    pub tagged_count: Signal<Out, Bits<64>>,
    /// The counters packed in the order of `COUNTER_ORDER`, first in the low bits.
    pub counter_words: Signal<Out, Bits<{ 64 * COUNTER_ORDER.len() }>>,
    /// No beat waits in the FIFO and no overflow beat is pending: the output is free next cycle
    /// unless a beat arrives.
    pub idle: Signal<Out, Bit>,
    /// version, words, TIMESTAMP type, TIMESTAMP length (header bytes 2..6).
    fixed1: Constant<Bits<32>>,
    /// FLOW type and length (header bytes 14..16).
    fixed2: Constant<Bits<16>>,
    /// As `fixed1` for the 36-byte header (words = 9).
    fixed1_long: Constant<Bits<32>>,
    /// STATS type and length (header bytes 24..26).
    fixed3: Constant<Bits<16>>,
    /// SYN type and length (header bytes 24..26 after FLOW, 34..36 after STATS).
    fixed_syn: Constant<Bits<16>>,
    /// As `fixed1` for the 48-byte header (words = 12).
    fixed1_both: Constant<Bits<32>>,
    backlog_limit: Constant<Bits<6>>,
    min_taggable: Constant<Bits<8>>,
    mem: LutRam<TagEntry, FIFO_ADDR_BITS>,
    hdr_lanes: ByteReverse<HEADER_BITS>,
    long_lanes: ByteReverse<LONG_HEADER_BITS>,
    both_lanes: ByteReverse<BOTH_HEADER_BITS>,
    popcount: Popcount64,
    wptr: DFF<Bits<FIFO_ADDR_BITS>>,
    rptr: DFF<Bits<FIFO_ADDR_BITS>>,
    count: DFF<Bits<6>>,
    tagging: DFF<Bit>,
    /// The frame being sent has the 36-byte header.
    long: DFF<Bit>,
    /// The frame being sent has the 48-byte header.
    both: DFF<Bit>,
    extra_pending: DFF<Bit>,
    extra_user: DFF<Bit>,
    carry_data: DFF<Bits<384>>,
    carry_keep: DFF<Bits<48>>,
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
    /// `head.data` and `head.keep` as plain vectors, so slicing them is one part-select.
    hd: Signal<Local, Bits<512>>,
    hk: Signal<Local, Bits<64>>,
    pop: Signal<Local, Bit>,
    push: Signal<Local, Bit>,
    tag_now: Signal<Local, Bit>,
    long_now: Signal<Local, Bit>,
    both_now: Signal<Local, Bit>,
    /// The 36-byte header's first 24 bytes, network order.
    long_top: Signal<Local, Bits<288>>,
    entry: Signal<Local, TagEntry>,
}

impl Default for Tag {
    fn default() -> Self {
        let fixed1 = u32::from_be_bytes([
            header::VERSION,
            (FRAME_HEADER_BYTES / 4) as u8,
            TLV_TIMESTAMP,
            TIMESTAMP_LEN as u8,
        ]);
        let fixed2 = u16::from_be_bytes([TLV_FLOW, FLOW_LEN as u8]);
        let fixed1_long = u32::from_be_bytes([
            header::VERSION,
            (STATS_HEADER_BYTES / 4) as u8,
            TLV_TIMESTAMP,
            TIMESTAMP_LEN as u8,
        ]);
        let fixed3 = u16::from_be_bytes([TLV_STATS, STATS_LEN as u8]);
        let fixed_syn = u16::from_be_bytes([TLV_SYN, SYN_TLV_LEN as u8]);
        let fixed1_both = u32::from_be_bytes([
            header::VERSION,
            (STATS_SYN_HEADER_BYTES / 4) as u8,
            TLV_TIMESTAMP,
            TIMESTAMP_LEN as u8,
        ]);
        Self {
            clock: Default::default(),
            reset: Default::default(),
            enable: Default::default(),
            ethertype: Default::default(),
            slot: Default::default(),
            flags: Default::default(),
            tvalid: Default::default(),
            tdata: Default::default(),
            tkeep: Default::default(),
            tlast: Default::default(),
            tuser: Default::default(),
            frames: Default::default(),
            bytes: Default::default(),
            malformed: Default::default(),
            flagged: Default::default(),
            tagged_count: Default::default(),
            counter_words: Default::default(),
            idle: Default::default(),
            fixed1: Constant::new((fixed1 as u64).to_bits()),
            fixed2: Constant::new((fixed2 as u64).to_bits()),
            fixed1_long: Constant::new((fixed1_long as u64).to_bits()),
            fixed3: Constant::new((fixed3 as u64).to_bits()),
            fixed_syn: Constant::new((fixed_syn as u64).to_bits()),
            fixed1_both: Constant::new((fixed1_both as u64).to_bits()),
            backlog_limit: Constant::new((TAG_BACKLOG_LIMIT as u64).to_bits()),
            min_taggable: Constant::new((MIN_TAGGABLE_BYTES as u64).to_bits()),
            mem: Default::default(),
            hdr_lanes: Default::default(),
            long_lanes: Default::default(),
            both_lanes: Default::default(),
            popcount: Default::default(),
            wptr: Default::default(),
            rptr: Default::default(),
            count: Default::default(),
            tagging: Default::default(),
            long: Default::default(),
            both: Default::default(),
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
            pop: Default::default(),
            push: Default::default(),
            tag_now: Default::default(),
            long_now: Default::default(),
            both_now: Default::default(),
            long_top: Default::default(),
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
            long,
            both,
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
        // FIFO write side: every slot from parse.
        self.entry.next.sof = self.slot.val().sof;
        self.entry.next.last = self.slot.val().last;
        self.entry.next.user = self.slot.val().user;
        self.entry.next.keep = self.slot.val().keep;
        self.entry.next.data = self.slot.val().data;
        self.entry.next.len = self.slot.val().len;
        self.entry.next.fits = self.slot.val().fits;
        self.entry.next.fits_stats = self.slot.val().fits_stats;
        self.entry.next.news = self.slot.val().stats_news;
        self.entry.next.crossed = self.slot.val().crossed;
        self.entry.next.uncounted = self.slot.val().uncounted;
        self.entry.next.syn = self.slot.val().syn;
        self.entry.next.info = self.slot.val().syn_info;
        self.entry.next.fits_both = self.slot.val().fits_both;
        self.entry.next.ts = self.slot.val().ts;
        self.entry.next.hash = self.slot.val().hash;
        self.entry.next.flags = self.flags.val();
        self.entry.next.l3_off = self.slot.val().l3_off;
        self.entry.next.proto = self.slot.val().proto;
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
        // The header of the head frame, network order, then into lane order.
        self.hdr_lanes.a.next = (bit_cast::<192, 16>(self.ethertype.val()) << 176)
            | (bit_cast::<192, 32>(self.fixed1.val()) << 144)
            | (bit_cast::<192, 64>(self.head.val().ts) << 80)
            | (bit_cast::<192, 16>(self.fixed2.val()) << 64)
            | (bit_cast::<192, 32>(self.head.val().hash) << 32)
            | (bit_cast::<192, 16>(self.head.val().flags) << 16)
            | (bit_cast::<192, 8>(self.head.val().l3_off) << 8)
            | bit_cast::<192, 8>(self.head.val().proto);
        // Bytes 0..24 of the 36-byte header, then bytes 24..36: STATS and PAD, or SYN.
        self.long_top.next = (bit_cast::<288, 16>(self.ethertype.val()) << 272)
            | (bit_cast::<288, 32>(self.fixed1_long.val()) << 240)
            | (bit_cast::<288, 64>(self.head.val().ts) << 176)
            | (bit_cast::<288, 16>(self.fixed2.val()) << 160)
            | (bit_cast::<288, 32>(self.head.val().hash) << 128)
            | (bit_cast::<288, 16>(self.head.val().flags) << 112)
            | (bit_cast::<288, 8>(self.head.val().l3_off) << 104)
            | (bit_cast::<288, 8>(self.head.val().proto) << 96);
        self.long_lanes.a.next = self.long_top.val()
            | (bit_cast::<288, 16>(self.fixed3.val()) << 80)
            | (bit_cast::<288, 32>(self.head.val().crossed) << 48)
            | (bit_cast::<288, 32>(self.head.val().uncounted) << 16);
        if self.head.val().syn {
            self.long_lanes.a.next = self.long_top.val()
                | (bit_cast::<288, 16>(self.fixed_syn.val()) << 80)
                | bit_cast::<288, 80>(self.head.val().info);
        }
        self.both_lanes.a.next = (bit_cast::<384, 16>(self.ethertype.val()) << 368)
            | (bit_cast::<384, 32>(self.fixed1_both.val()) << 336)
            | (bit_cast::<384, 64>(self.head.val().ts) << 272)
            | (bit_cast::<384, 16>(self.fixed2.val()) << 256)
            | (bit_cast::<384, 32>(self.head.val().hash) << 224)
            | (bit_cast::<384, 16>(self.head.val().flags) << 208)
            | (bit_cast::<384, 8>(self.head.val().l3_off) << 200)
            | (bit_cast::<384, 8>(self.head.val().proto) << 192)
            | (bit_cast::<384, 16>(self.fixed3.val()) << 176)
            | (bit_cast::<384, 32>(self.head.val().crossed) << 144)
            | (bit_cast::<384, 32>(self.head.val().uncounted) << 112)
            | (bit_cast::<384, 16>(self.fixed_syn.val()) << 96)
            | (bit_cast::<384, 80>(self.head.val().info) << 16);
        self.idle.next = (self.count.q.val() == 0) & !self.extra_pending.q.val();
        self.pop.next = false;
        self.tag_now.next = self.tagging.q.val();
        self.long_now.next = self.long.q.val();
        self.both_now.next = self.both.q.val();
        self.o_valid.d.next = false;
        if self.extra_pending.q.val() {
            // The overflow beat of the previous frame: the carried lanes alone.
            self.o_valid.d.next = true;
            self.o_data.d.next = bit_cast::<512, 384>(self.carry_data.q.val());
            self.o_keep.d.next = bit_cast::<64, 48>(self.carry_keep.q.val());
            self.o_last.d.next = true;
            self.o_user.d.next = self.extra_user.q.val();
            self.extra_pending.d.next = false;
        } else if self.count.q.val() != 0 {
            self.pop.next = true;
            if self.head.val().sof {
                self.long_now.next = self.head.val().news ^ self.head.val().syn;
                self.both_now.next = self.head.val().news & self.head.val().syn;
                self.tag_now.next = self.enable.val()
                    & (self.head.val().len >= self.min_taggable.val())
                    & ((self.count.q.val() < self.backlog_limit.val())
                        | (self.head.val().fits & !self.head.val().news & !self.head.val().syn)
                        | (self.head.val().fits_stats & self.long_now.val())
                        | (self.head.val().fits_both & self.both_now.val()));
                self.tagging.d.next = self.tag_now.val();
                self.long.d.next = self.long_now.val();
                self.both.d.next = self.both_now.val();
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
            if self.tag_now.val() & !self.long_now.val() & !self.both_now.val() {
                if self.head.val().sof {
                    self.o_data.d.next = bit_cast::<512, 96>(self.hd.val().get_bits::<96>(0))
                        | (bit_cast::<512, 192>(self.hdr_lanes.y.val()) << 96)
                        | (bit_cast::<512, 224>(self.hd.val().get_bits::<224>(96)) << 288);
                    self.o_keep.d.next = bit_cast::<64, 12>(self.hk.val().get_bits::<12>(0))
                        | (bit_cast::<64, 24>(0xFF_FFFF_u64.into()) << 12)
                        | (bit_cast::<64, 28>(self.hk.val().get_bits::<28>(12)) << 36);
                } else {
                    self.o_data.d.next =
                        bit_cast::<512, 192>(self.carry_data.q.val().get_bits::<192>(0))
                            | (bit_cast::<512, 320>(self.hd.val().get_bits::<320>(0)) << 192);
                    self.o_keep.d.next =
                        bit_cast::<64, 24>(self.carry_keep.q.val().get_bits::<24>(0))
                            | (bit_cast::<64, 40>(self.hk.val().get_bits::<40>(0)) << 24);
                }
                self.carry_data.d.next = bit_cast::<384, 192>(self.hd.val().get_bits::<192>(320));
                self.carry_keep.d.next = bit_cast::<48, 24>(self.hk.val().get_bits::<24>(40));
                self.o_user.d.next = false;
                if self.head.val().last {
                    if self.hk.val().get_bits::<24>(40) != 0 {
                        self.o_last.d.next = false;
                        self.extra_pending.d.next = true;
                        self.extra_user.d.next = self.head.val().user;
                    } else {
                        self.o_user.d.next = self.head.val().user;
                    }
                }
            }
            if self.tag_now.val() & self.long_now.val() {
                if self.head.val().sof {
                    self.o_data.d.next = bit_cast::<512, 96>(self.hd.val().get_bits::<96>(0))
                        | (bit_cast::<512, 288>(self.long_lanes.y.val()) << 96)
                        | (bit_cast::<512, 128>(self.hd.val().get_bits::<128>(96)) << 384);
                    self.o_keep.d.next = bit_cast::<64, 12>(self.hk.val().get_bits::<12>(0))
                        | (bit_cast::<64, 36>(0xF_FFFF_FFFF_u64.into()) << 12)
                        | (bit_cast::<64, 16>(self.hk.val().get_bits::<16>(12)) << 48);
                } else {
                    self.o_data.d.next =
                        bit_cast::<512, 288>(self.carry_data.q.val().get_bits::<288>(0))
                            | (bit_cast::<512, 224>(self.hd.val().get_bits::<224>(0)) << 288);
                    self.o_keep.d.next =
                        bit_cast::<64, 36>(self.carry_keep.q.val().get_bits::<36>(0))
                            | (bit_cast::<64, 28>(self.hk.val().get_bits::<28>(0)) << 36);
                }
                self.carry_data.d.next = bit_cast::<384, 288>(self.hd.val().get_bits::<288>(224));
                self.carry_keep.d.next = bit_cast::<48, 36>(self.hk.val().get_bits::<36>(28));
                self.o_user.d.next = false;
                if self.head.val().last {
                    if self.hk.val().get_bits::<36>(28) != 0 {
                        self.o_last.d.next = false;
                        self.extra_pending.d.next = true;
                        self.extra_user.d.next = self.head.val().user;
                    } else {
                        self.o_user.d.next = self.head.val().user;
                    }
                }
            }
            if self.tag_now.val() & self.both_now.val() {
                if self.head.val().sof {
                    self.o_data.d.next = bit_cast::<512, 96>(self.hd.val().get_bits::<96>(0))
                        | (bit_cast::<512, 384>(self.both_lanes.y.val()) << 96)
                        | (bit_cast::<512, 32>(self.hd.val().get_bits::<32>(96)) << 480);
                    self.o_keep.d.next = bit_cast::<64, 12>(self.hk.val().get_bits::<12>(0))
                        | (bit_cast::<64, 48>(0xFFFF_FFFF_FFFF_u64.into()) << 12)
                        | (bit_cast::<64, 4>(self.hk.val().get_bits::<4>(12)) << 60);
                } else {
                    self.o_data.d.next = bit_cast::<512, 384>(self.carry_data.q.val())
                        | (bit_cast::<512, 128>(self.hd.val().get_bits::<128>(0)) << 384);
                    self.o_keep.d.next = bit_cast::<64, 48>(self.carry_keep.q.val())
                        | (bit_cast::<64, 16>(self.hk.val().get_bits::<16>(0)) << 48);
                }
                self.carry_data.d.next = self.hd.val().get_bits::<384>(128);
                self.carry_keep.d.next = self.hk.val().get_bits::<48>(16);
                self.o_user.d.next = false;
                if self.head.val().last {
                    if self.hk.val().get_bits::<48>(16) != 0 {
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
        self.frames.next = self.c_frames.q.val();
        self.bytes.next = self.c_bytes.q.val();
        self.malformed.next = self.c_malformed.q.val();
        self.flagged.next = self.c_flagged.q.val();
        self.tagged_count.next = self.c_tagged.q.val();
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
            self.long.d.next = false;
            self.both.d.next = false;
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
