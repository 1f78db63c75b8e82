// WHOIS payload codec (spec §5.3). Layout in whois.hpp.
#include "core/vl1/whois.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl1 {

Address Whois::address(size_t i) const {
    Reader r{raw};
    r.skip(5 * i);
    return Address(r.u40be());
}

std::optional<Whois> Whois::parse(std::span<const uint8_t> payload) {
    if (payload.empty() || payload.size() % 5 != 0) return std::nullopt;
    return Whois{payload};
}

void Whois::serialize(Writer& w, std::span<const Address> addresses) {
    for (Address a : addresses) w.u40be(a.value());
}

}  // namespace zt::vl1
