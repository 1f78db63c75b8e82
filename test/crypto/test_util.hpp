// Helpers shared by the crypto tests: hex in, spans out.
#pragma once

#include <span>
#include <stdexcept>
#include <string>

#include "core/bytes.hpp"

namespace ztest {

inline zt::Bytes hex(const std::string& s) {
    auto b = zt::from_hex(s);
    if (!b) throw std::runtime_error("bad hex in test data: " + s);
    return *b;
}

template <size_t N>
std::span<const uint8_t, N> fixed(const zt::Bytes& b) {
    if (b.size() != N) throw std::runtime_error("test data has the wrong length");
    return std::span<const uint8_t, N>(b.data(), N);
}

}  // namespace ztest
