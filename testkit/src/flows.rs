//! TCP and UDP exchanges built frame by frame, with their sequence numbers, acknowledgements and
//! checksums right, so tshark, Zeek and the pipeline see ordinary connections.
//!
//! ```text
//!  one frame: Ethernet II │ IPv4 (TTL 64) or IPv6 (hop limit 64) │ TCP (20 bytes) or UDP │ payload
//!             MACs 02:00:<last 4 address bytes>, so each host keeps one MAC;
//!             zero padding to 60 bytes, as on the wire
//! ```
//!
//! [`ipv4_tcp_skeleton`] is the exception: a frame that is IPv4/TCP by three fields only, for
//! tests of what goes in front of a frame rather than of the frame itself.

use etherparse::{IpHeaders, PacketBuilder, PacketBuilderStep};
use std::net::IpAddr;

/// An endpoint: address and port.
pub type Endpoint = (IpAddr, u16);

/// Frames with their capture times in ns, in the order they were added (sorted by [`Frames::sorted`]).
#[derive(Default)]
pub struct Frames {
    list: Vec<(u64, Vec<u8>)>,
}

impl Frames {
    /// Add one frame at `t_ns`.
    pub fn push(&mut self, t_ns: u64, frame: Vec<u8>) {
        self.list.push((t_ns, frame));
    }

    /// Every frame in time order (frames of one time keep the order they were added in).
    pub fn sorted(mut self) -> Vec<(u64, Vec<u8>)> {
        self.list.sort_by_key(|f| f.0);
        self.list
    }

    /// How many frames there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether no frame was added.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A locally administered MAC for an address: 02:00 and the address's last four bytes.
fn mac(a: IpAddr) -> [u8; 6] {
    let b: Vec<u8> = match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    };
    let n = b.len();
    [2, 0, b[n - 4], b[n - 3], b[n - 2], b[n - 1]]
}

/// Ethernet and IP from `src` to `dst` (both IPv4 or both IPv6).
fn ip(src: IpAddr, dst: IpAddr) -> PacketBuilderStep<IpHeaders> {
    let eth = PacketBuilder::ethernet2(mac(src), mac(dst));
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => eth.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => eth.ipv6(s.octets(), d.octets(), 64),
        _ => panic!("{src} and {dst} are of different IP versions"),
    }
}

/// TCP flags of a segment.
#[derive(Clone, Copy, Default)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub psh: bool,
}

/// SYN alone.
pub const SYN: Flags = Flags {
    syn: true,
    ack: false,
    fin: false,
    rst: false,
    psh: false,
};

/// One TCP segment from `src` to `dst`.
pub fn tcp_segment(
    src: Endpoint,
    dst: Endpoint,
    seq: u32,
    ack: u32,
    flags: Flags,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = ip(src.0, dst.0).tcp(src.1, dst.1, seq, 64_240);
    if flags.syn {
        b = b.syn();
    }
    if flags.ack {
        b = b.ack(ack);
    }
    if flags.fin {
        b = b.fin();
    }
    if flags.rst {
        b = b.rst();
    }
    if flags.psh {
        b = b.psh();
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload)
        .expect("a TCP segment within IP's limits");
    pad(out)
}

/// Shortest frame on the wire without its FCS: shorter frames get zero padding, as a NIC sends
/// them (a tap captures the padding).
const MIN_FRAME: usize = 60;

fn pad(mut f: Vec<u8>) -> Vec<u8> {
    if f.len() < MIN_FRAME {
        f.resize(MIN_FRAME, 0);
    }
    f
}

/// A 64-byte frame that is IPv4/TCP by its EtherType (0x0800), version and header length (0x45)
/// and protocol (6) alone, every other byte zero: enough for tests of the Vantage header in front
/// of a frame, not a packet a dissector would take apart.
pub fn ipv4_tcp_skeleton() -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[12] = 0x08;
    f[14] = 0x45;
    f[23] = 6;
    f
}

/// One UDP datagram from `src` to `dst`.
pub fn udp_datagram(src: Endpoint, dst: Endpoint, payload: &[u8]) -> Vec<u8> {
    let b = ip(src.0, dst.0).udp(src.1, dst.1);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload)
        .expect("a UDP datagram within IP's limits");
    pad(out)
}

/// One TCP connection: the next sequence number of each side, so segments follow each other.
pub struct Tcp {
    pub orig: Endpoint,
    pub resp: Endpoint,
    /// Next sequence number the originator sends.
    pub o_next: u32,
    /// Next sequence number the responder sends.
    pub r_next: u32,
}

impl Tcp {
    /// A connection whose sides start at these ISNs (nothing sent yet).
    pub fn new(orig: Endpoint, resp: Endpoint, o_isn: u32, r_isn: u32) -> Self {
        Tcp {
            orig,
            resp,
            o_next: o_isn,
            r_next: r_isn,
        }
    }

    /// A segment from the originator (`from_orig`) or the responder, and its sequence space used.
    pub fn send(&mut self, from_orig: bool, flags: Flags, payload: &[u8]) -> Vec<u8> {
        let used = payload.len() as u32 + u32::from(flags.syn) + u32::from(flags.fin);
        let (src, dst, seq, ack) = if from_orig {
            (self.orig, self.resp, self.o_next, self.r_next)
        } else {
            (self.resp, self.orig, self.r_next, self.o_next)
        };
        let f = tcp_segment(src, dst, seq, ack, flags, payload);
        if from_orig {
            self.o_next = self.o_next.wrapping_add(used);
        } else {
            self.r_next = self.r_next.wrapping_add(used);
        }
        f
    }

    /// The originator's SYN again, as a retransmission (same ISN).
    pub fn resend_syn(&self) -> Vec<u8> {
        tcp_segment(
            self.orig,
            self.resp,
            self.o_next.wrapping_sub(1),
            0,
            SYN,
            &[],
        )
    }

    /// SYN, SYN-ACK and ACK, `rtt_ns` apart from `t`; gives the time of the ACK.
    pub fn open(&mut self, out: &mut Frames, t: u64, rtt_ns: u64) -> u64 {
        out.push(t, self.send(true, SYN, &[]));
        let syn_ack = Flags {
            syn: true,
            ack: true,
            ..Flags::default()
        };
        out.push(t + rtt_ns / 2, self.send(false, syn_ack, &[]));
        out.push(t + rtt_ns, self.send(true, ACK, &[]));
        t + rtt_ns
    }

    /// `bytes` of `fill` from one side in segments of at most `mss`, each pair ACKed by the
    /// other side half an RTT later; gives the time of the last segment.
    pub fn transfer(
        &mut self,
        out: &mut Frames,
        from_orig: bool,
        t: u64,
        bytes: usize,
        mss: usize,
        gap_ns: u64,
        rtt_ns: u64,
        fill: u8,
    ) -> u64 {
        let mut t = t;
        let mut left = bytes;
        let mut k = 0;
        while left > 0 {
            let n = left.min(mss);
            let payload: Vec<u8> = (0..n).map(|i| fill.wrapping_add(i as u8)).collect();
            out.push(t, self.send(from_orig, PSH_ACK, &payload));
            left -= n;
            k += 1;
            if k % 2 == 0 || left == 0 {
                out.push(t + rtt_ns / 2, self.send(!from_orig, ACK, &[]));
            }
            t += gap_ns;
        }
        t - gap_ns
    }

    /// FIN from the originator, FIN-ACK back, the last ACK; `rtt_ns` apart from `t`.
    pub fn close(&mut self, out: &mut Frames, t: u64, rtt_ns: u64) {
        let fin = Flags {
            fin: true,
            ack: true,
            ..Flags::default()
        };
        out.push(t, self.send(true, fin, &[]));
        out.push(t + rtt_ns / 2, self.send(false, fin, &[]));
        out.push(t + rtt_ns, self.send(true, ACK, &[]));
    }
}

/// ACK alone.
pub const ACK: Flags = Flags {
    syn: false,
    ack: true,
    fin: false,
    rst: false,
    psh: false,
};

/// Data: PSH and ACK.
pub const PSH_ACK: Flags = Flags {
    syn: false,
    ack: true,
    fin: false,
    rst: false,
    psh: true,
};

/// RST and ACK (a closed port's answer to a SYN).
pub const RST_ACK: Flags = Flags {
    syn: false,
    ack: true,
    fin: false,
    rst: true,
    psh: false,
};

/// RST alone (a scanner dropping a half-open connection).
pub const RST: Flags = Flags {
    syn: false,
    ack: false,
    fin: false,
    rst: true,
    psh: false,
};
