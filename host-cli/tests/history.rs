//! The history rule end to end in software: `vantage model --rules` with a history rule writes
//! connection report frames, `vantage decode` reads them, and tshark with
//! tools/wireshark/vantage.lua reads the same fields from the same bytes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use vantage_model::stats::history::HistoryTable;
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_testkit::tshark;

mod common;
use common::{ok, vantage};

const RULES: &str = r#"{"epoch_ms": 60000, "rules": [
  {"name": "ssh per source", "dst_port": 22, "src_ip": "group"},
  {"name": "connections", "history": true}]}"#;

/// The model's output for `input` with the history rule, at capture time (Zeek's timers run on
/// the capture's clock), and its decoded connection records as JSON.
fn model_connections(input: &Path, dir: &Path) -> (PathBuf, Vec<serde_json::Value>) {
    let rules = dir.join("rules.json");
    std::fs::write(&rules, RULES).expect("write rules");
    let out = dir.join("out.pcap");
    let run = vantage(&[
        "model",
        input.to_str().expect("utf-8"),
        "--rules",
        rules.to_str().expect("utf-8"),
        "--pacing",
        "capture-time",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    ok(&run);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    let json = ok(&vantage(&[
        "decode",
        "--json",
        out.to_str().expect("utf-8"),
    ]));
    let conns: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json line"))
        .filter_map(|v| v["connections"].as_array().cloned())
        .flatten()
        .collect();
    let reported = format!("history rule: {} connections reported", conns.len());
    assert!(stderr.contains(&reported), "{reported} not in: {stderr}");
    (out, conns)
}

/// The connections `vantage model` reports for `input`, against the Zeek reference model
/// (`stats::history`, checked against Zeek's own baselines) fed the same frames at their capture
/// times: a different code path (no bounded table, no hardware unit, no record bytes).
fn equal_to_the_reference(input: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, conns) = model_connections(input, dir.path());
    let text = |c: &serde_json::Value, f: &str| c[f].as_str().unwrap_or_default().to_string();
    let num = |c: &serde_json::Value, f: &str| c[f].as_u64().unwrap_or_default();
    let mut ours: Vec<_> = conns
        .iter()
        .map(|c| {
            (
                (text(c, "orig_h"), num(c, "orig_p")),
                (text(c, "resp_h"), num(c, "resp_p")),
                text(c, "history"),
                [
                    num(c, "orig_pkts"),
                    num(c, "orig_ip_bytes"),
                    num(c, "resp_pkts"),
                    num(c, "resp_ip_bytes"),
                ],
            )
        })
        .collect();
    let mut reference = HistoryTable::new(DEFAULT_KEY);
    for p in vantage_capture::read(input).expect("capture") {
        reference.push(p.ts_ns, &p.data);
    }
    let side = |s: &([u8; 16], u16)| {
        let a = std::net::Ipv6Addr::from(s.0);
        let shown = match a.to_ipv4() {
            Some(v4) if s.0[..12] == [0; 12] => v4.to_string(),
            _ => a.to_string(),
        };
        (shown, u64::from(s.1))
    };
    let mut theirs: Vec<_> = reference
        .connections()
        .filter(|c| c.proto == 6 || c.proto == 17)
        .map(|c| {
            (
                side(&c.orig),
                side(&c.resp),
                c.history.clone(),
                [c.orig_pkts, c.orig_ip_bytes, c.resp_pkts, c.resp_ip_bytes],
            )
        })
        .collect();
    ours.sort();
    theirs.sort();
    assert!(
        !ours.is_empty(),
        "{}: no connection reported",
        input.display()
    );
    assert_eq!(ours, theirs, "{}", input.display());
}

#[test]
fn real_http_capture_equals_the_reference() {
    let Some(input) = vantage_testkit::shared_real()
        .map(|real| real.join("http.pcap"))
        .filter(|input| input.exists())
    else {
        eprintln!("SKIP: ../shared/testdata/real/http.pcap not found (../shared is absent)");
        return;
    };
    equal_to_the_reference(&input);
}

#[test]
fn testbench_capture_equals_the_reference() {
    equal_to_the_reference(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../testbench-pcaps/model-cases.pcap"),
    );
}

#[test]
fn tshark_reads_connection_records_as_decode_does() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testbench-pcaps/model-cases.pcap");
    let dir = tempfile::tempdir().expect("tempdir");
    let (out, conns) = model_connections(&input, dir.path());
    assert!(
        conns.len() >= 5,
        "the testbench capture has several connections"
    );
    let fields = [
        "vantage.conn.history",
        "vantage.conn.orig_pkts",
        "vantage.conn.resp_ip_bytes",
        "vantage.record.sport",
    ];
    let mut args: Vec<OsString> = tshark::vantage_lua_args().into();
    args.extend(["-r".into(), out.into()]);
    args.extend(
        [
            "-Y",
            "vantage.report.connections == 1",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "aggregator=,",
        ]
        .map(OsString::from),
    );
    for f in fields {
        args.extend(["-e", f].map(OsString::from));
    }
    let Some(t) = tshark::output(&args) else {
        eprintln!("skipped: {}", tshark::NOT_INSTALLED);
        return;
    };
    let column = |i: usize| -> Vec<String> {
        t.lines()
            .flat_map(|l| {
                l.split('\t')
                    .nth(i)
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let ours = |f: &str| -> Vec<String> {
        conns
            .iter()
            .map(|c| match &c[f] {
                serde_json::Value::String(s) if s.is_empty() => "-".to_string(),
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            })
            .collect()
    };
    assert_eq!(column(0), ours("history"));
    assert_eq!(column(1), ours("orig_pkts"));
    assert_eq!(column(2), ours("resp_ip_bytes"));
    assert_eq!(column(3), ours("orig_p"));
}

#[test]
fn sim_with_a_history_rule_equals_the_model() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testbench-pcaps/model-cases.pcap");
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, RULES).expect("write rules");
    let out = dir.path().join("out.pcap");
    let text = ok(&vantage(&[
        "sim",
        input.to_str().expect("utf-8"),
        "--rules",
        rules.to_str().expect("utf-8"),
        "--compare-model",
        "-o",
        out.to_str().expect("utf-8"),
    ]));
    let line = text
        .lines()
        .find(|l| l.starts_with("model: the same") && l.ends_with("connection records"))
        .unwrap_or_else(|| panic!("no connection comparison in: {text}"));
    let n: usize = line
        .split_whitespace()
        .nth(3)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(n >= 5, "{line}");
    let json = ok(&vantage(&[
        "decode",
        "--json",
        out.to_str().expect("utf-8"),
    ]));
    let decoded: usize = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json line"))
        .filter_map(|v| v["connections"].as_array().map(Vec::len))
        .sum();
    assert_eq!(decoded, n, "decode reads every record the device sent");
}
