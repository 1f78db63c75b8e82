// The SSE2 and AVX2 Salsa20/12 kernels against the portable (libsodium) implementation,
// byte for byte: every length 0..4096, odd offsets, in place, counters that carry into the
// high word and wrap around 2^64, and the upstream keystream vector.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "core/crypto/salsa2012.hpp"
#include "json.hpp"
#include "test_util.hpp"

using namespace zt::crypto;

namespace {

std::vector<Salsa2012Impl> simd_impls() {
    std::vector<Salsa2012Impl> v;
    for (auto i : {Salsa2012Impl::sse2, Salsa2012Impl::avx2})
        if (salsa2012_impl_available(i)) v.push_back(i);
    return v;
}

struct Fixture {
    uint8_t key[32];
    uint8_t nonce[8];
    std::vector<uint8_t> msg;
    Fixture() : msg(4096 + 64) {
        for (int i = 0; i < 32; ++i) key[i] = uint8_t(0x80 + 3 * i);
        for (int i = 0; i < 8; ++i) nonce[i] = uint8_t(0x11 * (i + 1));
        for (size_t i = 0; i < msg.size(); ++i) msg[i] = uint8_t(i * 131 + 7);
    }
};

}  // namespace

TEST_CASE("salsa2012 simd: the upstream keystream vector", "[crypto]") {
    const auto j = ztest::load_vectors("salsa20.json");
    const auto& v = j["vectors"][1];
    REQUIRE(v["rounds"].u64() == 12);
    auto key = ztest::hex(v["key"].s()), iv = ztest::hex(v["iv"].s());
    for (auto impl : simd_impls()) {
        INFO(salsa2012_impl_name(impl));
        std::vector<uint8_t> ks(640, 0);  // long enough to use the vector passes
        salsa2012_xor_with(impl, ks.data(), ks.data(), ks.size(), key.data(), iv.data());
        CHECK(zt::to_hex(std::span(ks).first(64)) == v["keystream_first_64"].s());
    }
}

TEST_CASE("salsa2012 simd: every length 0..4096 matches libsodium", "[crypto]") {
    Fixture f;
    std::vector<uint8_t> ref(f.msg.size()), got(f.msg.size());
    for (auto impl : simd_impls()) {
        INFO(salsa2012_impl_name(impl));
        for (uint64_t counter : {uint64_t(0), uint64_t(1), uint64_t(5)}) {
            for (size_t n = 0; n <= 4096; ++n) {
                INFO("n " << n << " counter " << counter);
                salsa2012_xor_with(Salsa2012Impl::portable, ref.data(), f.msg.data(), n, f.key, f.nonce, counter);
                got.assign(got.size(), 0xA5);
                salsa2012_xor_with(impl, got.data(), f.msg.data(), n, f.key, f.nonce, counter);
                REQUIRE(std::equal(got.begin(), got.begin() + long(n), ref.begin()));
                REQUIRE(got[n] == 0xA5);  // nothing written past the end
            }
        }
    }
}

TEST_CASE("salsa2012 simd: counters carrying into the high word and wrapping", "[crypto]") {
    Fixture f;
    std::vector<uint8_t> ref(f.msg.size()), got(f.msg.size());
    const uint64_t counters[] = {0xfffffff0ULL, 0xfffffffdULL, 0x1ffffffffULL, 0xfffffffffffffffaULL,
                                 0x0123456789abcdefULL};
    for (auto impl : simd_impls()) {
        INFO(salsa2012_impl_name(impl));
        for (uint64_t counter : counters) {
            for (size_t n : {size_t(1), size_t(63), size_t(64), size_t(65), size_t(255), size_t(257), size_t(511),
                             size_t(513), size_t(1400), size_t(2800), size_t(4096)}) {
                INFO("n " << n << " counter " << counter);
                salsa2012_xor_with(Salsa2012Impl::portable, ref.data(), f.msg.data(), n, f.key, f.nonce, counter);
                salsa2012_xor_with(impl, got.data(), f.msg.data(), n, f.key, f.nonce, counter);
                REQUIRE(std::equal(got.begin(), got.begin() + long(n), ref.begin()));
            }
        }
    }
}

TEST_CASE("salsa2012 simd: unaligned buffers and in-place operation", "[crypto]") {
    Fixture f;
    for (auto impl : simd_impls()) {
        INFO(salsa2012_impl_name(impl));
        for (size_t off : {size_t(1), size_t(3), size_t(17), size_t(31)}) {
            for (size_t n : {size_t(77), size_t(1399), size_t(2801)}) {
                INFO("offset " << off << " n " << n);
                std::vector<uint8_t> ref(n), buf(n + 64);
                salsa2012_xor_with(Salsa2012Impl::portable, ref.data(), f.msg.data() + off, n, f.key, f.nonce, 1);
                std::copy(f.msg.begin() + long(off), f.msg.begin() + long(off + n), buf.begin() + long(off));
                salsa2012_xor_with(impl, buf.data() + off, buf.data() + off, n, f.key, f.nonce, 1);
                REQUIRE(std::equal(ref.begin(), ref.end(), buf.begin() + long(off)));
            }
        }
    }
}

TEST_CASE("salsa2012: the dispatching entry point uses the best kernel and agrees", "[crypto]") {
    Fixture f;
    CHECK(salsa2012_impl_available(Salsa2012Impl::portable));
    INFO(salsa2012_impl_name(salsa2012_best_impl()));
    std::vector<uint8_t> ref(1500), got(1500);
    salsa2012_xor_with(Salsa2012Impl::portable, ref.data(), f.msg.data(), 1500, f.key, f.nonce, 1);
    salsa2012_xor(got.data(), f.msg.data(), 1500, f.key, f.nonce, 1);
    CHECK(ref == got);
}
