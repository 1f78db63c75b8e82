// Virtual-network IP addresses and prefixes as the stack and the node runtime use them:
// plain data, no lwIP and no socket headers. Conversions to the control protocol's NameAddr
// live here too, so that every place agrees on byte order (ip in network order, port in
// host order inside InetAddr, network order inside NameAddr).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ipc/control_protocol.hpp"

namespace zt::stack {

struct InetAddr {
    uint8_t family = 0;           // 4, 6, or 0 = none
    std::array<uint8_t, 16> ip{};  // v4 in the first 4 bytes; network order
    uint16_t port = 0;            // host order

    static InetAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port = 0);
    static InetAddr from_name(const ztctl::NameAddr& n);
    ztctl::NameAddr to_name() const;

    bool is_v4() const { return family == 4; }
    bool is_v6() const { return family == 6; }
    bool is_unspecified() const;  // 0.0.0.0 or ::
    bool is_loopback() const;     // 127/8 or ::1
    bool is_multicast() const;    // 224/4 or ff00::/8
    bool is_v4_mapped() const;    // ::ffff:a.b.c.d
    bool is_link_local() const;   // 169.254/16 or fe80::/10
    // ::ffff:a.b.c.d -> a.b.c.d (port kept); anything else unchanged.
    InetAddr unmapped() const;
    // Same family and ip (ports ignored).
    bool same_ip(const InetAddr& o) const;

    std::string ip_string() const;  // "10.1.2.3" or "fd00::1"
    std::string to_string() const;  // "10.1.2.3:80" or "[fd00::1]:80"
    // Parses an IPv4 or IPv6 address without port.
    static std::optional<InetAddr> parse_ip(std::string_view s);

    friend bool operator==(const InetAddr&, const InetAddr&) = default;
};

struct InetPrefix {
    InetAddr addr;      // port unused
    uint8_t len = 0;    // prefix length in bits

    bool contains(const InetAddr& a) const;
    // The directed broadcast address (v4 only; nullopt for /31, /32 and v6).
    std::optional<InetAddr> broadcast() const;
    std::string to_string() const;  // "10.1.2.3/24"
    // "10.1.2.3/24", "fd00::1/64"; the length is required and bounded by the family.
    static std::optional<InetPrefix> parse(std::string_view s);

    friend bool operator==(const InetPrefix&, const InetPrefix&) = default;
};

}  // namespace zt::stack
