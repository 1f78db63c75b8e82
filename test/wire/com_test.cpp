// Certificate of Membership (spec §8.6): the COM of the captured config (dictionaries.json),
// the COMs a and b push in NETWORK_CREDENTIALS (02-ping.pcap), verified with the captured
// controller identity, and the derived_examples.json COM (KNOWN_GOOD identity as controller).
#include <catch2/catch.hpp>

#include "capture_identities.hpp"
#include "capture_vectors.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/com_span.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

using Com = CertificateOfMembership;

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};

Bytes config_com() {
    return ztest::hex(ztest::load_vectors("dictionaries.json")["network_config"]["decoded"]["C"]["binary_hex"].s());
}

// The COM at the start of a captured NETWORK_CREDENTIALS payload (a -> b, or b -> a).
Bytes pushed_com(const std::string& from) {
    for (const auto& p : ztest::captured_packets()) {
        if (p.verb != "NETWORK_CREDENTIALS" || p.from.rfind(from + " ", 0) != 0) continue;
        Reader r{p.payload_decompressed};
        auto s = read_com(r);
        REQUIRE(r.ok());
        return Bytes(s.begin(), s.end());
    }
    FAIL("no NETWORK_CREDENTIALS from " << from);
    return {};
}

Identity known_good() {
    auto j = ztest::load_vectors("identities.json")["identities"][0]["identity"].s();
    auto id = Identity::from_string(j);
    REQUIRE(id);
    return *id;
}

Identity public_identity(const std::string& text) {
    auto id = Identity::from_string(text);
    REQUIRE(id);
    return *id;
}

}  // namespace

TEST_CASE("com: the captured config's COM parses, verifies and re-serializes", "[wire]") {
    const Bytes raw = config_com();
    REQUIRE(raw.size() == 272);
    auto c = Com::parse(raw);
    REQUIRE(c);
    CHECK(c->qualifiers().size() == 7);
    CHECK(c->timestamp() == 0x000001a20ec0ba12LL);
    CHECK(c->max_delta() == 1800000u);
    CHECK(c->network_id() == kNwid);
    CHECK(c->issued_to() == Address(0x0eb8d1da54ULL));
    CHECK(c->signed_by() == Address(0xc41b8868acULL));

    const Identity ctl = ztest::capture_identity("ctl").public_only();
    CHECK(c->verify(ctl));
    CHECK_FALSE(c->verify(ztest::capture_identity("a").public_only()));  // not the controller

    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*c, 400, &tail_ok) == raw);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<Com>(raw, raw.size()));
}

TEST_CASE("com: issuing and signing reproduce the controller's COM exactly (Ed25519 is deterministic)",
          "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl");
    const Identity a = ztest::capture_identity("a").public_only();
    Com c = Com::issue(kNwid, 0x000001a20ec0ba12LL, 1800000, a);
    CHECK_FALSE(c.is_signed());
    CHECK_FALSE(c.verify(ctl));
    CHECK_FALSE(c.sign(ctl.public_only()));  // no secret
    REQUIRE(c.sign(ctl));
    CHECK(ztest::serialize_filled(c) == config_com());
    CHECK(c.verify(ctl.public_only()));
}

TEST_CASE("com: the COMs a and b push in NETWORK_CREDENTIALS verify and agree", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl").public_only();
    const Identity a = ztest::capture_identity("a").public_only();
    const Identity b = ztest::capture_identity("b").public_only();
    auto ca = Com::parse(pushed_com("a"));
    auto cb = Com::parse(pushed_com("b"));
    REQUIRE(ca);
    REQUIRE(cb);
    CHECK(ca->issued_to() == a.address());
    CHECK(cb->issued_to() == b.address());
    CHECK(ca->verify(ctl));
    CHECK(cb->verify(ctl));
    // b's COM was issued 5.2 s after a's, well within ctmd.
    CHECK(cb->timestamp() - ca->timestamp() == 0x000001a20ec0ce8cLL - 0x000001a20ec0ba13LL);
    CHECK(ca->agrees_with(*cb, b));
    CHECK(cb->agrees_with(*ca, a));
    // A COM presented by the wrong peer does not agree (the identity hash words differ).
    CHECK_FALSE(ca->agrees_with(*cb, a));
    CHECK_FALSE(cb->agrees_with(*ca, b));
    // a's COM from the config (a newer refresh) agrees with b's too.
    auto cfg = Com::parse(config_com());
    REQUIRE(cfg);
    CHECK(cfg->agrees_with(*cb, b));
}

TEST_CASE("com: tampering fails verification", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl").public_only();
    const Bytes raw = config_com();
    for (size_t i = 0; i < raw.size(); ++i) {
        Bytes t = raw;
        t[i] ^= 0x01;
        auto c = Com::parse(t);
        if (!c) continue;  // a flipped count or id order no longer parses
        CAPTURE(i);
        CHECK_FALSE(c->verify(ctl));
    }
    // A signature by the controller over another network's COM does not count.
    Com other = Com::issue(NetworkId{0x29399142c4000001ULL}, 1, 1800000, ztest::capture_identity("a"));
    REQUIRE(other.sign(ztest::capture_identity("ctl")));
    CHECK_FALSE(other.verify(ctl));
}

TEST_CASE("com: agreement rules (§8.6) in unsigned arithmetic", "[wire]") {
    const Identity a = ztest::capture_identity("a").public_only();
    const Identity b = ztest::capture_identity("b").public_only();
    const Com ca = Com::issue(kNwid, 1'000'000, 1000, a);
    CHECK(ca.agrees_with(Com::issue(kNwid, 1'001'000, 1000, b), b));       // delta == max delta
    CHECK(ca.agrees_with(Com::issue(kNwid, 999'000, 5, b), b));            // my max delta counts
    CHECK_FALSE(ca.agrees_with(Com::issue(kNwid, 1'001'001, 1000, b), b));
    CHECK_FALSE(ca.agrees_with(Com::issue(kNwid, 998'999, 1000, b), b));
    CHECK_FALSE(ca.agrees_with(Com::issue(NetworkId{kNwid.value + 1}, 1'000'000, 1000, b), b));
    CHECK_FALSE(ca.agrees_with(Com{}, b));
    CHECK_FALSE(Com{}.agrees_with(ca, a));

    // Their COM lacking one of my qualifiers does not agree; extra ones of theirs do not matter.
    Com bare;
    REQUIRE(bare.add_qualifier({Com::kIdTimestamp, 1'000'000, 1000}));
    REQUIRE(bare.add_qualifier({Com::kIdNetworkId, kNwid.value, 0}));
    CHECK_FALSE(ca.agrees_with(bare, b));
    // Without hash words in mine, theirs need not match their identity (old controllers).
    CHECK(bare.agrees_with(Com::issue(kNwid, 1'000'500, 1000, b), a));
    CHECK(bare.agrees_with(ca, b));

    // Extremes: 0 against 2^64-1 agrees only with max delta 2^64-1.
    Com lo, hi;
    REQUIRE(lo.add_qualifier({7, 0, ~uint64_t(0)}));
    REQUIRE(hi.add_qualifier({7, ~uint64_t(0), ~uint64_t(0) - 1}));
    CHECK(lo.agrees_with(hi, a));
    CHECK_FALSE(hi.agrees_with(lo, a));
}

TEST_CASE("com: malformed COMs are rejected", "[wire]") {
    const Bytes raw = config_com();
    Bytes t = raw;
    t[0] = 0x02;  // format
    CHECK_FALSE(Com::parse(t));
    t = raw;
    t[2] = 9;  // 9 qualifiers
    CHECK_FALSE(Com::parse(t));
    t = raw;
    t[3 + 24 + 7] = 0x00;  // qualifier 1 gets id 0 after id 0: still in order
    CHECK(Com::parse(t));
    t[3 + 48 + 7] = 0x00;  // qualifier 2 gets id 0: in order too (equal ids)
    CHECK(Com::parse(t));
    t = raw;
    t[3 + 7] = 0x05;  // qualifier 0 gets id 5, then 1: out of order
    CHECK_FALSE(Com::parse(t));
    t = raw;
    t.push_back(0);  // trailing byte
    CHECK_FALSE(Com::parse(t));
    Reader r{t};
    CHECK(Com::parse(r));
    CHECK(r.remaining() == 1);

    // An unsigned COM ends at the zero signer.
    Com u = Com::issue(kNwid, 5, 6, ztest::capture_identity("b"));
    Bytes ub = ztest::serialize_filled(u);
    CHECK(ub.size() == 3 + 7 * 24 + 5);
    auto back = Com::parse(ub);
    REQUIRE(back);
    CHECK(*back == u);
    CHECK(ztest::short_prefixes_fail<Com>(ub, ub.size()));
    Com full;
    for (uint64_t i = 0; i < Com::kMaxQualifiers; ++i) REQUIRE(full.add_qualifier({i, i, i}));
    CHECK_FALSE(full.add_qualifier({9, 0, 0}));
}

TEST_CASE("com: the derived_examples COM (KNOWN_GOOD controller 8e4df28b72)", "[wire]") {
    const auto j = ztest::load_vectors("derived_examples.json")["com"];
    const Bytes raw = ztest::hex(j["serialized"].s());
    auto c = Com::parse(raw);
    REQUIRE(c);
    const Identity ctl = known_good();
    const Identity member = public_identity(ztest::load_vectors("derived_examples.json")["shared_key"]["remote_identity"].s());
    CHECK(c->network_id() == NetworkId{0x8e4df28b72000001ULL});
    CHECK(c->issued_to() == member.address());
    CHECK(c->timestamp() == 1700000000000LL);
    CHECK(c->verify(ctl.public_only()));
    CHECK(ztest::serialize_filled(*c) == raw);
    // The signed bytes are the qualifiers exactly as serialized.
    CHECK(to_hex(std::span<const uint8_t>(raw).subspan(3, 7 * 24)) == j["signed_bytes"].s());
    Com again = Com::issue(NetworkId{0x8e4df28b72000001ULL}, 1700000000000LL, 1800000, member);
    REQUIRE(again.sign(ctl));
    CHECK(again == *c);
}
