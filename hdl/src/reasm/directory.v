// vantage_reasm_directory: the reasm stage's session directory. Bucket lines live in external
// memory behind an AXI4 master; a session sits in one of its two candidate buckets; every
// request is answered exactly LATENCY cycles after it was taken, so the frame it belongs to
// waits a fixed delay and the datapath never stalls. A changed line stays on chip until its
// write is acknowledged and LATENCY cycles more, and overrides what memory returns, so every
// request sees the changes of the requests before it however slow the memory's writes are.
// What cannot be done in time is not done: a request whose lines came too late, whose reads were
// skipped because memory is behind (reads in flight are capped, the cap following the memory), or
// whose change finds no room on chip, is answered late and changes nothing. The region must be
// zeros (no valid way) when the leaf leaves reset: the host clears it.
//
//   req (op, key, b1, b2) ──► request ring ──► AR: line b1, line b2, or none when memory is behind
//                                  │               (one ID, answered in order)
//                                  │                  R ──► line ring (beat k in slot k mod 2*QUEUE)
//                                  ▼
//    t+LATENCY-4  S0: the ring's head; read its first line         (late unless both lines came)
//    t+LATENCY-3  S1: read its second line; search the forwarding table for b1 and b2
//    t+LATENCY-2  S2: lines = the change of the cycle before, else the on-chip copy, else
//                     memory's; keys compared
//    t+LATENCY-1  S3: found / placed / full / late; a changed line ──► forwarding table (until
//                     its B + LATENCY) and AW/W
//    t+LATENCY    res_*
//
// Bucket line (LINE_W bits, one AXI beat; proto/src/reasm/directory.rs has the byte diagram):
//
//   LINE_W-1                                                                  0
//   ┌──────────────────┬─────┬──────────────────┬──────────────────┐
//   │ way WAYS-1       │ ... │ way 1            │ way 0            │
//   └──────────────────┴─────┴──────────────────┴──────────────────┘
//   way: [WAY_W-1] valid │ [WAY_W-2:KEY_W] zero │ [KEY_W-1:0] way key
//
// Ops: 0 FIND (look up only), 1 OPEN (look up, else place in the emptier candidate that is not
// full, the first on a tie, at its lowest free way), 2 REMOVE (look up and free the way).
// A request less than SPACING cycles after the one before it, or with the ring full, is refused
// at once (refused pulse) and gets no answer.

`default_nettype none

module vantage_reasm_directory #(
  parameter integer LINE_W   = 512,  // bits of a bucket line = the AXI data width
  parameter integer WAYS     = 4,    // sessions per bucket
  parameter integer WAY_W    = 128,  // bits of one way in a line (valid bit at the top)
  parameter integer KEY_W    = 97,   // bits of a way key, compared whole
  parameter integer BUCKET_W = 18,   // width of a bucket index: the region has 2**BUCKET_W lines
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
  input  wire [1:0]          req_op,
  input  wire [KEY_W-1:0]    req_key,
  input  wire [BUCKET_W-1:0] req_b1,
  input  wire [BUCKET_W-1:0] req_b2,
  output reg                 refused,      // pulse, the cycle after a refused request

  output reg                 res_valid,
  output reg  [1:0]          res_op,
  output reg                 res_found,    // the key is in the table (FIND, OPEN, REMOVE)
  output reg                 res_placed,   // OPEN put it in
  output reg                 res_full,     // OPEN found both candidates full
  output reg                 res_late,     // memory did not answer in time: nothing was done
  output reg                 res_choice,   // the bucket is b2 (else b1)
  output reg  [BUCKET_W-1:0] res_bucket,
  output reg  [$clog2(WAYS)-1:0] res_way,

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

  output reg                 no_room,      // pulse: a change found the write queue or the forwarding table full (answered late)
  output reg                 mem_error     // pulse: a read or write response was not OKAY
);
  localparam integer WAY_IW = $clog2(WAYS);
  localparam integer Q_W    = $clog2(QUEUE);
  localparam integer F_W    = $clog2(FWD);
  localparam integer WQ     = 16;          // changed lines waiting for AW/W
  localparam integer WQ_W   = 4;
  localparam integer LSIZE  = $clog2(LINE_W / 8);
  localparam integer LINE_BYTES_I = LINE_W / 8;
  localparam [63:0]  LINE_BYTES = {32'd0, LINE_BYTES_I[31:0]};

  // ---- elaboration checks ----
  generate
    if (WAYS * WAY_W != LINE_W) begin : bad_line
      $error("WAYS * WAY_W (%0d) must equal LINE_W (%0d)", WAYS * WAY_W, LINE_W);
    end
    if (KEY_W >= WAY_W) begin : bad_key
      $error("KEY_W (%0d) leaves no valid bit in WAY_W (%0d)", KEY_W, WAY_W);
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
  endgenerate

  reg [31:0] now;
  always @(posedge clk) now <= rst ? 32'd0 : now + 32'd1;

  // ---- request ring: taken requests, in order ----
  localparam integer RQ_W = 2 + KEY_W + 2 * BUCKET_W + 32;
  reg  [RQ_W-1:0] ring [0:QUEUE-1];
  reg  [31:0] wr_seq;      // next request's number
  reg  [31:0] rd_seq;      // the head's number (next to reach S0)
  reg  [31:0] ar_seq;      // next request whose lines are to be read
  reg         ar_phase;    // 0: its first line next, 1: its second
  reg  [3:0]  since_take;   // cycles since the last take, less one (saturating)
  reg         any_taken;
  reg         ring_room;    // a slot free, known a cycle ahead with one slot of margin
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
        ring[wr_seq[Q_W-1:0]] <= {req_op, req_key, req_b1, req_b2, now};
        wr_seq <= wr_seq + 1;
        since_take <= 0;
        any_taken <= 1;
      end else if (since_take != 4'hf) begin
        since_take <= since_take + 1'b1;
      end
    end
  end

  // ---- AR: two single-beat reads per request, or none when memory is behind ----
  // Reads in flight are capped, and the cap follows the memory: cut by a quarter when an answer is
  // late for want of its lines (at most once per LATENCY cycles), raised by one every 8 answers in
  // time. A request reaching the AR issuer with the cap reached skips its reads (answered late,
  // spending no bandwidth), so a memory slower than the load loses some answers, not all of them.
  localparam integer CAP_W = Q_W + 2;
  localparam integer CAP_MAX_I = 2 * QUEUE;
  localparam [CAP_W-1:0] CAP_MAX = CAP_MAX_I[CAP_W-1:0];
  localparam [CAP_W-1:0] CAP_MIN = 8;
  reg  [31:0] ar_beats;            // reads issued
  reg  [31:0] r_count;             // read beats received
  reg  [CAP_W-1:0] cap;
  reg  [2:0]  timely;              // answers in time since the cap last rose
  reg  [CAP_W+1:0] cooldown;      // cycles until the cap may be cut again (16 QUEUE > LATENCY)
  reg  [15:0] beat_base [0:QUEUE-1];   // per request: its first read's beat index, low 16 bits
  reg  [QUEUE-1:0] skipped;        // per request: its reads were skipped
  wire [31:0] in_flight = ar_beats - r_count;
  reg  shed;                       // the cap is reached (as of the cycle before: a heuristic)
  always @(posedge clk) shed <= !rst && in_flight + 32'd2 > {{(32-CAP_W){1'b0}}, cap};
  wire [RQ_W-1:0] ar_entry = ring[ar_seq[Q_W-1:0]];
  wire [BUCKET_W-1:0] ar_b1 = ar_entry[32 + BUCKET_W +: BUCKET_W];
  wire [BUCKET_W-1:0] ar_b2 = ar_entry[32 +: BUCKET_W];
  wire [BUCKET_W-1:0] ar_bucket = ar_phase ? ar_b2 : ar_b1;
  wire unused_ar_fields = &{1'b0, ar_entry[RQ_W-1:32+2*BUCKET_W], ar_entry[31:0]};
  wire ar_pending = !rst && ar_seq != wr_seq;
  wire ar_skip = ar_pending && !ar_phase && shed;
  assign m_axi_arvalid = ar_pending && !ar_skip;
  assign m_axi_araddr  = BASE[ADDR_W-1:0] + ({{(ADDR_W-BUCKET_W){1'b0}}, ar_bucket} << LSIZE);
  assign m_axi_arlen   = 8'd0;
  assign m_axi_arsize  = LSIZE[2:0];
  assign m_axi_arburst = 2'b01;
  always @(posedge clk) begin
    if (rst) begin
      ar_seq <= 0;
      ar_phase <= 0;
      ar_beats <= 0;
    end else if (ar_skip) begin
      skipped[ar_seq[Q_W-1:0]] <= 1'b1;
      ar_seq <= ar_seq + 1;
    end else if (m_axi_arvalid && m_axi_arready) begin
      if (!ar_phase) begin
        skipped[ar_seq[Q_W-1:0]] <= 1'b0;
        beat_base[ar_seq[Q_W-1:0]] <= ar_beats[15:0];
      end
      ar_beats <= ar_beats + 1;
      ar_phase <= !ar_phase;
      if (ar_phase) ar_seq <= ar_seq + 1;
    end
  end

  // ---- R: beat k of all the reads lands in slot k mod 2*QUEUE ----
  reg [LINE_W-1:0] lines [0:2*QUEUE-1];
  assign m_axi_rready = 1'b1;
  always @(posedge clk) begin
    if (rst) r_count <= 0;
    else if (m_axi_rvalid) begin
      lines[r_count[Q_W:0]] <= m_axi_rdata;
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
  // Its lines are there: both reads went out (not skipped) and both beats came. Known with S0,
  // a cycle ahead (a read issued that cycle cannot be answered by the next).
  wire [31:0] ar_ahead = ar_seq - rd_seq;
  wire head_issued = ar_ahead != 0 && !ar_ahead[31];
  wire head_skipped = skipped[rd_seq[Q_W-1:0]];
  wire [15:0] first_beat = beat_base[rd_seq[Q_W-1:0]];
  // 16 bits: beats received and a queued request's first beat are never 2*QUEUE + the reads in
  // flight apart (checked at elaboration).
  wire [15:0] beats_next = r_count[15:0] + {15'd0, m_axi_rvalid} - first_beat;
  reg  s0_avail, s0_skipped;
  always @(posedge clk) begin
    s0_avail <= head_issued && !head_skipped && !beats_next[15] && beats_next >= 16'd2;
    s0_skipped <= head_issued && head_skipped;
  end
  wire s0_behind = s0 && !s0_avail && !s0_skipped;  // late for want of its lines
  reg  [LINE_W-1:0] line_q;   // the line RAM's registered read port
  reg  [Q_W:0] line_addr;
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
      end else if (s0 && s0_avail) begin
        timely <= timely + 1'b1;
        if (timely == 3'd7 && cap < CAP_MAX) cap <= cap + 1'b1;
      end
    end
  end

  // ---- S1 ----
  reg s1;
  reg s1_avail;
  reg [1:0] s1_op;
  reg [KEY_W-1:0] s1_key;
  reg [BUCKET_W-1:0] s1_b1, s1_b2;
  always @(posedge clk) begin
    if (rst) s1 <= 0;
    else s1 <= s0;
    if (s0) begin
      s1_avail <= s0_avail;
      {s1_op, s1_key, s1_b1, s1_b2} <= head[RQ_W-1:32];
    end
  end
  reg [Q_W:0] s1_beat;   // S1's second line
  always @(posedge clk) if (s0) s1_beat <= first_beat[Q_W:0] + 1'b1;
  always @(*) begin
    line_addr = s0 ? first_beat[Q_W:0] : s1_beat;
  end
  always @(posedge clk) line_q <= lines[line_addr];

  // ---- forwarding table: changed lines, each until its write was acknowledged LATENCY cycles ago ----
  reg [BUCKET_W-1:0] f_bucket [0:FWD-1];
  reg [LINE_W-1:0]   f_line   [0:FWD-1];
  reg [FWD-1:0]      f_valid;
  reg [31:0]         f_head, f_tail;   // changes made / entries gone (entry = count mod FWD)
  reg [FWD-1:0] m1, m2;
  always @(*) begin : search
    integer i;
    for (i = 0; i < FWD; i = i + 1) begin
      m1[i] = f_valid[i] && f_bucket[i] == s1_b1;
      m2[i] = f_valid[i] && f_bucket[i] == s1_b2;
    end
  end
  // At most one valid entry per bucket (a change invalidates the entry it replaces), so the
  // index is an OR of the matching positions.
  reg [F_W-1:0] e1, e2;
  always @(*) begin : encode
    integer i;
    e1 = 0;
    e2 = 0;
    for (i = 0; i < FWD; i = i + 1) begin
      e1 = e1 | (m1[i] ? i[F_W-1:0] : {F_W{1'b0}});
      e2 = e2 | (m2[i] ? i[F_W-1:0] : {F_W{1'b0}});
    end
  end

  // ---- S2 ----
  reg s2, s2_avail, s2_hit1, s2_hit2;
  reg [1:0] s2_op;
  reg [KEY_W-1:0] s2_key;
  reg [BUCKET_W-1:0] s2_b1, s2_b2;
  reg [F_W-1:0] s2_e1, s2_e2;
  reg [LINE_W-1:0] s2_line_a;
  always @(posedge clk) begin
    if (rst) s2 <= 0;
    else s2 <= s1;
    if (s1) begin
      s2_avail <= s1_avail;
      s2_op <= s1_op;
      s2_key <= s1_key;
      s2_b1 <= s1_b1;
      s2_b2 <= s1_b2;
      s2_hit1 <= |m1;
      s2_hit2 <= |m2;
      s2_e1 <= e1;
      s2_e2 <= e2;
      s2_line_a <= line_q;
    end
  end

  // The change S3 made the cycle before: S1 searched the table before it was written.
  reg                lc_valid;
  reg [BUCKET_W-1:0] lc_bucket;
  reg [LINE_W-1:0]   lc_line;
  reg [F_W-1:0]      lc_index;
  wire by1 = lc_valid && lc_bucket == s2_b1;
  wire by2 = lc_valid && lc_bucket == s2_b2;
  // With the table full, that change may have taken the very entry S1 found (the tail, which
  // left the same cycle): the entry is another bucket's now, and memory's line is current (the
  // tail's write was acknowledged LATENCY cycles before).
  wire hit1 = s2_hit1 && !(lc_valid && lc_index == s2_e1);
  wire hit2 = s2_hit2 && !(lc_valid && lc_index == s2_e2);
  wire same = s2_b1 == s2_b2;
  wire [LINE_W-1:0] l1 = by1 ? lc_line : hit1 ? f_line[s2_e1] : s2_line_a;
  wire [LINE_W-1:0] l2 = by2 ? lc_line : hit2 ? f_line[s2_e2] : line_q;
  reg [WAYS-1:0] v1, v2, k1, k2;
  always @(*) begin : compare
    integer w;
    for (w = 0; w < WAYS; w = w + 1) begin
      v1[w] = l1[w * WAY_W + WAY_W - 1];
      v2[w] = l2[w * WAY_W + WAY_W - 1] || same;   // one bucket: the second is no candidate
      k1[w] = v1[w] && l1[w * WAY_W +: KEY_W] == s2_key;
      k2[w] = !same && l2[w * WAY_W + WAY_W - 1] && l2[w * WAY_W +: KEY_W] == s2_key;
    end
  end

  function [WAY_IW-1:0] index_of(input [WAYS-1:0] onehot);
    integer j;
    begin
      index_of = 0;
      for (j = 0; j < WAYS; j = j + 1)
        if (onehot[j]) index_of = index_of | j[WAY_IW-1:0];
    end
  endfunction
  // the lowest set bit, one-hot
  function [WAYS-1:0] lowest(input [WAYS-1:0] v);
    begin
      lowest = v & (~v + 1'b1);
    end
  endfunction
  function [WAY_IW:0] count_set(input [WAYS-1:0] v);
    integer j;
    begin
      count_set = 0;
      for (j = 0; j < WAYS; j = j + 1) count_set = count_set + {{WAY_IW{1'b0}}, v[j]};
    end
  endfunction

  // The placement depends only on the valid bits, known before the keys are compared.
  wire full1 = &v1;
  wire full2 = &v2;
  wire to2 = full1 || (!full2 && count_set(v2) < count_set(v1));
  wire [WAYS-1:0] free1 = lowest(~v1);
  wire [WAYS-1:0] free2 = lowest(~v2);

  // ---- S3: decide, change ----
  reg s3, s3_avail;
  reg [1:0] s3_op;
  reg [KEY_W-1:0] s3_key;
  reg [BUCKET_W-1:0] s3_b1, s3_b2;
  reg [LINE_W-1:0] s3_l1, s3_l2;
  reg [WAYS-1:0] s3_k1, s3_k2, s3_free;
  reg s3_full, s3_to2;
  reg [FWD-1:0] s3_inv1, s3_inv2;   // the entry each candidate's change replaces, one-hot
  reg s3_room;                      // room on chip for a change (room only grows in a cycle)
  always @(posedge clk) begin
    if (rst) s3 <= 0;
    else s3 <= s2;
    s3_room <= wq_used < WQ[WQ_W:0] && (f_head - f_tail) < FWD;
    if (s2) begin
      s3_avail <= s2_avail;
      s3_op <= s2_op;
      s3_key <= s2_key;
      s3_b1 <= s2_b1;
      s3_b2 <= s2_b2;
      s3_l1 <= l1;
      s3_l2 <= l2;
      s3_k1 <= k1;
      s3_k2 <= k2;
      s3_full <= full1 && full2;
      s3_to2 <= to2;
      s3_free <= to2 ? free2 : free1;
      s3_inv1 <= (by1 || hit1) ? {{(FWD-1){1'b0}}, 1'b1} << (by1 ? lc_index : s2_e1) : {FWD{1'b0}};
      s3_inv2 <= (by2 || hit2) ? {{(FWD-1){1'b0}}, 1'b1} << (by2 ? lc_index : s2_e2) : {FWD{1'b0}};
    end
  end

  // A key is in one way at most, so k1 and k2 are one-hot or zero.
  wire found1 = |s3_k1;
  wire found2 = |s3_k2;
  wire opening = s3_op == 2'd1 && !found1 && !found2 && !s3_full;
  wire removing = s3_op == 2'd2 && (found1 || found2);
  wire want = s3 && s3_avail && (opening || removing);   // a change, if there is room
  wire ch_to2 = opening ? s3_to2 : found2;
  wire [WAYS-1:0] ch_sel = opening ? s3_free : (s3_k1 | s3_k2);
  wire [WAY_IW-1:0] ch_way = index_of(ch_sel);
  wire [BUCKET_W-1:0] ch_bucket = ch_to2 ? s3_b2 : s3_b1;
  reg  [LINE_W-1:0] ch_line;
  always @(*) begin : rewrite
    integer w;
    for (w = 0; w < WAYS; w = w + 1)
      ch_line[w * WAY_W +: WAY_W] = !ch_sel[w] ? (ch_to2 ? s3_l2[w * WAY_W +: WAY_W]
                                                        : s3_l1[w * WAY_W +: WAY_W])
                                  : opening ? {1'b1, {(WAY_W - 1 - KEY_W){1'b0}}, s3_key}
                                  : {WAY_W{1'b0}};
  end

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
  wire room = s3_room;
  wire change = want && room;
  always @(posedge clk) begin
    if (rst) begin
      f_valid <= 0;
      f_head <= 0;
      f_tail <= 0;
      b_count <= 0;
      no_room <= 0;
      lc_valid <= 0;
    end else begin
      no_room <= want && !room;
      lc_valid <= change;
      lc_bucket <= ch_bucket;
      lc_line <= ch_line;
      lc_index <= f_head[F_W-1:0];
      if (m_axi_bvalid) begin
        f_btime[b_count[F_W-1:0]] <= now;
        b_count <= b_count + 1;
      end
      if (f_expire) f_tail <= f_tail + 1;
      // the entry this change replaces leaves; the change's own entry comes
      f_valid <= (f_valid
                  & ~(f_expire ? {{(FWD-1){1'b0}}, 1'b1} << f_tail[F_W-1:0] : {FWD{1'b0}})
                  & ~(change ? (ch_to2 ? s3_inv2 : s3_inv1) : {FWD{1'b0}}))
               | (change ? {{(FWD-1){1'b0}}, 1'b1} << f_head[F_W-1:0] : {FWD{1'b0}});
      if (change) begin
        f_bucket[f_head[F_W-1:0]] <= ch_bucket;
        f_line[f_head[F_W-1:0]] <= ch_line;
        f_head <= f_head + 1;
      end
    end
  end

  // ---- answers ----
  always @(posedge clk) begin
    if (rst) begin
      res_valid <= 0;
    end else begin
      res_valid <= s3;
      res_op <= s3_op;
      res_late <= !s3_avail || (want && !room);
      res_found <= s3_avail && (found1 || found2) && !(want && !room);
      res_placed <= change && opening;
      res_full <= s3_avail && s3_op == 2'd1 && !found1 && !found2 && s3_full;
      res_choice <= ch_to2;
      res_bucket <= ch_bucket;
      res_way <= ch_way;
    end
  end

  // ---- AW/W: changed lines, in order ----
  reg [BUCKET_W-1:0] wq_bucket [0:WQ-1];
  reg [LINE_W-1:0]   wq_line   [0:WQ-1];
  reg [WQ_W:0] wq_head, wq_tail;
  reg aw_sent, w_sent;
  wire [WQ_W:0] wq_used = wq_head - wq_tail;   // pointer arithmetic in the pointers' width
  wire wq_any = wq_used != 0;
  assign m_axi_awvalid = wq_any && !aw_sent;
  assign m_axi_awaddr  = BASE[ADDR_W-1:0]
                       + ({{(ADDR_W-BUCKET_W){1'b0}}, wq_bucket[wq_tail[WQ_W-1:0]]} << LSIZE);
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
        wq_bucket[wq_head[WQ_W-1:0]] <= ch_bucket;
        wq_line[wq_head[WQ_W-1:0]] <= ch_line;
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

  wire unused = &{1'b0, m_axi_rlast};
endmodule

`default_nettype wire
