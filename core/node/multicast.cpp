// Multicast on the node (spec §5.8, §5.12, §5.13, §6.5): announcing our groups with
// MULTICAST_LIKE, answering LIKE and MULTICAST_GATHER (as a member, a root or a controller),
// learning members from gather results, and sending a multicast frame to a group's members.
#include <algorithm>

#include "core/node/impl.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/multicast_frame.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/vl2/multicast_like.hpp"

namespace zt {

namespace {

// 18-byte tuples per LIKE packet, kept under the packet limit.
constexpr size_t kLikesPerPacket = (kMaxPacketLength - 64) / 18;
// Addresses in one gather answer, kept under the packet limit.
constexpr size_t kMaxGatherResults = (kMaxPacketLength - 64) / 5;

// Anchors and multicast replicators: members that get our LIKEs and gathers like the
// controller (§6.5, upstream alwaysContactAddresses).
std::vector<Address> always_contact(const vl2::NetworkConfig& c) {
    auto v = c.specialists_with(vl2::NetworkConfig::kSpecialistAnchor);
    for (Address a : c.specialists_with(vl2::NetworkConfig::kSpecialistMulticastReplicator)) v.push_back(a);
    return v;
}

}  // namespace

// MULTICAST_LIKE with `groups` of `net` to one peer.
void Node::Impl::send_likes(Network& net, Address to, const std::vector<MulticastGroup>& groups, Ticks now) {
    for (size_t at = 0; at < groups.size(); at += kLikesPerPacket) {
        vl2::MulticastLike like;
        for (size_t i = at; i < std::min(groups.size(), at + kLikesPerPacket); ++i)
            like.entries.push_back(vl2::MulticastLike::Entry{net.nwid, groups[i].mac, groups[i].adi});
        std::vector<uint8_t> buf(like.entries.size() * 18 + 16);
        Writer w(buf);
        like.serialize(w);
        if (w.ok()) send_to_address(to, Verb::multicast_like, w.written(), now);
    }
}

// Our credentials go first: a member ignores LIKEs from a peer whose COM it does not hold.
void Node::Impl::announce_groups_to(Network& net, Address to, Ticks now, Membership& m) {
    m.last_multicast_like = now;
    if (net.groups.empty()) return;
    if (Peer* p = find_peer(to)) push_credentials(net, *p, now, false);
    send_likes(net, to, net.groups, now);
}

// §8.7: the controller and the roots get our groups every 60 s (and at once when they change);
// members that pass the gate get them when they first do and then every 60 s (`gate`). With
// `changed`, members we talk to get the new list at once too.
void Node::Impl::announce_groups(Network& net, Ticks now, bool changed) {
    if (net.groups.empty() || net.is_static) return;
    net.last_announce_upstream = now;
    std::vector<Address> upstream = roots;
    if (!net.is_static && net.nwid.controller() != self.address()) upstream.push_back(net.nwid.controller());
    if (net.config)
        for (Address a : always_contact(*net.config))
            if (a != self.address()) upstream.push_back(a);
    std::sort(upstream.begin(), upstream.end());
    upstream.erase(std::unique(upstream.begin(), upstream.end()), upstream.end());
    for (Address a : upstream) send_likes(net, a, net.groups, now);
    if (!changed) return;
    for (auto& [addr, m] : net.members) {
        if (std::binary_search(upstream.begin(), upstream.end(), addr)) continue;
        Peer* p = find_peer(addr);
        if (!p || !net.has_config() || (!net.is_public() && !m.allowed(*net.config, p->identity()))) continue;
        announce_groups_to(net, addr, now, m);
    }
}

// Whether a LIKE or GATHER from `peer` about `nwid` is believed: it passes our gate, or we are a
// root, or we are the network's controller and recently sent it a configuration.
bool Node::Impl::multicast_authorized(NetworkId nwid, Peer& peer, Ticks now) {
    if (Network* net = find_network(nwid); net && gate(*net, peer, now)) return true;
    if (root_role) return true;
    return controller_authorized.count({nwid.value, peer.address().value()}) > 0;
}

void Node::Impl::handle_multicast_like(Peer& peer, const Inbound& in) {
    auto like = vl2::MulticastLike::parse(in.payload());
    if (!like) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_like));
    uint64_t last_nwid = 0;
    bool authorized = false;
    for (const auto& e : like->entries) {
        if (e.nwid.value != last_nwid || !last_nwid) {
            last_nwid = e.nwid.value;
            authorized = multicast_authorized(e.nwid, peer, in.now);
        }
        if (!authorized) continue;
        const MulticastGroup g{e.group_mac, e.group_adi};
        for (const OutboundMulticast* tx : multicaster.add(in.now, e.nwid, g, peer.address()))
            if (Network* net = find_network(e.nwid)) send_multicast_to(*net, *tx, g, peer.address(), 0, in.now);
    }
}

// Our own membership of a group counts in gather answers (the responder includes itself).
bool Node::Impl::subscribed(NetworkId nwid, const MulticastGroup& g) const {
    auto it = networks.find(nwid.value);
    return it != networks.end() && std::binary_search(it->second.groups.begin(), it->second.groups.end(), g);
}

// Fills gather results (<[4] total known> <[2] count> <count x [5] address>): ourselves if
// subscribed, then random known members other than the asker, up to `limit`.
void Node::Impl::gather_results(NetworkId nwid, const MulticastGroup& g, Address asker, uint32_t limit,
                                vl2::GatherResults& out) {
    out.members.clear();
    out.total_known = uint32_t(multicaster.count(nwid, g));
    if (subscribed(nwid, g)) {
        out.members.push_back(self.address());
        ++out.total_known;
    }
    const size_t room = std::min<size_t>(limit, kMaxGatherResults);
    if (out.members.size() < room)
        for (Address a : multicaster.pick(rng, nwid, g, room - out.members.size(), asker)) out.members.push_back(a);
}

void Node::Impl::handle_multicast_gather(Peer& peer, const Inbound& in) {
    auto req = vl2::MulticastGather::parse(in.payload());
    if (!req) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_gather));
    Network* net = find_network(req->nwid);
    if (req->com && net && !net->is_static && req->com->issued_to() == peer.address()) {
        // The asker's COM lets us admit it (§5.12). One we hold already, an older one or a
        // revoked one costs no signature check.
        auto it = net->members.find(peer.address());
        const bool news = it == net->members.end() ||
                          (req->com->timestamp() > it->second.com_revocation_threshold &&
                           (!it->second.com || (it->second.com->timestamp() <= req->com->timestamp() && !(*it->second.com == *req->com))));
        if (Peer* ctl = find_peer(req->nwid.controller()); news && ctl && req->com->verify(ctl->identity()))
            net->members[peer.address()].com = *req->com;
    }
    if (req->gather_limit == 0 || !multicast_authorized(req->nwid, peer, in.now)) return;
    const MulticastGroup g{req->group_mac, req->group_adi};
    vl2::OkMulticastGather ok;
    ok.nwid = req->nwid;
    ok.group_mac = g.mac;
    ok.group_adi = g.adi;
    gather_results(req->nwid, g, peer.address(), req->gather_limit, ok.results);
    if (ok.results.members.empty()) return;
    std::vector<uint8_t> buf(kMaxPacketLength);
    Writer w(buf);
    vl1::Ok{Verb::multicast_gather, in.header.packet_id, {}}.serialize(w);
    ok.serialize(w);
    if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
}

// Members learned from OK(MULTICAST_GATHER) or OK(MULTICAST_FRAME) also get the frames queued
// for their group.
void Node::Impl::learn_members(NetworkId nwid, const MulticastGroup& g, const vl2::GatherResults& r, Ticks now) {
    Network* net = find_network(nwid);
    for (Address a : r.members) {
        if (a == self.address()) continue;
        for (const OutboundMulticast* tx : multicaster.add(now, nwid, g, a))
            if (net) send_multicast_to(*net, *tx, g, a, 0, now);
    }
}

// One MULTICAST_FRAME of `tx` to `to` (§5.13), through the outbound rules and after our
// credentials (§8.7). A gather limit asks the recipient for more members in its OK.
void Node::Impl::send_multicast_to(Network& net, const OutboundMulticast& tx, const MulticastGroup& g, Address to,
                                   uint32_t gather_limit, Ticks now) {
    if (!filter_out(net, to, tx.src, g.mac, tx.ethertype, tx.payload, now)) return;
    if (Peer* p = find_peer(to)) push_credentials(net, *p, now, false);
    vl2::MulticastFrame mf;
    mf.nwid = net.nwid;
    if (gather_limit) mf.gather_limit = gather_limit;
    if (tx.src != net.mac) mf.source = tx.src;
    mf.group_mac = g.mac;
    mf.group_adi = g.adi;
    mf.ether_type = tx.ethertype;
    mf.payload = tx.payload;
    Writer w(frame_scratch);
    mf.serialize(w);
    if (!w.ok()) return;
    if (Peer* p = find_peer(to)) p->last_frame = now;
    if (send_to_address(to, Verb::multicast_frame, w.written(), now, gather_limit != 0)) ++stats.tx_frames;
}

// §6.5: a frame for group `g` from our stack. Enough known members: send to `limit` of them
// (each asked for one more member). Too few: gather from the best root and the controller
// (at most every 60 s per group), send to those we know, and queue the frame for 5 s for the
// members the gather brings.
void Node::Impl::send_multicast(Network& net, const MulticastGroup& g, Mac src, uint16_t ethertype,
                                std::span<const uint8_t> payload, Ticks now) {
    const uint32_t limit = net.multicast_limit();
    if (limit == 0) return;
    // Static networks: every static peer is a member (no controller to gather from).
    if (net.is_static) {
        for (Address a : members) multicaster.add(now, net.nwid, g, a);
        for (auto& [addr, peer] : peers)
            if (!peer->is_root) multicaster.add(now, net.nwid, g, Address(addr));
    }
    OutboundMulticast tx;
    tx.queued = now;
    tx.limit = limit;
    tx.src = src;
    tx.ethertype = ethertype;
    tx.payload.assign(payload.begin(), payload.end());

    auto& group = multicaster.group(net.nwid, g);
    const size_t known = group.members.size();
    if (known >= limit) {
        for (Address a : multicaster.pick(rng, net.nwid, g, limit, Address())) send_multicast_to(net, tx, g, a, 1, now);
        return;
    }
    const uint32_t gather_limit = uint32_t(limit - known + 1);
    if (!net.is_static && (known == 0 || now - group.last_explicit_gather >= kMulticastGatherDelayMs)) {
        group.last_explicit_gather = now;
        std::vector<Address> ask;
        if (Peer* root = best_root(now)) ask.push_back(root->address());
        if (net.nwid.controller() != self.address()) ask.push_back(net.nwid.controller());
        if (net.config)
            for (Address a : always_contact(*net.config))
                if (a != self.address() && ask.size() < 16) ask.push_back(a);
        vl2::MulticastGather req;
        req.nwid = net.nwid;
        req.group_mac = g.mac;
        req.group_adi = g.adi;
        req.gather_limit = gather_limit;
        if (net.config && net.config->com) req.com = *net.config->com;
        std::array<uint8_t, 512> buf;
        Writer w(buf);
        req.serialize(w);
        if (w.ok())
            for (Address a : ask) send_to_address(a, Verb::multicast_gather, w.written(), now, /*expect_reply=*/true);
    }
    for (Address a : multicaster.pick(rng, net.nwid, g, limit, Address())) {
        tx.sent_to.push_back(a);
        send_multicast_to(net, tx, g, a, gather_limit, now);
    }
    auto& q = multicaster.group(net.nwid, g).tx_queue;
    if (q.size() >= kMulticastTxQueueMax) q.pop_front();
    q.push_back(std::move(tx));
}

}  // namespace zt
