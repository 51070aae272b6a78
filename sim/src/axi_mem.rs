//! A memory behind an AXI4 port, for the simulated device: the external DDR4 or HBM a stage keeps
//! its tables in. Timing only — the model knows nothing of it. Single-beat reads and writes of one
//! line (the data bus width), one ID: reads are answered in order.
//!
//! ```text
//!   AR ─► [read latency, drawn per read in min..=max] ─► R   (in order; a read sees every write
//!                                                             whose B came before its AR)
//!   AW + W ─► [write latency, drawn per write] ─► applied, B
//!   R and W move at most one beat each per cycle (the AXI channels) and share the memory's
//!   bandwidth, `beats_per_cycle` (a token bucket; 2.0 = two channels behind the port), taking
//!   turns at priority; at most `max_reads` reads wait (arready low beyond)
//! ```
//! A read takes its data when it is accepted (the staler of the two choices a real memory has), so
//! anything that must see a recent write has to see it on chip.

use std::collections::{HashMap, VecDeque};

/// Words of one line (512 bits).
pub const LINE_WORDS: usize = 16;
/// Bytes of one line.
pub const LINE_BYTES: u64 = 64;

pub type Line = [u32; LINE_WORDS];

/// The memory's timing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemTiming {
    /// Cycles from AR accepted to its R beat, drawn uniformly per read.
    pub read_min: u32,
    pub read_max: u32,
    /// Cycles from AW and W accepted to the write applied and its B.
    pub write_min: u32,
    pub write_max: u32,
    /// R plus W beats the memory moves per cycle on average (1.0 = one port's width; up to 2.0,
    /// R and W at full rate together).
    pub beats_per_cycle: f64,
    /// Reads the memory queues at most; AR waits (arready low) beyond.
    pub max_reads: usize,
    /// Seed of the latency draws.
    pub seed: u64,
}

impl MemTiming {
    /// Fixed latencies, full bandwidth.
    pub fn fixed(read: u32, write: u32) -> Self {
        MemTiming {
            read_min: read,
            read_max: read,
            write_min: write,
            write_max: write,
            beats_per_cycle: 1.0,
            max_reads: 256,
            seed: 1,
        }
    }

    /// A memory within the budget of a reasm unit that answers `latency` cycles after a request
    /// whose `reads` beats go out on the cycles after it: every read answered in time (the
    /// answer needs its beats four cycles before it is due, one cycle after they came), writes
    /// within the forwarding window, R and W at full rate together; latencies drawn from `seed`.
    pub fn in_budget(latency: u32, reads: u32, seed: u64) -> Self {
        MemTiming {
            read_min: 20,
            read_max: latency - 5 - reads,
            write_min: 1,
            write_max: vantage_proto::reasm::directory::WRITE_CYCLES,
            beats_per_cycle: 2.0,
            max_reads: 256,
            seed,
        }
    }

    /// Cycles at the datapath clock for a latency in ns.
    pub fn cycles_of_ns(ns: f64) -> u32 {
        let hz = vantage_proto::datapath::DATAPATH_CLOCK_HZ as f64;
        (ns * hz / 1e9).ceil() as u32
    }
}

/// What the memory drives in a cycle.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemDrive {
    pub arready: bool,
    pub awready: bool,
    pub wready: bool,
    pub rvalid: bool,
    pub rdata: Line,
    pub bvalid: bool,
}

/// What the master drives in a cycle (its ready signals are always high).
#[derive(Clone, Copy, Debug, Default)]
pub struct MasterDrive {
    pub arvalid: bool,
    pub araddr: u64,
    pub awvalid: bool,
    pub awaddr: u64,
    pub wvalid: bool,
    pub wdata: Line,
}

/// Totals since the start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemCounts {
    pub reads: u64,
    pub writes: u64,
    /// Most reads in flight at once.
    pub peak_reads_in_flight: u64,
    /// Cycles a beat waited for bandwidth.
    pub throttled: u64,
}

#[derive(Clone)]
pub struct AxiMemory {
    timing: MemTiming,
    lines: HashMap<u64, Line>,
    rng: u64,
    now: u64,
    /// Reads accepted: (due cycle, data taken at acceptance).
    reads: VecDeque<(u64, Line)>,
    /// AW and W accepted but not yet paired.
    aw: VecDeque<u64>,
    w: VecDeque<Line>,
    /// Writes in flight: (due cycle, address, data), in order of acceptance.
    writes: VecDeque<(u64, u64, Line)>,
    /// B responses due (cycles), in order.
    b: VecDeque<u64>,
    tokens: f64,
    drive: MemDrive,
    pub counts: MemCounts,
}

impl AxiMemory {
    /// A memory of zeros.
    pub fn new(timing: MemTiming) -> Self {
        assert!(
            timing.read_min >= 2 && timing.read_min <= timing.read_max,
            "read latency {}..={} cycles: at least 2",
            timing.read_min,
            timing.read_max
        );
        assert!(timing.write_min >= 1 && timing.write_min <= timing.write_max);
        assert!(timing.beats_per_cycle > 0.0);
        AxiMemory {
            rng: timing.seed | 1,
            timing,
            lines: HashMap::new(),
            now: 0,
            reads: VecDeque::new(),
            aw: VecDeque::new(),
            w: VecDeque::new(),
            writes: VecDeque::new(),
            b: VecDeque::new(),
            tokens: 0.0,
            drive: MemDrive::default(),
            counts: MemCounts::default(),
        }
    }

    fn draw(&mut self, lo: u32, hi: u32) -> u64 {
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        u64::from(lo) + self.rng % u64::from(hi - lo + 1)
    }

    /// The line at a byte address (zeros where nothing was written).
    pub fn line(&self, addr: u64) -> Line {
        self.lines
            .get(&(addr / LINE_BYTES))
            .copied()
            .unwrap_or([0; LINE_WORDS])
    }

    /// Set a line directly (a host's initialisation, outside the bus).
    pub fn poke(&mut self, addr: u64, line: Line) {
        self.lines.insert(addr / LINE_BYTES, line);
    }

    /// The memory's outputs for this cycle (call once per cycle, before the master's edge).
    pub fn drive(&mut self) -> MemDrive {
        // Writes land at their time, before anything of this cycle reads.
        while let Some(&(due, addr, data)) = self.writes.front() {
            if due > self.now {
                break;
            }
            self.writes.pop_front();
            self.lines.insert(addr / LINE_BYTES, data);
            self.b.push_back(due);
        }
        let rate = self.timing.beats_per_cycle;
        self.tokens = (self.tokens + rate).min(2.0 * rate.max(1.0));
        let mut d = MemDrive {
            arready: self.reads.len() < self.timing.max_reads,
            awready: true,
            wready: true,
            ..MemDrive::default()
        };
        // R and W take turns at priority: on W's cycles a read leaves a beat's bandwidth for W.
        let need = if self.now % 2 == 1 { 2.0 } else { 1.0 };
        if let Some(&(due, data)) = self.reads.front() {
            if due <= self.now {
                if self.tokens >= need {
                    d.rvalid = true;
                    d.rdata = data;
                    self.tokens -= 1.0;
                } else {
                    self.counts.throttled += 1;
                }
            }
        }
        d.wready = self.tokens >= 1.0;
        d.bvalid = self.b.front().is_some_and(|&t| t <= self.now);
        self.drive = d;
        d
    }

    /// What the master did this cycle (its ready signals are high); advances to the next cycle.
    pub fn observe(&mut self, m: &MasterDrive) {
        let d = self.drive;
        if d.rvalid {
            self.reads.pop_front();
        }
        if d.bvalid {
            self.b.pop_front();
        }
        if m.arvalid && d.arready {
            let lat = self.draw(self.timing.read_min, self.timing.read_max);
            // One ID: never before the read ahead of it.
            let due = (self.now + lat).max(self.reads.back().map_or(0, |r| r.0 + 1));
            let data = self.line(m.araddr);
            self.reads.push_back((due, data));
            self.counts.reads += 1;
            self.counts.peak_reads_in_flight = self
                .counts
                .peak_reads_in_flight
                .max(self.reads.len() as u64);
        }
        if m.awvalid && d.awready {
            self.aw.push_back(m.awaddr);
        }
        if m.wvalid && d.wready {
            self.w.push_back(m.wdata);
            self.tokens -= 1.0;
        }
        while !self.aw.is_empty() && !self.w.is_empty() {
            let (Some(addr), Some(data)) = (self.aw.pop_front(), self.w.pop_front()) else {
                break;
            };
            let lat = self.draw(self.timing.write_min, self.timing.write_max);
            let due = (self.now + lat).max(self.writes.back().map_or(0, |w| w.0));
            self.writes.push_back((due, addr, data));
            self.counts.writes += 1;
        }
        self.now += 1;
    }

    /// What is in flight: (reads, unpaired AW, unpaired W, writes, B).
    pub fn in_flight(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.reads.len(),
            self.aw.len(),
            self.w.len(),
            self.writes.len(),
            self.b.len(),
        )
    }

    /// Reads and writes still in flight.
    pub fn busy(&self) -> bool {
        !(self.reads.is_empty() && self.writes.is_empty() && self.b.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(m: &mut AxiMemory, master: MasterDrive) -> MemDrive {
        let d = m.drive();
        m.observe(&master);
        d
    }

    #[test]
    fn a_read_comes_back_after_its_latency_and_sees_earlier_writes() {
        let mut m = AxiMemory::new(MemTiming::fixed(5, 3));
        let mut line = [0u32; LINE_WORDS];
        line[0] = 7;
        cycle(
            &mut m,
            MasterDrive {
                awvalid: true,
                awaddr: 128,
                wvalid: true,
                wdata: line,
                ..Default::default()
            },
        );
        // The write lands at cycle 3 with its B; a read accepted at cycle 3 sees it.
        let mut b_at = None;
        for t in 1..3 {
            let d = cycle(&mut m, MasterDrive::default());
            assert!(!d.bvalid, "B at {t}");
        }
        let d = cycle(
            &mut m,
            MasterDrive {
                arvalid: true,
                araddr: 128,
                ..Default::default()
            },
        );
        if d.bvalid {
            b_at = Some(3);
        }
        assert_eq!(b_at, Some(3));
        let mut got = None;
        for t in 4..20 {
            let d = cycle(&mut m, MasterDrive::default());
            if d.rvalid {
                got = Some((t, d.rdata[0]));
                break;
            }
        }
        assert_eq!(got, Some((8, 7)));
        assert!(!m.busy());
    }

    #[test]
    fn half_the_bandwidth_delivers_every_other_cycle() {
        let mut t = MemTiming::fixed(2, 2);
        t.beats_per_cycle = 0.5;
        let mut m = AxiMemory::new(t);
        let mut beats = 0;
        for c in 0..200 {
            let d = cycle(
                &mut m,
                MasterDrive {
                    arvalid: c < 100,
                    araddr: 0,
                    ..Default::default()
                },
            );
            beats += u32::from(d.rvalid);
        }
        assert!((98..=101).contains(&beats), "{beats} beats");
        assert!(m.counts.throttled > 0);
    }
}
