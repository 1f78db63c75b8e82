// Rule codec (spec §8.9): the captured config's `R` key (vectors/dictionaries.json), the
// Central default rule set, one rule of every type against hand-written bytes (layouts as
// 1.14's Capability::serializeRules writes them), truncations and wrong lengths.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/vl2/rules.hpp"
#include "json.hpp"
#include "wire_test_util.hpp"

using zt::Bytes;
using zt::vl2::parse_rule_blob;
using zt::vl2::read_rules;
using zt::vl2::Rule;
using zt::vl2::RuleType;

namespace {

Bytes hex(const std::string& s) {
    auto b = zt::from_hex(s);
    REQUIRE(b);
    return *b;
}

// Writes rules into a 0xA5-filled buffer; checks nothing past them was touched.
Bytes write_filled(const std::vector<Rule>& rules) {
    Bytes buf(4096, ztest::kFill);
    zt::Writer w{std::span<uint8_t>(buf)};
    zt::vl2::write_rules(w, rules);
    REQUIRE(w.ok());
    for (size_t i = w.size(); i < buf.size(); ++i) REQUIRE(buf[i] == ztest::kFill);
    buf.resize(w.size());
    return buf;
}

Rule ethertype(uint16_t et, bool negated) {
    Rule r = Rule::of(RuleType::match_ethertype, negated);
    r.ether_type = et;
    return r;
}

// One rule of every known type with distinct values, and its bytes on the wire.
std::vector<std::pair<Rule, std::string>> every_type() {
    std::vector<std::pair<Rule, std::string>> v;
    auto add = [&](Rule r, std::string h) { v.emplace_back(std::move(r), std::move(h)); };
    add(Rule::of(RuleType::action_drop), "0000");
    add(Rule::of(RuleType::action_accept), "0100");
    Rule tee = Rule::of(RuleType::action_tee);
    tee.forward_address = 0x0eb8d1da54;
    tee.forward_flags = 0x01020304;
    tee.forward_length = 0x0040;
    add(tee, "020e" "0000000eb8d1da54" "01020304" "0040");
    Rule watch = tee;
    watch.t = uint8_t(RuleType::action_watch);
    add(watch, "030e" "0000000eb8d1da54" "01020304" "0040");
    Rule redirect = Rule::of(RuleType::action_redirect);
    redirect.forward_address = 0xc41b8868ac;
    add(redirect, "040e" "000000c41b8868ac" "00000000" "0000");
    add(Rule::of(RuleType::action_break), "0500");
    add(Rule::of(RuleType::action_priority), "0600");
    Rule src = Rule::of(RuleType::match_source_zerotier_address, true);
    src.zt = zt::Address(0x0eb8d1da54);
    add(src, "98050eb8d1da54");
    Rule dst = Rule::of(RuleType::match_dest_zerotier_address, false, true);
    dst.zt = zt::Address(0xc41b8868ac);
    add(dst, "5905c41b8868ac");
    Rule vid = Rule::of(RuleType::match_vlan_id);
    vid.vlan_id = 0x0123;
    add(vid, "1a020123");
    Rule pcp = Rule::of(RuleType::match_vlan_pcp);
    pcp.vlan_pcp = 5;
    add(pcp, "1b0105");
    Rule dei = Rule::of(RuleType::match_vlan_dei);
    dei.vlan_dei = 1;
    add(dei, "1c0101");
    Rule msrc = Rule::of(RuleType::match_mac_source);
    msrc.mac = zt::Mac(0x32a10b1f6c7eULL);
    add(msrc, "1d0632a10b1f6c7e");
    Rule mdst = Rule::of(RuleType::match_mac_dest);
    mdst.mac = zt::Mac(0xffffffffffffULL);
    add(mdst, "1e06ffffffffffff");
    Rule v4s = Rule::of(RuleType::match_ipv4_source);
    v4s.ip = {10, 147, 17, 0};
    v4s.ip_bits = 24;
    add(v4s, "1f050a93110018");
    Rule v4d = Rule::of(RuleType::match_ipv4_dest);
    v4d.ip = {192, 168, 1, 7};
    v4d.ip_bits = 32;
    add(v4d, "2005c0a8010720");
    Rule v6s = Rule::of(RuleType::match_ipv6_source);
    v6s.ip = {0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    v6s.ip_bits = 64;
    add(v6s, "2111" "fdc41b8868ac" "000000000000000000" "01" "40");
    Rule v6d = v6s;
    v6d.t = uint8_t(RuleType::match_ipv6_dest);
    v6d.ip_bits = 128;
    add(v6d, "2211" "fdc41b8868ac" "000000000000000000" "01" "80");
    Rule tos = Rule::of(RuleType::match_ip_tos);
    tos.tos_mask = 0xfc;
    tos.tos_start = 0x20;
    tos.tos_end = 0x28;
    add(tos, "2303fc2028");
    Rule proto = Rule::of(RuleType::match_ip_protocol);
    proto.ip_protocol = 6;
    add(proto, "240106");
    add(ethertype(0x86dd, false), "250286dd");
    Rule icmp = Rule::of(RuleType::match_icmp);
    icmp.icmp_type = 8;
    icmp.icmp_code = 0;
    icmp.icmp_flags = zt::vl2::kIcmpFlagMatchCode;
    add(icmp, "2603080001");
    Rule sport = Rule::of(RuleType::match_ip_source_port_range);
    sport.range_start = 1024;
    sport.range_end = 65535;
    add(sport, "27040400ffff");
    Rule dport = Rule::of(RuleType::match_ip_dest_port_range);
    dport.range_start = 22;
    dport.range_end = 22;
    add(dport, "280400160016");
    Rule chr = Rule::of(RuleType::match_characteristics);
    chr.characteristics = 0x8000000000000002ULL;
    add(chr, "29088000000000000002");
    Rule size = Rule::of(RuleType::match_frame_size_range);
    size.range_start = 64;
    size.range_end = 1500;
    add(size, "2a04004005dc");
    Rule rnd = Rule::of(RuleType::match_random);
    rnd.random_probability = 0x7fffffff;
    add(rnd, "2b047fffffff");
    const RuleType tag_types[] = {RuleType::match_tags_difference, RuleType::match_tags_bitwise_and,
                                  RuleType::match_tags_bitwise_or,  RuleType::match_tags_bitwise_xor,
                                  RuleType::match_tags_equal,       RuleType::match_tag_sender,
                                  RuleType::match_tag_receiver};
    const char* tag_hex[] = {"2c08", "2d08", "2e08", "2f08", "3008", "3108", "3208"};
    for (size_t i = 0; i < 7; ++i) {
        Rule tag = Rule::of(tag_types[i]);
        tag.tag_id = 1000 + uint32_t(i);
        tag.tag_value = 0xdeadbeef;
        char id_hex[9];
        std::snprintf(id_hex, sizeof id_hex, "%08x", 1000 + unsigned(i));
        add(tag, std::string(tag_hex[i]) + id_hex + "deadbeef");
    }
    Rule range = Rule::of(RuleType::match_integer_range);
    range.int_start = 0x100;
    range.int_end = 0x1ff;
    range.int_index = 12;
    range.int_format = zt::vl2::kIntegerRangeLittleEndian | 15;
    add(range, "3313" "0000000000000100" "00000000000001ff" "000c" "8f");
    return v;
}

}  // namespace

TEST_CASE("rules: the captured config's R key is accept-all", "[wire]") {
    auto cfg = ztest::load_vectors("dictionaries.json")["network_config"]["decoded"];
    Bytes r = hex(cfg["R"]["binary_hex"].s());
    REQUIRE(r == Bytes{0x01, 0x00});
    auto rules = parse_rule_blob(r);
    REQUIRE(rules);
    REQUIRE(rules->size() == 1);
    CHECK((*rules)[0].type() == RuleType::action_accept);
    CHECK(!(*rules)[0].negated());
    CHECK(!(*rules)[0].is_or());
    CHECK(write_filled(*rules) == r);
}

TEST_CASE("rules: Central default drop-not-IP then accept", "[wire]") {
    Bytes blob = hex("a5020800" "a5020806" "a50286dd" "0000" "0100");
    auto rules = parse_rule_blob(blob);
    REQUIRE(rules);
    REQUIRE(rules->size() == 5);
    const uint16_t types[] = {0x0800, 0x0806, 0x86dd};
    for (size_t i = 0; i < 3; ++i) {
        CHECK((*rules)[i].type() == RuleType::match_ethertype);
        CHECK((*rules)[i].negated());
        CHECK(!(*rules)[i].is_or());
        CHECK((*rules)[i].ether_type == types[i]);
    }
    CHECK((*rules)[3].type() == RuleType::action_drop);
    CHECK((*rules)[4].type() == RuleType::action_accept);
    CHECK(*rules == std::vector<Rule>{ethertype(0x0800, true), ethertype(0x0806, true),
                                      ethertype(0x86dd, true), Rule::of(RuleType::action_drop),
                                      Rule::of(RuleType::action_accept)});
    CHECK(write_filled(*rules) == blob);
}

TEST_CASE("rules: one rule of every type, bytes and round trip", "[wire]") {
    std::vector<Rule> all;
    std::string all_hex;
    for (auto& [rule, h] : every_type()) {
        INFO("type " << int(rule.type()));
        CHECK(rule.is_known());
        CHECK(write_filled({rule}) == hex(h));
        auto back = parse_rule_blob(hex(h));
        REQUIRE(back);
        REQUIRE(back->size() == 1);
        CHECK((*back)[0] == rule);
        all.push_back(rule);
        all_hex += h;
    }
    CHECK(all.size() == 35);  // ids 0..6 and 24..51
    Bytes blob = write_filled(all);
    CHECK(blob == hex(all_hex));
    auto back = parse_rule_blob(blob);
    REQUIRE(back);
    CHECK(*back == all);

    // Count-prefixed form, as inside a capability.
    zt::Reader r{blob};
    std::vector<Rule> counted;
    REQUIRE(read_rules(r, all.size(), counted));
    CHECK(r.at_end());
    CHECK(counted == all);
}

TEST_CASE("rules: truncation inside a rule fails, at a rule boundary gives fewer rules", "[wire]") {
    std::vector<Rule> all;
    std::vector<size_t> boundaries{0};
    for (auto& [rule, h] : every_type()) {
        all.push_back(rule);
        boundaries.push_back(boundaries.back() + h.size() / 2);
    }
    Bytes blob = write_filled(all);
    size_t next = 0;
    for (size_t n = 0; n < blob.size(); ++n) {
        auto rules = parse_rule_blob(std::span<const uint8_t>(blob.data(), n));
        if (n == boundaries[next]) {
            REQUIRE(rules);
            CHECK(rules->size() == next);
            ++next;
        } else {
            INFO("prefix " << n);
            CHECK(!rules);
        }
    }
    // read_rules asks for one more rule than there is.
    zt::Reader r{blob};
    std::vector<Rule> out;
    CHECK(!read_rules(r, all.size() + 1, out));
    CHECK(!r.ok());
}

TEST_CASE("rules: a known type with a wrong length is malformed", "[wire]") {
    CHECK(!parse_rule_blob(hex("a503080000" "0100")));        // ETHERTYPE, 3 bytes
    CHECK(!parse_rule_blob(hex("a50108" "0100")));            // ETHERTYPE, 1 byte
    CHECK(!parse_rule_blob(hex("010100")));                   // ACCEPT with a value
    CHECK(!parse_rule_blob(hex("060104")));                   // PRIORITY: 1.14 writes no value
    CHECK(!parse_rule_blob(hex("020c" "0000000eb8d1da54" "01020304")));  // TEE without length
    CHECK(!parse_rule_blob(hex("3312" + std::string(36, '0'))));         // INTEGER_RANGE, 18
    CHECK(!parse_rule_blob(hex("01")));                       // type without length
}

TEST_CASE("rules: unknown types keep their value bytes and are written back", "[wire]") {
    // 0x3f and 0x10 are not assigned; 0x07 is an unassigned action id.
    Bytes blob = hex("bf03aabbcc" "1000" "0702abcd" "0100");
    auto rules = parse_rule_blob(blob);
    REQUIRE(rules);
    REQUIRE(rules->size() == 4);
    CHECK(!(*rules)[0].is_known());
    CHECK((*rules)[0].negated());
    CHECK(uint8_t((*rules)[0].type()) == 0x3f);
    CHECK((*rules)[0].raw == Bytes{0xaa, 0xbb, 0xcc});
    CHECK((*rules)[1].raw.empty());
    CHECK((*rules)[2].is_action());
    CHECK((*rules)[2].raw == Bytes{0xab, 0xcd});
    CHECK(write_filled(*rules) == blob);

    Bytes longest = hex("3fff" + std::string(510, 'e'));
    auto l = parse_rule_blob(longest);
    REQUIRE(l);
    CHECK((*l)[0].raw.size() == 255);
    CHECK(write_filled(*l) == longest);

    Rule too_long;
    too_long.t = 0x3f;
    too_long.raw.assign(256, 0);
    Bytes buf(1024);
    zt::Writer w{std::span<uint8_t>(buf)};
    zt::vl2::write_rules(w, std::vector<Rule>{too_long});
    CHECK(!w.ok());
}

TEST_CASE("rules: the rule count limit", "[wire]") {
    Bytes blob;
    for (size_t i = 0; i < zt::vl2::kMaxNetworkRules; ++i) blob.insert(blob.end(), {0x05, 0x00});
    auto at_max = parse_rule_blob(blob);
    REQUIRE(at_max);
    CHECK(at_max->size() == zt::vl2::kMaxNetworkRules);
    blob.insert(blob.end(), {0x01, 0x00});
    CHECK(!parse_rule_blob(blob));
    CHECK(!parse_rule_blob(hex("0100" "0100" "0100"), 2));
    auto empty = parse_rule_blob({});
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("rules: integer range keeps 1.14's 32-bit span", "[wire]") {
    Rule r = Rule::of(RuleType::match_integer_range);
    r.int_start = 10;
    r.int_end = 20;
    CHECK(r.integer_range_last() == 20);
    r.int_end = 10 + 0x100000005ULL;  // more than 2^32 past start: 1.14 keeps the low 32 bits
    CHECK(r.integer_range_last() == 15);
}
