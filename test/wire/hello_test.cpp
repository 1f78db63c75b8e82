// HELLO (spec §5.2) from the first packet of 01-bringup.pcap (Appendix A): cryptField,
// parse, annotated fields, round trip, optional tail, short prefixes.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl1/hello.hpp"
#include "core/wire/packet.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::wire;
using zt::vl1::Hello;

namespace {

// The captured HELLO packet after dearmor, with the cryptField decrypted.
Bytes plaintext_hello_packet() {
    const auto& p = ztest::captured("HELLO");
    SymmetricKey key = ztest::key_of(p);
    Bytes pkt = p.wire;
    REQUIRE(dearmor(pkt, key).ok());
    REQUIRE(Hello::apply_crypt_field(pkt, key));
    return pkt;
}

}  // namespace

TEST_CASE("hello: captured HELLO ctl -> root parses to the annotated values", "[wire]") {
    Bytes pkt = plaintext_hello_packet();
    Bytes payload(pkt.begin() + 28, pkt.end());
    auto h = Hello::parse(payload);
    REQUIRE(h);
    CHECK(h->protocol_version == 12);
    CHECK(h->version_major == 1);
    CHECK(h->version_minor == 14);
    CHECK(h->version_revision == 1);
    CHECK(uint64_t(h->timestamp_ms) == 0x000001a20ec0a54aULL);
    CHECK(h->identity.address() == Address(0xc41b8868acULL));
    CHECK(h->identity.to_string() == ztest::load_vectors("capture_packets.json")["identities"]["ctl"].s().substr(0, 141));
    REQUIRE(h->destination);
    CHECK(h->destination->endpoint == Endpoint::v4({10, 99, 0, 1}, 9993));
    REQUIRE(h->planet);
    CHECK(h->planet->id == 0x7a747266ULL);
    CHECK(h->planet->timestamp_ms == 1732464000000ULL);
    CHECK(h->has_moon_section);
    CHECK(h->moon_count == 0);
    CHECK(Hello::moon_section_offset(payload) == size_t(135 - 28));

    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*h, 2000, &tail_ok) == payload);
    CHECK(tail_ok);
}

TEST_CASE("hello: apply_crypt_field is its own inverse and gives the wire bytes back", "[wire]") {
    const auto& p = ztest::captured("HELLO");
    SymmetricKey key = ztest::key_of(p);
    Bytes pkt = plaintext_hello_packet();
    REQUIRE(Hello::apply_crypt_field(pkt, key));
    CHECK(Bytes(pkt.begin() + 28, pkt.end()) == p.payload_as_sent);
}

TEST_CASE("hello: every captured HELLO variant and the derived example parse", "[wire]") {
    ztest::Json j = ztest::load_vectors("derived_examples.json");
    Bytes pkt = ztest::hex(j["hello"]["plaintext_before_cryptfield_and_mac"].s());
    auto h = Hello::parse(std::span<const uint8_t>(pkt).subspan(28));
    REQUIRE(h);
    CHECK(h->identity.address() == Address(0x8e4df28b72ULL));
    CHECK(h->destination->endpoint == Endpoint::v4({104, 194, 8, 134}, 9993));
    CHECK(h->planet->id == 149604618ULL);
    CHECK(h->planet->timestamp_ms == 1644592324813ULL);
    CHECK(h->moon_count == 0);
    CHECK(28 + *Hello::moon_section_offset(std::span<const uint8_t>(pkt).subspan(28)) ==
          j["hello"]["crypt_field_starts_at"].u64());
}

TEST_CASE("hello: optional tail fields and moons round-trip", "[wire]") {
    Bytes pkt = plaintext_hello_packet();
    Hello h = *Hello::parse(std::span<const uint8_t>(pkt).subspan(28));

    SECTION("no tail at all") {
        Hello bare = h;
        bare.destination.reset();
        bare.planet.reset();
        bare.has_moon_section = false;
        Bytes b = ztest::serialize_filled(bare);
        CHECK(b.size() == Hello::kMandatoryLength);
        auto back = Hello::parse(b);
        REQUIRE(back);
        CHECK_FALSE(back->destination);
        CHECK_FALSE(back->planet);
        CHECK_FALSE(back->has_moon_section);
        CHECK_FALSE(Hello::moon_section_offset(b));
    }
    SECTION("destination only, IPv6") {
        Hello d = h;
        d.destination = InetAddress{Endpoint::v6({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 9993)};
        d.planet.reset();
        d.has_moon_section = false;
        Bytes b = ztest::serialize_filled(d);
        CHECK(b.size() == Hello::kMandatoryLength + 19);
        auto back = Hello::parse(b);
        REQUIRE(back);
        CHECK(back->destination == d.destination);
        CHECK_FALSE(back->planet);
    }
    SECTION("two moons") {
        Hello m = h;
        m.moon_count = 2;
        m.moons[0] = {127, {0x1122334455667788ULL, 0}};
        m.moons[1] = {127, {0x99aabbccddeeff00ULL, 1700000000000ULL}};
        Bytes b = ztest::serialize_filled(m);
        CHECK(b.size() == Hello::kMandatoryLength + 7 + 16 + 2 + 2 * 17);
        auto back = Hello::parse(b);
        REQUIRE(back);
        REQUIRE(back->moon_count == 2);
        CHECK(back->moons[0] == m.moons[0]);
        CHECK(back->moons[1] == m.moons[1]);
        CHECK(ztest::serialize_filled(*back) == b);
        // A moon count promising more entries than there are bytes is rejected.
        Bytes cut(b.begin(), b.end() - 1);
        CHECK_FALSE(Hello::parse(cut));
    }
    SECTION("more moons than kept: extra entries are skipped") {
        Bytes b = ztest::serialize_filled(h);
        b.resize(b.size() - 2);
        const size_t n = Hello::kMaxMoons + 3;
        b.push_back(uint8_t(n >> 8));
        b.push_back(uint8_t(n));
        for (size_t i = 0; i < n; ++i) {
            b.push_back(127);
            for (int k = 0; k < 16; ++k) b.push_back(uint8_t(i));
        }
        auto back = Hello::parse(b);
        REQUIRE(back);
        CHECK(back->moon_count == Hello::kMaxMoons);
        CHECK(back->moons[Hello::kMaxMoons - 1].world.id == 0x0f0f0f0f0f0f0f0fULL);
    }
}

TEST_CASE("hello: short, malformed and secret-bearing payloads are rejected", "[wire]") {
    Bytes pkt = plaintext_hello_packet();
    Bytes payload(pkt.begin() + 28, pkt.end());
    CHECK(ztest::short_prefixes_fail<Hello>(payload, Hello::kMandatoryLength));
    CHECK(Hello::parse(std::span<const uint8_t>(payload.data(), Hello::kMandatoryLength)));

    Bytes bad_type = payload;
    bad_type[13 + 5] = 1;  // identity key type
    CHECK_FALSE(Hello::parse(bad_type));
    Bytes with_secret = payload;
    with_secret[13 + 70] = 64;  // secret length: not on the wire
    CHECK_FALSE(Hello::parse(with_secret));
    Bytes bad_inet = payload;
    bad_inet[84] = 0x05;
    CHECK_FALSE(Hello::parse(bad_inet));
    CHECK_FALSE(Hello::apply_crypt_field(std::span<uint8_t>(pkt.data(), 60), ztest::key_of(ztest::captured("HELLO"))));
}
