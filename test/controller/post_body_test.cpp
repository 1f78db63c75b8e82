// POST bodies: upstream's normalization of each settable field (networkUpdateFromPostData and
// the member POST handler of EmbeddedNetworkController, 1.14.1), and what we refuse.
#include <catch2/catch.hpp>

#include "tools/ztcontroller/post_body.hpp"

using namespace zt::ctl;

namespace {

Json net(const Json& body) {
    std::string error;
    auto p = network_patch(body, error);
    INFO(error);
    REQUIRE(p);
    return *p;
}

std::string net_error(const Json& body) {
    std::string error;
    CHECK_FALSE(network_patch(body, error));
    return error;
}

Json mem(const Json& body) {
    std::string error;
    auto p = member_patch(body, error);
    INFO(error);
    REQUIRE(p);
    return *p;
}

std::string mem_error(const Json& body) {
    std::string error;
    CHECK_FALSE(member_patch(body, error));
    return error;
}

}  // namespace

TEST_CASE("post body: scalar network fields", "[controller]") {
    CHECK(net({{"name", "n"}, {"private", false}, {"enableBroadcast", false}, {"multicastLimit", 8}}) ==
          Json{{"name", "n"}, {"private", false}, {"enableBroadcast", false}, {"multicastLimit", 8}});
    // mtu is clamped to ZT_MIN_MTU..ZT_MAX_MTU.
    CHECK(net({{"mtu", 100}})["mtu"] == 1280);
    CHECK(net({{"mtu", 99999}})["mtu"] == 10000);
    CHECK(net({{"mtu", 1500}})["mtu"] == 1500);
    // A trace target is kept only when it has the length of an address.
    CHECK(net({{"remoteTraceTarget", "0123456789"}})["remoteTraceTarget"] == "0123456789");
    CHECK(net({{"remoteTraceTarget", "short"}})["remoteTraceTarget"].is_null());
    CHECK(net({{"remoteTraceTarget", nullptr}})["remoteTraceTarget"].is_null());
    // Read-only and unknown fields are ignored.
    CHECK(net({{"id", 5}, {"revision", "x"}, {"objtype", "member"}, {"whatever", 1}}) == Json::object());
}

TEST_CASE("post body: assignment modes, old string forms included", "[controller]") {
    CHECK(net({{"v4AssignMode", "zt"}})["v4AssignMode"] == Json{{"zt", true}});
    CHECK(net({{"v4AssignMode", "none"}})["v4AssignMode"] == Json{{"zt", false}});
    CHECK(net({{"v4AssignMode", {{"zt", true}}}})["v4AssignMode"] == Json{{"zt", true}});
    CHECK(net({{"v4AssignMode", Json::object()}})["v4AssignMode"] == Json{{"zt", false}});
    CHECK(net({{"v6AssignMode", "rfc4193,6plane"}})["v6AssignMode"] ==
          Json{{"rfc4193", true}, {"zt", false}, {"6plane", true}});
    // An object replaces the stored one with just the keys given, as upstream does.
    CHECK(net({{"v6AssignMode", {{"zt", true}}}})["v6AssignMode"] == Json{{"zt", true}});
    CHECK(net_error({{"v4AssignMode", 1}}) == "field \"v4AssignMode\": expected an object");
    CHECK(net_error({{"v6AssignMode", {{"zt", "yes"}}}}) == "field \"v6AssignMode.zt\": expected true or false");
}

TEST_CASE("post body: routes and pools are re-printed and checked", "[controller]") {
    Json p = net({{"routes",
                   {{{"target", "10.147.17.0/24"}},
                    {{"target", "0.0.0.0/0"}, {"via", "10.147.17.1"}},
                    {{"target", "FD00:0:0::/8"}, {"via", nullptr}},
                    {{"target", "10.1.0.0/16"}, {"via", ""}}}},
                  {"ipAssignmentPools", {{{"ipRangeStart", "10.147.17.1"}, {"ipRangeEnd", "10.147.17.254"}}}}});
    CHECK(p["routes"] == Json::array({{{"target", "10.147.17.0/24"}, {"via", nullptr}},
                                      {{"target", "0.0.0.0/0"}, {"via", "10.147.17.1"}},
                                      {{"target", "fd00::/8"}, {"via", nullptr}},
                                      {{"target", "10.1.0.0/16"}, {"via", nullptr}}}));
    CHECK(p["ipAssignmentPools"] ==
          Json::array({{{"ipRangeStart", "10.147.17.1"}, {"ipRangeEnd", "10.147.17.254"}}}));
    CHECK(net_error({{"routes", {{{"target", "10.0.0.0"}}}}}) == "field \"routes[0].target\": expected address/bits");
    CHECK(net_error({{"routes", {{{"target", "10.0.0.0/33"}}}}}) == "field \"routes[0].target\": not an IP address");
    CHECK(net_error({{"routes", {{{"target", "10.0.0.0/8"}, {"via", "fd00::1"}}}}}) ==
          "field \"routes[0].via\": not the target's address family");
    CHECK(net_error({{"routes", {"10.0.0.0/8"}}}) == "field \"routes[0]\": expected an object");
    CHECK(net_error({{"routes", {{"target", "10.0.0.0/8"}}}}) == "field \"routes\": expected an array");
    CHECK(net_error({{"ipAssignmentPools", {{{"ipRangeStart", "10.0.0.1"}, {"ipRangeEnd", "fd00::9"}}}}}) ==
          "field \"ipAssignmentPools[0]\": ipRangeStart and ipRangeEnd differ in address family");
    CHECK(net_error({{"ipAssignmentPools", {{{"ipRangeStart", "10.0.0.1"}}}}}) ==
          "field \"ipAssignmentPools[0].ipRangeEnd\": expected a string");
}

TEST_CASE("post body: rules that convert are kept as given", "[controller]") {
    Json rules = {{{"type", "MATCH_ETHERTYPE"}, {"etherType", 2048}, {"not", true}}, {{"type", "ACTION_DROP"}}};
    CHECK(net({{"rules", rules}})["rules"] == rules);
    CHECK(net({{"rules", Json::array()}})["rules"] == Json::array());
    Json caps = {{{"id", 1}, {"default", false}, {"rules", rules}}};
    CHECK(net({{"capabilities", caps}})["capabilities"] == caps);
}

TEST_CASE("post body: rules that do not convert are refused with rules_from_json's message", "[controller]") {
    CHECK(net_error({{"rules", {{"type", "ACTION_DROP"}}}}) == "field \"rules\": expected an array");
    CHECK(net_error({{"rules", {{{"etherType", 1}}}}}) == "rules[0].type: unknown rule type (missing)");
    CHECK(net_error({{"rules", {{{"type", "ACTION_ACCEPT"}}, {{"type", "MATCH_NOTHING"}}}}}) ==
          "rules[1].type: unknown rule type \"MATCH_NOTHING\"");
    CHECK(net_error({{"rules", {{{"type", "MATCH_ETHERTYPE"}, {"etherType", "2048"}}}}}) ==
          "rules[0].etherType: expected an integer 0..65535, got \"2048\"");
    CHECK(net_error({{"rules", {{{"type", "MATCH_IPV4_SOURCE"}, {"ip", "10.0.0.1"}}}}}).rfind("rules[0].ip: expected an IPv4 prefix", 0) == 0);
    CHECK(net_error({{"rules", {5}}}) == "rules[0]: expected an object, got 5");
    // The path of a capability's rules is given in full.
    CHECK(net_error({{"capabilities", {{{"id", 1}, {"rules", {{{"type", 7}}}}}}}}) ==
          "capabilities[0].rules[0].type: expected a string, got 7");
    CHECK(net_error({{"capabilities", {{{"id", 1}}, {{"id", 2}, {"rules", {{{"type", "ACTION_TEE"}, {"address", 5}}}}}}}}) ==
          "capabilities[1].rules[0].address: expected a string, got 5");
    // As many as a config carries: 1024 network rules, 64 per capability.
    Json many = Json::array();
    for (int i = 0; i < 1024; ++i) many.push_back({{"type", "ACTION_ACCEPT"}});
    CHECK(net({{"rules", many}})["rules"].size() == 1024);
    many.push_back({{"type", "ACTION_ACCEPT"}});
    CHECK(net_error({{"rules", many}}) == "rules: 1025 rules, at most 1024");
    many.erase(many.begin() + 65, many.end());
    CHECK(net_error({{"capabilities", {{{"id", 1}, {"rules", many}}}}}) == "field \"capabilities[0].rules\": at most 64 rules");
    many.erase(many.begin() + 64, many.end());
    CHECK(net({{"capabilities", {{{"id", 1}, {"rules", many}}}}})["capabilities"][0]["rules"].size() == 64);
}

TEST_CASE("post body: capabilities, tags, tokens and dns", "[controller]") {
    Json p = net({{"capabilities", {{{"id", 9}, {"default", true}}, {{"id", 2}, {"rules", {{{"type", "ACTION_ACCEPT"}}}}}}},
                  {"tags", {{{"id", 5}, {"default", 1}}, {{"id", 3}}}},
                  {"authTokens", {{"abc", 0}, {"def", 1795543836000}}},
                  {"dns", {{"domain", "zt.example"}, {"servers", {"10.147.17.1"}}}}});
    // Sorted by id; missing fields get upstream's defaults.
    CHECK(p["capabilities"] == Json::array({{{"id", 2}, {"default", false}, {"rules", {{{"type", "ACTION_ACCEPT"}}}}},
                                            {{"id", 9}, {"default", true}, {"rules", Json::array()}}}));
    CHECK(p["tags"] == Json::array({{{"id", 3}, {"default", nullptr}}, {{"id", 5}, {"default", 1}}}));
    CHECK(p["authTokens"] == Json{{"abc", 0}, {"def", 1795543836000}});
    CHECK(p["dns"] == Json{{"domain", "zt.example"}, {"servers", {"10.147.17.1"}}});
    // What GET shows by default can be posted back unchanged: [null] tokens, [] dns.
    Json back = net({{"authTokens", Json::array({nullptr})}, {"dns", Json::array()}});
    CHECK(back == Json{{"authTokens", Json::array({nullptr})}});
    CHECK(net({{"authTokens", Json::object()}})["authTokens"].is_null());
    CHECK(net_error({{"authTokens", {{"abc", "never"}}}}) == "field \"authTokens.abc\": expected an expiry time in ms (0: never)");
    CHECK(net_error({{"dns", {{"servers", {"not-an-ip"}}}}}) == "field \"dns.servers[0]\": not an IP address");
    CHECK(net_error({{"tags", {{{"id", -1}}}}}) == "field \"tags[0].id\": expected a non-negative integer");
}

TEST_CASE("post body: wrong types are refused, naming the field", "[controller]") {
    CHECK(net_error({{"name", 5}}) == "field \"name\": expected a string");
    CHECK(net_error({{"private", "true"}}) == "field \"private\": expected true or false");
    CHECK(net_error({{"mtu", "2800"}}) == "field \"mtu\": expected a non-negative integer");
    CHECK(net_error({{"mtu", 2800.5}}) == "field \"mtu\": expected a non-negative integer");
    CHECK(net_error({{"multicastLimit", -1}}) == "field \"multicastLimit\": expected a non-negative integer");
    CHECK(net_error(Json::array()) == "the body must be a JSON object");
    CHECK(mem_error({{"authorized", "true"}}) == "field \"authorized\": expected true or false");
    CHECK(mem_error({{"ipAssignments", "10.0.0.1"}}) == "field \"ipAssignments\": expected an array");
    CHECK(mem_error({{"ipAssignments", {5}}}) == "field \"ipAssignments[0]\": expected a string");
    CHECK(mem_error({{"ipAssignments", {"10.0.0.300"}}}) == "field \"ipAssignments[0]\": not an IP address");
    CHECK(mem_error({{"tags", {{1, 2, 3}}}}) == "field \"tags[0]\": expected [tag id, value]");
    CHECK(mem_error({{"tags", {{1, 4294967296}}}}) == "field \"tags[0][1]\": expected an integer 0..4294967295");
    CHECK(mem_error({{"capabilities", {"x"}}}) == "field \"capabilities[0]\": expected a non-negative integer");
    CHECK(mem_error({{"authenticationURL", 1}}) == "field \"authenticationURL\": expected a string");
}

TEST_CASE("post body: member fields", "[controller]") {
    Json p = mem({{"activeBridge", true},
                  {"noAutoAssignIps", true},
                  {"name", "laptop"},
                  {"ipAssignments", {"10.147.17.11/24", "FD00::1"}},
                  {"tags", {{7, 1}, {2, 5}, {7, 3}}},
                  {"capabilities", {5, 1, 5}},
                  {"authenticationURL", "https://x"},
                  {"identity", "ignored"}});
    CHECK(p == Json{{"activeBridge", true},
                    {"noAutoAssignIps", true},
                    {"name", "laptop"},
                    {"ipAssignments", {"10.147.17.11", "fd00::1"}},
                    {"tags", {{2, 5}, {7, 3}}},
                    {"capabilities", {1, 5}}});
}

TEST_CASE("post body: authorizing stamps the time and credential, once", "[controller]") {
    Json m = {{"authorized", false}, {"lastAuthorizedTime", 0}, {"lastDeauthorizedTime", 0},
              {"lastAuthorizedCredentialType", nullptr}, {"lastAuthorizedCredential", nullptr}};
    apply_member_patch({{"authorized", true}}, m, 100);
    CHECK(m["authorized"] == true);
    CHECK(m["lastAuthorizedTime"] == 100);
    CHECK(m["lastAuthorizedCredentialType"] == "api");
    apply_member_patch({{"authorized", true}}, m, 200);  // no change: the time stays
    CHECK(m["lastAuthorizedTime"] == 100);
    apply_member_patch({{"authorized", false}}, m, 300);
    CHECK(m["authorized"] == false);
    CHECK(m["lastDeauthorizedTime"] == 300);
    CHECK(m["lastAuthorizedTime"] == 100);
}

TEST_CASE("post body: parse_ip", "[controller]") {
    CHECK(parse_ip("10.0.0.1")->text == "10.0.0.1");
    CHECK(parse_ip("10.0.0.1")->bits == -1);
    CHECK(parse_ip("10.0.0.0/8")->bits == 8);
    CHECK(parse_ip("fd00:0::1/64")->text == "fd00::1");
    CHECK(parse_ip("fd00::1/128")->family == 6);
    CHECK_FALSE(parse_ip("fd00::1/129"));
    CHECK_FALSE(parse_ip("10.0.0.1/"));
    CHECK_FALSE(parse_ip("10.0.0.1/x"));
    CHECK_FALSE(parse_ip(""));
    CHECK_FALSE(parse_ip("localhost"));
}
