// MULTICAST_FRAME payload and OK(MULTICAST_FRAME) body codecs (spec §5.13). Layouts in
// multicast_frame.hpp.
#include "core/vl2/multicast_frame.hpp"

#include "core/vl2/com_span.hpp"
#include "core/wire/reader.hpp"

namespace zt::vl2 {

std::optional<MulticastFrame> MulticastFrame::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    MulticastFrame f;
    f.nwid = NetworkId{r.u64be()};
    f.flags = r.u8();
    if (r.ok() && (f.flags & kFlagCom)) f.com = read_com(r);
    if (f.flags & kFlagGatherLimit) f.gather_limit = r.u32be();
    if (f.flags & kFlagSourceMac) f.source = Mac(r.u48be());
    f.group_mac = Mac(r.u48be());
    f.group_adi = r.u32be();
    f.ether_type = r.u16be();
    f.payload = r.rest();
    if (!r.ok()) return std::nullopt;
    return f;
}

void MulticastFrame::serialize(Writer& w) const {
    uint8_t fl = uint8_t(flags & ~(kFlagCom | kFlagGatherLimit | kFlagSourceMac));
    if (!com.empty()) fl |= kFlagCom;
    if (gather_limit) fl |= kFlagGatherLimit;
    if (source) fl |= kFlagSourceMac;
    w.u64be(nwid.value);
    w.u8(fl);
    w.bytes(com);
    if (gather_limit) w.u32be(*gather_limit);
    if (source) w.u48be(source->value());
    w.u48be(group_mac.value());
    w.u32be(group_adi);
    w.u16be(ether_type);
    w.bytes(payload);
}

std::optional<OkMulticastFrame> OkMulticastFrame::parse(std::span<const uint8_t> body) {
    Reader r{body};
    OkMulticastFrame o;
    o.nwid = NetworkId{r.u64be()};
    o.group_mac = Mac(r.u48be());
    o.group_adi = r.u32be();
    o.flags = r.u8();
    if (r.ok() && (o.flags & kFlagCom)) o.com = read_com(r);
    if (r.ok() && (o.flags & kFlagGatherResults)) o.gather = GatherResults::read(r);
    if (!r.ok()) return std::nullopt;
    return o;
}

void OkMulticastFrame::serialize(Writer& w) const {
    uint8_t fl = uint8_t(flags & ~(kFlagCom | kFlagGatherResults));
    if (!com.empty()) fl |= kFlagCom;
    if (gather) fl |= kFlagGatherResults;
    w.u64be(nwid.value);
    w.u48be(group_mac.value());
    w.u32be(group_adi);
    w.u8(fl);
    w.bytes(com);
    if (gather) gather->serialize(w);
}

}  // namespace zt::vl2
