// VL1 verbs on the node: HELLO and its OK (§5.2), ECHO (§5.7), ERROR (§5.1), path learning
// and confirmation (§7.5) and the per-peer keepalives (§7.5, §11).
#include <algorithm>

#include "core/node/impl.hpp"
#include "core/vl1/echo.hpp"
#include "core/vl1/error.hpp"
#include "core/vl1/hello.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/multicast_frame.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/wire/inet_address.hpp"

namespace zt {

namespace {

uint64_t ip_hash(const Endpoint& e) {
    uint64_t h = 0xcbf29ce484222325ULL ^ uint8_t(e.family);
    for (uint8_t b : e.ip) h = (h ^ b) * 0x100000001b3ULL;
    return h;
}

constexpr Ticks kIdentityValidationIntervalMs = 2000;  // §5.2, x86-64 value
constexpr size_t kIdentityRateTableMax = 4096;

}  // namespace

// §5.2 receive, cipher 0: the identity inside the packet supplies the key. Authenticate
// first, then run the memory-hard check, then create the peer. Returns the peer (known or
// new) with the packet authenticated and its cryptField decrypted, or nullptr (dropped).
Peer* Node::Impl::authenticate_hello(const Inbound& in, std::span<uint8_t> pkt) {
    const auto& h = in.header;
    Reader r(in.payload());
    r.skip(13);
    auto id = Identity::parse(r);
    if (!r.ok() || !id) {
        drop(Drop::bad_payload, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
        return nullptr;
    }
    if (id->address() != h.source) {
        drop(Drop::bad_identity, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
        return nullptr;
    }

    Peer* peer = find_peer(h.source);
    if (peer && !(peer->identity() == *id)) {
        // §5.2: a known address with another key. Never replace the identity; if the packet
        // authenticates with the new key, tell the sender (upstream: ERROR IDENTITY_COLLISION).
        auto other_key = self.agree(*id);
        if (other_key && wire::dearmor(pkt, *other_key)) {
            Event ev;
            ev.kind = Event::Kind::identity_collision;
            ev.peer = h.source;
            ev.endpoint = in.from;
            emit(ev);
        }
        drop(Drop::bad_identity, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
        return nullptr;
    }

    if (peer) {
        if (auto ok = wire::dearmor(pkt, peer->key()); !ok) {
            drop(ok.error(), in.from, h.source, h.packet_id, uint8_t(Verb::hello));
            return nullptr;
        }
    } else {
        // Unknown sender: identity work is rate limited per source IP.
        auto& last = identity_rate[ip_hash(in.from)];
        if (last != 0 && in.now - last < kIdentityValidationIntervalMs) {
            drop(Drop::rate_limited, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
            return nullptr;
        }
        last = in.now;
        if (identity_rate.size() > kIdentityRateTableMax) identity_rate.clear();

        auto key = self.agree(*id);
        if (!key) {
            drop(Drop::bad_identity, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
            return nullptr;
        }
        if (auto ok = wire::dearmor(pkt, *key); !ok) {
            drop(ok.error(), in.from, h.source, h.packet_id, uint8_t(Verb::hello));
            return nullptr;
        }
        if (!memory_hard_scratch) memory_hard_scratch = std::make_unique<uint8_t[]>(crypto::memory_hard_scratch_bytes);
        std::span<uint8_t, crypto::memory_hard_scratch_bytes> scratch(memory_hard_scratch.get(),
                                                                       crypto::memory_hard_scratch_bytes);
        if (!id->locally_validate(scratch)) {
            drop(Drop::bad_identity, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
            return nullptr;
        }
        peer = add_peer(*id);
        if (!peer) {
            drop(Drop::bad_identity, in.from, h.source, h.packet_id, uint8_t(Verb::hello));
            return nullptr;
        }
    }
    vl1::Hello::apply_crypt_field(pkt, peer->key());
    return peer;
}

void Node::Impl::handle_hello(Peer& peer, const Inbound& in) {
    auto hello = vl1::Hello::parse(in.payload());
    if (!hello) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::hello));
    if (hello->protocol_version < kProtoVersionMin) return;

    // Answer with the suite that fits what we knew before this HELLO (§5.2).
    const Cipher reply_cipher = peer.send_cipher();
    peer.proto_version = hello->protocol_version;
    peer.major = hello->version_major;
    peer.minor = hello->version_minor;
    peer.revision = hello->version_revision;

    vl1::OkHello body;
    body.timestamp_echo_ms = hello->timestamp_ms;
    body.protocol_version = kProtoVersion;
    body.version_major = kSoftwareMajor;
    body.version_minor = kSoftwareMinor;
    body.version_revision = kSoftwareRevision;
    body.source = wire::InetAddress{in.from};
    if (hello->protocol_version < 5) body.source->endpoint.port = 0;
    // Our planet, if the sender announces an older revision of it (§5.2).
    std::array<uint8_t, World::kMaxSerializedBytes> world_buf;
    body.worlds = std::span<const uint8_t>{};
    if (!planet_world.is_null() && hello->planet && hello->planet->id == planet_world.id &&
        hello->planet->timestamp_ms < planet_world.timestamp_ms) {
        Writer ww(world_buf);
        planet_world.serialize(ww);
        if (ww.ok()) body.worlds = ww.written();
    }

    std::array<uint8_t, 128 + World::kMaxSerializedBytes> buf;
    Writer w(buf);
    vl1::Ok{Verb::hello, in.header.packet_id, {}}.serialize(w);
    body.serialize(w);
    if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, reply_cipher);

    if (in.header.hops() == 0 && hello->destination && !hello->destination->endpoint.is_nil()) {
        note_external(peer, hello->destination->endpoint);
        Event ev;
        ev.kind = Event::Kind::external_address;
        ev.peer = peer.address();
        ev.endpoint = hello->destination->endpoint;
        emit(ev);
    }
}

void Node::Impl::handle_ok(Peer& peer, const Inbound& in) {
    auto ok = vl1::Ok::parse(in.payload());
    if (!ok) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));
    // §5.11: a member acknowledges a NETWORK_CONFIG we pushed with OK in-re ECHO (an upstream
    // quirk); the member has the configuration, nothing more to do.
    if (ok->in_re_verb == Verb::echo && expected.matches(ok->in_re_packet_id, Verb::network_config, peer.address(), in.now))
        return;
    if (!expected.matches(ok->in_re_packet_id, ok->in_re_verb, peer.address(), in.now))
        return drop(Drop::unexpected_reply, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));

    switch (ok->in_re_verb) {
    case Verb::hello: {
        auto body = vl1::OkHello::parse(ok->body);
        if (!body) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));
        if (body->protocol_version < kProtoVersionMin) return;
        peer.proto_version = body->protocol_version;
        peer.major = body->version_major;
        peer.minor = body->version_minor;
        peer.revision = body->version_revision;
        // The echoed timestamp is the peer's word: any 64-bit value, so no signed subtraction.
        const Ticks echoed = body->timestamp_echo_ms;
        int32_t latency = echoed > in.now ? 0 : int32_t(std::min<uint64_t>(uint64_t(in.now) - uint64_t(echoed), 60000));
        if (in.header.hops() == 0) peer.latency_ms = latency;
        confirm_path(peer, in, latency);
        if (in.header.hops() == 0 && body->source && !body->source->endpoint.is_nil()) {
            note_external(peer, body->source->endpoint);
            Event ev;
            ev.kind = Event::Kind::external_address;
            ev.peer = peer.address();
            ev.endpoint = body->source->endpoint;
            emit(ev);
        }
        if (peer.is_root && body->worlds) offer_worlds(peer, in, *body->worlds);
        break;
    }
    case Verb::echo: {
        int32_t latency = int32_t(std::clamp<Ticks>(in.now - expected.sent_at(ok->in_re_packet_id), 0, 60000));
        if (in.header.hops() == 0) peer.latency_ms = latency;
        confirm_path(peer, in, latency);
        break;
    }
    case Verb::whois: {
        if (!peer.is_root) return drop(Drop::untrusted_path, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));
        auto body = vl1::OkWhois::parse(ok->body);
        if (!body) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));
        on_identity(body->identity, in.now);
        break;
    }
    case Verb::network_config_request:  // §8.4: one config chunk per OK
        handle_config_chunk(peer, in, ok->body);
        break;
    case Verb::multicast_gather: {
        auto body = vl2::OkMulticastGather::parse(ok->body);
        if (!body) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));
        learn_members(body->nwid, MulticastGroup{body->group_mac, body->group_adi}, body->results, in.now);
        break;
    }
    case Verb::multicast_frame: {
        auto body = vl2::OkMulticastFrame::parse(ok->body);
        if (!body) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::ok));
        if (body->gather) learn_members(body->nwid, MulticastGroup{body->group_mac, body->group_adi}, *body->gather, in.now);
        break;
    }
    default: break;
    }
}

void Node::Impl::handle_error(Peer& peer, const Inbound& in) {
    auto err = vl1::Error::parse(in.payload());
    if (!err) return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::error));
    Event ev;
    ev.kind = Event::Kind::error_received;
    ev.peer = peer.address();
    ev.endpoint = in.from;
    ev.verb = uint8_t(err->in_re_verb);
    ev.code = uint8_t(err->code);
    ev.packet_id = err->in_re_packet_id;
    if (err->nwid) ev.nwid = *err->nwid;
    emit(ev);
    network_error(peer, *err, in.now);
}

void Node::Impl::handle_echo(Peer& peer, const Inbound& in) {
    Path* path = peer.find_path(in.local, in.from);
    if (path) {
        if (in.now - path->last_echo_reply < kEchoReplyMinIntervalMs)
            return drop(Drop::rate_limited, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::echo));
        path->last_echo_reply = in.now;
    }
    std::array<uint8_t, 9 + 512> buf;
    Writer w(buf);
    vl1::Ok{Verb::echo, in.header.packet_id, {}}.serialize(w);
    auto payload = in.payload();
    vl1::OkEcho{payload.first(std::min<size_t>(payload.size(), 512))}.serialize(w);
    if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
}

// ---- sending VL1 requests ------------------------------------------------------------

void Node::Impl::send_hello(Peer& peer, LocalSocket local, const Endpoint& to, Ticks now) {
    vl1::Hello hello;
    hello.protocol_version = kProtoVersion;
    hello.version_major = kSoftwareMajor;
    hello.version_minor = kSoftwareMinor;
    hello.version_revision = kSoftwareRevision;
    hello.timestamp_ms = now;
    hello.identity = self.public_only();
    hello.destination = wire::InetAddress{to};
    hello.planet = vl1::WorldRef{planet_id, planet_timestamp};
    hello.has_moon_section = true;

    std::array<uint8_t, 256> buf;
    Writer w(buf);
    hello.serialize(w);
    if (!w.ok()) return;
    uint64_t id = send_packet(peer, Verb::hello, w.written(), now, local, to, Cipher::poly1305_none, true);
    if (id) {
        expected.expect(id, Verb::hello, peer.address(), now);
        peer.last_hello_sent = now;
        if (Path* p = peer.find_path(local, to)) p->last_confirm_attempt = now;
    }
}

void Node::Impl::send_echo(Peer& peer, LocalSocket local, const Endpoint& to, Ticks now) {
    uint64_t id = send_packet(peer, Verb::echo, {}, now, local, to, peer.send_cipher());
    if (id) expected.expect(id, Verb::echo, peer.address(), now);
}

// ---- paths ---------------------------------------------------------------------------

// §5.2, §7.5: traffic from a new physical address does not create a path; we send a full
// HELLO to the address (upstream Peer::received -> attemptToContactAt(..., sendFullHello))
// and adopt it on the OK. ECHO is only for RENDEZVOUS/PUSH_DIRECT_PATHS attempts (try_path)
// and keepalives.
void Node::Impl::note_path(Peer& peer, const Inbound& in) {
    Path& p = peer.learn_path(in.local, in.from);
    p.last_receive = in.now;
    if (p.confirmed || in.now - p.last_confirm_attempt < kHelloMinIntervalPerAddressMs) return;
    p.last_confirm_attempt = in.now;
    send_hello(peer, in.local, in.from, in.now);
}


void Node::Impl::confirm_path(Peer& peer, const Inbound& in, int32_t latency_ms) {
    if (in.header.hops() != 0) return;  // relayed: says nothing about a direct path
    Path& p = peer.learn_path(in.local, in.from);
    p.last_receive = in.now;
    p.latency_ms = latency_ms;
    if (p.confirmed) return;
    p.confirmed = true;
    peer.static_hello_backoff_ms = 500;
    Event ev;
    ev.kind = Event::Kind::path_confirmed;
    ev.peer = peer.address();
    ev.endpoint = in.from;
    emit(ev);
}

// §7.5 keepalive, every 5 s: expire silent paths, ECHO paths idle for 14 s, full HELLO
// every 60 s.
void Node::Impl::ping_peers(Ticks now) {
    std::vector<Endpoint> expired;
    for (auto& [addr, peer] : peers) {
        expired.clear();
        peer->expire_paths(now, expired);
        for (const auto& e : expired) {
            Event ev;
            ev.kind = Event::Kind::path_expired;
            ev.peer = peer->address();
            ev.endpoint = e;
            emit(ev);
        }
        bool full_hello = now - peer->last_hello_sent >= kPeerPingPeriodMs;
        for (auto& path : peer->paths()) {
            if (!path.confirmed) continue;
            if (full_hello) send_hello(*peer, path.local, path.remote, now);
            else if (now - path.last_send >= kPathHeartbeatPeriodMs) send_echo(*peer, path.local, path.remote, now);
        }
    }
}

}  // namespace zt
