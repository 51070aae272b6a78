//! The C ABI of csrc/shim.cpp.

#[repr(C)]
pub struct Harness {
    _private: [u8; 0],
}

extern "C" {
    pub fn vt_new() -> *mut Harness;
    pub fn vt_free(h: *mut Harness);
    pub fn vt_eval(h: *mut Harness, time_ps: u64);
    pub fn vt_snapshot(h: *mut Harness, len: *mut usize) -> *mut u8;
    pub fn vt_snapshot_free(p: *mut u8);
    pub fn vt_restore(h: *mut Harness, data: *const u8, len: usize) -> i32;
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
    /// The reasm stage's four memory ports: `input` and `output` point at four entries each.
    pub fn vt_mem(h: *mut Harness, input: *const VeAxiIn, output: *mut VeAxiOut);
}

/// The Verilated history unit (csrc/hist_shim.cpp).
#[repr(C)]
pub struct HistHarness {
    _private: [u8; 0],
}

extern "C" {
    pub fn vh_new() -> *mut HistHarness;
    pub fn vh_free(h: *mut HistHarness);
    pub fn vh_words(h: *mut HistHarness) -> u32;
    #[allow(clippy::too_many_arguments)]
    pub fn vh_step(
        h: *mut HistHarness,
        s_in: *const u32,
        fresh: u8,
        side: u8,
        ts: u64,
        tcp: u8,
        flags: u8,
        seq: u32,
        ack: u32,
        win: u16,
        plen: u32,
        iplen: u32,
        port_bits: u8,
        s_out: *mut u32,
    ) -> u8;
}

/// The Verilated connection table with its history unit (csrc/conns_shim.cpp).
#[repr(C)]
pub struct ConnsHarness {
    _private: [u8; 0],
}

extern "C" {
    pub fn vc_new(hash_key: *const u32) -> *mut ConnsHarness;
    pub fn vc_free(h: *mut ConnsHarness);
    #[allow(clippy::too_many_arguments)]
    pub fn vc_request(
        h: *mut ConnsHarness,
        valid: u8,
        rule: u8,
        ts: u64,
        flags: u16,
        l3: u8,
        l4: u16,
        iplen: u16,
        flen: u32,
        proto: u8,
        src: *const u32,
        dst: *const u32,
        sport: u16,
        dport: u16,
        tfl: u8,
        seq: u32,
        ack: u32,
        win: u16,
        doff: u8,
    );
    pub fn vc_cycle(h: *mut ConnsHarness, now: u64, flush: u8, enable: u8, record: *mut u32) -> u8;
    pub fn vc_ready(h: *mut ConnsHarness) -> u8;
    pub fn vc_status(h: *mut ConnsHarness) -> u8;
    pub fn vc_counters(h: *mut ConnsHarness, out: *mut u64);
}

/// The Verilated SYN table of the conn stage (csrc/syntable_shim.cpp).
#[repr(C)]
pub struct SynHarness {
    _private: [u8; 0],
}

/// The SYN table's inputs for one cycle (`VsIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VsIn {
    pub valid: u8,
    pub v6: u8,
    pub holdable: u8,
    pub plain: u8,
    pub flush: u8,
    pub room: u8,
    pub sport: u16,
    pub dport: u16,
    pub hash: u32,
    pub seq: u32,
    pub src: [u32; 4],
    pub dst: [u32; 4],
    pub ts: u64,
    pub now: u64,
    pub timeout: u64,
    pub k_valid: u8,
    pub k_loc: u16,
    pub k_retrans: u16,
    pub k_span: u64,
}

/// The SYN table's outputs in one cycle (`VsOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VsOut {
    pub r_valid: u8,
    pub r_kind: u8,
    pub g_valid: u8,
    pub g_why: u8,
    pub g_side: u8,
    pub ready: u8,
    pub flushing: u8,
    pub r_loc: u16,
    pub g_loc: u16,
    pub g_retrans: u16,
    pub g_isn: u32,
    pub held: u32,
    pub g_ts: u64,
    pub g_last: u64,
    pub k_take: u8,
    pub k_lost: u8,
}

extern "C" {
    pub fn vs_new() -> *mut SynHarness;
    pub fn vs_free(h: *mut SynHarness);
    pub fn vs_cycle(h: *mut SynHarness, input: *const VsIn, out: *mut VsOut);
}

/// The Verilated session directory of the reasm stage (csrc/directory_shim.cpp).
#[repr(C)]
pub struct DirHarness {
    _private: [u8; 0],
}

/// The directory's inputs for one cycle (`VdIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VdIn {
    pub req_valid: u8,
    pub req_op: u8,
    pub arready: u8,
    pub rvalid: u8,
    pub rresp: u8,
    pub awready: u8,
    pub wready: u8,
    pub bvalid: u8,
    pub bresp: u8,
    pub req_key: [u32; 4],
    pub b1: u32,
    pub b2: u32,
    pub rdata: [u32; 16],
}

/// The directory's outputs in one cycle (`VdOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VdOut {
    pub refused: u8,
    pub res_valid: u8,
    pub res_op: u8,
    pub res_found: u8,
    pub res_placed: u8,
    pub res_full: u8,
    pub res_late: u8,
    pub res_choice: u8,
    pub res_way: u8,
    pub arvalid: u8,
    pub awvalid: u8,
    pub wvalid: u8,
    pub no_room: u8,
    pub mem_error: u8,
    pub res_bucket: u32,
    pub araddr: u64,
    pub awaddr: u64,
    pub wdata: [u32; 16],
}

extern "C" {
    pub fn vd_new() -> *mut DirHarness;
    pub fn vd_free(h: *mut DirHarness);
    pub fn vd_cycle(h: *mut DirHarness, input: *const VdIn, out: *mut VdOut);
}

/// The Verilated direction rule of the reasm stage (csrc/rule_shim.cpp).
#[repr(C)]
pub struct RuleHarness {
    _private: [u8; 0],
}

/// The rule's inputs (`VrIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VrIn {
    pub next_seq: u32,
    pub acked: u32,
    pub block_start: u32,
    pub block_end: u32,
    pub seg_start: u32,
    pub seg_end: u32,
    pub cap: u32,
    pub acked_valid: u8,
    pub block_valid: u8,
    pub data: u8,
}

/// The rule's outputs (`VrOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VrOut {
    pub release_first: u8,
    pub first_cap: u8,
    pub action: u8,
    pub release_after: u8,
    pub gap_cap: u8,
    pub hold_new: u8,
}

extern "C" {
    pub fn vr_new() -> *mut RuleHarness;
    pub fn vr_free(h: *mut RuleHarness);
    pub fn vr_eval(h: *mut RuleHarness, input: *const VrIn, out: *mut VrOut);
}

/// The Verilated session step of the reasm stage (csrc/step_shim.cpp).
#[repr(C)]
pub struct StepHarness {
    _private: [u8; 0],
}

extern "C" {
    pub fn vstep_new() -> *mut StepHarness;
    pub fn vstep_free(h: *mut StepHarness);
    /// Lengths of the arrays `vstep_eval` takes and fills.
    pub fn vstep_inputs() -> u32;
    pub fn vstep_outputs() -> u32;
    pub fn vstep_eval(h: *mut StepHarness, input: *const u64, out: *mut u64);
}

/// The Verilated session key unit of the reasm stage (csrc/key_shim.cpp).
#[repr(C)]
pub struct KeyHarness {
    _private: [u8; 0],
}

extern "C" {
    pub fn vk_new() -> *mut KeyHarness;
    pub fn vk_free(h: *mut KeyHarness);
    /// `tuple` 9 words, `key` 12 words, `way_key` 4 words; word 0 the least significant.
    #[allow(clippy::too_many_arguments)]
    pub fn vk_eval(
        h: *mut KeyHarness,
        tuple: *const u32,
        key: *const u32,
        v6: u8,
        bucket_bits: u8,
        way_key: *mut u32,
        b1: *mut u32,
        b2: *mut u32,
    );
}

/// Bytes (the first most significant) as the 32-bit words Verilator keeps a wide port in, word
/// 0 the least significant.
pub fn words<const W: usize>(bytes: &[u8]) -> [u32; W] {
    let mut w = [0u32; W];
    let n = bytes.len();
    for (i, b) in bytes.iter().enumerate() {
        let bit = 8 * (n - 1 - i);
        w[bit / 32] |= u32::from(*b) << (bit % 32);
    }
    w
}

/// The inverse of [`words`]: a wide port's words as `N` bytes, the first most significant.
pub fn bytes_of_words<const N: usize>(w: &[u32]) -> [u8; N] {
    let mut b = [0u8; N];
    for (i, byte) in b.iter_mut().enumerate() {
        let bit = 8 * (N - 1 - i);
        *byte = (w[bit / 32] >> (bit % 32)) as u8;
    }
    b
}

/// A beat's `tdata` as the port's 16 words: lane `4w + j` in bits `8j..8j+8` of word `w`.
pub fn beat_words(b: &vantage_proto::axis::Beat) -> [u32; 16] {
    std::array::from_fn(|w| {
        u32::from_le_bytes([
            b.data[4 * w],
            b.data[4 * w + 1],
            b.data[4 * w + 2],
            b.data[4 * w + 3],
        ])
    })
}

/// The Verilated session engine of the reasm stage (csrc/engine_shim.cpp).
#[repr(C)]
pub struct EngineHarness {
    _private: [u8; 0],
}

/// One AXI4 port's slave side into the engine (`VeAxiIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VeAxiIn {
    pub arready: u8,
    pub rvalid: u8,
    pub rresp: u8,
    pub awready: u8,
    pub wready: u8,
    pub bvalid: u8,
    pub bresp: u8,
    pub rdata: [u32; 16],
}

impl From<crate::axi_mem::MemDrive> for VeAxiIn {
    fn from(d: crate::axi_mem::MemDrive) -> Self {
        VeAxiIn {
            arready: u8::from(d.arready),
            rvalid: u8::from(d.rvalid),
            rresp: 0,
            awready: u8::from(d.awready),
            wready: u8::from(d.wready),
            bvalid: u8::from(d.bvalid),
            bresp: 0,
            rdata: d.rdata,
        }
    }
}

impl From<&VeAxiOut> for crate::axi_mem::MasterDrive {
    fn from(port: &VeAxiOut) -> Self {
        crate::axi_mem::MasterDrive {
            arvalid: port.arvalid != 0,
            araddr: port.araddr,
            awvalid: port.awvalid != 0,
            awaddr: port.awaddr,
            wvalid: port.wvalid != 0,
            wdata: port.wdata,
        }
    }
}

/// One AXI4 port's master side out of the engine (`VeAxiOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VeAxiOut {
    pub arvalid: u8,
    pub awvalid: u8,
    pub wvalid: u8,
    pub araddr: u64,
    pub awaddr: u64,
    pub wdata: [u32; 16],
}

/// The engine's inputs for one cycle (`VeIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VeIn {
    pub req_valid: u8,
    pub v6: u8,
    pub side: u8,
    pub flags: u8,
    pub bucket_bits: u8,
    pub ack: u32,
    pub start: u32,
    pub end: u32,
    pub len: u32,
    pub cap: u32,
    pub ts: u64,
    pub tuple: [u32; 9],
    pub key: [u32; 12],
    pub axi: [VeAxiIn; 4],
}

/// The engine's outputs in one cycle (`VeOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VeOut {
    pub valid: u8,
    pub kind: u8,
    pub status: u8,
    pub flags: u8,
    pub reason: u8,
    pub fe_valid: u8,
    pub dir_refused: u8,
    pub bad_update: u8,
    pub mem_error: u8,
    pub skip: u32,
    pub gap: u32,
    pub flow_id: u64,
    pub offset: u64,
    pub fe: [u32; 32],
    pub axi: [VeAxiOut; 4],
}

impl Default for VeOut {
    fn default() -> Self {
        // SAFETY: every field is an integer or an array of them; all zeros is a valid value.
        unsafe { std::mem::zeroed() }
    }
}

extern "C" {
    pub fn ve_new() -> *mut EngineHarness;
    pub fn ve_free(h: *mut EngineHarness);
    pub fn ve_cycle(h: *mut EngineHarness, input: *const VeIn, out: *mut VeOut);
}

/// The Verilated port of one beat of the reasm stage's session record (csrc/record_shim.cpp).
#[repr(C)]
pub struct RecHarness {
    _private: [u8; 0],
}

/// The port's inputs for one cycle (`VrecIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VrecIn {
    pub req_valid: u8,
    pub req_read: u8,
    pub upd_valid: u8,
    pub arready: u8,
    pub rvalid: u8,
    pub rresp: u8,
    pub awready: u8,
    pub wready: u8,
    pub bvalid: u8,
    pub bresp: u8,
    pub req_index: u32,
    pub req_tag: u32,
    pub upd_line: [u32; 16],
    pub rdata: [u32; 16],
}

/// The port's outputs in one cycle (`VrecOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VrecOut {
    pub refused: u8,
    pub ans_valid: u8,
    pub ans_late: u8,
    pub ans_room: u8,
    pub bad_update: u8,
    pub arvalid: u8,
    pub awvalid: u8,
    pub wvalid: u8,
    pub mem_error: u8,
    pub ans_index: u32,
    pub ans_tag: u32,
    pub ans_line: [u32; 16],
    pub araddr: u64,
    pub awaddr: u64,
    pub wdata: [u32; 16],
}

extern "C" {
    pub fn vrec_new() -> *mut RecHarness;
    pub fn vrec_free(h: *mut RecHarness);
    pub fn vrec_cycle(h: *mut RecHarness, input: *const VrecIn, out: *mut VrecOut);
}

/// The reasm stage's segment facts behind ingress and parse (csrc/facts_shim.cpp).
#[repr(C)]
pub struct FactsHarness {
    _private: [u8; 0],
}

/// The probe's inputs for one cycle (`VfIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VfIn {
    pub tvalid: u8,
    pub tlast: u8,
    pub tuser: u8,
    pub ts_load: u8,
    pub tkeep: u64,
    pub ts_set: u64,
    pub tdata: [u32; 16],
}

/// The probe's outputs in one cycle (`VfOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VfOut {
    pub valid: u8,
    pub why: u8,
    pub v6: u8,
    pub side: u8,
    pub flags: u8,
    pub cut: u8,
    pub ack: u32,
    pub start: u32,
    pub end: u32,
    pub len: u32,
    pub ts: u64,
    pub tuple: [u32; 9],
}

extern "C" {
    pub fn vf_new() -> *mut FactsHarness;
    pub fn vf_free(h: *mut FactsHarness);
    pub fn vf_cycle(h: *mut FactsHarness, input: *const VfIn, out: *mut VfOut);
}

/// The reasm stage's frames' side behind ingress and parse (csrc/front_shim.cpp).
#[repr(C)]
pub struct FrontHarness {
    _private: [u8; 0],
}

/// The probe's inputs for one cycle (`VfrIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VfrIn {
    pub tvalid: u8,
    pub tlast: u8,
    pub tuser: u8,
    pub ts_load: u8,
    pub ans_valid: u8,
    pub ans_kind: u8,
    pub ans_status: u8,
    pub ans_flags: u8,
    pub ans_reason: u8,
    pub ask: u8,
    pub ans_skip: u32,
    pub ans_gap: u32,
    pub tkeep: u64,
    pub ts_set: u64,
    pub ans_flow_id: u64,
    pub ans_offset: u64,
    pub tdata: [u32; 16],
}

/// The probe's registered outputs (`VfrOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VfrOut {
    pub req_valid: u8,
    pub req_v6: u8,
    pub req_side: u8,
    pub req_flags: u8,
    pub req_ack: u32,
    pub req_start: u32,
    pub req_end: u32,
    pub req_len: u32,
    pub req_ts: u64,
    pub req_tuple: [u32; 9],
    pub out_valid: u8,
    pub out_sof: u8,
    pub out_last: u8,
    pub kind: u8,
    pub why: u8,
    pub status: u8,
    pub flags: u8,
    pub reason: u8,
    pub skip: u32,
    pub gap: u32,
    pub keep: u64,
    pub flow_id: u64,
    pub offset: u64,
    pub data: [u32; 16],
    /// `hdl::reasm::front::COUNTER_ORDER`, 64 bits each, as 32-bit words.
    pub counters: [u32; 28],
}

extern "C" {
    pub fn vfr_new() -> *mut FrontHarness;
    pub fn vfr_free(h: *mut FrontHarness);
    pub fn vfr_peek(h: *mut FrontHarness, out: *mut VfrOut);
    pub fn vfr_cycle(h: *mut FrontHarness, input: *const VfrIn);
}

/// The tag stage behind ingress and parse (csrc/tag_shim.cpp).
#[repr(C)]
pub struct TagHarness {
    _private: [u8; 0],
}

/// The probe's inputs for one cycle (`VtgIn` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VtgIn {
    pub tvalid: u8,
    pub tlast: u8,
    pub tuser: u8,
    pub ts_load: u8,
    pub enable: u8,
    pub ethertype: u16,
    pub tkeep: u64,
    pub ts_set: u64,
    pub tdata: [u32; 16],
}

/// The probe's outputs before the cycle's edge (`VtgOut` in the shim).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VtgOut {
    pub valid: u8,
    pub last: u8,
    pub user: u8,
    pub keep: u64,
    pub data: [u32; 16],
    /// `hdl::tag::COUNTER_ORDER`, 64 bits each, as 32-bit words.
    pub counters: [u32; 10],
}

extern "C" {
    pub fn vtg_new(key: *const u32) -> *mut TagHarness;
    pub fn vtg_free(h: *mut TagHarness);
    pub fn vtg_cycle(h: *mut TagHarness, input: *const VtgIn, out: *mut VtgOut);
}
