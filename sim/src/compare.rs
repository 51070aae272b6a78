//! The one comparison of the device's output with the model's, used by `vantage sim
//! --compare-model` and by every RTL test. The device and the model saw the same beats with the
//! same timebase; this says whether they agree, or the first way in which they do not.
//!
//! What may differ, and why — the whole list (docs/verification.md repeats it):
//!
//! | what | rule | why |
//! |---|---|---|
//! | `stats.reports`, `stats.conn_reports` | not compared | the device cuts report frames to fit the gaps in its output; the records they carry are compared |
//! | regenerated SYNs | compared as a set | the device sends them in gaps, the model states only which |
//! | connection records | compared as a set | the device's background sweep may report a dead connection before a frame or the flush would |
//! | connection records lost | the device's records plus `stats.conn_lost` are the model's; the model loses none | a record that finds the record queue full (its report frames wait for gaps) is counted, not sent: which ones depends on the output's gaps |
//! | `conn.regen_inline`, `conn.kept` | not compared; with `Moves::Refused`, `conn.regen_inline` must be 0 | whether a regenerated SYN waits for a gap or goes at once, and whether a late release is kept, follow the output's gaps, which the model does not state |
//! | epoch records and `stats.records` | compared epoch by epoch, or left to the caller (`Epochs::Elsewhere`) | a test that checks its reports after the run ends them later |

use std::collections::BTreeMap;

use thiserror::Error;
use vantage_model::ModelOutput;
use vantage_proto::axis::LaneFrame;
use vantage_proto::conntable::ConnRecord;
use vantage_proto::report::{ReportError, ReportFrame};

/// What the device put out, split as the model states it.
pub struct DeviceOutput {
    /// Every frame out but the report frames and the regenerated SYNs, in order.
    pub frames: Vec<LaneFrame>,
    /// SYNs the conn stage gave back on its own (expired, flushed, late), in the order they came.
    pub regenerated: Vec<LaneFrame>,
    /// The report frames, decoded, in the order they came out.
    pub reports: Vec<ReportFrame>,
    /// The counters read through the registers after the run.
    pub counters: BTreeMap<String, u64>,
}

impl DeviceOutput {
    /// Split the frames that came out (whole frames, in order) and keep the counters.
    pub fn split(
        out: Vec<LaneFrame>,
        counters: BTreeMap<String, u64>,
        ethertype: u16,
    ) -> Result<DeviceOutput, Mismatch> {
        use vantage_proto::conn::Why;
        use vantage_proto::header::{strip, Tag};
        let (mut frames, mut regenerated, mut reports) = (Vec::new(), Vec::new(), Vec::new());
        for f in out {
            let bytes = f.bytes();
            if let Some(r) = ReportFrame::decode(&bytes, ethertype).map_err(Mismatch::Report)? {
                reports.push(r);
                continue;
            }
            let regen = strip(&bytes, ethertype).is_ok_and(|(h, _)| {
                h.tags.iter().any(|t| {
                    matches!(t, Tag::Syn(i) if Why::from_u8(i.why).is_some_and(Why::regenerated))
                })
            });
            if regen {
                regenerated.push(f);
            } else {
                frames.push(f);
            }
        }
        Ok(DeviceOutput {
            frames,
            regenerated,
            reports,
            counters,
        })
    }

    /// The connection records of every report frame, in the order they came out.
    pub fn connections(&self) -> Vec<ConnRecord> {
        self.reports
            .iter()
            .flat_map(|r| r.connections.iter().cloned())
            .collect()
    }
}

/// Whether regenerated SYNs sent at once (`conn.regen_inline`) may have moved frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moves {
    /// None may have: `conn.regen_inline` must be 0 (the model does not follow such moves).
    Refused,
    /// Some may have; the frames must still be the model's (the moves changed no decision).
    Allowed,
}

/// Who compares the epoch reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Epochs {
    /// This comparison: the records of every epoch, in the model's order, and `stats.records`.
    Here,
    /// The caller, after the run (its reports may still be going out when the frames are).
    Elsewhere,
}

/// How the two sides agree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agreement {
    pub frames: usize,
    pub counters: usize,
    pub regenerated: usize,
    pub epochs: usize,
    pub epoch_records: usize,
    pub connections: usize,
    /// Connection records the device counted lost (its record queue was full).
    pub connections_lost: u64,
}

/// The first way in which the device and the model differ.
#[derive(Debug, Error)]
pub enum Mismatch {
    #[error("a damaged report frame: {0}")]
    Report(ReportError),
    #[error("the device put out {device} frames, the model {model}")]
    FrameCount { device: usize, model: usize },
    #[error("frame {index} differs\n device: {device}\n model:  {model}")]
    Frame {
        index: usize,
        device: String,
        model: String,
    },
    #[error("counter {name}: device {device:?}, model {model}")]
    Counter {
        name: String,
        device: Option<u64>,
        model: u64,
    },
    #[error("a regenerated SYN was sent at once and may have moved frames (conn.regen_inline {0}): the frames cannot be compared")]
    Moved(u64),
    #[error("regenerated SYNs differ: the device gave back {device}, the model {model}; {detail}")]
    Regenerated {
        device: usize,
        model: usize,
        /// The first SYN only the device gave back and the first only the model did.
        detail: String,
    },
    #[error("epoch report records differ: device epochs {device:?}, model epochs {model:?}")]
    Epochs { device: Vec<u32>, model: Vec<u32> },
    #[error("connection records differ: the device sent {device} and counted {lost} lost, the model has {model}{detail}")]
    Connections {
        device: usize,
        lost: u64,
        model: usize,
        detail: String,
    },
}

/// Counters never compared: the device's choice of report frames.
const REPORT_FRAME_COUNTERS: [&str; 2] = ["stats.reports", "stats.conn_reports"];
/// Counters of decisions the output's gaps make.
const GAP_COUNTERS: [&str; 2] = ["conn.regen_inline", "conn.kept"];

/// Compare the device's output with the model's on the same input.
pub fn compare(
    device: &DeviceOutput,
    model: &ModelOutput,
    moves: Moves,
    epochs: Epochs,
) -> Result<Agreement, Mismatch> {
    let mut agreed = Agreement::default();
    let inline = device
        .counters
        .get("conn.regen_inline")
        .copied()
        .unwrap_or(0);
    if moves == Moves::Refused && inline != 0 {
        return Err(Mismatch::Moved(inline));
    }
    if device.frames.len() != model.frames.len() {
        return Err(Mismatch::FrameCount {
            device: device.frames.len(),
            model: model.frames.len(),
        });
    }
    for (index, (d, m)) in device.frames.iter().zip(&model.frames).enumerate() {
        if d.trimmed() != m.trimmed() {
            return Err(Mismatch::Frame {
                index,
                device: show(d),
                model: show(m),
            });
        }
    }
    agreed.frames = device.frames.len();
    agreed.regenerated = same_regenerated(&device.regenerated, &model.regenerated)?;
    let lost = device.counters.get("stats.conn_lost").copied().unwrap_or(0);
    agreed.connections = same_connections(&device.connections(), &model.connections, lost)?;
    agreed.connections_lost = lost;
    if epochs == Epochs::Here {
        (agreed.epochs, agreed.epoch_records) = same_epochs(&device.reports, model)?;
    }
    for (name, &value) in &model.counters {
        let name = name.as_str();
        if REPORT_FRAME_COUNTERS.contains(&name) || GAP_COUNTERS.contains(&name) {
            continue;
        }
        if epochs == Epochs::Elsewhere && name == "stats.records" {
            continue;
        }
        // Records lost on the device are the model's records not sent (checked above).
        let want = match name {
            "stats.conn_records" => value.checked_sub(lost),
            "stats.conn_lost" => Some(lost).filter(|_| value == 0),
            _ => Some(value),
        };
        let got = device.counters.get(name).copied();
        if want.is_none() || got != want {
            return Err(Mismatch::Counter {
                name: name.to_string(),
                device: got,
                model: value,
            });
        }
        agreed.counters += 1;
    }
    Ok(agreed)
}

fn same_regenerated(device: &[LaneFrame], model: &[LaneFrame]) -> Result<usize, Mismatch> {
    let sorted = |v: &[LaneFrame]| {
        let mut b: Vec<Vec<u8>> = v.iter().map(|f| f.trimmed().bytes()).collect();
        b.sort();
        b
    };
    let (d, m) = (sorted(device), sorted(model));
    if d != m {
        // The first of each side's leftovers after taking out what both gave back.
        let (mut i, mut j) = (0, 0);
        let (mut only_d, mut only_m) = (None, None);
        while i < d.len() || j < m.len() {
            match (d.get(i), m.get(j)) {
                (Some(a), Some(b)) if a == b => (i, j) = (i + 1, j + 1),
                (Some(a), Some(b)) if a < b => {
                    only_d.get_or_insert(a);
                    i += 1;
                }
                (Some(a), None) => {
                    only_d.get_or_insert(a);
                    i += 1;
                }
                (_, Some(b)) => {
                    only_m.get_or_insert(b);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        let show = |f: Option<&Vec<u8>>| f.map_or_else(|| "none".to_string(), |f| describe_syn(f));
        return Err(Mismatch::Regenerated {
            device: device.len(),
            model: model.len(),
            detail: format!(
                "only the device's: {}; only the model's: {}",
                show(only_d),
                show(only_m)
            ),
        });
    }
    Ok(device.len())
}

/// A regenerated SYN in a few words: its tag's timestamp and SYN fields (read with the default
/// EtherType), its first bytes.
fn describe_syn(frame: &[u8]) -> String {
    let head: String = frame.iter().take(96).map(|b| format!("{b:02x}")).collect();
    match vantage_proto::header::TaggedHeader::decode(
        frame,
        vantage_proto::header::DEFAULT_ETHERTYPE,
    ) {
        Ok((h, _)) => format!(
            "ts {:?} syn {:?} ({} bytes: {head}..)",
            h.timestamp(),
            h.syn(),
            frame.len()
        ),
        Err(_) => format!("{} bytes: {head}..", frame.len()),
    }
}

/// The device's records are the model's as multisets, but for `lost` of the model's the device
/// counted lost: every record it sent is one of the model's, and `lost` are left over.
fn same_connections(
    device: &[ConnRecord],
    model: &[ConnRecord],
    lost: u64,
) -> Result<usize, Mismatch> {
    let mut left: BTreeMap<&ConnRecord, usize> = BTreeMap::new();
    for r in model {
        *left.entry(r).or_default() += 1;
    }
    let differ = |detail: String| Mismatch::Connections {
        device: device.len(),
        lost,
        model: model.len(),
        detail,
    };
    for r in device {
        match left.get_mut(r) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                return Err(differ(format!(
                    "; the device sent one the model does not have: {r:?}"
                )))
            }
        }
    }
    let unsent: usize = left.values().sum();
    if unsent as u64 != lost {
        return Err(differ(format!("; {unsent} of the model's were not sent")));
    }
    Ok(device.len())
}

/// The device's report frames hold, epoch by epoch, the model's records in the model's order.
fn same_epochs(reports: &[ReportFrame], model: &ModelOutput) -> Result<(usize, usize), Mismatch> {
    let mut got: BTreeMap<u32, Vec<vantage_proto::report::Record>> = BTreeMap::new();
    for r in reports.iter().filter(|r| !r.info.connections) {
        got.entry(r.info.epoch)
            .or_default()
            .extend(r.records.iter().cloned());
    }
    let want: BTreeMap<u32, Vec<vantage_proto::report::Record>> = model
        .reports
        .iter()
        .map(|r| (r.epoch, r.records.clone()))
        .collect();
    if got != want {
        return Err(Mismatch::Epochs {
            device: got.keys().copied().collect(),
            model: want.keys().copied().collect(),
        });
    }
    Ok((want.len(), want.values().map(Vec::len).sum()))
}

/// A frame lane by lane (`__` for a hole), for a mismatch message.
pub fn show(f: &LaneFrame) -> String {
    let lanes: Vec<String> = f
        .lanes
        .iter()
        .map(|l| l.map_or("__".into(), |b| format!("{b:02x}")))
        .collect();
    format!("user={} len={} {}", f.user, f.lanes.len(), lanes.join(""))
}
