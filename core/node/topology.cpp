// Roots and identity lookup (spec §7.4): the planet's roots as upstream peers, the best
// root, contacting roots, WHOIS with retry, and the queues of packets that wait for an
// identity (32 each way, 5 s).
//
// WHOIS states per address:  needed --WHOIS sent--> asked --(500 ms)--> asked again ...
//                            asked --OK(WHOIS) from a root--> known (queues flushed)
//                            needed/asked --5 s and no queued packet--> forgotten
#include <algorithm>

#include "core/node/impl.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl1/whois.hpp"

namespace zt {

namespace {
constexpr size_t kQueueMax = 32;
constexpr Ticks kRootHelloIntervalMs = 5000;
constexpr int32_t kRootHelloFirstRetryMs = 500;
constexpr size_t kMaxExternalEndpoints = 8;
}  // namespace

void Node::Impl::set_planet(uint64_t id, uint64_t ts, const std::vector<RootSpec>& specs) {
    planet_id = id;
    planet_timestamp = ts;
    for (Address a : roots)
        if (Peer* p = find_peer(a)) p->is_root = false;
    roots.clear();
    for (const auto& spec : specs) {
        if (spec.identity.address() == self.address()) continue;  // we are this root
        Peer* p = add_peer(spec.identity);
        if (!p) continue;
        p->is_root = true;
        p->root_endpoints = spec.endpoints;
        p->next_root_hello = 0;
        roots.push_back(p->address());
    }
}

void Node::Impl::set_planet(const World& w) {
    std::vector<RootSpec> specs;
    for (const auto& r : w.roots) {
        RootSpec spec{r.identity, {}};
        for (const auto& e : r.stable_endpoints)
            if (!e.is_nil()) spec.endpoints.push_back(e);
        specs.push_back(std::move(spec));
    }
    planet_world = w;
    set_planet(w.id, w.timestamp_ms, specs);
}

// §5.2/§7.2: a root's OK(HELLO) may carry newer revisions of the worlds we announced. Only
// our planet is taken (moons are not supported); a revision that is not newer is ignored, one
// that fails the signature rule or whose roots fail validation is dropped and counted. Roots
// keep the planet their operator gave them.
void Node::Impl::offer_worlds(Peer& root, const Inbound& in, std::span<const uint8_t> worlds) {
    if (worlds.empty() || root_role || planet_world.is_null()) return;
    auto offered = World::parse_all(worlds);
    if (!offered) return drop(Drop::bad_payload, in.from, root.address(), in.header.packet_id, uint8_t(Verb::ok));
    for (const World& w : *offered) {
        if (w.type != World::Type::planet || w.id != planet_world.id) continue;
        switch (check_world_update(planet_world, w)) {
        case WorldUpdate::accept: break;
        case WorldUpdate::bad_signature:
            drop(Drop::bad_world, in.from, root.address(), in.header.packet_id, uint8_t(Verb::ok));
            continue;
        default: continue;
        }
        if (!w.roots_locally_validate()) {
            drop(Drop::bad_world, in.from, root.address(), in.header.packet_id, uint8_t(Verb::ok));
            continue;
        }
        set_planet(w);
        contact_roots(in.now);
        Event ev;
        ev.kind = Event::Kind::planet_updated;
        ev.peer = root.address();
        ev.endpoint = in.from;
        emit(ev);
    }
}

// §7.4: lowest latency x (1 + seconds since last receive / 61); silent roots rank last.
Peer* Node::Impl::best_root(Ticks now) {
    Peer* best = nullptr;
    int64_t best_score = INT64_MAX;
    for (Address a : roots) {
        Peer* p = find_peer(a);
        if (!p || !p->best_path(now)) continue;
        int64_t since_s = (now - p->last_receive) / 1000;
        int64_t latency = p->latency_ms < 0 ? 500 : std::max<int32_t>(p->latency_ms, 1);
        int64_t score = since_s >= 500 ? INT64_MAX / 2 : latency * (1 + since_s / 61);
        if (!best || score < best_score) {
            best = p;
            best_score = score;
        }
    }
    return best;
}

// Roots without a live path get a HELLO on one IPv4 and one IPv6 stable endpoint, 0.5 s after
// the first, then 1 s, 2 s, 4 s, and every 5 s from then on (upstream: every 5 s). A root drops
// the HELLO of an identity it does not know yet when another one from the same IP came within
// 2 s (§5.2); on a busy NAT or on loopback the quick retries save seconds at start.
void Node::Impl::contact_roots(Ticks now) {
    for (Address a : roots) {
        Peer* p = find_peer(a);
        if (!p) continue;
        if (p->best_path(now)) {
            p->root_hello_backoff_ms = kRootHelloFirstRetryMs;
            continue;
        }
        if (now < p->next_root_hello) continue;
        p->next_root_hello = now + p->root_hello_backoff_ms;
        p->root_hello_backoff_ms = std::min<int32_t>(p->root_hello_backoff_ms * 2, int32_t(kRootHelloIntervalMs));
        for (auto family : {Endpoint::Family::v4, Endpoint::Family::v6}) {
            std::vector<const Endpoint*> candidates;
            for (const auto& e : p->root_endpoints)
                if (e.family == family) candidates.push_back(&e);
            if (candidates.empty()) continue;
            const Endpoint& to = *candidates[rng.next_u64() % candidates.size()];
            send_hello(*p, kAnySocket, to, now);
        }
    }
}

void Node::Impl::need_identity(Address a, Ticks now) {
    if (a.is_reserved() || a == self.address() || find_peer(a)) return;
    auto [it, fresh] = whois.try_emplace(a, WhoisState{now});
    WhoisState& w = it->second;
    if (!fresh && now - w.last_sent < kWhoisRetryDelayMs) return;
    Peer* root = best_root(now);
    if (!root) return;  // retried from on_timer once a root answers
    std::array<uint8_t, 5> buf;
    Writer wr(buf);
    vl1::Whois::serialize(wr, std::span<const Address>(&a, 1));
    uint64_t id = send_packet(*root, Verb::whois, wr.written(), now, root->best_path(now)->local,
                              root->best_path(now)->remote, root->send_cipher());
    if (!id) return;
    expected.expect(id, Verb::whois, root->address(), now);
    w.last_sent = now;
    wake_at(now + kWhoisRetryDelayMs);
    ++stats.whois_sent;
    Event ev;
    ev.kind = Event::Kind::whois_sent;
    ev.peer = a;
    emit(ev);
}

// §5.3: answer with one OK(WHOIS) per address we know (1.14 reads only the first identity
// of an OK). Non-roots answer at most one WHOIS per 100 ms per peer.
void Node::Impl::handle_whois(Peer& peer, const Inbound& in) {
    auto q = vl1::Whois::parse(in.payload());
    if (!q) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::whois));
    if (!root_role) {
        if (in.now - peer.last_whois_answer < 100)
            return drop(Drop::rate_limited, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::whois));
        peer.last_whois_answer = in.now;
    }
    size_t answered = 0;
    for (size_t i = 0; i < q->count() && answered < 8; ++i) {
        Address a = q->address(i);
        const Identity* id = nullptr;
        if (a == self.address()) id = &self;
        else if (Peer* p = find_peer(a)) id = &p->identity();
        if (!id) continue;  // unknown: nothing is sent (we have no upstream to ask)
        std::array<uint8_t, 9 + 71> buf;
        Writer w(buf);
        vl1::Ok{Verb::whois, in.header.packet_id, {}}.serialize(w);
        id->public_only().serialize(w);
        if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
        ++answered;
    }
}

// An identity from OK(WHOIS) (only roots are believed): validate, add, flush its queues.
void Node::Impl::on_identity(const Identity& id, Ticks now) {
    if (find_peer(id.address()) || id.address() == self.address()) return;
    if (!whois.count(id.address())) return;  // we did not ask
    if (!memory_hard_scratch) memory_hard_scratch = std::make_unique<uint8_t[]>(crypto::memory_hard_scratch_bytes);
    std::span<uint8_t, crypto::memory_hard_scratch_bytes> scratch(memory_hard_scratch.get(),
                                                                   crypto::memory_hard_scratch_bytes);
    if (!id.locally_validate(scratch)) {
        drop(Drop::bad_identity, Endpoint{}, id.address());
        return;
    }
    add_peer(id);  // flushes the queues for it
    (void)now;
}

// Runs after the packet that delivered identities is done (the receive buffers are free).
void Node::Impl::flush_arrivals(Ticks now) {
    while (!identities_arrived.empty()) {
        Address a = identities_arrived.back();
        identities_arrived.pop_back();
        Peer* peer = find_peer(a);
        if (!peer) continue;
        std::vector<QueuedOut> out;
        for (auto it = tx_queue.begin(); it != tx_queue.end();) {
            if (it->dest == a) {
                out.push_back(std::move(*it));
                it = tx_queue.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& q : out) {
            // Frames waited for the identity: our credentials for their network go first (§8.7),
            // or the peer refuses them and the first ARP or SYN is lost.
            if ((q.verb == Verb::frame || q.verb == Verb::ext_frame || q.verb == Verb::multicast_frame) &&
                q.payload.size() >= 8) {
                Reader r(q.payload);
                if (Network* net = find_network(NetworkId{r.u64be()})) push_credentials(*net, *peer, now, false);
            }
            if (uint64_t id = send_to_peer_id(*peer, q.verb, q.payload, now); id && q.expect_reply)
                expected.expect(id, q.verb, a, now);
        }
        std::vector<QueuedIn> in;
        for (auto it = rx_queue.begin(); it != rx_queue.end();) {
            if (it->source == a) {
                in.push_back(std::move(*it));
                it = rx_queue.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& q : in) process_packet(now, q.local, q.from, q.packet);
        if (auto it = pending_rendezvous.find(a); it != pending_rendezvous.end()) {
            auto [at, when] = it->second;
            pending_rendezvous.erase(it);
            if (now - when < kReceiveQueueTimeoutMs) punch(*peer, at, now);
        }
    }
}

void Node::Impl::expire_queues(Ticks now) {
    auto old_out = [now](const QueuedOut& q) { return now - q.queued >= kReceiveQueueTimeoutMs; };
    auto old_in = [now](const QueuedIn& q) { return now - q.queued >= kReceiveQueueTimeoutMs; };
    tx_queue.erase(std::remove_if(tx_queue.begin(), tx_queue.end(), old_out), tx_queue.end());
    std::erase_if(pending_rendezvous, [now](const auto& kv) { return now - kv.second.second >= kReceiveQueueTimeoutMs; });
    rx_queue.erase(std::remove_if(rx_queue.begin(), rx_queue.end(), old_in), rx_queue.end());
    for (auto it = whois.begin(); it != whois.end();) {
        Address a = it->first;
        bool waited = std::any_of(tx_queue.begin(), tx_queue.end(), [a](const QueuedOut& q) { return q.dest == a; }) ||
                      std::any_of(rx_queue.begin(), rx_queue.end(), [a](const QueuedIn& q) { return q.source == a; });
        if (!waited && now - it->second.first_needed >= kReceiveQueueTimeoutMs) {
            it = whois.erase(it);
        } else {
            if (now - it->second.last_sent >= kWhoisRetryDelayMs) need_identity(a, now);
            ++it;
        }
    }
}

bool Node::Impl::send_to_address(Address dest, Verb verb, std::span<const uint8_t> payload, Ticks now, bool expect_reply) {
    if (Peer* p = find_peer(dest)) {
        const uint64_t id = send_to_peer_id(*p, verb, payload, now);
        if (id && expect_reply) expected.expect(id, verb, dest, now);
        return id != 0;
    }
    if (dest.is_reserved() || dest == self.address()) return false;
    if (tx_queue.size() >= kQueueMax) tx_queue.pop_front();
    tx_queue.push_back(QueuedOut{dest, verb, Bytes(payload.begin(), payload.end()), now, expect_reply});
    need_identity(dest, now);
    return true;
}

// §7.5: what peers see as our address. Reports from roots come first; kept for
// PUSH_DIRECT_PATHS (a NAT's public mapping is what a peer behind another NAT needs).
void Node::Impl::note_external(Peer& reporter, const Endpoint& ep) {
    if (ep.is_nil() || ep.port == 0) return;
    auto it = std::find(external_endpoints.begin(), external_endpoints.end(), ep);
    if (it != external_endpoints.end()) {
        if (reporter.is_root) std::rotate(external_endpoints.begin(), it, it + 1);
        return;
    }
    if (reporter.is_root) external_endpoints.insert(external_endpoints.begin(), ep);
    else external_endpoints.push_back(ep);
    if (external_endpoints.size() > kMaxExternalEndpoints) external_endpoints.pop_back();
}

}  // namespace zt
