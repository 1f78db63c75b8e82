// Planet updates through roots (spec §5.2, §7.2): a root offers its planet in OK(HELLO) to a
// leaf that announces an older revision; the leaf adopts it only if the current revision's
// update key signed it and only from one of its roots.
#include <catch2/catch.hpp>

#include "capture_identities.hpp"
#include "core/crypto/c25519.hpp"
#include "sim.hpp"

using namespace zt;
using ztest::SimNet;

namespace {

using ztest::capture_identity;

constexpr uint64_t kPlanetId = 0x7a747266;
constexpr uint64_t kRev1 = 1732464000000ULL, kRev2 = kRev1 + 86400000;

Endpoint ep(uint8_t last, uint16_t port) { return Endpoint::v4({10, 99, 0, last}, port); }

struct Key {
    crypto::C25519Public pub;
    crypto::C25519Secret secret;
    explicit Key(uint64_t seed) {
        SeededRng rng(seed);
        std::array<uint8_t, 64> s{};
        rng.fill(s);
        secret = crypto::C25519Secret(std::span<const uint8_t, 64>(s));
        pub = crypto::c25519_public_from_secret(secret);
    }
};

World planet(uint64_t ts, const Identity& root, std::vector<Endpoint> eps, const Key& signer, const Key& next) {
    auto w = World::sign(World::Type::planet, kPlanetId, ts, {World::Root{root.public_only(), std::move(eps)}}, next.pub,
                         signer.secret);
    REQUIRE(w);
    return *w;
}

struct RootAndLeaf {
    SimNet net;
    Identity idr = capture_identity("root"), ida = capture_identity("a");
    ztest::SimNode *r, *a;
    RootAndLeaf(const World& root_planet, const World& leaf_planet) {
        r = &net.add(idr, ep(1, 9993), 21);
        a = &net.add(ida, ep(11, 9993), 22);
        r->node->set_root_role(true);
        r->node->set_planet(root_planet);
        a->node->set_planet(leaf_planet);
    }
};

}  // namespace

TEST_CASE("world update: a root gives a leaf the newer planet its key signed", "[core][world]") {
    Key k(1), k2(2);
    const Identity idr = capture_identity("root");
    World v1 = planet(kRev1, idr, {ep(1, 9993)}, k, k);
    // Revision 2 adds an endpoint and names the next update key; signed by v1's key.
    World v2 = planet(kRev2, idr, {ep(1, 9993), Endpoint::v4({10, 99, 0, 2}, 9993)}, k, k2);
    RootAndLeaf s(v2, v1);
    s.net.advance(2000);

    CHECK(s.a->node->online(s.net.now));
    CHECK(s.a->node->planet() == v2);
    CHECK(s.a->host->count(Event::Kind::planet_updated) == 1);
    CHECK(s.a->node->stats().dropped(Drop::bad_world) == 0);

    // The leaf now announces revision 2: the root offers nothing more, the leaf stays put.
    s.net.advance(300000);
    CHECK(s.a->host->count(Event::Kind::planet_updated) == 1);
    CHECK(s.a->node->planet() == v2);
    // The root keeps its own.
    CHECK(s.r->node->planet() == v2);
}

TEST_CASE("world update: a revision signed by another key is dropped and counted", "[core][world]") {
    Key k(1), stranger(3);
    const Identity idr = capture_identity("root");
    World v1 = planet(kRev1, idr, {ep(1, 9993)}, k, k);
    World forged = planet(kRev2, idr, {ep(1, 9993)}, stranger, stranger);
    RootAndLeaf s(forged, v1);
    s.net.advance(2000);

    CHECK(s.a->node->online(s.net.now));  // the root itself still serves
    CHECK(s.a->node->planet() == v1);
    CHECK(s.a->host->count(Event::Kind::planet_updated) == 0);
    CHECK(s.a->node->stats().dropped(Drop::bad_world) >= 1);
}

TEST_CASE("world update: a root never takes a newer planet from a leaf", "[core][world]") {
    Key k(1);
    const Identity idr = capture_identity("root");
    World v1 = planet(kRev1, idr, {ep(1, 9993)}, k, k);
    World v2 = planet(kRev2, idr, {ep(1, 9993)}, k, k);
    RootAndLeaf s(v1, v2);
    s.net.advance(2000);

    CHECK(s.a->node->online(s.net.now));
    CHECK(s.r->node->planet() == v1);
    CHECK(s.a->node->planet() == v2);
    CHECK(s.a->host->count(Event::Kind::planet_updated) == 0);
    CHECK(s.r->host->count(Event::Kind::planet_updated) == 0);
}

TEST_CASE("world update: a newer planet offered by a peer that is not a root is ignored", "[core][world]") {
    Key k(1);
    const Identity idr = capture_identity("root");
    World v1 = planet(kRev1, idr, {ep(1, 9993)}, k, k);
    World v2 = planet(kRev2, idr, {ep(1, 9993)}, k, k);
    SimNet net;  // no root on the network: a and b only know each other
    Identity ida = capture_identity("a"), idb = capture_identity("b");
    auto& a = net.add(ida, ep(11, 9993), 31);
    auto& b = net.add(idb, ep(12, 9993), 32);
    a.node->set_planet(v1);
    b.node->set_planet(v2);
    a.node->add_static_peer(idb.public_only(), b.endpoint);
    b.node->add_static_peer(ida.public_only(), a.endpoint);
    net.advance(2000);

    bool a_knows_b = false;
    for (const auto& p : a.node->peers())
        if (p.address == idb.address()) a_knows_b = p.proto_version != 0;
    CHECK(a_knows_b);  // b did answer a's HELLO (with its planet in the OK)
    CHECK(a.node->planet() == v1);
    CHECK(a.host->count(Event::Kind::planet_updated) == 0);
}
