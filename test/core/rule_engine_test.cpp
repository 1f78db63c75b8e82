// Rules engine (spec §8.9), one TEST_CASE per MATCH type: a frame that matches, one that does
// not, and the cases where 1.14 says the match does not apply (false whatever NOT says).
// Flow (NOT/OR, BREAK, actions, capabilities, tags) is in rule_engine_flow_test.cpp.
#include <catch2/catch.hpp>

#include "rule_frames.hpp"

using namespace ztest::rules;
using zt::vl2::FilterVerdict;

namespace {

Rule ip_rule(RuleType t, std::initializer_list<uint8_t> ip, uint8_t bits, bool negated = false) {
    Rule r = Rule::of(t, negated);
    std::copy(ip.begin(), ip.end(), r.ip.begin());
    r.ip_bits = bits;
    return r;
}

}  // namespace

TEST_CASE("rule engine: MATCH_SOURCE / DEST_ZEROTIER_ADDRESS", "[core]") {
    Rule src = Rule::of(RuleType::match_source_zerotier_address);
    src.zt = kA;
    Rule dst = Rule::of(RuleType::match_dest_zerotier_address);
    dst.zt = kB;
    const Frame f = v4_tcp(40000, 22);
    CHECK(matches(src, f));
    CHECK(matches(dst, f));
    src.zt = kC;
    dst.zt = kA;
    CHECK(!matches(src, f));
    CHECK(!matches(dst, f));
    CHECK(matches(Rule::of(RuleType::match_dest_zerotier_address, true), f));  // NOT 0000000000
}

TEST_CASE("rule engine: MATCH_VLAN_ID / PCP / DEI compare with the frame's (always 0)", "[core]") {
    const Frame f = v4_tcp(40000, 22);
    for (RuleType t : {RuleType::match_vlan_id, RuleType::match_vlan_pcp, RuleType::match_vlan_dei}) {
        Rule r = Rule::of(t);
        CHECK(matches(r, f));
        r.vlan_id = 5;
        r.vlan_pcp = 5;
        r.vlan_dei = 1;
        CHECK(!matches(r, f));
    }
}

TEST_CASE("rule engine: MATCH_MAC_SOURCE / DEST", "[core]") {
    const Frame f = v4_tcp(40000, 22);
    Rule src = Rule::of(RuleType::match_mac_source);
    src.mac = zt::Mac::from_address(kA, kNwid);
    Rule dst = Rule::of(RuleType::match_mac_dest);
    dst.mac = zt::Mac::from_address(kB, kNwid);
    CHECK(matches(src, f));
    CHECK(matches(dst, f));
    std::swap(src.mac, dst.mac);
    CHECK(!matches(src, f));
    CHECK(!matches(dst, f));
}

TEST_CASE("rule engine: MATCH_IPV4_SOURCE / DEST with prefixes; not on non-IPv4 frames", "[core]") {
    const Frame f = v4_tcp(40000, 22);  // 10.147.17.11 -> 10.147.17.12
    CHECK(matches(ip_rule(RuleType::match_ipv4_source, {10, 147, 17, 0}, 24), f));
    CHECK(matches(ip_rule(RuleType::match_ipv4_source, {10, 147, 17, 11}, 32), f));
    CHECK(matches(ip_rule(RuleType::match_ipv4_dest, {10, 0, 0, 0}, 8), f));
    CHECK(matches(ip_rule(RuleType::match_ipv4_dest, {1, 2, 3, 4}, 0), f));  // /0: everything
    CHECK(!matches(ip_rule(RuleType::match_ipv4_source, {10, 147, 18, 0}, 24), f));
    CHECK(!matches(ip_rule(RuleType::match_ipv4_dest, {10, 147, 17, 11}, 32), f));
    CHECK(matches(ip_rule(RuleType::match_ipv4_dest, {10, 147, 17, 11}, 32, true), f));
    // Does not apply to ARP, IPv6 or a truncated IPv4 header, NOT or not.
    for (const Frame& g : {arp(), v6_tcp(1, 2), Frame(zt::vl2::kEtherTypeIpv4, Bytes(19, 0x45))}) {
        CHECK(!matches(ip_rule(RuleType::match_ipv4_source, {0, 0, 0, 0}, 0), g));
        CHECK(!matches(ip_rule(RuleType::match_ipv4_source, {10, 147, 18, 0}, 24, true), g));
    }
}

TEST_CASE("rule engine: MATCH_IPV6_SOURCE / DEST with prefixes; not on non-IPv6 frames", "[core]") {
    const Frame f = v6_tcp(40000, 22);  // fdc4:1b88:68ac:1::b -> ...::c
    CHECK(matches(ip_rule(RuleType::match_ipv6_source, {0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 1}, 64), f));
    CHECK(matches(ip_rule(RuleType::match_ipv6_dest, {0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0c}, 128), f));
    CHECK(matches(ip_rule(RuleType::match_ipv6_dest, {0xfd}, 8), f));
    CHECK(!matches(ip_rule(RuleType::match_ipv6_source, {0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 2}, 64), f));
    CHECK(!matches(ip_rule(RuleType::match_ipv6_dest, {0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b}, 128), f));
    // 1.14 compares the rule's address unmasked: host bits set in it never match.
    CHECK(!matches(ip_rule(RuleType::match_ipv6_source, {0xfd, 0xc4, 0x1b, 0x88, 0x68, 0xac, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b}, 64), f));
    CHECK(!matches(ip_rule(RuleType::match_ipv6_source, {}, 0), v4_tcp(1, 2)));
    CHECK(!matches(ip_rule(RuleType::match_ipv6_source, {0xfe}, 8, true), v4_tcp(1, 2)));
    CHECK(!matches(ip_rule(RuleType::match_ipv6_source, {0xfe}, 8, true), Frame(zt::vl2::kEtherTypeIpv6, Bytes(39, 0x60))));
}

TEST_CASE("rule engine: MATCH_IP_TOS on IPv4 TOS and IPv6 traffic class", "[core]") {
    Rule dscp = Rule::of(RuleType::match_ip_tos);
    dscp.tos_mask = 0xfc;
    dscp.tos_start = 0xb8;  // EF
    dscp.tos_end = 0xb8;
    const Frame ef4(zt::vl2::kEtherTypeIpv4, ipv4(17, kIpA, kIpB, udp(5004, 5004), 0xb9));
    const Frame ef6(zt::vl2::kEtherTypeIpv6, ipv6(17, kIp6A, kIp6B, udp(5004, 5004), 0xba));
    CHECK(matches(dscp, ef4));
    CHECK(matches(dscp, ef6));
    CHECK(!matches(dscp, v4_udp(5004, 5004)));
    CHECK(!matches(dscp, Frame(zt::vl2::kEtherTypeIpv6, ipv6(17, kIp6A, kIp6B, udp(1, 2), 0x20))));
    dscp.t |= zt::vl2::kRuleNot;
    CHECK(!matches(dscp, arp()));
}

TEST_CASE("rule engine: MATCH_IP_PROTOCOL, through IPv6 extension headers", "[core]") {
    CHECK(matches(protocol(6), v4_tcp(1, 2)));
    CHECK(!matches(protocol(17), v4_tcp(1, 2)));
    CHECK(matches(protocol(6), v6_tcp(1, 2)));
    // hop-by-hop, routing, destination options, mobility: skipped to the TCP header.
    CHECK(matches(protocol(6), v6_tcp(1, 2, 0x002, {0, 43, 60, 135})));
    CHECK(!matches(protocol(0), v6_tcp(1, 2, 0x002, {0})));
    // A fragment header (44) ends the walk: the protocol is 44.
    CHECK(matches(protocol(44), v6_tcp(1, 2, 0x002, {44})));
    // An extension header running past the frame: the match does not apply.
    Frame cut = v6_tcp(1, 2, 0x002, {0, 60});
    cut.payload.resize(40 + 8 + 4);
    cut.in.payload = cut.payload;
    CHECK(!matches(protocol(6), cut));
    CHECK(!matches(protocol(6, true), cut));
    CHECK(!matches(protocol(6, true), arp()));
}

TEST_CASE("rule engine: MATCH_ETHERTYPE", "[core]") {
    CHECK(matches(ethertype(0x0806), arp()));
    CHECK(!matches(ethertype(0x0800), arp()));
    CHECK(matches(ethertype(0x0800, true), arp()));
    CHECK(matches(ethertype(0x88cc), Frame(0x88cc, Bytes{})));  // applies to any frame, even empty
}

TEST_CASE("rule engine: MATCH_ICMP type, and code when flagged", "[core]") {
    Rule echo = Rule::of(RuleType::match_icmp);
    echo.icmp_type = 8;
    const Frame ping(zt::vl2::kEtherTypeIpv4, ipv4(1, kIpA, kIpB, icmp(8, 0)));
    const Frame unreachable(zt::vl2::kEtherTypeIpv4, ipv4(1, kIpA, kIpB, icmp(3, 3)));
    CHECK(matches(echo, ping));
    CHECK(!matches(echo, unreachable));
    Rule port_unreachable = Rule::of(RuleType::match_icmp);
    port_unreachable.icmp_type = 3;
    port_unreachable.icmp_code = 1;
    port_unreachable.icmp_flags = zt::vl2::kIcmpFlagMatchCode;
    CHECK(!matches(port_unreachable, unreachable));
    port_unreachable.icmp_code = 3;
    CHECK(matches(port_unreachable, unreachable));
    // ICMPv6 echo request (128) after a hop-by-hop header.
    Rule echo6 = Rule::of(RuleType::match_icmp);
    echo6.icmp_type = 128;
    CHECK(matches(echo6, Frame(zt::vl2::kEtherTypeIpv6, ipv6(58, kIp6A, kIp6B, icmp(128, 0), 0, {0}))));
    // Type matched, no code asked: "yes" whatever NOT says; another type: "no" whatever NOT says.
    echo.t |= zt::vl2::kRuleNot;
    CHECK(matches(echo, ping));
    CHECK(!matches(echo, unreachable));
    CHECK(!matches(echo, v4_tcp(1, 2)));
}

TEST_CASE("rule engine: MATCH_IP_SOURCE / DEST_PORT_RANGE on TCP, UDP, IPv4 and IPv6", "[core]") {
    const Rule ssh = range(RuleType::match_ip_dest_port_range, 22, 22);
    const Rule ephemeral = range(RuleType::match_ip_source_port_range, 32768, 60999);
    CHECK(matches(ssh, v4_tcp(40000, 22)));
    CHECK(matches(ephemeral, v4_tcp(40000, 22)));
    CHECK(!matches(ssh, v4_tcp(22, 80)));
    CHECK(!matches(ephemeral, v4_tcp(1000, 22)));
    CHECK(matches(range(RuleType::match_ip_dest_port_range, 53, 53), v4_udp(5353, 53)));
    CHECK(matches(ssh, v6_tcp(40000, 22, 0x002, {60})));
    CHECK(!matches(ssh, v6_tcp(40000, 23)));
    // A protocol without ports gives a plain "no": NOT turns it into a match (1.14).
    const Frame ping(zt::vl2::kEtherTypeIpv4, ipv4(1, kIpA, kIpB, icmp(8, 0)));
    CHECK(!matches(ssh, ping));
    CHECK(matches(range(RuleType::match_ip_dest_port_range, 22, 22, true), ping));
    // Not IP at all: does not apply.
    CHECK(!matches(range(RuleType::match_ip_dest_port_range, 22, 22, true), arp()));
    // IPv6 port 0 counts as "no port" in 1.14.
    CHECK(!matches(range(RuleType::match_ip_source_port_range, 0, 100), v6_tcp(0, 22)));
    CHECK(matches(range(RuleType::match_ip_source_port_range, 0, 100), v4_tcp(0, 22)));
}

namespace {

struct Owns final : zt::vl2::SenderOwnership {
    Bytes ip;
    zt::Mac mac;
    mutable int asked = 0;
    bool owns_ip(std::span<const uint8_t> a) const override {
        ++asked;
        return Bytes(a.begin(), a.end()) == ip;
    }
    bool owns_mac(zt::Mac m) const override { return m == mac; }
};

Rule characteristics(uint64_t mask) {
    Rule r = Rule::of(RuleType::match_characteristics);
    r.characteristics = mask;
    return r;
}

}  // namespace

TEST_CASE("rule engine: MATCH_CHARACTERISTICS: TCP flags, direction, multicast, ownership", "[core]") {
    const uint64_t syn = 0x002, ack = 0x010, ns = 0x100;
    CHECK(matches(characteristics(syn), v4_tcp(40000, 22, syn)));
    CHECK(!matches(characteristics(syn), v4_tcp(40000, 22, ack)));
    CHECK(matches(characteristics(ns), v4_tcp(40000, 22, ns | ack)));
    CHECK(matches(characteristics(syn), v6_tcp(40000, 22, syn, {0})));
    CHECK(!matches(characteristics(syn), v4_udp(40000, 22)));
    // "SYN without ACK": SYN, AND NOT ACK.
    const std::vector<Rule> syn_only{characteristics(syn), Rule::of(RuleType::match_characteristics, true)};
    auto syn_not_ack = syn_only;
    syn_not_ack[1].characteristics = ack;
    CHECK(matches(syn_not_ack, v4_tcp(1, 2, syn)));
    CHECK(!matches(syn_not_ack, v4_tcp(1, 2, syn | ack)));

    const Frame out = v4_tcp(1, 2);
    CHECK(!matches(characteristics(zt::vl2::kCharacteristicInbound), out));
    CHECK(matches(characteristics(zt::vl2::kCharacteristicInbound), out.inbound()));

    Frame bcast = arp();
    bcast.in.mac_dest = zt::Mac(0xffffffffffffULL);
    CHECK(matches(characteristics(zt::vl2::kCharacteristicBroadcast), bcast));
    CHECK(matches(characteristics(zt::vl2::kCharacteristicMulticast), bcast));
    Frame mcast = arp();
    mcast.in.mac_dest = zt::Mac(0x333300000001ULL);
    CHECK(!matches(characteristics(zt::vl2::kCharacteristicBroadcast), mcast));
    CHECK(matches(characteristics(zt::vl2::kCharacteristicMulticast), mcast));
    CHECK(!matches(characteristics(zt::vl2::kCharacteristicMulticast), arp()));

    // Ownership: the sender's IPv4 (and ARP sender address), MAC; asked lazily.
    Owns owns;
    owns.ip = Bytes(kIpA.begin(), kIpA.end());
    owns.mac = zt::Mac::from_address(kA, kNwid);
    const Rule ip_auth = characteristics(zt::vl2::kCharacteristicSenderIpAuthenticated);
    const Rule mac_auth = characteristics(zt::vl2::kCharacteristicSenderMacAuthenticated);
    Frame f = v4_tcp(1, 2);
    CHECK(!matches(ip_auth, f));  // no ownership answers: nothing authenticated
    f.in.ownership = &owns;
    CHECK(matches(ip_auth, f));
    CHECK(matches(mac_auth, f));
    CHECK(matches({ip_auth, mac_auth}, f));
    Frame a = arp();
    a.in.ownership = &owns;
    CHECK(matches(ip_auth, a));
    owns.ip = Bytes(kIpB.begin(), kIpB.end());
    CHECK(!matches(ip_auth, f));
    owns.asked = 0;
    CHECK(matches(characteristics(syn), f));
    CHECK(owns.asked == 1);
    CHECK(matches(ethertype(0x0800), f));
    CHECK(owns.asked == 1);  // no CHARACTERISTICS rule, no question

    // IPv6 NDP: a neighbour solicitation counts as IP-authenticated, an advertisement is
    // checked on its target address (not the link-local source).
    Bytes ns_body = icmp(135, 0);
    ns_body.insert(ns_body.end(), kIp6B.begin(), kIp6B.end());
    const V6 link_local{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    Frame solicit(zt::vl2::kEtherTypeIpv6, ipv6(58, link_local, kIp6B, ns_body));
    CHECK(matches(ip_auth, solicit));
    Bytes na_body = icmp(136, 0);
    na_body.insert(na_body.end(), kIp6A.begin(), kIp6A.end());
    Frame advert(zt::vl2::kEtherTypeIpv6, ipv6(58, link_local, kIp6B, na_body));
    advert.in.ownership = &owns;
    owns.ip = Bytes(kIp6A.begin(), kIp6A.end());
    CHECK(matches(ip_auth, advert));
    owns.ip = Bytes(link_local.begin(), link_local.end());
    CHECK(!matches(ip_auth, advert));
}

TEST_CASE("rule engine: MATCH_FRAME_SIZE_RANGE on the payload length", "[core]") {
    const Frame f = v4_tcp(1, 2);  // 40 bytes
    CHECK(matches(range(RuleType::match_frame_size_range, 40, 40), f));
    CHECK(matches(range(RuleType::match_frame_size_range, 0, 1500), f));
    CHECK(!matches(range(RuleType::match_frame_size_range, 41, 1500), f));
    CHECK(!matches(range(RuleType::match_frame_size_range, 0, 39), f));
}

TEST_CASE("rule engine: MATCH_RANDOM compares the caller's random value", "[core]") {
    Rule r = Rule::of(RuleType::match_random);
    Frame f = v4_tcp(1, 2);
    f.in.random = 1000;
    r.random_probability = 1000;
    CHECK(matches(r, f));
    r.random_probability = 999;
    CHECK(!matches(r, f));
    r.random_probability = 0xffffffff;
    f.in.random = 0xffffffff;
    CHECK(matches(r, f));
    r.random_probability = 0;
    f.in.random = 1;
    CHECK(!matches(r, f));
}

TEST_CASE("rule engine: MATCH_INTEGER_RANGE, big- and little-endian", "[core]") {
    const Frame f = v4_tcp(40000, 22);  // payload bytes 22-23: destination port 0x0016
    Rule be = Rule::of(RuleType::match_integer_range);
    be.int_format = 15;                  // 16 bits, big-endian
    be.int_index = 22 - 6;               // 1.14 reads the low 2 bytes of 8 starting at index
    be.int_start = 22;
    be.int_end = 22;
    CHECK(matches(be, f));
    be.int_start = 23;
    be.int_end = 100;
    CHECK(!matches(be, f));
    Rule le = Rule::of(RuleType::match_integer_range);
    le.int_format = zt::vl2::kIntegerRangeLittleEndian | 15;
    le.int_index = 22;
    le.int_start = 0x1600;
    le.int_end = 0x1600;
    CHECK(matches(le, f));
    le.int_start = 0x16;
    le.int_end = 0x16;
    CHECK(!matches(le, f));
    // 4 bits, big-endian: the low nibble of byte index + 7 (byte 9, protocol 6).
    Rule nibble = Rule::of(RuleType::match_integer_range);
    nibble.int_format = 3;
    nibble.int_index = 2;
    nibble.int_start = 6;
    nibble.int_end = 6;
    CHECK(matches(nibble, f));
    nibble.int_start = 5;
    nibble.int_end = 5;
    CHECK(!matches(nibble, f));
    // Past the end of the frame the integer is 0.
    le.int_index = 1000;
    le.int_start = 0;
    le.int_end = 0;
    CHECK(matches(le, f));
}

TEST_CASE("rule engine: unknown MATCH types follow config flag 0x8", "[core]") {
    Rule unknown;
    unknown.t = 20;  // no such match type
    Frame f = v4_tcp(1, 2);
    CHECK(!matches(unknown, f));
    f.in.config_flags = zt::vl2::kConfigFlagUnsupportedMatchIsMatch;
    CHECK(matches(unknown, f));
    unknown.t |= zt::vl2::kRuleNot;  // NOT applies to the flag's answer
    CHECK(!matches(unknown, f));
}
