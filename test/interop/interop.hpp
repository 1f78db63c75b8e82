// Interoperability with ZeroTier One 1.14.1, proven against its recorded packets: a zt::Node
// holding one of the captured identities is fed datagrams exactly as they crossed the wire
// in captures/01-bringup.pcap, and what it sends is opened with keys derived from the other
// captured identities (the ZeroTier One side) and compared with what ZeroTier One sent in
// the same situation. Helpers: the captured identities, planet and datagrams, a recording
// Host, and an independent "how ZeroTier One reads it" opener.
#pragma once

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "../wire/pcap_reader.hpp"
#include "core/bytes.hpp"
#include "core/crypto/aes_gmac_siv.hpp"
#include "core/identity.hpp"
#include "core/node/node.hpp"
#include "core/rng.hpp"
#include "core/vl1/hello.hpp"
#include "core/wire/packet.hpp"
#include "core/world/world.hpp"
#include "json.hpp"

namespace interop {

using zt::Bytes;

// The four ZeroTier One 1.14.1 nodes of the captures (captures/README.md).
inline zt::Identity captured_identity(const std::string& node) {
    auto text = ztest::read_file(ztest::vector_path("captures/nodes/" + node + "/identity.secret"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto id = zt::Identity::from_string(text);
    REQUIRE(id);
    REQUIRE(id->has_secret());
    return *id;
}

inline const zt::Identity& root_id() { static const auto id = captured_identity("root"); return id; }
inline const zt::Identity& ctl_id() { static const auto id = captured_identity("ctl"); return id; }
inline const zt::Identity& a_id() { static const auto id = captured_identity("a"); return id; }
inline const zt::Identity& b_id() { static const auto id = captured_identity("b"); return id; }

// Physical endpoints of the capture network.
inline zt::Endpoint phys(uint8_t last) { return zt::Endpoint::v4({10, 99, 0, last}, 9993); }
inline const zt::Endpoint kRootPhys = phys(1), kCtlPhys = phys(2), kAPhys = phys(11), kBPhys = phys(12);

inline const zt::World& captured_planet() {
    static const zt::World w = [] {
        auto bytes = ztest::read_file(ztest::vector_path("captures/planet"));
        auto p = zt::World::parse(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
        REQUIRE(p);
        return *p;
    }();
    return w;
}

inline std::vector<zt::RootSpec> planet_roots() {
    std::vector<zt::RootSpec> out;
    for (const auto& r : captured_planet().roots) {
        zt::RootSpec s{r.identity, {}};
        for (const auto& e : r.stable_endpoints)
            if (!e.is_nil()) s.endpoints.push_back(e);
        out.push_back(std::move(s));
    }
    return out;
}

// Datagram #n of 01-bringup.pcap, numbered as in 01-bringup.decoded.txt (from 1).
inline const ztest::UdpDatagram& bringup(size_t n) {
    static const auto all = ztest::read_pcap_udp(ztest::vector_path("captures/01-bringup.pcap"));
    REQUIRE(all.size() == 115);
    REQUIRE(n >= 1);
    REQUIRE(n <= all.size());
    return all[n - 1];
}

// The key ZeroTier One computes between two of the captured nodes, from the side of `me`.
inline zt::SymmetricKey key_between(const zt::Identity& me, const zt::Identity& other) {
    auto k = me.agree(other.public_only());
    REQUIRE(k);
    return std::move(*k);
}

struct Sent {
    zt::Endpoint to;
    Bytes bytes;
    int ttl = 0;
};

class RecordingHost final : public zt::Host {
public:
    void send_udp(zt::LocalSocket, const zt::Endpoint& to, std::span<const uint8_t> d, int ttl) override {
        sent.push_back({to, Bytes(d.begin(), d.end()), ttl});
    }
    void deliver_frame(zt::NetworkId, const zt::Frame&) override { ++frames; }
    void on_event(const zt::Event& ev) override { events.push_back(ev); }

    size_t count(zt::Event::Kind k) const {
        size_t n = 0;
        for (const auto& e : events) n += e.kind == k;
        return n;
    }
    uint64_t dropped(zt::Drop d) const {
        uint64_t n = 0;
        for (const auto& e : events) n += e.kind == zt::Event::Kind::packet_dropped && e.drop == d;
        return n;
    }
    // Takes what was sent so far.
    std::vector<Sent> take() {
        std::vector<Sent> out;
        out.swap(sent);
        return out;
    }

    std::vector<Sent> sent;
    std::vector<zt::Event> events;
    size_t frames = 0;
};

// A Node with one of the captured identities, on a recording host, at a manual clock.
struct TestNode {
    RecordingHost host;
    zt::SeededRng rng;
    zt::Node node;
    zt::Ticks now = 1000000;

    TestNode(const zt::Identity& id, uint64_t seed) : rng(seed), node(host, rng, id, 1000000) {}
    void receive(const ztest::UdpDatagram& d) { node.on_udp(now, 0, d.from, d.payload); }
    void receive(const zt::Endpoint& from, std::span<const uint8_t> bytes) { node.on_udp(now, 0, from, bytes); }
};

// Header fields read straight from the bytes (spec §3.1), as ZeroTier One's Packet does.
struct WireHeader {
    uint64_t packet_id;
    uint64_t dest, source;
    uint8_t flags;
    int cipher() const { return (flags >> 3) & 7; }
    int hops() const { return flags & 7; }
};

inline uint64_t be(std::span<const uint8_t> b) {
    uint64_t v = 0;
    for (uint8_t x : b) v = (v << 8) | x;
    return v;
}

inline WireHeader header_of(const Bytes& p) {
    REQUIRE(p.size() >= 28);
    return WireHeader{be({p.data(), 8}), be({p.data() + 8, 5}), be({p.data() + 13, 5}), p[18]};
}

// Opens a packet as its receiver does (§4.7 steps 6-7, §4.5): authenticate with `key`
// (suites 0, 1, 3), decrypt, undo the HELLO cryptField, decompress. Returns the verb byte
// and payload; nullopt if it does not authenticate.
inline std::optional<Bytes> open_as_receiver(Bytes pkt, const zt::SymmetricKey& key) {
    auto aes = zt::crypto::AesGmacSiv::from_peer_key(key);
    REQUIRE(aes);
    auto r = zt::wire::dearmor(pkt, key, &*aes);
    if (!r) return std::nullopt;
    if (*r == zt::Cipher::poly1305_none && (pkt[27] & 0x1f) == 0x01) zt::vl1::Hello::apply_crypt_field(pkt, key);
    zt::wire::PacketBuf scratch;
    auto plain = zt::wire::decompress(pkt, scratch);
    if (!plain) return std::nullopt;
    return Bytes(plain->begin() + 27, plain->end());
}

// Builds the packet a ZeroTier One peer would send: header + plaintext (verb byte and
// payload), armored with `cipher` and `key`. `packet_id` is the IV (suite 3 replaces it).
inline Bytes armor_as_peer(uint64_t packet_id, const zt::Identity& to, const zt::Identity& from, zt::Cipher cipher,
                           std::span<const uint8_t> plaintext, const zt::SymmetricKey& key) {
    Bytes p(27);
    for (int i = 0; i < 8; ++i) p[size_t(i)] = uint8_t(packet_id >> (56 - 8 * i));
    for (int i = 0; i < 5; ++i) p[size_t(8 + i)] = uint8_t(to.address().value() >> (32 - 8 * i));
    for (int i = 0; i < 5; ++i) p[size_t(13 + i)] = uint8_t(from.address().value() >> (32 - 8 * i));
    p.insert(p.end(), plaintext.begin(), plaintext.end());
    auto aes = zt::crypto::AesGmacSiv::from_peer_key(key);
    REQUIRE(aes);
    REQUIRE(zt::wire::armor(p, key, cipher, &*aes));
    return p;
}

inline Bytes hex(const std::string& s) {
    auto b = zt::from_hex(s);
    REQUIRE(b);
    return *b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string hex_of(std::span<const uint8_t> b) { return zt::to_hex(b); }

}  // namespace interop
