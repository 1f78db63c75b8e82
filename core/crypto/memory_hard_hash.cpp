// Spec §1.3, step by step. G is filled by CBC-like chaining of Salsa20/20 keystream, then
// 131,072 data-dependent swaps between G and D, each followed by D ^= one more block.
#include "core/crypto/memory_hard_hash.hpp"

#include <sodium.h>

#include <cstring>
#include <memory>

#include "core/crypto/salsa2012.hpp"

namespace zt::crypto {
namespace {

constexpr size_t block_bytes = 64;
constexpr size_t g_blocks = memory_hard_scratch_bytes / block_bytes;  // 32,768
constexpr size_t g_words = memory_hard_scratch_bytes / 8;             // 262,144
constexpr size_t mix_steps = g_words / 2;                             // 131,072
constexpr size_t ks_chunk_blocks = 64;  // keystream for the mix step, 4 KiB at a time

uint64_t load_be64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}

}  // namespace

MemoryHardDigest memory_hard_digest(std::span<const uint8_t, 64> public_key,
                                    std::span<uint8_t, memory_hard_scratch_bytes> scratch) {
    // 1. D = SHA-512(public key).
    MemoryHardDigest d;
    crypto_hash_sha512(d.data(), public_key.data(), public_key.size());

    // 2. Salsa20/20 key and nonce are fixed from this first D, even though D changes below.
    uint8_t key[32], nonce[8];
    std::memcpy(key, d.data(), 32);
    std::memcpy(nonce, d.data() + 32, 8);

    // 3. Block 0 = keystream block 0; block k = block k-1 XOR keystream block k.
    uint8_t* g = scratch.data();
    salsa20_keystream(g, memory_hard_scratch_bytes, key, nonce, 0);
    for (size_t k = 1; k < g_blocks; ++k) {
        uint8_t* cur = g + k * block_bytes;
        const uint8_t* prev = cur - block_bytes;
        for (size_t i = 0; i < block_bytes; ++i) cur[i] ^= prev[i];
    }

    // 4. Mix. Words 2j and 2j+1 are read after all earlier swaps (G changes in place).
    uint8_t ks[ks_chunk_blocks * block_bytes];
    for (size_t j = 0; j < mix_steps; ++j) {
        if (j % ks_chunk_blocks == 0) salsa20_keystream(ks, sizeof ks, key, nonce, g_blocks + j);
        const uint64_t w1 = load_be64(g + 16 * j);
        const uint64_t w2 = load_be64(g + 16 * j + 8);
        uint8_t* dw = d.data() + 8 * (w1 % 8);
        uint8_t* gw = g + 8 * (w2 % g_words);
        uint8_t tmp[8];
        std::memcpy(tmp, gw, 8);
        std::memcpy(gw, dw, 8);
        std::memcpy(dw, tmp, 8);
        const uint8_t* kb = ks + (j % ks_chunk_blocks) * block_bytes;
        for (size_t i = 0; i < block_bytes; ++i) d[i] ^= kb[i];
    }
    // 5. Output D.
    return d;
}

MemoryHardDigest memory_hard_digest(std::span<const uint8_t, 64> public_key) {
    auto scratch = std::make_unique_for_overwrite<uint8_t[]>(memory_hard_scratch_bytes);
    return memory_hard_digest(public_key, std::span<uint8_t, memory_hard_scratch_bytes>(scratch.get(), memory_hard_scratch_bytes));
}

}  // namespace zt::crypto
