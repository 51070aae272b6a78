#!/usr/bin/env bash
# synth-report.sh: out-of-context Yosys synthesis of the Vantage RTL for an UltraScale+ part,
# with resources and logic depth for the whole top and for each pipeline stage.
#
# Usage (from anywhere; paths are relative to the repository root):
#   scripts/synth-report.sh                   # full report: table on stdout, build/synth-report.json
#   scripts/synth-report.sh --check-implicit  # CI gate: read + elaborate only, exit 1 on any
#                                             # "implicitly declared" identifier (about 2 s)
# Environment:
#   VERILOG=path  use this Verilog file instead of emitting build/verilog/vantage_box_322mhz.v
#   FULL=1        also synthesise the whole top flat. Off by default since the stats stage came:
#                 its tables (64 Mbit of groups, 127 Mbit of connections in URAM) make the flat top
#                 a run of an hour or more; the stage runs below cover every module, and the
#                 stages meet at registers. Without the stats runs the rest takes about 6 min;
#                 stats.core about 30 min, stats.conns about 4 min (2-core machine, Yosys 0.23).
#   STAGES="..."  run only these stages (names from STAGE_NAMES below, e.g. "parse.l2 tag")
#   YOSYS=path    the yosys binary (default: yosys on PATH)
#   TOP=module    the top module (default vantage_box_322mhz); with STAGES=top and VERILOG, one
#                 leaf alone (make synth-hist: the history unit)
#   OUT_DIR, JSON_OUT  where the runs and the JSON go (default build/synth, build/synth-report.json)
#   KEEP_NETLIST=1  keep build/synth/<run>/netlist.json (the flat mapped netlists)
#
# What is measured, per run (one yosys process per run, one run at a time):
#   read_verilog -sv; synth_xilinx -family xcup -flatten -noiopad -noclkbuf -top <module>
#   (-flatten: each run is one flat netlist, optimised across the submodules rust-hdl emits for
#   every register; -noiopad/-noclkbuf: the box is out of context inside the OpenNIC shell, its
#   ports are not pins). Each stage run synthesises that module alone, its inputs free: the stage
#   figures do not add up exactly to the top, which also optimises across stage boundaries.
#
#   Resources (from `stat`): LUT = LUT1..LUT6 + INV (Vivado maps INV to a LUT1); FF = FD*;
#   CARRY = CARRY4 + CARRY8 (Yosys 0.23 maps carry chains to CARRY4 even for xcup; Vivado would
#   use about half as many CARRY8); MUXF = MUXF7/8/9; LUTRAM = distributed RAM cells (RAM32M16,
#   RAM64M, RAM32X1D, ...); SRL = SRL16E/SRLC32E shift registers; BRAM in RAMB36 equivalents
#   (RAMB18 = 0.5); URAM; DSP. Percentages are of an Alveo U250 (xcu250): 1,728,000 LUTs (the
#   LUT figure counts logic LUTs + the LUT sites of LUTRAM and SRL cells), 3,456,000 FFs,
#   2,688 BRAM36, 1,280 URAM, 12,288 DSP.
#
#   Depth, two figures on the flat mapped netlist, paths cut at every FF, BRAM, URAM and DSP cell
#   and at the top ports (which count as registers):
#   - LUTlv ("lut_depth" in the JSON): the most LUT levels on any register-to-register path.
#     LUT1..6/INV count 1, as does the asynchronous read of a LUTRAM or SRL (address to data: it
#     is a LUT); MUXF7/8/9 and CARRY cells count 0 (they sit in the slice behind a LUT and add a
#     fraction of a LUT delay each), but the path's MUXF and CARRY cells are reported beside it.
#     Computed by this script from `write_json` (longest path over a topological order).
#   - ltp ("depth"): yosys `ltp -noff`, the longest topological path counted in cells. `-noff`
#     only recognises Yosys' internal FF types, not the Xilinx FD* primitives, so ltp is given a
#     selection of all wires plus only the LUT/INV/MUXF/CARRY cells: every other cell is a cut
#     (including LUTRAM/SRL reads, which ltp cannot tell from their synchronous writes). Its length
#     counts CARRY4s of a long adder (16 for 64 bits) and MUXF chains as levels, so it overstates
#     depth for arithmetic; the LUT/MUXF/CARRY split of that path is reported with it.
#   It is a PROXY for reaching 322 MHz (3.1 ns), NOT a timing analysis: no wire delays, no fan-out,
#   no placement, no clock skew, no Vivado optimisation (Vivado's mapping can be shallower or
#   deeper than Yosys/ABC's; the depth-oriented ABC script is not Vivado's). Either figure names
#   one of the longest paths when several tie. As a rule of thumb on UltraScale+ at 322 MHz, up to
#   about 5-6 LUT levels with local routing close timing; beyond that expect to pipeline.
#
# Also (both modes, a gate): rust-hdl emits a nested part-select `x[(a)+:(w)][(b)+:(v)]` when Rust
# code slices a field of a struct signal (`s.val().field.get_bits()`); Verilog has no select of a
# select and Yosys 0.23 stops on it. The RTL copies such a field into a local signal first; the
# script fails, naming the lines, if one comes back.
#
# Against the card: the whole design's LUT, FF, BRAM, URAM and DSP (the flat top, or the sum of
# the stage runs when the top is not synthesised) as a share of the U250; the report fails when
# any is above 90 %.
#
# Output: the table on stdout, build/synth-report.json, per-run logs in build/synth/<run>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TOP="${TOP:-vantage_box_322mhz}"
export YOSYS="${YOSYS:-yosys}"
OUT_DIR="${OUT_DIR:-build/synth}"
JSON_OUT="${JSON_OUT:-build/synth-report.json}"
FAMILY=xcup
SYNTH_CMD="synth_xilinx -family $FAMILY -flatten -noiopad -noclkbuf"

# Runs: name and module. "top" is the whole design; the rest are the pipeline stages as rust-hdl
# names them (instance path joined with `$`). parse.e0..e2 are the three Ext6 (IPv6 extension
# header) steps, parse.sh* the HeaderShift steps before L3, each Ext6 and L4; stats.core is the
# group table leaf, stats.conns the history rule's connection table (its history unit: make synth-hist).
# conn.syn_table is the SYN table (also alone: make synth-syntable), conn.path the rest of the conn stage.
STAGE_NAMES=(
  top ingress parse
  parse.start parse.tag0 parse.tag1 parse.tag2 parse.labels parse.l2 parse.sh3 parse.l3 parse.sh_e0 parse.e0 parse.sh_e1 parse.e1 parse.sh_e2 parse.e2
  parse.sh4 parse.l4 parse.order parse.hash parse.pack parse.counters
  stats.core stats.conns conn.syn_table conn.path
  tag regfile bridge
)
module_of() { # run name -> module name: "parse.l2" -> "vantage_box_322mhz$parse$l2"
  if [[ "$1" == top ]]; then echo "$TOP"; else echo "$TOP\$${1//./\$}"; fi
}

die() { echo "synth-report: $*" >&2; exit 1; }

command -v "$YOSYS" >/dev/null || die "yosys not found (Debian: apt-get install yosys)"
command -v python3 >/dev/null || die "python3 not found"

# The Verilog: emitted fresh unless VERILOG names a file.
prepare_verilog() {
  if [[ -n "${VERILOG:-}" ]]; then
    SRC_ORIG="$VERILOG"
    [[ -f "$SRC_ORIG" ]] || die "VERILOG=$SRC_ORIG does not exist"
  else
    echo "synth-report: emitting Verilog (cargo run -p vantage-hdl --bin emit)" >&2
    cargo run -q --release -p vantage-hdl --bin emit -- build/verilog >&2
    SRC_ORIG="build/verilog/$TOP.v"
  fi
  mkdir -p "$OUT_DIR"
  SRC="$OUT_DIR/$TOP.yosys.v"
  # Nested part-selects are an error (see the header).
  if grep -nE '\+:\([0-9]+\)\]\[' "$SRC_ORIG" >&2; then
    die "nested part-select(s) above in $SRC_ORIG: copy the struct field into a local signal before slicing it"
  fi
  cp "$SRC_ORIG" "$SRC"
  REWRITES=0
}

# --- CI gate: implicitly declared identifiers ------------------------------------------------
# rust-hdl writes a Rust constant used inside #[hdl_gen] as a bare Verilog identifier that is
# never declared; Yosys (and Verilog) then make it an implicit 1-bit wire and only warn.
check_implicit() {
  prepare_verilog
  local log="$OUT_DIR/check-implicit.log" rc=0
  "$YOSYS" -q -l "$log" -p "read_verilog -sv $SRC; hierarchy -check -top $TOP; proc" \
    >/dev/null 2>&1 || rc=$?
  if (( rc != 0 )); then
    grep -m5 'ERROR' "$log" >&2 || true
    die "yosys failed to read/elaborate $SRC_ORIG (exit $rc); log: $log"
  fi
  local hits
  hits=$(grep -c 'is implicitly declared' "$log" || true)
  if (( hits > 0 )); then
    echo "synth-report: FAIL: $hits implicitly declared identifier(s) in $SRC_ORIG:" >&2
    # Line numbers refer to $SRC, which has the same lines as the emitted file.
    grep 'is implicitly declared' "$log" | sort -u >&2
    exit 1
  fi
  local latches
  latches=$(grep -c '^Latch inferred' "$log" || true)
  (( latches == 0 )) || echo "synth-report: warning: $latches latch(es) inferred; see $log" >&2
  echo "synth-report: ok: no implicitly declared identifiers ($TOP, $(grep -c '^module ' "$SRC") modules)"
}

# --- one synthesis run -----------------------------------------------------------------------
# Writes $OUT_DIR/<run>/{run.ys,yosys.log,stat.json,ltp.txt,muxf.txt,carry.txt,seconds,rc}.
synth_run() {
  local name="$1" module dir start rc=0
  module="$(module_of "$name")"
  dir="$OUT_DIR/$name"
  rm -rf "$dir"; mkdir -p "$dir"
  # A yosys script file, not -p: module names contain `$`, which the shell would expand.
  cat > "$dir/run.ys" <<EOF
read_verilog -sv $SRC
$SYNTH_CMD -top $module
tee -q -o $dir/stat.json stat -json
tee -q -o $dir/ltp.txt ltp -noff w:* t:LUT* t:INV t:MUXF* t:CARRY* %u %u %u %u
tee -q -o $dir/muxf.txt select -list t:MUXF*
tee -q -o $dir/carry.txt select -list t:CARRY*
write_json $dir/netlist.json
EOF
  start=$(date +%s.%N)
  "$YOSYS" -q -l "$dir/yosys.log" -s "$dir/run.ys" >"$dir/yosys.out" 2>&1 || rc=$?
  echo "$rc" > "$dir/rc"
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" \
    "$start" "$(date +%s.%N)" > "$dir/seconds"
  printf 'synth-report: %-16s %6ss%s\n' "$name" "$(cat "$dir/seconds")" \
    "$( (( rc == 0 )) || echo "  FAILED (exit $rc), see $dir/yosys.log")" >&2
}

# --- report: table on stdout, JSON file ------------------------------------------------------
report() {
  python3 - "$OUT_DIR" "$JSON_OUT" "$SRC_ORIG" "$REWRITES" "$FULL" "$SYNTH_CMD" "$@" <<'PY'
import json, os, re, subprocess, sys
out_dir, json_out, src, rewrites, full, synth_cmd, *runs = sys.argv[1:]

U250 = {"lut": 1_728_000, "ff": 3_456_000, "bram36": 2_688, "uram": 1_280, "dsp": 12_288}
# LUT sites taken by each distributed-RAM primitive (UltraScale+ CLB).
LUTRAM_SITES = {"RAM16X1D": 2, "RAM32X1S": 1, "RAM32X1D": 2, "RAM32M": 4, "RAM32M16": 8,
                "RAM64X1S": 1, "RAM64X1D": 2, "RAM64M": 4, "RAM64M8": 8, "RAM128X1S": 2,
                "RAM128X1D": 4, "RAM256X1S": 4, "RAM256X1D": 8, "RAM512X1S": 8}

def classify(types):
    r = dict(lut=0, ff=0, latch=0, carry=0, muxf=0, lutram=0, lutram_luts=0, srl=0,
             bram36=0.0, uram=0, dsp=0, other={})
    for t, n in types.items():
        if re.fullmatch(r"LUT[1-6]|INV", t): r["lut"] += n
        elif t.startswith("FD"): r["ff"] += n
        elif t.startswith("LD"): r["latch"] += n
        elif t.startswith("CARRY"): r["carry"] += n
        elif t.startswith("MUXF"): r["muxf"] += n
        elif t in LUTRAM_SITES: r["lutram"] += n; r["lutram_luts"] += n * LUTRAM_SITES[t]
        elif t.startswith("SRL"): r["srl"] += n
        elif t.startswith("RAMB18"): r["bram36"] += 0.5 * n
        elif t.startswith("RAMB36"): r["bram36"] += n
        elif t.startswith("URAM"): r["uram"] += n
        elif t.startswith("DSP"): r["dsp"] += n
        else: r["other"][t] = n
    return r

def names(path):  # `select -list` prints module/cell
    try:
        return {l.strip().split("/", 1)[1] for l in open(path) if "/" in l}
    except FileNotFoundError:
        return set()

def depth(d):
    try:
        text = open(f"{d}/ltp.txt").read()
    except FileNotFoundError:
        return None
    m = re.search(r"length=(-?\d+)", text)
    if not m:
        return None
    muxf, carry = names(f"{d}/muxf.txt"), names(f"{d}/carry.txt")
    steps = re.findall(r"^\s+\d+: (.*?)(?: \(via (.*)\))?$", text, re.M)
    vias = [v for _, v in steps if v]
    n_mux = sum(v in muxf for v in vias)
    n_carry = sum(v in carry for v in vias)
    return {"cells": int(m.group(1)), "lut": len(vias) - n_mux - n_carry, "muxf": n_mux,
            "carry": n_carry, "start": steps[0][0] if steps else "", "end": steps[-1][0] if steps else "",
            "loops": len(re.findall(r"Detected loop", text))}

COMB = ("LUT", "INV", "MUXF", "CARRY")

def lut_levels(d, module):
    """Longest path between sequential cells/ports, counted in LUT levels (LUT/INV, and the read of
    a LUTRAM or SRL: address to data), MUXF/CARRY adding no level; ties go to the path with more cells."""
    try:
        mod = json.load(open(f"{d}/netlist.json"))["modules"][module]
    except (FileNotFoundError, KeyError):
        return None
    name_of = {}
    for n, net in mod["netnames"].items():
        for i, b in enumerate(net["bits"]):
            if isinstance(b, int) and (b not in name_of or (name_of[b][1] and not net["hide_name"])):
                name_of[b] = (n if len(net["bits"]) == 1 else f"{n}[{i}]", net["hide_name"])
    cells, driver, captured_by = {}, {}, {}
    for cn, c in mod["cells"].items():
        t, dirs, conn = c["type"], c.get("port_directions", {}), c["connections"]
        if t.startswith(COMB):
            ins = [p for p in conn if dirs.get(p) == "input"]
            outs = [p for p in conn if dirs.get(p) == "output"]
        elif t in LUTRAM_SITES:  # asynchronous read: address -> data out
            ins = [p for p in conn if re.fullmatch(r"ADDR[A-H]|A\d?|DPRA\d?|A[0-9]+", p)]
            outs = [p for p in conn if re.fullmatch(r"DO[A-H]|SPO|DPO|O", p)]
        elif t.startswith("SRL"):  # dynamic tap: address -> Q
            ins = [p for p in conn if re.fullmatch(r"A\d?", p)]
            outs = ["Q"]
        else:  # FF, BRAM, URAM, DSP: paths start and end here
            q = [b for p, bits in conn.items() if dirs.get(p) == "output" for b in bits if isinstance(b, int)]
            for p, bits in conn.items():
                if dirs.get(p) == "input":
                    for b in bits:
                        captured_by.setdefault(b, q)
            continue
        lut = 0 if t.startswith(("MUXF", "CARRY")) else 1
        in_bits = [b for p in ins for b in conn[p] if isinstance(b, int)]
        cells[cn] = (t, lut, in_bits)
        for p in outs:
            for b in conn.get(p, []):
                if isinstance(b, int):
                    driver[b] = cn
    # Kahn's algorithm over cells; what is left over sits on a combinational loop.
    deps = {cn: {driver[b] for b in v[2] if b in driver} for cn, v in cells.items()}
    users = {cn: [] for cn in cells}
    for cn, ds in deps.items():
        for dcn in ds:
            users[dcn].append(cn)
    indeg = {cn: len(ds) for cn, ds in deps.items()}
    ready = [cn for cn, k in indeg.items() if k == 0]
    best = {}  # cell -> ((luts, cells), predecessor cell)
    while ready:
        cn = ready.pop()
        t, lut, _ = cells[cn]
        prev = max(((best[p][0], p) for p in deps[cn]), default=((0, 0), None))
        best[cn] = ((prev[0][0] + lut, prev[0][1] + 1), prev[1])
        for u in users[cn]:
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
    loops = len(cells) - len(best)
    if not best:
        return {"lut_levels": 0, "cells": 0, "muxf": 0, "carry": 0, "lutram_srl": 0, "start": "", "end": "",
                "loop_cells": loops}
    end = max(best, key=lambda cn: best[cn][0])
    path, cn = [], end
    while cn is not None:
        path.append(cn); cn = best[cn][1]
    path.reverse()
    types = [cells[cn][0] for cn in path]
    first_ins = [b for b in cells[path[0]][2] if b not in driver]
    end_bits = [b for b, cn in driver.items() if cn == end]
    label = lambda bits: next((name_of[b][0] for b in bits if b in name_of and not name_of[b][1]),
                              name_of[bits[0]][0] if bits and bits[0] in name_of else "?")
    end_label = label(end_bits)
    if end_label.startswith("$"):  # an internal net: name the register it feeds instead
        regs = [q for b in end_bits for q in captured_by.get(b, [])]
        if regs:
            end_label = f"(reg) {label(regs)}"
    return {"lut_levels": best[end][0][0], "cells": len(path),
            "muxf": sum(t.startswith("MUXF") for t in types), "carry": sum(t.startswith("CARRY") for t in types),
            "lutram_srl": sum(t in LUTRAM_SITES or t.startswith("SRL") for t in types),
            "start": label(first_ins), "end": end_label, "loop_cells": loops}

rows, problems = [], []
for name in runs:
    d = f"{out_dir}/{name}"
    rc = int(open(f"{d}/rc").read())
    row = {"name": name, "seconds": float(open(f"{d}/seconds").read()), "ok": rc == 0}
    row["module"] = open(f"{d}/run.ys").read().split("-top ", 1)[1].split()[0]
    if rc == 0:
        stat = json.load(open(f"{d}/stat.json"))
        (mod,) = stat["modules"].values()
        row["cell_types"] = mod["num_cells_by_type"]
        res = classify(mod["num_cells_by_type"])
        row["resources"] = res
        luts = res["lut"] + res["lutram_luts"] + res["srl"]
        row["percent_u250"] = {"lut": 100 * luts / U250["lut"], "ff": 100 * res["ff"] / U250["ff"],
                               "bram36": 100 * res["bram36"] / U250["bram36"],
                               "uram": 100 * res["uram"] / U250["uram"], "dsp": 100 * res["dsp"] / U250["dsp"]}
        row["depth"] = depth(d)
        row["lut_depth"] = lut_levels(d, row["module"])
        if row["lut_depth"] and row["lut_depth"]["loop_cells"]:
            problems.append(f"{name}: {row['lut_depth']['loop_cells']} cell(s) on combinational loops")
        if res["latch"]: problems.append(f"{name}: {res['latch']} latch cell(s)")
        if row["depth"] and row["depth"]["loops"]: problems.append(f"{name}: combinational loop (ltp)")
    else:
        problems.append(f"{name}: yosys failed (exit {rc}), see {d}/yosys.log")
    # Yosys' own warnings that matter for the RTL.
    for line in open(f"{d}/yosys.log", errors="replace"):
        if re.search(r"implicitly declared|[Ll]ogic loop|multiple conflicting drivers|^Latch inferred", line):
            problems.append(f"{name}: {line.strip()}")
    rows.append(row)

# The whole design against the card: the top when it was synthesised flat, else the sum of the
# stage runs that no other selected run contains (parse.l2 is inside parse). Complete only when
# every stage of STAGE_NAMES ran (not with STAGES=...); then a resource above FIT_LIMIT percent
# of the card fails the report.
FIT_LIMIT = 90.0
def totals(rows, all_stages):
    ok = {r["name"]: r for r in rows if r["ok"]}
    if "top" in ok:
        parts, whole = ["top"], True
    else:
        parts = [n for n in ok if n != "top" and not ("." in n and n.rsplit(".", 1)[0] in ok)]
        whole = all_stages and all(r["ok"] for r in rows)
    used = {"lut": 0, "ff": 0, "bram36": 0, "uram": 0, "dsp": 0}
    for n in parts:
        res = ok[n]["resources"]
        used["lut"] += res["lut"] + res["lutram_luts"] + res["srl"]
        for k in ("ff", "bram36", "uram", "dsp"):
            used[k] += res[k]
    percent = {k: 100 * v / U250[k] for k, v in used.items()}
    over = [k for k, v in percent.items() if v > FIT_LIMIT]
    return {"runs": parts, "complete": whole, "used": used, "percent": percent,
            "limit_percent": FIT_LIMIT, "over_limit": over}

all_stages = os.environ.get("STAGES", "") == ""
fit = totals(rows, all_stages)

version = subprocess.run([os.environ.get("YOSYS", "yosys"), "-V"], capture_output=True, text=True).stdout.strip()
git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True).stdout.strip()
commit = git("rev-parse", "--short", "HEAD") + ("-dirty" if git("status", "--porcelain", "--", "hdl", "proto") else "")
report = {"tool": version, "commit": commit, "flow": synth_cmd, "device": {"name": "Alveo U250 (xcu250)", **U250},
          "verilog": src, "verilog_nested_select_rewrites": int(rewrites), "whole_top": full == "1",
          "depth_metric": {
              "lut_depth": "most LUT levels (LUT/INV, LUTRAM/SRL read) on a path between FF/BRAM/URAM/DSP "
                           "cells or ports; MUXF/CARRY add no level. A proxy for 322 MHz, not timing.",
              "depth": "cells on yosys ltp's longest path over LUT/INV/MUXF/CARRY cells (all others cut); "
                       "lut/muxf/carry = its composition."},
          "runs": rows, "fit": fit, "problems": sorted(set(problems))}
with open(json_out, "w") as f:
    json.dump(report, f, indent=2)

print(f"Vantage synthesis report, commit {commit}: {version}; {synth_cmd}")
print("Percentages of an Alveo U250 (xcu250). LUTlv = most LUT levels on a path between registers;"
      " ltp = cells on yosys' longest path (LUT+MUXF+CARRY). A proxy for 322 MHz, not timing.")
if full != "1":
    print("NOTE: whole-top run skipped (FULL=0); stage figures only.")
hdr = (f"{'run':<15} {'LUT':>7} {'FF':>7} {'CARRY':>6} {'MUXF':>5} {'LUTRAM':>6} {'SRL':>5} {'BRAM36':>6}"
       f" {'URAM':>4} {'DSP':>4} {'LUT%':>6} {'FF%':>6} {'LUTlv':>5} {'ltp':>4} {'time':>6}")
print(hdr); print("-" * len(hdr))
for r in rows:
    if not r["ok"]:
        print(f"{r['name']:<15} FAILED (see {out_dir}/{r['name']}/yosys.log)"); continue
    s, p = r["resources"], r["percent_u250"]
    dp, lp = r["depth"] or {"cells": "?"}, r["lut_depth"] or {"lut_levels": "?"}
    print(f"{r['name']:<15} {s['lut']:>7} {s['ff']:>7} {s['carry']:>6} {s['muxf']:>5} {s['lutram']:>6}"
          f" {s['srl']:>5} {s['bram36']:>6g} {s['uram']:>4} {s['dsp']:>4} {p['lut']:>5.2f}% {p['ff']:>5.2f}%"
          f" {lp['lut_levels']:>5} {dp['cells']:>4} {r['seconds']:>5.0f}s")
print()
print("Deepest path per run in LUT levels (start -> end; cells on it = LUT + MUXF + CARRY):")
for r in rows:
    lp = r.get("lut_depth")
    if lp:
        ram = f", {lp['lutram_srl']} of the LUTs a LUTRAM/SRL read" if lp["lutram_srl"] else ""
        print(f"  {r['name']:<15} {lp['lut_levels']:>2} LUT, {lp['cells']} cells ({lp['muxf']} MUXF,"
              f" {lp['carry']} CARRY{ram}): {lp['start']} -> {lp['end']}")
print("Longest path per run in cells (yosys ltp):")
for r in rows:
    dp = r.get("depth")
    if dp:
        print(f"  {r['name']:<15} {dp['cells']:>3} = {dp['lut']} LUT + {dp['muxf']} MUXF + {dp['carry']} CARRY:"
              f" {dp['start']} -> {dp['end']}")
others = {t: n for r in rows if r["ok"] for t, n in r["resources"]["other"].items()}
if others:
    print(f"Unclassified cell types: {others}")
if int(rewrites):
    print(f"Note: {rewrites} line(s) of nested part-selects rewritten for Yosys (see scripts/synth-report.sh).")
u, pc = fit["used"], fit["percent"]
what = "the whole design" if fit["complete"] else "partial: only the runs selected"
print(f"Against the card (Alveo U250), {what} ({' + '.join(fit['runs'])}):")
print(f"  LUT {u['lut']:,} of {U250['lut']:,} ({pc['lut']:.1f}%), FF {u['ff']:,} ({pc['ff']:.1f}%),"
      f" BRAM36 {u['bram36']:g} of {U250['bram36']:,} ({pc['bram36']:.1f}%),"
      f" URAM {u['uram']:,} of {U250['uram']:,} ({pc['uram']:.1f}%), DSP {u['dsp']:,} ({pc['dsp']:.1f}%)")
if fit["over_limit"]:
    print(f"  OVER {FIT_LIMIT:g}%: {', '.join(fit['over_limit'])}"
          + ("" if fit["complete"] else " (in the runs selected alone)"))
else:
    print(f"  every resource under {FIT_LIMIT:g}%")
print(f"Total yosys time {sum(r['seconds'] for r in rows):.0f}s. JSON: {json_out}")
if problems:
    print("PROBLEMS:")
    for p in sorted(set(problems)):
        print(f"  {p}")
if fit["over_limit"]:
    print(f"synth-report: error: {', '.join(fit['over_limit'])} above {FIT_LIMIT:g}% of the card", file=sys.stderr)
sys.exit(0 if all(r["ok"] for r in rows) and not fit["over_limit"] else 1)
PY
}

main() {
  case "${1:-}" in
    --check-implicit) check_implicit; return ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; return ;;
    "") ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
  FULL="${FULL:-0}"
  prepare_verilog
  local runs=() name
  if [[ -n "${STAGES:-}" ]]; then
    read -r -a runs <<<"$STAGES"
  else
    runs=("${STAGE_NAMES[@]}")
  fi
  local selected=()
  for name in "${runs[@]}"; do
    if [[ "$name" == top && "$FULL" != 1 ]]; then continue; fi
    # A stage the RTL no longer has is skipped with a warning rather than failing the report.
    if ! grep -qF "module $(module_of "$name")(" "$SRC"; then
      echo "synth-report: warning: no module $(module_of "$name") in $SRC_ORIG; skipping $name" >&2
      continue
    fi
    selected+=("$name")
  done
  (( ${#selected[@]} > 0 )) || die "nothing to run"
  # One yosys at a time: the whole top needs ~0.9 GB and both cores' worth of patience.
  for name in "${selected[@]}"; do synth_run "$name"; done
  local rc=0
  report "${selected[@]}" || rc=$?
  # The flat netlists (45 MB for the top) are only needed for the depth analysis.
  [[ "${KEEP_NETLIST:-0}" == 1 ]] || rm -f "$OUT_DIR"/*/netlist.json
  return "$rc"
}

main "$@"
