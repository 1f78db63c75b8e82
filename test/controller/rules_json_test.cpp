// Controller JSON rules (spec §9.1) <-> zt::vl2::Rule: the captured controller's network
// (vectors/captures/controller/network-c41b8868ac000001.json, from shared/spec/captures)
// gives the captured config's R bytes; every type in 1.14's rendered form round-trips;
// wrong JSON types and values give errors that name the rule and field.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "core/bytes.hpp"
#include "core/vl2/rules.hpp"
#include "tools/ztcontroller/rules_json.hpp"

using nlohmann::json;
using zt::controller::rules_from_json;
using zt::controller::rules_to_json;
using zt::vl2::Rule;
using zt::vl2::RuleType;

namespace {

json load(const std::string& name) {
    std::ifstream f(std::string(ZT_TEST_VECTORS_DIR) + "/" + name);
    REQUIRE(f);
    return json::parse(f);
}

std::vector<Rule> parse_ok(const json& j) {
    std::string error;
    auto rules = rules_from_json(j, error);
    INFO(error);
    REQUIRE(rules);
    CHECK(error.empty());
    return *rules;
}

std::string parse_error(const json& j) {
    std::string error;
    CHECK(!rules_from_json(j, error));
    CHECK(!error.empty());
    return error;
}

zt::Bytes wire(const std::vector<Rule>& rules) {
    zt::Bytes buf(4096);
    zt::Writer w{std::span<uint8_t>(buf)};
    zt::vl2::write_rules(w, rules);
    REQUIRE(w.ok());
    buf.resize(w.size());
    return buf;
}

}  // namespace

TEST_CASE("rules json: the captured controller network is accept-all, R = 01 00", "[controller]") {
    const json net = load("captures/controller/network-c41b8868ac000001.json");
    auto rules = parse_ok(net["rules"]);
    REQUIRE(rules.size() == 1);
    CHECK(rules[0].type() == RuleType::action_accept);
    CHECK(wire(rules) == zt::Bytes{0x01, 0x00});  // the R key of the config it sent (dictionaries.json)
    CHECK(rules_to_json(rules) == net["rules"]);
    CHECK(rules_to_json(rules).dump() == R"([{"type":"ACTION_ACCEPT"}])");
}

TEST_CASE("rules json: Central default drop-not-IP, accept", "[controller]") {
    const json j = json::parse(R"([
        {"type": "MATCH_ETHERTYPE", "etherType": 2048, "not": true, "or": false},
        {"type": "MATCH_ETHERTYPE", "etherType": 2054, "not": true, "or": false},
        {"type": "MATCH_ETHERTYPE", "etherType": 34525, "not": true, "or": false},
        {"type": "ACTION_DROP"},
        {"type": "ACTION_ACCEPT"}])");
    auto rules = parse_ok(j);
    CHECK(wire(rules) == *zt::from_hex("a5020800a5020806a50286dd00000100"));
    CHECK(rules_to_json(rules) == j);
    auto back = zt::vl2::parse_rule_blob(wire(rules));
    REQUIRE(back);
    CHECK(rules_to_json(*back) == j);
}

TEST_CASE("rules json: every type in 1.14's rendered form round-trips", "[controller]") {
    const json j = json::parse(R"([
        {"type": "ACTION_DROP"},
        {"type": "ACTION_ACCEPT"},
        {"type": "ACTION_TEE", "address": "0eb8d1da54", "flags": 3, "length": 64},
        {"type": "ACTION_WATCH", "address": "3cc90031a0", "flags": 0, "length": 0},
        {"type": "ACTION_REDIRECT", "address": "c41b8868ac", "flags": 1},
        {"type": "ACTION_BREAK"},
        {"type": "MATCH_SOURCE_ZEROTIER_ADDRESS", "zt": "0eb8d1da54", "not": false, "or": false},
        {"type": "MATCH_DEST_ZEROTIER_ADDRESS", "zt": "3cc90031a0", "not": true, "or": true},
        {"type": "MATCH_VLAN_ID", "vlanId": 291, "not": false, "or": false},
        {"type": "MATCH_VLAN_PCP", "vlanPcp": 5, "not": false, "or": false},
        {"type": "MATCH_VLAN_DEI", "vlanDei": 1, "not": false, "or": false},
        {"type": "MATCH_MAC_SOURCE", "mac": "02:0e:b8:7d:b2:dc", "not": false, "or": false},
        {"type": "MATCH_MAC_DEST", "mac": "ff:ff:ff:ff:ff:ff", "not": false, "or": false},
        {"type": "MATCH_IPV4_SOURCE", "ip": "10.147.17.0/24", "not": false, "or": false},
        {"type": "MATCH_IPV4_DEST", "ip": "10.147.17.12/32", "not": false, "or": true},
        {"type": "MATCH_IPV6_SOURCE", "ip": "fdc4:1b88:68ac::/48", "not": false, "or": false},
        {"type": "MATCH_IPV6_DEST", "ip": "fe80::1/128", "not": false, "or": false},
        {"type": "MATCH_IP_TOS", "mask": 252, "start": 184, "end": 184, "not": false, "or": false},
        {"type": "MATCH_IP_PROTOCOL", "ipProtocol": 6, "not": false, "or": false},
        {"type": "MATCH_ETHERTYPE", "etherType": 2048, "not": true, "or": false},
        {"type": "MATCH_ICMP", "icmpType": 8, "icmpCode": null, "not": false, "or": false},
        {"type": "MATCH_ICMP", "icmpType": 3, "icmpCode": 3, "not": false, "or": false},
        {"type": "MATCH_IP_SOURCE_PORT_RANGE", "start": 1024, "end": 65535, "not": false, "or": false},
        {"type": "MATCH_IP_DEST_PORT_RANGE", "start": 22, "end": 22, "not": false, "or": false},
        {"type": "MATCH_CHARACTERISTICS", "mask": "8000000000000002", "not": false, "or": false},
        {"type": "MATCH_FRAME_SIZE_RANGE", "start": 64, "end": 1500, "not": false, "or": false},
        {"type": "MATCH_RANDOM", "probability": 2147483647, "not": false, "or": false},
        {"type": "MATCH_TAGS_DIFFERENCE", "id": 1, "value": 3, "not": false, "or": false},
        {"type": "MATCH_TAGS_BITWISE_AND", "id": 2, "value": 4, "not": false, "or": false},
        {"type": "MATCH_TAGS_BITWISE_OR", "id": 3, "value": 5, "not": false, "or": false},
        {"type": "MATCH_TAGS_BITWISE_XOR", "id": 4, "value": 6, "not": false, "or": false},
        {"type": "MATCH_TAGS_EQUAL", "id": 5, "value": 7, "not": false, "or": false},
        {"type": "MATCH_TAG_SENDER", "id": 6, "value": 8, "not": false, "or": false},
        {"type": "MATCH_TAG_RECEIVER", "id": 7, "value": 4294967295, "not": false, "or": false},
        {"type": "INTEGER_RANGE", "start": "0000000000000100", "end": "00000000000001ff", "idx": 12,
         "little": true, "bits": 16, "not": false, "or": false}])");
    auto rules = parse_ok(j);
    REQUIRE(rules.size() == j.size());
    CHECK(rules_to_json(rules) == j);
    // Through the wire form and back.
    auto back = zt::vl2::parse_rule_blob(wire(rules));
    REQUIRE(back);
    CHECK(*back == rules);
    CHECK(rules_to_json(*back) == j);

    // Spot checks of the values.
    CHECK(rules[2].forward_address == 0x0eb8d1da54);
    CHECK(rules[2].forward_flags == 3);
    CHECK(rules[2].forward_length == 64);
    CHECK(rules[7].negated());
    CHECK(rules[7].is_or());
    CHECK(rules[11].mac == zt::Mac(0x020eb87db2dcULL));
    CHECK(rules[13].ip[2] == 17);
    CHECK(rules[13].ip_bits == 24);
    CHECK(rules[15].ip[0] == 0xfd);
    CHECK(rules[15].ip_bits == 48);
    CHECK(rules[20].icmp_flags == 0);
    CHECK(rules[21].icmp_flags == zt::vl2::kIcmpFlagMatchCode);
    CHECK(rules[24].characteristics == 0x8000000000000002ULL);
    CHECK(rules[34].type() == RuleType::match_integer_range);
    CHECK(rules[34].int_format == (zt::vl2::kIntegerRangeLittleEndian | 15));
    CHECK(rules[34].int_end == 0x1ff);
}

TEST_CASE("rules json: upstream defaults and alternative forms", "[controller]") {
    auto rules = parse_ok(json::parse(R"([
        {"type": "MATCH_IP_DEST_PORT_RANGE", "start": 80},
        {"type": "MATCH_MAC_SOURCE", "mac": "02-0e-b8-7d-b2-dc"},
        {"type": "MATCH_MAC_DEST", "mac": "020eb87db2dc"},
        {"type": "MATCH_CHARACTERISTICS", "mask": 2},
        {"type": "MATCH_IPV4_SOURCE", "ip": "10.1.2.3/40"},
        {"type": "MATCH_IPV4_DEST"},
        {"type": "MATCH_ICMP", "icmpType": 8},
        {"type": "INTEGER_RANGE", "start": 10, "end": 20},
        {"type": "ACTION_ACCEPT", "not": true},
        {"type": "ACTION_REDIRECT", "address": "c41b8868ac", "length": 99}])"));
    CHECK(rules[0].range_end == 80);  // "end" defaults to "start"
    CHECK(rules[1].mac == zt::Mac(0x020eb87db2dcULL));
    CHECK(rules[2].mac == zt::Mac(0x020eb87db2dcULL));
    CHECK(rules[3].characteristics == 2);
    CHECK(rules[4].ip_bits == 32);  // clamped, as 1.14 does
    CHECK(rules[5].ip_bits == 0);   // absent: 0.0.0.0/0
    CHECK(rules[6].icmp_flags == 0);
    CHECK(rules[7].int_start == 10);
    CHECK(rules[7].int_end == 20);
    CHECK(rules[7].int_format == 0);  // 1 bit, big-endian
    CHECK(rules[8].t == (uint8_t(RuleType::action_accept) | zt::vl2::kRuleNot));
    CHECK(rules[9].forward_length == 0);  // REDIRECT has no length
    // Actions are rendered without "not"/"or"; rules JSON cannot hold are left out.
    Rule priority = Rule::of(RuleType::action_priority);
    Rule unknown;
    unknown.t = 20;
    const std::vector<Rule> mixed{rules[8], priority, unknown, rules[0]};
    json out = rules_to_json(mixed);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == json::parse(R"({"type": "ACTION_ACCEPT"})"));
    CHECK(out[1] == json::parse(R"({"type": "MATCH_IP_DEST_PORT_RANGE", "start": 80, "end": 80, "not": false, "or": false})"));
}

TEST_CASE("rules json: wrong JSON types and values are errors naming rule and field", "[controller]") {
    using Catch::Matchers::Contains;
    CHECK_THAT(parse_error(json::parse(R"({"type": "ACTION_ACCEPT"})")), Contains("expected an array"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "ACTION_ACCEPT"}, 5])")), Contains("rules[1]: expected an object"));
    CHECK_THAT(parse_error(json::parse(R"([{"etherType": 2048}])")), Contains("rules[0].type: unknown rule type (missing)"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": 37}])")), Contains("rules[0].type: expected a string"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_FOO"}])")), Contains("unknown rule type \"MATCH_FOO\""));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "ACTION_PRIORITY"}])")), Contains("unknown rule type"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_ETHERTYPE", "etherType": "2048"}])")),
               Contains("rules[0].etherType: expected an integer 0..65535, got \"2048\""));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_ETHERTYPE", "etherType": 70000}])")),
               Contains("etherType: expected an integer 0..65535"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_ETHERTYPE", "etherType": -1}])")), Contains("etherType"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_ETHERTYPE", "etherType": 2048.5}])")), Contains("etherType"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_ETHERTYPE", "etherType": 2048, "not": "yes"}])")),
               Contains("rules[0].not: expected true or false"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "ACTION_ACCEPT"}, {"type": "MATCH_IPV4_SOURCE", "ip": "10.0.0.1"}])")),
               Contains("rules[1].ip: expected an IPv4 prefix"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_IPV4_SOURCE", "ip": "fd00::/8"}])")), Contains("IPv4 prefix"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_IPV6_DEST", "ip": "10.0.0.0/8"}])")), Contains("IPv6 prefix"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_IPV4_SOURCE", "ip": "10.0.0.0/x"}])")), Contains("IPv4 prefix"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_MAC_SOURCE", "mac": "02:0e:b8:7d:b2"}])")), Contains("mac: expected a MAC"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_SOURCE_ZEROTIER_ADDRESS", "zt": "0eb8d1da541"}])")),
               Contains("zt: expected a ZeroTier address"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "ACTION_TEE", "address": 12345}])")), Contains("address: expected a string"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "MATCH_CHARACTERISTICS", "mask": "zz"}])")), Contains("mask"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "INTEGER_RANGE", "bits": 0}])")), Contains("bits: expected an integer 1..64"));
    CHECK_THAT(parse_error(json::parse(R"([{"type": "INTEGER_RANGE", "bits": 65}])")), Contains("bits"));
    json many = json::array();
    for (int i = 0; i < 1025; ++i) many.push_back({{"type", "ACTION_ACCEPT"}});
    CHECK_THAT(parse_error(many), Contains("at most 1024"));
}
