// MULTICAST_LIKE payload codec (spec §5.8). Layout in multicast_like.hpp.
#include "core/vl2/multicast_like.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl2 {

std::optional<MulticastLike> MulticastLike::parse(std::span<const uint8_t> payload) {
    if (payload.empty() || payload.size() % kEntryLength != 0) return std::nullopt;
    Reader r{payload};
    MulticastLike m;
    m.entries.reserve(payload.size() / kEntryLength);
    while (r.ok() && !r.at_end()) {
        Entry e;
        e.nwid = NetworkId{r.u64be()};
        e.group_mac = Mac(r.u48be());
        e.group_adi = r.u32be();
        m.entries.push_back(e);
    }
    if (!r.ok()) return std::nullopt;
    return m;
}

void MulticastLike::serialize(Writer& w) const {
    for (const Entry& e : entries) {
        w.u64be(e.nwid.value);
        w.u48be(e.group_mac.value());
        w.u32be(e.group_adi);
    }
}

}  // namespace zt::vl2
