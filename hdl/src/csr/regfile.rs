//! The register file, in the datapath clock domain, generated from the block tables of
//! `proto::regs`: every block's TYPE/VERSION/NEXT header, its read-only constants, its
//! read/write configuration registers (reset to the table's values) and its snapshot counters.
//!
//! A write of 1 to `id.SNAPSHOT` latches every counter input (and the timestamp fraction) into
//! shadow registers one cycle later, all in the same cycle; counter reads return the shadows.
//! A read answers on `rdata` in the cycle after `req`.

use rust_hdl::prelude::*;
use std::collections::BTreeMap;
use vantage_proto::regs::{self, Access, BLOCKS};
use vantage_proto::stats::{HASH_KEY_BITS, RULE_BUS_BITS};
use vantage_proto::stats::{HASH_KEY_WORDS, ROW_BITS, RULES, RULE_WORDS};

/// Bits of the reasm stage's session key bus.
pub const SESSION_KEY_BITS: usize = regs::reasm::SESSION_KEY_WORDS * 32;

/// Number of 64-bit counters across all blocks, in `BLOCKS` order.
pub const NUM_COUNTERS: usize = regs::NUM_COUNTERS;
/// Width of the packed counter input.
pub const COUNTER_BITS: usize = NUM_COUNTERS * 64;

/// Index of counter `block.name` in the packed counter input.
pub fn counter_index(block: &str, name: &str) -> Option<usize> {
    BLOCKS
        .iter()
        .flat_map(|b| b.counters.iter().map(move |c| (b.name, c.name)))
        .position(|(b, c)| b == block && c == name)
}

#[derive(LogicBlock)]
pub struct RegFile {
    /// Datapath clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: configuration back to reset values.
    pub reset: Signal<In, Bit>,
    /// One-cycle access strobe.
    pub req: Signal<In, Bit>,
    /// Access is a write.
    pub we: Signal<In, Bit>,
    /// Byte address.
    pub addr: Signal<In, Bits<{ regs::ADDR_BITS }>>,
    /// Write data.
    pub wdata: Signal<In, Bits<32>>,
    /// Read data, valid the cycle after `req`.
    pub rdata: Signal<Out, Bits<32>>,
    /// Live counters, 64 bits each, in `BLOCKS` order (see `counter_index`).
    pub counters: Signal<In, Bits<COUNTER_BITS>>,
    /// Live timestamp fraction.
    pub ts_frac: Signal<In, Bits<32>>,
    /// tag.CONTROL bit 0.
    pub tag_enable: Signal<Out, Bit>,
    /// tag.ETHERTYPE.
    pub ethertype: Signal<Out, Bits<16>>,
    /// parse.HASH_KEY0..9, key byte 0 in the top bits.
    pub hash_key: Signal<Out, Bits<320>>,
    /// ts.INC_NS:INC_FRAC.
    pub ts_inc: Signal<Out, Bits<40>>,
    /// ts.SET_HI:SET_LO.
    pub ts_set: Signal<Out, Bits<64>>,
    /// stats.CONTROL bit 0.
    pub stats_enable: Signal<Out, Bit>,
    /// stats.LANE_BITS.
    pub lane_bits: Signal<Out, Bits<2>>,
    /// stats.CONTROL bit 1.
    pub epochs_on: Signal<Out, Bit>,
    /// stats.EPOCH_NS_HI:LO.
    pub epoch_ns: Signal<Out, Bits<64>>,
    /// stats.EPOCH_START_HI:LO.
    pub epoch_start: Signal<Out, Bits<64>>,
    /// stats.STATUS as the stats stage drives it.
    pub stats_status: Signal<In, Bits<32>>,
    /// stats.HASH_KEY0..10, key byte 0 in the top bits.
    pub stats_key: Signal<Out, Bits<HASH_KEY_BITS>>,
    /// The stats rule table: rule r word w at bits 32*(27r+w).
    pub rules: Signal<Out, Bits<RULE_BUS_BITS>>,
    /// stats.PEEK_LOC as bank 13:12, bucket 11:0.
    pub peek_loc: Signal<Out, Bits<14>>,
    /// One-cycle pulse on a write of 1 to stats.PEEK_CTL bit 0.
    pub peek_go: Signal<Out, Bit>,
    /// The stats stage's peeked row and peek completion.
    pub peek_row: Signal<In, Bits<ROW_BITS>>,
    pub peek_done: Signal<In, Bit>,
    /// One-cycle pulse on a write of 1 to ts.CONTROL bit 0.
    pub ts_load: Signal<Out, Bit>,
    /// One-cycle pulse on a write of 1 to stats.CONN_CTL bit 0.
    pub conn_flush: Signal<Out, Bit>,
    /// stats.CONN_STATUS as the connection table drives it.
    pub conn_status: Signal<In, Bits<2>>,
    /// conn.CONTROL bit 0 (the conn stage: SYN offload).
    pub syn_hold: Signal<Out, Bit>,
    /// conn.TIMEOUT_NS_HI:LO.
    pub syn_timeout: Signal<Out, Bits<64>>,
    /// One-cycle pulse on a write of 1 to conn.FLUSH bit 0.
    pub syn_flush: Signal<Out, Bit>,
    /// conn.STATUS and conn.HELD as the conn stage drives them.
    pub syn_status: Signal<In, Bits<3>>,
    pub syn_held: Signal<In, Bits<32>>,
    /// reasm.STATUS as the reasm stage drives it.
    pub reasm_status: Signal<In, Bits<3>>,
    /// reasm.CONTROL bit 0.
    pub reasm_enable: Signal<Out, Bit>,
    /// reasm.SESSION_KEY0..11, key byte 0 in the top bits.
    pub session_key: Signal<Out, Bits<SESSION_KEY_BITS>>,
    /// reasm.BUCKET_BITS bits 4:0.
    pub bucket_bits: Signal<Out, Bits<5>>,
    /// reasm.MAX_ABOVE_HOLE.
    pub max_above_hole: Signal<Out, Bits<32>>,
    /// Values of the read-only registers that depend on the build (FEATURES, BUILD_ID).
    _build: Box<BTreeMap<u16, u32>>,
    /// rust-hdl simulation state: register values by address.
    _sim: Box<BTreeMap<u16, u32>>,
    _snap: Box<Vec<u64>>,
    _snap_frac: u32,
    _snap_pending: bool,
}

impl RegFile {
    /// A register file for a bitstream with these features and build id.
    pub fn new(features: u32, build_id: u32) -> Self {
        const { assert!(COUNTER_BITS == NUM_COUNTERS * 64) };
        let total: usize = BLOCKS.iter().map(|b| b.counters.len()).sum();
        assert_eq!(
            total, NUM_COUNTERS,
            "NUM_COUNTERS must match the counters of proto::regs::BLOCKS"
        );
        let mut build = BTreeMap::new();
        build.insert(regs::id::BASE + regs::id::FEATURES, features);
        build.insert(regs::id::BASE + regs::id::BUILD_ID, build_id);
        let mut rf = Self {
            clock: Default::default(),
            reset: Default::default(),
            req: Default::default(),
            we: Default::default(),
            addr: Default::default(),
            wdata: Default::default(),
            rdata: Default::default(),
            counters: Default::default(),
            ts_frac: Default::default(),
            tag_enable: Default::default(),
            ethertype: Default::default(),
            hash_key: Default::default(),
            ts_inc: Default::default(),
            ts_set: Default::default(),
            ts_load: Default::default(),
            stats_enable: Default::default(),
            lane_bits: Default::default(),
            epochs_on: Default::default(),
            epoch_ns: Default::default(),
            epoch_start: Default::default(),
            stats_status: Default::default(),
            stats_key: Default::default(),
            rules: Default::default(),
            peek_loc: Default::default(),
            peek_go: Default::default(),
            peek_row: Default::default(),
            peek_done: Default::default(),
            conn_flush: Default::default(),
            conn_status: Default::default(),
            syn_hold: Default::default(),
            syn_timeout: Default::default(),
            syn_flush: Default::default(),
            syn_status: Default::default(),
            syn_held: Default::default(),
            reasm_status: Default::default(),
            reasm_enable: Default::default(),
            session_key: Default::default(),
            bucket_bits: Default::default(),
            max_above_hole: Default::default(),
            _build: Box::new(build),
            _sim: Box::new(BTreeMap::new()),
            _snap: Box::new(vec![0; NUM_COUNTERS]),
            _snap_frac: 0,
            _snap_pending: false,
        };
        rf.reset_values();
        rf
    }

    fn reset_values(&mut self) {
        self._sim.clear();
        for b in BLOCKS {
            for r in b.regs.iter().filter(|r| r.access == Access::Rw) {
                self._sim.insert(b.base + r.offset, r.reset);
            }
        }
    }

    /// Every readable address with the Verilog expression that answers it.
    fn read_map(&self) -> Vec<(u16, String)> {
        let mut map = Vec::new();
        let mut counter = 0usize;
        for (i, b) in BLOCKS.iter().enumerate() {
            map.push((b.base + regs::BLOCK_TYPE, format!("32'h{:08x}", b.type_id)));
            map.push((
                b.base + regs::BLOCK_VERSION,
                format!("32'h{:08x}", b.version),
            ));
            map.push((
                b.base + regs::BLOCK_NEXT,
                format!("32'h{:08x}", regs::next_of(i)),
            ));
            for r in b.regs {
                let addr = b.base + r.offset;
                let value = match r.access {
                    Access::Rw => reg_name(addr),
                    Access::Strobe => "32'h0".to_string(),
                    Access::Ro if addr == regs::ts::BASE + regs::ts::NOW_FRAC => {
                        "snap_ts_frac".to_string()
                    }
                    Access::Ro if addr == regs::stats::BASE + regs::stats::PEEK_STATUS => {
                        "{31'd0, peek_done}".to_string()
                    }
                    Access::Ro if addr == regs::stats::BASE + regs::stats::STATUS => {
                        "stats_status".to_string()
                    }
                    Access::Ro if addr == regs::stats::BASE + regs::stats::CONN_STATUS => {
                        "{30'd0, conn_status}".to_string()
                    }
                    Access::Ro if addr == regs::conn::BASE + regs::conn::STATUS => {
                        "{29'd0, syn_status}".to_string()
                    }
                    Access::Ro if addr == regs::conn::BASE + regs::conn::HELD => {
                        "syn_held".to_string()
                    }
                    Access::Ro if addr == regs::reasm::BASE + regs::reasm::STATUS => {
                        "{29'd0, reasm_status}".to_string()
                    }
                    Access::Ro => format!(
                        "32'h{:08x}",
                        self._build.get(&addr).copied().unwrap_or(r.reset)
                    ),
                };
                map.push((addr, value));
            }
            for a in b.arrays {
                for (_, w, off) in a.all() {
                    let value = match a.access {
                        Access::Rw => reg_name(b.base + off),
                        _ => format!("peek_row[{} +: 32]", 32 * w),
                    };
                    map.push((b.base + off, value));
                }
            }
            for c in b.counters {
                map.push((b.base + c.offset, format!("snap[{counter}][31:0]")));
                map.push((b.base + c.offset + 4, format!("snap[{counter}][63:32]")));
                counter += 1;
            }
        }
        map
    }

    /// Every read/write register (tables included) with its reset value.
    fn rw_regs() -> impl Iterator<Item = (u16, u32)> {
        BLOCKS.iter().flat_map(|b| {
            let regs = b
                .regs
                .iter()
                .filter(|r| r.access == Access::Rw)
                .map(move |r| (b.base + r.offset, r.reset));
            let tables = b
                .arrays
                .iter()
                .filter(|a| a.access == Access::Rw)
                .flat_map(move |a| a.all().map(move |(_, _, off)| (b.base + off, 0)));
            regs.chain(tables)
        })
    }
}

/// Bits `lo..lo+width` of the read/write register at `addr`: a slice of `rw`, the vector that
/// holds every read/write register in `rw_regs()` order, 32 bits each.
fn reg_bits(addr: u16, lo: usize, width: usize) -> String {
    let k = RegFile::rw_regs()
        .position(|(a, _)| a == addr)
        .unwrap_or_else(|| panic!("0x{addr:04x} is not a read/write register of proto::regs"));
    format!("rw[{} +: {width}]", 32 * k + lo)
}

/// The whole read/write register at `addr`.
fn reg_name(addr: u16) -> String {
    reg_bits(addr, 0, 32)
}

fn hex16(addr: u16) -> String {
    format!("16'h{addr:04x}")
}

/// The configuration outputs, each a slice of `rw`. A bus is assigned slice by slice, never as
/// one concatenation of its registers: a simulator builds a concatenation one part at a time,
/// copying the bus so far at every step (Verilator spent most of the pipeline's time there).
fn output_assignments() -> String {
    use regs::{conn, parse, reasm, stats, tag, ts};
    let mut v = String::from("always @(*) begin\n");
    let mut bus = |out: &str, words: &mut dyn Iterator<Item = u16>| {
        for (k, addr) in words.enumerate() {
            v += &format!("  {out}[{} +: 32] = {};\n", 32 * k, reg_name(addr));
        }
    };
    // Keys: word 0 (key byte 0) in the top bits, so the last word is the bus's low word.
    let key = vantage_proto::flowhash::KEY_WORDS;
    bus(
        "hash_key",
        &mut (0..key)
            .rev()
            .map(|i| parse::BASE + parse::HASH_KEY + 4 * i as u16),
    );
    let skey = HASH_KEY_WORDS;
    bus(
        "stats_key",
        &mut (0..skey)
            .rev()
            .map(|i| stats::BASE + stats::HASH_KEY + 4 * i as u16),
    );
    // Rule 0 word 0 in the low bits.
    let rule_table = stats::ARRAYS
        .iter()
        .find(|a| a.name == "RULE")
        .expect("proto has the RULE table");
    bus(
        "rules",
        &mut rule_table.all().map(|(_, _, off)| stats::BASE + off),
    );
    // 64-bit values: the low word at the lower address.
    bus(
        "epoch_ns",
        &mut [stats::EPOCH_NS, stats::EPOCH_NS + 4]
            .into_iter()
            .map(|o| stats::BASE + o),
    );
    bus(
        "epoch_start",
        &mut [stats::EPOCH_START, stats::EPOCH_START + 4]
            .into_iter()
            .map(|o| stats::BASE + o),
    );
    bus(
        "ts_set",
        &mut [ts::SET_LO, ts::SET_HI].into_iter().map(|o| ts::BASE + o),
    );
    bus(
        "syn_timeout",
        &mut [conn::TIMEOUT_NS, conn::TIMEOUT_NS + 4]
            .into_iter()
            .map(|o| conn::BASE + o),
    );
    bus(
        "session_key",
        &mut (0..reasm::SESSION_KEY_WORDS)
            .rev()
            .map(|i| reasm::BASE + reasm::SESSION_KEY + 4 * i as u16),
    );
    bus(
        "max_above_hole",
        &mut [reasm::MAX_ABOVE_HOLE].into_iter().map(|o| reasm::BASE + o),
    );
    let one = |out: &str, addr: u16, lo: usize, w: usize| {
        format!("  {out} = {};\n", reg_bits(addr, lo, w))
    };
    v += &one("stats_enable", stats::BASE + stats::CONTROL, 0, 1);
    v += &one("epochs_on", stats::BASE + stats::CONTROL, 1, 1);
    v += &one("lane_bits", stats::BASE + stats::LANE_BITS, 0, 2);
    v += &format!(
        "  peek_loc = {{{}, {}}};\n",
        reg_bits(stats::BASE + stats::PEEK_LOC, 16, 2),
        reg_bits(stats::BASE + stats::PEEK_LOC, 0, 12)
    );
    v += &one("tag_enable", tag::BASE + tag::CONTROL, 0, 1);
    v += &one("ethertype", tag::BASE + tag::ETHERTYPE, 0, 16);
    v += &format!(
        "  ts_inc = {{{}, {}}};\n",
        reg_bits(ts::BASE + ts::INC_NS, 0, 8),
        reg_name(ts::BASE + ts::INC_FRAC)
    );
    v += &one("syn_hold", conn::BASE + conn::CONTROL, 0, 1);
    v += &one("reasm_enable", reasm::BASE + reasm::CONTROL, 0, 1);
    v += &one("bucket_bits", reasm::BASE + reasm::BUCKET_BITS, 0, 5);
    v += "end\n";
    v
}

impl Logic for RegFile {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.ts_load.next = false;
            self.peek_go.next = false;
            self.conn_flush.next = false;
            self.syn_flush.next = false;
            if self._snap_pending {
                let all = self.counters.val();
                for i in 0..NUM_COUNTERS {
                    self._snap[i] = all.get_bits::<64>(64 * i).to_u64();
                }
                self._snap_frac = self.ts_frac.val().to_u64() as u32;
            }
            self._snap_pending = false;
            if self.reset.val() {
                self.reset_values();
            } else if self.req.val() {
                let addr = self.addr.val().to_u64() as u16;
                if self.we.val() {
                    let data = self.wdata.val().to_u64() as u32;
                    if self._sim.contains_key(&addr) {
                        self._sim.insert(addr, data);
                    } else if addr == regs::id::BASE + regs::id::SNAPSHOT {
                        self._snap_pending = data & 1 == 1;
                    } else if addr == regs::ts::BASE + regs::ts::CONTROL {
                        self.ts_load.next = data & 1 == 1;
                    } else if addr == regs::stats::BASE + regs::stats::PEEK_CTL {
                        self.peek_go.next = data & 1 == 1;
                    } else if addr == regs::stats::BASE + regs::stats::CONN_CTL {
                        self.conn_flush.next = data & 1 == 1;
                    } else if addr == regs::conn::BASE + regs::conn::FLUSH {
                        self.syn_flush.next = data & 1 == 1;
                    }
                } else {
                    self.rdata.next = (self.sim_read(addr) as u64).to_bits();
                }
            }
        }
        let get = |a: u16| self._sim.get(&a).copied().unwrap_or(0) as u64;
        use regs::{parse, tag, ts};
        self.tag_enable.next = get(tag::BASE + tag::CONTROL) & 1 == 1;
        self.ethertype.next = (get(tag::BASE + tag::ETHERTYPE) & 0xFFFF).to_bits();
        let mut key = Bits::<320>::default();
        for i in 0..vantage_proto::flowhash::KEY_WORDS {
            let w: Bits<320> =
                bit_cast::<320, 32>(get(parse::BASE + parse::HASH_KEY + 4 * i as u16).to_bits());
            key = key | (w << (288 - 32 * i as u64));
        }
        self.hash_key.next = key;
        self.ts_inc.next =
            (((get(ts::BASE + ts::INC_NS) & 0xFF) << 32) | get(ts::BASE + ts::INC_FRAC)).to_bits();
        self.ts_set.next =
            ((get(ts::BASE + ts::SET_HI) << 32) | get(ts::BASE + ts::SET_LO)).to_bits();
        let st = |off: u16| get(regs::stats::BASE + off);
        self.stats_enable.next = st(regs::stats::CONTROL) & 1 == 1;
        self.lane_bits.next = (st(regs::stats::LANE_BITS) & 3).to_bits();
        self.epochs_on.next = st(regs::stats::CONTROL) & 2 == 2;
        let wide = |lo: u16| (u64::from(st(lo + 4)) << 32 | u64::from(st(lo))).to_bits::<64>();
        self.epoch_ns.next = wide(regs::stats::EPOCH_NS);
        self.epoch_start.next = wide(regs::stats::EPOCH_START);
        let loc = st(regs::stats::PEEK_LOC);
        self.peek_loc.next = (((loc >> 16) & 3) << 12 | (loc & 0xFFF)).to_bits();
        let mut key = Bits::<HASH_KEY_BITS>::default();
        for i in 0..HASH_KEY_WORDS {
            let w: Bits<HASH_KEY_BITS> =
                bit_cast::<HASH_KEY_BITS, 32>(st(regs::stats::HASH_KEY + 4 * i as u16).to_bits());
            key = key | (w << ((HASH_KEY_BITS - 32 - 32 * i) as u64));
        }
        self.stats_key.next = key;
        let mut rules = Bits::<RULE_BUS_BITS>::default();
        for r in 0..RULES {
            for w in 0..RULE_WORDS {
                let word = st(regs::stats::RULES
                    + r as u16 * vantage_proto::stats::RULE_STRIDE
                    + 4 * w as u16);
                let bits: Bits<RULE_BUS_BITS> = bit_cast::<RULE_BUS_BITS, 32>(word.to_bits());
                rules = rules | (bits << ((32 * (RULE_WORDS * r + w)) as u64));
            }
        }
        self.rules.next = rules;
        let cn = |off: u16| get(regs::conn::BASE + off);
        self.syn_hold.next = cn(regs::conn::CONTROL) & 1 == 1;
        self.syn_timeout.next =
            (cn(regs::conn::TIMEOUT_NS + 4) << 32 | cn(regs::conn::TIMEOUT_NS)).to_bits();
        let ra = |off: u16| get(regs::reasm::BASE + off);
        self.reasm_enable.next = ra(regs::reasm::CONTROL) & 1 == 1;
        self.bucket_bits.next = (ra(regs::reasm::BUCKET_BITS) & 0x1F).to_bits();
        self.max_above_hole.next = ra(regs::reasm::MAX_ABOVE_HOLE).to_bits();
        let mut key = Bits::<SESSION_KEY_BITS>::default();
        for i in 0..regs::reasm::SESSION_KEY_WORDS {
            let w: Bits<SESSION_KEY_BITS> = bit_cast::<SESSION_KEY_BITS, 32>(
                ra(regs::reasm::SESSION_KEY + 4 * i as u16).to_bits(),
            );
            key = key | (w << ((SESSION_KEY_BITS - 32 - 32 * i) as u64));
        }
        self.session_key.next = key;
    }

    fn connect(&mut self) {
        self.rdata.connect();
        self.tag_enable.connect();
        self.ethertype.connect();
        self.hash_key.connect();
        self.ts_inc.connect();
        self.ts_set.connect();
        self.ts_load.connect();
        self.stats_enable.connect();
        self.lane_bits.connect();
        self.epochs_on.connect();
        self.epoch_ns.connect();
        self.epoch_start.connect();
        self.stats_key.connect();
        self.rules.connect();
        self.peek_loc.connect();
        self.peek_go.connect();
        self.conn_flush.connect();
        self.syn_hold.connect();
        self.syn_timeout.connect();
        self.syn_flush.connect();
        self.reasm_enable.connect();
        self.session_key.connect();
        self.bucket_bits.connect();
        self.max_above_hole.connect();
    }

    fn hdl(&self) -> Verilog {
        let mut v = String::new();
        // Every read/write register in one vector: its writes are one process, not one per register.
        let nrw = Self::rw_regs().count();
        v += &format!("reg [{}:0] rw;\n", 32 * nrw - 1);
        // Reset values, the last register first (the vector's top word).
        let resets: Vec<(u16, u32)> = Self::rw_regs().collect();
        v += &format!("localparam [{}:0] RW_RESET = {{\n", 32 * nrw - 1);
        for (i, (addr, reset)) in resets.iter().enumerate().rev() {
            let sep = if i == 0 { "" } else { "," };
            v += &format!("  32'h{reset:08x}{sep} // 0x{addr:04x}\n");
        }
        v += "};\n";
        v += &format!(
            "reg [63:0] snap [0:{}];\nreg [31:0] snap_ts_frac;\nreg snap_now;\n",
            NUM_COUNTERS - 1
        );
        v += "always @(posedge clock) begin\n  ts_load <= 1'b0;\n  peek_go <= 1'b0;\n  conn_flush <= 1'b0;\n  syn_flush <= 1'b0;\n  snap_now <= 1'b0;\n";
        // One assignment per counter: a loop past Verilator's unroll limit (64) is refused.
        v += "  if (snap_now) begin\n";
        for i in 0..NUM_COUNTERS {
            v += &format!("    snap[{i}] <= counters[{} +: 64];\n", 64 * i);
        }
        v += "    snap_ts_frac <= ts_frac;\n  end\n";
        v += "  if (reset) begin\n";
        v += "    rw <= RW_RESET;\n";
        v += "  end else if (req && we) begin\n    case (addr)\n";
        for (addr, _) in Self::rw_regs() {
            v += &format!("      {}: {} <= wdata;\n", hex16(addr), reg_name(addr));
        }
        v += &format!(
            "      {}: snap_now <= wdata[0];\n",
            hex16(regs::id::BASE + regs::id::SNAPSHOT)
        );
        v += &format!(
            "      {}: ts_load <= wdata[0];\n",
            hex16(regs::ts::BASE + regs::ts::CONTROL)
        );
        v += &format!(
            "      {}: peek_go <= wdata[0];\n",
            hex16(regs::stats::BASE + regs::stats::PEEK_CTL)
        );
        v += &format!(
            "      {}: conn_flush <= wdata[0];\n",
            hex16(regs::stats::BASE + regs::stats::CONN_CTL)
        );
        v += &format!(
            "      {}: syn_flush <= wdata[0];\n",
            hex16(regs::conn::BASE + regs::conn::FLUSH)
        );
        v += "      default: ;\n    endcase\n  end else if (req) begin\n    case (addr)\n";
        for (addr, value) in self.read_map() {
            v += &format!("      {}: rdata <= {value};\n", hex16(addr));
        }
        v += "      default: rdata <= 32'h0;\n    endcase\n  end\nend\n";
        v += &output_assignments();
        Verilog::Custom(v)
    }
}

impl RegFile {
    fn sim_read(&self, addr: u16) -> u32 {
        let counter_words: BTreeMap<u16, (usize, bool)> = {
            let mut m = BTreeMap::new();
            let mut n = 0;
            for b in BLOCKS {
                for c in b.counters {
                    m.insert(b.base + c.offset, (n, false));
                    m.insert(b.base + c.offset + 4, (n, true));
                    n += 1;
                }
            }
            m
        };
        if let Some(v) = self._sim.get(&addr) {
            return *v;
        }
        if let Some((n, hi)) = counter_words.get(&addr) {
            let v = self._snap[*n];
            return if *hi { (v >> 32) as u32 } else { v as u32 };
        }
        if addr == regs::ts::BASE + regs::ts::NOW_FRAC {
            return self._snap_frac;
        }
        if addr == regs::stats::BASE + regs::stats::PEEK_STATUS {
            return u32::from(self.peek_done.val());
        }
        if addr == regs::stats::BASE + regs::stats::STATUS {
            return self.stats_status.val().to_u64() as u32;
        }
        if addr == regs::stats::BASE + regs::stats::CONN_STATUS {
            return self.conn_status.val().to_u64() as u32;
        }
        if addr == regs::conn::BASE + regs::conn::STATUS {
            return self.syn_status.val().to_u64() as u32;
        }
        if addr == regs::conn::BASE + regs::conn::HELD {
            return self.syn_held.val().to_u64() as u32;
        }
        if addr == regs::reasm::BASE + regs::reasm::STATUS {
            return self.reasm_status.val().to_u64() as u32;
        }
        for (i, b) in BLOCKS.iter().enumerate() {
            for a in b.arrays.iter().filter(|a| a.access == Access::Ro) {
                if let Some((_, w, _)) = a.all().find(|(_, _, off)| b.base + off == addr) {
                    return self.peek_row.val().get_bits::<32>(32 * w).to_u64() as u32;
                }
            }
            match addr.checked_sub(b.base) {
                Some(regs::BLOCK_TYPE) => return b.type_id,
                Some(regs::BLOCK_VERSION) => return b.version,
                Some(regs::BLOCK_NEXT) => return regs::next_of(i) as u32,
                Some(off) => {
                    if let Some(r) = b
                        .regs
                        .iter()
                        .find(|r| r.offset == off && r.access == Access::Ro)
                    {
                        return self._build.get(&addr).copied().unwrap_or(r.reset);
                    }
                }
                None => {}
            }
        }
        0
    }
}
