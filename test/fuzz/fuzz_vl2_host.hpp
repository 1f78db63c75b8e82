// The surroundings of fuzz_node_vl2's node: the Host, which checks what is delivered (against
// what the harness knows of b's credentials) and notes the id of each packet the node sends (so a
// reply can name it), and the NetworkController the node consults when it is the controller of
// its own network (spec §9).
#pragma once

#include <map>
#include <set>
#include <utility>

#include "core/wire/fragment.hpp"
#include "core/wire/packet.hpp"
#include "fuzz_vl2_world.hpp"

namespace zfuzz::vl2world {

// Sees what the node sends: the id of its last packet per (destination, verb), read by
// dearmoring with the shared keys (fragmented packets are reassembled first).
class FuzzHost final : public Host {
public:
    explicit FuzzHost(const Fixture& fx) : fx_(fx) {}
    Ticks now = 0;
    std::set<uint64_t> joined;  // networks a frame may be delivered on
    const Node* node = nullptr;
    bool local = false;         // inside on_frame
    bool trusted = false;       // a Dictionary from the input was restored: no gate oracle
    std::set<uint64_t> b_com_seen;  // networks on which some packet carried b's signed COM
    std::set<uint64_t> b_revoked;   // networks on which b's COM was revoked (§9.3)
    std::set<uint64_t> revoked_now;  // credential_revoked events for b during this record

    void send_udp(LocalSocket, const Endpoint&, std::span<const uint8_t> d, int) override {
        switch (wire::classify_datagram(d)) {
        case wire::DatagramKind::head: {
            auto h = wire::PacketHeader::parse(d);
            if (!h) return;
            if (!h->fragmented()) return note(d);
            if (auto r = reassembler_.add_head(now, d, whole_); r && *r == wire::Reassembler::Status::complete)
                note(whole_.bytes());
            return;
        }
        case wire::DatagramKind::fragment:
            if (auto r = reassembler_.add_fragment(now, d, whole_); r && *r == wire::Reassembler::Status::complete)
                note(whole_.bytes());
            return;
        default: return;
        }
    }
    void deliver_frame(NetworkId nwid, const Frame& f) override {
        require(joined.count(nwid.value) == 1);
        require(f.payload.size() <= kVirtualMtuMax);
        require(f.dst == mac_of(fx_.self.address(), nwid) || f.dst.is_multicast());
        if (local || trusted || !node) return;  // a local frame (an emulated advertisement) names any MAC
        // §8.7: on a private network only b, whose COM agrees with ours, passes the gate, and only
        // once its COM has been offered (x's never agrees; ctl and the root have none).
        auto s = node->network(nwid);
        require(s.has_value());
        if (s->is_static || !s->is_private) return;
        require(f.src == mac_of(fx_.b.id.address(), nwid) && b_com_seen.count(nwid.value) == 1);
        require(b_revoked.count(nwid.value) == 0);
    }
    void on_event(const Event& ev) override {
        if (ev.kind == Event::Kind::credential_revoked && ev.peer == fx_.b.id.address()) revoked_now.insert(ev.nwid.value);
    }

    // The id an OK or ERROR in re `verb` to `to` should carry. A pushed NETWORK_CONFIG is
    // acknowledged in re ECHO (§5.11): the later of the two.
    uint64_t in_re(Address to, uint8_t verb) const {
        auto get = [&](Verb v) {
            auto it = sent_.find({to.value(), uint8_t(v)});
            return it == sent_.end() ? Sent{} : it->second;
        };
        Sent s = get(Verb(verb & kVerbMask));
        if (Verb(verb & kVerbMask) == Verb::echo) {
            if (Sent c = get(Verb::network_config); c.seq > s.seq) s = c;
        }
        return s.id;
    }

private:
    struct Sent {
        uint64_t id = 0, seq = 0;
    };
    void note(std::span<const uint8_t> pkt) {
        auto h = wire::PacketHeader::parse(pkt);
        const Party* p = h ? fx_.party_of(h->dest) : nullptr;
        if (!p || !scratch_.assign(pkt) || !wire::dearmor(scratch_.bytes(), p->key, p->aes ? &*p->aes : nullptr)) return;
        sent_[{h->dest.value(), uint8_t(scratch_.b[kPacketIdxVerb] & kVerbMask)}] = Sent{h->packet_id, ++seq_};
    }
    const Fixture& fx_;
    wire::Reassembler reassembler_;
    wire::PacketBuf whole_, scratch_;
    std::map<std::pair<uint64_t, uint8_t>, Sent> sent_;
    uint64_t seq_ = 0;
};

// The controller role of the node for kOwn: a configuration for itself and b, or the error
// (or silence) that `mode` picks.
class FuzzController final : public NetworkController {
public:
    FuzzController(Node& node, const Fixture& fx) : node_(node), fx_(fx) {}
    uint8_t mode = 0;
    void on_config_request(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                           const vl2::Dictionary&, const Endpoint&) override {
        const Address m = member.address();
        const vl2::NetworkConfig* cfg = m == fx_.self.address() ? &fx_.own_self : m == fx_.b.id.address() ? &fx_.own_b : nullptr;
        static constexpr ErrorCode kErrors[] = {ErrorCode::network_access_denied, ErrorCode::obj_not_found,
                                                ErrorCode::network_authentication_required};
        switch (mode % 5) {
        case 0:
            if (cfg && nwid == fx_.own_net) return node_.send_network_config(now, nwid, request_packet_id, m, *cfg);
            return node_.send_network_error(now, nwid, request_packet_id, m, ErrorCode::obj_not_found);
        case 4: return;  // silent
        default: return node_.send_network_error(now, nwid, request_packet_id, m, kErrors[mode % 5 - 1]);
        }
    }

private:
    Node& node_;
    const Fixture& fx_;
};

}  // namespace zfuzz::vl2world
