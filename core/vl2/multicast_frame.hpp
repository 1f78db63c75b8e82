// MULTICAST_FRAME (verb 0x0e), spec §5.13: a multicast or broadcast Ethernet frame sent
// to each subscriber of a group (MAC, ADI) (§6.3).
//
//   <[8] network id> <[1] flags> [<[var] COM (§8.6)> if flags & 0x01]
//   [<[4] implicit gather limit> if flags & 0x02] [<[6] source MAC> if flags & 0x04]
//   <[6] group MAC> <[4] group ADI> <[2] EtherType> <[...] payload>
//
// flags: 0x01 COM (deprecated, skipped), 0x02 gather limit present (reply OK(MULTICAST_FRAME)
// with gather results), 0x04 source MAC present (else MAC(sender, nwid)), 0x08 please replicate.
//
//   OK body:  <[8] network id> <[6] group MAC> <[4] group ADI> <[1] flags>
//             [<[var] COM> if flags & 0x01] [<gather results (multicast_gather.hpp)> if flags & 0x02]
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct MulticastFrame {
    static constexpr uint8_t kFlagCom = 0x01;
    static constexpr uint8_t kFlagGatherLimit = 0x02;
    static constexpr uint8_t kFlagSourceMac = 0x04;
    static constexpr uint8_t kFlagReplicate = 0x08;
    static constexpr size_t kMandatoryLength = 21;

    NetworkId nwid;
    // As on the wire; serialize() derives bits 0x01/0x02/0x04 from com/gather_limit/source.
    uint8_t flags = 0;
    std::span<const uint8_t> com;          // empty if none (a view)
    std::optional<uint32_t> gather_limit;
    std::optional<Mac> source;
    Mac group_mac;
    uint32_t group_adi = 0;
    uint16_t ether_type = 0;
    std::span<const uint8_t> payload;      // a view

    static std::optional<MulticastFrame> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

// OK(MULTICAST_FRAME) body (§5.13): the answer to a frame that carried a gather limit.
struct OkMulticastFrame {
    static constexpr uint8_t kFlagCom = 0x01;
    static constexpr uint8_t kFlagGatherResults = 0x02;
    static constexpr size_t kMandatoryLength = 19;

    NetworkId nwid;
    Mac group_mac;
    uint32_t group_adi = 0;
    // As on the wire; serialize() derives bits 0x01/0x02 from com/gather.
    uint8_t flags = 0;
    std::span<const uint8_t> com;          // empty if none (a view; old peers send one)
    std::optional<GatherResults> gather;

    // Bytes after the last present part are ignored.
    static std::optional<OkMulticastFrame> parse(std::span<const uint8_t> body);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl2
