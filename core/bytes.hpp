// Hex text <-> bytes, for identities, keys and test vectors. Not for the packet path.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zt {

using Bytes = std::vector<uint8_t>;

inline int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

inline std::string to_hex(std::span<const uint8_t> b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (uint8_t x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

// Case-insensitive; odd length or a non-hex character gives nullopt.
inline std::optional<Bytes> from_hex(std::string_view s) {
    if (s.size() % 2) return std::nullopt;
    Bytes out(s.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = uint8_t((hi << 4) | lo);
    }
    return out;
}

}  // namespace zt
