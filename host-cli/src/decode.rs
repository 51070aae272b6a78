//! `vantage decode`: the tagged headers of a capture, as a table or JSON lines.
//!
//! Besides the per-frame header (TIMESTAMP, FLOW and, for frames the stats stage has news about,
//! STATS) it reads the stats stage's report frames (`vantage_proto::report`): the REPORT tag and
//! the 64-byte group records after it, or the 128-byte connection records of the history rule
//! (`vantage_proto::conntable`).
//!
//! Rules are shown by number as `vantage rules show` and `vantage stats peek` number them, from 1:
//! bit r of a STATS mask, and a record's rule index r, is rule r + 1.

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use vantage_proto::conntable::ConnRecord;
use vantage_proto::header::{HeaderError, Tag, TaggedHeader};
use vantage_proto::report::{Record, ReportFrame, ReportInfo};
use vantage_proto::stats::GroupKey;
use vantage_proto::FlowInfo;

/// One frame as `decode --json` prints it.
#[derive(Debug, Serialize)]
pub struct Row {
    /// 1-based frame number in the capture.
    pub frame: usize,
    /// Length of the frame as captured (header included).
    pub len: usize,
    /// "tagged", "untagged", "bad-header", "report", "bad-report" or "flow-end".
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ns: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_hash: Option<String>,
    /// Parse flags by name, comma separated ("-" when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags_raw: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l3_offset: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_proto: Option<u8>,
    /// STATS tag: the rules whose threshold this frame crossed, numbered from 1 (bit r = rule r+1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats_crossed: Option<Vec<u32>>,
    /// STATS tag: the rules that should have counted this frame but could not, numbered from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats_uncounted: Option<Vec<u32>>,
    /// EtherType after the header (tagged) or of the frame (untagged), hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethertype: Option<String>,
    /// Length of the Vantage header in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_len: Option<usize>,
    /// SYN tag: a SYN the conn stage held and gives back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syn: Option<SynRow>,
    /// The REPORT tag of a report frame (also of a damaged one whose header could be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportRow>,
    /// A report frame's records, in frame order (empty for an empty epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<RecordRow>>,
    /// A connection report frame's records, in frame order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<Vec<ConnRow>>,
    /// REASM tag: what the reasm stage did with a TCP frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasm: Option<crate::reasm::ReasmRow>,
    /// A flow-end frame's record (status "flow-end").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_end: Option<crate::reasm::FlowEndRow>,
    /// Tags this reader does not know, as "type:hexvalue".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_tags: Vec<String>,
    /// Why the header (bad-header) or the report frame (bad-report) could not be decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The SYN tag's fields (`vantage_proto::conn::SynInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynRow {
    /// "released" (just before a frame of its connection), "expired", "flushed", "late", or
    /// the number when this reader does not know it.
    pub why: String,
    /// Sent on its own, not before a frame of its connection: the monitor may log it without
    /// tracking the connection (`vantage decode --zeek-conn`).
    pub regenerated: bool,
    /// Retransmissions of the SYN the stage absorbed.
    pub retransmissions: u16,
    /// Last retransmission less the SYN, ns.
    pub span_ns: u64,
}

impl From<vantage_proto::conn::SynInfo> for SynRow {
    fn from(i: vantage_proto::conn::SynInfo) -> Self {
        SynRow {
            why: i
                .why()
                .map_or_else(|| i.why.to_string(), |w| w.name().to_string()),
            regenerated: i.why().is_some_and(vantage_proto::conn::Why::regenerated),
            retransmissions: i.retransmissions,
            span_ns: i.span_ns,
        }
    }
}

/// The REPORT tag's fields (`vantage_proto::report::ReportInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub epoch: u32,
    /// This frame's index within the epoch's report.
    pub index: u16,
    /// The last frame of the epoch's report.
    pub last: bool,
    /// Records in this frame.
    pub records: u16,
    pub epoch_end_ns: u64,
    pub epoch_ns: u64,
    /// Records of the epoch up to and including this frame.
    pub epoch_records: u32,
    /// Updates the stats stage refused in the epoch; connection records lost so far.
    pub refused: u32,
    /// The frame carries connection records (its epoch fields are 0).
    pub connections: bool,
}

impl From<ReportInfo> for ReportRow {
    fn from(i: ReportInfo) -> Self {
        ReportRow {
            epoch: i.epoch,
            index: i.index,
            last: i.last,
            records: i.records,
            epoch_end_ns: i.epoch_end_ns,
            epoch_ns: i.epoch_ns,
            epoch_records: i.epoch_records,
            refused: i.refused,
            connections: i.connections,
        }
    }
}

/// One connection record: what Zeek's conn.log says of the connection, from the hardware.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnRow {
    /// The history rule, numbered from 1.
    pub rule: u16,
    pub proto: u8,
    pub orig_h: String,
    pub orig_p: u16,
    pub resp_h: String,
    pub resp_p: u16,
    /// First frame, ns.
    pub ts_ns: u64,
    /// Last frame less first frame, ns.
    pub duration_ns: u64,
    /// Zeek's history letters, '+' at the end when more did not fit.
    pub history: String,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
}

impl ConnRow {
    pub fn of(c: &ConnRecord) -> Self {
        let k = &c.key;
        ConnRow {
            rule: u16::from(k.rule) + 1,
            proto: k.proto,
            orig_h: address(k, k.src).to_string(),
            orig_p: k.sport,
            resp_h: address(k, k.dst).to_string(),
            resp_p: k.dport,
            ts_ns: c.start_ns,
            duration_ns: c.last_ns.saturating_sub(c.start_ns),
            history: c.history_text(),
            orig_pkts: c.orig_pkts,
            orig_ip_bytes: c.orig_ip_bytes,
            resp_pkts: c.resp_pkts,
            resp_ip_bytes: c.resp_ip_bytes,
        }
    }

    /// The record on one line, in conn.log's order.
    fn describe(&self) -> String {
        let proto = match self.proto {
            6 => "tcp".to_string(),
            17 => "udp".to_string(),
            p => p.to_string(),
        };
        format!(
            "rule {}  {proto} {}:{} -> {}:{}  ts_ns {}  duration_ns {}  history {}  orig {} pkts {} bytes  resp {} pkts {} bytes",
            self.rule,
            self.orig_h,
            self.orig_p,
            self.resp_h,
            self.resp_p,
            self.ts_ns,
            self.duration_ns,
            if self.history.is_empty() { "-" } else { &self.history },
            self.orig_pkts,
            self.orig_ip_bytes,
            self.resp_pkts,
            self.resp_ip_bytes
        )
    }
}

/// One record of a report frame. Every key field is given (0 where the rule does not group by
/// it); addresses as IPv4 when the key is not IPv6 (IPv4 addresses are zero-extended in the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRow {
    /// The rule, numbered from 1 as `vantage rules show` numbers it (the key's rule index + 1).
    pub rule: u16,
    pub v6: bool,
    pub ingress: u8,
    pub src: String,
    pub dst: String,
    pub sport: u16,
    pub dport: u16,
    pub proto: u8,
    pub tcp_flags: u8,
    pub packets: u64,
    pub bytes: u64,
    /// The group crossed its threshold this epoch.
    pub crossed: bool,
}

impl RecordRow {
    fn of(r: &Record) -> Self {
        let k = &r.key;
        RecordRow {
            rule: u16::from(k.rule) + 1,
            v6: k.v6,
            ingress: k.ingress_port,
            src: address(k, k.src).to_string(),
            dst: address(k, k.dst).to_string(),
            sport: k.sport,
            dport: k.dport,
            proto: k.proto,
            tcp_flags: k.tcp_flags,
            packets: r.packets,
            bytes: r.bytes,
            crossed: r.crossed,
        }
    }

    /// The record on one line: the rule, the key fields that are not zero, the counts.
    fn describe(&self) -> String {
        let mut s = format!("rule {}", self.rule);
        let unspecified = |a: &str| a == "0.0.0.0" || a == "::";
        if !unspecified(&self.src) {
            s.push_str(&format!("  src {}", self.src));
        }
        if !unspecified(&self.dst) {
            s.push_str(&format!("  dst {}", self.dst));
        }
        for (name, v) in [("sport", self.sport), ("dport", self.dport)] {
            if v != 0 {
                s.push_str(&format!("  {name} {v}"));
            }
        }
        if self.proto != 0 {
            s.push_str(&format!("  proto {}", self.proto));
        }
        if self.tcp_flags != 0 {
            s.push_str(&format!("  flags 0x{:02x}", self.tcp_flags));
        }
        if self.ingress != 0 {
            s.push_str(&format!("  ingress {}", self.ingress));
        }
        s.push_str(&format!(
            "  packets {}  bytes {}  crossed {}",
            self.packets,
            self.bytes,
            if self.crossed { "yes" } else { "no" }
        ));
        s
    }
}

/// IPv4 addresses are zero-extended in the key; the key's v6 bit tells the two apart.
fn address(k: &GroupKey, a: [u8; 16]) -> IpAddr {
    vantage_proto::flowhash::ip_from_16(k.v6, a)
}

/// The rules a STATS mask names, numbered from 1 (bit r = rule r + 1).
fn rules_of(mask: u32) -> Vec<u32> {
    (0..32)
        .filter(|r| mask & (1 << r) != 0)
        .map(|r| r + 1)
        .collect()
}

fn rule_list(rules: &[u32]) -> String {
    rules
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn ethertype_at(frame: &[u8], at: usize) -> Option<String> {
    frame
        .get(at..at + 2)
        .map(|b| format!("0x{:04x}", u16::from_be_bytes([b[0], b[1]])))
}

/// Decode one frame.
pub fn decode_frame(no: usize, frame: &[u8], ethertype: u16) -> Row {
    let mut row = Row {
        frame: no,
        len: frame.len(),
        status: "untagged",
        timestamp_ns: None,
        flow_hash: None,
        flags: None,
        flags_raw: None,
        l3_offset: None,
        ip_proto: None,
        stats_crossed: None,
        stats_uncounted: None,
        ethertype: None,
        header_len: None,
        syn: None,
        report: None,
        records: None,
        connections: None,
        reasm: None,
        flow_end: None,
        unknown_tags: Vec::new(),
        error: None,
    };
    if let Some(r) = vantage_proto::reasm::FlowEnd::from_frame(frame) {
        row.status = "flow-end";
        row.flow_end = Some((&r).into());
        return row;
    }
    match TaggedHeader::decode(frame, ethertype) {
        Ok((h, len)) => {
            row.status = "tagged";
            row.timestamp_ns = h.timestamp();
            if let Some(FlowInfo {
                hash,
                flags,
                l3_offset,
                ip_proto,
            }) = h.flow()
            {
                row.flow_hash = Some(format!("{hash:08x}"));
                row.flags = Some(flags.describe());
                row.flags_raw = Some(flags.0);
                row.l3_offset = Some(l3_offset);
                row.ip_proto = Some(ip_proto);
            }
            if let Some((crossed, uncounted)) = h.stats() {
                row.stats_crossed = Some(rules_of(crossed));
                row.stats_uncounted = Some(rules_of(uncounted));
            }
            row.syn = h.syn().map(SynRow::from);
            row.reasm = h.reasm().map(crate::reasm::ReasmRow::from);
            row.ethertype = ethertype_at(frame, 12 + len);
            row.header_len = Some(len);
            row.unknown_tags = h
                .tags
                .iter()
                .filter_map(|t| match t {
                    Tag::Unknown { tag_type, value } => Some(format!(
                        "{tag_type}:{}",
                        value.iter().map(|b| format!("{b:02x}")).collect::<String>()
                    )),
                    _ => None,
                })
                .collect();
            if let Some(info) = h.report() {
                row.report = Some(info.into());
                match ReportFrame::decode(frame, ethertype) {
                    Ok(Some(r)) if r.info.connections => {
                        row.status = "report";
                        row.connections = Some(r.connections.iter().map(ConnRow::of).collect());
                    }
                    Ok(Some(r)) => {
                        row.status = "report";
                        row.records = Some(r.records.iter().map(RecordRow::of).collect());
                    }
                    // Not reached: the header decoded and has a REPORT tag. Shown as tagged.
                    Ok(None) => {}
                    Err(e) => {
                        row.status = "bad-report";
                        row.error = Some(e.to_string());
                    }
                }
            }
        }
        Err(HeaderError::NotTagged { .. }) | Err(HeaderError::TooShort(_)) => {
            row.ethertype = ethertype_at(frame, 12);
        }
        Err(e) => {
            row.status = "bad-header";
            row.error = Some(e.to_string());
        }
    }
    row
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "-".to_string(), |x| x.to_string())
}

/// A report frame's summary after the frame number and length (also for a damaged one).
fn report_summary(r: &ReportRow) -> String {
    if r.connections {
        return format!(
            "connections  index {}  records {}  sent {}  lost {}",
            r.index, r.records, r.epoch_records, r.refused
        );
    }
    format!(
        "epoch {}  index {}{}  records {}  epoch_records {}  epoch_end_ns {}  epoch_ns {}  refused {}",
        r.epoch,
        r.index,
        if r.last { " (last)" } else { "" },
        r.records,
        r.epoch_records,
        r.epoch_end_ns,
        r.epoch_ns,
        r.refused
    )
}

/// A row of the table (with `records`, a report frame's records follow, one line each).
pub fn write_table_row(out: &mut impl Write, row: &Row, records: bool) -> std::io::Result<()> {
    match row.status {
        "tagged" => {
            let mut flags = opt(&row.flags);
            if !row.unknown_tags.is_empty() {
                flags.push_str(&format!(" +{} unknown tags", row.unknown_tags.len()));
            }
            write!(
                out,
                "{:>7} {:>5} {:>20} {:>8} {:<28} {:>3} {:>5} {:>9}",
                row.frame,
                row.len,
                opt(&row.timestamp_ns),
                opt(&row.flow_hash),
                flags,
                opt(&row.l3_offset),
                opt(&row.ip_proto),
                opt(&row.ethertype)
            )?;
            if let Some(c) = row.stats_crossed.as_deref().filter(|c| !c.is_empty()) {
                write!(out, "  crossed {}", rule_list(c))?;
            }
            if let Some(u) = row.stats_uncounted.as_deref().filter(|u| !u.is_empty()) {
                write!(out, "  uncounted {}", rule_list(u))?;
            }
            if let Some(syn) = &row.syn {
                write!(
                    out,
                    "  SYN {}{}  retransmissions {}  span_ns {}",
                    syn.why,
                    if syn.regenerated {
                        " (regenerated)"
                    } else {
                        ""
                    },
                    syn.retransmissions,
                    syn.span_ns
                )?;
            }
            if let Some(r) = &row.reasm {
                write!(out, "{}", r.describe())?;
            }
            writeln!(out)
        }
        "flow-end" => match &row.flow_end {
            Some(r) => writeln!(out, "{:>7} {:>5} {}", row.frame, row.len, r.describe()),
            None => Ok(()),
        },
        "untagged" => writeln!(
            out,
            "{:>7} {:>5} {:>20} {:>8} {:<28} {:>3} {:>5} {:>9}",
            row.frame,
            row.len,
            "untagged",
            "",
            "",
            "",
            "",
            opt(&row.ethertype)
        ),
        "report" => {
            let summary = row.report.as_ref().map(report_summary).unwrap_or_default();
            writeln!(out, "{:>7} {:>5} report  {summary}", row.frame, row.len)?;
            if records {
                for (i, r) in row.records.iter().flatten().enumerate() {
                    writeln!(out, "{:>13} record {}: {}", "", i + 1, r.describe())?;
                }
                for (i, c) in row.connections.iter().flatten().enumerate() {
                    writeln!(out, "{:>13} connection {}: {}", "", i + 1, c.describe())?;
                }
            }
            Ok(())
        }
        "bad-report" => {
            let summary = row
                .report
                .as_ref()
                .map(|r| format!(" ({})", report_summary(r)))
                .unwrap_or_default();
            writeln!(
                out,
                "{:>7} {:>5} bad report: {}{summary}",
                row.frame,
                row.len,
                opt(&row.error)
            )
        }
        _ => writeln!(
            out,
            "{:>7} {:>5} bad header: {}",
            row.frame,
            row.len,
            opt(&row.error)
        ),
    }
}

/// Print the capture's frames: a table, with `records` also each record of a report frame, or
/// (`json`) one object per line, records always included.
pub fn run(path: &Path, ethertype: u16, json: bool, records: bool) -> anyhow::Result<()> {
    let packets = vantage_capture::read(path)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let res: anyhow::Result<()> = (|| {
        if !json {
            writeln!(
                out,
                "{:>7} {:>5} {:>20} {:>8} {:<28} {:>3} {:>5} {:>9}",
                "frame", "len", "timestamp_ns", "hash", "flags", "l3", "proto", "ethertype"
            )?;
        }
        // tagged, untagged, bad header, report, bad report, flow-end
        let mut counts = [0usize; 6];
        let (mut record_count, mut conn_count) = (0usize, 0usize);
        for (i, p) in packets.iter().enumerate() {
            let row = decode_frame(i + 1, &p.data, ethertype);
            counts[match row.status {
                "tagged" => 0,
                "untagged" => 1,
                "report" => 3,
                "bad-report" => 4,
                "flow-end" => 5,
                _ => 2,
            }] += 1;
            record_count += row.records.as_ref().map_or(0, Vec::len);
            conn_count += row.connections.as_ref().map_or(0, Vec::len);
            if json {
                serde_json::to_writer(&mut out, &row)?;
                writeln!(out)?;
            } else {
                write_table_row(&mut out, &row, records)?;
            }
        }
        if !json {
            write!(
                out,
                "{} frames: {} tagged, {} untagged, {} with a bad header",
                packets.len(),
                counts[0],
                counts[1],
                counts[2]
            )?;
            if counts[3] + counts[4] > 0 {
                let conns = if conn_count > 0 {
                    format!(", {conn_count} connections")
                } else {
                    String::new()
                };
                write!(
                    out,
                    "; {} report frames ({record_count} records{conns}), {} damaged",
                    counts[3], counts[4]
                )?;
            }
            if counts[5] > 0 {
                write!(out, "; {} flow-end records", counts[5])?;
            }
            writeln!(out)?;
        }
        out.flush()?;
        Ok(())
    })();
    match res {
        // A closed pipe (`vantage decode x | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => Ok(()),
        r => r.context("writing to stdout"),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(|io| io.kind())
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(|j| j.io_error_kind())
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vantage_proto::header::{insert, DEFAULT_ETHERTYPE};
    use vantage_proto::stats::GroupKey;
    use vantage_proto::ParseFlags;

    /// A 64-byte IPv4/TCP frame without a header.
    fn ipv4_frame() -> Vec<u8> {
        let mut f = vec![0u8; 64];
        f[12] = 0x08;
        f[14] = 0x45;
        f[23] = 6;
        f
    }

    fn flow() -> FlowInfo {
        FlowInfo {
            hash: 0x0123_4567,
            flags: ParseFlags(ParseFlags::IPV4 | ParseFlags::PORTS),
            l3_offset: 14,
            ip_proto: 6,
        }
    }

    fn v4(a: [u8; 4]) -> [u8; 16] {
        let mut x = [0u8; 16];
        x[12..].copy_from_slice(&a);
        x
    }

    /// Epoch 7's report frame 3 (the last), two records: an IPv4 group of table rule 2 (rule 3 to
    /// the user) and an IPv6 group of table rule 0 (rule 1).
    fn report() -> ReportFrame {
        let info = ReportInfo {
            epoch: 7,
            records: 2,
            index: 3,
            last: true,
            epoch_end_ns: 5_000_000_000,
            epoch_ns: 1_000_000_000,
            epoch_records: 50,
            refused: 2,
            connections: false,
        };
        let a = Record {
            key: GroupKey {
                rule: 2,
                src: v4([192, 0, 2, 1]),
                dport: 22,
                proto: 6,
                ..Default::default()
            },
            packets: 5,
            bytes: 6000,
            crossed: true,
        };
        let mut src = [0u8; 16];
        src[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        let mut dst = src;
        src[15] = 1;
        dst[15] = 2;
        let b = Record {
            key: GroupKey {
                rule: 0,
                v6: true,
                ingress_port: 3,
                src,
                dst,
                sport: 443,
                tcp_flags: 0x12,
                ..Default::default()
            },
            packets: 1 << 33,
            bytes: 1 << 40,
            crossed: false,
        };
        ReportFrame {
            info,
            records: vec![a, b],
            ..Default::default()
        }
    }

    fn table(row: &Row, records: bool) -> String {
        let mut out = Vec::new();
        write_table_row(&mut out, row, records).expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn stats_tag_names_rules_from_one() {
        // bits 0 and 3 crossed, bit 31 uncounted: rules 1 and 4, rule 32.
        let h = TaggedHeader::for_frame_with_stats(1000, flow(), 0b1001, 1 << 31)
            .encode(DEFAULT_ETHERTYPE);
        let frame = insert(&ipv4_frame(), &h);
        let row = decode_frame(1, &frame, DEFAULT_ETHERTYPE);
        assert_eq!(row.status, "tagged");
        assert_eq!(row.len, 64 + 36);
        assert_eq!(row.header_len, Some(36));
        assert_eq!(row.timestamp_ns, Some(1000));
        assert_eq!(row.flow_hash.as_deref(), Some("01234567"));
        assert_eq!(row.ethertype.as_deref(), Some("0x0800"));
        assert_eq!(row.stats_crossed, Some(vec![1, 4]));
        assert_eq!(row.stats_uncounted, Some(vec![32]));
        assert!(row.unknown_tags.is_empty() && row.report.is_none() && row.records.is_none());

        let line = table(&row, false);
        assert!(
            line.trim_end()
                .ends_with("0x0800  crossed 1,4  uncounted 32"),
            "{line}"
        );
        let json = serde_json::to_value(&row).expect("json");
        assert_eq!(json["stats_crossed"], serde_json::json!([1, 4]));
        assert_eq!(json["stats_uncounted"], serde_json::json!([32]));
        assert!(json.get("report").is_none() && json.get("records").is_none());

        // Only crossed: the table leaves uncounted out, JSON gives it empty.
        let h =
            TaggedHeader::for_frame_with_stats(1000, flow(), 1 << 5, 0).encode(DEFAULT_ETHERTYPE);
        let row = decode_frame(2, &insert(&ipv4_frame(), &h), DEFAULT_ETHERTYPE);
        assert!(table(&row, false).trim_end().ends_with("0x0800  crossed 6"));
        let json = serde_json::to_value(&row).expect("json");
        assert_eq!(json["stats_crossed"], serde_json::json!([6]));
        assert_eq!(json["stats_uncounted"], serde_json::json!([]));
    }

    #[test]
    fn frames_without_stats_have_no_stats_fields() {
        let h = TaggedHeader::for_frame(1000, flow()).encode(DEFAULT_ETHERTYPE);
        let row = decode_frame(1, &insert(&ipv4_frame(), &h), DEFAULT_ETHERTYPE);
        assert_eq!((row.status, row.header_len), ("tagged", Some(24)));
        assert_eq!((row.stats_crossed, row.stats_uncounted), (None, None));
        let text = serde_json::to_string(&decode_frame(
            1,
            &insert(&ipv4_frame(), &h),
            DEFAULT_ETHERTYPE,
        ))
        .expect("json");
        assert!(
            !text.contains("stats_") && !text.contains("report") && !text.contains("records"),
            "{text}"
        );
        assert!(!table(
            &decode_frame(1, &insert(&ipv4_frame(), &h), DEFAULT_ETHERTYPE),
            false
        )
        .contains("crossed"));
    }

    #[test]
    fn report_frame_gives_its_info_and_records() {
        let frame = report().encode(DEFAULT_ETHERTYPE);
        let row = decode_frame(4, &frame, DEFAULT_ETHERTYPE);
        assert_eq!(row.status, "report");
        assert_eq!(row.len, 64 + 2 * 64);
        assert_eq!(row.header_len, Some(48));
        assert_eq!(row.ethertype.as_deref(), Some("0x88b6"));
        assert_eq!(row.error, None);
        assert_eq!((row.timestamp_ns, row.flow_hash.as_deref()), (None, None));
        assert_eq!(
            row.report,
            Some(ReportRow {
                epoch: 7,
                index: 3,
                last: true,
                records: 2,
                epoch_end_ns: 5_000_000_000,
                epoch_ns: 1_000_000_000,
                epoch_records: 50,
                refused: 2,
                connections: false,
            })
        );
        assert_eq!(
            row.records,
            Some(vec![
                RecordRow {
                    rule: 3,
                    v6: false,
                    ingress: 0,
                    src: "192.0.2.1".into(),
                    dst: "0.0.0.0".into(),
                    sport: 0,
                    dport: 22,
                    proto: 6,
                    tcp_flags: 0,
                    packets: 5,
                    bytes: 6000,
                    crossed: true,
                },
                RecordRow {
                    rule: 1,
                    v6: true,
                    ingress: 3,
                    src: "2001:db8::1".into(),
                    dst: "2001:db8::2".into(),
                    sport: 443,
                    dport: 0,
                    proto: 0,
                    tcp_flags: 0x12,
                    packets: 8_589_934_592,
                    bytes: 1_099_511_627_776,
                    crossed: false,
                },
            ])
        );

        let summary =
            "      4   192 report  epoch 7  index 3 (last)  records 2  epoch_records 50  \
                       epoch_end_ns 5000000000  epoch_ns 1000000000  refused 2\n";
        assert_eq!(table(&row, false), summary);
        assert_eq!(
            table(&row, true),
            format!(
                "{summary}              record 1: rule 3  src 192.0.2.1  dport 22  proto 6  packets 5  bytes 6000  crossed yes\n\
                 \x20             record 2: rule 1  src 2001:db8::1  dst 2001:db8::2  sport 443  flags 0x12  ingress 3  \
                 packets 8589934592  bytes 1099511627776  crossed no\n"
            )
        );

        let json = serde_json::to_value(&row).expect("json");
        assert_eq!(json["status"], "report");
        assert_eq!(json["report"]["epoch"], 7);
        assert_eq!(json["report"]["last"], true);
        assert_eq!(json["report"]["epoch_end_ns"], 5_000_000_000u64);
        assert_eq!(json["records"][0]["src"], "192.0.2.1");
        assert_eq!(json["records"][0]["crossed"], true);
        assert_eq!(json["records"][1]["dst"], "2001:db8::2");
        assert_eq!(json["records"][1]["bytes"], 1u64 << 40);
    }

    #[test]
    fn empty_report_has_an_empty_record_list() {
        let info = ReportInfo {
            epoch: 1,
            last: true,
            epoch_ns: 10,
            ..Default::default()
        };
        let frame = ReportFrame {
            info,
            ..Default::default()
        }
        .encode(DEFAULT_ETHERTYPE);
        let row = decode_frame(1, &frame, DEFAULT_ETHERTYPE);
        assert_eq!((row.status, row.len), ("report", 64));
        assert_eq!(row.records, Some(vec![]));
        assert_eq!(
            serde_json::to_value(&row).expect("json")["records"],
            serde_json::json!([])
        );
        assert_eq!(table(&row, true).lines().count(), 1);
    }

    #[test]
    fn connection_report_gives_conn_log_fields() {
        let rec = ConnRecord {
            key: GroupKey {
                rule: 4,
                src: v4([10, 0, 0, 9]),
                sport: 40000,
                dst: v4([192, 0, 2, 1]),
                dport: 80,
                proto: 6,
                ..Default::default()
            },
            start_ns: 1_000,
            last_ns: 3_500,
            history: "ShADadFf".into(),
            overflow: false,
            orig_pkts: 6,
            orig_ip_bytes: 400,
            resp_pkts: 5,
            resp_ip_bytes: 900,
        };
        let frame = ReportFrame {
            info: ReportInfo {
                records: 1,
                index: 9,
                epoch_records: 73,
                connections: true,
                ..Default::default()
            },
            records: vec![],
            connections: vec![rec],
        }
        .encode(DEFAULT_ETHERTYPE);
        let row = decode_frame(2, &frame, DEFAULT_ETHERTYPE);
        assert_eq!(
            (row.status, row.len, row.records.is_none()),
            ("report", 64 + 128, true)
        );
        let text = table(&row, true);
        assert!(
            text.contains("report  connections  index 9  records 1  sent 73  lost 0"),
            "{text}"
        );
        assert!(
            text.contains("connection 1: rule 5  tcp 10.0.0.9:40000 -> 192.0.2.1:80  ts_ns 1000  duration_ns 2500  history ShADadFf  orig 6 pkts 400 bytes  resp 5 pkts 900 bytes"),
            "{text}"
        );
        let json = serde_json::to_value(&row).expect("json");
        assert_eq!(json["connections"][0]["history"], "ShADadFf");
        assert_eq!(json["report"]["connections"], true);
    }

    #[test]
    fn truncated_report_is_bad_report() {
        let frame = report().encode(DEFAULT_ETHERTYPE);
        // Cut inside the second record.
        let row = decode_frame(9, &frame[..100], DEFAULT_ETHERTYPE);
        assert_eq!(row.status, "bad-report");
        assert_eq!(
            row.error.as_deref(),
            Some("report frame of 100 bytes is too short for its 2 records")
        );
        assert_eq!(
            row.report.as_ref().map(|r| (r.epoch, r.index)),
            Some((7, 3))
        );
        assert_eq!(row.records, None);
        let line = table(&row, true);
        assert!(
            line.starts_with("      9   100 bad report: report frame of 100 bytes is too short"),
            "{line}"
        );
        assert!(line.contains("(epoch 7  index 3 (last)"), "{line}");
        assert_eq!(
            serde_json::to_value(&row).expect("json")["status"],
            "bad-report"
        );

        // Cut right after the Vantage header: no EtherType 0x88B6 either.
        assert_eq!(
            decode_frame(1, &frame[..60], DEFAULT_ETHERTYPE).status,
            "bad-report"
        );
        // Cut inside the Vantage header: not recognisable as a report any more.
        assert_eq!(
            decode_frame(1, &frame[..40], DEFAULT_ETHERTYPE).status,
            "bad-header"
        );

        // Every cut decodes to something, without a panic.
        for cut in 0..frame.len() {
            let row = decode_frame(1, &frame[..cut], DEFAULT_ETHERTYPE);
            assert!(
                ["untagged", "bad-header", "bad-report"].contains(&row.status),
                "cut {cut}: {}",
                row.status
            );
            let _ = table(&row, true);
        }
    }

    #[test]
    fn damaged_report_fields_are_bad_report() {
        let good = report().encode(DEFAULT_ETHERTYPE);
        let mut f = good.clone();
        f[61] = 0xB7; // EtherType after the header
        let row = decode_frame(1, &f, DEFAULT_ETHERTYPE);
        assert_eq!(row.status, "bad-report");
        assert_eq!(
            row.error.as_deref(),
            Some("report frame has EtherType 0x88b7 after its header, not 0x88b6")
        );

        let mut f = good;
        f[22..24].copy_from_slice(&17u16.to_be_bytes()); // records in this frame
        let row = decode_frame(1, &f, DEFAULT_ETHERTYPE);
        assert_eq!(row.status, "bad-report");
        assert_eq!(
            row.error.as_deref(),
            Some("report frame claims 17 records, more than 16")
        );
    }
}
