//! The VFIO route to a device (see docs/driver.md).
//!
//! Opening checks, in order, everything the VFIO route needs and reports the first thing missing
//! as `DriverError::VfioUnavailable`. Mapping the BAR through the VFIO device fd (the ioctls
//! `VFIO_GROUP_GET_DEVICE_FD` / `VFIO_DEVICE_GET_REGION_INFO` + mmap) is not implemented yet:
//! until it is, a device that passes every check is reported as such, with the sysfs route to
//! use instead.

use std::path::Path;

use crate::{DriverError, RegisterAccess};

/// Register access through VFIO (not yet able to map; see the module documentation).
pub struct VfioBar {
    _private: (),
}

impl VfioBar {
    /// Open BAR `bar` of PCI device `bdf` ("0000:3b:00.0") through VFIO.
    pub fn open(bdf: &str, bar: u8) -> Result<Self, DriverError> {
        Self::open_in(Path::new("/"), bdf, bar)
    }

    /// As `open`, with sysfs and /dev under `root` (for tests).
    pub fn open_in(root: &Path, bdf: &str, bar: u8) -> Result<Self, DriverError> {
        let fail = |reason: String| {
            Err(DriverError::VfioUnavailable {
                bdf: bdf.to_string(),
                reason,
            })
        };
        let dev = root.join("sys/bus/pci/devices").join(bdf);
        if !dev.exists() {
            return fail(format!(
                "{} does not exist (no such PCI device)",
                dev.display()
            ));
        }
        let driver = std::fs::read_link(dev.join("driver")).ok();
        let driver_name = driver
            .as_ref()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        if driver_name.as_deref() != Some("vfio-pci") {
            return fail(format!(
                "it is bound to {}, not vfio-pci (echo {bdf} > /sys/bus/pci/drivers/vfio-pci/bind)",
                driver_name.as_deref().unwrap_or("no driver")
            ));
        }
        let group = match std::fs::read_link(dev.join("iommu_group")) {
            Ok(g) => g
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Err(_) => {
                return fail(
                    "it has no IOMMU group (enable the IOMMU: intel_iommu=on / amd_iommu=on)"
                        .into(),
                )
            }
        };
        let group_dev = root.join("dev/vfio").join(&group);
        if !group_dev.exists() {
            return fail(format!("{} does not exist", group_dev.display()));
        }
        fail(format!(
            "the VFIO BAR mapping is not implemented yet (group {group}, BAR {bar}); use --device sysfs:/sys/bus/pci/devices/{bdf}/resource{bar}"
        ))
    }
}

impl RegisterAccess for VfioBar {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        Err(DriverError::Bus {
            addr,
            detail: "VFIO mapping not implemented".into(),
        })
    }

    fn write32(&mut self, addr: u32, _value: u32) -> Result<(), DriverError> {
        Err(DriverError::Bus {
            addr,
            detail: "VFIO mapping not implemented".into(),
        })
    }
}
