// InetAddress <-> Endpoint (spec §6.1). Layout in inet_address.hpp.
#include "core/wire/inet_address.hpp"

#include "core/wire/wire_constants.hpp"

namespace zt::wire {

InetAddress InetAddress::read(Reader& r) {
    InetAddress a;
    const uint8_t type = r.u8();
    switch (type) {
    case kInetNone:
        break;
    case kInetV4: {
        auto ip = r.bytes(4);
        const uint16_t port = r.u16be();
        if (!r.ok()) break;
        a.endpoint = Endpoint::v4({ip[0], ip[1], ip[2], ip[3]}, port);
        break;
    }
    case kInetV6: {
        auto ip = r.bytes(16);
        const uint16_t port = r.u16be();
        if (!r.ok()) break;
        std::array<uint8_t, 16> b{};
        for (size_t i = 0; i < 16; ++i) b[i] = ip[i];
        a.endpoint = Endpoint::v6(b, port);
        break;
    }
    case kInetEthernet:
    case kInetBluetooth:
        r.skip(6);  // reserved address kinds: skipped, not an error
        break;
    case kInetOther:
        r.skip(r.u16be());
        break;
    default:
        r.fail();
        break;
    }
    if (!r.ok()) return InetAddress{};
    return a;
}

std::optional<InetAddress> InetAddress::parse(std::span<const uint8_t> in) {
    Reader r{in};
    InetAddress a = read(r);
    if (!r.ok() || !r.at_end()) return std::nullopt;
    return a;
}

void InetAddress::serialize(Writer& w) const {
    switch (endpoint.family) {
    case Endpoint::Family::v4:
        w.u8(kInetV4);
        w.bytes(std::span<const uint8_t>(endpoint.ip.data(), 4));
        w.u16be(endpoint.port);
        return;
    case Endpoint::Family::v6:
        w.u8(kInetV6);
        w.bytes(endpoint.ip);
        w.u16be(endpoint.port);
        return;
    case Endpoint::Family::none:
        w.u8(kInetNone);
        return;
    }
}

size_t InetAddress::serialized_size() const {
    switch (endpoint.family) {
    case Endpoint::Family::v4: return 7;
    case Endpoint::Family::v6: return 19;
    case Endpoint::Family::none: return 1;
    }
    return 1;
}

InetPrefix InetPrefix::read(Reader& r) {
    const InetAddress a = InetAddress::read(r);
    InetPrefix p;
    p.address = a.endpoint;
    p.address.port = 0;
    const uint16_t bits = a.endpoint.port;
    const uint16_t max_bits = a.endpoint.family == Endpoint::Family::v4   ? 32
                              : a.endpoint.family == Endpoint::Family::v6 ? 128
                                                                          : 0;
    if (bits > max_bits) r.fail();
    if (!r.ok()) return InetPrefix{};
    p.bits = uint8_t(bits);
    return p;
}

std::optional<InetPrefix> InetPrefix::parse(std::span<const uint8_t> in) {
    Reader r{in};
    InetPrefix p = read(r);
    if (!r.ok() || !r.at_end()) return std::nullopt;
    return p;
}

void InetPrefix::serialize(Writer& w) const {
    InetAddress a{address};
    a.endpoint.port = bits;
    a.serialize(w);
}

}  // namespace zt::wire
