//! `bench reasm`: the reasm stage's session directory and one port of its session record in RTL,
//! each with its external memory: requests per cycle, answers in time, memory traffic per request
//! and what the stage's comes to at line rate, and the table's load at its first refusal.

use vantage_hdl::reasm::directory::{OP_FIND, OP_OPEN};
use vantage_model::reasm::table::Placement;
use vantage_proto::conn::SynKey;
use vantage_proto::datapath::DATAPATH_CLOCK_HZ;
use vantage_proto::flowhash::ipv4_as_16;
use vantage_proto::reasm::directory::{way_key, LINE_BYTES, LOOKUP_CYCLES};
use vantage_proto::reasm::record::{HOT_BEATS, INDEX_BITS, RECORD_CYCLES};
use vantage_proto::reasm::{session_buckets, DEFAULT_SESSION_KEY, SESSION_WAYS};
use vantage_sim::axi_mem::MemTiming;
use vantage_sim::directory::{DirRequest, DirectorySim};
use vantage_sim::record::{RecRequest, RecordSim};

/// Minimum-size frames per second at 100 Gb/s (64 B + 20 B of preamble and gap).
const LINE_RATE_PPS: f64 = 100e9 / (84.0 * 8.0);

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A random IPv4 session's request at `bits` bucket bits.
fn request(rng: &mut Rng, op: u8, bits: u32) -> DirRequest {
    let r = rng.next();
    let a = ipv4_as_16((r as u32).to_be_bytes());
    let b = ipv4_as_16(((r >> 32) as u32).to_be_bytes());
    let k = SynKey::of(false, (a, (r >> 7) as u16), (b, 443)).0;
    let [b1, b2] = session_buckets(&DEFAULT_SESSION_KEY, &k, bits);
    DirRequest {
        op,
        key: way_key(&DEFAULT_SESSION_KEY, &k),
        b1: b1 as u32,
        b2: b2 as u32,
    }
}

struct Figures {
    requests: u64,
    answers: u64,
    late: u64,
    refused: u64,
    cycles: u64,
    reads: u64,
    writes: u64,
    peak_reads: u64,
}

/// `n` requests, one every `spacing` cycles, 3 of 4 lookups of sessions opened before.
fn throughput(timing: MemTiming, n: u64, spacing: u64, bits: u32) -> Figures {
    let mut rtl = DirectorySim::new(timing);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut opened: Vec<DirRequest> = Vec::new();
    let mut f = Figures {
        requests: n,
        answers: 0,
        late: 0,
        refused: 0,
        cycles: 0,
        reads: 0,
        writes: 0,
        peak_reads: 0,
    };
    let tally = |c: vantage_sim::directory::DirCycle, f: &mut Figures| {
        f.refused += u64::from(c.refused);
        if let Some(a) = c.answer {
            f.answers += 1;
            f.late += u64::from(a.late);
        }
    };
    for i in 0..n {
        let req = if i % 4 == 0 || opened.is_empty() {
            let r = request(&mut rng, OP_OPEN, bits);
            opened.push(r);
            r
        } else {
            let j = (rng.next() % opened.len() as u64) as usize;
            DirRequest {
                op: OP_FIND,
                ..opened[j]
            }
        };
        let c = rtl.step(Some(&req));
        tally(c, &mut f);
        for _ in 1..spacing {
            let c = rtl.step(None);
            tally(c, &mut f);
        }
    }
    for _ in 0..4 * u64::from(LOOKUP_CYCLES) {
        let c = rtl.step(None);
        tally(c, &mut f);
    }
    f.cycles = n * spacing;
    let m = rtl.memory_counts();
    f.reads = m.reads;
    f.writes = m.writes;
    f.peak_reads = m.peak_reads_in_flight;
    f
}

/// Open random sessions (one every two cycles) until the first is refused for a full table; the
/// model's placement rule on the same sessions beside it. Returns (RTL, model, capacity).
fn load_at_first_full(bits: u32) -> (u64, u64, u64) {
    let mut t = MemTiming::fixed(60, 60);
    t.beats_per_cycle = 2.0;
    let mut rtl = DirectorySim::new(t);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let capacity = (1u64 << bits) * SESSION_WAYS as u64;
    let mut model = Placement::new(bits);
    let mut model_first = None;
    let mut placed = 0;
    let mut sent = 0u64;
    for _ in 0..2 * capacity {
        let r = request(&mut rng, OP_OPEN, bits);
        if model_first.is_none() && model.place([r.b1 as usize, r.b2 as usize]).is_none() {
            model_first = Some(sent);
        }
        sent += 1;
        for req in [Some(&r), None] {
            if let Some(a) = rtl.step(req).answer {
                assert!(!a.late, "an answer came late in the occupancy run");
                if a.full {
                    return (placed, model_first.unwrap_or(sent), capacity);
                }
                placed += u64::from(a.placed);
            }
        }
    }
    (placed, model_first.unwrap_or(sent), capacity)
}

/// The memories both benches run against: (name, latency in cycles, beats per cycle).
fn memories() -> [(&'static str, u32, f64); 4] {
    // Bandwidth behind the port, in 64-B beats per cycle: 2.0 reads and writes at full rate
    // together (two DDR4 channels, or HBM pseudo-channels); 0.93 one DDR4-2400 channel.
    let ddr4 = 19.2e9 / (DATAPATH_CLOCK_HZ as f64 * LINE_BYTES as f64);
    [
        ("100 ns, 2 beats/cycle", MemTiming::cycles_of_ns(100.0), 2.0),
        ("300 ns, 2 beats/cycle", MemTiming::cycles_of_ns(300.0), 2.0),
        ("300 ns, 1 beat/cycle", MemTiming::cycles_of_ns(300.0), 1.0),
        (
            "300 ns, one DDR4-2400 channel",
            MemTiming::cycles_of_ns(300.0),
            ddr4,
        ),
    ]
}

/// A memory of latency `lat` cycles (reads and writes from 20 cycles less) and `bw` beats per
/// cycle.
fn timing(lat: u32, bw: f64) -> MemTiming {
    MemTiming {
        read_min: lat.saturating_sub(20).max(2),
        read_max: lat,
        write_min: lat.saturating_sub(20).max(1),
        write_max: lat,
        beats_per_cycle: bw,
        max_reads: 256,
        seed: 5,
    }
}

/// The directory's figures; returns its memory traffic per request in bytes (2 beats/cycle).
fn directory() -> f64 {
    let ghz = DATAPATH_CLOCK_HZ as f64 / 1e9;
    let budget_ns = f64::from(LOOKUP_CYCLES - 7) / ghz;
    println!("\nreasm session directory (RTL, external memory behind AXI4, 64-B bucket lines of {SESSION_WAYS} ways,");
    println!("two candidate buckets; answer {LOOKUP_CYCLES} cycles after the request; reads within {budget_ns:.0} ns are in time)");
    println!(
        "{:<34} {:>9} {:>8} {:>7} {:>8} {:>8} {:>9} {:>9}",
        "memory (latency, bandwidth)",
        "req/cycle",
        "answered",
        "late",
        "refused",
        "reads/rq",
        "writes/rq",
        "peak rds"
    );
    let n = 200_000;
    let mut per_request_bytes = 0.0;
    for (name, lat, bw) in memories() {
        let f = throughput(timing(lat, bw), n, 2, 18);
        let reads = f.reads as f64 / f.requests as f64;
        let writes = f.writes as f64 / f.requests as f64;
        if bw == 2.0 {
            per_request_bytes = (reads + writes) * LINE_BYTES as f64;
        }
        println!(
            "{:<34} {:>9.3} {:>8} {:>7} {:>8} {:>8.2} {:>9.3} {:>9}",
            name,
            f.requests as f64 / f.cycles as f64,
            f.answers,
            f.late,
            f.refused,
            reads,
            writes,
            f.peak_reads
        );
        assert_eq!(
            f.answers + f.refused,
            f.requests,
            "every request answered or refused"
        );
    }
    let cycles_per_frame = DATAPATH_CLOCK_HZ as f64 / LINE_RATE_PPS;
    println!(
        "at 100 Gb/s of 64-B TCP frames ({:.1} Mpps, one per {:.2} cycles; the directory takes one per 2):",
        LINE_RATE_PPS / 1e6,
        cycles_per_frame
    );
    println!(
        "  {:.0} B of memory traffic per frame (1 in 4 opens a session) = {:.1} GB/s; one 512-bit AXI port at {:.0} MHz moves {:.1} GB/s",
        per_request_bytes,
        per_request_bytes * LINE_RATE_PPS / 1e9,
        DATAPATH_CLOCK_HZ as f64 / 1e6,
        DATAPATH_CLOCK_HZ as f64 * LINE_BYTES as f64 / 1e9
    );
    println!("  (a DDR4-2400 channel of the U250 peaks at 19.2 GB/s, the U55C's HBM at 460 GB/s in 32 channels)");
    println!("load at the first refusal (both candidate buckets full), random sessions opened one every 2 cycles:");
    for bits in [12, 16] {
        let (placed, model, capacity) = load_at_first_full(bits);
        println!(
            "  {capacity} sessions (2^{bits} buckets x {SESSION_WAYS}): RTL {placed} ({:.1} %), model's rule {model} ({:.1} %)",
            100.0 * placed as f64 / capacity as f64,
            100.0 * model as f64 / capacity as f64
        );
    }
    per_request_bytes
}

/// One record port's figures: `n` requests one every two cycles over random records, each read
/// and written back (every frame changes its record). Returns its traffic per request in bytes
/// (2 beats/cycle).
fn record() -> f64 {
    let ghz = DATAPATH_CLOCK_HZ as f64 / 1e9;
    let budget_ns = f64::from(RECORD_CYCLES - 6) / ghz;
    println!("\nreasm session record, one beat's port (RTL, read-modify-write of a 64-B line per request, answer {RECORD_CYCLES}");
    println!("cycles after the request, the change taken the cycle after; reads within {budget_ns:.0} ns are in time; every request updates)");
    println!(
        "{:<34} {:>9} {:>8} {:>7} {:>8} {:>8} {:>8} {:>9}",
        "memory (latency, bandwidth)",
        "req/cycle",
        "answered",
        "late",
        "no room",
        "updated",
        "reads/rq",
        "writes/rq"
    );
    let n: u64 = 200_000;
    let mut per_request_bytes = 0.0;
    for (name, lat, bw) in memories() {
        let mut port = RecordSim::new(timing(lat, bw));
        let mut rng = Rng(0x51_7cc1_b727_220a);
        let (mut answered, mut late, mut no_room, mut updated, mut refused) = (0u64, 0, 0, 0, 0);
        let mut update = None;
        let mut step = |port: &mut RecordSim, req: Option<&RecRequest>| {
            let c = port.step(req, update.take().as_ref());
            refused += u64::from(c.refused);
            if let Some(a) = c.answer {
                answered += 1;
                if a.late {
                    late += 1;
                } else if !a.room {
                    no_room += 1;
                } else {
                    let mut l = a.line;
                    l[0] = l[0].wrapping_add(1);
                    update = Some(l);
                    updated += 1;
                }
            }
        };
        let mut cycles = 0u64;
        for i in 0..n {
            cycles += 2;
            let req = RecRequest {
                index: (rng.next() as u32) & ((1 << INDEX_BITS) - 1),
                read: true,
                tag: i as u32 & 0xffff,
            };
            step(&mut port, Some(&req));
            step(&mut port, None);
        }
        for _ in 0..4 * RECORD_CYCLES {
            step(&mut port, None);
        }
        assert_eq!(answered + refused, n, "every request answered or refused");
        let m = port.memory_counts();
        let reads = m.reads as f64 / n as f64;
        let writes = m.writes as f64 / n as f64;
        if bw == 2.0 {
            per_request_bytes = (reads + writes) * LINE_BYTES as f64;
        }
        println!(
            "{:<34} {:>9.3} {:>8} {:>7} {:>8} {:>8} {:>8.2} {:>9.2}",
            name,
            n as f64 / cycles as f64,
            answered,
            late,
            no_room,
            updated,
            reads,
            writes
        );
    }
    per_request_bytes
}

/// Every figure of the reasm stage's RTL: the directory, a record port, and what the stage's
/// memory traffic per frame comes to at line rate (the directory's and `HOT_BEATS` record
/// ports').
pub fn all() {
    let directory_bytes = directory();
    let record_port_bytes = record();
    stage_traffic(directory_bytes, record_port_bytes);
}

fn stage_traffic(directory_bytes: f64, record_port_bytes: f64) {
    let per_frame = directory_bytes + HOT_BEATS as f64 * record_port_bytes;
    println!(
        "the stage per frame of an IPv4 session: directory {directory_bytes:.0} B + {HOT_BEATS} record ports x {record_port_bytes:.0} B = {per_frame:.0} B;"
    );
    for (what, pps) in [
        ("64-B frames (148.8 Mpps)", LINE_RATE_PPS),
        ("600-B mean frames", 100e9 / (620.0 * 8.0)),
        ("1,500-B frames", 100e9 / (1520.0 * 8.0)),
    ] {
        println!(
            "  at 100 Gb/s of {what}: {:.1} GB/s (U250: 4 DDR4-2400 channels, 76.8 GB/s; U55C HBM: 460 GB/s)",
            per_frame * pps / 1e9
        );
    }
}
