// Managed IPv6 address schemes (ipv6_schemes.hpp, spec §6.6).
#include "core/ipv6_schemes.hpp"

#include <algorithm>

namespace zt {

namespace {

void put_address(Ipv6& ip, size_t at, Address node) {
    const auto b = node.bytes();
    std::copy(b.begin(), b.end(), ip.begin() + long(at));
}

uint32_t sixplane_hash(NetworkId nwid) { return uint32_t((nwid.value ^ (nwid.value >> 32)) & 0xffffffffULL); }

}  // namespace

Ipv6 rfc4193_address(NetworkId nwid, Address node) {
    Ipv6 ip{};
    ip[0] = 0xfd;
    for (size_t i = 0; i < 8; ++i) ip[1 + i] = uint8_t(nwid.value >> (56 - 8 * i));
    ip[9] = 0x99;
    ip[10] = 0x93;
    put_address(ip, 11, node);
    return ip;
}

Ipv6 sixplane_address(NetworkId nwid, Address node) {
    Ipv6 ip{};
    ip[0] = 0xfc;
    const uint32_t h = sixplane_hash(nwid);
    for (size_t i = 0; i < 4; ++i) ip[1 + i] = uint8_t(h >> (24 - 8 * i));
    put_address(ip, 5, node);
    ip[15] = 0x01;
    return ip;
}

std::optional<Address> emulated_ipv6_owner(NetworkId nwid, const Ipv6& ip) {
    const Address zero;
    // RFC4193: the first 11 bytes are the network's prefix.
    const Ipv6 r = rfc4193_address(nwid, zero);
    if (std::equal(r.begin(), r.begin() + 11, ip.begin())) {
        Address a = Address::from_bytes(ip.data() + 11);
        if (!a.is_reserved()) return a;
    }
    // 6PLANE: the first 5 bytes are the network's prefix; bytes 5..9 the member.
    const Ipv6 s = sixplane_address(nwid, zero);
    if (std::equal(s.begin(), s.begin() + 5, ip.begin())) {
        Address a = Address::from_bytes(ip.data() + 5);
        if (!a.is_reserved()) return a;
    }
    return std::nullopt;
}

}  // namespace zt
