// Salsa20/12 and Poly1305 for suites 0/1 and the HELLO cryptField, forwarded to
// core/crypto (Salsa20/12 picks its SSE2/AVX2 kernel there).
#include "core/wire/cipher_suite01.hpp"

#include <sodium.h>

#include "core/crypto/poly1305.hpp"
#include "core/crypto/salsa2012.hpp"

namespace zt::wire::detail {

void salsa2012_xor(uint8_t* data, size_t n, const uint8_t key[32], const uint8_t nonce[8],
                   uint64_t first_block) {
    crypto::salsa2012_xor(data, data, n, key, nonce, first_block);
}

void salsa2012_block0(uint8_t out[64], const uint8_t key[32], const uint8_t nonce[8]) {
    crypto::salsa2012_keystream(out, 64, key, nonce, 0);
}

void poly1305(uint8_t tag[16], const uint8_t* msg, size_t n, const uint8_t key[32]) {
    const crypto::Poly1305Tag t = crypto::poly1305(std::span<const uint8_t>(msg, n),
                                                   std::span<const uint8_t, crypto::poly1305_key_bytes>(key, 32));
    for (size_t i = 0; i < 16; ++i) tag[i] = t[i];
}

bool mac8_equal(const uint8_t a[8], const uint8_t b[8]) { return sodium_memcmp(a, b, 8) == 0; }

void wipe(void* p, size_t n) { sodium_memzero(p, n); }

}  // namespace zt::wire::detail
