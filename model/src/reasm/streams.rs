//! The monitor's side of the REASM tag: rebuild each connection's stream per direction from the
//! tagged frames, as a monitor behind the stage would, and check the tags as it goes.
//!
//! ```text
//!  frame with REASM tag, status IN_ORDER or RELEASED:
//!      stream position p (bytes, gaps and FINs so far)  ==  offset + skip - gap   (checked)
//!      gap bytes missing at p, then payload[skip..] appended, then +1 for a FIN
//!  RETRANSMISSION, CONTROL: nothing appended;  FALLBACK: the stream's fallback reason is noted
//! ```
//! `vantage decode --streams` writes what this collects; the tests compare it with tshark's
//! `follow,tcp,raw` of the input.

use super::segment::tcp_segment;
use std::collections::BTreeMap;
use vantage_proto::conn::{tcp_flags, Endpoint};
use vantage_proto::header::strip;
use vantage_proto::reasm::{ReasmInfo, Status, FLAG_INCONSISTENT, OFFSET_MASK};

/// One direction of one connection as the monitor gets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    pub v6: bool,
    /// Sender and receiver.
    pub src: Endpoint,
    pub dst: Endpoint,
    /// The stream's bytes, gaps left out.
    pub bytes: Vec<u8>,
    /// (stream offset, length) of each gap.
    pub gaps: Vec<(u64, u64)>,
    /// The fallback reason, if the stage stopped following the connection.
    pub fallback: Option<u8>,
    /// Frames flagged inconsistent.
    pub inconsistent: u32,
    /// Stream position: bytes, gaps and a FIN so far.
    pub pos: u64,
    /// A FIN was delivered.
    pub fin: bool,
}

/// Every stream seen, by (flow id, direction), and the tag errors found.
#[derive(Clone, Debug, Default)]
pub struct Streams {
    pub streams: BTreeMap<(u64, u8), Stream>,
    /// Frames whose tag contradicts the stream (offset not at the stream's position, bytes after
    /// a FIN): each one described.
    pub errors: Vec<String>,
    /// Frames without a REASM tag.
    pub untagged: u64,
}

impl Streams {
    /// Take one output frame (`index` names it in errors).
    pub fn add(&mut self, index: usize, frame: &[u8], ethertype: u16) {
        let Ok((header, original)) = strip(frame, ethertype) else {
            self.untagged += 1;
            return;
        };
        let (Some(info), Some(flow)) = (header.reasm(), header.flow()) else {
            self.untagged += 1;
            return;
        };
        let Ok(seg) = tcp_segment(&original, flow.l3_offset as usize, 0) else {
            self.errors.push(format!(
                "frame {index}: REASM tag on a frame without a TCP segment"
            ));
            return;
        };
        let (a, b) = (seg.key.low, seg.key.high);
        let (src, dst) = if seg.side == 0 { (a, b) } else { (b, a) };
        let s = self
            .streams
            .entry((info.flow_id, info.direction()))
            .or_insert_with(|| Stream {
                v6: seg.key.v6,
                src,
                dst,
                ..Stream::default()
            });
        if info.flags & FLAG_INCONSISTENT != 0 {
            s.inconsistent += 1;
        }
        match info.status() {
            Some(Status::Fallback) => s.fallback = Some(info.reason),
            Some(st) if st.delivers() => deliver(
                s,
                index,
                &info,
                &original[seg.payload.clone()],
                seg.has(tcp_flags::FIN),
                &mut self.errors,
            ),
            _ => {}
        }
    }

    /// Collect every frame of an output.
    pub fn of<'a>(frames: impl IntoIterator<Item = &'a [u8]>, ethertype: u16) -> Streams {
        let mut s = Streams::default();
        for (i, f) in frames.into_iter().enumerate() {
            s.add(i, f, ethertype);
        }
        s
    }
}

fn deliver(
    s: &mut Stream,
    index: usize,
    info: &ReasmInfo,
    payload: &[u8],
    fin: bool,
    errors: &mut Vec<String>,
) {
    let first_new = (info.offset + u64::from(info.skip)) & OFFSET_MASK;
    let expected = (s.pos + u64::from(info.gap)) & OFFSET_MASK;
    if first_new != expected {
        errors.push(format!(
            "frame {index}: flow {} direction {}: new bytes at offset {first_new}, the stream is at {} (gap {})",
            info.flow_id,
            info.direction(),
            s.pos,
            info.gap
        ));
    }
    if s.fin && (!payload.is_empty() || fin) {
        errors.push(format!(
            "frame {index}: flow {}: bytes after the FIN",
            info.flow_id
        ));
    }
    if info.gap > 0 {
        s.gaps.push((s.pos, u64::from(info.gap)));
    }
    let skip = usize::from(info.skip).min(payload.len());
    s.bytes.extend_from_slice(&payload[skip..]);
    s.pos += u64::from(info.gap) + (payload.len() - skip) as u64 + u64::from(fin);
    s.fin |= fin;
}
