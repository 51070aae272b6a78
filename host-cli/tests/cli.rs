//! The `vantage` binary end to end: error paths, decode, devices from register images.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vantage_capture::Packet;
use vantage_proto::header::{self, TaggedHeader, DEFAULT_ETHERTYPE};
use vantage_proto::{FlowInfo, ParseFlags};

fn vantage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vantage")).args(args).env_remove("RUST_LOG").output().expect("run vantage")
}

/// Exit 1 with exactly one line on stderr, `error: ...` containing `needle`, no panic.
fn assert_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

fn shared_real() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/real");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/testdata not found");
        None
    }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn missing_input() {
    assert_error(&vantage(&["decode", "/nonexistent/in.pcap"]), "capture file /nonexistent/in.pcap not found");
    assert_error(&vantage(&["model", "/nonexistent/in.pcap", "-o", "/tmp/x.pcap"]), "");
}

#[test]
fn not_a_capture() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.pcap");
    std::fs::write(&f, b"this is text").unwrap();
    assert_error(&vantage(&["decode", p(&f)]), "is not a pcap or pcapng file: it starts with 74686973");
    std::fs::write(&f, b"").unwrap();
    assert_error(&vantage(&["decode", p(&f)]), "is empty (0 bytes)");
}

#[test]
fn damaged_capture() {
    let Some(dir) = shared_real() else { return };
    let out = vantage(&["decode", p(&dir.join("test_damaged.pcap"))]);
    assert_error(&out, "test_damaged.pcap is damaged: record 2 at byte offset 114 is truncated");
    assert_error(&out, "(1 packet read before it)");
}

#[test]
fn unsupported_link_type() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wifi.pcap");
    vantage_capture::write(&f, &[Packet { ts_ns: 0, data: vec![0; 60] }]).unwrap();
    let mut b = std::fs::read(&f).unwrap();
    b[20] = 105; // LINKTYPE_IEEE802_11, little-endian header
    std::fs::write(&f, b).unwrap();
    assert_error(&vantage(&["decode", p(&f)]), "link type 105 (IEEE802_11) is not supported; supported: 1 (Ethernet), 101 (raw IP)");
}

/// A frame as the tag stage would emit it.
fn tagged(frame: &[u8], ts: u64, flow: FlowInfo, ethertype: u16) -> Vec<u8> {
    header::insert(frame, &TaggedHeader::for_frame(ts, flow).encode(ethertype))
}

fn ipv4_frame() -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[12] = 0x08;
    f[14] = 0x45;
    f[23] = 6;
    f
}

#[test]
fn decode_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("tagged.pcap");
    let flow = FlowInfo { hash: 0xDEADBEEF, flags: ParseFlags(ParseFlags::IPV4 | ParseFlags::PORTS), l3_offset: 14, ip_proto: 6 };
    let original = ipv4_frame();
    let packets = vec![
        Packet { ts_ns: 10, data: tagged(&original, 123_456_789, flow, DEFAULT_ETHERTYPE) },
        Packet { ts_ns: 11, data: original.clone() },
        Packet { ts_ns: 12, data: tagged(&original, 5, FlowInfo::default(), 0x88B6) },
    ];
    vantage_capture::write(&f, &packets).unwrap();

    let out = vantage(&["decode", p(&f)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("timestamp_ns") && lines[0].contains("flags"), "{text}");
    assert!(lines[1].contains("123456789") && lines[1].contains("deadbeef") && lines[1].contains("ipv4,ports"), "{text}");
    assert!(lines[1].contains("0x0800"), "{text}");
    assert!(lines[2].contains("untagged"), "{text}");
    assert!(lines[4].contains("3 frames: 1 tagged, 2 untagged"), "{text}");

    let out = vantage(&["decode", "--json", "--ethertype", "0x88b6", p(&f)]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["status"], "untagged");
    assert_eq!(rows[0]["ethertype"], "0x88b5");
    assert_eq!(rows[2]["status"], "tagged");
    assert_eq!(rows[2]["timestamp_ns"], 5);
    assert_eq!(rows[2]["flags"], "-");
    assert_eq!(rows[2]["header_len"], 24);

    // What decode printed is what stripping gives back: the original frames.
    for pk in &packets {
        if let Ok((h, orig)) = header::strip(&pk.data, DEFAULT_ETHERTYPE) {
            assert_eq!(orig, original);
            assert_eq!(h.flow(), Some(flow));
        }
    }
}

#[test]
fn bad_ethertype_is_a_usage_error() {
    let out = vantage(&["decode", "--ethertype", "0xzz", "x.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an EtherType"));
}

fn register_image(dir: &Path) -> PathBuf {
    let mut bar = vantage_driver::MemBar::like_hardware();
    bar.set_counter("parse", "frames", 42);
    let bytes: Vec<u8> = (0..1u32 << 16).step_by(4).flat_map(|a| bar.peek(a).to_le_bytes()).collect();
    let f = dir.join("bar0.bin");
    std::fs::write(&f, bytes).unwrap();
    f
}

#[test]
fn info_and_counters_on_a_register_image() {
    let dir = tempfile::tempdir().unwrap();
    let img = register_image(dir.path());
    let dev = format!("sysfs:{}", img.display());
    let out = vantage(&["info", "--device", &dev]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("features        parse,timestamp,tag"), "{text}");
    for t in ["V-ID", "V-TS", "V-PR", "V-TG"] {
        assert!(text.contains(t), "{text}");
    }
    let out = vantage(&["counters", "--json", "--device", &dev]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["parse.frames"], 42);
    assert_eq!(v["tag.tagged"], 0);

    // A corrupt chain is a one-line error.
    let mut b = std::fs::read(&img).unwrap();
    b[0x308..0x30C].copy_from_slice(&0x200u32.to_le_bytes());
    std::fs::write(&img, b).unwrap();
    assert_error(&vantage(&["info", "--device", &dev]), "register block chain loops");
}

#[test]
fn bad_devices() {
    assert_error(&vantage(&["info", "--device", "floppy"]), "unknown device `floppy`");
    assert_error(&vantage(&["counters", "--device", "sysfs:/nonexistent/resource0"]), "cannot open /nonexistent/resource0");
    assert_error(&vantage(&["info", "--device", "vfio:0000:ff:1f.7"]), "not available through VFIO");
}

#[cfg(not(feature = "model"))]
#[test]
fn model_without_feature_says_how_to_get_it() {
    let Some(dir) = shared_real() else { return };
    assert_error(&vantage(&["model", p(&dir.join("http.pcap")), "-o", "/tmp/unused.pcap"]), "--features model");
}

#[cfg(not(feature = "hdl"))]
#[test]
fn verilog_without_feature_says_how_to_get_it() {
    assert_error(&vantage(&["verilog", "-o", "/tmp/unused-verilog"]), "--features hdl");
}

/// model + decode: every output frame is tagged, and stripping the headers gives the input back.
#[cfg(feature = "model")]
#[test]
fn model_then_decode_round_trip() {
    let Some(dir) = shared_real() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for name in ["http.pcap", "icmp_ttl.pcap", "anon-v6.pcap.gz"] {
        let input = dir.join(name);
        let out_pcap = tmp.path().join("out.pcap");
        let out = vantage(&["model", p(&input), "-o", p(&out_pcap), "--pacing", "line-rate"]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let inp = vantage_capture::read(&input).unwrap();
        let outp = vantage_capture::read(&out_pcap).unwrap();
        assert_eq!(inp.len(), outp.len(), "{name}");
        for (a, b) in inp.iter().zip(&outp) {
            let (_, orig) = header::strip(&b.data, DEFAULT_ETHERTYPE).expect("tagged");
            assert_eq!(orig, a.data, "{name}");
        }
        let out = vantage(&["decode", "--json", p(&out_pcap)]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), inp.len());
        assert!(text.lines().all(|l| l.contains("\"status\":\"tagged\"")), "{name}");

        let out = vantage(&["model", p(&input), "-o", p(&out_pcap), "--no-tag"]);
        assert!(out.status.success());
        let outp = vantage_capture::read(&out_pcap).unwrap();
        assert!(inp.iter().zip(&outp).all(|(a, b)| a.data == b.data), "{name}: --no-tag changes nothing");
    }
}

#[test]
fn rules_check_reports_line_of_a_bad_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rules.json");
    std::fs::write(&f, "{\"epoch_ms\": 1000, \"rules\": [\n {\"name\": \"a\",\n  \"src_ip\": \"10.0.0.0/40\"}]}").unwrap();
    assert_error(&vantage(&["rules", "check", p(&f)]), "prefix length 40 in \"10.0.0.0/40\" is longer than 32 at line 3");
    std::fs::write(&f, "{\"epoch_ms\": 1000, \"rules\": [{\"name\": \"ssh\", \"dst_port\": 22, \"src_ip\": \"group\"}]}").unwrap();
    let out = vantage(&["rules", "check", p(&f)]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 rules, epoch 1000 ms"));
}

#[test]
fn query_is_placed_in_software_and_runs_over_a_capture() {
    let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/../testbench-pcaps/model-cases.pcap");
    let out = vantage(&["query", "count packets per proto every 1h", "--capture", capture]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("placed:  software (device sim has no stats stage"), "{text}");
    assert!(text.contains("epoch 0:"), "{text}");
    assert_error(&vantage(&["query", "count packets per http_host every 1m"]), "unknown field \"http_host\"");
}
