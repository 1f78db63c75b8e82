// libFuzzer target: a whole zt::Node on a private network (spec §8, §9) under attack by its
// controller, a member and a root that hold real keys (fuzz_vl2_world.hpp). The node joins kNet
// and first gets a configuration signed by the controller, so the membership gate, credential
// checks, multicast, the rules engine and NDP emulation are live; it may also be the controller
// of its own network (a scripted NetworkController answers). Each input gets a fresh node.
// Traps: a crash or sanitizer report; a frame delivered on a network the node is not in, or to
// another unicast MAC; a frame on a private network from anyone but b, or from b before any
// packet carried b's COM (§8.7); a configuration the harness never signed for the node accepted
// (forged, issued to b, or for another network).
//
// Input: <[1] setup> { <[1] op> <[2] length L, little-endian> <[L] body> }*
//   setup 0x01 the node controls kOwn (joins it, answers requests)   0x02 root role
//         0x04 no initial configuration   0x08 configuration B first   0x10 x is a known peer
//         0x20 b pushes its credentials first   0x40 the stack listens to IPv6 groups
//         0x80 the initial configuration comes from the cache (restore_network_config)
//   op bits 0-2: 0 ctl, 1 b, 2 root, 3 x send a packet: body = <verb byte> <payload>; verb bit
//                0x20 splices a blob: <verb|0x20> <[1] blob> <[1] offset> <payload>, the blob
//                (fuzz_vl2_world.hpp Blob) inserted at that payload offset; blob bit 0x80 first
//                XORs one of its bytes: <[2] position, LE> <[1] mask> before the payload
//                  bits 3-4 cipher (suite 0, 1, 3, 1)   bit 5 payload bytes 1..8 become the id
//                  of the last packet the node sent that sender with the verb in payload byte 0
//                  bit 6 fragmented (head now, tail after the next record)   bit 7 hops 1
//            4    a frame from the local stack (on_frame), see local_frame()
//            5    a call of the public API, see api()
//            6    time passes and the timers run, see advance()
//            7    a raw datagram from b's endpoint
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/wire/packet.hpp"
#include "fuzz_vl2_host.hpp"
#include "fuzz_vl2_world.hpp"

using namespace zt;
using namespace zfuzz::vl2world;
using zfuzz::require;

namespace {

constexpr size_t kMaxRecords = 256;
constexpr uint8_t kSpliceFlag = 0x20;
constexpr uint16_t kEtherIpv4 = 0x0800, kEtherArp = 0x0806, kEtherIpv6 = 0x86dd;
constexpr NetworkId kStatic{kNet.value + 7};  // a network without a controller (join_static)

class Run {
public:
    Run(const Fixture& fx, uint8_t setup)
        : fx_(fx), host_(fx), node_(host_, rng_, fx.self, now_), controller_(node_, fx) {
        host_.now = now_;
        host_.node = &node_;
        if (setup & 0x02) node_.set_root_role(true);
        node_.set_planet(fx.planet);
        node_.add_static_peer(fx.ctl.id.public_only(), fx.ctl.ep);
        node_.add_static_peer(fx.b.id.public_only(), fx.b.ep);
        if (setup & 0x10) node_.add_static_peer(fx.x.id.public_only(), fx.x.ep);
        join(kNet);
        if (setup & 0x01) {
            node_.set_network_controller(&controller_);
            join(fx.own_net);
        }
        node_.on_timer(now_);
        const Blob first = (setup & 0x08) ? chunk_config_b : chunk_config_a;
        if (setup & 0x80) {
            node_.restore_network_config(now_, kNet, (setup & 0x08) ? fx.dict_b : fx.dict_a);
        } else if (!(setup & 0x04)) {
            // OK(NETWORK_CONFIG_REQUEST) <in-re id> <chunk> from the controller (§8.4).
            Bytes ok{uint8_t(Verb::network_config_request), 0, 0, 0, 0, 0, 0, 0, 0};
            ok.insert(ok.end(), fx.blobs[first].begin(), fx.blobs[first].end());
            send(fx.ctl, uint8_t(Verb::ok), ok, 0x08 | 0x20);
        }
        if (setup & 0x20) {
            host_.b_com_seen.insert(kNet.value);
            send(fx.b, uint8_t(Verb::network_credentials), fx.blobs[creds_b], 0x08);
        }
        if (setup & 0x40) {
            const Ipv6 mine = rfc4193_address(kNet, fx.self.address());
            node_.set_stack_groups(now_, kNet, {Mac(0x333300000001ULL), Mac(0x3333ff000000ULL | uint64_t(mine[13]) << 16 |
                                                                            uint64_t(mine[14]) << 8 | mine[15])});
        }
    }

    void record(uint8_t op, std::span<const uint8_t> body) {
        revocation_of_b_ = false;
        host_.revoked_now.clear();
        switch (op & 7) {
        case 0: case 1: case 2: case 3: packet(op, body); break;
        case 4: local_frame(body); break;
        case 5: api(body); break;
        case 6: advance(body); break;
        default: node_.on_udp(now_, 0, fx_.b.ep, body); break;
        }
        if (!tail_.empty()) {
            node_.on_udp(now_, 0, tail_from_, tail_);
            tail_.clear();
        }
        // b's COM revoked (not its tag or capability): it must never pass that gate again.
        if (revocation_of_b_)
            host_.b_revoked.insert(host_.revoked_now.begin(), host_.revoked_now.end());
        check();
    }

    void finish() {
        now_ += 60000;
        host_.now = now_;
        node_.on_timer(now_);
        for (const auto& s : node_.networks()) require(host_.joined.count(s.nwid.value) == 1);
        (void)node_.network_config_blob(kNet);
        (void)node_.peers();
        (void)node_.stats();
    }

private:
    // Only configurations the harness signed for the node are accepted (unless a record restored
    // a Dictionary of its own making from the cache, which is trusted): kNet revisions 1-4, the
    // node's own revision 1 on kOwn, nothing on x's network.
    void check() const {
        if (restored_) return;
        for (const auto& s : node_.networks()) {
            if (s.is_static) continue;
            if (s.nwid == fx_.x_net) require(s.revision == 0 && s.state != NetworkState::ok);
            require(s.revision <= (s.nwid == kNet ? 4u : 1u));
        }
    }

    void join(NetworkId nwid) {
        host_.joined.insert(nwid.value);
        node_.join(now_, nwid);
    }
    // kNet, kOwn, a static network and x's network (these two joined only through api()).
    NetworkId pick_net(uint8_t sel) const {
        const NetworkId nets[4] = {kNet, fx_.own_net, kStatic, fx_.x_net};
        return nets[sel & 3];
    }

    // A packet from one of the parties: the splice and the in-re id applied, then armored.
    void packet(uint8_t op, std::span<const uint8_t> body) {
        const Party* parties[] = {&fx_.ctl, &fx_.b, &fx_.root, &fx_.x};
        const Party& from = *parties[op & 3];
        if (body.empty()) return;
        uint8_t verb = body[0];
        std::span<const uint8_t> rest = body.subspan(1);
        payload_.clear();
        if (verb & kSpliceFlag) {
            verb = uint8_t(verb & ~kSpliceFlag);
            if (rest.size() < 2) return;
            const uint8_t which = rest[0];
            size_t at = rest[1];
            rest = rest.subspan(2);
            const Blob blob = Blob((which & 0x1f) % kBlobCount);
            blob_ = fx_.blobs[blob];
            if (blob == creds_b || blob == com_b || blob == gather_with_com) host_.b_com_seen.insert(kNet.value);
            if (blob == own_creds_b) host_.b_com_seen.insert(fx_.own_net.value);
            revocation_of_b_ = blob == creds_rev_b_com || blob == rev_b_com;
            if ((which & 0x80) && rest.size() >= 3) {  // a corrupted credential, chunk, ...
                blob_[size_t(rest[0] | rest[1] << 8) % blob_.size()] ^= rest[2] ? rest[2] : 1;
                rest = rest.subspan(3);
            }
            at = std::min(at, rest.size());
            payload_.assign(rest.begin(), rest.begin() + ptrdiff_t(at));
            payload_.insert(payload_.end(), blob_.begin(), blob_.end());
            payload_.insert(payload_.end(), rest.begin() + ptrdiff_t(at), rest.end());
        } else {
            payload_.assign(rest.begin(), rest.end());
        }
        send(from, verb, payload_, op);
    }

    // Armors <verb> <payload> from `from` to the node; `op` bits as in a packet record.
    void send(const Party& from, uint8_t verb, std::span<const uint8_t> payload, uint8_t op) {
        if (kPacketIdxPayload + payload.size() > kMaxPacketLength) return;
        wire::PacketHeader h;
        h.packet_id = ++packet_id_;
        h.dest = fx_.self.address();
        h.source = from.id.address();
        h.verb_byte = verb;
        const bool split = (op & 0x40) && !payload.empty();
        h.set_fragmented(split);
        Writer w(std::span<uint8_t>(pkt_.b.data(), pkt_.b.size()));
        h.serialize(w);
        w.bytes(payload);
        if (!w.ok()) return;
        const size_t n = w.size();
        std::span<uint8_t> p(pkt_.b.data(), n);
        if ((op & 0x20) && payload.size() >= 9) {
            const uint64_t id = host_.in_re(from.id.address(), payload[0]);
            for (int i = 0; i < 8; ++i) p[kPacketIdxPayload + 1 + size_t(i)] = uint8_t(id >> (56 - 8 * i));
        }
        static constexpr Cipher kCiphers[4] = {Cipher::poly1305_none, Cipher::poly1305_salsa2012, Cipher::aes_gmac_siv,
                                               Cipher::poly1305_salsa2012};
        if (!wire::armor(p, from.key, kCiphers[(op >> 3) & 3], from.aes ? &*from.aes : nullptr)) return;
        if (op & 0x80) p[kPacketIdxFlags] = uint8_t(p[kPacketIdxFlags] | 1);  // hops 1
        if (!split) return node_.on_udp(now_, 0, from.ep, p);
        // The head now; the rest as fragment 1 of 2 after this record (§3.3).
        const size_t cut = kPacketIdxPayload + (n - kPacketIdxPayload) / 2;
        node_.on_udp(now_, 0, from.ep, p.first(cut));
        tail_.assign(p.begin(), p.begin() + 13);  // packet id, destination
        tail_.insert(tail_.end(), {kFragmentIndicator, uint8_t(2 << 4 | 1), 0});
        tail_.insert(tail_.end(), p.begin() + ptrdiff_t(cut), p.end());
        tail_from_ = from.ep;
    }

    // A frame from the local stack: <[1] kind> <[1] offset> <bytes written over the template
    // from that offset>. kind bits 0-2 template (raw with ethertype by offset, ARP request for
    // b, IPv4 TCP to b :80, IPv4 UDP to b :9, IPv6 TCP to b :22, neighbour solicitation for b's
    // RFC4193 address, IPv4 UDP broadcast, IPv6 UDP to all-nodes); bits 3-4 destination MAC
    // (template, x, ctl, ours); bit 5 source MAC b's, not ours; bits 6-7 network (kNet, kOwn,
    // one never joined, kNet).
    void local_frame(std::span<const uint8_t> body) {
        if (body.size() < 2) return;
        const uint8_t kind = body[0], at = body[1];
        const std::span<const uint8_t> rest = body.subspan(2);
        const NetworkId nwid = pick_net(kind >> 6);
        const Address self = fx_.self.address(), b = fx_.b.id.address();
        const Mac ours = mac_of(self, nwid);
        const Ipv6 mine = rfc4193_address(nwid, self), theirs = rfc4193_address(nwid, b);
        Mac dst = mac_of(b, nwid);
        uint16_t ethertype = kEtherIpv4;
        frame_.clear();
        switch (kind & 7) {
        case 0: {
            static constexpr uint16_t kTypes[4] = {kEtherIpv4, kEtherArp, kEtherIpv6, 0x88cc};
            ethertype = kTypes[at & 3];
            break;
        }
        case 1: dst = Mac(0xffffffffffffULL), ethertype = kEtherArp, frame_ = arp_request(ours, 12); break;
        case 2: frame_ = ipv4(6, {10, 147, 17, 12}, 80); break;
        case 3: frame_ = ipv4(17, {10, 147, 17, 12}, 9); break;
        case 4: {
            const uint8_t tcp[20] = {0xc3, 0x50, 0, 22, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff};
            ethertype = kEtherIpv6, frame_ = ipv6(6, mine, theirs, tcp);
            break;
        }
        case 5: {
            uint8_t ns[32] = {135};
            std::copy(theirs.begin(), theirs.end(), ns + 8);
            ns[24] = 1, ns[25] = 1;
            const auto m = ours.bytes();
            std::copy(m.begin(), m.end(), ns + 26);
            Ipv6 group{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, theirs[13], theirs[14], theirs[15]};
            dst = Mac(0x3333ff000000ULL | uint64_t(theirs[13]) << 16 | uint64_t(theirs[14]) << 8 | theirs[15]);
            ethertype = kEtherIpv6, frame_ = ipv6(58, mine, group, ns);
            break;
        }
        case 6: dst = Mac(0xffffffffffffULL), frame_ = ipv4(17, {10, 147, 17, 255}, 67); break;
        default: {
            const uint8_t udp[8] = {0x22, 0x22, 0x22, 0x22, 0, 8, 0, 0};
            const Ipv6 all_nodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
            dst = Mac(0x333300000001ULL), ethertype = kEtherIpv6, frame_ = ipv6(17, mine, all_nodes, udp);
            break;
        }
        }
        const size_t from = (kind & 7) == 0 ? 0 : at;
        if (frame_.size() < from + rest.size()) frame_.resize(from + rest.size());
        std::copy(rest.begin(), rest.end(), frame_.begin() + ptrdiff_t(from));
        const Mac dsts[4] = {dst, mac_of(fx_.x.id.address(), nwid), mac_of(fx_.ctl.id.address(), nwid), ours};
        const Mac src = (kind & 0x20) ? mac_of(b, nwid) : ours;
        host_.local = true;
        node_.on_frame(now_, nwid, Frame{src, dsts[(kind >> 3) & 3], ethertype, frame_});
        host_.local = false;
    }

    // <[1] call> <[1] arg> <...>: the public API a runtime uses around the packets. Calls: leave,
    // join (join_static for the static network), set_stack_groups (MACs from the body),
    // restore_network_config (arg 0x4: the body as the Dictionary, else configuration A or B),
    // the controller's answer mode, send_revocation, a pushed config, send_network_error,
    // set_physical_mtu, status queries. arg bits 0-1 pick the network (pick_net).
    void api(std::span<const uint8_t> body) {
        if (body.empty()) return;
        const uint8_t arg = body.size() > 1 ? body[1] : 0;
        const NetworkId nwid = pick_net(arg);
        const Address b = fx_.b.id.address();
        switch (body[0] % 10) {
        case 0:  // the network's memberships go with it
            host_.joined.erase(nwid.value);
            host_.b_com_seen.erase(nwid.value);
            host_.b_revoked.erase(nwid.value);
            node_.leave(nwid);
            break;
        case 1:
            if (nwid != kStatic) {
                join(nwid);
                break;
            }
            host_.joined.insert(kStatic.value);
            node_.join_static(kStatic, uint32_t(arg) * 64, {v4(11)});
            break;
        case 2: {
            std::vector<Mac> groups{Mac(0x333300000001ULL)};
            for (size_t i = 2; i + 6 <= body.size() && groups.size() < 8; i += 6) groups.push_back(Mac::from_bytes(&body[i]));
            node_.set_stack_groups(now_, nwid, groups);
            break;
        }
        case 3:
            if (arg & 4) host_.trusted = restored_ |= node_.restore_network_config(now_, nwid, body.subspan(2));
            else node_.restore_network_config(now_, kNet, (arg & 8) ? fx_.dict_b : fx_.dict_a);
            break;
        case 4: controller_.mode = arg; break;
        case 5: {
            const Address to[4] = {b, fx_.x.id.address(), fx_.self.address(), fx_.ctl.id.address()};
            node_.send_revocation(now_, to[(arg >> 1) & 3], fx_.own_rev_b);
            revocation_of_b_ = true;
            break;
        }
        case 6: node_.send_network_config(now_, fx_.own_net, 0, (arg & 2) ? fx_.x.id.address() : b, fx_.own_b); break;
        case 7: node_.send_network_error(now_, fx_.own_net, host_.in_re(b, uint8_t(Verb::network_config_request)), b,
                                         ErrorCode(arg >> 1)); break;
        case 8: node_.set_physical_mtu(size_t(arg) * 16); break;
        default:
            (void)node_.network(nwid);
            (void)node_.online(now_);
            (void)node_.next_deadline();
            break;
        }
    }

    // <[1] step>: 10 ms, 250 ms, 1 s, 5 s, 30 s, 60 s, 600 s, or to the node's next deadline;
    // bits 3-4 repeat it up to 3 more times, running the timers after each step.
    void advance(std::span<const uint8_t> body) {
        static constexpr Ticks kSteps[8] = {10, 250, 1000, 5000, 30000, 60000, 600000, 0};
        const uint8_t b = body.empty() ? 2 : body[0];
        for (int i = 0; i <= ((b >> 3) & 3); ++i) {
            Ticks step = kSteps[b & 7];
            if (!step) step = std::clamp<Ticks>(node_.next_deadline() - now_, 1, 600000);
            now_ += step;
            host_.now = now_;
            node_.on_timer(now_);
        }
    }

    const Fixture& fx_;
    FuzzHost host_;
    SeededRng rng_{1};
    Ticks now_ = 1000000;
    Node node_;
    FuzzController controller_;
    uint64_t packet_id_ = 0x1000;
    bool restored_ = false;  // a Dictionary from the input was restored
    bool revocation_of_b_ = false;  // this record carries a revocation of b's COM
    Bytes blob_, payload_, frame_, tail_;
    Endpoint tail_from_;
    wire::PacketBuf pkt_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Fixture fx;
    if (size == 0) return 0;
    Run run(fx, data[0]);
    size_t pos = 1;
    for (size_t n = 0; n < kMaxRecords && pos + 3 <= size; ++n) {
        const uint8_t op = data[pos];
        const size_t len = std::min(size_t(data[pos + 1]) | size_t(data[pos + 2]) << 8, size - pos - 3);
        run.record(op, std::span<const uint8_t>(data + pos + 3, len));
        pos += 3 + len;
    }
    run.finish();
    return 0;
}
