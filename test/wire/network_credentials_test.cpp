// NETWORK_CREDENTIALS (spec §5.9): the pushes a -> b and b -> a of 02-ping.pcap
// (COM ‖ 00 ‖ 0000 0000 0000 ‖ 0001 ‖ COO), and a push with every section filled, signed
// with the captured controller identity.
#include <catch2/catch.hpp>

#include "capture_identities.hpp"
#include "capture_vectors.hpp"
#include "core/vl2/network_credentials.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};

Bytes prefix(const Bytes& b, size_t n) { return Bytes(b.begin(), b.begin() + long(n)); }

}  // namespace

TEST_CASE("network credentials: the captured pushes of a and b", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl").public_only();
    size_t seen = 0;
    for (const auto& p : ztest::captured_packets()) {
        if (p.verb != "NETWORK_CREDENTIALS") continue;
        ++seen;
        const Bytes& payload = p.payload_decompressed;
        REQUIRE(payload.size() == 439);
        auto c = NetworkCredentials::parse(payload);
        REQUIRE(c);
        REQUIRE(c->coms.size() == 1);
        CHECK(c->capabilities.empty());
        CHECK(c->tags.empty());
        CHECK(c->revocations.empty());
        REQUIRE(c->coos.size() == 1);
        CHECK(c->coms[0].verify(ctl));
        CHECK(c->coos[0].verify(ctl));
        CHECK(c->coms[0].issued_to() == c->coos[0].issued_to);
        CHECK(p.from.find(c->coms[0].issued_to().to_string()) != std::string::npos);
        bool tail_ok = false;
        CHECK(ztest::serialize_filled(*c, 600, &tail_ok) == payload);
        CHECK(tail_ok);

        // Sections may end early, but never inside a count or a credential.
        for (size_t n = 0; n < payload.size(); ++n) {
            const bool whole = n == 0 || n == 272 || n == 273 || n == 275 || n == 277 || n == 279;
            CAPTURE(n);
            CHECK(NetworkCredentials::parse(prefix(payload, n)).has_value() == whole);
        }
        auto com_only = NetworkCredentials::parse(prefix(payload, 272));
        REQUIRE(com_only);
        CHECK(com_only->coms.size() == 1);
        CHECK(com_only->coos.empty());
        Bytes more = payload;
        more.push_back(0xee);  // bytes after the COOs are ignored
        CHECK(NetworkCredentials::parse(more) == c);
    }
    CHECK(seen == 4);
}

TEST_CASE("network credentials: every section, bounds", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl");
    const Identity b = ztest::capture_identity("b");
    NetworkCredentials c;
    for (UnixMs ts : {1000, 2000}) {
        auto com = CertificateOfMembership::issue(kNwid, ts, 1800000, b);
        REQUIRE(com.sign(ctl));
        c.coms.push_back(com);
    }
    Capability cap = Capability::issue(kNwid, 1000, 7, {Rule::of(RuleType::action_accept)}, 2);
    REQUIRE(cap.sign(ctl, b.address()));
    c.capabilities = {cap};
    Tag tag;
    tag.nwid = kNwid;
    tag.id = 1;
    tag.issued_to = b.address();
    REQUIRE(tag.sign(ctl));
    c.tags = {tag, tag};
    Revocation rev;
    rev.nwid = kNwid;
    rev.target = Address(0x0eb8d1da54ULL);
    rev.type = CredentialType::com;
    REQUIRE(rev.sign(ctl));
    c.revocations = {rev};
    CertificateOfOwnership coo;
    coo.nwid = kNwid;
    coo.issued_to = b.address();
    REQUIRE(coo.add_mac(Mac::from_address(b.address(), kNwid)));
    REQUIRE(coo.sign(ctl));
    c.coos = {coo};

    Bytes bytes = ztest::serialize_filled(c);
    auto back = NetworkCredentials::parse(bytes);
    REQUIRE(back);
    CHECK(*back == c);
    CHECK(back->capabilities[0].verify(ctl));
    CHECK(back->revocations[0].verify(ctl));
    CHECK(ztest::serialize_filled(*back) == bytes);

    // A COM list that does not start with 0x01 or 0x00 is malformed.
    Bytes bad = bytes;
    bad[0] = 0x02;
    CHECK_FALSE(NetworkCredentials::parse(bad));
    // Over the bounds: 17 COMs, or a section count of 129.
    NetworkCredentials many;
    many.coms.assign(NetworkCredentials::kMaxComs, c.coms[0]);
    Bytes sixteen = ztest::serialize_filled(many);
    REQUIRE(NetworkCredentials::parse(sixteen));
    many.coms.push_back(c.coms[0]);
    CHECK(ztest::serialize_filled(many).empty());
    Bytes seventeen = sixteen;
    const size_t com_length = 3 + 7 * 24 + 5 + 96;
    REQUIRE(CertificateOfMembership::parse(std::span<const uint8_t>(sixteen).first(com_length)));
    seventeen.insert(seventeen.begin(), sixteen.begin(), sixteen.begin() + long(com_length));
    CHECK_FALSE(NetworkCredentials::parse(seventeen));
    NetworkCredentials empty;
    Bytes counts = ztest::serialize_filled(empty);
    CHECK(to_hex(counts) == "00" "0000" "0000" "0000" "0000");
    counts[1] = 0x00;
    counts[2] = 0x81;  // 129 capabilities
    CHECK_FALSE(NetworkCredentials::parse(counts));
    NetworkCredentials too_many_tags;
    too_many_tags.tags.assign(NetworkCredentials::kMaxPerSection + 1, tag);
    CHECK(ztest::serialize_filled(too_many_tags, 40000).empty());
}
