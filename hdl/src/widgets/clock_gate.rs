//! A glitch-free clock gate (`clock_gate.v`: its timing diagram is at its top), for a block that
//! may stop when it holds nothing: on the card a BUFGCE, so a stage that is off draws no dynamic
//! power, and in Verilator a domain whose logic is not evaluated while it is stopped.

use rust_hdl::prelude::*;

/// The module's name in `clock_gate.v`.
pub const MODULE: &str = "vantage_clock_gate";
/// The leaf's source.
pub const SOURCE: &str = include_str!("clock_gate.v");

#[derive(LogicBlock, Default)]
pub struct ClockGate {
    /// The free-running clock.
    pub clk: Signal<In, Clock>,
    /// Give `clk`'s next rising edges (a register of `clk`'s domain).
    pub en: Signal<In, Bit>,
    /// `clk` while `en` is high, low otherwise.
    pub gclk: Signal<Out, Clock>,
}

impl Logic for ClockGate {
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.gclk.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: super::verilog_leaf::instance(
                MODULE,
                &[],
                &[("clk", "clk"), ("en", "en"), ("gclk", "gclk")],
            ),
            cores: SOURCE.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::verilog_leaf::{declared_ports, lints_clean};

    #[test]
    fn wrapper_names_every_port_of_the_file() {
        assert_eq!(declared_ports(SOURCE), vec!["clk", "en", "gclk"]);
    }

    /// Clean under -Wall alone (skipped without Verilator: `make setup` installs it).
    #[test]
    fn the_leaf_lints_clean() {
        lints_clean(SOURCE, MODULE, &[]);
    }
}
