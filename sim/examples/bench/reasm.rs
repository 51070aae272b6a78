//! `bench reasm`: the reasm stage's session directory in RTL with its external memory: requests
//! per cycle, answers in time, memory traffic per lookup and what it comes to at line rate, and
//! the table's load at its first refusal.

use vantage_hdl::reasm::directory::{OP_FIND, OP_OPEN};
use vantage_model::reasm::table::Placement;
use vantage_proto::conn::SynKey;
use vantage_proto::datapath::DATAPATH_CLOCK_HZ;
use vantage_proto::flowhash::ipv4_as_16;
use vantage_proto::reasm::directory::{way_key, LINE_BYTES, LOOKUP_CYCLES};
use vantage_proto::reasm::{session_buckets, DEFAULT_SESSION_KEY, SESSION_WAYS};
use vantage_sim::axi_mem::MemTiming;
use vantage_sim::directory::{DirRequest, DirectorySim};

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

pub fn directory() {
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
    // Bandwidth behind the port, in 64-B beats per cycle: 2.0 reads and writes at full rate
    // together (two DDR4 channels, or HBM pseudo-channels); 0.93 one DDR4-2400 channel.
    let ddr4 = 19.2e9 / (DATAPATH_CLOCK_HZ as f64 * LINE_BYTES as f64);
    let cases = [
        ("100 ns, 2 beats/cycle", MemTiming::cycles_of_ns(100.0), 2.0),
        ("300 ns, 2 beats/cycle", MemTiming::cycles_of_ns(300.0), 2.0),
        ("300 ns, 1 beat/cycle", MemTiming::cycles_of_ns(300.0), 1.0),
        (
            "300 ns, one DDR4-2400 channel",
            MemTiming::cycles_of_ns(300.0),
            ddr4,
        ),
    ];
    let mut per_request_bytes = 0.0;
    for (name, lat, bw) in cases {
        let t = MemTiming {
            read_min: lat.saturating_sub(20).max(2),
            read_max: lat,
            write_min: lat.saturating_sub(20).max(1),
            write_max: lat,
            beats_per_cycle: bw,
            max_reads: 256,
            seed: 5,
        };
        let f = throughput(t, n, 2, 18);
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
}
