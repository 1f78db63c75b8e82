// Small value types shared by every part of the core: ZeroTier addresses, network ids,
// MACs, physical endpoints and the two clocks. No I/O, no allocation.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zt {

// Monotonic milliseconds, supplied by the runtime; everything that expires uses it.
using Ticks = int64_t;
// Wall-clock milliseconds since the Unix epoch; only for timestamps that go on the wire
// (certificates, worlds, HELLO timestamps echoed back to us).
using UnixMs = int64_t;

// 40-bit ZeroTier address (spec §1.2), kept in the low bits of a u64.
class Address {
public:
    static constexpr uint64_t mask = 0xffffffffffULL;

    constexpr Address() = default;
    constexpr explicit Address(uint64_t v) : v_(v & mask) {}

    constexpr uint64_t value() const { return v_; }
    constexpr bool is_zero() const { return v_ == 0; }
    // Reserved: 0000000000 and any address whose first byte is 0xff (spec §1.2).
    constexpr bool is_reserved() const { return v_ == 0 || (v_ >> 32) == 0xff; }

    std::array<uint8_t, 5> bytes() const {
        return {uint8_t(v_ >> 32), uint8_t(v_ >> 24), uint8_t(v_ >> 16), uint8_t(v_ >> 8), uint8_t(v_)};
    }
    static constexpr Address from_bytes(const uint8_t* b) {
        return Address((uint64_t(b[0]) << 32) | (uint64_t(b[1]) << 24) | (uint64_t(b[2]) << 16) |
                       (uint64_t(b[3]) << 8) | uint64_t(b[4]));
    }
    std::string to_string() const;                          // 10 lowercase hex digits
    static std::optional<Address> parse(std::string_view hex);  // exactly 10 hex digits

    friend constexpr auto operator<=>(Address, Address) = default;

private:
    uint64_t v_ = 0;
};

// 64-bit network id (spec §8.1): controller address in the top 40 bits.
struct NetworkId {
    uint64_t value = 0;

    constexpr Address controller() const { return Address(value >> 24); }
    std::string to_string() const;                           // 16 lowercase hex digits
    static std::optional<NetworkId> parse(std::string_view hex);  // exactly 16 hex digits

    friend constexpr auto operator<=>(NetworkId, NetworkId) = default;
};

// 48-bit Ethernet MAC, most significant byte first.
class Mac {
public:
    constexpr Mac() = default;
    constexpr explicit Mac(uint64_t v) : v_(v & 0xffffffffffffULL) {}

    constexpr uint64_t value() const { return v_; }
    constexpr bool is_zero() const { return v_ == 0; }
    constexpr bool is_multicast() const { return (v_ >> 40) & 0x01; }
    constexpr bool is_broadcast() const { return v_ == 0xffffffffffffULL; }

    std::array<uint8_t, 6> bytes() const {
        return {uint8_t(v_ >> 40), uint8_t(v_ >> 32), uint8_t(v_ >> 24),
                uint8_t(v_ >> 16), uint8_t(v_ >> 8),  uint8_t(v_)};
    }
    static constexpr Mac from_bytes(const uint8_t* b) {
        return Mac((uint64_t(b[0]) << 40) | (uint64_t(b[1]) << 32) | (uint64_t(b[2]) << 24) |
                   (uint64_t(b[3]) << 16) | (uint64_t(b[4]) << 8) | uint64_t(b[5]));
    }
    std::string to_string() const;  // aa:bb:cc:dd:ee:ff

    // Spec §6.2: the MAC a ZeroTier address has on a network, and the reverse mapping.
    static Mac from_address(Address a, NetworkId nwid);
    std::optional<Address> to_address(NetworkId nwid) const;
    static uint8_t first_octet(NetworkId nwid);

    friend constexpr auto operator<=>(Mac, Mac) = default;

private:
    uint64_t v_ = 0;
};

// A physical (underlay) UDP endpoint: IPv4 or IPv6 address plus port. Plain data, no
// socket headers, so the sans-I/O core can carry it.
struct Endpoint {
    enum class Family : uint8_t { none = 0, v4 = 4, v6 = 6 };

    Family family = Family::none;
    std::array<uint8_t, 16> ip{};  // v4 uses the first 4 bytes, network order
    uint16_t port = 0;

    static Endpoint v4(std::array<uint8_t, 4> a, uint16_t port);
    static Endpoint v6(const std::array<uint8_t, 16>& a, uint16_t port);
    bool is_nil() const { return family == Family::none; }
    std::string to_string() const;                           // 1.2.3.4/9993 or [::1]/9993
    static std::optional<Endpoint> parse(std::string_view);  // same forms; ':' also accepted for v4

    friend bool operator==(const Endpoint&, const Endpoint&) = default;
    friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

}  // namespace zt
