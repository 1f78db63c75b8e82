// Text forms and predicates of virtual-network addresses.
#include "stack/inet.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace zt::stack {

InetAddr InetAddr::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    InetAddr r;
    r.family = 4;
    r.ip[0] = a;
    r.ip[1] = b;
    r.ip[2] = c;
    r.ip[3] = d;
    r.port = port;
    return r;
}

InetAddr InetAddr::from_name(const ztctl::NameAddr& n) {
    InetAddr r;
    if (n.family != 4 && n.family != 6) return r;
    r.family = n.family;
    std::memcpy(r.ip.data(), n.ip, n.family == 4 ? 4 : 16);
    r.port = ntohs(n.port_be);
    return r;
}

ztctl::NameAddr InetAddr::to_name() const {
    ztctl::NameAddr n{};
    n.family = family;
    if (family == 4) std::memcpy(n.ip, ip.data(), 4);
    if (family == 6) std::memcpy(n.ip, ip.data(), 16);
    n.port_be = htons(port);
    return n;
}

bool InetAddr::is_unspecified() const {
    size_t n = family == 4 ? 4 : 16;
    for (size_t i = 0; i < n; ++i)
        if (ip[i]) return false;
    return true;
}

bool InetAddr::is_loopback() const {
    if (family == 4) return ip[0] == 127;
    if (family != 6) return false;
    for (size_t i = 0; i < 15; ++i)
        if (ip[i]) return false;
    return ip[15] == 1;
}

bool InetAddr::is_multicast() const {
    if (family == 4) return (ip[0] & 0xf0) == 0xe0;
    return family == 6 && ip[0] == 0xff;
}

bool InetAddr::is_v4_mapped() const {
    if (family != 6) return false;
    for (size_t i = 0; i < 10; ++i)
        if (ip[i]) return false;
    return ip[10] == 0xff && ip[11] == 0xff;
}

bool InetAddr::is_link_local() const {
    if (family == 4) return ip[0] == 169 && ip[1] == 254;
    return family == 6 && ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
}

InetAddr InetAddr::unmapped() const {
    if (!is_v4_mapped()) return *this;
    return v4(ip[12], ip[13], ip[14], ip[15], port);
}

bool InetAddr::same_ip(const InetAddr& o) const {
    if (family != o.family) return false;
    return std::memcmp(ip.data(), o.ip.data(), family == 4 ? 4 : 16) == 0;
}

std::string InetAddr::ip_string() const {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (family == 4) inet_ntop(AF_INET, ip.data(), buf, sizeof buf);
    if (family == 6) inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
    return buf;
}

std::string InetAddr::to_string() const {
    if (family == 6) return "[" + ip_string() + "]:" + std::to_string(port);
    return ip_string() + ":" + std::to_string(port);
}

std::optional<InetAddr> InetAddr::parse_ip(std::string_view s) {
    if (s.empty() || s.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    InetAddr r;
    if (inet_pton(AF_INET, buf, r.ip.data()) == 1) {
        r.family = 4;
        return r;
    }
    if (inet_pton(AF_INET6, buf, r.ip.data()) == 1) {
        r.family = 6;
        return r;
    }
    return std::nullopt;
}

bool InetPrefix::contains(const InetAddr& a) const {
    if (a.family != addr.family) return false;
    size_t full = len / 8;
    if (std::memcmp(a.ip.data(), addr.ip.data(), full) != 0) return false;
    size_t rest = len % 8;
    if (rest == 0) return true;
    uint8_t mask = uint8_t(0xff << (8 - rest));
    return (a.ip[full] & mask) == (addr.ip[full] & mask);
}

std::optional<InetAddr> InetPrefix::broadcast() const {
    if (addr.family != 4 || len >= 31) return std::nullopt;
    uint32_t v = (uint32_t(addr.ip[0]) << 24) | (uint32_t(addr.ip[1]) << 16) | (uint32_t(addr.ip[2]) << 8) |
                 addr.ip[3];
    uint32_t host_mask = len == 0 ? 0xffffffffu : (0xffffffffu >> len);
    v |= host_mask;
    return InetAddr::v4(uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v));
}

std::string InetPrefix::to_string() const { return addr.ip_string() + "/" + std::to_string(len); }

std::optional<InetPrefix> InetPrefix::parse(std::string_view s) {
    size_t slash = s.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto a = InetAddr::parse_ip(s.substr(0, slash));
    if (!a) return std::nullopt;
    std::string_view lenpart = s.substr(slash + 1);
    if (lenpart.empty() || lenpart.size() > 3) return std::nullopt;
    unsigned v = 0;
    for (char c : lenpart) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + unsigned(c - '0');
    }
    if (v > (a->family == 4 ? 32u : 128u)) return std::nullopt;
    return InetPrefix{*a, uint8_t(v)};
}

}  // namespace zt::stack
