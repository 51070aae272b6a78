//! Emit the RTL as Verilog, verilate it, and compile the C ABI shim the Rust harness calls.
//! Needs `verilator` on PATH (the Makefile's `setup` installs the Debian package).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use vantage_hdl::conn::table as syntable;
use vantage_hdl::reasm::{directory, engine, facts, front, key, record, rule, step};
use vantage_hdl::stats::{conns, hist};
use vantage_hdl::tag::probe_unit;

/// One Verilated model of the build: its module (emitted as `<module>.v`), the prefix of its
/// classes and archive, and its shim (`csrc/`, compiled with the model's headers).
struct Model {
    module: &'static str,
    prefix: &'static str,
    shim: &'static str,
}

/// Every model the harness links, the top first.
const MODELS: &[Model] = &[
    // The whole design.
    Model {
        module: vantage_hdl::TOP_MODULE,
        prefix: "Vtop",
        shim: "shim.cpp",
    },
    // The history unit alone, for its own frame-by-frame test against the model.
    Model {
        module: hist::HIST_MODULE,
        prefix: "Vhist",
        shim: "hist_shim.cpp",
    },
    // The connection table with its unit, for its test at any timestamps.
    Model {
        module: conns::CONNTABLE_MODULE,
        prefix: "Vconns",
        shim: "conns_shim.cpp",
    },
    // The conn stage's SYN table, for its test at any timestamps.
    Model {
        module: syntable::SYNTABLE_MODULE,
        prefix: "Vsyn",
        shim: "syntable_shim.cpp",
    },
    // The reasm stage's session directory, with the harness's memory behind its AXI4 port.
    Model {
        module: directory::STANDALONE_MODULE,
        prefix: "Vdir",
        shim: "directory_shim.cpp",
    },
    // The reasm stage's direction rule, for its test against the model's rule.
    Model {
        module: rule::STANDALONE_MODULE,
        prefix: "Vrule",
        shim: "rule_shim.cpp",
    },
    // One beat's port of the reasm stage's session record, with the harness's memory behind it.
    Model {
        module: record::STANDALONE_MODULE,
        prefix: "Vrec",
        shim: "record_shim.cpp",
    },
    // The reasm stage's session step, against the model's step; the shim's port assignments are
    // written from the unit's port lists (`write_step_ports`).
    Model {
        module: step::STANDALONE_MODULE,
        prefix: "Vstep",
        shim: "step_shim.cpp",
    },
    // The reasm stage's session key unit (way key and buckets), against proto's functions.
    Model {
        module: key::STANDALONE_MODULE,
        prefix: "Vkey",
        shim: "key_shim.cpp",
    },
    // The reasm stage's session engine with its four memories, against the model's stage.
    Model {
        module: engine::STANDALONE_MODULE,
        prefix: "Vengine",
        shim: "engine_shim.cpp",
    },
    // The reasm stage's segment facts behind ingress and parse, against the model's reader.
    Model {
        module: facts::PROBE_MODULE,
        prefix: "Vfacts",
        shim: "facts_shim.cpp",
    },
    // The reasm stage's frames' side behind ingress and parse (the engine joins it in Rust).
    Model {
        module: front::PROBE_MODULE,
        prefix: "Vfront",
        shim: "front_shim.cpp",
    },
    // The tag stage behind ingress and parse, every header length, against the model's stage.
    Model {
        module: probe_unit::PROBE_MODULE,
        prefix: "Vtagp",
        shim: "tag_shim.cpp",
    },
];

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let vdir = out.join("verilog");
    vantage_hdl::emit_verilog(&vdir, build_id())
        .unwrap_or_else(|e| panic!("emitting Verilog: {e}"));
    // Waveforms cost a fifth of the simulator's speed even when no trace is open, so only the
    // `trace` feature builds them in (`vantage sim --trace`); every model of the build is traced
    // or none is (they share one Verilator runtime, compiled one way).
    let trace = env::var_os("CARGO_FEATURE_TRACE").is_some();
    let include = verilator_include();
    let mut shim = cc::Build::new();
    if trace {
        shim.file(include.join("verilated_fst_c.cpp"));
    } else {
        shim.file(include.join("verilated_save.cpp"));
    }
    shim.cpp(true)
        // The history unit's register stages: its shim clocks a step through them.
        .define("HIST_REGS", Some(hist::HIST_REGS.to_string().as_str()))
        // The top's state can be saved and restored (`Sim::settled`), except in a traced build.
        .define("VT_SAVABLE", if trace { "0" } else { "1" });
    let mut objs = Vec::new();
    let cache = model_cache(&out);
    let version = verilator_version();
    for m in MODELS {
        let obj = verilated(
            &vdir.join(format!("{}.v", m.module)),
            &cache,
            &version,
            m.prefix,
            m.module,
            trace,
            !trace && m.prefix == "Vtop",
        );
        shim.file(format!("csrc/{}", m.shim)).include(&obj);
        println!("cargo:rerun-if-changed=csrc/{}", m.shim);
        objs.push((m, obj));
    }
    // The step shim's port lists, beside this build's own files (the model's are shared).
    write_step_ports(&out.join("step_ports.h"), &out.join("step_ports.rs"));
    shim.include(&out);
    shim.file(include.join("verilated.cpp"))
        .file(include.join("verilated_threads.cpp"))
        .include(&include)
        .include(include.join("vltstd"))
        .flag_if_supported("-std=c++17")
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-Wno-unused-variable")
        .flag_if_supported("-Wno-sign-compare")
        // The shim's `#if VM_TRACE` branches follow the models: traced only in a traced build.
        .define("VM_TRACE", if trace { "1" } else { "0" })
        .define("VM_TRACE_FST", "1")
        .opt_level(2)
        .compile("vantage_shim");
    for (m, obj) in &objs {
        // Verilator names its archives without the `lib` prefix the linker wants; the copy is
        // this build's own (the cache is shared).
        let lib = format!("{}_all", m.prefix.to_lowercase());
        std::fs::copy(
            obj.join(format!("{}__ALL.a", m.prefix)),
            out.join(format!("lib{lib}.a")),
        )
        .unwrap_or_else(|e| panic!("copying the Verilated archive of {}: {e}", m.module));
        println!("cargo:rustc-link-lib=static={lib}");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    if trace {
        // FST waveforms are compressed with zlib.
        println!("cargo:rustc-link-lib=dylib=z");
    }
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rustc-link-lib=dylib=pthread");
    println!("cargo:rerun-if-changed=csrc/unit.h");
    println!("cargo:rerun-if-changed=csrc/axi_port.h");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=VANTAGE_VERILATOR_FLAGS");
}

/// The session step's shim assignments, in the order of the unit's port lists: `STEP_SET(u, in)`
/// copies `in[k]` to the k-th input, `STEP_GET(u, out)` the k-th output to `out[k]`; and the lists
/// for the Rust side (`src/step.rs` includes them).
fn write_step_ports(path: &Path, rust: &Path) {
    let list = |ports: &[&str]| {
        let quoted: Vec<String> = ports.iter().map(|p| format!("{p:?}")).collect();
        format!("[{}]", quoted.join(", "))
    };
    let text = format!(
        "/// The unit's inputs, in the order `vstep_eval` takes them.\n\
         pub const IN_PORTS: [&str; {}] = {};\n\
         /// The unit's outputs, in the order `vstep_eval` gives them.\n\
         pub const OUT_PORTS: [&str; {}] = {};\n",
        step::IN_PORTS.len(),
        list(&step::IN_PORTS),
        step::OUT_PORTS.len(),
        list(&step::OUT_PORTS)
    );
    std::fs::write(rust, text).unwrap_or_else(|e| panic!("writing {}: {e}", rust.display()));
    let set: Vec<String> = step::IN_PORTS
        .iter()
        .enumerate()
        .map(|(k, p)| format!("(u)->{p} = (in)[{k}];"))
        .collect();
    let get: Vec<String> = step::OUT_PORTS
        .iter()
        .enumerate()
        .map(|(k, p)| format!("(out)[{k}] = (u)->{p};"))
        .collect();
    let text = format!(
        "// Written by sim/build.rs from hdl::reasm::step::{{IN_PORTS, OUT_PORTS}}.\n\
         #define STEP_INPUTS {}\n#define STEP_OUTPUTS {}\n\
         #define STEP_SET(u, in) do {{ {} }} while (0)\n\
         #define STEP_GET(u, out) do {{ {} }} while (0)\n",
        step::IN_PORTS.len(),
        step::OUT_PORTS.len(),
        set.join(" "),
        get.join(" ")
    );
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// A build id for id.BUILD_ID: the low 32 bits of the git commit when there is one.
fn build_id() -> u32 {
    Command::new("git")
        .args(["rev-parse", "--short=8", "HEAD"])
        .output()
        .ok()
        .and_then(|o| u32::from_str_radix(String::from_utf8_lossy(&o.stdout).trim(), 16).ok())
        .unwrap_or(0)
}

/// Where Verilated models are kept for every build of this target directory's profile: cargo runs
/// this script once per feature set the crate is built with (the CLI's, the tests', the traced
/// one), each in its own OUT_DIR, and a model Verilated once from the same Verilog with the same
/// options is the same for all of them. OUT_DIR is `<target>/<profile>/build/<crate>-<hash>/out`;
/// `cargo clean` empties the cache with the rest.
fn model_cache(out: &Path) -> PathBuf {
    out.ancestors()
        .nth(3)
        .map(|profile| profile.join("vantage-verilated"))
        .unwrap_or_else(|| out.join("verilated"))
}

/// `verilator --version`, part of every cache key.
fn verilator_version() -> String {
    Command::new("verilator")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|e| panic!("cannot run verilator ({e}); install it with `make setup` (Debian package verilator)"))
}

/// 64-bit FNV-1a of `bytes` from `h` (a cache key stable across builds and toolchains).
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The directory holding `module` Verilated from `verilog` (its archive and headers): from the
/// cache when the same Verilog was Verilated with the same options by the same Verilator before,
/// else Verilated now into a private directory renamed into place (a build running beside this
/// one may do the same; the first rename wins, the other's copy is dropped).
fn verilated(
    verilog: &Path,
    cache: &Path,
    version: &str,
    prefix: &str,
    module: &str,
    trace: bool,
    savable: bool,
) -> PathBuf {
    let text =
        std::fs::read(verilog).unwrap_or_else(|e| panic!("reading {}: {e}", verilog.display()));
    let args = verilator_args(prefix, module, trace, savable);
    let mut key = fnv1a(&text, 0xcbf2_9ce4_8422_2325);
    key = fnv1a(version.as_bytes(), key);
    for a in &args {
        key = fnv1a(a.as_bytes(), fnv1a(&[0], key));
    }
    let dir = cache.join(format!("{}-{key:016x}", prefix.to_lowercase()));
    let archive = format!("{prefix}__ALL.a");
    if dir.join(&archive).exists() {
        return dir;
    }
    std::fs::create_dir_all(cache).unwrap_or_else(|e| panic!("creating {}: {e}", cache.display()));
    let tmp = cache.join(format!(
        "{}-{key:016x}.tmp{}",
        prefix.to_lowercase(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    let status = Command::new("verilator")
        .args(["--build", "-j", &jobs])
        .args(&args)
        .arg("--Mdir")
        .arg(&tmp)
        .arg(verilog)
        .status()
        .unwrap_or_else(|e| panic!("cannot run verilator ({e}); install it with `make setup` (Debian package verilator)"));
    assert!(
        status.success(),
        "verilator failed on {}",
        verilog.display()
    );
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another build put the same model there first.
        assert!(
            dir.join(&archive).exists(),
            "cannot move {} to {}",
            tmp.display(),
            dir.display()
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }
    dir
}

/// Verilator's options for one model (all but the job count, the output directory and the file).
fn verilator_args(prefix: &str, module: &str, trace: bool, savable: bool) -> Vec<String> {
    let extra = env::var("VANTAGE_VERILATOR_FLAGS").unwrap_or_default();
    let mut args: Vec<&str> = vec!["--cc", "--prefix", prefix];
    if trace {
        args.push("--trace-fst");
    }
    // Save and restore of the model's state, for a device settled once per process.
    if savable {
        args.push("--savable");
    }
    args.extend(["--top-module", module]);
    args.extend([
        "-Wno-fatal",
        "-Wno-WIDTH",
        "-Wno-UNOPTFLAT",
        "-Wno-lint",
        "-Wno-style",
    ]);
    args.extend(["--x-assign", "0", "--x-initial", "0"]);
    // The per-cycle code at -O3 (about 5 % faster than -O2), the rest at -O1 to build quickly.
    args.extend(["-CFLAGS", "-O1", "-MAKEFLAGS", "OPT_FAST=-O3"]);
    // Extra Verilator options for a profiling build, e.g. `--prof-cfuncs` (docs/verification.md).
    args.extend(extra.split_whitespace());
    args.into_iter().map(String::from).collect()
}

fn verilator_include() -> PathBuf {
    let root = Command::new("verilator")
        .arg("--getenv")
        .arg("VERILATOR_ROOT")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let root = if root.is_empty() {
        "/usr/share/verilator".to_string()
    } else {
        root
    };
    PathBuf::from(root).join("include")
}
