// MULTICAST_LIKE (verb 0x09), spec §5.8: the multicast groups (MAC, ADI) a member subscribes
// to, possibly on several networks. No reply; subscriptions expire after 600 s.
//
//   <[8] network id> <[6] group MAC> <[4] group ADI>   repeated (18 bytes each)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct MulticastLike {
    static constexpr size_t kEntryLength = 18;
    static constexpr size_t kMandatoryLength = kEntryLength;

    struct Entry {
        NetworkId nwid;
        Mac group_mac;
        uint32_t group_adi = 0;
        friend bool operator==(const Entry&, const Entry&) = default;
    };
    std::vector<Entry> entries;

    // At least one entry, and a whole number of them.
    static std::optional<MulticastLike> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl2
