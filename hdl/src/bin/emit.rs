//! `cargo run -p vantage-hdl --bin emit -- DIR [BUILD_ID]`: write the Verilog (used by the Makefile).
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "build/verilog".into());
    let build_id = args
        .next()
        .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    match vantage_hdl::emit_verilog(std::path::Path::new(&dir), build_id) {
        Ok(files) => files.iter().for_each(|f| println!("{}", f.display())),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
