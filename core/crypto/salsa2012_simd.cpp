// Vectorized Salsa20/12 (placeholder: no SIMD kernels yet, everything is portable).
#include "core/crypto/salsa2012_simd.hpp"

namespace zt::crypto::simd {

bool sse2_available() { return false; }
bool avx2_available() { return false; }

void salsa2012_xor_sse2(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[8], uint64_t block_counter) {
    salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
}
void salsa2012_xor_avx2(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[8], uint64_t block_counter) {
    salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
}

}  // namespace zt::crypto::simd
