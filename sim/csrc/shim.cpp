// C ABI over the Verilated top, for the Rust harness in sim/src. Wide ports are passed as arrays
// of 32-bit words, least significant word first (Verilator's own layout).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include "Vtop.h"
#include "verilated.h"
#include "axi_port.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif
#if VT_SAVABLE
#include <algorithm>
#include <cstring>
#include <vector>
#include "verilated_save.h"

// The model's state into memory and back (Verilator's --savable; its own classes use files).
class MemSave final : public VerilatedSerialize {
  public:
    std::vector<uint8_t> data;
    MemSave() {
        m_isOpen = true;
        header();
    }
    ~MemSave() override { close(); }
    void close() override {
        if (!m_isOpen) return;
        trailer();
        flush();
        m_isOpen = false;
    }
    void flush() override {
        data.insert(data.end(), m_bufp, m_cp);
        m_cp = m_bufp;
    }
};

class MemRestore final : public VerilatedDeserialize {
    const uint8_t* m_src;
    size_t m_len;
    size_t m_pos = 0;

  public:
    MemRestore(const uint8_t* src, size_t len) : m_src(src), m_len(len) {
        m_isOpen = true;
        m_endp = m_bufp;
        header();
    }
    ~MemRestore() override { close(); }
    void close() override {
        if (!m_isOpen) return;
        trailer();
        m_isOpen = false;
    }
    void fill() override {
        const size_t kept = m_endp - m_cp;
        std::memmove(m_bufp, m_cp, kept);
        m_cp = m_bufp;
        m_endp = m_bufp + kept;
        const size_t n = std::min(bufferSize() - kept, m_len - m_pos);
        std::memcpy(m_endp, m_src + m_pos, n);
        m_pos += n;
        m_endp += n;
        // Past the end, zeros (as Verilator's file reader gives), so reads need no end check.
        if (m_pos == m_len) {
            std::memset(m_endp, 0, m_bufp + bufferSize() - m_endp);
            m_endp = m_bufp + bufferSize();
        }
    }
};
#endif

struct Harness {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vtop> top;
#if VM_TRACE
    std::unique_ptr<VerilatedFstC> trace;
    // Time of the last dump: an evaluation at the same time (inputs settled before an edge)
    // adds nothing a waveform can show.
    uint64_t dumped_ps = 0;
    bool dumped = false;
#endif
};

extern "C" {

Harness* vt_new() {
    auto* h = new Harness;
    h->ctx = std::make_unique<VerilatedContext>();
    h->ctx->traceEverOn(true);
    h->top = std::make_unique<Vtop>(h->ctx.get());
    return h;
}

void vt_free(Harness* h) {
#if VM_TRACE
    if (h->trace) h->trace->close();
#endif
    h->top->final();
    delete h;
}

// The model's whole state (every register and memory) as bytes, malloc'd for the caller to free
// with vt_snapshot_free; null without --savable (a traced build).
uint8_t* vt_snapshot(Harness* h, size_t* len) {
#if VT_SAVABLE
    MemSave os;
    os << *h->top;
    os.close();
    auto* out = static_cast<uint8_t*>(std::malloc(os.data.size()));
    if (!out) return nullptr;
    std::memcpy(out, os.data.data(), os.data.size());
    *len = os.data.size();
    return out;
#else
    (void)h;
    *len = 0;
    return nullptr;
#endif
}

void vt_snapshot_free(uint8_t* p) { std::free(p); }

// Put a state vt_snapshot gave back into the model; 0 on success, -1 without --savable.
int vt_restore(Harness* h, const uint8_t* data, size_t len) {
#if VT_SAVABLE
    MemRestore is(data, len);
    is >> *h->top;
    is.close();
    return 0;
#else
    (void)h;
    (void)data;
    (void)len;
    return -1;
#endif
}

void vt_eval(Harness* h, uint64_t time_ps) {
    h->ctx->time(time_ps);
    h->top->eval();
#if VM_TRACE
    if (h->trace && (!h->dumped || time_ps > h->dumped_ps)) {
        h->trace->dump(time_ps);
        h->dumped_ps = time_ps;
        h->dumped = true;
    }
#endif
}

int vt_trace_open(Harness* h, const char* path) {
#if VM_TRACE
    h->trace = std::make_unique<VerilatedFstC>();
    h->top->trace(h->trace.get(), 99);
    h->trace->open(path);
    return h->trace->isOpen() ? 0 : -1;
#else
    (void)h; (void)path;
    return -1;
#endif
}

void vt_clocks(Harness* h, uint8_t cmac_clk, uint8_t axil_aclk, uint8_t mod_rstn) {
    h->top->cmac_clk = cmac_clk;
    h->top->axil_aclk = axil_aclk;
    h->top->mod_rstn = mod_rstn;
}

void vt_rx(Harness* h, uint8_t valid, const uint32_t* data, uint64_t keep, uint8_t last, uint8_t user) {
    h->top->s_axis_cmac_rx_tvalid = valid;
    for (int i = 0; i < 16; i++) h->top->s_axis_cmac_rx_tdata[i] = data[i];
    h->top->s_axis_cmac_rx_tkeep = keep;
    h->top->s_axis_cmac_rx_tlast = last;
    h->top->s_axis_cmac_rx_tuser_err = user;
}

uint8_t vt_out(Harness* h, uint32_t* data, uint64_t* keep, uint8_t* last, uint8_t* user) {
    for (int i = 0; i < 16; i++) data[i] = h->top->m_axis_adap_rx_322mhz_tdata[i];
    *keep = h->top->m_axis_adap_rx_322mhz_tkeep;
    *last = h->top->m_axis_adap_rx_322mhz_tlast;
    *user = h->top->m_axis_adap_rx_322mhz_tuser_err;
    return h->top->m_axis_adap_rx_322mhz_tvalid;
}

// AXI4-Lite master side: inputs to the DUT.
void vt_axil_in(Harness* h, uint8_t awvalid, uint32_t awaddr, uint8_t wvalid, uint32_t wdata, uint8_t bready,
                uint8_t arvalid, uint32_t araddr, uint8_t rready) {
    h->top->s_axil_awvalid = awvalid;
    h->top->s_axil_awaddr = awaddr;
    h->top->s_axil_wvalid = wvalid;
    h->top->s_axil_wdata = wdata;
    h->top->s_axil_bready = bready;
    h->top->s_axil_arvalid = arvalid;
    h->top->s_axil_araddr = araddr;
    h->top->s_axil_rready = rready;
}

// Outputs of the DUT, packed: bit 0 awready, 1 wready, 2 bvalid, 3 arready, 4 rvalid, 5 mod_rst_done.
uint32_t vt_axil_out(Harness* h, uint32_t* rdata) {
    *rdata = h->top->s_axil_rdata;
    return (h->top->s_axil_awready & 1) | (h->top->s_axil_wready & 1) << 1 | (h->top->s_axil_bvalid & 1) << 2 |
           (h->top->s_axil_arready & 1) << 3 | (h->top->s_axil_rvalid & 1) << 4 | (h->top->mod_rst_done & 1) << 5;
}

// The reasm stage's session memory, four AXI4 ports (dir, r0, r1, r2): the harness's memories'
// outputs for this cycle in, the masters' outputs as they stand out. Every master output is a
// function of registers alone, so no evaluation is needed between the two.
void vt_mem(Harness* h, const VeAxiIn* in, VeAxiOut* out) {
    Vtop* u = h->top.get();
    AXI_IN(u, reasm_dir, in[0]);
    AXI_IN(u, reasm_r0, in[1]);
    AXI_IN(u, reasm_r1, in[2]);
    AXI_IN(u, reasm_r2, in[3]);
    AXI_OUT(u, reasm_dir, out[0]);
    AXI_OUT(u, reasm_r0, out[1]);
    AXI_OUT(u, reasm_r1, out[2]);
    AXI_OUT(u, reasm_r2, out[3]);
}

}  // extern "C"
