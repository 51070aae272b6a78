//! A PCIe BAR mapped through sysfs (`/sys/bus/pci/devices/<bdf>/resource<N>`), or any file.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use memmap2::{MmapMut, MmapOptions};

use crate::{check_addr, DriverError, RegisterAccess};

/// A memory-mapped BAR. Accesses are 32-bit volatile loads and stores of little-endian words
/// (PCIe byte order), bounds- and alignment-checked against the mapping's length.
pub struct SysfsBar {
    path: PathBuf,
    map: MmapMut,
}

impl SysfsBar {
    /// Map the BAR `bar` of the PCI device `bdf` ("0000:3b:00.0"). Needs root and a device whose
    /// memory decoding is enabled (`setpci COMMAND=0x02` or a bound driver).
    pub fn for_device(bdf: &str, bar: u8) -> Result<Self, DriverError> {
        Self::open(
            &Path::new("/sys/bus/pci/devices")
                .join(bdf)
                .join(format!("resource{bar}")),
        )
    }

    /// Map a whole file read/write (a sysfs resource file, or a plain file in tests).
    pub fn open(path: &Path) -> Result<Self, DriverError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|source| DriverError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        let len = file
            .metadata()
            .map_err(|source| DriverError::Open {
                path: path.to_path_buf(),
                source,
            })?
            .len();
        if len < 4 {
            return Err(DriverError::BadBar {
                path: path.to_path_buf(),
                reason: format!("{len} bytes is too small to map as registers"),
            });
        }
        let len = usize::try_from(len).map_err(|_| DriverError::BadBar {
            path: path.to_path_buf(),
            reason: format!("{len} bytes cannot be mapped"),
        })?;
        // SAFETY: the mapping is shared with the device (or file); nothing in this process holds
        // a Rust reference into it: every access goes through read_volatile/write_volatile.
        let map = unsafe { MmapOptions::new().len(len).map_mut(&file) }.map_err(|source| {
            DriverError::Open {
                path: path.to_path_buf(),
                source,
            }
        })?;
        tracing::debug!(path = %path.display(), len, "BAR mapped");
        Ok(SysfsBar {
            path: path.to_path_buf(),
            map,
        })
    }

    /// Length of the mapping in bytes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl RegisterAccess for SysfsBar {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        let off = check_addr(addr, self.map.len() as u64)?;
        // SAFETY: off + 4 <= len (checked), the mapping is page aligned and off is a multiple of
        // 4, so the pointer is valid and aligned for a u32.
        Ok(u32::from_le(unsafe {
            std::ptr::read_volatile(self.map.as_ptr().add(off) as *const u32)
        }))
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        let off = check_addr(addr, self.map.len() as u64)?;
        // SAFETY: as in read32.
        unsafe {
            std::ptr::write_volatile(self.map.as_mut_ptr().add(off) as *mut u32, value.to_le())
        };
        Ok(())
    }
}
