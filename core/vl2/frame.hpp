// FRAME (verb 0x06), spec §5.5: a unicast Ethernet frame whose MACs are implicit:
// source = MAC(sender, nwid), destination = MAC(recipient, nwid) (§6.2).
//
//   <[8] network id> <[2] EtherType> <[...] Ethernet payload (no Ethernet header)>
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct Frame {
    static constexpr size_t kMandatoryLength = 10;

    NetworkId nwid;
    uint16_t ether_type = 0;
    std::span<const uint8_t> payload;  // a view into the parsed packet

    static std::optional<Frame> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl2
