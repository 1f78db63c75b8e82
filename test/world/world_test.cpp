// Worlds (spec §7.1-§7.3): the default planet against default_planet.json, the captures'
// private planet against its signing key, round trips, truncation, malformed input, the
// §7.2 update rule and World::sign.
#include <catch2/catch.hpp>

#include <array>
#include <span>
#include <string>

#include "core/bytes.hpp"
#include "core/world/world.hpp"
#include "json.hpp"
#include "world_test_util.hpp"

using namespace zt;
using ztest::hex;

namespace {

const Bytes& default_planet_vector() {
    static const Bytes b = [] {
        std::string text = ztest::read_file(ztest::vector_path("default_planet.hex"));
        std::string digits;
        for (char c : text)
            if (hex_digit(c) >= 0) digits += c;
        return hex(digits);
    }();
    return b;
}

const Bytes& private_planet_vector() {
    static const Bytes b = ztest::file_bytes(ztest::vector_path("captures/planet"));
    return b;
}

}  // namespace

TEST_CASE("world: default planet matches default_planet.json field by field", "[wire]") {
    const Bytes& bytes = default_planet_vector();
    REQUIRE(bytes.size() == 570);
    auto json = ztest::load_vectors("default_planet.json");
    CHECK(to_hex(bytes) == json["hex"].s());
    const auto& d = json["decoded"];

    auto w = World::parse(bytes);
    REQUIRE(w);
    CHECK(uint64_t(w->type) == d["type"].u64());
    CHECK(w->type == World::Type::planet);
    CHECK(w->id == d["id"].u64());
    CHECK(w->id == 149604618);
    CHECK(w->timestamp_ms == d["timestamp"].u64());
    CHECK(to_hex(w->updates_must_be_signed_by) == d["updatesMustBeSignedBy"].s());
    CHECK(to_hex(w->signature) == d["signature"].s());
    REQUIRE(w->roots.size() == d["roots"].size());
    for (size_t i = 0; i < w->roots.size(); ++i) {
        INFO("root " << i);
        const auto& jr = d["roots"][i];
        CHECK(w->roots[i].identity.to_string() == jr["identity"].s());
        CHECK_FALSE(w->roots[i].identity.has_secret());
        REQUIRE(w->roots[i].stable_endpoints.size() == jr["stableEndpoints"].size());
        for (size_t k = 0; k < w->roots[i].stable_endpoints.size(); ++k) {
            auto ep = Endpoint::parse(jr["stableEndpoints"][k].s());
            REQUIRE(ep);
            CHECK(w->roots[i].stable_endpoints[k] == *ep);
        }
    }
}

TEST_CASE("world: default planet is self-signed and its roots validate", "[wire]") {
    auto w = World::parse(default_planet_vector());
    REQUIRE(w);
    CHECK(w->self_signed());
    CHECK(w->verify_signature(w->updates_must_be_signed_by));
    CHECK(w->roots_locally_validate());
}

TEST_CASE("world: compiled-in default planet equals the vector", "[wire]") {
    const Bytes& v = default_planet_vector();
    auto compiled = default_planet_bytes();
    CHECK(Bytes(compiled.begin(), compiled.end()) == v);
    const World& w = default_planet();
    CHECK(w.type == World::Type::planet);
    CHECK(w.id == 149604618);
    CHECK(w.timestamp_ms == 1644592324813ULL);
    CHECK(w == *World::parse(v));
    CHECK(&default_planet() == &w);  // parsed once
}

TEST_CASE("world: serialize round-trips bit-exactly into a 0xA5-filled buffer", "[wire]") {
    for (const Bytes* b : {&default_planet_vector(), &private_planet_vector()}) {
        auto w = World::parse(*b);
        REQUIRE(w);
        bool tail_ok = false;
        CHECK(ztest::serialize_filled(*w, World::kMaxSerializedBytes, &tail_ok) == *b);
        CHECK(tail_ok);
        CHECK(w->serialized_size() == b->size());
        // The signed form: guards, no signature.
        Bytes msg = ztest::serialize_filled_for_sign(*w);
        REQUIRE(msg.size() == w->serialized_size(true));
        CHECK(msg.size() == b->size() - 96 + 16);
        CHECK(to_hex(std::span(msg).first(8)) == "7f7f7f7f7f7f7f7f");
        CHECK(to_hex(std::span(msg).last(8)) == "f7f7f7f7f7f7f7f7");
        CHECK(Bytes(msg.begin() + 8, msg.begin() + 8 + 81) == Bytes(b->begin(), b->begin() + 81));
        CHECK(Bytes(msg.begin() + 89, msg.end() - 8) == Bytes(b->begin() + 177, b->end()));
    }
}

TEST_CASE("world: a buffer one byte short fails the writer", "[wire]") {
    const World& w = default_planet();
    Bytes buf(w.serialized_size() - 1);
    Writer wr{std::span<uint8_t>(buf)};
    w.serialize(wr);
    CHECK_FALSE(wr.ok());
}

TEST_CASE("world: every truncated prefix fails, a trailing byte fails parse()", "[wire]") {
    for (const Bytes* b : {&default_planet_vector(), &private_planet_vector()}) {
        CHECK(ztest::short_prefixes_fail<World>(*b, b->size()));
        Bytes longer = *b;
        longer.push_back(0);
        CHECK_FALSE(World::parse(longer));
        // read() stops at the end of the world and leaves the rest.
        Reader r{longer};
        CHECK(World::read(r));
        CHECK(r.ok());
        CHECK(r.remaining() == 1);
    }
}

TEST_CASE("world: the captures' private planet is signed by world-keys/current", "[wire]") {
    const Bytes& b = private_planet_vector();
    REQUIRE(b.size() == 257);
    auto w = World::parse(b);
    REQUIRE(w);
    CHECK(w->type == World::Type::planet);
    CHECK(w->id == 0x7a747266);
    CHECK(w->timestamp_ms == 1732464000000ULL);
    REQUIRE(w->roots.size() == 1);
    CHECK(w->roots[0].identity.address().to_string() == "29399142c4");
    REQUIRE(w->roots[0].stable_endpoints.size() == 1);
    CHECK(w->roots[0].stable_endpoints[0] == Endpoint::v4({10, 99, 0, 1}, 9993));
    // The root is the captured root node.
    auto root_id = Identity::from_string(
        ztest::trim(ztest::read_file(ztest::vector_path("captures/nodes/root/identity.public"))));
    REQUIRE(root_id);
    CHECK(w->roots[0].identity == *root_id);
    CHECK(w->roots_locally_validate());

    auto current = ztest::load_keypair(ztest::vector_path("captures/world-keys/current.c25519"));
    CHECK(current.pub == crypto::c25519_public_from_secret(current.secret));
    CHECK(w->updates_must_be_signed_by == current.pub);
    CHECK(w->verify_signature(current.pub));
    CHECK(w->self_signed());
}

TEST_CASE("world: re-signing the private planet with world-keys/previous reproduces it", "[wire]") {
    // Ed25519 (RFC 8032) signing is deterministic and the C25519 signature appends
    // SHA-512(message)[0..31], so the same fields and key give the same 257 bytes.
    const Bytes& b = private_planet_vector();
    auto captured = World::parse(b);
    REQUIRE(captured);
    auto previous = ztest::load_keypair(ztest::vector_path("captures/world-keys/previous.c25519"));
    auto current = ztest::load_keypair(ztest::vector_path("captures/world-keys/current.c25519"));
    auto w = World::sign(World::Type::planet, captured->id, captured->timestamp_ms, captured->roots, current.pub,
                         previous.secret);
    REQUIRE(w);
    CHECK(w->verify_signature(previous.pub));
    CHECK(ztest::serialize_filled(*w, World::kMaxSerializedBytes) == b);
    CHECK(*w == *captured);
}

TEST_CASE("world: sign() keeps only public identities and checks limits", "[wire]") {
    ztest::KeyPair k = ztest::keypair_from_seed(7);
    auto known_good = Identity::from_string(ztest::known_good_identity_secret());
    REQUIRE(known_good);
    REQUIRE(known_good->has_secret());
    auto w = World::sign(World::Type::moon, known_good->address().value(), 1000,
                         {World::Root{*known_good, {Endpoint::v4({192, 0, 2, 1}, 9993)}}}, k.pub, k.secret);
    REQUIRE(w);
    CHECK_FALSE(w->roots[0].identity.has_secret());
    CHECK(w->self_signed());
    Bytes bytes = ztest::serialize_filled(*w, World::kMaxSerializedBytes);
    CHECK(bytes.size() == w->serialized_size());
    CHECK(to_hex(std::span(bytes).last(2)) == "0000");  // moon dictionary length
    auto back = World::parse(bytes);
    REQUIRE(back);
    CHECK(*back == *w);
    CHECK(back->verify_signature(k.pub));
    CHECK(ztest::short_prefixes_fail<World>(bytes, bytes.size()));

    std::vector<World::Root> five(5, World::Root{known_good->public_only(), {}});
    CHECK_FALSE(World::sign(World::Type::planet, 1, 1, five, k.pub, k.secret));
    std::vector<World::Root> many_eps{World::Root{known_good->public_only(), {}}};
    many_eps[0].stable_endpoints.assign(33, Endpoint::v4({192, 0, 2, 1}, 1));
    CHECK_FALSE(World::sign(World::Type::planet, 1, 1, many_eps, k.pub, k.secret));
    many_eps[0].stable_endpoints.resize(32);
    auto full = World::sign(World::Type::planet, 1, 1, many_eps, k.pub, k.secret);
    REQUIRE(full);
    CHECK(World::parse(ztest::serialize_filled(*full, World::kMaxSerializedBytes)));
    CHECK_FALSE(World::sign(World::Type::null, 1, 1, {}, k.pub, k.secret));
    CHECK_FALSE(World::sign(World::Type::planet, 1, 1, {World::Root{}}, k.pub, k.secret));

    // A hand-built world past the limits does not serialize.
    World bad = *full;
    bad.roots = five;
    Bytes buf(World::kMaxSerializedBytes);
    Writer wr{std::span<uint8_t>(buf)};
    bad.serialize(wr);
    CHECK_FALSE(wr.ok());
    CHECK_FALSE(bad.verify_signature(k.pub));
}

TEST_CASE("world: moon dictionary is skipped; zero roots is a valid world", "[wire]") {
    ztest::KeyPair k = ztest::keypair_from_seed(9);
    auto moon = World::sign(World::Type::moon, 0x1234, 5, {}, k.pub, k.secret);
    REQUIRE(moon);
    Bytes bytes = ztest::serialize_filled(*moon, World::kMaxSerializedBytes);
    REQUIRE(bytes.size() == World::kFixedBytes + 2);
    // Attach a 3-byte dictionary: parsed over, not kept; the signature (over length 0, as
    // upstream re-serializes) still verifies.
    Bytes with_dict(bytes.begin(), bytes.end() - 2);
    for (uint8_t x : {0x00, 0x03, 0x61, 0x3d, 0x62}) with_dict.push_back(x);
    auto parsed = World::parse(with_dict);
    REQUIRE(parsed);
    CHECK(*parsed == *moon);
    CHECK(parsed->verify_signature(k.pub));
    with_dict.pop_back();
    CHECK_FALSE(World::parse(with_dict));  // dictionary length past the end
}

TEST_CASE("world: malformed worlds are rejected", "[wire]") {
    const Bytes& good = private_planet_vector();
    constexpr size_t kRootCount = 177, kIdentity = 178, kKeyType = 183, kSecretLen = 248;
    constexpr size_t kEndpointCount = 249, kEndpointType = 250;
    REQUIRE(good[kRootCount] == 1);
    REQUIRE(good[kEndpointCount] == 1);
    REQUIRE(good[kEndpointType] == 4);
    (void)kIdentity;

    auto with = [&](size_t at, uint8_t v) {
        Bytes b = good;
        b[at] = v;
        return b;
    };
    for (uint8_t t : {0x00, 0x02, 0x7e, 0x80, 0xff}) {
        INFO("type " << int(t));
        CHECK_FALSE(World::parse(with(0, t)));
    }
    CHECK_FALSE(World::parse(with(kRootCount, 5)));     // > 4 roots
    CHECK_FALSE(World::parse(with(kRootCount, 2)));     // says 2, has 1
    CHECK_FALSE(World::parse(with(kKeyType, 1)));       // identity key type
    CHECK_FALSE(World::parse(with(kSecretLen, 1)));     // identity secret length
    CHECK_FALSE(World::parse(with(kEndpointCount, 33)));
    CHECK_FALSE(World::parse(with(kEndpointType, 7)));  // unknown InetAddress type

    // A root carrying a secret key (length 64) is refused even though it is well formed.
    auto known_good = Identity::from_string(ztest::known_good_identity_secret());
    REQUIRE(known_good);
    Bytes secret_root(good.begin(), good.begin() + kIdentity);
    {
        Bytes id(Identity::secret_serialized_bytes);
        Writer w{std::span<uint8_t>(id)};
        known_good->serialize(w, true);
        REQUIRE(w.ok());
        secret_root.insert(secret_root.end(), id.begin(), id.end());
        secret_root.push_back(0);  // no endpoints
    }
    CHECK_FALSE(World::parse(secret_root));

    // Zero roots, zero endpoints and the skipped InetAddress kinds are all well formed.
    Bytes no_roots(good.begin(), good.begin() + kRootCount);
    no_roots.push_back(0);
    auto nr = World::parse(no_roots);
    REQUIRE(nr);
    CHECK(nr->roots.empty());
    Bytes nil_ep(good.begin(), good.begin() + kEndpointType);
    for (uint8_t x : {0x02, 1, 2, 3, 4, 5, 6}) nil_ep.push_back(x);
    nil_ep[kEndpointCount] = 1;
    auto ne = World::parse(nil_ep);
    REQUIRE(ne);
    REQUIRE(ne->roots[0].stable_endpoints.size() == 1);
    CHECK(ne->roots[0].stable_endpoints[0].is_nil());
}

TEST_CASE("world: any single flipped byte breaks parse or signature", "[wire]") {
    const Bytes& good = private_planet_vector();
    auto key = ztest::load_keypair(ztest::vector_path("captures/world-keys/current.c25519"));
    for (size_t i = 0; i < good.size(); ++i) {
        INFO("byte " << i);
        Bytes b = good;
        b[i] ^= 0x01;
        auto w = World::parse(b);
        if (w) CHECK_FALSE(w->verify_signature(key.pub));
    }
}

TEST_CASE("world: parse_all reads concatenated worlds (OK(HELLO) updates)", "[wire]") {
    const Bytes& a = default_planet_vector();
    const Bytes& b = private_planet_vector();
    auto none = World::parse_all({});
    REQUIRE(none);
    CHECK(none->empty());

    Bytes both = a;
    both.insert(both.end(), b.begin(), b.end());
    auto two = World::parse_all(both);
    REQUIRE(two);
    REQUIRE(two->size() == 2);
    CHECK((*two)[0] == default_planet());
    CHECK((*two)[1] == *World::parse(b));

    Bytes trailing = both;
    trailing.push_back(1);
    CHECK_FALSE(World::parse_all(trailing));
    Bytes cut(both.begin(), both.end() - 1);
    CHECK_FALSE(World::parse_all(cut));
}
