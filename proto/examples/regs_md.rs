//! Print the register map as Markdown: `cargo run -p vantage-proto --example regs_md > docs/registers.md`.
fn main() {
    print!("{}", vantage_proto::regs::markdown());
}
