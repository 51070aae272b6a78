//! What every leaf written as a Verilog file needs on the Rust side: its instantiation with
//! parameters from `proto`, the standalone module its own tests and synthesis run, and the checks
//! that the file and its wrapper agree (ports, parameter defaults, elaboration under Verilator).

use std::fmt::Write;

/// The instantiation of `module` named `leaf`: `.NAME(value)` for each parameter (no `#()` when
/// there is none), `.port(signal)` for each port.
pub fn instance(module: &str, params: &[(&str, u64)], ports: &[(&str, &str)]) -> String {
    let mut s = String::new();
    let params: Vec<String> = params.iter().map(|(n, v)| format!(".{n}({v})")).collect();
    if params.is_empty() {
        let _ = writeln!(s, "{module} leaf (");
    } else {
        let _ = writeln!(s, "{module} #({}) leaf (", params.join(", "));
    }
    let ports: Vec<String> = ports.iter().map(|(p, w)| format!("  .{p}({w})")).collect();
    let _ = writeln!(s, "{}\n);", ports.join(",\n"));
    s
}

/// rust-hdl's output for a block emitted alone, its `top` renamed `name`.
pub fn standalone(name: &str, verilog: &str) -> String {
    verilog
        .replace("module top(", &format!("module {name}("))
        .replace("endmodule // top\n", &format!("endmodule // {name}\n"))
}

/// `verilog` with each of `sources` (leaf files several wrappers include) kept at its first
/// place only: rust-hdl adds a wrapper's file once per wrapper instance, and a module may be
/// defined once.
pub fn once(verilog: &str, sources: &[&str]) -> String {
    let mut out = verilog.to_string();
    for src in sources {
        if let Some(first) = out.find(src) {
            let keep = first + src.len();
            let rest = out[keep..].replace(src, "");
            out.truncate(keep);
            out.push_str(&rest);
        }
    }
    out
}

/// The ports a file declares, in order (one `input`/`output` per line, ended by `,` in an ANSI
/// header or `;` in rust-hdl's declarations).
pub fn declared_ports(source: &str) -> Vec<&str> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("input ") || l.starts_with("output "))
        .filter_map(|l| {
            l.split("//")
                .next()
                .and_then(|code| code.split_whitespace().last())
                .map(|w| w.trim_end_matches([',', ';']))
        })
        .collect()
}

/// The default a file gives parameter `name`, as written.
pub fn parameter_default<'a>(source: &'a str, name: &str) -> Option<&'a str> {
    source
        .lines()
        .find(|l| {
            l.trim_start().starts_with("parameter") && l.split_whitespace().any(|w| w == name)
        })
        .and_then(|line| line.split('=').nth(1))
        .and_then(|r| r.split_whitespace().next())
        .map(|v| v.trim_end_matches(','))
}

/// `lint_alone` at `params`, asserted clean (the lint's messages on failure); false, with a note
/// on stderr, when Verilator is not on PATH and the caller's test is skipped.
#[cfg(test)]
pub fn lints_clean(source: &str, module: &str, params: &[(&str, u64)]) -> bool {
    let Some(out) = lint_alone(source, module, params) else {
        eprintln!("skipped: verilator is not on PATH (make setup installs it)");
        return false;
    };
    assert!(
        out.status.success(),
        "{module}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// Verilator's `--lint-only -Wall` on the file alone as module `module` with these parameters
/// (`-GNAME=value`); None when Verilator is not on PATH. The file is named after its Rust
/// module, not its Verilog module, so DECLFILENAME is off.
pub fn lint_alone(
    source: &str,
    module: &str,
    params: &[(&str, u64)],
) -> Option<std::process::Output> {
    let dir = std::env::temp_dir().join(format!(
        "vantage-lint-{module}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join(format!("{module}.v"));
    std::fs::write(&file, source).ok()?;
    let out = std::process::Command::new("verilator")
        .args([
            "--lint-only",
            "-Wall",
            "-Wno-DECLFILENAME",
            "--top-module",
            module,
        ])
        .args(params.iter().map(|(n, v)| format!("-G{n}={v}")))
        .arg(&file)
        .output()
        .ok();
    let _ = std::fs::remove_dir_all(&dir);
    out
}
