// The symmetric primitives behind suites 0 and 1 (spec §4.3) and the HELLO cryptField
// (§4.5): Salsa20/12 keystream and Poly1305 from core/crypto. Private to core/wire; the
// one place where the wire layer calls into the primitives.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zt::wire::detail {

// data[i] ^= Salsa20/12(key, nonce) keystream byte (64 * first_block + i), in place.
void salsa2012_xor(uint8_t* data, size_t n, const uint8_t key[32], const uint8_t nonce[8],
                   uint64_t first_block);

// out[0..63] = keystream block 0.
void salsa2012_block0(uint8_t out[64], const uint8_t key[32], const uint8_t nonce[8]);

// tag = Poly1305(key, msg[0..n-1]).
void poly1305(uint8_t tag[16], const uint8_t* msg, size_t n, const uint8_t key[32]);

// Constant-time comparison of two 8-byte MACs.
bool mac8_equal(const uint8_t a[8], const uint8_t b[8]);

// Wipes key material off the stack.
void wipe(void* p, size_t n);

}  // namespace zt::wire::detail
