//! Model speed: frames of a pcap (default `../shared/testdata/real/real.pcap`) at 100 Gb/s line
//! rate (`BACK_TO_BACK=1`: one beat every cycle)
//! through `vantage_model::run`; prints frames per second.
//!
//! `cargo run --release -p vantage-model --example model_speed [-- file.pcap]`

use std::time::Instant;
use vantage_model::{run, Config};
use vantage_proto::axis::{schedule, LaneFrame, Pacing};

fn main() {
    let path = match std::env::args().nth(1) {
        Some(path) => path,
        None => match vantage_testkit::shared_real() {
            Some(dir) => dir.join("real.pcap").to_string_lossy().into_owned(),
            None => {
                println!("skipped: ../shared/testdata not found");
                return;
            }
        },
    };
    let Ok(file) = std::fs::File::open(&path) else {
        println!("skipped: {path} not found");
        return;
    };
    let mut reader = match pcap_file::pcap::PcapReader::new(file) {
        Ok(r) => r,
        Err(e) => {
            println!("{path}: {e}");
            return;
        }
    };
    let mut frames = Vec::new();
    while let Some(Ok(p)) = reader.next_packet() {
        frames.push((0u64, LaneFrame::from_bytes(&p.data)));
    }
    let pacing = if std::env::var("BACK_TO_BACK").is_ok() {
        Pacing::BackToBack
    } else {
        Pacing::LineRate { gbps: 100.0 }
    };
    let input = schedule(&frames, pacing, 0);
    let start = Instant::now();
    let out = run(&Config::default(), &input);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}: {} frames, {} beats in {:.3} s: {:.2} Mpps, {:.2} Gb/s of frame bytes (one core); tagged {}, passed for backlog {}",
        path,
        out.frames.len(),
        input.len(),
        secs,
        out.frames.len() as f64 / secs / 1e6,
        out.counters["parse.bytes"] as f64 * 8.0 / secs / 1e9,
        out.counters["tag.tagged"],
        out.counters["tag.flagged"],
    );
}
