// ERROR (spec §5.1): the captured ERROR(NEED_MEMBERSHIP_CERTIFICATE) and which codes carry
// a network id.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl1/error.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl1;

TEST_CASE("error: captured NEED_MEMBERSHIP_CERTIFICATE in-re MULTICAST_FRAME", "[wire]") {
    const auto& p = ztest::captured("ERROR", "MULTICAST_FRAME");
    CHECK(to_hex(p.payload_decompressed) == "0e0b82828a3b97a4df06c41b8868ac000001");
    auto e = Error::parse(p.payload_decompressed);
    REQUIRE(e);
    CHECK(e->in_re_verb == Verb::multicast_frame);
    CHECK(e->in_re_packet_id == 0x0b82828a3b97a4dfULL);
    CHECK(e->code == ErrorCode::need_membership_certificate);
    REQUIRE(e->nwid);
    CHECK(e->nwid->value == 0xc41b8868ac000001ULL);
    CHECK(e->rest.empty());
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*e, 64, &tail_ok) == p.payload_decompressed);
    CHECK(tail_ok);
    // The nwid is mandatory for this code.
    CHECK(ztest::short_prefixes_fail<Error>(p.payload_decompressed, p.payload_decompressed.size()));
}

TEST_CASE("error: codes with and without a network id", "[wire]") {
    CHECK(Error::carries_network_id(Verb::network_config_request, ErrorCode::obj_not_found));
    CHECK_FALSE(Error::carries_network_id(Verb::whois, ErrorCode::obj_not_found));
    CHECK(Error::carries_network_id(Verb::network_config_request, ErrorCode::unsupported_operation));
    CHECK(Error::carries_network_id(Verb::frame, ErrorCode::network_access_denied));
    CHECK_FALSE(Error::carries_network_id(Verb::hello, ErrorCode::identity_collision));
    CHECK_FALSE(Error::carries_network_id(Verb::hello, ErrorCode(0x42)));

    // IDENTITY_COLLISION: just the prefix and the code.
    Bytes ic = ztest::hex("011122334455667788" "04");
    auto e = Error::parse(ic);
    REQUIRE(e);
    CHECK(e->code == ErrorCode::identity_collision);
    CHECK_FALSE(e->nwid);
    CHECK(ztest::short_prefixes_fail<Error>(ic, Error::kMandatoryLength));

    // UNWANTED_MULTICAST: nwid, then MAC and ADI in `rest`.
    Bytes um = ztest::hex("0e1122334455667788" "08" "c41b8868ac000001" "ffffffffffff" "0a93110c");
    auto u = Error::parse(um);
    REQUIRE(u);
    CHECK(u->nwid->value == 0xc41b8868ac000001ULL);
    CHECK(to_hex(u->rest) == "ffffffffffff0a93110c");
    CHECK(ztest::serialize_filled(*u) == um);

    // OBJ_NOT_FOUND in-re WHOIS: whatever follows is `rest`.
    Bytes onf = ztest::hex("041122334455667788" "03" "29399142c4");
    auto o = Error::parse(onf);
    REQUIRE(o);
    CHECK_FALSE(o->nwid);
    CHECK(to_hex(o->rest) == "29399142c4");
    CHECK(ztest::serialize_filled(*o) == onf);
}
