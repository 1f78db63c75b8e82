// Capability (spec §8.8): issue, sign, serialize into a 0xA5-filled buffer, parse back and
// verify with the capture identities (controller c41b8868ac, members a and b); the forSign
// message checked byte for byte; tampered rules, wrong signers, broken chains, bad chain
// lengths and every truncation fail.
#include <catch2/catch.hpp>

#include <vector>

#include "capture_identities.hpp"
#include "core/vl2/capability.hpp"
#include "wire_test_util.hpp"

using zt::Bytes;
using zt::vl2::Capability;
using zt::vl2::CapabilityCheck;
using zt::vl2::Rule;
using zt::vl2::RuleType;

namespace {

constexpr zt::NetworkId kNwid{0xc41b8868ac000001ULL};
constexpr zt::UnixMs kTs = 0x1a20ec0ba12;

struct Ids {
    zt::Identity ctl = ztest::capture_identity("ctl");
    zt::Identity a = ztest::capture_identity("a");
    zt::Identity b = ztest::capture_identity("b");
};

// "accept TCP to port 22": MATCH_IP_PROTOCOL 6, MATCH_IP_DEST_PORT_RANGE 22-22, ACCEPT.
std::vector<Rule> ssh_rules() {
    Rule proto = Rule::of(RuleType::match_ip_protocol);
    proto.ip_protocol = 6;
    Rule port = Rule::of(RuleType::match_ip_dest_port_range);
    port.range_start = 22;
    port.range_end = 22;
    return {proto, port, Rule::of(RuleType::action_accept)};
}

Bytes serialize(const Capability& c) {
    bool tail_ok = false;
    Bytes b = ztest::serialize_filled(c, 4096, &tail_ok);
    REQUIRE(!b.empty());
    REQUIRE(tail_ok);
    return b;
}

// The signed fields end after the max custody byte: 22 + 11 + 1 bytes for ssh_rules().
constexpr size_t kSignedLength = 8 + 8 + 4 + 2 + (2 + 1) + (2 + 4) + 2 + 1;

}  // namespace

TEST_CASE("capability: issue, sign by the controller, serialize, parse, verify", "[wire]") {
    Ids ids;
    Capability c = Capability::issue(kNwid, kTs, 7, ssh_rules(), 1);
    CHECK(!c.verify(ids.ctl));  // no custody entry yet
    REQUIRE(c.sign(ids.ctl, ids.a.address()));
    CHECK(c.issued_to() == ids.a.address());
    CHECK(c.verify(ids.ctl));
    CHECK(!c.sign(ids.ctl, ids.b.address()));  // chain of at most 1

    Bytes bytes = serialize(c);
    REQUIRE(bytes.size() == kSignedLength + (5 + 5 + 3 + 96) + 5 + 2);
    const Bytes head = *zt::from_hex("c41b8868ac000001" "000001a20ec0ba12" "00000007" "0003"
                                     "240106" "280400160016" "0100" "01"
                                     "0eb8d1da54" "c41b8868ac" "010060");
    CHECK(Bytes(bytes.begin(), bytes.begin() + head.size()) == head);
    CHECK(Bytes(bytes.end() - 7, bytes.end()) == Bytes{0, 0, 0, 0, 0, 0, 0});

    // The signature covers 7f x 8, the signed fields, u16 0, 7f x 8 (1.14 serialize(forSign)).
    Bytes for_sign(8, 0x7f);
    for_sign.insert(for_sign.end(), bytes.begin(), bytes.begin() + kSignedLength);
    for_sign.insert(for_sign.end(), {0, 0});
    for_sign.insert(for_sign.end(), 8, 0x7f);
    CHECK(ids.ctl.verify(for_sign, c.custody()[0].signature));

    auto back = Capability::parse(bytes);
    REQUIRE(back);
    CHECK(*back == c);
    CHECK(back->network() == kNwid);
    CHECK(back->timestamp() == kTs);
    CHECK(back->id() == 7);
    CHECK(back->rules() == ssh_rules());
    CHECK(back->max_custody() == 1);
    CHECK(back->issued_to() == ids.a.address());
    CHECK(back->verify(ids.ctl));
    CHECK(ztest::serialize_filled(*back, 4096) == bytes);
}

TEST_CASE("capability: a chain of custody of two", "[wire]") {
    Ids ids;
    Capability c = Capability::issue(kNwid, kTs, 1, ssh_rules(), 3);
    REQUIRE(c.sign(ids.ctl, ids.a.address()));
    REQUIRE(c.sign(ids.a, ids.b.address()));
    CHECK(c.issued_to() == ids.b.address());

    const zt::Identity a_public = ids.a.public_only();
    auto lookup = [&](zt::Address addr) -> const zt::Identity* {
        return addr == a_public.address() ? &a_public : nullptr;
    };
    CHECK(c.verify(ids.ctl, lookup) == CapabilityCheck::valid);
    CHECK(c.verify(ids.ctl, nullptr) == CapabilityCheck::unknown_signer);
    CHECK(!c.verify(ids.ctl));

    auto back = Capability::parse(serialize(c));
    REQUIRE(back);
    CHECK(back->custody().size() == 2);
    CHECK(back->verify(ids.ctl, lookup) == CapabilityCheck::valid);
}

TEST_CASE("capability: a tampered rule fails verification", "[wire]") {
    Ids ids;
    Capability c = Capability::issue(kNwid, kTs, 7, ssh_rules(), 1);
    REQUIRE(c.sign(ids.ctl, ids.a.address()));
    Bytes bytes = serialize(c);
    bytes[8 + 8 + 4 + 2 + 3 + 2 + 1] = 23;  // dest port range start 22 -> 23
    auto back = Capability::parse(bytes);
    REQUIRE(back);
    CHECK(back->rules()[1].range_start == 23);
    CHECK(!back->verify(ids.ctl));
}

TEST_CASE("capability: a wrong signer fails verification", "[wire]") {
    Ids ids;
    // Signed by member b: the first entry is not from the controller.
    Capability by_b = Capability::issue(kNwid, kTs, 7, ssh_rules(), 1);
    REQUIRE(by_b.sign(ids.b, ids.a.address()));
    CHECK(!by_b.verify(ids.ctl));

    // b's signature under the controller's name.
    Bytes bytes = serialize(by_b);
    const auto ctl = ids.ctl.address().bytes();
    std::copy(ctl.begin(), ctl.end(), bytes.begin() + kSignedLength + 5);
    auto forged = Capability::parse(bytes);
    REQUIRE(forged);
    CHECK(forged->custody()[0].from == ids.ctl.address());
    CHECK(!forged->verify(ids.ctl));

    // The right signer, but verified against an identity that is not the network's controller.
    Capability good = Capability::issue(kNwid, kTs, 7, ssh_rules(), 1);
    REQUIRE(good.sign(ids.ctl, ids.a.address()));
    CHECK(!good.verify(ids.a));
    CHECK(!Capability::issue(kNwid, kTs, 7, ssh_rules(), 1).sign(ids.ctl.public_only(), ids.a.address()));
}

TEST_CASE("capability: a broken chain fails verification", "[wire]") {
    Ids ids;
    const zt::Identity a_public = ids.a.public_only(), b_public = ids.b.public_only();
    auto lookup = [&](zt::Address addr) -> const zt::Identity* {
        if (addr == a_public.address()) return &a_public;
        if (addr == b_public.address()) return &b_public;
        return nullptr;
    };
    // ctl -> a, then b (not the holder) passes it on.
    Capability c = Capability::issue(kNwid, kTs, 1, ssh_rules(), 3);
    REQUIRE(c.sign(ids.ctl, ids.a.address()));
    REQUIRE(c.sign(ids.b, ids.b.address()));
    CHECK(c.verify(ids.ctl, lookup) == CapabilityCheck::invalid);

    // ctl -> a -> b, then the second signature swapped for a valid one by b.
    Capability d = Capability::issue(kNwid, kTs, 1, ssh_rules(), 3);
    REQUIRE(d.sign(ids.ctl, ids.a.address()));
    REQUIRE(d.sign(ids.a, ids.b.address()));
    Capability by_b = Capability::issue(kNwid, kTs, 1, ssh_rules(), 3);
    REQUIRE(by_b.sign(ids.b, ids.b.address()));
    Bytes bytes = serialize(d);
    const size_t second_sig = kSignedLength + (5 + 5 + 3 + 96) + 5 + 5 + 3;
    std::copy(by_b.custody()[0].signature.begin(), by_b.custody()[0].signature.end(), bytes.begin() + second_sig);
    auto swapped = Capability::parse(bytes);
    REQUIRE(swapped);
    CHECK(swapped->verify(ids.ctl, lookup) == CapabilityCheck::invalid);
}

TEST_CASE("capability: every truncation fails to parse", "[wire]") {
    Ids ids;
    Capability c = Capability::issue(kNwid, kTs, 7, ssh_rules(), 2);
    REQUIRE(c.sign(ids.ctl, ids.a.address()));
    Bytes bytes = serialize(c);
    CHECK(ztest::short_prefixes_fail<Capability>(bytes, bytes.size()));
    // Two back to back, as in the CAP key.
    Bytes two = bytes;
    two.insert(two.end(), bytes.begin(), bytes.end());
    zt::Reader r{two};
    CHECK(Capability::parse(r));
    CHECK(Capability::parse(r));
    CHECK(r.at_end());
    CHECK(!Capability::parse(two));  // the span form wants exactly one
}

TEST_CASE("capability: chain length, rule count and signature block limits", "[wire]") {
    Ids ids;
    Capability c = Capability::issue(kNwid, kTs, 7, ssh_rules(), 1);
    REQUIRE(c.sign(ids.ctl, ids.a.address()));
    const Bytes bytes = serialize(c);
    const size_t mccl_at = kSignedLength - 1;

    Bytes zero = bytes;
    zero[mccl_at] = 0;
    CHECK(!Capability::parse(zero));
    Bytes eight = bytes;
    eight[mccl_at] = 8;
    CHECK(!Capability::parse(eight));

    // A second entry where max chain length 1 allows only one.
    Capability two = Capability::issue(kNwid, kTs, 7, ssh_rules(), 2);
    REQUIRE(two.sign(ids.ctl, ids.a.address()));
    REQUIRE(two.sign(ids.a, ids.b.address()));
    Bytes over = serialize(two);
    over[mccl_at] = 1;
    CHECK(!Capability::parse(over));

    // A C25519 signature block whose length is not 96.
    Bytes short_sig = bytes;
    short_sig[kSignedLength + 5 + 5 + 2] = 95;
    CHECK(!Capability::parse(short_sig));

    // 64 rules are allowed, 65 are not.
    auto with_rules = [](int n) {
        Bytes b = *zt::from_hex("c41b8868ac000001" "000001a20ec0ba12" "00000007");
        b.insert(b.end(), {uint8_t(n >> 8), uint8_t(n)});
        for (int i = 0; i < n; ++i) b.insert(b.end(), {0x01, 0x00});
        b.insert(b.end(), {0x01, 0, 0, 0, 0, 0, 0, 0});  // max chain 1, end of chain, no extension
        return b;
    };
    auto sixty_four = Capability::parse(with_rules(64));
    REQUIRE(sixty_four);
    CHECK(sixty_four->rules().size() == 64);
    CHECK(!Capability::parse(with_rules(65)));

    // issue() clamps like 1.14: 64 rules at most, chain length 1..7.
    std::vector<Rule> seventy(70, Rule::of(RuleType::action_accept));
    Capability clamped = Capability::issue(kNwid, kTs, 7, seventy, 0);
    CHECK(clamped.rules().size() == 64);
    CHECK(clamped.max_custody() == 1);
    CHECK(Capability::issue(kNwid, kTs, 7, {}, 200).max_custody() == 7);
    CHECK(!clamped.sign(ids.ctl, zt::Address()));  // zero `to` would end the chain
}
