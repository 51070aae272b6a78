//! Emit the RTL as Verilog, verilate it, and compile the C ABI shim the Rust harness calls.
//! Needs `verilator` on PATH (the Makefile's `setup` installs the Debian package).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use vantage_hdl::conn::table as syntable;
use vantage_hdl::reasm::{directory, engine, facts, front, key, record, rule, step};
use vantage_hdl::stats::{conns, hist};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let vdir = out.join("verilog");
    let files = vantage_hdl::emit_verilog(&vdir, build_id())
        .unwrap_or_else(|e| panic!("emitting Verilog: {e}"));
    let obj = out.join("obj");
    // Waveforms cost a fifth of the simulator's speed even when no trace is open, so only the
    // `trace` feature builds them in (`vantage sim --trace`); every model of the build is traced
    // or none is (they share one Verilator runtime, compiled one way).
    let trace = env::var_os("CARGO_FEATURE_TRACE").is_some();
    verilate(&files[0], &obj, "Vtop", vantage_hdl::TOP_MODULE, trace);
    // The history unit alone, for its own frame-by-frame test against the model.
    let obj_hist = out.join("obj_hist");
    verilate(&files[1], &obj_hist, "Vhist", hist::HIST_MODULE, trace);
    // The connection table with its unit, for its test at any timestamps.
    let obj_conns = out.join("obj_conns");
    verilate(
        &files[2],
        &obj_conns,
        "Vconns",
        conns::CONNTABLE_MODULE,
        trace,
    );
    // The conn stage's SYN table, for its test at any timestamps.
    let obj_syn = out.join("obj_syn");
    verilate(
        &files[3],
        &obj_syn,
        "Vsyn",
        syntable::SYNTABLE_MODULE,
        trace,
    );
    // The reasm stage's session directory, with the harness's memory behind its AXI4 port.
    let obj_dir = out.join("obj_dir");
    verilate(
        &files[4],
        &obj_dir,
        "Vdir",
        directory::STANDALONE_MODULE,
        trace,
    );
    // The reasm stage's direction rule, for its test against the model's rule.
    let obj_rule = out.join("obj_rule");
    verilate(
        &files[5],
        &obj_rule,
        "Vrule",
        rule::STANDALONE_MODULE,
        trace,
    );
    // One beat's port of the reasm stage's session record, with the harness's memory behind it.
    let obj_rec = out.join("obj_rec");
    verilate(
        &files[6],
        &obj_rec,
        "Vrec",
        record::STANDALONE_MODULE,
        trace,
    );
    // The reasm stage's session step, for its test against the model's step; the shim's port
    // assignments are written from the unit's port lists.
    let obj_step = out.join("obj_step");
    verilate(
        &files[7],
        &obj_step,
        "Vstep",
        step::STANDALONE_MODULE,
        trace,
    );
    write_step_ports(&obj_step.join("step_ports.h"), &out.join("step_ports.rs"));
    // The reasm stage's session key unit (way key and buckets), against proto's functions.
    let obj_key = out.join("obj_key");
    verilate(&files[9], &obj_key, "Vkey", key::STANDALONE_MODULE, trace);
    // The reasm stage's session engine with its four memories, against the model's stage.
    let obj_engine = out.join("obj_engine");
    verilate(
        &files[10],
        &obj_engine,
        "Vengine",
        engine::STANDALONE_MODULE,
        trace,
    );
    // The reasm stage's segment facts behind ingress and parse, against the model's reader.
    let obj_facts = out.join("obj_facts");
    verilate(&files[11], &obj_facts, "Vfacts", facts::PROBE_MODULE, trace);
    // The reasm stage's frames' side behind ingress and parse (the engine joins it in Rust).
    let obj_front = out.join("obj_front");
    verilate(&files[13], &obj_front, "Vfront", front::PROBE_MODULE, trace);
    let include = verilator_include();
    let mut shim = cc::Build::new();
    if trace {
        shim.file(include.join("verilated_fst_c.cpp"));
    }
    shim.cpp(true)
        .file("csrc/shim.cpp")
        .file("csrc/hist_shim.cpp")
        .include(&obj_hist)
        // The unit's register stages: the shim clocks a step through them.
        .define("HIST_REGS", Some(hist::HIST_REGS.to_string().as_str()))
        .file("csrc/conns_shim.cpp")
        .include(&obj_conns)
        .file("csrc/syntable_shim.cpp")
        .include(&obj_syn)
        .file("csrc/directory_shim.cpp")
        .include(&obj_dir)
        .file("csrc/rule_shim.cpp")
        .include(&obj_rule)
        .file("csrc/record_shim.cpp")
        .include(&obj_rec)
        .file("csrc/step_shim.cpp")
        .include(&obj_step)
        .file("csrc/key_shim.cpp")
        .include(&obj_key)
        .file("csrc/engine_shim.cpp")
        .include(&obj_engine)
        .file("csrc/facts_shim.cpp")
        .include(&obj_facts)
        .file("csrc/front_shim.cpp")
        .include(&obj_front)
        .file(include.join("verilated.cpp"))
        .file(include.join("verilated_threads.cpp"))
        .include(&obj)
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
    // Verilator names its archives without the `lib` prefix the linker wants.
    std::fs::copy(obj.join("Vtop__ALL.a"), obj.join("libvtop_all.a"))
        .unwrap_or_else(|e| panic!("copying the Verilated model archive: {e}"));
    std::fs::copy(
        obj_hist.join("Vhist__ALL.a"),
        obj_hist.join("libvhist_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated history unit's archive: {e}"));
    std::fs::copy(
        obj_conns.join("Vconns__ALL.a"),
        obj_conns.join("libvconns_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated connection table's archive: {e}"));
    std::fs::copy(obj_syn.join("Vsyn__ALL.a"), obj_syn.join("libvsyn_all.a"))
        .unwrap_or_else(|e| panic!("copying the Verilated SYN table's archive: {e}"));
    std::fs::copy(obj_dir.join("Vdir__ALL.a"), obj_dir.join("libvdir_all.a"))
        .unwrap_or_else(|e| panic!("copying the Verilated session directory's archive: {e}"));
    std::fs::copy(
        obj_rule.join("Vrule__ALL.a"),
        obj_rule.join("libvrule_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated direction rule's archive: {e}"));
    std::fs::copy(obj_rec.join("Vrec__ALL.a"), obj_rec.join("libvrec_all.a"))
        .unwrap_or_else(|e| panic!("copying the Verilated record port's archive: {e}"));
    std::fs::copy(
        obj_step.join("Vstep__ALL.a"),
        obj_step.join("libvstep_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated session step's archive: {e}"));
    std::fs::copy(obj_key.join("Vkey__ALL.a"), obj_key.join("libvkey_all.a"))
        .unwrap_or_else(|e| panic!("copying the Verilated session key unit's archive: {e}"));
    std::fs::copy(
        obj_engine.join("Vengine__ALL.a"),
        obj_engine.join("libvengine_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated session engine's archive: {e}"));
    std::fs::copy(
        obj_facts.join("Vfacts__ALL.a"),
        obj_facts.join("libvfacts_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated segment facts probe's archive: {e}"));
    std::fs::copy(
        obj_front.join("Vfront__ALL.a"),
        obj_front.join("libvfront_all.a"),
    )
    .unwrap_or_else(|e| panic!("copying the Verilated frames' side probe's archive: {e}"));
    println!("cargo:rustc-link-search=native={}", obj.display());
    println!("cargo:rustc-link-search=native={}", obj_dir.display());
    println!("cargo:rustc-link-search=native={}", obj_syn.display());
    println!("cargo:rustc-link-search=native={}", obj_hist.display());
    println!("cargo:rustc-link-search=native={}", obj_conns.display());
    println!("cargo:rustc-link-search=native={}", obj_rule.display());
    println!("cargo:rustc-link-search=native={}", obj_rec.display());
    println!("cargo:rustc-link-search=native={}", obj_step.display());
    println!("cargo:rustc-link-search=native={}", obj_key.display());
    println!("cargo:rustc-link-search=native={}", obj_engine.display());
    println!("cargo:rustc-link-search=native={}", obj_facts.display());
    println!("cargo:rustc-link-search=native={}", obj_front.display());
    println!("cargo:rustc-link-lib=static=vtop_all");
    println!("cargo:rustc-link-lib=static=vhist_all");
    println!("cargo:rustc-link-lib=static=vconns_all");
    println!("cargo:rustc-link-lib=static=vsyn_all");
    println!("cargo:rustc-link-lib=static=vdir_all");
    println!("cargo:rustc-link-lib=static=vrule_all");
    println!("cargo:rustc-link-lib=static=vrec_all");
    println!("cargo:rustc-link-lib=static=vstep_all");
    println!("cargo:rustc-link-lib=static=vkey_all");
    println!("cargo:rustc-link-lib=static=vengine_all");
    println!("cargo:rustc-link-lib=static=vfacts_all");
    println!("cargo:rustc-link-lib=static=vfront_all");
    if trace {
        // FST waveforms are compressed with zlib.
        println!("cargo:rustc-link-lib=dylib=z");
    }
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rustc-link-lib=dylib=pthread");
    println!("cargo:rerun-if-changed=csrc/shim.cpp");
    println!("cargo:rerun-if-changed=csrc/facts_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/front_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/hist_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/conns_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/syntable_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/directory_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/rule_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/record_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/step_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/key_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/engine_shim.cpp");
    println!("cargo:rerun-if-changed=csrc/unit.h");
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

fn verilate(top: &Path, obj: &Path, prefix: &str, module: &str, trace: bool) {
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    let extra = env::var("VANTAGE_VERILATOR_FLAGS").unwrap_or_default();
    let status = Command::new("verilator")
        .args(["--cc", "--build", "-j", &jobs, "--prefix", prefix])
        .args(trace.then_some("--trace-fst"))
        .args(["--top-module", module])
        .args(["-Wno-fatal", "-Wno-WIDTH", "-Wno-UNOPTFLAT", "-Wno-lint", "-Wno-style"])
        .args(["--x-assign", "0", "--x-initial", "0"])
        // The per-cycle code at -O3 (about 5 % faster than -O2), the rest at -O1 to build quickly.
        .args(["-CFLAGS", "-O1", "-MAKEFLAGS", "OPT_FAST=-O3"])
        // Extra Verilator options for a profiling build, e.g. `--prof-cfuncs` (docs/verification.md).
        .args(extra.split_whitespace())
        .arg("--Mdir")
        .arg(obj)
        .arg(top)
        .status()
        .unwrap_or_else(|e| panic!("cannot run verilator ({e}); install it with `make setup` (Debian package verilator)"));
    assert!(status.success(), "verilator failed on {}", top.display());
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
