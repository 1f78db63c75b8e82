// InetAddress, the binary form of a physical (IP, port) address (spec §6.1), as it appears
// in HELLO, OK(HELLO), worlds and network configs. Converts to and from zt::Endpoint.
//
//   <[1] 0x00>                                 none / unknown              (1 byte)
//   <[1] 0x04> <[4] IPv4> <[2] port>            network byte order          (7 bytes)
//   <[1] 0x06> <[16] IPv6> <[2] port>                                       (19 bytes)
//   <[1] 0x01|0x02> <[6] reserved>              Ethernet / Bluetooth: skip  (7 bytes)
//   <[1] 0x03> <[2] length L> <[L] data>        "other": skip               (3 + L bytes)
//   any other first byte                        invalid: reject the containing structure
//
// Inside network configs (static IPs, routes) the port field carries the netmask bit
// count instead; InetPrefix reads that variant from the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::wire {

struct InetAddress {
    Endpoint endpoint;  // nil for 0x00 and for the skipped reserved types

    // Exactly one InetAddress filling the whole span.
    static std::optional<InetAddress> parse(std::span<const uint8_t> in);
    // One InetAddress at the reader's position; clears r.ok() on an unknown type or truncation.
    static InetAddress read(Reader& r);
    // A nil endpoint is written as the 1-byte 0x00 form.
    void serialize(Writer& w) const;
    size_t serialized_size() const;

    friend bool operator==(const InetAddress&, const InetAddress&) = default;
};

// The netmask-in-port variant: `address` has port 0, `bits` is the prefix length
// (<= 32 for IPv4, <= 128 for IPv6; larger values are rejected).
struct InetPrefix {
    Endpoint address;
    uint8_t bits = 0;

    static std::optional<InetPrefix> parse(std::span<const uint8_t> in);
    static InetPrefix read(Reader& r);
    void serialize(Writer& w) const;

    friend bool operator==(const InetPrefix&, const InetPrefix&) = default;
};

}  // namespace zt::wire
