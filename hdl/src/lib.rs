//! Vantage RTL, written with rust-hdl and emitted as Verilog.
//!
//! One folder per pipeline stage (`ingress`, `parse`, `tag`), the control path (`csr`), shared
//! leaves (`widgets`) and the OpenNIC `box_322mhz` top (`top`). `emit_verilog` writes the design
//! for Verilator, Yosys and Vivado.

pub mod conn;
pub mod csr;
pub mod ingress;
pub mod parse;
pub mod reasm;
pub mod slot;
pub mod stats;
pub mod tag;
pub mod top;
pub mod widgets;

use rust_hdl::prelude::*;
use std::path::{Path, PathBuf};

/// Name of the top module in the emitted Verilog.
pub const TOP_MODULE: &str = "vantage_box_322mhz";

#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The whole design as one Verilog source, top module named `TOP_MODULE`.
pub fn top_verilog(build_id: u32) -> String {
    let mut top = top::Top::new(build_id);
    top.connect_all();
    // The reasm engine's record ports share one leaf file (rust-hdl adds it per instance).
    widgets::verilog_leaf::once(
        &rename_top(&generate_verilog(&top)),
        &[widgets::line_rmw::SOURCE, reasm::key::TOEPLITZ_SOURCE],
    )
}

/// rust-hdl calls every design's top `top` and submodules `top$path`; give them our name.
fn rename_top(verilog: &str) -> String {
    verilog
        .replace("module top(", &format!("module {TOP_MODULE}("))
        .replace(
            "endmodule // top\n",
            &format!("endmodule // {TOP_MODULE}\n"),
        )
        .replace("top$", &format!("{TOP_MODULE}$"))
}

/// Write the design to `dir/vantage_box_322mhz.v` and, for their own tests and synthesis runs,
/// the units that are checked alone (the history unit, the connection table, the SYN table, and
/// the reasm stage's directory, rule, record port, step and its loop, session key, engine,
/// segment facts behind ingress and parse, the facts alone, the frames' side behind ingress
/// and parse, the frames' side alone, and the tag stage behind ingress and parse), each
/// `dir/<module>.v`; returns
/// the files written in the order of the list below (sim/build.rs indexes it).
pub fn emit_verilog(dir: &Path, build_id: u32) -> Result<Vec<PathBuf>, EmitError> {
    std::fs::create_dir_all(dir).map_err(|source| EmitError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let files = [
        (TOP_MODULE, top_verilog(build_id)),
        (stats::hist::HIST_MODULE, stats::hist::standalone_verilog()),
        (
            stats::conns::CONNTABLE_MODULE,
            stats::conns::standalone_verilog(),
        ),
        (
            conn::table::SYNTABLE_MODULE,
            conn::table::standalone_verilog(),
        ),
        (
            reasm::directory::STANDALONE_MODULE,
            reasm::directory::standalone_verilog(),
        ),
        (
            reasm::rule::STANDALONE_MODULE,
            reasm::rule::standalone_verilog(),
        ),
        (
            reasm::record::STANDALONE_MODULE,
            reasm::record::standalone_verilog(),
        ),
        (
            reasm::step::STANDALONE_MODULE,
            reasm::step::standalone_verilog(),
        ),
        (reasm::step::LOOP_MODULE, reasm::step::loop_verilog()),
        (
            reasm::key::STANDALONE_MODULE,
            reasm::key::standalone_verilog(),
        ),
        (
            reasm::engine::STANDALONE_MODULE,
            reasm::engine::standalone_verilog(),
        ),
        (reasm::facts::PROBE_MODULE, reasm::facts::probe_verilog()),
        (
            reasm::facts::STANDALONE_MODULE,
            reasm::facts::standalone_verilog(),
        ),
        (reasm::front::PROBE_MODULE, reasm::front::probe_verilog()),
        (
            reasm::front::STANDALONE_MODULE,
            reasm::front::standalone_verilog(),
        ),
        (
            reasm::stage::STANDALONE_MODULE,
            reasm::stage::standalone_verilog(),
        ),
        (
            tag::probe_unit::PROBE_MODULE,
            tag::probe_unit::probe_verilog(),
        ),
    ];
    let mut written = Vec::new();
    for (module, text) in files {
        let path = dir.join(format!("{module}.v"));
        std::fs::write(&path, text).map_err(|source| EmitError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
