//! The C ABI of csrc/shim.cpp.

#[repr(C)]
pub struct Harness {
    _private: [u8; 0],
}

extern "C" {
    pub fn vt_new() -> *mut Harness;
    pub fn vt_free(h: *mut Harness);
    pub fn vt_eval(h: *mut Harness, time_ps: u64);
    pub fn vt_trace_open(h: *mut Harness, path: *const std::os::raw::c_char) -> i32;
    pub fn vt_clocks(h: *mut Harness, cmac_clk: u8, axil_aclk: u8, mod_rstn: u8);
    pub fn vt_rx(h: *mut Harness, valid: u8, data: *const u32, keep: u64, last: u8, user: u8);
    pub fn vt_out(
        h: *mut Harness,
        data: *mut u32,
        keep: *mut u64,
        last: *mut u8,
        user: *mut u8,
    ) -> u8;
    pub fn vt_axil_in(
        h: *mut Harness,
        awvalid: u8,
        awaddr: u32,
        wvalid: u8,
        wdata: u32,
        bready: u8,
        arvalid: u8,
        araddr: u32,
        rready: u8,
    );
    pub fn vt_axil_out(h: *mut Harness, rdata: *mut u32) -> u32;
}
