//! `vantage decode` on STATS-tagged frames and report frames, end to end: the table (with and
//! without --records), JSON lines, a damaged report frame, and (when tshark is installed)
//! tools/wireshark/vantage.lua reading the same REPORT and record fields.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use vantage_capture::Packet;
use vantage_proto::header::{insert, TaggedHeader, DEFAULT_ETHERTYPE};
use vantage_proto::report::{Record, ReportFrame, ReportInfo};
use vantage_proto::stats::GroupKey;
use vantage_proto::{FlowInfo, ParseFlags};
use vantage_testkit::flows::ipv4_tcp_skeleton;
use vantage_testkit::tshark;

mod common;
use common::{ok, vantage};

fn v4(a: [u8; 4]) -> [u8; 16] {
    let mut x = [0u8; 16];
    x[12..].copy_from_slice(&a);
    x
}

/// Epoch 3's report frame 0 (not the last): an IPv4 group of table rule 4 and one of rule 1.
fn report() -> ReportFrame {
    let info = ReportInfo {
        epoch: 3,
        records: 2,
        index: 0,
        last: false,
        epoch_end_ns: 4_000_000,
        epoch_ns: 1_000_000,
        epoch_records: 2,
        refused: 9,
        connections: false,
    };
    let a = Record {
        key: GroupKey {
            rule: 4,
            src: v4([10, 1, 2, 3]),
            dst: v4([10, 9, 9, 9]),
            proto: 17,
            dport: 53,
            ..Default::default()
        },
        packets: 100,
        bytes: 12_800,
        crossed: true,
    };
    let b = Record {
        key: GroupKey {
            rule: 1,
            dport: 443,
            proto: 6,
            ..Default::default()
        },
        packets: 2,
        bytes: 120,
        crossed: false,
    };
    ReportFrame {
        info,
        records: vec![a, b],
        connections: vec![],
    }
}

/// Frames: a STATS-tagged frame, a report, an empty last report, a report cut inside its records.
fn capture(dir: &Path) -> PathBuf {
    let flow = FlowInfo {
        hash: 0xCAFE_F00D,
        flags: ParseFlags(ParseFlags::IPV4 | ParseFlags::PORTS),
        l3_offset: 14,
        ip_proto: 6,
    };
    // Table rules 0 and 3 crossed, rule 31 could not count: rules 1, 4 and 32 to the user.
    let stats = insert(
        &ipv4_tcp_skeleton(),
        &TaggedHeader::for_frame_with_stats(77, flow, 0b1001, 1 << 31).encode(DEFAULT_ETHERTYPE),
    );
    let empty = ReportFrame {
        info: ReportInfo {
            epoch: 3,
            index: 1,
            last: true,
            epoch_records: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let full = report().encode(DEFAULT_ETHERTYPE);
    let frames = [
        stats,
        full.clone(),
        empty.encode(DEFAULT_ETHERTYPE),
        full[..150].to_vec(),
    ];
    let packets: Vec<Packet> = frames
        .into_iter()
        .enumerate()
        .map(|(i, data)| Packet {
            ts_ns: i as u64,
            data,
        })
        .collect();
    let f = dir.join("reports.pcap");
    vantage_capture::write(&f, &packets).expect("write capture");
    f
}

#[test]
fn decode_table_shows_stats_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = capture(dir.path());
    let path = f.to_str().expect("utf-8 path");

    let text = ok(&vantage(&["decode", path]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(
        lines[1].ends_with("0x0800  crossed 1,4  uncounted 32"),
        "{text}"
    );
    assert_eq!(
        lines[2],
        "      2   192 report  epoch 3  index 0  records 2  epoch_records 2  epoch_end_ns 4000000  epoch_ns 1000000  refused 9"
    );
    assert_eq!(lines[3], "      3    64 report  epoch 3  index 1 (last)  records 0  epoch_records 2  epoch_end_ns 0  epoch_ns 0  refused 0");
    assert!(
        lines[4].starts_with(
            "      4   150 bad report: report frame of 150 bytes is too short for its 2 records"
        ),
        "{text}"
    );
    assert_eq!(lines[5], "4 frames: 1 tagged, 0 untagged, 0 with a bad header; 2 report frames (2 records), 1 damaged");

    let text = ok(&vantage(&["decode", "--records", path]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    assert_eq!(
        lines[3],
        "              record 1: rule 5  src 10.1.2.3  dst 10.9.9.9  dport 53  proto 17  packets 100  bytes 12800  crossed yes"
    );
    assert_eq!(
        lines[4],
        "              record 2: rule 2  dport 443  proto 6  packets 2  bytes 120  crossed no"
    );
    assert!(
        lines[5].contains(" report  epoch 3  index 1 (last)"),
        "{text}"
    );
}

#[test]
fn decode_json_shows_stats_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = capture(dir.path());
    let text = ok(&vantage(&[
        "decode",
        "--json",
        f.to_str().expect("utf-8 path"),
    ]));
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.len(), 4);

    assert_eq!(rows[0]["status"], "tagged");
    assert_eq!(rows[0]["stats_crossed"], serde_json::json!([1, 4]));
    assert_eq!(rows[0]["stats_uncounted"], serde_json::json!([32]));
    assert_eq!(rows[0]["header_len"], 36);

    assert_eq!(rows[1]["status"], "report");
    assert_eq!(rows[1]["header_len"], 48);
    assert_eq!(rows[1]["ethertype"], "0x88b6");
    assert_eq!(
        rows[1]["report"],
        serde_json::json!({"epoch": 3, "index": 0, "last": false, "records": 2, "epoch_end_ns": 4_000_000,
                           "epoch_ns": 1_000_000, "epoch_records": 2, "refused": 9, "connections": false})
    );
    assert_eq!(
        rows[1]["records"][0],
        serde_json::json!({"rule": 5, "v6": false, "ingress": 0, "src": "10.1.2.3", "dst": "10.9.9.9", "sport": 0,
                           "dport": 53, "proto": 17, "tcp_flags": 0, "packets": 100, "bytes": 12800, "crossed": true})
    );
    assert_eq!(rows[1]["records"][1]["src"], "0.0.0.0");
    assert!(rows[1].get("stats_crossed").is_none() && rows[1].get("timestamp_ns").is_none());

    assert_eq!(rows[2]["status"], "report");
    assert_eq!(rows[2]["records"], serde_json::json!([]));

    assert_eq!(rows[3]["status"], "bad-report");
    assert_eq!(
        rows[3]["error"],
        "report frame of 150 bytes is too short for its 2 records"
    );
    assert_eq!(rows[3]["report"]["epoch"], 3);
    assert!(rows[3].get("records").is_none());
}

/// tshark with the Lua dissector reads the REPORT tag, the records and the STATS masks as
/// `vantage decode` does (its rule index is decode's rule number - 1).
#[test]
fn tshark_reads_reports_as_decode_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = capture(dir.path());
    let fields = [
        "vantage.stats.crossed",
        "vantage.stats.uncounted",
        "vantage.report.epoch",
        "vantage.report.index",
        "vantage.report.records",
        "vantage.report.epoch_records",
        "vantage.report.refused",
        "vantage.report.epoch_end_ns",
        "vantage.record.rule",
        "vantage.record.packets",
        "vantage.record.bytes",
        "vantage.record.dport",
        "vantage.record.src",
    ];
    let mut args: Vec<OsString> = tshark::vantage_lua_args().into();
    args.extend(["-r".into(), f.clone().into()]);
    args.extend(["-T", "fields", "-E", "separator=/t"].map(OsString::from));
    for field in fields {
        args.extend(["-e", field].map(OsString::from));
    }
    let Some(out) = tshark::output(&args) else {
        eprintln!("skipped: {}", tshark::NOT_INSTALLED);
        return;
    };
    let theirs: Vec<String> = out.lines().map(str::to_string).collect();

    let text = ok(&vantage(&[
        "decode",
        "--json",
        f.to_str().expect("utf-8 path"),
    ]));
    let mask = |rules: &serde_json::Value| -> String {
        match rules.as_array() {
            Some(a) => format!(
                "0x{:08x}",
                a.iter()
                    .filter_map(|r| r.as_u64())
                    .fold(0u32, |m, r| m | 1 << (r - 1))
            ),
            None => String::new(),
        }
    };
    let ours: Vec<(String, String)> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let r = &v["report"];
            let n = |x: &serde_json::Value| x.as_u64().map(|n| n.to_string()).unwrap_or_default();
            let recs: Vec<serde_json::Value> = v["records"].as_array().cloned().unwrap_or_default();
            let join = |f: &dyn Fn(&serde_json::Value) -> String| {
                recs.iter().map(f).collect::<Vec<_>>().join(",")
            };
            let line = [
                mask(&v["stats_crossed"]),
                mask(&v["stats_uncounted"]),
                n(&r["epoch"]),
                n(&r["index"]),
                n(&r["records"]),
                n(&r["epoch_records"]),
                n(&r["refused"]),
                n(&r["epoch_end_ns"]),
                join(&|x| (x["rule"].as_u64().unwrap_or_default() - 1).to_string()),
                join(&|x| n(&x["packets"])),
                join(&|x| n(&x["bytes"])),
                join(&|x| n(&x["dport"])),
                join(&|x| x["src"].as_str().unwrap_or_default().to_string()),
            ]
            .join("\t");
            (v["status"].as_str().unwrap_or_default().to_string(), line)
        })
        .collect();
    assert_eq!(theirs.len(), ours.len());
    for (i, (t, (status, o))) in theirs.iter().zip(&ours).enumerate() {
        if status == "bad-report" {
            // The dissector shows the records a cut frame still holds; decode shows none. Compare
            // the STATS and REPORT fields only.
            let head = |s: &str| s.split('\t').take(8).collect::<Vec<_>>().join("\t");
            assert_eq!(
                head(t),
                head(o),
                "frame {}: tshark and vantage decode disagree",
                i + 1
            );
        } else {
            assert_eq!(t, o, "frame {}: tshark and vantage decode disagree", i + 1);
        }
    }
    assert!(
        ours.iter().any(|(s, _)| s == "report"),
        "no report frame was compared"
    );
}
