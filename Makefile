# Vantage: FPGA offload for network monitors. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
BUILD := build
VERILOG := $(BUILD)/verilog/vantage_box_322mhz.v
# The stats stage's history unit alone (it also sits in the connection table): its own lint and synthesis.
HIST_VERILOG := $(BUILD)/verilog/vantage_stats_hist.v
# The conn stage's SYN table alone (its own test, lint and synthesis).
SYN_VERILOG := $(BUILD)/verilog/vantage_conn_syntable.v
# The reasm stage's session directory alone (hdl/src/reasm/directory.v wrapped with proto's
# parameters: its own test, lint and synthesis).
DIR_VERILOG := $(BUILD)/verilog/vantage_reasm_dir.v
# The reasm stage's direction rule alone (its own test against the model, lint and synthesis).
RULE_VERILOG := $(BUILD)/verilog/vantage_reasm_rule.v
# One beat's port of the reasm stage's session record alone (hdl/src/widgets/line_rmw.v with the
# record's parameters: its own test, lint and synthesis).
REC_VERILOG := $(BUILD)/verilog/vantage_reasm_record.v
# The reasm stage's session step alone (its own test against the model, lint and synthesis).
STEP_VERILOG := $(BUILD)/verilog/vantage_reasm_step.v
# The step's loop alone: what the record's port takes back the next cycle (synthesis only).
STEP_LOOP_VERILOG := $(BUILD)/verilog/vantage_reasm_step_loop.v
# The reasm stage's session key unit alone (hdl/src/widgets/toeplitz.v with the session hash's
# widths: its own test against proto, lint and synthesis).
KEY_VERILOG := $(BUILD)/verilog/vantage_reasm_key.v
# The reasm stage's session engine alone (its own test against the model, lint).
ENGINE_VERILOG := $(BUILD)/verilog/vantage_reasm_engine.v
# The reasm stage's segment facts behind ingress and parse (its own test against the model, lint).
FACTS_VERILOG := $(BUILD)/verilog/vantage_reasm_facts_probe.v
# The reasm stage's frames' side behind ingress and parse (its own test with the engine, lint).
FRONT_VERILOG := $(BUILD)/verilog/vantage_reasm_front_probe.v
TAG_PROBE_VERILOG := $(BUILD)/verilog/vantage_tag_probe.v
# The frames' side alone (synthesis).
FRONT_ALONE_VERILOG := $(BUILD)/verilog/vantage_reasm_front.v
# The segment facts unit alone (synthesis).
FACTS_ALONE_VERILOG := $(BUILD)/verilog/vantage_reasm_facts.v
# The reasm stage's path in the top without its engine: second ingress and parse, side FIFO,
# frames' side (lint, synthesis).
STAGE_ALONE_VERILOG := $(BUILD)/verilog/vantage_reasm_stage.v
# id.BUILD_ID: the short git commit (0 outside a git checkout).
BUILD_ID := $(shell git rev-parse --short=8 HEAD 2>/dev/null || echo 0)
# Debian packages the build and tests need: Verilator (simulation, lint), Yosys (synthesis
# report, implicit-declaration gate), zlib (Verilator's FST waveforms), tshark (oracles).
APT_PACKAGES := verilator yosys zlib1g-dev tshark
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup verilog lint test demo bench synth-report synth-hist synth-syntable synth-reasm-dir synth-reasm-rule synth-reasm-record synth-reasm-step synth-reasm-key synth-reasm-engine synth-reasm-facts synth-reasm-front synth-reasm-stage bitstream clean

help:
	@echo "make setup         install the Debian packages the project needs ($(APT_PACKAGES))"
	@echo "make test          lint the RTL and run every test (RTL vs model, real captures if ../shared exists)"
	@echo "make demo          a science-DMZ capture through the simulated NIC, every stage on; what the monitor receives"
	@echo "make verilog       write the Verilog to $(BUILD)/verilog/"
	@echo "make lint          verilator --lint-only -Wall (allow-list: hdl/verilator-lint.vlt) and the Yosys gate"
	@echo "make bench         simulator speed (real.pcap, every stage on), II under back-to-back frames, synthesis figures"
	@echo "make synth-report  LUT/FF/BRAM and LUT levels from yosys synth_xilinx -family xcup"
	@echo "make synth-hist    the same for the history unit alone (about 75 s)"
	@echo "make synth-syntable  the same for the conn stage's SYN table alone"
	@echo "make synth-reasm-dir the same for the reasm stage's session directory alone (about 2 min)"
	@echo "make synth-reasm-rule the same for the reasm stage's direction rule alone (about 10 s)"
	@echo "make synth-reasm-record the same for one beat's port of the reasm stage's session record"
	@echo "make synth-reasm-step the same for the reasm stage's session step alone, and its loop alone (about 20 s)"
	@echo "make synth-reasm-key the same for the reasm stage's session key unit alone (about 50 s)"
	@echo "make synth-reasm-engine the same for the reasm stage's session engine (about 11 min)"
	@echo "make synth-reasm-facts the same for the reasm stage's segment facts unit alone"
	@echo "make synth-reasm-front the same for the reasm stage's frames' side (facts, rings)"
	@echo "make synth-reasm-stage the same for the stage's path in the top (second parse, side FIFO, frames' side)"
	@echo "make bitstream     Vivado build inside the OpenNIC shell (needs Vivado; see constraints/)"

# Installs only what is missing, so it is cheap to run every time.
setup:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v verilator >/dev/null && command -v yosys >/dev/null

verilog: setup
	$(CARGO) run -q --release -p vantage-hdl --bin emit -- $(BUILD)/verilog $(BUILD_ID)

lint: verilog
	verilator --lint-only -Wall --top-module vantage_box_322mhz hdl/verilator-lint.vlt $(VERILOG)
	verilator --lint-only -Wall --top-module vantage_stats_hist hdl/verilator-lint.vlt $(HIST_VERILOG)
	verilator --lint-only -Wall --top-module vantage_conn_syntable hdl/verilator-lint.vlt $(SYN_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_dir hdl/verilator-lint.vlt $(DIR_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_rule hdl/verilator-lint.vlt $(RULE_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_record hdl/verilator-lint.vlt $(REC_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_step hdl/verilator-lint.vlt $(STEP_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_step_loop hdl/verilator-lint.vlt $(STEP_LOOP_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_key hdl/verilator-lint.vlt $(KEY_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_engine hdl/verilator-lint.vlt $(ENGINE_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_facts_probe hdl/verilator-lint.vlt $(FACTS_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_facts hdl/verilator-lint.vlt $(FACTS_ALONE_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_front_probe hdl/verilator-lint.vlt $(FRONT_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_front hdl/verilator-lint.vlt $(FRONT_ALONE_VERILOG)
	verilator --lint-only -Wall --top-module vantage_reasm_stage hdl/verilator-lint.vlt $(STAGE_ALONE_VERILOG)
	verilator --lint-only -Wall --top-module vantage_tag_probe hdl/verilator-lint.vlt $(TAG_PROBE_VERILOG)
	VERILOG=$(VERILOG) bash scripts/synth-report.sh --check-implicit
	TOP=vantage_stats_hist VERILOG=$(HIST_VERILOG) OUT_DIR=$(BUILD)/synth-hist bash scripts/synth-report.sh --check-implicit
	TOP=vantage_conn_syntable VERILOG=$(SYN_VERILOG) OUT_DIR=$(BUILD)/synth-syntable bash scripts/synth-report.sh --check-implicit
	TOP=vantage_reasm_dir VERILOG=$(DIR_VERILOG) OUT_DIR=$(BUILD)/synth-reasm-dir bash scripts/synth-report.sh --check-implicit
	TOP=vantage_reasm_rule VERILOG=$(RULE_VERILOG) OUT_DIR=$(BUILD)/synth-reasm-rule bash scripts/synth-report.sh --check-implicit
	TOP=vantage_reasm_record VERILOG=$(REC_VERILOG) OUT_DIR=$(BUILD)/synth-reasm-record bash scripts/synth-report.sh --check-implicit
	TOP=vantage_reasm_step VERILOG=$(STEP_VERILOG) OUT_DIR=$(BUILD)/synth-reasm-step bash scripts/synth-report.sh --check-implicit
	TOP=vantage_reasm_key VERILOG=$(KEY_VERILOG) OUT_DIR=$(BUILD)/synth-reasm-key bash scripts/synth-report.sh --check-implicit

# Every test binary, timed (scripts/test-times.sh prints the table), then the waveform test, which
# needs the simulator built with tracing (a second Verilator build).
test: setup lint
	bash scripts/test-times.sh --show-output
	$(CARGO) test --release -p vantage-sim --features trace --test smoke -- waveform

# The demo: a science-DMZ link's capture (made by testkit/src/dmz.rs) through the simulated NIC
# with every stage on, checked against the model, then what the monitor behind it receives.
DEMO_PCAP := testbench-pcaps/science-dmz.pcap.gz
DEMO_RULES := testbench-pcaps/science-dmz.rules.json

demo: setup
	mkdir -p $(BUILD)
	$(CARGO) run -q --release -p vantage -- sim $(DEMO_PCAP) --rules $(DEMO_RULES) --conn-timeout 5s --compare-model -o $(BUILD)/demo-out.pcap
	$(CARGO) run -q --release -p vantage -- decode --summary --rules $(DEMO_RULES) $(BUILD)/demo-out.pcap
	@echo "open it in Wireshark with the dissector: wireshark -X lua_script:tools/wireshark/vantage.lua $(BUILD)/demo-out.pcap"

bench: setup verilog
	$(CARGO) run -q --release -p vantage-sim --example bench
	VERILOG=$(VERILOG) bash scripts/synth-report.sh
	$(MAKE) --no-print-directory synth-hist
	$(MAKE) --no-print-directory synth-syntable
	$(MAKE) --no-print-directory synth-reasm-dir
	$(MAKE) --no-print-directory synth-reasm-rule
	$(MAKE) --no-print-directory synth-reasm-record
	$(MAKE) --no-print-directory synth-reasm-step
	$(MAKE) --no-print-directory synth-reasm-key
	$(MAKE) --no-print-directory synth-reasm-engine
	$(MAKE) --no-print-directory synth-reasm-facts
	$(MAKE) --no-print-directory synth-reasm-front
	$(MAKE) --no-print-directory synth-reasm-stage

synth-report: verilog
	VERILOG=$(VERILOG) bash scripts/synth-report.sh

synth-hist: verilog
	TOP=vantage_stats_hist VERILOG=$(HIST_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-hist \
	  JSON_OUT=$(BUILD)/synth-hist.json bash scripts/synth-report.sh

synth-syntable: verilog
	TOP=vantage_conn_syntable VERILOG=$(SYN_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-syntable \
	  JSON_OUT=$(BUILD)/synth-syntable.json bash scripts/synth-report.sh

synth-reasm-dir: verilog
	TOP=vantage_reasm_dir VERILOG=$(DIR_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-dir \
	  JSON_OUT=$(BUILD)/synth-reasm-dir.json bash scripts/synth-report.sh

synth-reasm-rule: verilog
	TOP=vantage_reasm_rule VERILOG=$(RULE_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-rule \
	  JSON_OUT=$(BUILD)/synth-reasm-rule.json bash scripts/synth-report.sh

synth-reasm-record: verilog
	TOP=vantage_reasm_record VERILOG=$(REC_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-record \
	  JSON_OUT=$(BUILD)/synth-reasm-record.json bash scripts/synth-report.sh

synth-reasm-step: verilog
	TOP=vantage_reasm_step VERILOG=$(STEP_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-step \
	  JSON_OUT=$(BUILD)/synth-reasm-step.json bash scripts/synth-report.sh
	TOP=vantage_reasm_step_loop VERILOG=$(STEP_LOOP_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-step-loop \
	  JSON_OUT=$(BUILD)/synth-reasm-step-loop.json bash scripts/synth-report.sh

synth-reasm-key: verilog
	TOP=vantage_reasm_key VERILOG=$(KEY_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-key \
	  JSON_OUT=$(BUILD)/synth-reasm-key.json bash scripts/synth-report.sh

synth-reasm-facts: verilog
	TOP=vantage_reasm_facts VERILOG=$(FACTS_ALONE_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-facts \
	  JSON_OUT=$(BUILD)/synth-reasm-facts.json bash scripts/synth-report.sh

synth-reasm-front: verilog
	TOP=vantage_reasm_front VERILOG=$(FRONT_ALONE_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-front \
	  JSON_OUT=$(BUILD)/synth-reasm-front.json bash scripts/synth-report.sh

synth-reasm-stage: verilog
	TOP=vantage_reasm_stage VERILOG=$(STAGE_ALONE_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-stage \
	  JSON_OUT=$(BUILD)/synth-reasm-stage.json bash scripts/synth-report.sh

synth-reasm-engine: verilog
	TOP=vantage_reasm_engine VERILOG=$(ENGINE_VERILOG) STAGES=top FULL=1 OUT_DIR=$(BUILD)/synth-reasm-engine \
	  JSON_OUT=$(BUILD)/synth-reasm-engine.json bash scripts/synth-report.sh

bitstream: verilog
	@if command -v vivado >/dev/null; then \
	  echo "see constraints/README.md: the OpenNIC shell build with $(VERILOG) as box_322mhz"; \
	else \
	  echo "make bitstream needs Vivado (not installed here); constraints/README.md describes the flow"; exit 1; \
	fi

clean:
	rm -rf $(BUILD)
	$(CARGO) clean
