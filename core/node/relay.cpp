// Relaying and NAT traversal (spec §7.6): roots forward packets between peers that have no
// direct path yet and introduce them with RENDEZVOUS; leaves answer RENDEZVOUS by punching
// (4-byte junk with TTL 2, then ECHO/HELLO) and advertise their addresses with
// PUSH_DIRECT_PATHS (§5.14).
#include <algorithm>

#include "core/node/impl.hpp"
#include "core/vl1/push_direct_paths.hpp"
#include "core/vl1/rendezvous.hpp"

namespace zt {

namespace {
constexpr Ticks kMinUniteIntervalMs = 30000;         // ZT_MIN_UNITE_INTERVAL
constexpr Ticks kPushIntervalRelayedMs = 15000;      // ZT_DIRECT_PATH_PUSH_INTERVAL
constexpr Ticks kPushIntervalDirectMs = 120000;      // ..._HAVEPATH
constexpr Ticks kTrustMs = 600000;                   // ZT_TRUST_EXPIRATION
constexpr Ticks kPushGateWindowMs = 30000;
constexpr size_t kPushMaxPerFamily = 8;

bool is_loopback(const Endpoint& e) {
    if (e.family == Endpoint::Family::v4) return e.ip[0] == 127;
    if (e.family == Endpoint::Family::v6) {
        for (size_t i = 0; i < 15; ++i)
            if (e.ip[i]) return false;
        return e.ip[15] == 1;
    }
    return false;
}

// §7.5 path validity for addresses a peer advertises: no unspecified, multicast or
// link-local addresses; loopback only when the advertiser itself is on loopback.
bool usable_advertised(const Endpoint& e, bool via_loopback) {
    if (e.port == 0) return false;
    if (e.family == Endpoint::Family::v4) {
        if (e.ip[0] == 0 || e.ip[0] >= 224) return false;
        if (e.ip[0] == 169 && e.ip[1] == 254) return false;
        return via_loopback || e.ip[0] != 127;
    }
    if (e.family == Endpoint::Family::v6) {
        if (e.ip[0] == 0xff) return false;
        if (e.ip[0] == 0xfe && (e.ip[1] & 0xc0) == 0x80) return false;
        bool zero = std::all_of(e.ip.begin(), e.ip.end(), [](uint8_t b) { return b == 0; });
        if (zero) return false;
        return via_loopback || !is_loopback(e);
    }
    return false;
}

}  // namespace

// A datagram for someone else. Roots forward it over the destination's direct path with
// the hop count incremented (hops < 3), and introduce the two ends (head packets only).
bool Node::Impl::relay(Ticks now, const Endpoint& from, std::span<const uint8_t> datagram, Address dest,
                       Address source, bool fragment) {
    if (!root_role) return false;
    const size_t hops_at = fragment ? kFragmentIdxHops : kPacketIdxFlags;
    const uint8_t hops = datagram[hops_at] & kFlagHopsMask;  // fragments: low 3 bits of the byte
    if (hops >= kRelayMaxHops) {
        drop(Drop::hop_limit, from, source);
        return true;
    }
    Peer* to = find_peer(dest);
    const Path* path = to ? to->best_path(now) : nullptr;
    if (!path || path->remote == from) {
        drop(Drop::no_route, from, dest);
        return true;
    }
    if (datagram.size() > frag_scratch.size()) {
        drop(Drop::too_long, from, source);
        return true;
    }
    std::copy(datagram.begin(), datagram.end(), frag_scratch.begin());
    frag_scratch[hops_at] = uint8_t((frag_scratch[hops_at] & ~kFlagHopsMask) | (hops + 1));
    host.send_udp(path->local, path->remote, std::span<const uint8_t>(frag_scratch.data(), datagram.size()));
    ++stats.tx_datagrams;
    ++stats.relayed;
    if (!fragment)
        if (Peer* src = find_peer(source)) unite(*src, *to, now);
    return true;
}

// §7.6: tell each side where the other is, at most once per 30 s per pair, when both have
// a direct path to us in the same address family.
void Node::Impl::unite(Peer& a, Peer& b, Ticks now) {
    const Path* pa = a.best_path(now);
    const Path* pb = b.best_path(now);
    if (!pa || !pb || pa->remote.family != pb->remote.family) return;
    const uint64_t x = a.address().value(), y = b.address().value();
    const std::pair<uint64_t, uint64_t> key{std::min(x, y), std::max(x, y)};
    Ticks& last = last_unite[key];
    if (last != 0 && now - last < kMinUniteIntervalMs) return;
    last = now;
    if (last_unite.size() > 65536) last_unite.clear();
    auto tell = [&](Peer& to, const Path& to_path, Peer& about, const Path& about_path) {
        std::array<uint8_t, 32> buf;
        Writer w(buf);
        vl1::Rendezvous{0, about.address(), about_path.remote}.serialize(w);
        if (w.ok() && send_packet(to, Verb::rendezvous, w.written(), now, to_path.local, to_path.remote, to.send_cipher())) {
            ++stats.rendezvous_sent;
            Event ev;
            ev.kind = Event::Kind::rendezvous;
            ev.peer = about.address();
            ev.endpoint = about_path.remote;
            emit(ev);
        }
    };
    tell(a, *pa, b, *pb);
    tell(b, *pb, a, *pa);
}

// §5.4: honoured only from a root and for a peer we know.
void Node::Impl::handle_rendezvous(Peer& peer, const Inbound& in) {
    if (!peer.is_root) return drop(Drop::untrusted_path, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::rendezvous));
    auto rv = vl1::Rendezvous::parse(in.payload());
    if (!rv) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::rendezvous));
    ++stats.rendezvous_received;
    Event ev;
    ev.kind = Event::Kind::rendezvous;
    ev.peer = rv->peer;
    ev.endpoint = rv->at;
    emit(ev);
    Peer* other = find_peer(rv->peer);
    if (other && other->is_root) return;
    if (!other) {
        // Often the introduction overtakes the answer to our WHOIS for that peer: keep it
        // until the identity arrives (flush_arrivals), at most 5 s.
        if (pending_rendezvous.size() < 64) pending_rendezvous[rv->peer] = {rv->at, in.now};
        need_identity(rv->peer, in.now);
        return;
    }
    punch(*other, rv->at, in.now);
}

// Opens our NAT towards the other side without reaching its NAT (4 junk bytes, TTL 2),
// then contacts it there.
void Node::Impl::punch(Peer& peer, const Endpoint& at, Ticks now) {
    static constexpr uint8_t junk[4] = {0, 0, 0, 0};
    emit_udp(kAnySocket, at, junk, 2);
    if (Path* p = peer.find_path(kAnySocket, at)) p->last_confirm_attempt = kNever;
    try_path(peer, kAnySocket, at, now);
}

// Contacts `to` to confirm a path to `peer` (ECHO if it speaks >= 5, else HELLO), at most
// once per second per address.
void Node::Impl::try_path(Peer& peer, LocalSocket local, const Endpoint& to, Ticks now) {
    Path& p = peer.learn_path(local, to);
    if (p.confirmed && p.alive(now)) return;
    if (now - p.last_confirm_attempt < kHelloMinIntervalPerAddressMs) return;
    p.last_confirm_attempt = now;
    if (peer.proto_version >= 5) send_echo(peer, local, to, now);
    else send_hello(peer, local, to, now);
}

void Node::Impl::handle_push_direct_paths(Peer& peer, const Inbound& in) {
    // Gate: more than 8 pushes within 30 s are ignored.
    Ticks oldest = peer.push_received[peer.push_received_next];
    if (oldest != 0 && in.now - oldest < kPushGateWindowMs)
        return drop(Drop::rate_limited, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::push_direct_paths));
    peer.push_received[peer.push_received_next] = in.now;
    peer.push_received_next = (peer.push_received_next + 1) % peer.push_received.size();

    auto push = vl1::PushDirectPaths::parse(in.payload());
    if (!push) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::push_direct_paths));
    size_t v4 = 0, v6 = 0;
    const bool via_loopback = is_loopback(in.from);
    for (size_t i = 0; i < push->count; ++i) {
        const auto& dp = push->paths[i];
        if (dp.flags & vl1::DirectPath::kFlagForget) continue;  // not implemented upstream either
        if (!usable_advertised(dp.endpoint, via_loopback)) continue;
        size_t& n = dp.endpoint.family == Endpoint::Family::v4 ? v4 : v6;
        if (n++ >= kPushMaxPerFamily) continue;
        try_path(peer, kAnySocket, dp.endpoint, in.now);
    }
}

// §5.14 send: to peers we exchanged frames with in the last 10 min, every 15 s while we
// only reach them through a relay and every 120 s once a direct path exists.
void Node::Impl::push_direct_paths(Ticks now) {
    std::vector<Endpoint> mine;
    for (const auto& e : local_endpoints)
        if (std::find(mine.begin(), mine.end(), e) == mine.end()) mine.push_back(e);
    for (const auto& e : external_endpoints)
        if (std::find(mine.begin(), mine.end(), e) == mine.end()) mine.push_back(e);
    if (mine.empty()) return;

    vl1::PushDirectPaths push;
    for (const auto& e : mine) {
        if (push.count == push.paths.size()) break;
        push.paths[push.count++] = vl1::DirectPath{0, e};
    }
    std::array<uint8_t, 1200> buf;
    Writer w(buf);
    push.serialize(w);
    if (!w.ok()) return;

    for (auto& [addr, peer] : peers) {
        if (peer->is_root || now - peer->last_frame >= kTrustMs) continue;
        Ticks interval = peer->best_path(now) ? kPushIntervalDirectMs : kPushIntervalRelayedMs;
        if (now - peer->last_push_sent < interval) continue;
        if (send_to_peer(*peer, Verb::push_direct_paths, w.written(), now)) peer->last_push_sent = now;
    }
}

}  // namespace zt
