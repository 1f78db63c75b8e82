// Poly1305 through libsodium's crypto_onetimeauth_poly1305.
#include "core/crypto/poly1305.hpp"

#include <sodium.h>

namespace zt::crypto {

Poly1305Tag poly1305(std::span<const uint8_t> msg, std::span<const uint8_t, poly1305_key_bytes> key) {
    Poly1305Tag tag;
    crypto_onetimeauth_poly1305(tag.data(), msg.data(), msg.size(), key.data());
    return tag;
}

bool poly1305_verify_prefix(std::span<const uint8_t> expected, std::span<const uint8_t> msg,
                            std::span<const uint8_t, poly1305_key_bytes> key) {
    if (expected.empty() || expected.size() > poly1305_tag_bytes) return false;
    Poly1305Tag tag = poly1305(msg, key);
    return sodium_memcmp(tag.data(), expected.data(), expected.size()) == 0;
}

}  // namespace zt::crypto
