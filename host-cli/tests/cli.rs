//! The `vantage` binary end to end: error paths, decode, devices from register images.

use std::path::{Path, PathBuf};
use std::process::Output;

use vantage_capture::Packet;
use vantage_proto::header::{self, TaggedHeader, DEFAULT_ETHERTYPE};
use vantage_proto::rules::FIGURE1;
use vantage_proto::{FlowInfo, ParseFlags};
use vantage_testkit::flows::ipv4_tcp_skeleton;

mod common;
use common::vantage;

/// Exit 1 with exactly one line on stderr, `error: ...` containing `needle`, no panic.
fn assert_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

/// `../shared/testdata/real`, or None after saying the test skips.
fn shared_real() -> Option<PathBuf> {
    let dir = vantage_testkit::shared_real();
    if dir.is_none() {
        println!("skipped: ../shared/testdata not found");
    }
    dir
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn missing_input() {
    assert_error(
        &vantage(&["decode", "/nonexistent/in.pcap"]),
        "capture file /nonexistent/in.pcap not found",
    );
    assert_error(
        &vantage(&["model", "/nonexistent/in.pcap", "-o", "/tmp/x.pcap"]),
        "",
    );
}

#[test]
fn not_a_capture() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.pcap");
    std::fs::write(&f, b"this is text").unwrap();
    assert_error(
        &vantage(&["decode", p(&f)]),
        "is not a pcap or pcapng file: it starts with 74686973",
    );
    std::fs::write(&f, b"").unwrap();
    assert_error(&vantage(&["decode", p(&f)]), "is empty (0 bytes)");
}

#[test]
fn damaged_capture() {
    let Some(dir) = shared_real() else { return };
    let out = vantage(&["decode", p(&dir.join("test_damaged.pcap"))]);
    assert_error(
        &out,
        "test_damaged.pcap is damaged: record 2 at byte offset 114 is truncated",
    );
    assert_error(&out, "(1 packet read before it)");
}

#[test]
fn unsupported_link_type() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wifi.pcap");
    vantage_capture::write(
        &f,
        &[Packet {
            ts_ns: 0,
            data: vec![0; 60],
        }],
    )
    .unwrap();
    let mut b = std::fs::read(&f).unwrap();
    b[20] = 105; // LINKTYPE_IEEE802_11, little-endian header
    std::fs::write(&f, b).unwrap();
    assert_error(
        &vantage(&["decode", p(&f)]),
        "link type 105 (IEEE802_11) is not supported; supported: 1 (Ethernet), 101 (raw IP)",
    );
}

/// A frame as the tag stage would emit it.
fn tagged(frame: &[u8], ts: u64, flow: FlowInfo, ethertype: u16) -> Vec<u8> {
    header::insert(frame, &TaggedHeader::for_frame(ts, flow).encode(ethertype))
}

#[test]
fn decode_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("tagged.pcap");
    let flow = FlowInfo {
        hash: 0xDEADBEEF,
        flags: ParseFlags(ParseFlags::IPV4 | ParseFlags::PORTS),
        l3_offset: 14,
        ip_proto: 6,
    };
    let original = ipv4_tcp_skeleton();
    let packets = vec![
        Packet {
            ts_ns: 10,
            data: tagged(&original, 123_456_789, flow, DEFAULT_ETHERTYPE),
        },
        Packet {
            ts_ns: 11,
            data: original.clone(),
        },
        Packet {
            ts_ns: 12,
            data: tagged(&original, 5, FlowInfo::default(), 0x88B6),
        },
    ];
    vantage_capture::write(&f, &packets).unwrap();

    let out = vantage(&["decode", p(&f)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains("timestamp_ns") && lines[0].contains("flags"),
        "{text}"
    );
    assert!(
        lines[1].contains("123456789")
            && lines[1].contains("deadbeef")
            && lines[1].contains("ipv4,ports"),
        "{text}"
    );
    assert!(lines[1].contains("0x0800"), "{text}");
    assert!(lines[2].contains("untagged"), "{text}");
    assert!(
        lines[4].contains("3 frames: 1 tagged, 2 untagged"),
        "{text}"
    );

    let out = vantage(&["decode", "--json", "--ethertype", "0x88b6", p(&f)]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    let bytes: Vec<u8> = (0..1u32 << 16)
        .step_by(4)
        .flat_map(|a| bar.peek(a).to_le_bytes())
        .collect();
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("features        parse,timestamp,tag"),
        "{text}"
    );
    for t in ["V-ID", "V-TS", "V-PR", "V-TG"] {
        assert!(text.contains(t), "{text}");
    }
    let out = vantage(&["counters", "--json", "--device", &dev]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["parse.frames"], 42);
    assert_eq!(v["tag.tagged"], 0);

    // A corrupt chain is a one-line error.
    let mut b = std::fs::read(&img).unwrap();
    b[0x308..0x30C].copy_from_slice(&0x200u32.to_le_bytes());
    std::fs::write(&img, b).unwrap();
    assert_error(
        &vantage(&["info", "--device", &dev]),
        "register block chain loops",
    );
}

#[test]
fn bad_devices() {
    assert_error(
        &vantage(&["info", "--device", "floppy"]),
        "unknown device `floppy`",
    );
    assert_error(
        &vantage(&["counters", "--device", "sysfs:/nonexistent/resource0"]),
        "cannot open /nonexistent/resource0",
    );
    assert_error(
        &vantage(&["info", "--device", "vfio:0000:ff:1f.7"]),
        "not available through VFIO",
    );
}

#[cfg(not(feature = "model"))]
#[test]
fn model_without_feature_says_how_to_get_it() {
    let Some(dir) = shared_real() else { return };
    assert_error(
        &vantage(&["model", p(&dir.join("http.pcap")), "-o", "/tmp/unused.pcap"]),
        "--features model",
    );
}

#[cfg(not(feature = "hdl"))]
#[test]
fn verilog_without_feature_says_how_to_get_it() {
    assert_error(
        &vantage(&["verilog", "-o", "/tmp/unused-verilog"]),
        "--features hdl",
    );
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
        let out = vantage(&[
            "model",
            p(&input),
            "-o",
            p(&out_pcap),
            "--pacing",
            "line-rate",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
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
        assert!(
            text.lines().all(|l| l.contains("\"status\":\"tagged\"")),
            "{name}"
        );

        let out = vantage(&["model", p(&input), "-o", p(&out_pcap), "--no-tag"]);
        assert!(out.status.success());
        let outp = vantage_capture::read(&out_pcap).unwrap();
        assert!(
            inp.iter().zip(&outp).all(|(a, b)| a.data == b.data),
            "{name}: --no-tag changes nothing"
        );
    }
}

#[test]
fn rules_check_reports_line_of_a_bad_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rules.json");
    std::fs::write(
        &f,
        "{\"epoch_ms\": 1000, \"rules\": [\n {\"name\": \"a\",\n  \"src_ip\": \"10.0.0.0/40\"}]}",
    )
    .unwrap();
    assert_error(
        &vantage(&["rules", "check", p(&f)]),
        "prefix length 40 in \"10.0.0.0/40\" is longer than 32 at line 3",
    );
    std::fs::write(&f, "{\"epoch_ms\": 1000, \"rules\": [{\"name\": \"ssh\", \"dst_port\": 22, \"src_ip\": \"group\"}]}").unwrap();
    let out = vantage(&["rules", "check", p(&f)]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 rules, epoch 1000 ms"));
}

/// Needs the simulator (the default device) and the model (the software placement).
#[cfg(all(feature = "sim", feature = "model"))]
#[test]
fn query_is_placed_in_software_and_runs_over_a_capture() {
    let capture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testbench-pcaps/model-cases.pcap"
    );
    let out = vantage(&[
        "query",
        "count packets per proto every 1h",
        "--capture",
        capture,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("placed:  hardware (device sim: rule 1 on lane 0, counting on, epochs of 3600000 ms from 7200000000000 ns"),
        "{text}"
    );
    assert!(text.contains("epoch 0:"), "{text}");
    assert_error(
        &vantage(&["query", "count packets per http_host every 1m"]),
        "unknown field \"http_host\"",
    );
}

// ---- rules load / rules show / stats peek on register images ------------------------------------
//
// A sysfs image file keeps what the commands write, so one command can read what another wrote.
// Addresses by hand from proto::regs::stats: block at 0x1000, CONTROL +0x0C, PEEK_LOC +0x50,
// PEEK_CTL +0x54, PEEK_STATUS +0x58, PEEK_DATA +0x100, rule r at +0x400 + 0x80 r.

/// The reset image of every block, changed by `edit`, as a file; returns the `--device` value.
fn image(dir: &Path, edit: impl FnOnce(&mut vantage_driver::MemBar)) -> (PathBuf, String) {
    let mut bar = vantage_driver::MemBar::like_hardware();
    edit(&mut bar);
    let bytes: Vec<u8> = (0..1u32 << 16)
        .step_by(4)
        .flat_map(|a| bar.peek(a).to_le_bytes())
        .collect();
    let f = dir.join("bar-stats.bin");
    std::fs::write(&f, bytes).unwrap();
    let dev = format!("sysfs:{}", f.display());
    (f, dev)
}

fn word_at(image: &Path, addr: usize) -> u32 {
    let b = std::fs::read(image).unwrap();
    u32::from_le_bytes([b[addr], b[addr + 1], b[addr + 2], b[addr + 3]])
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rules_load_then_show_through_a_register_image() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("figure1.json");
    std::fs::write(&rules, FIGURE1).unwrap();
    let (img, dev) = image(dir.path(), |_| {});

    let text = stdout_of(&vantage(&["rules", "load", p(&rules), "--device", &dev]));
    assert!(text.contains("2 rules loaded into device sysfs:"), "{text}");
    assert!(text.contains("lanes in use: 2 (LANE_BITS 1)"), "{text}");
    assert!(text.contains("\n 1. ssh per source  lane 0\n"), "{text}");
    assert!(
        text.contains("\n 2. SYNs from 10/8  lane 1  (first match: stops here)\n"),
        "{text}"
    );
    // The image's clock reads 0: boundaries at multiples of 60 s, the first one epoch ahead.
    assert!(
        text.contains("epochs of 60000 ms armed: the first boundary at 120000000000 ns"),
        "{text}"
    );
    assert_eq!(word_at(&img, 0x100C), 3, "counting and epochs on");
    assert_eq!(
        (word_at(&img, 0x10C4), word_at(&img, 0x10C8)),
        (0xF847_5800, 0xD),
        "EPOCH_NS = 60e9"
    );
    assert_eq!(
        (word_at(&img, 0x10CC), word_at(&img, 0x10D0)),
        (0xF08E_B000, 0x1B),
        "EPOCH_START = 120e9"
    );
    assert_eq!(
        word_at(&img, 0x1480),
        0x78C7,
        "rule 2's CONTROL: ENABLED, FIRST, lane 1, groups, needs"
    );

    let shown = stdout_of(&vantage(&["rules", "show", "--device", &dev]));
    let lines: Vec<&str> = shown.lines().collect();
    assert!(
        lines[0].ends_with(": 2 of 32 rules enabled, lanes in use 2 (LANE_BITS 1), counting on"),
        "{shown}"
    );
    assert_eq!(lines[1], " 1. rule 1  lane 0");
    assert_eq!(lines[2], "    ingress any  src group /32 (v4) /128 (v6)  dst any  sport any  dport 0x16/0xffff  proto any  flags any");
    assert_eq!(
        lines[3],
        "    threshold per group per epoch: packets 100, bytes -"
    );
    assert_eq!(lines[4], " 2. rule 2  lane 1  (first match: stops here)");
    assert_eq!(lines[5], "    ingress any  src 10.0.0.0/8  dst any  sport group 0xffff  dport group 0xffff  proto any  flags 0x2/0x12");
    assert_eq!(lines.len(), 6, "{shown}");

    // What each rule counts reads the same as `rules check` says of the file.
    let checked = stdout_of(&vantage(&["rules", "check", p(&rules)]));
    let details = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("    "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(details(&shown), details(&checked));
}

#[test]
fn rules_load_errors_are_one_line_and_leave_the_device_alone() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    let (img, dev) = image(dir.path(), |_| {});
    let before = std::fs::read(&img).unwrap();

    let five: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"name": "r{i}", "src_ip": "group"}}"#))
        .collect();
    std::fs::write(
        &rules,
        format!(r#"{{"epoch_ms": 1000, "rules": [{}]}}"#, five.join(",")),
    )
    .unwrap();
    let out = vantage(&["rules", "load", p(&rules), "--device", &dev]);
    assert_error(&out, &format!("loading {} into device {dev}: rules 1 (\"r0\"), 2 (\"r1\"), 3 (\"r2\"), 4 (\"r3\"), 5 (\"r4\") can all count one frame", p(&rules)));
    assert_error(&out, "at most 4 groups per frame");

    // A bad file: the error `rules check` gives, before the device is opened.
    std::fs::write(
        &rules,
        "{\"epoch_ms\": 1000, \"rules\": [\n {\"name\": \"a\",\n  \"src_ip\": \"10.0.0.0/40\"}]}",
    )
    .unwrap();
    assert_error(
        &vantage(&["rules", "load", p(&rules), "--device", "floppy"]),
        "prefix length 40 in \"10.0.0.0/40\" is longer than 32 at line 3",
    );
    assert_eq!(std::fs::read(&img).unwrap(), before);
}

#[test]
fn a_device_without_a_stats_stage_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("figure1.json");
    std::fs::write(&rules, FIGURE1).unwrap();
    // End the chain at the tag block (its NEXT at 0x308).
    let (_, dev) = image(dir.path(), |bar| bar.poke(0x308, 0));
    for args in [
        vec!["rules", "load", p(&rules), "--device", &dev],
        vec!["rules", "show", "--device", &dev],
        vec![
            "stats", "peek", "--bank", "0", "--bucket", "0", "--device", &dev,
        ],
    ] {
        assert_error(
            &vantage(&args),
            "this device has no stats stage: its register chain has no V-ST block",
        );
    }
}

#[test]
fn stats_peek_prints_the_valid_ways() {
    let dir = tempfile::tempdir().unwrap();
    // A static image: PEEK_STATUS already 1 and PEEK_DATA holding a row whose way 1 is rule 4's
    // (key rule index 3) group of 192.0.2.1 to port 22/TCP, 2^32 + 5 packets, 6000 bytes, crossed.
    let (img, dev) = image(dir.path(), |bar| {
        bar.poke(0x1058, 1);
        let way1 = 0x1100 + 16 * 4;
        let words = [
            (0, 5),
            (1, 1),
            (2, 6000),
            (13, 0x1800_0000),
            (10, 0x0000_C000),
            (9, 0x0201_0000),
            (4, 0x0016_0600),
            (14, 3),
        ];
        for (w, v) in words {
            bar.poke(way1 + 4 * w, v);
        }
    });
    let text = stdout_of(&vantage(&[
        "stats", "peek", "--bank", "2", "--bucket", "0x123", "--device", &dev,
    ]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "bank 2, bucket 291 (0x123): 1 of 4 ways valid");
    assert_eq!(
        lines[1],
        "way 1: rule 4  src 192.0.2.1  dst 0.0.0.0  sport 0  dport 22  proto 6  flags 0x00  ingress 0  packets 4294967301  bytes 6000  crossed yes"
    );
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        word_at(&img, 0x1050),
        2 << 16 | 0x123,
        "PEEK_LOC: bank 17:16, bucket 11:0"
    );
    assert_eq!(word_at(&img, 0x1054), 1, "the peek was asked for");

    assert_error(
        &vantage(&[
            "stats", "peek", "--bank", "4", "--bucket", "0", "--device", &dev,
        ]),
        "no stats table row at bank 4, bucket 0: banks are 0..=3, buckets 0..=4095",
    );
    let out = vantage(&[
        "stats", "peek", "--bank", "0", "--bucket", "0xzz", "--device", &dev,
    ]);
    assert_eq!(out.status.code(), Some(2), "a usage error");

    let (_, idle) = image(dir.path(), |_| {});
    assert_error(
        &vantage(&[
            "stats", "peek", "--bank", "0", "--bucket", "1", "--device", &idle,
        ]),
        "did not complete: PEEK_STATUS bit 0 still clear after 1000 reads",
    );
}

#[test]
fn conn_show_prints_what_the_device_reports() {
    use vantage_proto::regs::conn;
    let dir = tempfile::tempdir().unwrap();
    // A device of another build: 2^10 buckets of 2 ways, 96-byte frames, other limits.
    let (_, dev) = image(dir.path(), |bar| {
        let at = |off: u16| u32::from(conn::BASE + off);
        bar.poke(at(conn::GEOMETRY), 10 | 2 << 8 | 96 << 16);
        bar.poke(at(conn::LIMITS), 100 | 8 << 16);
        bar.poke(at(conn::HELD), 512);
    });
    let text = stdout_of(&vantage(&["conn", "show", "--device", &dev]));
    assert!(
        text.contains("held: 512 of 2048 records (25.00 %)"),
        "{text}"
    );
    assert!(
        text.contains("frames up to 96 bytes held, release backlog 100 beats, regen queue 8"),
        "{text}"
    );
}

#[test]
fn reasm_show_prints_what_the_device_reports() {
    use vantage_proto::regs::reasm;
    let dir = tempfile::tempdir().unwrap();
    // The stage on and holding beats, a table of 2^12 buckets, 4 KiB above a hole, 7 frames.
    let (_, dev) = image(dir.path(), |bar| {
        let at = |off: u16| u32::from(reasm::BASE + off);
        bar.poke(at(reasm::CONTROL), reasm::CONTROL_ENABLE);
        bar.poke(at(reasm::STATUS), reasm::STATUS_ON | reasm::STATUS_CLOCK);
        bar.poke(at(reasm::BUCKET_BITS), 12);
        bar.poke(at(reasm::MAX_ABOVE_HOLE), 4096);
        bar.poke(at(reasm::FRAMES), 7);
    });
    let text = stdout_of(&vantage(&["reasm", "show", "--device", &dev]));
    for line in [
        "following TCP segments: on",
        "status: on (frames go through the stage), holding beats, clock running",
        "session table: 2^12 buckets per choice (at most 2^18), 4 ways each",
        "above a hole: 4096 bytes per direction",
        "every beat waits 500 cycles",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["reasm.frames", "7"]),
        "{text}"
    );
    // As the hardware comes out of reset: off, bypassed, empty, the clock stopped.
    let (_, idle) = image(dir.path(), |_| {});
    let text = stdout_of(&vantage(&["reasm", "show", "--device", &idle]));
    assert!(
        text.contains("following TCP segments: off")
            && text.contains("bypassed, empty, clock stopped"),
        "{text}"
    );
}
