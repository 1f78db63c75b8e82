// EXT_FRAME (verb 0x07), spec §5.6: an Ethernet frame with explicit MACs (bridging,
// TEE/REDIRECT/WATCH rule actions).
//
//   <[8] network id> <[1] flags> [<[var] COM (§8.6)> if flags & 0x01]
//   <[6] destination MAC> <[6] source MAC> <[2] EtherType> <[...] payload>
//
// flags: 0x01 COM attached (deprecated, skipped), subtype (flags >> 1) & 7
// (0 normal, 1-3 TEE/REDIRECT/WATCH outbound, 4-6 inbound), 0x10 ACK requested
// (reply OK(EXT_FRAME) with <[8] network id>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct ExtFrame {
    static constexpr uint8_t kFlagCom = 0x01;
    static constexpr uint8_t kFlagAckRequested = 0x10;
    static constexpr size_t kMandatoryLength = 23;

    NetworkId nwid;
    uint8_t flags = 0;              // as on the wire; serialize() sets 0x01 iff com is non-empty
    std::span<const uint8_t> com;   // the skipped COM's bytes, empty if none (a view)
    Mac dest;
    Mac source;
    uint16_t ether_type = 0;
    std::span<const uint8_t> payload;  // a view

    uint8_t subtype() const { return uint8_t((flags >> 1) & 0x07); }
    bool ack_requested() const { return flags & kFlagAckRequested; }

    static std::optional<ExtFrame> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl2
