// PUSH_DIRECT_PATHS (verb 0x10), spec §5.14: a peer tells us its physical addresses so we
// can try a direct path. No reply.
//
//   <[2] record count N>
//   N x ( <[1] flags: 0x01 forget path, 0x02 cluster redirect> <[2] extension length E>
//         <[E] extension data (skipped)> <[1] address type: 4 or 6>
//         <[1] address length: 6 or 18> <[4|16] IP address> <[2] UDP port> )
//
// Records of another address type are skipped by their length, as 1.14 does. Extension
// data is not kept; serialize() writes E = 0.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct DirectPath {
    static constexpr uint8_t kFlagForget = 0x01;
    static constexpr uint8_t kFlagClusterRedirect = 0x02;

    uint8_t flags = 0;
    Endpoint endpoint;  // v4 or v6
    friend bool operator==(const DirectPath&, const DirectPath&) = default;
};

struct PushDirectPaths {
    // Paths kept; further valid records are length-checked and skipped (upstream uses at
    // most 8 per scope and family anyway).
    static constexpr size_t kMaxPaths = 32;
    static constexpr size_t kMandatoryLength = 2;

    std::array<DirectPath, kMaxPaths> paths{};
    size_t count = 0;

    static std::optional<PushDirectPaths> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl1
