// RENDEZVOUS (spec §5.4) from the capture, IPv6 form, exact sizes.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl1/rendezvous.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl1;

TEST_CASE("rendezvous: captured root -> ctl about member a", "[wire]") {
    const auto& p = ztest::captured("RENDEZVOUS");
    CHECK(to_hex(p.payload_decompressed) == "000eb8d1da542709040a63000b");
    auto z = Rendezvous::parse(p.payload_decompressed);
    REQUIRE(z);
    CHECK(z->flags == 0);
    CHECK(z->peer == Address(0x0eb8d1da54ULL));
    CHECK(z->at == Endpoint::v4({10, 99, 0, 11}, 9993));
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*z, 64, &tail_ok) == p.payload_decompressed);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<Rendezvous>(p.payload_decompressed, p.payload_decompressed.size()));
    Bytes longer = p.payload_decompressed;
    longer.push_back(0);
    CHECK_FALSE(Rendezvous::parse(longer));  // fixed size: exactly 13 or 25 bytes
}

TEST_CASE("rendezvous: IPv6 and bad address lengths", "[wire]") {
    Bytes b = ztest::hex("00" "3cc90031a0" "2709" "10" "fd000000000000000000000000000001");
    auto z = Rendezvous::parse(b);
    REQUIRE(z);
    CHECK(z->at.family == Endpoint::Family::v6);
    CHECK(z->at.port == 9993);
    CHECK(ztest::serialize_filled(*z) == b);
    CHECK(ztest::short_prefixes_fail<Rendezvous>(b, b.size()));
    for (uint8_t len : {0, 5, 6, 15, 17}) {
        Bytes bad = b;
        bad[8] = len;
        CHECK_FALSE(Rendezvous::parse(bad));
    }
}
