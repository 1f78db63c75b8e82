// The node's receive pipeline (spec §4.7), the send path (armor, fragment, §3.3) and the
// public API. Verb handlers live in vl1.cpp and vl2.cpp.
#include "core/node/impl.hpp"

#include <algorithm>

#include "core/vl1/hello.hpp"
#include "core/wire/writer.hpp"

namespace zt {

namespace {
// How long a live path may stay silent while we send on it before a HELLO goes along.
constexpr Ticks kQuietPathHelloMs = 3000;
}  // namespace

uint64_t NodeStats::dropped_total() const {
    uint64_t n = 0;
    for (auto d : drops) n += d;
    return n;
}

Node::Impl::Impl(Host& h, Rng& r, Identity s, Ticks now)
    : host(h), rng(r), self(std::move(s)), next_ping_check(now), next_deadline(now) {}

void Node::Impl::drop(Drop why, const Endpoint& from, Address peer, uint64_t packet_id, uint8_t verb) {
    ++stats.drops[size_t(why)];
    Event ev;
    ev.kind = Event::Kind::packet_dropped;
    ev.drop = why;
    ev.peer = peer;
    ev.endpoint = from;
    ev.packet_id = packet_id;
    ev.verb = verb;
    emit(ev);
}

Peer* Node::Impl::find_peer(Address a) {
    auto it = peers.find(a.value());
    return it == peers.end() ? nullptr : it->second.get();
}

Peer* Node::Impl::add_peer(const Identity& id) {
    if (Peer* p = find_peer(id.address())) return p;
    auto key = self.agree(id);
    if (!key) return nullptr;
    auto peer = std::make_unique<Peer>(id.public_only(), std::move(*key));
    if (auto it = static_addresses.find(id.address()); it != static_addresses.end()) {
        peer->static_endpoint = it->second;
        static_addresses.erase(it);
    }
    Peer* raw = peer.get();
    peers.emplace(id.address().value(), std::move(peer));
    // Packets may wait for this identity (WHOIS): flush them once the current packet is done.
    whois.erase(id.address());
    identities_arrived.push_back(id.address());
    Event ev;
    ev.kind = Event::Kind::peer_added;
    ev.peer = id.address();
    emit(ev);
    return raw;
}

// ---- receive -------------------------------------------------------------------------

void Node::Impl::on_udp(Ticks now, LocalSocket local, const Endpoint& from, std::span<const uint8_t> datagram) {
    ++stats.rx_datagrams;
    switch (wire::classify_datagram(datagram)) {
    case wire::DatagramKind::runt:
    case wire::DatagramKind::bad_head: drop(Drop::too_short, from); return;
    case wire::DatagramKind::fragment: {
        auto fh = wire::FragmentHeader::parse(datagram);
        if (!fh) return drop(Drop::too_short, from);
        if (fh->dest != self.address()) {
            if (!relay(now, from, datagram, fh->dest, Address(), true)) drop(Drop::not_for_us, from, Address(), fh->packet_id);
            return;
        }
        // A piece of a packet we already assembled and authenticated: a duplicate (the
        // network copied it) or a replay. Dropped here, it cannot take a reassembly slot
        // from a packet in progress.
        if (recent.seen(fh->packet_id, now)) return drop(Drop::duplicate_fragment, from, Address(), fh->packet_id);
        auto r = reassembler.add_fragment(now, datagram, rx);
        if (!r) return drop(r.error(), from, Address(), fh->packet_id);
        if (*r == wire::Reassembler::Status::complete) process_packet(now, local, from, rx.bytes());
        flush_arrivals(now);
        return;
    }
    case wire::DatagramKind::head: break;
    }
    auto h = wire::PacketHeader::parse(datagram);
    if (!h) return drop(Drop::too_short, from);
    if (h->dest != self.address()) {
        if (!relay(now, from, datagram, h->dest, h->source, false)) drop(Drop::not_for_us, from, h->source, h->packet_id);
        return;
    }
    if (h->fragmented()) {
        if (recent.seen(h->packet_id, now)) return drop(Drop::duplicate_fragment, from, h->source, h->packet_id);
        auto r = reassembler.add_head(now, datagram, rx);
        if (!r) return drop(r.error(), from, h->source, h->packet_id);
        if (*r == wire::Reassembler::Status::complete) process_packet(now, local, from, rx.bytes());
        flush_arrivals(now);
        return;
    }
    if (!rx.assign(datagram)) return drop(Drop::too_long, from, h->source, h->packet_id);
    process_packet(now, local, from, rx.bytes());
    flush_arrivals(now);
}

// §4.7 steps 2-7 on one whole packet (pkt is a scratch buffer we may modify).
void Node::Impl::process_packet(Ticks now, LocalSocket local, const Endpoint& from, std::span<uint8_t> pkt) {
    auto h = wire::PacketHeader::parse(pkt);
    if (!h) return drop(Drop::too_short, from);
    if (h->source == self.address()) return drop(Drop::from_self, from, h->source, h->packet_id);
    if (h->source.is_reserved()) return drop(Drop::bad_identity, from, h->source, h->packet_id);

    Inbound in{now, local, from, *h, pkt};
    if (h->cipher() == Cipher::poly1305_none && h->verb() == Verb::hello) {
        Peer* peer = authenticate_hello(in, pkt);
        if (!peer) return;
        if (!recent.check_and_insert(h->packet_id, now)) return drop(Drop::replay, from, h->source, h->packet_id);
        ++stats.rx_packets;
        return dispatch(*peer, in);
    }

    Peer* peer = find_peer(h->source);
    if (!peer) {
        // §4.7 step 5: keep the packet (<= 5 s) and ask a root who the sender is.
        if (roots.empty()) return drop(Drop::unknown_peer, from, h->source, h->packet_id);
        if (rx_queue.size() >= 32) {
            drop(Drop::unknown_peer, rx_queue.front().from, rx_queue.front().source);
            rx_queue.pop_front();
        }
        rx_queue.push_back(QueuedIn{h->source, local, from, Bytes(pkt.begin(), pkt.end()), now});
        need_identity(h->source, now);
        return;
    }
    if (h->cipher() == Cipher::none_trusted_path)
        return drop(Drop::unsupported_cipher, from, h->source, h->packet_id);

    auto armor = wire::dearmor(pkt, peer->key(), peer->aes());
    if (!armor) return drop(armor.error(), from, h->source, h->packet_id);
    if (!recent.check_and_insert(h->packet_id, now)) return drop(Drop::replay, from, h->source, h->packet_id);
    auto plain = wire::decompress(pkt, rx_plain);
    if (!plain) return drop(plain.error(), from, h->source, h->packet_id);

    in.packet = *plain;
    in.header.verb_byte = (*plain)[kPacketIdxVerb];
    ++stats.rx_packets;
    dispatch(*peer, in);
}

void Node::Impl::dispatch(Peer& peer, const Inbound& in) {
    peer.last_receive = in.now;
    if (peer.is_root) last_root_receive = in.now;
    Path* path = peer.find_path(in.local, in.from);
    if (path) path->last_receive = in.now;
    switch (in.header.verb()) {
    case Verb::hello: handle_hello(peer, in); break;
    case Verb::ok: handle_ok(peer, in); break;
    case Verb::error: handle_error(peer, in); break;
    case Verb::echo: handle_echo(peer, in); break;
    case Verb::whois: handle_whois(peer, in); break;
    case Verb::rendezvous: handle_rendezvous(peer, in); break;
    case Verb::push_direct_paths: handle_push_direct_paths(peer, in); break;
    case Verb::frame: handle_frame(peer, in); break;
    case Verb::ext_frame: handle_ext_frame(peer, in); break;
    case Verb::multicast_frame: handle_multicast_frame(peer, in); break;
    case Verb::multicast_like: handle_multicast_like(peer, in); break;
    case Verb::network_credentials: handle_network_credentials(peer, in); break;
    case Verb::network_config_request: handle_network_config_request(peer, in); break;
    case Verb::network_config: handle_network_config(peer, in); break;
    case Verb::multicast_gather: handle_multicast_gather(peer, in); break;
    default: break;  // §4.7: unknown and unimplemented verbs are ignored
    }
    if (!path && in.header.hops() == 0) note_path(peer, in);
}

// ---- send ----------------------------------------------------------------------------

void Node::Impl::emit_udp(LocalSocket local, const Endpoint& to, std::span<const uint8_t> d, int ttl) {
    host.send_udp(local, to, d, ttl);
    ++stats.tx_datagrams;
}

void Node::Impl::send_datagrams(std::span<const uint8_t> armored, LocalSocket local, const Endpoint& to) {
    wire::FragmentCutter cut(armored, phys_mtu);
    for (size_t i = 0; i < cut.count(); ++i) {
        auto d = cut.datagram(i, frag_scratch);
        if (d.empty()) return;
        emit_udp(local, to, d);
    }
}

uint64_t Node::Impl::send_packet(Peer& peer, Verb verb, std::span<const uint8_t> payload, Ticks now,
                                 LocalSocket local, const Endpoint& to, Cipher cipher, bool hello_crypt) {
    wire::PacketHeader h;
    h.packet_id = rng.next_u64();
    h.dest = peer.address();
    h.source = self.address();
    h.verb_byte = uint8_t(verb);
    Writer w = tx.writer();
    h.serialize(w);
    w.bytes(payload);
    if (!tx.commit(w)) return 0;
    if (wire::fragment_count(tx.len, phys_mtu) == 0) return 0;
    if (tx.len > phys_mtu) tx.b[kPacketIdxFlags] |= kFlagFragmented;
    if (hello_crypt) vl1::Hello::apply_crypt_field(tx.bytes(), peer.key());
    if (!wire::armor(tx.bytes(), peer.key(), cipher, peer.aes())) return 0;
    send_datagrams(tx.bytes(), local, to);
    ++stats.tx_packets;
    if (Path* p = peer.find_path(local, to)) p->last_send = now;
    uint64_t wire_id = 0;
    for (size_t i = 0; i < 8; ++i) wire_id = (wire_id << 8) | tx.b[i];
    return wire_id;
}

// Path choice (§7.4, §7.5): a live direct path; else the best root's relay (probing a silent
// direct path meanwhile: a NAT mapping changed, the peer restarted elsewhere; it is used
// again as soon as something arrives on it); without roots, the silent path or the static
// endpoint from the configuration.
uint64_t Node::Impl::send_to_peer_id(Peer& peer, Verb verb, std::span<const uint8_t> payload, Ticks now) {
    const Path* p = peer.best_path(now);
    if (p && p->alive(now)) {
        // A path we send on that has been quiet for a while may lead to a node that restarted
        // and forgot us (it drops what we send as unknown_peer until our HELLO): HELLO along
        // with the packet at once rather than when the path stops counting as alive (19 s).
        if (now - p->last_receive >= kQuietPathHelloMs && now - peer.last_hello_sent >= kQuietPathHelloMs) {
            const Path quiet = *p;
            send_hello(peer, quiet.local, quiet.remote, now);
            p = peer.best_path(now);
            if (!p) return 0;
        }
        return send_packet(peer, verb, payload, now, p->local, p->remote, peer.send_cipher());
    }
    Peer* root = peer.is_root ? nullptr : best_root(now);
    if (!root) {
        if (p) return send_packet(peer, verb, payload, now, p->local, p->remote, peer.send_cipher());
        if (peer.static_endpoint)
            return send_packet(peer, verb, payload, now, kAnySocket, *peer.static_endpoint, peer.send_cipher());
        return 0;
    }
    if (p) {
        const Path silent = *p;  // try_path may grow the path list
        try_path(peer, silent.local, silent.remote, now);
    }
    const Path* rp = root->best_path(now);
    const uint64_t id = send_packet(peer, verb, payload, now, rp->local, rp->remote, peer.send_cipher());
    if (id) ++stats.sent_via_root;
    return id;
}

// ---- timers --------------------------------------------------------------------------

Ticks Node::Impl::on_timer(Ticks now) {
    reassembler.expire(now);
    contact_roots(now);
    expire_queues(now);
    Ticks next = now + kPingCheckIntervalMs;
    if (!whois.empty()) next = std::min(next, now + kWhoisRetryDelayMs);
    for (Address a : roots)
        if (Peer* p = find_peer(a); p && !p->best_path(now)) next = std::min(next, std::max(p->next_root_hello, now + 100));
    // Static peers without a confirmed path: HELLO with backoff (0.5 s doubling to 5 s).
    for (auto& [addr, peer] : peers) {
        const Path* best = peer->static_endpoint ? peer->best_path(now) : nullptr;
        if (!peer->static_endpoint || (best && best->alive(now))) continue;
        if (now >= peer->next_static_hello) {
            send_hello(*peer, kAnySocket, *peer->static_endpoint, now);
            peer->next_static_hello = now + peer->static_hello_backoff_ms;
            peer->static_hello_backoff_ms = std::min<int32_t>(peer->static_hello_backoff_ms * 2, int32_t(kPingCheckIntervalMs));
        }
        next = std::min(next, peer->next_static_hello);
    }
    if (now >= next_ping_check) {
        ping_peers(now);
        push_direct_paths(now);
        networks_tick(now);
        next_ping_check = now + kPingCheckIntervalMs;
    }
    flush_arrivals(now);
    next_deadline = std::min(next, next_ping_check);
    return next_deadline;
}

// ---- public API ----------------------------------------------------------------------

Node::Node(Host& host, Rng& rng, Identity self, Ticks now) : impl_(std::make_unique<Impl>(host, rng, std::move(self), now)) {}
Node::~Node() = default;

const Identity& Node::identity() const { return impl_->self; }

void Node::add_static_peer(const Identity& id, const Endpoint& endpoint) {
    if (id.address() == impl_->self.address()) return;
    impl_->members.insert(id.address());
    if (!endpoint.is_nil()) impl_->static_addresses[id.address()] = endpoint;
    if (Peer* p = impl_->add_peer(id); p && !endpoint.is_nil()) {
        p->static_endpoint = endpoint;
        p->next_static_hello = 0;  // at the next on_timer
        impl_->wake_at(0);
    }
}

void Node::add_static_peer(Address address, const Endpoint& endpoint) {
    if (address == impl_->self.address() || address.is_reserved()) return;
    impl_->members.insert(address);
    if (endpoint.is_nil()) return;  // found through the roots when first needed
    if (Peer* p = impl_->find_peer(address)) {
        p->static_endpoint = endpoint;
        return;
    }
    impl_->static_addresses[address] = endpoint;
}

void Node::set_planet(uint64_t world_id, uint64_t world_timestamp, const std::vector<RootSpec>& roots) {
    impl_->planet_world = World{};
    impl_->set_planet(world_id, world_timestamp, roots);
    impl_->wake_at(0);
}

void Node::set_planet(const World& planet) {
    impl_->set_planet(planet);
    impl_->wake_at(0);
}

const World& Node::planet() const { return impl_->planet_world; }

void Node::set_root_role(bool on) { impl_->root_role = on; }

void Node::set_local_endpoints(const std::vector<Endpoint>& endpoints) { impl_->local_endpoints = endpoints; }

bool Node::online(Ticks now) const {
    if (impl_->root_role) return true;  // a root is the upstream
    return impl_->last_root_receive != kNever && now - impl_->last_root_receive < kPeerActivityTimeoutMs;
}

void Node::join(Ticks now, NetworkId nwid) {
    impl_->join(now, nwid);
    impl_->wake_at(now);
}

void Node::join_static(NetworkId nwid, uint32_t mtu, std::vector<wire::InetPrefix> addresses) {
    impl_->join_static(nwid, mtu, std::move(addresses));
}

bool Node::leave(NetworkId nwid) { return impl_->leave(nwid); }

std::optional<NetworkStatus> Node::network(NetworkId nwid) const {
    auto it = impl_->networks.find(nwid.value);
    if (it == impl_->networks.end()) return std::nullopt;
    return impl_->network_status(it->second);
}

std::vector<NetworkStatus> Node::networks() const {
    std::vector<NetworkStatus> out;
    for (const auto& [id, net] : impl_->networks) out.push_back(impl_->network_status(net));
    return out;
}

void Node::set_stack_groups(Ticks now, NetworkId nwid, const std::vector<Mac>& groups) {
    Network* net = impl_->find_network(nwid);
    if (!net) return;
    net->stack_groups = groups;
    if (net->update_groups()) {
        impl_->announce_groups(*net, now, true);
        impl_->network_changed(*net);
    }
}

std::optional<std::vector<uint8_t>> Node::network_config_blob(NetworkId nwid) const {
    auto it = impl_->networks.find(nwid.value);
    if (it == impl_->networks.end() || it->second.is_static) return std::nullopt;
    return it->second.config_dictionary;
}

bool Node::restore_network_config(Ticks now, NetworkId nwid, std::span<const uint8_t> dictionary) {
    Network* net = impl_->find_network(nwid);
    if (!net || net->is_static) return false;
    if (!impl_->accept_config_dictionary(*net, dictionary, now)) return false;
    // A cached configuration is not a fresh one (its COM may be old): ask the controller at the
    // next check, as upstream does after loading its cache.
    net->last_config_update = kNever;
    return true;
}

void Node::set_network_controller(NetworkController* controller) { impl_->controller = controller; }

void Node::send_network_config(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address member,
                               const vl2::NetworkConfig& config) {
    impl_->send_network_config(now, nwid, request_packet_id, member, config);
}

void Node::send_network_error(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address member, ErrorCode code) {
    impl_->send_network_error(now, nwid, request_packet_id, member, code);
}

void Node::send_revocation(Ticks now, Address member, const vl2::Revocation& revocation) {
    impl_->send_revocation(now, member, revocation);
}

void Node::set_physical_mtu(size_t bytes) { impl_->phys_mtu = std::clamp(bytes, wire::kMinPhysMtu, wire::kMaxPhysMtu); }

void Node::on_udp(Ticks now, LocalSocket local, const Endpoint& from, std::span<const uint8_t> datagram) {
    impl_->on_udp(now, local, from, datagram);
}

void Node::on_frame(Ticks now, NetworkId nwid, const Frame& frame) { impl_->on_frame(now, nwid, frame); }

Ticks Node::on_timer(Ticks now) { return impl_->on_timer(now); }

Ticks Node::next_deadline() const { return impl_->next_deadline; }

NodeStats Node::stats() const { return impl_->stats; }

std::vector<PeerStatus> Node::peers() const {
    std::vector<PeerStatus> out;
    for (const auto& [addr, p] : impl_->peers) {
        PeerStatus s;
        s.address = p->address();
        s.root = p->is_root;
        s.proto_version = p->proto_version;
        s.major = p->major;
        s.minor = p->minor;
        s.revision = p->revision;
        s.latency_ms = p->latency_ms;
        s.last_receive = p->last_receive;
        const Path* best = p->best_path(p->last_receive);
        for (const auto& path : p->paths()) {
            s.paths.push_back(PathStatus{path.local, path.remote, path.latency_ms, path.last_send,
                                         path.last_receive, path.confirmed, &path == best});
        }
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const PeerStatus& a, const PeerStatus& b) { return a.address < b.address; });
    return out;
}

}  // namespace zt
