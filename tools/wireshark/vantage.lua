-- Wireshark/tshark dissector for the Vantage tagged header, version 1 (docs/header.md).
--   tshark -X lua_script:tools/wireshark/vantage.lua -r tagged.pcap -V
-- or copy into ~/.local/lib/wireshark/plugins/. The Ethernet dissector hands over the bytes after
-- the EtherType 0x88B5; this dissector reads the version, the length in words and the TLVs,
-- then passes the frame's own EtherType and payload on, so the inner IP/TCP is dissected as usual.
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
f.unknown = ProtoField.bytes("vantage.tlv.value", "Tag value")
f.ethertype = ProtoField.uint16("vantage.ethertype", "Original EtherType", base.HEX)

local ETHERTYPE = 0x88B5
local TLV_PAD, TLV_TIMESTAMP, TLV_FLOW = 0x00, 0x01, 0x02

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
        elseif ty ~= TLV_PAD and len > 0 then
            tt:add(f.unknown, buf(v, len))
        end
        off = off + 2 + len
    end
    local et = buf(hlen, 2):uint()
    t:add(f.ethertype, buf(hlen, 2))
    DissectorTable.get("ethertype"):try(et, buf(hlen + 2):tvb(), pinfo, tree)
    return buf:len()
end

DissectorTable.get("ethertype"):add(ETHERTYPE, vantage)
