// Salsa20 stream cipher with 12 rounds (packet armor, spec §4.3 and §4.5) and 20 rounds
// (the memory-hard address hash, spec §1.3). 256-bit key, 64-bit nonce, 64-bit block
// counter (little-endian in the state), one block = 64 bytes of keystream.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zt::crypto {

inline constexpr size_t salsa_key_bytes = 32;
inline constexpr size_t salsa_nonce_bytes = 8;
inline constexpr size_t salsa_block_bytes = 64;

// out[i] = in[i] XOR keystream[64 * block_counter + i], i = 0..n-1.
// out may equal in (in-place); other overlaps are not allowed. Dispatches to the
// fastest implementation this CPU supports (AVX2, SSE2, or libsodium).
void salsa2012_xor(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                   const uint8_t nonce[8], uint64_t block_counter = 0);

// out[0..n-1] = keystream starting at block block_counter (i.e. zeros encrypted).
void salsa2012_keystream(uint8_t* out, size_t n, const uint8_t key[32], const uint8_t nonce[8],
                         uint64_t block_counter = 0);

// Salsa20/20 with the same conventions; used by the memory-hard hash (spec §1.3).
void salsa20_xor(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                 const uint8_t nonce[8], uint64_t block_counter = 0);
void salsa20_keystream(uint8_t* out, size_t n, const uint8_t key[32], const uint8_t nonce[8],
                       uint64_t block_counter = 0);

// The Salsa20/12 implementations, selectable for tests and benchmarks. `portable` is
// libsodium (scalar); `sse2` runs 4 blocks per pass, `avx2` 8 blocks.
enum class Salsa2012Impl : uint8_t { portable, sse2, avx2 };

bool salsa2012_impl_available(Salsa2012Impl impl);
Salsa2012Impl salsa2012_best_impl();
const char* salsa2012_impl_name(Salsa2012Impl impl);

// Same contract as salsa2012_xor, with a chosen implementation (must be available).
void salsa2012_xor_with(Salsa2012Impl impl, uint8_t* out, const uint8_t* in, size_t n,
                        const uint8_t key[32], const uint8_t nonce[8], uint64_t block_counter = 0);

}  // namespace zt::crypto
