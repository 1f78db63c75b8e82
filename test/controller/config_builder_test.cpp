// The controller's decision (spec §9.2, core/controller/config_builder.hpp): with the captured
// controller records (vectors/captures/controller, read by record_json) and the captured
// identities, member a's config equals the one ZeroTier One 1.14.1 sent (vectors/
// dictionaries.json) byte for byte; then authorization, IP assignment, credentials and limits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "capture_identities.hpp"
#include "core/bytes.hpp"
#include "core/controller/config_builder.hpp"
#include "core/controller/ip_text.hpp"
#include "core/ipv6_schemes.hpp"
#include "tools/ztcontroller/record_json.hpp"

using namespace zt;
using namespace zt::controller;
using Kind = Decision::Kind;

namespace {

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};
constexpr UnixMs kCapturedTs = 0x1a20ec0ba12;  // `ts` of the captured config

nlohmann::json load_json(const std::string& name) {
    std::ifstream f(ztest::vector_path(name));
    REQUIRE(f);
    return nlohmann::json::parse(f);
}

Bytes hex(const std::string& s) {
    auto b = from_hex(s);
    REQUIRE(b);
    return *b;
}

vl2::Dictionary dictionary(const Bytes& text) {
    auto d = vl2::Dictionary::parse(text);
    REQUIRE(d);
    return *d;
}

// What every test starts from: the captured records, identities and request.
struct Capture {
    NetworkRecord network = ctl::network_record(load_json("captures/controller/network-c41b8868ac000001.json"));
    MemberRecord a = ctl::member_record(load_json("captures/controller/member-0eb8d1da54.json"));
    Identity ctl = ztest::capture_identity("ctl");
    Identity id_a = ztest::capture_identity("a").public_only();
    Identity id_b = ztest::capture_identity("b").public_only();
    vl2::Dictionary request = dictionary(hex(ztest::load_vectors("dictionaries.json")["request_metadata"]["hex"].s()));
    std::set<std::string> taken = {"10.147.17.12"};  // b's address

    Decision decide_a(UnixMs now = kCapturedTs) const { return decide_for(a, id_a, request, now); }
    Decision decide_for(const MemberRecord& m, const Identity& who, const vl2::Dictionary& md, UnixMs now = kCapturedTs) const {
        return decide(&network, m, [this](const std::string& ip) { return taken.count(ip) > 0; }, ctl, who, md, now);
    }
    // A member that has not asked before (no record).
    MemberRecord fresh() const {
        MemberRecord m;
        m.address = id_a.address();
        m.authorized = true;
        return m;
    }
};

vl2::Dictionary metadata_with(const vl2::Dictionary& base, const std::string& key, const std::string& value) {
    vl2::Dictionary out;
    for (const auto& e : base.entries())
        if (e.key != key) REQUIRE(out.add(e.key, e.value));
    if (!value.empty()) REQUIRE(out.add_string(key, value));
    return out;
}

vl2::NetworkConfig config_of(const Decision& d) {
    REQUIRE(d.kind == Kind::config);
    return d.config;
}

std::vector<std::string> ip_texts(const vl2::NetworkConfig& c) {
    std::vector<std::string> out;
    for (const auto& p : c.static_ips) out.push_back(ip_to_text(p.address) + "/" + std::to_string(p.bits));
    return out;
}

std::vector<std::string> keys_of(const vl2::Dictionary& d) {
    std::vector<std::string> k;
    for (const auto& e : d.entries()) k.push_back(e.key);
    return k;
}

}  // namespace

TEST_CASE("builder: member a's config is the captured one, byte for byte", "[controller]") {
    Capture cap;
    const Decision d = cap.decide_a();
    const auto c = config_of(d);
    CHECK(d.assigned_ips.empty());
    CHECK(d.auto_authorized_by.empty());
    CHECK(d.record_versions);

    const Bytes captured = hex(ztest::load_vectors("dictionaries.json")["network_config"]["raw_hex"].s());
    const auto ours = c.to_dictionary();
    REQUIRE(ours);
    CHECK(keys_of(*ours) == keys_of(dictionary(captured)));
    // Signatures are deterministic (C25519 over SHA-512), so with the captured `now` even the
    // COM and COO come out as the controller signed them.
    CHECK(to_hex(ours->serialize()) == to_hex(captured));

    // Field by field, through our parser.
    auto theirs = vl2::NetworkConfig::from_dictionary(dictionary(captured));
    auto back = vl2::NetworkConfig::from_dictionary(*ours);
    REQUIRE(theirs);
    REQUIRE(back);
    CHECK(*back == c);
    CHECK(back->nwid == theirs->nwid);
    CHECK(back->issued_to == theirs->issued_to);
    CHECK(back->credential_time_max_delta_ms == theirs->credential_time_max_delta_ms);
    CHECK(back->revision == theirs->revision);
    CHECK(back->flags == theirs->flags);
    CHECK(back->multicast_limit == theirs->multicast_limit);
    CHECK(back->type == theirs->type);
    CHECK(back->name == theirs->name);
    CHECK(back->mtu == theirs->mtu);
    CHECK(back->routes == theirs->routes);
    CHECK(back->static_ips == theirs->static_ips);
    CHECK(back->rules == theirs->rules);
    CHECK(back->dns == theirs->dns);
    CHECK(back->com == theirs->com);
    CHECK(back->coos == theirs->coos);
}

TEST_CASE("builder: at another time only ts, the COM and the COO change; all verify", "[controller]") {
    Capture cap;
    const UnixMs now = kCapturedTs + 123456;
    const auto c = config_of(cap.decide_a(now));
    auto theirs = vl2::NetworkConfig::from_dictionary(
        dictionary(hex(ztest::load_vectors("dictionaries.json")["network_config"]["raw_hex"].s())));
    REQUIRE(theirs);
    vl2::NetworkConfig same = c;
    same.timestamp = theirs->timestamp;
    same.com = theirs->com;
    same.coos = theirs->coos;
    CHECK(same == *theirs);

    CHECK(c.timestamp == now);
    REQUIRE(c.com);
    CHECK(c.com->verify(cap.ctl));
    CHECK(c.com->timestamp() == now);
    CHECK(c.com->max_delta() == 1800000);
    CHECK(c.com->issued_to() == cap.id_a.address());
    CHECK(c.com->agrees_with(*c.com, cap.id_a));
    REQUIRE(c.coos.size() == 1);
    CHECK(c.coos[0].verify(cap.ctl));
    CHECK(c.coos[0].id == 1);
    CHECK(c.coos[0].issued_to == cap.id_a.address());
    CHECK(c.coos[0].owns_ip(*ip_from_text("10.147.17.11")));
}

TEST_CASE("builder: unknown network, unauthorized member, identity mismatch", "[controller]") {
    Capture cap;
    CHECK(decide(nullptr, cap.a, [](const std::string&) { return false; }, cap.ctl, cap.id_a, cap.request, kCapturedTs)
              .kind == Kind::not_found);

    MemberRecord m = cap.a;
    m.authorized = false;
    Decision d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.kind == Kind::access_denied);
    CHECK_FALSE(d.record_versions);
    CHECK(d.auto_authorized_by.empty());

    // a's record presented by b (another identity), or holding an identity that does not parse.
    CHECK(cap.decide_for(cap.a, cap.id_b, cap.request).kind == Kind::access_denied);
    m = cap.a;
    m.identity = "0eb8d1da54:0:nonsense";
    CHECK(cap.decide_for(m, cap.id_a, cap.request).kind == Kind::access_denied);
    // No identity on record yet: learned, not checked.
    m.identity.clear();
    CHECK(cap.decide_for(m, cap.id_a, cap.request).kind == Kind::config);
    // A controller without its secret signs nothing.
    CHECK(decide(&cap.network, cap.a, [](const std::string&) { return false; }, cap.ctl.public_only(), cap.id_a,
                 cap.request, kCapturedTs)
              .kind == Kind::access_denied);
}

TEST_CASE("builder: public networks and join tokens authorize automatically", "[controller]") {
    Capture cap;
    MemberRecord m = cap.a;
    m.authorized = false;

    cap.network.is_private = false;
    Decision d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(config_of(d).type == vl2::NetworkType::public_network);
    CHECK(d.auto_authorized_by == "public");

    cap.network.is_private = true;
    const UnixMs now = kCapturedTs;
    cap.network.auth_tokens = {{"forever", 0}, {"later", now + 1}, {"expired", now}, {"long-ago", now - 1000}};
    auto with_token = [&](const std::string& a) { return cap.decide_for(m, cap.id_a, metadata_with(cap.request, "a", a), now); };
    d = with_token("token:forever");
    CHECK(d.kind == Kind::config);
    CHECK(d.auto_authorized_by == "token");
    CHECK(d.auth_token == "forever");
    CHECK(with_token("token:later").auth_token == "later");
    CHECK(with_token("token:expired").kind == Kind::access_denied);
    CHECK(with_token("token:long-ago").kind == Kind::access_denied);
    CHECK(with_token("token:unknown").kind == Kind::access_denied);
    CHECK(with_token("token:").kind == Kind::access_denied);
    CHECK(with_token("forever").kind == Kind::access_denied);
    CHECK(cap.decide_for(m, cap.id_a, cap.request, now).kind == Kind::access_denied);
    // An authorized member is not "auto-authorized" by the token it also presents.
    d = cap.decide_for(cap.a, cap.id_a, metadata_with(cap.request, "a", "token:forever"), now);
    CHECK(d.kind == Kind::config);
    CHECK(d.auto_authorized_by.empty());
}

TEST_CASE("builder: SSO networks ask for authentication unless exempt or unexpired", "[controller]") {
    Capture cap;
    cap.network.sso_enabled = true;
    MemberRecord m = cap.a;
    m.authentication_expiry_time = kCapturedTs;
    Decision d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.kind == Kind::authentication_required);
    CHECK_FALSE(d.record_versions);
    CHECK(d.authentication_info.get_u64("aV") == 0u);
    CHECK(d.authentication_info.get_string("aU") == "");

    // Checked before authorization, as upstream does: a public network still records "public".
    cap.network.is_private = false;
    m.authorized = false;
    d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.kind == Kind::authentication_required);
    CHECK(d.auto_authorized_by == "public");
    cap.network.is_private = true;
    m.authorized = true;

    m.authentication_expiry_time = kCapturedTs + 60000;
    const auto c = config_of(cap.decide_for(m, cap.id_a, cap.request));
    CHECK(c.sso_enabled);
    CHECK(c.sso_version == 0);
    CHECK(c.authentication_expiry_time == kCapturedTs + 60000);
    auto back = vl2::NetworkConfig::from_dictionary(*c.to_dictionary());
    REQUIRE(back);
    CHECK(back->sso_enabled);
    CHECK(back->authentication_expiry_time == kCapturedTs + 60000);

    m.authentication_expiry_time = 0;
    m.sso_exempt = true;
    CHECK(cap.decide_for(m, cap.id_a, cap.request).kind == Kind::config);
}

TEST_CASE("builder: IPv4 pool allocation starts at address mod (end - start)", "[controller]") {
    Capture cap;
    MemberRecord m = cap.a;
    m.ip_assignments.clear();
    // 0x0eb8d1da54 & 0xffffffff = 0xb8d1da54; mod 253 = 250: 10.147.17.1 + 250.
    Decision d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.assigned_ips == std::vector<std::string>{"10.147.17.251"});
    CHECK(ip_texts(config_of(d)) == std::vector<std::string>{"10.147.17.251/24"});
    REQUIRE(d.config.coos.size() == 1);
    CHECK(d.config.coos[0].owns_ip(*ip_from_text("10.147.17.251")));

    // Taken by other members: the next ones. An address the member holds outside every
    // route does not count as its IPv4 address.
    cap.taken = {"10.147.17.251", "10.147.17.252"};
    m.ip_assignments = {"192.168.5.5"};
    d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.assigned_ips == std::vector<std::string>{"10.147.17.253"});
    CHECK(ip_texts(config_of(d)) == std::vector<std::string>{"10.147.17.253/24"});
    // The scan wraps around to the start; the end address itself is never reached.
    cap.taken.insert("10.147.17.253");
    CHECK(cap.decide_for(m, cap.id_a, cap.request).assigned_ips == std::vector<std::string>{"10.147.17.1"});

    // .255 is skipped; .0 is handed out, as upstream does. Pool 10.147.16.171..10.147.17.171
    // (256 addresses): offset 0x54 = 84 lands on 10.147.16.255, then 10.147.17.0.
    cap.taken.clear();
    m.ip_assignments.clear();
    cap.network.ip_assignment_pools = {{*ip_from_text("10.147.16.171"), *ip_from_text("10.147.17.171")}};
    cap.network.routes = {{*prefix_from_text("10.147.16.0/23"), std::nullopt}};
    d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.assigned_ips == std::vector<std::string>{"10.147.17.0"});
    CHECK(ip_texts(d.config) == std::vector<std::string>{"10.147.17.0/23"});

    // The netmask is the longest route holding the address.
    cap.network.routes.push_back({*prefix_from_text("10.147.17.0/24"), std::nullopt});
    CHECK(ip_texts(config_of(cap.decide_for(m, cap.id_a, cap.request))) == std::vector<std::string>{"10.147.17.0/24"});

    // No route holds the pool: nothing assigned, no COO.
    cap.network.routes = {{*prefix_from_text("192.168.0.0/24"), std::nullopt}};
    d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(d.assigned_ips.empty());
    CHECK(config_of(d).static_ips.empty());
    CHECK(d.config.coos.empty());

    // Members that opt out, networks that do not assign, and members that already have one.
    cap.network = Capture().network;
    m.no_auto_assign_ips = true;
    CHECK(cap.decide_for(m, cap.id_a, cap.request).assigned_ips.empty());
    m.no_auto_assign_ips = false;
    cap.network.v4_assign_zt = false;
    CHECK(cap.decide_for(m, cap.id_a, cap.request).assigned_ips.empty());
    cap.network.v4_assign_zt = true;
    CHECK(cap.decide_for(cap.a, cap.id_a, cap.request).assigned_ips.empty());
}

TEST_CASE("builder: stored assignments count only inside a route", "[controller]") {
    Capture cap;
    MemberRecord m = cap.a;
    m.no_auto_assign_ips = true;  // stored ones are still sent
    m.ip_assignments = {"10.147.17.11", "192.168.1.1", "fd00::1", "garbage"};
    cap.network.routes.push_back({*prefix_from_text("fd00::/8"), std::nullopt});
    CHECK(ip_texts(config_of(cap.decide_for(m, cap.id_a, cap.request))) ==
          std::vector<std::string>{"10.147.17.11/24", "fd00::1/8"});
}

TEST_CASE("builder: RFC4193 and 6PLANE addresses set NDP emulation", "[controller]") {
    Capture cap;
    cap.network.v6_assign_rfc4193 = true;
    cap.network.v6_assign_6plane = true;
    const Decision d = cap.decide_a();
    const auto c = config_of(d);
    CHECK(c.ndp_emulation());
    REQUIRE(c.static_ips.size() == 3);
    CHECK(c.static_ips[0] == wire::InetPrefix{Endpoint::v6(rfc4193_address(kNwid, cap.id_a.address()), 0), 88});
    CHECK(c.static_ips[1] == wire::InetPrefix{Endpoint::v6(sixplane_address(kNwid, cap.id_a.address()), 0), 40});
    CHECK(ip_texts(c)[0] == "fdc4:1b88:68ac:0:199:930e:b8d1:da54/88");
    CHECK(ip_texts(c)[2] == "10.147.17.11/24");
    CHECK(d.assigned_ips.empty());  // scheme addresses are computed, never recorded
    REQUIRE(c.coos.size() == 1);
    CHECK(c.coos[0].things.size() == 3);
    CHECK(c.coos[0].owns_ip(c.static_ips[1].address));

    MemberRecord m = cap.a;
    m.no_auto_assign_ips = true;
    const auto off = config_of(cap.decide_for(m, cap.id_a, cap.request));
    CHECK_FALSE(off.ndp_emulation());
    CHECK(ip_texts(off) == std::vector<std::string>{"10.147.17.11/24"});
}

TEST_CASE("builder: IPv6 pools: start + address when wide, else inside the pool; on-link only", "[controller]") {
    Capture cap;
    cap.network.v4_assign_zt = false;
    cap.network.v6_assign_zt = true;
    cap.network.ip_assignment_pools = {{*ip_from_text("fd00::"), *ip_from_text("fd00::ffff:ffff:ffff:ffff")}};
    cap.network.routes = {{*prefix_from_text("fd00::/64"), std::nullopt}};
    Decision d = cap.decide_a();
    CHECK(d.assigned_ips == std::vector<std::string>{"fd00::e:b8d1:da54"});
    CHECK(ip_texts(config_of(d)).back() == "fd00::e:b8d1:da54/64");

    // A narrow pool: a pseudo-random address inside it, the same every time.
    cap.network.ip_assignment_pools = {{*ip_from_text("fd00::100"), *ip_from_text("fd00::1ff")}};
    d = cap.decide_a();
    REQUIRE(d.assigned_ips.size() == 1);
    const auto ip = *ip_from_text(d.assigned_ips[0]);
    CHECK(ip.ip[14] == 0x01);
    CHECK(prefix_contains(*prefix_from_text("fd00::100/120"), ip));
    CHECK(cap.decide_a().assigned_ips == d.assigned_ips);
    cap.taken.insert(d.assigned_ips[0]);
    const auto other = cap.decide_a().assigned_ips;
    REQUIRE(other.size() == 1);
    CHECK(other[0] != d.assigned_ips[0]);

    // Only an on-link route counts for IPv6.
    cap.network.routes = {{*prefix_from_text("fd00::/64"), ip_from_text("fd00::1")}};
    CHECK(cap.decide_a().assigned_ips.empty());
}

TEST_CASE("builder: revr 0 or absent gets one ACCEPT and no capabilities or tags", "[controller]") {
    Capture cap;
    std::string error;
    cap.network.rules = {vl2::Rule::of(vl2::RuleType::action_drop)};
    cap.network.capabilities = {{1, true, {vl2::Rule::of(vl2::RuleType::action_accept)}}};
    cap.network.tags = {{7, 3u}};
    const std::vector<vl2::Rule> accept = {vl2::Rule::of(vl2::RuleType::action_accept)};
    for (const char* revr : {"0", ""}) {
        const auto c = config_of(cap.decide_for(cap.fresh(), cap.id_a, metadata_with(cap.request, "revr", revr)));
        CHECK(c.rules == accept);
        CHECK(c.capabilities.empty());
        CHECK(c.tags.empty());
    }
    CHECK(config_of(cap.decide_for(cap.a, cap.id_a, cap.request)).rules == cap.network.rules);
}

TEST_CASE("builder: capabilities and tags become signed credentials", "[controller]") {
    Capture cap;
    const auto drop = vl2::Rule::of(vl2::RuleType::action_drop);
    const auto accept = vl2::Rule::of(vl2::RuleType::action_accept);
    cap.network.capabilities = {{1, true, {drop}}, {2, false, {accept, accept}}, {3, true, {}}};
    cap.network.tags = {{10, 5u}, {11, std::nullopt}, {12, 9u}};
    MemberRecord m = cap.fresh();
    m.capabilities = {2, 3};
    m.tags = {{11, 7}, {12, 1}};

    Decision d = cap.decide_for(m, cap.id_a, cap.request);
    const auto c = config_of(d);
    std::vector<uint32_t> cap_ids;
    for (const auto& x : c.capabilities) {
        cap_ids.push_back(x.id());
        CHECK(x.verify(cap.ctl));
        CHECK(x.issued_to() == cap.id_a.address());
        CHECK(x.custody().size() == 1);
        CHECK(x.max_custody() == 1);
        CHECK(x.timestamp() == kCapturedTs);
        CHECK(x.network() == kNwid);
    }
    CHECK(cap_ids == std::vector<uint32_t>{2, 3, 1});  // the member's, then the new defaults
    CHECK(c.capability(1)->rules() == std::vector<vl2::Rule>{drop});
    CHECK(c.capability(2)->rules().size() == 2);
    CHECK(d.added_capabilities == std::vector<uint32_t>{1});

    std::vector<std::pair<uint32_t, uint32_t>> tags;
    for (const auto& t : c.tags) {
        tags.emplace_back(t.id, t.value);
        CHECK(t.verify(cap.ctl));
        CHECK(t.issued_to == cap.id_a.address());
        CHECK(t.timestamp == kCapturedTs);
    }
    CHECK(tags == std::vector<std::pair<uint32_t, uint32_t>>{{10, 5}, {11, 7}, {12, 1}});
    CHECK(d.added_tags == std::vector<std::pair<uint32_t, uint32_t>>{{10, 5}});

    // A member with a record gets no default capabilities (upstream: new members only).
    m.is_new = false;
    d = cap.decide_for(m, cap.id_a, cap.request);
    CHECK(config_of(d).capabilities.size() == 2);
    CHECK(d.added_capabilities.empty());

    // Round trip through our parser.
    auto back = vl2::NetworkConfig::from_dictionary(*d.config.to_dictionary());
    REQUIRE(back);
    CHECK(*back == d.config);
}

TEST_CASE("builder: mtu, ctmd, multicast limit, name and trace target", "[controller]") {
    Capture cap;
    auto build = [&] { return config_of(cap.decide_a()); };
    cap.network.mtu = 100;
    CHECK(build().mtu == 1280);
    cap.network.mtu = 20000;
    CHECK(build().mtu == 10000);
    cap.network.mtu = 1500;
    CHECK(build().mtu == 1500);

    CHECK(build().credential_time_max_delta_ms == 1800000);
    cap.network.certificate_timeout_window_ms = 1000;
    CHECK(build().credential_time_max_delta_ms == 300000);
    CHECK(build().com->max_delta() == 300000);
    cap.network.certificate_timeout_window_ms = 1000000000;
    CHECK(build().credential_time_max_delta_ms == 7200000);
    cap.network.certificate_timeout_window_ms = 3600000;
    CHECK(build().credential_time_max_delta_ms == 3600000);

    cap.network.multicast_limit = 0;
    cap.network.enable_broadcast = false;
    cap.network.name = std::string(200, 'n');
    CHECK(build().multicast_limit == 0);
    CHECK(build().flags == 0);
    CHECK(build().name.size() == 127);

    cap.network.remote_trace_target = Address(0x1122334455);
    cap.network.remote_trace_level = 2;
    CHECK(build().trace_target == Address(0x1122334455));
    CHECK(build().trace_level == 2);
    cap.a.remote_trace_target = Address(0x99887766aa);
    cap.a.remote_trace_level = 0;
    CHECK(build().trace_target == Address(0x99887766aa));
    CHECK(build().trace_level == 0);
}

TEST_CASE("builder: DNS, routes via a gateway and active bridges", "[controller]") {
    Capture cap;
    cap.network.dns = {"zt.example", {*ip_from_text("10.147.17.1"), *ip_from_text("fd00::53"), Endpoint{}}};
    cap.network.routes = {
        {*prefix_from_text("10.147.17.0/24"), std::nullopt},
        {*prefix_from_text("0.0.0.0/0"), ip_from_text("10.147.17.1")},
        {*prefix_from_text("fd00::/8"), ip_from_text("10.147.17.1")},  // gateway of the other family
    };
    cap.network.active_bridges = {cap.id_a.address(), cap.id_b.address()};
    const auto c = config_of(cap.decide_a());
    CHECK(c.dns.domain == "zt.example");
    CHECK(c.dns.servers[0].endpoint == *ip_from_text("10.147.17.1"));
    CHECK(c.dns.servers[1].endpoint == *ip_from_text("fd00::53"));
    CHECK(c.dns.servers[2].endpoint.is_nil());
    REQUIRE(c.routes.size() == 3);
    CHECK_FALSE(c.routes[0].via);
    REQUIRE(c.routes[1].via);
    CHECK(c.routes[1].via->endpoint == *ip_from_text("10.147.17.1"));
    CHECK(c.routes[1].target.bits == 0);
    CHECK_FALSE(c.routes[2].via);
    CHECK(c.specialists_with(vl2::NetworkConfig::kSpecialistActiveBridge) ==
          std::vector<Address>{cap.id_a.address(), cap.id_b.address()});

    auto back = vl2::NetworkConfig::from_dictionary(*c.to_dictionary());
    REQUIRE(back);
    CHECK(*back == c);
}
