// Internal to core/crypto: the vectorized Salsa20/12 kernels behind salsa2012_xor().
// Each kernel has the salsa2012_xor contract; calling one whose *_available() is false
// falls back to the portable implementation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zt::crypto {

void salsa2012_xor_portable(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                            const uint8_t nonce[8], uint64_t block_counter);

namespace simd {

bool sse2_available();
bool avx2_available();

void salsa2012_xor_sse2(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[8], uint64_t block_counter);
void salsa2012_xor_avx2(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[8], uint64_t block_counter);

}  // namespace simd
}  // namespace zt::crypto
