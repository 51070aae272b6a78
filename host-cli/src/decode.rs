//! `vantage decode`: the tagged headers of a capture, as a table or JSON lines.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use vantage_proto::header::{HeaderError, Tag, TaggedHeader};
use vantage_proto::FlowInfo;

/// One frame as `decode --json` prints it.
#[derive(Debug, Serialize)]
pub struct Row {
    /// 1-based frame number in the capture.
    pub frame: usize,
    /// Length of the frame as captured (header included).
    pub len: usize,
    /// "tagged", "untagged" or "bad-header".
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
    /// EtherType after the header (tagged) or of the frame (untagged), hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethertype: Option<String>,
    /// Length of the Vantage header in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_len: Option<usize>,
    /// Tags this reader does not know, as "type:hexvalue".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_tags: Vec<String>,
    /// Why the header could not be decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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
        ethertype: None,
        header_len: None,
        unknown_tags: Vec::new(),
        error: None,
    };
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

pub fn run(path: &Path, ethertype: u16, json: bool) -> anyhow::Result<()> {
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
        let mut counts = [0usize; 3];
        for (i, p) in packets.iter().enumerate() {
            let row = decode_frame(i + 1, &p.data, ethertype);
            counts[match row.status {
                "tagged" => 0,
                "untagged" => 1,
                _ => 2,
            }] += 1;
            if json {
                serde_json::to_writer(&mut out, &row)?;
                writeln!(out)?;
            } else if row.status == "tagged" {
                let mut flags = opt(&row.flags);
                if !row.unknown_tags.is_empty() {
                    flags.push_str(&format!(" +{} unknown tags", row.unknown_tags.len()));
                }
                writeln!(
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
            } else if row.status == "untagged" {
                writeln!(
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
                )?;
            } else {
                writeln!(
                    out,
                    "{:>7} {:>5} bad header: {}",
                    row.frame,
                    row.len,
                    opt(&row.error)
                )?;
            }
        }
        if !json {
            writeln!(
                out,
                "{} frames: {} tagged, {} untagged, {} with a bad header",
                packets.len(),
                counts[0],
                counts[1],
                counts[2]
            )?;
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
