//! `vantage decode --summary`: what the monitor behind the NIC receives, for its operator.
//!
//! From the output capture alone (the tags and the report frames): the data frames and how many
//! carry the tagged header; the SYNs the conn stage gave back on their own (each an attempt the
//! monitor logs without tracking, `vantage decode --zeek-conn`); the threshold crossings by rule
//! (the STATS tags) with the first frame that crossed; the history rule's connection records
//! with their Zeek history, the busiest first; the epoch reports.

use std::collections::BTreeMap;
use std::path::Path;

use crate::decode::{decode_frame, ConnRow, Row};

/// Connection records shown (the busiest by packets).
const SHOWN_CONNECTIONS: usize = 6;

/// The endpoints of a tagged TCP or UDP frame, as "a:port -> b:port", where its FLOW tag puts
/// the IP header (the conn.log reader's parse).
fn endpoints(frame: &[u8], ethertype: u16) -> Option<String> {
    let (h, orig) = vantage_proto::header::strip(frame, ethertype).ok()?;
    let ((src, sp), (dst, dp), _) = crate::zeekconn::endpoints(&h, &orig)?;
    let addr = |a: std::net::IpAddr| match a {
        std::net::IpAddr::V6(v) => format!("[{v}]"),
        v4 => v4.to_string(),
    };
    Some(format!("{}:{sp} -> {}:{dp}", addr(src), addr(dst)))
}

/// Print the summary of the capture at `path`; `names` are the rules' names by table index
/// (from the rule file), if known.
pub fn run(path: &Path, ethertype: u16, names: &[String]) -> anyhow::Result<()> {
    let packets = vantage_capture::read(path)?;
    let name = |r: u32| -> String {
        names
            .get(r as usize - 1)
            .map_or_else(|| format!("rule {r}"), |n| format!("rule {r} \"{n}\""))
    };
    let (mut data, mut tagged, mut reports, mut bad) = (0usize, 0usize, 0usize, 0usize);
    let mut given: BTreeMap<String, usize> = BTreeMap::new();
    let mut absorbed = 0u64;
    let mut crossings: BTreeMap<u32, (usize, String)> = BTreeMap::new();
    let mut uncounted = 0usize;
    let mut epochs = 0usize;
    let mut conns: Vec<ConnRow> = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        let row: Row = decode_frame(i + 1, &p.data, ethertype);
        match row.status {
            "report" => {
                reports += 1;
                if let Some(c) = row.connections {
                    conns.extend(c);
                } else if row.report.as_ref().is_some_and(|r| r.last) {
                    epochs += 1;
                }
                continue;
            }
            "bad-report" | "bad-header" => {
                bad += 1;
                continue;
            }
            "tagged" => tagged += 1,
            _ => {}
        }
        data += 1;
        if let Some(s) = &row.syn {
            absorbed += u64::from(s.retransmissions);
            if s.regenerated {
                *given.entry(s.why.clone()).or_default() += 1;
            }
        }
        for r in row.stats_crossed.iter().flatten() {
            let e = crossings.entry(*r).or_insert_with(|| {
                (
                    0,
                    endpoints(&p.data, ethertype).unwrap_or_else(|| format!("frame {}", i + 1)),
                )
            });
            e.0 += 1;
        }
        if row.stats_uncounted.as_ref().is_some_and(|u| !u.is_empty()) {
            uncounted += 1;
        }
    }
    println!("what the monitor receives ({}):", path.display());
    println!(
        "  {data} frames, {tagged} with the tagged header (timestamp, flow hash, parse flags); \
         {reports} report frames besides"
    );
    let regenerated: usize = given.values().sum();
    if regenerated > 0 || absorbed > 0 {
        let why: Vec<String> = given.iter().map(|(w, n)| format!("{n} {w}")).collect();
        println!(
            "  {regenerated} SYNs given back unanswered ({}): connection attempts the monitor logs \
             without tracking them (`vantage decode --zeek-conn` writes their conn.log lines); \
             {absorbed} retransmitted SYNs absorbed",
            why.join(", ")
        );
    }
    if crossings.is_empty() {
        println!("  no threshold crossed");
    }
    for (r, (n, first)) in &crossings {
        let groups = if *n == 1 { "group" } else { "groups" };
        println!(
            "  {}: threshold crossed by {n} {groups}; first seen on {first}",
            name(*r)
        );
    }
    if uncounted > 0 {
        println!(
            "  {uncounted} frames could not be counted by a rule (table full): counted fail-open"
        );
    }
    if epochs > 0 {
        println!("  {epochs} epoch reports");
    }
    if !conns.is_empty() {
        println!(
            "  {} connection records with Zeek's history; the busiest:",
            conns.len()
        );
        conns.sort_by_key(|c| std::cmp::Reverse(c.orig_pkts + c.resp_pkts));
        for c in conns.iter().take(SHOWN_CONNECTIONS) {
            let proto = match c.proto {
                6 => "tcp".to_string(),
                17 => "udp".to_string(),
                p => p.to_string(),
            };
            println!(
                "    {}:{} -> {}:{} {proto:<3} {:<12} {} pkts {} bytes out, {} pkts {} bytes back",
                c.orig_h,
                c.orig_p,
                c.resp_h,
                c.resp_p,
                c.history,
                c.orig_pkts,
                c.orig_ip_bytes,
                c.resp_pkts,
                c.resp_ip_bytes
            );
        }
    }
    if bad > 0 {
        println!("  {bad} frames with a damaged header or report (`vantage decode` shows them)");
    }
    Ok(())
}
