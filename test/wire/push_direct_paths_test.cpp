// PUSH_DIRECT_PATHS (spec §5.14) from the capture, IPv6, skipped records, bad records.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl1/push_direct_paths.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl1;

TEST_CASE("push_direct_paths: captured b -> a, two records for 10.99.0.12/9993", "[wire]") {
    const auto& p = ztest::captured("PUSH_DIRECT_PATHS");
    auto m = PushDirectPaths::parse(p.payload_decompressed);
    REQUIRE(m);
    REQUIRE(m->count == 2);
    for (size_t i = 0; i < 2; ++i) {
        CHECK(m->paths[i].flags == 0);
        CHECK(m->paths[i].endpoint == Endpoint::v4({10, 99, 0, 12}, 9993));
    }
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*m, 200, &tail_ok) == p.payload_decompressed);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<PushDirectPaths>(p.payload_decompressed, p.payload_decompressed.size()));
    Bytes longer = p.payload_decompressed;
    longer.push_back(0);
    CHECK_FALSE(PushDirectPaths::parse(longer));
}

TEST_CASE("push_direct_paths: IPv6, extension data and unknown types are skipped", "[wire]") {
    Bytes b = ztest::hex(
        "0003"
        "02" "0003" "aabbcc" "06" "12" "fd000000000000000000000000000001" "26fa"  // ext data, v6
        "00" "0000" "09" "02" "ffff"                                            // unknown type 9
        "01" "0000" "04" "06" "0a63000c" "2709");
    auto m = PushDirectPaths::parse(b);
    REQUIRE(m);
    REQUIRE(m->count == 2);
    CHECK(m->paths[0].flags == DirectPath::kFlagClusterRedirect);
    CHECK(m->paths[0].endpoint.family == Endpoint::Family::v6);
    CHECK(m->paths[0].endpoint.port == 0x26fa);
    CHECK(m->paths[1].flags == DirectPath::kFlagForget);
    CHECK(m->paths[1].endpoint == Endpoint::v4({10, 99, 0, 12}, 9993));
    // Re-serialized without the extension data and the skipped record.
    auto again = PushDirectPaths::parse(ztest::serialize_filled(*m));
    REQUIRE(again);
    CHECK(again->count == 2);
    CHECK(again->paths[0] == m->paths[0]);
    CHECK(again->paths[1] == m->paths[1]);

    CHECK_FALSE(PushDirectPaths::parse(ztest::hex("0001" "00" "0000" "04" "12" "0a63000c2709")));  // v4, len 18
    CHECK_FALSE(PushDirectPaths::parse(ztest::hex("0001" "00" "0000" "06" "06" "0a63000c2709")));  // v6, len 6
    CHECK_FALSE(PushDirectPaths::parse(ztest::hex("0001" "00" "0005" "aabb")));                    // ext past end
    CHECK_FALSE(PushDirectPaths::parse(ztest::hex("0002" "00" "0000" "04" "06" "0a63000c2709")));  // count too high
    auto empty = PushDirectPaths::parse(ztest::hex("0000"));
    REQUIRE(empty);
    CHECK(empty->count == 0);
}

TEST_CASE("push_direct_paths: more records than kept", "[wire]") {
    const size_t n = PushDirectPaths::kMaxPaths + 5;
    Bytes b{uint8_t(n >> 8), uint8_t(n)};
    for (size_t i = 0; i < n; ++i)
        for (int x : {0, 0, 0, 4, 6, 10, 0, 0, int(i), 0x27, 0x09}) b.push_back(uint8_t(x));
    auto m = PushDirectPaths::parse(b);
    REQUIRE(m);
    CHECK(m->count == PushDirectPaths::kMaxPaths);
    CHECK(m->paths[PushDirectPaths::kMaxPaths - 1].endpoint.ip[3] == PushDirectPaths::kMaxPaths - 1);
}
