// Controller JSON <-> rules (spec §9.1, §8.9). Field names, defaults and value formats as
// 1.14.1's EmbeddedNetworkController _parseRule / _renderRule; see rules_json.hpp for where
// we are stricter.
#include "tools/ztcontroller/rules_json.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"

namespace zt::controller {

namespace {

using nlohmann::json;
using vl2::Rule;
using vl2::RuleType;

constexpr std::pair<RuleType, std::string_view> kTypeNames[] = {
    {RuleType::action_drop, "ACTION_DROP"},
    {RuleType::action_accept, "ACTION_ACCEPT"},
    {RuleType::action_tee, "ACTION_TEE"},
    {RuleType::action_watch, "ACTION_WATCH"},
    {RuleType::action_redirect, "ACTION_REDIRECT"},
    {RuleType::action_break, "ACTION_BREAK"},
    {RuleType::match_source_zerotier_address, "MATCH_SOURCE_ZEROTIER_ADDRESS"},
    {RuleType::match_dest_zerotier_address, "MATCH_DEST_ZEROTIER_ADDRESS"},
    {RuleType::match_vlan_id, "MATCH_VLAN_ID"},
    {RuleType::match_vlan_pcp, "MATCH_VLAN_PCP"},
    {RuleType::match_vlan_dei, "MATCH_VLAN_DEI"},
    {RuleType::match_mac_source, "MATCH_MAC_SOURCE"},
    {RuleType::match_mac_dest, "MATCH_MAC_DEST"},
    {RuleType::match_ipv4_source, "MATCH_IPV4_SOURCE"},
    {RuleType::match_ipv4_dest, "MATCH_IPV4_DEST"},
    {RuleType::match_ipv6_source, "MATCH_IPV6_SOURCE"},
    {RuleType::match_ipv6_dest, "MATCH_IPV6_DEST"},
    {RuleType::match_ip_tos, "MATCH_IP_TOS"},
    {RuleType::match_ip_protocol, "MATCH_IP_PROTOCOL"},
    {RuleType::match_ethertype, "MATCH_ETHERTYPE"},
    {RuleType::match_icmp, "MATCH_ICMP"},
    {RuleType::match_ip_source_port_range, "MATCH_IP_SOURCE_PORT_RANGE"},
    {RuleType::match_ip_dest_port_range, "MATCH_IP_DEST_PORT_RANGE"},
    {RuleType::match_characteristics, "MATCH_CHARACTERISTICS"},
    {RuleType::match_frame_size_range, "MATCH_FRAME_SIZE_RANGE"},
    {RuleType::match_random, "MATCH_RANDOM"},
    {RuleType::match_tags_difference, "MATCH_TAGS_DIFFERENCE"},
    {RuleType::match_tags_bitwise_and, "MATCH_TAGS_BITWISE_AND"},
    {RuleType::match_tags_bitwise_or, "MATCH_TAGS_BITWISE_OR"},
    {RuleType::match_tags_bitwise_xor, "MATCH_TAGS_BITWISE_XOR"},
    {RuleType::match_tags_equal, "MATCH_TAGS_EQUAL"},
    {RuleType::match_tag_sender, "MATCH_TAG_SENDER"},
    {RuleType::match_tag_receiver, "MATCH_TAG_RECEIVER"},
    {RuleType::match_integer_range, "INTEGER_RANGE"},  // sic: no MATCH_ prefix in 1.14
};

std::optional<uint64_t> parse_hex(std::string_view s, size_t max_digits) {
    if (s.empty() || s.size() > max_digits) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        const int d = hex_digit(c);
        if (d < 0) return std::nullopt;
        v = (v << 4) | uint64_t(d);
    }
    return v;
}

std::optional<unsigned> parse_decimal(std::string_view s, unsigned max) {
    if (s.empty() || s.size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + unsigned(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

std::string hex_string(uint64_t v, int digits) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
    return buf;
}

// Reads the fields of one rule object; the first problem is kept in `error`.
class Fields {
public:
    Fields(const json& obj, std::string where, std::string& error) : obj_(obj), where_(std::move(where)), error_(error) {}

    bool ok() const { return ok_; }

    // An unsigned JSON integer <= max.
    uint64_t uint(const char* key, uint64_t max, uint64_t dflt) {
        const json* v = find(key);
        if (!v) return dflt;
        if (v->is_number_unsigned() && v->get<uint64_t>() <= max) return v->get<uint64_t>();
        if (v->is_number_integer() && v->get<int64_t>() >= 0 && uint64_t(v->get<int64_t>()) <= max)
            return uint64_t(v->get<int64_t>());
        fail(key, "an integer 0.." + std::to_string(max), *v);
        return dflt;
    }
    bool boolean(const char* key) {
        const json* v = find(key);
        if (!v) return false;
        if (v->is_boolean()) return v->get<bool>();
        fail(key, "true or false", *v);
        return false;
    }
    // A string, or nullopt when absent (or wrong, then !ok()).
    std::optional<std::string> string(const char* key) {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (v->is_string()) return v->get<std::string>();
        fail(key, "a string", *v);
        return std::nullopt;
    }
    // A ZeroTier address: up to 10 hex digits.
    Address address(const char* key) {
        auto s = string(key);
        if (!s) return Address();
        if (auto v = parse_hex(*s, 10)) return Address(*v);
        fail(key, "a ZeroTier address (10 hex digits)", obj_[key]);
        return Address();
    }
    // A 64-bit value as a JSON integer or a hex string (MATCH_CHARACTERISTICS, INTEGER_RANGE).
    uint64_t int_or_hex(const char* key) {
        const json* v = find(key);
        if (!v) return 0;
        if (v->is_string()) {
            if (auto h = parse_hex(v->get<std::string>(), 16)) return *h;
            fail(key, "up to 16 hex digits", *v);
            return 0;
        }
        return uint(key, UINT64_MAX, 0);
    }
    Mac mac(const char* key) {
        auto s = string(key);
        if (!s) return Mac();
        std::string digits;
        for (char c : *s)
            if (c != ':' && c != '-') digits += c;
        if (digits.size() == 12)
            if (auto v = parse_hex(digits, 12)) return Mac(*v);
        fail(key, "a MAC address (aa:bb:cc:dd:ee:ff)", obj_[key]);
        return Mac();
    }
    // "address/bits" of the given family into rule.ip / ip_bits; bits clamped to the
    // family's width as 1.14 does.
    void ip(const char* key, bool v6, Rule& rule) {
        auto s = string(key);
        if (!s) return;  // absent: 0.0.0.0/0 or ::/0
        const size_t slash = s->find('/');
        std::optional<unsigned> bits;
        if (slash != std::string::npos) bits = parse_decimal(std::string_view(*s).substr(slash + 1), 255);
        const std::string addr = s->substr(0, slash);
        std::array<uint8_t, 16> buf{};
        if (!bits || inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), buf.data()) != 1) {
            fail(key, v6 ? "an IPv6 prefix (fd00::/8)" : "an IPv4 prefix (10.0.0.0/8)", obj_[key]);
            return;
        }
        rule.ip = buf;
        rule.ip_bits = uint8_t(std::min(*bits, v6 ? 128u : 32u));
    }
    void fail(const char* key, const std::string& expected, const json& got) {
        if (!ok_) return;
        ok_ = false;
        error_ = where_ + "." + key + ": expected " + expected + ", got " + got.dump();
    }

private:
    const json* find(const char* key) const {
        auto it = obj_.find(key);
        return (it == obj_.end() || it->is_null()) ? nullptr : &*it;
    }

    const json& obj_;
    std::string where_;
    std::string& error_;
    bool ok_ = true;
};

void read_value(Fields& f, Rule& r) {
    switch (r.type()) {
    case RuleType::action_tee:
    case RuleType::action_watch:
        r.forward_length = uint16_t(f.uint("length", 0xffff, 0));
        [[fallthrough]];
    case RuleType::action_redirect:
        r.forward_address = f.address("address").value();
        r.forward_flags = uint32_t(f.uint("flags", 0xffffffff, 0));
        break;
    case RuleType::match_source_zerotier_address:
    case RuleType::match_dest_zerotier_address: r.zt = f.address("zt"); break;
    case RuleType::match_vlan_id: r.vlan_id = uint16_t(f.uint("vlanId", 0xffff, 0)); break;
    case RuleType::match_vlan_pcp: r.vlan_pcp = uint8_t(f.uint("vlanPcp", 0xff, 0)); break;
    case RuleType::match_vlan_dei: r.vlan_dei = uint8_t(f.uint("vlanDei", 0xff, 0)); break;
    case RuleType::match_mac_source:
    case RuleType::match_mac_dest: r.mac = f.mac("mac"); break;
    case RuleType::match_ipv4_source:
    case RuleType::match_ipv4_dest: f.ip("ip", false, r); break;
    case RuleType::match_ipv6_source:
    case RuleType::match_ipv6_dest: f.ip("ip", true, r); break;
    case RuleType::match_ip_tos:
        r.tos_mask = uint8_t(f.uint("mask", 0xff, 0));
        r.tos_start = uint8_t(f.uint("start", 0xff, 0));
        r.tos_end = uint8_t(f.uint("end", 0xff, 0));
        break;
    case RuleType::match_ip_protocol: r.ip_protocol = uint8_t(f.uint("ipProtocol", 0xff, 0)); break;
    case RuleType::match_ethertype: r.ether_type = uint16_t(f.uint("etherType", 0xffff, 0)); break;
    case RuleType::match_icmp:
        r.icmp_type = uint8_t(f.uint("icmpType", 0xff, 0));
    {
        // "icmpCode": null (or absent) matches any code.
        constexpr uint64_t kAnyCode = 0x100;
        const uint64_t code = f.uint("icmpCode", 0xff, kAnyCode);
        if (code != kAnyCode) {
            r.icmp_code = uint8_t(code);
            r.icmp_flags = vl2::kIcmpFlagMatchCode;
        }
        break;
    }
    case RuleType::match_ip_source_port_range:
    case RuleType::match_ip_dest_port_range:
    case RuleType::match_frame_size_range:
        r.range_start = uint16_t(f.uint("start", 0xffff, 0));
        r.range_end = uint16_t(f.uint("end", 0xffff, r.range_start));
        break;
    case RuleType::match_characteristics: r.characteristics = f.int_or_hex("mask"); break;
    case RuleType::match_random: r.random_probability = uint32_t(f.uint("probability", 0xffffffff, 0)); break;
    case RuleType::match_tags_difference:
    case RuleType::match_tags_bitwise_and:
    case RuleType::match_tags_bitwise_or:
    case RuleType::match_tags_bitwise_xor:
    case RuleType::match_tags_equal:
    case RuleType::match_tag_sender:
    case RuleType::match_tag_receiver:
        r.tag_id = uint32_t(f.uint("id", 0xffffffff, 0));
        r.tag_value = uint32_t(f.uint("value", 0xffffffff, 0));
        break;
    case RuleType::match_integer_range: {
        r.int_start = f.int_or_hex("start");
        // 1.14 keeps end - start in 32 bits.
        r.int_end = r.int_start + uint32_t(f.int_or_hex("end") - r.int_start);
        r.int_index = uint16_t(f.uint("idx", 0xffff, 0));
        const uint64_t bits = f.uint("bits", 64, 1);
        if (f.ok() && bits == 0) f.fail("bits", "an integer 1..64", json(0));
        r.int_format = uint8_t(((bits - 1) & 63) | (f.boolean("little") ? vl2::kIntegerRangeLittleEndian : 0));
        break;
    }
    default: break;  // drop, accept, break: no value
    }
}

json render(const Rule& r, std::string_view name) {
    json j = json::object();
    j["type"] = name;
    switch (r.type()) {
    case RuleType::action_tee:
    case RuleType::action_watch:
        j["length"] = r.forward_length;
        [[fallthrough]];
    case RuleType::action_redirect:
        j["address"] = r.forward_target().to_string();
        j["flags"] = r.forward_flags;
        break;
    case RuleType::match_source_zerotier_address:
    case RuleType::match_dest_zerotier_address: j["zt"] = r.zt.to_string(); break;
    case RuleType::match_vlan_id: j["vlanId"] = r.vlan_id; break;
    case RuleType::match_vlan_pcp: j["vlanPcp"] = r.vlan_pcp; break;
    case RuleType::match_vlan_dei: j["vlanDei"] = r.vlan_dei; break;
    case RuleType::match_mac_source:
    case RuleType::match_mac_dest: j["mac"] = r.mac.to_string(); break;
    case RuleType::match_ipv4_source:
    case RuleType::match_ipv4_dest:
    case RuleType::match_ipv6_source:
    case RuleType::match_ipv6_dest: {
        const bool v6 = r.type() == RuleType::match_ipv6_source || r.type() == RuleType::match_ipv6_dest;
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(v6 ? AF_INET6 : AF_INET, r.ip.data(), buf, sizeof buf);
        j["ip"] = std::string(buf) + "/" + std::to_string(r.ip_bits);
        break;
    }
    case RuleType::match_ip_tos:
        j["mask"] = r.tos_mask;
        j["start"] = r.tos_start;
        j["end"] = r.tos_end;
        break;
    case RuleType::match_ip_protocol: j["ipProtocol"] = r.ip_protocol; break;
    case RuleType::match_ethertype: j["etherType"] = r.ether_type; break;
    case RuleType::match_icmp:
        j["icmpType"] = r.icmp_type;
        j["icmpCode"] = (r.icmp_flags & vl2::kIcmpFlagMatchCode) ? json(r.icmp_code) : json();
        break;
    case RuleType::match_ip_source_port_range:
    case RuleType::match_ip_dest_port_range:
    case RuleType::match_frame_size_range:
        j["start"] = r.range_start;
        j["end"] = r.range_end;
        break;
    case RuleType::match_characteristics: j["mask"] = hex_string(r.characteristics, 16); break;
    case RuleType::match_random: j["probability"] = r.random_probability; break;
    case RuleType::match_tags_difference:
    case RuleType::match_tags_bitwise_and:
    case RuleType::match_tags_bitwise_or:
    case RuleType::match_tags_bitwise_xor:
    case RuleType::match_tags_equal:
    case RuleType::match_tag_sender:
    case RuleType::match_tag_receiver:
        j["id"] = r.tag_id;
        j["value"] = r.tag_value;
        break;
    case RuleType::match_integer_range:
        j["start"] = hex_string(r.int_start, 16);
        j["end"] = hex_string(r.integer_range_last(), 16);
        j["idx"] = r.int_index;
        j["little"] = (r.int_format & vl2::kIntegerRangeLittleEndian) != 0;
        j["bits"] = (r.int_format & 63) + 1;
        break;
    default: break;
    }
    if (!r.is_action()) {
        j["not"] = r.negated();
        j["or"] = r.is_or();
    }
    return j;
}

}  // namespace

std::optional<std::vector<vl2::Rule>> rules_from_json(const json& array, std::string& error) {
    if (!array.is_array()) {
        error = "rules: expected an array, got " + array.dump();
        return std::nullopt;
    }
    if (array.size() > vl2::kMaxNetworkRules) {
        error = "rules: " + std::to_string(array.size()) + " rules, at most " + std::to_string(vl2::kMaxNetworkRules);
        return std::nullopt;
    }
    std::vector<Rule> rules;
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string where = "rules[" + std::to_string(i) + "]";
        const json& obj = array[i];
        if (!obj.is_object()) {
            error = where + ": expected an object, got " + obj.dump();
            return std::nullopt;
        }
        Fields f(obj, where, error);
        const auto name = f.string("type");
        if (!f.ok()) return std::nullopt;
        const auto* entry = std::find_if(std::begin(kTypeNames), std::end(kTypeNames),
                                         [&](const auto& e) { return name && e.second == *name; });
        if (entry == std::end(kTypeNames)) {
            error = where + ".type: unknown rule type " + (name ? json(*name).dump() : std::string("(missing)"));
            return std::nullopt;
        }
        Rule r = Rule::of(entry->first);
        read_value(f, r);
        // "not" and "or" are read for every type, as 1.14 does (they mean nothing on actions).
        if (f.boolean("not")) r.t |= vl2::kRuleNot;
        if (f.boolean("or")) r.t |= vl2::kRuleOr;
        if (!f.ok()) return std::nullopt;
        rules.push_back(std::move(r));
    }
    return rules;
}

json rules_to_json(std::span<const vl2::Rule> rules) {
    json out = json::array();
    for (const Rule& r : rules) {
        const auto* entry = std::find_if(std::begin(kTypeNames), std::end(kTypeNames),
                                         [&](const auto& e) { return e.first == r.type(); });
        if (entry == std::end(kTypeNames) || !r.is_known()) continue;
        out.push_back(render(r, entry->second));
    }
    return out;
}

}  // namespace zt::controller
