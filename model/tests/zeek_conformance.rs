//! Zeek conformance of the connection-history model (`vantage_model::stats::history`).
//!
//! The oracle is Zeek itself: `../shared/testdata/zeek/conn-baseline.tsv` holds the `conn.log`
//! rows Zeek wrote for the traces under `traces/`. Every frame of a trace goes through the
//! tracker; each baseline row is looked up by its 4-tuple (either direction) and its history,
//! orig/resp packets and orig/resp IP bytes are compared with Zeek's. Rows whose connection
//! the model's parser cannot see (tunnels Zeek decapsulates, link layers the parser does not
//! walk) are reported as not parseable, with the encapsulation found in the trace.
//!
//! Skips (passing) when `../shared` is absent.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use vantage_model::stats::conntable::ConnTable;
use vantage_model::stats::hist::HistTable;
use vantage_model::stats::history::{ConnRecord, Fed, HistoryTable, Segment, Side};
use vantage_model::stats::rules::FrameFacts;
use vantage_model::stats::stage::{StatsConfig, StatsStage};
use vantage_proto::flowhash::DEFAULT_KEY;
use vantage_proto::rules::parse_rules;
use vantage_proto::stats::{encode, DEFAULT_HASH_KEY, RULES, RULE_WORDS};

/// The number of rows whose history and four counts equal Zeek's. A regression fails here;
/// raise it when the model gets better.
const EQUAL_FLOOR: usize = 205;
/// The same for the hardware's history unit (`stats::hist`).
const HW_EQUAL_FLOOR: usize = 205;
/// The same for the stats stage with a history rule (the unit in the bounded connection table).
const STAGE_EQUAL_FLOOR: usize = 205;

/// A per-connection tracker fed every frame of a trace.
trait Tracker {
    fn push(&mut self, ts_ns: u64, frame: &[u8]) -> Fed;
    fn records(&self) -> Vec<ConnRecord>;
}

impl Tracker for HistoryTable {
    fn push(&mut self, ts_ns: u64, frame: &[u8]) -> Fed {
        HistoryTable::push(self, ts_ns, frame)
    }
    fn records(&self) -> Vec<ConnRecord> {
        self.connections().cloned().collect()
    }
}

impl Tracker for HistTable {
    fn push(&mut self, ts_ns: u64, frame: &[u8]) -> Fed {
        HistTable::push(self, ts_ns, frame)
    }
    fn records(&self) -> Vec<ConnRecord> {
        self.connections()
    }
}

/// The stats stage with one history rule: the unit in the bounded connection table, fed by the
/// rule, records at the end of the connections and the rest at a flush.
struct StageTracker {
    stage: StatsStage,
    /// Frames so far: their end cycles are far apart, as at the capture's pace.
    frames: u64,
}

impl StageTracker {
    fn new(server_ports: Option<&[u16]>) -> Self {
        let set =
            parse_rules(r#"{"epoch_ms": 1000, "rules": [{"name": "conns", "history": true}]}"#)
                .expect("history rule file");
        let mut rules = encode(&set).expect("placement").rules;
        rules.resize(RULES, [0; RULE_WORDS]);
        let mut stage = StatsStage::new(StatsConfig {
            enabled: true,
            rules,
            ..Default::default()
        });
        if let Some(ports) = server_ports {
            stage.conns = ConnTable::with_server_ports(DEFAULT_HASH_KEY, ports);
        }
        StageTracker { stage, frames: 0 }
    }
}

impl Tracker for StageTracker {
    fn push(&mut self, ts_ns: u64, frame: &[u8]) -> Fed {
        let meta = vantage_model::parse_frame(frame, &DEFAULT_KEY);
        let segment = Segment::from_frame(frame, &DEFAULT_KEY);
        let fed = if segment.is_some() {
            Fed::Conn(0)
        } else {
            Fed::Unparsed
        };
        let facts = FrameFacts {
            ts_ns,
            segment,
            end_cycle: 1000 * self.frames,
            ..FrameFacts::new(&meta)
        };
        self.frames += 1;
        self.stage.count(&facts, frame.len() as u64);
        fed
    }
    fn records(&self) -> Vec<ConnRecord> {
        let mut conns = self.stage.conns.clone();
        conns.flush();
        let side = |a: [u8; 16], p: u16| (a, p);
        conns
            .ended
            .iter()
            .map(|r| ConnRecord {
                proto: r.key.proto,
                orig: side(r.key.src, r.key.sport),
                resp: side(r.key.dst, r.key.dport),
                history: r.history_text(),
                orig_pkts: r.orig_pkts,
                orig_ip_bytes: r.orig_ip_bytes,
                resp_pkts: r.resp_pkts,
                resp_ip_bytes: r.resp_ip_bytes,
                start_ns: r.start_ns,
            })
            .collect()
    }
}

struct Row {
    trace: String,
    baseline: String,
    /// None when the Zeek test renamed the `id` fields (the row has no 4-tuple).
    tuple: Option<(Side, Side)>,
    proto: String,
    history: String,
    counts: [u64; 4],
}

fn side(addr: &str, port: &str) -> Side {
    let ip: IpAddr = addr
        .parse()
        .unwrap_or_else(|e| panic!("address {addr}: {e}"));
    let bytes = match ip {
        IpAddr::V4(v4) => {
            let mut b = [0u8; 16];
            b[12..].copy_from_slice(&v4.octets());
            b
        }
        IpAddr::V6(v6) => v6.octets(),
    };
    (
        bytes,
        port.parse().unwrap_or_else(|e| panic!("port {port}: {e}")),
    )
}

fn read_rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).expect("conn-baseline.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let c_base = col("baseline");
    let (c_trace, c_oh, c_op, c_rh, c_rp) = (
        col("trace"),
        col("id.orig_h"),
        col("id.orig_p"),
        col("id.resp_h"),
        col("id.resp_p"),
    );
    let (c_proto, c_hist) = (col("proto"), col("history"));
    let c_counts = [
        col("orig_pkts"),
        col("orig_ip_bytes"),
        col("resp_pkts"),
        col("resp_ip_bytes"),
    ];
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                trace: f[c_trace].to_string(),
                baseline: f[c_base].to_string(),
                tuple: if f[c_oh].is_empty() {
                    None
                } else {
                    Some((side(f[c_oh], f[c_op]), side(f[c_rh], f[c_rp])))
                },
                proto: f[c_proto].to_string(),
                history: if f[c_hist] == "-" {
                    String::new()
                } else {
                    f[c_hist].to_string()
                },
                counts: c_counts.map(|c| f[c].parse().unwrap_or(0)),
            }
        })
        .collect()
}

/// Encapsulations and link layers a frame carries that the model's parser does not walk.
fn encapsulation(frame: &[u8]) -> Option<&'static str> {
    let mut off = 12;
    let mut ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
    let mut tags = 0;
    while matches!(ethertype, 0x8100 | 0x88A8 | 0x9100) && tags < 4 {
        off += 4;
        tags += 1;
        ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
    }
    match ethertype {
        0x8863 => return Some("PPPoE discovery"),
        0x0800 | 0x86DD => {}
        _ => return None,
    }
    if tags > 2 {
        return Some("more than two VLAN tags");
    }
    let l3 = off + 2;
    let (proto, l4) = if ethertype == 0x0800 {
        (
            *frame.get(l3 + 9)?,
            l3 + 4 * (*frame.get(l3)? & 0x0F) as usize,
        )
    } else {
        (*frame.get(l3 + 6)?, l3 + 40)
    };
    match proto {
        47 => Some("GRE"),
        4 | 41 => Some("IP in IP"),
        17 => {
            let sport = u16::from_be_bytes([*frame.get(l4)?, *frame.get(l4 + 1)?]);
            let dport = u16::from_be_bytes([*frame.get(l4 + 2)?, *frame.get(l4 + 3)?]);
            let on = |p: u16| sport == p || dport == p;
            if on(4789) {
                Some("VXLAN")
            } else if on(6081) {
                Some("Geneve")
            } else if on(2152) || on(2123) {
                Some("GTP")
            } else if on(3544) {
                Some("Teredo")
            } else if on(5072) {
                Some("AYIYA")
            } else if on(4754) {
                Some("GRE over UDP")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Baselines that cannot be compared with a tracker that sees every frame: the Zeek run did not
/// see every frame, or did not analyse them (the reason is from the Zeek test script).
/// An optional responder port narrows an entry to one connection.
const NOT_EVERY_FRAME: &[(&str, Option<u16>, &str)] = &[
    ("core.pcap.dynamic-filter", None, "the Zeek test installs BPF filters while reading"),
    (
        "core.vntag-in-vlan",
        None,
        "the Zeek test runs bare (zeek -b, only base/protocols/conn): its conn.log has no history and no counts",
    ),
    ("core.pcap.read-trace-with-filter", None, "the Zeek test reads with the BPF filter \"port 50000\""),
    (
        "scripts.base.frameworks.netcontrol.packetfilter",
        None,
        "the Zeek test drops the originator with a NetControl packet filter",
    ),
    (
        "scripts.base.protocols.ftp.gridftp",
        Some(55968),
        "the GridFTP script calls skip_further_processing on the data channel",
    ),
];

/// Baselines Zeek ran as `zeek -b` loading no protocol script (only `base/protocols/conn`):
/// its `likely_server_ports` is then empty, which decides whether a connection that starts
/// with a SYN-ACK is flipped. Read from the Zeek test's `@TEST-EXEC` and `@load` lines.
const NO_SERVER_PORTS: &[&str] = &[
    "scripts.base.frameworks.logging.field-extension",
    "scripts.base.frameworks.logging.field-extension-complex",
    "scripts.base.frameworks.logging.field-extension-optional",
];

/// The Zeek reference (`stats::history`).
#[test]
fn conn_history_and_counts_equal_zeek() {
    conformance("reference model", EQUAL_FLOOR, |bare| {
        Box::new(if bare {
            HistoryTable::with_server_ports(DEFAULT_KEY, &[])
        } else {
            HistoryTable::new(DEFAULT_KEY)
        })
    });
}

/// The hardware's history unit as the model states it (`stats::hist`); the RTL equals it
/// frame for frame (`sim/tests/hist_rtl_vs_model.rs`).
#[test]
fn hardware_history_unit_equals_zeek() {
    conformance("hardware history unit", HW_EQUAL_FLOOR, |bare| {
        Box::new(if bare {
            HistTable::with_server_ports(DEFAULT_KEY, &[])
        } else {
            HistTable::new(DEFAULT_KEY)
        })
    });
}

/// The stats stage with a history rule: the unit in the bounded connection table, every frame
/// fed through the rule table, records as connections end and at the final flush.
#[test]
fn stats_stage_history_rule_equals_zeek() {
    conformance("stats stage, history rule", STAGE_EQUAL_FLOOR, |bare| {
        Box::new(StageTracker::new(bare.then_some(&[][..])))
    });
}

/// Run `make`'s tracker (its argument: `likely_server_ports` is empty) over every trace, print
/// the row table, and require at least `floor` equal rows.
fn conformance(label: &str, floor: usize, make: impl Fn(bool) -> Box<dyn Tracker>) {
    let Some(dir) = vantage_testkit::shared_zeek().filter(|d| d.join("conn-baseline.tsv").exists())
    else {
        eprintln!(
            "SKIP zeek_conformance: ../shared/testdata/zeek/conn-baseline.tsv not found (../shared is absent)"
        );
        return;
    };
    let rows = read_rows(&dir.join("conn-baseline.tsv"));
    // One run per trace and server-port configuration.
    let runs: BTreeSet<(String, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.trace.clone(),
                NO_SERVER_PORTS.contains(&r.baseline.as_str()),
            )
        })
        .collect();

    struct Trace {
        conns: Vec<ConnRecord>,
        encaps: BTreeSet<&'static str>,
        error: Option<String>,
    }
    let mut per_trace: BTreeMap<(String, bool), Trace> = BTreeMap::new();
    for (t, bare) in &runs {
        let path: PathBuf = dir.join("traces").join(t);
        let mut table = make(*bare);
        let mut encaps = BTreeSet::new();
        let error = match vantage_capture::read(&path) {
            Ok(packets) => {
                for p in &packets {
                    let fed = table.push(p.ts_ns, &p.data);
                    if let Some(e) = encapsulation(&p.data) {
                        encaps.insert(e);
                    } else if fed == Fed::Unparsed {
                        encaps.insert("frame the parser does not handle");
                    }
                }
                None
            }
            Err(e) => Some(e.to_string()),
        };
        per_trace.insert(
            (t.clone(), *bare),
            Trace {
                conns: table.records(),
                encaps,
                error,
            },
        );
    }

    let (mut equal, mut hist_diff, mut count_diff, mut count_diff_encap, mut unparseable) =
        (0, 0, 0, 0, 0);
    let mut report = Vec::new();
    // Records already paired, per baseline (several baselines run Zeek on the same trace).
    let mut used: BTreeSet<(String, String, usize)> = BTreeSet::new();
    for (i, row) in rows.iter().enumerate() {
        let tr = &per_trace[&(
            row.trace.clone(),
            NO_SERVER_PORTS.contains(&row.baseline.as_str()),
        )];
        let proto = match row.proto.as_str() {
            "tcp" => 6,
            "udp" => 17,
            _ => 0,
        };
        let excluded = NOT_EVERY_FRAME.iter().find(|(b, port, _)| {
            *b == row.baseline && port.is_none_or(|p| row.tuple.is_some_and(|t| t.1 .1 == p))
        });
        if let Some((_, _, why)) = excluded {
            unparseable += 1;
            report.push(format!(
                "row {i:3} {} {} {}: NOT COMPARABLE ({why})",
                row.trace, row.baseline, row.history
            ));
            continue;
        }
        let Some((orig, resp)) = row.tuple else {
            unparseable += 1;
            report.push(format!(
                "row {i:3} {} {}: NOT COMPARABLE (baseline {} renamed the id fields: no 4-tuple)",
                row.trace, row.history, row.baseline
            ));
            continue;
        };
        let tuple_matches = |c: &ConnRecord| {
            c.proto == proto
                && ((c.orig == orig && c.resp == resp) || (c.orig == resp && c.resp == orig))
        };
        let is_equal = |c: &ConnRecord| {
            c.orig == orig
                && c.history == row.history
                && [c.orig_pkts, c.orig_ip_bytes, c.resp_pkts, c.resp_ip_bytes] == row.counts
        };
        // Several rows may share a 4-tuple (reuse); they are indistinguishable by key, so an
        // exactly equal unused record is taken first, else the first unused one.
        let candidates: Vec<usize> = (0..tr.conns.len())
            .filter(|&k| {
                tuple_matches(&tr.conns[k])
                    && !used.contains(&(row.baseline.clone(), row.trace.clone(), k))
            })
            .collect();
        let pick = candidates
            .iter()
            .copied()
            .find(|&k| is_equal(&tr.conns[k]))
            .or(candidates.first().copied());
        let Some(k) = pick else {
            unparseable += 1;
            let why = match &tr.error {
                Some(e) => format!("capture not readable: {e}"),
                None if tr.encaps.is_empty() => {
                    "connection not found in the parsed frames".to_string()
                }
                None => tr.encaps.iter().copied().collect::<Vec<_>>().join(", "),
            };
            report.push(format!(
                "row {i:3} {} {} {}: NOT PARSEABLE ({why})",
                row.trace, row.baseline, row.history
            ));
            continue;
        };
        used.insert((row.baseline.clone(), row.trace.clone(), k));
        let c = &tr.conns[k];
        let counts = [c.orig_pkts, c.orig_ip_bytes, c.resp_pkts, c.resp_ip_bytes];
        let flipped = if c.orig != orig {
            " (our originator is Zeek's responder)"
        } else {
            ""
        };
        if is_equal(c) {
            equal += 1;
        } else if c.history != row.history || c.orig != orig {
            hist_diff += 1;
            report.push(format!(
                "row {i:3} {} {}: HISTORY zeek {:?} model {:?}{flipped}; counts zeek {:?} model {:?}",
                row.trace, row.baseline, row.history, c.history, row.counts, counts
            ));
        } else {
            if tr.encaps.is_empty() {
                count_diff += 1;
            } else {
                count_diff_encap += 1;
            }
            let encaps = tr.encaps.iter().copied().collect::<Vec<_>>().join(", ");
            let note = if encaps.is_empty() {
                String::new()
            } else {
                format!("; trace also has: {encaps}")
            };
            report.push(format!(
                "row {i:3} {} {}: COUNTS zeek {:?} model {:?} (history {:?} equal{note})",
                row.trace, row.baseline, row.counts, counts, row.history
            ));
        }
    }

    for line in &report {
        println!("{line}");
    }
    println!();
    println!("{label}:");
    println!("| Zeek conn-baseline rows        | {:4} |", rows.len());
    println!("|--------------------------------|------|");
    println!("| equal (history and counts)     | {equal:4} |");
    println!("| history different              | {hist_diff:4} |");
    println!("| counts different (history ok)  | {count_diff:4} |");
    println!("|   ... in traces with frames the parser does not handle | {count_diff_encap:4} |");
    println!("| not parseable / not comparable | {unparseable:4} |");

    assert!(
        equal >= floor,
        "{label}: {equal} rows equal to Zeek's, floor is {floor}"
    );
}
