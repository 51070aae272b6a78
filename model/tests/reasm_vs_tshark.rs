//! The reasm stage on real captures against tshark (an outside oracle): for every TCP stream of
//! ../shared/testdata (the real captures and Zeek's test traces), the stream a monitor rebuilds
//! from the stage's tags equals tshark's `-z follow,tcp,raw` of the input, byte for byte, unless
//! the stage flagged the stream (a gap or a fallback). Prints, per capture, streams compared,
//! equal, flagged, and the stage's figures.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use vantage_model::reasm::streams::{Stream, Streams};
use vantage_model::{run, Config, TimeBase};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};
use vantage_proto::flowhash::ip_from_16;
use vantage_proto::header::DEFAULT_ETHERTYPE;
use vantage_testkit::tshark;

/// "address:port" as tshark's follow output prints a node (IPv6 in brackets).
fn node(v6: bool, e: &vantage_proto::conn::Endpoint) -> String {
    match ip_from_16(v6, e.0) {
        IpAddr::V6(a) => format!("[{a}]:{}", e.1),
        a => format!("{a}:{}", e.1),
    }
}

/// What one capture gave.
#[derive(Default, Debug)]
struct Figures {
    /// Stream directions with bytes in tshark's view or ours.
    compared: usize,
    equal: usize,
    /// Different, and flagged by a gap or a fallback.
    flagged: usize,
    /// tshark's streams the stage has no stream for: TCP inside a tunnel the parse stage does
    /// not open (GRE, GTP, VXLAN, Geneve, AYIYA), whose frames pass untagged by the stage.
    unfollowed: usize,
    /// Different and not flagged: each one described.
    wrong: Vec<String>,
    connections: u64,
    fallbacks: u64,
    gaps: u64,
    held: u64,
}

fn check(path: &Path) -> Option<Figures> {
    let input = match vantage_capture::read_lanes(path) {
        Ok(frames) => frames,
        Err(e) => {
            eprintln!("{}: not read ({e}); skipped", path.display());
            return Some(Figures::default());
        }
    };
    let t0 = input.first().map_or(0, |f| f.0);
    let mut config = Config {
        time: TimeBase::from_ns(t0),
        ..Config::default()
    };
    config.reasm.enabled = true;
    config.reasm_in_software = true;
    let out = run(
        &config,
        &schedule(&input, Pacing::CaptureTime { gbps: 100.0 }, 0),
    );
    let bytes: Vec<Vec<u8>> = out.frames.iter().map(LaneFrame::bytes).collect();
    let streams = Streams::of(bytes.iter().map(Vec::as_slice), DEFAULT_ETHERTYPE);
    assert!(
        streams.errors.is_empty(),
        "{}: tag errors: {:?}",
        path.display(),
        &streams.errors[..streams.errors.len().min(5)]
    );
    let followed = tshark::follow_tcp(path)?;
    // Ours and tshark's by (sender, receiver), connections in order of appearance.
    let mut ours: BTreeMap<(String, String), Vec<&Stream>> = BTreeMap::new();
    for s in streams.streams.values() {
        ours.entry((node(s.v6, &s.src), node(s.v6, &s.dst)))
            .or_default()
            .push(s);
    }
    let mut theirs: BTreeMap<(String, String), Vec<&[u8]>> = BTreeMap::new();
    for f in &followed {
        let [a, b] = &f.nodes;
        theirs
            .entry((a.clone(), b.clone()))
            .or_default()
            .push(&f.data[0]);
        theirs
            .entry((b.clone(), a.clone()))
            .or_default()
            .push(&f.data[1]);
    }
    let c = &out.counters;
    let mut fig = Figures {
        connections: c["reasm.sessions"],
        fallbacks: out.flow_ends.iter().filter(|r| r.fallback != 0).count() as u64,
        gaps: c["reasm.gaps"],
        held: c["reasm.held"],
        ..Figures::default()
    };
    for (key, tlist) in &theirs {
        let Some(olist) = ours.get(key).map(Vec::as_slice) else {
            fig.unfollowed += usize::from(tlist.iter().any(|t| !t.is_empty()));
            continue;
        };
        // Connections tshark split that we followed as one (or the reverse) compare as one.
        let t: Vec<u8> = tlist.concat();
        let o: Vec<u8> = olist.iter().flat_map(|s| s.bytes.iter().copied()).collect();
        if t.is_empty() && o.is_empty() {
            continue;
        }
        fig.compared += 1;
        let flagged = olist
            .iter()
            .any(|s| !s.gaps.is_empty() || s.fallback.is_some());
        if t == o {
            fig.equal += 1;
        } else if flagged {
            fig.flagged += 1;
        } else {
            let at = t
                .iter()
                .zip(&o)
                .position(|(a, b)| a != b)
                .unwrap_or(t.len().min(o.len()));
            fig.wrong.push(format!(
                "{} -> {}: tshark {} bytes, ours {} bytes, first difference at byte {at}",
                key.0,
                key.1,
                t.len(),
                o.len()
            ));
        }
    }
    Some(fig)
}

fn captures() -> Option<Vec<PathBuf>> {
    let Some(real) = vantage_testkit::shared_real() else {
        eprintln!("skipped: ../shared/testdata not found");
        return None;
    };
    let mut all: Vec<PathBuf> = std::fs::read_dir(&real)
        .expect("list the real captures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains(".pcap"))
        .collect();
    if let Some(zeek) = vantage_testkit::shared_zeek() {
        let mut dirs = vec![zeek.join("traces")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.to_string_lossy().contains(".pcap") {
                    all.push(p);
                }
            }
        }
    }
    all.sort();
    Some(all)
}

#[test]
fn streams_equal_tsharks_follow_or_are_flagged() {
    let Some(paths) = captures() else { return };
    let mut wrong = Vec::new();
    let (mut compared, mut equal, mut flagged, mut conns, mut fallbacks) = (0, 0, 0, 0, 0);
    let mut unfollowed = 0;
    eprintln!(
        "{:<48} {:>8} {:>6} {:>7} {:>10} {:>6} {:>9} {:>5} {:>5}",
        "capture",
        "compared",
        "equal",
        "flagged",
        "unfollowed",
        "wrong",
        "sessions",
        "gaps",
        "held"
    );
    for p in &paths {
        let Some(f) = check(p) else {
            eprintln!("skipped: {}", tshark::NOT_INSTALLED);
            return;
        };
        let name = p
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        eprintln!(
            "{name:<48} {:>8} {:>6} {:>7} {:>10} {:>6} {:>9} {:>5} {:>5}",
            f.compared,
            f.equal,
            f.flagged,
            f.unfollowed,
            f.wrong.len(),
            f.connections,
            f.gaps,
            f.held
        );
        compared += f.compared;
        equal += f.equal;
        flagged += f.flagged;
        unfollowed += f.unfollowed;
        conns += f.connections;
        fallbacks += f.fallbacks;
        wrong.extend(f.wrong.into_iter().map(|w| format!("{name}: {w}")));
    }
    eprintln!(
        "all: {compared} stream directions compared, {equal} equal to tshark's, {flagged} flagged (gap or fallback), {} wrong; {unfollowed} in tunnels not followed; {conns} sessions, {fallbacks} in fallback",
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "streams that differ unflagged:\n{}",
        wrong.join("\n")
    );
    assert!(compared > 0, "no stream compared");
}
