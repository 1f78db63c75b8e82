// EXT_FRAME payload codec (spec §5.6). Layout in ext_frame.hpp.
#include "core/vl2/ext_frame.hpp"

#include "core/vl2/com_span.hpp"
#include "core/wire/reader.hpp"

namespace zt::vl2 {

std::optional<ExtFrame> ExtFrame::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    ExtFrame f;
    f.nwid = NetworkId{r.u64be()};
    f.flags = r.u8();
    if (r.ok() && (f.flags & kFlagCom)) f.com = read_com(r);
    f.dest = Mac(r.u48be());
    f.source = Mac(r.u48be());
    f.ether_type = r.u16be();
    f.payload = r.rest();
    if (!r.ok()) return std::nullopt;
    return f;
}

void ExtFrame::serialize(Writer& w) const {
    w.u64be(nwid.value);
    w.u8(uint8_t(com.empty() ? flags & ~kFlagCom : flags | kFlagCom));
    w.bytes(com);
    w.u48be(dest.value());
    w.u48be(source.value());
    w.u16be(ether_type);
    w.bytes(payload);
}

}  // namespace zt::vl2
