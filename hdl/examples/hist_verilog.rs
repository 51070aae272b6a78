//! Print the history unit alone as Verilog (for synthesis of the unit by itself).
fn main() {
    print!("{}", vantage_hdl::stats::hist::standalone_verilog());
}
