// Managed IPv6 schemes (spec §6.6) against vectors/derived_examples.json "vl2_addresses".
#include <catch2/catch.hpp>

#include "core/bytes.hpp"
#include "core/ipv6_schemes.hpp"
#include "json.hpp"

using namespace zt;

namespace {
Ipv6 ip_of(const std::string& hex) {
    auto b = from_hex(hex);
    REQUIRE(b);
    REQUIRE(b->size() == 16);
    Ipv6 ip{};
    std::copy(b->begin(), b->end(), ip.begin());
    return ip;
}
}  // namespace

TEST_CASE("ipv6 schemes: RFC4193 and 6PLANE addresses of the derived example", "[core]") {
    const auto v = ztest::load_vectors("derived_examples.json")["vl2_addresses"];
    const NetworkId nwid = *NetworkId::parse(v["network_id"].s());
    const Address node = *Address::parse(v["node"].s());
    CHECK(to_hex(rfc4193_address(nwid, node)) == v["rfc4193"].s());
    CHECK(to_hex(sixplane_address(nwid, node)) == v["sixplane"].s());
    CHECK(emulated_ipv6_owner(nwid, ip_of(v["rfc4193"].s())) == node);
    CHECK(emulated_ipv6_owner(nwid, ip_of(v["sixplane"].s())) == node);
}

TEST_CASE("ipv6 schemes: a member owns its whole 6PLANE /80, nothing outside the prefixes", "[core]") {
    const NetworkId nwid{0x8056c2e21c000001ULL};
    const Address node(0x8e4df28b72ULL);
    Ipv6 other = sixplane_address(nwid, node);
    other[10] = 0x12;  // inside the member's /80
    other[15] = 0x77;
    CHECK(emulated_ipv6_owner(nwid, other) == node);
    Ipv6 foreign = sixplane_address(NetworkId{0x8056c2e21c000002ULL}, node);
    CHECK_FALSE(emulated_ipv6_owner(nwid, foreign));
    Ipv6 rfc = rfc4193_address(nwid, node);
    rfc[9] = 0x98;  // not the 99 93 marker
    CHECK_FALSE(emulated_ipv6_owner(nwid, rfc));
    CHECK_FALSE(emulated_ipv6_owner(nwid, rfc4193_address(nwid, Address())));  // reserved member
}
