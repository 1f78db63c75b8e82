// Text forms of the core value types and the address <-> MAC mapping (spec §6.2).
#include "core/types.hpp"

#include <cstdio>

#include "core/bytes.hpp"

namespace zt {

namespace {

std::optional<uint64_t> parse_fixed_hex(std::string_view s, size_t digits) {
    if (s.size() != digits) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        int d = hex_digit(c);
        if (d < 0) return std::nullopt;
        v = (v << 4) | uint64_t(d);
    }
    return v;
}

}  // namespace

std::string Address::to_string() const {
    char buf[11];
    std::snprintf(buf, sizeof buf, "%010llx", static_cast<unsigned long long>(v_));
    return buf;
}

std::optional<Address> Address::parse(std::string_view hex) {
    auto v = parse_fixed_hex(hex, 10);
    if (!v) return std::nullopt;
    return Address(*v);
}

std::string NetworkId::to_string() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return buf;
}

std::optional<NetworkId> NetworkId::parse(std::string_view hex) {
    auto v = parse_fixed_hex(hex, 16);
    if (!v) return std::nullopt;
    return NetworkId{*v};
}

std::string Mac::to_string() const {
    auto b = bytes();
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return buf;
}

uint8_t Mac::first_octet(NetworkId nwid) {
    uint8_t f = uint8_t((nwid.value & 0xfe) | 0x02);
    return f == 0x52 ? 0x32 : f;  // avoid the KVM/libvirt prefix
}

namespace {
uint64_t mac_xor_mask(NetworkId nwid) {
    const uint64_t n = nwid.value;
    return (((n >> 8) & 0xff) << 32) | (((n >> 16) & 0xff) << 24) | (((n >> 24) & 0xff) << 16) |
           (((n >> 32) & 0xff) << 8) | ((n >> 40) & 0xff);
}
}  // namespace

Mac Mac::from_address(Address a, NetworkId nwid) {
    uint64_t m = (uint64_t(first_octet(nwid)) << 40) | a.value();
    return Mac(m ^ mac_xor_mask(nwid));
}

std::optional<Address> Mac::to_address(NetworkId nwid) const {
    if ((v_ >> 40) != first_octet(nwid)) return std::nullopt;
    return Address((v_ ^ mac_xor_mask(nwid)) & Address::mask);
}

Endpoint Endpoint::v4(std::array<uint8_t, 4> a, uint16_t port) {
    Endpoint e;
    e.family = Family::v4;
    for (size_t i = 0; i < 4; ++i) e.ip[i] = a[i];
    e.port = port;
    return e;
}

Endpoint Endpoint::v6(const std::array<uint8_t, 16>& a, uint16_t port) {
    Endpoint e;
    e.family = Family::v6;
    e.ip = a;
    e.port = port;
    return e;
}

std::string Endpoint::to_string() const {
    char buf[64];
    switch (family) {
    case Family::v4:
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u/%u", ip[0], ip[1], ip[2], ip[3], port);
        return buf;
    case Family::v6: {
        std::string s = "[";
        for (size_t i = 0; i < 16; i += 2) {
            if (i) s += ':';
            std::snprintf(buf, sizeof buf, "%x", (unsigned(ip[i]) << 8) | ip[i + 1]);
            s += buf;
        }
        std::snprintf(buf, sizeof buf, "]/%u", port);
        return s + buf;
    }
    case Family::none: break;
    }
    return "nil";
}

namespace {

std::optional<uint16_t> parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5) return std::nullopt;
    uint32_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint32_t(c - '0');
    }
    if (v > 65535) return std::nullopt;
    return uint16_t(v);
}

std::optional<std::array<uint8_t, 4>> parse_ipv4(std::string_view s) {
    std::array<uint8_t, 4> out{};
    size_t part = 0;
    uint32_t v = 0;
    size_t digits = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == '.') {
            if (digits == 0 || v > 255 || part > 3) return std::nullopt;
            out[part++] = uint8_t(v);
            v = 0;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
            v = v * 10 + uint32_t(s[i] - '0');
            ++digits;
        } else {
            return std::nullopt;
        }
    }
    if (part != 4) return std::nullopt;
    return out;
}

// Accepts the usual forms, including one "::" and no embedded IPv4.
std::optional<std::array<uint8_t, 16>> parse_ipv6(std::string_view s) {
    std::array<uint16_t, 8> head{}, tail{};
    size_t nhead = 0, ntail = 0;
    bool gap = false;
    size_t i = 0;
    if (s.substr(0, 2) == "::") {
        gap = true;
        i = 2;
    }
    while (i < s.size()) {
        uint32_t v = 0;
        size_t digits = 0;
        while (i < s.size() && s[i] != ':') {
            int d = hex_digit(s[i]);
            if (d < 0 || digits == 4) return std::nullopt;
            v = (v << 4) | uint32_t(d);
            ++digits;
            ++i;
        }
        if (digits == 0) return std::nullopt;
        if (gap) {
            if (ntail == 8) return std::nullopt;
            tail[ntail++] = uint16_t(v);
        } else {
            if (nhead == 8) return std::nullopt;
            head[nhead++] = uint16_t(v);
        }
        if (i < s.size()) {  // at ':'
            ++i;
            if (i < s.size() && s[i] == ':') {
                if (gap) return std::nullopt;
                gap = true;
                ++i;
            } else if (i == s.size()) {
                return std::nullopt;
            }
        }
    }
    if (gap ? nhead + ntail > 7 : nhead != 8) return std::nullopt;
    std::array<uint8_t, 16> out{};
    for (size_t k = 0; k < nhead; ++k) {
        out[2 * k] = uint8_t(head[k] >> 8);
        out[2 * k + 1] = uint8_t(head[k]);
    }
    for (size_t k = 0; k < ntail; ++k) {
        size_t pos = 8 - ntail + k;
        out[2 * pos] = uint8_t(tail[k] >> 8);
        out[2 * pos + 1] = uint8_t(tail[k]);
    }
    return out;
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view s) {
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos || close + 2 > s.size()) return std::nullopt;
        char sep = s[close + 1];
        if (sep != '/' && sep != ':') return std::nullopt;
        auto ip = parse_ipv6(s.substr(1, close - 1));
        auto port = parse_port(s.substr(close + 2));
        if (!ip || !port) return std::nullopt;
        return v6(*ip, *port);
    }
    auto slash = s.find_last_of("/:");
    if (slash == std::string_view::npos) return std::nullopt;
    auto port = parse_port(s.substr(slash + 1));
    if (!port) return std::nullopt;
    if (auto ip4 = parse_ipv4(s.substr(0, slash))) return v4(*ip4, *port);
    if (s[slash] == '/')
        if (auto ip6 = parse_ipv6(s.substr(0, slash))) return v6(*ip6, *port);
    return std::nullopt;
}

}  // namespace zt
