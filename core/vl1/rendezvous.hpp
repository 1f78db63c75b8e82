// RENDEZVOUS (verb 0x05), spec §5.4: a root tells us where a peer can be reached, so both
// sides can punch through NAT. Honoured only from a root for a peer we know; no reply.
//
//   <[1] flags (0)> <[5] peer address> <[2] UDP port> <[1] address length: 4 or 16>
//   <[4|16] IP address>
//
// Fixed size: exactly 13 (IPv4) or 25 (IPv6) bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct Rendezvous {
    static constexpr size_t kMandatoryLength = 13;

    uint8_t flags = 0;
    Address peer;
    Endpoint at;  // v4 or v6

    static std::optional<Rendezvous> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl1
