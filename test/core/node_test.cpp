// Two (or three) zt::Nodes in memory on a simulated UDP network: handshake, frames,
// fragmentation, keepalives, and hostile input that must be dropped and counted.
#include <catch2/catch.hpp>

#include "core/vl1/hello.hpp"
#include "core/wire/packet.hpp"
#include "capture_identities.hpp"
#include "packets.hpp"
#include "sim.hpp"

using namespace zt;
using ztest::SimNet;

namespace {

using ztest::capture_identity;

constexpr NetworkId kNet{0xc41b8868ac000001ULL};

Endpoint ep(uint8_t last, uint16_t port) { return Endpoint::v4({10, 0, 0, last}, port); }

struct Pair {
    SimNet net;
    Identity ida = capture_identity("a"), idb = capture_identity("b");
    ztest::SimNode* a;
    ztest::SimNode* b;

    Pair() {
        a = &net.add(ida, ep(1, 9993), 1);
        b = &net.add(idb, ep(2, 9993), 2);
        // A knows B's identity; B knows only A's address: B learns A's key from its HELLO.
        a->node->add_static_peer(idb.public_only(), b->endpoint);
        b->node->add_static_peer(ida.address(), a->endpoint);
        a->node->join_static(kNet, 2800);
        b->node->join_static(kNet, 2800);
    }

    void connect() {
        net.advance(2000);
        REQUIRE(confirmed(*a->node, idb.address()));
        REQUIRE(confirmed(*b->node, ida.address()));
    }

    static bool confirmed(const Node& n, Address peer) {
        for (const auto& p : n.peers())
            if (p.address == peer)
                for (const auto& path : p.paths)
                    if (path.confirmed) return true;
        return false;
    }

    Mac mac_a() const { return Mac::from_address(ida.address(), kNet); }
    Mac mac_b() const { return Mac::from_address(idb.address(), kNet); }
};

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed + i * 7);
    return b;
}

}  // namespace

TEST_CASE("node: static peers HELLO each other and confirm direct paths", "[core]") {
    Pair p;
    p.connect();
    auto peers = p.a->node->peers();
    REQUIRE(peers.size() == 1);
    CHECK(peers[0].address == p.idb.address());
    CHECK(peers[0].proto_version == kProtoVersion);
    CHECK(peers[0].latency_ms >= 0);
    CHECK(peers[0].paths.at(0).endpoint == p.b->endpoint);
    CHECK(p.a->host->count(Event::Kind::path_confirmed) == 1);
    CHECK(p.b->host->count(Event::Kind::peer_added) == 1);
    CHECK(p.a->node->stats().dropped_total() == 0);
    CHECK(p.b->node->stats().dropped_total() == 0);
}

TEST_CASE("node: a unicast frame travels as FRAME with the derived MACs", "[core]") {
    Pair p;
    p.connect();
    auto payload = pattern(1000, 3);
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.run();
    REQUIRE(p.b->host->frames.size() == 1);
    const auto& f = p.b->host->frames[0];
    CHECK(f.nwid == kNet);
    CHECK(f.src == p.mac_a());
    CHECK(f.dst == p.mac_b());
    CHECK(f.ethertype == 0x0800);
    CHECK(f.payload == payload);
}

TEST_CASE("node: a broadcast ARP request reaches the peer as a multicast frame", "[core]") {
    Pair p;
    p.connect();
    // ARP request who-has 10.147.17.12 tell 10.147.17.11
    Bytes arp = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    auto sm = p.mac_a().bytes();
    arp.insert(arp.end(), sm.begin(), sm.end());
    arp.insert(arp.end(), {10, 147, 17, 11, 0, 0, 0, 0, 0, 0, 10, 147, 17, 12});
    REQUIRE(arp.size() == 28);
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), Mac(0xffffffffffffULL), 0x0806, arp});
    p.net.run();
    REQUIRE(p.b->host->frames.size() == 1);
    CHECK(p.b->host->frames[0].dst.is_broadcast());
    CHECK(p.b->host->frames[0].src == p.mac_a());
    CHECK(p.b->host->frames[0].payload == arp);
}

TEST_CASE("node: a 2800-byte frame is fragmented on the wire and reassembled", "[core]") {
    Pair p;
    p.connect();
    auto payload = pattern(2800, 9);
    uint64_t before = p.net.sent;
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.run();
    CHECK(p.net.sent - before == 2);  // 28+10+2800 = 2838 bytes: a 1432-byte head + one fragment
    REQUIRE(p.b->host->frames.size() == 1);
    CHECK(p.b->host->frames[0].payload == payload);
}

TEST_CASE("node: frames larger than the network MTU are not sent", "[core]") {
    Pair p;
    p.connect();
    auto payload = pattern(2801, 1);
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.run();
    CHECK(p.b->host->frames.empty());
}

TEST_CASE("node: flipped bits, truncation and a wrong key are dropped and counted", "[core]") {
    Pair p;
    p.connect();
    auto payload = pattern(200, 5);
    Frame f{p.mac_a(), p.mac_b(), 0x0800, payload};

    SECTION("every single-bit flip of the authenticated bytes is caught") {
        size_t flips = 0;
        for (size_t byte = 0; byte < 28 + 10 + 200; ++byte) {
            if (byte == kPacketIdxFlags) continue;  // hop bits are not authenticated
            p.net.tamper = [&](ztest::Datagram& d) {
                if (d.to == p.b->endpoint && d.bytes.size() > byte) d.bytes[byte] ^= 0x10;
                return true;
            };
            p.a->node->on_frame(p.net.now, kNet, f);
            p.net.run();
            ++flips;
        }
        p.net.tamper = nullptr;
        CHECK(p.b->host->frames.empty());
        auto s = p.b->node->stats();
        // A flip in the destination address makes it "not for us"; in the source, an
        // unknown peer; in the packet id, MAC or body, a bad MAC.
        CHECK(s.dropped_total() == flips);
        CHECK(s.dropped(Drop::bad_mac) > 200);
    }
    SECTION("truncated datagrams") {
        for (size_t len : {0, 1, 12, 13, 16, 17, 27, 28, 40}) {
            p.net.tamper = [&](ztest::Datagram& d) {
                if (d.to == p.b->endpoint) d.bytes.resize(std::min(d.bytes.size(), len));
                return true;
            };
            p.a->node->on_frame(p.net.now, kNet, f);
            p.net.run();
        }
        p.net.tamper = nullptr;
        CHECK(p.b->host->frames.empty());
        auto s = p.b->node->stats();
        CHECK(s.dropped(Drop::too_short) == 7);
        CHECK(s.dropped(Drop::bad_mac) == 2);
    }
    SECTION("a packet armored with the wrong key") {
        SymmetricKey wrong;
        wrong.data()[0] = 1;
        auto pkt = ztest::armored_packet(p.ida.address(), p.idb.address(), Verb::echo, {}, wrong,
                                         Cipher::poly1305_salsa2012, 0x1122334455667788ULL);
        p.b->node->on_udp(p.net.now, 0, p.a->endpoint, pkt.bytes());
        CHECK(p.b->node->stats().dropped(Drop::bad_mac) == 1);
    }
    SECTION("the link still works afterwards") {
        p.a->node->on_frame(p.net.now, kNet, f);
        p.net.run();
        CHECK(p.b->host->frames.size() == 1);
    }
}

TEST_CASE("node: packets from unknown peers and for other nodes are dropped", "[core]") {
    Pair p;
    Identity c = capture_identity("ctl");
    auto key = c.agree(p.idb);
    REQUIRE(key);
    auto pkt = ztest::armored_packet(c.address(), p.idb.address(), Verb::echo, {}, *key, Cipher::poly1305_salsa2012, 42);
    p.b->node->on_udp(p.net.now, 0, ep(9, 1), pkt.bytes());
    CHECK(p.b->node->stats().dropped(Drop::unknown_peer) == 1);

    pkt.b[kPacketIdxDest + 4] ^= 1;  // now addressed to someone else
    p.b->node->on_udp(p.net.now, 0, ep(9, 1), pkt.bytes());
    CHECK(p.b->node->stats().dropped(Drop::not_for_us) == 1);
}

TEST_CASE("node: a HELLO whose identity fails the address derivation is rejected", "[core]") {
    Pair p;
    // Claim address 0102030405 with ctl's real key pair: the MAC will verify (the key comes
    // from the carried public key) but the memory-hard check must fail.
    Identity c = capture_identity("ctl");
    auto forged = Identity::from_string("0102030405" + c.to_string(false).substr(10));
    REQUIRE(forged);
    auto pkt = ztest::forged_hello(*forged, c, p.idb, 77);
    p.b->node->on_udp(p.net.now, 0, ep(9, 1), pkt.bytes());
    CHECK(p.b->node->stats().dropped(Drop::bad_identity) == 1);
    CHECK(p.b->node->peers().empty());
}

TEST_CASE("node: a HELLO with another key for a known address is a collision, not a takeover", "[core]") {
    Pair p;
    p.connect();
    // ctl's key pair claiming B's address, sent to A (which knows B).
    Identity c = capture_identity("ctl");
    auto forged = Identity::from_string(p.idb.address().to_string() + c.to_string(false).substr(10));
    REQUIRE(forged);
    auto pkt = ztest::forged_hello(*forged, c, p.ida, 78);
    p.a->node->on_udp(p.net.now, 0, ep(9, 1), pkt.bytes());
    CHECK(p.a->host->count(Event::Kind::identity_collision) == 1);
    CHECK(p.a->node->stats().dropped(Drop::bad_identity) == 1);
    // B is still B.
    auto payload = pattern(100, 1);
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.run();
    CHECK(p.b->host->frames.size() == 1);
}

TEST_CASE("node: idle paths get ECHO keepalives; silent paths expire", "[core]") {
    Pair p;
    p.connect();
    uint64_t before = p.net.sent;
    p.net.advance(30000, 500);
    CHECK(p.net.sent > before);                // keepalives flowed
    CHECK(Pair::confirmed(*p.a->node, p.idb.address()));
    CHECK(p.a->host->count(Event::Kind::path_expired) == 0);

    p.net.loss_percent = 100;                   // the link dies
    p.net.advance(kPathExpirationMs + 10000, 1000);
    CHECK(p.a->host->count(Event::Kind::path_expired) == 1);
    CHECK_FALSE(Pair::confirmed(*p.a->node, p.idb.address()));

    p.net.loss_percent = 0;                     // and comes back: the static peer re-HELLOs
    p.net.advance(10000, 500);
    CHECK(Pair::confirmed(*p.a->node, p.idb.address()));
}

TEST_CASE("node: the handshake completes over a lossy link", "[core]") {
    Pair p;
    p.net.loss_percent = 40;
    p.net.advance(60000, 250);
    CHECK(Pair::confirmed(*p.a->node, p.idb.address()));
    CHECK(Pair::confirmed(*p.b->node, p.ida.address()));
    CHECK(p.net.lost > 0);
}

TEST_CASE("node: an OK that answers nothing we sent is dropped", "[core]") {
    Pair p;
    p.connect();
    auto before = p.b->node->stats().dropped(Drop::unexpected_reply);
    // An OK(ECHO) whose in-re packet id we never sent.
    const uint8_t body[9] = {uint8_t(Verb::echo), 0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xf0, 0x0d};
    auto key = p.ida.agree(p.idb);
    REQUIRE(key);
    auto pkt = ztest::armored_packet(p.ida.address(), p.idb.address(), Verb::ok, body, *key, Cipher::poly1305_salsa2012, 99);
    p.b->node->on_udp(p.net.now, 0, p.a->endpoint, pkt.bytes());
    CHECK(p.b->node->stats().dropped(Drop::unexpected_reply) == before + 1);
}

TEST_CASE("node: peers that both speak protocol 12 switch to AES-GMAC-SIV", "[core]") {
    Pair p;
    p.connect();
    std::vector<uint8_t> flags;
    p.net.tamper = [&](ztest::Datagram& d) {
        if (d.to == p.b->endpoint && d.bytes.size() >= 28 && d.bytes[13] != 0xff) flags.push_back(d.bytes[kPacketIdxFlags]);
        return true;
    };
    auto payload = pattern(300, 2);
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.run();
    p.net.tamper = nullptr;
    REQUIRE(flags.size() == 1);
    CHECK(((flags[0] & kFlagCipherMask) >> 3) == uint8_t(Cipher::aes_gmac_siv));
    CHECK((flags[0] & kFlagEncryptedLegacy) == 0);
    REQUIRE(p.b->host->frames.size() == 1);
    CHECK(p.b->host->frames[0].payload == payload);
}

TEST_CASE("node: a peer whose node restarted hears our HELLO with the next packet", "[core]") {
    Pair p;
    p.connect();
    p.net.advance(4000);  // the path goes quiet (no keepalive is due yet)

    // B's node restarts with the same identity and configuration: it has forgotten A's key.
    p.b->host->frames.clear();
    p.b->node = std::make_unique<Node>(*p.b->host, *p.b->rng, p.idb, p.net.now);
    p.b->node->add_static_peer(p.ida.address(), p.a->endpoint);
    p.b->node->join_static(kNet, 2800);
    p.b->next_timer = 0;

    // The first frame A sends goes with a HELLO: B learns A and takes the frame at once
    // instead of dropping A's packets as unknown_peer until the path times out (19 s).
    const Bytes payload = pattern(300, 5);
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.advance(100);
    REQUIRE(p.b->host->frames.size() == 1);
    CHECK(p.b->host->frames[0].payload == payload);
    CHECK(p.b->node->stats().dropped(Drop::unknown_peer) == 0);

    // While B answers, frames carry no extra HELLO.
    const auto hellos_before = p.a->node->stats().tx_packets;
    p.a->node->on_frame(p.net.now, kNet, Frame{p.mac_a(), p.mac_b(), 0x0800, payload});
    p.net.advance(100);
    CHECK(p.a->node->stats().tx_packets == hellos_before + 1);
}
