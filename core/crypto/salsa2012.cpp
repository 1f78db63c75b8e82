// Salsa20/12 dispatch and the portable (libsodium) implementation; Salsa20/20 through
// libsodium. The SIMD kernels live in salsa2012_simd.cpp.
#include "core/crypto/salsa2012.hpp"

#include <sodium.h>

#include <cstring>

#include "core/crypto/salsa2012_simd.hpp"

namespace zt::crypto {
namespace {

// The 16-byte input of the Salsa20 core: nonce[8] || block counter (64-bit little-endian).
void core_input(uint8_t in[16], const uint8_t nonce[8], uint64_t counter) {
    std::memcpy(in, nonce, 8);
    for (int i = 0; i < 8; ++i) in[8 + i] = uint8_t(counter >> (8 * i));
}

void xor_bytes(uint8_t* out, const uint8_t* in, const uint8_t* ks, size_t n) {
    for (size_t i = 0; i < n; ++i) out[i] = in[i] ^ ks[i];
}

}  // namespace

// Portable: libsodium only exposes salsa2012 from counter 0, so an arbitrary starting
// block goes through crypto_core_salsa2012 one block at a time.
void salsa2012_xor_portable(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                            const uint8_t nonce[8], uint64_t block_counter) {
    if (n == 0) return;
    if (block_counter == 0) {
        crypto_stream_salsa2012_xor(out, in, n, nonce, key);
        return;
    }
    uint8_t core_in[16];
    uint8_t block[salsa_block_bytes];
    while (n > 0) {
        core_input(core_in, nonce, block_counter++);
        crypto_core_salsa2012(block, core_in, key, nullptr);
        size_t take = n < salsa_block_bytes ? n : salsa_block_bytes;
        xor_bytes(out, in, block, take);
        out += take;
        in += take;
        n -= take;
    }
    sodium_memzero(block, sizeof block);
}

bool salsa2012_impl_available(Salsa2012Impl impl) {
    switch (impl) {
    case Salsa2012Impl::portable: return true;
    case Salsa2012Impl::sse2: return simd::sse2_available();
    case Salsa2012Impl::avx2: return simd::avx2_available();
    }
    return false;
}

Salsa2012Impl salsa2012_best_impl() {
    // Decided once; cpuid does not change while the process runs.
    static const Salsa2012Impl best = salsa2012_impl_available(Salsa2012Impl::avx2)   ? Salsa2012Impl::avx2
                                      : salsa2012_impl_available(Salsa2012Impl::sse2) ? Salsa2012Impl::sse2
                                                                                      : Salsa2012Impl::portable;
    return best;
}

const char* salsa2012_impl_name(Salsa2012Impl impl) {
    switch (impl) {
    case Salsa2012Impl::portable: return "portable (libsodium)";
    case Salsa2012Impl::sse2: return "sse2 (4 blocks)";
    case Salsa2012Impl::avx2: return "avx2 (8 blocks)";
    }
    return "?";
}

void salsa2012_xor_with(Salsa2012Impl impl, uint8_t* out, const uint8_t* in, size_t n,
                        const uint8_t key[32], const uint8_t nonce[8], uint64_t block_counter) {
    switch (impl) {
    case Salsa2012Impl::avx2: simd::salsa2012_xor_avx2(out, in, n, key, nonce, block_counter); return;
    case Salsa2012Impl::sse2: simd::salsa2012_xor_sse2(out, in, n, key, nonce, block_counter); return;
    case Salsa2012Impl::portable: break;
    }
    salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
}

void salsa2012_xor(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                   const uint8_t nonce[8], uint64_t block_counter) {
    salsa2012_xor_with(salsa2012_best_impl(), out, in, n, key, nonce, block_counter);
}

void salsa2012_keystream(uint8_t* out, size_t n, const uint8_t key[32], const uint8_t nonce[8],
                         uint64_t block_counter) {
    std::memset(out, 0, n);
    salsa2012_xor(out, out, n, key, nonce, block_counter);
}

void salsa20_xor(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                 const uint8_t nonce[8], uint64_t block_counter) {
    if (n == 0) return;
    crypto_stream_salsa20_xor_ic(out, in, n, nonce, block_counter, key);
}

void salsa20_keystream(uint8_t* out, size_t n, const uint8_t key[32], const uint8_t nonce[8],
                       uint64_t block_counter) {
    std::memset(out, 0, n);
    salsa20_xor(out, out, n, key, nonce, block_counter);
}

}  // namespace zt::crypto
