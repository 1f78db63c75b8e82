// Identity (spec §1, §2): upstream known-good/known-bad and root identities with their
// memory-hard digests (identities.json), the four capture identities, text and binary
// forms, generation, agreement against keys recorded in capture_packets.json.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto/c25519.hpp"
#include "core/identity.hpp"
#include "json.hpp"
#include "test_util.hpp"

using zt::Identity;
using zt::to_hex;
using ztest::hex;

namespace {

// One scratch for all the hashes in this file.
std::span<uint8_t, zt::crypto::memory_hard_scratch_bytes> scratch() {
    static auto buf = std::make_unique<uint8_t[]>(zt::crypto::memory_hard_scratch_bytes);
    return std::span<uint8_t, zt::crypto::memory_hard_scratch_bytes>(buf.get(), zt::crypto::memory_hard_scratch_bytes);
}

std::string known_good() { return ztest::load_vectors("identities.json")["identities"][0]["identity"].s(); }

Identity capture_identity(const std::string& node) {
    auto text = ztest::read_file(ztest::vector_path("captures/nodes/" + node + "/identity.secret"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto id = Identity::from_string(text);
    REQUIRE(id);
    return *id;
}

}  // namespace

TEST_CASE("identity: every identity of identities.json has the recorded validity and digest", "[crypto]") {
    auto j = ztest::load_vectors("identities.json");
    REQUIRE(j["identities"].size() >= 10);
    for (const auto& v : j["identities"].arr) {
        INFO(v["identity"].s());
        auto id = Identity::from_string(v["identity"].s());
        REQUIRE(id);
        CHECK(to_hex(zt::crypto::memory_hard_digest(id->public_key(), scratch())) == v["memory_hard_digest"].s());
        CHECK(id->locally_validate(scratch()) == v["valid"].b);
    }
}

TEST_CASE("identity: the allocating digest and validation agree with the scratch versions", "[crypto]") {
    auto id = Identity::from_string(known_good());
    REQUIRE(id);
    CHECK(id->memory_hard_digest() == zt::crypto::memory_hard_digest(id->public_key(), scratch()));
    CHECK(id->locally_validate());
}

TEST_CASE("identity: the known-good secret derives both public halves", "[crypto]") {
    auto text = known_good();
    auto id = Identity::from_string(text);
    REQUIRE(id);
    REQUIRE(id->has_secret());
    zt::crypto::C25519Secret sec(ztest::fixed<64>(hex(text.substr(text.rfind(':') + 1))));
    CHECK(zt::crypto::c25519_public_from_secret(sec) == id->public_key());
}

TEST_CASE("identity: text form round trip", "[crypto]") {
    auto text = known_good();
    auto id = Identity::from_string(text);
    REQUIRE(id);
    CHECK(id->address().to_string() == "8e4df28b72");
    CHECK(id->to_string(true) == text);
    const std::string pub_text = text.substr(0, text.rfind(':'));
    CHECK(id->to_string() == pub_text);
    CHECK(id->to_string(false) == pub_text);

    auto pub = Identity::from_string(pub_text);
    REQUIRE(pub);
    CHECK_FALSE(pub->has_secret());
    CHECK(*pub == *id);
    CHECK(pub->to_string(true) == pub_text);  // nothing to add

    std::string upper = text;
    for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    auto up = Identity::from_string(upper);
    REQUIRE(up);
    CHECK(up->to_string(true) == text);
}

TEST_CASE("identity: malformed text forms are refused", "[crypto]") {
    const auto text = known_good();
    const auto pub_text = text.substr(0, text.rfind(':'));
    const auto pub_hex = pub_text.substr(13);
    const auto sec_hex = text.substr(text.rfind(':') + 1);
    const std::vector<std::string> bad = {
        "",
        "8e4df28b72",
        "8e4df28b72:0",
        "8e4df28b72:1:" + pub_hex,                         // key type must be 0
        "8e4df28b72:00:" + pub_hex,
        "0000000000:0:" + pub_hex,                         // reserved address
        "ff4df28b72:0:" + pub_hex,                         // reserved address
        "8e4df28b7:0:" + pub_hex,                          // short address
        "8e4df28b72:0:" + pub_hex.substr(2),               // short key
        "8e4df28b72:0:" + pub_hex + "00",                  // long key
        "8e4df28b72:0:" + pub_hex.substr(1) + "g",         // not hex
        "8e4df28b72:0:" + pub_hex + ":" + sec_hex.substr(2),
        "8e4df28b72:0:" + pub_hex + ":",
        text + ":",
        text + ":00",
    };
    for (const auto& s : bad) {
        INFO(s);
        CHECK_FALSE(Identity::from_string(s));
    }
}

TEST_CASE("identity: binary form round trip into a 0xA5 buffer", "[crypto]") {
    auto id = Identity::from_string(known_good());
    REQUIRE(id);
    for (bool with_secret : {false, true}) {
        const size_t expect = with_secret ? Identity::secret_serialized_bytes : Identity::public_serialized_bytes;
        std::vector<uint8_t> buf(200, 0xA5);
        zt::Writer w(buf);
        id->serialize(w, with_secret);
        REQUIRE(w.ok());
        REQUIRE(w.size() == expect);
        CHECK(buf[expect] == 0xA5);  // nothing written past the end
        CHECK(to_hex(std::span(buf).first(5)) == "8e4df28b72");
        CHECK(buf[5] == 0x00);
        CHECK(to_hex(std::span(buf).subspan(6, 64)) == to_hex(id->public_key()));
        CHECK(buf[70] == (with_secret ? 64 : 0));

        zt::Reader r{std::span(buf).first(expect)};
        auto back = Identity::parse(r);
        REQUIRE(r.ok());
        REQUIRE(back);
        CHECK(r.at_end());
        CHECK(*back == *id);
        CHECK(back->has_secret() == with_secret);
        CHECK(back->to_string(true) == id->to_string(with_secret));

        // Every strict prefix fails.
        for (size_t n = 0; n < expect; ++n) {
            zt::Reader rp{std::span(buf).first(n)};
            CHECK_FALSE(Identity::parse(rp));
            CHECK_FALSE(rp.ok());
        }
    }
}

TEST_CASE("identity: binary parse refuses other key types and secret lengths", "[crypto]") {
    auto id = Identity::from_string(known_good());
    REQUIRE(id);
    std::vector<uint8_t> buf(Identity::secret_serialized_bytes + 64);
    zt::Writer w(buf);
    id->serialize(w, true);
    REQUIRE(w.ok());

    auto with = [&](size_t at, uint8_t v) {
        auto b = buf;
        b[at] = v;
        zt::Reader r(b);
        auto got = Identity::parse(r);
        return got.has_value() && r.ok();
    };
    CHECK(with(5, 0));
    CHECK_FALSE(with(5, 1));
    CHECK_FALSE(with(5, 0xff));
    CHECK(with(70, 64));
    CHECK(with(70, 0));
    CHECK_FALSE(with(70, 32));
    CHECK_FALSE(with(70, 65));
    CHECK_FALSE(with(70, 128));
}

TEST_CASE("identity: generate() makes a valid identity that signs and agrees", "[crypto]") {
    zt::SeededRng rng(12345);
    Identity id = Identity::generate(rng);
    CHECK(id.has_secret());
    CHECK_FALSE(id.address().is_reserved());
    CHECK(id.locally_validate(scratch()));

    // Deterministic for a given seed.
    zt::SeededRng rng2(12345);
    CHECK(Identity::generate(rng2).to_string(true) == id.to_string(true));

    auto text = id.to_string(true);
    zt::crypto::C25519Secret sec(ztest::fixed<64>(hex(text.substr(text.rfind(':') + 1))));
    CHECK(zt::crypto::c25519_public_from_secret(sec) == id.public_key());

    const std::vector<uint8_t> msg = {1, 2, 3, 4, 5};
    auto sig = id.sign(msg);
    CHECK(id.verify(msg, sig));
    CHECK(id.public_only().verify(msg, sig));
    auto other = Identity::from_string(known_good());
    REQUIRE(other);
    CHECK_FALSE(other->verify(msg, sig));

    auto k1 = id.agree(*other);
    auto k2 = other->agree(id.public_only());
    REQUIRE(k1);
    REQUIRE(k2);
    CHECK(k1->equals(*k2));
}

TEST_CASE("identity: without a secret there is no agreement and no signature", "[crypto]") {
    auto id = Identity::from_string(known_good());
    REQUIRE(id);
    Identity pub = id->public_only();
    CHECK_FALSE(pub.has_secret());
    CHECK_FALSE(pub.agree(*id));
    const std::vector<uint8_t> msg = {9};
    auto sig = pub.sign(msg);
    CHECK(sig == zt::crypto::C25519Signature{});
    CHECK_FALSE(id->verify(msg, sig));
    CHECK(Identity().is_nil());
    CHECK_FALSE(Identity().locally_validate());
}

TEST_CASE("identity: capture node identities parse, validate and agree as recorded", "[crypto]") {
    auto j = ztest::load_vectors("capture_packets.json");
    for (const char* node : {"a", "b", "ctl", "root"}) {
        INFO(node);
        Identity id = capture_identity(node);
        CHECK(id.has_secret());
        CHECK(id.locally_validate(scratch()));
        CHECK(id.to_string(true) == j["identities"][node].s());
    }
    Identity a = capture_identity("a"), b = capture_identity("b");
    size_t checked = 0;
    for (const auto& p : j["packets"].arr) {
        const bool ab = p["from"].s().rfind("a ", 0) == 0 && p["to"].s().rfind("b ", 0) == 0;
        const bool ba = p["from"].s().rfind("b ", 0) == 0 && p["to"].s().rfind("a ", 0) == 0;
        if (!ab && !ba) continue;
        auto k_ab = a.agree(b.public_only());
        auto k_ba = b.agree(a.public_only());
        REQUIRE(k_ab);
        REQUIRE(k_ba);
        CHECK(to_hex(k_ab->span()) == p["shared_key48"].s());
        CHECK(to_hex(k_ba->span()) == p["shared_key48"].s());
        ++checked;
    }
    CHECK(checked > 0);
}
