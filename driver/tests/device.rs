//! The typed API against register files filled as the hardware fills them.

use std::io::Write;

use vantage_driver::{time_at, Device, DriverError, MemBar, RegisterAccess, SysfsBar, VfioBar};
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::regs::{self, feature, id, parse, tag, ts, BLOCKS};

#[test]
fn discover_finds_every_block_in_order() {
    let mut dev = Device::new(MemBar::like_hardware());
    let blocks = dev.discover().unwrap().to_vec();
    assert_eq!(blocks.len(), BLOCKS.len());
    for (f, b) in blocks.iter().zip(BLOCKS) {
        assert_eq!(f.base, u32::from(b.base));
        assert_eq!(f.name(), b.name);
        assert!(f.is_supported());
    }
    assert_eq!(blocks[0].type_string(), "V-ID");
    let info = dev.info().unwrap();
    assert_eq!(info.design_version, regs::DESIGN_VERSION);
    assert_eq!(info.version_string(), "0.1.0");
    assert_eq!(info.datapath_bits, 512);
    assert_eq!(
        info.features.names(),
        vec!["parse", "timestamp", "tag", "stats", "conn", "reasm"]
    );
    assert!(dev.features().unwrap().has(feature::TAG));
}

#[test]
fn unknown_blocks_are_reported_by_type() {
    let mut bar = MemBar::like_hardware();
    // Hang an unknown block "XYZW" at 0x0800 after the tag block.
    bar.poke(u32::from(tag::BASE + regs::BLOCK_NEXT), 0x0800);
    bar.poke(0x0800, regs::fourcc(b"XYZW"));
    bar.poke(0x0804, 3);
    let mut dev = Device::new(bar);
    let blocks = dev.discover().unwrap();
    let last = blocks.last().unwrap();
    assert_eq!(
        (last.name(), last.type_string().as_str(), last.version),
        ("unknown", "XYZW", 3)
    );
    assert!(last.known.is_none());
    // Snapshot still reads every known block.
    assert!(dev.snapshot().unwrap().contains_key("tag.tagged"));
}

#[test]
fn corrupt_chains_are_errors_not_hangs() {
    // A loop: tag points back to parse.
    let mut bar = MemBar::like_hardware();
    bar.poke(
        u32::from(tag::BASE + regs::BLOCK_NEXT),
        u32::from(parse::BASE),
    );
    let e = Device::new(bar).discover().unwrap_err();
    assert!(
        matches!(
            e,
            DriverError::ChainLoop {
                from: 0x300,
                to: 0x200
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "register block chain loops: block at 0x0300 points back to 0x0200, already visited"
    );

    // A self loop.
    let mut bar = MemBar::like_hardware();
    bar.poke(
        u32::from(parse::BASE + regs::BLOCK_NEXT),
        u32::from(parse::BASE),
    );
    assert!(matches!(
        Device::new(bar).discover(),
        Err(DriverError::ChainLoop { .. })
    ));

    // Out of the 64 KiB space.
    let mut bar = MemBar::like_hardware();
    bar.poke(u32::from(ts::BASE + regs::BLOCK_NEXT), 0x0001_0000);
    let e = Device::new(bar).discover().unwrap_err();
    assert!(
        matches!(
            e,
            DriverError::BadNext {
                from: 0x100,
                next: 0x10000,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("outside the 64 KiB register space"));

    // Unaligned.
    let mut bar = MemBar::like_hardware();
    bar.poke(u32::from(ts::BASE + regs::BLOCK_NEXT), 0x0202);
    assert!(matches!(
        Device::new(bar).discover(),
        Err(DriverError::BadNext {
            reason: "not 4-byte aligned",
            ..
        })
    ));

    // All ones at address 0: no device.
    let mut bar = MemBar::new(1 << 16);
    bar.poke(0, 0xFFFF_FFFF);
    let e = Device::new(bar).discover().unwrap_err();
    assert!(e.to_string().contains("all ones"), "{e}");

    // A BAR smaller than the chain claims: an access error, not a panic.
    let mut small = MemBar::new(0x180);
    for a in (0..0x180).step_by(4) {
        small.poke(a, MemBar::like_hardware().peek(a));
    }
    let e = Device::new(small).discover().unwrap_err();
    assert!(
        matches!(e, DriverError::OutOfRange { addr: 0x200, .. }),
        "{e}"
    );
}

#[test]
fn a_chain_of_every_block_in_a_long_walk_terminates() {
    // Chain every 12-byte slot to the next: the longest legal chain, still bounded.
    let mut bar = MemBar::new(1 << 16);
    bar.poke(0, id::TYPE);
    let mut a = 0u32;
    while a + 24 <= 1 << 16 {
        bar.poke(a + 8, a + 12);
        a += 12;
    }
    let r = Device::new(bar).discover().map(|b| b.len());
    assert!(
        matches!(
            r,
            Ok(_) | Err(DriverError::ChainTooLong(_)) | Err(DriverError::BadNext { .. })
        ),
        "{r:?}"
    );
}

#[test]
fn snapshot_reads_every_counter_after_latching() {
    let mut bar = MemBar::like_hardware();
    assert!(bar.set_counter("parse", "frames", 0x1_0000_0002));
    assert!(bar.set_counter("tag", "tagged", 7));
    assert!(bar.set_counter("id", "cycles", 1234));
    assert!(bar.set_counter("timestamp", "now_ns", 99));
    let mut dev = Device::new(bar);
    let s = dev.snapshot().unwrap();
    let expected: usize = BLOCKS.iter().map(|b| b.counters.len()).sum();
    assert_eq!(s.len(), expected);
    assert_eq!(s["parse.frames"], 0x1_0000_0002);
    assert_eq!(s["tag.tagged"], 7);
    assert_eq!(s["id.cycles"], 1234);
    assert_eq!(s["timestamp.now_ns"], 99);
    assert_eq!(s["parse.bytes"], 0);
    // The latch was written before any counter was read.
    assert_eq!(dev.access().writes, vec![(u32::from(id::SNAPSHOT), 1)]);
}

#[test]
fn configuration_writes_land_where_proto_says() {
    let mut dev = Device::new(MemBar::like_hardware());
    dev.set_tagging(false).unwrap();
    dev.set_ethertype(0x88B6).unwrap();
    let mut key = DEFAULT_KEY;
    key[0] = 0x01;
    key[39] = 0xEE;
    dev.set_hash_key(&key).unwrap();
    dev.load_time(0x1234_5678_9ABC_DEF0).unwrap();
    let bar = dev.access();
    assert_eq!(bar.peek(u32::from(tag::BASE + tag::CONTROL)), 0);
    assert_eq!(bar.peek(u32::from(tag::BASE + tag::ETHERTYPE)), 0x88B6);
    assert_eq!(
        bar.peek(u32::from(parse::BASE + parse::HASH_KEY)),
        0x015a56da
    );
    assert_eq!(
        bar.peek(u32::from(parse::BASE + parse::HASH_KEY) + 36),
        0xbeac01ee
    );
    let w = &bar.writes[bar.writes.len() - 3..];
    let t = |o: u16| u32::from(ts::BASE + o);
    assert_eq!(
        w,
        &[
            (t(ts::SET_LO), 0x9ABC_DEF0),
            (t(ts::SET_HI), 0x1234_5678),
            (t(ts::CONTROL), 1)
        ]
    );
}

#[test]
fn timebase_from_one_snapshot() {
    let mut bar = MemBar::like_hardware();
    bar.set_counter("id", "cycles", 1000);
    bar.set_counter("timestamp", "now_ns", 5000);
    bar.poke(u32::from(ts::BASE + ts::NOW_FRAC), 0x8000_0000);
    let mut dev = Device::new(bar);
    let (cycle, s, inc) = dev.timebase().unwrap();
    assert_eq!(cycle, 1000);
    assert_eq!(s, 5000u128 << 32 | 0x8000_0000);
    assert_eq!(inc, vantage_proto::datapath::default_ts_increment());
    assert_eq!(time_at((cycle, s, inc), 1000), s);
    assert_eq!(time_at((cycle, s, inc), 1010), s + 10 * u128::from(inc));
}

#[test]
fn missing_blocks_are_named() {
    let mut bar = MemBar::like_hardware();
    // End the chain after parse: no tag block.
    bar.poke(u32::from(parse::BASE + regs::BLOCK_NEXT), 0);
    let mut dev = Device::new(bar);
    assert_eq!(
        dev.set_tagging(true).unwrap_err().to_string(),
        "this device has no tag block (see `vantage info`)"
    );
}

#[test]
fn sysfs_bar_on_a_plain_file() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let image = MemBar::like_hardware();
    let bytes: Vec<u8> = (0..1u32 << 16)
        .step_by(4)
        .flat_map(|a| image.peek(a).to_le_bytes())
        .collect();
    f.write_all(&bytes).unwrap();
    f.flush().unwrap();
    let bar = SysfsBar::open(f.path()).unwrap();
    assert_eq!(bar.len(), 1 << 16);
    let mut dev = Device::new(bar);
    assert_eq!(dev.discover().unwrap().len(), BLOCKS.len());
    dev.set_ethertype(0x1234).unwrap();
    let bar = dev.access();
    assert_eq!(
        bar.read32(u32::from(tag::BASE + tag::ETHERTYPE)).unwrap(),
        0x1234
    );
    assert!(matches!(
        bar.read32(1 << 16),
        Err(DriverError::OutOfRange { .. })
    ));
    assert!(matches!(
        bar.read32(u32::MAX - 1),
        Err(DriverError::Unaligned { .. })
    ));
    assert!(matches!(
        bar.write32(0xFFFC + 4, 0),
        Err(DriverError::OutOfRange { .. })
    ));
    drop(dev);
    let on_disk = std::fs::read(f.path()).unwrap();
    let a = usize::from(tag::BASE + tag::ETHERTYPE);
    assert_eq!(&on_disk[a..a + 4], &[0x34, 0x12, 0, 0]);
}

#[test]
fn sysfs_errors() {
    let e = SysfsBar::open(std::path::Path::new("/nonexistent/resource0"))
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("cannot open /nonexistent/resource0:"),
        "{e}"
    );
    let f = tempfile::NamedTempFile::new().unwrap();
    let e = SysfsBar::open(f.path()).err().unwrap();
    assert!(e.to_string().contains("too small"), "{e}");
}

#[test]
fn vfio_reports_why_not() {
    let e = VfioBar::open_in(std::path::Path::new("/nonexistent-root"), "0000:3b:00.0", 0)
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("device 0000:3b:00.0 is not available through VFIO:"),
        "{e}"
    );
}

proptest::proptest! {
    /// Whatever the NEXT pointers say, discover() ends with blocks or an error.
    #[test]
    fn random_chains_terminate(nexts in proptest::collection::vec((0u32..0x4000, proptest::prelude::any::<u32>()), 1..64)) {
        let mut bar = MemBar::like_hardware();
        for (slot, next) in nexts {
            bar.poke(slot * 4 + 8, next);
        }
        let _ = Device::new(bar).discover();
    }
}
