// The production zt::Rng: libsodium's randombytes (getrandom underneath). The core never
// calls it directly (STYLE §1); the runtime passes this in.
#pragma once

#include <sodium.h>

#include "core/rng.hpp"

namespace zt::link {

class SodiumRng final : public Rng {
public:
    void fill(std::span<uint8_t> out) override { randombytes_buf(out.data(), out.size()); }
};

}  // namespace zt::link
