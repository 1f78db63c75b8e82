// FRAME payload codec (spec §5.5). Layout in frame.hpp.
#include "core/vl2/frame.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl2 {

std::optional<Frame> Frame::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    Frame f;
    f.nwid = NetworkId{r.u64be()};
    f.ether_type = r.u16be();
    f.payload = r.rest();
    if (!r.ok()) return std::nullopt;
    return f;
}

void Frame::serialize(Writer& w) const {
    w.u64be(nwid.value);
    w.u16be(ether_type);
    w.bytes(payload);
}

}  // namespace zt::vl2
