//! The shipped demo capture is what the generator makes, and it holds what the demo promises.

use std::collections::BTreeMap;
use vantage_testkit::dmz::science_dmz;

#[test]
fn shipped_capture_is_the_generators() {
    let path = vantage_testkit::workspace_root().join("testbench-pcaps/science-dmz.pcap.gz");
    let shipped =
        vantage_capture::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let made = science_dmz();
    assert_eq!(
        shipped.len(),
        made.len(),
        "frames; rerun `cargo run -p vantage-testkit --bin science-dmz`"
    );
    for (i, (s, (t, d))) in shipped.iter().zip(&made).enumerate() {
        assert!(
            s.ts_ns == *t && &s.data == d,
            "frame {i} differs from the generator's"
        );
    }
}

/// Every frame parses as Ethernet, IP and TCP or UDP (etherparse, not our parser), and the mix
/// is the one the demo describes.
#[test]
fn frames_are_well_formed_and_the_mix_is_right() {
    let frames = science_dmz();
    let mut syns_by_src: BTreeMap<String, usize> = BTreeMap::new();
    let (mut jumbo, mut udp, mut v6) = (0, 0, 0);
    for (i, (_, f)) in frames.iter().enumerate() {
        let p =
            etherparse::SlicedPacket::from_ethernet(f).unwrap_or_else(|e| panic!("frame {i}: {e}"));
        match p.net {
            Some(etherparse::NetSlice::Ipv6(_)) => v6 += 1,
            Some(etherparse::NetSlice::Ipv4(_)) => {}
            _ => panic!("frame {i}: no IP"),
        }
        match p.transport {
            Some(etherparse::TransportSlice::Tcp(t)) => {
                if t.syn() && !t.ack() {
                    let src = match &p.net {
                        Some(etherparse::NetSlice::Ipv4(ip)) => {
                            ip.header().source_addr().to_string()
                        }
                        Some(etherparse::NetSlice::Ipv6(ip)) => {
                            ip.header().source_addr().to_string()
                        }
                        _ => unreachable!(),
                    };
                    *syns_by_src.entry(src).or_default() += 1;
                }
            }
            Some(etherparse::TransportSlice::Udp(_)) => udp += 1,
            _ => panic!("frame {i}: neither TCP nor UDP"),
        }
        if f.len() > 9000 {
            jumbo += 1;
        }
    }
    assert_eq!(syns_by_src["192.0.2.66"], 2000, "the IPv4 scan");
    assert_eq!(syns_by_src["2001:db8:bad::66"], 500, "the IPv6 scan");
    let spoofed: usize = syns_by_src
        .iter()
        .filter(|(s, _)| s.starts_with("100."))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(spoofed, 3000, "the flood");
    assert!(jumbo > 1700, "bulk transfer in jumbo frames: {jumbo}");
    assert_eq!(udp, 400, "DNS queries and answers");
    assert!(v6 >= 500);
    assert!(frames.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
}
