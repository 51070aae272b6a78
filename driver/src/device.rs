//! The typed device API over `vantage_proto::regs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use vantage_proto::flowhash::{KEY_BYTES, KEY_WORDS};
use vantage_proto::regs::{self, feature, id, parse, tag, ts, Block, BLOCKS};

use crate::{DriverError, RegisterAccess};

/// Most blocks the chain walk follows before it gives up (one per 12 bytes of address space).
pub const MAX_BLOCKS: usize = (1 << regs::ADDR_BITS) / 12;

/// A block found on the chain.
#[derive(Clone, Copy, Debug)]
pub struct FoundBlock {
    /// Byte address of the block.
    pub base: u32,
    /// Its TYPE register.
    pub type_id: u32,
    /// Its VERSION register.
    pub version: u32,
    /// Its NEXT register (0 at the end of the chain).
    pub next: u32,
    /// The block as `proto::regs::BLOCKS` describes it, when its TYPE is known.
    pub known: Option<&'static Block>,
}

/// `known` follows from `type_id`, so equality is that of the registers read.
impl PartialEq for FoundBlock {
    fn eq(&self, o: &Self) -> bool {
        (self.base, self.type_id, self.version, self.next) == (o.base, o.type_id, o.version, o.next)
    }
}
impl Eq for FoundBlock {}

impl FoundBlock {
    /// Known name ("parse") or "unknown".
    pub fn name(&self) -> &'static str {
        self.known.map_or("unknown", |b| b.name)
    }

    /// TYPE as four characters where printable ("V-PR"), else hex.
    pub fn type_string(&self) -> String {
        let b = self.type_id.to_be_bytes();
        if b.iter().all(|c| c.is_ascii_graphic()) {
            b.iter().map(|&c| c as char).collect()
        } else {
            format!("0x{:08x}", self.type_id)
        }
    }

    /// The register layout of this block is the one this driver knows (same TYPE and VERSION).
    pub fn is_supported(&self) -> bool {
        self.known.is_some_and(|b| b.version == self.version)
    }
}

/// Feature bits of `id.FEATURES`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features(pub u32);

impl Features {
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// Names of the set bits; unknown bits as "bitN".
    pub fn names(self) -> Vec<String> {
        let mut v: Vec<String> = feature::NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, n)| n.to_string())
            .collect();
        let known: u32 = feature::NAMES.iter().map(|(b, _)| b).fold(0, |a, b| a | b);
        for bit in 0..32 {
            if self.0 & !known & (1 << bit) != 0 {
                v.push(format!("bit{bit}"));
            }
        }
        v
    }
}

impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.names();
        if n.is_empty() {
            write!(f, "none")
        } else {
            write!(f, "{}", n.join(","))
        }
    }
}

/// What `Device::info` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// major << 16 | minor << 8 | patch.
    pub design_version: u32,
    pub build_id: u32,
    pub features: Features,
    pub datapath_bits: u32,
    pub clock_khz: u32,
    pub blocks: Vec<FoundBlock>,
}

impl DeviceInfo {
    /// "1.0.0".
    pub fn version_string(&self) -> String {
        let v = self.design_version;
        format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
    }
}

/// A Vantage device behind some register access.
pub struct Device<A: RegisterAccess> {
    bar: A,
    blocks: Option<Vec<FoundBlock>>,
}

impl<A: RegisterAccess> Device<A> {
    /// Wrap a register access; nothing is read until the first call.
    pub fn new(bar: A) -> Self {
        Device { bar, blocks: None }
    }

    /// The register access underneath (e.g. to run the simulator between calls).
    pub fn access(&mut self) -> &mut A {
        &mut self.bar
    }

    pub fn into_inner(self) -> A {
        self.bar
    }

    /// Walk the block chain from address 0 and remember what was found.
    ///
    /// Errors (never hangs) on a chain that loops, a NEXT that is unaligned or outside the
    /// register space, or no V-ID block at address 0.
    pub fn discover(&mut self) -> Result<&[FoundBlock], DriverError> {
        let space = 1u64 << regs::ADDR_BITS;
        let mut found = Vec::new();
        let mut visited = BTreeSet::new();
        let mut base: u32 = u32::from(id::BASE);
        loop {
            let type_id = self.bar.read32(base + u32::from(regs::BLOCK_TYPE))?;
            if found.is_empty() && type_id != id::TYPE {
                return Err(DriverError::NoDevice { found: type_id });
            }
            let version = self.bar.read32(base + u32::from(regs::BLOCK_VERSION))?;
            let next = self.bar.read32(base + u32::from(regs::BLOCK_NEXT))?;
            visited.insert(base);
            let block = FoundBlock {
                base,
                type_id,
                version,
                next,
                known: regs::block_by_type(type_id),
            };
            match block.known {
                Some(k) if k.version != version => tracing::warn!(
                    block = k.name, found = version, known = k.version,
                    "block version differs from the one this driver knows; its registers are not used"
                ),
                Some(_) => tracing::debug!(block = block.name(), base = format_args!("0x{base:04x}"), "found block"),
                None => tracing::info!(type_id = %block.type_string(), base = format_args!("0x{base:04x}"), "unknown block type"),
            }
            found.push(block);
            if next == 0 {
                break;
            }
            if !next.is_multiple_of(4) {
                return Err(DriverError::BadNext {
                    from: base,
                    next,
                    reason: "not 4-byte aligned",
                });
            }
            if u64::from(next) + u64::from(regs::BLOCK_NEXT) + 4 > space {
                return Err(DriverError::BadNext {
                    from: base,
                    next,
                    reason: "outside the 64 KiB register space",
                });
            }
            if visited.contains(&next) {
                return Err(DriverError::ChainLoop {
                    from: base,
                    to: next,
                });
            }
            if found.len() >= MAX_BLOCKS {
                return Err(DriverError::ChainTooLong(MAX_BLOCKS));
            }
            base = next;
        }
        Ok(self.blocks.insert(found))
    }

    /// The blocks found by the last `discover` (walking the chain first if needed).
    pub fn blocks(&mut self) -> Result<&[FoundBlock], DriverError> {
        if self.blocks.is_none() {
            self.discover()?;
        }
        Ok(self.blocks.as_deref().unwrap_or(&[]))
    }

    /// Base address of the supported block with this TYPE.
    pub(crate) fn base_of(&mut self, type_id: u32, name: &'static str) -> Result<u32, DriverError> {
        self.blocks()?
            .iter()
            .find(|b| b.type_id == type_id && b.is_supported())
            .map(|b| b.base)
            .ok_or(DriverError::MissingBlock(name))
    }

    fn read64(&mut self, addr: u32) -> Result<u64, DriverError> {
        let lo = self.bar.read32(addr)?;
        let hi = self.bar.read32(addr + 4)?;
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    /// Feature bits of the bitstream.
    pub fn features(&mut self) -> Result<Features, DriverError> {
        let base = self.base_of(id::TYPE, "id")?;
        Ok(Features(self.bar.read32(base + u32::from(id::FEATURES))?))
    }

    /// Design identity and the blocks found.
    pub fn info(&mut self) -> Result<DeviceInfo, DriverError> {
        let base = self.base_of(id::TYPE, "id")?;
        let r = |d: &mut Self, off: u16| d.bar.read32(base + u32::from(off));
        Ok(DeviceInfo {
            design_version: r(self, id::DESIGN_VERSION)?,
            build_id: r(self, id::BUILD_ID)?,
            features: Features(r(self, id::FEATURES)?),
            datapath_bits: r(self, id::DATAPATH_BITS)?,
            clock_khz: r(self, id::CLOCK_KHZ)?,
            blocks: self.blocks()?.to_vec(),
        })
    }

    /// Latch every counter (`id.SNAPSHOT`) without reading them.
    pub fn latch(&mut self) -> Result<(), DriverError> {
        let base = self.base_of(id::TYPE, "id")?;
        self.bar.write32(base + u32::from(id::SNAPSHOT), 1)
    }

    /// Latch and read every counter of every supported block, keyed "<block>.<counter>".
    pub fn snapshot(&mut self) -> Result<BTreeMap<String, u64>, DriverError> {
        self.latch()?;
        let blocks: Vec<FoundBlock> = self
            .blocks()?
            .iter()
            .filter(|b| b.is_supported())
            .copied()
            .collect();
        let mut out = BTreeMap::new();
        for b in blocks {
            let Some(k) = b.known else { continue };
            for c in k.counters {
                let v = self.read64(b.base + u32::from(c.offset))?;
                out.insert(format!("{}.{}", k.name, c.name), v);
            }
        }
        Ok(out)
    }

    /// Turn header insertion on or off (`tag.CONTROL` bit 0).
    pub fn set_tagging(&mut self, on: bool) -> Result<(), DriverError> {
        let base = self.base_of(tag::TYPE, "tag")?;
        self.bar
            .write32(base + u32::from(tag::CONTROL), u32::from(on))
    }

    /// EtherType written at the start of the tagged header.
    pub fn set_ethertype(&mut self, ethertype: u16) -> Result<(), DriverError> {
        let base = self.base_of(tag::TYPE, "tag")?;
        self.bar
            .write32(base + u32::from(tag::ETHERTYPE), u32::from(ethertype))
    }

    /// The 40-byte flow hash key (word i = key bytes 4i..4i+4, big-endian).
    pub fn set_hash_key(&mut self, key: &[u8; KEY_BYTES]) -> Result<(), DriverError> {
        let base = self.base_of(parse::TYPE, "parse")?;
        for (i, w) in key.chunks_exact(4).enumerate().take(KEY_WORDS) {
            let word = u32::from_be_bytes([w[0], w[1], w[2], w[3]]);
            self.bar
                .write32(base + u32::from(parse::HASH_KEY) + 4 * i as u32, word)?;
        }
        Ok(())
    }

    /// Load the timestamp counter with `ns` (fraction cleared).
    pub fn load_time(&mut self, ns: u64) -> Result<(), DriverError> {
        let base = self.base_of(ts::TYPE, "timestamp")?;
        self.bar.write32(base + u32::from(ts::SET_LO), ns as u32)?;
        self.bar
            .write32(base + u32::from(ts::SET_HI), (ns >> 32) as u32)?;
        self.bar.write32(base + u32::from(ts::CONTROL), 1)
    }

    /// One snapshot of the time base: `(cycle, S, inc)` where `S` is the 64.32 fixed-point ns
    /// counter latched in datapath cycle `cycle` and `inc` the 32.32 increment per cycle, so
    /// `S(c) = S + (c - cycle) * inc` (see [`time_at`]).
    pub fn timebase(&mut self) -> Result<(u64, u128, u64), DriverError> {
        let id_base = self.base_of(id::TYPE, "id")?;
        let ts_base = self.base_of(ts::TYPE, "timestamp")?;
        self.bar.write32(id_base + u32::from(id::SNAPSHOT), 1)?;
        let cycle = self.read64(id_base + u32::from(id::CYCLES))?;
        let now = self.read64(ts_base + u32::from(ts::NOW))?;
        let frac = self.bar.read32(ts_base + u32::from(ts::NOW_FRAC))?;
        let inc_frac = self.bar.read32(ts_base + u32::from(ts::INC_FRAC))?;
        let inc_ns = self.bar.read32(ts_base + u32::from(ts::INC_NS))?;
        let s = u128::from(now) << 32 | u128::from(frac);
        let inc = u64::from(inc_ns) << 32 | u64::from(inc_frac);
        Ok((cycle, s, inc))
    }
}

/// The 64.32 timestamp counter at `cycle`, from a `timebase()` taken at or before it.
pub fn time_at(timebase: (u64, u128, u64), cycle: u64) -> u128 {
    let (c0, s, inc) = timebase;
    s.wrapping_add(u128::from(cycle.wrapping_sub(c0)) * u128::from(inc)) & ((1u128 << 96) - 1)
}

/// The names of the known blocks, in chain order (for help texts).
pub fn known_block_names() -> Vec<&'static str> {
    BLOCKS.iter().map(|b| b.name).collect()
}
