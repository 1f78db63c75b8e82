// AES-GMAC-SIV (spec §4.4): the 85 vectors of ZeroTier's AES-GMAC-SIV crate
// (aes_gmac_siv.json), the derived WHOIS example (derived_examples.json) and every
// cipher-3 packet of capture_packets.json (decrypt, compare, re-seal bit-exactly).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/crypto/sha.hpp"
#include "json.hpp"
#include "test_util.hpp"

using namespace zt::crypto;
using ztest::fixed;
using ztest::hex;
using zt::to_hex;

namespace {

AesGmacSiv siv_for_peer_key(const std::string& key_hex) {
    zt::SymmetricKey key(fixed<48>(hex(key_hex)));
    auto siv = AesGmacSiv::from_peer_key(key);
    REQUIRE(siv);
    return std::move(*siv);
}

}  // namespace

TEST_CASE("aes_gmac_siv: the 85 vectors of the upstream crate", "[crypto]") {
    // Construction note of the file: k0 = 32 x '0', k1 = 32 x '1', buf[i] = i mod 256,
    // iv = n as 64-bit little-endian, aad = plaintext = buf[0..n-1].
    auto j = ztest::load_vectors("aes_gmac_siv.json");
    REQUIRE(j["vectors"].size() == 85);
    std::array<uint8_t, 32> k0, k1;
    k0.fill('0');
    k1.fill('1');
    auto siv = AesGmacSiv::from_keys(k0, k1);
    REQUIRE(siv);
    std::vector<uint8_t> buf(65536);
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = uint8_t(i);

    for (const auto& v : j["vectors"].arr) {
        const size_t n = v["length"].u64();
        INFO("length " << n);
        REQUIRE(n <= buf.size());
        SivIv iv;
        for (size_t i = 0; i < 8; ++i) iv[i] = uint8_t(uint64_t(n) >> (8 * i));
        const auto aad = std::span<const uint8_t>(buf).first(n);
        std::vector<uint8_t> data(buf.begin(), buf.begin() + n);

        auto tag = siv->seal(iv, aad, data);
        REQUIRE(tag);
        CHECK(to_hex(*tag) == v["tag"].s());
        CHECK(to_hex(sha384(data)) == v["ciphertext_sha384"].s());

        auto back = siv->open(*tag, aad, data);
        REQUIRE(back);
        CHECK(*back == iv);
        CHECK(std::equal(data.begin(), data.end(), buf.begin()));
    }
}

TEST_CASE("aes_gmac_siv: open refuses a changed tag, aad or ciphertext and zeroes the data", "[crypto]") {
    std::array<uint8_t, 32> k0{}, k1{};
    k0.fill(7);
    k1.fill(9);
    auto siv = AesGmacSiv::from_keys(k0, k1);
    REQUIRE(siv);
    const SivIv iv = {1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<uint8_t> aad = {0xaa, 0xbb, 0xcc};
    const std::vector<uint8_t> plain(100, 0x42);
    auto data = plain;
    auto tag = siv->seal(iv, aad, data);
    REQUIRE(tag);

    auto bad_tag = *tag;
    bad_tag[15] ^= 1;
    auto d1 = data;
    CHECK_FALSE(siv->open(bad_tag, aad, d1));
    CHECK(d1 == std::vector<uint8_t>(100, 0));

    auto bad_aad = aad;
    bad_aad[0] ^= 1;
    auto d2 = data;
    CHECK_FALSE(siv->open(*tag, bad_aad, d2));

    auto d3 = data;
    d3[50] ^= 0x10;
    CHECK_FALSE(siv->open(*tag, aad, d3));

    auto d4 = data;
    CHECK(siv->open(*tag, aad, d4));
    CHECK(d4 == plain);
}

TEST_CASE("aes_gmac_siv: derived WHOIS example (packet id 0102030405060708)", "[crypto]") {
    auto j = ztest::load_vectors("derived_examples.json");
    auto siv = siv_for_peer_key(j["shared_key"]["key48_hex"].s());
    const auto& ex = j["whois_aes_gmac_siv"];
    auto pkt = hex(ex["plaintext"].s());
    const auto wire = hex(ex["wire"].s());
    pkt[18] = 0x18;  // the armor layer sets cipher = 3 before sealing
    const auto plain = pkt;

    REQUIRE(siv.seal_packet(pkt));
    CHECK(to_hex(pkt) == ex["wire"].s());

    auto iv = siv.open_packet(pkt);
    REQUIRE(iv);
    CHECK(to_hex(*iv) == "0102030405060708");
    CHECK(std::equal(pkt.begin() + 27, pkt.end(), plain.begin() + 27));   // payload decrypted
    CHECK(std::equal(pkt.begin(), pkt.begin() + 27, wire.begin()));       // header as received
    CHECK_FALSE(siv.open_packet(std::span(pkt).first(26)));
}

TEST_CASE("aes_gmac_siv: every cipher-3 packet of the captures opens and re-seals bit-exactly", "[crypto]") {
    auto j = ztest::load_vectors("capture_packets.json");
    size_t count = 0;
    for (const auto& p : j["packets"].arr) {
        if (p["cipher"].u64() != 3) continue;
        INFO(p["from"].s() << " -> " << p["to"].s() << " " << p["verb"].s() << " hops " << p["hops"].u64());
        auto siv = siv_for_peer_key(p["shared_key48"].s());
        const auto wire = hex(p["wire"].s());
        auto pkt = wire;

        auto iv = siv.open_packet(pkt);
        REQUIRE(iv);
        CHECK(to_hex(std::span(pkt).first(27)) == p["header_after_dearmor"].s());
        CHECK(to_hex(std::span(pkt).subspan(27, 1)) == p["verb_byte"].s());
        CHECK(to_hex(std::span(pkt).subspan(28)) == p["payload_as_sent"].s());

        // Re-armor with the original IV and hops = 0: equals the wire bytes, hops cleared.
        std::copy(iv->begin(), iv->end(), pkt.begin());
        pkt[18] &= 0xf8;
        REQUIRE(siv.seal_packet(pkt));
        auto expect = wire;
        expect[18] &= 0xf8;
        CHECK(pkt == expect);

        // A flipped payload bit or MAC bit is refused.
        auto bad = wire;
        bad[bad.size() - 1] ^= 1;
        CHECK_FALSE(siv.open_packet(bad));
        bad = wire;
        bad[20] ^= 0x40;
        CHECK_FALSE(siv.open_packet(bad));
        ++count;
    }
    CHECK(count >= 20);
}
