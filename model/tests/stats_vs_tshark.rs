//! Stats counts against tshark (an outside oracle): a rule that groups TCP frames by addresses and
//! ports counts, per connection (both directions summed), the frames and frame bytes tshark's own
//! dissection attributes to that address/port pair.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use vantage_model::parse_frame;
use vantage_model::stats::rules::FrameFacts;
use vantage_model::stats::table::StatsTable;
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::rules::parse_rules;
use vantage_testkit::tshark;

const PER_CONNECTION: &str = r#"{"epoch_ms": 60000, "rules": [
  {"name": "tcp per direction", "ip_proto": "tcp",
   "src_ip": "group", "dst_ip": "group", "src_port": "group", "dst_port": "group"}]}"#;

/// Unordered endpoint pair as text, so ours and tshark's compare.
type Conn = (String, String);

fn conn(a: String, ap: u16, b: String, bp: u16) -> Conn {
    let (x, y) = (format!("{a}:{ap}"), format!("{b}:{bp}"));
    if x <= y {
        (x, y)
    } else {
        (y, x)
    }
}

fn addr_text(a: [u8; 16], v4: bool) -> String {
    if v4 {
        std::net::Ipv4Addr::new(a[12], a[13], a[14], a[15]).to_string()
    } else {
        std::net::Ipv6Addr::from(a).to_string()
    }
}

fn ours(path: &Path) -> BTreeMap<Conn, (u64, u64)> {
    let packets = vantage_capture::read(path).unwrap_or_else(|e| panic!("{e}"));
    let mut table = StatsTable::new(parse_rules(PER_CONNECTION).expect("rules"));
    for p in &packets {
        let meta = parse_frame(&p.data, &DEFAULT_KEY);
        table.count(&FrameFacts::new(&meta), p.data.len() as u64);
    }
    let mut out = BTreeMap::new();
    for (k, g) in table.groups() {
        let v4 = k.src[..12].iter().all(|b| *b == 0) && k.dst[..12].iter().all(|b| *b == 0);
        let c = conn(addr_text(k.src, v4), k.sport, addr_text(k.dst, v4), k.dport);
        let e = out.entry(c).or_insert((0, 0));
        e.0 += g.packets;
        e.1 += g.bytes;
    }
    out
}

/// Per connection, the TCP frames and frame bytes tshark dissects in `path`; None when tshark is
/// not installed (a failed run fails the test).
fn tshark(path: &Path) -> Option<BTreeMap<Conn, (u64, u64)>> {
    let mut args: Vec<OsString> = vec!["-r".into(), path.into()];
    args.extend(
        [
            "-Y",
            "tcp && !icmp && !icmpv6",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "ipv6.src",
            "-e",
            "ipv6.dst",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "frame.len",
        ]
        .map(OsString::from),
    );
    let out = tshark::output(&args)?;
    let mut map = BTreeMap::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (src, dst) = if f[0].is_empty() {
            (f[2], f[3])
        } else {
            (f[0], f[1])
        };
        if src.contains(',') || dst.contains(',') {
            continue; // tunnelled: two IP headers
        }
        let (sp, dp, len): (u16, u16, u64) = match (f[4].parse(), f[5].parse(), f[6].parse()) {
            (Ok(a), Ok(b), Ok(c)) => (a, b, c),
            _ => continue,
        };
        let e = map
            .entry(conn(src.to_string(), sp, dst.to_string(), dp))
            .or_insert((0, 0));
        e.0 += 1;
        e.1 += len;
    }
    Some(map)
}

#[test]
fn per_connection_counts_equal_tsharks() {
    let Some(real) = vantage_testkit::shared_real() else {
        eprintln!("skipped: ../shared/testdata not found");
        return;
    };
    for name in [
        "http.pcap",
        "telnet-raw.pcap",
        "real.pcap",
        "mss_ipv4.pcap",
        "basic_ipv6_tcp.pcap",
    ] {
        let path = real.join(name);
        let Some(theirs) = tshark(&path) else {
            eprintln!("skipped: {}", tshark::NOT_INSTALLED);
            return;
        };
        let mine = ours(&path);
        let differ: Vec<_> = theirs
            .iter()
            .filter(|(c, v)| mine.get(*c) != Some(*v))
            .take(5)
            .collect();
        let frames: u64 = theirs.values().map(|v| v.0).sum();
        println!(
            "{name}: {} connections, {frames} TCP frames; tshark and stats agree on {}",
            theirs.len(),
            theirs.len() - differ.len()
        );
        assert!(
            differ.is_empty(),
            "{name}: first differences (tshark): {differ:?}"
        );
        assert_eq!(mine.len(), theirs.len(), "{name}: connection count");
    }
}
