// The production zt::Rng: libsodium's randombytes (getrandom underneath). The core never
// calls it directly (STYLE §1); the runtime passes this in.
//
// The core asks for 8 bytes per packet (packet ids); libsodium's Linux backend makes one
// getrandom() syscall per call, which showed up in profiles (~1.8% of the node's time at
// 1 Gbit/s). Bytes are therefore drawn 4 KiB at a time and handed out from a buffer that is
// wiped as it is consumed.
#pragma once

#include <sodium.h>

#include <array>
#include <cstring>

#include "core/rng.hpp"

namespace zt::link {

class SodiumRng final : public Rng {
public:
    ~SodiumRng() override { sodium_memzero(buf_.data(), buf_.size()); }

    void fill(std::span<uint8_t> out) override {
        if (out.size() > buf_.size() / 4) {  // large requests (keys): straight from the source
            randombytes_buf(out.data(), out.size());
            return;
        }
        if (out.size() > buf_.size() - pos_) {
            randombytes_buf(buf_.data(), buf_.size());
            pos_ = 0;
        }
        std::memcpy(out.data(), buf_.data() + pos_, out.size());
        sodium_memzero(buf_.data() + pos_, out.size());
        pos_ += out.size();
    }

private:
    std::array<uint8_t, 4096> buf_{};
    size_t pos_ = sizeof(buf_);  // empty: the first call fills it
};

}  // namespace zt::link
