//! `vantage info` and `vantage counters`: a device's register blocks and counters.

use std::path::Path;

use anyhow::{bail, Context};
use vantage_driver::{Device, RegisterAccess, SysfsBar, VfioBar, Window};

/// Open the device named by `--device`.
pub fn open(spec: &str) -> anyhow::Result<Device<Box<dyn RegisterAccess>>> {
    let bar: Box<dyn RegisterAccess> = if spec == "sim" {
        open_sim()?
    } else if let Some(rest) = spec.strip_prefix("sysfs:") {
        // sysfs:<path>[@<offset>]: the Vantage blocks may start inside the BAR (OpenNIC: 0x200000).
        let (path, base) = match rest.rsplit_once('@') {
            Some((p, off)) => (p, parse_offset(off)?),
            None => (rest, 0),
        };
        Box::new(Window::new(SysfsBar::open(Path::new(path))?, base))
    } else if let Some(bdf) = spec.strip_prefix("vfio:") {
        Box::new(VfioBar::open(bdf, 0)?)
    } else {
        bail!("unknown device `{spec}`: use `sim`, `sysfs:<path of a BAR resource file>[@offset]` or `vfio:<PCI address>`");
    };
    Ok(Device::new(bar))
}

/// A byte offset in hex (0x...) or decimal.
fn parse_offset(s: &str) -> anyhow::Result<u32> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse(),
    };
    let off = parsed.with_context(|| {
        format!("`{s}` is not a register offset (use hex like 0x200000 or decimal)")
    })?;
    if off % 4 != 0 {
        bail!("register offset {s} is not a multiple of 4");
    }
    Ok(off)
}

#[cfg(feature = "sim")]
fn open_sim() -> anyhow::Result<Box<dyn RegisterAccess>> {
    let sim = vantage_sim::Sim::new()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("starting the simulator")?;
    Ok(Box::new(sim))
}

#[cfg(not(feature = "sim"))]
fn open_sim() -> anyhow::Result<Box<dyn RegisterAccess>> {
    bail!(
        "this vantage was built without the simulator: rebuild with `cargo build -p vantage --features sim`, \
         or name a device with --device sysfs:<path>"
    )
}

pub fn info(spec: &str) -> anyhow::Result<()> {
    let mut dev = open(spec)?;
    let info = dev
        .info()
        .with_context(|| format!("reading the register blocks of device {spec}"))?;
    println!("device          {spec}");
    println!(
        "design version  {} (0x{:06x})",
        info.version_string(),
        info.design_version
    );
    println!("build id        0x{:08x}", info.build_id);
    println!(
        "datapath        {} bits at {:.3} MHz",
        info.datapath_bits,
        f64::from(info.clock_khz) / 1000.0
    );
    println!(
        "features        {} (0x{:08x})",
        info.features, info.features.0
    );
    println!("blocks:");
    println!(
        "  {:<8} {:<10} {:<10} {:>7}  status",
        "base", "type", "name", "version"
    );
    for b in &info.blocks {
        let status = match b.known {
            None => "unknown to this driver".to_string(),
            Some(k) if k.version != b.version => format!(
                "version {} not supported (driver knows {})",
                b.version, k.version
            ),
            Some(k) => format!("ok, {} counters", k.counters.len()),
        };
        println!(
            "  0x{:04x}   {:<10} {:<10} {:>7}  {}",
            b.base,
            b.type_string(),
            b.name(),
            b.version,
            status
        );
    }
    Ok(())
}

pub fn counters(spec: &str, json: bool) -> anyhow::Result<()> {
    let mut dev = open(spec)?;
    let snap = dev
        .snapshot()
        .with_context(|| format!("reading the counters of device {spec}"))?;
    if json {
        println!("{}", serde_json::to_string(&snap)?);
    } else {
        for (k, v) in &snap {
            println!("{k:<22} {v:>20}");
        }
    }
    Ok(())
}
