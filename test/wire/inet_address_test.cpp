// InetAddress binary form (spec §6.1) <-> Endpoint, including the netmask-in-port variant
// used by network configs and the reserved types that are skipped.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/wire/inet_address.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::wire;
using ztest::hex;

TEST_CASE("inet_address: IPv4 from the HELLO capture (10.99.0.1/9993)", "[wire]") {
    Bytes b = hex("040a6300012709");
    auto a = InetAddress::parse(b);
    REQUIRE(a);
    CHECK(a->endpoint == Endpoint::v4({10, 99, 0, 1}, 9993));
    CHECK(a->serialized_size() == 7);
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*a, 64, &tail_ok) == b);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<InetAddress>(b, b.size()));
}

TEST_CASE("inet_address: IPv6 round trip", "[wire]") {
    Bytes b = hex("06fd00000000000000000000000000000126fa");  // [fd00::1]/9978
    auto a = InetAddress::parse(b);
    REQUIRE(a);
    CHECK(a->endpoint.family == Endpoint::Family::v6);
    CHECK(a->endpoint.port == 0x26fa);
    CHECK(a->endpoint.ip[0] == 0xfd);
    CHECK(a->endpoint.ip[15] == 0x01);
    CHECK(a->serialized_size() == 19);
    CHECK(ztest::serialize_filled(*a) == b);
    CHECK(ztest::short_prefixes_fail<InetAddress>(b, b.size()));
}

TEST_CASE("inet_address: 0x00 is nil and serializes as one byte", "[wire]") {
    auto a = InetAddress::parse(hex("00"));
    REQUIRE(a);
    CHECK(a->endpoint.is_nil());
    CHECK(ztest::serialize_filled(InetAddress{}) == hex("00"));
    CHECK_FALSE(InetAddress::parse(hex("0000")));  // parse() wants exactly one address
}

TEST_CASE("inet_address: reserved types 1, 2, 3 are skipped, others rejected", "[wire]") {
    for (const char* h : {"01aabbccddeeff", "02aabbccddeeff", "030000", "030003aabbcc"}) {
        INFO(h);
        Bytes b = hex(h);
        auto a = InetAddress::parse(b);
        REQUIRE(a);
        CHECK(a->endpoint.is_nil());
        Reader r{b};
        InetAddress::read(r);
        CHECK(r.ok());
        CHECK(r.at_end());
    }
    CHECK_FALSE(InetAddress::parse(hex("01aabbccddee")));   // reserved, truncated
    CHECK_FALSE(InetAddress::parse(hex("030004aabbcc")));   // length past the end
    for (int t : {0x05, 0x07, 0x10, 0x80, 0xff}) {
        Bytes b = hex("0a6300012709");
        b.insert(b.begin(), uint8_t(t));
        CHECK_FALSE(InetAddress::parse(b));
        Reader r{b};
        InetAddress::read(r);
        CHECK_FALSE(r.ok());
    }
}

TEST_CASE("inet_address: read() leaves the reader after the address", "[wire]") {
    Bytes b = hex("040a63000b2709ff");
    Reader r{b};
    auto a = InetAddress::read(r);
    CHECK(r.ok());
    CHECK(r.remaining() == 1);
    CHECK(a.endpoint.port == 9993);
}

TEST_CASE("inet_address: netmask-in-port variant (10.147.17.11/24)", "[wire]") {
    Bytes b = hex("040a93110b0018");
    auto p = InetPrefix::parse(b);
    REQUIRE(p);
    CHECK(p->bits == 24);
    CHECK(p->address == Endpoint::v4({10, 147, 17, 11}, 0));
    CHECK(ztest::serialize_filled(*p) == b);
    // The same bytes read as an InetAddress give port 24.
    CHECK(InetAddress::parse(b)->endpoint.port == 24);
    CHECK_FALSE(InetPrefix::parse(hex("040a93110b0021")));  // /33 on IPv4
    auto v6 = InetPrefix::parse(hex("06fd000000000000000000000000000000" "0080"));
    REQUIRE(v6);
    CHECK(v6->bits == 128);
    CHECK_FALSE(InetPrefix::parse(hex("06fd000000000000000000000000000000" "0081")));
}
