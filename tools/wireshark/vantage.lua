-- Wireshark/tshark dissector for the Vantage tagged header, version 1 (docs/header.md).
--   tshark -X lua_script:tools/wireshark/vantage.lua -r tagged.pcap -V
-- or copy into ~/.local/lib/wireshark/plugins/. The Ethernet dissector hands over the bytes after
-- the EtherType 0x88B5; this dissector reads the version, the length in words and the TLVs,
-- then passes the frame's own EtherType and payload on, so the inner IP/TCP is dissected as usual.
-- A report frame of the stats stage (REPORT tag, then EtherType 0x88B6, 2 zero bytes and 64-byte
-- records; proto/src/report.rs) gets its records dissected here, one subtree each; a frame of
-- connection records (REPORT flags bit 1, 128-byte records; proto/src/conntable.rs) likewise.
-- The reasm stage's REASM tag (0x30) on a TCP frame and its flow-end frames (FLOW_END tag 0x31,
-- then EtherType 0x88B6, 2 zero bytes and one 128-byte record) follow proto/src/reasm/mod.rs.
-- Rules: the STATS masks' bit r and a record's rule field r are the rule table's index, from 0;
-- `vantage rules show` and `vantage decode` call it rule r+1 (shown next to the value).
-- Limitation: a tagged Cisco FabricPath frame shows no inner packet, because Wireshark dissects
-- FabricPath only from the start of a frame and the tag sits between its MACs and its header.

local vantage = Proto("vantage", "Vantage tagged header")

local f = vantage.fields
f.version = ProtoField.uint8("vantage.version", "Version")
f.words = ProtoField.uint8("vantage.words", "Header length (4-byte words)")
f.tlv_type = ProtoField.uint8("vantage.tlv.type", "Tag type", base.HEX)
f.tlv_len = ProtoField.uint8("vantage.tlv.length", "Tag length")
f.timestamp = ProtoField.uint64("vantage.timestamp", "Ingress timestamp (ns)")
f.hash = ProtoField.uint32("vantage.flow.hash", "Flow hash", base.HEX)
f.flags = ProtoField.uint16("vantage.flow.flags", "Parse flags", base.HEX)
f.l3 = ProtoField.uint8("vantage.flow.l3_offset", "IP header offset")
f.proto = ProtoField.uint8("vantage.flow.proto", "Transport protocol")
f.crossed = ProtoField.uint32("vantage.stats.crossed", "Thresholds crossed (bit r = rule index r)", base.HEX)
f.uncounted = ProtoField.uint32("vantage.stats.uncounted", "Not counted (bit r = rule index r)", base.HEX)
f.epoch = ProtoField.uint32("vantage.report.epoch", "Epoch")
f.records = ProtoField.uint16("vantage.report.records", "Records in this frame")
f.index = ProtoField.uint16("vantage.report.index", "Frame index in the epoch's report")
f.last = ProtoField.bool("vantage.report.last", "Last frame of the epoch's report", 8, nil, 0x01)
f.record_words = ProtoField.uint8("vantage.report.record_words", "Record length (4-byte words)")
f.epoch_end = ProtoField.uint64("vantage.report.epoch_end_ns", "Epoch end (ns)")
f.epoch_ns = ProtoField.uint64("vantage.report.epoch_ns", "Epoch length (ns)")
f.epoch_records = ProtoField.uint32("vantage.report.epoch_records", "Records of the epoch so far")
f.refused = ProtoField.uint32("vantage.report.refused", "Updates refused in the epoch")
f.reserved = ProtoField.bytes("vantage.report.reserved", "Reserved")
f.rec_rule = ProtoField.uint8("vantage.record.rule", "Rule index", base.DEC, nil, 0xF8)
f.rec_v6 = ProtoField.bool("vantage.record.v6", "IPv6 key", 8, nil, 0x04)
f.rec_ingress = ProtoField.uint8("vantage.record.ingress", "Ingress port")
f.rec_src = ProtoField.ipv4("vantage.record.src", "Source")
f.rec_dst = ProtoField.ipv4("vantage.record.dst", "Destination")
f.rec_src6 = ProtoField.ipv6("vantage.record.src6", "Source")
f.rec_dst6 = ProtoField.ipv6("vantage.record.dst6", "Destination")
f.rec_sport = ProtoField.uint16("vantage.record.sport", "Source port")
f.rec_dport = ProtoField.uint16("vantage.record.dport", "Destination port")
f.rec_proto = ProtoField.uint8("vantage.record.proto", "IP protocol")
f.rec_flags = ProtoField.uint8("vantage.record.tcp_flags", "TCP flags", base.HEX)
f.rec_packets = ProtoField.uint64("vantage.record.packets", "Packets")
f.rec_bytes = ProtoField.uint64("vantage.record.bytes", "Bytes")
f.rec_crossed = ProtoField.bool("vantage.record.crossed", "Threshold crossed this epoch", 8, nil, 0x01)
f.connections = ProtoField.bool("vantage.report.connections", "Connection records", 8, nil, 0x02)
f.conn_start = ProtoField.uint64("vantage.conn.start_ns", "First frame (ns)")
f.conn_last = ProtoField.uint64("vantage.conn.last_ns", "Last frame (ns)")
f.conn_overflow = ProtoField.bool("vantage.conn.overflow", "History longer than 16 letters", 8, nil, 0x01)
f.conn_letters = ProtoField.uint8("vantage.conn.letters", "History letters")
f.conn_history = ProtoField.string("vantage.conn.history", "History")
f.conn_orig_pkts = ProtoField.uint64("vantage.conn.orig_pkts", "Originator packets")
f.conn_orig_bytes = ProtoField.uint64("vantage.conn.orig_ip_bytes", "Originator IP bytes")
f.conn_resp_pkts = ProtoField.uint64("vantage.conn.resp_pkts", "Responder packets")
f.conn_resp_bytes = ProtoField.uint64("vantage.conn.resp_ip_bytes", "Responder IP bytes")
f.syn_why = ProtoField.uint8("vantage.syn.why", "Why given back", base.DEC,
    { [1] = "released", [2] = "expired", [3] = "flushed", [4] = "late" })
f.syn_flags = ProtoField.uint8("vantage.syn.flags", "SYN flags", base.HEX)
f.syn_retrans = ProtoField.uint16("vantage.syn.retransmissions", "Retransmissions absorbed")
f.syn_span = ProtoField.uint64("vantage.syn.span_ns", "Last retransmission less the SYN (ns)")
local REASM_STATUS = { [1] = "in-order", [2] = "released", [3] = "retransmission", [4] = "control", [5] = "fallback" }
local REASM_FALLBACK = { [0] = "none", [1] = "table-full", [2] = "second-hole", [3] = "buffer-exhausted" }
local REASM_END = { [1] = "closed", [2] = "idle", [3] = "reused", [4] = "flushed" }
local REASM_DIRECTION = { [0] = "originator -> responder", [1] = "responder -> originator" }
f.reasm_flow = ProtoField.uint64("vantage.reasm.flow_id", "Flow id")
f.reasm_offset = ProtoField.uint64("vantage.reasm.offset", "Stream offset of the payload's first byte")
f.reasm_skip = ProtoField.uint16("vantage.reasm.skip", "Payload bytes already delivered (skip)")
f.reasm_gap = ProtoField.uint32("vantage.reasm.gap", "Bytes missing before the first new byte (gap)")
f.reasm_status = ProtoField.uint8("vantage.reasm.status", "Status", base.DEC, REASM_STATUS)
f.reasm_direction = ProtoField.uint8("vantage.reasm.direction", "Direction", base.DEC, REASM_DIRECTION, 0x01)
f.reasm_inconsistent = ProtoField.bool("vantage.reasm.inconsistent", "Bytes differ from the bytes held", 8, nil, 0x02)
f.reasm_fallback = ProtoField.uint8("vantage.reasm.fallback", "Fallback reason", base.DEC, REASM_FALLBACK)
f.fe_records = ProtoField.uint16("vantage.flow_end.records", "Records in this frame")
f.fe_sent = ProtoField.uint32("vantage.flow_end.sent", "Flow-end records sent, this one included")
f.fe_flow = ProtoField.uint64("vantage.flow_end.flow_id", "Flow id")
f.fe_v6 = ProtoField.bool("vantage.flow_end.v6", "IPv6", 8, nil, 0x01)
f.fe_end = ProtoField.uint8("vantage.flow_end.end", "End reason", base.DEC, REASM_END)
f.fe_fallback = ProtoField.uint8("vantage.flow_end.fallback", "Fallback reason", base.DEC, REASM_FALLBACK)
f.fe_orig_port = ProtoField.uint16("vantage.flow_end.orig_port", "Originator port")
f.fe_resp_port = ProtoField.uint16("vantage.flow_end.resp_port", "Responder port")
f.fe_orig = ProtoField.ipv4("vantage.flow_end.orig_h", "Originator")
f.fe_resp = ProtoField.ipv4("vantage.flow_end.resp_h", "Responder")
f.fe_orig6 = ProtoField.ipv6("vantage.flow_end.orig_h6", "Originator")
f.fe_resp6 = ProtoField.ipv6("vantage.flow_end.resp_h6", "Responder")
f.fe_first = ProtoField.uint64("vantage.flow_end.first_ns", "First frame (ns)")
f.fe_last = ProtoField.uint64("vantage.flow_end.last_ns", "Last frame (ns)")
-- Per direction: "orig" (originator -> responder) and "resp".
local FE_DIR = {}
for _, d in ipairs({ "orig", "resp" }) do
    FE_DIR[d] = {
        delivered = ProtoField.uint64("vantage.flow_end." .. d .. ".delivered", "Bytes delivered"),
        missed = ProtoField.uint64("vantage.flow_end." .. d .. ".missed", "Bytes missed"),
        gaps = ProtoField.uint32("vantage.flow_end." .. d .. ".gaps", "Gaps"),
        retransmissions = ProtoField.uint32("vantage.flow_end." .. d .. ".retransmissions", "Retransmitted frames"),
        inconsistent = ProtoField.uint32("vantage.flow_end." .. d .. ".inconsistent", "Inconsistent overlaps"),
        frames = ProtoField.uint32("vantage.flow_end." .. d .. ".frames", "Frames"),
    }
    for k, v in pairs(FE_DIR[d]) do f["fe_" .. d .. "_" .. k] = v end
end
f.unknown = ProtoField.bytes("vantage.tlv.value", "Tag value")
f.ethertype = ProtoField.uint16("vantage.ethertype", "Original EtherType", base.HEX)

local ETHERTYPE = 0x88B5
local REPORT_ETHERTYPE = 0x88B6
local TLV_PAD, TLV_TIMESTAMP, TLV_FLOW, TLV_STATS, TLV_REPORT, TLV_SYN = 0x00, 0x01, 0x02, 0x03, 0x04, 0x20
local TLV_REASM, TLV_FLOW_END = 0x30, 0x31
local SYN_WHY = { [1] = "released", [2] = "expired (regenerated)", [3] = "flushed (regenerated)", [4] = "late (regenerated)" }
local RECORD_BYTES = 64
local CONN_RECORD_BYTES = 128
local FLOW_END_RECORD_BYTES = 128

-- The rules a STATS mask names, numbered from 1 as `vantage rules show` numbers them.
local function rule_list(mask)
    local rules = {}
    for r = 0, 31 do
        if math.floor(mask / 2 ^ r) % 2 == 1 then rules[#rules + 1] = tostring(r + 1) end
    end
    if #rules == 0 then return "none" end
    return table.concat(rules, ",")
end

-- A 16-byte key address: IPv4 (zero-extended) unless the key is IPv6.
local function add_address(t, rec, off, v6, f4, f6)
    local zero_top = rec(off, 4):uint() == 0 and rec(off + 4, 4):uint() == 0 and rec(off + 8, 4):uint() == 0
    if not v6 and zero_top then
        t:add(f4, rec(off + 12, 4))
    else
        t:add(f6, rec(off, 16))
    end
end

-- One 64-byte record (proto/src/report.rs): group key, packets, bytes, flags.
local function dissect_record(t, rec, n)
    local b0 = rec(0, 1):uint()
    local rule = math.floor(b0 / 8)
    local v6 = math.floor(b0 / 4) % 2 == 1
    local rt = t:add(vantage, rec, string.format("Record %d: rule %d, %s packets, %s bytes", n, rule + 1,
        tostring(rec(40, 8):uint64()), tostring(rec(48, 8):uint64())))
    rt:add(f.rec_rule, rec(0, 1)):append_text(string.format(" (rule %d in vantage rules show)", rule + 1))
    rt:add(f.rec_v6, rec(0, 1))
    rt:add(f.rec_ingress, rec(1, 1))
    add_address(rt, rec, 2, v6, f.rec_src, f.rec_src6)
    add_address(rt, rec, 18, v6, f.rec_dst, f.rec_dst6)
    rt:add(f.rec_sport, rec(34, 2))
    rt:add(f.rec_dport, rec(36, 2))
    rt:add(f.rec_proto, rec(38, 1))
    rt:add(f.rec_flags, rec(39, 1))
    rt:add(f.rec_packets, rec(40, 8))
    rt:add(f.rec_bytes, rec(48, 8))
    rt:add(f.rec_crossed, rec(56, 1))
end

-- One 128-byte connection record (proto/src/conntable.rs): the key oriented originator ->
-- responder, first and last frame, Zeek's history, packets and IP bytes by role.
local function dissect_conn(t, rec, n)
    local b0 = rec(0, 1):uint()
    local rule = math.floor(b0 / 8)
    local v6 = math.floor(b0 / 4) % 2 == 1
    local letters = math.min(rec(57, 1):uint(), 16)
    local history = letters > 0 and rec(64, letters):string() or "-"
    if rec(56, 1):uint() % 2 == 1 then history = history .. "+" end
    local rt = t:add(vantage, rec, string.format("Connection %d: rule %d, history %s", n, rule + 1, history))
    rt:add(f.rec_rule, rec(0, 1)):append_text(string.format(" (rule %d in vantage rules show)", rule + 1))
    rt:add(f.rec_v6, rec(0, 1))
    add_address(rt, rec, 2, v6, f.rec_src, f.rec_src6)
    add_address(rt, rec, 18, v6, f.rec_dst, f.rec_dst6)
    rt:add(f.rec_sport, rec(34, 2))
    rt:add(f.rec_dport, rec(36, 2))
    rt:add(f.rec_proto, rec(38, 1))
    rt:add(f.conn_start, rec(40, 8))
    rt:add(f.conn_last, rec(48, 8))
    rt:add(f.conn_overflow, rec(56, 1))
    rt:add(f.conn_letters, rec(57, 1))
    rt:add(f.conn_history, rec(64, 16), history)
    rt:add(f.conn_orig_pkts, rec(80, 8))
    rt:add(f.conn_orig_bytes, rec(88, 8))
    rt:add(f.conn_resp_pkts, rec(96, 8))
    rt:add(f.conn_resp_bytes, rec(104, 8))
end

-- An unsigned 48-bit big-endian field as a UInt64.
local function u48(r)
    return UInt64(r(2, 4):uint(), r(0, 2):uint())
end

-- The 128-byte flow-end record of the reasm stage (proto/src/reasm/mod.rs): flow id, IPv6 bit,
-- end and fallback reasons, endpoints by role, first and last frame, per direction the bytes
-- delivered and missed, gaps, retransmissions, inconsistent overlaps and frames.
local function dissect_flow_end(t, rec)
    local v6 = rec(8, 1):uint() % 2 == 1
    local e, fb = rec(9, 1):uint(), rec(10, 1):uint()
    local summary = string.format("Flow end: flow %s, %s%s", tostring(rec(0, 8):uint64()),
        REASM_END[e] or tostring(e), fb ~= 0 and (", fallback " .. (REASM_FALLBACK[fb] or tostring(fb))) or "")
    local rt = t:add(vantage, rec, summary)
    rt:add(f.fe_flow, rec(0, 8))
    rt:add(f.fe_v6, rec(8, 1))
    rt:add(f.fe_end, rec(9, 1))
    rt:add(f.fe_fallback, rec(10, 1))
    rt:add(f.fe_orig_port, rec(12, 2))
    rt:add(f.fe_resp_port, rec(14, 2))
    if v6 then
        rt:add(f.fe_orig6, rec(16, 16))
        rt:add(f.fe_resp6, rec(32, 16))
    else
        rt:add(f.fe_orig, rec(28, 4))
        rt:add(f.fe_resp, rec(44, 4))
    end
    rt:add(f.fe_first, rec(48, 8))
    rt:add(f.fe_last, rec(56, 8))
    for i, d in ipairs({ "orig", "resp" }) do
        local o = 64 + 32 * (i - 1)
        local fd = FE_DIR[d]
        local dt = rt:add(vantage, rec(o, 32), string.format("%s: %s bytes delivered, %s missed",
            REASM_DIRECTION[i - 1], tostring(rec(o, 8):uint64()), tostring(rec(o + 8, 8):uint64())))
        dt:add(fd.delivered, rec(o, 8))
        dt:add(fd.missed, rec(o + 8, 8))
        dt:add(fd.gaps, rec(o + 16, 4))
        dt:add(fd.retransmissions, rec(o + 20, 4))
        dt:add(fd.inconsistent, rec(o + 24, 4))
        dt:add(fd.frames, rec(o + 28, 4))
    end
    return summary
end

function vantage.dissector(buf, pinfo, tree)
    if buf:len() < 2 then return 0 end
    local version = buf(0, 1):uint()
    local words = buf(1, 1):uint()
    -- `words` counts from the EtherType, which the Ethernet dissector has already taken.
    local hlen = words * 4 - 2
    if version ~= 1 or hlen < 2 or buf:len() < hlen + 2 then return 0 end
    pinfo.cols.protocol = "Vantage"
    local t = tree:add(vantage, buf(0, hlen), "Vantage tagged header")
    t:add(f.version, buf(0, 1))
    t:add(f.words, buf(1, 1))
    local report = nil -- the REPORT tag's record count and summary, when there is one
    local flow_end = false -- a FLOW_END tag: the frame is a flow-end frame
    local off = 2
    while off + 2 <= hlen do
        local ty, len = buf(off, 1):uint(), buf(off + 1, 1):uint()
        if off + 2 + len > hlen then break end
        local tt = t:add(vantage, buf(off, 2 + len), string.format("Tag 0x%02x", ty))
        tt:add(f.tlv_type, buf(off, 1))
        tt:add(f.tlv_len, buf(off + 1, 1))
        local v = off + 2
        if ty == TLV_TIMESTAMP and len == 8 then
            tt:set_text("Timestamp")
            tt:add(f.timestamp, buf(v, 8))
        elseif ty == TLV_FLOW and len == 8 then
            tt:set_text("Flow")
            tt:add(f.hash, buf(v, 4))
            tt:add(f.flags, buf(v + 4, 2))
            tt:add(f.l3, buf(v + 6, 1))
            tt:add(f.proto, buf(v + 7, 1))
        elseif ty == TLV_STATS and len == 8 then
            local crossed, uncounted = buf(v, 4):uint(), buf(v + 4, 4):uint()
            tt:set_text(string.format("Stats: crossed rules %s, uncounted rules %s", rule_list(crossed), rule_list(uncounted)))
            tt:add(f.crossed, buf(v, 4)):append_text(" (rules " .. rule_list(crossed) .. ")")
            tt:add(f.uncounted, buf(v + 4, 4)):append_text(" (rules " .. rule_list(uncounted) .. ")")
        elseif ty == TLV_SYN and len == 10 then
            -- A SYN the conn stage held (proto/src/conn.rs): why, flags, retransmissions, u48 span.
            local why = buf(v, 1):uint()
            tt:set_text(string.format("SYN: %s, %d retransmissions", SYN_WHY[why] or tostring(why), buf(v + 2, 2):uint()))
            tt:add(f.syn_why, buf(v, 1))
            tt:add(f.syn_flags, buf(v + 1, 1))
            tt:add(f.syn_retrans, buf(v + 2, 2))
            tt:add(f.syn_span, buf(v + 4, 6), UInt64(buf(v + 6, 4):uint(), buf(v + 4, 2):uint()))
        elseif ty == TLV_REPORT and len == 42 then
            local epoch, n, index = buf(v, 4):uint(), buf(v + 4, 2):uint(), buf(v + 6, 2):uint()
            local last = buf(v + 8, 1):uint() % 2 == 1
            local conns = math.floor(buf(v + 8, 1):uint() / 2) % 2 == 1
            report = {
                records = n,
                conns = conns,
                summary = conns and string.format("Report: connections, frame %d, %d records", index, n)
                    or string.format("Report: epoch %d, frame %d%s, %d records", epoch, index, last and " (last)" or "", n),
            }
            tt:set_text(report.summary)
            tt:add(f.epoch, buf(v, 4))
            tt:add(f.records, buf(v + 4, 2))
            tt:add(f.index, buf(v + 6, 2))
            tt:add(f.last, buf(v + 8, 1))
            tt:add(f.connections, buf(v + 8, 1))
            tt:add(f.record_words, buf(v + 9, 1))
            tt:add(f.epoch_end, buf(v + 10, 8))
            tt:add(f.epoch_ns, buf(v + 18, 8))
            tt:add(f.epoch_records, buf(v + 26, 4))
            tt:add(f.refused, buf(v + 30, 4))
            tt:add(f.reserved, buf(v + 34, 8))
        elseif ty == TLV_REASM and len == 24 then
            local st, fl, fb = buf(v + 20, 1):uint(), buf(v + 21, 1):uint(), buf(v + 22, 1):uint()
            local text = string.format("Reasm: flow %s %s, %s, offset %s", tostring(buf(v, 8):uint64()),
                fl % 2 == 1 and "resp" or "orig", REASM_STATUS[st] or tostring(st), tostring(u48(buf(v + 8, 6))))
            if st == 5 then text = text .. " (" .. (REASM_FALLBACK[fb] or tostring(fb)) .. ")" end
            tt:set_text(text)
            tt:add(f.reasm_flow, buf(v, 8))
            tt:add(f.reasm_offset, buf(v + 8, 6), u48(buf(v + 8, 6)))
            tt:add(f.reasm_skip, buf(v + 14, 2))
            tt:add(f.reasm_gap, buf(v + 16, 4))
            tt:add(f.reasm_status, buf(v + 20, 1))
            tt:add(f.reasm_direction, buf(v + 21, 1))
            tt:add(f.reasm_inconsistent, buf(v + 21, 1))
            tt:add(f.reasm_fallback, buf(v + 22, 1))
        elseif ty == TLV_FLOW_END and len == 6 then
            flow_end = true
            tt:set_text(string.format("Flow end: %d record, %d sent", buf(v, 2):uint(), buf(v + 2, 4):uint()))
            tt:add(f.fe_records, buf(v, 2))
            tt:add(f.fe_sent, buf(v + 2, 4))
        elseif ty ~= TLV_PAD and len > 0 then
            tt:add(f.unknown, buf(v, len))
        end
        off = off + 2 + len
    end
    local et = buf(hlen, 2):uint()
    t:add(f.ethertype, buf(hlen, 2))
    if report and et == REPORT_ETHERTYPE then
        -- A report frame: 2 zero bytes, then the records.
        pinfo.cols.info = report.summary
        local first = hlen + 4
        local size = report.conns and CONN_RECORD_BYTES or RECORD_BYTES
        local present = math.max(0, math.floor((buf:len() - first) / size))
        local n = math.min(report.records, present)
        local label = string.format("Vantage report records (%d)", n)
        -- The 2 zero bytes and the records; just the EtherType when the frame ends there.
        local rt = tree:add(vantage, buf:len() > hlen + 2 and buf(hlen + 2) or buf(hlen, 2), label)
        if n < report.records then
            rt:append_text(string.format(": frame cut, %d records claimed, %d present", report.records, present))
        end
        for i = 0, n - 1 do
            if report.conns then
                dissect_conn(rt, buf(first + i * size, size), i + 1)
            else
                dissect_record(rt, buf(first + i * size, size), i + 1)
            end
        end
        return buf:len()
    end
    if flow_end and et == REPORT_ETHERTYPE then
        -- A flow-end frame: 2 zero bytes, then one record.
        local first = hlen + 4
        if buf:len() < first + FLOW_END_RECORD_BYTES then
            tree:add(vantage, buf(hlen), "Vantage flow-end record: frame cut")
            pinfo.cols.info = "Flow end (cut)"
        else
            pinfo.cols.info = dissect_flow_end(tree, buf(first, FLOW_END_RECORD_BYTES))
        end
        return buf:len()
    end
    DissectorTable.get("ethertype"):try(et, buf(hlen + 2):tvb(), pinfo, tree)
    return buf:len()
end

DissectorTable.get("ethertype"):add(ETHERTYPE, vantage)
