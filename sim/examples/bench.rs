//! `make bench`: simulation speed, the datapath's acceptance rate and fail-open behaviour under
//! back-to-back and line-rate traffic, latency, and the model's speed. Prints figures; asserts
//! nothing about time (a wrong frame count is still an error: figures from a broken run are void).

use std::time::Instant;
use vantage_model::Config;
use vantage_proto::axis::{schedule, LaneFrame, Pacing, TimedBeat};
use vantage_sim::Sim;

fn frames(n: usize, len: usize) -> Vec<(u64, LaneFrame)> {
    (0..n)
        .map(|i| {
            let mut b = vec![0u8; len];
            b[12..14].copy_from_slice(&[0x08, 0x00]);
            b[14] = 0x45;
            b[16..18].copy_from_slice(&((len - 14) as u16).to_be_bytes());
            b[23] = 17;
            b[26..30].copy_from_slice(&(i as u32).to_be_bytes());
            b[30..34].copy_from_slice(&[10, 0, 0, 1]);
            (i as u64, LaneFrame::from_bytes(&b))
        })
        .collect()
}

struct Run {
    name: String,
    beats_in: usize,
    in_cycles: u64,
    beats_out: usize,
    out_cycles: u64,
    tagged: u64,
    fail_open: u64,
    latency: u64,
    wall_s: f64,
    sim_cycles: u64,
}

fn run(name: &str, input: Vec<(u64, LaneFrame)>, pacing: Pacing) -> Run {
    let mut sim = Sim::new().expect("simulator");
    let start = sim.cycle() + 4;
    let beats = schedule(&input, pacing, start);
    let c0 = sim.cycle();
    let t = Instant::now();
    let out = sim.run(&beats).expect("every frame comes out");
    let wall_s = t.elapsed().as_secs_f64();
    let sim_cycles = sim.cycle() - c0;
    let mut dev = vantage_driver::Device::new(&mut sim);
    let counters = dev.snapshot().expect("counters");
    let span = |b: &[TimedBeat]| b.last().map_or(0, |l| l.cycle + 1 - b[0].cycle);
    Run {
        name: name.to_string(),
        beats_in: beats.len(),
        in_cycles: span(&beats),
        beats_out: out.len(),
        out_cycles: span(&out),
        tagged: counters["tag.tagged"],
        fail_open: counters["tag.flagged"],
        latency: out[0].cycle - beats[0].cycle,
        wall_s,
        sim_cycles,
    }
}

fn main() {
    println!("Vantage benchmark (datapath 512 bit at 322.265625 MHz; simulated with Verilator)\n");
    let runs = [
        run("64 B back-to-back", frames(100_000, 64), Pacing::BackToBack),
        run(
            "64 B at 100 Gb/s",
            frames(100_000, 64),
            Pacing::LineRate { gbps: 100.0 },
        ),
        run(
            "1518 B back-to-back",
            frames(10_000, 1518),
            Pacing::BackToBack,
        ),
        run(
            "9000 B back-to-back",
            frames(2_000, 9000),
            Pacing::BackToBack,
        ),
    ];
    println!(
        "{:<22} {:>9} {:>10} {:>11} {:>11} {:>9} {:>9} {:>8} {:>12}",
        "traffic",
        "frames",
        "beats in",
        "accepted/c",
        "out beats/c",
        "tagged",
        "fail-open",
        "latency",
        "sim cycles/s"
    );
    for r in &runs {
        println!(
            "{:<22} {:>9} {:>10} {:>11.3} {:>11.3} {:>9} {:>9} {:>8} {:>12.0}",
            r.name,
            r.tagged + r.fail_open,
            r.beats_in,
            r.beats_in as f64 / r.in_cycles as f64,
            r.beats_out as f64 / r.out_cycles as f64,
            r.tagged,
            r.fail_open,
            r.latency,
            r.sim_cycles as f64 / r.wall_s
        );
    }
    println!("\naccepted/c: input beats per cycle while input was offered (the receive side has no tready:");
    println!("1.000 under back-to-back traffic means one beat taken every cycle, nothing refused or lost).");
    println!("latency: cycles from the first input beat to the first output beat.");

    let input = schedule(&frames(1_000_000, 64), Pacing::LineRate { gbps: 100.0 }, 0);
    let t = Instant::now();
    let out = vantage_model::run(&Config::default(), &input);
    let s = t.elapsed().as_secs_f64();
    assert_eq!(out.frames.len(), 1_000_000);
    println!(
        "\nmodel: {:.2} Mpps on one core (1,000,000 64-byte frames, parse + tag)",
        1.0 / s
    );
}
