// The rule codec (spec §8.9): the binary rules of a network config's `R` key and of each
// Capability (§8.8). Evaluation lives in rule_engine.hpp.
//
//   rule:  <[1] t = type (low 6 bits) | 0x80 NOT | 0x40 OR> <[1] length L> <[L] value>
//   `R`:   rules back to back until the end (no count);  capability: <[2] count> <rules>
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

// Spec §8.9 type ids. 0..15 are actions, 16..63 matches; ids not listed are unknown.
enum class RuleType : uint8_t {
    action_drop = 0,
    action_accept = 1,
    action_tee = 2,
    action_watch = 3,
    action_redirect = 4,
    action_break = 5,
    action_priority = 6,
    match_source_zerotier_address = 24,
    match_dest_zerotier_address = 25,
    match_vlan_id = 26,
    match_vlan_pcp = 27,
    match_vlan_dei = 28,
    match_mac_source = 29,
    match_mac_dest = 30,
    match_ipv4_source = 31,
    match_ipv4_dest = 32,
    match_ipv6_source = 33,
    match_ipv6_dest = 34,
    match_ip_tos = 35,
    match_ip_protocol = 36,
    match_ethertype = 37,
    match_icmp = 38,
    match_ip_source_port_range = 39,
    match_ip_dest_port_range = 40,
    match_characteristics = 41,
    match_frame_size_range = 42,
    match_random = 43,
    match_tags_difference = 44,
    match_tags_bitwise_and = 45,
    match_tags_bitwise_or = 46,
    match_tags_bitwise_xor = 47,
    match_tags_equal = 48,
    match_tag_sender = 49,
    match_tag_receiver = 50,
    match_integer_range = 51,
};

inline constexpr size_t kMaxNetworkRules = 1024;    // ZT_MAX_NETWORK_RULES
inline constexpr size_t kMaxCapabilityRules = 64;   // ZT_MAX_CAPABILITY_RULES
inline constexpr uint8_t kRuleNot = 0x80;
inline constexpr uint8_t kRuleOr = 0x40;
inline constexpr uint8_t kRuleTypeMask = 0x3f;
inline constexpr uint8_t kRuleActionMaxId = 15;     // ZT_NETWORK_RULE_ACTION__MAX_ID
inline constexpr uint8_t kIcmpFlagMatchCode = 0x01;
inline constexpr uint8_t kIntegerRangeLittleEndian = 0x80;  // MATCH_INTEGER_RANGE format bit

// Value length of a known type (spec §8.9 table, as 1.14 writes it), nullopt if unknown.
std::optional<uint8_t> rule_value_length(uint8_t type_id);

// One rule. `t` is the type byte as on the wire; the value fields that mean something
// depend on type(), the others stay zero. A rule of an unknown type keeps its value bytes
// in `raw` (at most 255, the length byte's range) so it is written back unchanged.
struct Rule {
    uint8_t t = 0;

    // ACTION_TEE / WATCH / REDIRECT. The address is a u64 on the wire; its low 40 bits are
    // the ZeroTier address. `forward_length` (TEE/WATCH) caps the copied bytes, 0 = all.
    uint64_t forward_address = 0;
    uint32_t forward_flags = 0;
    uint16_t forward_length = 0;
    // ACTION_PRIORITY: the QoS bucket. 1.14 does not serialize it, so parsed rules hold 0.
    uint8_t qos_bucket = 0;
    // MATCH_SOURCE / DEST_ZEROTIER_ADDRESS.
    Address zt;
    // MATCH_VLAN_ID / PCP / DEI.
    uint16_t vlan_id = 0;
    uint8_t vlan_pcp = 0;
    uint8_t vlan_dei = 0;
    // MATCH_MAC_SOURCE / DEST.
    Mac mac;
    // MATCH_IPV4_* (first 4 bytes, network order) and MATCH_IPV6_*: address and prefix bits.
    std::array<uint8_t, 16> ip{};
    uint8_t ip_bits = 0;
    // MATCH_IP_TOS: (tos & mask) in [start, end].
    uint8_t tos_mask = 0;
    uint8_t tos_start = 0;
    uint8_t tos_end = 0;
    // MATCH_IP_PROTOCOL, MATCH_ETHERTYPE.
    uint8_t ip_protocol = 0;
    uint16_t ether_type = 0;
    // MATCH_ICMP: type, and code if icmp_flags & kIcmpFlagMatchCode.
    uint8_t icmp_type = 0;
    uint8_t icmp_code = 0;
    uint8_t icmp_flags = 0;
    // MATCH_IP_SOURCE / DEST_PORT_RANGE and MATCH_FRAME_SIZE_RANGE, inclusive.
    uint16_t range_start = 0;
    uint16_t range_end = 0;
    // MATCH_CHARACTERISTICS: matches if (frame bits & mask) != 0.
    uint64_t characteristics = 0;
    // MATCH_RANDOM: 0 never ... 0xffffffff always.
    uint32_t random_probability = 0;
    // MATCH_TAGS_* and MATCH_TAG_SENDER / RECEIVER.
    uint32_t tag_id = 0;
    uint32_t tag_value = 0;
    // MATCH_INTEGER_RANGE: both bounds as on the wire; see integer_range_last().
    uint64_t int_start = 0;
    uint64_t int_end = 0;
    uint16_t int_index = 0;
    uint8_t int_format = 0;  // bits - 1 in the low 6 bits, kIntegerRangeLittleEndian
    // Unknown types: the value bytes.
    std::vector<uint8_t> raw;

    static Rule of(RuleType type, bool negated = false, bool is_or = false) {
        Rule r;
        r.t = uint8_t(uint8_t(type) | (negated ? kRuleNot : 0) | (is_or ? kRuleOr : 0));
        return r;
    }

    RuleType type() const { return RuleType(t & kRuleTypeMask); }
    bool negated() const { return (t & kRuleNot) != 0; }
    bool is_or() const { return (t & kRuleOr) != 0; }
    bool is_action() const { return (t & kRuleTypeMask) <= kRuleActionMaxId; }
    bool is_known() const { return rule_value_length(t & kRuleTypeMask).has_value(); }
    Address forward_target() const { return Address(forward_address); }

    // 1.14 keeps the range as start + a 32-bit count (ZT_VirtualNetworkRule.intRange.end),
    // so the last value it matches is start + (u32)(end - start).
    uint64_t integer_range_last() const { return int_start + uint64_t(uint32_t(int_end - int_start)); }

    friend bool operator==(const Rule&, const Rule&) = default;
};

// Reads exactly `count` rules into `out` (replacing its contents). Clears r.ok() and
// returns false on truncation or a known type with the wrong value length.
bool read_rules(Reader& r, size_t count, std::vector<Rule>& out);

// The config's `R` blob: rules until the end of `blob`. nullopt if malformed or more than
// `max` rules. An empty blob is an empty rule set (which drops everything).
std::optional<std::vector<Rule>> parse_rule_blob(std::span<const uint8_t> blob,
                                                 size_t max = kMaxNetworkRules);

// Writes each rule as <t> <length> <value>; clears w.ok() if they do not fit.
void write_rules(Writer& w, std::span<const Rule> rules);

}  // namespace zt::vl2
