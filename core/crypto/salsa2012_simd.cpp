// Vectorized Salsa20/12: SSE2 (4 blocks per pass) and AVX2 (8 blocks per pass), written
// from the Salsa20 specification (Bernstein, "Salsa20 specification", 2005). Each vector
// holds one state word of 4 or 8 consecutive blocks ("vertical" layout), so the rounds need
// no shuffles; the 16 word vectors are transposed back into blocks at the end of a pass.
// On other architectures every kernel is the portable (libsodium) one.
#include "core/crypto/salsa2012_simd.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <sodium.h>

#include <cstring>

#define ZT_SSE2 __attribute__((target("sse2")))
#define ZT_AVX2 __attribute__((target("avx2")))

namespace zt::crypto::simd {
namespace {

constexpr size_t block_bytes = 64;
constexpr int double_rounds = 6;  // 12 rounds

// The initial state of block `counter` (Salsa20 spec §9 "expansion", 32-byte key):
//   x0 = "expa", x1..x4 = key[0..15], x5 = "nd 3", x6 x7 = nonce, x8 x9 = counter (lo, hi),
//   x10 = "2-by", x11..x14 = key[16..31], x15 = "te k"; all words little-endian.
struct State {
    uint32_t w[16];
};

State initial_state(const uint8_t key[32], const uint8_t nonce[8]) {
    State s;
    uint32_t k[8], n[2];
    std::memcpy(k, key, 32);  // x86 is little-endian, as the state words are
    std::memcpy(n, nonce, 8);
    s.w[0] = 0x61707865;
    s.w[5] = 0x3320646e;
    s.w[10] = 0x79622d32;
    s.w[15] = 0x6b206574;
    for (int i = 0; i < 4; ++i) {
        s.w[1 + i] = k[i];
        s.w[11 + i] = k[4 + i];
    }
    s.w[6] = n[0];
    s.w[7] = n[1];
    s.w[8] = s.w[9] = 0;
    return s;
}

// ---- SSE2: 4 blocks per pass -------------------------------------------------------------

template <int N>
ZT_SSE2 inline __m128i rotl128(__m128i v) {
    return _mm_or_si128(_mm_slli_epi32(v, N), _mm_srli_epi32(v, 32 - N));
}

// quarterround(a, b, c, d): b ^= (a+d)<<<7; c ^= (b+a)<<<9; d ^= (c+b)<<<13; a ^= (d+c)<<<18.
ZT_SSE2 inline void quarter128(__m128i& a, __m128i& b, __m128i& c, __m128i& d) {
    b = _mm_xor_si128(b, rotl128<7>(_mm_add_epi32(a, d)));
    c = _mm_xor_si128(c, rotl128<9>(_mm_add_epi32(b, a)));
    d = _mm_xor_si128(d, rotl128<13>(_mm_add_epi32(c, b)));
    a = _mm_xor_si128(a, rotl128<18>(_mm_add_epi32(d, c)));
}

// Transposes 4 word vectors (words 4g..4g+3 of blocks 0..3) and XORs them into the
// 16-byte slot g of each of the 4 blocks.
ZT_SSE2 inline void store4x4(uint8_t* out, const uint8_t* in, size_t g, __m128i a, __m128i b, __m128i c, __m128i d) {
    const __m128i t0 = _mm_unpacklo_epi32(a, b), t1 = _mm_unpacklo_epi32(c, d);
    const __m128i t2 = _mm_unpackhi_epi32(a, b), t3 = _mm_unpackhi_epi32(c, d);
    const __m128i r[4] = {_mm_unpacklo_epi64(t0, t1), _mm_unpackhi_epi64(t0, t1), _mm_unpacklo_epi64(t2, t3),
                          _mm_unpackhi_epi64(t2, t3)};
    for (size_t blk = 0; blk < 4; ++blk) {
        const size_t off = blk * block_bytes + 16 * g;
        const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + off));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + off), _mm_xor_si128(m, r[blk]));
    }
}

// XORs 4 blocks (256 bytes) of keystream, blocks counter..counter+3, into out.
ZT_SSE2 void pass4(uint8_t* out, const uint8_t* in, const State& s, uint64_t counter) {
    __m128i x[16], orig[16];
    for (int i = 0; i < 16; ++i) orig[i] = _mm_set1_epi32(int(s.w[i]));
    uint32_t lo[4], hi[4];
    for (int i = 0; i < 4; ++i) {
        lo[i] = uint32_t(counter + uint64_t(i));
        hi[i] = uint32_t((counter + uint64_t(i)) >> 32);
    }
    orig[8] = _mm_setr_epi32(int(lo[0]), int(lo[1]), int(lo[2]), int(lo[3]));
    orig[9] = _mm_setr_epi32(int(hi[0]), int(hi[1]), int(hi[2]), int(hi[3]));
    for (int i = 0; i < 16; ++i) x[i] = orig[i];

#pragma GCC unroll 2
    for (int r = 0; r < double_rounds; ++r) {
        // Column round.
        quarter128(x[0], x[4], x[8], x[12]);
        quarter128(x[5], x[9], x[13], x[1]);
        quarter128(x[10], x[14], x[2], x[6]);
        quarter128(x[15], x[3], x[7], x[11]);
        // Row round.
        quarter128(x[0], x[1], x[2], x[3]);
        quarter128(x[5], x[6], x[7], x[4]);
        quarter128(x[10], x[11], x[8], x[9]);
        quarter128(x[15], x[12], x[13], x[14]);
    }
    for (int i = 0; i < 16; ++i) x[i] = _mm_add_epi32(x[i], orig[i]);
    for (size_t g = 0; g < 4; ++g) store4x4(out, in, g, x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
}

// ---- AVX2: 8 blocks per pass -------------------------------------------------------------

template <int N>
ZT_AVX2 inline __m256i rotl256(__m256i v) {
    return _mm256_or_si256(_mm256_slli_epi32(v, N), _mm256_srli_epi32(v, 32 - N));
}

ZT_AVX2 inline void quarter256(__m256i& a, __m256i& b, __m256i& c, __m256i& d) {
    b = _mm256_xor_si256(b, rotl256<7>(_mm256_add_epi32(a, d)));
    c = _mm256_xor_si256(c, rotl256<9>(_mm256_add_epi32(b, a)));
    d = _mm256_xor_si256(d, rotl256<13>(_mm256_add_epi32(c, b)));
    a = _mm256_xor_si256(a, rotl256<18>(_mm256_add_epi32(d, c)));
}

// 4x4 transpose inside each 128-bit half: r[k] holds words 4g..4g+3 of block k in its
// low half and of block k+4 in its high half.
ZT_AVX2 inline void transpose8(__m256i a, __m256i b, __m256i c, __m256i d, __m256i r[4]) {
    const __m256i t0 = _mm256_unpacklo_epi32(a, b), t1 = _mm256_unpacklo_epi32(c, d);
    const __m256i t2 = _mm256_unpackhi_epi32(a, b), t3 = _mm256_unpackhi_epi32(c, d);
    r[0] = _mm256_unpacklo_epi64(t0, t1);
    r[1] = _mm256_unpackhi_epi64(t0, t1);
    r[2] = _mm256_unpacklo_epi64(t2, t3);
    r[3] = _mm256_unpackhi_epi64(t2, t3);
}

ZT_AVX2 inline void xor32(uint8_t* out, const uint8_t* in, __m256i ks) {
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_xor_si256(m, ks));
}

// XORs 8 blocks (512 bytes) of keystream, blocks counter..counter+7, into out.
ZT_AVX2 void pass8(uint8_t* out, const uint8_t* in, const State& s, uint64_t counter) {
    __m256i x[16], orig[16];
    for (int i = 0; i < 16; ++i) orig[i] = _mm256_set1_epi32(int(s.w[i]));
    uint32_t lo[8], hi[8];
    for (int i = 0; i < 8; ++i) {
        lo[i] = uint32_t(counter + uint64_t(i));
        hi[i] = uint32_t((counter + uint64_t(i)) >> 32);
    }
    orig[8] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo));
    orig[9] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi));
    for (int i = 0; i < 16; ++i) x[i] = orig[i];

#pragma GCC unroll 2
    for (int r = 0; r < double_rounds; ++r) {
        quarter256(x[0], x[4], x[8], x[12]);
        quarter256(x[5], x[9], x[13], x[1]);
        quarter256(x[10], x[14], x[2], x[6]);
        quarter256(x[15], x[3], x[7], x[11]);
        quarter256(x[0], x[1], x[2], x[3]);
        quarter256(x[5], x[6], x[7], x[4]);
        quarter256(x[10], x[11], x[8], x[9]);
        quarter256(x[15], x[12], x[13], x[14]);
    }
    for (int i = 0; i < 16; ++i) x[i] = _mm256_add_epi32(x[i], orig[i]);

    __m256i g0[4], g1[4], g2[4], g3[4];
    transpose8(x[0], x[1], x[2], x[3], g0);
    transpose8(x[4], x[5], x[6], x[7], g1);
    transpose8(x[8], x[9], x[10], x[11], g2);
    transpose8(x[12], x[13], x[14], x[15], g3);
    for (size_t k = 0; k < 4; ++k) {
        // Block k from the low halves, block k+4 from the high halves.
        uint8_t* o = out + k * block_bytes;
        const uint8_t* m = in + k * block_bytes;
        xor32(o, m, _mm256_permute2x128_si256(g0[k], g1[k], 0x20));
        xor32(o + 32, m + 32, _mm256_permute2x128_si256(g2[k], g3[k], 0x20));
        xor32(o + 4 * block_bytes, m + 4 * block_bytes, _mm256_permute2x128_si256(g0[k], g1[k], 0x31));
        xor32(o + 4 * block_bytes + 32, m + 4 * block_bytes + 32, _mm256_permute2x128_si256(g2[k], g3[k], 0x31));
    }
}

// ---- Driving the passes ------------------------------------------------------------------

using Pass = void (*)(uint8_t*, const uint8_t*, const State&, uint64_t);

// A last, partial pass: through a zero-padded copy, so nothing is read or written past n.
template <size_t Blocks>
void partial_pass(Pass pass, uint8_t* out, const uint8_t* in, size_t n, const State& s, uint64_t counter) {
    alignas(32) uint8_t buf[Blocks * block_bytes] = {};
    std::memcpy(buf, in, n);
    pass(buf, buf, s, counter);
    std::memcpy(out, buf, n);
    sodium_memzero(buf, sizeof buf);  // keystream bytes
}

// Full passes of `Blocks` blocks, then whatever is left; returns the bytes not yet done.
template <size_t Blocks>
size_t full_passes(Pass pass, uint8_t*& out, const uint8_t*& in, size_t n, const State& s, uint64_t& counter) {
    constexpr size_t bytes = Blocks * block_bytes;
    while (n >= bytes) {
        pass(out, in, s, counter);
        out += bytes;
        in += bytes;
        n -= bytes;
        counter += Blocks;
    }
    return n;
}

// At most one block left: a single Salsa20/12 core call is cheaper than a vector pass.
constexpr size_t scalar_tail_max = block_bytes;

}  // namespace

bool sse2_available() {
#if defined(__x86_64__)
    return true;  // part of the x86-64 baseline
#else
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("sse2") != 0;
    }();
    return yes;
#endif
}

bool avx2_available() {
    // libgcc also checks that the OS saves the YMM registers (OSXSAVE/XCR0).
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return yes;
}

void salsa2012_xor_sse2(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[8], uint64_t block_counter) {
    if (!sse2_available() || n <= scalar_tail_max) {
        salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
        return;
    }
    const State s = initial_state(key, nonce);
    n = full_passes<4>(pass4, out, in, n, s, block_counter);
    if (n > scalar_tail_max) partial_pass<4>(pass4, out, in, n, s, block_counter);
    else if (n > 0) salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
}

void salsa2012_xor_avx2(uint8_t* out, const uint8_t* in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[8], uint64_t block_counter) {
    if (!avx2_available() || n <= scalar_tail_max) {
        salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
        return;
    }
    const State s = initial_state(key, nonce);
    n = full_passes<8>(pass8, out, in, n, s, block_counter);
    // Tail: one more 8-block pass if more than half of it is needed, else 4-block passes.
    if (n > 4 * block_bytes) {
        partial_pass<8>(pass8, out, in, n, s, block_counter);
        return;
    }
    n = full_passes<4>(pass4, out, in, n, s, block_counter);
    if (n > scalar_tail_max) partial_pass<4>(pass4, out, in, n, s, block_counter);
    else if (n > 0) salsa2012_xor_portable(out, in, n, key, nonce, block_counter);
}

}  // namespace zt::crypto::simd

#else  // not x86: no SIMD kernels yet

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

#endif
