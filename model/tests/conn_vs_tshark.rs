//! The conn stage on real captures against tshark (an outside oracle): what reaches the monitor,
//! with every held SYN put back at its own time (and its absorbed retransmissions with it),
//! carries exactly the TCP conversations tshark sees in the capture; every SYN given back on its
//! own had no answer within the timeout in tshark's view, and every released one had one. Prints
//! the offload figures.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use vantage_capture::Packet;
use vantage_model::{run, Config, TimeBase};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::conn::{Why, DEFAULT_TIMEOUT_NS};
use vantage_proto::header::{strip, DEFAULT_ETHERTYPE};
use vantage_testkit::tshark;

fn real(name: &str) -> Option<PathBuf> {
    let Some(dir) = vantage_testkit::shared_real() else {
        eprintln!("skipped: ../shared/testdata not found");
        return None;
    };
    Some(dir.join(name))
}

/// LINKTYPE_ETHERNET.
const ETHERNET: u32 = 1;

/// The link type of a classic pcap file (bytes 20..24, in the file's byte order).
fn link_type(path: &Path) -> u32 {
    let b = std::fs::read(path).expect("read the capture");
    let word: [u8; 4] = b[20..24].try_into().expect("a pcap header");
    if b[..4] == [0xd4, 0xc3, 0xb2, 0xa1] || b[..4] == [0x4d, 0x3c, 0xb2, 0xa1] {
        u32::from_le_bytes(word)
    } else {
        u32::from_be_bytes(word)
    }
}

/// `tshark -r path args...`: its output, or None when tshark is not installed (a failed run
/// fails the test).
fn tshark(args: &[&str], path: &Path) -> Option<String> {
    let mut all: Vec<OsString> = vec!["-r".into(), path.into()];
    all.extend(args.iter().map(OsString::from));
    tshark::output(&all)
}

/// A conversation's frames and bytes from the endpoint that sorts first, and from the other.
type Columns = [(u64, u64); 2];

/// TCP conversations as tshark dissects the frames (TCP headers quoted in ICMP errors left out):
/// endpoint pair -> frames and frame bytes each way. `extra` bytes are added to each frame (14
/// for a raw-IP capture, whose frames the monitor's view writes with an Ethernet header).
fn conversations(frames: &[TcpFrame], extra: u64) -> BTreeMap<(String, String), Columns> {
    let mut out: BTreeMap<(String, String), Columns> = BTreeMap::new();
    for f in frames {
        let (key, way) = if f.from <= f.to {
            ((f.from.clone(), f.to.clone()), 0)
        } else {
            ((f.to.clone(), f.from.clone()), 1)
        };
        let e = out.entry(key).or_default();
        e[way].0 += 1;
        e[way].1 += f.len + extra;
    }
    out
}

/// One TCP frame as tshark dissects it.
#[derive(Debug)]
struct TcpFrame {
    ns: u64,
    /// "a:p b:q" from source to destination.
    from: String,
    to: String,
    flags: u8,
    seq: u32,
    len: u64,
}

fn tcp_frames(path: &Path) -> Option<Vec<TcpFrame>> {
    let fields = [
        "frame.time_epoch",
        "ip.src",
        "ip.dst",
        "ipv6.src",
        "ipv6.dst",
        "tcp.srcport",
        "tcp.dstport",
        "tcp.flags",
        "tcp.seq_raw",
        "frame.len",
    ];
    let mut args = vec![
        "-Y",
        "tcp && !icmp && !icmpv6",
        "-T",
        "fields",
        "-E",
        "separator=/t",
    ];
    for f in &fields {
        args.extend(["-e", f]);
    }
    let text = tshark(&args, path)?;
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (src, dst) = if f[1].is_empty() {
            (f[3], f[4])
        } else {
            (f[1], f[2])
        };
        if src.contains(',') {
            continue; // tunnelled
        }
        let secs: f64 = f[0].parse().expect("epoch time");
        let flags = u8::from_str_radix(f[7].trim_start_matches("0x0"), 16).unwrap_or(0);
        out.push(TcpFrame {
            ns: (secs * 1e9).round() as u64,
            from: format!("{src}:{}", f[5]),
            to: format!("{dst}:{}", f[6]),
            flags,
            seq: f[8].parse().unwrap_or(0),
            len: f[9].parse().unwrap_or(0),
        });
    }
    Some(out)
}

/// What the monitor gets, rebuilt as a capture: frames without the header at their TIMESTAMP
/// (a given-back SYN: its own ingress time), absorbed retransmissions as copies of their SYN.
/// Also the given-back SYNs: (ingress ns, why, bytes).
fn monitor_view(
    packets: &[Packet],
) -> (Vec<Packet>, Vec<(u64, Why, Vec<u8>)>, BTreeMap<String, u64>) {
    let t0 = packets.first().map_or(0, |p| p.ts_ns);
    let mut config = Config {
        time: TimeBase::from_ns(t0),
        ..Config::default()
    };
    config.conn.hold = true;
    config.conn.timeout_ns = DEFAULT_TIMEOUT_NS;
    let input: Vec<(u64, LaneFrame)> = packets
        .iter()
        .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
        .collect();
    let out = run(
        &config,
        &schedule(&input, Pacing::CaptureTime { gbps: 100.0 }, 0),
    );
    let mut view = Vec::new();
    let mut given = Vec::new();
    for f in out.frames.iter().chain(&out.regenerated) {
        let (h, bytes) = strip(&f.bytes(), DEFAULT_ETHERTYPE).expect("tagged at capture pace");
        let ns = h.timestamp().expect("a TIMESTAMP tag");
        if let Some(syn) = h.syn() {
            given.push((ns, syn.why().expect("a known why"), bytes.clone()));
            for _ in 0..syn.retransmissions {
                view.push(Packet {
                    ts_ns: ns,
                    data: bytes.clone(),
                });
            }
        }
        view.push(Packet {
            ts_ns: ns,
            data: bytes,
        });
    }
    view.sort_by_key(|p| p.ts_ns);
    (view, given, out.counters)
}

/// Frames of the connection of `syn` (from, to) in (start, start + window): any frame but a
/// repeat of the SYN (same ISN from the same side).
fn answered_within(frames: &[TcpFrame], syn: &TcpFrame, window: u64) -> bool {
    frames.iter().any(|f| {
        f.ns > syn.ns
            && f.ns < syn.ns + window
            && ((f.from == syn.from
                && f.to == syn.to
                && !(f.flags & 0x17 == 0x02 && f.seq == syn.seq))
                || (f.from == syn.to && f.to == syn.from))
    })
}

fn check(name: &str) {
    let Some(path) = real(name) else { return };
    let packets = vantage_capture::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let (view, given, counters) = monitor_view(&packets);
    let rebuilt = std::env::temp_dir().join(format!("vantage-conn-{}-{name}", std::process::id()));
    vantage_capture::write(&rebuilt, &view).expect("write the monitor's view");
    let (Some(frames), Some(seen)) = (tcp_frames(&path), tcp_frames(&rebuilt)) else {
        eprintln!("skipped: {}", tshark::NOT_INSTALLED);
        return;
    };
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_file(&rebuilt);
    }
    // A raw-IP capture is read with an Ethernet header put in front of each packet.
    let extra = if link_type(&path) == ETHERNET { 0 } else { 14 };
    let (theirs, ours) = (conversations(&frames, extra), conversations(&seen, 0));
    let differ: Vec<_> = theirs
        .iter()
        .filter(|(k, v)| ours.get(*k) != Some(*v))
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "{name}: conversations differ (tshark on the capture): {differ:?}"
    );
    assert_eq!(ours.len(), theirs.len(), "{name}: conversation count");

    // Each given-back SYN against tshark's frames (a 1 ms margin for the clock's rounding).
    let margin = 1_000_000;
    let t0 = packets.first().map_or(0, |p| p.ts_ns);
    let (mut checked, mut edge) = (0, 0);
    for (ns, why, bytes) in &given {
        let capture_ns = packets
            .iter()
            .find(|p| &p.data == bytes && p.ts_ns.abs_diff(*ns) < margin)
            .map(|p| p.ts_ns);
        let Some(syn) = capture_ns.and_then(|c| {
            frames
                .iter()
                .find(|f| f.ns.abs_diff(c) < 1_000 && f.flags & 0x12 == 0x02)
        }) else {
            edge += 1;
            continue;
        };
        let early = answered_within(&frames, syn, DEFAULT_TIMEOUT_NS - margin);
        let late = answered_within(&frames, syn, DEFAULT_TIMEOUT_NS + margin);
        match why {
            Why::Released => assert!(late, "{name}: released SYN at {ns} without an answer"),
            Why::Expired | Why::Flushed => {
                assert!(
                    !early,
                    "{name}: SYN at {ns} given back as {why:?} but tshark saw an answer"
                )
            }
            Why::Late => panic!("{name}: a late release at capture pace"),
        }
        checked += 1;
    }
    let _ = t0;
    let c = |n: &str| counters[&format!("conn.{n}")];
    let to_monitor = view.len() as u64 - c("retransmissions");
    let unanswered = c("expired") + c("flushed");
    println!(
        "{name}: {} frames in, {to_monitor} to the monitor ({} SYN retransmissions absorbed); \
         {} SYNs held: {} released before their answer, {unanswered} regenerated unanswered \
         (expired {}, flushed at the end {}); connection attempts the monitor never had to track: \
         {unanswered} of {} ({:.1}%); fail-open: long {}, full {}, unclean {}; \
         {} conversations equal tshark's; {checked} given-back SYNs checked against tshark's \
         frames ({edge} not matched to a capture frame)",
        packets.len(),
        c("retransmissions"),
        c("held"),
        c("released"),
        c("expired"),
        c("flushed"),
        c("held"),
        100.0 * unanswered as f64 / c("held").max(1) as f64,
        c("fail_long"),
        c("fail_full"),
        c("fail_unclean"),
        theirs.len(),
    );
    assert_eq!(c("late"), 0);
    assert_eq!(
        c("held"),
        c("released") + unanswered,
        "every held SYN given back once"
    );
    assert_eq!(edge, 0, "{name}: given-back SYNs not found in the capture");
}

#[test]
fn icmp_ttl() {
    check("icmp_ttl.pcap");
}

#[test]
fn real_pcap() {
    check("real.pcap");
}

#[test]
fn tcp_fast_open() {
    check("tfo_data_on_syn.pcap");
}

#[test]
fn small_captures() {
    for name in [
        "http.pcap",
        "tcp_ipv4_rst.pcap",
        "basic_ipv6_tcp.pcap",
        "mss_ipv4.pcap",
    ] {
        check(name);
    }
}
