// NetworkConfig <-> Dictionary (spec §8.5): the captured 1121-byte config (dictionaries.json)
// and the configs pushed to a and b (NETWORK_CONFIG in 01-bringup.pcap) read field by field
// and written back byte for byte; a config using every key round trips; bad blobs are refused.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "capture_identities.hpp"
#include "capture_vectors.hpp"
#include "core/vl2/config_chunk.hpp"
#include "core/vl2/network_config.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};

Bytes captured_config() {
    return ztest::hex(ztest::load_vectors("dictionaries.json")["network_config"]["raw_hex"].s());
}

Dictionary dict(const Bytes& text) {
    auto d = Dictionary::parse(text);
    REQUIRE(d);
    return *d;
}

// The captured config with `key` replaced by `value` (or removed if nullopt), order kept.
Dictionary with(const std::string& key, std::optional<Bytes> value) {
    Dictionary out;
    bool seen = false;
    const Dictionary base = dict(captured_config());
    for (const auto& e : base.entries()) {
        if (e.key == key) {
            seen = true;
            if (value) REQUIRE(out.add(key, *value));
        } else {
            REQUIRE(out.add(e.key, e.value));
        }
    }
    if (!seen && value) REQUIRE(out.add(key, *value));
    return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::vector<std::string> keys_of(const Dictionary& d) {
    std::vector<std::string> k;
    for (const auto& e : d.entries()) k.push_back(e.key);
    return k;
}

ConfigError error_of(const Dictionary& d) {
    auto c = NetworkConfig::from_dictionary(d);
    REQUIRE_FALSE(c);
    return c.error();
}

}  // namespace

TEST_CASE("network config: the captured config, field by field, and back byte for byte", "[wire]") {
    const Bytes raw = captured_config();
    auto c = NetworkConfig::from_dictionary(dict(raw));
    REQUIRE(c);
    CHECK(c->nwid == kNwid);
    CHECK(c->timestamp == 0x000001a20ec0ba12LL);
    CHECK(c->credential_time_max_delta_ms == 1800000);
    CHECK(c->revision == 1);
    CHECK(c->issued_to == Address(0x0eb8d1da54ULL));
    CHECK(c->trace_target.is_zero());
    CHECK(c->trace_level == 0);
    CHECK(c->flags == NetworkConfig::kFlagEnableBroadcast);
    CHECK(c->broadcast_enabled());
    CHECK_FALSE(c->ndp_emulation());
    CHECK_FALSE(c->unsupported_match_result());
    CHECK_FALSE(c->compression_disabled());
    CHECK(c->multicast_limit == 32);
    CHECK(c->multicast_enabled());
    CHECK(c->is_private());
    CHECK(c->name == "ztref");
    CHECK(c->mtu == 2800);
    CHECK(c->specialists.empty());
    CHECK(c->capabilities.empty());
    CHECK(c->tags.empty());

    const Identity ctl = ztest::capture_identity("ctl").public_only();
    REQUIRE(c->com);
    CHECK(c->com->verify(ctl));
    CHECK(c->com->issued_to() == c->issued_to);
    REQUIRE(c->coos.size() == 1);
    CHECK(c->coos[0].verify(ctl));
    CHECK(c->coos[0].owns_ip(Endpoint::v4({10, 147, 17, 11}, 0)));

    REQUIRE(c->routes.size() == 1);
    CHECK(c->routes[0].target.address == Endpoint::v4({10, 147, 17, 0}, 0));
    CHECK(c->routes[0].target.bits == 24);
    CHECK_FALSE(c->routes[0].via);
    CHECK(c->routes[0].flags == 0);
    CHECK(c->routes[0].metric == 0);
    REQUIRE(c->static_ips.size() == 1);
    CHECK(c->static_ips[0].address == Endpoint::v4({10, 147, 17, 11}, 0));
    CHECK(c->static_ips[0].bits == 24);
    REQUIRE(c->rules.size() == 1);
    CHECK(c->rules[0].type() == RuleType::action_accept);
    CHECK(c->dns.domain.empty());
    for (const auto& s : c->dns.servers) CHECK(s.endpoint.is_nil());
    CHECK(c->sso_version == 0);
    CHECK_FALSE(c->sso_enabled);

    auto back = c->to_dictionary();
    REQUIRE(back);
    CHECK(back->serialize() == raw);
    CHECK(keys_of(*back) == std::vector<std::string>{"v", "nwid", "ts", "ctmd", "r", "id", "tt", "tl", "f", "ml",
                                                     "t", "n", "mtu", "C", "COO", "RT", "I", "R", "DNS", "ssov",
                                                     "ssoe"});
}

TEST_CASE("network config: the configs pushed to a and b round trip byte for byte", "[wire]") {
    size_t seen = 0;
    for (const auto& p : ztest::captured_packets()) {
        if (p.verb != "NETWORK_CONFIG") continue;
        auto chunk = ConfigChunk::parse(p.payload_decompressed);
        REQUIRE(chunk);
        const Bytes text(chunk->data.begin(), chunk->data.end());
        auto c = NetworkConfig::from_dictionary(dict(text));
        REQUIRE(c);
        CHECK(p.to.find(c->issued_to.to_string()) != std::string::npos);
        auto back = c->to_dictionary();
        REQUIRE(back);
        CHECK(back->serialize() == text);
        ++seen;
    }
    CHECK(seen == 4);
}

TEST_CASE("network config: every key round trips", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl");
    NetworkConfig c;
    c.nwid = kNwid;
    c.timestamp = -5;  // written as "-" + 16 hex digits, as upstream's add(int64) does
    c.revision = 42;
    c.issued_to = Address(0x3cc90031a0ULL);
    c.credential_time_max_delta_ms = 7200000;
    c.trace_target = Address(0x29399142c4ULL);
    c.trace_level = 2;
    c.flags = NetworkConfig::kFlagNdpEmulation | NetworkConfig::kFlagDisableCompression;
    c.multicast_limit = 0;
    c.type = NetworkType::public_network;
    c.name = "a=b\\c\nd";
    c.mtu = 1400;
    c.com = CertificateOfMembership::issue(kNwid, 1000, 1800000, ztest::capture_identity("b"));
    REQUIRE(c.com->sign(ctl));
    c.specialists = {NetworkConfig::kSpecialistActiveBridge | 0x0eb8d1da54ULL,
                     NetworkConfig::kSpecialistAnchor | NetworkConfig::kSpecialistMulticastReplicator | 0x29399142c4ULL};
    Route via;
    via.target = {Endpoint::v4({192, 168, 0, 0}, 0), 16};
    via.via = wire::InetAddress{Endpoint::v4({10, 147, 17, 1}, 0)};
    via.flags = 1;
    via.metric = 100;
    Route on_link;
    on_link.target = {Endpoint::v6({0xfd, 0xc4, 0x1b}, 0), 88};
    c.routes = {via, on_link};
    c.static_ips = {{Endpoint::v4({10, 147, 17, 12}, 0), 24}, {Endpoint::v6({0xfd, 0xc4, 0x1b, 0x88}, 0), 88}};
    c.rules = {Rule::of(RuleType::match_ethertype, true), Rule::of(RuleType::action_drop), Rule::of(RuleType::action_accept)};
    c.rules[0].ether_type = 0x0800;
    Capability cap = Capability::issue(kNwid, 1000, 7, {Rule::of(RuleType::action_accept)}, 1);
    REQUIRE(cap.sign(ctl, c.issued_to));
    c.capabilities = {cap};
    Tag tag;
    tag.nwid = kNwid;
    tag.timestamp = 1000;
    tag.id = 3;
    tag.value = 9;
    tag.issued_to = c.issued_to;
    REQUIRE(tag.sign(ctl));
    c.tags = {tag};
    for (uint32_t i = 0; i < 4; ++i) {
        CertificateOfOwnership coo;
        coo.nwid = kNwid;
        coo.id = i;
        coo.issued_to = c.issued_to;
        REQUIRE(coo.add_ip(Endpoint::v4({10, 147, 17, uint8_t(12 + i)}, 0)));
        REQUIRE(coo.sign(ctl));
        c.coos.push_back(coo);
    }
    c.dns.domain = "zt.example";
    c.dns.servers[0] = wire::InetAddress{Endpoint::v4({10, 147, 17, 1}, 53)};
    c.dns.servers[1] = wire::InetAddress{Endpoint::v6({0xfd}, 53)};
    c.sso_enabled = true;
    c.sso_version = 1;
    c.issuer_url = "https://issuer";
    c.central_auth_url = "https://central";
    c.sso_nonce = "n";
    c.sso_state = "s";
    c.sso_client_id = "id";
    c.sso_provider = "oidc";

    auto d = c.to_dictionary();
    REQUIRE(d);
    CHECK(keys_of(*d) == std::vector<std::string>{"v", "nwid", "ts", "ctmd", "r", "id", "tt", "tl", "f", "ml", "t",
                                                  "n", "mtu", "C", "CAP", "TAG", "COO", "S", "RT", "I", "R", "DNS",
                                                  "ssov", "ssoe", "iurl", "ssoce", "sson", "ssos", "ssocid", "ssop"});
    CHECK(d->get_string("ts") == "-0000000000000005");
    CHECK(d->get_string("tt") == "29399142c4");
    auto back = NetworkConfig::from_dictionary(*Dictionary::parse(d->serialize()));
    REQUIRE(back);
    CHECK(*back == c);
    CHECK(back->specialists_with(NetworkConfig::kSpecialistAnchor) == std::vector<Address>{Address(0x29399142c4ULL)});
    CHECK(back->specialists_with(NetworkConfig::kSpecialistActiveBridge) == std::vector<Address>{Address(0x0eb8d1da54ULL)});
    REQUIRE(back->tag(3));
    CHECK(back->tag(3)->value == 9);
    CHECK_FALSE(back->tag(4));
    REQUIRE(back->capability(7));
    CHECK(back->capability(7)->verify(ctl));

    // SSO version 0: aurl and aexpt when enabled; version 1 without a provider reads "default".
    NetworkConfig v0 = c;
    v0.sso_version = 0;
    v0.issuer_url = v0.central_auth_url = v0.sso_nonce = v0.sso_state = v0.sso_client_id = v0.sso_provider = "";
    v0.authentication_url = "https://auth";
    v0.authentication_expiry_time = 0x1234;
    auto d0 = v0.to_dictionary();
    REQUIRE(d0);
    CHECK(d0->get_string("aurl") == "https://auth");
    CHECK(d0->get_u64("aexpt") == 0x1234u);
    CHECK_FALSE(d0->get("iurl"));
    auto b0 = NetworkConfig::from_dictionary(*d0);
    REQUIRE(b0);
    CHECK(*b0 == v0);
    Dictionary no_provider;
    for (const auto& e : d->entries())
        if (e.key != "ssop") REQUIRE(no_provider.add(e.key, e.value));
    auto np = NetworkConfig::from_dictionary(no_provider);
    REQUIRE(np);
    CHECK(np->sso_provider == "default");
}

TEST_CASE("network config: limits, defaults and clamps", "[wire]") {
    auto mtu_of = [](const char* v) {
        auto c = NetworkConfig::from_dictionary(with("mtu", v ? std::optional<Bytes>(text(v)) : std::nullopt));
        REQUIRE(c);
        return c->mtu;
    };
    CHECK(mtu_of(nullptr) == 2800);
    CHECK(mtu_of("") == 2800);
    CHECK(mtu_of("64") == 1280);
    CHECK(mtu_of("4e20") == 10000);
    CHECK(mtu_of("100000500") == 1280);  // truncated to 32 bits first, as upstream does
    CHECK(mtu_of("578") == 1400);

    // A name is read as a C string of at most 127 bytes.
    auto named = NetworkConfig::from_dictionary(with("n", text(std::string(200, 'x'))));
    REQUIRE(named);
    CHECK(named->name.size() == 127);

    // More than 4 COOs: the first 4 are kept (all must parse).
    const Bytes coo = ztest::hex(ztest::load_vectors("dictionaries.json")["network_config"]["decoded"]["COO"]["binary_hex"].s());
    Bytes five;
    for (int i = 0; i < 5; ++i) five.insert(five.end(), coo.begin(), coo.end());
    auto c5 = NetworkConfig::from_dictionary(with("COO", five));
    REQUIRE(c5);
    CHECK(c5->coos.size() == 4);
    five.pop_back();
    CHECK(error_of(with("COO", five)) == ConfigError::bad_coos);

    // Routes beyond 128 and IPs beyond 32 are not read; specialists beyond 256 are dropped.
    const Bytes route = ztest::hex("040a9311000018" "00" "0000" "0000");
    Bytes routes;
    for (int i = 0; i < 130; ++i) routes.insert(routes.end(), route.begin(), route.end());
    routes.push_back(0x09);  // never reached
    auto cr = NetworkConfig::from_dictionary(with("RT", routes));
    REQUIRE(cr);
    CHECK(cr->routes.size() == 128);
    const Bytes ip = ztest::hex("040a93110b0018");
    Bytes ips;
    for (int i = 0; i < 33; ++i) ips.insert(ips.end(), ip.begin(), ip.end());
    auto ci = NetworkConfig::from_dictionary(with("I", ips));
    REQUIRE(ci);
    CHECK(ci->static_ips.size() == 32);
    Bytes specialists(257 * 8 + 3, 0x01);
    auto cs = NetworkConfig::from_dictionary(with("S", specialists));
    REQUIRE(cs);
    CHECK(cs->specialists.size() == 256);

    // An empty COM is no COM.
    auto ce = NetworkConfig::from_dictionary(with("C", ztest::hex("0100000000000000")));
    REQUIRE(ce);
    CHECK_FALSE(ce->com);
}

TEST_CASE("network config: missing keys and malformed blobs are refused", "[wire]") {
    CHECK(error_of(with("nwid", std::nullopt)) == ConfigError::missing_network_id);
    CHECK(error_of(with("nwid", text("0"))) == ConfigError::missing_network_id);
    CHECK(error_of(with("id", std::nullopt)) == ConfigError::missing_issued_to);
    CHECK(error_of(with("id", text("10000000000"))) == ConfigError::missing_issued_to);  // 40 bits: 0
    CHECK(error_of(with("v", std::nullopt)) == ConfigError::legacy_format);
    CHECK(error_of(with("v", text("5"))) == ConfigError::legacy_format);
    CHECK(NetworkConfig::from_dictionary(with("v", text("6"))));
    CHECK(error_of(with("C", Bytes{})) == ConfigError::bad_com);
    CHECK(error_of(with("C", ztest::hex("0100070000"))) == ConfigError::bad_com);
    CHECK(error_of(with("COO", ztest::hex("c41b8868ac000001"))) == ConfigError::bad_coos);
    CHECK(error_of(with("RT", ztest::hex("040a9311000018" "00" "0000"))) == ConfigError::bad_routes);
    CHECK(error_of(with("RT", ztest::hex("09"))) == ConfigError::bad_routes);
    CHECK(error_of(with("I", ztest::hex("040a93110b"))) == ConfigError::bad_static_ips);
    CHECK(error_of(with("I", ztest::hex("040a93110b0021"))) == ConfigError::bad_static_ips);  // /33
    CHECK(error_of(with("R", ztest::hex("2502"))) == ConfigError::bad_rules);
    CHECK(error_of(with("DNS", Bytes(131, 0))) == ConfigError::bad_dns);
    CHECK(error_of(with("CAP", ztest::hex("c41b8868ac000001"))) == ConfigError::bad_capabilities);
    CHECK(error_of(with("TAG", ztest::hex("c41b8868ac000001"))) == ConfigError::bad_tags);
    CHECK(std::string(to_string(ConfigError::bad_dns)) == "bad_dns");

    // More than 128 tags is an error (1.14 has room for 128).
    const Identity ctl = ztest::capture_identity("ctl");
    Tag t;
    t.nwid = kNwid;
    REQUIRE(t.sign(ctl));
    Bytes tag_bytes(Tag::kLength);
    Writer w{tag_bytes};
    t.serialize(w);
    REQUIRE(w.ok());
    Bytes tags;
    for (int i = 0; i < 128; ++i) tags.insert(tags.end(), tag_bytes.begin(), tag_bytes.end());
    auto ok128 = NetworkConfig::from_dictionary(with("TAG", tags));
    REQUIRE(ok128);
    CHECK(ok128->tags.size() == 128);
    tags.insert(tags.end(), tag_bytes.begin(), tag_bytes.end());
    CHECK(error_of(with("TAG", tags)) == ConfigError::bad_tags);
}
