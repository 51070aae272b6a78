//! Cross-check of the parse stage against etherparse (an independent parser), on the real
//! captures in `../shared/testdata` and on generated frames.
//!
//! Run with `--nocapture` to see the summary.

mod common;

use common::{compare, Verdict};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use vantage_model::gen::{arb_valid, Link};
use vantage_model::parse_frame;
use vantage_proto::flags::ParseFlags;
use vantage_proto::flowhash::DEFAULT_KEY;

/// Every capture file under `dir` (recursively), sorted.
fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            captures(&p, out);
        } else if p.to_string_lossy().contains(".pcap") {
            out.push(p);
        }
    }
}

/// The whole file, gunzipped if it ends in `.gz`.
fn read_all(path: &Path) -> std::io::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// A pseudo Ethernet header for a frame of the given EtherType.
fn ethernet(ethertype: u16, rest: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(rest);
    f
}

/// An IP packet (version from its first nibble) as an Ethernet frame.
fn ip_as_ethernet(ip: &[u8]) -> Option<Vec<u8>> {
    match ip.first()? >> 4 {
        4 => Some(ethernet(0x0800, ip)),
        6 => Some(ethernet(0x86DD, ip)),
        _ => None,
    }
}

/// A captured packet of link type `linktype` as an Ethernet frame, or why not.
fn to_ethernet(linktype: u32, data: &[u8]) -> Result<Vec<u8>, &'static str> {
    match linktype {
        1 => Ok(data.to_vec()), // Ethernet
        101 | 228 | 229 | 12 | 14 => ip_as_ethernet(data).ok_or("raw IP, not v4/v6"), // raw IP
        0 | 108 => ip_as_ethernet(data.get(4..).unwrap_or(&[])).ok_or("loopback, not IP"), // BSD loopback
        113 => {
            // Linux cooked (SLL): the protocol (an EtherType) at 14, the packet from 16.
            let proto = data.get(14..16).ok_or("short SLL header")?;
            Ok(ethernet(
                u16::from_be_bytes([proto[0], proto[1]]),
                data.get(16..).unwrap_or(&[]),
            ))
        }
        _ => Err("link type not converted"),
    }
}

/// Packets of a pcap or pcapng file as (link type, bytes); stops at the first read error.
fn packets(bytes: &[u8]) -> (Vec<(u32, Vec<u8>)>, Option<String>) {
    let mut out = Vec::new();
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let mut r = match pcap_file::pcapng::PcapNgReader::new(bytes) {
            Ok(r) => r,
            Err(e) => return (out, Some(e.to_string())),
        };
        let mut linktypes: Vec<u32> = Vec::new();
        while let Some(block) = r.next_block() {
            match block {
                Ok(pcap_file::pcapng::Block::InterfaceDescription(i)) => {
                    linktypes.push(u32::from(i.linktype))
                }
                Ok(pcap_file::pcapng::Block::EnhancedPacket(p)) => {
                    let lt = linktypes
                        .get(p.interface_id as usize)
                        .copied()
                        .unwrap_or(u32::MAX);
                    out.push((lt, p.data.to_vec()));
                }
                Ok(pcap_file::pcapng::Block::SimplePacket(p)) => {
                    out.push((
                        linktypes.first().copied().unwrap_or(u32::MAX),
                        p.data.to_vec(),
                    ));
                }
                Ok(_) => {}
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    } else {
        let mut r = match pcap_file::pcap::PcapReader::new(bytes) {
            Ok(r) => r,
            Err(e) => return (out, Some(e.to_string())),
        };
        let lt = u32::from(r.header().datalink);
        while let Some(p) = r.next_packet() {
            match p {
                Ok(p) => out.push((lt, p.data.to_vec())),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }
    (out, None)
}

#[derive(Default)]
struct Tally {
    frames: u64,
    equal: u64,
    equal_ip_only: u64,
    mismatches: Vec<String>,
    skipped: BTreeMap<String, u64>,
    /// Skipped frames in which our parse found IP (MPLS, which etherparse does not walk).
    skipped_ours_ip: u64,
}

impl Tally {
    fn add(&mut self, where_: &str, frame: &[u8]) {
        self.frames += 1;
        let meta = parse_frame(frame, &DEFAULT_KEY);
        match compare(frame, &meta, &DEFAULT_KEY) {
            Verdict::Equal => self.equal += 1,
            Verdict::EqualIpOnly => self.equal_ip_only += 1,
            Verdict::Mismatch(m) => self.mismatches.push(format!("{where_}: {m}")),
            Verdict::Skip(r) => {
                *self.skipped.entry(r.to_string()).or_default() += 1;
                let ip = meta.flags.has(ParseFlags::IPV4) || meta.flags.has(ParseFlags::IPV6);
                self.skipped_ours_ip += ip as u64;
            }
        }
    }

    fn skip(&mut self, reason: &str, n: u64) {
        self.frames += n;
        *self.skipped.entry(reason.to_string()).or_default() += n;
    }
}

#[test]
fn parse_agrees_with_etherparse_on_real_captures() {
    let Some(dir) = vantage_testkit::shared_testdata() else {
        println!("skipped: ../shared/testdata not found");
        return;
    };
    let mut files = Vec::new();
    captures(&dir, &mut files);
    let mut t = Tally::default();
    let mut read_errors = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let bytes = match read_all(path) {
            Ok(b) => b,
            Err(e) => {
                read_errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        let (pkts, err) = packets(&bytes);
        if let Some(e) = err {
            read_errors.push(format!("{name}: stopped after {} packets: {e}", pkts.len()));
        }
        for (i, (lt, data)) in pkts.iter().enumerate() {
            match to_ethernet(*lt, data) {
                Ok(frame) => t.add(&format!("{name} #{}", i + 1), &frame),
                Err(reason) => t.skip(reason, 1),
            }
        }
    }
    println!(
        "etherparse cross-check over {} capture files in {}",
        files.len(),
        dir.display()
    );
    println!("  frames        {}", t.frames);
    println!("  equal         {} (all fields)", t.equal);
    println!(
        "  equal, IP     {} (first fragments: etherparse stops at IP)",
        t.equal_ip_only
    );
    println!("  mismatches    {}", t.mismatches.len());
    for (reason, n) in &t.skipped {
        println!("  skipped       {n:>7}  {reason}");
    }
    println!(
        "  (of the skipped, our parse found an IP header in {})",
        t.skipped_ours_ip
    );
    for e in &read_errors {
        println!("  read error    {e}");
    }
    for m in t.mismatches.iter().take(20) {
        println!("  MISMATCH {m}");
    }
    assert!(
        t.mismatches.is_empty(),
        "{} frames disagree with etherparse",
        t.mismatches.len()
    );
    assert!(
        t.equal > 10_000,
        "too few frames compared ({}): is the test data complete?",
        t.equal
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Generated valid frames: etherparse and our parse agree wherever etherparse can judge, and
    /// the l3 offset is where the builder put the IP header (MPLS too, which etherparse skips).
    #[test]
    fn parse_agrees_with_etherparse_on_generated_frames((spec, frame) in arb_valid()) {
        let meta = parse_frame(&frame, &DEFAULT_KEY);
        let verdict = compare(&frame, &meta, &DEFAULT_KEY);
        prop_assert!(!matches!(verdict, Verdict::Mismatch(_)), "{:?}\n{:?}\n{:?}", verdict, spec, meta);
        let mpls_too_deep = matches!(spec.link, Link::Mpls { labels, .. } if labels as usize > vantage_proto::datapath::MAX_MPLS_LABELS);
        let tags_too_deep = matches!(&spec.link, Link::Stack { tags, .. } if tags.len() > vantage_proto::datapath::MAX_LINK_TAGS);
        if mpls_too_deep {
            prop_assert!(meta.flags.has(ParseFlags::MPLS_DEEP), "{}", meta.flags.describe());
            prop_assert_eq!(meta.l3_offset, 0);
        } else if tags_too_deep {
            prop_assert!(meta.flags.has(ParseFlags::L3_UNKNOWN), "{}", meta.flags.describe());
            prop_assert_eq!(meta.l3_offset, 0);
        } else {
            prop_assert_eq!(meta.l3_offset as usize, spec.l3_offset());
            prop_assert!(meta.flags.has(ParseFlags::IPV4) || meta.flags.has(ParseFlags::IPV6));
        }
    }
}

/// The generated-frame check above must mostly compare, not skip: tally 3000 frames.
#[test]
fn generated_frames_are_mostly_comparable() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = arb_valid();
    let mut tally: BTreeMap<String, u64> = BTreeMap::new();
    for _ in 0..3000 {
        let (_, frame) = strategy.new_tree(&mut runner).expect("strategy").current();
        let meta = parse_frame(&frame, &DEFAULT_KEY);
        let key = match compare(&frame, &meta, &DEFAULT_KEY) {
            Verdict::Equal => "equal".to_string(),
            Verdict::EqualIpOnly => "equal, IP only".to_string(),
            Verdict::Mismatch(m) => panic!("mismatch on a generated frame: {m}"),
            Verdict::Skip(r) => format!("skipped: {r}"),
        };
        *tally.entry(key).or_default() += 1;
    }
    println!("generated frames vs etherparse: {tally:?}");
    assert!(tally.get("equal").copied().unwrap_or(0) > 1500, "{tally:?}");
}
