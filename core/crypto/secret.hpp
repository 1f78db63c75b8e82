// Secret<N>: key material that cannot be copied by accident, is wiped when it dies and is
// compared only in constant time (STYLE §12).
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace zt {

template <size_t N>
class Secret {
public:
    Secret() { sodium_memzero(b_.data(), N); }
    explicit Secret(std::span<const uint8_t, N> src) {
        for (size_t i = 0; i < N; ++i) b_[i] = src[i];
    }
    ~Secret() { sodium_memzero(b_.data(), N); }

    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& o) noexcept : b_(o.b_) { sodium_memzero(o.b_.data(), N); }
    Secret& operator=(Secret&& o) noexcept {
        if (this != &o) {
            b_ = o.b_;
            sodium_memzero(o.b_.data(), N);
        }
        return *this;
    }
    // An explicit copy, for the rare place that must duplicate a key (e.g. peer table snapshots).
    Secret clone() const { return Secret(std::span<const uint8_t, N>(b_)); }

    static constexpr size_t size() { return N; }
    uint8_t* data() { return b_.data(); }
    const uint8_t* data() const { return b_.data(); }
    std::span<uint8_t, N> span() { return std::span<uint8_t, N>(b_); }
    std::span<const uint8_t, N> span() const { return std::span<const uint8_t, N>(b_); }

    bool equals(const Secret& o) const { return sodium_memcmp(b_.data(), o.b_.data(), N) == 0; }

private:
    std::array<uint8_t, N> b_;
};

// The 48-byte long-term key shared by two peers (spec §2.2, ZT_SYMMETRIC_KEY_SIZE).
using SymmetricKey = Secret<48>;

}  // namespace zt
