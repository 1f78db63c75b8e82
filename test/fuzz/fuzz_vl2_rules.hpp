// The rules of fuzz_node_vl2's configurations (spec §8.9) and the Ethernet payloads its local
// frames start from: enough match types, actions and capabilities that the engine runs on
// every frame both ways (outbound at the node, inbound from members).
#pragma once

#include <array>
#include <vector>

#include "core/bytes.hpp"
#include "core/ipv6_schemes.hpp"
#include "core/types.hpp"
#include "core/vl2/rule_engine.hpp"
#include "core/vl2/rules.hpp"

namespace zfuzz::vl2world {

using namespace zt;
using vl2::Rule;
using vl2::RuleType;

inline constexpr NetworkId kNet{0xc41b8868ac000001ULL};  // controller "ctl" (c41b8868ac)

inline Mac mac_of(Address a, NetworkId nwid) { return Mac::from_address(a, nwid); }
inline Rule rule(RuleType t, bool negated = false, bool is_or = false) { return Rule::of(t, negated, is_or); }
inline Rule match_proto(uint8_t p) {
    Rule r = rule(RuleType::match_ip_protocol);
    r.ip_protocol = p;
    return r;
}
inline Rule dport(uint16_t lo, uint16_t hi) {
    Rule r = rule(RuleType::match_ip_dest_port_range);
    r.range_start = lo;
    r.range_end = hi;
    return r;
}
inline Rule ethertype(uint16_t t, bool negated = false) {
    Rule r = rule(RuleType::match_ethertype, negated);
    r.ether_type = t;
    return r;
}
inline Rule forward(RuleType t, Address to, uint16_t length = 0) {
    Rule r = rule(t);
    r.forward_address = to.value();
    r.forward_length = length;
    return r;
}
inline Rule tag_match(RuleType t, uint32_t id, uint32_t value) {
    Rule r = rule(t);
    r.tag_id = id;
    r.tag_value = value;
    return r;
}

// Rules of configuration A: ARP passes; telnet dropped; UDP 9 redirected to x; HTTP teed to
// ctl; IPv4 from a sender without a COO for its address dropped; tag 100 equal, or a random
// watch, or IPv6 accepted; TCP 22 only through our capability.
inline std::vector<Rule> rules_a(Address x, Address ctl) {
    Rule characteristics = rule(RuleType::match_characteristics, true);
    characteristics.characteristics = vl2::kCharacteristicSenderIpAuthenticated;
    Rule random = rule(RuleType::match_random);
    random.random_probability = 0x80000000u;
    Rule src = rule(RuleType::match_ipv4_source);
    src.ip = {10, 147, 17, 0};
    src.ip_bits = 24;
    Rule size = rule(RuleType::match_frame_size_range);
    size.range_start = 0;
    size.range_end = 1500;
    return {ethertype(vl2::kEtherTypeArp), rule(RuleType::action_accept),
            match_proto(6), dport(23, 23), rule(RuleType::action_drop),
            match_proto(17), dport(9, 9), forward(RuleType::action_redirect, x),
            match_proto(6), dport(80, 80), forward(RuleType::action_tee, ctl, 64),
            ethertype(vl2::kEtherTypeIpv4), characteristics, rule(RuleType::action_drop),
            tag_match(RuleType::match_tags_equal, 100, 0), rule(RuleType::action_accept),
            random, forward(RuleType::action_watch, ctl, 128),
            src, size, tag_match(RuleType::match_tag_sender, 100, 7), rule(RuleType::action_accept),
            ethertype(vl2::kEtherTypeIpv6), rule(RuleType::action_accept)};
}

// Rules of configuration B: ICMP echo, TOS, integer ranges, MACs, IPv6 prefixes, tag
// arithmetic, priority and break; then accept.
inline std::vector<Rule> rules_b(Address x, Address b) {
    Rule icmp = rule(RuleType::match_icmp);
    icmp.icmp_type = 128;
    icmp.icmp_flags = vl2::kIcmpFlagMatchCode;
    Rule tos = rule(RuleType::match_ip_tos, false, true);
    tos.tos_mask = 0xfc;
    tos.tos_start = 0;
    tos.tos_end = 0x20;
    Rule integer = rule(RuleType::match_integer_range);
    integer.int_start = 0x4500;
    integer.int_end = 0x4600;
    integer.int_format = 15;
    Rule msrc = rule(RuleType::match_mac_source, true);
    msrc.mac = mac_of(x, kNet);
    Rule v6dst = rule(RuleType::match_ipv6_dest);
    v6dst.ip = rfc4193_address(kNet, b);
    v6dst.ip_bits = 88;
    Rule priority = rule(RuleType::action_priority);
    priority.qos_bucket = 2;
    Rule dst = rule(RuleType::match_dest_zerotier_address);
    dst.zt = x;
    Rule owned = rule(RuleType::match_characteristics, true);
    owned.characteristics = vl2::kCharacteristicSenderIpAuthenticated | vl2::kCharacteristicSenderMacAuthenticated;
    Rule v6src = rule(RuleType::match_ipv6_source, false, true);
    v6src.ip = rfc4193_address(kNet, x);
    v6src.ip_bits = 128;
    Rule v4dst = rule(RuleType::match_ipv4_dest);
    v4dst.ip = {10, 147, 17, 13};
    v4dst.ip_bits = 32;
    Rule sport = rule(RuleType::match_ip_source_port_range);
    sport.range_start = 1;
    sport.range_end = 1023;
    Rule mdst = rule(RuleType::match_mac_dest);
    mdst.mac = mac_of(x, kNet);
    Rule zsrc = rule(RuleType::match_source_zerotier_address, true);
    zsrc.zt = b;
    return {owned, v6src, rule(RuleType::action_drop),
            v4dst, sport, tag_match(RuleType::match_tags_bitwise_or, 100, 7), rule(RuleType::action_drop),
            mdst, zsrc, tag_match(RuleType::match_tags_bitwise_xor, 100, 0), rule(RuleType::action_drop),
            icmp, tos, rule(RuleType::action_drop),
            integer, msrc, priority,
            v6dst, tag_match(RuleType::match_tags_difference, 100, 2), rule(RuleType::action_accept),
            tag_match(RuleType::match_tags_bitwise_and, 100, 1), tag_match(RuleType::match_tag_receiver, 100, 7),
            rule(RuleType::action_break),
            dst, rule(RuleType::action_drop),
            rule(RuleType::match_vlan_id), rule(RuleType::action_drop),
            rule(RuleType::action_accept)};
}

// Ethernet payloads for local frames.
inline Bytes ipv4(uint8_t proto, const std::array<uint8_t, 4>& dst, uint16_t dport) {
    Bytes p{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, proto, 0, 0, 10, 147, 17, 11, dst[0], dst[1], dst[2], dst[3],
            0xc3, 0x50, uint8_t(dport >> 8), uint8_t(dport)};
    if (proto == 6) p.insert(p.end(), {0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0});
    else p.insert(p.end(), {0, 8, 0, 0});
    p[3] = uint8_t(p.size());
    return p;
}
inline Bytes ipv6(uint8_t next, const Ipv6& src, const Ipv6& dst, std::span<const uint8_t> l4) {
    Bytes p{0x60, 0, 0, 0, uint8_t(l4.size() >> 8), uint8_t(l4.size()), next, 255};
    p.insert(p.end(), src.begin(), src.end());
    p.insert(p.end(), dst.begin(), dst.end());
    p.insert(p.end(), l4.begin(), l4.end());
    return p;
}
inline Bytes arp_request(Mac sender, uint8_t target_last) {
    Bytes p{0x00, 0x01, 0x08, 0x00, 6, 4, 0, 1};
    const auto m = sender.bytes();
    p.insert(p.end(), m.begin(), m.end());
    p.insert(p.end(), {10, 147, 17, 11, 0, 0, 0, 0, 0, 0, 10, 147, 17, target_last});
    return p;
}

}  // namespace zfuzz::vl2world
