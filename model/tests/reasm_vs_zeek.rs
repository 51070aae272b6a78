//! The reasm stage's missed bytes against Zeek's: for every TCP row of
//! ../shared/testdata/zeek/conn-baseline.tsv whose connection the stage follows, the bytes its
//! flow-end record says were missed (both directions) equal Zeek's `missed_bytes`. Rows of
//! connections the stage does not follow (inside tunnels the parse stage does not open) are
//! counted apart. Skips when ../shared is absent.

use std::collections::BTreeMap;

use vantage_model::{run, Config, TimeBase};
use vantage_proto::axis::{schedule, Pacing};
use vantage_proto::flowhash::ip_from_16;
use vantage_proto::reasm::FlowEnd;

/// "address port" of a record's endpoint.
fn ep(v6: bool, e: &vantage_proto::conn::Endpoint) -> String {
    format!("{} {}", ip_from_16(v6, e.0), e.1)
}

fn flow_ends(path: &std::path::Path) -> Vec<FlowEnd> {
    let Ok(input) = vantage_capture::read_lanes(path) else {
        return Vec::new();
    };
    let t0 = input.first().map_or(0, |f| f.0);
    let mut config = Config {
        time: TimeBase::from_ns(t0),
        ..Config::default()
    };
    config.reasm.enabled = true;
    config.reasm_in_software = true;
    run(
        &config,
        &schedule(&input, Pacing::CaptureTime { gbps: 100.0 }, 0),
    )
    .flow_ends
}

#[test]
fn missed_bytes_equal_zeeks() {
    let Some(dir) = vantage_testkit::shared_zeek().filter(|d| d.join("conn-baseline.tsv").exists())
    else {
        eprintln!("skipped: ../shared/testdata/zeek/conn-baseline.tsv not found");
        return;
    };
    let text = std::fs::read_to_string(dir.join("conn-baseline.tsv")).expect("read the baseline");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().expect("a header line").split('\t').collect();
    let col = |name: &str| {
        head.iter()
            .position(|h| *h == name)
            .expect("baseline column")
    };
    let (trace, baseline, oh, op, rh, rp, proto, missed) = (
        col("trace"),
        col("baseline"),
        col("id.orig_h"),
        col("id.orig_p"),
        col("id.resp_h"),
        col("id.resp_p"),
        col("proto"),
        col("missed_bytes"),
    );
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|r| r.len() == head.len() && r[proto] == "tcp")
        .collect();
    // Several of Zeek's tests may share a trace: each baseline's rows are matched on their own.
    let mut by_trace: BTreeMap<(&str, &str), Vec<&Vec<&str>>> = BTreeMap::new();
    for r in &rows {
        by_trace.entry((r[trace], r[baseline])).or_default().push(r);
    }
    let mut runs: BTreeMap<&str, Vec<FlowEnd>> = BTreeMap::new();
    let (mut equal, mut unfollowed, mut nonzero_equal, mut nameless) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    let mut unfollowed_by: BTreeMap<&str, usize> = BTreeMap::new();
    for ((t, _), rows) in by_trace {
        let records = runs
            .entry(t)
            .or_insert_with(|| flow_ends(&dir.join("traces").join(t)));
        // Records by their endpoints, either way round; each is used once, in order.
        let mut pool: BTreeMap<(String, String), Vec<&FlowEnd>> = BTreeMap::new();
        for r in records.iter() {
            let (a, b) = (ep(r.v6, &r.originator), ep(r.v6, &r.responder));
            let key = if a <= b { (a, b) } else { (b, a) };
            pool.entry(key).or_default().push(r);
        }
        for row in rows {
            // Zeek's tests that rename the log's id fields leave the baseline's endpoint columns
            // empty: nothing to match such a row by.
            if row[oh].is_empty() || row[rh].is_empty() {
                nameless += 1;
                continue;
            }
            let (a, b) = (
                format!("{} {}", row[oh], row[op]),
                format!("{} {}", row[rh], row[rp]),
            );
            let key = if a <= b { (a, b) } else { (b, a) };
            let Some(rec) = pool
                .get_mut(&key)
                .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
            else {
                unfollowed += 1;
                *unfollowed_by.entry(t).or_insert(0) += 1;
                continue;
            };
            let ours = rec.dirs[0].missed + rec.dirs[1].missed;
            let zeek: u64 = row[missed].parse().unwrap_or(0);
            if ours == zeek {
                equal += 1;
                nonzero_equal += usize::from(zeek > 0);
            } else {
                wrong.push(format!(
                    "{t}: {} -> {}: Zeek {zeek}, ours {ours}",
                    key.0, key.1
                ));
            }
        }
    }
    eprintln!(
        "missed_bytes: {} TCP rows; {equal} equal to Zeek's ({nonzero_equal} of them with bytes missed), {} different, {unfollowed} without a session of the stage, {nameless} without endpoints in the baseline",
        rows.len(),
        wrong.len()
    );
    eprintln!("  not followed, by trace: {unfollowed_by:?}");
    for w in &wrong {
        eprintln!("  {w}");
    }
    assert!(
        wrong.is_empty(),
        "{} rows differ from Zeek's missed_bytes",
        wrong.len()
    );
    assert!(equal > 0, "no row compared");
}
