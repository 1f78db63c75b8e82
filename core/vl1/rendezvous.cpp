// RENDEZVOUS payload codec (spec §5.4). Layout in rendezvous.hpp.
#include "core/vl1/rendezvous.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl1 {

std::optional<Rendezvous> Rendezvous::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    Rendezvous z;
    z.flags = r.u8();
    z.peer = Address(r.u40be());
    const uint16_t port = r.u16be();
    const uint8_t len = r.u8();
    if (len != 4 && len != 16) r.fail();
    auto ip = r.bytes(len);
    if (!r.ok() || !r.at_end()) return std::nullopt;
    std::array<uint8_t, 16> b{};
    for (size_t i = 0; i < len; ++i) b[i] = ip[i];
    z.at = len == 4 ? Endpoint::v4({b[0], b[1], b[2], b[3]}, port) : Endpoint::v6(b, port);
    return z;
}

void Rendezvous::serialize(Writer& w) const {
    const size_t len = at.family == Endpoint::Family::v6 ? 16 : 4;
    w.u8(flags);
    w.u40be(peer.value());
    w.u16be(at.port);
    w.u8(uint8_t(len));
    w.bytes(std::span<const uint8_t>(at.ip.data(), len));
}

}  // namespace zt::vl1
