//! Register access to a Vantage device and a typed API over its register map.
//!
//! ```text
//!  Device<A>  discover / features / snapshot / set_* / timebase / info   (typed, proto::regs)
//!             load_rules / rule_words / peek_row / stats_*                 (stats.rs, V-ST)
//!     │
//!  A: RegisterAccess  read32 / write32 at byte addresses of the AXI4-Lite space
//!     ├── MemBar    in-memory register file (tests)
//!     ├── SysfsBar  mmap of /sys/bus/pci/devices/<bdf>/resource<N> (or any file)
//!     ├── VfioBar   VFIO route (see docs/driver.md; reports why the device cannot be opened)
//!     └── vantage_sim::Sim  the Verilated RTL (implemented in the sim crate)
//! ```
//!
//! Every address comes from `vantage_proto::regs`; block bases are the ones found by walking the
//! chain, so a bitstream that moves a block still works.

mod conn;
mod device;
mod membar;
mod reasm;
mod stats;
mod sysfs;
mod vfio;

pub use conn::{ConnState, SYN_FLUSH_POLLS};
pub use device::{
    known_block_names, time_at, Device, DeviceInfo, Features, FoundBlock, MAX_BLOCKS,
};
pub use membar::MemBar;
pub use reasm::ReasmState;
pub use stats::{StatsGeometry, StatsStatus, FLUSH_POLLS, PEEK_POLLS, READY_POLLS};
pub use sysfs::SysfsBar;
pub use vfio::VfioBar;

use std::path::PathBuf;
use thiserror::Error;

/// 32-bit access to the device's control register space (byte addresses, 4-byte aligned).
pub trait RegisterAccess {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError>;
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError>;
}

impl<T: RegisterAccess + ?Sized> RegisterAccess for &mut T {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        (**self).read32(addr)
    }
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        (**self).write32(addr, value)
    }
}

impl<T: RegisterAccess + ?Sized> RegisterAccess for Box<T> {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        (**self).read32(addr)
    }
    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        (**self).write32(addr, value)
    }
}

#[derive(Debug, Error)]
pub enum DriverError {
    #[error("register address 0x{addr:x} is outside the {size}-byte register space")]
    OutOfRange { addr: u32, size: u64 },
    #[error("register address 0x{addr:x} is not 4-byte aligned")]
    Unaligned { addr: u32 },
    #[error("no Vantage register block at address 0: TYPE reads 0x{found:08x}{}", hint_for(*found))]
    NoDevice { found: u32 },
    #[error("register block chain loops: block at 0x{from:04x} points back to 0x{to:04x}, already visited")]
    ChainLoop { from: u32, to: u32 },
    #[error("register block at 0x{from:04x} has a bad NEXT pointer 0x{next:08x}: {reason}")]
    BadNext {
        from: u32,
        next: u32,
        reason: &'static str,
    },
    #[error("register block chain is longer than {0} blocks")]
    ChainTooLong(usize),
    #[error("this device has no {0} block (see `vantage info`)")]
    MissingBlock(&'static str),
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    BadBar { path: PathBuf, reason: String },
    #[error("device {bdf} is not available through VFIO: {reason}")]
    VfioUnavailable { bdf: String, reason: String },
    #[error("register access failed at 0x{addr:x}: {detail}")]
    Bus { addr: u32, detail: String },
    #[error("this device has no stats stage: its register chain has no V-ST block (a bitstream with one lists the feature `stats` in `vantage info`)")]
    NoStats,
    #[error("rule {rule} keeps connection history, but this device's stats stage has no connection table (no feature `history` in `vantage info`); `vantage model --rules` runs the rule in software")]
    NoHistory { rule: usize },
    #[error("the stats block (V-ST) is version {found}, but this driver knows version {known}")]
    StatsVersion { found: u32, known: u32 },
    #[error("the stats block's geometry is not the one this driver was built for: the device has {device}; the driver expects {driver}")]
    StatsGeometry {
        device: StatsGeometry,
        driver: StatsGeometry,
    },
    #[error("the stats table's clearing sweep after reset did not finish within {reads} reads of STATUS")]
    StatsNotReady { reads: usize },
    #[error("the connection table's flush did not finish within {reads} reads of CONN_STATUS")]
    FlushTimeout { reads: usize },
    #[error("the SYN table's flush did not finish within {reads} reads of conn.STATUS")]
    SynFlushTimeout { reads: usize },
    #[error(
        "the SYN table's clearing after reset did not finish within {reads} reads of conn.STATUS"
    )]
    SynTableNotReady { reads: usize },
    #[error("an epoch of 0 ns: give the epoch length in ns (at least a millisecond is sensible)")]
    ZeroEpoch,
    #[error(
        "{count} rules, but the stats stage holds {}",
        vantage_proto::stats::RULES
    )]
    TooManyRules { count: usize },
    /// The rule set cannot be spread over the table lanes (the message names the rules).
    #[error(transparent)]
    Placement(#[from] vantage_proto::stats::PlacementError),
    #[error(
        "no stats table row at bank {bank}, bucket {bucket}: banks are 0..={}, buckets 0..={}",
        vantage_proto::stats::BANKS - 1,
        (1 << vantage_proto::stats::BUCKET_BITS) - 1
    )]
    PeekRange { bank: usize, bucket: usize },
    #[error("reasm BUCKET_BITS {bits}: the session table takes 1..={max} (GEOMETRY 15:8: the memory this bitstream addresses)")]
    SessionBuckets { bits: u32, max: u32 },
    #[error("the stats table peek at bank {bank}, bucket {bucket} did not complete: PEEK_STATUS bit 0 still clear after {reads} reads")]
    PeekTimeout {
        bank: usize,
        bucket: usize,
        reads: usize,
    },
}

fn hint_for(found: u32) -> &'static str {
    match found {
        0xFFFF_FFFF => " (all ones: the device is absent, in reset, or its BAR is disabled)",
        0 => " (zero: not a Vantage bitstream, or the wrong BAR)",
        _ => " (expected the V-ID block)",
    }
}

/// Check a byte address for a 32-bit access to a space of `size` bytes.
pub(crate) fn check_addr(addr: u32, size: u64) -> Result<usize, DriverError> {
    if !addr.is_multiple_of(4) {
        return Err(DriverError::Unaligned { addr });
    }
    if u64::from(addr) + 4 > size {
        return Err(DriverError::OutOfRange { addr, size });
    }
    Ok(addr as usize)
}

/// A register space that starts `base` bytes into another one: the OpenNIC shell maps its
/// box_322mhz plugin at BAR2 offset 0x200000, so the Vantage blocks start there, not at 0.
pub struct Window<A: RegisterAccess> {
    inner: A,
    base: u32,
}

impl<A: RegisterAccess> Window<A> {
    pub fn new(inner: A, base: u32) -> Self {
        Window { inner, base }
    }

    fn at(&self, addr: u32) -> Result<u32, DriverError> {
        self.base.checked_add(addr).ok_or(DriverError::OutOfRange {
            addr,
            size: u64::from(u32::MAX) + 1 - u64::from(self.base),
        })
    }
}

impl<A: RegisterAccess> RegisterAccess for Window<A> {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        let a = self.at(addr)?;
        self.inner.read32(a)
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        let a = self.at(addr)?;
        self.inner.write32(a, value)
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    #[test]
    fn window_offsets_every_access() {
        let mut bar = MemBar::new(0x1000);
        {
            let mut w = Window::new(&mut bar, 0x800);
            w.write32(0x10, 0xabcd).unwrap();
            assert_eq!(w.read32(0x10).unwrap(), 0xabcd);
            assert!(matches!(
                w.read32(0x800),
                Err(DriverError::OutOfRange { .. })
            ));
        }
        assert_eq!(bar.read32(0x810).unwrap(), 0xabcd);
        let mut top = Window::new(MemBar::new(16), u32::MAX - 3);
        assert!(
            top.read32(8).is_err(),
            "no wrap-around past the 32-bit space"
        );
    }
}
