// C25519 (spec §2.1, §2.2) against the 32 upstream vectors of c25519.json
// (selftest.cpp C25519_TEST_VECTORS): derived public halves, agreement, all 96 bytes of
// every signature, and verification (including tampered inputs).
#include <sodium.h>

#include <catch2/catch.hpp>

#include "core/crypto/c25519.hpp"
#include "json.hpp"
#include "test_util.hpp"

using namespace zt::crypto;
using ztest::fixed;
using ztest::hex;
using zt::to_hex;

TEST_CASE("c25519: all 32 upstream vectors", "[crypto]") {
    auto j = ztest::load_vectors("c25519.json");
    REQUIRE(j["vectors"].size() == 32);
    for (const auto& v : j["vectors"].arr) {
        auto pub1 = hex(v["pub1"].s()), pub2 = hex(v["pub2"].s());
        C25519Secret sec1(fixed<64>(hex(v["priv1"].s()))), sec2(fixed<64>(hex(v["priv2"].s())));
        auto agreement = hex(v["agreement_sha512"].s());

        // Both public halves derive from the secret halves.
        CHECK(to_hex(c25519_public_from_secret(sec1)) == v["pub1"].s());
        CHECK(to_hex(c25519_public_from_secret(sec2)) == v["pub2"].s());

        // Agreement in both directions gives SHA-512(X25519)[0..47].
        auto k12 = c25519_agree(sec1, fixed<64>(pub2));
        auto k21 = c25519_agree(sec2, fixed<64>(pub1));
        REQUIRE(k12);
        REQUIRE(k21);
        CHECK(to_hex(k12->span()) == to_hex(std::span(agreement).first(48)));
        CHECK(k12->equals(*k21));

        // Signatures of the 64-byte agreement value: every byte, then verification.
        auto s1 = c25519_sign(sec1, agreement);
        auto s2 = c25519_sign(sec2, agreement);
        CHECK(to_hex(s1) == v["agreementSignedBy1"].s());
        CHECK(to_hex(s2) == v["agreementSignedBy2"].s());
        CHECK(c25519_verify(fixed<64>(pub1), agreement, s1));
        CHECK(c25519_verify(fixed<64>(pub2), agreement, s2));
        CHECK_FALSE(c25519_verify(fixed<64>(pub2), agreement, s1));
    }
}

TEST_CASE("c25519: verify rejects tampering and wrong lengths", "[crypto]") {
    auto v = ztest::load_vectors("c25519.json")["vectors"][0];
    auto pub1 = hex(v["pub1"].s()), msg = hex(v["agreement_sha512"].s());
    auto sig = hex(v["agreementSignedBy1"].s());
    REQUIRE(c25519_verify(fixed<64>(pub1), msg, sig));

    for (size_t i : {0, 40, 63, 64, 80, 95}) {  // Ed25519 part and hash part
        auto bad = sig;
        bad[i] ^= 0x01;
        CHECK_FALSE(c25519_verify(fixed<64>(pub1), msg, bad));
    }
    auto bad_msg = msg;
    bad_msg[10] ^= 0x80;
    CHECK_FALSE(c25519_verify(fixed<64>(pub1), bad_msg, sig));
    CHECK_FALSE(c25519_verify(fixed<64>(pub1), msg, std::span(sig).first(95)));
    auto longer = sig;
    longer.push_back(0);
    CHECK_FALSE(c25519_verify(fixed<64>(pub1), msg, longer));
}

TEST_CASE("c25519: agreement with a low-order public key is refused", "[crypto]") {
    auto v = ztest::load_vectors("c25519.json")["vectors"][0];
    C25519Secret sec(fixed<64>(hex(v["priv1"].s())));
    C25519Public zero{};  // the identity point: X25519 gives all zeros
    CHECK_FALSE(c25519_agree(sec, zero));
}
