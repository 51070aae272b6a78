//! The reasm stage's session step as Verilator runs the emitted Verilog
//! (build/verilog/vantage_reasm_step.v) against the model's step (`model::reasm::step::frame`),
//! over generated records and frames (`vantage_testkit::reasm::step_case`). rust-hdl's simulator
//! runs the same comparison on the Rust source (`hdl::reasm::step`'s test); this one holds the
//! Verilog that goes to the device.

use proptest::prelude::*;
use vantage_sim::step::StepSim;
use vantage_testkit::reasm::{step_case, step_expected, step_input, step_outputs};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    #[test]
    fn the_verilog_steps_as_the_model(cases in proptest::collection::vec(step_case(), 1..64)) {
        let mut unit = StepSim::default();
        for c in &cases {
            let out = unit.eval(|port| step_input(c, port));
            prop_assert_eq!(step_outputs(c, out), step_expected(c), "case {:?}", c);
        }
    }
}
