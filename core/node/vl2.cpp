// VL2 frames on the node: Ethernet frames from the local stack to ZeroTier packets (§6.4),
// and FRAME / EXT_FRAME / MULTICAST_FRAME back to frames (§5.5, §5.6, §5.13), through the
// membership gate (§8.7) and the flow rules (§8.9) both ways. With NDP emulation a neighbour
// solicitation for an RFC4193/6PLANE address is answered here, never sent (§6.4).
#include <algorithm>

#include "core/ipv6_schemes.hpp"
#include "core/node/impl.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/ext_frame.hpp"
#include "core/vl2/frame.hpp"
#include "core/vl2/multicast_frame.hpp"

namespace zt {

namespace {

constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr size_t kGatedQueueMax = 32;

// §6.4: a broadcast ARP request is sent to the group (ff:ff:ff:ff:ff:ff, target IPv4).
std::optional<uint32_t> arp_request_target(uint16_t ethertype, std::span<const uint8_t> p) {
    if (ethertype != kEtherTypeArp || p.size() < 28) return std::nullopt;
    if (p[2] != 0x08 || p[3] != 0x00 || p[4] != 6 || p[5] != 4 || p[7] != 1) return std::nullopt;
    return (uint32_t(p[24]) << 24) | (uint32_t(p[25]) << 16) | (uint32_t(p[26]) << 8) | p[27];
}

uint16_t checksum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

}  // namespace

// §6.4 NDP emulation: the neighbour advertisement the owner of the solicited RFC4193/6PLANE
// address would send, with the MAC its ZeroTier address gives. nullopt unless `ns` (an IPv6
// packet) is a neighbour solicitation for such an address of another member.
std::optional<std::array<uint8_t, 72>> Node::Impl::emulated_neighbor_advert(const Network& net,
                                                                            std::span<const uint8_t> ns) const {
    if (ns.size() < 40 + 8 + 16 || ns[6] != 0x3a || ns[40] != 0x87) return std::nullopt;
    Ipv6 target;
    std::copy(ns.begin() + 48, ns.begin() + 64, target.begin());
    auto owner = emulated_ipv6_owner(net.nwid, target);
    if (!owner || *owner == self.address()) return std::nullopt;
    // The solicitation's source is one of our addresses of the same scheme.
    const uint8_t* mine = nullptr;
    for (const auto& a : net.addresses())
        if (a.address.family == Endpoint::Family::v6 && emulated_ipv6_owner(net.nwid, a.address.ip) == self.address())
            mine = a.address.ip.data();
    if (!mine) return std::nullopt;
    const Mac peer_mac = Mac::from_address(*owner, net.nwid);
    std::array<uint8_t, 72> adv{};
    adv[0] = 0x60;
    adv[5] = 0x20;  // payload length 32
    adv[6] = 0x3a;  // ICMPv6
    adv[7] = 0xff;  // hop limit
    std::copy(target.begin(), target.end(), adv.begin() + 8);  // from the solicited address
    std::copy(mine, mine + 16, adv.begin() + 24);              // to us
    adv[40] = 0x88;                                            // neighbour advertisement
    adv[44] = 0x60;                                            // solicited + override
    std::copy(target.begin(), target.end(), adv.begin() + 48);
    adv[64] = 0x02;  // option: target link-layer address
    adv[65] = 0x01;
    const auto mb = peer_mac.bytes();
    std::copy(mb.begin(), mb.end(), adv.begin() + 66);
    // ICMPv6 checksum over the pseudo-header (addresses, length, next header) and the message.
    uint32_t sum = 0;
    for (size_t i = 8; i < 40; i += 2) sum += uint32_t(adv[i] << 8 | adv[i + 1]);
    sum += 32 + 0x3a;
    for (size_t i = 40; i < 72; i += 2) sum += uint32_t(adv[i] << 8 | adv[i + 1]);
    const uint16_t c = checksum_fold(sum);
    adv[42] = uint8_t(c >> 8);
    adv[43] = uint8_t(c);
    return adv;
}

void Node::Impl::deliver(Network& net, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload) {
    ++stats.rx_frames;
    host.deliver_frame(net.nwid, Frame{src, dst, ethertype, payload});
}

namespace {

// Ownership answers for MATCH_CHARACTERISTICS (§8.9): the certificates of ownership of the
// frame's sender (inbound: what it presented; outbound: ours, from the configuration).
class CooOwnership final : public vl2::SenderOwnership {
public:
    explicit CooOwnership(std::span<const vl2::CertificateOfOwnership> coos) : coos_(coos) {}
    bool owns_ip(std::span<const uint8_t> ip) const override {
        Endpoint e;
        if (ip.size() == 4) {
            e = Endpoint::v4({ip[0], ip[1], ip[2], ip[3]}, 0);
        } else if (ip.size() == 16) {
            std::array<uint8_t, 16> a;
            std::copy(ip.begin(), ip.end(), a.begin());
            e = Endpoint::v6(a, 0);
        } else {
            return false;
        }
        return std::any_of(coos_.begin(), coos_.end(), [&](const auto& c) { return c.owns_ip(e); });
    }
    bool owns_mac(Mac mac) const override {
        return std::any_of(coos_.begin(), coos_.end(), [&](const auto& c) { return c.owns_mac(mac); });
    }

private:
    std::span<const vl2::CertificateOfOwnership> coos_;
};

// What a rule evaluation sees of a frame, either direction; the caller adds the tags and the
// ownership answers of the sender.
vl2::FilterInput filter_input(const vl2::NetworkConfig& c, vl2::Direction dir, Address self, Address zt_source,
                              Address zt_dest, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload,
                              uint32_t random) {
    vl2::FilterInput fi;
    fi.direction = dir;
    fi.self = self;
    fi.zt_source = zt_source;
    fi.zt_dest = zt_dest;
    fi.mac_source = src;
    fi.mac_dest = dst;
    fi.ether_type = ethertype;
    fi.payload = payload;
    fi.config_flags = c.flags;
    fi.random = random;
    return fi;
}

}  // namespace

// Counts what the rules decided; true if the frame may go on (accept, or a redirect the
// caller sends elsewhere).
bool Node::Impl::count_verdict(Network& net, const vl2::FilterResult& r, bool inbound) {
    if (r.decided_by == vl2::DecidedBy::base_rules && r.rule_index < net.rule_hits.size()) ++net.rule_hits[r.rule_index];
    if (r.verdict != vl2::FilterVerdict::drop) return true;
    ++(inbound ? net.dropped_by_rules_in : net.dropped_by_rules_out);
    ++stats.drops[size_t(Drop::rules)];
    return false;
}

// The rules, outbound at the sender (§8.9). A REDIRECT sends the frame to another member
// instead, TEE and WATCH send copies (EXT_FRAME, §5.6); false when the frame must not be sent
// as addressed.
bool Node::Impl::filter_out(Network& net, Address to, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload,
                            Ticks now) {
    if (net.is_static || !net.config || vl2::accepts_everything(net.config->rules)) return true;
    const auto& c = *net.config;
    std::vector<vl2::TagValue> ours, theirs;
    for (const auto& t : c.tags) ours.push_back(vl2::TagValue{t.id, t.value});
    if (auto it = net.members.find(to); it != net.members.end())
        for (const auto& [id, t] : it->second.tags)
            if (Membership::current(c, t.timestamp)) theirs.push_back(vl2::TagValue{id, t.value});
    std::sort(ours.begin(), ours.end(), [](auto a, auto b) { return a.id < b.id; });
    CooOwnership own(c.coos);
    vl2::FilterInput fi = filter_input(c, vl2::Direction::outbound, self.address(), self.address(), to, src, dst, ethertype,
                                       payload, uint32_t(rng.next_u64()));
    fi.our_tags = ours;
    fi.peer_tags = theirs;
    fi.ownership = &own;
    const auto r = vl2::evaluate(c.rules, c.capabilities, fi);
    if (!count_verdict(net, r, false)) return false;
    for (const auto& copy : r.copy_targets())
        if (copy.to != to) send_ext_frame(net, copy.to, copy.watch ? 0x16 : 0x02, src, dst, ethertype,
                                          payload.first(std::min<size_t>(payload.size(), copy.length ? copy.length : payload.size())), now);
    if (r.verdict == vl2::FilterVerdict::redirect) {
        send_ext_frame(net, r.redirect_to, 0x04, src, dst, ethertype, payload, now);
        return false;
    }
    return true;
}

// The rules, inbound at the receiver: the sender's capabilities, tags and certificates count.
bool Node::Impl::filter_in(Network& net, Peer& from, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload) {
    if (net.is_static || !net.config || vl2::accepts_everything(net.config->rules)) return true;
    const auto& c = *net.config;
    std::vector<vl2::TagValue> ours, theirs;
    std::vector<std::span<const vl2::Rule>> caps;
    for (const auto& t : c.tags) ours.push_back(vl2::TagValue{t.id, t.value});
    std::sort(ours.begin(), ours.end(), [](auto a, auto b) { return a.id < b.id; });
    // The sender's credentials that are still current (§8.8).
    std::vector<vl2::CertificateOfOwnership> coos;
    if (auto it = net.members.find(from.address()); it != net.members.end()) {
        const Membership& m = it->second;
        for (const auto& [id, t] : m.tags)
            if (Membership::current(c, t.timestamp)) theirs.push_back(vl2::TagValue{id, t.value});
        for (const auto& [id, cap] : m.capabilities)
            if (Membership::current(c, cap.timestamp())) caps.push_back(cap.rules());
        for (const auto& [id, coo] : m.coos)
            if (Membership::current(c, coo.timestamp)) coos.push_back(coo);
    }
    CooOwnership own(coos);
    vl2::FilterInput fi = filter_input(c, vl2::Direction::inbound, self.address(), from.address(), self.address(), src, dst,
                                       ethertype, payload, uint32_t(rng.next_u64()));
    fi.our_tags = ours;
    fi.peer_tags = theirs;
    fi.ownership = &own;
    const auto r = vl2::evaluate_lists(c.rules, caps, fi);
    // Inbound TEE/WATCH/REDIRECT targets are monitors and bridges; we are neither: a frame
    // redirected away is not delivered here, copies are not sent on.
    return count_verdict(net, r, true) && r.verdict == vl2::FilterVerdict::accept;
}

// An EXT_FRAME (§5.6) with explicit MACs and `flags` (the TEE/WATCH/REDIRECT subtypes).
void Node::Impl::send_ext_frame(Network& net, Address to, uint8_t flags, Mac src, Mac dst, uint16_t ethertype,
                                std::span<const uint8_t> payload, Ticks now) {
    if (to.is_zero() || to == self.address()) return;
    vl2::ExtFrame f;
    f.nwid = net.nwid;
    f.flags = flags;
    f.dest = dst;
    f.source = src;
    f.ether_type = ethertype;
    f.payload = payload;
    std::vector<uint8_t> buf(payload.size() + 64);
    Writer w(buf);
    f.serialize(w);
    if (!w.ok()) return;
    if (Peer* p = find_peer(to)) push_credentials(net, *p, now, false);
    if (send_to_address(to, Verb::ext_frame, w.written(), now)) ++stats.tx_frames;
}

// ---- from the local stack ------------------------------------------------------------

void Node::Impl::on_frame(Ticks now, NetworkId nwid, const Frame& f) {
    Network* netp = find_network(nwid);
    if (!netp || !netp->has_config()) return;
    Network& net = *netp;
    if (f.src != net.mac) return;  // we are not a bridge
    if (f.payload.size() > net.mtu()) return;

    if (f.dst.is_multicast()) {
        MulticastGroup g{f.dst, 0};
        if (f.dst.is_broadcast()) {
            if (auto target = arp_request_target(f.ethertype, f.payload)) g.adi = *target;
            else if (!net.broadcast_enabled()) return;
        } else if (f.ethertype == kEtherTypeIpv6 && net.config && net.config->ndp_emulation()) {
            if (auto adv = emulated_neighbor_advert(net, f.payload)) {
                const Mac peer_mac = Mac::from_bytes(adv->data() + 66);
                return deliver(net, peer_mac, net.mac, kEtherTypeIpv6, *adv);
            }
        }
        return send_multicast(net, g, f.src, f.ethertype, f.payload, now);
    }
    if (f.dst == net.mac) return deliver(net, f.src, f.dst, f.ethertype, f.payload);

    auto to = f.dst.to_address(nwid);
    if (!to) return;  // a MAC behind a bridge: needs bridging (not supported)
    if (!filter_out(net, *to, f.src, f.dst, f.ethertype, f.payload, now)) return;
    vl2::Frame fr{nwid, f.ethertype, f.payload};
    Writer w(frame_scratch);
    fr.serialize(w);
    if (!w.ok()) return;
    Peer* peer = find_peer(*to);
    if (peer) {
        peer->last_frame = now;
        push_credentials(net, *peer, now, false);
    }
    if (send_to_address(*to, Verb::frame, w.written(), now)) ++stats.tx_frames;
}

// ---- from peers ----------------------------------------------------------------------

// A frame from a peer that fails the gate: ERROR(NEED_MEMBERSHIP_CERTIFICATE), and the frame
// waits (≤ 32, 5 s) for the credentials that usually follow at once (§10 (d) 14).
void Node::Impl::gate_failed(Network& net, Peer& peer, const Inbound& in) {
    ++net.dropped_not_member;
    drop(Drop::not_member, in.from, peer.address(), in.header.packet_id, in.header.verb_byte);
    send_need_credentials(peer, in, net.nwid);
    if (gated.size() >= kGatedQueueMax) gated.pop_front();
    gated.push_back(GatedFrame{peer.address(), net.nwid, in.now, in.local, in.from, in.header,
                               Bytes(in.packet.begin(), in.packet.end())});
}

void Node::Impl::retry_gated(Network& net, Peer& peer, Ticks now) {
    std::vector<GatedFrame> mine;
    for (auto it = gated.begin(); it != gated.end();) {
        if (it->from == peer.address() && it->nwid == net.nwid) {
            mine.push_back(std::move(*it));
            it = gated.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& g : mine) {
        if (now - g.queued >= kReceiveQueueTimeoutMs) continue;
        Inbound in{now, g.local, g.endpoint, g.header, g.packet};
        if (g.header.verb() == Verb::frame) handle_frame(peer, in);
        else if (g.header.verb() == Verb::ext_frame) handle_ext_frame(peer, in);
        else if (g.header.verb() == Verb::multicast_frame) handle_multicast_frame(peer, in);
    }
}

void Node::Impl::handle_frame(Peer& peer, const Inbound& in) {
    auto fr = vl2::Frame::parse(in.payload());
    if (!fr) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::frame));
    Network* net = find_network(fr->nwid);
    if (!net) return drop(Drop::not_for_us, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::frame));
    if (!gate(*net, peer, in.now)) return gate_failed(*net, peer, in);
    peer.last_frame = in.now;
    const Mac src = Mac::from_address(peer.address(), net->nwid);
    if (!filter_in(*net, peer, src, net->mac, fr->ether_type, fr->payload)) return;
    deliver(*net, src, net->mac, fr->ether_type, fr->payload);
}

void Node::Impl::handle_ext_frame(Peer& peer, const Inbound& in) {
    auto fr = vl2::ExtFrame::parse(in.payload());
    if (!fr) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ext_frame));
    Network* net = find_network(fr->nwid);
    if (!net) return drop(Drop::not_for_us, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ext_frame));
    if (!gate(*net, peer, in.now)) return gate_failed(*net, peer, in);
    // §5.6: the source must be the sender's own MAC (no active bridges here), the
    // destination ours or multicast.
    if (fr->source != Mac::from_address(peer.address(), net->nwid) || (fr->dest != net->mac && !fr->dest.is_multicast()))
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ext_frame));
    peer.last_frame = in.now;
    if (!filter_in(*net, peer, fr->source, fr->dest, fr->ether_type, fr->payload)) return;
    deliver(*net, fr->source, fr->dest, fr->ether_type, fr->payload);
    if (fr->ack_requested()) {
        std::array<uint8_t, 17> buf;
        Writer w(buf);
        vl1::Ok{Verb::ext_frame, in.header.packet_id, {}}.serialize(w);
        w.u64be(net->nwid.value);
        if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
    }
}

void Node::Impl::handle_multicast_frame(Peer& peer, const Inbound& in) {
    auto fr = vl2::MulticastFrame::parse(in.payload());
    if (!fr) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_frame));
    Network* net = find_network(fr->nwid);
    if (!net) return drop(Drop::not_for_us, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_frame));
    if (!gate(*net, peer, in.now)) return gate_failed(*net, peer, in);
    if (net->multicast_limit() == 0) return;  // multicast disabled on this network
    const Mac src = fr->source.value_or(Mac::from_address(peer.address(), net->nwid));
    if (!fr->group_mac.is_multicast() || src != Mac::from_address(peer.address(), net->nwid))
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_frame));
    peer.last_frame = in.now;
    if (filter_in(*net, peer, src, fr->group_mac, fr->ether_type, fr->payload))
        deliver(*net, src, fr->group_mac, fr->ether_type, fr->payload);
    // §5.13: a gather limit asks for members of the group in an OK.
    if (fr->gather_limit && *fr->gather_limit) {
        vl2::OkMulticastFrame ok;
        ok.nwid = net->nwid;
        ok.group_mac = fr->group_mac;
        ok.group_adi = fr->group_adi;
        ok.gather.emplace();
        gather_results(net->nwid, MulticastGroup{fr->group_mac, fr->group_adi}, peer.address(), *fr->gather_limit, *ok.gather);
        if (ok.gather->members.empty()) return;
        std::vector<uint8_t> buf(kMaxPacketLength);
        Writer w(buf);
        vl1::Ok{Verb::multicast_frame, in.header.packet_id, {}}.serialize(w);
        ok.serialize(w);
        if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
    }
}

}  // namespace zt
