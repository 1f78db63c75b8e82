// A simulated world for the VL2 tests (spec §8, §9): a root, a controller node with a scripted
// NetworkController whose configs the tests build by hand, and three members "a", "b", "x".
// A tap opens every datagram it can (all keys are known here) so tests can see the verbs.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/node/node.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/config_chunk.hpp"
#include "core/vl2/coo.hpp"
#include "core/vl2/dictionary.hpp"
#include "core/vl2/network_config.hpp"
#include "core/vl2/revocation.hpp"
#include "core/vl2/rules.hpp"
#include "core/vl2/tag.hpp"
#include "core/wire/packet.hpp"
#include "capture_identities.hpp"
#include "json.hpp"
#include "sim.hpp"

namespace ztest::vl2net {

using namespace zt;

inline constexpr NetworkId kNet{0xc41b8868ac000001ULL};    // controller "ctl" (c41b8868ac)
inline constexpr NetworkId kOther{0xc41b8868ac000002ULL};  // another network of the same controller
inline constexpr UnixMs kUnixBase = 1732464000000LL;       // wall time at Ticks 0

inline Endpoint ep(uint8_t last) { return Endpoint::v4({10, 77, 0, last}, 9993); }
inline UnixMs unix_at(Ticks t) { return kUnixBase + t; }
inline wire::InetPrefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t bits) {
    return wire::InetPrefix{Endpoint::v4({a, b, c, d}, 0), bits};
}
inline wire::InetPrefix v6(const std::array<uint8_t, 16>& ip, uint8_t bits) { return wire::InetPrefix{Endpoint::v6(ip, 0), bits}; }
inline uint32_t ipv4_u32(const wire::InetPrefix& p) {
    return (uint32_t(p.address.ip[0]) << 24) | (uint32_t(p.address.ip[1]) << 16) | (uint32_t(p.address.ip[2]) << 8) | p.address.ip[3];
}

// Upstream selftest KNOWN_GOOD_IDENTITY (identities.json, with its secret): the third member.
inline Identity selftest_identity() {
    auto id = Identity::from_string(load_vectors("identities.json")["identities"][0]["identity"].s());
    REQUIRE(id);
    REQUIRE(id->has_secret());
    return *id;
}

inline vl2::Rule rule(vl2::RuleType t) { return vl2::Rule::of(t); }
inline std::vector<vl2::Rule> accept_all() { return {rule(vl2::RuleType::action_accept)}; }
// DROP TCP to `port`, accept the rest: <ip protocol 6> <dest port in [port, port]> DROP; ACCEPT.
inline std::vector<vl2::Rule> drop_tcp_port(uint16_t port) {
    vl2::Rule proto = rule(vl2::RuleType::match_ip_protocol);
    proto.ip_protocol = 6;
    vl2::Rule range = rule(vl2::RuleType::match_ip_dest_port_range);
    range.range_start = port;
    range.range_end = port;
    return {proto, range, rule(vl2::RuleType::action_drop), rule(vl2::RuleType::action_accept)};
}

// What the scripted controller hands out: per network, and per member.
struct NetPlan {
    std::string name = "testnet";
    vl2::NetworkType type = vl2::NetworkType::private_network;
    uint64_t flags = vl2::NetworkConfig::kFlagEnableBroadcast;
    uint32_t multicast_limit = 32;
    uint32_t mtu = 2800;
    int64_t max_delta_ms = 7200000;  // ctmd, the COM timestamp tolerance
    uint64_t revision = 1;
    std::vector<vl2::Rule> rules = accept_all();
    size_t tags = 0;  // signed tags per member config (to make configs large)
};
struct MemberPlan {
    enum class Answer { config, denied, not_found, silent };
    Answer answer = Answer::config;
    std::vector<wire::InetPrefix> ips;
    std::optional<std::vector<vl2::Rule>> rules;  // instead of the network's
    Ticks com_offset_ms = 0;                      // added to the COM timestamp
};

class TestController final : public NetworkController {
public:
    struct Request {
        NetworkId nwid;
        Address member;
        uint64_t packet_id;
        Ticks at;
        bool metadata_has_version;
    };

    explicit TestController(Identity id) : id_(std::move(id)) {}

    Node* node = nullptr;
    std::map<uint64_t, NetPlan> nets;
    std::map<Address, MemberPlan> members;
    std::vector<Request> requests;

    void on_config_request(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                           const vl2::Dictionary& metadata, const Endpoint&) override {
        requests.push_back(Request{nwid, member.address(), request_packet_id, now, metadata.get_u64("v").has_value()});
        const MemberPlan& m = members[member.address()];
        switch (m.answer) {
        case MemberPlan::Answer::config: node->send_network_config(now, nwid, request_packet_id, member.address(), config_for(nwid, member, now)); break;
        case MemberPlan::Answer::denied: node->send_network_error(now, nwid, request_packet_id, member.address(), ErrorCode::network_access_denied); break;
        case MemberPlan::Answer::not_found: node->send_network_error(now, nwid, request_packet_id, member.address(), ErrorCode::obj_not_found); break;
        case MemberPlan::Answer::silent: break;
        }
    }

    size_t requests_from(Address a) const {
        return size_t(std::count_if(requests.begin(), requests.end(), [a](const Request& r) { return r.member == a; }));
    }

    // The config a 1.14 controller would build for `member` at `now` (§9.2): COM with the 7
    // qualifiers, a COO for each IPv4 address, on-link routes for the IPv4 subnets.
    vl2::NetworkConfig config_for(NetworkId nwid, const Identity& member, Ticks now) {
        const NetPlan& p = nets[nwid.value];
        const MemberPlan& m = members[member.address()];
        vl2::NetworkConfig c;
        c.nwid = nwid;
        c.timestamp = unix_at(now);
        c.revision = p.revision;
        c.issued_to = member.address();
        c.credential_time_max_delta_ms = p.max_delta_ms;
        c.flags = p.flags;
        c.multicast_limit = p.multicast_limit;
        c.type = p.type;
        c.name = p.name;
        c.mtu = p.mtu;
        c.static_ips = m.ips;
        c.rules = m.rules ? *m.rules : p.rules;
        auto com = vl2::CertificateOfMembership::issue(nwid, unix_at(now) + m.com_offset_ms, uint64_t(p.max_delta_ms), member);
        REQUIRE(com.sign(id_));
        c.com = com;
        vl2::CertificateOfOwnership coo;
        coo.nwid = nwid;
        coo.timestamp = unix_at(now);
        coo.id = 1;
        coo.issued_to = member.address();
        for (const auto& ip : m.ips) {
            if (ip.address.family != Endpoint::Family::v4) continue;
            coo.add_ip(ip.address);
            wire::InetPrefix subnet = ip;
            for (int bit = ip.bits; bit < 32; ++bit) subnet.address.ip[size_t(bit / 8)] &= uint8_t(~(0x80 >> (bit % 8)));
            if (std::none_of(c.routes.begin(), c.routes.end(), [&](const vl2::Route& r) { return r.target == subnet; }))
                c.routes.push_back(vl2::Route{subnet, std::nullopt, 0, 0});
        }
        if (!coo.things.empty()) {
            REQUIRE(coo.sign(id_));
            c.coos.push_back(coo);
        }
        for (size_t i = 0; i < p.tags; ++i) {
            vl2::Tag t;
            t.nwid = nwid;
            t.timestamp = unix_at(now);
            t.id = uint32_t(100 + i);
            t.value = uint32_t(i * 7);
            t.issued_to = member.address();
            REQUIRE(t.sign(id_));
            c.tags.push_back(t);
        }
        return c;
    }

    // §9.3: the revocation of `member`'s COM issued now (fast propagate, credential id 0).
    vl2::Revocation revoke_com(NetworkId nwid, Address member, Ticks now) const {
        vl2::Revocation r;
        r.id = 0x5eed;
        r.nwid = nwid;
        r.threshold = unix_at(now);
        r.flags = vl2::Revocation::kFlagFastPropagate;
        r.target = member;
        r.type = vl2::CredentialType::com;
        REQUIRE(r.sign(id_));
        return r;
    }

    const Identity& identity() const { return id_; }

private:
    Identity id_;
};

// A datagram opened with the keys of the world's identities.
struct Sniffed {
    Endpoint from_endpoint, to_endpoint;
    Address from, to;
    Verb verb;
    uint64_t packet_id;
    uint8_t hops;
    Bytes payload;  // after the verb byte, decompressed
};

class Tap {
public:
    explicit Tap(std::vector<Identity> ids) : ids_(std::move(ids)) {}

    std::optional<Sniffed> open(const Datagram& d) {
        if (d.bytes.size() < kPacketIdxPayload || d.bytes[kPacketIdxSource] == 0xff) return std::nullopt;
        Bytes pkt = d.bytes;
        auto h = wire::PacketHeader::parse(pkt);
        if (!h || h->fragmented()) return std::nullopt;
        const Identity* from = find(h->source);
        const Identity* to = find(h->dest);
        if (!from || !to) return std::nullopt;
        auto key = (from->has_secret() ? from->agree(*to) : to->agree(*from));
        if (!key) return std::nullopt;
        auto aes = crypto::AesGmacSiv::from_peer_key(*key);
        if (!wire::dearmor(pkt, *key, aes ? &*aes : nullptr)) return std::nullopt;
        auto plain = wire::decompress(pkt, scratch_);
        if (!plain) return std::nullopt;
        const auto p = *plain;
        return Sniffed{d.from, d.to, h->source, h->dest, Verb(p[kPacketIdxVerb] & kVerbMask), h->packet_id, h->hops(),
                       Bytes(p.begin() + kPacketIdxPayload, p.end())};
    }

private:
    const Identity* find(Address a) const {
        for (const auto& id : ids_)
            if (id.address() == a) return &id;
        return nullptr;
    }
    std::vector<Identity> ids_;
    wire::PacketBuf scratch_;
};

struct Testbed {
    SimNet net;
    Identity idr = capture_identity("root"), idc = capture_identity("ctl"), ida = capture_identity("a"),
             idb = capture_identity("b"), idx = selftest_identity();
    TestController ctl{idc};
    SimNode *r, *c, *a, *b, *x;
    Tap tap{{idr, idc, ida, idb, idx}};
    std::vector<Sniffed> seen;  // original sends (hops 0) the tap could open, in send order

    Testbed() {
        r = &net.add(idr, ep(1), 21);
        c = &net.add(idc, ep(2), 22);
        a = &net.add(ida, ep(11), 23);
        b = &net.add(idb, ep(12), 24);
        x = &net.add(idx, ep(13), 25);
        std::vector<RootSpec> roots{RootSpec{idr.public_only(), {r->endpoint}}};
        r->node->set_root_role(true);
        for (auto* n : {r, c, a, b, x}) n->node->set_planet(0x7a747266, 1732464000000ULL, roots);
        ctl.node = c->node.get();
        c->node->set_network_controller(&ctl);
        ctl.nets[kNet.value] = NetPlan{};
        ctl.members[ida.address()].ips = {v4(10, 147, 17, 11, 24)};
        ctl.members[idb.address()].ips = {v4(10, 147, 17, 12, 24)};
        ctl.members[idx.address()].ips = {v4(10, 147, 17, 13, 24)};
        net.tamper = [this](Datagram& d) {
            if (auto s = tap.open(d); s && s->hops == 0) seen.push_back(std::move(*s));
            return !drop || !drop(d);
        };
        net.advance(1000);
    }

    // Optional extra filter: return true to drop a datagram.
    std::function<bool(const Datagram&)> drop;

    // Joins `who` and runs until they are configured (or the controller has refused them).
    void join(std::initializer_list<SimNode*> who, NetworkId nwid = kNet) {
        for (auto* n : who) n->node->join(net.now, nwid);
        net.run();
        net.advance(1000);
    }
    NetworkStatus status(SimNode* n, NetworkId nwid = kNet) const {
        auto s = n->node->network(nwid);
        REQUIRE(s);
        return *s;
    }
    const Identity& id_of(const SimNode* n) const {
        return n == a ? ida : n == b ? idb : n == x ? idx : n == c ? idc : idr;
    }
    Mac mac(const SimNode* n, NetworkId nwid = kNet) const { return Mac::from_address(id_of(n).address(), nwid); }

    // Sends `from`'s stack frame to `to`'s MAC.
    void frame(SimNode* from, SimNode* to, uint16_t ethertype, const Bytes& payload, NetworkId nwid = kNet) {
        from->node->on_frame(net.now, nwid, Frame{mac(from, nwid), mac(to, nwid), ethertype, payload});
    }
    size_t count_seen(Address from, Address to, Verb v) const {
        return size_t(std::count_if(seen.begin(), seen.end(),
                                    [&](const Sniffed& s) { return s.from == from && s.to == to && s.verb == v; }));
    }
    size_t count_sent(Address from, Verb v) const {
        return size_t(std::count_if(seen.begin(), seen.end(), [&](const Sniffed& s) { return s.from == from && s.verb == v; }));
    }
    size_t events(const SimNode* n, Event::Kind k, NetworkId nwid = kNet) const {
        return size_t(std::count_if(n->host->events.begin(), n->host->events.end(),
                                    [&](const Event& e) { return e.kind == k && e.nwid == nwid; }));
    }
    // Frames `n`'s stack received with that ethertype.
    std::vector<Delivered> delivered(const SimNode* n, uint16_t ethertype) const {
        std::vector<Delivered> out;
        for (const auto& f : n->host->frames)
            if (f.ethertype == ethertype) out.push_back(f);
        return out;
    }
};

// IPv4 TCP from 10.147.17.<s> to 10.147.17.<d> (checksums zero: nothing here checks them).
inline Bytes tcp_packet(uint8_t s, uint8_t d, uint16_t dport) {
    return Bytes{0x45, 0,    0,    40,   0,    0,    0x40, 0, 64, 6, 0, 0, 10, 147, 17, s, 10, 147, 17, d,  // IPv4
                 0xc3, 0x50, uint8_t(dport >> 8), uint8_t(dport), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
}

// An ARP packet (§6.4): op 1 request, 2 reply.
inline Bytes arp_packet(uint16_t op, Mac sender_mac, const wire::InetPrefix& sender_ip, Mac target_mac,
                        const wire::InetPrefix& target_ip) {
    Bytes b{0x00, 0x01, 0x08, 0x00, 6, 4, uint8_t(op >> 8), uint8_t(op)};
    auto sm = sender_mac.bytes(), tm = target_mac.bytes();
    b.insert(b.end(), sm.begin(), sm.end());
    b.insert(b.end(), sender_ip.address.ip.begin(), sender_ip.address.ip.begin() + 4);
    b.insert(b.end(), tm.begin(), tm.end());
    b.insert(b.end(), target_ip.address.ip.begin(), target_ip.address.ip.begin() + 4);
    return b;
}

// The ICMPv6 checksum (RFC 4443 §2.3) of an IPv6 packet with no extension headers, computed
// over the pseudo-header and the whole ICMPv6 message; 0 when the stored one is right.
inline uint16_t icmpv6_checksum_residue(std::span<const uint8_t> p) {
    uint32_t sum = 0;
    const size_t len = size_t(p[4]) << 8 | p[5];
    for (size_t i = 8; i < 40; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
    sum += uint32_t(len) + 58;
    for (size_t i = 40; i < 40 + len; i += 2) sum += uint32_t(p[i]) << 8 | (i + 1 < 40 + len ? p[i + 1] : 0);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// A neighbour solicitation (RFC 4861 §4.3) from `src` for `target`, to its solicited-node
// group, with a source link-layer address option and a valid checksum.
inline Bytes neighbor_solicitation(const std::array<uint8_t, 16>& src, Mac src_mac, const std::array<uint8_t, 16>& target) {
    Bytes p(40 + 32, 0);
    p[0] = 0x60;
    p[5] = 32;
    p[6] = 58;
    p[7] = 255;
    std::copy(src.begin(), src.end(), p.begin() + 8);
    const std::array<uint8_t, 16> group{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, target[13], target[14], target[15]};
    std::copy(group.begin(), group.end(), p.begin() + 24);
    p[40] = 135;
    std::copy(target.begin(), target.end(), p.begin() + 48);
    p[64] = 1;
    p[65] = 1;
    auto m = src_mac.bytes();
    std::copy(m.begin(), m.end(), p.begin() + 66);
    const uint16_t c = icmpv6_checksum_residue(p);  // with the field zero: the checksum itself
    p[42] = uint8_t(c >> 8);
    p[43] = uint8_t(c);
    return p;
}
inline Mac solicited_node_mac(const std::array<uint8_t, 16>& target) {
    return Mac(0x3333ff000000ULL | uint64_t(target[13]) << 16 | uint64_t(target[14]) << 8 | target[15]);
}

}  // namespace ztest::vl2net
