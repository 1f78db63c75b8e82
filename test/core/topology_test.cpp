// A root and two leaves in memory: leaves find each other by ZeroTier address only (WHOIS),
// talk through the root's relay first, and move to a direct path after RENDEZVOUS.
#include <catch2/catch.hpp>

#include <set>

#include "core/wire/packet.hpp"
#include "capture_identities.hpp"
#include "packets.hpp"
#include "sim.hpp"

using namespace zt;
using ztest::SimNet;

namespace {

using ztest::capture_identity;

constexpr NetworkId kNet{0xc41b8868ac000001ULL};
Endpoint ep(uint8_t last, uint16_t port) { return Endpoint::v4({10, 99, 0, last}, port); }

bool direct(const Node& n, Address peer) {
    for (const auto& p : n.peers())
        if (p.address == peer)
            for (const auto& path : p.paths)
                if (path.confirmed) return true;
    return false;
}

struct Star {
    SimNet net;
    Identity idr = capture_identity("root"), ida = capture_identity("a"), idb = capture_identity("b");
    ztest::SimNode *r, *a, *b;

    Star() {
        r = &net.add(idr, ep(1, 9993), 11);
        a = &net.add(ida, ep(11, 9993), 12);
        b = &net.add(idb, ep(12, 9993), 13);
        std::vector<RootSpec> roots{RootSpec{idr.public_only(), {r->endpoint}}};
        r->node->set_root_role(true);
        r->node->set_planet(0x7a747266, 1732464000000ULL, roots);
        for (auto* n : {a, b}) {
            n->node->set_planet(0x7a747266, 1732464000000ULL, roots);
            n->node->join_static(kNet, 2800);
        }
    }
    Mac mac(const Identity& id) const { return Mac::from_address(id.address(), kNet); }
    void frame(ztest::SimNode* from, const Identity& src, const Identity& dst, Bytes payload) {
        from->node->on_frame(net.now, kNet, Frame{mac(src), mac(dst), 0x0800, payload});
    }
};

}  // namespace

TEST_CASE("topology: leaves come online with their root", "[core]") {
    Star s;
    s.net.advance(1000);
    CHECK(s.a->node->online(s.net.now));
    CHECK(s.b->node->online(s.net.now));
    CHECK(direct(*s.a->node, s.idr.address()));
    CHECK(direct(*s.r->node, s.ida.address()));
    CHECK(direct(*s.r->node, s.idb.address()));
}

TEST_CASE("topology: leaves find each other by address, relay first, then go direct", "[core]") {
    Star s;
    s.net.advance(1000);
    REQUIRE_FALSE(direct(*s.a->node, s.idb.address()));

    Bytes payload(500, 0x42);
    s.frame(s.a, s.ida, s.idb, payload);
    s.net.run();
    s.net.advance(300);
    // A asked the root who B is; B asked who A is when the relayed frame arrived.
    CHECK(s.a->node->stats().whois_sent >= 1);
    CHECK(s.b->node->stats().whois_sent >= 1);
    REQUIRE(s.b->host->frames.size() == 1);
    CHECK(s.b->host->frames[0].payload == payload);
    CHECK(s.r->node->stats().relayed >= 1);
    CHECK(s.r->node->stats().rendezvous_sent == 2);
    CHECK(s.a->node->stats().rendezvous_received == 1);
    CHECK(s.b->node->stats().rendezvous_received == 1);

    s.net.advance(2000);
    CHECK(direct(*s.a->node, s.idb.address()));
    CHECK(direct(*s.b->node, s.ida.address()));

    // Frames now bypass the root.
    uint64_t relayed = s.r->node->stats().relayed;
    for (int i = 0; i < 10; ++i) s.frame(s.a, s.ida, s.idb, payload);
    s.net.run();
    CHECK(s.b->host->frames.size() == 11);
    CHECK(s.r->node->stats().relayed == relayed);
}

TEST_CASE("topology: the direct path outlives the root", "[core]") {
    Star s;
    s.net.advance(1000);
    s.frame(s.a, s.ida, s.idb, Bytes(100, 1));
    s.net.advance(3000);
    REQUIRE(direct(*s.a->node, s.idb.address()));
    // The root disappears: nothing reaches or leaves its endpoint any more.
    s.net.tamper = [&](ztest::Datagram& d) { return d.to != s.r->endpoint && d.from != s.r->endpoint; };
    s.net.advance(300000, 1000);
    size_t before = s.b->host->frames.size();
    s.frame(s.a, s.ida, s.idb, Bytes(100, 2));
    s.net.run();
    CHECK(s.b->host->frames.size() == before + 1);
    CHECK(direct(*s.a->node, s.idb.address()));
    CHECK_FALSE(s.a->node->online(s.net.now - 1 + kPeerActivityTimeoutMs));
}

TEST_CASE("topology: a replayed packet is dropped as a replay", "[core]") {
    Star s;
    s.net.advance(1000);
    s.frame(s.a, s.ida, s.idb, Bytes(100, 1));
    s.net.advance(3000);
    REQUIRE(direct(*s.a->node, s.idb.address()));
    std::vector<ztest::Datagram> seen;
    s.net.tamper = [&](ztest::Datagram& d) {
        if (d.to == s.b->endpoint) seen.push_back(d);
        return true;
    };
    s.frame(s.a, s.ida, s.idb, Bytes(100, 3));
    s.net.run();
    s.net.tamper = nullptr;
    REQUIRE(seen.size() == 1);
    size_t frames = s.b->host->frames.size();
    s.b->node->on_udp(s.net.now, 0, seen[0].from, seen[0].bytes);
    CHECK(s.b->host->frames.size() == frames);
    CHECK(s.b->node->stats().dropped(Drop::replay) == 1);
}

TEST_CASE("topology: roots refuse to relay packets that used up their hops", "[core]") {
    Star s;
    s.net.advance(1000);
    // A packet from A to B, handed to the root with hops already at 3.
    auto key = s.ida.agree(s.idb);
    REQUIRE(key);
    auto pkt = ztest::armored_packet(s.ida.address(), s.idb.address(), Verb::nop, {}, *key, Cipher::poly1305_salsa2012, 5);
    pkt.b[kPacketIdxFlags] |= 3;
    s.r->node->on_udp(s.net.now, 0, s.a->endpoint, pkt.bytes());
    CHECK(s.r->node->stats().dropped(Drop::hop_limit) == 1);
    CHECK(s.r->node->stats().relayed == 0);
    // Leaves never relay.
    pkt.b[kPacketIdxFlags] &= ~7;
    pkt.b[kPacketIdxDest + 4] ^= 1;
    s.a->node->on_udp(s.net.now, 0, s.r->endpoint, pkt.bytes());
    CHECK(s.a->node->stats().dropped(Drop::not_for_us) == 1);
}

TEST_CASE("topology: an unknown address nobody knows is given up after 5 s", "[core]") {
    Star s;
    s.net.advance(1000);
    Identity c = capture_identity("ctl");  // never joins
    s.frame(s.a, s.ida, c, Bytes(64, 1));
    s.net.advance(1200);
    uint64_t asked = s.a->node->stats().whois_sent;
    CHECK(asked >= 2);  // retried every 500 ms
    s.net.advance(10000);
    CHECK(s.a->node->stats().whois_sent <= asked + 10);
    uint64_t later = s.a->node->stats().whois_sent;
    s.net.advance(10000);
    CHECK(s.a->node->stats().whois_sent == later);  // forgotten
}

TEST_CASE("topology: peers advertise their addresses with PUSH_DIRECT_PATHS and get tried there", "[core]") {
    Star s;
    const Endpoint advertised = ep(111, 7777);  // an interface address of A
    s.a->node->set_local_endpoints({advertised});
    // Keep A and B from meeting directly: only the root may talk to them.
    s.net.tamper = [&](ztest::Datagram& d) { return d.from == s.r->endpoint || d.to == s.r->endpoint || d.to == advertised; };
    std::vector<Endpoint> tried;
    auto base = s.net.tamper;
    s.net.tamper = [&](ztest::Datagram& d) {
        if (d.from == s.b->endpoint) tried.push_back(d.to);
        return base(d);
    };
    s.net.advance(1000);
    s.frame(s.a, s.ida, s.idb, Bytes(64, 1));  // a frame: the peers now trust each other
    s.frame(s.b, s.idb, s.ida, Bytes(64, 2));
    s.net.advance(20000, 500);
    CHECK(std::count(tried.begin(), tried.end(), advertised) >= 1);
    CHECK(s.b->node->stats().dropped(Drop::bad_payload) == 0);
}

TEST_CASE("node: ECHO replies are rate limited per path (no amplification)", "[core]") {
    Star s;
    s.net.advance(1000);
    s.frame(s.a, s.ida, s.idb, Bytes(64, 1));
    s.net.advance(3000);
    REQUIRE(direct(*s.b->node, s.ida.address()));
    // 50 authenticated ECHOs from A to B within 100 ms: B answers at most one of them.
    auto key = s.ida.agree(s.idb);
    REQUIRE(key);
    uint64_t before = s.b->node->stats().tx_packets;
    for (int i = 0; i < 50; ++i) {
        auto pkt = ztest::armored_packet(s.ida.address(), s.idb.address(), Verb::echo, {}, *key,
                                         Cipher::poly1305_salsa2012, 1000 + i);
        s.b->node->on_udp(s.net.now, 0, s.a->endpoint, pkt.bytes());
    }
    CHECK(s.b->node->stats().tx_packets - before <= 1);
    CHECK(s.b->node->stats().dropped(Drop::rate_limited) >= 49);
}

TEST_CASE("topology: a direct path that goes silent falls back to the root, then a new one is found", "[core]") {
    Star s;
    s.net.advance(1000);
    s.frame(s.a, s.ida, s.idb, Bytes(100, 1));
    s.net.advance(3000);
    REQUIRE(direct(*s.a->node, s.idb.address()));

    // A sits behind a filtering NAT: it hears only from endpoints it has sent to.
    std::set<Endpoint> a_sent_to;
    s.net.tamper = [&](ztest::Datagram& d) {
        if (d.from == s.a->endpoint) a_sent_to.insert(d.to);
        return d.to != s.a->endpoint || a_sent_to.count(d.from);
    };
    const Endpoint moved = ep(99, 4444);  // B's NAT hands out a new mapping
    s.net.move(*s.b, moved);
    size_t delivered = s.b->host->frames.size();
    for (int i = 0; i < 40; ++i) {  // A keeps sending, one frame a second
        s.frame(s.a, s.ida, s.idb, Bytes(100, uint8_t(i)));
        s.net.advance(1000, 250);
    }
    // Frames lost to the dead path stop once it has been silent for 19 s; the rest arrive,
    // first through the root, then over the new direct path.
    CHECK(s.b->host->frames.size() - delivered >= 15);
    CHECK(s.a->node->stats().sent_via_root >= 1);
    bool new_path = false;
    for (const auto& p : s.a->node->peers())
        if (p.address == s.idb.address())
            for (const auto& path : p.paths) new_path |= path.confirmed && path.preferred && path.endpoint == moved;
    CHECK(new_path);
    uint64_t relayed = s.r->node->stats().relayed;
    s.frame(s.a, s.ida, s.idb, Bytes(100, 7));
    s.net.run();
    CHECK(s.r->node->stats().relayed == relayed);  // direct again
}
