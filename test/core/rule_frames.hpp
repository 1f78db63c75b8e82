// Frames and rules for the rules engine tests: real IPv4/IPv6 headers with TCP, UDP and ICMP
// (checksums left zero: the engine never looks at them), ARP, and a FilterInput between two
// members of network c41b8868ac000001.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/bytes.hpp"
#include "core/vl2/rule_engine.hpp"
#include "core/vl2/rules.hpp"

namespace ztest::rules {

using zt::Bytes;
using zt::vl2::Rule;
using zt::vl2::RuleType;

inline constexpr zt::NetworkId kNwid{0xc41b8868ac000001ULL};
inline const zt::Address kA{0x0eb8d1da54};  // "us" unless a test says otherwise
inline const zt::Address kB{0x5f1a7e0c33};
inline const zt::Address kC{0x77d5b90c12};

using V4 = std::array<uint8_t, 4>;
using V6 = std::array<uint8_t, 16>;
inline const V4 kIpA{10, 147, 17, 11};
inline const V4 kIpB{10, 147, 17, 12};
inline const V6 kIp6A{0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b};
inline const V6 kIp6B{0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0c};

inline void put16(Bytes& b, uint16_t v) { b.insert(b.end(), {uint8_t(v >> 8), uint8_t(v)}); }

inline Bytes tcp(uint16_t sport, uint16_t dport, uint16_t flags) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    b.insert(b.end(), 8, 0);                                        // seq, ack
    b.insert(b.end(), {uint8_t(0x50 | ((flags >> 8) & 0x0f)), uint8_t(flags)});  // offset 5, flags
    b.insert(b.end(), 6, 0);                                        // window, checksum, urgent
    return b;
}
inline Bytes udp(uint16_t sport, uint16_t dport) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, 8);
    put16(b, 0);
    return b;
}
inline Bytes icmp(uint8_t type, uint8_t code) { return {type, code, 0, 0, 0, 0, 0, 0}; }

inline Bytes ipv4(uint8_t proto, V4 src, V4 dst, const Bytes& l4, uint8_t tos = 0) {
    Bytes b{0x45, tos};
    put16(b, uint16_t(20 + l4.size()));
    b.insert(b.end(), {0, 0, 0x40, 0, 64, proto, 0, 0});
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    b.insert(b.end(), l4.begin(), l4.end());
    return b;
}

// `ext` lists extension headers (next-header numbers) put before `proto`, 8 bytes each.
inline Bytes ipv6(uint8_t proto, V6 src, V6 dst, const Bytes& l4, uint8_t traffic_class = 0,
                  std::initializer_list<uint8_t> ext = {}) {
    std::vector<uint8_t> chain(ext);
    chain.push_back(proto);
    Bytes b{uint8_t(0x60 | (traffic_class >> 4)), uint8_t(traffic_class << 4), 0, 0};
    put16(b, uint16_t(8 * ext.size() + l4.size()));
    b.push_back(chain.front());
    b.push_back(64);
    b.insert(b.end(), src.begin(), src.end());
    b.insert(b.end(), dst.begin(), dst.end());
    for (size_t i = 1; i < chain.size(); ++i) b.insert(b.end(), {chain[i], 0, 0, 0, 0, 0, 0, 0});
    b.insert(b.end(), l4.begin(), l4.end());
    return b;
}

inline Bytes arp_request(V4 sender, V4 target) {
    Bytes b{0, 1, 0x08, 0x00, 6, 4, 0, 1, 0x32, 0xa1, 0x0b, 0x1f, 0x6c, 0x7e};
    b.insert(b.end(), sender.begin(), sender.end());
    b.insert(b.end(), 6, 0);
    b.insert(b.end(), target.begin(), target.end());
    return b;
}

// A frame from kA to kB (outbound at kA); flip() makes it the same frame arriving at kB.
struct Frame {
    Bytes payload;
    zt::vl2::FilterInput in;

    Frame(uint16_t ether_type, Bytes p) : payload(std::move(p)) {
        in.direction = zt::vl2::Direction::outbound;
        in.self = kA;
        in.zt_source = kA;
        in.zt_dest = kB;
        in.mac_source = zt::Mac::from_address(kA, kNwid);
        in.mac_dest = zt::Mac::from_address(kB, kNwid);
        in.ether_type = ether_type;
        in.payload = payload;
    }
    Frame(const Frame& o) : payload(o.payload), in(o.in) { in.payload = payload; }
    Frame& operator=(const Frame&) = delete;

    Frame inbound() const {
        Frame f(*this);
        f.in.direction = zt::vl2::Direction::inbound;
        f.in.self = kB;
        return f;
    }
};

inline Frame v4_tcp(uint16_t sport, uint16_t dport, uint16_t flags = 0x002) {
    return Frame(zt::vl2::kEtherTypeIpv4, ipv4(6, kIpA, kIpB, tcp(sport, dport, flags)));
}
inline Frame v4_udp(uint16_t sport, uint16_t dport) {
    return Frame(zt::vl2::kEtherTypeIpv4, ipv4(17, kIpA, kIpB, udp(sport, dport)));
}
inline Frame v6_tcp(uint16_t sport, uint16_t dport, uint16_t flags = 0x002, std::initializer_list<uint8_t> ext = {}) {
    return Frame(zt::vl2::kEtherTypeIpv6, ipv6(6, kIp6A, kIp6B, tcp(sport, dport, flags), 0, ext));
}
inline Frame arp() { return Frame(zt::vl2::kEtherTypeArp, arp_request(kIpA, kIpB)); }

// Rule builders.
inline Rule action(RuleType t) { return Rule::of(t); }
inline Rule ethertype(uint16_t et, bool negated = false, bool is_or = false) {
    Rule r = Rule::of(RuleType::match_ethertype, negated, is_or);
    r.ether_type = et;
    return r;
}
inline Rule range(RuleType t, uint16_t start, uint16_t end, bool negated = false) {
    Rule r = Rule::of(t, negated);
    r.range_start = start;
    r.range_end = end;
    return r;
}
inline Rule protocol(uint8_t p, bool negated = false) {
    Rule r = Rule::of(RuleType::match_ip_protocol, negated);
    r.ip_protocol = p;
    return r;
}
inline Rule tag_rule(RuleType t, uint32_t id, uint32_t value) {
    Rule r = Rule::of(t);
    r.tag_id = id;
    r.tag_value = value;
    return r;
}
inline Rule forward(RuleType t, zt::Address to, uint16_t length = 0) {
    Rule r = Rule::of(t);
    r.forward_address = to.value();
    r.forward_length = length;
    return r;
}

inline zt::vl2::FilterResult run(const std::vector<Rule>& rules, const Frame& f,
                                 const std::vector<std::vector<Rule>>& caps = {}) {
    std::vector<std::span<const Rule>> spans(caps.begin(), caps.end());
    return zt::vl2::evaluate_lists(rules, spans, f.in);
}

// `m` followed by ACCEPT: accepted iff the match set holds.
inline bool matches(std::vector<Rule> m, const Frame& f) {
    m.push_back(action(RuleType::action_accept));
    return run(m, f).verdict == zt::vl2::FilterVerdict::accept;
}
inline bool matches(const Rule& m, const Frame& f) { return matches(std::vector<Rule>{m}, f); }

}  // namespace ztest::rules
