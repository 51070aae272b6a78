//! The stats stage through its `V-ST` block: the rule table, lanes, hash key, geometry and the
//! table's peek port. Layouts come from `vantage_proto::stats`, addresses from
//! `vantage_proto::regs::stats`.

use std::fmt;

use vantage_proto::regs::stats as reg;
use vantage_proto::rules::RuleSet;
use vantage_proto::stats::{self as st, Encoded, Entry, RuleWords};

use crate::{Device, DriverError, RegisterAccess};

/// Reads of PEEK_STATUS before a peek is given up. The stage takes a peek in the first cycle
/// without a frame update (at line rate about every other cycle) and one AXI4-Lite read lasts
/// tens of datapath cycles, so a working device answers within the first few reads; the bound
/// only keeps a wedged device from hanging the caller.
pub const PEEK_POLLS: usize = 1000;
/// Reads of STATUS before waiting for the table's clearing sweep is given up. The sweep takes
/// 2^BUCKET_BITS datapath cycles (13 us at 322 MHz) after reset, a few hundred register reads.
pub const READY_POLLS: usize = 10_000;
/// Reads of CONN_STATUS `flush_connections` waits for the flush and its records (a full table
/// takes five passes of 16K steps and 8K report frames: well under a second of reads).
pub const FLUSH_POLLS: usize = 100_000;

/// The stats stage's shape, from its read-only GEOMETRY, DELAY and RULE_LAYOUT registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsGeometry {
    pub rules: u32,
    pub lanes: u32,
    pub ways: u32,
    pub bucket_bits: u32,
    pub banks: u32,
    /// Cycles every beat is delayed.
    pub delay: u32,
    /// Registers per rule.
    pub rule_words: u32,
    /// Bytes between two rules' registers.
    pub rule_stride: u32,
}

/// The stats STATUS register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsStatus {
    /// The table was cleared after reset; counting can start.
    pub ready: bool,
    /// An epoch's report is being sent.
    pub draining: bool,
    /// The current epoch number, low 16 bits.
    pub epoch_low: u16,
}

impl StatsStatus {
    pub fn from_register(v: u32) -> Self {
        StatsStatus {
            ready: v & reg::STATUS_READY != 0,
            draining: v & reg::STATUS_DRAINING != 0,
            epoch_low: (v >> 16) as u16,
        }
    }
}

impl StatsGeometry {
    /// The shape this driver was built for: `vantage_proto::stats`'s constants.
    pub fn expected() -> Self {
        Self::from_registers(
            reg::GEOMETRY_VALUE,
            st::DELAY as u32,
            st::RULE_WORDS as u32 | u32::from(st::RULE_STRIDE) << 16,
        )
    }

    /// Decode the three registers (fields as `regs::stats` documents them).
    pub fn from_registers(geometry: u32, delay: u32, layout: u32) -> Self {
        StatsGeometry {
            rules: geometry & 0xFF,
            lanes: (geometry >> 8) & 0xF,
            ways: (geometry >> 12) & 0xF,
            bucket_bits: (geometry >> 16) & 0xFF,
            banks: geometry >> 24,
            delay,
            rule_words: layout & 0xFF,
            rule_stride: layout >> 16,
        }
    }
}

impl fmt::Display for StatsGeometry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rules, {} lanes, {} ways, {} bucket bits, {} banks, delay {} cycles, {} words per rule 0x{:x} apart",
            self.rules, self.lanes, self.ways, self.bucket_bits, self.banks, self.delay, self.rule_words, self.rule_stride
        )
    }
}

impl<A: RegisterAccess> Device<A> {
    /// Base of the stats block, found by TYPE on the chain, after checking its version and that
    /// its geometry is the one the rule and entry layouts of this driver assume.
    fn stats_base(&mut self) -> Result<u32, DriverError> {
        let block = self
            .blocks()?
            .iter()
            .find(|b| b.type_id == reg::TYPE)
            .copied()
            .ok_or(DriverError::NoStats)?;
        if block.version != reg::VERSION {
            return Err(DriverError::StatsVersion {
                found: block.version,
                known: reg::VERSION,
            });
        }
        let device = self.read_geometry(block.base)?;
        let driver = StatsGeometry::expected();
        if device != driver {
            return Err(DriverError::StatsGeometry { device, driver });
        }
        Ok(block.base)
    }

    fn read_geometry(&mut self, base: u32) -> Result<StatsGeometry, DriverError> {
        let geometry = self.stats_read(base, reg::GEOMETRY)?;
        let delay = self.stats_read(base, reg::DELAY)?;
        let layout = self.stats_read(base, reg::RULE_LAYOUT)?;
        Ok(StatsGeometry::from_registers(geometry, delay, layout))
    }

    fn stats_read(&mut self, base: u32, offset: u16) -> Result<u32, DriverError> {
        self.access().read32(base + u32::from(offset))
    }

    fn stats_write(&mut self, base: u32, offset: u16, value: u32) -> Result<(), DriverError> {
        self.access().write32(base + u32::from(offset), value)
    }

    /// The stats stage's geometry; an error when it is not the one this driver was built for.
    pub fn stats_geometry(&mut self) -> Result<StatsGeometry, DriverError> {
        self.stats_base()?;
        Ok(StatsGeometry::expected())
    }

    /// Place and encode `set` (`vantage_proto::stats::encode`), then load it: counting off, every
    /// rule's registers (rules past the set all zero, which disables them), LANE_BITS, counting
    /// on. Nothing is written when the device has no usable stats block or the set cannot be
    /// placed on the lanes.
    pub fn load_rules(&mut self, set: &RuleSet) -> Result<Encoded, DriverError> {
        self.stats_base()?;
        if set.rules.len() > st::RULES {
            return Err(DriverError::TooManyRules {
                count: set.rules.len(),
            });
        }
        if let Some(r) = set.history_rule() {
            if !self.features()?.has(vantage_proto::regs::feature::HISTORY) {
                return Err(DriverError::NoHistory { rule: r + 1 });
            }
        }
        let encoded = st::encode(set)?;
        self.load_rule_words(&encoded.rules, encoded.lane_bits)?;
        Ok(encoded)
    }

    /// Load register words as they are (tests and tools that need words no rule file gives):
    /// counting off, rules past `rules` zeroed, LANE_BITS, counting on.
    pub fn load_rule_words(
        &mut self,
        rules: &[RuleWords],
        lane_bits: u32,
    ) -> Result<(), DriverError> {
        let base = self.stats_base()?;
        if rules.len() > st::RULES {
            return Err(DriverError::TooManyRules { count: rules.len() });
        }
        // Counting stays off while the table is half written, so no frame meets a mixed rule set.
        let control = self.stats_read(base, reg::CONTROL)?;
        self.stats_write(base, reg::CONTROL, control & !reg::CONTROL_COUNTING)?;
        for r in 0..st::RULES {
            let words = rules.get(r).copied().unwrap_or([0; st::RULE_WORDS]);
            self.write_rule(base, r, &words)?;
        }
        self.stats_write(base, reg::LANE_BITS, lane_bits)?;
        self.wait_until_ready(base)?;
        self.stats_write(base, reg::CONTROL, control | reg::CONTROL_COUNTING)?;
        Ok(())
    }

    /// STATUS: ready (the table cleared after reset), a report being sent, the epoch number.
    pub fn stats_status(&mut self) -> Result<StatsStatus, DriverError> {
        let base = self.stats_base()?;
        Ok(StatsStatus::from_register(
            self.stats_read(base, reg::STATUS)?,
        ))
    }

    /// Arm epochs of `epoch_ns` with the first boundary at `start_ns` (timestamp counter time):
    /// the stage then closes an epoch at every boundary and sends its groups as report frames.
    /// Counting itself is left as it is.
    pub fn arm_epochs(&mut self, epoch_ns: u64, start_ns: u64) -> Result<(), DriverError> {
        if epoch_ns == 0 {
            return Err(DriverError::ZeroEpoch);
        }
        let base = self.stats_base()?;
        let control = self.stats_read(base, reg::CONTROL)?;
        // Off first: the rising edge of CONTROL bit 1 takes EPOCH_START.
        self.stats_write(base, reg::CONTROL, control & !reg::CONTROL_EPOCHS)?;
        for (offset, value) in [(reg::EPOCH_NS, epoch_ns), (reg::EPOCH_START, start_ns)] {
            self.stats_write(base, offset, value as u32)?;
            self.stats_write(base, offset + 4, (value >> 32) as u32)?;
        }
        self.stats_write(base, reg::CONTROL, control | reg::CONTROL_EPOCHS)
    }

    /// Arm epochs of `epoch_ns` whose boundaries fall on multiples of `epoch_ns` of the device's
    /// clock (as SumStats aligns its epochs), the first one at least `epoch_ns` from now.
    pub fn arm_aligned_epochs(&mut self, epoch_ns: u64) -> Result<u64, DriverError> {
        if epoch_ns == 0 {
            return Err(DriverError::ZeroEpoch);
        }
        let now = (self.timebase()?.1 >> 32) as u64;
        let start = (now / epoch_ns + 2).saturating_mul(epoch_ns);
        self.arm_epochs(epoch_ns, start)?;
        Ok(start)
    }

    /// Stop closing epochs (CONTROL bit 1 off); a report being sent is finished.
    pub fn disarm_epochs(&mut self) -> Result<(), DriverError> {
        let base = self.stats_base()?;
        let control = self.stats_read(base, reg::CONTROL)?;
        self.stats_write(base, reg::CONTROL, control & !reg::CONTROL_EPOCHS)
    }

    /// CONN_STATUS: (a flush is under way, connection records are still to be sent).
    pub fn conn_status(&mut self) -> Result<(bool, bool), DriverError> {
        let base = self.stats_base()?;
        let v = self.stats_read(base, reg::CONN_STATUS)?;
        Ok((
            v & reg::CONN_STATUS_FLUSHING != 0,
            v & reg::CONN_STATUS_PENDING != 0,
        ))
    }

    /// Report every connection the history rule holds (CONN_CTL flush) and wait until the last
    /// record has gone out, at most `FLUSH_POLLS` reads of CONN_STATUS.
    pub fn flush_connections(&mut self) -> Result<(), DriverError> {
        let base = self.stats_base()?;
        self.stats_write(base, reg::CONN_CTL, reg::CONN_CTL_FLUSH)?;
        for _ in 0..FLUSH_POLLS {
            if self.stats_read(base, reg::CONN_STATUS)? == 0 {
                return Ok(());
            }
        }
        Err(DriverError::FlushTimeout { reads: FLUSH_POLLS })
    }

    /// Poll STATUS until the table's clearing sweep after reset is done.
    fn wait_until_ready(&mut self, base: u32) -> Result<(), DriverError> {
        for _ in 0..READY_POLLS {
            if self.stats_read(base, reg::STATUS)? & reg::STATUS_READY != 0 {
                return Ok(());
            }
        }
        Err(DriverError::StatsNotReady { reads: READY_POLLS })
    }

    fn write_rule(&mut self, base: u32, rule: usize, words: &RuleWords) -> Result<(), DriverError> {
        for (w, &value) in words.iter().enumerate() {
            self.access().write32(rule_addr(base, rule, w), value)?;
        }
        Ok(())
    }

    /// The registers of every rule of the table, rule 0 first (`vantage_proto::stats::decode_rule`
    /// turns them back into rules).
    pub fn rule_words(&mut self) -> Result<Vec<RuleWords>, DriverError> {
        let base = self.stats_base()?;
        (0..st::RULES).map(|r| self.read_rule(base, r)).collect()
    }

    fn read_rule(&mut self, base: u32, rule: usize) -> Result<RuleWords, DriverError> {
        let mut words = [0u32; st::RULE_WORDS];
        for (w, value) in words.iter_mut().enumerate() {
            *value = self.access().read32(rule_addr(base, rule, w))?;
        }
        Ok(words)
    }

    /// Whether the stats stage counts (CONTROL bit 0).
    pub fn stats_enabled(&mut self) -> Result<bool, DriverError> {
        let base = self.stats_base()?;
        Ok(self.stats_read(base, reg::CONTROL)? & 1 != 0)
    }

    /// Turn counting on or off (CONTROL bit 0); off, frames pass uncounted with the same delay.
    pub fn set_stats_enabled(&mut self, on: bool) -> Result<(), DriverError> {
        let base = self.stats_base()?;
        let control = self.stats_read(base, reg::CONTROL)? & !reg::CONTROL_COUNTING;
        if on {
            self.wait_until_ready(base)?;
        }
        self.stats_write(
            base,
            reg::CONTROL,
            control | if on { reg::CONTROL_COUNTING } else { 0 },
        )
    }

    /// log2 of the table lanes in use (LANE_BITS).
    pub fn stats_lane_bits(&mut self) -> Result<u32, DriverError> {
        let base = self.stats_base()?;
        self.stats_read(base, reg::LANE_BITS)
    }

    /// The stats bucket hash key (HASH_KEY0.., key byte 0 in the top bits of the first word).
    pub fn set_stats_hash_key(
        &mut self,
        key: &[u8; st::HASH_KEY_BYTES],
    ) -> Result<(), DriverError> {
        let base = self.stats_base()?;
        for (i, &word) in st::hash_key_words(key).iter().enumerate() {
            self.access()
                .write32(base + u32::from(reg::HASH_KEY) + 4 * i as u32, word)?;
        }
        Ok(())
    }

    /// The group table row at `bank`, `bucket`, way 0 first, read through the peek port.
    pub fn peek_row(
        &mut self,
        bank: usize,
        bucket: usize,
    ) -> Result<[Entry; st::WAYS], DriverError> {
        if bank >= st::BANKS || bucket >= 1 << st::BUCKET_BITS {
            return Err(DriverError::PeekRange { bank, bucket });
        }
        let base = self.stats_base()?;
        self.stats_write(base, reg::PEEK_LOC, (bank << 16 | bucket) as u32)?;
        self.stats_write(base, reg::PEEK_CTL, 1)?;
        self.wait_for_peek(base, bank, bucket)?;
        let mut row = [0u32; st::ROW_WORDS];
        for (i, value) in row.iter_mut().enumerate() {
            *value = self
                .access()
                .read32(base + u32::from(reg::PEEK_DATA) + 4 * i as u32)?;
        }
        Ok(std::array::from_fn(|way| {
            Entry::from_words(&row[way * st::ENTRY_WORDS..(way + 1) * st::ENTRY_WORDS])
        }))
    }

    /// Poll PEEK_STATUS bit 0, at most `PEEK_POLLS` reads.
    fn wait_for_peek(&mut self, base: u32, bank: usize, bucket: usize) -> Result<(), DriverError> {
        for _ in 0..PEEK_POLLS {
            if self.stats_read(base, reg::PEEK_STATUS)? & 1 != 0 {
                return Ok(());
            }
        }
        Err(DriverError::PeekTimeout {
            bank,
            bucket,
            reads: PEEK_POLLS,
        })
    }
}

/// Address of word `w` of rule `rule`.
fn rule_addr(base: u32, rule: usize, w: usize) -> u32 {
    base + u32::from(reg::RULES) + rule as u32 * u32::from(st::RULE_STRIDE) + 4 * w as u32
}
