// ECHO (verb 0x08), spec §5.7: a ping and path keepalive. The payload is arbitrary (1.14
// sends it empty) and is copied back in OK(ECHO) (see ok.hpp).
//
//   <[...] payload>
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct Echo {
    std::span<const uint8_t> payload;  // a view into the parsed packet

    static std::optional<Echo> parse(std::span<const uint8_t> payload) { return Echo{payload}; }
    void serialize(Writer& w) const { w.bytes(payload); }
};

}  // namespace zt::vl1
