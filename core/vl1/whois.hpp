// WHOIS (verb 0x04), spec §5.3: identity lookup, normally sent to a root. Answered with
// OK(WHOIS) (ok.hpp) for the addresses known; nothing for the others.
//
//   <[5] address> [<[5] address> ...]    one or more
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct Whois {
    static constexpr size_t kMandatoryLength = 5;

    std::span<const uint8_t> raw;  // count() x 5 bytes, validated; a view into the payload

    size_t count() const { return raw.size() / 5; }
    Address address(size_t i) const;  // precondition: i < count()

    // At least one address and a whole number of them.
    static std::optional<Whois> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const { w.bytes(raw); }
    // Builds a request (we send one address per WHOIS, as 1.14 does).
    static void serialize(Writer& w, std::span<const Address> addresses);
};

}  // namespace zt::vl1
