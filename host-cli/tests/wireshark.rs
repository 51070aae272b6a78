//! tshark as an outside oracle for tagged output: with tools/wireshark/vantage.lua it must read
//! the same header fields `vantage decode` reads, and behind the header it must dissect the same
//! inner packet (addresses, ports, lengths) it dissects in the untagged input.

use std::ffi::OsString;
use std::path::Path;

use vantage_testkit::tshark;
use vantage_testkit::workspace_root;

mod common;
use common::{ok, vantage};

/// `vantage model` with `options` from `input` into `out`.
fn model(input: &Path, out: &Path, options: &[&str]) {
    let (input, out) = (input.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
    ok(&vantage(&[&["model", input, "-o", out], options].concat()));
}

/// `vantage decode --json` of a capture: one object per frame.
fn decoded(capture: &Path) -> Vec<serde_json::Value> {
    ok(&vantage(&[
        "decode",
        "--json",
        capture.to_str().expect("utf-8"),
    ]))
    .lines()
    .map(|l| serde_json::from_str(l).expect("json line"))
    .collect()
}

/// tshark's `fields` (one line per frame, tab-separated) in `capture`, with Vantage's dissector
/// when `lua`; None when tshark is not installed (a failed run fails the test).
fn tshark_fields(capture: &Path, lua: bool, fields: &[&str]) -> Option<Vec<String>> {
    let mut args: Vec<OsString> = Vec::new();
    if lua {
        args.extend(tshark::vantage_lua_args());
    }
    args.extend(["-r".into(), capture.into()]);
    args.extend(["-T", "fields", "-E", "separator=/t"].map(OsString::from));
    for f in fields {
        args.extend(["-e", *f].map(OsString::from));
    }
    tshark::output(&args).map(|out| out.lines().map(str::to_string).collect())
}

const INNER: [&str; 7] = [
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "tcp.srcport",
    "udp.dstport",
    "ip.len",
];

fn check(input: &Path) {
    let Some(inner_in) = tshark_fields(input, false, &INNER) else {
        eprintln!("skipped: {}", tshark::NOT_INSTALLED);
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.pcap");
    model(input, &out, &[]);
    let inner_out = tshark_fields(&out, true, &INNER).expect("tshark");
    // Wireshark dissects Cisco FabricPath only from the frame start: its dissector needs the outer
    // MAC addresses next to the FabricPath header, which the Vantage header separates. Those
    // frames are left out here (they are checked by strip and against the model elsewhere).
    let packets = vantage_capture::read(input).expect("input capture");
    let fabric_path: Vec<bool> = packets
        .iter()
        .map(|p| p.data.get(12..14) == Some(&[0x89, 0x03][..]))
        .collect();
    let keep = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .zip(&fabric_path)
            .filter(|(_, fp)| !**fp)
            .map(|(r, _)| r.clone())
            .collect()
    };
    assert_eq!(inner_in.len(), fabric_path.len());
    assert_eq!(
        keep(&inner_in),
        keep(&inner_out),
        "tshark sees a different inner packet behind the header"
    );
    let skipped = fabric_path.iter().filter(|fp| **fp).count();

    let header = tshark_fields(
        &out,
        true,
        &[
            "vantage.timestamp",
            "vantage.flow.hash",
            "vantage.flow.flags",
            "vantage.flow.l3_offset",
            "vantage.flow.proto",
        ],
    )
    .expect("tshark");
    let ours: Vec<String> = decoded(&out)
        .iter()
        .map(|v| {
            if v["status"] != "tagged" {
                return "\t\t\t\t".to_string();
            }
            format!(
                "{}\t0x{}\t0x{:04x}\t{}\t{}",
                v["timestamp_ns"],
                v["flow_hash"].as_str().unwrap_or_default(),
                v["flags_raw"].as_u64().unwrap_or_default(),
                v["l3_offset"],
                v["ip_proto"]
            )
        })
        .collect();
    assert_eq!(header.len(), ours.len());
    let mut tagged = 0;
    for (i, (t, o)) in header.iter().zip(&ours).enumerate() {
        assert_eq!(t, o, "frame {}: tshark and vantage decode disagree", i + 1);
        tagged += usize::from(!t.trim().is_empty());
    }
    assert!(tagged > 0, "no tagged frame was compared");
    println!(
        "{}: {} frames, {tagged} tagged, tshark agrees (inner packet compared on all but {skipped} FabricPath frames)",
        input.display(),
        header.len()
    );
}

#[test]
fn tshark_reads_what_we_write_testbench() {
    check(&workspace_root().join("testbench-pcaps/model-cases.pcap"));
}

#[test]
fn tshark_reads_what_we_write_real_captures() {
    let Some(real) = vantage_testkit::shared_real() else {
        eprintln!("skipped: ../shared/testdata not found");
        return;
    };
    for name in [
        "http.pcap",
        "basic_ipv6_tcp.pcap",
        "telnet-raw.pcap",
        "tfo_data_on_syn.pcap",
    ] {
        check(&real.join(name));
    }
}

/// SYN offload: tshark with the dissector reads the SYN tag of every SYN given back (released,
/// expired) as `vantage decode` does.
#[test]
fn tshark_reads_syn_tags() {
    let Some(input) = vantage_testkit::shared_real()
        .map(|real| real.join("icmp_ttl.pcap"))
        .filter(|input| input.is_file())
    else {
        eprintln!("skipped: ../shared/testdata not found");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.pcap");
    model(
        &input,
        &out,
        &["--pacing", "capture-time", "--conn-timeout", "5s"],
    );
    let fields = [
        "vantage.syn.why",
        "vantage.syn.retransmissions",
        "vantage.syn.span_ns",
    ];
    let Some(theirs) = tshark_fields(&out, true, &fields) else {
        eprintln!("skipped: {}", tshark::NOT_INSTALLED);
        return;
    };
    let why = |w: &str| {
        ["released", "expired", "flushed", "late"]
            .iter()
            .position(|n| *n == w)
    };
    let ours: Vec<String> = decoded(&out)
        .iter()
        .map(|v| {
            let s = &v["syn"];
            match s["why"].as_str().and_then(why) {
                Some(w) => format!("{}\t{}\t{}", w + 1, s["retransmissions"], s["span_ns"]),
                None => "\t\t".to_string(),
            }
        })
        .collect();
    assert_eq!(
        theirs, ours,
        "tshark and vantage decode disagree on SYN tags"
    );
    let given = ours.iter().filter(|o| !o.trim().is_empty()).count();
    let regenerated = ours.iter().filter(|o| o.starts_with('2')).count();
    assert!(
        given > 0 && regenerated > 0,
        "{given} SYN tags, {regenerated} regenerated"
    );
    println!("icmp_ttl.pcap: {given} SYN tags ({regenerated} regenerated), tshark agrees");
}

/// Reassembly: tshark with the dissector reads every REASM tag and every flow-end record as
/// `vantage decode` does, on a capture that makes the stage use each status, a gap, an
/// inconsistent overlap, a fallback and IPv6 (`testkit::reasm::every_status`), and on the demo.
#[test]
fn tshark_reads_reasm_tags_and_flow_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let generated = dir.path().join("every-status.pcap");
    let packets: Vec<vantage_capture::Packet> = vantage_testkit::reasm::every_status()
        .into_iter()
        .map(|(ts_ns, data)| vantage_capture::Packet { ts_ns, data })
        .collect();
    vantage_capture::write(&generated, &packets).expect("write the capture");
    let demo = workspace_root().join("testbench-pcaps/science-dmz.pcap.gz");
    for (input, every) in [(generated, true), (demo, false)] {
        let out = dir.path().join("out.pcap");
        model(&input, &out, &["--reasm"]);
        let tag_fields = [
            "vantage.reasm.flow_id",
            "vantage.reasm.direction",
            "vantage.reasm.offset",
            "vantage.reasm.skip",
            "vantage.reasm.gap",
            "vantage.reasm.status",
            "vantage.reasm.inconsistent",
            "vantage.reasm.fallback",
        ];
        let Some(tags) = tshark_fields(&out, true, &tag_fields) else {
            eprintln!("skipped: {}", tshark::NOT_INSTALLED);
            return;
        };
        // tshark prints a bool as 1/0 or, in older versions, True/False.
        let tags: Vec<String> = tags
            .iter()
            .map(|l| {
                l.split('\t')
                    .map(|c| match c {
                        "True" => "1",
                        "False" => "0",
                        c => c,
                    })
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect();
        let mut dir_fields = Vec::new();
        for d in ["orig", "resp"] {
            for k in [
                "delivered",
                "missed",
                "gaps",
                "retransmissions",
                "inconsistent",
                "frames",
            ] {
                dir_fields.push(format!("vantage.flow_end.{d}.{k}"));
            }
        }
        let mut end_fields: Vec<String> = [
            "vantage.flow_end.flow_id",
            "vantage.flow_end.end",
            "vantage.flow_end.fallback",
            "vantage.flow_end.orig_h",
            "vantage.flow_end.orig_h6",
            "vantage.flow_end.orig_port",
            "vantage.flow_end.resp_h",
            "vantage.flow_end.resp_h6",
            "vantage.flow_end.resp_port",
            "vantage.flow_end.first_ns",
            "vantage.flow_end.last_ns",
        ]
        .map(String::from)
        .to_vec();
        end_fields.extend(dir_fields);
        let end_refs: Vec<&str> = end_fields.iter().map(String::as_str).collect();
        let ends = tshark_fields(&out, true, &end_refs).expect("tshark");

        // The same rows from `vantage decode --json`, numbers by proto's codes.
        let code = |names: &[&str], v: &serde_json::Value| -> String {
            let name = v.as_str().unwrap_or("");
            names
                .iter()
                .position(|n| *n == name)
                .map_or_else(|| format!("unknown {name}"), |i| (i + 1).to_string())
        };
        let statuses = [
            "in-order",
            "released",
            "retransmission",
            "control",
            "fallback",
        ];
        let fallbacks = ["table-full", "second-hole", "buffer-exhausted"];
        let ends_by = ["closed", "idle", "reused", "flushed"];
        let rows = decoded(&out);
        let mut our_tags = Vec::new();
        let mut our_ends = Vec::new();
        for v in &rows {
            let r = &v["reasm"];
            our_tags.push(if r.is_object() {
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r["flow_id"],
                    u8::from(r["direction"] == "resp"),
                    r["offset"],
                    r["skip"],
                    r["gap"],
                    code(&statuses, &r["status"]),
                    u8::from(r["inconsistent"] == true),
                    if r["fallback"].is_null() {
                        "0".to_string()
                    } else {
                        code(&fallbacks, &r["fallback"])
                    }
                )
            } else {
                "\t".repeat(tag_fields.len() - 1)
            });
            let e = &v["flow_end"];
            our_ends.push(if e.is_object() {
                let v6 = e["orig_h"].as_str().unwrap_or("").contains(':');
                let host = |h: &serde_json::Value| h.as_str().unwrap_or("").to_string();
                let (o4, o6) = if v6 {
                    (String::new(), host(&e["orig_h"]))
                } else {
                    (host(&e["orig_h"]), String::new())
                };
                let (r4, r6) = if v6 {
                    (String::new(), host(&e["resp_h"]))
                } else {
                    (host(&e["resp_h"]), String::new())
                };
                let mut cols = vec![
                    e["flow_id"].to_string(),
                    code(&ends_by, &e["end"]),
                    if e["fallback"].is_null() {
                        "0".to_string()
                    } else {
                        code(&fallbacks, &e["fallback"])
                    },
                    o4,
                    o6,
                    e["orig_p"].to_string(),
                    r4,
                    r6,
                    e["resp_p"].to_string(),
                    e["first_ns"].to_string(),
                    e["last_ns"].to_string(),
                ];
                for d in ["orig", "resp"] {
                    for k in [
                        "delivered",
                        "missed",
                        "gaps",
                        "retransmissions",
                        "inconsistent",
                        "frames",
                    ] {
                        cols.push(e[d][k].to_string());
                    }
                }
                cols.join("\t")
            } else {
                "\t".repeat(end_fields.len() - 1)
            });
        }
        assert_eq!(tags.len(), rows.len());
        assert_eq!(ends.len(), rows.len());
        for (i, (t, o)) in tags.iter().zip(&our_tags).enumerate() {
            assert_eq!(
                t,
                o,
                "{}, frame {}: REASM tag read differently",
                input.display(),
                i + 1
            );
        }
        for (i, (t, o)) in ends.iter().zip(&our_ends).enumerate() {
            assert_eq!(
                t,
                o,
                "{}, frame {}: flow-end record read differently",
                input.display(),
                i + 1
            );
        }
        let tagged = our_tags.iter().filter(|t| !t.trim().is_empty()).count();
        let records = our_ends.iter().filter(|t| !t.trim().is_empty()).count();
        assert!(
            tagged > 0 && records > 0,
            "nothing to compare in {}",
            input.display()
        );
        if every {
            // The capture reaches what it was built for, so the comparison covers it.
            let status_of = |t: &String| t.split('\t').nth(5).unwrap_or("").to_string();
            for s in 1..=5 {
                assert!(
                    our_tags.iter().any(|t| status_of(t) == s.to_string()),
                    "no frame of status {}",
                    statuses[s - 1]
                );
            }
            assert!(
                our_tags.iter().any(|t| t.split('\t').nth(6) == Some("1")),
                "no inconsistent overlap"
            );
            assert!(
                rows.iter()
                    .any(|v| v["reasm"]["gap"].as_u64().unwrap_or(0) > 0),
                "no gap"
            );
            assert!(
                rows.iter().any(|v| v["flow_end"]["orig_h"]
                    .as_str()
                    .is_some_and(|h| h.contains(':'))),
                "no IPv6 flow-end record"
            );
        }
        println!(
            "{}: {} frames, {tagged} REASM tags and {records} flow-end records, tshark agrees",
            input.display(),
            rows.len()
        );
    }
}
