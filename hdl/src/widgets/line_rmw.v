// vantage_line_rmw: read-modify-write of one line per request in external memory, behind an
// AXI4 master, answered exactly LATENCY cycles after the request so the frame it belongs to
// waits a fixed delay and the datapath never stalls. The caller modifies: it gets the line with
// the answer and may give the new line back the very next cycle. A changed line stays on chip
// until its write is acknowledged and LATENCY cycles more, and overrides what memory returns, so
// every answer holds the changes of the answers before it, back to back, however slow the
// memory's writes are. What cannot be done in time is not done: an answer whose line came too
// late, or whose read was skipped because memory is behind (reads in flight are capped, the cap
// following the memory), is late, and an update after it is refused (bad_update pulse). With
// no room on chip for a change (ans_room low) the caller must not update either.
//
//   req (index, read, tag) ──► request ring ──► AR: the line, or nothing (no read wanted, or
//                                   │              memory behind)
//                                   │               R ──► line ring (beat k in slot k mod QUEUE)
//                                   ▼
//    t+LATENCY-4  S0: the ring's head; read its line from the line ring
//    t+LATENCY-3  S1: search the forwarding table for its index
//    t+LATENCY-2  S2: line = the update arriving now, else the one of the cycle before, else the
//                     on-chip copy, else memory's
//    t+LATENCY-1  S3: line = the update arriving now, else S2's
//    t+LATENCY    ans_*   ──► the caller's modify (one cycle, registered)
//    t+LATENCY+1  upd_*   ──► forwarding table (until its B + LATENCY) and AW/W
//
// Requests less than SPACING cycles apart, or with the ring full, are refused at once (refused
// pulse) and get no answer; updates are therefore at least SPACING cycles apart too.

`default_nettype none

module vantage_line_rmw #(
  parameter integer LINE_W   = 512,  // bits of a line = the AXI data width
  parameter integer INDEX_W  = 20,   // width of a line index: the region has 2**INDEX_W lines
  parameter integer TAG_W    = 8,    // bits the caller's tag carries from request to answer
  parameter integer ADDR_W   = 64,   // AXI address width
  parameter [63:0]  BASE     = 0,    // byte address of line 0 (aligned to a line)
  parameter integer LATENCY  = 128,  // cycles from a taken request to its answer
  parameter integer WINDOW   = 256,  // cycles a changed line is expected on chip: LATENCY + write latency
  parameter integer FWD      = 128,  // entries of the forwarding table (>= WINDOW / SPACING)
  parameter integer QUEUE    = 128,  // requests in flight at most (a power of two)
  parameter integer SPACING  = 2     // cycles between two requests at least
) (
  input  wire                clk,
  input  wire                rst,

  input  wire                req_valid,
  input  wire [INDEX_W-1:0]  req_index,
  input  wire                req_read,     // 0: the caller starts the line afresh (answered zeros, no read)
  input  wire [TAG_W-1:0]    req_tag,
  output reg                 refused,      // pulse, the cycle after a refused request

  output reg                 ans_valid,
  output reg                 ans_late,     // the line did not come in time: do not update
  output reg                 ans_room,     // room on chip for an update next cycle
  output reg  [INDEX_W-1:0]  ans_index,
  output reg  [TAG_W-1:0]    ans_tag,
  output reg  [LINE_W-1:0]   ans_line,

  input  wire                upd_valid,    // only the cycle after an answer in time with room
  input  wire [LINE_W-1:0]   upd_line,
  output reg                 bad_update,   // pulse: an update that was not allowed, ignored

  output wire [ADDR_W-1:0]   m_axi_araddr,
  output wire [7:0]          m_axi_arlen,
  output wire [2:0]          m_axi_arsize,
  output wire [1:0]          m_axi_arburst,
  output wire                m_axi_arvalid,
  input  wire                m_axi_arready,
  input  wire [LINE_W-1:0]   m_axi_rdata,
  input  wire [1:0]          m_axi_rresp,
  input  wire                m_axi_rlast,
  input  wire                m_axi_rvalid,
  output wire                m_axi_rready,
  output wire [ADDR_W-1:0]   m_axi_awaddr,
  output wire [7:0]          m_axi_awlen,
  output wire [2:0]          m_axi_awsize,
  output wire [1:0]          m_axi_awburst,
  output wire                m_axi_awvalid,
  input  wire                m_axi_awready,
  output wire [LINE_W-1:0]   m_axi_wdata,
  output wire [LINE_W/8-1:0] m_axi_wstrb,
  output wire                m_axi_wlast,
  output wire                m_axi_wvalid,
  input  wire                m_axi_wready,
  input  wire [1:0]          m_axi_bresp,
  input  wire                m_axi_bvalid,
  output wire                m_axi_bready,

  output reg                 mem_error     // pulse: a read or write response was not OKAY
);
  localparam integer Q_W    = $clog2(QUEUE);
  localparam integer F_W    = $clog2(FWD);
  localparam integer WQ     = 16;          // changed lines waiting for AW/W
  localparam integer WQ_W   = 4;
  localparam integer LSIZE  = $clog2(LINE_W / 8);
  localparam integer LINE_BYTES_I = LINE_W / 8;
  localparam [63:0]  LINE_BYTES = {32'd0, LINE_BYTES_I[31:0]};

  // ---- elaboration checks ----
  generate
    if ((1 << LSIZE) * 8 != LINE_W || LINE_W < 32 || LINE_W > 1024) begin : bad_line
      $error("LINE_W (%0d) must be a power of two from 32 to 1024 bits", LINE_W);
    end
    if ((1 << Q_W) != QUEUE || (1 << F_W) != FWD) begin : bad_pow2
      $error("QUEUE (%0d) and FWD (%0d) must be powers of two", QUEUE, FWD);
    end
    if (QUEUE * SPACING < LATENCY + 4) begin : bad_queue
      $error("QUEUE (%0d) cannot hold LATENCY (%0d) cycles of requests", QUEUE, LATENCY);
    end
    if (FWD * SPACING < WINDOW) begin : bad_fwd
      $error("FWD (%0d) cannot hold WINDOW (%0d) cycles of changed lines", FWD, WINDOW);
    end
    if (WINDOW < LATENCY || LATENCY < 10 || SPACING < 2 || SPACING > 16) begin : bad_timing
      $error("need WINDOW >= LATENCY >= 10 and 2 <= SPACING <= 16");
    end
    if (8 * QUEUE >= 32768) begin : bad_span
      $error("QUEUE (%0d) too deep for the 16-bit beat distances", QUEUE);
    end
    if (BASE % LINE_BYTES != 0) begin : bad_base
      $error("BASE must be aligned to a line");
    end
    if (INDEX_W < 1 || INDEX_W + LSIZE > ADDR_W || TAG_W < 1) begin : bad_widths
      $error("INDEX_W (%0d) lines of %0d bytes do not fit ADDR_W (%0d), or TAG_W is 0",
             INDEX_W, LINE_BYTES_I, ADDR_W);
    end
  endgenerate

  reg [31:0] now;
  always @(posedge clk) now <= rst ? 32'd0 : now + 32'd1;

  // ---- request ring: taken requests, in order ----
  localparam integer RQ_W = 1 + INDEX_W + TAG_W + 32;
  reg  [RQ_W-1:0] ring [0:QUEUE-1];
  reg  [31:0] wr_seq;      // next request's number
  reg  [31:0] rd_seq;      // the head's number (next to reach S0)
  reg  [31:0] ar_seq;      // next request whose line is to be read
  reg  [3:0]  since_take;  // cycles since the last take, less one (saturating)
  reg         any_taken;
  reg         ring_room;   // a slot free, known a cycle ahead with one slot of margin
  wire [31:0] oldest = (ar_seq - rd_seq) > 32'h7fffffff ? ar_seq : rd_seq;
  localparam integer SPACING_LESS_1 = SPACING - 1;
  wire        spaced = !any_taken || since_take >= SPACING_LESS_1[3:0];
  wire        take = req_valid && ring_room && spaced;

  always @(posedge clk) begin
    if (rst) begin
      wr_seq <= 0;
      since_take <= 0;
      any_taken <= 0;
      ring_room <= 1;
      refused <= 0;
    end else begin
      refused <= req_valid && !take;
      ring_room <= (wr_seq - oldest) < QUEUE - 1;
      if (take) begin
        ring[wr_seq[Q_W-1:0]] <= {req_read, req_index, req_tag, now};
        wr_seq <= wr_seq + 1;
        since_take <= 0;
        any_taken <= 1;
      end else if (since_take != 4'hf) begin
        since_take <= since_take + 1'b1;
      end
    end
  end

  // ---- AR: one single-beat read per request that wants one, none when memory is behind ----
  // Reads in flight are capped, and the cap follows the memory: cut by a quarter when an answer
  // is late for want of its line (at most once per LATENCY cycles), raised by one every 8
  // answers in time. A request reaching the AR issuer with the cap reached skips its read
  // (answered late, spending no bandwidth), so a memory slower than the load loses some
  // answers, not all of them.
  localparam integer CAP_W = Q_W + 2;
  localparam integer CAP_MAX_I = QUEUE;
  localparam [CAP_W-1:0] CAP_MAX = CAP_MAX_I[CAP_W-1:0];
  localparam [CAP_W-1:0] CAP_MIN = 4;
  reg  [31:0] ar_beats;            // reads issued
  reg  [31:0] r_count;             // read beats received
  reg  [CAP_W-1:0] cap;
  reg  [2:0]  timely;              // answers in time since the cap last rose
  reg  [CAP_W+1:0] cooldown;       // cycles until the cap may be cut again
  reg  [15:0] beat_of [0:QUEUE-1]; // per request: its read's beat index, low 16 bits
  reg  [QUEUE-1:0] skipped;        // per request: its read was skipped
  wire [31:0] in_flight = ar_beats - r_count;
  reg  shed;                       // the cap is reached (as of the cycle before: a heuristic)
  always @(posedge clk) shed <= !rst && in_flight + 32'd1 > {{(32-CAP_W){1'b0}}, cap};
  wire [RQ_W-1:0] ar_entry = ring[ar_seq[Q_W-1:0]];
  wire ar_wants = ar_entry[RQ_W-1];
  wire [INDEX_W-1:0] ar_index = ar_entry[TAG_W + 32 +: INDEX_W];
  wire unused_ar_fields = &{1'b0, ar_entry[TAG_W + 31:0]};
  wire ar_pending = !rst && ar_seq != wr_seq;
  wire ar_pass = ar_pending && (!ar_wants || shed);   // nothing to read for it
  assign m_axi_arvalid = ar_pending && !ar_pass;
  assign m_axi_araddr  = BASE[ADDR_W-1:0] + ({{(ADDR_W-INDEX_W){1'b0}}, ar_index} << LSIZE);
  assign m_axi_arlen   = 8'd0;
  assign m_axi_arsize  = LSIZE[2:0];
  assign m_axi_arburst = 2'b01;
  always @(posedge clk) begin
    if (rst) begin
      ar_seq <= 0;
      ar_beats <= 0;
    end else if (ar_pass) begin
      skipped[ar_seq[Q_W-1:0]] <= ar_wants;
      ar_seq <= ar_seq + 1;
    end else if (m_axi_arvalid && m_axi_arready) begin
      skipped[ar_seq[Q_W-1:0]] <= 1'b0;
      beat_of[ar_seq[Q_W-1:0]] <= ar_beats[15:0];
      ar_beats <= ar_beats + 1;
      ar_seq <= ar_seq + 1;
    end
  end

  // ---- R: beat k of all the reads lands in slot k mod QUEUE ----
  reg [LINE_W-1:0] lines [0:QUEUE-1];
  assign m_axi_rready = 1'b1;
  always @(posedge clk) begin
    if (rst) r_count <= 0;
    else if (m_axi_rvalid) begin
      lines[r_count[Q_W-1:0]] <= m_axi_rdata;
      r_count <= r_count + 1;
    end
  end

  // ---- S0: the head reaches its time ----
  wire [RQ_W-1:0] head = ring[rd_seq[Q_W-1:0]];
  wire [31:0] head_t = head[31:0];
  // S0 is known a cycle ahead: the head's time comes next cycle, and never right after an S0
  // (requests are SPACING >= 2 cycles apart).
  reg  s0;
  always @(posedge clk)
    s0 <= !rst && !s0 && rd_seq != wr_seq && (now - head_t) == LATENCY - 5;
  // Its line is there: its read went out (not skipped) and its beat came, or it wanted none.
  // Known with S0, a cycle ahead (a read issued that cycle cannot be answered by the next).
  wire [31:0] ar_ahead = ar_seq - rd_seq;
  wire head_issued = ar_ahead != 0 && !ar_ahead[31];
  wire head_wants = head[RQ_W-1];
  wire head_skipped = skipped[rd_seq[Q_W-1:0]];
  wire [15:0] head_beat = beat_of[rd_seq[Q_W-1:0]];
  // 16 bits: beats received and a queued request's beat are never QUEUE + the reads in flight
  // apart (checked at elaboration).
  wire [15:0] beats_past = r_count[15:0] + {15'd0, m_axi_rvalid} - head_beat;
  reg  s0_avail;
  always @(posedge clk)
    s0_avail <= head_issued && (!head_wants
                                || (!head_skipped && !beats_past[15] && beats_past >= 16'd1));
  reg  s0_skipped;
  always @(posedge clk) s0_skipped <= head_issued && head_wants && head_skipped;
  wire s0_behind = s0 && !s0_avail && !s0_skipped;  // late for want of its line
  always @(posedge clk) begin
    if (rst) begin
      rd_seq <= 0;
      cap <= CAP_MAX;
      timely <= 0;
      cooldown <= 0;
    end else begin
      if (s0) rd_seq <= rd_seq + 1;
      if (cooldown != 0) cooldown <= cooldown - 1'b1;
      if (s0_behind && cooldown == 0) begin
        cap <= (cap - (cap >> 2)) < CAP_MIN ? CAP_MIN : cap - (cap >> 2);
        cooldown <= LATENCY[CAP_W+1:0];
        timely <= 0;
      end else if (s0 && s0_avail && head_wants) begin
        timely <= timely + 1'b1;
        if (timely == 3'd7 && cap < CAP_MAX) cap <= cap + 1'b1;
      end
    end
  end

  // ---- S1: the line from the ring; search the forwarding table ----
  reg s1, s1_avail, s1_read;
  reg [INDEX_W-1:0] s1_index;
  reg [TAG_W-1:0] s1_tag;
  reg [LINE_W-1:0] s1_line;   // the line RAM's registered read port
  always @(posedge clk) begin
    if (rst) s1 <= 0;
    else s1 <= s0;
    if (s0) begin
      s1_avail <= s0_avail;
      {s1_read, s1_index, s1_tag} <= head[RQ_W-1:32];
    end
    s1_line <= lines[head_beat[Q_W-1:0]];
  end

  reg [INDEX_W-1:0] f_index [0:FWD-1];
  reg [LINE_W-1:0]  f_line  [0:FWD-1];
  reg [FWD-1:0]     f_valid;
  reg [31:0]        f_head, f_tail;   // changes made / entries gone (entry = count mod FWD)
  reg [FWD-1:0] m;
  always @(*) begin : search
    integer i;
    for (i = 0; i < FWD; i = i + 1) m[i] = f_valid[i] && f_index[i] == s1_index;
  end
  // At most one valid entry per index (an update invalidates the entry it replaces), so the
  // entry is an OR of the matching positions.
  reg [F_W-1:0] e;
  always @(*) begin : encode
    integer i;
    e = 0;
    for (i = 0; i < FWD; i = i + 1) e = e | (m[i] ? i[F_W-1:0] : {F_W{1'b0}});
  end

  // ---- the update: registered copies, one and two cycles old ----
  reg                ok_next;       // the answer given now allows an update next cycle
  reg                upd_ok;        // an update is allowed now
  reg  [INDEX_W-1:0] upd_index;     // the last answer's index
  reg                upd_has;       // the last answer's index had an entry: upd_entry
  reg  [F_W-1:0]     upd_entry;
  wire change = upd_valid && upd_ok;
  reg                lc_valid;      // the change of the cycle before
  reg  [INDEX_W-1:0] lc_index;
  reg  [LINE_W-1:0]  lc_line;
  reg  [F_W-1:0]     lc_entry;      // the entry it took

  // ---- S2 ----
  reg s2, s2_avail, s2_read, s2_hit;
  reg [INDEX_W-1:0] s2_index;
  reg [TAG_W-1:0] s2_tag;
  reg [F_W-1:0] s2_e;
  reg [LINE_W-1:0] s2_mem;
  always @(posedge clk) begin
    if (rst) s2 <= 0;
    else s2 <= s1;
    if (s1) begin
      s2_avail <= s1_avail;
      s2_read <= s1_read;
      s2_index <= s1_index;
      s2_tag <= s1_tag;
      s2_hit <= |m;
      s2_e <= e;
      s2_mem <= s1_line;
    end
  end
  // The changes of this cycle and the cycle before were not in the table when S1 searched it.
  // With the table full, either may take the very entry S1 found (the tail, leaving): the entry
  // is another index's then, and memory's line is current (the tail's write was acknowledged
  // LATENCY cycles before).
  wire s2_now = change && upd_index == s2_index;
  wire s2_by = lc_valid && lc_index == s2_index;
  wire s2_hit_ok = s2_hit && !(lc_valid && lc_entry == s2_e)
                   && !(change && f_head[F_W-1:0] == s2_e);

  // ---- S3 ----
  reg s3, s3_avail, s3_read, s3_has;
  reg [INDEX_W-1:0] s3_index;
  reg [TAG_W-1:0] s3_tag;
  reg [LINE_W-1:0] s3_line;
  reg [F_W-1:0] s3_entry;
  always @(posedge clk) begin
    if (rst) s3 <= 0;
    else s3 <= s2;
    if (s2) begin
      s3_avail <= s2_avail;
      s3_read <= s2_read;
      s3_index <= s2_index;
      s3_tag <= s2_tag;
      s3_line <= s2_now ? upd_line : s2_by ? lc_line : s2_hit_ok ? f_line[s2_e] : s2_mem;
      s3_has <= s2_now || s2_by || s2_hit_ok;
      s3_entry <= s2_now ? f_head[F_W-1:0] : s2_by ? lc_entry : s2_e;
    end
  end
  // The change arriving now (the answer two cycles before this one's).
  wire s3_by = change && upd_index == s3_index;

  // ---- the forwarding table's writes and expiry ----
  // Entry k holds the line of the k-th change, which is also the k-th write: it leaves when its
  // B came LATENCY cycles ago (every request that read memory before the write landed has been
  // answered by then).
  reg [31:0]    b_count;                // write responses received
  reg [31:0]    f_btime [0:FWD-1];      // when each entry's B came
  wire [31:0] acked_ahead = b_count - f_tail;
  wire f_acked = acked_ahead != 0 && !acked_ahead[31];
  // Decided a cycle ahead, at most every other cycle (entries come at most every other cycle).
  reg  f_expire;
  always @(posedge clk)
    f_expire <= !rst && !f_expire && f_head != f_tail && f_acked
                && (now - f_btime[f_tail[F_W-1:0]]) >= LATENCY - 1;
  wire [WQ_W:0] wq_used;
  always @(posedge clk) begin
    if (rst) begin
      f_valid <= 0;
      f_head <= 0;
      f_tail <= 0;
      b_count <= 0;
      lc_valid <= 0;
      bad_update <= 0;
      ok_next <= 0;
      upd_ok <= 0;
    end else begin
      bad_update <= upd_valid && !upd_ok;
      lc_valid <= change;
      lc_index <= upd_index;
      lc_line <= upd_line;
      lc_entry <= f_head[F_W-1:0];
      if (m_axi_bvalid) begin
        f_btime[b_count[F_W-1:0]] <= now;
        b_count <= b_count + 1;
      end
      if (f_expire) f_tail <= f_tail + 1;
      // the entry this change replaces leaves; the change's own entry comes
      f_valid <= (f_valid
                  & ~(f_expire ? {{(FWD-1){1'b0}}, 1'b1} << f_tail[F_W-1:0] : {FWD{1'b0}})
                  & ~(change && upd_has ? {{(FWD-1){1'b0}}, 1'b1} << upd_entry : {FWD{1'b0}}))
               | (change ? {{(FWD-1){1'b0}}, 1'b1} << f_head[F_W-1:0] : {FWD{1'b0}});
      if (change) begin
        f_index[f_head[F_W-1:0]] <= upd_index;
        f_line[f_head[F_W-1:0]] <= upd_line;
        f_head <= f_head + 1;
      end
      // the answer S3 gives allows an update the cycle after it is seen; the entry its index
      // has then (a change arriving now takes one, and may take S3's as the table's tail)
      ok_next <= s3 && s3_avail && room_next;
      upd_ok <= ok_next;
      if (s3) begin
        upd_index <= s3_index;
        upd_has <= s3_by || (s3_has && !(change && f_head[F_W-1:0] == s3_entry));
        upd_entry <= s3_by ? f_head[F_W-1:0] : s3_entry;
      end
    end
  end

  // Room for one change next cycle: the change arriving now (if any) is counted in.
  wire [WQ_W:0] wq_after = wq_used + {{WQ_W{1'b0}}, change};
  wire [31:0] f_after = (f_head - f_tail) + {31'd0, change};
  wire room_next = wq_after < WQ[WQ_W:0] && f_after < FWD;

  // ---- answers ----
  always @(posedge clk) begin
    if (rst) begin
      ans_valid <= 0;
    end else begin
      ans_valid <= s3;
      ans_late <= !s3_avail;
      ans_room <= room_next;
      ans_index <= s3_index;
      ans_tag <= s3_tag;
      ans_line <= !s3_read ? {LINE_W{1'b0}} : s3_by ? upd_line : s3_line;
    end
  end

  // ---- AW/W: changed lines, in order ----
  reg [INDEX_W-1:0] wq_index [0:WQ-1];
  reg [LINE_W-1:0]  wq_line  [0:WQ-1];
  reg [WQ_W:0] wq_head, wq_tail;
  reg aw_sent, w_sent;
  assign wq_used = wq_head - wq_tail;   // pointer arithmetic in the pointers' width
  wire wq_any = wq_used != 0;
  assign m_axi_awvalid = wq_any && !aw_sent;
  assign m_axi_awaddr  = BASE[ADDR_W-1:0]
                       + ({{(ADDR_W-INDEX_W){1'b0}}, wq_index[wq_tail[WQ_W-1:0]]} << LSIZE);
  assign m_axi_awlen   = 8'd0;
  assign m_axi_awsize  = LSIZE[2:0];
  assign m_axi_awburst = 2'b01;
  assign m_axi_wvalid  = wq_any && !w_sent;
  assign m_axi_wdata   = wq_line[wq_tail[WQ_W-1:0]];
  assign m_axi_wstrb   = {(LINE_W/8){1'b1}};
  assign m_axi_wlast   = 1'b1;
  assign m_axi_bready  = 1'b1;
  wire aw_done = aw_sent || (m_axi_awvalid && m_axi_awready);
  wire w_done = w_sent || (m_axi_wvalid && m_axi_wready);

  always @(posedge clk) begin
    if (rst) begin
      wq_head <= 0;
      wq_tail <= 0;
      aw_sent <= 0;
      w_sent <= 0;
      mem_error <= 0;
    end else begin
      if (change) begin
        wq_index[wq_head[WQ_W-1:0]] <= upd_index;
        wq_line[wq_head[WQ_W-1:0]] <= upd_line;
        wq_head <= wq_head + 1;
      end
      if (wq_any && aw_done && w_done) begin
        wq_tail <= wq_tail + 1;
        aw_sent <= 0;
        w_sent <= 0;
      end else begin
        aw_sent <= aw_done;
        w_sent <= w_done;
      end
      mem_error <= (m_axi_rvalid && m_axi_rresp != 2'b00) || (m_axi_bvalid && m_axi_bresp != 2'b00);
    end
  end

  wire unused = &{1'b0, m_axi_rlast, unused_ar_fields};
endmodule

`default_nettype wire
