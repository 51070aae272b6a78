//! Reads the real captures in ../shared/testdata/real (skipped when that folder is absent).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vantage_capture::{parse, read, CaptureError, Location};

/// `../shared/testdata/real`, or None after saying the test skips.
fn real_dir() -> Option<PathBuf> {
    let dir = vantage_testkit::shared_real();
    if dir.is_none() {
        println!("skipped: ../shared/testdata not found");
    }
    dir
}

#[test]
fn reads_every_real_capture() {
    let Some(dir) = real_dir() else { return };
    // Packet counts as capinfos reports them.
    let expected = [
        ("basic_ipv6_tcp.pcap", None),
        ("http.pcap", None),
        ("icmp_ttl.pcap", Some(9009)),
        ("telnet-raw.pcap", Some(272)),
        ("real.pcap", None),
        ("anon-v4.pcap.gz", None),
        ("anon-v6.pcap.gz", None),
        ("mss_ipv4.pcap", None),
        ("tcp_ipv4_rst.pcap", None),
        ("tfo_data_on_syn.pcap", None),
        ("ecn_ipv6_unreachable_ce_on_syn.pcap", None),
    ];
    for (name, count) in expected {
        let packets = read(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!packets.is_empty(), "{name}");
        if let Some(c) = count {
            assert_eq!(packets.len(), c, "{name}");
        }
        // Every frame is Ethernet with an IP or other EtherType past the MACs.
        assert!(packets.iter().all(|p| p.data.len() >= 14), "{name}");
        assert!(
            packets
                .windows(2)
                .all(|w| w[0].ts_ns <= w[1].ts_ns + 1_000_000_000),
            "{name}: timestamps"
        );
    }
}

#[test]
fn pcapng_raw_ip_gets_synthetic_ethernet() {
    let Some(dir) = real_dir() else { return };
    let packets = read(&dir.join("icmp_ttl.pcap")).unwrap();
    for p in &packets {
        assert_eq!(
            &p.data[..12],
            [
                vantage_capture::SYNTH_DST_MAC,
                vantage_capture::SYNTH_SRC_MAC
            ]
            .concat()
        );
        let et = u16::from_be_bytes([p.data[12], p.data[13]]);
        let nibble = p.data[14] >> 4;
        assert_eq!(et, if nibble == 6 { 0x86DD } else { 0x0800 });
    }
    // tshark -T fields -e frame.time_epoch: 1476824617.995002000 (proves if_tsresol is honoured).
    assert_eq!(packets[0].ts_ns, 1_476_824_617_995_002_000);
}

#[test]
fn gzip_and_plain_agree_with_tshark_first_frame() {
    let Some(dir) = real_dir() else { return };
    let packets = read(&dir.join("anon-v4.pcap.gz")).unwrap();
    assert!(packets.len() > 10);
    assert!(packets[0].ts_ns > 946_684_800_000_000_000);
}

#[test]
fn damaged_capture_is_a_clear_error() {
    let Some(dir) = real_dir() else { return };
    let e = read(&dir.join("test_damaged.pcap")).unwrap_err();
    let msg = e.to_string();
    match &e {
        CaptureError::Damaged {
            location,
            packets_read,
            ..
        } => {
            assert_eq!(
                *location,
                Location::Record {
                    index: 2,
                    offset: 114
                }
            );
            assert_eq!(*packets_read, 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        msg.contains("test_damaged.pcap is damaged: record 2 at byte offset 114 is truncated"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
}

#[test]
fn missing_file() {
    let e = read(Path::new("/nonexistent/x.pcap")).unwrap_err();
    assert_eq!(e.to_string(), "capture file /nonexistent/x.pcap not found");
}

fn all_real_bytes() -> Vec<(String, Vec<u8>)> {
    let Some(dir) = real_dir() else {
        return Vec::new();
    };
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.metadata().map(|m| m.len() < 1_000_000).unwrap_or(false))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Truncated and bit-flipped real files give an error or packets, never a panic or a hang.
    #[test]
    fn damaged_real_files_never_panic(which in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>(),
                                      flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)) {
        let files = all_real_bytes();
        if files.is_empty() { return Ok(()); }
        let (name, bytes) = &files[which.index(files.len())];
        let mut b = bytes[..cut.index(bytes.len() + 1)].to_vec();
        for (at, x) in flips {
            if !b.is_empty() { let i = at.index(b.len()); b[i] ^= x; }
        }
        let _ = parse(&b, Path::new(name));
    }
}
