// libFuzzer target: a whole zt::Node under attack by a peer and a root that hold real keys.
// The input is a script of packets; the harness armors each one with the sender's key so the
// fuzzer gets past the MAC into every verb handler (OK with in-re ids the node really sent,
// WHOIS, RENDEZVOUS, PUSH_DIRECT_PATHS, FRAME, EXT_FRAME, MULTICAST_FRAME, world updates in
// OK(HELLO)) and the timers. A crash, a sanitizer report or a frame delivered to a network
// the node never joined traps. Each input gets a fresh node.
//
// Script record: <[1] control> <[2] length L, little-endian> <[L] verb byte + payload>
//   control bits 0-1: sender (0 peer, 1 root, 2 peer relayed with hops 1, 3 raw datagram)
//            bits 2-3: cipher (0 suite 0, 1 suite 1, 2 suite 3, 3 suite 1)
//            bit 4:    bytes 1..8 of the payload become the id of the last packet the node
//                      sent to that sender (so OK and ERROR match a request)
//            bit 5:    one second passes and the node's timers run afterwards
//            bit 6:    the packet is sent as a fragmented one: head now, tail in the next record
//            bit 7:    the packet is addressed to the other sender, not to the node (relaying)
// The first record's bit 7 also makes the node a root (relay, RENDEZVOUS, WHOIS answers).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/node/node.hpp"
#include "core/rng.hpp"
#include "core/wire/fragment.hpp"
#include "core/wire/packet.hpp"
#include "core/world/world.hpp"

using namespace zt;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

Identity load(const char* node) {
    std::ifstream in(std::string(ZT_VECTORS_DIR) + "/captures/nodes/" + node + "/identity.secret");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto id = Identity::from_string(text);
    require(id && id->has_secret());
    return *id;
}

constexpr NetworkId kNet{0xc41b8868ac000001ULL};

struct Fixture {
    Identity self = load("a"), peer = load("b"), root = load("root");
    SymmetricKey peer_key, root_key;
    std::optional<crypto::AesGmacSiv> peer_aes, root_aes;
    World planet;
    Endpoint self_ep = Endpoint::v4({10, 0, 0, 1}, 9993), peer_ep = Endpoint::v4({10, 0, 0, 2}, 9993),
             root_ep = Endpoint::v4({10, 0, 0, 3}, 9993);

    Fixture() {
        peer_key = *peer.agree(self);
        root_key = *root.agree(self);
        peer_aes = crypto::AesGmacSiv::from_peer_key(peer_key);
        root_aes = crypto::AesGmacSiv::from_peer_key(root_key);
        SeededRng rng(7);
        std::array<uint8_t, 64> s{};
        rng.fill(s);
        crypto::C25519Secret secret{std::span<const uint8_t, 64>(s)};
        auto w = World::sign(World::Type::planet, 0x7a747266, 1000, {World::Root{root.public_only(), {root_ep}}},
                             crypto::c25519_public_from_secret(secret), secret);
        require(w.has_value());
        planet = *w;
    }
};

class FuzzHost final : public Host {
public:
    std::map<Address, uint64_t> last_sent;
    void send_udp(LocalSocket, const Endpoint&, std::span<const uint8_t> d, int) override {
        if (wire::classify_datagram(d) != wire::DatagramKind::head) return;
        if (auto h = wire::PacketHeader::parse(d)) last_sent[h->dest] = h->packet_id;
    }
    void deliver_frame(NetworkId nwid, const Frame& f) override {
        require(nwid == kNet);
        require(f.payload.size() <= kMaxPacketLength);
    }
    void on_event(const Event&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Fixture fx;
    static wire::PacketBuf pkt;
    FuzzHost host;
    SeededRng rng(1);
    Ticks now = 1000000;
    Node node(host, rng, fx.self, now);
    if (size > 0 && (data[0] & 0x80)) node.set_root_role(true);
    node.set_planet(fx.planet);
    node.add_static_peer(fx.peer.public_only(), fx.peer_ep);
    node.join_static(kNet, 2800);
    node.on_timer(now);

    uint64_t packet_id = 0x1000;
    std::vector<uint8_t> pending_tail;  // the fragment that follows a head (bit 6)
    Endpoint pending_from;
    size_t pos = 0;
    while (pos + 3 <= size) {
        const uint8_t control = data[pos];
        size_t len = size_t(data[pos + 1]) | size_t(data[pos + 2]) << 8;
        pos += 3;
        len = std::min(len, size - pos);
        std::span<const uint8_t> body(data + pos, len);
        pos += len;

        const unsigned sender = control & 3;
        const bool is_root = sender == 1;
        const Endpoint& from = is_root ? fx.root_ep : fx.peer_ep;
        if (sender == 3) {
            node.on_udp(now, 0, fx.peer_ep, body);
        } else if (!body.empty() && kPacketIdxVerb + body.size() <= kMaxPacketLength) {
            const Identity& src = is_root ? fx.root : fx.peer;
            wire::PacketHeader h;
            h.packet_id = ++packet_id;
            h.dest = (control & 0x80) ? (is_root ? fx.peer.address() : fx.root.address()) : fx.self.address();
            h.source = src.address();
            h.verb_byte = body[0];
            const bool split = (control & 0x40) && body.size() > 2;
            h.set_fragmented(split);
            Writer w(std::span<uint8_t>(pkt.b.data(), pkt.b.size()));
            h.serialize(w);
            w.bytes(body.subspan(1));
            const size_t n = w.size();
            std::span<uint8_t> p(pkt.b.data(), n);
            if ((control & 0x10) && n >= kPacketIdxPayload + 9) {
                uint64_t id = host.last_sent[src.address()];
                for (int i = 0; i < 8; ++i) p[kPacketIdxPayload + 1 + i] = uint8_t(id >> (56 - 8 * i));
            }
            const Cipher ciphers[4] = {Cipher::poly1305_none, Cipher::poly1305_salsa2012, Cipher::aes_gmac_siv,
                                       Cipher::poly1305_salsa2012};
            const Cipher c = ciphers[(control >> 2) & 3];
            auto* aes = is_root ? &*fx.root_aes : &*fx.peer_aes;
            if (!wire::armor(p, is_root ? fx.root_key : fx.peer_key, c, aes)) continue;
            if (sender == 2) p[kPacketIdxFlags] = uint8_t(p[kPacketIdxFlags] | 1);  // hops 1
            if (split) {
                // Head now, the rest as fragment 1 of 2 after this record.
                const size_t cut = kPacketIdxPayload + (n - kPacketIdxPayload) / 2;
                node.on_udp(now, 0, from, p.first(cut));
                pending_tail.assign(16, 0);
                std::memcpy(pending_tail.data(), p.data(), 8);  // packet id
                pending_tail[8] = uint8_t(h.dest.value() >> 32);
                for (int i = 0; i < 4; ++i) pending_tail[9 + i] = uint8_t(h.dest.value() >> (24 - 8 * i));
                pending_tail[13] = kFragmentIndicator;
                pending_tail[14] = uint8_t(2 << 4 | 1);  // total 2, number 1
                pending_tail[15] = 0;                    // hops
                pending_tail.insert(pending_tail.end(), p.begin() + cut, p.end());
                pending_from = from;
                continue;
            }
            node.on_udp(now, 0, from, p);
        }
        if (!pending_tail.empty()) {
            node.on_udp(now, 0, pending_from, pending_tail);
            pending_tail.clear();
        }
        if (control & 0x20) {
            now += 1000;
            node.on_timer(now);
        }
    }
    node.on_timer(now + 60000);
    (void)node.peers();
    (void)node.stats();
    return 0;
}
