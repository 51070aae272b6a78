//! The register documentation is generated from the code; keep them equal.
#[test]
fn registers_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/registers.md");
    let doc = std::fs::read_to_string(&path).expect("docs/registers.md");
    assert!(
        doc == vantage_proto::regs::markdown(),
        "docs/registers.md is stale: cargo run -p vantage-proto --example regs_md > docs/registers.md"
    );
}
