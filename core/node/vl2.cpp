// VL2 on the node: Ethernet frames from the local stack to ZeroTier packets (§6.4) and
// FRAME / EXT_FRAME / MULTICAST_FRAME back to frames (§5.5, §5.6, §5.13).
//
// Static configuration slice: networks are public (no COM gate) and multicast goes to
// every known peer; gathering and LIKEs come with the network-controller issue.
#include <set>

#include "core/node/impl.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/ext_frame.hpp"
#include "core/vl2/frame.hpp"
#include "core/vl2/multicast_frame.hpp"

namespace zt {

namespace {

constexpr uint16_t kEtherTypeArp = 0x0806;

// §6.4: a broadcast ARP request is sent to the group (ff:ff:ff:ff:ff:ff, target IPv4).
std::optional<uint32_t> arp_request_target(uint16_t ethertype, std::span<const uint8_t> p) {
    if (ethertype != kEtherTypeArp || p.size() < 28) return std::nullopt;
    if (p[2] != 0x08 || p[3] != 0x00 || p[4] != 6 || p[5] != 4 || p[7] != 1) return std::nullopt;
    return (uint32_t(p[24]) << 24) | (uint32_t(p[25]) << 16) | (uint32_t(p[26]) << 8) | p[27];
}

}  // namespace

void Node::Impl::deliver(NetworkState& net, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload) {
    ++stats.rx_frames;
    host.deliver_frame(net.nwid, Frame{src, dst, ethertype, payload});
}

// ---- from the local stack ------------------------------------------------------------

void Node::Impl::on_frame(Ticks now, NetworkId nwid, const Frame& f) {
    auto it = networks.find(nwid.value);
    if (it == networks.end()) return;
    NetworkState& net = it->second;
    if (f.src != net.mac) return;  // we are not a bridge
    if (f.payload.size() > net.mtu) return;

    Writer w(frame_scratch);
    if (f.dst.is_multicast()) {
        vl2::MulticastFrame mf;
        mf.nwid = nwid;
        if (auto target = arp_request_target(f.ethertype, f.payload); target && f.dst.is_broadcast()) {
            mf.group_mac = f.dst;
            mf.group_adi = *target;
        } else {
            mf.group_mac = f.dst;
        }
        mf.ether_type = f.ethertype;
        mf.payload = f.payload;
        mf.serialize(w);
        if (!w.ok()) return;
        // Static configuration: every known peer and every configured member (found through
        // the roots if need be). Gathering and LIKEs come with the controller issue.
        std::set<Address> to(members);
        for (auto& [addr, peer] : peers)
            if (!peer->is_root) to.insert(peer->address());
        for (Address a : to)
            if (send_to_address(a, Verb::multicast_frame, w.written(), now)) ++stats.tx_frames;
        return;
    }
    if (f.dst == net.mac) return deliver(net, f.src, f.dst, f.ethertype, f.payload);

    auto to = f.dst.to_address(nwid);
    if (!to) return;  // a MAC behind a bridge: needs bridging (not supported)
    vl2::Frame fr{nwid, f.ethertype, f.payload};
    fr.serialize(w);
    if (!w.ok()) return;
    if (Peer* peer = find_peer(*to)) peer->last_frame = now;
    if (send_to_address(*to, Verb::frame, w.written(), now)) ++stats.tx_frames;
}

// ---- from peers ----------------------------------------------------------------------

void Node::Impl::handle_frame(Peer& peer, const Inbound& in) {
    auto fr = vl2::Frame::parse(in.payload());
    if (!fr) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::frame));
    auto it = networks.find(fr->nwid.value);
    if (it == networks.end()) return drop(Drop::not_for_us, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::frame));
    NetworkState& net = it->second;
    peer.last_frame = in.now;
    deliver(net, Mac::from_address(peer.address(), net.nwid), net.mac, fr->ether_type, fr->payload);
}

void Node::Impl::handle_ext_frame(Peer& peer, const Inbound& in) {
    auto fr = vl2::ExtFrame::parse(in.payload());
    if (!fr) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ext_frame));
    auto it = networks.find(fr->nwid.value);
    if (it == networks.end()) return drop(Drop::not_for_us, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ext_frame));
    NetworkState& net = it->second;
    // §5.6: the source must be the sender's own MAC (no active bridges here), the
    // destination ours or multicast.
    if (fr->source != Mac::from_address(peer.address(), net.nwid) || (fr->dest != net.mac && !fr->dest.is_multicast()))
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ext_frame));
    peer.last_frame = in.now;
    deliver(net, fr->source, fr->dest, fr->ether_type, fr->payload);
    if (fr->ack_requested()) {
        std::array<uint8_t, 17> buf;
        Writer w(buf);
        vl1::Ok{Verb::ext_frame, in.header.packet_id, {}}.serialize(w);
        w.u64be(net.nwid.value);
        if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
    }
}

void Node::Impl::handle_multicast_frame(Peer& peer, const Inbound& in) {
    auto fr = vl2::MulticastFrame::parse(in.payload());
    if (!fr) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_frame));
    auto it = networks.find(fr->nwid.value);
    if (it == networks.end())
        return drop(Drop::not_for_us, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_frame));
    NetworkState& net = it->second;
    Mac src = fr->source.value_or(Mac::from_address(peer.address(), net.nwid));
    if (!fr->group_mac.is_multicast() || src != Mac::from_address(peer.address(), net.nwid))
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::multicast_frame));
    peer.last_frame = in.now;
    deliver(net, src, fr->group_mac, fr->ether_type, fr->payload);
}

}  // namespace zt
