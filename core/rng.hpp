// Randomness enters the core only through this interface: libsodium's randombytes in the
// node runtime, a seeded generator in tests (deterministic runs).
#pragma once

#include <cstdint>
#include <span>

namespace zt {

class Rng {
public:
    virtual void fill(std::span<uint8_t> out) = 0;
    uint64_t next_u64() {
        uint8_t b[8];
        fill(b);
        uint64_t v = 0;
        for (uint8_t x : b) v = (v << 8) | x;
        return v;
    }
    virtual ~Rng() = default;
};

// Deterministic xorshift-style generator for tests and simulations. Not for keys in
// production.
class SeededRng final : public Rng {
public:
    explicit SeededRng(uint64_t seed) : s_(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
    void fill(std::span<uint8_t> out) override {
        for (auto& b : out) {
            s_ ^= s_ << 13;
            s_ ^= s_ >> 7;
            s_ ^= s_ << 17;
            b = uint8_t(s_ >> 24);
        }
    }

private:
    uint64_t s_;
};

}  // namespace zt
