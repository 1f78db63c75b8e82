// Certificate of Ownership (spec §8.8): the controller certifies that a member owns MAC,
// IPv4 or IPv6 addresses (checked by the rules engine and against IP spoofing).
//
//   <[8] network id> <[8] timestamp> <[8] flags> <[4] id> <[2] thing count N (max 16)>
//   <N x (<[1] type: 1 MAC, 2 IPv4, 3 IPv6> <[16] value, zero padded>)>
//   <[5] issued to> <[5] signed by> <signature block> <[2] extension length> <[...] skipped>
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/vl2/credential.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct CertificateOfOwnership {
    static constexpr size_t kMaxThings = 16;
    static constexpr size_t kThingValueLength = 16;
    static constexpr size_t kMinLength = 8 + 8 + 8 + 4 + 2 + 5 + 5 + 3 + 2;  // no things, no signature

    enum class ThingType : uint8_t { null = 0, mac = 1, ipv4 = 2, ipv6 = 3 };
    struct Thing {
        ThingType type = ThingType::null;            // as on the wire (other values kept)
        std::array<uint8_t, kThingValueLength> value{};  // MAC: 6 bytes, IPv4: 4, IPv6: 16
        friend bool operator==(const Thing&, const Thing&) = default;
    };

    NetworkId nwid;
    UnixMs timestamp = 0;
    uint64_t flags = 0;
    uint32_t id = 0;
    std::vector<Thing> things;  // at most kMaxThings
    Address issued_to;
    Address signed_by;
    Signature signature{};

    // One COO at r's position; clears r.ok() on more than 16 things, truncation or a bad
    // signature block.
    static std::optional<CertificateOfOwnership> parse(Reader& r);
    static std::optional<CertificateOfOwnership> parse(std::span<const uint8_t> in);
    // Fails the writer if there are more than 16 things.
    void serialize(Writer& w) const;

    bool sign(const Identity& controller);
    bool verify(const Identity& controller) const;

    // Adding things: false when full (or for an endpoint that is not IPv4/IPv6).
    bool add_mac(Mac mac);
    bool add_ip(const Endpoint& ip);  // the port is ignored
    // Ownership as upstream checks it: a thing of that type whose value starts with the
    // address bytes (6 for a MAC, 4 for IPv4, 16 for IPv6).
    bool owns_mac(Mac mac) const;
    bool owns_ip(const Endpoint& ip) const;

    friend bool operator==(const CertificateOfOwnership&, const CertificateOfOwnership&) = default;

private:
    void write_signed_fields(Writer& w) const;
    bool owns(ThingType type, std::span<const uint8_t> value) const;
};

}  // namespace zt::vl2
