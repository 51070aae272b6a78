//! The reasm stage's direction rule as Verilator runs the emitted Verilog
//! (build/verilog/vantage_reasm_rule.v) against the model's rule (`model::reasm::rule::decide`),
//! over generated directions and segments (`vantage_testkit::reasm`). rust-hdl's simulator runs
//! the same comparison on the Rust source (`hdl::reasm::rule`'s test); this one holds the
//! Verilog that goes to the device.

use proptest::prelude::*;
use vantage_sim::rule::RuleSim;
use vantage_testkit::reasm::{rule_case, rule_expected, RuleOutputs};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    #[test]
    fn the_verilog_decides_as_the_model(cases in proptest::collection::vec(rule_case(), 1..64)) {
        let mut unit = RuleSim::default();
        for c in &cases {
            let o = unit.eval(c.dir, c.seg, c.cap);
            let got = RuleOutputs {
                release_first: o.release_first != 0,
                first_cap: o.first_cap != 0,
                action: o.action,
                release_after: o.release_after != 0,
                gap_cap: o.gap_cap != 0,
                hold_new: o.hold_new != 0,
            };
            prop_assert_eq!(got, rule_expected(c), "case {:?}", c);
        }
    }
}
