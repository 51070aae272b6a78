//! `vantage model --reasm` and `vantage decode --streams` end to end: a connection whose
//! segments arrive out of order comes out as the stream sent, in files anyone can compare.

mod common;

use common::{ok, vantage};
use std::net::{IpAddr, Ipv4Addr};
use vantage_capture::Packet;
use vantage_testkit::flows::{Flags, Frames, Tcp};

#[test]
fn streams_come_out_in_order_from_reordered_segments() {
    let dir = std::env::temp_dir().join(format!("vantage-reasm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output, streams) = (
        dir.join("in.pcap"),
        dir.join("out.pcap"),
        dir.join("streams"),
    );
    let orig = (IpAddr::V4(Ipv4Addr::new(10, 9, 0, 1)), 33000);
    let resp = (IpAddr::V4(Ipv4Addr::new(10, 9, 0, 2)), 80);
    let mut f = Frames::default();
    let mut c = Tcp::new(orig, resp, 100, 900);
    let t = c.open(&mut f, 1_000, 1_000);
    let psh = Flags {
        psh: true,
        ack: true,
        ..Flags::default()
    };
    let segs: Vec<Vec<u8>> = (0..4u8).map(|k| vec![b'a' + k; 300]).collect();
    let frames: Vec<Vec<u8>> = segs.iter().map(|s| c.send(true, psh, s)).collect();
    // Sent 0, 2, 3, 1: segments 2 and 3 wait above the hole segment 1 fills.
    for (k, &i) in [0usize, 2, 3, 1].iter().enumerate() {
        f.push(t + 1_000 * (k as u64 + 1), frames[i].clone());
    }
    c.close(&mut f, t + 10_000, 1_000);
    let packets: Vec<Packet> = f
        .sorted()
        .into_iter()
        .map(|(ts_ns, data)| Packet { ts_ns, data })
        .collect();
    vantage_capture::write(&input, &packets).unwrap();
    let run = vantage(&[
        "model",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--reasm",
    ]);
    ok(&run);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("1 connections, 1 (100.0 %) reassembled without fallback"),
        "{err}"
    );
    assert!(err.contains("2 released from the store"), "{err}");
    let table = ok(&vantage(&["decode", output.to_str().unwrap()]));
    assert!(table.contains("released offset 600"), "{table}");
    assert!(table.contains("flow-end 1"), "{table}");
    ok(&vantage(&[
        "decode",
        output.to_str().unwrap(),
        "--streams",
        streams.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read(streams.join("1-orig.bin")).unwrap(),
        segs.concat()
    );
    let index = std::fs::read_to_string(streams.join("streams.tsv")).unwrap();
    assert!(
        index.contains("1-orig.bin\t1\torig\t10.9.0.1:33000\t10.9.0.2:80\t1200\t0\t0\ttrue\t-"),
        "{index}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
