// ECHO (spec §5.7) and WHOIS (§5.3) from the captures.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl1/echo.hpp"
#include "core/vl1/whois.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl1;

TEST_CASE("echo: the captured ECHO is empty; any payload round-trips", "[wire]") {
    const auto& p = ztest::captured("ECHO");
    CHECK(p.payload_decompressed.empty());
    auto e = Echo::parse(p.payload_decompressed);
    REQUIRE(e);
    CHECK(e->payload.empty());
    CHECK(ztest::serialize_filled(*e).empty());
    Bytes some = ztest::hex("0102030405");
    CHECK(ztest::serialize_filled(*Echo::parse(some)) == some);
}

TEST_CASE("whois: captured WHOIS for the root", "[wire]") {
    const auto& p = ztest::captured("WHOIS");
    auto w = Whois::parse(p.payload_decompressed);
    REQUIRE(w);
    REQUIRE(w->count() == 1);
    CHECK(w->address(0) == Address(0x29399142c4ULL));
    CHECK(ztest::serialize_filled(*w) == p.payload_decompressed);
    CHECK(ztest::short_prefixes_fail<Whois>(p.payload_decompressed, Whois::kMandatoryLength));
}

TEST_CASE("whois: several addresses; partial address rejected", "[wire]") {
    const Address a[] = {Address(0x29399142c4ULL), Address(0xc41b8868acULL), Address(0x0eb8d1da54ULL)};
    Bytes buf(64, ztest::kFill);
    Writer wr{std::span<uint8_t>(buf)};
    Whois::serialize(wr, a);
    REQUIRE(wr.size() == 15);
    CHECK(buf[15] == ztest::kFill);
    Bytes b(buf.begin(), buf.begin() + 15);
    CHECK(to_hex(b) == "29399142c4c41b8868ac0eb8d1da54");
    auto w = Whois::parse(b);
    REQUIRE(w);
    REQUIRE(w->count() == 3);
    for (size_t i = 0; i < 3; ++i) CHECK(w->address(i) == a[i]);
    b.push_back(0x01);
    CHECK_FALSE(Whois::parse(b));
}
