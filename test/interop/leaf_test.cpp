// Our node as a captured leaf (the controller c41b8868ac or member A 0eb8d1da54), talking to
// the ZeroTier One 1.14.1 root and peers of captures/01-bringup.pcap: the HELLO we send is
// read field by field as ZeroTier One reads it, captured HELLOs to us are answered with
// OK(HELLO)s their sender authenticates, and once the peer said protocol 12 we speak
// AES-GMAC-SIV (suite 3) both ways.
#include "interop.hpp"

using namespace interop;
using zt::Bytes;

namespace {

struct LeafNode : TestNode {
    explicit LeafNode(const zt::Identity& id) : TestNode(id, 11) {
        node.set_planet(captured_planet().id, captured_planet().timestamp_ms, planet_roots());
    }
};

// Spec §5.2 read independently of vl1::Hello, from the plaintext (verb byte + payload).
struct HelloFields {
    uint8_t proto, major, minor;
    uint16_t revision;
    uint64_t timestamp;
    Bytes identity;  // 71 bytes
    Bytes destination;  // InetAddress bytes
    uint64_t world_id, world_ts;
    uint16_t moons;
    size_t size;
};

HelloFields read_hello(const Bytes& plain) {
    REQUIRE(plain.size() >= 1 + 84);
    REQUIRE(plain[0] == 0x01);
    const uint8_t* p = plain.data() + 1;
    HelloFields f;
    f.proto = p[0];
    f.major = p[1];
    f.minor = p[2];
    f.revision = uint16_t(p[3] << 8 | p[4]);
    f.timestamp = be({p + 5, 8});
    f.identity.assign(p + 13, p + 84);
    size_t at = 84;
    const size_t left = plain.size() - 1;
    REQUIRE(at < left);
    size_t alen = p[at] == 0x04 ? 7 : p[at] == 0x06 ? 19 : 1;
    f.destination.assign(p + at, p + at + alen);
    at += alen;
    REQUIRE(at + 16 + 2 <= left);
    f.world_id = be({p + at, 8});
    f.world_ts = be({p + at + 8, 8});
    at += 16;
    f.moons = uint16_t(p[at] << 8 | p[at + 1]);
    at += 2;
    f.size = at;
    return f;
}

// Our node's first HELLO to the root, as sent (after on_timer).
Bytes first_hello_to_root(LeafNode& n) {
    n.node.on_timer(n.now);
    auto sent = n.host.take();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].to == kRootPhys);
    return sent[0].bytes;
}

// The ZeroTier One root's OK(HELLO) to our HELLO: its captured reply (`captured`, to the
// same leaf) with the in-re packet id and echoed timestamp of ours, armored like the
// original (suite 1: the root did not know our version yet).
Bytes root_ok_to(const Bytes& our_hello, size_t captured, const zt::Identity& leaf) {
    const auto key = key_between(root_id(), leaf);
    auto ok = open_as_receiver(bringup(captured).payload, key);
    REQUIRE(ok);
    REQUIRE(hex_of({ok->data(), 2}) == "0301");
    std::copy(our_hello.begin(), our_hello.begin() + 8, ok->begin() + 2);
    std::copy(our_hello.begin() + 33, our_hello.begin() + 41, ok->begin() + 10);
    return armor_as_peer(0x5a5a5a5a00000000ULL + captured, leaf, root_id(), zt::Cipher::poly1305_salsa2012, *ok, key);
}

}  // namespace

TEST_CASE("interop: our HELLO reads as ZeroTier One's and has its layout (137 bytes)", "[interop]") {
    struct Case {
        const zt::Identity& (*id)();
        size_t captured;  // the ZeroTier One HELLO of the same node to the root
    };
    for (const Case& c : {Case{ctl_id, 1}, Case{a_id, 9}, Case{b_id, 54}}) {
        DYNAMIC_SECTION("as " << c.id().address().to_string()) {
            LeafNode n(c.id());
            Bytes ours = first_hello_to_root(n);
            const Bytes& theirs = bringup(c.captured).payload;
            REQUIRE(bringup(c.captured).to == kRootPhys);
            CHECK(ours.size() == 137);
            REQUIRE(ours.size() == theirs.size());

            // The root authenticates it with the key from its own secret and our identity.
            const auto key = key_between(root_id(), c.id());
            auto h = header_of(ours);
            CHECK(h.dest == root_id().address().value());
            CHECK(h.source == c.id().address().value());
            CHECK(h.flags == 0x00);  // suite 0, not fragmented, hops 0
            CHECK(h.cipher() == header_of(theirs).cipher());
            auto plain = open_as_receiver(ours, key);
            REQUIRE(plain);
            auto their_plain = open_as_receiver(theirs, key);
            REQUIRE(their_plain);
            HelloFields f = read_hello(*plain), t = read_hello(*their_plain);
            CHECK(f.proto == 12);
            CHECK(f.major == 1);
            CHECK(f.minor == 14);
            CHECK(f.revision == 1);
            CHECK(f.timestamp == uint64_t(n.now));
            CHECK(hex_of(f.identity) == hex_of(t.identity));  // our public identity, binary form
            CHECK(hex_of(f.destination) == "040a6300012709");   // 10.99.0.1/9993
            CHECK(hex_of(f.destination) == hex_of(t.destination));
            CHECK(f.world_id == 0x7a747266);
            CHECK(f.world_ts == 1732464000000ULL);
            CHECK(f.world_id == t.world_id);
            CHECK(f.world_ts == t.world_ts);
            CHECK(f.moons == 0);  // cryptField decrypted with the unmangled key (§4.5)
            CHECK(f.moons == t.moons);
            CHECK(f.size == plain->size() - 1);  // nothing after the moon section
            // Byte for byte, except packet id, MAC, timestamp and the encrypted moon count.
            for (size_t i = 0; i < ours.size(); ++i) {
                bool varies = i < 8 || (i >= 19 && i < 27) || (i >= 33 && i < 41) || i >= 135;
                if (!varies) {
                    INFO("byte " << i);
                    CHECK(ours[i] == theirs[i]);
                }
            }
        }
    }
}

TEST_CASE("interop: member A answers the captured root HELLO with an OK(HELLO) the root authenticates", "[interop]") {
    LeafNode n(a_id());
    // #11: the ZeroTier One root's HELLO to A (suite 0), from 10.99.0.1.
    const auto& hello = bringup(11);
    REQUIRE(hello.from == kRootPhys);
    n.receive(hello);
    auto sent = n.host.take();
    REQUIRE(!sent.empty());
    const Sent& ok = sent[0];
    CHECK(ok.to == kRootPhys);
    CHECK(ok.bytes.size() == 59);
    // The root's key for A, from the root's secret.
    const auto key = key_between(root_id(), a_id());
    auto plain = open_as_receiver(ok.bytes, key);
    REQUIRE(plain);
    CHECK(header_of(ok.bytes).cipher() == 1);  // we did not know the root's version yet
    // Same plaintext as A's ZeroTier One answer (#12, sent with suite 3).
    auto theirs = open_as_receiver(bringup(12).payload, key);
    REQUIRE(theirs);
    CHECK(hex_of(*plain) == hex_of(*theirs));
    CHECK(n.node.stats().dropped_total() == 0);
    // Then a HELLO of our own to confirm the path (§5.2).
    REQUIRE(sent.size() == 2);
    CHECK(sent[1].to == kRootPhys);
    CHECK(sent[1].bytes.size() == 137);
    auto back = open_as_receiver(sent[1].bytes, key);
    REQUIRE(back);
    CHECK((*back)[0] == 0x01);
}

TEST_CASE("interop: member A answers the captured controller HELLO (a peer it never heard of)", "[interop]") {
    LeafNode n(a_id());
    // #34: the controller's HELLO to A, direct after RENDEZVOUS. A learns the identity from it.
    const auto& hello = bringup(34);
    REQUIRE(hello.from == kCtlPhys);
    n.receive(hello);
    auto sent = n.host.take();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].to == kCtlPhys);
    const auto key = key_between(ctl_id(), a_id());
    auto plain = open_as_receiver(sent[0].bytes, key);
    REQUIRE(plain);
    auto theirs = open_as_receiver(bringup(36).payload, key);  // A's ZeroTier One answer
    REQUIRE(theirs);
    CHECK(hex_of(*plain) == hex_of(*theirs));
    CHECK(n.host.count(zt::Event::Kind::peer_added) == 2);  // the root (planet) and the controller
}

TEST_CASE("interop: after the HELLO exchange with a protocol-12 root we speak AES-GMAC-SIV both ways", "[interop]") {
    LeafNode n(ctl_id());
    const auto key = key_between(root_id(), ctl_id());  // the root's side
    auto aes = zt::crypto::AesGmacSiv::from_peer_key(key);
    REQUIRE(aes);

    // HELLO -> the root's OK(HELLO) (suite 1, protocol 12): path confirmed, version learned.
    Bytes hello = first_hello_to_root(n);
    n.now += 17;
    n.receive(kRootPhys, root_ok_to(hello, 2, ctl_id()));
    CHECK(n.host.count(zt::Event::Kind::path_confirmed) == 1);
    auto peers = n.node.peers();
    REQUIRE(peers.size() == 1);
    CHECK(peers[0].proto_version == 12);
    CHECK(peers[0].latency_ms == 17);
    CHECK(n.host.take().empty());

    // #3: the root's HELLO. Our OK(HELLO) now goes out with suite 3, like ZeroTier One's #4,
    // and the root opens it with AES-GMAC-SIV keys from its side of the key agreement.
    n.receive(bringup(3));
    auto sent = n.host.take();
    REQUIRE(sent.size() == 1);  // the path is confirmed: no HELLO back
    Bytes ok = sent[0].bytes;
    CHECK(ok.size() == 59);
    CHECK(ok[18] == 0x18);
    CHECK(ok[18] == bringup(4).payload[18]);
    auto iv = aes->open_packet(ok);
    REQUIRE(iv);
    auto theirs = open_as_receiver(bringup(4).payload, key);
    REQUIRE(theirs);
    CHECK(hex_of({ok.data() + 27, ok.size() - 27}) == hex_of(*theirs));

    // #20: the root's RENDEZVOUS (suite 3, ZeroTier One's bytes): accepted. A is unknown, so
    // we ask the root who it is, with suite 3.
    n.receive(bringup(20));
    CHECK(n.node.stats().rendezvous_received == 1);
    CHECK(n.node.stats().dropped_total() == 0);
    sent = n.host.take();
    REQUIRE(sent.size() == 1);
    Bytes whois = sent[0].bytes;
    CHECK(sent[0].to == kRootPhys);
    CHECK(whois.size() == 33);  // as ZeroTier One's WHOIS #22
    CHECK(whois[18] == 0x18);
    Bytes whois_wire = whois;
    REQUIRE(aes->open_packet(whois));
    CHECK(hex_of({whois.data() + 27, whois.size() - 27}) == "040eb8d1da54");

    // The root's OK(WHOIS) (#23's plaintext, in-re our WHOIS, suite 3): A is learned, and the
    // held RENDEZVOUS is acted on as ZeroTier One did (#27, #28): 4 junk bytes with TTL 2,
    // then a HELLO to 10.99.0.11/9993.
    auto their_ok = open_as_receiver(bringup(23).payload, key);
    REQUIRE(their_ok);
    std::copy(whois_wire.begin(), whois_wire.begin() + 8, their_ok->begin() + 2);
    n.receive(kRootPhys, armor_as_peer(0x77, ctl_id(), root_id(), zt::Cipher::aes_gmac_siv, *their_ok, key));
    CHECK(n.node.stats().dropped_total() == 0);
    sent = n.host.take();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].to == kAPhys);
    CHECK(sent[0].bytes.size() == 4);
    CHECK(sent[0].ttl == 2);
    CHECK(sent[1].to == kAPhys);
    CHECK(sent[1].bytes.size() == 137);
    auto punch_hello = open_as_receiver(sent[1].bytes, key_between(a_id(), ctl_id()));
    REQUIRE(punch_hello);
    CHECK((*punch_hello)[0] == 0x01);
}
