//! The Verilated Vantage RTL, driven from Rust.
//!
//! Two clocks run as in the OpenNIC shell: the datapath (`cmac_clk`, 322.265625 MHz) and the
//! control port (`axil_aclk`, 125 MHz), advanced edge by edge in picoseconds. Datapath cycle 0 is
//! the first cycle after the datapath reset is released, the same numbering as the RTL's cycle
//! counter (`id.CYCLES`), so `TimedBeat::cycle` means the same thing to the harness, the RTL and
//! the model.

pub mod axi_mem;
pub mod compare;
pub mod conntable;
pub mod directory;
pub mod engine;
pub mod facts;
mod ffi;
pub mod front;
pub mod hist;
pub mod key;
pub mod record;
pub mod rule;
pub mod schedule;
pub mod step;
pub mod syntable;
pub mod tag;

use std::path::Path;
use thiserror::Error;
use vantage_driver::{DriverError, RegisterAccess};
use vantage_proto::axis::{Beat, TimedBeat};
use vantage_proto::datapath::{BEAT_BYTES, CONTROL_CLOCK_HZ, DATAPATH_CLOCK_HZ};

/// Whether this build can write waveforms (the `trace` feature).
pub const TRACE: bool = cfg!(feature = "trace");

/// Half periods in picoseconds.
const DP_HALF_PS: u64 = 1_000_000_000_000 / DATAPATH_CLOCK_HZ / 2;
const CTL_HALF_PS: u64 = 1_000_000_000_000 / CONTROL_CLOCK_HZ / 2;
/// Control cycles mod_rstn is held low.
const RESET_CYCLES: u32 = 8;
/// Control cycles the AXI4-Lite clock keeps running after an access, so that the bridge's
/// clock-domain crossing has settled before the clock stops (between accesses the control side
/// holds no state that changes, so its edges are not simulated: a third fewer evaluations).
const CTL_TAIL_CYCLES: u64 = 8;
/// An AXI-Lite access that takes longer than this many datapath cycles is a hung bus.
const AXIL_TIMEOUT_CYCLES: u64 = 10_000;
/// After the last input beat, give up waiting for output after this many quiet cycles: the stats
/// stage's delay line plus 256 for the rest of the pipeline.
pub const DRAIN_QUIET_CYCLES: u64 =
    vantage_proto::stats::DELAY as u64 + vantage_proto::datapath::REASM_DELAY_CYCLES as u64 + 256;

#[derive(Debug, Error)]
pub enum SimError {
    #[error("beat for cycle {beat} is in the past (the simulator is at cycle {now})")]
    PastCycle { beat: u64, now: u64 },
    #[error("two beats for cycle {0}: the datapath takes one beat per cycle")]
    SameCycle(u64),
    #[error("{expected} frames went in but {got} came out after {quiet} quiet cycles")]
    Lost {
        expected: usize,
        got: usize,
        quiet: u64,
    },
    #[error("AXI4-Lite {what} at 0x{addr:04x} got no response in {AXIL_TIMEOUT_CYCLES} cycles")]
    BusTimeout { what: &'static str, addr: u32 },
    #[error("cannot open waveform file {0}")]
    Trace(String),
    #[error("the device's tables did not finish clearing after reset in {0} status reads")]
    NotReady(usize),
    #[error("reading the device's status after reset: {0}")]
    Settle(String),
    #[error("the simulator could not restore a saved device state")]
    Restore,
    #[error("this simulator was built without waveforms: rebuild with the `trace` feature (cargo build --release -p vantage --features trace)")]
    NoTrace,
}

/// A settled device (`Sim::settled`): the Verilated model's bytes and the harness's own state.
struct Settled {
    model: Vec<u8>,
    state: State,
}

/// Which clock edge comes next.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Edge {
    DpRise,
    DpFall,
    CtlRise,
    CtlFall,
}

/// AXI4-Lite master state.
#[derive(Clone, Copy, Default, Debug)]
struct Axil {
    awvalid: bool,
    wvalid: bool,
    arvalid: bool,
    addr: u32,
    wdata: u32,
    done: bool,
    rdata: u32,
}

/// The simulated device: the Verilated top and, behind the reasm stage's four AXI4 ports
/// (`reasm_{dir,r0,r1,r2}_m_axi_*`), the harness's memories (`axi_mem`), in the engine's
/// latency budget so that memory never makes an answer late (the model knows nothing of it).
pub struct Sim {
    h: *mut ffi::Harness,
    state: State,
}

/// The harness's own state beside the model's: the clocks, the AXI4-Lite master, the output
/// collected, the memories.
#[derive(Clone)]
struct State {
    time_ps: u64,
    next_dp_ps: u64,
    next_ctl_ps: u64,
    dp_high: bool,
    ctl_high: bool,
    /// The control clock runs until this time (u64::MAX during reset and accesses); after it,
    /// it is held low and its edges are skipped, keeping their phase.
    ctl_awake_until_ps: u64,
    rstn: bool,
    cycle: u64,
    axil: Axil,
    out: Vec<TimedBeat>,
    mems: Box<[axi_mem::AxiMemory; 4]>,
}

// The Verilated model is owned by this handle alone.
unsafe impl Send for Sim {}

impl Drop for Sim {
    fn drop(&mut self) {
        // SAFETY: `h` came from vt_new and is freed once.
        unsafe { ffi::vt_free(self.h) }
    }
}

impl Sim {
    /// A device out of reset, at datapath cycle 0.
    pub fn new() -> Result<Sim, SimError> {
        Self::build(None)
    }

    /// As `new`, dumping every signal to an FST waveform file. Needs the `trace` feature
    /// (`SimError::NoTrace` without it).
    pub fn with_trace(path: impl AsRef<Path>) -> Result<Sim, SimError> {
        if !TRACE {
            return Err(SimError::NoTrace);
        }
        Self::build(Some(path.as_ref()))
    }

    /// A device out of reset whose tables have finished their clearing sweep (the stats and conn
    /// blocks say ready), with the control side idle: what `new` gives after about 16K idle
    /// cycles. The first call in a process simulates them and keeps the model's whole state
    /// (Verilator's `--savable`); later calls restore it, so a test that builds a fresh device
    /// per case pays the sweep once. The device is the same to the bit either way, at the same
    /// cycle. A traced build cannot save: there every call simulates the sweep.
    pub fn settled() -> Result<Sim, SimError> {
        static SETTLED: std::sync::OnceLock<Option<Settled>> = std::sync::OnceLock::new();
        if let Some(Some(saved)) = SETTLED.get() {
            return Self::restored(saved);
        }
        let sim = Self::new_settled()?;
        let _ = SETTLED.set(sim.save());
        Ok(sim)
    }

    /// As `settled`, always simulating the sweep (nothing saved or restored).
    pub fn new_settled() -> Result<Sim, SimError> {
        Self::settle(Self::new()?)
    }

    /// Idle `sim` until the stats and conn blocks say ready (their tables cleared).
    fn settle(mut sim: Sim) -> Result<Sim, SimError> {
        let mut dev = vantage_driver::Device::new(&mut sim);
        let ready = (|| -> Result<bool, DriverError> {
            dev.discover()?;
            for _ in 0..vantage_driver::READY_POLLS {
                if dev.stats_status()?.ready && dev.conn_state()?.ready {
                    return Ok(true);
                }
            }
            Ok(false)
        })();
        drop(dev);
        match ready {
            Ok(true) => Ok(sim),
            Ok(false) => Err(SimError::NotReady(vantage_driver::READY_POLLS)),
            Err(e) => Err(SimError::Settle(e.to_string())),
        }
    }

    /// The model's state and the harness's, or None in a build that cannot save.
    fn save(&self) -> Option<Settled> {
        let mut len = 0usize;
        // SAFETY: `len` is written before the call returns; the buffer is freed below.
        let p = unsafe { ffi::vt_snapshot(self.h, &mut len) };
        if p.is_null() {
            return None;
        }
        // SAFETY: the shim gave `len` bytes at `p`.
        let model = unsafe { std::slice::from_raw_parts(p, len) }.to_vec();
        // SAFETY: `p` came from vt_snapshot.
        unsafe { ffi::vt_snapshot_free(p) };
        Some(Settled {
            model,
            state: self.state.clone(),
        })
    }

    /// A new model with `saved`'s state.
    fn restored(saved: &Settled) -> Result<Sim, SimError> {
        // SAFETY: plain constructor.
        let h = unsafe { ffi::vt_new() };
        let sim = Sim {
            h,
            state: saved.state.clone(),
        };
        // SAFETY: the bytes came from vt_snapshot of a model of the same build.
        if unsafe { ffi::vt_restore(sim.h, saved.model.as_ptr(), saved.model.len()) } != 0 {
            return Err(SimError::Restore);
        }
        Ok(sim)
    }

    fn build(trace: Option<&Path>) -> Result<Sim, SimError> {
        // SAFETY: plain constructor.
        let h = unsafe { ffi::vt_new() };
        let mut sim = Sim {
            h,
            state: State {
                time_ps: 0,
                next_dp_ps: DP_HALF_PS,
                next_ctl_ps: CTL_HALF_PS,
                dp_high: false,
                ctl_high: false,
                ctl_awake_until_ps: u64::MAX,
                rstn: false,
                cycle: 0,
                axil: Axil::default(),
                out: Vec::new(),
                mems: Box::new(std::array::from_fn(|port| {
                    axi_mem::AxiMemory::new(axi_mem::MemTiming::in_budget(
                        vantage_proto::reasm::directory::LOOKUP_CYCLES,
                        2,
                        port as u64 + 1,
                    ))
                })),
            },
        };
        if let Some(path) = trace {
            let c = std::ffi::CString::new(path.to_string_lossy().as_bytes())
                .map_err(|_| SimError::Trace(path.display().to_string()))?;
            // SAFETY: `c` outlives the call.
            if unsafe { ffi::vt_trace_open(sim.h, c.as_ptr()) } != 0 {
                return Err(SimError::Trace(path.display().to_string()));
            }
        }
        sim.apply_idle_inputs();
        sim.reset();
        Ok(sim)
    }

    fn apply_idle_inputs(&mut self) {
        let zero = [0u32; 16];
        // SAFETY: `zero` has the 16 words the shim reads.
        unsafe {
            ffi::vt_rx(self.h, 0, zero.as_ptr(), 0, 0, 0);
            ffi::vt_axil_in(self.h, 0, 0, 0, 0, 1, 0, 0, 1);
        }
        self.set_clocks();
    }

    fn set_clocks(&mut self) {
        // SAFETY: plain setters.
        unsafe {
            ffi::vt_clocks(
                self.h,
                self.state.dp_high as u8,
                self.state.ctl_high as u8,
                self.state.rstn as u8,
            )
        }
    }

    /// Hold mod_rstn low, release it just after a datapath edge, and count cycles from the one in
    /// which the datapath's 2-flop reset synchroniser lets go (the RTL's cycle 0).
    fn reset(&mut self) {
        self.state.rstn = false;
        let mut ctl_rises = 0;
        while ctl_rises < RESET_CYCLES {
            if self.advance() == Edge::CtlRise {
                ctl_rises += 1;
            }
        }
        while self.advance() != Edge::DpRise {}
        self.state.rstn = true;
        self.set_clocks();
        self.eval();
        // Two edges through the synchroniser; the reset is sampled high at the second.
        let mut rises = 0;
        while rises < 2 {
            if self.advance() == Edge::DpRise {
                rises += 1;
            }
        }
        self.state.cycle = 0;
        self.state.out.clear();
        // The control side leaves reset a little later; wait for the shell's "done".
        while self.axil_outputs().0 & 32 == 0 {
            self.dp_cycle(None);
        }
        self.ctl_settle();
    }

    /// Let the control clock run for `CTL_TAIL_CYCLES` more, then stop.
    fn ctl_settle(&mut self) {
        self.state.ctl_awake_until_ps = self.state.time_ps + CTL_TAIL_CYCLES * 2 * CTL_HALF_PS;
    }

    fn eval(&mut self) {
        // SAFETY: plain call.
        unsafe { ffi::vt_eval(self.h, self.state.time_ps) }
    }

    fn next_edge(&self) -> Edge {
        if self.state.next_dp_ps <= self.state.next_ctl_ps {
            if self.state.dp_high {
                Edge::DpFall
            } else {
                Edge::DpRise
            }
        } else if self.state.ctl_high {
            Edge::CtlFall
        } else {
            Edge::CtlRise
        }
    }

    /// Move time to the next clock edge and evaluate.
    fn advance(&mut self) -> Edge {
        let edge = self.next_edge();
        match edge {
            Edge::DpRise | Edge::DpFall => {
                self.state.time_ps = self.state.next_dp_ps;
                self.state.dp_high = !self.state.dp_high;
                self.state.next_dp_ps += DP_HALF_PS;
            }
            Edge::CtlRise | Edge::CtlFall => {
                self.state.time_ps = self.state.next_ctl_ps;
                self.state.ctl_high = !self.state.ctl_high;
                self.state.next_ctl_ps += CTL_HALF_PS;
            }
        }
        self.set_clocks();
        self.eval();
        edge
    }

    /// The datapath cycle the next beat would be presented in.
    pub fn cycle(&self) -> u64 {
        self.state.cycle
    }

    /// One datapath cycle with `beat` (or nothing) on the receive port. Control edges that fall
    /// inside the cycle move the AXI4-Lite master along.
    fn dp_cycle(&mut self, beat: Option<&Beat>) {
        // The new inputs are evaluated with the next edge (nothing samples them before the rise).
        self.drive_rx(beat);
        loop {
            match self.next_edge() {
                Edge::CtlRise if self.state.time_ps >= self.state.ctl_awake_until_ps => {
                    // The control side is idle: a whole control cycle passes with its clock low.
                    self.state.next_ctl_ps += 2 * CTL_HALF_PS;
                }
                Edge::DpRise => {
                    self.step_memories();
                    self.sample_output();
                    self.advance();
                    self.state.cycle += 1;
                    return;
                }
                Edge::CtlRise => {
                    let (flags, rdata) = self.axil_outputs();
                    self.advance();
                    self.axil_after_edge(flags, rdata);
                }
                _ => {
                    self.advance();
                }
            }
        }
    }

    /// The memories' outputs for this cycle into the top, the masters' outputs into the
    /// memories, before the edge.
    fn step_memories(&mut self) {
        let input: [ffi::VeAxiIn; 4] = std::array::from_fn(|p| self.state.mems[p].drive().into());
        let mut output = [ffi::VeAxiOut::default(); 4];
        // SAFETY: four entries each, as the shim reads and writes.
        unsafe { ffi::vt_mem(self.h, input.as_ptr(), output.as_mut_ptr()) };
        for (mem, port) in self.state.mems.iter_mut().zip(&output) {
            mem.observe(&port.into());
        }
    }

    /// Each memory port's reads and writes so far (`dir`, `r0`, `r1`, `r2`).
    pub fn memory_counts(&self) -> [axi_mem::MemCounts; 4] {
        std::array::from_fn(|p| self.state.mems[p].counts)
    }

    fn drive_rx(&mut self, beat: Option<&Beat>) {
        match beat {
            Some(b) => {
                let words = ffi::beat_words(b);
                // SAFETY: 16 words.
                unsafe {
                    ffi::vt_rx(
                        self.h,
                        1,
                        words.as_ptr(),
                        b.keep,
                        b.last as u8,
                        b.user as u8,
                    )
                }
            }
            // SAFETY: 16 words.
            None => unsafe { ffi::vt_rx(self.h, 0, [0u32; 16].as_ptr(), 0, 0, 0) },
        }
    }

    fn sample_output(&mut self) {
        let mut words = [0u32; 16];
        let (mut keep, mut last, mut user) = (0u64, 0u8, 0u8);
        // SAFETY: out-pointers valid for the call.
        let valid =
            unsafe { ffi::vt_out(self.h, words.as_mut_ptr(), &mut keep, &mut last, &mut user) };
        if valid != 0 {
            let mut data = [0u8; BEAT_BYTES];
            for (i, w) in words.iter().enumerate() {
                data[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            let beat = Beat {
                data,
                keep,
                last: last != 0,
                user: user != 0,
            };
            self.state.out.push(TimedBeat {
                cycle: self.state.cycle,
                beat,
            });
        }
    }

    /// Drive `input` (beats at their cycles, ascending, one per cycle at most), then run until
    /// every frame that went in has come out. Returns the output beats with their cycles.
    pub fn run(&mut self, input: &[TimedBeat]) -> Result<Vec<TimedBeat>, SimError> {
        self.drive(input)?;
        let expected = input.iter().filter(|b| b.beat.last).count();
        let out_frames = |out: &[TimedBeat]| data_frames(out);
        let mut quiet = 0;
        while out_frames(&self.state.out) < expected && quiet < DRAIN_QUIET_CYCLES {
            let before = self.state.out.len();
            self.dp_cycle(None);
            quiet = if self.state.out.len() == before {
                quiet + 1
            } else {
                0
            };
        }
        let out = std::mem::take(&mut self.state.out);
        let got = out_frames(&out);
        if got < expected {
            return Err(SimError::Lost {
                expected,
                got,
                quiet,
            });
        }
        Ok(out)
    }

    /// `run` for a device that may hold frames (the conn stage holding SYNs): drive `input`, then
    /// run until the output has been quiet for `DRAIN_QUIET_CYCLES`, whatever came out.
    pub fn run_holding(&mut self, input: &[TimedBeat]) -> Result<Vec<TimedBeat>, SimError> {
        self.drive(input)?;
        let mut quiet = 0;
        while quiet < DRAIN_QUIET_CYCLES {
            let before = self.state.out.len();
            self.dp_cycle(None);
            quiet = if self.state.out.len() == before {
                quiet + 1
            } else {
                0
            };
        }
        Ok(std::mem::take(&mut self.state.out))
    }

    /// Drive `input`'s beats at their cycles.
    fn drive(&mut self, input: &[TimedBeat]) -> Result<(), SimError> {
        let mut prev: Option<u64> = None;
        for tb in input {
            if tb.cycle < self.state.cycle {
                return Err(if prev == Some(tb.cycle) {
                    SimError::SameCycle(tb.cycle)
                } else {
                    SimError::PastCycle {
                        beat: tb.cycle,
                        now: self.state.cycle,
                    }
                });
            }
            while self.state.cycle < tb.cycle {
                self.dp_cycle(None);
            }
            self.dp_cycle(Some(&tb.beat));
            prev = Some(tb.cycle);
        }
        Ok(())
    }

    /// The output beats since the last `run` (report frames sent while idling).
    pub fn take_output(&mut self) -> Vec<TimedBeat> {
        std::mem::take(&mut self.state.out)
    }

    /// Idle datapath cycles (nothing on the receive port); output beats are kept for `run`.
    pub fn idle(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.dp_cycle(None);
        }
    }

    fn axil_outputs(&mut self) -> (u32, u32) {
        let mut rdata = 0u32;
        // SAFETY: out-pointer valid for the call.
        let flags = unsafe { ffi::vt_axil_out(self.h, &mut rdata) };
        (flags, rdata)
    }

    /// Update the AXI4-Lite master after a control rising edge, from what the DUT showed before it.
    fn axil_after_edge(&mut self, flags: u32, rdata: u32) {
        let (awready, bvalid, arready, rvalid) = (
            flags & 1 != 0,
            flags & 4 != 0,
            flags & 8 != 0,
            flags & 16 != 0,
        );
        let a = &mut self.state.axil;
        if a.awvalid && awready {
            a.awvalid = false;
            a.wvalid = false;
        } else if !a.awvalid && a.wvalid && bvalid {
            a.wvalid = false;
        }
        if a.arvalid && arready {
            a.arvalid = false;
        }
        if bvalid && !a.awvalid && !a.done {
            a.done = true;
        }
        if rvalid && !a.arvalid && !a.done {
            a.rdata = rdata;
            a.done = true;
        }
        self.drive_axil();
    }

    /// Put the master's state on the AXI4-Lite inputs; bready and rready stay high.
    fn drive_axil(&mut self) {
        let a = self.state.axil;
        // SAFETY: plain setter.
        unsafe {
            ffi::vt_axil_in(
                self.h,
                a.awvalid as u8,
                a.addr,
                a.wvalid as u8,
                a.wdata,
                1,
                a.arvalid as u8,
                a.addr,
                1,
            )
        }
    }

    fn axil_access(&mut self, what: &'static str, addr: u32) -> Result<u32, SimError> {
        self.state.ctl_awake_until_ps = u64::MAX;
        self.drive_axil();
        let start = self.state.cycle;
        while !self.state.axil.done {
            if self.state.cycle - start > AXIL_TIMEOUT_CYCLES {
                self.state.axil = Axil::default();
                self.drive_axil();
                self.ctl_settle();
                return Err(SimError::BusTimeout { what, addr });
            }
            self.dp_cycle(None);
        }
        let rdata = self.state.axil.rdata;
        self.state.axil = Axil::default();
        self.ctl_settle();
        Ok(rdata)
    }

    /// AXI4-Lite write.
    pub fn write32(&mut self, addr: u32, value: u32) -> Result<(), SimError> {
        self.state.axil = Axil {
            awvalid: true,
            wvalid: true,
            addr,
            wdata: value,
            ..Axil::default()
        };
        self.axil_access("write", addr).map(|_| ())
    }

    /// AXI4-Lite read.
    pub fn read32(&mut self, addr: u32) -> Result<u32, SimError> {
        self.state.axil = Axil {
            arvalid: true,
            addr,
            ..Axil::default()
        };
        self.axil_access("read", addr)
    }
}

impl RegisterAccess for Sim {
    fn read32(&mut self, addr: u32) -> Result<u32, DriverError> {
        Sim::read32(self, addr).map_err(|e| DriverError::Bus {
            addr,
            detail: e.to_string(),
        })
    }

    fn write32(&mut self, addr: u32, value: u32) -> Result<(), DriverError> {
        Sim::write32(self, addr, value).map_err(|e| DriverError::Bus {
            addr,
            detail: e.to_string(),
        })
    }
}

/// Complete output frames that are not report frames.
fn data_frames(out: &[TimedBeat]) -> usize {
    let (mut n, mut start, mut report) = (0, true, false);
    for b in out {
        if start {
            report = vantage_proto::report::looks_like_report(&b.beat.data);
        }
        if b.beat.last && !report {
            n += 1;
        }
        start = b.beat.last;
    }
    n
}
