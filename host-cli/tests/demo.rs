//! The demo's capture (`testbench-pcaps/science-dmz.pcap.gz`, made by `vantage_testkit::dmz`)
//! through the model with the demo's rules and SYN offload, and `vantage decode --summary` on
//! what comes out: the figures must be the ones the capture was built to hold (counted from its
//! recipe, not from a run). `make demo` runs the same through the simulated NIC and requires the
//! model's output.

use std::path::PathBuf;

mod common;
use common::{ok, vantage};

fn demo_file(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testbench-pcaps")
        .join(name);
    p.to_str().expect("utf-8 path").to_string()
}

/// The number before `after` in `text` (e.g. "5199" before " SYNs given back").
fn number_before(text: &str, after: &str) -> u64 {
    let at = text
        .find(after)
        .unwrap_or_else(|| panic!("no `{after}` in:\n{text}"));
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number before `{after}`"))
}

#[test]
fn demo_summary_shows_what_the_capture_holds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.pcap");
    let out = out.to_str().expect("utf-8 path");
    let rules = demo_file("science-dmz.rules.json");
    let run = ok(&vantage(&[
        "model",
        &demo_file("science-dmz.pcap.gz"),
        "--rules",
        &rules,
        "--conn-timeout",
        "5s",
        "-o",
        out,
    ]));
    let summary = ok(&vantage(&["decode", "--summary", "--rules", &rules, out]));
    println!("{run}\n{summary}");
    // Unanswered SYNs in the recipe: 17 dead hosts x 100 ports, 500 IPv6 ports, 3,000 flood SYNs.
    // Each is given back or, when its bucket was full, passed at once (fail-open, counted).
    let given = number_before(&summary, " SYNs given back unanswered");
    let bucket_full = number_before(&run, " bucket full");
    assert_eq!(given + bucket_full, 1700 + 500 + 3000, "{summary}");
    assert!(bucket_full < 10, "{run}");
    // Ten web clients send their SYN twice.
    assert_eq!(number_before(&summary, " retransmitted SYNs absorbed"), 10);
    // Both scanners send 500 SYNs or more; the flood's 3,000 go to one service; the DTN's /24
    // sends 16 MB.
    assert!(
        summary.contains("rule 1 \"SYNs per source\": threshold crossed by 2 groups"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "rule 2 \"SYNs per service\": threshold crossed by 1 group; first seen on 100."
        ),
        "{summary}"
    );
    assert!(summary.contains("-> 198.51.100.80:443"), "{summary}");
    assert!(summary.contains("rule 3 \"bytes per source /24\": threshold crossed by 1 group; first seen on 198.51.100.10:"), "{summary}");
    // The busiest connections are the four bulk streams: SYN, SYN-ACK, ACK, data, the receiver's
    // ACKs, the sender's resent segments, FIN each way (Zeek's letters: ShADaTFf).
    let busiest: Vec<&str> = summary
        .lines()
        .skip_while(|l| !l.contains("the busiest"))
        .skip(1)
        .take(4)
        .collect();
    assert_eq!(busiest.len(), 4, "{summary}");
    for l in busiest {
        assert!(
            l.contains("198.51.100.10:501") && l.contains(" tcp ShADaTFf "),
            "{l}"
        );
    }
}
