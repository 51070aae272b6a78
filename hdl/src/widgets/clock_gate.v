// A glitch-free clock gate: gclk is clk while en is high, held low while en is low. en is
// sampled while clk is low (on its falling edge), so a change of en never cuts or adds a
// pulse: gclk's rising edge at clk's edge N exists exactly when en was high in the cycle
// before N, as for the registers clocked by clk.
//
//            ___     ___     ___     ___
//   clk   __|   |___|   |___|   |___|   |___
//         _____________
//   en                 |___________________      (changes after a rising edge of clk)
//            ___     ___
//   gclk  __|   |___|   |_________________      (the edge after en fell is not given)
//
// On the card this is a global clock buffer with a synchronous clock enable (UltraScale+
// BUFGCE, CE_TYPE "SYNC"): the card's build defines VANTAGE_XILINX. Elsewhere (Verilator,
// Yosys' generic synthesis) it is the latch-free model below: a falling-edge register and an
// AND. A gated domain must not exchange data with clk's domain in the cycles it is stopped;
// the gating block's rule for that is beside its instance.

`default_nettype none

module vantage_clock_gate (
  input  wire clk,   // the free-running clock
  input  wire en,    // give clk's next rising edges (a register of clk's domain)
  output wire gclk   // the gated clock
);

`ifdef VANTAGE_XILINX
  BUFGCE #(.CE_TYPE("SYNC")) u_bufgce (.I(clk), .CE(en), .O(gclk));
`else
  reg en_low = 1'b1;                 // en as of clk's last falling edge; runs from power-up
  always @(negedge clk) en_low <= en;
  assign gclk = clk & en_low;
`endif

endmodule

`default_nettype wire
