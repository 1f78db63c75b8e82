// Spec §7.2: when a received world replaces the current one. One TEST_CASE per rule.
#include <catch2/catch.hpp>

#include "core/world/world.hpp"
#include "world_test_util.hpp"

using namespace zt;

namespace {

// The current planet (id 42, timestamp 1000) was signed by `prev` and names `next` as the
// key for the following revision. `stranger` is unrelated.
struct UpdateFixture {
    ztest::KeyPair prev = ztest::keypair_from_seed(1);
    ztest::KeyPair next = ztest::keypair_from_seed(2);
    ztest::KeyPair after = ztest::keypair_from_seed(3);
    ztest::KeyPair stranger = ztest::keypair_from_seed(4);
    std::vector<World::Root> roots = default_planet().roots;
    World current = make(World::Type::planet, 42, 1000, next, prev);

    World make(World::Type t, uint64_t id, uint64_t ts, const ztest::KeyPair& embeds, const ztest::KeyPair& signer) {
        auto w = World::sign(t, id, ts, roots, embeds.pub, signer.secret);
        REQUIRE(w);
        return *w;
    }
};

}  // namespace

TEST_CASE_METHOD(UpdateFixture, "world update: newer, same id and type, signed by current's next key -> accept", "[core]") {
    World cand = make(World::Type::planet, 42, 1001, after, next);
    CHECK(check_world_update(current, cand) == WorldUpdate::accept);
    CHECK(should_replace(current, cand));
    // The chain continues with the key the candidate named, not the old one.
    World third = make(World::Type::planet, 42, 2000, after, after);
    CHECK(should_replace(cand, third));
    CHECK(check_world_update(current, third) == WorldUpdate::bad_signature);
}

TEST_CASE_METHOD(UpdateFixture, "world update: older or same timestamp -> not_newer", "[core]") {
    CHECK(check_world_update(current, make(World::Type::planet, 42, 999, next, next)) == WorldUpdate::not_newer);
    CHECK(check_world_update(current, make(World::Type::planet, 42, 1000, next, next)) == WorldUpdate::not_newer);
    CHECK(check_world_update(current, current) == WorldUpdate::not_newer);
}

TEST_CASE_METHOD(UpdateFixture, "world update: timestamps compare unsigned", "[core]") {
    // 2^63 and above are newer (upstream keeps the timestamp as uint64_t).
    World cand = make(World::Type::planet, 42, 0x8000000000000000ULL, next, next);
    CHECK(should_replace(current, cand));
}

TEST_CASE_METHOD(UpdateFixture, "world update: other world id -> other_id", "[core]") {
    CHECK(check_world_update(current, make(World::Type::planet, 43, 1001, next, next)) == WorldUpdate::other_id);
}

TEST_CASE_METHOD(UpdateFixture, "world update: moon with the planet's id -> other_type", "[core]") {
    World moon = make(World::Type::moon, 42, 1001, next, next);
    CHECK(check_world_update(current, moon) == WorldUpdate::other_type);
    World current_moon = make(World::Type::moon, 42, 1000, next, prev);
    CHECK(check_world_update(current_moon, make(World::Type::planet, 42, 1001, next, next)) ==
          WorldUpdate::other_type);
    CHECK(should_replace(current_moon, moon));  // moons follow the same rule
}

TEST_CASE_METHOD(UpdateFixture, "world update: corrupted signature -> bad_signature", "[core]") {
    World cand = make(World::Type::planet, 42, 1001, after, next);
    for (size_t i : {size_t(0), size_t(63), size_t(64), size_t(95)}) {
        INFO("signature byte " << i);
        World bad = cand;
        bad.signature[i] ^= 0x80;
        CHECK(check_world_update(current, bad) == WorldUpdate::bad_signature);
    }
    World edited = cand;
    edited.roots[0].stable_endpoints[0].port = 1;  // content changed after signing
    CHECK(check_world_update(current, edited) == WorldUpdate::bad_signature);
}

TEST_CASE_METHOD(UpdateFixture, "world update: self-signed by the wrong key -> bad_signature", "[core]") {
    World by_stranger = make(World::Type::planet, 42, 1001, stranger, stranger);
    CHECK(by_stranger.self_signed());
    CHECK(check_world_update(current, by_stranger) == WorldUpdate::bad_signature);
    // The key that signed the current world is not the one that authorises its successor.
    World by_prev = make(World::Type::planet, 42, 1001, next, prev);
    CHECK(check_world_update(current, by_prev) == WorldUpdate::bad_signature);
}

TEST_CASE_METHOD(UpdateFixture, "world update: null current accepts any world, a null candidate is refused", "[core]") {
    World null_world;
    World by_stranger = make(World::Type::planet, 7, 1, stranger, stranger);
    by_stranger.signature[0] ^= 1;
    CHECK(check_world_update(null_world, by_stranger) == WorldUpdate::accept);
    CHECK(check_world_update(null_world, null_world) == WorldUpdate::null_candidate);
    CHECK(check_world_update(current, null_world) == WorldUpdate::null_candidate);
}

TEST_CASE_METHOD(UpdateFixture, "world update: the default planet refuses a newer planet not signed by its key", "[core]") {
    const World& earth = default_planet();
    World fake = make(World::Type::planet, earth.id, earth.timestamp_ms + 1, stranger, stranger);
    CHECK(check_world_update(earth, fake) == WorldUpdate::bad_signature);
    CHECK_FALSE(should_replace(earth, earth));
}
