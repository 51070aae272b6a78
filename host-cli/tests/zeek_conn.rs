//! SYN offload seen from the monitor, against Zeek (an outside oracle): every Zeek test trace goes
//! through `vantage model --conn-timeout 300s` (Zeek's tcp_inactivity_timeout, so retransmissions
//! gather as in Zeek), and `vantage decode --zeek-conn` prints a conn.log line for each attempt
//! the stage gave back unanswered. Each line must equal Zeek's own row for that connection
//! (../shared/testdata/zeek/conn-baseline.tsv: S0, history S, packets and IP bytes), and every
//! Zeek S0 row with history S must have its line. Prints the table.

use std::collections::BTreeMap;

mod common;
use common::{ok, vantage};

/// (orig_h, orig_p, resp_h, resp_p)
type Id = (String, String, String, String);

/// The columns compared: conn_state, history, orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes.
type Cols = [String; 6];

#[test]
fn unanswered_attempts_equal_zeeks_rows() {
    let Some((zeek, baseline)) = vantage_testkit::shared_zeek().and_then(|zeek| {
        let baseline = std::fs::read_to_string(zeek.join("conn-baseline.tsv")).ok()?;
        Some((zeek, baseline))
    }) else {
        eprintln!("skipped: ../shared/testdata/zeek not found");
        return;
    };
    let header: Vec<&str> = baseline
        .lines()
        .next()
        .expect("a header")
        .split('\t')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("a baseline column")
    };
    let compared = [
        "conn_state",
        "history",
        "orig_pkts",
        "orig_ip_bytes",
        "resp_pkts",
        "resp_ip_bytes",
    ];
    // trace -> id -> Zeek's rows (a trace may hold one 4-tuple several times).
    let mut rows: BTreeMap<String, BTreeMap<Id, Vec<Cols>>> = BTreeMap::new();
    for line in baseline.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[col("proto")] != "tcp" {
            continue;
        }
        let id =
            ["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"].map(|c| f[col(c)].to_string());
        rows.entry(f[col("trace")].to_string())
            .or_default()
            .entry((id[0].clone(), id[1].clone(), id[2].clone(), id[3].clone()))
            .or_default()
            .push(compared.map(|c| f[col(c)].to_string()));
    }
    let dir = std::env::temp_dir().join(format!("vantage-zeek-conn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (mut equal, mut different, mut unmatched, mut zeek_s0, mut missing) =
        (0, vec![], vec![], 0, vec![]);
    for (trace, ids) in &rows {
        let input = zeek.join("traces").join(trace);
        let out = dir.join("out.pcap");
        let run = vantage(&[
            "model",
            input.to_str().expect("utf-8"),
            "--pacing",
            "capture-time",
            "--conn-timeout",
            "300s",
            "-o",
            out.to_str().expect("utf-8"),
        ]);
        if !run.status.success() {
            unmatched.push(format!(
                "{trace}: not read ({})",
                String::from_utf8_lossy(&run.stderr).trim()
            ));
            continue;
        }
        let text = ok(&vantage(&[
            "decode",
            "--zeek-conn",
            out.to_str().expect("utf-8"),
        ]));
        let mut ours: BTreeMap<Id, Vec<Cols>> = BTreeMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split('\t').collect();
            let id = (
                f[1].to_string(),
                f[2].to_string(),
                f[3].to_string(),
                f[4].to_string(),
            );
            // conn_state, history, orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes
            let cols = [10, 12, 13, 14, 15, 16].map(|i| f[i].to_string());
            ours.entry(id).or_default().push(cols);
        }
        for (id, lines) in &ours {
            for cols in lines {
                match ids.get(id) {
                    Some(z) if z.contains(cols) => equal += 1,
                    Some(z) => different.push(format!("{trace} {id:?}: ours {cols:?}, Zeek {z:?}")),
                    None => unmatched.push(format!("{trace} {id:?}: ours {cols:?}, no Zeek row")),
                }
            }
        }
        for (id, z) in ids {
            for cols in z.iter().filter(|c| c[0] == "S0" && c[1] == "S") {
                zeek_s0 += 1;
                if !ours.get(id).is_some_and(|o| o.contains(cols)) {
                    missing.push(format!("{trace} {id:?}: Zeek {cols:?}"));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "--zeek-conn against Zeek's conn.log over {} traces: {} lines equal a Zeek row, {} differ, \
         {} without a Zeek row; Zeek's S0 rows with history S: {zeek_s0}, {} of them without a line",
        rows.len(),
        equal,
        different.len(),
        unmatched.len(),
        missing.len()
    );
    for d in different.iter().chain(&unmatched).chain(&missing) {
        println!("  {d}");
    }
    assert!(different.is_empty() && unmatched.is_empty() && missing.is_empty());
    assert!(equal > 0, "no attempt compared");
}
