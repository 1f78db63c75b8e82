// Stored controller JSON -> core/controller records (tools/ztcontroller/record_json.hpp): the
// captured records of ZeroTier One 1.14.1 (vectors/captures/controller, from
// shared/spec/captures) field by field, upstream's lenient reading, and the rule fallback.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "core/controller/ip_text.hpp"
#include "tools/ztcontroller/record_json.hpp"

using namespace zt;
using namespace zt::controller;
using zt::ctl::Json;

namespace {

Json load(const std::string& name) {
    std::ifstream f(std::string(ZT_TEST_VECTORS_DIR) + "/captures/controller/" + name);
    REQUIRE(f);
    return Json::parse(f);
}

Endpoint ip(const char* text) {
    auto e = ip_from_text(text);
    REQUIRE(e);
    return *e;
}

const vl2::Rule kAccept = vl2::Rule::of(vl2::RuleType::action_accept);
const vl2::Rule kDrop = vl2::Rule::of(vl2::RuleType::action_drop);

}  // namespace

TEST_CASE("record json: the captured network", "[controller]") {
    std::vector<std::string> problems;
    const NetworkRecord n = ctl::network_record(load("network-c41b8868ac000001.json"), &problems);
    CHECK(problems.empty());
    CHECK(n.id == NetworkId{0xc41b8868ac000001ULL});
    CHECK(n.name == "ztref");
    CHECK(n.is_private);
    CHECK(n.enable_broadcast);
    CHECK(n.multicast_limit == 32);
    CHECK(n.mtu == 2800);
    CHECK(n.v4_assign_zt);
    CHECK_FALSE(n.v6_assign_zt);
    CHECK_FALSE(n.v6_assign_rfc4193);
    CHECK_FALSE(n.v6_assign_6plane);
    CHECK(n.ip_assignment_pools == std::vector<IpPool>{{ip("10.147.17.1"), ip("10.147.17.254")}});
    CHECK(n.routes == std::vector<RouteRecord>{{*prefix_from_text("10.147.17.0/24"), std::nullopt}});
    CHECK(n.rules == std::vector<vl2::Rule>{kAccept});
    CHECK(n.capabilities.empty());
    CHECK(n.tags.empty());
    CHECK(n.dns == DnsRecord{});             // stored as [] (upstream's default)
    CHECK(n.auth_tokens.empty());            // stored as [null]
    CHECK(n.revision == 1);
    CHECK_FALSE(n.remote_trace_target);
    CHECK(n.remote_trace_level == 0);
    CHECK_FALSE(n.certificate_timeout_window_ms);
    CHECK_FALSE(n.sso_enabled);
    CHECK(n.creation_time == 1795543836182);
    CHECK(n.active_bridges.empty());
}

TEST_CASE("record json: the captured members", "[controller]") {
    const MemberRecord a = ctl::member_record(load("member-0eb8d1da54.json"));
    CHECK_FALSE(a.is_new);
    CHECK(a.address == Address(0x0eb8d1da54));
    CHECK(a.nwid == NetworkId{0xc41b8868ac000001ULL});
    CHECK(a.identity.rfind("0eb8d1da54:0:6b89cb94", 0) == 0);
    CHECK(a.authorized);
    CHECK_FALSE(a.active_bridge);
    CHECK(a.ip_assignments == std::vector<std::string>{"10.147.17.11"});
    CHECK_FALSE(a.no_auto_assign_ips);
    CHECK(a.capabilities.empty());
    CHECK(a.tags.empty());
    CHECK_FALSE(a.sso_exempt);
    CHECK(a.authentication_expiry_time == 0);
    CHECK_FALSE(a.remote_trace_target);
    CHECK(a.revision == 2);
    CHECK(a.last_authorized_time == 1795543836195);
    CHECK(a.v_major == 1);
    CHECK(a.v_minor == 14);
    CHECK(a.v_rev == 1);
    CHECK(a.v_proto == 12);

    const MemberRecord b = ctl::member_record(load("member-3cc90031a0.json"));
    CHECK(b.address == Address(0x3cc90031a0));
    CHECK(b.ip_assignments == std::vector<std::string>{"10.147.17.12"});

    // No record, or an empty one: a new member with the defaults.
    for (const Json& none : {Json(), Json::object()}) {
        const MemberRecord m = ctl::member_record(none);
        CHECK(m.is_new);
        CHECK_FALSE(m.authorized);
        CHECK(m.v_major == -1);
        CHECK(m == MemberRecord{});
    }
}

TEST_CASE("record json: lenient fields as upstream reads them", "[controller]") {
    const NetworkRecord n = ctl::network_record({
        {"nwid", "c41b8868ac000002"},  // "id" missing: "nwid"
        {"private", "false"},
        {"enableBroadcast", 0},
        {"multicastLimit", "16"},
        {"mtu", 1500.0},
        {"v4AssignMode", "zt"},  // not an object: off
        {"v6AssignMode", {{"rfc4193", "true"}, {"6plane", 1}}},
        {"remoteTraceTarget", "1122334455"},
        {"remoteTraceLevel", 3},
        {"certificateTimeoutWindowSize", 600000},
        {"ssoEnabled", true},
        {"authTokens", {{"a", 0}, {"b", 1795543836182}, {"c", "soon"}, {"d", 0.5}}},
        {"dns", {{"domain", "zt.example"}, {"servers", {"10.0.0.53", "fd00::53", "nope", 7}}}},
        {"tags", {{{"id", 5}, {"default", 2}}, {{"id", 6}}, "junk", {{"id", 7}, {"default", "3"}}}},
    });
    CHECK(n.id == NetworkId{0xc41b8868ac000002ULL});
    CHECK_FALSE(n.is_private);
    CHECK_FALSE(n.enable_broadcast);
    CHECK(n.multicast_limit == 16);
    CHECK(n.mtu == 1500);
    CHECK_FALSE(n.v4_assign_zt);
    CHECK(n.v6_assign_rfc4193);
    CHECK(n.v6_assign_6plane);
    CHECK_FALSE(n.v6_assign_zt);
    CHECK(n.remote_trace_target == Address(0x1122334455));
    CHECK(n.remote_trace_level == 3);
    CHECK(n.certificate_timeout_window_ms == 600000);
    CHECK(n.sso_enabled);
    CHECK(n.auth_tokens == std::map<std::string, int64_t>{{"a", 0}, {"b", 1795543836182}, {"d", -1}});
    CHECK(n.dns.domain == "zt.example");
    CHECK(n.dns.servers == std::vector<Endpoint>{ip("10.0.0.53"), ip("fd00::53"), Endpoint{}, Endpoint{}});
    CHECK(n.tags == std::vector<TagRecord>{{5, 2u}, {6, std::nullopt}, {7, std::nullopt}});
    CHECK(n.rules == std::vector<vl2::Rule>{kAccept});  // no "rules": DB::initNetwork's ACCEPT

    const MemberRecord m = ctl::member_record({
        {"id", "0eb8d1da54"},  // "address" missing: "id"
        {"authorized", 1},
        {"activeBridge", "t"},
        {"capabilities", {1, "2", 4294967299ULL}},
        {"tags", {{1, 2}, {3}, {"4", 5}}},
        {"ipAssignments", {"10.0.0.1", 5}},
        {"authenticationExpiryTime", 12345},
        {"remoteTraceTarget", "short"},
        {"vMajor", -1},
    });
    CHECK_FALSE(m.is_new);
    CHECK(m.address == Address(0x0eb8d1da54));
    CHECK(m.authorized);
    CHECK(m.active_bridge);
    CHECK(m.capabilities == std::vector<uint32_t>{1, 2, 3});
    CHECK(m.tags == std::vector<std::pair<uint32_t, uint32_t>>{{1, 2}, {4, 5}});
    CHECK(m.ip_assignments == std::vector<std::string>{"10.0.0.1"});
    CHECK(m.authentication_expiry_time == 12345);
    CHECK_FALSE(m.remote_trace_target);
    CHECK(m.v_major == -1);
}

TEST_CASE("record json: unusable pools and routes are left out and reported", "[controller]") {
    std::vector<std::string> problems;
    const NetworkRecord n = ctl::network_record(
        {{"ipAssignmentPools",
          {{{"ipRangeStart", "10.0.0.1"}, {"ipRangeEnd", "10.0.0.9"}}, {{"ipRangeStart", "10.0.0.1"}}, "x"}},
         {"routes",
          {{{"target", "10.0.0.0/24"}, {"via", nullptr}},
           {{"target", "0.0.0.0/0"}, {"via", "10.0.0.1"}},
           {{"target", "10.0.0.0/33"}},
           {{"target", "10.1.0.0"}},  // no bits: /0, as upstream's InetAddress reads it
           {{"target", "fd00::/8"}, {"via", "gateway"}},
           {{"via", "10.0.0.1"}}}}},
        &problems);
    CHECK(n.ip_assignment_pools == std::vector<IpPool>{{ip("10.0.0.1"), ip("10.0.0.9")}});
    CHECK(n.routes == std::vector<RouteRecord>{{*prefix_from_text("10.0.0.0/24"), std::nullopt},
                                               {*prefix_from_text("0.0.0.0/0"), ip("10.0.0.1")},
                                               {*prefix_from_text("10.1.0.0/0"), std::nullopt},
                                               {*prefix_from_text("fd00::/8"), std::nullopt}});
    CHECK(problems == std::vector<std::string>{
                          "ipAssignmentPools[1]: ipRangeStart and ipRangeEnd must be addresses (pool left out)",
                          "ipAssignmentPools[2]: ipRangeStart and ipRangeEnd must be addresses (pool left out)",
                          "routes[2].target: not an address/bits (route left out)",
                          "routes[4].via: not an address (route kept on-link)",
                          "routes[5].target: not an address/bits (route left out)",
                      });
}

TEST_CASE("record json: rules that do not convert are left out one by one, as upstream", "[controller]") {
    std::vector<std::string> problems;
    Json rules = {{{"type", "MATCH_ETHERTYPE"}, {"etherType", 2048}, {"not", true}},
                  {{"type", "ACTION_DROP"}},
                  {{"type", "NO_SUCH_RULE"}},
                  {{"type", "MATCH_IP_PROTOCOL"}, {"ipProtocol", "six"}},
                  {{"type", "ACTION_ACCEPT"}}};
    NetworkRecord n = ctl::network_record({{"rules", rules}}, &problems);
    REQUIRE(n.rules.size() == 3);
    CHECK(n.rules[0].type() == vl2::RuleType::match_ethertype);
    CHECK(n.rules[0].ether_type == 2048);
    CHECK(n.rules[0].negated());
    CHECK(n.rules[1] == kDrop);
    CHECK(n.rules[2] == kAccept);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].rfind("rules[2]: rules[0].type: unknown rule type", 0) == 0);
    CHECK(problems[1].rfind("rules[3]: rules[0].ipProtocol", 0) == 0);

    // Not an array: no rules at all (upstream parses none); capabilities read the same way.
    problems.clear();
    n = ctl::network_record({{"rules", "accept"},
                             {"capabilities",
                              {{{"id", 4}, {"default", true}, {"rules", {{{"type", "ACTION_DROP"}}, {{"type", 3}}}}},
                               {{"id", 4294967301ULL}},
                               7}}},
                            &problems);
    CHECK(n.rules.empty());
    CHECK(n.capabilities == std::vector<CapabilityRecord>{{4, true, {kDrop}}, {5, false, {}}});
    CHECK(problems.size() == 2);
}

TEST_CASE("record json: active bridges from the member records", "[controller]") {
    const std::vector<Json> members = {
        {{"address", "3cc90031a0"}, {"activeBridge", true}},
        {{"address", "0eb8d1da54"}, {"activeBridge", false}},
        {{"id", "0eb8d1da55"}, {"activeBridge", 1}},
        load("member-0eb8d1da54.json"),
    };
    CHECK(ctl::active_bridges(members) == std::vector<Address>{Address(0x0eb8d1da55), Address(0x3cc90031a0)});
}
