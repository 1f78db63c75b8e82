// Rule codec (spec §8.9). Layout in rules.hpp. Value layouts follow 1.14's
// Capability::serializeRules: everything big-endian, TEE/WATCH/REDIRECT carry a u64 address,
// ACTION_PRIORITY is written with no value, MATCH_INTEGER_RANGE with an absolute end.
#include "core/vl2/rules.hpp"

#include <algorithm>

namespace zt::vl2 {

std::optional<uint8_t> rule_value_length(uint8_t type_id) {
    switch (RuleType(type_id & kRuleTypeMask)) {
    case RuleType::action_drop:
    case RuleType::action_accept:
    case RuleType::action_break:
    case RuleType::action_priority:
        return 0;
    case RuleType::action_tee:
    case RuleType::action_watch:
    case RuleType::action_redirect:
        return 14;
    case RuleType::match_source_zerotier_address:
    case RuleType::match_dest_zerotier_address:
        return 5;
    case RuleType::match_vlan_id:
        return 2;
    case RuleType::match_vlan_pcp:
    case RuleType::match_vlan_dei:
        return 1;
    case RuleType::match_mac_source:
    case RuleType::match_mac_dest:
        return 6;
    case RuleType::match_ipv4_source:
    case RuleType::match_ipv4_dest:
        return 5;
    case RuleType::match_ipv6_source:
    case RuleType::match_ipv6_dest:
        return 17;
    case RuleType::match_ip_tos:
        return 3;
    case RuleType::match_ip_protocol:
        return 1;
    case RuleType::match_ethertype:
        return 2;
    case RuleType::match_icmp:
        return 3;
    case RuleType::match_ip_source_port_range:
    case RuleType::match_ip_dest_port_range:
        return 4;
    case RuleType::match_characteristics:
        return 8;
    case RuleType::match_frame_size_range:
        return 4;
    case RuleType::match_random:
        return 4;
    case RuleType::match_tags_difference:
    case RuleType::match_tags_bitwise_and:
    case RuleType::match_tags_bitwise_or:
    case RuleType::match_tags_bitwise_xor:
    case RuleType::match_tags_equal:
    case RuleType::match_tag_sender:
    case RuleType::match_tag_receiver:
        return 8;
    case RuleType::match_integer_range:
        return 19;
    }
    return std::nullopt;
}

namespace {

// Decodes the value of a known type from exactly its bytes (`v` holds the value only).
void read_value(Reader& v, Rule& rule) {
    switch (rule.type()) {
    case RuleType::action_drop:
    case RuleType::action_accept:
    case RuleType::action_break:
    case RuleType::action_priority:
        break;
    case RuleType::action_tee:
    case RuleType::action_watch:
    case RuleType::action_redirect:
        rule.forward_address = v.u64be();
        rule.forward_flags = v.u32be();
        rule.forward_length = v.u16be();
        break;
    case RuleType::match_source_zerotier_address:
    case RuleType::match_dest_zerotier_address:
        rule.zt = Address(v.u40be());
        break;
    case RuleType::match_vlan_id:
        rule.vlan_id = v.u16be();
        break;
    case RuleType::match_vlan_pcp:
        rule.vlan_pcp = v.u8();
        break;
    case RuleType::match_vlan_dei:
        rule.vlan_dei = v.u8();
        break;
    case RuleType::match_mac_source:
    case RuleType::match_mac_dest:
        rule.mac = Mac(v.u48be());
        break;
    case RuleType::match_ipv4_source:
    case RuleType::match_ipv4_dest: {
        auto ip = v.bytes(4);
        if (ip.size() == 4) std::copy(ip.begin(), ip.end(), rule.ip.begin());
        rule.ip_bits = v.u8();
        break;
    }
    case RuleType::match_ipv6_source:
    case RuleType::match_ipv6_dest: {
        auto ip = v.bytes(16);
        if (ip.size() == 16) std::copy(ip.begin(), ip.end(), rule.ip.begin());
        rule.ip_bits = v.u8();
        break;
    }
    case RuleType::match_ip_tos:
        rule.tos_mask = v.u8();
        rule.tos_start = v.u8();
        rule.tos_end = v.u8();
        break;
    case RuleType::match_ip_protocol:
        rule.ip_protocol = v.u8();
        break;
    case RuleType::match_ethertype:
        rule.ether_type = v.u16be();
        break;
    case RuleType::match_icmp:
        rule.icmp_type = v.u8();
        rule.icmp_code = v.u8();
        rule.icmp_flags = v.u8();
        break;
    case RuleType::match_ip_source_port_range:
    case RuleType::match_ip_dest_port_range:
    case RuleType::match_frame_size_range:
        rule.range_start = v.u16be();
        rule.range_end = v.u16be();
        break;
    case RuleType::match_characteristics:
        rule.characteristics = v.u64be();
        break;
    case RuleType::match_random:
        rule.random_probability = v.u32be();
        break;
    case RuleType::match_tags_difference:
    case RuleType::match_tags_bitwise_and:
    case RuleType::match_tags_bitwise_or:
    case RuleType::match_tags_bitwise_xor:
    case RuleType::match_tags_equal:
    case RuleType::match_tag_sender:
    case RuleType::match_tag_receiver:
        rule.tag_id = v.u32be();
        rule.tag_value = v.u32be();
        break;
    case RuleType::match_integer_range:
        rule.int_start = v.u64be();
        rule.int_end = v.u64be();
        rule.int_index = v.u16be();
        rule.int_format = v.u8();
        break;
    }
}

void write_value(Writer& w, const Rule& rule) {
    switch (rule.type()) {
    case RuleType::action_drop:
    case RuleType::action_accept:
    case RuleType::action_break:
    case RuleType::action_priority:
        break;
    case RuleType::action_tee:
    case RuleType::action_watch:
    case RuleType::action_redirect:
        w.u64be(rule.forward_address);
        w.u32be(rule.forward_flags);
        w.u16be(rule.forward_length);
        break;
    case RuleType::match_source_zerotier_address:
    case RuleType::match_dest_zerotier_address:
        w.u40be(rule.zt.value());
        break;
    case RuleType::match_vlan_id:
        w.u16be(rule.vlan_id);
        break;
    case RuleType::match_vlan_pcp:
        w.u8(rule.vlan_pcp);
        break;
    case RuleType::match_vlan_dei:
        w.u8(rule.vlan_dei);
        break;
    case RuleType::match_mac_source:
    case RuleType::match_mac_dest:
        w.u48be(rule.mac.value());
        break;
    case RuleType::match_ipv4_source:
    case RuleType::match_ipv4_dest:
        w.bytes(std::span<const uint8_t>(rule.ip).first(4));
        w.u8(rule.ip_bits);
        break;
    case RuleType::match_ipv6_source:
    case RuleType::match_ipv6_dest:
        w.bytes(rule.ip);
        w.u8(rule.ip_bits);
        break;
    case RuleType::match_ip_tos:
        w.u8(rule.tos_mask);
        w.u8(rule.tos_start);
        w.u8(rule.tos_end);
        break;
    case RuleType::match_ip_protocol:
        w.u8(rule.ip_protocol);
        break;
    case RuleType::match_ethertype:
        w.u16be(rule.ether_type);
        break;
    case RuleType::match_icmp:
        w.u8(rule.icmp_type);
        w.u8(rule.icmp_code);
        w.u8(rule.icmp_flags);
        break;
    case RuleType::match_ip_source_port_range:
    case RuleType::match_ip_dest_port_range:
    case RuleType::match_frame_size_range:
        w.u16be(rule.range_start);
        w.u16be(rule.range_end);
        break;
    case RuleType::match_characteristics:
        w.u64be(rule.characteristics);
        break;
    case RuleType::match_random:
        w.u32be(rule.random_probability);
        break;
    case RuleType::match_tags_difference:
    case RuleType::match_tags_bitwise_and:
    case RuleType::match_tags_bitwise_or:
    case RuleType::match_tags_bitwise_xor:
    case RuleType::match_tags_equal:
    case RuleType::match_tag_sender:
    case RuleType::match_tag_receiver:
        w.u32be(rule.tag_id);
        w.u32be(rule.tag_value);
        break;
    case RuleType::match_integer_range:
        w.u64be(rule.int_start);
        w.u64be(rule.int_end);
        w.u16be(rule.int_index);
        w.u8(rule.int_format);
        break;
    }
}

// One rule at r's position. A known type must carry exactly its value length.
bool read_rule(Reader& r, Rule& rule) {
    rule = Rule{};
    rule.t = r.u8();
    const uint8_t len = r.u8();
    auto value = r.bytes(len);
    if (!r.ok()) return false;
    const auto known = rule_value_length(rule.t);
    if (!known) {
        rule.raw.assign(value.begin(), value.end());
        return true;
    }
    if (*known != len) {
        r.fail();
        return false;
    }
    Reader v{value};
    read_value(v, rule);
    return v.ok();
}

}  // namespace

bool read_rules(Reader& r, size_t count, std::vector<Rule>& out) {
    out.clear();
    out.reserve(std::min(count, kMaxNetworkRules));
    for (size_t i = 0; i < count; ++i) {
        Rule rule;
        if (!read_rule(r, rule)) return false;
        out.push_back(std::move(rule));
    }
    return r.ok();
}

std::optional<std::vector<Rule>> parse_rule_blob(std::span<const uint8_t> blob, size_t max) {
    Reader r{blob};
    std::vector<Rule> rules;
    while (!r.at_end()) {
        if (rules.size() >= max) return std::nullopt;
        Rule rule;
        if (!read_rule(r, rule)) return std::nullopt;
        rules.push_back(std::move(rule));
    }
    if (!r.ok()) return std::nullopt;
    return rules;
}

void write_rules(Writer& w, std::span<const Rule> rules) {
    for (const Rule& rule : rules) {
        w.u8(rule.t);
        const auto known = rule_value_length(rule.t);
        if (!known) {
            // An unknown value longer than the length byte can say cannot be written.
            if (rule.raw.size() > 0xff) {
                w.fail();
                return;
            }
            w.u8(uint8_t(rule.raw.size()));
            w.bytes(rule.raw);
            continue;
        }
        w.u8(*known);
        write_value(w, rule);
    }
}

}  // namespace zt::vl2
