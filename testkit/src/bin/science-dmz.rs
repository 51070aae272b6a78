//! Write the demo capture (`vantage_testkit::dmz`) as gzip-compressed pcap (the bulk transfer's
//! payload repeats, so it compresses 20 times).
//!
//! Usage: science-dmz [OUT.pcap.gz]   (default: testbench-pcaps/science-dmz.pcap.gz)

use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use vantage_capture::Packet;

fn main() -> anyhow::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            vantage_testkit::workspace_root().join("testbench-pcaps/science-dmz.pcap.gz")
        });
    let packets: Vec<Packet> = vantage_testkit::dmz::science_dmz()
        .into_iter()
        .map(|(ts_ns, data)| Packet { ts_ns, data })
        .collect();
    let mut pcap = Vec::new();
    vantage_capture::write_to(&mut pcap, &packets)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("writing the capture")?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&pcap).context("compressing the capture")?;
    let bytes = gz.finish().context("compressing the capture")?;
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("{}: {} frames", path.display(), packets.len());
    Ok(())
}
