// Poly1305 one-time authenticator (libsodium), used by cipher suites 0 and 1 (spec §4.3):
// the key is the first 32 bytes of Salsa20/12 keystream block 0 and only tag[0..7] goes
// on the wire.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace zt::crypto {

inline constexpr size_t poly1305_key_bytes = 32;
inline constexpr size_t poly1305_tag_bytes = 16;
using Poly1305Tag = std::array<uint8_t, poly1305_tag_bytes>;

// The full 16-byte tag of msg under a one-time key.
Poly1305Tag poly1305(std::span<const uint8_t> msg, std::span<const uint8_t, poly1305_key_bytes> key);

// Constant-time check of a truncated tag: expected.size() (1..16) leading bytes of the tag.
bool poly1305_verify_prefix(std::span<const uint8_t> expected, std::span<const uint8_t> msg,
                            std::span<const uint8_t, poly1305_key_bytes> key);

}  // namespace zt::crypto
