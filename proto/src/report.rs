//! Report frames: at the end of each epoch the stats stage sends every group it held as a record,
//! in frames of its own that it places in gaps of the output stream (docs/pipeline.md, "epochs").
//!
//! ```text
//!  report frame, beat 0 (64 bytes):
//!   0  ff ff ff ff ff ff        destination MAC: broadcast
//!   6  02 00 00 00 00 00        source MAC: locally administered (REPORT_SRC_MAC)
//!  12  EtherType (tag.ETHERTYPE), version 1, words 12: a Vantage header of 48 bytes
//!  16  type 0x04 REPORT, length 42
//!  18  u32 epoch number (epoch 0 runs from arming to EPOCH_START)
//!  22  u16 records in this frame (0..=MAX_RECORDS)
//!  24  u16 index of this frame within the epoch's report (0, 1, ...)
//!  26  u8  flags: bit 0 = the last frame of the epoch's report,
//!              bit 1 = connection records (below) instead of group records
//!  27  u8  record length in 4-byte words (16; 32 for connection records)
//!  28  u64 epoch end, ns (the boundary that closed it)
//!  36  u64 epoch length, ns (EPOCH_NS when it closed)
//!  44  u32 records of this epoch so far, this frame's included
//!  48  u32 updates the stage refused in this epoch (table full, fanout)
//!  52  u64 zero
//!  60  REPORT_ETHERTYPE 0x88B6: the "original EtherType" after the header; records follow
//!  62  u16 zero
//!  64  records, RECORD_BYTES each, in table order (bucket, then bank, then way)
//!
//!  record (64 bytes, big-endian):
//!   0  group key (40 bytes, `stats::GroupKey::to_bytes`)
//!  40  u64 packets
//!  48  u64 bytes
//!  56  u8  flags: bit 0 = the group crossed its threshold this epoch
//!  57  7 bytes zero
//! ```
//! A frame of connection records (`conntable::ConnRecord`, 128 bytes each, at most
//! MAX_CONN_RECORDS) is sent whenever connections of the history rule end, not at epoch ends:
//! its epoch number, epoch end and length are 0 and the last flag is clear; its index counts
//! connection report frames (wrapping), the records-so-far field counts every connection record
//! sent, this frame's included, and the refused field the connection records lost so far.
//!
//! A report frame carries no per-frame header of its own: it does not pass through the tag
//! stage. Stripping its Vantage header like any other leaves MACs, 0x88B6, 2 bytes and records.
//! Every epoch has at least one report frame (an empty epoch sends one with 0 records), so the
//! monitor sees each epoch end; the index and the last flag let it see a lost frame.

use crate::conntable::{ConnRecord, CONN_RECORD_BYTES, MAX_CONN_RECORDS};
use crate::header::{HeaderError, TaggedHeader, REPORT_LEN, VERSION};
use crate::stats::{Entry, GroupKey, KEY_BYTES};
use thiserror::Error;

/// Destination MAC of report frames.
pub const REPORT_DST_MAC: [u8; 6] = [0xff; 6];
/// Source MAC of report frames (locally administered).
pub const REPORT_SRC_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0];
/// The EtherType after a report frame's Vantage header (IEEE 802 local experimental 2).
pub const REPORT_ETHERTYPE: u16 = 0x88B6;
/// Length of a report frame's Vantage header (EtherType .. REPORT tag).
pub const REPORT_HEADER_BYTES: usize = 4 + 2 + REPORT_LEN;
/// Offset of the first record (one 64-byte beat after the frame start).
pub const RECORDS_OFFSET: usize = 64;
/// Bytes of one record.
pub const RECORD_BYTES: usize = 64;
/// Most records in one report frame.
pub const MAX_RECORDS: usize = 16;
/// How long after an epoch boundary the stage closes the epoch when no frame has ended since:
/// longer than any frame's last beat takes from ingress to the stats stage (about 30 cycles).
pub const EPOCH_GUARD_NS: u64 = 1000;
const _: () = assert!(
    12 + REPORT_HEADER_BYTES + 4 == RECORDS_OFFSET,
    "beat 0 is MACs, header, EtherType, pad"
);

/// Whether `bytes` (a frame, or its first beat) start like a report frame: the fixed MACs, the
/// REPORT tag and the EtherType after the header, whatever EtherType the header itself has.
pub fn looks_like_report(bytes: &[u8]) -> bool {
    bytes.len() >= RECORDS_OFFSET
        && bytes[..6] == REPORT_DST_MAC
        && bytes[6..12] == REPORT_SRC_MAC
        && bytes[16] == crate::header::TLV_REPORT
        && bytes[60..62] == REPORT_ETHERTYPE.to_be_bytes()
}

/// The REPORT tag's value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportInfo {
    /// Epoch number (0 = from arming to EPOCH_START).
    pub epoch: u32,
    /// Records in this frame.
    pub records: u16,
    /// This frame's index within the epoch's report.
    pub index: u16,
    /// The last frame of the epoch's report.
    pub last: bool,
    /// The boundary that closed the epoch, ns.
    pub epoch_end_ns: u64,
    /// The epoch length, ns.
    pub epoch_ns: u64,
    /// Records of the epoch up to and including this frame.
    pub epoch_records: u32,
    /// Updates refused in the epoch (bucket full, lane fanout); connection records lost.
    pub refused: u32,
    /// The frame carries connection records (flags bit 1).
    pub connections: bool,
}

/// Bits of the REPORT tag's flags byte.
pub mod report_flags {
    pub const LAST: u8 = 1 << 0;
    pub const CONNECTIONS: u8 = 1 << 1;
}

impl ReportInfo {
    pub fn to_bytes(&self) -> [u8; REPORT_LEN] {
        let mut v = [0u8; REPORT_LEN];
        v[0..4].copy_from_slice(&self.epoch.to_be_bytes());
        v[4..6].copy_from_slice(&self.records.to_be_bytes());
        v[6..8].copy_from_slice(&self.index.to_be_bytes());
        v[8] = if self.last { report_flags::LAST } else { 0 }
            | if self.connections {
                report_flags::CONNECTIONS
            } else {
                0
            };
        v[9] = (self.record_bytes() / 4) as u8;
        v[10..18].copy_from_slice(&self.epoch_end_ns.to_be_bytes());
        v[18..26].copy_from_slice(&self.epoch_ns.to_be_bytes());
        v[26..30].copy_from_slice(&self.epoch_records.to_be_bytes());
        v[30..34].copy_from_slice(&self.refused.to_be_bytes());
        v
    }

    /// From the tag's value (`value` has REPORT_LEN bytes).
    pub fn from_bytes(v: &[u8]) -> Self {
        let u16_at = |i: usize| u16::from_be_bytes([v[i], v[i + 1]]);
        let u32_at = |i: usize| u32::from_be_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]]);
        let u64_at = |i: usize| u64::from(u32_at(i)) << 32 | u64::from(u32_at(i + 4));
        ReportInfo {
            epoch: u32_at(0),
            records: u16_at(4),
            index: u16_at(6),
            last: v[8] & report_flags::LAST != 0,
            epoch_end_ns: u64_at(10),
            epoch_ns: u64_at(18),
            epoch_records: u32_at(26),
            refused: u32_at(30),
            connections: v[8] & report_flags::CONNECTIONS != 0,
        }
    }

    /// Bytes of each record the frame carries.
    pub fn record_bytes(&self) -> usize {
        if self.connections {
            CONN_RECORD_BYTES
        } else {
            RECORD_BYTES
        }
    }

    /// Most records a frame of this kind holds.
    pub fn max_records(&self) -> usize {
        if self.connections {
            MAX_CONN_RECORDS
        } else {
            MAX_RECORDS
        }
    }
}

/// One group's counts for an epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    pub key: GroupKey,
    pub packets: u64,
    pub bytes: u64,
    pub crossed: bool,
}

impl Record {
    pub fn of_entry(e: &Entry) -> Self {
        Record {
            key: e.key,
            packets: e.packets,
            bytes: e.bytes,
            crossed: e.crossed,
        }
    }

    pub fn to_bytes(&self) -> [u8; RECORD_BYTES] {
        let mut b = [0u8; RECORD_BYTES];
        b[..KEY_BYTES].copy_from_slice(&self.key.to_bytes());
        b[40..48].copy_from_slice(&self.packets.to_be_bytes());
        b[48..56].copy_from_slice(&self.bytes.to_be_bytes());
        b[56] = u8::from(self.crossed);
        b
    }

    pub fn from_bytes(b: &[u8; RECORD_BYTES]) -> Self {
        let mut key = [0u8; KEY_BYTES];
        key.copy_from_slice(&b[..KEY_BYTES]);
        let u64_at = |i: usize| u64::from_be_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Record {
            key: GroupKey::from_bytes(&key),
            packets: u64_at(40),
            bytes: u64_at(48),
            crossed: b[56] & 1 != 0,
        }
    }
}

/// A decoded report frame: group records, or connection records when `info.connections`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFrame {
    pub info: ReportInfo,
    pub records: Vec<Record>,
    pub connections: Vec<ConnRecord>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ReportError {
    #[error(transparent)]
    Header(#[from] HeaderError),
    #[error("report frame of {len} bytes is too short for its {records} records")]
    Short { len: usize, records: usize },
    #[error("report frame claims {records} records, more than {max}")]
    TooMany { records: usize, max: usize },
    #[error("report frame has EtherType 0x{0:04x} after its header, not 0x{REPORT_ETHERTYPE:04x}")]
    EtherType(u16),
}

impl ReportFrame {
    /// The frame's bytes as the stats stage sends them.
    pub fn encode(&self, ethertype: u16) -> Vec<u8> {
        let mut f = Vec::with_capacity(
            RECORDS_OFFSET
                + RECORD_BYTES * self.records.len()
                + CONN_RECORD_BYTES * self.connections.len(),
        );
        f.extend_from_slice(&REPORT_DST_MAC);
        f.extend_from_slice(&REPORT_SRC_MAC);
        f.extend_from_slice(
            &TaggedHeader {
                version: VERSION,
                tags: vec![crate::header::Tag::Report(self.info)],
            }
            .encode(ethertype),
        );
        f.extend_from_slice(&REPORT_ETHERTYPE.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        for r in &self.records {
            f.extend_from_slice(&r.to_bytes());
        }
        for c in &self.connections {
            f.extend_from_slice(&c.to_bytes());
        }
        f
    }

    /// Decode a frame: `Ok(None)` when it is not a report frame (no Vantage header, or a header
    /// without a REPORT tag), an error when it is one but damaged.
    pub fn decode(frame: &[u8], ethertype: u16) -> Result<Option<Self>, ReportError> {
        let Ok((header, len)) = TaggedHeader::decode(frame, ethertype) else {
            return Ok(None);
        };
        let Some(info) = header.report() else {
            return Ok(None);
        };
        let at = 12 + len;
        let et = frame
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]));
        match et {
            Some(REPORT_ETHERTYPE) => {}
            Some(other) => return Err(ReportError::EtherType(other)),
            None => {
                return Err(ReportError::Short {
                    len: frame.len(),
                    records: usize::from(info.records),
                })
            }
        }
        let n = usize::from(info.records);
        if n > info.max_records() {
            return Err(ReportError::TooMany {
                records: n,
                max: info.max_records(),
            });
        }
        let size = info.record_bytes();
        let body = frame
            .get(at + 4..at + 4 + n * size)
            .ok_or(ReportError::Short {
                len: frame.len(),
                records: n,
            })?;
        let mut out = ReportFrame {
            info,
            ..Default::default()
        };
        for c in body.chunks_exact(size) {
            if info.connections {
                let c = c.try_into().expect("chunks of CONN_RECORD_BYTES");
                out.connections.push(ConnRecord::from_bytes(c));
            } else {
                let c = c.try_into().expect("chunks of RECORD_BYTES");
                out.records.push(Record::from_bytes(c));
            }
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::DEFAULT_ETHERTYPE;
    use proptest::prelude::*;

    fn record(i: u8) -> Record {
        let key = GroupKey {
            rule: 3,
            src: [i; 16],
            sport: 80,
            proto: 6,
            ..Default::default()
        };
        Record {
            key,
            packets: 7 + u64::from(i),
            bytes: 1 << 40,
            crossed: i % 2 == 0,
        }
    }

    #[test]
    fn beat_zero_matches_the_diagram() {
        let info = ReportInfo {
            epoch: 5,
            records: 2,
            index: 1,
            last: true,
            epoch_end_ns: 9,
            epoch_ns: 10,
            epoch_records: 18,
            refused: 4,
            connections: false,
        };
        let f = ReportFrame {
            info,
            records: vec![record(1), record(2)],
            ..Default::default()
        }
        .encode(DEFAULT_ETHERTYPE);
        assert_eq!(f.len(), 64 + 2 * 64);
        assert_eq!(&f[12..18], &[0x88, 0xB5, 1, 12, 0x04, 42]);
        assert_eq!(&f[18..22], &5u32.to_be_bytes());
        assert_eq!(f[26], 1);
        assert_eq!(f[27], 16);
        assert_eq!(&f[60..64], &[0x88, 0xB6, 0, 0]);
        assert_eq!(&f[64 + 40..64 + 48], &8u64.to_be_bytes());
        assert!(looks_like_report(&f) && looks_like_report(&f[..64]));
        assert!(!looks_like_report(&f[..63]) && !looks_like_report(&[0u8; 128]));
    }

    #[test]
    fn a_frame_without_a_report_tag_is_not_a_report() {
        assert_eq!(ReportFrame::decode(&[0u8; 80], DEFAULT_ETHERTYPE), Ok(None));
    }

    #[test]
    fn a_cut_report_is_an_error() {
        let info = ReportInfo {
            records: 2,
            ..Default::default()
        };
        let f = ReportFrame {
            info,
            records: vec![record(1), record(2)],
            ..Default::default()
        }
        .encode(DEFAULT_ETHERTYPE);
        assert!(matches!(
            ReportFrame::decode(&f[..100], DEFAULT_ETHERTYPE),
            Err(ReportError::Short { .. })
        ));
    }

    proptest! {
        #[test]
        fn frames_round_trip(epoch in any::<u32>(), n in 0usize..=MAX_RECORDS, end in any::<u64>(), refused in any::<u32>()) {
            let records: Vec<Record> = (0..n as u8).map(record).collect();
            let info = ReportInfo { epoch, records: n as u16, index: 0, last: false, epoch_end_ns: end, epoch_ns: 3, epoch_records: n as u32, refused, connections: false };
            let frame = ReportFrame { info, records, connections: vec![] };
            let bytes = frame.encode(DEFAULT_ETHERTYPE);
            prop_assert_eq!(ReportFrame::decode(&bytes, DEFAULT_ETHERTYPE), Ok(Some(frame)));
        }

        #[test]
        fn connection_frames_round_trip(n in 0usize..=MAX_CONN_RECORDS, index in any::<u16>(), lost in any::<u32>()) {
            let connections: Vec<ConnRecord> = (0..n as u64)
                .map(|i| ConnRecord { history: "ShAD".into(), orig_pkts: i, key: record(i as u8).key, ..Default::default() })
                .collect();
            let info = ReportInfo { records: n as u16, index, refused: lost, connections: true, ..Default::default() };
            let frame = ReportFrame { info, records: vec![], connections };
            let bytes = frame.encode(DEFAULT_ETHERTYPE);
            prop_assert_eq!(bytes.len(), RECORDS_OFFSET + n * CONN_RECORD_BYTES);
            prop_assert_eq!(bytes[27], 32);
            prop_assert_eq!(ReportFrame::decode(&bytes, DEFAULT_ETHERTYPE), Ok(Some(frame)));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = ReportFrame::decode(&bytes, DEFAULT_ETHERTYPE);
        }
    }
}
