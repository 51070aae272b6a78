//! Reading and writing the captures Vantage replays.
//!
//! * Formats: classic pcap (µs and ns, either byte order) and pcapng (any number of sections and
//!   interfaces, per-interface link type and timestamp resolution), each optionally gzip
//!   compressed. The format is detected from the first bytes, never from the file name.
//! * Link types: Ethernet (1) as is; raw IP (101, 228 = IPv4, 229 = IPv6), loopback (0, 108:
//!   the 4-byte address family dropped) and Linux cooked captures (113, 276: their EtherType
//!   kept) get a synthetic 14-byte Ethernet header so the NIC pipeline always sees Ethernet:
//!
//! ```text
//!  +-------------------+-------------------+-----------+----------------
//!  | dst SYNTH_DST_MAC | src SYNTH_SRC_MAC | EtherType | the IP packet
//!  | 02:00:00:00:00:02 | 02:00:00:00:00:01 | 2 bytes   |
//!  +-------------------+-------------------+-----------+----------------
//!  EtherType: 0x86DD for link type 229, or 101 with IP version nibble 6; 0x0800 otherwise.
//! ```
//! * Writing: classic pcap, little endian, nanosecond resolution, Ethernet.
//!
//! Reading never panics and never loops on damaged input; every error names the file and, for
//! damaged files, the record, its byte offset and how many packets were read before it.

use std::fmt;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapParser, PcapWriter};
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use thiserror::Error;

/// One captured frame, always starting with an Ethernet header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// Capture time in ns since the Unix epoch.
    pub ts_ns: u64,
    /// The frame as captured (without FCS), Ethernet header first.
    pub data: Vec<u8>,
}

/// Destination MAC of the synthetic Ethernet header put in front of raw IP packets
/// (locally administered, unicast).
pub const SYNTH_DST_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
/// Source MAC of the synthetic Ethernet header put in front of raw IP packets.
pub const SYNTH_SRC_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86DD;

/// Link types `read` accepts, with their names.
pub const SUPPORTED_LINK_TYPES: [(u32, &str); 8] = [
    (1, "Ethernet"),
    (101, "raw IP"),
    (228, "raw IPv4"),
    (229, "raw IPv6"),
    (0, "BSD loopback"),
    (108, "OpenBSD loopback"),
    (113, "Linux cooked v1"),
    (276, "Linux cooked v2"),
];

/// A record bigger than this is taken as corruption (Wireshark's limit for ordinary link types).
pub const MAX_RECORD_BYTES: u32 = 262_144;

/// Which container the bytes are in (after gzip is undone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pcap,
    PcapNg,
}

/// Where in a file something went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file header (pcap global header or the first pcapng section header).
    FileHeader,
    /// Record (pcap packet record, or pcapng block) number `index` (1-based) starting at byte
    /// `offset` of the (decompressed) file.
    Record { index: u64, offset: u64 },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::FileHeader => write!(f, "the file header"),
            Location::Record { index, offset } => {
                write!(f, "record {index} at byte offset {offset}")
            }
        }
    }
}

#[derive(Debug, Error)]
pub enum CaptureError {
    #[error("capture file {} not found", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is empty (0 bytes), not a pcap or pcapng file", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{} is not a pcap or pcapng file: it starts with {magic}, expected a1b2c3d4/a1b23c4d \
         (pcap, either byte order), 0a0d0d0a (pcapng) or 1f8b (gzip)",
        path.display()
    )]
    NotCapture { path: PathBuf, magic: String },
    #[error(
        "{} is damaged: {location}{} is {problem} ({packets_read} packet{} read before it)",
        path.display(),
        if *decompressed { " of the decompressed data" } else { "" },
        if *packets_read == 1 { "" } else { "s" }
    )]
    Damaged {
        path: PathBuf,
        location: Location,
        problem: String,
        packets_read: u64,
        decompressed: bool,
    },
    #[error("{} is damaged: its gzip stream breaks off after {decompressed_bytes} bytes: {source}", path.display())]
    Gzip {
        path: PathBuf,
        decompressed_bytes: u64,
        source: std::io::Error,
    },
    #[error(
        "{}: link type {link_type} ({name}){} is not supported; supported: {}",
        path.display(),
        interface.map(|i| format!(" of pcapng interface {i}")).unwrap_or_default(),
        supported_list()
    )]
    UnsupportedLinkType {
        path: PathBuf,
        link_type: u32,
        name: String,
        interface: Option<u32>,
    },
    #[error("cannot write {}: {problem}", path.display())]
    Write { path: PathBuf, problem: String },
}

fn supported_list() -> String {
    SUPPORTED_LINK_TYPES
        .iter()
        .map(|(n, name)| format!("{n} ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn link_type_name(n: u32) -> String {
    match DataLink::from(n) {
        DataLink::Unknown(_) => "unknown".to_string(),
        d => format!("{d:?}"),
    }
}

/// How a link type's frames become Ethernet frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Ethernet,
    /// Raw IP; the EtherType is taken from the version nibble.
    RawIp,
    RawIpv4,
    RawIpv6,
    /// BSD loopback (0, host byte order) and OpenBSD loopback (108, network order): a 4-byte
    /// address family, then the IP packet. The family's byte order varies with the capturing
    /// host, so the IP version nibble decides, as for raw IP.
    Loopback,
    /// Linux "cooked" capture v1 (113): 16-byte header with the EtherType at bytes 14..16.
    LinuxSll,
    /// Linux "cooked" capture v2 (276): 20-byte header with the EtherType at bytes 0..2.
    LinuxSll2,
}

fn link_of(n: u32) -> Option<Link> {
    match n {
        1 => Some(Link::Ethernet),
        101 => Some(Link::RawIp),
        228 => Some(Link::RawIpv4),
        229 => Some(Link::RawIpv6),
        0 | 108 => Some(Link::Loopback),
        113 => Some(Link::LinuxSll),
        276 => Some(Link::LinuxSll2),
        _ => None,
    }
}

fn to_ethernet(link: Link, data: &[u8]) -> Vec<u8> {
    let data = if link == Link::Loopback {
        data.get(4..).unwrap_or_default()
    } else {
        data
    };
    let cooked = |at: usize, len: usize| {
        let et = data
            .get(at..at + 2)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
        (et, data.get(len..).unwrap_or_default())
    };
    let (ethertype, data) = match link {
        Link::LinuxSll => cooked(14, 16),
        Link::LinuxSll2 => cooked(0, 20),
        _ => (0, data),
    };
    let ethertype = match link {
        Link::LinuxSll | Link::LinuxSll2 => ethertype,
        Link::Ethernet => return data.to_vec(),
        Link::RawIpv4 => ETHERTYPE_IPV4,
        Link::RawIpv6 => ETHERTYPE_IPV6,
        Link::RawIp | Link::Loopback => match data.first().map(|b| b >> 4) {
            Some(6) => ETHERTYPE_IPV6,
            _ => ETHERTYPE_IPV4,
        },
    };
    let mut out = Vec::with_capacity(14 + data.len());
    out.extend_from_slice(&SYNTH_DST_MAC);
    out.extend_from_slice(&SYNTH_SRC_MAC);
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// Read a capture as the datapath takes it: each frame with its capture time (ns).
pub fn read_lanes(path: &Path) -> Result<Vec<(u64, vantage_proto::axis::LaneFrame)>, CaptureError> {
    Ok(read(path)?
        .into_iter()
        .map(|p| (p.ts_ns, vantage_proto::axis::LaneFrame::from_bytes(&p.data)))
        .collect())
}

/// Read every packet of a pcap or pcapng file (gzip-compressed or not).
pub fn read(path: &Path) -> Result<Vec<Packet>, CaptureError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CaptureError::NotFound {
            path: path.to_path_buf(),
        },
        _ => CaptureError::Read {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    let packets = parse(&bytes, path)?;
    tracing::debug!(path = %path.display(), packets = packets.len(), "capture read");
    Ok(packets)
}

/// Parse the bytes of a capture file; `path` is only used in error messages.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Vec<Packet>, CaptureError> {
    if bytes.len() >= 2 && bytes[..2] == [0x1f, 0x8b] {
        let mut out = Vec::new();
        let mut dec = flate2::read::MultiGzDecoder::new(bytes);
        if let Err(source) = dec.read_to_end(&mut out) {
            return Err(CaptureError::Gzip {
                path: path.to_path_buf(),
                decompressed_bytes: out.len() as u64,
                source,
            });
        }
        return parse_plain(&out, path, true);
    }
    parse_plain(bytes, path, false)
}

fn parse_plain(bytes: &[u8], path: &Path, decompressed: bool) -> Result<Vec<Packet>, CaptureError> {
    let ctx = Ctx {
        path,
        decompressed,
        total: bytes.len(),
    };
    if bytes.is_empty() {
        return Err(CaptureError::Empty {
            path: path.to_path_buf(),
        });
    }
    let magic = &bytes[..bytes.len().min(4)];
    let format = match magic {
        [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d]
        | [0x4d, 0x3c, 0xb2, 0xa1] => Format::Pcap,
        [0x0a, 0x0d, 0x0d, 0x0a] => Format::PcapNg,
        _ => {
            let hex: String = magic.iter().map(|b| format!("{b:02x}")).collect();
            return Err(CaptureError::NotCapture {
                path: path.to_path_buf(),
                magic: hex,
            });
        }
    };
    match format {
        Format::Pcap => parse_pcap(bytes, &ctx),
        Format::PcapNg => parse_pcapng(bytes, &ctx),
    }
}

struct Ctx<'a> {
    path: &'a Path,
    decompressed: bool,
    total: usize,
}

impl Ctx<'_> {
    fn damaged(
        &self,
        location: Location,
        problem: impl Into<String>,
        packets_read: usize,
    ) -> CaptureError {
        CaptureError::Damaged {
            path: self.path.to_path_buf(),
            location,
            problem: problem.into(),
            packets_read: packets_read as u64,
            decompressed: self.decompressed,
        }
    }

    fn offset_of(&self, rest: &[u8]) -> u64 {
        (self.total - rest.len()) as u64
    }
}

fn parse_pcap(bytes: &[u8], ctx: &Ctx) -> Result<Vec<Packet>, CaptureError> {
    let (mut rest, parser) = match PcapParser::new(bytes) {
        Ok(v) => v,
        Err(PcapError::IncompleteBuffer) => {
            return Err(ctx.damaged(
                Location::FileHeader,
                format!("truncated: {} of 24 bytes", bytes.len()),
                0,
            ))
        }
        Err(e) => return Err(ctx.damaged(Location::FileHeader, format!("corrupt: {e}"), 0)),
    };
    let header = parser.header();
    let link_type = u32::from(header.datalink);
    let link = link_of(link_type).ok_or_else(|| CaptureError::UnsupportedLinkType {
        path: ctx.path.to_path_buf(),
        link_type,
        name: link_type_name(link_type),
        interface: None,
    })?;
    let frac_ns: u64 = match header.ts_resolution {
        TsResolution::MicroSecond => 1_000,
        TsResolution::NanoSecond => 1,
    };
    let mut packets = Vec::new();
    while !rest.is_empty() {
        let location = Location::Record {
            index: packets.len() as u64 + 1,
            offset: ctx.offset_of(rest),
        };
        if rest.len() < 16 {
            return Err(ctx.damaged(
                location,
                format!(
                    "truncated: its 16-byte record header has only {} bytes",
                    rest.len()
                ),
                packets.len(),
            ));
        }
        let word = |i: usize| {
            let b = [rest[i], rest[i + 1], rest[i + 2], rest[i + 3]];
            match header.endianness {
                Endianness::Big => u32::from_be_bytes(b),
                Endianness::Little => u32::from_le_bytes(b),
            }
        };
        let incl_len = word(8);
        if incl_len > MAX_RECORD_BYTES {
            return Err(ctx.damaged(
                location,
                format!(
                    "corrupt: it claims {incl_len} captured bytes (more than {MAX_RECORD_BYTES})"
                ),
                packets.len(),
            ));
        }
        if rest.len() - 16 < incl_len as usize {
            return Err(ctx.damaged(
                location,
                format!(
                    "truncated: it claims {incl_len} bytes but only {} follow its header",
                    rest.len() - 16
                ),
                packets.len(),
            ));
        }
        let (next, raw) = match parser.next_raw_packet(rest) {
            Ok(v) => v,
            Err(e) => return Err(ctx.damaged(location, format!("corrupt: {e}"), packets.len())),
        };
        let ts_ns = (raw.ts_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(raw.ts_frac as u64 * frac_ns);
        packets.push(Packet {
            ts_ns,
            data: to_ethernet(link, &raw.data),
        });
        rest = next;
    }
    Ok(packets)
}

/// Per-interface state of a pcapng section.
struct Interface {
    link: Link,
    snaplen: u32,
    /// if_tsresol: bit 7 clear = 10^-n s, set = 2^-n s. Default 6 (µs).
    tsresol: u8,
    /// if_tsoffset in seconds.
    tsoffset: u64,
}

fn ticks_to_ns(ticks: u64, tsresol: u8) -> u64 {
    let exp = u32::from(tsresol & 0x7f);
    let ns: u128 = if tsresol & 0x80 != 0 {
        if exp >= 128 {
            0
        } else {
            (ticks as u128 * 1_000_000_000) >> exp
        }
    } else if exp <= 9 {
        ticks as u128 * 10u128.pow(9 - exp)
    } else if exp - 9 > 38 {
        0
    } else {
        ticks as u128 / 10u128.pow(exp - 9)
    };
    u64::try_from(ns).unwrap_or(u64::MAX)
}

fn parse_pcapng(bytes: &[u8], ctx: &Ctx) -> Result<Vec<Packet>, CaptureError> {
    let (mut rest, mut parser) = match PcapNgParser::new(bytes) {
        Ok(v) => v,
        Err(PcapError::IncompleteBuffer) => {
            return Err(ctx.damaged(
                Location::FileHeader,
                "truncated (section header block cut short)",
                0,
            ))
        }
        Err(e) => return Err(ctx.damaged(Location::FileHeader, format!("corrupt: {e}"), 0)),
    };
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut packets = Vec::new();
    // The section header is block 1.
    let mut index: u64 = 1;
    while !rest.is_empty() {
        index += 1;
        let location = Location::Record {
            index,
            offset: ctx.offset_of(rest),
        };
        let (next, block) = match parser.next_block(rest) {
            Ok(v) => v,
            Err(PcapError::IncompleteBuffer) => {
                return Err(ctx.damaged(
                    location,
                    format!(
                        "truncated: the block runs past the end of the file ({} bytes left)",
                        rest.len()
                    ),
                    packets.len(),
                ))
            }
            Err(e) => return Err(ctx.damaged(location, format!("corrupt: {e}"), packets.len())),
        };
        let packet_interface = |id: u32, interfaces: &[Interface]| -> Result<usize, CaptureError> {
            let i = id as usize;
            if i < interfaces.len() {
                Ok(i)
            } else {
                Err(ctx.damaged(
                    location.clone(),
                    format!(
                        "corrupt: packet of interface {id} but the section describes {}",
                        interfaces.len()
                    ),
                    packets.len(),
                ))
            }
        };
        match block {
            Block::SectionHeader(_) => interfaces.clear(),
            Block::InterfaceDescription(idb) => {
                let link_type = u32::from(idb.linktype);
                let link = link_of(link_type).ok_or_else(|| CaptureError::UnsupportedLinkType {
                    path: ctx.path.to_path_buf(),
                    link_type,
                    name: link_type_name(link_type),
                    interface: Some(interfaces.len() as u32),
                })?;
                let mut iface = Interface {
                    link,
                    snaplen: idb.snaplen,
                    tsresol: 6,
                    tsoffset: 0,
                };
                for opt in &idb.options {
                    match opt {
                        InterfaceDescriptionOption::IfTsResol(r) => iface.tsresol = *r,
                        InterfaceDescriptionOption::IfTsOffset(o) => iface.tsoffset = *o,
                        _ => {}
                    }
                }
                interfaces.push(iface);
            }
            Block::EnhancedPacket(epb) => {
                let i = packet_interface(epb.interface_id, &interfaces)?;
                let iface = &interfaces[i];
                // pcap-file hands the raw 64-bit tick count over as nanoseconds.
                let ticks = u64::try_from(epb.timestamp.as_nanos()).unwrap_or(u64::MAX);
                let ts_ns = ticks_to_ns(ticks, iface.tsresol)
                    .saturating_add(iface.tsoffset.saturating_mul(1_000_000_000));
                packets.push(Packet {
                    ts_ns,
                    data: to_ethernet(iface.link, &epb.data),
                });
            }
            Block::SimplePacket(spb) => {
                let i = packet_interface(0, &interfaces)?;
                let iface = &interfaces[i];
                let mut len = (spb.original_len as usize).min(spb.data.len());
                if iface.snaplen != 0 {
                    len = len.min(iface.snaplen as usize);
                }
                packets.push(Packet {
                    ts_ns: 0,
                    data: to_ethernet(iface.link, &spb.data[..len]),
                });
            }
            Block::Packet(pb) => {
                let i = packet_interface(u32::from(pb.interface_id), &interfaces)?;
                let iface = &interfaces[i];
                let ts_ns = ticks_to_ns(pb.timestamp, iface.tsresol)
                    .saturating_add(iface.tsoffset.saturating_mul(1_000_000_000));
                packets.push(Packet {
                    ts_ns,
                    data: to_ethernet(iface.link, &pb.data),
                });
            }
            _ => {}
        }
        rest = next;
    }
    Ok(packets)
}

/// Write packets as a classic pcap file: little endian, nanosecond timestamps, Ethernet.
pub fn write(path: &Path, packets: &[Packet]) -> Result<(), CaptureError> {
    let werr = |problem: String| CaptureError::Write {
        path: path.to_path_buf(),
        problem,
    };
    let file = std::fs::File::create(path).map_err(|e| werr(e.to_string()))?;
    let mut out = BufWriter::new(file);
    write_to(&mut out, packets).map_err(werr)?;
    out.flush().map_err(|e| werr(e.to_string()))?;
    tracing::debug!(path = %path.display(), packets = packets.len(), "capture written");
    Ok(())
}

/// Write packets as a classic pcap stream (see [`write`]).
pub fn write_to<W: Write>(out: W, packets: &[Packet]) -> Result<(), String> {
    let max_len = packets.iter().map(|p| p.data.len()).max().unwrap_or(0);
    let snaplen = u32::try_from(max_len.max(65_535))
        .map_err(|_| format!("a packet of {max_len} bytes is too long for pcap"))?;
    let header = PcapHeader {
        version_major: 2,
        version_minor: 4,
        ts_correction: 0,
        ts_accuracy: 0,
        snaplen,
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::NanoSecond,
        endianness: Endianness::Little,
    };
    let mut writer = PcapWriter::with_header(out, header).map_err(|e| e.to_string())?;
    for (i, p) in packets.iter().enumerate() {
        let ts = std::time::Duration::from_nanos(p.ts_ns);
        if ts.as_secs() > u64::from(u32::MAX) {
            return Err(format!(
                "packet {} has timestamp {} ns, past what pcap can hold (year 2106)",
                i + 1,
                p.ts_ns
            ));
        }
        let orig_len = p.data.len() as u32;
        writer
            .write_packet(&PcapPacket::new(ts, orig_len, &p.data))
            .map_err(|e| format!("packet {}: {e}", i + 1))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_bytes(b: &[u8]) -> Result<Vec<Packet>, CaptureError> {
        parse(b, Path::new("t.pcap"))
    }

    fn pcap_bytes(packets: &[Packet]) -> Vec<u8> {
        let mut v = Vec::new();
        write_to(&mut v, packets).unwrap();
        v
    }

    #[test]
    fn roundtrip_pcap() {
        let pk = vec![
            Packet {
                ts_ns: 1_700_000_000_123_456_789,
                data: (0..60).collect(),
            },
            Packet {
                ts_ns: 1_700_000_001_000_000_001,
                data: vec![0xff; 1514],
            },
        ];
        assert_eq!(parse_bytes(&pcap_bytes(&pk)).unwrap(), pk);
    }

    #[test]
    fn gzip_detected_by_magic() {
        let pk = vec![Packet {
            ts_ns: 5,
            data: vec![1; 64],
        }];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&pcap_bytes(&pk)).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(parse(&gz, Path::new("no-gz-suffix.pcap")).unwrap(), pk);
        let e = parse(&gz[..gz.len() - 10], Path::new("x")).unwrap_err();
        assert!(matches!(e, CaptureError::Gzip { .. }), "{e}");
    }

    #[test]
    fn errors_are_precise() {
        let e = parse_bytes(b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.pcap is empty (0 bytes), not a pcap or pcapng file"
        );
        let e = parse_bytes(b"hello world").unwrap_err();
        assert!(e.to_string().contains("starts with 68656c6c"), "{e}");
        let mut b = pcap_bytes(&[
            Packet {
                ts_ns: 0,
                data: vec![0; 60],
            },
            Packet {
                ts_ns: 0,
                data: vec![0; 60],
            },
        ]);
        b.truncate(b.len() - 1);
        let e = parse_bytes(&b).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.pcap is damaged: record 2 at byte offset 100 is truncated: it claims 60 bytes but only 59 \
             follow its header (1 packet read before it)"
        );
        b[20] = 105; // link type 105: IEEE 802.11
        let e = parse_bytes(&b).unwrap_err();
        assert!(
            e.to_string()
                .contains("link type 105 (IEEE802_11) is not supported; supported: 1 (Ethernet)"),
            "{e}"
        );
    }

    #[test]
    fn raw_ip_gets_ethernet() {
        let v6 = [0x60u8, 0, 0, 0];
        let f = to_ethernet(Link::RawIp, &v6);
        assert_eq!(&f[..12], [SYNTH_DST_MAC, SYNTH_SRC_MAC].concat());
        assert_eq!(&f[12..14], &[0x86, 0xdd]);
        assert_eq!(&f[14..], &v6);
        assert_eq!(&to_ethernet(Link::RawIp, &[0x45])[12..14], &[0x08, 0x00]);
        assert_eq!(&to_ethernet(Link::RawIpv6, &[0x45])[12..14], &[0x86, 0xdd]);
    }

    #[test]
    fn loopback_and_cooked_get_ethernet() {
        let ip = [0x45u8, 0, 0, 20];
        let lo = to_ethernet(Link::Loopback, &[[2u8, 0, 0, 0].as_slice(), &ip].concat());
        assert_eq!((&lo[12..14], &lo[14..]), (&[0x08u8, 0x00][..], &ip[..]));
        let mut sll = vec![0u8; 16];
        sll[14..16].copy_from_slice(&[0x86, 0xdd]);
        let f = to_ethernet(Link::LinuxSll, &[sll.as_slice(), &ip].concat());
        assert_eq!((&f[12..14], &f[14..]), (&[0x86u8, 0xdd][..], &ip[..]));
        let mut sll2 = vec![0u8; 20];
        sll2[0..2].copy_from_slice(&[0x08, 0x06]);
        let f = to_ethernet(Link::LinuxSll2, &[sll2.as_slice(), &ip].concat());
        assert_eq!((&f[12..14], &f[14..]), (&[0x08u8, 0x06][..], &ip[..]));
        assert_eq!(
            to_ethernet(Link::LinuxSll, &[1, 2]).len(),
            14,
            "short cooked header: empty payload, no panic"
        );
    }

    #[test]
    fn pcapng_tsresol() {
        assert_eq!(ticks_to_ns(5, 6), 5_000);
        assert_eq!(ticks_to_ns(5, 9), 5);
        assert_eq!(ticks_to_ns(5_000, 12), 5);
        assert_eq!(ticks_to_ns(1 << 30, 0x80 | 30), 1_000_000_000);
        assert_eq!(ticks_to_ns(u64::MAX, 0), u64::MAX);
        assert_eq!(ticks_to_ns(7, 127), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_bytes(&bytes);
        }

        #[test]
        fn random_bytes_after_magic_never_panic(magic in 0usize..5, tail in proptest::collection::vec(any::<u8>(), 0..400)) {
            let magics: [&[u8]; 5] = [
                &[0xd4, 0xc3, 0xb2, 0xa1], &[0xa1, 0xb2, 0x3c, 0x4d], &[0x0a, 0x0d, 0x0d, 0x0a],
                &[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a], &[0x1f, 0x8b]];
            let mut b = magics[magic].to_vec();
            b.extend(tail);
            let _ = parse_bytes(&b);
        }

        #[test]
        fn written_files_read_back(pk in proptest::collection::vec(
            (0u64..4_000_000_000_000_000_000, proptest::collection::vec(any::<u8>(), 0..200)), 0..8)) {
            let pk: Vec<Packet> = pk.into_iter().map(|(ts_ns, data)| Packet { ts_ns, data }).collect();
            prop_assert_eq!(parse_bytes(&pcap_bytes(&pk)).unwrap(), pk);
        }
    }
}
