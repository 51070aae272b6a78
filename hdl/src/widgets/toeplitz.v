// The Toeplitz hash (proto::flowhash::toeplitz), OUT_BITS wide, as an AND/XOR network: output bit
// OUT_BITS-1-j (counting the first output bit as the most significant) is the parity of the input
// under the key window that starts at key bit j. The key is an input (a register), so nothing
// folds away: one XOR tree of INPUT_BITS terms per output bit, about INPUT_BITS/6 LUTs each.
//
//   tuple [INPUT_BITS-1:0]   bit INPUT_BITS-1 = the input's first bit (MSB of its byte 0)
//   key   [KEY_BITS-1:0]     bit KEY_BITS-1   = the key's first bit
//   hash[OUT_BITS-1-j] = ^(tuple & key[KEY_BITS-1-j -: INPUT_BITS]),  j = 0 .. OUT_BITS-1
//
// A 32-bit hash under a 40-byte key is the flow hash; wider outputs are consecutive 32-bit
// hashes under key windows 32 bits apart (the reasm stage's session hash: 96 bits, 48-byte key).

`default_nettype none

module vantage_toeplitz #(
  parameter INPUT_BITS = 288,  // bits hashed (the canonical 36-byte flow tuple)
  parameter OUT_BITS   = 32,   // bits of hash given
  parameter KEY_BITS   = 320   // key bits: at least INPUT_BITS + OUT_BITS - 1
) (
  input  wire [INPUT_BITS-1:0] tuple,
  input  wire [KEY_BITS-1:0]   key,
  output wire [OUT_BITS-1:0]   hash
);

  generate
    if (INPUT_BITS < 1 || OUT_BITS < 1) begin : g_bad_width
      $error("INPUT_BITS (%0d) and OUT_BITS (%0d) must be positive", INPUT_BITS, OUT_BITS);
    end
    if (KEY_BITS < INPUT_BITS + OUT_BITS - 1) begin : g_bad_key
      $error("KEY_BITS (%0d) cannot give OUT_BITS (%0d) windows of INPUT_BITS (%0d)",
             KEY_BITS, OUT_BITS, INPUT_BITS);
    end
  endgenerate

  genvar j;
  generate
    for (j = 0; j < OUT_BITS; j = j + 1) begin : g_bit
      assign hash[OUT_BITS-1-j] = ^(tuple & key[KEY_BITS-1-j -: INPUT_BITS]);
    end
    // Key bits below the last window (a key of whole bytes is longer than the windows need).
    if (KEY_BITS > INPUT_BITS + OUT_BITS - 1) begin : g_tail
      wire unused_key_tail = &{1'b0, key[KEY_BITS-INPUT_BITS-OUT_BITS:0]};
    end
  endgenerate

endmodule

`default_nettype wire
