# Timing constraints for vantage_box_322mhz inside the OpenNIC shell (Alveo U250/U280/U55C).
# The shell already defines its clocks (cmac_clk from the CMAC's GT at 322.265625 MHz, axil_aclk at
# 125 MHz); these lines only cover what the plugin adds: the clock-domain crossings.

# AXI4-Lite bridge (hdl/src/csr/bridge.rs): only the request and acknowledge toggles cross through
# two-flop synchronisers (`*_sync`); the address, write data, write enable and read-back buses are
# held stable from before their toggle flips until the other side answers. Bound their delay to
# one period of the faster clock instead of letting the tools treat them as unrelated.
set_max_delay -datapath_only -from [get_cells -hier -filter {NAME =~ *bridge/c_addr*}] 3.100
set_max_delay -datapath_only -from [get_cells -hier -filter {NAME =~ *bridge/c_wdata*}] 3.100
set_max_delay -datapath_only -from [get_cells -hier -filter {NAME =~ *bridge/c_we*}] 3.100
set_max_delay -datapath_only -from [get_cells -hier -filter {NAME =~ *bridge/d_rdata*}] 3.100
set_max_delay -datapath_only -from [get_cells -hier -filter {NAME =~ *bridge/c_req_t*}] 3.100
set_max_delay -datapath_only -from [get_cells -hier -filter {NAME =~ *bridge/d_ack_t*}] 3.100

# The first flop of every synchroniser may go metastable: keep the pair together.
set_property ASYNC_REG TRUE [get_cells -hier -filter {NAME =~ *_sync/dff0* || NAME =~ *_sync/dff1*}]

# mod_rstn is asynchronous to cmac_clk; it is synchronised (dp_reset_sync).
set_false_path -to [get_cells -hier -filter {NAME =~ *dp_reset_sync/dff0*}]
set_false_path -to [get_cells -hier -filter {NAME =~ *ctl_reset_sync/dff0*}]
