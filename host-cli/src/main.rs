//! `vantage`: run captures through the Vantage pipeline (Verilated hardware or software model),
//! decode the tagged headers it inserts, and inspect a device's register blocks and counters.

mod conn;
mod decode;
mod devices;
mod pipeline;
mod query;
mod reasm;
mod rules;
mod stats;
mod summary;
mod zeekconn;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use vantage_proto::axis::Pacing;

const ABOUT: &str = "Vantage: FPGA offload for network monitors.

Runs captures through the pipeline (the Verilated RTL or the software model), decodes the tagged
headers the pipeline inserts, and inspects a device's register blocks and counters.
Captures may be pcap or pcapng, gzip-compressed or not, Ethernet or raw IP.
Logging: RUST_LOG=debug (or info, warn, vantage_driver=trace, ...), to stderr.";

#[derive(Parser, Debug)]
#[command(name = "vantage", version, about = "Vantage: FPGA offload for network monitors", long_about = ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a capture through the Verilated hardware and write what comes out.
    ///
    /// Every frame of IN is driven into the RTL's 512-bit AXI4-Stream input at the cycles the
    /// pacing gives; the output frames (tagged unless --no-tag) are written to OUT as pcap, each
    /// with the capture time of its input frame. The device's counters are printed at the end.
    Sim(RunArgs),
    /// Run a capture through the software model of the pipeline (same options as `sim`).
    ///
    /// The model states the pipeline's behaviour plainly; for the same input it gives the same
    /// output frames as the hardware.
    Model(RunArgs),
    /// Print the tagged headers of a capture written by `sim` or `model`.
    ///
    /// One row per frame: frame number, length, ingress timestamp (ns), flow hash, parse flags,
    /// IP header offset, IP protocol and the frame's original EtherType. Frames without a
    /// Vantage header are shown as untagged.
    Decode(DecodeArgs),
    /// Walk a device's self-describing register blocks and print them with the features found.
    Info(DeviceArgs),
    /// Latch and print every 64-bit counter of a device.
    Counters(CountersArgs),
    /// Emit the pipeline's Verilog into a directory.
    Verilog(VerilogArgs),
    /// Statistics rule files: check them, load them into a device, read a device's rules back
    /// (docs/rules.md).
    #[command(subcommand)]
    Rules(RulesCommand),
    /// A device's stats stage: look into its group table.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// A device's conn stage (SYN offload): what it holds, its timeout, a flush
    /// (docs/pipeline.md "Conn").
    #[command(subcommand)]
    Conn(ConnCommand),
    /// A device's reasm stage (TCP sessions): whether it follows segments, its state, its
    /// session table and what it counted (docs/reasm.md).
    #[command(subcommand)]
    Reasm(ReasmCommand),
    /// A task-oriented statistics query, e.g. "count syns per src_ip/24 every 1m threshold 100".
    ///
    /// The query is compiled to a stats rule; the device's features decide where it runs: in the
    /// device's stats stage if it has one, else in software (the model's stats stage). With
    /// --capture, the software placement runs over a capture, epochs by capture time, and prints
    /// each epoch's threshold crossings and largest groups. Grammar: docs/rules.md.
    Query(QueryArgs),
}

#[derive(Args, Debug)]
struct QueryArgs {
    /// The query text (quote it).
    query: String,
    #[command(flatten)]
    device: DeviceArgs,
    /// Run the software placement over this capture.
    #[arg(long, value_name = "FILE.pcap")]
    capture: Option<PathBuf>,
    /// Largest groups shown per epoch.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Parse and check a rule file and print what each rule counts and groups by.
    ///
    /// Errors name the line and column (or the rule) at fault.
    Check {
        /// The rule file (JSON).
        file: PathBuf,
    },
    /// Check a rule file and load it into a device's stats stage.
    ///
    /// The rules are spread over the table's four lanes so that no frame feeds two rules of one
    /// lane; a set where five rules can all count one frame is refused, naming them. Counting is
    /// off while the table is written and on afterwards; table rules past the file's are
    /// disabled. Prints each rule's lane and the lanes in use. The `sim` device lives only as
    /// long as this command, so use a `sysfs:` device to keep the rules.
    Load {
        /// The rule file (JSON), checked as `rules check` checks it.
        file: PathBuf,
        #[command(flatten)]
        device: DeviceArgs,
    },
    /// Print the rules a device's stats stage holds, read back from its registers.
    ///
    /// The device keeps no names or epoch, so rules are shown by their place in the table
    /// ("rule 3"), with their lane, in the form `rules check` prints; a field the registers
    /// cannot tell from another form is shown in the simplest form that loads the same.
    Show {
        #[command(flatten)]
        device: DeviceArgs,
    },
}

#[derive(Subcommand, Debug)]
enum ReasmCommand {
    /// Print whether the stage follows segments, whether frames go through it, hold beats and
    /// have its clock, the session table's size, the cap above a hole, the stage's timing and its
    /// counters.
    Show {
        #[command(flatten)]
        device: DeviceArgs,
    },
}

#[derive(Subcommand, Debug)]
enum ConnCommand {
    /// Print whether SYNs are held, the timeout, the records held and the stage's status.
    Show {
        #[command(flatten)]
        device: DeviceArgs,
    },
    /// Give back every held SYN (as regenerated SYNs, why = flushed, or expired if past the
    /// timeout) and wait until the last has gone out.
    Flush {
        #[command(flatten)]
        device: DeviceArgs,
    },
    /// Set the timeout after which an unanswered SYN is given back as a regenerated SYN.
    ///
    /// DURATION takes a unit: ns, us, ms, s, m (e.g. 5s, Zeek's tcp_attempt_delay; 300s groups
    /// retransmissions as Zeek's inactivity timeout does). The `sim` device lives only as long
    /// as this command, so use a `sysfs:` device to keep the setting.
    SetTimeout {
        #[arg(value_parser = parse_duration_ns)]
        duration: u64,
        /// Also turn holding on or off (CONTROL bit 0; the device holds only while tagging is on).
        #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
        hold: Option<bool>,
        #[command(flatten)]
        device: DeviceArgs,
    },
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("`{s}`: say on or off")),
    }
}

#[derive(Subcommand, Debug)]
enum StatsCommand {
    /// Print the valid entries of one row (bucket) of the group table.
    ///
    /// Each entry: the rule it counts for (numbered as `rules show` numbers them), its group key
    /// (fields the rule does not group by are 0), packets and bytes this epoch, and whether a
    /// threshold fired for it. A group's bank follows from its lane and hash (docs/stats-design.md).
    Peek(PeekArgs),
}

#[derive(Args, Debug)]
struct PeekArgs {
    /// Table bank, 0 to 3.
    #[arg(long, value_parser = parse_index)]
    bank: usize,
    /// Bucket in the bank, 0 to 4095 (decimal, or hex with 0x).
    #[arg(long, value_parser = parse_index)]
    bucket: usize,
    #[command(flatten)]
    device: DeviceArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PacingArg {
    /// One beat every cycle, frames back to back (faster than any 100G MAC: the worst case).
    BackToBack,
    /// As fast as an Ethernet line of --gbps delivers the frames (preamble, FCS, gap counted).
    LineRate,
    /// At the capture's own timestamps, but never faster than --gbps.
    CaptureTime,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Input capture (pcap or pcapng, gzip or not, Ethernet or raw IP).
    input: PathBuf,
    /// Output capture (pcap, nanosecond timestamps).
    #[arg(short, long, value_name = "OUT.pcap")]
    output: PathBuf,
    /// How frames are spread over datapath cycles (322.27 MHz).
    #[arg(long, value_enum, default_value_t = PacingArg::LineRate)]
    pacing: PacingArg,
    /// Line rate in Gb/s for --pacing line-rate and capture-time.
    #[arg(long, default_value_t = 100.0, value_parser = parse_gbps)]
    gbps: f64,
    /// Do not insert the tagged header: frames pass unchanged.
    #[arg(long)]
    no_tag: bool,
    /// EtherType of the tagged header (hex with 0x, or decimal).
    #[arg(long, value_parser = parse_ethertype, default_value = "0x88b5")]
    ethertype: u16,
    /// Write a waveform trace of the run (simulator only). Needs a vantage built with the
    /// `trace` feature (cargo build --release -p vantage --features trace), which simulates about
    /// a fifth slower; without it the option is refused.
    #[arg(long, value_name = "FILE.fst")]
    trace: Option<PathBuf>,
    /// Also run the software model on the same beats with the device's own timebase and require
    /// the same frames and counters (simulator only).
    #[arg(long)]
    compare_model: bool,
    /// Stats rule file (docs/rules.md) to load before the run. Its epoch_ms arms epochs with
    /// boundaries on multiples of it of the capture's clock; the report frames of every epoch
    /// closed during the run go into the output capture among the frames.
    #[arg(long, value_name = "RULES.json")]
    rules: Option<PathBuf>,
    /// Offload unanswered connections (the conn stage, docs/pipeline.md "Conn"): hold each SYN,
    /// give it back just before the next frame of its connection, or regenerated and marked once
    /// this long has passed without one (e.g. 5s, 200ms, 150us). A device without the conn
    /// stage (feature CONN absent) refuses the option; `model` always runs it.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_ns)]
    conn_timeout: Option<u64>,
    #[command(flatten)]
    reasm: reasm::ReasmArgs,
}

#[derive(Args, Debug)]
struct DecodeArgs {
    /// Capture written by `vantage sim` or `vantage model`.
    input: PathBuf,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
    /// EtherType that marks the tagged header (hex with 0x, or decimal).
    #[arg(long, value_parser = parse_ethertype, default_value = "0x88b5")]
    ethertype: u16,
    /// Also print each record of a report frame, one line each (--json always includes them).
    #[arg(long)]
    records: bool,
    /// Instead of the table: for every SYN the conn stage gave back unanswered (expired or
    /// flushed), the line Zeek's conn.log holds for that attempt (S0, history S), from the tag
    /// alone, so the attempts the monitor never tracked are still logged.
    #[arg(long, conflicts_with_all = ["json", "records"])]
    zeek_conn: bool,
    /// Instead of the table: what the monitor behind the NIC receives, for its operator: frames,
    /// SYNs given back unanswered, threshold crossings by rule, the busiest connection records
    /// with Zeek's history, epoch reports.
    #[arg(long, conflicts_with_all = ["json", "records", "zeek_conn"])]
    summary: bool,
    /// The rule file the device ran (names the rules in --summary; without it they are numbered).
    #[arg(long, value_name = "FILE.json", requires = "summary")]
    rules: Option<PathBuf>,
    /// Instead of the table: write each connection's stream per direction, as a monitor rebuilds
    /// it from the REASM tags (`sim`/`model --reasm`), into DIR/<flow id>-<orig|resp>.bin, with
    /// DIR/streams.tsv listing endpoints, lengths, gaps and fallbacks; compare them with
    /// `tshark -z follow,tcp,raw` of the input. Fails when a frame's tag contradicts its stream.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["json", "records", "zeek_conn", "summary"])]
    streams: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct DeviceArgs {
    /// Device: `sim` (the Verilated RTL), `sysfs:<path>[@offset]` (a mapped BAR, e.g.
    /// /sys/bus/pci/devices/0000:3b:00.0/resource2@0x200000 for the OpenNIC shell's box_322mhz,
    /// or a register image file) or `vfio:<bdf>`.
    #[arg(long, default_value = "sim")]
    device: String,
}

#[derive(Args, Debug)]
struct CountersArgs {
    #[command(flatten)]
    device: DeviceArgs,
    /// One JSON object {"block.counter": value, ...} instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct VerilogArgs {
    /// Directory to write the Verilog files into (created if missing).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

fn parse_ethertype(s: &str) -> Result<u16, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16),
        None => s.parse::<u16>(),
    };
    r.map_err(|_| format!("`{s}` is not an EtherType (a 16-bit number such as 0x88b5)"))
}

fn parse_index(s: &str) -> Result<usize, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => usize::from_str_radix(hex, 16),
        None => s.parse::<usize>(),
    };
    r.map_err(|_| format!("`{s}` is not a number (decimal, or hex with 0x)"))
}

/// A duration with a unit: ns, us, ms, s or m (e.g. `5s`, `150us`), in ns.
fn parse_duration_ns(s: &str) -> Result<u64, String> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let scale: u64 = match unit {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        _ => {
            return Err(format!(
                "`{s}` is not a duration: a number with ns, us, ms, s or m (e.g. 5s)"
            ))
        }
    };
    n.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|ns| *ns > 0)
        .ok_or_else(|| format!("`{s}` is not a duration above 0 that fits 64 bits of ns"))
}

fn parse_gbps(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(g) if g.is_finite() && g > 0.0 && g <= 10_000.0 => Ok(g),
        _ => Err(format!(
            "`{s}` is not a line rate in Gb/s (a number above 0, at most 10000)"
        )),
    }
}

impl RunArgs {
    #[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
    #[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
    fn pacing_text(&self) -> String {
        match self.pacing {
            PacingArg::BackToBack => "back-to-back".to_string(),
            PacingArg::LineRate => format!("line-rate {} Gb/s", self.gbps),
            PacingArg::CaptureTime => format!("capture-time, at most {} Gb/s", self.gbps),
        }
    }

    #[cfg_attr(not(any(feature = "sim", feature = "model")), allow(dead_code))]
    fn pacing(&self) -> Pacing {
        match self.pacing {
            PacingArg::BackToBack => Pacing::BackToBack,
            PacingArg::LineRate => Pacing::LineRate { gbps: self.gbps },
            PacingArg::CaptureTime => Pacing::CaptureTime { gbps: self.gbps },
        }
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` joins the context chain on one line: "reading x.pcap: x.pcap is damaged: ..."
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Sim(a) => pipeline::run_sim(&a),
        Command::Model(a) => pipeline::run_model(&a),
        Command::Decode(a) if a.zeek_conn => zeekconn::run(&a.input, a.ethertype),
        Command::Decode(DecodeArgs {
            input,
            ethertype,
            streams: Some(dir),
            ..
        }) => reasm::write_streams(&input, ethertype, &dir),
        Command::Decode(a) if a.summary => {
            let names = match &a.rules {
                Some(f) => rules::read(f)?.rules.into_iter().map(|r| r.name).collect(),
                None => Vec::new(),
            };
            summary::run(&a.input, a.ethertype, &names)
        }
        Command::Decode(a) => decode::run(&a.input, a.ethertype, a.json, a.records),
        Command::Info(a) => devices::info(&a.device),
        Command::Counters(a) => devices::counters(&a.device.device, a.json),
        Command::Verilog(a) => pipeline::verilog(&a.output),
        Command::Rules(RulesCommand::Check { file }) => rules::check(&file),
        Command::Rules(RulesCommand::Load { file, device }) => rules::load(&file, &device.device),
        Command::Rules(RulesCommand::Show { device }) => rules::show(&device.device),
        Command::Stats(StatsCommand::Peek(a)) => stats::peek(&a.device.device, a.bank, a.bucket),
        Command::Conn(ConnCommand::Show { device }) => conn::show(&device.device),
        Command::Conn(ConnCommand::Flush { device }) => conn::flush(&device.device),
        Command::Conn(ConnCommand::SetTimeout {
            duration,
            hold,
            device,
        }) => conn::set_timeout(&device.device, duration, hold),
        Command::Reasm(ReasmCommand::Show { device }) => reasm::show(&device.device),
        Command::Query(a) => query::run(&a.query, &a.device.device, a.capture.as_deref(), a.top),
    }
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`vantage decode x.pcap | head`) would
/// panic; a command-line tool should just stop, as other Unix tools do.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
