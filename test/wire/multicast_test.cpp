// MULTICAST_LIKE (spec §5.8), MULTICAST_GATHER and OK(MULTICAST_GATHER) (§5.12), and
// OK(MULTICAST_FRAME) (§5.13), from 01-bringup.pcap and 02-ping.pcap.
#include <catch2/catch.hpp>

#include "capture_identities.hpp"
#include "capture_vectors.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/multicast_frame.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/vl2/multicast_like.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};

Bytes ok_body(const std::string& in_re) {
    auto ok = vl1::Ok::parse(ztest::captured("OK", in_re).payload_decompressed);
    REQUIRE(ok);
    return Bytes(ok->body.begin(), ok->body.end());
}

const ztest::CapturedPacket& like_from(const std::string& from) {
    for (const auto& p : ztest::captured_packets())
        if (p.verb == "MULTICAST_LIKE" && p.from.rfind(from + " ", 0) == 0) return p;
    FAIL("no MULTICAST_LIKE from " << from);
    throw 0;
}

}  // namespace

TEST_CASE("multicast like: captured LIKEs of a (one group) and b (five groups)", "[wire]") {
    const Bytes& one = like_from("a").payload_decompressed;
    auto a = MulticastLike::parse(one);
    REQUIRE(a);
    REQUIRE(a->entries.size() == 1);
    CHECK(a->entries[0] == MulticastLike::Entry{kNwid, Mac(0x01005e000001ULL), 0});

    const Bytes& five = like_from("b").payload_decompressed;
    auto b = MulticastLike::parse(five);
    REQUIRE(b);
    REQUIRE(b->entries.size() == 5);
    CHECK(b->entries[1].group_mac == Mac(0x333300000001ULL));
    CHECK(b->entries[2].group_mac == Mac(0x3333ffac5928ULL));  // b's IPv6 solicited-node group
    CHECK(b->entries[4] == MulticastLike::Entry{kNwid, Mac(0xffffffffffffULL), 0x0a93110c});  // ARP for 10.147.17.12
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*b, 200, &tail_ok) == five);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<MulticastLike>(five, MulticastLike::kMandatoryLength));
    for (size_t n = 19; n < five.size(); ++n)
        if (n % 18) CHECK_FALSE(MulticastLike::parse(std::span<const uint8_t>(five.data(), n)));
}

TEST_CASE("multicast gather: captured a -> root with a's COM", "[wire]") {
    const Bytes& payload = ztest::captured("MULTICAST_GATHER").payload_decompressed;
    auto g = MulticastGather::parse(payload);
    REQUIRE(g);
    CHECK(g->nwid == kNwid);
    CHECK(g->flags == MulticastGather::kFlagCom);
    CHECK(g->group_mac == Mac(0x333300000002ULL));
    CHECK(g->group_adi == 0);
    CHECK(g->gather_limit == 0x21);
    REQUIRE(g->com);
    CHECK(g->com->issued_to() == Address(0x0eb8d1da54ULL));
    CHECK(g->com->verify(ztest::capture_identity("ctl").public_only()));
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*g, 400, &tail_ok) == payload);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<MulticastGather>(payload, MulticastGather::kMandatoryLength));

    // A COM that does not parse is dropped, the request kept (upstream discards it).
    Bytes broken(payload.begin(), payload.end() - 1);
    auto b = MulticastGather::parse(broken);
    REQUIRE(b);
    CHECK_FALSE(b->com);
    Bytes re = ztest::serialize_filled(*b);
    CHECK(re.size() == MulticastGather::kMandatoryLength);
    CHECK(re[8] == 0x00);
    // Without the flag, bytes after the limit are not read as a COM.
    Bytes plain = payload;
    plain[8] = 0;
    auto p = MulticastGather::parse(plain);
    REQUIRE(p);
    CHECK_FALSE(p->com);
}

TEST_CASE("multicast gather: captured OK(MULTICAST_GATHER) root -> a", "[wire]") {
    const Bytes body = ok_body("MULTICAST_GATHER");
    auto o = OkMulticastGather::parse(body);
    REQUIRE(o);
    CHECK(o->nwid == kNwid);
    CHECK(o->group_mac.is_broadcast());
    CHECK(o->group_adi == 0x0a93110c);
    CHECK(o->results.total_known == 1);
    REQUIRE(o->results.members.size() == 1);
    CHECK(o->results.members[0] == Address(0x3cc90031a0ULL));
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*o, 100, &tail_ok) == body);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<OkMulticastGather>(body, body.size()));
    Bytes more_claimed = body;
    more_claimed[18 + 5] = 2;  // N = 2 with one address present
    CHECK_FALSE(OkMulticastGather::parse(more_claimed));

    OkMulticastGather many = *o;
    many.results.members.assign(0x10000, Address(1));
    CHECK(ztest::serialize_filled(many, 400000).empty());
}

TEST_CASE("multicast frame: captured OK(MULTICAST_FRAME) b -> a with gather results", "[wire]") {
    const Bytes body = ok_body("MULTICAST_FRAME");
    auto o = OkMulticastFrame::parse(body);
    REQUIRE(o);
    CHECK(o->nwid == kNwid);
    CHECK(o->group_mac.is_broadcast());
    CHECK(o->group_adi == 0x0a93110c);
    CHECK(o->flags == OkMulticastFrame::kFlagGatherResults);
    CHECK(o->com.empty());
    REQUIRE(o->gather);
    CHECK(o->gather->total_known == 1);
    CHECK(o->gather->members == std::vector<Address>{Address(0x3cc90031a0ULL)});
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*o, 100, &tail_ok) == body);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<OkMulticastFrame>(body, body.size()));

    // With a COM (old peers) before the results, and with neither.
    const Bytes com = ztest::hex(ztest::load_vectors("derived_examples.json")["com"]["serialized"].s());
    OkMulticastFrame w = *o;
    w.com = com;
    Bytes with = ztest::serialize_filled(w);
    CHECK(with[18] == (OkMulticastFrame::kFlagCom | OkMulticastFrame::kFlagGatherResults));
    auto back = OkMulticastFrame::parse(with);
    REQUIRE(back);
    CHECK(Bytes(back->com.begin(), back->com.end()) == com);
    CHECK(back->gather == o->gather);
    CHECK(ztest::short_prefixes_fail<OkMulticastFrame>(with, with.size()));
    OkMulticastFrame bare = *o;
    bare.gather.reset();
    Bytes b = ztest::serialize_filled(bare);
    CHECK(b.size() == OkMulticastFrame::kMandatoryLength);
    CHECK(b[18] == 0);
}
