//! An in-memory register file, for tests and for trying the driver without hardware.

use vantage_proto::flowhash::{DEFAULT_KEY, KEY_WORDS};
use vantage_proto::regs::{self, feature, id, parse, BLOCKS};

use crate::{check_addr, DriverError, RegisterAccess};

/// Plain memory: reads return what was last written (strobes included), every write is logged.
#[derive(Clone, Debug)]
pub struct MemBar {
    words: Vec<u32>,
    /// Every write, in order: (address, value).
    pub writes: Vec<(u32, u32)>,
}

impl MemBar {
    /// `size` bytes of zeroed registers (rounded down to whole words).
    pub fn new(size: usize) -> Self {
        MemBar {
            words: vec![0; size / 4],
            writes: Vec::new(),
        }
    }

    /// The full 64 KiB space filled as the hardware is after reset: every block of
    /// `proto::regs::BLOCKS` with TYPE, VERSION, NEXT and the reset values of its registers, the
    /// id block's design version and the features of the blocks present.
    pub fn like_hardware() -> Self {
        let mut m = MemBar::new(1 << regs::ADDR_BITS);
        let mut features = 0;
        for (i, b) in BLOCKS.iter().enumerate() {
            let base = u32::from(b.base);
            m.poke(base + u32::from(regs::BLOCK_TYPE), b.type_id);
            m.poke(base + u32::from(regs::BLOCK_VERSION), b.version);
            m.poke(
                base + u32::from(regs::BLOCK_NEXT),
                u32::from(regs::next_of(i)),
            );
            for r in b.regs {
                m.poke(base + u32::from(r.offset), r.reset);
            }
            features |= feature::NAMES
                .iter()
                .find(|(_, n)| *n == b.name)
                .map_or(0, |(bit, _)| *bit);
        }
        m.poke(
            u32::from(id::BASE + id::DESIGN_VERSION),
            regs::DESIGN_VERSION,
        );
        // Live status as a device shows it once the table's clearing sweep after reset is over.
        m.poke(
            u32::from(regs::stats::BASE + regs::stats::STATUS),
            regs::stats::STATUS_READY,
        );
        m.poke(
            u32::from(regs::conn::BASE + regs::conn::STATUS),
            regs::conn::STATUS_READY,
        );
        // The reasm stage off and empty, its clock stopped.
        m.poke(
            u32::from(regs::reasm::BASE + regs::reasm::STATUS),
            regs::reasm::STATUS_EMPTY,
        );
        m.poke(u32::from(id::BASE + id::FEATURES), features);
        for (i, w) in DEFAULT_KEY.chunks_exact(4).enumerate().take(KEY_WORDS) {
            m.poke(
                u32::from(parse::BASE + parse::HASH_KEY) + 4 * i as u32,
                u32::from_be_bytes([w[0], w[1], w[2], w[3]]),
            );
        }
        m.writes.clear();
        m
    }

    /// Set a word without logging (out-of-range addresses are ignored).
    pub fn poke(&mut self, addr: u32, value: u32) {
        if let Some(w) = self.words.get_mut(addr as usize / 4) {
            *w = value;
        }
    }

    /// Read a word without going through the trait (0 outside).
    pub fn peek(&self, addr: u32) -> u32 {
        self.words.get(addr as usize / 4).copied().unwrap_or(0)
    }

    /// Set the 64-bit counter `name` of the known block `block` (both as in `proto::regs`).
    /// Returns false when there is no such counter.
    pub fn set_counter(&mut self, block: &str, name: &str, value: u64) -> bool {
        let Some(b) = BLOCKS.iter().find(|b| b.name == block) else {
            return false;
        };
        let Some(c) = b.counters.iter().find(|c| c.name == name) else {
            return false;
        };
        let addr = u32::from(b.base + c.offset);
        self.poke(addr, value as u32);
        self.poke(addr + 4, (value >> 32) as u32);
        true
    }

    fn size(&self) -> u64 {
        self.words.len() as u64 * 4
    }
}

impl RegisterAccess for MemBar {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        let i = check_addr(addr, self.size())?;
        Ok(self.words[i / 4])
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        let i = check_addr(addr, self.size())?;
        self.words[i / 4] = value;
        self.writes.push((addr, value));
        Ok(())
    }
}
