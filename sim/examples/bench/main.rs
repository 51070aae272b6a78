//! `make bench`: simulation speed, the datapath's acceptance rate and fail-open behaviour under
//! back-to-back and line-rate traffic, latency, and the model's speed. Prints figures; asserts
//! nothing about time (a wrong frame count is still an error: figures from a broken run are void).

mod reasm;

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

/// 32 rules, 4 per destination port (grouped by source, destination, source port, protocol):
/// every frame to one of those ports feeds 4 rules, one per lane, the most the stage takes.
fn thirty_two_rules() -> String {
    let groups = [
        "\"src_ip\": \"group\"",
        "\"dst_ip\": \"group\"",
        "\"src_port\": \"group\"",
        "\"ip_proto\": \"group\"",
    ];
    let rules: Vec<String> = (0..32)
        .map(|i| format!("{{\"name\": \"r{i}\", \"dst_port\": {}, {}, \"threshold\": {{\"packets\": 1000}}}}", 1000 + i / 4, groups[i % 4]))
        .collect();
    format!("{{\"epoch_ms\": 1000, \"rules\": [{}]}}", rules.join(", "))
}

/// One group per rule hammered by 64-byte frames back to back with 32 rules loaded: every frame
/// must be counted 4 times, none refused or late.
fn stats_hammer() {
    let set = vantage_proto::rules::parse_rules(&thirty_two_rules()).expect("bench rules");
    let n = 100_000;
    let frame = {
        let mut b = vec![0u8; 64];
        b[12..14].copy_from_slice(&[0x08, 0x00]);
        b[14] = 0x45;
        b[16..18].copy_from_slice(&50u16.to_be_bytes());
        b[23] = 17;
        b[26..30].copy_from_slice(&[10, 0, 0, 7]);
        b[30..34].copy_from_slice(&[10, 0, 0, 1]);
        b[34..36].copy_from_slice(&5000u16.to_be_bytes());
        b[36..38].copy_from_slice(&1000u16.to_be_bytes());
        LaneFrame::from_bytes(&b)
    };
    let input: Vec<(u64, LaneFrame)> = (0..n).map(|i| (i as u64, frame.clone())).collect();
    let mut sim = Sim::new().expect("simulator");
    {
        let mut dev = vantage_driver::Device::new(&mut sim);
        dev.discover().expect("discover");
        dev.load_rules(&set).expect("32 rules load");
    }
    let beats = schedule(&input, Pacing::BackToBack, sim.cycle() + 4);
    let out = sim.run(&beats).expect("every frame comes out");
    let c = vantage_driver::Device::new(&mut sim)
        .snapshot()
        .expect("counters");
    let span = beats.last().map_or(0, |l| l.cycle + 1 - beats[0].cycle);
    println!(
        "\nstats, 32 rules loaded, one group per lane hammered by {n} 64 B frames back to back:"
    );
    println!(
        "  accepted {:.3} beats/cycle; frames counted {} of {n}; updates {} ({:.2} per frame); new groups {}; refused {} (full) + {} (fanout); late {}; crossings {}; frames out {}",
        beats.len() as f64 / span as f64,
        c["stats.frames"],
        c["stats.updates"],
        c["stats.updates"] as f64 / n as f64,
        c["stats.new_groups"],
        c["stats.table_full"],
        c["stats.fanout"],
        c["stats.late"],
        c["stats.crossed"],
        out.iter().filter(|b| b.beat.last).count()
    );
}

/// The history rule under 64-byte TCP frames back to back: one beat taken every cycle whatever
/// the connection table does; frames of many connections step, one connection's frames faster
/// than a step every `CONN_OP_CYCLES` are dropped from the history (counted).
fn history_hammer() {
    use vantage_proto::conntable::CONN_OP_CYCLES;
    let set = vantage_proto::rules::parse_rules(
        r#"{"epoch_ms": 1000, "rules": [{"name": "per source", "src_ip": "group"}, {"name": "connections", "history": true}]}"#,
    )
    .expect("history rules");
    let frame = |host: u32, seq: u32| {
        let mut b = vec![0u8; 64];
        b[12..14].copy_from_slice(&[0x08, 0x00]);
        b[14] = 0x45;
        b[16..18].copy_from_slice(&40u16.to_be_bytes());
        b[23] = 6;
        b[26..30].copy_from_slice(&(0x0A00_0000 | host).to_be_bytes());
        b[30..34].copy_from_slice(&[10, 9, 9, 9]);
        b[34..36].copy_from_slice(&40000u16.to_be_bytes());
        b[36..38].copy_from_slice(&80u16.to_be_bytes());
        b[38..42].copy_from_slice(&seq.to_be_bytes());
        b[46] = 0x50;
        b[47] = 0x10;
        b[48..50].copy_from_slice(&1000u16.to_be_bytes());
        LaneFrame::from_bytes(&b)
    };
    let n = 20_000u32;
    for (what, hosts) in [
        ("4096 connections round robin", 4096u32),
        ("one connection", 1),
    ] {
        let input: Vec<(u64, LaneFrame)> = (0..n)
            .map(|i| (u64::from(i), frame(i % hosts, i)))
            .collect();
        let mut sim = Sim::new().expect("simulator");
        {
            let mut dev = vantage_driver::Device::new(&mut sim);
            dev.discover().expect("discover");
            dev.load_rules(&set).expect("history rule loads");
        }
        let beats = schedule(&input, Pacing::BackToBack, sim.cycle() + 4);
        sim.run(&beats).expect("every frame comes out");
        let c = vantage_driver::Device::new(&mut sim)
            .snapshot()
            .expect("counters");
        let span = beats.last().map_or(0, |l| l.cycle + 1 - beats[0].cycle);
        println!(
            "\nhistory rule, {n} 64 B TCP frames back to back, {what}:\n  accepted {:.3} beats/cycle; stepped {} dropped {} (queue full) refused {} (bucket full); connections {}; one bucket steps every {CONN_OP_CYCLES} cycles",
            beats.len() as f64 / span as f64,
            c["stats.conn_frames"],
            c["stats.conn_dropped"],
            c["stats.conn_full"],
            c["stats.conns"]
        );
    }
}

/// Groups the table holds before the first refusal and when 1 % of new groups are refused,
/// inserting distinct random groups of one rule (the model's table: the RTL equals it row by row).
fn table_capacity() {
    use vantage_model::stats::rules::FrameFacts;
    use vantage_model::stats::stage::{StatsConfig, StatsStage};
    use vantage_proto::stats::{encode, DEFAULT_HASH_KEY, GROUPS, RULES, RULE_WORDS};
    let set = vantage_proto::rules::parse_rules(r#"{"epoch_ms": 1000, "rules": [{"name": "per flow", "src_ip": "group", "src_port": "group"}]}"#)
        .expect("capacity rule");
    let enc = encode(&set).expect("placement");
    let mut words = enc.rules;
    words.resize(RULES, [0; RULE_WORDS]);
    let config = StatsConfig {
        enabled: true,
        lane_bits: enc.lane_bits,
        hash_key: DEFAULT_HASH_KEY,
        rules: words,
        ..StatsConfig::default()
    };
    let mut stage = StatsStage::new(config);
    let (mut first_refusal, mut at_one_percent) = (None, None);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..GROUPS as u64 * 2 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut meta = vantage_model::Meta::default();
        meta.flags.0 = vantage_proto::ParseFlags::IPV4 | vantage_proto::ParseFlags::PORTS;
        meta.src[12..16].copy_from_slice(&(x as u32).to_be_bytes());
        meta.sport = (x >> 32) as u16;
        meta.ip_ok = true;
        stage.count(&FrameFacts::new(&meta), 64);
        let refused = stage.counters.table_full;
        if refused > 0 && first_refusal.is_none() {
            first_refusal = Some(stage.counters.new_groups);
        }
        if refused * 100 >= i + 1 && i > 1000 && at_one_percent.is_none() {
            at_one_percent = Some(stage.counters.new_groups);
        }
    }
    let pct = |g: Option<u64>| {
        g.map_or("-".into(), |g| {
            format!("{g} ({:.1} %)", 100.0 * g as f64 / GROUPS as f64)
        })
    };
    println!("\ngroup table: {GROUPS} entries (4 banks x 4096 buckets x 4 ways); distinct random groups held");
    println!(
        "  at the first refusal {}; when 1 % of new groups are refused {}; after {} offered {}",
        pct(first_refusal),
        pct(at_one_percent),
        GROUPS * 2,
        pct(Some(stage.counters.new_groups))
    );
}

fn main() {
    println!("Vantage benchmark (datapath 512 bit at 322.265625 MHz; simulated with Verilator)\n");
    // `bench speed`: only the simulator's speed.
    if std::env::args().nth(1).as_deref() == Some("speed") {
        sim_speed();
        return;
    }
    // `bench reasm`: only the reasm stage's figures.
    if std::env::args().nth(1).as_deref() == Some("reasm") {
        reasm::all();
        return;
    }
    // `bench conn`: only the conn stage's figures.
    if std::env::args().nth(1).as_deref() == Some("conn") {
        conn_offload();
        syn_flood();
        pipeline_syn_flood();
        return;
    }
    sim_speed();
    println!();
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

    stats_hammer();
    history_hammer();
    table_capacity();

    let input = schedule(&frames(1_000_000, 64), Pacing::LineRate { gbps: 100.0 }, 0);
    let t = Instant::now();
    let out = vantage_model::run(&Config::default(), &input);
    let s = t.elapsed().as_secs_f64();
    assert_eq!(out.frames.len(), 1_000_000);
    println!(
        "\nmodel: {:.2} Mpps on one core (1,000,000 64-byte frames, parse + tag)",
        1.0 / s
    );
    conn_offload();
    syn_flood();
    pipeline_syn_flood();
    reasm::all();
}

/// The whole pipeline holding SYNs under a flood at 100 Gb/s line rate: SYNs (with options) from
/// distinct sources, more than the table holds, then every one of them answered (SYN-ACK) back to
/// back: beats taken per offered beat, what the stage did, the output's pace.
fn pipeline_syn_flood() {
    use vantage_model::gen::tcp::segment;
    use vantage_proto::conn::tcp_flags::{ACK, SYN};
    let n: u32 = 80_000;
    let host = |k: u32| {
        let mut a = [0u8; 16];
        a[12..].copy_from_slice(&(0x0A00_0000 | k).to_be_bytes());
        (a, 1024 + (k % 60_000) as u16)
    };
    let server = {
        let mut a = [0u8; 16];
        a[12..].copy_from_slice(&[192, 0, 2, 1]);
        (a, 80u16)
    };
    let syn = |k: u32| segment(false, host(k), server, (k, 0, SYN), 0);
    let answer = |k: u32| segment(false, server, host(k), (7, k + 1, SYN | ACK), 0);
    let input: Vec<(u64, LaneFrame)> = (0..n)
        .map(|k| LaneFrame::from_bytes(&syn(k)))
        .chain((0..n / 8).map(|k| LaneFrame::from_bytes(&answer(k * 8))))
        .enumerate()
        .map(|(i, f)| (i as u64, f))
        .collect();
    let mut sim = Sim::new().expect("simulator");
    {
        let mut dev = vantage_driver::Device::new(&mut sim);
        dev.discover().expect("discover");
        dev.set_conn_hold(true).expect("holding on");
    }
    let start = sim.cycle() + 16;
    let beats = schedule(&input, Pacing::LineRate { gbps: 100.0 }, start);
    let t = Instant::now();
    let c0 = sim.cycle();
    let out = sim.run_holding(&beats).expect("run");
    let wall = t.elapsed().as_secs_f64();
    let cycles = sim.cycle() - c0;
    let c = vantage_driver::Device::new(&mut sim)
        .snapshot()
        .expect("counters");
    let frames_out = out.iter().filter(|b| b.beat.last).count() as u64;
    let held_now = u64::from(
        vantage_driver::Device::new(&mut sim)
            .conn_state()
            .expect("conn state")
            .held,
    );
    // Nothing vanishes: every frame came out, is held, was absorbed, or is counted lost.
    assert_eq!(
        frames_out + held_now + c["conn.retransmissions"] + c["conn.regen_lost"],
        input.len() as u64,
        "frames out + held + absorbed + lost must be the frames in"
    );
    println!(
        "\npipeline holding SYNs, 100 Gb/s line rate: {n} SYNs ({} B, distinct sources), then {} answers",
        syn(0).len(),
        n / 8
    );
    println!(
        "  frames taken {} of {} offered (no tready: a frame refused would be missing here); frames out {frames_out}",
        c["parse.frames"],
        input.len()
    );
    println!(
        "  held {} (still {held_now})  full (passed) {}  released {}  late {} (kept in the table {})  regen_inline {}  regen_lost {}; {:.0} sim cycles/s",
        c["conn.held"],
        c["conn.fail_full"],
        c["conn.released"],
        c["conn.late"],
        c["conn.kept"],
        c["conn.regen_inline"],
        c["conn.regen_lost"],
        cycles as f64 / wall
    );
}

/// The conn stage's SYN table in RTL under a SYN flood: one SYN a cycle, back to back, from
/// distinct random sources, twice as many as it has records; how many it takes per cycle, when
/// buckets begin to refuse, how full it ends.
fn syn_flood() {
    use vantage_proto::conn::{lookup, SYN_RECORDS};
    use vantage_sim::syntable::{SynControl, SynProbe, SynTableSim};
    let mut table = SynTableSim::new(5_000_000_000);
    let offered = 2 * SYN_RECORDS;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let (mut results, mut cycles, mut first_result, mut last_result) = (0usize, 0u64, None, 0u64);
    let (mut held, mut first_full) = (0usize, None);
    let t = Instant::now();
    let mut take = |c: vantage_sim::syntable::SynCycle, cycle: u64| {
        if let Some((kind, _)) = c.result {
            first_result.get_or_insert(cycle);
            last_result = cycle;
            results += 1;
            if kind == lookup::HELD {
                held += 1;
            } else if kind == lookup::FULL && first_full.is_none() {
                first_full = Some(held);
            }
        }
    };
    for i in 0..offered as u64 + 8 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut src = [0u8; 16];
        src[12..].copy_from_slice(&(x as u32).to_be_bytes());
        let probe = SynProbe {
            hash: (x >> 32) as u32,
            src: (src, (x >> 16) as u16),
            dst: ([0; 16], 80),
            seq: x as u32,
            ts: 1_000 + i,
            holdable: true,
            plain: true,
            ..SynProbe::default()
        };
        let ctl = SynControl {
            now: 1_000 + i,
            flush: false,
            room: true,
            keep: None,
        };
        let c = table.step((i < offered as u64).then_some(&probe), ctl);
        take(c, i);
        cycles += 1;
    }
    let wall = t.elapsed().as_secs_f64();
    assert_eq!(results, offered, "a result for every SYN");
    let span = last_result + 1 - first_result.unwrap_or(0);
    println!(
        "
SYN table (RTL, conn stage): a flood of {offered} SYNs, one a cycle, distinct random sources"
    );
    println!(
        "  results per cycle {:.3} ({offered} results over {span} cycles, first to last); held {held} of {SYN_RECORDS} records ({:.1} %)",
        offered as f64 / span as f64,
        100.0 * held as f64 / SYN_RECORDS as f64
    );
    println!(
        "  first bucket refusal at {} records held ({:.1} %); {:.0} sim cycles/s",
        first_full.map_or("-".into(), |h| h.to_string()),
        100.0 * first_full.unwrap_or(0) as f64 / SYN_RECORDS as f64,
        cycles as f64 / wall
    );
}

/// The conn stage (SYN offload, in the model until the RTL has it) on the two real captures the
/// issue names, at capture time and 100 Gb/s, timeout 5 s: frames to the monitor and connection
/// attempts it never has to track.
fn conn_offload() {
    let Some(dir) = vantage_testkit::shared_real() else {
        println!("\nconn offload: skipped (../shared/testdata not found)");
        return;
    };
    println!("\nconn stage (model): SYN offload at capture time, 100 Gb/s, timeout 5 s");
    println!(
        "{:<16} {:>9} {:>11} {:>8} {:>9} {:>12} {:>10} {:>9} {:>8}",
        "capture",
        "frames in",
        "to monitor",
        "held",
        "released",
        "regenerated",
        "absorbed",
        "untracked",
        "model s"
    );
    for name in ["icmp_ttl.pcap", "real.pcap"] {
        let Some(packets) = read_capture(&dir, name) else {
            continue;
        };
        let t0 = packets.first().map_or(0, |p| p.ts_ns);
        let mut config = Config {
            time: vantage_model::TimeBase::from_ns(t0),
            ..Config::default()
        };
        config.conn.hold = true;
        let input: Vec<(u64, LaneFrame)> = packets
            .iter()
            .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
            .collect();
        let beats = schedule(&input, Pacing::CaptureTime { gbps: 100.0 }, 0);
        let t = Instant::now();
        let out = vantage_model::run(&config, &beats);
        let secs = t.elapsed().as_secs_f64();
        let c = |n: &str| out.counters[&format!("conn.{n}")];
        let unanswered = c("expired") + c("flushed");
        println!(
            "{:<16} {:>9} {:>11} {:>8} {:>9} {:>12} {:>10} {:>8.1}% {:>8.2}",
            name,
            packets.len(),
            out.frames.len() + out.regenerated.len(),
            c("held"),
            c("released"),
            out.regenerated.len(),
            c("retransmissions"),
            100.0 * unanswered as f64 / c("held").max(1) as f64,
            secs
        );
    }
    println!("untracked: held SYNs given back unanswered (regenerated), as a share of those held: attempts");
    println!("the monitor logs from the tag without entering its state machine.");
    conn_offload_rtl(&dir);
}

/// A capture's packets, or its error printed in the table's place.
fn read_capture(dir: &std::path::Path, name: &str) -> Option<Vec<vantage_capture::Packet>> {
    vantage_capture::read(&dir.join(name))
        .map_err(|e| println!("{name}: {e}"))
        .ok()
}

/// The same captures through the RTL pipeline at 100 Gb/s line rate (capture time would take
/// the simulator hours), SYNs held, the flush at the end; the model on the same input beside it.
fn conn_offload_rtl(dir: &std::path::Path) {
    println!(
        "\nconn stage (RTL): SYN offload at 100 Gb/s line rate, timeout 5 s, flush at the end"
    );
    println!(
        "{:<16} {:>9} {:>11} {:>8} {:>9} {:>6} {:>12} {:>10} {:>9} {:>5} {:>10}",
        "capture",
        "frames in",
        "to monitor",
        "held",
        "released",
        "late",
        "regenerated",
        "absorbed",
        "untracked",
        "lost",
        "model same"
    );
    for name in ["icmp_ttl.pcap", "real.pcap"] {
        let Some(packets) = read_capture(dir, name) else {
            continue;
        };
        let frames: Vec<(u64, LaneFrame)> = packets
            .iter()
            .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
            .collect();
        let mut sim = Sim::new().expect("simulator");
        let (cycle, value, inc) = {
            let mut dev = vantage_driver::Device::new(&mut sim);
            dev.discover().expect("discover");
            dev.set_conn_hold(true).expect("holding on");
            dev.timebase().expect("timebase")
        };
        let start = sim.cycle() + 16;
        let beats = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, start);
        let mut out = sim.run_holding(&beats).expect("run");
        vantage_driver::Device::new(&mut sim)
            .flush_syns()
            .expect("flush");
        sim.idle(64);
        out.extend(sim.take_output());
        let c = vantage_driver::Device::new(&mut sim)
            .snapshot()
            .expect("counters");
        let frames_out = out.iter().filter(|b| b.beat.last).count();
        let n = |k: &str| c[&format!("conn.{k}")];
        let regenerated = n("late") + n("expired") + n("flushed");
        let mut config = Config {
            time: vantage_model::TimeBase { cycle, value, inc },
            ..Config::default()
        };
        config.conn.hold = true;
        let model = vantage_model::run(&config, &beats);
        let same = model.frames.len() + model.regenerated.len() == frames_out
            && [
                "held",
                "released",
                "late",
                "expired",
                "flushed",
                "retransmissions",
            ]
            .iter()
            .all(|k| model.counters[&format!("conn.{k}")] == n(k));
        println!(
            "{:<16} {:>9} {:>11} {:>8} {:>9} {:>6} {:>12} {:>10} {:>8.1}% {:>5} {:>10}",
            name,
            packets.len(),
            frames_out,
            n("held"),
            n("released"),
            n("late"),
            regenerated,
            n("retransmissions"),
            100.0 * (n("expired") + n("flushed")) as f64 / n("held").max(1) as f64,
            n("regen_lost"),
            if same { "yes" } else { "NO" }
        );
    }
    println!("line rate packs the capture's seconds into milliseconds: a SYN retransmitted seconds later is");
    println!(
        "absorbed into its first one's record instead of becoming a new attempt after the timeout."
    );
}

/// Rules for the speed figure with every stage on: counting with thresholds per source and per
/// destination port, and Zeek's connection history for every TCP and UDP connection.
const SPEED_RULES: &str = r#"{"epoch_ms": 1000, "rules": [
  {"name": "per source", "src_ip": "group", "threshold": {"packets": 1000}},
  {"name": "SYNs per port", "tcp_flags": "SYN !ACK", "dst_port": "group", "threshold": {"packets": 100}},
  {"name": "connections", "history": true}]}"#;

/// Simulator speed, the figure `make bench` leads with: the whole pipeline on real.pcap at
/// 100 Gb/s line rate, with the default configuration (parse, timestamp, tag) and with every
/// stage on (the rules above and SYN offload), then each unit harness alone. Wall time covers the
/// frames, not the Verilator build or the capture's reading.
fn sim_speed() {
    println!("simulator speed (one core; datapath cycles simulated per second of wall time)");
    let read = match vantage_testkit::shared_real() {
        None => Err("../shared/testdata not found".to_string()),
        Some(real) => {
            let path = real.join("real.pcap");
            vantage_capture::read(&path).map_err(|e| format!("{}: {e}", path.display()))
        }
    };
    match read {
        Err(e) => println!("  whole pipeline: skipped ({e})"),
        Ok(packets) => {
            let frames: Vec<(u64, LaneFrame)> = packets
                .iter()
                .map(|p| (p.ts_ns, LaneFrame::from_bytes(&p.data)))
                .collect();
            for (every_stage, reasm) in [(false, false), (true, false), (true, true)] {
                let mut sim = Sim::new().expect("simulator");
                {
                    let mut dev = vantage_driver::Device::new(&mut sim);
                    dev.discover().expect("discover");
                    if reasm {
                        dev.set_reasm_enabled(true).expect("reasm on");
                    }
                    if every_stage {
                        let set = vantage_proto::rules::parse_rules(SPEED_RULES).expect("rules");
                        dev.load_rules(&set).expect("rules load");
                        dev.set_conn_timeout(1_000_000_000).expect("timeout");
                        dev.set_conn_hold(true).expect("SYN offload");
                    }
                }
                let beats = schedule(&frames, Pacing::LineRate { gbps: 100.0 }, sim.cycle() + 4);
                let c0 = sim.cycle();
                let t = Instant::now();
                let out = sim.run_holding(&beats).expect("the run");
                let wall = t.elapsed().as_secs_f64();
                let cycles = sim.cycle() - c0;
                println!(
                    "  real.pcap, {:<52} {:>7} frames {:>8} cycles {:>6.2} s {:>9.0} cycles/s ({} beats out)",
                    if reasm {
                        "every stage, the reasm stage on too"
                    } else if every_stage {
                        "every stage (3 rules: thresholds, history; SYN offload)"
                    } else {
                        "default (parse, timestamp, tag)"
                    },
                    frames.len(),
                    cycles,
                    wall,
                    cycles as f64 / wall,
                    out.len()
                );
                if reasm {
                    // The session memory's traffic, per frame and at 148.8 Mpps.
                    let counts = sim.memory_counts();
                    let per_frame: Vec<String> = ["dir", "r0", "r1", "r2"]
                        .iter()
                        .zip(&counts)
                        .map(|(name, c)| {
                            format!(
                                "{name} {:.2} reads + {:.2} writes",
                                c.reads as f64 / frames.len() as f64,
                                c.writes as f64 / frames.len() as f64
                            )
                        })
                        .collect();
                    let lines: u64 = counts.iter().map(|c| c.reads + c.writes).sum();
                    let gbps = lines as f64 / frames.len() as f64 * 64.0 * 8.0 * 148.8e6 / 1e9;
                    println!(
                        "    session memory per frame: {}; at 148.8 Mpps {gbps:.0} Gb/s of 64-byte lines in all",
                        per_frame.join(", ")
                    );
                }
            }
        }
    }
    // The history unit alone: one step is HIST_REGS clock edges of the unit.
    {
        use vantage_proto::hist::{HistPkt, StateBits};
        let mut unit = vantage_sim::hist::HistUnit::new();
        let mut state = StateBits::default();
        let n = 200_000u32;
        let t = Instant::now();
        for i in 0..n {
            let p = HistPkt {
                side: (i & 1) as u8,
                ts: u64::from(i) * 1000,
                tcp: true,
                flags: 0x10,
                seq: i * 100,
                ack: i * 50,
                window: 1000,
                payload_len: 100,
                ip_len: 140,
                ..HistPkt::default()
            };
            state = unit.step(&state, i == 0, &p).0;
        }
        let wall = t.elapsed().as_secs_f64();
        let regs = vantage_hdl::stats::hist::HIST_REGS;
        println!(
            "  history unit alone: {n} steps of {regs} cycles in {wall:.2} s: {:.0} cycles/s",
            f64::from(n) * regs as f64 / wall
        );
    }
    // The connection table with its unit alone, a request every cycle over 4,096 connections.
    {
        use vantage_sim::conntable::{ConnRequest, ConnTableSim};
        let mut table = ConnTableSim::new(&vantage_proto::stats::DEFAULT_HASH_KEY);
        let n = 200_000u64;
        let t = Instant::now();
        for i in 0..n {
            let mut src = [0u8; 16];
            src[12..].copy_from_slice(&(0x0A00_0000u32 | (i % 4096) as u32).to_be_bytes());
            let req = ConnRequest {
                rule: 0,
                ts: i * 10,
                l3: 14,
                l4: 34,
                ip_len: 40,
                frame_len: 64,
                proto: 6,
                src,
                dst: [10; 16],
                sport: 40000,
                dport: 80,
                tcp_flags: 0x10,
                seq: i as u32,
                window: 1000,
                data_offset: 5,
                ..ConnRequest::default()
            };
            table.step(Some(&req), i * 10, false, true);
        }
        let wall = t.elapsed().as_secs_f64();
        println!(
            "  connection table alone: {n} cycles in {wall:.2} s: {:.0} cycles/s",
            n as f64 / wall
        );
    }
    println!("  (the SYN table alone: below, with its flood)");
}
