// Our node as the captured planet root (29399142c4), fed what ZeroTier One 1.14.1 leaves
// sent it in captures/01-bringup.pcap: it must answer as the ZeroTier One root did, in
// bytes ZeroTier One accepts (opened here with keys derived from the leaves' identities).
#include "interop.hpp"

using namespace interop;
using zt::Bytes;

namespace {

struct Root : TestNode {
    Root() : TestNode(root_id(), 7) {
        node.set_planet(captured_planet().id, captured_planet().timestamp_ms, planet_roots());
        node.set_root_role(true);
    }
};

struct Leaf {
    const char* name;
    const zt::Identity& (*id)();
    zt::Endpoint phys;
    size_t hello;     // its HELLO that the ZeroTier One root answered
    size_t ok_hello;  // the root's OK(HELLO)
    size_t root_hello;  // the root's own HELLO to it
};

const Leaf kLeaves[] = {
    {"ctl", ctl_id, kCtlPhys, 1, 2, 3},
    {"a", a_id, kAPhys, 9, 10, 11},
    {"b", b_id, kBPhys, 54, 55, 56},
};

// Bytes of two HELLOs from the same sender to the same receiver that must match: all but the
// packet id (0..7), MAC (19..26), timestamp (33..40) and the cryptField (the last 2 bytes,
// encrypted with a nonce from the packet id).
void check_same_hello_layout(const Bytes& ours, const Bytes& theirs) {
    REQUIRE(ours.size() == theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) {
        bool varies = i < 8 || (i >= 19 && i < 27) || (i >= 33 && i < 41) || i >= ours.size() - 2;
        if (!varies) {
            INFO("byte " << i);
            CHECK(ours[i] == theirs[i]);
        }
    }
}

// The OK(HELLO) and HELLO the root sends after a leaf's first HELLO (spec §5.2, §10 (a) 3-4).
void check_answer_to_hello(Root& r, const Leaf& leaf) {
    const auto& hello = bringup(leaf.hello);
    REQUIRE(hello.from == leaf.phys);
    REQUIRE(hello.payload.size() == 137);
    r.receive(hello);
    auto sent = r.host.take();
    REQUIRE(sent.size() == 2);

    // ZeroTier One's side: the leaf derives the key from its own secret and the root's identity.
    const auto key = key_between(leaf.id(), root_id());

    // 1. OK(HELLO), to the physical address the HELLO came from, with cipher suite 1 (the
    //    root did not know the leaf's version before this HELLO), 59 bytes like ZeroTier One's.
    const Sent& ok = sent[0];
    CHECK(ok.to == leaf.phys);
    const Bytes& captured_ok = bringup(leaf.ok_hello).payload;
    REQUIRE(ok.bytes.size() == captured_ok.size());
    auto h = header_of(ok.bytes);
    CHECK(h.dest == leaf.id().address().value());
    CHECK(h.source == root_id().address().value());
    CHECK(h.flags == 0x88);  // cipher 1 + the legacy "encrypted" bit, hops 0 (as captured)
    CHECK(h.flags == captured_ok[18]);
    auto plain = open_as_receiver(ok.bytes, key);
    REQUIRE(plain);
    // verb OK | in-re HELLO | in-re packet id = the HELLO's | echoed timestamp | our protocol
    // and software version (12, 1.14.1) | the HELLO's source 10.99.0.x/9993 | no world update
    const Bytes expect = cat({Bytes{0x03, 0x01}, Bytes(hello.payload.begin(), hello.payload.begin() + 8),
                              Bytes(hello.payload.begin() + 28 + 5, hello.payload.begin() + 28 + 13), hex("0c010e0001"),
                              Bytes{0x04, 10, 99, 0, leaf.phys.ip[3], 0x27, 0x09}, Bytes{0, 0}});
    CHECK(hex_of(*plain) == hex_of(expect));
    // ... which is exactly what the ZeroTier One root answered to that HELLO.
    auto theirs = open_as_receiver(captured_ok, key);
    REQUIRE(theirs);
    CHECK(hex_of(*plain) == hex_of(*theirs));

    // 2. Its own HELLO to the same address, to confirm the path (§5.2, §7.5).
    const Sent& back = sent[1];
    CHECK(back.to == leaf.phys);
    const Bytes& captured_back = bringup(leaf.root_hello).payload;
    REQUIRE(back.bytes.size() == 137);
    check_same_hello_layout(back.bytes, captured_back);
    auto bh = header_of(back.bytes);
    CHECK(bh.flags == 0x00);
    auto bplain = open_as_receiver(back.bytes, key);
    REQUIRE(bplain);
    auto parsed = zt::vl1::Hello::parse(std::span<const uint8_t>(*bplain).subspan(1));
    REQUIRE(parsed);
    CHECK(parsed->identity == root_id().public_only());
    REQUIRE(parsed->destination);
    CHECK(parsed->destination->endpoint == leaf.phys);
    REQUIRE(parsed->planet);
    CHECK(parsed->planet->id == 0x7a747266);
    CHECK(parsed->planet->timestamp_ms == 1732464000000ULL);
    CHECK(parsed->moon_count == 0);
}

}  // namespace

TEST_CASE("interop: root answers the captured first HELLO of each ZeroTier One leaf", "[interop]") {
    for (const auto& leaf : kLeaves) {
        DYNAMIC_SECTION("leaf " << leaf.name) {
            Root r;
            check_answer_to_hello(r, leaf);
            CHECK(r.node.stats().dropped_total() == 0);
            CHECK(r.host.count(zt::Event::Kind::peer_added) == 1);
        }
    }
}

TEST_CASE("interop: root answers a captured WHOIS with exactly the asked identity, first", "[interop]") {
    Root r;
    check_answer_to_hello(r, kLeaves[0]);  // the controller
    r.now += 3000;                         // identity work is rate limited per source IP
    check_answer_to_hello(r, kLeaves[1]);  // member A

    // #13: A asks the root (AES-GMAC-SIV, suite 3) who c41b8868ac (the controller) is.
    const auto& whois = bringup(13);
    REQUIRE(whois.from == kAPhys);
    REQUIRE(header_of(whois.payload).cipher() == 3);
    r.receive(whois);
    auto sent = r.host.take();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].to == kAPhys);
    const Bytes& captured = bringup(14).payload;  // the ZeroTier One root's OK(WHOIS)
    CHECK(sent[0].bytes.size() == captured.size());  // 108
    auto h = header_of(sent[0].bytes);
    CHECK(h.cipher() == 3);  // A told us protocol 12 in its HELLO
    CHECK(h.flags == 0x18);
    const auto key = key_between(a_id(), root_id());
    auto plain = open_as_receiver(sent[0].bytes, key);
    REQUIRE(plain);
    // OK | WHOIS | in-re = the WHOIS's wire packet id | the controller's identity (71 bytes)
    REQUIRE(plain->size() == 1 + 1 + 8 + 71);
    CHECK((*plain)[0] == 0x03);
    CHECK((*plain)[1] == 0x04);
    CHECK(hex_of({plain->data() + 2, 8}) == hex_of({whois.payload.data(), 8}));
    zt::Reader rd(std::span<const uint8_t>(*plain).subspan(10));
    auto id = zt::Identity::parse(rd);
    REQUIRE(id);
    CHECK(*id == ctl_id().public_only());
    auto theirs = open_as_receiver(captured, key);
    REQUIRE(theirs);
    CHECK(hex_of(*plain) == hex_of(*theirs));
}

TEST_CASE("interop: root relays a captured member->controller packet byte for byte, hops + 1", "[interop]") {
    Root r;
    // Both leaves say HELLO; the root HELLOs back; each answers with OK(HELLO) as ZeroTier One
    // does (the captured reply with our HELLO's packet id and timestamp, suite 3): paths confirmed.
    struct Side {
        const Leaf& leaf;
        size_t captured_ok;  // the leaf's OK(HELLO) to the ZeroTier One root's HELLO
    };
    for (const Side& s : {Side{kLeaves[0], 4}, Side{kLeaves[1], 12}}) {
        const auto& hello = bringup(s.leaf.hello);
        r.receive(hello);
        auto sent = r.host.take();
        REQUIRE(sent.size() == 2);
        const Bytes& our_hello = sent[1].bytes;
        const auto key = key_between(s.leaf.id(), root_id());
        auto their_ok = open_as_receiver(bringup(s.captured_ok).payload, key);
        REQUIRE(their_ok);
        REQUIRE((*their_ok)[0] == 0x03);
        REQUIRE((*their_ok)[1] == 0x01);
        Bytes ok = *their_ok;
        std::copy(our_hello.begin(), our_hello.begin() + 8, ok.begin() + 2);             // in-re packet id
        std::copy(our_hello.begin() + 33, our_hello.begin() + 41, ok.begin() + 10);     // echoed timestamp
        r.receive(s.leaf.phys, armor_as_peer(0x1122334455667700ULL + s.captured_ok, root_id(), s.leaf.id(),
                                             zt::Cipher::aes_gmac_siv, ok, key));
        CHECK(r.host.take().empty());
        r.now += 3000;
    }
    REQUIRE(r.host.count(zt::Event::Kind::path_confirmed) == 2);
    CHECK(r.node.stats().dropped_total() == 0);

    // #18: A's NETWORK_CONFIG_REQUEST to the controller, sent to the root (hops 0).
    const auto& req = bringup(18);
    REQUIRE(req.from == kAPhys);
    REQUIRE(req.to == kRootPhys);
    r.receive(req);
    auto sent = r.host.take();
    REQUIRE(sent.size() == 3);
    // Relayed to the controller's path: the bytes of #19, what the ZeroTier One root sent.
    CHECK(sent[0].to == kCtlPhys);
    CHECK(hex_of(sent[0].bytes) == hex_of(bringup(19).payload));
    Bytes expect = req.payload;
    expect[18] = uint8_t(expect[18] + 1);
    CHECK(sent[0].bytes == expect);
    CHECK(r.node.stats().relayed == 1);

    // And the two RENDEZVOUS (#20 to the controller, #21 to A), same payloads.
    bool to_ctl = false, to_a = false;
    for (size_t i = 1; i < 3; ++i) {
        const bool ctl = sent[i].to == kCtlPhys;
        const auto key = key_between(ctl ? ctl_id() : a_id(), root_id());
        auto plain = open_as_receiver(sent[i].bytes, key);
        REQUIRE(plain);
        auto theirs = open_as_receiver(bringup(ctl ? 20 : 21).payload, key);
        REQUIRE(theirs);
        CHECK(hex_of(*plain) == hex_of(*theirs));
        CHECK(header_of(sent[i].bytes).cipher() == 3);
        (ctl ? to_ctl : to_a) = true;
    }
    CHECK(to_ctl);
    CHECK(to_a);
}

TEST_CASE("interop: root and a protocol-12 leaf speak AES-GMAC-SIV after the HELLO exchange", "[interop]") {
    Root r;
    const auto& hello = bringup(1);
    r.receive(hello);
    auto sent = r.host.take();
    REQUIRE(sent.size() == 2);
    const auto key = key_between(ctl_id(), root_id());  // the controller's side
    auto aes = zt::crypto::AesGmacSiv::from_peer_key(key);
    REQUIRE(aes);

    // The controller's OK(HELLO) to our HELLO, suite 3 as ZeroTier One sent it (#4, with our
    // HELLO's packet id and timestamp): authenticated and accepted, the path is confirmed.
    auto their_ok = open_as_receiver(bringup(4).payload, key);
    REQUIRE(their_ok);
    std::copy(sent[1].bytes.begin(), sent[1].bytes.begin() + 8, their_ok->begin() + 2);
    std::copy(sent[1].bytes.begin() + 33, sent[1].bytes.begin() + 41, their_ok->begin() + 10);
    r.now += 5;
    r.receive(kCtlPhys, armor_as_peer(0x42, root_id(), ctl_id(), zt::Cipher::aes_gmac_siv, *their_ok, key));
    CHECK(r.host.count(zt::Event::Kind::path_confirmed) == 1);
    CHECK(r.node.stats().dropped_total() == 0);

    // #7: ZeroTier One's root keepalive, WHOIS(29399142c4), suite 3. Our OK(WHOIS) carries our
    // own identity, in suite 3, and opens with the controller's AES-GMAC-SIV keys to exactly
    // what the ZeroTier One root answered (#8).
    r.receive(bringup(7));
    sent = r.host.take();
    REQUIRE(sent.size() == 1);
    Bytes ok = sent[0].bytes;
    CHECK(sent[0].to == kCtlPhys);
    CHECK(ok.size() == bringup(8).payload.size());
    CHECK(ok[18] == 0x18);
    REQUIRE(aes->open_packet(ok));
    auto theirs = open_as_receiver(bringup(8).payload, key);
    REQUIRE(theirs);
    CHECK(hex_of({ok.data() + 27, ok.size() - 27}) == hex_of(*theirs));
    // The same packet replayed is dropped and counted, not answered twice.
    r.receive(bringup(7));
    CHECK(r.host.take().empty());
    CHECK(r.host.dropped(zt::Drop::replay) == 1);
}
