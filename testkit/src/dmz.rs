//! The demo capture: what a 100G science-DMZ link sees in a little over two seconds, made here
//! and shipped as `testbench-pcaps/science-dmz.pcap.gz` (`cargo run -p vantage-testkit --bin
//! science-dmz`; a test checks the file is still what this code makes).
//!
//! ```text
//!  the DMZ 198.51.100.0/24, 2001:db8:d3::/64            the Internet
//!  ┌───────────────────────────────┐                  ┌──────────────────────────────────────┐
//!  │ .10  data transfer node (DTN) │◄══ bulk, 4 TCP ══►│ 203.0.113.20  remote DTN (jumbo MTU)│
//!  │      SSH on 22                │◄── SSH ───────────│ 203.0.113.0/24 users                 │
//!  │ .80  web server, 80 and 443   │◄── HTTP, TLS ─────│                                      │
//!  │      (SYN-flooded on 443)     │◄── SYN flood ─────│ 100.64.0.0/10 spoofed sources        │
//!  │ .53  DNS resolver             │◄── DNS (UDP) ────►│ 203.0.113.53                         │
//!  │ .1-.18, .53, .80 scanned      │◄── port scan ─────│ 192.0.2.66, 2001:db8:bad::66         │
//!  └───────────────────────────────┘                  └──────────────────────────────────────┘
//! ```
//!
//! Some SYNs are sent twice (a retransmission after one second), and the bulk streams resend a
//! few segments. Payloads look like their protocol (HTTP requests and answers, SSH banners, TLS
//! records, DNS queries), so an analyser sees the protocols too.

use crate::flows::{
    tcp_segment, udp_datagram, Flags, Frames, Tcp, ACK, PSH_ACK, RST, RST_ACK, SYN,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The capture's first timestamp: 2026-01-05 14:00:00 UTC, in ns.
pub const START_NS: u64 = 1_767_621_600_000_000_000;
/// One round trip inside the continent, the remote DTN's.
const WAN_RTT_NS: u64 = 20_000_000;
/// Largest TCP payload on the jumbo-frame path (MTU 9000).
const JUMBO_MSS: usize = 8960;
/// Largest TCP payload on a 1500-byte path.
const MSS: usize = 1460;

/// Addresses of the picture above.
fn dmz(host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, host))
}
fn net(host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(203, 0, 113, host))
}
const DTN: u8 = 10;
const WEB: u8 = 80;
const RESOLVER: u8 = 53;

/// A small deterministic generator (xorshift64*): the capture must not change between builds.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Every frame of the demo capture, in time order, with its capture time in ns.
pub fn science_dmz() -> Vec<(u64, Vec<u8>)> {
    let mut out = Frames::default();
    let mut rng = Rng(0x5c1e_9ce0_d3a2_0001);
    bulk(&mut out, &mut rng);
    scan(&mut out);
    flood(&mut out, &mut rng);
    web(&mut out, &mut rng);
    ssh(&mut out, &mut rng);
    dns(&mut out, &mut rng);
    out.sorted()
}

/// Four parallel streams from the DTN to the remote DTN, 4 MB each in jumbo frames; every
/// 97th segment is sent again (a retransmission).
fn bulk(out: &mut Frames, rng: &mut Rng) {
    for s in 0..4u16 {
        let mut c = Tcp::new(
            (dmz(DTN), 50_100 + s),
            (net(20), 50_000 + s),
            rng.next() as u32,
            rng.next() as u32,
        );
        let t0 = START_NS + u64::from(s) * 1_000_000;
        let mut t = c.open(out, t0, WAN_RTT_NS);
        let segments = 4_000_000 / JUMBO_MSS;
        for k in 0..segments {
            let payload: Vec<u8> = (0..JUMBO_MSS).map(|i| (i as u8) ^ (k as u8)).collect();
            let seq = c.o_next;
            out.push(t, c.send(true, PSH_ACK, &payload));
            if k % 97 == 50 {
                // Lost on the way out: the same bytes again a little later.
                let again = tcp_segment(c.orig, c.resp, seq, c.r_next, PSH_ACK, &payload);
                out.push(t + 3_000_000, again);
            }
            if k % 2 == 1 {
                out.push(t + WAN_RTT_NS / 2, c.send(false, ACK, &[]));
            }
            t += 200_000;
        }
        c.close(out, t + 1_000_000, WAN_RTT_NS);
    }
}

/// A scanner walks 20 hosts (three of them live) and 100 ports each; a second walks one IPv6 host's first 500 ports.
/// Open ports answer SYN-ACK (the scanner resets), closed ports of live hosts RST-ACK, the rest
/// nothing.
fn scan(out: &mut Frames) {
    const PORTS: [u16; 100] = [
        7, 9, 13, 21, 22, 23, 25, 26, 37, 53, 79, 80, 81, 88, 106, 110, 111, 113, 119, 135, 139,
        143, 144, 179, 199, 389, 427, 443, 444, 445, 465, 513, 514, 515, 543, 544, 548, 554, 587,
        631, 646, 873, 990, 993, 995, 1025, 1026, 1027, 1028, 1029, 1110, 1433, 1720, 1723, 1755,
        1900, 2000, 2001, 2049, 2121, 2717, 3000, 3128, 3306, 3389, 3986, 4899, 5000, 5009, 5051,
        5060, 5101, 5190, 5357, 5432, 5631, 5666, 5800, 5900, 6000, 6001, 6646, 7070, 8000, 8008,
        8009, 8080, 8081, 8443, 8888, 9100, 9999, 10000, 32768, 49152, 49153, 49154, 49155, 49156,
        49157,
    ];
    let scanner = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 66));
    let mut t = START_NS + 100_000_000;
    let mut n = 0u32;
    for host in (1..=18u8).chain([RESOLVER, WEB]) {
        for &port in &PORTS {
            let sport = 40_000 + (n % 20_000) as u16;
            let isn = 0x1000_0000 + n * 7919;
            n += 1;
            let mut c = Tcp::new((scanner, sport), (dmz(host), port), isn, 0x7000_0000 + n);
            out.push(t, c.send(true, SYN, &[]));
            let open = matches!(
                (host, port),
                (DTN, 22) | (WEB, 80) | (WEB, 443) | (RESOLVER, 53)
            );
            let live = matches!(host, DTN | WEB | RESOLVER);
            let syn_ack = Flags {
                syn: true,
                ack: true,
                ..Flags::default()
            };
            if open {
                out.push(t + 400_000, c.send(false, syn_ack, &[]));
                out.push(t + 800_000, c.send(true, RST, &[]));
            } else if live {
                out.push(t + 400_000, c.send(false, RST_ACK, &[]));
            }
            t += 100_000;
        }
    }
    let scanner6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xbad, 0, 0, 0, 0, 0x66));
    let target6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xd3, 0, 0, 0, 0, 0x10));
    for port in 1..=500u16 {
        let c = tcp_segment(
            (scanner6, 61_000),
            (target6, port),
            0x2222_0000 + u32::from(port),
            0,
            SYN,
            &[],
        );
        out.push(t, c);
        t += 50_000;
    }
}

/// 3,000 SYNs from spoofed sources to the web server's 443, none answered.
fn flood(out: &mut Frames, rng: &mut Rng) {
    let mut t = START_NS + 400_000_000;
    for _ in 0..3000 {
        let src = IpAddr::V4(Ipv4Addr::new(
            100,
            64 + rng.below(64) as u8,
            rng.below(256) as u8,
            1 + rng.below(254) as u8,
        ));
        let sport = 1024 + rng.below(60_000) as u16;
        out.push(
            t,
            tcp_segment(
                (src, sport),
                (dmz(WEB), 443),
                rng.next() as u32,
                0,
                SYN,
                &[],
            ),
        );
        t += 20_000;
    }
}

/// 60 HTTP and 40 TLS clients of the web server; every tenth client's SYN is sent twice.
fn web(out: &mut Frames, rng: &mut Rng) {
    for k in 0..100u32 {
        let tls = k % 5 >= 3;
        let client = net(100 + (k % 50) as u8);
        let mut c = Tcp::new(
            (client, 33_000 + k as u16),
            (dmz(WEB), if tls { 443 } else { 80 }),
            rng.next() as u32,
            rng.next() as u32,
        );
        let rtt = 5_000_000 + rng.below(40_000_000);
        let t0 = START_NS + 150_000_000 + u64::from(k) * 15_000_000;
        let t = if k % 10 == 7 {
            // The first SYN is lost: the client sends it again a second later.
            out.push(t0, c.send(true, SYN, &[]));
            out.push(t0 + 1_000_000_000, c.resend_syn());
            let syn_ack = Flags {
                syn: true,
                ack: true,
                ..Flags::default()
            };
            let t1 = t0 + 1_000_000_000;
            out.push(t1 + rtt / 2, c.send(false, syn_ack, &[]));
            out.push(t1 + rtt, c.send(true, ACK, &[]));
            t1 + rtt
        } else {
            c.open(out, t0, rtt)
        };
        let (request, answer): (Vec<u8>, usize) = if tls {
            (
                tls_record(0x16, 512, k as u8),
                4_000 + rng.below(20_000) as usize,
            )
        } else {
            let path = ["/", "/data/index.html", "/status", "/images/logo.png"][k as usize % 4];
            (
                format!("GET {path} HTTP/1.1\r\nHost: www.dmz.example\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n").into_bytes(),
                1_000 + rng.below(30_000) as usize,
            )
        };
        out.push(t + 1_000, c.send(true, PSH_ACK, &request));
        let mut t = t + rtt / 2;
        let mut body = if tls {
            tls_record(0x16, 1_200, 2)
        } else {
            format!("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {answer}\r\n\r\n").into_bytes()
        };
        body.extend((0..answer).map(|i| {
            if tls {
                (i * 31) as u8
            } else {
                b'a' + (i % 26) as u8
            }
        }));
        for chunk in body.chunks(MSS) {
            out.push(t, c.send(false, PSH_ACK, chunk));
            t += 12_000;
        }
        out.push(t + rtt / 2, c.send(true, ACK, &[]));
        c.close(out, t + rtt, rtt);
    }
}

/// A TLS record of `len` bytes of content type `kind` (0x16 handshake, 0x17 application data).
fn tls_record(kind: u8, len: usize, fill: u8) -> Vec<u8> {
    let mut r = vec![kind, 3, 3, (len >> 8) as u8, len as u8];
    if kind == 0x16 {
        // A ClientHello's start: handshake type 1, its length, version 3.3.
        r.extend([1, 0, ((len - 4) >> 8) as u8, (len - 4) as u8, 3, 3]);
    }
    r.extend((r.len() - 5..len).map(|i| fill ^ (i as u8)));
    r
}

/// 20 SSH sessions to the DTN: banners, key exchange, a few hundred encrypted packets each way.
fn ssh(out: &mut Frames, rng: &mut Rng) {
    for k in 0..20u32 {
        let mut c = Tcp::new(
            (net(150 + k as u8), 51_000 + k as u16),
            (dmz(DTN), 22),
            rng.next() as u32,
            rng.next() as u32,
        );
        let rtt = 10_000_000 + rng.below(30_000_000);
        let mut t = c.open(out, START_NS + 50_000_000 + u64::from(k) * 90_000_000, rtt);
        out.push(
            t,
            c.send(false, PSH_ACK, b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n"),
        );
        out.push(
            t + rtt / 2,
            c.send(true, PSH_ACK, b"SSH-2.0-OpenSSH_9.2p1\r\n"),
        );
        t += rtt;
        for i in 0..(20 + rng.below(20)) {
            let n = 48 + 16 * rng.below(8) as usize;
            let payload: Vec<u8> = (0..n)
                .map(|j| (j as u8).wrapping_mul(13) ^ i as u8)
                .collect();
            out.push(t, c.send(i % 2 == 0, PSH_ACK, &payload));
            t += rtt / 2;
        }
        out.push(t, c.send(true, ACK, &[]));
        c.close(out, t + rtt, rtt);
    }
}

/// 200 DNS queries from the resolver and their answers.
fn dns(out: &mut Frames, rng: &mut Rng) {
    let names = [
        "www.example.org",
        "data.example.net",
        "ftp.example.com",
        "ntp.example.org",
    ];
    for k in 0..200u16 {
        let id = rng.next() as u16;
        let name = names[k as usize % names.len()];
        let mut q = vec![(id >> 8) as u8, id as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            q.push(label.len() as u8);
            q.extend(label.as_bytes());
        }
        q.extend([0, 0, 1, 0, 1]);
        let mut a = q.clone();
        a[2] = 0x81;
        a[3] = 0x80;
        a[7] = 1;
        a.extend([
            0xc0,
            12,
            0,
            1,
            0,
            1,
            0,
            0,
            0x0e,
            0x10,
            0,
            4,
            192,
            0,
            2,
            (k % 250) as u8 + 1,
        ]);
        let sport = 10_000 + rng.below(50_000) as u16;
        let t = START_NS + 10_000_000 + u64::from(k) * 10_000_000;
        out.push(t, udp_datagram((dmz(RESOLVER), sport), (net(53), 53), &q));
        out.push(
            t + 15_000_000,
            udp_datagram((net(53), 53), (dmz(RESOLVER), sport), &a),
        );
    }
}
