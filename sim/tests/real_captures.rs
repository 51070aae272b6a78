//! Real captures (../shared/testdata/real) through the Verilated RTL: every capture runs to the
//! end, the output equals the model's, stripping the tags gives back the input frames exactly, and
//! the FLOW tag agrees with etherparse (an independent parser) on addresses, ports and protocol.

mod common;

use common::assert_same;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use std::path::Path;
use vantage_model::Config;
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::flowhash::{flow_hash, ipv4_as_16, DEFAULT_KEY};
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};
use vantage_testkit::shared_testdata;

/// Capture files under `../shared/testdata/<sub>`, recursively (the damaged one excluded: it is
/// bad input for the reader, tested in capture/ and host-cli/).
fn captures(sub: &str) -> Option<Vec<std::path::PathBuf>> {
    let Some(dir) = shared_testdata() else {
        eprintln!("skipped: ../shared/testdata not found");
        return None;
    };
    let mut files = Vec::new();
    let mut dirs = vec![dir.join(sub)];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("read testdata").flatten() {
            let p = entry.path();
            let name = p.to_string_lossy().into_owned();
            if p.is_dir() {
                dirs.push(p);
            } else if name.contains(".pcap") && !name.contains("damaged") {
                files.push(p);
            }
        }
    }
    files.sort();
    Some(files)
}

/// Addresses, ports and protocol etherparse finds, when it parses the frame down to the
/// transport layer (or to IP for non-TCP/UDP), within the first 128 bytes.
fn etherparse_flow(frame: &[u8]) -> Option<(u32, u8, u8)> {
    let p = SlicedPacket::from_ethernet(frame).ok()?;
    let (src, dst, proto, l3_len) = match p.net? {
        NetSlice::Ipv4(ip) => {
            let h = ip.header();
            if h.more_fragments() || h.fragments_offset().value() != 0 {
                return None; // etherparse leaves fragment payloads unparsed; the model's cross-check covers them
            }
            (
                ipv4_as_16(h.source()),
                ipv4_as_16(h.destination()),
                h.protocol().0,
                h.slice().len(),
            )
        }
        NetSlice::Arp(_) => return None,
        NetSlice::Ipv6(ip) => {
            if !ip.extensions().is_empty() {
                return None; // extension chains: covered by the model's own cross-check
            }
            let h = ip.header();
            (h.source(), h.destination(), h.next_header().0, 40)
        }
    };
    let l3_offset = eth_payload_offset(frame)?;
    let (sport, dport, l4_len) = match p.transport {
        Some(TransportSlice::Tcp(t)) => (t.source_port(), t.destination_port(), 20),
        Some(TransportSlice::Udp(u)) => (u.source_port(), u.destination_port(), 8),
        _ => (0, 0, 0),
    };
    if l3_offset + l3_len + l4_len > 128 {
        return None;
    }
    let hash = flow_hash(&DEFAULT_KEY, (src, sport), (dst, dport));
    Some((hash, l3_offset as u8, proto))
}

/// Offset of the IP header after Ethernet and up to two VLAN tags (None for anything else).
fn eth_payload_offset(frame: &[u8]) -> Option<usize> {
    let mut off = 12;
    for _ in 0..3 {
        let et = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
        match et {
            0x8100 | 0x88A8 | 0x9100 => off += 4,
            0x0800 | 0x86DD => return Some(off + 2),
            _ => return None,
        }
    }
    None
}

fn run_capture(path: &Path) {
    let packets = vantage_capture::read(path).unwrap_or_else(|e| panic!("{e}"));
    let frames: Vec<(u64, LaneFrame)> = packets
        .iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect();
    let input = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, 0);
    let (rtl, _) = assert_same(&input, &Config::default());
    let (mut checked, mut agreed) = (0, 0);
    for (out, pkt) in rtl.frames.iter().zip(&packets) {
        let (hdr, orig) =
            strip(&out.bytes(), DEFAULT_ETHERTYPE).expect("every line-rate frame is tagged");
        assert_eq!(orig, pkt.data, "stripping the tag gives back the input");
        if let Some((hash, l3, proto)) = etherparse_flow(&pkt.data) {
            let flow = hdr.flow().expect("FLOW tag");
            checked += 1;
            assert_eq!(
                (flow.hash, flow.l3_offset, flow.ip_proto),
                (hash, l3, proto),
                "FLOW tag vs etherparse, {} frame {}",
                path.display(),
                checked
            );
            agreed += 1;
        }
    }
    println!(
        "{}: {} frames in, {} out, {} checked against etherparse, {} agree; tagged {}",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        packets.len(),
        rtl.frames.len(),
        checked,
        agreed,
        rtl.counters["tag.tagged"],
    );
}

#[test]
fn zeek_traces_through_rtl() {
    let Some(files) = captures("zeek/traces") else {
        return;
    };
    assert!(!files.is_empty());
    for f in files {
        run_capture(&f);
    }
}

#[test]
fn real_captures_through_rtl() {
    let Some(files) = captures("real") else {
        return;
    };
    assert!(!files.is_empty());
    for f in files {
        run_capture(&f);
    }
}
