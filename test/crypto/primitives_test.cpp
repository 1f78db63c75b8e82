// Salsa20/20, Salsa20/12, Poly1305, SHA-512, SHA-384, HMAC-SHA-384, KBKDF.
// Sources: upstream selftest vectors (test/vectors/*.json), FIPS 180-4 examples,
// RFC 4231, and the spec author's derived AES-GMAC-SIV keys (derived_examples.json).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/crypto/poly1305.hpp"
#include "core/crypto/salsa2012.hpp"
#include "core/crypto/sha.hpp"
#include "json.hpp"
#include "test_util.hpp"

using namespace zt::crypto;
using ztest::hex;
using zt::to_hex;

namespace {
std::span<const uint8_t> ascii(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
}  // namespace

TEST_CASE("salsa20: upstream keystream vectors, 20 and 12 rounds", "[crypto]") {
    auto j = ztest::load_vectors("salsa20.json");
    REQUIRE(j["vectors"].size() == 2);
    for (const auto& v : j["vectors"].arr) {
        auto key = hex(v["key"].s()), iv = hex(v["iv"].s());
        uint8_t ks[64];
        if (v["rounds"].u64() == 20) salsa20_keystream(ks, 64, key.data(), iv.data());
        else salsa2012_keystream(ks, 64, key.data(), iv.data());
        CHECK(to_hex(ks) == v["keystream_first_64"].s());
    }
}

TEST_CASE("salsa2012: a nonzero starting counter continues the stream", "[crypto]") {
    uint8_t key[32], nonce[8];
    for (int i = 0; i < 32; ++i) key[i] = uint8_t(i * 7 + 1);
    for (int i = 0; i < 8; ++i) nonce[i] = uint8_t(0xf0 + i);
    std::vector<uint8_t> whole(64 * 20), tail(64 * 20 - 64 * 3 - 5);
    salsa2012_keystream(whole.data(), whole.size(), key, nonce);
    salsa2012_keystream(tail.data(), tail.size(), key, nonce, 3);
    CHECK(std::equal(tail.begin(), tail.end(), whole.begin() + 64 * 3));

    // XOR is its own inverse and matches keystream XOR plaintext.
    std::vector<uint8_t> msg(333), ct(333);
    for (size_t i = 0; i < msg.size(); ++i) msg[i] = uint8_t(i);
    salsa2012_xor(ct.data(), msg.data(), msg.size(), key, nonce, 1);
    for (size_t i = 0; i < msg.size(); ++i) REQUIRE(ct[i] == uint8_t(msg[i] ^ whole[64 + i]));
    salsa2012_xor(ct.data(), ct.data(), ct.size(), key, nonce, 1);
    CHECK(ct == msg);
}

TEST_CASE("salsa20: a nonzero starting counter matches libsodium's _ic", "[crypto]") {
    uint8_t key[32] = {1, 2, 3}, nonce[8] = {9, 8, 7};
    std::vector<uint8_t> whole(64 * 8), tail(64 * 5);
    salsa20_keystream(whole.data(), whole.size(), key, nonce);
    salsa20_keystream(tail.data(), tail.size(), key, nonce, 3);
    CHECK(std::equal(tail.begin(), tail.end(), whole.begin() + 64 * 3));
}

TEST_CASE("poly1305: upstream vectors", "[crypto]") {
    auto j = ztest::load_vectors("poly1305.json");
    REQUIRE(j["vectors"].size() == 2);
    for (const auto& v : j["vectors"].arr) {
        auto key = hex(v["key"].s()), msg = hex(v["message"].s()), tag = hex(v["tag"].s());
        CHECK(to_hex(poly1305(msg, ztest::fixed<32>(key))) == v["tag"].s());
        CHECK(poly1305_verify_prefix(std::span(tag).first(8), msg, ztest::fixed<32>(key)));
        tag[3] ^= 1;
        CHECK_FALSE(poly1305_verify_prefix(std::span(tag).first(8), msg, ztest::fixed<32>(key)));
    }
}

TEST_CASE("sha512: upstream vector", "[crypto]") {
    auto j = ztest::load_vectors("sha512.json");
    for (const auto& v : j["vectors"].arr) CHECK(to_hex(sha512(ascii(v["message_ascii"].s()))) == v["sha512"].s());
}

TEST_CASE("sha384: FIPS 180-4 examples and OpenSSL agree", "[crypto]") {
    CHECK(to_hex(sha384(ascii("abc"))) ==
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    CHECK(to_hex(sha384({})) ==
          "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
    // Every length across several block boundaries, against libcrypto.
    std::vector<uint8_t> buf(400);
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = uint8_t(i * 31 + 5);
    for (size_t n = 0; n <= buf.size(); ++n) {
        uint8_t ref[48];
        unsigned len = 0;
        REQUIRE(EVP_Digest(buf.data(), n, ref, &len, EVP_sha384(), nullptr) == 1);
        auto got = sha384(std::span(buf).first(n));
        REQUIRE(to_hex(got) == to_hex(ref));
    }
    // Incremental updates in uneven pieces.
    Sha384 h;
    h.update(std::span(buf).first(7));
    h.update(std::span(buf).subspan(7, 200));
    h.update(std::span(buf).subspan(207));
    CHECK(h.finish() == sha384(buf));
}

TEST_CASE("hmac_sha384: RFC 4231 and OpenSSL agree", "[crypto]") {
    std::vector<uint8_t> k1(20, 0x0b);
    CHECK(to_hex(hmac_sha384(k1, ascii("Hi There"))) ==
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
    CHECK(to_hex(hmac_sha384(ascii("Jefe"), ascii("what do ya want for nothing?"))) ==
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
    std::vector<uint8_t> k6(131, 0xaa);
    CHECK(to_hex(hmac_sha384(k6, ascii("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
          "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952");
    // Key lengths around the block size, against libcrypto.
    std::vector<uint8_t> key(200), msg(300);
    for (size_t i = 0; i < key.size(); ++i) key[i] = uint8_t(i ^ 0x5a);
    for (size_t i = 0; i < msg.size(); ++i) msg[i] = uint8_t(i);
    for (size_t kl : {0, 1, 48, 127, 128, 129, 200}) {
        uint8_t ref[48];
        unsigned len = 0;
        REQUIRE(HMAC(EVP_sha384(), key.data(), int(kl), msg.data(), msg.size(), ref, &len) != nullptr);
        CHECK(to_hex(hmac_sha384(std::span(key).first(kl), msg)) == to_hex(ref));
    }
}

TEST_CASE("kbkdf_sha384: AES-GMAC-SIV keys of derived_examples.json", "[crypto]") {
    auto j = ztest::load_vectors("derived_examples.json")["shared_key"];
    zt::SymmetricKey key(ztest::fixed<48>(hex(j["key48_hex"].s())));
    CHECK(to_hex(kbkdf_sha384(key, '0').span()) == j["aes_k0_full48"].s());
    CHECK(to_hex(kbkdf_sha384(key, '1').span()) == j["aes_k1_full48"].s());
}
