// OK prefix and the OK(HELLO), OK(ECHO), OK(WHOIS) bodies (spec §5.1-§5.3, §5.7, §5.11)
// from the captures.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl1/ok.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl1;

TEST_CASE("ok: OK(HELLO) root -> ctl (Appendix A)", "[wire]") {
    const auto& p = ztest::captured("OK", "HELLO");
    auto ok = Ok::parse(p.payload_decompressed);
    REQUIRE(ok);
    CHECK(ok->in_re_verb == Verb::hello);
    CHECK(ok->in_re_packet_id == 0x3bf6df57fc4bb6b1ULL);
    auto h = OkHello::parse(ok->body);
    REQUIRE(h);
    CHECK(uint64_t(h->timestamp_echo_ms) == 0x000001a20ec0a54aULL);
    CHECK(h->protocol_version == 12);
    CHECK(h->version_major == 1);
    CHECK(h->version_minor == 14);
    CHECK(h->version_revision == 1);
    REQUIRE(h->source);
    CHECK(h->source->endpoint == Endpoint::v4({10, 99, 0, 2}, 9993));
    REQUIRE(h->worlds);
    CHECK(h->worlds->empty());

    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*h, 100, &tail_ok) == Bytes(ok->body.begin(), ok->body.end()));
    CHECK(tail_ok);
    CHECK(ztest::serialize_filled(*ok) == p.payload_decompressed);
    CHECK(ztest::short_prefixes_fail<Ok>(p.payload_decompressed, Ok::kMandatoryLength));
    CHECK(ztest::short_prefixes_fail<OkHello>(Bytes(ok->body.begin(), ok->body.end()), OkHello::kMandatoryLength));
}

TEST_CASE("ok: OK(HELLO) optional tail", "[wire]") {
    OkHello h;
    h.timestamp_echo_ms = 5;
    h.protocol_version = 11;
    Bytes bare = ztest::serialize_filled(h);
    CHECK(bare.size() == OkHello::kMandatoryLength);
    auto b = OkHello::parse(bare);
    REQUIRE(b);
    CHECK_FALSE(b->source);
    CHECK_FALSE(b->worlds);

    const Bytes world = ztest::hex("01000000007a747266");
    h.worlds = std::span<const uint8_t>(world);
    Bytes with_worlds = ztest::serialize_filled(h);
    CHECK(to_hex(with_worlds) == "0000000000000005" "0b00000000" "00" "0009" "01000000007a747266");
    auto w = OkHello::parse(with_worlds);
    REQUIRE(w);
    REQUIRE(w->worlds);
    CHECK(Bytes(w->worlds->begin(), w->worlds->end()) == world);
    Bytes cut(with_worlds.begin(), with_worlds.end() - 1);  // world length past the end
    CHECK_FALSE(OkHello::parse(cut));
    Bytes bad_inet = with_worlds;
    bad_inet[13] = 0x09;
    CHECK_FALSE(OkHello::parse(bad_inet));
}

TEST_CASE("ok: OK(ECHO) as NETWORK_CONFIG's acknowledgement (in-re verb 0x08)", "[wire]") {
    const auto& p = ztest::captured("OK", "ECHO");
    auto ok = Ok::parse(p.payload_decompressed);
    REQUIRE(ok);
    CHECK(ok->in_re_verb == Verb::echo);
    CHECK(ok->in_re_packet_id == 0xede94ecf7b12a35fULL);
    auto e = OkEcho::parse(ok->body);
    REQUIRE(e);
    CHECK(to_hex(e->payload) == "c41b8868ac0000011eac14bb3b002bb5");
    CHECK(ztest::serialize_filled(*e) == Bytes(ok->body.begin(), ok->body.end()));
}

TEST_CASE("ok: OK(WHOIS) carries the root's identity", "[wire]") {
    const auto& p = ztest::captured("OK", "WHOIS");
    auto ok = Ok::parse(p.payload_decompressed);
    REQUIRE(ok);
    CHECK(ok->in_re_verb == Verb::whois);
    CHECK(ok->in_re_packet_id == 0x5b0cefed3a6fe2b6ULL);
    auto w = OkWhois::parse(ok->body);
    REQUIRE(w);
    CHECK(w->identity.address() == Address(0x29399142c4ULL));
    CHECK_FALSE(w->identity.has_secret());
    CHECK(w->more.empty());
    const Bytes body(ok->body.begin(), ok->body.end());
    CHECK(ztest::serialize_filled(*w) == body);
    CHECK(ztest::short_prefixes_fail<OkWhois>(body, OkWhois::kMandatoryLength));

    Bytes two = body;
    two.insert(two.end(), body.begin(), body.end());
    auto w2 = OkWhois::parse(two);
    REQUIRE(w2);
    CHECK(w2->more.size() == 71);  // further identities kept unparsed
    CHECK(ztest::serialize_filled(*w2) == two);

    Bytes with_secret = body;
    with_secret[70] = 64;
    with_secret.insert(with_secret.end(), 64, 0x11);
    CHECK_FALSE(OkWhois::parse(with_secret));
}
